"""Lists of voids (or any candidate properties) to screen or check: every void in the
store, a list of ids, or an uploaded CSV or GeoPackage file.

A list is matched to the ``properties`` layer by ``property_id``, or, for a row with no
id, by its ``address`` (:func:`geo_era.housing.address_matching.match_addresses`): a
landlord's list as it comes. Only addresses matched with confidence go on; one held
for review is reported with the likely home and its confidence, and is used once a
person puts that home's id in the row's ``property_id`` (the SOLO's confirmation).
A bad row (an empty id and address, an id the layer lacks, a repeat, an address not
matched) is reported with its row number and does not stop the good rows: a
landlord's spreadsheet with one typo still gets its other voids screened. A file that
cannot be read at all, or has neither a ``property_id`` nor an ``address`` column, is
refused whole, with what to fix.
"""

from __future__ import annotations

import tempfile
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo_era.data.sandbox import ImportLimits, read_files
from geo_era.data.sniff import Kind, mismatch
from geo_era.errors import DataError, NotFoundError, file_label, plain, quote
from geo_era.geometry.lookup import positions
from geo_era.housing.address_matching import MATCHED, AddressIndex, match_addresses
from geo_era.workspace import PropertyTable, Snapshot

IntArray = npt.NDArray[np.int64]

#: The column a list names its properties by.
ID_COLUMN = "property_id"
#: The column a list may name its properties by instead, as postal addresses.
ADDRESS_COLUMN = "address"
#: Most rows one list may hold.
MAX_ROWS = 200_000
#: The formats a list is read from, by file name suffix.
SUFFIXES = {".csv": Kind.CSV, ".gpkg": Kind.GEOPACKAGE}
#: What an empty row reads as.
EMPTY_ROW = "property_id is empty; give the property's id (UPRN or the landlord's id)"
EMPTY_ROW_OR_ADDRESS = ("property_id and address are empty; give the property's id (UPRN "
                        "or the landlord's id) or its postal address")
#: The source of :func:`store_voids`.
STORE_SOURCE = "the voids in the store"


@dataclass(frozen=True)
class RowError:
    """One bad row: its number (1 = the first data row, or the first item of a list),
    the column, the value as written, and what is wrong and how to fix it."""

    row: int
    column: str
    value: str
    problem: str
    #: the id is not in the properties layer (a row error of its own kind, so that a
    #: restricted caller's unknown ids can read exactly as their other misses)
    unknown: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value,
                "problem": self.problem}

    def __str__(self) -> str:
        return f"row {self.row}, {self.column} {self.value!r}: {self.problem}"


@dataclass(frozen=True)
class VoidList:
    """The good rows of a list as row positions in the properties layer (in list order,
    each once), and the errors of the bad rows."""

    rows: IntArray
    errors: tuple[RowError, ...]
    source: str

    def __len__(self) -> int:
        return len(self.rows)


def store_voids(snap: Snapshot) -> VoidList:
    """Every property the store marks ``is_void``."""
    flags = snap.engine.household("is_void")
    if flags is None:
        raise DataError("the properties layer has no is_void column, so there are no voids "
                        "to list; import the stock with is_void, or give a list of voids")
    mask = pd.Series(flags, dtype="boolean").fillna(False).to_numpy(bool)
    return VoidList(np.flatnonzero(mask).astype(np.int64), (), STORE_SOURCE)


def _text(raw: object) -> str:
    return "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) \
        else str(raw).strip()


_INDEXES: weakref.WeakKeyDictionary[PropertyTable, AddressIndex] = \
    weakref.WeakKeyDictionary()


def address_index(snap: Snapshot) -> AddressIndex:
    """The :class:`AddressIndex` of the snapshot's properties layer, built on first use
    and kept as long as the layer is (a new import gives a new layer, so a new index)."""
    table = snap.properties
    index = _INDEXES.get(table)
    if index is None:
        index = AddressIndex(table.ids.tolist(), list(table.address))
        _INDEXES[table] = index
    return index


def _by_address(snap: Snapshot, ids: Sequence[object], addresses: Sequence[object]
                ) -> tuple[list[object], dict[int, RowError]]:
    """``ids`` with each empty one whose row's address was matched filled in, and the
    rows (0-based) whose address was not matched, as errors saying why."""
    wanted = [k for k, raw in enumerate(ids) if not _text(raw) and _text(addresses[k])]
    if not wanted:
        return list(ids), {}
    table = match_addresses([addresses[k] for k in wanted], address_index(snap))
    filled: list[object] = list(ids)
    errors: dict[int, RowError] = {}
    for k, found in zip(wanted, table.to_dict("records"), strict=True):
        pid = None if pd.isna(found["property_id"]) else str(found["property_id"])
        reason = str(found["reason"])
        if found["status"] == MATCHED:
            filled[k] = pid
            continue
        problem = (f"held for confirmation: likely {pid} ({found['matched_address']}, "
                   f"confidence {float(found['confidence']):.0%}): {reason}; if it is, put "
                   f"{pid} in the row's {ID_COLUMN}" if pid is not None else
                   f"not matched to a home: {reason}; check the address, or give the "
                   f"row's {ID_COLUMN}")
        errors[k] = RowError(k + 1, ADDRESS_COLUMN, plain(str(found["address"])), problem,
                             unknown=True)
    return filled, errors


