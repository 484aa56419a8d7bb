"""Calibration of uk_2018 to the 2018 survey: the shipped values reproduce it, and the procedure's
parts do what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from partnering.experiments.calibration import (
    SURVEY_TARGET,
    Calibration,
    Fit,
    distance,
    reproduce,
    surrogate_optimum,
    write_calibration,
)
from partnering.scenarios import load_scenario
from partnering.scenarios.loader import builtin_dir

pytestmark = pytest.mark.validation


def test_the_survey_target_is_the_2018_leadership_index():
    assert SURVEY_TARGET == {"more": 0.15, "same": 0.46, "less": 0.39}
    assert sum(SURVEY_TARGET.values()) == pytest.approx(1.0)


def test_shipped_uk_2018_carries_the_provenance_of_its_calibration():
    provenance = load_scenario("uk_2018").provenance
    for key in ("method", "distance", "check_root_seed", "check_seeds", "date", "fitted"):
        assert provenance.get(key), f"uk_2018 provenance lacks {key}: run `partnering calibrate`"
    assert len(provenance["check_seeds"].split()) >= 20


def test_shipped_uk_2018_reproduces_the_survey_within_five_points(tmp_path):
    """The calibration's own check, rerun: same scenario, same seeds, through the sweep runner."""
    provenance = load_scenario("uk_2018").provenance
    seeds = provenance["check_seeds"].split()
    fit = reproduce("uk_2018", replications=len(seeds), root_seed=int(provenance["check_root_seed"]), out=tmp_path)
    assert fit.replications >= 20
    for answer, target in SURVEY_TARGET.items():
        assert abs(fit.shares[answer] - target) <= 0.05, f"{answer}: model {fit.shares[answer]:.3f}, survey {target}"
    assert fit.distance == pytest.approx(float(provenance["distance"]), abs=1e-4)


def test_distance_is_euclidean_over_the_three_shares():
    # (0.05^2 + 0.06^2 + 0.01^2) ** 0.5 = 0.0787
    assert distance({"more": 0.2, "same": 0.4, "less": 0.4}, SURVEY_TARGET) == pytest.approx(0.07874, abs=1e-5)


def test_surrogate_finds_the_optimum_of_a_noisy_quadratic_response():
    rng = np.random.default_rng(3)
    fits = []
    for x, y in rng.uniform(-1.0, 1.0, size=(40, 2)):
        # shares that hit the target exactly at (0.3, -0.2)
        more = 0.15 + 0.1 * (x - 0.3) + 0.05 * (y + 0.2) + rng.normal(0, 0.005)
        less = 0.39 - 0.1 * (x - 0.3) + 0.08 * (y + 0.2) + rng.normal(0, 0.005)
        shares = {"more": more, "less": less, "same": 1.0 - more - less}
        fits.append(Fit({"a": x, "b": y}, shares, {}, distance(shares, SURVEY_TARGET), 4))
    best = surrogate_optimum(fits, ["a", "b"], {"a": (-1.0, 1.0), "b": (-1.0, 1.0)}, SURVEY_TARGET)
    assert best.values["a"] == pytest.approx(0.3, abs=0.06)
    assert best.values["b"] == pytest.approx(-0.2, abs=0.06)
    assert best.distance < 0.01


def test_writing_a_calibration_keeps_comments_and_records_provenance(tmp_path):
    target = tmp_path / "uk_2018.toml"
    original = (builtin_dir() / "uk_2018.toml").read_text(encoding="utf-8")
    target.write_text(original, encoding="utf-8")
    best = Fit({"behaviour.intention_bias": -0.1234, "behaviour.intention_spread": 0.4321},
               {"more": 0.16, "same": 0.45, "less": 0.39}, dict.fromkeys(SURVEY_TARGET, (0.1, 0.5)), 0.0141, 20)
    calibration = Calibration("uk_2018", ("behaviour.intention_bias", "behaviour.intention_spread"), SURVEY_TARGET,
                              search=[best], refinement=[best], best=best, seeds=tuple(range(20)), root_seed=9,
                              date="2026-11-23")
    write_calibration(calibration, target)
    written = target.read_text(encoding="utf-8")
    assert written.splitlines()[0] == original.splitlines()[0]  # the opening comment survives
    scenario = load_scenario(target)
    assert scenario.behaviour.intention_bias == pytest.approx(-0.1234)
    assert scenario.behaviour.intention_spread == pytest.approx(0.4321)
    assert scenario.provenance["distance"] == "0.0141"
    assert scenario.provenance["check_root_seed"] == "9"
    assert scenario.population.councils == load_scenario("uk_2018").population.councils
