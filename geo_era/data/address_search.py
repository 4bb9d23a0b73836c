"""Finding a property by what someone types: an address in any Scottish flat notation, a
part of one (type-ahead), or a property id.

The query is read with the addresses' own parser (:func:`geo_era.data.addresses.
parse_address`), so ``2F1 12 Oak Road`` (Edinburgh: second floor, door 1), ``Flat 2/1, 12
Oak Road`` (Glasgow), ``12/3 Oak Road`` (Edinburgh number/flat: number 12, door 3) and
``G/1`` all mean a floor and a door, whichever notation the layer wrote the address in:
``2F1 12 Oak Road`` finds ``Flat 2/1, 12 Oak Road``. Matching is case-insensitive; the
street typed may be the start of a word of the street's name (``12 Oak R``), as it is
while someone is still typing.

:class:`AddressIndex` parses every address once (the properties layer of one snapshot);
a search then looks at the distinct streets (hundreds, not the dwellings) and filters the
dwellings of the streets that match with arrays: no scan of every address per keystroke.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo_era.data.addresses import parse_address, parse_addresses

__all__ = ["AddressIndex", "AddressMatch", "AddressQuery", "read_query"]

#: Longest query read (characters): an address is shorter.
MAX_QUERY = 200
_NUMBER = re.compile(r"\d+[a-z]?", re.IGNORECASE)


@dataclass(frozen=True)
class AddressQuery:
    """What a query asks for; None where it says nothing. ``street`` and ``locality``
    are lower case; ``door`` as the parser writes it (``"1"``, ``"L"``)."""

    text: str
    number: str | None
    street: str | None
    locality: str | None
    floor: int | None
    door: str | None


def read_query(text: str) -> AddressQuery:
    """Read a typed query: the flat position, street number, street and locality.

    ``"2f1 12 oak road"`` -> floor 2, door ``"1"``, number ``"12"``, street ``"oak
    road"``; ``"Flat 2/1"`` -> floor 2, door ``"1"``; ``"12/3 Oak Road"`` -> number
    ``"12"``, door ``"3"`` (floor not stated); ``"oak"`` -> street ``"oak"``.
    """
    clean = " ".join(text.split())[:MAX_QUERY]
    parsed = parse_address(clean)
    street = parsed.street.lower() if parsed.street else None
    number = parsed.number
    if number is None and street is not None and _NUMBER.fullmatch(street):
        number, street = street.upper(), None  # "2F1 12": the number, still typing
    floor, door = parsed.floor, parsed.door
    if parsed.notation == "none" and parsed.flat_position:
        floor = door = None  # a position not understood narrows nothing
    return AddressQuery(clean, number, street,
                        parsed.locality.lower() if parsed.locality else None, floor, door)


@dataclass(frozen=True)
class AddressMatch:
    """One property found: its id and address as the layer holds them."""

    property_id: str
    address: str


def _starts_a_word(needle: str, haystack: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` at the start of a word."""
    return needle == haystack[:len(needle)] or f" {needle}" in haystack


