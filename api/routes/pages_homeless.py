"""Homelessness, temporary accommodation, housing-options advice and transfers as pages
(Dorset MAPPA procedure s19; NASSO 5.2, 3.13), for the roles the matrix admits to
``homeless_*`` and ``transfer_*``.

- ``/homeless``: council staff record a presentation and the duty owed, place a
  presentation's subject in temporary accommodation (screened as a void is; a refusal
  stands beside the property with the screening's reasons) and record housing-options
  advice; the Responsible Authorities look a subject up (``/homeless/show``). Each
  answer shows the subject's record as the caller may see it.
- ``/transfers``: the transfer requests the caller may see (a Link Officer: their own
  organisation's records, no subject), read with the purpose of the session; a form to
  record a request (a Link Officer: a neighbouring tenant's application about one of
  their tenancies) and, for council staff, a form to decide each pending one.

Subject ids stand only in page bodies and form bodies, never in URLs. A refusal of the
core names its field (``field: what to fix``) and is shown beside that field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era import clock
from geo_era.errors import DataError, ForbiddenError, GeoEraError, NotFoundError
from geo_era.housing.homelessness import (
    CONNECTIONS,
    DUTIES,
    INTENTIONAL_GROUNDS,
    OPTIONS,
    SERVICES,
)
from geo_era.housing.transfers import ASSISTANCE, KINDS, SPECIFIC_RISKS
from geo_era.security.access import MATRIX
from geo_era.security.users import Identity
from geo_era.services import homelessness
from geo_era.services.policy import Admitted

from .. import forms
from .pages import _admit, _page, _services
from .pages_case import FormState

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
Short = Annotated[str, Form(max_length=128)]
Long = Annotated[str, Form(max_length=4_000)]
Several = Annotated[list[str] | None, Form(max_length=16)]

#: The choices of the forms, as (value, label).
CHOICES = {
    "duty": [(k, v[0]) for k, v in DUTIES.items()],
    "local_connection": [(k, v) for k, v in CONNECTIONS.items()],
    "intentional_grounds": [("", "not an intentional-homelessness decision"),
                            *INTENTIONAL_GROUNDS.items()],
    "options": list(OPTIONS.items()),
    "services": list(SERVICES.items()),
    "kind": list(KINDS.items()),
    "specific_risk": [("", "not assessed yet"), *SPECIFIC_RISKS.items()],
    "assistance": [("", "none yet"), *ASSISTANCE.items()],
    "decision": [("granted", "granted"), ("refused", "refused")],
    "yesno": [("", "not recorded"), ("yes", "yes"), ("no", "no")],
}


def _code(exc: GeoEraError) -> int:
    return (403 if isinstance(exc, ForbiddenError) else
            404 if isinstance(exc, NotFoundError) else 409
            if not isinstance(exc, DataError) else 422)


def _date(text: str, field: str, *, optional: bool = False) -> dt.date | None:
    if optional and not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(f"{field}: {text.strip()[:20]!r} is not a date; write YYYY-MM-DD"
                        ) from None


def _yesno(text: str) -> bool | None:
    return {"yes": True, "no": False}.get(text)


def _field(exc: GeoEraError, fields: dict[str, str], default: str) -> str:
    """The form field a refusal concerns: the name it starts with (``field: ...``) when
    the form has it, else ``default``."""
    name = str(exc).split(":", 1)[0].strip()
    return fields.get(name, default)


# --- /homeless ---------------------------------------------------------------------


def _homeless(request: Request, identity: Identity, *, record: dict[str, Any] | None = None,
              form: FormState | None = None, notice: str | None = None,
              status_code: int = 200) -> HTMLResponse:
    message = form.message if form else None
    return _page(request, "homeless/homeless.html", {
        "who": identity, "record": record, "form": form or FormState(""),
        "notice": notice, "choices": CHOICES, "today": clock.today().isoformat(),
        "message": message, "error_field": form.field if form and message else None},
        status_code=status_code)


@router.get("/homeless", response_class=HTMLResponse)
def homeless_page(request: Request) -> Response:
    """The forms: look a subject up; for council staff, record a presentation, a
    temporary placement or advice. Nothing is read until a form is sent."""
    admitted = _admit(request, "homeless_show")
    if isinstance(admitted, Response):
        return admitted
    return _homeless(request, admitted[1])


def _shown(request: Request, caller: Admitted, subject_id: str) -> dict[str, Any]:
    return homelessness.show(_services(request), caller.caller, subject_id=subject_id,
                             justification=caller.actor.justification).model_dump(
        mode="json")


@router.post("/homeless/show", response_class=HTMLResponse)
def homeless_show(request: Request, subject_id: Short = "") -> Response:
    """A subject's presentations, temporary accommodation, advice and transfers, read
    with the session's purpose (audited)."""
    admitted = _admit(request, "homeless_show")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        record = _shown(request, caller, subject_id.strip())
    except GeoEraError as exc:
        return _homeless(request, identity, form=FormState(
            "show", {"subject_id": subject_id}, str(exc), "show-subject_id"),
            status_code=_code(exc))
    return _homeless(request, identity, record=record)


