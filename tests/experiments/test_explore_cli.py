"""`partnering explore` from the command line and from a spec file, its report, and every refusal
in one line with exit code 2 and nothing already written lost."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partnering.cli import app
from partnering.experiments import load_results
from partnering.experiments.exploration import outcomes_frame

pytest.importorskip("ema_workbench")

TINY = ["--uncertainties", "world.supplier_opportunism,world.demand_growth", "--futures", "12",
        "--replications", "1", "--steps", "3", "--set", "population.councils=4", "--workers", "1"]
POLICIES = ["--policies", "transactional,changemaking"]
QUESTION = "public_trust: changemaking lower than transactional"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def refused(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def explored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "explore"
    result = invoke("explore", "--out", str(out), *POLICIES, "--package",
                    "lean: transactional + policy.open_book_required=true", *TINY, "--question", QUESTION,
                    "--threshold", "service_quality >= 0.6", "--metrics", "service_quality,public_trust")
    assert result.exit_code == 0, result.output
    return out


def test_explore_runs_futures_by_policies_and_prints_discovery_and_robustness(explored):
    runs = load_results(explored).runs
    assert len(runs) == 36 and (runs["status"] == "ok").all()
    again = invoke("explore", str(explored), "--question", "service_quality: lean > 0.6",
                   "--threshold", "public_trust >= 0.5")
    assert again.exit_code == 0, again.output
    out = again.stdout
    assert "question: service_quality: lean > 0.6" in out
    assert re.search(r"in \d+ of 12 futures", out)
    for text in ("robustness over 12 futures at step 3", "public_trust", "satisficing", "minimax regret",
                 "recommended policy under each robustness criterion", f"next: partnering report {explored}"):
        assert text in out, text


def test_an_exploration_report_draws_boxes_and_tables_in_one_offline_file(explored):
    outcomes = outcomes_frame(explored)
    median = outcomes.loc[outcomes["policy"] == "lean", "service_quality"].median()
    split = f"service_quality: lean > {median:.6g}"  # holds in half the futures: PRIM has a box to draw
    assert invoke("explore", str(explored), "--question", QUESTION, "--question", split).exit_code == 0
    result = invoke("report", str(explored))
    assert result.exit_code == 0, result.output
    page = (explored / "report.html").read_text()
    for heading in ("Futures and policies", "Scenario discovery: where each question holds",
                    "Robustness across futures", "What this exploration can and cannot say"):
        assert f"<h2>{heading}</h2>" in page
    assert "Public trust (index 0-1) under changemaking is lower than under transactional" in page
    assert "policy.open_book_required = True" in page and "minimax regret" in page
    assert "Box 1 restricts:" in page and "quasi-p" in page
    assert page.count('src="data:image/png;base64,') >= 2  # the box on its uncertainties, the trade-off curve
    assert "<script" not in page and not re.search(r"(src|href)=\"https?:", page)


def test_a_spec_file_describes_the_same_kind_of_exploration(tmp_path):
    spec = tmp_path / "futures.toml"
    spec.write_text("""
name = "where changemaking pays"
replications = 1
steps = 3
[overrides]
"population.councils" = 4
[explore]
futures = 8
uncertainties = ["world.supplier_opportunism", "behaviour.trust_loss_rate"]
bounds = {"behaviour.trust_loss_rate" = [0.1, 0.6]}
policies = ["transactional", "steer"]
questions = ["public_trust: steer better than transactional"]
thresholds = ["supplier_failures <= 2"]
[explore.packages.steer]
base = "transactional"
levers = {"policy.steering_groups" = true}
""")
    out = tmp_path / "out"
    result = invoke("explore", str(spec), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "2 policies x 8 futures = 16 arms x 1 replication x 3 steps = 16 runs" in result.stdout
    assert "question: public_trust: steer better than transactional" in result.stdout
    manifest = load_results(out).manifest
    assert manifest["name"] == "where changemaking pays" and manifest["problem"]["bounds"][1] == [0.1, 0.6]
    # `partnering sweep` reads the same spec as the same design, so it resumes the exploration
    swept = invoke("sweep", str(spec), "--out", str(out), "--workers", "1")
    assert swept.exit_code == 0 and "0 ran, 0 failed, 16 already done" in swept.stdout


@pytest.mark.parametrize(("args", "fragment"), [
    (["--uncertainties", "world.supplier_oportunism"], "error: --uncertainties: unknown parameter 'world.supplier_oportunism'; did you mean 'world.supplier_opportunism'"),
    (["--uncertainties", "policy.steering_groups"], "policy.steering_groups is declared as a lever, not an uncertainty"),
    (["--bound", "world.demand_growth=0.1:0.1"], "error: --bound: world.demand_growth: [0.1, 0.1] must be increasing"),
    (["--bound", "world.demand_growth=0.1"], "--bound world.demand_growth=0.1: expected NAME=LOW:HIGH"),
    (["--question", "changemaking worse than transactional"], "names no metric"),
    (["--question", "value_for_money: changemaking worse than lean"], "unknown policy 'lean'"),
    (["--threshold", "0.7"], "threshold '0.7': names no metric"),
    (["--metrics", "share_in_house"], "share_in_house has no better direction"),
    (["--package", "lean"], "--package 'lean': expected 'NAME: BASE + lever=value + ...'"),
    (["--package", "lean: world.bid_cost=0.01"], "lean: world.bid_cost is declared as an uncertainty, not a lever"),
    (["--step", "9"], "--step: 9 is outside the exploration; allowed 0 to 3"),
])
def test_bad_input_is_refused_in_one_line_before_anything_is_written(args, fragment, tmp_path):
    out = tmp_path / "never"
    result = invoke("explore", "--out", str(out), *POLICIES, *TINY, *args)
    refused(result, fragment)
    assert not out.exists()


def test_a_store_from_another_design_is_refused_and_keeps_what_it_holds(explored, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(explored, copy)
    before = load_results(copy).runs
    settings = (copy / "explore.json").read_text()
    changed = [a if a != "12" else "13" for a in TINY]
    result = invoke("explore", "--out", str(copy), *POLICIES, "--package",
                    "lean: transactional + policy.open_book_required=true", *changed)
    refused(result, "holds a different sweep")
    assert len(load_results(copy).runs) == len(before) and (copy / "explore.json").read_text() == settings


def test_a_folder_that_is_not_an_exploration_is_refused_in_one_line(reference):
    refused(invoke("explore", str(reference), "--question", QUESTION), "holds a scenarios sweep, not an exploration")


def test_analysing_again_refuses_options_that_would_change_the_design(explored):
    refused(invoke("explore", str(explored), "--futures", "20"), "--futures")


def test_spec_mistakes_name_the_file_and_key(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text('[explore]\npolicies = ["transactional", "p"]\n[explore.packages.p]\nlevrs = {}\n')
    refused(invoke("explore", str(spec), "--out", str(tmp_path / "x")),
            f"{spec}: explore.packages.p.levrs: unknown key; allowed keys: base, levers")
    spec.write_text('scenarios = ["changemaking"]\n[explore]\nfutures = 4\n')
    refused(invoke("explore", str(spec), "--out", str(tmp_path / "x")), "an exploration's policies replace the scenarios")
    spec.write_text('[explore]\npolicies = ["transactional"]\n[explore.packages.q]\nlevers = {"policy.steering_groups" = true}\n')
    refused(invoke("explore", str(spec), "--out", str(tmp_path / "x")), "'q' is defined but not listed in explore.policies")
