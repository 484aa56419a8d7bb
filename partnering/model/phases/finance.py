"""Phase 4, finance: providers pay their overheads, and any below the insolvency line fails with
all its contracts at once (Carillion, January 2018: NAO 2018, HC 1002).

A failure disrupts every service the firm delivered; councils pay the emergency premium for
stop-gap delivery (``finance.stopgap_quarters``) until they re-procure. Its subcontractors lose
what it owed them, and any whose cash then falls below its own line fails in turn: the cascade
runs down the supply chain as well as across councils.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from partnering.agents.community import CommunityGroup
from partnering.agents.supplier import SME, LargeSupplier, Provider, Supplier
from partnering.model.registry import end_subcontract

if TYPE_CHECKING:
    from partnering.model.model import PartneringModel


def settle_finances(model: PartneringModel) -> None:
    """Providers pay overheads; any below the insolvency line fail, with all their contracts.

    Only a firm in distress (cash below zero) is checked against the line: the line is minus a
    credit line that is never negative, so the cheap test rules out most firms and no others.
    """
    overhead_rate = model.config.world.overhead_rate
    providers = model.providers
    # Need is fixed within the quarter and contracts only end here, so the market's contract
    # values are read at the first failure and each failed firm's contracts struck off, rather
    # than every contract re-valued at every failure.
    values: dict[int, float] = {}
    hit: dict[Provider, None] = {}  # subcontractors of failed primes, to check again
    if model.forced_failures:
        for provider in providers:
            provider.book_quarter(overhead_rate)
        for target in model.forced_failures:
            victim = shock_target(model, target)
            if victim is not None:
                hit.update(dict.fromkeys(handle_failure(model, victim, "shock", values)))
        model.forced_failures.clear()
        for provider in model.providers:  # without the firms the shocks took
            if provider.active and provider.is_distressed() and provider.is_insolvent():
                hit.update(dict.fromkeys(handle_failure(model, provider, "insolvency", values)))
    else:
        # one pass: a firm's failure changes no other firm's overheads, and a subcontractor it
        # leaves unpaid is checked again below, so booking and checking each in turn is the same
        # as booking all, then checking
        for provider in providers:
            provider.book_quarter(overhead_rate)
            if provider.active and provider.is_distressed() and provider.is_insolvent():
                hit.update(dict.fromkeys(handle_failure(model, provider, "insolvency", values)))
    while hit:  # the cascade down supply chains
        provider = next(iter(hit))
        del hit[provider]
        if provider.active and provider.is_insolvent():
            hit.update(dict.fromkeys(handle_failure(model, provider, "unpaid by a failed prime", values)))


def shock_target(model: PartneringModel, target: str) -> Supplier | None:
    """The firm a scheduled failure hits: 'largest' by load, or 'rank:N'."""
    ranked = sorted(model.suppliers, key=lambda s: (-s.load, s.unique_id))
    if not ranked:
        return None
    rank = 1 if target == "largest" else int(target.split(":")[1])
    return ranked[rank - 1] if rank <= len(ranked) else None


def handle_failure(model: PartneringModel, provider: Provider, cause: str,
                   values: dict[int, float] | None = None) -> list[Provider]:
    """A provider fails: every contract ends at once, services are disrupted and councils pay an
    emergency premium for stop-gap delivery until they re-procure; its subcontractors lose what
    it owed them. Returns those subcontractors, for the cascade.

    ``values`` is the phase's table of live contract values (£m a year, grants aside) by id: read
    at the first failure of the phase and kept, with each failed firm's contracts struck off.
    """
    if values is None:
        values = {}
    if not values:  # not read yet this phase (an empty table reads as empty again)
        values.update({c.id: c.annual_value for c in model.contracts if not c.grant})
    contracts = list(provider.contracts)
    unpaid = [r.provider for c in contracts for r in c.subcontracts if r.outstanding > 0.0]
    was_subcontractor = bool(provider.subcontracts) or provider.lost_to_failures > 0.0
    for record in list(provider.subcontracts):  # its own part in others' contracts goes back to them
        end_subcontract(record, paid=True)
    market = sum(values.values())
    share = sum(c.annual_value for c in contracts if not c.grant) / market if market > 0 else 0.0
    councils: set[int] = set()
    stopgap_until = model.now + model.config.finance.stopgap_quarters
    for contract in contracts:
        model.contracts.end(contract, "supplier failure", model.now)
        values.pop(contract.id, None)
        for lot in contract.lots:
            slot = lot.slot
            slot.stopgap_share += lot.share
            slot.stopgap_until = stopgap_until
            slot.disrupted += lot.share * slot.weight
            councils.add(slot.council.unique_id)
    seen = set(councils)  # a failure is seen by the councils it hit and by their neighbours
    for council_id in councils:
        council = model.council_by_id[council_id]
        seen.update(model.councils[place].unique_id for place in model.neighbours[council.place])
    for council_id in seen:
        model.council_by_id[council_id].failures_quarter += 1
    provider.active = False
    n_services = sum(len(c.lots) for c in contracts)
    if provider.kind in ("large", "sme"):
        model.supplier_failures += 1
    if was_subcontractor:
        model.subcontractor_failures += 1
    model.events.add(model.now, "supplier_failure", f"{provider.name} failed; {disruption_text(n_services, len(councils))}",
                     supplier=provider.name, reason=cause, count=n_services, share=share)
    remove_provider(model, provider)
    return unpaid


def remove_provider(model: PartneringModel, provider: Provider) -> None:
    """Take a failed or departing provider out of the market and the Mesa agent set."""
    if isinstance(provider, LargeSupplier):
        model.large_suppliers.remove(provider)
    elif isinstance(provider, SME):
        model.smes_by_place[provider.place].remove(provider)
    elif isinstance(provider, CommunityGroup):
        model.groups_by_place[provider.place].remove(provider)
    model.market_index.unregister(provider)
    provider.remove()


def disruption_text(services: int, councils: int) -> str:
    """What a failure disrupted, in words.

    >>> disruption_text(0, 0), disruption_text(1, 1), disruption_text(3, 2)
    ('it held no contracts', '1 service disrupted in 1 council', '3 services disrupted in 2 councils')
    """
    if services == 0:
        return "it held no contracts"
    return f"{services} service{'s' * (services != 1)} disrupted in {councils} council{'s' * (councils != 1)}"
