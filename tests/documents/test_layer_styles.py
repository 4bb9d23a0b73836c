"""GeoPackages that open in QGIS already styled: QGIS's ``layer_styles`` table (R131).

Each file is read back with sqlite3 (the table's columns as QGIS creates them, one
default style per styled layer) and with GDAL's own ``ogrinfo`` (Debian gdal-bin),
independent of the pyogrio that wrote it; the QML is parsed as XML and its renderer,
field, categories and colours compared with the style asked for."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo_era.documents.geopackage import geopackage_bytes
from geo_era.documents.styles import (
    Band,
    Categorised,
    Category,
    Graduated,
    Rule,
    RuleBased,
    Single,
    Style,
)
from geo_era.errors import DataError
from tests.overconcentration.test_report import ogrinfo, published_files

#: The columns of QGIS's layer_styles table, in QGIS's order.
QGIS_COLUMNS = ["id", "f_table_catalog", "f_table_schema", "f_table_name",
                "f_geometry_column", "styleName", "styleQML", "styleSLD", "useAsDefault",
                "description", "owner", "ui", "update_time"]


def styles_of(path: Path) -> dict[str, dict[str, object]]:
    """The rows of ``layer_styles`` by layer, read with sqlite3."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        columns = [row["name"] for row in db.execute("PRAGMA table_info(layer_styles)")]
        assert columns == QGIS_COLUMNS
        contents = db.execute("SELECT data_type FROM gpkg_contents "
                              "WHERE table_name = 'layer_styles'").fetchall()
        assert [row["data_type"] for row in contents] == ["attributes"]
        rows = [dict(row) for row in db.execute("SELECT * FROM layer_styles")]
    assert len({str(row["f_table_name"]) for row in rows}) == len(rows)  # one per layer
    return {str(row["f_table_name"]): row for row in rows}


def renderer(row: dict[str, object]) -> ET.Element:
    qml = str(row["styleQML"])
    assert qml.startswith("<!DOCTYPE qgis")
    root = ET.fromstring(qml)
    assert root.tag == "qgis"
    found = root.find("renderer-v2")
    assert found is not None
    return found


def colours(found: ET.Element) -> dict[str, str]:
    """Symbol name -> its colour property (fill, marker or line)."""
    out = {}
    for symbol in found.iter("symbol"):
        props = {p.get("k"): p.get("v") for p in symbol.iter("prop")}
        out[str(symbol.get("name"))] = str(props.get("color") or props.get("line_color"))
    return out


def sample(tmp_path: Path) -> Path:
    """A GeoPackage of three styled layers and one attribute table."""
    sites = gpd.GeoDataFrame(
        {"site_id": ["S1", "S2", "S3"], "category": ["school", "shop", "school"]},
        geometry=[Point(300000, 700000), Point(300050, 700000), Point(300100, 700000)],
        crs=27700)
    areas = gpd.GeoDataFrame(
        {"area_id": ["A", "B"], "nearest_m": [120.5, 640.0]},
        geometry=[box(300000, 700000, 300100, 700100), box(300100, 700000, 300200, 700100)],
        crs=27700)
    voids = gpd.GeoDataFrame({"property_id": ["P1", "P2"], "ruled_out": [True, False],
                              "rank": [None, 1]},
                             geometry=[Point(300010, 700010), Point(300020, 700020)],
                             crs=27700)
    styles: dict[str, Style] = {
        "sites": Categorised(name="sites by category", field="category", categories=[
            Category("school", "School", "#e41a1c"), Category("shop", "Shop", "#377eb8")]),
        "areas": Graduated(name="distance", field="nearest_m", bands=[
            Band(0, 400, "within 400 m", "#de2d26"), Band(400, 5000, "400 m or more",
                                                          "#fee0d2")]),
        "voids": RuleBased(name="screening", rules=[
            Rule('"ruled_out"', "ruled out", "#000000"), Rule("ELSE", "ranked", "#31a354")]),
    }
    path = tmp_path / "sample.gpkg"
    path.write_bytes(geopackage_bytes(
        {"sites": sites, "areas": areas, "voids": voids,
         "totals": pd.DataFrame({"n": [3]})},
        marking="OFFICIAL", about={"what": "a sample"}, styles=styles))
    return path


