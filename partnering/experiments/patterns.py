"""The patterns of MODEL.md section 7 as contrasts that change one cause at a time.

Each :class:`Contrast` is a pair of arms that differ in one lever or one uncertainty (the
``cause``), everything else equal, run on common seeds; its value in one replication is the
treated arm's reading of a metric minus the control arm's. An :class:`Interaction` is a 2 x 2
factorial: the contrast under two values of a second factor, and its value is the difference of
the two contrasts (a difference in differences), so an interaction is estimated, not assumed.

The pattern tests (``tests/validation/test_patterns.py``) assert each contrast's sign over
replications; ``partnering robustness`` evaluates the same contrasts across the space of
declared uncertainties. Both sides of each trade-off are here: where a principle helps one
outcome and costs another, the cost is a contrast too, in the direction the model gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from partnering.scenarios import Scenario, apply_overrides, load_scenario

LATE = (33, 40)
"""The steps read as "late" in a 40-quarter run: the last two years, where outcomes have settled."""
FIRST_YEAR = (0, 4)
"""The steps of the first year, against which a change is measured."""
STEPS = 40
"""The horizon of a pattern run."""


def arm(name: str, overrides: Mapping[str, float] | None = None) -> Scenario:
    """A built-in scenario with dotted ``section.field`` overrides, named for the record
    (``scenario|field=value|...``). Overrides that restate the scenario's own value are dropped
    from the name, so arms that are the same scenario share one name and run once."""
    base = load_scenario(name)
    updates = {k: v for k, v in (overrides or {}).items() if _value(base, k) != v}
    scenario = apply_overrides(base, updates) if updates else base
    label = name + "".join(f"|{k}={v}" for k, v in sorted(updates.items()))
    return scenario.model_copy(update={"name": label})


def _value(scenario: Scenario, dotted: str) -> object:
    section, _, name = dotted.partition(".")
    return getattr(getattr(scenario, section), name)


def reading(frame: pd.DataFrame, metric: str, how: str) -> float:
    """One run's reading of ``metric``: the mean of the late window (``late``), the last step
    (``final``), the late window minus the first year (``change``), or the sum over the
    year after a shock at step 12 (``year_after_12``)."""
    series = frame.set_index("step")[metric]
    if how == "late":
        return float(series.loc[LATE[0]:LATE[1]].mean())
    if how == "final":
        return float(series.iloc[-1])
    if how == "change":
        return float(series.loc[LATE[0]:LATE[1]].mean() - series.loc[FIRST_YEAR[0]:FIRST_YEAR[1]].mean())
    if how == "year_after_12":
        return float(series.loc[12:15].sum())
    raise ValueError(f"reading: {how!r}; allowed: late, final, change, year_after_12")


def per_replication(metrics: pd.DataFrame, arm_name: str, metric: str, how: str) -> pd.Series:
    """The reading of one arm in each replication, indexed by replication."""
    frame = metrics[metrics["arm"] == arm_name]
    if frame.empty:
        raise KeyError(f"no runs of arm {arm_name!r}")
    return frame.groupby("replication").apply(lambda f: reading(f, metric, how), include_groups=False)


@dataclass(frozen=True)
class Contrast:
    """Treated minus control on one metric, the arms differing only in ``cause``.

    ``expect`` is the sign the pattern claims (+1: treated higher), or 0 for a trade-off the
    model shows no sign of: then the claim is that the difference lies within ``margin`` either
    side of zero (an equivalence test, with the margin a declared judgement). ``package`` names a
    policy package (a built-in scenario) that is the treated arm instead of a one-parameter
    change, for claims about a package as a whole. ``asserted`` is False for a claim of the
    literature the model does not reproduce: it is reported, with ``note`` saying why, and not
    asserted. ``shared`` overrides apply to both arms, so the contrast is read inside that world.
    """

    key: str
    claim: str
    base: str
    cause: Mapping[str, tuple[float, float]]
    metric: str
    how: str
    expect: int
    source: str
    literature: str = ""
    shared: Mapping[str, float] = field(default_factory=dict)
    package: str | None = None
    margin: float = 0.0
    asserted: bool = True
    note: str = ""

    def __post_init__(self) -> None:
        if (len(self.cause) != 1) == (self.package is None):
            raise ValueError(f"{self.key}: a contrast changes one cause or applies one package, "
                             f"not {len(self.cause)} causes and package {self.package!r}")
        if self.expect == 0 and self.margin <= 0:
            raise ValueError(f"{self.key}: a claim of no effect needs a margin > 0")

    def arms(self, at: Mapping[str, float] | None = None) -> tuple[Scenario, Scenario]:
        """(control, treated) at a point ``at`` of the uncertainty space (applied to both)."""
        common = {**(at or {}), **self.shared}
        if self.package is not None:
            return arm(self.base, common), arm(self.package, common)
        control = {**common, **{k: lo for k, (lo, _) in self.cause.items()}}
        treated = {**common, **{k: hi for k, (_, hi) in self.cause.items()}}
        return arm(self.base, control), arm(self.base, treated)

    def holds(self, low: float, high: float) -> bool:
        """Whether a 95% interval of the difference supports the claim."""
        if self.expect == 0:
            return -self.margin < low and high < self.margin
        return low > 0.0 if self.expect > 0 else high < 0.0

    def values(self, metrics: pd.DataFrame, at: Mapping[str, float] | None = None) -> np.ndarray:
        """Treated minus control in each replication (paired on common seeds)."""
        control, treated = self.arms(at)
        a = per_replication(metrics, treated.name, self.metric, self.how)
        b = per_replication(metrics, control.name, self.metric, self.how)
        joined = pd.concat([a, b], axis=1, join="inner").dropna()
        return (joined.iloc[:, 0] - joined.iloc[:, 1]).to_numpy()


@dataclass(frozen=True)
class Interaction:
    """A 2 x 2 factorial: ``contrast`` with its ``factor`` at the high value minus the same
    contrast at the low value. ``expect`` is the sign claimed for that difference."""

    key: str
    claim: str
    contrast: Contrast
    factor: Mapping[str, tuple[float, float]]
    expect: int
    source: str
    asserted: bool = True
    note: str = ""

    @property
    def metric(self) -> str:
        return self.contrast.metric

    def holds(self, low: float, high: float) -> bool:
        """Whether a 95% interval of the difference in differences supports the claim."""
        return low > 0.0 if self.expect > 0 else high < 0.0

    def _at(self, at: Mapping[str, float] | None, level: int) -> dict[str, float]:
        return {**(at or {}), **{k: v[level] for k, v in self.factor.items()}}

    def arms(self, at: Mapping[str, float] | None = None) -> tuple[Scenario, ...]:
        return self.contrast.arms(self._at(at, 0)) + self.contrast.arms(self._at(at, 1))

    def values(self, metrics: pd.DataFrame, at: Mapping[str, float] | None = None) -> np.ndarray:
        high = pd.Series(self.contrast.values(metrics, self._at(at, 1)))
        low = pd.Series(self.contrast.values(metrics, self._at(at, 0)))
        joined = pd.concat([high, low], axis=1, join="inner").dropna()
        return (joined.iloc[:, 0] - joined.iloc[:, 1]).to_numpy()


Pattern = Contrast | Interaction

T = "transactional"
COLLAB = {"principles.collaborative": (0.0, 0.8)}
TRACK = {"procurement.collaborative_track_weight": (0.0, 0.2)}
PLACE = {"principles.place_based": (0.0, 0.8)}
ADAPT = {"principles.adaptable": (0.0, 0.8)}
ACCOUNT = {"principles.accountable": (0.0, 0.8)}
CO_COMMISSION = {"make_or_buy.co_commissioning_weight": (0.0, 0.6)}
PRICE_ONLY = {"procurement.quality_weight": (0.4, 0.0)}
OPEN_BOOK = {"policy.open_book_required": (False, True)}
DIVERSE_MARKET = {"suppliers.large_capacity_share": (0.35, 0.15)}
THIN = {"population.smes_per_place": (4, 0)}
VOLATILE = {"world.demand_volatility": (1.0, 3.0)}
WEAK_SKILLS = {"world.commercial_capability": (0.95, 0.15)}
OPPORTUNISTIC = {"world.supplier_opportunism": (0.3, 0.75)}
WEAK_SKILLS_FACTOR = {"world.commercial_capability": (0.6, 0.2)}

RACE = "Capen, Clapp and Campbell (1971); Thaler (1988) on the winner's curse"
RELATIONAL = "Lyons and Mehta (1997); Poppo and Zenger (2002)"
EXPLOIT = "Williamson (1985); Gulati (1995) on trust as a substitute for control"
IFG = "Institute for Government (2020) on when to bring services back in-house"
ADAPTATION = "Williamson (1985) on adaptation; Bajari and Tadelis (2001) on fixed-price contracts and change"

RELATIONAL_ABUSED = Contrast("relational_abused", "abused trust under relational partnering", T, {},
                             "abused_trust", "late", +1, EXPLOIT, package="changemaking")
RELATIONAL_QUALITY = Contrast("relational_quality", "quality under relational partnering", T, {},
                              "service_quality", "late", +1, EXPLOIT, package="changemaking")
ADAPTABLE_UNMET = Contrast("adaptable_unmet", "unmet need under adaptable contracts", T, ADAPT,
                           "unmet_need", "late", -1, ADAPTATION)

PATTERNS: tuple[Pattern, ...] = (
    # 1. Race to the bottom: the weight of price in the evaluation alone.
    Contrast("price_only_distresses_suppliers", "price-only evaluation leaves more firms in distress",
             T, PRICE_ONLY, "distressed_share", "late", +1, RACE),
    Contrast("price_only_fails_suppliers", "price-only evaluation makes more suppliers fail",
             T, PRICE_ONLY, "supplier_failures", "final", +1, RACE),
    Contrast("price_only_lowers_quality", "price-only evaluation lowers service quality",
             T, PRICE_ONLY, "service_quality", "late", -1, RACE),
    Contrast("price_only_thins_margins", "price-only evaluation thins realised margins",
             T, PRICE_ONLY, "mean_margin", "late", -1, RACE, asserted=False,
             note="not detectable over 20 replications: distress and failures rise, the average "
                  "realised margin of the firms left does not move"),
    Contrast("track_record_lowers_failures", "weighting track record lowers supplier failures",
             "collaborative", TRACK, "supplier_failures", "final", -1, "Baker, Gibbons and Murphy (2002)",
             asserted=False, note="not detectable over 20 replications with collaborative "
                                  "management held equal in both arms"),
    # 2. Concentration and the SME share.
    Contrast("place_based_holds_sme_share", "place-based lots hold the SME share up",
             T, PLACE, "sme_share", "late", +1, "NAO (2013) and Cabinet Office (2018) on strategic suppliers"),
    Contrast("place_based_lowers_concentration", "place-based lots lower the five largest firms' share",
             T, PLACE, "top5_share", "late", -1, "NAO (2013) and Cabinet Office (2018) on strategic suppliers"),
    Contrast("place_based_costs_no_more", "place-based lots cost no more per unit of quality (within 0.02)",
             T, PLACE, "value_for_money", "late", 0, "trade-off of scale economies against local knowledge; judgement",
             margin=0.02),
    Contrast("co_commissioning_leaves_sme_share", "co-commissioning leaves the SME share within 0.03",
             "collaborative", CO_COMMISSION, "sme_share", "late", 0, "LGA (2016) on shared services; judgement",
             margin=0.03),
    # 3. Trust: which principle builds it, and what it costs.
    Contrast("relational_raises_supplier_trust", "relational partnering raises suppliers' trust in councils",
             T, {}, "trust_supplier_council", "late", +1, RELATIONAL, package="changemaking"),
    Contrast("relational_raises_council_trust", "relational partnering raises councils' trust in suppliers",
             T, {}, "trust_council_supplier", "late", +1, RELATIONAL, package="changemaking"),
    Contrast("adaptability_raises_supplier_trust", "adaptable contracts raise suppliers' trust in councils",
             T, ADAPT, "trust_supplier_council", "late", +1, RELATIONAL),
    Contrast("adaptability_raises_council_trust", "adaptable contracts raise councils' trust in suppliers",
             T, ADAPT, "trust_council_supplier", "late", +1, RELATIONAL),
    Contrast("accountability_raises_council_trust", "open books and published performance raise councils' trust",
             T, ACCOUNT, "trust_council_supplier", "late", +1, RELATIONAL),
    Contrast("collaboration_alone_raises_trust", "collaborative management alone raises councils' trust",
             T, COLLAB, "trust_council_supplier", "late", +1, RELATIONAL, asserted=False,
             note="not detectable over 20 replications; in the model trust comes from the adaptable "
                  "and accountable principles (asserted above)"),
    Contrast("collaboration_lowers_overhead", "collaborative management lowers councils' overhead",
             T, COLLAB, "overhead", "late", -1, RELATIONAL, asserted=False,
             note="not detectable over 20 replications: monitoring is a small part of overhead"),
    # 4. Collapse: a diverse market (smaller large firms) against a concentrated one.
    Contrast("collapse_damage_smaller_in_diverse_market",
             "the same collapse disrupts fewer services where large firms are smaller",
             "supplier_collapse", DIVERSE_MARKET, "disruption", "year_after_12", -1,
             "NAO (2018) on Carillion: 420 public contracts"),
    # 5. Insourcing clusters where markets are thin, flexibility is needed, skills are weak.
    Contrast("thin_markets_insource", "without local SMEs, councils bring more services in-house",
             T, THIN, "share_in_house", "late", +1, IFG),
    Contrast("thin_markets_insource_for_the_market", "without local SMEs, councils insource for an unhealthy market",
             T, THIN, "insourced_market", "final", +1, IFG),
    Contrast("volatility_insources_for_flexibility", "volatile demand leads to insourcing for flexibility",
             T, VOLATILE, "insourced_flexibility", "final", +1, IFG),
    Contrast("weak_skills_insource", "weak commercial skills lead to insourcing for lack of skills",
             T, WEAK_SKILLS, "insourced_skills", "final", +1, IFG),
    Contrast("weak_skills_keep_services_in_house", "weak commercial skills keep more services in-house",
             T, WEAK_SKILLS, "share_in_house", "late", +1, IFG),
    # 6. Adaptable contracts and their price.
    Contrast("adaptable_meets_rising_demand", "under rising demand, adaptable contracts leave less need unmet",
             "rising_demand", ADAPT, "unmet_need", "late", -1, ADAPTATION),
    Contrast("adaptable_contracts_cost_overhead", "adaptable (shorter, phased) contracts cost councils more overhead",
             T, ADAPT, "overhead", "late", +1, ADAPTATION + "; tendering costs"),
    # Open book: the other side of accountability.
    Contrast("open_book_costs_no_more", "required open book leaves the cost per unit of quality within 0.015",
             T, OPEN_BOOK, "value_for_money", "late", 0, "Williamson (1985) on cost-plus contracting; judgement",
             margin=0.015),
)
"""Every pattern as one-cause contrasts (the interactions follow)."""

INTERACTIONS: tuple[Interaction, ...] = (
    Interaction("exploited_where_opportunism_is_high",
                "relational partnering's abused trust grows with suppliers' opportunism",
                RELATIONAL_ABUSED, OPPORTUNISTIC, +1, EXPLOIT),
    Interaction("exploited_where_skills_are_weak",
                "relational partnering's abused trust grows as commercial skills weaken",
                RELATIONAL_ABUSED, WEAK_SKILLS_FACTOR, +1, EXPLOIT),
    Interaction("relational_quality_falls_where_opportunism_is_high",
                "relational partnering's quality advantage shrinks with suppliers' opportunism",
                RELATIONAL_QUALITY, OPPORTUNISTIC, -1, EXPLOIT),
    Interaction("relational_quality_falls_where_skills_are_weak",
                "relational partnering's quality advantage shrinks as commercial skills weaken",
                RELATIONAL_QUALITY, WEAK_SKILLS_FACTOR, -1, EXPLOIT),
    Interaction("rigidity_costs_more_when_demand_swings",
                "adaptable contracts' saving in unmet need is larger when demand is volatile",
                ADAPTABLE_UNMET, {"world.demand_volatility": (1.0, 3.0)}, -1, ADAPTATION, asserted=False,
                note="not detectable over 20 replications: adaptable contracts save unmet need about "
                     "as much under stable as under volatile demand"),
    Interaction("rigidity_costs_more_when_demand_rises",
                "adaptable contracts' saving in unmet need is larger when demand rises faster",
                ADAPTABLE_UNMET, {"world.demand_growth": (0.02, 0.06)}, -1, ADAPTATION, asserted=False,
                note="not detectable over 20 replications: adaptable contracts save unmet need about "
                     "as much under steady as under fast growth"),
)
"""The factorial patterns: where the claim is that one cause's effect depends on another."""

