"""Disclosure decisions and Keeping Children Safe applications (NASSO 3.12, 68, 71; the
Dorset MAPPA procedure §6, §8, §18; the MAPPA annual report 9.0).

A **disclosure decision** records a decision to disclose, or not to disclose,
information about a subject (optionally in a case): to whom (a parent, a carer, a
school, an employer, a landlord or another, by name or organisation), what, who decided
and on what authority, the Level 2 or 3 MAPPA meeting whose minutes record it, who will
make the disclosure, where and when, and the advice given to the recipient on how the
information is to be used (Dorset §18). NASSO 71: "The police have the principal
discretion on disclosure, although local authority social work can make disclosures in
cases of child protection": a decision under social work's authority is refused unless
it is a case of child protection (:data:`SOCIAL_WORK_ONLY_FOR_CHILD_PROTECTION`).

Two decisions about a landlord are of this kind too:

- ``need_to_know`` (68): whether the Responsible Authorities pass a risk on to a named
  landlord's Link Officer, recorded either way (if not, the landlord cannot contribute to
  the assessment and management of the risk);
- ``restriction_wording`` (3.12): whether the landlord of a property under an allocation
  restriction is given its wording. Once such a disclosure is made, that landlord's Link
  Officer sees the wording for that property in their allocation check
  (:func:`disclosed_wording`), and for no other.

Recording that a disclosure was made writes an audit ``disclosure`` entry naming its
recipient (DPA 2018 s62).

A **Keeping Children Safe application** (the Sex Offender Community Disclosure Scheme,
run by Police Scotland) records when a parent, carer or guardian's request was received,
whether online, their relationship to the child, the subject it concerns when the named
person is one, and its outcome and date.

Every record belongs to a council (``council``): council staff see their own council's;
Children & Families social work sees the decisions it recorded itself, for its council,
and never learns from them which subject they concern. References: ``DIS-000042`` and
``KCS-000042``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from geo_era import clock
from geo_era.db.store import (
    Case,
    DisclosureDecision,
    KcsApplication,
    Restriction,
    session_scope,
)
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.security.audit import Actor

PURPOSES = ("disclosure", "need_to_know", "restriction_wording")
#: Purposes whose recipient is always a landlord (68; 3.12).
LANDLORD_PURPOSES = ("need_to_know", "restriction_wording")
RECIPIENT_TYPES = ("parent", "carer", "school", "employer", "landlord", "other")
AUTHORITIES = ("police", "social_work")
#: The authority under which each role decides (NASSO 71): police OMU and the MAPPA
#: coordinator for the police's discretion; criminal justice and Children & Families
#: social work for local authority social work.
ROLE_AUTHORITY = {"omu_analyst": "police", "mappa_coordinator": "police",
                  "cjsw": "social_work", "childrens_social_work": "social_work"}
MEETING_LEVELS = (2, 3)
KCS_RELATIONSHIPS = ("parent", "carer", "guardian", "other")
KCS_OUTCOMES = ("disclosure_made", "no_disclosure", "not_a_registered_offender",
                "withdrawn")
#: Roles that see only the records they recorded themselves, never the subject.
OWN_RECORDS_ONLY = frozenset({"childrens_social_work"})

SOCIAL_WORK_ONLY_FOR_CHILD_PROTECTION = (
    "local authority social work may decide on disclosure only in a case of child "
    "protection (NASSO 71); the police have the principal discretion on any other: "
    "refer it to Police Scotland's offender management unit or the MAPPA coordinator, "
    "or record that this is a case of child protection")
#: Longest free text kept (characters).
LONG_TEXT = 4_000
SHORT_TEXT = 200


@dataclass(frozen=True)
class DecisionRequest:
    """What a disclosure decision records, as given (see the module docstring)."""

    recipient_type: str
    recipient: str
    disclose: bool
    purpose: str = "disclosure"
    subject_id: str | None = None
    case_id: str | None = None
    council: str | None = None
    content: str | None = None
    reasons: str | None = None
    child_protection: bool = False
    meeting_level: int | None = None
    meeting_on: dt.date | None = None
    minutes_reference: str | None = None
    discloser: str | None = None
    disclose_at: str | None = None
    disclose_on: dt.date | None = None
    advice: str | None = None
    restriction_id: int | None = None
    decided_on: dt.date | None = None


@dataclass(frozen=True)
class KcsRequest:
    """A Keeping Children Safe application as received."""

    received_on: dt.date
    online: bool
    relationship: str
    council: str | None = None
    subject_id: str | None = None
    notes: str | None = None


#: Whether an actor may see a case (scope, and the cases a partner agency takes part
#: in): :func:`geo_era.casework.cases.visible`, given by the services.
CaseVisible = Callable[[Case, Actor], bool]
#: The landlord of a property as the properties layer names it (``None``: not known).
LandlordOf = Callable[[str], str | None]


def _text(value: str | None, what: str, *, most: int = LONG_TEXT) -> str | None:
    text = (value or "").strip()
    if len(text) > most:
        raise DataError(f"the {what} is {len(text):,} characters long; keep it to "
                        f"{most:,}")
    return text or None


def _choice(value: str, choices: Sequence[str], what: str) -> str:
    if value not in choices:
        raise DataError(f"unknown {what} {value!r}; use one of {', '.join(choices)}")
    return value


def _not_future(day: dt.date | None, what: str, today: dt.date) -> None:
    if day is not None and day > today:
        raise DataError(f"the {what} ({day.isoformat()}) is in the future; give the "
                        "date it happened")


def parse_reference(reference: str | int, prefix: str) -> int:
    """``DIS-000042``, ``42`` or 42 -> 42 (``prefix`` ``DIS`` or ``KCS``)."""
    text = str(reference).strip().upper().removeprefix(f"{prefix}-")
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 9):
        raise DataError(f"{reference!r} is not a reference like {prefix}-000042")
    return int(text)


def decision_authority(role: str, authority: str | None) -> str:
    """The authority a decision is made under: the caller's role's
    (:data:`ROLE_AUTHORITY`); the local operator names it."""
    own = ROLE_AUTHORITY.get(role)
    if own is None:
        if authority is None:
            raise DataError("name the authority the decision is made under: police or "
                            "social_work (--authority)")
        return _choice(authority, AUTHORITIES, "authority")
    if authority is not None and authority != own:
        raise WorkflowRefusedError(f"the {role} role decides under the {own} authority "
                                   f"only, not {authority}")
    return own


def _check_meeting(request: DecisionRequest, today: dt.date) -> None:
    """A MAPPA meeting is named by its level (2 or 3) and date together (Dorset §6,
    §8: disclosure is considered at every Level 2 and 3 meeting)."""
    if (request.meeting_level is None) != (request.meeting_on is None):
        raise DataError("name the MAPPA meeting by its level (2 or 3) and its date "
                        "together, or leave both out")
    if request.meeting_level is not None and request.meeting_level not in MEETING_LEVELS:
        raise DataError(f"the MAPPA meeting's level is {request.meeting_level}; "
                        "disclosure is decided at a Level 2 or 3 meeting (2 or 3)")
    _not_future(request.meeting_on, "MAPPA meeting's date", today)
    if request.minutes_reference and request.meeting_level is None:
        raise DataError("minutes are of a MAPPA meeting: give its level and date too")


def _check_decision(request: DecisionRequest, authority: str, today: dt.date) -> None:
    """The rules of a decision that need nothing from the store."""
    _choice(request.purpose, PURPOSES, "purpose")
    _choice(request.recipient_type, RECIPIENT_TYPES, "recipient type")
    if not _text(request.recipient, "recipient", most=SHORT_TEXT):
        raise DataError("name the recipient: the person's name or the organisation "
                        "(e.g. the school or the landlord)")
    if request.purpose in LANDLORD_PURPOSES and request.recipient_type != "landlord":
        raise DataError(f"a {request.purpose.replace('_', '-')} decision is about a "
                        "landlord: set the recipient type to landlord")
    if authority == "social_work" and not request.child_protection:
        raise WorkflowRefusedError(SOCIAL_WORK_ONLY_FOR_CHILD_PROTECTION)
    _check_meeting(request, today)
    _not_future(request.decided_on, "date of the decision", today)
    if request.disclose:
        if request.purpose != "restriction_wording" and not _text(request.content,
                                                                   "content"):
            raise DataError("say what information is to be disclosed (content)")
        if not _text(request.advice, "advice"):
            raise DataError("a decision to disclose records the advice given on how the "
                            "information is to be used and where the recipient may seek "
                            "support and guidance (Dorset §18): give the advice")
        if not _text(request.discloser, "discloser", most=SHORT_TEXT):
            raise DataError("say who will make the disclosure (discloser)")
    elif not _text(request.reasons, "reasons"):
        raise DataError("a decision not to disclose records why: give the reasons")
    for value, what in ((request.disclose_at, "place of the disclosure"),
                        (request.minutes_reference, "minutes reference")):
        _text(value, what, most=SHORT_TEXT)


def _case_for(session: Session, case_id: str, actor: Actor, visible: CaseVisible) -> Case:
    number = parse_reference(case_id, "ERA")
    case = session.get(Case, number)
    message = f"case {case_id!r} not found; list cases with 'geo-era case list'"
    if case is None:
        raise NotFoundError(message)
    if not visible(case, actor):
        raise OutOfScopeError(message, record_type="case", record_ids=[case.reference])
    return case


def _restriction_for(session: Session, request: DecisionRequest, actor: Actor,
                     visible: CaseVisible, landlord_of: LandlordOf) -> Restriction:
    """The restriction whose wording a ``restriction_wording`` decision is about: one
    the caller may see, on a property whose landlord is the recipient."""
    if request.restriction_id is None:
        raise DataError("name the allocation restriction whose wording is disclosed "
                        "(restriction_id; the case shows its restrictions)")
    restriction = session.get(Restriction, request.restriction_id)
    message = (f"restriction {request.restriction_id} not found; the case shows its "
               "restrictions")
    if restriction is None:
        raise NotFoundError(message)
    case = session.get(Case, restriction.case_id)
    if case is None or not visible(case, actor):
        raise OutOfScopeError(message, record_type="allocation_restriction",
                              record_ids=[str(request.restriction_id)])
    if request.case_id is not None and parse_reference(request.case_id, "ERA") != case.id:
        raise DataError(f"restriction {restriction.id} is of case {case.reference}, not "
                        f"{request.case_id}")
    landlord = landlord_of(restriction.property_id)
    if landlord is not None and landlord != request.recipient.strip():
        raise WorkflowRefusedError(
            f"the restriction is on {restriction.property_id}, whose landlord is "
            f"{landlord}: its wording goes to the landlord who allocates it (3.12), not "
            f"to {request.recipient.strip()}")
    return restriction


def _council(request: DecisionRequest | KcsRequest, actor: Actor,
             case: Case | None) -> str:
    """The council a record belongs to: council staff's own; else the one named, or
    the case's."""
    named = _text(request.council, "council", most=128)
    if actor.scope is not None:
        if named is not None and named != actor.scope:
            raise WorkflowRefusedError(f"you may record only for {actor.scope}")
        return actor.scope
    council = named or (case.authority if case is not None else None)
    if council is None:
        raise DataError("name the council the record belongs to (council)")
    return council


