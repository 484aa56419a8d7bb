"""Running a tender: lots, eligible bidders, bids, evaluation, debriefs and the award.

Suppliers decide whether to bid and at what price (``Supplier.decide_bid``, ``Supplier.price``);
councils weigh the bids (``Council.evaluation_weights``, ``Council.perception_noise``); this module
orchestrates one competition with the pure rules of :mod:`partnering.model.procurement`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from partnering.model import procurement
from partnering.model.contracts import Contract, Lot, ServiceSlot, Tender
from partnering.model.delivery import service_fit
from partnering.model.trust import PRIOR_TRUST

if TYPE_CHECKING:
    from partnering.agents.council import Council
    from partnering.agents.provider import Supplier
    from partnering.model.model import PartneringModel

TENDER_COST_SHARE = 0.01
"""A council's cost of running a tender, as a share of the lot's annual value (prescriptive process)."""



def tender(model: PartneringModel, lead: Council, slots: list[ServiceSlot], share: float, length: int,
           co_commissioned: bool = False, charge_bids: bool = True) -> int:
    """Procure ``share`` of each slot for ``length`` quarters; returns the number of lots awarded.

    Lots that attract no bid stay in-house (the forced in-house outcome of a failed tender).
    ``charge_bids`` is off only for the contracts that exist at the start, whose tenders were run
    (and paid for) before the simulation begins.
    """
    service = slots[0].service
    p = lead.principles
    policy = model.config.policy
    total_value = sum(s.annual_value for s in slots) * share
    n_lots = 1 if co_commissioned else procurement.lot_count(total_value, p["place_based"])
    lot_share = share / n_lots
    weights = lead.evaluation_weights()
    capability = sum(s.council.commercial_capability for s in slots) / len(slots)
    error_sd = procurement.estimate_error_sd(model.config.world.cost_estimate_error, service.measurability, capability)
    places = sorted({s.council.place for s in slots})
    awarded = 0
    for _ in range(n_lots):
        lot_value = sum(s.annual_value for s in slots) * lot_share
        lead.overhead_quarter += charge_bids * TENDER_COST_SHARE * lot_value * (1.5 - p["creative"])
        needs_accreditation = policy.accreditation_required and lot_value > policy.accreditation_threshold
        bidders, costs = [], []
        eligible = model.eligible_suppliers(places, lot_value, needs_accreditation)
        # a bid's cost depends on the lot and on whether the bidder is small: two values per lot
        cost_share = model.config.world.bid_cost
        bid_costs = {small: procurement.bid_cost(lot_value, cost_share, p["creative"], p["place_based"], small)
                     for small in (False, True)}
        term_years = length / 4.0
        for supplier in eligible:
            cost = bid_costs[supplier.small]
            if supplier.decide_bid(lot_value, term_years, cost):
                bidders.append(supplier)
                costs.append(cost)
        if charge_bids:
            for supplier, cost in zip(bidders, costs, strict=True):
                supplier.cash -= cost
                model.bid_costs_paid += cost
        winner = _evaluate_and_award(model, lead, slots, lot_share, length, bidders, weights, error_sd, lead.place,
                                     co_commissioned)
        record = Tender(
            step=model.now, councils=tuple(s.council.unique_id for s in slots), service=service.name,
            lot_share=lot_share, annual_value=lot_value, eligible=len(eligible), bids=len(bidders),
            winner=winner.provider.unique_id if winner else None,
            winning_price=winner.unit_price if winner else float("nan"),
            winner_kind=winner.provider.kind if winner else "", co_commissioned=co_commissioned,
        )
        model.record_tender(record, lead)
        for s in slots:
            s.last_bidders = 0.5 * s.last_bidders + 0.5 * len(bidders)
        awarded += winner is not None
    return awarded


def _evaluate_and_award(model: PartneringModel, lead: Council, slots: list[ServiceSlot], lot_share: float,
                        length: int, bidders: list[Supplier], weights: procurement.EvaluationWeights,
                        error_sd: float, place: int, co_commissioned: bool) -> Contract | None:
    if not bidders:
        return None
    rng = model.rng
    service = slots[0].service
    measured = model.config.policy.social_value_in_contracts
    lot_value = sum(s.annual_value for s in slots) * lot_share
    partners = {}
    if lead.principles["place_based"] >= 0.5:
        for b in bidders:
            if b.small:
                group = model.consortium_partner(b.place, lot_value)
                if group is not None:
                    partners[b.unique_id] = group
    draws = rng.normal(0.0, 1.0, len(bidders)).tolist()
    priced = [b.price(service, error_sd, z) for b, z in zip(bidders, draws, strict=True)]
    prices = np.array([pr for pr, _ in priced])
    quality = np.array([
        b.quality_capability() * service_fit(service.local_knowledge, b.localness(place), 0.0) for b in bidders
    ])
    perceived = np.clip(quality + rng.normal(0.0, lead.perception_noise(), len(bidders)), 0.0, 1.0)
    social = np.array([
        min(1.0, b.social_value(place, measured) + (0.2 if b.unique_id in partners else 0.0)) for b in bidders
    ])
    if len(slots) == 1:
        lead_trust = slots[0].council.trust
        track = np.array([lead_trust.get(b.unique_id, PRIOR_TRUST) / 1 for b in bidders])
    else:
        track = np.array([sum([s.council.trust_in(b.unique_id) for s in slots]) / len(slots) for b in bidders])
    scores = procurement.score_bids(prices, perceived, social, track, weights)
    w = int(np.argmax(scores))
    _debrief(bidders, prices, scores, w, weights, model.config.behaviour.risk_contingency * error_sd)
    winner = bidders[w]
    terms = lead.contract_terms(lot_value * prices[w])
    contract = Contract(
        id=model.next_contract_id(), provider=winner, service=service,
        lots=[Lot(slot=s, share=lot_share, base_volume=s.funded * lot_share) for s in slots],
        unit_price=float(prices[w]), target_unit_cost=float(priced[w][1]), start=model.now, length=length,
        break_interval=terms.break_interval, flex=terms.flex, open_book=terms.open_book,
        risk_share=terms.risk_share, monitoring=lead.choose_monitoring(float(track[w])),
        penalty_rate=terms.penalty_rate, co_commissioned=co_commissioned,
        consortium_group=partners.get(winner.unique_id),
    )
    model.start_contract(contract)
    return contract


def _debrief(bidders: list[Supplier], prices: np.ndarray, scores: np.ndarray, winner: int,
             weights: procurement.EvaluationWeights, contingency: float) -> None:
    """Tell each bidder whether it won, and whether it lost on price: whether a bid at the margin
    floor would have beaten the winner (UK procurement debriefs give scores)."""
    markups = np.array([1.0 + b.margin + contingency for b in bidders])
    # plain floats for the scalar arithmetic: the same values, without numpy scalars
    floor_prices = (prices * (1.0 + procurement.MARGIN_FLOOR + contingency) / markups).tolist()
    best = float(prices.min())
    price, score = prices.tolist(), scores.tolist()
    for i, bidder in enumerate(bidders):
        if i == winner:
            bidder.record_tender(won=True, lost_on_price=False)
            continue
        new_min = min(best, floor_prices[i])
        gain_self = weights.price * (new_min / floor_prices[i] - best / price[i])
        loss_winner = weights.price * (best / price[winner] - new_min / price[winner])
        bidder.record_tender(won=False, lost_on_price=bool(score[i] + gain_self > score[winner] - loss_winner))
