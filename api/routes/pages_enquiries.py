"""Enquiries and concerns (NASSO 5.4, 5.2) as pages, for the roles the matrix admits to
``enquiry_*``.

- ``/enquiries``: the enquiries the caller may see, latest first, without the text
  raised (:func:`geo_era.services.enquiries.list_enquiries`, one audited
  consultation); each opens with a POST (the reference in the body, never the URL).
- ``/enquiries/new``: the form a SOLO or a landlord's Link Officer records one with; the
  page then says whom it was passed to.
- ``/enquiry``: one enquiry as the caller may see it (the Responsible Authorities read
  it with the purpose of the session, and get its outcome and subjects, with forms to
  record them); the organisation that received it gets the form recording the "passed
  on" confirmation, and then the words to give the person raising it.

A landlord's staff see what they raised, where it went and the confirmation: the
service gives them no subject, outcome or note of the Responsible Authorities, so the
page has none to show. A refusal of the core stands beside the field it concerns with
what was typed; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era import clock
from geo_era.errors import DataError, ForbiddenError, GeoEraError, NotFoundError
from geo_era.safeguarding.enquiries import CHANNELS, KINDS, OUTCOMES, RAISED_BY, ROUTES
from geo_era.security.access import MATRIX
from geo_era.security.users import Identity
from geo_era.services import Admitted, enquiries
from geo_era.services.answers.enquiries import EnquiryRecord

from .. import forms
from .pages import _admit, _page, _services
from .pages_case import FormState

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
Short = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=4_000)]
Flag = Annotated[str, Form(max_length=8)]
EnquiryId = Annotated[str, Form(max_length=20)]

#: The fields of the record form, in the order a refusal is matched to them.
FIELDS = ("property_id", "contact_reference", "received_on", "raised_by", "summary",
          "channel", "council", "also_to", "area", "kind", "unresolved")
LABELS = {
    "general_enquiry": "General enquiry about housing policies and procedures",
    "housing_enquiry": "Housing enquiry relating to a sex offender (to the SOLO)",
    "concern": "Concern about the behaviour of a tenant or someone in the community",
    "tenant": "A tenant", "public": "A member of the public", "media": "The media",
    "elected_member": "An elected or committee member", "staff": "A member of staff",
    "other": "Other", "phone": "Phone", "email": "Email", "letter": "Letter",
    "in_person": "In person", "online": "Online",
    "no_further_action": "No further action", "advice_given": "Advice given",
    "investigated": "Investigated", "action_taken": "Action taken",
    "referred_on": "Referred on",
}


def _code(exc: GeoEraError) -> int:
    return (403 if isinstance(exc, ForbiddenError) else
            404 if isinstance(exc, NotFoundError) else 422)


def _field_of(message: str, form: str, fields: tuple[str, ...] = FIELDS) -> str | None:
    """The id of the field a refusal of the core concerns (its words name it first, or
    as "the FIELD contains ..."); the enquiry's council when it is about another."""
    for name in fields:
        if message.startswith(name) or f"the {name} " in message:
            return f"{form}-{name}"
    return f"{form}-council" if "not your council" in message else None


def _options(names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(n, LABELS.get(n, n.replace("_", " "))) for n in names]


def _choices() -> dict[str, Any]:
    return {"kinds": _options(KINDS), "channels": _options(CHANNELS),
            "raisers": _options(RAISED_BY), "outcomes": _options(OUTCOMES),
            "routes": [(r, ROUTES[r]) for r in ROUTES if r != "policies"]}


def _may(role: str, endpoint: str) -> bool:
    return role in MATRIX[endpoint].allowed


@router.get("/enquiries", response_class=HTMLResponse)
def enquiries_page(request: Request) -> Response:
    """The enquiries the caller may see (one audited consultation)."""
    admitted = _admit(request, "enquiry_list")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        rows = enquiries.list_enquiries(_services(request), caller.caller,
                                        justification=caller.actor.justification)
    except GeoEraError as exc:
        return _page(request, "enquiries/list.html", {"who": identity, "rows": None,
                                                      "message": str(exc)},
                     status_code=_code(exc))
    return _page(request, "enquiries/list.html", {
        "who": identity, "rows": [r.model_dump(mode="json") for r in rows],
        "labels": LABELS})


