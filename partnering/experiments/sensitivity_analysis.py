"""Global sensitivity analysis with SALib: Morris screening by default, Sobol indices on request.

The SALib problem (``names``, ``bounds``) is derived from the scenario schema's declarations,
so a bound is written once, in :mod:`partnering.scenarios.schema`. A sensitivity sweep runs
every sampled point with R replications; the output analysed is the mean over replications
of a metric at a horizon, which keeps the model's own noise out of the indices as far as R
allows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from partnering.experiments.problem import (
    METHODS,
    group_names,
    rows_per_sample,
    salib_sample,
    to_salib_problem,
)
from partnering.experiments.results import SweepResults
from partnering.scenarios import ScenarioError

__all__ = ["MAIN_INDEX", "design_warnings", "salib_analyze", "salib_sample", "sensitivity", "to_salib_problem",
           "write_rankings"]

MAIN_INDEX = {"morris": "mu_star", "sobol": "ST"}
"""The index a ranking sorts by: Morris mu* (mean absolute elementary effect), Sobol total order."""
RESAMPLES = 1000
"""Bootstrap resamples behind every interval of a sensitivity index."""
MIN_TRAJECTORIES = 10
"""Fewest Morris trajectories whose ranking we call informative: 10 to 20 is the usual advice
(Campolongo, Cariboni and Saltelli 2007; Saltelli et al. 2008, ch. 3). Below it a bootstrap over
so few trajectories understates the uncertainty, so the width test alone is not enough."""


def morris_mu_star_interval(problem: Mapping[str, Any], X: np.ndarray, Y: np.ndarray, levels: int = 4,
                            level: float = 0.95, resamples: int = RESAMPLES,
                            seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """μ* of each parameter and its percentile-bootstrap interval over the trajectories.

    A Morris trajectory of k parameters is k + 1 points, each moving one parameter by the grid
    step Δ = levels / (2 (levels - 1)) of its range; the elementary effect is the change in the
    output over Δ (as SALib computes it). μ* is the mean of |effect| over trajectories; resampling
    the trajectories gives an interval of means of non-negative numbers, which cannot go below
    zero (SALib's own ``mu_star_conf`` is a symmetric normal half-width, which can).

    With ``groups`` in the problem a trajectory is g + 1 points, each step moving every
    parameter of one group; the indices are then per group, in first-seen order.
    """
    names = list(problem["names"])
    k = len(names)
    groups = group_names(problem)
    g = len(groups)
    member = (np.array([groups.index(x) for x in problem["groups"]]) if problem.get("groups")
              else np.arange(k))                              # the group of each parameter
    X = np.asarray(X, dtype=float).reshape(-1, g + 1, k)
    Y = np.asarray(Y, dtype=float).reshape(-1, g + 1)
    delta = levels / (2 * (levels - 1))
    moved = member[np.abs(np.diff(X, axis=1)).argmax(axis=2)]  # (trajectories, g): which group moved
    effects = np.abs(np.diff(Y, axis=1)) / delta              # (trajectories, g): |elementary effect|
    per_parameter = np.empty((X.shape[0], g))
    rows = np.arange(X.shape[0])[:, None]
    per_parameter[rows, moved] = effects
    mu_star = per_parameter.mean(axis=0)
    rng = np.random.default_rng(seed)
    index = rng.integers(X.shape[0], size=(resamples, X.shape[0]))
    resampled = per_parameter[index].mean(axis=1)             # (resamples, k)
    low, high = np.quantile(resampled, [0.5 - level / 2, 0.5 + level / 2], axis=0)
    return mu_star, low, high


def salib_analyze(problem: Mapping[str, Any], X: np.ndarray, Y: np.ndarray, method: str = "morris",
                  seed: int = 1, levels: int = 4, second_order: bool = False, level: float = 0.95,
                  resamples: int = RESAMPLES) -> pd.DataFrame:
    """SALib indices with bootstrap confidence intervals, one row per parameter, most influential first.

    Morris: ``mu_star`` with ``mu_star_low`` and ``mu_star_high`` (the percentile-bootstrap
    interval over trajectories, see :func:`morris_mu_star_interval`) and ``mu_star_conf`` (SALib's
    bootstrap half-width, the "±" of the tables), ``mu`` and ``sigma``. Sobol: total order ``ST``
    and first order ``S1`` with SALib's bootstrap half-widths ``ST_conf`` and ``S1_conf``, and
    ``ST_low``/``ST_high`` (``ST ± ST_conf``, cut at zero). ``unclear`` marks a parameter whose
    half-width exceeds its index: its interval reaches zero, so the design cannot tell it from
    no influence (see :func:`design_warnings`). With ``groups`` in the problem each row is a
    group (its name in ``parameter``, its size in ``members``).
    """
    problem = dict(problem)
    Y = np.asarray(Y, dtype=float)
    if not np.all(np.isfinite(Y)):
        raise ScenarioError(f"sensitivity: {int((~np.isfinite(Y)).sum())} outputs are missing or not finite; "
                            "rerun the failed runs (--retry-failed) or choose another metric")
    if method == "morris":
        from SALib.analyze import morris

        si = morris.analyze(problem, np.asarray(X, dtype=float), Y, num_resamples=resamples, conf_level=level,
                            num_levels=levels, seed=seed)
        _, low, high = morris_mu_star_interval(problem, X, Y, levels, level, resamples, seed)
        frame = pd.DataFrame({"parameter": group_names(problem), "mu_star": si["mu_star"], "mu_star_low": low,
                              "mu_star_high": high, "mu_star_conf": si["mu_star_conf"], "mu": si["mu"],
                              "sigma": si["sigma"]})
    elif method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, Y, calc_second_order=second_order, num_resamples=resamples, conf_level=level,
                           seed=seed)
        frame = pd.DataFrame({"parameter": group_names(problem), "ST": si["ST"],
                              "ST_low": np.maximum(si["ST"] - si["ST_conf"], 0.0), "ST_high": si["ST"] + si["ST_conf"],
                              "ST_conf": si["ST_conf"], "S1": si["S1"], "S1_conf": si["S1_conf"]})
    else:
        raise ScenarioError(f"method: {method!r}; allowed: {', '.join(METHODS)}")
    main = MAIN_INDEX[method]
    frame["unclear"] = frame[f"{main}_conf"] > frame[main]
    if problem.get("groups"):
        sizes = pd.Series(problem["groups"]).value_counts()
        frame.insert(1, "members", frame["parameter"].map(sizes).astype(int))
    frame = frame.sort_values(main, ascending=False, ignore_index=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    frame.attrs.update(method=method, grouped=bool(problem.get("groups")))
    return frame


def sensitivity(results: SweepResults | str | Path, metrics: str | Sequence[str] = "service_quality",
                step: int | None = None, level: float = 0.95) -> pd.DataFrame:
    """Indices of a sensitivity sweep for one or more metrics at a horizon (default: the last step)."""
    res = results if isinstance(results, SweepResults) else SweepResults(results)
    manifest = res.manifest
    if manifest.get("kind") != "salib" or not manifest.get("problem"):
        raise ScenarioError(f"{res.root}: not a sensitivity sweep (its design is {manifest.get('kind')!r}); "
                            "run `partnering sensitivity` to create one")
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    horizon = res.steps if step is None else int(step)
    if not 0 <= horizon <= res.steps:
        raise ScenarioError(f"--step: {horizon} is outside the sweep; allowed 0 to {res.steps}")
    problem = manifest["problem"]
    X = np.array([p["sample"] for p in manifest["points"]], dtype=float)
    frame = res.metrics(columns=names, steps=[horizon])
    means = frame.groupby("arm", sort=False)[names].mean().reindex(res.arms)
    options = manifest.get("options", {})
    out = []
    for metric in names:
        table = salib_analyze(problem, X, means[metric].to_numpy(), manifest["method"],
                              seed=int(manifest["root_seed"]), levels=int(options.get("levels", 4)),
                              second_order=bool(options.get("second_order", False)), level=level)
        table.insert(0, "metric", metric)
        table.insert(1, "step", horizon)
        out.append(table)
    result = pd.concat(out, ignore_index=True)
    per_sample = rows_per_sample(problem, manifest["method"], bool(options.get("second_order")))
    result.attrs.update(method=manifest["method"], level=level, samples=len(X) // per_sample,
                        replications=int(manifest["replications"]), grouped=bool(problem.get("groups")))
    return result


def plus_minus(indices: pd.DataFrame) -> str:
    """What the '±' of a ranking table is, in one sentence."""
    level = indices.attrs.get("level", 0.95)
    index = "μ*" if indices.attrs.get("method") == "morris" else "the index"
    return (f"± is the half-width of the {level:.0%} bootstrap interval of {index} ({RESAMPLES:,} resamples of the "
            f"{'trajectories' if indices.attrs.get('method') == 'morris' else 'samples'}), as SALib reports it")


def design_warnings(indices: pd.DataFrame) -> list[str]:
    """One line per metric whose ranking the design is too small to support, and one for a Morris
    design of fewer than :data:`MIN_TRAJECTORIES` trajectories.

    A parameter is unclear when its bootstrap half-width exceeds its index (μ* or ST): its
    interval reaches zero, so it cannot be told from a parameter with no influence, and its rank
    against its neighbours means little.
    """
    method = indices.attrs.get("method", "morris")
    main = MAIN_INDEX[method]
    symbol = "μ*" if method == "morris" else "ST"
    samples, replications = indices.attrs.get("samples"), indices.attrs.get("replications")
    advice = ("more trajectories (--samples" + (f", now {samples}" if samples else "") + ")"
              if method == "morris" else "more base points (--samples" + (f", now {samples}" if samples else "") + ")")
    if replications:
        advice += f" or more replications per point (--replications, now {replications})"
    lines = []
    if method == "morris" and samples and samples < MIN_TRAJECTORIES:
        lines.append(f"only {samples} Morris trajectories: a ranking needs {MIN_TRAJECTORIES} or more to mean much, "
                     f"and a bootstrap over so few understates its uncertainty; run --samples {MIN_TRAJECTORIES} or more")
    for metric, rows in indices.groupby("metric", sort=False):
        unclear = rows[rows[f"{main}_conf"] > rows[main]]
        if len(unclear):
            names = ", ".join(unclear["parameter"])
            lines.append(f"{metric}: for {len(unclear)} of {len(rows)} parameters ({names}) the ± (bootstrap "
                         f"half-width) exceeds {symbol} itself, so the design is too small to rank them; "
                         f"run {advice}")
    return lines


def write_rankings(indices: pd.DataFrame, folder: str | Path) -> list[Path]:
    """Write the ranking table as ``sensitivity.csv`` and ``sensitivity.parquet`` in ``folder``.

    Each row carries the metric's label and unit from the catalogue, so the table reads on its
    own; the files are written to a temporary name and renamed into place.
    """
    from partnering.model.catalogue import CATALOGUE

    table = indices.copy()
    table.insert(1, "metric_label", [CATALOGUE[m].label if m in CATALOGUE else m for m in table["metric"]])
    table.insert(2, "metric_unit", [CATALOGUE[m].unit if m in CATALOGUE else "" for m in table["metric"]])
    table.insert(3, "method", indices.attrs.get("method", ""))
    table.insert(4, "level", indices.attrs.get("level", 0.95))
    paths = []
    for suffix in (".csv", ".parquet"):
        path = Path(folder) / f"sensitivity{suffix}"
        tmp = path.with_name(f".{path.name}.tmp")
        if suffix == ".csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)
        tmp.replace(path)
        paths.append(path)
    return paths
