"""OS AddressBase Plus and AddressBase Premium (CSV) as the contract's ``properties`` layer.

Schemas read (the products' published CSV layouts):

- **AddressBase Plus** (Ordnance Survey, technical specification v2.x, 77 fields; the same
  field list flattens the BLPU in ``@wmfs/addressbase-premium-blueprint`` 1.192.1,
  ``state-machines/extract-addressbase-premium-properties-to-csv.json``, npm). A file
  comes with the header row (``UPRN,UDPRN,CHANGE_TYPE,...``) or, as OS supplies it,
  without: then the fields are read by position in :data:`PLUS_FIELDS`' order.
- **AddressBase Premium** (technical specification v2.x, record-type CSV, no header: the
  first field is the record identifier): 15 street descriptor, 21 BLPU, 23 application
  cross reference (``7666MT`` = the OS MasterMap Topography TOID), 24 LPI, 28 delivery
  point address (DPA), 32 classification (scheme ``AddressBase Premium Classification
  Scheme``); 10 header, 11 street, 29 metadata, 30 successor, 31 organisation and 99
  trailer are read past. Layouts in :data:`PREMIUM_FIELDS`, from the OS technical
  specification's pages (docs.os.uk, "AddressBase Premium technical specification",
  feature types "BLPU - (Type 21 Record)", "LPI - (Type 24 Record)"...: read in part,
  as excerpts), the BLPU's checked against OS's own ``CREATE TABLE`` script for the
  product and the others against the GML names of the blueprint above.
- **One Scotland Gazetteer**: its exports follow the Scottish Data Transfer Format
  (SDTF v4, January 2020), published only to registered members of the Knowledge Hub's
  "One Scotland Gazetteer Custodians" group (roadworks.scot, "Gazetteer Standards and
  Conventions"); it was not reachable, so no SDTF layout is read here. The OSG's
  addresses reach geo_era through AddressBase, which GeoPlace compiles from the OSG for
  Scotland.
- **Classification**: AddressBase Premium Classification Scheme (the blueprint's
  ``seed-data/addressbase-classifications.json``): ``RD02`` detached, ``RD03``
  semi-detached, ``RD04`` terraced, ``RD06`` self-contained flat, ``RH02`` HMO bedsit,
  ``RH03`` HMO not further divided, ``RH01`` HMO parent (structure, not a dwelling)...

What each property gets (:func:`read_addressbase`):

- ``property_id``: the UPRN;
- ``address``: in Scottish form from the delivery point (or, with no postal address, the
  LPI's secondary and primary addressable objects and street): sub-building name (which
  carries ``2F1`` or ``Flat 2/1``), building name, number and thoroughfare, dependent
  locality, post town and postcode, e.g. ``2F1, 97 Whinfield Grove, Inverallan, IV99
  1AB``; all-capitals Royal Mail words are put in title case, flat positions kept as
  given. geo_era then derives floor and close from it (:mod:`geo_era.data.dwellings`);
- geometry: ``X_COORDINATE``/``Y_COORDINATE`` (EPSG:27700, metres);
- ``building_id``: the ``OS_TOPO_TOID`` when the stored buildings layer holds it (a
  MasterMap import names buildings by TOID); otherwise left to geo_era's derivation (the
  footprint the address point lies in);
- ``property_type`` from ``CLASS``: RD02/RD03/RD04 as detached/semi-detached/terraced,
  RH02/RH03 ``shared``; an RD06 flat by the flats sharing its ``PARENT_UPRN`` (their
  building): multi-storey from 6 storeys (the highest floor in their addresses), a
  cottage flat when at most 2 storeys and 4 flats each with its own door, a tenement flat
  otherwise (the rules of :func:`geo_era.data.dwellings.flat_types`); a flat with no
  parent and the other dwellings (caravan, house boat, sheltered, unclassified ``R``,
  ``RD``, dual use ``X``) are typed by geo_era from their building footprint.

Records that are not dwellings (every class but ``R``, ``RD*``, ``RH02``, ``RH03``, ``X``;
e.g. ``RG02`` garages, ``RI01`` care homes, ``CR`` shops) and BLPUs no longer existing or
only planned (``STATE`` 4 or 6) are dropped and counted by class. Files are read in chunks
of :data:`CHUNK_ROWS` records, keeping only the fields above, so a national file (2.6
million addresses) is read in bounded memory.

Bad input (a UPRN that is not a number, coordinates that are not numbers or outside Great
Britain, a missing class, a repeated UPRN, a change-only update) refuses the import, each
problem named with the file, the record (1-based; for a file with a header row the first
record after it), the product's field and its position, and what to do.
"""

from __future__ import annotations

import codecs
import io
import re
import string
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import shapely
from pyarrow import compute
from pyarrow import csv as pa_csv

from geo_era.contract.schema import BNG
from geo_era.data.addresses import ParsingInBackground
from geo_era.data.dwellings import flat_types
from geo_era.errors import DataError, ImportRefusedError, Problem, file_label, quote
from geo_era.geometry.lookup import codes, positions

Product = Literal["plus", "premium"]

