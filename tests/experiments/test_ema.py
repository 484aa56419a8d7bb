"""The EMA Workbench adapter: parameters derived from the schema's kinds and bounds, and EMA's own
sampler, evaluator and PRIM working on the model unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from experiments_support import SMALL

from partnering.experiments import ema_model
from partnering.experiments.ema import ScenarioFunction, ema_name
from partnering.scenarios import ScenarioError, load_scenario, parameter, parameter_table

pytest.importorskip("ema_workbench")

UNCERTAINTIES = ["world.demand_growth", "behaviour.trust_gain_rate"]
LEVERS = ["principles.collaborative", "policy.steering_groups"]


@pytest.fixture(scope="module")
def model():
    return ema_model("changemaking", uncertainties=UNCERTAINTIES, levers=LEVERS,
                     outcomes=["service_quality", "public_trust"], steps=4, overrides=SMALL, replications=2)


def test_uncertainties_and_levers_come_from_the_schema_declarations():
    full = ema_model("transactional")
    declared_uncertainties = [p for p in parameter_table() if p.kind == "uncertainty"]
    declared_levers = [p for p in parameter_table() if p.kind == "lever"]
    assert [u.name for u in full.uncertainties] == [ema_name(p.name) for p in declared_uncertainties]
    assert [lever.name for lever in full.levers] == [ema_name(p.name) for p in declared_levers]
    growth = full.uncertainties["world_demand_growth"]
    info = parameter("world.demand_growth")
    assert (growth.lower_bound, growth.upper_bound) == (info.low, info.high)
    assert growth.variable_name == ["world.demand_growth"]
    assert type(full.levers["policy_steering_groups"]).__name__ == "BooleanParameter"
    assert full.levers["principles_collaborative"].default == load_scenario("transactional").principles.collaborative


def test_a_lever_cannot_be_declared_an_uncertainty():
    with pytest.raises(ScenarioError, match="declared as a lever, not an uncertainty"):
        ema_model("transactional", uncertainties=["principles.collaborative"])


def test_the_model_function_is_picklable_and_averages_its_replications(model):
    import pickle

    function = pickle.loads(pickle.dumps(model.function))
    assert isinstance(function, ScenarioFunction) and len(function.seeds) == 2
    result = function(**{"world.demand_growth": np.float64(0.03), "policy.steering_groups": np.bool_(True)})
    assert set(result) == {"service_quality", "public_trust"}
    assert all(isinstance(v, float) for v in result.values())


@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop is deprecated")  # inside EMA's PRIM
def test_ema_samples_evaluates_and_finds_a_prim_box_on_the_model_unchanged(model):
    from ema_workbench import SequentialEvaluator
    from ema_workbench.analysis import prim

    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=4, policies=2)
    assert len(experiments) == 8
    assert {ema_name(n) for n in UNCERTAINTIES + LEVERS} <= set(experiments.columns)
    assert set(outcomes) == {"service_quality", "public_trust"}
    assert all(len(v) == 8 and np.isfinite(v).all() for v in outcomes.values())
    for name in UNCERTAINTIES:
        info = parameter(name)
        assert experiments[ema_name(name)].between(info.low, info.high).all()

    trust = outcomes["public_trust"]
    of_interest = (trust >= np.median(trust)).astype(int)
    box = prim.Prim(experiments[[ema_name(n) for n in UNCERTAINTIES]], of_interest, mass_min=0.1).find_box()
    assert isinstance(box.peeling_trajectory, pd.DataFrame) and len(box.peeling_trajectory) >= 1
