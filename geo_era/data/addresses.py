"""Scottish postal addresses: flat position (floor and door), street and close.

Notations (case-insensitive, commas optional): Edinburgh ``3F2 12 Marchmont Road`` (floor 3,
door 2; ``GF``/``PF``/``MF`` ground, principal or main floor = 0, ``BF`` basement = -1; also
``Flat 3F2, 12 ...``, ``12 Marchmont Road, 3F2`` and ``12 (3F2) Marchmont Road``); Edinburgh
number/flat ``15/3 Some Street`` (number 15, door 3); Glasgow ``Flat 2/1, 15 Some Street``
(floor 2, flat 1; ``0/1``, ``G/L``, ``1/R``, ``B/1``, ``Flat 2-1``); ``Flat 3``/``Flat A``; and
descriptive ``Ground Floor Right``, ``2nd Floor Flat``, ``Basement Flat``, ``Main Door Flat``,
``Lower``/``Upper Flat`` (cottage flats, 0/1), ``Top Floor Flat``/``Attic Flat`` (floor from the
building's levels). The close (common stair) is number + canonical street [+ locality], e.g.
``12 Oak Road, Inverallan``. What cannot be parsed is reported, never guessed.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

__all__ = ["FACT_COLUMNS", "NOTATIONS", "ParsedAddress", "address_facts", "canonical_street",
           "close_label", "parse_address", "parse_addresses"]

NOTATIONS = ("edinburgh", "glasgow", "edinburgh_number_flat", "flat_number", "descriptive",
             "none")

EMPTY = "address is empty"
NO_NUMBER = "no street number"
NO_STREET = "no street name"
HINT = "use e.g. 3F2, 2/1, G/L or 'Ground Floor Left'"
NOT_STATED = "floor not stated in flat position '{}'"

_I = re.IGNORECASE
_EDINBURGH = re.compile(r"(\d{1,2}|[GPMB])F(\d{1,2})?", _I)
_GLASGOW = re.compile(r"(\d{1,2}|[GB])([/-])(\d{1,2}|[LRCM])", _I)
_FLAT_NUMBER = re.compile(r"\d{1,4}[A-Z]?|[A-Z]", _I)
_NUMBER = re.compile(r"\d+[A-Z]?(?:-\d+[A-Z]?)?", _I)
_NUMBER_FLAT = re.compile(r"(\d+[A-Z]?)/(\d+[A-Z]?)", _I)
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)", _I)
_POSTCODE = re.compile(r"(?:^|(?<=[\s,]))([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$", _I)
_LOOSE_LIKE = re.compile(r"\d|/|\b(?:flat|floor|apartment)\b", _I)
_TRAILING_LIKE = re.compile(r"\b(?:flat|floor|apartment)\b", _I)
_CODE_LIKE = re.compile(r"[A-Z0-9]{1,3}/[A-Z0-9]{1,3}|\d{1,2}[A-Z]\d{1,2}", _I)
_RANGE = re.compile(r"(?<=\d)\s*-\s*(?=\d)")
_SLASH = re.compile(r"\s*/\s*")
_PAREN = re.compile(r"\(([^()]*)\)")
#: the commonest forms in one pass: [Words, ][[Flat] 3F2|2/1] 12 Street[, Locality...]
_FAST = re.compile(
    r"(?:(?P<lead>[A-Z][A-Z'. ]*) ?, ?)?(?:(?P<flat>(?:flat|apartment) )?"
    r"(?P<code>(?:\d{1,2}|[GPMB])F(?:\d{1,2})?|(?:\d{1,2}|[GB])/(?:\d{1,2}|[LRCM]))(?: ?, ?| ))?"
    r"(?P<number>\d+[A-Z]?(?:-\d+[A-Z]?)?) (?P<street>[A-Z][A-Z'. -]*)"
    r"(?P<rest>(?:, ?[A-Z][A-Z'. -]*)*)", _I)

_FLAT_WORDS = frozenset({"flat", "apartment"})
_ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth")
#: floor word -> floor; None marks a top/attic flat (floor from the building's levels)
_FLOOR_WORDS: dict[str, int | None] = {
    "basement": -1, "lower ground": -1, "ground": 0, "grd": 0, "gnd": 0, "principal": 0,
    "main": 0, "main door": 0, "lower": 0, "upper": 1, "top": None, "attic": None,
    **{word: n for n, word in enumerate(_ORDINALS, start=1)}}
_LETTER_FLOORS = {"B": "-1", "G": "0", "P": "0", "M": "0"}  # basement; ground/principal/main
_DOOR_WORDS = {"left": "L", "right": "R", "middle": "C", "mid": "C", "centre": "C",
               "center": "C"}
_ABBREVIATIONS = {
    "rd": "Road", "st": "Street", "str": "Street", "ave": "Avenue", "av": "Avenue",
    "cres": "Crescent", "cresc": "Crescent", "pl": "Place", "terr": "Terrace",
    "ter": "Terrace", "tce": "Terrace", "gdns": "Gardens", "gdn": "Gardens", "dr": "Drive",
    "ct": "Court", "sq": "Square", "ln": "Lane", "gr": "Grove", "gro": "Grove", "pk": "Park",
    "cl": "Close"}
#: words that end a street name (a locality may follow them when there is no comma)
_STREET_TYPES = frozenset({
    "road", "street", "avenue", "crescent", "place", "terrace", "gardens", "drive", "court",
    "square", "lane", "grove", "park", "wynd", "brae", "loan", "loaning", "row", "close", "way",
    "view", "walk", "gate", "circus", "green", "vennel", "path", "heights", "mews", "rise", "bank",
    "neuk", "quadrant", "parade", "causeway", "pend", "steps", "quay", "hill",
}) | (frozenset(_ABBREVIATIONS) - {"st", "dr"})  # St and Dr mid-name are Saint and Doctor
_QUALIFIERS = frozenset({"north", "south", "east", "west", "upper", "lower", "mid", "middle"})
_SMALL_WORDS = frozenset({"of", "the", "on", "and", "by", "in", "upon", "at"})


class ParsedAddress(NamedTuple):
    """One address split into flat position, street number, street, locality and postcode.

    ``notation`` is one of :data:`NOTATIONS`, ``"none"`` also for a flat position that was not
    understood (``flat_position`` holds it, ``problems`` says why). ``floor``: 0 ground, -1
    basement, None when not stated; ``floor_is_top``: only the building's levels resolve it.
    Immutable; a named tuple, which is made several times faster than a frozen dataclass
    (a national import parses millions).
    """

    text: str
    flat_position: str | None
    notation: str
    floor: int | None
    floor_is_top: bool
    door: str | None
    number: str | None
    street: str | None
    locality: str | None
    postcode: str | None
    problems: tuple[str, ...]


class _Position(NamedTuple):
    token: str
    notation: str
    floor: int | None
    is_top: bool
    door: str | None
    problem: str | None
    bare: bool = False  # a lone floor word ("Upper"), not trusted where a street may follow


_NO_POSITION = _Position("", "none", None, False, None, None)
_EMPTY = ParsedAddress("", None, "none", None, False, None, None, None, None, None, (EMPTY,))


def _door(code: str) -> str:
    return str(int(code)) if code.isdigit() else "C" if code.upper() == "M" else code.upper()


@lru_cache(maxsize=1 << 12)
def _code(body: str, after_flat: bool) -> _Position | None:
    """An Edinburgh (3F2) or Glasgow (2/1) code, or None."""
    if m := _EDINBURGH.fullmatch(body):
        notation, floor, door = "edinburgh", m[1], _door(m[2]) if m[2] else None
    elif (m := _GLASGOW.fullmatch(body)) and (after_flat or m[2] == "/"):  # 2-1 only after Flat
        notation, floor, door = "glasgow", m[1], _door(m[3])
    else:
        return None
    return _Position(body, notation, int(_LETTER_FLOORS.get(floor.upper(), floor)), False, door,
                     None)


def _descriptive(text: str) -> _Position | None:
    """``[Flat] <floor> [Floor] [Flat] [<door> [Hand]] [Flat]``, e.g. 'Ground Floor Left'."""
    words = text.lower().replace(".", "").split()
    floor: int | None = None
    n, has_floor, is_top = len(words), False, False
    qualified = n > 0 and words[0] in _FLAT_WORDS
    i = int(qualified)
    pair = " ".join(words[i:i + 2])
    word = pair if pair in _FLOOR_WORDS else words[i] if i < n else ""
    ordinal = _ORDINAL.fullmatch(word)
    if word in _FLOOR_WORDS or ordinal:
        floor = int(ordinal[1]) if ordinal else _FLOOR_WORDS[word]
        has_floor, is_top = True, word in ("top", "attic")
        qualified = qualified or word == "main door"
        i += word.count(" ") + 1
        if i < n and words[i] == "floor":
            i, qualified = i + 1, True
    if i < n and words[i] in _FLAT_WORDS:
        i, qualified = i + 1, True
    door = _DOOR_WORDS.get(words[i]) if i < n else None
    if door is not None:
        i += 2 if i + 1 < n and words[i + 1] == "hand" else 1
        if i < n and words[i] in _FLAT_WORDS:
            i += 1
    if i < n or not (has_floor or door):
        return None
    problem = None if has_floor else NOT_STATED.format(text)
    return _Position(text, "descriptive", floor, is_top, door, problem,
                     bare=not qualified and door is None)


@lru_cache(maxsize=1 << 16)
def _classify(text: str, *, loose: bool) -> _Position | None:
    """The position ``text`` states; a ``"none"`` one with a problem when not understood; None for
    a house name or locality. ``loose``: before the number, any digit or slash is suspect."""
    first, _, body = text.partition(" ")
    after_flat = first.lower() in _FLAT_WORDS and bool(body)
    if not after_flat:
        body = text
    if pos := _code(body, after_flat):
        return pos
    if after_flat and _FLAT_NUMBER.fullmatch(body):
        return _Position(text, "flat_number", None, False, _door(body), NOT_STATED.format(text))
    if pos := _descriptive(text):
        return pos
    looks = (_LOOSE_LIKE.search(text) if loose
             else _TRAILING_LIKE.search(text) or _CODE_LIKE.fullmatch(text))
    if after_flat or looks:
        return _Position(body, "none", None, False, None,
                         f"flat position '{body}' not understood; {HINT}")
    return None


def _title_word(word: str, first: bool) -> str:
    low = word.lower()
    if (not first and low in _SMALL_WORDS) or _ORDINAL.fullmatch(low):
        return low
    if any(c.isdigit() for c in low):  # a postcode district (EH9) or a code: upper case
        return word.upper()
    out = []
    for k, part in enumerate(low.split("-")):
        if k and part in _SMALL_WORDS:
            out.append(part)
        elif part.startswith("mc") and len(part) > 2:
            out.append("Mc" + part[2:].capitalize())
        elif "'" in part:
            head, _, tail = part.partition("'")
            out.append(head.capitalize() + "'" + (tail.capitalize() if len(head) == 1 else tail))
        else:
            out.append(part.capitalize())
    return "-".join(out)


@lru_cache(maxsize=1 << 16)
def _title(text: str) -> str:
    words = text.replace(".", " ").replace("\u2019", "'").split()
    return " ".join(_title_word(w, i == 0) for i, w in enumerate(words))


@lru_cache(maxsize=1 << 17)
def canonical_street(street: str) -> str:
    """Title case, dots removed, a street-type abbreviation ending the name expanded (``Oak Rd.``
    -> ``Oak Road``, ``High St`` -> ``High Street``); a leading ``St`` (Saint) is kept."""
    words = street.replace(".", " ").replace("\u2019", "'").split()
    j = len(words) - 1
    while j > 0 and words[j].lower() in _QUALIFIERS:
        j -= 1
    if j > 0 and words[j].lower() in _ABBREVIATIONS:
        words[j] = _ABBREVIATIONS[words[j].lower()]
    return " ".join(_title_word(w, i == 0) for i, w in enumerate(words))


@lru_cache(maxsize=1 << 17)
def _street_words(words: tuple[str, ...]) -> tuple[_Position | None, str | None, str | None]:
    """After the street number: a position ending the words (``3F2``), the street, and a locality
    after its last street-type word (``Oak Road Inverallan``; not before ``North`` etc.)."""
    pos = None
    if len(words) >= 2 and (pos := _code(words[-1], False)):
        words = words[:-1]
    elif len(words) >= 3 and words[-2].lower() in _FLAT_WORDS:
        found = _classify(" ".join(words[-2:]), loose=False)
        if found is not None and found.notation != "none":
            pos, words = found, words[:-2]
    if not words:
        return pos, None, None
    low = [w.lower().strip(".") for w in words]
    if low[-1] not in _STREET_TYPES and low[-1] not in ("st", "dr"):
        for j in range(len(words) - 2, 0, -1):
            if low[j] in _STREET_TYPES:
                if all(w in _QUALIFIERS for w in low[j + 1:]):
                    break
                return (pos, canonical_street(" ".join(words[:j + 1])),
                        _title(" ".join(words[j + 1:])))
    return pos, canonical_street(" ".join(words)), None


@lru_cache(maxsize=1 << 16)
def _after_street(parts: tuple[str, ...]) -> tuple[tuple[_Position, ...], tuple[str, ...]]:
    """The comma parts after the street: flat positions and locality parts."""
    found = [(p, _classify(p, loose=False)) for p in filter(None, map(str.strip, parts))]
    return tuple(pos for _, pos in found if pos), tuple(_title(p) for p, pos in found if not pos)


def _split_prefix(part: str) -> tuple[_Position, str] | None:
    """A recognised position at the start of a part with no street number (``1/R Oak Road``)."""
    words = part.split(" ")
    for n in range(min(5, len(words) - 1), 0, -1):
        pos = _classify(" ".join(words[:n]), loose=True)
        if pos is not None and pos.notation != "none" and not pos.bare:
            return pos, " ".join(words[n:])
    return None


def _street_part(part: str) -> tuple[int, str, _Position | None] | None:
    """Where the street number is in a part, the number, and an Edinburgh number/flat."""
    toks = part.split(" ")
    if (m := _NUMBER_FLAT.fullmatch(toks[0])) and len(toks) > 1 and toks[1][:1].isalpha():
        return 0, m[1].upper(), _Position(toks[0], "edinburgh_number_flat", None, False,
                                          _door(m[2]), NOT_STATED.format(toks[0]))
    start = 2 if toks[0].lower() in _FLAT_WORDS else 0
    for k in range(start, len(toks) - 1):
        if toks[k + 1][:1].isalpha() and _NUMBER.fullmatch(toks[k]):
            return k, toks[k].upper(), None
    return (0, toks[0].upper(), None) if len(toks) == 1 and _NUMBER.fullmatch(toks[0]) else None


def parse_address(text: str | None) -> ParsedAddress:
    """Parse one address; what cannot be parsed is listed in ``problems``.

    Parameters
    ----------
    text
        A postal address, e.g. ``"3F2 12 Marchmont Road, Edinburgh EH9 1HY"``; None or an
        empty string gives the problem ``"address is empty"``.

    Returns
    -------
    The parsed address.
    """
    if not isinstance(text, str) or not text.strip():
        return _EMPTY
    stripped = text.strip()
    s = " ".join(stripped.replace("\u2019", "'").split())
    if " /" in s or "/ " in s:
        s = _SLASH.sub("/", s)
    if "-" in s:
        s = _RANGE.sub("-", s)
    postcode = None
    if s[-3:-2].isdigit() and s[-1:].isalpha() and (m := _POSTCODE.search(s, max(0, len(s) - 10))):
        postcode = f"{m[1]} {m[2]}".upper()
        s = s[:m.start()].rstrip(" ,")
    if m := _FAST.fullmatch(s):
        lead = _classify(m["lead"], loose=True) if m["lead"] else None
        code = _code(m["code"], bool(m["flat"])) if m["code"] else None
        pos, street, extra = _street_words(tuple(m["street"].split()))
        after, places = _after_street(tuple(m["rest"].split(",")))
        return _finish(stripped, [p for p in (lead, code, pos, *after) if p is not None],
                       [] if street else [NO_STREET], number=m["number"].upper(), street=street,
                       localities=[extra, *places] if extra else list(places), postcode=postcode)
    return _parse_general(stripped, s, postcode)


def _parse_general(stripped: str, s: str, postcode: str | None) -> ParsedAddress:
    """Every form; ``s`` is ``stripped`` normalised and without its postcode."""
    positions, s = _parenthesised(s)
    parts = _comma_parts(s)
    number = street = None
    localities: list[str] = []
    problems: list[str] = []
    found = next(((i, hit) for i, p in enumerate(parts) if (hit := _street_part(p))), None)
    if found is not None:
        i, (k, number, lead) = found
        positions += [pre for p in parts[:i] if (pre := _classify(p, loose=True))]
        toks = parts[i].split(" ")
        if lead is None and k:  # what comes before the number: "3F2 12 Oak Road"
            lead = _classify(" ".join(toks[:k]), loose=True)
        positions += [lead] if lead else []
        pos, street, extra = _street_words(tuple(toks[k + 1:]))
        positions += [pos] if pos else []
        localities += [extra] if extra else []
        after, places = _after_street(tuple(parts[i + 1:]))
        positions += after
        localities += places
    else:
        more, street, localities = _without_number(parts)
        positions += more
        problems.append(NO_NUMBER)
    if street is None:
        problems.append(NO_STREET)
    return _finish(stripped, positions, problems, number=number, street=street,
                   localities=localities, postcode=postcode)


def _parenthesised(s: str) -> tuple[list[_Position], str]:
    """The flat positions given in brackets (``"12 Oak Road (2F1)"``) and ``s`` without
    its bracketed parts."""
    positions: list[_Position] = []
    if "(" in s:
        for inner in _PAREN.findall(s):
            if inner.strip() and (pos := _classify(" ".join(inner.split()), loose=True)):
                positions.append(pos)
        s = " ".join(_PAREN.sub(" ", s).split())
    return positions, s


def _comma_parts(s: str) -> list[str]:
    """The comma-separated parts of ``s``, a lone number joined to the part after it
    (``"12, Oak Road"``)."""
    parts: list[str] = []
    for raw in s.split(","):
        part = raw.strip()
        if part and parts and _NUMBER.fullmatch(parts[-1]) and part[0].isalpha():
            parts[-1] += " " + part  # "12, Oak Road"
        elif part:
            parts.append(part)
    return parts


def _without_number(parts: list[str]) -> tuple[list[_Position], str | None, list[str]]:
    """An address with no street number: its flat positions, its street (the first
    part with a street word, else the first part that is no position) and the other
    parts as localities."""
    positions: list[_Position] = []
    others: list[str] = []
    for p in parts:
        pos = _classify(p, loose=True)
        if pos is not None and pos.notation != "none":
            positions.append(pos)
        elif split := _split_prefix(p):
            positions.append(split[0])
            others.append(split[1])
        elif pos is not None:
            positions.append(pos)
        else:
            others.append(p)
    if not others:
        return positions, None, []
    at = next((j for j, o in enumerate(others)
               if _STREET_TYPES & {w.lower().strip(".") for w in o.split()}), 0)
    return (positions, canonical_street(others[at]),
            [_title(o) for j, o in enumerate(others) if j != at])


def _finish(text: str, positions: list[_Position], problems: list[str], *, number: str | None,
            street: str | None, localities: list[str], postcode: str | None) -> ParsedAddress:
    locality = ", ".join(localities) or None
    if not positions:
        return ParsedAddress(text, None, "none", None, False, None, number, street, locality,
                             postcode, tuple(problems))
    if len(positions) == 1 and (one := positions[0]).notation != "none":
        return ParsedAddress(text, one.token, one.notation, one.floor, one.is_top, one.door,
                             number, street, locality, postcode,
                             (one.problem, *problems) if one.problem else tuple(problems))
    known = [pos for pos in positions if pos.notation != "none"]
    flat = known[0] if len(known) == 1 else _NO_POSITION
    first = [pos.problem for pos in positions
             if pos.problem and (pos.notation == "none" or pos is flat)]
    if len(known) > 1:
        first.append("more than one flat position: " + ", ".join(f"'{p.token}'" for p in known))
    token = ", ".join(pos.token for pos in known) if known else positions[0].token
    return ParsedAddress(text, token, flat.notation, flat.floor, flat.is_top, flat.door, number,
                         street, locality, postcode, (*first, *problems))


def close_label(parsed: ParsedAddress) -> str | None:
    """The close (common stair) an address is in: ``'12 Oak Road'`` or ``'12 Oak Road,
    Inverallan'`` (number + canonical street [+ locality]); None when number or street is
    missing."""
    if parsed.number is None or not parsed.street:
        return None
    label = f"{parsed.number} {parsed.street}"
    return f"{label}, {parsed.locality}" if parsed.locality else label


def parse_addresses(texts: Sequence[str | None]) -> pd.DataFrame:
    """Parse many addresses; each distinct address is parsed once.

    Parameters
    ----------
    texts
        Addresses; None or NaN counts as empty.

    Returns
    -------
    One row per input, same order, RangeIndex; columns ``flat_position``, ``notation``,
    ``floor`` (nullable ``Int64``), ``floor_is_top`` (bool), ``door``, ``number``,
    ``street``, ``locality``, ``postcode``, ``close_label`` (object, None when absent) and
    ``problems`` (``'; '``-joined, ``''`` when none).
    """
    codes, uniques = pd.factorize(np.array(list(texts), dtype=object), use_na_sentinel=True)
    collect = gc.isenabled()
    gc.disable()  # millions of new, acyclic objects: the cyclic GC would only slow this down
    try:
        parsed = [parse_address(u if isinstance(u, str) else None) for u in uniques]
    finally:
        if collect:
            gc.enable()
    parsed.append(_EMPTY)
    index = np.where(codes < 0, len(parsed) - 1, codes)

    def column(values: list[object]) -> pd.Series:
        return pd.Series(np.array(values, dtype=object)[index], dtype=object)

    return pd.DataFrame({
        "flat_position": column([p.flat_position for p in parsed]),
        "notation": column([p.notation for p in parsed]),
        "floor": pd.Series(pd.array([p.floor for p in parsed], dtype="Int64").take(index)),
        "floor_is_top": np.array([p.floor_is_top for p in parsed], dtype=bool)[index],
        **{name: column([getattr(p, name) for p in parsed])
           for name in ("door", "number", "street", "locality", "postcode")},
        "close_label": column([close_label(p) for p in parsed]),
        "problems": column(["; ".join(p.problems) for p in parsed]),
    })


#: The columns of :func:`address_facts`: what deriving floors and closes needs of an address.
FACT_COLUMNS = ("floor", "floor_is_top", "close_label", "problems")
#: Distinct addresses parsed at a time: the parsed objects of one batch are dropped before
#: the next, so memory holds the compact answer and one batch, not every address's objects.
FACT_BATCH = 100_000
#: Fewer distinct addresses than this are parsed in the process; more, in worker processes.
PARALLEL_FROM = 400_000
_TEXT = pd.StringDtype("pyarrow")


def _facts_batch(texts: Sequence[str | None]) -> _Facts:
    """:data:`FACT_COLUMNS` of ``texts`` (floor NaN where none), as compact arrays."""
    collect = gc.isenabled()
    gc.disable()  # many new, acyclic objects: the cyclic GC would only slow this down
    try:
        parsed = [parse_address(text) for text in texts]
    finally:
        if collect:
            gc.enable()
    floor = np.array([np.nan if p.floor is None else p.floor for p in parsed], dtype=float)
    top = np.array([p.floor_is_top for p in parsed], dtype=bool)
    return (floor, top, pa.array([close_label(p) for p in parsed], type=pa.large_string()),
            pa.array(["; ".join(p.problems) for p in parsed], type=pa.large_string()))


def _workers(wanted: int | None) -> int:
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    return max(1, min(available, wanted if wanted is not None else available))


class ParsingInBackground:
    """Addresses parsed into their facts (:data:`FACT_COLUMNS`) while the caller goes
    on, e.g. reading the rest of a file: in worker processes once :data:`PARALLEL_FROM`
    addresses have been given, in this process before that or with one core. The
    addresses may be given as texts (:meth:`add`) or as the fields a worker composes
    them from (:meth:`add_composed`). A context manager (its workers stop at the end,
    their pending work dropped on an error); :meth:`table` gives the facts of every
    address given, by address."""

    def __init__(self, workers: int | None = None) -> None:
        self._workers = _workers(workers)
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: list[tuple[int, _Work]] = []
        self._waiting_rows = 0
        self._answers: list[Future[_Answer] | _Answer | None] = []
        self._given: list[npt.NDArray[np.object_] | None] = []

    def __enter__(self) -> ParsingInBackground:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def add(self, texts: Sequence[str | None] | npt.NDArray[np.object_] | pd.Series) -> None:
        """Parse the distinct addresses of ``texts`` (empty ones left out)."""
        values = _values(texts)
        values = pd.unique(values[pd.notna(values)])
        for k in range(0, len(values), FACT_BATCH):
            batch = values[k:k + FACT_BATCH]
            self._given.append(batch)
            self._send((None, [str(t) for t in batch]), len(batch))

    def add_composed(self, compose: Callable[[_Fields], list[str]], fields: _Fields,
                     rows: int) -> int:
        """Parse the ``rows`` addresses ``compose(fields)`` makes (``compose`` a
        module-level function, ``fields`` what it takes, e.g. Arrow columns, both sent
        to a worker); returns the handle :meth:`texts` gives them back by."""
        self._given.append(None)
        return self._send((compose, fields), rows)

    def texts(self, handle: int) -> pa.Array:
        """The addresses composed for :meth:`add_composed`'s ``handle``, in its order."""
        composed, _, _ = self._answer(handle)
        assert composed is not None, "texts() is for addresses given by add_composed()"
        return composed

    def _send(self, work: _Work, rows: int) -> int:
        handle = len(self._answers)
        self._answers.append(None)
        if self._pool is not None:
            self._answers[handle] = self._pool.submit(_compose_and_parse, *work)
        elif self._workers == 1:
            self._answers[handle] = _compose_and_parse(*work)
        else:
            self._waiting.append((handle, work))
            self._waiting_rows += rows
            if self._waiting_rows >= PARALLEL_FROM:
                context = multiprocessing.get_context("forkserver")
                self._pool = ProcessPoolExecutor(max_workers=self._workers,
                                                 mp_context=context)
                for held, waiting in self._waiting:
                    self._answers[held] = self._pool.submit(_compose_and_parse, *waiting)
                self._waiting = []
        return handle

    def _answer(self, handle: int) -> _Answer:
        for held, work in self._waiting:  # too few for workers: parsed here
            self._answers[held] = _compose_and_parse(*work)
        self._waiting = []
        answer = self._answers[handle]
        if isinstance(answer, Future):
            answer = self._answers[handle] = answer.result()
        assert answer is not None
        return answer

    def table(self) -> pd.DataFrame:
        """The facts of every address given, indexed by the address (the first of
        repeats kept)."""
        answers = [self._answer(k) for k in range(len(self._answers))]
        addresses: list[npt.NDArray[np.object_]] = []
        for given, (composed, distinct, _) in zip(self._given, answers, strict=True):
            if given is not None:
                addresses.append(given)
                continue
            assert composed is not None
            made = np.empty(len(distinct), dtype=object)
            made[:] = composed.take(pa.array(distinct)).to_pylist()
            addresses.append(made)
        frame = _facts_frame([facts for _, _, facts in answers])
        frame.index = pd.Index(np.concatenate(addresses) if addresses else [], dtype=object,
                               name="address")
        return frame[~frame.index.duplicated(keep="first")]


