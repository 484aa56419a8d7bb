"""Building the world: councils with their portfolios of contracts, firms and community groups
drawn from their declared distributions, and the contracts that exist at the start (the
initial history).

Every distribution's location and spread is a declared parameter (``suppliers``, ``groups``,
``commissioning``) or an attribute of the service catalogue (a service's line, its number of
contracts and their spread); the draws come from the model's one random generator, in a fixed
order: places, councils and their portfolios, large firms, then each place's SMEs and groups.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from partnering.agents.community import CommunityGroup
from partnering.agents.council import Council
from partnering.agents.supplier import SME, LargeSupplier, LineAbility
from partnering.model import names
from partnering.model.tendering import tender
from partnering.rules.community import truncated_lognormal
from partnering.rules.market import line_weights, pick_line
from partnering.rules.records import ServiceSlot
from partnering.rules.units import clip
from partnering.scenarios import PRINCIPLE_NAMES
from partnering.scenarios.schema import Policy, Principles

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel


def populate(model: PartneringModel) -> None:
    """Councils first, then large suppliers, then each place's SMEs and groups."""
    cfg = model.config
    create_councils(model)
    lines = cfg.lines
    model.region_line_value = {(r, line): 0.0 for r in range(model.n_regions) for line in lines}
    for council in model.councils:
        for slot in council.slots:
            model.region_line_value[model.region_of[council.place], slot.service.market] += slot.value
    for _ in range(cfg.population.large_suppliers):
        create_large_supplier(model)
    for place in range(cfg.population.councils):
        for _ in range(cfg.population.smes_per_place):
            create_sme(model, place)
        for _ in range(cfg.population.groups_per_place):
            create_group(model, place)


def create_councils(model: PartneringModel) -> None:
    """One council per place, with the scenario's principles (or a council's own override) and a
    portfolio of contract positions for each service."""
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
        council.slots = portfolio(model, council)
        model.councils.append(council)


def portfolio(model: PartneringModel, council: Council) -> list[ServiceSlot]:
    """The council's contract positions: for each service, ``service.contracts`` positions whose
    values are lognormal with sd ``service.contract_spread`` of log value, scaled to sum to the
    service's value, largest first (a few large contracts, many small ones)."""
    rng = model.rng
    initial_bidders = model.config.procurement.initial_bidders
    slots: list[ServiceSlot] = []
    for i, spec in enumerate(model.config.services):
        draws = np.exp(rng.normal(0.0, spec.contract_spread, spec.contracts)) if spec.contract_spread > 0.0 else \
            np.ones(spec.contracts)
        weights = sorted((draws / draws.sum()).tolist(), reverse=True)
        for k, weight in enumerate(weights):
            slots.append(ServiceSlot(council=council, service=spec, index=len(slots), service_index=i, position=k,
                                     weight=weight, last_bidders=initial_bidders))
    return slots


def _draw_lines(model: PartneringModel, weights: dict[str, float], extra_chance: float) -> list[str]:
    """A first line in proportion to ``weights``, then each other line with ``extra_chance``."""
    rng = model.rng
    first = pick_line(weights, float(rng.random()))
    extra = [line for line in weights if line != first and rng.random() < extra_chance]
    return [first, *extra]


def _catalogue_weights(model: PartneringModel, affinity: str, base: float) -> dict[str, float]:
    """Line weights from the catalogue: a line's value per council times (base + the mean
    ``affinity`` attribute of its services, weighted by value)."""
    values: dict[str, float] = {}
    weighted: dict[str, float] = {}
    for spec in model.config.services:
        values[spec.market] = values.get(spec.market, 0.0) + spec.annual_value
        weighted[spec.market] = weighted.get(spec.market, 0.0) + spec.annual_value * getattr(spec, affinity)
    return line_weights(values, {line: weighted[line] / values[line] for line in values}, base)


def sme_line_shares(model: PartneringModel) -> dict[str, float]:
    """The shares in which SMEs choose their lines (their weights, normalised)."""
    weights = _catalogue_weights(model, "local_knowledge", model.config.suppliers.sme_line_base)
    total = sum(weights.values())
    return {line: w / total if total > 0 else 1.0 / len(weights) for line, w in weights.items()}


