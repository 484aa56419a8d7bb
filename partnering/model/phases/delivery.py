"""Phase 2, delivery: every live contract and every in-house service delivers one quarter.

Deliveries within a quarter are simultaneous. Every provider chooses its effort on the state the
quarter opened with (its cash, its trust in the council, the council's trust in it, the
council's skill), so the rules of :mod:`partnering.rules.delivery` and :mod:`partnering.rules.trust`
are applied to numpy arrays over all the quarter's contracts and lots at once, in four steps:

1. **effort**: each supplier weighs the gain from cutting corners against detection times the
   penalty, the rework and the relationship at stake (:func:`partnering.agents.supplier.choose_effort`);
2. **payment**: volumes, costs, quality and what is paid under each contract's terms;
3. **books**: money moves from councils to providers, and down their supply chains:
   subcontractors do their share of the work now and are paid in arrears;
4. **beliefs**: trust both ways, each contract's record and the margins entrants watch. Trust is
   updated lot by lot in contract order, so a council with two contracts with one firm updates
   its trust twice.

Random numbers come in one block per quarter, in this order: a uniform per contract for the
effort choice, a uniform per contract for detection (or, after full effort, a false alarm), and
a standard normal per lot for the council's observation of quality.

The quarter's state is gathered into small structured arrays (:class:`Lots`,
:class:`ContractTerms`, :class:`Providers`, :class:`Councils`) read by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from partnering.agents.council import Council
from partnering.agents.supplier import EffortSituation, Provider, choose_effort
from partnering.model.lot_book import LOT_FIXED, TERMS_FIXED, LotBook, first_appearance, float_table
from partnering.rules import delivery
from partnering.rules.finance import stopgap_cost
from partnering.rules.learning import smooth
from partnering.rules.records import Contract, ServiceSlot
from partnering.rules.social_value import social_value_rate
from partnering.rules.supply_chain import settle_arrears
from partnering.rules.trust import after_detected_shirking, fair_treatment, update_trust
from partnering.rules.units import QUARTERS_PER_YEAR

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel
    from partnering.scenarios.mechanisms import InHouse
    from partnering.scenarios.schema import ServiceSpec

_TINY_PAYMENT = 1e-9
"""£m: payments are divided by at least this (a numerical guard)."""


def deliver_services(model: PartneringModel) -> None:
    """Every live contract and every in-house service delivers for the quarter."""
    deliver_contracts(model, model.contracts.in_start_order())
    learning_rate = model.config.commissioning.unit_cost_learning
    terms = InHouseTerms.of(model)
    for council in model.councils:
        slots = council.slots
        codesign = terms.codesign_fit * council.steering_strength
        for slot in slots:
            deliver_in_house(model, council, slot, terms, codesign)
            unmet = slot.need_value - slot.delivered_value
            slot.unmet_value = unmet if unmet > 0.0 else 0.0  # max(0.0, unmet), as a comparison: every slot
        used = sum([s.delivered_value for s in slots])
        spent = sum([s.spend for s in slots])
        if used > 0:
            council.unit_cost_estimate = smooth(council.unit_cost_estimate, spent / used, learning_rate)


@dataclass(frozen=True, slots=True)
class InHouseTerms:
    """What in-house delivery reads of the scenario: the same for every slot, so read once a
    quarter rather than once a slot."""

    in_house: InHouse
    invested: bool
    """Whether the policy invests in public-sector capacity."""
    codesign_fit: float
    local_fit_loss: float
    emergency_premium: float
    stopgap_quality: float
    social_rate: float
    """£ of social value per £ of a council's own delivery."""
    cost_and_quality: dict[tuple[float, float, float], tuple[float, float]] = field(default_factory=dict)
    """In-house unit cost and quality by in-house capacity, the service's need for local knowledge
    and the council's co-design: filled as the quarter goes (many slots share all three)."""

    @classmethod
    def of(cls, model: PartneringModel) -> InHouseTerms:
        cfg = model.config
        policy = cfg.policy
        return cls(cfg.in_house, policy.public_capacity_investment, cfg.delivery.codesign_fit,
                   cfg.delivery.local_fit_loss, cfg.world.emergency_premium, cfg.finance.stopgap_quality,
                   social_value_rate("in_house", True, False, policy.social_value_in_contracts, cfg.social_value))


