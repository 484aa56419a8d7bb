"""The `partnering` command, run as a user runs it: a subprocess of the installed console script.

Bad input must end with exit code 2 and exactly one line on stderr, never a traceback, and must
write nothing. Each command line below runs once, in its own folder; several tests may read the
same run. Starting the interpreter dominates the cost, so the runs are started in parallel when
more than a handful of these tests are selected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
import typer.main

from partnering.cli import app
from partnering.model.metrics import REQUIRED_COLUMNS
from partnering.scenarios import list_scenarios

SCRIPT = Path(sys.executable).parent / ("partnering.exe" if os.name == "nt" else "partnering")
SMALL = ("--steps", "4", "--set", "population.councils=4")


@dataclass(frozen=True)
class Call:
    """A command line and the files and folders its working folder holds beforehand."""

    args: tuple[str, ...]
    files: dict[str, str | bytes] = field(default_factory=dict)
    folders: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str
    folder: Path
    before: frozenset[str]

    def new_files(self) -> list[str]:
        """Names in the working folder that the command created."""
        return sorted(p.name for p in self.folder.iterdir() if p.name not in self.before)


def run(*args: str, **kwargs) -> Call:
    return Call(("run", *args), **kwargs)


def command_paths(command, path: tuple[str, ...] = ()):
    """Every command and group of the app, as the words that invoke it."""
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from command_paths(sub, (*path, name))


HELP = {"_".join(("help", *path)): path for path in command_paths(typer.main.get_command(app))}

CALLS: dict[str, Call] = {
    **{name: Call((*command, "--help")) for name, command in HELP.items()},
    # bad input to run
    "missing_file": run("absent.toml", *SMALL, "--out", "metrics.csv"),
    "unknown_name": run("transactionl", *SMALL),
    "invalid_file": run("bad.toml", *SMALL, "--out", "metrics.csv",
                        files={"bad.toml": "[world]\ndemand_growth = nan\n"}),
    "malformed_file": run("bad.toml", *SMALL, files={"bad.toml": "[world\n"}),
    "not_utf8": run("bad.toml", *SMALL, files={"bad.toml": 'description = "Café"\n'.encode("latin-1")}),
    "set_unknown_key": run("transactional", *SMALL, "--set", "world.demand=0.1", "--out", "metrics.csv"),
    "set_without_value": run("transactional", *SMALL, "--set", "world.demand_growth"),
    "set_string_for_float": run("transactional", *SMALL, "--set", "world.demand_growth=high",
                                "--out", "metrics.csv"),
    "set_out_of_range": run("transactional", *SMALL, "--set", "world.demand_growth=0.5", "--out", "metrics.csv"),
    "set_float_for_int": run("transactional", "--steps", "4", "--set", "population.councils=2.5"),
    "out_suffix": run("transactional", *SMALL, "--out", "metrics.xlsx"),
    "out_missing_folder": run("transactional", *SMALL, "--out", "absent/metrics.csv"),
    "out_is_folder": run("transactional", *SMALL, "--out", "metrics.csv", folders=("metrics.csv",)),
    "steps_zero": run("transactional", "--steps", "0"),
    # good runs
    "csv": run("transactional", *SMALL, "--seed", "3", "--out", "metrics.csv"),
    "parquet": run("transactional", *SMALL, "--seed", "3", "--out", "metrics.parquet"),
    "budget_cut": run("transactional", *SMALL, "--seed", "3", "--set", "world.budget_growth=-0.1",
                      "--out", "metrics.csv"),
    "events": run("supplier_collapse", "--steps", "13", "--set", "population.councils=4", "--events"),
    "scenario_file": run("mine.toml", "--steps", "2",
                         files={"mine.toml": 'extends = "changemaking"\n[population]\ncouncils = 3\n'}),
    # scenarios
    "list": Call(("scenarios", "list")),
    "show": Call(("scenarios", "show", "transactional")),
    "show_unknown": Call(("scenarios", "show", "nowhere")),
    "validate_ok": Call(("scenarios", "validate", "mine.toml"),
                        files={"mine.toml": 'extends = "transactional"\n[principles]\ncreative = 0.4\n'}),
    "validate_out_of_range": Call(("scenarios", "validate", "mine.toml"),
                                  files={"mine.toml": "[principles]\ncreative = 1.4\n"}),
    "validate_cyclic": Call(("scenarios", "validate", "mine.toml"), files={"mine.toml": 'extends = "mine.toml"\n'}),
}


def execute(call: Call, folder: Path) -> Result:
    """Prepare the folder and run the console script with a plain, non-terminal environment."""
    folder.mkdir(parents=True)
    for name, content in call.files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            (folder / name).write_text(content, encoding="utf-8")
    for name in call.folders:
        (folder / name).mkdir()
    before = frozenset(p.name for p in folder.iterdir())
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    done = subprocess.run([str(SCRIPT), *call.args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    return Result(done.returncode, done.stdout, done.stderr, folder, before)


class Runs:
    """Each named call runs once; results are shared by the tests that read them."""

    def __init__(self, root: Path, prefetch: bool) -> None:
        self.root = root
        self.pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
        self.futures: dict[str, Future[Result]] = {}
        if prefetch:
            for name in CALLS:
                self._submit(name)

    def _submit(self, name: str) -> Future[Result]:
        if name not in self.futures:
            self.futures[name] = self.pool.submit(execute, CALLS[name], self.root / name)
        return self.futures[name]

    def __getitem__(self, name: str) -> Result:
        return self._submit(name).result()


@pytest.fixture(scope="module")
def cli(request, tmp_path_factory):
    here = request.node.path
    selected = sum(1 for item in request.session.items if item.path == here)
    runs = Runs(tmp_path_factory.mktemp("cli"), prefetch=selected > 5)
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)


def assert_refused(result: Result, *fragments: str) -> str:
    """Exit code 2, one line on stderr naming every fragment, no traceback, nothing on stdout."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert result.stdout == ""
    return lines[0]


