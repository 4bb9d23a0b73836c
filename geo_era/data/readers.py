"""Read the file formats GIS analysts use into raw, unvalidated layers.

A reader only turns bytes into frames and says where each came from; validation against
the data contract is :mod:`geo_era.data.validation`. Supported:

- GeoPackage (``.gpkg``): every layer, attribute tables included, by layer name;
- GeoJSON (``.geojson``, ``.json``), GeoParquet (``.parquet``, ``.geoparquet``),
  Shapefile (``.shp``): one layer named after the file stem;
- CSV (``.csv``): one layer named after the file stem, with point coordinates in
  ``lon``/``lat`` (EPSG:4326), ``easting``/``northing`` (EPSG:27700) or ``x``/``y``
  (CRS given by the caller), or no coordinates for layers without geometry;
- OpenStreetMap (``.osm``, ``.osm.xml``, ``.pbf``): ``buildings``, ``sites``, ``streets``
  through :mod:`geo_era.data.osm`.

Text values from CSV are kept as strings so that validation can quote what was written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo_era.contract.schema import BNG, WGS84
from geo_era.errors import ImportRefusedError, Problem

#: CSV coordinate column pairs, tried in order: (x column, y column, implied CRS or None)
CSV_COORDINATE_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("lon", "lat", WGS84),
    ("longitude", "latitude", WGS84),
    ("lng", "lat", WGS84),
    ("easting", "northing", BNG),
    ("x", "y", None),
)

VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".parquet", ".geoparquet", ".shp", ".csv")
OSM_SUFFIXES = (".osm", ".pbf", ".xml")


@dataclass
class RawLayer:
    """One layer as read from a file, before validation.

    ``frame`` is a GeoDataFrame for layers with geometry, a DataFrame otherwise.
    ``row_offset`` turns a 0-based position into the row number reported to users.
    ``coordinate_columns`` names the CSV columns the points were built from, so that a
    bad coordinate is reported against the column the user wrote.
    """

    file: str
    layer: str
    frame: pd.DataFrame
    coordinate_columns: tuple[str, str] | None = None


def parse_crs(text: str, *, file: str) -> CRS:
    """Parse a user-given CRS such as ``EPSG:27700``; raise a clear error if unknown."""
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise ImportRefusedError([Problem(
            f"CRS '{text}' is not recognised; give it as an EPSG code such as EPSG:27700 "
            "(British National Grid) or EPSG:4326 (longitude/latitude)", file=file)]) from None


def read_layers(path: Path, *, layer: str | None = None, crs: str | None = None) -> list[RawLayer]:
    """Read every layer in ``path``.

    Parameters
    ----------
    path
        The file to read.
    layer
        Layer name for a single-layer file, overriding the file stem.
    crs
        CRS for files that do not carry one (CSV ``x``/``y`` columns, a Shapefile with no
        ``.prj``). It never overrides a CRS the file declares.
    """
    name = path.name
    if not path.exists():
        raise ImportRefusedError([Problem(
            "file not found; check the path", file=str(path))])
    suffix = path.suffix.lower()
    if suffix in OSM_SUFFIXES or name.lower().endswith(".osm.pbf"):
        return _read_osm(path)
    if suffix not in VECTOR_SUFFIXES:
        raise ImportRefusedError([Problem(
            f"unsupported file type '{suffix or name}'; use GeoPackage (.gpkg), GeoJSON, "
            "GeoParquet (.parquet), Shapefile (.shp), CSV or OpenStreetMap (.osm/.pbf)",
            file=name)])
    try:
        if suffix == ".gpkg":
            return _read_geopackage(path, crs=crs)
        stem = layer or path.stem
        if suffix == ".csv":
            return [_read_csv(path, stem, crs=crs)]
        if suffix in (".parquet", ".geoparquet"):
            return [RawLayer(name, stem, _read_parquet(path, crs=crs))]
        frame = pyogrio.read_dataframe(path)
        return [RawLayer(name, stem, _with_crs(frame, crs, file=name))]
    except ImportRefusedError:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError,
            ValueError, json.JSONDecodeError) as exc:
        raise ImportRefusedError([Problem(
            f"could not be read as {suffix[1:]} ({_short(exc)}); check the file is complete "
            "and in the format its name says", file=name)]) from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # never echo long internals; the path is already named by the caller
    return text[:160]


def _with_crs(frame: pd.DataFrame, crs: str | None, *, file: str) -> pd.DataFrame:
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None and crs is not None:
        frame = frame.set_crs(parse_crs(crs, file=file))
    return frame


def _read_geopackage(path: Path, *, crs: str | None) -> list[RawLayer]:
    listed = pyogrio.list_layers(path)
    out: list[RawLayer] = []
    for layer_name, geometry_type in listed:
        frame = pyogrio.read_dataframe(path, layer=layer_name,
                                       read_geometry=geometry_type is not None)
        out.append(RawLayer(path.name, str(layer_name), _with_crs(frame, crs, file=path.name)))
    return out


def _read_parquet(path: Path, *, crs: str | None) -> pd.DataFrame:
    metadata = pq.read_schema(path).metadata or {}
    if b"geo" in metadata:
        frame = gpd.read_parquet(path)
        return _with_crs(frame, crs, file=path.name)
    return pd.read_parquet(path)


def _read_csv(path: Path, stem: str, *, crs: str | None) -> RawLayer:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    lower = {c.lower(): c for c in frame.columns}
    found = next(((lower[x], lower[y], crs_of) for x, y, crs_of in CSV_COORDINATE_COLUMNS
                  if x in lower and y in lower), None)
    if found is None:
        return RawLayer(path.name, stem, frame)
    x_col, y_col, implied = found
    problems: list[Problem] = []
    xs, x_bad = _finite_numbers(frame[x_col])
    ys, y_bad = _finite_numbers(frame[y_col])
    for column, series, bad in ((x_col, frame[x_col], x_bad), (y_col, frame[y_col], y_bad)):
        for pos in np.flatnonzero(bad):
            value = series.iloc[pos]
            problems.append(Problem(
                f"coordinate {value!r} is not a finite number; give a decimal number "
                "(no NaN, inf or blank)", file=path.name, layer=stem, row=int(pos) + 1,
                column=column))
    if implied is None and crs is None:
        problems.append(Problem(
            f"coordinates in columns '{x_col}'/'{y_col}' have no CRS; pass --crs with the "
            "CRS they are in (e.g. --crs EPSG:27700 for British National Grid), or name the "
            "columns lon/lat (EPSG:4326) or easting/northing (EPSG:27700)",
            file=path.name, layer=stem))
    if problems:
        raise ImportRefusedError(problems)
    if implied is None:
        assert crs is not None  # a missing CRS was reported above
        target = parse_crs(crs, file=path.name)
    else:
        target = CRS.from_user_input(implied)
    attributes = frame.drop(columns=[x_col, y_col])
    geometry = gpd.points_from_xy(xs, ys)
    gdf = gpd.GeoDataFrame(attributes, geometry=geometry, crs=target)
    return RawLayer(path.name, stem, gdf, coordinate_columns=(x_col, y_col))


def _finite_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse text to float; return the numbers and a mask of entries that are not finite."""
    numbers = pd.to_numeric(values.str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers)
    return numbers, bad


def _read_osm(path: Path) -> list[RawLayer]:
    from geo_era.data.osm import layers_from_osm  # noqa: PLC0415  (osmnx is slow to import)

    return [RawLayer(path.name, name, frame) for name, frame in layers_from_osm(path).items()]
