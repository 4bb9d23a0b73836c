"""The ERA performance report as a page (R126, R131), for the roles the matrix admits to
``report_performance``: a form (the reporting year, the council or all councils) and the
report's tables and notes, read through
:func:`geo_era.services.performance.performance_report` with the purpose given at
sign-in (one audited combination); the PDF through
:func:`geo_era.services.performance.performance_pdf`. Council staff are offered their
own council only; nothing is put in a URL."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era.errors import DataError, GeoEraError, NotFoundError
from geo_era.security.users import Identity
from geo_era.services import performance
from geo_era.services.answers.performance import PerformanceReport
from geo_era.services.policy import Caller

from .. import forms
from .pages import _admit, _page, _services

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
Council = Annotated[str, Form(max_length=128)]
Year = Annotated[str, Form(max_length=8)]
#: The form's value for every council.
ALL = "all"
#: The grouping columns of a timeliness row, shown only in the table grouped on them.
GROUPING = ("lead_agency", "council")


def _asked(year: str, council: str) -> performance.AskedPerformance:
    text = year.strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise DataError("give the reporting year as four digits, the year in which it "
                        "ends on 31 March, e.g. 2026 for 1 April 2025 to 31 March 2026")
    name = council.strip()
    return performance.AskedPerformance(int(text), None if name in ("", ALL) else name)


def _field(exc: GeoEraError) -> str | None:
    """The form field a refusal concerns, for the error summary's link: the council
    (unknown, or not the caller's), the year, or none (no purpose given at sign-in)."""
    text = str(exc)
    if isinstance(exc, NotFoundError) or text.startswith("no council"):
        return "council"
    return "year" if "year" in text.split(":", 1)[0] else None


def _tables(report: PerformanceReport) -> list[dict[str, Any]]:
    """Each table with its title, the columns it shows and its rows."""
    out = []
    for stem, rows in report.tables.model_dump().items():
        if rows is None:
            continue
        columns = [c for c in (rows[0] if rows else {})
                   if c not in GROUPING or any(r[c] is not None for r in rows)]
        out.append({"title": performance.TITLES[stem], "columns": columns, "rows": rows})
    return out


def _context(request: Request, caller: Caller, identity: Identity,
             form: dict[str, str]) -> dict[str, Any]:
    """The form's choices, filled with what was asked."""
    choices = performance.performance_choices(_services(request), caller)
    return {"who": identity, "choices": choices,
            "form": {"year": form.get("year") or str(choices.latest_year - 1),
                     "council": form.get("council") or
                     (ALL if choices.all_councils else choices.councils[0])}}


@router.get("/reports/performance", response_class=HTMLResponse)
def performance_form(request: Request) -> Response:
    """The form: the reporting year (the last one ended, by default) and the council."""
    admitted = _admit(request, "report_performance")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    return _page(request, "performance.html", _context(request, caller.caller, identity, {}))


@router.post("/reports/performance", response_class=HTMLResponse)
def performance_page(request: Request, year: Year = "", council: Council = ALL) -> Response:
    """The report of the year asked for; a refusal is shown on the form, kept filled."""
    admitted = _admit(request, "report_performance")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    context = _context(request, caller.caller, identity,
                       {"year": year.strip(), "council": council.strip()})
    try:
        report = performance.performance_report(
            _services(request), caller.caller, _asked(year, council),
            justification=caller.actor.justification)
    except GeoEraError as exc:
        return _page(request, "performance.html", {**context, "message": str(exc),
                                                   "error_field": _field(exc)},
                     status_code=404 if isinstance(exc, NotFoundError) else 422)
    return _page(request, "performance.html", {**context, "report": report,
                                               "tables": _tables(report)})


@router.post("/reports/performance/pdf")
def performance_pdf(request: Request, year: Year = "", council: Council = ALL) -> Response:
    """The same report as PDF; built and audited like the page."""
    admitted = _admit(request, "report_performance")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        name, content = performance.performance_pdf(
            _services(request), caller.caller, _asked(year, council),
            justification=caller.actor.justification)
    except GeoEraError as exc:
        return _page(request, "performance.html",
                     {**_context(request, caller.caller, identity,
                                 {"year": year.strip(), "council": council.strip()}),
                      "message": str(exc)},
                     status_code=404 if isinstance(exc, NotFoundError) else 422)
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
