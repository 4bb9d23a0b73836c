"""The annual MAPPA figures as documents: ``report.html``, ``report.pdf`` (WeasyPrint)
and one CSV per table, written together (all or none;
:func:`geo_era.documents.files.write_together`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from jinja2 import Environment

from geo_era._io import PRIVATE, SHARED
from geo_era.documents.era_document import pdf_from_html, template_environment
from geo_era.documents.files import write_together
from geo_era.documents.geopackage import geopackage_bytes
from geo_era.documents.styles import outline_styles
from geo_era.errors import DataError
from geo_era.overconcentration.disclosure import BASE, MARKER, THRESHOLD
from geo_era.reporting.mappa import MappaReport, period

#: Each table's heading and what it counts.
TITLES = {
    "people_managed": ("People managed on 31 March, by MAPPA category and level",
                       "Subjects placed in a property of the area on 31 March; category "
                       "1 registered sex offenders, 2 restricted patients, 3 others posing "
                       "a risk of serious harm; level 1 ordinary agency management, 2 "
                       "multi-agency, 3 multi-agency public protection."),
    "registrations": ("New registrations in the year, by category",
                      "People managed on 31 March whose registration date falls in the "
                      "reporting year."),
    "registration_date_not_recorded": (
        "People managed with no registration date recorded",
        "Not counted as new registrations or as earlier ones: the date is not known."),
    "housed": ("People housed in the year, by tenure and route",
               "Every move into a home in the year (a person moving twice counts twice). "
               "Tenure: council, housing association or private (no landlord). Route: "
               "void (a let after an ERA decision), temporary accommodation, transfer, "
               "private, or not recorded."),
    "out_of_area": ("Out-of-area placements agreed in the year",
                    "Moves in the year placed by another council (NASSO 3.13), with and "
                    "without the receiving council's consent recorded."),
    "rates": ("People managed per 100,000 residents", "Residents: the areas layer's "
              "population."),
}


@cache
def _templates() -> Environment:
    return template_environment()


def _cell(value: object, column: str = "") -> str:
    if value is None or value is pd.NA:
        return "—" if column in ("population", "rate_per_100k") else MARKER
    if isinstance(value, float | np.floating):
        return "—" if not np.isfinite(value) else f"{value:,.1f}"
    return str(value)


def _context(report: MappaReport) -> dict[str, Any]:
    tables: list[dict[str, Any]] = []
    for stem, frame in report.tables.items():
        title, what = TITLES[stem]
        tables.append({"title": title, "what": what, "columns": list(frame.columns),
                       "rows": [[_cell(v, c) for c, v in zip(frame.columns, row,
                                                                   strict=True)]
                                for row in frame.itertuples(index=False)]})
    return {"r": report, "tables": tables, "threshold": THRESHOLD, "base": BASE,
            "marker": MARKER,
            "h": {"marking": report.marking, "fictional": report.fictional,
                  "reference": report.title,
                  "generated": report.generated.strftime("%d %B %Y %H:%M UTC")}}


def mappa_html(report: MappaReport) -> str:
    """The report as one self-contained HTML document (styles inline)."""
    return _templates().get_template("mappa.html").render(**_context(report))


def mappa_body(report: MappaReport) -> str:
    """The report's content (no ``<html>`` wrapper), for geo_era's web page."""
    return _templates().get_template("mappa_body.html").render(**_context(report))


def mappa_pdf(report: MappaReport) -> bytes:
    """The report as PDF (A4, marked on every page)."""
    return pdf_from_html(mappa_html(report))


def mappa_geopackage(report: MappaReport) -> bytes:
    """Every table of the report as a GeoPackage layer: one feature per row, outlined
    by its council or MAPPA area (the Total row by the whole; EPSG:27700), counts as
    numbers and a suppressed one NULL (``[c]`` in the CSV files). Each layer is
    described with the marking."""
    layers: dict[str, pd.DataFrame] = {}
    for stem, table in report.tables.items():
        figures = table.drop(columns=[report.unit]).apply(pd.to_numeric, errors="coerce")
        figures.columns = [str(c) for c in figures.columns]
        frame = pd.concat([table[[report.unit]].astype(str), figures], axis=1)
        if report.outlines is None:
            layers[stem] = frame
            continue
        shapes = report.outlines.reindex(frame[report.unit]).to_numpy()
        layers[stem] = gpd.GeoDataFrame(frame, geometry=shapes, crs=report.outlines.crs)
    first, last = period(report.year)
    about = {"report": report.title, "period": f"{first.isoformat()} to {last.isoformat()}",
             "rows": report.unit, "crs": "EPSG:27700 (metres)",
             "suppressed": "NULL counts are not published ([c] in the CSV files)",
             "fictional": "yes" if report.fictional else "no"}
    return geopackage_bytes(layers, marking=report.marking, about=about,
                            styles=outline_styles(layers))


def write_mappa_report(report: MappaReport, out_dir: Path) -> list[Path]:
    """Write ``report.html``, ``report.pdf``, one CSV per table and ``report.gpkg``
    (:func:`mappa_geopackage`) into ``out_dir``, all
    or none, owner-only when internal (OFFICIAL-SENSITIVE), readable when for
    publication. Every CSV starts with a ``# MARKING`` line. Returns the paths."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError("--out names a file: give the directory the report is written "
                        "into")
    files: dict[str, bytes] = {"report.html": mappa_html(report).encode("utf-8"),
                               "report.pdf": mappa_pdf(report)}
    heading = (f"# {report.marking}. {report.title}."
               + (" FICTIONAL data." if report.fictional else "") + "\n")
    for stem, table in report.tables.items():
        shown = table.astype(object).where(table.notna(), MARKER) if stem != "rates" \
            else table
        files[f"{stem}.csv"] = (heading + shown.to_csv(index=False)).encode("utf-8")
    files["report.gpkg"] = mappa_geopackage(report)
    return write_together(out_dir, files, mode=SHARED if report.published else PRIVATE)
