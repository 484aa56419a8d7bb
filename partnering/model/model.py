"""PartneringModel: builds the world from a scenario and runs the quarterly schedule.

``step`` reads like MODEL.md section 3: environment, delivery, community, finance, reviews,
learning, market, observation. Agents make the decisions; this class orchestrates them and keeps
the books; :mod:`partnering.model.metrics` observes.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from operator import attrgetter
from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from partnering.agents.community import CommunityGroup
from partnering.agents.council import Council
from partnering.agents.provider import SME, LargeSupplier, Provider, Supplier
from partnering.model import delivery, names
from partnering.model.contracts import Contract, Lot, QuarterFlows, ServiceSlot, Tender
from partnering.model.events import EventLog
from partnering.model.make_or_buy import CIRCUMSTANCES
from partnering.model.metrics import MODEL_REPORTERS, social_value_rate
from partnering.model.network import build_geography, relationship_graph
from partnering.model.quarter_delivery import deliver_contracts
from partnering.model.tendering import tender
from partnering.model.trust import (
    PRIOR_TRUST,
)
from partnering.scenarios import PRINCIPLE_NAMES, Scenario, load_scenario
from partnering.scenarios.schema import Policy, Principles

_BY_ID = attrgetter("id")
"""Sort key of contracts: the order they started in."""

STOPGAP_QUARTERS = 2
"""Quarters of emergency stop-gap delivery after a supplier fails, before re-procurement."""

INHOUSE_REVIEW_QUARTERS = 20
"""How often a council reviews a service it runs in-house (five years)."""

INSOURCING_TRANSITION_COST = 0.1
"""One-off cost of bringing a service in-house, as a share of its annual value (IfG 2020)."""

INHOUSE_CAPABILITY = 0.74
"""Capability of a council's own service team at full in-house capacity."""

LEARNING_MAX = 0.15
"""Largest capability gain from joint learning in a long, trusted, creative partnership."""

DEMAND_PERSISTENCE = 0.6
"""AR(1) persistence of quarterly demand shocks."""

STOPGAP_QUALITY = 0.7
"""Quality factor of emergency stop-gap delivery."""

GRANT_MONITORING = 0.3
"""Monitoring intensity of a community grant."""

ACCREDITATION_COST = 0.01
"""£m a firm pays once for social-responsibility accreditation."""


