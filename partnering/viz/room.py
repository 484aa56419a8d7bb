"""The workshop room: one shared world, each participant leading one council, the facilitator's clock.

Participatory simulations (NetLogo's HubNet is the classic) let each person in a room play one
agent of a shared world while a facilitator runs the clock; the discussion is then about what the
room did. Here each participant takes a free council; the other councils follow the model's own
rules. At every make-or-buy review of a led council the model asks its leader
(:class:`SeatLeader`), which answers with the mode the participant chose beforehand for that
service, or with the model's own choice when they chose nothing or chose a mode the model does not
allow at that moment. So a slow participant never holds the clock up: the clock never waits for
anyone, and a decision not made in time is the model's.

Nothing here imports Solara: the room is a plain object that the pages share, tested and
benchmarked without a browser.

Two locks keep the clock and the participants apart. ``_model_lock`` guards the model; it is held
while a quarter is simulated and the room's view taken. ``_seats_lock`` guards the seats and what
their participants chose; a participant holds it only to copy a few values, never while the model
steps. Where both are needed the model lock is taken first.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

from partnering import PartneringModel
from partnering.model.catalogue import CATALOGUE, METRICS
from partnering.model.events import quarter_label
from partnering.scenarios import PRINCIPLE_NAMES, Scenario
from partnering.viz.feed import Feed
from partnering.viz.session import Quarterly

MODES: tuple[str, ...] = tuple(m.name.removeprefix("share_") for m in METRICS if m.group == "modes")
"""The delivery modes a review can choose, in the catalogue's order (in-house, outsourced,
co-commissioned, community)."""

COUNCIL_METRICS: tuple[str, ...] = ("service_quality", "unmet_need", "value_for_money", "public_trust",
                                    "trust_council_supplier", "share_in_house")
"""The outcomes of one council that the room shows, named and labelled as in the catalogue."""

FEED_LENGTH = 60
"""Events kept in the room's view."""

DEFAULT_SECONDS_PER_QUARTER = 5.0
"""How long the running clock waits between quarters: time to read the screen and decide."""

Status = Literal["waiting", "running", "paused", "ended"]


class RoomError(ValueError):
    """A request the room refuses (a taken council, an unknown service): one line for the page."""


def mode_label(mode: str) -> str:
    """'In-house', 'Outsourced', 'Co-commissioned', 'Community delivery': the catalogue's labels."""
    return CATALOGUE[f"share_{mode}"].label


_ACRONYMS = {"it": "IT"}


def service_label(service: str) -> str:
    """'adult_social_care' reads 'Adult social care', 'it_back_office' 'IT back office'."""
    words = [_ACRONYMS.get(word, word) for word in service.split("_")]
    first = words[0] if words[0].isupper() else words[0].capitalize()
    return " ".join([first, *words[1:]])


# --- one council's outcomes ------------------------------------------------------------------
def council_outcomes(council) -> dict[str, float]:
    """The outcomes of one council in the quarter just simulated, in the catalogue's terms.

    Each is the model-wide metric's definition restricted to this council's services: summing
    the parts over every council gives the model's own figure (a test checks it). Trust in
    suppliers is the mean over the firms the council contracts with.
    """
    need = delivered = quality = unmet = spend = in_house = weight = 0.0
    for slot in council.slots:
        need += slot.need_value
        delivered += slot.delivered_value
        quality += slot.delivered_quality
        unmet += slot.unmet_value
        spend += slot.spend
        in_house += slot.weight * (slot.mode == "in_house")  # a position counts its share of its service
        weight += slot.weight
    return {
        "service_quality": quality / delivered if delivered > 0 else 0.0,
        "unmet_need": min(1.0, unmet / need) if need > 0 else 0.0,
        "value_for_money": (spend + council.overhead_quarter) / quality if quality > 0 else 0.0,
        "public_trust": float(council.public_trust),
        "trust_council_supplier": float(council.trust_in_market()),
        "share_in_house": in_house / weight if weight > 0 else 0.0,
    }