def test_a_styled_geopackage_holds_qgis_layer_styles_table(tmp_path: Path) -> None:
    """R131: each styled layer has one default style (useAsDefault 1) in QGIS's
    layer_styles table, registered in gpkg_contents; its QML names the renderer, the
    field, every category or range with its colour, and symbols of the layer's
    geometry (markers for points, fills for polygons); the attribute table has none."""
    path = sample(tmp_path)
    rows = styles_of(path)
    assert sorted(rows) == ["areas", "sites", "voids"]
    for row in rows.values():
        assert row["useAsDefault"] == 1 and row["f_geometry_column"] == "geom"
        assert row["description"] == "OFFICIAL"
    sites = renderer(rows["sites"])
    assert sites.get("type") == "categorizedSymbol" and sites.get("attr") == "category"
    cats = [(c.get("value"), c.get("label"), c.get("symbol")) for c in sites.iter("category")]
    assert cats == [("school", "School", "0"), ("shop", "Shop", "1")]
    assert colours(sites) == {"0": "228,26,28,255", "1": "55,126,184,255"}
    assert {s.get("type") for s in sites.iter("symbol")} == {"marker"}
    areas = renderer(rows["areas"])
    assert areas.get("type") == "graduatedSymbol" and areas.get("attr") == "nearest_m"
    assert [(float(r.get("lower", "")), float(r.get("upper", ""))) for r in
            areas.iter("range")] == [(0.0, 400.0), (400.0, 5000.0)]
    assert {s.get("type") for s in areas.iter("symbol")} == {"fill"}
    voids = renderer(rows["voids"])
    assert voids.get("type") == "RuleRenderer"
    assert [r.get("filter") for r in voids.iter("rule")] == ['"ruled_out"', "ELSE"]


def test_gdal_opens_the_styled_geopackage_and_lists_its_style_table(tmp_path: Path) -> None:
    """R131: GDAL's ogrinfo opens the file, lists layer_styles beside the layers with
    their exact feature counts, and reads the style rows with SQL."""
    path = sample(tmp_path)
    listing = ogrinfo("-q", str(path))
    assert "layer_styles (None)" in listing and "sites (Point)" in listing
    assert "areas (Polygon)" in listing and "totals" in listing
    for layer, count in (("sites", 3), ("areas", 2), ("voids", 2), ("layer_styles", 3)):
        assert f"Feature Count: {count}" in ogrinfo("-so", str(path), layer), layer
    rows = ogrinfo("-q", str(path), "-sql",
                   "SELECT f_table_name, styleName, useAsDefault FROM layer_styles "
                   "ORDER BY f_table_name")
    assert rows.count("useAsDefault (Integer(Boolean)) = 1") == 3
    for name in ("f_table_name (String) = areas", "styleName (String) = sites by category",
                 "f_table_name (String) = voids"):
        assert name in rows, rows


def test_a_style_for_a_table_without_geometry_is_refused(tmp_path: Path) -> None:
    """A style names a spatial layer of the file; the reserved names are refused."""
    with pytest.raises(DataError, match="not a spatial layer"):
        geopackage_bytes({"totals": pd.DataFrame({"n": [1]})}, marking="OFFICIAL",
                         about={}, styles={"totals": Single("one", "#000000")})
    with pytest.raises(DataError, match="layer_styles"):
        geopackage_bytes({"layer_styles": pd.DataFrame({"n": [1]})}, marking="OFFICIAL",
                         about={})
    with pytest.raises(DataError, match="#rrggbb"):
        geopackage_bytes({"p": gpd.GeoDataFrame({"n": [1]}, geometry=[Point(0, 0)],
                                                crs=27700)},
                         marking="OFFICIAL", about={}, styles={"p": Single("x", "red")})


def test_the_overconcentration_report_opens_styled_by_map_class(tmp_path: Path) -> None:
    """R131: report.gpkg's area layers are categorised by lq_class in the report's own
    map colours (every class, in class order), the areas of concern in one colour; the
    attribute tables have no style; GDAL lists the style table."""
    from geo_era.overconcentration.classes import CLASS_COLOURS

    out, report = published_files(tmp_path)
    gpkg = out / "report.gpkg"
    rows = styles_of(gpkg)
    levels = [level.level for level in report.levels]  # type: ignore[attr-defined]
    assert sorted(rows) == sorted([*levels, "areas_of_concern"])
    for level in levels:
        found = renderer(rows[level])
        assert found.get("type") == "categorizedSymbol" and found.get("attr") == "lq_class"
        values = [c.get("value") for c in found.iter("category")]
        assert values == list(CLASS_COLOURS)
        hexes = {name: "#" + "".join(f"{int(v):02x}" for v in rgba.split(",")[:3])
                 for name, rgba in colours(found).items()}
        assert [hexes[str(c.get("symbol"))] for c in found.iter("category")] == \
            list(CLASS_COLOURS.values())
    assert renderer(rows["areas_of_concern"]).get("type") == "singleSymbol"
    assert "layer_styles" in ogrinfo("-q", str(gpkg))
    assert f"Feature Count: {len(rows)}" in ogrinfo("-so", str(gpkg), "layer_styles")