def deliver_in_house(model: PartneringModel, council: Council, slot: ServiceSlot, terms: InHouseTerms,
                     codesign: float) -> None:
    """The in-house share at in-house cost and quality; any stop-gap share at a premium.

    ``codesign`` is the fit the council's community co-design adds (the same for all its slots).
    """
    in_house_share = slot.in_house_share
    stopgap_share = slot.stopgap_share
    if in_house_share <= 0.0 and stopgap_share <= 0.0:
        return  # wholly contracted out: nothing to deliver here (and nothing disrupted)
    value = slot.value / QUARTERS_PER_YEAR
    capacity, local_knowledge = slot.inhouse_capacity, slot.service.local_knowledge
    key = (capacity, local_knowledge, codesign)
    known = terms.cost_and_quality.get(key)
    if known is None:
        capability = delivery.in_house_capability(capacity, terms.in_house)
        fit = delivery.service_fit(local_knowledge, 1.0, codesign, terms.local_fit_loss)
        known = terms.cost_and_quality[key] = (delivery.in_house_unit_cost(capacity, terms.invested, terms.in_house),
                                               delivery.delivered_quality(capability, 1.0, fit, 1.0))
    unit_cost, quality = known
    social_rate = terms.social_rate
    for share, premium, factor in ((in_house_share, 0.0, 1.0),
                                   (stopgap_share, terms.emergency_premium, terms.stopgap_quality)):
        if share <= 0.0:
            continue
        volume = slot.funded * share
        cost = stopgap_cost(unit_cost, premium, value, volume)
        council.spend_quarter += cost
        slot.spend += cost
        model.flows.social_value += social_rate * cost
        slot.delivered_value += value * volume
        slot.delivered_quality += quality * factor * value * volume
    if stopgap_share > 0.0:
        slot.disrupted += stopgap_share * slot.weight


# --- the quarter's state, read by name ---------------------------------------------------------
class _Columns:
    """Columns of one table of the quarter, built from rows of floats; ``FLAGS`` columns become
    booleans."""

    FLAGS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_rows(cls, rows: Iterable[tuple], n: int):
        """The table from ``n`` rows of floats, one entry per column in the order declared (each
        column a view of one flat array: :func:`~partnering.model.lot_book.float_table`)."""
        names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
        columns = dict(zip(names, float_table(rows, n, len(names)).T, strict=True))
        for name in cls.FLAGS:
            columns[name] = columns[name] > 0.0
        return cls(**columns)


@dataclass(frozen=True, slots=True)
class Lots:
    """One row per lot of a live contract, in contract order."""

    contract: np.ndarray
    provider: np.ndarray
    council: np.ndarray
    need: np.ndarray
    """Funded need the lot covers, as a volume index."""
    held: np.ndarray
    """The council's trust in the provider as the quarter opens."""
    felt: np.ndarray
    """The provider's trust in the council as the quarter opens."""
    # what stays the same while the contract's supply chain does (``lot_book.FixedRows.lot_columns``)
    place: np.ndarray
    """The council's place (integers)."""
    base_volume: np.ndarray
    localness: np.ndarray
    local_knowledge: np.ndarray
    value: np.ndarray
    """£m a year of the lot's position at the starting demand (a unit of volume is a quarter of it)."""


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """One row per live contract: who, what, and the terms it runs on."""

    provider: np.ndarray
    lead: np.ndarray
    lead_place: np.ndarray
    """The lead council's place (integers)."""
    trust: np.ndarray
    """Mean trust of its councils in the provider."""
    trust_in_council: np.ndarray
    """Mean trust of the provider in its councils."""
    lots: np.ndarray
    unit_cost: np.ndarray
    measurability: np.ndarray
    subcontracted: np.ndarray
    """Share of delivery its subcontractors carry."""
    win_probability: np.ndarray
    """The provider's belief about its chance of winning in the contract's line and region."""
    capability: np.ndarray
    """The provider's capability in the contract's line."""
    strain: np.ndarray
    """The provider's capacity strain in the contract's line."""
    monitoring: np.ndarray
    learning: np.ndarray
    remaining: np.ndarray
    has_break: np.ndarray
    # the contract's own fields, read by ``lot_book.fixed_rows``
    unit_price: np.ndarray
    target_unit_cost: np.ndarray
    flex: np.ndarray
    risk_share: np.ndarray
    penalty_rate: np.ndarray
    length: np.ndarray
    open_book: np.ndarray
    grant: np.ndarray
    FLAGS: ClassVar[tuple[str, ...]] = ("has_break", "open_book", "grant")


