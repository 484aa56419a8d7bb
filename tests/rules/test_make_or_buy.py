"""Make-or-buy rules against numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from partnering.rules import make_or_buy
from partnering.scenarios.mechanisms import MakeOrBuy

M = MakeOrBuy()


def test_circumstances_scored_from_market_flexibility_skill_and_integration():
    c = make_or_buy.score_circumstances(1, 2, 0.1, 0.0, 0.4, 0.5, 0.5, M)
    # market: 1 - (0.5 * 1/3 + 0.5 * 2/5) = 1 - 0.3667 = 0.6333; flexibility: 0.1/0.2 * 1 = 0.5
    # skills: 1 - 0.4 = 0.6; integration: 0.5 * 0.5 = 0.25
    assert (c.market, c.flexibility, c.skills, c.integration) == pytest.approx((0.63333, 0.5, 0.6, 0.25), abs=1e-4)
    thick = make_or_buy.score_circumstances(6, 10, 0.1, 1.0, 0.4, 0.5, 0.5, M)
    assert thick.market == 0.0 and thick.flexibility == 0.0


def test_insourcing_utility_and_its_main_reason():
    c = make_or_buy.Circumstances(0.25, 1.0, 0.2, 0.1)
    # 0.8*0.25 + 0.6*1 + 0.5*0.2 + 0.6*0.1 = 0.2 + 0.6 + 0.1 + 0.06 = 0.96
    # + bias 0.1 + experience 1.0 * 0.2 - 0.5 * (1 - 0.6) = 0.96 + 0.1 + 0.2 - 0.2 = 1.06
    u, why = make_or_buy.insourcing_utility(c, 0.2, 0.6, 0.1, M)
    assert u == pytest.approx(1.06)
    assert why == "need for flexibility"


def test_circumstance_weights_are_declared_parameters():
    c = make_or_buy.Circumstances(0.25, 1.0, 0.2, 0.1)
    _, why = make_or_buy.insourcing_utility(c, 0.0, 1.0, 0.0, MakeOrBuy(weight_market=3.0))
    assert why == "unhealthy or uncompetitive market"  # 3 * 0.25 = 0.75 > 0.6 * 1


def test_outsourcing_utility():
    # 1 * (0.7 - 0.5) + 0.5 * 0.6 + 0.5 * 0.2 = 0.2 + 0.3 + 0.1 = 0.6
    assert make_or_buy.outsourcing_utility(0.7, 0.6, 0.2, 0.5, M) == pytest.approx(0.6)


def test_co_commissioning_and_community_utilities():
    # 0.6 + 0.6 * 0.5 * (0.5 + 0.7) - 0.2 = 0.6 + 0.36 - 0.2 = 0.76
    assert make_or_buy.co_commissioning_utility(0.6, 0.5, 0.7, M) == pytest.approx(0.76)
    # 2 * 0.9 * (0.2 + 0.5) - 0.6 = 1.26 - 0.6 = 0.66
    assert make_or_buy.community_utility(0.9, 0.5, M) == pytest.approx(0.66)


def test_logit_choice_follows_softmax_probabilities():
    # utilities 0 and ln 3 at temperature 1: P(second) = 3/4
    utilities = {"in_house": 0.0, "outsourced": math.log(3.0)}
    assert make_or_buy.logit_choice(utilities, 1.0, 0.2) == "in_house"
    assert make_or_buy.logit_choice(utilities, 1.0, 0.3) == "outsourced"
    draws = np.linspace(0.0005, 0.9995, 1000)
    share = np.mean([make_or_buy.logit_choice(utilities, 1.0, u) == "outsourced" for u in draws])
    assert share == pytest.approx(0.75, abs=0.002)


def test_relative_advantage_is_the_gap_over_the_mean():
    # (1.2 - 0.8) / 1.0 = 0.4
    assert make_or_buy.relative_advantage(1.2, 0.8) == pytest.approx(0.4)
    assert make_or_buy.relative_advantage(0.0, 0.0) == 0.0


def test_intention_reads_experience_attitude_and_bias():
    # vfm 1.2 vs 0.8 -> relative 0.4 -> x2 = 0.8; trust 0.6 - 0.6 = 0; disruption 0.1 -> -0.3;
    # pressure 0.2 -> +0.2; one failure seen -> -0.5; attitude 0.1, bias -0.2:
    # 0.8 - 0.3 + 0.2 - 0.5 + 0.1 - 0.2 = 0.1
    parts = make_or_buy.intention_parts(1.2, 0.8, 0.6, 0.1, 0.2, 1.0, 0.1, -0.2, M)
    assert parts.experience == pytest.approx(0.2)
    assert parts.score == pytest.approx(0.1)
    assert make_or_buy.intention_from_score(parts.score, 0.05) == "more"
    assert make_or_buy.intention_from_score(-parts.score, 0.05) == "less"
    assert make_or_buy.intention_from_score(parts.score, 0.25) == "same"


def test_failures_seen_and_disruption_turn_a_council_against_outsourcing():
    calm = make_or_buy.intention_parts(1.0, 1.0, 0.6, 0.0, 0.0, 0.0, 0.0, 0.0, M).score
    shaken = make_or_buy.intention_parts(1.0, 1.0, 0.6, 0.05, 0.0, 2.0, 0.0, 0.0, M).score
    assert calm == 0.0 and shaken == pytest.approx(-0.15 - 1.0)


def test_a_stated_intention_tilts_the_next_review():
    assert make_or_buy.intention_pull("more", M) == -0.3
    assert make_or_buy.intention_pull("same", M) == 0.0
    assert make_or_buy.intention_pull("less", M) == 0.3
