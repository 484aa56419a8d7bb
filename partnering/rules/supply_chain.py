"""Supply chains: how much of a contract a prime passes down to local SMEs and VCSEs, and how
subcontractors are paid in arrears (so a failing prime leaves them owed: Carillion owed its
suppliers some £2bn, NAO 2018, HC 1002).

Constants are the declared ``supply_chain`` parameters
(:class:`partnering.scenarios.mechanisms.SupplyChain`).
"""

from __future__ import annotations

from partnering.scenarios.mechanisms import SupplyChain


def subcontract_share(place_based: float, social_value_in_contracts: bool, p: SupplyChain) -> float:
    """Share of a large prime's delivery subcontracted to providers of the place: more where
    social value is built into contracts and where the council is place-based. The three parts
    are declared separately, each within its own bounds, so their sum is capped at the whole of
    the work: a prime cannot pass down more than it delivers.

    >>> round(subcontract_share(0.0, False, SupplyChain()), 2), round(subcontract_share(1.0, True, SupplyChain()), 2)
    (0.1, 0.35)
    >>> subcontract_share(1.0, True, SupplyChain(base_share=0.6, social_value_share=0.4, place_based_share=0.4))
    1.0
    """
    share = p.base_share + (p.social_value_share if social_value_in_contracts else 0.0) + p.place_based_share * place_based
    return share if share < 1.0 else 1.0


def settle_arrears(owed: list[float], earned: float, lag: int) -> float:
    """Add this quarter's ``earned`` to a subcontractor's queue of amounts owed (oldest first) and
    return what falls due now: what was earned ``lag`` quarters ago (all of it when ``lag`` is 0).
    The queue is changed in place.

    >>> owed = []
    >>> settle_arrears(owed, 1.0, 1), settle_arrears(owed, 2.0, 1), owed
    (0.0, 1.0, [2.0])
    >>> settle_arrears([], 3.0, 0)
    3.0
    """
    owed.append(earned)
    due = 0.0
    while len(owed) > lag:
        due += owed.pop(0)
    return due
