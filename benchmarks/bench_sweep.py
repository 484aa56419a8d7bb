"""Sweep benchmarks: throughput serial against two worker processes, and the driver's memory as
the number of runs grows (it should stay flat, because finished runs stream to disk).

Run as a script::

    .venv/bin/python benchmarks/bench_sweep.py            # full (about two minutes on two cores)
    .venv/bin/python benchmarks/bench_sweep.py --quick    # smaller, for a smoke test

Throughput is measured on a warm pool (the workers have started and imported the model), which
is what a long sweep sees; the one-off start-up of the pool is reported separately.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from partnering.experiments import SerialExecutor, process_pool, run_sweep, scenario_design
from partnering.experiments.runner import RunTask, execute

TINY = {"population.councils": 2, "population.smes_per_place": 1, "population.groups_per_place": 1,
        "population.large_suppliers": 2}
"""A population small enough that the driver's own work, not the model, dominates."""


def rss_mb() -> tuple[float, float]:
    """Current and peak resident memory of this process (Linux /proc), in MB."""
    fields = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", float("nan")), fields.get("VmHWM", float("nan"))


def warm(pool) -> float:
    """Start the pool's workers and import the model in them; returns the seconds it took."""
    design = scenario_design(["transactional"], replications=4, steps=1, overrides=TINY)
    task = RunTask("warm", 0, "warm", 0, design.seeds[0], 1, design.resolve(0))
    start = time.perf_counter()
    for future in [pool.submit(execute, task) for _ in range(4)]:
        future.result()
    return time.perf_counter() - start


def throughput(replications: int, steps: int) -> list[tuple[str, str]]:
    design = scenario_design(["transactional", "changemaking", "policy_package"], replications=replications,
                             steps=steps)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        run_sweep(design, Path(folder) / "serial", executor=SerialExecutor())
        serial = time.perf_counter() - start
        with process_pool(2) as pool:
            startup = warm(pool)
            start, cpu = time.perf_counter(), time.process_time()
            run_sweep(design, Path(folder) / "pool", executor=pool)
            parallel, driver_cpu = time.perf_counter() - start, time.process_time() - cpu
    runs = len(design)
    rows.append(("design", f"{design.describe()} (default population)"))
    rows.append(("serial (in process)", f"{serial:.1f} s = {runs / serial:.2f} runs/s"))
    rows.append(("2 worker processes", f"{parallel:.1f} s = {runs / parallel:.2f} runs/s"))
    rows.append(("speed-up", f"{serial / parallel:.2f}x (goal >= 1.8x on two cores)"))
    rows.append(("driver CPU (2 workers)", f"{driver_cpu:.2f} s = {driver_cpu / parallel:.0%} of one core"))
    rows.append(("pool start-up (once)", f"{startup:.1f} s"))
    return rows


def memory(sizes: list[int]) -> list[tuple[str, str]]:
    rows = []
    with process_pool(2) as pool, tempfile.TemporaryDirectory() as folder:
        warm(pool)
        for n in sizes:
            design = scenario_design(["transactional"], replications=n, steps=4, overrides=TINY)
            gc.collect()
            tracemalloc.start()
            start = time.perf_counter()
            run_sweep(design, Path(folder) / f"runs-{n}", executor=pool)
            elapsed = time.perf_counter() - start
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            current, high = rss_mb()
            rows.append((f"{n} runs", f"driver peak (tracemalloc) {peak / 2**20:6.2f} MB | RSS {current:6.1f} MB "
                                      f"(peak so far {high:6.1f} MB) | {elapsed:5.1f} s"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    args = parser.parse_args()
    print(f"partnering sweep benchmarks on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    reps, steps, sizes = (2, 10, [20, 60]) if args.quick else (8, 40, [100, 300, 1000])
    sections = [("throughput", throughput(reps, steps)), ("driver memory (4 steps, tiny population)", memory(sizes))]
    width = max(len(k) for _, rows in sections for k, _ in rows)
    for title, rows in sections:
        print(f"\n{title}")
        for key, value in rows:
            print(f"  {key:<{width}}  {value}")


if __name__ == "__main__":
    main()
