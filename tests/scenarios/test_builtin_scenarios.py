"""Every built-in scenario loads, writes itself back out unchanged and has a meaningful hash."""

from __future__ import annotations

import pytest

from partnering.scenarios import (
    Scenario,
    apply_overrides,
    list_scenarios,
    load_scenario,
    scenario_to_toml,
)

BUILTINS = list_scenarios()

#: The built-in scenarios MODEL.md section 5 requires at least.
REQUIRED_BUILTINS = (
    "transactional", "changemaking", "collaborative", "creative", "adaptable", "accountable",
    "place_based", "austerity", "rising_demand", "supplier_collapse", "policy_package", "uk_2018",
)


def test_every_required_builtin_scenario_is_listed():
    assert set(REQUIRED_BUILTINS) <= set(BUILTINS)


def test_builtin_scenarios_are_listed_sorted():
    assert sorted(BUILTINS) == BUILTINS


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_scenario_loads_under_its_own_name(name):
    scenario = load_scenario(name)
    assert isinstance(scenario, Scenario)
    assert scenario.name == name
    assert scenario.description


@pytest.mark.parametrize("name", BUILTINS)
def test_scenario_to_toml_round_trips_builtin(name, tmp_path):
    scenario = load_scenario(name)
    path = tmp_path / f"{name}.toml"
    path.write_text(scenario_to_toml(scenario), encoding="utf-8")
    assert load_scenario(path) == scenario


@pytest.mark.parametrize("name", BUILTINS)
def test_scenario_written_as_toml_is_self_contained(name):
    assert "extends" not in scenario_to_toml(load_scenario(name))


@pytest.mark.parametrize("name", BUILTINS)
def test_content_hash_is_stable_across_loads(name):
    assert load_scenario(name).content_hash() == load_scenario(name).content_hash()


def test_content_hash_is_sixteen_hex_digits():
    digest = load_scenario("transactional").content_hash()
    assert len(digest) == 16
    int(digest, 16)


def test_content_hash_changes_when_a_parameter_changes():
    base = load_scenario("transactional")
    changed = apply_overrides(base, {"world.demand_growth": 0.03})
    assert changed.content_hash() != base.content_hash()


def test_content_hash_changes_when_a_principle_changes():
    base = load_scenario("transactional")
    changed = apply_overrides(base, {"principles.collaborative": 0.1})
    assert changed.content_hash() != base.content_hash()


def test_content_hash_ignores_the_name_and_description():
    base = load_scenario("transactional")
    renamed = base.model_copy(update={"name": "renamed", "description": "another description"})
    assert renamed.content_hash() == base.content_hash()


def test_scenarios_differing_only_in_name_hash_alike_when_loaded_from_files(tmp_path):
    text = scenario_to_toml(load_scenario("changemaking"))
    (tmp_path / "one.toml").write_text(text.replace('name = "changemaking"', 'name = "one"'), encoding="utf-8")
    (tmp_path / "two.toml").write_text(text.replace('name = "changemaking"', 'name = "two"'), encoding="utf-8")
    one, two = load_scenario(tmp_path / "one.toml"), load_scenario(tmp_path / "two.toml")
    assert one.name != two.name
    assert one.content_hash() == two.content_hash()


def test_distinct_builtin_scenarios_have_distinct_hashes():
    hashes = {name: load_scenario(name).content_hash() for name in BUILTINS}
    assert len(set(hashes.values())) == len(hashes)


def test_single_shift_scenarios_differ_from_transactional_only_in_their_principle():
    base = load_scenario("transactional").flat()
    for principle in ("collaborative", "creative", "adaptable", "accountable", "place_based"):
        shifted = load_scenario(principle).flat()
        differing = {key for key in base if base[key] != shifted[key]}
        assert differing == {f"principles.{principle}"}


def test_changemaking_raises_all_five_principles():
    principles = load_scenario("changemaking").principles.model_dump()
    assert all(level > 0 for level in principles.values())


def test_policy_package_switches_on_every_recommendation():
    policy = load_scenario("policy_package").policy.model_dump()
    switches = {key: value for key, value in policy.items() if isinstance(value, bool)}
    assert switches
    assert all(switches.values())


def test_supplier_collapse_fails_the_largest_supplier_in_year_three():
    shocks = load_scenario("supplier_collapse").shocks
    assert [(s.kind, s.target) for s in shocks] == [("supplier_failure", "largest")]
    assert 8 <= shocks[0].step < 16
