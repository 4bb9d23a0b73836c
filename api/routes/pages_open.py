"""Opening an ERA case in the browser (NASSO 3.2-3.6, 3.13): the subject, the candidate
properties (picked by address with the type-ahead, or typed as ids), the type of ERA,
the notification date, the further agencies taking part and, for an out-of-area
placement, the placing and receiving councils.

The form is shown to the roles the matrix admits to ``case_open``; the POST opens the
case through :func:`geo_era.services.casework.open_case` with the purpose given at
sign-in as the justification (the core records the case and its one audit entry in one
transaction) and shows the new case's page. A refusal (an unknown subject or property,
a council opening for another council, a bad date) shows the form again with the
refusal beside the field it concerns and everything typed, the picked candidates too;
nothing is written. The subject id travels only in the form body.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era import clock
from geo_era.casework.cases import AGENCIES
from geo_era.casework.workdays import CASE_TYPES, TIMESCALES
from geo_era.documents._era_views import AGENCIES as AGENCY_WORDS
from geo_era.documents._era_views import CASE_TYPES as CASE_TYPE_WORDS
from geo_era.errors import DataError, ForbiddenError, GeoEraError, NotFoundError
from geo_era.overconcentration.loading import councils
from geo_era.security.users import Identity
from geo_era.services import casework

from .. import forms
from .pages import _admit, _page, _services
from .pages_case import FormState, show

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])

#: The form's name: its fields' ids are ``open-NAME`` (``open-subject_id``,
#: ``open-property_search``, ``open-property_ids``, ``open-case_type``,
#: ``open-notified``, ``open-agencies``, ``open-placing_authority``,
#: ``open-receiving_authority``).
FORM = "open"
#: The agencies that always take part (the police, the SOLO) are not offered; CJSW is,
#: for a subject on no licence or order (on one, CJSW leads anyway).
ALWAYS = ("police_scotland", "solo")
FURTHER = tuple(a for a in AGENCIES if a not in ALWAYS)
#: At most this many candidates in one case (as the API).
MAX_CANDIDATES = 10
#: What a property id may hold (as the API).
PROPERTY_ID = re.compile(r"^[A-Za-z0-9_.:/-]{1,64}$")
Text = Annotated[str, Form(max_length=128)]
Many = Annotated[list[str], Form(max_length=64)]


def agency_words(agency: str) -> str:
    """An agency's name in words."""
    return AGENCY_WORDS.get(agency, agency.replace("_", " ").capitalize())


def _typed_ids(text: str) -> list[str]:
    """Property ids typed into the box: separated by commas, semicolons, spaces or new
    lines."""
    return [part for part in re.split(r"[\s,;]+", text) if part]


def _candidates(picked: list[str], typed: str) -> list[str]:
    """The candidates asked for, picked first, each once; a clear refusal for an id that
    cannot be one, or too many."""
    ids = list(dict.fromkeys([p.strip() for p in picked if p.strip()] + _typed_ids(typed)))
    bad = next((pid for pid in ids if not PROPERTY_ID.match(pid)), None)
    if bad is not None:
        raise DataError(f"{bad[:64]!r} is not a property id (letters, digits and _ . : / - "
                        "only, at most 64); pick the property by its address, or type its id")
    if not ids:
        raise DataError("a case needs at least one candidate property: pick one by its "
                        "address, or type its property id")
    if len(ids) > MAX_CANDIDATES:
        raise DataError(f"{len(ids)} candidates; a case has at most {MAX_CANDIDATES}")
    return ids


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(f"{text.strip()[:32]!r} is not a date; give the notification date "
                        "as day, month and year (e.g. 2026-03-31)") from None


def field_of(exc: GeoEraError) -> str:
    """The id of the field a refusal concerns (by what the core says)."""
    words = str(exc)
    if words.startswith("subject") or "subject id" in words:
        field = "subject_id"
    elif "notification date" in words or "not a date" in words:
        field = "notified"
    elif "ERA type" in words:
        field = "case_type"
    elif "agency" in words:
        field = "agencies"
    elif "placing" in words:
        field = "placing_authority"
    elif "receiving authority" in words:
        field = "receiving_authority"
    else:  # a property unknown, not one, or in another council
        field = "property_ids"
    return f"{FORM}-{field}"


