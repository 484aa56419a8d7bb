"""The scenario schema: every parameter of the model, declared once.

Each field carries its default, bounds, unit, one-line meaning and its *kind*:

- ``structure``: the size and shape of the simulated world (population, horizon);
- ``uncertainty``: what the world does, which no council controls (demand, supplier types,
  behavioural constants); sensitivity analysis and calibration vary these;
- ``lever``: what councils and government choose (the five principles and the policy
  recommendations); experiments compare these.

The SALib problem, the EMA Workbench parameters, the CLI's ``scenarios show`` table and the
workshop sliders are all derived from these declarations (see :func:`parameter_table`), so a
bound or a meaning is written here and nowhere else. This module knows nothing of Mesa.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from partnering.scenarios.declare import Section, param
from partnering.scenarios.mechanisms import (
    MECHANISM_SECTIONS,
    Commissioning,
    Delivery,
    Finance,
    Groups,
    InHouse,
    Learning,
    MakeOrBuy,
    Market,
    Procurement,
    SocialValue,
    Suppliers,
    SupplyChain,
    Trust,
)


class Population(Section):
    """How many of each actor the world holds."""

    councils: int = param(12, 1, 2000, "councils", "councils, one per place on the geography graph", "structure")
    large_suppliers: int = param(6, 0, 500, "firms", "large suppliers at the start (each serves a region or several)", "structure")
    smes_per_place: int = param(4, 0, 50, "firms per place", "SMEs based in each place at the start", "structure")
    groups_per_place: int = param(2, 0, 50, "groups per place", "community and voluntary (VCSE) groups in each place", "structure")
    neighbours: int = param(3, 0, 12, "places", "geographic neighbours each place links to (nearest places)", "structure")
    regions: int = param(3, 1, 50, "regions", "regions the places are grouped into: large firms' footprints and the relevant markets (service line x region)", "structure",
                         "England has nine regions (ONS)")
    initial_outsourced_share: float = param(0.6, 0.0, 1.0, "share", "share of council services outsourced at the start", "structure",
                                            "IfG (2019): about a third of council spend goes to external suppliers; most services mix modes")
    history_level: float = param(0.25, 0.0, 1.0, "level", "principle level of the past regime under which the starting contracts were let (same in every arm)", "structure")


class RunSettings(Section):
    """Time: one step is one quarter."""

    steps: int = param(40, 1, 400, "quarters", "default horizon of a run (40 quarters = ten years)", "structure")
    start_year: int = param(2025, 1990, 2100, "year", "calendar year of step 0, for labels only", "structure")
    survey_step: int = param(0, 0, 400, "quarter", "step at which the outsourcing-intention survey is read (0 = last step)", "structure")


class Principles(Section):
    """The five shifts from transactional to changemaking partnering, each in [0, 1].

    Source: NLGN (2018) *From transactions to changemaking*.
    """

    collaborative: float = param(0.0, 0.0, 1.0, "level", "territorial -> collaborative: shared risk, co-commissioning, track record in evaluation", "lever")
    creative: float = param(0.0, 0.0, 1.0, "level", "process-driven -> creative: outcome specifications, lighter bidding, joint learning", "lever")
    adaptable: float = param(0.0, 0.0, 1.0, "level", "rigid -> adaptable: shorter phased contracts, break points, volume follows demand", "lever")
    accountable: float = param(0.0, 0.0, 1.0, "level", "closed-door -> accountable: open-book accounting, published performance, steering groups", "lever")
    place_based: float = param(0.0, 0.0, 1.0, "level", "linear -> place-based: lots SMEs and VCSEs can win, social value, local spend", "lever")


PRINCIPLE_NAMES: tuple[str, ...] = tuple(Principles.model_fields)


class Policy(Section):
    """The policy recommendations as switchable levers (NLGN 2018)."""

    social_value_in_contracts: bool = param(False, 0, 1, "on/off", "social impact measured and built into contract evaluation and management", "lever")
    accreditation_required: bool = param(False, 0, 1, "on/off", "social-responsibility accreditation required to bid above the threshold", "lever")
    accreditation_threshold: float = param(0.2, 0.0, 100.0, "£m per year", "lot value above which accreditation is required", "lever",
                                           "NLGN (2018) recommends accreditation above £200k")
    open_book_required: bool = param(False, 0, 1, "on/off", "open-book accounting required above the threshold", "lever")
    open_book_threshold: float = param(1.0, 0.0, 1000.0, "£m per year", "contract value above which open-book is required", "lever",
                                       "NLGN (2018) recommends open-book above £1m")
    procurement_training: bool = param(False, 0, 1, "on/off", "compulsory training of procurement staff (raises commercial capability, costs money)", "lever")
    steering_groups: bool = param(False, 0, 1, "on/off", "community steering groups across design, delivery and evaluation", "lever")
    public_capacity_investment: bool = param(False, 0, 1, "on/off", "investment in public-sector capacity (in-house skills, budget)", "lever")


class World(Section):
    """What the world does: demand, budgets, supplier types and market conditions."""

    demand_growth: float = param(0.02, -0.05, 0.15, "per year", "trend growth of need (ageing population)", "uncertainty",
                                 "ONS population projections: over-65s grow about 2% a year")
    demand_volatility: float = param(1.0, 0.0, 4.0, "multiplier", "scales each service's quarterly demand volatility", "uncertainty", "judgement")
    budget_growth: float = param(0.01, -0.10, 0.10, "per year", "real growth of council budgets", "uncertainty",
                                 "IfS: English council spending power fell about 2% a year in real terms 2010-2018")
    supplier_opportunism: float = param(0.3, 0.0, 1.0, "level", "mean opportunism of suppliers (private type)", "uncertainty", "judgement")
    commercial_capability: float = param(0.6, 0.0, 1.0, "level", "mean commercial capability of councils at the start", "uncertainty", "judgement")
    cost_estimate_error: float = param(0.08, 0.0, 0.5, "share of cost", "sd of a bidder's cost-estimate error at average measurability and capability", "uncertainty",
                                       "Thaler (1988) and Kagel and Levin (2002) on the winner's curse")
    bid_cost: float = param(0.006, 0.0, 0.1, "share of lot value", "cost of preparing one bid, as a share of the lot's annual value", "uncertainty", "judgement")
    large_supplier_cash: float = param(0.12, 0.0, 2.0, "share of capacity", "starting cash of a large supplier, as a share of its annual capacity", "uncertainty", "judgement")
    sme_cash: float = param(0.12, 0.0, 2.0, "share of capacity", "starting cash of an SME, as a share of its annual capacity", "uncertainty", "judgement")
    overhead_rate: float = param(0.035, 0.0, 0.2, "share of revenue", "suppliers' overheads as a share of contract revenue", "uncertainty", "judgement")
    sme_entry_rate: float = param(0.05, 0.0, 1.0, "per place per quarter", "chance of an SME entering a place whose tenders were profitable", "uncertainty", "judgement")
    large_entry_rate: float = param(0.02, 0.0, 1.0, "per quarter", "chance of a new large supplier entering after a failure", "uncertainty", "judgement")
    demand_persistence: float = param(0.6, 0.0, 0.99, "per quarter", "AR(1) persistence of quarterly demand shocks", "uncertainty", "judgement")
    emergency_premium: float = param(0.3, 0.0, 2.0, "share of cost", "extra cost of stop-gap delivery after a supplier fails", "uncertainty",
                                     "NAO (2018) HC 1002 on the Carillion stop-gap costs")


class Behaviour(Section):
    """Behavioural constants of councils and suppliers (uncertainties, some calibrated)."""

    trust_gain_rate: float = param(0.10, 0.0, 1.0, "per quarter", "lambda+: speed at which trust rises when performance meets expectation", "uncertainty",
                                   "Slovic (1993) trust asymmetry")
    trust_loss_rate: float = param(0.30, 0.0, 1.0, "per quarter", "lambda-: speed at which trust falls when performance disappoints", "uncertainty",
                                   "Slovic (1993) trust asymmetry")
    shirk_detected_trust_loss: float = param(0.4, 0.0, 1.0, "share of trust", "fall in trust when shirking is detected", "uncertainty", "judgement")
    corner_cut_saving: float = param(0.12, 0.0, 0.5, "share of cost", "cost a supplier saves by cutting corners for a quarter", "uncertainty", "judgement")
    corner_cut_quality_loss: float = param(0.25, 0.0, 1.0, "share of quality", "quality lost when corners are cut", "uncertainty", "judgement")
    penalty_rate: float = param(0.3, 0.0, 2.0, "share of quarterly payment", "contractual penalty for detected shirking under transactional management", "uncertainty", "judgement")
    risk_contingency: float = param(0.7, 0.0, 2.0, "share of the winner's curse", "share of the expected winner's curse bidders add to their margin: the expected most optimistic of the estimates the bids they expect carry, in sds of estimate error", "uncertainty",
                                    "Dyer, Kagel and Levin (1989): experienced bidders shade bids for the winner's curse, though not fully")
    reputation_weight: float = param(0.2, 0.0, 1.0, "share", "weight a collaborative council gives partners' view of a supplier", "uncertainty", "judgement")
    margin_step: float = param(0.005, 0.0, 0.05, "per quarter", "how fast suppliers adjust their target margin to their win rate", "uncertainty", "judgement")
    skill_erosion: float = param(0.006, 0.0, 0.1, "per quarter", "erosion of commercial capability with the share outsourced", "uncertainty", "judgement")
    inhouse_decay: float = param(0.03, 0.0, 0.5, "per quarter", "decay of in-house capacity while a service is outsourced", "uncertainty", "judgement")
    choice_temperature: float = param(0.5, 0.01, 5.0, "utility", "noise in the make-or-buy choice (logit temperature)", "uncertainty", "judgement")
    status_quo_bias: float = param(0.4, 0.0, 3.0, "utility", "utility of keeping the current mode, scaled by asset specificity", "uncertainty", "judgement")
    insourcing_bias: float = param(0.0, -3.0, 3.0, "utility", "baseline preference for in-house delivery at a review", "uncertainty", "judgement")
    intention_bias: float = param(0.0, -2.0, 2.0, "score", "councils' baseline leaning towards outsourcing more (survey calibration)", "uncertainty", "judgement")
    intention_spread: float = param(0.05, 0.0, 0.15, "score", "sd of councils' idiosyncratic attitudes to outsourcing: small, since intentions come from experience", "uncertainty", "judgement")
    intention_threshold: float = param(0.25, 0.01, 2.0, "score", "score beyond which a council intends more or less outsourcing", "uncertainty", "judgement")


class Shock(Section):
    """A scheduled event: a demand surge, a budget cut or a named supplier failing."""

    kind: Literal["demand_surge", "budget_cut", "supplier_failure"]
    step: int = Field(ge=0, le=400, description="quarter at which the shock fires")
    size: float = Field(0.0, ge=0.0, le=1.0, description="relative size (share of demand or budget)")
    service: str = Field("", description="service the demand surge hits ('' = every service)")
    target: str = Field("largest", description="supplier that fails: 'largest' by contract value, or 'rank:N'")


class ServiceSpec(Section):
    """One service of the catalogue; attributes in [0, 1] unless a unit says otherwise."""

    name: str
    annual_value: float = Field(gt=0.0, le=10_000.0, description="£m per year per council at the starting demand")
    measurability: float = Field(ge=0.0, le=1.0, description="how well outcomes can be specified and observed")
    volatility: float = Field(ge=0.0, le=1.0, description="size of quarterly demand shocks (sd of the AR(1) innovation in log demand)")
    asset_specificity: float = Field(ge=0.0, le=1.0, description="switching cost: specific assets and know-how")
    integration: float = Field(ge=0.0, le=1.0, description="need to integrate with the council's other services")
    scale_economies: float = Field(ge=0.0, le=1.0, description="cost advantage of large providers")
    local_knowledge: float = Field(ge=0.0, le=1.0, description="value of local knowledge for service fit")
    community_suitability: float = Field(ge=0.0, le=1.0, description="suitability for community delivery")
    line: str = Field("", description="service line it belongs to: firms are active in lines ('' = a line of its own)")
    contracts: int = Field(1, ge=1, le=200, description="contracts in a council's portfolio for it (the smallest purchases aggregated into representative lots)")
    contract_spread: float = Field(0.0, ge=0.0, le=3.0, description="sd of log contract value within the portfolio (heavy tail: a few large, many small)")
    complexity: float = Field(0.5, ge=0.0, le=1.0, description="complexity of its contracts: bid costs grow with it")

    @functools.cached_property
    def market(self) -> str:
        """The service line whose firms can deliver it (read very often: kept after the first read)."""
        return self.line or self.name


def default_services() -> tuple[ServiceSpec, ...]:
    """The default catalogue: a mid-sized English council's main externally deliverable services.

    Values are £m a year per council; attributes are judgements documented in docs/odd.md. The
    five service lines group services that the same firms deliver (waste and grounds: the
    environmental firms; highways and housing repairs: the works contractors; adult care and
    family support: care providers; IT and back office; leisure and community hubs). Care is
    bought as many small contracts (spot purchases and framework call-offs, aggregated into eight
    representative lots), waste as one or two large ones.
    """
    rows = [
        # name, value, measurability, volatility, asset specificity, integration, scale, local, community,
        # line, contracts, spread of log value, complexity
        ("waste_collection", 10.0, 0.85, 0.04, 0.70, 0.25, 0.70, 0.20, 0.00, "environment", 2, 0.8, 0.7),
        ("highways_maintenance", 7.0, 0.75, 0.06, 0.55, 0.30, 0.55, 0.30, 0.00, "works", 3, 1.0, 0.7),
        ("adult_social_care", 18.0, 0.40, 0.10, 0.30, 0.75, 0.25, 0.70, 0.20, "care", 8, 1.2, 0.5),
        ("family_support", 5.0, 0.35, 0.10, 0.20, 0.80, 0.10, 0.80, 0.50, "care", 4, 1.0, 0.4),
        ("it_back_office", 4.0, 0.65, 0.03, 0.80, 0.60, 0.80, 0.10, 0.00, "it", 2, 1.0, 0.9),
        ("leisure", 3.0, 0.60, 0.05, 0.45, 0.20, 0.35, 0.55, 0.50, "leisure", 2, 0.8, 0.5),
        ("housing_repairs", 6.0, 0.60, 0.08, 0.40, 0.45, 0.40, 0.50, 0.10, "works", 3, 1.0, 0.5),
        ("grounds_maintenance", 1.8, 0.80, 0.04, 0.20, 0.10, 0.30, 0.50, 0.70, "environment", 2, 0.8, 0.3),
        ("community_hubs", 1.2, 0.45, 0.05, 0.10, 0.30, 0.05, 0.90, 0.95, "leisure", 2, 0.8, 0.2),
    ]
    keys = list(ServiceSpec.model_fields)
    return tuple(ServiceSpec(**dict(zip(keys, row, strict=True))) for row in rows)


def _council_override() -> type[Section]:
    """Principle levels and commercial capability for one council (by index), overriding the
    scenario-wide values; each field's bounds and meaning are those of its scenario-wide
    declaration (``principles.*`` and ``world.commercial_capability``)."""
    overridden = {name: Principles.model_fields[name] for name in PRINCIPLE_NAMES}
    overridden["commercial_capability"] = World.model_fields["commercial_capability"]
    most_councils = Population.model_fields["councils"].json_schema_extra["high"]
    fields: dict[str, Any] = {"index": (int, Field(ge=0, le=most_councils - 1, description="the council's place, from 0"))}
    for name, info in overridden.items():
        extra = info.json_schema_extra
        meaning = "this council's commercial capability at the start" if name == "commercial_capability" else info.description
        fields[name] = (float | None, Field(None, ge=extra["low"], le=extra["high"], description=meaning))
    return create_model("CouncilOverride", __base__=Section, __doc__=_council_override.__doc__, **fields)


CouncilOverride = _council_override()


SECTIONS: dict[str, type[Section]] = {
    "population": Population,
    "run": RunSettings,
    "principles": Principles,
    "policy": Policy,
    "world": World,
    "behaviour": Behaviour,
    **MECHANISM_SECTIONS,
}

#: Refuse populations that would exhaust memory before allocating anything.
MAX_AGENTS = 250_000


class Scenario(BaseModel):
    """A complete, validated scenario: what `PartneringModel` is built from."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)

    name: str = "custom"
    description: str = ""
    population: Population = Population()
    run: RunSettings = RunSettings()
    principles: Principles = Principles()
    policy: Policy = Policy()
    world: World = World()
    behaviour: Behaviour = Behaviour()
    suppliers: Suppliers = Suppliers()
    groups: Groups = Groups()
    commissioning: Commissioning = Commissioning()
    procurement: Procurement = Procurement()
    supply_chain: SupplyChain = SupplyChain()
    delivery: Delivery = Delivery()
    in_house: InHouse = InHouse()
    finance: Finance = Finance()
    make_or_buy: MakeOrBuy = MakeOrBuy()
    trust: Trust = Trust()
    learning: Learning = Learning()
    market: Market = Market()
    social_value: SocialValue = SocialValue()
    # lists from TOML arrive as lists: accept them as tuples (items are still validated strictly)
    services: tuple[ServiceSpec, ...] = Field(default_factory=default_services, strict=False)
    shocks: tuple[Shock, ...] = Field((), strict=False)
    councils: tuple[CouncilOverride, ...] = Field((), strict=False)
    provenance: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_consistency(self) -> Scenario:
        names = [s.name for s in self.services]
        if not names:
            raise ValueError("services: at least one service is required")
        if len(set(names)) != len(names):
            raise ValueError("services: service names must be unique")
        for shock in self.shocks:
            if shock.kind == "demand_surge" and shock.service and shock.service not in names:
                raise ValueError(f"shocks.service: unknown service {shock.service!r}; allowed: {', '.join(names)} or ''")
            if shock.kind == "supplier_failure" and not _valid_target(shock.target):
                raise ValueError(f"shocks.target: {shock.target!r} not allowed; use 'largest' or 'rank:N' with N >= 1")
        pop = self.population
        agents = pop.councils * (1 + pop.smes_per_place + pop.groups_per_place) + pop.large_suppliers
        if agents > MAX_AGENTS:
            raise ValueError(f"population: {agents} agents requested; at most {MAX_AGENTS} allowed")
        for override in self.councils:
            if override.index >= pop.councils:
                raise ValueError(f"councils.index: {override.index} but population.councils is {pop.councils}; allowed 0 to {pop.councils - 1}")
        return self

    @property
    def lines(self) -> tuple[str, ...]:
        """The service lines of the catalogue, in order of first appearance."""
        return tuple(dict.fromkeys(s.market for s in self.services))

    def content_hash(self) -> str:
        """A short hash of everything that affects the simulation (not the name or provenance)."""
        payload = self.model_dump(mode="json", exclude={"name", "description", "provenance"})
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def flat(self) -> dict[str, Any]:
        """Every declared scalar parameter as ``{"section.field": value}``."""
        out: dict[str, Any] = {}
        for section in SECTIONS:
            for field, value in getattr(self, section).model_dump().items():
                out[f"{section}.{field}"] = value
        return out