_Facts = tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], pa.Array, pa.Array]
#: A worker's task: addresses to parse, or a function and the fields it composes them from.
_Work = tuple[Callable[[Any], list[str]] | None, object]
_Fields = TypeVar("_Fields")
#: A worker's answer: the addresses composed (None when given), the positions of the
#: distinct ones among them, and their facts.
_Answer = tuple[pa.Array | None, npt.NDArray[np.int64], _Facts]


def _compose_and_parse(compose: Callable[[object], list[str]] | None, data: object
                       ) -> _Answer:
    """In a worker: compose the addresses (when ``compose`` is given) and parse the
    distinct ones."""
    if compose is None:
        assert isinstance(data, list)
        return None, np.arange(len(data)), _facts_batch(data)
    texts = compose(data)
    first = np.flatnonzero(~pd.Index(texts, dtype=object).duplicated(keep="first"))
    distinct = [texts[k] for k in first]
    return pa.array(texts, type=pa.large_string()), first, _facts_batch(distinct)


def _facts_frame(answers: list[_Facts]) -> pd.DataFrame:
    """One frame of :data:`FACT_COLUMNS` from batches' answers, in their order."""
    def text(part: int) -> pd.Series:
        joined = pa.chunked_array([a[part] for a in answers], type=pa.large_string())
        return pd.Series(pd.array(joined.combine_chunks().cast(pa.string()), dtype=_TEXT))

    floor = np.concatenate([a[0] for a in answers]) if answers else np.array([])
    top = np.concatenate([a[1] for a in answers]) if answers else np.array([], dtype=bool)
    return pd.DataFrame({"floor": pd.array(floor, dtype="Float64").astype("Int64"),
                         "floor_is_top": top, "close_label": text(2), "problems": text(3)})


