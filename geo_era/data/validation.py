"""Validate raw layers against the data contract and normalise them.

A layer that passes comes out with the contract's column names and types (pandas
nullable dtypes: ``string``, ``Int64``, ``Float64``, ``boolean``, ``datetime64``),
geometry in EPSG:27700, a RangeIndex, and any extra columns kept as they were. A layer
that fails raises :class:`~geo_era.errors.ImportRefusedError` listing every problem with its
file, layer, row (1-based) and column. Checks are vectorised over the layer.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo_era.contract.conditions import parse_conditions
from geo_era.contract.schema import (
    BNG,
    FALSE_VALUES,
    LAYERS,
    SCOTLAND_BNG_BOUNDS,
    TRUE_VALUES,
    Column,
    ColumnType,
    GeometryKind,
    LayerSpec,
)
from geo_era.data.readers import RawLayer
from geo_era.errors import DataError, ImportRefusedError, Problem, quote
from geo_era.geometry.adjacency import overlapping_pairs
from geo_era.geometry.lookup import positions

GEOMETRY_TYPES: dict[GeometryKind, tuple[str, ...]] = {
    GeometryKind.POINT: ("Point",),
    GeometryKind.POLYGON: ("Polygon", "MultiPolygon"),
    GeometryKind.POINT_OR_POLYGON: ("Point", "Polygon", "MultiPolygon"),
    GeometryKind.LINE: ("LineString", "MultiLineString"),
}

#: Reference columns checked across layers: (layer, column) -> (target layer, target id).
REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("properties", "building_id"): ("buildings", "building_id"),
    ("plots", "property_id"): ("properties", "property_id"),
    ("plots", "building_id"): ("buildings", "building_id"),
    ("subjects", "current_property_id"): ("properties", "property_id"),
    ("exclusion_zones", "subject_id"): ("subjects", "subject_id"),
    ("placements", "subject_id"): ("subjects", "subject_id"),
    ("placements", "property_id"): ("properties", "property_id"),
    ("areas", "parent_id"): ("areas", "area_id"),
}

#: Overlaps between plots no wider than this (metres) are digitising slivers, not errors.
MAX_SLIVER_WIDTH_M = 0.3

#: How many rows of one kind of problem are listed before they are summarised.
MAX_ROWS_PER_CHECK = 20


class _Collector:
    """Gathers problems for one layer, capping each check's rows."""

    def __init__(self, raw: RawLayer) -> None:
        self.file = raw.file
        self.layer = raw.layer
        self.problems: list[Problem] = []

    def add(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.problems.append(Problem(message, file=self.file, layer=self.layer, row=row,
                                     column=column))

    def rows(self, mask: np.ndarray, message: Callable[[int], str], *,
             column: str | None) -> None:
        """Add one problem per flagged row (0-based positions), capped, then a summary."""
        positions = np.flatnonzero(mask)
        for pos in positions[:MAX_ROWS_PER_CHECK]:
            self.add(message(int(pos)), row=int(pos) + 1, column=column)
        if len(positions) > MAX_ROWS_PER_CHECK:
            self.add(f"{len(positions) - MAX_ROWS_PER_CHECK} more rows with the same problem "
                     f"({message(int(positions[MAX_ROWS_PER_CHECK]))})", column=column)


def layer_spec(raw: RawLayer) -> LayerSpec:
    """The contract spec for a raw layer's name, or a clear error naming the choices."""
    spec = LAYERS.get(raw.layer.strip().lower())
    if spec is None:
        hint = difflib.get_close_matches(raw.layer.lower(), list(LAYERS), n=1)
        did_you_mean = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise ImportRefusedError([Problem(
            f"{quote(raw.layer)} is not a geo_era layer{did_you_mean}; name the file or layer "
            f"after one of {', '.join(LAYERS)}, or pass --layer NAME", file=raw.file,
            layer=raw.layer)])
    return spec


def validate_layer(raw: RawLayer) -> gpd.GeoDataFrame | pd.DataFrame:
    """Check one raw layer against its contract spec and return it normalised.

    Raises
    ------
    ImportRefusedError
        Listing every problem found, each with file, layer, row and column.
    """
    spec = layer_spec(raw)
    out = _Collector(raw)
    frame = raw.frame.copy()
    frame.columns = [c if c == _geometry_name(frame) else str(c).strip().lower()
                     for c in frame.columns]
    frame = frame.reset_index(drop=True)

    missing = [c for c in spec.required if c not in frame.columns]
    for name in missing:
        out.add(f"missing required column '{name}'; the '{spec.name}' layer needs "
                f"{', '.join(spec.required)}", column=name)
    if missing:
        raise ImportRefusedError(out.problems)

    for column in spec.columns:
        if column.name in frame.columns:
            frame[column.name] = _coerce(frame[column.name], column, out)

    for name in spec.required:
        empty = frame[name].isna().to_numpy()
        out.rows(empty, lambda _pos: "required value is empty", column=name)

    if spec.id_column is not None:
        _check_unique(frame, spec.id_column, out)

    result: gpd.GeoDataFrame | pd.DataFrame = frame
    if spec.geometry is GeometryKind.NONE:
        if isinstance(frame, gpd.GeoDataFrame):
            result = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    else:
        result = _check_geometry(frame, spec, raw, out)

    if spec.disjoint and isinstance(result, gpd.GeoDataFrame):
        _check_disjoint(result, spec, out)
    if spec.name == "subjects" and "conditions" in result.columns:
        _check_conditions(result["conditions"], out)
    if out.problems:
        raise ImportRefusedError(out.problems)
    ordered = [c for c in spec.column_names if c in result.columns]
    extras = [c for c in result.columns if c not in ordered]
    return result[ordered + extras]


def _geometry_name(frame: pd.DataFrame) -> str | None:
    return frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None


# --- column types --------------------------------------------------------------------


def _as_text(series: pd.Series) -> pd.Series:
    """Text form of any column, NA for missing or blank; integral floats lose '.0'."""
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(values)
        if np.all(np.mod(values[finite], 1) == 0):
            series = series.astype("Int64")
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def _coerce(series: pd.Series, column: Column, out: _Collector) -> pd.Series:
    kind = column.type
    name = column.name
    if kind is ColumnType.STR:
        text = _as_text(series)
        if column.choices is not None:
            bad = (text.notna() & ~text.isin(column.choices)).to_numpy()
            out.rows(bad, lambda pos: _choice_message(name, str(text.iloc[pos]),
                                                       column.choices or ()), column=name)
        return text
    if kind in (ColumnType.INT, ColumnType.FLOAT):
        if pd.api.types.is_bool_dtype(series.dtype):
            series = series.astype("Int64")
        text = _as_text(series)
        numbers = pd.to_numeric(text, errors="coerce").astype("Float64")
        values = numbers.to_numpy(dtype=float, na_value=np.nan)
        bad = text.notna().to_numpy() & ~np.isfinite(values)
        if kind is ColumnType.INT:
            fractional = np.isfinite(values) & (np.mod(values, 1) != 0)
            bad |= fractional
            out.rows(bad, lambda pos: f"{quote(text.iloc[pos])} is not a whole number", column=name)
            return numbers.round().astype("Int64") if not bad.any() else numbers
        out.rows(bad, lambda pos: f"{quote(text.iloc[pos])} is not a finite number", column=name)
        return numbers
    if kind is ColumnType.BOOL:
        if pd.api.types.is_bool_dtype(series.dtype):
            return series.astype("boolean")
        text = _as_text(series).str.lower()
        mapped = pd.Series(pd.NA, index=series.index, dtype="boolean")
        mapped[text.isin(TRUE_VALUES).fillna(False).to_numpy()] = True
        mapped[text.isin(FALSE_VALUES).fillna(False).to_numpy()] = False
        bad = (text.notna() & mapped.isna()).to_numpy()
        out.rows(bad, lambda pos: f"{quote(_as_text(series).iloc[pos])} is not a yes/no value; "
                                  "use true/false, yes/no or 1/0", column=name)
        return mapped
    if kind is ColumnType.DATE:
        text = _as_text(series)
        dates = pd.to_datetime(text, format="ISO8601", errors="coerce")
        bad = (text.notna() & dates.isna()).to_numpy()
        out.rows(bad, lambda pos: f"{quote(text.iloc[pos])} is not a date; write dates as "
                                  "YYYY-MM-DD", column=name)
        return dates.dt.normalize()
    # JSON
    text = _as_text(series)
    parsed: list[str | None] = []
    bad_json = np.zeros(len(text), dtype=bool)
    for pos, value in enumerate(text.tolist()):
        if value is None or value is pd.NA:
            parsed.append(None)
            continue
        try:
            parsed.append(json.dumps(json.loads(value), sort_keys=True))
        except json.JSONDecodeError:
            parsed.append(None)
            bad_json[pos] = True
    out.rows(bad_json, lambda pos: "is not valid JSON; write e.g. "
                                   '[{"type": "no_residence_within", "category": "school", '
                                   '"metres": 500}]', column=name)
    return pd.Series(parsed, index=series.index, dtype="string")


def _choice_message(column: str, value: str, choices: tuple[str, ...]) -> str:
    hint = difflib.get_close_matches(value.lower(), choices, n=1, cutoff=0.6)
    did_you_mean = f" (did you mean '{hint[0]}'?)" if hint else ""
    return f"unknown {column} {quote(value)}{did_you_mean}; use one of {', '.join(choices)}"


def _check_unique(frame: pd.DataFrame, column: str, out: _Collector) -> None:
    ids = frame[column]
    dup = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    if not dup.any():
        return
    first_row = {v: i + 1 for i, v in reversed(list(enumerate(ids.to_numpy(dtype=object))))}
    out.rows(dup, lambda pos: f"{column} {quote(ids.iloc[pos])} is used again (first at row "
                              f"{first_row[ids.iloc[pos]]}); ids must be unique", column=column)


# --- geometry ------------------------------------------------------------------------


def check_geometry(frame: gpd.GeoDataFrame, spec: LayerSpec, raw: RawLayer
                   ) -> gpd.GeoDataFrame:
    """The geometry rules of an import for ``frame`` as a ``spec`` layer: its CRS, no
    missing, empty, non-finite, wrong-type or invalid geometry, inside Scotland (with a
    hint for swapped axes). Returns ``frame`` in EPSG:27700; raises
    :class:`~geo_era.errors.ImportRefusedError` listing the problems."""
    out = _Collector(raw)
    projected = _check_geometry(frame, spec, raw, out)
    if out.problems:
        raise ImportRefusedError(out.problems)
    return projected


def _check_geometry(frame: pd.DataFrame, spec: LayerSpec, raw: RawLayer,
                    out: _Collector) -> gpd.GeoDataFrame:
    wanted = GEOMETRY_TYPES[spec.geometry]
    if not isinstance(frame, gpd.GeoDataFrame):
        how = ("add lon/lat, easting/northing or x/y columns"
               if raw.file.lower().endswith(".csv") else "export it with its geometry")
        out.add(f"layer '{spec.name}' needs {' or '.join(wanted)} geometry but the file has "
                f"none; {how}")
        raise ImportRefusedError(out.problems)
    column = raw.coordinate_columns[0] if raw.coordinate_columns else "geometry"
    if frame.crs is None:
        out.add("no CRS: the file does not say which coordinate reference system it uses; "
                "add one (e.g. a .prj beside a Shapefile) or pass --crs (e.g. --crs "
                "EPSG:27700 for British National Grid)", column=column)
        raise ImportRefusedError(out.problems)

    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms)
    out.rows(missing, lambda _p: "no geometry; every feature needs a location", column=column)
    empty = ~missing & shapely.is_empty(geoms)
    out.rows(empty, lambda _p: "empty geometry; every feature needs a location", column=column)
    present = ~missing & ~empty

    coords, index = shapely.get_coordinates(geoms, return_index=True)
    nonfinite = np.zeros(len(geoms), dtype=bool)
    np.logical_or.at(nonfinite, index, ~np.isfinite(coords).all(axis=1))
    out.rows(nonfinite, lambda _p: "coordinates are not finite numbers (NaN or infinity); "
                                   "correct the feature's coordinates", column=column)
    present &= ~nonfinite

    types = shapely.get_type_id(geoms)
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection"])
    allowed = [k for k, name in enumerate(names) if name in wanted]
    wrong = present & ~np.isin(types, allowed)  # integer ids: no string a row
    out.rows(wrong, lambda pos: f"geometry is a {names[types[pos]]}; layer '{spec.name}' "
                                f"needs {' or '.join(wanted)}", column=column)
    present &= ~wrong

    invalid = present & ~shapely.is_valid(geoms)
    out.rows(invalid, lambda pos: f"invalid geometry ({shapely.is_valid_reason(geoms[pos])}); "
                                  "repair it in your GIS (e.g. 'Fix geometries' or make_valid) "
                                  "and import again", column=column)
    present &= ~invalid
    if out.problems:
        raise ImportRefusedError(out.problems)

    source_crs = CRS.from_user_input(frame.crs)
    projected = (frame.set_crs(BNG, allow_override=True) if source_crs == _BNG_CRS
                 else frame.to_crs(BNG))  # already British National Grid: nothing to move
    _check_extent(projected.geometry.to_numpy(), geoms, source_crs=source_crs, raw=raw,
                  out=out, column=column)
    return projected


