"""Valid scenarios at the edges of the declared bounds run without error and keep every invariant.

tests/model/test_properties.py draws the principles, part of the population, a few world
parameters and a 100% demand surge. This file fills what it leaves out:

- every one of the 32 corners of the five principles (each at exactly 0 or 1), also with
  individual councils overriding the scenario-wide levels with the opposite corner;
- every declared scalar parameter at once (behaviour constants, thresholds, entry rates, the
  logit temperature at its 0.01 floor...), each drawn across its bounds with the bounds
  themselves drawn often;
- shocks of every kind at their extremes: 100% demand surges and budget cuts, repeated, at
  quarter 0 and at the last quarter, supplier failures aimed at ranks that do not exist;
- the smallest worlds (one council, no SMEs, no community groups, no suppliers at all) over
  long horizons (up to 120 quarters), with zero budget growth;
- service catalogues at their extremes (one service, attributes at 0 or 1, values from a
  thousandth of a pound-million to the declared maximum).

Every run checks, after construction and after every step, that money paid by councils equals
money received, that every agent's trust is in [0, 1] and its books finite; and at the end that
every metric is finite, shares lie in [0, 1] and delivery modes and intentions each sum to one
(see reliability_support.run_checked). Hypothesis is derandomized and keeps no database, so
every run of the suite checks the same examples; each example is tallied for docs/reliability.md.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnering.scenarios import (
    PRINCIPLE_NAMES,
    Scenario,
    apply_overrides,
    load_scenario,
    parameter_table,
    scenario_from_dict,
)
from tests.reliability.reliability_support import run_checked, tally


def reliable(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


BASE = load_scenario("transactional")
SEEDS = st.integers(0, 2**32 - 1)
#: Population caps that keep a run to milliseconds; the declared bounds still apply below them.
SMALL = {"population.councils": 3, "population.large_suppliers": 4, "population.smes_per_place": 3,
         "population.groups_per_place": 2}
CORNERS = list(itertools.product((0.0, 1.0), repeat=len(PRINCIPLE_NAMES)))


def within(low: float, high: float) -> st.SearchStrategy[float]:
    """Any float in [low, high], the bounds themselves (and zero, when inside) drawn often."""
    special = [low, high, *([0.0] if low < 0.0 < high else [])]
    return st.one_of(st.sampled_from(special), st.floats(low, high, allow_nan=False, allow_infinity=False))


def with_lists(scenario: Scenario, **lists) -> Scenario:
    return scenario_from_dict(scenario.model_dump(mode="python") | lists)


@st.composite
def any_declared_values(draw) -> dict:
    """Every declared scalar parameter, each across its bounds (population capped as SMALL)."""
    values = {}
    for info in parameter_table():
        if info.type == "bool":
            values[info.name] = draw(st.booleans())
        elif info.type == "int":
            values[info.name] = draw(st.integers(int(info.low), int(min(info.high, SMALL.get(info.name, info.high)))))
        else:
            values[info.name] = draw(within(float(info.low), float(info.high)))
    return values


SHOCK_KINDS = ("demand_surge", "budget_cut", "supplier_failure")


@st.composite
def extreme_shocks(draw, steps: int) -> list[dict]:
    """One to six shocks of any kind, sizes at 0 or 1 (or between), at quarter 0, the last quarter
    or any in between; failures aimed at the largest firm or at ranks 1 to 50 (most do not exist)."""
    shocks = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(SHOCK_KINDS))
        shock = {"kind": kind, "step": draw(st.one_of(st.sampled_from([0, steps]), st.integers(0, steps)))}
        if kind == "supplier_failure":
            shock["target"] = draw(st.one_of(st.just("largest"), st.integers(1, 50).map(lambda n: f"rank:{n}")))
        else:
            shock["size"] = draw(within(0.0, 1.0))
        shocks.append(shock)
    return shocks


# --- the five principles at their corners --------------------------------------------------------
@pytest.mark.parametrize("corner", CORNERS, ids=["".join(str(int(v)) for v in c) for c in CORNERS])
@reliable(5)
@given(seed=SEEDS, councils=st.integers(1, 3), policy=st.booleans(), opposite=st.booleans())
def test_every_corner_of_the_five_principles_keeps_the_invariants(corner, seed, councils, policy, opposite):
    """Each principle at exactly 0 or 1, every policy lever on or off, and optionally council 0
    overriding the scenario-wide corner with the opposite one."""
    levels = dict(zip(PRINCIPLE_NAMES, corner, strict=True))
    switches = {f"policy.{name}": policy for name, value in BASE.policy.model_dump().items() if isinstance(value, bool)}
    scenario = apply_overrides(BASE, {**{f"principles.{k}": v for k, v in levels.items()}, **switches,
                                      "population.councils": councils})
    if opposite:
        scenario = with_lists(scenario, councils=[{"index": 0, **{k: 1.0 - v for k, v in levels.items()},
                                                   "commercial_capability": 0.0}])
    run_checked(scenario, seed, steps=12)
    tally("hypothesis inputs: principle corners")


# --- every declared parameter at once -------------------------------------------------------------
@reliable(300)
@given(values=any_declared_values(), seed=SEEDS, steps=st.integers(4, 12), data=st.data())
def test_any_values_within_every_declared_bound_keep_the_invariants(values, seed, steps, data):
    scenario = apply_overrides(BASE, values)
    if data.draw(st.booleans(), label="with shocks"):
        scenario = with_lists(scenario, shocks=data.draw(extreme_shocks(steps), label="shocks"))
    run_checked(scenario, seed, steps)
    tally("hypothesis inputs: every declared parameter")


# --- shocks at their extremes ---------------------------------------------------------------------
@reliable(150)
@given(seed=SEEDS, steps=st.integers(2, 16), data=st.data())
def test_shocks_of_every_kind_at_their_extremes_keep_the_invariants(seed, steps, data):
    scenario = apply_overrides(BASE, {"population.councils": data.draw(st.integers(1, 3), label="councils")})
    scenario = with_lists(scenario, shocks=data.draw(extreme_shocks(steps), label="shocks"))
    run_checked(scenario, seed, steps)
    tally("hypothesis inputs: extreme shocks")


@pytest.mark.parametrize("kind", ["demand_surge", "budget_cut"])
def test_a_hundred_percent_shock_every_quarter_keeps_the_invariants(kind):
    """The harshest schedule the schema allows: the same 100% shock in every one of 12 quarters
    (demand doubles each quarter, or every budget is cut to nothing and stays there)."""
    scenario = with_lists(apply_overrides(BASE, {"population.councils": 2}),
                          shocks=[{"kind": kind, "step": step, "size": 1.0} for step in range(13)])
    run_checked(scenario, seed=7, steps=12)
    tally("fixed extreme scenarios")


def test_every_supplier_failing_at_once_keeps_the_invariants():
    """A failure shock aimed at each of the first 40 ranks in the same quarter: the market empties."""
    scenario = with_lists(apply_overrides(BASE, {"population.councils": 2}),
                          shocks=[{"kind": "supplier_failure", "step": 2, "target": f"rank:{n}"} for n in range(1, 41)])
    frame = run_checked(scenario, seed=3, steps=10)
    assert frame["supplier_failures"].iloc[-1] >= 1
    tally("fixed extreme scenarios")


# --- the smallest worlds over long horizons -------------------------------------------------------
@reliable(60)
@given(seed=SEEDS, steps=st.integers(40, 120), large=st.integers(0, 2), smes=st.integers(0, 1),
       groups=st.integers(0, 1), neighbours=st.integers(0, 12), outsourced=within(0.0, 1.0),
       budget_growth=st.sampled_from([0.0, -0.1, 0.1]))
def test_the_smallest_worlds_run_for_long_horizons(seed, steps, large, smes, groups, neighbours, outsourced,
                                                   budget_growth):
    """One council, at most two national firms, at most one SME and one group (often none),
    any number of neighbours it cannot have, for ten to thirty years."""
    scenario = apply_overrides(BASE, {
        "population.councils": 1, "population.large_suppliers": large, "population.smes_per_place": smes,
        "population.groups_per_place": groups, "population.neighbours": neighbours,
        "population.initial_outsourced_share": outsourced, "world.budget_growth": budget_growth,
    })
    run_checked(scenario, seed, steps)
    tally("hypothesis inputs: smallest worlds, long horizons")


def test_a_world_without_any_supplier_delivers_everything_in_house():
    scenario = apply_overrides(BASE, {
        "population.councils": 2, "population.large_suppliers": 0, "population.smes_per_place": 0,
        "population.groups_per_place": 0, "world.sme_entry_rate": 0.0, "world.large_entry_rate": 0.0,
        "world.budget_growth": 0.0, "population.initial_outsourced_share": 1.0,
    })
    frame = run_checked(scenario, seed=1, steps=40)
    assert (frame["share_in_house"] == 1.0).all()
    assert (frame["total_spend"] > 0).all()
    tally("fixed extreme scenarios")


# --- service catalogues at their extremes ----------------------------------------------------------
SERVICE_ATTRIBUTES = ("measurability", "volatility", "asset_specificity", "integration", "scale_economies",
                      "local_knowledge", "community_suitability")


@st.composite
def extreme_services(draw) -> list[dict]:
    count = draw(st.integers(1, 4))
    services = []
    for i in range(count):
        service = {"name": f"service_{i}",
                   "annual_value": draw(st.one_of(st.sampled_from([0.001, 10_000.0]), st.floats(0.001, 10_000.0)))}
        for attribute in SERVICE_ATTRIBUTES:
            service[attribute] = draw(st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0)))
        services.append(service)
    return services


@reliable(100)
@given(services=extreme_services(), seed=SEEDS, steps=st.integers(4, 12), surge=st.booleans())
def test_service_catalogues_at_their_extremes_keep_the_invariants(services, seed, steps, surge):
    shocks = [{"kind": "demand_surge", "step": 1, "size": 1.0, "service": services[0]["name"]}] if surge else []
    scenario = with_lists(apply_overrides(BASE, {"population.councils": 2}), services=services, shocks=shocks)
    run_checked(scenario, seed, steps)
    tally("hypothesis inputs: extreme service catalogues")