#: Run by Debian's python3 with python3-qgis: open one layer of a GeoPackage in QGIS
#: (headless) and report the renderer QGIS loaded from the file's default style, and
#: the colour QGIS draws each feature in.
_QGIS_SCRIPT = r"""
import json, sys
from qgis.core import QgsApplication, QgsRenderContext, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
path, name, key = sys.argv[1:4]
layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
renderer = layer.renderer()
kind = renderer.type()
if kind == "categorizedSymbol":
    legend = [[c.value(), c.symbol().color().name()] for c in renderer.categories()]
elif kind == "graduatedSymbol":
    legend = [[r.lowerValue(), r.upperValue()] for r in renderer.ranges()]
elif kind == "RuleRenderer":
    legend = [[r.filterExpression(), r.label()] for r in renderer.rootRule().children()]
else:
    legend = [[renderer.symbol().color().name()]]
context = QgsRenderContext()
renderer.startRender(context, layer.fields())
drawn = {}
for feature in layer.getFeatures():
    symbols = renderer.originalSymbolsForFeature(feature, context)
    drawn[str(feature[key])] = symbols[0].color().name() if symbols else None
renderer.stopRender(context)
print(json.dumps({"valid": layer.isValid(), "count": layer.featureCount(), "kind": kind,
                  "legend": legend, "drawn": drawn}), flush=True)
del renderer, layer, feature
app.exitQgis()
"""


def qgis_layer(path: Path, layer: str, key: str) -> dict[str, Any]:
    """The layer as QGIS (Debian's python3-qgis, headless) opens it: renderer type,
    legend and the colour of each feature by ``key``. Skips when QGIS is absent, fails
    under CI."""
    python = "/usr/bin/python3"
    probe = subprocess.run([python, "-c", "import qgis.core"], capture_output=True,
                           check=False, timeout=120) if Path(python).exists() else None
    if probe is None or probe.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("QGIS (Debian python3-qgis) is missing: bash .ci/qgis.sh installs it")
        pytest.skip("QGIS (Debian python3-qgis) is not installed: bash .ci/qgis.sh")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "XDG_RUNTIME_DIR": str(path.parent)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([python, "-c", _QGIS_SCRIPT, str(path), layer, key],
                          capture_output=True, text=True, check=True, timeout=300, env=env)
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_qgis_opens_each_layer_with_its_default_style(tmp_path: Path) -> None:
    """R131: QGIS itself (headless) opens the layers styled from layer_styles, with no
    step by the analyst: the sites by category (S1 and S3 schools red, S2 the shop
    blue), the areas graduated (A at 120.5 m in the first range, B at 640 m in the
    second), the voids by rule (P1 ruled out black, P2 ranked green)."""
    path = sample(tmp_path)
    os.chmod(path.parent, 0o700)
    sites = qgis_layer(path, "sites", "site_id")
    assert sites["valid"] and sites["count"] == 3 and sites["kind"] == "categorizedSymbol"
    assert sites["legend"] == [["school", "#e41a1c"], ["shop", "#377eb8"]]
    assert sites["drawn"] == {"S1": "#e41a1c", "S2": "#377eb8", "S3": "#e41a1c"}
    areas = qgis_layer(path, "areas", "area_id")
    assert areas["kind"] == "graduatedSymbol"
    assert areas["drawn"] == {"A": "#de2d26", "B": "#fee0d2"}
    voids = qgis_layer(path, "voids", "property_id")
    assert voids["kind"] == "RuleRenderer"
    assert voids["drawn"] == {"P1": "#000000", "P2": "#31a354"}


def test_qgis_draws_the_report_areas_in_the_report_colours(tmp_path: Path) -> None:
    """R131: each data zone of the published report is drawn by QGIS in the colour of
    its lq_class in the report's own map (CLASS_COLOURS), read from report.gpkg."""
    from geo_era.overconcentration.classes import CLASS_COLOURS

    out, report = published_files(tmp_path)
    os.chmod(out, 0o700)
    zones = qgis_layer(out / "report.gpkg", "data_zone", "area_id")
    assert zones["kind"] == "categorizedSymbol" and zones["count"] == 36
    table = report.level("data_zone").table.reset_index()  # type: ignore[attr-defined]
    expected = {str(a): CLASS_COLOURS[c] for a, c in zip(table["area_id"], table["lq_class"],
                                                         strict=True)}
    assert zones["drawn"] == expected
    assert len(set(expected.values())) > 1  # more than one class to tell apart
