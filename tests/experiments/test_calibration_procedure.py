"""The calibration procedure's parts: moments from the anchors, held-out figures kept out of the
fit, the distance, the ABC-SMC machinery (resumable, refusing a different set-up) and writing
the result into a scenario."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from partnering.experiments import calibration
from partnering.experiments.calibration import (
    FITTED,
    HELD_OUT,
    MOMENTS,
    PRIORS,
    Calibration,
    Generation,
    Prior,
    check_priors,
    distance,
    step_of,
    write_calibration,
)
from partnering.experiments.results import SweepResults
from partnering.scenarios import ScenarioError, apply_overrides, load_scenario, parameter
from partnering.scenarios.anchors import uk_anchors
from partnering.scenarios.loader import builtin_dir


def test_every_target_is_read_from_the_shipped_anchors():
    anchors = uk_anchors()
    for m in MOMENTS:
        table = anchors
        for key in m.anchor:
            table = table[key]
        assert m.target == float(table)
        assert m.source, m.name


def test_the_held_out_figures_are_never_fitted():
    fitted = {(m.metric, m.year) for m in FITTED}
    held = {(m.metric, m.year) for m in HELD_OUT}
    assert not fitted & held
    assert "vcse_share" in {m.metric for m in HELD_OUT}
    assert len(HELD_OUT) >= 2


def test_more_moments_are_fitted_than_parameters_are_free():
    assert len(FITTED) >= 7 and len(PRIORS) >= 5
    assert len(FITTED) > len(PRIORS)
    check_priors(PRIORS)  # each prior inside its declared bounds


def test_the_point_meets_the_most_moments_then_lies_nearest():
    from partnering.experiments.calibration import choose_point, met_counts

    targets = {m.name: m.target for m in FITTED}
    first = FITTED[0]
    near_but_one_off = {**targets, first.name: first.target + 2 * first.tolerance}
    all_met_but_farther = {m.name: m.target + 0.9 * m.tolerance for m in FITTED}
    frame = pd.DataFrame([near_but_one_off, all_met_but_farther])
    assert met_counts(frame) == [len(FITTED) - 1, len(FITTED)]
    table = pd.DataFrame({"met": met_counts(frame), "distance": [2.0, 0.9 * math.sqrt(len(FITTED))]})
    assert choose_point(table) == 1
    assert choose_point(pd.DataFrame({"met": [3, 3], "distance": [1.5, 1.2]})) == 1


def test_a_prior_outside_the_declared_bounds_is_refused():
    with pytest.raises(ScenarioError, match="declared bounds"):
        check_priors([Prior("world.bid_cost", 0.0, 5.0), *PRIORS[1:]])
    with pytest.raises(ScenarioError, match="only uncertainties"):
        check_priors([Prior("principles.collaborative", 0.0, 1.0), *PRIORS[1:]])


def test_moments_are_read_at_the_quarter_they_describe():
    scenario = load_scenario("uk_2018")  # starts in 2010, survey at quarter 35 (2018 Q3)
    by_year = {m.year: step_of(m, scenario) for m in MOMENTS}
    assert by_year[2018] == 35
    assert by_year[2016] == 28  # the four quarters to 2016 Q4
    assert by_year[2012] == 12


def test_distance_counts_each_gap_in_units_of_its_tolerance():
    values = {m.name: m.target for m in FITTED}
    first, second = FITTED[0], FITTED[5]
    values[first.name] += first.tolerance  # one tolerance off: 1
    values[second.name] -= 2 * second.tolerance  # two off: 2
    assert distance(values) == pytest.approx(np.sqrt(1 + 4))


def _generation(weights: list[float], x: list[float]) -> Generation:
    frame = pd.DataFrame({p.name: [(p.low + p.high) / 2] * len(x) for p in PRIORS})
    frame[PRIORS[0].name] = x
    return Generation(0, 1.0, frame, np.array(weights), np.zeros(len(x)), len(x))


def test_the_posterior_table_reads_weighted_moments_and_says_what_is_pinned_down():
    result = Calibration("uk_2018", PRIORS, generations=[_generation([0.25, 0.75], [-0.2, 0.2])],
                         point={p.name: (p.low + p.high) / 2 for p in PRIORS})
    table = result.parameter_table().set_index("parameter")
    bias = table.loc[PRIORS[0].name]
    # weighted mean 0.25 * -0.2 + 0.75 * 0.2 = 0.1; sd sqrt(0.25 * 0.09 + 0.75 * 0.01) = 0.1732
    assert bias.posterior_mean == pytest.approx(0.1)
    assert bias.posterior_sd == pytest.approx(0.17320508)
    # the prior's sd is 1.2 / sqrt(12) = 0.3464: half of it, so partly identified
    assert bias.sd_ratio == pytest.approx(0.5) and bias.identified == "partly"
    assert table.loc[PRIORS[1].name].identified == "pinned down"  # every particle agrees


@pytest.mark.slow
def test_a_small_calibration_runs_resumes_and_refuses_another_set_up(tmp_path):
    scenario = apply_overrides(load_scenario("uk_2018"), {"population.councils": 6, "run.steps": 13,
                                                          "run.survey_step": 13, "run.start_year": 2016})
    first = calibration.calibrate(tmp_path, scenario, size="smoke", workers=1)
    assert len(first.generations) == 2
    assert first.posterior.epsilon < np.inf
    assert (first.posterior.distances <= first.posterior.epsilon + 1e-12).all()
    assert set(first.point) == {p.name for p in PRIORS}
    assert set(first.moment_table()["moment"]) == {m.name for m in MOMENTS}
    # each particle is judged by its mean moments over the size's runs per particle, not by one run
    repeats = calibration.SETTINGS["smoke"]["particle_replications"]
    batch = SweepResults(tmp_path / "gen-0" / "batch-0")
    metrics = batch.metrics()
    assert len(batch.runs) == repeats * calibration.SETTINGS["smoke"]["population"]
    arm = sorted(metrics["arm"].unique())[0]
    per_run = [calibration.read_moments(frame, scenario) for _, frame in
               metrics[metrics["arm"] == arm].groupby("replication")]
    assert len(per_run) == repeats
    moment = FITTED[0].name
    assert first.generations[0].particles.loc[0, moment] == pytest.approx(np.mean([r[moment] for r in per_run]))
    again = calibration.calibrate(tmp_path, scenario, size="smoke", workers=1)  # resumes: nothing new to run
    assert again.point == first.point
    pd.testing.assert_frame_equal(again.check, first.check)
    with pytest.raises(ScenarioError, match="set up differently"):
        calibration.calibrate(tmp_path, scenario, size="smoke", workers=1, root_seed=7)


def test_writing_a_calibration_keeps_comments_and_records_provenance(tmp_path):
    target = tmp_path / "uk_2018.toml"
    original = (builtin_dir() / "uk_2018.toml").read_text(encoding="utf-8")
    target.write_text(original, encoding="utf-8")
    point = {p.name: round((p.low + p.high) / 2, 4) for p in PRIORS}
    check = pd.DataFrame([{m.name: m.target for m in MOMENTS}] * 3)
    result = Calibration("uk_2018", PRIORS, generations=[_generation([0.5, 0.5], [0.0, 0.0])], point=point,
                         check=check, predictive=check, check_root_seed=9, check_seeds=(1, 2, 3), date="2026-12-01")
    write_calibration(result, target)
    written = target.read_text(encoding="utf-8")
    assert written.splitlines()[0] == original.splitlines()[0]  # the opening comment survives
    scenario = load_scenario(target)
    assert scenario.procurement.price_squeeze == pytest.approx(point["procurement.price_squeeze"])
    assert scenario.behaviour.intention_bias == pytest.approx(point["behaviour.intention_bias"])
    assert scenario.provenance["check_root_seed"] == "9"
    assert scenario.provenance["within_tolerance"] == f"{len(FITTED)} of {len(FITTED)} fitted moments"
    assert scenario.population.councils == load_scenario("uk_2018").population.councils
    assert parameter("behaviour.intention_spread").high <= 0.15  # the idiosyncratic term stays small
