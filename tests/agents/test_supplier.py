"""A supplier's decisions: whether to bid, at what price, how hard to work, and what it learns."""

from __future__ import annotations

import numpy as np
import pytest

from partnering.agents.supplier import EffortSituation, choose_effort
from partnering.model.model import PartneringModel
from partnering.rules import procurement
from partnering.scenarios import apply_overrides, load_scenario
from partnering.scenarios.mechanisms import Delivery


@pytest.fixture
def firm():
    model = PartneringModel(apply_overrides(load_scenario("transactional"), {"population.councils": 4}), rng=3)
    return next(s for s in model.suppliers if s.kind == "sme")


def test_a_bid_costing_more_than_the_cash_at_hand_is_not_made(firm):
    line = next(iter(firm.lines))
    firm.cash = 0.01
    assert not firm.decide_bid(line, 2.0, 10.0, 5.0, 0.02)


def test_a_firm_bids_where_few_rivals_are_expected_and_not_where_many_are(firm):
    line = next(iter(firm.lines))
    firm.cash, firm.margin = 10.0, 0.06
    # a small lot: 0.3m a year for five years at 6% is worth 0.09 if won; the bid costs 0.0127
    assert firm.decide_bid(line, 2.0, 0.3, 5.0, 0.0127)  # one win in two: 0.045 > 0.0127
    assert not firm.decide_bid(line, 12.0, 0.3, 5.0, 0.0127)  # one in twelve: 0.0075 < 0.0127


def test_a_rival_facing_a_sitting_provider_marks_its_chance_down_and_may_stay_out(firm):
    line = next(iter(firm.lines))
    firm.cash, firm.margin = 10.0, 0.06
    firm.bids_window[line], firm.wins_window[line] = [], []
    # one win in two is worth 0.5 x 0.06 x 0.3 x 5 = 0.045 against a bid costing 0.0127; marked
    # down by 0.75 against an incumbent it is worth 0.01125, less than the bid costs
    assert firm.decide_bid(line, 2.0, 0.3, 5.0, 0.0127, incumbent_deterrence=0.0)
    assert firm.decide_bid(line, 2.0, 0.3, 5.0, 0.0127, incumbent_deterrence=0.5)  # 0.0225
    assert not firm.decide_bid(line, 2.0, 0.3, 5.0, 0.0127, incumbent_deterrence=0.75)


def test_a_ceiling_near_a_firms_cost_leaves_it_too_little_margin_to_bid(firm):
    line = next(iter(firm.lines))
    firm.cash, firm.margin = 10.0, 0.06
    firm.bids_window[line], firm.wins_window[line] = [], []
    # one win in two at its own 6% is worth 0.5 x 0.06 x 0.3 x 5 = 0.045 against 0.0127; a ceiling
    # 3% above its unit cost of 1.0 caps the margin at 0.03: 0.0225, still worth it; 1% above it,
    # 0.0075, not; below its cost, nothing
    assert firm.decide_bid(line, 2.0, 0.3, 5.0, 0.0127, ceiling=1.03, unit_cost=1.0)
    assert not firm.decide_bid(line, 2.0, 0.3, 5.0, 0.0127, ceiling=1.01, unit_cost=1.0)
    assert not firm.decide_bid(line, 2.0, 0.3, 5.0, 0.0127, ceiling=0.98, unit_cost=1.0)
    # a ceiling well above its price changes nothing: its own margin is what it expects
    assert firm.decide_bid(line, 2.0, 0.3, 5.0, 0.0127, ceiling=2.0, unit_cost=1.0)
    firm.margin = 0.015  # 0.01125 < 0.0127 at its own margin, whatever the ceiling
    assert not firm.decide_bid(line, 2.0, 0.3, 5.0, 0.0127, ceiling=2.0, unit_cost=1.0)


def test_a_losing_record_in_a_line_makes_a_firm_bid_less_there(firm):
    line = next(iter(firm.lines))
    fresh = firm.win_probability(line, 3.0)
    firm.bids_window[line] = [2] * 10
    firm.wins_window[line] = [0] * 10
    assert firm.win_probability(line, 3.0) < fresh / 4


def test_the_price_is_the_estimate_marked_up_by_margin_and_contingency(firm):
    service = firm.model.config.services[0]
    line_service = next(s for s in firm.model.config.services if s.market in firm.lines)
    cost = firm.unit_cost(line_service)
    price, estimate = firm.price(line_service, 0.1, 0.0, 0.05)
    error = procurement.estimate_error(0.0, 0.1)  # the lognormal's mean correction at z = 0
    assert estimate == pytest.approx(cost * (1.0 + error))
    assert price == pytest.approx(cost * (1.0 + error) * (1.0 + firm.margin + 0.05))
    assert service is not None


def test_a_newcomer_prices_in_the_cost_of_taking_the_service_over(firm):
    service = next(s for s in firm.model.config.services if s.market in firm.lines)
    sitting, _ = firm.price(service, 0.05, 0.0, 0.0)
    newcomer, _ = firm.price(service, 0.05, 0.0, 0.0, mobilisation=0.02)
    assert newcomer == pytest.approx(sitting * 1.02)


def test_the_incumbents_sharper_estimate_errs_less_on_the_same_draw(firm):
    service = next(s for s in firm.model.config.services if s.market in firm.lines)
    factor = firm.model.config.procurement.incumbent_error_factor
    cost = firm.unit_cost(service)
    newcomer, _ = firm.price(service, 0.1, -1.5, 0.0)
    incumbent, _ = firm.price(service, 0.1 * factor, -1.5, 0.0)
    markup = cost * (1.0 + firm.margin)
    assert abs(incumbent - markup) < abs(newcomer - markup)


def _situation(n: int, **changes) -> EffortSituation:
    base = {"profit": np.full(n, 1.0), "saving": np.full(n, 0.5), "penalty": np.full(n, 0.3),
            "remaining": np.full(n, 8.0), "next_term": np.full(n, 12.0), "renewal_at_risk": np.full(n, 0.2),
            "break_risk": np.zeros(n), "detection": np.full(n, 0.3), "opportunism": np.full(n, 0.5),
            "stress": np.zeros(n), "trust_in_council": np.full(n, 0.5), "cuts_corners": np.ones(n, dtype=bool)}
    base.update(changes)
    return EffortSituation(**base)


def test_an_honest_provider_never_cuts_corners_whatever_the_draw():
    shirk = choose_effort(_situation(5, opportunism=np.zeros(5)), np.zeros(5), Delivery())
    assert not shirk.any()


def test_a_mission_driven_group_never_cuts_corners():
    shirk = choose_effort(_situation(5, cuts_corners=np.zeros(5, dtype=bool)), np.zeros(5), Delivery())
    assert not shirk.any()


def test_more_at_stake_in_the_relationship_deters_corner_cutting():
    draws = np.linspace(0.0, 1.0, 2001)[:-1]
    n = len(draws)
    little = choose_effort(_situation(n, remaining=np.full(n, 1.0), renewal_at_risk=np.zeros(n)), draws, Delivery())
    much = choose_effort(_situation(n, remaining=np.full(n, 20.0), renewal_at_risk=np.full(n, 0.8)), draws, Delivery())
    assert much.mean() < little.mean()
