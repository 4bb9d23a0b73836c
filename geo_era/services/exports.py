"""The analyses as styled GeoPackages for QGIS (``--out FILE.gpkg``; R131).

Each export is the answer the service already gives (same need-to-know check, same
audit entry, the same content: a minimum set without a justification has no household
facts), placed on the map with the properties' points from the properties layer
(EPSG:27700, metres), written as a GeoPackage (:func:`geo_era.documents.geopackage.
geopackage_bytes`) whose spatial layers carry their QGIS default style
(:mod:`geo_era.documents.analysis_styles`). Anything about a subject or a household
(a minimum set, a screening) is written owner-only (0600); the proximity table, which
holds reference data only, 0644 as its CSV.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_era._io import PRIVATE, SHARED, write_bytes
from geo_era.documents.analysis_styles import (
    SEVERAL,
    minimum_set_styles,
    proximity_styles,
    screening_style,
)
from geo_era.documents.geopackage import geopackage_bytes
from geo_era.errors import DataError
from geo_era.services.answers.analysis import (
    Extension,
    ExtensionForLandlord,
    ExtensionMember,
    Member,
    MinimumSetAnswer,
    MinimumSetWithoutHouseholds,
)
from geo_era.services.answers.housing import VoidScreening
from geo_era.services.context import Services

__all__ = ["SUFFIX", "is_geopackage", "minimum_set_geopackage", "proximity_geopackage",
           "screening_geopackage", "write_minimum_set", "write_screening"]

SUFFIX = ".gpkg"
INTERNAL = "OFFICIAL-SENSITIVE"
REFERENCE = "OFFICIAL"
CRS = "EPSG:27700 (metres)"


def is_geopackage(out: Path | None) -> bool:
    """Whether ``out`` names a GeoPackage (``*.gpkg``)."""
    return out is not None and out.suffix.lower() == SUFFIX


def _points(services: Services, rows: pd.DataFrame) -> gpd.GeoDataFrame:
    """``rows`` (with a ``property_id`` column) placed at their properties' points, in
    the order given."""
    properties = services.layers.read("properties", columns=["property_id", "geometry"])
    assert isinstance(properties, gpd.GeoDataFrame)
    by_id = properties.drop_duplicates("property_id").set_index("property_id").geometry
    shapes = by_id.reindex(rows["property_id"].astype(str)).to_numpy()
    return gpd.GeoDataFrame(rows.reset_index(drop=True), geometry=shapes, crs=properties.crs)


def proximity_geopackage(table: pd.DataFrame, properties: gpd.GeoDataFrame,
                         sites: gpd.GeoDataFrame, radius_m: float) -> bytes:
    """The proximity table as a GeoPackage: ``proximity`` (one point per property,
    the table's columns; distances in metres, NULL where there is no site of the
    category) graduated by the distance to the nearest school, and ``sites`` (the
    sites, a polygon site at a point inside it) by category."""
    at = properties.drop_duplicates("property_id").set_index("property_id").geometry
    shapes = at.reindex(table["property_id"].astype(str)).to_numpy()
    layer = gpd.GeoDataFrame(table.reset_index(drop=True), geometry=shapes,
                             crs=properties.crs)
    points = sites.geometry.where(sites.geom_type == "Point",
                                  sites.geometry.representative_point())
    columns = [c for c in ("site_id", "category", "name") if c in sites.columns]
    site_layer = gpd.GeoDataFrame(sites[columns].reset_index(drop=True),
                                  geometry=points.to_numpy(), crs=sites.crs)
    about = {"what": "proximity of every property to the sensitive sites (NASSO 3.8)",
             "radius_m": f"{radius_m:g}", "crs": CRS,
             "sites": "a polygon site is drawn at a point inside it"}
    return geopackage_bytes({"proximity": layer, "sites": site_layer}, marking=REFERENCE,
                            about=about, styles=proximity_styles(radius_m))


def write_proximity(out: Path, table: pd.DataFrame, properties: gpd.GeoDataFrame,
                    sites: gpd.GeoDataFrame, radius_m: float) -> Path:
    """Write :func:`proximity_geopackage` to ``out`` whole (0644: reference data)."""
    return write_bytes(out, proximity_geopackage(table, properties, sites, radius_m),
                       mode=SHARED)


def _rule(reasons: Sequence[str]) -> str:
    return reasons[0] if len(reasons) == 1 else SEVERAL


def _member_rows(answer: MinimumSetAnswer | MinimumSetWithoutHouseholds) -> pd.DataFrame:
    rows = []
    for member in answer.properties:
        row: dict[str, object] = {"property_id": member.property_id,
                                  "address": member.address, "rule": _rule(member.reasons),
                                  "reasons": member.reason}
        if isinstance(member, Member):
            row.update(member.household.model_dump())
        rows.append(row)
    columns = ["property_id", "address", "rule", "reasons"]
    return pd.DataFrame(rows, columns=columns + [c for c in (rows[0] if rows else {})
                                                 if c not in columns])


def _extension_rows(extension: Extension | ExtensionForLandlord) -> pd.DataFrame:
    """The extension's dwellings: id, address, distance (metres) or ring, and the
    household's facts when the answer has them."""
    rows = []
    for extra in extension.properties:
        row = extra.model_dump(exclude={"household"})
        if isinstance(extra, ExtensionMember):
            row.update(extra.household.model_dump())
        rows.append(row)
    return pd.DataFrame(rows)


