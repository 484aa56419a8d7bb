"""The contract registry: every live contract, in the order contracts started, and the
bookkeeping that keeps providers, service slots and consortium partners in step with it.

A contract joins or leaves only through :meth:`ContractRegistry.start` and
:meth:`ContractRegistry.end`, so a provider's load and a slot's contracted share can never
disagree with the contracts that exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter

from partnering.rules.records import Contract, Subcontract

BY_START = attrgetter("id")
"""Sort key of contracts: the order they started in (ids are given in order)."""


class ContractRegistry:
    """Live contracts by id, and the next id to give."""

    def __init__(self) -> None:
        self._live: dict[int, Contract] = {}
        self._last_id = 0

    def next_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def __iter__(self) -> Iterator[Contract]:
        return iter(self._live.values())

    def __len__(self) -> int:
        return len(self._live)

    def in_start_order(self) -> list[Contract]:
        return sorted(self._live.values(), key=BY_START)

    def start(self, contract: Contract) -> None:
        """Register a new contract with its provider, its slots and any consortium partner."""
        contract.forget_value()
        self._live[contract.id] = contract
        contract.provider.contracts.append(contract)
        contract.provider.take_on(contract.service.market, contract.annual_value)
        for lot in contract.lots:
            lot.slot.add_contract(contract)

    def end(self, contract: Contract, reason: str, now: int) -> None:
        """End a live contract (expiry, break clause, failure, co-commissioning) and strike it
        from its provider, slots and subcontractors; ending an ended contract does nothing.

        Subcontractors are paid what they are still owed, unless the contract ends because its
        prime failed: then they lose it.
        """
        if not contract.live:
            return
        for record in list(contract.subcontracts):
            end_subcontract(record, paid=reason != "supplier failure")
        contract.live = False
        contract.forget_value()
        contract.end_step = now
        contract.end_reason = reason
        self._live.pop(contract.id, None)
        provider = contract.provider
        if contract in provider.contracts:
            provider.contracts.remove(contract)
            provider.take_on(contract.service.market, -contract.annual_value)
        for lot in contract.lots:
            lot.slot.remove_contract(contract)


def end_subcontract(record: Subcontract, paid: bool) -> None:
    """End a subcontract: the prime settles what it owes (``paid``), or the subcontractor loses
    it (its prime has failed); the work goes back to the prime while the contract runs on."""
    if not record.live:
        return
    record.live = False
    prime, sub = record.contract.provider, record.provider
    outstanding = record.outstanding
    record.owed.clear()
    prime.owed_to_others -= outstanding
    sub.owed_to_it -= outstanding
    if paid:
        prime.cash -= outstanding
        sub.cash += outstanding
        record.paid_total += outstanding
    else:
        record.lost += outstanding
        sub.lost_to_failures += outstanding
    contract = record.contract
    if record in contract.subcontracts:
        contract.subcontracts.remove(record)
        contract.supply_chain_changed()
    if record in sub.subcontracts:
        sub.subcontracts.remove(record)
    value = contract.annual_value * record.share
    line = contract.service.market
    sub.take_on(line, -value)
    if contract.live:
        prime.take_on(line, value)
