"""Model-level metrics (MODEL.md section 6): pure functions of the model's state.

Every reporter reads the state the step left behind and changes nothing. The aggregates that
several reporters share are computed in one pass per observation (:func:`summary`), so data
collection stays cheap. Each metric's label, unit, direction and meaning are declared in
:mod:`partnering.model.catalogue`; the column names are the public schema of every results file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from partnering.model.catalogue import CATALOGUE, REQUIRED_COLUMNS  # noqa: F401  (re-exported)
from partnering.model.network import average_clustering
from partnering.rules.make_or_buy import CIRCUMSTANCES, INTENTIONS, MODES

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel

@dataclass
class Summary:
    """Aggregates of one observation, shared by the reporters."""

    need: float = 0.0
    delivered: float = 0.0
    quality: float = 0.0
    unmet: float = 0.0
    disrupted: float = 0.0
    delivery_spend: float = 0.0
    overhead: float = 0.0
    social_value: float = 0.0
    spend_by_kind: dict[str, float] = field(default_factory=lambda: {"large": 0.0, "sme": 0.0, "vcse": 0.0})
    indirect_by_kind: dict[str, float] = field(default_factory=lambda: {"large": 0.0, "sme": 0.0, "vcse": 0.0})
    value_by_supplier: dict[int, float] = field(default_factory=dict)
    value_by_market: dict[tuple[str, int], dict[int, float]] = field(default_factory=dict)
    """£m a year of live contracts by relevant market (line, region), then by provider."""
    contract_value: float = 0.0
    """£m a year of every live contract and grant."""
    local_value: float = 0.0
    """£m a year of it delivered by providers based in the council's own place, as primes or subcontractors."""
    trust_cs: list[float] = field(default_factory=list)
    trust_sc: list[float] = field(default_factory=list)
    trusting: int = 0
    trusting_ties: list[tuple[int, int]] = field(default_factory=list)
    """(council, provider) of each trusting relationship, in the order of ``network.trust_ties``."""
    revenue: float = 0.0
    margin: float = 0.0
    contracts: int = 0
    shirking: int = 0
    abused: int = 0
    monitoring: float = 0.0
    contract_payments: float = 0.0
    modes: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MODES, 0.0))
    """Value (in services: a position counts its share of its service) delivered in each mode."""


def summary(model: PartneringModel) -> Summary:
    """All shared aggregates, computed once per observation."""
    cached = model.summary_cache
    if cached is not None and cached[0] == model.observation:
        return cached[1]
    flows = model.flows
    s = Summary(spend_by_kind=dict(flows.spend_by_kind), indirect_by_kind=dict(flows.indirect_by_kind),
                social_value=flows.social_value,
                revenue=flows.firm_revenue, margin=flows.firm_margin, monitoring=flows.monitoring,
                contract_payments=flows.contract_payments)
    # accumulated in locals and stored once: the same additions in the same order, without an
    # attribute write per slot and per contract
    overhead = need = delivered = quality = unmet = disrupted = delivery_spend = 0.0
    modes = s.modes
    for council in model.councils:
        overhead += council.overhead_quarter
        for slot in council.slots:
            need += slot.need_value
            delivered += slot.delivered_value
            quality += slot.delivered_quality
            unmet += slot.unmet_value
            disrupted += slot.disrupted
            delivery_spend += slot.spend
            modes[slot.mode] += slot.weight
    s.overhead, s.need, s.delivered, s.quality = overhead, need, delivered, quality
    s.unmet, s.disrupted, s.delivery_spend = unmet, disrupted, delivery_spend
    value_by_supplier, by_market = s.value_by_supplier, s.value_by_market
    region_of = model.region_of
    add_cs, add_sc, add_tie = s.trust_cs.append, s.trust_sc.append, s.trusting_ties.append
    contracts = shirking = trusting = abused = 0
    prior, trusting_level = model.config.trust.prior, model.config.trust.trusting
    contract_value = local_value = 0.0
    for c in model.live_contracts():
        value = c.annual_value
        councils = c.councils
        place = councils[0].place  # the lead council's
        provider = c.provider
        contract_value += value
        subs = c.subcontracts
        if subs:
            local_value += value * sum([r.share for r in subs if r.provider.place == place])
            if provider.place == place:  # its own part: all but the subcontracted share
                local_value += value * (1.0 - c.subcontracted_share)
        elif provider.place == place:
            local_value += value
        if c.grant:
            continue
        pid = provider.unique_id
        value_by_supplier[pid] = value_by_supplier.get(pid, 0.0) + value
        key = (c.service.market, region_of[place])
        market = by_market.get(key)
        if market is None:
            market = by_market[key] = {}
        market[pid] = market.get(pid, 0.0) + value
        contracts += 1
        shirked = c.shirked_now
        if shirked:
            shirking += 1
        trust_in_council = provider.trust_in_council
        for council in councils:
            cid = council.unique_id
            t_cs = council.trust.get(pid, prior)
            t_sc = trust_in_council.get(cid, prior)
            add_cs(t_cs)
            add_sc(t_sc)
            if t_cs >= trusting_level:
                if t_sc >= trusting_level:
                    trusting += 1
                    add_tie((cid, pid))
                if shirked:
                    abused += 1
    s.contracts, s.shirking, s.trusting, s.abused = contracts, shirking, trusting, abused
    s.contract_value, s.local_value = contract_value, local_value
    model.summary_cache = (model.observation, s)
    return s


