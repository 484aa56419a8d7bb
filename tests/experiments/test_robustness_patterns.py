"""The robustness map of the patterns: what is held fixed, how arms are shared, the share and its
interval, the reversal test, PRIM's box around a reversal, and the command at a tiny size.

Most tests feed synthetic metrics to a real plan, so the numbers are hand-checkable and the
model does not run; one runs the command end to end on a tiny world.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from partnering.cli import app
from partnering.experiments import pattern_robustness as pr
from partnering.experiments.patterns import Contrast, by_key
from partnering.scenarios import ScenarioError

GROWTH = "world.demand_growth"
TOY = Contrast("toy", "collaboration raises the toy metric", "transactional",
               {"principles.collaborative": (0.0, 0.8)}, "toy_metric", "final", +1, "test")


def toy_plan(growth: list[float]) -> pr.Plan:
    points = pd.DataFrame({GROWTH: growth}).rename_axis("point")
    return pr.plan([TOY], points)


def metrics_for(the_plan: pr.Plan, effects: dict[int, list[float]]) -> pd.DataFrame:
    """Two-arm metrics whose treated-minus-control reading at point p, replication r is effects[p][r]."""
    rows = []
    for (_, point), mapping in the_plan.names.items():
        control, treated = mapping.values()
        for replication, effect in enumerate(effects[point]):
            rows.append({"arm": control, "replication": replication, "step": 0, "toy_metric": 1.0})
            rows.append({"arm": treated, "replication": replication, "step": 0, "toy_metric": 1.0 + effect})
    return pd.DataFrame(rows)


def test_a_pattern_keeps_its_cause_its_factor_and_its_premise_fixed():
    assert "procurement.collaborative_track_weight" in pr.fixed_keys(by_key("track_record_lowers_failures"))
    interaction = pr.fixed_keys(by_key("rigidity_costs_more_when_demand_swings"))
    assert {"principles.adaptable", "world.demand_volatility"} <= interaction
    assert "world.supplier_opportunism" in pr.fixed_keys(by_key("exploited_where_opportunism_is_high"))
    # rising_demand is a world whose demand grows: its growth is its premise, not a sampled value
    assert {GROWTH, "world.budget_growth"} <= pr.fixed_keys(by_key("adaptable_meets_rising_demand"))
    assert GROWTH not in pr.fixed_keys(by_key("adaptable_contracts_cost_overhead"))
    names = pr.space([by_key("volatility_insources_for_flexibility")])["names"]
    assert "world.demand_volatility" not in names and GROWTH in names


def test_arms_that_are_the_same_scenario_at_a_point_run_once():
    # two patterns on the transactional world whose causes are levers share the control arm
    points = pd.DataFrame({GROWTH: [0.0, 0.1, 0.05]}).rename_axis("point")
    patterns = [by_key("place_based_holds_sme_share"), by_key("adaptable_contracts_cost_overhead")]
    the_plan = pr.plan(patterns, points)
    assert len(the_plan.arms) == 3 * 3, "per point: one shared control and two treated arms"
    assert len({a.name for a in the_plan.arms}) == len(the_plan.arms)
    growths = {a.name.split("/")[0]: a.world.demand_growth for a in the_plan.arms}
    assert growths == {"p000": 0.0, "p001": 0.1, "p002": 0.05}
    assert pr.plan_design(the_plan, replications=2).describe() == "9 arms x 2 replications x 40 steps = 18 runs"


def test_the_contrast_at_each_point_is_the_mean_over_replications_with_a_pooled_error():
    the_plan = toy_plan([0.0, 0.05, 0.1])
    # point 0 holds clearly; point 1 reverses by a hair; point 2 reverses well beyond the noise
    effects = {0: [0.5, 0.7], 1: [-0.01, 0.01 - 0.02], 2: [-0.6, -0.4]}
    frame = pr.contrasts(the_plan, metrics_for(the_plan, effects)).set_index("point")
    assert frame["mean"].to_numpy() == pytest.approx([0.6, -0.01, -0.5])
    assert list(frame["holds"]) == [True, False, False] and list(frame["reverses"]) == [False, True, True]
    # pooled: sum of squares 0.02 + 0 + 0.02 over 3 degrees of freedom; se = sd / sqrt(2)
    se = np.sqrt(0.04 / 3) / np.sqrt(2)
    assert frame["se"].to_numpy() == pytest.approx([se] * 3)
    assert list(frame["significant"]) == [False, False, True]
    assert list(frame["confirmed"]) == [True, False, False]


def test_a_claim_of_no_effect_holds_inside_its_margin_and_reverses_outside():
    none = Contrast("none", "collaboration leaves the toy metric within 0.1", "transactional",
                    {"principles.collaborative": (0.0, 0.8)}, "toy_metric", "final", 0, "test", margin=0.1)
    points = pd.DataFrame({GROWTH: [0.0, 0.05, 0.1]}).rename_axis("point")
    the_plan = pr.plan([none], points)
    effects = {0: [0.01, -0.01], 1: [0.3, 0.32], 2: [-0.108, -0.096]}
    frame = pr.contrasts(the_plan, metrics_for(the_plan, effects)).set_index("point")
    assert list(frame["holds"]) == [True, False, False] and list(frame["reverses"]) == [False, True, True]
    # point 2's mean (-0.102) is a hair outside the margin, well within the noise: pooled sd
    # sqrt((0.0002 + 0.0002 + 0.000072) / 3), se = sd / sqrt(2), about 0.009
    assert frame.at[2, "mean"] == pytest.approx(-0.102)
    assert list(frame["significant"]) == [False, True, False]
    assert list(frame["confirmed"]) == [True, False, False]


def test_the_share_that_holds_counts_signs_and_carries_a_wilson_interval():
    frame = pd.DataFrame({"pattern": ["a"] * 10 + ["b"] * 4, "metric": ["m"] * 14, "expect": [1] * 10 + [-1] * 4,
                          "n": [2] * 13 + [0], "point": list(range(10)) + list(range(4)),
                          "mean": [1.0] * 5 + [-1.0] * 3 + [0.0] * 2 + [-2.0, -1.0, 3.0, np.nan]})
    frame["sign"] = np.sign(frame["mean"]).fillna(0).astype(int)
    frame["holds"] = frame["sign"] == frame["expect"]
    frame["reverses"] = frame["sign"] == -frame["expect"]
    frame["significant"] = frame["reverses"] & (frame["mean"].abs() > 1.5)
    frame["confirmed"] = frame["holds"] & (frame["mean"].abs() > 1.5)
    table = pr.shares(frame).set_index("pattern")
    assert table.loc["b", "confirmed"] == 1 and table.loc["a", "confirmed"] == 0
    assert table.loc["a", ["points", "holds", "reverses", "null"]].tolist() == [10, 5, 3, 2]
    assert table.loc["a", "share"] == 0.5
    assert (table.loc["a", "share_low"], table.loc["a", "share_high"]) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert table.loc["b", ["points", "holds", "reverses", "significant"]].tolist() == [3, 2, 1, 1]
    assert pr.wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert pr.wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)


def test_prim_finds_the_region_where_the_sign_reverses_above_a_threshold():
    rng = np.random.default_rng(3)
    growth = rng.uniform(-0.05, 0.15, 80)
    the_plan = toy_plan(list(growth))
    frame = pd.DataFrame({"pattern": "toy", "point": range(80), "n": 2, "reverses": growth > 0.08})
    boxes, limits = pr.reversal_boxes(the_plan, frame, pr.space([TOY], [GROWTH]))
    assert len(boxes) >= 1 and boxes.loc[0, "density"] == 1.0 and boxes.loc[0, "coverage"] > 0.9
    first = limits[(limits["box"] == 1)].set_index("parameter")
    assert first.loc[GROWTH, "low"] == pytest.approx(0.08, abs=0.01)
    assert first.loc[GROWTH, "high"] == pytest.approx(0.15)
    assert "demand_growth" in boxes.loc[0, "words"]


def test_bad_choices_are_refused_in_one_line():
    with pytest.raises(ScenarioError, match=r"--patterns: 'nope' names no pattern; allowed: price_only_"):
        pr.pattern_keys(items=["nope"])
    assert [p.key for p in pr.pattern_keys(items=["price_only_*"])][:2] == [
        "price_only_distresses_suppliers", "price_only_fails_suppliers"]
    with pytest.raises(ScenarioError, match=r"--parameters: principles.collaborative is declared as a lever"):
        pr.space([TOY], ["principles.collaborative"])
    with pytest.raises(ScenarioError, match=r"--parameters: 'wrld\.\*' matches no declared parameter; sections:"):
        pr.space([TOY], ["wrld.*"])
    with pytest.raises(ScenarioError, match="every chosen uncertainty is fixed"):
        pr.space([by_key("volatility_insources_for_flexibility")], ["world.demand_volatility"])
    with pytest.raises(ScenarioError, match=r"--steps: 12; the patterns read steps up to 40"):
        pr.plan_design(toy_plan([0.0]), replications=1, steps=12)
    with pytest.raises(ScenarioError, match=r"--sampler: 'grid'; allowed: lhs, sobol"):
        pr.map_points(pr.space([TOY], [GROWTH]), 4, "grid")


def test_the_same_seed_gives_the_same_points():
    problem = pr.space([TOY], ["world.*"])
    for sampler in pr.SAMPLERS:
        a, b = pr.map_points(problem, 8, sampler, seed=4), pr.map_points(problem, 8, sampler, seed=4)
        assert np.array_equal(a, b) and not np.array_equal(a, pr.map_points(problem, 8, sampler, seed=5))
        lows, highs = np.array(problem["bounds"]).T
        assert np.all((lows <= a) & (highs >= a))


def test_the_command_maps_a_pattern_end_to_end_at_a_tiny_size(tmp_path):
    args = ["robustness", "--out", str(tmp_path / "map"), "--patterns", "place_based_holds_sme_share",
            "--parameters", "world.*", "--samples", "2", "--replications", "1", "--set", "population.councils=2",
            "--workers", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "4 runs" in result.output.replace("\n", " ")
    table = pd.read_csv(tmp_path / "map" / "robustness.csv")
    assert table["pattern"].tolist() == ["place_based_holds_sme_share"] and table["points"].tolist() == [2]
    assert (tmp_path / "map" / "robustness.png").read_bytes().startswith(b"\x89PNG")
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and "4 already done" in again.output, "a second call resumes from the store"
    bad = CliRunner().invoke(app, ["robustness", "--out", str(tmp_path / "x"), "--patterns", "nope"])
    assert bad.exit_code == 2 and "--patterns: 'nope' names no pattern" in bad.output


def test_prim_describes_a_reversal_along_integer_uncertainties():
    # EMA pastes a box edge half-way between two values (0.5 here), which an int column refused
    from partnering.experiments.discovery import prim_boxes

    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.integers(1, 41, 40), "b": rng.integers(0, 5, 40), "c": rng.uniform(0, 1, 40)})
    y = ((x["a"] > 25) & (rng.uniform(size=40) < 0.8)) | (rng.uniform(size=40) < 0.15)
    found = prim_boxes(x, y.to_numpy(), max_qp=None)
    assert len(found.summary) >= 1 and found.summary.loc[0, "density"] > y.mean()
    assert "a" in set(found.limits["parameter"])
