"""Shared machinery of the pattern tests: every arm is run for 20 replications through the sweep
runner, with common random numbers (replication r uses the same seed in every arm), and
differences are judged by a 95% confidence interval over replications that must exclude zero."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from partnering.experiments.calibration import read_moments
from partnering.experiments.design import grid_design
from partnering.experiments.patterns import per_replication
from partnering.experiments.results import SweepResults
from partnering.experiments.sweep import run_sweep
from partnering.rules.units import QUARTERS_PER_YEAR
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


def one_cause_contrast(base: Scenario, parameter: str, control: float, treated: float, *, root_seed: int,
                       name: str, folder: Path, read: Callable[[dict[str, float], pd.DataFrame], dict[str, float]]
                       ) -> pd.DataFrame:
    """Per replication, the readings of ``base`` with ``parameter`` at ``treated`` minus those at
    ``control``, on the same seed (20 replications, the run's full length, two workers).

    ``read(moments, late)`` gives a run's readings from its calibration moments
    (:func:`partnering.experiments.calibration.read_moments`) and its last two years of metrics.
    """
    design = grid_design(base, {parameter: [control, treated]}, replications=REPLICATIONS, steps=base.run.steps,
                         root_seed=root_seed, name=name)
    run_sweep(design, folder, workers=2)
    treated_arms = {p.arm for p in design.points if p.overrides[parameter] == treated}
    late_from = base.run.steps - 2 * QUARTERS_PER_YEAR
    rows = [{"treated": arm in treated_arms, "replication": replication,
             **read(read_moments(frame, base), frame[frame["step"] > late_from])}
            for (arm, replication), frame in SweepResults(folder).metrics().groupby(["arm", "replication"])]
    table = pd.DataFrame(rows)
    flag = table["treated"]
    assert flag.sum() == REPLICATIONS == (~flag).sum(), f"{name}: expected {REPLICATIONS} replications an arm"
    return (table[flag].set_index("replication").drop(columns="treated")
            - table[~flag].set_index("replication").drop(columns="treated"))


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
