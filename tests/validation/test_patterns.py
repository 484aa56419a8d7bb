"""The seven patterns of MODEL.md section 7, each emerging from the mechanisms and holding across
20 replications: every assertion is on a 95% confidence interval that excludes zero.

Arm names are the scenario plus its overrides (see ``conftest.arm``); each test names its
literature source.
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from tests.validation.conftest import HOSTILE, Interval, Results, arm, mean_interval

pytestmark = pytest.mark.validation

T = "transactional"
HOSTILE_SUFFIX = "".join(f"|{k}={v}" for k, v in sorted(HOSTILE.items()))


def below(interval) -> bool:
    return interval.high < 0.0


def above(interval) -> bool:
    return interval.low > 0.0


# 1. Price-only tendering drives a race to the bottom (Capen et al. 1971; Thaler 1988);
#    weighting track record (collaborative) lowers failures (Baker, Gibbons and Murphy 2002).
def test_price_only_tendering_thins_realised_margins(patterns: Results):
    d = patterns.difference(patterns.late(T, "mean_margin"), patterns.late("collaborative", "mean_margin"))
    assert below(d), f"transactional - collaborative margin {d}"


def test_price_only_tendering_leaves_more_suppliers_in_distress(patterns: Results):
    d = patterns.difference(patterns.late(T, "distressed_share"), patterns.late("collaborative", "distressed_share"))
    assert above(d), f"transactional - collaborative distressed share {d}"


def test_weighting_track_record_lowers_supplier_failures(patterns: Results):
    d = patterns.difference(patterns.final(T, "supplier_failures"), patterns.final("collaborative", "supplier_failures"))
    assert above(d), f"transactional - collaborative failures {d}"


# 2. Concentration creeps up under transactional tendering; place-based lots hold SME share up
#    (NAO and Cabinet Office on strategic suppliers' share: 12.5% in 2013, 20% in 2018).
def test_concentration_creeps_up_under_transactional_tendering(patterns: Results):
    rise = mean_interval(patterns.change(T, "hhi").to_numpy())
    assert above(rise), f"HHI change under transactional {rise}"


def test_sme_share_falls_under_transactional_tendering(patterns: Results):
    change = mean_interval(patterns.change(T, "sme_share").to_numpy())
    assert below(change), f"SME share change under transactional {change}"


def test_place_based_lots_hold_the_sme_share_up(patterns: Results):
    d = patterns.difference(patterns.late("place_based", "sme_share"), patterns.late(T, "sme_share"))
    assert above(d), f"place-based - transactional SME share {d}"


# 3. Relational partnering raises mutual trust and lowers monitoring cost (Lyons and Mehta 1997;
#    Poppo and Zenger 2002); with opportunistic suppliers and weak commercial skill it can be
#    exploited (Williamson 1985; Gulati 1995 on trust as a substitute for control).
def test_relational_partnering_raises_council_trust_in_suppliers(patterns: Results):
    d = patterns.difference(patterns.late("changemaking", "trust_council_supplier"), patterns.late(T, "trust_council_supplier"))
    assert above(d), f"changemaking - transactional council->supplier trust {d}"


def test_relational_partnering_raises_supplier_trust_in_councils(patterns: Results):
    d = patterns.difference(patterns.late("changemaking", "trust_supplier_council"), patterns.late(T, "trust_supplier_council"))
    assert above(d), f"changemaking - transactional supplier->council trust {d}"


def test_relational_partnering_lowers_monitoring_cost(patterns: Results):
    d = patterns.difference(patterns.late("changemaking", "monitoring_cost"), patterns.late(T, "monitoring_cost"))
    assert below(d), f"changemaking - transactional monitoring cost per £ {d}"


def test_opportunists_abuse_the_trust_relational_partnering_builds_where_skills_are_weak(patterns: Results):
    d = patterns.difference(patterns.late("changemaking" + HOSTILE_SUFFIX, "abused_trust"),
                            patterns.late(T + HOSTILE_SUFFIX, "abused_trust"))
    assert above(d), f"hostile world: changemaking - transactional abused trust {d}"


def test_relational_quality_falls_when_exploited(patterns: Results):
    d = patterns.difference(patterns.late("changemaking" + HOSTILE_SUFFIX, "service_quality"),
                            patterns.late("changemaking", "service_quality"))
    assert below(d), f"changemaking: hostile - benign quality {d}"


def test_relational_advantage_in_quality_shrinks_when_exploited(patterns: Results):
    benign = patterns.late("changemaking", "service_quality") - patterns.late(T, "service_quality")
    hostile = (patterns.late("changemaking" + HOSTILE_SUFFIX, "service_quality")
               - patterns.late(T + HOSTILE_SUFFIX, "service_quality"))
    d = patterns.difference(benign, hostile)
    assert above(d), f"quality gain of changemaking: benign - hostile {d}"


# 4. One large supplier's collapse disrupts many services at once; the damage grows with its
#    market share and is smaller in a diverse market (NAO 2018 on Carillion; IfG 2018).
CONCENTRATED = "supplier_collapse|population.history_level=0.0"
DIVERSE = "supplier_collapse|population.history_level=0.9"


def _disrupted(results: Results, name: str):
    """Service-quarters disrupted in the year from the failure (steps 12 to 15)."""
    return results.per_replication(name, lambda f: f.set_index("step")["disruption"].loc[12:15].sum())


def _failed_share(results: Results, name: str):
    ev = results.events
    shocked = ev[(ev["arm"] == name) & (ev["kind"] == "supplier_failure") & (ev["reason"] == "shock")]
    return shocked.groupby("replication")["share"].sum()


def test_a_large_supplier_collapse_disrupts_many_services_at_once(collapse: Results):
    d = collapse.difference(_disrupted(collapse, CONCENTRATED), _disrupted(collapse, T))
    assert above(d), f"collapse - no collapse: service-quarters disrupted {d}"
    ev = collapse.events
    hit = ev[(ev["arm"] == CONCENTRATED) & (ev["reason"] == "shock")].groupby("replication")["count"].sum()
    services = mean_interval(hit.to_numpy())
    assert services.low > 5, f"services disrupted by the collapse {services}"


def test_collapse_damage_grows_with_the_failed_suppliers_market_share(collapse: Results):
    shares = pd.concat([_failed_share(collapse, n) for n in (CONCENTRATED, DIVERSE)], ignore_index=True)
    damage = pd.concat([_disrupted(collapse, n) for n in (CONCENTRATED, DIVERSE)], ignore_index=True)
    fit = stats.linregress(shares.to_numpy(), damage.to_numpy())
    half = stats.t.ppf(0.975, len(shares) - 2) * fit.stderr
    slope = Interval(fit.slope, fit.slope - half, fit.slope + half)
    assert above(slope), f"service-quarters disrupted per unit of market share {slope}"


def test_collapse_damage_is_smaller_in_a_diverse_market(collapse: Results):
    d = collapse.difference(_disrupted(collapse, DIVERSE), _disrupted(collapse, CONCENTRATED))
    assert below(d), f"diverse - concentrated market: service-quarters disrupted {d}"


# 5. Insourcing clusters where markets are thin, flexibility is needed, skills are weak, or services
#    must be integrated (Institute for Government 2020).
def _insourced(patterns: Results, name: str, column: str | None = None):
    if column is None:
        columns = ["insourced_market", "insourced_flexibility", "insourced_skills", "insourced_integration"]
        return patterns.per_replication(name, lambda f: f[columns].iloc[-1].sum())
    return patterns.final(name, column)


def test_insourcing_clusters_where_markets_are_thin(patterns: Results):
    thin = arm(T, population__large_suppliers=2, population__smes_per_place=0).name
    d = patterns.difference(_insourced(patterns, thin, "insourced_market"), _insourced(patterns, T, "insourced_market"))
    assert above(d), f"thin - normal market: insourcing for an unhealthy market {d}"


def test_insourcing_clusters_where_flexibility_is_needed(patterns: Results):
    volatile = arm(T, world__demand_volatility=3.0).name
    d = patterns.difference(_insourced(patterns, volatile), _insourced(patterns, T))
    assert above(d), f"volatile - normal demand: insourcing events {d}"
    d = patterns.difference(_insourced(patterns, volatile, "insourced_flexibility"),
                            _insourced(patterns, T, "insourced_flexibility"))
    assert above(d), f"volatile - normal demand: insourcing for flexibility {d}"


def test_insourcing_clusters_where_commercial_skills_are_weak(patterns: Results):
    weak = arm(T, world__commercial_capability=0.15).name
    strong = arm(T, world__commercial_capability=0.95).name
    d = patterns.difference(_insourced(patterns, weak, "insourced_skills"), _insourced(patterns, strong, "insourced_skills"))
    assert above(d), f"weak - strong skills: insourcing for lack of skills {d}"
    d = patterns.difference(patterns.late(weak, "share_in_house"), patterns.late(strong, "share_in_house"))
    assert above(d), f"weak - strong skills: share in-house {d}"


def test_insourcing_clusters_in_services_that_must_be_integrated(patterns: Results):
    integrated = f"{T}|integration=0.9"
    standalone = f"{T}|integration=0.1"
    d = patterns.difference(_insourced(patterns, integrated, "insourced_integration"),
                            _insourced(patterns, standalone, "insourced_integration"))
    assert above(d), f"integrated - stand-alone services: insourcing for integration {d}"
    d = patterns.difference(patterns.late(integrated, "share_in_house"), patterns.late(standalone, "share_in_house"))
    assert above(d), f"integrated - stand-alone services: share in-house {d}"


# 6. Rigid long contracts fare worst under volatile and rising demand (Williamson 1985 on
#    adaptation; Bajari and Tadelis 2001 on fixed-price contracts and change).
def test_rigid_contracts_leave_more_need_unmet_under_rising_demand(patterns: Results):
    adaptable_rising = arm("rising_demand", principles__adaptable=0.8).name
    d = patterns.difference(patterns.late("rising_demand", "unmet_need"), patterns.late(adaptable_rising, "unmet_need"))
    assert above(d), f"rising demand: rigid - adaptable unmet need {d}"


def test_rigidity_costs_more_when_demand_rises_and_swings(patterns: Results):
    adaptable_rising = arm("rising_demand", principles__adaptable=0.8).name
    rising = patterns.late("rising_demand", "unmet_need") - patterns.late(adaptable_rising, "unmet_need")
    stable = patterns.late(T, "unmet_need") - patterns.late("adaptable", "unmet_need")
    d = patterns.difference(rising, stable)
    assert above(d), f"rigidity penalty in unmet need: rising - stable demand {d}"
