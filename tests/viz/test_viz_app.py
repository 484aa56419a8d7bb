"""The workshop page without a browser: solara.render and rc.find, Mesa's SolaraViz conventions."""

from __future__ import annotations

import os
import re
import time

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import solara
import solara.widgets

from partnering.scenarios import PRINCIPLE_NAMES
from partnering.viz.app import Page
from partnering.viz.components import (
    WorkshopView,
    lever_guide_markdown,
    use_workshop,
)
from partnering.viz.controls import WorkshopSettings, principle_controls
from partnering.viz.server import DEAD_CDN, configure, offline_environment


def text_of(rc, css_class: str) -> str:
    return rc.find(v.Html, class_=css_class).widget.children[0]


def status(rc) -> tuple[int, int]:
    """The quarter the run has reached and its horizon, from the status line."""
    match = re.search(r"quarter (\d+) of (\d+)", text_of(rc, "pt-status"))
    assert match
    return int(match.group(1)), int(match.group(2))


def quarter(rc) -> int:
    return status(rc)[0]


def image(rc, css_class: str) -> bytes:
    found = [w for w in rc.find(widgets.Image).widgets if css_class in w._dom_classes]
    assert len(found) == 1
    return bytes(found[0].value)


def html_with_class(rc, css_class: str) -> str:
    return rc.find(solara.widgets.HTML, attributes={"class": css_class}).widget.unsafe_innerHTML


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture
def page():
    _box, rc = solara.render(Page(), handle_error=False)
    yield rc
    rc.close()


@pytest.fixture
def harness():
    """A workshop view whose state the test can reach, as a facilitator's script would."""
    reached: dict = {}

    @solara.component
    def Harness():
        settings = solara.use_reactive(solara.use_memo(lambda: WorkshopSettings.from_scenario("transactional"), []))
        state = use_workshop(settings)
        reached["settings"], reached["state"] = settings, state
        WorkshopView(state)

    _box, rc = solara.render(Harness(), handle_error=False)
    yield rc, reached
    rc.close()


def test_the_page_shows_kpi_cards_charts_market_share_and_events(page):
    assert html_with_class(page, "pt-kpis").count('class="pt-kpi ') == 7
    assert image(page, "pt-chart-series")[:4] == b"\x89PNG"
    assert image(page, "pt-chart-network")[:4] == b"\x89PNG"
    assert "Market share by supplier" in html_with_class(page, "pt-share")
    assert "What happened" in html_with_class(page, "pt-feed")
    assert quarter(page) == 0


def test_step_advances_one_quarter_and_redraws(page):
    series, network = image(page, "pt-chart-series"), image(page, "pt-chart-network")
    page.find(v.Btn, class_="pt-step").widget.click()
    assert quarter(page) == 1
    assert image(page, "pt-chart-series") != series
    assert image(page, "pt-chart-network") != network
    assert "since start" in html_with_class(page, "pt-kpis")


def test_step_advances_by_the_render_interval(page):
    page.find(v.Slider, label="Render interval (quarters per step)").widget.v_model = 4
    page.find(v.Btn, class_="pt-step").widget.click()
    assert quarter(page) == 4


def test_play_runs_until_paused(page):
    # 200 ms a quarter: at 0 ms a loaded machine can play all forty quarters before the test's
    # thread presses Pause, and a run at its horizon shows Step disabled whatever Pause does
    page.find(v.Slider, label="Play interval (ms)").widget.v_model = 200
    play = page.find(v.Btn, class_="pt-play").widget
    play.click()
    wait_until(lambda: quarter(page) >= 3)
    assert page.find(v.Btn, class_="pt-step").widget.disabled
    page.find(v.Btn, class_="pt-play").widget.click()
    reached, horizon = status(page)
    assert reached < horizon, "the run reached its horizon before Pause: nothing was tested"
    wait_until(lambda: not page.find(v.Btn, class_="pt-step").widget.disabled)
    time.sleep(0.5)  # a step already under way when Pause was pressed still lands
    paused = quarter(page)
    time.sleep(0.5)
    assert quarter(page) == paused


def test_play_stops_itself_at_the_horizon(harness):
    rc, reached = harness
    reached["settings"].set(reached["settings"].peek().with_value("run.steps", 3))
    rc.find(v.Btn, class_="pt-reset").widget.click()
    rc.find(v.Slider, label="Play interval (ms)").widget.v_model = 0
    rc.find(v.Btn, class_="pt-play").widget.click()
    wait_until(lambda: quarter(rc) == 3 and not reached["state"].run.playing.peek())
    assert rc.find(v.Btn, class_="pt-step").widget.disabled


def test_a_slider_changes_nothing_until_reset(harness):
    rc, reached = harness
    rc.find(v.Btn, class_="pt-step").widget.click()
    slider = rc.find(v.Slider, label="Collaborative: 0").widget
    slider.v_model = 1.0
    assert reached["settings"].peek().value("principles.collaborative") == 1.0
    assert quarter(rc) == 1
    assert rc.find(v.Alert, class_="pt-pending").widgets
    rc.find(v.Btn, class_="pt-reset").widget.click()
    assert quarter(rc) == 0
    assert reached["state"].applied.peek().value("principles.collaborative") == 1.0
    assert not rc.find(v.Alert, class_="pt-pending").widgets


