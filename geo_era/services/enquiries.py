"""Enquiries and concerns (NASSO 5.4, 5.2; R73, R94-R97) as every door uses them.

Each service admits the caller (``enquiry_*`` in :data:`geo_era.security.access.MATRIX`)
and calls :mod:`geo_era.safeguarding.enquiries` with the admitted actor, which writes
the one audit entry in the transaction of what it reads or changes. An enquiry the
caller may not see reads exactly like one that does not exist, and the refusal is
audited (:meth:`geo_era.services.policy.Gate.in_scope`).

The Responsible Authorities get the whole enquiry (:class:`EnquiryRecord`): its outcome
and the subjects it concerns, which they alone record; reading those needs the
justification. A landlord's staff (the matrix's restricted view) get what they raised,
where it went and the confirmation (:class:`EnquiryAsRaised`), never a subject or the
Responsible Authorities' notes.
"""

from __future__ import annotations

import datetime as dt

from geo_era import clock
from geo_era.safeguarding import enquiries as core
from geo_era.services.answers.enquiries import (
    Confirmation,
    EnquiryAsRaised,
    EnquiryLine,
    EnquiryRaisedLine,
    EnquiryRecord,
)
from geo_era.services.context import Services
from geo_era.services.policy import Caller, plain_text

__all__ = ["Raised", "confirm", "link_subject", "list_enquiries", "raised",
           "record_enquiry", "record_outcome", "show_enquiry"]

Raised = core.Raised


def raised(*, kind: str, channel: str, raised_by: str, summary: str,
           received_on: dt.date | None = None, property_id: str | None = None,
           area: str | None = None, council: str | None = None,
           contact_reference: str | None = None, risk_to_children: bool = False,
           media_incident: bool = False, unresolved: bool = False,
           also_to: tuple[str, ...] = ()) -> core.Raised:
    """An enquiry as received, its text made plain (a control character is refused,
    empty text is none), for :func:`record_enquiry`."""
    return core.Raised(
        kind=kind.strip(), channel=channel.strip(), raised_by=raised_by.strip(),
        summary=plain_text(summary, "summary") or "",
        received_on=received_on or clock.today(),
        property_id=plain_text(property_id, "property_id"),
        area=plain_text(area, "area"), council=plain_text(council, "council"),
        contact_reference=plain_text(contact_reference, "contact_reference"),
        risk_to_children=risk_to_children, media_incident=media_incident,
        unresolved=unresolved, also_to=tuple(a.strip() for a in also_to))


def _known_subjects(services: Services) -> frozenset[str] | None:
    if not services.layers.has("subjects"):
        return None
    ids = services.layers.read_attributes("subjects", ["subject_id"])["subject_id"]
    return frozenset(ids.astype(str))


def record_enquiry(services: Services, caller: Caller, enquiry: core.Raised, *,
                   justification: str | None = None,
                   today: dt.date | None = None) -> EnquiryRecord | EnquiryAsRaised:
    """Record an enquiry or concern received by the caller's organisation, passed on as
    :func:`geo_era.safeguarding.enquiries.routing` decides (audited as a disclosure to
    those agencies). Council staff record only their own council's."""
    admitted = services.gate.admit("enquiry_record", caller, justification=justification)
    document = core.record_enquiry(services.layers, services.engine, enquiry,
                                   actor=admitted.actor, today=today)
    if admitted.restricted:
        return EnquiryAsRaised.model_validate(document)
    return EnquiryRecord.model_validate(document)


def list_enquiries(services: Services, caller: Caller, *, justification: str | None = None,
                   media_only: bool = False, open_only: bool = False
                   ) -> list[EnquiryLine] | list[EnquiryRaisedLine]:
    """The enquiries the caller may see, latest first (no text raised), recorded as one
    consultation; ``media_only``: media incidents (5.4); ``open_only``: no outcome yet."""
    admitted = services.gate.admit("enquiry_list", caller, justification=justification)
    with services.gate.in_scope(caller):
        rows = core.list_enquiries(services.engine, actor=admitted.actor,
                                   full=not admitted.restricted, media_only=media_only,
                                   open_only=open_only)
    if admitted.restricted:
        return [EnquiryRaisedLine.model_validate(r) for r in rows]
    return [EnquiryLine.model_validate(r) for r in rows]


def show_enquiry(services: Services, caller: Caller, *, enquiry_id: str,
                 justification: str | None = None) -> EnquiryRecord | EnquiryAsRaised:
    """One enquiry as the caller may see it, recorded as one consultation. The
    Responsible Authorities' whole view (the subjects it concerns) needs the
    justification."""
    admitted = services.gate.admit("enquiry_show", caller, justification=justification,
                                   record_ids=[enquiry_id])
    if not admitted.restricted:
        admitted.require_justification("an enquiry and the subjects it concerns")
    with services.gate.in_scope(caller):
        document = core.show_enquiry(services.engine, enquiry_id, actor=admitted.actor,
                                     full=not admitted.restricted)
    if admitted.restricted:
        return EnquiryAsRaised.model_validate(document)
    return EnquiryRecord.model_validate(document)


def confirm(services: Services, caller: Caller, *, enquiry_id: str,
            given_on: dt.date | None = None, justification: str | None = None,
            today: dt.date | None = None) -> Confirmation:
    """Record that the person raising the enquiry was told it has been passed on, and
    give the words to tell them (NASSO 5.4: never who anyone is or where they live)."""
    admitted = services.gate.admit("enquiry_confirm", caller, justification=justification,
                                   record_ids=[enquiry_id])
    with services.gate.in_scope(caller):
        return Confirmation.model_validate(core.confirm_enquiry(
            services.engine, enquiry_id, actor=admitted.actor, given_on=given_on,
            today=today))


def link_subject(services: Services, caller: Caller, *, enquiry_id: str, subject_id: str,
                 note: str | None = None, justification: str | None = None
                 ) -> EnquiryRecord:
    """Record which subject an enquiry concerns (the Responsible Authorities' only);
    needs the justification, and answers the enquiry in full."""
    admitted = services.gate.admit("enquiry_link", caller, justification=justification,
                                   record_ids=[enquiry_id])
    admitted.require_justification("an enquiry and the subjects it concerns")
    subject = plain_text(subject_id, "subject_id") or ""
    with services.gate.in_scope(caller):
        return EnquiryRecord.model_validate(core.link_subject(
            services.engine, enquiry_id, subject, actor=admitted.actor,
            known_subjects=_known_subjects(services), note=plain_text(note, "note")))


def record_outcome(services: Services, caller: Caller, *, enquiry_id: str, outcome: str,
                   notes: str | None = None, decided_on: dt.date | None = None,
                   justification: str | None = None,
                   today: dt.date | None = None) -> EnquiryRecord:
    """Record the Responsible Authorities' outcome of an enquiry; needs the
    justification, and answers the enquiry in full."""
    admitted = services.gate.admit("enquiry_outcome", caller, justification=justification,
                                   record_ids=[enquiry_id])
    admitted.require_justification("an enquiry and the subjects it concerns")
    with services.gate.in_scope(caller):
        return EnquiryRecord.model_validate(core.record_outcome(
            services.engine, enquiry_id, outcome=outcome.strip(),
            notes=plain_text(notes, "notes"), actor=admitted.actor,
            decided_on=decided_on, today=today))
