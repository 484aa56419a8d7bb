"""Confidence intervals and effect sizes over replications: small pure functions.

Replications are independent draws of the model's randomness, so an arm's mean at a horizon
gets a Student-t interval. Most metrics are bounded (a share lies in [0, 1], a count or a sum of
money is never negative, the HHI lies in [0, 10,000]), and a plain ``mean ± t·se`` can cross
the bound when the mean sits near it (0.5 supplier failures give [−0.42, 1.42]). So the
interval is built on a scale where the bound is infinitely far away and mapped back:

- bounded on both sides: the logit of the position between the bounds;
- bounded below only (counts, £): the log of the distance from the bound;
- unbounded: the plain Student-t interval.

On that scale the interval is ``g(mean) ± t·se·g'(mean)`` (the delta method), so it matches
the plain t-interval when the mean is far from a bound and bends away from the bound when it
is near; it can never cross one.

Every arm of a design shares the same replication seeds (common random numbers); the
difference between two arms then uses the paired t-interval on the per-seed differences, which
removes the variation the arms share. When the seeds do not pair up (failed runs, hand-made
data) Welch's interval is used instead. Cohen's d gets a percentile-bootstrap interval over the
seeds (pairs resampled together), seeded, so the same data give the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

NAN = float("nan")
BOOTSTRAP_RESAMPLES = 2000
"""Resamples of the seeds behind an interval of Cohen's d."""
BOOTSTRAP_SEED = 20_240_517
"""The bootstrap's own seed: fixed, so a table is the same every time it is made."""

Bounds = tuple[float | None, float | None]
UNBOUNDED: Bounds = (None, None)


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval over n values."""

    mean: float
    low: float
    high: float
    n: int
    sd: float


@dataclass(frozen=True)
class Difference:
    """``arm - baseline`` with its confidence interval, the effect size with its interval, and
    how the arms were paired."""

    diff: float
    low: float
    high: float
    effect_size: float
    method: str
    effect_low: float = NAN
    effect_high: float = NAN


def interval_scale(bounds: Bounds) -> str:
    """'logit', 'log' or 't': the scale on which the interval of a metric with these bounds is built."""
    low, high = bounds
    if low is not None and high is not None:
        return "logit"
    if low is not None or high is not None:
        return "log"
    return "t"


INTERVAL_METHODS = {
    "logit": "Student t on the logit scale between the bounds",
    "log": "Student t on the log scale (distance from the bound)",
    "t": "Student t",
}
"""How each scale's interval is described in a table or a report."""


