"""OS MasterMap Topography Layer building polygons as the ``buildings`` layer, by TOID.

Ordnance Survey publishes the Topography Layer (under the Public Sector Geospatial
Agreement) as GML and as GeoPackage. geo_era reads:

- **GML** (OS MasterMap Topography Layer GML, schema ``OSDNFFeatures.xsd`` v7 of the
  ``http://www.ordnancesurvey.co.uk/xml/namespaces/osgb`` namespace, GML 2.1.2):
  ``osgb:TopographicArea`` features, each with its TOID in the ``fid`` attribute
  (``osgb1000002085437860``), repeating ``osgb:theme`` and ``osgb:descriptiveGroup``,
  ``osgb:descriptiveTerm``, ``osgb:make``, ``osgb:physicalLevel`` and the polygon in
  British National Grid (``srsName="osgb:BNG"``, EPSG:27700). A chunked supply repeats
  a feature that crosses chunks: the same TOID with the same polygon is taken once.
- **GeoPackage** (the Topography Layer's GeoPackage supply from the OS Data Hub):
  table ``TopographicArea`` (any case) with ``toid``, ``theme``, ``descriptivegroup``
  (several values joined), ``descriptiveterm``, ``make``, and, where the Building Height
  Attribute is supplied with it, ``abshmin``, ``absh2``, ``abshmax``, ``relh2``,
  ``relhmax`` (metres).

A feature is a building when ``descriptiveGroup`` holds ``Building``; the others (roads,
gardens, water) are left out and counted. Its ``building_id`` is its TOID, normalised to
``osgb`` + the digits without leading zeros (``osgb0001000002085437860`` and
``1000002085437860`` are both ``osgb1000002085437860``), which is how AddressBase's
cross-reference (``CrossReference`` with ``Source`` ``7666MT``) names the building an
address lies in: addresses join their buildings by TOID.

``levels``: the Topography Layer holds no storeys. Where the Building Height Attribute
is present, ``levels`` is its ``relh2`` (height from the ground to the base of the roof,
metres) over :data:`STOREY_HEIGHT_M`, rounded, at least 1 (``relhmax`` when ``relh2`` is
empty); otherwise ``levels`` is left empty and geo_era derives storeys from the flat
positions in the addresses (:mod:`geo_era.data.dwellings`). OS Open Map Local's
``Building`` layer (GML or GeoPackage, ``id`` a GUID, no TOID) cannot join addresses by
TOID and is not read here.

Sources: the field names (``descriptivegroup``, ``descriptiveterm``, ``make``, and a
building being a ``descriptivegroup`` holding ``Building``) as Ordnance Survey's own
styling SQL for schema versions 7 and 9 uses them (GitHub
``OrdnanceSurvey/OSMM-Topography-Layer-stylesheets``, ``Schema version 9/SQL/PostGIS/
String/topographicarea_createtable_string.sql``); the GML layout (feature, namespace,
``fid``) as GDAL 3.12 reads it. The OS technical specification and the Building Height
Attribute's specification could not be reached from here: the ``toid`` and height
column names (``relh2``, ``relhmax``) are those OS publishes for the GeoPackage supply
as far as known, matched case-insensitively.

Every problem is an error naming the file, the feature (1-based, in file order), the
product's field and the contract column it feeds; nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_era.contract.schema import BNG
from geo_era.errors import DataError, ImportRefusedError, Problem, quote

#: Metres per storey for ``levels`` from the Building Height Attribute's ``relh2``.
STOREY_HEIGHT_M = 3.0
#: The layer (table) names of the Topography Layer's areas.
LAYERS = ("TopographicArea",)
#: The TOID field, by supply: GML's ``fid`` attribute, the GeoPackage's ``toid``.
TOID_FIELDS = ("toid", "fid")
#: The Building Height Attribute's fields, in order of preference.
HEIGHT_FIELDS = ("relh2", "relhmax")
_TOID = re.compile(r"^(?:osgb)?0*(\d{1,20})$", re.IGNORECASE)


@dataclass
class MasterMapBuildings:
    """The buildings read, and how many features were not buildings."""

    buildings: gpd.GeoDataFrame
    features: int
    not_buildings: int
    repeated: int = 0
    notices: list[str] = field(default_factory=list)


def normal_toid(value: object) -> str | None:
    """``osgb0001000002085437860`` -> ``osgb1000002085437860``; None if not a TOID."""
    match = _TOID.match(str(value).strip())
    return f"osgb{match.group(1)}" if match else None


def _field(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lower = {str(c).lower(): str(c) for c in frame.columns}
    return next((lower[n] for n in names if n in lower), None)


def _is_building(groups: pd.Series) -> np.ndarray:
    """Whether each ``descriptiveGroup`` (values joined by ``|`` or ``,``) holds
    ``Building``."""
    tokens = groups.fillna("").astype(str).str.split(r"\s*[|,;]\s*", regex=True)
    return tokens.map(lambda items: any(t.strip().lower() == "building"
                                        for t in items)).to_numpy(bool)


def _levels(frame: pd.DataFrame, rows: np.ndarray, file: str,
            problems: list[Problem]) -> pd.Series:
    """``levels`` from the Building Height Attribute, where the supply has it."""
    levels = pd.Series(pd.NA, index=range(len(rows)), dtype="Int64")
    names = [n for n in (_field(frame, (h,)) for h in HEIGHT_FIELDS) if n is not None]
    if not names:
        return levels
    height = pd.Series(np.nan, index=range(len(rows)))
    for name in reversed(names):  # the preferred field last, so it wins where it is set
        raw = frame[name].iloc[rows].reset_index(drop=True)
        text = raw.astype("string").str.strip()
        value = pd.to_numeric(text, errors="coerce")
        bad = text.notna() & (text != "") & (value.isna() | (value < 0) | (value > 1000))
        for k in np.flatnonzero(bad.to_numpy()):
            problems.append(Problem(
                f"height {quote(raw.iloc[k])} is not a height in metres (0 to 1000); the "
                "buildings layer's 'levels' comes from it", file=file,
                layer="TopographicArea", row=int(rows[k]) + 1, column=name))
        height = value.where(value.notna(), height)
    known = height.notna()
    levels[known] = np.maximum(1, np.rint(height[known] / STOREY_HEIGHT_M)).astype(int)
    return levels


def mastermap_buildings(frame: gpd.GeoDataFrame, *, file: str) -> MasterMapBuildings:
    """The building polygons of a Topography Layer ``TopographicArea`` table as the
    ``buildings`` layer (``building_id`` = TOID, ``levels`` where heights are given).

    Raises
    ------
    DataError
        The table lacks the TOID or ``descriptiveGroup`` field.
    ImportRefusedError
        A building's TOID is missing or malformed, repeats with another polygon, or its
        geometry is missing or not a polygon, or a height is not a number.
    """
    toid_field = _field(frame, TOID_FIELDS)
    group_field = _field(frame, ("descriptivegroup",))
    if toid_field is None or group_field is None:
        missing = [n for n, f in (("fid/toid", toid_field),
                                  ("descriptiveGroup", group_field)) if f is None]
        raise DataError(f"'{file}' is not OS MasterMap Topography Layer: TopographicArea "
                        f"has no field {', '.join(missing)} (its fields: "
                        f"{', '.join(map(str, frame.columns[:12]))}); give the "
                        "Topography Layer's GML or GeoPackage as supplied")
    rows = np.flatnonzero(_is_building(frame[group_field]))
    problems: list[Problem] = []
    toids = frame[toid_field].iloc[rows].map(normal_toid).reset_index(drop=True)
    for k in np.flatnonzero(toids.isna().to_numpy()):
        problems.append(Problem(
            f"TOID {quote(frame[toid_field].iloc[rows[k]])} is not an OS TOID ('osgb' and "
            "up to 20 digits); it becomes the buildings layer's 'building_id'", file=file,
            layer="TopographicArea", row=int(rows[k]) + 1, column=toid_field))
    geoms = frame.geometry.iloc[rows].reset_index(drop=True)
    if frame.crs is not None and not frame.crs.equals(BNG):
        geoms = geoms.to_crs(BNG)
    kinds = geoms.geom_type.fillna("none").to_numpy()
    for k in np.flatnonzero(~np.isin(kinds, ["Polygon", "MultiPolygon"]) | geoms.is_empty):
        problems.append(Problem(
            f"the building has no polygon (geometry {kinds[k]}); the buildings layer "
            "needs its footprint", file=file, layer="TopographicArea",
            row=int(rows[k]) + 1, column="polygon"))
    levels = _levels(frame, rows, file, problems)
    keep, repeated = _first_of_each(toids, geoms, rows, file, problems)
    if problems:
        raise ImportRefusedError(problems)
    buildings = gpd.GeoDataFrame({
        "building_id": toids[keep].astype(str).to_numpy(),
        "levels": levels[keep].to_numpy(),
        "building_type": pd.Series([None] * int(keep.sum()), dtype="object").to_numpy(),
    }, geometry=gpd.GeoSeries(geoms[keep].to_numpy(), crs=BNG))
    return MasterMapBuildings(buildings=buildings, features=len(frame),
                              not_buildings=len(frame) - len(rows), repeated=repeated)


def _first_of_each(toids: pd.Series, geoms: gpd.GeoSeries, rows: np.ndarray, file: str,
                   problems: list[Problem]) -> tuple[np.ndarray, int]:
    """Which features to keep: a TOID repeated with the same polygon (a chunked supply)
    once; repeated with another polygon, a problem."""
    keep = np.ones(len(toids), dtype=bool)
    first: dict[str, int] = {}
    repeated = 0
    for k, toid in enumerate(toids):
        if toid is None or pd.isna(toid):
            continue
        if toid not in first:
            first[toid] = k
            continue
        keep[k] = False
        j = first[toid]
        if shapely.equals(geoms.iloc[j], geoms.iloc[k]):
            repeated += 1
            continue
        problems.append(Problem(
            f"TOID {toid} repeats feature {int(rows[j]) + 1} with another polygon; give "
            "one supply of the Topography Layer, not two editions", file=file,
            layer="TopographicArea", row=int(rows[k]) + 1, column="fid/toid"))
    return keep, repeated
