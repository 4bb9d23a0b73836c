"""The columns of the three OSM layers and the frames that hold them: typed, possibly
empty, projected to British National Grid (EPSG:27700) with their coordinates checked."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_era.contract.schema import BNG
from geo_era.errors import DataError

#: Output columns (before ``geometry``) and their dtypes, in order.
BUILDING_COLUMNS: dict[str, str] = {"building_id": "object", "levels": "Int64",
                                    "building_type": "object"}

SITE_COLUMNS: dict[str, str] = {"site_id": "object", "category": "object", "name": "object",
                                "osm_tag": "object"}

STREET_COLUMNS: dict[str, str] = {"street_id": "object", "name": "object", "highway": "object",
                                  "length_m": "float64"}


def frame_of(rows: list[dict[str, object]], columns: Mapping[str, str], crs: str
             ) -> gpd.GeoDataFrame:
    """A GeoDataFrame with exactly ``columns`` (typed) then ``geometry``, possibly empty."""
    data = {name: pd.Series([r[name] for r in rows], dtype=dtype)
            for name, dtype in columns.items()}
    geometry = gpd.GeoSeries([r["geometry"] for r in rows], crs=crs)
    return gpd.GeoDataFrame(data, geometry=geometry, crs=crs)


def to_bng(frame: gpd.GeoDataFrame, shown: Path, layer: str) -> gpd.GeoDataFrame:
    """Project a layer to EPSG:27700 with the contract columns, checking coordinates."""
    columns = {"buildings": BUILDING_COLUMNS, "sites": SITE_COLUMNS,
               "streets": STREET_COLUMNS}[layer]
    if len(frame) == 0 or not set(columns) <= set(frame.columns):
        return frame_of([], columns, BNG)
    projected = frame.to_crs(BNG)
    coords = shapely.get_coordinates(projected.geometry.to_numpy())
    if not np.isfinite(coords).all():
        raise DataError(
            f"OSM file '{shown}': layer '{layer}' has coordinates that cannot be projected to "
            f"British National Grid (EPSG:27700); check that the extract is OSM data for Great "
            f"Britain with valid latitudes and longitudes"
        )
    out = projected[[*columns, "geometry"]].reset_index(drop=True)
    for name, dtype in columns.items():
        out[name] = out[name].astype(dtype)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=BNG)
