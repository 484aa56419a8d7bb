"""The twin worlds' check over several seeds: whether a gap seen under one seed holds, with
intervals that respect each KPI's bounds."""

from __future__ import annotations

import math

from partnering import PartneringModel
from partnering.scenarios import apply_overrides, load_scenario
from partnering.viz.session import KPIS, check_over_seeds

SMALL = {"population.councils": 3}


def test_the_check_compares_each_kpi_over_common_seeds_within_its_bounds():
    a = apply_overrides(load_scenario("transactional"), SMALL)
    b = apply_overrides(load_scenario("changemaking"), SMALL)
    checks = check_over_seeds(a, b, seed=7, steps=4, seeds=4)
    assert [c.kpi.name for c in checks] == [k.name for k in KPIS]
    for c in checks:
        assert c.seeds == 4 and c.a.n == 4 and c.b.n == 4
        for interval in (c.a, c.b):
            if c.kpi.low is not None and not math.isnan(interval.low):
                assert interval.low >= c.kpi.low, c.kpi.name
            if c.kpi.high is not None and not math.isnan(interval.high):
                assert interval.high <= c.kpi.high, c.kpi.name
        excludes_zero = c.gap.low > 0 or c.gap.high < 0
        assert (c.favours == "unclear") == (not excludes_zero), c
        if excludes_zero:
            b_higher = c.gap.low > 0
            assert (c.favours == "b") == (b_higher == (c.kpi.better == "higher")), c
    assert check_over_seeds(a, b, seed=7, steps=4, seeds=4)[0] == checks[0], "the same seeds, the same check"


def test_the_watched_seed_is_one_of_the_seeds_checked():
    a = apply_overrides(load_scenario("transactional"), SMALL)
    (quality, *_) = check_over_seeds(a, a, seed=5, steps=3, seeds=1)
    watched = PartneringModel(a, rng=5).run(3).metrics_frame().iloc[-1]["service_quality"]
    assert quality.a.mean == watched and quality.gap.diff == 0.0
