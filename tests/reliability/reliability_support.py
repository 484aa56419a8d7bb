"""Helpers shared by the reliability tests: a tally of what was tried, invariant checks, fault
injectors and the console script.

The fault injectors are frozen dataclasses at module level, so a spawn worker process can
unpickle them: workers inherit ``sys.path``, which holds this folder while pytest runs.
"""

from __future__ import annotations

import errno
import math
import os
import signal
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from partnering.experiments.runner import simulate
from partnering.model.model import PartneringModel
from partnering.scenarios import Scenario

SCRIPT = Path(sys.executable).with_name("partnering")
ROOT = Path(__file__).resolve().parents[2]
TALLY_FILE = ROOT / "test-output" / "reliability-tally.json"

TALLY: Counter[str] = Counter()
"""What the suite tried, by kind (hypothesis inputs, faults injected, runs recovered...).

The folder's conftest writes it to ``test-output/reliability-tally.json`` at the end of the
session; docs/reliability.md quotes those numbers."""


def tally(key: str, n: int = 1) -> None:
    TALLY[key] += n


# ----------------------------------------------------------------------------- invariants
TRUST_COLUMNS = ("trust_council_supplier", "trust_supplier_council", "public_trust", "trust_density")
MODE_COLUMNS = ("share_in_house", "share_outsourced", "share_co_commissioned", "share_community")
INTENTION_COLUMNS = ("intend_more", "intend_same", "intend_less")
UNIT_COLUMNS = (*TRUST_COLUMNS, *MODE_COLUMNS, *INTENTION_COLUMNS, "service_quality", "unmet_need", "sme_share",
                "vcse_share", "single_bid_share", "distressed_share", "top5_share")


def check_agents(model: PartneringModel) -> None:
    """Invariants of the live agents after a step: councils' spend is the spend booked on their
    services (two sides of one ledger), trust in [0, 1], finite books. (Money between councils
    and providers is checked from both sides in tests/model/test_properties.py.)"""
    spend = sum(council.spend_quarter for council in model.councils)
    on_services = sum(slot.spend for council in model.councils for slot in council.slots)
    assert math.isclose(spend, on_services, rel_tol=1e-9, abs_tol=1e-9), \
        ("councils' spend differs from the spend booked on their services", spend, on_services)
    for council in model.councils:
        assert all(0.0 <= t <= 1.0 for t in council.trust.values()), (council.name, council.trust)
        assert math.isfinite(council.budget_index) and council.budget_index >= 0.0, council.budget_index
    for provider in model.providers:
        assert all(0.0 <= t <= 1.0 for t in provider.trust_in_council.values()), provider.trust_in_council
        assert math.isfinite(provider.cash), (provider.name, provider.cash)


def check_frame(frame: pd.DataFrame, steps: int) -> None:
    """Invariants of the metrics table: one row per step, every value finite, shares in [0, 1],
    delivery modes and intentions each summing to one."""
    assert len(frame) == steps + 1
    numbers = frame.select_dtypes("number")
    assert list(numbers.columns) == list(frame.columns), "a metric is not numeric"
    finite = numbers.map(math.isfinite).all()
    assert finite.all(), f"NaN or infinite values in {list(finite[~finite].index)}"
    for column in UNIT_COLUMNS:
        assert frame[column].between(0.0, 1.0).all(), (column, frame[column].tolist())
    for group in (MODE_COLUMNS, INTENTION_COLUMNS):
        total = frame[list(group)].sum(axis=1)
        assert ((total - 1.0).abs() <= 1e-9).all(), (group, total.tolist())
    assert frame["hhi"].between(0.0, 10_000.0 * (1 + 1e-12)).all()
    for column in ("total_spend", "overhead", "disruption", "active_suppliers", "supplier_failures"):
        assert (frame[column] >= 0.0).all(), (column, frame[column].tolist())


def run_checked(scenario: Scenario, seed: int, steps: int) -> pd.DataFrame:
    """Run a model, checking the agent invariants after construction and after every step, and
    the metric invariants of every step at the end; returns the metrics table."""
    model = PartneringModel(scenario, rng=seed)
    check_agents(model)
    for _ in range(steps):
        model.step()
        check_agents(model)
    frame = model.metrics_frame()
    check_frame(frame, steps)
    tally("model steps checked", steps + 1)
    return frame


# ----------------------------------------------------------------------------- faults
def first_time(marker: str) -> bool:
    """True exactly once per marker file, across processes (O_EXCL creation is atomic)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    return True


@dataclass(frozen=True)
class KillWorkerOnce:
    """Runs the model, except that the worker process running ``(arm, seed)`` kills itself with
    SIGKILL the first time (the marker file remembers), as the kernel's OOM killer would."""

    arm: str
    seed: int
    marker: str

    def __call__(self, scenario: Scenario, seed: int, steps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        if scenario.name == self.arm and seed == self.seed and first_time(self.marker):
            os.kill(os.getpid(), signal.SIGKILL)
        return simulate(scenario, seed, steps)


@dataclass(frozen=True)
class RaiseOnce:
    """Runs the model, except that ``(arm, seed)`` raises the first time (a transient fault)."""

    arm: str
    seed: int
    marker: str

    def __call__(self, scenario: Scenario, seed: int, steps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        if scenario.name == self.arm and seed == self.seed and first_time(self.marker):
            raise MemoryError(f"injected transient failure for {self.arm} seed {seed}")
        return simulate(scenario, seed, steps)


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
