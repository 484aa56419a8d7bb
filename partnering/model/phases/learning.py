"""Phase 6, learning: suppliers adapt margins; councils' skills, memories, intentions and
reputations move; in-house capacity decays or is rebuilt; creative partnerships learn jointly;
councils reset their monitoring to their trust."""

from __future__ import annotations

from typing import TYPE_CHECKING

from partnering.rules import learning

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel


def learn(model: PartneringModel) -> None:
    cfg = model.config
    b = cfg.behaviour
    margin_step, overhead_rate = b.margin_step, cfg.world.overhead_rate
    for bidder in model.bidders:  # groups remember their tenders; their surplus is a policy
        bidder.adapt_margin(margin_step, overhead_rate)
    invested = cfg.policy.public_capacity_investment
    in_house, decay = cfg.in_house, b.inhouse_decay
    majority = in_house.majority_share
    in_house_capacity = learning.in_house_capacity
    for council in model.councils:
        council.update_capability()
        council.remember_value_for_money()
        council.update_intention()
        for slot in council.slots:
            mostly_in_house = slot.in_house_share + slot.stopgap_share > majority
            slot.inhouse_capacity = in_house_capacity(slot.inhouse_capacity, mostly_in_house, invested, decay, in_house)
    by_id = {c.unique_id: c for c in model.councils}
    for council in model.councils:
        council.absorb_reputation(by_id)
    prior, joint = cfg.trust.prior, cfg.learning
    joint_learning = learning.joint_learning
    for contract in model.contracts:
        lead = contract.councils[0]
        trust = lead.trust.get(contract.provider.unique_id, prior)
        contract.learning = joint_learning(contract.learning, lead.principles["creative"], trust, joint)
        if not contract.grant:
            contract.monitoring = lead.choose_monitoring(trust)
