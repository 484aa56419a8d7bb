"""The constants of each mechanism, declared as parameters (kind ``uncertainty``).

Every number that shapes behaviour is declared here or in :mod:`partnering.scenarios.schema`,
with its default, bounds, unit, one-line meaning and a source (or the word "judgement"), so that
sensitivity analysis, EMA Workbench runs and calibration can vary it. One section per mechanism,
named as its home in :mod:`partnering.rules` or :mod:`partnering.agents`:

- ``suppliers`` and ``groups``: the populations of firms and VCSE groups drawn at the start;
- ``commissioning``: how councils budget, write contracts, monitor and run tenders;
- ``procurement``: lots, cost estimates, bid costs, evaluation weights, margins;
- ``delivery``: the effort choice, detection, volumes, payment and the readings each side takes;
- ``in_house``: councils' own delivery, its cost and capacity;
- ``finance``: overheads, credit and the stop-gap after a failure;
- ``make_or_buy``: the four circumstances, the mode utilities and the outsourcing intention;
- ``trust``: priors, thresholds and public trust;
- ``learning``: commercial capability, joint learning and memories;
- ``market``: entry and exit;
- ``social_value``: social value offered in bids and generated per £ spent.

The bounds are the range a sensitivity analysis samples: plausible values around the default,
wider where the default is a judgement with little to ground it.
"""

from __future__ import annotations

from partnering.scenarios.declare import Section, param

J = "judgement"
NCVO = ("NCVO UK Civil Society Almanac (2021): of about 166,000 voluntary organisations, roughly 80% have an income "
        "under £100k and about 4% over £1m")


def u(default, low, high, unit: str, meaning: str, source: str = J):
    """An uncertainty: what the world does, which no council controls."""
    return param(default, low, high, unit, meaning, "uncertainty", source)


