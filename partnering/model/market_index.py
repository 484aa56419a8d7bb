"""Who could bid where: providers indexed by (service line, place), so that a tender considers
only the firms active in its line that reach its place, and its cost grows with them, never
with all the firms in the world."""

from __future__ import annotations

from collections.abc import Iterable

from partnering.agents.supplier import Supplier


class MarketIndex:
    """Providers by (line, place), each list in the order providers joined."""

    def __init__(self) -> None:
        self._by_market: dict[tuple[str, int], dict[Supplier, None]] = {}
        self._reach: dict[Supplier, list[tuple[str, int]]] = {}

    def register(self, provider: Supplier, places: Iterable[int]) -> None:
        """``provider`` can bid in each of its lines in each of ``places``."""
        keys = [(line, place) for place in sorted(set(places)) for line in provider.lines]
        self._reach[provider] = keys
        for key in keys:
            self._by_market.setdefault(key, {})[provider] = None

    def unregister(self, provider: Supplier) -> None:
        for key in self._reach.pop(provider, ()):
            self._by_market[key].pop(provider, None)

    def candidates(self, line: str, places: Iterable[int]) -> list[Supplier]:
        """Every provider active in ``line`` that reaches any of ``places``, each once, in order."""
        places = list(places)
        if len(places) == 1:
            return list(self._by_market.get((line, places[0]), ()))
        seen: dict[Supplier, None] = {}
        for place in places:
            seen.update(self._by_market.get((line, place), {}))
        return list(seen)

    def reach(self, provider: Supplier) -> list[tuple[str, int]]:
        return list(self._reach.get(provider, ()))
