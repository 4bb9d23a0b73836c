"""Landlord notifications (NASSO 5.3) as pages, for the roles the matrix admits.

- ``/notices`` (GET): for a landlord's staff (``notice_sent``), the form that tells the
  SOLO about a tenancy (``notice_record``) and their organisation's notifications with
  their status (:func:`geo_era.services.notices.sent`); for the Responsible Authorities
  (``notice_list``), the notifications from landlords, new and unlinked first, read with
  the purpose given at sign-in (one audited consultation).
- ``/notices/new``: the landlord's form; a refusal stands beside the field it concerns
  with what was typed, nothing written.
- ``/notice``: one notification in full (:func:`geo_era.services.notices.show`: its
  first reading by the SOLO, police or coordinator is its receipt), with the forms that
  link it to a subject (``/notices/link``) and open a review (3.4) from it
  (``/notices/review``).

References and subject ids travel in form bodies, never in URLs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era import clock
from geo_era.errors import DataError, ForbiddenError, GeoEraError, NotFoundError
from geo_era.housing.notifications import KINDS
from geo_era.security.access import MATRIX
from geo_era.security.users import Identity
from geo_era.services import Admitted, notices

from .. import forms
from .pages import _admit, _page, _services, _signed_in
from .pages_case import FormState

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
Short = Annotated[str, Form(max_length=64)]
Text = Annotated[str, Form(max_length=4_000)]
Reference = Annotated[str, Form(max_length=16)]
#: The landlord's form's fields, in the order a refusal is matched to them.
RECORD_FIELDS = (("property", "property_id"), ("kind of notification", "kind"),
                 ("date", "occurred_on"), ("details", "details"),
                 ("reference", "landlord_reference"))


def _code(exc: GeoEraError) -> int:
    return (403 if isinstance(exc, ForbiddenError) else
            404 if isinstance(exc, NotFoundError) else
            422 if isinstance(exc, DataError) else 409)


def _may(identity: Identity, endpoint: str) -> bool:
    return identity.role in MATRIX[endpoint].allowed


def _record_field(exc: GeoEraError) -> str:
    """The id of the landlord's form field a refusal concerns."""
    text = str(exc)
    for words, name in RECORD_FIELDS:
        if words in text:
            return f"notice-{name}"
    return "notice-details"


def _landlords_page(request: Request, caller: Admitted, identity: Identity, *,
                    form: FormState | None = None, done: str | None = None,
                    status_code: int = 200) -> HTMLResponse:
    """The landlord's page: the form and their notifications (audited)."""
    mine = notices.sent(_services(request), caller.caller,
                        justification=caller.actor.justification)
    return _page(request, "notices/sent.html", {
        "who": identity, "sent": [n.model_dump(mode="json") for n in mine],
        "kinds": list(KINDS.items()), "form": form or FormState(""), "done": done,
        "today": clock.today().isoformat(), "may_record": _may(identity, "notice_record"),
        "message": form.message if form else None,
        "error_field": form.field if form else None}, status_code=status_code)


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request) -> Response:
    """The notifications the caller may see: the Responsible Authorities' inbox, or a
    landlord's own with the form to send one."""
    found = _signed_in(request)
    endpoint = "notice_sent" if found and _may(found[0], "notice_sent") else "notice_list"
    admitted = _admit(request, endpoint)
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        if endpoint == "notice_sent":
            return _landlords_page(request, caller, identity)
        inbox = notices.list_notices(_services(request), caller.caller,
                                     justification=caller.actor.justification)
    except GeoEraError as exc:
        return _page(request, "notices/inbox.html", {"who": identity, "inbox": None,
                                                     "message": str(exc)},
                     status_code=_code(exc))
    return _page(request, "notices/inbox.html", {
        "who": identity, "inbox": [n.model_dump(mode="json") for n in inbox]})


