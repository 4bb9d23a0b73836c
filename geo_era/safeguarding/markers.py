"""Staff-safety markers on a property or a tenancy (NASSO 69-70, 5.3).

The offender "may pose a risk to people working for, or contracted by, the local
authority or RSL" (69): housing officers, maintenance officers, wardens, concierges,
support staff and repair contractors. With the Responsible Authorities' advice, meetings
are held "in pairs or only meeting in the office", and repairs staff "may be required to
go through the SOLO ... and Link Officers ... to arrange access" (70). A marker records
those instructions (:data:`INSTRUCTIONS`) and, in free text, a practical instruction of
the Responsible Authorities' own words, which an RA officer other than its writer
reviews before anyone outside the Responsible Authorities reads it (5.3: secure
management of information; 71: social landlords never tell of the offences).

A marker belongs to the council the property lies in (``authority``) and names the
property's landlord (the properties layer's ``landlord``) and the contractor firms it is
shared with. It may name the subject it concerns, with the Responsible Authorities'
reason: those two stay with the Responsible Authorities (:func:`marker_document`);
housing staff and contractors get :func:`shared_document`, which holds the property,
the instructions, the reviewed practical text, the dates and "contact the SOLO", and
never the subject, the reason, the offence or who asked.

Dates (whole days, the service's ``today``): a marker is *current* from the day it is
recorded until the day before ``expires_on``; on and after ``expires_on`` it is
*expired*: hidden from housing and contractors, kept for the Responsible Authorities.
On and after ``review_on`` it is *due a review*: listed for its owner (the RA officer
responsible) until a review sets the next date. A marker due a review but not expired is
still shown to housing and contractors: a late review does not withdraw a warning that
keeps staff safe.

Every function that reads or writes a marker records one audit entry with the actor in
the same transaction; the readable reference of a marker is ``SSM-000042``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Select, exists, select
from sqlalchemy.orm import Session, selectinload

from geo_era import clock
from geo_era.db.store import (
    MarkerFirm,
    StaffSafetyMarker,
    WeedingRecord,
    session_scope,
    utcnow,
)
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.security.access import RESPONSIBLE_AUTHORITIES, SCOPED_ROLES
from geo_era.security.audit import Actor
from geo_era.security.users import User

__all__ = ["INSTRUCTIONS", "MAX_FIRMS", "MAX_TEXT", "NOT_FOUND", "PREFIX", "PropertyFacts",
           "add_marker", "contact_advice", "due_for_review", "firm_key", "list_markers",
           "marker_document", "parse_marker_id", "reference", "review_marker",
           "shared_document", "shared_markers", "status_of", "weed_markers"]

#: The instructions a marker may give (NASSO 70), by code, with the words staff see.
INSTRUCTIONS: dict[str, str] = {
    "visit_in_pairs": "Visit in pairs: never visit this home alone.",
    "office_only": "Meet the tenant in the office only, not at the home.",
    "access_through_solo": "Arrange repairs and any access to the home or the tenant "
                           "through the SOLO and the landlord's Link Officer.",
}
#: The readable reference of a marker: ``SSM-`` and six digits.
PREFIX = "SSM-"
#: The most characters of a practical instruction, a reason or a tenancy reference.
MAX_TEXT, MAX_REASON, MAX_TENANCY = 1_000, 4_000, 64
#: The most contractor firms one marker is shared with.
MAX_FIRMS = 20
#: The longest a marker may run before it expires, days (three years): a warning
#: about a person is reviewed and renewed, never left for good.
MAX_DAYS = 3 * 366
#: What a marker the caller may not see reads as: exactly a marker that does not exist.
NOT_FOUND = "staff-safety marker {!r} not found; list markers with 'geo-era marker list'"


class PropertyFacts:
    """What the properties and areas layers say of the property a marker is put on: its
    landlord and the council it lies in (what need to know is decided on)."""

    def __init__(self, property_id: str, *, landlord: str | None,
                 authority: str | None, address: str | None = None) -> None:
        self.property_id = property_id
        self.landlord = landlord
        self.authority = authority
        self.address = address


def reference(number: int) -> str:
    """42 -> ``SSM-000042``."""
    return f"{PREFIX}{number:06d}"


def parse_marker_id(marker_id: str | int) -> int:
    """``SSM-000042``, ``42`` or 42 -> 42."""
    text = str(marker_id).strip().upper().removeprefix(PREFIX)
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 9):
        raise DataError(f"marker id {str(marker_id)[:40]!r} is not a marker reference like "
                        "SSM-000042")
    return int(text)


def firm_key(name: str) -> str:
    """A firm's or landlord's name as it is matched: spaces trimmed, case folded."""
    return " ".join(name.split()).casefold()


def status_of(marker: StaffSafetyMarker, today: dt.date) -> str:
    """``expired`` on and after its expiry date, ``review_due`` on and after its review
    date (not yet expired), otherwise ``current``."""
    if today >= marker.expires_on:
        return "expired"
    return "review_due" if today >= marker.review_on else "current"


def contact_advice(authority: str | None) -> str:
    """What housing staff and contractors are told to do before any visit (70)."""
    council = f" of {authority}" if authority else ""
    return (f"Before any visit or repair, contact the SOLO{council} or your Link Officer, "
            "who will tell you how to arrange it. Do not ask the tenant or anyone else "
            "why this marker is here.")


def _text(value: str | None, what: str, limit: int, *, least: int = 1) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > limit:
        raise DataError(f"the {what} is {len(text):,} characters; write at most {limit:,}")
    if len(text) < least:
        raise DataError(f"the {what} is too short: write at least {least} characters")
    return text


def _instructions(codes: Sequence[str]) -> list[str]:
    unknown = [c for c in codes if c not in INSTRUCTIONS]
    if unknown:
        raise DataError(f"unknown instruction {str(unknown[0])[:40]!r}; use one or more of "
                        f"{', '.join(INSTRUCTIONS)}")
    return [c for c in INSTRUCTIONS if c in codes]


def _firms(names: Sequence[str]) -> list[str]:
    kept: dict[str, str] = {}
    for name in names:
        clean = " ".join(name.split())
        if not clean:
            continue
        if len(clean) > 128:
            raise DataError("a contractor firm's name is at most 128 characters")
        kept.setdefault(firm_key(clean), clean)
    if len(kept) > MAX_FIRMS:
        raise DataError(f"a marker is shared with at most {MAX_FIRMS} contractor firms; "
                        "name the firms that work at this property")
    return list(kept.values())


def _dates(review_on: dt.date, expires_on: dt.date, today: dt.date) -> None:
    if review_on < today:
        raise DataError(f"the review date {review_on} is in the past; give today "
                        f"({today}) or a later date")
    if expires_on <= today:
        raise DataError(f"the expiry date {expires_on} is not after today ({today}): a "
                        "marker that has expired is shown to nobody outside the "
                        "Responsible Authorities")
    if review_on > expires_on:
        raise DataError(f"the review date {review_on} is after the expiry date "
                        f"{expires_on}; review the marker on or before it expires")
    if (expires_on - today).days > MAX_DAYS:
        raise DataError(f"the expiry date {expires_on} is more than {MAX_DAYS} days "
                        "ahead; set a nearer one and renew the marker at its review")


def _owner(session: Session, owner: str, authority: str | None) -> str:
    """``owner`` if it names an active Responsible Authority officer who may see the
    marker (council staff of the marker's council); a clear refusal otherwise."""
    name = owner.strip()
    user = session.scalar(select(User).where(User.username == name))
    if user is None or not user.active or user.role not in RESPONSIBLE_AUTHORITIES:
        raise DataError(f"the owner {name[:64]!r} is not an active Responsible Authority "
                        "officer (police OMU, CJSW, SOLO or the MAPPA coordinator); name "
                        "the officer responsible for this marker")
    if user.role in SCOPED_ROLES and user.organisation != authority:
        raise DataError(f"the owner {name[:64]!r} works for another council and could "
                        "not see this marker; name an officer of "
                        f"{authority or 'the council the property lies in'}")
    return name


def add_marker(engine: Engine, facts: PropertyFacts, *, instructions: Sequence[str],
               practical_text: str | None, owner: str, review_on: dt.date,
               expires_on: dt.date, actor: Actor, firms: Sequence[str] = (),
               tenancy_reference: str | None = None, subject_id: str | None = None,
               reason: str | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """Record a staff-safety marker on ``facts``' property (and the tenancy named, if
    any); one audit ``collection`` naming it (and the subject, when one is linked).

    At least one instruction or a practical text; the text waits for another RA
    officer's review before housing staff or contractors see it. A council officer
    (``actor.scope``) records only on a property of their own council.

    Raises
    ------
    DataError
        No instruction and no text, an unknown instruction, dates out of order, texts
        too long, too many firms; nothing is written.
    WorkflowRefusedError
        The property lies outside the council officer's council.
    """
    today = today or clock.today()
    codes = _instructions(instructions)
    text = _text(practical_text, "practical instruction", MAX_TEXT)
    if not codes and text is None:
        raise DataError("a marker gives at least one instruction (visit_in_pairs, "
                        "office_only, access_through_solo) or a practical instruction")
    _dates(review_on, expires_on, today)
    named = _firms(firms)
    if actor.scope is not None and facts.authority != actor.scope:
        raise WorkflowRefusedError(f"you may record markers only on properties in "
                                   f"{actor.scope}")
    marker = StaffSafetyMarker(
        property_id=facts.property_id, landlord=facts.landlord, authority=facts.authority,
        landlord_key=firm_key(facts.landlord) if facts.landlord else None,
        tenancy_reference=_text(tenancy_reference, "tenancy reference", MAX_TENANCY),
        instructions=codes, practical_text=text, owner=owner,
        subject_id=_text(subject_id, "subject id", 64),
        reason=_text(reason, "reason", MAX_REASON), review_on=review_on,
        expires_on=expires_on, recorded_by=actor.username,
        firms=[MarkerFirm(firm=f, firm_key=firm_key(f)) for f in named])
    with session_scope(engine) as session:
        marker.owner = _owner(session, owner, facts.authority)
        session.add(marker)
        session.flush()
        _audit(session, actor, "collection", [marker])
        return marker_document(marker, today)


def _audit(session: Session, actor: Actor, operation: str,
           markers: Sequence[StaffSafetyMarker], *, asked: Sequence[str] = (),
           subjects: bool = True) -> None:
    """One audit entry naming the markers (and, for the Responsible Authorities, the
    subjects linked) and any property asked about."""
    ids = [reference(m.id) for m in markers]
    if subjects:
        ids += sorted({m.subject_id for m in markers if m.subject_id})
    actor.record(session, operation=operation, record_type="staff_safety_marker",
                 record_ids=[*asked, *ids])


def _load(session: Session, marker_id: str | int, actor: Actor) -> StaffSafetyMarker:
    number = parse_marker_id(marker_id)
    marker = session.scalar(select(StaffSafetyMarker).where(StaffSafetyMarker.id == number)
                            .options(selectinload(StaffSafetyMarker.firms)))
    message = NOT_FOUND.format(str(marker_id)[:40])
    if marker is None:
        raise NotFoundError(message)
    if actor.scope is not None and marker.authority != actor.scope:
        raise OutOfScopeError(message, record_type="staff_safety_marker",
                              record_ids=[reference(marker.id)])
    return marker


def review_marker(engine: Engine, marker_id: str | int, *, actor: Actor,
                  approve_text: bool = False, review_on: dt.date | None = None,
                  expires_on: dt.date | None = None, owner: str | None = None,
                  today: dt.date | None = None) -> dict[str, Any]:
    """Review a marker: approve its practical text for housing staff and contractors
    (``approve_text``; by an RA officer other than the one who recorded it, and
    recorded with who and when), and/or set its next review date, its expiry date (today
    or later: today ends it) and its owner. One audit ``alteration``.

    Raises
    ------
    DataError
        Nothing to change, dates out of order, no text to approve.
    WorkflowRefusedError
        Approving one's own text, or text already approved.
    NotFoundError
        An unknown marker, or one of another council (read alike; audited by the
        services as denied).
    """
    today = today or clock.today()
    if not approve_text and review_on is None and expires_on is None and owner is None:
        raise DataError("a review approves the practical text or sets a review date, an "
                        "expiry date or an owner: give at least one")
    with session_scope(engine) as session:
        marker = _load(session, marker_id, actor)
        if approve_text:
            _approve(marker, actor)
        new_review = review_on or marker.review_on
        new_expiry = expires_on or marker.expires_on
        if review_on is not None or expires_on is not None:
            _renewal(new_review, new_expiry, today)
        marker.review_on, marker.expires_on = new_review, new_expiry
        if owner is not None:
            marker.owner = _owner(session, owner, marker.authority)
        marker.last_reviewed_by, marker.last_reviewed_at = actor.username, utcnow()
        _audit(session, actor, "alteration", [marker])
        session.flush()
        return marker_document(marker, today)


def _approve(marker: StaffSafetyMarker, actor: Actor) -> None:
    if marker.practical_text is None:
        raise DataError("this marker has no practical instruction to approve")
    if marker.text_reviewed_by is not None:
        raise WorkflowRefusedError(f"the practical instruction was approved by "
                                   f"{marker.text_reviewed_by} already")
    if marker.recorded_by == actor.username:
        raise WorkflowRefusedError("another Responsible Authority officer reviews the "
                                   "practical instruction: you wrote it")
    marker.text_reviewed_by, marker.text_reviewed_at = actor.username, utcnow()


def _renewal(review_on: dt.date, expires_on: dt.date, today: dt.date) -> None:
    """A review's dates: the expiry today or later (today ends the marker), the review
    date on or before it."""
    if expires_on < today:
        raise DataError(f"the expiry date {expires_on} is in the past; give today "
                        f"({today}) to end the marker now, or a later date")
    if review_on > expires_on:
        raise DataError(f"the review date {review_on} is after the expiry date "
                        f"{expires_on}; review the marker on or before it expires")
    if expires_on > today and review_on < today:
        raise DataError(f"the next review date {review_on} is in the past; give today "
                        f"({today}) or a later date")
    if (expires_on - today).days > MAX_DAYS:
        raise DataError(f"the expiry date {expires_on} is more than {MAX_DAYS} days "
                        "ahead; set a nearer one and renew the marker at its review")


def _query(actor: Actor) -> Select[StaffSafetyMarker]:
    query = select(StaffSafetyMarker).options(selectinload(StaffSafetyMarker.firms)) \
        .order_by(StaffSafetyMarker.id)
    if actor.scope is not None:
        query = query.where(StaffSafetyMarker.authority == actor.scope)
    return query


def list_markers(engine: Engine, *, actor: Actor, property_id: str | None = None,
                 include_expired: bool = False, today: dt.date | None = None
                 ) -> list[dict[str, Any]]:
    """The markers as the Responsible Authorities see them (:func:`marker_document`):
    of the actor's council when confined; of one property when named; expired ones only
    with ``include_expired``. One audit ``consultation`` naming them and their
    subjects."""
    today = today or clock.today()
    query = _query(actor)
    if property_id is not None:
        query = query.where(StaffSafetyMarker.property_id == property_id)
    if not include_expired:
        query = query.where(StaffSafetyMarker.expires_on > today)
    with session_scope(engine) as session:
        markers = list(session.scalars(query))
        _audit(session, actor, "consultation", markers,
               asked=[property_id] if property_id else [])
        return [marker_document(m, today) for m in markers]


def due_for_review(engine: Engine, *, actor: Actor, today: dt.date | None = None
                   ) -> list[dict[str, Any]]:
    """The actor's own markers (they are the owner) on or past their review date and
    not expired, earliest first: their start page list. One audit ``consultation``."""
    today = today or clock.today()
    query = _query(actor).where(StaffSafetyMarker.owner == actor.username,
                                StaffSafetyMarker.review_on <= today,
                                StaffSafetyMarker.expires_on > today)
    with session_scope(engine) as session:
        markers = sorted(session.scalars(query), key=lambda m: (m.review_on, m.id))
        _audit(session, actor, "consultation", markers)
        return [marker_document(m, today) for m in markers]


def shared_markers(engine: Engine, *, actor: Actor, landlord: str | None = None,
                   firm: str | None = None, property_id: str | None = None,
                   today: dt.date | None = None) -> list[dict[str, Any]]:
    """The current markers as housing staff or a contractor may see them
    (:func:`shared_document`): those on ``landlord``'s properties (a Link Officer's
    organisation), or shared with ``firm`` (a contractor's), of one property when named.
    Any other marker, expired or not theirs, is simply absent: a property without a
    marker reads exactly as one whose marker they may not see. One audit
    ``consultation`` naming the property asked about and the markers shown (never a
    subject)."""
    today = today or clock.today()
    if (landlord is None) == (firm is None):
        raise DataError("name exactly one of a landlord or a contractor firm")
    query = select(StaffSafetyMarker).options(selectinload(StaffSafetyMarker.firms)) \
        .where(StaffSafetyMarker.expires_on > today).order_by(StaffSafetyMarker.id)
    if landlord is not None:
        query = query.where(StaffSafetyMarker.landlord_key == firm_key(landlord))
    else:
        assert firm is not None
        query = query.where(exists().where(MarkerFirm.marker_id == StaffSafetyMarker.id,
                                           MarkerFirm.firm_key == firm_key(firm)))
    if property_id is not None:
        query = query.where(StaffSafetyMarker.property_id == property_id)
    with session_scope(engine) as session:
        markers = list(session.scalars(query))
        _audit(session, actor, "consultation", markers,
               asked=[property_id] if property_id else [], subjects=False)
        return [shared_document(m, today, for_landlord=landlord is not None)
                for m in markers]


def _instruction_lines(marker: StaffSafetyMarker) -> list[dict[str, str]]:
    return [{"code": c, "text": INSTRUCTIONS[c]} for c in marker.instructions
            if c in INSTRUCTIONS]


def marker_document(marker: StaffSafetyMarker, today: dt.date) -> dict[str, Any]:
    """A marker as the Responsible Authorities see it: everything, with its status."""
    return {
        "marker_id": reference(marker.id), "property_id": marker.property_id,
        "tenancy_reference": marker.tenancy_reference, "landlord": marker.landlord,
        "authority": marker.authority, "instructions": _instruction_lines(marker),
        "practical_text": marker.practical_text,
        "text_reviewed_by": marker.text_reviewed_by,
        "text_reviewed_at": marker.text_reviewed_at,
        "subject_id": marker.subject_id, "reason": marker.reason, "owner": marker.owner,
        "review_on": marker.review_on, "expires_on": marker.expires_on,
        "status": status_of(marker, today), "firms": [f.firm for f in marker.firms],
        "last_reviewed_by": marker.last_reviewed_by,
        "last_reviewed_at": marker.last_reviewed_at,
        "recorded_by": marker.recorded_by, "recorded_at": marker.recorded_at,
        "contact": contact_advice(marker.authority),
    }


def shared_document(marker: StaffSafetyMarker, today: dt.date, *,
                    for_landlord: bool) -> dict[str, Any]:
    """A marker as housing staff (``for_landlord``) or a contractor see it: the
    property, the instructions, the practical text once an RA officer has reviewed it,
    the dates and whom to contact; the landlord's own tenancy reference for housing
    staff. Never the subject, the reason, the owner, who recorded or reviewed it, nor
    the other firms it is shared with."""
    reviewed = marker.text_reviewed_by is not None
    return {
        "marker_id": reference(marker.id), "property_id": marker.property_id,
        "tenancy_reference": marker.tenancy_reference if for_landlord else None,
        "instructions": _instruction_lines(marker),
        "practical_text": marker.practical_text if reviewed else None,
        "review_on": marker.review_on, "expires_on": marker.expires_on,
        "status": status_of(marker, today),
        "contact": contact_advice(marker.authority),
    }


def weed_markers(engine: Engine, *, retention_days: int, actor: Actor,
                 today: dt.date | None = None) -> dict[str, Any]:
    """Delete the markers that expired more than ``retention_days`` days ago (their
    expiry date before the cutoff), with their firms; one ``erasure`` audit entry naming
    them (when any) and one weeding-log line of the count, never the content. A marker
    not yet expired is never weeded."""
    if retention_days < 0:
        raise DataError("retention for markers cannot be negative")
    today = today or clock.today()
    cutoff = today - dt.timedelta(days=retention_days)
    with session_scope(engine) as session:
        doomed = list(session.scalars(select(StaffSafetyMarker).where(
            StaffSafetyMarker.expires_on < cutoff, StaffSafetyMarker.expires_on <= today)))
        for marker in doomed:
            session.delete(marker)
        if doomed:
            actor.record(session, operation="erasure", record_type="markers",
                         record_ids=[reference(m.id) for m in doomed])
        session.add(WeedingRecord(record_type="markers", count=len(doomed),
                                  retention_days=retention_days, cutoff=cutoff))
    return {"record_type": "markers", "weeded": len(doomed),
            "retention_days": retention_days, "cutoff": cutoff.isoformat()}
