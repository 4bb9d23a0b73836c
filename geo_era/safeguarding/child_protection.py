"""Child protection links (the Dorset MAPPA procedure §4, §13, §17; R111, R115, R116).

Three records, each of one subject and one council (need to know is decided on the
council, ``authority``):

- a **referral** to child protection (to the council's Children & Families team) when
  there is a risk to an identified child (§4): when, to whom, why; then its outcome and
  its date, in Scotland's terms (:data:`OUTCOMES`: an inter-agency referral discussion,
  a child protection investigation, a child protection planning meeting or case
  conference, or no further action), and whether the Offender Manager attended;
- Children & Families' **initial checks** when notified of a registered subject (§13:
  "make initial checks including checking their database and record the information");
- the **notice to Education**: the council's nominated Education contact told that a
  subject lives near a school, loiters near one, has a connection with one, or is a
  pupil or student (§17; :data:`GROUNDS`).

A record may be made on a case: it then belongs to the case's council and subject, and
is weeded with the case. Each function writes its record and its one audit entry in one
transaction: a referral and a notice are ``disclosure`` entries naming their recipient,
initial checks a ``collection``, an outcome an ``alteration``, a list a
``consultation`` of what it lists. An actor confined to a council (council staff, the
council's Education and Children & Families officers) records and reads only that
council's; a case of another council, or one the actor may not see, reads as "not
found" (:class:`~geo_era.errors.OutOfScopeError`, audited by the services).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from geo_era import clock
from geo_era.db.store import Case, CaseAgency, ChildProtectionRecord, session_scope, utcnow
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.security.access import CASE_VIEWS
from geo_era.security.audit import Actor

KINDS = ("referral", "initial_checks", "education_notice")
#: What came of a referral, in Scotland's child protection terms (National Guidance for
#: Child Protection in Scotland 2021): the readable label of each code.
OUTCOMES = {
    "ird": "inter-agency referral discussion (IRD)",
    "investigation": "child protection investigation",
    "planning_meeting": "child protection planning meeting (case conference)",
    "no_further_action": "no further action",
}
#: Why Education is told (Dorset §17), by code.
GROUNDS = {
    "lives_near_school": "living near the school",
    "loitering_near_school": "loitering in the vicinity of a school",
    "connection_with_school": "known to have connections with the school",
    "pupil_or_student": "a pupil at a school or a student at a college",
}
#: Who a referral goes to unless the caller names the team.
CHILDREN_AND_FAMILIES = "Children & Families"
#: The shortest reason or finding accepted, in characters.
MIN_TEXT = 10


def reference_of(number: int) -> str:
    return f"CPL-{number:06d}"


def parse_reference(reference: str | int) -> int:
    """``CPL-000042``, ``42`` or 42 -> 42."""
    text = str(reference).strip().upper().removeprefix("CPL-")
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise DataError(f"record {reference!r} is not a child protection reference like "
                        "CPL-000042")
    return int(text)


def _text(value: str | None, what: str, least: int = MIN_TEXT) -> str:
    text = (value or "").strip()
    if len(text) < least:
        raise DataError(f"the {what} needs at least {least} characters; say it in full")
    return text


def _date(value: dt.date, what: str, today: dt.date, *, after: dt.date | None = None
          ) -> dt.date:
    if value > today:
        raise DataError(f"the {what} {value.isoformat()} is in the future; give the date "
                        "it happened")
    if after is not None and value < after:
        raise DataError(f"the {what} {value.isoformat()} is before {after.isoformat()}; "
                        "give a date on or after it")
    return value


def parse_case_id(case_id: str | int) -> int:
    """``ERA-000042``, ``42`` or 42 -> 42 (as cases are referred to everywhere)."""
    text = str(case_id).strip().upper().removeprefix("ERA-")
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise DataError(f"case id {case_id!r} is not a case reference like ERA-000042")
    return int(text)


def _sees(session: Session, case: Case, actor: Actor) -> bool:
    """Whether ``actor`` may see ``case``: unconfined, or confined to a council the
    case belongs to, places from or places into; a partner agency, only a case its
    agency takes part in (as :func:`geo_era.casework.cases.visible` decides)."""
    if actor.scope is not None and actor.scope not in (
            case.authority, case.placing_authority, case.receiving_authority):
        return False
    view = CASE_VIEWS.get(actor.role)
    return view is None or view.agency in session.scalars(
        select(CaseAgency.agency).where(CaseAgency.case_id == case.id)).all()


def _case(session: Session, case_id: str | int, actor: Actor) -> Case:
    number = parse_case_id(case_id)
    case = session.get(Case, number)
    message = f"case {case_id!r} not found; list cases with 'geo-era case list'"
    if case is None:
        raise NotFoundError(message)
    if not _sees(session, case, actor):
        raise OutOfScopeError(message, record_type="case", record_ids=[case.reference])
    return case


def _owner(session: Session, *, subject_id: str | None, case_id: str | int | None,
           authority: str | None, actor: Actor) -> tuple[str, Case | None, str]:
    """The subject, case and council a new record belongs to: the case's when one is
    named (a subject or council given must agree with it), else those given; a confined
    actor's own council by default, and never another."""
    case = _case(session, case_id, actor) if case_id not in (None, "") else None
    if case is not None:
        if subject_id and subject_id != case.subject_id:
            raise WorkflowRefusedError(f"case {case.reference} is not of subject "
                                       f"{subject_id!r}; name the subject's own case")
        subject_id = case.subject_id
        council = case.authority or authority or actor.scope
    else:
        council = authority or actor.scope
    if not subject_id:
        raise DataError("name the subject (subject_id) or a case of theirs (case_id)")
    if not council:
        raise DataError("name the council the record belongs to (authority), e.g. the "
                        "council whose Children & Families team is told")
    if authority and council != authority:
        raise WorkflowRefusedError(f"case {case.reference if case else ''} belongs to "
                                   f"{council}, not {authority}")
    if actor.scope is not None and council != actor.scope:
        raise WorkflowRefusedError(f"you may record only for {actor.scope}")
    return subject_id, case, council


