"""Regret, satisficing and the recommended policy, against values worked out by hand.

Three futures, three policies, one metric where higher is better (service quality) and one
where lower is better (total spend); the catalogue's directions decide which is which.

service_quality      f0   f1   f2        total_spend   f0   f1   f2
  A                 .6   .8   .5           A           100   80   95
  B                 .7   .6   .5           B            90  110   95
  C                 .5   .7   .9           C           120  100   70

Regret (shortfall from the best policy in the same future):
  quality: A .1 0 .4 | B 0 .2 .4 | C .2 .1 0        spend: A 10 0 25 | B 0 30 25 | C 30 20 0
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from partnering.experiments.questions import parse_threshold
from partnering.experiments.robustness import (
    normalised_regret,
    recommend,
    regret,
    robustness_table,
    satisficing,
)
from partnering.scenarios import ScenarioError

QUALITY = {"A": [0.6, 0.8, 0.5], "B": [0.7, 0.6, 0.5], "C": [0.5, 0.7, 0.9]}
SPEND = {"A": [100.0, 80.0, 95.0], "B": [90.0, 110.0, 95.0], "C": [120.0, 100.0, 70.0]}


@pytest.fixture
def outcomes() -> pd.DataFrame:
    rows = []
    for policy in "ABC":
        for future in range(3):
            failed = 1 if (policy, future) == ("C", 1) else 0  # one of C's two runs failed in future 1
            rows.append({"future": future, "policy": policy, "runs": 2, "failed": failed,
                         "service_quality": QUALITY[policy][future], "total_spend": SPEND[policy][future],
                         "share_in_house": 0.5})
    return pd.DataFrame(rows)


def _by(frame: pd.DataFrame, column: str, metric: str) -> dict[str, float]:
    return frame[frame["metric"] == metric].set_index("policy")[column].to_dict()


def test_regret_is_the_shortfall_from_the_best_policy_in_the_same_future_by_the_catalogue_direction(outcomes):
    table = regret(outcomes, ["service_quality", "total_spend"])
    quality = table[table["metric"] == "service_quality"].pivot(index="future", columns="policy", values="regret")
    spend = table[table["metric"] == "total_spend"].pivot(index="future", columns="policy", values="regret")
    assert quality.round(12).to_dict("list") == {"A": [0.1, 0.0, 0.4], "B": [0.0, 0.2, 0.4], "C": [0.2, 0.1, 0.0]}
    # lower is better for spend: the best is the cheapest, not the dearest
    assert spend.to_dict("list") == {"A": [10.0, 0.0, 25.0], "B": [0.0, 30.0, 25.0], "C": [30.0, 20.0, 0.0]}
    assert table[table["metric"] == "total_spend"].groupby("future")["best"].first().tolist() == [90.0, 80.0, 70.0]


def test_the_table_gives_mean_90th_percentile_and_maximum_regret_and_the_spread_of_values(outcomes):
    table = robustness_table(outcomes, ["service_quality", "total_spend"])
    assert _by(table, "max_regret", "service_quality") == pytest.approx({"A": 0.4, "B": 0.4, "C": 0.2})
    assert _by(table, "mean_regret", "total_spend") == pytest.approx({"A": 35 / 3, "B": 55 / 3, "C": 50 / 3})
    # linear interpolation: the 90th percentile of three values sits 0.8 of the way from the 2nd to the 3rd
    assert _by(table, "p90_regret", "service_quality") == pytest.approx({"A": 0.34, "B": 0.36, "C": 0.18})
    assert _by(table, "median", "total_spend") == {"A": 95.0, "B": 95.0, "C": 100.0}
    assert _by(table, "p5", "service_quality")["C"] == pytest.approx(0.5 + 0.1 * 0.2)
    # the worst value follows the direction: the lowest quality, the highest spend
    assert _by(table, "worst", "service_quality") == {"A": 0.5, "B": 0.5, "C": 0.5}
    assert _by(table, "worst", "total_spend") == {"A": 100.0, "B": 110.0, "C": 120.0}
    assert _by(table, "best_share", "service_quality") == pytest.approx({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3})
    assert _by(table, "failed", "total_spend") == {"A": 0, "B": 0, "C": 1}
    assert set(table["futures"]) == {3}


def test_each_criterion_recommends_the_policy_worked_out_by_hand(outcomes):
    table = robustness_table(outcomes, ["service_quality", "total_spend"])
    thresholds = [parse_threshold("service_quality >= 0.6"), parse_threshold("total_spend <= 100")]
    met = satisficing(outcomes, thresholds)
    picks = recommend(table, met, normalised_regret(outcomes, ["service_quality", "total_spend"]))
    chosen = {(r.criterion, r.metric): (r.policy, r.value, r.ties) for r in picks.itertuples()}
    assert chosen["minimax regret", "service_quality"][:2] == ("C", pytest.approx(0.2))
    assert chosen["minimax regret", "total_spend"][:2] == ("A", 25.0)
    assert chosen["best mean", "total_spend"][:2] == ("A", pytest.approx(275 / 3))
    assert chosen["best worst case", "total_spend"][:2] == ("A", 100.0)
    # every policy's worst quality is 0.5: a three-way tie, reported as such
    assert chosen["best worst case", "service_quality"] == ("A", 0.5, ["B", "C"])
    # satisficing: A meets both in f0 and f1; B only in f0; C in f2 (its f1 had a failed run)
    assert chosen["satisficing", "all thresholds"][:2] == ("A", pytest.approx(2 / 3))
    # normalised by the ranges (quality 0.4, spend 50), C's largest regret is 30/50 in future 0
    assert chosen["minimax normalised regret", "all metrics"][:2] == ("C", pytest.approx(0.6))


def test_satisficing_counts_a_future_with_a_failed_run_as_not_met(outcomes):
    met = satisficing(outcomes, [parse_threshold("service_quality >= 0.6"), parse_threshold("total_spend <= 100")])
    shares = met.set_index(["policy", "threshold"])["share"]
    assert shares["A", "all thresholds"] == pytest.approx(2 / 3)
    assert shares["B", "all thresholds"] == pytest.approx(1 / 3)
    assert shares["C", "service_quality >= 0.6"] == pytest.approx(1 / 3)  # 0.7 in f1 would pass but a run failed
    assert shares["C", "all thresholds"] == pytest.approx(1 / 3)
    assert satisficing(outcomes, []).empty


def test_a_future_where_a_policy_has_no_value_is_left_out_of_regret(outcomes):
    outcomes.loc[(outcomes["policy"] == "B") & (outcomes["future"] == 2), "service_quality"] = math.nan
    table = robustness_table(outcomes, ["service_quality"])
    assert set(table["futures"]) == {2}
    assert _by(table, "max_regret", "service_quality") == pytest.approx({"A": 0.1, "B": 0.2, "C": 0.2})


def test_regret_refuses_a_metric_with_no_better_direction(outcomes):
    with pytest.raises(ScenarioError, match="share_in_house has no better direction"):
        regret(outcomes, ["share_in_house"])
    with pytest.raises(ScenarioError, match="unknown metric 'quality'"):
        robustness_table(outcomes, ["quality"])
