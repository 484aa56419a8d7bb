"""Records the model keeps: service slots, contracts, their lots, and tenders.

These are plain data with a few derived properties; decisions about them are made by the agents
and the rules in the mechanism modules. A record refers to the agents it concerns (a council, a
provider); the agents are defined a layer up, in :mod:`partnering.agents`, so here they are
typed by what a record needs of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from partnering.scenarios.schema import ServiceSpec


class Party(Protocol):
    """An agent a record names: a council or a provider (:mod:`partnering.agents`)."""

    unique_id: int
    name: str


Council = Party
Provider = Party


@dataclass(eq=False, slots=True)
class ServiceSlot:
    """One position of a council's portfolio for a service: the part of the service one
    contract (or one in-house team) delivers, with its demand, mode and in-house capacity.

    A council buys each service as a portfolio of ``service.contracts`` positions whose values
    follow a heavy-tailed distribution and sum to the service's value; ``weight`` is this
    position's share. Demand is an index shared by the service's positions: 1.0 is the need at
    the start, worth ``value`` £m a year at base unit cost. The share of the position not covered
    by a live contract or a stop-gap is delivered in-house.
    """

    council: Council
    service: ServiceSpec
    index: int
    """Its place in the council's list of slots."""
    service_index: int
    """The service's place in the catalogue (positions of one service share its demand)."""
    position: int
    """Its place in the service's portfolio (0 = the largest)."""
    weight: float
    """Its share of the service's value."""
    last_bidders: float
    """Running count of bids its tenders drew (``procurement.initial_bidders`` at the start)."""
    demand: float = 1.0
    """Need as an index; set only in the model's environment phase, which then has every live
    contract forget its remembered annual value."""
    funded: float = 1.0
    mode: str = "in_house"
    inhouse_capacity: float = 1.0
    contracts: list[Contract] = field(default_factory=list)
    stopgap_share: float = 0.0
    stopgap_until: int = -1
    term_end: int = 0
    incumbent: int = -1
    """unique_id of the provider that last held a contract for it (-1: none yet)."""
    # observations of the current quarter (reset at the start of each delivery phase)
    need_value: float = 0.0
    delivered_value: float = 0.0
    delivered_quality: float = 0.0
    unmet_value: float = 0.0
    spend: float = 0.0
    disrupted: float = 0.0
    contracted_share: float = field(default=0.0, init=False)
    """Share of the slot its live contracts cover: read many times a quarter, so kept up to date
    by ``add_contract`` and ``remove_contract``, the only ways a contract joins or leaves."""

    @property
    def value(self) -> float:
        """£m a year of the position at the starting demand and base unit cost."""
        return self.service.annual_value * self.weight

    @property
    def annual_value(self) -> float:
        """£m a year of the position's current need at base unit cost."""
        return self.service.annual_value * self.weight * self.demand

    def add_contract(self, contract: Contract) -> None:
        self.contracts.append(contract)
        self._count_contracted()

    def remove_contract(self, contract: Contract) -> None:
        if contract in self.contracts:
            self.contracts.remove(contract)
            self._count_contracted()

    def _count_contracted(self) -> None:
        self.contracted_share = sum([lot.share for c in self.contracts for lot in c.lots if lot.slot is self])

    @property
    def in_house_share(self) -> float:
        """Share of the slot delivered in-house in normal running (not as a stop-gap)."""
        share = 1.0 - self.contracted_share - self.stopgap_share
        return share if share > 0.0 else 0.0  # max(0.0, share), as a comparison: read for every slot, often

    def reset_observations(self) -> None:
        self.need_value = self.delivered_value = self.delivered_quality = self.unmet_value = self.spend = self.disrupted = 0.0


@dataclass(eq=False, slots=True)
class Lot:
    """The part of one council's service slot a contract covers."""

    slot: ServiceSlot
    share: float
    base_volume: float


