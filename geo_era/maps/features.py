"""GeoJSON for the interactive maps, made fast enough for a page: the reference layers a
map draws around a place (data zones, streets, buildings, sites) read once per layer
version and indexed, and features written as GeoJSON dictionaries in EPSG:4326 without
a GeoDataFrame round trip per layer and per request.

:func:`collection` answers exactly what ``GeoDataFrame.to_crs("EPSG:4326")
.__geo_interface__`` answers (the same ids, properties, missing values as ``None``, and
coordinates from the same PROJ transformation), at a fraction of its cost, so Folium is
handed a dictionary it draws as it is. Only reference layers are cached here (no
subject, zone, check or household: what a map may show a role is decided per request
by its caller), and a cached layer is replaced as soon as its version in the store's
catalog changes.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer

from geo_era.contract.schema import BNG
from geo_era.data.layer_store import LayerStore

WGS84 = "EPSG:4326"
#: EPSG:27700 -> EPSG:4326, x/y order, as ``GeoSeries.to_crs`` builds it.
_TO_WGS84 = Transformer.from_crs(BNG, WGS84, always_xy=True)


def _xy_to_wgs84(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lon, lat = _TO_WGS84.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def to_wgs84(geometries: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Geometries in EPSG:27700 (metres) to EPSG:4326 (longitude, latitude), 2-D."""
    found: npt.NDArray[np.object_] = shapely.transform(np.asarray(geometries, dtype=object),
                                                       _xy_to_wgs84)
    return found


def point_wgs84(x: float, y: float) -> tuple[float, float]:
    """One EPSG:27700 point as (longitude, latitude)."""
    lon, lat = _TO_WGS84.transform(x, y)
    return float(lon), float(lat)


def bounds_wgs84(area: shapely.Geometry) -> list[list[float]]:
    """The [[south, west], [north, east]] of ``area`` (EPSG:27700) in EPSG:4326."""
    minx, miny, maxx, maxy = shapely.bounds(to_wgs84([area])[0])
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def collection(frame: pd.DataFrame, columns: list[str] | None = None) -> dict[str, Any]:
    """The rows of ``frame`` (its ``geometry`` column in EPSG:27700) as a GeoJSON
    FeatureCollection in EPSG:4326 with ``columns`` (default: every other column) as
    properties: what ``gpd.GeoDataFrame(frame).to_crs(WGS84).__geo_interface__`` gives
    (ids are the frame's index as text, a missing value is ``None``)."""
    columns = [c for c in frame.columns if c != "geometry"] if columns is None else columns
    geometries = to_wgs84(frame["geometry"].to_numpy(dtype=object))
    hidden = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    geometries[hidden] = None
    texts = shapely.to_geojson(geometries)
    shapes = json.loads("[" + ",".join(t if t is not None else "null" for t in texts) + "]")
    values = []
    for column in columns:
        cells = np.array(frame[column], dtype=object)
        cells[pd.isna(cells)] = None
        values.append(cells.tolist())
    rows = [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)] \
        if columns else [{} for _ in range(len(frame))]
    return {"type": "FeatureCollection", "features": [
        {"id": str(index), "type": "Feature", "properties": properties, "geometry": shape}
        for index, properties, shape in zip(frame.index.tolist(), rows, shapes,
                                            strict=True)]}


def split(features: dict[str, Any], keys: list[Any]) -> dict[Any, dict[str, Any]]:
    """A FeatureCollection parted by ``keys`` (one per feature, e.g. each site's
    category): a FeatureCollection per key, features in their order."""
    parts: dict[Any, list[dict[str, Any]]] = {}
    for feature, key in zip(features["features"], keys, strict=True):
        parts.setdefault(key, []).append(feature)
    return {key: {"type": "FeatureCollection", "features": found}
            for key, found in parts.items()}


def in_area(frame: gpd.GeoDataFrame, area: shapely.Geometry) -> gpd.GeoDataFrame:
    """The rows of ``frame`` that intersect ``area`` (same CRS), in the frame's order."""
    return frame.iloc[frame.sindex.query(area, predicate="intersects")]


@dataclass(frozen=True)
class _Cached:
    version: tuple[int, str]
    frame: gpd.GeoDataFrame


#: The columns of each reference layer a map draws (besides the geometry).
REFERENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "areas": ("area_id", "area_type"), "streets": (), "buildings": ("building_id",),
    "sites": ("site_id", "category", "name")}

_CACHE: dict[tuple[Path, str], _Cached] = {}
_LOCK = threading.Lock()


def reference_layers(store: LayerStore) -> dict[str, gpd.GeoDataFrame]:
    """The reference layers of ``store`` a map draws (those of :data:`REFERENCE_COLUMNS`
    it holds), each with only the columns drawn and its spatial index: read once per
    version of the layer (one reading of the catalog says which versions are current)
    and kept until a newer version is imported."""
    catalog = store.snapshot()
    root = store.home.resolve()
    found: dict[str, gpd.GeoDataFrame] = {}
    for name, columns in REFERENCE_COLUMNS.items():
        entry = catalog.layers.get(name)
        if entry is None:
            continue
        key = (root, name)
        cached = _CACHE.get(key)
        if cached is None or cached.version != (entry.version, entry.sha256):
            frame = store.read_entry(entry)
            assert isinstance(frame, gpd.GeoDataFrame)
            frame = frame[[c for c in (*columns, "geometry") if c in frame.columns]]
            frame.sindex  # noqa: B018  (built now, once, not by the first map drawing it)
            cached = _Cached((entry.version, entry.sha256), frame)
            with _LOCK:
                _CACHE[key] = cached
        found[name] = cached.frame
    return found
