"""Suite-wide set-up."""

from __future__ import annotations

import os

# pytest-xdist's workers run with COLUMNS=80 in their environment; the command line's tables
# honour $COLUMNS, so a worker would print (and test) narrower tables than a serial run or a pipe.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)
