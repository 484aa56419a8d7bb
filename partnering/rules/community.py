"""Community and voluntary groups: fragile volunteer capacity, engagement, steering groups,
consortia and grants.

Constants are the declared ``groups`` parameters (:class:`partnering.scenarios.mechanisms.Groups`).
"""

from __future__ import annotations

import math
from statistics import NormalDist

from partnering.scenarios.mechanisms import Groups


def volunteer_capacity(capacity: float, usual: float, shock: float, p: Groups) -> float:
    """Next quarter's volunteer capacity: pulled back towards its usual level, moved by a shock
    (a share of the usual level), never below ``p.capacity_floor`` of it.

    >>> round(volunteer_capacity(0.5, 1.0, 0.0, Groups()), 3)
    0.6
    """
    return max(p.capacity_floor * usual, capacity + p.capacity_pull * (usual - capacity) + shock * usual)


def engagement(level: float, in_steering_group: bool, p: Groups) -> float:
    """Engagement rises with steering involvement and slowly fades otherwise.

    >>> round(engagement(0.4, True, Groups()), 3)
    0.425
    """
    target = p.engagement_in_steering if in_steering_group else p.engagement_outside
    return level + p.engagement_rate * (target - level)


def joins_steering_group(council_is_open: bool, level: float, capacity: float, usual: float, p: Groups) -> bool:
    """A group joins a council's steering group where it is open and the group is engaged and
    has the people to spare.

    >>> joins_steering_group(True, 0.5, 1.0, 1.0, Groups()), joins_steering_group(False, 0.5, 1.0, 1.0, Groups())
    (True, False)
    """
    return council_is_open and level > p.steering_min_engagement and capacity > p.steering_min_capacity * usual


def joins_consortium(spare_capacity: float, lot_value: float, level: float, p: Groups) -> bool:
    """A group partners an SME on a lot where its share of the work fits its spare capacity.

    >>> joins_consortium(1.0, 5.0, 0.5, Groups()), joins_consortium(0.5, 5.0, 0.5, Groups())
    (True, False)
    """
    return spare_capacity > p.consortium_share * lot_value and level > p.consortium_min_engagement


def can_take_grant(community_suitability: float, spare_capacity: float, annual_value: float, p: Groups) -> bool:
    """A service can go to a group under a grant when it suits community delivery and the group
    alone could carry most of it.

    >>> can_take_grant(0.9, 1.0, 1.2, Groups()), can_take_grant(0.1, 1.0, 1.2, Groups())
    (True, False)
    """
    return community_suitability >= p.grant_min_suitability and spare_capacity >= p.grant_capacity_cover * annual_value


def truncated_lognormal(uniform: float, median: float, spread: float, threshold: float) -> float:
    """A draw of a lognormal(``median``, ``spread``) income above ``threshold``, by inverting its
    distribution function from one U(0, 1) draw: the organisations large enough to deliver
    public services, out of a sector of many very small ones.

    >>> round(truncated_lognormal(0.0, 0.01, 2.5, 0.1), 6)   # the lowest draw is the threshold
    0.1
    >>> truncated_lognormal(0.5, 0.01, 2.5, 0.1) > 0.1
    True
    """
    normal = NormalDist(math.log(median), spread)
    floor = normal.cdf(math.log(threshold))
    quantile = floor + uniform * (1.0 - floor)
    if not 0.0 < quantile < 1.0 or uniform <= 0.0:  # at the threshold, or a tail beyond the float range
        return threshold
    return max(threshold, math.exp(normal.inv_cdf(quantile)))
