"""Small pure helpers the benchmarks share: a median with its spread, and the sweep projections.

Kept apart from the timing code so that tests can check them on hand-worked numbers
(``tests/test_benchmarks_helpers.py``); on a shared machine a figure is only honest with its
spread next to it.
"""

from __future__ import annotations

import resource
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """A median over repeats with its range and interquartile range: noise shows as spread."""

    median: float
    low: float
    high: float
    q1: float
    q3: float
    n: int

    def fmt(self, unit: str = "", digits: int = 2) -> str:
        """'5.31 s [5.02, 6.10]': the median and, in brackets, the smallest and largest."""
        u = f" {unit}" if unit else ""
        return f"{self.median:.{digits}f}{u} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def spread(values: list[float]) -> Spread:
    """Median, min, max and quartiles (the 'inclusive' method, so a single run is its own quartiles)."""
    xs = sorted(values)
    if not xs:
        raise ValueError("spread of no values")
    if len(xs) == 1:
        q1 = q3 = xs[0]
    else:
        q1, _, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return Spread(statistics.median(xs), xs[0], xs[-1], q1, q3, len(xs))


def steady_rate(finished: list[float]) -> float:
    """Runs per second between the first and the last finished run (the steady part of a sweep:
    the pool's start-up and the first runs' imports fall before the first finish)."""
    ts = sorted(finished)
    if len(ts) < 2 or ts[-1] <= ts[0]:
        raise ValueError("need at least two distinct finishing times")
    return (len(ts) - 1) / (ts[-1] - ts[0])


def project_sweep(wall_s: float, runs: int, rate: float, target_runs: int) -> tuple[float, float]:
    """Project a measured sweep to ``target_runs`` runs on the same workers.

    The measured wall time splits into a fixed part (start-up, pool, the first run) and
    ``runs / rate`` of steady running; the projection keeps the fixed part and scales the rest:
    ``fixed + target_runs / rate``. Returns (projected seconds, fixed seconds).
    """
    fixed = max(0.0, wall_s - runs / rate)
    return fixed + target_runs / rate, fixed


def project_cluster(run_s: float, overhead_s: float, workers: int, target_runs: int, fixed_s: float = 0.0) -> float:
    """Wall time of ``target_runs`` runs on ``workers`` Dask workers, assuming linear scaling.

    ``fixed_s + target_runs * (run_s + overhead_s) / workers``: each run costs its own time plus
    the per-task overhead (scheduling, sending the task, returning and storing its results), and
    the workers share the runs evenly. It holds while the scheduler and the driver storing the
    results keep up, i.e. while ``workers * overhead_s`` stays well below ``run_s``.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    return fixed_s + target_runs * (run_s + overhead_s) / workers


def vm_hwm_mb() -> float:
    """Peak resident memory of this process: VmHWM (reset at exec), ``ru_maxrss`` elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux
