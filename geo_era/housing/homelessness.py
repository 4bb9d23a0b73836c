"""Homelessness (Dorset MAPPA procedure section 19; NASSO 5.2): a subject's homeless
presentation and the duty owed, temporary accommodation, and housing-options advice.

**The duty** is one of the outcomes of Part II of the Housing (Scotland) Act 1987
(:data:`DUTIES`). Section 19 of the procedure says how it is applied to sexual and
other dangerous offenders, and the records hold to it:

- "neither the nature of the crime committed nor any difficulty in providing
  accommodation without risk to others negates that duty": every presentation's record
  says so (:data:`RULES`), whatever the duty decided;
- "Local Authorities should not insist upon a local connection": a presentation is
  recorded with no local connection (``none``) as readily as with one;
- "residence in a Bail Hostel does not create a local connection": a bail hostel given
  as the connection is refused with that reason (:func:`local_connection`);
- "Referrals will not be turned down as intentionally homeless solely on the grounds
  that they have perpetrated acts that have caused them to be imprisoned": an
  intentional-homelessness decision on those grounds alone is refused.

**Temporary accommodation** is a placement like any other: it is screened for the
subject exactly as a void is (:func:`geo_era.housing.screening.screen` over the one
property, called by the service), refused with the screening's reasons when it breaks a
condition or lies in an exclusion zone, and otherwise written to the placement history
(:class:`~geo_era.db.store.PlacementMove`, ``kind = 'temporary'``, with its start and
planned end) that the over-concentration report and the allocation check read through
:mod:`geo_era.casework.placements`.

**Housing-options advice** (NASSO 5.2: "give sex offenders advice on their housing
options and, where any other support needs are identified, liaise with the appropriate
services"): the options discussed, the advice, and the services liaised with.

Council staff record for their own council (``authority``) and read its records; a
record of another council reads as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from geo_era import clock
from geo_era.db.store import (
    HomelessPresentation,
    HousingAdvice,
    PlacementMove,
    TransferRequest,
    session_scope,
)
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.housing.transfers import (
    parse_reference,
    transfer_document,
    transfer_view,
    visible_transfers,
)
from geo_era.security.audit import Actor

#: The outcomes of a homeless application (Housing (Scotland) Act 1987 Part II): code ->
#: (what was decided, the duty it gives, whether temporary accommodation is owed).
DUTIES: dict[str, tuple[str, str, bool]] = {
    "inquiries_pending": (
        "inquiries under way",
        "interim accommodation while the council makes its inquiries (s29)", True),
    "unintentionally_homeless": (
        "homeless, unintentionally",
        "settled accommodation; temporary accommodation until it is secured (s31)", True),
    "intentionally_homeless": (
        "homeless, intentionally",
        "temporary accommodation for a reasonable period, with advice and assistance "
        "(s31(3)); work with the MAPPA housing representative for another solution "
        "(Dorset s19)", True),
    "threatened_with_homelessness": (
        "threatened with homelessness",
        "reasonable steps so that accommodation does not cease to be available (s32)",
        False),
    "not_homeless": (
        "not homeless",
        "advice and assistance on housing options", False),
}
#: The local connection recorded (Housing (Scotland) Act 1987 s27); ``none`` is as
#: good as any other: no local connection is insisted upon (Dorset s19).
CONNECTIONS = {
    "residence": "normal residence in the area by choice",
    "employment": "employment in the area",
    "family": "family associations in the area",
    "special_circumstances": "special circumstances",
    "none": "none: no local connection is insisted upon (Dorset MAPPA procedure s19)",
}
#: What an intentional-homelessness decision rests on.
INTENTIONAL_GROUNDS = {
    "gave_up_accommodation": "gave up accommodation it was reasonable to occupy",
    "tenancy_conduct": "conduct that led to the loss of a tenancy (e.g. eviction for "
                       "rent arrears or antisocial behaviour)",
    "other": "another deliberate act or omission (say which in the reasons)",
}
#: Refused as the basis of a local connection or of intentionality, with the reason.
BAIL_HOSTEL = ("residence in a bail hostel does not create a local connection (Dorset "
               "MAPPA procedure s19); record the connection the subject has otherwise, "
               "or 'none': the duty does not depend on one")
IMPRISONMENT = ("a referral is not turned down as intentionally homeless solely on the "
                "grounds of acts that caused the subject to be imprisoned (Dorset MAPPA "
                "procedure s19); choose the grounds that apply, or another duty")
#: What every presentation's record says of the duty (Dorset s19).
RULES = (
    "The duty is not negated by the nature of the offence, nor by any difficulty in "
    "providing accommodation without risk to others (Dorset MAPPA procedure s19).",
    "No local connection is insisted upon; residence in a bail hostel does not create "
    "one (Dorset MAPPA procedure s19).",
)
#: The housing options advice may cover (NASSO 5.2).
OPTIONS = {
    "social_rented": "a council or housing association tenancy",
    "private_rented": "a private rented tenancy",
    "supported_accommodation": "supported accommodation",
    "homeless_application": "a homeless application",
    "mutual_exchange": "a mutual exchange",
    "stay_put": "staying in the current home, with support",
    "other": "another option (say which in the advice)",
}
#: The services a council may liaise with over other support needs (NASSO 5.2).
SERVICES = {
    "addictions": "addiction services",
    "mental_health": "mental health services",
    "physical_health": "health services",
    "welfare_benefits": "welfare benefits advice",
    "employability": "employability services",
    "tenancy_support": "tenancy support",
    "support_organisation": "a support organisation (e.g. an intensive support package)",
    "cjsw": "criminal justice social work",
    "other": "another service (say which in the advice)",
}
#: The ``part`` of a temporary placement in the placement history (Part C and Part D
#: are the ERA decisions).
TEMPORARY_PART = "T"


def _text(value: str | None, field: str, *, least: int) -> str:
    text = (value or "").strip()
    if len(text) < least:
        raise DataError(f"{field}: write at least {least} characters")
    return text


def _choice(value: str | None, field: str, allowed: dict[str, Any]) -> str:
    if value not in allowed:
        raise DataError(f"{field}: unknown value; use one of {', '.join(allowed)}")
    return value


def _in_scope(authority: str, actor: Actor, what: str) -> None:
    """Council staff record only for their own council."""
    if actor.scope is not None and authority != actor.scope:
        raise WorkflowRefusedError(f"you may record {what} only for {actor.scope}")


def _past(day: dt.date, field: str, today: dt.date) -> None:
    if day > today:
        raise DataError(f"{field}: {day.isoformat()} is in the future; record it once it "
                        "has happened")


def local_connection(basis: str, note: str | None) -> str:
    """The local connection as recorded: one of :data:`CONNECTIONS`; a bail hostel
    (named as the basis, or as the residence in the note) is refused with
    :data:`BAIL_HOSTEL`."""
    mentions = "bail hostel" in (note or "").lower()
    if basis == "bail_hostel" or (basis == "residence" and mentions):
        raise DataError(f"local_connection: {BAIL_HOSTEL}")
    return _choice(basis, "local_connection", CONNECTIONS)


def record_presentation(engine: Engine, *, subject_id: str, authority: str,
                        presented_on: dt.date, duty: str, reasons: str,
                        local_connection_basis: str = "none",
                        local_connection_note: str | None = None,
                        intentional_grounds: str | None = None, actor: Actor,
                        today: dt.date | None = None) -> dict[str, Any]:
    """Record a subject's homeless presentation to ``authority`` on ``presented_on``
    and the duty owed (:data:`DUTIES`), with the reasons (at least 10 characters).

    Refused: a date in the future; a bail hostel as the local connection
    (:data:`BAIL_HOSTEL`); an intentional-homelessness decision without grounds or on
    imprisonment alone (:data:`IMPRISONMENT`); council staff recording for another
    council. One collection in the audit trail, in the same transaction.
    """
    today = today or clock.today()
    _choice(duty, "duty", DUTIES)
    _past(presented_on, "presented_on", today)
    why = _text(reasons, "reasons", least=10)
    basis = local_connection(local_connection_basis, local_connection_note)
    grounds = None
    if duty == "intentionally_homeless":
        if intentional_grounds == "imprisonment":
            raise DataError(f"intentional_grounds: {IMPRISONMENT}")
        grounds = _choice(intentional_grounds, "intentional_grounds", INTENTIONAL_GROUNDS)
    elif intentional_grounds:
        raise DataError("intentional_grounds: only an intentional-homelessness decision "
                        "has grounds; leave it empty")
    _in_scope(authority, actor, "homeless presentations")
    with session_scope(engine) as session:
        row = HomelessPresentation(
            subject_id=subject_id, authority=authority, presented_on=presented_on,
            duty=duty, reasons=why, local_connection=basis,
            local_connection_note=(local_connection_note or "").strip() or None,
            intentional_grounds=grounds, recorded_by=actor.username)
        session.add(row)
        session.flush()
        actor.record(session, operation="collection", record_type="homeless_presentation",
                     record_ids=[row.reference, subject_id])
        return presentation_document(row, [])


def _presentation(session: Session, reference: str, actor: Actor) -> HomelessPresentation:
    """The presentation, if it exists and ``actor`` may see it; "not found" alike
    otherwise (out of scope: :class:`OutOfScopeError`, audited by the service)."""
    row = session.get(HomelessPresentation, parse_reference(reference, "HLP"))
    message = f"homeless presentation {reference!r} not found"
    if row is None:
        raise NotFoundError(message)
    if actor.scope is not None and actor.scope != row.authority:
        raise OutOfScopeError(message, record_type="homeless_presentation",
                              record_ids=[row.reference])
    return row


#: Screens one property for a subject as a void is screened: ``(subject_id,
#: property_id)`` -> the property's screening document (``ruled_out``, ``reasons``,
#: ``warnings``, ``score``), or ``None`` when the property is not one the caller may
#: place in.
Screen = Callable[[str, str], dict[str, Any] | None]


def place_temporary(engine: Engine, presentation: str, *, property_id: str,
                    starts_on: dt.date, ends_on: dt.date | None, screen: Screen,
                    actor: Actor, today: dt.date | None = None) -> dict[str, Any]:
    """Place the presentation's subject in temporary accommodation at ``property_id``
    from ``starts_on`` (not in the future, not before the presentation) to ``ends_on``
    (planned end, after the start; ``None``: until the next move).

    Only a duty that owes accommodation (:data:`DUTIES`) allows it. The property is
    screened for the subject by ``screen`` exactly as a void is: when the screening
    rules it out (an exclusion zone, a condition broken) the placement is refused with
    the screening's reasons and nothing is written but the audit entry of the
    consultation of the subject's record. Otherwise the placement is a
    :class:`~geo_era.db.store.PlacementMove` of ``kind`` ``temporary``, counted in the
    over-concentration report and the allocation check like any placement; one
    collection in the audit trail.
    """
    today = today or clock.today()
    _past(starts_on, "starts_on", today)
    if ends_on is not None and ends_on <= starts_on:
        raise DataError("ends_on: the planned end must be after the start "
                        f"({starts_on.isoformat()})")
    with session_scope(engine) as session:
        row = _presentation(session, presentation, actor)
        label, _duty, owed = DUTIES[row.duty]
        if not owed:
            raise WorkflowRefusedError(
                f"{row.reference} records '{label}': no temporary accommodation is owed; "
                "record the duty owed first")
        if starts_on < row.presented_on:
            raise DataError(f"starts_on: {starts_on.isoformat()} is before the "
                            f"presentation of {row.presented_on.isoformat()}")
        _in_order(session, row.subject_id, starts_on)
        screened = screen(row.subject_id, property_id)
        if screened is None:
            raise NotFoundError(f"property {property_id!r} not found in the properties "
                                "of your council")
        if not screened["ruled_out"]:
            move = PlacementMove(
                subject_id=row.subject_id, property_id=property_id, moved_in_on=starts_on,
                case_id=None, case_reference=row.reference, part=TEMPORARY_PART,
                authority=row.authority, kind="temporary", ends_on=ends_on,
                recorded_by=actor.username)
            session.add(move)
            session.flush()
            actor.record(session, operation="collection",
                         record_type="temporary_accommodation",
                         record_ids=[f"TA-{move.id:06d}", row.reference, row.subject_id])
            return {**temporary_document(move), "screening": _screening(screened)}
        subject, reference = row.subject_id, row.reference
    with session_scope(engine) as session:  # the conditions and zones were consulted
        actor.record(session, operation="consultation", record_type="subject",
                     record_ids=[reference, subject])
    reasons = "; ".join(r["message"] for r in screened["reasons"])
    raise WorkflowRefusedError(f"temporary accommodation at {property_id} is refused, as "
                               f"a void would be: {reasons}")


def _in_order(session: Session, subject_id: str, starts_on: dt.date) -> None:
    last = session.scalars(select(PlacementMove).where(
        PlacementMove.subject_id == subject_id).order_by(
        PlacementMove.moved_in_on.desc(), PlacementMove.id.desc())).first()
    if last is not None and last.moved_in_on > starts_on:
        raise WorkflowRefusedError(
            f"a later move of this subject is already recorded "
            f"({last.moved_in_on.isoformat()}); placements are recorded in order")


def _screening(screened: dict[str, Any]) -> dict[str, Any]:
    return {"score": screened.get("score"),
            "warnings": [w["message"] for w in screened.get("warnings", [])]}


def temporary_document(move: PlacementMove) -> dict[str, Any]:
    """A temporary placement as a JSON-ready document."""
    return {"reference": f"TA-{move.id:06d}", "presentation": move.case_reference,
            "subject_id": move.subject_id, "property_id": move.property_id,
            "authority": move.authority, "starts_on": move.moved_in_on,
            "ends_on": move.ends_on, "recorded_by": move.recorded_by,
            "recorded_at": move.recorded_at.isoformat()}


def presentation_document(row: HomelessPresentation,
                          placements: list[PlacementMove]) -> dict[str, Any]:
    """A presentation, its duty in words, the rules of Dorset s19 and its temporary
    placements, JSON-ready."""
    label, duty, owed = DUTIES[row.duty]
    return {"reference": row.reference, "subject_id": row.subject_id,
            "authority": row.authority, "presented_on": row.presented_on,
            "duty": row.duty, "decision": label, "duty_owed": duty,
            "temporary_accommodation_owed": owed, "reasons": row.reasons,
            "local_connection": row.local_connection,
            "local_connection_note": row.local_connection_note,
            "intentional_grounds": row.intentional_grounds, "rules": list(RULES),
            "temporary_placements": [temporary_document(m) for m in placements],
            "recorded_by": row.recorded_by, "recorded_at": row.recorded_at.isoformat()}


def record_advice(engine: Engine, *, subject_id: str, authority: str, given_on: dt.date,
                  options: list[str], advice: str, services: list[str], actor: Actor,
                  today: dt.date | None = None) -> dict[str, Any]:
    """Record the housing-options advice given to a subject (NASSO 5.2): the options
    discussed (:data:`OPTIONS`, at least one), the advice (at least 10 characters) and
    the services liaised with over other support needs (:data:`SERVICES`, none or
    more). One collection in the audit trail."""
    today = today or clock.today()
    _past(given_on, "given_on", today)
    if not options:
        raise DataError("options: name at least one housing option discussed")
    chosen = [_choice(o, "options", OPTIONS) for o in dict.fromkeys(options)]
    liaised = [_choice(s, "services", SERVICES) for s in dict.fromkeys(services)]
    text = _text(advice, "advice", least=10)
    _in_scope(authority, actor, "housing-options advice")
    with session_scope(engine) as session:
        row = HousingAdvice(subject_id=subject_id, authority=authority, given_on=given_on,
                            options=chosen, advice=text, services=liaised,
                            recorded_by=actor.username)
        session.add(row)
        session.flush()
        actor.record(session, operation="collection", record_type="housing_advice",
                     record_ids=[row.reference, subject_id])
        return advice_document(row)


def advice_document(row: HousingAdvice) -> dict[str, Any]:
    """Housing-options advice as a JSON-ready document, each option and service with
    its words."""
    return {"reference": row.reference, "subject_id": row.subject_id,
            "authority": row.authority, "given_on": row.given_on,
            "options": [{"code": o, "label": OPTIONS[o]} for o in row.options],
            "advice": row.advice,
            "services": [{"code": s, "label": SERVICES[s]} for s in row.services],
            "recorded_by": row.recorded_by, "recorded_at": row.recorded_at.isoformat()}


def subject_record(session: Session, subject_id: str, actor: Actor) -> dict[str, Any]:
    """A subject's presentations (each with its temporary placements) and advice that
    ``actor`` may see (council staff: their own council's), oldest first."""
    presentations = select(HomelessPresentation).where(
        HomelessPresentation.subject_id == subject_id)
    advice = select(HousingAdvice).where(HousingAdvice.subject_id == subject_id)
    if actor.scope is not None:
        presentations = presentations.where(HomelessPresentation.authority == actor.scope)
        advice = advice.where(HousingAdvice.authority == actor.scope)
    temporary = session.scalars(select(PlacementMove).where(
        PlacementMove.subject_id == subject_id, PlacementMove.kind == "temporary")
        .order_by(PlacementMove.moved_in_on, PlacementMove.id)).all()
    return {
        "presentations": [
            presentation_document(p, [m for m in temporary if m.case_reference == p.reference])
            for p in session.scalars(presentations.order_by(HomelessPresentation.id))],
        "advice": [advice_document(a) for a in session.scalars(
            advice.order_by(HousingAdvice.id))]}


def subject_file(engine: Engine, subject_id: str, actor: Actor) -> dict[str, Any]:
    """What ``actor`` may see of a subject's homelessness and transfers: presentations
    (each with its temporary placements), advice and transfer requests (council staff:
    their own council's, and transfers granted into it); one consultation in the audit
    trail."""
    with session_scope(engine) as session:
        record = subject_record(session, subject_id, actor)
        transfers = visible_transfers(session, actor, subject_id=subject_id)
        actor.record(session, operation="consultation", record_type="homelessness",
                     record_ids=[subject_id])
        return {"subject_id": subject_id, **record,
                "transfers": [{**transfer_document(t), "view": transfer_view(t, actor)}
                              for t in transfers]}


def weed_homelessness(session: Session, cutoff: dt.date) -> list[str]:
    """Presentations made, advice given and transfers decided before ``cutoff`` (a
    pending transfer is never weeded); their references. Temporary placements are
    placements, weeded by the placements' own rule."""
    doomed: list[HomelessPresentation | HousingAdvice | TransferRequest] = [
        *session.scalars(select(HomelessPresentation).where(
            HomelessPresentation.presented_on < cutoff)),
        *session.scalars(select(HousingAdvice).where(HousingAdvice.given_on < cutoff)),
        *session.scalars(select(TransferRequest).where(
            TransferRequest.decision != "pending", TransferRequest.decided_on < cutoff))]
    for row in doomed:
        session.delete(row)
    return [row.reference for row in doomed]
