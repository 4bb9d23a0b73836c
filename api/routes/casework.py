"""Routes for ERA cases (NASSO 3.2-3.13): open, read, assess, record checks and
agreements, approve (Part C) or decide (Part D), consent and restrictions, the rest of an
out-of-area placement (reason, risk management plan, the councils' discussion), deadline
extensions and where the full ERA is held.

Case ids travel in request bodies, never in URLs. Each caller records for their own
agency (:data:`geo_era.security.access.ROLE_AGENCY`) and, for council staff, only on their own
council's cases. Each route calls one service (:mod:`geo_era.services.casework`), which
admits the caller and has the step audited in the transaction of the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import Field, StringConstraints

from geo_era.casework.case_records import GROUNDS
from geo_era.casework.cases import AGENCIES, OUTCOMES, PHYSICAL_ITEMS
from geo_era.services import casework, moves
from geo_era.services.answers.casework import CaseAck, CaseRecord, CaseSummary, MovedIn

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, PLAIN_TEXT, TEXT_PATTERN, Id, Strict, long_text

router = APIRouter(prefix=f"{PREFIX}/cases", tags=["cases"])

PropertyId = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                              pattern=r"^[A-Za-z0-9_.:/-]+$")]

CaseId = Field(min_length=1, max_length=16, pattern=r"^(ERA-)?[0-9]{1,9}$",
               description="A case reference such as ERA-000042")
Text = Field(min_length=1, max_length=4_000, pattern=TEXT_PATTERN)
Authority = Field(default=None, min_length=2, max_length=128, pattern=TEXT_PATTERN)
NOTE = Field(default=None, max_length=1_000, pattern=PLAIN_TEXT,
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
    property_id: PropertyId | None = Field(
        default=None, description="The candidate checked; needed when there are several")
    notes: str | None = Field(default=None, max_length=4_000)


class DatabaseCheck(Change):
    """A database check (3.7): an item of the caller's agency's checklist, e.g. visor
    (police), case_management (CJSW) or council_tax (SOLO)."""

    kind: Literal["database"]
    item: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]{1,63}$")
    outcome: Literal[OUTCOMES]  # type: ignore[valid-type]
    property_id: PropertyId | None = Field(
        default=None, description="The candidate checked; needed when there are several")
    notes: str | None = Field(default=None, max_length=4_000)


RecordCheck = Annotated[PhysicalCheck | DatabaseCheck, Field(discriminator="kind")]


class RecordAgreement(Change):
    agrees: bool
    comments: str | None = Field(default=None, max_length=4_000, pattern=TEXT_PATTERN)


class Respond(Change):
    """The lead agency's response to a concern (its check item) or a conflict."""

    property_id: str = Id
    to: str = Field(min_length=1, max_length=96, pattern=r"^[A-Za-z0-9_.:/-]+$",
                    description="a check item code, or zone:<zone_id> / condition:<n>")
    response: str = Text


class Decided(Change):
    property_id: str = Id
    manageable: bool
    conclusion: str = Text
    reasons: str = Text


class Approve(Decided):
    adjustments: str | None = Field(default=None, max_length=4_000, pattern=TEXT_PATTERN,
                                    description="monitoring and supervision adjustments")


class Decide(Decided):
    conference_on: dt.date


class Restrict(Change):
    property_id: str = Id
    restriction: str = Text


class _Extension(Change):
    reason: str = Field(min_length=10, max_length=4_000, pattern=long_text(10),
                        description="why the case needs more time (3.5: complex cases)")
    agency: Literal[AGENCIES] | None = Field(  # type: ignore[valid-type]
        default=None, description="the agency whose deadline moves; none for the case's")


class ExtendTo(_Extension):
    """An extension of the case's deadline, or of one agency's, to a later working day
    (3.5), with the reason."""

    to: dt.date = Field(description="the new deadline (a working day)")


class ExtendBy(_Extension):
    """An extension of the case's deadline, or of one agency's, by clear working days
    (3.5), with the reason."""

    working_days: int = Field(ge=1, le=60, description="clear working days added")


Extend = ExtendTo | ExtendBy


class PlacementReason(Change):
    """The placing council's reason for placing out of area (3.13)."""

    ground: Literal[tuple(GROUNDS)]  # type: ignore[valid-type]
    details: str | None = Field(default=None, max_length=4_000, pattern=TEXT_PATTERN)


