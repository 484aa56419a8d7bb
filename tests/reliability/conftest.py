"""Reliability tests: the tally of what was tried is written to test-output/ at the end."""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid

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
            record = merged_tally(TALLY_FILE, seconds)
            TALLY_FILE.write_text(json.dumps(record, indent=1) + "\n")


def merged_tally(path, seconds: float) -> dict:
    """This worker's tally added to the one already written by this run (counts add up, the
    session's seconds are the longest worker's)."""
    counts = dict(TALLY)
    written = {}
    if path.exists():
        try:
            written = json.loads(path.read_text())
        except ValueError:
            written = {}
    if written.get("run") == RUN_ID:
        seconds = max(seconds, written.get("seconds", 0.0))
        for key, value in written.items():
            if key not in ("run", "seconds"):
                counts[key] = counts.get(key, 0) + value
    return {"run": RUN_ID, "seconds": seconds, **dict(sorted(counts.items()))}
