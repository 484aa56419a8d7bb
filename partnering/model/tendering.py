"""Running a tender: lots, who could bid, who does, evaluation, debriefs, the award and the
supply chain the winner sets up.

Only providers active in the lot's service line that reach its place are considered
(:class:`~partnering.model.market_index.MarketIndex`), and of those only the ones with the free
capacity in the line. Each decides whether to bid on its expected profit: its belief about its
chance of winning, learned from its record and from how many bids tenders in that market draw
(Levin and Smith 1994), against a bid cost that grows with the lot's complexity and a
prescriptive process (``Supplier.decide_bid``). The incumbent knows the service: its cost
estimate is sharper and it has no mobilisation cost. Councils weigh the bids
(``Council.evaluation_weights``, ``Council.perception_noise``) and write the terms
(``Council.contract_terms``); this module orchestrates the competition with the pure rules of
:mod:`partnering.rules.procurement` and :mod:`partnering.rules.supply_chain`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from partnering.agents.community import CommunityGroup
from partnering.agents.council import Council
from partnering.agents.supplier import Supplier
from partnering.rules import procurement
from partnering.rules.delivery import service_fit
from partnering.rules.learning import smooth
from partnering.rules.records import Contract, Lot, ServiceSlot, Subcontract, Tender
from partnering.rules.supply_chain import subcontract_share
from partnering.rules.units import QUARTERS_PER_YEAR, clip

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel
    from partnering.scenarios.schema import ServiceSpec


def tender(model: PartneringModel, lead: Council, slots: list[ServiceSlot], share: float, length: int,
           co_commissioned: bool = False, charge_bids: bool = True) -> int:
    """Procure ``share`` of each slot for ``length`` quarters; returns the number of lots awarded.

    Lots that attract no bid stay in-house (the forced in-house outcome of a failed tender).
    ``charge_bids`` is off only for the contracts that exist at the start, whose tenders were run
    (and paid for, and debriefed) before the simulation begins.
    """
    cfg = model.config
    service = slots[0].service
    line = service.market
    region = model.region_of[lead.place]
    p = lead.principles
    policy, rules, commissioning = cfg.policy, cfg.procurement, cfg.commissioning
    total_value = sum(s.annual_value for s in slots) * share
    n_lots = 1 if co_commissioned else procurement.lot_count(total_value, p["place_based"], rules.max_lots,
                                                             rules.min_lot_value)
    lot_share = share / n_lots
    weights = lead.evaluation_weights()
    capability = sum(s.council.commercial_capability for s in slots) / len(slots)
    error_sd = procurement.estimate_error_sd(cfg.world.cost_estimate_error, service.measurability, capability,
                                             rules.estimate_error_floor)
    places = sorted({s.council.place for s in slots})
    process = procurement.process_weight(commissioning.prescriptive_process, p["creative"])
    term_years = length / QUARTERS_PER_YEAR
    market = (line, region)
    # the most the councils will pay per unit, where they pass a budget shortfall to prices
    ceiling = sum(procurement.price_ceiling(s.council.unit_cost_estimate, rules.ceiling_markup, rules.price_squeeze,
                                            s.council.budget_pressure) for s in slots) / len(slots)
    capped = ceiling != math.inf
    mobilisation = rules.mobilisation_cost / term_years
    awarded = 0
    for _ in range(n_lots):
        lot_value = sum(s.annual_value for s in slots) * lot_share
        lead.overhead_quarter += charge_bids * procurement.tender_cost(lot_value, commissioning.tender_cost_share,
                                                                       process)
        needs_accreditation = policy.accreditation_required and lot_value > policy.accreditation_threshold
        eligible = eligible_bidders(model, line, places, lot_value, needs_accreditation, service.community_suitability)
        considering = noticed(model, eligible, slots[0].incumbent, rules.notice_chance)
        # a bid's cost depends on the lot and on whether the bidder is small: two values per lot
        bid_costs = {small: procurement.bid_cost(lot_value, cfg.world.bid_cost, process, p["place_based"], small,
                                                 service.complexity, rules)
                     for small in (False, True)}
        expected_bids = model.market_bids.get(market, rules.initial_bidders)
        # rivals mark their chances down when the sitting provider may bid (it knows the service);
        # a lot awarded earlier in this tender makes its winner the sitting provider of the next
        incumbent = slots[0].incumbent
        sitting = rules.incumbent_deterrence > 0.0 and any(s.unique_id == incumbent for s in eligible)
        bidders, costs = [], []
        for supplier in considering:
            cost = bid_costs[supplier.small]
            deterred = rules.incumbent_deterrence if sitting and supplier.unique_id != incumbent else 0.0
            if capped:
                unit_cost = _unit_cost_to_take(supplier, service, incumbent, mobilisation)
                bids = supplier.decide_bid(line, expected_bids, lot_value, term_years, cost, deterred, ceiling,
                                           unit_cost)
            else:
                bids = supplier.decide_bid(line, expected_bids, lot_value, term_years, cost, deterred)
            if bids:
                bidders.append(supplier)
                costs.append(cost)
        if charge_bids:
            for supplier, cost in zip(bidders, costs, strict=True):
                supplier.cash -= cost
                model.bid_costs_paid += cost
        # no bid: the council may negotiate with a capable provider without advertising again
        # (PCR 2015 reg. 32(2)(a)); with none able, the lot stays in-house
        direct = not bidders
        if direct:  # under a ceiling, only a provider that can cover its cost under it negotiates
            able = ([p for p in eligible if _unit_cost_to_take(p, service, incumbent, mobilisation) < ceiling]
                    if capped else eligible)
            offers = _direct_award_candidate(lead, able, incumbent)
        else:
            offers = bidders
        winner = _evaluate_and_award(model, lead, slots, lot_share, length, offers, weights, error_sd, lead.place,
                                     co_commissioned, expected_bids, direct, charge_bids, ceiling)
        record = Tender(
            step=model.now, councils=tuple(s.council.unique_id for s in slots), service=service.name, line=line,
            region=region, lot_share=lot_share, annual_value=lot_value, eligible=len(eligible), bids=len(bidders),
            winner=winner.provider.unique_id if winner else None,
            winning_price=winner.unit_price if winner else float("nan"),
            winner_kind=winner.provider.kind if winner else "", co_commissioned=co_commissioned,
            bidders=tuple(b.unique_id for b in bidders),
        )
        _record(model, record, lead)
        memory = rules.bidders_memory
        for s in slots:
            s.last_bidders = (1.0 - memory) * s.last_bidders + memory * len(bidders)
        model.market_bids[market] = smooth(expected_bids, len(bidders), memory)
        awarded += winner is not None
    return awarded


def noticed(model: PartneringModel, eligible: list[Supplier], incumbent: int, chance: float) -> list[Supplier]:
    """The eligible firms that notice the tender and consider bidding: each with ``chance``, one
    uniform draw per eligible firm in order; the sitting provider always does. At ``chance`` 1
    every eligible firm considers it and nothing is drawn.

    Finding and reading tenders costs a firm time, so many never see a given one (Kang and
    Miller 2022); the provider delivering the service knows it is being re-let.
    """
    if chance >= 1.0 or not eligible:
        return eligible
    draws = model.rng.random(len(eligible)).tolist()
    return [s for s, u in zip(eligible, draws, strict=True) if u < chance or s.unique_id == incumbent]


def _unit_cost_to_take(provider: Supplier, service: ServiceSpec, incumbent: int, mobilisation: float) -> float:
    """A provider's cost of a unit of the service over the term: a newcomer adds the cost of
    taking it over, spread over the term; the sitting provider does not."""
    cost = provider.unit_cost(service)
    return cost if provider.unique_id == incumbent else cost * (1.0 + mobilisation)


def _direct_award_candidate(lead: Council, eligible: list[Supplier], incumbent: int) -> list[Supplier]:
    """Whom a council negotiates with after a tender drew no bid: the sitting provider if it
    could take the lot, otherwise the capable provider it trusts most (none: nobody could)."""
    if not eligible:
        return []
    sitting = [p for p in eligible if p.unique_id == incumbent]
    if sitting:
        return sitting
    return [max(eligible, key=lambda p: (lead.trust_in(p.unique_id), -p.unique_id))]


def _record(model: PartneringModel, record: Tender, lead: Council) -> None:
    """Keep the tender for the market metrics, and log a failed or uncontested one."""
    model.recent_tenders.append(record)
    what = record.service.replace("_", " ")
    if record.bids == 0:
        outcome = "directly awarded" if record.winner is not None else "delivered in-house"
        model.events.add(model.now, "no_bid", f"{lead.name}: no bids for {what}; {outcome}",
                         council=lead.name, service=record.service)
    elif record.bids == 1:
        model.events.add(model.now, "single_bid", f"{lead.name}: a single bid for {what}",
                         council=lead.name, service=record.service)


def eligible_bidders(model: PartneringModel, line: str, places: list[int], lot_value: float,
                     needs_accreditation: bool, community_suitability: float,
                     enough: int | None = None) -> list[Supplier]:
    """Providers active in the line that reach the places, with the free capacity in the line for
    the lot; accredited where required (community groups are exempt: the lever is aimed at
    firms), and groups only where the service suits community delivery. With ``enough``, the
    first ``enough`` of them only (in the market index's order)."""
    groups_may_bid = community_suitability >= model.config.groups.min_suitability
    out = []
    for provider in model.market_index.candidates(line, places):
        ability = provider.lines.get(line)  # Provider.free_capacity, read in place: asked of every candidate
        if (ability.capacity - ability.load if ability is not None else 0.0) < lot_value:
            continue
        if provider.kind == "vcse":
            if not groups_may_bid:
                continue
        elif needs_accreditation and not provider.accredited:
            continue
        out.append(provider)
        if len(out) == enough:
            break
    return out


def capable_suppliers(model: PartneringModel, place: int, slot: ServiceSlot) -> int:
    """How many providers could take a sizeable lot of this position
    (``procurement.capable_lot_share`` of it): the council's reading of how healthy its market is.

    Counted up to the number at which the council no longer regards its market as thin
    (``make_or_buy.capable_enough``, rounded up): its reading saturates there
    (:func:`partnering.rules.make_or_buy.score_circumstances`), so more make no difference.
    """
    cfg = model.config
    lot = slot.annual_value * cfg.procurement.capable_lot_share
    return len(eligible_bidders(model, slot.service.market, [place], lot, False, slot.service.community_suitability,
                                enough=math.ceil(cfg.make_or_buy.capable_enough)))


def consortium_partner(model: PartneringModel, line: str, place: int | None, lot_value: float) -> CommunityGroup | None:
    """The first group of a small bidder's place, active in the line, willing to partner it."""
    if place is None:
        return None
    for group in model.groups_by_place[place]:
        if line in group.lines and group.decide_consortium(line, lot_value):
            return group
    return None


def _evaluate_and_award(model: PartneringModel, lead: Council, slots: list[ServiceSlot], lot_share: float,
                        length: int, bidders: list[Supplier], weights: procurement.EvaluationWeights,
                        error_sd: float, place: int, co_commissioned: bool, expected_bids: float,
                        direct: bool = False, charge_bids: bool = True, ceiling: float = math.inf) -> Contract | None:
    """Price, score and award; ``direct`` for a negotiated award after a tender drew no bid (one
    offer, no competition to shade for, no debrief), and ``charge_bids`` off for the starting
    contracts (taken over before the simulation begins, so no mobilisation cost now, and no
    debrief to learn from this quarter). No bid exceeds the councils' ``ceiling``: a bidder
    whose price would, bids the ceiling."""
    if not bidders:
        return None
    cfg = model.config
    rng = model.rng
    service = slots[0].service
    line = service.market
    measured = cfg.policy.social_value_in_contracts
    lot_value = sum(s.annual_value for s in slots) * lot_share
    partners = {}
    if lead.principles["place_based"] >= cfg.commissioning.consortium_place_based_level:
        for b in bidders:
            if b.kind == "sme":
                group = consortium_partner(model, line, b.place, lot_value)
                if group is not None:
                    partners[b.unique_id] = group
    incumbent = slots[0].incumbent
    mobilisation = cfg.procurement.mobilisation_cost / (length / QUARTERS_PER_YEAR)
    incumbent_sd = error_sd * cfg.procurement.incumbent_error_factor
    # each bidder shades for the winner's curse it expects from the bids tenders here draw (none
    # in a negotiation with one provider)
    shading = cfg.behaviour.risk_contingency * procurement.expected_winners_curse(1.0 if direct else expected_bids)
    draws = rng.normal(0.0, 1.0, len(bidders)).tolist()
    fit_loss = cfg.delivery.local_fit_loss
    bonus = cfg.social_value.consortium_offer
    prior = cfg.trust.prior
    lead_trust = slots[0].council.trust
    alone = len(slots) == 1  # one council's tender: its own trust; a joint one: the councils' mean
    # each bid's price, the council's view of its quality, its social value and its record, in one pass
    priced, quality, social, track = [], [], [], []
    for b, z in zip(bidders, draws, strict=True):
        bid_id = b.unique_id
        priced.append(b.price(service, incumbent_sd, z, shading * incumbent_sd) if bid_id == incumbent
                      else b.price(service, error_sd, z, shading * error_sd, mobilisation))
        quality.append(b.quality_capability(service)
                       * service_fit(service.local_knowledge, b.localness(place), 0.0, fit_loss))
        social.append(min(1.0, b.social_value(place, measured) + (bonus if bid_id in partners else 0.0)))
        track.append(lead_trust.get(bid_id, prior) if alone
                     else sum([s.council.trust_in(bid_id) for s in slots]) / len(slots))
    # a tender has a handful of bids: plain floats, quicker than numpy arrays at that size
    prices = [pr for pr, _ in priced]
    if ceiling != math.inf:
        prices = [pr if pr < ceiling else ceiling for pr in prices]
    noise = rng.normal(0.0, lead.perception_noise(), len(bidders)).tolist()
    perceived = [clip(q + e, 0.0, 1.0) for q, e in zip(quality, noise, strict=True)]
    scores = procurement.score_bids(prices, perceived, social, track, weights)
    w = scores.index(max(scores))  # the first of the best, as argmax
    if not direct and charge_bids:
        contingencies = [shading * (incumbent_sd if b.unique_id == incumbent else error_sd) for b in bidders]
        _debrief(bidders, line, prices, scores, w, weights, contingencies, cfg.procurement)
    winner = bidders[w]
    terms = lead.contract_terms(lot_value * prices[w])
    contract = Contract(
        id=model.contracts.next_id(), provider=winner, service=service,
        lots=[Lot(slot=s, share=lot_share, base_volume=s.funded * lot_share) for s in slots],
        unit_price=prices[w], target_unit_cost=priced[w][1], start=model.now, length=length,
        break_interval=terms.break_interval, flex=terms.flex, open_book=terms.open_book,
        risk_share=terms.risk_share, monitoring=lead.choose_monitoring(track[w]),
        penalty_rate=terms.penalty_rate, co_commissioned=co_commissioned, quality_ewma=cfg.delivery.initial_quality,
    )
    if charge_bids and winner.unique_id != incumbent:  # a newcomer pays to take the service over
        winner.cash -= cfg.procurement.mobilisation_cost * lot_value
    for s in slots:
        s.incumbent = winner.unique_id
    model.contracts.start(contract)
    partner = partners.get(winner.unique_id)
    if partner is not None:
        subcontract(model, contract, partner, cfg.groups.consortium_share)
    elif winner.kind == "large":
        share = subcontract_share(lead.principles["place_based"], measured, cfg.supply_chain)
        local = _local_subcontractor(model, line, place, share * contract.annual_value, winner) if share > 0.0 else None
        if local is not None:
            subcontract(model, contract, local, share)
    return contract


def _local_subcontractor(model: PartneringModel, line: str, place: int, value: float,
                         prime: Supplier) -> Supplier | None:
    """A small provider that reaches the place (its own, or a neighbour's: the market index's
    reach), active in the line, with room for the work: one of them, drawn at random (no draw
    when there is none)."""
    local = [p for p in model.market_index.candidates(line, [place])
             if p.small and p is not prime and p.free_capacity(line) >= value]
    if not local:
        return None
    return local[int(model.rng.integers(len(local)))]


def subcontract(model: PartneringModel, contract: Contract, provider: Supplier, share: float) -> Subcontract:
    """Pass ``share`` of a contract's delivery down to ``provider``."""
    record = Subcontract(contract=contract, provider=provider, share=share)
    contract.subcontracts.append(record)
    contract.supply_chain_changed()
    provider.subcontracts.append(record)
    line = contract.service.market
    value = contract.annual_value * share
    provider.take_on(line, value)
    contract.provider.take_on(line, -value)
    return record


def _debrief(bidders: list[Supplier], line: str, prices: list[float], scores: list[float], winner: int,
             weights: procurement.EvaluationWeights, contingencies: list[float], rules) -> None:
    """Tell each bidder whether it won, and whether it lost on price (each judged with the
    contingency it priced with)."""
    floor = 1.0 + rules.margin_floor
    markups = [1.0 + b.margin + c for b, c in zip(bidders, contingencies, strict=True)]
    lost = procurement.lost_on_price(prices, scores, winner, markups, [floor + c for c in contingencies], weights.price)
    for i, (bidder, on_price) in enumerate(zip(bidders, lost, strict=True)):
        bidder.record_tender(line, won=i == winner, lost_on_price=on_price)
