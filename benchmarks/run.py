"""The performance suite: what a user waits for (issue 14), then the in-process targets (issue 6).

    make bench                                   # or: .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --quick   # three whole processes, a shorter in-process suite
    .venv/bin/python benchmarks/run.py --whole-only            # the whole-process section alone
    .venv/bin/python benchmarks/run.py --whole-only --sweep    # and the national sweep (minutes)

Figures go to ``test-output/bench.json`` (``--json`` elsewhere).

Whole process (issue 14), ``england`` with the second model's market, every figure a median
with its [min, max] over ``--repeats`` fresh processes (default 5, ``--quick`` 3), so that a
noisy machine shows as spread rather than as a different number:

- ``partnering run england --steps 40 --out F.parquet``, launch to exit, at most 5 s;
- its split (start-up, CLI and scenario, construction, stepping, writing, exit) from the same
  command run through ``benchmarks/whole_process.py``, which stamps each part; construction at
  most 1 s; lots tendered, contracts let and bids in the initial history and per quarter;
- peak memory (VmHWM) of that process under 300 MB;
- cost per agent-step at most 2x that of Mesa's Boltzmann wealth example run as a whole process
  (import, build, as many agents and steps, write its data to Parquet), paired round by round.

In-process (issue 6, measured on the first model when its limits were set):

- ``england`` (317 councils) built and run for 40 steps in at most 10 s of wall time, one core;
- cost per agent-step at most 3x that of Mesa's Boltzmann wealth example with as many agents,
  both timed in this process, interleaved, best of ``--repeats``;
- step time linear in the number of councils: log-log slope at most 1.1 from 20 to 640 councils,
  the other populations per place as in ``england`` and large suppliers in proportion;
- peak memory of an ``england`` run at most 500 MB (peak resident memory, VmHWM, of a fresh
  subprocess, so it counts the interpreter and every library too);
- data collection (the observation phase, ``model/phases/observation.py: observe``) at most 10%
  of step time.

Every timed run is a fresh process on one core, so that no run inherits another's heap (a model
built where a bigger one was freed runs up to a fifth slower); in-process timings are best of N
because the machine may be shared. Agent-steps count the agents alive at the start of each step
(suppliers enter and fail).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from figures import Spread, spread, vm_hwm_mb

ROOT = Path(__file__).resolve().parents[1]
STEPS = 40
SEED = 1
ENGLAND_SECONDS = 10.0
MESA_RATIO = 3.0
SLOPE = 1.1
MEMORY_MB = 500.0
OBSERVE_SHARE = 0.10
WHOLE_SECONDS = 5.0
CONSTRUCTION_SECONDS = 1.0
WHOLE_MESA_RATIO = 2.0
WHOLE_MEMORY_MB = 300.0
CLI = "from partnering.cli import console_main; console_main()"
"""The `partnering` command, run by this interpreter (what the console script does)."""
OUTPUT = ROOT / "test-output" / "bench.json"
SCALING_COUNCILS = (20, 40, 80, 160, 320, 640)
QUICK_COUNCILS = (20, 80, 320, 640)


@dataclass
class Timing:
    """One timed run: construction, the steps, and the part of the steps spent observing."""

    label: str
    agents: int
    steps: int
    init_s: float
    step_s: float
    observe_s: float = 0.0
    agent_steps: int = 0
    councils: int = 0

    @property
    def wall_s(self) -> float:
        return self.init_s + self.step_s

    @property
    def us_per_agent_step(self) -> float:
        return 1e6 * self.step_s / self.agent_steps

    @property
    def observe_share(self) -> float:
        return self.observe_s / self.step_s if self.step_s > 0 else 0.0


@dataclass
class Results:
    england: Timing | None = None
    boltzmann: Timing | None = None
    scaling: list[Timing] = field(default_factory=list)
    slope: float = float("nan")
    peak_mb: float = float("nan")


def scaled_scenario(councils: int):
    """``england`` with ``councils`` places; large suppliers kept at England's ratio (50 to 317)."""
    from partnering.scenarios import apply_overrides, load_scenario

    england = load_scenario("england")
    ratio = england.population.large_suppliers / england.population.councils
    return apply_overrides(england, {"population.councils": councils,
                                     "population.large_suppliers": max(1, round(councils * ratio))})


