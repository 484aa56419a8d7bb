"""The shipped calibration of uk_2018, tested on fresh seeds: every fitted moment within its
tolerance, the held-out figures reported beside them, intentions that come from experience.

The seeds here are never the calibration's own: its check seeds are recorded in the scenario's
provenance, and this test draws from another root, so a fit that only held on the seeds it was
found with fails here.
"""

from __future__ import annotations

import pytest

from partnering.experiments.calibration import (
    FITTED,
    HELD_OUT,
    MOMENTS,
    intention_decomposition,
    reproduce,
)
from partnering.experiments.design import scenario_design
from partnering.scenarios import load_scenario

pytestmark = pytest.mark.validation

FRESH_ROOT = 20_181_231
"""The root of the fresh seeds: not the calibration's check root (asserted below)."""

REPLICATIONS = 20


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return reproduce("uk_2018", replications=REPLICATIONS, root_seed=FRESH_ROOT,
                     out=tmp_path_factory.mktemp("fresh-seeds"), workers=2)


def test_shipped_uk_2018_carries_the_provenance_of_its_calibration():
    provenance = load_scenario("uk_2018").provenance
    for key in ("method", "fitted", "fitted_moments", "held_out_moments", "check_root_seed", "check_seeds", "date"):
        assert provenance.get(key), f"uk_2018 provenance lacks {key}: run `partnering calibrate`"


def test_the_fresh_seeds_are_not_the_calibrations_own():
    provenance = load_scenario("uk_2018").provenance
    assert int(provenance["check_root_seed"]) != FRESH_ROOT
    fresh = set(scenario_design("uk_2018", replications=REPLICATIONS, root_seed=FRESH_ROOT).seeds)
    assert not fresh & {int(s) for s in provenance["check_seeds"].split()}


def missed_by_the_calibration() -> set[str]:
    """The fitted moments the shipped calibration's own check found outside their tolerance,
    read from the provenance it wrote (``fit = "name value; ..."``)."""
    provenance = load_scenario("uk_2018").provenance
    by_name = {m.name: m for m in FITTED}
    missed = set()
    for item in provenance["fit"].split("; "):
        name, value = item.rsplit(" ", 1)
        moment = by_name.get(name)
        assert moment is not None, f"uk_2018 provenance names a fitted moment {name!r} this code does not fit"
        if abs(float(value) - moment.target) > moment.tolerance:
            missed.add(name)
    return missed


@pytest.fixture(scope="module")
def untuned(tmp_path_factory):
    """uk_2018 with every calibrated parameter back at its declared default, on the same seeds."""
    from partnering.experiments.calibration import untuned as at_defaults

    return reproduce(at_defaults(load_scenario("uk_2018")), replications=REPLICATIONS,
                     root_seed=FRESH_ROOT, out=tmp_path_factory.mktemp("untuned"), workers=2)


def test_the_calibration_comes_nearer_the_fitted_moments_than_the_untuned_model(fresh, untuned):
    """On the same fresh seeds, the shipped point's mean moments lie nearer the targets (in
    units of their tolerances) than the declared defaults' do: the procedure did some work."""
    from partnering.experiments.calibration import distance

    calibrated = distance(fresh.mean().to_dict())
    default = distance(untuned.mean().to_dict())
    assert calibrated < default, f"distance to the fitted moments: calibrated {calibrated:.2f}, untuned {default:.2f}"


@pytest.mark.parametrize("moment", FITTED, ids=lambda m: m.name)
def test_each_fitted_moment_is_within_its_tolerance_on_fresh_seeds(fresh, moment, request):
    if moment.name in missed_by_the_calibration():
        # Reported as a miss by the calibration itself, and in docs/validation.md: not asserted
        # here (a moment at its tolerance's edge can fall either side on other seeds).
        request.applymarker(pytest.mark.xfail(strict=False, reason="the calibration's own check missed it"))
    value = float(fresh[moment.name].mean())
    assert abs(value - moment.target) <= moment.tolerance, (
        f"{moment.name}: model {value:.3f} on {REPLICATIONS} fresh seeds, target {moment.target} ± {moment.tolerance}")


def test_held_out_figures_are_reported_beside_the_fitted_ones(fresh, capsys):
    assert set(fresh.columns) == {m.name for m in MOMENTS}
    with capsys.disabled():
        for m in HELD_OUT:
            print(f"\nheld out: {m.name}: model {fresh[m.name].mean():.3f}, real {m.target} ({m.source})")


def test_intentions_come_mostly_from_experience():
    """Variance decomposition of the intention score at the survey step: the five experience
    terms explain most of it, the idiosyncratic attitude little."""
    scenario = load_scenario("uk_2018")
    seeds = scenario_design(scenario, replications=4, root_seed=FRESH_ROOT).seeds
    table = intention_decomposition(scenario, seeds).set_index("part")
    assert table.at["experience (all five)", "share"] > 0.5
    assert table.at["attitude", "share"] < table.at["experience (all five)", "share"]
