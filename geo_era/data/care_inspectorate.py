"""Care Inspectorate registered services as sites (the Dorset MAPPA procedure §13-§17):
childminders, day care of children and care homes, placed by their postcode.

The Care Inspectorate publishes every registered care service in Scotland as one CSV
(its "datastore", ``MDSF_data_<date>.csv``, Windows-1252 or UTF-8). geo_era reads these
of its columns, by name, in whatever order they come:

==================  ===================================================================
``CSNumber``        the service's registration number (``CS2003001025``): the site id
                    becomes ``CI-CS2003001025``
``CareService``     the kind of service: ``Day Care of Children`` and ``Child Minding``
                    become ``nursery`` sites, ``Care Home Service`` a ``care_home`` site
                    (:data:`CATEGORIES`); any other kind is left out, and listed
``Subtype``         the care home's client group (``Older People``, ``Children & Young
                    People``...): kept in the site's name
``ServiceName``     the service's name (a childminder's is a person's name, so a
                    childminder's site is named ``Childminder CS...`` instead)
``Service_Postcode``  where it is; the datastore leaves childminders' postcodes out
``ServiceStatus``   optional: a service not ``Active`` is left out, and listed
==================  ===================================================================

Postcodes are placed (EPSG:27700, metres) from a postcode file the user supplies, read
by its columns' names or layout: **Code-Point Open** (Ordnance Survey; CSV files with no
header row: postcode, positional quality, eastings, northings, ...; quality 90 means no
coordinates), or the **ONS Postcode Directory** (ONSPD; a header row: ``pcds`` or
``pcd``/``pcd7``, ``east1m`` or ``oseast1m``, ``north1m`` or ``osnrth1m``, and
``gridind`` or ``osgrdind``, where 9 means no grid reference). Only the postcodes the
datastore names are kept from it.

Nothing is guessed: a row that cannot be placed (no postcode, a postcode that is not a
UK postcode, not in the postcode file or with no grid reference there, a kind of service
not taken, a repeated or missing ``CSNumber``) is left out and reported with its row
number (the first row after the header is row 1).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo_era.contract.schema import BNG
from geo_era.errors import DataError, Problem, file_label

#: Site category of each kind of Care Inspectorate service taken (``CareService``).
CATEGORIES = {
    "Day Care of Children": "nursery",
    "Child Minding": "nursery",
    "Care Home Service": "care_home",
}
#: The datastore's columns geo_era needs, by name.
REQUIRED = ("CSNumber", "CareService", "Subtype", "ServiceName", "Service_Postcode")
#: The prefix of a Care Inspectorate site's id: a later import replaces exactly these.
SITE_PREFIX = "CI-"
#: A UK postcode, spaces removed (BS 7666 outward and inward codes).
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
#: Code-Point Open's positional quality for "no coordinates".
NO_COORDINATES_QUALITY = "90"
#: The ONS Postcode Directory's grid reference indicator for "no grid reference".
NO_GRID_REFERENCE = "9"


@dataclass
class CareSites:
    """Care Inspectorate services placed as sites, and every row left out."""

    sites: gpd.GeoDataFrame
    left_out: list[Problem] = field(default_factory=list)
    rows: int = 0

    def by_category(self) -> dict[str, int]:
        counts = self.sites["category"].value_counts()
        return {str(k): int(v) for k, v in sorted(counts.items())}


def normal_postcode(text: str) -> str:
    """``eh1 1aa`` -> ``EH11AA``: upper case, no spaces (how both sources compare)."""
    return re.sub(r"\s+", "", text).upper()


def _lines(path: Path) -> Iterator[str]:
    """The file's lines as text: UTF-8 (a byte-order mark dropped), else Windows-1252,
    the datastore's own encoding."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    yield from io.StringIO(text, newline="")


