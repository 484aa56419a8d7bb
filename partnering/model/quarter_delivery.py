"""The delivery phase for contracts: every live contract delivers one quarter, all at once.

Deliveries within a quarter are simultaneous. Every provider chooses its effort on the state the
quarter opened with (its cash, its trust in the council, the council's trust in it, the
council's skill), so the rules of :mod:`partnering.model.delivery` and
:mod:`partnering.model.trust` are applied to numpy arrays over all the quarter's lots. The books
and beliefs are then updated contract by contract, in the order contracts started: trust moves in
sequence, so a council with two contracts with one firm updates its trust twice.

Random numbers come in one block per quarter, in this order: a uniform per contract for the
effort choice, a uniform per contract for detection (or, after full effort, a false alarm), and
a standard normal per lot for the council's observation of quality.

The phase takes about a third of the time of a contract-by-contract loop (4.5 against 13 µs a
contract in ``england``), which is most of what brings ``england`` within 3x of Mesa's own
Boltzmann example per agent-step (docs/performance.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from partnering.agents.council import MONITORING_COST
from partnering.agents.provider import CONSORTIUM_SHARE, Supplier
from partnering.model import delivery
from partnering.model.delivery import (
    BREAK_TRUST,
    OPEN_BOOK_COST_SLACK,
    RENEWAL_TRUST_SCALE,
    VARIATION_PREMIUM,
    VARIATION_UPTAKE,
)
from partnering.model.metrics import social_value_rate
from partnering.model.trust import (
    PRIOR_TRUST,
    after_detected_shirking,
    fair_treatment,
    update_trust,
)

if TYPE_CHECKING:
    from partnering.agents.council import Council
    from partnering.agents.provider import Provider
    from partnering.model.contracts import Contract
    from partnering.model.model import PartneringModel


def deliver_contracts(model: PartneringModel, contracts: list[Contract]) -> None:
    """Deliver one quarter of every contract in ``contracts`` (in the order they started)."""
    if not contracts:
        return
    cfg = model.config
    b = cfg.behaviour
    measured = cfg.policy.social_value_in_contracts
    now = model.now

    # --- what the quarter opens with: a row per provider, per council, per contract, per lot ----
    # rows numbered in order of first appearance: ``setdefault`` keeps the first number given
    provider_row: dict[Provider, int] = {}
    council_row: dict[Council, int] = {}
    unit_costs: dict[tuple[int, str], float] = {}
    contract_rows: list[tuple] = []  # provider, lead council, trust both ways, lots, unit cost, service
    lot_rows: list[tuple] = []  # contract, provider, council, need, base volume, localness, local knowledge, place,
    # the council's trust in the provider and the provider's in the council
    lot_slots = []
    for i, contract in enumerate(contracts):
        provider = contract.provider
        pid = provider.unique_id
        prow = provider_row.setdefault(provider, len(provider_row))
        service = contract.service
        local_knowledge = service.local_knowledge
        lots = contract.lots
        group = contract.consortium_group
        trust = trust_in_council = 0.0
        lead = -1
        for lot in lots:
            slot = lot.slot
            council = slot.council
            cid = council.unique_id
            crow = council_row.setdefault(council, len(council_row))
            if lead < 0:
                lead = crow
            place = council.place
            held = council.trust.get(pid, PRIOR_TRUST)
            felt = provider.trust_in_council.get(cid, PRIOR_TRUST)
            trust += held
            trust_in_council += felt
            localness = provider.localness(place)
            if group is not None:
                localness = max(localness, group.localness(place))
            lot_rows.append((i, prow, crow, slot.funded * lot.share, lot.base_volume, localness, local_knowledge, place,
                             held, felt))
            lot_slots.append(slot)
        n_lots = len(lots)
        key = (prow, service.name)
        unit_cost = unit_costs.get(key)
        if unit_cost is None:  # a firm's unit cost for a service is fixed within the quarter
            unit_cost = unit_costs[key] = provider.unit_cost(service)
        contract_rows.append((prow, lead, trust / n_lots, trust_in_council / n_lots, n_lots, unit_cost,
                              service.annual_value / 4.0, service.measurability,
                              group is not None and group.active))

    n = len(contracts)
    providers, councils = list(provider_row), list(council_row)
    terms = np.array([(c.unit_price, c.target_unit_cost, c.flex, c.risk_share, c.monitoring, c.penalty_rate,
                       c.start + c.length - now, c.length, c.break_interval > 0, c.open_book, c.grant, c.learning)
                      for c in contracts], dtype=float).T
    unit_price, target_unit_cost, flex, risk_share, monitoring, penalty_rate = terms[:6]
    remaining = np.maximum(terms[6], 0.0)
    length, has_break = terms[7], terms[8] > 0.0
    open_book, grant, learning = terms[9] > 0.0, terms[10] > 0.0, terms[11]
    # each provider's disposition and each council's skill, read once and spread over the rows
    by_contract = np.array(contract_rows, dtype=float).T
    p_rows = by_contract[0].astype(np.intp)
    c_lead = by_contract[1].astype(np.intp)
    trust, trust_in_council, n_lots, c_unit_cost = by_contract[2], by_contract[3], by_contract[4], by_contract[5]
    value, measurability, group_active = by_contract[6], by_contract[7], by_contract[8] > 0.0
    by_lot = np.array(lot_rows, dtype=float).T
    ci, lot_providers, lc = by_lot[0].astype(np.intp), by_lot[1].astype(np.intp), by_lot[2].astype(np.intp)
    l_need, l_base, l_localness, l_local_knowledge, l_place = by_lot[3], by_lot[4], by_lot[5], by_lot[6], by_lot[7]
    l_held, l_felt = by_lot[8], by_lot[9]
    disposition = np.array([(p.opportunism, p.financial_stress(), p.cuts_corners,
                             p.win_probability() if isinstance(p, Supplier) else 0.0,
                             delivery.capacity_strain(p.load, p.capacity), p.capability,
                             social_value_rate(p.kind, True, p.accredited, measured),
                             social_value_rate(p.kind, False, p.accredited, measured),
                             -1 if p.place is None else p.place) for p in providers], dtype=float).T
    opportunism, stress = disposition[0][p_rows], disposition[1][p_rows]
    cuts_corners, win_probability, strain = disposition[2][p_rows] > 0.0, disposition[3][p_rows], disposition[4][p_rows]
    quality_capability = delivery.capability_with_learning(disposition[5][p_rows], learning)
    skill = np.array([(c.commercial_capability, 0.08 * c.steering_strength, c.late_payment,
                       c.reliance_on_self_reports(), c.perception_noise(), _renewal_weight(c)) for c in councils],
                     dtype=float).T
    capability = np.bincount(ci, skill[0][lc], n) / n_lots
    local = disposition[8][lot_providers] == l_place
    social_rate = np.where(local, disposition[6][lot_providers], disposition[7][lot_providers])

    # --- volumes, cost and what is due, lot by lot ----------------------------------------------
    lot_flex, lot_value = flex[ci], value[ci]
    vol = delivery.lot_volumes(l_need, l_base, lot_flex, VARIATION_UPTAKE)
    slack = np.where(open_book, OPEN_BOOK_COST_SLACK * (1.0 - risk_share), 0.0)
    cost = c_unit_cost[ci] * lot_value * (vol.delivered + 0.5 * vol.idle) * (1.0 + slack[ci])
    target = target_unit_cost[ci] * lot_value * (vol.contracted + vol.variation)
    due = unit_price[ci] * lot_value * (vol.contracted + vol.variation * (1.0 + VARIATION_PREMIUM))
    cost_full = np.bincount(ci, cost, n)
    payment_due = np.bincount(ci, due, n)

    # --- the effort choice: deterrence = detection x (remedy + relationship value) -------------
    detection = delivery.detection_probability(monitoring, measurability, capability, open_book)
    trust_drop = b.shirk_detected_trust_loss * trust
    renewal_at_risk = win_probability * np.minimum(1.0, skill[5][c_lead] * trust_drop / RENEWAL_TRUST_SCALE)
    break_risk = (has_break & (trust - trust_drop < BREAK_TRUST)).astype(float)
    future = delivery.relationship_value(payment_due - cost_full, remaining, renewal_at_risk, length, break_risk,
                                         delivery.supplier_discount(opportunism))
    saving = b.corner_cut_saving * cost_full
    penalty = penalty_rate * payment_due
    temptation = delivery.shirk_temptation(saving, opportunism, stress, trust_in_council)
    chance = delivery.shirk_probability(temptation, detection, penalty, future, saving)
    draws = model.rng.random((2, n))
    shirk = cuts_corners & (draws[0] < chance)
    detected = shirk & (draws[1] < detection)
    false_alarm = ~shirk & (draws[1] < delivery.false_alarm_probability(capability, monitoring))
    effort = np.where(shirk, 1.0 - b.corner_cut_quality_loss, 1.0)
    # caught cutting corners, the supplier must put the work right at its own expense
    cost_factor = np.where(shirk & ~detected, 1.0 - b.corner_cut_saving, 1.0)
    penalty_factor = np.where(detected | false_alarm, np.maximum(0.0, 1.0 - penalty_rate), 1.0)
    penalty_proportionate = np.where(false_alarm, 0.0, np.where(detected, 1.0 - 0.5 * penalty_rate, 1.0))

    # --- quality, payment and the readings each side takes --------------------------------------
    fit = delivery.service_fit(l_local_knowledge, l_localness, skill[1][lc])
    lot_capability, lot_strain, lot_shirk = quality_capability[ci], strain[ci], shirk[ci]
    quality = delivery.delivered_quality(lot_capability, effort[ci], fit, lot_strain)
    actual_cost = cost * cost_factor[ci]
    payment = delivery.contract_payment(unit_price[ci], lot_value * vol.contracted, lot_value * vol.variation,
                                        VARIATION_PREMIUM, open_book[ci], risk_share[ci], actual_cost, target)
    payment = payment * penalty_factor[ci]
    reported = np.where(lot_shirk, delivery.delivered_quality(lot_capability, 1.0, fit, lot_strain), quality)
    observed = delivery.assessed_quality(quality, reported, skill[3][lc], skill[4][lc],
                                         model.rng.standard_normal(len(ci)))
    safe_payment = np.maximum(payment, 1e-9)
    loss = np.maximum(0.0, actual_cost - payment) / safe_payment
    changed = (vol.variation > 0.0) | (vol.idle > 0.0)
    fairness = fair_treatment(skill[2][lc] == 0.0, lot_flex + (1.0 - lot_flex) * np.where(changed, 0.5, 1.0),
                              penalty_proportionate[ci], np.minimum(1.0, 5.0 * loss * risk_share[ci]))
    margin = (payment - actual_cost) / safe_payment
    monitoring_cost = MONITORING_COST * monitoring[ci] * payment
    delivered_value = lot_value * vol.delivered
    kept = np.where(group_active[ci], payment * (1.0 - CONSORTIUM_SHARE), payment)

    total_payment = np.bincount(ci, payment, n)
    total_cost = np.bincount(ci, actual_cost, n)

    # --- the books: money moves council to provider, and on to a consortium partner -------------
    _book_payments(model, providers, councils, contracts, lot_providers, lc, payment, actual_cost, monitoring_cost,
                   kept, social_rate, group_active, grant, total_payment, total_cost)

    # --- beliefs and observations, lot by lot in contract order ---------------------------------
    # Trust moves from the level the quarter opened with. Where a council and a provider meet in
    # one lot only, that is the whole update, computed for all such lots at once; where they meet
    # in several, the updates follow one another in contract order.
    gain, loss_rate, detected_loss = b.trust_gain_rate, b.trust_loss_rate, b.shirk_detected_trust_loss
    lot_detected = detected[ci]
    held = update_trust(l_held, observed, gain, loss_rate)
    held = np.where(lot_detected, after_detected_shirking(held, detected_loss), held)
    felt = update_trust(l_felt, fairness, gain, loss_rate)
    _, pair, meetings = np.unique(lc * len(providers) + lot_providers, return_inverse=True, return_counts=True)
    repeated = meetings[pair] > 1
    place_margin = model.place_margin
    for i, slot, spend, dv, q, lot_margin, again, new_held, new_felt, seen, fair, was_detected in zip(
            ci.tolist(), lot_slots, payment.tolist(), delivered_value.tolist(), quality.tolist(), margin.tolist(),
            repeated.tolist(), held.tolist(), felt.tolist(), observed.tolist(), fairness.tolist(),
            lot_detected.tolist(), strict=True):
        slot.spend += spend
        slot.delivered_value += dv
        slot.delivered_quality += q * dv
        council = slot.council
        provider = contracts[i].provider
        pid, cid = provider.unique_id, council.unique_id
        if again:
            trust = update_trust(council.trust.get(pid, PRIOR_TRUST), seen, gain, loss_rate)
            council.trust[pid] = after_detected_shirking(trust, detected_loss) if was_detected else trust
            provider.trust_in_council[cid] = update_trust(provider.trust_in_council.get(cid, PRIOR_TRUST), fair, gain,
                                                          loss_rate)
        else:
            council.trust[pid] = new_held
            provider.trust_in_council[cid] = new_felt
        place = council.place
        place_margin[place] += 0.1 * (lot_margin - place_margin[place])

    # --- each contract's record -----------------------------------------------------------------
    last_quality = np.bincount(ci, quality, n) / n_lots
    for contract, q, paid, spent, cut, caught in zip(contracts, last_quality.tolist(), total_payment.tolist(),
                                                     total_cost.tolist(), shirk.tolist(), detected.tolist(),
                                                     strict=True):
        contract.last_quality = q
        contract.quality_ewma += 0.3 * (q - contract.quality_ewma)
        contract.last_payment = paid
        contract.last_cost = spent
        contract.revenue_total += paid
        contract.cost_total += spent
        contract.quarters_shirked += cut
        contract.shirked_now = cut
        contract.times_detected += caught


def _renewal_weight(council: Council) -> float:
    """How much of a supplier's chance of renewal rides on its record with this council: the
    weight its evaluation gives track record, and a quarter of the weight on quality."""
    weights = council.evaluation_weights()
    return weights.track + 0.25 * weights.quality


def _book_payments(model: PartneringModel, providers: list, councils: list, contracts: list[Contract],
                   lot_provider: np.ndarray, lot_council: np.ndarray, payment: np.ndarray, actual_cost: np.ndarray,
                   monitoring_cost: np.ndarray, kept: np.ndarray, social_rate: np.ndarray, group_active: np.ndarray,
                   grant: np.ndarray, total_payment: np.ndarray, total_cost: np.ndarray) -> None:
    """Pay every lot, charge every delivery cost, and book the quarter's flows.

    The total a council pays and the total providers receive are the same sum, so money is
    conserved to the last bit; a consortium SME passes its partner's share of payment and work on.
    """
    n_councils, n_providers = len(councils), len(providers)
    paid = np.bincount(lot_council, payment, n_councils).tolist()
    monitored = np.bincount(lot_council, monitoring_cost, n_councils).tolist()
    for council, amount, monitoring in zip(councils, paid, monitored, strict=True):
        council.spend_quarter += amount
        council.paid_to_providers += amount
        council.overhead_quarter += monitoring
        council.monitoring_quarter += monitoring
    received = np.bincount(lot_provider, payment, n_providers).tolist()
    spent = np.bincount(lot_provider, actual_cost, n_providers).tolist()
    for provider, amount, cost in zip(providers, received, spent, strict=True):
        provider.cash += amount - cost
        provider.revenue_quarter += amount
        provider.cost_quarter += cost
    total = float(payment.sum())
    model.paid_by_councils += total
    model.received_by_providers += total
    for i in np.flatnonzero(group_active).tolist():
        contract = contracts[i]
        provider, group = contract.provider, contract.consortium_group
        transfer = CONSORTIUM_SHARE * float(total_payment[i])
        work = CONSORTIUM_SHARE * float(total_cost[i])
        provider.cash += work - transfer
        provider.revenue_quarter -= transfer
        provider.cost_quarter -= work
        group.cash += transfer - work
        group.revenue_quarter += transfer
        group.cost_quarter += work
    flows = model.flows
    kinds = [p.kind for p in providers]
    by_kind = flows.spend_by_kind
    kept_by_provider = np.bincount(lot_provider, kept, n_providers).tolist()
    for kind, amount in zip(kinds, kept_by_provider, strict=True):
        by_kind[kind] = by_kind.get(kind, 0.0) + amount
    to_partners = payment - kept
    by_kind["vcse"] = by_kind.get("vcse", 0.0) + float(to_partners.sum())
    flows.social_value += float((social_rate * kept).sum()) + social_value_rate("vcse", True, False, False) * float(
        to_partners.sum())
    flows.contract_payments += total
    flows.monitoring += float(monitoring_cost.sum())
    firms = ~grant
    flows.firm_revenue += float(total_payment[firms].sum())
    flows.firm_margin += float((total_payment - total_cost)[firms].sum())
