"""The `partnering` command: thin wrappers over the public Python API.

Bad input ends with one line on stderr naming the file, key and what is allowed, and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.table import Table

from partnering.model.catalogue import CATALOGUE, METRICS
from partnering.scenarios import (
    SECTIONS,
    ScenarioError,
    ServiceSpec,
    apply_overrides,
    list_scenarios,
    load_scenario,
    parameter,
    parameter_table,
    parse_assignment,
)

try:  # recent typer vendors its own copy of click, with its own exception classes
    from typer._click.exceptions import UsageError as _TyperUsageError
except ImportError:  # pragma: no cover - older typer raises click's own
    _TyperUsageError = click.UsageError

USAGE_ERRORS = (click.UsageError, _TyperUsageError)
ABORTS = (click.Abort, typer.Abort, KeyboardInterrupt)

app = typer.Typer(
    help="Agent-based model of transactional and relational partnering in public services.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenarios_app = typer.Typer(help="List, show and validate scenarios.", no_args_is_help=True)
app.add_typer(scenarios_app, name="scenarios")

console = Console()
wide = Console(width=None if console.is_terminal else 200)
"""For wide tables: a terminal keeps its own width; a pipe or file gets 200 columns."""
STEPS = parameter("run.steps")
"""The bounds of every --steps option: the schema's declaration of a run's horizon."""
HEADLINE = tuple(m.name for m in METRICS if m.headline or m.group in ("modes", "intentions"))
"""What ``partnering run`` prints: the headline metrics, the delivery modes and the intentions."""


class UsageError(Exception):
    """Bad input from the command line: reported in one line with exit code 2."""


def fail(message: str) -> None:
    """Print one line to stderr and exit with code 2 (bad input)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def resolve_scenario(name_or_file: str, assignments: list[str] | None = None):
    """Load a scenario and apply ``--set key=value`` overrides, with one-line errors."""
    scenario = load_scenario(name_or_file)
    if assignments:
        updates = dict(parse_assignment(a) for a in assignments)
        scenario = apply_overrides(scenario, updates)
    return scenario


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="built-in scenario name or a TOML file")],
    steps: Annotated[int | None, typer.Option(help="quarters to simulate (default: the scenario's horizon)", min=STEPS.low, max=STEPS.high)] = None,
    seed: Annotated[int, typer.Option(help="random seed (0 or more)", min=0)] = 1,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a parameter, e.g. principles.collaborative=0.8")] = None,
    out: Annotated[Path | None, typer.Option(help="write per-step metrics to FILE.parquet or FILE.csv")] = None,
    events: Annotated[bool, typer.Option(help="also print the event log")] = False,
) -> None:
    """Run one scenario and print its headline metrics (start, end, mean)."""
    from partnering.model.model import PartneringModel

    try:
        config = resolve_scenario(scenario, set_)
        if out is not None:
            check_output_path(out, (".parquet", ".csv"))
    except ScenarioError as exc:
        fail(str(exc))
    model = PartneringModel(config, rng=seed).run(steps)
    frame = model.metrics_frame()
    table = Table(title=f"{config.name}: {len(frame) - 1} quarters, seed {seed}")
    for column in ("metric", "unit", "start", "end", "mean"):
        table.add_column(column, justify="left" if column in ("metric", "unit") else "right", no_wrap=column == "metric")
    for name in HEADLINE:
        series = frame[name]
        table.add_row(name, CATALOGUE[name].unit, f"{series.iloc[0]:.3f}", f"{series.iloc[-1]:.3f}",
                      f"{series.mean():.3f}")
    wide.print(table)
    if events:
        for row in model.events.to_frame().itertuples():
            console.print(f"{row.when}: {row.text}")
    if out is not None:
        from partnering.experiments.dictionary import dictionary_path, write_dictionary

        write_frame(frame, out, table="metrics")
        dictionary = write_dictionary(dictionary_path(out), tables=("metrics",), metric_columns=frame.columns)
        console.print(f"wrote {len(frame)} rows to {out}, and what each column means to {dictionary}")


def check_output_path(path: Path, suffixes: tuple[str, ...]) -> None:
    """Refuse an output path we cannot write before running anything."""
    if path.suffix not in suffixes:
        raise ScenarioError(f"{path}: --out must end in {' or '.join(suffixes)}")
    if path.is_dir():
        raise ScenarioError(f"{path}: --out is a folder; give a file name ending in {' or '.join(suffixes)}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise ScenarioError(f"{path}: --out: folder {parent} does not exist")
    if not parent.is_dir() or not _writable(parent):
        raise ScenarioError(f"{path}: --out: folder {parent} is not writable")


def _writable(folder: Path) -> bool:
    """Try it: permission bits say nothing for root, and some file systems refuse everyone."""
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".partnering-probe-"):
            return True
    except OSError:
        return False


