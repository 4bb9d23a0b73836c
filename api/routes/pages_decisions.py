"""The lead agency's decision on a case page and what follows it (NASSO 3.11-3.13): the
written response to each concern and hard conflict of the candidate shown, Part C
(approval) and Part D (a case conference's decision), each confirmed before it is
recorded; for an out-of-area placement (3.13) the receiving council's consent, the
placing council's reason and plan, and the councils' discussions; then restrictions on
neighbouring properties' allocations (3.12), the subject's move in, where the full ERA
is held and an extension of a deadline (3.5).

Each step runs through :func:`geo_era_api.routes.pages_case.case_step`: the service of
:mod:`geo_era.services` admits the caller, records the step and its one audit entry
and answers with the case, which the page shows; a refusal of the core comes back
beside the field it concerns with what was typed, nothing written. Part C and Part D
first show a confirmation page (what will be recorded, for which candidate), which
reads and records nothing; "Go back and change" shows the case page with the form as
it was typed. What still stops Part C is worked out from the case the page already read
(:mod:`geo_era.casework.approval_view`), so it costs no further consultation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from geo_era import clock
from geo_era.casework import approval_view
from geo_era.casework.case_records import GROUNDS
from geo_era.errors import DataError, GeoEraError
from geo_era.security.access import ROLE_AGENCY
from geo_era.services import Admitted, casework, moves
from geo_era.services.answers.casework import CaseAck
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
    show,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
#: A line of text typed into a form (a name, a reference, a date).
Line = Annotated[str, Form(max_length=200)]
#: The address of the candidate shown, as the case page showed it (for the
#: confirmation page's words only: nothing is recorded from it).
Address = Annotated[str, Form(max_length=1000)]
#: A longer text (a response, reasons, a plan).
Text = Annotated[str, Form(max_length=20_000)]


class FieldError(DataError):
    """Bad input of one field, found before the core is called: ``field`` is its id."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _field_of(form: str, named: Mapping[str, str]) -> Callable[[GeoEraError], str | None]:
    """Where a refusal stands on ``form``: a :class:`FieldError`'s field, else the field
    whose word (a key of ``named``) the core's message names, else none (the caller's
    default, the form's first field)."""
    def field_of(exc: GeoEraError) -> str | None:
        if isinstance(exc, FieldError):
            return exc.field
        text = str(exc)
        return next((f"{form}-{name}" for word, name in named.items() if word in text),
                    None)
    return field_of


