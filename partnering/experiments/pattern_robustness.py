"""Each pattern across the space of declared uncertainties: how much of it the pattern holds in,
where it reverses, and which sections of the model its effect depends on.

A pattern (:mod:`partnering.experiments.patterns`) is a contrast read on common seeds. Here it is
read again at many points of the uncertainty space, every point applied to both (or, for a 2 x 2
interaction, all four) arms. A pattern keeps fixed what defines it: its cause, the overrides it
shares between its arms, an interaction's second factor, and its *premise*, the uncertainties its
base scenario sets away from their declared defaults (``rising_demand`` is a world whose demand
grows; sampling that growth down to a fall would test another claim). ``--set`` values are fixed
too. Every other declared uncertainty is sampled within its declared bounds.

Two designs share this machinery:

- a *map*: N points of a Latin hypercube (or a scrambled Sobol sequence), R replications each; per
  pattern, the share of points where the mean contrast has the expected sign (with a Wilson
  interval), where it is reversed (and significantly so), and PRIM's boxes around the reversals;
- a *screening*: a grouped Morris design (one group per schema section), whose elementary effects
  on each pattern's mean contrast rank the sections its effect depends on.

Points are shared by every pattern, so an arm several patterns use (the transactional control at
point 7, say) runs once; the sweep store makes both designs resumable.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from partnering.experiments.design import (
    DEFAULT_ROOT_SEED,
    Design,
        latin_hypercube,
    scenario_design,
)
from partnering.experiments.discovery import prim_boxes
from partnering.experiments.patterns import ALL, LATE, STEPS, Interaction, Pattern
from partnering.experiments.problem import (
    EVERY_UNCERTAINTY,
    expand_parameters,
    group_names,
    salib_sample,
    to_salib_problem,
)
from partnering.experiments.sensitivity_analysis import salib_analyze
from partnering.scenarios import Scenario, ScenarioError, load_scenario, parameter, parameter_table

__all__ = ["Plan", "Robustness", "analyse", "build", "contrasts", "group_names", "plan", "reversal_boxes",
           "screening", "shares", "space", "wilson", "write_tables"]

SAMPLERS = ("lhs", "sobol")
"""How the points of a map are drawn: a Latin hypercube, or a scrambled Sobol sequence."""
LEVEL = 0.95
"""Confidence level of the intervals and of the test that a reversal is not noise."""


# ----------------------------------------------------------------------------- the space
def pattern_keys(patterns: Sequence[Pattern] = ALL, items: Sequence[str] | None = None) -> list[Pattern]:
    """The patterns named by ``items`` (keys, or globs over keys); all of them by default."""
    import fnmatch

    if not items:
        return list(patterns)
    chosen: list[Pattern] = []
    for item in items:
        matched = [p for p in patterns if fnmatch.fnmatchcase(p.key, item)]
        if not matched:
            raise ScenarioError(f"--patterns: {item!r} names no pattern; allowed: {', '.join(p.key for p in patterns)}")
        chosen.extend(p for p in matched if p not in chosen)
    return chosen


def _contrast(pattern: Pattern):
    return pattern.contrast if isinstance(pattern, Interaction) else pattern


def premise(pattern: Pattern) -> set[str]:
    """The uncertainties the pattern's base scenario sets away from their declared defaults."""
    return set(_premise(_contrast(pattern).base))


@functools.lru_cache(maxsize=64)
def _premise(base: str) -> frozenset[str]:
    values = load_scenario(base).flat()
    return frozenset(p.name for p in parameter_table() if p.kind == "uncertainty" and values.get(p.name) != p.default)


def fixed_keys(pattern: Pattern) -> set[str]:
    """What a pattern keeps fixed at every point: cause, shared overrides, factor, premise."""
    contrast = _contrast(pattern)
    keys = set(contrast.cause) | set(contrast.shared) | premise(pattern)
    if isinstance(pattern, Interaction):
        keys |= set(pattern.factor)
    return keys


def sampled(pattern: Pattern, names: Sequence[str], fixed: Mapping[str, Any] | None = None) -> list[str]:
    """The uncertainties among ``names`` that vary for this pattern."""
    out = fixed_keys(pattern) | set(fixed or {})
    return [n for n in names if n not in out]