@dataclass(frozen=True, slots=True)
class Providers(_Columns):
    """One row per provider holding a live contract, in order of first appearance."""

    opportunism: np.ndarray
    stress: np.ndarray
    cuts_corners: np.ndarray
    social_rate_home: np.ndarray
    social_rate_away: np.ndarray
    place: np.ndarray
    FLAGS: ClassVar[tuple[str, ...]] = ("cuts_corners",)


@dataclass(frozen=True, slots=True)
class Councils(_Columns):
    """One row per council with a live contract, in order of first appearance."""

    capability: np.ndarray
    codesign: np.ndarray
    late_payment: np.ndarray
    reliance: np.ndarray
    perception_noise: np.ndarray
    renewal_weight: np.ndarray
    FLAGS: ClassVar[tuple[str, ...]] = ("late_payment",)


@dataclass(frozen=True, slots=True)
class Quarter:
    """The quarter's tables and the agents behind their rows."""

    contracts: list[Contract]
    terms: ContractTerms
    lots: Lots
    lot_slots: list[ServiceSlot]
    lot_providers: list[Provider]
    providers: list[Provider]
    provider_rows: Providers
    councils: list[Council]
    council_rows: Councils


_TERMS_MOVING = ("unit_cost", "win_probability", "capability", "strain")
"""The columns of :class:`ContractTerms` read from the provider's standing each quarter."""
_FUNDED, _MONITORING, _LEARNING = attrgetter("funded"), attrgetter("monitoring"), attrgetter("learning")


