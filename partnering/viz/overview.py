"""The facilitator's overview of the room: who played what, what followed, and what the people who
did better chose.

The same overview serves both ways of running a workshop. Without ``--room`` every participant has
a private world (a :class:`~partnering.viz.registry.World`); with ``--room`` each leads one council
of a shared world (a seat of a :class:`~partnering.viz.room.Room`). Both become :class:`Played`
records: a name, the participant's choices, and a quarterly frame of outcomes named as in the
metric catalogue, so the table, the spread chart, the comparison and the CSV are written once.
Pure functions of immutable views: no Solara, no live model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from partnering.model.catalogue import CATALOGUE, Metric
from partnering.model.events import quarter_label
from partnering.scenarios import PRINCIPLE_NAMES
from partnering.viz.controls import CONTROLLED, policy_controls, principle_controls
from partnering.viz.registry import World
from partnering.viz.room import COUNCIL_METRICS, MODES, RoomView, decisions_frame, mode_label
from partnering.viz.session import KPI_METRICS, KpiReading, read_kpis

ChoiceKind = Literal["level", "switch", "number", "share"]


@dataclass(frozen=True)
class Choice:
    """One thing a participant chose: a principle level, a policy switch or threshold, or the share
    of their reviews that went one way."""

    label: str
    value: float
    kind: ChoiceKind


def format_choice(kind: ChoiceKind, value: float) -> str:
    """A choice as the facilitator reads it: a level to two places, a switch or share in %."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind in ("switch", "share"):
        return f"{100 * value:.0f}%"
    if kind == "number":
        return f"{value:g}"
    return f"{value:.2f}"


@dataclass(frozen=True, eq=False)
class Played:
    """One participant as the facilitator sees them."""

    number: int
    """Order of arrival, from 1: the colour on the spread chart."""
    name: str
    where: str
    """The council they lead, or their world's scenario and seed."""
    step: int
    horizon: int
    start_year: int
    frame: pd.DataFrame
    """One row per quarter: ``step`` and every metric in ``metrics``."""
    metrics: tuple[str, ...]
    choices: tuple[Choice, ...]
    connected: bool = True

    @property
    def label(self) -> str:
        return quarter_label(self.step, self.start_year)

    def readings(self) -> list[KpiReading]:
        """Each outcome now and its change since the start, with the catalogue's verdict."""
        return read_kpis(self.frame, tuple(CATALOGUE[m] for m in self.metrics))

    def latest(self, metric: str) -> float:
        return float(self.frame[metric].iloc[-1])


# --- from the two kinds of workshop -----------------------------------------------------------
def world_choices(world: World) -> tuple[Choice, ...]:
    """The principle levels and policy levers of a private world's applied settings."""
    settings = world.settings
    out = [Choice(c.label, float(settings.value(c.name)), "level") for c in principle_controls()]
    for control in policy_controls():
        kind: ChoiceKind = "switch" if control.widget == "switch" else "number"
        out.append(Choice(control.label, float(settings.value(control.name)), kind))
    return tuple(out)


def played_worlds(worlds: Iterable[World], connected: Callable[[str], bool] = lambda _: True) -> list[Played]:
    """Every private world, with the workshop's headline KPIs."""
    out = []
    for world in worlds:
        snap = world.snapshot
        out.append(Played(world.number, world.name, f"{snap.scenario_name}, seed {snap.seed}", snap.step,
                          snap.horizon, snap.start_year, snap.frame[["step", *KPI_METRICS]], KPI_METRICS,
                          world_choices(world), connected(world.session)))
    return out


def mode_shares(view: RoomView, seat_id: int) -> dict[str, float]:
    """For each delivery mode, the share of the seat's reviews carried out that way (NaN when
    the seat has had no review yet)."""
    reviews = [d for d in view.decisions if d.seat == seat_id and d.kind == "review"]
    if not reviews:
        return dict.fromkeys(MODES, math.nan)
    return {mode: sum(d.taken == mode for d in reviews) / len(reviews) for mode in MODES}


def played_seats(view: RoomView, connected: Callable[[str | None], bool] = lambda _: True) -> list[Played]:
    """Every participant of the room, with their council's outcomes and choices."""
    out = []
    labels = {c.name.split(".", 1)[1]: c.label for c in principle_controls()}
    for seat in view.seats:
        frame = view.council_outcomes(seat.council_name)
        choices = [Choice(labels[name], float(seat.principles[name]), "level") for name in PRINCIPLE_NAMES]
        choices += [Choice(f"Reviews: {mode_label(mode)}", share, "share")
                    for mode, share in mode_shares(view, seat.id).items()]
        out.append(Played(seat.id, seat.name, seat.council_name, view.step, view.horizon, view.start_year, frame,
                          COUNCIL_METRICS, tuple(choices), connected(seat.session)))
    return out


