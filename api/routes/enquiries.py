"""Routes for enquiries and concerns (NASSO 5.4, 5.2): recorded and passed on by a
council's SOLO or a landlord's Link Officer, confirmed to the person raising them, and
linked to a subject and closed with an outcome by the Responsible Authorities. Every
reference and text travels in a POST body, never in a URL."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from geo_era.safeguarding.enquiries import (
    MAX_AREA,
    MAX_CONTACT,
    MAX_NOTE,
    MAX_SUMMARY,
    MIN_SUMMARY,
)
from geo_era.services import enquiries
from geo_era.services.answers.enquiries import (
    Confirmation,
    EnquiryAsRaised,
    EnquiryLine,
    EnquiryRaisedLine,
    EnquiryRecord,
)

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, PLAIN_TEXT, Id, Strict, long_text

router = APIRouter(prefix=PREFIX)

Kind = Literal["general_enquiry", "housing_enquiry", "concern"]
Channel = Literal["phone", "email", "letter", "in_person", "online", "other"]
RaisedBy = Literal["tenant", "public", "media", "elected_member", "staff", "other"]
Route = Literal["police", "social_work", "solo", "responsible_authorities", "policies"]
Outcome = Literal["no_further_action", "advice_given", "investigated", "action_taken",
                  "referred_on"]
EnquiryId = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$",
                  description="An enquiry reference like ENQ-000042")
OptionalJustification = Field(default=None, max_length=1_000, pattern=PLAIN_TEXT)


class RecordEnquiry(Strict):
    kind: Kind = Field(description="general_enquiry (answered with the published "
                                   "policies), housing_enquiry (relating to a sex "
                                   "offender: to the SOLO, 5.2) or concern (5.4)")
    channel: Channel
    raised_by: RaisedBy = Field(description="What kind of person raised it; never a name")
    summary: str = Field(min_length=MIN_SUMMARY, max_length=MAX_SUMMARY,
                         pattern=long_text(MIN_SUMMARY),
                         description="What was raised (what, not who)")
    received_on: dt.date | None = Field(default=None, description="Default: today")
    property_id: str | None = Field(default=None, min_length=1, max_length=64,
                                    pattern=r"^[A-Za-z0-9_.:/-]+$")
    area: str | None = Field(default=None, max_length=MAX_AREA, pattern=PLAIN_TEXT)
    council: str | None = Field(default=None, max_length=128, pattern=PLAIN_TEXT,
                                description="The council whose area it concerns, when "
                                            "no property is named")
    contact_reference: str | None = Field(default=None, max_length=MAX_CONTACT,
                                          pattern=PLAIN_TEXT,
                                          description="How to reply to the person "
                                                      "raising it, optional")
    risk_to_children: bool = False
    media_incident: bool = Field(default=False, description="A tenant is involved in an "
                                                            "incident reported in the media")
    unresolved: bool = Field(default=False, description="A general enquiry the published "
                                                        "policies did not resolve")
    also_to: list[Route] = Field(default_factory=list, max_length=5)
    justification: str | None = OptionalJustification


class EnquiryList(Strict):
    media_only: bool = False
    open_only: bool = False
    justification: str | None = OptionalJustification


class EnquiryRef(Strict):
    enquiry_id: str = EnquiryId
    justification: str | None = OptionalJustification


class Confirm(Strict):
    enquiry_id: str = EnquiryId
    given_on: dt.date | None = Field(default=None, description="Default: today")


class Link(Strict):
    enquiry_id: str = EnquiryId
    subject_id: str = Id
    note: str | None = Field(default=None, max_length=MAX_NOTE, pattern=PLAIN_TEXT)
    justification: str = JUSTIFICATION


class RecordOutcome(Strict):
    enquiry_id: str = EnquiryId
    outcome: Outcome
    notes: str | None = Field(default=None, max_length=MAX_NOTE, pattern=PLAIN_TEXT)
    decided_on: dt.date | None = Field(default=None, description="Default: today")
    justification: str = JUSTIFICATION


@router.post("/enquiries/record", tags=["enquiries"],
             response_model=EnquiryRecord | EnquiryAsRaised)
def record_route(body: RecordEnquiry, identity: Who, app: App
                 ) -> EnquiryRecord | EnquiryAsRaised:
    """Record an enquiry or concern and pass it on (NASSO 5.4, 5.2): a concern to the
    police, a possible risk to children to social work, a housing enquiry to the SOLO,
    anything from or about the media to the Responsible Authorities."""
    raised = enquiries.raised(
        kind=body.kind, channel=body.channel, raised_by=body.raised_by,
        summary=body.summary, received_on=body.received_on, property_id=body.property_id,
        area=body.area, council=body.council, contact_reference=body.contact_reference,
        risk_to_children=body.risk_to_children, media_incident=body.media_incident,
        unresolved=body.unresolved, also_to=tuple(body.also_to))
    return enquiries.record_enquiry(app, caller_of(identity), raised,
                                    justification=body.justification)


@router.post("/enquiries/list", tags=["enquiries"],
             response_model=list[EnquiryLine] | list[EnquiryRaisedLine])
def list_route(body: EnquiryList, identity: Who, app: App
               ) -> list[EnquiryLine] | list[EnquiryRaisedLine]:
    """The enquiries the caller may see, latest first, without the text raised."""
    return enquiries.list_enquiries(app, caller_of(identity),
                                    justification=body.justification,
                                    media_only=body.media_only, open_only=body.open_only)


@router.post("/enquiries/show", tags=["enquiries"],
             response_model=EnquiryRecord | EnquiryAsRaised)
def show_route(body: EnquiryRef, identity: Who, app: App
               ) -> EnquiryRecord | EnquiryAsRaised:
    """One enquiry as the caller may see it (the Responsible Authorities: with its
    outcome and subjects, given a justification)."""
    return enquiries.show_enquiry(app, caller_of(identity), enquiry_id=body.enquiry_id,
                                  justification=body.justification)


@router.post("/enquiries/confirm", tags=["enquiries"], response_model=Confirmation)
def confirm_route(body: Confirm, identity: Who, app: App) -> Confirmation:
    """Record that the person raising it was told it has been passed on; the words to
    tell them, which never say who anyone is or where they live (5.4)."""
    return enquiries.confirm(app, caller_of(identity), enquiry_id=body.enquiry_id,
                             given_on=body.given_on)


@router.post("/enquiries/link", tags=["enquiries"], response_model=EnquiryRecord)
def link_route(body: Link, identity: Who, app: App) -> EnquiryRecord:
    """Record which subject an enquiry concerns (the Responsible Authorities' only)."""
    return enquiries.link_subject(app, caller_of(identity), enquiry_id=body.enquiry_id,
                                  subject_id=body.subject_id, note=body.note,
                                  justification=body.justification)


@router.post("/enquiries/outcome", tags=["enquiries"], response_model=EnquiryRecord)
def outcome_route(body: RecordOutcome, identity: Who, app: App) -> EnquiryRecord:
    """Record the Responsible Authorities' outcome of an enquiry."""
    return enquiries.record_outcome(app, caller_of(identity), enquiry_id=body.enquiry_id,
                                    outcome=body.outcome, notes=body.notes,
                                    decided_on=body.decided_on,
                                    justification=body.justification)
