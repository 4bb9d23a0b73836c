"""The over-concentration report as documents: HTML (an interactive Folium choropleth),
PDF (a static PNG choropleth, WeasyPrint) and CSV tables, written together into one
directory.

The choropleths class each area by its location quotient (its rate over the
authority's; :data:`geo_era.overconcentration.classes.LQ_CLASSES`), grey-hatch the areas
whose counts are not published, and, in the internal report, outline the Gi* hot spots.
The HTML and the PDF are self-contained: styles inline, the PNG a ``data:`` URI,
Leaflet inlined in the standalone HTML (no request to any other host).

Every output is built in memory first and then written file by file, each to a
temporary file beside its target, and moved in only when all are written: a failure
leaves the target as it was, never half a report.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from geo_era._io import PRIVATE, SHARED
from geo_era.documents.era_document import pdf_from_html, template_environment
from geo_era.documents.files import write_together
from geo_era.documents.geopackage import geopackage_bytes
from geo_era.errors import DataError
from geo_era.overconcentration.choropleth import choropleth_png, overconcentration_map
from geo_era.overconcentration.classes import (
    class_legend,
    layer_styles,
    shown_count,
    shown_number,
)
from geo_era.overconcentration.disclosure import BASE, MARKER, THRESHOLD
from geo_era.overconcentration.report import LevelTable, Report
from geo_era.overconcentration.statistics import ALPHA


@cache
def _templates() -> Environment:
    return template_environment(cell=shown_count, number=shown_number)


def _context(report: Report, *, map_png: bytes | None, map_html: str | None
             ) -> dict[str, Any]:
    tables = report.tables()
    finest = report.levels[-1]
    return {
        "r": report,
        "h": {"reference": f"Over-concentration {report.authority} {report.year}",
              "marking": report.marking, "fictional": report.fictional,
              "generated": report.generated.strftime("%d %B %Y %H:%M UTC")},
        "authority_rows": tables["authority"].to_dict("records"),
        "levels": [{"level": level, "rows": tables[level.level].to_dict("records")}
                   for level in report.levels],
        "finest": finest,
        "map_png": None if map_png is None else
        "data:image/png;base64," + base64.b64encode(map_png).decode("ascii"),
        "map_html": map_html,
        "legend": class_legend(finest, hot_spots=not report.published),
        "flows": tables["out_of_area"],
        "threshold": THRESHOLD, "base": BASE, "alpha": ALPHA, "marker": MARKER,
    }


def report_body(report: Report, *, map_html: str | None, map_png: bytes | None = None
                ) -> str:
    """The report's content (no ``<html>`` wrapper) for geo_era's web page: the
    narrative, ``map_html`` (a rendered Folium document, shown in a frame) and the
    tables."""
    return _templates().get_template("overconcentration_body.html").render(
        **_context(report, map_png=map_png, map_html=map_html))


def report_html(report: Report, *, for_pdf: bool = False) -> str:
    """The whole report as one self-contained HTML document: with the interactive map
    (Leaflet inlined), or, ``for_pdf``, with the static PNG map instead."""
    level = report.levels[-1]
    png, _drawn = choropleth_png(level, title=_map_title(report, level),
                                 hot_spots=not report.published)
    map_html = None if for_pdf else overconcentration_map(report, level).get_root().render()
    return _templates().get_template("overconcentration.html").render(
        **_context(report, map_png=png, map_html=map_html), for_pdf=for_pdf)


def _map_title(report: Report, level: LevelTable) -> str:
    return (f"{report.authority}\nplacements per resident by {level.title.lower()}, "
            f"31 March {report.year}")


def report_pdf(report: Report) -> bytes:
    """The report as PDF (A4, marked on every page), the map a static PNG."""
    return pdf_from_html(report_html(report, for_pdf=True))


def _remove_stale(out_dir: Path, *, keep: set[str]) -> None:
    """Remove the tables of an earlier report in ``out_dir`` that this one does not
    write (an internal consent list must not sit beside a published report)."""
    for path in out_dir.glob("*.csv"):
        if path.name in keep:
            continue
        with path.open("rb") as fh:
            first = fh.readline()
        if first.startswith(b"# OFFICIAL"):
            path.unlink()


def report_geopackage(report: Report) -> bytes:
    """The report's tables as one GeoPackage (:meth:`Report.layers`): the areas with
    their figures as polygons, the areas of concern, the tables with no place, and the
    placements as points when the internal report has them. Every layer is described
    with the report's marking; the spatial layers carry their QGIS styles
    (:func:`~geo_era.overconcentration.classes.layer_styles`: areas by map class in the
    report's colours)."""
    about = {"report": f"over-concentration of placements (NASSO 5.2), {report.authority}",
             "as_at": report.as_at.isoformat(), "crs": "EPSG:27700 (metres)",
             "suppressed": "NULL counts are not published ([c] in the CSV files)",
             "fictional": "yes" if report.fictional else "no"}
    layers = report.layers()
    return geopackage_bytes(layers, marking=report.marking, about=about,
                            styles=layer_styles(layers))


def write_report(report: Report, out_dir: Path) -> list[Path]:
    """Write ``report.html``, ``report.pdf``, one CSV per table and ``report.gpkg``
    (the tables as GeoPackage layers, :func:`report_geopackage`) into ``out_dir``
    (created when missing), all or nothing: built in memory, each file written to a
    temporary file beside its target (:func:`geo_era._io.atomic_path`), and moved in
    only when every one is written. Files are readable by their owner only
    (:data:`~geo_era._io.PRIVATE`) when the report is internal (OFFICIAL-SENSITIVE),
    :data:`~geo_era._io.SHARED` when it is for publication. Returns the paths
    written."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(f"{out_dir} is a file: --out names the directory the report is "
                        "written into")
    files: dict[str, bytes] = {
        "report.html": report_html(report).encode("utf-8"),
        "report.pdf": report_pdf(report),
    }
    heading = f"# {report.marking}. {report.authority}, 31 March {report.year}." + (
        " FICTIONAL data." if report.fictional else "") + "\n"
    for stem, table in report.tables().items():
        files[f"{stem}.csv"] = (heading + table.to_csv(index=False)).encode("utf-8")
    files["report.gpkg"] = report_geopackage(report)
    written = write_together(out_dir, files, mode=SHARED if report.published else PRIVATE)
    _remove_stale(out_dir, keep=set(files))
    return written
