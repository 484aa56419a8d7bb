"""Shared machinery of the pattern tests: every arm is run for 20 replications through the sweep
runner, with common random numbers (replication r uses the same seed in every arm), and
differences are judged by a 95% confidence interval over replications that must exclude zero."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from partnering.experiments.patterns import per_replication
from partnering.scenarios import Scenario

REPLICATIONS = 20


@dataclass(frozen=True)
class Interval:
    """A mean with its 95% confidence interval."""

    mean: float
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0.0 or self.high < 0.0

    def __str__(self) -> str:
        return f"{self.mean:+.4f} [{self.low:+.4f}, {self.high:+.4f}]"


def mean_interval(values: np.ndarray) -> Interval:
    """Student-t 95% interval for a mean over replications."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean())
    if n < 2:
        return Interval(mean, -math.inf, math.inf)
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half)


def treated_minus_control(table: pd.DataFrame, treated: str) -> pd.DataFrame:
    """Per replication, the treated arm's readings minus the control's on the same seed: ``table``
    has one row per arm and replication, a ``replication`` column and a boolean column
    ``treated`` marking the treated arm."""
    flag = table[treated].astype(bool)
    assert flag.sum() == REPLICATIONS == (~flag).sum(), f"{treated}: expected {REPLICATIONS} replications an arm"
    arm = {True: table[flag], False: table[~flag]}
    return (arm[True].set_index("replication").drop(columns=treated)
            - arm[False].set_index("replication").drop(columns=treated))


class Results:
    """Per-replication summaries of each arm, aligned on the replication index."""

    def __init__(self, metrics: pd.DataFrame, events: pd.DataFrame) -> None:
        self.metrics = metrics
        self.events = events

    def read(self, arm_name: str, metric: str, how: str) -> pd.Series:
        """One reading (late, final, change, ...: see ``patterns.reading``) per replication."""
        frame = self.metrics[self.metrics["arm"] == arm_name]
        assert frame["replication"].nunique() >= REPLICATIONS, f"{arm_name}: too few replications"
        return per_replication(self.metrics, arm_name, metric, how)

    def difference(self, a: pd.Series, b: pd.Series) -> Interval:
        """Paired difference a - b over replications (common random numbers)."""
        joined = pd.concat([a, b], axis=1, join="inner").dropna()
        assert len(joined) >= REPLICATIONS
        return mean_interval((joined.iloc[:, 0] - joined.iloc[:, 1]).to_numpy())


def run_arms(arms: list[Scenario], steps: int, replications: int, out_dir) -> Results:
    """Run every arm for ``replications`` through the project's sweep runner."""
    from partnering.experiments import run_arms_for_validation

    metrics, events = run_arms_for_validation(arms, steps=steps, replications=replications, out_dir=out_dir)
    return Results(metrics, events)


@pytest.fixture(scope="session")
def patterns(tmp_path_factory) -> Results:
    """The arms of every asserted pattern (``patterns.validation_arms``), run once for the session;
    the claims the model does not reproduce are run and reported by the validation report."""
    from partnering.experiments.patterns import STEPS, validation_arms

    return run_arms(validation_arms(asserted_only=True), STEPS, REPLICATIONS, tmp_path_factory.mktemp("patterns"))
