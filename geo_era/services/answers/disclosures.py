"""Typed answers of the disclosure services (NASSO 3.12, 68, 71; the Dorset MAPPA
procedure §18; Keeping Children Safe).

Two audiences: the Responsible Authorities and the MAPPA coordinator see a decision
whole (:class:`DecisionRecord`, with the subject and the case); Children & Families
social work sees the decisions it recorded itself (:class:`OwnDecision`), which declares
no subject or case field at all: nobody outside the Responsible Authorities learns from
geo_era which subject a disclosure concerns.
"""

from __future__ import annotations

from pydantic import Field

from geo_era.services.answers._base import Answer


class OwnDecision(Answer):
    """A disclosure decision as the social worker who recorded it sees it: everything
    but the subject and the case."""

    reference: str = Field(description="DIS-000042")
    purpose: str = Field(description="disclosure, need_to_know (68) or "
                                     "restriction_wording (3.12)")
    council: str
    recipient_type: str
    recipient: str
    disclose: bool
    content: str | None = Field(description="what is to be disclosed")
    reasons: str | None
    authority: str = Field(description="police or social_work (NASSO 71)")
    child_protection: bool
    meeting_level: int | None = Field(description="the Level 2 or 3 MAPPA meeting")
    meeting_on: str | None
    minutes_reference: str | None
    discloser: str | None = Field(description="who will make the disclosure")
    disclose_at: str | None = Field(description="where")
    disclose_on: str | None = Field(description="when (planned)")
    advice: str | None = Field(description="the advice given on how the information is "
                                           "to be used (Dorset §18)")
    restriction_id: int | None
    property_id: str | None = Field(description="the property under the restriction")
    decided_on: str
    decided_by: str
    agency: str = Field(description="the role that recorded it")
    recorded_at: str
    made_on: str | None = Field(description="when the disclosure was made")
    made_by: str | None
    status: str = Field(description="to disclose, disclosed, or not to disclose")


class DecisionRecord(OwnDecision):
    """A disclosure decision whole, for the Responsible Authorities."""

    subject_id: str
    case_id: str | None


class KcsRecord(Answer):
    """A Keeping Children Safe application."""

    reference: str = Field(description="KCS-000042")
    received_on: str
    online: bool
    relationship: str = Field(description="the applicant's relationship to the child")
    council: str
    subject_id: str | None = Field(description="the subject it concerns, if the named "
                                               "person is one")
    outcome: str | None
    outcome_on: str | None
    notes: str | None
    recorded_by: str
    recorded_at: str


class KcsSummary(Answer):
    """The Keeping Children Safe figures of the MAPPA annual report (9.0) over the
    applications listed."""

    received: int
    online: int
    disclosures_made: int
    concerning_subjects: int = Field(description="applications about a registered "
                                                 "subject")
    awaiting_outcome: int


class DisclosureListing(Answer):
    """Disclosure decisions and Keeping Children Safe applications, newest first, with
    the applications' figures."""

    decisions: list[DecisionRecord]
    applications: list[KcsRecord]
    kcs_summary: KcsSummary


class OwnListing(Answer):
    """The disclosure decisions a social worker recorded, without their subjects."""

    decisions: list[OwnDecision]