#: AddressBase Plus's 77 fields in their published order (the header row, when present).
PLUS_FIELDS: tuple[str, ...] = (
    "UPRN", "UDPRN", "CHANGE_TYPE", "STATE", "STATE_DATE", "CLASS", "PARENT_UPRN",
    "X_COORDINATE", "Y_COORDINATE", "LATITUDE", "LONGITUDE", "RPC", "LOCAL_CUSTODIAN_CODE",
    "COUNTRY", "LA_START_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE", "RM_ORGANISATION_NAME",
    "LA_ORGANISATION", "DEPARTMENT_NAME", "LEGAL_NAME", "SUB_BUILDING_NAME", "BUILDING_NAME",
    "BUILDING_NUMBER", "SAO_START_NUMBER", "SAO_START_SUFFIX", "SAO_END_NUMBER",
    "SAO_END_SUFFIX", "SAO_TEXT", "ALT_LANGUAGE_SAO_TEXT", "PAO_START_NUMBER",
    "PAO_START_SUFFIX", "PAO_END_NUMBER", "PAO_END_SUFFIX", "PAO_TEXT",
    "ALT_LANGUAGE_PAO_TEXT", "USRN", "USRN_MATCH_INDICATOR", "AREA_NAME", "LEVEL",
    "OFFICIAL_FLAG", "OS_ADDRESS_TOID", "OS_ADDRESS_TOID_VERSION", "OS_ROADLINK_TOID",
    "OS_ROADLINK_TOID_VERSION", "OS_TOPO_TOID", "OS_TOPO_TOID_VERSION", "VOA_CT_RECORD",
    "VOA_NDR_RECORD", "STREET_DESCRIPTION", "ALT_LANGUAGE_STREET_DESCRIPTION",
    "DEPENDENT_THOROUGHFARE", "THOROUGHFARE", "WELSH_DEPENDENT_THOROUGHFARE",
    "WELSH_THOROUGHFARE", "DOUBLE_DEPENDENT_LOCALITY", "DEPENDENT_LOCALITY", "LOCALITY",
    "WELSH_DEPENDENT_LOCALITY", "WELSH_DOUBLE_DEPENDENT_LOCALITY", "TOWN_NAME",
    "ADMINISTRATIVE_AREA", "POST_TOWN", "WELSH_POST_TOWN", "POSTCODE", "POSTCODE_LOCATOR",
    "POSTCODE_TYPE", "DELIVERY_POINT_SUFFIX", "ADDRESSBASE_POSTAL", "PO_BOX_NUMBER",
    "WARD_CODE", "PARISH_CODE", "RM_START_DATE", "MULTI_OCC_COUNT", "VOA_NDR_P_DESC_CODE",
    "VOA_NDR_SCAT_CODE", "ALT_LANGUAGE",
)

#: The AddressBase Premium records read, by record identifier: their fields in order.
PREMIUM_FIELDS: dict[str, tuple[str, ...]] = {
    "15": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "USRN", "STREET_DESCRIPTION",
           "LOCALITY", "TOWN_NAME", "ADMINISTRATIVE_AREA", "LANGUAGE", "START_DATE",
           "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE"),
    "21": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "LOGICAL_STATUS",
           "BLPU_STATE", "BLPU_STATE_DATE", "PARENT_UPRN", "X_COORDINATE", "Y_COORDINATE",
           "LATITUDE", "LONGITUDE", "RPC", "LOCAL_CUSTODIAN_CODE", "COUNTRY", "START_DATE",
           "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE", "ADDRESSBASE_POSTAL",
           "POSTCODE_LOCATOR", "MULTI_OCC_COUNT"),
    "23": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "XREF_KEY",
           "CROSS_REFERENCE", "VERSION", "SOURCE", "START_DATE", "END_DATE",
           "LAST_UPDATE_DATE", "ENTRY_DATE"),
    "24": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "LPI_KEY", "LANGUAGE",
           "LOGICAL_STATUS", "START_DATE", "END_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE",
           "SAO_START_NUMBER", "SAO_START_SUFFIX", "SAO_END_NUMBER", "SAO_END_SUFFIX",
           "SAO_TEXT", "PAO_START_NUMBER", "PAO_START_SUFFIX", "PAO_END_NUMBER",
           "PAO_END_SUFFIX", "PAO_TEXT", "USRN", "USRN_MATCH_INDICATOR", "AREA_NAME",
           "LEVEL", "OFFICIAL_FLAG"),
    "28": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "UDPRN",
           "ORGANISATION_NAME", "DEPARTMENT_NAME", "SUB_BUILDING_NAME", "BUILDING_NAME",
           "BUILDING_NUMBER", "DEPENDENT_THOROUGHFARE", "THOROUGHFARE",
           "DOUBLE_DEPENDENT_LOCALITY", "DEPENDENT_LOCALITY", "POST_TOWN", "POSTCODE",
           "POSTCODE_TYPE", "DELIVERY_POINT_SUFFIX", "WELSH_DEPENDENT_THOROUGHFARE",
           "WELSH_THOROUGHFARE", "WELSH_DOUBLE_DEPENDENT_LOCALITY", "WELSH_DEPENDENT_LOCALITY",
           "WELSH_POST_TOWN", "PO_BOX_NUMBER", "PROCESS_DATE", "START_DATE", "END_DATE",
           "LAST_UPDATE_DATE", "ENTRY_DATE"),
    "32": ("RECORD_IDENTIFIER", "CHANGE_TYPE", "PRO_ORDER", "UPRN", "CLASS_KEY",
           "CLASSIFICATION_CODE", "CLASS_SCHEME", "SCHEME_VERSION", "START_DATE", "END_DATE",
           "LAST_UPDATE_DATE", "ENTRY_DATE"),
}
#: Premium records read past.
PREMIUM_OTHER = frozenset({"10", "11", "29", "30", "31", "99"})
#: The classification scheme of record 32 that carries the property's class.
PREMIUM_SCHEME = "AddressBase Premium Classification Scheme"
#: The cross-reference source of record 23 naming the OS MasterMap Topography TOID.
TOPO_SOURCE = "7666MT"

