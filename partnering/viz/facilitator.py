"""The facilitator's page, ``/facilitator``: every participant's world (or, in a room, every
participant's council) in one table and one chart, what the people who did better chose, the
room's data as CSV and, in a room, the clock.

The page opens with the facilitator code printed when the server started. It follows the shared
state (:mod:`partnering.viz.live`) and so redraws when a participant steps, decides or leaves, and
it checks every few seconds which participants' tabs are still connected.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

import solara

from partnering.model.catalogue import CATALOGUE
from partnering.viz.access import MAX_ATTEMPTS, WRONG_CODE_PAUSE_S, matches
from partnering.viz.components import CSS, kpi_cards_html
from partnering.viz.hub import Hub, current_hub
from partnering.viz.live import use_follow, use_poll
from partnering.viz.overview import (
    Comparison,
    Played,
    compare,
    decisions_csv,
    format_choice,
    played_seats,
    played_worlds,
    rank,
    rankable,
    room_csv,
    worlds_csv,
)
from partnering.viz.participant import ROOM_CSS, ordinal
from partnering.viz.room import COUNCIL_METRICS, Room, RoomView, mode_label
from partnering.viz.room_charts import SpreadChart, participant_colour
from partnering.viz.session import KPI_METRICS, format_value, read_kpis
from partnering.viz.sessions import connected

TITLE = "Partnering workshop: facilitator"
SPREAD_WORLD_METRICS = ("service_quality", "unmet_need", "value_for_money", "trust_council_supplier")
SPREAD_ROOM_METRICS = ("service_quality", "unmet_need", "value_for_money", "public_trust")
CONNECTION_POLL_S = 2.0
SETTLE_S = 0.4
"""The facilitator's page draws a burst of changes (a room joining at once) once, this long after
the first; a participant's own page never waits."""

FACILITATOR_CSS = """
.pt-overview { overflow-x: auto; }
.pt-overview table { border-collapse: collapse; font-size: 12px; }
.pt-overview th { font-weight: 600; text-align: right; padding: 3px 6px; border-bottom: 2px solid #ddd;
                  vertical-align: bottom; }
.pt-overview td { text-align: right; padding: 3px 6px; border-bottom: 1px solid #eee; white-space: nowrap; }
.pt-overview td.pt-cell-name, .pt-overview td.pt-cell-where, .pt-overview td.pt-cell-notes,
.pt-overview th.pt-left { text-align: left; }
.pt-overview td.pt-cell-notes { white-space: normal; max-width: 260px; }
.pt-overview .pt-change { display: block; font-size: 10px; }
.pt-overview tr.pt-gone { color: #999; }
.pt-dot { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 4px; }
.pt-connected { font-size: 15px; font-weight: 600; }
.pt-code { font-size: 22px; font-weight: 700; letter-spacing: 3px; color: #0072B2; }
.pt-compare table { border-collapse: collapse; font-size: 13px; }
.pt-compare td, .pt-compare th { border-bottom: 1px solid #eee; padding: 3px 8px; text-align: right; }
.pt-compare td:first-child, .pt-compare th:first-child { text-align: left; }
"""


# --- pure HTML, tested without a browser ------------------------------------------------------
def overview_table_html(played: list[Played], notes: dict[int, str] | None = None, notes_title: str = "") -> str:
    """One row per participant: who, where, the quarter, their principle levels, a note (levers on,
    or reviews decided), and each outcome with its change since the start."""
    if not played:
        return "<p>Nobody has joined yet.</p>"
    levels = [c.label for c in played[0].choices if c.kind == "level"]
    metrics = played[0].metrics
    head = ['<th class="pt-left">#</th><th class="pt-left">participant</th><th class="pt-left">playing</th>'
            "<th>quarter</th>"]
    head += [f"<th>{html.escape(label)}</th>" for label in levels]
    if notes is not None:
        head.append(f'<th class="pt-left">{html.escape(notes_title)}</th>')
    head += [f'<th title="{html.escape(CATALOGUE[m].meaning)}">{html.escape(CATALOGUE[m].label)}</th>' for m in metrics]
    rows = [f"<tr>{''.join(head)}</tr>"]
    for p in played:
        gone = "" if p.connected else " pt-gone"
        status = "" if p.connected else " (disconnected)"
        cells = [f'<td class="pt-cell-number"><span class="pt-dot" style="background:{participant_colour(p.number)}">'
                 f"</span>{p.number}</td>",
                 f'<td class="pt-cell-name">{html.escape(p.name)}{status}</td>',
                 f'<td class="pt-cell-where">{html.escape(p.where)}</td>',
                 f'<td class="pt-cell-quarter">{html.escape(p.label)} (q{p.step})</td>']
        by_label = {c.label: c for c in p.choices}
        for i, label in enumerate(levels):
            choice = by_label.get(label)
            text = format_choice(choice.kind, choice.value) if choice else "–"
            cells.append(f'<td class="pt-cell-level pt-cell-level-{i}">{text}</td>')
        if notes is not None:
            cells.append(f'<td class="pt-cell-notes">{html.escape(notes.get(p.number, ""))}</td>')
        for reading in p.readings():
            cells.append(f'<td class="pt-cell-{reading.kpi.name}"><span class="pt-value">{html.escape(reading.value_text)}'
                         f'</span><span class="pt-change pt-{reading.verdict}">{html.escape(reading.change_text)}</span></td>')
        rows.append(f'<tr class="pt-row{gone}" data-name="{html.escape(p.name)}">{"".join(cells)}</tr>')
    return f"<table>{''.join(rows)}</table>"


