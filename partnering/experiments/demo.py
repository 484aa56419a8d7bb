"""The headline experiment behind ``make demo``: transactional contracting against changemaking
partnering and the full policy package, replicated, over ten years."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from partnering.experiments.analysis import compare
from partnering.experiments.design import DEFAULT_ROOT_SEED, Design, scenario_design
from partnering.experiments.report import write_report
from partnering.experiments.store import conflict, read_manifest
from partnering.experiments.sweep import Progress, SweepSummary, run_sweep

DEMO_NAME = "headline: transactional vs changemaking vs policy package"
DEMO_SCENARIOS = ("transactional", "changemaking", "policy_package")
DEMO_REPLICATIONS = 30
DEMO_STEPS = 40
DEMO_OUT = Path("results/demo")


@dataclass(frozen=True)
class DemoResult:
    """What the demo produced: the sweep summary, the comparison table and the report's path."""

    summary: SweepSummary
    comparison: pd.DataFrame
    report: Path


def demo_design(replications: int = DEMO_REPLICATIONS, steps: int = DEMO_STEPS,
                root_seed: int = DEFAULT_ROOT_SEED) -> Design:
    """The three headline arms, ``replications`` seeds each, ten years by default."""
    return scenario_design(DEMO_SCENARIOS, replications=replications, steps=steps, root_seed=root_seed,
                           name=DEMO_NAME)


def run_demo(out: str | Path = DEMO_OUT, replications: int = DEMO_REPLICATIONS, steps: int = DEMO_STEPS,
             workers: int | None = None, progress: Callable[[Progress], None] | None = None) -> DemoResult:
    """Run (or resume) the headline sweep, compare it with transactional, and write the report.

    A previous demo in ``out`` made with other settings or older model code is replaced, since
    the folder belongs to the demo; any other sweep there is refused as usual.
    """
    out = Path(out)
    design = demo_design(replications, steps)
    stale = conflict(out, design) is not None and read_manifest(out).get("name") == DEMO_NAME
    summary = run_sweep(design, out, workers=workers, progress=progress, overwrite=stale)
    comparison = compare(out, baseline="transactional")
    report = write_report(out, baseline="transactional")
    return DemoResult(summary, comparison, report)
