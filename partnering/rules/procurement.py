"""Procurement: cost estimates, bid prices, evaluation weights and bid scoring.

The rules here are pure functions of plain values and of the declared ``procurement`` parameters
(:class:`partnering.scenarios.mechanisms.Procurement`); :func:`partnering.model.tendering.tender`
orchestrates them over agents.

The winner's curse (Capen, Clapp and Campbell 1971; Thaler 1988): each bidder's cost estimate
carries an error, and the lowest price tends to come from the most optimistic estimate, so the
winner's realised margin falls short of its planned one, the more so the more bidders compete on
price alone and the noisier the specification.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from partnering.rules.units import DECIMALS
from partnering.scenarios.mechanisms import Procurement


def estimate_error_sd(base_sd: float, measurability: float, capability: float, floor: float) -> float:
    """Sd of a bidder's relative cost-estimate error.

    Vague specifications (low measurability) and weak commercial capability (poor tender
    documents) both widen it: each contributes a factor ``floor + (1 - level)``. With the
    default floor 0.5, at average values (0.5, 0.5) it equals ``base_sd``.

    >>> estimate_error_sd(0.1, 0.5, 0.5, 0.5)
    0.1
    >>> round(estimate_error_sd(0.1, 1.0, 1.0, 0.5), 3)
    0.025
    """
    return base_sd * (floor + (1.0 - measurability)) * (floor + (1.0 - capability))


def estimate_error(z: float, sd: float) -> float:
    """Relative error of a cost estimate from a standard normal draw ``z``: lognormal, so that an
    estimate is never negative however vague the specification, with mean zero.

    >>> estimate_error(0.0, 0.0)
    0.0
    >>> round(estimate_error(1.0, 0.1), 4)   # exp(0.1 - 0.005) - 1
    0.0997
    """
    return math.exp(sd * z - sd * sd / 2) - 1.0  # minus sd^2 / 2: the lognormal's mean is one


def expected_winners_curse(expected_bids: float) -> float:
    """How optimistic, in sds, the lowest of ``expected_bids`` cost estimates is on average: the
    expected largest of that many standard normals (Blom's approximation), 0 for a lone bidder.
    A bidder who wins against more rivals has more likely underestimated its cost (Capen, Clapp
    and Campbell 1971; Kagel and Levin 2002), so it shades its bid by this much of its error.

    >>> expected_winners_curse(1.0), round(expected_winners_curse(3.0), 2), round(expected_winners_curse(9.0), 2)
    (0.0, 0.87, 1.49)
    """
    n = expected_bids if expected_bids > 1.0 else 1.0
    return NormalDist().inv_cdf((n - 3 / 8) / (n + 1 / 4))  # Blom's plotting positions


def bid_price(true_unit_cost: float, estimate_error: float, margin: float, contingency: float = 0.0) -> float:
    """Unit price bid: the bidder's cost estimate marked up by its target margin and a
    contingency for the uncertainty it knows its estimate carries.

    >>> round(bid_price(1.0, -0.1, 0.1), 3)
    0.99
    >>> round(bid_price(1.0, -0.1, 0.1, 0.05), 4)
    1.035
    """
    return true_unit_cost * (1.0 + estimate_error) * (1.0 + margin + contingency)


@dataclass(frozen=True)
class EvaluationWeights:
    """Weights of the tender score; they sum to one."""

    price: float
    quality: float
    social: float
    track: float

    def as_array(self) -> np.ndarray:
        return np.array([self.price, self.quality, self.social, self.track])


def evaluation_weights(
    collaborative: float,
    creative: float,
    adaptable: float,
    accountable: float,
    place_based: float,
    social_value_in_contracts: bool,
    p: Procurement,
) -> EvaluationWeights:
    """Score weights derived from the five principle levels.

    Transactional (all zero) is price ``1 - p.quality_weight`` / quality ``p.quality_weight``
    (0.8 / 0.2 by default). Each shift moves weight away from price: creative, adaptable and
    accountable towards quality, place-based towards social value, collaborative towards track
    record; measuring social value adds ``p.measured_social_weight`` to its weight. Should the
    moves exceed price's whole weight (possible only at extreme declared values), price gets none
    and the others are scaled to sum to one. Rounded to :data:`~partnering.rules.units.DECIMALS`.

    >>> evaluation_weights(0, 0, 0, 0, 0, False, Procurement())
    EvaluationWeights(price=0.8, quality=0.2, social=0.0, track=0.0)
    >>> evaluation_weights(1, 1, 1, 1, 1, True, Procurement())
    EvaluationWeights(price=0.1, quality=0.45, social=0.25, track=0.2)
    >>> evaluation_weights(1, 1, 1, 1, 1, True, Procurement(quality_weight=0.7, collaborative_track_weight=0.4))
    EvaluationWeights(price=0.0, quality=0.59375, social=0.15625, track=0.25)
    """
    quality = (p.quality_weight + p.creative_quality_weight * creative + p.adaptable_quality_weight * adaptable
               + p.accountable_quality_weight * accountable)
    social = p.place_based_social_weight * place_based + (p.measured_social_weight if social_value_in_contracts else 0.0)
    track = p.collaborative_track_weight * collaborative
    price = (1.0 - p.quality_weight) - (quality - p.quality_weight) - social - track
    if price < 0.0:
        rest = quality + social + track
        price, quality, social, track = 0.0, quality / rest, social / rest, track / rest
    return EvaluationWeights(round(price, DECIMALS), round(quality, DECIMALS), round(social, DECIMALS),
                             round(track, DECIMALS))


def score_bids(
    prices: Sequence[float],
    quality: Sequence[float],
    social: Sequence[float],
    track: Sequence[float],
    weights: EvaluationWeights,
) -> list[float]:
    """Total score of each bid: weighted price score (lowest price / price), quality, social
    value and track record, each in [0, 1]. A tender has a handful of bids, so plain floats
    (quicker than numpy arrays at that size, and the same numbers).

    >>> [round(x, 2) for x in score_bids([1.0, 2.0], [0.5, 1.0], [0.0, 0.0], [0.0, 0.0],
    ...                                  EvaluationWeights(0.8, 0.2, 0.0, 0.0))]
    [0.9, 0.6]
    """
    best = min(prices)
    wp, wq, ws, wt = weights.price, weights.quality, weights.social, weights.track
    return [wp * (best / p) + wq * q + ws * s + wt * t for p, q, s, t in zip(prices, quality, social, track, strict=True)]


def lot_count(annual_value: float, place_based: float, max_lots: int, min_lot_value: float) -> int:
    """How many lots a council splits a service into: up to ``max_lots`` when fully place-based,
    never below ``min_lot_value`` (£m a year) each.

    >>> lot_count(10.0, 0.0, 4, 0.5), lot_count(10.0, 1.0, 4, 0.5), lot_count(1.2, 1.0, 4, 0.5)
    (1, 4, 2)
    """
    wanted = 1 + round((max_lots - 1) * place_based)
    affordable = max(1, int(annual_value // min_lot_value))
    return max(1, min(wanted, affordable))


def should_bid(win_probability: float, margin: float, annual_value: float, term_years: float, bid_cost: float) -> bool:
    """Bid only where the expected profit of winning exceeds the cost of bidding.

    >>> should_bid(0.2, 0.05, 10.0, 5.0, 0.3)   # 0.2 * 0.05 * 10 * 5 = 0.5 > 0.3
    True
    """
    margin = 0.0 if margin < 0.0 else margin  # max(margin, 0.0), as a comparison: asked of every firm
    return win_probability * margin * annual_value * term_years > bid_cost


def process_weight(prescriptive: float, creative: float) -> float:
    """Weight of a tender process: ``prescriptive`` for a fully process-driven council, falling
    one for one with *creative* (outcome specifications, lighter bidding).

    >>> process_weight(1.5, 0.0), process_weight(1.5, 1.0)
    (1.5, 0.5)
    """
    return prescriptive - creative


def tender_cost(lot_value: float, cost_share: float, process: float) -> float:
    """£m a council spends running one lot's competition.

    >>> round(tender_cost(10.0, 0.01, 1.5), 6)
    0.15
    """
    return cost_share * lot_value * process


def bid_cost(annual_value: float, cost_share: float, process: float, place_based: float, is_small: bool,
             complexity: float, p: Procurement) -> float:
    """£m cost of preparing one bid.

    Complex lots and prescriptive processes (a heavy ``process`` weight) cost more; lots and
    light-touch processes designed for small bidders (high *place-based*) lower the barrier for
    SMEs and VCSEs. A fixed floor (``p.bid_cost_floor``, £10k by default) makes bidding weigh more
    heavily on small firms and small lots.

    >>> round(bid_cost(10.0, 0.006, 1.5, 1.0, True, 0.5, Procurement()), 4)   # 0.01 + 0.09 * 0.6
    0.064
    >>> round(bid_cost(10.0, 0.006, 1.5, 0.0, False, 1.0, Procurement()), 4)   # 0.01 + 0.09 * 1.5
    0.145
    """
    barrier = 1.0 - p.small_bidder_relief * place_based if is_small else 1.0
    return p.bid_cost_floor + cost_share * annual_value * process * barrier * complexity_factor(
        complexity, p.complexity_weight)


def adapt_margin(
    margin: float,
    won: int,
    lost_on_price: int,
    realised_margin: float,
    step: float,
    floor: float,
    ceiling: float,
) -> float:
    """Myopic margin learning from debriefs: raise after wins, cut after losses on price, and
    raise when the portfolio's net margin after overheads is negative (learning about the
    winner's curse and about full costs).

    >>> round(adapt_margin(0.08, 0, 2, 0.05, 0.005, -0.02, 0.3), 3)
    0.07
    >>> round(adapt_margin(0.08, 1, 0, -0.02, 0.005, -0.02, 0.3), 3)
    0.09
    """
    margin += step * (won - lost_on_price)
    if realised_margin < 0.0:
        margin += step
    margin = margin if margin > floor else floor  # min(ceiling, max(floor, margin))
    return margin if margin < ceiling else ceiling


def win_belief(wins: int, bids: int, expected_bids: float, strength: float) -> float:
    """A firm's belief about its chance of winning a tender in a line: its own record there
    (recent wins over bids), shrunk towards what the market's thickness implies, one win in
    ``expected_bids`` (the bids tenders in that line and region have drawn lately), with the
    weight of ``strength`` tenders (Levin and Smith 1994: bidders enter an auction on their
    expectation of the competition).

    >>> win_belief(0, 0, 4.0, 4.0), win_belief(0, 0, 1.0, 4.0)   # a newcomer; an uncontested line
    (0.25, 1.0)
    >>> round(win_belief(3, 6, 4.0, 4.0), 3)   # (3 + 4 * 0.25) / (6 + 4)
    0.4
    """
    prior = 1.0 / expected_bids if expected_bids > 1.0 else 1.0
    return (wins + strength * prior) / (bids + strength)


def belief_against_incumbent(belief: float, deterrence: float) -> float:
    """A rival's chance of winning once it knows the sitting provider may bid: marked down by
    ``deterrence``, since the incumbent knows the service's true cost and the rival does not
    (Engelbrecht-Wiggans, Milgrom and Weber 1983: an uninformed bidder facing an informed one
    expects to win less often, and to win mostly when it has overbid in value).

    >>> belief_against_incumbent(0.25, 0.0), belief_against_incumbent(0.25, 0.6)
    (0.25, 0.1)
    """
    return belief * (1.0 - deterrence)


def price_ceiling(cost_estimate: float, markup: float, squeeze: float, budget_pressure: float) -> float:
    """The most a council will pay per unit of need: its estimate of the unit cost marked up by
    ``markup``, cut by the share ``squeeze`` of its budget shortfall it passes to prices (councils
    under austerity set fee rates below the full cost: CMA 2017). With no squeeze there is no
    ceiling: the shortfall cuts the volume it buys instead.

    >>> price_ceiling(1.0, 0.1, 0.0, 0.3)
    inf
    >>> round(price_ceiling(1.0, 0.1, 0.5, 0.2), 4)   # 1.1 * (1 - 0.5 * 0.2)
    0.99
    """
    if squeeze <= 0.0:
        return math.inf
    return cost_estimate * (1.0 + markup) * (1.0 - squeeze * budget_pressure)


def margin_under_ceiling(margin: float, ceiling: float, unit_cost: float) -> float:
    """The margin a firm can expect where the council will pay at most ``ceiling`` per unit: its
    own target margin, or less where the ceiling leaves less above its cost (negative where the
    ceiling lies below its cost, and then it does not bid: :func:`should_bid`).

    >>> margin_under_ceiling(0.08, math.inf, 1.0), round(margin_under_ceiling(0.08, 1.05, 1.0), 4)
    (0.08, 0.05)
    >>> round(margin_under_ceiling(0.08, 0.95, 1.0), 4)
    -0.05
    """
    room = ceiling / unit_cost - 1.0
    return margin if margin < room else room


def complexity_factor(complexity: float, weight: float) -> float:
    """How a lot's complexity scales its bid cost: 1 at complexity 0.5.

    >>> complexity_factor(0.5, 1.0), complexity_factor(0.9, 1.0), complexity_factor(0.9, 0.0)
    (1.0, 1.4, 1.0)
    """
    return 1.0 + weight * (complexity - 1 / 2)  # 1 in the middle of the range of complexity


def lost_on_price(prices: Sequence[float], scores: Sequence[float], winner: int, markups: Sequence[float],
                  floor_markups: Sequence[float], price_weight: float) -> list[bool]:
    """For each losing bid, whether a bid at the margin floor would have beaten the winner (UK
    procurement debriefs give scores, so a firm can tell). The winner's entry is False.

    ``markups`` are each bid's ``1 + margin + contingency``; ``floor_markups`` each bid's
    ``1 + margin floor + contingency``. Lowering one price lowers the best price too, so both the
    bidder's price score and the winner's move. Plain floats, as in :func:`score_bids`.

    >>> lost_on_price([1.0, 1.02], [0.9, 0.89], 0, [1.1, 1.1], [1.0, 1.0], 0.8)
    [False, True]
    """
    best = min(prices)
    won_at, to_beat = prices[winner], scores[winner]
    out = []
    for i, (price, score, markup, floor) in enumerate(zip(prices, scores, markups, floor_markups, strict=True)):
        if i == winner:
            out.append(False)
            continue
        floor_price = price * floor / markup
        new_min = best if best < floor_price else floor_price
        gain_self = price_weight * (new_min / floor_price - best / price)
        loss_winner = price_weight * (best / won_at - new_min / won_at)
        out.append(score + gain_self > to_beat - loss_winner)
    return out