def time_partnering(scenario, label: str, steps: int = STEPS, seed: int = SEED) -> Timing:
    """Build and run one model, timing construction, every step and the observation within it."""
    from partnering.model.model import PartneringModel

    gc.collect()
    start = time.perf_counter()
    model = PartneringModel(scenario, rng=seed)
    built = time.perf_counter()
    initial = len(model.agents)
    import partnering.model.model as model_module

    observe = model_module.observe
    spent = [0.0]

    def timed_observe(m) -> None:
        t = time.perf_counter()
        observe(m)
        spent[0] += time.perf_counter() - t

    # ``step`` calls the phase function ``observe(self)`` by its name in ``partnering.model.model``,
    # so that name is what must be wrapped (an instance attribute ``model.observe`` is never called)
    model_module.observe = timed_observe
    agent_steps = 0
    step_s = 0.0
    try:
        for _ in range(steps):
            agent_steps += len(model.agents)
            t = time.perf_counter()
            model.step()
            step_s += time.perf_counter() - t
    finally:
        model_module.observe = observe
    return Timing(label, agents=initial,
                  steps=steps, init_s=built - start, step_s=step_s, observe_s=spent[0],
                  agent_steps=agent_steps, councils=len(model.councils))


def time_boltzmann(n: int, steps: int = STEPS) -> Timing:
    """Mesa's own Boltzmann wealth example with ``n`` agents at its usual density (one per cell)."""
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    side = math.ceil(math.sqrt(n))
    gc.collect()
    start = time.perf_counter()
    model = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=SEED))
    built = time.perf_counter()
    step_s = 0.0
    for _ in range(steps):
        t = time.perf_counter()
        model.step()
        step_s += time.perf_counter() - t
    return Timing("mesa boltzmann", agents=n, steps=steps, init_s=built - start, step_s=step_s,
                  agent_steps=n * steps)


def timed_in_fresh_process(kind: str, size: int) -> Timing:
    """One timed run (``england`` at ``size`` councils, or Mesa's Boltzmann model with ``size``
    agents) in a new interpreter; only the run itself is timed, not the imports."""
    out = subprocess.run([sys.executable, __file__, "--timed-run", kind, str(size)], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return Timing(**json.loads(out.stdout.strip().splitlines()[-1]))


def timed_run(kind: str, size: int) -> None:
    """Print one timed run as JSON (the child side of :func:`timed_in_fresh_process`)."""
    if kind == "boltzmann":
        timing = time_boltzmann(size)
    else:
        from partnering.scenarios import load_scenario

        scenario = load_scenario("england") if size == 0 else scaled_scenario(size)
        timing = time_partnering(scenario, "england" if size == 0 else f"england@{size}")
    print(json.dumps(asdict(timing)))


def best(runs: list[Timing]) -> Timing:
    return min(runs, key=lambda r: r.step_s)


def log_log_slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) on log(x)."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum((a - mx) ** 2 for a in lx)


def peak_memory_mb() -> float:
    """Peak resident memory of a fresh process that builds ``england`` and runs 40 steps."""
    out = subprocess.run([sys.executable, __file__, "--memory-probe"], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def memory_probe() -> None:
    """Print this process's peak resident memory in MB after an ``england`` run.

    VmHWM belongs to the address space set up at exec, so unlike ``ru_maxrss`` (which Linux
    carries over from the forking parent) it counts this run alone.
    """
    from partnering.model.model import PartneringModel

    PartneringModel("england", rng=SEED).run(STEPS)
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    print(int(line.split()[1]) / 1024.0)
                    return
    except OSError:
        pass
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)  # kB on Linux


