"""Scenario discovery on synthetic futures with a known box, the rule that picks a box from PRIM's
trajectory, restrictions in words, and the questions a modeller writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partnering.experiments.discovery import (
    cart_leaves,
    choose_box,
    describe_limit,
    discover,
    prim_boxes,
)
from partnering.experiments.questions import parse_question, parse_threshold
from partnering.scenarios import ScenarioError

pytest.importorskip("ema_workbench")

OPPORTUNISM = "world.supplier_opportunism"
GROWTH = "world.demand_growth"
BOUNDS = {OPPORTUNISM: (0.0, 1.0), GROWTH: (-0.05, 0.15), "noise": (0.0, 1.0)}


@pytest.fixture(scope="module")
def futures() -> pd.DataFrame:
    """400 uniform futures over three dimensions, two of them declared uncertainties."""
    rng = np.random.default_rng(11)
    return pd.DataFrame({OPPORTUNISM: rng.uniform(0.0, 1.0, 400), GROWTH: rng.uniform(-0.05, 0.15, 400),
                         "noise": rng.uniform(0.0, 1.0, 400)})


def in_known_box(x: pd.DataFrame) -> np.ndarray:
    """The truth: opportunism above 0.6 and demand growth below 0.03 (a fifth of the space)."""
    return ((x[OPPORTUNISM] > 0.6) & (x[GROWTH] < 0.03)).to_numpy()


def test_prim_recovers_a_known_box_with_its_coverage_density_and_restrictions(futures):
    found = prim_boxes(futures, in_known_box(futures), bounds=BOUNDS)
    box = found.summary.iloc[0]
    assert box["coverage"] >= 0.9 and box["density"] >= 0.9
    assert box["res_dim"] == 2 and box["lift"] > 4
    limits = found.limits.set_index("parameter")
    assert set(limits.index) == {OPPORTUNISM, GROWTH}  # the noise dimension is left open
    assert limits.loc[OPPORTUNISM, "low"] == pytest.approx(0.6, abs=0.03)
    assert limits.loc[GROWTH, "high"] == pytest.approx(0.03, abs=0.01)
    assert limits["qp"].max() < 0.001
    assert limits.loc[OPPORTUNISM, "words"].startswith(f"{OPPORTUNISM} at least 0.6")
    assert "level (explored 0 to 1): mean opportunism of suppliers" in limits.loc[OPPORTUNISM, "words"]
    assert limits.loc[GROWTH, "words"].startswith(f"{GROWTH} at most 0.0")
    # the trajectory is PRIM's own: coverage never rises as it peels, and exactly one box is chosen
    path = found.trajectory
    peeling = path[path["id"] <= box["id"]]
    assert (np.diff(peeling["coverage"]) <= 1e-12).all() and path["chosen"].sum() == 1
    assert path.loc[path["chosen"], "id"].item() == box["id"]


def test_restrictions_that_may_be_chance_are_dropped_one_limit_at_a_time():
    """A noisy one-dimensional truth: PRIM nibbles at other dimensions (and at the far end of the
    real one); the quasi-p test drops the nibbles and keeps the real limit."""
    kept_more = 0
    for seed in range(5):
        rng = np.random.default_rng(seed)
        x = pd.DataFrame(rng.random((300, 4)), columns=list("abcd"))
        y = (x["a"] > 0.6).to_numpy() ^ (rng.random(300) < 0.15)  # 15% of the labels flipped
        everything = prim_boxes(x, y, max_qp=None, max_boxes=1)
        cleaned = prim_boxes(x, y, max_boxes=1)
        kept_more += len(everything.limits) > 1
        assert cleaned.limits["parameter"].tolist() == ["a"]
        assert cleaned.limits["low"].item() == pytest.approx(0.6, abs=0.1) and cleaned.limits["qp"].item() < 0.05
        assert cleaned.limits["words"].item().startswith("a at least")  # the top end is open again
        assert cleaned.summary["coverage"].item() >= everything.summary["coverage"].item()
    assert kept_more >= 3  # without the test PRIM would have reported the nibbles


def test_cart_finds_the_same_region_as_a_check(futures):
    leaves = cart_leaves(futures, in_known_box(futures), bounds=BOUNDS)
    best = leaves.iloc[0]
    assert best["density"] == 1.0 and best["coverage"] >= 0.8
    assert OPPORTUNISM in best["words"] and GROWTH in best["words"] and "noise" not in best["words"]


def test_no_box_when_the_question_holds_nowhere_or_everywhere(futures):
    for flags in (np.zeros(len(futures), bool), np.ones(len(futures), bool)):
        found = prim_boxes(futures, flags, bounds=BOUNDS)
        assert found.summary.empty and found.limits.empty and found.trajectory.empty
        assert cart_leaves(futures, flags).empty


def test_a_box_is_chosen_as_the_densest_keeping_enough_coverage_with_few_dimensions():
    trajectory = pd.DataFrame({"id": [0, 1, 2, 3, 4], "coverage": [1.0, 0.9, 0.7, 0.45, 0.4],
                               "density": [0.2, 0.4, 0.6, 0.9, 0.95], "res_dim": [0, 1, 2, 2, 4]})
    assert choose_box(trajectory) == 2  # 3 and 4 keep less than half the cases
    assert choose_box(trajectory, min_coverage=0.4) == 3  # 4 restricts more than three dimensions
    assert choose_box(trajectory, min_coverage=0.4, max_dims=4) == 4
    assert choose_box(trajectory, min_coverage=0.9, available=0.5) == 3  # later boxes: of the cases left


def test_restrictions_read_in_words_with_unit_range_and_meaning():
    assert describe_limit(GROWTH, 0.031, 0.15, (-0.05, 0.15)) == (
        "world.demand_growth at least 0.031 per year (explored -0.05 to 0.15): trend growth of need (ageing population)")
    assert describe_limit(OPPORTUNISM, 0.0, 0.25, (0.0, 1.0)).startswith(f"{OPPORTUNISM} at most 0.25 level")
    assert describe_limit("x", 0.2, 0.5, (0.0, 1.0)) == "x between 0.2 and 0.5 (explored 0 to 1)"


def test_questions_compare_policies_by_the_metrics_better_direction():
    outcomes = pd.DataFrame({"future": [0, 0, 1, 1, 2, 2], "policy": ["a", "b"] * 3,
                             "value_for_money": [1.2, 1.4, 1.5, 1.3, 1.0, np.nan],
                             "public_trust": [0.6, 0.5, 0.6, 0.7, 0.6, 0.6]})
    worse = parse_question("value_for_money: b worse than a", ["a", "b"])  # a cost ratio: worse is higher
    assert worse.evaluate(outcomes).tolist() == [True, False, pd.NA]
    better = parse_question("public_trust: b better than a", ["a", "b"])  # higher trust is better
    assert better.evaluate(outcomes).tolist() == [False, True, False]
    lower = parse_question("value_for_money: b lower than a", ["a", "b"])
    assert lower.evaluate(outcomes).tolist()[:2] == [False, True]
    threshold = parse_question("public_trust: a >= 0.6", ["a", "b"])
    assert threshold.evaluate(outcomes).tolist() == [True, True, True]
    assert "Cost per unit of quality" in worse.describe() and "under b is worse than under a" in worse.describe()


@pytest.mark.parametrize(("text", "message"), [
    ("changemaking worse than transactional", "names no metric"),
    ("value for money: changemaking worse than transactional", "names no metric"),
    ("value_for_mony: changemaking worse than transactional", "unknown metric 'value_for_mony'; did you mean 'value_for_money'"),
    ("value_for_money: changemakin worse than transactional", "unknown policy 'changemakin'; allowed: transactional, changemaking"),
    ("value_for_money: changemaking worse than changemaking", "compares changemaking with itself"),
    ("share_in_house: changemaking worse than transactional", "has no better direction"),
    ("value_for_money: changemaking bigger than transactional", "cannot read"),
])
def test_a_bad_question_is_refused_in_one_line(text, message):
    with pytest.raises(ScenarioError, match=message) as caught:
        parse_question(text, ["transactional", "changemaking"])
    assert "\n" not in str(caught.value) and str(caught.value).startswith(f"question {text!r}")


def test_thresholds_name_a_metric_and_a_bar():
    threshold = parse_threshold("supplier_failures <= 2")
    assert threshold.met(pd.Series([1.0, 2.0, 3.0, np.nan])).tolist() == [True, True, False, False]
    for text, message in [("<= 2", "names no metric"), ("suplier_failures <= 2", "did you mean 'supplier_failures'"),
                          ("supplier_failures about 2", "cannot read")]:
        with pytest.raises(ScenarioError, match=message):
            parse_threshold(text)


def test_discover_reports_the_base_rate_and_leaves_out_futures_it_cannot_judge(futures):
    truth = in_known_box(futures)
    outcomes = pd.DataFrame({"future": np.repeat(futures.index, 2), "policy": ["a", "b"] * len(futures),
                             "supplier_failures": np.column_stack([np.where(truth, 3.0, 0.0), np.zeros(len(futures))]).ravel()})
    outcomes.loc[outcomes.index[-2], "supplier_failures"] = np.nan  # the last future's run of a failed
    found = discover(futures, outcomes, [parse_question("supplier_failures: a > 2", ["a", "b"])], bounds=BOUNDS)
    case = found.cases.iloc[0]
    assert case["futures"] == len(futures) - 1 and case["holds"] == truth[:-1].sum()
    assert found.boxes["question"].tolist() == ["supplier_failures: a > 2"]
    assert set(found.limits["parameter"]) == {OPPORTUNISM, GROWTH}
