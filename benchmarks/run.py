"""The performance suite (issue 6): England in seconds, linear cost, bounded memory, cheap observation.

    make bench                                   # or: .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --quick   # fewer repeats and a shorter scaling sweep

Targets, each checked in this one run so that machine noise hits the model and its reference alike:

- ``england`` (317 councils) built and run for 40 steps in at most 10 s of wall time, one core;
- cost per agent-step at most 3x that of Mesa's Boltzmann wealth example with as many agents,
  both timed in this process, interleaved, best of ``--repeats``;
- step time linear in the number of councils: log-log slope at most 1.1 from 20 to 640 councils,
  the other populations per place as in ``england`` and large suppliers in proportion;
- peak memory of an ``england`` run at most 500 MB (peak resident memory, VmHWM, of a fresh
  subprocess, so it counts the interpreter and every library too);
- data collection (``PartneringModel.observe``) at most 10% of step time.

Every timed run is a fresh process on one core, so that no run inherits another's heap (a model
built where a bigger one was freed runs up to a fifth slower); timings are best of N because the
machine may be shared. Agent-steps count the agents alive at the start of each step (suppliers
enter and fail).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = 40
SEED = 1
ENGLAND_SECONDS = 10.0
MESA_RATIO = 3.0
SLOPE = 1.1
MEMORY_MB = 500.0
OBSERVE_SHARE = 0.10
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
    print(f"machine: {machine()}")
    print()
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
    parser.add_argument("--quick", action="store_true", help="two repeats and four population sizes")
    parser.add_argument("--repeats", type=int, default=5, help="timings are the best of this many runs")
    parser.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--timed-run", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe()
        return 0
    if args.timed_run:
        timed_run(args.timed_run[0], int(args.timed_run[1]))
        return 0
    repeats = 2 if args.quick else args.repeats
    start = time.perf_counter()
    ok = report(measure(repeats, QUICK_COUNCILS if args.quick else SCALING_COUNCILS))
    print(f"\n{'all targets met' if ok else 'some targets missed'} ({time.perf_counter() - start:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
