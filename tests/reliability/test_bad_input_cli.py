"""Bad input through the installed `partnering` command, for the cases the other suites check
only in-process or not at all.

Every refusal must be: exit code 2, exactly one line on stderr that names what is wrong and what
is allowed, no traceback, and nothing written (the working folder is byte-for-byte unchanged).
tests/test_cli.py, tests/scenarios/test_bad_input.py and tests/experiments/test_spec.py already
cover many messages; this file sends the rest through a real subprocess, and measures the peak
memory of refusing an enormous population (the child's own VmHWM, see ``MEASURED``).

Unwritable outputs: the tests run as root, for whom ``os.access`` says every folder is writable
and ``chmod`` stops nothing. Two paths defeat root all the same: a path *under a regular file*
(``afile/sub``: not a directory) and ``/sys`` (sysfs refuses new files to everyone).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from partnering.experiments import run_sweep, scenario_design
from tests.reliability.reliability_support import SCRIPT, TALLY, tally

SMALL = ("--steps", "2", "--set", "population.councils=2")
SWEEP = ("--replications", "1", "--steps", "2", "--set", "population.councils=2", "--workers", "1")
ENORMOUS = "[population]\ncouncils = 2000000000\nsmes_per_place = 2000000000\ngroups_per_place = 2000000000\n"


def sysfs_refuses_root() -> bool:
    """Whether /sys refuses a new file here (it does on Linux, root or not)."""
    try:
        with open("/sys/partnering-write-probe", "w"):
            pass
    except OSError:
        return True
    os.unlink("/sys/partnering-write-probe")  # pragma: no cover - a writable /sys
    return False


@dataclass(frozen=True)
class Call:
    args: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)
    sweep: str | None = None
    """Name of a folder to fill with a small finished sweep before the command runs."""
    measure: bool = False
    """Record the command's peak memory (see MEASURED)."""


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str
    folder: Path
    before: dict[str, str]
    peak_kb: int


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a hash of its bytes: what "nothing written" compares."""
    out = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        out[key] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


CALLS: dict[str, Call] = {
    # scenario files given to `run`
    "unknown_key": Call(("run", "bad.toml", *SMALL), {"bad.toml": "[world]\ndemand_grwth = 0.02\n"}),
    "unknown_section": Call(("run", "bad.toml", *SMALL), {"bad.toml": "[wrold]\ndemand_growth = 0.02\n"}),
    "wrong_type": Call(("run", "bad.toml", *SMALL), {"bad.toml": '[population]\ncouncils = "many"\n'}),
    "infinity": Call(("run", "bad.toml", *SMALL), {"bad.toml": "[world]\nbudget_growth = -inf\n"}),
    "nan_in_principle": Call(("run", "bad.toml", *SMALL), {"bad.toml": "[principles]\ncreative = nan\n"}),
    "negative_population": Call(("run", "bad.toml", *SMALL), {"bad.toml": "[population]\nsmes_per_place = -1\n"}),
    "principle_above_one": Call(("run", "bad.toml", *SMALL), {"bad.toml": "[principles]\ncollaborative = 1.5\n"}),
    "principle_below_zero": Call(("run", "bad.toml", *SMALL), {"bad.toml": "[principles]\nadaptable = -0.01\n"}),
    "council_override_above_one": Call(("run", "bad.toml", *SMALL),
                                       {"bad.toml": "[[councils]]\nindex = 0\naccountable = 1.2\n"}),
    "shock_above_everything": Call(("run", "bad.toml", *SMALL),
                                   {"bad.toml": '[[shocks]]\nkind = "budget_cut"\nstep = 1\nsize = 1.5\n'}),
    "enormous_population": Call(("run", "bad.toml", "--steps", "2"), {"bad.toml": ENORMOUS}, measure=True),
    "enormous_population_set": Call(("run", "transactional", "--steps", "2", "--set", "population.councils=1000000000",
                                     "--set", "population.smes_per_place=1000000000"), measure=True),
    "memory_baseline": Call(("run", "bad.toml", "--steps", "2"), {"bad.toml": "[world\n"}, measure=True),
    "memory_of_a_small_run": Call(("run", "transactional", "--steps", "2", "--set", "population.councils=4"),
                                  measure=True),
    "unknown_extends": Call(("run", "bad.toml", *SMALL), {"bad.toml": 'extends = "changemakin"\n'}),
    "cyclic_extends": Call(("run", "a.toml", *SMALL), {"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n'}),
    "bad_parent": Call(("run", "child.toml", *SMALL),
                       {"child.toml": 'extends = "parent.toml"\n', "parent.toml": "[principles]\nplace_based = 2.0\n"}),
    "negative_seed": Call(("run", "transactional", *SMALL, "--seed", "-1")),
    # sweep specs that describe no runs
    "empty_grid_values": Call(("sweep", "spec.toml", "--out", "out", "--workers", "1"),
                              {"spec.toml": 'replications = 1\nsteps = 2\n[grid]\n"principles.creative" = []\n'}),
    "lhs_without_parameters": Call(("sweep", "spec.toml", "--out", "out", "--workers", "1"),
                                   {"spec.toml": "replications = 1\nsteps = 2\n[lhs]\nsamples = 2\nparameters = []\n"}),
    "lhs_without_samples": Call(("sweep", "spec.toml", "--out", "out", "--workers", "1"),
                                {"spec.toml": 'replications = 1\nsteps = 2\n[lhs]\nsamples = 0\nparameters = ["world.demand_growth"]\n'}),
    "sensitivity_without_parameters": Call(("sweep", "spec.toml", "--out", "out", "--workers", "1"),
                                           {"spec.toml": "replications = 1\nsteps = 2\n[sensitivity]\nparameters = []\n"}),
    "no_scenarios_on_the_command_line": Call(("sweep", "--scenarios", ",", "--out", "out", *SWEEP)),
    "spec_scenario_with_cyclic_extends": Call(("sweep", "spec.toml", "--out", "out", "--workers", "1"),
                                              {"spec.toml": 'scenarios = ["a.toml"]\nreplications = 1\nsteps = 2\n',
                                               "a.toml": 'extends = "a.toml"\n'}),
    "spec_nan_override": Call(("sweep", "spec.toml", "--out", "out", "--workers", "1"),
                              {"spec.toml": 'replications = 1\nsteps = 2\n[overrides]\n"world.demand_growth" = nan\n'}),
    "spec_infinite_grid_value": Call(("sweep", "spec.toml", "--out", "out", "--workers", "1"),
                                     {"spec.toml": 'replications = 1\nsteps = 2\n[grid]\n"principles.creative" = [0.5, inf]\n'}),
    # outputs that cannot be written, even by root
    "sweep_out_under_a_file": Call(("sweep", "--scenarios", "transactional", "--out", "afile/sub", *SWEEP), {"afile": "x"}),
    "sweep_out_is_a_file": Call(("sweep", "--scenarios", "transactional", "--out", "afile", *SWEEP), {"afile": "x"}),
    "sweep_out_in_sysfs": Call(("sweep", "--scenarios", "transactional", "--out", "/sys/partnering-sweep", *SWEEP)),
    "run_out_under_a_file": Call(("run", "transactional", *SMALL, "--out", "afile/metrics.csv"), {"afile": "x"}),
    "run_out_in_sysfs": Call(("run", "transactional", *SMALL, "--out", "/sys/partnering-metrics.csv")),
    "compare_csv_in_sysfs": Call(("compare", "done", "--csv", "/sys/partnering-table.csv"), sweep="done"),
    "report_out_under_a_file": Call(("report", "done", "--out", "afile/report.html"), {"afile": "x"}, sweep="done"),
    "report_out_in_sysfs": Call(("report", "done", "--out", "/sys/partnering-report.html"), sweep="done"),
    # a results folder that belongs to another sweep
    "folder_of_another_sweep": Call(("sweep", "--scenarios", "changemaking", "--out", "done", *SWEEP), sweep="done"),
    "folder_of_another_sweep_resumed_with_more_replications": Call(
        ("sweep", "--scenarios", "transactional", "--out", "done", "--replications", "3", "--steps", "2",
         "--set", "population.councils=2", "--workers", "1"), sweep="done"),
}


def small_sweep(template: Path) -> Path:
    """A finished one-run sweep, made once and copied into every call that needs one."""
    out = template / "done"
    if not out.exists():
        design = scenario_design(["transactional"], replications=1, steps=2, overrides={"population.councils": 2})
        run_sweep(design, out, workers=1)
    return out


#: The console script's entry point, run so that the child reports its own peak memory (VmHWM of
#: its own address space) at exit. ``ru_maxrss`` would not do: on Linux it keeps the high-water
#: mark of the forked copy of this (large) pytest process from before ``exec``.
MEASURED = """
import atexit, os, sys

