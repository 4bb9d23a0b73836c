"""Geometry given by a person or a client (GeoJSON), checked by the import rules.

A geometry typed into a form or sent to the API is held to exactly the rules a file
import is (:mod:`geo_era.data.validation`): it must have a declared CRS, finite coordinates, the
right type for its layer, be valid (no self-intersection), and lie in Scotland, with a
hint when its axes are swapped. It must also be small enough to be a real feature. What
comes out is in EPSG:27700 (metres).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import shape

from geo_era.contract.schema import LAYERS
from geo_era.data.readers import RawLayer, parse_crs
from geo_era.data.validation import check_geometry
from geo_era.errors import ImportRefusedError, Problem

#: Most vertices accepted in one geometry (an exclusion zone drawn by hand has tens).
MAX_VERTICES = 10_000


def parse_geometry(geometry: Mapping[str, Any], crs: str | None, *, layer: str,
                   where: str = "geometry",
                   max_vertices: int = MAX_VERTICES) -> shapely.Geometry:
    """A GeoJSON geometry in ``crs``, checked as a feature of ``layer`` would be on import,
    in EPSG:27700.

    Raises
    ------
    ImportRefusedError
        Each problem names ``where`` (e.g. ``zone.geometry``) and how to fix it.
    """
    spec = LAYERS[layer]

    def refuse(message: str) -> ImportRefusedError:
        return ImportRefusedError([Problem(message, column=where)])

    try:
        with warnings.catch_warnings():  # NaN coordinates are reported below, by rule
            warnings.simplefilter("ignore", RuntimeWarning)
            geom = shape(dict(geometry))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError,
            shapely.errors.ShapelyError) as exc:
        raise refuse("not a GeoJSON geometry: give 'type' (e.g. Point or Polygon) and "
                     f"'coordinates' ({type(exc).__name__})") from None
    vertices = int(shapely.get_num_coordinates(geom))
    if vertices > max_vertices:
        raise refuse(f"the geometry has {vertices:,} vertices; at most {max_vertices:,} are "
                     "accepted: simplify it in your GIS")
    if crs is None or not crs.strip():
        raise refuse("no CRS: say which coordinate reference system the coordinates are "
                     "in (e.g. 'EPSG:27700' for British National Grid, 'EPSG:4326' for "
                     "longitude/latitude)")
    try:
        declared = parse_crs(crs, file=where)
    except ImportRefusedError as exc:
        raise refuse(exc.problems[0].message) from None
    frame = gpd.GeoDataFrame(geometry=[geom], crs=declared)
    raw = RawLayer(file=where, layer=layer, frame=frame)
    try:
        projected = check_geometry(frame, spec, raw)
    except ImportRefusedError as exc:
        raise ImportRefusedError([Problem(p.message, column=where)
                                  for p in exc.problems]) from None
    result: shapely.Geometry = projected.geometry.iloc[0]
    return result
