"""A participant's page in the room (``partnering app --room``): join with the room code, lead one
council, decide, and watch what follows.

The page changes only the participant's own seat: principle levels for their council and, for each
of its services, the delivery mode they want at its next review. Their choices are stored in the
room at once and used when the facilitator's clock reaches the review; the page never holds the
clock. Closing the tab hands the council back to the model's own rules.

CSS classes prefixed ``pt-`` mark what the browser tests and the guide's screenshots look for.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

import solara

from partnering.model.catalogue import CATALOGUE
from partnering.model.events import quarter_label
from partnering.viz.access import MAX_ATTEMPTS, WRONG_CODE_PAUSE_S, matches
from partnering.viz.components import CSS, ControlWidget, kpi_cards_html
from partnering.viz.controls import principle_controls
from partnering.viz.hub import Hub, current_hub
from partnering.viz.live import use_follow
from partnering.viz.overview import compare, played_seats, rank
from partnering.viz.room import (
    COUNCIL_METRICS,
    MODES,
    CouncilState,
    Room,
    RoomError,
    RoomView,
    SeatState,
    ServiceState,
    mode_label,
    service_label,
)
from partnering.viz.room_charts import CouncilChart
from partnering.viz.session import read_kpis
from partnering.viz.sessions import current_session

ANY_COUNCIL = "Any free council"
MODEL_DECIDES = "Model decides"

ROOM_CSS = """
.pt-room-status { font-size: 15px; font-weight: 600; }
.pt-services table { border-collapse: collapse; font-size: 13px; width: 100%; }
.pt-services td { border-bottom: 1px solid #eee; padding: 2px 4px; vertical-align: middle; }
.pt-service-name { font-weight: 600; }
.pt-due-badge { background: #fff3cd; color: #7a5a00; border-radius: 4px; padding: 0 4px; font-size: 11px; }
.pt-decisions { max-height: 260px; overflow-y: auto; font-size: 13px; border: 1px solid #eee; padding: 4px 8px; }
.pt-decisions p { margin: 2px 0; }
.pt-debrief { border: 2px solid #0072B2; border-radius: 6px; padding: 8px 12px; background: #f5f9fc; }
.pt-debrief table { border-collapse: collapse; font-size: 13px; }
.pt-debrief td, .pt-debrief th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: right; }
.pt-debrief td:first-child, .pt-debrief th:first-child { text-align: left; }
"""


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def review_text(service: ServiceState, view: RoomView) -> str:
    """When the service's next review comes, in words."""
    if service.due_next:
        return "review next quarter"
    quarters = service.review_step - view.step
    if quarters <= 0:
        return "review pending"
    if service.due_within_year:
        return f"review in {quarters} quarters"
    return f"next review {quarter_label(service.review_step, view.start_year)}"


def participant_key(seat_id: int | None) -> Callable[[RoomView], object]:
    """What a participant's page shows from a view: the join form's free councils, or their desk.

    Another participant's choice or principle changes nothing on this page, so it is ignored.
    """
    def key(view: RoomView) -> object:
        seat = view.seat(seat_id) if seat_id is not None else None
        if seat is None:
            return ("join", tuple(view.free_councils()), view.round)
        return ("desk", view.world_version, view.status, view.debrief, view.seconds_per_quarter, view.round,
                seat.principles, seat.choices, seat.name)
    return key


@solara.component
def RoomPage() -> None:
    """``/`` in room mode: the join form until the participant holds a council, then their desk."""
    hub = current_hub()
    room = hub.room
    assert room is not None
    holder = solara.use_memo(lambda: {"seat": None}, [])
    seat_id = solara.use_reactive(None)
    session = solara.use_memo(current_session, [])
    view = use_follow(room, lambda v: participant_key(holder["seat"])(v))
    notice = solara.use_reactive(None)

    def hand_back_on_close():
        def cleanup() -> None:
            if holder["seat"] is not None:
                room.leave(holder["seat"])
        return cleanup

    solara.use_effect(hand_back_on_close, [])

    def joined(new_seat: int) -> None:
        holder["seat"] = new_seat
        seat_id.set(new_seat)
        notice.set(None)
        view.set(room.view)

    def left() -> None:
        if holder["seat"] is not None:
            room.leave(holder["seat"])
        holder["seat"] = None
        seat_id.set(None)
        view.set(room.view)

    current = view.value
    seat = current.seat(seat_id.value) if seat_id.value is not None else None
    lost = seat_id.value is not None and seat is None

    def forget_lost_seat() -> None:
        if lost:  # the facilitator handed the council back
            holder["seat"] = None
            seat_id.set(None)
            notice.set("The facilitator handed your council back to the model's rules. You can join again.")

    solara.use_effect(forget_lost_seat, [lost])
    solara.Title("Partnering workshop room")
    solara.Style(CSS + ROOM_CSS)
    with solara.Column(style={"padding": "8px 16px"}, gap="6px"):
        if seat is None:
            JoinForm(hub, current, session, joined, notice.value)
        else:
            CouncilDesk(room, current, seat, left)


@solara.component
def JoinForm(hub: Hub, view: RoomView, session: str, on_joined: Callable[[int], None], notice: str | None) -> None:
    """Room code, name and council: the participant takes a free council."""
    code = solara.use_reactive("")
    name = solara.use_reactive("")
    council = solara.use_reactive(ANY_COUNCIL)
    error = solara.use_reactive(None)
    attempts = solara.use_reactive(0)
    room = hub.room
    assert room is not None

    def join() -> None:
        if attempts.peek() >= MAX_ATTEMPTS:
            error.set("Too many wrong codes from this page: ask the facilitator for the room code, then reload.")
            return
        if not matches(code.peek(), hub.codes.room):
            attempts.set(attempts.peek() + 1)
            time.sleep(WRONG_CODE_PAUSE_S)
            error.set("That is not this room's code: it is on the facilitator's screen.")
            return
        wanted = council.peek()
        try:
            seat = room.join(name.peek(), None if wanted == ANY_COUNCIL else wanted, session)
        except RoomError as exc:
            error.set(str(exc))
            return
        error.set(None)
        on_joined(seat)

    free = view.free_councils()
    solara.HTML(unsafe_innerHTML=(
        "<h2>Partnering workshop room</h2><p>Everyone in the room plays in <b>one shared world</b>. You lead one "
        "council: you set its five principles and decide, when one of its services comes up for review, whether "
        "to run it in-house, outsource it, commission it with a neighbour or hand it to a community group. "
        "The councils nobody leads follow the model's own rules. The facilitator runs the clock.</p>"))
    if notice:
        solara.Info(notice, classes=["pt-join-notice"])
    with solara.Card("Join the room", margin=0, style={"max-width": "520px"}):
        solara.InputText("Room code (on the facilitator's screen)", value=code, continuous_update=True,
                         classes=["pt-join-code"])
        solara.InputText("Your name", value=name, continuous_update=True, classes=["pt-join-name"])
        solara.Select("Council", values=[ANY_COUNCIL, *free], value=council, classes=["pt-join-council"])
        solara.Text(f"{len(free)} of {len(view.councils)} councils are free.", classes=["pt-free-count"],
                    style={"font-size": "12px", "color": "#555"})
        solara.Button("Join", color="primary", on_click=join, disabled=not free, classes=["pt-join"])
        if error.value:
            solara.Error(error.value, classes=["pt-join-error"])


def council_readings(view: RoomView, council: str):
    """The council's outcomes now and since the start (catalogue labels and directions)."""
    return read_kpis(view.council_outcomes(council), tuple(CATALOGUE[m] for m in COUNCIL_METRICS))


@solara.component
def CouncilDesk(room: Room, view: RoomView, seat: SeatState, on_leave: Callable[[], None]) -> None:
    """The participant's council: where the clock is, its outcomes, their decisions.

    The controls are components of their own whose arguments change only when what they show
    changes, so a new quarter redraws the status, the cards, the chart and the log, not every
    slider and select.
    """
    council = view.councils[seat.council]
    chart = solara.use_memo(CouncilChart, [])
    png = solara.use_memo(lambda: chart.render_council(view, council.name),
                          [view.world_version, view.round, council.name])
    with solara.Row(gap="12px", style={"align-items": "baseline", "flex-wrap": "wrap"}):
        solara.HTML(tag="h2", unsafe_innerHTML=f"You lead {html.escape(council.name)}", classes=["pt-room-council"])
        solara.Text(f"({seat.name})", classes=["pt-room-name"], style={"color": "#555"})
        solara.Button("Leave the council", text=True, on_click=on_leave, classes=["pt-leave"])
    solara.Text(view.status_text, classes=["pt-room-status"], style={"display": "block"})
    if view.debrief:
        ParticipantDebrief(view, seat)
    solara.HTML(unsafe_innerHTML=kpi_cards_html(council_readings(view, council.name)), classes=["pt-kpis"])
    with solara.Row(gap="16px", style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(gap="8px", style={"width": "440px", "min-width": "400px", "flex": "0 0 440px"}):
            Principles(room, seat.id, tuple(council.principles.items()))
            with solara.Card("Reviews: what you want", margin=0):
                solara.Text("Your choice is used at the service's next review if the model allows it then (a "
                            "neighbour ready to commission jointly, a community group able to take it on); otherwise "
                            "the model's rule decides. Nobody waits for you: a review with no choice is the model's.",
                            style={"font-size": "12px", "color": "#555"})
                with solara.Column(gap="0px", classes=["pt-services"]):
                    for service in sorted(council.services, key=lambda s: s.review_step):  # soonest first
                        ServiceRow(room, seat.id, service, seat.choices.get(service.name), review_text(service, view))
        with solara.Column(gap="8px", style={"flex": "1 1 auto", "min-width": "0"}):
            solara.Image(png, classes=["pt-chart", "pt-chart-council"])
            Decisions(view, council)


def _refused(do: Callable[[], None], error: solara.Reactive) -> None:
    """Carry out a participant's change; a refusal (the seat was handed back) is shown, not raised."""
    try:
        do()
        error.set(None)
    except RoomError as exc:
        error.set(str(exc))


@solara.component
def Principles(room: Room, seat_id: int, levels: tuple[tuple[str, float], ...]) -> None:
    """The council's five principle sliders; a change applies from the next quarter."""
    error = solara.use_reactive(None)
    current = dict(levels)
    with solara.Card("Your council's principles", margin=0):
        solara.Text("0 = transactional, 1 = fully changemaking; they apply from the next quarter.",
                    style={"font-size": "12px", "color": "#555"})
        for control in principle_controls():
            name = control.name.split(".", 1)[1]

            def set_level(value: float, name: str = name) -> None:
                _refused(lambda: room.set_principles(seat_id, {name: float(value)}), error)

            ControlWidget(control, current[name], set_level)
        if error.value:
            solara.Error(error.value, classes=["pt-room-error"])


@solara.component
def ServiceRow(room: Room, seat_id: int, service: ServiceState, wanted: str | None, review: str) -> None:
    """One service, its mode now, when it is reviewed, and the mode the participant wants then."""
    error = solara.use_reactive(None)
    by_label = {mode_label(m): m for m in MODES}

    def choose(label: str) -> None:
        _refused(lambda: room.choose(seat_id, service.name, by_label.get(label)), error)

    due = " pt-due" if service.due_next else ""
    badge = ' <span class="pt-due-badge">next quarter</span>' if service.due_next else ""
    with solara.Row(gap="6px", style={"align-items": "center", "border-bottom": "1px solid #eee"},
                    classes=[f"pt-service pt-service-{service.name}{due}"]):
        solara.HTML(unsafe_innerHTML=(
            f'<div class="pt-service-name">{html.escape(service_label(service.name))}{badge}</div>'
            f'<div style="font-size:11px;color:#555"><span class="pt-service-mode">'
            f"{html.escape(mode_label(service.mode))}</span> · {html.escape(review)}</div>"),
            style={"flex": "1 1 auto"})
        solara.Select("At its review", values=[MODEL_DECIDES, *by_label], value=mode_label(wanted) if wanted else MODEL_DECIDES,
                      on_value=choose, dense=True, classes=[f"pt-choice pt-choice-{service.name}"],
                      style={"max-width": "170px"})
    if error.value:
        solara.Error(error.value, classes=["pt-room-error"])


@solara.component
def Decisions(view: RoomView, council: CouncilState) -> None:
    """What happened at the council's reviews, and the world's events that named it, newest first."""
    mine = [d for d in view.decisions if d.council == council.name]
    lines = ["<p><b>Your council's reviews</b> (newest first)</p>"]
    if not mine:
        lines.append("<p>No review yet. Services marked <i>next quarter</i> are reviewed when the clock moves on.</p>")
    lines += [f'<p class="pt-decision">{html.escape(d.sentence(view.start_year))}</p>' for d in reversed(mine[-30:])]
    events = view.events[view.events["council"] == council.name] if not view.events.empty else view.events
    if not events.empty:
        lines.append("<p><b>In the world, about your council</b></p>")
        lines += [f'<p class="pt-event"><b>{html.escape(str(when))}:</b> {html.escape(str(text))}</p>'
                  for when, text in zip(events["when"][::-1], events["text"][::-1], strict=True)]
    solara.HTML(unsafe_innerHTML="".join(lines), classes=["pt-decisions"])


@solara.component
def ParticipantDebrief(view: RoomView, seat: SeatState) -> None:
    """The round is over: where the participant's council stands among the room's, and what the
    people who did better chose."""
    played = played_seats(view)
    rows = []
    for metric in COUNCIL_METRICS:
        kpi = CATALOGUE[metric]
        if kpi.better == "neither":
            continue
        ordered = rank(played, metric)
        place = next(i for i, p in enumerate(ordered, 1) if p.number == seat.id)
        rows.append(f"<tr><td>{html.escape(kpi.label)}</td><td>{ordinal(place)} of {len(ordered)}</td></tr>")
    sentence = compare(played, "service_quality").sentence()
    solara.HTML(unsafe_innerHTML=(
        f"<h3>Debrief: round {view.round}, {html.escape(view.label)}</h3>"
        f"<p>Your council among the {len(played)} led by people in the room:</p>"
        f"<table><tr><th>outcome</th><th>your place</th></tr>{''.join(rows)}</table>"
        f"<p class='pt-debrief-sentence'>{html.escape(sentence)}</p>"), classes=["pt-debrief"])
