"""Confidence intervals and effect sizes, against cases worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from partnering.experiments import compare, time_series
from partnering.experiments.analysis import verdict
from partnering.experiments.stats import (
    cohens_d,
    mean_interval,
    paired_difference,
    spearman,
    welch_difference,
)
from partnering.scenarios import ScenarioError


def test_mean_interval_of_one_to_five():
    # values 1, 2, 3, 4, 5: mean 3; sample variance (4+1+0+1+4)/4 = 2.5, sd = 1.5811388;
    # standard error 1.5811388 / sqrt(5) = 0.7071068; t(0.975, df 4) = 2.7764451 (t table);
    # half-width 2.7764451 * 0.7071068 = 1.9632432 -> [1.0367568, 4.9632432]
    ci = mean_interval([1, 2, 3, 4, 5])
    assert ci.n == 5 and ci.mean == 3.0
    assert ci.sd == pytest.approx(1.5811388, abs=1e-7)
    assert ci.low == pytest.approx(1.0367568, abs=1e-7)
    assert ci.high == pytest.approx(4.9632432, abs=1e-7)


def test_a_narrower_level_gives_a_narrower_interval():
    # 90%: t(0.95, df 4) = 2.1318468; half-width 2.1318468 * 0.7071068 = 1.5074434
    ci = mean_interval([1, 2, 3, 4, 5], level=0.90)
    assert ci.high - ci.mean == pytest.approx(1.5074434, abs=1e-7)


def test_one_value_has_a_mean_but_no_interval_and_missing_values_are_ignored():
    ci = mean_interval([2.0, float("nan")])
    assert ci.mean == 2.0 and ci.n == 1 and math.isnan(ci.low) and math.isnan(ci.high)
    assert mean_interval([]).n == 0


def test_paired_difference_of_common_random_numbers():
    # arm 2, 4, 6, 8 against baseline 1, 2, 3, 4 seed by seed: differences 1, 2, 3, 4;
    # mean 2.5; variance of the differences (2.25+0.25+0.25+2.25)/3 = 5/3, sd = 1.2909944;
    # se = 1.2909944 / 2 = 0.6454972; t(0.975, df 3) = 3.1824463; half-width 2.0542603
    # -> [0.4457397, 4.5542603].
    # Cohen's d: variances 20/3 and 5/3, pooled (3*20/3 + 3*5/3) / 6 = 25/6, sd 2.0412415;
    # difference of means 5 - 2.5 = 2.5 -> d = 2.5 / 2.0412415 = 1.2247449
    d = paired_difference([2, 4, 6, 8], [1, 2, 3, 4])
    assert d.method == "paired"
    assert d.diff == pytest.approx(2.5)
    assert d.low == pytest.approx(0.4457397, abs=1e-7)
    assert d.high == pytest.approx(4.5542603, abs=1e-7)
    assert d.effect_size == pytest.approx(1.2247449, abs=1e-7)


def test_welch_difference_of_unpaired_arms():
    # arm 1..5 (mean 3, variance 2.5, n 5) against baseline 2, 4, 6 (mean 4, variance 4, n 3):
    # difference -1; se^2 = 2.5/5 + 4/3 = 1.8333333, se = 1.3540064;
    # Welch-Satterthwaite df = 1.8333333^2 / (0.5^2/4 + 1.3333333^2/2) = 3.3611111 / 0.9513889 = 3.5328467;
    # t(0.975, df 3.5328) = 2.9274053 (between the table's 3.182 at df 3 and 2.776 at df 4);
    # half-width 2.9274053 * 1.3540064 = 3.9637255 -> [-4.9637255, 2.9637255].
    # Cohen's d: pooled variance (4*2.5 + 2*4) / 6 = 3, sd 1.7320508 -> d = -1 / 1.7320508 = -0.5773503
    d = welch_difference([1, 2, 3, 4, 5], [2, 4, 6])
    assert d.method == "welch" and d.diff == pytest.approx(-1.0)
    assert d.low == pytest.approx(-4.9637255, abs=1e-6)
    assert d.high == pytest.approx(2.9637255, abs=1e-6)
    assert d.effect_size == pytest.approx(-0.5773503, abs=1e-7)


def test_effect_size_of_constant_arms():
    assert cohens_d([1, 1, 1], [1, 1, 1]) == 0.0
    assert cohens_d([2, 2, 2], [1, 1, 1]) == math.inf


def hand_made() -> pd.DataFrame:
    """Two steps of three arms; 'short' lacks replication 3, so it cannot be paired."""
    rows = []
    for replication, (base, better) in enumerate(zip([1, 2, 3, 4], [2, 4, 6, 8], strict=True)):
        rows.append({"arm": "base", "replication": replication, "step": 0, "quality": 0.0})
        rows.append({"arm": "base", "replication": replication, "step": 1, "quality": float(base)})
        rows.append({"arm": "better", "replication": replication, "step": 0, "quality": 0.0})
        rows.append({"arm": "better", "replication": replication, "step": 1, "quality": float(better)})
    for replication, value in enumerate([1.0, 2.0, 3.0]):
        rows.append({"arm": "short", "replication": replication, "step": 0, "quality": 0.0})
        rows.append({"arm": "short", "replication": replication, "step": 1, "quality": value})
    return pd.DataFrame(rows)


def test_compare_pairs_arms_that_ran_the_same_seeds_and_falls_back_to_welch():
    table = compare(hand_made(), baseline="base", metrics=["quality"]).set_index("arm")
    assert list(table.index) == ["base", "better", "short"]
    assert table.loc["base", "method"] == "" and math.isnan(table.loc["base", "diff"])
    assert table.loc["base", "mean"] == 2.5 and table.loc["base", "n"] == 4
    assert table.loc["better", "method"] == "paired"
    assert table.loc["better", "diff_low"] == pytest.approx(0.4457397, abs=1e-7)
    assert table.loc["better", "effect_size"] == pytest.approx(1.2247449, abs=1e-7)
    assert table.loc["short", "method"] == "welch"
    assert table.loc["short", "diff"] == pytest.approx(2.0 - 2.5)
    assert verdict(table.reset_index().iloc[1]) == "higher"  # 'quality' has no declared direction


def test_compare_at_several_horizons_and_refuses_unknown_names():
    table = compare(hand_made(), horizons=[0, 1], metrics=["quality"])
    assert sorted(set(table["step"])) == [0, 1]
    with pytest.raises(ScenarioError, match="unknown arm 'nope'; allowed: base, better, short"):
        compare(hand_made(), baseline="nope")
    with pytest.raises(ScenarioError, match="unknown metric"):
        compare(hand_made(), metrics=["quantity"])
    with pytest.raises(ScenarioError, match="outside the sweep"):
        compare(hand_made(), horizons=[5])


def test_time_series_band_matches_the_interval_at_each_step():
    series = time_series(hand_made(), "quality").set_index(["arm", "step"])
    assert series.loc[("better", 1), "mean"] == 5.0
    reference = mean_interval([2, 4, 6, 8])
    assert series.loc[("better", 1), "low"] == pytest.approx(reference.low)
    assert series.loc[("better", 1), "high"] == pytest.approx(reference.high)


def test_a_real_sweep_compares_every_headline_metric_for_every_arm(reference, design):
    table = compare(reference)
    assert table.attrs["baseline"] == "transactional"
    assert set(table["arm"]) == set(design.arms)
    assert (table["n"] == design.replications).all()
    assert (table["step"] == design.steps).all()
    assert (table["ci_low"] <= table["mean"]).all() and (table["mean"] <= table["ci_high"]).all()
    others = table[table["arm"] != "transactional"]
    assert set(others["method"]) == {"paired"}


def test_spearman_is_the_correlation_of_ranks_and_missing_for_a_constant():
    # ranks of (10, 20, 30, 40) and (1, 3, 2, 4): 1,2,3,4 and 1,3,2,4; centred: -1.5,-.5,.5,1.5 and
    # -1.5,.5,-.5,1.5; r = (2.25 - 0.25 - 0.25 + 2.25) / 5 = 0.8
    assert spearman([10, 20, 30, 40], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert spearman([1, 2, 3], [9, 4, 1]) == pytest.approx(-1.0)
    assert math.isnan(spearman([1, 2, 3], [5, 5, 5]))


def test_a_count_near_zero_gets_an_interval_on_the_log_scale_that_stays_positive():
    # supplier failures 0,0,1,0,1,0,2,0,0,1: mean 0.5; squared deviations 6 x 0.25 + 3 x 0.25 + 2.25 = 4.5,
    # variance 4.5 / 9 = 0.5, sd 0.7071068; se 0.7071068 / sqrt(10) = 0.2236068; t(0.975, df 9) = 2.2621572;
    # half-width 0.5058344. Plain t: 0.5 -/+ 0.5058344 = [-0.0058, 1.0058], below zero.
    # Log scale: half / mean = 1.0116688, exp(1.0116688) = 2.7501829 -> [0.5 / 2.7501829, 0.5 x 2.7501829]
    failures = [0, 0, 1, 0, 1, 0, 2, 0, 0, 1]
    plain = mean_interval(failures)
    assert plain.low == pytest.approx(-0.0058344, abs=1e-6)
    bounded = mean_interval(failures, bounds=(0.0, None))
    assert bounded.mean == 0.5
    assert bounded.low == pytest.approx(0.1818061, abs=1e-6)
    assert bounded.high == pytest.approx(1.3750915, abs=1e-6)


def test_a_share_near_zero_gets_an_interval_on_the_logit_scale_inside_zero_to_one():
    # shares 0.01, 0, 0, 0.02, 0: mean 0.006; squared deviations 1.6e-5 + 3 x 3.6e-5 + 1.96e-4 = 3.2e-4,
    # variance 8e-5, sd 0.0089443; se 0.004; t(0.975, df 4) = 2.7764451; half-width 0.0111058 (plain t: below 0).
    # logit(0.006) = ln(0.006 / 0.994) = -5.1100; scaled half-width 0.0111058 / (0.006 x 0.994) = 1.8621652;
    # expit(-6.9722) = 0.000937 and expit(-3.2478) = 0.037405
    ci = mean_interval([0.01, 0, 0, 0.02, 0], bounds=(0.0, 1.0))
    assert ci.low == pytest.approx(0.000937, abs=2e-6)
    assert ci.high == pytest.approx(0.037405, abs=2e-6)
    # the same near the upper bound, mirrored
    top = mean_interval([0.99, 1, 1, 0.98, 1], bounds=(0.0, 1.0))
    assert top.low == pytest.approx(1 - 0.037405, abs=2e-6) and top.high == pytest.approx(1 - 0.000937, abs=2e-6)
    # any bounds: the HHI in [0, 10,000] is the same share scaled by 10,000
    hhi = mean_interval([100, 0, 0, 200, 0], bounds=(0.0, 10_000.0))
    assert hhi.low == pytest.approx(9.37, abs=0.02) and hhi.high == pytest.approx(374.05, abs=0.02)


def test_far_from_its_bounds_a_bounded_interval_is_close_to_the_plain_one():
    values = [0.48, 0.5, 0.52, 0.49, 0.51, 0.5]
    plain, bounded = mean_interval(values), mean_interval(values, bounds=(0.0, 1.0))
    assert bounded.low == pytest.approx(plain.low, abs=1e-4) and bounded.high == pytest.approx(plain.high, abs=1e-4)


def test_values_all_on_a_bound_give_the_point_and_never_a_band_beyond_it():
    ci = mean_interval([0.0, 0.0, 0.0], bounds=(0.0, 1.0))
    assert (ci.low, ci.mean, ci.high) == (0.0, 0.0, 0.0)


def test_the_interval_of_d_is_a_seeded_bootstrap_that_contains_d_and_narrows_with_more_seeds():
    import numpy as np

    from partnering.experiments.stats import effect_size_interval

    rng = np.random.default_rng(4)
    small_a, small_b = rng.normal(0.5, 1, 10), rng.normal(0, 1, 10)
    low, high = effect_size_interval(small_a, small_b, paired=False)
    assert low < cohens_d(small_a, small_b) < high
    assert (low, high) == effect_size_interval(small_a, small_b, paired=False), "the same data, the same interval"
    # large samples: close to the normal approximation d -/+ 1.96 se, se^2 = (na+nb)/(na nb) + d^2/(2(na+nb))
    # (Hedges and Olkin 1985); for n = 400 each and d about 0.5: se = sqrt(0.005 + 0.25/1600) = 0.0718
    big_a, big_b = rng.normal(0.5, 1, 400), rng.normal(0, 1, 400)
    d = cohens_d(big_a, big_b)
    low, high = effect_size_interval(big_a, big_b, paired=False)
    se = math.sqrt(800 / 400**2 + d**2 / 1600)
    assert high - low == pytest.approx(2 * 1.96 * se, rel=0.15)
    assert math.isnan(effect_size_interval([1, 1, 1], [2, 2, 2], paired=True)[0]), "no interval for an infinite d"


def test_a_paired_difference_of_shares_never_exceeds_the_width_of_their_range():
    d = paired_difference([1.0, 1.0, 0.0], [0.0, 0.0, 1.0], bounds=(0.0, 1.0))
    assert -1.0 <= d.low <= d.high <= 1.0


def test_compare_and_the_bands_of_a_real_sweep_respect_every_declared_bound(reference):
    from partnering.model.catalogue import CATALOGUE

    table = compare(reference, metrics=list(CATALOGUE))
    for metric, rows in table.groupby("metric"):
        entry = CATALOGUE[metric]
        if entry.low is not None:
            assert (rows["ci_low"].dropna() >= entry.low).all(), metric
        if entry.high is not None:
            assert (rows["ci_high"].dropna() <= entry.high).all(), metric
    assert table.attrs["intervals"]["supplier_failures"].startswith("Student t on the log scale")
    assert table.attrs["intervals"]["sme_share"].startswith("Student t on the logit scale")
    for metric in ("supplier_failures", "vcse_share", "overhead", "single_bid_share"):
        band = time_series(reference, metric)
        assert (band["low"].dropna() >= 0.0).all(), metric
