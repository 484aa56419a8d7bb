"""One participant's simulation, the immutable snapshots the page draws, KPIs and divergence.

Each browser session owns its own :class:`Simulation`; nothing here is module-level state. The
page never reads the live model: Play steps it in a worker thread, so every step ends by taking
a :class:`Snapshot` (a copy of what the views need) under the simulation's lock, and the views
draw only snapshots. A half-stepped model is therefore never drawn.
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from partnering import PartneringModel
from partnering.experiments.stats import Difference, Interval
from partnering.model.catalogue import CATALOGUE, Metric, Style
from partnering.model.events import quarter_label
from partnering.scenarios import Scenario

FEED_LENGTH = 200
"""Events kept in a snapshot for the feed (the newest)."""

_snapshot_ids = itertools.count(1)


@dataclass(frozen=True)
class SupplierLoad:
    """A firm's contracted value, for the market-share chart."""

    name: str
    kind: str
    load: float


class Quarterly:
    """Where a run is, for a view that has ``step``, ``horizon`` and ``start_year``."""

    step: int
    horizon: int
    start_year: int

    @property
    def label(self) -> str:
        """'2027 Q3' for the quarter just finished ('2025 start' before the first step)."""
        return quarter_label(self.step, self.start_year)

    @property
    def done(self) -> bool:
        """Whether the run has reached the scenario's horizon."""
        return self.step >= self.horizon


@dataclass(frozen=True, eq=False)
class Snapshot(Quarterly):
    """What the views need from one moment of a run; never changed after it is taken."""

    id: int
    scenario_name: str
    seed: int
    step: int
    horizon: int
    start_year: int
    frame: pd.DataFrame
    events: pd.DataFrame
    network: nx.Graph
    places: np.ndarray | None
    suppliers: tuple[SupplierLoad, ...]

    def csv(self) -> str:
        """The per-step metrics as CSV, the same columns as ``partnering run --out FILE.csv``."""
        return self.frame.to_csv(index=False)


def take_snapshot(model: PartneringModel, seed: int) -> Snapshot:
    """Copy what the views draw out of the model (cheap: a few milliseconds)."""
    cfg = model.config
    events = model.events.to_frame().tail(FEED_LENGTH).reset_index(drop=True)
    positions = getattr(model, "positions", None)
    suppliers = tuple(SupplierLoad(s.name, s.kind, float(s.load)) for s in model.suppliers)
    return Snapshot(
        id=next(_snapshot_ids),
        scenario_name=cfg.name,
        seed=seed,
        step=int(model.now),
        horizon=int(cfg.run.steps),
        start_year=int(cfg.run.start_year),
        frame=model.metrics_frame(),
        events=events,
        network=model.network,
        places=None if positions is None else np.array(positions, dtype=float, copy=True),
        suppliers=suppliers,
    )


class Simulation:
    """One participant's model, the lock that keeps Play's thread and the page apart, and the
    latest snapshot."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.lock = threading.Lock()
        self.model = PartneringModel(scenario, rng=seed)
        self.snapshot = take_snapshot(self.model, seed)

    @property
    def done(self) -> bool:
        return self.snapshot.done

    def step(self, quarters: int = 1) -> Snapshot:
        """Advance up to ``quarters`` quarters (never past the horizon) and take a snapshot."""
        with self.lock:
            for _ in range(max(1, quarters)):
                if self.model.now >= self.scenario.run.steps:
                    break
                self.model.step()
            self.snapshot = take_snapshot(self.model, self.seed)
            return self.snapshot


def market_shares(suppliers: tuple[SupplierLoad, ...], top: int = 10) -> list[tuple[str, str, float]]:
    """(name, kind, share of contracted value) for the ``top`` largest firms, the rest pooled as
    ("N other firms", "other", share); empty when no firm holds a contract."""
    rows = sorted((s for s in suppliers if s.load > 0), key=lambda s: (-s.load, s.name))
    total = sum(s.load for s in rows)
    if total <= 0:
        return []
    out = [(s.name, s.kind, s.load / total) for s in rows[:top]]
    rest = rows[top:]
    if rest:
        out.append((f"{len(rest)} other firms", "other", sum(s.load for s in rest) / total))
    return out


# --- KPIs --------------------------------------------------------------------------------------
Kpi = Metric
"""A headline card: the metric's catalogue entry (label, direction, style and meaning)."""

