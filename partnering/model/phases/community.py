"""Phase 3, community: steering groups form where councils are accountable, volunteer capacity
drifts, and residents' trust in their council moves."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel


def engage_communities(model: PartneringModel) -> None:
    """Groups join the steering groups of open councils, their volunteers churn, and each
    council's residents re-read it.

    Churn is the phase's only draw, one normal per group in council order, so the draws are taken
    at once: the same numbers in the same order as one call per group.
    """
    groups_by_place = model.groups_by_place
    n_groups = sum([len(groups_by_place[council.place]) for council in model.councils])
    shocks = iter(model.rng.normal(0.0, model.config.groups.volunteer_churn, n_groups).tolist())
    for council in model.councils:
        groups = groups_by_place[council.place]
        open_ = council.accountable_open
        joined = [g.engagement for g in groups if g.decide_join_steering(open_)]
        council.steering_strength = (sum(joined) / len(groups)) if groups and joined else 0.0
        for g in groups:
            g.churn_volunteers(next(shocks))
        council.update_public_trust()
