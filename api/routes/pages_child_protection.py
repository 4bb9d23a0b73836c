"""Child protection links as pages (the Dorset MAPPA procedure §4, §13, §17), for the
roles the matrix admits to the ``cp_*`` endpoints:

- ``/child-protection``: referrals to child protection and Children & Families' initial
  checks of the caller's council (or all), read with the purpose given at sign-in (one
  audited consultation); forms to record a referral (the Responsible Authorities), what
  came of one (and the Offender Manager's attendance), and initial checks (Children &
  Families).
- ``/child-protection/notices``: the notices to the council's nominated Education
  contact (the Responsible Authorities and Education), and the form to record one.

Each form posts to its own path, writes through
:mod:`geo_era.services.child_protection` with the session's purpose (one audited entry)
and comes back to its page: the record made named in a notice, or the refusal beside
the field it concerns with what was typed. Subject ids travel in form bodies only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era import clock
from geo_era.errors import DataError, ForbiddenError, GeoEraError, NotFoundError
from geo_era.safeguarding.child_protection import GROUNDS, OUTCOMES
from geo_era.security.users import Identity
from geo_era.services import Caller
from geo_era.services import child_protection as cp
from geo_era.services.answers.child_protection import (
    ChildProtectionAck,
    EducationNotice,
    InitialChecks,
    Referral,
)

from .. import forms
from .pages import _admit, _page, _services
from .pages_case import FormState

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=4_000)]
#: What a form records: the record (with the session's purpose) or an acknowledgement.
Made = Referral | InitialChecks | EducationNotice | ChildProtectionAck

#: Which field a refusal concerns, by a word of it (the first that matches), per form.
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "referral": (("referral date", "referred_on"), ("reason", "reason"),
                 ("case", "case_id"), ("subject", "subject_id"), ("council", "authority"),
                 ("only for", "authority"), ("belongs to", "authority"),
                 ("team", "to_whom")),
    "outcome": (("outcome date", "outcome_on"), ("outcome", "outcome"),
                ("record", "reference"), ("referral", "reference")),
    "checks": (("notification date", "notified_on"), ("date of the checks", "checked_on"),
               ("found", "findings"), ("subject", "subject_id"), ("council", "authority"),
               ("only for", "authority")),
    "notice": (("date of the notice", "notified_on"), ("ground", "ground"),
               ("school", "school"), ("contact", "contact"), ("told", "said"),
               ("case", "case_id"), ("subject", "subject_id"), ("council", "authority"),
               ("only for", "authority"), ("belongs to", "authority")),
}


def _field(form: str, message: str) -> str:
    """The field of ``form`` a refusal concerns (its first field when none is named)."""
    lowered = message.lower()
    return next((field for word, field in FIELDS[form] if word in lowered),
                FIELDS[form][0][1])


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(f"the {what} {text.strip()!r} is not a date; give it as "
                        "YYYY-MM-DD, e.g. 2026-12-04") from None


def _yes_no(text: str, what: str) -> bool | None:
    value = {"yes": True, "no": False, "": None}.get(text.strip())
    if value is None and text.strip():
        raise DataError(f"answer yes or no to {what}")
    return value


def _code(exc: GeoEraError) -> int:
    return (403 if isinstance(exc, ForbiddenError) else
            404 if isinstance(exc, NotFoundError) else 422)


def _show(request: Request, caller: Caller, identity: Identity, justification: str | None,
          *, notices: bool, notice: str | None = None, form: FormState | None = None,
          status_code: int = 200) -> HTMLResponse:
    """The referrals page (or, with ``notices``, the notices page) of the caller's
    council, read with the session's purpose."""
    services = _services(request)
    context: dict[str, Any] = {
        "who": identity, "notices": notices, "notice": notice,
        "form": form or FormState(""), "outcomes": list(OUTCOMES.items()),
        "grounds": list(GROUNDS.items()), "today": clock.today().isoformat(),
        "records": None}
    if form is not None and form.message:
        context.update(message=form.message, error_field=form.field)
    try:
        found = (cp.list_notices if notices else cp.list_referrals)(
            services, caller, justification=justification)
        context["records"] = [r.model_dump(mode="json") for r in found]
    except GeoEraError as exc:
        context.update(message=str(exc))
        status_code = _code(exc)
    return _page(request, "child_protection.html", context, status_code=status_code)


@router.get("/child-protection", response_class=HTMLResponse)
def referrals_page(request: Request) -> Response:
    """Referrals to child protection and initial checks, with the forms to record them."""
    admitted = _admit(request, "cp_referral_list")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    return _show(request, caller.caller, identity, caller.actor.justification,
                 notices=False)


