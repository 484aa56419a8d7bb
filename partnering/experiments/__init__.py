"""Experiments at scale: designs, sweeps on any executor, Parquet results, analysis and reports.

A researcher's whole workflow is a few calls::

    from partnering.experiments import scenario_design, run_sweep, compare, write_report

    design = scenario_design(["transactional", "changemaking"], replications=20, steps=40)
    run_sweep(design, "results/mine")            # local process pool; resumable
    print(compare("results/mine", baseline="transactional"))
    write_report("results/mine")

    result = explore(["transactional", "changemaking"], "results/futures",   # futures x policies
                     uncertainties=["world.supplier_opportunism", "world.demand_growth"],
                     questions=["value_for_money: changemaking worse than transactional"])
    print(result.boxes, result.robustness)

Names are imported on first use (PEP 562), so a worker process that only runs models does
not pay for scipy, SALib or matplotlib.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Design": "design", "Point": "design", "RunSpec": "design", "scenario_design": "design",
    "grid_design": "design", "lhs_design": "design", "salib_design": "design",
    "replication_seeds": "design",
    "RunResult": "runner", "run_one": "runner",
    "run_sweep": "sweep", "SweepSummary": "sweep", "Progress": "sweep", "SerialExecutor": "sweep",
    "process_pool": "sweep", "dask_executor": "sweep", "ExecutorFailed": "sweep",
    "SweepError": "store",
    "SweepResults": "results", "load_results": "results",
    "compare": "analysis", "time_series": "analysis", "HEADLINE_METRICS": "analysis",
    "to_salib_problem": "problem", "salib_sample": "problem",
    "salib_analyze": "sensitivity_analysis",
    "sensitivity": "sensitivity_analysis",
    "write_report": "report",
    "SweepSpec": "spec", "load_spec": "spec", "design_from_spec": "spec",
    "run_demo": "demo", "demo_design": "demo",
    "ema_model": "ema",
    "rich_progress": "progress",
    "run_arms": "batch", "run_arms_for_validation": "batch",
    "explore": "exploration", "explore_design": "exploration", "analyse_exploration": "exploration",
    "Exploration": "exploration", "Policy": "exploration", "Settings": "exploration",
    "parse_question": "questions", "parse_threshold": "questions",
    "prim_boxes": "discovery", "cart_leaves": "discovery", "discover": "discovery",
    "regret": "robustness", "robustness_table": "robustness", "satisficing": "robustness",
    "recommend": "robustness",
}

__all__ = [
    "HEADLINE_METRICS",
    "Design",
    "ExecutorFailed",
    "Exploration",
    "Point",
    "Policy",
    "Progress",
    "RunResult",
    "RunSpec",
    "SerialExecutor",
    "Settings",
    "SweepError",
    "SweepResults",
    "SweepSpec",
    "SweepSummary",
    "analyse_exploration",
    "cart_leaves",
    "compare",
    "dask_executor",
    "demo_design",
    "design_from_spec",
    "discover",
    "ema_model",
    "explore",
    "explore_design",
    "grid_design",
    "lhs_design",
    "load_results",
    "load_spec",
    "parse_question",
    "parse_threshold",
    "prim_boxes",
    "process_pool",
    "recommend",
    "regret",
    "replication_seeds",
    "rich_progress",
    "robustness_table",
    "run_arms",
    "run_arms_for_validation",
    "run_demo",
    "run_one",
    "run_sweep",
    "salib_analyze",
    "salib_design",
    "salib_sample",
    "satisficing",
    "scenario_design",
    "sensitivity",
    "time_series",
    "to_salib_problem",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'partnering.experiments' has no attribute {name!r}")
    value = getattr(import_module(f"partnering.experiments.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names load on first use
    from partnering.experiments.analysis import HEADLINE_METRICS, compare, time_series
    from partnering.experiments.batch import run_arms, run_arms_for_validation
    from partnering.experiments.demo import demo_design, run_demo
    from partnering.experiments.design import (
        Design,
        Point,
        RunSpec,
        grid_design,
        lhs_design,
        replication_seeds,
        salib_design,
        scenario_design,
    )
    from partnering.experiments.discovery import cart_leaves, discover, prim_boxes
    from partnering.experiments.ema import ema_model
    from partnering.experiments.exploration import (
        Exploration,
        Policy,
        Settings,
        analyse_exploration,
        explore,
        explore_design,
    )
    from partnering.experiments.problem import salib_sample, to_salib_problem
    from partnering.experiments.progress import rich_progress
    from partnering.experiments.questions import parse_question, parse_threshold
    from partnering.experiments.report import write_report
    from partnering.experiments.results import SweepResults, load_results
    from partnering.experiments.robustness import recommend, regret, robustness_table, satisficing
    from partnering.experiments.runner import RunResult, run_one
    from partnering.experiments.sensitivity_analysis import salib_analyze, sensitivity
    from partnering.experiments.spec import SweepSpec, design_from_spec, load_spec
    from partnering.experiments.store import SweepError
    from partnering.experiments.sweep import (
        ExecutorFailed,
        Progress,
        SerialExecutor,
        SweepSummary,
        dask_executor,
        process_pool,
        run_sweep,
    )
