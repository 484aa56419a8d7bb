"""Explore futures against policies: where does a policy pay, under which futures, for whom.

An exploration crosses *futures* (a Latin hypercube over declared uncertainties, within their
schema bounds or narrower ones) with *policies* (named scenarios, or lever packages: a base
scenario with some levers set) and replications. It is an ordinary :class:`Design` (kind
``explore``), so it runs through the same resumable Parquet store on any executor, and every
future runs every policy with the same seeds (common random numbers across policies).

Point ``f * P + p`` of the design is future ``f`` under policy ``p``: futures come first, so a
sweep stopped early holds whole futures. Futures are read back from the design in the manifest
(the values each run was given), never from the runs table's parameter columns, whose spelling
is the store's business.

Analysis (:func:`analyse_exploration`) turns a store into tidy frames: the futures, the outcome
of each (future, policy), scenario discovery for each question (:mod:`.discovery`) and
robustness across futures (:mod:`.robustness`). The questions last asked of a store are kept
beside it in ``explore.json`` so its report shows them.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from partnering.experiments.design import (
    DEFAULT_ROOT_SEED,
    Design,
    _build,
    _point,
    from_sample,
    latin_hypercube,
    plain,
)
from partnering.experiments.problem import declared, to_salib_problem
from partnering.experiments.questions import (
    FAILED,
    Question,
    Threshold,
    parse_question,
    parse_threshold,
)
from partnering.experiments.results import SweepResults
from partnering.experiments.runner import Simulate, simulate
from partnering.experiments.store import SweepError
from partnering.experiments.sweep import Progress, SweepSummary, run_design, run_sweep
from partnering.model.catalogue import CATALOGUE, HEADLINE_METRICS
from partnering.scenarios import (
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    parameter_table,
    parse_assignment,
)

DEFAULT_POLICIES = ("transactional", "changemaking", "policy_package")
"""The three worlds of the headline experiment."""
DEFAULT_FUTURES = 200
DEFAULT_REPLICATIONS = 2
"""Replications per (future, policy): the futures carry most of the spread; two seeds per future
steady the comparison between policies in it."""
SETTINGS = "explore.json"
"""The questions, thresholds and metrics last asked of an exploration, kept in its folder."""


# ----------------------------------------------------------------------------- policies
@dataclass(frozen=True)
class Policy:
    """A policy: a base scenario (built-in name or TOML file) with some levers set."""

    name: str
    scenario: str | Path | Scenario = "transactional"
    levers: Mapping[str, Any] = field(default_factory=dict)


def parse_package(text: str) -> Policy:
    """A lever package from the command line: 'NAME: BASE + lever=value + lever=value'.

    The base scenario may be left out ('lean: policy.open_book_required=true'); it is then
    transactional.
    """
    name, colon, rest = text.partition(":")
    name = name.strip()
    if not colon or not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ScenarioError(f"--package {text!r}: expected 'NAME: BASE + lever=value + ...', "
                            "e.g. 'lean: transactional + policy.open_book_required=true'")
    parts = [p.strip() for p in rest.split("+") if p.strip()]
    base = "transactional"
    if parts and "=" not in parts[0]:
        base = parts.pop(0)
    if not parts:
        raise ScenarioError(f"--package {text!r}: sets no lever; add '+ lever=value'")
    return Policy(name, base, dict(parse_assignment(p) for p in parts))


def _policies(items: Sequence[str | Path | Scenario | Policy]) -> tuple[list[Policy], dict[str, Scenario]]:
    """Each policy with its base loaded once, its levers checked to be declared levers."""
    if not items:
        raise ScenarioError("policies: at least one policy is required")
    bases: dict[str, Scenario] = {}
    resolved = []
    for item in items:
        policy = item if isinstance(item, Policy) else Policy("", item)
        scenario = policy.scenario if isinstance(policy.scenario, Scenario) else load_scenario(policy.scenario)
        if scenario.name in bases and bases[scenario.name].content_hash() != scenario.content_hash():
            raise ScenarioError(f"policies: two different scenarios are both called {scenario.name!r}")
        bases[scenario.name] = scenario
        name = policy.name or scenario.name
        levers = {k: plain(v) for k, v in policy.levers.items()}
        declared(list(levers), "lever", f"policies: {name}")
        apply_overrides(scenario, levers, source=f"policies: {name}")
        resolved.append(Policy(name, scenario.name, levers))
    names = [p.name for p in resolved]
    for name in names:
        if names.count(name) > 1:
            raise ScenarioError(f"policies: {name!r} is listed twice; each policy needs its own name")
    return resolved, bases


def _only_levers_differ(policies: Sequence[Policy], bases: Mapping[str, Scenario], common: Mapping[str, Any],
                        explored: Sequence[str]) -> None:
    """Refuse policies that differ in a parameter that is not a lever (an uncertainty or the
    structure): regret against the best policy in a future means nothing if the policies were
    given different worlds."""
    fixed = [p.name for p in parameter_table() if p.kind != "lever" and p.name not in explored and p.name != "run.steps"]
    worlds = [(p.name, apply_overrides(bases[str(p.scenario)], {**common, **p.levers}, source=f"policies: {p.name}")
               .flat()) for p in policies]
    first, reference = worlds[0]
    for name, values in worlds[1:]:
        for key in fixed:
            if values[key] != reference[key]:
                raise ScenarioError(
                    f"policies: {name!r} sets {key} = {values[key]!r} where {first!r} has {reference[key]!r}; "
                    f"policies may differ only in levers: explore {key} as an uncertainty, or set it for all with --set")


def explore_design(policies: Sequence[str | Path | Scenario | Policy] = DEFAULT_POLICIES,
                   uncertainties: Sequence[str] | None = None, futures: int = DEFAULT_FUTURES,
                   replications: int = DEFAULT_REPLICATIONS, steps: int | None = None,
                   root_seed: int = DEFAULT_ROOT_SEED, bounds: Mapping[str, Sequence[float]] | None = None,
                   overrides: Mapping[str, Any] | None = None, name: str = "") -> Design:
    """(e) Futures (a Latin hypercube over uncertainties) x policies x replications.

    Args:
        policies: built-in scenario names, TOML files, Scenarios or :class:`Policy` lever packages.
        uncertainties: dotted names of declared uncertainties; by default every numeric one.
        futures: points of the hypercube, drawn from ``default_rng(root_seed)``.
        bounds: narrower ranges ``{name: [low, high]}`` inside the declared bounds.
        overrides: applied to every run; may not set an explored uncertainty.
    """
    if uncertainties is not None:
        if not uncertainties:
            raise ScenarioError("uncertainties: at least one uncertainty is required")
        declared(list(uncertainties), "uncertainty", "uncertainties")
    if futures < 2:
        raise ScenarioError(f"futures: {futures}; allowed 2 or more")
    try:
        problem = to_salib_problem(uncertainties, kind="uncertainty", bounds=bounds)
    except ScenarioError as exc:
        raise ScenarioError(str(exc).replace("parameters:", "uncertainties:", 1)) from None
    names = list(problem["names"])
    common = {k: plain(v) for k, v in (overrides or {}).items()}
    for key in common:
        if key in names:
            raise ScenarioError(f"overrides: {key} is explored as an uncertainty; remove it from --set or from the "
                                "uncertainties")
    chosen, bases = _policies(policies)
    _only_levers_differ(chosen, bases, common, names)
    matrix = latin_hypercube(problem, futures, root_seed)
    width = max(3, len(str(futures - 1)))
    points = []
    for f, row in enumerate(matrix):
        values = {n: from_sample(n, v) for n, v in zip(names, row, strict=True)}
        sample = tuple(float(v) for v in row)
        for policy in chosen:
            points.append(_point(f"{policy.name}/future-{f:0{width}d}", str(policy.scenario), bases,
                                 {**common, **policy.levers, **values}, sample))
    options = {"futures": futures,
               "policies": [{"name": p.name, "scenario": str(p.scenario), "levers": dict(p.levers)} for p in chosen]}
    return _build("explore", points, bases, steps, replications, root_seed, name, problem=problem, options=options)


# ----------------------------------------------------------------------------- reading a store
def open_exploration(results: SweepResults | str | Path) -> SweepResults:
    """The results of an exploration folder; any other sweep is refused in one line."""
    res = results if isinstance(results, SweepResults) else SweepResults(results)
    kind = res.manifest.get("kind")
    if kind != "explore":
        raise SweepError(f"{res.root}: holds a {kind} sweep, not an exploration of futures; run "
                         f"`partnering explore --out DIR` for one, or point at an exploration folder")
    return res


def policy_names(results: SweepResults) -> list[str]:
    return [p["name"] for p in results.manifest["options"]["policies"]]


def uncertainty_bounds(results: SweepResults) -> dict[str, tuple[float, float]]:
    """The range each uncertainty was explored over."""
    problem = results.manifest["problem"]
    return {n: (float(lo), float(hi)) for n, (lo, hi) in zip(problem["names"], problem["bounds"], strict=True)}


def layout(results: SweepResults) -> pd.DataFrame:
    """Which future and policy each point of the design is (point ``f * P + p``)."""
    policies = policy_names(results)
    points = results.manifest["points"]
    frame = pd.DataFrame({"point": range(len(points)), "future": [i // len(policies) for i in range(len(points))],
                          "policy": [policies[i % len(policies)] for i in range(len(points))]})
    if any(not p["arm"].startswith(f"{policy}/") for p, policy in zip(points, frame["policy"], strict=True)):
        raise SweepError(f"{results.root}: the design's points are not in future-major order; the folder was not "
                         "written by explore_design")
    return frame


def futures_frame(results: SweepResults | str | Path) -> pd.DataFrame:
    """One row per future (index ``future``), one column per explored uncertainty: the values
    the runs were given (integers rounded, as the model received them)."""
    res = open_exploration(results)
    names = list(res.manifest["problem"]["names"])
    step = len(policy_names(res))
    rows = [{n: point["overrides"][n] for n in names} for point in res.manifest["points"][::step]]
    return pd.DataFrame(rows, columns=names).rename_axis("future")


def _step(results: SweepResults, step: int | None) -> int:
    if step is None:
        return results.steps
    if not 0 <= int(step) <= results.steps:
        raise ScenarioError(f"--step: {step} is outside the exploration; allowed 0 to {results.steps}")
    return int(step)


def outcomes_frame(results: SweepResults | str | Path, step: int | None = None) -> pd.DataFrame:
    """One row per (future, policy): ``runs`` recorded, ``failed`` among them, ``failed_runs``
    (their share) and every metric's mean over the successful replications at ``step``
    (default: the horizon). A (future, policy) not yet run has ``runs`` 0 and missing metrics."""
    res = open_exploration(results)
    at = _step(res, step)
    grid = layout(res)
    metrics = [m for m in CATALOGUE if m in res.metric_names]
    runs = res.runs
    recorded = runs[["run_id", "point", "status"]].merge(grid, on="point") if len(runs) else \
        pd.DataFrame(columns=["run_id", "point", "status", "future", "policy"])
    counts = recorded.assign(failed=recorded["status"] != "ok").groupby("point").agg(
        runs=("run_id", "size"), failed=("failed", "sum"))
    values = res.metrics(columns=metrics, steps=[at]) if metrics else pd.DataFrame(columns=["run_id"])
    values = values.merge(recorded[["run_id", "point"]], on="run_id").groupby("point")[metrics].mean()
    frame = grid.set_index("point").join(counts).join(values)
    frame[["runs", "failed"]] = frame[["runs", "failed"]].fillna(0).astype(int)
    frame[FAILED] = (frame["failed"] / frame["runs"].where(frame["runs"] > 0)).astype(float)
    frame = frame.reset_index(drop=True)
    frame.attrs["step"] = at
    return frame[["future", "policy", "runs", "failed", FAILED, *metrics]]


# ----------------------------------------------------------------------------- analysis
def default_metrics() -> list[str]:
    """The headline metrics that have a better direction (regret needs one)."""
    return [m for m in HEADLINE_METRICS if CATALOGUE[m].direction != 0]


@dataclass(frozen=True)
class Settings:
    """What is asked of an exploration: questions for discovery, thresholds and metrics for
    robustness, the horizon, and the rule choosing PRIM's boxes."""

    questions: tuple[str, ...] = ()
    thresholds: tuple[str, ...] = ()
    metrics: tuple[str, ...] | None = None
    step: int | None = None
    min_coverage: float | None = None
    max_dims: int | None = None

    def prim_options(self) -> dict[str, Any]:
        options = {"min_coverage": self.min_coverage, "max_dims": self.max_dims}
        return {k: v for k, v in options.items() if v is not None}