# ------------------------------------------------------------------ what a user waits for (issue 14)
def clock() -> float:
    """CLOCK_MONOTONIC, shared by every process on the machine: a child's stamps and the parent's
    launch and exit readings fall on one time line."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def child_env() -> dict[str, str]:
    """The children import the code next to this file, whichever checkout the venv installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def england_args(out: Path, steps: int) -> list[str]:
    return ["run", "england", "--steps", str(steps), "--seed", str(SEED), "--out", str(out)]


@dataclass
class WholeRun:
    """One fresh process, launch to exit, split by the stamps it printed (seconds)."""

    total_s: float
    startup_s: float
    """Interpreter and imports, until the model class is importable."""
    cli_s: float
    """Argument parsing and loading the scenario."""
    construction_s: float
    stepping_s: float
    writing_s: float
    """The metrics frame, the printed table and the output file (with its data dictionary)."""
    exit_s: float
    """Interpreter shutdown, from the last stamp to the parent seeing the process end."""
    peak_mb: float
    agent_steps: int
    agents_at_start: int = 0
    cpu_s: float = float("nan")
    """User plus system CPU of the process: on a loaded machine wall time stretches with the
    other jobs' share of the cores, CPU time much less."""
    history: dict = field(default_factory=dict)
    quarters: list = field(default_factory=list)


