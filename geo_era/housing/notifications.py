"""Landlord notifications (NASSO 5.3): what a landlord's Link Officer tells the SOLO
about a tenancy they manage, and what the Responsible Authorities do with it.

5.3 asks the Link Officer to "keep the SOLO advised of any proposed house moves ... any
information which comes to light about the offender which may affect community safety
... applications for housing made directly to the RSL ... tenancy issues or disputes and
potential legal action/or proceedings for possession/tenancy complaints". Each is a
:class:`~geo_era.db.store.LandlordNotification` (reference ``LN-000042``) of one of
:data:`KINDS`, about one property of the landlord's, with the date, the details and the
landlord's own tenancy or application reference.

Who sees what is decided on the record itself (the services apply it,
:mod:`geo_era.services.notices`):

- the landlord's Link Officers see their organisation's notifications and their status
  (:func:`landlord_view`: sent, received by the SOLO, acted on), never the subject it was
  linked to, the review opened from it or any note of the Responsible Authorities;
- the SOLO of the council the property lies in (``authority``), the police and the
  MAPPA coordinator see them all (:func:`authority_view`), new and unlinked first; they
  link one to a subject (:func:`link`) and open a review (3.4) from it
  (:func:`mark_review`, after the case is opened by the casework services);
- once the linked subject has an open case, its lead agency sees the notification too
  (criminal justice social work, for its council: ``lead_agency``).

Possession proceedings and tenancy disputes are where a tenancy may no longer be
manageable (5.3: "clear arrangements ... to deal with situations where a property is no
longer manageable"): :data:`NO_LONGER_MANAGEABLE`, flagged on every view.

Every function writes its one audit entry (``record_type`` ``landlord_notification``)
in the transaction of what it reads or changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Engine, exists, select, update
from sqlalchemy.orm import Session

from geo_era import clock
from geo_era.db.store import (
    Case,
    LandlordNotification,
    WeedingRecord,
    session_scope,
    utcnow,
)
from geo_era.errors import DataError, OutOfScopeError, WorkflowRefusedError
from geo_era.security.audit import Actor

#: What a Link Officer may tell the SOLO (5.3), in their words.
KINDS: dict[str, str] = {
    "proposed_move": "a proposed house move",
    "direct_application": "a direct application for housing",
    "tenancy_dispute": "a tenancy issue or dispute",
    "tenancy_complaint": "a tenancy complaint",
    "possession": "potential legal action or proceedings for possession",
    "other_information": "other information that has come to light",
}
#: Kinds where the tenancy may no longer be manageable (5.3): the SOLO and the
#: Responsible Authorities decide whether the arrangements for it must change.
NO_LONGER_MANAGEABLE = frozenset({"tenancy_dispute", "possession"})
#: Kinds whose date may lie ahead (a move planned, a hearing set), up to a year.
MAY_BE_AHEAD = frozenset({"proposed_move", "possession"})
#: The earliest date a notification may speak of.
EARLIEST = dt.date(2000, 1, 1)
#: Details: the fewest and the most characters.
MIN_DETAILS, MAX_DETAILS = 10, 4_000
#: The landlord's own reference: the most characters.
MAX_REFERENCE = 64
#: The audit trail's name for these records.
RECORD_TYPE = "landlord_notification"
#: What a reference the caller may not see reads as (the same as one that does not
#: exist).
NOT_FOUND = ("landlord notification {ref!r} not found; list the notifications you may "
             "see with 'geo-era notices list'")


def parse_reference(reference: str | int) -> int:
    """``LN-000042``, ``42`` or 42 -> 42."""
    text = str(reference).strip().upper().removeprefix("LN-")
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 9):
        raise DataError(f"{reference!r} is not a notification reference like LN-000042")
    return int(text)


def _text(value: str | None, what: str, *, least: int, most: int,
          one_line: bool = False) -> str:
    text = (value or "").strip()
    if len(text) < least:
        raise DataError(f"the {what} is needed: at least {least} character"
                        f"{'s' if least != 1 else ''}")
    if len(text) > most:
        raise DataError(f"the {what} is {len(text)} characters long; keep it to {most}")
    if one_line and any(c in text for c in "\r\n"):
        raise DataError(f"the {what} is one line; remove the line breaks")
    return text


def check_notice(*, kind: str, occurred_on: dt.date, details: str,
                 landlord_reference: str, today: dt.date | None = None
                 ) -> tuple[str, str]:
    """The details and reference as they would be recorded, or the refusal saying which
    field is wrong and how to put it right. Reads and writes nothing."""
    if kind not in KINDS:
        raise DataError(f"unknown kind of notification {kind!r}; use one of "
                        f"{', '.join(KINDS)}")
    today = today or clock.today()
    latest = today + dt.timedelta(days=366) if kind in MAY_BE_AHEAD else today
    if occurred_on < EARLIEST:
        raise DataError(f"the date {occurred_on.isoformat()} is before "
                        f"{EARLIEST.isoformat()}; give the date it happened")
    if occurred_on > latest:
        raise DataError(
            f"the date {occurred_on.isoformat()} is in the future; only a proposed move "
            "or possession proceedings may have a date ahead, up to a year"
            if kind in MAY_BE_AHEAD else
            f"the date {occurred_on.isoformat()} is in the future; give the date it "
            "happened (only a proposed move or a possession hearing may lie ahead)")
    return (_text(details, "details", least=MIN_DETAILS, most=MAX_DETAILS),
            _text(landlord_reference, "landlord's tenancy or application reference",
                  least=1, most=MAX_REFERENCE, one_line=True))


def record_notice(engine: Engine, *, property_id: str, landlord: str, authority: str | None,
                  kind: str, occurred_on: dt.date, details: str, landlord_reference: str,
                  actor: Actor, today: dt.date | None = None) -> dict[str, Any]:
    """Record a notification about ``property_id`` of ``landlord``, which lies in
    ``authority`` (the services have checked that the caller's organisation is its
    landlord); recorded as one collection. The landlord's view of it."""
    text, reference = check_notice(kind=kind, occurred_on=occurred_on, details=details,
                                   landlord_reference=landlord_reference, today=today)
    with session_scope(engine) as session:
        notice = LandlordNotification(
            property_id=property_id, landlord=landlord, authority=authority, kind=kind,
            occurred_on=occurred_on, details=text, landlord_reference=reference,
            recorded_by=actor.username)
        session.add(notice)
        session.flush()
        actor.record(session, operation="collection", record_type=RECORD_TYPE,
                     record_ids=[notice.reference])
        return landlord_view(notice)