def record_decision(engine: Engine, request: DecisionRequest, *, actor: Actor,
                    authority: str, visible: CaseVisible, landlord_of: LandlordOf,
                    today: dt.date | None = None) -> dict[str, Any]:
    """Record a disclosure decision made under ``authority`` (``police`` or
    ``social_work``) and its audit entry (a ``collection`` naming the decision and the
    subject), in one transaction. The record as :func:`decision_document` gives it.

    Raises
    ------
    DataError
        A field missing or wrong: the message names it and says how to fix it.
    WorkflowRefusedError
        Social work outside a case of child protection; a restriction's wording to
        another landlord than the property's; a council other than the caller's own.
    NotFoundError
        An unknown case or restriction, or one the caller may not see
        (:class:`OutOfScopeError`, audited by the services).
    """
    today = today or clock.today()
    _check_decision(request, authority, today)
    with session_scope(engine) as session:
        case = restriction = None
        if request.purpose == "restriction_wording":
            restriction = _restriction_for(session, request, actor, visible, landlord_of)
            case = session.get(Case, restriction.case_id)
        elif request.case_id is not None:
            case = _case_for(session, request.case_id, actor, visible)
        subject = case.subject_id if case is not None else \
            _text(request.subject_id, "subject id", most=64)
        if subject is None:
            raise DataError("name the subject (subject_id) or the case (case_id) the "
                            "decision is about")
        if case is not None and request.subject_id not in (None, "", case.subject_id):
            raise DataError(f"the subject given is not the subject of case "
                            f"{case.reference}; give one or the other")
        decision = DisclosureDecision(
            purpose=request.purpose, subject_id=subject,
            case_id=case.id if case is not None else None,
            case_reference=case.reference if case is not None else None,
            council=_council(request, actor, case), recipient_type=request.recipient_type,
            recipient=request.recipient.strip(), disclose=request.disclose,
            content=(restriction.restriction if restriction is not None
                     else _text(request.content, "content")),
            reasons=_text(request.reasons, "reasons"), authority=authority,
            child_protection=request.child_protection,
            meeting_level=request.meeting_level, meeting_on=request.meeting_on,
            minutes_reference=_text(request.minutes_reference, "minutes reference"),
            discloser=_text(request.discloser, "discloser"),
            disclose_at=_text(request.disclose_at, "place of the disclosure"),
            disclose_on=request.disclose_on, advice=_text(request.advice, "advice"),
            restriction_id=restriction.id if restriction is not None else None,
            property_id=restriction.property_id if restriction is not None else None,
            decided_on=request.decided_on or today, agency=actor.role,
            recorded_by=actor.username)
        session.add(decision)
        session.flush()
        actor.record(session, operation="collection", record_type="disclosure_decision",
                     record_ids=[decision.reference, subject])
        return decision_document(decision)


