"""Landlords' lists as they come: addresses with no property id matched to the
``properties`` layer, each with its confidence; the uncertain ones held for review.

How a row is matched (two steps):

1. **The close** (number + street [+ locality]). Both sides are normalised by geo_era's
   Scottish-address parser (:func:`geo_era.data.addresses.parse_address`: ``Rd`` ->
   ``Road``, case, spacing, the postcode and the flat position split off). Among the
   layer's closes with the same street number, the street nearest the row's is found
   with ``rapidfuzz`` (optimal-string-alignment edits between the canonical names: a
   typed letter dropped, doubled, wrong or swapped with its neighbour is one edit);
   a locality the row gives must agree too (another town's street of the same name is
   not a candidate). A number is never corrected: another number is another close.
2. **The flat** within the close is chosen exactly, from the floor and door the parser
   reads in every Scottish notation (``2F1``, ``Flat 2/1``, ``2/1``, ``2-1``,
   ``Second Floor Flat 1``, ``G/L``, ``Ground Floor Left``, ``Lower Flat``...), on both
   sides: a list's ``Flat 2/1`` finds the layer's ``2F1``.

A row's status (thresholds below, measured by ``bench/address_matching.py``):

- ``matched``: one home agrees on number, floor and door; its street differs from the
  row's by at most one edit (two for a name of :data:`LONG_NAME` characters or more),
  never in its first letter (rarely mistyped: ``Elder Park`` is not taken for ``Alder
  Park``) nor in its last word (``Oak Road`` is not ``Oak Rose``; abbreviations expanded
  first),
  every other street of that type with that number is at least :data:`ACCEPT_LEAD`
  edits further, and no street of another type is as near. Only these are used.
- ``review``: a likely home, held for the SOLO to confirm (a street only somewhat like,
  two streets nearly as like, a flat found by its floor or door alone). Never used
  until a person names its ``property_id``.
- ``unmatched``: no home can be proposed; the reason says what the row lacks.

``confidence`` is 1 - edits / the street name's length (1.0 = the same name after
normalisation). A postcode in the list is not used: the data contract's properties
layer holds none, so a missing or wrong postcode can neither help nor mislead.

Why not ``uk-address-matcher`` (splink; version 1.5.3 tried, it installs and runs
offline): its model and its candidate search lean on the postcode, which the
properties layer lacks. Given the same normalised closes of the bench's 500 rows
(seed 7) it proposed the right close for 342 with match weights of 4 to 10 (2^4 to
2^10 to 1: below a safe acceptance), and no candidate at all for 158, among them
every row with a typo in its street. Edits counted between canonical names, with the
flat read exactly, accept 100% of the same rows and no wrong one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from geo_era.data.addresses import ParsedAddress, parse_address
from geo_era.errors import DataError

__all__ = ["ACCEPT_LEAD", "COLUMNS", "MATCHED", "REVIEW", "UNMATCHED", "AddressIndex",
           "accept_edits", "match_addresses", "normalise_position"]

#: Statuses of a row.
MATCHED, REVIEW, UNMATCHED = "matched", "review", "unmatched"
#: Street names of at least this many characters may differ by 2 edits and be
#: accepted; shorter ones by 1 (:func:`accept_edits`).
LONG_NAME = 12
#: How many edits further the next street with the same number must be.
ACCEPT_LEAD = 2
#: A close is proposed (for review) only when its street differs by at most this share
#: of its characters.
PROPOSE_SHARE = 0.4
#: The lead reported when no other street has the number.
NO_RIVAL = 99
#: A locality the row gives must be at least this like the close's.
LOCALITY_SIMILARITY = 80.0
#: The longest address read (characters); a longer cell is reported, not matched.
MAX_LENGTH = 300
#: The columns of :func:`match_addresses`' table.
COLUMNS = ("row", "address", "property_id", "matched_address", "status", "confidence",
           "reason")

_FLOORS = {"basement": -1, "ground": 0, "first": 1, "second": 2, "third": 3, "fourth": 4,
           "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
           "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
           "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
           "nineteenth": 19, "twentieth": 20}
#: ``Second Floor Flat 1`` / ``2nd Floor Flat 1`` / ``Ground Floor, Flat 2``: floor and door
_FLOOR_FLAT = re.compile(
    r"\b(?P<floor>" + "|".join(_FLOORS) + r"|\d{1,2}(?:st|nd|rd|th))\s+floor\s*,?\s*"
    r"(?:flat|apartment)\s+(?P<door>\d{1,2})\b", re.IGNORECASE)


#: a postcode ending the text (not used: the layer holds none)
_POSTCODE = re.compile(r"[\s,]+[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\s*$", re.IGNORECASE)
#: a flat code after the street (``12 Oak Road 3F2``, ``12 Oak Road, Flat 2/1``)
_CODE_AFTER = re.compile(
    r"(?<=[A-Za-z.])\s*,?\s+(?P<code>(?:flat\s+)?(?:\d{1,2}|[GPMB])F\d{1,2}"
    r"|flat\s+(?:\d{1,2}|[GB])[/-](?:\d{1,2}|[LRCM])|(?:\d{1,2}|[GB])/(?:\d{1,2}|[LRCM]))"
    r"(?=[\s,]|$)", re.IGNORECASE)

_NUMBER_BEFORE = re.compile(r"\d[A-Z]? [A-Z]", re.IGNORECASE)
_FLAT_WORD_END = re.compile(r"\b(?:flat|apartment)$", re.IGNORECASE)


def normalise_position(text: str, localities: Sequence[str] = ()) -> str:
    """``text`` as :func:`parse_address` reads it best: a postcode dropped; a locality of
    ``localities`` ending it set off by a comma (``4 Bluebell Dr Inverallan``); a flat
    code after the street moved before the number (``20 Watt Heights 15F8``); a
    ``<floor> Floor Flat <n>`` position written ``Flat <floor>/<n>``."""
    text = _POSTCODE.sub("", " ".join(text.split()))
    place = ""
    low = text.lower()
    for name in localities:
        if low.endswith(name.lower()) and len(text) > len(name) \
                and text[-len(name) - 1] in " ,":
            text, place = text[:-len(name)].rstrip(" ,"), text[-len(name):]
            break
    for m in _CODE_AFTER.finditer(text):
        before = text[:m.start()]
        if _NUMBER_BEFORE.search(before) and not _FLAT_WORD_END.search(before):
            text = f"{m['code']} {before}{text[m.end():]}".strip(" ,")
            break

    def code(m: re.Match[str]) -> str:
        word = m["floor"].lower()
        floor = _FLOORS[word] if word in _FLOORS else int(word[:-2])
        return f"Flat {'B' if floor < 0 else floor}/{m['door']}"
    text = _FLOOR_FLAT.sub(code, text)
    return f"{text}, {place}" if place else text


@dataclass(frozen=True)
class _Close:
    """A close of the layer: number, street and locality (upper case) and its homes
    (row, floor, door)."""

    number: str
    street: str
    locality: str
    homes: tuple[tuple[int, int | None, str | None], ...]


def _close_key(a: ParsedAddress) -> tuple[str, str, str] | None:
    if a.number is None or a.street is None:
        return None
    return a.number, a.street.upper(), (a.locality or "").upper()


@dataclass(frozen=True)
class _Numbered:
    """The closes with one street number, with their streets, street types and
    localities as arrays (compared all at once)."""

    closes: tuple[_Close, ...]
    streets: list[str]
    types: npt.NDArray[np.object_]
    localities: npt.NDArray[np.object_]


class AddressIndex:
    """The properties layer's addresses grouped by close and the closes by street
    number, built once for a layer and reused for every list matched against it.
    Addresses with no number or street are left out (no list could name them by
    close)."""

    def __init__(self, ids: Sequence[object], addresses: Sequence[object]) -> None:
        if len(ids) != len(addresses):
            raise DataError("property ids and addresses differ in length")
        self.ids = [str(i) for i in ids]
        self.addresses = [str(a) for a in addresses]
        homes: dict[tuple[str, str, str], list[tuple[int, int | None, str | None]]] = {}
        for row, text in enumerate(self.addresses):
            a = parse_address(text)
            key = _close_key(a)
            if key is not None:
                homes.setdefault(key, []).append((row, a.floor, a.door))
        grouped: dict[str, list[_Close]] = {}
        for (number, street, locality), found in homes.items():
            grouped.setdefault(number, []).append(_Close(number, street, locality,
                                                         tuple(found)))
        self.by_number = {n: _Numbered(tuple(cs), [c.street for c in cs],
                                       np.array([_street_type(c.street) for c in cs],
                                                dtype=object),
                                       np.array([c.locality for c in cs], dtype=object))
                          for n, cs in grouped.items()}
        #: the layer's localities, longest first (set off from a list's addresses)
        self.places = sorted({c.locality.title() for cs in grouped.values() for c in cs
                              if c.locality}, key=len, reverse=True)

    @classmethod
    def of(cls, properties: pd.DataFrame) -> AddressIndex:
        """The index of a frame with ``property_id`` and ``address`` columns."""
        if not {"property_id", "address"} <= set(properties.columns):
            raise DataError("the properties layer needs property_id and address columns "
                            "to match addresses")
        return cls(properties["property_id"].tolist(), properties["address"].tolist())

    def best_close(self, key: tuple[str, str, str]) -> tuple[_Close | None, int, int]:
        """The close with the row's number whose street is nearest the row's (a
        locality the row gives must agree), its distance in edits (OSA: an insertion,
        deletion, substitution or swap of neighbours is one) and how many edits further
        the next street is: of the same type (last word) as the nearest, or -- when
        nearer -- any (:data:`NO_RIVAL` when no other street has the number)."""
        number, street, locality = key
        found = self.by_number.get(number)
        if found is None:
            return None, NO_RIVAL, 0
        keep = np.ones(len(found.closes), dtype=bool)
        if locality:
            for place in set(found.localities.tolist()) - {""}:
                if fuzz.ratio(locality, place) < LOCALITY_SIMILARITY:
                    keep &= found.localities != place
        if not keep.any():
            return None, NO_RIVAL, 0
        edits = process.cdist([street], found.streets, scorer=OSA.distance,
                              dtype=np.int32)[0].astype(np.int64)
        edits[~keep] = np.iinfo(np.int32).max
        first = int(np.argmin(edits))
        best = int(edits[first])
        others = np.ones(len(edits), dtype=bool)
        others[first] = False
        others &= keep
        same = others & (found.types == found.types[first])
        other = others & ~same
        lead = min(int(edits[same].min()) - best if same.any() else NO_RIVAL,
                   0 if other.any() and int(edits[other].min()) <= best else NO_RIVAL)
        return found.closes[first], best, lead


def _street_type(street: str) -> str:
    """The last word of a street name (``ROAD`` of ``OAK ROAD``)."""
    return street.rsplit(" ", 1)[-1]


def accept_edits(street: str) -> int:
    """Most edits a street name of the layer may differ by and be accepted: 1 for a
    name shorter than :data:`LONG_NAME` characters, 2 for a longer one."""
    return 1 if len(street) < LONG_NAME else 2


def _homes_for(a: ParsedAddress, close: _Close) -> tuple[list[int], bool, str]:
    """The homes of ``close`` the row's flat position names; whether they are named
    exactly (floor and door, or the close's only home); and why not."""
    homes = close.homes
    if a.floor is None and a.door is None and not a.floor_is_top:
        plain = [r for r, f, d in homes if f is None and d is None]
        if len(homes) == 1 or len(plain) == 1:
            return [homes[0][0] if len(homes) == 1 else plain[0]], True, ""
        return [], False, f"the close has {len(homes)} homes and the row gives no flat position"
    floor = a.floor
    if a.floor_is_top:
        floors = [f for _, f, _ in homes if f is not None]
        floor = max(floors) if floors else None
    if floor is not None and a.door is not None:
        exact = [r for r, f, d in homes if f == floor and d == a.door]
        if exact:
            return exact, len(exact) == 1, "" if len(exact) == 1 else "several homes share it"
    same = [r for r, f, d in homes if (floor is None or f == floor)
            and (a.door is None or d == a.door)]
    if floor is not None and a.door is None:
        on_floor = [r for r, f, _ in homes if f == floor]
        return on_floor, len(on_floor) == 1, "" if len(on_floor) == 1 else \
            f"{len(on_floor)} homes on that floor and the row gives no door"
    if len(same) == 1:
        return same, False, "the flat is found by its door or floor alone"
    return [], False, "no home of the close has that flat position"


def _decide(a: ParsedAddress, close: _Close, edits: int, lead: int
            ) -> tuple[int | None, str, str]:
    """(row of the home, status, reason) for a row whose nearest close is ``close``."""
    homes, exact, why = _homes_for(a, close)
    if not homes:
        return None, UNMATCHED, why
    if len(homes) > 1 or not exact:
        return homes[0], REVIEW, why
    asked, held = _street_type((a.street or "").upper()), _street_type(close.street)
    if asked != held:
        return homes[0], REVIEW, (f"the street type differs (list {asked.title()}, layer "
                                  f"{held.title()})")
    if edits and (a.street or "")[:1].upper() != close.street[:1]:
        return homes[0], REVIEW, "the street's first letter differs"
    if edits > accept_edits(close.street):
        return homes[0], REVIEW, (f"the street differs by {edits} edits (at most "
                                  f"{accept_edits(close.street)} accepted)")
    if lead < ACCEPT_LEAD:
        return homes[0], REVIEW, (f"another street with that number is nearly as near "
                                  f"({lead} edits further, at least {ACCEPT_LEAD} needed)")
    return homes[0], MATCHED, ""


def match_addresses(rows: Sequence[object], properties: pd.DataFrame | AddressIndex
                    ) -> pd.DataFrame:
    """Match a list's addresses to the properties layer.

    Parameters
    ----------
    rows
        The list's addresses in list order (None or empty for a blank cell).
    properties
        The layer's ``property_id`` and ``address`` columns, or its
        :class:`AddressIndex` (built once, reused: parsing a national layer's addresses
        takes most of a match's time).

    Returns
    -------
    One row per address, in list order, with :data:`COLUMNS`: ``row`` (1 = the first),
    the address as given, the proposed ``property_id`` and its ``matched_address``
    (None when unmatched), ``status`` (``matched`` / ``review`` / ``unmatched``),
    ``confidence`` (1 - street edits / name length; None when no close is proposed) and
    ``reason`` (why a row is not matched; empty when it is).
    """
    index = properties if isinstance(properties, AddressIndex) \
        else AddressIndex.of(properties)
    out: list[dict[str, Any]] = []
    for k, raw in enumerate(rows):
        text = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) \
            else str(raw).strip()
        found: dict[str, Any] = {"row": k + 1, "address": text, "property_id": None,
                                 "matched_address": None, "status": UNMATCHED,
                                 "confidence": None, "reason": ""}
        out.append(found)
        if len(text) > MAX_LENGTH:
            found.update(address=text[:60] + "...", reason=(
                f"the address has {len(text):,} characters (at most {MAX_LENGTH}); give "
                "the postal address alone"))
            continue
        a = parse_address(normalise_position(text, index.places))
        key = _close_key(a)
        if key is None:
            found["reason"] = "; ".join(a.problems) or "no street number or street"
            continue
        close, edits, lead = index.best_close(key)
        if close is None or edits > len(close.street) * PROPOSE_SHARE:
            found["reason"] = f"no street like {a.street!r} has a number {a.number}"
            continue
        home, status, reason = _decide(a, close, edits, lead)
        found.update(status=status, reason=reason,
                     confidence=round(1.0 - edits / max(len(close.street), 1), 3))
        if home is not None:
            found.update(property_id=index.ids[home], matched_address=index.addresses[home])
    table = pd.DataFrame(out, columns=list(COLUMNS), dtype=object)
    return table.astype({"row": np.int64}).where(table.notna(), None)
