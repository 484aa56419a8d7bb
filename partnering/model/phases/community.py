"""Phase 3, community: steering groups form where councils are accountable, volunteer capacity
drifts, and residents' trust in their council moves."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel


def engage_communities(model: PartneringModel) -> None:
    for council in model.councils:
        groups = model.groups_by_place[council.place]
        open_ = council.accountable_open
        joined = [g.engagement for g in groups if g.decide_join_steering(open_)]
        council.steering_strength = (sum(joined) / len(groups)) if groups and joined else 0.0
        for g in groups:
            g.churn_volunteers()
        council.update_public_trust()
