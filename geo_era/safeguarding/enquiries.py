"""Enquiries and concerns about people managed under MAPPA (NASSO 5.4, 5.2; R73,
R94-R97): the log a council's SOLO or a landlord's Link Officer keeps of what tenants,
the public, the media, elected members and staff raise with them.

Each enquiry records what was raised (``summary``), by what ``channel``, by what kind of
person (``raised_by``; nothing else of them but an optional reference for the reply),
about which property or area, and its ``kind``:

- ``general_enquiry``: about housing policies and procedures; answered with the
  published policies, and passed to the Responsible Authorities when that does not
  resolve it (``unresolved``);
- ``housing_enquiry``: a housing enquiry relating to a sex offender; the SOLO is "the
  initial point of contact" (5.2), so it is always passed to the SOLO;
- ``concern``: about the behaviour of a tenant or another person in the community;
  reported to the police for investigation, and to social work services where there
  may be a risk to children (5.4).

Where it goes is decided here (:func:`routing`), not chosen freely: a concern always
reaches the police, a risk to children always reaches social work, anything from the
media or about an incident reported in the media always reaches the Responsible
Authorities' media point of contact (5.4: "refer all media enquiries to them"; such an
enquiry is flagged as a media incident).

The person raising it is told only that it has been passed on (:func:`confirmation`):
fixed wording with the reference, never who anyone is or where they live (5.4: "the
SOLO or Link Officer should only confirm that they have passed on the concerns or
enquiry for investigation"). The Responsible Authorities record the outcome and which
subject it turned out to concern (:func:`link_subject`); those are never part of what
the organisation that received it sees (:func:`enquiry_document` with ``full=False``).

Who sees an enquiry (:func:`visible`): a landlord's staff, their own organisation's;
council staff, those in their council or received by it; everyone else admitted, all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, or_, select
from sqlalchemy.orm import Session, selectinload

from geo_era import clock
from geo_era.analysis.areas import council_of
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import Enquiry, EnquiryLink, WeedingRecord, session_scope
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.security.access import HOUSING, OPERATOR
from geo_era.security.audit import Actor

#: What an enquiry is (NASSO 5.4, 5.2).
KINDS = ("general_enquiry", "housing_enquiry", "concern")
#: How it reached the SOLO or Link Officer.
CHANNELS = ("phone", "email", "letter", "in_person", "online", "other")
#: Who raised it: a kind of person, never a name (5.4).
RAISED_BY = ("tenant", "public", "media", "elected_member", "staff", "other")
#: Where an enquiry may be passed on, and how each is described to staff (R96: staff
#: know whom to refer enquiries to).
ROUTES = {
    "police": "Police Scotland, for investigation and possible action (5.4)",
    "social_work": "the council's social work services: there may be a risk to "
                   "children (5.4)",
    "solo": "the council's Sex Offender Liaison Officer, the initial point of contact "
            "for housing enquiries relating to sex offenders (5.2)",
    "responsible_authorities": "the Responsible Authorities (their community or media "
                               "point of contact, 5.4)",
    "policies": "answered with the published policies and procedures on housing sex "
                "offenders under MAPPA (5.4)",
}
#: The Responsible Authorities' outcomes of an enquiry passed to them.
OUTCOMES = ("no_further_action", "advice_given", "investigated", "action_taken",
            "referred_on")
#: Shortest and longest description of what was raised (characters).
MIN_SUMMARY, MAX_SUMMARY = 10, 4_000
#: Longest reference for the reply, area, note and outcome notes (characters).
MAX_CONTACT, MAX_AREA, MAX_NOTE = 200, 200, 4_000
#: What a reference looks like: ``ENQ-000042``.
PREFIX = "ENQ-"


def reference(number: int) -> str:
    """42 -> ``ENQ-000042``."""
    return f"{PREFIX}{number:06d}"


def parse_enquiry_id(enquiry_id: str | int) -> int:
    """``ENQ-000042``, ``42`` or 42 -> 42; a clear refusal for anything else."""
    text = str(enquiry_id).strip().upper().removeprefix(PREFIX)
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 9):
        raise DataError(f"enquiry id {str(enquiry_id)[:20]!r} is not an enquiry reference "
                        "like ENQ-000042")
    return int(text)


@dataclass(frozen=True)
class Raised:
    """An enquiry or concern as received (all text already plain, see
    :func:`geo_era.services.policy.plain_text`)."""

    kind: str
    channel: str
    raised_by: str
    summary: str
    received_on: dt.date
    property_id: str | None = None
    area: str | None = None
    #: the council whose area it concerns, when no property is named
    council: str | None = None
    contact_reference: str | None = None
    risk_to_children: bool = False
    media_incident: bool = False
    #: a general enquiry the published policies did not resolve (5.4)
    unresolved: bool = False
    #: where else to pass it, beyond what :func:`routing` requires
    also_to: tuple[str, ...] = ()


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise DataError(f"{what} {value[:40]!r} is not one of {', '.join(allowed)}")
    return value


def check_raised(raised: Raised, today: dt.date) -> None:
    """Refuse an enquiry that is not complete and consistent, saying which field and
    how to put it right."""
    _choice(raised.kind, KINDS, "kind")
    _choice(raised.channel, CHANNELS, "channel")
    _choice(raised.raised_by, RAISED_BY, "raised_by")
    for route in raised.also_to:
        _choice(route, tuple(ROUTES), "also_to")
    if not MIN_SUMMARY <= len(raised.summary) <= MAX_SUMMARY:
        raise DataError(f"summary: say what was raised in {MIN_SUMMARY} to {MAX_SUMMARY} "
                        "characters (what, not who: no names are needed)")
    if raised.received_on > today:
        raise DataError("received_on is in the future; give the day it was received")
    if raised.property_id is None and raised.area is None:
        raise DataError("property_id or area: name the property (its id) or the area the "
                        "enquiry is about")
    for value, most, what in ((raised.contact_reference, MAX_CONTACT, "contact_reference"),
                              (raised.area, MAX_AREA, "area")):
        if value is not None and len(value) > most:
            raise DataError(f"{what} is longer than {most} characters; shorten it")
    if raised.unresolved and raised.kind != "general_enquiry":
        raise DataError("unresolved applies to a general enquiry only (the published "
                        "policies did not resolve it); leave it unset")


def routing(raised: Raised) -> list[str]:
    """Where an enquiry is passed on (NASSO 5.4, 5.2), in :data:`ROUTES` order: a
    concern to the police; a possible risk to children to social work; a housing
    enquiry to the SOLO; a general enquiry answered with the policies, and to the
    Responsible Authorities when that did not resolve it; anything raised by the media
    or about an incident reported in the media to the Responsible Authorities' media
    point of contact; and wherever else the receiver chose."""
    wanted = set(raised.also_to)
    if raised.kind == "concern":
        wanted.add("police")
    if raised.risk_to_children:
        wanted.add("social_work")
    if raised.kind == "housing_enquiry":
        wanted.add("solo")
    if raised.kind == "general_enquiry":
        wanted.add("policies")
        if raised.unresolved:
            wanted.add("responsible_authorities")
    if raised.raised_by == "media" or raised.media_incident:
        wanted.add("responsible_authorities")
    return [route for route in ROUTES if route in wanted]


def confirmation(kind: str, routed_to: list[str], ref: str) -> str:
    """The words given to the person raising an enquiry (NASSO 5.4): that it has been
    passed on, with its reference, and nothing of who anyone is or where they live.
    Made from fixed wording only: nothing recorded about the enquiry is put in it."""
    what = "concern" if kind == "concern" else "enquiry"
    passed = [r for r in routed_to if r != "policies"]
    if not passed:
        return (f"Thank you for your enquiry (our reference {ref}). We have given you our "
                "published policies on housing people managed under MAPPA. If they do "
                "not answer it, tell us and we will pass your enquiry on to the "
                "Responsible Authorities.")
    return (f"Thank you for raising this with us (our reference {ref}). We have passed "
            f"your {what} on to the appropriate agency for investigation. We cannot tell "
            "you who anyone is or where anyone lives, or what the agency does about it.")


def _property(store: LayerStore, property_id: str) -> tuple[str | None, str | None]:
    """The council a property lies in and its landlord; a clear refusal for an id the
    properties layer does not hold."""
    if not store.has("properties"):
        raise DataError("no properties layer is loaded; name the area instead")
    stock = store.read_attributes("properties", ["property_id", "landlord"])
    row = stock[stock["property_id"].astype(str) == property_id]
    if row.empty:
        raise DataError(f"property_id {property_id[:64]!r} is not in the properties "
                            "layer; check the id, or name the area instead")
    landlord = row["landlord"].iloc[0] if "landlord" in row.columns else None
    return council_of(store, property_id), (str(landlord) if isinstance(landlord, str)
                                            and landlord.strip() else None)


def _councils(store: LayerStore) -> list[str]:
    if not store.has("areas"):
        return []
    areas = store.read_attributes("areas", ["area_type", "name"])
    return sorted(str(n) for n in areas.loc[areas["area_type"] == "council", "name"]
                  .dropna().unique())


def _where(store: LayerStore, raised: Raised, actor: Actor) -> tuple[str, str | None]:
    """The council an enquiry belongs to and the property's landlord."""
    council, landlord = (_property(store, raised.property_id)
                         if raised.property_id is not None else (None, None))
    council = council or raised.council or actor.scope
    if council is None:
        raise DataError("council: name the council whose area the enquiry is about")
    known = _councils(store)
    if known and council not in known:
        raise DataError(f"council {council[:64]!r} is not a council area of the areas "
                        f"layer; use one of {', '.join(known)}")
    if raised.council is not None and raised.council != council:
        raise DataError(f"council: the property lies in {council}; leave council empty "
                        "or give that one")
    if actor.scope is not None and council != actor.scope:
        raise DataError(f"the enquiry is about {council}, not your council: pass it to "
                        f"{council}'s SOLO")
    return council, landlord