def document(record: ChildProtectionRecord, case_reference: str | None = None
             ) -> dict[str, Any]:
    """A record as the services answer it."""
    return {
        "reference": record.reference, "kind": record.kind,
        "subject_id": record.subject_id, "case_id": case_reference,
        "authority": record.authority, "referred_on": record.referred_on,
        "to_whom": record.to_whom, "reason": record.reason, "ground": record.ground,
        "ground_label": GROUNDS.get(record.ground or ""), "school": record.school,
        "outcome": record.outcome, "outcome_label": OUTCOMES.get(record.outcome or ""),
        "outcome_on": record.outcome_on, "om_attended": record.om_attended,
        "database_checked": record.database_checked, "concerns": record.concerns,
        "agency": record.agency, "recorded_by": record.recorded_by,
        "recorded_at": record.recorded_at, "updated_by": record.updated_by,
        "updated_at": record.updated_at}


def _write(session: Session, record: ChildProtectionRecord, case: Case | None,
           actor: Actor, *, operation: str, recipients: list[str] | None = None
           ) -> dict[str, Any]:
    session.add(record)
    session.flush()
    actor.record(session, operation=operation, record_type="child_protection",
                 record_ids=[record.reference, record.subject_id], recipients=recipients)
    return document(record, case.reference if case else None)


def record_referral(engine: Engine, *, subject_id: str | None, case_id: str | int | None,
                    authority: str | None, referred_on: dt.date, reason: str,
                    to_whom: str | None, agency: str, actor: Actor,
                    today: dt.date | None = None) -> dict[str, Any]:
    """Record a referral to child protection (§4; R111): a disclosure to the team named
    (Children & Families unless ``to_whom`` says otherwise)."""
    today = today or clock.today()
    _date(referred_on, "referral date", today)
    why = _text(reason, "reason for the referral")
    team = (to_whom or "").strip() or CHILDREN_AND_FAMILIES
    with session_scope(engine) as session:
        subject, case, council = _owner(session, subject_id=subject_id, case_id=case_id,
                                        authority=authority, actor=actor)
        record = ChildProtectionRecord(
            kind="referral", subject_id=subject, case_id=case.id if case else None,
            authority=council, referred_on=referred_on, to_whom=team, reason=why,
            agency=agency, recorded_by=actor.username)
        return _write(session, record, case, actor, operation="disclosure",
                      recipients=[f"{team}, {council}"])


def record_outcome(engine: Engine, reference: str | int, *, outcome: str,
                   outcome_on: dt.date, om_attended: bool | None, actor: Actor,
                   today: dt.date | None = None) -> dict[str, Any]:
    """Record what came of a referral (§4; R111): the outcome, its date (not before the
    referral, not in the future) and whether the Offender Manager attended. A later
    outcome replaces an earlier one (an IRD followed by a planning meeting); the audit
    trail keeps each."""
    today = today or clock.today()
    if outcome not in OUTCOMES:
        raise DataError(f"unknown outcome {outcome!r}; use one of {', '.join(OUTCOMES)}")
    with session_scope(engine) as session:
        record = _visible(session, reference, actor)
        if record.kind != "referral":
            raise WorkflowRefusedError(f"{record.reference} is not a referral; only a "
                                       "referral has an outcome")
        _date(outcome_on, "outcome date", today, after=record.referred_on)
        record.outcome, record.outcome_on = outcome, outcome_on
        record.om_attended = om_attended
        record.updated_by, record.updated_at = actor.username, utcnow()
        case = session.get(Case, record.case_id) if record.case_id else None
        return _write(session, record, case, actor, operation="alteration")


