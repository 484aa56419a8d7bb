"""The workshop server in a day-long workshop: loopback only, a bad value hurts nobody else, and
sessions that are closed or abandoned are released, so memory does not grow with every
participant who came and went.

tests/browser already checks that two sessions keep separate models and that the page makes no
request beyond loopback; tests/viz checks an invalid setting in one rendered page. Here the real
`partnering app` runs with ``PARTNERING_KEEP_DISCONNECTED=3s`` (one hour by default) so that an
abandoned session is released within the test, and Solara's own ``/resourcez`` endpoint counts
the live sessions (kernels). Memory is the server process's VmRSS from /proc.

Sessions are closed two ways: a participant closing the tab (the page tells the server at once)
and a laptop lid shut or a network lost (the browser process is killed with SIGKILL, so the
server only sees the connection drop and must wait out the idle timeout).

Playwright runs in a worker thread of its own, so these tests can share a pytest session with
tests/browser, whose session-wide Playwright owns the main thread. As there, a missing
Playwright or Chromium skips the browser tests, unless ``PARTNERING_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, running_app
from tests.reliability.reliability_support import ROOT, TALLY, tally

IDLE_TIMEOUT_S = 3
LOAD_TIMEOUT_MS = 90_000
LOAD_SESSIONS = int(os.environ.get("PARTNERING_LOAD_SESSIONS", "12"))
"""Browser sessions the two load tests open at once: 12 in the suite (each costs about 6 s of two
busy cores); ``PARTNERING_LOAD_SESSIONS=20`` for a full workshop's worth (docs/reliability.md).
Twenty participants joining and leaving are also checked in process (tests/viz/test_room.py)."""
SESSIONS = LOAD_SESSIONS
SECOND_ROUND = 4
BATCH = 4
"""Sessions opened at once: enough to overlap, few enough for two cores."""


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    warmed: bool = False

    def sessions(self) -> dict:
        """Solara's live-session counts: total, has_connected, has_disconnected, has_closed."""
        with urllib.request.urlopen(self.url + "resourcez", timeout=10) as response:
            kernels = json.load(response)["kernels"]
        return {k: v for k, v in kernels.items() if k.startswith(("total", "has_"))}

    def wait_for_sessions(self, condition: Callable[[dict], bool], timeout: float) -> tuple[dict, float]:
        started = time.monotonic()
        while True:
            counts = self.sessions()
            if condition(counts):
                return counts, time.monotonic() - started
            assert time.monotonic() - started < timeout, f"sessions not as expected after {timeout} s: {counts}"
            time.sleep(0.2)

    @property
    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """The real `partnering app` on a free loopback port, abandoned sessions released after 3 s."""
    log = ROOT / "test-output" / "reliability-app-server.log"
    with running_app(log, {"PARTNERING_KEEP_DISCONNECTED": f"{IDLE_TIMEOUT_S}s"}) as (url, process):
        yield Server(url, process, log)


# --- loopback -----------------------------------------------------------------------------------
def listening_addresses(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every listening TCP socket the process holds, read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/net/{table}")
        if not path.exists():
            continue
        for row in path.read_text().splitlines()[1:]:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            hex_address, hex_port = local.split(":")
            raw = bytes.fromhex(hex_address)
            if table == "tcp":
                address = socket.inet_ntop(socket.AF_INET, raw[::-1])
            else:  # four little-endian 32-bit words
                address = socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))
            found.append((address, int(hex_port, 16)))
    return found


def test_the_server_listens_on_loopback_only(server):
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    sockets = listening_addresses(server.process.pid)
    assert (("127.0.0.1", port)) in sockets, sockets
    assert all(address in ("127.0.0.1", "::1") for address, _ in sockets), sockets


def test_only_an_explicit_host_option_moves_the_server_off_loopback():
    from typer.main import get_command

    from partnering.cli import app
    from partnering.viz.server import DEFAULT_HOST, offline_environment

    command = get_command(app).commands["app"]
    host = next(p for p in command.params if p.name == "host")
    assert host.default == DEFAULT_HOST == "127.0.0.1"
    assert offline_environment()["SERVER_NAME"] == "127.0.0.1"