def _ratio(num: float, den: float, default: float = 0.0) -> float:
    return num / den if den > 0 else default


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


# --- outcomes --------------------------------------------------------------------------------
def service_quality(m: PartneringModel) -> float:
    """Quality of the service delivered this quarter, weighted by the value of need each part met,
    in [0, 1] (need left unmet is measured by ``unmet_need``)."""
    s = summary(m)
    return _ratio(s.quality, s.delivered)


def unmet_need(m: PartneringModel) -> float:
    """Share of need (by value) not delivered this quarter, in [0, 1]."""
    s = summary(m)
    return min(1.0, _ratio(s.unmet, s.need))


def disruption(m: PartneringModel) -> float:
    """Service-quarters without a working provider this quarter (stop-gap shares count)."""
    return summary(m).disrupted


def total_spend(m: PartneringModel) -> float:
    """£m spent by all councils this quarter: delivery plus procurement and management overhead."""
    s = summary(m)
    return s.delivery_spend + s.overhead


def value_for_money(m: PartneringModel) -> float:
    """£ spent per £ of quality-weighted service delivered (cost per unit of quality; lower is better)."""
    s = summary(m)
    return _ratio(s.delivery_spend + s.overhead, s.quality)


def overhead(m: PartneringModel) -> float:
    """£m of procurement, contract-management, training and transition cost this quarter."""
    return summary(m).overhead


def social_value(m: PartneringModel) -> float:
    """£m-equivalent social value generated this quarter (local spend, jobs, volunteering)."""
    return summary(m).social_value


# --- trust -----------------------------------------------------------------------------------
def trust_council_supplier(m: PartneringModel) -> float:
    """Mean council->supplier trust over live contractual relationships."""
    return _mean(summary(m).trust_cs, m.config.trust.prior)


def trust_supplier_council(m: PartneringModel) -> float:
    """Mean supplier->council trust over live contractual relationships."""
    return _mean(summary(m).trust_sc, m.config.trust.prior)


def public_trust(m: PartneringModel) -> float:
    """Mean public trust in councils."""
    return _mean([c.public_trust for c in m.councils], m.config.trust.prior)


def trust_density(m: PartneringModel) -> float:
    """Share of live council-supplier relationships that are trusting both ways (>= 0.6)."""
    s = summary(m)
    return _ratio(s.trusting, len(s.trust_cs))


def trust_clustering(m: PartneringModel) -> float:
    """Average clustering of the trust network (trusting ties plus co-commissioning links)."""
    # the trusting ties the summary found, then the partner links: the edges of trust_ties, in
    # its order, without a second pass over the contracts
    partner_links = [(c.unique_id, other) for c in m.councils for other in c.partners]
    return average_clustering(summary(m).trusting_ties + partner_links)


# --- market health ---------------------------------------------------------------------------
def _supplier_values(m: PartneringModel) -> list[float]:
    return sorted(summary(m).value_by_supplier.values(), reverse=True)


def _hhi(values) -> float:
    total = sum(values)
    return sum((100.0 * v / total) ** 2 for v in values) if total > 0 else 0.0


