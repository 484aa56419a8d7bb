"""The workshop view in a real browser: the real server, Debian's Chromium, no internet.

Model outputs are never hard-coded: the tests check that things change, stay apart between
sessions and round-trip, not what the numbers are.
"""

from __future__ import annotations

import io
import json
import re
import statistics

import pandas as pd
import pytest

from partnering import load_scenario
from partnering.viz.controls import policy_controls, principle_controls

pytestmark = pytest.mark.browser

LOAD_TIMEOUT_MS = 60_000
STEP_TIMEOUT_MS = 15_000
REDRAW_BUDGET_MS = 300.0  # written beside the timings; judged by benchmarks/bench_workshop.py

#: In the page: click Step, then poll every animation frame until the quarter label has moved
#: on and every chart image has a new, decoded source; resolves to the elapsed milliseconds.
STEP_AND_TIME = """
async ([status, sources, timeout]) => {
  const start = performance.now();
  document.querySelector('button.pt-step').click();
  const redrawn = () => {
    const label = document.querySelector('.pt-status');
    if (!label || label.textContent === status) return false;
    const images = [...document.querySelectorAll('img.pt-chart')];
    return images.length === sources.length &&
      images.every((img, i) => img.src !== sources[i] && img.complete && img.naturalWidth > 0);
  };
  return await new Promise((resolve, reject) => {
    const check = () => {
      if (redrawn()) resolve(performance.now() - start);
      else if (performance.now() - start > timeout) reject(new Error('charts were not redrawn'));
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}
"""