class RiskPlan(Change):
    """The placing council's plan to manage the risk of the placement (3.13)."""

    plan: str = Field(min_length=20, max_length=4_000, pattern=long_text(20))


class CouncilDiscussion(Change):
    """A discussion between the placing and receiving councils (3.13)."""

    held_on: dt.date
    participants: str = Field(min_length=3, max_length=1_000, pattern=long_text(3))
    agreed: str = Field(min_length=10, max_length=4_000, pattern=long_text(10))


class EraHeld(Change):
    """Where the full ERA is held: the system and its reference there (3.3, 3.11)."""

    system: str = Field(min_length=2, max_length=128, pattern=TEXT_PATTERN)
    reference: str = Field(min_length=1, max_length=256, pattern=TEXT_PATTERN)


@router.post("/open", response_model=CaseRecord | CaseAck)
def open_route(body: OpenCase, identity: Who, app: App) -> CaseRecord | CaseAck:
    """Open an ERA case: deadlines in clear working days, the lead agency, and an
    assessment of each candidate property."""
    return casework.open_case(app, caller_of(identity), subject_id=body.subject_id,
                              property_ids=body.property_ids, case_type=body.case_type,
                              notified=body.notified, agencies=body.agencies,
                              placing_authority=body.placing_authority,
                              receiving_authority=body.receiving_authority,
                              justification=body.justification)


@router.post("/list", response_model=list[CaseSummary])
def list_route(body: ListCases, identity: Who, app: App) -> list[CaseSummary]:
    """Open cases the caller may see, earliest due first."""
    return casework.list_cases(app, caller_of(identity), justification=body.justification,
                               overdue=body.overdue, due_within=body.due_within_days)


@router.post("/show", response_model=CaseRecord)
def show_route(body: CaseRef, identity: Who, app: App) -> CaseRecord:
    """One case in full: agencies and deadlines, checks, assessments, decisions."""
    return casework.show_case(app, caller_of(identity), case_id=body.case_id,
                              justification=body.justification)


@router.post("/assess", response_model=CaseRecord | CaseAck)
def assess_route(body: AssessProperty, identity: Who, app: App) -> CaseRecord | CaseAck:
    """(Re)assess a candidate property of an open case from the current layers."""
    return casework.assess_case(app, caller_of(identity), case_id=body.case_id,
                                property_id=body.property_id,
                                justification=body.justification)


@router.post("/check", response_model=CaseRecord | CaseAck)
def check_route(body: RecordCheck, identity: Who, app: App) -> CaseRecord | CaseAck:
    """Record a database check (3.7) or a physical check (3.8) for the caller's agency."""
    return casework.record_check(app, caller_of(identity), case_id=body.case_id,
                                 kind=body.kind, item=body.item, outcome=body.outcome,
                                 notes=body.notes, property_id=body.property_id,
                                 justification=body.justification)


@router.post("/respond", response_model=CaseRecord | CaseAck)
def respond_route(body: Respond, identity: Who, app: App) -> CaseRecord | CaseAck:
    """The lead agency's written response to a concern or a hard conflict of one
    candidate property (3.11), needed before Part C."""
    return casework.record_response(app, caller_of(identity), case_id=body.case_id,
                                    property_id=body.property_id, to=body.to,
                                    response=body.response,
                                    justification=body.justification)


@router.post("/agree", response_model=CaseRecord | CaseAck)
def agree_route(body: RecordAgreement, identity: Who, app: App) -> CaseRecord | CaseAck:
    """Record whether the caller's agency agrees the ERA (3.11)."""
    return casework.record_agreement(app, caller_of(identity), case_id=body.case_id,
                                     agrees=body.agrees, comments=body.comments,
                                     justification=body.justification)


@router.post("/approve", response_model=CaseRecord | CaseAck)
def approve_route(body: Approve, identity: Who, app: App) -> CaseRecord | CaseAck:
    """Part C: the lead agency's approval, once every check and agreement is in."""
    return casework.approve(app, caller_of(identity), case_id=body.case_id,
                            property_id=body.property_id, manageable=body.manageable,
                            conclusion=body.conclusion, reasons=body.reasons,
                            adjustments=body.adjustments,
                            justification=body.justification)


