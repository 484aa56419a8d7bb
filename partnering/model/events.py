"""The event log: failures, insourcing with its reason, break clauses, tenders with no or one bid,
entries, exits and shocks, each with a plain-language line a workshop can read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from partnering.rules.units import QUARTERS_PER_YEAR

EVENT_KINDS = (
    "shock",
    "supplier_failure",
    "insourcing",
    "break_clause",
    "no_bid",
    "single_bid",
    "co_commissioning",
    "community_delivery",
    "supplier_entry",
    "supplier_exit",
)


@dataclass(frozen=True)
class Event:
    step: int
    when: str
    kind: str
    text: str
    council: str = ""
    supplier: str = ""
    service: str = ""
    reason: str = ""
    count: int = 0
    share: float = 0.0
    """For a failure: the failed firm's share of outsourced contract value just before it failed."""


def quarter_label(step: int, start_year: int) -> str:
    """'2027 Q3' for a step; step 0 is the start, step 1 the first quarter.

    >>> quarter_label(1, 2025), quarter_label(11, 2025)
    ('2025 Q1', '2027 Q3')
    """
    if step <= 0:
        return f"{start_year} start"
    return f"{start_year + (step - 1) // QUARTERS_PER_YEAR} Q{(step - 1) % QUARTERS_PER_YEAR + 1}"


@dataclass
class EventLog:
    """An append-only list of events."""

    start_year: int
    events: list[Event] = field(default_factory=list)

    def add(self, step: int, kind: str, text: str, **details: Any) -> Event:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        event = Event(step=step, when=quarter_label(step, self.start_year), kind=kind, text=text, **details)
        self.events.append(event)
        return event

    def __len__(self) -> int:
        return len(self.events)

    def of_kind(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    def to_frame(self) -> pd.DataFrame:
        columns = list(Event.__dataclass_fields__)
        return pd.DataFrame([asdict(e) for e in self.events], columns=columns)