def write_frame(frame, path: Path, table: str | None = None) -> None:
    """Write atomically: a temporary file renamed into place, so a failure leaves nothing half-written.

    With ``table`` ('metrics'), a Parquet file's fields carry the data dictionary's label, unit
    and meaning as metadata.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix == ".csv":
        frame.to_csv(tmp, index=False)
    elif table is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from partnering.experiments.dictionary import annotate

        pq.write_table(annotate(pa.Table.from_pandas(frame, preserve_index=False), table), tmp)
    else:
        frame.to_parquet(tmp, index=False)
    tmp.replace(path)


# --- experiments: thin wrappers over partnering.experiments ----------------------------------
def _csv(text: str | None) -> list[str] | None:
    """'a, b,c' -> ['a', 'b', 'c']; None stays None."""
    return None if text is None else [item.strip() for item in text.split(",") if item.strip()]


def _horizons(text: str | None) -> list[int] | None:
    items = _csv(text)
    if items is None:
        return None
    try:
        return [int(item) for item in items]
    except ValueError:
        fail(f"--steps {text}: expected whole numbers separated by commas, e.g. 20,40")
    return None


def _execute(description: str, out: Path, go):
    """Run ``go(progress)`` under a progress bar; Ctrl-C keeps what is done and says how to resume."""
    from rich.markup import escape

    from partnering.experiments import load_results, rich_progress
    from partnering.experiments.sweep import ExecutorFailed

    console.print(escape(f"{description} -> {out}"))
    try:
        with rich_progress(console=console) as progress:
            result = go(progress)
    except KeyboardInterrupt:
        kept = len(load_results(out).runs)
        typer.echo(f"interrupted: {kept} runs are saved in {out}; run the same command again to resume", err=True)
        raise typer.Exit(code=130) from None
    except ExecutorFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    except ScenarioError as exc:
        fail(str(exc))
    summary = getattr(result, "summary", result)
    if not hasattr(summary, "ok"):  # a procedure made of several sweeps reports for itself
        return result
    done = f"{summary.ok} ran, {summary.failed} failed" + (f", {summary.skipped} already done" if summary.skipped else "")
    console.print(f"{done} in {summary.elapsed_s:.1f} s -> {out}")
    if summary.failed:
        console.print(f"[yellow]{summary.failed} run(s) failed: their tracebacks are in the runs table and the report; "
                      "rerun with --retry-failed to try them again[/yellow]")
    return result


def _run_design(design, out: Path, workers: int | None, dask: str | None, dask_wait: float | None = None,
                description: str | None = None, **options):
    from partnering.experiments.store import check_folder
    from partnering.experiments.sweep import DASK_WAIT_S, parse_dask_address, run_design

    try:
        if dask is not None:
            parse_dask_address(dask)
        check_folder(out, design, overwrite=options.get("overwrite", False))
    except ScenarioError as exc:
        fail(str(exc))
    wait = DASK_WAIT_S if dask_wait is None else dask_wait
    return _execute(description or design.describe(), out, lambda progress: run_design(
        design, out, workers=workers, dask_address=dask, dask_wait=wait, progress=progress, **options))


def _table_console() -> Console:
    """The console for wide tables: the terminal's width, or $COLUMNS (default 130) when captured."""
    import os

    if console.is_terminal:
        return console
    columns = os.environ.get("COLUMNS", "")
    return Console(width=int(columns) if columns.isdigit() and int(columns) >= 40 else 130)


def _print_comparison(frame) -> None:
    """The comparison as a rich table: one block of rows per metric, its unit and better direction
    under its name."""
    from rich.markup import escape

    from partnering.experiments.analysis import fmt, fmt_interval, verdict

    colours = {"better": "green", "worse": "red", "higher": "cyan", "lower": "cyan"}
    arrows = {"higher": "↑ better", "lower": "↓ better", "neither": "neither way better"}
    level = frame.attrs.get("level", 0.95)
    out = _table_console()
    for step, at_step in frame.groupby("step", sort=False):
        counts = sorted(set(at_step["n"]))
        runs = f"n = {counts[0]} runs per arm" if len(counts) == 1 else f"n = {counts[0]} to {counts[-1]} runs per arm"
        table = Table(title=f"step {step} (year {step / 4:g}), {runs}: mean [{level:.0%} CI] and difference from "
                            f"{escape(str(frame.attrs.get('baseline')))} (paired by seed), effect size d (Cohen) [{level:.0%} CI]",
                      caption="CI of a mean: Student t on the logit scale (shares, indices, HHI) or the log scale "
                              "(counts, £), so it stays within the metric's bounds; CI of d: bootstrap over the seeds")
        widest_arm = max((len(str(arm)) for arm in at_step["arm"]), default=3)
        for column in ("metric", "arm", "mean [CI]", "difference [CI]", "d [CI]", "reading"):
            # long grid labels fold beyond 20 characters; a number and its interval split only when
            # the terminal is too narrow for them
            table.add_column(column, justify="left" if column in ("metric", "arm", "reading") else "right",
                             overflow="fold", min_width=min(widest_arm, 20) if column == "arm" else None)
        for metric, rows in at_step.groupby("metric", sort=False):
            entry = CATALOGUE.get(metric)
            note = f"[dim]{escape(entry.unit)}, {arrows[entry.better]}[/dim]" if entry is not None else ""
            for i, (_, row) in enumerate(rows.iterrows()):
                label = verdict(row).replace("no clear difference", "not clear")
                styled = f"[{colours[label]}]{label}[/{colours[label]}]" if label in colours else label
                paired = row["method"] != ""
                effect = ""
                if paired and row["effect_size"] == row["effect_size"]:
                    effect = f"{row['effect_size']:+.2f} {fmt_interval(row['effect_low'], row['effect_high'], digits=2)}"
                name = metric if i == 0 else note if i == 1 else ""
                table.add_row(name, escape(row["arm"]),
                              f"{fmt(row['mean'])} {fmt_interval(row['ci_low'], row['ci_high'])}",
                              f"{fmt(row['diff'], signed=True)} {fmt_interval(row['diff_low'], row['diff_high'])}" if paired else "",
                              effect, styled, end_section=i == len(rows) - 1)
            if len(rows) == 1 and note:
                table.add_row(note, "", "", "", "", "", end_section=True)
        out.print(table)


@app.command()
def sweep(
    spec: Annotated[Path | None, typer.Argument(help="sweep spec TOML file (optional)")] = None,
    out: Annotated[Path, typer.Option(help="sweep folder: created, or resumed if it holds this same sweep")] = ...,
    scenarios: Annotated[str | None, typer.Option(help="comma-separated scenario names or files, e.g. transactional,changemaking")] = None,
    replications: Annotated[int | None, typer.Option(help="seeds per arm (default 20)", min=1, max=100_000)] = None,
    steps: Annotated[int | None, typer.Option(help="quarters per run (default: the scenarios' horizon)", min=STEPS.low, max=STEPS.high)] = None,
    seed: Annotated[int | None, typer.Option(help="root seed of the replication seeds (default 1)", min=0)] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a parameter in every arm, e.g. population.councils=8")] = None,
    workers: Annotated[int | None, typer.Option(help="local worker processes (default: all cores; 1 runs in this process)", min=1)] = None,
    dask: Annotated[str | None, typer.Option(help="run on the Dask scheduler at this address, e.g. tcp://127.0.0.1:8786")] = None,
    dask_wait: Annotated[float | None, typer.Option(help="seconds to wait for the Dask cluster to have a worker before stopping (default 30)", min=1, max=86_400)] = None,
    overwrite: Annotated[bool, typer.Option(help="replace a different sweep already in --out")] = False,
    retry_failed: Annotated[bool, typer.Option(help="run again the runs recorded as failed")] = False,
) -> None:
    """Run scenarios x parameter values x replications, streaming results to Parquet (resumable)."""
    from rich.markup import escape

    from partnering.experiments.spec import design_from_spec, load_spec, spec_with

    try:
        base = load_spec(spec) if spec is not None else None
        overrides = dict(parse_assignment(a) for a in set_) if set_ else None
        merged = spec_with(base, source=str(spec) if spec else "command line", scenarios=_csv(scenarios),
                           replications=replications, steps=steps, seed=seed, overrides=overrides)
        design = design_from_spec(merged, source=str(spec) if spec else "command line",
                                  base_dir=spec.parent if spec else None)
    except ScenarioError as exc:
        fail(str(exc))
    _run_design(design, out, workers, dask, dask_wait, overwrite=overwrite, retry_failed=retry_failed)
    console.print(escape(f"next: partnering compare {out}\n      partnering report {out}"))