def gather(model: PartneringModel, contracts: list[Contract]) -> Quarter:
    """Read what the quarter opens with: a row per provider, per council, per contract, per lot.

    What does not change while a contract's supply chain stays the same is kept in the
    :class:`LotBook` from one quarter to the next; each quarter Python reads only what moves
    (funded need, trust both ways, the provider's standing, monitoring, learning), and what
    follows from those readings (rows of providers and councils, each contract's mean trust and
    lead council, each lot's contract and provider) is worked out in numpy.
    """
    cfg = model.config
    prior = cfg.trust.prior
    market_bids, initial_bids = model.market_bids, cfg.procurement.initial_bidders
    book = model.lot_book = LotBook.of(contracts, model.region_of, model.lot_book)
    n, counts = len(contracts), book.counts
    n_lot_rows = len(book.lot_slots)
    lot_contract = book.lot_contract
    # rows numbered in order of first appearance: providers by contract, councils by lot
    prows, provider_first = first_appearance(book.provider_ids)
    lot_councils, lot_pids = book.lot_councils, book.provider_ids[lot_contract].tolist()
    crows, council_first = first_appearance(book.lot_council_ids)
    providers = [contracts[i].provider for i in provider_first.tolist()]
    councils = [lot_councils[i] for i in council_first.tolist()]
    lot_providers = [providers[p] for p in prows[lot_contract].tolist()]
    held = [council.trust.get(pid, prior) for council, pid in zip(lot_councils, lot_pids, strict=True)]
    felt = [provider.trust_in_council.get(cid, prior)
            for provider, cid in zip(lot_providers, book.lot_council_ids.tolist(), strict=True)]
    fixed_lots = dict(zip(LOT_FIXED, book.lot_columns.T, strict=True))
    lot_table = Lots(contract=lot_contract, provider=prows[lot_contract], council=crows,
                     need=np.fromiter(map(_FUNDED, book.lot_slots), dtype=float, count=n_lot_rows) * fixed_lots["share"],
                     held=np.array(held, dtype=float), felt=np.array(felt, dtype=float),
                     place=fixed_lots["place"].astype(np.intp), base_volume=fixed_lots["base_volume"],
                     localness=fixed_lots["localness"], local_knowledge=fixed_lots["local_knowledge"],
                     value=fixed_lots["value"])
    standing: dict[tuple[int, str, int], tuple[float, float, float, float]] = {}
    moving_terms = []
    for contract, fixed in zip(contracts, book.fixed, strict=True):
        key = fixed.standing_key
        known = standing.get(key)
        if known is None:
            known = standing[key] = _standing(contract.provider, contract.service, key[2], market_bids, initial_bids)
        moving_terms.append(known)
    moving = dict(zip(_TERMS_MOVING, float_table(moving_terms, n, len(_TERMS_MOVING)).T, strict=True))
    columns = dict(zip(TERMS_FIXED, book.terms.T, strict=True))
    for name in ContractTerms.FLAGS:
        columns[name] = columns[name] > 0.0
    expiry = columns.pop("expiry")
    n_lots = counts.astype(float)
    first_lot = book.first_lot
    terms = ContractTerms(
        provider=prows, lead=crows[first_lot], lead_place=lot_table.place[first_lot], lots=n_lots,
        trust=np.bincount(lot_contract, lot_table.held, n) / n_lots,  # summed in lot order, as one by one
        trust_in_council=np.bincount(lot_contract, lot_table.felt, n) / n_lots,
        monitoring=np.fromiter(map(_MONITORING, contracts), dtype=float, count=n),
        learning=np.fromiter(map(_LEARNING, contracts), dtype=float, count=n),
        remaining=np.maximum(expiry - model.now, 0.0), **moving, **columns)
    measured = cfg.policy.social_value_in_contracts
    sv = cfg.social_value
    provider_rows = Providers.from_rows([
        (p.opportunism, p.financial_stress(), p.cuts_corners,
         social_value_rate(p.kind, True, p.accredited, measured, sv),
         social_value_rate(p.kind, False, p.accredited, measured, sv),
         -1 if p.place is None else p.place) for p in providers], len(providers))
    codesign = cfg.delivery.codesign_fit
    council_rows = Councils.from_rows([
        (c.commercial_capability, codesign * c.steering_strength, c.late_payment, c.reliance_on_self_reports(),
         c.perception_noise(), c.renewal_weight()) for c in councils], len(councils))
    return Quarter(contracts, terms, lot_table, book.lot_slots, lot_providers, providers, provider_rows, councils,
                   council_rows)


def _standing(provider: Provider, service: ServiceSpec, region: int, market_bids: dict[tuple[str, int], float],
              initial_bids: float) -> tuple[float, float, float, float]:
    """A provider's unit cost, belief about winning, capability and capacity strain in a service
    in a region: fixed within the quarter, so read once for all its contracts there."""
    line = service.market
    market = (line, region)
    belief = provider.win_probability(line, market_bids.get(market, initial_bids)) if provider.kind != "vcse" else 0.0
    return provider.unit_cost(service), belief, provider.lines[line].capability, provider.strain(line)


