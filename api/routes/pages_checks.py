"""The forms of the case page with which an agency records its checks and agreement,
and the minimum-set work (NASSO 3.7-3.11): the caller's agency's 3.7 database
checklist of the candidate shown, its agreement with comments (3.11), re-assessing a
candidate, extending its minimum set and adding or removing a dwelling of it (3.9), and
the physical check page (3.8: its nine items and an outcome for each dwelling of the
minimum set, printable as the field sheet, usable on a tablet).

Each form is shown only to the roles that may take its step (the matrix; the checklist
and physical check only to an agency taking part in the case; the physical check only
to one whose view holds the neighbours and the subject); each POST runs one service
through :func:`~geo_era_api.routes.pages_case.case_step` (the physical check through
its own page the same way), a refusal shown beside the field it concerns with what was
typed, nothing written. A checklist or physical check is recorded whole or not at all,
with one audit entry.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from geo_era import clock
from geo_era.casework.cases import PHYSICAL_ITEMS, check_label, database_checklist
from geo_era.casework.checklists import (
    DwellingEntry,
    ItemEntry,
    ItemRefusedError,
    physical_label,
)
from geo_era.errors import DataError, ForbiddenError, GeoEraError, NotFoundError
from geo_era.security.access import CASE_VIEWS, MATRIX, ROLE_AGENCY
from geo_era.security.users import Identity
from geo_era.services import Admitted, casework, checklists, dwellings
from geo_era.services.context import Services
from geo_era.services.policy import Caller

from .. import forms
from .pages import _admit, _page, _refused, _services
from .pages_case import (
    CaseId,
    FormState,
    PropertyId,
    Step,
    _read,
    case_step,
    provides,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
Text = Annotated[str, Form(max_length=4_000)]
Short = Annotated[str, Form(max_length=64)]
#: The most items or dwellings one form may carry (a checklist, a minimum set).
MAX_ENTRIES = 200


def _agency_of(role: str, case: Mapping[str, Any]) -> str | None:
    """The caller's agency when it takes part in ``case``, else ``None``."""
    agency = ROLE_AGENCY.get(role)
    return agency if agency in {a["agency"] for a in case["agencies"]} else None


def _held(case: Mapping[str, Any], agency: str, kind: str, pid: str
          ) -> dict[str, dict[str, Any]]:
    """The latest check of each item ``agency`` recorded of ``kind`` for ``pid``."""
    return {c["item"]: c for c in case["checks"]
            if c["agency"] == agency and c["kind"] == kind and c["property_id"] == pid}


def _may(role: str, endpoint: str) -> bool:
    return role in MATRIX[endpoint].allowed


def _surroundings(role: str) -> bool:
    view = CASE_VIEWS.get(role)
    return view is None or view.surroundings


@provides
def _checks_context(request: Request, caller: Admitted, case: dict[str, Any],
                    property_id: str) -> dict[str, Any]:
    """What the checklist, agreement and physical-check button need: the caller's
    agency taking part, its 3.7 checklist of the candidate shown with what it recorded
    (``checklist``: item, label, outcome, notes) and its agreement row."""
    role = caller.caller.role
    agency = _agency_of(role, case)
    if agency is None:
        return {"checks_agency": None, "checklist": [], "agreement_row": None,
                "physical_allowed": False}
    held = _held(case, agency, "database", property_id)
    items = database_checklist(agency, case.get("authority"),
                               _services(request).settings.database_checks)
    checklist = [{"item": item, "label": check_label(agency, item),
                  "outcome": (held.get(item) or {}).get("outcome") or "",
                  "notes": (held.get(item) or {}).get("notes") or ""} for item in items]
    row = next(a for a in case["agencies"] if a["agency"] == agency)
    return {"checks_agency": agency, "checklist": checklist if _may(role, "case_check")
            else [], "agreement_row": row,
            "physical_allowed": _may(role, "case_check") and _surroundings(role)}


async def _typed(request: Request) -> dict[str, str]:
    """What the form carried, field by field (text fields only), for showing it again."""
    sent = await request.form()
    values = [(k, v) for k, v in sent.items() if isinstance(v, str) and k != forms.FIELD]
    return dict(values[:4 * MAX_ENTRIES])


def _entries(values: Mapping[str, str], items: list[str]) -> list[ItemEntry]:
    """The items given an outcome; an item with notes but no outcome is refused."""
    entries = []
    for item in items:
        outcome, notes = values.get(f"outcome-{item}", ""), values.get(f"notes-{item}", "")
        if outcome:
            entries.append(ItemEntry(item, outcome, notes))
        elif notes.strip():
            raise ItemRefusedError(item, "outcome", "choose an outcome for the item whose "
                                   "notes you wrote")
    return entries


def _items_field(formname: str, default: str) -> Callable[[GeoEraError], str | None]:
    def field_of(exc: GeoEraError) -> str | None:
        if isinstance(exc, ItemRefusedError):
            if exc.key.startswith("dwelling:"):
                n = exc.key.removeprefix("dwelling:")
                return f"{formname}-dwelling-{n}" if exc.part == "outcome" \
                    else f"{formname}-dwelling_notes-{n}"
            return f"{formname}-{exc.part}-{exc.key}"
        if "visit date" in str(exc):
            return f"{formname}-seen_on"
        return default
    return field_of


@router.post("/case/checklist", response_class=HTMLResponse)
async def checklist(request: Request) -> Response:
    """The caller's agency's 3.7 database checklist of one candidate, recorded whole."""
    values = await _typed(request)
    case_id, pid = values.get("case_id", "")[:16], values.get("property_id", "")[:64]
    items = [k.removeprefix("notes-") for k in values if k.startswith("notes-")]
    items = items[:MAX_ENTRIES]
    first = f"checklist-outcome-{items[0]}" if items else None

    def run(services: Services, caller: Caller, why: str | None) -> BaseModel:
        return checklists.record_checklist(services, caller, case_id=case_id,
                                           property_id=pid, entries=_entries(values, items),
                                           justification=why)

    return await run_in_threadpool(
        case_step, request, "case_check", case_id=case_id, property_id=pid,
        form=FormState("checklist", values, field=first), run=run,
        notice="Your agency's database checks were recorded.",
        field_of=_items_field("checklist", first or ""))


@router.post("/case/agreement", response_class=HTMLResponse)
def agreement(request: Request, *, case_id: CaseId, property_id: PropertyId = "",
              agrees: Short = "", comments: Text = "") -> Response:
    """Whether the caller's agency agrees the ERA, with its comments (3.11)."""
    def run(services: Services, caller: Caller, why: str | None) -> BaseModel:
        if agrees not in ("agree", "disagree"):
            raise DataError("choose whether your agency agrees or disagrees")
        return casework.record_agreement(services, caller, case_id=case_id,
                                         agrees=agrees == "agree",
                                         comments=comments.strip() or None,
                                         justification=why)

    def field_of(exc: GeoEraError) -> str:
        return "agreement-agrees" if str(exc).startswith("choose") \
            else "agreement-comments"

    return case_step(request, "case_agree", case_id=case_id, property_id=property_id,
                     form=FormState("agreement", {"agrees": agrees, "comments": comments},
                                    field="agreement-agrees"),
                     run=run, notice="Your agency's agreement was recorded.",
                     field_of=field_of)


@router.post("/case/assess", response_class=HTMLResponse)
def assess(request: Request, case_id: CaseId, property_id: PropertyId) -> Response:
    """Re-assess the candidate shown from the current reference data (its set's
    extension kept)."""
    run: Step = lambda services, caller, why: casework.assess_case(  # noqa: E731
        services, caller, case_id=case_id, property_id=property_id, justification=why)
    return case_step(request, "case_assess", case_id=case_id, property_id=property_id,
                     form=FormState("assess", {}, field="assess-submit"), run=run,
                     notice="The candidate was re-assessed.")


def _number(text: str, field: str, kind: Callable[[str], float]) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise DataError(f"the {field} must be a whole number" if kind is int
                        else f"the {field} must be a number of metres, e.g. 150") from None
    if not math.isfinite(value):
        raise DataError(f"the {field} must be a finite number")
    return value