class Suppliers(Section):
    """The firms drawn at the start (and on entry): large suppliers with a regional footprint and
    local SMEs, each active in a few service lines, with capacity, capability and cost per line."""

    large_capacity_share: float = u(0.35, 0.05, 1.0, "share of market value", "median capacity of a large supplier in each of its lines, as a share of that line's annual value in its footprint")
    large_capacity_spread: float = u(0.4, 0.0, 1.5, "sd of log", "spread of large suppliers' capacities (sd of log capacity)")
    large_capability_mean: float = u(0.8, 0.5, 1.0, "level", "mean delivery capability of a large supplier in a line")
    large_capability_sd: float = u(0.04, 0.0, 0.2, "level", "sd of large suppliers' capability")
    large_capability_floor: float = u(0.5, 0.0, 0.9, "level", "lowest capability a large supplier is drawn with")
    large_cost_efficiency_mean: float = u(0.98, 0.8, 1.2, "unit cost", "mean unit cost of a large supplier in a line before scale economies (1 = base cost)")
    large_cost_efficiency_sd: float = u(0.03, 0.0, 0.2, "unit cost", "sd of large suppliers' unit cost")
    large_margin_mean: float = u(0.08, 0.0, 0.3, "share of cost", "mean target margin of a large supplier at the start")
    large_margin_sd: float = u(0.02, 0.0, 0.1, "share of cost", "sd of large suppliers' starting margins")
    large_opportunism_sd: float = u(0.15, 0.0, 0.5, "level", "sd of large suppliers' opportunism around world.supplier_opportunism")
    large_accredited_share: float = u(0.6, 0.0, 1.0, "share", "chance a large supplier starts with social-responsibility accreditation")
    large_extra_line_chance: float = u(0.25, 0.0, 1.0, "chance per line", "chance a large supplier is active in each service line beyond its first")
    large_extra_region_chance: float = u(0.2, 0.0, 1.0, "chance per region", "chance a large supplier serves each region beyond its home region")
    large_line_base: float = u(0.5, 0.0, 5.0, "weight", "weight of a line in a large firm's choice of lines, beyond its scale economies (lines are chosen in proportion to value x (base + scale economies))")
    sme_capacity_median: float = u(3.5, 0.5, 20.0, "£m per year", "median annual capacity of an SME")
    sme_capacity_spread: float = u(0.5, 0.0, 1.5, "sd of log", "spread of SMEs' capacities (sd of log capacity)")
    sme_capability_mean: float = u(0.74, 0.4, 1.0, "level", "mean delivery capability of an SME")
    sme_capability_sd: float = u(0.05, 0.0, 0.2, "level", "sd of SMEs' capability")
    sme_capability_floor: float = u(0.4, 0.0, 0.9, "level", "lowest capability an SME is drawn with")
    sme_cost_efficiency_mean: float = u(1.0, 0.8, 1.3, "unit cost", "mean unit cost of an SME before its scale penalty and local saving (1 = base cost)")
    sme_cost_efficiency_sd: float = u(0.04, 0.0, 0.2, "unit cost", "sd of SMEs' unit cost")
    sme_margin_mean: float = u(0.06, 0.0, 0.3, "share of cost", "mean target margin of an SME at the start")
    sme_margin_sd: float = u(0.02, 0.0, 0.1, "share of cost", "sd of SMEs' starting margins")
    sme_opportunism_offset: float = u(-0.05, -0.5, 0.5, "level", "SMEs' mean opportunism relative to world.supplier_opportunism")
    sme_opportunism_sd: float = u(0.15, 0.0, 0.5, "level", "sd of SMEs' opportunism")
    sme_accredited_share: float = u(0.2, 0.0, 1.0, "share", "chance an SME starts with social-responsibility accreditation")
    sme_extra_line_chance: float = u(0.05, 0.0, 1.0, "chance per line", "chance an SME is active in each service line beyond its first")
    sme_line_base: float = u(0.5, 0.0, 5.0, "weight", "weight of a line in an SME's choice of line, beyond the value of local knowledge (value x (base + local knowledge))")
    scale_cost_cut: float = u(0.15, 0.0, 0.5, "share of unit cost", "largest unit-cost saving of a large supplier from scale economies, on a service with full scale economies")
    scale_reference_share: float = u(0.15, 0.01, 1.0, "share of market value", "load in a line, as a share of that line's value in its footprint, at which a large supplier enjoys full scale economies")
    sme_scale_penalty: float = u(0.12, 0.0, 0.5, "share of unit cost", "extra unit cost of an SME on a service with full scale economies")
    sme_local_saving: float = u(0.06, 0.0, 0.3, "share of unit cost", "unit-cost saving of an SME where local knowledge matters fully")
    large_localness: float = u(0.2, 0.0, 1.0, "level", "local knowledge a large supplier brings to any place")
    sme_localness_nearby: float = u(0.6, 0.0, 1.0, "level", "local knowledge an SME brings to a neighbouring place (1 in its own)")
    win_prior_strength: float = u(4.0, 0.5, 40.0, "tenders", "weight, in tenders, of a firm's prior belief about its chance of winning against the market's expected number of bids (Levin and Smith 1994)", "Levin and Smith (1994) on entry into auctions")
    memory_quarters: int = u(12, 1, 40, "quarters", "quarters of bids and wins a firm remembers when judging its chance of winning")
    margin_reversion: float = u(0.1, 0.0, 1.0, "per quarter", "pull of an idle firm's margin back to its pricing policy")
    accreditation_cost: float = u(0.01, 0.0, 1.0, "£m", "one-off cost to a firm of social-responsibility accreditation")
    accreditation_cash_cover: float = u(3.0, 0.0, 20.0, "multiple of cost", "cash, as a multiple of its cost, a firm holds before buying accreditation")


