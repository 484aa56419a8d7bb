"""One self-contained HTML report of a sweep, to send to a colleague.

Figures are embedded as base64 PNG (matplotlib, Agg), styles are inline and nothing is fetched
from the network, so the file opens anywhere. It carries what is needed to trust and repeat
the numbers: the comparison tables, the scenario definitions, the seeds, the code hash and
the package versions.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from partnering.experiments.analysis import HEADLINE_METRICS, compare, fmt, fmt_interval, verdict
from partnering.experiments.results import SweepResults
from partnering.experiments.stats import BOOTSTRAP_RESAMPLES, interval_scale, spearman
from partnering.model.catalogue import CATALOGUE
from partnering.scenarios import ScenarioError

MAX_LISTED = 60
"""Longest list (arms, seeds, failures) written out in full; the rest is in sweep.json."""

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}th,td{padding:.25em .6em;border-bottom:1px solid #eee;
text-align:right;vertical-align:top}td:not(.l){white-space:nowrap}th{background:#f5f5f5}td.l,th.l{text-align:left}
.better{background:#dff0d8}.worse{background:#f8d7da}.higher,.lower{background:#e8eef8}
.muted{color:#777}pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.82em}
.unit{font-size:.85em}img{max-width:100%}details{margin:.3em 0}.note{background:#fffbe6;padding:.6em .9em;border-left:3px solid #edae49}
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1,
           classes: Sequence[str] | None = None) -> str:
    """An HTML table from already-escaped cells; the first ``left`` columns align left."""
    head = "".join(f'<th class="{"l" if i < left else ""}">{h}</th>' for i, h in enumerate(header))
    body = []
    for r, row in enumerate(rows):
        css = f' class="{classes[r]}"' if classes and classes[r] else ""
        cells = "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(row))
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(uri: str, alt: str) -> str:
    return f'<p><img src="{uri}" alt="{_e(alt)}"></p>'


def _when(step: int) -> str:
    return f"step {step} (year {step / 4:g})"


def fmt_duration(seconds: float) -> str:
    """A length of time a reader takes in at a glance, never rounded to zero: '0.42 s', '37.5 s',
    '12.3 minutes', '2.1 hours'."""
    if not math.isfinite(seconds) or seconds <= 0:
        return "0 s"
    if seconds < 1:
        return f"{seconds:.2g} s"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} minutes"
    return f"{seconds / 3600:.1f} hours"


def _metric_cell(name: str) -> str:
    """A metric as a table shows it: its label, then its unit and better direction in small type."""
    entry = CATALOGUE.get(name)
    if entry is None:
        return f"{_e(name)}"
    arrow = {"higher": "↑ better", "lower": "↓ better"}.get(entry.better, "neither way better")
    return (f'<span data-metric="{_e(name)}" title="{_e(entry.meaning)}">{_e(entry.label)}</span><br>'
            f'<span class="muted unit">{_e(entry.unit)} · {arrow}</span>')


def _comparison_section(results: SweepResults, baseline: str | None, metrics: Sequence[str],
                        horizons: Sequence[int], level: float) -> tuple[str, pd.DataFrame]:
    table = compare(results, baseline=baseline, metrics=metrics, horizons=horizons, level=level)
    base = table.attrs["baseline"]
    parts = [f"<p>Baseline: <b>{_e(base)}</b>. Each cell is the mean over replications with its "
             f"{level:.0%} confidence interval; the difference is <i>arm − baseline</i> with its interval "
             "(paired by seed) and Cohen's d with its interval (how the intervals are made: see "
             "<i>How to read this report</i>). Under each metric: its unit and which direction is better (see "
             "the glossary). Green: the interval excludes zero in the better direction; red: in the worse one; "
             "blue: a clear change where neither direction is better.</p>"]
    for step in horizons:
        rows, classes = [], []
        for _, row in table[table["step"] == step].iterrows():
            label = verdict(row)
            rows.append([_metric_cell(row["metric"]), _e(row["arm"]), str(row["n"]), fmt(row["mean"]),
                         fmt_interval(row["ci_low"], row["ci_high"]),
                         "" if row["method"] == "" else fmt(row["diff"], signed=True),
                         fmt_interval(row["diff_low"], row["diff_high"]),
                         "" if math.isnan(row["effect_size"]) else f"{row['effect_size']:+.2f}",
                         fmt_interval(row["effect_low"], row["effect_high"], digits=2), _e(label)])
            classes.append(label.split()[0] if label in ("better", "worse", "higher", "lower") else "")
        parts.append(f"<h3>At {_when(step)}</h3>")
        parts.append(_table(["metric", "arm", "n", "mean", f"{level:.0%} CI", "difference", f"{level:.0%} CI", "d",
                             f"{level:.0%} CI of d", "reading"], rows, left=2, classes=classes))
    return "\n".join(parts), table


def _lhs_section(results: SweepResults, metrics: Sequence[str]) -> str:
    """Spearman rank correlations between sampled parameters and outputs at the last step."""
    problem = results.manifest.get("problem") or {}
    names = list(problem.get("names", []))
    frame = results.metrics(columns=metrics, steps=[results.steps])
    means = frame.groupby("arm", sort=False)[list(metrics)].mean()
    runs = results.runs.drop_duplicates("arm").set_index("arm")
    joined = means.join(runs[names])
    rows = []
    for metric in metrics:
        corr = {n: spearman(joined[n], joined[metric]) for n in names}
        cells = [_metric_cell(metric), fmt(joined[metric].quantile(0.05)), fmt(joined[metric].median()),
                 fmt(joined[metric].quantile(0.95))]
        cells += [f"{corr[n]:+.2f}" if not math.isnan(corr[n]) else "–" for n in names]
        rows.append(cells)
    return ("<p>Distribution of each metric over the Latin hypercube (mean over replications at the last step) "
            "and its Spearman rank correlation with each sampled parameter.</p>"
            + _table(["metric", "5%", "median", "95%", *(_e(n) for n in names)], rows))


def _sensitivity_section(results: SweepResults, metrics: Sequence[str], level: float) -> str:
    from partnering.experiments.plots import data_uri, sensitivity_figure
    from partnering.experiments.sensitivity_analysis import design_warnings, plus_minus, sensitivity

    indices = sensitivity(results, metrics, level=level)
    method = indices.attrs["method"]
    main = "mu_star" if method == "morris" else "ST"
    symbol = "μ*" if method == "morris" else "ST"
    extra = ["mu", "sigma"] if method == "morris" else ["S1", "S1_conf"]
    rows = [[_metric_cell(r["metric"]), str(r["rank"]), _e(r["parameter"]), fmt(r[main]),
             fmt_interval(r[f"{main}_low"], r[f"{main}_high"]), fmt(r[f"{main}_conf"]), *(fmt(r[c]) for c in extra),
             "unclear" if r["unclear"] else ""] for _, r in indices.iterrows()]
    intro = ("Morris screening: μ* is the mean absolute elementary effect (how much the output moves, in the "
             "metric's own unit, per full-range change of the parameter); σ large against μ* signals interactions "
             f"or non-linearity. The interval of μ* is the {level:.0%} percentile bootstrap over trajectories "
             "(it cannot go below zero)."
             if method == "morris" else
             "Sobol indices: ST is the share of output variance a parameter explains including its "
             "interactions, S1 without them; the interval is ST ± its bootstrap half-width, cut at zero.")
    warnings = "".join(f'<p class="note">Design too small: {_e(line)}.</p>' for line in design_warnings(indices))
    header = ["metric", "rank", "parameter", symbol, f"{level:.0%} interval", "±", *extra, "reading"]
    return (f"<p>{intro} {_e(plus_minus(indices))}. <i>unclear</i>: the half-width exceeds the index, so "
            "the parameter cannot be told from one with no influence.</p>" + warnings
            + _figure(data_uri(sensitivity_figure(indices)), f"sensitivity ranking: {symbol} with its interval")
            + _table(header, rows, left=3))


def _definitions_section(results: SweepResults) -> str:
    manifest = results.manifest
    parts = []
    points = manifest["points"]
    rows = [[_e(p["arm"]), _e(p["scenario"]), _e(p["scenario_hash"]),
             _e(", ".join(f"{k} = {v}" for k, v in p["overrides"].items()) or "none")] for p in points[:MAX_LISTED]]
    parts.append(_table(["arm", "base scenario", "content hash", "overrides"], rows, left=4))
    if len(points) > MAX_LISTED:
        parts.append(f'<p class="muted">… and {len(points) - MAX_LISTED} more arms, listed in sweep.json.</p>')
    for name, text in manifest["scenarios"].items():
        parts.append(f"<details><summary>base scenario <b>{_e(name)}</b> (complete TOML)</summary>"
                     f"<pre>{_e(text)}</pre></details>")
    return "\n".join(parts)


def _reproduce_section(results: SweepResults) -> str:
    manifest = results.manifest
    seeds = manifest["seeds"]
    listed = ", ".join(str(s) for s in seeds[:MAX_LISTED]) + (" …" if len(seeds) > MAX_LISTED else "")
    env = manifest.get("environment", {})
    runs = results.runs
    versions = sorted(set(runs["package_version"].dropna())) if "package_version" in runs else []
    rows = [[_e(k), _e(v)] for k, v in env.items()]
    return (f"<p>Replication seeds come from <code>numpy.random.SeedSequence({manifest['root_seed']}).spawn"
            f"({len(seeds)})</code>; every arm uses the same seeds. Seeds: <code>{listed}</code></p>"
            f"<p>Design fingerprint <code>{_e(manifest['fingerprint'])}</code>, model code hash "
            f"<code>{_e(manifest.get('model_hash', ''))}</code>, written {_e(manifest.get('created', ''))}; "
            f"partnering version(s) recorded by the runs: {_e(', '.join(versions) or 'none')}.</p>"
            + _table(["package", "version"], rows, left=2))


def _failures_section(results: SweepResults) -> str:
    failed = results.failures()
    if failed.empty:
        return "<p>No run failed.</p>"
    parts = [f"<p>{len(failed)} run(s) failed; they are left out of every statistic above.</p>"]
    for _, row in failed.head(MAX_LISTED).iterrows():
        last = str(row["error"]).strip().splitlines()[-1] if str(row["error"]).strip() else "unknown error"
        parts.append(f"<details><summary>{_e(row['arm'])}, replication {row['replication']} (seed {row['seed']}): "
                     f"{_e(last)}</summary><pre>{_e(row['error'])}</pre></details>")
    return "\n".join(parts)


def build_report(results: SweepResults | str | Path, baseline: str | None = None,
                 metrics: Sequence[str] | None = None, horizons: Sequence[int] | None = None,
                 level: float = 0.95) -> str:
    """The report as an HTML string."""
    from partnering.experiments.plots import (
        COLOURS,
        data_uri,
        effect_size_figure,
        time_series_figure,
    )

    res = results if isinstance(results, SweepResults) else SweepResults(results)
    manifest = res.manifest
    runs = res.runs
    if runs.empty:
        raise ScenarioError(f"{res.root}: no runs recorded yet; run or resume the sweep first")
    if not (runs["status"] == "ok").any():
        lines = str(res.failures()["error"].iloc[0]).strip().splitlines() or ["unknown error"]
        raise ScenarioError(f"{res.root}: all {len(runs)} runs failed (first: {lines[-1]}); fix the cause, "
                            "then rerun the sweep with --retry-failed")
    available = res.metric_names
    chosen = [m for m in (metrics or HEADLINE_METRICS) if m in available]
    steps = list(horizons) if horizons else sorted({res.steps // 2, res.steps} - {0})
    ok = int((runs["status"] == "ok").sum())
    failed = len(runs) - ok
    missing = res.expected_runs - len(runs)
    title = manifest.get("name") or res.root.name
    computing = float(runs["duration_s"].sum())
    summary = (f"{len(manifest['points'])} arm(s) × {manifest['replications']} replications × {res.steps} quarters "
               f"({res.steps / 4:g} years): {ok} runs succeeded, {failed} failed"
               + (f", <b>{missing} not yet run</b> (resume the sweep to complete it)" if missing else "")
               + f". Computing time: {fmt_duration(computing)} summed over the runs "
               f"({fmt_duration(computing / max(len(runs), 1))} per run on average; each run's own wall-clock time, "
               "on whichever worker ran it, so the sweep itself took less on several workers).")
    sections = [("Summary", f"<p>{summary}</p><p>Design: {_e(manifest['kind'])}.</p>")]
    kind = manifest["kind"]
    if kind in ("scenarios", "grid") and len(res.arms) <= MAX_LISTED:
        text, table = _comparison_section(res, baseline, chosen, steps, level)
        sections.append(("Comparison with the baseline", text))
        if len(res.arms) <= len(COLOURS):  # beyond that, colours repeat and the tables say more
            if len(res.arms) > 1:
                last = max(steps)
                sections.append(("Effect sizes", f"<p>Cohen's d of each arm against <b>{_e(table.attrs['baseline'])}"
                                 f"</b> at {_when(last)}, with its {level:.0%} bootstrap interval (the black line), "
                                 "for every metric of the tables above.</p>"
                                 + _figure(data_uri(effect_size_figure(table)),
                                           f"effect sizes at step {last} with {level:.0%} intervals")))
            sections.append(("Over time", _figure(data_uri(time_series_figure(res, chosen, level=level)),
                                                  "time series")))
    elif kind == "salib":
        sections.append(("Sensitivity", _sensitivity_section(res, chosen[:4], level)))
    elif kind == "explore":
        from partnering.experiments.explore_report import explore_sections

        sections.extend(explore_sections(res))
    else:
        sections.append(("Exploration", _lhs_section(res, chosen)))
    sections.append(("How to read this report", _guide(level, chosen)))
    sections.append(("Glossary", _glossary(chosen)))
    sections.append(("Scenario definitions", _definitions_section(res)))
    sections.append(("Seeds and versions", _reproduce_section(res)))
    sections.append(("Failed runs", _failures_section(res)))
    body = "\n".join(f"<h2>{_e(name)}</h2>\n{content}" for name, content in sections)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(title)}: partnering sweep report</title><style>{STYLE}</style></head><body>"
            f"<h1>{_e(title)}</h1><p class=\"muted\">partnering sweep report, generated {stamp} from "
            f"<code>{_e(res.root.name)}</code></p>{body}</body></html>\n")


def _guide(level: float, metrics: Sequence[str]) -> str:
    scales = sorted({interval_scale((CATALOGUE[m].low, CATALOGUE[m].high)) for m in metrics if m in CATALOGUE})
    kinds = {"logit": "on the logit scale for quantities bounded on both sides (shares, 0-1 indices, the HHI)",
             "log": "on the log scale for quantities bounded below only (counts, £)",
             "t": "unchanged for quantities without bounds"}
    used = "; ".join(kinds[s] for s in scales) or kinds["t"]
    return (f'<div class="note"><p>Each arm was run many times with different random seeds (replications); the '
            f"same seeds were used for every arm, so differences come from the arms, not from luck. A {level:.0%} "
            "confidence interval that excludes zero means the difference is unlikely to be noise of the "
            "simulation. It says nothing about whether the model is right: the numbers are what the model's "
            "assumptions imply, under the scenario definitions listed below.</p>"
            f'<p class="methods"><b>How the intervals are made.</b> The interval of a mean (the tables\' CI column '
            f"and the bands over time) is a Student-t interval built {used}, then mapped back (the delta "
            "method), so it never crosses a metric's bounds: no negative count, no share above one. Far from a "
            "bound it equals the plain t-interval. The difference from the baseline is the paired t-interval "
            "over the per-seed differences (Welch's interval when the seeds do not pair up). The interval of "
            f"Cohen's d is a percentile bootstrap over the seeds ({BOOTSTRAP_RESAMPLES:,} resamples, pairs kept "
            "together, a fixed seed); being another method, near zero it can disagree with the difference's "
            "interval, and the reading column follows the difference's.</p><p>Cohen's d puts differences on "
            "one scale: the difference divided by the typical spread between replications (about 0.2 small, 0.5 medium, 0.8 large).</p></div>")


GLOSSARY_TERMS = (
    ("arm", "one configuration of the sweep: a scenario, possibly with parameters changed"),
    ("baseline", "the arm every other arm is compared with (the first arm unless --baseline says otherwise)"),
    ("replication", "one run of an arm with one random seed; every arm runs the same seeds"),
    ("step", "one quarter of a year of model time; step 0 is the start, step 40 is year 10"),
    ("CI", "confidence interval: where the mean over replications would fall if the simulation were "
           "repeated with fresh seeds"),
    ("difference", "arm minus baseline, in the metric's unit, averaged over the seeds"),
    ("d", "Cohen's d: the difference divided by the pooled standard deviation between replications"),
    ("HHI", "Herfindahl-Hirschman index: the sum of squared market shares in per cent, 0 (atomised) to "
            "10,000 (one firm); above 1,800 is highly concentrated"),
    ("μ*, σ", "Morris screening: the mean absolute and the spread of a parameter's elementary effects"),
    ("ST, S1", "Sobol indices: the share of output variance due to a parameter with and without its interactions"),
)


def _glossary(metrics: Sequence[str]) -> str:
    """The metrics of the report from the catalogue (label, column, unit, direction, bounds,
    meaning) and the terms the report uses."""
    rows = []
    for name in metrics:
        entry = CATALOGUE.get(name)
        if entry is None:
            rows.append([_e(name), f"<code>{_e(name)}</code>", "", "", "", ""])
            continue
        low = "" if entry.low is None else fmt(entry.low)
        high = "no upper bound" if entry.high is None else fmt(entry.high)
        bounds = f"{low} to {high}" if entry.low is not None else "unbounded"
        better = {"higher": "higher", "lower": "lower", "neither": "neither"}[entry.better]
        rows.append([_e(entry.label), f"<code>{_e(entry.name)}</code>", _e(entry.unit), better, _e(bounds),
                     _e(entry.meaning)])
    terms = [[f"<b>{_e(term)}</b>", _e(text)] for term, text in GLOSSARY_TERMS]
    return ("<p>Every metric of this report, as the metric catalogue declares it. The sweep folder's "
            "<code>data_dictionary.csv</code> describes every column of the results files.</p>"
            + _table(["metric", "column", "unit", "better", "bounds", "meaning"], rows, left=6)
            + _table(["term", "meaning"], terms, left=2))


def write_report(results: SweepResults | str | Path, out: str | Path | None = None, baseline: str | None = None,
                 metrics: Sequence[str] | None = None, horizons: Sequence[int] | None = None,
                 level: float = 0.95) -> Path:
    """Write the report (by default ``report.html`` in the sweep folder) atomically; returns its path."""
    res = results if isinstance(results, SweepResults) else SweepResults(results)
    path = Path(out) if out is not None else res.root / "report.html"
    if path.suffix.lower() not in (".html", ".htm"):
        raise ScenarioError(f"{path}: --out must end in .html")
    if not path.parent.exists():
        raise ScenarioError(f"{path}: --out: folder {path.parent} does not exist")
    text = build_report(res, baseline=baseline, metrics=metrics, horizons=horizons, level=level)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