def test_the_idle_timeout_setting_is_checked_before_the_server_starts(monkeypatch):
    from partnering.scenarios import ScenarioError
    from partnering.viz.server import KEEP_DISCONNECTED, keep_disconnected

    monkeypatch.delenv("PARTNERING_KEEP_DISCONNECTED", raising=False)
    assert keep_disconnected() == KEEP_DISCONNECTED == "1h"
    for good in ("30s", "20m", "2h", "1d", "45"):
        monkeypatch.setenv("PARTNERING_KEEP_DISCONNECTED", good)
        assert keep_disconnected() == good
    for bad in ("soon", "-5m", "nanm", "infh", "1w"):
        monkeypatch.setenv("PARTNERING_KEEP_DISCONNECTED", bad)
        with pytest.raises(ScenarioError, match="PARTNERING_KEEP_DISCONNECTED") as error:
            keep_disconnected()
        assert "\n" not in str(error.value) and "30s" in str(error.value)


# --- browsers -----------------------------------------------------------------------------------
def require_browser() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed"
    else:
        if Path(CHROMIUM).exists() or shutil.which("chromium"):
            return
        reason = f"Chromium is not installed at {CHROMIUM}"
    if os.environ.get("PARTNERING_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PARTNERING_REQUIRE_BROWSER=1, so the browser tests may not be skipped)")
    pytest.skip(reason)