class Groups(Section):
    """Community and voluntary (VCSE) groups: their draw at the start and their volunteer life."""

    income_median: float = u(0.01, 0.001, 0.2, "£m per year", "median income of voluntary organisations (the whole sector, from micro groups up)", NCVO)
    income_spread: float = u(2.5, 0.5, 4.0, "sd of log", "spread of their incomes (sd of log income): many very small, a few large", NCVO)
    delivery_threshold: float = u(0.1, 0.01, 2.0, "£m per year", "income from which an organisation can deliver public services: the groups in the model are those above it (a truncated lognormal)", NCVO)
    extra_line_chance: float = u(0.1, 0.0, 1.0, "chance per line", "chance a group is active in each service line beyond its first (lines are chosen in proportion to value x community suitability)")
    margin: float = u(0.02, 0.0, 0.2, "share of cost", "surplus a group prices in when it bids (for reinvestment, not profit)")
    min_suitability: float = u(0.2, 0.0, 1.0, "level", "community suitability a service needs before groups bid for its contracts")
    social_capital_low: float = u(0.3, 0.0, 1.0, "level", "one end of the range a group's social capital is drawn from (uniform; the ends may come in either order)")
    social_capital_high: float = u(0.9, 0.0, 1.0, "level", "the other end of that range")
    engagement_low: float = u(0.2, 0.0, 1.0, "level", "one end of the range a group's starting engagement is drawn from (uniform; either order)")
    engagement_high: float = u(0.8, 0.0, 1.0, "level", "the other end of that range")
    capability_base: float = u(0.62, 0.3, 1.0, "level", "delivery capability of a group without social capital")
    capability_per_social_capital: float = u(0.15, 0.0, 0.5, "level", "capability a group gains with full social capital")
    cost_efficiency: float = u(0.92, 0.5, 1.3, "unit cost", "unit cost of a group's delivery (volunteers keep it low)")
    cash_share: float = u(0.25, 0.0, 2.0, "share of capacity", "starting cash of a group, as a share of its annual capacity")
    volunteer_churn: float = u(0.05, 0.0, 0.5, "share of capacity", "sd of the quarterly change in a group's volunteer capacity (fragile capacity)")
    capacity_pull: float = u(0.2, 0.0, 1.0, "per quarter", "pull of a group's capacity back towards its usual level")
    capacity_floor: float = u(0.05, 0.0, 1.0, "share of capacity", "lowest capacity a group falls to, as a share of its usual level")
    steering_min_engagement: float = u(0.3, 0.0, 1.0, "level", "engagement a group needs to join a steering group")
    steering_min_capacity: float = u(0.2, 0.0, 1.0, "share of capacity", "capacity, as a share of its usual level, a group needs to join a steering group")
    consortium_min_engagement: float = u(0.3, 0.0, 1.0, "level", "engagement a group needs to partner an SME in a consortium")
    engagement_in_steering: float = u(0.9, 0.0, 1.0, "level", "engagement a group drifts towards while in a steering group")
    engagement_outside: float = u(0.4, 0.0, 1.0, "level", "engagement a group drifts towards outside steering groups")
    engagement_rate: float = u(0.05, 0.0, 1.0, "per quarter", "speed of that drift")
    localness_elsewhere: float = u(0.5, 0.0, 1.0, "level", "local knowledge a group brings outside its own place (1 in its own)")
    consortium_share: float = u(0.15, 0.0, 0.5, "share of lot", "share of an SME's lot its community-group partner delivers in a place-based consortium")
    grant_quarters: int = u(12, 1, 40, "quarters", "length of a community-delivery grant")
    grant_break_interval: int = u(4, 1, 40, "quarters", "interval between break points of a grant")
    grant_monitoring: float = u(0.3, 0.0, 1.0, "intensity", "monitoring intensity of a community grant")
    grant_min_suitability: float = u(0.3, 0.0, 1.0, "level", "community suitability a service needs before a council considers a grant")
    grant_capacity_cover: float = u(0.8, 0.0, 2.0, "share of position value", "spare capacity, as a share of the contract position's annual value, a group needs to take it on a grant")


class Commissioning(Section):
    """How councils budget, write contracts, monitor and run tenders (their decisions' constants)."""

    budget_headroom: float = u(1.06, 0.8, 1.5, "multiple of service value", "a council's starting budget as a multiple of its services' annual value")
    capability_sd: float = u(0.1, 0.0, 0.3, "level", "sd of councils' commercial capability around world.commercial_capability")
    capability_floor: float = u(0.05, 0.0, 0.5, "level", "lowest commercial capability a council is drawn with")
    initial_unit_cost_estimate: float = u(1.05, 0.8, 1.5, "£ per £ of need", "a council's starting estimate of the unit cost of delivering its services")
    unit_cost_learning: float = u(0.3, 0.0, 1.0, "per quarter", "speed at which a council's unit-cost estimate follows what it spends")
    late_payment_pressure: float = u(2.0, 0.0, 10.0, "chance per unit of pressure", "chance of paying suppliers late, per unit of budget pressure")
    rigid_contract_quarters: int = u(28, 4, 120, "quarters", "contract length a rigid (adaptable = 0) council writes: seven years")
    adaptable_contract_quarters: int = u(12, 1, 120, "quarters", "contract length a fully adaptable council writes (phased contracts): three years; lengths in between follow the adaptable level")
    break_interval: int = u(4, 1, 40, "quarters", "interval between break points of an adaptable contract")
    break_min_adaptable: float = u(0.3, 0.0, 1.0, "level", "adaptable level from which a council writes break points")
    break_quality: float = u(0.5, 0.0, 1.0, "quality", "smoothed quality below which a council breaks a contract at a break point")
    risk_share_relief: float = u(0.5, 0.0, 1.0, "share", "share of overrun risk a fully collaborative council takes back under open book")
    penalty_relief: float = u(0.6, 0.0, 1.0, "share", "cut in penalties by a fully collaborative council (proportionate remedies)")
    base_monitoring: float = u(0.8, 0.0, 1.0, "intensity", "monitoring intensity of transactional contract management (management by penalty)")
    monitoring_relief: float = u(0.6, 0.0, 1.0, "share", "cut in monitoring by a fully collaborative council that fully trusts its supplier")
    social_value_monitoring: float = u(0.1, 0.0, 0.5, "intensity", "extra monitoring when social value is measured in contracts")
    perception_noise: float = u(0.15, 0.0, 0.5, "quality", "sd of a council's error in seeing quality, at zero commercial capability")
    monitoring_cost: float = u(0.02, 0.0, 0.2, "£ per £ paid", "contract-management cost per £ of contract payment at full monitoring")
    training_cost: float = u(0.05, 0.0, 1.0, "£m per quarter", "cost to a council of compulsory procurement training")
    capacity_investment_cost: float = u(0.08, 0.0, 1.0, "£m per quarter", "cost to a council of investing in public-sector capacity")
    capacity_investment_budget_growth: float = u(0.01, 0.0, 0.1, "per year", "extra real budget growth that comes with investing in public-sector capacity")
    tender_cost_share: float = u(0.01, 0.0, 0.1, "share of lot value", "a council's cost of running a tender, per unit of process weight")
    prescriptive_process: float = u(1.5, 1.0, 3.0, "process weight", "weight of a fully prescriptive tender process (creative lowers it one for one); scales tender and bid costs")
    steering_accountable_level: float = u(0.5, 0.0, 1.0, "level", "accountable level from which a council runs community steering groups without the policy lever")
    consortium_place_based_level: float = u(0.5, 0.0, 1.0, "level", "place-based level from which a council welcomes SME-VCSE consortia")


