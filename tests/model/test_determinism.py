"""A run is a pure function of its scenario and seed, and leaves nothing behind once dropped."""

from __future__ import annotations

import gc
import random
import weakref

import numpy as np
import pandas as pd
import pytest

from partnering.model.model import PartneringModel
from partnering.scenarios import apply_overrides, load_scenario

STEPS = 8


def small(name: str):
    return apply_overrides(load_scenario(name), {"population.councils": 5})


def frame(name: str, seed: int, steps: int = STEPS) -> pd.DataFrame:
    return PartneringModel(small(name), rng=seed).run(steps).metrics_frame()


@pytest.mark.parametrize("name", ["transactional", "changemaking", "supplier_collapse", "rising_demand"])
def test_same_seed_gives_identical_metrics(name):
    pd.testing.assert_frame_equal(frame(name, 11), frame(name, 11))


def test_same_seed_gives_identical_event_logs():
    one = PartneringModel(small("supplier_collapse"), rng=4).run(14).events.to_frame()
    two = PartneringModel(small("supplier_collapse"), rng=4).run(14).events.to_frame()
    pd.testing.assert_frame_equal(one, two)


def test_different_seeds_give_different_metrics():
    assert not frame("transactional", 1).equals(frame("transactional", 2))


def test_a_run_in_two_halves_equals_one_run():
    whole = PartneringModel(small("changemaking"), rng=6).run(STEPS).metrics_frame()
    halves = PartneringModel(small("changemaking"), rng=6).run(STEPS // 2).run(STEPS - STEPS // 2).metrics_frame()
    pd.testing.assert_frame_equal(whole, halves)


def test_equal_generators_give_identical_metrics():
    one = PartneringModel(small("transactional"), rng=np.random.default_rng(9)).run(STEPS).metrics_frame()
    two = PartneringModel(small("transactional"), rng=np.random.default_rng(9)).run(STEPS).metrics_frame()
    pd.testing.assert_frame_equal(one, two)


def test_results_do_not_depend_on_global_random_state():
    random.seed(1)
    np.random.seed(1)
    first = frame("transactional", 3)
    random.seed(2)
    np.random.seed(2)
    second = frame("transactional", 3)
    pd.testing.assert_frame_equal(first, second)


def test_a_run_leaves_global_random_state_untouched():
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    frame("changemaking", 3)
    assert random.getstate() == python_state
    after = np.random.get_state()
    assert after[0] == numpy_state[0]
    assert np.array_equal(after[1], numpy_state[1])
    assert after[2:] == numpy_state[2:]


def test_interleaved_runs_do_not_disturb_each_other():
    alone = frame("transactional", 5)
    one = PartneringModel(small("transactional"), rng=5)
    other = PartneringModel(small("changemaking"), rng=5)
    for _ in range(STEPS):
        one.step()
        other.step()
    pd.testing.assert_frame_equal(one.metrics_frame(), alone)


@pytest.mark.parametrize("name", ["transactional", "changemaking", "supplier_collapse", "policy_package"])
def test_a_dropped_model_is_garbage_collected(name):
    model = PartneringModel(small(name), rng=1).run(14)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_a_model_is_garbage_collected_after_its_results_and_network_are_read():
    model = PartneringModel(small("changemaking"), rng=1, collect_agents=True, collect_contracts=True).run(4)
    results = (model.metrics_frame(), model.agent_table(), model.contract_table(), model.events.to_frame())
    graph = model.network
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
    assert all(len(table) for table in results)
    assert graph.number_of_nodes() > 0
