"""Plausible, made-up names for places, firms and groups, so that event feeds read naturally."""

from __future__ import annotations

import numpy as np

_STEMS = ("Ash", "Bram", "Cal", "Dun", "Elm", "Fen", "Gold", "Hart", "Ivy", "Kings", "Lang", "Mar",
          "Nor", "Oak", "Pen", "Quarry", "Red", "Stan", "Thorn", "Up", "Wal", "Wey", "Whit", "Wood",
          "Brook", "Clay", "Hol", "Mill", "Rye", "Stone")
_SUFFIXES = ("ford", "bury", "ton", "field", "ham", "wick", "ley", "mouth", "borough", "stead", "worth", "by")
_FIRM_STEMS = ("Northgate", "Meridian", "Crestline", "Albion", "Keystone", "Summit", "Harbour", "Beacon",
               "Oakridge", "Sterling", "Pinnacle", "Vanguard", "Lumen", "Sovereign", "Apex", "Castlegate")
_FIRM_SUFFIXES = ("Services", "Group", "Solutions", "Partnerships", "Support", "Outsourcing")
_TRADES = ("Care", "Facilities", "Grounds", "Repairs", "Support", "Community Services", "Works")


def place_names(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct place names; numbered when the combinations run out."""
    combos = [s + x for s in _STEMS for x in _SUFFIXES]
    order = rng.permutation(len(combos))
    out = [combos[i] for i in order[: min(n, len(combos))]]
    for i in range(len(out), n):
        out.append(f"{combos[order[i % len(combos)]]} {i // len(combos) + 1}")
    return out


def firm_name(rng: np.random.Generator) -> str:
    return f"{_FIRM_STEMS[rng.integers(len(_FIRM_STEMS))]} {_FIRM_SUFFIXES[rng.integers(len(_FIRM_SUFFIXES))]}"


def sme_name(place: str, rng: np.random.Generator) -> str:
    return f"{place} {_TRADES[rng.integers(len(_TRADES))]} Ltd"


def group_name(place: str, index: int) -> str:
    kinds = ("Community Trust", "Residents' Network", "Volunteer Hub", "Neighbourhood Forum")
    return f"{place} {kinds[index % len(kinds)]}"


def distinct(name: str, used: dict[str, int]) -> str:
    """``name`` the first time it is given, then ``name (2)``, ``name (3)``...: two firms or groups
    never share a name in the event feed, even after one has left the market.

    >>> used = {}
    >>> distinct("Ashford Care Ltd", used), distinct("Ashford Care Ltd", used)
    ('Ashford Care Ltd', 'Ashford Care Ltd (2)')
    """
    count = used[name] = used.get(name, 0) + 1
    return name if count == 1 else f"{name} ({count})"
