"""Delivery rules: effort, detection, quality, volume and payment under each contract form.

Effort follows the logic of relational contracts (Baker, Gibbons and Murphy 2002): a supplier
cuts corners when the one-quarter gain exceeds what it expects to lose, i.e. the chance of being
caught times the contractual remedy plus the future surplus of the relationship that detection
puts at risk. The future surplus is larger when contracts are long, renewal rewards track record,
and break clauses let a council end a poor relationship.
"""

from __future__ import annotations

import math
from typing import NamedTuple

DISCOUNT_PER_QUARTER = 0.98
"""Suppliers' quarterly discount factor (about 8% a year)."""

SHIRK_LOGIT_SLOPE = 3.0
"""Sharpness of the effort choice in log(temptation / deterrence)."""


def detection_probability(monitoring: float, measurability: float, capability: float, open_book: bool) -> float:
    """Chance that a council detects corner-cutting in a quarter.

    Monitoring effort, measurable outcomes, commercial capability and open books all raise it;
    open books reveal hidden margin only to a council with the skill to read them.

    >>> round(detection_probability(1.0, 1.0, 1.0, False), 2)
    0.6
    >>> round(detection_probability(0.5, 0.5, 0.5, True), 3)
    0.206
    """
    base = monitoring * (0.4 + 0.6 * measurability) * (0.4 + 0.6 * capability) * 0.6
    chance = base * (1.0 + 0.8 * capability if open_book else 1.0)
    return chance if chance < 0.95 else 0.95  # min(0.95, chance), as a comparison (hot path)


def relationship_value(
    quarterly_profit: float,
    remaining_quarters: int,
    renewal_at_risk: float,
    next_term_quarters: int,
    break_risk: float,
    discount: float = DISCOUNT_PER_QUARTER,
) -> float:
    """£m of future surplus a supplier puts at risk if caught cutting corners.

    ``renewal_at_risk`` is the fall in its chance of winning the next contract that detection
    causes; ``break_risk`` the chance the council ends this contract at the next break point.
    A loss-making contract has no relationship value to protect. ``discount`` is the supplier's
    own quarterly discount factor: opportunists are short-termist.

    >>> round(relationship_value(1.0, 4, 0.5, 8, 0.0), 3)
    3.441
    """
    if quarterly_profit <= 0.0:
        return 0.0
    d = discount
    remaining = (1.0 - d**remaining_quarters) / (1.0 - d)
    next_term = d**remaining_quarters * (1.0 - d**next_term_quarters) / (1.0 - d)
    return quarterly_profit * (break_risk * remaining + renewal_at_risk * next_term)


def supplier_discount(opportunism: float) -> float:
    """Quarterly discount factor: opportunism goes with short-termism (Williamson 1985).

    >>> supplier_discount(0.0), round(supplier_discount(1.0), 2)
    (0.98, 0.9)
    """
    return DISCOUNT_PER_QUARTER - 0.08 * opportunism


def shirk_temptation(saving: float, opportunism: float, financial_stress: float, trust_in_council: float) -> float:
    """£m one-quarter gain from cutting corners, weighted by the supplier's disposition.

    Opportunism (guile: a fully honest supplier feels no temptation), financial stress and low
    trust in the council raise it (Williamson 1985). Trust in the council restrains a supplier
    only as far as it reciprocates, which an opportunist does not.

    >>> shirk_temptation(1.0, 0.5, 0.0, 1.0)
    1.0
    """
    return saving * 2.0 * opportunism * (1.0 + financial_stress) * (1.5 - trust_in_council * (1.0 - opportunism))


def shirk_probability(temptation: float, detection: float, penalty: float, future_value: float,
                      rework: float = 0.0) -> float:
    """Chance that a supplier cuts corners this quarter: a logit in log(temptation / deterrence).

    Deterrence is the detection chance times what detection costs: the penalty, the work it must
    redo at its own expense (``rework``) and the relationship value at risk.

    >>> shirk_probability(1.0, 0.5, 1.0, 1.0)   # deterrence 1.0 = temptation
    0.5
    """
    deterrence = detection * (penalty + rework + future_value)
    if temptation <= 0.0:
        return 0.0
    if deterrence <= 1e-12:
        return 1.0
    x = SHIRK_LOGIT_SLOPE * math.log(temptation / deterrence)
    x = x if x < 50.0 else 50.0  # clamped to [-50, 50] as max(-50, min(50, x)) would
    x = x if x > -50.0 else -50.0
    return 1.0 / (1.0 + math.exp(-x))


def delivered_quality(capability: float, effort: float, fit: float, strain: float) -> float:
    """Quality = capability x effort x fit x capacity strain, in [0, 1].

    >>> round(delivered_quality(0.8, 1.0, 0.9, 1.0), 3)
    0.72
    """
    quality = capability * effort * fit * strain
    quality = quality if quality > 0.0 else 0.0  # min(1, max(0, q)) as comparisons (hot path)
    return quality if quality < 1.0 else 1.0


