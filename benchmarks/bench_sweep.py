"""Sweep benchmarks: throughput serial against two worker processes, and the driver's memory as
the number of runs grows (it should stay flat, because finished runs stream to disk).

Run as a script::

    .venv/bin/python benchmarks/bench_sweep.py            # full (about three minutes on two cores)
    .venv/bin/python benchmarks/bench_sweep.py --quick    # smaller, for a smoke test

Throughput is measured on a warm pool (the workers have started and imported the model), which
is what a long sweep sees; the one-off start-up of the pool is reported separately.

The national sweep (issue 14, point 4), also reached by ``benchmarks/run.py --sweep``::

    .venv/bin/python benchmarks/bench_sweep.py --national           # 50 + 16 England runs: minutes
    .venv/bin/python benchmarks/bench_sweep.py --national --quick   # 3 + 2 runs of 1 quarter (smoke test)

runs ``partnering sweep --scenarios england --replications 50 --workers 2`` as a fresh process,
reads the store while it runs (``partnering compare`` mid-sweep), runs the command again to show
it resumes (every run already done), and projects 1,000 runs from the steady rate between the
first and the last finished run. Then the same on a Dask cluster on loopback (a scheduler and two
single-threaded workers, all bound to 127.0.0.1): the per-task overhead measured with runs that
do almost nothing, England runs measured, and 1,000 runs projected to N workers.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from figures import project_cluster, project_sweep, spread, steady_rate

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


# ----------------------------------------------------------------------------- national sweep (issue 14)
ROOT = Path(__file__).resolve().parents[1]
CLI = "from partnering.cli import main; main()"
HOUR_S = 3600.0
TARGET_RUNS = 1000
CLUSTER_SIZES = (2, 8, 32, 128)


def child_env() -> dict[str, str]:
    """Children (the command, the Dask scheduler and workers) import the code next to this file."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def sweep_args(out: Path, replications: int, steps: int, extra: list[str] | None = None) -> list[str]:
    return [sys.executable, "-c", CLI, "sweep", "--scenarios", "england", "--replications", str(replications),
            "--steps", str(steps), "--out", str(out), *(extra or [])]


def finished_runs(out: Path) -> int:
    """Runs committed to the store so far (0 before the first batch lands)."""
    try:
        return len(load_results(out).runs)
    except Exception:  # the folder may not exist yet, or hold no runs table yet
        return 0


def timed_sweep(out: Path, replications: int, steps: int, extra: list[str], read_midway: bool) -> dict:
    """One ``partnering sweep`` as a fresh process, launch to exit; optionally ``partnering compare``
    on the store once a third of the runs are in, to show results are readable mid-sweep."""
    midway: dict = {}
    start = time.monotonic()
    proc = subprocess.Popen(sweep_args(out, replications, steps, extra), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=child_env(), cwd=ROOT)
    while read_midway and proc.poll() is None and not midway:
        time.sleep(1.0)
        done = finished_runs(out)
        if done >= max(1, replications // 3) and done < replications:
            t = time.monotonic()
            cmp = subprocess.run([sys.executable, "-c", CLI, "compare", str(out)], capture_output=True, text=True,
                                 env=child_env(), cwd=ROOT)
            first = next((line for line in cmp.stdout.splitlines() if "runs per arm" in line), "")
            midway = {"runs_in_store": done, "compare_exit": cmp.returncode, "compare_s": time.monotonic() - t,
                      "compare_heading": first.strip(), "at_s": t - start}
    output, _ = proc.communicate()
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"sweep failed ({proc.returncode}):\n{output}")
    runs = load_results(out).runs
    finished = [ts.timestamp() for ts in runs["finished_at"]]
    return {"wall_s": wall, "runs": len(runs), "ok": int((runs["status"] == "ok").sum()),
            "run_s": spread(list(runs["duration_s"])), "cpu_s": spread(list(runs["cpu_s"])),
            "rate": _rate(finished),
            "workers": sorted(set(runs["worker"])), "midway": midway, "tail": output.strip().splitlines()[-3:]}


MIN_RUNS_FOR_RATE = 5
"""Fewer finished runs than this give no steady rate: on two workers runs finish in pairs, and
two or three finishing times say nothing about the pace between them."""