def test_picking_a_scenario_loads_its_levels_into_the_sliders(harness):
    rc, reached = harness
    rc.find(v.Select, class_="pt-scenario").widget.v_model = "changemaking"
    for name in PRINCIPLE_NAMES:
        assert reached["settings"].peek().value(f"principles.{name}") == 0.8
    assert rc.find(v.Slider, label="Collaborative: 0.8").widgets
    rc.find(v.Btn, class_="pt-reset").widget.click()
    assert "changemaking, seed 1" in text_of(rc, "pt-running")


def test_the_seed_applies_on_reset(harness):
    rc, _ = harness
    rc.find(v.TextField, class_="pt-seed").widget.v_model = "42"
    rc.find(v.Btn, class_="pt-reset").widget.click()
    assert "seed 42" in text_of(rc, "pt-running")


def test_invalid_settings_show_one_line_and_the_session_keeps_running(harness):
    rc, reached = harness
    rc.find(v.Btn, class_="pt-step").widget.click()
    reached["settings"].set(reached["settings"].peek().with_value("principles.creative", 1.7))
    rc.find(v.Btn, class_="pt-reset").widget.click()
    error = rc.find(v.Alert, class_="pt-error").widget
    assert "principles.creative" in str(error.children)
    assert quarter(rc) == 1, "a refused Reset keeps the running model"
    rc.find(v.Btn, class_="pt-step").widget.click()
    assert quarter(rc) == 2


def test_each_render_of_the_page_owns_its_own_model():
    _, one = solara.render(Page(), handle_error=False)
    _, two = solara.render(Page(), handle_error=False)
    try:
        one.find(v.Btn, class_="pt-step").widget.click()
        one.find(v.Btn, class_="pt-step").widget.click()
        assert quarter(one) == 2
        assert quarter(two) == 0
    finally:
        one.close()
        two.close()


def test_twin_worlds_run_with_the_same_seed_and_list_every_kpi(page):
    page.find(v.Tabs).widget.v_model = 1
    status = text_of(page, "pt-twin-status")
    assert "A: transactional" in status and "B: changemaking" in status and "seed 1" in status
    before = image(page, "pt-chart-twins")
    page.find(v.Btn, class_="pt-twin-end").widget.click()
    match = re.search(r"quarter (\d+) of (\d+)", text_of(page, "pt-twin-status"))
    assert match and match.group(1) == match.group(2)
    assert image(page, "pt-chart-twins") != before
    assert html_with_class(page, "pt-divergence").count("<tr class=") == 7


def test_switching_tabs_keeps_the_workshop_run(page):
    page.find(v.Btn, class_="pt-step").widget.click()
    page.find(v.Tabs).widget.v_model = 2
    page.find(v.Tabs).widget.v_model = 0
    assert quarter(page) == 1


def test_the_lever_guide_explains_every_lever():
    text = lever_guide_markdown()
    for control in principle_controls():
        assert f"**{control.label}**" in text


def test_the_server_runs_offline_without_telemetry():
    env = offline_environment("127.0.0.1", 8600)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_APP"] == "partnering.viz.pages"  # the workshop at / and the facilitator at /facilitator
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")
    saved = dict(os.environ)
    try:
        configure("127.0.0.1", 8600)
        import solara.server.settings as server_settings
        import solara.settings as solara_settings

        assert server_settings.telemetry.mixpanel_enable is False
        assert solara_settings.assets.proxy is True
        assert solara_settings.assets.cdn == DEAD_CDN
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_closing_a_playing_session_stops_its_thread(harness):
    rc, reached = harness
    rc.find(v.Slider, label="Play interval (ms)").widget.v_model = 100
    rc.find(v.Btn, class_="pt-play").widget.click()
    wait_until(lambda: quarter(rc) >= 2)
    snapshot = reached["state"].run.snapshot
    rc.close()
    time.sleep(0.5)  # a step already under way still lands
    stopped_at = snapshot.peek().step
    time.sleep(0.5)
    assert snapshot.peek().step == stopped_at, "a closed session's model kept stepping"
    assert not snapshot.peek().done, "the run reached its horizon before the close: nothing was tested"


def test_a_quick_pause_and_play_runs_one_loop(harness):
    rc, reached = harness
    state = reached["state"]
    rc.find(v.Slider, label="Play interval (ms)").widget.v_model = 300
    play = rc.find(v.Btn, class_="pt-play").widget
    play.click()
    rc.find(v.Btn, class_="pt-play").widget.click()
    rc.find(v.Btn, class_="pt-play").widget.click()
    start = time.monotonic()
    first = state.run.snapshot.peek().step
    time.sleep(1.6)
    state.run.playing.set(False)
    quarters = state.run.snapshot.peek().step - first
    elapsed = time.monotonic() - start
    assert quarters <= elapsed / 0.3 + 1, f"{quarters} quarters in {elapsed:.1f} s: two play loops ran at once"


def test_a_model_error_is_shown_and_the_page_keeps_working(harness, monkeypatch):
    rc, _ = harness
    from partnering.viz import session

    def broken(self, quarters=1):
        raise RuntimeError("deliberately broken")

    with monkeypatch.context() as patch:
        patch.setattr(session.Simulation, "step", broken)
        rc.find(v.Btn, class_="pt-step").widget.click()
    assert "deliberately broken" in str(rc.find(v.Alert, class_="pt-failure").widget.children)
    rc.find(v.Btn, class_="pt-reset").widget.click()
    assert not rc.find(v.Alert, class_="pt-failure").widgets
    rc.find(v.Btn, class_="pt-step").widget.click()
    assert quarter(rc) == 1
