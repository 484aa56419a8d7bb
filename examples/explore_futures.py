"""Explore futures against policies from Python: run, find the boxes, rank the policies.

    .venv/bin/python examples/explore_futures.py [OUT]      # default OUT: results/explore

The same design as examples/explore_futures.toml, so either resumes what the other started.
Every result is a tidy pandas frame; the report is the same as `partnering report OUT`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from partnering.experiments import explore, write_report

UNCERTAINTIES = [
    "world.supplier_opportunism", "world.commercial_capability", "world.demand_growth",
    "world.demand_volatility", "world.budget_growth", "behaviour.trust_loss_rate", "behaviour.trust_gain_rate",
]


def main(out: Path) -> None:
    result = explore(
        ["transactional", "changemaking", "policy_package"], out,
        uncertainties=UNCERTAINTIES, futures=200, replications=2, steps=40, root_seed=1,
        name="where changemaking pays",
        questions=["value_for_money: changemaking worse than transactional", "public_trust: changemaking < 0.5"],
        thresholds=["service_quality >= 0.7", "supplier_failures <= 6"],
        metrics=["service_quality", "value_for_money", "public_trust", "supplier_failures", "sme_share"],
    )  # all local cores; pass executor= or dask="tcp://127.0.0.1:8786" for a cluster
    summary = result.summary
    print(f"{summary.ok} ran, {summary.skipped} already done, {summary.failed} failed")
    print(result.cases[["question", "futures", "holds", "share"]].to_string(index=False))
    print(result.boxes[["question", "box", "coverage", "density", "lift", "words"]].round(2).to_string(index=False))
    print(result.limits[["question", "box", "parameter", "low", "high", "qp"]].round(3).to_string(index=False))
    table = result.robustness[["metric", "policy", "median", "mean_regret", "p90_regret", "max_regret"]]
    print(table.round(3).to_string(index=False))
    picks = result.recommendations
    print(picks.pivot(index="metric", columns="criterion", values="policy").fillna("").to_string())
    # one row per (future, policy): join the futures for your own plots or models
    joined = result.outcomes.merge(result.futures, left_on="future", right_index=True)
    print(joined.groupby("policy")["value_for_money"].corr(joined["world.supplier_opportunism"]).round(2).to_string())
    print(f"report: {write_report(out)}")


if __name__ == "__main__":  # required: worker processes are spawned and re-import this file
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("results/explore"))
