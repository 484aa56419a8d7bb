"""Providers: anything that can hold a contract. Suppliers bid, price, choose effort and learn.

``Provider`` holds what every deliverer shares (capacity, capability, cash, trust in councils);
``Supplier`` adds the commercial decisions of firms; ``LargeSupplier`` and ``SME`` differ in
scale economies, local knowledge, cash buffers and the weight of bidding costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from partnering.rules import delivery, finance, procurement
from partnering.rules.records import Contract
from partnering.rules.social_value import large_supplier_offer, sme_offer
from partnering.scenarios.mechanisms import Delivery
from partnering.scenarios.schema import ServiceSpec


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
    __slots__ = ("accredited", "active", "capability", "capacity", "cash", "contracts", "cost_efficiency",
                 "cost_quarter", "load", "margin", "model", "name", "opportunism", "place", "pos",
                 "revenue_quarter", "trust_in_council", "unique_id")

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        capacity: float,
        capability: float,
        cost_efficiency: float,
        cash: float,
        place: int | None,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.capacity = capacity
        self.capability = capability
        self.cost_efficiency = cost_efficiency
        self.cash = cash
        self.place = place
        self.contracts: list[Contract] = []
        self.load = 0.0
        """£m a year of need it is contracted to serve; refreshed each quarter and on award."""
        self.trust_in_council: dict[int, float] = {}
        self.revenue_quarter = 0.0
        self.cost_quarter = 0.0
        self.active = True
        self.opportunism = 0.0
        self.margin = 0.0
        self.accredited = False

    # --- state read by others -------------------------------------------------------------
    def refresh_load(self) -> None:
        self.load = sum([c.annual_value for c in self.contracts])

    def trust_in(self, council_id: int) -> float:
        return self.trust_in_council.get(council_id, self.model.config.trust.prior)

    def localness(self, place: int) -> float:
        """How much local knowledge it brings to a place, in [0, 1]."""
        return self.model.config.suppliers.large_localness

    def unit_cost(self, service: ServiceSpec) -> float:
        """True cost of one unit of need (1.0 = the base cost a unit of value represents)."""
        return self.cost_efficiency

    def quality_capability(self, contract: Contract | None = None) -> float:
        return delivery.capability_with_learning(self.capability, contract.learning if contract is not None else 0.0)

    def financial_stress(self) -> float:
        return finance.financial_stress(self.cash, self.capacity, self.model.config.finance)

    # --- decisions ------------------------------------------------------------------------
    def book_quarter(self, overhead_rate: float) -> None:
        """Finance: pay overheads on this quarter's revenue (revenue and cost booked in delivery)."""
        self.cash -= self.overhead(overhead_rate)

    def overhead(self, overhead_rate: float) -> float:
        return finance.quarterly_overhead(self.revenue_quarter, self.capacity, overhead_rate,
                                          self.model.config.finance.fixed_overhead_share)

    def is_insolvent(self) -> bool:
        return finance.is_insolvent(self.cash, self.capacity, self.model.config.finance)

    def is_distressed(self) -> bool:
        return self.cash < 0.0