#: House classes and their contract property types.
HOUSE_TYPES = {"RD02": "detached", "RD03": "semi_detached", "RD04": "terraced"}
#: Classes of shared accommodation (HMO bedsit; HMO not further divided).
SHARED_CLASSES = frozenset({"RH02", "RH03"})
#: Self-contained flats: typed by the flats of their parent UPRN.
FLAT_CLASS = "RD06"
#: Dwellings kept without a type from their class (typed from their building).
UNTYPED_DWELLINGS = frozenset({"R", "RD", "RD01", "RD07", "RD08", "RD10", "X"})
#: ``STATE`` (BLPU state) of addresses not (or no longer) lived in: 4 no longer
#: existing, 6 planning permission granted.
GONE_STATES = frozenset({"4", "6"})
#: Records read at a time.
CHUNK_ROWS = 100_000
#: Great Britain's extent in EPSG:27700 (metres): coordinates outside are refused.
GB_X = (0.0, 700_000.0)
GB_Y = (0.0, 1_300_000.0)
#: Problems listed before the rest are counted.
MAX_PROBLEMS = 20


@dataclass
class AddressBaseProperties:
    """What a file gave: the dwellings as a properties layer, what was dropped, and
    the facts of the addresses parsed to type the flats
    (:func:`geo_era.data.addresses.facts_by_address`), for the import to derive floors
    and closes from without parsing them again."""

    properties: gpd.GeoDataFrame
    product: Product
    records: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    addresses: pd.DataFrame | None = None

    def by_type(self) -> dict[str, int]:
        """Dwellings by property type (``untyped`` where geo_era derives it)."""
        counts = self.properties["property_type"].fillna("untyped").value_counts()
        return {str(k): int(v) for k, v in sorted(counts.items())}


@dataclass
class _Problems:
    """Problems of one file, the first :data:`MAX_PROBLEMS` listed and the rest counted."""

    file: str
    found: list[Problem] = field(default_factory=list)
    more: int = 0

    def add(self, rows: npt.NDArray[np.int64], message: str, field_name: str,
            position: int | None, values: npt.NDArray[np.object_] | None = None) -> None:
        where = f" (field {position})" if position is not None else ""
        for k, row in enumerate(rows):
            if len(self.found) >= MAX_PROBLEMS:
                self.more += len(rows) - k
                return
            value = f"{quote(values[k])} " if values is not None else ""
            self.found.append(Problem(f"{field_name}{where}: {value}{message}",
                                      file=self.file, row=int(row), column=field_name))

    def raise_any(self) -> None:
        if not self.found:
            return
        problems = list(self.found)
        if self.more:
            problems.append(Problem(f"{self.more:,} more problems of these kinds",
                                    file=self.file))
        raise ImportRefusedError(problems)


def sniff_product(path: Path) -> Product:
    """``premium`` when the file's first record starts with a Premium record identifier
    (10, 11, 15, 21...), ``plus`` when it is AddressBase Plus (a header starting
    ``UPRN`` or 77 fields)."""
    with path.open("r", encoding="utf-8-sig", errors="replace") as stream:
        first = stream.readline().strip()
    head = first.split(",", 1)[0].strip('"')
    if head in PREMIUM_FIELDS or head in PREMIUM_OTHER:
        return "premium"
    if head.upper() == "UPRN" or first.count(",") == len(PLUS_FIELDS) - 1:
        return "plus"
    raise DataError(f"'{file_label(str(path))}' is neither AddressBase Plus (a header row "
                    "starting UPRN, or 77 fields a record) nor AddressBase Premium (records "
                    "starting with their record identifier: 10, 15, 21, 28...); give the CSV "
                    "file as Ordnance Survey supplies it")


def read_addressbase(path: Path, *, building_ids: Collection[str] | pd.Series | None = None,
                     product: Product | None = None, max_rows: int = 50_000_000,
                     chunk_rows: int = CHUNK_ROWS) -> AddressBaseProperties:
    """The dwellings of an AddressBase Plus or Premium CSV file as a properties layer
    (EPSG:27700), read in chunks (see the module docstring).

    Parameters
    ----------
    building_ids
        The buildings layer's ids: a TOID among them becomes the dwelling's
        ``building_id``.
    product
        ``plus`` or ``premium``; found from the file when ``None``.

    Raises
    ------
    DataError
        The file is not AddressBase.
    ImportRefusedError
        A record is wrong (each named with the file, record and field).
    """
    kind = product or sniff_product(path)
    problems = _Problems(file_label(str(path)))
    # the addresses are parsed (to type flats, and for the import to derive floors and
    # closes from) in worker processes while the rest of the file is read
    with ParsingInBackground() as parsing:
        if kind == "plus":
            frame, records, dropped = _read_plus(path, problems, max_rows, chunk_rows,
                                                 parsing)
        else:
            frame, records, dropped = _read_premium(path, problems, max_rows, chunk_rows)
            parsing.add(frame.get("address", []))
        problems.raise_any()
        if frame.empty:
            raise DataError(f"'{problems.file}' holds no dwelling ({records:,} records; "
                            f"dropped by class: {_counts(dropped)}); give the AddressBase "
                            "file of the area")
        _check_unique(frame, problems)
        problems.raise_any()
        facts = parsing.table()
    ids = (pa.array(building_ids, from_pandas=True, type=pa.string())
           if isinstance(building_ids, pd.Series)
           else pa.array(sorted(building_ids or ()), type=pa.string()))
    return AddressBaseProperties(properties=_layer(frame, ids, facts),
                                 product=kind, records=records, dropped=dropped,
                                 addresses=facts)


