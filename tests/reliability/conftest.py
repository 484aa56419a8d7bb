"""Reliability tests: the tally of what was tried is written to test-output/ at the end."""

from __future__ import annotations

import json
import time

import pytest

from tests.reliability.reliability_support import TALLY, TALLY_FILE


@pytest.fixture(scope="session", autouse=True)
def reliability_tally():
    """Write what the selected reliability tests tried (inputs, faults, recoveries) as JSON."""
    started = time.monotonic()
    yield TALLY
    if TALLY:
        TALLY_FILE.parent.mkdir(exist_ok=True)
        record = {"seconds": round(time.monotonic() - started, 1), **dict(sorted(TALLY.items()))}
        TALLY_FILE.write_text(json.dumps(record, indent=1) + "\n")