class Supplier(Provider):
    """A firm that bids for contracts: estimates cost, prices, bids or not, and learns margins."""

    kind = "supplier"
    cuts_corners = True
    __slots__ = ("_win_probability", "bids_quarter", "bids_window", "lost_on_price_quarter", "quarters_idle",
                 "reference_margin", "wins_window", "won_quarter")

    def __init__(self, *args, margin: float, opportunism: float, accredited: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.margin = margin
        self.reference_margin = margin
        self.opportunism = opportunism
        self.accredited = accredited
        self.bids_window: list[int] = []
        self.wins_window: list[int] = []
        self.won_quarter = 0
        self.lost_on_price_quarter = 0
        self.bids_quarter = 0
        self.quarters_idle = 0
        self._win_probability: float | None = None

    def win_probability(self) -> float:
        """Its belief about its chance of winning a tender (:func:`procurement.win_belief`)."""
        # read at every bid and every delivery; the windows move only in ``adapt_margin``
        belief = self._win_probability
        if belief is None:
            p = self.model.config.suppliers
            belief = self._win_probability = procurement.win_belief(sum(self.wins_window), sum(self.bids_window),
                                                                    p.win_prior_wins, p.win_prior_bids)
        return belief

    def decide_bid(self, annual_value: float, term_years: float, cost_of_bid: float) -> bool:
        """Bid where the expected profit of winning exceeds the bid cost and cash allows it."""
        if cost_of_bid > self.cash:
            return False
        return procurement.should_bid(self.win_probability(), self.margin, annual_value, term_years, cost_of_bid)

    def price(self, service: ServiceSpec, error_sd: float, z: float) -> tuple[float, float]:
        """(unit price bid, its own cost estimate): the winner's curse lives in the error, which
        the bidder knows only in size (its contingency), not in sign.

        ``z`` is the standard normal draw behind its estimate error; a tender draws one for each
        bidder at once, in bidding order (the same numbers as one draw per call).
        """
        true_cost = self.unit_cost(service)
        error = procurement.estimate_error(z, error_sd)
        estimate = true_cost * (1.0 + error)
        contingency = self.model.config.behaviour.risk_contingency * error_sd
        return procurement.bid_price(true_cost, error, self.margin, contingency), estimate

    def record_tender(self, won: bool, lost_on_price: bool) -> None:
        self.bids_quarter += 1
        self.won_quarter += int(won)
        self.lost_on_price_quarter += int(lost_on_price)

    def adapt_margin(self, step: float, overhead_rate: float) -> None:
        """Learning: move the target margin on this quarter's debriefs and on the net margin its
        contracts earn after overheads (full-cost pricing)."""
        config = self.model.config
        memory = config.suppliers.memory_quarters
        self.bids_window.append(self.bids_quarter)
        self.wins_window.append(self.won_quarter)
        del self.bids_window[:-memory], self.wins_window[:-memory]
        self._win_probability = None
        revenue = sum([c.revenue_total for c in self.contracts])
        net = (revenue - sum([c.cost_total for c in self.contracts])) / revenue - overhead_rate if revenue > 0 else 0.0
        if self.bids_quarter or net < 0.0:
            p = config.procurement
            self.margin = procurement.adapt_margin(self.margin, self.won_quarter, self.lost_on_price_quarter, net, step,
                                                   p.margin_floor, p.margin_ceiling)
        else:  # not bidding: drift back to its pricing policy so that a low margin is no trap
            self.margin += config.suppliers.margin_reversion * (self.reference_margin - self.margin)
        self.quarters_idle = 0 if self.contracts else self.quarters_idle + 1
        self.bids_quarter = self.won_quarter = self.lost_on_price_quarter = 0

    def decide_accreditation(self, cost: float) -> bool:
        """Buy accreditation when it is required and the firm can afford it comfortably."""
        return not self.accredited and self.cash > self.model.config.suppliers.accreditation_cash_cover * cost

    def social_value(self, place: int, measured: bool) -> float:
        """Social value it offers in a place, in [0, 1]."""
        return large_supplier_offer(self.accredited, measured, self.model.config.social_value)


class LargeSupplier(Supplier):
    """A national firm: scale economies, deep capacity and cash, little local knowledge."""

    kind = "large"
    __slots__ = ()

    def unit_cost(self, service: ServiceSpec) -> float:
        """Cheaper with scale: up to ``suppliers.scale_cost_cut`` off on a service with full
        scale economies, once its load reaches ``suppliers.scale_reference_share`` of the market."""
        p = self.model.config.suppliers
        size = self.load / (p.scale_reference_share * self.model.market_value)
        size = size if size < 1.0 else 1.0
        return self.cost_efficiency * (1.0 - p.scale_cost_cut * service.scale_economies * size)


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
        return self.cost_efficiency * (1.0 + p.sme_scale_penalty * service.scale_economies
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