# --- AddressBase Plus -----------------------------------------------------------------------

#: The Plus fields read.
PLUS_USED = ("UPRN", "CHANGE_TYPE", "STATE", "CLASS", "PARENT_UPRN", "X_COORDINATE",
             "Y_COORDINATE", "SUB_BUILDING_NAME", "BUILDING_NAME", "BUILDING_NUMBER",
             "SAO_START_NUMBER", "SAO_START_SUFFIX", "SAO_END_NUMBER", "SAO_END_SUFFIX",
             "SAO_TEXT", "PAO_START_NUMBER", "PAO_START_SUFFIX", "PAO_END_NUMBER",
             "PAO_END_SUFFIX", "PAO_TEXT", "OS_TOPO_TOID", "STREET_DESCRIPTION",
             "DEPENDENT_THOROUGHFARE", "THOROUGHFARE", "DEPENDENT_LOCALITY", "LOCALITY",
             "TOWN_NAME", "POST_TOWN", "POSTCODE", "POSTCODE_LOCATOR")


class _Utf8Replacing(io.RawIOBase):
    """A file's bytes as UTF-8 with its byte-order mark dropped and any byte that is not
    UTF-8 replaced (U+FFFD), as AddressBase files are read (Arrow's CSV reader would stop
    at the first bad byte)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._pending = memoryview(b"")
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        filled = 0
        while filled < len(buffer):  # a whole block: Arrow makes a batch of each read
            if not self._pending:
                if self._done:
                    break
                data = self._raw.read(max(len(buffer) - filled, 1 << 16))
                self._done = not data
                self._pending = memoryview(self._decoder.decode(data, self._done)
                                           .encode("utf-8"))
            n = min(len(buffer) - filled, len(self._pending))
            buffer[filled:filled + n] = self._pending[:n]
            self._pending = self._pending[n:]
            filled += n
        return filled


def _plus_chunks(path: Path, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """The file's records in chunks of at most ``chunk_rows`` (the used fields, as Arrow
    text) and each chunk's first record number. Read with Arrow's streaming CSV reader:
    about twice as fast as pandas', with no Python object a value."""
    with path.open("r", encoding="utf-8-sig", errors="replace") as stream:
        first_line = stream.readline()
    header = first_line.split(",", 1)[0].strip().strip('"').upper() == "UPRN"
    file = file_label(str(path))
    names = list(PLUS_FIELDS)
    if header:
        names = [str(c).strip().upper() for c in pd.read_csv(
            io.StringIO(first_line), nrows=0).columns]
        missing = [f for f in ("UPRN", "CLASS", "X_COORDINATE", "Y_COORDINATE")
                   if f not in set(names)]
        if missing:
            raise DataError(f"'{file}' has a header row but no field {', '.join(missing)}; "
                            "give the AddressBase Plus CSV with its published header")
    used = [n for n in dict.fromkeys(names) if n in PLUS_USED]
    first = 1
    with path.open("rb") as raw:
        try:
            reader = pa_csv.open_csv(
                _Utf8Replacing(raw),
                read_options=pa_csv.ReadOptions(
                    column_names=names, skip_rows=1 if header else 0, use_threads=False,
                    block_size=min(max(chunk_rows * 512, 1 << 20), 1 << 26)),
                parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                convert_options=pa_csv.ConvertOptions(
                    include_columns=used, column_types=dict.fromkeys(used, pa.string()),
                    strings_can_be_null=False, quoted_strings_can_be_null=False))
            for batch in reader:
                for start in range(0, batch.num_rows, chunk_rows):
                    part = batch.slice(start, chunk_rows)
                    chunk = pd.DataFrame({name: pd.array(part.column(name), dtype=_TEXT)
                                          for name in used})
                    for name in PLUS_USED:
                        if name not in chunk.columns:
                            chunk[name] = pd.array([""] * len(chunk), dtype=_TEXT)
                    yield chunk, first
                    first += len(chunk)
        except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
            counts = re.search(r"Expected (\d+) columns, got (\d+)", str(exc))
            what = (f"record {first} or after has {counts[2]} fields" if counts
                    else "it is not comma-separated text")
            raise DataError(f"'{file}' is not AddressBase Plus CSV as published ({what}); "
                            f"give the file as supplied, {len(PLUS_FIELDS)} fields a record"
                            ) from None


def _read_plus(path: Path, problems: _Problems, max_rows: int, chunk_rows: int,
               parsing: ParsingInBackground) -> tuple[pd.DataFrame, int, dict[str, int]]:
    parts: list[tuple[pd.DataFrame, int]] = []
    dropped: dict[str, int] = {}
    records = 0
    position = {name: k + 1 for k, name in enumerate(PLUS_FIELDS)}
    for chunk, first in _plus_chunks(path, chunk_rows):
        records += len(chunk)
        if records > max_rows:
            raise DataError(f"'{problems.file}' has more than {max_rows:,} records "
                            "(GEO_ERA_IMPORT_MAX_ROWS)")
        rows = np.arange(first, first + len(chunk), dtype=np.int64)
        _check_change_type(chunk["CHANGE_TYPE"].to_numpy(object), rows, problems,
                           position["CHANGE_TYPE"])
        keep = _dwellings(chunk["CLASS"].to_numpy(object), chunk["STATE"].to_numpy(object),
                          rows=rows, problems=problems, position=position["CLASS"],
                          dropped=dropped)
        kept = chunk[keep]
        x, y = _coordinates(kept, rows[keep], problems, position)
        _check_uprn(kept["UPRN"].to_numpy(object), rows[keep], problems, position["UPRN"])
        # the addresses are composed from their fields and parsed in a worker
        composing = parsing.add_composed(_plus_addresses, kept[list(PLUS_ADDRESS)].copy(),
                                         len(kept))
        parts.append((pd.DataFrame({
            "uprn": kept["UPRN"].str.strip().to_numpy(object),
            "x": x, "y": y,
            "class": kept["CLASS"].str.strip().str.upper().to_numpy(object),
            "parent": kept["PARENT_UPRN"].str.strip().to_numpy(object),
            "toid": kept["OS_TOPO_TOID"].str.strip().to_numpy(object),
            "row": rows[keep]}), composing))
    frames = []
    for part, composing in parts:
        part.insert(1, "address", pd.array(parsing.texts(composing).cast(pa.string()),
                                           dtype=_TEXT))
        frames.append(_compact(part))
    return _concat(frames), records, dropped


