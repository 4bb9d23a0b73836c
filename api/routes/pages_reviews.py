"""Reviews (NASSO 3.3) and review triggers (3.4) as pages, for the roles the matrix
admits to ``reviews_due``, ``reviews_waive`` and ``review_triggers``.

- ``/reviews``: the subjects due an annual review (overdue first) and those needing an
  ERA, read through :func:`geo_era.services.records.reviews_due` with the purpose given
  at sign-in (one audited consultation of the subjects listed). The MAPPA coordinator
  gets, per subject due a review, a form for the Responsible Authorities' reasons for
  not reviewing it.
- ``/reviews/waive``: a waiver in two steps (issue 19, item 5): the first POST shows
  what will be recorded and writes nothing; the second, with ``confirmed=yes``, records
  it (:func:`geo_era.services.records.waive_review`, audited with the purpose of the
  session); going back keeps the reasons typed.
- ``/reviews/triggers``: the run form; the run (every housed subject's home refreshed
  and compared with its last assessment, :func:`geo_era.services.records.review_triggers`)
  is heavy, so it happens only on a POST, never on a GET; the triggers are listed by
  subject with what to do.

Subject ids stand only in page bodies and form bodies, never in URLs.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era.casework.triggers import KINDS
from geo_era.errors import DataError, ForbiddenError, GeoEraError, NotFoundError
from geo_era.security.access import MATRIX
from geo_era.security.users import Identity
from geo_era.services import records

from .. import forms
from .pages import _admit, _page, _services

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
SubjectId = Annotated[str, Form(max_length=64)]
Reasons = Annotated[str, Form(max_length=4_000)]
Flag = Annotated[str, Form(max_length=8)]

#: What to do about each kind of trigger (NASSO 3.3, 3.4).
ADVICE = {
    "conflict_at_home": "Review the ERA now: tell the lead agency and open an annual "
                        "review of this home (3.4).",
    "never_assessed": "Open an ERA for this home: one is needed on registration and on "
                      "any change of address (3.3).",
    "environment": "Consider whether the ERA should be reviewed: the sites near the home "
                   "or the households to check have changed (3.4).",
    "household": "Ask the agencies about the neighbouring household and consider a "
                 "review (3.4).",
    "subject_record": "Consider a review: the subject's conditions or exclusion zones "
                      "have changed since the last assessment (3.4).",
}
assert set(ADVICE) == set(KINDS)
#: The radius of a triggers run, metres: the default and the bounds a page accepts.
RADIUS_M, MIN_RADIUS_M, MAX_RADIUS_M = 400.0, 50.0, 2_000.0


def _code(exc: GeoEraError) -> int:
    return (403 if isinstance(exc, ForbiddenError) else
            404 if isinstance(exc, NotFoundError) else 422)


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(request: Request) -> Response:
    """The subjects due an annual review and those needing an ERA (3.3), read with the
    session's purpose (audited); waiver forms for the roles that may record one."""
    admitted = _admit(request, "reviews_due")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        due = records.reviews_due(_services(request), caller.caller,
                                  justification=caller.actor.justification)
    except GeoEraError as exc:
        return _page(request, "reviews.html", {"who": identity, "due": None,
                                               "message": str(exc)},
                     status_code=_code(exc))
    return _page(request, "reviews.html", {
        "who": identity, "due": [d.model_dump(mode="json") for d in due],
        "may_waive": caller.caller.role in MATRIX["reviews_waive"].allowed})


def _waiver(request: Request, identity: Identity, step: str, subject_id: str, reasons: str,
            *, message: str | None = None, status_code: int = 200) -> HTMLResponse:
    """The waiver page at ``step``: ``edit`` (the reasons, a refusal beside them),
    ``confirm`` (what will be recorded) or ``done``."""
    return _page(request, "waiver_confirm.html", {
        "who": identity, "step": step, "subject_id": subject_id, "reasons": reasons,
        "message": message, "error_field": "waive-reasons" if message else None},
        status_code=status_code)


@router.post("/reviews/waive", response_class=HTMLResponse)
def waive_page(request: Request, subject_id: SubjectId = "", reasons: Reasons = "",
               confirmed: Flag = "", back: Flag = "") -> Response:
    """A waiver of a subject's annual review: shown for confirmation (nothing written),
    then, with ``confirmed=yes``, recorded; ``back=yes`` returns to the reasons."""
    admitted = _admit(request, "reviews_waive")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    subject_id = subject_id.strip()
    if not subject_id:
        return _waiver(request, identity, "edit", subject_id, reasons, status_code=422,
                       message="no subject named: choose the subject on the reviews page")
    if back == "yes":
        return _waiver(request, identity, "edit", subject_id, reasons)
    try:
        if confirmed != "yes":
            return _waiver(request, identity, "confirm", subject_id,
                           records.check_waiver(reasons))
        done = records.waive_review(_services(request), caller.caller, subject_id=subject_id,
                                    reasons=reasons,
                                    justification=caller.actor.justification)
    except GeoEraError as exc:
        return _waiver(request, identity, "edit", subject_id, reasons, message=str(exc),
                       status_code=_code(exc))
    return _page(request, "waiver_confirm.html", {
        "who": identity, "step": "done", "subject_id": subject_id,
        "reasons": reasons.strip(), "waived": done.model_dump(mode="json")})


def _triggers_page(request: Request, identity: Identity, context: dict[str, Any], *,
                   status_code: int = 200) -> HTMLResponse:
    return _page(request, "triggers.html", {
        "who": identity, "radius": f"{RADIUS_M:g}", "run": None, "kinds": KINDS,
        "advice": ADVICE, "may_open": identity.role in MATRIX["case_open"].allowed,
        **context}, status_code=status_code)


@router.get("/reviews/triggers", response_class=HTMLResponse)
def triggers_form(request: Request) -> Response:
    """The run form: nothing is run, read or audited until it is sent."""
    admitted = _admit(request, "review_triggers")
    if isinstance(admitted, Response):
        return admitted
    return _triggers_page(request, admitted[1], {})


def _radius(text: str) -> float:
    try:
        radius = float(text.strip() or RADIUS_M)
    except ValueError:
        radius = math.nan
    if not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:  # NaN too
        raise DataError(f"the radius is a number of metres from {MIN_RADIUS_M:g} to "
                        f"{MAX_RADIUS_M:g}; leave it at {RADIUS_M:g} for NASSO's")
    return radius


@router.post("/reviews/triggers", response_class=HTMLResponse)
def triggers_run(request: Request,
                 radius_m: Annotated[str, Form(max_length=16)] = "") -> Response:
    """Run the review triggers (every housed subject's home) with the session's purpose
    (audited as one consultation of the subjects named) and list them by subject."""
    admitted = _admit(request, "review_triggers")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        radius = _radius(radius_m)
    except DataError as exc:
        return _triggers_page(request, identity, {
            "radius": radius_m, "message": str(exc), "error_field": "triggers-radius_m"},
            status_code=422)
    try:
        run = records.review_triggers(_services(request), caller.caller, radius_m=radius,
                                      justification=caller.actor.justification)
    except GeoEraError as exc:
        return _triggers_page(request, identity, {"radius": radius_m, "message": str(exc)},
                              status_code=_code(exc))
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for trigger in run.triggers:
        by_subject.setdefault(trigger.subject_id, []).append(trigger.model_dump(mode="json"))
    return _triggers_page(request, identity, {
        "radius": f"{run.radius_m:g}", "run": run.model_dump(mode="json"),
        "by_subject": by_subject})
