"""A council's decisions: how it writes contracts, how hard it monitors, what it remembers and
what it would tell a survey."""

from __future__ import annotations

import pytest

from partnering.model.model import PartneringModel
from partnering.scenarios import apply_overrides, load_scenario


def _council(**overrides):
    scenario = apply_overrides(load_scenario("transactional"), {"population.councils": 3, **overrides})
    return PartneringModel(scenario, rng=5).councils[0]


def test_a_rigid_council_writes_seven_year_contracts_and_an_adaptable_one_three_year_ones():
    assert _council().contract_length() == 28
    assert _council(**{"principles.adaptable": 1.0}).contract_length() == 12
    assert _council(**{"principles.adaptable": 0.5}).contract_length() == 20  # round(28 - 16 * 0.5)


def test_adaptable_councils_write_break_points_and_flexible_volume():
    rigid, adaptable = _council().contract_terms(1.0), _council(**{"principles.adaptable": 0.8}).contract_terms(1.0)
    assert (rigid.break_interval, rigid.flex) == (0, 0.0)
    assert (adaptable.break_interval, adaptable.flex) == (4, 0.8)


def test_collaborative_councils_penalise_in_proportion_and_monitor_trusted_suppliers_less():
    plain, collaborative = _council(), _council(**{"principles.collaborative": 1.0})
    # penalty 0.3 * (1 - 0.6) = 0.12; monitoring 0.8 * (1 - 0.6 * 1 * 0.9) = 0.368 at trust 0.9
    assert collaborative.contract_terms(1.0).penalty_rate == pytest.approx(0.12)
    assert plain.contract_terms(1.0).penalty_rate == pytest.approx(0.3)
    assert collaborative.choose_monitoring(0.9) == pytest.approx(0.368)
    assert plain.choose_monitoring(0.9) == pytest.approx(0.8)


def test_a_weak_council_sees_quality_through_more_noise():
    weak, strong = _council(), _council()
    weak.commercial_capability, strong.commercial_capability = 0.2, 0.9
    assert weak.perception_noise() == pytest.approx(0.12)  # 0.15 * (1 - 0.2)
    assert strong.perception_noise() < weak.perception_noise()


def test_the_intention_score_is_its_parts_and_reads_the_survey_threshold():
    council = _council()
    parts = council.intention_parts()
    assert parts.score == pytest.approx(parts.experience + parts.attitude + parts.bias)
    council.update_intention()
    threshold = council.model.config.behaviour.intention_threshold
    expected = "more" if parts.score > threshold else ("less" if parts.score < -threshold else "same")
    assert council.intention == expected


def test_a_supplier_failure_is_remembered_by_the_councils_it_hit_and_their_neighbours():
    scenario = apply_overrides(load_scenario("supplier_collapse"), {"population.councils": 10})
    model = PartneringModel(scenario, rng=2)
    model.run(scenario.shocks[0].step - 1)
    victim = max(model.suppliers, key=lambda s: (s.load, -s.unique_id))
    hit = {lot.slot.council.place for c in victim.contracts for lot in c.lots}
    nearby = hit | {n for place in hit for n in model.neighbours[place]}
    before = {c.place: c.failures_seen for c in model.councils}
    model.step()  # the shock fires
    assert not victim.active and hit
    for council in model.councils:
        if council.place in nearby:
            assert council.failures_seen > before[council.place]
