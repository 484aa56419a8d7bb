"""Solara components of the workshop view.

They follow Mesa's SolaraViz conventions (Reset, Play/Pause and Step buttons, a play interval
and a render interval, Step advancing by the render interval) but hold **one simulation per
browser session**: every piece of state is a hook inside a component, never a module-level
model that every participant would share. Charts are matplotlib (offline-safe).

CSS classes prefixed ``pt-`` mark what the browser tests and the docs' screenshots look for.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass

import solara
import solara.lab

from partnering.scenarios import ScenarioError, load_scenario
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
    Simulation,
    Snapshot,
    divergence,
    divergence_sentence,
    format_change,
    format_value,
    market_shares,
    read_kpis,
)

CSS = """
.pt-kpis { display: flex; flex-wrap: wrap; gap: 8px; }
.pt-kpi { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; min-width: 128px; flex: 1 1 128px;
          background: #fafafa; }
.pt-kpi-label { font-size: 12px; color: #555; }
.pt-kpi-value { font-size: 22px; font-weight: 600; line-height: 1.2; }
.pt-kpi-change { font-size: 12px; }
.pt-better { color: #1a7f37; } .pt-worse { color: #c62828; } .pt-same { color: #777; }
.pt-feed { max-height: 300px; overflow-y: auto; font-size: 13px; border: 1px solid #eee; padding: 4px 8px; }
.pt-feed p { margin: 2px 0; }
.pt-feed .pt-when { font-weight: 600; margin-right: 4px; }
.pt-share { font-size: 12px; }
.pt-share-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.pt-share-name { flex: 0 0 170px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pt-share-bar { height: 14px; border-radius: 2px; }
.pt-share-key span { margin-right: 10px; }
.pt-status { font-size: 15px; font-weight: 600; }
.pt-chart { max-width: 100%; height: auto; }
.pt-controls { width: 360px; min-width: 320px; max-width: 360px; }
.pt-divergence table { border-collapse: collapse; font-size: 13px; }
.pt-divergence td, .pt-divergence th { border-bottom: 1px solid #eee; padding: 3px 8px; text-align: right; }
.pt-divergence td:first-child, .pt-divergence th:first-child { text-align: left; }
"""

PLAY_INTERVAL_MS = 150
"""Default pause between steps while playing (Mesa's SolaraViz uses 100 ms)."""


def _first_simulation(settings: WorkshopSettings) -> Simulation:
    """The session's first model; falls back to the default scenario if the settings are invalid."""
    try:
        return Simulation(settings.build(), settings.seed)
    except ScenarioError:
        return Simulation(load_scenario(DEFAULT_SCENARIO), DEFAULT_SEED)


# --- controls ----------------------------------------------------------------------------------
@solara.component
def ControlWidget(control: Control, value: object, on_value: Callable[[object], None]) -> None:
    """One declared parameter as a slider or a switch, with its schema meaning as a tooltip."""
    name_class = "pt-control-" + control.name.replace(".", "-").replace("_", "-")
    with solara.Tooltip(control.help), solara.Column(gap="0px", classes=["pt-control", name_class]):
        if control.widget == "switch":
            solara.Switch(label=control.label, value=bool(value), on_value=on_value)
        elif control.type == "int":
            high = max(int(control.high), int(value))  # never clip a scenario's own value
            solara.SliderInt(f"{control.label} ({control.unit})", value=int(value), min=int(control.low), max=high,
                             step=int(control.step), on_value=on_value, thumb_label=True)
        else:
            high = max(float(control.high), float(value))
            solara.SliderFloat(f"{control.label} ({control.unit})" if control.unit != "level" else control.label,
                               value=float(value), min=float(control.low), max=high, step=control.step,
                               on_value=on_value, thumb_label=True)


@solara.component
def SettingsPanel(settings: solara.Reactive[WorkshopSettings], applied: solara.Reactive[WorkshopSettings]) -> None:
    """Scenario picker, principle sliders, policy switches, population and seed.

    Edits change the pending settings only; they apply on Reset, as in Mesa's SolaraViz.
    """
    current = settings.value

    def setter(name: str) -> Callable[[object], None]:
        def set_value(value: object) -> None:
            settings.set(settings.value.with_value(name, value))

        return set_value

    def pick(name: str | None) -> None:
        if name:
            settings.set(WorkshopSettings.from_scenario(name, seed=settings.value.seed))

    def set_seed(seed: int | None) -> None:
        if seed is not None:
            settings.set(settings.value.with_seed(seed))

    with solara.Column(gap="4px", classes=["pt-settings"]):
        solara.Select("Scenario", values=scenario_names(), value=current.scenario, on_value=pick,
                      classes=["pt-scenario"])
        solara.Text(load_scenario(current.scenario).description, style={"font-size": "12px", "color": "#555"})
        solara.InputInt("Seed", value=current.seed, on_value=set_seed, classes=["pt-seed"])
        if current != applied.value:
            solara.Warning("Settings changed: press Reset to apply them.", dense=True, classes=["pt-pending"])
        solara.Markdown("**The five principles** (0 = transactional, 1 = fully changemaking)")
        for control in principle_controls():
            ControlWidget(control, current.value(control.name), setter(control.name))
        solara.Markdown("**Policy levers**")
        for control in policy_controls():
            ControlWidget(control, current.value(control.name), setter(control.name))
        with solara.Details("Population and horizon", expand=False):
            for control in structure_controls():
                ControlWidget(control, current.value(control.name), setter(control.name))


# --- run controls ------------------------------------------------------------------------------
@dataclass
class RunState:
    """The reactive handles a run's controls share (created by :func:`use_run`).

    Only components that read ``snapshot.value`` re-render on a step; the parent that owns
    the handles never reads it, so the settings panel is not rebuilt every quarter.
    """

    snapshot: solara.Reactive[Snapshot]
    playing: solara.Reactive[bool]
    play_interval: solara.Reactive[int]
    render_interval: solara.Reactive[int]
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

    def step() -> None:
        result = step_once(render_interval.value)
        if result is not None:
            snapshot.set(result)

    def play_loop() -> None:
        while playing.value:
            time.sleep(play_interval.value / 1000.0)
            if not playing.value:
                return
            result = step_once(render_interval.value)
            if result is None:
                return
            snapshot.set(result)
            if result.done:
                playing.set(False)

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)
    return RunState(snapshot, playing, play_interval, render_interval, step)


@solara.component
def RunButtons(run: RunState, on_reset: Callable[[], None], prefix: str = "pt") -> None:
    """Reset, Play/Pause and Step, plus the play and render intervals (Mesa's layout)."""
    playing = run.playing.value
    done = run.snapshot.value.done
    with solara.Row(gap="6px"):
        solara.Button("Reset", color="primary", on_click=on_reset, classes=[f"{prefix}-reset"])
        solara.Button("Pause" if playing else "Play", icon_name="mdi-pause" if playing else "mdi-play",
                      color="primary", on_click=lambda: run.playing.set(not run.playing.value),
                      disabled=done and not playing, classes=[f"{prefix}-play"])
        solara.Button("Step", color="primary", on_click=run.step, disabled=playing or done,
                      classes=[f"{prefix}-step"])
    solara.SliderInt("Play interval (ms)", value=run.play_interval, min=0, max=1000, step=50)
    solara.SliderInt("Render interval (quarters per step)", value=run.render_interval, min=1, max=20, step=1)


@solara.component
def RunCard(run: RunState, on_reset: Callable[[], None], error: solara.Reactive[str | None]) -> None:
    """Where the run is, and its buttons."""
    snapshot = run.snapshot.value
    with solara.Card("Run", margin=0):
        solara.Text(f"{snapshot.label} · quarter {snapshot.step} of {snapshot.horizon}",
                    classes=["pt-status"], style={"display": "block"})
        solara.Text(f"{snapshot.scenario_name}, seed {snapshot.seed}", classes=["pt-running"],
                    style={"font-size": "12px", "color": "#555", "display": "block"})
        RunButtons(run, on_reset)
        if error.value:
            solara.Error(error.value, classes=["pt-error"])


# --- views -------------------------------------------------------------------------------------
@solara.component
def KpiCards(snapshot: Snapshot) -> None:
    """The headline KPIs, each with its change since the start, coloured better or worse."""
    cards = []
    for reading in read_kpis(snapshot.frame):
        metric = reading.kpi.metric
        cards.append(
            f'<div class="pt-kpi pt-kpi-{metric}" title="{html.escape(reading.kpi.help)}">'
            f'<div class="pt-kpi-label">{html.escape(reading.kpi.label)}</div>'
            f'<div class="pt-kpi-value">{html.escape(reading.value_text)}</div>'
            f'<div class="pt-kpi-change pt-{reading.verdict}">{html.escape(reading.change_text)} since start</div>'
            "</div>"
        )
    solara.HTML(unsafe_innerHTML="".join(cards), classes=["pt-kpis"])


@solara.component
def EventFeed(snapshot: Snapshot, limit: int = 40) -> None:
    """The newest events first, in plain language."""
    events = snapshot.events.tail(limit).iloc[::-1]
    if events.empty:
        body = "<p>Nothing notable yet. Press Step or Play.</p>"
    else:
        body = "".join(
            f'<p class="pt-event pt-event-{html.escape(str(row.kind))}"><span class="pt-when">{html.escape(str(row.when))}:</span>'
            f"{html.escape(str(row.text))}</p>"
            for row in events.itertuples()
        )
    solara.Markdown("**What happened**")
    solara.HTML(unsafe_innerHTML=body, classes=["pt-feed"])


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
        width = 100.0 * share / widest * 0.62
        lines.append(
            f'<div class="pt-share-row pt-share-{html.escape(kind)}"><span class="pt-share-name" title="{html.escape(name)}">'
            f'{html.escape(name)}</span><span class="pt-share-bar" style="width:{width:.1f}%;background:{colour}"></span>'
            f"<span>{100 * share:.0f}%</span></div>"
        )
    key = "".join(f'<span style="color:{KIND_COLOURS[k]}">■</span>{KIND_LABELS[k]} ' for k in ("large", "sme"))
    lines.append(f'<div class="pt-share-key">{key}</div>')
    solara.HTML(unsafe_innerHTML="".join(lines), classes=["pt-share"])


@solara.component
def Downloads(settings: solara.Reactive[WorkshopSettings], snapshot: solara.Reactive[Snapshot]) -> None:
    """The current settings as a scenario file, and the run's per-step metrics as CSV.

    Both files are produced only when their button is pressed (lazy callables).
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
            solara.FileDownload(toml_text, filename=f"workshop_{current.scenario}.toml",
                                mime_type="application/toml",
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
            with solara.Column(gap="6px", style={"flex": "1 1 360px", "min-width": "320px"}):
                MarketShare(snapshot)
                EventFeed(snapshot)
        solara.Text(f"{snapshot.label}: charts drawn in {draw_ms:.0f} ms", classes=["pt-draw-time"],
                    style={"font-size": "11px", "color": "#999"})


@solara.component
def WorkshopView(settings: solara.Reactive[WorkshopSettings]) -> None:
    """The participant's world: controls on the left, KPIs, charts, network and events on the right.

    This component owns the session's simulation but reads neither the snapshot nor the pending
    settings while rendering, so a step or a slider move re-renders only what shows them.
    """
    first = solara.use_memo(lambda: _first_simulation(settings.peek()), [])
    simulation = solara.use_reactive(first)
    applied = solara.use_reactive(solara.use_memo(lambda: first_settings(settings.peek(), first), []))
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
            scenario = wanted.build()
        except ScenarioError as exc:
            error.set(str(exc))
            return
        fresh = Simulation(scenario, wanted.seed)
        simulation.set(fresh)
        applied.set(wanted)
        run.snapshot.set(fresh.snapshot)
        error.set(None)

    with solara.Row(gap="16px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(gap="8px", classes=["pt-controls"]):
            RunCard(run, reset, error)
            with solara.Card("Settings", margin=0):
                SettingsPanel(settings, applied)
            with solara.Card("Download", margin=0):
                Downloads(settings, run.snapshot)
        WorldDisplay(run.snapshot, charts)


def first_settings(wanted: WorkshopSettings, simulation: Simulation) -> WorkshopSettings:
    """The settings the first simulation was built from (the default if ``wanted`` was invalid)."""
    if simulation.seed == wanted.seed and simulation.scenario.name == wanted.scenario:
        return wanted
    return WorkshopSettings.from_scenario(DEFAULT_SCENARIO, DEFAULT_SEED)


YOUR_SETTINGS = "your settings"
"""The twin-world choice that stands for the Workshop tab's current settings."""


@dataclass(frozen=True)
class TwinPair:
    """The two simulations of a twin-worlds run (same seed)."""

    a: Simulation
    b: Simulation
    names: tuple[str, str]

    @property
    def done(self) -> bool:
        return self.a.done and self.b.done


def _twin_scenario(choice: str, settings: WorkshopSettings):
    if choice == YOUR_SETTINGS:
        return settings.build().model_copy(update={"name": YOUR_SETTINGS})
    return load_scenario(choice)


def make_twins(choice_a: str, choice_b: str, seed: int, settings: WorkshopSettings) -> TwinPair:
    """Two worlds built with the same seed; raises ScenarioError if 'your settings' are invalid."""
    return TwinPair(Simulation(_twin_scenario(choice_a, settings), seed),
                    Simulation(_twin_scenario(choice_b, settings), seed), (choice_a, choice_b))


@solara.component
def TwinWorldsView(settings: solara.Reactive[WorkshopSettings]) -> None:
    """Two configurations run side by side with the same seed, and where their KPIs diverge."""
    choice_a = solara.use_reactive("transactional")
    choice_b = solara.use_reactive("changemaking")
    seed = solara.use_reactive(DEFAULT_SEED)
    error = solara.use_reactive(None)
    first = solara.use_memo(lambda: make_twins("transactional", "changemaking", DEFAULT_SEED, settings.peek()), [])
    pair = solara.use_reactive(first)
    chart = solara.use_memo(TwinChart, [])
    stepped = solara.use_reactive((first.a.snapshot, first.b.snapshot))

    def step_once(quarters: int) -> Snapshot | None:
        current = pair.peek()
        a = current.a.step(quarters)
        b = current.b.step(quarters)
        if current is not pair.peek():
            return None
        stepped.set((a, b))
        return _longer(a, b)

    run = use_run(step_once, _longer(first.a.snapshot, first.b.snapshot))
    a_snap, b_snap = stepped.value

    def reset() -> None:
        run.playing.set(False)
        try:
            fresh = make_twins(choice_a.value, choice_b.value, seed.value, settings.peek())
        except ScenarioError as exc:
            error.set(str(exc))
            return
        pair.set(fresh)
        stepped.set((fresh.a.snapshot, fresh.b.snapshot))
        run.snapshot.set(_longer(fresh.a.snapshot, fresh.b.snapshot))
        error.set(None)

    def run_to_end() -> None:
        run.playing.set(False)
        current = pair.peek()
        a = current.a.step(10_000)
        b = current.b.step(10_000)
        if current is pair.peek():
            stepped.set((a, b))
            run.snapshot.set(_longer(a, b))

    image = solara.use_memo(lambda: chart.render_pair(a_snap, b_snap), [a_snap.id, b_snap.id])
    names = pair.value.names
    choices = [YOUR_SETTINGS, *scenario_names()]
    pending = (choice_a.value, choice_b.value) != names or seed.value != pair.value.a.seed

    with solara.Column(gap="10px", classes=["pt-twins"]):
        solara.Markdown(
            "Two worlds with **the same seed**: same places, same firms, same luck at the start. "
            "Any difference comes from the settings. Pick two configurations (*your settings* are the "
            "Workshop tab's), press Reset, then Play or Run to the end."
        )
        with solara.Row(gap="12px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select("World A", values=choices, value=choice_a, classes=["pt-twin-a"], style={"max-width": "220px"})
            solara.Select("World B", values=choices, value=choice_b, classes=["pt-twin-b"], style={"max-width": "220px"})
            solara.InputInt("Seed (both worlds)", value=seed, classes=["pt-twin-seed"], style={"max-width": "150px"})
            with solara.Column(gap="2px", style={"min-width": "320px"}):
                RunButtons(run, reset, prefix="pt-twin")
            solara.Button("Run to the end", on_click=run_to_end, outlined=True, classes=["pt-twin-end"],
                          disabled=run.playing.value or (a_snap.done and b_snap.done))
        if pending:
            solara.Warning("Choices changed: press Reset to run them.", dense=True)
        if error.value:
            solara.Error(error.value, classes=["pt-twin-error"])
        solara.Text(f"A: {names[0]} · B: {names[1]} · seed {pair.value.a.seed} · {b_snap.label} "
                    f"(quarter {b_snap.step} of {max(a_snap.horizon, b_snap.horizon)})",
                    classes=["pt-twin-status"], style={"font-weight": "600"})
        solara.Image(image, classes=["pt-chart", "pt-chart-twins"])
        DivergenceTable(a_snap, b_snap, names)


def _longer(a: Snapshot, b: Snapshot) -> Snapshot:
    """The snapshot whose run lasts longer: the pair is done when that one is."""
    return b if b.horizon >= a.horizon else a


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
            f'<tr class="pt-div-{d.kpi.metric}"><td>{html.escape(d.kpi.label)}</td>'
            f"<td>{html.escape(format_value(d.kpi.style, d.a))}</td><td>{html.escape(format_value(d.kpi.style, d.b))}</td>"
            f"<td>{html.escape(format_change(d.kpi.style, d.difference))}</td><td>{better}</td></tr>"
        )
    table.append("</table>")
    solara.HTML(unsafe_innerHTML=f"<ul>{sentences}</ul>{''.join(table)}", classes=["pt-divergence"])


@solara.component
def LeverGuide() -> None:
    """What each lever changes in the model, in plain language, with the schema's one-liner."""
    parts = ["### What the levers change in the model\n",
             "Each principle runs from 0 (transactional) to 1 (fully changemaking). "
             "The levers change *rules*, never outcomes: what happens is up to the agents.\n"]
    parts.append("#### The five principles\n")
    for control in principle_controls():
        parts.append(f"- **{control.label}**: {LEVER_NOTES[control.name]}\n")
    parts.append("\n#### Policy levers\n")
    for control in policy_controls():
        parts.append(f"- **{control.label}**: {LEVER_NOTES[control.name]}\n")
    parts.append("\n#### Reading the views\n"
                 "- **KPI cards** show the latest quarter and the change since the start, green when better.\n"
                 "- **Trust network**: councils (blue) sit on a map with their SMEs (green) above and community "
                 "groups (orange) below; large suppliers (red) ring the map, sized by contracts held. "
                 "Contract lines go from red (low trust) to green (high trust) and thicken with trust.\n"
                 "- **Cost per unit of quality** is value for money: lower is better.\n"
                 "- **HHI** measures market concentration, 0 to 10,000; above 2,500 is highly concentrated.\n")
    with solara.Column(classes=["pt-levers"], style={"max-width": "900px"}):
        solara.Markdown("".join(parts))
