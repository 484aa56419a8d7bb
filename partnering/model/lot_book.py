"""The live contracts' fixed rows as arrays, kept from one quarter to the next.

Delivery reads every live contract and every lot each quarter. Most of what it reads (a
contract's lots, their places and local knowledge, its terms) does not change while the
contract's supply chain stays the same, and only about 2% of contracts start or end in a quarter. So those readings are
built once per contract (:func:`fixed_rows`, kept on ``Contract.fixed_rows`` until a subcontract
joins or leaves) and held in one :class:`LotBook` (``model.lot_book``): a quarter's book is the
last one's rows taken in the new order, plus rows for the contracts that are new or changed.
It is bookkeeping: the numbers are those of reading every contract afresh (tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from operator import attrgetter, is_
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from partnering.agents.council import Council
    from partnering.rules.records import Contract, ServiceSlot

LOT_FIXED = ("share", "place", "base_volume", "localness", "local_knowledge", "value")
"""The columns of :attr:`LotBook.lot_columns`, one row per lot."""
TERMS_FIXED = ("measurability", "subcontracted", "has_break", "unit_price", "target_unit_cost", "flex",
               "risk_share", "penalty_rate", "length", "open_book", "grant", "expiry")
"""The columns of :attr:`LotBook.terms`, one row per contract: delivery's fixed terms and the quarter it expires."""

_FIXED_TERMS = attrgetter("unit_price", "target_unit_cost", "flex", "risk_share", "penalty_rate", "length",
                          "open_book", "grant")
_FIXED_ROWS, _ID = attrgetter("fixed_rows"), attrgetter("id")


@dataclass(frozen=True, slots=True)
class FixedRows:
    """What delivery reads of a contract that does not change while its supply chain stays the
    same: its lots' slots and councils, their static columns (the place among them) and the
    contract's own static columns."""

    slots: tuple[ServiceSlot, ...]
    councils: tuple[Council, ...]
    council_ids: tuple[int, ...]
    lot_columns: tuple[tuple[float, ...], ...]
    """Each lot's columns ``LOT_FIXED``."""
    terms: tuple
    """The contract's columns ``TERMS_FIXED``."""
    standing_key: tuple[int, str, int]
    """The provider's id, the service and the lead council's region: what its standing depends on."""


def fixed_rows(contract: Contract, region_of: list[int]) -> FixedRows:
    """Build a contract's :class:`FixedRows` (localness counts local subcontractors' knowledge
    of their share of the work)."""
    provider = contract.provider
    subs = contract.subcontracts
    local_knowledge = contract.service.local_knowledge
    slots, councils, columns = [], [], []
    for lot in contract.lots:
        slot = lot.slot
        council = slot.council
        place = council.place
        localness = own = provider.localness(place)
        for sub in subs:  # local subcontractors bring their knowledge to their share of the work
            localness += sub.share * max(0.0, sub.provider.localness(place) - own)
        slots.append(slot)
        councils.append(council)
        columns.append((lot.share, place, lot.base_volume, localness, local_knowledge, slot.value))
    return FixedRows(tuple(slots), tuple(councils), tuple(c.unique_id for c in councils), tuple(columns),
                     (contract.service.measurability, contract.subcontracted_share,
                      contract.break_interval > 0, *_FIXED_TERMS(contract), contract.start + contract.length),
                     (provider.unique_id, contract.service.name, region_of[councils[0].place]))


