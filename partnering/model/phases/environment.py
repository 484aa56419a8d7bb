"""Phase 1, environment: demand grows and fluctuates, shocks fire, budgets follow their path."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from partnering.rules.records import QuarterFlows
from partnering.rules.units import QUARTERS_PER_YEAR
from partnering.scenarios.schema import Shock

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel


def apply_environment(model: PartneringModel) -> None:
    """Demand follows its trend with AR(1) shocks in logs; budgets grow (or shrink) on their path;
    each council reads how much of its need it can afford and whether it pays late."""
    cfg = model.config
    for shock in cfg.shocks:
        if shock.step == model.now:
            fire_shock(model, shock)
    per_quarter = 1 / QUARTERS_PER_YEAR
    growth = (1.0 + cfg.world.demand_growth) ** per_quarter
    budget_growth = (1.0 + cfg.world.budget_growth + cfg.commissioning.capacity_investment_budget_growth
                     * cfg.policy.public_capacity_investment) ** per_quarter
    councils = model.councils
    n_slots = len(councils) * len(cfg.services)
    # the phase's draws, all at once: the same numbers in the same order as one at a time (the
    # demand shocks first, then one uniform per council for late payment), as floats
    shocks = iter(model.rng.normal(0.0, 1.0, n_slots).tolist())
    late_draws = iter(model.rng.random(len(councils)).tolist())
    volatility = cfg.world.demand_volatility
    persistence = cfg.world.demand_persistence
    late_payment = cfg.commissioning.late_payment_pressure
    services = cfg.services
    for council in councils:
        council.budget_index *= budget_growth
        council.spend_quarter = council.overhead_quarter = council.monitoring_quarter = 0.0
        council.late_payment = False
        needed = 0.0
        trend, noise, demand = council.demand_trend, council.demand_noise, council.demand
        for i, spec in enumerate(services):  # one demand path per service, shared by its positions
            trend[i] *= growth
            noise[i] = persistence * noise[i] + volatility * spec.volatility * next(shocks)
            demand[i] = trend[i] * math.exp(noise[i])
            needed += spec.annual_value * demand[i] / QUARTERS_PER_YEAR
        council.affordability = affordability = min(1.0, council.budget_quarter / (needed * council.unit_cost_estimate))
        council.late_payment = next(late_draws) < late_payment * council.budget_pressure
        for slot in council.slots:
            slot.reset_observations()
            slot.demand = level = demand[slot.service_index]
            slot.funded = level * affordability
            slot.need_value = slot.value * level / QUARTERS_PER_YEAR
    for contract in model.contracts:  # need has moved
        contract.forget_value()
    model.flows = QuarterFlows()
    for provider in model.providers:
        provider.revenue_quarter = provider.cost_quarter = 0.0
        provider.refresh_load()


def fire_shock(model: PartneringModel, shock: Shock) -> None:
    """A demand surge or budget cut now; a supplier failure at the next finance phase."""
    if shock.kind == "demand_surge":
        for council in model.councils:
            for i, spec in enumerate(model.config.services):
                if not shock.service or spec.name == shock.service:
                    council.demand_trend[i] *= 1.0 + shock.size
        what = shock.service.replace("_", " ") if shock.service else "all services"
        model.events.add(model.now, "shock", f"Demand surge of {shock.size:.0%} in {what}", service=shock.service)
    elif shock.kind == "budget_cut":
        for council in model.councils:
            council.budget_index *= 1.0 - shock.size
        model.events.add(model.now, "shock", f"Budgets cut by {shock.size:.0%}")
    else:
        model.forced_failures.append(shock.target)