# --- what the pages read ---------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceState:
    """One of a council's services as the participant sees it."""

    name: str
    mode: str
    review_step: int
    """The quarter at which its arrangement ends and the review comes (unless a stop-gap runs)."""
    due_next: bool
    """Reviewed next quarter (``Council.services_due_for_review(within=1)``)."""
    due_within_year: bool


@dataclass(frozen=True)
class CouncilState:
    """A council in the room's view: its principles now, its services, who leads it."""

    index: int
    name: str
    principles: dict[str, float]
    services: tuple[ServiceState, ...]
    led_by: str | None


@dataclass(frozen=True)
class Decision:
    """One question the model asked a participant's council, and what came of it."""

    step: int
    council: str
    participant: str
    service: str
    options: tuple[str, ...]
    model_choice: str
    wanted: str | None
    """What the participant had chosen for this service (None: they left it to the model)."""
    taken: str
    result: str = ""
    """The service's mode after the quarter (a tender with no bid leaves it in-house)."""
    kind: Literal["review", "invitation"] = "review"
    """A review of the council's own arrangement, or a neighbour asking it to commission jointly
    (declined: the arrangement stayed as it was)."""
    seat: int = 0
    """The id of the participant's seat."""
    position: int = 0
    """Which of the council's contract positions for the service was reviewed (its slot index)."""

    @property
    def by_participant(self) -> bool:
        """Whether the participant's own choice was carried out."""
        return self.wanted is not None and self.wanted == self.taken

    def sentence(self, start_year: int) -> str:
        """One line for the participant's log."""
        when = quarter_label(self.step, start_year)
        what = service_label(self.service)
        if self.kind == "invitation":
            return f"{when}: {what}: a neighbour asked to commission it jointly; your council answered {mode_label(self.taken)}."
        if self.wanted is None:
            chose = f"the model's rule chose {mode_label(self.taken)} (you had not chosen)"
        elif self.wanted == self.taken:
            chose = f"you chose {mode_label(self.taken)}"
        else:
            chose = (f"you chose {mode_label(self.wanted)}, which was not possible this time; "
                     f"the model's rule chose {mode_label(self.taken)}")
        outcome = "" if not self.result or self.result == self.taken else f"; it ended up {mode_label(self.result)}"
        return f"{when}: {what} was reviewed: {chose}{outcome}."


@dataclass(frozen=True)
class SeatState:
    """A participant and the council they lead, as the pages see them."""

    id: int
    name: str
    council: int
    council_name: str
    principles: dict[str, float]
    choices: dict[str, str]
    joined_step: int
    session: str | None