def children_cpu() -> float:
    """CPU seconds of every child this process has waited for (deltas give one child's)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_cli(folder: Path, steps: int = STEPS) -> tuple[float, float]:
    """Wall time of a fresh ``partnering run england --steps 40 --out F.parquet``, launch to exit:
    the command alone, no driver, the figure a user waits for. Returns (wall, CPU) seconds."""
    cpu, start = children_cpu(), clock()
    subprocess.run([sys.executable, "-c", CLI, *england_args(folder / "cli.parquet", steps)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=folder, env=child_env())
    return clock() - start, children_cpu() - cpu


def time_driver(folder: Path, steps: int = STEPS) -> WholeRun:
    """The same command through ``benchmarks/whole_process.py``, which stamps its parts."""
    stamps_file = folder / "stamps.json"
    cpu, start = children_cpu(), clock()
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "whole_process.py"), str(stamps_file),
                    *england_args(folder / "driver.parquet", steps)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=folder, env=child_env())
    end = clock()
    st = json.loads(stamps_file.read_text())
    history = {key.removeprefix("history_"): value for key, value in st.items() if key.startswith("history_")}
    return WholeRun(total_s=end - start, startup_s=st["imported"] - start, cli_s=st["init_start"] - st["imported"],
                    construction_s=st["built"] - st["init_start"], stepping_s=st["stepped"] - st["built"],
                    writing_s=st["written"] - st["stepped"], exit_s=end - st["written"], peak_mb=st["peak_mb"],
                    agent_steps=st["agent_steps"], agents_at_start=st["agents_at_start"], history=history,
                    quarters=st["quarters"], cpu_s=children_cpu() - cpu)


def boltzmann_process(n: int, steps: int, out: str) -> None:
    """Child side: Mesa's Boltzmann example as a whole process (import, build, run ``steps``,
    write its collected data to Parquet), printing its stamps as JSON."""
    stamps = {"main": clock()}
    import pandas  # noqa: F401  (Parquet writing, as the partnering command has it)
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    stamps["imported"] = stamps["init_start"] = clock()
    side = math.ceil(math.sqrt(n))
    model = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=SEED))
    stamps["built"] = clock()
    for _ in range(steps):
        model.step()
    stamps["stepped"] = clock()
    model.datacollector.get_model_vars_dataframe().to_parquet(out, index=False)
    stamps["written"] = clock()
    stamps["peak_mb"] = vm_hwm_mb()
    print(json.dumps(stamps))


def time_boltzmann_process(n: int, folder: Path, steps: int = STEPS) -> WholeRun:
    cpu, start = children_cpu(), clock()
    done = subprocess.run([sys.executable, __file__, "--boltzmann-process", str(n), str(steps),
                           str(folder / "boltzmann.parquet")], check=True, capture_output=True, text=True,
                          cwd=folder, env=child_env())
    end = clock()
    st = json.loads(done.stdout.strip().splitlines()[-1])
    return WholeRun(total_s=end - start, startup_s=st["imported"] - start, cli_s=0.0,
                    construction_s=st["built"] - st["init_start"], stepping_s=st["stepped"] - st["built"],
                    writing_s=st["written"] - st["stepped"], exit_s=end - st["written"], peak_mb=st["peak_mb"],
                    agent_steps=n * steps, agents_at_start=n, cpu_s=children_cpu() - cpu)


@dataclass
class Whole:
    """Every fresh process of the whole-process section, in the order they ran."""

    steps: int
    cli: list[float] = field(default_factory=list)
    cli_cpu: list[float] = field(default_factory=list)
    runs: list[WholeRun] = field(default_factory=list)
    floor: list[WholeRun] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    """The 1-minute load average before each round."""


def measure_whole(repeats: int, steps: int = STEPS) -> Whole:
    """``repeats`` rounds of: the stamped driver, the bare command, Mesa's Boltzmann example with
    as many agents (the driver's mean alive per step) and steps; interleaved, so that a busy
    spell slows all three and shows as spread."""
    whole = Whole(steps)
    with tempfile.TemporaryDirectory(prefix="partnering-bench-") as tmp:
        folder = Path(tmp)
        for _ in range(repeats):
            whole.load.append(os.getloadavg()[0])
            whole.runs.append(time_driver(folder, steps))
            wall, cpu = time_cli(folder, steps)
            whole.cli.append(wall)
            whole.cli_cpu.append(cpu)
            n = round(whole.runs[-1].agent_steps / steps)
            whole.floor.append(time_boltzmann_process(n, folder, steps))
    return whole


def whole_summary(whole: Whole) -> dict:
    """Medians with spread of every part, the market's volume, the per-agent-step costs and the
    paired England/Mesa ratios (one per round)."""
    parts = ("startup_s", "cli_s", "construction_s", "stepping_s", "writing_s", "exit_s", "total_s", "cpu_s",
             "peak_mb")
    eng = {p: spread([getattr(r, p) for r in whole.runs]) for p in parts}
    mesa = {p: spread([getattr(r, p) for r in whole.floor]) for p in parts}
    first = whole.runs[0]
    same = all(r.history == first.history and r.quarters == first.quarters for r in whole.runs)
    ratios = [(c / r.agent_steps) / (f.total_s / f.agent_steps)
              for c, r, f in zip(whole.cli, whole.runs, whole.floor, strict=True)]
    cpu_ratios = [(c / r.agent_steps) / (f.cpu_s / f.agent_steps)
                  for c, r, f in zip(whole.cli_cpu, whole.runs, whole.floor, strict=True)]
    step_ratios = [(r.stepping_s / r.agent_steps) / (f.stepping_s / f.agent_steps)
                   for r, f in zip(whole.runs, whole.floor, strict=True)]
    h = first.history
    q = first.quarters
    return {
        "cli": spread(whole.cli), "cli_cpu": spread(whole.cli_cpu), "england": eng, "mesa": mesa,
        "driver_over_cli": statistics.median(r.total_s for r in whole.runs) / statistics.median(whole.cli),
        "us_per_agent_step": spread([1e6 * c / r.agent_steps for c, r in zip(whole.cli, whole.runs, strict=True)]),
        "mesa_us_per_agent_step": spread([1e6 * f.total_s / f.agent_steps for f in whole.floor]),
        "ratio_whole": spread(ratios), "ratio_stepping": spread(step_ratios),
        "ratio_cpu": spread(cpu_ratios),
        "agents": first.agents_at_start, "mean_agents": first.agent_steps / whole.steps, "same_numbers": same,
        "history": {**h, "bids_per_lot": h["bids"] / max(1, h["tenders"]),
                    "bids_per_competition": h["bids"] / max(1, h["competitions"]),
                    "eligible_per_lot": h["eligible"] / max(1, h["tenders"])},
        "per_quarter": {key: spread([x[key] for x in q]) for key in ("tenders", "let", "bids", "eligible")},
        "load": spread(whole.load),
    }


def report_whole(whole: Whole, summary: dict) -> bool:
    """Print the split, the market's volume and the targets of issue 14; True if all are met."""
    n = len(whole.cli)
    eng, mesa = summary["england"], summary["mesa"]
    print(f"What a user waits for: `partnering run england --steps {whole.steps} --out F.parquet`, {n} fresh "
          f"processes each, median [min, max]; load average {summary['load'].fmt(digits=1)}")
    print()
    rows = [("start-up (interpreter, imports)", "startup_s"), ("CLI parsing, scenario", "cli_s"),
            ("construction (initial history)", "construction_s"), (f"stepping ({whole.steps} quarters)", "stepping_s"),
            ("writing (table, Parquet, dictionary)", "writing_s"), ("interpreter exit", "exit_s"),
            ("total (stamped driver)", "total_s")]
    agents = round(summary["mean_agents"])
    header = f"{'part, seconds':<38}{'england':>22}{f'Mesa Boltzmann ({agents} agents)':>34}"
    print(header)
    print("-" * len(header))
    for label, key in rows:
        print(f"{label:<38}{eng[key].fmt():>22}{mesa[key].fmt():>34}")
    print(f"{'total, `partnering run` alone':<38}{summary['cli'].fmt():>22}{'-':>34}")
    print(f"{'CPU (user+sys), whole process':<38}{summary['cli_cpu'].fmt():>22}"
          f"{mesa['cpu_s'].fmt():>34}")
    print(f"{'peak memory (VmHWM), MB':<38}{eng['peak_mb'].fmt(digits=0):>22}{mesa['peak_mb'].fmt(digits=0):>34}")
    print(f"{'µs per agent-step, whole process':<38}{summary['us_per_agent_step'].fmt(digits=1):>22}"
          f"{summary['mesa_us_per_agent_step'].fmt(digits=1):>34}")
    print(f"(driver total / bare command total: {summary['driver_over_cli']:.3f}; agents: {summary['agents']} at the "
          f"start, {summary['mean_agents']:.0f} alive per step on average; same numbers in every run: "
          f"{'yes' if summary['same_numbers'] else 'NO'})")
    h, q = summary["history"], summary["per_quarter"]
    print()
    print(f"market, seed {SEED}: the initial history ran {h['competitions']} competitions = {h['tenders']} lots "
          f"({h['let']} let), {h['bids']} bids ({h['bids_per_competition']:.1f} per competition, "
          f"{h['bids_per_lot']:.1f} per lot; {h['eligible_per_lot']:.1f} eligible firms per lot)")
    print(f"  per quarter (median [min, max] over {whole.steps}): lots tendered {q['tenders'].fmt(digits=0)}, "
          f"contracts let {q['let'].fmt(digits=0)}, bids {q['bids'].fmt(digits=0)}, eligible {q['eligible'].fmt(digits=0)}")
    print()
    checks = whole_checks(summary, whole.steps)
    width = max(len(c[0]) for c in checks)
    print(f"{'target (issue 14)':<{width}}  {'limit':>9}  {'measured median [min, max]':>28}  {'x limit':>7}  result")
    print("-" * (width + 60))
    for name, limit, value, ratio, ok in checks:
        verdict = "-" if ok is None else "PASS" if ok else "MISS"
        print(f"{name:<{width}}  {limit:>9}  {value:>28}  {ratio:>7.2f}  {verdict}")
    return all(c[4] is not False for c in checks)


def whole_checks(summary: dict, steps: int = STEPS) -> list[tuple[str, str, str, float, bool | None]]:
    """(target, limit, measured, measured / limit, met) for each target of issue 14 (met is None
    for a figure shown for context only)."""
    total, build = summary["cli"], summary["england"]["construction_s"]
    ratio, peak = summary["ratio_whole"], summary["england"]["peak_mb"]
    return [
        (f"england, {steps} quarters, whole process", f"<= {WHOLE_SECONDS:g} s", total.fmt("s"),
         total.median / WHOLE_SECONDS, total.median <= WHOLE_SECONDS),
        ("construction", f"<= {CONSTRUCTION_SECONDS:g} s", build.fmt("s"),
         build.median / CONSTRUCTION_SECONDS, build.median <= CONSTRUCTION_SECONDS),
        ("per agent-step vs Mesa Boltzmann, whole", f"<= {WHOLE_MESA_RATIO:g}x", ratio.fmt("x"),
         ratio.median / WHOLE_MESA_RATIO, ratio.median <= WHOLE_MESA_RATIO),
        ("  (the same, CPU time; context)", "-", summary["ratio_cpu"].fmt("x"), float("nan"), None),
        ("  (the same, stepping only; context)", "-", summary["ratio_stepping"].fmt("x"),
         float("nan"), None),
        ("peak memory (VmHWM)", f"< {WHOLE_MEMORY_MB:g} MB", peak.fmt("MB", 0),
         peak.median / WHOLE_MEMORY_MB, peak.median < WHOLE_MEMORY_MB),
    ]


def as_json(value):
    """Dataclasses (Spread, WholeRun, Timing) and containers of them, as plain JSON values."""
    if isinstance(value, Spread | WholeRun | Timing | Whole):
        return as_json(asdict(value))
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, nproc {os.cpu_count()}, load {load:.1f}; Python {platform.python_version()}, "
            f"numpy {numpy.__version__}")