@app.command()
def compare(
    results: Annotated[Path, typer.Argument(help="a sweep folder")],
    baseline: Annotated[str | None, typer.Option(help="arm to compare against (default: the first arm)")] = None,
    metrics: Annotated[str | None, typer.Option(help="comma-separated metrics, or 'all' (default: the headline metrics)")] = None,
    steps: Annotated[str | None, typer.Option(help="comma-separated horizons in quarters (default: the last step)")] = None,
    level: Annotated[float, typer.Option(help="confidence level", min=0.5, max=0.999)] = 0.95,
    csv: Annotated[Path | None, typer.Option(help="also write the table to FILE.csv or FILE.parquet")] = None,
) -> None:
    """Print each arm's mean with its confidence interval and its difference from the baseline."""
    from partnering.experiments import compare as compare_arms
    from partnering.experiments import load_results

    try:
        loaded = load_results(results)
        chosen = loaded.metric_names if metrics == "all" else _csv(metrics)
        if csv is not None:
            check_output_path(csv, (".csv", ".parquet"))
        frame = compare_arms(loaded, baseline=baseline, metrics=chosen, horizons=_horizons(steps), level=level)
    except ScenarioError as exc:
        fail(str(exc))
    _print_comparison(frame)
    missing = loaded.expected_runs - len(loaded.runs)
    failed = int((loaded.runs["status"] != "ok").sum())
    if missing or failed:
        console.print(f"[yellow]{missing} run(s) not yet done and {failed} failed: the statistics use the "
                      f"{len(loaded.runs) - failed} successful runs[/yellow]")
    if csv is not None:
        write_frame(frame, csv)
        console.print(f"wrote {len(frame)} rows to {csv}")


@app.command()
def sensitivity(
    source: Annotated[Path | None, typer.Argument(help="a sweep spec TOML file, or a finished sensitivity sweep folder to analyse again")] = None,
    out: Annotated[Path | None, typer.Option(help="sweep folder (required unless SOURCE is a sweep folder)")] = None,
    scenario: Annotated[str | None, typer.Option(help="base scenario (default transactional)")] = None,
    parameters: Annotated[str | None, typer.Option(help="comma-separated parameters or globs, e.g. 'procurement.*,world.*', or 'uncertainties' for every declared uncertainty (default: the five principles)")] = None,
    groups: Annotated[str | None, typer.Option(help="'sections': screen one group per schema section, (sections + 1) runs per trajectory")] = None,
    method: Annotated[str | None, typer.Option(help="morris (default) or sobol")] = None,
    samples: Annotated[int | None, typer.Option(help="Morris trajectories (default 10) or Sobol base points (a power of 2)", min=2)] = None,
    replications: Annotated[int | None, typer.Option(help="seeds per sampled point (default 5)", min=1)] = None,
    steps: Annotated[int | None, typer.Option(help="quarters per run", min=STEPS.low, max=STEPS.high)] = None,
    seed: Annotated[int | None, typer.Option(help="root seed of the sampler and replications", min=0)] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a parameter in every run")] = None,
    metrics: Annotated[str, typer.Option(help="comma-separated metrics to analyse")] = "service_quality,value_for_money,public_trust",
    step: Annotated[int | None, typer.Option(help="horizon analysed (default: the last step)", min=0)] = None,
    workers: Annotated[int | None, typer.Option(help="local worker processes", min=1)] = None,
    dask: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")] = None,
    dask_wait: Annotated[float | None, typer.Option(help="seconds to wait for the Dask cluster to have a worker (default 30)", min=1, max=86_400)] = None,
) -> None:
    """Rank parameters by influence (SALib Morris, or Sobol) over bounds declared in the schema."""
    from partnering.experiments import load_results
    from partnering.experiments import sensitivity as analyse
    from partnering.experiments.plots import png, sensitivity_figure
    from partnering.experiments.problem import GROUPINGS, expand_parameters
    from partnering.experiments.sensitivity_analysis import (
        design_warnings,
        plus_minus,
        write_rankings,
    )
    from partnering.experiments.spec import SweepSpec, design_from_spec, load_spec, spec_with

    try:
        if source is not None and source.is_dir():
            folder = source
        else:
            if out is None:
                fail("--out: a sweep folder is required to run a sensitivity sweep")
            if groups is not None and groups not in GROUPINGS:
                fail(f"--groups: {groups!r}; allowed: {', '.join(GROUPINGS)}")
            label = str(source) if source else "command line"
            base = load_spec(source) if source is not None else SweepSpec(replications=5)
            chosen = _csv(parameters)
            changes = {"method": method, "samples": samples, "groups": groups,
                       "parameters": None if chosen is None else expand_parameters(chosen, "--parameters")}
            merged = spec_with(base, source=label, scenarios=[scenario] if scenario else None,
                               replications=replications, steps=steps, seed=seed,
                               overrides=dict(parse_assignment(a) for a in set_) if set_ else None,
                               sensitivity=changes)
            design = design_from_spec(merged, source=label, base_dir=source.parent if source else None)
            folder = out
    except ScenarioError as exc:
        fail(str(exc))
    if folder is out:
        _run_design(design, out, workers, dask, dask_wait)
    try:
        indices = analyse(load_results(folder), _csv(metrics) or [], step=step)
    except ScenarioError as exc:
        fail(str(exc))
    main = "mu_star" if indices.attrs["method"] == "morris" else "ST"
    level = indices.attrs.get("level", 0.95)
    out_console = _table_console()
    for metric, rows in indices.groupby("metric", sort=False):
        entry = CATALOGUE.get(metric)
        unit = f" ({entry.unit})" if entry is not None and entry.unit else ""
        grouped = bool(indices.attrs.get("grouped"))
        what = "grouped " if grouped else ""
        table = Table(title=f"{metric}{unit} at step {rows['step'].iloc[0]}: {what}{indices.attrs['method']} ranking")
        interval = f"{level:.0%} interval"
        # grouped Morris leaves sigma undefined (SALib), so a grouped table shows each group's size instead
        extra_columns = ["members"] if grouped else ["sigma"] if main == "mu_star" else ["S1", "± "]
        for column in ("rank", "group" if grouped else "parameter", main, interval, "±", *extra_columns):
            table.add_column(column, justify="left" if column in ("parameter", "group") else "right")
        for _, row in rows.iterrows():
            extra = ([str(row["members"])] if grouped else [f"{row['sigma']:.3g}"] if main == "mu_star"
                     else [f"{row['S1']:.3g}", f"{row['S1_conf']:.3g}"])
            flag = " ?" if row["unclear"] else ""
            table.add_row(str(row["rank"]), row["parameter"], f"{row[main]:.3g}{flag}",
                          f"[{row[main + '_low']:.3g}, {row[main + '_high']:.3g}]", f"{row[main + '_conf']:.3g}", *extra)
        out_console.print(table)
    out_console.print(f"{plus_minus(indices)}; ? marks a parameter whose ± exceeds its index")
    for line in design_warnings(indices):
        typer.echo(f"warning: {line}", err=True)
    chart = folder / "sensitivity.png"
    chart.write_bytes(png(sensitivity_figure(indices)))
    tables = write_rankings(indices, folder)
    console.print(f"chart: {chart}\ntables: {', '.join(str(p) for p in tables)}")


