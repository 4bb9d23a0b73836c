"""The Scottish Government's school locations (CSV, easting/northing) as sites.

The Scottish Government publishes "Scottish School Roll and Locations" (identifier
``SG_SchoolRoll``; the 2023 edition reflects the July 2023 school locations, spatialdata.
gov.scot record 5fa510db-88c8-40ef-bbf2-2989210b7167) as a Shapefile, an ESRI REST layer
and a table, from the "School contact details" publication: one point per primary,
secondary and special school, located from the school's UPRN. Its unique field is
``SchUID`` (the 7-digit SEED code with ``P``, ``S`` or ``SP``, as a primary and a
secondary on one campus share a SEED code). geo_era reads the table as CSV, columns by
name in any order and case, spaces and underscores ignored:

=============================  ============================================================
``SchUID``                     the site id becomes ``SCH-<SchUID>``; without the column,
                               ``SCH-<SeedCode>-<first letter of the type>``
``SeedCode`` (``Seed Code``)   the school's SEED code
``SchoolName`` (``School``...)  the site's name
``SchoolType`` (``Type``)      ``Primary``, ``Secondary``, ``Special``...: a ``school``
                               site (also a primary with a nursery class); a type
                               naming only ``Nursery`` or early learning (``ELC``): a
                               ``nursery`` site
``Easting``, ``Northing``      British National Grid (EPSG:27700), metres
=============================  ============================================================

The table's full field list could not be read from here (maps.gov.scot's layer page
names the fields' meaning, not all their spellings); the spellings above are those of
the published table as far as known, and the error for a missing column lists the
columns the file has.

All or nothing: a row without a SEED code, name or type, with a repeated id, or with an
easting or northing that is not a number within Scotland is an error naming the file,
the row (the first row after the header is row 1), the column; nothing is written.
The sites of an earlier school import (``SCH-...``) are replaced, every other site kept.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo_era.contract.schema import BNG, SCOTLAND_BNG_BOUNDS
from geo_era.errors import DataError, ImportRefusedError, Problem, file_label, quote

#: The prefix of a school site's id: a later import replaces exactly these.
SITE_PREFIX = "SCH-"
#: Each column geo_era reads, by the spellings it accepts (compared lower case with
#: spaces and underscores removed).
COLUMNS: dict[str, tuple[str, ...]] = {
    "uid": ("schuid",),
    "seed": ("seedcode", "seed"),
    "name": ("schoolname", "school", "name"),
    "type": ("schooltype", "type", "centretype"),
    "easting": ("easting", "eastings", "xcoord", "x"),
    "northing": ("northing", "northings", "ycoord", "y"),
}
REQUIRED = ("seed", "name", "type", "easting", "northing")
_NURSERY = re.compile(r"nursery|early\s*learning|\belc\b", re.IGNORECASE)
_SCHOOL = re.compile(r"primary|secondary|special|all[\s-]*through", re.IGNORECASE)


def _key(name: str) -> str:
    return re.sub(r"[\s_]+", "", name).lower()


def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _header(fields: list[str], file: str) -> dict[str, str]:
    """The file's column for each of :data:`COLUMNS` it has."""
    keys = {_key(f): f for f in fields}
    found = {role: next((keys[s] for s in spellings if s in keys), None)
             for role, spellings in COLUMNS.items()}
    missing = [COLUMNS[r][0] for r in REQUIRED if found[r] is None]
    if missing:
        raise DataError(
            f"'{file}' is not the school locations table: no column "
            f"{', '.join(missing)} (its columns: {', '.join(fields[:12]) or 'none'}); give "
            "the Scottish Government's school roll and locations table as CSV")
    return {role: name for role, name in found.items() if name is not None}


def _coordinate(value: str, low: float, high: float) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if low <= number <= high else None


def _category(kind: str) -> str:
    """``nursery`` for a nursery or early learning centre; ``school`` otherwise, also a
    primary school with a nursery class (``Primary (with nursery class)``)."""
    return "nursery" if _NURSERY.search(kind) and not _SCHOOL.search(kind) else "school"


def school_sites(path: Path, *, max_rows: int = 1_000_000) -> gpd.GeoDataFrame:
    """The schools of a school locations CSV as ``sites`` (EPSG:27700).

    Raises
    ------
    DataError
        A column is missing, or the file has more than ``max_rows`` rows.
    ImportRefusedError
        Every bad row (see the module docstring).
    """
    file = file_label(str(path))
    reader = csv.DictReader(io.StringIO(_text(path), newline=""))
    fields = [f.strip() for f in (reader.fieldnames or [])]
    reader.fieldnames = fields
    col = _header(fields, file)
    minx, miny, maxx, maxy = SCOTLAND_BNG_BOUNDS
    problems: list[Problem] = []
    records: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=1):
        if number > max_rows:
            raise DataError(f"'{file}' has more than {max_rows:,} rows "
                            "(GEO_ERA_IMPORT_MAX_ROWS)")
        value = {role: (row.get(name) or "").strip() for role, name in col.items()}

        def bad(role: str, message: str, row_number: int = number) -> None:
            problems.append(Problem(message, file=file, row=row_number, column=col[role]))

        for role in ("seed", "name", "type"):
            if not value[role]:
                bad(role, f"empty; every school has its {COLUMNS[role][0]}")
        x = _coordinate(value["easting"], minx, maxx)
        y = _coordinate(value["northing"], miny, maxy)
        for role, got in (("easting", x), ("northing", y)):
            if got is None:
                bad(role, f"{quote(value[role])} is not a British National Grid {role} in "
                          "Scotland (metres, EPSG:27700)")
        uid = value.get("uid") or f"{value['seed']}-{value['type'][:1].upper()}"
        site_id = f"{SITE_PREFIX}{uid}"
        if site_id in seen:
            bad("uid" if "uid" in col else "seed",
                f"school {quote(uid)} repeats row {seen[site_id]}; each school once")
        seen.setdefault(site_id, number)
        records.append({"site_id": site_id,
                        "category": _category(value["type"]),
                        "name": value["name"], "x": x, "y": y})
    if problems:
        raise ImportRefusedError(problems)
    if not records:
        raise DataError(f"'{file}' has no rows; give the school locations table")
    frame = pd.DataFrame(records)
    return gpd.GeoDataFrame(
        frame[["site_id", "category", "name"]],
        geometry=shapely.points(frame["x"].to_numpy(float), frame["y"].to_numpy(float)),
        crs=BNG)


def merged_sites(existing: gpd.GeoDataFrame | None, schools: gpd.GeoDataFrame
                 ) -> gpd.GeoDataFrame:
    """The sites layer after a school import: the sites held, less those of an earlier
    school import (``SCH-...``), with the schools read now."""
    if existing is None or existing.empty:
        return schools
    kept = existing[~existing["site_id"].astype(str).str.startswith(SITE_PREFIX)]
    kept = kept[[c for c in ("site_id", "category", "name", "geometry") if c in kept]]
    merged = pd.concat([kept.to_crs(BNG), schools], ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=BNG)