def may_see(decision: DisclosureDecision, actor: Actor) -> bool:
    """Whether ``actor`` may see a decision: their own council's (council staff), and
    for Children & Families social work only those it recorded itself."""
    if actor.scope is not None and decision.council != actor.scope:
        return False
    return actor.role not in OWN_RECORDS_ONLY or decision.agency == actor.role


def record_made(engine: Engine, reference: str, *, made_on: dt.date, made_by: str | None,
                actor: Actor, today: dt.date | None = None) -> dict[str, Any]:
    """Record that a disclosure decided was made, on ``made_on`` by ``made_by`` (default
    the actor): an audit ``disclosure`` entry naming its recipient, in the transaction
    of the record.

    Raises
    ------
    WorkflowRefusedError
        A decision not to disclose, or a disclosure already recorded as made.
    DataError
        A date in the future or before the decision.
    NotFoundError
        An unknown decision, or one the caller may not see (:class:`OutOfScopeError`).
    """
    today = today or clock.today()
    number = parse_reference(reference, "DIS")
    _not_future(made_on, "date of the disclosure", today)
    with session_scope(engine) as session:
        decision = _decision(session, number, reference, actor)
        if not decision.disclose:
            raise WorkflowRefusedError(f"{decision.reference} is a decision not to "
                                       "disclose: there is no disclosure to record")
        if decision.made_on is not None:
            raise WorkflowRefusedError(f"{decision.reference} was recorded as made on "
                                       f"{decision.made_on.isoformat()} already")
        if made_on < decision.decided_on:
            raise DataError(f"the disclosure ({made_on.isoformat()}) cannot come before "
                            f"the decision ({decision.decided_on.isoformat()})")
        decision.made_on = made_on
        decision.made_by = _text(made_by, "who made the disclosure",
                                 most=SHORT_TEXT) or actor.username
        decision.made_recorded_by = actor.username
        session.flush()
        actor.record(session, operation="disclosure", record_type="disclosure_decision",
                     record_ids=[decision.reference, decision.subject_id],
                     recipients=[decision.recipient])
        return decision_document(decision)


