"""The over-concentration report as documents: HTML (an interactive Folium choropleth),
PDF (a static PNG choropleth, WeasyPrint) and CSV tables, written together into one
directory.

The choropleths class each area by its location quotient (its rate over the
authority's; :data:`geo_era.overconcentration.report.LQ_CLASSES`), grey-hatch the areas
whose counts are not published, and, in the internal report, outline the Gi* hot spots.
The HTML and the PDF are self-contained: styles inline, the PNG a ``data:`` URI,
Leaflet inlined in the standalone HTML (no request to any other host).

Every output is built in memory first and then written file by file into a temporary
directory beside the target, which then takes the target's place: a failure leaves the
target as it was, never half a report.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from geo_era.documents.era_document import pdf_from_html, template_environment
from geo_era.errors import DataError
from geo_era.maps.interactive import overconcentration_map
from geo_era.maps.static_map import north_arrow, scale_bar
from geo_era.overconcentration.disclosure import MARKER
from geo_era.overconcentration.report import (
    ALPHA,
    BASE,
    CLASS_COLOURS,
    HOT_SPOT_EDGE,
    NOT_PUBLISHED,
    THRESHOLD,
    LevelTable,
    Report,
    class_legend,
    shown_count,
    shown_number,
)


def choropleth_png(level: LevelTable, *, title: str, hot_spots: bool,
                   dpi: int = 150) -> tuple[bytes, int]:
    """The static choropleth of one level (EPSG:27700) as PNG bytes, and how many areas
    it drew (every area of the level, each filled by its class)."""
    fig = Figure(figsize=(7.2, 6.4), layout="constrained")
    ax = fig.add_subplot()
    areas = level.areas.assign(lq_class=level.table["lq_class"].to_numpy())
    drawn = 0
    for label, colour in CLASS_COLOURS.items():
        chosen = areas[areas["lq_class"] == label]
        if not len(chosen):
            continue
        chosen.plot(ax=ax, color=colour, edgecolor="#7a7a7a", linewidth=0.25,
                    hatch="////" if label == NOT_PUBLISHED else None)
        drawn += len(chosen)
    handles = [Patch(facecolor=colour, edgecolor="#7a7a7a",
                     hatch="////" if label == NOT_PUBLISHED else None, label=label)
               for label, colour in CLASS_COLOURS.items()
               if (areas["lq_class"] == label).any()]
    if hot_spots and level.hot.hot.any():
        areas[level.hot.hot].boundary.plot(ax=ax, color=HOT_SPOT_EDGE, linewidth=1.4)
        handles.append(Patch(facecolor="none", edgecolor=HOT_SPOT_EDGE, linewidth=1.4,
                             label="Gi* hot spot"))
    bounds = tuple(float(v) for v in areas.total_bounds)
    ax.set_aspect("equal")
    ax.set_axis_off()
    scale_bar(ax, bounds, 7)  # type: ignore[arg-type]
    north_arrow(ax, 7)
    ax.set_title(title, fontsize=9)
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=6.5,
               frameon=False, title="Rate per resident against the authority's",
               title_fontsize=7)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white",
                metadata={"Software": None})
    return buffer.getvalue(), drawn


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


def write_report(report: Report, out_dir: Path) -> list[Path]:
    """Write ``report.html``, ``report.pdf`` and one CSV per table into ``out_dir``
    (created when missing), all or nothing: built in memory, written to a temporary
    directory beside it, then moved in. Files are readable by their owner only when
    the report is internal (OFFICIAL-SENSITIVE). Returns the paths written."""
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
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
    mode = 0o644 if report.published else 0o600
    try:
        for name, data in files.items():
            path = staging / name
            path.write_bytes(data)
            os.chmod(path, mode)
        out_dir.mkdir(exist_ok=True)
        _remove_stale(out_dir, keep=set(files))
        written = []
        for name in files:
            target = out_dir / name
            os.replace(staging / name, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