def facts_by_address(texts: Sequence[str | None] | npt.NDArray[np.object_] | pd.Series, *,
                     known: pd.DataFrame | None = None, workers: int | None = None
                     ) -> pd.DataFrame:
    """:func:`address_facts` of each distinct address in ``texts``, indexed by the
    address (empty ones left out): the table an importer hands on as ``known``."""
    values = _values(texts)
    uniques = pd.unique(values[pd.notna(values)])
    table = _facts_of(uniques, known, workers)
    return table.set_axis(pd.Index(uniques, dtype=object, name="address"))


def address_facts(texts: Sequence[str | None] | npt.NDArray[np.object_] | pd.Series, *,
                  known: pd.DataFrame | None = None, workers: int | None = None
                  ) -> pd.DataFrame:
    """What deriving floors and closes needs of each address (:data:`FACT_COLUMNS`),
    equal to those columns of :func:`parse_addresses` but held compactly: the floor
    (``Int64``), whether only the building's top floor says it, the close label and the
    problems as Arrow strings. For the millions of addresses of a national import:
    each distinct address is parsed once, in batches of :data:`FACT_BATCH`, in worker
    processes when there are many (:class:`ParsingInBackground`).

    Parameters
    ----------
    texts
        Addresses; None or NaN counts as empty.
    known
        Facts already found (:func:`facts_by_address`, e.g. by the importer that read the
        file): an address found there is not parsed again.
    workers
        Processes to parse with when there are at least :data:`PARALLEL_FROM` distinct
        addresses to parse; default: the cores this process may use.

    Returns
    -------
    One row per input, same order, RangeIndex.
    """
    codes, uniques = pd.factorize(_values(texts), use_na_sentinel=True)
    table = pd.concat([_facts_of(uniques, known, workers), _facts_frame([_facts_batch([None])])],
                      ignore_index=True)
    return table.take(np.where(codes < 0, len(uniques), codes)).reset_index(drop=True)


