"""Community and voluntary (VCSE) groups: steering, grant-funded delivery, consortia with SMEs."""

from __future__ import annotations

import mesa

from partnering.agents.supplier import Provider
from partnering.rules import community
from partnering.rules.records import Contract
from partnering.scenarios.mechanisms import Groups
from partnering.scenarios.schema import ServiceSpec


class CommunityGroup(Provider):
    """A place's community group: volunteer capacity, social capital and engagement.

    It co-designs services in the steering groups of accountable councils, delivers small suitable
    services under grants at cost, and partners with local SMEs in place-based consortia.
    """

    kind = "vcse"
    small = True
    cuts_corners = False  # mission-driven: groups do not cut corners for gain
    __slots__ = ("base_capacity", "engagement", "in_steering_group", "social_capital", "subcontracts")

    def __init__(self, model: mesa.Model, name: str, place: int, capacity: float,
                 social_capital: float, engagement: float, p: Groups) -> None:
        super().__init__(model, name, capacity=capacity,
                         capability=p.capability_base + p.capability_per_social_capital * social_capital,
                         cost_efficiency=p.cost_efficiency, cash=p.cash_share * capacity, place=place)
        self.base_capacity = capacity
        self.social_capital = social_capital
        self.engagement = engagement
        self.in_steering_group = False
        self.subcontracts: list[Contract] = []

    def refresh_load(self) -> None:
        """Its own contracts and grants, plus its share of the work in SME consortia."""
        super().refresh_load()
        share = self.model.config.groups.consortium_share
        for contract in self.subcontracts:
            self.load += share * contract.annual_value

    def localness(self, place: int) -> float:
        return 1.0 if place == self.place else self.model.config.groups.localness_elsewhere

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
        self.in_steering_group = community.joins_steering_group(council_is_open, self.engagement, self.capacity,
                                                               self.base_capacity, self.model.config.groups)
        return self.in_steering_group

    def decide_consortium(self, lot_value: float) -> bool:
        """Partner an SME on a lot where its share of the work fits its spare capacity."""
        return community.joins_consortium(self.capacity - self.load, lot_value, self.engagement,
                                          self.model.config.groups)

    def decide_grant(self, service: ServiceSpec, annual_value: float) -> bool:
        """Take a service under a grant where it suits community delivery and the group could
        carry most of it."""
        return community.can_take_grant(service.community_suitability, self.capacity - self.load, annual_value,
                                        self.model.config.groups)

    def churn_volunteers(self) -> None:
        """Volunteer capacity drifts, pulled back towards the group's usual level; engagement
        follows steering involvement."""
        p = self.model.config.groups
        shock = float(self.model.rng.normal(0.0, p.volunteer_churn))
        self.capacity = community.volunteer_capacity(self.capacity, self.base_capacity, shock, p)
        self.engagement = community.engagement(self.engagement, self.in_steering_group, p)