ALL: tuple[Pattern, ...] = PATTERNS + INTERACTIONS


def by_key(key: str) -> Pattern:
    """A pattern by its key, with the allowed keys in the error."""
    for pattern in ALL:
        if pattern.key == key:
            return pattern
    raise KeyError(f"pattern {key!r}; allowed: {', '.join(p.key for p in ALL)}")


def all_arms(patterns: Sequence[Pattern] = ALL, at: Mapping[str, float] | None = None) -> list[Scenario]:
    """Every distinct arm the patterns need, each once, in a stable order."""
    seen: dict[str, Scenario] = {}
    for pattern in patterns:
        for scenario in pattern.arms(at):
            seen.setdefault(scenario.name, scenario)
    return list(seen.values())


def with_integration(scenario: Scenario, level: float) -> Scenario:
    """Every service of the catalogue with the same need to integrate with other services (a
    property of the services, not a parameter, so it is not a contrast's cause)."""
    services = tuple(s.model_copy(update={"integration": level}) for s in scenario.services)
    return scenario.model_copy(update={"services": services, "name": f"{scenario.name}|integration={level}"})


def validation_arms(asserted_only: bool = False) -> list[Scenario]:
    """The arms the pattern tests (``asserted_only``: the claims they assert) and the validation
    report (every claim) run: the patterns' arms, plus the collapse in its default market and
    the integration pair."""
    arms = all_arms([p for p in ALL if p.asserted or not asserted_only])
    names = {a.name for a in arms}
    transactional = arm("transactional")
    extra = [arm("supplier_collapse"),
             with_integration(transactional, 0.9), with_integration(transactional, 0.1)]
    return arms + [a for a in extra if a.name not in names]
