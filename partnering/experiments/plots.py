"""Figures for reports: built on ``matplotlib.figure.Figure`` directly (Agg), so no global
pyplot state and no display is needed; each function returns a Figure or PNG bytes."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from partnering.experiments.analysis import Source, time_series
from partnering.experiments.sensitivity_analysis import MAIN_INDEX
from partnering.model.catalogue import CATALOGUE

COLOURS = ("#1b6ca8", "#edae49", "#6c4f9c", "#00798c", "#8f6a4d", "#5c5c5c", "#56b4e9", "#222222")
"""One colour per arm, in design order. No red and no green: the report's tables use those for
worse and better, and an arm is neither."""
EFFECT_LIMIT = 5.0
"""Widest |d| the effect-size chart draws to scale; a bar or interval beyond it is cut at the
edge, hatched and labelled with its value."""


def metric_title(name: str) -> str:
    """A chart title for a metric: its label and unit, and which direction is better."""
    entry = CATALOGUE.get(name)
    if entry is None:
        return name.replace("_", " ")
    return f"{entry.axis_label}, {direction_text(name)}"


def direction_text(name: str) -> str:
    """'↑ better', '↓ better' or 'neither way better', from the catalogue."""
    entry = CATALOGUE.get(name)
    better = entry.better if entry is not None else "neither"
    return {"higher": "↑ better", "lower": "↓ better"}.get(better, "neither way better")


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
        ax.set_title(metric_title(metric), fontsize=9)
        ax.set_xlabel("years", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if not legend_done and len(frame):
            ax.legend(fontsize=7, loc="best")
            legend_done = True
    for index in range(len(metrics), rows * columns):
        axes[index // columns][index % columns].set_visible(False)
    figure.suptitle(f"mean over replications with its {level:.0%} confidence band (within each metric's bounds)",
                    fontsize=10)
    return figure


def effect_size_figure(comparison: pd.DataFrame, limit: float = EFFECT_LIMIT) -> Figure:
    """Cohen's d of each arm against the baseline, per metric, with its interval, at the last
    horizon compared (named in the title).

    Bars within ``±limit`` are drawn to scale; one beyond it is cut at the edge, hatched, and
    labelled with its value, so nothing is clipped silently.
    """
    step = int(comparison["step"].max())
    last = comparison[(comparison["step"] == step) & (comparison["method"] != "")]
    metrics = list(dict.fromkeys(last["metric"]))
    arms = list(dict.fromkeys(last["arm"]))
    order = list(dict.fromkeys(comparison["arm"]))
    figure = Figure(figsize=(8.5, 0.5 * max(len(metrics), 3) * max(1, len(arms) / 2) + 1.4), layout="constrained")
    ax = figure.subplots()
    height = 0.8 / max(len(arms), 1)
    ends = last[["effect_size", "effect_low", "effect_high"]].abs().to_numpy().ravel()
    finite = [e for e in ends if math.isfinite(e)]
    edge = max(1.0, min(limit, 1.1 * max(finite, default=1.0)))
    clipped_any = False
    for i, arm in enumerate(arms):
        rows = last[last["arm"] == arm].set_index("metric").reindex(metrics)
        colour = COLOURS[order.index(arm) % len(COLOURS)] if arm in order else COLOURS[0]
        positions = [m - 0.4 + height * (i + 0.5) for m in range(len(metrics))]
        d = rows["effect_size"].to_numpy(dtype=float)
        drawn = [max(-edge, min(edge, v)) if math.isfinite(v) else (math.copysign(edge, v) if v == v else 0.0)
                 for v in d]
        cut = [not (math.isfinite(v) and abs(v) <= edge) and v == v for v in d]
        bars = ax.barh(positions, drawn, height=height * 0.85, color=colour, label=arm)
        low = rows["effect_low"].to_numpy(dtype=float)
        high = rows["effect_high"].to_numpy(dtype=float)
        for y, bar, value, lo, hi, is_cut in zip(positions, bars, d, low, high, cut, strict=True):
            if math.isfinite(lo) and math.isfinite(hi):
                a, b = max(-edge, lo), min(edge, hi)
                ax.plot([a, b], [y, y], color="black", linewidth=1.1, solid_capstyle="butt")
                for x, inside in ((a, lo >= -edge), (b, hi <= edge)):
                    if inside:
                        ax.plot([x, x], [y - height * 0.25, y + height * 0.25], color="black", linewidth=1.1)
                    else:  # the interval runs past the edge
                        ax.annotate("", (x + math.copysign(0.04 * edge, x), y), (x, y),
                                    arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1.1})
                        clipped_any = True
            if is_cut:
                clipped_any = True
                bar.set_hatch("///")
                bar.set_edgecolor("white")
                text = f"d = {value:+.1f}" if math.isfinite(value) else ("d = +∞" if value > 0 else "d = −∞")
                ax.text(math.copysign(edge * 0.97, value), y, text + (" ▶" if value > 0 else ""),
                        ha="right" if value > 0 else "left", va="center", fontsize=7, color="black",
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    ax.axvline(0, color="black", linewidth=0.8)
    for x in (-0.8, -0.5, -0.2, 0.2, 0.5, 0.8):
        if abs(x) < edge:
            ax.axvline(x, color="grey", linewidth=0.5, linestyle=":")
    ax.set_xlim(-edge * 1.08, edge * 1.08)
    ax.set_yticks(range(len(metrics)), [metric_title(m) for m in metrics], fontsize=8)
    ax.invert_yaxis()
    level = comparison.attrs.get("level", 0.95)
    baseline = comparison.attrs.get("baseline", "the baseline")
    ax.set_title(f"Effect size against {baseline} at step {step} (year {step / 4:g}): Cohen's d "
                 f"with its {level:.0%} bootstrap interval", fontsize=9)
    note = "; hatched bars run past the edge of the chart (value written on the bar)" if clipped_any else ""
    ax.set_xlabel("d = difference ÷ pooled sd between replications (±0.2 small, ±0.5 medium, ±0.8 large)\n"
                  f"d > 0: the arm is higher than the baseline (↑/↓ says which way is better){note}", fontsize=7.5)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.2)
    return figure


def sensitivity_figure(indices: pd.DataFrame) -> Figure:
    """Ranked horizontal bars of the main index with its confidence interval, one panel per metric.

    The interval is ``{index}_low`` to ``{index}_high`` (see :func:`salib_analyze`): never below
    zero, since neither μ* nor a total-order index can be.
    """
    method = indices.attrs.get("method") or ("morris" if "mu_star" in indices.columns else "sobol")
    main = MAIN_INDEX[method]
    metrics = list(dict.fromkeys(indices["metric"])) if "metric" in indices.columns else [""]
    k = indices["parameter"].nunique()
    figure = Figure(figsize=(4.6 * len(metrics), 0.4 * k + 1.4), layout="constrained")
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        table = indices if metric == "" else indices[indices["metric"] == metric]
        table = table.sort_values(main, ascending=True)
        errors = [table[main] - table[f"{main}_low"], table[f"{main}_high"] - table[main]]
        ax.barh(table["parameter"], table[main], xerr=errors, color=COLOURS[0], alpha=0.85,
                capsize=3, label=main)
        if method == "sobol":
            ax.scatter(table["S1"], table["parameter"], color=COLOURS[1], zorder=3, label="S1", s=18)
            ax.legend(fontsize=7, loc="lower right")
        ax.set_title(metric_title(metric) if metric else "", fontsize=9)
        entry = CATALOGUE.get(metric)
        unit = f" ({entry.unit} per full range)" if entry is not None and entry.unit else ""
        ax.set_xlabel(f"Morris μ*, mean |elementary effect|{unit}" if method == "morris" else "Sobol total-order index",
                      fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    return figure


def robustness_figure(shares: pd.DataFrame) -> Figure:
    """Per pattern, the share of the uncertainty space in which it holds (Wilson interval), and
    beside it the share in which it reverses, most robust first."""
    table = shares.sort_values(["share", "pattern"], ascending=[True, True]).reset_index(drop=True)
    figure = Figure(figsize=(7.5, 0.32 * len(table) + 1.6), layout="constrained")
    ax = figure.subplots()
    rows = range(len(table))
    errors = [table["share"] - table["share_low"], table["share_high"] - table["share"]]
    ax.barh(rows, table["share"], xerr=errors, color=COLOURS[0], alpha=0.85, capsize=3, height=0.55,
            label="holds (expected sign), 95% Wilson interval")
    ax.scatter(table["reverse_share"], rows, color=COLOURS[1], zorder=3, s=22, marker="D",
               label="reverses (opposite sign)")
    ax.set_yticks(list(rows), [f"{p} (n={n})" for p, n in zip(table["pattern"], table["points"], strict=True)],
                  fontsize=7.5)
    ax.set_xlim(0, 1)
    ax.axvline(0.5, color="#999999", lw=0.8, ls=":")
    ax.set_xlabel("share of the sampled points of the uncertainty space", fontsize=8)
    ax.set_title("Where each pattern holds: sign of its mean contrast at each point", fontsize=9, pad=22)
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return figure


def screening_figure(ranking: pd.DataFrame) -> Figure:
    """A pattern x section map of grouped Morris μ*, each row divided by its largest, so the
    sections each pattern's effect depends on stand out whatever the unit of its metric."""
    wide = ranking.pivot(index="pattern", columns="group", values="relative")
    order = ranking.groupby("group")["relative"].mean().sort_values(ascending=False).index
    wide = wide.reindex(index=list(dict.fromkeys(ranking["pattern"])), columns=order)
    figure = Figure(figsize=(0.5 * wide.shape[1] + 4.2, 0.3 * wide.shape[0] + 1.8), layout="constrained")
    ax = figure.subplots()
    image = ax.imshow(wide.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(wide.shape[1]), wide.columns, rotation=60, ha="right", fontsize=7.5)
    ax.set_yticks(range(wide.shape[0]), wide.index, fontsize=7.5)
    for (i, j), value in np.ndenumerate(wide.to_numpy(dtype=float)):
        if value >= 0.5:
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=6, color="white")
    figure.colorbar(image, ax=ax, shrink=0.6, label="μ* ÷ the pattern's largest μ*")
    ax.set_title("Which sections each pattern's contrast depends on (grouped Morris)", fontsize=9)
    return figure
