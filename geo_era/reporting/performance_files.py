"""The ERA performance report as files: ``report.html``, ``report.pdf`` (WeasyPrint, A4,
marked on every page) and one CSV per table, written together (all or none), readable by
their owner only: the report is OFFICIAL-SENSITIVE (R126, R131)."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from jinja2 import Environment

from geo_era._io import PRIVATE
from geo_era.documents.era_document import pdf_from_html, template_environment
from geo_era.documents.files import write_together
from geo_era.documents.geopackage import geopackage_bytes
from geo_era.documents.styles import outline_styles
from geo_era.reporting.performance import TITLES, Performance


def shown(value: object) -> str:
    """A cell as the report shows it: a count as is, working days to one decimal, none
    measured as a dash."""
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.1f}"
    return str(value)


@cache
def _templates() -> Environment:
    return template_environment(shown=shown)


def _table(stem: str, table: pd.DataFrame) -> dict[str, Any]:
    return {"title": TITLES[stem],
            "columns": [{"name": c, "num": pd.api.types.is_numeric_dtype(table[c])}
                        for c in table.columns],
            "rows": table.to_dict("records")}


def performance_html(report: Performance) -> str:
    """The report as one self-contained HTML document (styles inline, nothing fetched)."""
    return _templates().get_template("performance.html").render(
        p=report, tables=[_table(s, t) for s, t in report.tables.items()],
        h={"reference": f"ERA performance {report.scope_label} {report.period.year}",
           "marking": report.marking, "fictional": report.fictional,
           "generated": report.generated.strftime("%d %B %Y %H:%M UTC")})


def csv_heading(report: Performance) -> str:
    """The first line of every CSV: the marking, what it covers and whether FICTIONAL."""
    return (f"# {report.marking}. ERA performance, {report.scope_label}, "
            f"{report.period.label}." + (" FICTIONAL data." if report.fictional else "")
            + "\n")


def performance_geopackage(report: Performance, councils: gpd.GeoDataFrame | None = None
                           ) -> bytes:
    """Every table of the report as a GeoPackage layer. A table by council (a
    ``council`` column) is outlined by the councils' polygons of ``councils`` (the
    areas layer's council rows, ``name`` and geometry, EPSG:27700), matched by name
    (case and spaces aside); a row naming no known council, and every other table, has
    no geometry. Each layer is described with the marking."""
    outline: dict[str, Any] = {}
    if councils is not None and len(councils):
        outline = {_key(str(n)): g for n, g in zip(councils["name"], councils.geometry,
                                                   strict=True)}
    layers: dict[str, pd.DataFrame] = {}
    for stem, table in report.tables.items():
        if outline and "council" in table.columns:
            shapes = [outline.get(_key(str(c))) for c in table["council"]]
            layers[stem] = gpd.GeoDataFrame(table, geometry=shapes, crs=councils.crs
                                            if councils is not None else None)
        else:
            layers[stem] = table
    about = {"report": f"ERA performance, {report.scope_label}",
             "period": report.period.label, "crs": "EPSG:27700 (metres)",
             "fictional": "yes" if report.fictional else "no"}
    return geopackage_bytes(layers, marking=report.marking, about=about,
                            styles=outline_styles(layers))


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def performance_files(report: Performance, councils: gpd.GeoDataFrame | None = None
                      ) -> dict[str, bytes]:
    """Every file of the report, built in memory: file name -> content (the HTML, the
    PDF, one CSV per table and ``report.gpkg``, :func:`performance_geopackage`)."""
    html = performance_html(report)
    files = {"report.html": html.encode("utf-8"), "report.pdf": pdf_from_html(html)}
    heading = csv_heading(report)
    for stem, table in report.tables.items():
        files[f"{stem}.csv"] = (heading + table.to_csv(index=False)).encode("utf-8")
    files["report.gpkg"] = performance_geopackage(report, councils)
    return files


def write_performance(report: Performance, out_dir: Path,
                      councils: gpd.GeoDataFrame | None = None) -> list[Path]:
    """Write the report's files into ``out_dir`` (created when missing), all or none, each
    0600 (:data:`~geo_era._io.PRIVATE`); ``councils`` outline the tables by council in
    the GeoPackage. Returns the paths written."""
    return write_together(out_dir, performance_files(report, councils), mode=PRIVATE)
