"""How a parameter is declared: default, bounds, unit, one-line meaning, kind and source.

The base of every scenario section lives here, apart from the sections themselves, so that
:mod:`partnering.scenarios.schema` and :mod:`partnering.scenarios.mechanisms` can both build on it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["structure", "uncertainty", "lever"]


def param(
    default: Any,
    low: float | None,
    high: float | None,
    unit: str,
    meaning: str,
    kind: Kind,
    source: str = "",
) -> Any:
    """Declare one parameter: default, inclusive bounds, unit, meaning, kind and source."""
    extra: dict[str, Any] = {"unit": unit, "kind": kind, "low": low, "high": high}
    if source:
        extra["source"] = source
    kwargs: dict[str, Any] = {"description": meaning, "json_schema_extra": extra}
    if low is not None and not isinstance(default, bool):
        kwargs["ge"] = low
    if high is not None and not isinstance(default, bool):
        kwargs["le"] = high
    return Field(default, **kwargs)


class Section(BaseModel):
    """Base for every scenario section: unknown keys, wrong types and NaN are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)
