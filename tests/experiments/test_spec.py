"""Sweep spec files: validated like scenarios, refused in one line naming file, key and what is
allowed, with exit code 2 and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partnering.cli import app
from partnering.experiments import design_from_spec, load_spec
from partnering.scenarios import ScenarioError

SCRIPT = Path(sys.executable).parent / "partnering"

GOOD = """
name = "levers"
scenarios = ["transactional", "changemaking"]
replications = 3
steps = 4
seed = 9

[overrides]
"population.councils" = 4

[grid]
"principles.collaborative" = [0.0, 1.0]
"policy.steering_groups" = [false, true]
"""


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_valid_spec_describes_its_design(tmp_path):
    path = write(tmp_path, GOOD)
    spec = load_spec(path)
    design = design_from_spec(spec, str(path))
    assert design.name == "levers" and design.kind == "grid"
    assert len(design.points) == 2 * 2 * 2 and design.replications == 3 and design.steps == 4
    assert design.root_seed == 9
    assert all(p.overrides["population.councils"] == 4 for p in design.points)


def test_a_scenario_file_is_found_next_to_the_spec(tmp_path):
    (tmp_path / "mine.toml").write_text('extends = "changemaking"\n[principles]\ncreative = 0.3\n')
    path = write(tmp_path, 'scenarios = ["mine.toml"]\nreplications = 2\nsteps = 3\n')
    design = design_from_spec(load_spec(path), str(path), base_dir=tmp_path)
    assert design.arms == ["mine"] and design.resolve(0).principles.creative == 0.3


def test_lhs_and_sensitivity_sections_build_their_designs(tmp_path):
    lhs = write(tmp_path, 'replications = 1\nsteps = 2\n[lhs]\nsamples = 4\nparameters = ["world.demand_growth"]\n')
    assert design_from_spec(load_spec(lhs), str(lhs)).kind == "lhs"
    gsa = write(tmp_path, 'replications = 1\nsteps = 2\n[sensitivity]\nmethod = "sobol"\nsamples = 4\n', "gsa.toml")
    design = design_from_spec(load_spec(gsa), str(gsa))
    assert design.kind == "salib" and design.method == "sobol" and len(design.problem["names"]) == 5


BAD = {
    "unknown_key": ("replicatons = 3\n", "spec.toml: replicatons: unknown key; allowed keys: name, description, scenarios, replications"),
    "nested_unknown_key": ("[lhs]\nsample = 3\nparameters = ['world.demand_growth']\n",
                           "spec.toml: lhs.sample: unknown key; allowed keys: samples, parameters, bounds"),
    "wrong_type": ('replications = "ten"\n', "spec.toml: replications: expected an integer, got 'ten'"),
    "float_for_int": ("replications = 2.5\n", "spec.toml: replications: expected an integer, got 2.5"),
    "out_of_range": ("replications = 0\n", "spec.toml: replications: 0 is out of range; allowed ge 1"),
    "bad_method": ('[sensitivity]\nmethod = "fast"\n', "spec.toml: sensitivity.method: 'fast' not allowed; allowed: 'morris' or 'sobol'"),
    "two_designs": ('[grid]\n"principles.creative" = [0.0]\n[lhs]\nsamples = 2\nparameters = ["world.demand_growth"]\n',
                    "spec.toml: grid and lhs: choose one of grid, lhs, sensitivity or explore per sweep"),
    "grid_value_out_of_bounds": ('[grid]\n"principles.creative" = [0.0, 1.5]\n',
                                 "spec.toml: grid: principles.creative: 1.5 is out of range; allowed 0 to 1 (level)"),
    "grid_unknown_parameter": ('[grid]\n"principles.kindness" = [0.0]\n',
                               "spec.toml: grid: principles.kindness: unknown key; allowed keys: collaborative"),
    "grid_value_wrong_type": ('[grid]\n"policy.steering_groups" = [0, 1]\n',
                              "spec.toml: grid: policy.steering_groups: expected true or false, got 0"),
    "override_out_of_bounds": ('[overrides]\n"population.councils" = 0\n', "spec.toml: overrides: population.councils: 0 is out of range"),
    "unknown_scenario": ('scenarios = ["transactionl"]\n', "spec.toml: scenarios: transactionl: unknown scenario; built-in scenarios are"),
    "lhs_unknown_parameter": ('[lhs]\nsamples = 3\nparameters = ["world.demand_grwth"]\n',
                              "spec.toml: lhs.parameters: unknown parameter 'world.demand_grwth'; did you mean 'world.demand_growth'?"),
    "lhs_bounds_outside": ('[lhs]\nsamples = 3\nparameters = ["world.demand_growth"]\nbounds = {"world.demand_growth" = [0.0, 0.9]}\n',
                           "spec.toml: lhs.bounds: world.demand_growth: [0, 0.9] must be increasing and inside the declared -0.05 to 0.15"),
    "sobol_not_power_of_two": ('[sensitivity]\nmethod = "sobol"\nsamples = 6\n', "spec.toml: sensitivity.samples: 6; Sobol needs a power of two"),
    "empty_scenarios": ("scenarios = []\n", "spec.toml: scenarios: at least one item is required"),
    "malformed": ("replications = \n", "spec.toml: malformed TOML"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_spec_is_refused_in_one_line_naming_file_and_key(tmp_path, monkeypatch, case):
    text, expected = BAD[case]
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text)
    result = CliRunner().invoke(app, ["sweep", "spec.toml", "--out", "out", "--workers", "1"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists(), "nothing is written for a refused spec"


def test_a_missing_spec_file_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="no such sweep spec file"):
        load_spec(tmp_path / "absent.toml")


def test_the_installed_command_refuses_a_bad_spec_with_exit_code_2_and_no_traceback(tmp_path):
    write(tmp_path, "replications = -1\n")
    result = subprocess.run([str(SCRIPT), "sweep", "spec.toml", "--out", "out"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == "error: spec.toml: replications: -1 is out of range; allowed ge 1\n"
    assert not (tmp_path / "out").exists()
