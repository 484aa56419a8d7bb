"""Trust: asymmetric updating, fair treatment and reputation along co-commissioning links.

Trust is easier to destroy than to build (Slovic 1993): it moves towards a performance signal
``x`` at rate lambda+ when ``x`` meets the current level and at the larger lambda- when it falls
short. A council's trust in a supplier follows observed quality; a supplier's trust in a council
follows fair treatment (Ring and Van de Ven 1992; Lyons and Mehta 1997 on socially oriented trust).
The priors and thresholds are the declared ``trust`` parameters
(:class:`partnering.scenarios.mechanisms.Trust`); the update rates are ``behaviour.trust_*``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from partnering.scenarios.mechanisms import Trust


def update_trust(trust, performance, gain_rate: float, loss_rate: float):
    """Asymmetric smoothing of trust towards a performance signal in [0, 1].

    Elementwise over arrays (a quarter's relationships at once), the same numbers as one at a time.

    >>> update_trust(0.5, 0.9, 0.1, 0.3)   # meets expectation: slow rise
    0.54
    >>> round(update_trust(0.5, 0.1, 0.1, 0.3), 2)  # falls short: fast fall
    0.38
    >>> update_trust(np.array([0.5, 0.5]), np.array([0.9, 0.1]), 0.1, 0.3).round(2)
    array([0.54, 0.38])
    """
    if isinstance(trust, np.ndarray):
        performance = np.minimum(np.maximum(performance, 0.0), 1.0)
        moved = trust + np.where(performance >= trust, gain_rate, loss_rate) * (performance - trust)
        return np.minimum(np.maximum(moved, 0.0), 1.0)
    # clamps written as comparisons: the same values as min(1.0, max(0.0, x)), several times
    # cheaper on a path that runs for one relationship at a time
    performance = performance if performance > 0.0 else 0.0
    performance = performance if performance < 1.0 else 1.0
    rate = gain_rate if performance >= trust else loss_rate
    trust = trust + rate * (performance - trust)
    trust = trust if trust > 0.0 else 0.0
    return trust if trust < 1.0 else 1.0


def after_detected_shirking(trust, loss_share: float):
    """A sharp fall in trust when a council catches a supplier cutting corners (elementwise
    over arrays)."""
    if isinstance(trust, np.ndarray):
        return np.minimum(np.maximum(trust * (1.0 - loss_share), 0.0), 1.0)
    return min(1.0, max(0.0, trust * (1.0 - loss_share)))


def fair_treatment(paid_on_time, change_handled_fairly, penalty_proportionate, risk_dumped):
    """A supplier's reading of how fairly a council treated it this quarter, in [0, 1].

    Four equally weighted signals: timely payment, fair handling of changed demand (share of the
    change absorbed at cost price), proportionate penalties (1 when there is none; lower the
    heavier a justified penalty; 0 for a penalty on honest work), and whether losses were simply
    dumped on it (1 = none dumped). Elementwise over arrays (a quarter's lots at once).

    >>> float(fair_treatment(True, 0.5, 1.0, 0.2))
    0.825
    """
    parts = (np.asarray(paid_on_time, dtype=float), change_handled_fairly, penalty_proportionate, 1.0 - risk_dumped)
    return sum(np.clip(p, 0.0, 1.0) for p in parts) / len(parts)


def blend_reputation(own: float, partner_views: Iterable[float], weight: float) -> float:
    """Move a council's trust in a supplier towards what its partners report of it."""
    views = list(partner_views)
    if not views or weight <= 0.0:
        return own
    return own + weight * (sum(views) / len(views) - own)


def public_satisfaction(quality: float, accountable: float, steering_strength: float, disrupted: float,
                        p: Trust) -> float:
    """Residents' satisfaction with their council this quarter: the quality they received, what
    transparency (an accountable culture, engaged steering groups) adds, less disruption.

    >>> round(public_satisfaction(0.7, 1.0, 0.5, 0.1, Trust()), 3)   # 0.7 + 0.1 + 0.05 - 0.15
    0.7
    """
    transparency = p.public_transparency * accountable + p.public_transparency * steering_strength
    return quality + transparency - p.public_disruption * disrupted
