"""Shared fixtures: one small design, run once serially as the reference every backend must match.

Runs are kept tiny (four councils, a few quarters) so the whole folder stays fast; the tests
assert structure, invariants and equality between backends, never the model's outputs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from experiments_support import small_design

from partnering.experiments import Design, process_pool, run_sweep


@pytest.fixture(scope="session")
def design() -> Design:
    return small_design()


@pytest.fixture(scope="session")
def reference(design: Design, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The design run serially, uninterrupted: the numbers every other path must reproduce."""
    out = tmp_path_factory.mktemp("reference") / "sweep"
    run_sweep(design, out, workers=1)
    return out


@pytest.fixture(scope="session")
def pool() -> Iterator:
    """One local spawn pool of two workers shared by the tests that need real processes."""
    with process_pool(2) as executor:
        yield executor
