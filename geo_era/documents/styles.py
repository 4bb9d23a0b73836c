"""QGIS layer styles stored in a GeoPackage, so a layer opens in QGIS already styled.

QGIS keeps a layer's style in a table ``layer_styles`` of the GeoPackage itself (the
"Save style in database" of its layer properties); GDAL lists that table as an ordinary
attribute layer. Its columns, as QGIS's OGR provider creates them (QGIS 3 source,
``qgsogrprovider`` ``saveStyle``; the same layout in pka/qgpkg's
``qgis_geopackage_extension.md``): ``id`` (primary key), ``f_table_catalog``,
``f_table_schema``, ``f_table_name`` (the layer), ``f_geometry_column``, ``styleName``,
``styleQML`` (the style as QML), ``styleSLD``, ``useAsDefault`` (1: QGIS applies it on
opening), ``description``, ``owner``, ``ui``, ``update_time``. QGIS registers the table
in ``gpkg_contents`` as ``attributes`` (OGC GeoPackage 1.2, requirement 118: an
attribute table has a ``gpkg_contents`` row); it uses no GeoPackage extension, so
nothing goes into ``gpkg_extensions``.

A style is QML, QGIS's own XML: a ``<renderer-v2>`` of type ``categorizedSymbol``
(one symbol per value of a field), ``singleSymbol`` (one for all), ``graduatedSymbol``
(one symbol per range of a numeric field) or ``RuleRenderer`` (one symbol per filter
expression), each with its ``<symbols>``; a symbol's layer properties are written as
``<prop k= v=>`` elements, which every QGIS 3 release reads (releases from 3.26 also
read ``<Option>`` maps).
Colours are ``#rrggbb``; sizes are millimetres on the map.
"""

from __future__ import annotations

import contextlib
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd

from geo_era.errors import DataError

__all__ = ["Band", "Categorised", "Category", "Graduated", "Rule", "RuleBased",
           "Single", "Style", "outline_styles", "style_qml", "symbol_kind", "write_layer_styles"]

#: The QGIS version the QML says it was written for (QGIS reads older and newer QML).
QGIS_VERSION = "3.28.0"
#: The symbol type of a geometry: marker (points), line, fill (polygons).
SymbolKind = Literal["marker", "line", "fill"]
OUTLINE = "#4d4d4d"

_LAYER_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256),
  f_table_schema TEXT(256),
  f_table_name TEXT(256),
  f_geometry_column TEXT(256),
  styleName TEXT(30),
  styleQML TEXT,
  styleSLD TEXT,
  useAsDefault BOOLEAN,
  description TEXT,
  owner TEXT(30),
  ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)"""


@dataclass(frozen=True)
class Category:
    """One value of a categorised style: features whose field equals ``value``."""

    value: str
    label: str
    colour: str


@dataclass(frozen=True)
class Band:
    """One range of a graduated style: ``lower`` < value <= ``upper`` (QGIS includes
    the lower bound of the first range)."""

    lower: float
    upper: float
    label: str
    colour: str


@dataclass(frozen=True)
class Rule:
    """One rule of a rule-based style: features for which the QGIS expression
    ``expression`` is true (the first rule that matches draws the feature)."""

    expression: str
    label: str
    colour: str


@dataclass(frozen=True)
class Categorised:
    """A style drawing each value of ``field`` in its own colour."""

    name: str
    field: str
    categories: Sequence[Category]


@dataclass(frozen=True)
class Graduated:
    """A style drawing ranges of the numeric ``field`` in graded colours."""

    name: str
    field: str
    bands: Sequence[Band]


@dataclass(frozen=True)
class RuleBased:
    """A style of filter rules, tried in order (``else`` only for the last)."""

    name: str
    rules: Sequence[Rule]


@dataclass(frozen=True)
class Single:
    """A style drawing every feature alike; polygons unfilled (their outline in
    ``colour``) when ``filled`` is False."""

    name: str
    colour: str
    filled: bool = True


Style = Categorised | Graduated | RuleBased | Single


def _rgba(colour: str) -> str:
    """``#rrggbb`` as QGIS's ``r,g,b,a``."""
    if len(colour) != 7 or not colour.startswith("#"):
        raise DataError(f"a style colour is written #rrggbb, not {colour!r}")
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"{red},{green},{blue},255"


def _symbol_props(kind: SymbolKind, colour: str, *, filled: bool = True
                  ) -> tuple[str, dict[str, str]]:
    """The symbol layer class and its properties for a symbol of ``kind``."""
    if kind == "marker":
        return "SimpleMarker", {"name": "circle", "color": _rgba(colour), "size": "2.6",
                                "size_unit": "MM", "outline_color": _rgba(OUTLINE),
                                "outline_style": "solid", "outline_width": "0.2",
                                "outline_width_unit": "MM"}
    if kind == "line":
        return "SimpleLine", {"line_color": _rgba(colour), "line_width": "0.6",
                              "line_width_unit": "MM", "line_style": "solid"}
    if not filled:
        return "SimpleFill", {"color": _rgba(colour), "style": "no",
                              "outline_color": _rgba(colour), "outline_style": "solid",
                              "outline_width": "0.6", "outline_width_unit": "MM"}
    return "SimpleFill", {"color": _rgba(colour), "style": "solid",
                          "outline_color": _rgba(OUTLINE), "outline_style": "solid",
                          "outline_width": "0.26", "outline_width_unit": "MM"}