def visible(enquiry: Enquiry, actor: Actor) -> bool:
    """Whether ``actor`` may see ``enquiry``: a landlord's staff their own
    organisation's; council staff those about their council or received by it; anyone
    else admitted, all."""
    if actor.role in HOUSING:
        return enquiry.organisation.casefold() == actor.organisation.strip().casefold()
    return actor.scope is None or actor.scope in (enquiry.council, enquiry.organisation)


def _visible_clause(actor: Actor) -> list[ColumnElement[bool]]:
    """:func:`visible` as SQL conditions (so a list reads only what it may show)."""
    if actor.role in HOUSING:
        return [func.lower(Enquiry.organisation) == actor.organisation.strip().lower()]
    if actor.scope is not None:
        return [or_(Enquiry.council == actor.scope, Enquiry.organisation == actor.scope)]
    return []


def enquiry_document(enquiry: Enquiry, *, full: bool) -> dict[str, Any]:
    """An enquiry as a plain document: as it was raised, where it went and the
    confirmation; with ``full``, also the outcome and the subjects it concerns (the
    Responsible Authorities' only)."""
    ref = reference(enquiry.id)
    doc: dict[str, Any] = {
        "enquiry_id": ref, "received_on": enquiry.received_on, "kind": enquiry.kind,
        "channel": enquiry.channel, "raised_by": enquiry.raised_by,
        "contact_reference": enquiry.contact_reference, "summary": enquiry.summary,
        "property_id": enquiry.property_id, "area": enquiry.area,
        "council": enquiry.council, "organisation": enquiry.organisation,
        "risk_to_children": enquiry.risk_to_children,
        "media_incident": enquiry.media_incident, "routed_to": list(enquiry.routed_to),
        "refer_to": [ROUTES[r] for r in enquiry.routed_to if r in ROUTES],
        "recorded_by": enquiry.recorded_by, "recorded_at": enquiry.recorded_at,
        "confirmed_on": enquiry.confirmed_on,
        "confirmation": (confirmation(enquiry.kind, list(enquiry.routed_to), ref)
                         if enquiry.confirmed_on is not None else None)}
    if full:
        doc |= {"landlord": enquiry.landlord, "outcome": enquiry.outcome,
                "outcome_notes": enquiry.outcome_notes, "outcome_on": enquiry.outcome_on,
                "outcome_by": enquiry.outcome_by,
                "links": [{"subject_id": link.subject_id, "note": link.note,
                           "linked_by": link.linked_by, "linked_at": link.linked_at}
                          for link in enquiry.links]}
    return doc


