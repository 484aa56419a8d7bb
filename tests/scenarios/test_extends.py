"""``extends``: a scenario inherits its parent section by section; lists are replaced whole."""

from __future__ import annotations

from partnering.scenarios import load_scenario


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_child_overrides_one_key_and_inherits_the_rest_of_that_section(tmp_path):
    child = load_scenario(write(tmp_path / "child.toml", 'extends = "uk_2018"\n[world]\ndemand_growth = 0.04\n'))
    parent = load_scenario("uk_2018")
    assert child.world.demand_growth == 0.04
    assert child.world.budget_growth == parent.world.budget_growth == -0.025


def test_child_inherits_sections_it_does_not_mention(tmp_path):
    child = load_scenario(write(tmp_path / "child.toml", 'extends = "uk_2018"\n[world]\ndemand_growth = 0.04\n'))
    parent = load_scenario("uk_2018")
    assert child.population == parent.population
    assert child.principles == parent.principles
    assert child.run == parent.run


def test_builtin_inherits_population_from_its_parent():
    assert load_scenario("changemaking").population == load_scenario("transactional").population


def test_grandchild_inherits_through_the_whole_chain():
    package = load_scenario("policy_package")
    assert package.principles == load_scenario("changemaking").principles
    assert package.policy.steering_groups is True


def test_child_lists_replace_the_parents_lists_whole(tmp_path):
    child = load_scenario(write(tmp_path / "child.toml", (
        'extends = "rising_demand"\n'
        '[[shocks]]\nkind = "budget_cut"\nstep = 3\nsize = 0.1\n'
    )))
    assert [(s.kind, s.step) for s in child.shocks] == [("budget_cut", 3)]


def test_child_without_lists_keeps_the_parents_lists(tmp_path):
    child = load_scenario(write(tmp_path / "child.toml", 'extends = "rising_demand"\n[world]\ndemand_volatility = 1.0\n'))
    assert child.shocks == load_scenario("rising_demand").shocks
    assert child.world.demand_growth == 0.05
    assert child.world.demand_volatility == 1.0


def test_child_services_replace_the_whole_catalogue(tmp_path):
    child = load_scenario(write(tmp_path / "child.toml", (
        'extends = "transactional"\n'
        '[[services]]\nname = "libraries"\nannual_value = 2.0\nmeasurability = 0.5\nvolatility = 0.05\n'
        'asset_specificity = 0.2\nintegration = 0.2\nscale_economies = 0.2\nlocal_knowledge = 0.6\n'
        'community_suitability = 0.8\n'
    )))
    assert [s.name for s in child.services] == ["libraries"]


def test_child_takes_its_name_from_its_own_file_not_the_parent(tmp_path):
    child = load_scenario(write(tmp_path / "mine.toml", 'extends = "changemaking"\n'))
    assert child.name == "mine"


def test_child_does_not_inherit_the_parents_description(tmp_path):
    child = load_scenario(write(tmp_path / "mine.toml", 'extends = "changemaking"\n'))
    assert child.description != load_scenario("changemaking").description


def test_child_with_its_own_name_keeps_it(tmp_path):
    child = load_scenario(write(tmp_path / "mine.toml", 'name = "my run"\nextends = "changemaking"\n'))
    assert child.name == "my run"


def test_extends_resolves_a_toml_path_relative_to_the_child(tmp_path):
    folder = tmp_path / "nested"
    folder.mkdir()
    write(folder / "parent.toml", '[world]\ndemand_growth = 0.07\nbudget_growth = -0.04\n')
    child = load_scenario(write(folder / "child.toml", 'extends = "parent.toml"\n[world]\ndemand_growth = 0.01\n'))
    assert child.world.demand_growth == 0.01
    assert child.world.budget_growth == -0.04


def test_extending_without_changes_reproduces_the_parents_parameters(tmp_path):
    child = load_scenario(write(tmp_path / "same.toml", 'extends = "supplier_collapse"\n'))
    assert child.content_hash() == load_scenario("supplier_collapse").content_hash()