def read_settings(root: str | Path) -> Settings:
    """The settings last saved beside an exploration, or none."""
    path = Path(root) / SETTINGS
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text())
        known = {f.name for f in dataclasses.fields(Settings)}
        return Settings(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known})
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise SweepError(f"{path}: unreadable exploration settings: {exc}; delete the file to start afresh") from None


def save_settings(root: str | Path, settings: Settings) -> Path:
    """Keep the settings beside the exploration (atomically), for its report."""
    path = Path(root) / SETTINGS
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(settings), indent=1))
    os.replace(tmp, path)
    return path


@dataclass(frozen=True)
class Checked:
    """Settings read against an exploration's policies and the catalogue."""

    questions: list[Question]
    thresholds: list[Threshold]
    metrics: list[str]


def check_settings(settings: Settings, policies: Sequence[str]) -> Checked:
    """Parse every question and threshold and check the metrics, before anything runs."""
    from partnering.experiments.robustness import directed

    questions = [parse_question(q, policies) for q in settings.questions]
    if questions:  # discovery needs EMA Workbench: say so before the runs, not after
        from partnering.experiments.ema import workbench

        workbench()
    thresholds = [parse_threshold(t) for t in settings.thresholds]
    metrics = directed(list(settings.metrics)) if settings.metrics is not None else default_metrics()
    if settings.min_coverage is not None and not 0.0 <= settings.min_coverage <= 1.0:
        raise ScenarioError(f"--min-coverage: {settings.min_coverage}; allowed 0 to 1")
    if settings.max_dims is not None and settings.max_dims < 1:
        raise ScenarioError(f"--max-dims: {settings.max_dims}; allowed 1 or more")
    return Checked(questions, thresholds, metrics)


