"""The pattern catalogue: every contrast changes one cause, arms are shared by name, and the
readings and the equivalence rule work as documented (hand-checked on small frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partnering.experiments import patterns as P
from partnering.scenarios import load_scenario


def _differences(a, b, prefix=""):
    """Dotted names of the parameters two scenarios differ in (name and description aside)."""
    out = []
    for section, value in a.model_dump().items():
        if section in {"name", "description", "provenance"}:
            continue
        other = b.model_dump()[section]
        if isinstance(value, dict):
            out += [f"{section}.{k}" for k in value if value[k] != other.get(k)]
        elif value != other:
            out.append(section)
    return out


@pytest.mark.parametrize("pattern", [p for p in P.PATTERNS if p.package is None], ids=lambda p: p.key)
def test_each_contrasts_arms_differ_in_its_one_cause_only(pattern):
    control, treated = pattern.arms()
    assert _differences(control, treated) == list(pattern.cause)


def test_a_package_contrast_is_its_scenario_against_the_base():
    control, treated = P.by_key("relational_raises_council_trust").arms()
    assert control.name == "transactional" and treated.name == "changemaking"
    assert {name.split(".")[0] for name in _differences(control, treated)} == {"principles"}


def test_an_interaction_runs_the_contrast_at_both_levels_of_its_factor():
    pattern = P.by_key("exploited_where_skills_are_weak")
    names = [a.name for a in pattern.arms()]
    assert names == ["transactional", "changemaking",
                     "transactional|world.commercial_capability=0.2", "changemaking|world.commercial_capability=0.2"]


def test_a_contrast_that_changes_two_causes_is_refused():
    with pytest.raises(ValueError, match="one cause"):
        P.Contrast("two", "x", "transactional", {"world.bid_cost": (0.0, 0.1), "world.demand_growth": (0.0, 0.1)},
                   "hhi", "late", +1, "none")


def test_arms_restating_their_scenarios_value_share_its_name():
    assert P.arm("transactional", {"principles.collaborative": 0.0}).name == "transactional"
    assert P.arm("transactional", {"principles.collaborative": 0.8}).name == "transactional|principles.collaborative=0.8"
    names = [a.name for a in P.all_arms()]
    assert len(names) == len(set(names))


def test_equivalence_claims_need_the_interval_inside_the_margin():
    claim = P.by_key("open_book_costs_no_more")
    assert claim.holds(-0.01, 0.01) and not claim.holds(-0.01, 0.02) and not claim.holds(0.016, 0.03)
    with pytest.raises(ValueError, match="margin"):
        P.Contrast("x", "x", "transactional", {"world.bid_cost": (0.0, 0.1)}, "hhi", "late", 0, "none")


def _frame(arm: str, values: list[float], replication: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"arm": arm, "replication": replication, "step": np.arange(len(values)), "m": values})


def test_readings_by_hand():
    values = [1.0] * 5 + [0.0] * 28 + [3.0] * 8  # steps 0..40
    f = _frame("a", values)
    assert P.reading(f, "m", "late") == pytest.approx(3.0)
    assert P.reading(f, "m", "final") == pytest.approx(3.0)
    assert P.reading(f, "m", "change") == pytest.approx(2.0)
    assert P.reading(f, "m", "year_after_12") == pytest.approx(0.0)
    with pytest.raises(ValueError, match="allowed"):
        P.reading(f, "m", "median")


def test_contrast_values_are_paired_by_replication():
    pattern = P.Contrast("x", "x", "transactional", {"world.bid_cost": (0.006, 0.02)}, "m", "final", +1, "none")
    control, treated = pattern.arms()
    frames = [_frame(control.name, [0.0, 1.0], 0), _frame(control.name, [0.0, 5.0], 1),
              _frame(treated.name, [0.0, 2.0], 0), _frame(treated.name, [0.0, 9.0], 1)]
    assert list(pattern.values(pd.concat(frames))) == [1.0, 4.0]


def test_every_cause_and_factor_is_a_declared_parameter_within_its_bounds():
    from partnering.scenarios.schema import parameter

    for pattern in P.ALL:
        causes = pattern.factor if isinstance(pattern, P.Interaction) else pattern.cause
        for name, levels in causes.items():
            info = parameter(name)
            for level in levels:
                assert info.low <= float(level) <= info.high, f"{pattern.key}: {name}={level}"
    assert load_scenario("supplier_collapse").shocks


def test_every_figure_of_the_validation_report_names_a_pattern():
    from partnering.experiments.validation_report import FIGURES

    for _, key in FIGURES:
        assert P.by_key(key).asserted, key
