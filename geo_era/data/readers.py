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

Before a file is opened its content is checked to be the format its name says
(:mod:`geo_era.data.sniff`), and each format is read by its own reader; files from outside
geo_era are read in a child process with limits (:mod:`geo_era.data.sandbox`), where GDAL
has no other driver and no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo_era.contract.schema import BNG, WGS84
from geo_era.data.sniff import Kind, kind_of, mismatch
from geo_era.errors import DataError, ImportRefusedError, Problem, quote

#: CSV coordinate column pairs, tried in order: (x column, y column, implied CRS or None)
CSV_COORDINATE_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("lon", "lat", WGS84),
    ("longitude", "latitude", WGS84),
    ("lng", "lat", WGS84),
    ("easting", "northing", BNG),
    ("x", "y", None),
)

#: Most layers read from one GeoPackage.
MAX_GEOPACKAGE_LAYERS = 64


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
            f"CRS {quote(text)} is not recognised; give it as an EPSG code such as EPSG:27700 "
            "(British National Grid) or EPSG:4326 (longitude/latitude)", file=file)]) from None


def read_layers(path: Path, *, layer: str | None = None, crs: str | None = None,
                max_rows: int | None = None) -> list[RawLayer]:
    """Read every layer in ``path``, after checking that its content is the format its
    name says (:mod:`geo_era.data.sniff`).

    Parameters
    ----------
    path
        The file to read.
    layer
        Layer name for a single-layer file, overriding the file stem.
    crs
        CRS for files that do not carry one (CSV ``x``/``y`` columns, a Shapefile with no
        ``.prj``). It never overrides a CRS the file declares.
    max_rows
        Most rows one layer may hold (for OpenStreetMap, most elements in the file); a
        file with more is refused, where the format allows before its rows are read.

    Raises
    ------
    ImportRefusedError
        The file is missing, of a type geo_era does not read, not what its name says, or
        unreadable; messages name the file by its own name only.
    """
    name = path.name
    if not path.is_file():
        raise ImportRefusedError([Problem("file not found; check the path", file=name)])
    kind = kind_of(path)
    if kind is None:
        raise ImportRefusedError([Problem(
            f"unsupported file type {quote(path.suffix.lower() or name)}; use GeoPackage "
            "(.gpkg), GeoJSON, GeoParquet (.parquet), Shapefile (.shp), CSV or "
            "OpenStreetMap (.osm/.pbf)", file=name)])
    problem = mismatch(path, kind)
    if problem is not None:
        raise ImportRefusedError([Problem(problem, file=name)])
    if kind in (Kind.OSM_XML, Kind.OSM_PBF):
        return _read_osm(path, max_rows=max_rows)
    try:
        return _read_vector(path, kind, layer=layer, crs=crs, max_rows=max_rows)
    except (ImportRefusedError, MemoryError):  # out of memory: the caller says how much
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError, pyogrio.errors.GeometryError, OSError, ValueError,
            pa.ArrowException) as exc:
        # the reader's own message is not shown: it names the file's path on the server
        raise ImportRefusedError([Problem(
            f"could not be read as {kind.value} ({type(exc).__name__}); check the file is "
            "complete and in the format its name says", file=name)]) from None


def _read_vector(path: Path, kind: Kind, *, layer: str | None, crs: str | None,
                 max_rows: int | None) -> list[RawLayer]:
    """A vector file of a ``kind`` already checked, each format by its own reader."""
    if kind is Kind.GEOPACKAGE:
        return _read_geopackage(path, crs=crs, max_rows=max_rows)
    stem = layer or path.stem
    if kind is Kind.CSV:
        return [_read_csv(path, stem, crs=crs, max_rows=max_rows)]
    if kind is Kind.PARQUET:
        return [RawLayer(path.name, stem, _read_parquet(path, crs=crs, max_rows=max_rows))]
    frame = _read_gdal(path, None, max_rows=max_rows)
    return [RawLayer(path.name, stem, _with_crs(frame, crs, file=path.name))]


def _read_gdal(path: Path, layer: str | None, *, max_rows: int | None,
               read_geometry: bool = True) -> pd.DataFrame:
    """One layer through GDAL, at most ``max_rows`` rows (refused if it has more)."""
    frame: pd.DataFrame = pyogrio.read_dataframe(
        path, layer=layer, read_geometry=read_geometry,
        max_features=None if max_rows is None else max_rows + 1)
    _check_rows(len(frame), max_rows, file=path.name, layer=layer)
    return frame


def _check_rows(rows: int, max_rows: int | None, *, file: str, layer: str | None) -> None:
    if max_rows is not None and rows > max_rows:
        raise ImportRefusedError([Problem(
            f"has more than {max_rows:,} rows, the most one layer may hold "
            "(GEO_ERA_IMPORT_MAX_ROWS); split the layer, or ask the administrator to raise "
            "the limit", file=file, layer=layer)])


def _with_crs(frame: pd.DataFrame, crs: str | None, *, file: str) -> pd.DataFrame:
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None and crs is not None:
        frame = frame.set_crs(parse_crs(crs, file=file))
    return frame


def _read_geopackage(path: Path, *, crs: str | None, max_rows: int | None
                     ) -> list[RawLayer]:
    listed = pyogrio.list_layers(path)
    if len(listed) > MAX_GEOPACKAGE_LAYERS:
        raise ImportRefusedError([Problem(
            f"has {len(listed):,} layers; at most {MAX_GEOPACKAGE_LAYERS} are read from one "
            "GeoPackage: put the geo_era layers in a GeoPackage of their own", file=path.name)])
    out: list[RawLayer] = []
    for layer_name, geometry_type in listed:
        frame = _read_gdal(path, str(layer_name), max_rows=max_rows,
                           read_geometry=geometry_type is not None)
        out.append(RawLayer(path.name, str(layer_name), _with_crs(frame, crs, file=path.name)))
    return out


def _read_parquet(path: Path, *, crs: str | None, max_rows: int | None) -> pd.DataFrame:
    parquet = pq.ParquetFile(path)
    _check_rows(parquet.metadata.num_rows, max_rows, file=path.name, layer=None)
    metadata = parquet.schema_arrow.metadata or {}
    if b"geo" in metadata:
        frame = gpd.read_parquet(path)
        return _with_crs(frame, crs, file=path.name)
    return pd.read_parquet(path)


def _read_csv(path: Path, stem: str, *, crs: str | None, max_rows: int | None) -> RawLayer:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                        nrows=None if max_rows is None else max_rows + 1)
    _check_rows(len(frame), max_rows, file=path.name, layer=stem)
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
                f"coordinate {quote(value)} is not a finite number; give a decimal number "
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


def _read_osm(path: Path, *, max_rows: int | None) -> list[RawLayer]:
    from geo_era.data.osm import layers_from_osm  # noqa: PLC0415  (osmnx is slow to import)

    try:
        layers = layers_from_osm(path, max_elements=max_rows)
    except DataError as exc:  # its message names the file
        raise ImportRefusedError([Problem(str(exc))]) from None
    return [RawLayer(path.name, name, frame) for name, frame in layers.items()]