class Procurement(Section):
    """Lots, estimates, bid costs, evaluation weights and margins."""

    max_lots: int = u(4, 1, 20, "lots", "most lots a fully place-based council splits one service into")
    min_lot_value: float = u(0.5, 0.01, 10.0, "£m per year", "smallest lot a council splits a service into")
    estimate_error_floor: float = u(0.5, 0.0, 2.0, "factor", "estimate-error factor of a perfectly measurable service (and of a perfectly capable council); each falls one for one from 1.5")
    bid_cost_floor: float = u(0.01, 0.0, 0.2, "£m", "fixed cost of any bid (weighs most on small firms)")
    small_bidder_relief: float = u(0.4, 0.0, 1.0, "share", "cut in a small firm's bid cost under fully place-based, light-touch processes")
    margin_floor: float = u(-0.02, -0.2, 0.0, "share of cost", "lowest target margin a firm bids at (a loss leader, never a give-away)")
    margin_ceiling: float = u(0.3, 0.1, 1.0, "share of cost", "highest target margin a firm asks")
    quality_weight: float = u(0.2, 0.0, 0.7, "weight", "weight of quality in a transactional evaluation; price carries the rest")
    creative_quality_weight: float = u(0.15, 0.0, 0.4, "weight", "weight moved from price to quality by a fully creative council")
    adaptable_quality_weight: float = u(0.05, 0.0, 0.2, "weight", "weight moved from price to quality by a fully adaptable council")
    accountable_quality_weight: float = u(0.05, 0.0, 0.2, "weight", "weight moved from price to quality by a fully accountable council")
    place_based_social_weight: float = u(0.15, 0.0, 0.4, "weight", "weight moved from price to social value by a fully place-based council")
    measured_social_weight: float = u(0.1, 0.0, 0.3, "weight", "weight moved from price to social value when social value is measured in contracts")
    collaborative_track_weight: float = u(0.2, 0.0, 0.4, "weight", "weight moved from price to track record by a fully collaborative council")
    bidders_memory: float = u(0.5, 0.0, 1.0, "share", "weight of the latest tender in a council's running count of bidders, and in the market's (line x region) expected number of bids that firms read")
    initial_bidders: float = u(3.0, 0.0, 20.0, "bids", "the count of bidders a council expects before its first tender")
    capable_lot_share: float = u(0.5, 0.01, 1.0, "share of position value", "lot size, as a share of the contract position under review, that a provider must be able to take to count as capable")
    retender_quarters: int = u(4, 1, 20, "quarters", "in-house spell after a failed tender before the service is reviewed again, and the shortest re-procured term")
    co_commissioning_window: int = u(4, 0, 20, "quarters", "how soon a neighbour's review must fall to join a co-commissioned tender")
    incumbent_error_factor: float = u(0.5, 0.0, 1.0, "share", "a sitting provider's cost-estimate error, as a share of a newcomer's: it knows the service")
    incumbent_deterrence: float = u(0.0, 0.0, 0.9, "share", "how much a rival marks down its chance of winning when the sitting provider may bid: the informed bidder's advantage deters entry (0 = rivals ignore it)", "Engelbrecht-Wiggans, Milgrom and Weber 1983 (an informed bidder deters uninformed ones); Coviello and Gagliarducci 2017 (fewer bidders and repeat winners where relationships last); size: judgement, to be calibrated")
    notice_chance: float = u(1.0, 0.05, 1.0, "probability", "chance that a firm able to bid for a lot notices and considers the tender; the sitting provider always does (1 = every eligible firm considers every tender)", "Coviello and Mariniello (2014) (wider publicity draws more bidders); Kang and Miller (2022) (costly awareness and entry leave many contracts with one bid); size: judgement, to be calibrated")
    price_squeeze: float = u(0.0, 0.0, 1.0, "share of the budget shortfall", "how much of its budget shortfall a council passes to the most it will pay per unit (its affordability ceiling) rather than to the volume it buys; 0 = no ceiling, shortfalls cut volume only", "CMA (2017) Care homes market study (council fee rates below the full cost of care); McAfee and McMillan (1987) (a binding reserve price deters entry); size: judgement, to be calibrated")
    ceiling_markup: float = u(0.1, 0.0, 0.5, "share of cost estimate", "margin over its estimate of the unit cost that a council's ceiling allows when its budget is not short (used only when price_squeeze > 0)")
    mobilisation_cost: float = u(0.02, 0.0, 0.2, "share of annual value", "one-off cost to a new provider of taking a service over (staff transfer, systems): incumbents do not pay it")
    complexity_weight: float = u(1.0, 0.0, 2.0, "factor", "how much a lot's complexity raises bid costs: the cost factor is 1 + weight x (complexity - 0.5)")