@router.post("/homeless/present", response_class=HTMLResponse)
def homeless_present(request: Request, *, subject_id: Short = "", presented_on: Short = "",
                     duty: Short = "", reasons: Long = "", local_connection: Short = "",
                     local_connection_note: Long = "",
                     intentional_grounds: Short = "") -> Response:
    """Record a presentation and the duty owed; the subject's record follows."""
    admitted = _admit(request, "homeless_present")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    typed = {"subject_id": subject_id, "presented_on": presented_on, "duty": duty,
             "reasons": reasons, "local_connection": local_connection,
             "local_connection_note": local_connection_note,
             "intentional_grounds": intentional_grounds}
    try:
        done = homelessness.present(
            _services(request), caller.caller, subject_id=subject_id.strip(),
            presented_on=_date(presented_on, "presented_on") or clock.today(),
            duty=duty, reasons=reasons, local_connection=local_connection or "none",
            local_connection_note=local_connection_note or None,
            intentional_grounds=intentional_grounds or None,
            justification=caller.actor.justification)
        record = _shown(request, caller, done.subject_id)
    except GeoEraError as exc:
        field = _field(exc, {k: f"present-{k}" for k in typed}, "present-subject_id")
        return _homeless(request, identity, form=FormState("present", typed, str(exc),
                                                           field), status_code=_code(exc))
    return _homeless(request, identity, record=record,
                     notice=f"{done.reference} recorded: {done.decision}.")


@router.post("/homeless/place", response_class=HTMLResponse)
def homeless_place(request: Request, *, presentation: Short = "", property_id: Short = "",
                   starts_on: Short = "", ends_on: Short = "") -> Response:
    """Place a presentation's subject in temporary accommodation, screened as a void is;
    a refusal stands beside the property with the reasons."""
    admitted = _admit(request, "homeless_place")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    typed = {"presentation": presentation, "property_id": property_id,
             "starts_on": starts_on, "ends_on": ends_on}
    try:
        done = homelessness.place(
            _services(request), caller.caller, presentation=presentation.strip(),
            property_id=property_id.strip(),
            starts_on=_date(starts_on, "starts_on") or clock.today(),
            ends_on=_date(ends_on, "ends_on", optional=True),
            justification=caller.actor.justification)
        record = _shown(request, caller, done.subject_id)
    except GeoEraError as exc:
        default = ("place-presentation" if "presentation" in str(exc)
                   and isinstance(exc, NotFoundError) else "place-property_id")
        field = _field(exc, {k: f"place-{k}" for k in typed}, default)
        return _homeless(request, identity, form=FormState("place", typed, str(exc),
                                                           field), status_code=_code(exc))
    return _homeless(request, identity, record=record,
                     notice=f"{done.reference} recorded: temporary accommodation at "
                            f"{done.property_id}.")


@router.post("/homeless/advise", response_class=HTMLResponse)
def homeless_advise(request: Request, *, subject_id: Short = "", given_on: Short = "",
                    advice: Long = "", options: Several = None,
                    services: Several = None) -> Response:
    """Record housing-options advice and the services liaised with (NASSO 5.2)."""
    admitted = _admit(request, "homeless_advise")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    typed = {"subject_id": subject_id, "given_on": given_on, "advice": advice}
    try:
        done = homelessness.advise(
            _services(request), caller.caller, subject_id=subject_id.strip(),
            given_on=_date(given_on, "given_on") or clock.today(),
            options=options or [], advice=advice, services_liaised=services or [],
            justification=caller.actor.justification)
        record = _shown(request, caller, done.subject_id)
    except GeoEraError as exc:
        fields = {**{k: f"advise-{k}" for k in typed}, "options": "advise-options",
                  "services": "advise-services"}
        return _homeless(request, identity, form=FormState(
            "advise", typed, str(exc), _field(exc, fields, "advise-subject_id")),
            status_code=_code(exc))
    return _homeless(request, identity, record=record,
                     notice=f"{done.reference} recorded: housing-options advice.")


# --- /transfers --------------------------------------------------------------------


