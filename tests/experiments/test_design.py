"""Designs: seeds from SeedSequence.spawn shared by every arm, factorial grids, Latin hypercubes,
SALib samples, stable run ids and fingerprints."""

from __future__ import annotations

import numpy as np
import pytest
from experiments_support import SMALL

from partnering.experiments import (
    grid_design,
    lhs_design,
    replication_seeds,
    salib_design,
    scenario_design,
)
from partnering.scenarios import ScenarioError, load_scenario, parameter


def test_replication_seeds_are_spawned_children_of_the_root_seed():
    children = np.random.SeedSequence(42).spawn(4)
    expected = tuple(int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children)
    assert replication_seeds(42, 4) == expected
    assert all(0 <= s < 2**63 for s in expected)


def test_more_replications_keep_the_first_seeds():
    assert replication_seeds(7, 10)[:3] == replication_seeds(7, 3)


def test_every_arm_runs_the_same_seeds_replication_by_replication():
    design = scenario_design(["transactional", "changemaking", "policy_package"], replications=4, steps=3)
    runs = list(design.runs())
    assert len(runs) == len(design) == 12
    assert [r.replication for r in runs] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    for replication in range(4):
        seeds = {r.seed for r in runs if r.replication == replication}
        assert seeds == {design.seeds[replication]}


def test_run_ids_are_unique_and_stable():
    first = [r.run_id for r in scenario_design(["transactional", "changemaking"], 5, 4).runs()]
    again = [r.run_id for r in scenario_design(["transactional", "changemaking"], 5, 4).runs()]
    assert first == again
    assert len(set(first)) == len(first)
    other_steps = {r.run_id for r in scenario_design(["transactional", "changemaking"], 5, 5).runs()}
    assert not other_steps & set(first)


def test_overrides_reach_every_arm_and_change_its_content_hash():
    plain = scenario_design(["transactional"], 2, 4)
    small = scenario_design(["transactional"], 2, 4, overrides=SMALL)
    assert small.resolve(0).population.councils == 4
    assert plain.points[0].scenario_hash != small.points[0].scenario_hash


def test_fingerprint_follows_what_decides_the_numbers_and_ignores_the_name():
    base = scenario_design(["transactional"], 3, 4, name="a")
    assert base.fingerprint() == scenario_design(["transactional"], 3, 4, name="b").fingerprint()
    assert base.fingerprint() != scenario_design(["transactional"], 4, 4).fingerprint()
    assert base.fingerprint() != scenario_design(["transactional"], 3, 5).fingerprint()
    assert base.fingerprint() != scenario_design(["transactional"], 3, 4, root_seed=2).fingerprint()
    assert base.fingerprint() != scenario_design(["transactional"], 3, 4, overrides=SMALL).fingerprint()


def test_a_grid_is_the_full_factorial_under_each_base_scenario():
    grid = {"principles.collaborative": [0.0, 0.5, 1.0], "policy.steering_groups": [False, True]}
    design = grid_design(["transactional", "changemaking"], grid, replications=2, steps=3)
    assert len(design.points) == 2 * 3 * 2
    assert len(design) == 24
    combos = {(p.scenario, p.overrides["principles.collaborative"], p.overrides["policy.steering_groups"])
              for p in design.points}
    assert len(combos) == 12
    assert "changemaking[collaborative=0.5,steering_groups=true]" in design.arms
    resolved = design.resolve(design.arms.index("changemaking[collaborative=0.5,steering_groups=true]"))
    assert resolved.principles.collaborative == 0.5 and resolved.policy.steering_groups is True


def test_a_grid_value_outside_the_declared_bounds_is_refused_in_one_line():
    with pytest.raises(ScenarioError, match=r"principles\.collaborative.*out of range.*0 to 1") as err:
        grid_design("transactional", {"principles.collaborative": [0.5, 1.5]}, 2, 3)
    assert "\n" not in str(err.value)


def test_a_latin_hypercube_stratifies_each_parameter_within_its_declared_bounds():
    names = ["world.demand_growth", "behaviour.trust_gain_rate"]
    n = 8
    design = lhs_design("transactional", names, samples=n, replications=2, steps=3)
    assert len(design.points) == n and design.kind == "lhs"
    for j, name in enumerate(names):
        info = parameter(name)
        values = np.array([p.overrides[name] for p in design.points])
        assert np.all((values >= info.low) & (values <= info.high))
        strata = np.floor((values - info.low) / (info.high - info.low) * n).astype(int)
        assert sorted(strata) == list(range(n)), f"{name}: one point in each of the {n} strata"
        assert [p.sample[j] for p in design.points] == list(values)


def test_a_latin_hypercube_is_reproducible_from_its_root_seed():
    names = ["world.demand_growth"]
    a = lhs_design("transactional", names, 5, 1, 3, root_seed=3)
    b = lhs_design("transactional", names, 5, 1, 3, root_seed=3)
    c = lhs_design("transactional", names, 5, 1, 3, root_seed=4)
    assert [p.overrides for p in a.points] == [p.overrides for p in b.points]
    assert [p.overrides for p in a.points] != [p.overrides for p in c.points]


def test_a_latin_hypercube_respects_narrower_bounds():
    design = lhs_design("transactional", ["world.demand_growth"], 6, 1, 3,
                        bounds={"world.demand_growth": [0.0, 0.01]})
    values = [p.overrides["world.demand_growth"] for p in design.points]
    assert min(values) >= 0.0 and max(values) <= 0.01


def test_a_morris_design_has_k_plus_one_points_per_trajectory_with_declared_types():
    names = ["principles.collaborative", "population.councils", "policy.steering_groups"]
    design = salib_design("transactional", names, method="morris", samples=3, replications=2, steps=3,
                          bounds={"population.councils": [2, 6]})
    assert len(design.points) == 3 * (len(names) + 1)
    for point in design.points:
        assert isinstance(point.overrides["population.councils"], int)
        assert isinstance(point.overrides["policy.steering_groups"], bool)
        assert len(point.sample) == 3
    assert design.problem["names"] == names
    assert design.method == "morris"


def test_a_sobol_design_needs_a_power_of_two():
    with pytest.raises(ScenarioError, match="power of two"):
        salib_design("transactional", ["principles.creative"], method="sobol", samples=6)
    design = salib_design("transactional", ["principles.creative", "principles.adaptable"], method="sobol",
                          samples=4, replications=1, steps=2)
    assert len(design.points) == 4 * (2 + 2)


def test_a_sensitivity_design_takes_one_base_scenario():
    with pytest.raises(ScenarioError, match="exactly one base scenario"):
        salib_design(["transactional", "changemaking"], ["principles.creative"], samples=2)


def test_two_arms_with_the_same_name_are_refused():
    scenario = load_scenario("transactional")
    with pytest.raises(ScenarioError, match="listed twice"):
        scenario_design([scenario, "transactional"], 2, 3)
