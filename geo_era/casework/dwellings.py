"""Recording the minimum set's work on a case (NASSO 3.8, 3.9): what a visit found at
each dwelling of a candidate property's set, the Responsible Authorities' risk-based
extension of the set, and dwellings added to or removed from it by hand.

Each step is one transaction with its audit entry (an alteration of the case), like the
steps of :mod:`geo_era.casework.cases`, and is refused on a closed case or for an agency
not taking part. How the set stands and what it still needs before Part C is read by
:mod:`geo_era.casework.minimum_sets`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geo_era import clock
from geo_era.casework.cases import (
    _agency,
    _audit,
    _case_property,
    _check_property,
    _load,
    _open,
    case_document,
)
from geo_era.casework.minimum_sets import (
    DWELLING_OUTCOMES,
    CurrentSet,
    current_set,
    records,
)
from geo_era.db.store import Case, DwellingOutcome, SetChange, session_scope, utcnow
from geo_era.errors import DataError, WorkflowRefusedError
from geo_era.security.audit import Actor

#: Assesses a case property with an extension of its minimum set: ``(subject_id,
#: property_id, extend_metres, extend_rings)`` -> the snapshot the case keeps (a
#: workspace's :meth:`~geo_era.workspace.Workspace.assess`).
ExtendingAssessor = Callable[[str, str, float | None, int | None], dict[str, Any]]

#: The extension the minimum-set engine allows (metres, rings of neighbours).
MAX_EXTEND_METRES = 5_000.0
MAX_EXTEND_RINGS = 5
_OCCUPANT = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DataError(f"give {what}")
    return text


def _occupant(shared: bool, occupants: int | None, occupant: str | None,
              dwelling_id: str) -> str | None:
    """The occupant a record is about: required for shared accommodation (1..n when n is
    known), refused for any other dwelling."""
    if not shared:
        if occupant:
            raise DataError(f"dwelling {dwelling_id} is not shared accommodation; record "
                            "its household without --occupant")
        return None
    if not occupant:
        which = f"1 to {occupants}" if occupants else "a label for each occupant found"
        raise DataError(f"dwelling {dwelling_id} is shared accommodation: all occupants "
                        f"must be checked (NASSO 3.9); name the occupant (--occupant, "
                        f"{which})")
    occupant = occupant.strip()
    if occupants:
        if occupant not in {str(k) for k in range(1, occupants + 1)}:
            raise DataError(f"occupant {occupant!r} of dwelling {dwelling_id}: use 1 to "
                            f"{occupants}, the occupants the assessment knows")
    elif not _OCCUPANT.match(occupant):
        raise DataError("an occupant label is 1 to 32 letters, digits, '.', '_' or '-', "
                        "e.g. 'room-2'")
    return occupant


def record_dwelling(engine: Engine, case_id: str | int, *, agency: str, dwelling_id: str,
                    outcome: str, seen_on: dt.date, actor: Actor,
                    property_id: str | None = None, occupant: str | None = None,
                    notes: str | None = None, children: bool | None = None,
                    adult_at_risk: bool | None = None,
                    today: dt.date | None = None) -> dict[str, Any]:
    """Record what a visit on ``seen_on`` found at one dwelling of a candidate's set
    (R44): ``fits_profile`` (with ``notes`` saying what was seen; a concern the lead
    agency answers, ``dwelling:<id>``), ``does_not_fit`` or ``nobody_home`` (a revisit
    is needed). ``children`` and ``adult_at_risk`` record what the visit established of
    the household. A shared property's occupants are recorded one by one (R41)."""
    check_visit(outcome, notes, seen_on, today)
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        _agency(case, agency)
        pid = _check_property(case, property_id, actor)
        view = current_set(_case_property(case, pid), records(case)[1])
        session.add(outcome_row(case, view, pid, agency=agency, dwelling_id=dwelling_id,
                                outcome=outcome, seen_on=seen_on, occupant=occupant,
                                notes=notes, children=children,
                                adult_at_risk=adult_at_risk, actor=actor))
        return _done(session, actor, case)


def check_visit(outcome: str, notes: str | None, seen_on: dt.date,
                today: dt.date | None = None) -> None:
    """Refuse an unknown dwelling outcome, ``fits_profile`` without notes, or a visit
    date after ``today``."""
    if outcome not in DWELLING_OUTCOMES:
        raise DataError(f"unknown dwelling outcome {outcome!r}; use one of "
                        f"{', '.join(DWELLING_OUTCOMES)}")
    if outcome == "fits_profile":
        _text(notes, "notes saying what was seen (--notes): a household that fits the "
                     "victim profile is a concern")
    if seen_on > (today or clock.today()):
        raise DataError(f"the visit date {seen_on.isoformat()} is in the future")


