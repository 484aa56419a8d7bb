"""Figures and tables for docs/validation.md: each pattern's arms with 95% confidence bands, and
the uk_2018 run against the real figures the model can speak to.

Run it with ``python -m partnering.experiments.validation_report OUT_DIR`` (``make validation``);
it runs the same arms as the pattern tests through the sweep runner.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from partnering.experiments.batch import run_arms
from partnering.scenarios import Scenario, apply_overrides, load_scenario
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

PATTERN_FIGURES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("1-race-to-the-bottom", "mean_margin", ("transactional", "collaborative"), "realised margin"),
    ("1-failures", "supplier_failures", ("transactional", "collaborative"), "supplier failures (cumulative)"),
    ("2-concentration", "hhi", ("transactional", "place_based"), "HHI of outsourced value"),
    ("2-sme-share", "sme_share", ("transactional", "place_based"), "SME share of spend"),
    ("3-trust", "trust_council_supplier", ("transactional", "changemaking"), "council->supplier trust"),
    ("3-monitoring", "monitoring_cost", ("transactional", "changemaking"), "monitoring cost per £ contracted"),
    ("3-exploited", "abused_trust", ("transactional|hostile", "changemaking|hostile"), "abused trust (hostile world)"),
    ("4-collapse", "disruption", ("supplier_collapse|concentrated", "supplier_collapse|diverse"),
     "service-quarters disrupted"),
    ("5-insourcing", "share_in_house", ("transactional|skills=0.15", "transactional|skills=0.95"), "share in-house"),
    ("6-rigidity", "unmet_need", ("rising_demand", "rising_demand|adaptable=0.8"), "unmet need"),
)

CONTRASTS: tuple[tuple[str, str, str, str], ...] = (
    ("1", "mean_margin", "transactional", "collaborative"),
    ("1", "distressed_share", "transactional", "collaborative"),
    ("2", "sme_share", "place_based", "transactional"),
    ("3", "trust_council_supplier", "changemaking", "transactional"),
    ("3", "trust_supplier_council", "changemaking", "transactional"),
    ("3", "monitoring_cost", "changemaking", "transactional"),
    ("3", "abused_trust", "changemaking|hostile", "transactional|hostile"),
    ("3", "service_quality", "changemaking|hostile", "changemaking"),
    ("5", "share_in_house", "transactional|skills=0.15", "transactional|skills=0.95"),
    ("6", "unmet_need", "rising_demand", "rising_demand|adaptable=0.8"),
)
"""(pattern, metric, arm a, arm b): paired differences a - b over the last two years, shown in
docs/validation.md beside the figures (the tests in tests/validation assert these and more)."""

HOSTILE = {"world.supplier_opportunism": 0.75, "world.commercial_capability": 0.2}


def _named(scenario: Scenario, name: str) -> Scenario:
    return scenario.model_copy(update={"name": name})


def pattern_arms() -> list[Scenario]:
    """The arms the figures show (a subset of the pattern tests' arms, with readable names)."""
    base = load_scenario
    return [
        base("transactional"),
        base("collaborative"),
        base("place_based"),
        base("changemaking"),
        _named(apply_overrides(base("transactional"), HOSTILE), "transactional|hostile"),
        _named(apply_overrides(base("changemaking"), HOSTILE), "changemaking|hostile"),
        _named(apply_overrides(base("transactional"), {"world.commercial_capability": 0.15}), "transactional|skills=0.15"),
        _named(apply_overrides(base("transactional"), {"world.commercial_capability": 0.95}), "transactional|skills=0.95"),
        _named(apply_overrides(base("supplier_collapse"), {"population.history_level": 0.0}), "supplier_collapse|concentrated"),
        _named(apply_overrides(base("supplier_collapse"), {"population.history_level": 0.9}), "supplier_collapse|diverse"),
        base("rising_demand"),
        _named(apply_overrides(base("rising_demand"), {"principles.adaptable": 0.8}), "rising_demand|adaptable=0.8"),
    ]


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
    """Each contrast's paired difference (common seeds) over the last two years, with its 95% CI."""
    from scipy import stats

    late = metrics[metrics["step"] >= 33].groupby(["arm", "replication"]).mean(numeric_only=True)
    rows = []
    for pattern, metric, a, b in CONTRASTS:
        diff = (late.loc[a][metric] - late.loc[b][metric]).dropna().to_numpy()
        mean = float(diff.mean())
        half = float(stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff)))
        rows.append({"pattern": pattern, "metric": metric, "a": a, "b": b, "difference": mean,
                     "ci_low": mean - half, "ci_high": mean + half, "n": len(diff)})
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


def build(out: Path, replications: int = 20) -> dict[str, object]:
    """Run the arms, draw the figures into ``out`` and return the tables."""
    out.mkdir(parents=True, exist_ok=True)
    metrics, _ = run_arms(pattern_arms(), steps=40, replications=replications)
    figures = {name: pattern_figure(metrics, metric, arms, label, out / f"{name}.png")
               for name, metric, arms, label in PATTERN_FIGURES}
    contrasts = contrast_table(metrics)
    contrasts.to_csv(out / "contrasts.csv", index=False)
    uk = load_scenario("uk_2018")
    step = uk.run.survey_step or uk.run.steps
    uk_metrics, _ = run_arms([uk], steps=step, replications=replications)
    anchors = anchor_table(uk_metrics, step)
    anchors.to_csv(out / "anchors.csv", index=False)
    return {"figures": figures, "anchors": anchors, "contrasts": contrasts}


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
    args = parser.parse_args()
    result = build(args.out, args.replications)
    print(markdown(result["contrasts"], 4))
    print()
    print(markdown(result["anchors"]))
    for path in result["figures"].values():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
