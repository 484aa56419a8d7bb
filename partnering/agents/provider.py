"""Providers: anything that can hold a contract. Suppliers bid, price, choose effort and learn.

``Provider`` holds what every deliverer shares (capacity, capability, cash, trust in councils);
``Supplier`` adds the commercial decisions of firms; ``LargeSupplier`` and ``SME`` differ in
scale economies, local knowledge, cash buffers and the weight of bidding costs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from partnering.model import delivery, finance, procurement
from partnering.model.trust import PRIOR_TRUST

if TYPE_CHECKING:
    from partnering.model.contracts import Contract
    from partnering.model.model import PartneringModel
    from partnering.scenarios.schema import ServiceSpec

SCALE_COST_CUT = 0.15
"""Largest unit-cost saving from scale economies, reached at :data:`SCALE_REFERENCE_SHARE`."""

CONSORTIUM_SHARE = 0.15
"""Share of an SME's lot subcontracted to its community-group partner in a place-based consortium."""

SME_SCALE_PENALTY = 0.12
"""Extra unit cost of an SME on a service with full scale economies."""

SME_LOCAL_SAVING = 0.06
"""Unit-cost saving of an SME on a service where local knowledge matters fully."""

SCALE_REFERENCE_SHARE = 0.15
"""Share of the whole market's value at which a supplier enjoys full scale economies."""


class Provider(mesa.Agent):
    """A deliverer of services under contract: supplier firm or community group."""

    kind: str = "provider"
    small: bool = False
    cuts_corners: bool = False
    """Whether it weighs cutting corners for gain each quarter (firms do; the delivery phase
    applies :func:`partnering.model.delivery.shirk_probability` to its disposition)."""
    # Attributes in slots rather than a per-instance dict: thousands of providers are read and
    # written every quarter, and slot access is markedly faster. Mesa's own model, unique_id and
    # pos are slotted too, so a provider has no instance dict at all.
    __slots__ = ("accredited", "active", "capability", "capacity", "cash", "contracts", "cost_efficiency",
                 "cost_quarter", "load", "margin", "model", "name", "opportunism", "place", "pos",
                 "revenue_quarter", "trust_in_council", "unique_id")

    def __init__(
        self,
        model: PartneringModel,
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

    def free_capacity(self) -> float:
        return self.capacity - self.load

    def trust_in(self, council_id: int) -> float:
        return self.trust_in_council.get(council_id, PRIOR_TRUST)

    def localness(self, place: int) -> float:
        """How much local knowledge it brings to a place, in [0, 1]."""
        return 0.2

    def unit_cost(self, service: ServiceSpec) -> float:
        """True cost of one unit of need (1.0 = the base cost a unit of value represents)."""
        return self.cost_efficiency

    def quality_capability(self, contract: Contract | None = None) -> float:
        return delivery.capability_with_learning(self.capability, contract.learning if contract is not None else 0.0)

    def financial_stress(self) -> float:
        return finance.financial_stress(self.cash, self.capacity)

    # --- decisions ------------------------------------------------------------------------
    def book_quarter(self, overhead_rate: float) -> None:
        """Finance: pay overheads on this quarter's revenue (revenue and cost booked in delivery)."""
        self.cash -= self.overhead(overhead_rate)

    def overhead(self, overhead_rate: float) -> float:
        return finance.quarterly_overhead(self.revenue_quarter, self.capacity, overhead_rate)

    def is_insolvent(self) -> bool:
        return finance.is_insolvent(self.cash, self.capacity)

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
        """Its belief about its chance of winning a tender: recent wins over bids with a prior of
        one win in four bids, so that a newcomer expects to win about a quarter of the time."""
        # read at every bid and every delivery; the windows move only in ``adapt_margin``
        belief = self._win_probability
        if belief is None:
            belief = self._win_probability = (sum(self.wins_window) + 1.0) / (sum(self.bids_window) + 4.0)
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
        self.bids_window.append(self.bids_quarter)
        self.wins_window.append(self.won_quarter)
        del self.bids_window[:-12], self.wins_window[:-12]
        self._win_probability = None
        revenue = sum([c.revenue_total for c in self.contracts])
        net = (revenue - sum([c.cost_total for c in self.contracts])) / revenue - overhead_rate if revenue > 0 else 0.0
        if self.bids_quarter or net < 0.0:
            self.margin = procurement.adapt_margin(self.margin, self.won_quarter, self.lost_on_price_quarter, net, step)
        else:  # not bidding: drift back to its pricing policy so that a low margin is no trap
            self.margin += 0.1 * (self.reference_margin - self.margin)
        self.quarters_idle = 0 if self.contracts else self.quarters_idle + 1
        self.bids_quarter = self.won_quarter = self.lost_on_price_quarter = 0

    def decide_accreditation(self, cost: float) -> bool:
        """Buy accreditation when it is required and the firm can afford it comfortably."""
        return not self.accredited and self.cash > 3.0 * cost

    def social_value(self, place: int, measured: bool) -> float:
        """Social value it offers in a place, in [0, 1]."""
        return 0.2 + (0.3 if self.accredited else 0.0) + (0.1 if measured and self.accredited else 0.0)


class LargeSupplier(Supplier):
    """A national firm: scale economies, deep capacity and cash, little local knowledge."""

    kind = "large"
    __slots__ = ()

    def unit_cost(self, service: ServiceSpec) -> float:
        size = self.load / (SCALE_REFERENCE_SHARE * self.model.market_value)
        size = size if size < 1.0 else 1.0
        return self.cost_efficiency * (1.0 - SCALE_COST_CUT * service.scale_economies * size)


class SME(Supplier):
    """A local small or medium firm: local knowledge, small capacity, thin cash buffer."""

    kind = "sme"
    small = True
    __slots__ = ()

    def localness(self, place: int) -> float:
        if place == self.place:
            return 1.0
        return 0.6

    def unit_cost(self, service: ServiceSpec) -> float:
        """Dearer where scale matters, cheaper where knowing the area saves set-up and travel."""
        return self.cost_efficiency * (1.0 + SME_SCALE_PENALTY * service.scale_economies
                                       - SME_LOCAL_SAVING * service.local_knowledge)

    def social_value(self, place: int, measured: bool) -> float:
        local = 0.4 if place == self.place else 0.2
        return min(1.0, 0.3 + local + (0.2 if self.accredited else 0.0) + (0.1 if measured else 0.0))