@dataclass(frozen=True, slots=True)
class LotBook:
    """The fixed rows of a list of live contracts (in the order they started), as arrays."""

    contracts: list[Contract]
    ids: np.ndarray
    """Each contract's id (ascending, when the contracts are in the order they started)."""
    fixed: list[FixedRows]
    """Each contract's rows, as they were when the book was built (``Contract.fixed_rows``)."""
    terms: np.ndarray
    """One row per contract, the columns ``TERMS_FIXED``."""
    counts: np.ndarray
    """Lots per contract."""
    first_lot: np.ndarray
    lot_columns: np.ndarray
    """One row per lot, the columns ``LOT_FIXED``."""
    lot_slots: tuple[ServiceSlot, ...]
    lot_councils: tuple[Council, ...]
    lot_council_ids: np.ndarray
    provider_ids: np.ndarray
    """Each contract's provider's id."""

    @classmethod
    def of(cls, contracts: list[Contract], region_of: list[int], last: LotBook | None) -> LotBook:
        """The book for ``contracts``: ``last``'s rows where a contract's fixed rows are the same
        object as when ``last`` was built, new rows otherwise."""
        if last is not None and contracts == last.contracts and all(
                map(is_, map(_FIXED_ROWS, contracts), last.fixed)):
            return last
        n = len(contracts)
        ids = np.fromiter(map(_ID, contracts), dtype=np.intp, count=n)
        fixed = list(map(_FIXED_ROWS, contracts))
        index = np.full(n, -1, dtype=np.intp)
        n_old = 0
        if last is not None and len(last.ids):  # a contract's last row, found by its id
            old, n_old = last.fixed, len(last.ids)
            at = np.minimum(np.searchsorted(last.ids, ids), n_old - 1)
            found = last.ids[at] == ids
            index[found] = at[found]
            # kept only where its fixed rows are those the last book read
            same = [row >= 0 and rows is old[row] for row, rows in zip(index.tolist(), fixed, strict=True)]
            stale = [i for i, ok in enumerate(same) if not ok]
        else:
            stale = list(range(n))
        new = []
        for i in stale:
            rows = fixed[i] = contracts[i].fixed_rows = fixed_rows(contracts[i], region_of)
            new.append(rows)
        index[stale] = n_old + np.arange(len(stale))
        n_new = len(new)
        new_counts = np.fromiter((len(f.slots) for f in new), dtype=np.intp, count=n_new)
        n_new_lots = int(new_counts.sum())
        new_terms = float_table((f.terms for f in new), n_new, len(TERMS_FIXED))
        new_lots = float_table(chain.from_iterable(f.lot_columns for f in new), n_new_lots, len(LOT_FIXED))
        all_counts, all_terms, all_lots = new_counts, new_terms, new_lots
        all_first = np.cumsum(new_counts) - new_counts
        if last is not None:
            all_counts = np.concatenate((last.counts, new_counts))
            all_first = np.concatenate((last.first_lot, len(last.lot_columns) + all_first))
            all_terms = np.concatenate((last.terms, new_terms))
            all_lots = np.concatenate((last.lot_columns, new_lots))
        counts = all_counts[index]
        first = np.cumsum(counts) - counts
        lot_index = np.repeat(all_first[index] - first, counts) + np.arange(int(counts.sum()))
        slots = tuple(chain.from_iterable(f.slots for f in fixed))
        councils = tuple(chain.from_iterable(f.councils for f in fixed))
        return cls(contracts, ids, fixed, all_terms[index], counts, first, all_lots[lot_index], slots, councils,
                   np.fromiter(chain.from_iterable(f.council_ids for f in fixed), dtype=np.intp, count=len(slots)),
                   np.fromiter((f.standing_key[0] for f in fixed), dtype=np.intp, count=n))

    @property
    def lot_contract(self) -> np.ndarray:
        """Each lot's contract (row number)."""
        return np.repeat(np.arange(len(self.contracts)), self.counts)


def float_table(rows, n: int, width: int) -> np.ndarray:
    """``n`` rows of ``width`` floats as an array, read through one flat iterator (much quicker
    than ``np.array`` on a list of tuples, and the same numbers)."""
    return np.fromiter(chain.from_iterable(rows), dtype=float, count=n * width).reshape(n, width)


def first_appearance(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct values of ``ids`` in order of first appearance: each element's row,
    and the position of each row's first element."""
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse], first[order]
