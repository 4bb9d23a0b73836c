"""The annual MAPPA figures as a page (NASSO 1.0; R128-R131), for the roles the matrix
admits to ``report_mappa``.

- ``GET /reports/mappa``: the form: a council, a MAPPA area or Scotland (council staff:
  their own council only), the year the reporting period ends, which version (a Link
  Officer: the published one only).
- ``POST /reports/mappa``: the figures' tables, read with the purpose given at sign-in
  (one audited read, :func:`geo_era.services.mappa.mappa_view`); a refusal is shown on
  the form, kept filled.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era.errors import DataError, GeoEraError, NotFoundError
from geo_era.reporting.mappa import FIRST_YEAR, LAST_YEAR, Scope
from geo_era.reporting.mappa_document import mappa_body
from geo_era.security.users import Identity
from geo_era.services import mappa
from geo_era.services.answers.mappa import MappaChoices

from .. import forms
from .pages import _admit, _page, _services

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])


def _context(choices: MappaChoices, identity: Identity, form: dict[str, Any]
             ) -> dict[str, Any]:
    first = ("scotland" if choices.scotland else
             f"council:{choices.councils[0]}" if choices.councils else "")
    return {"who": identity, "choices": choices,
            "form": {"scope": form.get("scope") or first,
                     "year": form.get("year") or str(choices.latest_year),
                     "publish": bool(form.get("publish")) or choices.published_only}}


def _scope(value: str) -> Scope:
    kind, _, name = value.strip().partition(":")
    if kind == "scotland" and not name:
        return Scope("scotland")
    if kind in ("council", "area") and name.strip():
        return Scope("council" if kind == "council" else "area", name.strip())
    raise NotFoundError("choose a council, a MAPPA area or Scotland from the list")


def _year(text: str) -> int:
    if not text.strip().isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise DataError("give the year the reporting period ends as four digits, e.g. "
                        "2026 for 1 April 2025 to 31 March 2026")
    return int(text)


@router.get("/reports/mappa", response_class=HTMLResponse)
def mappa_form(request: Request) -> Response:
    """The form of the annual MAPPA figures."""
    admitted = _admit(request, "report_mappa")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    choices = mappa.mappa_choices(_services(request), caller.caller)
    return _page(request, "mappa.html", _context(choices, identity, {}))


@router.post("/reports/mappa", response_class=HTMLResponse)
def mappa_page(request: Request, scope: Annotated[str, Form(max_length=200)] = "",
               year: Annotated[str, Form(max_length=8)] = "",
               publish: Annotated[str, Form(max_length=8)] = "") -> Response:
    """The annual MAPPA figures' tables. A Link Officer always gets the version for
    publication. A refusal is shown on the form, kept filled."""
    admitted = _admit(request, "report_mappa")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    services = _services(request)
    form = {"scope": scope.strip(), "year": year.strip(), "publish": bool(publish)}
    context = _context(mappa.mappa_choices(services, caller.caller), identity, form)
    try:
        asked = mappa.MappaAsked(_scope(scope), _year(year), publish=bool(publish))
        report = mappa.mappa_view(services, caller.caller, asked,
                                  justification=caller.actor.justification)
    except GeoEraError as exc:
        field = "scope" if isinstance(exc, NotFoundError) else "year"
        return _page(request, "mappa.html", {**context, "message": str(exc),
                                             "error_field": field},
                     status_code=404 if isinstance(exc, NotFoundError) else 422)
    return _page(request, "mappa.html", {**context, "report": report,
                                         "body": mappa_body(report)})