def _values(values: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array[np.isfinite(array)]


def bounded_interval(mean: np.ndarray | float, sd: np.ndarray | float, n: np.ndarray | float, level: float = 0.95,
                     bounds: Bounds = UNBOUNDED) -> tuple[np.ndarray, np.ndarray]:
    """The (low, high) ends of the interval of a mean, element-wise, respecting ``bounds``.

    ``mean``, ``sd`` (with ddof 1) and ``n`` may be arrays (a band over time). NaN where n < 2; a
    mean exactly on a bound (every value there) or a zero sd gives the point itself.
    """
    mean, sd, n = (np.asarray(v, dtype=float) for v in (mean, sd, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
        se = sd / np.sqrt(n)
        half = t * se
        low, high = mean - half, mean + half
        lo_bound, hi_bound = bounds
        scale = interval_scale(bounds)
        if scale == "logit":
            width = hi_bound - lo_bound
            p = (mean - lo_bound) / width
            inside = (p > 0) & (p < 1)
            z = np.log(p / (1 - p))
            zhalf = half / (width * p * (1 - p))
            low = np.where(inside, lo_bound + width / (1 + np.exp(-(z - zhalf))), low)
            high = np.where(inside, lo_bound + width / (1 + np.exp(-(z + zhalf))), high)
        elif scale == "log":
            sign = 1.0 if lo_bound is not None else -1.0
            bound = lo_bound if lo_bound is not None else hi_bound
            gap = sign * (mean - bound)
            inside = gap > 0
            factor = np.exp(half / gap)
            near, far = bound + sign * gap / factor, bound + sign * gap * factor
            low = np.where(inside, np.minimum(near, far), low)
            high = np.where(inside, np.maximum(near, far), high)
        point = sd == 0
        low = np.where(point, mean, low)
        high = np.where(point, mean, high)
        few = n < 2
        low = np.where(few, np.nan, low)
        high = np.where(few, np.nan, high)
    return low, high


def mean_interval(values: Sequence[float] | np.ndarray, level: float = 0.95, bounds: Bounds = UNBOUNDED) -> Interval:
    """Mean and its interval (NaN for n < 2): Student t, on the logit or log scale when the
    values are bounded (see the module's docstring), so the interval stays within ``bounds``."""
    x = _values(values)
    n = len(x)
    if n == 0:
        return Interval(NAN, NAN, NAN, 0, NAN)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, NAN, NAN, 1, NAN)
    sd = float(x.std(ddof=1))
    low, high = bounded_interval(mean, sd, n, level, bounds)
    return Interval(mean, float(low), float(high), n, sd)


def _range(bounds: Bounds) -> float:
    """How far apart two values within ``bounds`` can be (infinite when either side is open)."""
    low, high = bounds
    return math.inf if low is None or high is None else float(high - low)


def cohens_d(arm: Sequence[float] | np.ndarray, baseline: Sequence[float] | np.ndarray) -> float:
    """Standardised difference (arm - baseline) / pooled sd; NaN when both arms are constant.

    Cohen's d with the pooled standard deviation, so it reads the same whether or not the
    interval was paired: about 0.2 is small, 0.5 medium, 0.8 large (Cohen 1988).
    """
    a, b = _values(arm), _values(baseline)
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return NAN
    pooled = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    diff = float(a.mean() - b.mean())
    if pooled == 0.0:
        return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
    return diff / pooled


def _d_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cohen's d of each row of two resample matrices, as :func:`cohens_d` gives it: 0 where both
    resamples are the same constant, NaN (infinite d) where they are different constants."""
    na, nb = a.shape[1], b.shape[1]
    pooled = np.sqrt(((na - 1) * a.var(axis=1, ddof=1) + (nb - 1) * b.var(axis=1, ddof=1)) / (na + nb - 2))
    diff = a.mean(axis=1) - b.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pooled > 0, diff / pooled, np.where(diff == 0, 0.0, np.nan))


def effect_size_interval(arm: Sequence[float] | np.ndarray, baseline: Sequence[float] | np.ndarray,
                         paired: bool, level: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES,
                         seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile-bootstrap interval of Cohen's d over the seeds (resampled in pairs if ``paired``).

    NaN when either arm has fewer than two values or d is infinite (constant arms).
    """
    a, b = np.asarray(arm, dtype=float), np.asarray(baseline, dtype=float)
    if paired:
        keep = np.isfinite(a) & np.isfinite(b)
        a, b = a[keep], b[keep]
    else:
        a, b = _values(a), _values(b)
    if len(a) < 2 or len(b) < 2 or not math.isfinite(cohens_d(a, b)):
        return NAN, NAN
    rng = np.random.default_rng(seed)
    if paired:
        index = rng.integers(len(a), size=(resamples, len(a)))
        ds = _d_rows(a[index], b[index])
    else:
        ds = _d_rows(a[rng.integers(len(a), size=(resamples, len(a)))], b[rng.integers(len(b), size=(resamples, len(b)))])
    ds = ds[np.isfinite(ds)]
    if len(ds) < resamples // 2:
        return NAN, NAN
    low, high = np.quantile(ds, [0.5 - level / 2, 0.5 + level / 2])
    return float(low), float(high)


def paired_difference(arm: Sequence[float] | np.ndarray, baseline: Sequence[float] | np.ndarray,
                      level: float = 0.95, bounds: Bounds = UNBOUNDED) -> Difference:
    """Mean of the per-seed differences with its t-interval (common random numbers).

    With ``bounds`` the interval is kept within what a difference of two such values can be
    (± the width of the range), and Cohen's d gets its bootstrap interval.
    """
    a, b = np.asarray(arm, dtype=float), np.asarray(baseline, dtype=float)
    if a.shape != b.shape:
        raise ValueError("paired values need equal lengths")
    keep = np.isfinite(a) & np.isfinite(b)
    d = mean_interval(a[keep] - b[keep], level)
    span = _range(bounds)
    low, high = max(d.low, -span), min(d.high, span)
    effect_low, effect_high = effect_size_interval(a, b, paired=True, level=level)
    return Difference(d.mean, low, high, cohens_d(a[keep], b[keep]), "paired", effect_low, effect_high)


def welch_difference(arm: Sequence[float] | np.ndarray, baseline: Sequence[float] | np.ndarray,
                     level: float = 0.95, bounds: Bounds = UNBOUNDED) -> Difference:
    """Difference of means with Welch's interval (unequal variances, Satterthwaite df)."""
    a, b = _values(arm), _values(baseline)
    na, nb = len(a), len(b)
    if na == 0 or nb == 0:
        return Difference(NAN, NAN, NAN, NAN, "welch")
    diff = float(a.mean() - b.mean())
    if na < 2 or nb < 2:
        return Difference(diff, NAN, NAN, NAN, "welch")
    effect_low, effect_high = effect_size_interval(a, b, paired=False, level=level)
    va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Difference(diff, diff, diff, cohens_d(a, b), "welch", effect_low, effect_high)
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    span = _range(bounds)
    return Difference(diff, max(diff - half, -span), min(diff + half, span), cohens_d(a, b), "welch",
                      effect_low, effect_high)


def spearman(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Spearman's rank correlation (Pearson's r of the average ranks); NaN if either is constant.

    A metric that does not move across a hypercube (say, no failures anywhere) has no rank
    correlation; it is reported as missing rather than warned about.
    """
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3:
        return NAN
    ra, rb = stats.rankdata(a[keep]), stats.rankdata(b[keep])
    if ra.std() == 0.0 or rb.std() == 0.0:
        return NAN
    return float(np.corrcoef(ra, rb)[0, 1])