def _status(notice: LandlordNotification) -> str:
    """What the landlord is told of what became of it."""
    if notice.subject_id is not None or notice.case_reference is not None:
        return "acted on"
    if notice.received_at is not None:
        return ("received by the SOLO" if notice.received_role == "solo" else
                "received by the Responsible Authorities")
    return "sent to the SOLO"


def landlord_view(notice: LandlordNotification) -> dict[str, Any]:
    """What the landlord's Link Officers see: what they told, and its status; nothing of
    the subject, the review or the Responsible Authorities' note."""
    return {"reference": notice.reference, "property_id": notice.property_id,
            "landlord": notice.landlord, "kind": notice.kind, "kind_label": KINDS[notice.kind],
            "occurred_on": notice.occurred_on, "details": notice.details,
            "landlord_reference": notice.landlord_reference,
            "recorded_by": notice.recorded_by, "recorded_at": notice.recorded_at,
            "may_be_unmanageable": notice.kind in NO_LONGER_MANAGEABLE,
            "status": _status(notice)}


def authority_view(notice: LandlordNotification) -> dict[str, Any]:
    """What the Responsible Authorities see: the whole record."""
    if notice.case_reference is not None:
        state = f"review opened: {notice.case_reference}"
    elif notice.subject_id is not None:
        state = "linked"
    else:
        state = "received" if notice.received_at is not None else "new"
    return {**landlord_view(notice), "authority": notice.authority, "state": state,
            "received_by": notice.received_by, "received_at": notice.received_at,
            "subject_id": notice.subject_id, "linked_by": notice.linked_by,
            "linked_at": notice.linked_at, "note": notice.note,
            "case_id": notice.case_reference,
            "review_opened_by": notice.review_opened_by,
            "review_opened_at": notice.review_opened_at}


