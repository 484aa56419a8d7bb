"""Community and voluntary (VCSE) groups: steering, grant-funded delivery, consortia with SMEs."""

from __future__ import annotations

import mesa

from partnering.agents.supplier import LineAbility, Supplier
from partnering.rules import community
from partnering.scenarios.mechanisms import Groups
from partnering.scenarios.schema import ServiceSpec


class CommunityGroup(Supplier):
    """A place's community or voluntary organisation: income from a heavy-tailed distribution
    (many small, a few large), volunteer capacity, social capital and engagement.

    It bids for suitable lots in its service lines at a small surplus, co-designs services in
    the steering groups of accountable councils, delivers services under grants at cost, and works
    as a subcontractor of SMEs (place-based consortia) and of large primes.
    """

    kind = "vcse"
    small = True
    cuts_corners = False  # mission-driven: groups do not cut corners for gain
    __slots__ = ("base_capacity", "base_line_capacity", "engagement", "in_steering_group", "social_capital")

    def __init__(self, model: mesa.Model, name: str, place: int, region: int, lines: dict[str, LineAbility],
                 social_capital: float, engagement: float, p: Groups) -> None:
        capacity = sum(a.capacity for a in lines.values())
        super().__init__(model, name, lines, p.cash_share * capacity, place, (region,), margin=p.margin,
                         opportunism=0.0, accredited=False)
        self.base_capacity = capacity
        self.base_line_capacity = {line: a.capacity for line, a in lines.items()}
        self.social_capital = social_capital
        self.engagement = engagement
        self.in_steering_group = False

    def localness(self, place: int) -> float:
        return 1.0 if place == self.place else self.model.config.groups.localness_elsewhere

    def social_value(self, place: int, measured: bool) -> float:
        return 1.0

    def overhead(self, overhead_rate: float) -> float:
        """Volunteer-run: overheads only on grant income, which is priced to recover them."""
        return overhead_rate * self.revenue_quarter

    def adapt_margin(self, step: float, overhead_rate: float) -> None:
        """Its surplus is a policy, not a price it learns: only its record of tenders moves."""
        self.remember_tenders()
        self.quarters_idle = 0 if self.contracts or self.subcontracts else self.quarters_idle + 1
        self.bids_quarter = self.won_quarter = self.lost_on_price_quarter = 0

    def grant_price(self, service: ServiceSpec, overhead_rate: float) -> float:
        """Full cost recovery: delivery cost plus the overheads the grant must carry."""
        return self.unit_cost(service) * (1.0 + overhead_rate)

    def decide_join_steering(self, council_is_open: bool) -> bool:
        """Join the council's steering group where it is open and the group is engaged enough."""
        self.in_steering_group = community.joins_steering_group(council_is_open, self.engagement, self.capacity,
                                                               self.base_capacity, self.model.config.groups)
        return self.in_steering_group

    def decide_consortium(self, line: str, lot_value: float) -> bool:
        """Partner an SME on a lot where its share of the work fits its spare capacity in the line."""
        return community.joins_consortium(self.free_capacity(line), lot_value, self.engagement,
                                          self.model.config.groups)

    def decide_grant(self, service: ServiceSpec, annual_value: float) -> bool:
        """Take a service under a grant where it suits community delivery and the group could
        carry most of it in the line."""
        return service.market in self.lines and community.can_take_grant(
            service.community_suitability, self.free_capacity(service.market), annual_value, self.model.config.groups)

    def churn_volunteers(self, shock: float) -> None:
        """Volunteer capacity drifts, pulled back towards the group's usual level and moved by
        ``shock`` (a share of that level: a normal draw with sd ``groups.volunteer_churn``, which
        the community phase takes for all groups at once); engagement follows steering involvement."""
        p = self.model.config.groups
        self.capacity = community.volunteer_capacity(self.capacity, self.base_capacity, shock, p)
        factor = self.capacity / self.base_capacity
        for line, ability in self.lines.items():
            ability.capacity = self.base_line_capacity[line] * factor
        self.engagement = community.engagement(self.engagement, self.in_steering_group, p)
