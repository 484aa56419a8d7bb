"""Social value: what a provider offers in a bid, and what £1 spent with it generates.

Local SMEs and community groups generate more social value per £ than national firms (local
jobs, local spend, volunteering); accreditation and measuring social value in contracts add to
it. Constants are the declared ``social_value`` parameters
(:class:`partnering.scenarios.mechanisms.SocialValue`).
"""

from __future__ import annotations

from partnering.scenarios.mechanisms import SocialValue


def social_value_rate(kind: str, local: bool, accredited: bool, measured: bool, p: SocialValue) -> float:
    """£ of social value per £ spent with a provider of ``kind`` ('vcse', 'sme', 'large', or
    'in_house' for a council's own delivery).

    >>> social_value_rate("vcse", True, False, False, SocialValue())
    0.2
    >>> round(social_value_rate("sme", True, False, True, SocialValue()), 2)
    0.11
    """
    if kind == "vcse":
        return p.vcse_rate
    if kind == "sme":
        return (p.sme_local_rate if local else p.sme_other_rate) + (p.sme_measured_rate if measured else 0.0)
    if kind == "large":
        return p.large_rate + (p.large_measured_rate if accredited and measured else 0.0)
    return p.in_house_rate


def large_supplier_offer(accredited: bool, measured: bool, p: SocialValue) -> float:
    """Social value a national firm offers in a bid, in [0, 1].

    >>> large_supplier_offer(True, True, SocialValue())
    0.6
    """
    return p.large_offer + (p.large_accredited_offer if accredited else 0.0) + (
        p.large_measured_offer if measured and accredited else 0.0)


def sme_offer(at_home: bool, accredited: bool, measured: bool, p: SocialValue) -> float:
    """Social value a local firm offers in a bid, in [0, 1]: more in its own place.

    >>> sme_offer(True, False, False, SocialValue())
    0.7
    """
    local = p.sme_home_offer if at_home else p.sme_nearby_offer
    return min(1.0, p.sme_offer + local + (p.sme_accredited_offer if accredited else 0.0)
               + (p.sme_measured_offer if measured else 0.0))
