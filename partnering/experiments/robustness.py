"""Robustness across futures: how each policy fares when we do not know which future we are in.

For a metric and a future, a policy's *regret* is how far it falls short of the best policy in
that same future, in the metric's own units, read with the metric's better-direction from the
catalogue (for a higher-is-better metric, ``best - value``; for a lower-is-better one,
``value - best``). Then, per policy, over futures:

- *minimax regret* (Savage): the policy whose largest regret is smallest;
- the 90th-percentile regret, less at the mercy of one odd future;
- *best mean* (Laplace, every future equally likely) and *best worst case* (Wald's maximin);
- *satisficing* (Starr's domain criterion): the share of futures where the policy meets every
  threshold the user sets; a future in which one of its runs failed does not count as met.

All functions take a frame with one row per (future, policy): ``runs`` recorded there, ``failed``
among them, and one column per metric (the mean over the successful replications); they return
tidy frames and read no store.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from partnering.experiments.questions import Threshold
from partnering.model.catalogue import CATALOGUE
from partnering.scenarios import ScenarioError

REGRET_COLUMNS = ["future", "policy", "metric", "value", "best", "regret"]
TABLE_COLUMNS = ["metric", "policy", "futures", "failed", "mean", "p5", "median", "p95", "worst",
                 "mean_regret", "p90_regret", "max_regret", "best_share"]
CRITERIA = {
    "minimax regret": ("max_regret", "min"),
    "90th-percentile regret": ("p90_regret", "min"),
    "best mean": ("mean", "better"),
    "best worst case": ("worst", "better"),
}
"""Per metric: the robustness criterion, the column it ranks and which end of it wins."""


def directed(metrics: Sequence[str]) -> list[str]:
    """Check that each metric has a better-direction in the catalogue; regret needs one."""
    for name in metrics:
        if name not in CATALOGUE:
            raise ScenarioError(f"--metrics: unknown metric {name!r}; allowed: {', '.join(CATALOGUE)}")
        if CATALOGUE[name].direction == 0:
            raise ScenarioError(f"--metrics: {name} has no better direction in the catalogue (neither higher nor "
                                "lower is better), so regret is undefined for it; leave it out")
    return list(metrics)


def regret(outcomes: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Per future, policy and metric: the value, the best any policy reached there, and the regret.

    Futures where some policy has no value for the metric (all its runs there failed, or have not
    run yet) are left out for that metric: the best policy there is unknown.
    """
    frames = []
    for metric in directed(metrics):
        wide = outcomes.pivot(index="future", columns="policy", values=metric).astype(float).dropna()
        up = CATALOGUE[metric].direction > 0
        best = wide.max(axis=1) if up else wide.min(axis=1)
        shortfall = (wide.rsub(best, axis=0) if up else wide.sub(best, axis=0)).clip(lower=0.0)
        long = wide.stack().rename("value").to_frame().join(shortfall.stack().rename("regret"))
        long["best"] = best.reindex(long.index.get_level_values("future")).to_numpy()
        frames.append(long.reset_index().assign(metric=metric))
    if not frames:
        return pd.DataFrame(columns=REGRET_COLUMNS)
    return pd.concat(frames, ignore_index=True)[REGRET_COLUMNS]


