"""Routes for disclosure decisions and Keeping Children Safe applications (NASSO 3.12,
68, 71; the Dorset MAPPA procedure §6, §8, §18).

Subjects, cases and references travel in request bodies, never in URLs. Each route
calls one service (:mod:`geo_era.services.disclosures`), which admits the caller,
applies their council and has the record and its audit entry written together.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from geo_era.safeguarding.disclosures import (
    KCS_OUTCOMES,
    KCS_RELATIONSHIPS,
    PURPOSES,
    RECIPIENT_TYPES,
    DecisionRequest,
    KcsRequest,
)
from geo_era.services import disclosures
from geo_era.services.answers.disclosures import (
    DecisionRecord,
    DisclosureListing,
    KcsRecord,
    OwnDecision,
    OwnListing,
)

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, PLAIN_TEXT, Strict

router = APIRouter(prefix=f"{PREFIX}/disclosures", tags=["disclosures"])

SubjectId = Field(default=None, min_length=1, max_length=64,
                  pattern=r"^[A-Za-z0-9_.:/-]+$")
CaseId = Field(default=None, min_length=1, max_length=16, pattern=r"^(ERA-)?[0-9]{1,9}$",
               description="A case reference such as ERA-000042")
Reference = Field(min_length=1, max_length=16, pattern=r"^([A-Za-z]{3}-)?[0-9]{1,9}$")
Short = Field(default=None, max_length=200, pattern=PLAIN_TEXT)
Long = Field(default=None, max_length=4_000, pattern=PLAIN_TEXT)
NOTE = Field(default=None, max_length=1_000, pattern=PLAIN_TEXT,
             description="Why (optional; kept in the audit trail)")


class Decide(Strict):
    """A decision to disclose, or not to disclose (see the fields' descriptions)."""

    purpose: Literal[PURPOSES] = "disclosure"  # type: ignore[valid-type]
    subject_id: str | None = SubjectId
    case_id: str | None = CaseId
    council: str | None = Field(default=None, min_length=2, max_length=128,
                                pattern=PLAIN_TEXT,
                                description="the council the record belongs to (council "
                                            "staff: their own; else the case's)")
    recipient_type: Literal[RECIPIENT_TYPES]  # type: ignore[valid-type]
    recipient: str = Field(min_length=1, max_length=200, pattern=PLAIN_TEXT,
                           description="the person's name or the organisation")
    disclose: bool
    content: str | None = Field(default=None, max_length=4_000, pattern=PLAIN_TEXT,
                                description="what is to be disclosed")
    reasons: str | None = Long
    authority: Literal["police", "social_work"] | None = Field(
        default=None, description="the caller's role's; social work only in a case of "
                                  "child protection (NASSO 71)")
    child_protection: bool = False
    meeting_level: Literal[2, 3] | None = None
    meeting_on: dt.date | None = None
    minutes_reference: str | None = Short
    discloser: str | None = Field(default=None, max_length=200, pattern=PLAIN_TEXT,
                                  description="who will make the disclosure")
    disclose_at: str | None = Short
    disclose_on: dt.date | None = None
    advice: str | None = Field(default=None, max_length=4_000, pattern=PLAIN_TEXT,
                               description="how the information is to be used and where "
                                           "the recipient may seek support (Dorset §18)")
    restriction_id: int | None = Field(default=None, ge=1, description="the allocation "
                                       "restriction whose wording goes to its landlord")
    decided_on: dt.date | None = None
    justification: str | None = NOTE


class Made(Strict):
    reference: str = Reference
    made_on: dt.date
    made_by: str | None = Short
    justification: str | None = NOTE


class ListDisclosures(Strict):
    subject_id: str | None = SubjectId
    justification: str = JUSTIFICATION


class Kcs(Strict):
    received_on: dt.date
    online: bool
    relationship: Literal[KCS_RELATIONSHIPS]  # type: ignore[valid-type]
    council: str = Field(min_length=2, max_length=128, pattern=PLAIN_TEXT)
    subject_id: str | None = SubjectId
    notes: str | None = Long
    justification: str | None = NOTE


class KcsOutcome(Strict):
    reference: str = Reference
    outcome: Literal[KCS_OUTCOMES]  # type: ignore[valid-type]
    outcome_on: dt.date
    notes: str | None = Long
    justification: str | None = NOTE


@router.post("/decide", response_model=DecisionRecord | OwnDecision)
def decide_route(body: Decide, identity: Who, app: App) -> DecisionRecord | OwnDecision:
    """Record a decision to disclose, or not to disclose, about a subject (NASSO 68, 71;
    Dorset §18): to whom, what, on whose authority, at which MAPPA meeting, who
    discloses, where and when, and the advice given."""
    fields = body.model_dump(exclude={"authority", "justification"})
    return disclosures.decide(app, caller_of(identity), DecisionRequest(**fields),
                              authority=body.authority, justification=body.justification)


@router.post("/made", response_model=DecisionRecord | OwnDecision)
def made_route(body: Made, identity: Who, app: App) -> DecisionRecord | OwnDecision:
    """Record that a disclosure decided was made: an audit disclosure naming its
    recipient."""
    return disclosures.made(app, caller_of(identity), reference=body.reference,
                            made_on=body.made_on, made_by=body.made_by,
                            justification=body.justification)


@router.post("/list", response_model=DisclosureListing | OwnListing)
def list_route(body: ListDisclosures, identity: Who, app: App
               ) -> DisclosureListing | OwnListing:
    """Disclosure decisions and Keeping Children Safe applications, newest first."""
    return disclosures.listing(app, caller_of(identity), justification=body.justification,
                               subject_id=body.subject_id)


@router.post("/kcs", response_model=KcsRecord)
def kcs_route(body: Kcs, identity: Who, app: App) -> KcsRecord:
    """Record a Keeping Children Safe application as received."""
    request = KcsRequest(**body.model_dump(exclude={"justification"}))
    return disclosures.receive_kcs(app, caller_of(identity), request,
                                   justification=body.justification)


@router.post("/kcs/outcome", response_model=KcsRecord)
def kcs_outcome_route(body: KcsOutcome, identity: Who, app: App) -> KcsRecord:
    """Record a Keeping Children Safe application's outcome and its date."""
    return disclosures.record_kcs_outcome(
        app, caller_of(identity), reference=body.reference, outcome=body.outcome,
        outcome_on=body.outcome_on, notes=body.notes, justification=body.justification)