def deliver_contracts(model: PartneringModel, contracts: list[Contract]) -> None:
    """Deliver one quarter of every contract in ``contracts`` (in the order they started)."""
    if not contracts:
        return
    cfg = model.config
    b, d = cfg.behaviour, cfg.delivery
    q = gather(model, contracts)
    t, lots, pr, cr = q.terms, q.lots, q.provider_rows, q.council_rows
    n = len(contracts)
    ci, lc, lp = lots.contract, lots.council, lots.provider
    opportunism = pr.opportunism[t.provider]
    capability = np.bincount(ci, cr.capability[lc], n) / t.lots
    local = pr.place[lp] == lots.place
    social_rate = np.where(local, pr.social_rate_home[lp], pr.social_rate_away[lp])

    # --- volumes, cost and what is due, lot by lot ----------------------------------------------
    lot_flex, lot_value = t.flex[ci], lots.value / QUARTERS_PER_YEAR
    vol = delivery.lot_volumes(lots.need, lots.base_volume, lot_flex, d.variation_uptake)
    slack = np.where(t.open_book, d.open_book_cost_slack * (1.0 - t.risk_share), 0.0)
    cost = t.unit_cost[ci] * lot_value * (vol.delivered + d.idle_cost_share * vol.idle) * (1.0 + slack[ci])
    target = t.target_unit_cost[ci] * lot_value * (vol.contracted + vol.variation)
    due = t.unit_price[ci] * lot_value * (vol.contracted + vol.variation * (1.0 + d.variation_premium))
    cost_full = np.bincount(ci, cost, n)
    payment_due = np.bincount(ci, due, n)

    # --- 1. effort: each supplier weighs temptation against deterrence --------------------------
    detection = delivery.detection_probability(t.monitoring, t.measurability, capability, t.open_book, d)
    trust_drop = b.shirk_detected_trust_loss * t.trust
    renewal_at_risk = t.win_probability * np.minimum(
        1.0, cr.renewal_weight[t.lead] * trust_drop / d.renewal_trust_scale)
    situation = EffortSituation(
        profit=payment_due - cost_full, saving=b.corner_cut_saving * cost_full, penalty=t.penalty_rate * payment_due,
        remaining=t.remaining, next_term=t.length, renewal_at_risk=renewal_at_risk,
        break_risk=(t.has_break & (t.trust - trust_drop < cfg.trust.break_level)).astype(float),
        detection=detection, opportunism=opportunism, stress=pr.stress[t.provider],
        trust_in_council=t.trust_in_council, cuts_corners=pr.cuts_corners[t.provider])
    draws = model.rng.random((2, n))
    shirk = choose_effort(situation, draws[0], d)
    detected = shirk & (draws[1] < detection)
    false_alarm = ~shirk & (draws[1] < delivery.false_alarm_probability(capability, t.monitoring, d.false_alarm_rate))

    # --- 2. payment: quality, cost and what is paid under each contract's terms ------------------
    effort = np.where(shirk, 1.0 - b.corner_cut_quality_loss, 1.0)
    # caught cutting corners, the supplier must put the work right at its own expense
    cost_factor = np.where(shirk & ~detected, 1.0 - b.corner_cut_saving, 1.0)
    penalty_factor = np.where(detected | false_alarm, np.maximum(0.0, 1.0 - t.penalty_rate), 1.0)
    penalty_proportionate = np.where(false_alarm, 0.0, np.where(detected, 1.0 - d.penalty_fairness * t.penalty_rate,
                                                                1.0))
    fit = delivery.service_fit(lots.local_knowledge, lots.localness, cr.codesign[lc], d.local_fit_loss)
    quality_capability = delivery.capability_with_learning(t.capability, t.learning)
    lot_capability, lot_strain, lot_shirk = quality_capability[ci], t.strain[ci], shirk[ci]
    quality = delivery.delivered_quality(lot_capability, effort[ci], fit, lot_strain)
    actual_cost = cost * cost_factor[ci]
    payment = delivery.contract_payment(t.unit_price[ci], lot_value * vol.contracted, lot_value * vol.variation,
                                        d.variation_premium, t.open_book[ci], t.risk_share[ci], actual_cost, target)
    payment = payment * penalty_factor[ci]
    reported = np.where(lot_shirk, delivery.delivered_quality(lot_capability, 1.0, fit, lot_strain), quality)
    observed = delivery.assessed_quality(quality, reported, cr.reliance[lc], cr.perception_noise[lc],
                                         model.rng.standard_normal(len(ci)))
    safe_payment = np.maximum(payment, _TINY_PAYMENT)
    loss = np.maximum(0.0, actual_cost - payment) / safe_payment
    changed = (vol.variation > 0.0) | (vol.idle > 0.0)
    fairness = fair_treatment(~cr.late_payment[lc],
                              lot_flex + (1.0 - lot_flex) * np.where(changed, d.rigid_change_fairness, 1.0),
                              penalty_proportionate[ci], np.minimum(1.0, d.loss_sensitivity * loss * t.risk_share[ci]))
    margin = (payment - actual_cost) / safe_payment
    monitoring_cost = cfg.commissioning.monitoring_cost * t.monitoring[ci] * payment
    delivered_value = lot_value * vol.delivered
    kept = payment * (1.0 - t.subcontracted[ci])
    total_payment = np.bincount(ci, payment, n)
    total_cost = np.bincount(ci, actual_cost, n)

    # --- 3. books: money moves council to provider, and down its supply chain --------------------
    _book_payments(model, q, payment, actual_cost, monitoring_cost, kept, social_rate, total_payment, total_cost)

    # --- 4. beliefs and records --------------------------------------------------------------------
    _update_beliefs(model, q, observed, fairness, detected[ci], payment, delivered_value, quality, margin)
    last_quality = np.bincount(ci, quality, n) / t.lots
    memory = d.quality_memory
    for contract, lq, paid, spent, cut, caught in zip(contracts, last_quality.tolist(), total_payment.tolist(),
                                                      total_cost.tolist(), shirk.tolist(), detected.tolist(),
                                                      strict=True):
        contract.last_quality = lq
        contract.quality_ewma = smooth(contract.quality_ewma, lq, memory)
        contract.last_payment = paid
        contract.last_cost = spent
        contract.revenue_total += paid
        contract.cost_total += spent
        contract.quarters_shirked += cut
        contract.shirked_now = cut
        contract.times_detected += caught


