"""Faults during a sweep lose nothing: no finished run is lost or recorded twice, a rerun completes
the rest, and the final results equal those of a sweep that was never interrupted.

Already covered in tests/experiments/test_resume.py: the sweep process killed by SIGKILL or
Ctrl-C, remnants of a half-written batch, a run that always raises (in a pool) and its retry.
This file adds:

- a *worker* process killed by SIGKILL in the middle of a run (as the OOM killer would);
- a run that fails once (a transient MemoryError) and succeeds when retried;
- a run that raises SystemExit (a library calling ``sys.exit``);
- the disk filling up (ENOSPC) while a batch's metrics, events or runs part is written, the
  temporary file left half-written, and while the sweep's manifest is first written.

Results are compared on the metrics, runs (timings aside) and events tables, sorted by run_id.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from partnering.experiments import (
    Design,
    ExecutorFailed,
    SerialExecutor,
    load_results,
    run_sweep,
    scenario_design,
)
from partnering.experiments.runner import simulate
from partnering.scenarios import Scenario
from tests.experiments.experiments_support import assert_same_results
from tests.reliability.reliability_support import KillWorkerOnce, RaiseOnce, disk_full, tally


def design() -> Design:
    """Eight runs of six quarters in small worlds: two arms x four replications."""
    return scenario_design(["transactional", "changemaking"], replications=4, steps=6,
                           overrides={"population.councils": 3})


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The design run serially and uninterrupted."""
    out = tmp_path_factory.mktemp("reference") / "sweep"
    run_sweep(design(), out, workers=1)
    return out


def committed(out: Path) -> pd.DataFrame:
    """The runs recorded so far, each exactly once."""
    runs = load_results(out).runs
    assert runs["run_id"].is_unique, "a run is recorded twice"
    return runs


# --- a worker killed mid-run ----------------------------------------------------------------------
def test_a_worker_killed_mid_run_loses_nothing_and_a_rerun_completes_the_sweep(reference, tmp_path):
    plan = design()
    out, marker = tmp_path / "sweep", str(tmp_path / "killed-once")
    victim = KillWorkerOnce("changemaking", plan.seeds[2], marker)
    with pytest.raises(ExecutorFailed, match="rerun to resume"):
        run_sweep(plan, out, workers=2, run=victim)
    assert Path(marker).exists(), "the worker was never killed"
    tally("faults injected: worker SIGKILL")
    before = committed(out)
    assert len(before) < len(plan) and set(before["status"]) <= {"ok"}

    summary = run_sweep(plan, out, workers=2, run=victim)  # the marker is there: no kill this time
    assert (summary.skipped, summary.ok, summary.failed) == (len(before), len(plan) - len(before), 0)
    tally("runs recovered after a fault", summary.ok)
    tally("runs kept through a fault", len(before))
    assert_same_results(out, reference)


# --- runs that raise ------------------------------------------------------------------------------
def test_a_run_that_fails_once_is_recorded_and_retried_to_the_same_results(reference, tmp_path):
    plan = design()
    out = tmp_path / "sweep"
    flaky = RaiseOnce("transactional", plan.seeds[1], str(tmp_path / "raised-once"))
    first = run_sweep(plan, out, executor=SerialExecutor(), run=flaky)
    assert (first.ok, first.failed) == (len(plan) - 1, 1)
    tally("faults injected: run raises")
    failed = load_results(out).failures()
    assert failed["error"].str.contains("MemoryError: injected transient failure").all()

    again = run_sweep(plan, out, executor=SerialExecutor(), run=flaky, retry_failed=True)
    assert (again.skipped, again.ok, again.failed) == (len(plan) - 1, 1, 0)
    tally("runs recovered after a fault", again.ok)
    tally("runs kept through a fault", again.skipped)
    committed(out)
    assert_same_results(out, reference)


