"""Building the world: councils, firms and community groups drawn from their declared
distributions, and the contracts that exist at the start (the initial history).

Every distribution's location and spread is a declared parameter (``suppliers``, ``groups``,
``commissioning``); the draws come from the model's one random generator, in a fixed order.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from partnering.agents.community import CommunityGroup
from partnering.agents.council import Council
from partnering.agents.supplier import SME, LargeSupplier
from partnering.model import names
from partnering.model.tendering import tender
from partnering.rules.records import ServiceSlot
from partnering.scenarios import PRINCIPLE_NAMES
from partnering.scenarios.schema import Policy, Principles

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel


def populate(model: PartneringModel) -> None:
    """Councils first, then national suppliers, then each place's SMEs and groups."""
    cfg = model.config
    create_councils(model)
    model.market_value = sum(s.service.annual_value for c in model.councils for s in c.slots)
    for _ in range(cfg.population.large_suppliers):
        create_large_supplier(model)
    for place in range(cfg.population.councils):
        for _ in range(cfg.population.smes_per_place):
            create_sme(model, place)
        for _ in range(cfg.population.groups_per_place):
            create_group(model, place)


def create_councils(model: PartneringModel) -> None:
    """One council per place, with the scenario's principles (or a council's own override)."""
    cfg = model.config
    rng = model.rng
    c = cfg.commissioning
    base = cfg.principles.model_dump()
    overrides = {o.index: o for o in cfg.councils}
    place_names = names.place_names(cfg.population.councils, rng)
    annual_budget = sum(s.annual_value for s in cfg.services) * c.budget_headroom
    for place in range(cfg.population.councils):
        principles = dict(base)
        capability = clip(rng.normal(cfg.world.commercial_capability, c.capability_sd), c.capability_floor, 1.0)
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
        council = Council(model, place_names[place], place, principles, capability, annual_budget, attitude)
        council.slots = [ServiceSlot(council=council, service=spec, index=i,
                                     last_bidders=cfg.procurement.initial_bidders)
                         for i, spec in enumerate(cfg.services)]
        model.councils.append(council)


def create_large_supplier(model: PartneringModel) -> LargeSupplier:
    """A national firm, at the start or entering after a failure."""
    cfg = model.config
    rng = model.rng
    p = cfg.suppliers
    capacity = float(p.large_capacity_share * model.market_value * np.exp(rng.normal(0.0, p.large_capacity_spread)))
    supplier = LargeSupplier(
        model, names.distinct(names.firm_name(rng), model.names_used), capacity=capacity,
        capability=clip(rng.normal(p.large_capability_mean, p.large_capability_sd), p.large_capability_floor, 1.0),
        cost_efficiency=float(rng.normal(p.large_cost_efficiency_mean, p.large_cost_efficiency_sd)),
        cash=cfg.world.large_supplier_cash * capacity,
        place=None, margin=float(rng.normal(p.large_margin_mean, p.large_margin_sd)),
        opportunism=clip(rng.normal(cfg.world.supplier_opportunism, p.large_opportunism_sd), 0.0, 1.0),
        accredited=bool(rng.random() < p.large_accredited_share),
    )
    model.large_suppliers.append(supplier)
    return supplier


def create_sme(model: PartneringModel, place: int) -> SME:
    """A local firm of ``place``, at the start or entering the market."""
    cfg = model.config
    rng = model.rng
    p = cfg.suppliers
    capacity = float(np.exp(rng.normal(math.log(p.sme_capacity_median), p.sme_capacity_spread)))
    sme = SME(
        model, names.distinct(names.sme_name(model.councils[place].name, rng), model.names_used), capacity=capacity,
        capability=clip(rng.normal(p.sme_capability_mean, p.sme_capability_sd), p.sme_capability_floor, 1.0),
        cost_efficiency=float(rng.normal(p.sme_cost_efficiency_mean, p.sme_cost_efficiency_sd)),
        cash=cfg.world.sme_cash * capacity, place=place,
        margin=float(rng.normal(p.sme_margin_mean, p.sme_margin_sd)),
        opportunism=clip(rng.normal(cfg.world.supplier_opportunism + p.sme_opportunism_offset, p.sme_opportunism_sd),
                         0.0, 1.0),
        accredited=bool(rng.random() < p.sme_accredited_share),
    )
    model.smes_by_place[place].append(sme)
    return sme


def create_group(model: PartneringModel, place: int) -> CommunityGroup:
    """A community or voluntary group of ``place``."""
    rng = model.rng
    p = model.config.groups
    group = CommunityGroup(
        model, names.distinct(names.group_name(model.councils[place].name, len(model.groups_by_place[place])),
                              model.names_used), place,
        capacity=float(np.exp(rng.normal(math.log(p.capacity_median), p.capacity_spread))),
        social_capital=float(rng.uniform(*sorted((p.social_capital_low, p.social_capital_high)))),
        engagement=float(rng.uniform(*sorted((p.engagement_low, p.engagement_high)))), p=p,
    )
    model.groups_by_place[place].append(group)
    return group


def let_starting_contracts(model: PartneringModel) -> None:
    """Services outsourced at the start were tendered in the past: tender them now under the
    past regime (every principle at ``population.history_level``, no policy levers) and
    backdate the contracts so that expiries are staggered.

    Because the past regime is the same for every scenario, arms run with the same seed start
    from the same market, and differences between them come from the regime they then follow.
    """
    scenario = model.config
    level = scenario.population.history_level
    past = dict.fromkeys(PRINCIPLE_NAMES, level)
    model.config = scenario.model_copy(update={"principles": Principles(**past), "policy": Policy()})
    own = [council.principles for council in model.councils]
    for council in model.councils:
        council.principles = dict(past)
    try:
        _tender_starting_contracts(model)
    finally:
        model.config = scenario
        for council, principles in zip(model.councils, own, strict=True):
            council.principles = principles


def _tender_starting_contracts(model: PartneringModel) -> None:
    cfg = model.config
    share = cfg.population.initial_outsourced_share
    rng = model.rng
    for council in model.councils:
        for slot in council.slots:
            if rng.random() < share:
                length = council.contract_length()
                if tender(model, council, [slot], 1.0, length, charge_bids=False) and slot.contracts:
                    slot.mode = "outsourced"
                    slot.inhouse_capacity = cfg.in_house.capacity_when_outsourced
                    offset = int(rng.integers(0, length))
                    for c in slot.contracts:
                        c.start -= offset
                    slot.term_end = slot.contracts[0].expiry
                    continue
            slot.term_end = int(rng.integers(1, cfg.in_house.review_quarters + 1))
    for council in model.councils:
        council.overhead_quarter = 0.0
    for supplier in model.suppliers:  # past tenders are history, not this quarter's debriefs
        supplier.bids_quarter = supplier.won_quarter = supplier.lost_on_price_quarter = 0
    model.recent_tenders.clear()


def clip(value: float, low: float, high: float) -> float:
    """``float(np.clip(value, low, high))`` for one number, to the bit (NaN and signed zeros
    included), without numpy's overhead on a scalar."""
    if value != value:
        return value
    value = value if value >= low else low
    return value if value <= high else high
