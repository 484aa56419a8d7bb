"""The workshop guide's screenshots of the room, taken from the real app in Debian's Chromium.

    .venv/bin/python -m tests.browser.room_screenshots    # writes docs/img/room-*.png

It starts `partnering app --room` with fixed codes, seats five participants who choose different
principles (and, where a review comes up, a mode), runs four years on the facilitator's clock and
takes the join form, a participant's council, the facilitator's page and the debrief. Then it starts
`partnering app` without --room, lets three participants play their own worlds (three scenarios)
for four years, and takes the facilitator's page over them.
"""

from __future__ import annotations

from tests.app_server import CHROMIUM, CHROMIUM_ARGS, ROOT, running_app

IMG = ROOT / "docs" / "img"
CODES = ("--room-code", "KQ7RM", "--facilitator-code", "FACE2345")
PEOPLE = {  # who, and the principles they set (0 to 1)
    "Asha": {"collaborative": 0.8, "place-based": 0.6},
    "Ben": {},
    "Chen": {"creative": 1.0, "adaptable": 0.5},
    "Dara": {"adaptable": 0.8, "accountable": 0.7},
    "Eli": {"collaborative": 1.0, "creative": 1.0, "adaptable": 1.0, "accountable": 1.0, "place-based": 1.0},
}
QUARTERS = 16
TIMEOUT_MS = 60_000


def set_level(page, principle: str, level: float) -> None:
    """Focus a slider, go to 0 with Home, then step up with the arrow key (0.05 a press)."""
    thumb = page.locator(f".pt-control-principles-{principle} [role=slider]")
    thumb.focus()
    thumb.press("Home")
    for _ in range(round(level / 0.05)):
        thumb.press("ArrowRight")


def main() -> None:
    from playwright.sync_api import sync_playwright

    log = ROOT / "test-output" / "screenshots-room-server.log"
    with running_app(log, args=("--room", *CODES)) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        facilitator = browser.new_context(viewport={"width": 1400, "height": 2050}).new_page()
        facilitator.goto(url + "facilitator")
        facilitator.locator(".pt-facilitator-code input").fill("FACE2345")
        facilitator.locator("button.pt-facilitator-open").click()
        facilitator.wait_for_selector(".pt-room-table", timeout=TIMEOUT_MS)
        pages = {}
        for name, levels in PEOPLE.items():
            page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
            page.goto(url)
            page.wait_for_selector(".pt-join-code input", timeout=TIMEOUT_MS)
            page.locator(".pt-join-code input").fill("KQ7RM")
            page.locator(".pt-join-name input").fill(name)
            if name == "Asha":
                page.screenshot(path=str(IMG / "room-join.png"))
            page.locator("button.pt-join").click()
            page.wait_for_selector("img.pt-chart-council", timeout=TIMEOUT_MS)
            for principle, level in levels.items():
                set_level(page, principle, level)
            pages[name] = page
        for quarter in range(1, QUARTERS + 1):
            for name, page in pages.items():  # whoever has a review next quarter wants it in-house or outsourced
                due = page.locator(".pt-service.pt-due .pt-choice")
                if due.count():
                    due.first.click()
                    item = "In-house" if name in ("Asha", "Eli", "Dara") else "Outsourced"
                    page.locator(".menuable__content__active .v-list-item", has_text=item).first.click()
            facilitator.locator("button.pt-clock-advance").click()
            for page in pages.values():
                page.wait_for_function(f"() => /quarter {quarter} of/.test(document.querySelector('.pt-room-status').textContent)",
                                       timeout=TIMEOUT_MS)
        facilitator.wait_for_function(f"() => /quarter {QUARTERS} of/.test(document.querySelector('.pt-room-status').textContent)",
                                      timeout=TIMEOUT_MS)
        facilitator.wait_for_timeout(1000)
        pages["Asha"].screenshot(path=str(IMG / "room-participant.png"))
        facilitator.screenshot(path=str(IMG / "room-facilitator.png"))
        facilitator.locator("button.pt-clock-end").click()
        facilitator.locator("button.pt-clock-debrief").click()
        facilitator.wait_for_selector(".pt-debrief", timeout=TIMEOUT_MS)
        pages["Asha"].wait_for_selector(".pt-debrief", timeout=TIMEOUT_MS)
        facilitator.wait_for_timeout(1000)
        facilitator.locator(".pt-debrief").first.screenshot(path=str(IMG / "room-debrief.png"))
        pages["Asha"].locator(".pt-debrief").screenshot(path=str(IMG / "room-participant-debrief.png"))
        browser.close()
    private_worlds()
    print(f"screenshots written to {IMG}")


def private_worlds() -> None:
    from playwright.sync_api import sync_playwright

    log = ROOT / "test-output" / "screenshots-app-server.log"
    with running_app(log, args=("--facilitator-code", "FACE2345")) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        for name, scenario in (("Fatima", "transactional"), ("Gareth", "changemaking"), ("Hui", "place_based")):
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.goto(url)
            page.wait_for_selector("img.pt-chart-series", timeout=TIMEOUT_MS)
            field = page.locator(".pt-world-name input")
            field.fill(name)
            field.press("Enter")
            page.locator(".pt-scenario").click()
            page.locator(".menuable__content__active .v-list-item", has_text=scenario).first.click()
            page.locator("button.pt-reset").click()
            page.wait_for_function(f"() => /{scenario}, seed 1/.test(document.querySelector('.pt-running').textContent)",
                                   timeout=TIMEOUT_MS)
            pages.append(page)
        for page in pages:
            for quarter in range(1, QUARTERS + 1):
                page.locator("button.pt-step").click()
                page.wait_for_function(f"() => /quarter {quarter} of/.test(document.querySelector('.pt-status').textContent)",
                                       timeout=TIMEOUT_MS)
        facilitator = browser.new_context(viewport={"width": 1400, "height": 1350}).new_page()
        facilitator.goto(url + "facilitator")
        facilitator.locator(".pt-facilitator-code input").fill("FACE2345")
        facilitator.locator("button.pt-facilitator-open").click()
        facilitator.wait_for_function("() => document.querySelectorAll('.pt-worlds-table tr.pt-row').length === 3",
                                      timeout=TIMEOUT_MS)
        facilitator.wait_for_timeout(1000)
        facilitator.screenshot(path=str(IMG / "facilitator-worlds.png"))
        browser.close()


if __name__ == "__main__":
    main()