def _form_page(request: Request, identity: Identity, form: FormState, *,
               picked: list[dict[str, str]] | None = None, agencies: list[str] | None = None,
               status_code: int = 200) -> HTMLResponse:
    services = _services(request)
    names = councils(services.layers) if services.layers.has("areas") else []
    return _page(request, "case_new.html", {
        "who": identity, "form": form, "picked": picked or [],
        "chosen_agencies": agencies or [], "agencies": [(a, agency_words(a)) for a in FURTHER],
        "case_types": [(t, CASE_TYPE_WORDS.get(t, t)) for t in CASE_TYPES],
        "timescales": TIMESCALES,
        "councils": [("", "Not out of area"), *((n, n) for n in names)],
        "today": clock.today().isoformat(),
        "message": form.message, "error_field": form.field}, status_code=status_code)


@router.get("/cases/new", response_class=HTMLResponse)
def new_case_form(request: Request) -> Response:
    """The form to open a case (the roles admitted to ``case_open``)."""
    admitted = _admit(request, "case_open")
    if isinstance(admitted, Response):
        return admitted
    return _form_page(request, admitted[1], FormState(FORM))


@router.post("/cases/new", response_class=HTMLResponse)
def open_case_page(request: Request, *, subject_id: Annotated[str, Form(max_length=64)] = "",
                   property_ids: Many | None = None,
                   property_address: Many | None = None,
                   property_text: Annotated[str, Form(max_length=2_000)] = "",
                   case_type: Annotated[str, Form(max_length=32)] = "initial_new",
                   notified: Annotated[str, Form(max_length=32)] = "",
                   agencies: Annotated[list[str] | None, Form(max_length=32)] = None,
                   placing_authority: Text = "", receiving_authority: Text = "",
                   prefill: Annotated[str, Form(max_length=8)] = "") -> Response:
    """Open the case and show its page ("Case ... opened"), or the form again with the
    refusal beside its field and everything typed (nothing written). With
    ``prefill=yes`` (from the review triggers) only the form is shown, filled in."""
    admitted = _admit(request, "case_open")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    picked_ids = [p.strip() for p in property_ids or [] if p.strip()]
    addresses = property_address or []
    picked = [{"property_id": pid, "address": addresses[i] if i < len(addresses)
               and addresses[i].strip() else pid} for i, pid in enumerate(picked_ids)]
    chosen = list(agencies or [])
    form = FormState(FORM, {"subject_id": subject_id, "property_text": property_text,
                            "case_type": case_type, "notified": notified,
                            "placing_authority": placing_authority,
                            "receiving_authority": receiving_authority})
    if prefill == "yes":
        filled = FormState(FORM, {**form.values,
                                  "notified": notified or clock.today().isoformat()})
        return _form_page(request, identity, filled, picked=picked, agencies=chosen)
    try:
        if not subject_id.strip():
            raise DataError("give the subject id of the person the ERA is for")
        answer = casework.open_case(
            _services(request), caller.caller, subject_id=subject_id.strip(),
            property_ids=_candidates(picked_ids, property_text), case_type=case_type,
            notified=_date(notified), agencies=chosen,
            placing_authority=placing_authority.strip() or None,
            receiving_authority=receiving_authority.strip() or None,
            justification=caller.actor.justification)
    except GeoEraError as exc:
        code = (403 if isinstance(exc, ForbiddenError) else
                404 if isinstance(exc, NotFoundError) else 422)
        state = FormState(FORM, form.values, str(exc), field_of(exc))
        return _form_page(request, identity, state, picked=picked, agencies=chosen,
                          status_code=code)
    case: dict[str, Any] = answer.model_dump(mode="json")
    if "assessments" not in case:  # an acknowledgement: no purpose, no case shown
        return _page(request, "base.html", {"who": identity, "message": (
            f"Case {case['case_id']} opened. Give the purpose of your session at sign-in "
            "to see it.")})
    return show(request, caller, identity, case, notice=f"Case {case['case_id']} opened")
