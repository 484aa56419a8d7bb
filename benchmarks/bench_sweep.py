"""Sweep benchmarks: throughput serial against two worker processes, and the driver's memory as
the number of runs grows (it should stay flat, because finished runs stream to disk).

Run as a script::

    .venv/bin/python benchmarks/bench_sweep.py            # full (about three minutes on two cores)
    .venv/bin/python benchmarks/bench_sweep.py --quick    # smaller, for a smoke test

Throughput is measured on a warm pool (the workers have started and imported the model), which
is what a long sweep sees; the one-off start-up of the pool is reported separately.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from partnering.experiments import (
    SerialExecutor,
    load_results,
    process_pool,
    run_sweep,
    scenario_design,
)
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


def throughput(replications: int, steps: int, repeat: int) -> list[tuple[str, str]]:
    """Serial against two workers, alternated ``repeat`` times; best and median of each.

    On a shared machine other jobs steal cores at random moments; the best of several
    alternated runs is the figure least disturbed by them, the median shows the spread.
    """
    design = scenario_design(["transactional", "changemaking", "policy_package"], replications=replications,
                             steps=steps)
    serial, parallel, driver, cpu_serial, cpu_pool = [], [], [], [], []
    with tempfile.TemporaryDirectory() as folder, process_pool(2) as pool:
        startup = warm(pool)
        warm(SerialExecutor())  # the in-process path imports the model lazily too
        for i in range(repeat):
            start, cpu = time.perf_counter(), time.process_time()
            run_sweep(design, Path(folder) / f"serial-{i}", executor=SerialExecutor())
            serial.append(time.perf_counter() - start)
            cpu_serial.append((time.process_time() - cpu) / len(design))  # model and storage, one process
            start, cpu = time.perf_counter(), time.process_time()
            run_sweep(design, Path(folder) / f"pool-{i}", executor=pool)
            parallel.append(time.perf_counter() - start)
            driver_cpu = time.process_time() - cpu
            driver.append(driver_cpu / parallel[-1])
            worker_cpu = load_results(Path(folder) / f"pool-{i}").runs["cpu_s"].sum()
            cpu_pool.append((worker_cpu + driver_cpu) / len(design))
    runs = len(design)
    per_serial, per_pool = statistics.median(cpu_serial), statistics.median(cpu_pool)
    best_s, best_p = min(serial), min(parallel)
    med_s, med_p = statistics.median(serial), statistics.median(parallel)
    return [
        ("design", f"{design.describe()} (default population), best and median of {repeat}"),
        ("serial (in process)", f"best {best_s:.1f} s = {runs / best_s:.2f} runs/s | median {med_s:.1f} s"),
        ("2 worker processes", f"best {best_p:.1f} s = {runs / best_p:.2f} runs/s | median {med_p:.1f} s"),
        ("speed-up", f"best {best_s / best_p:.2f}x | median {med_s / med_p:.2f}x (goal >= 1.8x on two cores)"),
        ("driver CPU (2 workers)", f"{statistics.median(driver):.0%} of one core"),
        ("CPU per run", f"serial {per_serial * 1000:.0f} ms | pool {per_pool * 1000:.0f} ms (workers + driver) "
                        f"= {per_pool / per_serial - 1:+.0%}; expected on two idle cores about "
                        f"{2 / max(1.0, per_pool / per_serial):.2f}x"),
        ("pool start-up (once)", f"{startup:.1f} s"),
    ]


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
    parser.add_argument("--repeat", type=int, default=3, help="alternated serial/parallel runs (default 3)")
    args = parser.parse_args()
    print(f"partnering sweep benchmarks on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    reps, steps, sizes = (2, 10, [20, 60]) if args.quick else (8, 40, [100, 300, 1000])
    sections = [("throughput", throughput(reps, steps, 1 if args.quick else args.repeat)), ("driver memory (4 steps, tiny population)", memory(sizes))]
    width = max(len(k) for _, rows in sections for k, _ in rows)
    for title, rows in sections:
        print(f"\n{title}")
        for key, value in rows:
            print(f"  {key:<{width}}  {value}")


if __name__ == "__main__":
    main()
