"""Make-or-buy: the four circumstances for bringing a service back in-house, and the choice.

At each review a council weighs in-house delivery on the four circumstances named by the
Institute for Government (2020): (1) an unhealthy or uncompetitive market, (2) a need for
flexibility the contract cannot give, (3) a lack of the council's own commercial skill to manage
a contract, (4) a need to integrate with services it already runs; together with its experience
of value for money both ways and its in-house capacity. It then picks among in-house,
outsourcing, co-commissioning and community delivery by a logit choice (McFadden 1974).
Constants are the declared ``make_or_buy`` parameters
(:class:`partnering.scenarios.mechanisms.MakeOrBuy`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from partnering.scenarios.mechanisms import MakeOrBuy

CIRCUMSTANCES: tuple[str, ...] = (
    "unhealthy or uncompetitive market",
    "need for flexibility",
    "lack of commercial skills",
    "need to integrate with another service",
)
MODES: tuple[str, ...] = ("in_house", "outsourced", "co_commissioned", "community")
"""The delivery modes of a council's service."""

INTENTIONS: tuple[str, ...] = ("more", "same", "less")
"""A council's answer to the survey question: outsource more, the same or less."""


@dataclass(frozen=True)
class Circumstances:
    """Each of the four circumstances scored in [0, 1] for one service at one review."""

    market: float
    flexibility: float
    skills: float
    integration: float

    def values(self) -> tuple[float, float, float, float]:
        """The four scores, in the order of :data:`CIRCUMSTANCES`."""
        return self.market, self.flexibility, self.skills, self.integration


def score_circumstances(
    bidders_last_time: float,
    capable_suppliers: int,
    volatility: float,
    adaptable: float,
    commercial_capability: float,
    integration: float,
    share_in_house: float,
    p: MakeOrBuy,
) -> Circumstances:
    """Score the four circumstances.

    The market looks thin with few bids last time and few capable suppliers (each saturating at
    ``p.bidders_enough`` and ``p.capable_enough``); flexibility is needed where demand is
    volatile and contracts rigid; skills are lacking where commercial capability is low;
    integration matters for services tied to others the council runs itself.

    >>> score_circumstances(1, 2, 0.1, 0.0, 0.4, 0.5, 0.5, MakeOrBuy())
    Circumstances(market=0.6333333333333333, flexibility=0.5, skills=0.6, integration=0.25)
    """
    w = p.thin_bidders_weight
    market = 1.0 - min(1.0, w * min(bidders_last_time, p.bidders_enough) / p.bidders_enough
                       + (1.0 - w) * min(capable_suppliers, p.capable_enough) / p.capable_enough)
    flexibility = min(1.0, volatility / p.flexibility_volatility) * (1.0 - adaptable)
    skills = 1.0 - commercial_capability
    return Circumstances(market, flexibility, skills, integration * share_in_house)


def circumstance_weights(p: MakeOrBuy) -> tuple[float, float, float, float]:
    """The utility weight of each circumstance in favour of in-house delivery, in the order of
    :data:`CIRCUMSTANCES`."""
    return p.weight_market, p.weight_flexibility, p.weight_skills, p.weight_integration


def _added_in_order(values: list[float]) -> float:
    """The sum of a few floats added one by one from zero, as numpy adds fewer than eight (the
    built-in ``sum`` compensates for rounding, so its last digit may differ)."""
    total = 0.0
    for value in values:
        total += value
    return total


def insourcing_utility(
    circumstances: Circumstances,
    vfm_advantage_in_house: float,
    inhouse_capacity: float,
    bias: float,
    p: MakeOrBuy,
) -> tuple[float, str]:
    """Utility of in-house delivery and the circumstance that weighs most in it.

    >>> u, why = insourcing_utility(Circumstances(1.0, 0.0, 0.0, 0.0), 0.0, 1.0, 0.0, MakeOrBuy())
    >>> round(u, 2), why
    (0.8, 'unhealthy or uncompetitive market')
    """
    # plain floats: asked at every review, where four numpy elements cost more than they save
    contributions = [w * c for w, c in zip(circumstance_weights(p), circumstances.values(), strict=True)]
    utility = (bias + _added_in_order(contributions) + p.experience_weight * vfm_advantage_in_house
               - p.capacity_penalty * (1.0 - inhouse_capacity))
    return utility, CIRCUMSTANCES[contributions.index(max(contributions))]


def outsourcing_utility(trust_in_market: float, scale_economies: float, budget_pressure: float, prior_trust: float,
                        p: MakeOrBuy) -> float:
    """Utility of buying from the market: trust in suppliers (against the prior), scale
    economies and budget pressure.

    >>> outsourcing_utility(0.5, 0.5, 0.0, 0.5, MakeOrBuy())
    0.25
    """
    return (p.outsourcing_trust_weight * (trust_in_market - prior_trust) + p.outsourcing_scale_weight * scale_economies
            + p.outsourcing_pressure_weight * budget_pressure)