KPI_METRICS: tuple[str, ...] = ("service_quality", "unmet_need", "value_for_money", "trust_council_supplier", "hhi",
                                "sme_share", "supplier_failures")
"""The metrics a workshop shows as cards, in order: a choice of the view, described in the catalogue."""

KPIS: tuple[Kpi, ...] = tuple(CATALOGUE[name] for name in KPI_METRICS)

#: Minimum scale of each style when judging whether two values differ materially.
_SCALE_FLOOR: dict[str, float] = {"index": 0.1, "share": 0.05, "money": 0.1, "count": 1.0, "hhi": 100.0, "ratio": 0.1}


def format_value(style: Style, value: float) -> str:
    """A KPI value as a participant reads it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if style == "share":
        return f"{100 * value:.1f}%"
    if style == "money":
        return f"£{value:.2f}"
    if style in ("count", "hhi"):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def format_change(style: Style, change: float) -> str:
    """A change in a KPI, signed, in the KPI's own units (percentage points for shares).

    A change that rounds to nothing prints without a sign, so "−£0.00" never appears.
    """
    if isinstance(change, float) and math.isnan(change):
        return "–"
    scale, digits = {"share": (100.0, 1), "money": (1.0, 2), "count": (1.0, 0), "hhi": (1.0, 0)}.get(style, (1.0, 2))
    shown = round(scale * change, digits)
    if shown == 0:
        zero = f"{0:.{digits}f}"
        return {"share": f"{zero} pts", "money": f"£{zero}"}.get(style, zero)
    if style == "share":
        return f"{shown:+.1f} pts"
    if style == "money":
        return f"{'+' if shown > 0 else '−'}£{abs(shown):.2f}"
    if style in ("count", "hhi"):
        return f"{shown:+,.0f}"
    return f"{shown:+.2f}"


@dataclass(frozen=True)
class KpiReading:
    """A KPI's value now, at the start, and whether the change is for the better."""

    kpi: Kpi
    value: float
    start: float
    verdict: Literal["better", "worse", "same"]

    @property
    def change(self) -> float:
        return self.value - self.start

    @property
    def value_text(self) -> str:
        return format_value(self.kpi.style, self.value)

    @property
    def change_text(self) -> str:
        return format_change(self.kpi.style, self.change)


def _verdict(kpi: Kpi, change: float) -> Literal["better", "worse", "same"]:
    """Better or worse by the KPI's direction; "same" when the change is too small to print."""
    if math.isnan(change) or not format_change(kpi.style, change).startswith(("+", "−", "-")):
        return "same"
    improved = change > 0 if kpi.better == "higher" else change < 0
    return "better" if improved else "worse"


def read_kpis(frame: pd.DataFrame, kpis: tuple[Kpi, ...] = KPIS) -> list[KpiReading]:
    """Each KPI's latest value and its change since the frame's first row (step 0)."""
    first, last = frame.iloc[0], frame.iloc[-1]
    readings = []
    for kpi in kpis:
        value, start = float(last[kpi.name]), float(first[kpi.name])
        readings.append(KpiReading(kpi, value, start, _verdict(kpi, value - start)))
    return readings


# --- twin worlds -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Divergence:
    """How far one KPI has drifted apart between two worlds run with the same seed."""

    kpi: Kpi
    a: float
    b: float
    gap: float
    apart_since: int | None
    favours: Literal["a", "b", "neither"]

    @property
    def difference(self) -> float:
        """World B minus world A, in the KPI's units."""
        return self.b - self.a


def relative_gap(style: Style, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| relative to the larger magnitude, floored per style so small values don't blow up."""
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), _SCALE_FLOOR[style])
    return np.abs(a - b) / scale


