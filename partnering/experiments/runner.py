"""Run one model: the unit of work every backend executes.

:func:`run_one` is the researcher's entry point. :func:`execute` is what a sweep ships to a
worker: it never raises for a model error, but returns the traceback as a failed outcome so the
sweep goes on. This module stays light (no scipy, SALib or matplotlib) because every worker
process imports it.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from partnering.scenarios import Scenario, apply_overrides, load_scenario

Simulate = Callable[[Scenario, int, int], tuple[pd.DataFrame, pd.DataFrame]]
"""Runs a scenario with a seed for some steps; returns (per-step metrics, event log)."""


@dataclass(frozen=True)
class RunResult:
    """One run's outputs: per-step metrics, the event log and the parameters it ran with."""

    metrics: pd.DataFrame
    events: pd.DataFrame
    parameters: dict[str, Any]
    scenario: Scenario
    seed: int
    steps: int


def simulate(scenario: Scenario, seed: int, steps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The model itself: a seeded PartneringModel run for ``steps`` quarters."""
    from partnering.model.model import PartneringModel

    model = PartneringModel(scenario, rng=seed).run(steps)
    return model.metrics_frame(), model.events.to_frame()


def run_one(scenario: Scenario | str | Path, seed: int, steps: int | None = None,
            overrides: Mapping[str, Any] | None = None) -> RunResult:
    """Run one scenario once; ``steps`` defaults to the scenario's horizon.

    >>> result = run_one("changemaking", seed=1, steps=2, overrides={"population.councils": 2})
    >>> list(result.metrics["step"])
    [0, 1, 2]
    """
    config = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        config = apply_overrides(config, dict(overrides))
    horizon = config.run.steps if steps is None else steps
    metrics, events = simulate(config, seed, horizon)
    return RunResult(metrics, events, config.flat(), config, seed, horizon)


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run: its identity, the resolved scenario and the horizon."""

    run_id: str
    point: int
    arm: str
    replication: int
    seed: int
    steps: int
    scenario: Scenario


@dataclass(frozen=True)
class RunOutcome:
    """What a worker sends back; metrics and events are None for a failed run."""

    task: RunTask
    status: str
    error: str
    duration_s: float
    cpu_s: float
    finished_at: float
    package_version: str
    worker: str
    metrics: pd.DataFrame | None
    events: pd.DataFrame | None


def execute(task: RunTask, run: Simulate = simulate) -> RunOutcome:
    """Run a task, turning any exception from the model into a failed outcome with its traceback."""
    from partnering import __version__

    worker = f"{socket.gethostname()}:{os.getpid()}"
    start, cpu = time.perf_counter(), time.process_time()
    try:
        metrics, events = run(task.scenario, task.seed, task.steps)
        if len(metrics) != task.steps + 1:
            raise RuntimeError(f"expected {task.steps + 1} rows of metrics (steps 0..{task.steps}), got {len(metrics)}")
    except (Exception, SystemExit):  # a run that calls sys.exit fails alone, not the sweep
        return RunOutcome(task, "failed", traceback.format_exc(), time.perf_counter() - start,
                          time.process_time() - cpu, time.time(), __version__, worker, None, None)
    return RunOutcome(task, "ok", "", time.perf_counter() - start, time.process_time() - cpu, time.time(),
                      __version__, worker, metrics, events)
