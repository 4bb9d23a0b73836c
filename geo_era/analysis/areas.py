"""Administrative areas: which council (or data zone, ward) a place lies in.

Areas come from the ``areas`` layer (EPSG:27700 polygons with ``area_type`` ``council``,
``data_zone``, ``ward``...). A case belongs to the council its candidate property lies
in, which is what confines a council's staff to their own cases.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo_era.analysis.proximity import find_properties
from geo_era.data.layer_store import LayerStore


def area_names_at(areas: gpd.GeoDataFrame, points: np.ndarray, area_type: str
                  ) -> np.ndarray:
    """For each point (an ``(n, 2)`` array of EPSG:27700 metres), the ``name`` (or the
    ``area_id`` when unnamed) of the ``area_type`` area containing it; None outside all."""
    chosen = areas[areas["area_type"].astype(str) == area_type].reset_index(drop=True)
    out = np.full(len(points), None, dtype=object)
    if chosen.empty or len(points) == 0:
        return out
    names = chosen["name"].astype("string").fillna(chosen["area_id"].astype("string"))
    geoms = shapely.points(np.asarray(points, dtype=float))
    point_pos, area_pos = chosen.sindex.query(geoms, predicate="within")
    out[point_pos] = names.to_numpy(dtype=object)[area_pos]
    return out


def council_of(store: LayerStore, property_id: str) -> str | None:
    """The council a property lies in; None when no council area holds it."""
    if not store.has("areas"):
        return None
    prop = find_properties(store, [property_id])
    areas = store.read("areas")
    assert isinstance(areas, gpd.GeoDataFrame)
    xy = shapely.get_coordinates(prop.geometry.to_numpy())
    name = area_names_at(areas, xy, "council")[0]
    return None if name is None else str(name)