def load(page, url: str) -> None:
    """Open the app and wait until the first charts are drawn."""
    page.goto(url)
    page.wait_for_selector("img.pt-chart-series", state="visible", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function("() => [...document.querySelectorAll('img.pt-chart')].every(i => i.complete && i.naturalWidth > 0)",
                           timeout=LOAD_TIMEOUT_MS)


def status(page) -> str:
    return page.locator(".pt-status").inner_text()


def quarter(page) -> int:
    match = re.search(r"quarter (\d+) of (\d+)", status(page))
    assert match, status(page)
    return int(match.group(1))


def chart_sources(page) -> list[str]:
    return page.eval_on_selector_all("img.pt-chart", "els => els.map(e => e.src)")


def kpi_texts(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        ".pt-kpi", "els => Object.fromEntries(els.map(e => [e.classList[1], e.innerText]))")


def step(page) -> float:
    """Press Step and return the milliseconds until every chart was redrawn."""
    before = quarter(page)
    elapsed = page.evaluate(STEP_AND_TIME, [status(page), chart_sources(page), STEP_TIMEOUT_MS])
    assert quarter(page) > before
    return float(elapsed)


def wait_for_quarter(page, at_least: int) -> None:
    page.wait_for_function(
        "n => { const m = (document.querySelector('.pt-status')?.textContent || '').match(/quarter (\\d+)/);"
        " return m && Number(m[1]) >= n; }", arg=at_least, timeout=STEP_TIMEOUT_MS)


def move_slider_to_max(page, name: str) -> None:
    """Focus a principle's slider and press End (Vuetify sliders jump to their maximum)."""
    thumb = page.locator(f".pt-control-{name} [role=slider]")
    thumb.focus()
    thumb.press("End")


def test_page_renders_offline_from_loopback_only(app_server, open_page, screenshot):
    page, traffic = open_page()
    load(page, app_server.url)
    assert page.locator(".pt-kpi").count() == 7
    assert page.locator("img.pt-chart").count() == 2
    assert "quarter 0 of" in status(page)
    assert page.locator(".pt-share-row").count() >= 1
    page.locator(".pt-tab-levers").click()
    page.wait_for_selector(".pt-levers", state="visible")
    assert "Collaborative" in page.locator(".pt-levers").inner_text()
    page.locator(".pt-tab-workshop").click()
    page.wait_for_selector("img.pt-chart-series", state="visible")
    screenshot(page, "workshop_start")
    traffic.check_loopback_only()


def test_step_and_play_redraw_charts_and_the_time_is_recorded(app_server, open_page, screenshot, output_dir):
    """Every Step redraws the charts, Play runs and Pause stops. The time from Step to redrawn
    charts is written for ``benchmarks/bench_workshop.py``, which judges it against the 300 ms
    budget: speed goals are met in benchmarks, and a timed assertion here failed on a clean
    clone under two xdist workers (median 460 ms, against 123 ms in the run before)."""
    page, traffic = open_page()
    load(page, app_server.url)
    start = kpi_texts(page)
    timings = [step(page) for _ in range(8)]
    assert quarter(page) == 8
    assert kpi_texts(page) != start, "KPI cards did not change after eight quarters"

    page.locator("button.pt-play").click()
    wait_for_quarter(page, 12)
    page.locator("button.pt-play").click()  # now reads Pause
    page.wait_for_selector("button.pt-step:not([disabled])", timeout=STEP_TIMEOUT_MS)
    page.wait_for_timeout(500)  # a step already under way when Pause was pressed still lands
    paused_at = quarter(page)
    assert paused_at >= 12
    page.wait_for_timeout(600)  # longer than a play interval: a paused run must not move
    assert quarter(page) == paused_at
    screenshot(page, "workshop_running")

    median = statistics.median(timings[1:])  # the first step also warms the browser's image decoder
    (output_dir / "browser_timings.json").write_text(json.dumps(
        {"step_to_redraw_ms": [round(t, 1) for t in timings], "median_ms": round(median, 1),
         "max_ms": round(max(timings[1:]), 1), "budget_ms": REDRAW_BUDGET_MS}, indent=2))
    print(f"\nStep-to-redrawn-charts: median {median:.0f} ms, all {[round(t) for t in timings]}")
    traffic.check_loopback_only()


def test_slider_and_reset_change_the_world_and_downloads_round_trip(app_server, open_page, screenshot, tmp_path):
    page, traffic = open_page()
    load(page, app_server.url)
    for _ in range(3):
        step(page)
    transactional = kpi_texts(page)

    move_slider_to_max(page, "principles-collaborative")
    page.wait_for_selector(".pt-pending", state="visible", timeout=STEP_TIMEOUT_MS)
    assert quarter(page) == 3, "a slider must not change the running model before Reset"
    page.locator("button.pt-reset").click()
    page.wait_for_function("() => /quarter 0 of/.test(document.querySelector('.pt-status').textContent)",
                           timeout=STEP_TIMEOUT_MS)
    page.wait_for_selector(".pt-pending", state="detached", timeout=STEP_TIMEOUT_MS)
    for _ in range(3):
        step(page)
    assert kpi_texts(page) != transactional, "the KPIs are identical with collaborative = 1"

    with page.expect_download(timeout=STEP_TIMEOUT_MS) as download:
        page.locator("button.pt-download-csv").click()
    frame = pd.read_csv(io.StringIO(download.value.path().read_text()))
    assert list(frame["step"]) == [0, 1, 2, 3]
    assert {"service_quality", "unmet_need", "value_for_money", "hhi"} <= set(frame.columns)

    with page.expect_download(timeout=STEP_TIMEOUT_MS) as download:
        page.locator("button.pt-download-toml").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    scenario = load_scenario(path)
    assert path.suffix == ".toml"
    assert scenario.principles.collaborative == 1.0
    assert scenario.principles.creative == load_scenario("transactional").principles.creative
    screenshot(page, "workshop_collaborative")
    traffic.check_loopback_only()


def test_picking_a_scenario_moves_the_sliders_in_place(app_server, open_page):
    page, traffic = open_page()
    load(page, app_server.url)
    page.locator(".pt-scenario").click()
    page.locator(".v-menu__content .v-list-item", has_text="changemaking").first.click()
    page.wait_for_selector(".pt-pending", state="visible", timeout=STEP_TIMEOUT_MS)
    page.wait_for_selector(".pt-control-principles-place-based :text('Place based: 0.8')", timeout=STEP_TIMEOUT_MS)
    shown = page.eval_on_selector_all(
        ".pt-control", "els => els.map(e => [...e.classList].find(c => c.startsWith('pt-control-')))")
    expected = ["pt-control-" + c.name.replace(".", "-").replace("_", "-")
                for c in [*principle_controls(), *policy_controls()]]
    assert shown == expected, "the controls must keep their order when a scenario changes them all"
    assert quarter(page) == 0
    page.locator("button.pt-reset").click()
    page.wait_for_function("() => /changemaking, seed 1/.test(document.querySelector('.pt-running').textContent)",
                           timeout=STEP_TIMEOUT_MS)
    traffic.check_loopback_only()


def test_twin_worlds_run_side_by_side_and_show_divergence(app_server, open_page, screenshot):
    page, traffic = open_page()
    load(page, app_server.url)
    page.locator(".pt-tab-twins").click()
    page.wait_for_selector("img.pt-chart-twins", state="visible", timeout=LOAD_TIMEOUT_MS)
    status_text = page.locator(".pt-twin-status").inner_text()
    assert "A: transactional" in status_text and "B: changemaking" in status_text
    before = page.eval_on_selector("img.pt-chart-twins", "e => e.src")
    page.locator("button.pt-twin-end").click()
    page.wait_for_function(
        "() => { const m = document.querySelector('.pt-twin-status').textContent.match(/quarter (\\d+) of (\\d+)/);"
        " return m && m[1] === m[2]; }", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function("src => { const i = document.querySelector('img.pt-chart-twins');"
                           " return i.src !== src && i.complete && i.naturalWidth > 0; }", arg=before,
                           timeout=STEP_TIMEOUT_MS)
    assert page.locator(".pt-divergence tr[class^=pt-div-]").count() == 7
    assert "Where the worlds diverge" in page.locator(".pt-divergence").inner_text()
    screenshot(page, "twin_worlds")
    page.locator(".pt-tab-workshop").click()
    page.wait_for_selector("img.pt-chart-series", state="visible")
    assert "quarter 0 of" in status(page), "the workshop run must not move when the twins run"
    traffic.check_loopback_only()


def test_two_sessions_keep_separate_models(app_server, open_page):
    first, first_traffic = open_page()
    second, second_traffic = open_page()
    load(first, app_server.url)
    for _ in range(3):
        step(first)
    load(second, app_server.url)
    assert quarter(second) == 0
    step(second)
    assert quarter(second) == 1
    assert quarter(first) == 3
    move_slider_to_max(second, "principles-place-based")
    second.wait_for_selector(".pt-pending", state="visible", timeout=STEP_TIMEOUT_MS)
    assert first.locator(".pt-pending").count() == 0
    step(first)
    assert quarter(first) == 4
    assert quarter(second) == 1
    first_traffic.check_loopback_only()
    second_traffic.check_loopback_only()