def space(patterns: Sequence[Pattern], parameters: Sequence[str] | None = None,
          fixed: Mapping[str, Any] | None = None, groups: str | None = None) -> dict[str, Any]:
    """The SALib problem over the uncertainties that vary for at least one of the patterns.

    ``parameters`` are names or globs of declared uncertainties (default: every one); a lever or a
    structure parameter is refused, since a pattern's arms differ in levers by design.
    """
    names = expand_parameters(list(parameters or [EVERY_UNCERTAINTY]), "--parameters")
    for name in names:
        kind = parameter(name).kind
        if kind != "uncertainty":
            raise ScenarioError(f"--parameters: {name} is declared as a {kind}, not an uncertainty; a pattern's "
                                "map samples uncertainties only (fix a lever or structure value with --set)")
    varied = [n for n in names if any(n in sampled(p, [n], fixed) for p in patterns)]
    if not varied:
        raise ScenarioError("--parameters: every chosen uncertainty is fixed by the patterns or by --set; "
                            "choose others")
    return to_salib_problem(varied, groups=groups)


def map_points(problem: Mapping[str, Any], samples: int, sampler: str = "lhs",
               seed: int = DEFAULT_ROOT_SEED) -> np.ndarray:
    """``samples`` points of the uncertainty space: a Latin hypercube, or a scrambled Sobol sequence."""
    from scipy.stats import qmc

    if samples < 2:
        raise ScenarioError(f"--samples: {samples}; allowed 2 or more points")
    if sampler == "lhs":
        return latin_hypercube(problem, samples, seed)
    if sampler == "sobol":
        unit = qmc.Sobol(d=problem["num_vars"], scramble=True, rng=np.random.default_rng(seed)).random(samples)
        lows, highs = np.array(problem["bounds"], dtype=float).T
        return qmc.scale(unit, lows, highs)
    raise ScenarioError(f"--sampler: {sampler!r}; allowed: {', '.join(SAMPLERS)}")


def values_at(problem: Mapping[str, Any], matrix: np.ndarray) -> pd.DataFrame:
    """One row per point (index ``point``): the values the model is given (integers rounded)."""
    names = list(problem["names"])
    kinds = {p.name: p.type for p in parameter_table()}
    columns = {}
    for j, name in enumerate(names):
        # the conversion of design.from_sample, a column at a time (it looks the type up per value)
        column = matrix[:, j]
        columns[name] = (column >= 0.5 if kinds[name] == "bool" else np.round(column).astype(int)
                         if kinds[name] == "int" else column.astype(float))
    return pd.DataFrame(columns, columns=names).rename_axis("point")


# ----------------------------------------------------------------------------- the runs
@dataclass(frozen=True)
class Plan:
    """The arms of every pattern at every point, and how to read them back.

    ``names[(key, point)]`` maps each arm's full name (as ``pattern.arms(at)`` gives it, with every
    sampled value in it) to the short name it ran under: ``p007/transactional|principles...``.
    """

    patterns: tuple[Pattern, ...]
    points: pd.DataFrame
    fixed: Mapping[str, Any]
    arms: tuple[Scenario, ...]
    names: Mapping[tuple[str, int], Mapping[str, str]]

    def at(self, pattern: Pattern, point: int) -> dict[str, Any]:
        """The values applied to both arms of ``pattern`` at ``point``: what varies for it, and --set."""
        keep = sampled(pattern, list(self.points.columns), self.fixed)
        # read cell by cell: a row of mixed columns would turn the integers into floats
        return {**{n: _plain(self.points.at[point, n]) for n in keep}, **self.fixed}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def plan(patterns: Sequence[Pattern], points: pd.DataFrame, fixed: Mapping[str, Any] | None = None,
         tag: str = "p") -> Plan:
    """Every distinct arm of the patterns at the points, each once, under a short name.

    Two patterns whose arms are the same scenario at a point share its runs; the short name is the
    point and the arm's name without the sampled values, with a content hash only when two
    different scenarios would otherwise share a name.
    """
    fixed = dict(fixed or {})
    width = max(3, len(str(len(points) - 1)))
    arms: dict[str, Scenario] = {}
    hashes: dict[str, str] = {}
    names: dict[tuple[str, int], dict[str, str]] = {}
    stub = Plan(tuple(patterns), points, fixed, (), {})
    labels_of = {pattern.key: [s.name for s in pattern.arms(fixed)] for pattern in patterns}
    for point in points.index:
        for pattern in patterns:
            labels = labels_of[pattern.key]
            mapping: dict[str, str] = {}
            for label, scenario in zip(labels, pattern.arms(stub.at(pattern, point)), strict=True):
                digest = scenario.content_hash()
                short = f"{tag}{point:0{width}d}/{label}"
                if hashes.get(short, digest) != digest:
                    short = f"{short}#{digest[:6]}"
                hashes[short] = digest
                arms.setdefault(short, scenario.model_copy(update={"name": short}))
                mapping[scenario.name] = short
            names[(pattern.key, int(point))] = mapping
    return Plan(tuple(patterns), points, fixed, tuple(arms.values()), names)