class SupplyChain(Section):
    """Primes subcontract part of delivery to local SMEs and VCSEs; subcontractors are paid in
    arrears, so a failing prime leaves them owed (Carillion owed some £2bn: NAO 2018, HC 1002)."""

    base_share: float = u(0.1, 0.0, 0.6, "share of delivery", "share of a contract a large prime subcontracts to local SMEs and VCSEs")
    social_value_share: float = u(0.1, 0.0, 0.4, "share of delivery", "extra share subcontracted locally when social value is built into contracts")
    place_based_share: float = u(0.15, 0.0, 0.4, "share of delivery", "extra share subcontracted locally under a fully place-based council")
    lag_quarters: int = u(1, 0, 4, "quarters", "quarters a subcontractor waits to be paid for its work", "UK prompt-payment code: 30 to 60 days")


class Delivery(Section):
    """The supplier's effort choice, detection, volumes, payment and the readings each side takes."""

    discount_per_quarter: float = u(0.98, 0.8, 0.995, "factor", "a supplier's quarterly discount factor (about 8% a year)")
    opportunist_discount_cut: float = u(0.08, 0.0, 0.3, "factor", "fall in the discount factor of a fully opportunistic supplier (short-termism, Williamson 1985)", "Williamson (1985)")
    shirk_logit_slope: float = u(3.0, 0.1, 20.0, "per log unit", "sharpness of the effort choice in log(temptation / deterrence)")
    temptation_scale: float = u(2.0, 0.0, 10.0, "factor", "temptation of a saving to a supplier of opportunism 0.5 (scales with opportunism)")
    temptation_distrust: float = u(1.5, 1.0, 3.0, "factor", "temptation factor of a supplier with no trust in the council (trust that it reciprocates lowers it one for one)")
    detection_scale: float = u(0.6, 0.0, 1.0, "probability", "chance of detecting corner-cutting at full monitoring, measurability and capability")
    detection_floor: float = u(0.4, 0.0, 1.0, "share", "share of that chance left at zero measurability (and, separately, at zero capability)")
    open_book_detection: float = u(0.8, 0.0, 3.0, "share", "extra detection from open books for a fully capable council")
    detection_max: float = u(0.95, 0.5, 1.0, "probability", "highest chance of detection in a quarter")
    false_alarm_rate: float = u(0.03, 0.0, 0.3, "probability", "chance per quarter that a council without skill, monitoring fully, penalises honest work")
    variation_premium: float = u(0.25, 0.0, 1.0, "share of price", "premium on a variation bought under a rigid contract")
    variation_uptake: float = u(0.5, 0.0, 1.0, "share", "share of extra need a rigid contract's variation covers within the quarter")
    idle_cost_share: float = u(0.5, 0.0, 1.0, "share of unit cost", "cost of capacity paid for but left idle when need falls under a rigid contract")
    open_book_cost_slack: float = u(0.08, 0.0, 0.5, "share of cost", "cost drift under open book when the council bears all overruns (blunted cost discipline)")
    local_fit_loss: float = u(0.3, 0.0, 1.0, "share of quality", "fit lost where local knowledge matters fully and the provider has none")
    codesign_fit: float = u(0.08, 0.0, 0.5, "share of quality", "fit regained by co-design with fully engaged steering groups")
    renewal_trust_scale: float = u(0.05, 0.001, 0.5, "trust", "fall in a council's trust at which detection costs a supplier all the renewal chance its record carries")
    renewal_quality_weight: float = u(0.25, 0.0, 1.0, "share", "share of the evaluation weight on quality that rides on a supplier's record with the council at renewal")
    penalty_fairness: float = u(0.5, 0.0, 1.0, "share", "how much a justified penalty at rate 1 lowers a supplier's sense of fair treatment")
    rigid_change_fairness: float = u(0.5, 0.0, 1.0, "level", "fairness a supplier reads when a rigid contract meets changed demand")
    loss_sensitivity: float = u(5.0, 0.0, 50.0, "per share of payment", "how fast losses borne under risk transfer read as risk dumped on the supplier")
    quality_memory: float = u(0.3, 0.0, 1.0, "per quarter", "weight of the latest quarter in a contract's smoothed quality")
    initial_quality: float = u(0.7, 0.0, 1.0, "quality", "smoothed quality a new contract starts from")
    place_margin_memory: float = u(0.1, 0.0, 1.0, "per lot", "weight of each delivered lot in a place's running margin (the signal entrants read)")


