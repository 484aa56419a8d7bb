"""Any drift from the saved baseline fails: refresh it on purpose with `make golden`."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.validation.golden import CASES, path_for, simulate


@pytest.mark.parametrize(("scenario", "seed"), CASES)
def test_metrics_match_the_golden_master(scenario, seed):
    expected = pd.read_csv(path_for(scenario, seed))
    actual = simulate(scenario, seed)
    assert list(actual.columns) == list(expected.columns), "metric columns changed: refresh with `make golden`"
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False, rtol=1e-9, atol=1e-12)