def _extend_field(exc: GeoEraError) -> str:
    text = str(exc)
    if "reason" in text:
        return "extend-set-reason"
    if "rings" in text and "metres" not in text.split("rings", 1)[0]:
        return "extend-set-rings"
    return "extend-set-metres"


@router.post("/case/extend-set", response_class=HTMLResponse)
def extend_set(request: Request, *, case_id: CaseId, property_id: PropertyId,
               metres: Short = "", rings: Short = "", reason: Text = "") -> Response:
    """Extend the candidate's minimum set by metres or rings of neighbours, with the
    reason (3.9)."""
    def run(services: Services, caller: Caller, why: str | None) -> BaseModel:
        rings_value = _number(rings, "number of rings", int)
        return dwellings.extend_set(
            services, caller, case_id=case_id, property_id=property_id,
            metres=_number(metres, "distance", float),
            rings=None if rings_value is None else int(rings_value), reason=reason,
            justification=why)

    return case_step(request, "case_extend_set", case_id=case_id, property_id=property_id,
                     form=FormState("extend-set", {"metres": metres, "rings": rings,
                                                   "reason": reason},
                                    field="extend-set-metres"),
                     run=run, notice="The minimum set was extended and the candidate "
                                     "re-assessed with it.", field_of=_extend_field)


