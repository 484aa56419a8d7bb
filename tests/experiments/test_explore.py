"""Explorations: the design of futures x policies, the same resumable store and executors, failed
runs as an outcome, refusals in one line, and the same boxes on every backend.

Runs are tiny (four councils, three or four quarters): the tests assert structure, invariants,
the equality of backends and boxes planted by an injected failure, never the model's numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from experiments_support import SMALL

from partnering.experiments import (
    Policy,
    Settings,
    SweepError,
    analyse_exploration,
    explore,
    explore_design,
    load_results,
)
from partnering.experiments.exploration import futures_frame, outcomes_frame
from partnering.experiments.runner import simulate
from partnering.scenarios import Scenario, ScenarioError, parameter_table

pytest.importorskip("ema_workbench")

OPPORTUNISM = "world.supplier_opportunism"
GROWTH = "world.demand_growth"
TRUST = "behaviour.trust_loss_rate"
LEAN = Policy("lean", "transactional", {"policy.open_book_required": True, "principles.collaborative": 0.6})


@dataclass(frozen=True)
class FailUnderOpportunism:
    """The model, except that changemaking's runs raise where suppliers are very opportunistic."""

    above: float = 0.7

    def __call__(self, scenario: Scenario, seed: int, steps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        if scenario.principles.creative == 0.8 and scenario.world.supplier_opportunism > self.above:
            raise RuntimeError("injected failure under opportunistic suppliers")
        return simulate(scenario, seed, steps)


# ----------------------------------------------------------------------------- the design
def test_futures_are_a_latin_hypercube_crossed_with_every_policy_under_the_same_seeds():
    design = explore_design(["transactional", "changemaking", LEAN], [OPPORTUNISM, GROWTH], futures=10,
                            replications=2, steps=3, overrides=SMALL)
    assert design.kind == "explore" and len(design.points) == 30 and len(design) == 60
    assert [p.arm for p in design.points[:4]] == ["transactional/future-000", "changemaking/future-000",
                                                  "lean/future-000", "transactional/future-001"]
    for f in range(10):
        three = design.points[3 * f:3 * f + 3]
        assert len({(p.overrides[OPPORTUNISM], p.overrides[GROWTH]) for p in three}) == 1  # one future, three policies
    # Latin hypercube: each tenth of each range holds exactly one future
    futures = np.array([[p.overrides[OPPORTUNISM], (p.overrides[GROWTH] + 0.05) / 0.2] for p in design.points[::3]])
    for column in futures.T:
        assert sorted(np.floor(column * 10).astype(int)) == list(range(10))
    lean = design.resolve(2)
    assert lean.policy.open_book_required and lean.principles.collaborative == 0.6 and lean.principles.creative == 0.0
    assert design.resolve(1).principles.creative == 0.8 and design.resolve(1).population.councils == 4
    assert design.options["policies"][2] == {"name": "lean", "scenario": "transactional",
                                             "levers": {"policy.open_book_required": True,
                                                        "principles.collaborative": 0.6}}
    again = explore_design(["transactional", "changemaking", LEAN], [OPPORTUNISM, GROWTH], futures=10,
                           replications=2, steps=3, overrides=SMALL)
    assert again.fingerprint() == design.fingerprint()
    other = explore_design(["transactional", "changemaking", LEAN], [OPPORTUNISM, GROWTH], futures=10,
                           replications=2, steps=3, overrides=SMALL, root_seed=2)
    assert other.fingerprint() != design.fingerprint()


def test_by_default_every_declared_numeric_uncertainty_is_explored():
    design = explore_design(["transactional", "changemaking"], futures=4, replications=1, steps=2)
    declared = [p.name for p in parameter_table() if p.kind == "uncertainty" and p.type != "bool"]
    assert design.problem["names"] == declared
    for name, (low, high) in zip(design.problem["names"], design.problem["bounds"], strict=True):
        values = [p.overrides[name] for p in design.points]
        assert all(low <= v <= high for v in values)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"uncertainties": ["world.supplier_oportunism"]}, "uncertainties: unknown parameter 'world.supplier_oportunism'; "
                                                       "did you mean 'world.supplier_opportunism'"),
    ({"uncertainties": ["principles.collaborative"]}, "principles.collaborative is declared as a lever, not an uncertainty"),
    ({"uncertainties": []}, "at least one uncertainty"),
    ({"bounds": {GROWTH: [0.05, 0.05]}}, "world.demand_growth: \\[0.05, 0.05\\] must be increasing"),
    ({"bounds": {GROWTH: [0.0, 0.5]}}, "inside the declared -0.05 to 0.15"),
    ({"overrides": {GROWTH: 0.02}}, "world.demand_growth is explored as an uncertainty"),
    ({"policies": ["transactional", "austerity"]}, "'austerity' sets world.budget_growth = -0.03 where 'transactional'"),
    ({"policies": ["transactional", Policy("x", "transactional", {OPPORTUNISM: 0.9})]},
     "policies: x: world.supplier_opportunism is declared as an uncertainty, not a lever"),
    ({"policies": ["transactional", Policy("transactional", "changemaking", {})]}, "listed twice"),
    ({"futures": 1}, "futures: 1; allowed 2 or more"),
])
def test_bad_designs_are_refused_in_one_line(kwargs, message):
    options = {"policies": ["transactional", "changemaking"], "uncertainties": [OPPORTUNISM, GROWTH], "futures": 4,
               "replications": 1, "steps": 2, **kwargs}
    with pytest.raises(ScenarioError, match=message) as caught:
        explore_design(**options)
    assert "\n" not in str(caught.value)