def peak():
    with open("/proc/self/status") as status, open(os.environ["PARTNERING_PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))

atexit.register(peak)
sys.argv = ["partnering", *sys.argv[1:]]
from partnering.cli import main
main()
"""


def execute(call: Call, folder: Path, template: Path) -> Result:
    folder.mkdir(parents=True)
    for name, text in call.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    if call.sweep:
        shutil.copytree(template / "done", folder / call.sweep)
    before = snapshot(folder)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    peak_file = template.parent / f"{folder.name}.peak"
    env["PARTNERING_PEAK_FILE"] = str(peak_file)
    command = [sys.executable, "-c", MEASURED, *call.args] if call.measure else [str(SCRIPT), *call.args]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False)
    peak = int(peak_file.read_text()) if call.measure else 0
    return Result(done.returncode, done.stdout, done.stderr, folder, before, peak)


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-input")
    template = root / "_template"
    template.mkdir()
    small_sweep(template)
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
    futures: dict[str, Future[Result]] = {name: pool.submit(execute, call, root / name, template)
                                          for name, call in CALLS.items()}

    def get(name: str) -> Result:
        return futures[name].result()

    yield get
    pool.shutdown(wait=True, cancel_futures=True)


def assert_refused(result: Result, *fragments: str, quiet: bool = True) -> str:
    """Exit code 2, one line on stderr holding every fragment, no traceback, nothing written.

    ``quiet=False`` allows the sweep command's opening line on stdout ("1 arm x ... -> out")."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    if quiet:
        assert result.stdout == "", result.stdout
    assert snapshot(result.folder) == result.before, "a refused command wrote or changed files"
    tally("bad inputs refused through the CLI")
    return lines[0]


EXPECTED: dict[str, tuple[str, ...]] = {
    "unknown_key": ("bad.toml", "world.demand_grwth", "unknown key", "demand_growth"),
    "unknown_section": ("bad.toml", "wrold", "unknown key", "world"),
    "wrong_type": ("bad.toml", "population.councils", "expected an integer", "1 to 2000"),
    "infinity": ("bad.toml", "world.budget_growth", "not a finite number", "-0.1 to 0.1"),
    "nan_in_principle": ("bad.toml", "principles.creative", "not a finite number", "0 to 1"),
    "negative_population": ("bad.toml", "population.smes_per_place", "out of range", "0 to 50"),
    "principle_above_one": ("bad.toml", "principles.collaborative", "out of range", "0 to 1"),
    "principle_below_zero": ("bad.toml", "principles.adaptable", "out of range", "0 to 1"),
    "council_override_above_one": ("bad.toml", "councils", "accountable", "1"),
    "shock_above_everything": ("bad.toml", "shocks", "size", "1"),
    "enormous_population": ("bad.toml", "population.councils", "out of range", "1 to 2000"),
    "enormous_population_set": ("--set", "population.councils", "out of range", "1 to 2000"),
    "memory_baseline": ("bad.toml", "malformed TOML"),
    "unknown_extends": ("bad.toml", "extends", "changemakin", "changemaking", "transactional"),
    "cyclic_extends": ("a.toml", "extends", "cyclic", "a -> b -> a"),
    "bad_parent": ("parent.toml", "principles.place_based", "out of range", "0 to 1"),
    "empty_grid_values": ("spec.toml", "grid", "principles.creative", "empty list of values"),
    "lhs_without_parameters": ("spec.toml", "lhs.parameters", "at least one item"),
    "lhs_without_samples": ("spec.toml", "lhs.samples", "out of range", "ge 1"),
    "sensitivity_without_parameters": ("spec.toml", "sensitivity.parameters", "at least one item"),
    "no_scenarios_on_the_command_line": ("scenarios", "at least one item"),
    "spec_scenario_with_cyclic_extends": ("spec.toml", "scenarios", "a.toml", "cyclic"),
    "run_out_under_a_file": ("afile/metrics.csv", "afile", "not writable"),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_bad_input_is_refused_in_one_line_with_exit_code_2_writing_nothing(cli, name):
    assert_refused(cli(name), *EXPECTED[name])


def test_a_bad_value_in_a_parent_scenario_names_the_parent_file(cli):
    """The value is in parent.toml, so the message names parent.toml, not the child that was run."""
    message = assert_refused(cli("bad_parent"), "parent.toml", "principles.place_based")
    assert message.startswith("error: parent.toml: principles.place_based: 2.0 is out of range"), message


def test_a_negative_seed_is_refused_in_one_line(cli):
    assert_refused(cli("negative_seed"), "--seed")


@pytest.mark.parametrize("name", ["spec_nan_override", "spec_infinite_grid_value"])
def test_a_non_finite_number_in_a_spec_is_named_as_such(cli, name):
    assert_refused(cli(name), "spec.toml", "finite")


def test_a_non_finite_number_in_a_spec_is_refused_in_one_line_all_the_same(cli):
    """Whatever the wording, the refusal itself is clean."""
    assert_refused(cli("spec_nan_override"), "spec.toml", "overrides.world.demand_growth", "nan")
    assert_refused(cli("spec_infinite_grid_value"), "spec.toml", "grid.principles.creative", "inf")


# --- memory ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["enormous_population", "enormous_population_set"])
def test_an_enormous_population_is_refused_before_anything_is_allocated(cli, name):
    """The refusal's peak memory is that of refusing a malformed file, within a few MB: nothing was
    allocated for the billions of agents asked for (each would need hundreds of bytes)."""
    refused, baseline, small = cli(name), cli("memory_baseline"), cli("memory_of_a_small_run")
    assert_refused(refused, "population")
    assert small.returncode == 0, small.stderr
    TALLY[f"peak memory refusing {name} (kB)"] = refused.peak_kb
    TALLY["peak memory refusing a malformed file (kB)"] = baseline.peak_kb
    TALLY["peak memory of a 4-council, 2-quarter run (kB)"] = small.peak_kb
    assert 0 < baseline.peak_kb < small.peak_kb
    assert refused.peak_kb - baseline.peak_kb < 8 * 1024, (refused.peak_kb, baseline.peak_kb)


# --- outputs that cannot be written -------------------------------------------------------------
def test_a_sweep_folder_under_a_regular_file_is_refused(cli):
    assert_refused(cli("sweep_out_under_a_file"), "afile/sub", "cannot create the folder", quiet=False)


def test_a_sweep_folder_that_is_a_file_is_refused(cli):
    assert_refused(cli("sweep_out_is_a_file"), "afile", "not a folder")


@pytest.mark.skipif(not sysfs_refuses_root(), reason="/sys accepts new files here")
def test_a_sweep_folder_root_cannot_create_is_refused(cli):
    assert_refused(cli("sweep_out_in_sysfs"), "/sys/partnering-sweep", "cannot create the folder", quiet=False)


@pytest.mark.skipif(not sysfs_refuses_root(), reason="/sys accepts new files here")
def test_a_run_output_in_a_folder_root_cannot_write_is_refused(cli):
    assert_refused(cli("run_out_in_sysfs"), "/sys/partnering-metrics.csv")


@pytest.mark.skipif(not sysfs_refuses_root(), reason="/sys accepts new files here")
def test_a_comparison_table_in_a_folder_root_cannot_write_is_refused(cli):
    assert_refused(cli("compare_csv_in_sysfs"), "/sys/partnering-table.csv")


def test_a_report_under_a_regular_file_is_refused(cli):
    assert_refused(cli("report_out_under_a_file"), "afile/report.html")


@pytest.mark.skipif(not sysfs_refuses_root(), reason="/sys accepts new files here")
def test_a_report_in_a_folder_root_cannot_write_is_refused(cli):
    assert_refused(cli("report_out_in_sysfs"), "/sys/partnering-report.html")


# --- a folder that belongs to another sweep -----------------------------------------------------
@pytest.mark.parametrize("name", ["folder_of_another_sweep", "folder_of_another_sweep_resumed_with_more_replications"])
def test_a_folder_holding_another_sweep_is_refused_and_left_byte_for_byte_unchanged(cli, name):
    message = assert_refused(cli(name), "done", "holds a different sweep", "--overwrite")
    assert "1 arm(s) x 1 replication(s) x 2 steps" in message
