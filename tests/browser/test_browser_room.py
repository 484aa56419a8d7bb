"""The workshop room in a real browser: `partnering app --room`, a facilitator and five participants,
each in a Chromium context of its own, with no internet.

The tests run in order on one room (each builds on the one before, as a session does): access,
joining, deciding, the facilitator's table against every participant's screen, the clock, a tab
closed, the debrief and the download. Model outputs are never written in: the tests compare what
two screens show of the same thing, and what changed.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pandas as pd
import pytest

from tests.app_server import BROWSER_TEST_ENV, CLOSED_TAB_MS, printed_codes, running_app
from tests.browser.conftest import OUTPUT, Traffic, new_page

pytestmark = pytest.mark.browser

LOAD_TIMEOUT_MS = 60_000
WAIT_MS = 15_000
NAMES = ("Asha", "Ben", "Chen", "Dara", "Eli")
PRINCIPLES = ("collaborative", "creative", "adaptable", "accountable", "place-based")
METRICS = ("service_quality", "unmet_need", "value_for_money", "public_trust", "trust_council_supplier",
           "share_in_house")


@dataclass
class Room:
    url: str
    codes: dict[str, str]
    facilitator: object
    participants: dict[str, object]
    traffic: list[Traffic]


def quarter_of(page, selector: str = ".pt-room-status") -> int:
    text = page.locator(selector).first.inner_text()
    match = re.search(r"quarter (\d+) of", text)
    assert match, text
    return int(match.group(1))


def wait_for_quarter(page, quarter: int) -> None:
    page.wait_for_function(
        "n => { const m = (document.querySelector('.pt-room-status')?.textContent || '').match(/quarter (\\d+) of/);"
        " return m && Number(m[1]) === n; }", arg=quarter, timeout=WAIT_MS)


def open_join_forms(browser, url: str, traffic: list[Traffic], count: int) -> list:
    """``count`` participants' pages, each in a context of its own, loading side by side."""
    pages = []
    for _ in range(count):
        page, seen = new_page(browser)
        traffic.append(seen)
        page.goto(url, wait_until="commit")
        pages.append(page)
    for page in pages:
        page.wait_for_selector(".pt-join-code input", timeout=LOAD_TIMEOUT_MS)
    return pages


def join(page, code: str, name: str, council: str | None = None) -> None:
    page.locator(".pt-join-code input").fill(code)
    page.locator(".pt-join-name input").fill(name)
    if council is not None:
        pick(page, ".pt-join-council", council)
    page.locator("button.pt-join").click()


def pick(page, select: str, item: str) -> None:
    """Open a Vuetify select and click one of its items."""
    page.locator(select).click()
    page.locator(".menuable__content__active .v-list-item", has_text=item).first.click()
    page.wait_for_selector(".menuable__content__active", state="detached", timeout=WAIT_MS)


def wait_seated(page) -> str:
    page.wait_for_selector(".pt-room-council", timeout=WAIT_MS)
    page.wait_for_function("() => { const i = document.querySelector('img.pt-chart-council');"
                           " return i && i.complete && i.naturalWidth > 0; }", timeout=WAIT_MS)
    return page.locator(".pt-room-council").inner_text().removeprefix("You lead ").strip()


def table_row(facilitator, name: str):
    return facilitator.locator(f'.pt-room-table tr.pt-row[data-name="{name}"]')


def advance(room: Room) -> int:
    """The facilitator advances one quarter; every participant's screen shows it."""
    before = quarter_of(room.facilitator)
    room.facilitator.locator("button.pt-clock-advance").click()
    for page in room.participants.values():
        wait_for_quarter(page, before + 1)
    wait_for_quarter(room.facilitator, before + 1)
    return before + 1


@pytest.fixture(scope="module")
def room(browser):
    log = OUTPUT / "room-server.log"
    with running_app(log, BROWSER_TEST_ENV, args=("--room", "--seconds-per-quarter", "1")) as (url, _process):
        codes = printed_codes(log)
        traffic: list[Traffic] = []
        facilitator, seen = new_page(browser, {"width": 1400, "height": 900})
        traffic.append(seen)
        facilitator.goto(url + "facilitator", wait_until="commit")
        participants = dict(zip(NAMES, open_join_forms(browser, url, traffic, len(NAMES)), strict=True))
        facilitator.wait_for_selector(".pt-facilitator-code input", timeout=LOAD_TIMEOUT_MS)
        yield Room(url, codes, facilitator, participants, traffic)
        for page in [facilitator, *participants.values()]:
            page.context.close()


