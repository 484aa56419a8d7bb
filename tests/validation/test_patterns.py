"""The patterns of MODEL.md section 7, each emerging from the mechanisms and holding across 20
replications on common seeds: every assertion is on a 95% confidence interval that excludes zero.

The contrasts and interactions live in ``partnering.experiments.patterns`` (one cause changed
per contrast; interactions as 2 x 2 factorials), where ``partnering robustness`` reads them too;
this file asserts each one's sign, and adds the patterns that are not a contrast of two arms:
trends within a regime, the collapse's damage against the failed firm's share, and services'
need to integrate (a property of the service catalogue, not a parameter).
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from partnering.experiments.patterns import ALL, Pattern, arm
from tests.validation.conftest import Interval, Results, mean_interval

pytestmark = pytest.mark.validation

T = "transactional"


def below(interval: Interval) -> bool:
    return interval.high < 0.0


def above(interval: Interval) -> bool:
    return interval.low > 0.0


ASSERTED = [p for p in ALL if p.asserted]
"""The claims the model reproduces; the others are run and reported by the validation report
(``python -m partnering.experiments.validation_report``) in docs/validation.md."""


@pytest.mark.parametrize("pattern", ASSERTED, ids=lambda p: p.key)
def test_pattern_holds_over_replications(patterns: Results, pattern: Pattern):
    d = mean_interval(pattern.values(patterns.metrics))
    assert pattern.holds(d.low, d.high), f"{pattern.claim} ({pattern.source}): treated - control {pattern.metric} {d}"


# 2. Concentration creeps up under transactional tendering (NAO and Cabinet Office: strategic
#    suppliers' share of central spend 12.5% in 2013, 20% in 2018); the other regimes' trends are
#    asserted in the direction the model gives (place-based lotting reverses the drift).
@pytest.mark.parametrize("metric", ["hhi", "top5_share"])
def test_concentration_creeps_up_under_transactional_tendering(patterns: Results, metric: str):
    rise = mean_interval(patterns.read(T, metric, "change").to_numpy())
    assert above(rise), f"{metric} change under transactional {rise}"


def test_sme_share_falls_under_transactional_tendering(patterns: Results):
    change = mean_interval(patterns.read(T, "sme_share", "change").to_numpy())
    assert below(change), f"SME share change under transactional {change}"


def test_place_based_lotting_reverses_the_drift(patterns: Results):
    place = arm(T, {"principles.place_based": 0.8}).name
    sme = mean_interval(patterns.read(place, "sme_share", "change").to_numpy())
    top5 = mean_interval(patterns.read(place, "top5_share", "change").to_numpy())
    assert above(sme) and below(top5), f"place-based: SME share change {sme}, top-5 share change {top5}"


def test_concentration_rises_more_under_transactional_than_under_changemaking(patterns: Results):
    d = patterns.difference(patterns.read(T, "hhi", "change"), patterns.read("changemaking", "hhi", "change"))
    assert above(d), f"HHI change: transactional - changemaking {d}"


# 4. One large supplier's collapse disrupts many services at once; the damage grows with its
#    market share (NAO 2018 on Carillion; IfG 2018).
COLLAPSE = "supplier_collapse"
DIVERSE = arm(COLLAPSE, {"suppliers.large_capacity_share": 0.15}).name


def _failed_share(results: Results, name: str) -> pd.Series:
    ev = results.events
    shocked = ev[(ev["arm"] == name) & (ev["kind"] == "supplier_failure") & (ev["reason"] == "shock")]
    return shocked.groupby("replication")["share"].sum()


def test_a_large_supplier_collapse_disrupts_many_services_at_once(patterns: Results):
    d = patterns.difference(patterns.read(COLLAPSE, "disruption", "year_after_12"),
                            patterns.read(T, "disruption", "year_after_12"))
    assert above(d), f"collapse - no collapse: service-quarters disrupted in the year after {d}"
    ev = patterns.events
    hit = ev[(ev["arm"] == COLLAPSE) & (ev["reason"] == "shock")].groupby("replication")["count"].sum()
    services = mean_interval(hit.to_numpy())
    assert services.low > 5, f"services disrupted by the collapse {services}"


def test_collapse_damage_grows_with_the_failed_suppliers_market_share(patterns: Results):
    names = (COLLAPSE, DIVERSE)
    shares = pd.concat([_failed_share(patterns, n) for n in names], ignore_index=True)
    damage = pd.concat([patterns.read(n, "disruption", "year_after_12") for n in names], ignore_index=True)
    fit = stats.linregress(shares.to_numpy(), damage.to_numpy())
    half = stats.t.ppf(0.975, len(shares) - 2) * fit.stderr
    slope = Interval(fit.slope, fit.slope - half, fit.slope + half)
    assert above(slope), f"service-quarters disrupted per unit of market share {slope}"


# 5. Insourcing clusters in services that must be integrated (Institute for Government 2020).
def test_insourcing_clusters_in_services_that_must_be_integrated(patterns: Results):
    integrated, standalone = f"{T}|integration=0.9", f"{T}|integration=0.1"
    d = patterns.difference(patterns.read(integrated, "insourced_integration", "final"),
                            patterns.read(standalone, "insourced_integration", "final"))
    assert above(d), f"integrated - stand-alone services: insourcing for integration {d}"
    d = patterns.difference(patterns.read(integrated, "share_in_house", "late"),
                            patterns.read(standalone, "share_in_house", "late"))
    assert above(d), f"integrated - stand-alone services: share in-house {d}"
