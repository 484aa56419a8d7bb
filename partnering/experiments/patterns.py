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

    ``expect`` is the sign the pattern claims (+1: treated higher). ``shared`` overrides apply
    to both arms (for example a hostile world), so the contrast is read inside that world.
    """

    key: str
    claim: str
    base: str
    cause: Mapping[str, tuple[float, float]]
    metric: str
    how: str
    expect: int
    source: str
    shared: Mapping[str, float] = field(default_factory=dict)
    literature: str = ""

    def __post_init__(self) -> None:
        if len(self.cause) != 1:
            raise ValueError(f"{self.key}: a contrast changes one cause, not {len(self.cause)}")

    def arms(self, at: Mapping[str, float] | None = None) -> tuple[Scenario, Scenario]:
        """(control, treated) at a point ``at`` of the uncertainty space (applied to both)."""
        common = {**(at or {}), **self.shared}
        control = {**common, **{k: lo for k, (lo, _) in self.cause.items()}}
        treated = {**common, **{k: hi for k, (_, hi) in self.cause.items()}}
        return arm(self.base, control), arm(self.base, treated)

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
    literature: str = ""

    @property
    def metric(self) -> str:
        return self.contrast.metric

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
COLLAPSE_CONCENTRATION = {"population.large_suppliers": (10, 3)}

RACE = "Capen, Clapp and Campbell (1971); Thaler (1988) on the winner's curse"
RELATIONAL = "Lyons and Mehta (1997); Poppo and Zenger (2002)"
EXPLOIT = "Williamson (1985); Gulati (1995) on trust as a substitute for control"
IFG = "Institute for Government (2020) on when to bring services back in-house"
ADAPTATION = "Williamson (1985) on adaptation; Bajari and Tadelis (2001) on fixed-price contracts and change"

PATTERNS: tuple[Pattern, ...] = (
    # 1. Race to the bottom: the evaluation weight on track record alone, collaborative
    #    management (penalties, monitoring, risk sharing) the same in both arms.
    Contrast("track_record_lowers_failures", "weighting track record lowers supplier failures",
             "collaborative", TRACK, "supplier_failures", "final", -1, RACE + "; Baker, Gibbons and Murphy (2002)"),
    Contrast("track_record_lowers_distress", "weighting track record leaves fewer firms in distress",
             "collaborative", TRACK, "distressed_share", "late", -1, RACE),
    Contrast("track_record_raises_margins", "weighting track record leaves suppliers fatter margins",
             "collaborative", TRACK, "mean_margin", "late", +1, RACE),
    # 2. Concentration and the SME share.
    Contrast("place_based_holds_sme_share", "place-based lots hold the SME share up",
             T, PLACE, "sme_share", "late", +1, "NAO (2013) and Cabinet Office (2018) on strategic suppliers"),
    Contrast("co_commissioning_shuts_smes_out", "co-commissioned (larger, joint) tenders lower the SME share",
             "collaborative", CO_COMMISSION, "sme_share", "late", -1, "LGA (2016) on shared services; judgement"),
    # 3. Relational partnering builds trust both ways.
    Contrast("collaboration_raises_council_trust", "collaborative management raises councils' trust in suppliers",
             T, COLLAB, "trust_council_supplier", "late", +1, RELATIONAL),
    Contrast("collaboration_raises_supplier_trust", "collaborative management raises suppliers' trust in councils",
             T, COLLAB, "trust_supplier_council", "late", +1, RELATIONAL),
    # 4. Collapse: the failed firm's share is set by how many large firms share the market.
    Contrast("collapse_damage_grows_with_concentration",
             "the same collapse disrupts more services in a market of three large firms than of ten",
             "supplier_collapse", COLLAPSE_CONCENTRATION, "disruption", "year_after_12", +1,
             "NAO (2018) on Carillion: 420 public contracts"),
    # 5. Insourcing clusters where markets are thin, flexibility is needed, skills are weak.
    Contrast("thin_markets_insource", "without local SMEs, councils bring more services in-house",
             T, {"population.smes_per_place": (4, 0)}, "share_in_house", "late", +1, IFG),
    Contrast("volatility_insources_for_flexibility", "volatile demand leads to insourcing for flexibility",
             T, {"world.demand_volatility": (1.0, 3.0)}, "insourced_flexibility", "final", +1, IFG),
    Contrast("weak_skills_insource", "weak commercial skills lead to insourcing for lack of skills",
             T, {"world.commercial_capability": (0.95, 0.15)}, "insourced_skills", "final", +1, IFG),
    # 6. Adaptable contracts and their price.
    Contrast("adaptable_meets_rising_demand", "under rising demand, adaptable contracts leave less need unmet",
             "rising_demand", ADAPT, "unmet_need", "late", -1, ADAPTATION),
    Contrast("adaptable_contracts_cost_more", "adaptable (shorter, phased) contracts cost more per unit of quality",
             T, ADAPT, "value_for_money", "late", +1, ADAPTATION + "; tendering costs"),
    # Open book: the other side of accountability.
    Contrast("open_book_weakens_cost_discipline", "open book and published performance cost more per unit of quality",
             T, ACCOUNT, "value_for_money", "late", +1, "Williamson (1985) on cost-plus contracting; judgement"),
)
"""Every pattern as one-cause contrasts (the interactions follow)."""

INTERACTIONS: tuple[Interaction, ...] = (
    Interaction("exploited_where_opportunism_is_high",
                "collaborative management's abused trust grows with suppliers' opportunism",
                Contrast("collaboration_abused", "abused trust under collaborative management", T, COLLAB,
                         "abused_trust", "late", +1, EXPLOIT),
                {"world.supplier_opportunism": (0.3, 0.75)}, +1, EXPLOIT),
    Interaction("exploited_where_skills_are_weak",
                "collaborative management's abused trust grows as commercial skills weaken",
                Contrast("collaboration_abused_skills", "abused trust under collaborative management", T, COLLAB,
                         "abused_trust", "late", +1, EXPLOIT),
                {"world.commercial_capability": (0.6, 0.2)}, +1, EXPLOIT),
    Interaction("rigidity_costs_more_when_demand_rises",
                "adaptable contracts' saving in unmet need is larger when demand rises faster",
                Contrast("adaptable_unmet", "unmet need under adaptable contracts", T, ADAPT,
                         "unmet_need", "late", -1, ADAPTATION),
                {"world.demand_growth": (0.02, 0.06)}, -1, ADAPTATION),
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
