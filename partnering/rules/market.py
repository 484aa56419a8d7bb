"""Market entry and exit: SMEs enter places where recent tenders paid, and leave when idle.

Constants are the declared ``market`` parameters (:class:`partnering.scenarios.mechanisms.Market`);
the base rates are ``world.sme_entry_rate`` and ``world.large_entry_rate``.
"""

from __future__ import annotations

from partnering.scenarios.mechanisms import Market


def profit_signal(place_margin: float, p: Market) -> float:
    """How strongly a place's recent margins invite entry: 1 at ``p.profitable_margin``,
    none at a loss, at most ``p.signal_cap``.

    >>> profit_signal(0.05, Market()), profit_signal(-0.1, Market()), profit_signal(0.5, Market())
    (1.0, 0.0, 2.0)
    """
    signal = place_margin / p.profitable_margin
    signal = signal if signal >= 0.0 else 0.0
    return signal if signal <= p.signal_cap else p.signal_cap


def crowding(smes_here: int, smes_per_place: int, p: Market) -> float:
    """Room left for another SME in a place, in [0, 1]: entry stops once the place holds
    ``p.crowding_factor`` times its starting number plus ``p.crowding_extra``.

    >>> crowding(0, 4, Market()), crowding(15, 4, Market()), crowding(0, 0, Market(crowding_extra=0.0))
    (1.0, 0.0, 0.0)
    """
    room = p.crowding_factor * smes_per_place + p.crowding_extra
    if room <= 0.0:  # a place that holds no SMEs at the start and none beyond
        return 0.0
    return max(0.0, 1.0 - smes_here / room)


def sme_entry_probability(entry_rate: float, signal: float, place_based: float, room: float, p: Market) -> float:
    """Chance that an SME starts trading in a place this quarter: more where tenders paid, where
    the council's lots suit small firms, and where the place is not yet crowded.

    >>> sme_entry_probability(0.05, 1.0, 0.5, 1.0, Market())
    0.05
    """
    return entry_rate * signal * (p.entry_base + place_based) * room


def sme_leaves(holds_contracts: bool, quarters_idle: int, cash: float, p: Market) -> bool:
    """An SME leaves when it has held no contract for ``p.sme_exit_idle_quarters`` and is in debt.

    >>> sme_leaves(False, 12, -0.1, Market()), sme_leaves(False, 12, 0.1, Market())
    (True, False)
    """
    return not holds_contracts and quarters_idle >= p.sme_exit_idle_quarters and cash < 0.0


def line_weights(values: dict[str, float], affinity: dict[str, float], base: float) -> dict[str, float]:
    """Weights with which a kind of provider chooses its service lines: a line's value times
    ``base`` plus the kind's affinity for it (scale economies for large firms, local knowledge
    for SMEs; for groups, community suitability with no base).

    >>> line_weights({"care": 23.0, "it": 4.0}, {"care": 0.2, "it": 0.8}, 0.5)
    {'care': 16.099999999999998, 'it': 5.2}
    """
    return {line: value * (base + affinity[line]) for line, value in values.items()}


def pick_line(weights: dict[str, float], uniform: float) -> str:
    """The line a ``uniform`` draw picks, each with probability in proportion to its weight.

    >>> pick_line({"a": 1.0, "b": 3.0}, 0.2), pick_line({"a": 1.0, "b": 3.0}, 0.3)
    ('a', 'b')
    """
    total = sum(weights.values())
    if total <= 0.0:
        return next(iter(weights))
    running = 0.0
    for line, weight in weights.items():
        running += weight / total
        if uniform < running:
            return line
    return line