def _led_by(lead_agency: str) -> ColumnElement[bool]:
    """Notifications whose subject has an open case led by ``lead_agency``."""
    return exists().where(Case.subject_id == LandlordNotification.subject_id,
                          Case.status == "open", Case.lead_agency == lead_agency)


def _visible(actor: Actor, lead_agency: str | None) -> list[ColumnElement[bool]]:
    """The conditions confining ``actor`` to the notifications they may see: council
    staff to their council's, a lead agency to those of the subjects it leads a case
    for."""
    where: list[ColumnElement[bool]] = []
    if actor.scope is not None:
        where.append(LandlordNotification.authority == actor.scope)
    if lead_agency is not None:
        where.append(_led_by(lead_agency))
    return where


def _order(notices: Sequence[LandlordNotification]) -> list[LandlordNotification]:
    """New and unlinked first, then the rest; the latest recorded first in each."""
    return sorted(notices, key=lambda n: (n.subject_id is not None or
                                          n.case_reference is not None,
                                          -n.id))


def landlord_notices(engine: Engine, landlord: str, *, actor: Actor,
                     limit: int = 500) -> list[dict[str, Any]]:
    """``landlord``'s notifications (its name case and spaces aside), the latest first,
    as the landlord sees them; recorded as one consultation of those listed."""
    key = landlord.strip().casefold()
    with session_scope(engine) as session:
        found = [n for n in session.scalars(select(LandlordNotification).order_by(
                 LandlordNotification.id.desc())) if n.landlord.strip().casefold() == key]
        found = found[:limit]
        actor.record(session, operation="consultation", record_type=RECORD_TYPE,
                     record_ids=[n.reference for n in found])
        return [landlord_view(n) for n in found]


def authority_notices(engine: Engine, *, actor: Actor, lead_agency: str | None = None,
                      limit: int = 500) -> list[dict[str, Any]]:
    """The notifications ``actor`` may see (:func:`_visible`), new and unlinked first;
    recorded as one consultation of those listed (and of the subjects they are linked
    to)."""
    with session_scope(engine) as session:
        found = _order(session.scalars(select(LandlordNotification).where(
            *_visible(actor, lead_agency))).all())[:limit]
        ids = [n.reference for n in found]
        subjects = sorted({n.subject_id for n in found if n.subject_id})
        actor.record(session, operation="consultation", record_type=RECORD_TYPE,
                     record_ids=ids + subjects)
        return [authority_view(n) for n in found]


def _load(session: Session, reference: str | int, actor: Actor,
          lead_agency: str | None = None) -> LandlordNotification:
    """The notification, or a refusal that reads the same whether it does not exist or
    lies outside what ``actor`` may see (:class:`OutOfScopeError`, audited by the
    services)."""
    number = parse_reference(reference)
    notice = session.scalars(select(LandlordNotification).where(
        LandlordNotification.id == number, *_visible(actor, lead_agency))).first()
    if notice is None:
        raise OutOfScopeError(NOT_FOUND.format(ref=str(reference)),
                              record_type=RECORD_TYPE, record_ids=[str(reference)])
    return notice


def show_notice(engine: Engine, reference: str | int, *, actor: Actor,
                lead_agency: str | None = None, receive: bool = False) -> dict[str, Any]:
    """One notification as the Responsible Authorities see it; with ``receive`` (the
    SOLO, the police or the coordinator reading it) the first reading is recorded as
    its receipt, which the landlord is told. Recorded as one consultation."""
    with session_scope(engine) as session:
        notice = _load(session, reference, actor, lead_agency)
        if receive and notice.received_at is None:
            notice.received_at = utcnow()
            notice.received_by = actor.username
            notice.received_role = actor.role
        actor.record(session, operation="consultation", record_type=RECORD_TYPE,
                     record_ids=[notice.reference, *([notice.subject_id]
                                                     if notice.subject_id else [])])
        return authority_view(notice)


