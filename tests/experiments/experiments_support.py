"""Helpers shared by the experiment tests; importable by worker processes, which inherit sys.path
and so can unpickle the test hooks defined here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from partnering.experiments import Design, load_results, scenario_design
from partnering.experiments.runner import simulate
from partnering.scenarios import Scenario

SMALL = {"population.councils": 4}
STEPS = 6
VOLATILE = ("duration_s", "cpu_s", "finished_at", "worker")
"""Runs-table columns that legitimately differ between two executions of the same run."""


def small_design(replications: int = 3, steps: int = STEPS) -> Design:
    return scenario_design(["transactional", "changemaking"], replications=replications, steps=steps,
                           overrides=SMALL)


def tidy(out: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Metrics, runs (without timings) and events of a sweep, in a canonical order."""
    results = load_results(out)
    metrics = results.metrics().sort_values(["run_id", "step"], ignore_index=True)
    runs = results.runs.drop(columns=list(VOLATILE)).sort_values("run_id", ignore_index=True)
    events = results.events()
    if len(events):
        events = events.sort_values(["run_id", "step", "kind", "text"], ignore_index=True)
    return metrics, runs, events


def assert_same_results(a: Path, b: Path) -> None:
    """Two sweep folders hold exactly the same runs and numbers (timings aside)."""
    metrics_a, runs_a, events_a = tidy(a)
    metrics_b, runs_b, events_b = tidy(b)
    pd.testing.assert_frame_equal(runs_a, runs_b)
    pd.testing.assert_frame_equal(metrics_a, metrics_b, check_exact=True)
    pd.testing.assert_frame_equal(events_a, events_b)


@dataclass(frozen=True)
class FailForSeed:
    """Runs the model, except that it raises for one replication seed (in every arm)."""

    seed: int

    def __call__(self, scenario: Scenario, seed: int, steps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        if seed == self.seed:
            raise RuntimeError(f"injected failure for seed {seed}")
        return simulate(scenario, seed, steps)
