"""The facilitator's page over private worlds (`partnering app` without --room), in a real browser:
every participant's world listed as they play it, and dropped when its tab closes."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from tests.app_server import CLOSED_TAB_MS, printed_codes
from tests.browser.test_browser_app import load, quarter, step

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
SHOWN = ("service_quality", "unmet_need", "value_for_money", "trust_council_supplier", "hhi")


def name_world(page, name: str) -> None:
    field = page.locator(".pt-world-name input")
    field.fill(name)
    field.press("Enter")


def row(facilitator, name: str):
    return facilitator.locator(f'.pt-worlds-table tr.pt-row[data-name="{name}"]')


def test_the_facilitator_sees_every_world_as_it_is_played_and_loses_it_when_the_tab_closes(app_server, open_page,
                                                                                          screenshot):
    facilitator, facilitator_traffic = open_page()
    facilitator.goto(app_server.url + "facilitator")
    facilitator.locator(".pt-facilitator-code input").fill(printed_codes(app_server.log)["facilitator"])
    facilitator.locator("button.pt-facilitator-open").click()
    facilitator.wait_for_selector(".pt-worlds-table", timeout=WAIT_MS)

    worlds = {}
    for name, quarters in (("Hana", 3), ("Ivo", 1)):
        page, traffic = open_page()
        load(page, app_server.url)
        name_world(page, name)
        for _ in range(quarters):
            step(page)
        worlds[name] = (page, traffic)
    for name, (page, _) in worlds.items():
        facilitator.wait_for_function(
            "([name, q]) => { const r = document.querySelector(`.pt-worlds-table tr.pt-row[data-name='${name}']`);"
            " return r && r.querySelector('td.pt-cell-quarter').textContent.includes(`(q${q})`); }",
            arg=[name, quarter(page)], timeout=WAIT_MS)
        for metric in SHOWN:
            mine = page.locator(f".pt-kpi-{metric} .pt-kpi-value").inner_text()
            assert row(facilitator, name).locator(f"td.pt-cell-{metric} .pt-value").inner_text() == mine, (name, metric)
    assert re.match(r"\d+ connected", facilitator.locator(".pt-connected").inner_text())
    screenshot(facilitator, "facilitator_worlds")

    with facilitator.expect_download(timeout=WAIT_MS) as download:
        facilitator.locator("button.pt-download-worlds").click()
    frame = pd.read_csv(io.StringIO(download.value.path().read_text()))
    assert frame.groupby("participant").size()[["Hana", "Ivo"]].tolist() == [4, 2]

    worlds["Ivo"][0].close()  # the tab closes: the page tells the server as it goes
    facilitator.wait_for_function("() => !document.querySelector(`.pt-worlds-table tr.pt-row[data-name='Ivo']`)",
                                  timeout=CLOSED_TAB_MS)
    assert row(facilitator, "Hana").count() == 1
    for _, traffic in [*worlds.values(), (None, facilitator_traffic)]:
        traffic.check_loopback_only()