def comparison_html(comparison: Comparison) -> str:
    """The better half against the rest, choice by choice, with the sentence for the debrief."""
    parts = [f'<p class="pt-compare-sentence">{html.escape(comparison.sentence())}</p>']
    if comparison.better and comparison.rest:
        parts.append(f"<table><tr><th>choice</th><th>better half ({len(comparison.better)})</th>"
                     f"<th>the rest ({len(comparison.rest)})</th></tr>")
        for gap in comparison.gaps:
            parts.append(f"<tr><td>{html.escape(gap.label)}</td><td>{format_choice(gap.kind, gap.better)}</td>"
                         f"<td>{format_choice(gap.kind, gap.rest)}</td></tr>")
        parts.append("</table>")
    return "".join(parts)


def levers_note(played_world) -> str:
    """The policy switches a world has on, by label ('none' when all are off)."""
    on = [c.label for c in played_world.choices if c.kind == "switch" and c.value]
    return ", ".join(on) if on else "none"


def reviews_note(view: RoomView, seat_id: int) -> str:
    """'3 reviews: 2 as you chose (In-house, Outsourced), 1 by the model'."""
    reviews = [d for d in view.decisions if d.seat == seat_id and d.kind == "review"]
    if not reviews:
        return "no review yet"
    mine = [d for d in reviews if d.by_participant]
    text = f"{len(reviews)} review{'s' if len(reviews) != 1 else ''}: {len(mine)} as they chose"
    if mine:
        text += f" ({', '.join(mode_label(d.taken) for d in mine[-3:])})"
    if len(reviews) > len(mine):
        text += f", {len(reviews) - len(mine)} by the model"
    return text


def led_against_model_html(view: RoomView) -> str:
    """The councils people led against those the model ran, on each outcome now (mean)."""
    latest = view.history[view.history["step"] == view.step]
    led_names = {s.council_name for s in view.seats}
    led = latest[latest["council"].isin(led_names)]
    model = latest[~latest["council"].isin(led_names)]
    if led.empty or model.empty:
        return ""
    rows = ["<tr><th>outcome (mean, now)</th><th>led by people</th><th>run by the model</th></tr>"]
    for metric in COUNCIL_METRICS:
        kpi = CATALOGUE[metric]
        rows.append(f"<tr><td>{html.escape(kpi.label)}</td><td>{_format(metric, led[metric].mean())}</td>"
                    f"<td>{_format(metric, model[metric].mean())}</td></tr>")
    return (f"<p><b>The {len(led)} councils led by people and the {len(model)} run by the model's rules</b></p>"
            f"<table>{''.join(rows)}</table>")


def _format(metric: str, value: float) -> str:
    return html.escape(format_value(CATALOGUE[metric].style, float(value)))


# --- the page -------------------------------------------------------------------------------
@solara.component
def FacilitatorPage() -> None:
    """``/facilitator``: asks for the facilitator code, then shows the room."""
    hub = current_hub()
    allowed = solara.use_reactive(False)
    solara.Title(TITLE)
    solara.Style(CSS + ROOM_CSS + FACILITATOR_CSS)
    with solara.Column(style={"padding": "8px 16px"}, gap="8px", classes=["pt-facilitator"]):
        if not allowed.value:
            CodeGate(hub, lambda: allowed.set(True))
        elif hub.room is not None:
            RoomConsole(hub, hub.room)
        else:
            WorldsConsole(hub)


