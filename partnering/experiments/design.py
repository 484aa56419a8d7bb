"""Experimental designs: which scenarios, parameter values and seeds a sweep runs.

A design is a list of *points* (an arm: a base scenario plus parameter overrides) crossed with
R replications. Every arm uses the same R seeds (common random numbers), drawn once from
``numpy.random.SeedSequence(root_seed).spawn(R)``, so a run's numbers depend only on its arm
and seed: never on the backend, the number of workers or the order in which runs finish.

Each run has a stable id derived from (arm, scenario content hash, seed, steps); the store uses
it to resume a sweep without running anything twice.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from partnering.experiments.problem import expand_parameters, salib_sample, to_salib_problem
from partnering.scenarios import (
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    parameter,
    scenario_to_toml,
)

DesignKind = Literal["scenarios", "grid", "lhs", "salib", "explore"]
DEFAULT_ROOT_SEED = 1
"""Root of the replication seeds when none is given, so a sweep repeated later matches."""


@dataclass(frozen=True)
class Point:
    """One arm of a design: a base scenario with parameter overrides.

    ``sample`` keeps the raw sampler row (before integers are rounded and booleans thresholded)
    for designs built by a sampler, because SALib's estimators need the values it drew.
    """

    arm: str
    scenario: str
    overrides: Mapping[str, Any]
    scenario_hash: str
    sample: tuple[float, ...] = ()


@dataclass(frozen=True)
class RunSpec:
    """One model run: a point of the design and one replication seed."""

    run_id: str
    point: int
    arm: str
    replication: int
    seed: int


@dataclass(frozen=True)
class Design:
    """Points crossed with replication seeds, plus what a sampler needs to analyse the outputs."""

    kind: DesignKind
    points: tuple[Point, ...]
    seeds: tuple[int, ...]
    steps: int
    root_seed: int
    scenarios: Mapping[str, Scenario]
    name: str = ""
    problem: Mapping[str, Any] | None = None
    method: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def replications(self) -> int:
        return len(self.seeds)

    @property
    def arms(self) -> list[str]:
        return [p.arm for p in self.points]

    def __len__(self) -> int:
        return len(self.points) * len(self.seeds)

    def runs(self) -> Iterator[RunSpec]:
        """Every run, replication by replication, so a sweep stopped early has balanced arms."""
        for replication, seed in enumerate(self.seeds):
            for index, point in enumerate(self.points):
                yield RunSpec(run_id(point.arm, point.scenario_hash, seed, self.steps), index,
                              point.arm, replication, seed)

    def resolve(self, point: int) -> Scenario:
        """The validated scenario a point runs: its base with its overrides applied."""
        spec = self.points[point]
        return apply_overrides(self.scenarios[spec.scenario], dict(spec.overrides), source=spec.arm)

    def fingerprint(self) -> str:
        """A hash of everything that decides the numbers, used to refuse mixing two sweeps."""
        payload = {
            "kind": self.kind,
            "steps": self.steps,
            "seeds": list(self.seeds),
            "points": [[p.arm, p.scenario_hash, dict(sorted(p.overrides.items()))] for p in self.points],
            "method": self.method,
            "options": dict(sorted(self.options.items())),
        }
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> str:
        """One line for messages: '3 arms x 20 replications x 40 steps = 60 runs'."""
        return (f"{_count(len(self.points), 'arm')} x {_count(self.replications, 'replication')} x "
                f"{_count(self.steps, 'step')} = {_count(len(self), 'run')}")

    def manifest(self) -> dict[str, Any]:
        """The design as plain JSON data, written beside the results so they explain themselves."""
        return {
            "name": self.name,
            "kind": self.kind,
            "fingerprint": self.fingerprint(),
            "steps": self.steps,
            "root_seed": self.root_seed,
            "replications": self.replications,
            "seeds": list(self.seeds),
            "points": [
                {"arm": p.arm, "scenario": p.scenario, "scenario_hash": p.scenario_hash,
                 "overrides": dict(p.overrides), "sample": list(p.sample)}
                for p in self.points
            ],
            "scenarios": {name: scenario_to_toml(s) for name, s in self.scenarios.items()},
            "problem": None if self.problem is None else dict(self.problem),
            "method": self.method,
            "options": dict(self.options),
        }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def run_id(arm: str, scenario_hash: str, seed: int, steps: int) -> str:
    """The stable key of one run: the same inputs always give the same id."""
    text = f"{arm}|{scenario_hash}|{seed}|{steps}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def replication_seeds(root_seed: int, replications: int) -> tuple[int, ...]:
    """R independent 63-bit seeds from ``SeedSequence(root_seed).spawn(R)``.

    63 bits keep the seed an exact int64 in Parquet and make a collision between two
    replications practically impossible.
    """
    if replications < 1:
        raise ScenarioError(f"replications: {replications}; allowed 1 or more")
    if root_seed < 0:
        raise ScenarioError(f"seed: {root_seed}; allowed 0 or more")
    children = np.random.SeedSequence(root_seed).spawn(replications)
    seeds = tuple(int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children)
    if len(set(seeds)) != len(seeds):  # pragma: no cover - needs a 63-bit collision
        raise ScenarioError(f"seed: {root_seed} gives two equal replication seeds; choose another root seed")
    return seeds


# ----------------------------------------------------------------------------- helpers
def _load_bases(scenarios: Sequence[str | Path | Scenario] | str | Path | Scenario) -> dict[str, Scenario]:
    if isinstance(scenarios, str | Path | Scenario):
        scenarios = [scenarios]
    bases: dict[str, Scenario] = {}
    for item in scenarios:
        scenario = item if isinstance(item, Scenario) else load_scenario(item)
        if scenario.name in bases:
            raise ScenarioError(f"scenarios: {scenario.name!r} is listed twice; each arm needs its own name")
        bases[scenario.name] = scenario
    if not bases:
        raise ScenarioError("scenarios: at least one scenario is required")
    return bases


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds; strict validation then judges its type."""
    return value.item() if isinstance(value, np.generic) else value