#: The Plus fields an address is composed from (:func:`_plus_addresses`).
PLUS_ADDRESS = ("SUB_BUILDING_NAME", "SAO_START_NUMBER", "SAO_START_SUFFIX", "SAO_END_NUMBER",
                "SAO_END_SUFFIX", "SAO_TEXT", "BUILDING_NUMBER", "BUILDING_NAME",
                "THOROUGHFARE", "PAO_START_NUMBER", "PAO_START_SUFFIX", "PAO_END_NUMBER",
                "PAO_END_SUFFIX", "PAO_TEXT", "STREET_DESCRIPTION", "DEPENDENT_THOROUGHFARE",
                "DEPENDENT_LOCALITY", "LOCALITY", "POST_TOWN", "TOWN_NAME", "POSTCODE",
                "POSTCODE_LOCATOR")


def _plus_addresses(chunk: pd.DataFrame) -> list[str]:
    """Each record's address: the delivery point's fields, the LPI's where it has none."""
    def text(name: str) -> npt.NDArray[np.object_]:
        return chunk[name].str.strip().to_numpy(object)

    sub = _either(text("SUB_BUILDING_NAME"), _aon(chunk, "SAO", text("SAO_TEXT")))
    postal = (chunk["BUILDING_NUMBER"].str.strip() != "") | \
        (chunk["BUILDING_NAME"].str.strip() != "") | (chunk["THOROUGHFARE"].str.strip() != "")
    pao_number = _aon(chunk, "PAO", np.full(len(chunk), "", dtype=object))
    number = np.where(postal.to_numpy(), text("BUILDING_NUMBER"), pao_number)
    name = np.where(postal.to_numpy(), text("BUILDING_NAME"), text("PAO_TEXT"))
    street = _either(text("THOROUGHFARE"), text("STREET_DESCRIPTION"))
    locality = _either(text("DEPENDENT_LOCALITY"), text("LOCALITY"))
    town = _either(text("POST_TOWN"), text("TOWN_NAME"))
    postcode = _either(text("POSTCODE"), text("POSTCODE_LOCATOR"))
    return scottish_addresses(sub=sub, name=name, number=number,
                              dependent=text("DEPENDENT_THOROUGHFARE"), street=street,
                              locality=locality, town=town, postcode=postcode)


def _aon(frame: pd.DataFrame, prefix: str, text: npt.NDArray[np.object_]
         ) -> npt.NDArray[np.object_]:
    """An LPI addressable object (SAO or PAO) as written: ``12A-14`` or its text."""
    def part(name: str) -> pd.Series:
        return frame[f"{prefix}_{name}"].astype(str).str.strip()

    start = part("START_NUMBER") + part("START_SUFFIX")
    end = part("END_NUMBER") + part("END_SUFFIX")
    number = np.where(end != "", start + "-" + end, start).astype(object)
    return np.where(number != "", number, text).astype(object)


def _either(first: npt.NDArray[np.object_], second: npt.NDArray[np.object_]
            ) -> npt.NDArray[np.object_]:
    return np.where(first != "", first, second).astype(object)


@lru_cache(maxsize=65_536)
def _title(value: str) -> str:
    """All-capitals Royal Mail words in title case (``ST JOHN'S ROAD`` -> ``St John's
    Road``); anything with lower case kept as given."""
    return string.capwords(value) if value.isupper() else value


@lru_cache(maxsize=65_536)
def _flat_position(value: str) -> str:
    """A sub-building name as written: a flat position with a figure or a slash (``2F1``,
    ``FLAT 0/1``) kept as given, words (``LOWER FLAT``) in title case."""
    return value if any(c.isdigit() for c in value) or "/" in value else _title(value)


def scottish_addresses(*, sub: npt.NDArray[np.object_], name: npt.NDArray[np.object_],
                       number: npt.NDArray[np.object_], dependent: npt.NDArray[np.object_],
                       street: npt.NDArray[np.object_], locality: npt.NDArray[np.object_],
                       town: npt.NDArray[np.object_], postcode: npt.NDArray[np.object_]
                       ) -> list[str]:
    """Addresses in the order Scottish addresses are written: ``2F1, 97 Whinfield Grove,
    Inverallan, IV99 1AB`` (flat position, building name, number and street, locality,
    town, postcode), empty parts left out; the flat position is kept as given."""
    out = []
    for s, b, n, d, t, loc, twn, pc in zip(sub, name, number, dependent, street, locality,
                                           town, postcode, strict=True):
        first = f"{n} {_title(d)}" if n and d else ""
        road = f"{n} {_title(t)}" if n and t and not first else _title(t)
        parts = [_flat_position(s), _title(b), first, road, _title(loc), _title(twn)]
        text = ", ".join(p for p in parts if p)
        if n and not t and not d:
            text = ", ".join(p for p in (s, _title(b), n, _title(loc), _title(twn)) if p)
        out.append(f"{text}, {pc.upper()}" if pc and text else pc.upper() or text)
    return out