def _values(texts: Sequence[str | None] | npt.NDArray[np.object_] | pd.Series
            ) -> npt.NDArray[np.object_]:
    values: npt.NDArray[np.object_] = (
        texts.astype(object).where(texts.notna(), None).to_numpy()
        if isinstance(texts, pd.Series) else np.asarray(texts, dtype=object))
    return values


def _facts_of(uniques: npt.NDArray[np.object_], known: pd.DataFrame | None,
              workers: int | None) -> pd.DataFrame:
    """:data:`FACT_COLUMNS` of distinct addresses, in their order (RangeIndex)."""
    found = np.zeros(len(uniques), dtype=bool)
    hits = pd.DataFrame()
    if known is not None and len(known) and len(uniques):
        at = known.index.get_indexer(pd.Index(uniques, dtype=object))
        found = at >= 0
        hits = known.iloc[at[found]].reset_index(drop=True)
        if found.all():
            return hits
    with ParsingInBackground(workers) as parsing:
        parsing.add(uniques[~found])
        parsed = parsing.table().reset_index(drop=True)  # distinct: in the order given
    if not found.any():
        return parsed
    order = np.empty(len(uniques), dtype=np.int64)
    order[found] = np.arange(int(found.sum()))
    order[~found] = int(found.sum()) + np.arange(int((~found).sum()))
    return pd.concat([hits, parsed], ignore_index=True).iloc[order].reset_index(drop=True)
