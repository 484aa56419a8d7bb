"""Phase 8, observation: the data collector records every catalogued metric; per-agent and
per-contract rows only when asked for (MODEL.md section 6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel


def observe(model: PartneringModel) -> None:
    model.observation += 1
    model.datacollector.collect(model)
    if model.collect_agents:
        model.agent_rows.extend(agent_rows(model))
    if model.collect_contracts:
        model.contract_rows.extend(contract_rows(model))


def agent_rows(model: PartneringModel) -> Iterator[dict]:
    """One row per council and per provider for this step."""
    nan = float("nan")
    for c in model.councils:
        yield {"step": model.now, "agent_id": c.unique_id, "kind": "council", "name": c.name, "place": c.place,
               "commercial_capability": c.commercial_capability, "public_trust": c.public_trust,
               "intention": c.intention, "spend": c.spend_quarter + c.overhead_quarter, "cash": nan,
               "margin": nan, "contracts": sum(len(s.contracts) for s in c.slots)}
    for p in model.providers:
        yield {"step": model.now, "agent_id": p.unique_id, "kind": p.kind, "name": p.name, "place": p.place,
               "commercial_capability": nan, "public_trust": nan, "intention": "",
               "spend": nan, "cash": p.cash, "margin": p.margin, "contracts": len(p.contracts)}


def contract_rows(model: PartneringModel) -> Iterator[dict]:
    """One row per live contract for this step."""
    for c in model.contracts:
        yield {"step": model.now, "contract_id": c.id, "provider": c.provider.name, "provider_kind": c.provider.kind,
               "service": c.service.name, "councils": ";".join(x.name for x in c.councils),
               "annual_value": c.annual_value, "start": c.start, "length": c.length, "open_book": c.open_book,
               "risk_share": c.risk_share, "flex": c.flex, "monitoring": c.monitoring,
               "quality": c.last_quality, "realised_margin": c.realised_margin, "shirked": c.quarters_shirked,
               "detected": c.times_detected, "co_commissioned": c.co_commissioned, "grant": c.grant}
