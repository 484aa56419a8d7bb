"""The workshop's controls, derived from the scenario schema, and the settings they edit.

Bounds, units and help text come from :func:`partnering.scenarios.parameter_table`, so a bound is
declared once in the schema and never written again here. The only numbers this module adds are
the *interactive limits*: caps on population and thresholds that keep a step fast and the network
readable in a workshop room. A cap never widens the schema's bounds; it only narrows them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from partnering.scenarios import (
    PRINCIPLE_NAMES,
    ParamInfo,
    Scenario,
    apply_overrides,
    list_scenarios,
    load_scenario,
    parameter_table,
    scenario_to_toml,
)

DEFAULT_SCENARIO = "transactional"
DEFAULT_SEED = 1

#: Upper caps (the schema's bounds still apply) that keep the app responsive and the trust network
#: legible: at all caps together a page Step stays near 200 ms on a two-core laptop, against a
#: budget of 300 ms (see benchmarks/bench_workshop.py). The council cap admits uk_2018 (40
#: councils); national-scale scenarios are scaled down to the caps.
INTERACTIVE_CAPS: dict[str, float] = {
    "population.councils": 40,
    "population.large_suppliers": 16,
    "population.smes_per_place": 6,
    "population.groups_per_place": 4,
    "run.steps": 120,
    "policy.accreditation_threshold": 5.0,
    "policy.open_book_threshold": 10.0,
}

#: Structure parameters a participant may change: the population and the horizon.
STRUCTURE_NAMES: tuple[str, ...] = (
    "population.councils",
    "population.large_suppliers",
    "population.smes_per_place",
    "population.groups_per_place",
    "population.neighbours",
    "population.initial_outsourced_share",
    "run.steps",
)


@dataclass(frozen=True)
class Control:
    """One widget's worth of a declared parameter: what to draw and within which limits."""

    name: str
    label: str
    widget: Literal["slider", "switch"]
    type: str
    low: float
    high: float
    step: float
    unit: str
    help: str

    def step_for(self, value: float) -> float:
        """A slider step on whose grid ``value`` lies.

        A browser slider snaps its value to the grid ``low + k * step`` as soon as it is drawn, which
        would silently change a scenario's value (0.2 on a 0.25 grid becomes 0.25). So the step is
        refined down the 1-2-5 sequence until the value sits on the grid.
        """
        step = self.step
        while step > 1e-6 and not _on_grid(value, self.low, step):
            step = _finer(step)
        return step


def _on_grid(value: float, low: float, step: float) -> bool:
    units = (value - low) / step
    return abs(units - round(units)) < 1e-6


def _finer(step: float) -> float:
    """The next smaller step of the 1-2-5 sequence (0.25 counts as 2.5 x 0.1)."""
    power = 10 ** math.floor(math.log10(step) + 1e-9)
    mantissa = step / power
    if mantissa > 5 + 1e-9:
        return 5 * power
    if mantissa > 2 + 1e-9:
        return 2 * power
    if mantissa > 1 + 1e-9:
        return 1 * power
    return 0.5 * power


def label_for(info: ParamInfo) -> str:
    """A human label from the declared field name: ``place_based`` reads "Place based"."""
    return info.field.replace("_", " ").capitalize()


def _nice_step(span: float) -> float:
    """About twenty slider positions, rounded to 1, 2 or 5 times a power of ten."""
    raw = span / 20.0
    if raw <= 0:
        return 0.05
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if raw <= mult * power * 1.0001:
            return mult * power
    return 10 * power


def control_for(info: ParamInfo) -> Control:
    """The widget for one declared parameter, its range narrowed to the interactive caps."""
    if info.type == "bool":
        return Control(info.name, label_for(info), "switch", "bool", 0.0, 1.0, 1.0, info.unit, _help(info, None, None))
    low = float(info.low if info.low is not None else 0.0)
    high = float(info.high if info.high is not None else 1.0)
    cap = INTERACTIVE_CAPS.get(info.name)
    if cap is not None:
        high = min(high, cap)
    step = 1.0 if info.type == "int" else _nice_step(high - low)
    return Control(info.name, label_for(info), "slider", info.type, low, high, step, info.unit, _help(info, low, high))


def _help(info: ParamInfo, low: float | None, high: float | None) -> str:
    text = info.meaning[0].upper() + info.meaning[1:] if info.meaning else info.name
    if low is not None and high is not None:
        text += f" ({info.unit}, {low:g} to {high:g})"
    if info.source:
        text += f". Source: {info.source}"
    return text


def _table() -> dict[str, ParamInfo]:
    return {info.name: info for info in parameter_table()}


def principle_controls() -> list[Control]:
    """The five principle sliders, in the schema's order."""
    table = _table()
    return [control_for(table[f"principles.{name}"]) for name in PRINCIPLE_NAMES]


