"""Staff-safety markers (NASSO 69-70, 5.3) as pages.

- ``/markers`` (the Responsible Authorities, ``marker_list``): the current markers in
  full, with the subject and reason, read with the purpose of the session (one audited
  consultation); the form to record one (``/markers/new``, ``marker_add``) and, per
  marker, a review form (``/markers/review``, ``marker_review``): approve the practical
  text, set the next review date or the expiry.
- ``/safety`` (housing staff and contractors, ``marker_shared``): the current markers of
  the landlord's homes, or shared with the firm, as instructions only; a POST looks up
  one property (a property with no marker reads as one whose marker they may not see).

Subject ids and reasons travel in form bodies, never in URLs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era import clock
from geo_era.errors import DataError, ForbiddenError, GeoEraError, NotFoundError
from geo_era.safeguarding.markers import INSTRUCTIONS
from geo_era.security.users import Identity
from geo_era.services import Admitted, markers

from .. import forms
from .pages import _admit, _page, _services
from .pages_case import FormState

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
Short = Annotated[str, Form(max_length=128)]
Long = Annotated[str, Form(max_length=4_000)]
Codes = Annotated[list[str], Form(max_length=3)]
#: The fields of the form recording a marker, in the order a refusal is placed beside.
FIELDS = {"review date": "review_on", "expiry date": "expires_on", "owner": "owner",
          "instruction": "instructions", "firm": "firms", "reason": "reason",
          "tenancy": "tenancy_reference", "subject": "subject_id",
          "property": "property_id", "practical": "practical_text"}


def _code(exc: GeoEraError) -> int:
    return (403 if isinstance(exc, ForbiddenError) else
            404 if isinstance(exc, NotFoundError) else 422)


def _field(message: str, form: str) -> str:
    """The id of the field a refusal concerns (by what it names)."""
    for words, name in FIELDS.items():
        if words in message:
            return f"{form}-{name}"
    return f"{form}-property_id"


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(f"the {what} {text.strip()[:20]!r} is not a date; write "
                        "YYYY-MM-DD") from None


def _list_page(request: Request, caller: Admitted, identity: Identity, *,
               form: FormState | None = None, notice: str | None = None,
               status_code: int = 200) -> HTMLResponse:
    try:
        found = markers.list_markers(_services(request), caller.caller,
                                     justification=caller.actor.justification)
    except GeoEraError as exc:
        return _page(request, "markers/list.html", {
            "who": identity, "markers": None, "form": FormState(""), "message": str(exc),
            "instructions": INSTRUCTIONS}, status_code=_code(exc))
    form = form or FormState("")
    return _page(request, "markers/list.html", {
        "who": identity, "markers": [m.model_dump(mode="json") for m in found],
        "form": form, "notice": notice, "instructions": INSTRUCTIONS,
        "message": form.message, "error_field": form.field,
        "today": clock.today().isoformat()}, status_code=status_code)


@router.get("/markers", response_class=HTMLResponse)
def markers_page(request: Request) -> Response:
    """The staff-safety markers in full and the form to record one."""
    admitted = _admit(request, "marker_list")
    if isinstance(admitted, Response):
        return admitted
    return _list_page(request, *admitted)


@router.post("/markers/new", response_class=HTMLResponse)
def marker_new(request: Request, *, property_id: Short = "", tenancy_reference: Short = "",
               instructions: Codes | None = None, practical_text: Long = "",
               review_on: Short = "", expires_on: Short = "", owner: Short = "",
               firms: Long = "", subject_id: Short = "", reason: Long = "") -> Response:
    """Record a marker (all of it, or nothing); a refusal stands beside its field with
    what was typed kept."""
    admitted = _admit(request, "marker_add")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    typed = {"property_id": property_id, "tenancy_reference": tenancy_reference,
             "practical_text": practical_text, "review_on": review_on,
             "expires_on": expires_on, "owner": owner, "firms": firms,
             "subject_id": subject_id, "reason": reason,
             "instructions": ",".join(instructions or [])}
    try:
        if not property_id.strip():
            raise DataError("name the property the marker is on (its property id)")
        done = markers.add_marker(
            _services(request), caller.caller, property_id=property_id,
            instructions=instructions or [], practical_text=practical_text or None,
            review_on=_date(review_on, "review date"),
            expires_on=_date(expires_on, "expiry date"), owner=owner or None,
            firms=[f for f in firms.splitlines() if f.strip()],
            tenancy_reference=tenancy_reference or None, subject_id=subject_id or None,
            reason=reason or None, justification=caller.actor.justification)
    except GeoEraError as exc:
        state = FormState("markernew", typed, str(exc), _field(str(exc), "markernew"))
        return _list_page(request, caller, identity, form=state, status_code=_code(exc))
    waiting = (" Its practical text is shown to housing staff and contractors once "
               "another Responsible Authority officer has approved it."
               if done.practical_text else "")
    return _list_page(request, caller, identity,
                      notice=f"Recorded {done.marker_id} on {done.property_id}.{waiting}")


@router.post("/markers/review", response_class=HTMLResponse)
def marker_review(request: Request, marker_id: Short = "", approve_text: Short = "",
                  review_on: Short = "", expires_on: Short = "") -> Response:
    """Review a marker: approve its practical text, set its next review date or expiry
    (today's date ends it)."""
    admitted = _admit(request, "marker_review")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    typed = {"review_on": review_on, "expires_on": expires_on}
    try:
        done = markers.review_marker(
            _services(request), caller.caller, marker_id=marker_id,
            approve_text=approve_text == "yes",
            review_on=_date(review_on, "review date") if review_on.strip() else None,
            expires_on=_date(expires_on, "expiry date") if expires_on.strip() else None,
            justification=caller.actor.justification)
    except GeoEraError as exc:
        form = f"review-{marker_id.strip()[:16]}"
        field = (f"{form}-expires_on" if "expiry" in str(exc) else f"{form}-review_on")
        return _list_page(request, caller, identity,
                          form=FormState(form, typed, str(exc), field),
                          status_code=_code(exc))
    return _list_page(request, caller, identity,
                      notice=f"Reviewed {done.marker_id}: next review {done.review_on}, "
                             f"expires {done.expires_on} ({done.status.replace('_', ' ')}).")


def _shared_page(request: Request, caller: Admitted, identity: Identity,
                 property_id: str = "") -> HTMLResponse:
    try:
        found = markers.shared_markers(_services(request), caller.caller,
                                       property_id=property_id.strip() or None,
                                       justification=caller.actor.justification)
    except GeoEraError as exc:
        return _page(request, "markers/shared.html", {
            "who": identity, "markers": None, "asked": property_id, "message": str(exc),
            "error_field": "safety-property_id", "form": FormState("")},
            status_code=_code(exc))
    return _page(request, "markers/shared.html", {
        "who": identity, "markers": [m.model_dump(mode="json") for m in found],
        "asked": property_id.strip(), "form": FormState("safety",
                                                        {"property_id": property_id})})


@router.get("/safety", response_class=HTMLResponse)
def safety_page(request: Request) -> Response:
    """How to visit safely: the current markers a housing officer or contractor may
    see."""
    admitted = _admit(request, "marker_shared")
    if isinstance(admitted, Response):
        return admitted
    return _shared_page(request, *admitted)


@router.post("/safety", response_class=HTMLResponse)
def safety_lookup(request: Request, property_id: Short = "") -> Response:
    """The current markers of one property that the caller may see (none reads alike
    whatever the reason)."""
    admitted = _admit(request, "marker_shared")
    if isinstance(admitted, Response):
        return admitted
    return _shared_page(request, *admitted, property_id=property_id)


