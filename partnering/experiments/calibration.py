"""Calibrating ``uk_2018`` to real UK figures, with some figures held out as a test.

The moments (:data:`MOMENTS`) are real figures from the package's ``data/uk_anchors.toml``,
each read from the model at the quarter it refers to. Eight are **fitted**: the 2018 survey's
shares of councils intending to outsource more and less (the third share is implied), the SME
share of council spend paid directly, the shares of tenders without competition in 2016 and
2018, bids per tender in 2012 and 2018 and the share of tenders with a bid that drew only one.
Two are **held out**, never fitted and reported as a test: the VCSE share of spend and the
share of spend with local providers. Seven declared uncertainties are free (:data:`PRIORS`):
more moments than parameters, so the fit can fail.

The method is ABC-SMC (Beaumont, Cornuet, Marin and Robert 2009; Toni et al. 2009), with
pyabc's multivariate-normal transition kernel and its plots, run through the project's sweep
runner: every batch of particles is one resumable sweep, so an interrupted calibration picks up
where it stopped and any executor (local pool, Dask) runs it, with the same numbers.

1. Generation 0 samples the uniform priors; each particle is one run of the scenario.
2. Each later generation's tolerance is a quantile of the last generation's distances; particles
   are drawn from the last population by weight, moved by the kernel fitted to it, and kept
   when their run lands within the tolerance; weights are prior over kernel density.
3. The posterior is the last population. The point written into the scenario, with its
   provenance, is whichever of the posterior's weighted mean and its particles nearest the data
   meets the most fitted moments within tolerance over a few replications each (the nearest
   among those); a check on fresh seeds gives each
   moment (fitted and held-out) with its interval, and posterior draws give the posterior
   predictive intervals.

The distance is the Euclidean distance of each fitted moment's gap in units of its tolerance.
Nothing here types a model output in: the fitted values are what the procedure finds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from partnering.experiments.design import scenario_design
from partnering.experiments.results import SweepResults
from partnering.experiments.sweep import run_sweep
from partnering.scenarios import Scenario, ScenarioError, apply_overrides, load_scenario, parameter
from partnering.scenarios.anchors import uk_anchors
from partnering.scenarios.loader import builtin_dir

Role = Literal["fit", "held_out"]


@dataclass(frozen=True)
class Moment:
    """One real figure the model is compared with."""

    name: str
    metric: str
    """The catalogue column that measures it."""
    year: int
    """The calendar year it describes (read at the last quarter of that year, or the survey)."""
    anchor: tuple[str, ...]
    """Where the figure is in uk_anchors.toml."""
    tolerance: float
    """How close the model must come to count as fitting it (the distance's unit)."""
    role: Role
    note: str = ""

    @property
    def target(self) -> float:
        table = uk_anchors()
        for key in self.anchor:
            table = table[key]
        return float(table)

    @property
    def source(self) -> str:
        table = uk_anchors()
        for key in self.anchor[:-1]:
            table = table[key]
        return str(table.get("source", ""))


MOMENTS: tuple[Moment, ...] = (
    Moment("survey: intend to outsource more", "intend_more", 2018,
           ("survey", "outsourcing_intention_2018", "more"), 0.05, "fit"),
    Moment("survey: intend to outsource less", "intend_less", 2018,
           ("survey", "outsourcing_intention_2018", "less"), 0.05, "fit",
           "the third share (the same) is implied by the other two"),
    Moment("SME share of council spend, direct", "sme_share_direct", 2018,
           ("spend", "local_government_2023_24", "sme_direct_share"), 0.05, "fit",
           "a 2023-24 figure read at the 2018 survey: the model has no later years"),
    Moment("tenders without competition, 2018", "uncontested_share", 2018,
           ("competition", "uk_2018", "no_competition_share_2018"), 0.05, "fit"),
    Moment("tenders without competition, 2016", "uncontested_share", 2016,
           ("competition", "uk_2018", "no_competition_share_2016"), 0.05, "fit"),
    Moment("bids per tender, 2018", "bids_per_tender", 2018,
           ("competition", "europe_2018", "mean_bids_2018_below"), 0.5, "fit",
           "European tenders drew fewer than three bids in 2018: the bound is the target"),
    Moment("single-bid share of tenders with a bid, 2018", "single_bid_share", 2018,
           ("competition", "europe_2018", "single_bid_share"), 0.05, "fit", "European (TED) figure"),
    Moment("VCSE share of council spend", "vcse_share", 2018,
           ("spend", "councils_2022", "vcse_share"), 0.04, "held_out", "a 2022 figure read at the 2018 survey"),
    Moment("share of spend with local providers", "local_share", 2018,
           ("spend", "councils_2022", "local_share"), 0.08, "held_out",
           "the model's local is the council's own place; the survey's may be wider"),
    Moment("bids per tender, 2012", "bids_per_tender", 2012,
           ("competition", "europe_2018", "mean_bids_2012"), 0.5, "fit",
           "European (TED) figure: with 2018's, it says how fast competition thinned"),
)
"""Every moment, fitted or held out."""

FITTED: tuple[Moment, ...] = tuple(m for m in MOMENTS if m.role == "fit")
HELD_OUT: tuple[Moment, ...] = tuple(m for m in MOMENTS if m.role == "held_out")


@dataclass(frozen=True)
class Prior:
    """A uniform prior inside a parameter's declared bounds."""

    name: str
    low: float
    high: float

    @property
    def sd(self) -> float:
        return (self.high - self.low) / math.sqrt(12)


PRIORS: tuple[Prior, ...] = (
    Prior("behaviour.intention_bias", -0.6, 0.6),
    Prior("behaviour.intention_threshold", 0.02, 0.4),
    Prior("procurement.price_squeeze", 0.0, 0.6),
    Prior("suppliers.sme_capacity_median", 1.0, 10.0),
    Prior("suppliers.large_extra_region_chance", 0.0, 0.6),
    Prior("suppliers.large_extra_line_chance", 0.0, 0.8),
    Prior("procurement.notice_chance", 0.3, 1.0),
)
"""The free parameters and where the search looks (each inside its declared bounds): the
intention score's common leaning and its threshold, how much of their budget shortfall councils
pass to the prices they will pay (the affordability ceiling that thins competition as austerity
deepens), SMEs' size, and how far large firms' footprints reach across regions and service lines
(the lines a national firm is not in are where single bids come from), and the chance that a
firm able to bid notices a tender (costly awareness: the bidders a lot draws). How much primes
subcontract was a free parameter in the first calibration, and the cost of bidding in the
second; the moments identified neither, so they stay at their declared defaults."""

SETTINGS = {
    "quick": {"population": 40, "generations": 3, "particle_replications": 1, "candidates": 4,
              "candidate_replications": 6, "check_replications": 20, "predictive": 20},
    "full": {"population": 80, "generations": 6, "particle_replications": 2, "candidates": 12,
             "candidate_replications": 20, "check_replications": 40, "predictive": 60},
    "smoke": {"population": 6, "generations": 2, "particle_replications": 2, "candidates": 2,
              "candidate_replications": 2, "check_replications": 3, "predictive": 3},
}
"""The sizes of run: ``--quick`` (under ten minutes on two cores), the full one, and a smoke
test of the machinery for the test suite. ``particle_replications`` runs each particle on that
many seeds and judges it by its mean moments: one council survey's share varies so much from
run to run (a 95% predictive range of 0 to 0.55 for ``intend_more``) that with one run a
generation keeps the luckiest particles, not the nearest, and its tolerance falls no further."""


def step_of(moment: Moment, scenario: Scenario) -> int:
    """The quarter at which a moment is read: the survey for its year, else the last quarter of
    its calendar year (the market metrics cover the four quarters to it)."""
    survey = scenario.run.survey_step or scenario.run.steps
    step = (moment.year - scenario.run.start_year + 1) * 4
    return survey if step >= survey else max(0, step)


def read_moments(metrics: pd.DataFrame, scenario: Scenario, moments: Sequence[Moment] = MOMENTS) -> dict[str, float]:
    """Each moment's value in one run's metrics."""
    by_step = metrics.set_index("step")
    return {m.name: float(by_step.at[step_of(m, scenario), m.metric]) for m in moments}


def distance(values: Mapping[str, float], moments: Sequence[Moment] = FITTED) -> float:
    """Euclidean distance of the fitted moments' gaps, each in units of its tolerance.

    >>> distance({m.name: m.target for m in FITTED})
    0.0
    """
    return math.sqrt(sum(((values[m.name] - m.target) / m.tolerance) ** 2 for m in moments))


def check_priors(priors: Sequence[Prior]) -> None:
    for prior in priors:
        info = parameter(prior.name)
        if info.kind != "uncertainty":
            raise ScenarioError(f"calibrate: {prior.name} is a {info.kind}; only uncertainties can be calibrated")
        if not (info.low <= prior.low < prior.high <= info.high):
            raise ScenarioError(f"calibrate: prior of {prior.name} [{prior.low:g}, {prior.high:g}] must lie inside "
                                f"its declared bounds {info.low:g} to {info.high:g}")
    names = [m.name for m in MOMENTS]
    if len(set(names)) != len(names):
        raise ScenarioError("calibrate: two moments share a name")
    if len(FITTED) <= len(priors):
        raise ScenarioError(f"calibrate: {len(FITTED)} fitted moments for {len(priors)} parameters; a fit needs more "
                            "moments than free parameters")


def _typed(name: str, value: float) -> Any:
    return round(value) if parameter(name).type == "int" else float(value)


# --- running particles through the sweep runner ------------------------------------------------
def _batch_seed(root_seed: int, *labels: int) -> int:
    """A root seed for one batch, from the calibration's root and the batch's place in it."""
    return int(np.random.SeedSequence([root_seed, *labels]).generate_state(1)[0])


def run_particles(base: Scenario, particles: Sequence[Mapping[str, float]], folder: Path, root_seed: int,
                  executor=None, workers: int | None = None, progress: Callable | None = None,
                  replications: int = 1) -> pd.DataFrame:
    """Run each particle (a dict of parameter values) ``replications`` times as one sweep in
    ``folder`` (resumable), and return its moments, one row per particle (means over
    replications), in the order given."""
    if not particles:
        return pd.DataFrame(columns=[m.name for m in MOMENTS])
    scenarios = []
    for index, values in enumerate(particles):
        scenario = apply_overrides(base, {k: _typed(k, v) for k, v in values.items()})
        scenarios.append(scenario.model_copy(update={"name": f"{base.name}-c{index:04d}"}))
    steps = max(step_of(m, base) for m in MOMENTS)
    design = scenario_design(scenarios, replications=replications, steps=steps, root_seed=root_seed,
                             name=f"calibrate {base.name}: {folder.name}")
    run_sweep(design, folder, executor=executor, workers=workers, progress=progress)
    results = SweepResults(folder)
    failures = results.failures()
    if len(failures):
        raise RuntimeError(f"calibration run failed: {failures.iloc[0]['arm']}: {failures.iloc[0]['error']}")
    metrics = results.metrics(columns=sorted({m.metric for m in MOMENTS}))
    rows = []
    for scenario in scenarios:
        runs = metrics[metrics["arm"] == scenario.name]
        per_rep = [read_moments(frame, base) for _, frame in runs.groupby("replication")]
        rows.append({m.name: float(np.mean([r[m.name] for r in per_rep])) for m in MOMENTS})
    return pd.DataFrame(rows)


# --- ABC-SMC ---------------------------------------------------------------------------------
@dataclass
class Generation:
    """One ABC-SMC population: accepted particles, their weights, distances and moments."""

    index: int
    epsilon: float
    particles: pd.DataFrame
    """One row per accepted particle: parameter columns, then moment columns."""
    weights: np.ndarray
    distances: np.ndarray
    evaluated: int
    """Runs it took to accept the population."""

    def save(self, folder: Path) -> None:
        frame = self.particles.copy()
        frame["weight"], frame["distance"] = self.weights, self.distances
        frame.to_parquet(folder / "population.parquet")
        (folder / "generation.json").write_text(json.dumps({"epsilon": self.epsilon, "evaluated": self.evaluated}))

    @classmethod
    def load(cls, index: int, folder: Path) -> Generation:
        frame = pd.read_parquet(folder / "population.parquet")
        info = json.loads((folder / "generation.json").read_text())
        weights, distances = frame.pop("weight").to_numpy(), frame.pop("distance").to_numpy()
        return cls(index, float(info["epsilon"]), frame, weights, distances, int(info["evaluated"]))


@dataclass
class Calibration:
    """The outcome of a calibration: the generations, the point estimate and its checks."""

    scenario: str
    priors: tuple[Prior, ...]
    generations: list[Generation] = field(default_factory=list)
    point: dict[str, float] = field(default_factory=dict)
    check: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Moments of the point estimate on fresh seeds: one row per replication."""
    predictive: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Moments of posterior draws, one run each."""
    decomposition: pd.DataFrame = field(default_factory=pd.DataFrame)
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The points considered for the estimate (the posterior mean and the best particles), with
    their mean distance over replications."""
    check_root_seed: int = 0
    check_seeds: tuple[int, ...] = ()
    date: str = ""
    size: str = "full"

    @property
    def posterior(self) -> Generation:
        return self.generations[-1]

    def parameter_table(self) -> pd.DataFrame:
        """Each free parameter: prior, posterior mean and sd, and how far the data pin it down."""
        g = self.posterior
        w = g.weights / g.weights.sum()
        rows = []
        for prior in self.priors:
            x = g.particles[prior.name].to_numpy(dtype=float)
            mean = float(w @ x)
            sd = float(math.sqrt(max(0.0, w @ (x - mean) ** 2)))
            ratio = sd / prior.sd
            rows.append({"parameter": prior.name, "prior_low": prior.low, "prior_high": prior.high, "point": self.point[prior.name],
                         "posterior_mean": mean, "posterior_sd": sd, "q05": _weighted_quantile(x, w, 0.05),
                         "q95": _weighted_quantile(x, w, 0.95), "sd_ratio": ratio, "identified": _identified(ratio)})
        return pd.DataFrame(rows)

    def moment_table(self) -> pd.DataFrame:
        """Each moment, fitted and held out: target, the check's mean and interval, the
        posterior predictive interval, and whether it is within tolerance."""
        rows = []
        for m in MOMENTS:
            values = self.check[m.name].to_numpy(dtype=float)
            mean, low, high = _mean_interval(values)
            pred = self.predictive[m.name].to_numpy(dtype=float) if len(self.predictive) else np.array([np.nan])
            rows.append({"moment": m.name, "role": m.role, "metric": m.metric, "year": m.year, "target": m.target,
                         "tolerance": m.tolerance, "model": mean, "ci_low": low, "ci_high": high,
                         "predictive_low": float(np.nanquantile(pred, 0.025)),
                         "predictive_high": float(np.nanquantile(pred, 0.975)),
                         "within_tolerance": abs(mean - m.target) <= m.tolerance, "source": m.source})
        return pd.DataFrame(rows)

    def provenance(self) -> dict[str, str]:
        """What the shipped scenario records about how its values were found."""
        moments = self.moment_table()
        fit = moments[moments["role"] == "fit"]
        g = self.posterior
        return {
            "status": "calibrated by `partnering calibrate`",
            "method": (f"ABC-SMC ({self.size}: {len(self.generations)} generations of {len(g.particles)} particles, "
                       f"{sum(x.evaluated for x in self.generations)} particles evaluated, each over "
                       f"{SETTINGS[self.size]['particle_replications']} runs; pyabc's multivariate-normal kernel) "
                       f"through the sweep runner; point = of the posterior mean and the best particles, the one "
                       f"meeting the most fitted moments over replications, then the nearest; check over {len(self.check)} fresh replications"),
            "fitted_moments": "; ".join(f"{m.name} {m.target:g}" for m in FITTED),
            "held_out_moments": "; ".join(f"{m.name} {m.target:g}" for m in HELD_OUT),
            "fitted": ", ".join(f"{k} = {v:.4f}" for k, v in self.point.items()),
            "fit": "; ".join(f"{r.moment} {r.model:.3f}" for r in fit.itertuples()),
            "within_tolerance": f"{int(fit['within_tolerance'].sum())} of {len(fit)} fitted moments",
            "final_epsilon": f"{g.epsilon:.3f}",
            "check_root_seed": str(self.check_root_seed),
            "check_seeds": " ".join(str(s) for s in self.check_seeds),
            "date": self.date,
        }


def _identified(ratio: float) -> str:
    """How far the data pin a parameter down: its posterior sd against its prior's."""
    if ratio < 1 / 2:
        return "pinned down"
    if ratio < 4 / 5:
        return "partly"
    return "not by these data"


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cum = np.cumsum(w[order]) / w.sum()
    return float(x[order][min(len(x) - 1, int(np.searchsorted(cum, q)))])


def _mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and its Student-t 95% interval over replications."""
    from scipy import stats

    n = len(values)
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def _prior_sample(priors: Sequence[Prior], n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({p.name: rng.uniform(p.low, p.high, n) for p in priors})


def _inside(frame: pd.DataFrame, priors: Sequence[Prior]) -> np.ndarray:
    ok = np.ones(len(frame), dtype=bool)
    for p in priors:
        ok &= (frame[p.name] >= p.low).to_numpy() & (frame[p.name] <= p.high).to_numpy()
    return ok


def _distances(moments: pd.DataFrame) -> np.ndarray:
    return np.array([distance(row) for row in moments.to_dict("records")])


def calibrate(out: str | Path, scenario: str | Path | Scenario = "uk_2018", *, size: str = "full",
              priors: Sequence[Prior] = PRIORS, root_seed: int = 2018, quantile: float = 0.5,
              workers: int | None = None, dask_address: str | None = None,
              progress: Callable | None = None) -> Calibration:
    """Fit ``priors``' parameters of ``scenario`` to the fitted moments by ABC-SMC.

    Every batch of particles is a resumable sweep under ``out`` (gen-K/batch-B/), and each
    finished generation is saved (gen-K/population.parquet), so an interrupted calibration picks
    up where it stopped.
    """
    from contextlib import ExitStack

    from partnering.experiments.sweep import dask_executor, process_pool

    if size not in SETTINGS:
        raise ScenarioError(f"calibrate: size {size!r}; allowed: {', '.join(SETTINGS)}")
    check_priors(priors)
    settings = SETTINGS[size]
    base = load_scenario(scenario) if not isinstance(scenario, Scenario) else scenario
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _claim(out, base, priors, size, root_seed, quantile)
    result = Calibration(base.name, tuple(priors), size=size)
    n = settings["population"]
    with ExitStack() as stack:
        if dask_address is not None:
            executor = stack.enter_context(dask_executor(dask_address))
        else:
            executor = stack.enter_context(process_pool(workers)) if workers != 1 else None
        for t in range(settings["generations"]):
            folder = out / f"gen-{t}"
            if (folder / "population.parquet").exists():
                result.generations.append(Generation.load(t, folder))
                continue
            folder.mkdir(exist_ok=True)
            result.generations.append(_generation(t, result.generations[-1] if t else None, base, priors, n, folder,
                                                  root_seed, quantile, executor, workers, progress,
                                                  settings["particle_replications"]))
            result.generations[-1].save(folder)
        result.point, result.candidates = _point_estimate(result.posterior, priors, base, settings, out, root_seed,
                                                          executor, workers, progress)
        result.check_root_seed = _batch_seed(root_seed, 9000)
        point_scenario = apply_overrides(base, {k: _typed(k, v) for k, v in result.point.items()})
        result.check = _replicated(point_scenario, settings["check_replications"], out / "check", result.check_root_seed,
                                   executor, workers, progress)
        result.check_seeds = scenario_design(point_scenario, replications=settings["check_replications"],
                                             root_seed=result.check_root_seed).seeds
        result.predictive = run_particles(base, _posterior_draws(result.posterior, settings["predictive"],
                                                                 _batch_seed(root_seed, 9001)),
                                          out / "predictive", _batch_seed(root_seed, 9002), executor, workers, progress)
        result.decomposition = intention_decomposition(point_scenario, seeds=result.check_seeds[:8])
    result.date = dt.date.today().isoformat()
    return result


def _generation(t: int, previous: Generation | None, base: Scenario, priors: Sequence[Prior], n: int, folder: Path,
                root_seed: int, quantile: float, executor, workers, progress, replications: int = 1) -> Generation:
    """One ABC-SMC generation: the prior's sample at first, then kernel moves from the last;
    each particle judged by its mean moments over ``replications`` runs."""
    names = [p.name for p in priors]
    if previous is None:
        particles = _prior_sample(priors, n, _batch_seed(root_seed, t, 0))
        moments = run_particles(base, particles.to_dict("records"), folder / "batch-0", _batch_seed(root_seed, t, 0, 1),
                                executor, workers, progress, replications=replications)
        return Generation(t, math.inf, pd.concat([particles, moments], axis=1), np.full(n, 1.0 / n),
                          _distances(moments), n)
    from pyabc.transition import MultivariateNormalTransition

    epsilon = _weighted_quantile(previous.distances, previous.weights, quantile)
    kernel = MultivariateNormalTransition()
    kernel.fit(previous.particles[names], previous.weights / previous.weights.sum())
    accepted: list[pd.DataFrame] = []
    evaluated, batch, kept = 0, 0, 0
    while kept < n:
        # batch size from the acceptance so far (at least the population, at most four times it)
        rate = kept / evaluated if evaluated else 1 / 2
        size = int(min(4 * n, max(n, math.ceil((n - kept) / max(rate, 1 / 8)))))
        np.random.seed(_batch_seed(root_seed, t, batch) % 2**32)  # pyabc's kernel draws from numpy's global state
        candidates = kernel.rvs(size)
        candidates = candidates[_inside(candidates, priors)].reset_index(drop=True)
        moments = run_particles(base, candidates.to_dict("records"), folder / f"batch-{batch}",
                                _batch_seed(root_seed, t, batch, 1), executor, workers, progress,
                                replications=replications)
        d = _distances(moments) if len(moments) else np.array([])
        keep = d <= epsilon
        frame = pd.concat([candidates, moments], axis=1)[keep]
        frame["distance"] = d[keep]
        accepted.append(frame)
        evaluated += len(candidates)
        kept += int(keep.sum())
        batch += 1
    population = pd.concat(accepted).iloc[:n].reset_index(drop=True)
    distances = population.pop("distance").to_numpy()
    # importance weights: the uniform prior over the kernel's mixture density at each particle
    density = np.atleast_1d(kernel.pdf(population[names]))
    weights = 1.0 / np.maximum(density, np.finfo(float).tiny)
    return Generation(t, epsilon, population, weights / weights.sum(), distances, evaluated)


def _point_estimate(posterior: Generation, priors: Sequence[Prior], base: Scenario, settings: Mapping[str, int],
                    out: Path, root_seed: int, executor, workers, progress) -> tuple[dict[str, float], pd.DataFrame]:
    """The point written into the scenario: of the posterior's weighted mean and its particles
    nearest the data, the one whose mean moments over a few replications each meet the most
    fitted moments within tolerance, and of those the nearest (one run per particle is too noisy
    to choose by, a wide posterior's mean can sit where no particle fits, and a moment the model
    cannot reach would otherwise pull the point away from the moments it can)."""
    names = [p.name for p in priors]
    mean = {n: float(np.average(posterior.particles[n], weights=posterior.weights)) for n in names}
    best = np.argsort(posterior.distances, kind="stable")[: settings["candidates"]]
    candidates = [mean, *({n: float(posterior.particles.iloc[i][n]) for n in names} for i in best)]
    candidates = [{n: round(v, 4) for n, v in c.items()} for c in candidates]  # checked exactly as written
    moments = run_particles(base, candidates, out / "candidates", _batch_seed(root_seed, 8000), executor, workers,
                            progress, replications=settings["candidate_replications"])
    table = pd.DataFrame(candidates)
    table["kind"] = ["posterior mean"] + ["particle"] * (len(candidates) - 1)
    table["distance"] = _distances(moments)
    table["met"] = met_counts(moments)
    return candidates[choose_point(table)], table


def met_counts(moments: pd.DataFrame, fitted: Sequence[Moment] = FITTED) -> list[int]:
    """How many fitted moments each row's values meet within tolerance."""
    return [sum(abs(row[m.name] - m.target) <= m.tolerance for m in fitted) for row in moments.to_dict("records")]


def choose_point(table: pd.DataFrame) -> int:
    """The row meeting the most fitted moments (``met``), the least ``distance`` among those."""
    return int(np.lexsort((table["distance"].to_numpy(), -table["met"].to_numpy()))[0])


def _posterior_draws(generation: Generation, n: int, seed: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    w = generation.weights / generation.weights.sum()
    idx = rng.choice(len(w), size=n, p=w)
    names = [c for c in generation.particles.columns if "." in c]
    return [{k: float(generation.particles.iloc[i][k]) for k in names} for i in idx]


def _replicated(scenario: Scenario, replications: int, folder: Path, root_seed: int, executor, workers,
                progress) -> pd.DataFrame:
    """The moments of ``scenario`` on ``replications`` seeds, one row per replication."""
    steps = max(step_of(m, scenario) for m in MOMENTS)
    design = scenario_design(scenario.model_copy(update={"name": f"{scenario.name}-check"}), replications=replications,
                             steps=steps, root_seed=root_seed, name=f"check {scenario.name}")
    run_sweep(design, folder, executor=executor, workers=workers, progress=progress)
    results = SweepResults(folder)
    metrics = results.metrics(columns=sorted({m.metric for m in MOMENTS}))
    return pd.DataFrame([read_moments(frame, scenario) for _, frame in metrics.groupby("replication")])


def untuned(scenario: Scenario) -> Scenario:
    """The scenario with every free parameter of the calibration back at its declared default:
    what the calibration is measured against."""
    defaults = {p.name: parameter(p.name).default for p in PRIORS}
    return apply_overrides(scenario, defaults).model_copy(update={"name": f"{scenario.name}|untuned"})


def reproduce(scenario: str | Path | Scenario = "uk_2018", replications: int = 20, root_seed: int = 2026,
              out: str | Path | None = None, workers: int | None = None) -> pd.DataFrame:
    """Every moment of a (shipped) scenario on ``replications`` seeds from ``root_seed``: one row
    per replication."""
    import tempfile

    from partnering.experiments.sweep import process_pool

    base = load_scenario(scenario) if not isinstance(scenario, Scenario) else scenario
    if out is None:
        with tempfile.TemporaryDirectory(prefix="partnering-") as folder:
            return reproduce(base, replications, root_seed, folder, workers)
    pool = process_pool(workers) if workers != 1 else None
    try:
        return _replicated(base, replications, Path(out), root_seed, pool, workers, None)
    finally:
        if pool is not None:
            pool.shutdown()


# --- the intention score, decomposed -----------------------------------------------------------
def intention_decomposition(scenario: Scenario, seeds: Sequence[int]) -> pd.DataFrame:
    """How much of the variance of councils' intention scores at the survey step their
    experience explains, against their idiosyncratic attitude: one row per part, with its
    variance and its share of the score's (covariances split evenly between the parts)."""
    from partnering.model.model import PartneringModel

    step = scenario.run.survey_step or scenario.run.steps
    parts = []
    for seed in seeds:
        model = PartneringModel(scenario, rng=int(seed)).run(step)
        for council in model.councils:
            p = council.intention_parts()
            parts.append({**{k: v for k, v in asdict(p).items() if k != "bias"}, "experience": p.experience,
                          "score": p.score})
    frame = pd.DataFrame(parts)
    total = float(frame["score"].var(ddof=0))
    components = [c for c in frame.columns if c not in ("experience", "score")]
    cov = frame[components].cov(ddof=0)
    rows = [{"part": c, "variance": float(cov.at[c, c]), "share": float(cov[c].sum() / total) if total > 0 else math.nan}
            for c in components]
    experience = [c for c in components if c != "attitude"]
    rows.append({"part": "experience (all five)", "variance": float(frame["experience"].var(ddof=0)),
                 "share": float(cov.loc[experience].sum().sum() / total) if total > 0 else math.nan})
    rows.append({"part": "score", "variance": total, "share": 1.0})
    return pd.DataFrame(rows)


# --- writing the result ----------------------------------------------------------------------
def write_calibration(calibration: Calibration, path: str | Path | None = None) -> Path:
    """Write the fitted values and their provenance into the scenario file, keeping its comments.

    By default the built-in scenario of that name is rewritten in place.
    """
    target = Path(path) if path is not None else builtin_dir() / f"{calibration.scenario}.toml"
    text = target.read_text(encoding="utf-8")
    for name, value in calibration.point.items():
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


def write_report(calibration: Calibration, folder: str | Path) -> list[Path]:
    """The posterior's marginals and pairwise plot (pyabc's), and the tables, as files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pyabc.visualization import plot_kde_matrix

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    g = calibration.posterior
    names = [p.name for p in calibration.priors]
    limits = {p.name: (p.low, p.high) for p in calibration.priors}
    written = []
    grid = plot_kde_matrix(g.particles[names], g.weights / g.weights.sum(), limits=limits, refval=calibration.point)
    grid.fig.set_size_inches(13, 13) if hasattr(grid, "fig") else None
    figure = plt.gcf()
    path = folder / "posterior-pairs.png"
    figure.savefig(path, dpi=80)
    plt.close("all")
    written.append(path)
    fig, axes = plt.subplots(2, math.ceil(len(names) / 2), figsize=(12, 6))
    for ax, prior in zip(np.ravel(axes), calibration.priors, strict=False):
        ax.hist(g.particles[prior.name], bins=15, weights=g.weights, range=(prior.low, prior.high), color="#0072B2",
                alpha=0.8, density=True)
        ax.axhline(1.0 / (prior.high - prior.low), color="#999999", linestyle="--", label="prior")
        ax.axvline(calibration.point[prior.name], color="#D55E00", label="point")
        ax.set_title(prior.name, fontsize=9)
    np.ravel(axes)[0].legend(fontsize=8)
    fig.tight_layout()
    path = folder / "posterior-marginals.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    written.append(path)
    for name, frame in (("parameters", calibration.parameter_table()), ("moments", calibration.moment_table()),
                        ("intention-variance", calibration.decomposition)):
        path = folder / f"calibration-{name}.csv"
        frame.to_csv(path, index=False)
        written.append(path)
    return written


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
    body = "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in values.items())
    header = re.search(rf"^\[{re.escape(section)}\]\s*$", text, flags=re.M)
    if header is None:
        return text.rstrip() + f"\n\n[{section}]\n{body}"
    following = re.search(r"^\[", text[header.end():], flags=re.M)
    end = header.end() + following.start() if following else len(text)
    return text[: header.start()] + f"[{section}]\n{body}" + ("\n" + text[end:] if following else "")


def _claim(out: Path, base: Scenario, priors: Sequence[Prior], size: str, root_seed: int, quantile: float) -> None:
    """Record what calibration ``out`` holds, or refuse one set up differently (resuming it
    would mix two procedures' particles)."""
    payload = {"scenario": base.content_hash(), "moments": [asdict(m) for m in MOMENTS],
               "priors": [asdict(p) for p in priors], "size": size, "settings": SETTINGS[size], "root_seed": root_seed, "quantile": quantile}
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    marker = out / "calibration.json"
    if marker.exists():
        held = json.loads(marker.read_text()).get("key")
        if held != key:
            raise ScenarioError(f"{out}: holds a calibration set up differently (another scenario, size, seed, "
                                "moments or priors); use another --out folder")
        return
    marker.write_text(json.dumps({"key": key, **payload}, indent=1))
