"""Read a sweep folder back: the manifest, the runs table and (filtered) metrics and events.

Reading goes through ``pyarrow.dataset`` with column projection and row filters, so an
analysis at one horizon reads only that step's rows, however large the sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as pads

from partnering.experiments.dictionary import dotted_names
from partnering.experiments.store import read_manifest, read_table
from partnering.scenarios import ScenarioError


class SweepResults:
    """The results of one sweep folder, in the design's arm order."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.manifest: dict[str, Any] = read_manifest(self.root)

    def __repr__(self) -> str:
        return f"SweepResults({str(self.root)!r}: {len(self.arms)} arms, {len(self.runs)} runs recorded)"

    @property
    def name(self) -> str:
        return self.manifest.get("name") or self.root.name

    @property
    def arms(self) -> list[str]:
        """Arm labels in design order (the first is the default baseline)."""
        return [p["arm"] for p in self.manifest["points"]]

    @property
    def steps(self) -> int:
        return int(self.manifest["steps"])

    @property
    def expected_runs(self) -> int:
        return len(self.manifest["points"]) * len(self.manifest["seeds"])

    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per recorded run, sorted by arm (design order) and replication.

        Parameters come back under their dotted names (``population.councils``), as ``--set``,
        spec files and the rest of the Python API name them; on disk they are ``section_field``.
        """
        table = read_table(self.root / "runs")
        if table is None:
            return pd.DataFrame(columns=["run_id", "point", "arm", "replication", "seed", "status", "error"])
        frame = table.to_pandas().rename(columns=dotted_names())
        return frame.sort_values(["point", "replication"], ignore_index=True)

    @property
    def metric_names(self) -> list[str]:
        """The metric columns of this sweep's metrics table."""
        files = sorted((self.root / "metrics").glob("part-*.parquet"))
        if not files:
            return []
        names = pads.dataset(str(files[0]), format="parquet").schema.names
        return [n for n in names if n not in ("run_id", "arm", "replication", "step")]

    def metrics(self, columns: Sequence[str] | None = None, steps: Sequence[int] | None = None,
                arms: Sequence[str] | None = None) -> pd.DataFrame:
        """The metrics table (successful runs only), optionally only some metrics, steps and arms."""
        keys = ["run_id", "arm", "replication", "step"]
        wanted = None if columns is None else keys + [c for c in columns if c not in keys]
        if wanted is not None:
            unknown = [c for c in wanted if c not in keys and c not in self.metric_names]
            if unknown and self.metric_names:
                raise ScenarioError(f"metrics: unknown metric {unknown[0]!r}; allowed: {', '.join(self.metric_names)}")
        condition = None
        if steps is not None:
            condition = pads.field("step").isin([int(s) for s in steps])
        if arms is not None:
            arm_filter = pads.field("arm").isin(list(arms))
            condition = arm_filter if condition is None else condition & arm_filter
        table = read_table(self.root / "metrics", columns=wanted, filter=condition)
        if table is None:
            return pd.DataFrame(columns=wanted or keys)
        frame = table.to_pandas()
        order = {arm: i for i, arm in enumerate(self.arms)}
        frame["_order"] = frame["arm"].map(order)
        return frame.sort_values(["_order", "replication", "step"], ignore_index=True).drop(columns="_order")

    def events(self, arms: Sequence[str] | None = None) -> pd.DataFrame:
        """The event logs of the successful runs."""
        condition = None if arms is None else pads.field("arm").isin(list(arms))
        table = read_table(self.root / "events", filter=condition)
        return pd.DataFrame() if table is None else table.to_pandas()

    def failures(self) -> pd.DataFrame:
        """The failed runs with their error text."""
        runs = self.runs
        return runs[runs["status"] != "ok"].reset_index(drop=True)


def load_results(root: str | Path) -> SweepResults:
    """Open a sweep folder written by :func:`partnering.experiments.run_sweep`."""
    return SweepResults(root)
