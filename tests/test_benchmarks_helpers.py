"""The benchmarks' pure helpers on hand-worked numbers (no timing here: speed lives in benchmarks/)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from figures import project_cluster, project_sweep, spread, steady_rate


def test_spread_of_five_is_median_range_and_quartiles():
    s = spread([5.0, 1.0, 4.0, 2.0, 3.0])
    assert (s.median, s.low, s.high, s.q1, s.q3, s.n) == (3.0, 1.0, 5.0, 2.0, 4.0, 5)
    assert s.fmt("s", 1) == "3.0 s [1.0, 5.0]"


def test_spread_of_one_run_is_that_run():
    s = spread([7.5])
    assert (s.median, s.low, s.high, s.q1, s.q3) == (7.5, 7.5, 7.5, 7.5, 7.5)
    with pytest.raises(ValueError):
        spread([])


def test_steady_rate_counts_the_runs_after_the_first():
    assert steady_rate([10.0, 12.0, 14.0, 16.0, 18.0]) == 0.5  # 4 more runs in 8 s
    with pytest.raises(ValueError):
        steady_rate([3.0])


def test_projection_keeps_the_fixed_part_and_scales_the_rest():
    # 50 runs in 110 s at 0.5 runs/s: 100 s of running, 10 s fixed; 1000 runs: 10 + 2000 s
    assert project_sweep(110.0, 50, 0.5, 1000) == (2010.0, 10.0)


def test_cluster_projection_is_linear_in_workers():
    # 1000 runs of 6 s with 0.5 s overhead each on 10 workers: 1000 * 6.5 / 10 = 650 s, plus 5 s
    assert project_cluster(6.0, 0.5, 10, 1000, fixed_s=5.0) == 655.0
    assert project_cluster(6.0, 0.5, 20, 1000) == 325.0
    with pytest.raises(ValueError):
        project_cluster(6.0, 0.5, 0, 10)