def hhi(m: PartneringModel) -> float:
    """Herfindahl-Hirschman index of outsourced contract value across the whole market, 0 to 10,000."""
    return _hhi(_supplier_values(m))


def hhi_markets(m: PartneringModel) -> float:
    """HHI within each relevant market (service line x region), averaged weighted by the markets'
    contract value: concentration as competition authorities read it."""
    markets = summary(m).value_by_market
    total = sum(sum(v.values()) for v in markets.values())
    return _ratio(sum(sum(v.values()) * _hhi(list(v.values())) for v in markets.values()), total)


def bidders_per_market(m: PartneringModel) -> float:
    """Distinct firms and groups that bid in each relevant market over the last four quarters,
    averaged weighted by the markets' contract value."""
    bidders: dict[tuple[str, int], set[int]] = {}
    for t in m.recent_tenders:
        bidders.setdefault((t.line, t.region), set()).update(t.bidders)
    markets = summary(m).value_by_market
    total = sum(sum(v.values()) for v in markets.values())
    return _ratio(sum(sum(v.values()) * len(bidders.get(key, ())) for key, v in markets.items()), total)


def active_suppliers(m: PartneringModel) -> float:
    """Firms (large suppliers and SMEs) trading in the market."""
    return float(len(m.large_suppliers) + sum(len(x) for x in m.smes_by_place))


def suppliers_with_contracts(m: PartneringModel) -> float:
    """Firms holding at least one live contract."""
    return float(len(summary(m).value_by_supplier))


def _spend_share(m: PartneringModel, kind: str, part: str = "all") -> float:
    s = summary(m)
    spend, indirect = s.spend_by_kind, s.indirect_by_kind
    earned = {"all": spend.get(kind, 0.0), "indirect": indirect.get(kind, 0.0),
              "direct": spend.get(kind, 0.0) - indirect.get(kind, 0.0)}[part]
    return _ratio(earned, sum(spend.values()))


def sme_share(m: PartneringModel) -> float:
    """SME share of councils' external spend this quarter, direct and through supply chains."""
    return _spend_share(m, "sme")


def vcse_share(m: PartneringModel) -> float:
    """VCSE share of councils' external spend (contracts, grants and subcontracts)."""
    return _spend_share(m, "vcse")


def bids_per_tender(m: PartneringModel) -> float:
    """Mean bids per tender over the last four quarters."""
    tenders = m.recent_tenders
    return _ratio(sum(t.bids for t in tenders), len(tenders))


def single_bid_share(m: PartneringModel) -> float:
    """Of the tenders in the last four quarters that drew a bid, the share that drew one."""
    awarded = [t for t in m.recent_tenders if t.bids > 0]
    return _ratio(sum(t.bids == 1 for t in awarded), len(awarded))


def no_bid_share(m: PartneringModel) -> float:
    """Share of tenders in the last four quarters that drew no bid."""
    tenders = m.recent_tenders
    return _ratio(sum(t.bids == 0 for t in tenders), len(tenders))


def one_bid_share(m: PartneringModel) -> float:
    """Share of tenders in the last four quarters that drew exactly one bid."""
    tenders = m.recent_tenders
    return _ratio(sum(t.bids == 1 for t in tenders), len(tenders))


def supplier_failures(m: PartneringModel) -> float:
    """Firms that have failed since the start (cumulative)."""
    return float(m.supplier_failures)


def supplier_entries(m: PartneringModel) -> float:
    """Firms that have entered since the start (cumulative)."""
    return float(m.supplier_entries)


def mean_margin(m: PartneringModel) -> float:
    """Revenue-weighted margin firms realised on their contracts this quarter (before overheads)."""
    s = summary(m)
    return _ratio(s.margin, s.revenue)


def distressed_share(m: PartneringModel) -> float:
    """Share of firms drawing on credit (cash below zero)."""
    firms = m.suppliers
    return _ratio(sum(f.is_distressed() for f in firms), len(firms))


TOP_FIRMS = 5
"""The top-five share's five: part of the metric's definition."""


def top5_share(m: PartneringModel) -> float:
    """Share of outsourced contract value held by the five largest firms."""
    values = _supplier_values(m)
    return _ratio(sum(values[:TOP_FIRMS]), sum(values))