_BNG_CRS = CRS.from_user_input(BNG)


def _inside_scotland(geoms: np.ndarray) -> np.ndarray:
    bounds = shapely.bounds(geoms)
    minx, miny, maxx, maxy = SCOTLAND_BNG_BOUNDS
    with np.errstate(invalid="ignore"):
        inside = ((bounds[:, 0] >= minx) & (bounds[:, 1] >= miny)
                  & (bounds[:, 2] <= maxx) & (bounds[:, 3] <= maxy))
    return np.asarray(inside & np.isfinite(bounds).all(axis=1))


def _check_extent(projected: np.ndarray, source: np.ndarray, *, source_crs: CRS,
                  raw: RawLayer, out: _Collector, column: str) -> None:
    """Every feature must lie in Scotland; suggest the x/y swap when that would fix it."""
    outside = ~_inside_scotland(projected)
    if not outside.any():
        return
    swapped = shapely.transform(source[outside], lambda xy: xy[:, ::-1])
    swapped_bng = gpd.GeoSeries(swapped, crs=source_crs).to_crs(BNG).to_numpy()
    fixed_by_swap = np.zeros(len(outside), dtype=bool)
    fixed_by_swap[np.flatnonzero(outside)] = _inside_scotland(swapped_bng)
    x_name, y_name = raw.coordinate_columns or ("x", "y")
    kind = "lon/lat" if source_crs.is_geographic else "x/y"
    if raw.coordinate_columns:
        swap_hint = f"swap the '{x_name}' and '{y_name}' columns"
    else:
        swap_hint = f"its {kind} axes are exchanged: swap them in your GIS"

    def where(pos: int) -> str:
        x, y = shapely.get_coordinates(source[pos])[0]
        return f"({x:.6g}, {y:.6g} in {source_crs.to_string()})"

    out.rows(fixed_by_swap, lambda pos: f"lies outside Scotland {where(pos)} but would be inside "
                                        f"with the coordinates swapped; {swap_hint}",
             column=column)
    out.rows(outside & ~fixed_by_swap,
             lambda pos: f"lies outside Scotland {where(pos)}; check the CRS the file declares "
                         "(geo_era holds Scottish data only)", column=column)