def _decision(session: Session, number: int, reference: str,
              actor: Actor) -> DisclosureDecision:
    decision = session.get(DisclosureDecision, number)
    message = f"disclosure decision {reference!r} not found; list them with " \
              "'geo-era disclosure list'"
    if decision is None:
        raise NotFoundError(message)
    if not may_see(decision, actor):
        raise OutOfScopeError(message, record_type="disclosure_decision",
                              record_ids=[decision.reference])
    return decision


def _iso(day: dt.date | dt.datetime | None) -> str | None:
    return None if day is None else day.isoformat()


def decision_document(d: DisclosureDecision) -> dict[str, Any]:
    """A decision as plain data (the services choose what each caller sees of it)."""
    return {"reference": d.reference, "purpose": d.purpose, "subject_id": d.subject_id,
            "case_id": d.case_reference, "council": d.council,
            "recipient_type": d.recipient_type, "recipient": d.recipient,
            "disclose": d.disclose, "content": d.content, "reasons": d.reasons,
            "authority": d.authority, "child_protection": d.child_protection,
            "meeting_level": d.meeting_level, "meeting_on": _iso(d.meeting_on),
            "minutes_reference": d.minutes_reference, "discloser": d.discloser,
            "disclose_at": d.disclose_at, "disclose_on": _iso(d.disclose_on),
            "advice": d.advice, "restriction_id": d.restriction_id,
            "property_id": d.property_id, "decided_on": _iso(d.decided_on),
            "decided_by": d.recorded_by, "agency": d.agency,
            "recorded_at": _iso(d.recorded_at), "made_on": _iso(d.made_on),
            "made_by": d.made_by, "status": _status(d)}


