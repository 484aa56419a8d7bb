"""Councils: commission services, evaluate bids, monitor, trust, decide make-or-buy, learn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import mesa

from partnering.model import make_or_buy, procurement
from partnering.model.trust import PRIOR_TRUST, blend_reputation, update_trust

if TYPE_CHECKING:
    from partnering.model.contracts import ServiceSlot
    from partnering.model.model import PartneringModel

BASE_MONITORING = 0.8
"""Monitoring intensity of transactional contract management (management by penalty)."""

MONITORING_COST = 0.02
"""£ of contract management per £ of contract payment at full monitoring intensity."""

TRAINING_COST = 0.05
"""£m a quarter per council for compulsory procurement training."""

CAPACITY_INVESTMENT_COST = 0.08
"""£m a quarter per council for investment in public-sector capacity."""


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
    __slots__ = ("_weights", "affordability", "annual_budget", "attitude", "budget_index",
                 "commercial_capability", "intention", "intention_score", "late_payment", "leader", "model",
                 "monitoring_quarter", "name", "overhead_quarter", "paid_to_providers", "partners",
                 "place", "pos", "principles", "public_trust", "recent_disruption", "slots",
                 "spend_quarter", "steering_strength", "trust", "unique_id", "unit_cost_estimate",
                 "vfm_in_house", "vfm_outsourced")

    def __init__(self, model: PartneringModel, name: str, place: int, principles: dict[str, float],
                 commercial_capability: float, annual_budget: float, attitude: float) -> None:
        super().__init__(model)
        self.name = name
        self.place = place
        self.principles = dict(principles)
        self.commercial_capability = commercial_capability
        self.annual_budget = annual_budget
        self.budget_index = 1.0
        self.affordability = 1.0
        self.unit_cost_estimate = 1.05
        self.slots: list[ServiceSlot] = []
        self.trust: dict[int, float] = {}
        self.public_trust = 0.5
        self.vfm_in_house = 1.0
        self.vfm_outsourced = 1.0
        self.recent_disruption = 0.0
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
        self._weights: tuple[dict, tuple, bool, procurement.EvaluationWeights] | None = None

    # --- what it believes -----------------------------------------------------------------
    def trust_in(self, provider_id: int) -> float:
        return self.trust.get(provider_id, PRIOR_TRUST)

    def trust_in_market(self) -> float:
        """Mean trust in the providers it currently contracts with (prior if none)."""
        ids = {c.provider.unique_id for s in self.slots for c in s.contracts if not c.grant}
        if not ids:
            return PRIOR_TRUST
        return sum([self.trust_in(i) for i in ids]) / len(ids)

    @property
    def budget_quarter(self) -> float:
        return self.annual_budget * self.budget_index / 4.0

    @property
    def budget_pressure(self) -> float:
        return 1.0 - self.affordability

    @property
    def share_outsourced(self) -> float:
        return sum([s.contracted_share for s in self.slots]) / len(self.slots)

    @property
    def accountable_open(self) -> bool:
        """Whether it runs community steering groups (policy lever or a strongly accountable culture)."""
        return self.model.config.policy.steering_groups or self.principles["accountable"] >= 0.5

    # --- procurement decisions ------------------------------------------------------------
    def evaluation_weights(self) -> procurement.EvaluationWeights:
        p = self.principles
        social_value_in_contracts = self.model.config.policy.social_value_in_contracts
        # read for every contract every quarter: remembered for as long as the principles (the
        # same dict, with the same values) and the policy it derives from are unchanged
        levels = tuple(p.values())
        cached = self._weights
        if cached is not None and cached[0] is p and cached[1] == levels and cached[2] == social_value_in_contracts:
            return cached[3]
        weights = procurement.evaluation_weights(
            p["collaborative"], p["creative"], p["adaptable"], p["accountable"], p["place_based"],
            social_value_in_contracts,
        )
        self._weights = (p, levels, social_value_in_contracts, weights)
        return weights

    def contract_length(self) -> int:
        """Quarters: seven years when rigid, three when fully adaptable (phased contracts)."""
        return round(28 - 16 * self.principles["adaptable"])

    def contract_terms(self, annual_value: float) -> ContractTerms:
        """Adaptable councils write shorter phased contracts with break points and flexible volume;
        accountable ones open the books; collaborative ones share risk and penalise in proportion."""
        p = self.principles
        policy = self.model.config.policy
        length = self.contract_length()
        break_interval = 4 if p["adaptable"] >= 0.3 else 0
        open_book = policy.open_book_required and annual_value > policy.open_book_threshold
        if not open_book:
            open_book = bool(self.model.rng.random() < p["accountable"])
        risk_share = 1.0 - 0.5 * p["collaborative"] if open_book else 1.0
        penalty = self.model.config.behaviour.penalty_rate * (1.0 - 0.6 * p["collaborative"])
        return ContractTerms(length, break_interval, p["adaptable"], open_book, risk_share, penalty)

    def choose_monitoring(self, trust: float) -> float:
        """Monitoring intensity: collaborative councils lean on trust and monitor less."""
        relief = 0.6 * self.principles["collaborative"] * trust
        social = 0.1 if self.model.config.policy.social_value_in_contracts else 0.0
        intensity = BASE_MONITORING * (1.0 - relief) + social
        return intensity if intensity < 1.0 else 1.0

    def perception_noise(self) -> float:
        """Sd of its error in seeing a quality (a bid's offer, a quarter's delivery): larger when
        its commercial capability is weak."""
        return 0.15 * (1.0 - self.commercial_capability)

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
        b = self.model.config.behaviour
        p = self.principles
        service = slot.service
        others = [s for s in self.slots if s is not slot]
        share_in_house = sum([s.in_house_share for s in others]) / max(1, len(others))
        circumstances = make_or_buy.score_circumstances(
            slot.last_bidders, capable_suppliers, service.volatility * self.model.config.world.demand_volatility, p["adaptable"],
            self.commercial_capability, service.integration, share_in_house,
        )
        mean_vfm = 0.5 * (self.vfm_in_house + self.vfm_outsourced)
        advantage = (self.vfm_in_house - self.vfm_outsourced) / mean_vfm if mean_vfm > 0 else 0.0
        intent = {"more": -0.3, "same": 0.0, "less": 0.3}[self.intention]
        u_in, reason = make_or_buy.insourcing_utility(circumstances, advantage, slot.inhouse_capacity, b.insourcing_bias + intent)
        u_out = make_or_buy.outsourcing_utility(self.trust_in_market(), service.scale_economies, self.budget_pressure)
        utilities = {"in_house": u_in, "outsourced": u_out}
        if partner_available:
            utilities["co_commissioned"] = u_out + 0.6 * p["collaborative"] * (0.5 + service.scale_economies) - 0.2
        if community_available:
            utilities["community"] = 2.0 * service.community_suitability * (0.2 + p["place_based"]) - 0.6
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
        policy = self.model.config.policy
        b = self.model.config.behaviour
        cap = self.commercial_capability
        cap += 0.03 * (1.0 - cap) * policy.procurement_training
        cap += 0.01 * (1.0 - cap) * policy.public_capacity_investment
        cap -= b.skill_erosion * self.share_outsourced * cap
        self.commercial_capability = min(1.0, max(0.0, cap))
        if policy.procurement_training:
            self.overhead_quarter += TRAINING_COST
        if policy.public_capacity_investment:
            self.overhead_quarter += CAPACITY_INVESTMENT_COST

    def remember_value_for_money(self) -> None:
        """Update its memory of quality per £ for in-house and for outsourced delivery."""
        for slot in self.slots:
            if slot.spend <= 0.0:
                continue
            vfm = slot.delivered_quality / slot.spend
            if slot.contracted_share > 0.5:
                self.vfm_outsourced += 0.1 * (vfm - self.vfm_outsourced)
            elif slot.in_house_share > 0.5:
                self.vfm_in_house += 0.1 * (vfm - self.vfm_in_house)
        disrupted = sum([s.disrupted for s in self.slots]) / len(self.slots)
        self.recent_disruption += 0.2 * (disrupted - self.recent_disruption)

    def update_intention(self) -> None:
        """Its survey answer: outsource more, the same or less, from its own experience."""
        b = self.model.config.behaviour
        self.intention_score = make_or_buy.intention_score(
            self.vfm_outsourced, self.vfm_in_house, self.trust_in_market(), self.recent_disruption,
            self.attitude, b.intention_bias,
        )
        self.intention = make_or_buy.intention_from_score(self.intention_score, b.intention_threshold)

    def update_public_trust(self) -> None:
        """Residents' trust moves with quality, unmet need, disruption and transparency."""
        slots = self.slots
        need = sum([s.need_value for s in slots])
        if need <= 0.0:
            return
        quality = sum([s.delivered_quality for s in slots]) / need
        disrupted = sum([s.disrupted for s in slots]) / len(slots)
        transparency = 0.1 * self.principles["accountable"] + 0.1 * self.steering_strength
        satisfaction = quality + transparency - 1.5 * disrupted
        b = self.model.config.behaviour
        self.public_trust = update_trust(self.public_trust, satisfaction, b.trust_gain_rate / 2, b.trust_loss_rate / 2)
