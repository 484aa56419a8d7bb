"""Unit conversions shared by the rules (the only literals a mechanism may use freely), and the
scalar clip the rules and the model share."""

QUARTERS_PER_YEAR = 4
"""One step is a quarter."""

DECIMALS = 12
"""Decimals rules round to, so that float dust (a need equal to a fixed volume up to its last
bit, weights that should sum to one) never tips a comparison: a numerical guard."""


def clip(value: float, low: float, high: float) -> float:
    """``float(np.clip(value, low, high))`` for one number, to the bit (NaN and signed zeros
    included), without numpy's overhead on a scalar."""
    if value != value:
        return value
    value = value if value >= low else low
    return value if value <= high else high
