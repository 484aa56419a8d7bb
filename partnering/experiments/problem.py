"""The SALib problem and samples, derived from the scenario schema's declarations.

The problem dict (``names``, ``bounds``) is what SALib, and most sensitivity tools, read; here
it is built from each parameter's declared bounds, so a bound is written once, in
:mod:`partnering.scenarios.schema`. Pure functions: designs and analyses both build on them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from partnering.scenarios import ParamInfo, ScenarioError, parameter_table

METHODS = ("morris", "sobol")


def _unknown(name: str, allowed: Sequence[str], label: str = "parameters") -> ScenarioError:
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "; see `partnering scenarios show` for the names"
    return ScenarioError(f"{label}: unknown parameter {name!r}{hint}")


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def declared(names: Sequence[str] | None, kind: str, label: str) -> list[ParamInfo]:
    """The declarations of ``names`` (by default every parameter of ``kind``), refusing in one line
    a name that is not declared or is declared as another kind (a lever named as an uncertainty)."""
    table = {p.name: p for p in parameter_table()}
    if names is None:
        return [p for p in table.values() if p.kind == kind]
    chosen = []
    for name in names:
        info = table.get(name)
        if info is None:
            raise _unknown(name, [p.name for p in table.values() if p.kind == kind], label)
        if info.kind != kind:
            raise ScenarioError(f"{label}: {name} is declared as {_a(info.kind)}, not {_a(kind)}")
        chosen.append(info)
    return chosen


def to_salib_problem(parameters: Sequence[str] | None = None, *, kind: str = "uncertainty",
                     bounds: Mapping[str, Sequence[float]] | None = None) -> dict[str, Any]:
    """The SALib problem dict for some declared parameters.

    Args:
        parameters: dotted names such as ``"world.demand_growth"``; by default every numeric
            parameter of ``kind`` ('uncertainty' or 'lever').
        bounds: optional narrower bounds per parameter, inside the declared ones.

    Booleans may be named explicitly: they are sampled on [0, 1] and read as true from 0.5.
    """
    table = {p.name: p for p in parameter_table()}
    if parameters is None:
        if kind not in ("uncertainty", "lever", "structure"):
            raise ScenarioError(f"kind: {kind!r}; allowed: uncertainty, lever, structure")
        names = [p.name for p in table.values() if p.kind == kind and p.type != "bool"]
    else:
        names = list(parameters)
    if not names:
        raise ScenarioError("parameters: at least one parameter is required")
    if len(set(names)) != len(names):
        raise ScenarioError("parameters: a parameter is listed twice")
    narrowed = dict(bounds or {})
    for name in narrowed:
        if name not in names:
            raise ScenarioError(f"bounds: {name!r} is not among the parameters {', '.join(names)}")
    problem_bounds = []
    for name in names:
        info = table.get(name)
        if info is None:
            raise _unknown(name, list(table))
        if info.low is None or info.high is None:
            raise ScenarioError(f"parameters: {name} has no declared bounds and cannot be sampled")
        low, high = float(info.low), float(info.high)
        if name in narrowed:
            pair = narrowed[name]
            if len(pair) != 2:
                raise ScenarioError(f"bounds: {name}: expected [low, high], got {list(pair)}")
            lo, hi = float(pair[0]), float(pair[1])
            if not low <= lo < hi <= high:
                raise ScenarioError(f"bounds: {name}: [{lo:g}, {hi:g}] must be increasing and inside the declared "
                                    f"{low:g} to {high:g} ({info.unit})")
            low, high = lo, hi
        problem_bounds.append([low, high])
    return {"num_vars": len(names), "names": names, "bounds": problem_bounds}


def salib_sample(problem: Mapping[str, Any], method: str = "morris", samples: int = 10, seed: int = 1,
                 levels: int = 4, second_order: bool = False) -> np.ndarray:
    """Seeded SALib sample: ``samples`` Morris trajectories, or Saltelli points for Sobol.

    Morris gives ``samples * (k + 1)`` rows; Sobol ``samples * (k + 2)`` (``2k + 2`` with
    second order), where ``samples`` must be a power of two.
    """
    problem = dict(problem)
    if method == "morris":
        from SALib.sample import morris

        if samples < 2:
            raise ScenarioError(f"samples: {samples}; Morris needs at least 2 trajectories")
        if levels < 2 or levels % 2:
            raise ScenarioError(f"levels: {levels}; allowed an even number of grid levels, 2 or more")
        return morris.sample(problem, samples, num_levels=levels, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        if samples < 2 or samples & (samples - 1):
            raise ScenarioError(f"samples: {samples}; Sobol needs a power of two, e.g. 16, 32 or 64")
        return sobol.sample(problem, samples, calc_second_order=second_order, seed=seed)
    raise ScenarioError(f"method: {method!r}; allowed: {', '.join(METHODS)}")
