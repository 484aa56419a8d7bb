"""A bad value reached through ``extends`` is reported against the file that holds it.

Validation runs on the merged scenario, so the loader keeps, for every key, the file in the chain
that set it last (a child overrides its parent); the one-line message names that file, not the
file that was loaded. Checks across sections (no one key is at fault) name the loaded file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from partnering.scenarios import ScenarioError, load_scenario


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    """Load ``path``, expecting one ScenarioError of one line; return its message."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def three_levels(tmp_path: Path, base: str, middle: str, top: str) -> tuple[Path, Path, Path]:
    """top.toml extends middle.toml extends base.toml, each with the given body."""
    return (
        write(tmp_path / "base.toml", base),
        write(tmp_path / "middle.toml", 'extends = "base.toml"\n' + middle),
        write(tmp_path / "top.toml", 'extends = "middle.toml"\n' + top),
    )


# --- the file holding the bad value is named ----------------------------------------------------
def test_a_bad_value_in_the_middle_of_a_three_level_chain_names_the_middle_file(tmp_path):
    base, middle, top = three_levels(
        tmp_path,
        base="[principles]\ncollaborative = 0.3\n",
        middle="[principles]\nplace_based = 2.0\n",
        top="[principles]\ncreative = 0.4\n[world]\ndemand_growth = 0.03\n",
    )
    message = refusal(top)
    assert message == f"{middle}: principles.place_based: 2.0 is out of range; allowed 0 to 1 (level)"
    assert str(top) not in message and str(base) not in message


def test_a_bad_value_at_the_root_of_a_three_level_chain_names_the_root_file(tmp_path):
    base, _, top = three_levels(
        tmp_path,
        base="[world]\ndemand_growth = 0.9\n",
        middle="[world]\nbudget_growth = -0.02\n",
        top="[principles]\ncreative = 0.4\n",
    )
    assert refusal(top).startswith(f"{base}: world.demand_growth: 0.9 is out of range; allowed -0.05 to 0.15")


def test_a_bad_value_in_the_middle_of_a_chain_ending_in_a_builtin_names_the_middle_file(tmp_path):
    middle = write(tmp_path / "middle.toml", 'extends = "changemaking"\n[population]\ncouncils = 0\n')
    top = write(tmp_path / "top.toml", 'extends = "middle.toml"\n[population]\nsmes_per_place = 3\n')
    assert refusal(top).startswith(f"{middle}: population.councils: 0 is out of range; allowed 1 to 2000")


def test_a_bad_value_in_the_child_names_the_child_even_when_its_parent_sets_the_same_section(tmp_path):
    parent = write(tmp_path / "parent.toml", "[principles]\nplace_based = 0.2\ncreative = 0.9\n")
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[principles]\ncreative = 1.5\n')
    message = refusal(child)
    assert message == f"{child}: principles.creative: 1.5 is out of range; allowed 0 to 1 (level)"
    assert str(parent) not in message


def test_a_bad_value_in_a_child_of_a_builtin_names_the_child(tmp_path):
    child = write(tmp_path / "child.toml", 'extends = "uk_2018"\n[world]\nbudget_growth = -inf\n')
    assert refusal(child).startswith(f"{child}: world.budget_growth: -inf is not a finite number")


def test_an_unknown_key_in_a_parent_names_the_parent(tmp_path):
    parent = write(tmp_path / "parent.toml", "[world]\ndemand_grwth = 0.02\n")
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[world]\ndemand_growth = 0.01\n')
    message = refusal(child)
    assert message.startswith(f"{parent}: world.demand_grwth: unknown key; allowed keys: ")
    assert "demand_growth" in message.partition("allowed keys: ")[2]


def test_a_bad_list_item_in_a_parent_names_the_parent(tmp_path):
    parent = write(tmp_path / "parent.toml", '[[shocks]]\nkind = "budget_cut"\nstep = 3\nsize = 1.5\n')
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[world]\ndemand_growth = 0.01\n')
    message = refusal(child)
    assert message.startswith(f"{parent}: shocks.0.size: 1.5 is out of range"), message


def test_a_wrong_type_for_a_whole_section_in_a_parent_names_the_parent(tmp_path):
    parent = write(tmp_path / "parent.toml", "principles = 3\n")
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[world]\ndemand_growth = 0.01\n')
    assert refusal(child).startswith(f"{parent}: principles: "), refusal(child)


def test_a_check_across_sections_names_the_file_that_was_loaded(tmp_path):
    """No single key is at fault when a council override points past the parent's population."""
    write(tmp_path / "parent.toml", "[population]\ncouncils = 2\n")
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[[councils]]\nindex = 5\n')
    assert refusal(child).startswith(f"{child}: councils.index: 5 but population.councils is 2")


# --- a child that overrides a parent's bad value loads ------------------------------------------
def test_a_child_overriding_its_parents_bad_value_with_a_good_one_loads(tmp_path):
    write(tmp_path / "parent.toml", "[principles]\nplace_based = 2.0\ncreative = 0.7\n")
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[principles]\nplace_based = 0.6\n')
    scenario = load_scenario(child)
    assert scenario.principles.place_based == 0.6
    assert scenario.principles.creative == 0.7


def test_a_middle_file_overriding_the_roots_bad_value_lets_the_whole_chain_load(tmp_path):
    _, _, top = three_levels(
        tmp_path,
        base="[population]\ncouncils = 0\nsmes_per_place = 5\n",
        middle="[population]\ncouncils = 3\n",
        top="[principles]\ncreative = 0.4\n",
    )
    scenario = load_scenario(top)
    assert (scenario.population.councils, scenario.population.smes_per_place) == (3, 5)
    assert scenario.principles.creative == 0.4


def test_a_child_replacing_a_parents_bad_list_with_a_good_one_loads(tmp_path):
    write(tmp_path / "parent.toml", '[[shocks]]\nkind = "budget_cut"\nstep = 3\nsize = 1.5\n')
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[[shocks]]\nkind = "budget_cut"\nstep = 4\nsize = 0.2\n')
    assert [(s.step, s.size) for s in load_scenario(child).shocks] == [(4, 0.2)]


def test_a_bad_value_in_a_list_that_replaced_the_parents_names_the_child(tmp_path):
    write(tmp_path / "parent.toml", '[[shocks]]\nkind = "budget_cut"\nstep = 3\nsize = 0.1\n')
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[[shocks]]\nkind = "budget_cut"\nstep = 4\nsize = 2.0\n')
    assert refusal(child).startswith(f"{child}: shocks.0.size: 2.0 is out of range")
