"""Providers: anything that can hold a contract. Suppliers bid, price, choose effort and learn.

``Provider`` holds what every deliverer shares: the service lines it is active in, with its
capacity, capability and unit cost in each; its cash and what it is owed and owes along supply
chains; its trust in councils. ``Supplier`` adds the commercial decisions of bidders;
``LargeSupplier`` and ``SME`` differ in footprint, scale economies, local knowledge, cash
buffers and the weight of bidding costs. Community groups bid too (:mod:`partnering.agents.community`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from partnering.rules import delivery, finance, procurement
from partnering.rules.records import Contract, Subcontract
from partnering.rules.social_value import large_supplier_offer, sme_offer
from partnering.scenarios.mechanisms import Delivery
from partnering.scenarios.schema import ServiceSpec


@dataclass(slots=True)
class LineAbility:
    """What a provider brings to one service line."""

    capacity: float
    """£m a year it can deliver in the line."""
    capability: float
    """Delivery capability in the line, in [0, 1]."""
    cost_efficiency: float
    """Unit cost in the line before scale economies (1 = the base cost a unit of value represents)."""
    load: float = 0.0
    """£m a year it is contracted to deliver in the line (its own part and its subcontracts)."""

    @property
    def free(self) -> float:
        return self.capacity - self.load


class Provider(mesa.Agent):
    """A deliverer of services under contract: supplier firm or community group."""

    kind: str = "provider"
    small: bool = False
    cuts_corners: bool = False
    """Whether it weighs cutting corners for gain each quarter (firms do: see
    :func:`choose_effort`)."""
    # Attributes in slots rather than a per-instance dict: thousands of providers are read and
    # written every quarter, and slot access is markedly faster. Mesa's own model, unique_id and
    # pos are slotted too, so a provider has no instance dict at all.
    __slots__ = (
        "accredited",
        "active",
        "capacity",
        "cash",
        "contracts",
        "cost_quarter",
        "lines",
        "load",
        "lost_to_failures",
        "margin",
        "model",
        "name",
        "opportunism",
        "owed_to_it",
        "owed_to_others",
        "place",
        "pos",
        "regions",
        "revenue_quarter",
        "subcontracts",
        "trust_in_council",
        "unique_id",
    )

    def __init__(self, model: mesa.Model, name: str, lines: dict[str, LineAbility], cash: float, place: int | None,
                 regions: tuple[int, ...]) -> None:
        super().__init__(model)
        self.name = name
        self.lines = lines
        """Its service lines and what it brings to each, in the order they were drawn."""
        self.capacity = sum(a.capacity for a in lines.values())
        """£m a year it can deliver across its lines: the scale of its overheads and credit."""
        self.cash = cash
        self.place = place
        self.regions = regions
        """The regions it serves (a large firm's footprint; a local provider's own region)."""
        self.contracts: list[Contract] = []
        self.subcontracts: list[Subcontract] = []
        """Its part in other providers' contracts."""
        self.load = 0.0
        """£m a year it is contracted to deliver across its lines; refreshed each quarter and on award."""
        self.owed_to_it = 0.0
        """£m primes owe it for work done (paid in arrears)."""
        self.owed_to_others = 0.0
        """£m it owes its subcontractors for work done."""
        self.lost_to_failures = 0.0
        """£m it was owed by primes that failed and never paid."""
        self.trust_in_council: dict[int, float] = {}
        self.revenue_quarter = 0.0
        self.cost_quarter = 0.0
        self.active = True
        self.opportunism = 0.0
        self.margin = 0.0
        self.accredited = False

    # --- state read by others -------------------------------------------------------------
    def refresh_load(self) -> None:
        """Its load in each line: its own part of its contracts and its part in others'.

        Run for every provider every quarter: a contract without subcontracts keeps all its value,
        so its share is not summed (the same number either way).
        """
        contracts, subcontracts = self.contracts, self.subcontracts
        if not contracts and not subcontracts and not self.load:
            return  # nothing held, nothing to refresh
        lines = self.lines
        for ability in lines.values():
            ability.load = 0.0
        for c in contracts:
            value = c.annual_value
            if c.subcontracts:
                value = value * (1.0 - c.subcontracted_share)
            lines[c.service.market].load += value
        for s in subcontracts:
            contract = s.contract
            ability = lines.get(contract.service.market)
            if ability is not None:
                ability.load += contract.annual_value * s.share
        self.load = sum([a.load for a in lines.values()])

    def take_on(self, line: str, value: float) -> None:
        """Add £m a year of work in a line (an award or a subcontract), before the next refresh."""
        ability = self.lines.get(line)
        if ability is not None:
            ability.load += value
        self.load += value

    def free_capacity(self, line: str) -> float:
        """£m a year it could still take on in a line (nothing outside its lines)."""
        ability = self.lines.get(line)
        return ability.free if ability is not None else 0.0

    def trust_in(self, council_id: int) -> float:
        return self.trust_in_council.get(council_id, self.model.config.trust.prior)

    def localness(self, place: int) -> float:
        """How much local knowledge it brings to a place, in [0, 1]."""
        return self.model.config.suppliers.large_localness

    def unit_cost(self, service: ServiceSpec) -> float:
        """True cost of one unit of need (1.0 = the base cost a unit of value represents)."""
        return self.lines[service.market].cost_efficiency

    def quality_capability(self, service: ServiceSpec, learning: float = 0.0) -> float:
        """Its capability on a service, raised by what joint learning on a contract has added."""
        return delivery.capability_with_learning(self.lines[service.market].capability, learning)

    def strain(self, line: str) -> float:
        """Quality factor from over-stretch in a line."""
        ability = self.lines[line]
        return delivery.capacity_strain(ability.load, ability.capacity)

    @property
    def net_cash(self) -> float:
        """Cash plus what primes owe it, less what it owes its subcontractors (£m)."""
        return self.cash + self.owed_to_it - self.owed_to_others

    def financial_stress(self) -> float:
        return finance.financial_stress(self.net_cash, self.capacity, self.model.config.finance)

    # --- decisions ------------------------------------------------------------------------
    def book_quarter(self, overhead_rate: float) -> None:
        """Finance: pay overheads on this quarter's revenue (revenue and cost booked in delivery)."""
        self.cash -= self.overhead(overhead_rate)

    def overhead(self, overhead_rate: float) -> float:
        return finance.quarterly_overhead(self.revenue_quarter, self.capacity, overhead_rate,
                                          self.model.config.finance.fixed_overhead_share)

    def is_insolvent(self) -> bool:
        return finance.is_insolvent(self.net_cash, self.capacity, self.model.config.finance)

    def is_distressed(self) -> bool:
        return self.net_cash < 0.0


