"""Registers of Scotland INSPIRE cadastral index polygons as the ``plots`` layer.

Registers of Scotland publishes the extents of registered titles as open INSPIRE
Cadastral Parcels (one GML file per registration county), in the INSPIRE Cadastral
Parcels application schema (``http://inspire.ec.europa.eu/schemas/cp/4.0``, GML 3.2):
``cp:CadastralParcel`` features with ``cp:inspireId`` (``base:Identifier`` with
``base:localId`` and ``base:namespace``), ``cp:geometry`` (a ``gml:MultiSurface`` in
EPSG:27700), ``cp:label``, ``cp:nationalCadastralReference``, ``cp:areaValue`` and the
lifespan dates. GDAL reads the identifier as the fields ``localId`` and ``namespace``.
Sources: the INSPIRE Data Specification on Cadastral Parcels (v3.1) as its schema is
published at inspire.ec.europa.eu (read here through public example files of cp 4.0);
Registers of Scotland's own product page could not be reached from here.

Each polygon's ``plot_id`` is its ``localId``. A title polygon says nothing of the
address it serves, so each plot is joined to the addresses and buildings already
loaded, by where they lie (EPSG:27700), as the data contract asks (a plot belongs to a
``property_id`` or a ``building_id``):

1. exactly one address point inside the polygon: the plot is that dwelling's
   (``property_id``, and its ``building_id``);
2. several address points, all of one building: the building's (a shared back green);
3. no address point, and exactly one building footprint with its representative point
   inside: that building's;
4. otherwise (no address or building, several buildings) the plot is left out and
   listed, never guessed.

Title polygons of the flats of one building are often the same polygon: a polygon
repeated exactly is taken once (the first ``localId``), so that plots do not overlap.

Problems with the file (no ``localId``, a repeated ``localId`` with another polygon, a
missing or non-polygon geometry) are errors naming the file, the feature (1-based) and
the product's field; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_era.contract.schema import BNG
from geo_era.errors import DataError, ImportRefusedError, Problem, quote

#: The layer name of the parcels.
LAYERS = ("CadastralParcel",)
_ID_FIELDS = ("localid", "inspireid", "gml_id")


@dataclass
class InspirePlots:
    """The plots joined, and every polygon left out with why."""

    plots: gpd.GeoDataFrame
    features: int
    repeated: int = 0
    left_out: list[Problem] = field(default_factory=list)


def _id_field(frame: pd.DataFrame) -> str | None:
    lower = {str(c).lower(): str(c) for c in frame.columns}
    return next((lower[n] for n in _ID_FIELDS if n in lower), None)


def _checked(frame: gpd.GeoDataFrame, file: str) -> tuple[pd.Series, gpd.GeoSeries]:
    """The parcels' ids and polygons (EPSG:27700), every problem raised together."""
    id_field = _id_field(frame)
    if id_field is None:
        raise DataError(f"'{file}' is not INSPIRE Cadastral Parcels: CadastralParcel has "
                        "no inspireId (localId); give the Registers of Scotland GML as "
                        "published")
    ids = frame[id_field].astype("string").str.strip()
    geoms = frame.geometry
    if frame.crs is not None and not frame.crs.equals(BNG):
        geoms = geoms.to_crs(BNG)
    problems: list[Problem] = []
    for k in np.flatnonzero((ids.isna() | (ids == "")).to_numpy()):
        problems.append(Problem("the parcel has no inspireId localId; it becomes the "
                                "plots layer's 'plot_id'", file=file,
                                layer="CadastralParcel", row=int(k) + 1, column=id_field))
    kinds = geoms.geom_type.fillna("none").to_numpy()
    for k in np.flatnonzero(~np.isin(kinds, ["Polygon", "MultiPolygon"]) | geoms.is_empty):
        problems.append(Problem(f"the parcel has no polygon (geometry {kinds[k]}); the "
                                "plots layer needs its extent", file=file,
                                layer="CadastralParcel", row=int(k) + 1, column="geometry"))
    seen: dict[str, int] = {}
    for position, value in enumerate(ids.tolist()):
        if value is pd.NA or not value:
            continue
        if value in seen:
            problems.append(Problem(
                f"localId {quote(value)} repeats feature {seen[value] + 1}; each parcel "
                "has its own inspireId", file=file, layer="CadastralParcel",
                row=position + 1, column=id_field))
        seen.setdefault(value, position)
    if problems:
        raise ImportRefusedError(problems)
    return ids.reset_index(drop=True), gpd.GeoSeries(geoms.to_numpy(), crs=BNG)


