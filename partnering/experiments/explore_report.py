"""The report's sections for an exploration: futures and policies, scenario discovery (PRIM's
trade-off curve, the chosen boxes drawn on pairs of uncertainties, the restrictions in words,
CART's leaves), robustness (regret, satisficing, the policy each criterion recommends) and what
the exploration cannot say.

The questions and thresholds are those last asked of the folder (``explore.json``); figures are
``matplotlib.figure.Figure`` objects embedded as PNG, so the report stays one offline file.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from partnering.experiments.analysis import fmt
from partnering.experiments.exploration import Exploration, analyse_exploration, uncertainty_bounds
from partnering.experiments.plots import COLOURS, data_uri
from partnering.experiments.questions import metric_label, parse_question
from partnering.experiments.results import SweepResults
from partnering.model.catalogue import CATALOGUE
from partnering.scenarios import parameter

MAX_ROWS = 60
"""Longest list of uncertainties written out in full; the rest is in sweep.json."""
MAX_PAIRS = 3


def _e(value: Any) -> str:
    return html.escape(str(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{_e(h)}</th>' for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(row))
                   + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(figure: Figure, alt: str) -> str:
    return f'<p><img src="{data_uri(figure)}" alt="{_e(alt)}"></p>'


# ----------------------------------------------------------------------------- figures
def tradeoff_figure(trajectory: pd.DataFrame, title: str = "") -> Figure:
    """PRIM's peeling trade-off: coverage against density at each step, coloured by the number
    of restricted dimensions, the chosen box ringed; one panel per box."""
    boxes = list(dict.fromkeys(trajectory["box"]))
    figure = Figure(figsize=(4.4 * len(boxes), 3.4), layout="constrained")
    axes = figure.subplots(1, len(boxes), squeeze=False)[0]
    top = int(trajectory["res_dim"].max()) if len(trajectory) else 1
    for ax, number in zip(axes, boxes, strict=True):
        path = trajectory[trajectory["box"] == number]
        points = ax.scatter(path["coverage"], path["density"], c=path["res_dim"], cmap="viridis", vmin=0,
                            vmax=max(top, 1), s=22, zorder=2)
        ax.plot(path["coverage"], path["density"], color="#999", linewidth=0.7, zorder=1)
        chosen = path[path["chosen"]]
        ax.scatter(chosen["coverage"], chosen["density"], s=150, facecolors="none", edgecolors=COLOURS[1],
                   linewidths=1.8, zorder=3, label="chosen box")
        ax.set_xlabel("coverage (share of the futures of interest in the box)", fontsize=8)
        ax.set_ylabel("density (share of the box's futures of interest)", fontsize=8)
        ax.set_title(f"box {number}", fontsize=10)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=7, loc="lower left")
    figure.colorbar(points, ax=list(axes), label="restricted dimensions", shrink=0.85)
    if title:
        figure.suptitle(title, fontsize=9)
    return figure


def _pairs(limits: pd.DataFrame, names: Sequence[str]) -> list[tuple[str, str]]:
    restricted = list(limits.sort_values("qp")["parameter"])
    if len(restricted) == 1:
        partner = next(n for n in names if n != restricted[0]) if len(names) > 1 else restricted[0]
        return [(restricted[0], partner)]
    return [(a, b) for i, a in enumerate(restricted[:3]) for b in restricted[i + 1:3]][:MAX_PAIRS]


def box_figure(futures: pd.DataFrame, holds: pd.Series, limits: pd.DataFrame,
               bounds: dict[str, tuple[float, float]]) -> Figure:
    """The futures on pairs of the box's restricted uncertainties, those of interest in colour,
    with the box drawn (a side the box leaves open runs to the edge of the explored range)."""
    pairs = _pairs(limits, list(futures.columns))
    figure = Figure(figsize=(4.0 * len(pairs), 3.6), layout="constrained")
    axes = figure.subplots(1, len(pairs), squeeze=False)[0]
    judged = holds.dropna()
    x = futures.loc[judged.index]
    of_interest = judged.astype(bool).to_numpy()
    by_name = limits.set_index("parameter")
    for ax, (a, b) in zip(axes, pairs, strict=True):
        ax.scatter(x.loc[~of_interest, a], x.loc[~of_interest, b], s=12, color="#b5b5b5", label="other futures")
        ax.scatter(x.loc[of_interest, a], x.loc[of_interest, b], s=14, color=COLOURS[1], label="question holds")
        corners = []
        for name in (a, b):  # a limit row's open side is already the edge of the explored range
            low, high = by_name.loc[name, ["low", "high"]] if name in by_name.index else \
                bounds.get(name, (x[name].min(), x[name].max()))
            corners.append((float(low), float(high)))
        (ax_lo, ax_hi), (bx_lo, bx_hi) = corners
        ax.add_patch(Rectangle((ax_lo, bx_lo), ax_hi - ax_lo, bx_hi - bx_lo, fill=False, edgecolor=COLOURS[0],
                               linewidth=1.8, label="PRIM box"))
        for name, setter in ((a, ax.set_xlim), (b, ax.set_ylim)):
            low, high = bounds.get(name, (x[name].min(), x[name].max()))
            pad = 0.02 * (high - low)
            setter(low - pad, high + pad)
        ax.set_xlabel(_axis(a), fontsize=8)
        ax.set_ylabel(_axis(b), fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25)
    axes[0].legend(fontsize=7, loc="best")
    return figure


def _axis(name: str) -> str:
    try:
        unit = parameter(name).unit
    except KeyError:
        return name
    return f"{name} ({unit})" if unit else name


# ----------------------------------------------------------------------------- sections
def _design_section(res: SweepResults, result: Exploration) -> str:
    manifest = res.manifest
    bounds = uncertainty_bounds(res)
    rows = []
    for name, (low, high) in list(bounds.items())[:MAX_ROWS]:
        info = parameter(name)
        rows.append([f"<code>{_e(name)}</code>", _e(info.meaning), _e(info.unit), f"{low:g} to {high:g}",
                     f"{info.low:g} to {info.high:g}"])
    more = (f'<p class="muted">… and {len(bounds) - MAX_ROWS} more uncertainties, listed in sweep.json.</p>'
            if len(bounds) > MAX_ROWS else "")
    policies = [[_e(p["name"]), _e(p["scenario"]),
                 _e(", ".join(f"{k} = {v}" for k, v in p["levers"].items()) or "its own levers")]
                for p in manifest["options"]["policies"]]
    return (f"<p>{manifest['options']['futures']} futures, drawn as a Latin hypercube over {len(bounds)} "
            f"uncertainties, each run under {len(policies)} policies with {manifest['replications']} replication(s) "
            f"(the same seeds in every future and policy). Analysed at step {result.step} (year {result.step / 4:g}); "
            f"{result.complete_futures} futures have a successful run of every policy.</p>"
            + _table(["uncertainty", "meaning", "unit", "explored", "declared"], rows, left=3) + more
            + "<p>Policies: named scenarios, or lever packages (a base scenario with some levers set).</p>"
            + _table(["policy", "base scenario", "levers set"], policies, left=3))


def _discovery_section(res: SweepResults, result: Exploration) -> str:
    if result.cases.empty:
        return (f"<p>No question was asked of this exploration. Ask one, then write the report again: "
                f"<code>partnering explore {_e(res.root)} --question 'value_for_money: changemaking worse than "
                f"transactional'</code>.</p>")
    bounds = uncertainty_bounds(res)
    parts = ["<p>For each question, PRIM (EMA Workbench's <code>analysis.prim</code>) looks for boxes of "
             "futures where it holds. <i>Coverage</i>: the share of all the futures where it holds that lie in the "
             "box. <i>Density</i>: the share of the box's futures where it holds. <i>Lift</i>: density over the share "
             "among all futures. The box reported is the densest on PRIM's peeling trajectory that keeps at least "
             f"{_e(result.settings.min_coverage or 0.5):s} of the cases and restricts at most "
             f"{_e(result.settings.max_dims or 3)} uncertainties; its restrictions with a quasi-p value above 0.05 "
             "(a one-sided binomial test of whether the restriction could be chance) are then dropped, weakest "
             "first, keeping at least one.</p>"]
    for case in result.cases.itertuples():
        parts.append(f"<h3>{_e(case.words)}</h3><p><code>{_e(case.question)}</code>: holds in {case.holds} of "
                     f"{case.futures} futures ({case.share:.1%}).</p>")
        boxes = result.boxes[result.boxes["question"] == case.question]
        if boxes.empty:
            parts.append("<p>No box: the futures where it holds are not concentrated in a region PRIM can "
                         "describe, or the region it found may well be chance (quasi-p above 0.05).</p>"
                         if 0 < case.holds < case.futures else "<p>No box: it holds in none or all of the futures.</p>")
            continue
        rows = [[str(b.box), f"{b.coverage:.2f}", f"{b.density:.2f}", f"{b.lift:.1f}×", f"{b.mass:.2f}", str(b.n),
                 str(b.res_dim), _e(b.words)] for b in boxes.itertuples()]
        parts.append(_table(["box", "coverage", "density", "lift", "mass", "futures", "restricted", "where"], rows))
        question = parse_question(case.question, result.policies)
        holds = question.evaluate(result.outcomes).reindex(result.futures.index)
        for box in boxes.itertuples():
            limits = result.limits[(result.limits["question"] == case.question) & (result.limits["box"] == box.box)]
            items = "".join(f"<li>{_e(r.words)} <span class='muted'>(quasi-p {r.qp:.2g}"
                            f"{': may be chance' if r.qp > 0.05 else ''})</span></li>" for r in limits.itertuples())
            parts.append(f"<p>Box {box.box} restricts:</p><ul>{items}</ul>")
            parts.append(_img(box_figure(result.futures, holds, limits, bounds), f"box {box.box} on its uncertainties"))
        trajectory = result.trajectory[result.trajectory["question"] == case.question]
        parts.append(_img(tradeoff_figure(trajectory, "PRIM's peeling trajectory: each point is a box; peeling "
                                                      "moves right to left"), "PRIM trade-off"))
        leaves = result.cart[result.cart["question"] == case.question].head(3)
        if len(leaves):
            rows = [[f"{r.coverage:.2f}", f"{r.density:.2f}", str(r.n), _e(r.words)] for r in leaves.itertuples()]
            parts.append("<p>CART (EMA Workbench's <code>analysis.cart</code>), as a check: its densest leaves where "
                         "the question holds.</p>" + _table(["coverage", "density", "futures", "where"], rows, left=0))
    return "\n".join(parts)


def _robustness_section(result: Exploration) -> str:
    rows = []
    for i, r in enumerate(result.robustness.itertuples()):
        first = i == 0 or result.robustness["metric"].iloc[i - 1] != r.metric
        rows.append([_e(metric_label(r.metric)) if first else "", _e(CATALOGUE[r.metric].better) if first else "",
                     _e(r.policy), fmt(r.median),
                     f"<span style='white-space:nowrap'>[{fmt(r.p5)}, {fmt(r.p95)}]</span>", fmt(r.mean_regret), fmt(r.p90_regret), fmt(r.max_regret),
                     f"{r.best_share:.0%}" if not math.isnan(r.best_share) else "–", str(r.failed)])
    parts = [f"<p>In each future, a policy's <i>regret</i> is how far it falls short of the best policy in that same "
             f"future, in the metric's units, read with the metric's better direction. Over the "
             f"{result.complete_futures} futures where every policy ran:</p>",
             _table(["metric", "better", "policy", "median", "5% to 95%", "mean regret", "90% regret", "max regret",
                     "best in", "futures with a failed run"], rows, left=3)]
    if len(result.satisficing):
        header = ["threshold", *result.policies]
        table = []
        for threshold, part in result.satisficing.groupby("threshold", sort=False):
            shares = part.set_index("policy")["share"]
            table.append([_e(threshold), *(f"{shares.get(p, math.nan):.0%}" for p in result.policies)])
        parts.append("<p>Satisficing: the share of futures in which each policy meets each threshold (a future "
                     "where one of its runs failed does not count as met).</p>" + _table(header, table))
    picks = result.recommendations
    per_metric = picks[picks["metric"].isin(list(CATALOGUE))]
    criteria = list(dict.fromkeys(per_metric["criterion"]))
    rows = []
    for metric, part in per_metric.groupby("metric", sort=False):
        named = {r.criterion: f"<b>{_e(r.policy)}</b>" + (f" = {_e(', '.join(r.ties))}" if r.ties else "")
                 + f" <span class='muted'>({fmt(r.value)})</span>" for r in part.itertuples()}
        rows.append([_e(metric_label(metric)), *(named.get(c, "") for c in criteria)])
    overall = []
    for r in picks[~picks["metric"].isin(list(CATALOGUE))].itertuples():
        tied = f" (tied with {', '.join(r.ties)})" if r.ties else ""
        score = (f"meets every threshold in {r.value:.0%} of futures" if r.criterion == "satisficing"
                 else f"its largest regret is {r.value:.2f} of a metric's range")
        overall.append(f"<li><i>{_e(r.criterion)}</i> ({_e(r.metric)}): <b>{_e(r.policy)}</b>{_e(tied)}, "
                       f"{_e(score)}</li>")
    parts.append("<p>The policy each robustness criterion recommends (its score in brackets): <i>minimax regret</i> "
                 "(smallest largest regret), <i>90th-percentile regret</i>, <i>best mean</i> over futures and <i>best "
                 "worst case</i> (maximin), per metric; then <i>satisficing</i> (most futures meeting every "
                 "threshold) and <i>minimax normalised regret</i> (each metric's regret divided by its range over all "
                 "futures and policies, the largest over metrics and futures).</p>"
                 + _table(["metric", *criteria], rows) + (f"<ul>{''.join(overall)}</ul>" if overall else ""))
    return "\n".join(parts)


def _caveat(result: Exploration) -> str:
    replications = int(result.outcomes["runs"].max()) if len(result.outcomes) else 0
    return ('<div class="note">'
            "<p><b>What this exploration can say.</b> Within this model and the ranges explored, which futures make a "
            "policy fail or pay, and which policy holds up across them. The futures are points spread evenly over "
            "the ranges, not forecasts: a box's coverage and density are shares of these futures, and change when "
            "the ranges do. Parameters not explored keep the base scenarios' values.</p>"
            f"<p><b>What it cannot say.</b> How likely any future is; whether the model's mechanisms are right (the "
            "uncertainties explored are its parameters, not its structure); or anything outside the ranges. Each "
            f"future's value is the mean of {replications} replication(s), so part of every regret is simulation "
            "noise: the largest regret rests on one future and is the least steady number here (the 90th "
            "percentile is steadier). A box restricting few futures, or a restriction with a quasi-p value above "
            "0.05, should be checked on a fresh sample (another <code>--seed</code>) before it is quoted. Criteria "
            "can disagree: a recommendation holds for its metric and criterion only.</p></div>")


def explore_sections(results: SweepResults) -> list[tuple[str, str]]:
    """The report's sections for an exploration folder, as (title, HTML) pairs."""
    result = analyse_exploration(results)
    return [("Futures and policies", _design_section(results, result)),
            ("Scenario discovery: where each question holds", _discovery_section(results, result)),
            ("Robustness across futures", _robustness_section(result)),
            ("What this exploration can and cannot say", _caveat(result))]
