"""Compare arms over replications: means, confidence intervals, differences and effect sizes.

All functions take a sweep folder, a :class:`SweepResults`, or a tidy data frame with the
columns ``arm``, ``replication``, ``step`` and the metrics, and return tidy data frames.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from partnering.experiments.results import SweepResults
from partnering.experiments.stats import (
    INTERVAL_METHODS,
    UNBOUNDED,
    Bounds,
    bounded_interval,
    interval_scale,
    mean_interval,
    paired_difference,
    welch_difference,
)
from partnering.model.catalogue import CATALOGUE, HEADLINE_METRICS
from partnering.scenarios import ScenarioError

Source = SweepResults | str | Path | pd.DataFrame


class _Frame:
    """A tidy metrics frame behind the same small interface as SweepResults."""

    def __init__(self, frame: pd.DataFrame) -> None:
        missing = {"arm", "replication", "step"} - set(frame.columns)
        if missing:
            raise ScenarioError(f"results: the data frame lacks columns {sorted(missing)}")
        self.frame = frame
        self.arms = list(dict.fromkeys(frame["arm"]))
        self.steps = int(frame["step"].max())
        self.metric_names = [c for c in frame.columns if c not in ("run_id", "arm", "replication", "step")]

    def metrics(self, columns: Sequence[str] | None = None, steps: Sequence[int] | None = None,
                arms: Sequence[str] | None = None) -> pd.DataFrame:
        frame = self.frame
        if steps is not None:
            frame = frame[frame["step"].isin(list(steps))]
        if arms is not None:
            frame = frame[frame["arm"].isin(list(arms))]
        if columns is not None:
            frame = frame[["arm", "replication", "step", *[c for c in columns if c not in ("arm", "replication", "step")]]]
        return frame


def as_results(source: Source) -> SweepResults | _Frame:
    """Accept a folder, a SweepResults or a tidy data frame."""
    if isinstance(source, SweepResults | _Frame):
        return source
    if isinstance(source, pd.DataFrame):
        return _Frame(source)
    return SweepResults(source)


def _check_metrics(res: SweepResults | _Frame, metrics: Sequence[str] | None) -> list[str]:
    available = res.metric_names
    if metrics is None:
        return [m for m in HEADLINE_METRICS if m in available] or list(available)
    for metric in metrics:
        if metric not in available:
            raise ScenarioError(f"--metrics: unknown metric {metric!r}; allowed: {', '.join(available)}")
    return list(metrics)


def _check_baseline(res: SweepResults | _Frame, baseline: str | None) -> str:
    if baseline is None:
        return res.arms[0]
    if baseline not in res.arms:
        raise ScenarioError(f"--baseline: unknown arm {baseline!r}; allowed: {', '.join(res.arms)}")
    return baseline


def _check_horizons(res: SweepResults | _Frame, horizons: Sequence[int] | None) -> list[int]:
    if horizons is None:
        return [res.steps]
    for step in horizons:
        if not 0 <= int(step) <= res.steps:
            raise ScenarioError(f"--steps: horizon {step} is outside the sweep; allowed 0 to {res.steps}")
    return [int(s) for s in horizons]


def metric_bounds(name: str) -> Bounds:
    """The declared bounds of a catalogue metric; unbounded for a column the catalogue lacks."""
    entry = CATALOGUE.get(name)
    return UNBOUNDED if entry is None else (entry.low, entry.high)


def interval_methods(metrics: Sequence[str]) -> dict[str, str]:
    """How the interval of each metric's mean is built, by metric (see :mod:`.stats`)."""
    return {m: INTERVAL_METHODS[interval_scale(metric_bounds(m))] for m in metrics}


