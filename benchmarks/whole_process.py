"""Run the `partnering` command itself with clock stamps, so a whole process splits into its parts.

    python benchmarks/whole_process.py STAMPS.json run england --steps 40 --out /tmp/x.parquet

Everything after STAMPS.json is handed to :func:`partnering.cli.main` unchanged (and the process ends as :func:`partnering.cli.console_main` ends it): same parsing,
same model, same table, same Parquet and data dictionary, so the process does what a user's
does. The stamps are CLOCK_MONOTONIC readings, a clock every process on the machine shares, so
the parent (``benchmarks/run.py``) places them between its own launch and exit readings:

    launch -> imported (interpreter and imports, up to the model class being importable)
           -> init_start (argument parsing and loading the scenario)
           -> built (``PartneringModel.__init__``, the initial history included)
           -> stepped (the quarters)
           -> written (the metrics frame, the printed table, the Parquet file and its dictionary)
           -> exit (the interpreter shutting down, read by the parent)

The model is wrapped, not changed: a subclass stamps around ``__init__`` and ``run`` and counts
the tenders each quarter from ``recent_tenders`` between steps (outside the timed step), and a
wrapper around the tender function the world is built with counts the initial history (about a
microsecond per tender). The same calls in the same order: same seed, same numbers.
"""

from __future__ import annotations

import time

T_MAIN = time.clock_gettime(time.CLOCK_MONOTONIC)  # first thing this script does

import json  # noqa: E402
import sys  # noqa: E402

from figures import vm_hwm_mb  # noqa: E402  (stdlib only: costs nothing on the stamped start-up)


def now() -> float:
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def main() -> None:
    stamps_path, argv = sys.argv[1], sys.argv[2:]
    import partnering.cli as cli
    import partnering.model.model as model_module
    import partnering.model.population as population

    stamps: dict = {"main": T_MAIN, "imported": now()}
    history = {"competitions": 0, "tenders": 0, "let": 0, "bids": 0, "eligible": 0}
    quarters: list[dict] = []
    original_tender = population.tender

    def counted_tender(model, *args, **kwargs):
        before = len(model.recent_tenders)
        awarded = original_tender(model, *args, **kwargs)
        history["competitions"] += 1
        for record in list(model.recent_tenders)[before:]:
            history["tenders"] += 1
            history["let"] += record.winner is not None
            history["bids"] += record.bids
            history["eligible"] += record.eligible
        return awarded

    class TimedModel(model_module.PartneringModel):
        """The model with clock stamps around construction and the quarters."""

        def __init__(self, *args, **kwargs):
            stamps["init_start"] = now()
            population.tender = counted_tender
            try:
                super().__init__(*args, **kwargs)
            finally:
                population.tender = original_tender
            stamps["built"] = now()
            stamps["agents_at_start"] = len(self.agents)

        def run(self, steps=None):
            n = self.config.run.steps if steps is None else steps
            stepping = 0.0
            agent_steps = 0
            for _ in range(n):
                agent_steps += len(self.agents)
                t = now()
                self.step()
                stepping += now() - t
                mine = [r for r in self.recent_tenders if r.step == self.now]
                quarters.append({"tenders": len(mine), "let": sum(r.winner is not None for r in mine),
                                 "bids": sum(r.bids for r in mine), "eligible": sum(r.eligible for r in mine)})
            stamps["stepped"] = now()
            stamps["step_only_s"] = stepping
            stamps["agent_steps"] = agent_steps
            return self

    model_module.PartneringModel = TimedModel  # the CLI imports the class when `run` is called
    code = 0
    try:
        sys.argv = ["partnering", *argv]
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    stamps["written"] = now()
    stamps.update({f"history_{key}": value for key, value in history.items()})
    stamps.update(quarters=quarters, peak_mb=vm_hwm_mb(), code=code)
    with open(stamps_path, "w") as fh:
        json.dump(stamps, fh)
    cli.leave(code, argv[:1])  # as the `partnering` command ends (partnering.cli.console_main)
    sys.exit(code)


if __name__ == "__main__":
    main()
