"""Real-browser fixtures: the real `partnering app` server and Debian's Chromium via Playwright.

Playwright cannot download its own browser here, so Chromium comes from /usr/bin/chromium. If
Playwright or Chromium is missing the browser tests are skipped, except under
``PARTNERING_REQUIRE_BROWSER=1`` (set by .ci/run), where a missing browser is a failure.

The page runs as if the room had no internet: every request that is not to loopback is both
recorded and aborted, so a page that still renders proves the app works offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.app_server import BROWSER_TEST_ENV, CHROMIUM, CHROMIUM_ARGS, ROOT, running_app

OUTPUT = ROOT / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
VIEWPORT = {"width": 1280, "height": 800}


def _require_browser() -> bool:
    return os.environ.get("PARTNERING_REQUIRE_BROWSER") == "1"


def _missing(reason: str) -> None:
    if _require_browser():
        pytest.fail(f"{reason} (PARTNERING_REQUIRE_BROWSER=1, so the browser tests may not be skipped)")
    pytest.skip(reason)


@dataclass
class AppServer:
    """A running `partnering app` subprocess on a free loopback port."""

    url: str
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="session")
def app_server(browser) -> Iterator[AppServer]:
    """Start the real server once for the browser tests and wait until it answers (after the
    browser is known to be there, so a machine without one skips without starting a server)."""
    # one server per pytest-xdist worker, each with its own log (the facilitator's code is read from it)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    log = OUTPUT / (f"app-server-{worker}.log" if worker else "app-server.log")
    with running_app(log, BROWSER_TEST_ENV) as (url, process):
        yield AppServer(url, process, log)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (sync API)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        _missing(f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Traffic:
    """Every request a browser context made, and what was refused or failed."""

    requests: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def check_loopback_only(self) -> None:
        assert self.requests, "no requests were recorded"
        assert not self.outside, f"requests left loopback: {self.outside}"
        assert not self.failed, f"requests failed or returned errors: {self.failed}"


def is_loopback(url: str) -> bool:
    """Whether a request stays on this machine (data: and blob: URLs never leave the page)."""
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.hostname in LOOPBACK


def new_page(browser, viewport: dict | None = None):
    """A page in a fresh browser context (a separate session, like another participant) and its
    :class:`Traffic`.

    Every request is recorded with ``page.on("request")``; any request that is not to loopback
    is also aborted, as in a room with no internet.
    """
    context = browser.new_context(viewport=viewport or VIEWPORT, accept_downloads=True)
    traffic = Traffic()

    def route(route_, request) -> None:
        if is_loopback(request.url):
            route_.continue_()
        else:
            traffic.outside.append(request.url)
            route_.abort()

    def on_response(response) -> None:
        if response.status >= 400:
            traffic.failed.append(f"{response.status} {response.url}")

    def on_failed(request) -> None:
        if is_loopback(request.url) and not request.url.startswith(("blob:", "data:")):
            traffic.failed.append(f"failed {request.url}: {request.failure}")

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda request: traffic.requests.append(request.url))
    page.on("websocket", lambda ws: traffic.requests.append(ws.url))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    return page, traffic


@pytest.fixture
def open_page(browser):
    """Open pages with :func:`new_page`; their contexts close when the test ends."""
    contexts = []

    def open_one():
        page, traffic = new_page(browser)
        contexts.append(page.context)
        return page, traffic

    yield open_one
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """test-output/ at the repository root (ignored by git)."""
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="session")
def screenshot():
    """Keep a screenshot with the test output, in test-output/screenshots/."""

    def take(page, name: str, full_page: bool = False, selector: str | None = None) -> Path:
        """The viewport, the whole page, or the element matching ``selector``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if selector is not None:
            page.locator(selector).first.screenshot(path=str(path))
        else:
            page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