@app.command()
def robustness(
    out: Annotated[Path, typer.Option(help="folder: the sweep goes in OUT/sweep (resumed if it is this same sweep), the tables and figure beside it")] = ...,
    patterns: Annotated[str | None, typer.Option(help="comma-separated pattern keys or globs, e.g. 'track_record_*' (default: every pattern)")] = None,
    screen: Annotated[bool, typer.Option(help="grouped Morris screening by section of each pattern's contrast, instead of a robustness map")] = False,
    samples: Annotated[int | None, typer.Option(help="points of the map (default 24) or Morris trajectories of a screening (default 8)", min=2)] = None,
    sampler: Annotated[str, typer.Option(help="how a map's points are drawn: lhs (Latin hypercube) or sobol (scrambled Sobol sequence)")] = "lhs",
    parameters: Annotated[str, typer.Option(help="the uncertainties sampled: names or globs, or 'uncertainties' for every declared one")] = "uncertainties",
    replications: Annotated[int, typer.Option(help="common seeds per arm at each point", min=1)] = 2,
    steps: Annotated[int, typer.Option(help="quarters per run (the patterns read up to step 40)", min=40, max=STEPS.high)] = 40,
    seed: Annotated[int, typer.Option(help="root seed of the sampler and the replications", min=0)] = 1,
    set_: Annotated[list[str] | None, typer.Option("--set", help="fix a parameter in every arm, e.g. population.councils=8")] = None,
    level: Annotated[float, typer.Option(help="confidence level of the intervals and the reversal test", min=0.5, max=0.999)] = 0.95,
    workers: Annotated[int | None, typer.Option(help="local worker processes", min=1)] = None,
    dask: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")] = None,
    dask_wait: Annotated[float | None, typer.Option(help="seconds to wait for the Dask cluster to have a worker (default 30)", min=1, max=86_400)] = None,
    overwrite: Annotated[bool, typer.Option(help="replace a different sweep already in OUT/sweep")] = False,
) -> None:
    """Each pattern across the declared uncertainties: where it holds and reverses (PRIM boxes), or (--screen) which sections its effect depends on."""
    from partnering.experiments import pattern_robustness as pr
    from partnering.experiments.patterns import ALL
    from partnering.experiments.plots import png, robustness_figure, screening_figure
    from partnering.experiments.results import SweepResults

    try:
        chosen = pr.pattern_keys(ALL, _csv(patterns))
        fixed = dict(parse_assignment(a) for a in set_) if set_ else {}
        count = samples if samples is not None else (8 if screen else 24)
        the_plan, problem, matrix, design = pr.build(chosen, count, screen=screen, sampler=sampler,
                                                     parameters=_csv(parameters), fixed=fixed,
                                                     replications=replications, steps=steps, seed=seed)
    except ScenarioError as exc:
        fail(str(exc))
    what = (f"grouped Morris screening, {count} trajectories x {len(pr.group_names(problem))} sections + 1"
            if screen else f"robustness map, {count} {sampler} points")
    _run_design(design, out / "sweep", workers, dask, dask_wait, overwrite=overwrite,
                description=f"{what} of {len(chosen)} patterns over {problem['num_vars']} uncertainties: "
                            f"{design.describe()}")
    metrics = SweepResults(out / "sweep").metrics(columns=sorted({p.metric for p in chosen}))
    try:
        result = pr.analyse(the_plan, problem, matrix, metrics, screen=screen, seed=seed, level=level)
    except ScenarioError as exc:
        fail(str(exc))
    tables = pr.write_tables(result, out)
    table_console = _table_console()
    if screen:
        ranking = result.ranking
        table = Table(title=f"Which sections each pattern's contrast depends on: grouped Morris μ* ({count} "
                            f"trajectories x {replications} replications), sections by μ*")
        for column in ("pattern", "metric", "mean contrast", "sd over points", "sections (μ* [95% interval])"):
            table.add_column(column, justify="right" if "contrast" in column or "sd" in column else "left",
                             overflow="fold")
        for key, rows in ranking.groupby("pattern", sort=False):
            top = rows.nlargest(3, "mu_star")
            words = "; ".join(f"{r.group} {r.mu_star:.3g} [{r.mu_star_low:.3g}, {r.mu_star_high:.3g}]"
                              for r in top.itertuples())
            table.add_row(key, rows["metric"].iloc[0], f"{rows['contrast_mean'].iloc[0]:+.3g}",
                          f"{rows['contrast_sd'].iloc[0]:.3g}", words)
        table_console.print(table)
        if count < 10:
            typer.echo(f"warning: only {count} Morris trajectories: a ranking needs 10 or more to mean much; "
                       "run --samples 10 or more", err=True)
        chart = out / "screening.png"
        chart.write_bytes(png(screening_figure(ranking)))
    else:
        table = Table(title=f"Where each pattern holds: {count} {sampler} points x {replications} replications, "
                            f"{steps} steps; share of points with the expected sign [{level:.0%} Wilson interval]")
        for column in ("pattern", "metric", "expect", "holds", "share [interval]", "confirmed", "reverses",
                       "significant", "zero", "median contrast"):
            table.add_column(column, justify="left" if column in ("pattern", "metric") else "right", overflow="fold",
                             no_wrap=column == "pattern")
        for r in result.shares.itertuples():
            table.add_row(r.pattern, r.metric, f"{r.expect:+d}", f"{r.holds}/{r.points}",
                          f"{r.share:.2f} [{r.share_low:.2f}, {r.share_high:.2f}]", str(r.confirmed), str(r.reverses),
                          str(r.significant), str(r.null), f"{r.median_contrast:+.3g}")
        table_console.print(table)
        table_console.print(f"significant: reversed by more than the one-sided {level:.0%} t quantile times the "
                            "standard error, the within-point spread pooled over the pattern's points; confirmed: "
                            "held by as much; zero: no difference at all between the arms")
        if result.boxes is not None and len(result.boxes):
            boxes = Table(title="Where it reverses: PRIM boxes around the points of reversal")
            for column in ("pattern", "box", "coverage", "density", "points", "limits"):
                boxes.add_column(column, justify="left" if column in ("pattern", "limits") else "right",
                                 overflow="fold")
            for r in result.boxes.itertuples():
                boxes.add_row(r.pattern, str(r.box), f"{r.coverage:.2f}", f"{r.density:.2f}", f"{r.k}/{r.n}", r.words)
            table_console.print(boxes)
        else:
            table_console.print("PRIM found no box around the reversals worth reporting")
        chart = out / "robustness.png"
        chart.write_bytes(png(robustness_figure(result.shares)))
    console.print(f"chart: {chart}\ntables: {', '.join(str(p) for p in tables)}")