def _transfers(request: Request, caller: Admitted | None, identity: Identity, *,
               form: FormState | None = None, notice: str | None = None,
               status_code: int = 200) -> HTMLResponse:
    """The transfers page: the list (read with the session's purpose, audited) and the
    forms; ``caller`` admitted to ``transfer_list`` (``None``: the list is not read)."""
    listed = None
    if caller is not None:
        listed = [t.model_dump(mode="json") for t in homelessness.list_transfers(
            _services(request), caller.caller, justification=caller.actor.justification)]
    pending = [(t["reference"], f"{t['reference']}: {t['kind']}, {t['authority']}")
               for t in listed or [] if t["decision"] == "pending" and t["view"] == "full"]
    message = form.message if form else None
    return _page(request, "homeless/transfers.html", {
        "who": identity, "transfers": listed, "pending": pending,
        "form": form or FormState(""),
        "notice": notice, "choices": CHOICES, "today": clock.today().isoformat(),
        "landlord": identity.role in MATRIX["transfer_request"].restricted_view,
        "message": message, "error_field": form.field if form and message else None},
        status_code=status_code)


@router.get("/transfers", response_class=HTMLResponse)
def transfers_page(request: Request) -> Response:
    """The transfer requests the caller may see, and the forms."""
    admitted = _admit(request, "transfer_list")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        return _transfers(request, caller, identity)
    except GeoEraError as exc:
        return _page(request, "base.html", {"who": identity, "message": str(exc)},
                     status_code=_code(exc))


def _listing(request: Request) -> Admitted | None:
    """The caller admitted to the list, for the page shown after a form (``None`` when
    their role may not read it)."""
    admitted = _admit(request, "transfer_list")
    return None if isinstance(admitted, Response) else admitted[0]


@router.post("/transfers/request", response_class=HTMLResponse)
def transfers_request(request: Request, *, kind: Short = "", requested_on: Short = "",
                      grounds: Long = "", subject_id: Short = "", property_id: Short = "",
                      at_risk_after_disclosure: Short = "", tenant_agrees: Short = "",
                      specific_risk: Short = "", assistance: Short = "") -> Response:
    """Record a transfer request (a Link Officer: a neighbour's application about one
    of their tenancies, naming no subject)."""
    admitted = _admit(request, "transfer_request")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    typed = {"kind": kind, "requested_on": requested_on, "grounds": grounds,
             "subject_id": subject_id, "property_id": property_id,
             "at_risk_after_disclosure": at_risk_after_disclosure,
             "tenant_agrees": tenant_agrees, "specific_risk": specific_risk,
             "assistance": assistance}
    try:
        done = homelessness.request_transfer(
            _services(request), caller.caller, kind=kind,
            requested_on=_date(requested_on, "requested_on") or clock.today(),
            grounds=grounds, subject_id=subject_id.strip() or None,
            property_id=property_id.strip() or None,
            at_risk_after_disclosure=_yesno(at_risk_after_disclosure),
            tenant_agrees=_yesno(tenant_agrees), specific_risk=specific_risk or None,
            assistance=assistance or None, justification=caller.actor.justification)
    except GeoEraError as exc:
        field = _field(exc, {k: f"request-{k}" for k in typed}, "request-kind")
        if isinstance(exc, NotFoundError):
            field = "request-property_id" if "property" in str(exc) else "request-subject_id"
        return _transfers(request, _listing(request), identity, form=FormState(
            "request", typed, str(exc), field), status_code=_code(exc))
    return _transfers(request, _listing(request), identity,
                      notice=f"{done.reference} recorded: {done.kind} transfer request.")


@router.post("/transfers/decide", response_class=HTMLResponse)
def transfers_decide(request: Request, *, reference: Short = "", decision: Short = "",
                     reasons: Long = "", subject_id: Short = "", specific_risk: Short = "",
                     tenant_agrees: Short = "", receiving_authority: Short = "",
                     shared: Long = "", case_id: Short = "") -> Response:
    """Decide a pending transfer request of the caller's council."""
    admitted = _admit(request, "transfer_decide")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    typed = {"reference": reference, "decision": decision, "reasons": reasons,
             "subject_id": subject_id, "specific_risk": specific_risk,
             "tenant_agrees": tenant_agrees, "receiving_authority": receiving_authority,
             "shared": shared, "case_id": case_id}
    try:
        done = homelessness.decide_transfer(
            _services(request), caller.caller, reference=reference.strip(),
            decision=decision, reasons=reasons, subject_id=subject_id.strip() or None,
            specific_risk=specific_risk or None, tenant_agrees=_yesno(tenant_agrees),
            receiving_authority=receiving_authority.strip() or None,
            shared=shared or None, case_id=case_id.strip() or None,
            justification=caller.actor.justification)
    except GeoEraError as exc:
        field = _field(exc, {k: f"decide-{k}" for k in typed}, "decide-decision")
        if "specific risk" in str(exc):
            field = "decide-specific_risk"
        elif "tenant agrees" in str(exc):
            field = "decide-tenant_agrees"
        elif "out-of-area case" in str(exc):
            field = "decide-case_id"
        return _transfers(request, _listing(request), identity, form=FormState(
            "decide", typed, str(exc), field), status_code=_code(exc))
    return _transfers(request, _listing(request), identity,
                      notice=f"{done.reference} {done.decision}.")
