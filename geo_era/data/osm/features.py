"""The ``buildings`` and ``sites`` layers, from the features osmnx reads.

buildings
---------
Every closed way and every multipolygon relation tagged ``building=*`` (except ``building=no``,
which OSM uses to say "not a building"), as a Polygon or MultiPolygon. Nodes tagged
``building`` are not footprints and are left out, as are unclosed ways.

- ``building_id``: ``osm-way-<id>`` or ``osm-relation-<id>``
- ``levels``: ``building:levels`` when it is a whole number ("4", "4.0"); missing otherwise
  ("3.5", "4;5", "ground" or no tag)
- ``building_type``: the ``building`` value (``yes``, ``apartments``, ``church`` …)

sites
-----
The category of a site is decided by its tags (:mod:`geo_era.data.osm.tags`).

- ``site_id``: ``osm-node-<id>``, ``osm-way-<id>`` or ``osm-relation-<id>``
- ``category``, ``name`` (OSM ``name``, empty when there is none)
- ``osm_tag``: the tag that decided the category, e.g. ``amenity=pub`` or ``shop=books``

Nodes stay points; closed ways and multipolygon relations stay polygons, because distances are
measured to a site's boundary. An unclosed way (a line) cannot be a site and is left out. A
place mapped twice in OSM (a node for the pub and a polygon for its building, both tagged) gives
two sites, as OSM has them.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmnx as ox
import shapely
from osmnx._errors import InsufficientResponseError
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo_era.contract.schema import WGS84
from geo_era.data.osm.frames import BUILDING_COLUMNS, SITE_COLUMNS, frame_of
from geo_era.data.osm.tags import FEATURE_KEYS, site_category
from geo_era.errors import DataError

logger = logging.getLogger(__name__)


def read_features(xml_path: Path, shown: Path) -> gpd.GeoDataFrame:
    """Every feature with a building or site key, from ``osmnx.features_from_xml``."""
    try:
        features = ox.features_from_xml(xml_path, tags=dict.fromkeys(FEATURE_KEYS, True))
    except InsufficientResponseError:  # no feature carries any of the keys
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84))
    except (ET.ParseError, UnicodeDecodeError) as exc:
        raise DataError(
            f"OSM file '{shown}' could not be read as UTF-8 OSM XML ({exc}); save the extract "
            f"as UTF-8 OSM XML or PBF"
        ) from None
    return features


def _tag_records(features: gpd.GeoDataFrame) -> list[tuple[str, int, dict[str, str],
                                                          BaseGeometry]]:
    """``(element, id, tags, geometry)`` for every feature, tags without missing values."""
    if len(features) == 0:
        return []
    columns = [c for c in features.columns if c != "geometry"]
    records = []
    values = features[columns].to_numpy(dtype=object)
    for (element, osm_id), row, geom in zip(features.index, values, features.geometry,
                                            strict=True):
        tags = {c: v for c, v in zip(columns, row, strict=True) if isinstance(v, str)}
        records.append((str(element), int(osm_id), tags, geom))
    return records


def _polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """The polygonal part of a geometry (osmnx's ``make_valid`` can give a collection)."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    if isinstance(geom, LineString) and geom.is_closed and len(geom.coords) >= 4:
        ring = Polygon(geom.coords)
        return ring if ring.is_valid and not ring.is_empty else None
    if geom.geom_type == "GeometryCollection":
        parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon | MultiPolygon)]
        if parts:
            merged = shapely.union_all(parts)
            if isinstance(merged, Polygon | MultiPolygon) and not merged.is_empty:
                return merged
    return None


def _levels(raw: str | None) -> int | None:
    """``building:levels`` as a whole number of storeys, or None when it is not one."""
    if raw is None:
        return None
    try:
        number = float(raw.strip())
    except ValueError:
        return None
    if not np.isfinite(number) or number < 0 or number != int(number):
        return None
    return int(number)


def buildings_layer(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The ``buildings`` layer (WGS84) from the osmnx features."""
    rows = []
    for element, osm_id, tags, geom in _tag_records(features):
        building = tags.get("building")
        if element == "node" or building is None or building.strip().lower() == "no":
            continue
        polygon = _polygonal(geom) if not isinstance(geom, LineString) else None
        if polygon is None:
            logger.debug("building %s %s is not a closed area; left out", element, osm_id)
            continue
        rows.append({"building_id": f"osm-{element}-{osm_id}",
                     "levels": _levels(tags.get("building:levels")),
                     "building_type": building, "geometry": polygon})
    return frame_of(rows, BUILDING_COLUMNS, WGS84)


def sites_layer(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The ``sites`` layer (WGS84) from the osmnx features."""
    rows = []
    for element, osm_id, tags, geom in _tag_records(features):
        match = site_category(tags)
        if match is None:
            continue
        site_geom: BaseGeometry | None = geom if element == "node" else _polygonal(geom)
        if site_geom is None or site_geom.is_empty:
            logger.debug("site %s %s is not a point or closed area; left out", element, osm_id)
            continue
        category, osm_tag = match
        rows.append({"site_id": f"osm-{element}-{osm_id}", "category": category,
                     "name": tags.get("name", ""), "osm_tag": osm_tag, "geometry": site_geom})
    return frame_of(rows, SITE_COLUMNS, WGS84)