def test_a_wrong_code_opens_neither_the_facilitators_page_nor_a_council(room, browser):
    room.facilitator.locator(".pt-facilitator-code input").fill("NOTTHECODE")
    room.facilitator.locator("button.pt-facilitator-open").click()
    room.facilitator.wait_for_selector(".pt-facilitator-error", timeout=WAIT_MS)
    assert room.facilitator.locator("button.pt-clock-advance").count() == 0

    (stray,) = open_join_forms(browser, room.url, room.traffic, 1)
    join(stray, "ZZZZZ" if room.codes["room"] != "ZZZZZ" else "YYYYY", "Stray")
    stray.wait_for_selector(".pt-join-error", timeout=WAIT_MS)
    assert "not this room's code" in stray.locator(".pt-join-error").inner_text()
    assert stray.locator(".pt-room-council").count() == 0
    stray.context.close()

    room.facilitator.locator(".pt-facilitator-code input").fill(room.codes["facilitator"].lower())
    room.facilitator.locator("button.pt-facilitator-open").click()
    room.facilitator.wait_for_selector(".pt-room-table", timeout=WAIT_MS)
    assert room.codes["room"] in room.facilitator.locator(".pt-room-code").inner_text().replace(" ", "")


def test_five_participants_each_take_a_different_council(room, screenshot):
    screenshot(room.participants[NAMES[0]], "room_join")
    for name, page in room.participants.items():  # everyone presses Join at about the same time
        join(page, room.codes["room"], name)
    councils = {name: wait_seated(page) for name, page in room.participants.items()}
    assert len(set(councils.values())) == 5, councils
    room.facilitator.wait_for_function(
        "() => document.querySelectorAll('.pt-room-table tr.pt-row').length === 5", timeout=WAIT_MS)
    for name, council in councils.items():
        assert table_row(room.facilitator, name).locator("td.pt-cell-where").inner_text() == council
    room.facilitator.wait_for_function(
        "() => /^5 connected · 5 of 12 councils led/.test(document.querySelector('.pt-connected').textContent)",
        timeout=WAIT_MS)


def test_two_cannot_take_one_council_and_a_closed_tab_hands_it_back(room, browser):
    first, second = open_join_forms(browser, room.url, room.traffic, 2)
    assert first.locator(".pt-free-count").inner_text().startswith("7 of 12")
    first.locator(".pt-join-council").click()
    wanted = first.locator(".menuable__content__active .v-list-item").nth(1).inner_text()  # the first free council
    first.keyboard.press("Escape")
    for page, name in ((first, "Fay"), (second, "Gus")):  # both pick it before either joins
        page.locator(".pt-join-code input").fill(room.codes["room"])
        page.locator(".pt-join-name input").fill(name)
        pick(page, ".pt-join-council", wanted)
    first.locator("button.pt-join").click()
    assert wait_seated(first) == wanted
    second.locator("button.pt-join").click()
    second.wait_for_selector(".pt-join-error", timeout=WAIT_MS)
    assert f"{wanted} is already led by Fay" in second.locator(".pt-join-error").inner_text()

    first.close()  # Fay closes her tab: the council goes back to the model's rules
    room.facilitator.wait_for_function(
        "() => document.querySelectorAll('.pt-room-table tr.pt-row').length === 5", timeout=CLOSED_TAB_MS)
    assert table_row(room.facilitator, "Fay").count() == 0
    second.wait_for_function("() => document.querySelector('.pt-free-count').textContent.startsWith('7 of 12')",
                             timeout=WAIT_MS)
    second.context.close()


