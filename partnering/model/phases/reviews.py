"""Phase 5, reviews: break clauses on poor performance, expiries, re-procurement after a
stop-gap, and the make-or-buy decision for every service whose arrangement has ended.

The council decides (:meth:`partnering.agents.council.Council.decide_make_or_buy`); this module
carries the decision out: in-house (with its transition cost), a tender, a joint tender with a
neighbour, or a grant to a community group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from partnering.agents.community import CommunityGroup
from partnering.agents.council import Council
from partnering.model.tendering import capable_suppliers, tender
from partnering.rules.make_or_buy import CIRCUMSTANCES
from partnering.rules.records import Contract, Lot, ServiceSlot

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel

THIN_MARKET = CIRCUMSTANCES[0]
"""The circumstance recorded when a tender draws no bid and the service stays in-house."""


def review_contracts(model: PartneringModel) -> None:
    """Break clauses, expiries, the end of stop-gaps, then a review of every service whose
    arrangement has come to an end."""
    now = model.now
    c = model.config.commissioning
    break_trust = model.config.trust.break_level
    for contract in model.contracts.in_start_order():
        if contract.at_break_point(now):
            lead = contract.councils[0]
            if lead.trust_in(contract.provider.unique_id) < break_trust or contract.quality_ewma < c.break_quality:
                model.contracts.end(contract, "break clause", now)
                model.events.add(now, "break_clause",
                                 f"{lead.name} ended its {contract.service.name.replace('_', ' ')} contract "
                                 f"with {contract.provider.name} at a break point",
                                 council=lead.name, supplier=contract.provider.name, service=contract.service.name)
                for lot in contract.lots:
                    reprocure(model, lot.slot, lot.share)
    for contract in model.contracts.in_start_order():
        if contract.expiry <= now:
            model.contracts.end(contract, "expired", now)
    for council in model.councils:
        for slot in council.slots:
            if slot.stopgap_share > 0.0 and now >= slot.stopgap_until:
                share, slot.stopgap_share = slot.stopgap_share, 0.0
                reprocure(model, slot, share)
    for council in model.councils:
        for slot in council.slots:
            if now >= slot.term_end and slot.stopgap_share == 0.0 and not slot.contracts:
                review_slot(model, council, slot)


def reprocure(model: PartneringModel, slot: ServiceSlot, share: float) -> None:
    """Re-procure a share of a slot whose other lots run on; a slot left with no contract goes to
    a full make-or-buy review instead (the share stays in-house meanwhile)."""
    if slot.contracts and slot.term_end > model.now:
        tender(model, slot.council, [slot], share, max(model.config.procurement.retender_quarters,
                                                      slot.term_end - model.now))
    else:
        slot.term_end = min(slot.term_end, model.now)


def review_slot(model: PartneringModel, council: Council, slot: ServiceSlot) -> None:
    """The make-or-buy decision at the end of an arrangement, and carrying it out."""
    cfg = model.config
    now = model.now
    retender = cfg.procurement.retender_quarters
    previous = slot.mode
    capable = capable_suppliers(model, council.place, slot)
    partner = find_partner(model, council, slot) if council.principles["collaborative"] > 0.0 else None
    group = grant_partner(slot, model.groups_by_place[council.place])
    mode, reason = council.decide_make_or_buy(slot, capable, partner is not None, group is not None)
    if mode == "in_house":
        slot.mode = "in_house"
        slot.term_end = now + cfg.in_house.review_quarters
        if previous != "in_house":
            record_insourcing(model, council, slot, reason)
        return
    if mode == "community" and group is not None:
        award_grant(model, council, slot, group)
        return
    length = council.contract_length()
    if mode == "co_commissioned" and partner is not None:
        partner_slot = partner.slots[slot.index]
        for c in list(partner_slot.contracts):
            model.contracts.end(c, "joined co-commissioning", now)
        awarded = tender(model, council, [slot, partner_slot], 1.0, length, co_commissioned=True)
        if awarded:
            for joint in (slot, partner_slot):
                joint.mode = "co_commissioned"
                joint.term_end = now + length
            council.partners.add(partner.unique_id)
            partner.partners.add(council.unique_id)
            model.events.add(now, "co_commissioning",
                             f"{council.name} and {partner.name} jointly commissioned {slot.service.name.replace('_', ' ')}",
                             council=council.name, service=slot.service.name)
            return
        # no bid for the joint lot: the partner, whose contracts ended by agreement, runs the
        # service in-house for now; the lead goes on to tender alone
        if partner_slot.mode != "in_house":
            record_insourcing(model, partner, partner_slot, THIN_MARKET)
        partner_slot.mode = "in_house"
        partner_slot.term_end = now + retender
    awarded = tender(model, council, [slot], slot.in_house_share, length)
    if awarded:
        slot.mode = "outsourced"
        slot.term_end = now + length
    else:
        slot.mode = "in_house"
        slot.term_end = now + retender
        if previous != "in_house":
            record_insourcing(model, council, slot, THIN_MARKET)


def record_insourcing(model: PartneringModel, council: Council, slot: ServiceSlot, reason: str) -> None:
    """Bringing a service in-house costs a transition; the circumstance that weighed most is kept."""
    council.overhead_quarter += model.config.in_house.transition_cost * slot.annual_value
    model.insourcing_by_reason[reason] += 1
    model.events.add(model.now, "insourcing",
                     f"{council.name} brought {slot.service.name.replace('_', ' ')} in-house ({reason})",
                     council=council.name, service=slot.service.name, reason=reason)


def find_partner(model: PartneringModel, council: Council, slot: ServiceSlot) -> Council | None:
    """A neighbouring council whose same service is due for review soon and which, weighing its
    own make-or-buy choice, prefers to commission it jointly."""
    window = model.config.procurement.co_commissioning_window
    for place in model.neighbours[council.place]:
        other = model.councils[place]
        other_slot = other.slots[slot.index]
        if other_slot.mode == "co_commissioned" or other_slot.stopgap_share > 0:
            continue
        if other_slot.term_end <= model.now + window and other.principles["collaborative"] > 0.0:
            capable = capable_suppliers(model, place, other_slot)
            choice, _ = other.decide_make_or_buy(other_slot, capable, True, False)
            if choice == "co_commissioned":
                return other
    return None


def grant_partner(slot: ServiceSlot, groups: list[CommunityGroup]) -> CommunityGroup | None:
    """The place's group with the most spare capacity, if it would take the service on a grant."""
    if not groups:
        return None
    group = max(groups, key=lambda g: (g.capacity - g.load, -g.unique_id))
    return group if group.decide_grant(slot.service, slot.annual_value) else None


def award_grant(model: PartneringModel, council: Council, slot: ServiceSlot, group: CommunityGroup) -> None:
    """Hand the service to a community group under a grant at full cost recovery."""
    cfg = model.config
    g = cfg.groups
    contract = Contract(
        id=model.contracts.next_id(), provider=group, service=slot.service,
        lots=[Lot(slot=slot, share=slot.in_house_share, base_volume=slot.funded * slot.in_house_share)],
        unit_price=group.grant_price(slot.service, cfg.world.overhead_rate),
        target_unit_cost=group.unit_cost(slot.service),
        start=model.now, length=g.grant_quarters, break_interval=g.grant_break_interval, flex=1.0, open_book=True,
        risk_share=0.0, monitoring=g.grant_monitoring, penalty_rate=0.0, grant=True,
        quality_ewma=cfg.delivery.initial_quality,
    )
    model.contracts.start(contract)
    previous = slot.mode
    slot.mode = "community"
    slot.term_end = model.now + g.grant_quarters
    if previous != "community":
        model.events.add(model.now, "community_delivery",
                         f"{council.name} handed {slot.service.name.replace('_', ' ')} to {group.name}",
                         council=council.name, supplier=group.name, service=slot.service.name)
