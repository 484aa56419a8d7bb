"""Figures for reports: built on ``matplotlib.figure.Figure`` directly (Agg), so no global
pyplot state and no display is needed; each function returns a Figure or PNG bytes."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from partnering.experiments.analysis import Source, time_series
from partnering.experiments.sensitivity_analysis import MAIN_INDEX

COLOURS = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6c4f9c", "#00798c", "#8f6a4d", "#5c5c5c")


def png(figure: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (rendered by Agg)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def data_uri(figure: Figure, dpi: int = 110) -> str:
    """The figure as a base64 ``data:`` URI, so an HTML file carries its own images."""
    return "data:image/png;base64," + base64.b64encode(png(figure, dpi)).decode("ascii")


def time_series_figure(results: Source, metrics: Sequence[str], arms: Sequence[str] | None = None,
                       level: float = 0.95, columns: int = 3, year_steps: int = 4) -> Figure:
    """Small multiples: the mean of each metric over time per arm, with its confidence band."""
    rows = math.ceil(len(metrics) / columns)
    figure = Figure(figsize=(4.2 * columns, 2.8 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    legend_done = False
    for index, metric in enumerate(metrics):
        ax = axes[index // columns][index % columns]
        frame = time_series(results, metric, arms=arms, level=level)
        for colour_index, (arm, group) in enumerate(frame.groupby("arm", sort=False)):
            colour = COLOURS[colour_index % len(COLOURS)]
            years = group["step"] / year_steps
            ax.plot(years, group["mean"], color=colour, linewidth=1.6, label=arm)
            ax.fill_between(years, group["low"], group["high"], color=colour, alpha=0.18, linewidth=0)
        ax.set_title(metric.replace("_", " "), fontsize=10)
        ax.set_xlabel("years", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if not legend_done and len(frame):
            ax.legend(fontsize=7, loc="best")
            legend_done = True
    for index in range(len(metrics), rows * columns):
        axes[index // columns][index % columns].set_visible(False)
    figure.suptitle(f"mean over replications with {level:.0%} confidence band", fontsize=10)
    return figure


def effect_size_figure(comparison: pd.DataFrame) -> Figure:
    """Cohen's d of each arm against the baseline, per metric, at the last horizon compared."""
    last = comparison[(comparison["step"] == comparison["step"].max()) & (comparison["method"] != "")]
    metrics = list(dict.fromkeys(last["metric"]))
    arms = list(dict.fromkeys(last["arm"]))
    figure = Figure(figsize=(7.5, 0.42 * max(len(metrics), 3) + 1.2), layout="constrained")
    ax = figure.subplots()
    height = 0.8 / max(len(arms), 1)
    for i, arm in enumerate(arms):
        rows = last[last["arm"] == arm].set_index("metric").reindex(metrics)
        positions = [m - 0.4 + height * (i + 0.5) for m in range(len(metrics))]
        values = rows["effect_size"].clip(-5, 5).fillna(0.0)
        ax.barh(positions, values, height=height * 0.9, color=COLOURS[(i + 1) % len(COLOURS)], label=arm)
    ax.axvline(0, color="black", linewidth=0.8)
    for x in (-0.8, -0.5, -0.2, 0.2, 0.5, 0.8):
        ax.axvline(x, color="grey", linewidth=0.5, linestyle=":")
    ax.set_yticks(range(len(metrics)), [m.replace("_", " ") for m in metrics], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"effect size against {comparison.attrs.get('baseline', 'the baseline')} "
                  "(Cohen's d; ±0.2 small, ±0.5 medium, ±0.8 large; clipped at ±5)", fontsize=8)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.2)
    return figure


def sensitivity_figure(indices: pd.DataFrame) -> Figure:
    """Ranked horizontal bars of the main index with its confidence interval, one panel per metric."""
    method = indices.attrs.get("method") or ("morris" if "mu_star" in indices.columns else "sobol")
    main = MAIN_INDEX[method]
    metrics = list(dict.fromkeys(indices["metric"])) if "metric" in indices.columns else [""]
    k = indices["parameter"].nunique()
    figure = Figure(figsize=(4.6 * len(metrics), 0.4 * k + 1.4), layout="constrained")
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        table = indices if metric == "" else indices[indices["metric"] == metric]
        table = table.sort_values(main, ascending=True)
        ax.barh(table["parameter"], table[main], xerr=table[f"{main}_conf"], color=COLOURS[0], alpha=0.85,
                capsize=3, label=main)
        if method == "sobol":
            ax.scatter(table["S1"], table["parameter"], color=COLOURS[1], zorder=3, label="S1", s=18)
            ax.legend(fontsize=7, loc="lower right")
        ax.set_title(metric.replace("_", " "), fontsize=10)
        ax.set_xlabel("Morris μ* (mean |elementary effect|)" if method == "morris" else "Sobol total-order index",
                      fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    return figure