def _valid_target(target: str) -> bool:
    if target == "largest":
        return True
    head, _, rank = target.partition(":")
    return head == "rank" and rank.isdigit() and int(rank) >= 1


@dataclass(frozen=True)
class ParamInfo:
    """One declared parameter, as tools outside the model see it."""

    name: str
    section: str
    field: str
    default: Any
    low: float | None
    high: float | None
    unit: str
    meaning: str
    kind: str
    type: str
    source: str = ""


def parameter_table() -> list[ParamInfo]:
    """Every declared scalar parameter, in declaration order."""
    return list(_declared())


@functools.cache
def _declared() -> tuple[ParamInfo, ...]:
    """The declarations, read once: the schema's classes do not change while a process runs, and
    a sampled design looks a parameter up for every value of every point."""
    rows = []
    for section, cls in SECTIONS.items():
        for field, info in cls.model_fields.items():
            extra = info.json_schema_extra or {}
            assert isinstance(extra, dict)
            default = info.default
            rows.append(
                ParamInfo(
                    name=f"{section}.{field}",
                    section=section,
                    field=field,
                    default=default,
                    low=extra.get("low"),
                    high=extra.get("high"),
                    unit=str(extra.get("unit", "")),
                    meaning=info.description or "",
                    kind=str(extra.get("kind", "")),
                    type=type(default).__name__,
                    source=str(extra.get("source", "")),
                )
            )
    return tuple(rows)


@functools.cache
def _by_name() -> dict[str, ParamInfo]:
    return {row.name: row for row in _declared()}


def parameter(name: str) -> ParamInfo:
    """The declaration of one parameter by its dotted name."""
    return _by_name()[name]
