"""Bad scenario files are refused with ONE line naming the file, the dotted key and what is allowed.

Each case writes a small TOML file and expects :class:`ScenarioError`; the message must fit on
one line, start with the file's path, name the offending key and say what would be accepted.
"""

from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path

import pytest

from partnering.scenarios import ScenarioError, list_scenarios, load_scenario
from partnering.scenarios.schema import MAX_AGENTS, Population


def refusal(path: Path) -> str:
    """Load ``path``, expecting one ScenarioError; return its message after the shared checks."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(str(path)), message
    return message


def bad_file(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- unknown keys ------------------------------------------------------------------------------
def test_unknown_top_level_key_is_refused_listing_the_allowed_keys(tmp_path):
    message = refusal(bad_file(tmp_path, "horizon = 40\n"))
    assert "horizon" in message and "unknown key" in message
    for allowed in ("population", "world", "principles", "shocks"):
        assert allowed in message


def test_misspelt_section_is_refused_as_an_unknown_key(tmp_path):
    message = refusal(bad_file(tmp_path, "[wrold]\ndemand_growth = 0.02\n"))
    assert "wrold" in message and "unknown key" in message
    assert "world" in message


def test_unknown_key_inside_a_section_is_refused_with_its_dotted_name(tmp_path):
    message = refusal(bad_file(tmp_path, "[world]\ndemand_grwth = 0.02\n"))
    assert "world.demand_grwth" in message and "unknown key" in message
    assert "demand_growth" in message and "budget_growth" in message


def test_unknown_key_inside_a_shock_is_refused_listing_the_shock_keys(tmp_path):
    message = refusal(bad_file(tmp_path, '[[shocks]]\nkind = "budget_cut"\nstep = 3\nsize = 0.1\nsevere = true\n'))
    assert "severe" in message and "unknown key" in message
    for allowed in ("kind", "step", "size", "service", "target"):
        assert allowed in message


# --- wrong types -------------------------------------------------------------------------------
def test_string_for_a_float_is_refused_with_the_bounds(tmp_path):
    message = refusal(bad_file(tmp_path, '[world]\ndemand_growth = "high"\n'))
    assert "world.demand_growth" in message
    assert "expected a number" in message
    assert "-0.05 to 0.15" in message


def test_float_for_an_integer_is_refused_with_the_bounds(tmp_path):
    message = refusal(bad_file(tmp_path, "[population]\ncouncils = 4.0\n"))
    assert "population.councils" in message
    assert "expected an integer" in message
    assert "1 to 2000" in message


def test_integer_for_a_boolean_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, "[policy]\nsteering_groups = 1\n"))
    assert "policy.steering_groups" in message
    assert "true or false" in message


def test_boolean_for_a_float_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, "[principles]\ncollaborative = true\n"))
    assert "principles.collaborative" in message
    assert "0 to 1" in message


def test_string_for_an_integer_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, '[run]\nsteps = "40"\n'))
    assert "run.steps" in message and "1 to 400" in message


def test_a_value_where_a_section_belongs_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, "world = 3\n"))
    assert "world" in message and "table" in message


# --- out of bounds -----------------------------------------------------------------------------
def test_value_above_its_bound_is_refused_with_the_bounds_and_unit(tmp_path):
    message = refusal(bad_file(tmp_path, "[world]\ndemand_growth = 0.5\n"))
    assert "world.demand_growth" in message
    assert "out of range" in message
    assert "allowed -0.05 to 0.15 (per year)" in message


@pytest.mark.parametrize("literal", ["nan", "+nan", "-nan", "inf", "+inf", "-inf"])
def test_non_finite_number_is_refused(tmp_path, literal):
    message = refusal(bad_file(tmp_path, f"[world]\nbudget_growth = {literal}\n"))
    assert "world.budget_growth" in message
    assert "not a finite number" in message
    assert "-0.1 to 0.1" in message


def test_non_finite_number_in_a_shock_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, '[[shocks]]\nkind = "demand_surge"\nstep = 2\nsize = nan\n'))
    assert re.search(r"shocks(\.\d+)?\.size", message), message
    assert "finite" in message


@pytest.mark.parametrize("field, low", [("councils", "1"), ("large_suppliers", "0"), ("smes_per_place", "0"),
                                         ("groups_per_place", "0")])
def test_negative_population_is_refused(tmp_path, field, low):
    message = refusal(bad_file(tmp_path, f"[population]\n{field} = -3\n"))
    assert f"population.{field}" in message
    assert f"allowed {low} to " in message


@pytest.mark.parametrize("value", ["1.5", "-0.1", "1.0000001"])
def test_principle_outside_zero_to_one_is_refused(tmp_path, value):
    message = refusal(bad_file(tmp_path, f"[principles]\nplace_based = {value}\n"))
    assert "principles.place_based" in message
    assert "allowed 0 to 1" in message


def test_council_override_outside_zero_to_one_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, "[[councils]]\nindex = 0\ncollaborative = 2.0\n"))
    assert re.search(r"councils(\.\d+)?\.collaborative", message), message
    assert "1" in message.split("collaborative", 1)[1]


def test_council_override_for_a_council_that_does_not_exist_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, "[population]\ncouncils = 4\n[[councils]]\nindex = 4\n"))
    assert "councils.index" in message
    assert "0 to 3" in message


# --- populations that would exhaust memory ------------------------------------------------------
@pytest.mark.parametrize("field", ["councils", "large_suppliers", "smes_per_place", "groups_per_place"])
def test_enormous_population_is_refused_by_its_bound(tmp_path, field):
    message = refusal(bad_file(tmp_path, f"[population]\n{field} = 1000000000\n"))
    assert f"population.{field}" in message
    assert "out of range" in message


def test_population_beyond_64_bit_integers_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, "[population]\ncouncils = 99999999999999999999999\n"))
    assert "population.councils" in message


def test_enormous_population_is_refused_before_anything_is_allocated(tmp_path):
    path = bad_file(tmp_path, "[population]\ncouncils = 2000000000\nsmes_per_place = 2000000000\n")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ScenarioError):
            load_scenario(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2.0
    assert peak < 5_000_000


def test_largest_population_the_bounds_allow_is_within_the_agent_limit():
    fields = Population.model_fields
    most = {name: fields[name].json_schema_extra["high"] for name in
            ("councils", "large_suppliers", "smes_per_place", "groups_per_place")}
    agents = most["councils"] * (1 + most["smes_per_place"] + most["groups_per_place"]) + most["large_suppliers"]
    assert agents <= MAX_AGENTS


# --- extends -----------------------------------------------------------------------------------
def test_unknown_extends_is_refused_listing_the_builtins(tmp_path):
    message = refusal(bad_file(tmp_path, 'extends = "transactionl"\n'))
    assert "extends" in message and "transactionl" in message
    for name in list_scenarios():
        assert name in message


def test_extends_of_a_missing_toml_file_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, 'extends = "nowhere.toml"\n'))
    assert "extends" in message and "nowhere.toml" in message


def test_extends_that_is_not_a_name_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, "extends = 3\n"))
    assert "extends" in message and "3" in message


def test_cyclic_extends_between_two_files_is_refused_naming_the_chain(tmp_path):
    bad_file(tmp_path, 'extends = "b.toml"\n', "a.toml")
    bad_file(tmp_path, 'extends = "a.toml"\n', "b.toml")
    message = refusal(tmp_path / "a.toml")
    assert "extends" in message and "cyclic" in message
    assert "a -> b -> a" in message


def test_a_file_extending_itself_is_refused(tmp_path):
    path = bad_file(tmp_path, 'extends = "self.toml"\n', "self.toml")
    message = refusal(path)
    assert "extends" in message and "cyclic" in message
    assert "self -> self" in message


def test_a_cycle_further_up_the_chain_is_refused(tmp_path):
    bad_file(tmp_path, 'extends = "b.toml"\n', "a.toml")
    bad_file(tmp_path, 'extends = "c.toml"\n', "b.toml")
    bad_file(tmp_path, 'extends = "b.toml"\n', "c.toml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.toml")
    message = str(info.value)
    assert "\n" not in message
    assert "cyclic" in message and "b -> c -> b" in message


def test_an_error_in_a_parent_file_names_the_parent(tmp_path):
    bad_file(tmp_path, "[world\n", "parent.toml")
    child = bad_file(tmp_path, 'extends = "parent.toml"\n', "child.toml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert "parent.toml" in str(info.value)
    assert "\n" not in str(info.value)


# --- unreadable files --------------------------------------------------------------------------
def test_malformed_toml_is_refused_with_the_line(tmp_path):
    message = refusal(bad_file(tmp_path, "[world]\ndemand_growth = 0.02\n[policy\n"))
    assert "malformed TOML" in message
    assert "line 3" in message


def test_duplicate_key_is_refused_as_malformed_toml(tmp_path):
    message = refusal(bad_file(tmp_path, "[world]\ndemand_growth = 0.02\ndemand_growth = 0.03\n"))
    assert "malformed TOML" in message


def test_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('description = "Café"\n'.encode("latin-1"))
    message = refusal(path)
    assert "UTF-8" in message or "utf-8" in message


def test_missing_file_is_refused(tmp_path):
    path = tmp_path / "absent.toml"
    message = refusal(path)
    assert "no such scenario file" in message


def test_unknown_builtin_name_is_refused_listing_the_builtins():
    with pytest.raises(ScenarioError) as info:
        load_scenario("transactionl")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("transactionl")
    assert "transactional" in message and "changemaking" in message


def test_a_folder_is_refused_as_a_scenario(tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    message = refusal(folder)
    assert "cannot read" in message


# --- shocks ------------------------------------------------------------------------------------
def test_shock_on_an_unknown_service_is_refused_listing_the_services(tmp_path):
    message = refusal(bad_file(tmp_path, '[[shocks]]\nkind = "demand_surge"\nstep = 2\nsize = 0.2\nservice = "libraries"\n'))
    assert re.search(r"shocks(\.\d+)?\.service", message), message
    assert "libraries" in message
    assert "adult_social_care" in message and "waste_collection" in message


@pytest.mark.parametrize("target", ["rank:0", "rank:-1", "rank:x", "smallest", "rank:", ""])
def test_supplier_failure_with_a_bad_target_is_refused(tmp_path, target):
    message = refusal(bad_file(tmp_path, f'[[shocks]]\nkind = "supplier_failure"\nstep = 2\ntarget = "{target}"\n'))
    assert re.search(r"shocks(\.\d+)?\.target", message), message
    assert "'largest'" in message and "'rank:N'" in message


@pytest.mark.parametrize("target", ["largest", "rank:1", "rank:12"])
def test_supplier_failure_with_a_good_target_is_accepted(tmp_path, target):
    path = bad_file(tmp_path, f'[[shocks]]\nkind = "supplier_failure"\nstep = 2\ntarget = "{target}"\n', "good.toml")
    assert load_scenario(path).shocks[0].target == target


def test_shock_of_an_unknown_kind_is_refused_listing_the_kinds(tmp_path):
    message = refusal(bad_file(tmp_path, '[[shocks]]\nkind = "meteor"\nstep = 2\n'))
    assert re.search(r"shocks(\.\d+)?\.kind", message), message
    for kind in ("demand_surge", "budget_cut", "supplier_failure"):
        assert kind in message


def test_shock_larger_than_everything_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, '[[shocks]]\nkind = "budget_cut"\nstep = 2\nsize = 1.5\n'))
    assert re.search(r"shocks(\.\d+)?\.size", message), message
    assert "1" in message.split("size", 1)[1]


# --- services ----------------------------------------------------------------------------------
def test_empty_service_catalogue_is_refused(tmp_path):
    message = refusal(bad_file(tmp_path, "services = []\n"))
    assert "services" in message and "at least one" in message


def test_service_missing_its_attributes_is_refused_naming_the_attribute(tmp_path):
    message = refusal(bad_file(tmp_path, '[[services]]\nname = "libraries"\n'))
    assert re.search(r"services(\.\d+)?\.annual_value", message), message