@router.post("/notices/new", response_class=HTMLResponse)
def record_page(request: Request, *, property_id: Short = "", kind: Short = "",
                occurred_on: Short = "", details: Text = "",
                landlord_reference: Short = "") -> Response:
    """Tell the SOLO about a tenancy; a refusal comes back beside its field with what was
    typed, nothing written."""
    admitted = _admit(request, "notice_record")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    typed = {"property_id": property_id, "kind": kind, "occurred_on": occurred_on,
             "details": details, "landlord_reference": landlord_reference}
    try:
        try:
            when = dt.date.fromisoformat(occurred_on.strip())
        except ValueError:
            raise DataError(f"the date {occurred_on.strip()!r} is not a date; give it "
                            "as day, month and year (YYYY-MM-DD)") from None
        made = notices.record(_services(request), caller.caller,
                              property_id=property_id, kind=kind, occurred_on=when,
                              details=details, landlord_reference=landlord_reference)
    except GeoEraError as exc:
        return _landlords_page(request, caller, identity, form=FormState(
            "notice", typed, str(exc), _record_field(exc)), status_code=_code(exc))
    return _landlords_page(request, caller, identity,
                           done=f"{made.reference} sent to the SOLO")


def _notice_page(request: Request, identity: Identity, notice: dict[str, Any] | None, *,
                 done: str | None = None, form: FormState | None = None,
                 status_code: int = 200) -> HTMLResponse:
    return _page(request, "notices/notice.html", {
        "who": identity, "notice": notice, "done": done, "form": form or FormState(""),
        "may_link": _may(identity, "notice_link"),
        "may_review": _may(identity, "notice_review"),
        "message": form.message if form else None,
        "error_field": form.field if form else None}, status_code=status_code)


def _show(request: Request, caller: Admitted, reference: str) -> dict[str, Any]:
    return notices.show(_services(request), caller.caller, reference=reference,
                        justification=caller.actor.justification).model_dump(mode="json")


@router.post("/notice", response_class=HTMLResponse)
def notice_page(request: Request, reference: Reference = "") -> Response:
    """One notification in full (its receipt, the first time the SOLO, police or the
    coordinator reads it), with the link and review forms."""
    admitted = _admit(request, "notice_show")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        return _notice_page(request, identity, _show(request, caller, reference))
    except GeoEraError as exc:
        return _page(request, "notices/notice.html", {
            "who": identity, "notice": None, "message": str(exc)}, status_code=_code(exc))


def _after(request: Request, caller: Admitted, identity: Identity, reference: str, *,
           exc: GeoEraError, form: FormState) -> HTMLResponse:
    """The notification again with the refusal beside the form's field (or, when it
    cannot be read, the refusal alone)."""
    try:
        notice = _show(request, caller, reference)
    except GeoEraError:
        return _page(request, "notices/notice.html", {
            "who": identity, "notice": None, "message": str(exc)}, status_code=_code(exc))
    return _notice_page(request, identity, notice, form=form, status_code=_code(exc))


@router.post("/notices/link", response_class=HTMLResponse)
def link_page(request: Request, reference: Reference = "", subject_id: Short = "",
              note: Text = "") -> Response:
    """Link the notification to the subject it concerns, with an optional note."""
    admitted = _admit(request, "notice_link")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        if not subject_id.strip():
            raise DataError("give the subject's id to link the notification to")
        linked = notices.link(_services(request), caller.caller, reference=reference,
                              subject_id=subject_id, note=note or None,
                              justification=caller.actor.justification)
    except GeoEraError as exc:
        field = "link-note" if "note" in str(exc) else "link-subject_id"
        return _after(request, caller, identity, reference, exc=exc, form=FormState(
            "link", {"subject_id": subject_id, "note": note}, str(exc), field))
    return _notice_page(request, identity, linked.model_dump(mode="json"),
                        done=f"{linked.reference} linked to {linked.subject_id}")


@router.post("/notices/review", response_class=HTMLResponse)
def review_page(request: Request, reference: Reference = "") -> Response:
    """Open a review (3.4) of the linked subject's current home from the notification."""
    admitted = _admit(request, "notice_review")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        reviewed = notices.open_review(_services(request), caller.caller,
                                       reference=reference,
                                       justification=caller.actor.justification)
    except GeoEraError as exc:
        return _after(request, caller, identity, reference, exc=exc,
                      form=FormState("review", {}, str(exc), "review-open"))
    return _notice_page(request, identity, reviewed.model_dump(mode="json"),
                        done=f"Review opened: {reviewed.case_id}")