def in_own_thread(drive: Callable[[], object]) -> object:
    """Run a Playwright script in a thread of its own (see the module's docstring)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(drive).result()


def load(page, url: str) -> None:
    page.goto(url)
    wait_loaded(page)


def wait_loaded(page) -> None:
    page.wait_for_selector("img.pt-chart-series", state="visible", timeout=LOAD_TIMEOUT_MS)


def quarter(page) -> int:
    text = page.locator(".pt-status").inner_text()
    return int(text.split("quarter ", 1)[1].split(" ", 1)[0])


def step(page) -> None:
    before = quarter(page)
    page.locator("button.pt-step").click()
    page.wait_for_function(
        "n => { const m = (document.querySelector('.pt-status')?.textContent || '').match(/quarter (\\d+)/);"
        " return m && Number(m[1]) > n; }", arg=before, timeout=15_000)


def open_sessions(browser, url: str, count: int) -> list:
    """``count`` participants, each in a browser context of its own, opened a few at a time."""
    pages = []
    for start in range(0, count, BATCH):
        batch = [browser.new_context(viewport={"width": 1100, "height": 750}).new_page()
                 for _ in range(min(BATCH, count - start))]
        for page in batch:
            page.goto(url, wait_until="commit")
        for page in batch:
            wait_loaded(page)
        pages += batch
    return pages


@pytest.mark.browser
def test_a_bad_value_gets_a_message_and_the_other_participants_keep_working(server):
    require_browser()

    def drive() -> dict:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                alice, bob = (browser.new_context().new_page() for _ in range(2))
                load(alice, server.url)
                load(bob, server.url)
                server.warmed = True
                step(alice)
                seed = bob.locator(".pt-seed input")
                seed.fill("twelve")  # not a number: the field says so and nothing changes
                bob.wait_for_selector(".pt-seed :text('must be an integer')", timeout=15_000)
                seed.fill("-1")  # a number the model refuses: Reset explains, the old run stays
                bob.locator("button.pt-reset").click()
                bob.wait_for_selector(".pt-error", state="visible", timeout=15_000)
                message = bob.locator(".pt-error").inner_text()
                step(alice)  # the other participant carries on...
                step(bob)  # ...and so does the one who made the mistake, on the model they had
                seed.fill("5")
                bob.locator("button.pt-reset").click()
                bob.wait_for_selector(".pt-running:text('seed 5')", timeout=15_000)
                # the message goes in the same redraw or the next one: wait for it, within a bound
                try:
                    bob.wait_for_selector(".pt-error", state="detached", timeout=15_000)
                    error_gone = True
                except PlaywrightTimeout:
                    error_gone = False
                return {"message": message, "alice": quarter(alice), "bob": quarter(bob), "error_gone": error_gone}
            finally:
                browser.close()

    result = in_own_thread(drive)
    assert "could not be built" in result["message"] and "non-negative" in result["message"], result
    assert "\n" not in result["message"].strip()
    assert (result["alice"], result["bob"], result["error_gone"]) == (2, 0, True), result
    assert server.process.poll() is None, "the server stopped"
    tally("workshop bad values answered with a message", 2)


class KillableChromium:
    """A Chromium this test starts itself, so that it can be killed like a laptop losing power."""

    def __init__(self) -> None:
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="reliability-chromium-")
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless=new", *CHROMIUM_ARGS, f"--remote-debugging-port={self.port}",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/version", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "Chromium did not start"
                time.sleep(0.1)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.mark.browser
def test_closed_and_abandoned_sessions_are_released_and_memory_is_reused(server):
    require_browser()
    half = SESSIONS // 2

    def drive() -> dict:
        from playwright.sync_api import sync_playwright

        numbers: dict = {}
        killable = KillableChromium()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                lost = playwright.chromium.connect_over_cdp(killable.endpoint)
                if not server.warmed:  # the first session ever loads the charting libraries
                    open_sessions(browser, server.url, 1)[0].context.close()
                    server.warmed = True
                server.wait_for_sessions(lambda c: c["total"] == 0, timeout=30)
                numbers["rss_before"] = server.rss_mb

                started = time.monotonic()
                closing = open_sessions(browser, server.url, half)
                open_sessions(lost, server.url, SESSIONS - half)
                numbers["open_s"] = time.monotonic() - started
                numbers["open"], _ = server.wait_for_sessions(lambda c: c["has_connected"] == SESSIONS, timeout=30)
                numbers["rss_open"] = server.rss_mb

                for page in closing:  # participants who close the tab
                    page.context.close()
                numbers["after_close"], _ = server.wait_for_sessions(lambda c: c["total"] == SESSIONS - half, 30)
                killable.kill()  # participants whose laptop dies: the connections just drop
                numbers["after_drop"], _ = server.wait_for_sessions(
                    lambda c: c["has_disconnected"] == SESSIONS - half, timeout=30)
                numbers["released"], numbers["release_s"] = server.wait_for_sessions(
                    lambda c: c["total"] == 0, timeout=IDLE_TIMEOUT_S + 30)
                numbers["rss_released"] = server.rss_mb

                for page in open_sessions(browser, server.url, SECOND_ROUND):  # the next group
                    page.context.close()
                server.wait_for_sessions(lambda c: c["total"] == 0, timeout=30)
                numbers["rss_second_round"] = server.rss_mb
                browser.close()
        finally:
            killable.kill()
        return numbers

    n = in_own_thread(drive)
    assert n["open"]["total"] == SESSIONS
    assert n["after_drop"]["has_disconnected"] == SESSIONS - half, "a dropped session is kept for a reconnect..."
    assert n["release_s"] <= IDLE_TIMEOUT_S + 5, "...and released once the idle timeout has passed"
    assert n["released"]["total"] == 0
    per_session = (n["rss_open"] - n["rss_before"]) / SESSIONS
    second_round = n["rss_second_round"] - n["rss_released"]
    TALLY.update({
        "workshop sessions opened and released": TALLY["workshop sessions opened and released"] + SESSIONS + SECOND_ROUND,
        f"workshop seconds to open {SESSIONS} sessions": round(n["open_s"], 1),
        "workshop seconds from dropped connections to release": round(n["release_s"], 1),
        "workshop server RSS before (MB)": round(n["rss_before"]),
        f"workshop server RSS with {SESSIONS} sessions (MB)": round(n["rss_open"]),
        "workshop server RSS after release (MB)": round(n["rss_released"]),
        f"workshop server RSS after {SECOND_ROUND} more sessions came and went (MB)": round(n["rss_second_round"]),
    })
    print(f"\nserver RSS: {n['rss_before']:.0f} MB before, {n['rss_open']:.0f} MB with {SESSIONS} sessions "
          f"({per_session:.1f} MB each), {n['rss_released']:.0f} MB after release, {n['rss_second_round']:.0f} MB "
          f"after {SECOND_ROUND} more came and went; opened in {n['open_s']:.0f} s, released {n['release_s']:.1f} s "
          "after the drop")
    # released sessions' memory is reused: the next group costs well under what a session holds
    assert second_round < 0.5 * SECOND_ROUND * per_session, (second_round, per_session)


# --- the room ---------------------------------------------------------------------------------
ROOM_PARTICIPANTS = LOAD_SESSIONS
ROOM_SECOND_ROUND = max(4, 2 * LOAD_SESSIONS // 5)


@pytest.fixture(scope="module")
def room_server() -> Iterator[tuple[Server, dict[str, str]]]:
    """`partnering app --room` on uk_2018 (40 councils, so every participant of the load test is seated at once),
    its clock at one quarter a second."""
    from tests.app_server import printed_codes

    log = ROOT / "test-output" / "reliability-room-server.log"
    with running_app(log, {"PARTNERING_KEEP_DISCONNECTED": f"{IDLE_TIMEOUT_S}s"},
                     ("--room", "--scenario", "uk_2018", "--seconds-per-quarter", "1")) as (url, process):
        yield Server(url, process, log), printed_codes(log)


def join_room(browser, url: str, code: str, names: list[str]) -> list:
    """Participants who each open the room in a context of their own and take a free council."""
    pages = []
    for start in range(0, len(names), BATCH):
        batch = []
        for name in names[start:start + BATCH]:
            page = browser.new_context(viewport={"width": 1100, "height": 750}).new_page()
            page.goto(url, wait_until="commit")
            batch.append((name, page))
        for name, page in batch:
            page.wait_for_selector(".pt-join-code input", timeout=LOAD_TIMEOUT_MS)
            page.locator(".pt-join-code input").fill(code)
            page.locator(".pt-join-name input").fill(name)
            page.locator("button.pt-join").click()
        for _, page in batch:
            page.wait_for_selector(".pt-room-council", timeout=LOAD_TIMEOUT_MS)
        pages += [page for _, page in batch]
    return pages


def open_room_facilitator(browser, url: str, code: str):
    page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
    page.goto(url + "facilitator")
    page.wait_for_selector(".pt-facilitator-code input", timeout=LOAD_TIMEOUT_MS)
    page.locator(".pt-facilitator-code input").fill(code)
    page.locator("button.pt-facilitator-open").click()
    page.wait_for_selector(".pt-connected", timeout=LOAD_TIMEOUT_MS)
    return page


def led(facilitator) -> int:
    text = facilitator.locator(".pt-connected").inner_text()
    return int(text.split(" · ")[1].split(" of ")[0])


def room_quarter(page) -> int:
    return int(page.locator(".pt-room-status").inner_text().split("quarter ", 1)[1].split(" ", 1)[0])


@pytest.mark.browser
def test_participants_joining_and_leaving_the_room_keep_its_memory_flat(room_server):
    require_browser()
    server, codes = room_server

    def drive() -> dict:
        from playwright.sync_api import sync_playwright

        numbers: dict = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                facilitator = open_room_facilitator(browser, server.url, codes["facilitator"])
                for page in join_room(browser, server.url, codes["room"], ["warm-1", "warm-2"]):
                    page.close()
                facilitator.wait_for_function("() => / 0 of 40 councils led/.test("
                                              "document.querySelector('.pt-connected').textContent)", timeout=30_000)
                numbers["rss_before"] = server.rss_mb
                for round_, count in (("first", ROOM_PARTICIPANTS), ("second", ROOM_SECOND_ROUND)):
                    t0 = time.monotonic()
                    pages = join_room(browser, server.url, codes["room"], [f"{round_}-{i}" for i in range(count)])
                    facilitator.wait_for_function(
                        f"() => / {count} of 40 councils led/.test("
                        "document.querySelector('.pt-connected').textContent)", timeout=30_000)
                    numbers[f"led_{round_}"] = led(facilitator)
                    numbers[f"join_s_{round_}"] = time.monotonic() - t0
                    numbers[f"rss_{round_}_seated"] = server.rss_mb
                    for page in pages:  # every participant closes the tab
                        page.close()
                        page.context.close()
                    facilitator.wait_for_function("() => / 0 of 40 councils led/.test("
                                                  "document.querySelector('.pt-connected').textContent)",
                                                  timeout=30_000)
                    numbers[f"sessions_{round_}"], _ = server.wait_for_sessions(lambda c: c["total"] == 1, timeout=30)
                    numbers[f"rss_{round_}_left"] = server.rss_mb
                    numbers[f"round_s_{round_}"] = time.monotonic() - t0
            finally:
                browser.close()
        return numbers

    n = in_own_thread(drive)
    assert (n["led_first"], n["led_second"]) == (ROOM_PARTICIPANTS, ROOM_SECOND_ROUND)
    assert n["sessions_second"]["total"] == 1, "only the facilitator's session is left"
    per_participant = (n["rss_first_seated"] - n["rss_before"]) / ROOM_PARTICIPANTS
    second_round = n["rss_second_left"] - n["rss_first_left"]
    TALLY.update({
        "room participants joined and left": TALLY["room participants joined and left"] + ROOM_PARTICIPANTS
        + ROOM_SECOND_ROUND + 2,
        f"room seconds for {ROOM_PARTICIPANTS} participants to join": round(n["join_s_first"], 1),
        "room server RSS before (MB)": round(n["rss_before"]),
        f"room server RSS with {ROOM_PARTICIPANTS} seated (MB)": round(n["rss_first_seated"]),
        f"room server RSS after {ROOM_PARTICIPANTS} left (MB)": round(n["rss_first_left"]),
        f"room server RSS after {ROOM_SECOND_ROUND} more came and went (MB)": round(n["rss_second_left"]),
    })
    print(f"\nroom server RSS: {n['rss_before']:.0f} MB before, {n['rss_first_seated']:.0f} MB with "
          f"{ROOM_PARTICIPANTS} seated ({per_participant:.1f} MB each), {n['rss_first_left']:.0f} MB after they left, "
          f"{n['rss_second_left']:.0f} MB after {ROOM_SECOND_ROUND} more came and went; {ROOM_PARTICIPANTS} joined in "
          f"{n['join_s_first']:.0f} s")
    # flat: the next group reuses what the first left behind, costing well under what it held
    assert second_round < 0.5 * ROOM_SECOND_ROUND * max(per_participant, 0.5), (second_round, per_participant)


@pytest.mark.browser
def test_a_frozen_participant_never_holds_up_the_rooms_clock(room_server):
    """A participant whose browser stops answering (its process stopped with SIGSTOP) while the
    clock runs: everyone else's quarters keep coming."""
    require_browser()
    server, codes = room_server

    def drive() -> dict:
        from playwright.sync_api import sync_playwright

        frozen = KillableChromium()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                stuck = playwright.chromium.connect_over_cdp(frozen.endpoint)
                facilitator = open_room_facilitator(browser, server.url, codes["facilitator"])
                (lively,) = join_room(browser, server.url, codes["room"], ["lively"])
                (slow,) = join_room(stuck, server.url, codes["room"], ["frozen"])
                slow.locator(".pt-choice").first.click()  # halfway through a decision...
                os.killpg(frozen.process.pid, signal.SIGSTOP)  # ...the laptop stops answering
                start = room_quarter(facilitator)
                started = time.monotonic()
                facilitator.locator("button.pt-clock-start").click()
                lively.wait_for_function(
                    "n => Number(document.querySelector('.pt-room-status').textContent.match(/quarter (\\d+)/)[1]) >= n",
                    arg=start + 4, timeout=30_000)
                elapsed = time.monotonic() - started
                reached = room_quarter(lively)
                facilitator.locator("button.pt-clock-pause").click()
                os.killpg(frozen.process.pid, signal.SIGCONT)
                browser.close()
        finally:
            frozen.kill()
        return {"quarters": reached - start, "seconds": elapsed}

    result = in_own_thread(drive)
    assert result["quarters"] >= 4, result
    tally("room quarters run while a participant was frozen", result["quarters"])