def minimum_set_geopackage(services: Services,
                           answer: MinimumSetAnswer | MinimumSetWithoutHouseholds) -> bytes:
    """A minimum set as a GeoPackage: ``candidate`` (the property), ``minimum_set``
    (one point per dwelling, with the rule that puts it in the set and, when the
    answer has them, its household's facts) and, when extended, ``extension``."""
    candidate = pd.DataFrame([{"property_id": answer.property_id, "address": answer.address,
                               "property_type": answer.property_type,
                               "rule": answer.rule.text}])
    layers: dict[str, pd.DataFrame] = {"candidate": _points(services, candidate),
                                       "minimum_set": _points(services, _member_rows(answer))}
    if isinstance(answer.extension, Extension | ExtensionForLandlord) and \
            answer.extension.properties:
        layers["extension"] = _points(services, _extension_rows(answer.extension))
    about = {"what": f"NASSO 3.9 minimum set of {answer.property_id}",
             "households": "yes" if isinstance(answer, MinimumSetAnswer) else
             "no (asked without a justification)", "crs": CRS}
    styles = {k: v for k, v in minimum_set_styles().items() if k in layers}
    return geopackage_bytes(layers, marking=INTERNAL, about=about, styles=styles)


def write_minimum_set(services: Services, out: Path,
                      answer: MinimumSetAnswer | MinimumSetWithoutHouseholds) -> Path:
    """Write :func:`minimum_set_geopackage` to ``out`` whole, owner-only."""
    return write_bytes(out, minimum_set_geopackage(services, answer), mode=PRIVATE)


def screening_geopackage(services: Services, result: VoidScreening) -> bytes:
    """A screening as a GeoPackage: ``voids`` (one point per void shown, with its
    rank, score, whether it is ruled out and why, and its warnings), styled by rank
    and ruled out."""
    rows = pd.DataFrame(
        [{"property_id": v.property_id, "address": v.address, "ruled_out": v.ruled_out,
          "rank": v.rank, "score": None if v.score is None else float(v.score),
          "reasons": "; ".join(r.message for r in v.reasons) or None,
          "warnings": "; ".join(w.message for w in v.warnings) or None}
         for v in result.voids],
        columns=["property_id", "address", "ruled_out", "rank", "score", "reasons",
                 "warnings"])
    if rows.empty:
        raise DataError("no void to export: the screening shows none (check --voids "
                        "and --top)")
    rows["rank"] = rows["rank"].astype("Int64")
    about = {"what": f"voids screened for {result.subject_id}", "source": result.source,
             "screened": str(result.counts.screened), "ranked": str(result.counts.ranked),
             "ruled_out": str(result.counts.ruled_out), "crs": CRS}
    return geopackage_bytes({"voids": _points(services, rows)}, marking=INTERNAL,
                            about=about, styles={"voids": screening_style()})


def write_screening(services: Services, out: Path, result: VoidScreening) -> Path:
    """Write :func:`screening_geopackage` to ``out`` whole, owner-only."""
    return write_bytes(out, screening_geopackage(services, result), mode=PRIVATE)