def policy_controls() -> list[Control]:
    """The policy levers: a switch each, with a threshold slider after the switch it belongs to."""
    return [control_for(info) for info in parameter_table() if info.section == "policy" and info.kind == "lever"]


def structure_controls() -> list[Control]:
    """Population and horizon sliders within the interactive caps."""
    table = _table()
    return [control_for(table[name]) for name in STRUCTURE_NAMES]


def all_controls() -> list[Control]:
    """Every control the workshop draws."""
    return principle_controls() + policy_controls() + structure_controls()


CONTROLLED: tuple[str, ...] = tuple(c.name for c in all_controls())


@dataclass(frozen=True)
class WorkshopSettings:
    """What a participant has chosen: a built-in scenario, the controlled values and the seed.

    Immutable, so a session can compare what is on screen with what the running model was built
    from, and Solara can use it as a dependency.
    """

    scenario: str = DEFAULT_SCENARIO
    values: tuple[tuple[str, Any], ...] = field(default_factory=tuple)
    seed: int = DEFAULT_SEED
    capped: tuple[str, ...] = ()
    """Parameters the scenario sets above the interactive caps, brought down to the cap."""

    @classmethod
    def from_scenario(cls, name: str, seed: int = DEFAULT_SEED) -> WorkshopSettings:
        """The controls as the built-in scenario ``name`` sets them, within the interactive caps.

        A scenario built for national sweeps (``england``: 317 councils, seconds per step) would
        freeze a workshop, so its population is brought down to the caps and ``capped`` says which.
        """
        flat = load_scenario(name).flat()
        values, capped = [], []
        for key in CONTROLLED:
            value = flat[key]
            cap = INTERACTIVE_CAPS.get(key)
            if cap is not None and value > cap:
                value = type(value)(cap)
                capped.append(key)
            values.append((key, value))
        return cls(name, tuple(values), seed, tuple(capped))

    def value(self, name: str) -> Any:
        """The current value of a controlled parameter."""
        for key, value in self.values:
            if key == name:
                return value
        return load_scenario(self.scenario).flat()[name]

    def with_value(self, name: str, value: Any) -> WorkshopSettings:
        """A copy with one parameter changed; ints stay ints so validation accepts them."""
        if name not in CONTROLLED:
            raise KeyError(name)
        info = _table()[name]
        if info.type == "int":
            value = round(float(value))
        elif info.type == "float":
            value = float(value)
        elif info.type == "bool":
            value = bool(value)
        values = tuple((k, value if k == name else v) for k, v in self.values)
        if name not in dict(self.values):
            values = (*values, (name, value))
        return replace(self, values=values, capped=tuple(k for k in self.capped if k != name))

    def with_seed(self, seed: int) -> WorkshopSettings:
        return replace(self, seed=int(seed))

    def build(self) -> Scenario:
        """The validated scenario; raises ScenarioError with a one-line message when invalid."""
        return apply_overrides(load_scenario(self.scenario), dict(self.values), source="workshop")

    def capped_note(self) -> str:
        """A participant-facing sentence when the scenario was scaled down to the caps ('' if not)."""
        if not self.capped:
            return ""
        flat = load_scenario(self.scenario).flat()
        parts = ", ".join(f"{k.split('.')[-1].replace('_', ' ')} {flat[k]} -> {self.value(k)}" for k in self.capped)
        return (f"{self.scenario} is scaled down to the workshop's limits ({parts}) so that it stays responsive; "
                f"`partnering run {self.scenario}` runs it at full size.")

    def changed_from(self, scenario_name: str | None = None) -> list[str]:
        """Controlled parameters that differ from the built-in scenario (for the summary line)."""
        flat = load_scenario(scenario_name or self.scenario).flat()
        return [k for k, v in self.values if flat[k] != v]


def scenario_file(settings: WorkshopSettings) -> str:
    """The settings as a scenario TOML file that ``partnering run`` accepts unchanged.

    The seed is not part of a scenario; it is recorded in ``provenance`` and in the description
    so that ``partnering run FILE --seed N`` reproduces the workshop run.
    """
    scenario = settings.build()
    changed = settings.changed_from()
    what = f"{settings.scenario} with {', '.join(changed)} changed" if changed else settings.scenario
    named = scenario.model_copy(update={
        "name": f"workshop_{settings.scenario}",
        "description": f"Workshop settings: {what}; run with --seed {settings.seed}",
        "provenance": {**scenario.provenance, "workshop_base": settings.scenario, "workshop_seed": str(settings.seed)},
    })
    return scenario_to_toml(named)


def scenario_names() -> list[str]:
    """Every built-in scenario, for the picker."""
    return list_scenarios()