def from_sample(name: str, value: float) -> Any:
    """A sampler's number as the declared type: integers rounded, booleans above one half."""
    kind = parameter(name).type
    if kind == "bool":
        return bool(value >= 0.5)
    if kind == "int":
        return round(float(value))
    return float(value)


def _steps(bases: Mapping[str, Scenario], steps: int | None) -> int:
    if steps is not None:
        if not 1 <= steps <= 400:
            raise ScenarioError(f"steps: {steps}; allowed 1 to 400 (quarters)")
        return steps
    horizons = {s.run.steps for s in bases.values()}
    if len(horizons) > 1:
        raise ScenarioError(f"steps: the scenarios have different horizons {sorted(horizons)}; give steps explicitly")
    return horizons.pop()


def _point(arm: str, base: str, bases: Mapping[str, Scenario], overrides: Mapping[str, Any],
           sample: tuple[float, ...] = ()) -> Point:
    resolved = apply_overrides(bases[base], dict(overrides), source=arm)
    return Point(arm, base, dict(overrides), resolved.content_hash(), sample)


def _build(kind: DesignKind, points: list[Point], bases: dict[str, Scenario], steps: int | None,
           replications: int, root_seed: int, name: str, **extra: Any) -> Design:
    arms = [p.arm for p in points]
    if len(set(arms)) != len(arms):
        duplicate = next(a for a in arms if arms.count(a) > 1)
        raise ScenarioError(f"design: arm {duplicate!r} appears twice")
    return Design(kind=kind, points=tuple(points), seeds=replication_seeds(root_seed, replications),
                  steps=_steps(bases, steps), root_seed=root_seed, scenarios=bases, name=name, **extra)


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


# ----------------------------------------------------------------------------- designs
def scenario_design(scenarios: Sequence[str | Path | Scenario] | str | Path | Scenario,
                    replications: int = 20, steps: int | None = None, root_seed: int = DEFAULT_ROOT_SEED,
                    overrides: Mapping[str, Any] | None = None, name: str = "") -> Design:
    """(a) A list of scenarios, each an arm, with the same overrides applied to all of them."""
    bases = _load_bases(scenarios)
    common = {k: plain(v) for k, v in (overrides or {}).items()}
    points = [_point(base, base, bases, common) for base in bases]
    return _build("scenarios", points, bases, steps, replications, root_seed, name)


def grid_design(scenarios: Sequence[str | Path | Scenario] | str | Path | Scenario,
                grid: Mapping[str, Sequence[Any]], replications: int = 20, steps: int | None = None,
                root_seed: int = DEFAULT_ROOT_SEED, overrides: Mapping[str, Any] | None = None,
                name: str = "") -> Design:
    """(b) The full factorial of the grid's values, under each base scenario."""
    bases = _load_bases(scenarios)
    if not grid:
        raise ScenarioError("grid: at least one parameter with a list of values is required")
    for key, values in grid.items():
        if not values:
            raise ScenarioError(f"grid: {key}: empty list of values")
    common = {k: plain(v) for k, v in (overrides or {}).items()}
    keys = list(grid)
    fields = [k.partition(".")[2] for k in keys]
    labels = fields if len(set(fields)) == len(fields) else keys
    points = []
    for base in bases:
        for combo in itertools.product(*(grid[k] for k in keys)):
            values = {k: plain(v) for k, v in zip(keys, combo, strict=True)}
            arm = f"{base}[" + ",".join(f"{lab}={_format_value(v)}" for lab, v in zip(labels, values.values(), strict=True)) + "]"
            points.append(_point(arm, base, bases, {**common, **values}))
    return _build("grid", points, bases, steps, replications, root_seed, name)


