"""The sweep, compare, sensitivity, report and demo commands, and the HTML report they write."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from experiments_support import small_design
from typer.testing import CliRunner

from partnering.cli import app
from partnering.experiments import load_results, write_report
from partnering.scenarios import ScenarioError

SMALL = ["--set", "population.councils=4"]


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_sweep_then_compare_then_report_from_the_command_line(tmp_path):
    out = tmp_path / "cli"
    swept = invoke("sweep", "--scenarios", "transactional,changemaking", "--replications", "3", "--steps", "6",
                   *SMALL, "--workers", "1", "--out", str(out))
    assert swept.exit_code == 0, swept.output
    assert "6 ran, 0 failed" in swept.stdout
    assert len(load_results(out).runs) == 6
    # the command line and the Python API describe the same sweep: it resumes, nothing reruns
    again = invoke("sweep", "--scenarios", "transactional,changemaking", "--replications", "3", "--steps", "6",
                   *SMALL, "--workers", "1", "--out", str(out))
    assert "0 ran, 0 failed, 6 already done" in again.stdout
    assert load_results(out).manifest["fingerprint"] == small_design().fingerprint()

    compared = invoke("compare", str(out), "--baseline", "changemaking", "--metrics", "service_quality,hhi",
                      "--steps", "3,6", "--csv", str(tmp_path / "table.csv"))
    assert compared.exit_code == 0, compared.output
    for text in ("service_quality", "hhi", "transactional", "changemaking", "step 3", "step 6"):
        assert text in compared.stdout
    assert (tmp_path / "table.csv").read_text().startswith("metric,step,arm,n,mean")

    reported = invoke("report", str(out))
    assert reported.exit_code == 0, reported.output
    assert (out / "report.html").exists()


def test_compare_refuses_an_unknown_baseline_in_one_line(reference):
    result = invoke("compare", str(reference), "--baseline", "nope")
    assert result.exit_code == 2
    assert result.stderr == "error: --baseline: unknown arm 'nope'; allowed: transactional, changemaking\n"


def test_compare_refuses_a_folder_that_holds_no_sweep(tmp_path):
    result = invoke("compare", str(tmp_path))
    assert result.exit_code == 2 and "not a sweep folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_sweep_refuses_a_folder_holding_another_sweep_in_one_line(reference, tmp_path):
    out = tmp_path / "taken"
    shutil.copytree(reference, out)
    result = invoke("sweep", "--scenarios", "transactional", "--replications", "2", "--steps", "3",
                    "--workers", "1", "--out", str(out))
    assert result.exit_code == 2
    assert "holds a different sweep" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_sensitivity_runs_a_morris_sweep_prints_the_ranking_and_draws_it(tmp_path):
    out = tmp_path / "gsa"
    result = invoke("sensitivity", "--scenario", "changemaking", "--parameters",
                    "principles.collaborative,principles.creative", "--samples", "2", "--replications", "1",
                    "--steps", "3", *SMALL, "--workers", "1", "--metrics", "service_quality", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "service_quality (index 0-1) at step 3: morris ranking" in result.stdout
    assert "principles.creative" in result.stdout
    assert "± is the half-width of the 95% bootstrap interval of μ*" in " ".join(result.stdout.split())
    assert (out / "sensitivity.png").read_bytes().startswith(b"\x89PNG")
    # the ranking is a table beside the figure, in CSV and Parquet, with the metric's label and unit
    csv = pd.read_csv(out / "sensitivity.csv")
    pd.testing.assert_frame_equal(csv, pd.read_parquet(out / "sensitivity.parquet"), check_dtype=False)
    assert list(csv["parameter"]) == ["principles.collaborative", "principles.creative"] or \
        list(csv["parameter"]) == ["principles.creative", "principles.collaborative"]
    assert {"rank", "mu_star", "mu_star_low", "mu_star_high", "mu_star_conf", "unclear"} <= set(csv.columns)
    assert set(csv["metric_unit"]) == {"index 0-1"} and (csv["mu_star_low"] >= 0).all()
    # two trajectories cannot rank anything: the command says so (a warning, not a failure)
    unclear = csv[csv["mu_star_conf"] > csv["mu_star"]]
    for name in unclear["parameter"]:
        assert name in result.stderr
    assert ("too small to rank" in result.stderr) == bool(len(unclear))
    assert "warning: only 2 Morris trajectories: a ranking needs 10 or more" in result.stderr
    again = invoke("sensitivity", str(out), "--metrics", "public_trust", "--step", "2")
    assert again.exit_code == 0, again.output
    assert "public_trust (index 0-1) at step 2" in again.stdout
    assert set(pd.read_csv(out / "sensitivity.csv")["metric"]) == {"public_trust"}


def test_demo_runs_the_three_headline_arms_and_writes_the_report(tmp_path):
    out = tmp_path / "demo"
    result = invoke("demo", "--replications", "2", "--steps", "1", "--workers", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert set(load_results(out).arms) == {"transactional", "changemaking", "policy_package"}
    assert "policy_package" in result.stdout and "report:" in result.stdout
    assert (out / "report.html").exists()
    again = invoke("demo", "--replications", "3", "--steps", "1", "--workers", "1", "--out", str(out))
    assert again.exit_code == 0, "a demo with other settings replaces the previous demo"
    assert len(load_results(out).runs) == 9


def test_the_report_is_one_self_contained_html_file(reference, tmp_path):
    path = write_report(reference, out=tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', text)) >= 2
    assert not re.search(r'(src|href)="(https?:)?//', text), "nothing is fetched from the network"
    assert "<script" not in text and "<link" not in text
    results = load_results(reference)
    for needle in ("service_quality", "transactional", "changemaking", "[principles]", "mesa", "numpy",
                   results.manifest["fingerprint"], str(results.manifest["seeds"][0]),
                   results.manifest["model_hash"], "No run failed"):
        assert needle in text, needle


def test_the_report_lists_failed_runs_with_their_tracebacks(design, tmp_path):
    from experiments_support import FailForSeed

    from partnering.experiments import run_sweep

    out = tmp_path / "failing"
    run_sweep(design, out, workers=1, run=FailForSeed(design.seeds[2]))
    text = write_report(out, metrics=["service_quality"]).read_text(encoding="utf-8")
    assert "2 run(s) failed" in text and "injected failure" in text


def test_a_report_needs_successful_runs_and_an_html_name(tmp_path, reference):
    from experiments_support import FailForSeed

    from partnering.experiments import run_sweep as sweep
    from partnering.experiments import scenario_design

    with pytest.raises(ScenarioError, match=r"must end in \.html"):
        write_report(reference, out=tmp_path / "report.pdf")
    doomed = scenario_design("transactional", replications=1, steps=2, overrides={"population.councils": 3})
    sweep(doomed, tmp_path / "doomed", workers=1, run=FailForSeed(doomed.seeds[0]))
    with pytest.raises(ScenarioError, match=r"all 1 runs failed \(first: RuntimeError: injected failure"):
        write_report(tmp_path / "doomed")


def test_a_latin_hypercube_report_relates_each_metric_to_each_sampled_parameter(tmp_path):
    from partnering.experiments import lhs_design, run_sweep

    names = ["world.demand_growth", "principles.creative"]
    design = lhs_design("transactional", names, samples=5, replications=1, steps=2,
                        overrides={"population.councils": 3})
    run_sweep(design, tmp_path / "lhs", workers=1)
    text = write_report(tmp_path / "lhs", metrics=["service_quality", "supplier_failures"]).read_text()
    assert "Spearman rank correlation" in text
    assert all(f"<th class=\"\">{name}</th>" in text for name in names)


def test_compare_prints_grid_arm_labels_with_their_brackets(tmp_path):
    from partnering.experiments import grid_design, run_sweep

    design = grid_design("transactional", {"policy.steering_groups": [False, True]}, replications=2, steps=2,
                         overrides={"population.councils": 3})
    run_sweep(design, tmp_path / "grid", workers=1)
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "grid"), "--metrics", "public_trust"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "transactional[steering_groups=false]" in result.stdout
    assert "transactional[steering_groups=true]" in result.stdout


def test_a_duration_in_the_report_never_rounds_to_zero():
    from partnering.experiments.report import fmt_duration

    assert fmt_duration(0.042) == "0.042 s"
    assert fmt_duration(37.46) == "37.5 s"
    assert fmt_duration(740) == "12.3 minutes"
    assert fmt_duration(7600) == "2.1 hours"


def test_the_report_labels_metrics_from_the_catalogue_names_its_interval_method_once_and_has_a_glossary(reference,
                                                                                                      tmp_path):
    text = write_report(reference, out=tmp_path / "r.html", metrics=["value_for_money", "hhi"]).read_text()
    assert text.count("How the intervals are made") == 1
    assert "Cost per unit of quality" in text and "£ per £ of quality · ↓ better" in text
    assert "0-10,000 · ↓ better" in text and "Herfindahl-Hirschman" in text
    glossary = text[text.index("<h2>Glossary</h2>"):]
    assert "<code>value_for_money</code>" in glossary and "cost ratio, so lower is better" in glossary
    assert "Computing time:" in text and "minutes of model time" not in text
    assert re.search(r"Effect sizes</h2>\s*<p>Cohen's d of each arm against <b>transactional</b> at step 6", text)


def test_a_sensitivity_report_shows_the_interval_of_mu_star_and_says_when_the_design_is_too_small(tmp_path):
    from partnering.experiments import run_sweep as sweep
    from partnering.experiments import salib_design

    design = salib_design("changemaking", ["principles.collaborative", "principles.creative"], samples=2,
                          replications=1, steps=2, overrides={"population.councils": 3})
    sweep(design, tmp_path / "gsa", workers=1)
    text = write_report(tmp_path / "gsa", metrics=["service_quality"]).read_text()
    assert "± is the half-width of the 95% bootstrap interval of μ*" in text
    assert "95% interval</th>" in text and "percentile bootstrap over trajectories" in text
