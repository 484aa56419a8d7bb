"""Storage: atomic batches, resume after Ctrl-C or SIGKILL with every run exactly once, failed runs
recorded with their traceback, and a folder holding another sweep refused in one line."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from experiments_support import FailForSeed, assert_same_results, tidy

from partnering.experiments import Design, SweepError, load_results, run_sweep, scenario_design

SCRIPT = Path(sys.executable).parent / "partnering"


def committed(out: Path) -> int:
    runs = load_results(out).runs
    assert runs["run_id"].is_unique, "a run is recorded twice"
    return len(runs)


def test_running_a_finished_sweep_again_skips_every_run(reference, design, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(reference, out)
    summary = run_sweep(design, out, workers=1)
    assert (summary.skipped, summary.ok, summary.failed) == (len(design), 0, 0)
    assert_same_results(reference, out)


def test_ctrl_c_keeps_the_finished_runs_and_a_rerun_completes_the_sweep(reference, design, tmp_path):
    out = tmp_path / "interrupted"

    def interrupt_after_two(state) -> None:
        if state.ok == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(design, out, workers=1, progress=interrupt_after_two)
    assert committed(out) == 2
    summary = run_sweep(design, out, workers=1)
    assert (summary.skipped, summary.ok) == (2, len(design) - 2)
    assert_same_results(reference, out)


def test_remnants_of_a_killed_batch_are_discarded_when_the_sweep_resumes(reference, design, tmp_path):
    out = tmp_path / "remnants"
    shutil.copytree(reference, out)
    part = next((out / "runs").glob("part-*.parquet"))
    for table in ("metrics", "events"):  # a batch whose runs part (its commit record) never landed
        source = out / table / part.name
        if source.exists():
            shutil.copy(source, out / table / "part-orphan.parquet")
    (out / "metrics" / ".part-half-written.parquet.tmp").write_bytes(b"PAR1")
    part.unlink()  # ...and the runs of that batch are lost with it
    lost = len(design) - committed(out)
    assert lost > 0
    summary = run_sweep(design, out, workers=1)
    assert summary.ok == lost
    assert not list((out / "metrics").glob(".*.tmp"))
    assert_same_results(reference, out)


def killable_design() -> Design:
    """60 runs of 20 quarters with 8 councils: the sweep the signal tests start and resume
    (about 10 s of work on two cores, so that a signal after the first batch lands mid-way)."""
    return scenario_design(["transactional", "changemaking"], replications=30, steps=20,
                           overrides={"population.councils": 8})


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_sweep_and_signal(out: Path, sig: signal.Signals) -> subprocess.CompletedProcess:
    """Start :func:`killable_design` on two workers, send ``sig`` to its process group once a
    batch of runs is committed (as a terminal's Ctrl-C or kill -9 of the job would), and wait.

    A batch is written once its oldest run has waited a second; the sweep needs about three
    more seconds of work on two idle cores, so the signal lands mid-way."""
    command = [str(SCRIPT), "sweep", "--scenarios", "transactional,changemaking", "--replications", "30",
               "--steps", "20", "--set", "population.councils=8", "--workers", "2", "--out", str(out)]
    # A shell starts background jobs with SIGINT ignored, and a child inherits that (Python then
    # installs no KeyboardInterrupt handler): restore the default, as for a job in a terminal, so
    # that the test means the same however the suite was started.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=_interruptible)
    deadline = time.monotonic() + 120
    try:
        while not list((out / "runs").glob("part-*.parquet")):
            assert process.poll() is None, f"the sweep ended before writing a run: {process.stderr.read()}"
            assert time.monotonic() < deadline, "no run written within two minutes"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, sig)
        _, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(command, process.returncode, "", stderr)


def test_ctrl_c_on_the_command_line_keeps_what_is_done_and_says_how_to_resume(tmp_path, pool):
    design = killable_design()
    out = tmp_path / "ctrl-c"
    result = start_sweep_and_signal(out, signal.SIGINT)
    assert result.returncode == 130
    assert "interrupted:" in result.stderr and "run the same command again to resume" in result.stderr
    assert "Traceback" not in result.stderr
    recorded = committed(out)
    assert 0 < recorded < len(design)
    summary = run_sweep(design, out, executor=pool)
    assert summary.skipped == recorded and summary.complete
    assert committed(out) == len(design)


def test_a_sweep_killed_with_sigkill_resumes_with_every_run_exactly_once(tmp_path, pool):
    design = killable_design()
    out = tmp_path / "killed"
    start_sweep_and_signal(out, signal.SIGKILL)
    recorded = committed(out)
    assert 0 < recorded < len(design), "the kill should land mid-way"

    summary = run_sweep(design, out, executor=pool)  # the same sweep resumes, whatever the backend
    assert summary.skipped == recorded and summary.ok == len(design) - recorded
    uninterrupted = tmp_path / "uninterrupted"
    run_sweep(design, uninterrupted, executor=pool)
    assert_same_results(uninterrupted, out)


def test_a_failing_run_is_recorded_with_its_traceback_and_the_others_finish(design, pool, tmp_path):
    out = tmp_path / "failing"
    bad_seed = design.seeds[1]
    summary = run_sweep(design, out, executor=pool, run=FailForSeed(bad_seed))
    arms = len(design.points)
    assert (summary.ok, summary.failed) == (len(design) - arms, arms)
    metrics, runs, _ = tidy(out)
    failed = runs[runs["status"] == "failed"]
    assert set(failed["seed"]) == {bad_seed}
    assert failed["error"].str.contains("Traceback").all()
    assert failed["error"].str.contains(f"injected failure for seed {bad_seed}").all()
    assert (runs.loc[runs["status"] == "ok", "error"] == "").all()
    assert set(metrics["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])


def test_failed_runs_are_kept_on_resume_and_run_again_on_request(reference, design, tmp_path):
    out = tmp_path / "retry"
    run_sweep(design, out, workers=1, run=FailForSeed(design.seeds[0]))
    again = run_sweep(design, out, workers=1)
    assert again.ok == 0 and again.skipped == len(design)
    retried = run_sweep(design, out, workers=1, retry_failed=True)
    assert retried.ok == len(design.points) and retried.failed == 0
    assert_same_results(reference, out)


def test_a_folder_holding_a_different_sweep_is_refused_in_one_line(reference, tmp_path):
    out = tmp_path / "taken"
    shutil.copytree(reference, out)
    other = scenario_design(["transactional"], replications=2, steps=3)
    with pytest.raises(SweepError, match="holds a different sweep") as err:
        run_sweep(other, out, workers=1)
    assert "\n" not in str(err.value) and "--overwrite" in str(err.value)
    assert committed(out) == len(load_results(reference).runs)


def test_overwrite_replaces_a_different_sweep(reference, tmp_path):
    out = tmp_path / "replaced"
    shutil.copytree(reference, out)
    other = scenario_design(["transactional"], replications=2, steps=3, overrides={"population.councils": 3})
    summary = run_sweep(other, out, workers=1, overwrite=True)
    assert summary.ok == 2 and committed(out) == 2


def test_a_folder_that_is_not_a_sweep_is_never_written_to(design, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SweepError, match="not empty and holds no sweep"):
        run_sweep(design, tmp_path, workers=1, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_sweep_written_by_other_model_code_is_not_resumed(reference, design, tmp_path, monkeypatch):
    out = tmp_path / "old-code"
    shutil.copytree(reference, out)
    monkeypatch.setattr("partnering.experiments.store.model_code_hash", lambda: "0123456789abcdef")
    with pytest.raises(SweepError, match="different model code"):
        run_sweep(design, out, workers=1)


def test_two_sweeps_cannot_write_to_one_folder_at_once(design, tmp_path):
    from partnering.experiments.store import open_store

    with open_store(tmp_path / "busy", design), pytest.raises(SweepError, match="another sweep is writing"):
        open_store(tmp_path / "busy", design)