def _date(text: str, field: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise FieldError(f"give {what} as a date, e.g. 2026-12-01 (year-month-day); "
                         f"{text.strip() or 'nothing'!r} is not one", field) from None


def _yes_no(text: str, field: str, what: str) -> bool:
    if text not in ("yes", "no"):
        raise FieldError(f"say whether {what}: choose yes or no", field)
    return text == "yes"


def slug(target: str) -> str:
    """The form name of the response to ``target`` (a concern's item code,
    ``zone:<id>``, ``condition:<n>``, ``dwelling:<id>``): ``respond-`` and the target
    with every run of other characters than letters and digits made a hyphen."""
    return "respond-" + re.sub(r"[^A-Za-z0-9]+", "-", target).strip("-")


# --- the case page's context -----------------------------------------------------


def _lead(caller: Admitted, case: Mapping[str, Any]) -> bool:
    return ROLE_AGENCY.get(caller.caller.role) == case.get("lead_agency")


@provides
def decision_context(request: Request, caller: Admitted, case: dict[str, Any],
                     property_id: str) -> dict[str, Any]:
    """What the decision forms need: the concerns and hard conflicts of the candidate
    shown with their responses, what still stops Part C (for the lead agency only,
    from the case already read), whether the caller is the lead agency or a council of
    an out-of-area placement, and the grounds of 3.13."""
    lead = _lead(caller, case)
    concerns, conflicts = approval_view.answerable(case, property_id)
    answered = approval_view.responses(case, property_id)
    items = [{"to": c, "what": f"Concern {c.replace('_', ' ')}", "form": slug(c),
              "response": answered.get(c)} for c in concerns]
    items += [{"to": k, "what": f"Conflict {k}: {text}", "form": slug(k),
               "response": answered.get(k)} for k, text in conflicts.items()]
    checklists = _services(request).settings.database_checks
    record = case.get("out_of_area_record") or {}
    council = caller.caller.scope
    return {
        "lead": lead, "to_answer": items,
        "approval_missing": (approval_view.missing(case, property_id, checklists)
                             if lead else []),
        "disagreement": any(a.get("agrees") is False for a in case.get("agencies") or []),
        "receiving": bool(council) and council == record.get("receiving_authority"),
        "placing": bool(council) and council == record.get("placing_authority"),
        "grounds": list(GROUNDS.items()),
        "coordinator": caller.caller.role == "mappa_coordinator",
        "manageable_decision": any(d.get("manageable") for d in case.get("decisions") or []),
        "today": clock.today().isoformat()}


# --- responses to concerns and conflicts (3.11) ----------------------------------


@router.post("/case/respond", response_class=HTMLResponse)
def respond(request: Request, *, case_id: CaseId, property_id: PropertyId, to: Line,
            response: Text = "") -> Response:
    """The lead agency's written response to one concern or hard conflict (3.11)."""
    form = slug(to)
    return case_step(
        request, "case_respond", case_id=case_id, property_id=property_id,
        form=FormState(form, {"response": response}, field=f"{form}-response"),
        run=lambda services, caller, why: casework.record_response(
            services, caller, case_id=case_id, property_id=property_id, to=to,
            response=response, justification=why),
        notice=f"Your response to {to} is recorded.")


# --- Part C and Part D, each confirmed (3.11) ------------------------------------

#: Part C's fields, in the form's order.
PART_C = ("manageable", "conclusion", "reasons", "adjustments")
#: Part D's fields, in the form's order.
PART_D = ("conference_on", "manageable", "conclusion", "reasons")


def _confirm(request: Request, endpoint: str, *, part: str, action: str,
             values: dict[str, str], case_id: str, property_id: str,
             address: str) -> Response:
    """The confirmation page of a Part C or D: what will be recorded, for which
    candidate (its id, and the address the case page showed); it reads and records
    nothing (the caller is admitted to the step)."""
    admitted = _admit(request, endpoint)
    if isinstance(admitted, Response):
        return admitted
    _, identity = admitted
    return _page(request, "confirm.html", {
        "who": identity, "part": part, "action": action, "values": values,
        "case_id": case_id, "property_id": property_id, "address": address})


def _back(request: Request, endpoint: str, form: FormState, case_id: str,
          property_id: str) -> Response:
    """The case page with ``form`` as typed ("Go back and change"): reading the case,
    audited like opening it."""
    admitted = _admit(request, endpoint)
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        case = _read(request, caller, case_id)
    except GeoEraError as exc:
        return _refused(request, identity, exc)
    return show(request, caller, identity, case, property_id, form=form)


def _decision(request: Request, endpoint: str, *, part: str, action: str,
              values: dict[str, str], step: str, case_id: str, property_id: str,
              address: str, run: Step,
              field_of: Callable[[GeoEraError], str | None]) -> Response:
    """One Part C or D POST: ``step`` is "" (show the confirmation), "back" (the case
    page with the form filled) or "confirmed" (record it)."""
    first = "conference_on" if part == "D" else "manageable"
    form = FormState(action, values, field=f"{action}-{first}")
    if step == "back":
        return _back(request, endpoint, form, case_id, property_id)
    if step != "confirmed":
        return _confirm(request, endpoint, part=part, action=action, values=values,
                        case_id=case_id, property_id=property_id, address=address)
    return case_step(request, endpoint, case_id=case_id, property_id=property_id,
                     form=form, run=run, field_of=field_of,
                     notice=f"Part {part} is recorded.")


@router.post("/case/part-c", response_class=HTMLResponse)
def part_c(request: Request, *, case_id: CaseId, property_id: PropertyId,
           manageable: Line = "", conclusion: Text = "", reasons: Text = "",
           adjustments: Text = "", step: Line = "", address: Address = "") -> Response:
    """Part C, the lead agency's approval of the candidate shown (3.11): confirmed
    first, then recorded by :func:`geo_era.services.casework.approve`."""
    values = {"manageable": manageable, "conclusion": conclusion, "reasons": reasons,
              "adjustments": adjustments}

    def run(services: Services, caller: Caller, why: str | None) -> BaseModel:
        return casework.approve(
            services, caller, case_id=case_id, property_id=property_id,
            manageable=_yes_no(manageable, "part-c-manageable",
                               "the property is manageable"),
            conclusion=conclusion, reasons=reasons, adjustments=adjustments or None,
            justification=why)

    return _decision(request, "case_approve", part="C", action="part-c", values=values,
                     step=step, case_id=case_id, property_id=property_id,
                     address=address, run=run,
                     field_of=_field_of("part-c", {"record the conclusion": "conclusion",
                                                   "record the reasons": "reasons"}))


@router.post("/case/part-d", response_class=HTMLResponse)
def part_d(request: Request, *, case_id: CaseId, property_id: PropertyId,
           conference_on: Line = "", manageable: Line = "", conclusion: Text = "",
           reasons: Text = "", step: Line = "", address: Address = "") -> Response:
    """Part D, a case conference's decision where agencies disagree (3.11), recorded by
    the lead agency: confirmed first, then :func:`geo_era.services.casework.decide`."""
    values = {"conference_on": conference_on, "manageable": manageable,
              "conclusion": conclusion, "reasons": reasons}

    def run(services: Services, caller: Caller, why: str | None) -> BaseModel:
        return casework.decide(
            services, caller, case_id=case_id, property_id=property_id,
            conference_on=_date(conference_on, "part-d-conference_on",
                                "the date of the case conference"),
            manageable=_yes_no(manageable, "part-d-manageable",
                               "the conference found the property manageable"),
            conclusion=conclusion, reasons=reasons, justification=why)

    return _decision(request, "case_decide", part="D", action="part-d", values=values,
                     step=step, case_id=case_id, property_id=property_id,
                     address=address, run=run,
                     field_of=_field_of("part-d", {"case conference cannot": "conference_on",
                                                   "record the conclusion": "conclusion",
                                                   "record the reasons": "reasons"}))


# --- an out-of-area placement (3.13) ---------------------------------------------


@router.post("/case/consent", response_class=HTMLResponse)
def consent(request: Request, *, case_id: CaseId, property_id: PropertyId,
            confirm: Line = "") -> Response:
    """The receiving council's consent to the out-of-area placement (3.13), given by
    ticking the confirmation."""
    def run(services: Services, caller: Caller, why: str | None) -> BaseModel:
        if confirm != "yes":
            raise FieldError("tick the box to confirm that your council consents to the "
                             "placement", "consent-confirm")
        return casework.record_consent(services, caller, case_id=case_id,
                                       justification=why)

    return case_step(request, "case_consent", case_id=case_id, property_id=property_id,
                     form=FormState("consent", {"confirm": confirm}, field="consent-confirm"),
                     run=run, notice="Your council's consent to the placement is recorded.")


@router.post("/case/out-of-area", response_class=HTMLResponse)
def out_of_area(request: Request, *, case_id: CaseId, property_id: PropertyId,
                ground: Line = "", details: Text = "") -> Response:
    """The placing council's reason for placing out of area: a ground of 3.13 and
    details (R65)."""
    return case_step(
        request, "case_out_of_area", case_id=case_id, property_id=property_id,
        form=FormState("out-of-area", {"ground": ground, "details": details},
                       field="out-of-area-ground"),
        run=lambda services, caller, why: casework.record_out_of_area_reason(
            services, caller, case_id=case_id, ground=ground, details=details or None,
            justification=why),
        field_of=_field_of("out-of-area", {"details": "details"}),
        notice="The reason for placing out of area is recorded.")


@router.post("/case/plan", response_class=HTMLResponse)
def plan(request: Request, *, case_id: CaseId, property_id: PropertyId,
         plan: Text = "") -> Response:
    """The placing council's plan to manage the risk of the placement (R46, R67)."""
    return case_step(
        request, "case_plan", case_id=case_id, property_id=property_id,
        form=FormState("plan", {"plan": plan}, field="plan-plan"),
        run=lambda services, caller, why: casework.record_plan(
            services, caller, case_id=case_id, plan=plan, justification=why),
        notice="The risk management plan is recorded.")


@router.post("/case/discussion", response_class=HTMLResponse)
def discussion(request: Request, *, case_id: CaseId, property_id: PropertyId,
               held_on: Line = "", participants: Text = "", agreed: Text = "") -> Response:
    """A discussion between the placing and receiving councils and what they agreed
    (R68)."""
    values = {"held_on": held_on, "participants": participants, "agreed": agreed}
    return case_step(
        request, "case_discussion", case_id=case_id, property_id=property_id,
        form=FormState("discussion", values, field="discussion-held_on"),
        run=lambda services, caller, why: casework.record_discussion(
            services, caller, case_id=case_id,
            held_on=_date(held_on, "discussion-held_on", "the date of the discussion"),
            participants=participants, agreed=agreed, justification=why),
        field_of=_field_of("discussion", {"participants": "participants",
                                          "agreed": "agreed"}),
        notice="The discussion between the councils is recorded.")


# --- after the decision (3.5, 3.11, 3.12) ----------------------------------------


@router.post("/case/restrict", response_class=HTMLResponse)
def restrict(request: Request, *, case_id: CaseId, property_id: PropertyId,
             address: Line = "", neighbour: Line = "", restriction: Text = "") -> Response:
    """A restriction on future allocations of a neighbouring property (3.12): the
    property picked by the address type-ahead (``neighbour``), else its id typed."""
    chosen = neighbour.strip() or address.strip()
    values = {"address": address, "neighbour": neighbour, "restriction": restriction}

    def run(services: Services, caller: Caller, why: str | None) -> BaseModel:
        if not chosen:
            raise FieldError("choose the neighbouring property: type its address and pick "
                             "it from the list, or type its property id", "restrict-address")
        return casework.record_restriction(services, caller, case_id=case_id,
                                           property_id=chosen, restriction=restriction,
                                           justification=why)

    return case_step(request, "case_restrict", case_id=case_id, property_id=property_id,
                     form=FormState("restrict", values, field="restrict-restriction"),
                     run=run, field_of=_field_of("restrict", {"property": "address"}),
                     notice="The restriction on the neighbouring property is recorded.")


@router.post("/case/move-in", response_class=HTMLResponse)
def move_in(request: Request, *, case_id: CaseId, property_id: PropertyId,
            moved_in_on: Line = "") -> Response:
    """The subject moved in to the candidate shown after a manageable decision: the
    move is recorded (its audit entry), then the case is read to show it (a
    consultation, as opening the case page)."""
    def run(services: Services, caller: Caller, why: str | None) -> BaseModel:
        moved = moves.record_move_in(
            services, caller, case_id=case_id, property_id=property_id,
            moved_in_on=_date(moved_in_on, "move-in-moved_in_on", "the day they moved in"),
            justification=why)
        if isinstance(moved, CaseAck):
            return moved
        return casework.show_case(services, caller, case_id=case_id, justification=why)

    return case_step(request, "case_move_in", case_id=case_id, property_id=property_id,
                     form=FormState("move-in", {"moved_in_on": moved_in_on},
                                    field="move-in-moved_in_on"),
                     run=run, notice="The move in is recorded.")


@router.post("/case/held", response_class=HTMLResponse)
def held(request: Request, *, case_id: CaseId, property_id: PropertyId, system: Line = "",
         reference: Line = "") -> Response:
    """Where the full ERA is held: the system and its reference there (3.3, 3.11)."""
    return case_step(
        request, "case_held", case_id=case_id, property_id=property_id,
        form=FormState("held", {"system": system, "reference": reference},
                       field="held-system"),
        run=lambda services, caller, why: casework.record_era_held(
            services, caller, case_id=case_id, system=system, reference=reference,
            justification=why),
        field_of=_field_of("held", {"reference": "reference"}),
        notice="Where the full ERA is held is recorded.")


@router.post("/case/extend", response_class=HTMLResponse)
def extend(request: Request, *, case_id: CaseId, property_id: PropertyId, agency: Line = "",
           to: Line = "", working_days: Line = "", reason: Text = "") -> Response:
    """Extend the case's deadline, or one agency's, to a date or by clear working
    days, with the reason (3.5); the lead agency or the MAPPA coordinator."""
    values = {"agency": agency, "to": to, "working_days": working_days, "reason": reason}

    def run(services: Services, caller: Caller, why: str | None) -> BaseModel:
        days: int | None = None
        if working_days.strip():
            if not working_days.strip().isdigit():
                raise FieldError("give the working days as a whole number, e.g. 5",
                                 "extend-working_days")
            days = int(working_days)
        return casework.extend_deadline(
            services, caller, case_id=case_id, reason=reason, agency=agency or None,
            to=_date(to, "extend-to", "the new deadline") if to.strip() else None,
            working_days=days, justification=why)

    return case_step(request, "case_extend", case_id=case_id, property_id=property_id,
                     form=FormState("extend", values, field="extend-to"), run=run,
                     field_of=_field_of("extend", {"reason": "reason",
                                                   "agency": "agency"}),
                     notice="The deadline is extended.")
