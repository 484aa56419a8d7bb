"""Finance rules against numbers worked out by hand."""

from __future__ import annotations

import pytest

from partnering.rules import finance
from partnering.scenarios.mechanisms import Finance

F = Finance()


def test_overhead_is_share_of_revenue_plus_fixed_capacity_cost():
    # 0.035 * 10 + 0.01 * 40 / 4 = 0.35 + 0.1 = 0.45
    assert finance.quarterly_overhead(10.0, 40.0, 0.035, 0.01) == pytest.approx(0.45)


def test_insolvency_below_the_credit_line():
    # line = -0.06 * 100 = -6
    assert finance.insolvency_line(100.0, F) == pytest.approx(-6.0)
    assert not finance.is_insolvent(-5.9, 100.0, F)
    assert finance.is_insolvent(-6.1, 100.0, F)
    # a longer credit line: -0.1 * 100 = -10
    assert not finance.is_insolvent(-9.0, 100.0, Finance(credit_line_share=0.1))


def test_financial_stress_rises_towards_the_line():
    assert finance.financial_stress(1.0, 100.0, F) == 0.0
    assert finance.financial_stress(-3.0, 100.0, F) == pytest.approx(0.5)
    assert finance.financial_stress(-9.0, 100.0, F) == 1.0


def test_stopgap_costs_the_emergency_premium_on_top():
    # 1.05 * 1.3 * 2.0 * 0.5 = 1.365
    assert finance.stopgap_cost(1.05, 0.3, 2.0, 0.5) == pytest.approx(1.365)
    assert finance.stopgap_cost(1.05, 0.0, 2.0, 0.5) == pytest.approx(1.05)