def _percentile(values: pd.Series, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else math.nan


def robustness_table(outcomes: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """One row per (metric, policy): the spread of its value over futures and of its regret.

    ``futures`` counts the futures with a value for every policy (those regret is computed in);
    ``failed`` the futures in which at least one of this policy's runs failed; ``worst`` is the
    worst value by the metric's direction; ``best_share`` the share of futures in which this
    policy is the best (ties count for each policy tied). Percentiles interpolate linearly.
    """
    table = regret(outcomes, metrics)
    failed = (outcomes["failed"] > 0).groupby(outcomes["policy"], sort=False).sum()
    policies = list(dict.fromkeys(outcomes["policy"]))
    rows = []
    for metric in metrics:
        up = CATALOGUE[metric].direction > 0
        for policy in policies:
            part = table[(table["metric"] == metric) & (table["policy"] == policy)]
            values, regrets = part["value"], part["regret"]
            rows.append({
                "metric": metric, "policy": policy, "futures": len(part), "failed": int(failed.get(policy, 0)),
                "mean": float(values.mean()) if len(part) else math.nan,
                "p5": _percentile(values, 5), "median": _percentile(values, 50), "p95": _percentile(values, 95),
                "worst": (float(values.min() if up else values.max()) if len(part) else math.nan),
                "mean_regret": float(regrets.mean()) if len(part) else math.nan,
                "p90_regret": _percentile(regrets, 90),
                "max_regret": float(regrets.max()) if len(part) else math.nan,
                "best_share": float((regrets == 0).mean()) if len(part) else math.nan,
            })
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def satisficing(outcomes: pd.DataFrame, thresholds: Sequence[Threshold]) -> pd.DataFrame:
    """Per policy and threshold (and all thresholds together): the share of futures meeting it.

    A future counts as *not* met for a policy when any of its runs there failed: the policy has
    not been shown to deliver in that future. Futures with no recorded run are left out.
    """
    columns = ["policy", "threshold", "futures", "met", "share"]
    if not thresholds:
        return pd.DataFrame(columns=columns)
    rows = []
    for policy, part in outcomes.groupby("policy", sort=False):
        ran = part[part["runs"] > 0]
        ok = ran["failed"] == 0
        every = ok.copy()
        for threshold in thresholds:
            met = threshold.met(ran[threshold.metric]) & ok
            every &= met
            rows.append({"policy": policy, "threshold": threshold.text, "futures": len(ran), "met": int(met.sum()),
                         "share": float(met.mean()) if len(ran) else math.nan})
        rows.append({"policy": policy, "threshold": "all thresholds", "futures": len(ran), "met": int(every.sum()),
                     "share": float(every.mean()) if len(ran) else math.nan})
    return pd.DataFrame(rows, columns=columns)


def normalised_regret(outcomes: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Per policy: the largest regret over futures and metrics, each metric's regret divided by
    the range of that metric over every future and policy (so metrics in £m and in shares weigh
    alike), and the future and metric where it happens."""
    table = regret(outcomes, metrics)
    columns = ["policy", "max_normalised_regret", "future", "metric"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    spread = table.groupby("metric")["value"].agg(lambda v: v.max() - v.min())
    scale = table["metric"].map(spread).replace(0.0, np.nan)
    table = table.assign(normalised=(table["regret"] / scale).fillna(0.0))
    worst = table.loc[table.groupby("policy", sort=False)["normalised"].idxmax()]
    return (worst.rename(columns={"normalised": "max_normalised_regret"})[columns].reset_index(drop=True))


def _winner(frame: pd.DataFrame, column: str, lowest: bool) -> tuple[str, float, list[str]]:
    values = frame[column].astype(float)
    if values.isna().all():
        return "", math.nan, []
    best = values.min() if lowest else values.max()
    tied = frame.loc[np.isclose(values, best, rtol=1e-12, atol=1e-15), "policy"].tolist()
    return tied[0], float(best), tied[1:]


def recommend(table: pd.DataFrame, satisfied: pd.DataFrame | None = None,
              overall: pd.DataFrame | None = None) -> pd.DataFrame:
    """The policy each robustness criterion recommends: per metric for the regret and value
    criteria, once for satisficing (all thresholds) and once for minimax normalised regret over
    all the metrics. ``ties`` lists any other policy that scores exactly as well."""
    rows = []
    for metric, part in table.groupby("metric", sort=False):
        up = CATALOGUE[metric].direction > 0
        for criterion, (column, end) in CRITERIA.items():
            lowest = end == "min" or (end == "better" and not up)
            policy, value, ties = _winner(part, column, lowest)
            rows.append({"criterion": criterion, "metric": metric, "policy": policy, "value": value, "ties": ties})
    if satisfied is not None and len(satisfied):
        every = satisfied[satisfied["threshold"] == "all thresholds"]
        policy, value, ties = _winner(every, "share", lowest=False)
        rows.append({"criterion": "satisficing", "metric": "all thresholds", "policy": policy, "value": value,
                     "ties": ties})
    if overall is not None and len(overall):
        policy, value, ties = _winner(overall, "max_normalised_regret", lowest=True)
        rows.append({"criterion": "minimax normalised regret", "metric": "all metrics", "policy": policy,
                     "value": value, "ties": ties})
    return pd.DataFrame(rows, columns=["criterion", "metric", "policy", "value", "ties"])
