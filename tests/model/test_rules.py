"""Each rule of the model against numbers worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from partnering.model import delivery, finance, make_or_buy, procurement, trust

# --- trust ---------------------------------------------------------------------------------------


def test_trust_rises_slowly_when_performance_meets_expectation():
    # 0.5 + 0.1 * (0.9 - 0.5) = 0.54
    assert trust.update_trust(0.5, 0.9, 0.1, 0.3) == pytest.approx(0.54)


def test_trust_falls_fast_when_performance_disappoints():
    # 0.5 + 0.3 * (0.1 - 0.5) = 0.38
    assert trust.update_trust(0.5, 0.1, 0.1, 0.3) == pytest.approx(0.38)


def test_trust_is_easier_to_destroy_than_to_build():
    up = trust.update_trust(0.5, 0.7, 0.1, 0.3) - 0.5
    down = 0.5 - trust.update_trust(0.5, 0.3, 0.1, 0.3)
    assert down == pytest.approx(3 * up)


def test_trust_stays_in_unit_interval_for_out_of_range_signals():
    assert trust.update_trust(0.9, 5.0, 1.0, 1.0) == 1.0
    assert trust.update_trust(0.1, -5.0, 1.0, 1.0) == 0.0


def test_detected_shirking_cuts_trust_sharply():
    # 0.8 * (1 - 0.4) = 0.48
    assert trust.after_detected_shirking(0.8, 0.4) == pytest.approx(0.48)


def test_fair_treatment_averages_four_signals():
    # (1 + 0.5 + 1 + (1 - 0.2)) / 4 = 0.825
    assert trust.fair_treatment(True, 0.5, 1.0, 0.2) == pytest.approx(0.825)
    assert trust.fair_treatment(False, 0.0, 0.0, 1.0) == 0.0


def test_reputation_moves_trust_towards_partners_view():
    # 0.4 + 0.25 * (mean(0.8, 0.6) - 0.4) = 0.4 + 0.25 * 0.3 = 0.475
    assert trust.blend_reputation(0.4, [0.8, 0.6], 0.25) == pytest.approx(0.475)
    assert trust.blend_reputation(0.4, [], 0.25) == 0.4


# --- bidding and evaluation ----------------------------------------------------------------------


def test_estimate_error_widens_with_vague_specs_and_weak_skills():
    # 0.1 * (0.5 + 0.8) * (0.5 + 0.7) = 0.1 * 1.3 * 1.2 = 0.156
    assert procurement.estimate_error_sd(0.1, 0.2, 0.3) == pytest.approx(0.156)
    assert procurement.estimate_error_sd(0.1, 1.0, 1.0) == pytest.approx(0.025)


def test_bid_price_marks_up_the_estimate():
    # cost 2.0, error -5% -> estimate 1.9; margin 10% + contingency 2% -> 1.9 * 1.12 = 2.128
    assert procurement.bid_price(2.0, -0.05, 0.10, 0.02) == pytest.approx(2.128)


def test_transactional_weights_are_price_08_quality_02():
    w = procurement.evaluation_weights(0, 0, 0, 0, 0)
    assert (w.price, w.quality, w.social, w.track) == pytest.approx((0.8, 0.2, 0.0, 0.0))


def test_each_shift_moves_weight_away_from_price():
    base = procurement.evaluation_weights(0, 0, 0, 0, 0)
    for i in range(5):
        levels = [0.0] * 5
        levels[i] = 1.0
        w = procurement.evaluation_weights(*levels)
        assert w.price < base.price
        assert sum(w.as_array()) == pytest.approx(1.0)
    # collaborative 1: track 0.2, price 0.6; place-based 1: social 0.15, price 0.65
    assert procurement.evaluation_weights(1, 0, 0, 0, 0).track == pytest.approx(0.2)
    assert procurement.evaluation_weights(0, 0, 0, 0, 1).social == pytest.approx(0.15)
    # measuring social value adds 0.1 to its weight and takes it from price: 0.8 - 0.1 = 0.7
    assert procurement.evaluation_weights(0, 0, 0, 0, 0, True).price == pytest.approx(0.7)


def test_score_combines_price_ratio_quality_social_and_track():
    w = procurement.EvaluationWeights(0.5, 0.2, 0.1, 0.2)
    # bid A: price 1.0 -> price score 1; bid B: price 1.25 -> 1/1.25 = 0.8
    # A: 0.5*1 + 0.2*0.6 + 0.1*0.2 + 0.2*0.5 = 0.5 + 0.12 + 0.02 + 0.1 = 0.74
    # B: 0.5*0.8 + 0.2*0.9 + 0.1*0.8 + 0.2*0.9 = 0.4 + 0.18 + 0.08 + 0.18 = 0.84
    scores = procurement.score_bids(np.array([1.0, 1.25]), np.array([0.6, 0.9]),
                                    np.array([0.2, 0.8]), np.array([0.5, 0.9]), w)
    assert scores == pytest.approx([0.74, 0.84])


def test_winners_curse_lowest_of_many_noisy_estimates_is_optimistic():
    rng = np.random.default_rng(0)
    errors = rng.normal(0.0, 0.1, size=(20_000, 6))
    prices = procurement.bid_price(1.0, errors, 0.05)
    winner_error = errors[np.arange(len(errors)), prices.argmin(axis=1)]
    # expected minimum of 6 standard normals is about -1.27 sd
    assert winner_error.mean() == pytest.approx(-0.127, abs=0.005)
    realised_margin = (prices.min(axis=1) - 1.0) / prices.min(axis=1)
    assert realised_margin.mean() < 0.05 - 0.1


def test_bid_only_when_expected_profit_exceeds_bid_cost():
    # 0.2 * 0.05 * 10 * 5 = 0.5
    assert procurement.should_bid(0.2, 0.05, 10.0, 5.0, 0.49)
    assert not procurement.should_bid(0.2, 0.05, 10.0, 5.0, 0.51)
    assert not procurement.should_bid(0.9, -0.01, 10.0, 5.0, 0.01)


def test_bid_cost_falls_with_creative_process_and_for_small_firms_with_place_based_lots():
    # 0.01 + 0.006 * 10 * (1.5 - 0) * 1 = 0.1
    assert procurement.bid_cost(10.0, 0.006, 0.0, 0.0, False) == pytest.approx(0.1)
    # creative 1, SME, place-based 1: 0.01 + 0.006 * 10 * 0.5 * 0.6 = 0.028
    assert procurement.bid_cost(10.0, 0.006, 1.0, 1.0, True) == pytest.approx(0.028)


def test_lots_follow_place_based_level_and_minimum_size():
    assert procurement.lot_count(10.0, 0.0) == 1
    assert procurement.lot_count(10.0, 0.5) == 3  # 1 + round(3 * 0.5) = 1 + 2
    assert procurement.lot_count(1.2, 1.0) == 2  # 1.2 // 0.5 = 2 lots at most


def test_margin_learning_from_debriefs():
    # two losses on price: 0.08 - 2 * 0.005 = 0.07
    assert procurement.adapt_margin(0.08, 0, 2, 0.05, 0.005) == pytest.approx(0.07)
    # a win and a loss-making portfolio: 0.08 + 0.005 + 0.005 = 0.09
    assert procurement.adapt_margin(0.08, 1, 0, -0.02, 0.005) == pytest.approx(0.09)
    assert procurement.adapt_margin(-0.02, 0, 5, 0.1, 0.01) == procurement.MARGIN_FLOOR


# --- effort and delivery -------------------------------------------------------------------------


def test_detection_rises_with_monitoring_measurability_skill_and_open_books():
    # 1 * (0.4 + 0.6) * (0.4 + 0.6) * 0.6 = 0.6
    assert delivery.detection_probability(1.0, 1.0, 1.0, False) == pytest.approx(0.6)
    # 0.5 * 0.7 * 0.7 * 0.6 = 0.147; open book x (1 + 0.8 * 0.5) = 1.4 -> 0.2058
    assert delivery.detection_probability(0.5, 0.5, 0.5, False) == pytest.approx(0.147)
    assert delivery.detection_probability(0.5, 0.5, 0.5, True) == pytest.approx(0.2058)


def test_relationship_value_counts_remaining_term_and_renewal():
    d = 0.98
    remaining = (1 - d**4) / (1 - d)
    next_term = d**4 * (1 - d**8) / (1 - d)
    expected = 2.0 * (1.0 * remaining + 0.5 * next_term)
    assert delivery.relationship_value(2.0, 4, 0.5, 8, 1.0) == pytest.approx(expected)
    assert delivery.relationship_value(-1.0, 4, 0.5, 8, 1.0) == 0.0


def test_honest_supplier_feels_no_temptation():
    assert delivery.shirk_temptation(1.0, 0.0, 0.5, 0.2) == 0.0
    assert delivery.shirk_probability(0.0, 0.1, 0.0, 0.0) == 0.0


def test_temptation_grows_with_stress_and_shrinks_with_reciprocated_trust():
    # 1 * 2 * 0.5 * (1 + 0) * (1.5 - 1 * 0.5) = 1.0
    assert delivery.shirk_temptation(1.0, 0.5, 0.0, 1.0) == pytest.approx(1.0)
    # stress 1 doubles it
    assert delivery.shirk_temptation(1.0, 0.5, 1.0, 1.0) == pytest.approx(2.0)


def test_shirk_probability_is_a_logit_in_log_temptation_over_deterrence():
    # deterrence = 0.5 * (1 + 0 + 1) = 1 = temptation -> 0.5
    assert delivery.shirk_probability(1.0, 0.5, 1.0, 1.0) == pytest.approx(0.5)
    # temptation twice deterrence: 1 / (1 + 2^-3) = 8/9
    assert delivery.shirk_probability(2.0, 0.5, 1.0, 1.0) == pytest.approx(8 / 9)
    # rework counts in deterrence: 0.5 * (0.5 + 0.5 + 1.0) = 1 -> 0.5
    assert delivery.shirk_probability(1.0, 0.5, 0.5, 1.0, rework=0.5) == pytest.approx(0.5)
    assert delivery.shirk_probability(1.0, 0.0, 1.0, 1.0) == 1.0


def test_short_termist_opportunists_discount_more():
    assert delivery.supplier_discount(0.0) == pytest.approx(0.98)
    assert delivery.supplier_discount(1.0) == pytest.approx(0.90)


def test_quality_is_the_product_of_its_factors():
    assert delivery.delivered_quality(0.8, 0.75, 0.9, 1.0) == pytest.approx(0.54)
    assert delivery.delivered_quality(1.0, 1.0, 1.2, 1.0) == 1.0


def test_capacity_strain_bites_only_beyond_capacity():
    assert delivery.capacity_strain(90.0, 100.0) == 1.0
    assert delivery.capacity_strain(400.0, 100.0) == pytest.approx(0.5)
    assert delivery.capacity_strain(1.0, 0.0) == 0.0


def test_fit_lost_without_local_knowledge_regained_by_codesign():
    # 1 - 0.3 * 0.8 * (1 - 0.2) = 0.808
    assert delivery.service_fit(0.8, 0.2, 0.0) == pytest.approx(0.808)
    assert delivery.service_fit(0.8, 0.2, 0.1) == pytest.approx(0.908)
    assert delivery.service_fit(0.8, 1.0, 0.0) == 1.0


def test_rigid_contract_leaves_part_of_extra_need_unmet_and_pays_for_idle_volume():
    up = delivery.lot_volumes(1.2, 1.0, 0.0, 0.5)
    # gap 0.2, half bought as variation: delivered 1.0 + 0.1
    assert (up.delivered, up.contracted, up.variation, up.idle) == pytest.approx((1.1, 1.0, 0.1, 0.0))
    down = delivery.lot_volumes(0.8, 1.0, 0.0, 0.5)
    assert (down.delivered, down.contracted, down.idle) == pytest.approx((0.8, 1.0, 0.2))


def test_adaptable_contract_follows_need():
    v = delivery.lot_volumes(1.3, 1.0, 1.0, 0.5)
    assert (v.delivered, v.contracted, v.variation, v.idle) == pytest.approx((1.3, 1.3, 0.0, 0.0))


def test_fixed_price_puts_overruns_on_supplier():
    # 1.1 * (1.0 + 0.2 * 1.25) = 1.375, whatever the actual cost
    assert delivery.contract_payment(1.1, 1.0, 0.2, 0.25, False, 1.0, 2.0, 1.0) == pytest.approx(1.375)


def test_open_book_shares_the_overrun():
    # base 1.1; overrun 1.3 - 1.0 = 0.3; council bears (1 - 0.5) -> 1.1 + 0.15 = 1.25
    assert delivery.contract_payment(1.1, 1.0, 0.0, 0.25, True, 0.5, 1.3, 1.0) == pytest.approx(1.25)
    # and shares the gain: actual 0.8 -> 1.1 - 0.1 = 1.0
    assert delivery.contract_payment(1.1, 1.0, 0.0, 0.25, True, 0.5, 0.8, 1.0) == pytest.approx(1.0)


# --- finance -------------------------------------------------------------------------------------


def test_overhead_is_share_of_revenue_plus_fixed_capacity_cost():
    # 0.035 * 10 + 0.01 * 40 / 4 = 0.35 + 0.1 = 0.45
    assert finance.quarterly_overhead(10.0, 40.0, 0.035) == pytest.approx(0.45)


def test_insolvency_below_the_credit_line():
    # line = -0.06 * 100 = -6
    assert finance.insolvency_line(100.0) == pytest.approx(-6.0)
    assert not finance.is_insolvent(-5.9, 100.0)
    assert finance.is_insolvent(-6.1, 100.0)


def test_financial_stress_rises_towards_the_line():
    assert finance.financial_stress(1.0, 100.0) == 0.0
    assert finance.financial_stress(-3.0, 100.0) == pytest.approx(0.5)
    assert finance.financial_stress(-9.0, 100.0) == 1.0


# --- make or buy ---------------------------------------------------------------------------------


def test_circumstances_scored_from_market_flexibility_skill_and_integration():
    c = make_or_buy.score_circumstances(1, 2, 0.1, 0.0, 0.4, 0.5, 0.5)
    # market: 1 - (0.5 * 1/4 + 0.5 * 2/8) = 0.75; flexibility: 0.1/0.2 * 1 = 0.5
    # skills: 1 - 0.4 = 0.6; integration: 0.5 * 0.5 = 0.25
    assert (c.market, c.flexibility, c.skills, c.integration) == pytest.approx((0.75, 0.5, 0.6, 0.25))
    thick = make_or_buy.score_circumstances(6, 10, 0.1, 1.0, 0.4, 0.5, 0.5)
    assert thick.market == 0.0 and thick.flexibility == 0.0


def test_insourcing_utility_and_its_main_reason():
    c = make_or_buy.Circumstances(0.25, 1.0, 0.2, 0.1)
    # 0.8*0.25 + 0.6*1 + 0.5*0.2 + 0.6*0.1 = 0.2 + 0.6 + 0.1 + 0.06 = 0.96
    # + bias 0.1 + experience 1.0 * 0.2 - 0.5 * (1 - 0.6) = 0.96 + 0.1 + 0.2 - 0.2 = 1.06
    u, why = make_or_buy.insourcing_utility(c, 0.2, 0.6, 0.1)
    assert u == pytest.approx(1.06)
    assert why == "need for flexibility"


def test_outsourcing_utility():
    # 1 * (0.7 - 0.5) + 0.5 * 0.6 + 0.5 * 0.2 = 0.2 + 0.3 + 0.1 = 0.6
    assert make_or_buy.outsourcing_utility(0.7, 0.6, 0.2) == pytest.approx(0.6)


def test_logit_choice_follows_softmax_probabilities():
    # utilities 0 and ln 3 at temperature 1: P(second) = 3/4
    utilities = {"in_house": 0.0, "outsourced": math.log(3.0)}
    assert make_or_buy.logit_choice(utilities, 1.0, 0.2) == "in_house"
    assert make_or_buy.logit_choice(utilities, 1.0, 0.3) == "outsourced"
    draws = np.linspace(0.0005, 0.9995, 1000)
    share = np.mean([make_or_buy.logit_choice(utilities, 1.0, u) == "outsourced" for u in draws])
    assert share == pytest.approx(0.75, abs=0.002)


def test_intention_reads_experience_attitude_and_bias():
    # vfm 1.2 vs 0.8 -> relative 0.4 -> 0.8; trust 0.6 - 0.6 = 0; disruption 0.1 -> -0.3
    # + attitude 0.1 + bias -0.2 = 0.8 - 0.3 + 0.1 - 0.2 = 0.4
    score = make_or_buy.intention_score(1.2, 0.8, 0.6, 0.1, 0.1, -0.2)
    assert score == pytest.approx(0.4)
    assert make_or_buy.intention_from_score(score, 0.25) == "more"
    assert make_or_buy.intention_from_score(-score, 0.25) == "less"
    assert make_or_buy.intention_from_score(0.2, 0.25) == "same"
