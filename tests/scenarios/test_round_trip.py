"""``scenario_to_toml`` writes any valid scenario so that ``load_scenario`` reads it back equal."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnering.scenarios import (
    apply_overrides,
    load_scenario,
    parameter_table,
    scenario_from_dict,
    scenario_to_toml,
)

ROUND_TRIP = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


def reload(scenario, folder):
    path = folder / f"{scenario.name or 'unnamed'}.toml"
    path.write_text(scenario_to_toml(scenario), encoding="utf-8")
    return load_scenario(path)


def value_within(info):
    if info.type == "bool":
        return st.booleans()
    if info.type == "int":
        return st.integers(int(info.low), int(info.high))
    return st.floats(info.low, info.high, allow_nan=False, allow_infinity=False)


@st.composite
def overrides(draw):
    rows = draw(st.lists(st.sampled_from(parameter_table()), max_size=8, unique_by=lambda r: r.name))
    return {row.name: draw(value_within(row)) for row in rows}


@ROUND_TRIP
@given(assignments=overrides())
def test_round_trip_preserves_every_declared_parameter_value(tmp_path, assignments):
    scenario = apply_overrides(load_scenario("rising_demand"), assignments)
    assert reload(scenario, tmp_path) == scenario


def with_text(name="custom", description="", provenance=None):
    data = load_scenario("transactional").model_dump(mode="python")
    data.update(name=name, description=description, provenance=provenance or {})
    return scenario_from_dict(data)


def test_round_trip_preserves_quotes_and_backslashes_in_the_description(tmp_path):
    scenario = with_text(description='the "changemaking" shift \\ NLGN (2018)')
    assert reload(scenario, tmp_path) == scenario


def test_round_trip_preserves_a_multi_line_description(tmp_path):
    scenario = with_text(description="first line\nsecond line\twith a tab")
    assert reload(scenario, tmp_path) == scenario


def test_round_trip_preserves_every_control_character(tmp_path):
    scenario = with_text(description="".join(map(chr, range(32))) + "\x7f")
    assert reload(scenario, tmp_path) == scenario


@ROUND_TRIP
@given(name=st.text(max_size=20), description=st.text(max_size=40),
       provenance=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3))
def test_round_trip_preserves_any_text_fields(tmp_path, name, description, provenance):
    scenario = with_text(name=name, description=description, provenance=provenance)
    path = tmp_path / "any.toml"
    path.write_text(scenario_to_toml(scenario), encoding="utf-8")
    assert load_scenario(path) == scenario


def test_round_trip_preserves_non_ascii_text(tmp_path):
    scenario = with_text(description="Ynys Môn: £1m threshold — café")
    assert reload(scenario, tmp_path) == scenario


def test_round_trip_preserves_provenance_keys_that_are_not_bare_toml_keys(tmp_path):
    scenario = with_text(provenance={"calibrated by": "partnering calibrate", "status": "ok"})
    assert reload(scenario, tmp_path) == scenario


def test_round_trip_preserves_council_overrides_and_shocks(tmp_path):
    data = load_scenario("supplier_collapse").model_dump(mode="python")
    data["councils"] = [{"index": 2, "collaborative": 0.9}, {"index": 0, "commercial_capability": 0.3}]
    data["shocks"] = [*data["shocks"], {"kind": "demand_surge", "step": 3, "size": 1.0, "service": "leisure"}]
    scenario = scenario_from_dict(data)
    assert reload(scenario, tmp_path) == scenario


@pytest.mark.parametrize("value", [-0.0, 5e-324, 1e-05, (0.1 + 0.2) / 10])
def test_round_trip_preserves_awkward_floats_exactly(tmp_path, value):
    scenario = apply_overrides(load_scenario("transactional"), {"world.bid_cost": value})
    assert reload(scenario, tmp_path).world.bid_cost == value