def _rate(finished: list[float]) -> float:
    """The steady rate, or NaN with too few runs to tell."""
    if len(finished) < MIN_RUNS_FOR_RATE:
        return float("nan")
    try:
        return steady_rate(finished)
    except ValueError:
        return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackCluster:
    """A Dask scheduler and two single-threaded workers on 127.0.0.1, each its own process group,
    stopped by their own ids on exit."""

    def __init__(self, workers: int = 2) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.workers = workers
        self.procs: list[subprocess.Popen] = []
        self.logs = tempfile.TemporaryDirectory(prefix="partnering-dask-")

    def _start(self, name: str, args: list[str]) -> None:
        log = open(Path(self.logs.name) / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        self.procs.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=child_env(), cwd=ROOT,
                                           start_new_session=True))

    def __enter__(self) -> LoopbackCluster:
        dask = str(Path(sys.executable).parent / "dask")
        self._start("scheduler", [dask, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                  "--no-dashboard"])
        for i in range(self.workers):
            self._start(f"worker-{i}", [dask, "worker", self.address, "--host", "127.0.0.1", "--nthreads", "1",
                                        "--nworkers", "1", "--no-dashboard", "--name", f"w{i}"])
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.logs.cleanup()


def dask_sweep(cluster: LoopbackCluster, out: Path, replications: int, steps: int, tiny: bool) -> dict:
    extra = ["--dask", cluster.address, "--dask-wait", "60"]
    if tiny:
        extra += [a for key, value in TINY.items() for a in ("--set", f"{key}={value}")]
    return timed_sweep(out, replications, steps, extra, read_midway=False)


def local_sweep(folder: Path, reps: int, steps: int) -> dict:
    """The sweep on two local workers, read mid-run, run again to show it resumes, projected."""
    local = timed_sweep(folder / "local", reps, steps, ["--workers", "2"], read_midway=True)
    local["load_after"] = os.getloadavg()[0]
    start = time.monotonic()
    again = subprocess.run(sweep_args(folder / "local", reps, steps, ["--workers", "2"]), capture_output=True,
                           text=True, env=child_env(), cwd=ROOT)
    # what it said: the "already done" line, or, should it fail, its last line of error
    said = next((line for line in again.stdout.splitlines() if "already done" in line), "")
    if again.returncode != 0:
        said = next((line for line in reversed((again.stderr + again.stdout).splitlines()) if line.strip()), "")
    local["resume"] = {"wall_s": time.monotonic() - start, "exit": again.returncode, "said": said}
    projected, fixed = project_sweep(local["wall_s"], local["runs"], local["rate"], TARGET_RUNS)
    local.update(projected_1000_s=projected, fixed_s=fixed, naive_1000_s=local["wall_s"] * TARGET_RUNS / reps)
    return local


def dask_measure(folder: Path, dask_reps: int, tiny_reps: int, steps: int) -> dict:
    """Per-task overhead (runs that do almost nothing) and England runs on a loopback cluster of
    two workers, and the projection of 1,000 runs to N workers."""
    load_before = os.getloadavg()[0]
    with LoopbackCluster(2) as cluster:
        tiny = dask_sweep(cluster, folder / "dask-tiny", tiny_reps, 1, tiny=True)
        england = dask_sweep(cluster, folder / "dask-england", dask_reps, steps, tiny=False)
    per_task = 2 / tiny["rate"]  # each of the two workers finishes a run every per_task seconds
    nan = float("nan")
    overhead = max(0.0, per_task - tiny["run_s"].median) if per_task == per_task else nan  # NaN: too few runs
    run_s = england["run_s"].median
    # the fixed part as for the local sweep (the wall time less the steady running), so that the
    # formula's figure for these same runs checks the overhead model rather than restating the wall
    steady = england["runs"] / england["rate"]
    fixed_d = max(0.0, england["wall_s"] - steady) if steady == steady else nan
    return {"tiny": tiny, "england": england, "overhead_s": overhead, "fixed_s": fixed_d,
            "check_2": project_cluster(run_s, overhead, 2, england["runs"], fixed_d),
            "projected_1000_s": {n: project_cluster(run_s, overhead, n, TARGET_RUNS, fixed_d) for n in CLUSTER_SIZES},
            "load_before": load_before, "load_after": os.getloadavg()[0]}


def national(quick: bool = False, output: Path | None = None, reps: int | None = None,
             dask_reps: int | None = None, tiny_reps: int | None = None, parts: str = "local,dask") -> dict:
    """The national sweep of issue 14: measured on two local workers and on a loopback Dask
    cluster, projected to 1,000 runs; prints a table and returns the figures."""
    d_reps, d_dask, d_tiny, steps = (3, 2, 10, 1) if quick else (50, 16, 60, 40)
    reps, dask_reps, tiny_reps = reps or d_reps, dask_reps or d_dask, tiny_reps or d_tiny
    figures: dict = {"replications": reps, "steps": steps, "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="partnering-sweep-") as tmp:
        folder = Path(tmp)
        if "local" in parts:
            figures["local"] = local_sweep(folder, reps, steps)
        if "dask" in parts:
            figures["dask"] = dask_measure(folder, dask_reps, tiny_reps, steps)
    print_national(figures)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(figures, indent=1, default=_plain))
    return figures


