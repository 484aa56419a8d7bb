"""Shared machinery of the pattern tests: every arm is run for 20 replications through the sweep
runner, with common random numbers (replication r uses the same seed in every arm), and
differences are judged by a 95% confidence interval over replications that must exclude zero."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from partnering.scenarios import Scenario, apply_overrides, load_scenario

REPLICATIONS = 20
STEPS = 40
LATE = slice(33, 41)  # the last two years (steps 33..40), where outcomes have settled
HOSTILE = {"world.supplier_opportunism": 0.75, "world.commercial_capability": 0.2}


def arm(name: str, **overrides: float) -> Scenario:
    """A built-in scenario with ``section__field=value`` overrides, renamed for the record."""
    updates = {key.replace("__", "."): value for key, value in overrides.items()}
    scenario = apply_overrides(load_scenario(name), updates) if updates else load_scenario(name)
    label = name + "".join(f"|{k}={v}" for k, v in sorted(updates.items()))
    return scenario.model_copy(update={"name": label})


def with_integration(scenario: Scenario, level: float) -> Scenario:
    """Every service of the catalogue with the same need to integrate with other services."""
    services = tuple(s.model_copy(update={"integration": level}) for s in scenario.services)
    return scenario.model_copy(update={"services": services, "name": f"{scenario.name}|integration={level}"})


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


class Results:
    """Per-replication summaries of each arm, aligned on the replication index."""

    def __init__(self, metrics: pd.DataFrame, events: pd.DataFrame) -> None:
        self.metrics = metrics
        self.events = events

    def per_replication(self, arm_name: str, reducer: Callable[[pd.DataFrame], float]) -> pd.Series:
        frame = self.metrics[self.metrics["arm"] == arm_name]
        assert frame["replication"].nunique() >= REPLICATIONS, f"{arm_name}: too few replications"
        return frame.groupby("replication").apply(reducer, include_groups=False)

    def late(self, arm_name: str, metric: str) -> pd.Series:
        """Mean of a metric over the last two years, per replication."""
        return self.per_replication(arm_name, lambda f: f.set_index("step")[metric].loc[LATE].mean())

    def final(self, arm_name: str, metric: str) -> pd.Series:
        return self.per_replication(arm_name, lambda f: f.set_index("step")[metric].iloc[-1])

    def change(self, arm_name: str, metric: str) -> pd.Series:
        """Last two years against the first year, per replication."""
        return self.per_replication(
            arm_name, lambda f: f.set_index("step")[metric].loc[LATE].mean() - f.set_index("step")[metric].loc[0:4].mean()
        )

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
    """All the arms the pattern tests need, run once for the whole session."""
    arms = [
        arm("transactional"),
        arm("collaborative"),
        arm("place_based"),
        arm("changemaking"),
        arm("transactional", **{k.replace(".", "__"): v for k, v in HOSTILE.items()}),
        arm("changemaking", **{k.replace(".", "__"): v for k, v in HOSTILE.items()}),
        arm("adaptable"),
        arm("rising_demand"),
        arm("rising_demand", principles__adaptable=0.8),
        arm("transactional", population__large_suppliers=2, population__smes_per_place=0),
        arm("transactional", world__demand_volatility=3.0),
        arm("transactional", world__commercial_capability=0.15),
        arm("transactional", world__commercial_capability=0.95),
        with_integration(arm("transactional"), 0.9),
        with_integration(arm("transactional"), 0.1),
    ]
    return run_arms(arms, STEPS, REPLICATIONS, tmp_path_factory.mktemp("patterns"))


COLLAPSE_STEPS = 20


@pytest.fixture(scope="session")
def collapse(tmp_path_factory) -> Results:
    """The largest supplier failing in year 3, in concentrated and diverse starting markets."""
    arms = [
        arm("transactional"),
        arm("supplier_collapse", population__history_level=0.0),
        arm("supplier_collapse", population__history_level=0.9),
    ]
    return run_arms(arms, COLLAPSE_STEPS, REPLICATIONS, tmp_path_factory.mktemp("collapse"))