def from_ids(snap: Snapshot, ids: Sequence[object], *, source: str = "the list",
             addresses: Sequence[object] | None = None) -> VoidList:
    """Match ids to the properties layer; each bad one is a :class:`RowError`. A row
    with no id is matched by its entry in ``addresses`` when given (only a confident
    match is used; see :mod:`geo_era.housing.address_matching`)."""
    if len(ids) > MAX_ROWS:
        raise DataError(f"{source} has {len(ids):,} rows; at most {MAX_ROWS:,} can be "
                        "screened at once: split it")
    table = snap.properties
    rows: list[int] = []
    errors: list[RowError] = []
    first: dict[str, int] = {}
    held: dict[int, RowError] = {}
    if addresses is not None:
        ids, held = _by_address(snap, ids, addresses)
    for number, raw in enumerate(ids, start=1):
        text = _text(raw)
        if number - 1 in held:
            errors.append(held[number - 1])
            continue
        if not text:
            errors.append(RowError(number, ID_COLUMN, "", EMPTY_ROW if addresses is None
                                   else EMPTY_ROW_OR_ADDRESS))
            continue
        if text in first:
            errors.append(RowError(number, ID_COLUMN, plain(text), f"listed again (first at row "
                                   f"{first[text]}); it is screened once"))
            continue
        first[text] = number
        try:
            rows.append(table.row(text))
        except NotFoundError:
            errors.append(RowError(number, ID_COLUMN, plain(text), (
                f"not in the properties layer ({table.size:,} rows); check the id, or "
                "import the property first"), unknown=True))
    return VoidList(np.array(rows, dtype=np.int64), tuple(errors), source)


def read_void_list(snap: Snapshot, data: bytes | Path, *, filename: str | None = None,
                   limits: ImportLimits | None = None) -> VoidList:
    """A CSV or GeoPackage list of voids with a ``property_id`` column (other columns,
    and any geometry, are ignored: the store's address point is used). ``data`` is a
    path, or the bytes of an upload named ``filename``.

    The content must be the format the name says (:mod:`geo_era.data.sniff`); a
    GeoPackage is read in a child process within ``limits`` (default: the default
    import limits), as an import is (:mod:`geo_era.data.sandbox`). Messages name the
    file by its own name and quote at most a few characters of what it holds.
    """
    name = file_label(filename or (data.name if isinstance(data, Path) else "the upload"))
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"{name}: a list of voids is read from CSV (.csv) or GeoPackage "
                        f"(.gpkg), with a '{ID_COLUMN}' column")
    if isinstance(data, Path) and not data.is_file():
        raise DataError(f"{name}: file not found; check the path")
    with _as_file(data, suffix) as path:
        problem = mismatch(path, SUFFIXES[suffix])
        if problem is not None:
            raise DataError(f"{name}: {problem}")
        frame = (_read_csv(path, name) if suffix == ".csv"
                 else _read_gpkg(path, name, limits or ImportLimits()))
    columns = {str(c).strip().lower(): c for c in frame.columns}
    if ID_COLUMN not in columns and ADDRESS_COLUMN not in columns:
        found = ", ".join(quote(c) for c in list(frame.columns)[:10]) or "none"
        more = ", ..." if len(frame.columns) > 10 else ""
        raise DataError(f"{name}: no '{ID_COLUMN}' or '{ADDRESS_COLUMN}' column (columns "
                        f"found: {found}{more}); name the column of property ids "
                        f"{ID_COLUMN}, or the column of postal addresses {ADDRESS_COLUMN}")
    if not len(frame):
        raise DataError(f"{name}: the list has no rows")
    ids = frame[columns[ID_COLUMN]].tolist() if ID_COLUMN in columns else [""] * len(frame)
    addresses = frame[columns[ADDRESS_COLUMN]].tolist() if ADDRESS_COLUMN in columns \
        else None
    return from_ids(snap, ids, source=name, addresses=addresses)


@contextmanager
def _as_file(data: bytes | Path, suffix: str) -> Iterator[Path]:
    """``data`` as a file: the path itself, or the bytes in a private temporary folder
    (named by the suffix only, nothing of the upload's name)."""
    if isinstance(data, Path):
        yield data
        return
    with tempfile.TemporaryDirectory(prefix="geo_era-voids-") as folder:
        path = Path(folder) / f"voids{suffix}"
        path.write_bytes(data)
        yield path


def _read_csv(path: Path, name: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                           nrows=MAX_ROWS + 1)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{name}: could not be read as CSV ({type(exc).__name__}); check "
                        "the file is complete and in the format its name says") from None