class InHouse(Section):
    """Councils' own delivery: capability, cost, capacity and the cost of bringing a service back."""

    capability: float = u(0.74, 0.3, 1.0, "level", "capability of a council's own service team at full in-house capacity")
    capability_floor_share: float = u(0.6, 0.0, 1.0, "share", "share of that capability left with no in-house capacity")
    unit_cost: float = u(1.03, 0.7, 1.5, "£ per £ of need", "unit cost of in-house delivery at full capacity")
    capacity_cost_penalty: float = u(0.2, 0.0, 1.0, "£ per £ of need", "extra unit cost with no in-house capacity")
    investment_cost_saving: float = u(0.03, 0.0, 0.3, "£ per £ of need", "unit-cost saving from investment in public-sector capacity")
    review_quarters: int = u(20, 4, 80, "quarters", "how often a council reviews a service it runs in-house (five years)")
    transition_cost: float = u(0.1, 0.0, 1.0, "share of annual value", "one-off cost of bringing a service in-house", "IfG (2020) Government outsourcing: when and how to bring public services back into government hands")
    capacity_when_outsourced: float = u(0.5, 0.0, 1.0, "level", "in-house capacity left for a service outsourced before the start")
    capacity_rebuild: float = u(0.08, 0.0, 1.0, "per quarter", "speed at which in-house capacity is rebuilt while the service is mostly in-house")
    investment_rebuild: float = u(0.06, 0.0, 1.0, "per quarter", "extra rebuilding speed with investment in public-sector capacity")
    majority_share: float = u(0.5, 0.0, 1.0, "share", "share of a service above which it counts as mostly in-house or mostly outsourced")


class Finance(Section):
    """Suppliers' overheads and credit, and the stop-gap after a failure."""

    fixed_overhead_share: float = u(0.01, 0.0, 0.1, "share of capacity a year", "fixed overhead a year, as a share of a supplier's capacity (offices, bidding teams)")
    credit_line_share: float = u(0.06, 0.0, 0.5, "share of capacity", "credit a supplier can draw before insolvency, as a share of its annual capacity")
    stopgap_quarters: int = u(2, 1, 12, "quarters", "quarters of emergency stop-gap delivery after a supplier fails, before re-procurement", "NAO (2018) HC 1002 on the Carillion stop-gap")
    stopgap_quality: float = u(0.7, 0.0, 1.0, "share of quality", "quality factor of emergency stop-gap delivery")