@solara.component
def CodeGate(hub: Hub, on_open: Callable[[], None]) -> None:
    """The facilitator code, printed by ``partnering app`` when it started."""
    code = solara.use_reactive("")
    error = solara.use_reactive(None)
    attempts = solara.use_reactive(0)

    def check() -> None:
        if attempts.peek() >= MAX_ATTEMPTS:
            error.set("Too many wrong codes from this page; reload it to try again.")
            return
        if matches(code.peek(), hub.codes.facilitator):
            on_open()
            return
        attempts.set(attempts.peek() + 1)
        time.sleep(WRONG_CODE_PAUSE_S)
        error.set("That is not the facilitator code. It was printed where `partnering app` was started.")

    solara.HTML(unsafe_innerHTML=f"<h2>{TITLE}</h2>")
    with solara.Card("Facilitator code", margin=0, style={"max-width": "460px"}):
        solara.InputText("Facilitator code", value=code, continuous_update=True, password=True,
                         classes=["pt-facilitator-code"])
        solara.Button("Open", color="primary", on_click=check, classes=["pt-facilitator-open"])
        if error.value:
            solara.Error(error.value, classes=["pt-facilitator-error"])


@solara.component
def WorldsConsole(hub: Hub) -> None:
    """Without a room: every participant's private world, as they play it."""
    view = use_follow(hub.worlds, settle_s=SETTLE_S).value
    # polled so that a dropped connection shows without any other change; read again at each render
    use_poll(lambda: frozenset(w.session for w in hub.worlds.view.worlds if connected(w.session)), CONNECTION_POLL_S)
    played = played_worlds(view.worlds, connected)
    live = [p for p in played if p.connected]
    solara.HTML(unsafe_innerHTML=(
        f"<h2>{TITLE}</h2><p>Every participant's own world, live. Participants open "
        f"<b>{html.escape(hub.address)}</b>; each tab is a world of its own. Start the app with "
        "<code>partnering app --room</code> for one shared world where each participant leads a council.</p>"))
    solara.Text(f"{len(live)} connected · {len(played)} worlds open", classes=["pt-connected"])
    with solara.Card("Every world", margin=0):
        solara.HTML(unsafe_innerHTML=overview_table_html(played, {p.number: levers_note(p) for p in played},
                                                         "levers on"), classes=["pt-overview", "pt-worlds-table"])
    Spread(played, SPREAD_WORLD_METRICS, str(view.version))
    ComparisonCard(played, KPI_METRICS)
    with solara.Row(gap="8px"):
        solara.FileDownload(lambda: worlds_csv(hub.worlds.view.worlds), filename="workshop_worlds.csv",
                            mime_type="text/csv",
                            children=[solara.Button("Every world's settings and metrics (.csv)", icon_name="mdi-download",
                                                    outlined=True, classes=["pt-download-worlds"])])


@solara.component
def RoomConsole(hub: Hub, room: Room) -> None:
    """With a room: the clock, the room code, every participant's council, the debrief."""
    following = use_follow(room, settle_s=SETTLE_S)
    view = following.value
    use_poll(lambda: frozenset(s.session for s in room.view.seats if connected(s.session)), CONNECTION_POLL_S)
    played = played_seats(view, connected)
    free = len(view.councils) - len(view.seats)
    solara.HTML(unsafe_innerHTML=(
        f"<h2>{TITLE}: the room</h2><p>Participants open <b>{html.escape(hub.address)}</b> and enter the room code "
        f'<span class="pt-code pt-room-code">{html.escape(hub.codes.room)}</span></p>'))
    Clock(room, view, lambda: following.set(room.view))
    solara.Text(f"{len([p for p in played if p.connected])} connected · {len(view.seats)} of {len(view.councils)} "
                f"councils led by participants · {free} run by the model's rules", classes=["pt-connected"])
    if view.debrief:
        RoomDebrief(view, played)
    with solara.Card("Every participant's council", margin=0):
        solara.HTML(unsafe_innerHTML=overview_table_html(played, {p.number: reviews_note(view, p.number) for p in played},
                                                         "reviews"), classes=["pt-overview", "pt-room-table"])
        Release(room, view, lambda: following.set(room.view))
    Spread(played, SPREAD_ROOM_METRICS, f"{view.world_version}:{[s.id for s in view.seats]}")
    ComparisonCard(played, COUNCIL_METRICS)
    with solara.Row(gap="8px"):
        solara.FileDownload(lambda: room_csv(room.view), filename="room_councils.csv", mime_type="text/csv",
                            children=[solara.Button("Every council, quarter by quarter (.csv)", icon_name="mdi-download",
                                                    outlined=True, classes=["pt-download-room"])])
        solara.FileDownload(lambda: decisions_csv(room.view), filename="room_decisions.csv", mime_type="text/csv",
                            children=[solara.Button("Every review decision (.csv)", icon_name="mdi-download",
                                                    outlined=True, classes=["pt-download-decisions"])])