def _book_payments(model: PartneringModel, q: Quarter, payment: np.ndarray, actual_cost: np.ndarray,
                   monitoring_cost: np.ndarray, kept: np.ndarray, social_rate: np.ndarray,
                   total_payment: np.ndarray, total_cost: np.ndarray) -> None:
    """Pay every lot, charge every delivery cost, pass work and pay down supply chains, and book
    the quarter's flows.

    Councils' payments and providers' receipts are added up separately, each from its own side of
    the ledger. A subcontractor does its share of the work at its own cost now and earns its share
    of the payment now; it is paid in cash ``supply_chain.lag_quarters`` later, so meanwhile its
    prime owes it (``owed_to_others`` and ``owed_to_it``).
    """
    cfg = model.config
    lots, providers, councils = q.lots, q.providers, q.councils
    lot_council, lot_provider = lots.council, lots.provider
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
    flows = model.flows
    by_kind, indirect = flows.spend_by_kind, flows.indirect_by_kind
    sv = cfg.social_value
    measured = cfg.policy.social_value_in_contracts
    lag = cfg.supply_chain.lag_quarters
    passed_social = 0.0
    contract_paid, contract_cost, lead_place = total_payment.tolist(), total_cost.tolist(), q.terms.lead_place.tolist()
    for i in np.flatnonzero(q.terms.subcontracted > 0.0).tolist():
        contract = q.contracts[i]
        prime = contract.provider
        place = lead_place[i]
        paid_in, cost_of = contract_paid[i], contract_cost[i]
        for record in contract.subcontracts:
            sub = record.provider
            transfer = record.share * paid_in
            work = record.share * cost_of
            prime.cash += work  # the sub bears its share of the cost ...
            prime.cost_quarter -= work
            prime.revenue_quarter -= transfer  # ... and earns its share of the payment
            sub.cash -= work
            sub.cost_quarter += work
            sub.revenue_quarter += transfer
            due = settle_arrears(record.owed, transfer, lag)  # paid in arrears
            prime.cash -= due
            sub.cash += due
            record.paid_total += due
            prime.owed_to_others += transfer - due
            sub.owed_to_it += transfer - due
            indirect[sub.kind] = indirect.get(sub.kind, 0.0) + transfer
            passed_social += transfer * social_value_rate(sub.kind, sub.place == place, sub.accredited, measured, sv)
    kept_by_provider = np.bincount(lot_provider, kept, n_providers).tolist()
    for provider, amount in zip(providers, kept_by_provider, strict=True):
        by_kind[provider.kind] = by_kind.get(provider.kind, 0.0) + amount
    for kind, amount in indirect.items():
        by_kind[kind] = by_kind.get(kind, 0.0) + amount
    flows.social_value += float((social_rate * kept).sum()) + passed_social
    flows.contract_payments += total
    flows.monitoring += float(monitoring_cost.sum())
    firms = ~q.terms.grant
    flows.firm_revenue += float(total_payment[firms].sum())
    flows.firm_margin += float((total_payment - total_cost)[firms].sum())