class MakeOrBuy(Section):
    """The four circumstances, the utility of each mode and the outsourcing intention."""

    weight_market: float = u(0.8, 0.0, 3.0, "utility", "weight of an unhealthy or uncompetitive market in favour of in-house delivery", "IfG (2020)")
    weight_flexibility: float = u(0.6, 0.0, 3.0, "utility", "weight of a need for flexibility in favour of in-house delivery", "IfG (2020)")
    weight_skills: float = u(0.5, 0.0, 3.0, "utility", "weight of a lack of commercial skills in favour of in-house delivery", "IfG (2020)")
    weight_integration: float = u(0.6, 0.0, 3.0, "utility", "weight of a need to integrate with other services in favour of in-house delivery", "IfG (2020)")
    experience_weight: float = u(1.0, 0.0, 5.0, "utility", "utility per unit of relative value-for-money advantage of one mode over the other")
    bidders_enough: float = u(3.0, 1.0, 20.0, "bids", "bids per tender at which a council no longer regards its market as thin", "EU Single Market Scoreboard (single-bid procedures are the warning sign); Openopps analysis of TED: fewer than three bids per tender was the European norm in 2018")
    capable_enough: float = u(5.0, 1.0, 50.0, "firms", "capable providers at which a council no longer regards its market as thin")
    thin_bidders_weight: float = u(0.5, 0.0, 1.0, "share", "share of the market score from bids per tender (the rest from capable suppliers)")
    flexibility_volatility: float = u(0.2, 0.01, 1.0, "sd", "demand volatility at which the need for flexibility is full")
    capacity_penalty: float = u(0.5, 0.0, 3.0, "utility", "utility lost by in-house delivery with no in-house capacity")
    outsourcing_trust_weight: float = u(1.0, 0.0, 5.0, "utility", "utility of outsourcing per unit of trust in suppliers above the prior")
    outsourcing_scale_weight: float = u(0.5, 0.0, 3.0, "utility", "utility of outsourcing a service with full scale economies")
    outsourcing_pressure_weight: float = u(0.5, 0.0, 3.0, "utility", "utility of outsourcing under full budget pressure")
    co_commissioning_weight: float = u(0.6, 0.0, 3.0, "utility", "extra utility of co-commissioning to a fully collaborative council, per unit of (scale economies + co_commissioning_base)")
    co_commissioning_base: float = u(0.5, 0.0, 2.0, "scale economies", "scale economies every co-commissioned service offers")
    co_commissioning_cost: float = u(0.2, 0.0, 2.0, "utility", "utility cost of co-commissioning (coordination)")
    community_weight: float = u(2.0, 0.0, 5.0, "utility", "utility of community delivery per unit of suitability and (place-based + community_base)")
    community_base: float = u(0.2, 0.0, 1.0, "level", "place-based level every council brings to community delivery")
    community_cost: float = u(0.6, 0.0, 3.0, "utility", "utility cost of community delivery (fragile capacity)")
    intention_feedback: float = u(0.3, 0.0, 2.0, "utility", "pull of a council's stated intention (more or less outsourcing) on its next review")
    intention_vfm_weight: float = u(2.0, 0.0, 10.0, "score", "intention score per unit of relative value-for-money advantage of outsourcing")
    intention_trust_weight: float = u(1.0, 0.0, 5.0, "score", "intention score per unit of trust in suppliers above the norm")
    intention_trust_norm: float = u(0.6, 0.0, 1.0, "trust", "trust in suppliers a council regards as normal in its survey answer")
    intention_disruption_weight: float = u(3.0, 0.0, 20.0, "score", "fall in the intention score per unit of recent disruption")
    intention_pressure_weight: float = u(1.0, 0.0, 5.0, "score", "rise in the intention score per unit of budget pressure (buying in to save money)")
    intention_failure_weight: float = u(0.5, 0.0, 5.0, "score", "fall in the intention score per supplier failure seen lately in its own or its neighbours' services")


class Trust(Section):
    """Trust priors, thresholds and public trust (the update rates are in ``behaviour``)."""

    prior: float = u(0.5, 0.0, 1.0, "trust", "trust in a partner one has never dealt with")
    trusting: float = u(0.6, 0.0, 1.0, "trust", "trust at or above which a relationship counts as trusting (trust network, abused trust)")
    break_level: float = u(0.4, 0.0, 1.0, "trust", "a council breaks a contract at a break point when its trust falls below this")
    public_initial: float = u(0.5, 0.0, 1.0, "trust", "residents' trust in their council at the start")
    public_rate_share: float = u(0.5, 0.0, 1.0, "share", "public trust moves at this share of the council-supplier trust rates")
    public_transparency: float = u(0.1, 0.0, 1.0, "satisfaction", "satisfaction residents draw from a fully accountable council (and as much again from fully engaged steering groups)")
    public_disruption: float = u(1.5, 0.0, 10.0, "satisfaction", "fall in residents' satisfaction per unit of disruption")