@dataclass(frozen=True, eq=False)
class RoomView(Quarterly):
    """Everything the pages draw from one moment of the room; never changed after it is taken.

    ``history`` has one row per council and quarter: who led it then, its principles and its
    outcomes (:data:`COUNCIL_METRICS`). ``world`` is the whole world's metrics frame.
    """

    version: int
    scenario_name: str
    seed: int
    step: int
    horizon: int
    start_year: int
    status: Status
    debrief: bool
    seconds_per_quarter: float
    round: int
    councils: tuple[CouncilState, ...]
    seats: tuple[SeatState, ...]
    history: pd.DataFrame
    world: pd.DataFrame
    decisions: tuple[Decision, ...]
    events: pd.DataFrame
    policy: dict[str, object]
    world_version: int
    """Changes only when the model stepped or a new round began: charts redraw only then."""
    series: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Each of :data:`COUNCIL_METRICS` as a table, one row per quarter and one column per council
    (taken once per quarter, for every page's charts and cards)."""

    @property
    def status_text(self) -> str:
        """'2025 Q3 · quarter 3 of 40 · paused': the same line on every screen in the room."""
        clock = {"waiting": "waiting for the facilitator to start",
                 "running": f"running, a quarter every {self.seconds_per_quarter:g} s",
                 "paused": "paused by the facilitator",
                 "ended": "the round is over"}[self.status]
        return f"{self.label} · quarter {self.step} of {self.horizon} · {clock}"

    def seat(self, seat_id: int) -> SeatState | None:
        return next((s for s in self.seats if s.id == seat_id), None)

    def council_history(self, council: str) -> pd.DataFrame:
        """The council's rows of ``history``: who led it, its principles and outcomes, by quarter."""
        return self.history[self.history["council"] == council].reset_index(drop=True)

    def council_outcomes(self, council: str) -> pd.DataFrame:
        """``step`` and each of :data:`COUNCIL_METRICS` for one council, by quarter."""
        steps = next(iter(self.series.values())).index
        return pd.DataFrame({"step": steps.to_numpy(), **{m: self.series[m][council].to_numpy() for m in COUNCIL_METRICS}})

    def free_councils(self) -> list[str]:
        return [c.name for c in self.councils if c.led_by is None]


# --- the seats and their leaders -------------------------------------------------------------
@dataclass
class Seat:
    """A participant holding a council (mutable, guarded by the room's seats lock)."""

    id: int
    name: str
    council: int
    joined_step: int
    session: str | None = None
    choices: dict[str, str] = field(default_factory=dict)
    """Service -> the mode the participant wants at its next review."""

    def state(self, council_name: str, principles: dict[str, float]) -> SeatState:
        return SeatState(self.id, self.name, self.council, council_name, dict(principles), dict(self.choices),
                         self.joined_step, self.session)


class SeatLeader:
    """The leader the model asks at a participant's council's reviews (``Council.leader``).

    It answers at once with what the participant stored for that service, when the model allows
    it, and otherwise with the model's own choice; it never waits for the participant.
    """

    def __init__(self, room: Room, seat: Seat) -> None:
        self.room = room
        self.seat = seat

    def choose_mode(self, council, slot, options: tuple[str, ...], default: str) -> str:
        service = slot.service.name
        with self.room._seats_lock:
            wanted = self.seat.choices.get(service)
            name = self.seat.name
        taken = wanted if wanted in options else default
        self.room._asked.append(Decision(int(council.model.now), council.name, name, service, tuple(options),
                                         default, wanted, taken, seat=self.seat.id, position=slot.index))
        return taken


# --- the room --------------------------------------------------------------------------------
class Room:
    """One shared world for a workshop room, its seats and its clock.

    The facilitator's page calls :meth:`start`, :meth:`pause`, :meth:`advance`, :meth:`end_round`,
    :meth:`show_debrief` and :meth:`new_round`; a participant's page calls :meth:`join`,
    :meth:`choose`, :meth:`set_principles` and :meth:`leave` for their own seat only. Every change
    makes a new :class:`RoomView` and wakes the pages waiting in :meth:`wait_for_change`.
    """

    def __init__(self, scenario: Scenario, seed: int, *, seconds_per_quarter: float = DEFAULT_SECONDS_PER_QUARTER) -> None:
        self.scenario = scenario
        self.seed = seed
        self._model_lock = threading.RLock()
        self._seats_lock = threading.Lock()
        self._feed: Feed[RoomView] | None = None
        self._world_version = 0
        self._seat_ids = itertools.count(1)
        self._seats: dict[int, Seat] = {}
        self._asked: list[Decision] = []
        self._status: Status = "waiting"
        self._debrief = False
        self._round = 1
        self._clock: threading.Thread | None = None
        self._clock_generation = 0
        self._wake = threading.Event()
        self.seconds_per_quarter = float(seconds_per_quarter)
        with self._model_lock:
            self._begin_round()

    # --- rounds and quarters -------------------------------------------------------------
    def _begin_round(self) -> None:
        """A fresh model with every seat's leader in place (called with the model lock held)."""
        self.model = PartneringModel(self.scenario, rng=self.seed)
        self._history: list[dict] = []
        self._decisions: list[Decision] = []
        self._asked = []
        with self._seats_lock:
            for seat in self._seats.values():
                self.model.councils[seat.council].leader = SeatLeader(self, seat)
        self._record_quarter()
        self._take_frames()
        self._publish()

    def _take_frames(self) -> None:
        """The world's metrics, its events and the councils' history, once per quarter."""
        self._world_frames = (self.model.metrics_frame(), self._events())
        self._history_frame = pd.DataFrame(self._history)
        self._series = {m: self._history_frame.pivot(index="step", columns="council", values=m)
                        for m in COUNCIL_METRICS}
        self._world_version += 1

    def _events(self) -> pd.DataFrame:
        return self.model.events.to_frame().tail(FEED_LENGTH).reset_index(drop=True)

    def _record_quarter(self) -> None:
        """One history row per council for the quarter just simulated."""
        with self._seats_lock:
            leaders = {seat.council: seat.name for seat in self._seats.values()}
        step = int(self.model.now)
        for index, council in enumerate(self.model.councils):
            row: dict[str, object] = {"step": step, "council": council.name, "place": int(council.place),
                                      "participant": leaders.get(index, "")}
            row.update({f"principles.{name}": float(council.principles[name]) for name in PRINCIPLE_NAMES})
            row.update(council_outcomes(council))
            self._history.append(row)

    def advance(self) -> bool:
        """Simulate one quarter for everyone; False when the round is over or at the horizon."""
        with self._model_lock:
            if self._status == "ended" or self.model.now >= self.scenario.run.steps:
                return False
            before = {(c.name, s.index): (s.term_end, s.mode) for c in self.model.councils
                      if c.leader is not None for s in c.slots}
            self._asked = []
            self.model.step()
            self._settle_decisions(before)
            self._record_quarter()
            self._take_frames()
            if self.model.now >= self.scenario.run.steps:
                self._status = "ended"
            elif self._status == "waiting":
                self._status = "paused"  # the facilitator moved the clock by hand
            self._publish()
            return True

    def _settle_decisions(self, before: dict[tuple[str, int], tuple[int, str]]) -> None:
        """Turn the questions of the quarter into decisions with their results, and use up each
        stored choice whose service got a new arrangement (it was for that quarter's reviews: a
        service bought as several contracts applies it to every one reviewed that quarter)."""
        by_name = {c.name: c for c in self.model.councils}
        latest: dict[tuple[str, int], Decision] = {}
        for asked in self._asked:  # a position asked twice in a quarter (an invitation, then its review): the last counts
            latest[asked.council, asked.position] = asked
        settled = []
        for (council_name, position), asked in latest.items():
            slot = by_name[council_name].slots[position]
            changed = before.get((council_name, position)) != (slot.term_end, slot.mode)
            settled.append(replace(asked, result=slot.mode, kind="review" if changed else "invitation"))
        with self._seats_lock:
            for decision in settled:
                seat = self._seats.get(decision.seat)
                if decision.kind == "review" and seat is not None:
                    seat.choices.pop(decision.service, None)
        self._decisions.extend(settled)
        self._asked = []

    def new_round(self, seed: int | None = None) -> None:
        """Start the world again from its first quarter (same seats; a new seed if given)."""
        self.pause()
        with self._model_lock:
            if seed is not None:
                self.seed = int(seed)
            self._round += 1
            self._status = "waiting"
            self._debrief = False
            with self._seats_lock:
                for seat in self._seats.values():
                    seat.choices.clear()
            self._begin_round()

    # --- the clock ------------------------------------------------------------------------
    @property
    def status(self) -> Status:
        return self._status

    def start(self, seconds_per_quarter: float | None = None) -> None:
        """Run the clock: a quarter now, then one every ``seconds_per_quarter``, until paused,
        ended or at the horizon."""
        with self._model_lock:
            if seconds_per_quarter is not None:
                self.seconds_per_quarter = max(0.1, float(seconds_per_quarter))
            if self._status == "ended" or self.model.now >= self.scenario.run.steps:
                return
            self._status = "running"
            self._clock_generation += 1
            generation = self._clock_generation
            self._wake.set()  # an older clock thread wakes, sees it is not current and ends
            self._wake = threading.Event()
            self._clock = threading.Thread(target=self._run_clock, args=(generation, self._wake),
                                           name=f"room-clock-{generation}", daemon=True)
            self._clock.start()
            self._publish()

    def _run_clock(self, generation: int, wake: threading.Event) -> None:
        while self._clock_generation == generation and self._status == "running":
            if not self.advance():
                break
            if wake.wait(self.seconds_per_quarter):
                break  # paused, ended, or a newer clock took over

    def pause(self) -> None:
        """Stop the clock after the quarter under way (if any)."""
        with self._model_lock:
            self._wake.set()
            if self._status == "running":
                self._status = "paused"
                self._publish()

    def set_speed(self, seconds_per_quarter: float) -> None:
        """Seconds between quarters while the clock runs (from the next wait)."""
        self.seconds_per_quarter = max(0.1, float(seconds_per_quarter))
        with self._model_lock:
            self._publish()

    def end_round(self) -> None:
        """Stop the clock for good in this round: the debrief follows."""
        with self._model_lock:
            self._wake.set()
            self._status = "ended"
            self._publish()

    def show_debrief(self, shown: bool = True) -> None:
        """Show (or hide) the debrief on every screen; showing it ends the round."""
        with self._model_lock:
            self._wake.set()
            self._status = "ended" if shown else self._status
            self._debrief = bool(shown)
            self._publish()

    def close(self) -> None:
        """Stop the clock (the server is shutting down)."""
        self.pause()
        clock = self._clock
        if clock is not None:
            clock.join(timeout=5)

    # --- seats ----------------------------------------------------------------------------
    def join(self, name: str, council: str | None = None, session: str | None = None) -> int:
        """Seat a participant at ``council`` (or the first free one); returns the seat's id.

        Two participants can never take the same council: the check and the taking happen under
        the model lock, which every join takes.
        """
        name = " ".join(str(name).split())[:40]
        if not name:
            raise RoomError("Please give your name, so the facilitator can tell who leads which council.")
        with self._model_lock:
            with self._seats_lock:
                same = next((s.name for s in self._seats.values() if s.name.casefold() == name.casefold()), None)
                if same is not None:
                    raise RoomError(f"Someone in the room is already called {same}; please add an initial.")
                taken = {s.council: s.name for s in self._seats.values()}
            names = [c.name for c in self.model.councils]
            if council is None:
                free = [i for i in range(len(names)) if i not in taken]
                if not free:
                    raise RoomError(f"All {len(names)} councils are taken; ask the facilitator for a bigger room.")
                index = free[0]
            else:
                if council not in names:
                    raise RoomError(f"There is no council called {council!r} in this room.")
                index = names.index(council)
                if index in taken:
                    raise RoomError(f"{council} is already led by {taken[index]}; please pick another council.")
            seat = Seat(next(self._seat_ids), name, index, int(self.model.now), session)
            with self._seats_lock:
                self._seats[seat.id] = seat
            self.model.councils[index].leader = SeatLeader(self, seat)
            self._publish()
            return seat.id

    def leave(self, seat_id: int) -> None:
        """Hand the seat's council back to the model's rules (a closed tab, or Leave). Idempotent."""
        with self._model_lock:
            with self._seats_lock:
                seat = self._seats.pop(seat_id, None)
            if seat is None:
                return
            self.model.councils[seat.council].leader = None
            self._publish()

    def _seat(self, seat_id: int) -> Seat:
        seat = self._seats.get(seat_id)
        if seat is None:
            raise RoomError("You no longer hold a council in this room; join again.")
        return seat

    def choose(self, seat_id: int, service: str, mode: str | None) -> None:
        """Store the mode the participant wants at the next review of ``service`` (None: let the
        model decide). Only the seat's own council's services are accepted."""
        if mode is not None and mode not in MODES:
            raise RoomError(f"{mode!r} is not a delivery mode; allowed: {', '.join(MODES)}")
        with self._model_lock:
            with self._seats_lock:
                seat = self._seat(seat_id)
                services = [s.service.name for s in self.model.councils[seat.council].slots]
                if service not in services:
                    raise RoomError(f"{service!r} is not one of your council's services.")
                if mode is None:
                    seat.choices.pop(service, None)
                else:
                    seat.choices[service] = mode
            self._publish()

    def set_principles(self, seat_id: int, levels: dict[str, float]) -> None:
        """Set the principle levels of the seat's own council; they apply from the next quarter."""
        with self._model_lock:
            with self._seats_lock:
                seat = self._seat(seat_id)
            try:
                self.model.councils[seat.council].set_principles({k: float(v) for k, v in levels.items()})
            except ValueError as exc:
                raise RoomError(str(exc)) from exc
            self._publish()

    def seat_ids(self) -> list[int]:
        with self._seats_lock:
            return sorted(self._seats)

    # --- views ----------------------------------------------------------------------------
    def _publish(self) -> None:
        """Take a new view (with the model lock held) and wake every page waiting for one."""
        model = self.model
        with self._seats_lock:
            seats = list(self._seats.values())
            leaders = {s.council: s.name for s in seats}
            councils = tuple(self._council_state(i, c, leaders.get(i)) for i, c in enumerate(model.councils))
            seat_states = tuple(s.state(councils[s.council].name, councils[s.council].principles) for s in seats)
        world, events = self._world_frames
        view = RoomView(
            version=self._feed.view.version + 1 if self._feed is not None else 1, scenario_name=self.scenario.name, seed=self.seed, step=int(model.now),
            horizon=int(self.scenario.run.steps), start_year=int(self.scenario.run.start_year), status=self._status,
            debrief=self._debrief, seconds_per_quarter=self.seconds_per_quarter, round=self._round,
            councils=councils, seats=seat_states, history=self._history_frame, world=world,
            decisions=tuple(self._decisions), events=events, policy=dict(self.scenario.policy.model_dump()),
            world_version=self._world_version, series=self._series,
        )
        if self._feed is None:
            self._feed = Feed(view)
        else:
            self._feed.publish(view)

    @staticmethod
    def _council_state(index: int, council, led_by: str | None) -> CouncilState:
        next_quarter = {s.service.name for s in council.services_due_for_review(within=1)}
        within_year = {s.service.name for s in council.services_due_for_review(within=4)}
        # a service is bought as a portfolio of contracts: show it once, in the mode that carries
        # most of its value, with its next review
        positions: dict[str, list] = {}
        for slot in council.slots:
            positions.setdefault(slot.service.name, []).append(slot)
        services = []
        for name, slots in positions.items():
            weight: dict[str, float] = {}
            for slot in slots:
                weight[slot.mode] = weight.get(slot.mode, 0.0) + slot.weight
            mode = max(weight, key=lambda m: (weight[m], m))
            services.append(ServiceState(name, mode, min(int(slot.term_end) for slot in slots), name in next_quarter,
                                         name in within_year))
        return CouncilState(index, council.name, dict(council.principles), tuple(services), led_by)

    @property
    def view(self) -> RoomView:
        """The latest view (a new object after every change)."""
        return self._feed.view

    def wait_for_change(self, version: int, timeout: float) -> RoomView:
        """The latest view, as soon as it is newer than ``version`` or after ``timeout`` seconds."""
        return self._feed.wait_for_change(version, timeout)


def decisions_frame(decisions: tuple[Decision, ...] | list[Decision]) -> pd.DataFrame:
    """The decisions as a table (one row each), for the room's download."""
    columns = ["step", "council", "participant", "service", "kind", "options", "model_choice", "wanted", "taken",
               "result"]
    rows = [{**{k: getattr(d, k) for k in columns if k != "options"}, "options": " ".join(d.options)}
            for d in decisions]
    return pd.DataFrame(rows, columns=columns)


def iter_led(view: RoomView) -> Iterator[tuple[SeatState, CouncilState]]:
    """Each seat with the council it leads, in the order they joined."""
    for seat in view.seats:
        yield seat, view.councils[seat.council]
