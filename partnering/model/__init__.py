"""The model: PartneringModel and the mechanisms it orchestrates.

Mechanism modules (one home each): ``procurement`` and ``tendering`` (bids, scores, awards),
``delivery`` (effort, quality, volume, payment), ``trust``, ``finance``, ``make_or_buy``,
``contracts`` (records), ``events``, ``metrics``, ``network``.
"""

from typing import Any

__all__ = ["PartneringModel"]


def __getattr__(name: str) -> Any:
    # Imported lazily: the agents use the rule modules of this package, and the model uses the
    # agents, so importing the model eagerly here would make the package import itself.
    if name == "PartneringModel":
        from partnering.model.model import PartneringModel

        return PartneringModel
    raise AttributeError(name)
