"""Real UK figures shipped with the package (``data/uk_anchors.toml``), read as plain data."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def uk_anchors() -> dict[str, Any]:
    """Every anchor table, with its source, as parsed from the shipped TOML file."""
    text = resources.files("partnering.scenarios").joinpath("data/uk_anchors.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def survey_2018() -> dict[str, float]:
    """Councils intending to outsource more / the same / less (NLGN Leadership Index, 2018)."""
    survey = uk_anchors()["survey"]["outsourcing_intention_2018"]
    return {answer: float(survey[answer]) for answer in ("more", "same", "less")}