@solara.component
def Clock(room: Room, view: RoomView, refresh: Callable[[], None]) -> None:
    """Start, pause, advance a quarter, end the round, show the debrief, start a new round."""
    running = view.status == "running"
    over = view.status == "ended" or view.done

    def act(do: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            do()
            refresh()  # this page shows the change at once; the others follow the room
        return run

    with solara.Card("Clock", margin=0):
        solara.Text(view.status_text, classes=["pt-room-status"], style={"display": "block"})
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button("Start", icon_name="mdi-play", color="primary", on_click=act(room.start),
                          disabled=running or over, classes=["pt-clock-start"])
            solara.Button("Pause", icon_name="mdi-pause", color="primary", on_click=act(room.pause),
                          disabled=not running, classes=["pt-clock-pause"])
            # not redrawn here: the participants' pages draw the new quarter first, this page follows
            solara.Button("Advance one quarter", icon_name="mdi-skip-next", color="primary", on_click=room.advance,
                          disabled=running or over, classes=["pt-clock-advance"])
            solara.Button("End the round", outlined=True, on_click=act(room.end_round), disabled=view.status == "ended",
                          classes=["pt-clock-end"])
            solara.Button("Hide the debrief" if view.debrief else "Show the debrief", outlined=True,
                          on_click=act(lambda: room.show_debrief(not view.debrief)), classes=["pt-clock-debrief"])
            solara.Button("New round", outlined=True, on_click=act(room.new_round), classes=["pt-clock-new"])
        solara.SliderFloat(f"Seconds per quarter while running: {view.seconds_per_quarter:g}",
                           value=view.seconds_per_quarter, min=1.0, max=30.0, step=1.0,
                           on_value=lambda seconds: act(lambda: room.set_speed(seconds))(), thumb_label=True)
        solara.Text(f"{view.scenario_name}, seed {view.seed}, round {view.round}. Participants decide between "
                    "quarters; the clock never waits for them.", style={"font-size": "12px", "color": "#555"})


@solara.component
def Release(room: Room, view: RoomView, refresh: Callable[[], None]) -> None:
    """Hand a council back to the model (a participant who left without closing the tab)."""
    names = [s.name for s in view.seats]
    chosen = solara.use_reactive(None)
    if not names:
        return

    def release() -> None:
        seat = next((s for s in room.view.seats if s.name == chosen.peek()), None)
        if seat is not None:
            room.leave(seat.id)
        chosen.set(None)
        refresh()

    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.Select("Hand a council back to the model", values=names, value=chosen, classes=["pt-release-name"],
                      style={"max-width": "320px"})
        solara.Button("Hand back", outlined=True, on_click=release, disabled=chosen.value not in names,
                      classes=["pt-release"])


@solara.component
def Spread(played: list[Played], metrics: tuple[str, ...], version: str) -> None:
    """The room's spread of outcomes on one chart."""
    chart = solara.use_memo(lambda: SpreadChart(metrics), [metrics])
    png = solara.use_memo(lambda: chart.render_played(played), [version, len(played)])
    with solara.Card("The room's spread of outcomes", margin=0):
        solara.Image(png, classes=["pt-chart", "pt-chart-spread"])


@solara.component
def ComparisonCard(played: list[Played], metrics: tuple[str, ...]) -> None:
    """What the people who did better on one outcome chose, against the rest."""
    options = rankable(metrics)
    labels = {CATALOGUE[m].label: m for m in options}
    chosen = solara.use_reactive(CATALOGUE[options[0]].label)
    metric = labels.get(chosen.value, options[0])
    with solara.Card("What did the people who did better choose?", margin=0):
        solara.Select("Better on", values=list(labels), value=chosen, classes=["pt-compare-metric"],
                      style={"max-width": "320px"})
        solara.HTML(unsafe_innerHTML=comparison_html(compare(played, metric)), classes=["pt-compare"])


@solara.component
def RoomDebrief(view: RoomView, played: list[Played]) -> None:
    """The round's debrief: the world's headline outcomes, the ranking, led against model-run."""
    ordered = rank(played, "service_quality")
    ranking = "".join(f"<li>{ordinal(i)}: {html.escape(p.name)} ({html.escape(p.where)}), "
                      f"{_format('service_quality', p.latest('service_quality'))}</li>" for i, p in enumerate(ordered, 1))
    with solara.Card(f"Debrief: round {view.round}, {view.label}", margin=0, classes=["pt-debrief"]):
        solara.Text("The whole world, since the start:", style={"font-weight": "600"})
        solara.HTML(unsafe_innerHTML=kpi_cards_html(read_kpis(view.world)), classes=["pt-kpis", "pt-world-kpis"])
        solara.HTML(unsafe_innerHTML=(
            f"<p><b>{html.escape(CATALOGUE['service_quality'].label)}, best first</b></p><ol>{ranking}</ol>"
            f"{led_against_model_html(view)}"))