class Supplier(Provider):
    """A bidder: estimates cost, prices, bids or not, learns its chances and its margin."""

    kind = "supplier"
    cuts_corners = True
    __slots__ = ("bids_quarter", "bids_window", "line_bids_quarter", "line_wins_quarter", "lost_on_price_quarter",
                 "quarters_idle", "reference_margin", "wins_window", "won_quarter")

    def __init__(self, *args, margin: float, opportunism: float, accredited: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.margin = margin
        self.reference_margin = margin
        self.opportunism = opportunism
        self.accredited = accredited
        self.bids_window: dict[str, list[int]] = {line: [] for line in self.lines}
        """Its bids in each line, one entry per remembered quarter."""
        self.wins_window: dict[str, list[int]] = {line: [] for line in self.lines}
        self.line_bids_quarter: dict[str, int] = dict.fromkeys(self.lines, 0)
        self.line_wins_quarter: dict[str, int] = dict.fromkeys(self.lines, 0)
        self.won_quarter = 0
        self.lost_on_price_quarter = 0
        self.bids_quarter = 0
        self.quarters_idle = 0

    def win_probability(self, line: str, expected_bids: float) -> float:
        """Its belief about its chance of winning a tender in a line, where tenders draw
        ``expected_bids`` on average (:func:`procurement.win_belief`)."""
        return procurement.win_belief(sum(self.wins_window[line]), sum(self.bids_window[line]), expected_bids,
                                      self.model.config.suppliers.win_prior_strength)

    def decide_bid(self, line: str, expected_bids: float, annual_value: float, term_years: float,
                   cost_of_bid: float, incumbent_deterrence: float = 0.0, ceiling: float = math.inf,
                   unit_cost: float = 1.0) -> bool:
        """Bid where the expected profit of winning exceeds the bid cost and cash allows it
        (Levin and Smith 1994: entry into an auction that costs something to enter).
        ``incumbent_deterrence`` is how much it marks its chance down against a sitting provider
        that may bid (none when it is the incumbent, or when nobody sits). ``ceiling`` is the most
        the council will pay per unit, against its own ``unit_cost`` (mobilisation included): a
        ceiling near its cost leaves it less margin to expect, one below it none."""
        if cost_of_bid > self.cash:
            return False
        belief = self.win_probability(line, expected_bids)
        if incumbent_deterrence > 0.0:
            belief = procurement.belief_against_incumbent(belief, incumbent_deterrence)
        margin = self.margin if ceiling == math.inf else procurement.margin_under_ceiling(self.margin, ceiling,
                                                                                           unit_cost)
        return procurement.should_bid(belief, margin, annual_value, term_years, cost_of_bid)

    def price(self, service: ServiceSpec, error_sd: float, z: float, contingency: float,
              mobilisation: float = 0.0) -> tuple[float, float]:
        """(unit price bid, its own cost estimate): the winner's curse lives in the error, which
        the bidder knows only in size (its ``contingency``), not in sign. A newcomer adds the cost
        of taking the service over (``mobilisation``, a share of a year's value) spread over the term.

        ``z`` is the standard normal draw behind its estimate error; a tender draws one for each
        bidder at once, in bidding order.
        """
        true_cost = self.unit_cost(service) * (1.0 + mobilisation)
        error = procurement.estimate_error(z, error_sd)
        estimate = true_cost * (1.0 + error)
        return procurement.bid_price(true_cost, error, self.margin, contingency), estimate

    def record_tender(self, line: str, won: bool, lost_on_price: bool) -> None:
        self.bids_quarter += 1
        self.won_quarter += int(won)
        self.lost_on_price_quarter += int(lost_on_price)
        self.line_bids_quarter[line] += 1
        self.line_wins_quarter[line] += int(won)

    def remember_tenders(self) -> None:
        """Learning: this quarter's bids and wins join its record in each line."""
        memory = self.model.config.suppliers.memory_quarters
        for line in self.lines:
            bids, wins = self.bids_window[line], self.wins_window[line]
            bids.append(self.line_bids_quarter[line])
            wins.append(self.line_wins_quarter[line])
            del bids[:-memory], wins[:-memory]
            self.line_bids_quarter[line] = self.line_wins_quarter[line] = 0

    def adapt_margin(self, step: float, overhead_rate: float) -> None:
        """Learning: move the target margin on this quarter's debriefs and on the net margin its
        contracts earn after overheads (full-cost pricing)."""
        config = self.model.config
        self.remember_tenders()
        revenue = sum([c.revenue_total for c in self.contracts])
        net = (revenue - sum([c.cost_total for c in self.contracts])) / revenue - overhead_rate if revenue > 0 else 0.0
        if self.bids_quarter or net < 0.0:
            p = config.procurement
            self.margin = procurement.adapt_margin(self.margin, self.won_quarter, self.lost_on_price_quarter, net, step,
                                                   p.margin_floor, p.margin_ceiling)
        else:  # not bidding: drift back to its pricing policy so that a low margin is no trap
            self.margin += config.suppliers.margin_reversion * (self.reference_margin - self.margin)
        self.quarters_idle = 0 if self.contracts or self.subcontracts else self.quarters_idle + 1
        self.bids_quarter = self.won_quarter = self.lost_on_price_quarter = 0

    def decide_accreditation(self, cost: float) -> bool:
        """Buy accreditation when it is required and the firm can afford it comfortably."""
        return not self.accredited and self.cash > self.model.config.suppliers.accreditation_cash_cover * cost

    def social_value(self, place: int, measured: bool) -> float:
        """Social value it offers in a place, in [0, 1]."""
        return large_supplier_offer(self.accredited, measured, self.model.config.social_value)


class LargeSupplier(Supplier):
    """A large firm: a regional footprint, scale economies in its lines, deep capacity and cash,
    little local knowledge; it passes part of delivery down a local supply chain."""

    kind = "large"
    __slots__ = ("footprint_value",)

    def __init__(self, *args, footprint_value: dict[str, float], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.footprint_value = footprint_value
        """£m a year of each of its lines in the places it serves: the scale its economies are read against."""

    def unit_cost(self, service: ServiceSpec) -> float:
        """Cheaper with scale in the line: up to ``suppliers.scale_cost_cut`` off on a service with
        full scale economies, once its load in the line reaches ``suppliers.scale_reference_share``
        of the line's value in its footprint."""
        p = self.model.config.suppliers
        line = service.market
        ability = self.lines[line]
        size = ability.load / (p.scale_reference_share * self.footprint_value[line])
        size = size if size < 1.0 else 1.0
        return ability.cost_efficiency * (1.0 - p.scale_cost_cut * service.scale_economies * size)


class SME(Supplier):
    """A local small or medium firm: local knowledge, small capacity, thin cash buffer."""

    kind = "sme"
    small = True
    __slots__ = ()

    def localness(self, place: int) -> float:
        if place == self.place:
            return 1.0
        return self.model.config.suppliers.sme_localness_nearby

    def unit_cost(self, service: ServiceSpec) -> float:
        """Dearer where scale matters, cheaper where knowing the area saves set-up and travel."""
        p = self.model.config.suppliers
        return self.lines[service.market].cost_efficiency * (1.0 + p.sme_scale_penalty * service.scale_economies
                                                             - p.sme_local_saving * service.local_knowledge)

    def social_value(self, place: int, measured: bool) -> float:
        return sme_offer(place == self.place, self.accredited, measured, self.model.config.social_value)


@dataclass(frozen=True, slots=True)
class EffortSituation:
    """What each supplier weighs this quarter, one entry per live contract (numpy arrays).

    Money is £m for the quarter; ``remaining`` and ``next_term`` are quarters.
    """

    profit: np.ndarray
    """Quarterly surplus at full effort: what the relationship is worth while it lasts."""
    saving: np.ndarray
    """Cost saved by cutting corners this quarter (and spent again on rework if caught)."""
    penalty: np.ndarray
    """Contractual penalty if caught."""
    remaining: np.ndarray
    next_term: np.ndarray
    renewal_at_risk: np.ndarray
    """Fall in its chance of renewal if caught."""
    break_risk: np.ndarray
    """Chance the council ends the contract at the next break point if it is caught."""
    detection: np.ndarray
    opportunism: np.ndarray
    stress: np.ndarray
    trust_in_council: np.ndarray
    cuts_corners: np.ndarray
    """Whether the provider weighs cutting corners at all (firms do; mission-driven groups do not)."""


def choose_effort(situation: EffortSituation, uniform: np.ndarray, p: Delivery) -> np.ndarray:
    """Every supplier's effort choice this quarter, taken together: True where it cuts corners.

    Relational self-enforcement (Baker, Gibbons and Murphy 2002): a supplier cuts corners when the
    one-quarter gain, weighted by its opportunism, stress and distrust of the council, outweighs
    the chance of detection times the penalty, the rework and the future surplus at stake,
    discounted at its own (short-termist if opportunistic) rate. ``uniform`` is one U(0, 1) draw
    per contract.
    """
    s = situation
    future = delivery.relationship_value(s.profit, s.remaining, s.renewal_at_risk, s.next_term, s.break_risk,
                                         delivery.supplier_discount(s.opportunism, p))
    temptation = delivery.shirk_temptation(s.saving, s.opportunism, s.stress, s.trust_in_council, p)
    chance = delivery.shirk_probability(temptation, s.detection, s.penalty, future, s.saving, p.shirk_logit_slope)
    return s.cuts_corners & (uniform < chance)
