"""Supplier finance: booking a quarter, overheads, distress and insolvency.

A supplier books contract revenue, delivery cost, overheads and bid costs into its cash; it is
in distress while it draws on its credit line (cash below zero) and fails when cash falls below
the line (insolvency). Failure ends all its contracts at once (see
``PartneringModel.handle_failure``), as with Carillion in January 2018 (NAO 2018, HC 1002).
"""

from __future__ import annotations

FIXED_OVERHEAD_SHARE = 0.01
"""Fixed overhead a year, as a share of a supplier's capacity (£m a year): offices, bidding teams."""

CREDIT_LINE_SHARE = 0.06
"""Credit a supplier can draw before insolvency, as a share of its annual capacity."""


def quarterly_overhead(revenue: float, capacity: float, overhead_rate: float) -> float:
    """£m overhead for a quarter: a share of revenue plus a fixed part tied to capacity.

    >>> round(quarterly_overhead(10.0, 40.0, 0.035), 6)
    0.45
    """
    return overhead_rate * revenue + FIXED_OVERHEAD_SHARE * capacity / 4.0


def insolvency_line(capacity: float) -> float:
    """Cash (£m) below which a supplier fails: minus its credit line.

    >>> insolvency_line(100.0)
    -6.0
    """
    return -CREDIT_LINE_SHARE * capacity


def is_insolvent(cash: float, capacity: float) -> bool:
    """True when cash has fallen below the insolvency line.

    >>> is_insolvent(-5.0, 100.0), is_insolvent(-7.0, 100.0)
    (False, True)
    """
    return cash < insolvency_line(capacity)


def financial_stress(cash: float, capacity: float) -> float:
    """0 while cash is positive, rising to 1 as the supplier nears its insolvency line.

    >>> financial_stress(1.0, 100.0), financial_stress(-3.0, 100.0)
    (0.0, 0.5)
    """
    if cash >= 0.0:
        return 0.0
    return min(1.0, cash / insolvency_line(capacity))