class PartneringModel(mesa.Model):
    """Councils, large suppliers, SMEs and community groups delivering public services together.

    Args:
        scenario: a validated :class:`Scenario`, or a built-in name or TOML path.
        rng: seed or numpy Generator; the only source of randomness.
        collect_agents: also keep a per-agent table each step (off by default).
        collect_contracts: also keep a per-contract table each step (off by default).
    """

    def __init__(self, scenario: Scenario | str | Path = "transactional", rng: int | np.random.Generator | None = None,
                 *, collect_agents: bool = False, collect_contracts: bool = False) -> None:
        super().__init__(rng=rng)
        self.config: Scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        cfg = self.config
        self.now = 0
        self._names_used: dict[str, int] = {}  # names given to firms and groups, and how often
        self.events = EventLog(cfg.run.start_year)
        self.tenders: list[Tender] = []
        self.recent_tenders: deque[Tender] = deque()
        self.supplier_failures = 0
        self.supplier_entries = 0
        self.supplier_exits = 0
        self.insourcing_by_reason: dict[str, int] = dict.fromkeys(CIRCUMSTANCES, 0)
        self.bid_costs_paid = 0.0
        self.paid_by_councils = 0.0
        self.received_by_providers = 0.0
        self.failed_providers: list[Provider] = []
        self._contract_ids = 0
        self._contracts: dict[int, Contract] = {}
        self._forced_failures: list[str] = []
        self._market_values: dict[int, float] | None = None
        self.collect_agents = collect_agents
        self.collect_contracts = collect_contracts
        self.agent_rows: list[dict] = []
        self.contract_rows: list[dict] = []
        self.place_margin: list[float] = [0.0] * cfg.population.councils

        self.positions, self.neighbours = build_geography(cfg.population.councils, cfg.population.neighbours, self.rng)
        self.councils: list[Council] = []
        self.large_suppliers: list[LargeSupplier] = []
        self.smes_by_place: list[list[SME]] = [[] for _ in range(cfg.population.councils)]
        self.groups_by_place: list[list[CommunityGroup]] = [[] for _ in range(cfg.population.councils)]
        self._create_councils()
        self.market_value = sum(s.service.annual_value for c in self.councils for s in c.slots)
        for _ in range(cfg.population.large_suppliers):
            self._create_large_supplier()
        for place in range(cfg.population.councils):
            for _ in range(cfg.population.smes_per_place):
                self._create_sme(place)
            for _ in range(cfg.population.groups_per_place):
                self._create_group(place)
        self.initial_large = cfg.population.large_suppliers
        self._initial_procurement()

        self._observation = 0
        self._summary = None
        self.datacollector = mesa.DataCollector(model_reporters=dict(MODEL_REPORTERS))
        # step 0: one quarter of delivery under the starting arrangements, so every metric has a
        # meaningful starting value
        self.apply_environment()
        self.deliver_services()
        self.engage_communities()
        self.settle_finances()
        self.observe()

    # ------------------------------------------------------------------ construction
    def _create_councils(self) -> None:
        cfg = self.config
        rng = self.rng
        base = cfg.principles.model_dump()
        overrides = {o.index: o for o in cfg.councils}
        place_names = names.place_names(cfg.population.councils, rng)
        annual_budget = sum(s.annual_value for s in cfg.services) * 1.06
        for place in range(cfg.population.councils):
            principles = dict(base)
            capability = _clip(rng.normal(cfg.world.commercial_capability, 0.1), 0.05, 1.0)
            override = overrides.get(place)
            if override is not None:
                for key, value in override.model_dump(exclude={"index"}).items():
                    if value is None:
                        continue
                    if key == "commercial_capability":
                        capability = value
                    else:
                        principles[key] = value
            attitude = float(rng.normal(0.0, cfg.behaviour.intention_spread))
            council = Council(self, place_names[place], place, principles, capability, annual_budget, attitude)
            council.slots = [ServiceSlot(council=council, service=spec, index=i) for i, spec in enumerate(cfg.services)]
            self.councils.append(council)

    def _create_large_supplier(self) -> LargeSupplier:
        cfg = self.config
        rng = self.rng
        capacity = float(0.35 * self.market_value * np.exp(rng.normal(0.0, 0.4)))
        supplier = LargeSupplier(
            self, names.distinct(names.firm_name(rng), self._names_used), capacity=capacity,
            capability=_clip(rng.normal(0.8, 0.04), 0.5, 1.0),
            cost_efficiency=float(rng.normal(0.98, 0.03)), cash=cfg.world.large_supplier_cash * capacity,
            place=None, margin=float(rng.normal(0.08, 0.02)),
            opportunism=_clip(rng.normal(cfg.world.supplier_opportunism, 0.15), 0.0, 1.0),
            accredited=bool(rng.random() < 0.6),
        )
        self.large_suppliers.append(supplier)
        return supplier

    def _create_sme(self, place: int) -> SME:
        cfg = self.config
        rng = self.rng
        capacity = float(np.exp(rng.normal(math.log(3.5), 0.5)))
        sme = SME(
            self, names.distinct(names.sme_name(self.councils[place].name, rng), self._names_used), capacity=capacity,
            capability=_clip(rng.normal(0.74, 0.05), 0.4, 1.0),
            cost_efficiency=float(rng.normal(1.0, 0.04)), cash=cfg.world.sme_cash * capacity, place=place,
            margin=float(rng.normal(0.06, 0.02)),
            opportunism=_clip(rng.normal(cfg.world.supplier_opportunism - 0.05, 0.15), 0.0, 1.0),
            accredited=bool(rng.random() < 0.2),
        )
        self.smes_by_place[place].append(sme)
        return sme

    def _create_group(self, place: int) -> CommunityGroup:
        rng = self.rng
        group = CommunityGroup(
            self, names.distinct(names.group_name(self.councils[place].name, len(self.groups_by_place[place])),
                                 self._names_used), place,
            capacity=float(np.exp(rng.normal(math.log(0.8), 0.4))),
            social_capital=float(rng.uniform(0.3, 0.9)), engagement=float(rng.uniform(0.2, 0.8)),
        )
        self.groups_by_place[place].append(group)
        return group

    def _initial_procurement(self) -> None:
        """Services outsourced at the start were tendered in the past: tender them now under the
        past regime (every principle at ``population.history_level``, no policy levers) and
        backdate the contracts so that expiries are staggered.

        Because the past regime is the same for every scenario, arms run with the same seed start
        from the same market, and differences between them come from the regime they then follow.
        """
        scenario = self.config
        level = scenario.population.history_level
        past = dict.fromkeys(PRINCIPLE_NAMES, level)
        self.config = scenario.model_copy(update={"principles": Principles(**past), "policy": Policy()})
        own = [council.principles for council in self.councils]
        for council in self.councils:
            council.principles = dict(past)
        try:
            self._tender_starting_contracts()
        finally:
            self.config = scenario
            for council, principles in zip(self.councils, own, strict=True):
                council.principles = principles

    def _tender_starting_contracts(self) -> None:
        share = self.config.population.initial_outsourced_share
        for council in self.councils:
            for slot in council.slots:
                if self.rng.random() < share:
                    length = council.contract_length()
                    if tender(self, council, [slot], 1.0, length, charge_bids=False) and slot.contracts:
                        slot.mode = "outsourced"
                        slot.inhouse_capacity = 0.5
                        offset = int(self.rng.integers(0, length))
                        for c in slot.contracts:
                            c.start -= offset
                        slot.term_end = slot.contracts[0].expiry
                        continue
                slot.term_end = int(self.rng.integers(1, INHOUSE_REVIEW_QUARTERS + 1))
        for council in self.councils:
            council.overhead_quarter = 0.0
        for supplier in self.suppliers:  # past tenders are history, not this quarter's debriefs
            supplier.bids_quarter = supplier.won_quarter = supplier.lost_on_price_quarter = 0
        self.recent_tenders.clear()

    # ------------------------------------------------------------------ queries
    @property
    def providers(self) -> list[Provider]:
        """Every active provider, in a stable order."""
        out: list[Provider] = list(self.large_suppliers)
        for place in range(len(self.councils)):
            out.extend(self.smes_by_place[place])
            out.extend(self.groups_by_place[place])
        return out

    @property
    def suppliers(self) -> list[Supplier]:
        """Active firms (large suppliers and SMEs)."""
        out: list[Supplier] = list(self.large_suppliers)
        for smes in self.smes_by_place:
            out.extend(smes)
        return out

    def live_contracts(self) -> Iterator[Contract]:
        return iter(self._contracts.values())

    def eligible_suppliers(self, places: list[int], lot_value: float, needs_accreditation: bool) -> list[Supplier]:
        """Large suppliers anywhere and SMEs of these places and their neighbours, with the free
        capacity for the lot (and accreditation where required)."""
        reach: set[int] = set(places)
        for place in places:
            reach.update(self.neighbours[place])
        # free capacity written out (``Provider.free_capacity``): asked of every firm in reach at
        # every tender and review
        eligible = [s for s in self.large_suppliers
                    if s.capacity - s.load >= lot_value and (s.accredited or not needs_accreditation)]
        for place in sorted(reach):
            eligible += [s for s in self.smes_by_place[place]
                         if s.capacity - s.load >= lot_value and (s.accredited or not needs_accreditation)]
        return eligible

    def consortium_partner(self, place: int | None, lot_value: float) -> CommunityGroup | None:
        if place is None:
            return None
        for group in self.groups_by_place[place]:
            if group.decide_consortium(lot_value):
                return group
        return None

    def next_contract_id(self) -> int:
        self._contract_ids += 1
        return self._contract_ids

    @property
    def network(self):
        """The relationship network (networkx Graph), built from the current state."""
        return relationship_graph(self)

    # ------------------------------------------------------------------ bookkeeping
    def start_contract(self, contract: Contract) -> None:
        contract.forget_value()
        self._contracts[contract.id] = contract
        contract.provider.contracts.append(contract)
        contract.provider.load += contract.annual_value
        for lot in contract.lots:
            lot.slot.add_contract(contract)
        if contract.consortium_group is not None:
            contract.consortium_group.subcontracts.append(contract)

    def end_contract(self, contract: Contract, reason: str) -> None:
        if not contract.live:
            return
        contract.live = False
        contract.forget_value()
        contract.end_step = self.now
        contract.end_reason = reason
        self._contracts.pop(contract.id, None)
        provider = contract.provider
        if contract in provider.contracts:
            provider.contracts.remove(contract)
            provider.load = max(0.0, provider.load - contract.annual_value)
        for lot in contract.lots:
            lot.slot.remove_contract(contract)
        group = contract.consortium_group
        if group is not None and contract in group.subcontracts:
            group.subcontracts.remove(contract)

    def record_tender(self, record: Tender, lead: Council) -> None:
        self.tenders.append(record)
        self.recent_tenders.append(record)
        if record.bids == 0:
            self.events.add(self.now, "no_bid", f"{lead.name}: no bids for {record.service.replace('_', ' ')}; "
                            "delivered in-house", council=lead.name, service=record.service)
        elif record.bids == 1:
            self.events.add(self.now, "single_bid", f"{lead.name}: a single bid for {record.service.replace('_', ' ')}",
                            council=lead.name, service=record.service)

    # ------------------------------------------------------------------ the schedule
    def step(self) -> None:
        """One quarter, in the order of MODEL.md section 3."""
        self.now += 1
        self.apply_environment()
        self.deliver_services()
        self.engage_communities()
        self.settle_finances()
        self.review_contracts()
        self.learn()
        self.evolve_market()
        self.observe()

    # 1. environment ---------------------------------------------------------------------
    def apply_environment(self) -> None:
        """Demand grows and fluctuates, shocks fire, budgets follow their path."""
        cfg = self.config
        for shock in cfg.shocks:
            if shock.step == self.now:
                self._fire_shock(shock)
        growth = (1.0 + cfg.world.demand_growth) ** 0.25
        budget_growth = (1.0 + cfg.world.budget_growth + 0.01 * cfg.policy.public_capacity_investment) ** 0.25
        n_slots = len(self.councils) * len(cfg.services)
        shocks = iter(self.rng.normal(0.0, 1.0, n_slots).tolist())  # the same draws, as floats
        volatility = cfg.world.demand_volatility
        rng = self.rng
        for council in self.councils:
            council.budget_index *= budget_growth
            council.spend_quarter = council.overhead_quarter = council.monitoring_quarter = 0.0
            council.late_payment = False
            needed = 0.0
            slots = council.slots
            for slot in slots:
                slot.trend *= growth
                slot.noise = DEMAND_PERSISTENCE * slot.noise + volatility * slot.service.volatility * next(shocks)
                slot.demand = slot.trend * math.exp(slot.noise)
                needed += slot.service.annual_value * slot.demand / 4.0
            council.affordability = affordability = min(1.0, council.budget_quarter / (needed * council.unit_cost_estimate))
            council.late_payment = bool(rng.random() < 2.0 * council.budget_pressure)
            for slot in slots:
                slot.reset_observations()
                slot.funded = slot.demand * affordability
                slot.need_value = slot.service.annual_value * slot.demand / 4.0
        for contract in self._contracts.values():  # need has moved
            contract.forget_value()
        self.flows = QuarterFlows()
        for provider in self.providers:
            provider.revenue_quarter = provider.cost_quarter = 0.0
            provider.refresh_load()

    def _fire_shock(self, shock) -> None:
        if shock.kind == "demand_surge":
            for council in self.councils:
                for slot in council.slots:
                    if not shock.service or slot.service.name == shock.service:
                        slot.trend *= 1.0 + shock.size
            what = shock.service.replace("_", " ") if shock.service else "all services"
            self.events.add(self.now, "shock", f"Demand surge of {shock.size:.0%} in {what}", service=shock.service)
        elif shock.kind == "budget_cut":
            for council in self.councils:
                council.budget_index *= 1.0 - shock.size
            self.events.add(self.now, "shock", f"Budgets cut by {shock.size:.0%}")
        else:
            self._forced_failures.append(shock.target)

    # 2. delivery -------------------------------------------------------------------------
    def deliver_services(self) -> None:
        """Every live contract and every in-house service delivers for the quarter."""
        deliver_contracts(self, sorted(self._contracts.values(), key=_BY_ID))
        for council in self.councils:
            slots = council.slots
            for slot in slots:
                self._deliver_in_house(council, slot)
                slot.unmet_value = max(0.0, slot.need_value - slot.delivered_value)
            used = sum([s.delivered_value for s in slots])
            spent = sum([s.spend for s in slots])
            if used > 0:
                council.unit_cost_estimate += 0.3 * (spent / used - council.unit_cost_estimate)

    def _deliver_in_house(self, council: Council, slot: ServiceSlot) -> None:
        """The in-house share at in-house cost and quality; any stop-gap share at a premium."""
        in_house_share = slot.in_house_share
        stopgap_share = slot.stopgap_share
        if in_house_share <= 0.0 and stopgap_share <= 0.0:
            return  # wholly contracted out: nothing to deliver here (and nothing disrupted)
        value = slot.service.annual_value / 4.0
        capacity = slot.inhouse_capacity
        policy = self.config.policy
        unit_cost = 1.03 + 0.2 * (1.0 - capacity) - 0.03 * policy.public_capacity_investment
        capability = INHOUSE_CAPABILITY * (0.6 + 0.4 * capacity)
        fit = delivery.service_fit(slot.service.local_knowledge, 1.0, 0.08 * council.steering_strength)
        quality = delivery.delivered_quality(capability, 1.0, fit, 1.0)
        social_rate = social_value_rate("in_house", True, False, policy.social_value_in_contracts)
        for share, premium, factor in ((in_house_share, 0.0, 1.0),
                                       (stopgap_share, self.config.world.emergency_premium, STOPGAP_QUALITY)):
            if share <= 0.0:
                continue
            volume = slot.funded * share
            cost = unit_cost * (1.0 + premium) * value * volume
            council.spend_quarter += cost
            slot.spend += cost
            self.flows.social_value += social_rate * cost
            slot.delivered_value += value * volume
            slot.delivered_quality += quality * factor * value * volume
        if stopgap_share > 0.0:
            slot.disrupted += stopgap_share

    # 3. community -----------------------------------------------------------------------
    def engage_communities(self) -> None:
        """Steering groups form where councils are accountable; public trust moves."""
        for council in self.councils:
            groups = self.groups_by_place[council.place]
            open_ = council.accountable_open
            joined = [g.engagement for g in groups if g.decide_join_steering(open_)]
            council.steering_strength = (sum(joined) / len(groups)) if groups and joined else 0.0
            for g in groups:
                g.churn_volunteers()
            council.update_public_trust()

    # 4. finance -------------------------------------------------------------------------
    def settle_finances(self) -> None:
        """Providers pay overheads; any below the insolvency line fail, with all their contracts."""
        overhead_rate = self.config.world.overhead_rate
        providers = self.providers
        # Need is fixed within the quarter and contracts only end here, so the market's contract
        # values are read at the first failure and each failed firm's contracts struck off, rather
        # than every contract re-valued at every failure.
        self._market_values = {}
        try:
            if self._forced_failures:
                for provider in providers:
                    provider.book_quarter(overhead_rate)
                for target in self._forced_failures:
                    victim = self._shock_target(target)
                    if victim is not None:
                        self.handle_failure(victim, "shock")
                self._forced_failures.clear()
                for provider in self.providers:  # without the firms the shocks took
                    if provider.active and provider.is_insolvent():
                        self.handle_failure(provider, "insolvency")
            else:
                # one pass: a firm's failure changes no other firm's overheads, cash or capacity,
                # so booking and checking each in turn is the same as booking all, then checking
                for provider in providers:
                    provider.book_quarter(overhead_rate)
                    if provider.active and provider.is_insolvent():
                        self.handle_failure(provider, "insolvency")
        finally:
            self._market_values = None

    def _contract_values(self) -> dict[int, float]:
        """£m a year of each live contract (grants aside), by id, in the order contracts started.

        During the finance phase (``_market_values`` not None) the table is read once and kept;
        outside it, it is read afresh.
        """
        values = self._market_values
        if not values:  # outside the phase, or not read yet (an empty table reads as empty again)
            values = {c.id: c.annual_value for c in self._contracts.values() if not c.grant}
            if self._market_values is not None:
                self._market_values = values
        return values

    def _shock_target(self, target: str) -> Supplier | None:
        ranked = sorted(self.suppliers, key=lambda s: (-s.load, s.unique_id))
        if not ranked:
            return None
        rank = 1 if target == "largest" else int(target.split(":")[1])
        return ranked[rank - 1] if rank <= len(ranked) else None

    def handle_failure(self, provider: Provider, cause: str) -> None:
        """A provider fails: every contract ends at once, services are disrupted and councils
        pay an emergency premium for stop-gap delivery until they re-procure."""
        contracts = list(provider.contracts)
        values = self._contract_values()
        market = sum(values.values())
        share = sum(c.annual_value for c in contracts if not c.grant) / market if market > 0 else 0.0
        councils: set[int] = set()
        for contract in contracts:
            self.end_contract(contract, "supplier failure")
            values.pop(contract.id, None)
            for lot in contract.lots:
                slot = lot.slot
                slot.stopgap_share += lot.share
                slot.stopgap_until = self.now + STOPGAP_QUARTERS
                slot.disrupted += lot.share
                councils.add(slot.council.unique_id)
        if isinstance(provider, CommunityGroup):
            for contract in provider.subcontracts:
                contract.consortium_group = None
            provider.subcontracts.clear()
        provider.active = False
        n_services = sum(len(c.lots) for c in contracts)
        if isinstance(provider, Supplier):
            self.supplier_failures += 1
        self.events.add(self.now, "supplier_failure", f"{provider.name} failed; {_disruption(n_services, len(councils))}",
                        supplier=provider.name, reason=cause, count=n_services, share=share)
        self._remove_provider(provider)

    def _remove_provider(self, provider: Provider) -> None:
        if isinstance(provider, LargeSupplier):
            self.large_suppliers.remove(provider)
        elif isinstance(provider, SME):
            self.smes_by_place[provider.place].remove(provider)
        elif isinstance(provider, CommunityGroup):
            self.groups_by_place[provider.place].remove(provider)
        self.failed_providers.append(provider)
        provider.remove()

    # 5. reviews -------------------------------------------------------------------------
    def review_contracts(self) -> None:
        """Break clauses on poor performance, re-procurement after stop-gaps, and the
        make-or-buy decision for every service whose arrangement has come to an end."""
        for contract in sorted(self._contracts.values(), key=_BY_ID):
            if contract.at_break_point(self.now):
                lead = contract.councils[0]
                if lead.trust_in(contract.provider.unique_id) < delivery.BREAK_TRUST or contract.quality_ewma < 0.5:
                    self.end_contract(contract, "break clause")
                    self.events.add(self.now, "break_clause",
                                    f"{lead.name} ended its {contract.service.name.replace('_', ' ')} contract "
                                    f"with {contract.provider.name} at a break point",
                                    council=lead.name, supplier=contract.provider.name, service=contract.service.name)
                    for lot in contract.lots:
                        self._reprocure(lot.slot, lot.share)
        for contract in sorted(self._contracts.values(), key=_BY_ID):
            if contract.expiry <= self.now:
                self.end_contract(contract, "expired")
        for council in self.councils:
            for slot in council.slots:
                if slot.stopgap_share > 0.0 and self.now >= slot.stopgap_until:
                    share, slot.stopgap_share = slot.stopgap_share, 0.0
                    self._reprocure(slot, share)
        for council in self.councils:
            for slot in council.slots:
                if self.now >= slot.term_end and slot.stopgap_share == 0.0 and not slot.contracts:
                    self.review_slot(council, slot)

    def _reprocure(self, slot: ServiceSlot, share: float) -> None:
        """Re-procure a share of a slot whose other lots run on; a slot left with no contract
        goes to a full make-or-buy review instead (the share stays in-house meanwhile)."""
        if slot.contracts and slot.term_end > self.now:
            tender(self, slot.council, [slot], share, max(4, slot.term_end - self.now))
        else:
            slot.term_end = min(slot.term_end, self.now)

    def review_slot(self, council: Council, slot: ServiceSlot) -> None:
        """The make-or-buy decision at the end of an arrangement, and carrying it out."""
        previous = slot.mode
        capable = len(self.eligible_suppliers([council.place], slot.annual_value / 2.0, False))
        partner = self._find_partner(council, slot) if council.principles["collaborative"] > 0.0 else None
        groups = self.groups_by_place[council.place]
        group = self._grant_partner(slot, groups)
        mode, reason = council.decide_make_or_buy(slot, capable, partner is not None, group is not None)
        if mode == "in_house":
            slot.mode = "in_house"
            slot.term_end = self.now + INHOUSE_REVIEW_QUARTERS
            if previous != "in_house":
                self._record_insourcing(council, slot, reason)
            return
        if mode == "community" and group is not None:
            self._award_grant(council, slot, group)
            return
        length = council.contract_length()
        if mode == "co_commissioned" and partner is not None:
            partner_slot = partner.slots[slot.index]
            for c in list(partner_slot.contracts):
                self.end_contract(c, "joined co-commissioning")
            awarded = tender(self, council, [slot, partner_slot], 1.0, length, co_commissioned=True)
            if awarded:
                for joint in (slot, partner_slot):
                    joint.mode = "co_commissioned"
                    joint.term_end = self.now + length
                council.partners.add(partner.unique_id)
                partner.partners.add(council.unique_id)
                self.events.add(self.now, "co_commissioning",
                                f"{council.name} and {partner.name} jointly commissioned {slot.service.name.replace('_', ' ')}",
                                council=council.name, service=slot.service.name)
                return
            # no bid for the joint lot: the partner, whose contracts ended by agreement, runs the
            # service in-house for now; the lead goes on to tender alone
            if partner_slot.mode != "in_house":
                self._record_insourcing(partner, partner_slot, CIRCUMSTANCES[0])
            partner_slot.mode = "in_house"
            partner_slot.term_end = self.now + 4
        awarded = tender(self, council, [slot], slot.in_house_share, length)
        if awarded:
            slot.mode = "outsourced"
            slot.term_end = self.now + length
        else:
            slot.mode = "in_house"
            slot.term_end = self.now + 4
            if previous != "in_house":
                self._record_insourcing(council, slot, CIRCUMSTANCES[0])

    def _record_insourcing(self, council: Council, slot: ServiceSlot, reason: str) -> None:
        council.overhead_quarter += INSOURCING_TRANSITION_COST * slot.annual_value
        self.insourcing_by_reason[reason] += 1
        self.events.add(self.now, "insourcing",
                        f"{council.name} brought {slot.service.name.replace('_', ' ')} in-house ({reason})",
                        council=council.name, service=slot.service.name, reason=reason)

    def _find_partner(self, council: Council, slot: ServiceSlot) -> Council | None:
        """A neighbouring council whose same service is due for review within a year and which,
        weighing its own make-or-buy choice, prefers to commission it jointly."""
        for place in self.neighbours[council.place]:
            other = self.councils[place]
            other_slot = other.slots[slot.index]
            if other_slot.mode == "co_commissioned" or other_slot.stopgap_share > 0:
                continue
            if other_slot.term_end <= self.now + 4 and other.principles["collaborative"] > 0.0:
                capable = len(self.eligible_suppliers([place], other_slot.annual_value / 2.0, False))
                choice, _ = other.decide_make_or_buy(other_slot, capable, True, False)
                if choice == "co_commissioned":
                    return other
        return None

    @staticmethod
    def _grant_partner(slot: ServiceSlot, groups: list[CommunityGroup]) -> CommunityGroup | None:
        """The place's group with the most spare capacity, if the service suits community
        delivery and that group alone could carry most of it."""
        if slot.service.community_suitability < 0.3 or not groups:
            return None
        group = max(groups, key=lambda g: (g.capacity - g.load, -g.unique_id))
        return group if group.capacity - group.load >= 0.8 * slot.annual_value else None

    def _award_grant(self, council: Council, slot: ServiceSlot, group: CommunityGroup) -> None:
        length = 12
        contract = Contract(
            id=self.next_contract_id(), provider=group, service=slot.service,
            lots=[Lot(slot=slot, share=slot.in_house_share, base_volume=slot.funded * slot.in_house_share)],
            unit_price=group.grant_price(slot.service, self.config.world.overhead_rate),
            target_unit_cost=group.unit_cost(slot.service),
            start=self.now, length=length, break_interval=4, flex=1.0, open_book=True, risk_share=0.0,
            monitoring=GRANT_MONITORING, penalty_rate=0.0, grant=True,
        )
        self.start_contract(contract)
        previous = slot.mode
        slot.mode = "community"
        slot.term_end = self.now + length
        if previous != "community":
            self.events.add(self.now, "community_delivery",
                            f"{council.name} handed {slot.service.name.replace('_', ' ')} to {group.name}",
                            council=council.name, supplier=group.name, service=slot.service.name)

    # 6. learning ------------------------------------------------------------------------
    def learn(self) -> None:
        """Suppliers adapt margins; councils' skills, memories, intentions and reputations move;
        in-house capacity decays or is rebuilt; creative partnerships learn jointly."""
        b = self.config.behaviour
        margin_step, overhead_rate = b.margin_step, self.config.world.overhead_rate
        for supplier in self.suppliers:
            supplier.adapt_margin(margin_step, overhead_rate)
        rebuild = 0.08 + 0.06 * self.config.policy.public_capacity_investment
        decay = 1.0 - b.inhouse_decay
        for council in self.councils:
            council.update_capability()
            council.remember_value_for_money()
            council.update_intention()
            for slot in council.slots:
                if slot.in_house_share + slot.stopgap_share > 0.5:
                    slot.inhouse_capacity += rebuild * (1.0 - slot.inhouse_capacity)
                else:
                    slot.inhouse_capacity *= decay
        by_id = {c.unique_id: c for c in self.councils}
        for council in self.councils:
            council.absorb_reputation(by_id)
        for contract in self._contracts.values():
            lead = contract.councils[0]
            trust = lead.trust.get(contract.provider.unique_id, PRIOR_TRUST)
            contract.learning += 0.03 * lead.principles["creative"] * trust * (LEARNING_MAX - contract.learning)
            if not contract.grant:
                contract.monitoring = lead.choose_monitoring(trust)

    # 7. market --------------------------------------------------------------------------
    def evolve_market(self) -> None:
        """SMEs enter places whose tenders were profitable and leave when idle too long; a new
        national supplier may replace a failed one."""
        cfg = self.config
        for place, council in enumerate(self.councils):
            signal = _clip(self.place_margin[place] / 0.05, 0.0, 2.0)
            crowding = max(0.0, 1.0 - len(self.smes_by_place[place]) / (3.0 * cfg.population.smes_per_place + 3.0))
            p_entry = cfg.world.sme_entry_rate * signal * (0.5 + council.principles["place_based"]) * crowding
            if self.rng.random() < p_entry:
                sme = self._create_sme(place)
                self.supplier_entries += 1
                self.events.add(self.now, "supplier_entry", f"{sme.name} started trading in {council.name}",
                                supplier=sme.name, council=council.name)
        for place in range(len(self.councils)):
            for sme in list(self.smes_by_place[place]):
                if not sme.contracts and sme.quarters_idle >= 12 and sme.cash < 0.0:
                    self.supplier_exits += 1
                    self.events.add(self.now, "supplier_exit", f"{sme.name} stopped bidding and left the market",
                                    supplier=sme.name)
                    self._remove_provider(sme)
        if len(self.large_suppliers) < self.initial_large and self.rng.random() < cfg.world.large_entry_rate:
            supplier = self._create_large_supplier()
            self.supplier_entries += 1
            self.events.add(self.now, "supplier_entry", f"{supplier.name} entered the national market",
                            supplier=supplier.name)
        if cfg.policy.accreditation_required:
            for firm in self.suppliers:
                if firm.decide_accreditation(ACCREDITATION_COST):
                    firm.accredited = True
                    firm.cash -= ACCREDITATION_COST
        cutoff = self.now - 3
        while self.recent_tenders and self.recent_tenders[0].step < cutoff:
            self.recent_tenders.popleft()

    # 8. observation ---------------------------------------------------------------------
    def observe(self) -> None:
        """Record every metric; per-agent and per-contract rows only when asked for."""
        self._observation += 1
        self.datacollector.collect(self)
        if self.collect_agents:
            self.agent_rows.extend(_agent_rows(self))
        if self.collect_contracts:
            self.contract_rows.extend(_contract_rows(self))

    # ------------------------------------------------------------------ results
    def metrics_frame(self) -> pd.DataFrame:
        """One row per step (0 = the start) with every metric as a column."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        frame.insert(0, "step", range(len(frame)))
        return frame

    def agent_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.agent_rows)

    def contract_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.contract_rows)

    def run(self, steps: int | None = None) -> PartneringModel:
        """Run for ``steps`` quarters (default: the scenario's horizon); returns the model."""
        for _ in range(self.config.run.steps if steps is None else steps):
            self.step()
        return self


def _disruption(services: int, councils: int) -> str:
    """What a failure disrupted, in words.

    >>> _disruption(0, 0), _disruption(1, 1), _disruption(3, 2)
    ('it held no contracts', '1 service disrupted in 1 council', '3 services disrupted in 2 councils')
    """
    if services == 0:
        return "it held no contracts"
    return f"{services} service{'s' * (services != 1)} disrupted in {councils} council{'s' * (councils != 1)}"


def _clip(value: float, low: float, high: float) -> float:
    """``float(np.clip(value, low, high))`` for one number, to the bit (NaN and signed zeros
    included), without numpy's overhead on a scalar."""
    if value != value:
        return value
    value = value if value >= low else low
    return value if value <= high else high


def _agent_rows(model: PartneringModel) -> Iterator[dict]:
    for c in model.councils:
        yield {"step": model.now, "agent_id": c.unique_id, "kind": "council", "name": c.name, "place": c.place,
               "commercial_capability": c.commercial_capability, "public_trust": c.public_trust,
               "intention": c.intention, "spend": c.spend_quarter + c.overhead_quarter, "cash": float("nan"),
               "margin": float("nan"), "contracts": sum(len(s.contracts) for s in c.slots)}
    for p in model.providers:
        yield {"step": model.now, "agent_id": p.unique_id, "kind": p.kind, "name": p.name, "place": p.place,
               "commercial_capability": float("nan"), "public_trust": float("nan"), "intention": "",
               "spend": float("nan"), "cash": p.cash, "margin": p.margin, "contracts": len(p.contracts)}


def _contract_rows(model: PartneringModel) -> Iterator[dict]:
    for c in model.live_contracts():
        yield {"step": model.now, "contract_id": c.id, "provider": c.provider.name, "provider_kind": c.provider.kind,
               "service": c.service.name, "councils": ";".join(x.name for x in c.councils),
               "annual_value": c.annual_value, "start": c.start, "length": c.length, "open_book": c.open_book,
               "risk_share": c.risk_share, "flex": c.flex, "monitoring": c.monitoring,
               "quality": c.last_quality, "realised_margin": c.realised_margin, "shirked": c.quarters_shirked,
               "detected": c.times_detected, "co_commissioned": c.co_commissioned, "grant": c.grant}