def _datastore(path: Path, max_rows: int) -> tuple[list[str], list[dict[str, str]]]:
    """The datastore's header and rows, its required columns checked."""
    reader = csv.DictReader(_lines(path))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DataError(
            f"'{file_label(str(path))}' is not a Care Inspectorate datastore CSV: no "
            f"column {', '.join(missing)} (its columns: {', '.join(header[:12]) or 'none'}"
            f"{'...' if len(header) > 12 else ''}); give the datastore file as published")
    rows = []
    for number, row in enumerate(reader, start=1):
        if number > max_rows:
            raise DataError(f"'{file_label(str(path))}' has more than {max_rows:,} rows "
                            "(GEO_ERA_IMPORT_MAX_ROWS)")
        rows.append({k: (v or "").strip() for k, v in row.items() if k is not None})
    return header, rows


def _postcode_layout(first: list[str], file: str) -> tuple[bool, int, int, int, int | None,
                                                           str | None]:
    """Where the postcode, eastings, northings and the no-coordinates mark are in a
    postcode file, from its first row: (has a header, postcode, eastings, northings,
    mark column, the mark's value)."""
    names = {c.strip().lower(): i for i, c in enumerate(first)}

    def find(*options: str) -> int | None:
        return next((names[o] for o in options if o in names), None)

    postcode = find("pcds", "pcd7", "pcd", "pcd8", "pcd2")
    east, north = find("east1m", "oseast1m"), find("north1m", "osnrth1m")
    if postcode is not None and east is not None and north is not None:  # ONSPD
        return True, postcode, east, north, find("gridind", "osgrdind"), NO_GRID_REFERENCE
    postcode, east, north = find("pc", "postcode"), find("ea", "eastings"), \
        find("no", "northings")
    if postcode is not None and east is not None and north is not None:  # Code-Point
        return True, postcode, east, north, find("pq", "positional_quality_indicator"), \
            NO_COORDINATES_QUALITY
    if len(first) >= 4 and POSTCODE.match(normal_postcode(first[0])):  # Code-Point
        return False, 0, 2, 3, 1, NO_COORDINATES_QUALITY
    raise DataError(f"'{file}' is neither Code-Point Open (postcode, quality, eastings, "
                    "northings, no header) nor the ONS Postcode Directory (pcds, east1m, "
                    "north1m or oseast1m, osnrth1m); give one of them")


def read_postcodes(paths: Sequence[Path], wanted: set[str]
                   ) -> dict[str, tuple[float, float] | None]:
    """The ``wanted`` postcodes (normalised) found in the postcode files: their eastings
    and northings (EPSG:27700, metres), or ``None`` for a postcode the file holds
    without a grid reference."""
    found: dict[str, tuple[float, float] | None] = {}
    for path in paths:
        reader = csv.reader(_lines(path))
        first = next(reader, None)
        if first is None:
            raise DataError(f"'{file_label(str(path))}' is empty; give a postcode file")
        header, pc, ea, no, mark, none_value = _postcode_layout(first, file_label(str(path)))
        rows = reader if header else _chain([first], reader)
        for row in rows:
            if len(row) <= max(pc, ea, no):
                continue
            code = normal_postcode(row[pc])
            if code not in wanted:
                continue
            if mark is not None and len(row) > mark and row[mark].strip() == none_value:
                found.setdefault(code, None)
                continue
            try:
                found[code] = (float(row[ea]), float(row[no]))
            except ValueError:
                found.setdefault(code, None)
    return found


