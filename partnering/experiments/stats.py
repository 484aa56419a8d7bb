"""Confidence intervals and effect sizes over replications: small pure functions.

Replications are independent draws of the model's randomness, so an arm's mean at a horizon
gets a Student-t interval. Every arm of a design shares the same replication seeds (common
random numbers); the difference between two arms then uses the paired t-interval on the
per-seed differences, which removes the variation the arms share. When the seeds do not pair
up (failed runs, hand-made data) Welch's interval is used instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

NAN = float("nan")


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
    """``arm - baseline`` with its confidence interval, the effect size and how it was paired."""

    diff: float
    low: float
    high: float
    effect_size: float
    method: str


def _values(values: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array[np.isfinite(array)]


def mean_interval(values: Sequence[float] | np.ndarray, level: float = 0.95) -> Interval:
    """Mean and Student-t interval: mean ± t(1-(1-level)/2, n-1) · sd / √n (NaN for n < 2)."""
    x = _values(values)
    n = len(x)
    if n == 0:
        return Interval(NAN, NAN, NAN, 0, NAN)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, NAN, NAN, 1, NAN)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n, sd)


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


def paired_difference(arm: Sequence[float] | np.ndarray, baseline: Sequence[float] | np.ndarray,
                      level: float = 0.95) -> Difference:
    """Mean of the per-seed differences with its t-interval (common random numbers)."""
    a, b = np.asarray(arm, dtype=float), np.asarray(baseline, dtype=float)
    if a.shape != b.shape:
        raise ValueError("paired values need equal lengths")
    keep = np.isfinite(a) & np.isfinite(b)
    d = mean_interval(a[keep] - b[keep], level)
    return Difference(d.mean, d.low, d.high, cohens_d(a[keep], b[keep]), "paired")


def welch_difference(arm: Sequence[float] | np.ndarray, baseline: Sequence[float] | np.ndarray,
                     level: float = 0.95) -> Difference:
    """Difference of means with Welch's interval (unequal variances, Satterthwaite df)."""
    a, b = _values(arm), _values(baseline)
    na, nb = len(a), len(b)
    if na == 0 or nb == 0:
        return Difference(NAN, NAN, NAN, NAN, "welch")
    diff = float(a.mean() - b.mean())
    if na < 2 or nb < 2:
        return Difference(diff, NAN, NAN, NAN, "welch")
    va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Difference(diff, diff, diff, cohens_d(a, b), "welch")
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    return Difference(diff, diff - half, diff + half, cohens_d(a, b), "welch")


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