def outcome_row(case: Case, view: CurrentSet, pid: str, *, agency: str, dwelling_id: str,
                outcome: str, seen_on: dt.date, actor: Actor, occupant: str | None = None,
                notes: str | None = None, children: bool | None = None,
                adult_at_risk: bool | None = None) -> DwellingOutcome:
    """The record of what a visit found at ``dwelling_id`` of the set ``view`` of
    candidate ``pid`` (checked by :func:`check_visit` first); refused when the dwelling
    is not in the set or the occupant does not fit it."""
    member = next((m for m in view.members if m.dwelling_id == dwelling_id), None)
    if member is None:
        have = ", ".join(m.dwelling_id for m in view.members) or "none"
        raise WorkflowRefusedError(f"dwelling {dwelling_id!r} is not in the minimum set "
                                   f"of {pid} in case {case.reference} (its dwellings: "
                                   f"{have}); add it by hand with 'geo-era case member'")
    who = _occupant(member.shared, member.occupants, occupant, dwelling_id)
    return DwellingOutcome(
        case_id=case.id, property_id=pid, dwelling_id=dwelling_id, occupant=who,
        outcome=outcome, notes=(notes or "").strip() or None, seen_on=seen_on,
        children=children, adult_at_risk=adult_at_risk, agency=agency,
        recorded_by=actor.username, recorded_at=utcnow())


def _done(session: Session, actor: Actor, case: Case) -> dict[str, Any]:
    session.flush()
    _audit(session, actor, case, "alteration")
    return case_document(case)


def _extension(metres: float | None, rings: int | None) -> None:
    if (metres is None) == (rings is None):
        raise DataError("extend the set by metres (--metres) or by rings of neighbours "
                        "(--rings), one of the two")
    if metres is not None and not (math.isfinite(metres) and 0 < metres <= MAX_EXTEND_METRES):
        raise DataError(f"an extension is more than 0 and at most {MAX_EXTEND_METRES:,.0f} "
                        f"metres; got {metres}")
    if rings is not None and not 1 <= rings <= MAX_EXTEND_RINGS:
        raise DataError(f"an extension is 1 to {MAX_EXTEND_RINGS} rings of neighbours; got "
                        f"{rings}")


def extend_set(engine: Engine, case_id: str | int, *, agency: str, property_id: str | None,
               reason: str, assess: ExtendingAssessor, actor: Actor,
               metres: float | None = None, rings: int | None = None) -> dict[str, Any]:
    """Extend a candidate's minimum set beyond NASSO's minimum, by ``metres`` (straight
    line, EPSG:27700) or by ``rings`` of neighbours, for the reason given (3.9: "depending
    on the risk the offender poses and taking account of the physical checks"; R43). The
    extension is stored on the candidate and its assessment re-run with it, so the set
    and the dwellings to visit include the extension; a later extension replaces it."""
    _extension(metres, rings)
    why = _text(reason, "the reason for extending the set (--reason): the risk or what "
                        "the physical checks found")
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        _agency(case, agency)
        prop = _case_property(case, _check_property(case, property_id, actor))
        prop.snapshot = assess(case.subject_id, prop.property_id, metres, rings)
        prop.assessed_at = utcnow()
        session.add(SetChange(case_id=case.id, property_id=prop.property_id,
                              change="extend", metres=metres, rings=rings, reason=why,
                              agency=agency, recorded_by=actor.username,
                              recorded_at=utcnow()))
        return _done(session, actor, case)


def change_member(engine: Engine, case_id: str | int, *, agency: str,
                  property_id: str | None, dwelling_id: str, add: bool, reason: str,
                  actor: Actor) -> dict[str, Any]:
    """Add a dwelling to a candidate's set by hand, or remove one from it, for the
    reason given (3.9 "case-by-case"; R42). A dwelling added needs an outcome before
    Part C like any other; one removed no longer does."""
    why = _text(reason, "the reason (--reason)")
    dwelling_id = _text(dwelling_id, "the dwelling's property id")
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        _agency(case, agency)
        prop = _case_property(case, _check_property(case, property_id, actor))
        if prop.snapshot is None:
            raise WorkflowRefusedError(f"property {prop.property_id} has not been assessed "
                                       "(geo-era case assess); its set is not known yet")
        members = {m.dwelling_id for m in current_set(prop, records(case)[1]).members}
        if dwelling_id == prop.property_id and add:
            raise WorkflowRefusedError("the candidate property itself is not one of its "
                                       "neighbours")
        if add and dwelling_id in members:
            raise WorkflowRefusedError(f"dwelling {dwelling_id} is already in the set of "
                                       f"{prop.property_id}")
        if not add and dwelling_id not in members:
            raise WorkflowRefusedError(f"dwelling {dwelling_id} is not in the set of "
                                       f"{prop.property_id} (its dwellings: "
                                       f"{', '.join(sorted(members)) or 'none'})")
        session.add(SetChange(case_id=case.id, property_id=prop.property_id,
                              change="add" if add else "remove", dwelling_id=dwelling_id,
                              reason=why, agency=agency, recorded_by=actor.username,
                              recorded_at=utcnow()))
        return _done(session, actor, case)


def reassess_property(engine: Engine, case_id: str | int, property_id: str,
                      assess: ExtendingAssessor, *, actor: Actor) -> dict[str, Any]:
    """(Re)run the assessment of one of an open case's properties, keeping the extension
    of its set in force (:func:`extend_set`): recorded as one combination."""
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        prop = _case_property(case, property_id)
        extension = current_set(prop, records(case)[1]).extension
        prop.snapshot = assess(case.subject_id, property_id,
                               extension.metres if extension else None,
                               extension.rings if extension else None)
        prop.assessed_at = utcnow()
        _audit(session, actor, case, "combination")
        return case_document(case)