def _check_disjoint(frame: gpd.GeoDataFrame, spec: LayerSpec, out: _Collector) -> None:
    """Features of a disjoint layer (plots) may touch but not overlap."""
    a, b, area = overlapping_pairs(frame.geometry.to_numpy(),
                                   max_sliver_width_m=MAX_SLIVER_WIDTH_M)
    ids = frame[spec.id_column].to_numpy(dtype=object) if spec.id_column else None
    for count, (i, j, m2) in enumerate(zip(a, b, area, strict=True)):
        if count == MAX_ROWS_PER_CHECK:
            out.add(f"{len(a) - MAX_ROWS_PER_CHECK} more overlapping pairs", column="geometry")
            break
        other = f"{spec.id_column} {quote(ids[j])}" if ids is not None else f"row {j + 1}"
        out.add(f"overlaps {other} (row {j + 1}) by {m2:,.1f} m²; each piece of ground belongs "
                f"to one {spec.name[:-1]}: correct the boundaries", row=int(i) + 1,
                column="geometry")


def _check_conditions(conditions: pd.Series, out: _Collector) -> None:
    for pos, text in enumerate(conditions.tolist()):
        if text is None or text is pd.NA:
            continue
        try:
            parse_conditions(str(text))
        except DataError as exc:
            out.add(str(exc), row=pos + 1, column="conditions")


