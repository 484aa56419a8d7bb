"""Community and voluntary (VCSE) groups: steering, grant-funded delivery, consortia with SMEs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from partnering.agents.provider import CONSORTIUM_SHARE, Provider

if TYPE_CHECKING:
    from partnering.model.contracts import Contract
    from partnering.model.model import PartneringModel
    from partnering.scenarios.schema import ServiceSpec

VOLUNTEER_CHURN = 0.05
"""Sd of the quarterly relative change in a group's volunteer capacity (fragile capacity)."""


class CommunityGroup(Provider):
    """A place's community group: volunteer capacity, social capital and engagement.

    It co-designs services in the steering groups of accountable councils, delivers small suitable
    services under grants at cost, and partners with local SMEs in place-based consortia.
    """

    kind = "vcse"
    small = True
    cuts_corners = False  # mission-driven: groups do not cut corners for gain
    __slots__ = ("base_capacity", "engagement", "in_steering_group", "social_capital", "subcontracts")

    def __init__(self, model: PartneringModel, name: str, place: int, capacity: float,
                 social_capital: float, engagement: float) -> None:
        super().__init__(model, name, capacity=capacity, capability=0.62 + 0.15 * social_capital,
                         cost_efficiency=0.92, cash=0.25 * capacity, place=place)
        self.base_capacity = capacity
        self.social_capital = social_capital
        self.engagement = engagement
        self.in_steering_group = False
        self.subcontracts: list[Contract] = []

    def refresh_load(self) -> None:
        """Its own contracts and grants, plus its share of the work in SME consortia."""
        super().refresh_load()
        for contract in self.subcontracts:
            self.load += CONSORTIUM_SHARE * contract.annual_value

    def localness(self, place: int) -> float:
        return 1.0 if place == self.place else 0.5

    def unit_cost(self, service: ServiceSpec) -> float:
        return self.cost_efficiency

    def social_value(self, place: int, measured: bool) -> float:
        return 1.0

    def overhead(self, overhead_rate: float) -> float:
        """Volunteer-run: overheads only on grant income, which is priced to recover them."""
        return overhead_rate * self.revenue_quarter

    def grant_price(self, service: ServiceSpec, overhead_rate: float) -> float:
        """Full cost recovery: delivery cost plus the overheads the grant must carry."""
        return self.unit_cost(service) * (1.0 + overhead_rate)

    def decide_join_steering(self, council_is_open: bool) -> bool:
        """Join the council's steering group where it is open and the group is engaged enough."""
        self.in_steering_group = council_is_open and self.engagement > 0.3 and self.capacity > 0.2 * self.base_capacity
        return self.in_steering_group

    def decide_consortium(self, lot_value: float) -> bool:
        """Partner an SME on a lot where its share of the work fits its spare capacity."""
        return self.capacity - self.load > 0.15 * lot_value and self.engagement > 0.3

    def churn_volunteers(self) -> None:
        """Volunteer capacity drifts, pulled back towards the group's usual level."""
        shock = float(self.model.rng.normal(0.0, VOLUNTEER_CHURN))
        self.capacity = max(0.05 * self.base_capacity,
                            self.capacity + 0.2 * (self.base_capacity - self.capacity) + shock * self.base_capacity)
        # engagement rises with steering involvement and slowly fades otherwise
        target = 0.9 if self.in_steering_group else 0.4
        self.engagement += 0.05 * (target - self.engagement)