@router.post("/decide", response_model=CaseRecord | CaseAck)
def decide_route(body: Decide, identity: Who, app: App) -> CaseRecord | CaseAck:
    """Part D: the case conference's decision where agencies disagree."""
    return casework.decide(app, caller_of(identity), case_id=body.case_id,
                           property_id=body.property_id, manageable=body.manageable,
                           conclusion=body.conclusion, reasons=body.reasons,
                           conference_on=body.conference_on,
                           justification=body.justification)


@router.post("/consent", response_model=CaseRecord | CaseAck)
def consent_route(body: Change, identity: Who, app: App) -> CaseRecord | CaseAck:
    """The receiving council's consent to an out-of-area placement (3.13): given by
    that council's own staff."""
    return casework.record_consent(app, caller_of(identity), case_id=body.case_id,
                                   justification=body.justification)


@router.post("/restrict", response_model=CaseRecord | CaseAck)
def restrict_route(body: Restrict, identity: Who, app: App) -> CaseRecord | CaseAck:
    """A restriction on future allocations of a neighbouring property (3.12)."""
    return casework.record_restriction(app, caller_of(identity), case_id=body.case_id,
                                       property_id=body.property_id,
                                       restriction=body.restriction,
                                       justification=body.justification)


@router.post("/extend", response_model=CaseRecord | CaseAck)
def extend_route(body: Extend, identity: Who, app: App) -> CaseRecord | CaseAck:
    """Extend a complex case's deadline, or one agency's, with the reason (3.5): by the
    lead agency or the MAPPA coordinator. The original deadline and each extension
    are kept and shown."""
    return casework.extend_deadline(
        app, caller_of(identity), case_id=body.case_id, reason=body.reason,
        agency=body.agency, to=body.to if isinstance(body, ExtendTo) else None,
        working_days=body.working_days if isinstance(body, ExtendBy) else None,
        justification=body.justification)


@router.post("/out-of-area", response_model=CaseRecord | CaseAck)
def out_of_area_route(body: PlacementReason, identity: Who, app: App
                      ) -> CaseRecord | CaseAck:
    """The placing council's reason for an out-of-area placement (3.13)."""
    return casework.record_out_of_area_reason(app, caller_of(identity),
                                              case_id=body.case_id, ground=body.ground,
                                              details=body.details,
                                              justification=body.justification)


@router.post("/plan", response_model=CaseRecord | CaseAck)
def plan_route(body: RiskPlan, identity: Who, app: App) -> CaseRecord | CaseAck:
    """The placing council's risk management plan for an out-of-area placement (3.13)."""
    return casework.record_plan(app, caller_of(identity), case_id=body.case_id,
                                plan=body.plan, justification=body.justification)


@router.post("/discussion", response_model=CaseRecord | CaseAck)
def discussion_route(body: CouncilDiscussion, identity: Who, app: App
                     ) -> CaseRecord | CaseAck:
    """A discussion between the placing and receiving councils and what they agreed
    (3.13): recorded by either council's staff."""
    return casework.record_discussion(app, caller_of(identity), case_id=body.case_id,
                                      held_on=body.held_on, participants=body.participants,
                                      agreed=body.agreed,
                                      justification=body.justification)


@router.post("/held", response_model=CaseRecord | CaseAck)
def held_route(body: EraHeld, identity: Who, app: App) -> CaseRecord | CaseAck:
    """Where the full ERA is held (3.3, 3.11), recorded by an agency of the case."""
    return casework.record_era_held(app, caller_of(identity), case_id=body.case_id,
                                    system=body.system, reference=body.reference,
                                    justification=body.justification)
class MoveIn(Change):
    """That the subject moved in to a property decided manageable (Part C or D)."""

    property_id: PropertyId
    moved_in_on: dt.date = Field(description="The day the subject moved in: not before "
                                             "the decision, not in the future")


@router.post("/move-in", response_model=MovedIn | CaseAck)
def move_in_route(body: MoveIn, identity: Who, app: App) -> MovedIn | CaseAck:
    """Record that the subject moved in after a manageable Part C or Part D decision:
    the placements, the subject's address, the allocation check and the review
    triggers follow it (NASSO 3.11, 3.13)."""
    return moves.record_move_in(app, caller_of(identity), case_id=body.case_id,
                                property_id=body.property_id,
                                moved_in_on=body.moved_in_on,
                                justification=body.justification)