# --- references across layers ----------------------------------------------------------


def check_references(changed: Mapping[str, tuple[str, pd.DataFrame]],
                     current: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Check that ids one layer names exist in the layer they point at.

    Parameters
    ----------
    changed
        Layers being imported: name -> (file, normalised frame).
    current
        The state after the import: name -> frame (imported layers replace stored ones).
    """
    problems: list[Problem] = []
    for (layer, column), (target, target_id) in REFERENCES.items():
        if layer not in current or column not in current[layer].columns:
            continue
        if layer not in changed and target not in changed:
            continue
        frame = current[layer]
        file = changed[layer][0] if layer in changed else "(stored layer)"
        refs = frame[column]
        named = refs.notna().to_numpy()
        if not named.any():
            continue
        if target not in current:
            problems.append(Problem(
                f"names {target} in column '{column}' but no '{target}' layer has been "
                f"imported; import {target} first or in the same command", file=file,
                layer=layer, column=column))
            continue
        known = current[target][target_id]
        missing = named & (positions(refs, known) < 0)  # Arrow's hash: 0.3 s, not 5 s
        for count, pos in enumerate(np.flatnonzero(missing)):
            if count == MAX_ROWS_PER_CHECK:
                problems.append(Problem(
                    f"{int(missing.sum()) - MAX_ROWS_PER_CHECK} more rows name a {target_id} "
                    f"missing from '{target}'", file=file, layer=layer, column=column))
                break
            problems.append(Problem(
                f"{target_id} {quote(refs.iloc[pos])} is not in layer '{target}' "
                f"({len(known):,} rows); import it or correct the {column}", file=file,
                layer=layer, row=int(pos) + 1, column=column))
    return problems
