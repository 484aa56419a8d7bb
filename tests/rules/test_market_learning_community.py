"""Market, learning, community and social-value rules against numbers worked out by hand."""

from __future__ import annotations

import pytest

from partnering.rules import community, learning, market
from partnering.rules.social_value import large_supplier_offer, sme_offer, social_value_rate
from partnering.scenarios.mechanisms import Groups, InHouse, Learning, Market, SocialValue

# --- market --------------------------------------------------------------------------------------


def test_entry_signal_is_the_place_margin_over_a_profitable_margin_capped():
    assert market.profit_signal(0.025, Market()) == pytest.approx(0.5)
    assert market.profit_signal(-0.02, Market()) == 0.0
    assert market.profit_signal(0.2, Market()) == 2.0


def test_crowding_closes_a_place_to_entry():
    # room = 1 - 6 / (3 * 4 + 3) = 1 - 0.4 = 0.6
    assert market.crowding(6, 4, Market()) == pytest.approx(0.6)
    assert market.crowding(20, 4, Market()) == 0.0


def test_entry_probability_multiplies_rate_signal_lots_and_room():
    # 0.05 * 1.5 * (0.5 + 1.0) * 0.6 = 0.0675
    assert market.sme_entry_probability(0.05, 1.5, 1.0, 0.6, Market()) == pytest.approx(0.0675)


def test_an_sme_leaves_only_when_idle_long_and_in_debt():
    p = Market()
    assert market.sme_leaves(False, 12, -0.01, p)
    assert not market.sme_leaves(True, 12, -0.01, p)
    assert not market.sme_leaves(False, 11, -0.01, p)
    assert not market.sme_leaves(False, 12, 0.0, p)


# --- learning ------------------------------------------------------------------------------------


def test_training_raises_and_outsourcing_erodes_commercial_capability():
    # 0.6 + 0.03 * 0.4 = 0.612; then - 0.006 * 0.5 * 0.612 = 0.610164
    assert learning.commercial_capability(0.6, True, False, 0.5, 0.006, Learning()) == pytest.approx(0.610164)
    assert learning.commercial_capability(1.0, True, True, 0.0, 0.0, Learning()) == 1.0


def test_in_house_capacity_rebuilds_while_in_house_and_decays_while_outsourced():
    # 0.5 + (0.08 + 0.06) * 0.5 = 0.57
    assert learning.in_house_capacity(0.5, True, True, 0.03, InHouse()) == pytest.approx(0.57)
    # 0.5 * 0.97 = 0.485
    assert learning.in_house_capacity(0.5, False, True, 0.03, InHouse()) == pytest.approx(0.485)


def test_joint_learning_grows_towards_its_ceiling_in_creative_trusted_partnerships():
    # 0.05 + 0.03 * 1 * 0.5 * (0.15 - 0.05) = 0.0515
    assert learning.joint_learning(0.05, 1.0, 0.5, Learning()) == pytest.approx(0.0515)
    assert learning.joint_learning(0.05, 0.0, 1.0, Learning()) == 0.05


# --- community -----------------------------------------------------------------------------------


def test_volunteer_capacity_is_pulled_back_and_never_vanishes():
    # 0.5 + 0.2 * (1 - 0.5) + 0.1 * 1 = 0.7
    assert community.volunteer_capacity(0.5, 1.0, 0.1, Groups()) == pytest.approx(0.7)
    assert community.volunteer_capacity(0.1, 1.0, -2.0, Groups()) == pytest.approx(0.05)


def test_engagement_drifts_to_its_target():
    # 0.5 + 0.05 * (0.4 - 0.5) = 0.495
    assert community.engagement(0.5, False, Groups()) == pytest.approx(0.495)


def test_joining_steering_groups_consortia_and_grants():
    g = Groups()
    assert not community.joins_steering_group(True, 0.2, 1.0, 1.0, g)  # too little engagement
    assert not community.joins_steering_group(True, 0.5, 0.1, 1.0, g)  # too few volunteers
    assert community.joins_consortium(0.8, 5.0, 0.5, g)  # 0.8 > 0.15 * 5
    assert not community.joins_consortium(0.7, 5.0, 0.5, g)
    assert community.can_take_grant(0.5, 0.8, 1.0, g)  # 0.8 >= 0.8 * 1
    assert not community.can_take_grant(0.2, 5.0, 1.0, g)  # unsuitable service


# --- social value --------------------------------------------------------------------------------


def test_social_value_generated_per_pound_by_kind():
    p = SocialValue()
    assert social_value_rate("vcse", False, False, False, p) == 0.2
    assert social_value_rate("sme", False, False, False, p) == 0.04
    assert social_value_rate("large", True, True, True, p) == pytest.approx(0.06)
    assert social_value_rate("large", True, False, True, p) == pytest.approx(0.02)
    assert social_value_rate("in_house", True, False, False, p) == 0.04


def test_social_value_offered_in_bids():
    p = SocialValue()
    assert large_supplier_offer(False, True, p) == pytest.approx(0.2)
    assert large_supplier_offer(True, False, p) == pytest.approx(0.5)
    assert sme_offer(False, False, False, p) == pytest.approx(0.5)
    assert sme_offer(True, True, True, SocialValue(sme_offer=0.5)) == 1.0  # 0.5 + 0.4 + 0.2 + 0.1 capped at 1


# --- service lines, supply chains, VCSE sizes -------------------------------------------------------


def test_lines_are_chosen_in_proportion_to_value_and_affinity():
    from partnering.rules.market import line_weights, pick_line

    weights = line_weights({"care": 20.0, "it": 4.0}, {"care": 0.0, "it": 1.0}, 0.5)
    assert weights == {"care": 10.0, "it": 6.0}
    assert pick_line(weights, 0.6) == "care" and pick_line(weights, 0.63) == "it"  # 10/16 = 0.625


def test_primes_subcontract_more_under_social_value_and_place_based_lots():
    from partnering.rules.supply_chain import subcontract_share
    from partnering.scenarios.mechanisms import SupplyChain

    p = SupplyChain()
    assert subcontract_share(0.0, False, p) == pytest.approx(0.1)
    assert subcontract_share(0.0, True, p) == pytest.approx(0.2)
    assert subcontract_share(1.0, True, p) == pytest.approx(0.35)


def test_subcontractors_are_paid_in_arrears():
    from partnering.rules.supply_chain import settle_arrears

    owed: list[float] = []
    assert [settle_arrears(owed, x, 2) for x in (1.0, 2.0, 3.0, 4.0)] == [0.0, 0.0, 1.0, 2.0]
    assert owed == [3.0, 4.0]


def test_vcse_incomes_are_heavy_tailed_above_the_delivery_threshold():
    import numpy as np

    from partnering.rules.community import truncated_lognormal

    u = np.random.default_rng(2).random(20_000)
    incomes = np.array([truncated_lognormal(float(x), 0.01, 2.5, 0.1) for x in u])
    assert incomes.min() >= 0.1
    # of organisations above £100k, the share above £1m: P(X > 1) / P(X > 0.1) for the lognormal,
    # (1 - Phi(ln(100) / 2.5)) / (1 - Phi(ln(10) / 2.5)) = 0.0327 / 0.1785 = 0.183
    assert (incomes > 1.0).mean() == pytest.approx(0.183, abs=0.01)
    assert np.median(incomes) < incomes.mean() / 2  # many small, a few very large