def _update_beliefs(model: PartneringModel, q: Quarter, observed: np.ndarray, fairness: np.ndarray,
                    lot_detected: np.ndarray, payment: np.ndarray, delivered_value: np.ndarray,
                    quality: np.ndarray, margin: np.ndarray) -> None:
    """Trust both ways, the slots' observations and each place's running margin.

    Trust moves from the level the quarter opened with. Where a council and a provider meet in
    one lot only, that is the whole update, computed for all such lots at once; where they meet
    in several, the updates follow one another in contract order.
    """
    cfg = model.config
    b = cfg.behaviour
    lots = q.lots
    gain, loss_rate, detected_loss = b.trust_gain_rate, b.trust_loss_rate, b.shirk_detected_trust_loss
    prior = cfg.trust.prior
    held = update_trust(lots.held, observed, gain, loss_rate)
    held = np.where(lot_detected, after_detected_shirking(held, detected_loss), held)
    felt = update_trust(lots.felt, fairness, gain, loss_rate)
    _, pair, meetings = np.unique(lots.council * len(q.providers) + lots.provider, return_inverse=True,
                                  return_counts=True)
    repeated = meetings[pair] > 1
    place_margin = model.place_margin
    margin_memory = cfg.delivery.place_margin_memory
    for slot, provider, spend, dv, lq, lot_margin, again, new_held, new_felt, seen, fair, was_detected in zip(
            q.lot_slots, q.lot_providers, payment.tolist(), delivered_value.tolist(), quality.tolist(),
            margin.tolist(), repeated.tolist(), held.tolist(), felt.tolist(), observed.tolist(), fairness.tolist(),
            lot_detected.tolist(), strict=True):
        slot.spend += spend
        slot.delivered_value += dv
        slot.delivered_quality += lq * dv
        council = slot.council
        pid, cid = provider.unique_id, council.unique_id
        if again:
            trust = update_trust(council.trust.get(pid, prior), seen, gain, loss_rate)
            council.trust[pid] = after_detected_shirking(trust, detected_loss) if was_detected else trust
            provider.trust_in_council[cid] = update_trust(provider.trust_in_council.get(cid, prior), fair, gain,
                                                          loss_rate)
        else:
            council.trust[pid] = new_held
            provider.trust_in_council[cid] = new_felt
        key = (council.place, slot.service.market)
        place_margin[key] = smooth(place_margin[key], lot_margin, margin_memory)
