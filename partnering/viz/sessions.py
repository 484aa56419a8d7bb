"""Which browser session a page belongs to, and whether its tab is still connected.

Solara runs each browser tab in a virtual kernel with its own id. The facilitator's page shows
how many participants are connected, so a session is remembered by that id and looked up in
Solara's table of live kernels, never held by reference (which would keep a closed session's
memory alive). Outside a server (``solara.render`` in the tests) there is no kernel: the session
gets a local key and counts as connected for as long as it exists.
"""

from __future__ import annotations

import itertools

_LOCAL = itertools.count(1)
LOCAL_PREFIX = "local-"


def current_session() -> str:
    """The id of the browser session rendering now (a local key outside a server)."""
    from solara.server import kernel_context

    if kernel_context.has_current_context():
        return kernel_context.get_current_context().id
    return f"{LOCAL_PREFIX}{next(_LOCAL)}"


def connected(session: str | None) -> bool:
    """Whether a tab of ``session`` is connected now: False once it is closed or its connection
    dropped (a laptop lid shut), True for a local key."""
    if session is None:
        return False
    if session.startswith(LOCAL_PREFIX):
        return True
    from solara.server import kernel_context

    context = kernel_context.contexts.get(session)
    if context is None or context.closed_event.is_set():
        return False
    return any(status == kernel_context.PageStatus.CONNECTED for status in list(context.page_status.values()))