@app.command()
def report(
    results: Annotated[Path, typer.Argument(help="a sweep folder")],
    out: Annotated[Path | None, typer.Option(help="HTML file to write (default: DIR/report.html)")] = None,
    baseline: Annotated[str | None, typer.Option(help="arm to compare against (default: the first arm)")] = None,
) -> None:
    """Write one self-contained HTML report (figures, tables, scenario definitions, seeds, versions)."""
    from partnering.experiments import write_report

    try:
        if out is not None:
            check_output_path(out, (".html",))
        path = write_report(results, out=out, baseline=baseline)
    except ScenarioError as exc:
        fail(str(exc))
    console.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} kB)")


@app.command()
def demo(
    replications: Annotated[int, typer.Option(help="seeds per scenario", min=2, max=10_000)] = 30,
    steps: Annotated[int, typer.Option(help="quarters per run (40 = ten years)", min=STEPS.low, max=STEPS.high)] = 40,
    workers: Annotated[int | None, typer.Option(help="local worker processes (default: all cores)", min=1)] = None,
    out: Annotated[Path, typer.Option(help="sweep folder for the results and the report")] = Path("results/demo"),
) -> None:
    """The headline experiment: transactional vs changemaking vs the policy package, replicated."""
    from partnering.experiments import demo_design, run_demo

    try:
        description = demo_design(replications, steps).describe()
    except ScenarioError as exc:
        fail(str(exc))
    result = _execute(description, out, lambda progress: run_demo(out, replications, steps, workers, progress))
    _print_comparison(result.comparison)
    console.print(f"report: {result.report}")


@app.command()
def calibrate(
    out: Annotated[Path, typer.Option(help="folder for the calibration's sweeps (resumable)")] = Path("results/calibration"),
    scenario: Annotated[str, typer.Option(help="scenario to calibrate")] = "uk_2018",
    quick: Annotated[bool, typer.Option(help="a smaller run (3 generations of 40 particles, one run each): under ten minutes on two cores")] = False,
    write: Annotated[bool, typer.Option(help="write the point estimate and its provenance into the scenario file")] = True,
    figures: Annotated[Path | None, typer.Option(help="folder for the posterior's plots and tables (default: OUT/report)")] = None,
    seed: Annotated[int, typer.Option(help="root seed of the procedure", min=0)] = 2018,
    workers: Annotated[int | None, typer.Option(help="local worker processes (default: all cores)", min=1)] = None,
    dask: Annotated[str | None, typer.Option(help="run on the Dask scheduler at this address, e.g. tcp://127.0.0.1:8786")] = None,
) -> None:
    """Fit six uncertainties of uk_2018 to seven UK figures by ABC-SMC; three more are held out."""
    from partnering.experiments.calibration import calibrate as run_calibration
    from partnering.experiments.calibration import write_calibration, write_report
    from partnering.experiments.sweep import parse_dask_address

    size = "quick" if quick else "full"
    try:
        if dask is not None:
            parse_dask_address(dask)
        result = _execute(f"calibrating {scenario} ({size}) to UK figures by ABC-SMC", out, lambda progress: run_calibration(
            out, scenario, size=size, root_seed=seed, workers=workers, dask_address=dask, progress=progress))
    except (RuntimeError, ScenarioError) as exc:
        fail(str(exc))
    moments = result.moment_table()
    table = Table(title=f"{scenario}: moments on {len(result.check)} fresh replications of the point estimate")
    for column in ("moment", "role", "target", "model", "95% interval", "posterior predictive", "within tolerance"):
        table.add_column(column, justify="left" if column in ("moment", "role") else "right")
    for row in moments.itertuples():
        table.add_row(row.moment, row.role.replace("_", " "), f"{row.target:.3g}", f"{row.model:.3f}",
                      f"[{row.ci_low:.3f}, {row.ci_high:.3f}]", f"[{row.predictive_low:.3f}, {row.predictive_high:.3f}]",
                      f"{'yes' if row.within_tolerance else 'no'} (±{row.tolerance:g})")
    wide.print(table)
    params = Table(title="posterior of the free parameters (uniform priors)")
    for column in ("parameter", "prior", "point", "posterior mean ± sd", "90% interval", "sd / prior sd", "identified"):
        params.add_column(column, justify="left" if column in ("parameter", "identified") else "right")
    for row in result.parameter_table().itertuples():
        params.add_row(row.parameter, f"{row.prior_low:g} to {row.prior_high:g}", f"{row.point:.4f}",
                       f"{row.posterior_mean:.4f} ± {row.posterior_sd:.4f}", f"[{row.q05:.4f}, {row.q95:.4f}]",
                       f"{row.sd_ratio:.2f}", row.identified)
    wide.print(params)
    parts = Table(title="variance of councils' intention scores at the survey step")
    for column in ("part", "variance", "share of the score's variance"):
        parts.add_column(column, justify="left" if column == "part" else "right")
    for row in result.decomposition.itertuples():
        parts.add_row(row.part.replace("_", " "), f"{row.variance:.4f}", f"{row.share:.2f}")
    wide.print(parts)
    for path in write_report(result, figures if figures is not None else out / "report"):
        console.print(f"wrote {path}")
    if write:
        path = write_calibration(result)
        console.print(f"wrote the calibrated values and their provenance into {path}")


