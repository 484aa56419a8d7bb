"""Who may do what in a workshop: the room code a participant types to take a council, and the
facilitator code that opens the facilitator's page.

Both are printed when the server starts. They keep a stray tab on the same network (the server
listens on loopback unless told otherwise) from taking a council or driving the clock; they are
not a login. Codes use letters and digits that cannot be misread when read aloud or projected
(no 0/O, no 1/I/L).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Characters of a code: capitals and digits without 0, O, 1, I and L."""
ROOM_CODE_LENGTH = 5
"""A room code is short enough to read off a projected slide: 31^5, some 29 million codes."""
FACILITATOR_CODE_LENGTH = 8
CODE_LENGTHS = (4, 32)
"""Lengths allowed for a code the facilitator chooses (``--room-code``, ``--facilitator-code``)."""
MAX_ATTEMPTS = 5
"""Wrong codes a browser session may try before its form stops accepting them (reload for more),
with a pause after each, so guessing by hand or by script is slow."""
WRONG_CODE_PAUSE_S = 0.5


@dataclass(frozen=True)
class Codes:
    """The room code (participants) and the facilitator code."""

    room: str
    facilitator: str


def normalise(code: str) -> str:
    """What a person typed, as a code: capitals, without spaces or dashes ('ab-c d3' -> 'ABCD3')."""
    return "".join(str(code).split()).replace("-", "").upper()


def new_code(length: int) -> str:
    """A random code from :data:`ALPHABET` (the ``secrets`` module, not the model's generator)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_codes() -> Codes:
    """Fresh room and facilitator codes, never equal to each other."""
    room = new_code(ROOM_CODE_LENGTH)
    facilitator = new_code(FACILITATOR_CODE_LENGTH)
    return Codes(room, facilitator)


def chosen_code(value: str, option: str) -> str:
    """A code the facilitator chose on the command line, normalised; ValueError (one line, naming
    the option and what is allowed) when it is too short, too long or has other characters."""
    code = normalise(value)
    low, high = CODE_LENGTHS
    bad = sorted({c for c in code if c not in ALPHABET})
    if not low <= len(code) <= high or bad:
        why = f"characters {''.join(bad)!r} not allowed" if bad else f"{len(code)} characters"
        raise ValueError(f"{option} {value!r}: {why}; allowed: {low} to {high} of {ALPHABET}")
    return code


def matches(typed: str, code: str) -> bool:
    """Whether what was typed is the code (compared in constant time)."""
    return hmac.compare_digest(normalise(typed).encode(), code.encode())
