"""Run a handful of scenarios with replications and get tidy frames back in one call.

For notebooks and the replicated pattern tests: the same sweep machinery (seeds, executors,
Parquet store) as ``partnering sweep``, with the results read back into memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from partnering.experiments.design import DEFAULT_ROOT_SEED, scenario_design
from partnering.experiments.results import SweepResults
from partnering.experiments.sweep import run_sweep
from partnering.scenarios import Scenario


def run_arms(arms: Sequence[Scenario | str | Path], steps: int, replications: int = 20,
             out: str | Path | None = None, workers: int | None = None, root_seed: int = DEFAULT_ROOT_SEED,
             allow_failures: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run each arm (named by its scenario's name) for ``replications`` common seeds.

    Returns ``(metrics, events)``: tidy frames keyed by ``arm``, ``replication`` and ``step``.
    Without ``out`` the results live in a temporary folder that is removed afterwards. A failed
    run raises with its traceback unless ``allow_failures``.
    """
    if out is None:
        with tempfile.TemporaryDirectory(prefix="partnering-") as folder:
            return run_arms(arms, steps, replications, folder, workers, root_seed, allow_failures)
    design = scenario_design(list(arms), replications=replications, steps=steps, root_seed=root_seed)
    run_sweep(design, out, workers=workers)
    results = SweepResults(out)
    failures = results.failures()
    if len(failures) and not allow_failures:
        first = failures.iloc[0]
        raise RuntimeError(f"{len(failures)} run(s) failed; first: {first['arm']} replication "
                           f"{first['replication']}:\n{first['error']}")
    return results.metrics(), results.events()


def run_arms_for_validation(arms: Sequence[Scenario | str | Path], steps: int, replications: int,
                            out_dir: str | Path, workers: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`run_arms` as the replicated pattern tests call it (results kept in ``out_dir``)."""
    return run_arms(arms, steps, replications, out=out_dir, workers=workers)
