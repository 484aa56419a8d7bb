"""The facilitator's list of every participant's private world (the app without ``--room``).

Each browser session that opens the workshop registers its world here, keeps it current as the
participant steps and resets, and drops it when the tab closes (or when Solara releases a session
whose connection was lost). The registry holds only immutable things, the applied
:class:`~partnering.viz.controls.WorkshopSettings` and the latest
:class:`~partnering.viz.session.Snapshot`, never a live model, so the facilitator's page reads it
without taking any participant's lock. It is the one piece of state the server's sessions share.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, replace

from partnering.viz.controls import WorkshopSettings
from partnering.viz.feed import Feed
from partnering.viz.session import Snapshot

NAME_LENGTH = 40


@dataclass(frozen=True)
class World:
    """One participant's world as the facilitator sees it."""

    session: str
    number: int
    name: str
    settings: WorkshopSettings
    snapshot: Snapshot


@dataclass(frozen=True)
class WorldsView:
    """The registered worlds at one moment, in the order they were opened."""

    version: int
    worlds: tuple[World, ...]


def clean_name(name: str) -> str:
    """A participant's name on one line, at most :data:`NAME_LENGTH` characters."""
    return " ".join(str(name).split())[:NAME_LENGTH]


class WorldRegistry:
    """Thread-safe registry of live worlds, keyed by browser session, with change notification."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._worlds: dict[str, World] = {}
        self._numbers = itertools.count(1)
        self._feed = Feed(WorldsView(0, ()))

    def register(self, session: str, settings: WorkshopSettings, snapshot: Snapshot) -> World:
        """Add a session's world (numbered in order of arrival: 'World 1', 'World 2'...)."""
        with self._lock:
            existing = self._worlds.get(session)
            if existing is not None:
                return existing
            number = next(self._numbers)
            world = World(session, number, f"World {number}", settings, snapshot)
            self._worlds[session] = world
            self._publish()
            return world

    def update(self, session: str, *, settings: WorkshopSettings | None = None, snapshot: Snapshot | None = None,
               name: str | None = None) -> None:
        """Replace what changed in a session's world (nothing happens for a dropped session)."""
        with self._lock:
            world = self._worlds.get(session)
            if world is None:
                return
            changes: dict = {}
            if settings is not None and settings != world.settings:
                changes["settings"] = settings
            if snapshot is not None and snapshot is not world.snapshot:
                changes["snapshot"] = snapshot
            if name is not None and clean_name(name) and clean_name(name) != world.name:
                changes["name"] = clean_name(name)
            if changes:
                self._worlds[session] = replace(world, **changes)
                self._publish()

    def drop(self, session: str) -> None:
        """Forget a session's world (its tab closed). Idempotent."""
        with self._lock:
            if self._worlds.pop(session, None) is not None:
                self._publish()

    def _publish(self) -> None:
        self._feed.publish(WorldsView(self._feed.view.version + 1, tuple(self._worlds.values())))

    @property
    def view(self) -> WorldsView:
        """The registered worlds now (a new object after every change)."""
        return self._feed.view

    def wait_for_change(self, version: int, timeout: float) -> WorldsView:
        """The latest view, as soon as it is newer than ``version`` or after ``timeout`` seconds."""
        return self._feed.wait_for_change(version, timeout)

    def __len__(self) -> int:
        return len(self._worlds)