def _new(request: Request, identity: Identity, form: FormState, *,
         status_code: int = 200) -> HTMLResponse:
    return _page(request, "enquiries/new.html", {
        "who": identity, "form": form, "message": form.message,
        "error_field": form.field, "today": clock.today().isoformat(), **_choices()},
        status_code=status_code)


@router.get("/enquiries/new", response_class=HTMLResponse)
def new_form(request: Request) -> Response:
    """The form an enquiry or concern is recorded with: nothing read or written."""
    admitted = _admit(request, "enquiry_record")
    if isinstance(admitted, Response):
        return admitted
    return _new(request, admitted[1], FormState(""))


def _date(text: str, name: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(f"{name} {text.strip()[:20]!r} is not a date; write YYYY-MM-DD"
                        ) from None


@router.post("/enquiries/new", response_class=HTMLResponse)
def record_page(request: Request, *, kind: Short = "", channel: Short = "",
                raised_by: Short = "", summary: Text = "", received_on: Short = "",
                property_id: Short = "", area: Short = "", council: Short = "",
                contact_reference: Short = "", risk_to_children: Flag = "",
                media_incident: Flag = "", unresolved: Flag = "",
                also_to: Annotated[list[str] | None, Form(max_length=5)] = None) -> Response:
    """Record an enquiry or concern, then show it with whom it was passed to."""
    admitted = _admit(request, "enquiry_record")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    typed = {"kind": kind, "channel": channel, "raised_by": raised_by, "summary": summary,
             "received_on": received_on, "property_id": property_id, "area": area,
             "council": council, "contact_reference": contact_reference,
             "risk_to_children": risk_to_children, "media_incident": media_incident,
             "unresolved": unresolved}
    try:
        raised = enquiries.raised(
            kind=kind, channel=channel, raised_by=raised_by, summary=summary,
            received_on=_date(received_on, "received_on"), property_id=property_id,
            area=area, council=council, contact_reference=contact_reference,
            risk_to_children=risk_to_children == "yes",
            media_incident=media_incident == "yes", unresolved=unresolved == "yes",
            also_to=tuple((also_to or [])[:5]))
        done = enquiries.record_enquiry(_services(request), caller.caller, raised,
                                        justification=caller.actor.justification)
    except GeoEraError as exc:
        state = FormState("enquiry", typed, str(exc), _field_of(str(exc), "enquiry"))
        return _new(request, identity, state, status_code=_code(exc))
    return _show(request, caller, identity, done.model_dump(mode="json"),
                 notice=f"{done.enquiry_id} recorded and passed on")


def _show(request: Request, caller: Admitted, identity: Identity, enquiry: dict[str, Any],
          *, notice: str | None = None, form: FormState | None = None,
          status_code: int = 200) -> HTMLResponse:
    """The enquiry page of ``enquiry`` (the caller's view of it), with the forms the
    caller may use."""
    role = caller.caller.role
    mine = enquiry["organisation"].casefold() == identity.organisation.strip().casefold()
    form = form or FormState("")
    return _page(request, "enquiries/show.html", {
        "who": identity, "e": enquiry, "labels": LABELS, "notice": notice, "form": form,
        "message": form.message, "error_field": form.field,
        "full": "links" in enquiry,
        "may_confirm": _may(role, "enquiry_confirm") and mine and not enquiry["confirmed_on"],
        "may_link": _may(role, "enquiry_link"), "may_outcome": _may(role, "enquiry_outcome"),
        **_choices()}, status_code=status_code)


def _read(request: Request, caller: Admitted, enquiry_id: str) -> dict[str, Any]:
    return enquiries.show_enquiry(_services(request), caller.caller, enquiry_id=enquiry_id,
                                  justification=caller.actor.justification
                                  ).model_dump(mode="json")


@router.post("/enquiry", response_class=HTMLResponse)
def enquiry_page(request: Request, enquiry_id: EnquiryId = "") -> Response:
    """One enquiry as the caller may see it (audited)."""
    admitted = _admit(request, "enquiry_show")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        enquiry = _read(request, caller, enquiry_id)
    except GeoEraError as exc:
        return _page(request, "base.html", {"who": identity, "message": str(exc)},
                     status_code=_code(exc))
    return _show(request, caller, identity, enquiry)


def _after(request: Request, endpoint: str, *, enquiry_id: str, name: str,
           typed: dict[str, str], fields: tuple[str, ...],
           step: Callable[[Admitted], object]) -> Response:
    """Run ``step`` (a service call given the admitted caller) for ``endpoint`` on an
    enquiry and show it after; a refusal beside the field of form ``name``."""
    admitted = _admit(request, endpoint)
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        done = step(caller)
        enquiry = (done.model_dump(mode="json") if isinstance(done, EnquiryRecord)
                   else _read(request, caller, enquiry_id))
    except GeoEraError as exc:
        try:
            enquiry = _read(request, caller, enquiry_id)
        except GeoEraError:
            return _page(request, "base.html", {"who": identity, "message": str(exc)},
                         status_code=_code(exc))
        state = FormState(name, typed, str(exc), _field_of(str(exc), name, fields))
        return _show(request, caller, identity, enquiry, form=state,
                     status_code=_code(exc))
    notice = {"enquiry_confirm": "Confirmation recorded: give the person raising it the "
                                 "words below",
              "enquiry_link": "Subject linked", "enquiry_outcome": "Outcome recorded"}
    return _show(request, caller, identity, enquiry, notice=notice[endpoint])


@router.post("/enquiry/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, enquiry_id: EnquiryId = "",
                 given_on: Short = "") -> Response:
    """Record the "passed on" confirmation given to the person raising it (5.4)."""
    return _after(request, "enquiry_confirm", enquiry_id=enquiry_id, name="confirm",
                  typed={"given_on": given_on}, fields=("given_on",),
                  step=lambda caller: enquiries.confirm(
                      _services(request), caller.caller, enquiry_id=enquiry_id,
                      given_on=_date(given_on, "given_on")))


@router.post("/enquiry/link", response_class=HTMLResponse)
def link_page(request: Request, enquiry_id: EnquiryId = "", subject_id: Short = "",
              note: Text = "") -> Response:
    """Record which subject an enquiry concerns (the Responsible Authorities')."""
    return _after(request, "enquiry_link", enquiry_id=enquiry_id, name="link",
                  typed={"subject_id": subject_id, "note": note},
                  fields=("subject_id", "note"),
                  step=lambda caller: enquiries.link_subject(
                      _services(request), caller.caller, enquiry_id=enquiry_id,
                      subject_id=subject_id, note=note,
                      justification=caller.actor.justification))


@router.post("/enquiry/outcome", response_class=HTMLResponse)
def outcome_page(request: Request, enquiry_id: EnquiryId = "", outcome: Short = "",
                 notes: Text = "", decided_on: Short = "") -> Response:
    """Record the Responsible Authorities' outcome of an enquiry."""
    return _after(request, "enquiry_outcome", enquiry_id=enquiry_id, name="outcome",
                  typed={"outcome": outcome, "notes": notes, "decided_on": decided_on},
                  fields=("outcome", "notes", "decided_on"),
                  step=lambda caller: enquiries.record_outcome(
                      _services(request), caller.caller, enquiry_id=enquiry_id,
                      outcome=outcome, notes=note_or_none(notes),
                      decided_on=_date(decided_on, "decided_on"),
                      justification=caller.actor.justification))


def note_or_none(text: str) -> str | None:
    return text.strip() or None
