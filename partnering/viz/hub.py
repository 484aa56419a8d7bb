"""The one state a workshop server's sessions share: the codes, the registry of private worlds and,
in room mode, the shared room.

Every participant's world and every chart stay inside their own browser session; only what the
facilitator must see across sessions lives here. ``partnering app`` opens the hub before the
server starts (:func:`open_hub`) and prints its codes; a page served some other way (``solara run
partnering.viz.pages``) gets a hub with fresh codes, printed on first use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from partnering.viz.access import Codes, new_codes
from partnering.viz.registry import WorldRegistry
from partnering.viz.room import Room


@dataclass
class Hub:
    """Codes, private worlds and the room (None unless the app runs with ``--room``)."""

    codes: Codes
    room: Room | None = None
    address: str = "http://127.0.0.1:8521/"
    """Where participants open the app, as the facilitator's page tells them."""
    worlds: WorldRegistry = field(default_factory=WorldRegistry)


_hub: Hub | None = None
_lock = threading.Lock()


def open_hub(codes: Codes | None = None, room: Room | None = None, address: str = "http://127.0.0.1:8521/") -> Hub:
    """Make the server's hub (replacing an earlier one, whose room clock is stopped)."""
    global _hub
    with _lock:
        if _hub is not None and _hub.room is not None:
            _hub.room.close()
        _hub = Hub(codes or new_codes(), room, address)
        return _hub


def current_hub() -> Hub:
    """The server's hub; one with fresh codes (printed) if none was opened."""
    global _hub
    with _lock:
        if _hub is None:
            _hub = Hub(new_codes())
            print(f"Partnering workshop: facilitator code {_hub.codes.facilitator} (page /facilitator)", flush=True)
        return _hub
