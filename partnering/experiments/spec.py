"""Sweep specification files (TOML), validated like scenarios: strict, no unknown keys, and
every problem reported in one line naming the file, the key and what is allowed.

A spec names the base scenarios, replications, horizon and root seed, overrides applied to
every arm, and at most one way of varying parameters::

    name = "levers"
    scenarios = ["transactional", "changemaking"]
    replications = 20
    steps = 40
    seed = 1

    [overrides]                      # applied to every arm
    "population.councils" = 8

    [grid]                           # full factorial (or [lhs], or [sensitivity])
    "principles.collaborative" = [0.0, 0.5, 1.0]
    "policy.steering_groups" = [false, true]
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from partnering.experiments.design import (
    DEFAULT_ROOT_SEED,
    Design,
    grid_design,
    lhs_design,
    salib_design,
    scenario_design,
)
from partnering.scenarios import (
    PRINCIPLE_NAMES,
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
)
from partnering.scenarios.loader import read_toml

Value = bool | int | float


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class LhsSpec(_Spec):
    """A Latin hypercube over some declared parameters."""

    samples: int = Field(ge=1, le=1_000_000, description="points of the hypercube")
    parameters: list[str] = Field(min_length=1, description="dotted parameter names")
    bounds: dict[str, list[float]] = Field(default_factory=dict, description="narrower bounds per parameter")


class SensitivitySpec(_Spec):
    """A SALib design: Morris trajectories (default) or Saltelli points for Sobol indices."""

    method: Literal["morris", "sobol"] = "morris"
    samples: int = Field(10, ge=2, le=1_000_000, description="Morris trajectories or Sobol base points (power of 2)")
    parameters: list[str] = Field(default_factory=lambda: [f"principles.{p}" for p in PRINCIPLE_NAMES], min_length=1)
    bounds: dict[str, list[float]] = Field(default_factory=dict)
    levels: int = Field(4, ge=2, le=100, description="Morris grid levels (even)")
    second_order: bool = False
    groups: Literal["sections"] | None = Field(None, description="screen one group per schema section")


class PackageSpec(_Spec):
    """A lever package: a base scenario with some levers set."""

    base: str = Field("transactional", description="base scenario: a built-in name or a TOML file")
    levers: dict[str, Value] = Field(min_length=1, description="lever = value")


class ExploreSpec(_Spec):
    """Futures (a Latin hypercube over uncertainties) x policies, and what to ask of them."""

    futures: int = Field(200, ge=2, le=1_000_000, description="points of the hypercube of futures")
    uncertainties: list[str] | None = Field(None, min_length=1, description="default: every declared uncertainty")
    bounds: dict[str, list[float]] = Field(default_factory=dict, description="narrower bounds per uncertainty")
    policies: list[str] = Field(default_factory=lambda: ["transactional", "changemaking", "policy_package"],
                                min_length=1, description="scenario names or files, or names of packages below")
    packages: dict[str, PackageSpec] = Field(default_factory=dict)
    questions: list[str] = Field(default_factory=list, description="for scenario discovery")
    thresholds: list[str] = Field(default_factory=list, description="for satisficing")
    metrics: list[str] | None = Field(None, min_length=1, description="for regret; default the headline metrics")
    step: int | None = Field(None, ge=0, le=400, description="horizon analysed; default the last step")
    min_coverage: float | None = Field(None, ge=0.0, le=1.0, description="a chosen PRIM box keeps this share of cases")
    max_dims: int | None = Field(None, ge=1, le=1000, description="a chosen PRIM box restricts at most this many")


EXPLORE_REPLICATIONS = 2
"""Replications when an exploration's spec does not say: its futures carry most of the spread."""


