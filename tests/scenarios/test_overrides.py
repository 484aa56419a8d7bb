"""``parse_assignment`` and ``apply_overrides``: command-line style changes, validated like files."""

from __future__ import annotations

import math

import pytest

from partnering.scenarios import (
    ScenarioError,
    apply_overrides,
    load_scenario,
    parse_assignment,
)


@pytest.fixture(scope="module")
def transactional():
    return load_scenario("transactional")


def test_parse_assignment_reads_a_float():
    assert parse_assignment("principles.collaborative=0.8") == ("principles.collaborative", 0.8)


def test_parse_assignment_reads_an_integer_as_an_integer():
    key, value = parse_assignment("population.councils=4")
    assert (key, value, type(value)) == ("population.councils", 4, int)


def test_parse_assignment_reads_toml_booleans():
    assert parse_assignment("policy.steering_groups=true") == ("policy.steering_groups", True)


def test_parse_assignment_strips_spaces_around_key_and_value():
    assert parse_assignment(" world.demand_growth = 0.03 ") == ("world.demand_growth", 0.03)


def test_parse_assignment_keeps_an_unparseable_value_as_text_for_validation_to_refuse():
    assert parse_assignment("world.demand_growth=high") == ("world.demand_growth", "high")


@pytest.mark.parametrize("text", ["principles.collaborative", "=0.8", ""])
def test_parse_assignment_refuses_text_without_key_and_value(text):
    with pytest.raises(ScenarioError, match="key=value"):
        parse_assignment(text)


def test_apply_overrides_changes_only_the_named_parameter(transactional):
    changed = apply_overrides(transactional, {"world.demand_growth": 0.05})
    before, after = transactional.flat(), changed.flat()
    assert after.pop("world.demand_growth") == 0.05
    before.pop("world.demand_growth")
    assert after == before


def test_apply_overrides_leaves_the_original_scenario_unchanged(transactional):
    apply_overrides(transactional, {"population.councils": 3})
    assert transactional.population.councils == 12


def test_apply_overrides_accepts_several_sections_at_once(transactional):
    changed = apply_overrides(transactional, {"population.councils": 3, "policy.open_book_required": True})
    assert (changed.population.councils, changed.policy.open_book_required) == (3, True)


def test_apply_overrides_accepts_an_integer_for_a_float_parameter(transactional):
    changed = apply_overrides(transactional, {"principles.collaborative": 1})
    assert changed.principles.collaborative == 1.0
    assert isinstance(changed.principles.collaborative, float)


def test_apply_overrides_accepts_the_declared_bounds_inclusively(transactional):
    low = apply_overrides(transactional, {"world.demand_growth": -0.05, "principles.place_based": 0.0})
    high = apply_overrides(transactional, {"world.demand_growth": 0.15, "principles.place_based": 1.0})
    assert (low.world.demand_growth, high.world.demand_growth) == (-0.05, 0.15)


def test_apply_overrides_with_nothing_returns_an_equal_scenario(transactional):
    assert apply_overrides(transactional, {}) == transactional


def one_line_error(transactional, assignments) -> str:
    with pytest.raises(ScenarioError) as info:
        apply_overrides(transactional, assignments)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_apply_overrides_refuses_an_unknown_section(transactional):
    message = one_line_error(transactional, {"wrld.demand_growth": 0.1})
    assert "wrld.demand_growth" in message
    assert "world" in message and "population" in message


def test_apply_overrides_refuses_an_unknown_key_and_lists_the_sections_keys(transactional):
    message = one_line_error(transactional, {"world.demand": 0.1})
    assert "world.demand" in message
    assert "demand_growth" in message and "budget_growth" in message


def test_apply_overrides_refuses_a_value_out_of_bounds(transactional):
    message = one_line_error(transactional, {"world.budget_growth": 0.5})
    assert "world.budget_growth" in message
    assert "-0.1 to 0.1" in message


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_apply_overrides_refuses_non_finite_numbers(transactional, value):
    message = one_line_error(transactional, {"principles.creative": value})
    assert "principles.creative" in message
    assert "finite" in message
    assert "0 to 1" in message


def test_apply_overrides_refuses_a_boolean_for_an_integer(transactional):
    message = one_line_error(transactional, {"population.councils": True})
    assert "population.councils" in message and "integer" in message


def test_apply_overrides_refuses_a_string_for_a_boolean(transactional):
    message = one_line_error(transactional, {"policy.steering_groups": "yes"})
    assert "policy.steering_groups" in message and "true or false" in message


def test_apply_overrides_names_its_source(transactional):
    with pytest.raises(ScenarioError, match=r"^sweep\.csv row 3: "):
        apply_overrides(transactional, {"world.budget_growth": 0.5}, source="sweep.csv row 3")
