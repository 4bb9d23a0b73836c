"""The ERA performance report as files: ``report.html``, ``report.pdf`` (WeasyPrint, A4,
marked on every page) and one CSV per table, written together (all or none), readable by
their owner only: the report is OFFICIAL-SENSITIVE (R126, R131)."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment

from geo_era._io import PRIVATE
from geo_era.documents.era_document import pdf_from_html, template_environment
from geo_era.documents.files import write_together
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


def performance_files(report: Performance) -> dict[str, bytes]:
    """Every file of the report, built in memory: file name -> content."""
    html = performance_html(report)
    files = {"report.html": html.encode("utf-8"), "report.pdf": pdf_from_html(html)}
    heading = csv_heading(report)
    for stem, table in report.tables.items():
        files[f"{stem}.csv"] = (heading + table.to_csv(index=False)).encode("utf-8")
    return files


def write_performance(report: Performance, out_dir: Path) -> list[Path]:
    """Write the report's files into ``out_dir`` (created when missing), all or none, each
    0600 (:data:`~geo_era._io.PRIVATE`). Returns the paths written."""
    return write_together(out_dir, performance_files(report), mode=PRIVATE)
