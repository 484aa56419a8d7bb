"""Sweep two levers with replications, compare the arms and write a report, all from Python.

    .venv/bin/python examples/sweep_levers.py [OUT]      # default OUT: results/sweep_levers

The sweep runs on a local process pool, streams its results to OUT as Parquet and resumes if
interrupted (run the script again). The same design gives the same numbers on any backend.
"""

from __future__ import annotations

import sys
from pathlib import Path

from partnering.experiments import (
    compare,
    grid_design,
    load_results,
    run_sweep,
    time_series,
    write_report,
)


def main(out: Path) -> None:
    design = grid_design(
        "transactional",
        {"principles.collaborative": [0.0, 0.5, 1.0], "policy.steering_groups": [False, True]},
        replications=10,
        steps=20,
        overrides={"population.councils": 8},
        name="collaboration x steering groups",
    )
    print(design.describe())
    summary = run_sweep(design, out)  # all local cores; pass executor= for Dask or your own pool
    print(f"{summary.ok} ran, {summary.skipped} already done, {summary.failed} failed")

    baseline = "transactional[collaborative=0,steering_groups=false]"
    table = compare(out, baseline=baseline, metrics=["service_quality", "public_trust", "sme_share"])
    columns = ["metric", "arm", "mean", "ci_low", "ci_high", "diff", "diff_low", "diff_high", "effect_size"]
    print(table[columns].round(3).to_string(index=False))

    trust = time_series(out, "public_trust")  # mean and 95% band per arm and step, for your own plots
    print(trust[trust["step"] == design.steps][["arm", "mean", "low", "high"]].round(3).to_string(index=False))

    runs = load_results(out).runs  # one row per run: arm, seed, status, every parameter
    print(runs.groupby("arm")["duration_s"].mean().round(2).rename("seconds per run").to_string())
    print(f"report: {write_report(out, baseline=baseline)}")


if __name__ == "__main__":  # required: worker processes are spawned and re-import this file
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("results/sweep_levers"))
