"""Plain-language notes on what each lever changes in the model, for workshop participants.

The one-line meaning of each lever comes from the schema; these notes add *how* the model uses
it, in words a facilitator can read aloud. They describe mechanisms, not results (the results are
for the participants to discover), and stay qualitative because the mechanisms' constants are
tuned elsewhere (see docs/odd.md). A test checks that every lever in the schema has a note here.
"""

from __future__ import annotations

LEVER_NOTES: dict[str, str] = {
    "principles.collaborative": (
        "Councils share cost overruns with suppliers on open-book contracts, make penalties "
        "proportionate, monitor less where they already trust a supplier, give weight to a bidder's "
        "track record when scoring tenders, listen to what partner councils say about suppliers, and "
        "may commission a service jointly with a neighbouring council. The risk: where councils' "
        "commercial skills are weak and suppliers opportunistic, that trust can be exploited."
    ),
    "principles.creative": (
        "Tenders specify outcomes rather than processes: scoring weighs quality more and price less, "
        "tendering and bidding cost less, and long, trusted partnerships learn together, so the "
        "supplier's capability (and the quality delivered) grows over the contract."
    ),
    "principles.adaptable": (
        "Contracts are shorter and have yearly break points at which a poorly performing contract can "
        "be ended without penalty, and the volume bought follows demand instead of being fixed, so "
        "less need goes unmet when demand rises or swings."
    ),
    "principles.accountable": (
        "More contracts are open-book (hidden margins show and corner-cutting is easier to detect, "
        "but cost discipline slackens), performance is published, and above the midpoint councils "
        "run community steering groups. Transparency raises residents' trust in the council."
    ),
    "principles.place_based": (
        "Services are split into more, smaller lots that local SMEs can win, bidding costs small firms "
        "less, tender scoring counts social value, new SMEs set up more readily, SMEs can bid with a "
        "community group as partner, and services that suit it can be handed to community groups."
    ),
    "policy.social_value_in_contracts": (
        "Social value is scored in every tender and monitored during the contract; local firms, "
        "community groups and accredited suppliers generate more of it when it is measured."
    ),
    "policy.accreditation_required": (
        "Only firms with social-responsibility accreditation may bid for lots above the threshold. "
        "Fewer firms qualify for big lots; SMEs may pay to become accredited."
    ),
    "policy.accreditation_threshold": (
        "The lot value (£m a year) above which accreditation is required, when that switch is on."
    ),
    "policy.open_book_required": (
        "Contracts above the threshold are open-book: councils see the supplier's costs, so margins "
        "and corner-cutting are easier to spot, but suppliers' costs tend to drift up."
    ),
    "policy.open_book_threshold": (
        "The contract value (£m a year) above which open-book is required, when that switch is on."
    ),
    "policy.procurement_training": (
        "Councils train their procurement staff every year: commercial capability rises (clearer "
        "specifications, sharper evaluation, better detection of corner-cutting), at a yearly cost."
    ),
    "policy.steering_groups": (
        "Every council runs community steering groups across design, delivery and evaluation, whatever "
        "its culture: services fit local need better and residents' trust rises."
    ),
    "policy.public_capacity_investment": (
        "Councils invest in their own capacity: budgets grow a little faster, in-house teams are "
        "rebuilt sooner and run a little cheaper, and commercial capability rises, at a yearly cost."
    ),
}