def record_initial_checks(engine: Engine, *, subject_id: str, authority: str | None,
                          notified_on: dt.date, checked_on: dt.date,
                          database_checked: bool, findings: str, concerns: bool,
                          agency: str, actor: Actor, today: dt.date | None = None
                          ) -> dict[str, Any]:
    """Record Children & Families' initial checks on being notified of a registered
    subject (§13; R115): when notified, when checked, whether their database was
    checked, what was found and whether it raised concerns (which are then responded to
    under child protection procedures: a referral)."""
    today = today or clock.today()
    _date(notified_on, "notification date", today)
    _date(checked_on, "date of the checks", today, after=notified_on)
    found = _text(findings, "record of what the checks found")
    with session_scope(engine) as session:
        subject, _, council = _owner(session, subject_id=subject_id, case_id=None,
                                     authority=authority, actor=actor)
        record = ChildProtectionRecord(
            kind="initial_checks", subject_id=subject, authority=council,
            referred_on=notified_on, outcome_on=checked_on,
            to_whom=CHILDREN_AND_FAMILIES, reason=found,
            database_checked=database_checked, concerns=concerns, agency=agency,
            recorded_by=actor.username)
        return _write(session, record, None, actor, operation="collection")


def record_education_notice(engine: Engine, *, subject_id: str | None,
                            case_id: str | int | None, authority: str | None,
                            ground: str, school: str, contact: str, notified_on: dt.date,
                            said: str, agency: str, actor: Actor,
                            today: dt.date | None = None) -> dict[str, Any]:
    """Record the notice to the council's nominated Education contact (§17; R116): on
    what ground, about which school, who was told, when and what was said. A disclosure
    to that contact."""
    today = today or clock.today()
    if ground not in GROUNDS:
        raise DataError(f"unknown ground {ground!r}; use one of {', '.join(GROUNDS)}")
    _date(notified_on, "date of the notice", today)
    where = _text(school, "school", least=2)
    who = _text(contact, "nominated Education contact", least=2)
    what = _text(said, "record of what Education was told")
    with session_scope(engine) as session:
        subject, case, council = _owner(session, subject_id=subject_id, case_id=case_id,
                                        authority=authority, actor=actor)
        record = ChildProtectionRecord(
            kind="education_notice", subject_id=subject, case_id=case.id if case else None,
            authority=council, referred_on=notified_on, to_whom=who, reason=what,
            ground=ground, school=where, agency=agency, recorded_by=actor.username)
        return _write(session, record, case, actor, operation="disclosure",
                      recipients=[f"{who} (Education), {council}"])


def _visible(session: Session, reference: str | int, actor: Actor
             ) -> ChildProtectionRecord:
    number = parse_reference(reference)
    record = session.get(ChildProtectionRecord, number)
    message = f"child protection record {reference!r} not found"
    if record is None:
        raise NotFoundError(message)
    if actor.scope is not None and record.authority != actor.scope:
        raise OutOfScopeError(message, record_type="child_protection",
                              record_ids=[record.reference])
    return record


def list_records(engine: Engine, *, kinds: Sequence[str], actor: Actor,
                 subject_id: str | None = None) -> list[dict[str, Any]]:
    """The records of ``kinds`` the actor may see (their council's, or all), newest
    first, optionally of one subject; recorded as one consultation of those listed."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise DataError(f"unknown kinds {', '.join(sorted(unknown))}")
    with session_scope(engine) as session:
        query = (select(ChildProtectionRecord, Case.id)
                 .outerjoin(Case, Case.id == ChildProtectionRecord.case_id)
                 .where(ChildProtectionRecord.kind.in_(list(kinds)))
                 .order_by(ChildProtectionRecord.referred_on.desc(),
                           ChildProtectionRecord.id.desc()))
        if actor.scope is not None:
            query = query.where(ChildProtectionRecord.authority == actor.scope)
        if subject_id:
            query = query.where(ChildProtectionRecord.subject_id == subject_id)
        found = [document(record, f"ERA-{case:06d}" if case else None)
                 for record, case in session.execute(query)]
        ids = [r["reference"] for r in found]
        subjects = sorted({r["subject_id"] for r in found})
        actor.record(session, operation="consultation", record_type="child_protection",
                     record_ids=[*ids, *subjects])
        return found