def measure(repeats: int, councils: tuple[int, ...]) -> Results:
    res = Results()
    runs, floor = [], []
    for _ in range(repeats):  # interleaved, so that a busy moment slows both alike
        runs.append(timed_in_fresh_process("england", 0))
        n = round(runs[-1].agent_steps / runs[-1].steps)
        floor.append(timed_in_fresh_process("boltzmann", n))
    res.england, res.boltzmann = best(runs), best(floor)
    sweeps: dict[int, list[Timing]] = {n: [] for n in councils}
    for _ in range(repeats):  # every size once per round, so that a busy spell cannot tilt the slope
        for n in councils:
            sweeps[n].append(timed_in_fresh_process("england", n))
    res.scaling = [best(sweeps[n]) for n in councils]
    res.slope = log_log_slope([r.councils for r in res.scaling], [r.step_s / r.steps for r in res.scaling])
    res.peak_mb = peak_memory_mb()
    return res


def report(res: Results) -> bool:
    eng, floor = res.england, res.boltzmann
    ratio = eng.us_per_agent_step / floor.us_per_agent_step
    header = f"{'scenario':<16}{'agents':>8}{'steps':>7}{'init s':>8}{'steps s':>9}{'wall s':>8}" \
             f"{'µs/agent-step':>15}{'x Mesa':>8}{'observe':>9}"
    print(header)
    print("-" * len(header))
    for r in [eng, floor, *res.scaling]:
        x = r.us_per_agent_step / floor.us_per_agent_step
        obs = f"{100 * r.observe_share:.1f}%" if r is not floor else "-"
        print(f"{r.label:<16}{r.agent_steps // r.steps:>8}{r.steps:>7}{r.init_s:>8.2f}{r.step_s:>9.2f}"
              f"{r.wall_s:>8.2f}{r.us_per_agent_step:>15.1f}{x:>8.2f}{obs:>9}")
    print("(agents: mean alive per step, as suppliers enter and fail; µs per agent-step and its ratio to")
    print(" Mesa's Boltzmann wealth model, run with as many agents, exclude construction)")
    print()
    checks = [
        ("england, 40 steps incl. construction", f"{eng.wall_s:.2f} s", f"<= {ENGLAND_SECONDS:g} s",
         eng.wall_s <= ENGLAND_SECONDS),
        ("cost per agent-step vs Mesa Boltzmann", f"{ratio:.2f}x", f"<= {MESA_RATIO:g}x", ratio <= MESA_RATIO),
        (f"step-time slope, {res.scaling[0].councils}-{res.scaling[-1].councils} councils (log-log)",
         f"{res.slope:.3f}", f"<= {SLOPE:g}", res.slope <= SLOPE),
        ("peak memory, england run (peak RSS)", f"{res.peak_mb:.0f} MB", f"<= {MEMORY_MB:g} MB",
         res.peak_mb <= MEMORY_MB),
        ("data collection share of step time", f"{100 * eng.observe_share:.1f}%", f"<= {100 * OBSERVE_SHARE:g}%",
         eng.observe_share <= OBSERVE_SHARE),
    ]
    width = max(len(c[0]) for c in checks)
    print(f"{'target':<{width}}  {'measured':>10}  {'limit':>10}  result")
    print("-" * (width + 32))
    for name, value, limit, ok in checks:
        print(f"{name:<{width}}  {value:>10}  {limit:>10}  {'PASS' if ok else 'FAIL'}")
    return all(c[3] for c in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="three whole processes, two in-process repeats and four population sizes")
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per figure (default 5)")
    parser.add_argument("--whole-only", action="store_true",
                        help="only the whole-process section (issue 14), not the in-process suite (issue 6)")
    parser.add_argument("--in-process-only", action="store_true",
                        help="only the in-process suite (issue 6), not the whole-process section")
    parser.add_argument("--sweep", action="store_true",
                        help="also the national sweep (benchmarks/bench_sweep.py --national): minutes")
    parser.add_argument("--steps", type=int, default=STEPS,
                        help=f"quarters of the whole-process runs (default {STEPS}; fewer only for a smoke test)")
    parser.add_argument("--json", type=Path, default=OUTPUT, help=f"where to write the figures (default {OUTPUT})")
    parser.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--timed-run", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--boltzmann-process", nargs=3, metavar=("N", "STEPS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe()
        return 0
    if args.timed_run:
        timed_run(args.timed_run[0], int(args.timed_run[1]))
        return 0
    if args.boltzmann_process:
        n, steps, out = args.boltzmann_process
        boltzmann_process(int(n), int(steps), out)
        return 0
    start = time.perf_counter()
    print(f"machine: {machine()}")
    print()
    figures: dict = {"machine": machine(), "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    ok = True
    if not args.in_process_only:
        whole = measure_whole(3 if args.quick and args.repeats == 5 else args.repeats, args.steps)
        summary = whole_summary(whole)
        ok = report_whole(whole, summary)
        figures.update(whole=whole, whole_summary=summary,
                       whole_targets=[dict(zip(("target", "limit", "measured", "x_limit", "met"), c, strict=True))
                                      for c in whole_checks(summary, whole.steps)])
    if not args.whole_only:
        print("\nIn-process suite (issue 6 targets; construction and steps timed inside one process each)\n")
        repeats = 2 if args.quick else args.repeats
        res = measure(repeats, QUICK_COUNCILS if args.quick else SCALING_COUNCILS)
        ok = report(res) and ok
        figures["in_process"] = {"england": res.england, "boltzmann": res.boltzmann, "scaling": res.scaling,
                                 "slope": res.slope, "peak_mb": res.peak_mb}
    if args.sweep:
        import bench_sweep

        print()
        figures["sweep"] = bench_sweep.national(quick=args.quick)
    figures["finished_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    figures["load_after"] = os.getloadavg()[0]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(as_json(figures), indent=1))
    print(f"\n{'all targets met' if ok else 'some targets missed'} ({time.perf_counter() - start:.0f} s); "
          f"figures in {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