def _read_gpkg(path: Path, name: str, limits: ImportLimits) -> pd.DataFrame:
    raws, problems = read_files([path], limits=limits)
    if problems:
        raise DataError(f"{name}: " + "; ".join(p.message for p in problems[:3]))
    layers = [raw.layer for raw in raws]
    if not layers:
        raise DataError(f"{name}: the GeoPackage has no layers")
    if len(layers) > 1 and "voids" not in layers:
        shown = ", ".join(quote(layer) for layer in layers[:10])
        raise DataError(f"{name}: the GeoPackage has layers {shown}; name the layer of "
                        "voids 'voids'")
    frame = raws[layers.index("voids") if "voids" in layers else 0].frame
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return frame


def within_council(snap: Snapshot, voids: VoidList, council: str) -> VoidList:
    """Keep the voids that lie in ``council`` (the ``areas`` layer's council areas);
    each other one becomes a :class:`RowError` (a council's staff screen their own
    council's stock). Rows of a list keep their numbers; voids of the store are
    dropped silently, as they were never asked about."""
    from geo_era.analysis.areas import area_names_at  # noqa: PLC0415  (areas imports proximity)

    names = (area_names_at(snap.areas, snap.properties.xy[voids.rows], "council")
             if snap.areas is not None else np.full(len(voids.rows), None, dtype=object))
    inside = names == council
    if voids.errors or voids.source != STORE_SOURCE:
        numbers = _row_numbers(voids)
        errors = [RowError(int(numbers[k]), ID_COLUMN,
                           str(snap.engine.property_ids[voids.rows[k]]),
                           f"outside {council}: you may screen and check voids of your own "
                           "council only; ask that council's SOLO")
                  for k in np.flatnonzero(~inside)]
        merged = sorted([*voids.errors, *errors], key=lambda e: e.row)
        return VoidList(voids.rows[inside], tuple(merged), voids.source)
    return VoidList(voids.rows[inside], (), f"{voids.source} in {council}")


def _row_numbers(voids: VoidList) -> IntArray:
    """The list row number of each good row: every row of a list is either good or has
    exactly one error, so the good ones are the numbers the errors do not take."""
    total = len(voids.rows) + len(voids.errors)
    numbers: IntArray = np.setdiff1d(np.arange(1, total + 1, dtype=np.int64),
                                     np.array([e.row for e in voids.errors], dtype=np.int64))
    return numbers


def own_voids_mask(snap: Snapshot, stock: pd.DataFrame, organisation: str
                   ) -> npt.NDArray[np.bool_]:
    """Which properties of ``snap`` (by row) are voids of ``organisation``'s stock:
    ``stock`` (the properties layer's ``property_id``, ``landlord`` and ``is_void``)
    says ``is_void`` and names the organisation as ``landlord`` (case and spaces aside)."""
    own = np.zeros(snap.properties.size, dtype=bool)
    if not {"property_id", "landlord", "is_void"} <= set(stock.columns):
        return own
    void = pd.Series(stock["is_void"], dtype="boolean").fillna(False).to_numpy(bool)
    names = stock["landlord"].astype("string").str.strip().str.casefold()
    mine = (names == organisation.strip().casefold()).fillna(False).to_numpy(bool)
    rows = positions(stock["property_id"].astype(str), snap.properties.ids)
    keep = void & mine & (rows >= 0)
    own[rows[keep]] = True
    return own


def within_landlord(snap: Snapshot, voids: VoidList, organisation: str,
                    own: npt.NDArray[np.bool_]) -> VoidList:
    """Keep the voids of ``organisation``'s own stock (``own``, by property row, from
    :func:`own_voids_mask`): what a
    landlord's Link Officer may ask about (NASSO 3.12). Every other row of a list, an id
    the store lacks as much as another landlord's home or an occupied one, becomes the
    same :class:`RowError`, so a list can tell nothing of which ids exist or what they
    are. For every void in the store, the landlord's own voids alone."""
    if voids.source == STORE_SOURCE and not voids.errors:
        return VoidList(voids.rows[own[voids.rows]], (),
                        f"the voids of {organisation} in the store")
    mine = own[voids.rows]
    numbers = _row_numbers(voids)
    pids = snap.engine.property_ids
    misses = [(int(numbers[k]), str(pids[voids.rows[k]])) for k in np.flatnonzero(~mine)]
    misses += [(e.row, e.value) for e in voids.errors if e.unknown]
    errors = [e for e in voids.errors if not e.unknown]
    errors += [RowError(row, ID_COLUMN, value, NOT_YOUR_VOID.format(organisation))
               for row, value in misses]
    return VoidList(voids.rows[mine], tuple(sorted(errors, key=lambda e: e.row)),
                    voids.source)


#: What every id a landlord may not ask about reads as (one text for all of them).
NOT_YOUR_VOID = ("not a void of {}'s stock in geo_era: a Link Officer checks their own "
                 "organisation's voids only; check the id, or ask the SOLO")