def create_large_supplier(model: PartneringModel) -> LargeSupplier:
    """A large firm with a regional footprint and a few lines, at the start or entering after a
    failure; its capacity in each line is a share of that line's value in its footprint."""
    cfg = model.config
    rng = model.rng
    p = cfg.suppliers
    home = int(rng.integers(model.n_regions))
    regions = tuple(sorted({home, *(r for r in range(model.n_regions)
                                    if r != home and rng.random() < p.large_extra_region_chance)}))
    lines = _draw_lines(model, _catalogue_weights(model, "scale_economies", p.large_line_base), p.large_extra_line_chance)
    footprint = {line: sum(model.region_line_value[r, line] for r in regions) for line in lines}
    abilities = {line: LineAbility(
        capacity=float(p.large_capacity_share * footprint[line] * np.exp(rng.normal(0.0, p.large_capacity_spread))),
        capability=clip(rng.normal(p.large_capability_mean, p.large_capability_sd), p.large_capability_floor, 1.0),
        cost_efficiency=float(rng.normal(p.large_cost_efficiency_mean, p.large_cost_efficiency_sd)),
    ) for line in lines}
    capacity = sum(a.capacity for a in abilities.values())
    supplier = LargeSupplier(
        model, names.distinct(names.firm_name(rng), model.names_used), abilities,
        cash=cfg.world.large_supplier_cash * capacity, place=None, regions=regions,
        margin=float(rng.normal(p.large_margin_mean, p.large_margin_sd)),
        opportunism=clip(rng.normal(cfg.world.supplier_opportunism, p.large_opportunism_sd), 0.0, 1.0),
        accredited=bool(rng.random() < p.large_accredited_share), footprint_value=footprint,
    )
    model.large_suppliers.append(supplier)
    model.market_index.register(supplier, (place for r in regions for place in model.places_in_region[r]))
    return supplier


def create_sme(model: PartneringModel, place: int, line: str | None = None) -> SME:
    """A local firm of ``place`` (entering in ``line``, or in lines drawn from the catalogue); it
    bids in its place and the neighbouring places."""
    cfg = model.config
    rng = model.rng
    p = cfg.suppliers
    capacity = float(np.exp(rng.normal(math.log(p.sme_capacity_median), p.sme_capacity_spread)))
    if line is None:
        lines = _draw_lines(model, _catalogue_weights(model, "local_knowledge", p.sme_line_base), p.sme_extra_line_chance)
    else:
        lines = [line]
    abilities = {ln: LineAbility(
        capacity=capacity / len(lines),
        capability=clip(rng.normal(p.sme_capability_mean, p.sme_capability_sd), p.sme_capability_floor, 1.0),
        cost_efficiency=float(rng.normal(p.sme_cost_efficiency_mean, p.sme_cost_efficiency_sd)),
    ) for ln in lines}
    sme = SME(
        model, names.distinct(names.sme_name(model.councils[place].name, rng), model.names_used), abilities,
        cash=cfg.world.sme_cash * capacity, place=place, regions=(model.region_of[place],),
        margin=float(rng.normal(p.sme_margin_mean, p.sme_margin_sd)),
        opportunism=clip(rng.normal(cfg.world.supplier_opportunism + p.sme_opportunism_offset, p.sme_opportunism_sd),
                         0.0, 1.0),
        accredited=bool(rng.random() < p.sme_accredited_share),
    )
    model.smes_by_place[place].append(sme)
    model.market_index.register(sme, [place, *model.neighbours[place]])
    return sme


def create_group(model: PartneringModel, place: int) -> CommunityGroup:
    """A community or voluntary organisation of ``place``: its income from the sector's
    heavy-tailed distribution, above the size at which it can deliver public services. Like an
    SME it bids in its place and the neighbouring places."""
    rng = model.rng
    p = model.config.groups
    income = truncated_lognormal(float(rng.random()), p.income_median, p.income_spread, p.delivery_threshold)
    social_capital = float(rng.uniform(*sorted((p.social_capital_low, p.social_capital_high))))
    engagement = float(rng.uniform(*sorted((p.engagement_low, p.engagement_high))))
    lines = _draw_lines(model, _catalogue_weights(model, "community_suitability", 0.0), p.extra_line_chance)
    capability = p.capability_base + p.capability_per_social_capital * social_capital
    abilities = {line: LineAbility(capacity=income / len(lines), capability=capability,
                                   cost_efficiency=p.cost_efficiency) for line in lines}
    group = CommunityGroup(
        model, names.distinct(names.group_name(model.councils[place].name, len(model.groups_by_place[place])),
                              model.names_used), place, model.region_of[place], abilities,
        social_capital=social_capital, engagement=engagement, p=p,
    )
    model.groups_by_place[place].append(group)
    model.market_index.register(group, [place, *model.neighbours[place]])
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
    model.recent_tenders.clear()  # past tenders are history: not this quarter's market, nor debriefed