# --- what the people who did better chose -----------------------------------------------------
@dataclass(frozen=True)
class ChoiceGap:
    """A choice's mean among those who did better and among the rest."""

    label: str
    kind: ChoiceKind
    better: float
    rest: float

    @property
    def difference(self) -> float:
        return self.better - self.rest


@dataclass(frozen=True)
class Comparison:
    """The better half of the room on one outcome against the rest, choice by choice."""

    metric: Metric
    better: tuple[str, ...]
    rest: tuple[str, ...]
    gaps: tuple[ChoiceGap, ...]

    def sentence(self, top: int = 3) -> str:
        """Plain words for the debrief: who did better and the widest gaps in what they chose."""
        if not self.better or not self.rest:
            return f"{self.metric.label}: the comparison needs at least two participants."
        direction = "higher" if self.metric.better == "higher" else "lower"
        widest = sorted((g for g in self.gaps if not math.isnan(g.difference) and g.difference != 0),
                        key=lambda g: -abs(g.difference) / (1.0 if g.kind != "number" else max(abs(g.better), abs(g.rest), 1e-9)))
        who = ", ".join(self.better)
        if not widest:
            return (f"Best on {self.metric.label.lower()} ({direction} is better): {who}. They chose the same as "
                    "the others on average.")
        parts = [f"{g.label.lower()} {format_choice(g.kind, g.better)} (others {format_choice(g.kind, g.rest)})"
                 for g in widest[:top]]
        return (f"Best on {self.metric.label.lower()} ({direction} is better): {who}. "
                f"On average they chose {'; '.join(parts)}.")


def rankable(metrics: Iterable[str]) -> list[str]:
    """The metrics with a better direction (a participant can do better or worse on them)."""
    return [m for m in metrics if CATALOGUE[m].better != "neither"]


def rank(played: list[Played], metric: str) -> list[Played]:
    """Best first on ``metric`` at the quarter each reached (ties in order of arrival)."""
    sign = -1.0 if CATALOGUE[metric].better == "higher" else 1.0
    return sorted(played, key=lambda p: (sign * p.latest(metric), p.number))


def compare(played: list[Played], metric: str) -> Comparison:
    """Split the room at the middle of ``metric`` (the better half rounded down, so with three
    participants one is compared with two) and average each choice in both groups."""
    kpi = CATALOGUE[metric]
    if len(played) < 2:
        return Comparison(kpi, tuple(p.name for p in played), (), ())
    ordered = rank(played, metric)
    cut = len(ordered) // 2
    better, rest = ordered[:cut], ordered[cut:]
    labels: dict[str, ChoiceKind] = {}
    for p in played:
        for choice in p.choices:
            labels.setdefault(choice.label, choice.kind)

    def mean(group: list[Played], label: str) -> float:
        values = [c.value for p in group for c in p.choices if c.label == label and not math.isnan(c.value)]
        return float(np.mean(values)) if values else math.nan

    gaps = tuple(ChoiceGap(label, kind, mean(better, label), mean(rest, label)) for label, kind in labels.items())
    return Comparison(kpi, tuple(p.name for p in better), tuple(p.name for p in rest), gaps)


# --- the room's data --------------------------------------------------------------------------
def worlds_csv(worlds: Iterable[World]) -> str:
    """Every private world's settings and quarterly metrics: one row per world and quarter."""
    frames = []
    for world in worlds:
        snap = world.snapshot
        frame = snap.frame.copy()
        leading = {"participant": world.name, "world": world.number, "scenario": world.settings.scenario,
                   "seed": world.settings.seed}
        leading.update({name: world.settings.value(name) for name in CONTROLLED})
        for position, (column, value) in enumerate(leading.items()):
            frame.insert(position, column, value)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["participant", "world", "scenario", "seed", *CONTROLLED, "step"]).to_csv(index=False)
    return pd.concat(frames, ignore_index=True).to_csv(index=False)


def room_csv(view: RoomView) -> str:
    """The shared world's councils, quarter by quarter: who led each (blank: the model's rules),
    its principles and its outcomes, with the room's scenario, seed, round and policy levers."""
    frame = view.history.copy()
    leading = {"round": view.round, "scenario": view.scenario_name, "seed": view.seed}
    for position, (column, value) in enumerate(leading.items()):
        frame.insert(position, column, value)
    for name, value in view.policy.items():
        frame[f"policy.{name}"] = value
    return frame.to_csv(index=False)


def decisions_csv(view: RoomView) -> str:
    """Every question the model asked a participant's council and what came of it."""
    return decisions_frame(view.decisions).to_csv(index=False)
