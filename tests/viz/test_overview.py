"""The facilitator's overview: ranking, what the better half chose, the table and the room's CSV.

Comparisons are checked on records built by hand, where the answer is worked out below; the
CSVs and tables are checked against the worlds and the room they came from.
"""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest

from partnering.scenarios import apply_overrides, load_scenario
from partnering.viz.controls import CONTROLLED, WorkshopSettings
from partnering.viz.facilitator import overview_table_html, reviews_note
from partnering.viz.overview import (
    Choice,
    Played,
    compare,
    format_choice,
    played_seats,
    played_worlds,
    rank,
    rankable,
    room_csv,
    worlds_csv,
)
from partnering.viz.registry import WorldRegistry
from partnering.viz.room import COUNCIL_METRICS, Room
from partnering.viz.session import Simulation

SMALL = {"population.councils": 5, "population.large_suppliers": 3, "run.steps": 12}


def played(number: int, quality: float, cost: float, collaborative: float, switch: float = 0.0) -> Played:
    """A participant whose service quality went from 0.5 to ``quality`` and cost from 1.5 to ``cost``."""
    frame = pd.DataFrame({"step": [0, 1], "service_quality": [0.5, quality], "value_for_money": [1.5, cost]})
    return Played(number, f"P{number}", "somewhere", 1, 40, 2025, frame, ("service_quality", "value_for_money"),
                  (Choice("Collaborative", collaborative, "level"), Choice("Open book", switch, "switch")))


ROOM = [played(1, 0.8, 1.4, 1.0, 1.0), played(2, 0.6, 1.2, 0.0), played(3, 0.7, 1.6, 0.5, 1.0),
        played(4, 0.5, 1.3, 0.0)]


def test_the_better_half_is_split_at_the_middle_and_each_choice_averaged():
    result = compare(ROOM, "service_quality")
    assert result.better == ("P1", "P3") and result.rest == ("P2", "P4")
    gaps = {g.label: (g.better, g.rest) for g in result.gaps}
    assert gaps["Collaborative"] == (0.75, 0.0)  # (1.0 + 0.5) / 2 against (0 + 0) / 2
    assert gaps["Open book"] == (1.0, 0.0)
    assert "P1, P3" in result.sentence() and "collaborative 0.75 (others 0.00)" in result.sentence()


def test_lower_is_better_ranks_the_cheapest_first():
    assert [p.name for p in rank(ROOM, "value_for_money")] == ["P2", "P4", "P1", "P3"]
    result = compare(ROOM, "value_for_money")
    assert result.better == ("P2", "P4")
    assert {g.label: g.better for g in result.gaps}["Collaborative"] == 0.0


def test_an_odd_room_compares_the_smaller_better_half_and_ties_keep_the_order_of_arrival():
    three = [played(1, 0.7, 1.0, 1.0), played(2, 0.7, 1.0, 0.0), played(3, 0.4, 1.0, 0.0)]
    result = compare(three, "service_quality")
    assert result.better == ("P1",) and result.rest == ("P2", "P3")


def test_one_participant_cannot_be_compared_with_anyone():
    result = compare(ROOM[:1], "service_quality")
    assert result.rest == () and "at least two participants" in result.sentence()


def test_only_metrics_with_a_better_direction_can_be_ranked():
    assert rankable(("service_quality", "share_in_house", "hhi")) == ["service_quality", "hhi"]


def test_choices_print_as_levels_and_percentages():
    assert format_choice("level", 0.25) == "0.25"
    assert format_choice("switch", 0.5) == "50%"
    assert format_choice("share", math.nan) == "–"


def test_the_table_has_a_row_per_participant_showing_their_latest_values_and_changes():
    table = overview_table_html(ROOM)
    assert table.count('class="pt-row"') == 4
    assert 'data-name="P3"' in table
    assert '<span class="pt-value">0.70</span><span class="pt-change pt-better">+0.20</span>' in table
    assert overview_table_html([]) == "<p>Nobody has joined yet.</p>"


@pytest.fixture(scope="module")
def worlds():
    registry = WorldRegistry()
    for i, name in enumerate(("transactional", "changemaking")):
        settings = WorkshopSettings.from_scenario(name, seed=2)
        scenario = apply_overrides(settings.build(), SMALL)
        simulation = Simulation(scenario, 2)
        simulation.step(3 + i)
        registry.register(f"session-{i}", settings, simulation.snapshot)
    return registry


def test_the_worlds_csv_holds_every_worlds_settings_and_every_quarter(worlds):
    frame = pd.read_csv(io.StringIO(worlds_csv(worlds.view.worlds)))
    assert list(frame.groupby("participant").size()) == [4, 5]  # quarters 0-3 and 0-4
    assert set(CONTROLLED) <= set(frame.columns)
    by_world = frame.groupby("scenario")["principles.collaborative"].unique()
    assert by_world["changemaking"][0] == load_scenario("changemaking").principles.collaborative
    assert by_world["transactional"][0] == load_scenario("transactional").principles.collaborative


def test_worlds_become_played_records_with_their_step_and_settings(worlds):
    records = played_worlds(worlds.view.worlds)
    assert [(p.name, p.step) for p in records] == [("World 1", 3), ("World 2", 4)]
    levels = {c.label: c.value for c in records[1].choices if c.kind == "level"}
    assert levels["Collaborative"] == load_scenario("changemaking").principles.collaborative


def test_a_dropped_world_is_gone_from_the_registry_and_its_number_is_not_reused():
    registry = WorldRegistry()
    settings = WorkshopSettings.from_scenario("transactional")
    snapshot = Simulation(apply_overrides(settings.build(), SMALL), 1).snapshot
    first = registry.register("a", settings, snapshot)
    registry.drop("a")
    registry.drop("a")
    second = registry.register("b", settings, snapshot)
    assert len(registry) == 1 and (first.number, second.number) == (1, 2)
    registry.update("b", name="  Ada   Lovelace ")
    assert registry.view.worlds[0].name == "Ada Lovelace"


def test_the_room_csv_has_every_council_every_quarter_and_who_led_it():
    scenario = apply_overrides(load_scenario("transactional"), SMALL)
    room = Room(scenario, 1)
    room.advance()
    ann = room.join("Ann", room.view.councils[1].name)
    room.set_principles(ann, {"creative": 0.6})
    for _ in range(3):
        room.advance()
    frame = pd.read_csv(io.StringIO(room_csv(room.view)), keep_default_na=False)
    assert len(frame) == 5 * scenario.population.councils
    led = frame[frame["council"] == room.view.councils[1].name]
    assert list(led["participant"]) == ["", "", "Ann", "Ann", "Ann"]
    assert list(led["principles.creative"])[2:] == [0.6, 0.6, 0.6]
    assert set(COUNCIL_METRICS) <= set(frame.columns)
    assert frame["policy.social_value_in_contracts"].nunique() == 1

    records = played_seats(room.view)
    assert [(p.name, p.where, p.step) for p in records] == [("Ann", room.view.councils[1].name, 4)]
    assert list(records[0].frame["step"]) == [0, 1, 2, 3, 4]
    assert reviews_note(room.view, ann).startswith(("no review yet", "1 review", f"{len(room.view.decisions)} reviews"))
