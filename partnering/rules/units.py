"""Unit conversions shared by the rules (the only literals a mechanism may use freely)."""

QUARTERS_PER_YEAR = 4
"""One step is a quarter."""

DECIMALS = 12
"""Decimals rules round to, so that float dust (a need equal to a fixed volume up to its last
bit, weights that should sum to one) never tips a comparison: a numerical guard."""
