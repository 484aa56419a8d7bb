"""Reliability tests: the tally of what was tried is written to test-output/ at the end."""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.reliability.reliability_support import TALLY, TALLY_FILE

RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
"""One id for the whole test run: pytest-xdist's workers share it, a serial run draws its own."""


@pytest.fixture(scope="session", autouse=True)
def reliability_tally():
    """Write what the selected reliability tests tried (inputs, faults, recoveries) as JSON.

    Under pytest-xdist each worker holds part of the tally; each adds its part to what the other
    workers of the same run wrote (under a file lock), so the file is the whole run's tally."""
    started = time.monotonic()
    yield TALLY
    if TALLY:
        TALLY_FILE.parent.mkdir(exist_ok=True)
        seconds = round(time.monotonic() - started, 1)
        with open(TALLY_FILE.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            record = merged_tally(TALLY_FILE, TALLY, seconds)
            TALLY_FILE.write_text(json.dumps(record, indent=1) + "\n")


def merged_tally(path: Path, counts: Mapping[str, float], seconds: float) -> dict:
    """``counts`` added to the tally this run already wrote at ``path`` (counts add up, the
    session's seconds are the longest worker's); a file from another run is replaced."""
    try:
        written = json.loads(path.read_text()) if path.exists() else {}
    except ValueError:
        written = {}
    total = dict(counts)
    if written.get("run") == RUN_ID:
        seconds = max(seconds, written.get("seconds", 0.0))
        for key, value in written.items():
            if key not in ("run", "seconds"):
                total[key] = total.get(key, 0) + value
    return {"run": RUN_ID, "seconds": seconds, **dict(sorted(total.items()))}
