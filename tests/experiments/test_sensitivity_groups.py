"""Choosing parameters by glob and screening them in groups (one per schema section).

The counts are hand-checkable: a grouped Morris design is (groups + 1) points per trajectory,
whatever the number of parameters in the groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from partnering.cli import app
from partnering.experiments import salib_analyze, salib_design, salib_sample, to_salib_problem
from partnering.experiments.problem import expand_parameters, rows_per_sample, sections_of
from partnering.scenarios import ScenarioError, parameter_table


def declared(prefix: str = "", kind: str | None = None) -> list[str]:
    return [p.name for p in parameter_table() if p.name.startswith(prefix) and p.type != "bool"
            and (kind is None or p.kind == kind)]


def test_a_glob_stands_for_every_declared_parameter_of_its_section_in_declaration_order():
    names = expand_parameters(["procurement.*", "world.*"])
    assert names == declared("procurement.") + declared("world.")
    assert len(names) == len(set(names)) > 14


def test_a_name_named_twice_by_a_glob_and_by_itself_is_kept_once():
    assert expand_parameters(["world.demand_growth", "world.*"]) == declared("world.")
    assert expand_parameters(["world.demand_g?owth"]) == ["world.demand_growth"]


def test_the_word_uncertainties_is_every_declared_numeric_uncertainty():
    assert expand_parameters(["uncertainties"]) == to_salib_problem()["names"] == declared(kind="uncertainty")


def test_a_glob_matching_nothing_is_refused_naming_the_option_and_the_sections():
    with pytest.raises(ScenarioError, match=r"^--parameters: 'procurment\.\*' matches no declared parameter; "
                                            r"sections: .*procurement.*world"):
        expand_parameters(["procurment.*"], "--parameters")
    assert "procurement" in sections_of("uncertainty") and "principles" not in sections_of("uncertainty")


def test_a_grouped_problem_has_one_group_per_section_and_costs_groups_plus_one_runs_per_trajectory():
    names = expand_parameters(["procurement.*", "world.*", "trust.*"])
    problem = to_salib_problem(names, groups="sections")
    assert problem["groups"] == ["procurement"] * len(declared("procurement.")) + ["world"] * len(declared("world.")) \
        + ["trust"] * len(declared("trust."))
    assert rows_per_sample(problem, "morris") == 4 and rows_per_sample(to_salib_problem(names), "morris") == len(names) + 1
    X = salib_sample(problem, "morris", samples=3, seed=2)
    assert X.shape == (3 * 4, len(names))
    lows, highs = np.array(problem["bounds"]).T
    assert np.all((lows <= X) & (highs >= X)), "no sample past a bound, not even by rounding"
    design = salib_design("transactional", names, samples=3, replications=2, steps=2, groups="sections")
    assert len(design.points) == 3 * (3 + 1) and len(design) == 3 * (3 + 1) * 2
    with pytest.raises(ScenarioError, match="groups: 'mechanisms'; allowed: sections"):
        to_salib_problem(names, groups="mechanisms")


def test_grouped_morris_recovers_the_slope_of_each_group():
    # y = 2 a + 1 c + 0 (b, d): groups g1 = {a, b}, g2 = {c, d}, g3 = {e}; every elementary
    # effect of a group is the sum of its members' slopes, so mu* = 2, 1, 0 exactly
    problem = {"num_vars": 5, "names": list("abcde"), "bounds": [[0.0, 1.0]] * 5,
               "groups": ["g1", "g1", "g2", "g2", "g3"]}
    X = salib_sample(problem, "morris", samples=10, seed=4)
    indices = salib_analyze(problem, X, 2 * X[:, 0] + X[:, 2], "morris", seed=4, resamples=50)
    assert list(indices["parameter"]) == ["g1", "g2", "g3"]
    assert indices["mu_star"].to_numpy() == pytest.approx([2.0, 1.0, 0.0], abs=1e-9)
    assert indices["mu_star_low"].to_numpy() == pytest.approx([2.0, 1.0, 0.0], abs=1e-9)
    assert list(indices["members"]) == [2, 2, 1]
    assert indices.attrs["grouped"]


def test_a_grouped_screening_runs_end_to_end_through_the_cli(tmp_path):
    out = tmp_path / "grouped"
    result = CliRunner().invoke(app, ["sensitivity", "--out", str(out), "--parameters", "world.*,trust.*,market.*",
                                      "--groups", "sections", "--samples", "2", "--replications", "2",
                                      "--steps", "2", "--set", "population.councils=2", "--workers", "1",
                                      "--metrics", "service_quality"])
    assert result.exit_code == 0, result.output
    assert f"{(3 + 1) * 2 * 2} runs" in result.output, "(groups + 1) x trajectories x replications"
    assert "grouped morris ranking" in result.output
    table = pd.read_csv(out / "sensitivity.csv")
    assert sorted(table["parameter"]) == ["market", "trust", "world"]
    assert table["members"].sum() == len(declared("world.") + declared("trust.") + declared("market."))


def test_the_cli_refuses_a_glob_matching_nothing_and_an_unknown_grouping(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(app, ["sensitivity", "--out", str(tmp_path / "x"), "--parameters", "nowhere.*"])
    assert bad.exit_code == 2
    assert "--parameters: 'nowhere.*' matches no declared parameter; sections:" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
    grouping = runner.invoke(app, ["sensitivity", "--out", str(tmp_path / "y"), "--groups", "kinds"])
    assert grouping.exit_code == 2 and "--groups: 'kinds'; allowed: sections" in grouping.output


def test_a_grouped_sobol_design_costs_groups_plus_two_rows_per_base_point():
    problem = to_salib_problem(expand_parameters(["world.*", "trust.*"]), groups="sections")
    assert rows_per_sample(problem, "sobol") == 2 + 2 and rows_per_sample(problem, "sobol", second_order=True) == 6
    assert salib_sample(problem, "sobol", samples=4, seed=1).shape == (4 * 4, problem["num_vars"])
