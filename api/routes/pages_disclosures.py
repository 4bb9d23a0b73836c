"""Disclosure decisions and Keeping Children Safe applications as pages (NASSO 3.12, 68,
71; the Dorset MAPPA procedure §18), for the roles the matrix admits to
``disclosure_*``.

- ``/disclosures``: the decisions the caller may see and, for the Responsible
  Authorities, the Keeping Children Safe applications, read with the purpose given at
  sign-in (one audited consultation); the forms of the caller's role: a decision, a
  disclosure made, an application received and its outcome.
- ``POST /disclosures/decide``, ``/disclosures/made``, ``/disclosures/kcs`` and
  ``/disclosures/kcs/outcome``: each records one thing through
  :mod:`geo_era.services.disclosures` (one audit entry) and comes back to the forms with
  what was recorded, or with the refusal beside the field it concerns and what was
  typed. The list is not read again after a form (that would be a second consultation);
  a link leads back to it.

Subject ids stand only in page bodies and form bodies, never in URLs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era.errors import DataError, ForbiddenError, GeoEraError, NotFoundError
from geo_era.safeguarding.disclosures import (
    KCS_OUTCOMES,
    KCS_RELATIONSHIPS,
    RECIPIENT_TYPES,
    DecisionRequest,
    KcsRequest,
)
from geo_era.security.access import MATRIX
from geo_era.security.users import Identity
from geo_era.services import disclosures

from .. import forms
from .pages import _admit, _page, _services
from .pages_case import FormState

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=4_000)]
Tiny = Annotated[str, Form(max_length=16)]
Word = Annotated[str, Form(max_length=32)]

#: The decision form's fields, in the order they are shown.
DECIDE_FIELDS = ("purpose", "subject_id", "case_id", "council", "recipient_type",
                 "recipient", "disclose", "content", "reasons", "child_protection",
                 "meeting_level", "meeting_on", "minutes_reference", "discloser",
                 "disclose_at", "disclose_on", "advice", "restriction_id", "decided_on")
#: Which field a refusal of the decision concerns, by words of its message (first
#: match); otherwise the first field.
DECIDE_WORDS = (("meeting's date", "meeting_on"), ("date of the decision", "decided_on"),
                ("date of the disclosure", "disclose_on"), ("recipient type", "recipient_type"),
                ("name the recipient", "recipient"),
                ("child protection", "child_protection"), ("minutes", "meeting_level"),
                ("MAPPA meeting", "meeting_level"),
                ("information is to be disclosed", "content"), ("advice", "advice"),
                ("who will make", "discloser"), ("give the reasons", "reasons"),
                ("restriction", "restriction_id"), ("landlord", "recipient_type"),
                ("subject", "subject_id"), ("case", "case_id"), ("council", "council"),
                ("record only for", "council"), ("place of the disclosure", "disclose_at"),
                ("purpose", "purpose"))
LABELS = {"purpose": {"disclosure": "A disclosure (71)",
                      "need_to_know": "Need to know: pass a risk on to a landlord's Link "
                                      "Officer (68)",
                      "restriction_wording": "A restriction's wording to the landlord of "
                                             "the property (3.12)"},
          "recipient_type": {t: t.capitalize() for t in RECIPIENT_TYPES},
          "relationship": {r: r.capitalize() for r in KCS_RELATIONSHIPS},
          "outcome": {o: o.replace("_", " ").capitalize() for o in KCS_OUTCOMES}}


def _code(exc: GeoEraError) -> int:
    return (403 if isinstance(exc, ForbiddenError) else
            404 if isinstance(exc, NotFoundError) else
            409 if not isinstance(exc, DataError) else 422)


def _context(identity: Identity, **extra: object) -> dict[str, Any]:
    role = identity.role
    return {"who": identity, "labels": LABELS, "listing": None,
            "may_decide": role in MATRIX["disclosure_decide"].allowed,
            "may_make": role in MATRIX["disclosure_made"].allowed,
            "may_kcs": role in MATRIX["disclosure_kcs"].allowed,
            "may_outcome": role in MATRIX["disclosure_kcs_outcome"].allowed,
            "form": FormState(""), "notice": None, **extra}


def _show(request: Request, identity: Identity, *, status_code: int = 200,
          **extra: object) -> HTMLResponse:
    form = extra.get("form")
    refused = {"message": form.message, "error_field": form.field} \
        if isinstance(form, FormState) else {}
    return _page(request, "disclosures.html", {**_context(identity, **extra), **refused},
                 status_code=status_code)


@router.get("/disclosures", response_class=HTMLResponse)
def disclosures_page(request: Request) -> Response:
    """The decisions (and applications) the caller may see, read with the session's
    purpose (audited), and the forms of their role."""
    admitted = _admit(request, "disclosure_list")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        found = disclosures.listing(_services(request), caller.caller,
                                    justification=caller.actor.justification)
    except GeoEraError as exc:
        return _show(request, identity, message=str(exc), status_code=_code(exc))
    return _show(request, identity, listing=found.model_dump(mode="json"))


def _day(values: dict[str, str], name: str, what: str) -> dt.date | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DataError(f"the {what} {text!r} is not a date; write YYYY-MM-DD") from None


def _number(text: str, what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise DataError(f"the {what} {text!r} is not a number")
    return int(text)


def _request(values: dict[str, str]) -> DecisionRequest:
    """The decision as typed, or :class:`DataError` for a date or number that is not."""
    text = {k: values[k].strip() or None for k in DECIDE_FIELDS}
    return DecisionRequest(
        purpose=values["purpose"], recipient_type=values["recipient_type"],
        recipient=values["recipient"], disclose=values["disclose"] == "yes",
        subject_id=text["subject_id"], case_id=text["case_id"], council=text["council"],
        content=text["content"], reasons=text["reasons"],
        child_protection=values["child_protection"] == "yes",
        meeting_level=_number(values["meeting_level"], "MAPPA meeting's level"),
        meeting_on=_day(values, "meeting_on", "MAPPA meeting's date"),
        minutes_reference=text["minutes_reference"], discloser=text["discloser"],
        disclose_at=text["disclose_at"],
        disclose_on=_day(values, "disclose_on", "date of the disclosure"),
        advice=text["advice"],
        restriction_id=_number(values["restriction_id"], "restriction"),
        decided_on=_day(values, "decided_on", "date of the decision"))


def _field(message: str, words: tuple[tuple[str, str], ...], first: str) -> str:
    return next((name for said, name in words if said in message), first)


@router.post("/disclosures/decide", response_class=HTMLResponse)
def decide_page(request: Request, *, purpose: Word = "disclosure", subject_id: Short = "",
                case_id: Tiny = "", council: Short = "", recipient_type: Tiny = "",
                recipient: Short = "", disclose: Tiny = "", content: Long = "",
                reasons: Long = "", child_protection: Tiny = "", meeting_level: Tiny = "",
                meeting_on: Tiny = "", minutes_reference: Short = "", discloser: Short = "",
                disclose_at: Short = "", disclose_on: Tiny = "", advice: Long = "",
                restriction_id: Tiny = "", decided_on: Tiny = "") -> Response:
    """Record a disclosure decision (audited with the session's purpose); a refusal
    comes back beside its field with what was typed."""
    admitted = _admit(request, "disclosure_decide")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    values = {"purpose": purpose, "subject_id": subject_id, "case_id": case_id,
              "council": council, "recipient_type": recipient_type,
              "recipient": recipient, "disclose": disclose, "content": content,
              "reasons": reasons, "child_protection": child_protection,
              "meeting_level": meeting_level, "meeting_on": meeting_on,
              "minutes_reference": minutes_reference, "discloser": discloser,
              "disclose_at": disclose_at, "disclose_on": disclose_on, "advice": advice,
              "restriction_id": restriction_id, "decided_on": decided_on}
    if disclose not in ("yes", "no"):
        return _refused(request, identity, FormState(
            "decide", values, "say whether to disclose or not", "decide-disclose"))
    try:
        done = disclosures.decide(_services(request), caller.caller, _request(values),
                                  justification=caller.actor.justification)
    except GeoEraError as exc:
        message = str(exc)
        field = _field(message, DECIDE_WORDS, "purpose")
        return _refused(request, identity, FormState("decide", values, message,
                                                     f"decide-{field}"),
                        status_code=_code(exc))
    return _show(request, identity, notice=f"Recorded {done.reference}: "
                 f"{'to disclose' if done.disclose else 'not to disclose'} to "
                 f"{done.recipient}.")


def _refused(request: Request, identity: Identity, form: FormState, *,
             status_code: int = 422) -> HTMLResponse:
    return _show(request, identity, status_code=status_code, form=form)


@router.post("/disclosures/made", response_class=HTMLResponse)
def made_page(request: Request, reference: Tiny = "", made_on: Tiny = "",
              made_by: Short = "") -> Response:
    """Record that a disclosure decided was made (an audit disclosure naming its
    recipient)."""
    admitted = _admit(request, "disclosure_made")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    values = {"reference": reference, "made_on": made_on, "made_by": made_by}
    try:
        day = _day(values, "made_on", "date of the disclosure")
        if day is None:
            raise DataError("give the date the disclosure was made")
        done = disclosures.made(_services(request), caller.caller, reference=reference,
                                made_on=day, made_by=made_by.strip() or None,
                                justification=caller.actor.justification)
    except GeoEraError as exc:
        field = "made_on" if "date" in str(exc) or "before" in str(exc) else "reference"
        return _refused(request, identity, FormState("made", values, str(exc),
                                                     f"made-{field}"),
                        status_code=_code(exc))
    return _show(request, identity, notice=f"Recorded that {done.reference} was disclosed "
                 f"to {done.recipient} on {done.made_on}.")


@router.post("/disclosures/kcs", response_class=HTMLResponse)
def kcs_page(request: Request, *, received_on: Tiny = "", online: Tiny = "",
             relationship: Tiny = "", council: Short = "", subject_id: Short = "",
             notes: Long = "") -> Response:
    """Record a Keeping Children Safe application as received."""
    admitted = _admit(request, "disclosure_kcs")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    values = {"received_on": received_on, "online": online, "relationship": relationship,
              "council": council, "subject_id": subject_id, "notes": notes}
    try:
        day = _day(values, "received_on", "date the application was received")
        if day is None:
            raise DataError("give the date the application was received")
        if online not in ("yes", "no"):
            raise DataError("say whether the application was made online")
        done = disclosures.receive_kcs(_services(request), caller.caller, KcsRequest(
            received_on=day, online=online == "yes", relationship=relationship,
            council=council.strip() or None, subject_id=subject_id.strip() or None,
            notes=notes.strip() or None), justification=caller.actor.justification)
    except GeoEraError as exc:
        message = str(exc)
        field = _field(message, (("received", "received_on"), ("online", "online"),
                                 ("relationship", "relationship"), ("council", "council"),
                                 ("subject", "subject_id")), "received_on")
        return _refused(request, identity, FormState("kcs", values, message,
                                                     f"kcs-{field}"),
                        status_code=_code(exc))
    return _show(request, identity, notice=f"Recorded {done.reference}, received "
                 f"{done.received_on}.")


@router.post("/disclosures/kcs/outcome", response_class=HTMLResponse)
def kcs_outcome_page(request: Request, reference: Tiny = "", outcome: Word = "",
                     outcome_on: Tiny = "", notes: Long = "") -> Response:
    """Record a Keeping Children Safe application's outcome and its date."""
    admitted = _admit(request, "disclosure_kcs_outcome")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    values = {"reference": reference, "outcome": outcome, "outcome_on": outcome_on,
              "notes": notes}
    try:
        day = _day(values, "outcome_on", "date of the outcome")
        if day is None:
            raise DataError("give the date of the outcome")
        done = disclosures.record_kcs_outcome(
            _services(request), caller.caller, reference=reference, outcome=outcome,
            outcome_on=day, notes=notes.strip() or None,
            justification=caller.actor.justification)
    except GeoEraError as exc:
        message = str(exc)
        field = _field(message, (("date", "outcome_on"), ("before", "outcome_on"),
                                 ("outcome", "outcome")), "reference")
        return _refused(request, identity, FormState("outcome", values, message,
                                                     f"outcome-{field}"),
                        status_code=_code(exc))
    return _show(request, identity, notice=f"Recorded the outcome of {done.reference}: "
                 f"{(done.outcome or '').replace('_', ' ')}.")


