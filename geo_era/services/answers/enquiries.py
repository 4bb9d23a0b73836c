"""Typed answers of the enquiries service (NASSO 5.4, 5.2): one model per audience.

The Responsible Authorities (:data:`geo_era.security.access.RESPONSIBLE_AUTHORITIES`)
get :class:`EnquiryRecord` and :class:`EnquiryLine`, with the outcome and the subjects an
enquiry concerns. Everyone else admitted (the organisation that received it: a
landlord's Link Officer) gets :class:`EnquiryAsRaised` and :class:`EnquiryRaisedLine`,
which declare no outcome, no note of the Responsible Authorities and no subject: what
they raised, where it went and the confirmation given.
"""

from __future__ import annotations

import datetime as dt

from geo_era.services.answers._base import Answer


class EnquiryAsRaised(Answer):
    """An enquiry as the organisation that received it sees it."""

    enquiry_id: str
    received_on: dt.date
    kind: str
    channel: str
    raised_by: str
    contact_reference: str | None
    summary: str
    property_id: str | None
    area: str | None
    council: str
    organisation: str
    risk_to_children: bool
    media_incident: bool
    routed_to: list[str]
    #: whom it was passed to, in words (R96: staff know whom to refer enquiries to)
    refer_to: list[str]
    recorded_by: str
    recorded_at: dt.datetime
    confirmed_on: dt.date | None
    #: the words given to the person raising it, once given (never who or where)
    confirmation: str | None


class EnquiryLink(Answer):
    """A subject an enquiry turned out to concern (the Responsible Authorities' only)."""

    subject_id: str
    note: str | None
    linked_by: str
    linked_at: dt.datetime


class EnquiryRecord(EnquiryAsRaised):
    """An enquiry in full, as the Responsible Authorities see it."""

    landlord: str | None
    outcome: str | None
    outcome_notes: str | None
    outcome_on: dt.date | None
    outcome_by: str | None
    links: list[EnquiryLink]


class EnquiryRaisedLine(Answer):
    """A line of the enquiry list as the organisation that received it sees it: none
    of the text raised."""

    enquiry_id: str
    received_on: dt.date
    kind: str
    channel: str
    raised_by: str
    property_id: str | None
    area: str | None
    council: str
    organisation: str
    risk_to_children: bool
    media_incident: bool
    routed_to: list[str]
    confirmed: bool


class EnquiryLine(EnquiryRaisedLine):
    """A line of the enquiry list as the Responsible Authorities see it."""

    outcome: str | None
    #: how many subjects it is linked to
    linked: int


class Confirmation(Answer):
    """The "passed on" confirmation given to the person raising an enquiry (5.4)."""

    enquiry_id: str
    confirmed_on: dt.date
    confirmation: str
