"""Per-session simulations, snapshots, KPI cards and twin-world divergence, without a browser."""

from __future__ import annotations

import gc
import io
import math
import weakref

import pandas as pd
import pytest

from partnering import load_scenario
from partnering.model.catalogue import CATALOGUE
from partnering.viz.session import (
    KPIS,
    Divergence,
    Simulation,
    SupplierLoad,
    divergence,
    divergence_sentence,
    format_change,
    format_value,
    market_shares,
    read_kpis,
)

SMALL = {"population.councils": 4, "population.large_suppliers": 3, "run.steps": 6}


@pytest.fixture
def small_scenario():
    from partnering.scenarios import apply_overrides

    return apply_overrides(load_scenario("transactional"), SMALL)


def test_two_simulations_with_the_same_seed_are_separate_models(small_scenario):
    one, two = Simulation(small_scenario, 3), Simulation(small_scenario, 3)
    assert one.model is not two.model
    one.step(2)
    assert one.snapshot.step == 2
    assert two.snapshot.step == 0


def test_the_same_seed_gives_the_same_run(small_scenario):
    one, two = Simulation(small_scenario, 3), Simulation(small_scenario, 3)
    pd.testing.assert_frame_equal(one.step(3).frame, two.step(3).frame)


def test_a_snapshot_does_not_change_when_the_model_steps_on(small_scenario):
    simulation = Simulation(small_scenario, 1)
    early = simulation.step(1)
    rows, edges = len(early.frame), early.network.number_of_edges()
    simulation.step(3)
    assert len(early.frame) == rows == 2
    assert early.network.number_of_edges() == edges
    assert early.step == 1


def test_stepping_stops_at_the_horizon(small_scenario):
    simulation = Simulation(small_scenario, 1)
    last = simulation.step(100)
    assert last.step == small_scenario.run.steps
    assert last.done and simulation.done
    assert simulation.step(1).step == small_scenario.run.steps


def test_snapshot_csv_is_the_metrics_frame(small_scenario):
    snapshot = Simulation(small_scenario, 1).step(2)
    frame = pd.read_csv(io.StringIO(snapshot.csv()))
    assert list(frame.columns) == list(snapshot.frame.columns)
    assert list(frame["step"]) == [0, 1, 2]


def test_snapshot_label_reads_as_a_quarter(small_scenario):
    simulation = Simulation(small_scenario, 1)
    assert simulation.snapshot.label == f"{small_scenario.run.start_year} start"
    assert simulation.step(1).label == f"{small_scenario.run.start_year} Q1"


def test_a_finished_simulation_is_garbage_collected(small_scenario):
    simulation = Simulation(small_scenario, 1)
    simulation.step(2)
    ref = weakref.ref(simulation.model)
    del simulation
    gc.collect()
    assert ref() is None


def test_kpi_cards_cover_the_headline_metrics():
    assert [k.name for k in KPIS] == ["service_quality", "unmet_need", "value_for_money", "trust_council_supplier",
                                        "hhi", "sme_share", "supplier_failures"]


def test_kpi_change_is_since_the_start_and_judged_by_direction():
    frame = pd.DataFrame({"step": [0, 1, 2], **{k.name: [1.0, 1.5, 2.0] for k in KPIS}})
    readings = {r.kpi.name: r for r in read_kpis(frame)}
    assert readings["service_quality"].change == 1.0
    assert readings["service_quality"].verdict == "better"  # higher is better
    assert readings["value_for_money"].verdict == "worse"  # cost per unit of quality: lower is better
    assert readings["supplier_failures"].verdict == "worse"


def test_an_unchanged_kpi_is_neither_better_nor_worse():
    frame = pd.DataFrame({"step": [0, 1], **{k.name: [0.5, 0.5] for k in KPIS}})
    assert {r.verdict for r in read_kpis(frame)} == {"same"}


@pytest.mark.parametrize(("style", "value", "text"), [
    ("share", 0.123, "12.3%"), ("money", 1.456, "£1.46"), ("hhi", 2780.4, "2,780"), ("count", 3.0, "3"),
    ("index", 0.7149, "0.71"),
])
def test_values_print_in_the_units_participants_read(style, value, text):
    assert format_value(style, value) == text


@pytest.mark.parametrize(("style", "change", "text"), [
    ("share", 0.021, "+2.1 pts"), ("money", -0.05, "−£0.05"), ("hhi", 150.0, "+150"), ("index", -0.02, "-0.02"),
])
def test_changes_are_signed(style, change, text):
    assert format_change(style, change) == text


@pytest.mark.parametrize(("style", "text"), [("money", "£0.00"), ("share", "0.0 pts"), ("index", "0.00"), ("hhi", "0")])
def test_a_change_too_small_to_show_has_no_sign(style, text):
    assert format_change(style, -0.0001) == text


def test_market_shares_sum_to_one_and_pool_the_tail():
    firms = tuple(SupplierLoad(f"firm {i}", "sme", float(i)) for i in range(1, 15))
    rows = market_shares((*firms, SupplierLoad("idle", "large", 0.0)), top=10)
    assert len(rows) == 11
    assert rows[0][0] == "firm 14"
    assert rows[-1][0] == "4 other firms"
    assert math.isclose(sum(share for _, _, share in rows), 1.0)
    assert market_shares((SupplierLoad("idle", "large", 0.0),)) == []


def _frames(a: list[float], b: list[float], metric: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    base = {k.name: [1.0] * len(a) for k in KPIS}
    fa = pd.DataFrame({"step": range(len(a)), **base})
    fb = pd.DataFrame({"step": range(len(b)), **base})
    fa[metric], fb[metric] = a, b
    return fa, fb


def test_divergence_dates_the_gap_from_when_it_stays_open():
    fa, fb = _frames([0.5, 0.5, 0.5, 0.5, 0.5], [0.5, 0.6, 0.5, 0.6, 0.7], "service_quality")
    quality = next(d for d in divergence(fa, fb) if d.kpi.name == "service_quality")
    assert quality.apart_since == 3  # apart at 1, together at 2, apart from 3 on
    assert quality.favours == "b"
    assert math.isclose(quality.difference, 0.2)


def test_worlds_that_end_together_have_not_diverged():
    fa, fb = _frames([0.5, 0.5, 0.5], [0.5, 0.7, 0.5], "unmet_need")
    need = next(d for d in divergence(fa, fb) if d.kpi.name == "unmet_need")
    assert need.apart_since is None
    assert need.favours == "neither"


def test_divergence_lists_the_widest_open_gap_first():
    fa, fb = _frames([0.2, 0.2], [0.2, 0.1], "unmet_need")
    fb["sme_share"] = [1.0, 0.95]
    first = divergence(fa, fb)[0]
    assert first.kpi.name == "unmet_need"
    assert first.favours == "b"  # less unmet need is better


def test_failures_diverge_by_whole_firms():
    fa, fb = _frames([0, 0, 1], [0, 0, 0], "supplier_failures")
    failures = next(d for d in divergence(fa, fb) if d.kpi.name == "supplier_failures")
    assert failures.apart_since == 2
    assert failures.favours == "b"


def test_divergence_sentence_is_plain_language():
    kpi = CATALOGUE["service_quality"]
    text = divergence_sentence(Divergence(kpi, 0.6, 0.7, 0.14, 5, "b"), "transactional", "changemaking", 2025)
    assert text == ("Service quality: better in changemaking (0.60 in transactional, 0.70 in changemaking); "
                    "apart since 2026 Q1.")
