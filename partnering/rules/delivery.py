"""Delivery rules: effort, detection, quality, volume and payment under each contract form.

Effort follows the logic of relational contracts (Baker, Gibbons and Murphy 2002): a supplier
cuts corners when the one-quarter gain exceeds what it expects to lose, i.e. the chance of being
caught times the contractual remedy plus the future surplus of the relationship that detection
puts at risk. The future surplus is larger when contracts are long, renewal rewards track record,
and break clauses let a council end a poor relationship.

The delivery phase applies these rules to a whole quarter at once
(:mod:`partnering.model.phases.delivery`), so they take numpy arrays as well as floats. Their
constants are the declared ``delivery`` parameters
(:class:`partnering.scenarios.mechanisms.Delivery`), passed in as ``p``. Rules a
single lot also needs elsewhere (fit and quality, for tender offers and in-house delivery) stay
as cheap on a float as on an array.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from partnering.rules.units import DECIMALS
from partnering.scenarios.mechanisms import Delivery, InHouse


def _clamp(x, low: float, high: float):
    """``x`` limited to [low, high]: elementwise for an array, by comparison for a float (cheap on
    the paths that handle one lot at a time)."""
    if isinstance(x, np.ndarray):
        return np.minimum(np.maximum(x, low), high)
    return low if x < low else (high if x > high else x)


def detection_probability(monitoring, measurability, capability, open_book, p: Delivery):
    """Chance that a council detects corner-cutting in a quarter.

    Monitoring effort, measurable outcomes, commercial capability and open books all raise it;
    open books reveal hidden margin only to a council with the skill to read them.

    >>> round(float(detection_probability(1.0, 1.0, 1.0, False, Delivery())), 2)
    0.6
    >>> detection_probability(np.array([0.5, 0.5]), 0.5, 0.5, np.array([False, True]), Delivery()).round(3)
    array([0.147, 0.206])
    """
    floor = p.detection_floor
    base = monitoring * (floor + (1.0 - floor) * measurability) * (floor + (1.0 - floor) * capability) * p.detection_scale
    chance = base * np.where(open_book, 1.0 + p.open_book_detection * capability, 1.0)
    return np.minimum(chance, p.detection_max)


def capability_with_learning(capability, learning):
    """A provider's delivery capability on a contract: its own, raised by what joint learning on
    that contract has added (``learning``, a share), at most 1.

    >>> capability_with_learning(0.8, 0.1), capability_with_learning(0.95, 0.1)
    (0.8800000000000001, 1.0)
    """
    return _clamp(capability * (1.0 + learning), 0.0, 1.0)


def false_alarm_probability(capability, monitoring, rate: float):
    """Chance that a council wrongly finds fault with full effort: clumsy monitoring by a council
    without the commercial skill to read what it sees (a penalty on honest work).

    >>> round(false_alarm_probability(0.5, 0.8, 0.03), 3)
    0.012
    """
    return rate * (1.0 - capability) * monitoring


def relationship_value(quarterly_profit, remaining_quarters, renewal_at_risk, next_term_quarters, break_risk,
                       discount):
    """£m of future surplus a supplier puts at risk if caught cutting corners.

    ``renewal_at_risk`` is the fall in its chance of winning the next contract that detection
    causes; ``break_risk`` the chance the council ends this contract at the next break point.
    A loss-making contract has no relationship value to protect. ``discount`` is the supplier's
    own quarterly discount factor: opportunists are short-termist.

    >>> round(float(relationship_value(1.0, 4, 0.5, 8, 0.0, 0.98)), 3), float(relationship_value(-1.0, 4, 0.5, 8, 0.0, 0.98))
    (3.441, 0.0)
    """
    d = discount
    kept = np.power(d, remaining_quarters)
    remaining = (1.0 - kept) / (1.0 - d)
    next_term = kept * (1.0 - np.power(d, next_term_quarters)) / (1.0 - d)
    return np.where(quarterly_profit > 0.0, quarterly_profit * (break_risk * remaining + renewal_at_risk * next_term), 0.0)


def supplier_discount(opportunism, p: Delivery):
    """Quarterly discount factor: opportunism goes with short-termism (Williamson 1985).

    >>> supplier_discount(0.0, Delivery()), round(supplier_discount(1.0, Delivery()), 2)
    (0.98, 0.9)
    """
    return p.discount_per_quarter - p.opportunist_discount_cut * opportunism


def shirk_temptation(saving, opportunism, financial_stress, trust_in_council, p: Delivery):
    """£m one-quarter gain from cutting corners, weighted by the supplier's disposition.

    Opportunism (guile: a fully honest supplier feels no temptation), financial stress and low
    trust in the council raise it (Williamson 1985). Trust in the council restrains a supplier
    only as far as it reciprocates, which an opportunist does not.

    >>> shirk_temptation(1.0, 0.5, 0.0, 1.0, Delivery())
    1.0
    """
    return (saving * p.temptation_scale * opportunism * (1.0 + financial_stress)
            * (p.temptation_distrust - trust_in_council * (1.0 - opportunism)))


_EXP_GUARD = 50.0
"""Bound on a logit's argument, so that exp() never overflows (a numerical guard)."""

_TINY = 1e-12
"""Deterrence below this counts as none (a numerical guard)."""