def summary_row(enquiry: Enquiry, *, full: bool) -> dict[str, Any]:
    """A line of the enquiry list: no text that was raised; with ``full``, whether the
    outcome is recorded and how many subjects it is linked to."""
    doc = {"enquiry_id": reference(enquiry.id), "received_on": enquiry.received_on,
           "kind": enquiry.kind, "channel": enquiry.channel,
           "raised_by": enquiry.raised_by, "property_id": enquiry.property_id,
           "area": enquiry.area, "council": enquiry.council,
           "organisation": enquiry.organisation,
           "risk_to_children": enquiry.risk_to_children,
           "media_incident": enquiry.media_incident, "routed_to": list(enquiry.routed_to),
           "confirmed": enquiry.confirmed_on is not None}
    if full:
        doc |= {"outcome": enquiry.outcome, "linked": len(enquiry.links)}
    return doc


def _audit(session: Session, actor: Actor, operation: str, enquiries: list[Enquiry],
           *, recipients: list[str] | None = None) -> None:
    actor.record(session, operation=operation, record_type="enquiry",
                 record_ids=[reference(e.id) for e in enquiries], recipients=recipients)


def record_enquiry(store: LayerStore, engine: Engine, raised: Raised, *, actor: Actor,
                   today: dt.date | None = None) -> dict[str, Any]:
    """Record an enquiry received by ``actor``'s organisation, routed by
    :func:`routing`, with one audit entry: a ``disclosure`` to the agencies it is passed
    to (every enquiry reaches at least one, or is answered with the policies, a
    ``collection``). Council staff record only enquiries about their own council."""
    today = today or clock.today()
    check_raised(raised, today)
    council, landlord = _where(store, raised, actor)
    routed = routing(raised)
    media = raised.media_incident or raised.raised_by == "media"
    with session_scope(engine) as session:
        enquiry = Enquiry(
            received_on=raised.received_on, kind=raised.kind, channel=raised.channel,
            raised_by=raised.raised_by, contact_reference=raised.contact_reference,
            summary=raised.summary, property_id=raised.property_id, area=raised.area,
            council=council, organisation=actor.organisation, landlord=landlord,
            risk_to_children=raised.risk_to_children, media_incident=media,
            routed_to=routed, recorded_by=actor.username, recorded_role=actor.role)
        session.add(enquiry)
        session.flush()
        passed = [r for r in routed if r != "policies"]
        _audit(session, actor, "disclosure" if passed else "collection", [enquiry],
               recipients=passed or None)
        session.refresh(enquiry, ["links"])
        return enquiry_document(enquiry, full=True)


