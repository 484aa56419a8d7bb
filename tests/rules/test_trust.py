"""Trust rules against numbers worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

from partnering.rules import trust
from partnering.scenarios.mechanisms import Trust


def test_trust_rises_slowly_when_performance_meets_expectation():
    # 0.5 + 0.1 * (0.9 - 0.5) = 0.54
    assert trust.update_trust(0.5, 0.9, 0.1, 0.3) == pytest.approx(0.54)


def test_trust_falls_fast_when_performance_disappoints():
    # 0.5 + 0.3 * (0.1 - 0.5) = 0.38
    assert trust.update_trust(0.5, 0.1, 0.1, 0.3) == pytest.approx(0.38)


def test_trust_is_easier_to_destroy_than_to_build():
    up = trust.update_trust(0.5, 0.7, 0.1, 0.3) - 0.5
    down = 0.5 - trust.update_trust(0.5, 0.3, 0.1, 0.3)
    assert down == pytest.approx(3 * up)


def test_trust_stays_in_unit_interval_for_out_of_range_signals():
    assert trust.update_trust(0.9, 5.0, 1.0, 1.0) == 1.0
    assert trust.update_trust(0.1, -5.0, 1.0, 1.0) == 0.0


def test_array_update_is_the_scalar_update_elementwise():
    rng = np.random.default_rng(3)
    t, x = rng.random(200), rng.uniform(-0.5, 1.5, 200)
    arrays = trust.update_trust(t, x, 0.1, 0.3)
    assert arrays.tolist() == [trust.update_trust(float(a), float(b), 0.1, 0.3) for a, b in zip(t, x, strict=True)]


def test_detected_shirking_cuts_trust_sharply():
    # 0.8 * (1 - 0.4) = 0.48
    assert trust.after_detected_shirking(0.8, 0.4) == pytest.approx(0.48)


def test_fair_treatment_averages_four_signals():
    # (1 + 0.5 + 1 + (1 - 0.2)) / 4 = 0.825
    assert trust.fair_treatment(True, 0.5, 1.0, 0.2) == pytest.approx(0.825)
    assert trust.fair_treatment(False, 0.0, 0.0, 1.0) == 0.0


def test_reputation_moves_trust_towards_partners_view():
    # 0.4 + 0.25 * (mean(0.8, 0.6) - 0.4) = 0.4 + 0.25 * 0.3 = 0.475
    assert trust.blend_reputation(0.4, [0.8, 0.6], 0.25) == pytest.approx(0.475)
    assert trust.blend_reputation(0.4, [], 0.25) == 0.4


def test_public_satisfaction_adds_transparency_and_subtracts_disruption():
    # 0.6 + 0.1 * 1 + 0.1 * 0.5 - 1.5 * 0.2 = 0.6 + 0.15 - 0.3 = 0.45
    assert trust.public_satisfaction(0.6, 1.0, 0.5, 0.2, Trust()) == pytest.approx(0.45)
    # a closed council with no disruption reads quality alone
    assert trust.public_satisfaction(0.6, 0.0, 0.0, 0.0, Trust()) == 0.6