def shirk_probability(temptation, detection, penalty, future_value, rework, slope: float):
    """Chance that a supplier cuts corners this quarter: a logit in log(temptation / deterrence)
    with sharpness ``slope``.

    Deterrence is the detection chance times what detection costs: the penalty, the work it must
    redo at its own expense (``rework``) and the relationship value at risk.

    >>> float(shirk_probability(1.0, 0.5, 1.0, 1.0, 0.0, 3.0))   # deterrence 1.0 = temptation
    0.5
    >>> shirk_probability(np.array([0.0, 1.0]), np.array([0.5, 0.0]), 1.0, 1.0, 0.0, 3.0)   # no gain; no deterrent
    array([0., 1.])
    """
    temptation = np.asarray(temptation, dtype=float)
    deterrence = detection * (penalty + rework + future_value)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # the masked cases below
        x = np.clip(slope * np.log(temptation / deterrence), -_EXP_GUARD, _EXP_GUARD)
    chance = np.where(deterrence <= _TINY, 1.0, 1.0 / (1.0 + np.exp(-x)))
    return np.where(temptation <= 0.0, 0.0, chance)


def delivered_quality(capability, effort, fit, strain):
    """Quality = capability x effort x fit x capacity strain, in [0, 1].

    >>> round(delivered_quality(0.8, 1.0, 0.9, 1.0), 3)
    0.72
    """
    return _clamp(capability * effort * fit * strain, 0.0, 1.0)


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


def service_fit(local_knowledge, localness, codesign, fit_loss: float):
    """How well delivery fits local need: up to ``fit_loss`` is lost where local knowledge
    matters and the provider lacks it; regained by community co-design.

    >>> round(service_fit(0.8, 0.2, 0.0, 0.3), 3)
    0.808
    """
    return _clamp(1.0 - fit_loss * local_knowledge * (1.0 - localness) + codesign, 0.0, 1.0)


class Volumes(NamedTuple):
    """One quarter's volumes for one lot, in units of the service's base annual value.

    Each field is a float for one lot or an array for a quarter's lots.
    """

    delivered: float
    contracted: float
    variation: float
    idle: float


def lot_volumes(need, base_volume, flex, variation_uptake: float) -> Volumes:
    """Split funded need between contracted volume, a variation and idle capacity.

    An adaptable contract (``flex`` = 1) follows need at the contract price; a rigid one
    (``flex`` = 0) fixes the volume agreed at award. Extra need under a rigid contract is bought
    as a variation at a premium, but only ``variation_uptake`` of it in the quarter (negotiation,
    scope disputes): the rest is unmet. Need below the fixed volume leaves paid-for capacity idle.

    Volumes are rounded to :data:`~partnering.rules.units.DECIMALS` so that float dust (a need
    equal to the fixed volume up to the last bit) reads as no variation and no idle capacity.

    >>> [float(v) for v in lot_volumes(1.2, 1.0, 0.0, 0.5)]   # delivered, contracted, variation, idle
    [1.1, 1.0, 0.1, 0.0]
    >>> [float(v) for v in lot_volumes(0.8, 1.0, 1.0, 0.5)]
    [0.8, 0.8, 0.0, 0.0]
    >>> lot_volumes(np.array([0.8]), 1.0, 0.0, 0.5).idle
    array([0.2])
    """
    contracted = flex * need + (1.0 - flex) * base_volume
    shortfall = need - contracted
    variation = variation_uptake * np.maximum(shortfall, 0.0)
    idle = np.maximum(-shortfall, 0.0)
    delivered = np.minimum(contracted, need) + variation
    return Volumes(np.round(delivered, DECIMALS), np.round(contracted, DECIMALS), np.round(variation, DECIMALS),
                   np.round(idle, DECIMALS))


def contract_payment(unit_price, contracted, variation, variation_premium: float, open_book, risk_share,
                     actual_cost, target_cost):
    """£m a council owes for a quarter, before any penalty.

    Fixed price: price x volume, with variations at a premium; the supplier bears every cost
    overrun (risk share 1). Open book with gain/pain share: the same target price, adjusted by
    ``1 - risk_share`` of the gap between actual and target cost, which the open books reveal.

    >>> float(contract_payment(1.1, 1.0, 0.0, 0.25, False, 1.0, 1.3, 1.0))
    1.1
    >>> round(float(contract_payment(1.1, 1.0, 0.0, 0.25, True, 0.5, 1.3, 1.0)), 3)
    1.25
    """
    base = unit_price * (contracted + variation * (1.0 + variation_premium))
    due = np.maximum(base + (1.0 - risk_share) * (actual_cost - target_cost), 0.0)
    return np.where(open_book, due, base)


def assessed_quality(quality, reported, reliance, noise_sd, z):
    """A council's reading of delivered quality: its own observation, ``quality`` seen with noise
    ``noise_sd * z`` (``z`` standard normal) and kept in [0, 1], blended with the supplier's report
    in proportion ``reliance`` (an opportunist reports the quality of full effort).

    >>> float(assessed_quality(0.6, 0.8, 0.5, 0.1, 1.0))   # 0.5 * 0.8 + 0.5 * 0.7
    0.75
    """
    return reliance * reported + (1.0 - reliance) * _clamp(quality + noise_sd * z, 0.0, 1.0)


def in_house_unit_cost(capacity: float, invested: bool, p: InHouse) -> float:
    """£ per £ of need of a council's own delivery: dearer when in-house capacity has been run
    down, cheaper with investment in public-sector capacity.

    >>> round(in_house_unit_cost(0.5, False, InHouse()), 3)
    1.13
    """
    return p.unit_cost + p.capacity_cost_penalty * (1.0 - capacity) - p.investment_cost_saving * invested


def in_house_capability(capacity: float, p: InHouse) -> float:
    """Capability of a council's own team: ``p.capability`` at full in-house capacity, a share
    ``p.capability_floor_share`` of it with none.

    >>> round(in_house_capability(1.0, InHouse()), 3), round(in_house_capability(0.0, InHouse()), 3)
    (0.74, 0.444)
    """
    floor = p.capability_floor_share
    return p.capability * (floor + (1.0 - floor) * capacity)
