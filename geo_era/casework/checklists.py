"""An agency's checks of one candidate recorded together (NASSO 3.7, 3.8, 3.9): its
whole 3.7 database checklist, or the physical check (3.8's nine items) with what the
visit found at each dwelling of the candidate's minimum set.

Each is one transaction with ONE audit entry (an alteration of the case) for the batch:
every item is checked as :func:`geo_era.casework.cases.record_check` and
:func:`geo_era.casework.dwellings.record_dwelling` check one, and the first refused
item refuses the whole batch (:class:`ItemRefusedError` names it), so nothing is written.
An item whose outcome and notes are those already recorded for the agency is not
recorded again; an item given no outcome is left as it stands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from geo_era import clock
from geo_era.casework.cases import (
    OUTCOMES,
    Checklists,
    _agency,
    _audit,
    _case_property,
    _check_item,
    _check_property,
    _current_checks,
    _load,
    _open,
    case_document,
    check_label,
    check_outcome,
)
from geo_era.casework.dwellings import check_visit, outcome_row
from geo_era.casework.minimum_sets import (
    DWELLING_OUTCOMES,
    current_set,
    latest_outcomes,
    records,
)
from geo_era.db.store import Case, Check, session_scope
from geo_era.errors import DataError, GeoEraError
from geo_era.security.audit import Actor

#: The readable names of NASSO 3.8's physical check items, in its order.
PHYSICAL_LABELS = {
    "victim_profile": "signs of the victim profile (toys in gardens, children's curtains, "
                      "bikes)",
    "play_park": "play parks", "community_centre": "community centres",
    "place_of_worship": "churches and other places of worship", "shop": "shops",
    "school_nursery": "schools and nurseries",
    "sheltered_housing": "sheltered housing developments", "cctv": "CCTV locations",
    "licensed_premises": "licensed premises"}
#: Notes of one item: at most this many characters.
MAX_NOTES = 4_000

class ItemRefusedError(DataError):
    """One item of a batch refused: ``key`` names the item (a check's item code, or
    ``dwelling:<n>``, the n-th entry of the dwellings given), ``part`` what of it
    (``outcome`` or ``notes``); the message starts with the item's name."""

    def __init__(self, key: str, part: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.part = part


@dataclass(frozen=True)
class ItemEntry:
    """One check of a batch: its item code, outcome (``clear``, ``concern``,
    ``not_applicable``) and notes."""

    item: str
    outcome: str
    notes: str | None = None


@dataclass(frozen=True)
class DwellingEntry:
    """What a visit found at one dwelling of the set (an occupant of shared
    accommodation): ``fits_profile``, ``does_not_fit`` or ``nobody_home``, with notes."""

    dwelling_id: str
    outcome: str
    notes: str | None = None
    occupant: str | None = None


@contextmanager
def _refusing(key: str, label: str, good_outcome: bool) -> Iterator[None]:
    """A refusal of one item becomes :class:`ItemRefusedError` naming the item
    (``outcome`` when the outcome itself is wrong, else ``notes``)."""
    try:
        yield
    except ItemRefusedError:
        raise
    except GeoEraError as exc:
        raise ItemRefusedError(key, "notes" if good_outcome else "outcome",
                               f"{label}: {exc}") from exc


def _notes(entry_notes: str | None) -> str | None:
    text = (entry_notes or "").strip()
    if len(text) > MAX_NOTES:
        raise DataError(f"notes are at most {MAX_NOTES:,} characters; shorten them")
    return text or None


def _checked(entries: Sequence[ItemEntry], label: Callable[[str], str]) -> list[ItemEntry]:
    """The entries with their outcome and notes checked before anything is read."""
    done = []
    for entry in entries:
        with _refusing(entry.item, label(entry.item), entry.outcome in OUTCOMES):
            notes = _notes(entry.notes)
            check_outcome(entry.outcome, notes)
        done.append(ItemEntry(entry.item, entry.outcome, notes))
    return done


def _add_checks(case: Case, *, agency: str, kind: str, pid: str,
                entries: Sequence[ItemEntry], label: Callable[[str], str],
                checklists: Checklists | None, actor: Actor) -> int:
    """Append the checks that change what ``agency`` holds for ``pid``; how many."""
    current = _current_checks(case, pid)
    added = 0
    for entry in entries:
        with _refusing(entry.item, label(entry.item), True):
            code = _check_item(case, agency, kind, entry.item, checklists)
        held = current.get((agency, kind, code))
        if held is not None and (held.outcome, held.notes or None) == (entry.outcome,
                                                                      entry.notes):
            continue
        case.checks.append(Check(agency=agency, kind=kind, item=code, outcome=entry.outcome,
                                 notes=entry.notes, recorded_by=actor.username,
                                 property_id=pid))
        added += 1
    return added


def _nothing() -> DataError:
    return DataError("nothing new to record: choose an outcome for an item, or change "
                     "one already recorded")


def record_checklist(engine: Engine, case_id: str | int, *, agency: str, property_id: str,
                     entries: Sequence[ItemEntry], actor: Actor,
                     checklists: Checklists | None = None) -> dict[str, Any]:
    """Record ``agency``'s 3.7 database checks of candidate ``property_id`` together,
    all or none, with one audit entry; an item of another checklist, an unknown
    outcome or a concern or not-applicable outcome without notes refuses the batch
    (:class:`ItemRefusedError`). Answers the case after."""
    def label(item: str) -> str:
        return check_label(agency, item)

    checked = _checked(entries, label)
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        _agency(case, agency)
        pid = _check_property(case, property_id, actor)
        if not _add_checks(case, agency=agency, kind="database", pid=pid, entries=checked,
                           label=label, checklists=checklists, actor=actor):
            raise _nothing()
        session.flush()
        _audit(session, actor, case, "alteration")
        return case_document(case)


def physical_label(item: str) -> str:
    """The readable name of a 3.8 physical check item."""
    return PHYSICAL_LABELS.get(item, item.replace("_", " "))


def _checked_visits(visits: Sequence[DwellingEntry], seen_on: dt.date,
                    today: dt.date | None) -> list[DwellingEntry]:
    done = []
    for n, visit in enumerate(visits):
        key, name = f"dwelling:{n}", f"dwelling {visit.dwelling_id}" + (
            f" occupant {visit.occupant}" if visit.occupant else "")
        with _refusing(key, name, visit.outcome in DWELLING_OUTCOMES):
            notes = _notes(visit.notes)
            check_visit(visit.outcome, notes, seen_on, today)
        done.append(DwellingEntry(visit.dwelling_id, visit.outcome, notes, visit.occupant))
    return done


def record_physical(engine: Engine, case_id: str | int, *, agency: str, property_id: str,
                    entries: Sequence[ItemEntry], visits: Sequence[DwellingEntry],
                    seen_on: dt.date, actor: Actor,
                    today: dt.date | None = None) -> dict[str, Any]:
    """Record the physical check (3.8) of candidate ``property_id`` by ``agency``: its
    items (:data:`~geo_era.casework.cases.PHYSICAL_ITEMS`) and what the visit on
    ``seen_on`` found at dwellings of its minimum set (3.9), all or none, with one
    audit entry. A dwelling outcome the same as the one in force is not recorded
    again. Answers the case after."""
    if seen_on > (today or clock.today()):
        raise DataError(f"the visit date {seen_on.isoformat()} is in the future")
    checked = _checked(entries, physical_label)
    seen = _checked_visits(visits, seen_on, today)
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        _agency(case, agency)
        pid = _check_property(case, property_id, actor)
        added = _add_checks(case, agency=agency, kind="physical", pid=pid, entries=checked,
                            label=physical_label, checklists=None, actor=actor)
        outcomes, changes = records(case)
        view = current_set(_case_property(case, pid), changes)
        latest = latest_outcomes(outcomes, pid)
        for n, visit in enumerate(seen):
            with _refusing(f"dwelling:{n}", f"dwelling {visit.dwelling_id}", True):
                row = outcome_row(case, view, pid, agency=agency,
                                  dwelling_id=visit.dwelling_id, outcome=visit.outcome,
                                  seen_on=seen_on, occupant=visit.occupant,
                                  notes=visit.notes, actor=actor)
            held = latest.get((row.dwelling_id, row.occupant))
            if held is not None and (held.outcome, held.notes, held.agency) == (
                    row.outcome, row.notes, agency):
                continue
            session.add(row)
            added += 1
        if not added:
            raise _nothing()
        session.flush()
        _audit(session, actor, case, "alteration")
        return case_document(case)
