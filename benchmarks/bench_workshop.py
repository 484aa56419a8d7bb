"""Workshop speed: model step, snapshot, chart redraw and the page's whole Step, per population.

The workshop's budgets (issue 4): a model step under 50 ms at the default workshop population,
and Step-to-redrawn-charts under 300 ms in the browser. This script measures the server-side
parts; the browser figure is measured by tests/browser (test-output/browser_timings.json) and
printed here when present.

    .venv/bin/python benchmarks/bench_workshop.py [--steps 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

STEP_BUDGET_MS = 50.0
REDRAW_BUDGET_MS = 300.0
ROOT = Path(__file__).resolve().parents[1]


def _ms(samples: list[float]) -> tuple[float, float, float]:
    """Mean, 95th percentile and max, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return 1000 * statistics.fmean(ordered), 1000 * p95, 1000 * ordered[-1]


def bench_population(label: str, settings, steps: int) -> dict:
    """Step a workshop simulation through ``steps`` quarters, timing each part of a page Step."""
    from partnering.viz.charts import NetworkChart, TimeSeriesChart
    from partnering.viz.session import Simulation, take_snapshot

    scenario = settings.build()
    simulation = Simulation(scenario, settings.seed)
    charts = (TimeSeriesChart(), NetworkChart())
    for chart in charts:  # the first draw builds the cached background; a session pays it once
        chart.render(simulation.snapshot)
    model_s, snapshot_s, charts_s = [], [], []
    for _ in range(min(steps, scenario.run.steps)):
        start = time.perf_counter()
        simulation.model.step()
        stepped = time.perf_counter()
        snapshot = take_snapshot(simulation.model, settings.seed)
        snapped = time.perf_counter()
        for chart in charts:
            chart.render(snapshot)
        drawn = time.perf_counter()
        model_s.append(stepped - start)
        snapshot_s.append(snapped - stepped)
        charts_s.append(drawn - snapped)
    agents = scenario.population.councils * (1 + scenario.population.smes_per_place
                                             + scenario.population.groups_per_place) + scenario.population.large_suppliers
    return {"label": label, "agents": agents, "model": _ms(model_s), "snapshot": _ms(snapshot_s),
            "charts": _ms(charts_s), "total": _ms([a + b + c for a, b, c in zip(model_s, snapshot_s, charts_s, strict=True)])}


def bench_page_step(steps: int) -> tuple[float, float, float]:
    """The whole Step in the page (model, snapshot, charts, Solara render), without a browser."""
    import ipyvuetify as v
    import solara

    from partnering.viz.app import Page

    _, rc = solara.render(Page(), handle_error=False)
    button = rc.find(v.Btn, class_="pt-step").widget
    button.click()  # warm up
    samples = []
    for _ in range(steps):
        start = time.perf_counter()
        button.click()
        samples.append(time.perf_counter() - start)
    rc.close()
    return _ms(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="quarters to time per population (default 40)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from partnering.viz.controls import INTERACTIVE_CAPS, WorkshopSettings

    default = WorkshopSettings.from_scenario("transactional", args.seed)
    rows = [
        bench_population("transactional, default workshop population", default, args.steps),
        bench_population("changemaking, default workshop population",
                         WorkshopSettings.from_scenario("changemaking", args.seed), args.steps),
        bench_population("uk_2018 (40 councils)", WorkshopSettings.from_scenario("uk_2018", args.seed), args.steps),
        bench_population("transactional at the interactive caps",
                         default.with_value("population.councils", INTERACTIVE_CAPS["population.councils"])
                         .with_value("population.large_suppliers", INTERACTIVE_CAPS["population.large_suppliers"])
                         .with_value("population.smes_per_place", INTERACTIVE_CAPS["population.smes_per_place"])
                         .with_value("population.groups_per_place", INTERACTIVE_CAPS["population.groups_per_place"]),
                         args.steps),
    ]
    header = f"{'population':<46}{'agents':>7}{'model step':>20}{'snapshot':>12}{'charts':>20}{'server Step':>20}"
    print("Workshop speed, ms (mean / p95 / max over the run)")
    print(header)
    print("-" * len(header))
    for row in rows:
        model, snap, charts, total = row["model"], row["snapshot"], row["charts"], row["total"]
        print(f"{row['label']:<46}{row['agents']:>7}"
              f"{model[0]:>8.1f} /{model[1]:>5.1f} /{model[2]:>5.1f}"
              f"{snap[0]:>12.1f}"
              f"{charts[0]:>8.1f} /{charts[1]:>5.1f} /{charts[2]:>5.1f}"
              f"{total[0]:>8.1f} /{total[1]:>5.1f} /{total[2]:>5.1f}")
    page = bench_page_step(min(args.steps, 20))
    print(f"{'page Step via solara.render (default)':<46}{'':>7}{'':>20}{'':>12}{'':>20}"
          f"{page[0]:>8.1f} /{page[1]:>5.1f} /{page[2]:>5.1f}")
    step_mean = rows[0]["model"][0]
    verdict = "within" if step_mean < STEP_BUDGET_MS else "OVER"
    print(f"\nmodel step at the default workshop population: {step_mean:.1f} ms mean ({verdict} the {STEP_BUDGET_MS:.0f} ms budget)")
    timings = ROOT / "test-output" / "browser_timings.json"
    if timings.exists():
        browser = json.loads(timings.read_text())
        verdict = "within" if browser["median_ms"] < REDRAW_BUDGET_MS else "OVER"
        print(f"Step-to-redrawn-charts in Chromium (last browser test run): median {browser['median_ms']:.0f} ms, "
              f"max {browser['max_ms']:.0f} ms ({verdict} the {REDRAW_BUDGET_MS:.0f} ms budget)")
    else:
        print("Step-to-redrawn-charts in Chromium: run `pytest tests/browser` to measure it")


if __name__ == "__main__":
    main()
