"""Solara components of the workshop view.

They follow Mesa's SolaraViz conventions (Reset, Play/Pause and Step buttons, a play interval
and a render interval, Step advancing by the render interval) but hold **one simulation per
browser session**: every piece of state is a hook inside a component, never a module-level
model that every participant would share. Charts are matplotlib (offline-safe).

CSS classes prefixed ``pt-`` mark what the browser tests and the docs' screenshots look for.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import solara
import solara.lab

from partnering.scenarios import Scenario, ScenarioError, load_scenario
from partnering.viz.charts import (
    KIND_COLOURS,
    KIND_LABELS,
    Chart,
    NetworkChart,
    TimeSeriesChart,
    TwinChart,
)
from partnering.viz.controls import (
    DEFAULT_SCENARIO,
    DEFAULT_SEED,
    Control,
    WorkshopSettings,
    policy_controls,
    principle_controls,
    scenario_file,
    scenario_names,
    structure_controls,
)
from partnering.viz.levers import LEVER_NOTES
from partnering.viz.session import (
    CHECK_SEEDS,
    KpiReading,
    Simulation,
    Snapshot,
    check_over_seeds,
    divergence,
    divergence_sentence,
    format_change,
    format_value,
    market_shares,
    read_kpis,
)

CSS = """
.pt-kpis { display: flex; flex-wrap: nowrap; gap: 8px; }
.pt-kpi { border: 1px solid #ddd; border-radius: 6px; padding: 5px 8px; min-width: 0; flex: 1 1 0;
          background: #fafafa; }
.pt-kpi-label { font-size: 11px; color: #555; line-height: 1.25; min-height: 2.5em; }
.pt-kpi-value { font-size: 20px; font-weight: 600; line-height: 1.2; }
.pt-kpi-change { font-size: 11px; }
.pt-control .v-label { font-size: 14px; }
.pt-control .v-input { margin-top: 0; padding-top: 0; }
.pt-control .v-input__slot { margin-bottom: 0; }
.pt-control .v-messages { display: none; }
.pt-control { padding: 2px 0; }
.pt-better { color: #1a7f37; } .pt-worse { color: #c62828; } .pt-same { color: #777; }
.pt-feed { max-height: 300px; overflow-y: auto; font-size: 13px; border: 1px solid #eee; padding: 4px 8px; }
.pt-feed p { margin: 2px 0; }
.pt-feed .pt-when { font-weight: 600; margin-right: 4px; }
.pt-share { font-size: 12px; }
.pt-share-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.pt-share-name { flex: 0 0 165px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pt-share-track { flex: 1 1 auto; }
.pt-share-bar { display: block; height: 14px; border-radius: 2px; }
.pt-share-pct { flex: 0 0 36px; text-align: right; }
.pt-share-key span { margin-right: 10px; }
.pt-status { font-size: 15px; font-weight: 600; }
.pt-chart { max-width: 100%; height: auto; }
.pt-controls { width: 360px; min-width: 320px; max-width: 360px; }
.pt-divergence table { border-collapse: collapse; font-size: 13px; }
.pt-divergence td, .pt-divergence th { border-bottom: 1px solid #eee; padding: 3px 8px; text-align: right; }
.pt-divergence td:first-child, .pt-divergence th:first-child { text-align: left; }
"""

logger = logging.getLogger(__name__)

PLAY_INTERVAL_MS = 150
"""Default pause between steps while playing (Mesa's SolaraViz uses 100 ms)."""


# --- session state -----------------------------------------------------------------------------
# The hooks below are called by the page, which is always mounted, so a participant's runs
# survive switching tabs while the tabs themselves render lazily (reacton walks every mounted
# widget on each render, so hidden tabs would slow every step).


@dataclass
class RunState:
    """The reactive handles a run's controls share (created by :func:`use_run`).

    Only components that read ``snapshot.value`` re-render on a step; the component that owns
    the handles never reads it, so the settings panel is not rebuilt every quarter.
    """

    snapshot: solara.Reactive[Snapshot]
    playing: solara.Reactive[bool]
    play_interval: solara.Reactive[int]
    render_interval: solara.Reactive[int]
    failure: solara.Reactive[str | None]
    step: Callable[[], None]


def use_run(step_once: Callable[[int], Snapshot | None], initial: Snapshot) -> RunState:
    """Play/Step behaviour of Mesa's ModelController for any stepping function.

    ``step_once(n)`` advances by ``n`` quarters and returns the new snapshot (or None when a
    Reset replaced the simulation meanwhile). Play runs in a worker thread, sleeping the play
    interval between steps, and stops itself at the horizon.
    """
    snapshot = solara.use_reactive(initial)
    playing = solara.use_reactive(False)
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    failure = solara.use_reactive(None)

    def guarded_step(quarters: int) -> Snapshot | None:
        try:
            return step_once(quarters)
        except Exception as exc:  # a model error must not break the participant's page
            logger.exception("a workshop model step failed")
            failure.set(f"The model stopped with an error: {exc}")
            playing.set(False)
            return None

    def step() -> None:
        result = guarded_step(render_interval.peek())
        if result is not None:
            snapshot.set(result)

    closed = solara.use_memo(threading.Event, [])
    solara.use_effect(lambda: closed.set, [])  # the cleanup runs when the session's page goes away

    def keep_playing() -> bool:
        # Solara does not stop a worker thread by itself: the loop ends when Pause is pressed,
        # when a newer Play started (a quick Pause-Play) or when the session is closed.
        return playing.peek() and task.is_current() and not closed.is_set()

    def play_loop() -> None:
        while keep_playing():
            time.sleep(play_interval.peek() / 1000.0)
            if not keep_playing():
                return
            result = guarded_step(render_interval.peek())
            if result is None:
                return
            snapshot.set(result)
            if result.done:
                playing.set(False)

    task = solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)
    return RunState(snapshot, playing, play_interval, render_interval, failure, step)


def _first_simulation(settings: WorkshopSettings) -> tuple[Simulation, WorkshopSettings]:
    """The session's first model and the settings it was built from (the default scenario if the
    wanted settings are invalid)."""
    try:
        return Simulation(settings.build(), settings.seed), settings
    except ScenarioError:
        fallback = WorkshopSettings.from_scenario(DEFAULT_SCENARIO, DEFAULT_SEED)
        return Simulation(fallback.build(), fallback.seed), fallback


@dataclass
class WorkshopState:
    """One participant's world: pending and applied settings, the simulation, its run and charts."""

    settings: solara.Reactive[WorkshopSettings]
    applied: solara.Reactive[WorkshopSettings]
    error: solara.Reactive[str | None]
    run: RunState
    charts: tuple[Chart, ...]
    reset: Callable[[], None]


def use_workshop(settings: solara.Reactive[WorkshopSettings]) -> WorkshopState:
    """Build this session's simulation and the Reset that rebuilds it from the pending settings.

    Reading only ``peek()`` here keeps the caller from re-rendering on every slider move or step.
    """
    first, first_settings = solara.use_memo(lambda: _first_simulation(settings.peek()), [])
    simulation = solara.use_reactive(first)
    applied = solara.use_reactive(first_settings)
    error = solara.use_reactive(None)
    charts = solara.use_memo(lambda: (TimeSeriesChart(), NetworkChart()), [])

    def step_once(quarters: int) -> Snapshot | None:
        current = simulation.peek()
        result = current.step(quarters)
        return result if current is simulation.peek() else None

    run = use_run(step_once, first.snapshot)

    def reset() -> None:
        run.playing.set(False)
        wanted = settings.peek()
        try:
            fresh = Simulation(wanted.build(), wanted.seed)
        except ScenarioError as exc:  # shown to the participant; the server keeps serving
            error.set(str(exc))
            return
        except Exception as exc:  # the same for a model that cannot be built
            logger.exception("a workshop model could not be built")
            error.set(f"The model could not be built with these settings: {exc}")
            return
        run.failure.set(None)
        simulation.set(fresh)
        applied.set(wanted)
        run.snapshot.set(fresh.snapshot)
        error.set(None)

    return WorkshopState(settings, applied, error, run, charts, reset)


YOUR_SETTINGS = "your settings"
"""The twin-world choice that stands for the Workshop tab's current settings."""


@dataclass(frozen=True)
class TwinPair:
    """The two simulations of a twin-worlds run (same seed)."""

    a: Simulation
    b: Simulation
    names: tuple[str, str]


def _twin_scenario(choice: str, settings: WorkshopSettings) -> Scenario:
    """'your settings' or a built-in scenario, within the workshop's interactive caps."""
    if choice == YOUR_SETTINGS:
        return settings.build().model_copy(update={"name": YOUR_SETTINGS})
    return WorkshopSettings.from_scenario(choice).build()


def make_twins(choice_a: str, choice_b: str, seed: int, settings: WorkshopSettings) -> TwinPair:
    """Two worlds built with the same seed; raises ScenarioError if 'your settings' are invalid."""
    return TwinPair(Simulation(_twin_scenario(choice_a, settings), seed),
                    Simulation(_twin_scenario(choice_b, settings), seed), (choice_a, choice_b))


def _longer(a: Snapshot, b: Snapshot) -> Snapshot:
    """The snapshot whose run lasts longer: the pair is done when that one is."""
    return b if b.horizon >= a.horizon else a


@dataclass
class TwinState:
    """Two worlds run side by side: the choices, the pair, their latest snapshots and the run."""

    choice_a: solara.Reactive[str]
    choice_b: solara.Reactive[str]
    seed: solara.Reactive[int]
    pair: solara.Reactive[TwinPair]
    snapshots: solara.Reactive[tuple[Snapshot, Snapshot]]
    error: solara.Reactive[str | None]
    run: RunState
    chart: TwinChart
    reset: Callable[[], None]
    run_to_end: Callable[[], None]


def use_twins(settings: solara.Reactive[WorkshopSettings]) -> TwinState:
    """This session's twin worlds, by default transactional and changemaking with the same seed."""
    choice_a = solara.use_reactive("transactional")
    choice_b = solara.use_reactive("changemaking")
    seed = solara.use_reactive(DEFAULT_SEED)
    error = solara.use_reactive(None)
    first = solara.use_memo(lambda: make_twins("transactional", "changemaking", DEFAULT_SEED, settings.peek()), [])
    pair = solara.use_reactive(first)
    snapshots = solara.use_reactive((first.a.snapshot, first.b.snapshot))
    chart = solara.use_memo(TwinChart, [])

    def step_once(quarters: int) -> Snapshot | None:
        current = pair.peek()
        a, b = current.a.step(quarters), current.b.step(quarters)
        if current is not pair.peek():
            return None
        snapshots.set((a, b))
        return _longer(a, b)

    run = use_run(step_once, _longer(first.a.snapshot, first.b.snapshot))

    def reset() -> None:
        run.playing.set(False)
        try:
            fresh = make_twins(choice_a.peek(), choice_b.peek(), seed.peek(), settings.peek())
        except ScenarioError as exc:
            error.set(str(exc))
            return
        except Exception as exc:  # a model error must not break the participant's page
            logger.exception("twin-world models could not be built")
            error.set(f"The models could not be built: {exc}")
            return
        run.failure.set(None)
        pair.set(fresh)
        snapshots.set((fresh.a.snapshot, fresh.b.snapshot))
        run.snapshot.set(_longer(fresh.a.snapshot, fresh.b.snapshot))
        error.set(None)

    def run_to_end() -> None:
        run.playing.set(False)
        try:
            result = step_once(10_000)
        except Exception as exc:  # a model error must not break the participant's page
            logger.exception("twin-world models failed")
            run.failure.set(f"The model stopped with an error: {exc}")
            return
        if result is not None:
            run.snapshot.set(result)

    return TwinState(choice_a, choice_b, seed, pair, snapshots, error, run, chart, reset, run_to_end)


# --- controls ----------------------------------------------------------------------------------
def control_label(control: Control, value: float) -> str:
    """The slider's label with its current value, so a participant reads the level without dragging."""
    text = f"{int(value)}" if control.type == "int" else f"{float(value):g}"
    unit = "" if control.unit in ("level", "share") else f" {control.unit}"
    return f"{control.label}: {text}{unit}"


@solara.component
def ControlWidget(control: Control, value: float, on_value: Callable[[float], None]) -> None:
    """One declared parameter as a slider or a switch; its schema meaning shows on hover.

    The help is a plain ``title`` attribute: Vuetify tooltips re-render their slot out of
    place when a scenario changes many sliders at once, scrambling the panel's order.
    """
    name_class = "pt-control-" + control.name.replace(".", "-").replace("_", "-")
    with solara.v.Html(tag="div", class_=f"pt-control {name_class}", attributes={"title": control.help}):
        if control.widget == "switch":
            solara.Switch(label=control.label, value=bool(value), on_value=on_value)
        elif control.type == "int":
            high = max(int(control.high), int(value))  # never clip a scenario's own value
            solara.SliderInt(control_label(control, value), value=int(value), min=int(control.low), max=high,
                             step=1, on_value=on_value, thumb_label=True)
        else:
            number = float(value)
            solara.SliderFloat(control_label(control, number), value=number, min=float(control.low),
                               max=max(float(control.high), number), step=control.step_for(number),
                               on_value=on_value, thumb_label=True)


@solara.component
def SettingsPanel(settings: solara.Reactive[WorkshopSettings], applied: solara.Reactive[WorkshopSettings]) -> None:
    """Scenario picker, seed, principle sliders, policy switches, population and horizon.

    Edits change the pending settings only; they apply on Reset, as in Mesa's SolaraViz. The
    population sliders render only when opened, since every mounted widget costs time per step.
    """
    current = settings.value
    show_structure = solara.use_reactive(False)

    def setter(name: str) -> Callable[[float], None]:
        def set_value(value: float) -> None:
            settings.set(settings.peek().with_value(name, value))

        return set_value

    def pick(name: str | None) -> None:
        if name:
            settings.set(WorkshopSettings.from_scenario(name, seed=settings.peek().seed))

    def set_seed(seed: int | None) -> None:
        if seed is not None:
            settings.set(settings.peek().with_seed(seed))

    with solara.Column(gap="4px", classes=["pt-settings"]):
        solara.Select("Scenario", values=scenario_names(), value=current.scenario, on_value=pick,
                      classes=["pt-scenario"])
        solara.Text(load_scenario(current.scenario).description, style={"font-size": "12px", "color": "#555"})
        if current.capped:
            solara.Info(current.capped_note(), dense=True, classes=["pt-capped"])
        solara.InputInt("Seed", value=current.seed, on_value=set_seed, continuous_update=True, classes=["pt-seed"])
        if current != applied.value:
            solara.Warning("Settings changed: press Reset to apply them.", dense=True, classes=["pt-pending"])
        solara.HTML(unsafe_innerHTML="<b>The five principles</b> (0 = transactional, 1 = fully changemaking)")
        for control in principle_controls():
            ControlWidget(control, current.value(control.name), setter(control.name))
        solara.HTML(unsafe_innerHTML="<b>Policy levers</b>")
        for control in policy_controls():
            ControlWidget(control, current.value(control.name), setter(control.name))
        solara.Button("Hide population and horizon" if show_structure.value else "Population and horizon",
                      icon_name="mdi-chevron-up" if show_structure.value else "mdi-chevron-down", text=True,
                      on_click=lambda: show_structure.set(not show_structure.peek()), classes=["pt-structure"])
        if show_structure.value:
            for control in structure_controls():
                ControlWidget(control, current.value(control.name), setter(control.name))


@solara.component
def RunButtons(run: RunState, on_reset: Callable[[], None], prefix: str = "pt") -> None:
    """Reset, Play/Pause and Step, plus the play and render intervals (Mesa's layout)."""
    playing = run.playing.value
    done = run.snapshot.value.done
    with solara.Row(gap="6px"):
        solara.Button("Reset", color="primary", on_click=on_reset, classes=[f"{prefix}-reset"])
        solara.Button("Pause" if playing else "Play", icon_name="mdi-pause" if playing else "mdi-play",
                      color="primary", on_click=lambda: run.playing.set(not run.playing.peek()),
                      disabled=done and not playing, classes=[f"{prefix}-play"])
        solara.Button("Step", color="primary", on_click=run.step, disabled=playing or done,
                      classes=[f"{prefix}-step"])
    solara.SliderInt("Play interval (ms)", value=run.play_interval, min=0, max=1000, step=50)
    solara.SliderInt("Render interval (quarters per step)", value=run.render_interval, min=1, max=20, step=1)
    if run.failure.value:
        solara.Error(run.failure.value, classes=[f"{prefix}-failure"])


@solara.component
def RunCard(state: WorkshopState) -> None:
    """Where the run is, and its buttons."""
    snapshot = state.run.snapshot.value
    with solara.Card("Run", margin=0):
        solara.Text(f"{snapshot.label} · quarter {snapshot.step} of {snapshot.horizon}",
                    classes=["pt-status"], style={"display": "block"})
        solara.Text(f"{snapshot.scenario_name}, seed {snapshot.seed}", classes=["pt-running"],
                    style={"font-size": "12px", "color": "#555", "display": "block"})
        RunButtons(state.run, state.reset)
        if state.error.value:
            solara.Error(state.error.value, classes=["pt-error"])


# --- views -------------------------------------------------------------------------------------
def kpi_cards_html(readings: list[KpiReading]) -> str:
    """KPI cards as HTML: label, value and change since the start, coloured better or worse."""
    cards = []
    for reading in readings:
        metric = reading.kpi.name
        cards.append(
            f'<div class="pt-kpi pt-kpi-{metric}" title="{html.escape(reading.kpi.meaning)}">'
            f'<div class="pt-kpi-label">{html.escape(reading.kpi.label)}</div>'
            f'<div class="pt-kpi-value">{html.escape(reading.value_text)}</div>'
            f'<div class="pt-kpi-change pt-{reading.verdict}">{html.escape(reading.change_text)} since start</div>'
            "</div>"
        )
    return "".join(cards)


@solara.component
def KpiCards(snapshot: Snapshot) -> None:
    """The headline KPIs, each with its change since the start, coloured better or worse."""
    solara.HTML(unsafe_innerHTML=kpi_cards_html(read_kpis(snapshot.frame)), classes=["pt-kpis"])


@solara.component
def EventFeed(snapshot: Snapshot, limit: int = 40) -> None:
    """The newest events first, in plain language."""
    events = snapshot.events.tail(limit).iloc[::-1]
    lines = ["<p><b>What happened</b> (newest first)</p>"]
    if events.empty:
        lines.append("<p>Nothing notable yet. Press Step or Play.</p>")
    lines.extend(
        f'<p class="pt-event pt-event-{html.escape(str(kind))}"><span class="pt-when">{html.escape(str(when))}:</span>'
        f"{html.escape(str(text))}</p>"
        for kind, when, text in zip(events["kind"], events["when"], events["text"], strict=True)
    )
    solara.HTML(unsafe_innerHTML="".join(lines), classes=["pt-feed"])


@solara.component
def MarketShare(snapshot: Snapshot) -> None:
    """Share of contracted value by supplier, largest first, coloured by type (plain HTML bars)."""
    rows = market_shares(snapshot.suppliers)
    hhi = float(snapshot.frame["hhi"].iloc[-1])
    widest = max((share for _, _, share in rows), default=1.0)
    lines = [f'<div class="pt-share-title"><b>Market share by supplier</b> (contract value; HHI {hhi:,.0f})</div>']
    if not rows:
        lines.append("<p>No firm holds a contract.</p>")
    for name, kind, share in rows:
        colour = KIND_COLOURS.get(kind, "#bbbbbb")
        width = max(100.0 * share / widest, 0.5)
        lines.append(
            f'<div class="pt-share-row pt-share-{html.escape(kind)}"><span class="pt-share-name" title="{html.escape(name)}">'
            f'{html.escape(name)}</span><span class="pt-share-track"><span class="pt-share-bar" '
            f'style="width:{width:.1f}%;background:{colour}"></span></span>'
            f'<span class="pt-share-pct">{100 * share:.0f}%</span></div>'
        )
    key = "".join(f'<span style="color:{KIND_COLOURS[k]}">■</span> {KIND_LABELS[k]} ' for k in ("large", "sme"))
    lines.append(f'<div class="pt-share-key">{key}</div>')
    solara.HTML(unsafe_innerHTML="".join(lines), classes=["pt-share"])


@solara.component
def Downloads(settings: solara.Reactive[WorkshopSettings], snapshot: solara.Reactive[Snapshot]) -> None:
    """The current settings as a scenario file, and the run's per-step metrics as CSV.

    Both files are produced only when their button is pressed (lazy callables), and this
    component never reads the snapshot while rendering, so a step does not rebuild it.
    """
    current = settings.value

    def toml_text() -> str:
        return scenario_file(current)

    def csv_text() -> str:
        return snapshot.peek().csv()

    try:
        current.build()
        valid = True
    except ScenarioError:
        valid = False
    with solara.Column(gap="4px"):
        if valid:
            solara.FileDownload(toml_text, filename=f"workshop_{current.scenario}.toml", mime_type="application/toml",
                                children=[solara.Button("Settings (.toml)", icon_name="mdi-download", outlined=True,
                                                        classes=["pt-download-toml"])])
        solara.FileDownload(csv_text, filename="workshop_metrics.csv", mime_type="text/csv",
                            children=[solara.Button("Metrics (.csv)", icon_name="mdi-download", outlined=True,
                                                    classes=["pt-download-csv"])])
        solara.Text("Run the settings file with: partnering run FILE.toml --seed N",
                    style={"font-size": "12px", "color": "#555"})


@solara.component
def WorldDisplay(snapshot_state: solara.Reactive[Snapshot], charts: tuple[Chart, ...]) -> None:
    """KPI cards, time series, network, market share and events for the latest snapshot."""
    snapshot = snapshot_state.value

    def draw() -> tuple[bytes, bytes, float]:
        start = time.perf_counter()
        series, network = (chart.render(snapshot) for chart in charts)
        return series, network, 1000.0 * (time.perf_counter() - start)

    series_png, network_png, draw_ms = solara.use_memo(draw, [snapshot.id])
    with solara.Column(gap="10px", style={"flex": "1 1 auto", "min-width": "0"}):
        KpiCards(snapshot)
        solara.Image(series_png, classes=["pt-chart", "pt-chart-series"])
        with solara.Row(gap="10px", style={"align-items": "flex-start", "flex-wrap": "wrap"}):
            solara.Image(network_png, classes=["pt-chart", "pt-chart-network"])
            with solara.Column(gap="8px", style={"flex": "1 1 340px", "min-width": "300px"}):
                MarketShare(snapshot)
                EventFeed(snapshot)
        solara.Text(f"{snapshot.label}: charts drawn in {draw_ms:.0f} ms", classes=["pt-draw-time"],
                    style={"font-size": "11px", "color": "#999"})


@solara.component
def WorkshopView(state: WorkshopState) -> None:
    """The participant's world: controls on the left; KPIs, charts, network and events on the right."""
    with solara.Row(gap="16px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(gap="8px", classes=["pt-controls"]):
            RunCard(state)
            with solara.Card("Settings", margin=0):
                SettingsPanel(state.settings, state.applied)
            with solara.Card("Download", margin=0):
                Downloads(state.settings, state.run.snapshot)
        WorldDisplay(state.run.snapshot, state.charts)


@solara.component
def TwinWorldsView(state: TwinState) -> None:
    """Two configurations run side by side with the same seed, and where their KPIs diverge."""
    a_snap, b_snap = state.snapshots.value
    pair = state.pair.value
    image = solara.use_memo(lambda: state.chart.render_pair(a_snap, b_snap), [a_snap.id, b_snap.id])
    choices = [YOUR_SETTINGS, *scenario_names()]
    pending = (state.choice_a.value, state.choice_b.value) != pair.names or state.seed.value != pair.a.seed

    with solara.Column(gap="10px", classes=["pt-twins"]):
        solara.Markdown(
            "Two worlds with **the same seed**: same places, same firms, same luck at the start, so any "
            "difference comes from the settings. Pick two configurations (*your settings* are the Workshop "
            "tab's), press Reset, then Play or Run to the end."
        )
        with solara.Row(gap="12px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select("World A", values=choices, value=state.choice_a, classes=["pt-twin-a"],
                          style={"max-width": "220px"})
            solara.Select("World B", values=choices, value=state.choice_b, classes=["pt-twin-b"],
                          style={"max-width": "220px"})
            solara.InputInt("Seed (both worlds)", value=state.seed, continuous_update=True, classes=["pt-twin-seed"],
                            style={"max-width": "150px"})
            with solara.Column(gap="2px", style={"min-width": "320px"}):
                RunButtons(state.run, state.reset, prefix="pt-twin")
            solara.Button("Run to the end", on_click=state.run_to_end, outlined=True, classes=["pt-twin-end"],
                          disabled=state.run.playing.value or (a_snap.done and b_snap.done))
        if pending:
            solara.Warning("Choices changed: press Reset to run them.", dense=True)
        if state.error.value:
            solara.Error(state.error.value, classes=["pt-twin-error"])
        solara.Text(f"A: {pair.names[0]} · B: {pair.names[1]} · seed {pair.a.seed} · {b_snap.label} "
                    f"(quarter {b_snap.step} of {max(a_snap.horizon, b_snap.horizon)})",
                    classes=["pt-twin-status"], style={"font-weight": "600"})
        solara.Image(image, classes=["pt-chart", "pt-chart-twins"])
        DivergenceTable(a_snap, b_snap, pair.names)
        SeedCheckPanel(pair, b_snap.step)


def _interval_text(style, low: float, high: float, change: bool = False) -> str:
    """'[a, b]' in a KPI's own format (changes signed, as B − A is)."""
    if low != low or high != high:
        return ""
    show = format_change if change else format_value
    return f"[{show(style, low)}, {show(style, high)}]"


@solara.component
def SeedCheckPanel(pair: TwinPair, step: int) -> None:
    """Whether the gap between the worlds holds beyond the one seed watched: both worlds re-run
    with more seeds to the same quarter, each KPI's gap with its interval."""
    result = solara.use_reactive(None)
    solara.use_effect(lambda: result.set(None), [id(pair), step])

    def check() -> None:
        result.set(check_over_seeds(pair.a.scenario, pair.b.scenario, pair.a.seed, max(step, 1)))

    solara.HTML(unsafe_innerHTML=f"<p>One seed is one possible history, so a gap above may be luck. <b>Check over "
                f"{CHECK_SEEDS} seeds</b> re-runs both worlds to this quarter with this seed and {CHECK_SEEDS - 1} "
                "more, and gives each gap a 95% interval (it never crosses a KPI's bounds).</p>",
                classes=["pt-seed-check-note"])
    solara.Button(f"Check over {CHECK_SEEDS} seeds", on_click=check, outlined=True, classes=["pt-twin-check"],
                  disabled=step < 1)
    if result.value is None:
        return
    rows = ["<table><tr><th>KPI</th><th>A: mean [95% CI]</th><th>B: mean [95% CI]</th><th>B − A [95% CI]</th>"
            "<th>over the seeds</th></tr>"]
    for c in result.value:
        style = c.kpi.style
        reading = {"a": "better in A", "b": "better in B", "unclear": f"not clear over {c.seeds} seeds"}[c.favours]
        rows.append(
            f'<tr class="pt-check-{c.kpi.name}"><td>{html.escape(c.kpi.label)}</td>'
            f"<td>{html.escape(format_value(style, c.a.mean) + ' ' + _interval_text(style, c.a.low, c.a.high))}</td>"
            f"<td>{html.escape(format_value(style, c.b.mean) + ' ' + _interval_text(style, c.b.low, c.b.high))}</td>"
            f"<td>{html.escape(format_change(style, c.gap.diff) + ' ' + _interval_text(style, c.gap.low, c.gap.high, True))}"
            f"</td><td>{reading}</td></tr>")
    rows.append("</table>")
    solara.HTML(unsafe_innerHTML=f"<p><b>Over {result.value[0].seeds} seeds</b> at quarter {max(step, 1)} "
                "(the same seeds in both worlds; intervals: Student t on the logit or log scale)</p>" + "".join(rows),
                classes=["pt-seed-check"])


@solara.component
def DivergenceTable(a: Snapshot, b: Snapshot, names: tuple[str, str]) -> None:
    """Where the worlds' KPIs diverge: a sentence each, widest gaps first, and a table."""
    rows = divergence(a.frame, b.frame)
    sentences = "".join(f"<li>{html.escape(divergence_sentence(d, 'A', 'B', a.start_year))}</li>" for d in rows)
    table = ["<table><tr><th>KPI</th><th>A: " + html.escape(names[0]) + "</th><th>B: " + html.escape(names[1])
             + "</th><th>B − A</th><th>better in</th></tr>"]
    for d in rows:
        better = {"a": "A", "b": "B", "neither": "about the same"}[d.favours]
        table.append(
            f'<tr class="pt-div-{d.kpi.name}"><td>{html.escape(d.kpi.label)}</td>'
            f"<td>{html.escape(format_value(d.kpi.style, d.a))}</td><td>{html.escape(format_value(d.kpi.style, d.b))}</td>"
            f"<td>{html.escape(format_change(d.kpi.style, d.difference))}</td><td>{better}</td></tr>"
        )
    table.append("</table>")
    solara.HTML(unsafe_innerHTML=f"<p><b>Where the worlds diverge</b> (widest gap first)</p><ul>{sentences}</ul>"
                f"{''.join(table)}", classes=["pt-divergence"])


def lever_guide_markdown() -> str:
    """The levers tab as Markdown: each lever's label, the model's note and the schema's bounds."""
    parts = ["### What the levers change in the model\n\n",
             "Each principle runs from 0 (transactional) to 1 (fully changemaking). "
             "The levers change the *rules* the agents follow, never the outcomes: what happens is up to "
             "councils, firms and groups deciding for themselves.\n\n",
             "#### The five principles\n\n"]
    parts.extend(f"- **{c.label}**: {LEVER_NOTES[c.name]}\n" for c in principle_controls())
    parts.append("\n#### Policy levers\n\n")
    parts.extend(f"- **{c.label}**: {LEVER_NOTES[c.name]}\n" for c in policy_controls())
    parts.append(
        "\n#### Reading the views\n\n"
        "- **KPI cards** show the latest quarter and the change since the start, green when better.\n"
        "- **Cost per unit of quality** is value for money: lower is better.\n"
        "- **HHI** measures market concentration, 0 to 10,000; above 2,500 is highly concentrated.\n"
        "- **Trust network**: councils (blue) sit on a map with their SMEs (green) above and community groups "
        "(orange) below; large suppliers (red) ring the map, sized by the contracts they hold. Contract lines run "
        "from red (low trust) to green (high trust) and thicken with trust.\n"
    )
    return "".join(parts)


@solara.component
def LeverGuide() -> None:
    """What each lever changes in the model, in plain language."""
    with solara.Column(classes=["pt-levers"], style={"max-width": "900px"}):
        solara.Markdown(lever_guide_markdown())