def plan_design(the_plan: Plan, replications: int, steps: int = STEPS, root_seed: int = DEFAULT_ROOT_SEED) -> Design:
    """The sweep of a plan: every arm on the same ``replications`` seeds (common random numbers)."""
    if steps < LATE[1]:
        raise ScenarioError(f"--steps: {steps}; the patterns read steps up to {LATE[1]}, so allowed {LATE[1]} "
                            "to 400")
    return scenario_design(list(the_plan.arms), replications=replications, steps=steps, root_seed=root_seed,
                           name="pattern robustness")


def contrasts(the_plan: Plan, metrics: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """One row per (pattern, point): the contrast's mean over replications, its spread and verdict.

    ``sign`` is the sign of the mean (0 when exactly zero, as when no firm fails in either arm);
    ``holds`` when it is the pattern's expected sign, ``reverses`` when the opposite; a claim of
    no effect (``expect`` 0) holds when the mean lies inside its margin and reverses outside. A reversal is
    ``significant`` when the mean is further below zero (in the expected direction's terms) than
    the one-sided ``level`` t quantile times its standard error; a point that holds by as much is
    ``confirmed``. With few replications per point a small effect's sign is partly noise, which
    pulls the share that holds towards one half; the confirmed share is the cautious reading. The standard error pools the
    within-point spread over every point of the pattern (``n`` replications each), because two or
    three replications alone say little about a point's own noise.
    """
    from scipy import stats

    rows = []
    for pattern in the_plan.patterns:
        for point in the_plan.points.index:
            mapping = the_plan.names[(pattern.key, int(point))]
            part = metrics[metrics["arm"].isin(set(mapping.values()))]
            frames = [part[part["arm"] == short].assign(arm=full) for full, short in mapping.items()]
            values = pattern.values(pd.concat(frames, ignore_index=True), the_plan.at(pattern, point))
            rows.append({"pattern": pattern.key, "point": int(point), "metric": pattern.metric,
                         "expect": pattern.expect, "margin": getattr(pattern, "margin", 0.0), "n": len(values),
                         "mean": float(np.mean(values)) if len(values) else math.nan,
                         "ss": float(((values - values.mean()) ** 2).sum()) if len(values) else math.nan})
    frame = pd.DataFrame(rows)
    pooled = frame.groupby("pattern", sort=False).apply(
        lambda f: pd.Series({"df": float((f["n"] - 1).clip(lower=0).sum()), "ss": float(f["ss"].sum())}),
        include_groups=False)
    df = frame["pattern"].map(pooled["df"])
    sd = np.sqrt(frame["pattern"].map(pooled["ss"]) / df.where(df > 0))
    frame["se"] = sd / np.sqrt(frame["n"].where(frame["n"] > 0))
    frame["sign"] = np.sign(frame["mean"]).fillna(0).astype(int)
    # A claim of no effect (expect 0) holds inside its margin and "reverses" outside it.
    none = frame["expect"] == 0
    inside = frame["mean"].abs() < frame["margin"]
    frame["holds"] = np.where(none, inside, frame["sign"] == frame["expect"])
    frame["reverses"] = np.where(none, ~inside, frame["sign"] == -frame["expect"])
    critical = stats.t.ppf(level, df.where(df > 0))
    gap = np.where(none, (frame["mean"].abs() - frame["margin"]).abs(), frame["mean"].abs())
    beyond = gap > critical * frame["se"]
    frame["significant"] = frame["reverses"] & beyond
    frame["confirmed"] = frame["holds"] & beyond
    return frame.drop(columns="ss")


# ----------------------------------------------------------------------------- the map
def wilson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson's score interval for a share of k in n (never outside 0 to 1, sensible at 0 and n)."""
    from scipy import stats

    if n <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


SHARE_COLUMNS = ["pattern", "metric", "expect", "points", "holds", "share", "share_low", "share_high",
                 "confirmed", "reverses", "reverse_share", "significant", "null", "median_contrast"]


def shares(frame: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """Per pattern: the share of points where it holds (Wilson interval), and where it reverses.

    Points whose contrast could not be read (no replication gave a value) are left out of
    ``points``; ``null`` counts the points where the contrast is exactly zero.
    """
    rows = []
    for key, part in frame.groupby("pattern", sort=False):
        read = part[part["n"] > 0]
        n, k = len(read), int(read["holds"].sum())
        low, high = wilson(k, n, level)
        rows.append({"pattern": key, "metric": part["metric"].iloc[0], "expect": int(part["expect"].iloc[0]),
                     "points": n, "holds": k, "share": k / n if n else math.nan, "share_low": low, "share_high": high,
                     "confirmed": int(read["confirmed"].sum()) if "confirmed" in read else 0,
                     "reverses": int(read["reverses"].sum()),
                     "reverse_share": float(read["reverses"].mean()) if n else math.nan,
                     "significant": int(read["significant"].sum()), "null": int((read["sign"] == 0).sum()),
                     "median_contrast": float(read["mean"].median()) if n else math.nan})
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)


def reversal_boxes(the_plan: Plan, frame: pd.DataFrame, problem: Mapping[str, Any],
                   **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PRIM's boxes around the points where each pattern reverses, over what varies for it.

    Returns ``(boxes, limits)``, both with a ``pattern`` column (see :func:`prim_boxes`); a pattern
    that never reverses, or always does, has no box.
    """
    bounds = dict(zip(problem["names"], problem["bounds"], strict=True))
    boxes, limits = [], []
    for pattern in the_plan.patterns:
        part = frame[(frame["pattern"] == pattern.key) & (frame["n"] > 0)].set_index("point")
        names = sampled(pattern, list(the_plan.points.columns), the_plan.fixed)
        if not names or part.empty:
            continue
        x = the_plan.points.loc[part.index, names]
        found = prim_boxes(x, part["reverses"].to_numpy(), bounds={n: bounds[n] for n in names}, **options)
        boxes.append(found.summary.assign(pattern=pattern.key))
        limits.append(found.limits.assign(pattern=pattern.key))
    def stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        return out[["pattern", *[c for c in out.columns if c != "pattern"]]]
    return stack(boxes), stack(limits)


# ----------------------------------------------------------------------------- the screening
def screening_points(problem: Mapping[str, Any], trajectories: int, seed: int = DEFAULT_ROOT_SEED,
                     levels: int = 4) -> tuple[np.ndarray, pd.DataFrame]:
    """A grouped Morris design over the problem: the raw sample and the values the model gets."""
    if not problem.get("groups"):
        raise ScenarioError("screening: the problem needs groups (build it with groups='sections')")
    matrix = salib_sample(problem, "morris", trajectories, seed=seed, levels=levels)
    return matrix, values_at(problem, matrix)


def screening(the_plan: Plan, frame: pd.DataFrame, problem: Mapping[str, Any], matrix: np.ndarray,
              seed: int = DEFAULT_ROOT_SEED, levels: int = 4, level: float = LEVEL) -> pd.DataFrame:
    """Per pattern, the grouped Morris ranking of the sections by their effect on its mean contrast.

    A section's members a pattern keeps fixed do not move for it, so a section it fixes entirely
    has μ* = 0. ``relative`` is μ* over the largest μ* of the pattern; ``contrast_sd`` the spread
    of the mean contrast over the design's points, the scale against which μ* reads.
    """
    out = []
    for pattern in the_plan.patterns:
        part = frame[frame["pattern"] == pattern.key].sort_values("point")
        y = part["mean"].to_numpy(dtype=float)
        if not np.all(np.isfinite(y)):
            raise ScenarioError(f"{pattern.key}: its contrast could not be read at {int((~np.isfinite(y)).sum())} "
                                "points (no replication gave a value); run more steps or replications")
        table = salib_analyze(problem, matrix, y, "morris", seed=seed, levels=levels, level=level)
        top = table["mu_star"].max()
        table.insert(0, "pattern", pattern.key)
        table.insert(1, "metric", pattern.metric)
        table["relative"] = table["mu_star"] / top if top > 0 else 0.0
        table["contrast_mean"] = float(y.mean())
        table["contrast_sd"] = float(y.std(ddof=1)) if len(y) > 1 else math.nan
        out.append(table.rename(columns={"parameter": "group"}))
    result = pd.concat(out, ignore_index=True)
    result.attrs.update(method="morris", level=level, grouped=True)
    return result


# ----------------------------------------------------------------------------- in one call
@dataclass(frozen=True)
class Robustness:
    """A finished map (``shares``, ``boxes``, ``limits``) or screening (``ranking``), with its points."""

    plan: Plan
    problem: Mapping[str, Any]
    contrasts: pd.DataFrame
    shares: pd.DataFrame | None = None
    boxes: pd.DataFrame | None = None
    limits: pd.DataFrame | None = None
    ranking: pd.DataFrame | None = None


def build(patterns: Sequence[Pattern], samples: int, *, screen: bool = False, sampler: str = "lhs",
          parameters: Sequence[str] | None = None, fixed: Mapping[str, Any] | None = None,
          replications: int = 2, steps: int = STEPS, seed: int = DEFAULT_ROOT_SEED
          ) -> tuple[Plan, dict[str, Any], np.ndarray, Design]:
    """The plan, problem, raw sample and sweep of a map (``samples`` points) or a screening
    (``samples`` Morris trajectories, one group per section)."""
    if replications < 1:
        raise ScenarioError(f"--replications: {replications}; allowed 1 or more")
    problem = space(patterns, parameters, fixed, groups="sections" if screen else None)
    if screen:
        matrix, points = screening_points(problem, samples, seed)
    else:
        matrix = map_points(problem, samples, sampler, seed)
        points = values_at(problem, matrix)
    the_plan = plan(patterns, points, fixed, tag="m" if screen else "p")
    return the_plan, problem, matrix, plan_design(the_plan, replications, steps, seed)


def analyse(the_plan: Plan, problem: Mapping[str, Any], matrix: np.ndarray, metrics: pd.DataFrame, *,
            screen: bool = False, seed: int = DEFAULT_ROOT_SEED, level: float = LEVEL,
            **prim_options: Any) -> Robustness:
    """Read a finished sweep of a plan: the map's shares and boxes, or the screening's ranking."""
    needed = ["arm", "replication", "step", *sorted({p.metric for p in the_plan.patterns})]
    frame = contrasts(the_plan, metrics[needed], level)
    if screen:
        return Robustness(the_plan, problem, frame, ranking=screening(the_plan, frame, problem, matrix, seed,
                                                                      level=level))
    boxes, limits = reversal_boxes(the_plan, frame, problem, **prim_options)
    return Robustness(the_plan, problem, frame, shares=shares(frame, level), boxes=boxes, limits=limits)


def write_tables(result: Robustness, folder: str | Path) -> list[Path]:
    """The tables as CSV in ``folder``: points (with the sampled values), contrasts, and shares,
    boxes and limits (a map) or the ranking (a screening)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"contrasts": result.contrasts, "points": result.plan.points.reset_index()}
    if result.ranking is not None:
        tables["screening"] = result.ranking
    else:
        tables.update(robustness=result.shares, boxes=result.boxes, limits=result.limits)
    paths = []
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        tmp = path.with_name(f".{path.name}.tmp")
        table.to_csv(tmp, index=False)
        tmp.replace(path)
        paths.append(path)
    return paths