def test_console_script_is_installed_next_to_the_interpreter():
    assert SCRIPT.exists()


# --- help --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(HELP))
def test_every_command_has_help(cli, name):
    result = cli[name]
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    assert result.stderr == ""


def test_the_commands_the_documentation_promises_exist():
    assert {("run",), ("scenarios", "list"), ("scenarios", "show"), ("scenarios", "validate")} <= set(HELP.values())


def test_top_level_help_lists_every_command(cli):
    for path in HELP.values():
        if len(path) == 1:
            assert path[0] in cli["help"].stdout


# --- run: bad input ----------------------------------------------------------------------------
def test_run_refuses_a_missing_scenario_file(cli):
    assert_refused(cli["missing_file"], "absent.toml", "no such scenario file")


def test_run_refuses_an_unknown_scenario_name_listing_the_builtins(cli):
    assert_refused(cli["unknown_name"], "transactionl", "transactional", "changemaking")


def test_run_refuses_an_invalid_scenario_file(cli):
    assert_refused(cli["invalid_file"], "bad.toml", "world.demand_growth", "-0.05 to 0.15")


def test_run_refuses_a_malformed_scenario_file(cli):
    assert_refused(cli["malformed_file"], "bad.toml", "malformed TOML")


def test_run_refuses_a_scenario_file_that_is_not_utf8(cli):
    assert_refused(cli["not_utf8"], "bad.toml")


def test_run_refuses_a_set_with_an_unknown_key(cli):
    assert_refused(cli["set_unknown_key"], "world.demand", "demand_growth")


def test_run_refuses_a_set_without_a_value(cli):
    assert_refused(cli["set_without_value"], "world.demand_growth", "key=value")


def test_run_refuses_a_set_with_text_for_a_number(cli):
    assert_refused(cli["set_string_for_float"], "--set", "world.demand_growth", "expected a number",
                   "-0.05 to 0.15")


def test_run_refuses_a_set_with_a_value_out_of_range(cli):
    assert_refused(cli["set_out_of_range"], "--set", "world.demand_growth", "out of range", "-0.05 to 0.15")


def test_run_refuses_a_set_with_a_fraction_for_an_integer(cli):
    assert_refused(cli["set_float_for_int"], "--set", "population.councils", "expected an integer", "1 to 2000")


def test_run_refuses_an_out_file_with_an_unsupported_suffix(cli):
    assert_refused(cli["out_suffix"], "metrics.xlsx", ".parquet", ".csv")


def test_run_refuses_an_out_file_in_a_missing_folder(cli):
    assert_refused(cli["out_missing_folder"], "absent", "does not exist")


def test_run_refuses_an_out_path_that_is_a_folder(cli):
    assert_refused(cli["out_is_folder"], "metrics.csv")


def test_run_refuses_steps_outside_the_horizon_in_one_line(cli):
    assert_refused(cli["steps_zero"], "--steps")


@pytest.mark.parametrize("name", [
    "missing_file", "invalid_file", "set_unknown_key", "set_string_for_float", "set_out_of_range",
    "out_suffix", "out_missing_folder", "out_is_folder",
])
def test_refused_run_writes_nothing(cli, name):
    result = cli[name]
    assert result.returncode != 0
    assert result.new_files() == []
    if (result.folder / "metrics.csv").is_dir():
        assert list((result.folder / "metrics.csv").iterdir()) == []


# --- run: results ------------------------------------------------------------------------------
@pytest.mark.parametrize("name, reader", [("csv", pd.read_csv), ("parquet", pd.read_parquet)])
def test_run_writes_every_required_column(cli, name, reader):
    result = cli[name]
    assert result.returncode == 0, result.stderr
    frame = reader(result.folder / f"metrics.{name}")
    assert {"step", *REQUIRED_COLUMNS} <= set(frame.columns)