class ExitFor:
    """Runs the model, except that one run calls ``sys.exit`` (as some libraries do on error)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __call__(self, scenario: Scenario, seed: int, steps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        if seed == self.seed and scenario.name == "changemaking":
            raise SystemExit(3)
        return simulate(scenario, seed, steps)


def test_a_run_that_exits_is_recorded_as_failed_and_the_sweep_goes_on(reference, tmp_path):
    plan = design()
    out = tmp_path / "sweep"
    summary = run_sweep(plan, out, executor=SerialExecutor(), run=ExitFor(plan.seeds[1]))
    assert (summary.ok, summary.failed) == (len(plan) - 1, 1)
    tally("faults injected: run calls sys.exit")
    assert load_results(out).failures()["error"].str.contains("SystemExit: 3").all()

    again = run_sweep(plan, out, executor=SerialExecutor(), retry_failed=True)
    assert (again.skipped, again.ok, again.failed) == (len(plan) - 1, 1, 0)
    tally("runs recovered after a fault", again.ok)
    tally("runs kept through a fault", again.skipped)
    assert_same_results(out, reference)


# --- the disk fills up ----------------------------------------------------------------------------
class FullDisk:
    """``pyarrow.parquet.write_table`` that, once, writes half a file into the table's temporary file
    and then fails with ENOSPC, the n-th time the chosen table ('metrics', 'events' or 'runs') is
    written."""

    def __init__(self, table: str, nth: int) -> None:
        self.table, self.nth, self.seen, self.fired = table, nth, 0, False
        self.real = pq.write_table

    def __call__(self, table, where, *args, **kwargs):
        if not self.fired and Path(where.name).parent.name == self.table:
            self.seen += 1
            if self.seen == self.nth:
                self.fired = True
                where.write(b"PAR1\x00half a part")
                raise disk_full()
        return self.real(table, where, *args, **kwargs)


def fill_the_disk(monkeypatch, out: Path, table: str) -> int:
    """Run the design in batches of two runs with the disk filling during the second batch's
    ``table`` part; return how many runs were committed."""
    plan = design()
    full = FullDisk(table, nth=2)
    monkeypatch.setattr(pq, "write_table", full)
    with pytest.raises(OSError) as failure:
        run_sweep(plan, out, executor=SerialExecutor(), flush_every=2)
    monkeypatch.undo()
    assert full.fired and failure.value.errno == errno.ENOSPC
    tally("faults injected: disk full")
    return len(committed(out))


@pytest.mark.parametrize("table", ["metrics", "events", "runs"])
def test_a_full_disk_while_writing_a_batch_loses_nothing_and_a_rerun_completes(reference, tmp_path, monkeypatch,
                                                                               table):
    out = tmp_path / "sweep"
    kept = fill_the_disk(monkeypatch, out, table)
    assert kept == 2, "the first batch is committed, the second is not"
    assert list(out.rglob(".*.tmp")), "the half-written temporary file is still there before the rerun"

    summary = run_sweep(design(), out, executor=SerialExecutor())
    assert (summary.skipped, summary.ok, summary.failed) == (kept, len(design()) - kept, 0)
    tally("runs recovered after a fault", summary.ok)
    tally("runs kept through a fault", kept)
    assert not list(out.rglob(".*.tmp")), "the rerun removes the half-written file"
    assert_same_results(out, reference)


@pytest.mark.parametrize("table", [
    "metrics",
    "events",
    "runs",
])
def test_after_a_full_disk_the_results_show_only_recorded_runs(tmp_path, monkeypatch, table):
    out = tmp_path / "sweep"
    fill_the_disk(monkeypatch, out, table)
    results = load_results(out)
    recorded = set(results.runs["run_id"])
    assert set(results.metrics()["run_id"]) <= recorded
    events = results.events()
    assert not len(events) or set(events["run_id"]) <= recorded


def fill_the_disk_while_writing_the_manifest(monkeypatch) -> None:
    """Make the manifest's write stop half way with ENOSPC (every other write goes through)."""
    real = Path.write_text

    def full(self, data, *args, **kwargs):
        if self.name == ".sweep.json.tmp":
            real(self, data[: len(data) // 2], *args, **kwargs)
            raise disk_full()
        return real(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)


def test_a_full_disk_while_writing_the_manifest_leaves_no_sweep_behind(tmp_path, monkeypatch):
    """The manifest is the first file; a full disk there must not make the folder unusable."""
    out = tmp_path / "sweep"
    fill_the_disk_while_writing_the_manifest(monkeypatch)
    with pytest.raises(OSError) as failure:
        run_sweep(design(), out, executor=SerialExecutor())
    monkeypatch.undo()
    assert failure.value.errno == errno.ENOSPC
    tally("faults injected: disk full")
    assert not (out / "sweep.json").exists()


def test_after_a_full_disk_while_writing_the_manifest_a_rerun_completes(reference, tmp_path, monkeypatch):
    out = tmp_path / "sweep"
    fill_the_disk_while_writing_the_manifest(monkeypatch)
    with pytest.raises(OSError):
        run_sweep(design(), out, executor=SerialExecutor())
    monkeypatch.undo()
    tally("faults injected: disk full")
    summary = run_sweep(design(), out, executor=SerialExecutor())
    assert summary.ok == len(design())
    tally("runs recovered after a fault", summary.ok)
    assert_same_results(out, reference)


def test_a_full_disk_during_the_sweep_command_is_reported_in_one_line(tmp_path, monkeypatch, capsys):
    from partnering import cli

    monkeypatch.setattr(pq, "write_table", FullDisk("runs", nth=1))
    monkeypatch.setattr("sys.argv", ["partnering", "sweep", "--scenarios", "transactional", "--replications", "2",
                                     "--steps", "2", "--set", "population.councils=2", "--workers", "1",
                                     "--out", str(tmp_path / "sweep")])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code not in (0, None)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0]
    tally("faults injected: disk full")