def _symbols(parent: ET.Element, kind: SymbolKind, colours: Sequence[str], *,
             filled: bool = True) -> None:
    symbols = ET.SubElement(parent, "symbols")
    for number, colour in enumerate(colours):
        symbol = ET.SubElement(symbols, "symbol", {
            "name": str(number), "type": kind, "alpha": "1", "clip_to_extent": "1",
            "force_rhr": "0"})
        cls, props = _symbol_props(kind, colour, filled=filled)
        layer = ET.SubElement(symbol, "layer", {"class": cls, "enabled": "1",
                                                "locked": "0", "pass": "0"})
        for key, value in props.items():
            ET.SubElement(layer, "prop", {"k": key, "v": value})


def _renderer(style: Style, kind: SymbolKind) -> ET.Element:
    common = {"symbollevels": "0", "enableorderby": "0", "forceraster": "0"}
    if isinstance(style, Categorised):
        renderer = ET.Element("renderer-v2", {"type": "categorizedSymbol",
                                              "attr": style.field, **common})
        group = ET.SubElement(renderer, "categories")
        for number, category in enumerate(style.categories):
            ET.SubElement(group, "category", {"value": category.value, "symbol": str(number),
                                              "label": category.label, "render": "true"})
        colours = [c.colour for c in style.categories]
    elif isinstance(style, Graduated):
        renderer = ET.Element("renderer-v2", {"type": "graduatedSymbol", "attr": style.field,
                                              "graduatedMethod": "GraduatedColor", **common})
        group = ET.SubElement(renderer, "ranges")
        for number, band in enumerate(style.bands):
            ET.SubElement(group, "range", {"lower": f"{band.lower:.6f}",
                                           "upper": f"{band.upper:.6f}",
                                           "symbol": str(number), "label": band.label,
                                           "render": "true"})
        colours = [b.colour for b in style.bands]
    elif isinstance(style, Single):
        renderer = ET.Element("renderer-v2", {"type": "singleSymbol", **common})
        colours = [style.colour]
    else:
        renderer = ET.Element("renderer-v2", {"type": "RuleRenderer", **common})
        group = ET.SubElement(renderer, "rules", {"key": "root"})
        for number, rule in enumerate(style.rules):
            ET.SubElement(group, "rule", {"filter": rule.expression, "symbol": str(number),
                                          "label": rule.label, "key": f"rule{number}"})
        colours = [r.colour for r in style.rules]
    _symbols(renderer, kind, colours, filled=not isinstance(style, Single) or style.filled)
    return renderer


def style_qml(style: Style, kind: SymbolKind) -> str:
    """The QML document of ``style`` for a layer whose symbols are of ``kind``."""
    root = ET.Element("qgis", {"version": QGIS_VERSION, "styleCategories": "Symbology"})
    root.append(_renderer(style, kind))
    ET.indent(root)
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            + ET.tostring(root, encoding="unicode"))


def outline_styles(layers: Mapping[str, object], colour: str = "#08306b"
                   ) -> dict[str, Style]:
    """An unfilled outline style for every spatial layer of ``layers`` (tables whose
    rows overlap, such as councils and their total, stay readable)."""
    return {name: Single(name="outlines", colour=colour, filled=False)
            for name, frame in layers.items() if isinstance(frame, gpd.GeoDataFrame)}


def symbol_kind(geometry_type: str) -> SymbolKind | None:
    """The symbol type for a geometry type name (``Point``, ``MULTIPOLYGON``, ...);
    None for a generic type (``GEOMETRY``, ``GEOMETRYCOLLECTION``: an empty layer, or
    one of mixed shapes)."""
    name = geometry_type.upper()
    if "COLLECTION" in name:
        return None
    if "POINT" in name:
        return "marker"
    if "LINE" in name:
        return "line"
    if "POLYGON" in name:
        return "fill"
    return None


def write_layer_styles(path: Path, styles: Mapping[str, Style], *, description: str,
                       kinds: Mapping[str, SymbolKind | None] | None = None) -> list[str]:
    """Add ``styles`` (layer name -> style) to the GeoPackage at ``path`` as QGIS's
    ``layer_styles`` table, each the layer's default style, the table registered in
    ``gpkg_contents``. A layer's symbols are of its geometry type
    (``gpkg_geometry_columns``), or of ``kinds[layer]`` where the file's type is
    generic (``GEOMETRY``: an empty layer, or single and multi shapes mixed); a layer
    whose type is known neither way gets no style. Returns the layers styled. Raises
    :class:`DataError` for a layer that is not a spatial layer of the file."""
    kinds = kinds or {}
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        columns = {table: (column, symbol_kind(kind)) for table, column, kind in db.execute(
            "SELECT table_name, column_name, geometry_type_name "
            "FROM gpkg_geometry_columns").fetchall()}
        missing = sorted(set(styles) - set(columns))
        if missing:
            raise DataError(f"a style names {missing[0]!r}, which is not a spatial layer "
                            "of the GeoPackage")
        rows = []
        for layer, style in styles.items():
            column, kind = columns[layer]
            kind = kind or kinds.get(layer)
            if kind is not None:
                rows.append((layer, column, style.name, style_qml(style, kind), description))
        db.execute(_LAYER_STYLES_DDL)
        db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, "
                   "description, last_change) SELECT 'layer_styles', 'attributes', "
                   "'layer_styles', 'QGIS layer styles', "
                   "strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE NOT EXISTS "
                   "(SELECT 1 FROM gpkg_contents WHERE table_name = 'layer_styles')")
        db.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL)", rows)
    return [row[0] for row in rows]