def _load(session: Session, enquiry_id: str | int, actor: Actor) -> Enquiry:
    """The enquiry, if it exists and ``actor`` may see it; "not found" alike otherwise."""
    number = parse_enquiry_id(enquiry_id)
    enquiry = session.scalar(select(Enquiry).where(Enquiry.id == number).options(
        selectinload(Enquiry.links)))
    message = f"enquiry {reference(number)} not found; list enquiries to find its reference"
    if enquiry is None:
        raise NotFoundError(message)
    if not visible(enquiry, actor):
        raise OutOfScopeError(message, record_type="enquiry", record_ids=[reference(number)])
    return enquiry


def show_enquiry(engine: Engine, enquiry_id: str | int, *, actor: Actor,
                 full: bool) -> dict[str, Any]:
    """One enquiry as ``actor`` may see it, recorded as one consultation."""
    with session_scope(engine) as session:
        enquiry = _load(session, enquiry_id, actor)
        _audit(session, actor, "consultation", [enquiry])
        return enquiry_document(enquiry, full=full)


def list_enquiries(engine: Engine, *, actor: Actor, full: bool, media_only: bool = False,
                   open_only: bool = False, limit: int = 500) -> list[dict[str, Any]]:
    """The enquiries ``actor`` may see, latest received first (at most ``limit``);
    ``media_only``: media incidents only; ``open_only``: no outcome recorded yet. One
    consultation of those listed."""
    with session_scope(engine) as session:
        query = select(Enquiry).options(selectinload(Enquiry.links)).order_by(
            Enquiry.received_on.desc(), Enquiry.id.desc())
        if media_only:
            query = query.where(Enquiry.media_incident.is_(True))
        if open_only:
            query = query.where(Enquiry.outcome.is_(None))
        query = query.where(*_visible_clause(actor))
        found = [e for e in session.scalars(query.limit(limit)) if visible(e, actor)]
        _audit(session, actor, "consultation", found)
        return [summary_row(e, full=full) for e in found]


def confirm_enquiry(engine: Engine, enquiry_id: str | int, *, actor: Actor,
                    given_on: dt.date | None = None,
                    today: dt.date | None = None) -> dict[str, Any]:
    """Record that the person raising the enquiry was told it has been passed on (once;
    the wording is :func:`confirmation`), as a disclosure to them. Only the
    organisation that received it gives it."""
    today = today or clock.today()
    given_on = given_on or today
    if given_on > today:
        raise DataError("given_on is in the future; give the day the confirmation was given")
    with session_scope(engine) as session:
        enquiry = _load(session, enquiry_id, actor)
        ref = reference(enquiry.id)
        if enquiry.organisation.casefold() != actor.organisation.strip().casefold() \
                and actor.role != OPERATOR:
            raise WorkflowRefusedError(f"enquiry {ref} was received by {enquiry.organisation}:"
                                       " the confirmation is theirs to give")
        if enquiry.confirmed_on is not None:
            raise WorkflowRefusedError(f"enquiry {ref} was already confirmed on "
                                       f"{enquiry.confirmed_on.isoformat()}")
        if given_on < enquiry.received_on:
            raise DataError(f"given_on is before enquiry {ref} was received "
                            f"({enquiry.received_on.isoformat()})")
        enquiry.confirmed_on, enquiry.confirmed_by = given_on, actor.username
        _audit(session, actor, "disclosure", [enquiry],
               recipients=[f"the person raising it ({enquiry.raised_by})"])
        return {"enquiry_id": ref, "confirmed_on": given_on,
                "confirmation": confirmation(enquiry.kind, list(enquiry.routed_to), ref)}