def link(engine: Engine, reference: str | int, *, subject_id: str, note: str | None,
         actor: Actor) -> dict[str, Any]:
    """Link the notification to ``subject_id`` (a subject the services found), with the
    Responsible Authorities' ``note``; a link may be changed until a review is opened
    from it. Linking counts as receiving it. Recorded as one combination of the
    notification and the subject."""
    text = (note or "").strip() or None
    if text is not None and len(text) > MAX_DETAILS:
        raise DataError(f"the note is {len(text)} characters long; keep it to "
                        f"{MAX_DETAILS}")
    with session_scope(engine) as session:
        notice = _load(session, reference, actor)
        if notice.case_reference is not None:
            raise WorkflowRefusedError(
                f"a review was opened from {notice.reference} ({notice.case_reference}); "
                "its subject can no longer be changed")
        notice.subject_id = subject_id
        notice.linked_by = actor.username
        notice.linked_at = utcnow()
        notice.note = text if text is not None else notice.note
        if notice.received_at is None:
            notice.received_at, notice.received_by = notice.linked_at, actor.username
            notice.received_role = actor.role
        actor.record(session, operation="combination", record_type=RECORD_TYPE,
                     record_ids=[notice.reference, subject_id])
        return authority_view(notice)


def review_subject(engine: Engine, reference: str | int, *, actor: Actor) -> str:
    """The subject a review would be opened for; refused when the notification is not
    linked, or a review was opened from it already. Reads only (the refusal of a
    notification ``actor`` may not see is audited by the services)."""
    with session_scope(engine) as session:
        notice = _load(session, reference, actor)
        if notice.case_reference is not None:
            raise WorkflowRefusedError(f"a review was opened from {notice.reference} "
                                       f"already: {notice.case_reference}")
        if notice.subject_id is None:
            raise WorkflowRefusedError(f"link {notice.reference} to a subject before "
                                       "opening a review from it")
        return notice.subject_id


def mark_review(engine: Engine, reference: str | int, *, case_id: int,
                case_reference: str, actor: Actor) -> dict[str, Any]:
    """Record that a review (3.4) was opened from the notification as ``case_reference``:
    recorded as one alteration of the notification and the case. Refused (nothing
    changed) when another review was recorded from it meanwhile."""
    with session_scope(engine) as session:
        notice = _load(session, reference, actor)
        done = session.execute(
            update(LandlordNotification)
            .where(LandlordNotification.id == notice.id,
                   LandlordNotification.case_reference.is_(None))
            .values(case_id=case_id, case_reference=case_reference,
                    review_opened_by=actor.username, review_opened_at=utcnow())
            .execution_options(synchronize_session=False))
        if not getattr(done, "rowcount", 0):
            raise WorkflowRefusedError(f"a review was opened from {notice.reference} "
                                       "meanwhile; open it from the notification")
        session.refresh(notice)
        actor.record(session, operation="alteration", record_type=RECORD_TYPE,
                     record_ids=[notice.reference, case_reference])
        return authority_view(notice)


def weed(engine: Engine, *, retention_days: int, actor: Actor,
         today: dt.date | None = None) -> dict[str, Any]:
    """Delete the notifications recorded more than ``retention_days`` days before
    ``today``, except one whose review (its case) is still open; the count is kept
    (:class:`~geo_era.db.store.WeedingRecord`), not the content, and the references
    erased are recorded as one erasure. The report line of
    :func:`geo_era.casework.reviews.weed`."""
    if retention_days < 0:
        raise DataError("retention for notifications cannot be negative")
    today = today or clock.today()
    cutoff = today - dt.timedelta(days=retention_days)
    cutoff_at = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
    open_review = exists().where(Case.id == LandlordNotification.case_id,
                                 Case.status == "open")
    with session_scope(engine) as session:
        doomed = list(session.scalars(select(LandlordNotification).where(
            LandlordNotification.recorded_at < cutoff_at, ~open_review)))
        for notice in doomed:
            session.delete(notice)
        if doomed:
            actor.record(session, operation="erasure", record_type="notifications",
                         record_ids=[n.reference for n in doomed])
        session.add(WeedingRecord(record_type="notifications", count=len(doomed),
                                  retention_days=retention_days, cutoff=cutoff))
    return {"record_type": "notifications", "weeded": len(doomed),
            "retention_days": retention_days, "cutoff": cutoff.isoformat()}