def divergence(frame_a: pd.DataFrame, frame_b: pd.DataFrame, threshold: float = 0.05) -> list[Divergence]:
    """Each KPI's latest values in both worlds and the step from which they stay apart.

    Two values count as apart when they differ by at least ``threshold`` of the larger one (by
    at least one for counts). The list is sorted with the widest gap first, so the page can say
    where the worlds diverge most.
    """
    n = min(len(frame_a), len(frame_b))
    out = []
    for kpi in KPIS:
        a = frame_a[kpi.name].to_numpy(dtype=float)[:n]
        b = frame_b[kpi.name].to_numpy(dtype=float)[:n]
        if kpi.style == "count":
            apart = np.abs(a - b) >= 1.0
            gaps = np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
        else:
            gaps = relative_gap(kpi.style, a, b)
            apart = gaps >= threshold
        since = None
        if n and apart[-1]:
            together = np.flatnonzero(~apart)
            since = int(together[-1] + 1) if together.size else 0
        favours: Literal["a", "b", "neither"] = "neither"
        if n and apart[-1]:
            b_better = b[-1] > a[-1] if kpi.better == "higher" else b[-1] < a[-1]
            favours = "b" if b_better else "a"
        out.append(Divergence(kpi, float(a[-1]) if n else math.nan, float(b[-1]) if n else math.nan,
                              float(gaps[-1]) if n else 0.0, since, favours))
    out.sort(key=lambda d: (d.apart_since is None, -d.gap))
    return out


def divergence_sentence(d: Divergence, name_a: str, name_b: str, start_year: int) -> str:
    """One plain-language line about a KPI in the two worlds."""
    style = d.kpi.style
    values = f"{format_value(style, d.a)} in {name_a}, {format_value(style, d.b)} in {name_b}"
    if d.apart_since is None:
        return f"{d.kpi.label}: about the same ({values})."
    winner = name_b if d.favours == "b" else name_a
    when = quarter_label(d.apart_since, start_year)
    since = "from the start" if d.apart_since == 0 else f"since {when}"
    return f"{d.kpi.label}: better in {winner} ({values}); apart {since}."


# --- is the gap luck? --------------------------------------------------------------------------
CHECK_SEEDS = 10
"""Seeds the twin worlds are re-run with to see whether a gap holds beyond the one seed watched."""


@dataclass(frozen=True)
class SeedCheck:
    """One KPI in both worlds over several seeds: each world's mean with its interval, and the
    paired gap B − A with its interval (all within the KPI's bounds)."""

    kpi: Kpi
    a: Interval
    b: Interval
    gap: Difference
    seeds: int

    @property
    def favours(self) -> Literal["a", "b", "unclear"]:
        """The world the gap favours when its interval excludes zero, else 'unclear'."""
        if not (self.gap.low > 0 or self.gap.high < 0):
            return "unclear"
        higher_is_b = self.gap.low > 0
        return "b" if higher_is_b == (self.kpi.better == "higher") else "a"


def check_over_seeds(scenario_a: Scenario, scenario_b: Scenario, seed: int, steps: int, seeds: int = CHECK_SEEDS,
                     level: float = 0.95) -> list[SeedCheck]:
    """Run both worlds to ``steps`` with the watched seed and ``seeds - 1`` more (common to both
    worlds) and compare each KPI there, as ``partnering compare`` would: intervals that respect the
    KPI's bounds, the gap paired by seed."""
    from partnering.experiments.analysis import metric_bounds
    from partnering.experiments.design import replication_seeds
    from partnering.experiments.stats import mean_interval, paired_difference

    draws = (seed, *replication_seeds(seed, seeds - 1)) if seeds > 1 else (seed,)
    finals = [[PartneringModel(s, rng=d).run(steps).metrics_frame().iloc[-1] for d in draws]
              for s in (scenario_a, scenario_b)]
    out = []
    for kpi in KPIS:
        a = np.array([row[kpi.name] for row in finals[0]], dtype=float)
        b = np.array([row[kpi.name] for row in finals[1]], dtype=float)
        bounds = metric_bounds(kpi.name)
        out.append(SeedCheck(kpi, mean_interval(a, level, bounds), mean_interval(b, level, bounds),
                             paired_difference(b, a, level, bounds), len(draws)))
    return out
