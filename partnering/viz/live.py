"""Hooks for pages that follow what other sessions change: the room's clock, a participant's
choices, the worlds the facilitator watches.

Solara's reactive state belongs to one browser session, so a change made in one session (the
facilitator advancing the clock) cannot simply be set in another. Each page that follows shared
state runs one worker thread of its own (``solara.lab.use_task``) that waits on the shared
object's change notification and sets the page's own reactive copy; the page then redraws in its
own session. The thread ends when the session closes. A ``key`` picks what the page shows, so a
change that does not concern it (another participant's choice) costs it nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import solara
import solara.lab

POLL_S = 1.0
"""Longest wait before a follower checks whether its session has closed."""


class Followable(Protocol):
    """Shared state with a versioned view and a way to wait for a newer one."""

    @property
    def view(self) -> Any: ...

    def wait_for_change(self, version: int, timeout: float) -> Any: ...


def use_closed() -> threading.Event:
    """An event set when this session's page goes away (the effect's cleanup runs on close)."""
    closed = solara.use_memo(threading.Event, [])
    solara.use_effect(lambda: closed.set, [])
    return closed


def use_follow(source: Followable, key: Callable[[Any], object] = lambda view: view.version,
               settle_s: float = 0.0) -> solara.Reactive:
    """This session's copy of ``source.view``, replaced whenever ``key`` of a newer view differs.

    With ``settle_s`` a burst of changes (twenty participants joining) is drawn once: after a
    change the follower waits that long and takes the newest view.
    """
    latest = solara.use_reactive(source.view)
    closed = use_closed()

    def follow() -> None:
        version = latest.peek().version
        while not closed.is_set() and task.is_current():
            view = source.wait_for_change(version, POLL_S)
            if closed.is_set() or not task.is_current():
                return
            if view.version == version:
                continue
            if settle_s > 0 and closed.wait(settle_s):
                return
            view = source.view
            version = view.version
            # compared with what the page shows now, which the page may have set itself
            if key(view) != key(latest.peek()):
                latest.set(view)

    task = solara.lab.use_task(follow, dependencies=[source], prefer_threaded=True)
    return latest


def use_poll[V](read: Callable[[], V], interval_s: float = 2.0) -> V:
    """``read()`` now, read again every ``interval_s`` seconds; the page redraws when it changes.

    For what changes without notice, such as whether a participant's tab is still connected.
    """
    value = solara.use_reactive(solara.use_memo(read, []))
    closed = use_closed()

    def poll() -> None:
        while not closed.wait(interval_s) and task.is_current():
            fresh = read()
            if fresh != value.peek():
                value.set(fresh)

    task = solara.lab.use_task(poll, dependencies=[], prefer_threaded=True)
    return value.value