def _plain(value):
    return value.__dict__ if hasattr(value, "__dict__") else str(value)


def _hms(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds < HOUR_S else f"{seconds / HOUR_S:.2f} h"


def print_national(f: dict) -> None:
    if "local" in f:
        print_local(f)
    if "dask" in f:
        print_dask(f["dask"])


def print_local(f: dict) -> None:
    local, reps = f["local"], f["replications"]
    print(f"National sweep: `partnering sweep --scenarios england --replications {reps} --steps {f['steps']} "
          f"--workers 2`, one fresh process; load average {f['load_before']:.1f} before, {local['load_after']:.1f} after")
    print(f"  measured: {local['wall_s']:.1f} s for {local['runs']} runs ({local['ok']} ok); per run in a worker "
          f"{local['run_s'].fmt('s')} wall, {local['cpu_s'].fmt('s')} CPU (median [min, max])")
    print(f"  steady rate {local['rate']:.3f} runs/s between the first and the last finished run; "
          f"fixed part (start-up, pool, first run) {local['fixed_s']:.1f} s")
    target = local["projected_1000_s"]
    if target != target:  # NaN: too few runs for a steady rate
        print(f"  projected {TARGET_RUNS} runs: not projected (fewer than {MIN_RUNS_FOR_RATE} runs finished)")
    else:
        print(f"  projected {TARGET_RUNS} runs on 2 workers: {local['fixed_s']:.1f} s + {TARGET_RUNS} / "
              f"{local['rate']:.3f} = {target:.0f} s = {_hms(target)} (target < 1 h: "
              f"{'PASS' if target < HOUR_S else 'MISS'}, {target / HOUR_S:.2f}x the limit); "
              f"naive x{TARGET_RUNS // reps} of the whole: {_hms(local['naive_1000_s'])}")
    mid = local["midway"]
    if mid:
        print(f"  readable while it runs: at {mid['at_s']:.0f} s, {mid['runs_in_store']} runs in the store; "
              f"`partnering compare` exit {mid['compare_exit']} in {mid['compare_s']:.1f} s: {mid['compare_heading']!r}")
    else:
        print("  readable while it runs: not checked (the sweep finished before a third of it was in the store)")
    res = local["resume"]
    print(f"  resumable: the same command again exit {res['exit']} in {res['wall_s']:.1f} s: {res['said'].strip()!r}")


def print_dask(dask: dict) -> None:
    tiny, eng = dask["tiny"], dask["england"]
    print(f"Dask on loopback (scheduler + 2 single-threaded workers on 127.0.0.1); load average "
          f"{dask['load_before']:.1f} before, {dask['load_after']:.1f} after")
    print(f"  per-task overhead: {tiny['runs']} runs of a 2-council world for 1 quarter, {tiny['wall_s']:.1f} s, "
          f"steady {tiny['rate']:.2f} runs/s; 2 / rate - run time = {dask['overhead_s'] * 1000:.0f} ms per task")
    print(f"  england: {eng['runs']} runs in {eng['wall_s']:.1f} s measured, per run {eng['run_s'].fmt('s')}, "
          f"steady {eng['rate']:.3f} runs/s, fixed {dask['fixed_s']:.1f} s; the formula "
          f"fixed + R x (run + overhead) / N gives {dask['check_2']:.1f} s for these {eng['runs']} on N=2")
    cells = ", ".join(f"N={n}: {_hms(t)}" for n, t in dask["projected_1000_s"].items())
    print(f"  projected {TARGET_RUNS} runs: {cells} (linear scaling: one core per worker, the scheduler and the "
          f"driver storing results keep up while N x overhead << run time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument("--repeat", type=int, default=3, help="alternated serial/parallel runs (default 3)")
    parser.add_argument("--national", action="store_true",
                        help="the national England sweep of issue 14 (local and Dask), not the throughput suite")
    parser.add_argument("--parts", default="local,dask", help="with --national: local, dask or both (default)")
    parser.add_argument("--replications", type=int, help="with --national: England runs on two local workers (50)")
    parser.add_argument("--dask-replications", type=int, help="with --national: England runs on Dask (16)")
    parser.add_argument("--tiny-replications", type=int, help="with --national: near-empty runs on Dask (60)")
    args = parser.parse_args()
    if args.national:
        national(quick=args.quick, output=ROOT / "test-output" / "bench_sweep.json", reps=args.replications,
                 dask_reps=args.dask_replications, tiny_reps=args.tiny_replications, parts=args.parts)
        return
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