def _status(d: DisclosureDecision) -> str:
    if not d.disclose:
        return "not to disclose"
    return "disclosed" if d.made_on is not None else "to disclose"


def _decisions(session: Session, actor: Actor, subject_id: str | None
               ) -> list[DisclosureDecision]:
    """The decisions ``actor`` may see (:func:`may_see`), newest first."""
    query = select(DisclosureDecision).order_by(DisclosureDecision.id.desc())
    if actor.scope is not None:
        query = query.where(DisclosureDecision.council == actor.scope)
    if actor.role in OWN_RECORDS_ONLY:
        query = query.where(DisclosureDecision.agency == actor.role)
    if subject_id is not None:
        query = query.where(DisclosureDecision.subject_id == subject_id)
    return list(session.scalars(query))


def _applications(session: Session, actor: Actor, subject_id: str | None
                  ) -> list[KcsApplication]:
    """The applications of the actor's council (every one when unconfined), newest
    first."""
    query = select(KcsApplication).order_by(KcsApplication.id.desc())
    if actor.scope is not None:
        query = query.where(KcsApplication.council == actor.scope)
    if subject_id is not None:
        query = query.where(KcsApplication.subject_id == subject_id)
    return list(session.scalars(query))


def listing(engine: Engine, *, actor: Actor, subject_id: str | None = None,
            applications: bool = True) -> dict[str, Any]:
    """The decisions ``actor`` may see and (``applications``) the Keeping Children Safe
    applications of their council, newest first, optionally of one subject; one
    ``consultation`` audit entry naming the records and the subjects listed."""
    with session_scope(engine) as session:
        decisions = _decisions(session, actor, subject_id)
        kcs = _applications(session, actor, subject_id) if applications else []
        subjects = sorted({d.subject_id for d in decisions}
                          | {a.subject_id for a in kcs if a.subject_id})
        actor.record(session, operation="consultation", record_type="disclosure_decision",
                     record_ids=[*(d.reference for d in decisions),
                                 *(a.reference for a in kcs), *subjects])
        return {"decisions": [decision_document(d) for d in decisions],
                "applications": [kcs_document(a) for a in kcs],
                "kcs_summary": kcs_summary(kcs)}


def kcs_summary(applications: Sequence[KcsApplication]) -> dict[str, int]:
    """The figures the MAPPA annual report gives of the scheme (9.0: "279 applications
    of which 191 were online ... 13 disclosures made ... 69 related to RSOs"), over
    ``applications``: how many were received, online, led to a disclosure, concerned a
    subject, and await an outcome."""
    return {"received": len(applications),
            "online": sum(a.online for a in applications),
            "disclosures_made": sum(a.outcome == "disclosure_made" for a in applications),
            "concerning_subjects": sum(bool(a.subject_id) for a in applications),
            "awaiting_outcome": sum(a.outcome is None for a in applications)}


def record_kcs(engine: Engine, request: KcsRequest, *, actor: Actor,
               today: dt.date | None = None) -> dict[str, Any]:
    """Record a Keeping Children Safe application as received, and its audit entry (a
    ``collection``, naming the subject when it concerns one)."""
    today = today or clock.today()
    _choice(request.relationship, KCS_RELATIONSHIPS, "relationship to the child")
    _not_future(request.received_on, "date the application was received", today)
    with session_scope(engine) as session:
        application = KcsApplication(
            received_on=request.received_on, online=request.online,
            relationship=request.relationship, council=_council(request, actor, None),
            subject_id=_text(request.subject_id, "subject id", most=64),
            notes=_text(request.notes, "notes"), recorded_by=actor.username)
        session.add(application)
        session.flush()
        actor.record(session, operation="collection", record_type="kcs_application",
                     record_ids=_kcs_ids(application))
        return kcs_document(application)


