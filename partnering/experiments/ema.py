"""An EMA Workbench adapter (optional extra ``[ema]``; imported only when used).

:func:`ema_model` returns an ``ema_workbench.Model`` whose uncertainties and levers come from
the scenario schema's declarations (kind 'uncertainty' versus 'lever', with their bounds), and
whose outcomes are the model's public metrics at the horizon, so EMA's samplers, evaluators
(sequential or multiprocessing) and scenario discovery (PRIM) work on this model unchanged.

EMA requires Python identifiers as names, so ``principles.collaborative`` is called
``principles_collaborative`` in EMA tables; the dotted name is kept as the variable name the
model receives.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from partnering.experiments.design import DEFAULT_ROOT_SEED, replication_seeds
from partnering.experiments.problem import declared
from partnering.experiments.runner import simulate
from partnering.scenarios import (
    ParamInfo,
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    parameter_table,
)


def workbench() -> ModuleType:
    """Import ema_workbench, without its notice that the optional ipyparallel is missing."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
            import ema_workbench
    except ImportError:
        raise ScenarioError("the EMA Workbench adapter needs ema-workbench; install it with: "
                            "pip install 'partnering[ema]'") from None
    return ema_workbench


def ema_name(dotted: str) -> str:
    """The identifier EMA uses for a dotted parameter name: 'world.demand_growth' -> 'world_demand_growth'."""
    return dotted.replace(".", "_", 1)


def _typed(info: ParamInfo, value: Any) -> Any:
    """EMA hands numpy scalars and category values; the strict schema wants Python types."""
    if isinstance(value, np.generic):
        value = value.item()
    if info.type == "bool":
        return bool(value)
    if info.type == "int":
        return round(value)
    return float(value)


@dataclass(frozen=True)
class ScenarioFunction:
    """The callable EMA runs for each experiment (picklable for EMA's multiprocessing evaluator).

    It applies the sampled values to the base scenario, runs every replication seed and returns
    the mean of each outcome metric at the horizon (and, if asked, the mean time series).
    """

    scenario: Scenario
    steps: int
    seeds: tuple[int, ...]
    outcomes: tuple[str, ...]
    series: bool = False

    def __call__(self, **values: Any) -> dict[str, Any]:
        table = {p.name: p for p in parameter_table()}
        overrides = {name: _typed(table[name], value) for name, value in values.items()}
        config = apply_overrides(self.scenario, overrides, source="ema")
        frames = [simulate(config, seed, self.steps)[0] for seed in self.seeds]
        result: dict[str, Any] = {}
        for metric in self.outcomes:
            stacked = np.vstack([frame[metric].to_numpy(dtype=float) for frame in frames])
            result[metric] = float(stacked[:, -1].mean())
            if self.series:
                result[f"{metric}_series"] = stacked.mean(axis=0)
        return result


def _parameter(ema: ModuleType, info: ParamInfo, default: Any) -> Any:
    name = ema_name(info.name)
    if info.type == "bool":
        return ema.BooleanParameter(name, default=bool(default), variable_name=info.name)
    if info.type == "int":
        return ema.IntegerParameter(name, int(info.low), int(info.high), default=int(default), variable_name=info.name)
    return ema.RealParameter(name, float(info.low), float(info.high), default=float(default), variable_name=info.name)


def ema_model(scenario: str | Path | Scenario = "transactional", *, uncertainties: Sequence[str] | None = None,
              levers: Sequence[str] | None = None, outcomes: Sequence[str] | None = None, steps: int | None = None,
              replications: int = 1, root_seed: int = DEFAULT_ROOT_SEED, overrides: Mapping[str, Any] | None = None,
              series: bool = False, name: str = "partnering") -> Any:
    """An ``ema_workbench.Model`` of a base scenario.

    Args:
        scenario: the base scenario; parameters EMA does not vary keep its values (they are the
            parameters' defaults in EMA).
        uncertainties, levers: dotted names; by default every parameter declared with that kind.
        outcomes: metrics reported at the horizon (mean over replications); default the public ones.
        replications: seeds per experiment, from ``SeedSequence(root_seed).spawn``; every
            experiment uses the same seeds (common random numbers).
        series: also report each metric's mean time series as ``<metric>_series``.
    """
    from partnering.model.catalogue import CATALOGUE, REQUIRED_COLUMNS

    ema = workbench()
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        base = apply_overrides(base, dict(overrides))
    values = base.flat()
    chosen_uncertainties = declared(uncertainties, "uncertainty", "uncertainties")
    chosen_levers = declared(levers, "lever", "levers")
    metrics = list(REQUIRED_COLUMNS if outcomes is None else outcomes)
    for metric in metrics:
        if metric not in CATALOGUE:
            raise ScenarioError(f"outcomes: unknown metric {metric!r}; allowed: {', '.join(CATALOGUE)}")
    horizon = base.run.steps if steps is None else steps
    function = ScenarioFunction(base, horizon, replication_seeds(root_seed, replications), tuple(metrics), series)
    model = ema.Model(name, function=function)
    model.uncertainties = [_parameter(ema, p, values[p.name]) for p in chosen_uncertainties]
    model.levers = [_parameter(ema, p, values[p.name]) for p in chosen_levers]
    kinds = {1: ema.ScalarOutcome.MAXIMIZE, -1: ema.ScalarOutcome.MINIMIZE}
    scalar = [ema.ScalarOutcome(m, kind=kinds.get(CATALOGUE[m].direction, ema.ScalarOutcome.INFO)) for m in metrics]
    model.outcomes = scalar + ([ema.ArrayOutcome(f"{m}_series") for m in metrics] if series else [])
    return model
