"""Figures and tables for docs/validation.md: every pattern's contrast with its 95% interval, a
figure for one contrast of each pattern, and the uk_2018 run against the real figures.

Run it with ``python -m partnering.experiments.validation_report OUT_DIR`` (``make validation``);
it runs the same arms as the pattern tests through the sweep runner.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import astuple
from pathlib import Path

import numpy as np
import pandas as pd

from partnering.experiments.batch import run_arms
from partnering.experiments.patterns import ALL, STEPS, Interaction, by_key, validation_arms
from partnering.experiments.stats import mean_interval
from partnering.model.catalogue import CATALOGUE
from partnering.scenarios import load_scenario
from partnering.scenarios.anchors import uk_anchors

ANCHORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("sme_share", "SME share of council third-party spend", ("spend", "councils_2022", "sme_share")),
    ("vcse_share", "VCSE share of council third-party spend", ("spend", "councils_2022", "vcse_share")),
    ("single_bid_share", "single-bid share of awarded tenders (EU 2024; green <= 0.10, red > 0.20)",
     ("market_health", "single_bid_eu_2024")),
    ("hhi", "HHI of outsourced contract value (high concentration from 1,800)",
     ("market_health", "hhi_high_concentration")),
    ("top5_share", "share of spend with the five largest suppliers (central government strategic suppliers, 2018)",
     ("spend", "central_government", "strategic_supplier_share_2018")),
)
"""(metric, what it is, where the real figure sits in the package's data/uk_anchors.toml)."""

FIGURES: tuple[tuple[str, str], ...] = (
    ("1-race-to-the-bottom", "price_only_distresses_suppliers"),
    ("2-sme-share", "place_based_holds_sme_share"),
    ("3-trust", "adaptability_raises_supplier_trust"),
    ("4-collapse", "collapse_damage_smaller_in_diverse_market"),
    ("5-insourcing", "thin_markets_insource"),
    ("6-rigidity", "adaptable_meets_rising_demand"),
)
"""(figure, pattern key): each figure shows that contrast's two arms over time with 95% bands."""


def bands(metrics: pd.DataFrame, metric: str, arm: str) -> pd.DataFrame:
    """Mean and 95% band (Student t over replications) of a metric per step for one arm."""
    from scipy import stats

    frame = metrics[metrics["arm"] == arm].groupby("step")[metric]
    mean, sd, n = frame.mean(), frame.std(ddof=1), frame.count()
    half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
    return pd.DataFrame({"mean": mean, "low": mean - half, "high": mean + half})


def pattern_figure(metrics: pd.DataFrame, metric: str, arms: Sequence[str], label: str, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 3.4), dpi=110)
    for arm in arms:
        b = bands(metrics, metric, arm)
        ax.plot(b.index / 4.0, b["mean"], label=arm)
        ax.fill_between(b.index / 4.0, b["low"], b["high"], alpha=0.25)
    ax.set_xlabel("years")
    ax.set_ylabel(label)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def contrast_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """Every pattern's paired difference (common seeds), its 95% interval, and whether it holds."""
    rows = []
    for pattern in ALL:
        values = pattern.values(metrics)
        mean, low, high, _, _ = astuple(mean_interval(values))
        if isinstance(pattern, Interaction):
            cause = ", ".join(pattern.factor)
        else:
            cause = pattern.package or ", ".join(pattern.cause)
        expect = {1: "+", -1: "-"}.get(pattern.expect, f"0 ± {getattr(pattern, 'margin', 0.0):g}")
        rows.append({"pattern": pattern.key, "metric": pattern.metric, "cause": cause, "expect": expect,
                     "difference": mean, "ci_low": low, "ci_high": high, "n": len(values),
                     "holds": bool(pattern.holds(low, high)), "asserted": pattern.asserted})
    return pd.DataFrame(rows)


def anchor_table(metrics: pd.DataFrame, step: int) -> pd.DataFrame:
    """The uk_2018 run at the survey step against each real figure, with the model's 95% interval."""
    from scipy import stats

    at = metrics[metrics["step"] == step]
    rows = []
    for metric, what, path in ANCHORS:
        table = uk_anchors()
        for key in path[:-1]:
            table = table[key]
        real, source = float(table[path[-1]]), table["source"]
        values = at[metric].to_numpy(dtype=float)
        mean = float(values.mean())
        half = float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
        rows.append({"metric": metric, "what": what, "real": real, "model": mean, "ci_low": mean - half,
                     "ci_high": mean + half, "source": source})
    return pd.DataFrame(rows)


def untuned_table(replications: int = 20, root_seed: int = 20_181_231) -> pd.DataFrame:
    """Every calibration moment for ``uk_2018`` as shipped and with its calibrated parameters put
    back to their declared defaults, on the same seeds: what the calibration changed."""
    from partnering.experiments.calibration import MOMENTS, reproduce, untuned

    shipped = load_scenario("uk_2018")
    calibrated = reproduce(shipped, replications, root_seed)
    default = reproduce(untuned(shipped), replications, root_seed)
    rows = []
    for m in MOMENTS:
        rows.append({"moment": m.name, "role": m.role, "target": m.target, "tolerance": m.tolerance,
                     "untuned": float(default[m.name].mean()), "calibrated": float(calibrated[m.name].mean())})
    return pd.DataFrame(rows)


def build(out: Path, replications: int = 20, runs: Path | None = None) -> dict[str, object]:
    """Run the pattern tests' arms, draw the figures into ``out`` and return the tables. With
    ``runs`` the sweeps are kept there, so an interrupted report resumes where it stopped."""
    out.mkdir(parents=True, exist_ok=True)
    folder = (lambda name: runs / name) if runs is not None else (lambda name: None)
    metrics, _ = run_arms(validation_arms(), steps=STEPS, replications=replications, out=folder("patterns"))
    figures = {}
    for name, key in FIGURES:
        pattern = by_key(key)
        control, treated = pattern.arms()
        label = CATALOGUE[pattern.metric].label if pattern.metric in CATALOGUE else pattern.metric
        figures[name] = pattern_figure(metrics, pattern.metric, (control.name, treated.name), label, out / f"{name}.png")
    contrasts = contrast_table(metrics)
    contrasts.to_csv(out / "contrasts.csv", index=False)
    uk = load_scenario("uk_2018")
    step = uk.run.survey_step or uk.run.steps
    uk_metrics, _ = run_arms([uk], steps=step, replications=replications, out=folder("uk_2018"))
    anchors = anchor_table(uk_metrics, step)
    anchors.to_csv(out / "anchors.csv", index=False)
    untuned = untuned_table(replications)
    untuned.to_csv(out / "untuned.csv", index=False)
    return {"figures": figures, "anchors": anchors, "contrasts": contrasts, "untuned": untuned}


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A plain Markdown table (no extra dependency)."""
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.{digits}f}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="folder for the figures and tables")
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--runs", type=Path, default=None, help="folder to keep the runs in (resumable)")
    args = parser.parse_args()
    result = build(args.out, args.replications, args.runs)
    print(markdown(result["contrasts"], 4))
    print()
    print(markdown(result["anchors"]))
    print()
    print(markdown(result["untuned"]))
    for path in result["figures"].values():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