def _kcs_ids(application: KcsApplication) -> list[str]:
    return [application.reference] + ([application.subject_id]
                                      if application.subject_id else [])


def record_kcs_outcome(engine: Engine, reference: str, *, outcome: str,
                       outcome_on: dt.date, actor: Actor, notes: str | None = None,
                       today: dt.date | None = None) -> dict[str, Any]:
    """Record an application's outcome (:data:`KCS_OUTCOMES`) and its date. A
    disclosure made to the applicant is an audit ``disclosure`` entry naming them (the
    applicant, by their relationship to the child); any other outcome an
    ``alteration``."""
    today = today or clock.today()
    _choice(outcome, KCS_OUTCOMES, "outcome")
    _not_future(outcome_on, "date of the outcome", today)
    number = parse_reference(reference, "KCS")
    with session_scope(engine) as session:
        application = session.get(KcsApplication, number)
        message = f"application {reference!r} not found; list them with " \
                  "'geo-era disclosure list'"
        if application is None:
            raise NotFoundError(message)
        if actor.scope is not None and application.council != actor.scope:
            raise OutOfScopeError(message, record_type="kcs_application",
                                  record_ids=[application.reference])
        if application.outcome is not None:
            raise WorkflowRefusedError(f"{application.reference} has its outcome "
                                       f"({application.outcome.replace('_', ' ')}) "
                                       "already")
        if outcome_on < application.received_on:
            raise DataError(f"the outcome ({outcome_on.isoformat()}) cannot come before "
                            f"the application ({application.received_on.isoformat()})")
        if outcome == "not_a_registered_offender" and application.subject_id:
            raise DataError(f"{application.reference} concerns a registered subject; "
                            "choose another outcome")
        application.outcome, application.outcome_on = outcome, outcome_on
        application.outcome_by = actor.username
        if notes:
            application.notes = "\n".join(filter(None, [application.notes,
                                                        _text(notes, "notes")]))
        session.flush()
        made = outcome == "disclosure_made"
        actor.record(session, operation="disclosure" if made else "alteration",
                     record_type="kcs_application", record_ids=_kcs_ids(application),
                     recipients=[f"{application.reference} applicant "
                                 f"({application.relationship})"] if made else None)
        return kcs_document(application)


def kcs_document(a: KcsApplication) -> dict[str, Any]:
    """An application as plain data."""
    return {"reference": a.reference, "received_on": _iso(a.received_on),
            "online": a.online, "relationship": a.relationship, "council": a.council,
            "subject_id": a.subject_id, "outcome": a.outcome,
            "outcome_on": _iso(a.outcome_on), "notes": a.notes,
            "recorded_by": a.recorded_by, "recorded_at": _iso(a.recorded_at)}


@dataclass(frozen=True)
class DisclosedWording:
    """The wording of an allocation restriction disclosed to a landlord (3.12): the
    decision that disclosed it and the wording."""

    reference: str
    property_id: str
    wording: str


def disclosed_wording(engine: Engine, landlord: str, property_ids: Sequence[str]
                      ) -> dict[str, list[DisclosedWording]]:
    """By property, the restriction wordings disclosed to ``landlord``: a
    ``restriction_wording`` decision to disclose to that landlord, recorded as made, of a
    restriction still in force on the property. Nothing for any other property or
    landlord."""
    wanted = sorted(set(property_ids))
    out: dict[str, list[DisclosedWording]] = {}
    with session_scope(engine) as session:
        for start in range(0, len(wanted), 1_000):  # bounded IN lists
            query = (select(DisclosureDecision, Restriction)
                     .join(Restriction, DisclosureDecision.restriction_id == Restriction.id)
                     .where(DisclosureDecision.purpose == "restriction_wording",
                            DisclosureDecision.recipient_type == "landlord",
                            DisclosureDecision.recipient == landlord,
                            DisclosureDecision.disclose.is_(True),
                            DisclosureDecision.made_on.is_not(None),
                            Restriction.property_id.in_(wanted[start:start + 1_000]))
                     .order_by(DisclosureDecision.id))
            for decision, restriction in session.execute(query).all():
                if decision.property_id != restriction.property_id:
                    continue
                out.setdefault(restriction.property_id, []).append(DisclosedWording(
                    decision.reference, restriction.property_id, restriction.restriction))
    return out