def link_subject(engine: Engine, enquiry_id: str | int, subject_id: str, *, actor: Actor,
                 known_subjects: frozenset[str] | None, note: str | None = None
                 ) -> dict[str, Any]:
    """Record that the enquiry concerns ``subject_id`` (the Responsible Authorities'
    only, NASSO 5.4); ``known_subjects``, when given, are the subject ids the subjects
    layer holds. One ``combination`` audit entry naming the enquiry and the subject."""
    if known_subjects is not None and subject_id not in known_subjects:
        raise NotFoundError(f"subject_id {subject_id[:64]!r} is not in the subjects layer; "
                            "check the id")
    if note is not None and len(note) > MAX_NOTE:
        raise DataError(f"note is longer than {MAX_NOTE} characters; shorten it")
    with session_scope(engine) as session:
        enquiry = _load(session, enquiry_id, actor)
        if any(link.subject_id == subject_id for link in enquiry.links):
            raise WorkflowRefusedError(f"enquiry {reference(enquiry.id)} is already linked "
                                       "to that subject")
        enquiry.links.append(EnquiryLink(subject_id=subject_id, note=note,
                                         linked_by=actor.username))
        session.flush()
        actor.record(session, operation="combination", record_type="enquiry",
                     record_ids=[reference(enquiry.id), subject_id])
        return enquiry_document(enquiry, full=True)


def record_outcome(engine: Engine, enquiry_id: str | int, *, outcome: str,
                   notes: str | None, actor: Actor, decided_on: dt.date | None = None,
                   today: dt.date | None = None) -> dict[str, Any]:
    """Record the Responsible Authorities' outcome of an enquiry (a later one replaces
    it; the audit trail keeps each), as one alteration."""
    today = today or clock.today()
    decided_on = decided_on or today
    _choice(outcome, OUTCOMES, "outcome")
    if notes is not None and len(notes) > MAX_NOTE:
        raise DataError(f"notes are longer than {MAX_NOTE} characters; shorten them")
    if decided_on > today:
        raise DataError("decided_on is in the future; give the day of the outcome")
    with session_scope(engine) as session:
        enquiry = _load(session, enquiry_id, actor)
        if decided_on < enquiry.received_on:
            raise DataError(f"decided_on is before enquiry {reference(enquiry.id)} was "
                            f"received ({enquiry.received_on.isoformat()})")
        enquiry.outcome, enquiry.outcome_notes = outcome, notes
        enquiry.outcome_on, enquiry.outcome_by = decided_on, actor.username
        _audit(session, actor, "alteration", [enquiry])
        return enquiry_document(enquiry, full=True)


def closed_on(enquiry: Enquiry) -> dt.date | None:
    """The day an enquiry was closed: its outcome's; for a general enquiry answered
    with the published policies alone, the day that was confirmed; None while open."""
    if enquiry.outcome_on is not None:
        return enquiry.outcome_on
    return enquiry.confirmed_on if list(enquiry.routed_to) == ["policies"] else None


def weed_enquiries(engine: Engine, *, retention_days: int, actor: Actor,
                   today: dt.date | None = None) -> dict[str, Any]:
    """Delete the enquiries closed (:func:`closed_on`) more than ``retention_days``
    days ago, with their links to subjects; open ones are kept. One erasure audit entry
    naming them (none when none go) and a weeding-log line of the count, never the
    content: the line :func:`geo_era.casework.reviews.weed` reports."""
    if retention_days < 0:
        raise DataError("retention for enquiries cannot be negative")
    cutoff = (today or clock.today()) - dt.timedelta(days=retention_days)
    with session_scope(engine) as session:
        doomed = [e for e in session.scalars(select(Enquiry).options(
            selectinload(Enquiry.links))) if (closed_on(e) or cutoff) < cutoff]
        for enquiry in doomed:
            session.delete(enquiry)
        if doomed:
            actor.record(session, operation="erasure", record_type="enquiries",
                         record_ids=[reference(e.id) for e in doomed])
        session.add(WeedingRecord(record_type="enquiries", count=len(doomed),
                                  retention_days=retention_days, cutoff=cutoff))
    return {"record_type": "enquiries", "weeded": len(doomed),
            "retention_days": retention_days, "cutoff": cutoff.isoformat()}