@scenarios_app.command("list")
def scenarios_list() -> None:
    """List the built-in scenarios with their descriptions."""
    table = Table(title="built-in scenarios")
    table.add_column("name")
    table.add_column("description")
    for name in list_scenarios():
        table.add_row(name, load_scenario(name).description)
    console.print(table)


@scenarios_app.command("show")
def scenarios_show(
    name: Annotated[str, typer.Argument(help="built-in scenario name or a TOML file")],
    kind: Annotated[str | None, typer.Option(help="only parameters of this kind: structure, uncertainty or lever")] = None,
    section: Annotated[str | None, typer.Option(help="only this section, e.g. procurement or trust")] = None,
) -> None:
    """Show a scenario's resolved parameter values with units, bounds, meaning and source, and its
    service catalogue."""
    try:
        scenario = load_scenario(name)
        if kind is not None and kind not in ("structure", "uncertainty", "lever"):
            raise ScenarioError(f"--kind: {kind!r}; allowed: structure, uncertainty, lever")
        if section is not None and section not in SECTIONS:
            raise ScenarioError(f"--section: {section!r}; allowed: {', '.join(SECTIONS)}")
    except ScenarioError as exc:
        fail(str(exc))
    values = scenario.flat()
    table = Table(title=f"{scenario.name}: {scenario.description}")
    for column in ("parameter", "value", "unit", "bounds", "kind"):
        table.add_column(column, no_wrap=True)
    table.add_column("meaning", overflow="fold")
    table.add_column("source", overflow="fold")
    for info in parameter_table():
        if (kind and info.kind != kind) or (section and info.section != section):
            continue
        bounds = "" if info.low is None else f"{info.low:g} to {info.high:g}"
        table.add_row(info.name, str(values[info.name]), info.unit, bounds, info.kind, info.meaning, info.source)
    wide.print(table)
    if section is None:
        wide.print(services_table(scenario))
    for shock in scenario.shocks:
        console.print(f"shock: {shock.kind} at step {shock.step} (size {shock.size}, {shock.service or shock.target})")
    console.print(f"content hash: {scenario.content_hash()}")


def services_table(scenario) -> Table:
    """The service catalogue: one row per service, a column per attribute (meanings below)."""
    fields = ServiceSpec.model_fields
    table = Table(title="services (attributes in [0, 1] unless a unit is given)",
                  caption="; ".join(f"{name}: {info.description}" for name, info in fields.items() if info.description))
    for field in fields:
        table.add_column(field, justify="left" if field == "name" else "right", no_wrap=True)
    for service in scenario.services:
        table.add_row(*(str(getattr(service, field)) for field in fields))
    return table


@scenarios_app.command("validate")
def scenarios_validate(file: Annotated[str, typer.Argument(help="a scenario TOML file")]) -> None:
    """Check a scenario file; prints 'ok' or one line naming what is wrong (exit code 2)."""
    try:
        scenario = load_scenario(file)
    except ScenarioError as exc:
        fail(str(exc))
    console.print(f"ok: {file} is a valid scenario ({scenario.name}, hash {scenario.content_hash()})")


@app.command()
def app_(
    host: Annotated[str, typer.Option(help="interface to listen on (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on", min=1, max=65535)] = 8521,
    room: Annotated[bool, typer.Option("--room", help="one shared world: each participant leads a council, "
                                       "the facilitator runs the clock from /facilitator")] = False,
    scenario: Annotated[str | None, typer.Option(help="the room's scenario (with --room; default transactional)")] = None,
    seed: Annotated[int | None, typer.Option(help="the room's seed (with --room; default 1)", min=0)] = None,
    seconds_per_quarter: Annotated[float, typer.Option(help="pause between quarters while the room's clock runs",
                                                       min=1.0, max=60.0)] = 5.0,
    room_code: Annotated[str | None, typer.Option(help="the code participants type to join (default: a new "
                                                  "random one, printed)")] = None,
    facilitator_code: Annotated[str | None, typer.Option(help="the code that opens /facilitator (default: a new "
                                                         "random one, printed)")] = None,
) -> None:
    """Start the workshop view in a browser (works offline); the facilitator's page is /facilitator."""
    from partnering.viz.access import Codes, chosen_code, new_codes
    from partnering.viz.server import RoomSettings, serve

    if not room and (scenario is not None or seed is not None):
        fail("app: --scenario and --seed choose the shared world of a room; add --room (without it every "
             "participant picks their own)")
    try:
        fresh = new_codes()
        codes = Codes(chosen_code(room_code, "--room-code") if room_code else fresh.room,
                      chosen_code(facilitator_code, "--facilitator-code") if facilitator_code else fresh.facilitator)
    except ValueError as exc:
        fail(f"app: {exc}")
    if codes.room == codes.facilitator:
        fail("app: --room-code and --facilitator-code must differ (a participant would open the facilitator's page)")
    settings = RoomSettings(scenario or "transactional", 1 if seed is None else seed, seconds_per_quarter) if room else None
    serve(host=host, port=port, room=settings, codes=codes)


app.registered_commands[-1].name = "app"


# --- exploration: futures x policies, scenario discovery and robustness ---------------------
def _bounds(items: list[str] | None) -> dict[str, list[float]] | None:
    """'world.demand_growth=0:0.1' -> {'world.demand_growth': [0.0, 0.1]}."""
    if not items:
        return None
    bounds = {}
    for item in items:
        name, _, rest = item.partition("=")
        low, colon, high = rest.partition(":")
        try:
            if not name.strip() or not colon:
                raise ValueError
            bounds[name.strip()] = [float(low), float(high)]
        except ValueError:
            fail(f"--bound {item}: expected NAME=LOW:HIGH, e.g. world.demand_growth=0:0.1")
    return bounds


OPTION_OF_KEY = {"explore.uncertainties": "--uncertainties", "explore.bounds": "--bound", "explore.policies": "--policies",
                 "explore.packages": "--package", "explore.futures": "--futures", "overrides": "--set"}