def co_commissioning_utility(outsourcing: float, collaborative: float, scale_economies: float, p: MakeOrBuy) -> float:
    """Utility of commissioning jointly with a neighbour: outsourcing's, plus what pooling brings
    a collaborative council, less the cost of coordinating.

    >>> round(co_commissioning_utility(0.25, 1.0, 0.5, MakeOrBuy()), 2)   # 0.25 + 0.6 * 1.0 - 0.2
    0.65
    """
    return outsourcing + p.co_commissioning_weight * collaborative * (p.co_commissioning_base + scale_economies) - \
        p.co_commissioning_cost


def community_utility(community_suitability: float, place_based: float, p: MakeOrBuy) -> float:
    """Utility of handing a service to a community group under a grant.

    >>> round(community_utility(0.5, 1.0, MakeOrBuy()), 2)   # 2 * 0.5 * 1.2 - 0.6
    0.6
    """
    return p.community_weight * community_suitability * (p.community_base + place_based) - p.community_cost


def intention_pull(intention: str, p: MakeOrBuy) -> float:
    """How a council's stated intention tilts its next review towards in-house delivery.

    >>> intention_pull("more", MakeOrBuy()), intention_pull("less", MakeOrBuy())
    (-0.3, 0.3)
    """
    return {"more": -p.intention_feedback, "same": 0.0, "less": p.intention_feedback}[intention]


def logit_choice(utilities: dict[str, float], temperature: float, uniform: float) -> str:
    """Pick a mode with probability proportional to exp(utility / temperature).

    ``uniform`` is one draw from U(0, 1), so the rule stays a pure function.

    >>> logit_choice({"in_house": 0.0, "outsourced": 0.0}, 1.0, 0.49)
    'in_house'
    """
    names = list(utilities)
    values = [utilities[n] / temperature for n in names]
    top = max(values)
    weights = [math.exp(v - top) for v in values]
    total = _added_in_order(weights)
    cumulative = 0.0
    for index, w in enumerate(weights):  # the first mode whose cumulative share exceeds the draw
        cumulative += w / total
        if cumulative > uniform:
            return names[index]
    return names[-1]


def relative_advantage(a: float, b: float) -> float:
    """(a - b) relative to their mean; 0 when the mean is not positive.

    >>> round(relative_advantage(1.1, 0.9), 3)
    0.2
    """
    mean = (a + b) / 2
    return (a - b) / mean if mean > 0 else 0.0


@dataclass(frozen=True)
class IntentionParts:
    """The parts of a council's intention score: its experience, and what is not experience."""

    value_for_money: float
    """Outsourced against in-house value for money, relative, weighted."""
    trust: float
    """Trust in its suppliers against the norm, weighted."""
    disruption: float
    """Recent disruption (negative), weighted."""
    budget_pressure: float
    """How far its budget falls short of its need, weighted: pressure argues for buying cheaper."""
    failures_seen: float
    """Supplier failures it has seen, in its own services or its neighbours' (negative), weighted."""
    attitude: float
    """Its own idiosyncratic leaning (small: intentions are meant to come from experience)."""
    bias: float
    """The leaning common to every council (calibrated)."""

    @property
    def experience(self) -> float:
        return self.value_for_money + self.trust + self.disruption + self.budget_pressure + self.failures_seen

    @property
    def score(self) -> float:
        return self.experience + self.attitude + self.bias


def intention_parts(
    vfm_outsourced: float,
    vfm_in_house: float,
    trust_in_suppliers: float,
    recent_disruption: float,
    budget_pressure: float,
    failures_seen: float,
    attitude: float,
    bias: float,
    p: MakeOrBuy,
) -> IntentionParts:
    """A council's leaning towards outsourcing more (positive) or less (negative), in parts.

    Its own experience: value for money of outsourced against in-house services, its trust in
    suppliers, recent disruption, budget pressure and the supplier failures it has seen nearby;
    plus a small individual attitude and a bias common to all councils.

    >>> round(intention_parts(1.1, 1.0, 0.6, 0.0, 0.1, 0.0, 0.0, 0.0, MakeOrBuy()).score, 3)   # 2 * 0.0952 + 0.1
    0.29
    """
    return IntentionParts(
        value_for_money=p.intention_vfm_weight * relative_advantage(vfm_outsourced, vfm_in_house),
        trust=p.intention_trust_weight * (trust_in_suppliers - p.intention_trust_norm),
        disruption=-p.intention_disruption_weight * recent_disruption,
        budget_pressure=p.intention_pressure_weight * budget_pressure,
        failures_seen=-p.intention_failure_weight * failures_seen,
        attitude=attitude,
        bias=bias,
    )


def intention_from_score(score: float, threshold: float) -> str:
    """'more', 'same' or 'less', as a survey of councils would read it.

    >>> intention_from_score(0.3, 0.25), intention_from_score(0.0, 0.25), intention_from_score(-1, 0.25)
    ('more', 'same', 'less')
    """
    if score > threshold:
        return "more"
    if score < -threshold:
        return "less"
    return "same"

