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
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

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


def geopackage_bytes(layers: Mapping[str, pd.DataFrame], *, marking: str,
                     about: Mapping[str, str]) -> bytes:
    """One GeoPackage holding ``layers`` (layer name -> table; a GeoDataFrame is
    written with its geometry and CRS, a DataFrame as an attribute table), each
    described with ``marking``, and an ``about`` table of ``about``'s items (what,
    when, marking). Raises :class:`DataError` for an empty or clashing layer name."""
    names = [str(name) for name in layers]
    if any(not name or name.casefold() == "about" for name in names) or len(
            {n.casefold() for n in names}) != len(names):
        raise DataError("every layer of a GeoPackage needs its own name, not 'about'")
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
        return path.read_bytes()
