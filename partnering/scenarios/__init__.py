"""Scenarios: the validated parameter schema, the TOML loader and the built-in scenarios."""

from partnering.scenarios.loader import (
    ScenarioError,
    apply_overrides,
    list_scenarios,
    load_scenario,
    parse_assignment,
    scenario_from_dict,
    scenario_to_toml,
)
from partnering.scenarios.schema import (
    PRINCIPLE_NAMES,
    SECTIONS,
    ParamInfo,
    Scenario,
    ServiceSpec,
    Shock,
    parameter,
    parameter_table,
)

__all__ = [
    "PRINCIPLE_NAMES",
    "SECTIONS",
    "ParamInfo",
    "Scenario",
    "ScenarioError",
    "ServiceSpec",
    "Shock",
    "apply_overrides",
    "list_scenarios",
    "load_scenario",
    "parameter",
    "parameter_table",
    "parse_assignment",
    "scenario_from_dict",
    "scenario_to_toml",
]
