"""Procurement rules against numbers worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from partnering.rules import procurement
from partnering.scenarios.mechanisms import Procurement

P = Procurement()


def weights(*levels, measured=False):
    return procurement.evaluation_weights(*levels, measured, P)


def test_estimate_error_widens_with_vague_specs_and_weak_skills():
    # 0.1 * (0.5 + 0.8) * (0.5 + 0.7) = 0.1 * 1.3 * 1.2 = 0.156
    assert procurement.estimate_error_sd(0.1, 0.2, 0.3, 0.5) == pytest.approx(0.156)
    assert procurement.estimate_error_sd(0.1, 1.0, 1.0, 0.5) == pytest.approx(0.025)


def test_estimate_error_is_mean_zero_and_never_below_minus_one():
    z = np.random.default_rng(1).standard_normal(200_000)
    errors = np.array([procurement.estimate_error(float(x), 0.3) for x in z[:20_000]])
    assert errors.min() > -1.0
    assert errors.mean() == pytest.approx(0.0, abs=0.01)


def test_bid_price_marks_up_the_estimate():
    # cost 2.0, error -5% -> estimate 1.9; margin 10% + contingency 2% -> 1.9 * 1.12 = 2.128
    assert procurement.bid_price(2.0, -0.05, 0.10, 0.02) == pytest.approx(2.128)


def test_transactional_weights_are_price_08_quality_02():
    w = weights(0, 0, 0, 0, 0)
    assert (w.price, w.quality, w.social, w.track) == pytest.approx((0.8, 0.2, 0.0, 0.0))


def test_each_shift_moves_weight_away_from_price():
    base = weights(0, 0, 0, 0, 0)
    for i in range(5):
        levels = [0.0] * 5
        levels[i] = 1.0
        w = weights(*levels)
        assert w.price < base.price
        assert sum(w.as_array()) == pytest.approx(1.0)
    # collaborative 1: track 0.2, price 0.6; place-based 1: social 0.15, price 0.65
    assert weights(1, 0, 0, 0, 0).track == pytest.approx(0.2)
    assert weights(0, 0, 0, 0, 1).social == pytest.approx(0.15)
    # measuring social value adds 0.1 to its weight and takes it from price: 0.8 - 0.1 = 0.7
    assert weights(0, 0, 0, 0, 0, measured=True).price == pytest.approx(0.7)


def test_declared_weights_move_the_evaluation():
    heavier = Procurement(collaborative_track_weight=0.3)
    w = procurement.evaluation_weights(1, 0, 0, 0, 0, False, heavier)
    assert (w.track, w.price) == pytest.approx((0.3, 0.5))


def test_score_combines_price_ratio_quality_social_and_track():
    w = procurement.EvaluationWeights(0.5, 0.2, 0.1, 0.2)
    # bid A: price 1.0 -> price score 1; bid B: price 1.25 -> 1/1.25 = 0.8
    # A: 0.5*1 + 0.2*0.6 + 0.1*0.2 + 0.2*0.5 = 0.5 + 0.12 + 0.02 + 0.1 = 0.74
    # B: 0.5*0.8 + 0.2*0.9 + 0.1*0.8 + 0.2*0.9 = 0.4 + 0.18 + 0.08 + 0.18 = 0.84
    scores = procurement.score_bids([1.0, 1.25], [0.6, 0.9], [0.2, 0.8], [0.5, 0.9], w)
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
    assert procurement.bid_cost(10.0, 0.006, procurement.process_weight(1.5, 0.0), 0.0, False, 0.5, P) == pytest.approx(0.1)
    # creative 1, SME, place-based 1: 0.01 + 0.006 * 10 * 0.5 * 0.6 = 0.028
    assert procurement.bid_cost(10.0, 0.006, procurement.process_weight(1.5, 1.0), 1.0, True, 0.5, P) == pytest.approx(0.028)


def test_bid_cost_grows_with_the_lots_complexity():
    # complexity 1: factor 1 + 1.0 * 0.5 = 1.5 -> 0.01 + 0.09 * 1.5 = 0.145; complexity 0: 0.01 + 0.09 * 0.5
    assert procurement.bid_cost(10.0, 0.006, 1.5, 0.0, False, 1.0, P) == pytest.approx(0.145)
    assert procurement.bid_cost(10.0, 0.006, 1.5, 0.0, False, 0.0, P) == pytest.approx(0.055)


def test_tender_cost_scales_with_lot_and_process():
    # 0.01 * 8 * 1.5 = 0.12; a creative process (0.5) costs a third of that
    assert procurement.tender_cost(8.0, 0.01, 1.5) == pytest.approx(0.12)
    assert procurement.tender_cost(8.0, 0.01, 0.5) == pytest.approx(0.04)


def test_lots_follow_place_based_level_and_minimum_size():
    assert procurement.lot_count(10.0, 0.0, 4, 0.5) == 1
    assert procurement.lot_count(10.0, 0.5, 4, 0.5) == 3  # 1 + round(3 * 0.5) = 1 + 2
    assert procurement.lot_count(1.2, 1.0, 4, 0.5) == 2  # 1.2 // 0.5 = 2 lots at most
    assert procurement.lot_count(10.0, 1.0, 8, 0.5) == 8


def test_margin_learning_from_debriefs():
    # two losses on price: 0.08 - 2 * 0.005 = 0.07
    assert procurement.adapt_margin(0.08, 0, 2, 0.05, 0.005, -0.02, 0.3) == pytest.approx(0.07)
    # a win and a loss-making portfolio: 0.08 + 0.005 + 0.005 = 0.09
    assert procurement.adapt_margin(0.08, 1, 0, -0.02, 0.005, -0.02, 0.3) == pytest.approx(0.09)
    assert procurement.adapt_margin(-0.02, 0, 5, 0.1, 0.01, -0.02, 0.3) == -0.02
    assert procurement.adapt_margin(0.29, 5, 0, 0.1, 0.01, -0.02, 0.3) == 0.3


def test_a_newcomer_expects_one_win_in_as_many_tenders_as_the_market_draws_bids():
    assert procurement.win_belief(0, 0, 5.0, 4.0) == pytest.approx(0.2)
    assert procurement.win_belief(0, 0, 0.5, 4.0) == 1.0  # tenders have drawn under one bid: no rival expected


def test_a_firms_own_record_pulls_its_belief_away_from_the_market_prior():
    # (5 + 4 * 0.25) / (10 + 4) = 6 / 14
    assert procurement.win_belief(5, 10, 4.0, 4.0) == pytest.approx(6 / 14)
    # a long losing record: (0 + 4 * 0.25) / (40 + 4) = 1 / 44
    assert procurement.win_belief(0, 40, 4.0, 4.0) == pytest.approx(1 / 44)


def test_selective_bidding_leaves_thin_lots_to_fewer_bidders():
    """With the same bid cost, a firm that expects many rivals on a small lot stays out; one that
    expects few bids in."""
    cost = procurement.bid_cost(0.3, 0.006, 1.5, 0.0, True, 0.5, P)  # 0.01 + 0.0027 = 0.0127
    crowded = procurement.win_belief(0, 0, 12.0, 4.0)  # 1/12
    thin = procurement.win_belief(0, 0, 2.0, 4.0)  # 1/2
    # expected profit 0.06 * 0.3 * 5 years = 0.09 times the chance: 0.0075 < 0.0127 < 0.045
    assert not procurement.should_bid(crowded, 0.06, 0.3, 5.0, cost)
    assert procurement.should_bid(thin, 0.06, 0.3, 5.0, cost)


def test_a_bidder_lost_on_price_when_a_floor_price_bid_would_have_won():
    # Prices 1.00 (winner) and 1.02; markups 1.1 each, floor markup 1.0: the loser's floor price is
    # 1.02 / 1.1 = 0.9273 < 1.00, so it would become the lowest price.
    # Loser's price score rises from 1/1.02 to 1 (+0.0196, x 0.8 = +0.0157); the winner's falls
    # from 1 to 0.9273 (-0.0727, x 0.8 = -0.0582). 0.89 + 0.0157 > 0.90 - 0.0582: lost on price.
    prices, markups, floors = [1.0, 1.02], [1.1, 1.1], [1.0, 1.0]
    assert procurement.lost_on_price(prices, [0.9, 0.89], 0, markups, floors, 0.8) == [False, True]
    # a loser far behind on quality would not have won even at the floor
    assert procurement.lost_on_price(prices, [0.9, 0.7], 0, markups, floors, 0.8) == [False, False]


def test_the_affordability_ceiling_falls_with_the_share_of_the_shortfall_passed_to_prices():
    # an estimate of 1.06 marked up 10% is 1.166; a council 30% short that passes half its
    # shortfall to prices cuts that by 15%: 0.9911
    assert procurement.price_ceiling(1.06, 0.1, 0.5, 0.3) == pytest.approx(1.06 * 1.1 * 0.85)
    assert procurement.price_ceiling(1.06, 0.1, 1.0, 0.3) < procurement.price_ceiling(1.06, 0.1, 0.5, 0.3)
    assert procurement.price_ceiling(1.06, 0.1, 0.5, 0.0) == pytest.approx(1.166)  # not short: the markup alone
    assert procurement.price_ceiling(1.06, 0.1, 0.0, 0.9) == math.inf  # no squeeze: no ceiling at all


def test_the_margin_under_a_ceiling_is_the_room_it_leaves_above_cost_at_most_the_firms_own():
    assert procurement.margin_under_ceiling(0.08, 1.2, 1.0) == 0.08
    assert procurement.margin_under_ceiling(0.08, 1.05, 1.0) == pytest.approx(0.05)
    assert procurement.margin_under_ceiling(0.08, 1.05, 1.1) == pytest.approx(1.05 / 1.1 - 1.0)  # below cost
    assert procurement.margin_under_ceiling(0.08, math.inf, 1.0) == 0.08