def compare(results: Source, baseline: str | None = None, metrics: Sequence[str] | None = None,
            horizons: Sequence[int] | None = None, level: float = 0.95) -> pd.DataFrame:
    """Per metric, horizon and arm: the mean with its interval, and the difference from the baseline.

    Returns one row per (metric, step, arm) with the columns ``n, mean, ci_low, ci_high`` (an
    interval that respects the metric's declared bounds) and, for arms other than the baseline,
    ``diff, diff_low, diff_high, effect_size`` (Cohen's d) with ``effect_low, effect_high`` (its
    bootstrap interval) and ``method`` ('paired' when both arms ran the same seeds, else
    'welch'). ``attrs`` holds the baseline, the level and each metric's interval method.
    """
    res = as_results(results)
    if not res.arms:
        raise ScenarioError("results: no arms to compare")
    baseline = _check_baseline(res, baseline)
    chosen = _check_metrics(res, metrics)
    steps = _check_horizons(res, horizons)
    frame = res.metrics(columns=chosen, steps=steps)
    rows = []
    for step in steps:
        at_step = frame[frame["step"] == step]
        by_arm = {arm: group.set_index("replication").sort_index() for arm, group in at_step.groupby("arm", sort=False)}
        base = by_arm.get(baseline)
        for metric in chosen:
            bounds = metric_bounds(metric)
            for arm in res.arms:
                group = by_arm.get(arm)
                values = group[metric] if group is not None else pd.Series(dtype=float)
                ci = mean_interval(values.to_numpy(), level, bounds)
                row = {"metric": metric, "step": step, "arm": arm, "n": ci.n, "mean": ci.mean,
                       "ci_low": ci.low, "ci_high": ci.high, "diff": math.nan, "diff_low": math.nan,
                       "diff_high": math.nan, "effect_size": math.nan, "effect_low": math.nan,
                       "effect_high": math.nan, "method": ""}
                if arm != baseline and base is not None and group is not None:
                    reference = base[metric]
                    pair = paired_difference if list(values.index) == list(reference.index) else welch_difference
                    d = pair(values.to_numpy(), reference.to_numpy(), level, bounds)
                    row.update(diff=d.diff, diff_low=d.low, diff_high=d.high, effect_size=d.effect_size,
                               effect_low=d.effect_low, effect_high=d.effect_high, method=d.method)
                rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs.update(baseline=baseline, level=level, intervals=interval_methods(chosen))
    return out


def time_series(results: Source, metric: str, arms: Sequence[str] | None = None,
                level: float = 0.95) -> pd.DataFrame:
    """Mean and confidence band of one metric at every step, per arm (within its bounds)."""
    res = as_results(results)
    chosen = _check_metrics(res, [metric])
    frame = res.metrics(columns=chosen, arms=arms)
    grouped = frame.groupby(["arm", "step"], sort=False)[metric]
    out = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    out["low"], out["high"] = bounded_interval(out["mean"], out["sd"], out["n"], level, metric_bounds(metric))
    out.insert(0, "metric", metric)
    return out


def fmt(value: float, digits: int = 3, signed: bool = False) -> str:
    """A number for a table: significant digits, thousands separators for big ones."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "+" if signed else ""
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if abs(value) >= 10 ** digits:
        return f"{value:{sign},.0f}"
    return f"{value:{sign}.{digits}g}"


def fmt_interval(low: float, high: float, digits: int = 3) -> str:
    """'[low, high]' or an empty string when there is no interval."""
    if math.isnan(low) or math.isnan(high):
        return ""
    return f"[{fmt(low, digits)}, {fmt(high, digits)}]"


def verdict(row: pd.Series) -> str:
    """'better', 'worse', 'higher', 'lower' or 'no clear difference' for a compare() row."""
    if row["method"] == "" or math.isnan(row["diff_low"]):
        return ""
    if row["diff_low"] <= 0.0 <= row["diff_high"]:
        return "no clear difference"
    entry = CATALOGUE.get(row["metric"])
    direction = entry.direction if entry is not None else 0
    up = row["diff_low"] > 0.0
    if direction == 0:
        return "higher" if up else "lower"
    return "better" if up == (direction > 0) else "worse"