class AddressIndex:
    """The properties of one snapshot, parsed once for searching.

    Parameters
    ----------
    ids, addresses
        Each property's id and postal address, in the same order.
    """

    def __init__(self, ids: Sequence[str], addresses: Sequence[str]) -> None:
        self.ids: npt.NDArray[np.object_] = np.asarray(ids, dtype=object)
        self.addresses: npt.NDArray[np.object_] = np.asarray(addresses, dtype=object)
        parsed = parse_addresses(list(self.addresses))
        self._number = parsed["number"].fillna("").str.upper().to_numpy(dtype=object)
        self._floor = parsed["floor"].fillna(-99).to_numpy(dtype=np.int64)
        self._door = parsed["door"].fillna("").str.upper().to_numpy(dtype=object)
        locality = parsed["locality"].fillna("").str.lower()
        self._locality = locality.to_numpy(dtype=object)
        street = parsed["street"].fillna("").str.lower()
        codes, streets = pd.factorize(street)
        self._streets: list[str] = [str(s) for s in streets]
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(streets) + 1))
        #: the rows of each street, by the street's code, in layer order
        self._rows_of = [order[bounds[k]:bounds[k + 1]] for k in range(len(streets))]
        #: the natural sort key of every row: street, number, floor, door
        self._sort = np.lexsort((self._door.astype(str), self._floor,
                                 _number_key(self._number), codes))
        self._rank = np.empty(len(self.ids), dtype=np.int64)
        self._rank[self._sort] = np.arange(len(self.ids))
        lowered = [str(i).lower() for i in self.ids]
        self._id_order = sorted(range(len(lowered)), key=lowered.__getitem__)
        self._ids_sorted = [lowered[i] for i in self._id_order]

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, text: str, *, limit: int = 10) -> tuple[list[AddressMatch], int]:
        """The properties ``text`` names, best first, at most ``limit``; and how many
        there are in all. A property id (whole, or its start when it has no space) comes
        first; then the addresses whose street, number, floor, door and locality agree
        with what the query states, in street and number order."""
        query = read_query(text)
        if not query.text:
            return [], 0
        by_id = self._by_id(query.text)
        rows = self._by_address(query)
        if by_id.size:
            rows = np.concatenate([by_id, rows[~np.isin(rows, by_id)]])
        chosen = rows[:limit]
        return ([AddressMatch(str(self.ids[r]), str(self.addresses[r])) for r in chosen],
                int(rows.size))

    def _by_id(self, text: str) -> npt.NDArray[np.int64]:
        """Rows whose property id is ``text`` or, for a query of at least 3 characters
        without a space, starts with it (exact first)."""
        key = text.lower()
        if " " in key:
            return np.empty(0, dtype=np.int64)
        start = bisect.bisect_left(self._ids_sorted, key)
        found: list[int] = []
        for k in range(start, len(self._ids_sorted)):
            if not self._ids_sorted[k].startswith(key) or (len(key) < 3 and found) \
                    or len(found) >= 50:
                break
            if len(key) >= 3 or self._ids_sorted[k] == key:
                found.append(self._id_order[k])
        return np.asarray(found, dtype=np.int64)

    def _by_address(self, query: AddressQuery) -> npt.NDArray[np.int64]:
        """Rows whose address agrees with every part the query states, in address
        order; none when the query states neither a street, nor a number, nor a
        position."""
        if query.street is None and query.number is None and query.door is None \
                and query.floor is None:
            return np.empty(0, dtype=np.int64)
        if query.street is not None:
            street = query.street
            parts = [self._rows_of[k] for k, name in enumerate(self._streets)
                     if _starts_a_word(street, name)]
            rows = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        else:
            rows = np.arange(len(self.ids), dtype=np.int64)
        keep = np.ones(rows.size, dtype=bool)
        if query.number is not None:
            keep &= self._number[rows] == query.number.upper()
        if query.floor is not None:
            keep &= self._floor[rows] == query.floor
        if query.door is not None:
            keep &= self._door[rows] == query.door.upper()
        rows = rows[keep]
        if query.locality is not None:
            place = query.locality
            rows = rows[[_starts_a_word(place, str(self._locality[r])) for r in rows]]
        ordered: npt.NDArray[np.int64] = rows[np.argsort(self._rank[rows], kind="stable")]
        return ordered


def _number_key(numbers: npt.NDArray[np.object_]) -> npt.NDArray[np.int64]:
    """Street numbers in numeric order (``"9"`` before ``"12"``; ``"12A"`` as 12)."""
    digits = pd.Series(numbers, dtype=object).str.extract(r"^(\d+)", expand=False)
    keys: npt.NDArray[np.int64] = np.asarray(
        pd.to_numeric(digits, errors="coerce").fillna(-1), dtype=np.int64)
    return keys