def capacity_strain(load: float, capacity: float) -> float:
    """Quality factor from over-stretch: 1 within capacity, falling as sqrt(capacity / load).

    >>> capacity_strain(50.0, 100.0), capacity_strain(400.0, 100.0)
    (1.0, 0.5)
    """
    if capacity <= 0.0:
        return 0.0
    if load <= capacity:
        return 1.0
    return math.sqrt(capacity / load)


def service_fit(local_knowledge: float, localness: float, codesign: float) -> float:
    """How well delivery fits local need: lost where local knowledge matters and the provider
    lacks it; regained by community co-design.

    >>> round(service_fit(0.8, 0.2, 0.0), 3)
    0.808
    """
    fit = 1.0 - 0.3 * local_knowledge * (1.0 - localness) + codesign
    fit = fit if fit > 0.0 else 0.0  # min(1, max(0, fit)) as comparisons (hot path)
    return fit if fit < 1.0 else 1.0


def _round12(x: float) -> float:
    """``round(x, 12)``, bit for bit, at half its cost for the volumes of one lot.

    For 0 < x < 16, ``x * 1e12`` is below 2**44, so its rounding error is under 2**-10; when it
    lies more than 0.49 from a half-integer away from its nearest integer ``n``, ``n`` is the
    correctly rounded value of the exact product, and ``n / 1e12`` (both exact doubles, one
    correctly rounded division) is the double nearest to ``n * 10**-12``, which is what ``round``
    returns. Everything else goes to ``round`` itself.

    >>> _round12(0.1 + 0.2) == round(0.1 + 0.2, 12), _round12(1 / 8192) == round(1 / 8192, 12)
    (True, True)
    """
    if 0.0 < x < 16.0:
        scaled = x * 1e12
        whole = round(scaled)
        if abs(scaled - whole) < 0.49:
            return whole / 1e12
    return round(x, 12)


class Volumes(NamedTuple):
    """One quarter's volumes for one lot, in units of the service's base annual value.

    A named tuple rather than a frozen dataclass: one is built per lot per quarter.
    """

    delivered: float
    contracted: float
    variation: float
    idle: float


def lot_volumes(need: float, base_volume: float, flex: float, variation_uptake: float) -> Volumes:
    """Split funded need between contracted volume, a variation and idle capacity.

    An adaptable contract (``flex`` = 1) follows need at the contract price; a rigid one
    (``flex`` = 0) fixes the volume agreed at award. Extra need under a rigid contract is bought
    as a variation at a premium, but only ``variation_uptake`` of it in the quarter (negotiation,
    scope disputes): the rest is unmet. Need below the fixed volume leaves paid-for capacity idle.

    >>> lot_volumes(1.2, 1.0, 0.0, 0.5)
    Volumes(delivered=1.1, contracted=1.0, variation=0.1, idle=0.0)
    >>> lot_volumes(0.8, 1.0, 1.0, 0.5)
    Volumes(delivered=0.8, contracted=0.8, variation=0.0, idle=0.0)
    >>> lot_volumes(0.8, 1.0, 0.0, 0.5)
    Volumes(delivered=0.8, contracted=1.0, variation=0.0, idle=0.2)
    """
    contracted = flex * need + (1.0 - flex) * base_volume
    # max/min written as comparisons, zeros not rounded (rounding leaves them as they are) and
    # the rounding itself done by ``_round12``: the same values, computed for every lot every quarter
    shortfall = need - contracted
    variation = variation_uptake * (shortfall if shortfall > 0.0 else 0.0)
    idle = -shortfall if -shortfall > 0.0 else 0.0
    delivered = (contracted if contracted < need else need) + variation
    return Volumes(_round12(delivered), _round12(contracted),
                   _round12(variation) if variation else variation, _round12(idle) if idle else idle)


def contract_payment(
    unit_price: float,
    contracted: float,
    variation: float,
    variation_premium: float,
    open_book: bool,
    risk_share: float,
    actual_cost: float,
    target_cost: float,
) -> float:
    """£m a council owes for a quarter, before any penalty.

    Fixed price: price x volume, with variations at a premium; the supplier bears every cost
    overrun (risk share 1). Open book with gain/pain share: the same target price, adjusted by
    ``1 - risk_share`` of the gap between actual and target cost, which the open books reveal.

    >>> contract_payment(1.1, 1.0, 0.0, 0.25, False, 1.0, 1.3, 1.0)
    1.1
    >>> round(contract_payment(1.1, 1.0, 0.0, 0.25, True, 0.5, 1.3, 1.0), 3)
    1.25
    """
    base = unit_price * (contracted + variation * (1.0 + variation_premium))
    if not open_book:
        return base
    due = base + (1.0 - risk_share) * (actual_cost - target_cost)
    return due if due > 0.0 else 0.0
