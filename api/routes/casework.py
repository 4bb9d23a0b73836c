"""Routes for ERA cases (NASSO 3.2-3.13): open, read, assess, record checks and
agreements, approve (Part C) or decide (Part D), consent and restrictions.

Case ids travel in request bodies, never in URLs. Each caller records for their own
agency (:data:`geo_era.security.access.ROLE_AGENCY`) and, for council staff, only on their own
council's cases. Every call is audited by the core in the transaction of the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import Field, StringConstraints

from api.deps import PREFIX, App, Who
from api.schemas import JUSTIFICATION, TEXT_PATTERN, Id, Strict
from geo_era.casework import cases
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import AGENCIES, OUTCOMES, PHYSICAL_ITEMS

router = APIRouter(prefix=f"{PREFIX}/cases", tags=["cases"])

PropertyId = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                              pattern=r"^[A-Za-z0-9_.:/-]+$")]

CaseId = Field(min_length=1, max_length=16, pattern=r"^(ERA-)?\d{1,9}$",
               description="A case reference such as ERA-000042")
Text = Field(min_length=1, max_length=4_000, pattern=TEXT_PATTERN)
Authority = Field(default=None, min_length=2, max_length=128, pattern=TEXT_PATTERN)
NOTE = Field(default=None, max_length=1_000, pattern=TEXT_PATTERN,
             description="Why (optional for changes; kept in the audit trail)")


class OpenCase(Strict):
    subject_id: str = Id
    property_ids: list[PropertyId] = Field(min_length=1, max_length=10)
    case_type: Literal["initial_new", "initial_resident", "annual_review"] = "initial_new"
    notified: dt.date
    agencies: list[Literal[AGENCIES]] = Field(default=[], max_length=len(AGENCIES))  # type: ignore[valid-type]
    placing_authority: str | None = Authority
    receiving_authority: str | None = Authority
    justification: str | None = NOTE


class CaseRef(Strict):
    case_id: str = CaseId
    justification: str = JUSTIFICATION


class ListCases(Strict):
    overdue: bool = False
    due_within_days: int | None = Field(default=None, ge=0, le=366)
    justification: str = JUSTIFICATION


class Change(Strict):
    case_id: str = CaseId
    justification: str | None = NOTE


class AssessProperty(Change):
    property_id: str = Id


class PhysicalCheck(Change):
    """A physical check (3.8): one kind of site, or the signs of the victim profile."""

    kind: Literal["physical"]
    item: Literal[PHYSICAL_ITEMS]  # type: ignore[valid-type]
    outcome: Literal[OUTCOMES]  # type: ignore[valid-type]
    notes: str | None = Field(default=None, max_length=4_000)


class DatabaseCheck(Change):
    """A database check (3.7): the system checked, e.g. council_tax or ViSOR."""

    kind: Literal["database"]
    item: str = Field(min_length=1, max_length=64, pattern=TEXT_PATTERN)
    outcome: Literal[OUTCOMES]  # type: ignore[valid-type]
    notes: str | None = Field(default=None, max_length=4_000)


RecordCheck = Annotated[PhysicalCheck | DatabaseCheck, Field(discriminator="kind")]


class RecordAgreement(Change):
    agrees: bool
    comments: str | None = Field(default=None, max_length=4_000, pattern=TEXT_PATTERN)


class Approve(Change):
    property_id: str = Id
    manageable: bool
    conclusion: str = Text
    reasons: str = Text


class Decide(Approve):
    conference_on: dt.date


class Restrict(Change):
    property_id: str = Id
    restriction: str = Text


@router.post("/open")
def open_route(body: OpenCase, identity: Who, app: App) -> dict[str, Any]:
    """Open an ERA case: deadlines in clear working days, the lead agency, and an
    assessment of each candidate property."""
    caller = app.admit("case_open", identity, justification=body.justification,
                       record_ids=[body.subject_id])
    return open_assessed_case(app.layers, app.engine, subject_id=body.subject_id,
                              property_ids=body.property_ids, case_type=body.case_type,
                              notified=body.notified, agencies=body.agencies,
                              placing_authority=body.placing_authority,
                              receiving_authority=body.receiving_authority,
                              assessor=app.workspace.assess, actor=caller.actor)


@router.post("/list")
def list_route(body: ListCases, identity: Who, app: App) -> list[dict[str, Any]]:
    """Open cases the caller may see, earliest due first."""
    caller = app.admit("case_list", identity, justification=body.justification)
    return cases.list_cases(app.engine, actor=caller.actor, overdue=body.overdue,
                            due_within=body.due_within_days)


@router.post("/show")
def show_route(body: CaseRef, identity: Who, app: App) -> dict[str, Any]:
    """One case in full: agencies and deadlines, checks, assessments, decisions."""
    caller = app.admit("case_show", identity, justification=body.justification,
                       record_ids=[body.case_id])
    return cases.show_case(app.engine, body.case_id, actor=caller.actor)


@router.post("/assess")
def assess_route(body: AssessProperty, identity: Who, app: App) -> dict[str, Any]:
    """(Re)assess a candidate property of an open case from the current layers."""
    caller = app.admit("case_assess", identity, justification=body.justification,
                       record_ids=[body.case_id])
    return cases.assess_property(app.engine, body.case_id, body.property_id,
                                 app.workspace.assess,
                                 actor=caller.actor)


@router.post("/check")
def check_route(body: RecordCheck, identity: Who, app: App) -> dict[str, Any]:
    """Record a database check (3.7) or a physical check (3.8) for the caller's agency."""
    caller = app.admit("case_check", identity, justification=body.justification,
                       record_ids=[body.case_id])
    return cases.record_check(app.engine, body.case_id, agency=caller.agency,
                              kind=body.kind, item=body.item, outcome=body.outcome,
                              notes=body.notes, actor=caller.actor)