class SweepSpec(_Spec):
    """A sweep: base scenarios x (grid | hypercube | SALib sample | futures x policies) x replications."""

    name: str = ""
    description: str = ""
    scenarios: list[str] = Field(default_factory=lambda: ["transactional"], min_length=1)
    replications: int = Field(20, ge=1, le=100_000)
    steps: int | None = Field(None, ge=1, le=400)
    seed: int = Field(DEFAULT_ROOT_SEED, ge=0, le=2**63 - 1)
    overrides: dict[str, Value] = Field(default_factory=dict)
    grid: dict[str, list[Value]] = Field(default_factory=dict)
    lhs: LhsSpec | None = None
    sensitivity: SensitivitySpec | None = None
    explore: ExploreSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _explore_replications(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("explore") is not None and "replications" not in data:
            return {**data, "replications": EXPLORE_REPLICATIONS}
        return data

    @model_validator(mode="after")
    def _one_way_of_varying(self) -> SweepSpec:
        chosen = [k for k in ("grid", "lhs", "sensitivity", "explore") if getattr(self, k)]
        if len(chosen) > 1:
            raise ValueError(f"{' and '.join(chosen)}: choose one of grid, lhs, sensitivity or explore per sweep")
        if self.sensitivity and len(self.scenarios) != 1:
            raise ValueError("scenarios: a sensitivity sweep needs exactly one base scenario")
        if self.explore and "scenarios" in self.model_fields_set:
            raise ValueError("scenarios: an exploration's policies replace the scenarios; list them in explore.policies")
        return self


SECTIONS: dict[tuple[str, ...], type[_Spec]] = {(): SweepSpec, ("lhs",): LhsSpec, ("sensitivity",): SensitivitySpec,
                                                ("explore",): ExploreSpec, ("explore", "packages", "*"): PackageSpec}
TYPE_NAMES = {"int": "an integer", "float": "a number", "bool": "true or false", "string": "a string",
              "list": "a list", "dict": "a table", "model": "a table"}
UNION_TAGS = {"bool", "int", "float", "str", "list[float]"}


def _location(loc: tuple[Any, ...]) -> tuple[list[str], str]:
    parts = [str(p) for p in loc if not isinstance(p, int) and str(p) not in UNION_TAGS]
    return parts, ".".join(parts)


def format_spec_error(source: str, exc: ValidationError) -> str:
    """The first problem as one line: file, dotted key, what is wrong and what is allowed."""
    errors = exc.errors()
    # a misspelt key also makes the real one 'missing': name the misspelling, which explains both
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    parts, loc = _location(err["loc"])
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        section = tuple(parts[:-1])
        model = SECTIONS.get(section) or SECTIONS.get((*section[:-1], "*"), SweepSpec)
        return f"{source}: {loc}: unknown key; allowed keys: {', '.join(model.model_fields)}"
    if kind == "missing":
        return f"{source}: {loc}: required key is missing"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bounds = ", ".join(f"{k} {v}" for k, v in ctx.items() if k in ("ge", "gt", "le", "lt"))
        return f"{source}: {loc}: {value!r} is out of range; allowed {bounds}"
    if kind == "literal_error":
        return f"{source}: {loc}: {value!r} not allowed; allowed: {ctx.get('expected', '')}"
    if kind == "too_short":
        return f"{source}: {loc}: at least one item is required"
    if kind == "finite_number":
        return f"{source}: {loc}: {value!r} is not a finite number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{source}: {loc}: {value!r} is not a finite number"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        same = [e for e in errors if _location(e["loc"])[1] == loc and e["type"].endswith("_type")]
        wanted = " or ".join(dict.fromkeys(TYPE_NAMES.get(e["type"].split("_")[0], e["type"]) for e in same))
        return f"{source}: {loc}: expected {wanted}, got {value!r}"
    message = err["msg"].removeprefix("Value error, ")
    return f"{source}: {message}" if not loc else f"{source}: {loc}: {message}"


def spec_from_dict(data: dict[str, Any], source: str = "<spec>") -> SweepSpec:
    """Validate a plain dict (as read from TOML) into a SweepSpec, with one-line errors."""
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_spec_error(source, exc)) from None


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec file."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: no such sweep spec file")
    return spec_from_dict(read_toml(path), str(path))


def _scenario(ref: str, base_dir: Path | None, source: str) -> Scenario:
    candidate = Path(ref)
    if base_dir is not None and candidate.suffix == ".toml" and not candidate.is_absolute():
        relative = base_dir / candidate
        if relative.exists():
            ref = str(relative)
    try:
        return load_scenario(ref)
    except ScenarioError as exc:
        raise ScenarioError(f"{source}: scenarios: {exc}") from None


