"""The workshop's controls come from the schema, and its settings file is a valid scenario."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from partnering.cli import app as cli
from partnering.scenarios import (
    PRINCIPLE_NAMES,
    ScenarioError,
    list_scenarios,
    load_scenario,
    parameter_table,
)
from partnering.viz.controls import (
    INTERACTIVE_CAPS,
    WorkshopSettings,
    all_controls,
    policy_controls,
    principle_controls,
    scenario_file,
    structure_controls,
)
from partnering.viz.levers import LEVER_NOTES

TABLE = {info.name: info for info in parameter_table()}


def test_there_is_a_slider_for_each_of_the_five_principles_in_schema_order():
    controls = principle_controls()
    assert [c.name for c in controls] == [f"principles.{n}" for n in PRINCIPLE_NAMES]
    assert all(c.widget == "slider" for c in controls)


def test_every_policy_lever_has_a_control_and_switches_are_switches():
    levers = [i.name for i in parameter_table() if i.section == "policy" and i.kind == "lever"]
    controls = {c.name: c for c in policy_controls()}
    assert list(controls) == levers
    for name, control in controls.items():
        assert control.widget == ("switch" if TABLE[name].type == "bool" else "slider")


def test_bounds_are_the_schema_bounds_narrowed_only_by_the_interactive_caps():
    for control in all_controls():
        info = TABLE[control.name]
        if control.widget == "switch":
            continue
        assert control.low == info.low
        expected_high = min(info.high, INTERACTIVE_CAPS.get(control.name, info.high))
        assert control.high == expected_high


def test_help_and_labels_come_from_the_declared_meaning_unit_and_field():
    for control in all_controls():
        info = TABLE[control.name]
        assert info.meaning[1:] in control.help
        assert control.unit == info.unit
        assert control.label.lower() == info.field.replace("_", " ")


def test_every_lever_has_a_plain_language_note():
    levers = {i.name for i in parameter_table() if i.kind == "lever"}
    assert levers == set(LEVER_NOTES)
    assert all(len(note) > 40 for note in LEVER_NOTES.values())


def test_every_built_in_scenario_starts_within_the_interactive_limits():
    for name in list_scenarios():
        settings = WorkshopSettings.from_scenario(name)
        for control in structure_controls():
            assert control.low <= settings.value(control.name) <= control.high, (name, control.name)


def test_a_scenario_above_the_caps_is_scaled_down_and_says_so():
    name = max(list_scenarios(), key=lambda n: load_scenario(n).population.councils)
    full = load_scenario(name).population.councils
    settings = WorkshopSettings.from_scenario(name)
    if full <= INTERACTIVE_CAPS["population.councils"]:
        assert settings.capped == ()
        return
    assert "population.councils" in settings.capped
    assert settings.build().population.councils == INTERACTIVE_CAPS["population.councils"]
    assert str(full) in settings.capped_note()
    assert f"partnering run {name}" in settings.capped_note()


def test_the_default_council_cap_admits_the_calibrated_baseline():
    assert WorkshopSettings.from_scenario("uk_2018").capped == ()


@pytest.mark.parametrize("name", list_scenarios())
def test_every_built_in_value_sits_on_its_slider_grid(name):
    """A browser slider snaps an off-grid value when drawn, which would change the settings."""
    settings = WorkshopSettings.from_scenario(name)
    for control in all_controls():
        if control.widget != "slider":
            continue
        value = float(settings.value(control.name))
        step = control.step_for(value)
        units = (value - control.low) / step
        assert abs(units - round(units)) < 1e-6, (control.name, value, step)


def test_step_for_refines_the_step_until_the_value_fits():
    threshold = next(c for c in policy_controls() if c.name == "policy.accreditation_threshold")
    assert threshold.step_for(0.2) <= 0.2
    assert abs(0.2 / threshold.step_for(0.2) - round(0.2 / threshold.step_for(0.2))) < 1e-9
    assert threshold.step_for(threshold.low) == threshold.step


def test_settings_start_from_the_picked_scenario():
    settings = WorkshopSettings.from_scenario("changemaking", seed=7)
    scenario = settings.build()
    assert scenario == load_scenario("changemaking")
    assert settings.seed == 7
    assert settings.changed_from() == []


def test_with_value_keeps_the_schema_types():
    settings = WorkshopSettings.from_scenario("transactional")
    changed = (settings.with_value("population.councils", 8.0)
               .with_value("principles.collaborative", 1)
               .with_value("policy.steering_groups", 1))
    scenario = changed.build()
    assert scenario.population.councils == 8
    assert isinstance(scenario.population.councils, int)
    assert scenario.principles.collaborative == 1.0
    assert scenario.policy.steering_groups is True
    assert set(changed.changed_from()) == {"population.councils", "principles.collaborative", "policy.steering_groups"}


def test_an_invalid_value_raises_a_one_line_scenario_error():
    settings = WorkshopSettings.from_scenario("transactional").with_value("principles.creative", 1.5)
    with pytest.raises(ScenarioError) as error:
        settings.build()
    assert "principles.creative" in str(error.value)
    assert "\n" not in str(error.value)


def test_only_controlled_parameters_can_be_set():
    with pytest.raises(KeyError):
        WorkshopSettings.from_scenario("transactional").with_value("world.bid_cost", 0.01)


@pytest.mark.parametrize("name", ["transactional", "changemaking", "supplier_collapse", "uk_2018"])
def test_the_settings_file_round_trips_through_load_scenario(tmp_path, name):
    settings = (WorkshopSettings.from_scenario(name, seed=5)
                .with_value("principles.collaborative", 0.65)
                .with_value("policy.open_book_required", True)
                .with_value("population.councils", 9))
    path = tmp_path / "mine.toml"
    path.write_text(scenario_file(settings))
    loaded = load_scenario(path)
    assert loaded.content_hash() == settings.build().content_hash()
    assert loaded.principles.collaborative == 0.65
    assert loaded.provenance["workshop_seed"] == "5"
    assert "--seed 5" in loaded.description


def test_partnering_run_accepts_the_settings_file_unchanged(tmp_path):
    settings = WorkshopSettings.from_scenario("place_based", seed=3).with_value("population.councils", 4)
    path = tmp_path / "workshop.toml"
    path.write_text(scenario_file(settings))
    result = CliRunner().invoke(cli, ["run", str(path), "--steps", "2", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "service_quality" in result.output
