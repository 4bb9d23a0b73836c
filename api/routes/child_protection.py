"""Routes for child protection links (the Dorset MAPPA procedure §4, §13, §17): a
referral to child protection and what came of it, Children & Families' initial checks,
and the notice to the council's nominated Education contact. Everything naming a subject
travels in a POST body, never in the URL."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from geo_era.services import child_protection as cp
from geo_era.services.answers.child_protection import (
    ChildProtectionAck,
    EducationNotice,
    InitialChecks,
    Referral,
)

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, PLAIN_TEXT, Id, Strict, long_text

router = APIRouter(prefix=PREFIX)

Council = Field(default=None, min_length=1, max_length=128, pattern=PLAIN_TEXT,
                description="the council the record belongs to; a case's, or a council "
                            "officer's own, when not given")
Optional = Field(default=None, max_length=1_000, pattern=PLAIN_TEXT,
                 description="why (DPA 2018 s62); with it the answer is the record, "
                             "without it an acknowledgement")
Outcome = Literal["ird", "investigation", "planning_meeting", "no_further_action"]
Ground = Literal["lives_near_school", "loitering_near_school", "connection_with_school",
                 "pupil_or_student"]


class AddReferral(Strict):
    subject_id: str | None = Field(default=None, min_length=1, max_length=64,
                                   pattern=r"^[A-Za-z0-9_.:/-]+$")
    case_id: str | None = Field(default=None, min_length=1, max_length=16,
                                description="ERA-000042: the case it is recorded on")
    authority: str | None = Council
    referred_on: dt.date
    to_whom: str | None = Field(default=None, max_length=200, pattern=PLAIN_TEXT,
                                description="the team referred to; Children & Families "
                                            "when not given")
    reason: str = Field(min_length=10, max_length=4_000, pattern=long_text(10),
                        description="the risk to an identified child")
    justification: str | None = Optional


class Outcomes(Strict):
    reference: str = Field(min_length=1, max_length=16, description="CPL-000042")
    outcome: Outcome
    outcome_on: dt.date
    om_attended: bool | None = Field(default=None, description="whether the Offender "
                                                               "Manager attended")
    justification: str | None = Optional


class AddChecks(Strict):
    subject_id: str = Id
    authority: str | None = Council
    notified_on: dt.date
    checked_on: dt.date
    database_checked: bool
    findings: str = Field(min_length=10, max_length=4_000, pattern=long_text(10))
    concerns: bool
    justification: str | None = Optional


class AddNotice(Strict):
    subject_id: str | None = Field(default=None, min_length=1, max_length=64,
                                   pattern=r"^[A-Za-z0-9_.:/-]+$")
    case_id: str | None = Field(default=None, min_length=1, max_length=16)
    authority: str | None = Council
    ground: Ground
    school: str = Field(min_length=2, max_length=200, pattern=PLAIN_TEXT)
    contact: str = Field(min_length=2, max_length=200, pattern=PLAIN_TEXT,
                         description="the nominated Education contact told")
    notified_on: dt.date
    said: str = Field(min_length=10, max_length=4_000, pattern=long_text(10),
                      description="what Education was told")
    justification: str | None = Optional


class Listing(Strict):
    justification: str = JUSTIFICATION
    subject_id: str | None = Field(default=None, min_length=1, max_length=64,
                                   pattern=r"^[A-Za-z0-9_.:/-]+$")


@router.post("/child-protection/referrals/add", tags=["child protection"],
             response_model=Referral | ChildProtectionAck)
def add_referral_route(body: AddReferral, identity: Who, app: App
                       ) -> Referral | ChildProtectionAck:
    """Record a referral to child protection on a subject or a case (Dorset §4)."""
    return cp.add_referral(app, caller_of(identity), subject_id=body.subject_id,
                           case_id=body.case_id, authority=body.authority,
                           referred_on=body.referred_on, to_whom=body.to_whom,
                           reason=body.reason, justification=body.justification)


@router.post("/child-protection/referrals/outcome", tags=["child protection"],
             response_model=Referral | ChildProtectionAck)
def outcome_route(body: Outcomes, identity: Who, app: App) -> Referral | ChildProtectionAck:
    """Record what came of a referral and whether the Offender Manager attended."""
    return cp.record_outcome(app, caller_of(identity), reference=body.reference,
                             outcome=body.outcome, outcome_on=body.outcome_on,
                             om_attended=body.om_attended,
                             justification=body.justification)


@router.post("/child-protection/referrals", tags=["child protection"],
             response_model=list[Referral | InitialChecks])
def referrals_route(body: Listing, identity: Who, app: App
                    ) -> list[Referral | InitialChecks]:
    """Referrals to child protection and Children & Families' initial checks, of the
    caller's council (or all), newest first."""
    return cp.list_referrals(app, caller_of(identity), justification=body.justification,
                             subject_id=body.subject_id)


@router.post("/child-protection/checks/add", tags=["child protection"],
             response_model=InitialChecks | ChildProtectionAck)
def add_checks_route(body: AddChecks, identity: Who, app: App
                     ) -> InitialChecks | ChildProtectionAck:
    """Record Children & Families' initial checks on a registered subject (§13)."""
    return cp.add_initial_checks(app, caller_of(identity), subject_id=body.subject_id,
                                 authority=body.authority, notified_on=body.notified_on,
                                 checked_on=body.checked_on,
                                 database_checked=body.database_checked,
                                 findings=body.findings, concerns=body.concerns,
                                 justification=body.justification)


@router.post("/child-protection/notices/add", tags=["child protection"],
             response_model=EducationNotice | ChildProtectionAck)
def add_notice_route(body: AddNotice, identity: Who, app: App
                     ) -> EducationNotice | ChildProtectionAck:
    """Record the notice to the council's nominated Education contact (§17)."""
    return cp.add_education_notice(app, caller_of(identity), subject_id=body.subject_id,
                                   case_id=body.case_id, authority=body.authority,
                                   ground=body.ground, school=body.school,
                                   contact=body.contact, notified_on=body.notified_on,
                                   said=body.said, justification=body.justification)


@router.post("/child-protection/notices", tags=["child protection"],
             response_model=list[EducationNotice])
def notices_route(body: Listing, identity: Who, app: App) -> list[EducationNotice]:
    """Notices to Education, of the caller's council (or all), newest first."""
    return cp.list_notices(app, caller_of(identity), justification=body.justification,
                           subject_id=body.subject_id)