# ----------------------------------------------------------------------------- running and reading
@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory):
    """40 futures x 2 policies, where changemaking's runs fail above an opportunism of 0.7."""
    out = tmp_path_factory.mktemp("explore") / "failing"
    result = explore(["transactional", "changemaking"], out, uncertainties=[OPPORTUNISM, GROWTH, TRUST], futures=40,
                     replications=1, steps=3, overrides=SMALL, workers=1, run=FailUnderOpportunism(),
                     questions=["failed_runs: changemaking > 0"], thresholds=["service_quality >= 0"],
                     metrics=["service_quality", "public_trust"])
    return out, result


def test_failed_runs_are_recorded_and_discovery_finds_where_they_happen(failing):
    out, result = failing
    breaking = result.futures[OPPORTUNISM] > 0.7
    assert result.summary.failed == breaking.sum() > 0 and result.summary.ok == 80 - breaking.sum()
    assert len(load_results(out).failures()) == breaking.sum()
    changemaking = result.outcomes[result.outcomes["policy"] == "changemaking"].set_index("future")
    assert (changemaking["failed_runs"] == breaking.astype(float)).all()
    assert changemaking.loc[breaking, "service_quality"].isna().all()
    box = result.boxes.iloc[0]
    assert (box["coverage"], box["density"]) == (1.0, 1.0)
    limits = result.limits.set_index("parameter")
    assert list(limits.index) == [OPPORTUNISM] and limits.loc[OPPORTUNISM, "high"] == 1.0  # open to the top
    assert 0.7 - 1 / 40 <= limits.loc[OPPORTUNISM, "low"] <= 0.7 + 1 / 40
    assert limits.loc[OPPORTUNISM, "words"].startswith(f"{OPPORTUNISM} at least 0.7")


def test_failures_count_against_a_policy_in_robustness(failing):
    _, result = failing
    breaking = int((result.futures[OPPORTUNISM] > 0.7).sum())
    table = result.robustness.set_index(["metric", "policy"])
    assert table.loc[("service_quality", "changemaking"), "failed"] == breaking
    assert table.loc[("service_quality", "transactional"), "failed"] == 0
    assert table.loc[("service_quality", "changemaking"), "futures"] == 40 - breaking  # regret where both ran
    shares = result.satisficing.set_index(["policy", "threshold"])["share"]
    assert shares["transactional", "all thresholds"] == 1.0  # quality >= 0 always holds...
    assert shares["changemaking", "all thresholds"] == pytest.approx(1 - breaking / 40)  # ...unless the run failed