@dataclass(eq=False, slots=True)
class Contract:
    """A contract (or a community grant) between one or more councils and one provider."""

    id: int
    provider: Provider
    service: ServiceSpec
    lots: list[Lot]
    unit_price: float
    target_unit_cost: float
    start: int
    length: int
    break_interval: int
    flex: float
    open_book: bool
    risk_share: float
    monitoring: float
    penalty_rate: float
    co_commissioned: bool = False
    grant: bool = False
    subcontracts: list[Subcontract] = field(default_factory=list)
    """The parts of delivery its provider has passed down its supply chain."""
    learning: float = 0.0
    live: bool = True
    end_step: int = -1
    end_reason: str = ""
    quality_ewma: float = float("nan")
    """Smoothed quality of delivery; a new contract starts at ``delivery.initial_quality``."""
    last_quality: float = 0.0
    last_payment: float = 0.0
    last_cost: float = 0.0
    revenue_total: float = 0.0
    cost_total: float = 0.0
    quarters_shirked: int = 0
    shirked_now: bool = False
    times_detected: int = 0
    _councils: tuple[Council, ...] | None = field(default=None, init=False, repr=False)
    # this quarter's annual value, kept while the contract is live: need changes only in the
    # model's environment phase, which forgets it (``forget_value``), as do start and end
    _value: float | None = field(default=None, init=False, repr=False)
    _subcontracted: float | None = field(default=None, init=False, repr=False)
    fixed_rows: object | None = field(default=None, init=False, repr=False)
    """What delivery reads of the contract that stays the same while its supply chain does (its
    lots, their places and local knowledge, its terms), kept by the delivery phase; dropped by
    ``supply_chain_changed``."""

    @property
    def councils(self) -> tuple[Council, ...]:
        """The councils of the lots, lead first; fixed at award, so built once."""
        councils = self._councils
        if councils is None:
            councils = self._councils = tuple(lot.slot.council for lot in self.lots)
        return councils

    @property
    def annual_value(self) -> float:
        """£m a year at the contract price and current need."""
        value = self._value
        if value is not None:
            return value
        lots = self.lots
        if len(lots) == 1:  # most contracts: the same product as the general sum, without a loop
            lot = lots[0]
            slot = lot.slot
            value = (slot.service.annual_value * slot.weight * slot.demand * lot.share) * self.unit_price
        else:
            value = sum([lot.slot.annual_value * lot.share for lot in lots]) * self.unit_price
        if self.live:
            self._value = value
        return value

    def forget_value(self) -> None:
        """Drop the remembered annual value (need has changed, or the contract started or ended)."""
        self._value = None

    @property
    def expiry(self) -> int:
        return self.start + self.length

    def at_break_point(self, now: int) -> bool:
        elapsed = now - self.start
        return self.break_interval > 0 and elapsed > 0 and elapsed % self.break_interval == 0 and now < self.expiry

    @property
    def line(self) -> str:
        return self.service.market

    @property
    def subcontracted_share(self) -> float:
        """Share of delivery its subcontractors carry (kept until the supply chain changes)."""
        share = self._subcontracted
        if share is None:
            share = self._subcontracted = sum([s.share for s in self.subcontracts])
        return share

    def supply_chain_changed(self) -> None:
        """A subcontract joined or left: forget what was derived from the supply chain."""
        self._subcontracted = None
        self.fixed_rows = None

    @property
    def realised_margin(self) -> float:
        """Margin the provider has actually earned on this contract so far."""
        if self.revenue_total <= 0.0:
            return 0.0
        return (self.revenue_total - self.cost_total) / self.revenue_total


@dataclass(eq=False, slots=True)
class Subcontract:
    """Part of a contract's delivery passed by its prime to a smaller provider of the place.

    The subcontractor does ``share`` of the work at its own cost and is paid ``share`` of what
    the council pays, in arrears: ``owed`` holds what it has earned and not yet been paid, oldest
    first, one entry per quarter of the payment lag. A failing prime never pays what it owes.
    """

    contract: Contract
    provider: Provider
    share: float
    owed: list[float] = field(default_factory=list)
    paid_total: float = 0.0
    lost: float = 0.0
    """£m it was owed and never paid (its prime failed)."""
    live: bool = True

    @property
    def outstanding(self) -> float:
        return sum(self.owed)


@dataclass(slots=True)
class QuarterFlows:
    """Money that moved this quarter, booked as it moved, so that contracts ending within the
    quarter still count in it."""

    spend_by_kind: dict[str, float] = field(default_factory=lambda: {"large": 0.0, "sme": 0.0, "vcse": 0.0})
    """£m of external spend each kind of provider earned: directly, net of what it passed down
    its supply chain, plus what it earned as a subcontractor."""
    indirect_by_kind: dict[str, float] = field(default_factory=lambda: {"large": 0.0, "sme": 0.0, "vcse": 0.0})
    """£m of that spend each kind earned as a subcontractor (included in ``spend_by_kind``)."""
    social_value: float = 0.0
    contract_payments: float = 0.0
    firm_revenue: float = 0.0
    firm_margin: float = 0.0
    monitoring: float = 0.0


@dataclass(frozen=True)
class Tender:
    """What one competition looked like: who could bid, who did, and who won."""

    step: int
    councils: tuple[int, ...]
    service: str
    line: str
    region: int
    lot_share: float
    annual_value: float
    eligible: int
    """Firms that could have bid: active in the line, reaching the place, with the capacity."""
    bids: int
    winner: int | None
    winning_price: float
    winner_kind: str
    co_commissioned: bool
    bidders: tuple[int, ...] = ()

    @property
    def single_bid(self) -> bool:
        return self.bids == 1