def shirking_share(m: PartneringModel) -> float:
    """Share of live contracts on which the provider cut corners this quarter."""
    s = summary(m)
    return _ratio(s.shirking, s.contracts)


def abused_trust(m: PartneringModel) -> float:
    """Share of live council-supplier relationships where the council trusts the supplier
    (>= 0.6) and the supplier cut corners this quarter: trust being exploited."""
    s = summary(m)
    return _ratio(s.abused, len(s.trust_cs))


def monitoring_cost(m: PartneringModel) -> float:
    """£ of contract monitoring per £ paid under contracts and grants this quarter."""
    s = summary(m)
    return _ratio(s.monitoring, s.contract_payments)


def commercial_capability(m: PartneringModel) -> float:
    """Mean commercial capability of councils."""
    return _mean([c.commercial_capability for c in m.councils], 0.0)


# --- modes and intentions --------------------------------------------------------------------
def _mode_share(m: PartneringModel, mode: str) -> float:
    modes = summary(m).modes
    return _ratio(modes[mode], sum(modes.values()))


def _intention_share(m: PartneringModel, answer: str) -> float:
    return _ratio(sum(c.intention == answer for c in m.councils), len(m.councils))


def _insourced(reason: str) -> Callable[[PartneringModel], float]:
    def reporter(m: PartneringModel) -> float:
        return float(m.insourcing_by_reason[reason])

    reporter.__doc__ = f"Insourcing decisions so far whose main reason was: {reason}."
    return reporter


_REPORTERS: dict[str, Callable[[PartneringModel], float]] = {
    "service_quality": service_quality,
    "unmet_need": unmet_need,
    "disruption": disruption,
    "total_spend": total_spend,
    "value_for_money": value_for_money,
    "overhead": overhead,
    "social_value": social_value,
    "trust_council_supplier": trust_council_supplier,
    "trust_supplier_council": trust_supplier_council,
    "public_trust": public_trust,
    "trust_density": trust_density,
    "hhi": hhi,
    "active_suppliers": active_suppliers,
    "sme_share": sme_share,
    "vcse_share": vcse_share,
    "sme_share_direct": lambda m: _spend_share(m, "sme", "direct"),
    "sme_share_indirect": lambda m: _spend_share(m, "sme", "indirect"),
    "vcse_share_direct": lambda m: _spend_share(m, "vcse", "direct"),
    "vcse_share_indirect": lambda m: _spend_share(m, "vcse", "indirect"),
    "hhi_markets": hhi_markets,
    "bidders_per_market": bidders_per_market,
    "no_bid_share": no_bid_share,
    "one_bid_share": one_bid_share,
    "uncontested_share": lambda m: no_bid_share(m) + one_bid_share(m),
    "subcontractor_failures": lambda m: float(m.subcontractor_failures),
    "local_share": lambda m: _ratio(summary(m).local_value, summary(m).contract_value),
    "bids_per_tender": bids_per_tender,
    "single_bid_share": single_bid_share,
    "supplier_failures": supplier_failures,
    "supplier_entries": supplier_entries,
    "mean_margin": mean_margin,
    "distressed_share": distressed_share,
    "top5_share": top5_share,
    "trust_clustering": trust_clustering,
    "suppliers_with_contracts": suppliers_with_contracts,
    "shirking_share": shirking_share,
    "abused_trust": abused_trust,
    "monitoring_cost": monitoring_cost,
    "commercial_capability": commercial_capability,
    **{f"share_{mode}": (lambda m, mode=mode: _mode_share(m, mode)) for mode in MODES},
    **{f"intend_{answer}": (lambda m, answer=answer: _intention_share(m, answer)) for answer in INTENTIONS},
    **{column: _insourced(reason) for column, reason in zip(
        ("insourced_market", "insourced_flexibility", "insourced_skills", "insourced_integration"), CIRCUMSTANCES,
        strict=True)},
}

if set(_REPORTERS) != set(CATALOGUE):  # a metric declared without a reporter, or the reverse
    raise ImportError(f"metric catalogue and reporters differ: {sorted(set(_REPORTERS) ^ set(CATALOGUE))}")

MODEL_REPORTERS: dict[str, Callable[[PartneringModel], float]] = {name: _REPORTERS[name] for name in CATALOGUE}
"""What the DataCollector records: every catalogued metric, in catalogue order."""