"""The option a spec key came from, to word an error about options given on the command line."""


def _as_options(message: str) -> str:
    """'command line: explore.bounds: ...' -> '--bound: ...' (a spec file's errors keep its keys)."""
    head = "command line: "
    if not message.startswith(head):
        return message
    rest = message.removeprefix(head)
    for key, option in OPTION_OF_KEY.items():
        if rest.startswith(f"{key}: ") or rest.startswith(f"{key}."):
            return option + rest[len(key):]
    return rest


def _print_exploration(result) -> None:
    """Scenario discovery per question, then robustness, as the terminal's tables."""
    from rich.markup import escape

    from partnering.experiments.analysis import fmt

    out = _table_console()

    def say(text: str) -> None:  # long lines of words run on; the terminal folds them
        out.print(text, soft_wrap=True)

    outcomes = result.outcomes
    failed = int(outcomes["failed"].sum())
    say(f"at step {result.step} (year {result.step / 4:g}): {outcomes['future'].nunique()} futures x "
        f"{len(result.policies)} policies, {int(outcomes['runs'].sum())} runs recorded, {failed} failed")
    for case in result.cases.itertuples():
        say(f"\n[bold]question:[/bold] {escape(case.question)}")
        say(f"  {escape(case.words)}: in {case.holds} of {case.futures} futures ({case.share:.1%})")
        boxes = result.boxes[result.boxes["question"] == case.question]
        if boxes.empty:
            say("  no box: where it holds is not concentrated in a region PRIM can describe beyond chance"
                if 0 < case.holds < case.futures else "  no box: it holds in none or all of the futures")
        for box in boxes.itertuples():
            say(f"  PRIM box {box.box}: coverage {box.coverage:.2f}, density {box.density:.2f} "
                f"({box.lift:.1f}x the {case.share:.1%} base rate), {box.n} futures (mass {box.mass:.2f}), "
                f"{box.res_dim} restricted:")
            limits = result.limits[(result.limits["question"] == case.question) & (result.limits["box"] == box.box)]
            for limit in limits.itertuples():
                doubt = ": may be chance" if limit.qp > 0.05 else ""
                say(f"    - {escape(limit.words)}; quasi-p {limit.qp:.2g}{doubt}")
        leaves = result.cart[result.cart["question"] == case.question]
        if len(leaves):
            leaf = leaves.iloc[0]
            say(f"  CART's densest leaf: coverage {leaf['coverage']:.2f}, density {leaf['density']:.2f}: "
                f"{escape(leaf['words'])}")
    say("")
    table = Table(title=f"robustness over {result.complete_futures} futures at step {result.step}: value "
                        "[5% to 95% of futures] and regret (shortfall from the best policy in the same future)")
    for column in ("metric", "better", "policy", "median [5%, 95%]", "mean regret", "90% regret", "max regret",
                   "best in"):
        table.add_column(column, justify="left" if column in ("metric", "better", "policy") else "right")
    for metric, rows in result.robustness.groupby("metric", sort=False):
        for i, (_, row) in enumerate(rows.iterrows()):
            table.add_row(metric if i == 0 else "", CATALOGUE[metric].better if i == 0 else "", escape(row["policy"]),
                          f"{fmt(row['median'])} [{fmt(row['p5'])}, {fmt(row['p95'])}]", fmt(row["mean_regret"]),
                          fmt(row["p90_regret"]), fmt(row["max_regret"]), f"{row['best_share']:.0%}",
                          end_section=i == len(rows) - 1)
    out.print(table)
    if len(result.satisficing):
        met = Table(title="satisficing: share of futures meeting each threshold (a failed run does not meet it)")
        met.add_column("threshold")
        for policy in result.policies:
            met.add_column(escape(policy), justify="right")
        for threshold, rows in result.satisficing.groupby("threshold", sort=False):
            shares = rows.set_index("policy")["share"]
            met.add_row(escape(threshold), *(f"{shares.get(p, float('nan')):.0%}" for p in result.policies))
        out.print(met)
    picks = Table(title="recommended policy under each robustness criterion")
    per_metric = result.recommendations[result.recommendations["metric"].isin(list(CATALOGUE))]
    criteria = list(dict.fromkeys(per_metric["criterion"]))
    for column in ("metric", *criteria):
        picks.add_column(column)
    for metric, rows in per_metric.groupby("metric", sort=False):
        named = {r.criterion: r.policy + (f" = {', '.join(r.ties)}" if r.ties else "") for r in rows.itertuples()}
        picks.add_row(escape(metric), *(escape(named.get(c, "")) for c in criteria))
    out.print(picks)
    for row in result.recommendations[~result.recommendations["metric"].isin(list(CATALOGUE))].itertuples():
        tied = f" (tied with {', '.join(row.ties)})" if row.ties else ""
        score = (f"meets them in {row.value:.0%} of futures" if row.criterion == "satisficing"
                 else f"largest regret {row.value:.2f} of a metric's range")
        out.print(escape(f"{row.criterion} ({row.metric}): {row.policy}{tied}, {score}"))


