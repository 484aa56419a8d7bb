"""Speed-ups must not change results: small England-like runs match saved baselines, seed by seed,
metric by metric and event by event.

The baselines were last saved when delivery became simultaneous within a quarter (an intended
change of behaviour, docs/performance.md); every optimisation since must leave them as they are.

The golden master covers the default population; these cases cover the England population
(many suppliers and SMEs per council), relational contracting with every policy lever, and a
supplier failure. Refresh only after an intended change of behaviour:

    .venv/bin/python -m tests.model.test_equality --refresh
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from partnering.model import metrics
from partnering.model.model import PartneringModel
from partnering.model.network import average_clustering, trust_network
from partnering.rules import procurement
from partnering.rules.units import clip as _clip
from partnering.scenarios import apply_overrides, load_scenario

FOLDER = Path(__file__).with_name("equality")
STEPS = 12
ENGLAND_LIKE = {"population.councils": 24, "population.large_suppliers": 8, "population.smes_per_place": 10,
                "population.groups_per_place": 5}
"""The England population per place, at 24 councils (large suppliers kept near councils / 3)."""

CASES: dict[str, tuple[str, dict, int]] = {
    "england24-seed1": ("england", {"population.councils": 24}, 1),
    "england24-seed2": ("england", {"population.councils": 24}, 2),
    "policy_package-england_like-seed3": ("policy_package", ENGLAND_LIKE, 3),
    "supplier_collapse-england_like-seed4": ("supplier_collapse", ENGLAND_LIKE, 4),
}


def simulate(case: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(metrics, events) of one case."""
    name, overrides, seed = CASES[case]
    model = PartneringModel(apply_overrides(load_scenario(name), overrides), rng=seed).run(STEPS)
    return model.metrics_frame(), model.events.to_frame()


def _paths(case: str) -> tuple[Path, Path]:
    return FOLDER / f"{case}-metrics.csv", FOLDER / f"{case}-events.csv"


@pytest.mark.parametrize("case", list(CASES))
def test_metrics_and_events_match_the_saved_baseline(case):
    metrics_path, events_path = _paths(case)
    metrics, events = simulate(case)
    expected = pd.read_csv(metrics_path)
    assert list(metrics.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(metrics, expected, check_dtype=False, rtol=1e-9, atol=1e-12)
    expected_events = pd.read_csv(events_path, keep_default_na=False)
    pd.testing.assert_frame_equal(events, expected_events, check_dtype=False, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_average_clustering_is_networkx_to_the_last_bit(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    edges = [(int(u), int(v)) for u, v in rng.integers(0, n, size=(int(rng.integers(0, 4 * n)), 2))]
    graph = nx.Graph()
    graph.add_edges_from(edges)  # self-loops included: networkx ignores them in clustering
    expected = float(nx.average_clustering(graph)) if graph.number_of_nodes() else 0.0
    assert average_clustering(edges) == expected


def _same(a: float, b: float) -> bool:
    """Equal to the bit: the same number with the same sign (zeros included), or both NaN."""
    return (a == b and np.copysign(1.0, a) == np.copysign(1.0, b)) or (a != a and b != b)


def test_scalar_clip_is_numpy_clip_to_the_last_bit():
    rng = np.random.default_rng(4)
    values = [*rng.normal(0.5, 1.0, 20_000), 0.0, -0.0, 1.0, 2.0, float("inf"), float("-inf"), float("nan")]
    for low, high in ((0.0, 1.0), (0.05, 1.0), (0.4, 1.0), (0.0, 2.0), (-0.0, 1.0)):
        assert all(_same(_clip(float(x), low, high), float(np.clip(x, low, high))) for x in values)


def _small_model(steps: int) -> PartneringModel:
    scenario = apply_overrides(load_scenario("changemaking"), {"population.councils": 8})
    return PartneringModel(scenario, rng=5).run(steps)


def test_remembered_values_match_a_fresh_reading_after_every_step():
    model = _small_model(0)
    for _ in range(10):
        model.step()
        for contract in model.live_contracts():
            fresh = sum(lot.slot.annual_value * lot.share for lot in contract.lots) * contract.unit_price
            assert contract.annual_value == pytest.approx(fresh, rel=1e-15)
        for council in model.councils:
            for slot in council.slots:
                fresh = sum(lot.share for c in slot.contracts for lot in c.lots if lot.slot is slot)
                assert slot.contracted_share == pytest.approx(fresh, rel=1e-15)


def test_trust_clustering_is_networkx_on_the_trust_network():
    model = _small_model(12)
    assert metrics.trust_clustering(model) == float(nx.average_clustering(trust_network(model)))


def test_remembered_evaluation_weights_follow_changed_principles():
    council = _small_model(1).councils[0]
    council.evaluation_weights()
    council.principles["collaborative"] = 0.1  # changed in place
    p = council.model.config.procurement
    assert council.evaluation_weights() == procurement.evaluation_weights(
        0.1, *(council.principles[k] for k in ("creative", "adaptable", "accountable", "place_based")), False, p)
    council.principles = dict.fromkeys(council.principles, 0.0)  # replaced
    assert council.evaluation_weights() == procurement.evaluation_weights(0, 0, 0, 0, 0, False, p)


def refresh() -> None:
    FOLDER.mkdir(exist_ok=True)
    for case in CASES:
        metrics, events = simulate(case)
        metrics_path, events_path = _paths(case)
        metrics.to_csv(metrics_path, index=False, float_format="%.17g")
        events.to_csv(events_path, index=False, float_format="%.17g")
        print(f"wrote {metrics_path} and {events_path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--refresh", action="store_true", help="rewrite the baselines from the current model")
    if parser.parse_args(sys.argv[1:]).refresh:
        refresh()
    else:
        parser.print_help()
