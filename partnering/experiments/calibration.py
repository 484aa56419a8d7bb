"""Calibrating ``uk_2018`` to the 2018 survey of council leaders' outsourcing intentions.

The target (NLGN Leadership Index, summer 2018, in NLGN 2018 *From transactions to
changemaking*): 15% of councils intended to outsource more over the next two years, 46% the
same and 39% less. The model reads the same three shares from its councils at ``run.survey_step``.

The procedure, run by ``partnering calibrate`` and reported with its fit:

1. **Search**: a Latin hypercube over a prior box inside the declared bounds of the free
   parameters (by default the two attitude parameters, ``behaviour.intention_bias`` and
   ``behaviour.intention_spread``; see ``PRIOR_BOUNDS``), each point run for a few replications
   through the sweep runner, every point on its own seeds.
2. **Refinement**: a finer Latin hypercube, with more replications, in a box around the optimum of
   a quadratic response surface fitted to the search; the surface is refitted to every point and
   its optimum in the box is the calibrated point (smoothing replication noise rather than picking
   the luckiest point).
3. **Check**: the calibrated point run for 40 fresh replications (by default; at least 20 from the
   command line), each share reported with its 95% interval and the Euclidean distance to the
   target. A check that misses any share by more than 0.03 joins the evidence, and the surface's
   new optimum is checked on new seeds, at most three times; the last check is what is reported.

Nothing here types a model output in: the fitted values are what the search finds, and the
shipped scenario records how they were found (method, distance, seeds, date).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from partnering.experiments.design import scenario_design
from partnering.experiments.results import SweepResults
from partnering.experiments.sweep import run_sweep
from partnering.scenarios import Scenario, ScenarioError, apply_overrides, load_scenario, parameter
from partnering.scenarios.anchors import survey_2018, uk_anchors
from partnering.scenarios.loader import builtin_dir

SURVEY_TARGET: dict[str, float] = survey_2018()
"""NLGN Leadership Index, summer 2018: councils intending to outsource more / the same / less
(read from the package's data/uk_anchors.toml)."""

SURVEY_SOURCE = uk_anchors()["survey"]["outsourcing_intention_2018"]["source"]

FREE_PARAMETERS: tuple[str, ...] = ("behaviour.intention_bias", "behaviour.intention_spread")
"""The parameters fitted by default: councils' common leaning and the spread of their attitudes."""

PRIOR_BOUNDS: dict[str, tuple[float, float]] = {
    "behaviour.intention_bias": (-0.8, 0.6),
    "behaviour.intention_spread": (0.05, 1.0),
}
"""Where the search looks (inside the declared bounds): a common leaning between clearly against
and clearly for outsourcing, and attitudes from near-uniform to widely spread. Parameters not
listed here are searched over their declared bounds."""

SHARE_COLUMNS = {"more": "intend_more", "same": "intend_same", "less": "intend_less"}


@dataclass(frozen=True)
class Fit:
    """One parameter point's intention shares over replications, and its distance to the target."""

    values: Mapping[str, float]
    shares: Mapping[str, float]
    intervals: Mapping[str, tuple[float, float]]
    distance: float
    replications: int
    seeds: tuple[int, ...] = ()
    root_seed: int = 0


@dataclass
class Calibration:
    """The outcome of a calibration: the search, the refinement and the final check."""

    scenario: str
    parameters: tuple[str, ...]
    target: Mapping[str, float]
    search: list[Fit] = field(default_factory=list)
    refinement: list[Fit] = field(default_factory=list)
    checks: list[Fit] = field(default_factory=list)
    best: Fit | None = None
    seeds: tuple[int, ...] = ()
    root_seed: int = 0
    date: str = ""

    def table(self) -> pd.DataFrame:
        """The final fit: each share against its target with its interval."""
        assert self.best is not None
        rows = []
        for answer, target in self.target.items():
            low, high = self.best.intervals[answer]
            rows.append({"answer": answer, "target": target, "model": self.best.shares[answer],
                         "ci_low": low, "ci_high": high, "error": self.best.shares[answer] - target})
        return pd.DataFrame(rows)

    def provenance(self) -> dict[str, str]:
        """What the shipped scenario records about how its values were found."""
        assert self.best is not None
        shares = ", ".join(f"{a} {self.best.shares[a]:.3f}" for a in self.target)
        return {
            "status": "calibrated by `partnering calibrate`",
            "method": (f"Latin hypercube search ({len(self.search)} points x {self.search[0].replications} "
                       f"replications) then refinement ({len(self.refinement)} points x "
                       f"{self.refinement[0].replications}) around the optimum of a quadratic response surface, "
                       f"each point on its own seeds, through the sweep runner; {len(self.checks)} check(s) on "
                       f"fresh seeds, the last over {self.best.replications} replications"),
            "target": f"more {self.target['more']}, same {self.target['same']}, less {self.target['less']} ({SURVEY_SOURCE})",
            "fitted": ", ".join(f"{k} = {v:.4f}" for k, v in self.best.values.items()),
            "fit": shares,
            "distance": f"{self.best.distance:.4f}",
            "check_root_seed": str(self.root_seed),
            "check_seeds": " ".join(str(s) for s in self.seeds),
            "date": self.date,
        }


def survey_step(scenario: Scenario) -> int:
    """The step whose intentions the survey reads (0 in the scenario means the last step)."""
    return scenario.run.survey_step or scenario.run.steps


def intention_shares(metrics: pd.DataFrame, step: int) -> pd.DataFrame:
    """Per arm and replication, the three intention shares at the survey step."""
    at = metrics[metrics["step"] == step]
    frame = at[["arm", "replication", *SHARE_COLUMNS.values()]].copy()
    return frame.rename(columns={v: k for k, v in SHARE_COLUMNS.items()})


def distance(shares: Mapping[str, float], target: Mapping[str, float]) -> float:
    """Euclidean distance between the model's mean shares and the survey's.

    >>> round(distance({"more": 0.2, "same": 0.4, "less": 0.4}, SURVEY_TARGET), 4)
    0.0787
    """
    return math.sqrt(sum((shares[k] - target[k]) ** 2 for k in target))


def summarise(values: Mapping[str, float], per_replication: pd.DataFrame, target: Mapping[str, float]) -> Fit:
    """Mean shares with Student-t 95% intervals over replications, and the distance."""
    n = len(per_replication)
    shares, intervals = {}, {}
    for answer in target:
        column = per_replication[answer].to_numpy(dtype=float)
        mean = float(column.mean())
        half = float(stats.t.ppf(0.975, n - 1) * column.std(ddof=1) / math.sqrt(n)) if n > 1 else math.inf
        shares[answer] = mean
        intervals[answer] = (mean - half, mean + half)
    return Fit(dict(values), shares, intervals, distance(shares, target), n)


def _evaluate_points(points: Sequence[Mapping[str, float]], base: Scenario, out: Path, replications: int,
                     root_seed: int, target: Mapping[str, float], executor, workers: int | None,
                     progress: Callable | None) -> list[Fit]:
    """Run each point with its own replication seeds (root_seed + index) through the sweep runner.

    Independent seeds per point keep one seed set's quirks out of the response surface, which a
    common set shared by every point would pass on to all of them alike.
    """
    fits = []
    step = survey_step(base)
    for index, values in enumerate(points):
        scenario = apply_overrides(base, {k: _typed(k, v) for k, v in values.items()})
        design = scenario_design(scenario.model_copy(update={"name": f"{base.name}-p{index:03d}"}),
                                 replications=replications, steps=step, root_seed=root_seed + index,
                                 name=f"calibrate {base.name}: point {index}")
        folder = out / f"p{index:03d}"
        run_sweep(design, folder, executor=executor, workers=workers, progress=progress)
        results = SweepResults(folder)
        failures = results.failures()
        if len(failures):
            raise RuntimeError(f"calibration run failed: {failures.iloc[0]['arm']}: {failures.iloc[0]['error']}")
        per_rep = intention_shares(results.metrics(columns=list(SHARE_COLUMNS.values())), step)
        fit = summarise(values, per_rep, target)
        fits.append(Fit(fit.values, fit.shares, fit.intervals, fit.distance, fit.replications, design.seeds, root_seed + index))
    return fits


def latin_hypercube(box: Mapping[str, tuple[float, float]], samples: int, seed: int) -> list[dict[str, float]]:
    """``samples`` points of a Latin hypercube over ``box`` (scipy.stats.qmc, seeded)."""
    from scipy.stats import qmc

    names = list(box)
    unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(samples)
    lows, highs = np.array([box[n] for n in names], dtype=float).T
    return [dict(zip(names, map(float, row), strict=True)) for row in qmc.scale(unit, lows, highs)]


def search_bounds(parameters: Sequence[str], bounds: Mapping[str, Sequence[float]] | None = None) -> dict[str, tuple[float, float]]:
    """The box the search covers: given bounds, else the calibration prior, else the declared bounds."""
    out = {}
    for name in parameters:
        info = parameter(name)
        given = (bounds or {}).get(name) or PRIOR_BOUNDS.get(name) or (info.low, info.high)
        out[name] = (float(given[0]), float(given[1]))
    return out


def _refinement_bounds(best: Fit, box: Mapping[str, tuple[float, float]], shrink: float) -> dict[str, tuple[float, float]]:
    """A box centred on the best point, ``shrink`` of the search box wide, kept inside it."""
    bounds = {}
    for name, (low, high) in box.items():
        half = 0.5 * shrink * (high - low)
        centre = min(high - half, max(low + half, best.values[name]))
        bounds[name] = (centre - half, centre + half)
    return bounds


def calibrate(out: str | Path, scenario: str | Path | Scenario = "uk_2018",
              parameters: Sequence[str] = FREE_PARAMETERS, target: Mapping[str, float] | None = None,
              search_points: int = 20, search_replications: int = 4, refine_points: int = 12,
              refine_replications: int = 16, check_replications: int = 40, root_seed: int = 2018,
              bounds: Mapping[str, Sequence[float]] | None = None, workers: int | None = None,
              progress: Callable | None = None, tolerance: float = 0.03, max_checks: int = 3) -> Calibration:
    """Fit ``parameters`` of ``scenario`` so its intention shares match the survey.

    Every point is a resumable sweep under ``out`` (search/, refine/, check-K/), so an
    interrupted calibration picks up where it stopped. If the check on fresh seeds misses any
    share by more than ``tolerance``, its runs join the response surface and the new optimum is
    checked on new seeds, at most ``max_checks`` times; the last check is reported either way.
    """
    from partnering.experiments.sweep import process_pool

    target = dict(target or SURVEY_TARGET)
    base = load_scenario(scenario) if not isinstance(scenario, Scenario) else scenario
    for name in parameters:
        info = parameter(name)
        if info.kind != "uncertainty":
            raise ScenarioError(f"calibrate: {name} is a {info.kind}; only uncertainties can be calibrated")
    out = Path(out)
    result = Calibration(base.name, tuple(parameters), target)
    box = search_bounds(parameters, bounds)
    pool = process_pool(workers) if workers != 1 else None
    try:
        result.search = _evaluate_points(latin_hypercube(box, search_points, root_seed), base, out / "search",
                                         search_replications, root_seed * 1000, target, pool, workers, progress)
        near = _refinement_bounds(surrogate_optimum(result.search, parameters, box, target), box, shrink=0.3)
        result.refinement = _evaluate_points(latin_hypercube(near, refine_points, root_seed + 1), base, out / "refine",
                                             refine_replications, root_seed * 1000 + 500, target, pool, workers, progress)
        evidence = [*result.search, *result.refinement]
        for round_ in range(max_checks):
            guess = surrogate_optimum(evidence, parameters, near, target)
            values = {k: round(v, 4) for k, v in guess.values.items()}  # checked exactly as written
            check = _evaluate_points([values], base, out / f"check-{round_ + 1}", check_replications,
                                     root_seed * 1000 + 900 + round_, target, pool, workers, progress)[0]
            result.checks.append(check)
            evidence.append(check)
            if all(abs(check.shares[a] - target[a]) <= tolerance for a in target):
                break
    finally:
        if pool is not None:
            pool.shutdown()
    result.best = result.checks[-1]
    result.seeds = result.best.seeds
    result.root_seed = result.best.root_seed
    result.date = dt.date.today().isoformat()
    return result


def surrogate_optimum(fits: Sequence[Fit], parameters: Sequence[str], box: Mapping[str, tuple[float, float]],
                      target: Mapping[str, float]) -> Fit:
    """The point of ``box`` whose predicted shares are nearest the target.

    Each share is smoothed by a quadratic response surface fitted (weighted by replications)
    to every point evaluated so far, so that the choice does not chase one point's replication
    noise (a winner's curse of its own). Returns a Fit holding the predicted shares.
    """
    names = list(parameters)
    x = np.array([[f.values[n] for n in names] for f in fits])
    w = np.sqrt(np.array([f.replications for f in fits], dtype=float))

    def features(points: np.ndarray) -> np.ndarray:
        cols = [np.ones(len(points))] + [points[:, i] for i in range(points.shape[1])]
        for i in range(points.shape[1]):
            for j in range(i, points.shape[1]):
                cols.append(points[:, i] * points[:, j])
        return np.column_stack(cols)

    design = features(x) * w[:, None]
    coefs = {a: np.linalg.lstsq(design, np.array([f.shares[a] for f in fits]) * w, rcond=None)[0] for a in target}
    grid = np.stack(np.meshgrid(*[np.linspace(*box[n], 41) for n in names], indexing="ij"), axis=-1).reshape(-1, len(names))
    predicted = {a: np.clip(features(grid) @ c, 0.0, 1.0) for a, c in coefs.items()}
    gaps = np.sqrt(sum((predicted[a] - target[a]) ** 2 for a in target))
    i = int(np.argmin(gaps))
    shares = {a: float(predicted[a][i]) for a in target}
    return Fit(dict(zip(names, map(float, grid[i]), strict=True)), shares, {a: (shares[a], shares[a]) for a in target},
               float(gaps[i]), 0)


def _typed(name: str, value: float) -> Any:
    return round(value) if parameter(name).type == "int" else float(value)


def write_calibration(calibration: Calibration, path: str | Path | None = None) -> Path:
    """Write the fitted values and their provenance into the scenario file, keeping its comments.

    By default the built-in scenario of that name is rewritten in place.
    """
    assert calibration.best is not None
    target = Path(path) if path is not None else builtin_dir() / f"{calibration.scenario}.toml"
    text = target.read_text(encoding="utf-8")
    for name, value in calibration.best.values.items():
        section, _, key = name.partition(".")
        text = _set_value(text, section, key, repr(_typed(name, value)))
    text = _replace_table(text, "provenance", calibration.provenance())
    load_check = target.with_name(f".{target.name}.tmp")
    load_check.write_text(text, encoding="utf-8")
    try:
        load_scenario(load_check)  # never write a scenario that would not load
    finally:
        load_check.unlink(missing_ok=True)
    tmp = target.with_name(f".{target.name}.new")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target


def _set_value(text: str, section: str, key: str, value: str) -> str:
    """Set ``key = value`` inside ``[section]``, adding the key or the section if missing."""
    header = re.search(rf"^\[{re.escape(section)}\]\s*$", text, flags=re.M)
    if header is None:
        return text.rstrip() + f"\n\n[{section}]\n{key} = {value}\n"
    start = header.end()
    following = re.search(r"^\[", text[start:], flags=re.M)
    end = start + following.start() if following else len(text)
    body = text[start:end]
    line = re.compile(rf"^{re.escape(key)}\s*=.*$", flags=re.M)
    body = line.sub(f"{key} = {value}", body, count=1) if line.search(body) else f"\n{key} = {value}" + body
    return text[:start] + body + text[end:]


def _replace_table(text: str, section: str, values: Mapping[str, str]) -> str:
    """Replace the whole ``[section]`` table with ``values``."""
    import json

    body = "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in values.items())
    header = re.search(rf"^\[{re.escape(section)}\]\s*$", text, flags=re.M)
    if header is None:
        return text.rstrip() + f"\n\n[{section}]\n{body}"
    following = re.search(r"^\[", text[header.end():], flags=re.M)
    end = header.end() + following.start() if following else len(text)
    return text[: header.start()] + f"[{section}]\n{body}" + ("\n" + text[end:] if following else "")


def reproduce(scenario: str | Path | Scenario = "uk_2018", replications: int = 20, root_seed: int = 2026,
              out: str | Path | None = None, workers: int | None = None) -> Fit:
    """Run a (shipped) scenario and report its survey-step intention shares against the target."""
    import tempfile

    base = load_scenario(scenario) if not isinstance(scenario, Scenario) else scenario
    if out is None:
        with tempfile.TemporaryDirectory(prefix="partnering-") as folder:
            return reproduce(base, replications, root_seed, folder, workers)
    # _evaluate_points seeds point 0 with root_seed + 0: the same seeds as the calibration's check
    return _evaluate_points([{}], base, Path(out), replications, root_seed, SURVEY_TARGET, None, workers, None)[0]