def _chain(head: list[list[str]], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield from head
    yield from rest


def _take(row: dict[str, str], seen: dict[str, int], number: int, file: str
          ) -> tuple[str | None, Problem | None]:
    """The row's normalised postcode, or why it cannot be placed (before the postcode
    file is looked at)."""
    def left(message: str, column: str | None = None) -> tuple[None, Problem]:
        return None, Problem(message, file=file, row=number, column=column)

    number_cs = row.get("CSNumber", "")
    kind = row.get("CareService", "")
    if not number_cs:
        return left("no CSNumber: a registered service always has one", "CSNumber")
    if number_cs in seen:
        return left(f"CSNumber {number_cs} repeats row {seen[number_cs]}", "CSNumber")
    seen[number_cs] = number
    if kind not in CATEGORIES:
        return left(f"service type {kind!r} not taken: geo_era takes "
                    f"{', '.join(sorted(CATEGORIES))}", "CareService")
    status = row.get("ServiceStatus", "")
    if status and status.lower() != "active":
        return left(f"service is not active (ServiceStatus {status!r})", "ServiceStatus")
    raw = row.get("Service_Postcode", "")
    if not raw:
        why = (" (the Care Inspectorate does not publish childminders' addresses)"
               if kind == "Child Minding" else "")
        return left(f"no postcode{why}; add the postcode to place it", "Service_Postcode")
    code = normal_postcode(raw)
    if not POSTCODE.match(code):
        return left(f"postcode {raw!r} is not a UK postcode", "Service_Postcode")
    return code, None


def _name(row: dict[str, str]) -> str:
    """The site's name: a childminder's registration number, never their own name; a
    care home's name with its client group."""
    if row["CareService"] == "Child Minding":
        return f"Childminder {row['CSNumber']}"
    subtype = row.get("Subtype", "")
    if row["CareService"] == "Care Home Service" and subtype:
        return f"{row['ServiceName']} (care home: {subtype})"
    return row["ServiceName"]


def care_sites(datastore: Path, postcode_files: Sequence[Path], *,
               max_rows: int = 5_000_000) -> CareSites:
    """The services of a Care Inspectorate datastore CSV placed at their postcodes, and
    every row left out with its row number and why.

    Raises
    ------
    DataError
        The datastore lacks a column geo_era needs, or a postcode file is neither
        Code-Point Open nor the ONS Postcode Directory.
    """
    file = file_label(str(datastore))
    _, rows = _datastore(datastore, max_rows)
    seen: dict[str, int] = {}
    taken: list[tuple[int, dict[str, str], str]] = []
    left_out: list[Problem] = []
    for number, row in enumerate(rows, start=1):
        code, problem = _take(row, seen, number, file)
        if problem is not None:
            left_out.append(problem)
        elif code is not None:
            taken.append((number, row, code))
    places = read_postcodes(postcode_files, {code for _, _, code in taken})
    records = []
    for number, row, code in taken:
        place = places.get(code, ())
        if not place:
            why = ("has no grid reference in the postcode file" if place is None
                   else "is not in the postcode file")
            left_out.append(Problem(f"postcode {row['Service_Postcode']!r} {why}",
                                    file=file, row=number, column="Service_Postcode"))
            continue
        assert place is not None
        records.append({"site_id": f"{SITE_PREFIX}{row['CSNumber']}",
                        "category": CATEGORIES[row["CareService"]], "name": _name(row),
                        "x": place[0], "y": place[1]})
    frame = pd.DataFrame(records, columns=["site_id", "category", "name", "x", "y"])
    sites = gpd.GeoDataFrame(
        frame[["site_id", "category", "name"]],
        geometry=shapely.points(frame["x"].to_numpy(float), frame["y"].to_numpy(float)),
        crs=BNG)
    left_out.sort(key=lambda p: p.row or 0)
    return CareSites(sites=sites, left_out=left_out, rows=len(rows))


def merged_sites(existing: gpd.GeoDataFrame | None, care: gpd.GeoDataFrame
                 ) -> gpd.GeoDataFrame:
    """The sites layer after a Care Inspectorate import: the sites held, less those of
    an earlier Care Inspectorate import (ids ``CI-...``), with the services placed now."""
    if existing is None or existing.empty:
        return care
    kept = existing[~existing["site_id"].astype(str).str.startswith(SITE_PREFIX)]
    kept = kept[[c for c in ("site_id", "category", "name", "geometry") if c in kept]]
    merged = pd.concat([kept.to_crs(BNG), care], ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=BNG)