@dataclass(frozen=True)
class Exploration:
    """Tidy frames of one exploration (see :func:`analyse_exploration`)."""

    root: Path
    step: int
    policies: list[str]
    settings: Settings
    futures: pd.DataFrame
    outcomes: pd.DataFrame
    cases: pd.DataFrame
    boxes: pd.DataFrame
    limits: pd.DataFrame
    trajectory: pd.DataFrame
    cart: pd.DataFrame
    regret: pd.DataFrame
    robustness: pd.DataFrame
    satisficing: pd.DataFrame
    normalised_regret: pd.DataFrame
    recommendations: pd.DataFrame
    summary: SweepSummary | None = None

    @property
    def complete_futures(self) -> int:
        """Futures in which every policy has at least one successful run."""
        ok = self.outcomes.assign(good=self.outcomes["runs"] > self.outcomes["failed"])
        return int(ok.groupby("future")["good"].all().sum())


def analyse_exploration(results: SweepResults | str | Path, settings: Settings | None = None, *,
                        save: bool = False) -> Exploration:
    """Discovery and robustness of an exploration folder, as tidy frames.

    ``settings`` default to those saved beside the folder (by ``partnering explore`` or
    :func:`explore`); ``save`` keeps these ones there for the report.
    """
    from partnering.experiments.discovery import discover
    from partnering.experiments.robustness import (
        normalised_regret,
        recommend,
        regret,
        robustness_table,
        satisficing,
    )

    res = open_exploration(results)
    if res.runs.empty:
        raise ScenarioError(f"{res.root}: no runs recorded yet; run or resume the exploration first")
    chosen = read_settings(res.root) if settings is None else settings
    policies = policy_names(res)
    checked = check_settings(chosen, policies)
    futures = futures_frame(res)
    outcomes = outcomes_frame(res, chosen.step)
    found = discover(futures, outcomes, checked.questions, bounds=uncertainty_bounds(res), **chosen.prim_options())
    table = robustness_table(outcomes, checked.metrics)
    met = satisficing(outcomes, checked.thresholds)
    overall = normalised_regret(outcomes, checked.metrics)
    if save:
        save_settings(res.root, chosen)
    return Exploration(res.root, int(outcomes.attrs["step"]), policies, chosen, futures, outcomes, found.cases,
                       found.boxes, found.limits, found.trajectory, found.cart, regret(outcomes, checked.metrics),
                       table, met, overall, recommend(table, met, overall))