@app.command()
def explore(
    source: Annotated[Path | None, typer.Argument(help="a spec TOML file with an [explore] section, or an exploration folder to analyse again")] = None,
    out: Annotated[Path | None, typer.Option(help="exploration folder: created, or resumed if it holds this same design")] = None,
    policies: Annotated[str | None, typer.Option(help="comma-separated scenario names or files, and package names (default transactional,changemaking,policy_package)")] = None,
    package: Annotated[list[str] | None, typer.Option(help="a lever package, 'NAME: BASE + lever=value + ...' (repeatable)")] = None,
    uncertainties: Annotated[str | None, typer.Option(help="comma-separated uncertainties to explore (default: every declared one)")] = None,
    bound: Annotated[list[str] | None, typer.Option(help="narrower range NAME=LOW:HIGH inside the declared bounds (repeatable)")] = None,
    futures: Annotated[int | None, typer.Option(help="futures in the Latin hypercube (default 200)", min=2)] = None,
    replications: Annotated[int | None, typer.Option(help="seeds per future and policy (default 2)", min=1, max=100_000)] = None,
    steps: Annotated[int | None, typer.Option(help="quarters per run (default: the scenarios' horizon)", min=1, max=400)] = None,
    seed: Annotated[int | None, typer.Option(help="root seed of the hypercube and the replications (default 1)", min=0)] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a parameter in every run, e.g. population.councils=8")] = None,
    question: Annotated[list[str] | None, typer.Option(help="for scenario discovery, e.g. 'value_for_money: changemaking worse than transactional' or 'supplier_failures: changemaking > 2' (repeatable)")] = None,
    threshold: Annotated[list[str] | None, typer.Option(help="for satisficing, e.g. 'service_quality >= 0.7' (repeatable)")] = None,
    metrics: Annotated[str | None, typer.Option(help="comma-separated metrics for regret (default: the headline metrics with a better direction)")] = None,
    step: Annotated[int | None, typer.Option(help="horizon analysed (default: the last step)", min=0)] = None,
    min_coverage: Annotated[float | None, typer.Option(help="a chosen PRIM box keeps at least this share of the cases (default 0.5)", min=0.0, max=1.0)] = None,
    max_dims: Annotated[int | None, typer.Option(help="a chosen PRIM box restricts at most this many uncertainties (default 3)", min=1)] = None,
    workers: Annotated[int | None, typer.Option(help="local worker processes (default: all cores; 1 runs in this process)", min=1)] = None,
    dask: Annotated[str | None, typer.Option(help="run on the Dask scheduler at this address, e.g. tcp://127.0.0.1:8786")] = None,
    dask_wait: Annotated[float | None, typer.Option(help="seconds to wait for the Dask cluster to have a worker (default 30)", min=1, max=86_400)] = None,
    overwrite: Annotated[bool, typer.Option(help="replace a different sweep already in --out")] = False,
    retry_failed: Annotated[bool, typer.Option(help="run again the runs recorded as failed")] = False,
) -> None:
    """Explore futures x policies: where a policy pays or fails (PRIM boxes) and which is robust (regret)."""
    import dataclasses

    from rich.markup import escape

    from partnering.experiments.exploration import (
        DEFAULT_POLICIES,
        analyse_exploration,
        check_settings,
        open_exploration,
        parse_package,
        policy_names,
        read_settings,
    )
    from partnering.experiments.spec import design_from_spec, explore_settings, load_spec, spec_with

    asked = {"questions": None if question is None else tuple(question),
             "thresholds": None if threshold is None else tuple(threshold),
             "metrics": None if metrics is None else tuple(_csv(metrics) or ()), "step": step,
             "min_coverage": min_coverage, "max_dims": max_dims}
    asked = {k: v for k, v in asked.items() if v is not None}
    try:
        if source is not None and source.is_dir():
            design_options = {"--out": out, "--policies": policies, "--package": package, "--uncertainties": uncertainties,
                              "--bound": bound, "--futures": futures, "--replications": replications, "--steps": steps,
                              "--seed": seed, "--set": set_}
            given = [k for k, v in design_options.items() if v]
            if given:
                fail(f"{given[0]}: {source} is an exploration to analyse again; options that change the design "
                     "need a new --out (or a spec file)")
            folder = source
            settings = dataclasses.replace(read_settings(folder), **asked)
            check_settings(settings, policy_names(open_exploration(folder)))
        else:
            if out is None:
                fail("--out: a folder for the exploration is required")
            label = str(source) if source else "command line"
            base = load_spec(source) if source is not None else None
            section = base.explore if base is not None and base.explore is not None else None
            packages = {k: v.model_dump() for k, v in section.packages.items()} if section else {}
            added = {p.name: {"base": str(p.scenario), "levers": dict(p.levers)} for p in map(parse_package, package or [])}
            names = _csv(policies)
            if added:
                listed = names or list(section.policies if section else DEFAULT_POLICIES)
                names = listed + [n for n in added if n not in listed]
            changes = {"policies": names, "uncertainties": _csv(uncertainties), "bounds": _bounds(bound),
                       "futures": futures, "packages": {**packages, **added} or None}
            merged = spec_with(base, source=label, replications=replications, steps=steps, seed=seed,
                               overrides=dict(parse_assignment(a) for a in set_) if set_ else None, explore=changes)
            design = design_from_spec(merged, source=label, base_dir=source.parent if source else None)
            settings = dataclasses.replace(explore_settings(merged), **asked)
            check_settings(settings, [p["name"] for p in design.options["policies"]])
            if settings.step is not None and settings.step > design.steps:
                fail(f"--step: {settings.step} is outside the exploration; allowed 0 to {design.steps}")
            folder = out
    except ScenarioError as exc:
        fail(_as_options(str(exc)))
    if folder is out:
        from partnering.experiments.exploration import describe

        _run_design(design, out, workers, dask, dask_wait, overwrite=overwrite, retry_failed=retry_failed,
                    description=describe(design))
    try:
        result = analyse_exploration(folder, settings, save=True)
    except ScenarioError as exc:
        fail(str(exc))
    _print_exploration(result)
    console.print(escape(f"next: partnering report {folder}"))


def main() -> None:
    """Entry point of the `partnering` command: bad input of any kind ends in one line, code 2."""
    try:
        code = app(standalone_mode=False)
    except USAGE_ERRORS as exc:
        message = " ".join(exc.format_message().split())
        if not message:  # `partnering` alone: the help was shown
            sys.exit(0)
        command = exc.ctx.command_path if exc.ctx is not None else "partnering"
        typer.echo(f"error: {command}: {message}", err=True)
        sys.exit(2)
    except ScenarioError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except ABORTS:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except OSError as exc:  # a full disk or an output the system refuses: one line, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"error: {where}{exc.strerror or exc}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


QUICK_EXIT = frozenset({"run"})
"""Commands that start no process, pool, cluster or server of their own, so nothing of theirs
waits on the interpreter's shutdown."""


def console_main() -> None:
    """The `partnering` command: :func:`main`, then, after a :data:`QUICK_EXIT` command, leave
    without the interpreter's teardown. Freeing an England world object by object takes half a
    second after the results are written and flushed; the operating system reclaims it at once.
    In-process callers (tests, notebooks) use :func:`main`, which returns by ``SystemExit``."""
    try:
        main()
    except SystemExit as exc:
        leave(exc.code, sys.argv[1:2])
        raise


def leave(code: object, command: list[str]) -> None:
    """End the process now with ``code`` if ``command`` is a :data:`QUICK_EXIT` command and
    ``code`` a plain exit status; otherwise return (and the caller exits as usual)."""
    import os

    if command and command[0] in QUICK_EXIT and isinstance(code, int | None):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)


if __name__ == "__main__":  # `python -m partnering.cli`, as the docs run it from a checkout
    console_main()
