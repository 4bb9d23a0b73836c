"""Report tables as one GeoPackage (OGC GeoPackage 1.2, SQLite), for analysts' GIS.

Each table is a layer: areas with their figures as polygons (EPSG:27700, metres),
placements as points, and tables with no place (a year's totals, flows between
authorities) as attribute-only tables, which QGIS opens like any other layer. Counts
stay numeric: a suppressed count is NULL (its CSV shows ``[c]``), so a field sums and
symbolises as a number. Every layer's description carries the report's protective
marking, and an ``about`` table says what the file is.

Written by pyogrio (GDAL) to a temporary file and returned as bytes, so a report's
files can be moved in together (:func:`geo_era.documents.files.write_together`).
``VERSION=1.2`` keeps the file readable by the GDAL of long-term-support GIS releases.
A spatial layer may carry a QGIS style (:mod:`geo_era.documents.styles`), stored in the
file's ``layer_styles`` table, so that it opens in QGIS already styled.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo_era.documents.styles import Style, SymbolKind, symbol_kind, write_layer_styles
from geo_era.errors import DataError

__all__ = ["MEDIA_TYPE", "geopackage_bytes"]

#: The GeoPackage media type (OGC 12-128r18, IANA registration).
MEDIA_TYPE = "application/geopackage+sqlite3"


def _layer_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as a layer: the index (when named) a column, column names as text,
    object columns of mixed values as text (GeoPackage fields have one type)."""
    out = frame.reset_index() if frame.index.name is not None else frame.reset_index(drop=True)
    out.columns = [str(c) for c in out.columns]
    for column in out.columns:
        if column != "geometry" and out[column].dtype == object:
            values = out[column]
            out[column] = values.where(values.isna(), values.astype(str))
    return out


def _kind(frame: pd.DataFrame) -> SymbolKind | None:
    """The symbol type of a layer's shapes (polygons and multipolygons alike); None
    for a table without geometry, an empty layer or one of points and polygons."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    kinds = {symbol_kind(str(name)) for name in frame.geometry.geom_type.dropna()}
    return kinds.pop() if len(kinds) == 1 else None


def geopackage_bytes(layers: Mapping[str, pd.DataFrame], *, marking: str,
                     about: Mapping[str, str],
                     styles: Mapping[str, Style] | None = None) -> bytes:
    """One GeoPackage holding ``layers`` (layer name -> table; a GeoDataFrame is
    written with its geometry and CRS, a DataFrame as an attribute table), each
    described with ``marking``, an ``about`` table of ``about``'s items (what, when,
    marking), and the QGIS default style of each spatial layer named in ``styles``
    (QGIS's ``layer_styles`` table; an empty layer of no stated geometry type gets
    none). Raises :class:`DataError` for an empty or
    clashing layer name, or a style for a layer that is not a spatial layer."""
    names = [str(name) for name in layers]
    reserved = ("about", "layer_styles")
    if any(not name or name.casefold() in reserved for name in names) or len(
            {n.casefold() for n in names}) != len(names):
        raise DataError("every layer of a GeoPackage needs its own name, not 'about' or "
                        "'layer_styles'")
    with tempfile.TemporaryDirectory(prefix="geo-era-gpkg-") as folder:
        path = Path(folder) / "report.gpkg"
        options = {"driver": "GPKG", "dataset_options": {"VERSION": "1.2"},
                   "layer_options": {"DESCRIPTION": marking}}
        info = pd.DataFrame({"item": ["marking", *about],
                             "value": [marking, *(str(v) for v in about.values())]})
        pyogrio.write_dataframe(info, path, layer="about", **options)
        for name, frame in layers.items():
            table = _layer_frame(frame)
            if isinstance(frame, gpd.GeoDataFrame):
                table = gpd.GeoDataFrame(table, geometry="geometry", crs=frame.crs)
            pyogrio.write_dataframe(table, path, layer=str(name), append=True, **options)
        if styles:
            kinds = {name: _kind(layers[name]) for name in styles if name in layers}
            write_layer_styles(path, styles, description=marking, kinds=kinds)
        return path.read_bytes()
