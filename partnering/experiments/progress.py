"""A rich progress bar for sweeps: runs done and failed, elapsed time and time left."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from partnering.experiments.sweep import Progress as SweepProgress


@contextmanager
def rich_progress(description: str = "runs", console: Console | None = None) -> Iterator[Callable[[SweepProgress], None]]:
    """A callback for ``run_sweep(progress=...)`` that draws a live bar while the block runs.

    The time left is estimated from the runs finished in this session, not those found done.
    """
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TextColumn("{task.fields[skipped]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    task = None

    def update(state: SweepProgress) -> None:
        nonlocal task
        if task is None:
            skipped = f"({state.skipped} already done)" if state.skipped else ""
            task = bar.add_task(description, total=state.total, completed=state.skipped, failed=0, skipped=skipped)
        bar.update(task, completed=state.done, failed=state.failed)

    with bar:
        yield update
