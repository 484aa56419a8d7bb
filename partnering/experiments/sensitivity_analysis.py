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

from partnering.experiments.problem import METHODS, salib_sample, to_salib_problem
from partnering.experiments.results import SweepResults
from partnering.scenarios import ScenarioError

__all__ = ["MAIN_INDEX", "salib_analyze", "salib_sample", "sensitivity", "to_salib_problem"]

MAIN_INDEX = {"morris": "mu_star", "sobol": "ST"}
"""The index a ranking sorts by: Morris mu* (mean absolute elementary effect), Sobol total order."""


def salib_analyze(problem: Mapping[str, Any], X: np.ndarray, Y: np.ndarray, method: str = "morris",
                  seed: int = 1, levels: int = 4, second_order: bool = False, level: float = 0.95,
                  resamples: int = 1000) -> pd.DataFrame:
    """SALib indices with bootstrap confidence intervals, one row per parameter, most influential first.

    Morris: ``mu_star`` (with ``mu_star_conf``, the half-width of its interval), ``mu`` and
    ``sigma``. Sobol: total order ``ST`` and first order ``S1`` with their half-widths.
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
        frame = pd.DataFrame({"parameter": problem["names"], "mu_star": si["mu_star"],
                              "mu_star_conf": si["mu_star_conf"], "mu": si["mu"], "sigma": si["sigma"]})
    elif method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, Y, calc_second_order=second_order, num_resamples=resamples, conf_level=level,
                           seed=seed)
        frame = pd.DataFrame({"parameter": problem["names"], "ST": si["ST"], "ST_conf": si["ST_conf"],
                              "S1": si["S1"], "S1_conf": si["S1_conf"]})
    else:
        raise ScenarioError(f"method: {method!r}; allowed: {', '.join(METHODS)}")
    frame = frame.sort_values(MAIN_INDEX[method], ascending=False, ignore_index=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    frame.attrs.update(method=method)
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
    result.attrs.update(method=manifest["method"], level=level)
    return result