class Learning(Section):
    """Commercial capability, joint learning and councils' memories of value for money."""

    training_gain: float = u(0.03, 0.0, 0.2, "per quarter", "rise in commercial capability from training, as a share of the gap to full capability")
    investment_gain: float = u(0.01, 0.0, 0.2, "per quarter", "rise in commercial capability from investment in public-sector capacity")
    joint_learning_max: float = u(0.15, 0.0, 0.5, "share of capability", "largest capability gain from joint learning in a long, trusted, creative partnership")
    joint_learning_rate: float = u(0.03, 0.0, 0.5, "per quarter", "speed of joint learning in a fully creative, fully trusted partnership")
    vfm_memory: float = u(0.1, 0.0, 1.0, "per quarter", "weight of the latest quarter in a council's memory of value for money")
    disruption_memory: float = u(0.2, 0.0, 1.0, "per quarter", "weight of the latest quarter in a council's memory of disruption")
    failure_memory: float = u(0.1, 0.0, 1.0, "per quarter", "weight of the latest quarter in a council's memory of supplier failures it has seen")


class Market(Section):
    """Entry and exit of firms."""

    profitable_margin: float = u(0.05, 0.001, 0.5, "share of revenue", "running margin in a place at which the entry signal is full")
    signal_cap: float = u(2.0, 0.0, 10.0, "multiple", "most an entry signal can reach, as a multiple of the full signal")
    entry_base: float = u(0.5, 0.0, 2.0, "level", "entry weight of a place with no place-based principle (place-based adds one for one)")
    crowding_factor: float = u(3.0, 0.1, 20.0, "multiple", "SMEs per place, as a multiple of the starting number (plus crowding_extra), at which entry stops")
    crowding_extra: float = u(3.0, 0.0, 50.0, "firms", "SMEs a place can hold beyond that multiple before entry stops")
    sme_exit_idle_quarters: int = u(12, 1, 80, "quarters", "quarters without a contract, in debt, after which an SME leaves")
    tender_window_quarters: int = u(4, 1, 20, "quarters", "quarters of tenders that count as recent (market metrics and signals)")


class SocialValue(Section):
    """Social value offered in bids and generated per £ spent with each kind of provider."""

    large_offer: float = u(0.2, 0.0, 1.0, "score", "social value a large supplier offers in a bid")
    large_accredited_offer: float = u(0.3, 0.0, 1.0, "score", "extra offer of an accredited large supplier")
    large_measured_offer: float = u(0.1, 0.0, 1.0, "score", "extra offer of an accredited large supplier when social value is measured")
    sme_offer: float = u(0.3, 0.0, 1.0, "score", "social value an SME offers in a bid")
    sme_home_offer: float = u(0.4, 0.0, 1.0, "score", "extra offer of an SME in its own place")
    sme_nearby_offer: float = u(0.2, 0.0, 1.0, "score", "extra offer of an SME in a neighbouring place")
    sme_accredited_offer: float = u(0.2, 0.0, 1.0, "score", "extra offer of an accredited SME")
    sme_measured_offer: float = u(0.1, 0.0, 1.0, "score", "extra offer of an SME when social value is measured")
    consortium_offer: float = u(0.2, 0.0, 1.0, "score", "extra offer of an SME bidding with a community-group partner")
    vcse_rate: float = u(0.2, 0.0, 1.0, "£ per £", "social value per £ spent with a community group")
    sme_local_rate: float = u(0.08, 0.0, 1.0, "£ per £", "social value per £ spent with an SME in its own place")
    sme_other_rate: float = u(0.04, 0.0, 1.0, "£ per £", "social value per £ spent with an SME outside its place")
    sme_measured_rate: float = u(0.03, 0.0, 1.0, "£ per £", "extra social value per £ with an SME when it is measured")
    large_rate: float = u(0.02, 0.0, 1.0, "£ per £", "social value per £ spent with a large supplier")
    large_measured_rate: float = u(0.04, 0.0, 1.0, "£ per £", "extra social value per £ with an accredited large supplier when it is measured")
    in_house_rate: float = u(0.04, 0.0, 1.0, "£ per £", "social value per £ of in-house delivery")


MECHANISM_SECTIONS: dict[str, type[Section]] = {
    "suppliers": Suppliers,
    "groups": Groups,
    "commissioning": Commissioning,
    "procurement": Procurement,
    "supply_chain": SupplyChain,
    "delivery": Delivery,
    "in_house": InHouse,
    "finance": Finance,
    "make_or_buy": MakeOrBuy,
    "trust": Trust,
    "learning": Learning,
    "market": Market,
    "social_value": SocialValue,
}
