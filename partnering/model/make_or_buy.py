"""Make-or-buy: the four circumstances for bringing a service back in-house, and the choice.

At each review a council weighs in-house delivery on the four circumstances named by the
Institute for Government (2020): (1) an unhealthy or uncompetitive market, (2) a need for
flexibility the contract cannot give, (3) a lack of the council's own commercial skill to manage
a contract, (4) a need to integrate with services it already runs; together with its experience
of value for money both ways and its in-house capacity. It then picks among in-house,
outsourcing, co-commissioning and community delivery by a logit choice (McFadden 1974).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CIRCUMSTANCES: tuple[str, ...] = (
    "unhealthy or uncompetitive market",
    "need for flexibility",
    "lack of commercial skills",
    "need to integrate with another service",
)
MODES: tuple[str, ...] = ("in_house", "outsourced", "co_commissioned", "community")

CIRCUMSTANCE_WEIGHTS = np.array([0.8, 0.6, 0.5, 0.6])
"""Utility weight of each circumstance in favour of in-house delivery."""

EXPERIENCE_WEIGHT = 1.0
"""Utility per unit of relative value-for-money advantage of one mode over the other."""

TRUST_NORM = 0.6
"""Trust in suppliers that a council regards as normal in its survey answer: above it, experience
argues for outsourcing more. (The make-or-buy utility is centred on the prior trust, 0.5.)"""


@dataclass(frozen=True)
class Circumstances:
    """Each of the four circumstances scored in [0, 1] for one service at one review."""

    market: float
    flexibility: float
    skills: float
    integration: float

    def as_array(self) -> np.ndarray:
        return np.array([self.market, self.flexibility, self.skills, self.integration])


def score_circumstances(
    bidders_last_time: float,
    capable_suppliers: int,
    volatility: float,
    adaptable: float,
    commercial_capability: float,
    integration: float,
    share_in_house: float,
) -> Circumstances:
    """Score the four circumstances.

    >>> score_circumstances(1, 2, 0.1, 0.0, 0.4, 0.5, 0.5)
    Circumstances(market=0.75, flexibility=0.5, skills=0.6, integration=0.25)
    """
    market = 1.0 - min(1.0, 0.5 * min(bidders_last_time, 4) / 4 + 0.5 * min(capable_suppliers, 8) / 8)
    flexibility = min(1.0, volatility / 0.2) * (1.0 - adaptable)
    skills = 1.0 - commercial_capability
    return Circumstances(market, flexibility, skills, integration * share_in_house)


def insourcing_utility(
    circumstances: Circumstances,
    vfm_advantage_in_house: float,
    inhouse_capacity: float,
    bias: float,
) -> tuple[float, str]:
    """Utility of in-house delivery and the circumstance that weighs most in it.

    >>> u, why = insourcing_utility(Circumstances(1.0, 0.0, 0.0, 0.0), 0.0, 1.0, 0.0)
    >>> round(u, 2), why
    (0.8, 'unhealthy or uncompetitive market')
    """
    contributions = CIRCUMSTANCE_WEIGHTS * circumstances.as_array()
    utility = bias + contributions.sum() + EXPERIENCE_WEIGHT * vfm_advantage_in_house - 0.5 * (1.0 - inhouse_capacity)
    return float(utility), CIRCUMSTANCES[int(np.argmax(contributions))]


def outsourcing_utility(trust_in_market: float, scale_economies: float, budget_pressure: float) -> float:
    """Utility of buying from the market: trust in suppliers, scale economies and budget pressure.

    >>> outsourcing_utility(0.5, 0.5, 0.0)
    0.25
    """
    return 1.0 * (trust_in_market - 0.5) + 0.5 * scale_economies + 0.5 * budget_pressure


def logit_choice(utilities: dict[str, float], temperature: float, uniform: float) -> str:
    """Pick a mode with probability proportional to exp(utility / temperature).

    ``uniform`` is one draw from U(0, 1), so the rule stays a pure function.

    >>> logit_choice({"in_house": 0.0, "outsourced": 0.0}, 1.0, 0.49)
    'in_house'
    """
    names = list(utilities)
    values = np.array([utilities[n] for n in names]) / temperature
    weights = np.exp(values - values.max())
    cumulative = np.cumsum(weights / weights.sum())
    index = int(np.searchsorted(cumulative, uniform, side="right"))
    return names[min(index, len(names) - 1)]


def intention_score(
    vfm_outsourced: float,
    vfm_in_house: float,
    trust_in_suppliers: float,
    recent_disruption: float,
    attitude: float,
    bias: float,
) -> float:
    """A council's leaning towards outsourcing more (positive) or less (negative).

    Its own experience: relative value for money of outsourced against in-house services, its
    trust in suppliers and recent disruption; plus its individual attitude and a common bias.

    >>> intention_score(1.1, 1.0, 0.5, 0.0, 0.0, 0.0) > 0
    True
    """
    mean = 0.5 * (vfm_outsourced + vfm_in_house)
    relative = (vfm_outsourced - vfm_in_house) / mean if mean > 0 else 0.0
    return relative * 2.0 + 1.0 * (trust_in_suppliers - TRUST_NORM) - 3.0 * recent_disruption + attitude + bias


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

