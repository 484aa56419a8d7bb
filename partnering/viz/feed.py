"""A versioned view that pages wait on: the latest immutable view of some shared state, and a way
to block until a newer one is published (or a timeout passes). The room and the registry of
private worlds each publish through one; :func:`partnering.viz.live.use_follow` waits on it."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


class Feed[V: Versioned]:
    """The latest view and a condition that wakes every waiter when a newer one is published."""

    def __init__(self, first: V) -> None:
        self._changed = threading.Condition()
        self._view = first

    @property
    def view(self) -> V:
        return self._view

    def publish(self, view: V) -> None:
        """Make ``view`` the latest (its version must be higher) and wake every waiter."""
        with self._changed:
            self._view = view
            self._changed.notify_all()

    def wait_for_change(self, version: int, timeout: float) -> V:
        """The latest view, as soon as it is newer than ``version`` or after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._view.version <= version:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return self._view