@pytest.mark.parametrize("name, reader", [("csv", pd.read_csv), ("parquet", pd.read_parquet)])
def test_run_writes_one_row_per_step_and_one_for_the_start(cli, name, reader):
    result = cli[name]
    assert result.returncode == 0, result.stderr
    frame = reader(result.folder / f"metrics.{name}")
    assert frame["step"].tolist() == [0, 1, 2, 3, 4]


def test_run_leaves_no_temporary_file_beside_its_output(cli):
    assert cli["csv"].new_files() == ["metrics.csv", "metrics.dictionary.csv"]


@pytest.mark.parametrize("name", ["csv", "parquet"])
def test_run_writes_a_data_dictionary_of_its_columns_from_the_catalogue(cli, name):
    from partnering.model.catalogue import CATALOGUE

    result = cli[name]
    frame = pd.read_csv(result.folder / f"metrics.{name}") if name == "csv" else pd.read_parquet(
        result.folder / f"metrics.{name}")
    dictionary = pd.read_csv(result.folder / "metrics.dictionary.csv", keep_default_na=False).set_index("column")
    assert list(dictionary.index) == list(frame.columns)
    for column in frame.columns[1:]:
        entry = CATALOGUE[column]
        assert (dictionary.loc[column, "unit"], dictionary.loc[column, "better"]) == (entry.unit, entry.better)
    assert dictionary.loc["step", "unit"] == "quarters"
    assert "metrics.dictionary.csv" in " ".join(result.stdout.split())


def test_run_with_the_same_seed_writes_the_same_results_as_csv_and_parquet(cli):
    as_csv = pd.read_csv(cli["csv"].folder / "metrics.csv")
    as_parquet = pd.read_parquet(cli["parquet"].folder / "metrics.parquet")
    pd.testing.assert_frame_equal(as_csv, as_parquet, check_dtype=False, rtol=1e-12, atol=0.0)


def test_run_applies_set_overrides_to_the_results(cli):
    base = pd.read_csv(cli["csv"].folder / "metrics.csv")
    cut = pd.read_csv(cli["budget_cut"].folder / "metrics.csv")
    assert not base.equals(cut)


def test_run_prints_headline_metrics(cli):
    result = cli["events"]
    assert result.returncode == 0, result.stderr
    for metric in ("service_quality", "hhi", "public_trust", "intend_less"):
        assert metric in result.stdout


def test_run_without_out_writes_no_file(cli):
    assert cli["events"].new_files() == []


def test_run_with_events_prints_the_event_log(cli):
    assert "failed" in cli["events"].stdout


def test_run_accepts_a_scenario_file_and_names_it(cli):
    result = cli["scenario_file"]
    assert result.returncode == 0, result.stderr
    assert "mine" in result.stdout


# --- scenarios ---------------------------------------------------------------------------------
def test_scenarios_list_names_every_builtin(cli):
    result = cli["list"]
    assert result.returncode == 0, result.stderr
    for name in list_scenarios():
        assert name in result.stdout


def test_scenarios_show_prints_units(cli):
    result = cli["show"]
    assert result.returncode == 0, result.stderr
    for unit in ("councils", "quarters", "level", "on/off", "£m"):
        assert unit in result.stdout


def test_scenarios_show_prints_the_content_hash(cli):
    from partnering.scenarios import load_scenario

    assert load_scenario("transactional").content_hash() in cli["show"].stdout


def test_scenarios_show_prints_every_parameter_name_in_full(cli):
    from partnering.scenarios import parameter_table

    missing = [info.name for info in parameter_table() if info.name not in cli["show"].stdout]
    assert missing == []


def test_scenarios_show_refuses_an_unknown_scenario(cli):
    assert_refused(cli["show_unknown"], "nowhere", "transactional")


def test_scenarios_validate_accepts_a_good_file(cli):
    result = cli["validate_ok"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
    assert result.stderr == ""


def test_scenarios_validate_refuses_a_value_out_of_range(cli):
    assert_refused(cli["validate_out_of_range"], "mine.toml", "principles.creative", "0 to 1")


def test_scenarios_validate_refuses_a_cyclic_extends(cli):
    assert_refused(cli["validate_cyclic"], "mine.toml", "extends", "cyclic")


# --- leaving -----------------------------------------------------------------------------------
LEAVE = """
import atexit, sys
from partnering.cli import leave
atexit.register(lambda: print("interpreter teardown"))
print("written")
leave({code}, {command!r})
print("returned")
"""


def test_a_finished_run_ends_without_the_interpreter_teardown_and_keeps_its_output_and_code():
    done = subprocess.run([sys.executable, "-c", LEAVE.format(code=3, command=["run"])], capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout.split()) == (3, ["written"])


def test_other_commands_return_to_the_interpreter_to_end_as_usual():
    # a sweep's pools, a Dask cluster and the app's server are shut down by the normal exit
    done = subprocess.run([sys.executable, "-c", LEAVE.format(code=0, command=["sweep"])], capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout.split()) == (0, ["written", "returned", "interpreter", "teardown"])