@router.post("/case/member", response_class=HTMLResponse)
def member(request: Request, *, case_id: CaseId, property_id: PropertyId,
           dwelling_id: Short = "", change: Short = "", reason: Text = "",
           address: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Add a dwelling to the candidate's minimum set, or remove one, with the reason."""
    def run(services: Services, caller: Caller, why: str | None) -> BaseModel:
        if change not in ("add", "remove"):
            raise DataError("choose whether to add the dwelling or remove it")
        return dwellings.change_member(services, caller, case_id=case_id,
                                       property_id=property_id,
                                       dwelling_id=dwelling_id.strip(), add=change == "add",
                                       reason=reason, justification=why)

    def field_of(exc: GeoEraError) -> str:
        text = str(exc)
        if text.startswith("choose whether"):
            return "member-change"
        return "member-reason" if "reason" in text else "member-dwelling_id"

    return case_step(request, "case_member", case_id=case_id, property_id=property_id,
                     form=FormState("member", {"dwelling_id": dwelling_id, "change": change,
                                               "reason": reason, "address": address},
                                    field="member-dwelling_id"),
                     run=run, notice="The minimum set was changed.", field_of=field_of)


# --- the physical check page (3.8) -------------------------------------------------


def _dwelling_rows(case: Mapping[str, Any], pid: str) -> list[dict[str, Any]]:
    """One row per dwelling of the candidate's set (per occupant of shared
    accommodation whose number is known), with the outcome in force."""
    found = next((s for s in case.get("minimum_sets") or [] if s["property_id"] == pid),
                 None)
    rows: list[dict[str, Any]] = []
    for m in (found or {}).get("members") or []:
        held = {o["occupant"]: o for o in m.get("outcomes") or []}
        occupants: list[str | None]
        if not m.get("shared"):
            occupants = [None]
        elif m.get("occupants"):
            occupants = [str(k) for k in range(1, int(m["occupants"]) + 1)]
        else:
            occupants = [""]  # shared, number unknown: the occupant is named on site
        for who in occupants:
            was = held.get(who) or {}
            rows.append({"n": len(rows), "dwelling_id": m["dwelling_id"],
                         "address": m.get("address") or m["dwelling_id"],
                         "reason": m.get("reason") or "", "occupant": who,
                         "outcome": was.get("outcome") or "",
                         "notes": was.get("notes") or "", "state": m.get("state", "")})
    return rows


def _physical_page(request: Request, caller: Admitted, identity: Identity,
                   case: dict[str, Any], property_id: str, *, notice: str | None = None,
                   form: FormState | None = None, status_code: int = 200) -> Response:
    """The physical check page of candidate ``property_id`` (refused for an agency
    that records none, or takes no part)."""
    role = caller.caller.role
    agency = _agency_of(role, case)
    if not _surroundings(role) or agency is None:
        return _refused(request, identity, ForbiddenError(
            "your agency records no physical check (3.8) on this case"))
    assessed = next((a for a in case["assessments"] if a["property_id"] == property_id),
                    None)
    if assessed is None:
        return _refused(request, identity, NotFoundError(
            "that property is not a candidate of this case"))
    held = _held(case, agency, "physical", property_id)
    items = [{"item": i, "label": physical_label(i),
              "outcome": (held.get(i) or {}).get("outcome") or "",
              "notes": (held.get(i) or {}).get("notes") or ""} for i in PHYSICAL_ITEMS]
    snapshot = assessed.get("snapshot") or {}
    address = (snapshot.get("proximity") or {}).get("address", property_id)
    return _page(request, "case_physical.html", {
        "who": identity, "case": case, "prop": {"property_id": property_id,
                                                "address": address},
        "items": items, "dwellings": _dwelling_rows(case, property_id),
        "may_dwellings": _may(role, "case_dwelling"), "today": clock.today().isoformat(),
        "notice": notice, "form": form or FormState(""),
        "message": form.message if form else None,
        "error_field": form.field if form else None}, status_code=status_code)


@router.post("/case/physical", response_class=HTMLResponse)
def physical(request: Request, case_id: CaseId, property_id: PropertyId) -> Response:
    """The physical check page (3.8) of one candidate, for a visit on site."""
    admitted = _admit(request, "case_check")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        case = _read(request, caller, case_id)
    except GeoEraError as exc:
        return _refused(request, identity, exc)
    return _physical_page(request, caller, identity, case, property_id)


def _visits(values: Mapping[str, str]) -> list[DwellingEntry]:
    visits = []
    for n in range(MAX_ENTRIES):
        did = values.get(f"dwelling_id-{n}")
        if did is None:
            break
        outcome, notes = values.get(f"dwelling-{n}", ""), values.get(f"dwelling_notes-{n}", "")
        if not outcome:
            if notes.strip():
                raise ItemRefusedError(f"dwelling:{n}", "outcome", "choose what the visit "
                                       "found at the dwelling whose notes you wrote")
            continue
        occupant = values.get(f"occupant-{n}", "").strip() or None
        visits.append(DwellingEntry(did, outcome, notes, occupant))
    return visits


def _seen_on(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError("give the visit date as a date, e.g. 2026-03-01") from None


def _save_physical(request: Request, values: dict[str, str]) -> Response:
    case_id, pid = values.get("case_id", "")[:16], values.get("property_id", "")[:64]
    admitted = _admit(request, "case_check")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    services = _services(request)
    first = f"physical-outcome-{PHYSICAL_ITEMS[0]}"
    try:
        seen_on = _seen_on(values["seen_on"]) if "seen_on" in values else clock.today()
        answer = checklists.record_physical(
            services, caller.caller, case_id=case_id, property_id=pid,
            entries=_entries(values, list(PHYSICAL_ITEMS)), visits=_visits(values),
            seen_on=seen_on, justification=caller.actor.justification)
    except NotFoundError as exc:
        return _refused(request, identity, exc)
    except GeoEraError as exc:
        field = _items_field("physical", first)(exc)
        if str(exc).startswith("give the visit date"):
            field = "physical-seen_on"
        state = FormState("physical", values, str(exc), field)
        try:
            case = _read(request, caller, case_id)
        except GeoEraError as unreadable:
            return _refused(request, identity, unreadable)
        return _physical_page(request, caller, identity, case, pid, form=state,
                              status_code=403 if isinstance(exc, ForbiddenError) else 422)
    case = answer.model_dump(mode="json")
    if "assessments" not in case:
        return _refused(request, identity, NotFoundError(
            "recorded; give the purpose of your session at sign-in to see the case"))
    return _physical_page(request, caller, identity, case, pid,
                          notice="The physical check was recorded.")


@router.post("/case/physical/save", response_class=HTMLResponse)
async def physical_save(request: Request) -> Response:
    """Record the physical check of one candidate with its dwellings' outcomes, whole;
    the page again after it, or with the refusal beside its field."""
    values = await _typed(request)
    return await run_in_threadpool(_save_physical, request, values)