@router.get("/child-protection/notices", response_class=HTMLResponse)
def notices_page(request: Request) -> Response:
    """Notices to Education, with the form to record one."""
    admitted = _admit(request, "cp_notice_list")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    return _show(request, caller.caller, identity, caller.actor.justification,
                 notices=True)


def _recorded(request: Request, endpoint: str, form: str, values: dict[str, str],
              write: Callable[[Caller, str | None], Made], *, notices: bool = False
              ) -> Response:
    """Admit the caller to ``endpoint``, run ``write(caller, justification)`` and show
    the page again: the record made, or the refusal beside its field."""
    admitted = _admit(request, endpoint)
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    purpose = caller.actor.justification
    try:
        made = write(caller.caller, purpose)
    except GeoEraError as exc:
        refused = FormState(form, values, str(exc), f"{form}-{_field(form, str(exc))}")
        return _show(request, caller.caller, identity, purpose, notices=notices,
                     form=refused, status_code=_code(exc))
    return _show(request, caller.caller, identity, purpose, notices=notices,
                 notice=f"{made.reference} recorded.")


@router.post("/child-protection/referral", response_class=HTMLResponse)
def referral_form(request: Request, *, subject_id: Short = "", case_id: Short = "",
                  authority: Short = "", referred_on: Short = "", to_whom: Short = "",
                  reason: Long = "") -> Response:
    """Record a referral to child protection (§4)."""
    values = {"subject_id": subject_id, "case_id": case_id, "authority": authority,
              "referred_on": referred_on, "to_whom": to_whom, "reason": reason}
    return _recorded(request, "cp_referral_add", "referral", values, lambda c, j: (
        cp.add_referral(_services(request), c, subject_id=subject_id.strip() or None,
                        case_id=case_id.strip() or None,
                        authority=authority.strip() or None,
                        referred_on=_date(referred_on, "referral date"),
                        to_whom=to_whom, reason=reason, justification=j)))


@router.post("/child-protection/outcome", response_class=HTMLResponse)
def outcome_form(request: Request, *, reference: Short = "", outcome: Short = "",
                 outcome_on: Short = "", om_attended: Short = "") -> Response:
    """Record what came of a referral (§4) and whether the Offender Manager attended."""
    values = {"reference": reference, "outcome": outcome, "outcome_on": outcome_on,
              "om_attended": om_attended}
    return _recorded(request, "cp_referral_outcome", "outcome", values, lambda c, j: (
        cp.record_outcome(_services(request), c, reference=reference, outcome=outcome,
                          outcome_on=_date(outcome_on, "outcome date"),
                          om_attended=_yes_no(om_attended, "whether the Offender "
                                                           "Manager attended"),
                          justification=j)))


@router.post("/child-protection/checks", response_class=HTMLResponse)
def checks_form(request: Request, *, subject_id: Short = "", authority: Short = "",
                notified_on: Short = "", checked_on: Short = "",
                database_checked: Short = "", findings: Long = "",
                concerns: Short = "") -> Response:
    """Record Children & Families' initial checks on a registered subject (§13)."""
    values = {"subject_id": subject_id, "authority": authority, "notified_on": notified_on,
              "checked_on": checked_on, "database_checked": database_checked,
              "findings": findings, "concerns": concerns}

    def write(c: Caller, j: str | None) -> Made:
        if not subject_id.strip():
            raise DataError("name the subject the checks are of")
        return cp.add_initial_checks(
            _services(request), c, subject_id=subject_id.strip(),
            authority=authority.strip() or None,
            notified_on=_date(notified_on, "notification date"),
            checked_on=_date(checked_on, "date of the checks"),
            database_checked=bool(_yes_no(database_checked or "no", "whether the "
                                          "database was checked")),
            findings=findings, concerns=bool(_yes_no(concerns or "no", "concerns")),
            justification=j)

    return _recorded(request, "cp_checks_add", "checks", values, write)


@router.post("/child-protection/notice", response_class=HTMLResponse)
def notice_form(request: Request, *, subject_id: Short = "", case_id: Short = "",
                authority: Short = "", ground: Short = "", school: Short = "",
                contact: Short = "", notified_on: Short = "", said: Long = "") -> Response:
    """Record the notice to the council's nominated Education contact (§17)."""
    values = {"subject_id": subject_id, "case_id": case_id, "authority": authority,
              "ground": ground, "school": school, "contact": contact,
              "notified_on": notified_on, "said": said}
    return _recorded(request, "cp_notice_add", "notice", values, lambda c, j: (
        cp.add_education_notice(
            _services(request), c, subject_id=subject_id.strip() or None,
            case_id=case_id.strip() or None, authority=authority.strip() or None,
            ground=ground, school=school, contact=contact,
            notified_on=_date(notified_on, "date of the notice"), said=said,
            justification=j)), notices=True)
