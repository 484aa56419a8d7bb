"""The `partnering` command: thin wrappers over the public Python API.

Bad input ends with one line on stderr naming the file, key and what is allowed, and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from partnering.scenarios import (
    ScenarioError,
    apply_overrides,
    list_scenarios,
    load_scenario,
    parameter_table,
    parse_assignment,
)

app = typer.Typer(
    help="Agent-based model of transactional and relational partnering in public services.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenarios_app = typer.Typer(help="List, show and validate scenarios.", no_args_is_help=True)
app.add_typer(scenarios_app, name="scenarios")

console = Console()
HEADLINE = (
    "service_quality", "unmet_need", "value_for_money", "total_spend", "overhead", "trust_council_supplier",
    "trust_supplier_council", "public_trust", "hhi", "sme_share", "vcse_share", "single_bid_share",
    "supplier_failures", "mean_margin", "share_in_house", "share_outsourced", "share_co_commissioned",
    "share_community", "intend_more", "intend_same", "intend_less",
)


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
    steps: Annotated[int | None, typer.Option(help="quarters to simulate (default: the scenario's horizon)", min=1, max=400)] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 1,
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
    for column in ("metric", "start", "end", "mean"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    for name in HEADLINE:
        series = frame[name]
        table.add_row(name, f"{series.iloc[0]:.3f}", f"{series.iloc[-1]:.3f}", f"{series.mean():.3f}")
    console.print(table)
    if events:
        for row in model.events.to_frame().itertuples():
            console.print(f"{row.when}: {row.text}")
    if out is not None:
        write_frame(frame, out)
        console.print(f"wrote {len(frame)} rows to {out}")


def check_output_path(path: Path, suffixes: tuple[str, ...]) -> None:
    """Refuse an output path we cannot write before running anything."""
    if path.suffix not in suffixes:
        raise ScenarioError(f"{path}: --out must end in {' or '.join(suffixes)}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise ScenarioError(f"{path}: --out: folder {parent} does not exist")
    if not parent.is_dir() or not _writable(parent):
        raise ScenarioError(f"{path}: --out: folder {parent} is not writable")


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK)


def write_frame(frame, path: Path) -> None:
    """Write atomically: a temporary file renamed into place, so a failure leaves nothing half-written."""
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix == ".csv":
        frame.to_csv(tmp, index=False)
    else:
        frame.to_parquet(tmp, index=False)
    tmp.replace(path)


@app.command()
def demo(seed: Annotated[int, typer.Option(help="random seed")] = 1) -> None:
    """Run transactional and changemaking for ten years and print them side by side."""
    from partnering.model.model import PartneringModel

    frames = {name: PartneringModel(name, rng=seed).run(40).metrics_frame() for name in ("transactional", "changemaking")}
    table = Table(title=f"ten years, seed {seed}: value at year 10 (change since the start)")
    table.add_column("metric")
    for name in frames:
        table.add_column(name, justify="right")
    for metric in HEADLINE:
        cells = [f"{f[metric].iloc[-1]:.3f} ({f[metric].iloc[-1] - f[metric].iloc[0]:+.3f})" for f in frames.values()]
        table.add_row(metric, *cells)
    console.print(table)


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
) -> None:
    """Show a scenario's resolved parameter values with units, bounds and meaning."""
    try:
        scenario = load_scenario(name)
    except ScenarioError as exc:
        fail(str(exc))
    values = scenario.flat()
    table = Table(title=f"{scenario.name}: {scenario.description}")
    for column in ("parameter", "value", "unit", "bounds", "kind", "meaning"):
        table.add_column(column)
    for info in parameter_table():
        if kind and info.kind != kind:
            continue
        bounds = "" if info.low is None else f"{info.low:g} to {info.high:g}"
        table.add_row(info.name, str(values[info.name]), info.unit, bounds, info.kind, info.meaning)
    console.print(table)
    console.print(f"services: {', '.join(s.name for s in scenario.services)}")
    for shock in scenario.shocks:
        console.print(f"shock: {shock.kind} at step {shock.step} (size {shock.size}, {shock.service or shock.target})")
    console.print(f"content hash: {scenario.content_hash()}")


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
) -> None:
    """Start the workshop view in a browser (works offline)."""
    from partnering.viz.server import serve

    serve(host=host, port=port)


app.registered_commands[-1].name = "app"


def main() -> None:
    """Entry point of the `partnering` command."""
    try:
        app()
    except ScenarioError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
