"""The real `partnering app` for the tests that drive it: a free loopback port, the installed
command, and a server that is waited for until it answers and stopped however the test ends.
Shared by tests/browser and tests/reliability, with the Chromium both launch."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_command(port: int, args: tuple[str, ...] = ()) -> list[str]:
    """The installed `partnering` command next to this interpreter, else the same entry point."""
    script = Path(sys.executable).with_name("partnering")
    if script.exists():
        return [str(script), "app", "--port", str(port), *args]
    return [sys.executable, "-c", "from partnering.cli import main; main()", "app", "--port", str(port), *args]


def printed_codes(log: Path) -> dict[str, str]:
    """The codes `partnering app` printed at start: {"facilitator": ..., "room": ...} (room only with --room)."""
    text = log.read_text()
    found = {kind: match.group(1) for kind in ("facilitator", "room")
             if (match := re.search(rf"{kind} code ([A-Z0-9]+)", text))}
    assert "facilitator" in found, f"no facilitator code printed in {log}"
    return found


BROWSER_TEST_ENV = {"PARTNERING_KEEP_DISCONNECTED": "10s"}
"""The browser tests' servers: a closed tab's session goes when the page's close beacon arrives,
or, should the beacon be lost (a busy machine can tear the page down before it is sent), when
the server releases the disconnected session 10 s later (an hour by default)."""
CLOSED_TAB_MS = 45_000
"""How long a browser test waits for a closed tab's session to leave the facilitator's table:
the 10 s release, the redraw, and the slack a loaded machine needs."""


@contextmanager
def running_app(log: Path, env: dict[str, str] | None = None,
                args: tuple[str, ...] = ()) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start `partnering app` on a free port (output to ``log``, ``env`` added to the environment,
    ``args`` after the port), yield its URL and process once it answers, and stop it afterwards."""
    port = free_port()
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as handle:
        process = subprocess.Popen(app_command(port, args), stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"partnering app exited with code {process.returncode}; see {log}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"partnering app did not answer on {url} within {START_TIMEOUT_S} s; see {log}")
            time.sleep(0.25)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
