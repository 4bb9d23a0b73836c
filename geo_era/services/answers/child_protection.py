"""Typed answers of the child protection links (the Dorset MAPPA procedure §4, §13,
§17): referrals to child protection and their outcomes, Children & Families' initial
checks, and notices to Education.

Referrals and initial checks are read by the Responsible Authorities and the council's
Children & Families officers; notices to Education by the Responsible Authorities and
the council's Education officers (each list holds only its kinds). All of them name the
subject: these agencies check their own records for exactly that person (§13, §17)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from geo_era.services.answers._base import Answer


class ChildProtectionAck(Answer):
    """A record made, acknowledged without anything of the subject or the case (the
    answer without a justification)."""

    reference: str = Field(description="CPL-000042")
    kind: Literal["referral", "initial_checks", "education_notice"]
    recorded: str = Field(description="the operation recorded")


class _Record(Answer):
    reference: str = Field(description="CPL-000042")
    subject_id: str
    case_id: str | None = Field(description="the case it was recorded on, if any")
    authority: str = Field(description="the council it belongs to")
    agency: str = Field(description="the agency that recorded it")
    recorded_by: str
    recorded_at: dt.datetime


class Referral(_Record):
    """A referral to child protection (§4; R111) and what came of it."""

    kind: Literal["referral"]
    referred_on: dt.date
    to_whom: str = Field(description="the team referred to (Children & Families)")
    reason: str = Field(description="why: the risk to an identified child")
    outcome: str | None = Field(description="ird, investigation, planning_meeting, "
                                            "no_further_action; none while awaited")
    outcome_label: str | None
    outcome_on: dt.date | None
    om_attended: bool | None = Field(description="whether the Offender Manager attended "
                                                 "(none: not recorded)")
    updated_by: str | None
    updated_at: dt.datetime | None


class InitialChecks(_Record):
    """Children & Families' initial checks when notified of a registered subject (§13;
    R115)."""

    kind: Literal["initial_checks"]
    notified_on: dt.date
    checked_on: dt.date
    database_checked: bool
    findings: str
    concerns: bool = Field(description="concerns identified: responded to under "
                                       "child protection procedures (a referral)")


class EducationNotice(_Record):
    """A notice to the council's nominated Education contact (§17; R116)."""

    kind: Literal["education_notice"]
    ground: str = Field(description="lives_near_school, loitering_near_school, "
                                    "connection_with_school, pupil_or_student")
    ground_label: str
    school: str
    contact: str = Field(description="the nominated Education contact told")
    notified_on: dt.date
    said: str = Field(description="what Education was told")
