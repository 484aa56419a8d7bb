"""Whole runs: every built-in scenario runs its horizon with the invariants holding at every step,
and the model-level mechanisms (failure cascade, insourcing, co-commissioning) do what they say."""

from __future__ import annotations

import math

import numpy as np
import pytest

from partnering import PartneringModel, list_scenarios, load_scenario
from partnering.model.metrics import REQUIRED_COLUMNS
from partnering.model.phases.delivery import deliver_services
from partnering.model.phases.environment import apply_environment
from partnering.scenarios import apply_overrides

SHARES = [c for c in REQUIRED_COLUMNS if c.endswith("_share") or c.startswith("intend_") or c.startswith("share_")]
UNIT = [*SHARES, "service_quality", "unmet_need", "trust_council_supplier", "trust_supplier_council",
        "public_trust", "trust_density"]


def check_invariants(model: PartneringModel) -> None:
    """The invariants of MODEL.md and the issue, on the current state."""
    for council in model.councils:
        assert all(0.0 <= t <= 1.0 for t in council.trust.values())
        assert 0.0 <= council.public_trust <= 1.0
        assert 0.0 <= council.commercial_capability <= 1.0
        for slot in council.slots:
            covered = slot.contracted_share + slot.stopgap_share + slot.in_house_share
            assert covered == pytest.approx(1.0, abs=1e-9)
            assert 0.0 <= slot.inhouse_capacity <= 1.0
    for provider in model.providers:
        assert all(0.0 <= t <= 1.0 for t in provider.trust_in_council.values())
    # solvency holds after each finance phase (tests/model/test_properties.py); between finance
    # phases a firm can dip below its line (a newcomer's mobilisation cost) and fails at the next


@pytest.mark.parametrize("name", list_scenarios())
def test_builtin_scenario_runs_its_horizon_with_invariants(name):
    scenario = load_scenario(name)
    model = PartneringModel(scenario, rng=7)
    check_invariants(model)
    for _ in range(scenario.run.steps):
        model.step()
        check_invariants(model)
    frame = model.metrics_frame()
    assert len(frame) == scenario.run.steps + 1
    assert list(frame.columns[: len(REQUIRED_COLUMNS) + 1]) == ["step", *REQUIRED_COLUMNS]
    values = frame.drop(columns="step").to_numpy(dtype=float)
    assert np.isfinite(values).all()
    for column in UNIT:
        assert frame[column].between(0.0, 1.0).all(), column
    assert frame["hhi"].between(0.0, 10_000.0).all()
    modes = frame[["share_in_house", "share_outsourced", "share_co_commissioned", "share_community"]].sum(axis=1)
    assert np.allclose(modes, 1.0)
    intentions = frame[["intend_more", "intend_same", "intend_less"]].sum(axis=1)
    assert np.allclose(intentions, 1.0)
    assert frame["supplier_failures"].is_monotonic_increasing
    assert frame["supplier_entries"].is_monotonic_increasing


def test_shocked_supplier_failure_ends_all_its_contracts_and_disrupts_services():
    model = PartneringModel("supplier_collapse", rng=3)
    model.run(11)
    victim = max(model.suppliers, key=lambda s: (s.load, -s.unique_id))
    contracts = list(victim.contracts)
    services = sum(len(c.lots) for c in contracts)
    assert services > 0
    model.step()  # step 12: the shock fires
    assert not victim.active
    assert all(not c.live and c.end_reason == "supplier failure" for c in contracts)
    assert victim not in model.suppliers
    failure = [e for e in model.events.of_kind("supplier_failure") if e.supplier == victim.name]
    assert failure and failure[0].count == services and failure[0].reason == "shock"
    # disruption is counted in services: each disrupted position counts its share of its service
    disrupted = sum(lot.share * lot.slot.weight for c in contracts for lot in c.lots)
    assert model.metrics_frame()["disruption"].iloc[-1] >= disrupted - 1e-9


def test_stop_gap_delivery_costs_the_emergency_premium():
    scenario = load_scenario("transactional")
    base = PartneringModel(scenario, rng=4)
    slot = next(s for c in base.councils for s in c.slots if s.contracts)
    for contract in list(slot.contracts):
        base.contracts.end(contract, "test", base.now)
    slot.stopgap_share = 1.0
    slot.stopgap_until = 99
    apply_environment(base)
    deliver_services(base)
    expected_unit = (1.03 + 0.2 * (1.0 - slot.inhouse_capacity)) * (1.0 + scenario.world.emergency_premium)
    volume_value = slot.value / 4.0 * slot.funded
    assert slot.spend == pytest.approx(expected_unit * volume_value * slot.stopgap_share, rel=1e-9)
    assert slot.disrupted == pytest.approx(slot.stopgap_share * slot.weight)


def test_insourcing_records_its_main_circumstance():
    model = PartneringModel(apply_overrides(load_scenario("rising_demand"), {"behaviour.insourcing_bias": 2.0}), rng=5)
    model.run(20)
    insourced = model.events.of_kind("insourcing")
    assert insourced
    circumstances = {e.reason for e in insourced}
    assert circumstances <= set(model.insourcing_by_reason)
    assert sum(model.insourcing_by_reason.values()) == len(insourced)


def test_co_commissioning_joins_two_neighbouring_councils_in_one_contract():
    model = PartneringModel("collaborative", rng=2).run(24)
    joint = [c for c in model.live_contracts() if c.co_commissioned]
    assert joint
    for contract in joint:
        a, b = (lot.slot.council for lot in contract.lots)
        assert b.place in model.neighbours[a.place]
        assert b.unique_id in a.partners and a.unique_id in b.partners
        assert all(lot.slot.mode == "co_commissioned" for lot in contract.lots)


def test_transactional_councils_never_co_commission():
    model = PartneringModel("transactional", rng=2).run(24)
    assert not any(c.co_commissioned for c in model.live_contracts())
    assert model.metrics_frame()["share_co_commissioned"].max() == 0.0


def test_model_table_options_are_off_by_default_and_on_request():
    quiet = PartneringModel("transactional", rng=1).run(2)
    assert quiet.agent_table().empty and quiet.contract_table().empty
    loud = PartneringModel("transactional", rng=1, collect_agents=True, collect_contracts=True).run(2)
    agents, contracts = loud.agent_table(), loud.contract_table()
    assert set(agents["step"]) == {0, 1, 2}
    assert {"council", "large", "sme", "vcse"} <= set(agents["kind"])
    assert not contracts.empty and math.isfinite(contracts["annual_value"].sum())


def test_relationship_network_has_every_agent_and_trust_weighted_contract_edges():
    model = PartneringModel("changemaking", rng=1).run(8)
    g = model.network
    assert g.number_of_nodes() == len(model.councils) + len(model.providers)
    contract_edges = [d for _, _, d in g.edges(data=True) if d["relation"] == "contract"]
    assert contract_edges
    assert all(0.0 <= d["weight"] <= 1.0 for d in contract_edges)
