"""Supplier finance: booking a quarter, overheads, distress and insolvency.

A supplier books contract revenue, delivery cost, overheads and bid costs into its cash; it is
in distress while it draws on its credit line (cash below zero) and fails when cash falls below
the line (insolvency). Failure ends all its contracts at once (see
``partnering.model.phases.finance``), as with Carillion in January 2018 (NAO 2018, HC 1002).
The constants are the declared ``finance`` parameters
(:class:`partnering.scenarios.mechanisms.Finance`).
"""

from __future__ import annotations

from partnering.rules.units import QUARTERS_PER_YEAR
from partnering.scenarios.mechanisms import Finance


def quarterly_overhead(revenue: float, capacity: float, overhead_rate: float, fixed_share: float) -> float:
    """£m overhead for a quarter: a share of revenue plus a fixed part tied to capacity
    (``fixed_share`` of capacity a year).

    >>> round(quarterly_overhead(10.0, 40.0, 0.035, 0.01), 6)
    0.45
    """
    return overhead_rate * revenue + fixed_share * capacity / QUARTERS_PER_YEAR


def insolvency_line(capacity: float, p: Finance) -> float:
    """Cash (£m) below which a supplier fails: minus its credit line.

    >>> insolvency_line(100.0, Finance())
    -6.0
    """
    return -p.credit_line_share * capacity


def is_insolvent(cash: float, capacity: float, p: Finance) -> bool:
    """True when cash has fallen below the insolvency line.

    >>> is_insolvent(-5.0, 100.0, Finance()), is_insolvent(-7.0, 100.0, Finance())
    (False, True)
    """
    return cash < insolvency_line(capacity, p)


def financial_stress(cash: float, capacity: float, p: Finance) -> float:
    """0 while cash is positive, rising to 1 as the supplier nears its insolvency line.

    >>> financial_stress(1.0, 100.0, Finance()), financial_stress(-3.0, 100.0, Finance())
    (0.0, 0.5)
    """
    if cash >= 0.0:
        return 0.0
    line = insolvency_line(capacity, p)
    return min(1.0, cash / line) if line < 0.0 else 1.0  # no credit at all: in debt is the end


def stopgap_cost(unit_cost: float, emergency_premium: float, value: float, volume: float) -> float:
    """£m of emergency stop-gap delivery: in-house unit cost plus the emergency premium.

    >>> round(stopgap_cost(1.0, 0.3, 2.5, 1.0), 6)
    3.25
    """
    return unit_cost * (1.0 + emergency_premium) * value * volume