@router.post("/agree")
def agree_route(body: RecordAgreement, identity: Who, app: App) -> dict[str, Any]:
    """Record whether the caller's agency agrees the ERA (3.11)."""
    caller = app.admit("case_agree", identity, justification=body.justification,
                       record_ids=[body.case_id])
    return cases.record_agreement(app.engine, body.case_id, agency=caller.agency,
                                  agrees=body.agrees, comments=body.comments,
                                  actor=caller.actor)


@router.post("/approve")
def approve_route(body: Approve, identity: Who, app: App) -> dict[str, Any]:
    """Part C: the lead agency's approval, once every check and agreement is in."""
    caller = app.admit("case_approve", identity, justification=body.justification,
                       record_ids=[body.case_id])
    return cases.approve(app.engine, body.case_id, agency=caller.agency,
                         property_id=body.property_id, manageable=body.manageable,
                         conclusion=body.conclusion, reasons=body.reasons,
                         actor=caller.actor)


@router.post("/decide")
def decide_route(body: Decide, identity: Who, app: App) -> dict[str, Any]:
    """Part D: the case conference's decision where agencies disagree."""
    caller = app.admit("case_decide", identity, justification=body.justification,
                       record_ids=[body.case_id])
    return cases.decide(app.engine, body.case_id, agency=caller.agency,
                        property_id=body.property_id, manageable=body.manageable,
                        conclusion=body.conclusion, reasons=body.reasons,
                        conference_on=body.conference_on, actor=caller.actor)


@router.post("/consent")
def consent_route(body: Change, identity: Who, app: App) -> dict[str, Any]:
    """The receiving council's consent to an out-of-area placement (3.13): given by
    that council's own staff."""
    caller = app.admit("case_consent", identity, justification=body.justification,
                       record_ids=[body.case_id])
    return cases.record_consent(app.engine, body.case_id, authority=identity.organisation,
                                actor=caller.actor)


@router.post("/restrict")
def restrict_route(body: Restrict, identity: Who, app: App) -> dict[str, Any]:
    """A restriction on future allocations of a neighbouring property (3.12)."""
    caller = app.admit("case_restrict", identity, justification=body.justification,
                       record_ids=[body.case_id])
    return cases.record_restriction(app.engine, body.case_id, property_id=body.property_id,
                                    restriction=body.restriction, actor=caller.actor)