# --- AddressBase Premium --------------------------------------------------------------------

_WIDTH = max(len(f) for f in PREMIUM_FIELDS.values())


def _premium_records(path: Path, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """The file's records in chunks (every field as text, by position) and each chunk's
    first record number."""
    reader = pd.read_csv(path, header=None, names=list(range(_WIDTH)), dtype=str,
                         keep_default_na=False, chunksize=chunk_rows, encoding="utf-8-sig",
                         encoding_errors="replace", engine="c")
    first = 1
    try:
        for chunk in reader:
            yield chunk.fillna(""), first
            first += len(chunk)
    except pd.errors.ParserError as exc:
        raise DataError(f"'{file_label(str(path))}' is not AddressBase Premium CSV as "
                        f"published ({exc}); give the file as supplied") from None


def _premium_fields(chunk: pd.DataFrame, record: str, first: int) -> pd.DataFrame:
    """The chunk's records of one type, with their fields named, and a ``row`` column."""
    fields = PREMIUM_FIELDS[record]
    mask = (chunk[0].str.strip() == record).to_numpy()
    taken = chunk.loc[mask, list(range(len(fields)))].copy()
    taken.columns = list(fields)
    for name in fields:
        taken[name] = taken[name].str.strip()
    taken["row"] = np.flatnonzero(mask) + first
    return taken


def _read_premium(path: Path, problems: _Problems, max_rows: int, chunk_rows: int
                  ) -> tuple[pd.DataFrame, int, dict[str, int]]:
    kept: dict[str, list[pd.DataFrame]] = {k: [] for k in PREMIUM_FIELDS}
    records = 0
    dropped: dict[str, int] = {}
    for chunk, first in _premium_records(path, chunk_rows):
        records += len(chunk)
        if records > max_rows:
            raise DataError(f"'{problems.file}' has more than {max_rows:,} records "
                            "(GEO_ERA_IMPORT_MAX_ROWS)")
        ids = chunk[0].str.strip()
        unknown = ~ids.isin(set(PREMIUM_FIELDS) | PREMIUM_OTHER).to_numpy()
        problems.add(np.flatnonzero(unknown)[:MAX_PROBLEMS] + first,
                     "is not an AddressBase Premium record identifier (10, 11, 15, 21, 23, "
                     "24, 28, 29, 30, 31, 32, 99)", "RECORD_IDENTIFIER", 1,
                     ids.to_numpy(object)[unknown][:MAX_PROBLEMS])
        for record, columns in PREMIUM_USED.items():
            part = _premium_fields(chunk, record, first)
            if record != "15":
                _check_change_type(part["CHANGE_TYPE"].to_numpy(object),
                                   part["row"].to_numpy(np.int64), problems, 2)
            kept[record].append(part.loc[_premium_keep(record, part), columns])
    joined = _premium_join({k: _concat(v) for k, v in kept.items()}, problems, dropped)
    return joined, records, dropped


#: The Premium fields read, by record.
PREMIUM_USED = {
    "15": ["USRN", "STREET_DESCRIPTION", "LOCALITY", "TOWN_NAME"],
    "21": ["UPRN", "BLPU_STATE", "PARENT_UPRN", "X_COORDINATE", "Y_COORDINATE",
           "POSTCODE_LOCATOR", "row"],
    "23": ["UPRN", "CROSS_REFERENCE"],
    "24": ["UPRN", "SAO_START_NUMBER", "SAO_START_SUFFIX", "SAO_END_NUMBER", "SAO_END_SUFFIX",
           "SAO_TEXT", "PAO_START_NUMBER", "PAO_START_SUFFIX", "PAO_END_NUMBER",
           "PAO_END_SUFFIX", "PAO_TEXT", "USRN"],
    "28": ["UPRN", "SUB_BUILDING_NAME", "BUILDING_NAME", "BUILDING_NUMBER",
           "DEPENDENT_THOROUGHFARE", "THOROUGHFARE", "DEPENDENT_LOCALITY", "POST_TOWN",
           "POSTCODE"],
    "32": ["UPRN", "CLASSIFICATION_CODE", "row"],
}


def _premium_keep(record: str, part: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Which records of a type are kept: the TOPO cross references, the approved English
    LPIs and street descriptors, the classification of the AddressBase scheme."""
    keep = np.ones(len(part), dtype=bool)
    if record in {"15", "24"}:
        keep &= part["LANGUAGE"].isin(["ENG", ""]).to_numpy()
    if record == "24":
        keep &= (part["LOGICAL_STATUS"] == "1").to_numpy()
    if record == "23":
        keep &= (part["SOURCE"] == TOPO_SOURCE).to_numpy()
    if record == "32":
        keep &= (part["CLASS_SCHEME"] == PREMIUM_SCHEME).to_numpy()
    return keep


def _premium_join(parts: dict[str, pd.DataFrame], problems: _Problems,
                  dropped: dict[str, int]) -> pd.DataFrame:
    """One row per dwelling BLPU: its class (record 32), address (28, else 24 with its
    street, 15), TOID (23)."""
    blpu = parts["21"]
    if blpu.empty:
        raise DataError(f"'{problems.file}' holds no BLPU record (21); give an AddressBase "
                        "Premium CSV file as supplied")
    rows = blpu["row"].to_numpy(np.int64)
    _check_uprn(blpu["UPRN"].to_numpy(object), rows, problems, 4)
    classes = parts["32"].drop_duplicates("UPRN").set_index("UPRN")["CLASSIFICATION_CODE"]
    code = classes.reindex(blpu["UPRN"]).fillna("").to_numpy(object)
    keep = _dwellings(code, blpu["BLPU_STATE"].to_numpy(object), rows=rows,
                      problems=problems, position=None, dropped=dropped,
                      field_name="CLASSIFICATION_CODE")
    blpu, code = blpu[keep].reset_index(drop=True), code[keep]
    x, y = _coordinates(blpu, blpu["row"].to_numpy(np.int64), problems, _PREMIUM_POSITION)
    toid = parts["23"].drop_duplicates("UPRN").set_index("UPRN")["CROSS_REFERENCE"]
    return _compact(pd.DataFrame({
        "uprn": blpu["UPRN"].to_numpy(object),
        "address": _premium_addresses(blpu, parts),
        "x": x, "y": y, "class": code,
        "parent": blpu["PARENT_UPRN"].to_numpy(object),
        "toid": toid.reindex(blpu["UPRN"]).fillna("").to_numpy(object),
        "row": blpu["row"].to_numpy(np.int64)}))


_PREMIUM_POSITION = {"X_COORDINATE": 9, "Y_COORDINATE": 10}


def _premium_addresses(blpu: pd.DataFrame, parts: dict[str, pd.DataFrame]) -> list[str]:
    """The delivery point address of each BLPU, or its LPI with the street's descriptor."""
    dpa = parts["28"].drop_duplicates("UPRN").set_index("UPRN").reindex(blpu["UPRN"])
    lpi = parts["24"].drop_duplicates("UPRN").set_index("UPRN").reindex(blpu["UPRN"])
    streets = parts["15"].drop_duplicates("USRN").set_index("USRN")
    street = streets.reindex(lpi["USRN"].fillna(""))
    postal = dpa["THOROUGHFARE"].notna().to_numpy() | dpa["BUILDING_NUMBER"].notna().to_numpy()

    def col(frame: pd.DataFrame, name: str) -> npt.NDArray[np.object_]:
        return frame[name].fillna("").astype(str).to_numpy(object)

    sao = _aon(lpi.fillna(""), "SAO", col(lpi, "SAO_TEXT"))
    pao = _aon(lpi.fillna(""), "PAO", np.full(len(lpi), "", dtype=object))

    def pick(a: npt.NDArray[np.object_], b: npt.NDArray[np.object_]
             ) -> npt.NDArray[np.object_]:
        return np.where(postal, a, b).astype(object)

    return scottish_addresses(
        sub=pick(col(dpa, "SUB_BUILDING_NAME"), sao),
        name=pick(col(dpa, "BUILDING_NAME"), col(lpi, "PAO_TEXT")),
        number=pick(col(dpa, "BUILDING_NUMBER"), pao),
        dependent=pick(col(dpa, "DEPENDENT_THOROUGHFARE"), np.full(len(blpu), "", object)),
        street=pick(col(dpa, "THOROUGHFARE"), col(street, "STREET_DESCRIPTION")),
        locality=pick(col(dpa, "DEPENDENT_LOCALITY"), col(street, "LOCALITY")),
        town=pick(col(dpa, "POST_TOWN"), col(street, "TOWN_NAME")),
        postcode=pick(col(dpa, "POSTCODE"), blpu["POSTCODE_LOCATOR"].to_numpy(object)))


# --- checks and the layer -------------------------------------------------------------------

def _check_change_type(values: npt.NDArray[np.object_], rows: npt.NDArray[np.int64],
                       problems: _Problems, position: int) -> None:
    bad = _isin(values, {"U", "D"})
    problems.add(rows[bad], "this is a change-only update (CHANGE_TYPE U or D); geo_era "
                 "replaces the whole properties layer, so import a full supply",
                 "CHANGE_TYPE", position, values[bad])


def _dwellings(classes: npt.NDArray[np.object_], states: npt.NDArray[np.object_], *,
               rows: npt.NDArray[np.int64], problems: _Problems, position: int | None,
               dropped: dict[str, int], field_name: str = "CLASS") -> npt.NDArray[np.bool_]:
    """Which records are dwellings (see the module docstring); the others counted in
    ``dropped`` by class (``state 4``/``state 6`` for BLPUs gone or planned)."""
    codes = pd.Series(classes, dtype=object).astype(str).str.strip().str.upper() \
        .to_numpy(object)
    missing = codes == ""
    why = ("no classification record (32) of the AddressBase Premium Classification "
           "Scheme for this BLPU" if field_name != "CLASS" else "no class")
    problems.add(rows[missing], f"{why}; every AddressBase record has one (e.g. RD06); "
                 "give the file as supplied", field_name, position)
    dwelling = (_isin(codes, {*HOUSE_TYPES, FLAT_CLASS, *UNTYPED_DWELLINGS, *SHARED_CLASSES})
                | pd.Series(codes, dtype=object).str.startswith("RD").to_numpy(bool))
    state = pd.Series(states, dtype=object).astype(str).str.strip().to_numpy(object)
    gone = _isin(state, GONE_STATES)
    for code, count in zip(*np.unique(codes[~dwelling & ~missing], return_counts=True),
                           strict=True):
        dropped[str(code)] = dropped.get(str(code), 0) + int(count)
    for value, count in zip(*np.unique(state[dwelling & gone], return_counts=True),
                            strict=True):
        dropped[f"state {value}"] = dropped.get(f"state {value}", 0) + int(count)
    keep: npt.NDArray[np.bool_] = dwelling & ~gone
    return keep


def _coordinates(chunk: pd.DataFrame, rows: npt.NDArray[np.int64], problems: _Problems,
                 position: dict[str, int]) -> tuple[npt.NDArray[np.float64],
                                                    npt.NDArray[np.float64]]:
    out = []
    for name, (low, high) in (("X_COORDINATE", GB_X), ("Y_COORDINATE", GB_Y)):
        text = chunk[name].str.strip()
        value = pd.to_numeric(text, errors="coerce").to_numpy(float)
        bad = ~np.isfinite(value)
        problems.add(rows[bad], "is not a number; every address has its easting and "
                     "northing (EPSG:27700, metres)", name, position.get(name),
                     text.to_numpy(object)[bad])
        outside = ~bad & ((value < low) | (value > high))
        problems.add(rows[outside], f"is outside Great Britain ({low:,.0f} to {high:,.0f} "
                     "m); AddressBase coordinates are British National Grid metres", name,
                     position.get(name), text.to_numpy(object)[outside])
        out.append(value)
    return out[0], out[1]


def _check_uprn(values: npt.NDArray[np.object_], rows: npt.NDArray[np.int64],
                problems: _Problems, position: int | None) -> None:
    series = pd.Series(values, dtype=object).astype(str).str.strip()
    text = series.to_numpy(object)
    good = series.str.fullmatch(r"[0-9]{1,12}").to_numpy(bool)
    problems.add(rows[~good], "is not a UPRN (a number of up to 12 digits)", "UPRN",
                 position, text[~good])


def _check_unique(frame: pd.DataFrame, problems: _Problems) -> None:
    repeated = frame["uprn"].duplicated(keep="first").to_numpy()
    if repeated.any():
        first_row = frame.drop_duplicates("uprn").set_index("uprn")["row"]
        again = frame.loc[repeated]
        for uprn, row in zip(again["uprn"].head(MAX_PROBLEMS), again["row"].head(MAX_PROBLEMS),
                             strict=True):
            problems.add(np.array([row]), f"repeats the UPRN of record {first_row[uprn]}; "
                         "a UPRN names one address", "UPRN", None,
                         np.array([uprn], dtype=object))


#: Text kept between chunks: Arrow strings (one buffer, not a Python object a value).
_TEXT = pd.StringDtype("pyarrow")


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's text columns as Arrow strings: 2.6 million addresses take about a
    third of the memory Python strings would."""
    for name in ("uprn", "address", "class", "parent", "toid"):
        frame[name] = frame[name].astype(_TEXT)
    return frame


def _isin(values: npt.NDArray[np.object_], wanted: set[str] | frozenset[str]
          ) -> npt.NDArray[np.bool_]:
    """``values`` in ``wanted``, by hashing (numpy's ``isin`` compares object arrays
    pairwise)."""
    found: npt.NDArray[np.bool_] = pd.Series(values, dtype=object).isin(wanted).to_numpy()
    return found


def _counts(dropped: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(dropped.items())) or "none"


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return frame


def _layer(frame: pd.DataFrame, building_ids: pa.Array, facts: pd.DataFrame
           ) -> gpd.GeoDataFrame:
    """The properties layer of the dwellings read (see the module docstring); ``facts``
    of their addresses by address (:func:`~geo_era.data.addresses.facts_by_address`)."""
    classes = frame["class"]
    types = np.full(len(frame), None, dtype=object)
    for code, kind in HOUSE_TYPES.items():
        types[(classes == code).to_numpy(bool)] = kind
    types[classes.isin(SHARED_CLASSES).to_numpy(bool)] = "shared"
    flats = ((classes == FLAT_CLASS) & (frame["parent"] != "")).to_numpy(bool)
    if flats.any():
        types[flats] = _flat_types(frame.loc[flats], facts)
    toid = pa.array(frame["toid"].array)
    known = compute.and_(compute.is_in(toid, value_set=building_ids),
                         compute.not_equal(toid, "")).to_numpy(zero_copy_only=False)
    return gpd.GeoDataFrame(
        {"property_id": frame["uprn"].reset_index(drop=True),
         "address": frame["address"].reset_index(drop=True),
         "building_id": frame["toid"].where(known).reset_index(drop=True),
         "property_type": pd.array(types, dtype=_TEXT)},
        geometry=shapely.points(frame["x"].to_numpy(float), frame["y"].to_numpy(float)),
        crs=BNG)


def _flat_types(flats: pd.DataFrame, facts: pd.DataFrame) -> npt.NDArray[np.object_]:
    """The type of each self-contained flat by the flats of its parent UPRN: storeys from
    the highest floor in their addresses, own doors from their closes."""
    at = positions(flats["address"], facts.index)
    parent, parents = codes(flats["parent"])
    dwellings = np.bincount(parent, minlength=parents)
    floors = facts["floor"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)[at]
    top = np.full(parents, np.nan)
    np.fmax.at(top, parent, floors + 1)
    close = codes(facts["close_label"].fillna(""))[0][at]
    pairs = np.unique(parent << 32 | close)  # each parent's distinct closes
    own = np.bincount(pairs >> 32, minlength=parents) == dwellings
    by_parent = flat_types(levels=top, dwellings=dwellings, own_doors=own)
    return np.asarray(by_parent[parent], dtype=object)