def test_each_participant_decides_for_their_own_council_and_the_table_matches_every_screen(room):
    for i, page in enumerate(room.participants.values()):
        thumb = page.locator(f".pt-control-principles-{PRINCIPLES[i]} [role=slider]")
        thumb.focus()
        thumb.press("End")
        page.wait_for_selector(f".pt-control-principles-{PRINCIPLES[i]} :text(': 1')", timeout=WAIT_MS)
    # someone's service comes up for review: they want it in-house (always among the options)
    decider = None
    for _ in range(12):
        due = {name: page.locator(".pt-service.pt-due") for name, page in room.participants.items()}
        decider = next((name for name, rows in due.items() if rows.count()), None)
        if decider:
            break
        advance(room)
    assert decider, "no review came up in three years"
    page = room.participants[decider]
    service = next(c for c in page.locator(".pt-service.pt-due").first.get_attribute("class").split()
                   if c.startswith("pt-service-") and c != "pt-service-name")
    pick(page, f".pt-choice-{service.removeprefix('pt-service-')}", "In-house")
    advance(room)
    page.wait_for_selector(".pt-decision:has-text('you chose In-house')", timeout=WAIT_MS)

    for i, (name, page) in enumerate(room.participants.items()):
        row = table_row(room.facilitator, name)
        assert quarter_of(page) == quarter_of(room.facilitator)
        assert f"(q{quarter_of(page)})" in row.locator("td.pt-cell-quarter").inner_text()
        for metric in METRICS:
            mine = page.locator(f".pt-kpi-{metric} .pt-kpi-value").inner_text()
            assert row.locator(f"td.pt-cell-{metric} .pt-value").inner_text() == mine, (name, metric)
        levels = [row.locator(f"td.pt-cell-level-{j}").inner_text() for j in range(5)]
        assert levels[i] == "1.00", (name, levels)
        assert all(level == "0.00" for j, level in enumerate(levels) if j != i), (name, levels)
    assert "as they chose (In-house" in table_row(room.facilitator, decider).locator("td.pt-cell-notes").inner_text()


def test_the_clock_runs_every_screen_and_pause_stops_it(room, screenshot):
    start = quarter_of(room.facilitator)
    room.facilitator.locator("button.pt-clock-start").click()
    for page in room.participants.values():
        page.wait_for_function(
            "n => Number((document.querySelector('.pt-room-status').textContent.match(/quarter (\\d+) of/) || [0, 0])[1]) >= n",
            arg=start + 2, timeout=WAIT_MS)
    room.facilitator.locator("button.pt-clock-pause").click()
    room.facilitator.wait_for_selector(".pt-room-status:has-text('paused')", timeout=WAIT_MS)
    paused = quarter_of(room.facilitator)
    for page in room.participants.values():
        wait_for_quarter(page, paused)
    room.facilitator.wait_for_timeout(1500)  # longer than a quarter of the running clock
    assert {quarter_of(page) for page in room.participants.values()} == {paused}
    assert quarter_of(room.facilitator) == paused
    screenshot(room.participants[NAMES[0]], "room_participant")
    screenshot(room.facilitator, "room_facilitator", full_page=True)


def test_ending_the_round_shows_the_debrief_on_every_screen(room, screenshot):
    room.facilitator.locator("button.pt-clock-end").click()
    room.facilitator.locator("button.pt-clock-debrief").click()
    room.facilitator.wait_for_selector(".pt-debrief", timeout=WAIT_MS)
    for page in room.participants.values():
        page.wait_for_selector(".pt-debrief", timeout=WAIT_MS)
        assert "the round is over" in page.locator(".pt-room-status").inner_text()
        assert re.search(r"\d(st|nd|rd|th) of 5", page.locator(".pt-debrief").inner_text())
    assert room.facilitator.locator("button.pt-clock-advance").is_disabled()
    screenshot(room.facilitator, "room_debrief", selector=".pt-debrief")
    screenshot(room.participants[NAMES[0]], "room_participant_debrief", selector=".pt-debrief")
    assert "What did the people who did better choose" in room.facilitator.content()


def test_the_rooms_data_downloads_as_every_council_every_quarter(room):
    with room.facilitator.expect_download(timeout=WAIT_MS) as download:
        room.facilitator.locator("button.pt-download-room").click()
    frame = pd.read_csv(io.StringIO(download.value.path().read_text()), keep_default_na=False)
    quarters = quarter_of(room.facilitator) + 1
    assert len(frame) == 12 * quarters
    assert set(frame["participant"]) >= set(NAMES)
    assert set(METRICS) <= set(frame.columns)


def test_no_request_left_loopback(room):
    for traffic in room.traffic:
        traffic.check_loopback_only()
