"""Councils: commission services, evaluate bids, monitor, trust, decide make-or-buy, learn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import mesa

from partnering.rules import learning, make_or_buy, procurement
from partnering.rules.records import ServiceSlot
from partnering.rules.trust import blend_reputation, public_satisfaction, update_trust
from partnering.rules.units import QUARTERS_PER_YEAR


class Leader(Protocol):
    """Whoever leads a council in place of the model's own rule: a workshop participant in a
    shared room, or a researcher's policy. The model asks it at every make-or-buy review."""

    def choose_mode(self, council: Council, slot: ServiceSlot, options: tuple[str, ...], default: str) -> str:
        """The delivery mode for ``slot``, one of ``options``; ``default`` is what the model's own
        rule chose (return it to leave the decision to the model)."""
        ...


@dataclass(frozen=True)
class ContractTerms:
    """How a council writes a contract, derived from its principles and the policy levers."""

    length: int
    break_interval: int
    flex: float
    open_book: bool
    risk_share: float
    penalty_rate: float


class Council(mesa.Agent):
    """A local authority: one place, a budget, a slot per service, five principle levels."""

    # slots rather than a per-instance dict: read and written many times a quarter (Mesa's own
    # model, unique_id and pos too, so an agent has no instance dict at all)
    __slots__ = ("_weights", "_weights_key", "affordability", "annual_budget", "attitude", "budget_index",
                 "commercial_capability", "demand", "demand_noise", "demand_trend", "failures_quarter",
                 "failures_seen", "intention", "intention_score", "late_payment", "leader", "model",
                 "monitoring_quarter", "name", "overhead_quarter", "paid_to_providers", "partners",
                 "place", "pos", "principles", "public_trust", "recent_disruption", "slots",
                 "spend_quarter", "steering_strength", "trust", "unique_id", "unit_cost_estimate",
                 "vfm_in_house", "vfm_outsourced")

    def __init__(self, model: mesa.Model, name: str, place: int, principles: dict[str, float],
                 commercial_capability: float, annual_budget: float, attitude: float) -> None:
        super().__init__(model)
        self.name = name
        self.place = place
        self.principles = dict(principles)
        self.commercial_capability = commercial_capability
        self.annual_budget = annual_budget
        self.budget_index = 1.0
        self.affordability = 1.0
        config = model.config
        self.unit_cost_estimate = config.commissioning.initial_unit_cost_estimate
        self.slots: list[ServiceSlot] = []
        """Its portfolio: the positions of every service (see ``ServiceSlot``)."""
        n_services = len(config.services)
        self.demand_trend = [1.0] * n_services
        """Each service's trend of need, an index (1 at the start)."""
        self.demand_noise = [0.0] * n_services
        """Each service's AR(1) deviation from trend, in logs."""
        self.demand = [1.0] * n_services
        """Each service's need this quarter, an index shared by its positions."""
        self.trust: dict[int, float] = {}
        self.public_trust = config.trust.public_initial
        self.vfm_in_house = 1.0
        self.vfm_outsourced = 1.0
        self.recent_disruption = 0.0
        self.failures_quarter = 0
        """Supplier failures this quarter that hit its services or a neighbour's."""
        self.failures_seen = 0.0
        """Its memory of such failures (smoothed)."""
        self.attitude = attitude
        self.intention_score = 0.0
        self.intention = "same"
        self.partners: set[int] = set()
        self.steering_strength = 0.0
        self.spend_quarter = 0.0
        self.overhead_quarter = 0.0
        self.monitoring_quarter = 0.0
        self.paid_to_providers = 0.0
        self.late_payment = False
        self.leader: Leader | None = None
        """Who decides at reviews in place of the model's rule (None: the model decides)."""
        self._weights: procurement.EvaluationWeights | None = None
        self._weights_key: tuple | None = None
        """What the remembered weights were derived from: the principles dict, its levels, the policy."""

    # --- what it believes -----------------------------------------------------------------
    def trust_in(self, provider_id: int) -> float:
        return self.trust.get(provider_id, self.model.config.trust.prior)

    def trust_in_market(self) -> float:
        """Mean trust in the providers it currently contracts with (prior if none)."""
        ids = {c.provider.unique_id for s in self.slots for c in s.contracts if not c.grant}
        if not ids:
            return self.model.config.trust.prior
        return sum([self.trust_in(i) for i in ids]) / len(ids)

    @property
    def budget_quarter(self) -> float:
        return self.annual_budget * self.budget_index / QUARTERS_PER_YEAR

    @property
    def budget_pressure(self) -> float:
        return 1.0 - self.affordability

    @property
    def n_services(self) -> int:
        return len(self.demand)

    @property
    def share_outsourced(self) -> float:
        """Share of its services' value under contract."""
        return sum([s.contracted_share * s.weight for s in self.slots]) / self.n_services

    def disruption(self) -> float:
        """Share of its services' value without a working provider this quarter."""
        return sum([s.disrupted for s in self.slots]) / self.n_services

    @property
    def accountable_open(self) -> bool:
        """Whether it runs community steering groups (policy lever or a strongly accountable culture)."""
        config = self.model.config
        return config.policy.steering_groups or self.principles["accountable"] >= config.commissioning.steering_accountable_level

    # --- procurement decisions ------------------------------------------------------------
    def evaluation_weights(self) -> procurement.EvaluationWeights:
        p = self.principles
        social_value_in_contracts = self.model.config.policy.social_value_in_contracts
        # read for every contract every quarter: remembered for as long as the principles (the
        # same dict, with the same values) and the policy it derives from are unchanged
        levels = tuple(p.values())
        key = self._weights_key
        if key is not None and key[0] is p and key[1:] == (levels, social_value_in_contracts):
            return self._weights
        weights = procurement.evaluation_weights(
            p["collaborative"], p["creative"], p["adaptable"], p["accountable"], p["place_based"],
            social_value_in_contracts, self.model.config.procurement,
        )
        self._weights, self._weights_key = weights, (p, levels, social_value_in_contracts)
        return weights

    def contract_length(self) -> int:
        """Quarters: seven years when rigid, three when fully adaptable (phased contracts)."""
        c = self.model.config.commissioning
        rigid, adaptable = c.rigid_contract_quarters, c.adaptable_contract_quarters
        return round(rigid - (rigid - adaptable) * self.principles["adaptable"])

    def contract_terms(self, annual_value: float) -> ContractTerms:
        """Adaptable councils write shorter phased contracts with break points and flexible volume;
        accountable ones open the books; collaborative ones share risk and penalise in proportion."""
        p = self.principles
        config = self.model.config
        c, policy = config.commissioning, config.policy
        length = self.contract_length()
        break_interval = c.break_interval if p["adaptable"] >= c.break_min_adaptable else 0
        open_book = policy.open_book_required and annual_value > policy.open_book_threshold
        if not open_book:
            open_book = bool(self.model.rng.random() < p["accountable"])
        risk_share = 1.0 - c.risk_share_relief * p["collaborative"] if open_book else 1.0
        penalty = config.behaviour.penalty_rate * (1.0 - c.penalty_relief * p["collaborative"])
        return ContractTerms(length, break_interval, p["adaptable"], open_book, risk_share, penalty)

    def choose_monitoring(self, trust: float) -> float:
        """Monitoring intensity: collaborative councils lean on trust and monitor less."""
        config = self.model.config
        c = config.commissioning
        relief = c.monitoring_relief * self.principles["collaborative"] * trust
        social = c.social_value_monitoring if config.policy.social_value_in_contracts else 0.0
        intensity = c.base_monitoring * (1.0 - relief) + social
        return intensity if intensity < 1.0 else 1.0

    def renewal_weight(self) -> float:
        """How much of a supplier's chance of renewal rides on its record with this council: the
        weight its evaluation gives track record, and a share of the weight on quality."""
        weights = self.evaluation_weights()
        return weights.track + self.model.config.delivery.renewal_quality_weight * weights.quality

    def perception_noise(self) -> float:
        """Sd of its error in seeing a quality (a bid's offer, a quarter's delivery): larger when
        its commercial capability is weak."""
        return self.model.config.commissioning.perception_noise * (1.0 - self.commercial_capability)

    def reliance_on_self_reports(self) -> float:
        """Share of its performance reading taken from the supplier's own account.

        Collaborative councils review performance jointly with their suppliers; without the
        commercial skill to verify what they are told, they lean on the supplier's report.
        """
        return self.principles["collaborative"] * (1.0 - self.commercial_capability)

    # --- trust ------------------------------------------------------------------------------
    def absorb_reputation(self, councils_by_id: dict[int, Council]) -> None:
        """Weigh what co-commissioning partners report of suppliers (reputation)."""
        weight = self.model.config.behaviour.reputation_weight * self.principles["collaborative"]
        if weight <= 0.0 or not self.partners:
            return
        partners = [councils_by_id[i] for i in sorted(self.partners) if i in councils_by_id]
        known = sorted({pid for p in partners for pid in p.trust})
        for pid in known:
            views = [p.trust[pid] for p in partners if pid in p.trust]
            self.trust[pid] = blend_reputation(self.trust_in(pid), views, weight)

    # --- make or buy ------------------------------------------------------------------------
    def decide_make_or_buy(self, slot: ServiceSlot, capable_suppliers: int, partner_available: bool,
                           community_available: bool) -> tuple[str, str]:
        """Choose the mode for a service at its review; returns (mode, circumstance weighing most)."""
        config = self.model.config
        b, m = config.behaviour, config.make_or_buy
        p = self.principles
        service = slot.service
        others = [s for s in self.slots if s.service is not service]
        weight = sum([s.weight for s in others])
        share_in_house = sum([s.in_house_share * s.weight for s in others]) / weight if weight > 0.0 else 0.0
        circumstances = make_or_buy.score_circumstances(
            slot.last_bidders, capable_suppliers, service.volatility * config.world.demand_volatility, p["adaptable"],
            self.commercial_capability, service.integration, share_in_house, m,
        )
        advantage = make_or_buy.relative_advantage(self.vfm_in_house, self.vfm_outsourced)
        intent = make_or_buy.intention_pull(self.intention, m)
        u_in, reason = make_or_buy.insourcing_utility(circumstances, advantage, slot.inhouse_capacity,
                                                      b.insourcing_bias + intent, m)
        u_out = make_or_buy.outsourcing_utility(self.trust_in_market(), service.scale_economies, self.budget_pressure,
                                                config.trust.prior, m)
        utilities = {"in_house": u_in, "outsourced": u_out}
        if partner_available:
            utilities["co_commissioned"] = make_or_buy.co_commissioning_utility(u_out, p["collaborative"],
                                                                                service.scale_economies, m)
        if community_available:
            utilities["community"] = make_or_buy.community_utility(service.community_suitability, p["place_based"], m)
        stay = b.status_quo_bias * service.asset_specificity
        if slot.mode in utilities:
            utilities[slot.mode] += stay
        mode = make_or_buy.logit_choice(utilities, b.choice_temperature, float(self.model.rng.random()))
        if self.leader is not None:  # the draw above is taken either way, so other councils' draws stay the same
            chosen = self.leader.choose_mode(self, slot, tuple(utilities), mode)
            if chosen not in utilities:
                raise ValueError(f"leader of {self.name} chose {chosen!r}; allowed: {', '.join(utilities)}")
            mode = chosen
        return mode, reason

    def services_due_for_review(self, within: int = 1) -> list[ServiceSlot]:
        """Its services whose arrangement ends within ``within`` quarters (a review comes then,
        unless a live contract or a stop-gap still runs)."""
        horizon = self.model.now + within
        return [s for s in self.slots if s.term_end <= horizon]

    def set_principles(self, levels: dict[str, float]) -> None:
        """A leader's new principle levels (each in [0, 1]); unknown names are an error."""
        for name, value in levels.items():
            if name not in self.principles:
                raise ValueError(f"unknown principle {name!r}; allowed: {', '.join(self.principles)}")
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"principle {name} = {value}; allowed 0 to 1")
        self.principles = {**self.principles, **levels}

    # --- learning ---------------------------------------------------------------------------
    def update_capability(self) -> None:
        """Training raises commercial capability; prolonged outsourcing erodes it."""
        config = self.model.config
        policy = config.policy
        self.commercial_capability = learning.commercial_capability(
            self.commercial_capability, policy.procurement_training, policy.public_capacity_investment,
            self.share_outsourced, config.behaviour.skill_erosion, config.learning)
        if policy.procurement_training:
            self.overhead_quarter += config.commissioning.training_cost
        if policy.public_capacity_investment:
            self.overhead_quarter += config.commissioning.capacity_investment_cost

    def remember_value_for_money(self) -> None:
        """Update its memory of quality per £ for in-house and for outsourced delivery: this
        quarter's reading of each is the quality per £ of the positions mostly delivered that way."""
        config = self.model.config
        rate, majority = config.learning.vfm_memory, config.in_house.majority_share
        out_quality = out_spend = in_quality = in_spend = 0.0
        for slot in self.slots:
            if slot.spend <= 0.0:
                continue
            if slot.contracted_share > majority:
                out_quality += slot.delivered_quality
                out_spend += slot.spend
            elif slot.in_house_share > majority:
                in_quality += slot.delivered_quality
                in_spend += slot.spend
        if out_spend > 0.0:
            self.vfm_outsourced = learning.smooth(self.vfm_outsourced, out_quality / out_spend, rate)
        if in_spend > 0.0:
            self.vfm_in_house = learning.smooth(self.vfm_in_house, in_quality / in_spend, rate)
        self.recent_disruption = learning.smooth(self.recent_disruption, self.disruption(),
                                                 config.learning.disruption_memory)
        self.failures_seen = learning.smooth(self.failures_seen, self.failures_quarter, config.learning.failure_memory)
        self.failures_quarter = 0

    def update_intention(self) -> None:
        """Its survey answer: outsource more, the same or less, from its own experience."""
        config = self.model.config
        self.intention_score = self.intention_parts().score
        self.intention = make_or_buy.intention_from_score(self.intention_score, config.behaviour.intention_threshold)

    def intention_parts(self) -> make_or_buy.IntentionParts:
        """What its intention score is made of: its experience, its attitude, the common bias."""
        config = self.model.config
        return make_or_buy.intention_parts(
            self.vfm_outsourced, self.vfm_in_house, self.trust_in_market(), self.recent_disruption,
            self.budget_pressure, self.failures_seen, self.attitude, config.behaviour.intention_bias,
            config.make_or_buy)

    def update_public_trust(self) -> None:
        """Residents' trust moves with quality, unmet need, disruption and transparency."""
        slots = self.slots
        need = sum([s.need_value for s in slots])
        if need <= 0.0:
            return
        quality = sum([s.delivered_quality for s in slots]) / need
        disrupted = self.disruption()
        config = self.model.config
        t, b = config.trust, config.behaviour
        satisfaction = public_satisfaction(quality, self.principles["accountable"], self.steering_strength, disrupted, t)
        self.public_trust = update_trust(self.public_trust, satisfaction, b.trust_gain_rate * t.public_rate_share,
                                         b.trust_loss_rate * t.public_rate_share)