def inspire_plots(frame: gpd.GeoDataFrame, *, properties: gpd.GeoDataFrame,
                  buildings: gpd.GeoDataFrame | None, file: str) -> InspirePlots:
    """The parcels of an INSPIRE ``CadastralParcel`` table joined to the ``properties``
    (points) and ``buildings`` (footprints) loaded, as the ``plots`` layer (see the
    module docstring).

    Raises
    ------
    DataError
        The table has no ``localId``.
    ImportRefusedError
        A parcel has no id or polygon, or its id repeats.
    """
    ids, geoms = _checked(frame, file)
    key = shapely.to_wkb(shapely.normalize(geoms.to_numpy()))
    first = ~pd.Series(key).duplicated().to_numpy()
    rows = np.flatnonzero(first)
    polys = geoms.to_numpy()[rows]
    tree = shapely.STRtree(polys)
    points = properties.geometry.to_numpy()
    point_idx, poly_idx = tree.query(points, predicate="within")
    p_building = properties["building_id"].astype("string") \
        if "building_id" in properties.columns else pd.Series(pd.NA, index=properties.index,
                                                              dtype="string")
    inside: dict[int, list[int]] = {}
    for point, poly in zip(point_idx, poly_idx, strict=True):
        inside.setdefault(int(poly), []).append(int(point))
    b_inside: dict[int, list[int]] = {}
    if buildings is not None and len(buildings):
        reps = shapely.point_on_surface(buildings.geometry.to_numpy())
        b_idx, b_poly = tree.query(reps, predicate="within")
        for b, poly in zip(b_idx, b_poly, strict=True):
            b_inside.setdefault(int(poly), []).append(int(b))
    records: list[dict[str, object]] = []
    left_out: list[Problem] = []
    pids = properties["property_id"].astype(str).to_numpy()
    bids = buildings["building_id"].astype(str).to_numpy() if buildings is not None else []
    for n, row in enumerate(rows):
        owner, why = _owner(inside.get(n, []), b_inside.get(n, []), pids, p_building, bids)
        if owner is None:
            left_out.append(Problem(f"parcel {ids.iloc[row]} left out: {why}", file=file,
                                    layer="CadastralParcel", row=int(row) + 1))
            continue
        records.append({"plot_id": str(ids.iloc[row]), **owner, "geometry": polys[n]})
    plots = gpd.GeoDataFrame(
        pd.DataFrame(records, columns=["plot_id", "property_id", "building_id", "geometry"]),
        geometry="geometry", crs=BNG)
    return InspirePlots(plots=plots, features=len(frame), repeated=int((~first).sum()),
                        left_out=left_out)


def _owner(points: list[int], inner: list[int], pids: np.ndarray, p_building: pd.Series,
           bids: np.ndarray | list[str]) -> tuple[dict[str, object] | None, str]:
    """Whose a plot is, by the address points and building footprints inside it."""
    if len(points) == 1:
        building = p_building.iloc[points[0]]
        return {"property_id": str(pids[points[0]]),
                "building_id": None if building is pd.NA else str(building)}, ""
    if points:
        buildings = {p_building.iloc[p] for p in points}
        if len(buildings) == 1 and pd.NA not in buildings:
            return {"property_id": None, "building_id": str(buildings.pop())}, ""
        return None, f"{len(points)} addresses of {len(buildings)} buildings inside"
    if len(inner) == 1:
        return {"property_id": None, "building_id": str(bids[inner[0]])}, ""
    return None, ("no address or building inside" if not inner
                  else f"{len(inner)} buildings and no address inside")
