"""The SALib problem and samples, derived from the scenario schema's declarations.

The problem dict (``names``, ``bounds``) is what SALib, and most sensitivity tools, read; here
it is built from each parameter's declared bounds, so a bound is written once, in
:mod:`partnering.scenarios.schema`. Pure functions: designs and analyses both build on them.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from partnering.scenarios import ParamInfo, ScenarioError, parameter_table

METHODS = ("morris", "sobol")
GROUPINGS = ("sections",)
"""How parameters may be grouped in a screening: ``sections``, one group per schema section."""
EVERY_UNCERTAINTY = "uncertainties"
"""The word that stands for every declared numeric uncertainty in a parameter list."""
GLOB = "*?["


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


def sections_of(kind: str | None = None) -> list[str]:
    """The schema's sections (of parameters of ``kind``, or all), in declaration order."""
    return list(dict.fromkeys(p.section for p in parameter_table() if kind is None or p.kind == kind))


def expand_parameters(items: Sequence[str], label: str = "parameters") -> list[str]:
    """Parameter names with shell-style globs and the word ``uncertainties`` expanded.

    ``"procurement.*"`` stands for every declared parameter of that section with bounds, in
    declaration order; booleans are left out of a glob (name one to sample it on [0, 1]), as
    they are of the default set. ``uncertainties`` is every declared numeric uncertainty. Plain
    names pass through (they are checked where the problem is built); a name repeated by two
    items is kept once, so ``world.*,world.demand_growth`` is not an error. A glob that matches
    nothing is refused in one line that lists the sections.
    """
    table = [p for p in parameter_table() if p.low is not None and p.high is not None and p.type != "bool"]
    names: list[str] = []
    for item in items:
        if item == EVERY_UNCERTAINTY:
            matched = [p.name for p in table if p.kind == "uncertainty"]
        elif any(c in item for c in GLOB):
            matched = [p.name for p in table if fnmatch.fnmatchcase(p.name, item)]
            if not matched:
                raise ScenarioError(f"{label}: {item!r} matches no declared parameter; sections: "
                                    f"{', '.join(sections_of())} (write e.g. 'world.*', or "
                                    f"{EVERY_UNCERTAINTY!r} for every uncertainty)")
        else:
            matched = [item]
        names.extend(n for n in matched if n not in names)
    if not names:
        raise ScenarioError(f"{label}: at least one parameter is required")
    return names


def section_groups(names: Sequence[str]) -> list[str]:
    """The group of each parameter when grouped by ``sections``: its schema section."""
    table = {p.name: p for p in parameter_table()}
    return [table[n].section if n in table else n.partition(".")[0] for n in names]


def group_names(problem: Mapping[str, Any]) -> list[str]:
    """What a problem's indices are about: its groups, in first-seen order, or its parameters."""
    groups = problem.get("groups")
    return list(dict.fromkeys(groups)) if groups else list(problem["names"])


def to_salib_problem(parameters: Sequence[str] | None = None, *, kind: str = "uncertainty",
                     bounds: Mapping[str, Sequence[float]] | None = None,
                     groups: str | None = None) -> dict[str, Any]:
    """The SALib problem dict for some declared parameters.

    Args:
        parameters: dotted names such as ``"world.demand_growth"``; by default every numeric
            parameter of ``kind`` ('uncertainty' or 'lever').
        bounds: optional narrower bounds per parameter, inside the declared ones.
        groups: ``"sections"`` adds SALib's ``groups`` (one per schema section), so a Morris
            screening moves a whole section at once and costs (groups + 1) runs per trajectory
            instead of (parameters + 1).

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
    problem: dict[str, Any] = {"num_vars": len(names), "names": names, "bounds": problem_bounds}
    if groups is not None:
        if groups not in GROUPINGS:
            raise ScenarioError(f"groups: {groups!r}; allowed: {', '.join(GROUPINGS)}")
        problem["groups"] = section_groups(names)
    return problem


def salib_sample(problem: Mapping[str, Any], method: str = "morris", samples: int = 10, seed: int = 1,
                 levels: int = 4, second_order: bool = False) -> np.ndarray:
    """Seeded SALib sample: ``samples`` Morris trajectories, or Saltelli points for Sobol.

    Morris gives ``samples * (k + 1)`` rows; Sobol ``samples * (k + 2)`` (``2k + 2`` with
    second order), where ``samples`` must be a power of two. With ``groups`` in the problem, k
    is the number of groups.
    """
    problem = dict(problem)
    if method == "morris":
        from SALib.sample import morris

        if samples < 2:
            raise ScenarioError(f"samples: {samples}; Morris needs at least 2 trajectories")
        if levels < 2 or levels % 2:
            raise ScenarioError(f"levels: {levels}; allowed an even number of grid levels, 2 or more")
        return _inside(problem, morris.sample(problem, samples, num_levels=levels, seed=seed))
    if method == "sobol":
        from SALib.sample import sobol

        if samples < 2 or samples & (samples - 1):
            raise ScenarioError(f"samples: {samples}; Sobol needs a power of two, e.g. 16, 32 or 64")
        return _inside(problem, sobol.sample(problem, samples, calc_second_order=second_order, seed=seed))
    raise ScenarioError(f"method: {method!r}; allowed: {', '.join(METHODS)}")


def _inside(problem: Mapping[str, Any], matrix: np.ndarray) -> np.ndarray:
    """The sample with rounding error at the edges removed: SALib's scaling can land a grid point
    a few ulps past a bound (0.15000000000000002 for 0.15), which validation rightly refuses."""
    lows, highs = np.array(problem["bounds"], dtype=float).T
    return np.clip(matrix, lows, highs)


def rows_per_sample(problem: Mapping[str, Any], method: str, second_order: bool = False) -> int:
    """Rows of a sample per trajectory (Morris: k + 1) or base point (Sobol: k + 2, or 2k + 2),
    k counting groups when the problem has them."""
    k = len(group_names(problem))
    if method == "morris":
        return k + 1
    return 2 * k + 2 if second_order else k + 2