def explore(policies: Sequence[str | Path | Scenario | Policy] = DEFAULT_POLICIES, out: str | Path = "results/explore",
            *, uncertainties: Sequence[str] | None = None, futures: int = DEFAULT_FUTURES,
            replications: int = DEFAULT_REPLICATIONS, steps: int | None = None, root_seed: int = DEFAULT_ROOT_SEED,
            bounds: Mapping[str, Sequence[float]] | None = None, overrides: Mapping[str, Any] | None = None,
            questions: Sequence[str] = (), thresholds: Sequence[str] = (), metrics: Sequence[str] | None = None,
            step: int | None = None, min_coverage: float | None = None, max_dims: int | None = None,
            executor: Executor | None = None, workers: int | None = None, dask: str | None = None,
            progress: Callable[[Progress], None] | None = None, overwrite: bool = False,
            retry_failed: bool = False, run: Simulate = simulate, name: str = "") -> Exploration:
    """Run an exploration (resumably, into ``out``) and analyse it; returns tidy frames.

    Questions and thresholds are checked before anything runs, so a typo costs nothing. Runs go
    to ``executor`` if given, else to the Dask scheduler at ``dask``, else to ``workers`` local
    processes (see :func:`partnering.experiments.run_sweep`).

    >>> result = explore(["transactional", "changemaking"], "results/explore",  # doctest: +SKIP
    ...                  uncertainties=["world.supplier_opportunism", "world.demand_growth"],
    ...                  questions=["value_for_money: changemaking worse than transactional"])
    >>> result.boxes[["question", "coverage", "density", "words"]]  # doctest: +SKIP
    """
    design = explore_design(policies, uncertainties, futures, replications, steps, root_seed, bounds, overrides, name)
    settings = Settings(tuple(questions), tuple(thresholds), None if metrics is None else tuple(metrics), step,
                        min_coverage, max_dims)
    check_settings(settings, [p["name"] for p in design.options["policies"]])
    if settings.step is not None and not 0 <= settings.step <= design.steps:
        raise ScenarioError(f"--step: {settings.step} is outside the exploration; allowed 0 to {design.steps}")
    options = {"progress": progress, "overwrite": overwrite, "retry_failed": retry_failed, "run": run}
    if executor is not None:
        summary = run_sweep(design, out, executor=executor, **options)
    else:
        summary = run_design(design, out, workers=workers, dask_address=dask, **options)
    result = analyse_exploration(out, settings, save=True)
    return dataclasses.replace(result, summary=summary)


def describe(design: Design) -> str:
    """'3 policies x 200 futures = 600 arms x 2 replications x 40 steps = 1200 runs'."""
    policies = len(design.options["policies"])
    futures = design.options["futures"]
    return (f"{policies} polic{'y' if policies == 1 else 'ies'} x {futures} futures = {design.describe()}")
