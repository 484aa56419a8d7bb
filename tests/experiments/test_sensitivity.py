"""Sensitivity analysis: the SALib problem comes from the schema, and the sampling and analysis
path recovers known indices (Ishigami for Sobol, a linear function for Morris)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from experiments_support import SMALL

from partnering.experiments import (
    run_sweep,
    salib_analyze,
    salib_design,
    salib_sample,
    sensitivity,
    to_salib_problem,
)
from partnering.experiments.plots import png, sensitivity_figure
from partnering.scenarios import ScenarioError, parameter_table


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def test_the_problem_is_derived_from_the_schema_declarations():
    problem = to_salib_problem()
    declared = [p for p in parameter_table() if p.kind == "uncertainty" and p.type != "bool"]
    assert problem["names"] == [p.name for p in declared]
    assert problem["bounds"] == [[p.low, p.high] for p in declared]
    assert problem["num_vars"] == len(declared)
    levers = to_salib_problem(kind="lever")
    assert "principles.collaborative" in levers["names"]
    assert not set(levers["names"]) & set(problem["names"])


def test_narrower_bounds_must_lie_inside_the_declared_ones():
    problem = to_salib_problem(["world.demand_growth"], bounds={"world.demand_growth": [0.0, 0.05]})
    assert problem["bounds"] == [[0.0, 0.05]]
    with pytest.raises(ScenarioError, match=r"inside the declared -0.05 to 0.15 \(per year\)"):
        to_salib_problem(["world.demand_growth"], bounds={"world.demand_growth": [0.0, 0.5]})


def test_an_unknown_parameter_is_refused_with_a_suggestion():
    with pytest.raises(ScenarioError, match=r"did you mean 'world\.demand_growth'"):
        to_salib_problem(["world.demand_grwth"])


def test_sobol_indices_of_the_ishigami_function():
    # analytic values for a = 7, b = 0.1 (Ishigami and Homma 1990; Saltelli et al. 2008):
    # S1 = 0.3139, 0.4424, 0;  ST = 0.5576, 0.4424, 0.2437
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    X = salib_sample(problem, "sobol", samples=2048, seed=3)
    indices = salib_analyze(problem, X, ishigami(X), "sobol", seed=3, resamples=200).set_index("parameter")
    assert indices.loc[["x1", "x2", "x3"], "S1"].to_numpy() == pytest.approx([0.3139, 0.4424, 0.0], abs=0.05)
    assert indices.loc[["x1", "x2", "x3"], "ST"].to_numpy() == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.05)
    assert list(indices.index) == ["x1", "x2", "x3"]  # ranked by total order
    assert (indices["ST_conf"] > 0).all()


def test_morris_recovers_the_slopes_of_a_linear_function():
    # y = 2 x1 + 0.5 x2 + 0 x3 on the unit cube: every elementary effect of x_i is its slope,
    # so mu* = |slope| exactly and sigma = 0
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * 3}
    X = salib_sample(problem, "morris", samples=20, seed=5)
    y = 2.0 * X[:, 0] + 0.5 * X[:, 1]
    indices = salib_analyze(problem, X, y, "morris", seed=5, resamples=100)
    assert list(indices["parameter"]) == ["x1", "x2", "x3"]
    assert list(indices["rank"]) == [1, 2, 3]
    assert indices["mu_star"].to_numpy() == pytest.approx([2.0, 0.5, 0.0], abs=1e-9)
    assert indices["sigma"].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


def test_missing_outputs_are_refused_rather_than_analysed():
    problem = {"num_vars": 1, "names": ["x"], "bounds": [[0.0, 1.0]]}
    X = salib_sample(problem, "morris", samples=2)
    y = np.full(len(X), np.nan)
    with pytest.raises(ScenarioError, match="missing or not finite"):
        salib_analyze(problem, X, y, "morris")


def test_a_sensitivity_sweep_of_the_model_ranks_its_parameters(tmp_path):
    names = ["principles.collaborative", "principles.place_based"]
    design = salib_design("transactional", names, samples=2, replications=1, steps=3, overrides=SMALL)
    run_sweep(design, tmp_path / "morris", workers=1)
    indices = sensitivity(tmp_path / "morris", ["service_quality", "sme_share"])
    assert len(indices) == 2 * len(names)
    for _, rows in indices.groupby("metric"):
        assert sorted(rows["parameter"]) == sorted(names)
        assert list(rows["rank"]) == [1, 2]
        assert (rows["mu_star"] >= 0).all() and np.isfinite(rows["mu_star_conf"]).all()
    assert png(sensitivity_figure(indices)).startswith(b"\x89PNG")


def test_sensitivity_refuses_a_sweep_not_designed_for_it(reference):
    with pytest.raises(ScenarioError, match="not a sensitivity sweep"):
        sensitivity(reference)


def test_the_interval_of_mu_star_is_a_bootstrap_over_trajectories_that_never_goes_below_zero():
    from SALib.analyze import morris

    from partnering.experiments.sensitivity_analysis import morris_mu_star_interval

    # x3 has no effect but heavy-tailed noise, over four trajectories: SALib's symmetric
    # mu* -/+ mu_star_conf reaches below zero for it
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0], [0.0, 10.0], [-1.0, 1.0]]}
    X = salib_sample(problem, "morris", samples=4, seed=2)
    y = np.sin(3 * X[:, 0]) + 0.05 * X[:, 1] ** 2 + np.random.default_rng(2).standard_t(1, len(X)) * 0.05
    mu_star, low, high = morris_mu_star_interval(problem, X, y)
    reference = morris.analyze(problem, X, y, num_levels=4, seed=1)
    assert mu_star == pytest.approx(reference["mu_star"], abs=1e-12), "the same elementary effects as SALib's"
    assert (low >= 0).all() and (low <= mu_star).all() and (mu_star <= high).all()
    assert (reference["mu_star"] - reference["mu_star_conf"] < 0).any(), "the defect this interval replaces"
    indices = salib_analyze(problem, X, y, "morris", seed=1)
    assert (indices["mu_star_low"] >= 0).all()


def test_a_design_too_small_to_rank_is_named_with_the_parameters_it_cannot_rank():
    import pandas as pd

    from partnering.experiments.sensitivity_analysis import design_warnings, plus_minus

    indices = pd.DataFrame({"metric": ["public_trust"] * 3, "parameter": ["a", "b", "c"], "rank": [1, 2, 3],
                            "mu_star": [0.2, 0.05, 0.01], "mu_star_conf": [0.02, 0.06, 0.03]})
    indices.attrs.update(method="morris", level=0.95, samples=12, replications=2)
    (line,) = design_warnings(indices)
    assert line.startswith("public_trust: for 2 of 3 parameters (b, c)")
    assert "--samples, now 12" in line and "--replications, now 2" in line
    indices.attrs.update(samples=4)
    few, _ = design_warnings(indices)
    assert few.startswith("only 4 Morris trajectories: a ranking needs 10 or more")
    assert "half-width of the 95% bootstrap interval of μ*" in plus_minus(indices)
    # a linear function screened with 20 trajectories: every effect is exact, nothing to warn about
    problem = {"num_vars": 2, "names": ["x1", "x2"], "bounds": [[0.0, 1.0]] * 2}
    X = salib_sample(problem, "morris", samples=20, seed=5)
    clear = salib_analyze(problem, X, 2.0 * X[:, 0] + 0.5 * X[:, 1], "morris", seed=5).assign(metric="y")
    clear.attrs.update(method="morris")
    assert design_warnings(clear) == []