def _within(source: str, section: str, exc: ScenarioError) -> ScenarioError:
    return ScenarioError(f"{source}: {section}.{exc}" if section else f"{source}: {exc}")


def _explore_design(section: ExploreSpec, base_dir: Path | None, source: str, common: dict[str, Any]) -> Design:
    from partnering.experiments.exploration import Policy, explore_design

    policies: list[Scenario | Policy] = []
    for name in section.policies:
        package = section.packages.get(name)
        if package is None:
            policies.append(_scenario(name, base_dir, f"{source}: explore.policies"))
        else:
            policies.append(Policy(name, _scenario(package.base, base_dir, f"{source}: explore.packages.{name}.base"),
                                   package.levers))
    unused = sorted(set(section.packages) - set(section.policies))
    if unused:
        raise ScenarioError(f"packages: {unused[0]!r} is defined but not listed in explore.policies")
    return explore_design(policies, section.uncertainties, section.futures, bounds=section.bounds, **common)


def explore_settings(spec: SweepSpec) -> Any:
    """What a spec's [explore] section asks of the exploration (questions, thresholds, metrics)."""
    from partnering.experiments.exploration import Settings

    section = spec.explore or ExploreSpec()
    return Settings(tuple(section.questions), tuple(section.thresholds),
                    None if section.metrics is None else tuple(section.metrics), section.step,
                    section.min_coverage, section.max_dims)


def design_from_spec(spec: SweepSpec, source: str = "<spec>", base_dir: Path | None = None) -> Design:
    """The design a spec describes; every problem is one line naming the spec file and key."""
    bases = [_scenario(ref, base_dir, source) for ref in spec.scenarios]
    for base in bases:
        apply_overrides(base, dict(spec.overrides), source=f"{source}: overrides")
        for key, values in spec.grid.items():
            for value in values:
                apply_overrides(base, {**spec.overrides, key: value}, source=f"{source}: grid")
    common = {"replications": spec.replications, "steps": spec.steps, "root_seed": spec.seed,
              "overrides": spec.overrides, "name": spec.name}
    try:
        if spec.sensitivity is not None:
            s = spec.sensitivity
            try:
                return salib_design(bases[0], s.parameters, method=s.method, samples=s.samples, bounds=s.bounds,
                                    levels=s.levels, second_order=s.second_order, groups=s.groups, **common)
            except ScenarioError as exc:
                raise _within(source, "sensitivity", exc) from None
        if spec.lhs is not None:
            try:
                return lhs_design(bases, spec.lhs.parameters, spec.lhs.samples, bounds=spec.lhs.bounds, **common)
            except ScenarioError as exc:
                raise _within(source, "lhs", exc) from None
        if spec.explore is not None:
            try:
                return _explore_design(spec.explore, base_dir, source, common)
            except ScenarioError as exc:
                raise _within(source, "explore", exc) from None
        if spec.grid:
            return grid_design(bases, spec.grid, **common)
        return scenario_design(bases, **common)
    except ScenarioError as exc:
        text = str(exc)
        raise ScenarioError(text if text.startswith(source) else f"{source}: {text}") from None


def spec_with(spec: SweepSpec | None = None, source: str = "command line", **changes: Any) -> SweepSpec:
    """A spec with command-line options laid over it (options left as None change nothing).

    ``overrides`` are merged into the spec's; ``sensitivity`` and ``explore`` are dicts merged into
    their sections.
    """
    data = (spec or SweepSpec()).model_dump(exclude_unset=True, exclude_none=True)
    for key, value in changes.items():
        if value is None:
            continue
        if key == "overrides":
            data["overrides"] = {**data.get("overrides", {}), **value}
        elif key in ("sensitivity", "explore"):
            data[key] = {**data.get(key, {}), **{k: v for k, v in value.items() if v is not None}}
        else:
            data[key] = value
    return spec_from_dict(data, source)
