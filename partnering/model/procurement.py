"""Procurement: cost estimates, bid prices, evaluation weights and bid scoring.

The rules here are pure functions of plain values; :func:`partnering.model.tendering.tender`
orchestrates them over agents.

The winner's curse (Capen, Clapp and Campbell 1971; Thaler 1988): each bidder's cost estimate
carries an error, and the lowest price tends to come from the most optimistic estimate, so the
winner's realised margin falls short of its planned one, the more so the more bidders compete on
price alone and the noisier the specification.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_LOTS = 4
"""Most lots a council splits one service into when fully place-based."""

MARGIN_FLOOR = -0.02
"""Lowest target margin a supplier will bid at (a loss leader, never a give-away)."""

MARGIN_CEILING = 0.3
"""Highest target margin a supplier asks."""

MIN_LOT_VALUE = 0.5
"""£m a year: a council does not split a service into lots smaller than this."""


def estimate_error_sd(base_sd: float, measurability: float, capability: float) -> float:
    """Sd of a bidder's relative cost-estimate error.

    Vague specifications (low measurability) and weak commercial capability (poor tender
    documents) both widen it; at average values (0.5, 0.5) it equals ``base_sd``.

    >>> estimate_error_sd(0.1, 0.5, 0.5)
    0.1
    >>> round(estimate_error_sd(0.1, 1.0, 1.0), 3)
    0.025
    """
    return base_sd * (0.5 + (1.0 - measurability)) * (0.5 + (1.0 - capability))


def estimate_error(z: float, sd: float) -> float:
    """Relative error of a cost estimate from a standard normal draw ``z``: lognormal, so that an
    estimate is never negative however vague the specification, with mean zero.

    >>> estimate_error(0.0, 0.0)
    0.0
    >>> round(estimate_error(1.0, 0.1), 4)   # exp(0.1 - 0.005) - 1
    0.0997
    """
    return math.exp(sd * z - 0.5 * sd * sd) - 1.0


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
    social_value_in_contracts: bool = False,
) -> EvaluationWeights:
    """Score weights derived from the five principle levels.

    Transactional (all zero) is price 0.8 / quality 0.2. Each shift moves weight away from price:
    creative, adaptable and accountable towards quality, place-based towards social value,
    collaborative towards track record; measuring social value adds 0.1 to its weight.

    >>> evaluation_weights(0, 0, 0, 0, 0)
    EvaluationWeights(price=0.8, quality=0.2, social=0.0, track=0.0)
    """
    quality = 0.2 + 0.15 * creative + 0.05 * adaptable + 0.05 * accountable
    social = 0.15 * place_based + (0.1 if social_value_in_contracts else 0.0)
    track = 0.2 * collaborative
    price = 0.8 - (quality - 0.2) - social - track
    return EvaluationWeights(round(price, 12), round(quality, 12), round(social, 12), round(track, 12))


def score_bids(
    prices: np.ndarray,
    quality: np.ndarray,
    social: np.ndarray,
    track: np.ndarray,
    weights: EvaluationWeights,
) -> np.ndarray:
    """Total score of each bid: weighted price score (lowest price / price), quality, social
    value and track record, each in [0, 1].

    >>> score_bids(np.array([1.0, 2.0]), np.array([0.5, 1.0]), np.zeros(2), np.zeros(2),
    ...            EvaluationWeights(0.8, 0.2, 0.0, 0.0)).round(2).tolist()
    [0.9, 0.6]
    """
    price_score = prices.min() / prices
    return (
        weights.price * price_score
        + weights.quality * quality
        + weights.social * social
        + weights.track * track
    )


def lot_count(annual_value: float, place_based: float) -> int:
    """How many lots a council splits a service into: more when place-based, never below
    :data:`MIN_LOT_VALUE` each.

    >>> lot_count(10.0, 0.0), lot_count(10.0, 1.0), lot_count(1.2, 1.0)
    (1, 4, 2)
    """
    wanted = 1 + round((MAX_LOTS - 1) * place_based)
    affordable = max(1, int(annual_value // MIN_LOT_VALUE))
    return max(1, min(wanted, affordable))


def should_bid(win_probability: float, margin: float, annual_value: float, term_years: float, bid_cost: float) -> bool:
    """Bid only where the expected profit of winning exceeds the cost of bidding.

    >>> should_bid(0.2, 0.05, 10.0, 5.0, 0.3)   # 0.2 * 0.05 * 10 * 5 = 0.5 > 0.3
    True
    """
    margin = 0.0 if margin < 0.0 else margin  # max(margin, 0.0), as a comparison: asked of every firm
    return win_probability * margin * annual_value * term_years > bid_cost


def bid_cost(annual_value: float, cost_share: float, creative: float, place_based: float, is_small: bool) -> float:
    """£m cost of preparing one bid.

    Prescriptive processes (low *creative*) cost more; lots and light-touch processes designed
    for small bidders (high *place-based*) lower the barrier for SMEs. A fixed floor of £10k
    makes bidding weigh more heavily on small firms.
    """
    process = 1.5 - creative
    barrier = 1.0 - 0.4 * place_based if is_small else 1.0
    return 0.01 + cost_share * annual_value * process * barrier


def adapt_margin(
    margin: float,
    won: int,
    lost_on_price: int,
    realised_margin: float,
    step: float,
    floor: float = MARGIN_FLOOR,
    ceiling: float = MARGIN_CEILING,
) -> float:
    """Myopic margin learning from debriefs: raise after wins, cut after losses on price, and
    raise when the portfolio's net margin after overheads is negative (learning about the
    winner's curse and about full costs).

    >>> round(adapt_margin(0.08, 0, 2, 0.05, 0.005), 3)
    0.07
    >>> round(adapt_margin(0.08, 1, 0, -0.02, 0.005), 3)
    0.09
    """
    margin += step * (won - lost_on_price)
    if realised_margin < 0.0:
        margin += step
    margin = margin if margin > floor else floor  # min(ceiling, max(floor, margin))
    return margin if margin < ceiling else ceiling