def lhs_design(scenarios: Sequence[str | Path | Scenario] | str | Path | Scenario,
               parameters: Sequence[str], samples: int, replications: int = 20, steps: int | None = None,
               root_seed: int = DEFAULT_ROOT_SEED, bounds: Mapping[str, Sequence[float]] | None = None,
               overrides: Mapping[str, Any] | None = None, name: str = "") -> Design:
    """(c) A Latin hypercube over the declared bounds (see :func:`latin_hypercube`), under each base.

    ``parameters`` may hold globs (``"world.*"``) and the word ``uncertainties``
    (see :func:`~partnering.experiments.problem.expand_parameters`).
    """
    problem = to_salib_problem(expand_parameters(parameters), bounds=bounds)
    matrix = latin_hypercube(problem, samples, root_seed)
    return _sampled("lhs", scenarios, problem, matrix, replications, steps, root_seed, overrides, name)


def latin_hypercube(problem: Mapping[str, Any], samples: int, root_seed: int) -> np.ndarray:
    """``samples`` rows of a Latin hypercube (``scipy.stats.qmc``) scaled to the problem's bounds.

    The sampler draws from ``default_rng(root_seed)``, a stream distinct from the replication
    seeds (which are spawned children of the same root).
    """
    from scipy.stats import qmc

    if samples < 1:
        raise ScenarioError(f"samples: {samples}; allowed 1 or more")
    unit = qmc.LatinHypercube(d=problem["num_vars"], rng=np.random.default_rng(root_seed)).random(samples)
    lows, highs = np.array(problem["bounds"], dtype=float).T
    return qmc.scale(unit, lows, highs)


def salib_design(scenario: str | Path | Scenario, parameters: Sequence[str], method: str = "morris",
                 samples: int = 10, replications: int = 5, steps: int | None = None,
                 root_seed: int = DEFAULT_ROOT_SEED, bounds: Mapping[str, Sequence[float]] | None = None,
                 overrides: Mapping[str, Any] | None = None, levels: int = 4, second_order: bool = False,
                 name: str = "", groups: str | None = None) -> Design:
    """(d) A SALib sample (Morris trajectories or Saltelli/Sobol points) for sensitivity analysis.

    ``samples`` is SALib's N: trajectories for Morris, base points for Sobol (a power of two).
    ``parameters`` may hold globs and the word ``uncertainties``; ``groups="sections"`` screens
    one group per schema section, so a trajectory costs (sections + 1) points, not (k + 1).
    """
    problem = to_salib_problem(expand_parameters(parameters), bounds=bounds, groups=groups)
    matrix = salib_sample(problem, method, samples, seed=root_seed, levels=levels, second_order=second_order)
    options = {"levels": levels} if method == "morris" else {"second_order": second_order}
    return _sampled("salib", scenario, problem, matrix, replications, steps, root_seed, overrides, name,
                    method=method, options=options)


def _sampled(kind: DesignKind, scenarios: Any, problem: Mapping[str, Any], matrix: np.ndarray,
             replications: int, steps: int | None, root_seed: int, overrides: Mapping[str, Any] | None,
             name: str, method: str | None = None, options: Mapping[str, Any] | None = None) -> Design:
    bases = _load_bases(scenarios)
    if kind == "salib" and len(bases) != 1:
        raise ScenarioError("sensitivity: exactly one base scenario is required")
    common = {k: plain(v) for k, v in (overrides or {}).items()}
    names = list(problem["names"])
    width = max(3, len(str(len(matrix) - 1)))
    tag = method or kind
    points = []
    for base in bases:
        for i, row in enumerate(matrix):
            values = {n: from_sample(n, v) for n, v in zip(names, row, strict=True)}
            sample = tuple(float(v) for v in row)
            if not all(math.isfinite(v) for v in sample):  # pragma: no cover - samplers return finite values
                raise ScenarioError(f"{tag}: non-finite sample in row {i}")
            points.append(_point(f"{base}/{tag}-{i:0{width}d}", base, bases, {**common, **values}, sample))
    return _build(kind, points, bases, steps, replications, root_seed, name,
                  problem=dict(problem), method=method, options=dict(options or {}))