def test_futures_and_outcomes_are_read_from_the_design_in_the_manifest(failing):
    out, _ = failing
    futures = futures_frame(out)
    assert list(futures.columns) == [OPPORTUNISM, GROWTH, TRUST] and len(futures) == 40
    manifest = json.loads((out / "sweep.json").read_text())
    assert futures.loc[7, GROWTH] == manifest["points"][14]["overrides"][GROWTH]  # point 2 * 7: future 7
    outcomes = outcomes_frame(out, step=1)
    assert outcomes.attrs["step"] == 1 and len(outcomes) == 80
    assert (outcomes["runs"] == 1).all()
    with pytest.raises(ScenarioError, match="--step: 9 is outside the exploration; allowed 0 to 3"):
        outcomes_frame(out, step=9)


def test_the_questions_asked_are_kept_beside_the_store_for_its_report(failing):
    out, _ = failing
    saved = json.loads((out / "explore.json").read_text())
    assert saved["questions"] == ["failed_runs: changemaking > 0"]
    again = analyse_exploration(out)
    assert again.boxes.drop(columns="question").equals(failing[1].boxes.drop(columns="question"))


def test_an_exploration_resumes_and_refuses_another_design_without_losing_anything(failing, tmp_path):
    out, _ = failing
    same = {"uncertainties": [OPPORTUNISM, GROWTH, TRUST], "futures": 40, "replications": 1, "steps": 3,
            "overrides": SMALL, "workers": 1, "run": FailUnderOpportunism(),
            "questions": ["failed_runs: changemaking > 0"], "thresholds": ["service_quality >= 0"],
            "metrics": ["service_quality", "public_trust"]}
    before = len(load_results(out).runs)
    settings = (out / "explore.json").read_text()
    resumed = explore(["transactional", "changemaking"], out, **same)
    assert resumed.summary.skipped == 80 and resumed.summary.ok == resumed.summary.failed == 0
    with pytest.raises(SweepError, match="holds a different sweep"):
        explore(["transactional", "changemaking"], out, **{**same, "futures": 41})
    with pytest.raises(ScenarioError, match="names no metric"):
        explore(["transactional", "changemaking"], out, **{**same, "questions": ["changemaking worse than transactional"]})
    assert len(load_results(out).runs) == before
    assert (out / "explore.json").read_text() == settings
    with pytest.raises(ScenarioError, match="names no metric"):
        explore(["transactional"], tmp_path / "new", **{**same, "questions": ["transactional > 2"]})
    assert not (tmp_path / "new").exists()


def test_a_sweep_that_is_not_an_exploration_is_refused_in_one_line(reference):
    with pytest.raises(SweepError, match="holds a scenarios sweep, not an exploration of futures"):
        analyse_exploration(reference)


# ----------------------------------------------------------------------------- backends
def test_the_same_seeds_give_the_same_boxes_on_one_worker_two_workers_and_a_dask_cluster(pool, tmp_path):
    distributed = pytest.importorskip("distributed")
    design = {"uncertainties": [OPPORTUNISM, GROWTH], "futures": 24, "replications": 1, "steps": 4,
              "overrides": SMALL}
    policies = ["transactional", "changemaking"]
    first = explore(policies, tmp_path / "serial", workers=1, **design)
    quality = first.outcomes.loc[first.outcomes["policy"] == "changemaking", "service_quality"]
    question = f"service_quality: changemaking > {quality.median():.6g}"  # holds in about half the futures
    serial = analyse_exploration(tmp_path / "serial", Settings(questions=(question,)))
    assert len(serial.boxes) >= 1 and len(serial.trajectory) > 1
    two = explore(policies, tmp_path / "pool", executor=pool, questions=[question], **design)
    # loopback only; the scheduler's HTTP server takes a free port (another cluster may hold 8787)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0") as cluster:
        dask = explore(policies, tmp_path / "dask", dask=cluster.scheduler_address, questions=[question], **design)
    for frame in ("outcomes", "trajectory", "boxes", "limits", "cart", "robustness"):
        pd.testing.assert_frame_equal(getattr(serial, frame), getattr(two, frame), check_exact=True)
        pd.testing.assert_frame_equal(getattr(serial, frame), getattr(dask, frame), check_exact=True)
