"""A candidate property's minimum set as a case holds it (NASSO 3.8, 3.9): the set of its
assessment, the Responsible Authorities' extension and the dwellings added or removed by
hand, and what a visit found at each dwelling.

The set of a property is read from its assessment snapshot (``minimum_set.properties``,
and ``minimum_set.extension.properties`` once extended), plus every dwelling added by
hand, less every dwelling removed by hand (:class:`~geo_era.db.store.SetChange`, the
latest change of a dwelling in force). Each dwelling of it needs an outcome
(:class:`~geo_era.db.store.DwellingOutcome`, the latest per dwelling and occupant in
force) before Part C: ``fits_profile`` (the household fits the victim profile: a concern
the lead agency must answer, ``dwelling:<id>``), ``does_not_fit``, or ``nobody_home``,
which asks for a revisit and does not count. Shared accommodation (R41, "all occupants
must be checked") needs an outcome for each occupant: ``1``..``n`` when the assessment
knows ``n``, else at least one, named as found on site.

Read-only helpers of :mod:`geo_era.casework.cases`; the steps that record are in
:mod:`geo_era.casework.dwellings`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from geo_era.db.store import Case, CaseProperty, DwellingOutcome, SetChange

#: What a visit found at a dwelling of the minimum set.
DWELLING_OUTCOMES = ("fits_profile", "does_not_fit", "nobody_home")
#: How the Responsible Authorities change a set (NASSO 3.9).
SET_CHANGES = ("extend", "add", "remove")
#: Why a dwelling of a shared property is in its own set (all its occupants).
ALL_OCCUPANTS = "all_occupants"


@dataclass
class Member:
    """One dwelling of a property's current set."""

    dwelling_id: str
    address: str | None
    source: str  # minimum, extension or added
    reason: str
    household: dict[str, Any] = field(default_factory=dict)
    shared: bool = False
    occupants: int | None = None


@dataclass
class CurrentSet:
    """A property's set as it stands: its members, the dwellings removed by hand and
    the extension in force; ``error`` when the assessment could not work the set out."""

    members: list[Member]
    removed: list[SetChange]
    extension: SetChange | None
    error: str | None


def records(case: Case) -> tuple[list[DwellingOutcome], list[SetChange]]:
    """Every dwelling outcome and set change of ``case``, oldest first (none for a case
    not in a session)."""
    session = object_session(case)
    if session is None or case.id is None:
        return [], []
    outcomes = session.scalars(select(DwellingOutcome).where(
        DwellingOutcome.case_id == case.id).order_by(DwellingOutcome.id)).all()
    changes = session.scalars(select(SetChange).where(
        SetChange.case_id == case.id).order_by(SetChange.id)).all()
    return list(outcomes), list(changes)


def _snapshot_members(snapshot: Mapping[str, Any]) -> tuple[list[Member], str | None]:
    doc = snapshot.get("minimum_set") or {}
    if "error" in doc:
        return [], str(doc["error"])
    members = []
    for m in doc.get("properties") or []:
        reasons = list(m.get("reasons") or [])
        shared = ALL_OCCUPANTS in reasons
        members.append(Member(str(m["property_id"]), m.get("address"), "minimum",
                              str(m.get("reason") or ""), dict(m.get("household") or {}),
                              shared, doc.get("occupants") if shared else None))
    for m in (doc.get("extension") or {}).get("properties") or []:
        how = (f"extension, ring {m['ring']}" if "ring" in m
               else f"extension, {m.get('distance_m', 0):,.0f} m away")
        members.append(Member(str(m["property_id"]), m.get("address"), "extension", how,
                              dict(m.get("household") or {})))
    return members, None


def current_set(prop: CaseProperty, changes: Sequence[SetChange]) -> CurrentSet:
    """The set of ``prop`` as it stands, from its snapshot and the case's changes."""
    members, error = _snapshot_members(prop.snapshot or {})
    mine = [c for c in changes if c.property_id == prop.property_id]
    extension = next((c for c in reversed(mine) if c.change == "extend"), None)
    by_hand: dict[str, SetChange] = {}
    for change in mine:
        if change.change in ("add", "remove") and change.dwelling_id:
            by_hand[change.dwelling_id] = change
    removed = [c for c in by_hand.values() if c.change == "remove"]
    gone = {c.dwelling_id for c in removed}
    kept = [m for m in members if m.dwelling_id not in gone]
    have = {m.dwelling_id for m in kept}
    kept += [Member(c.dwelling_id or "", None, "added", f"added by hand: {c.reason}")
             for c in by_hand.values() if c.change == "add" and c.dwelling_id not in have]
    return CurrentSet(kept, removed, extension, error)


def member_ids(prop: CaseProperty, changes: Sequence[SetChange]) -> list[str]:
    """The dwelling ids of the current set of ``prop``."""
    return [m.dwelling_id for m in current_set(prop, changes).members]


def latest_outcomes(outcomes: Sequence[DwellingOutcome], property_id: str
                    ) -> dict[tuple[str, str | None], DwellingOutcome]:
    """The outcome in force of each (dwelling, occupant) of one property's set."""
    latest: dict[tuple[str, str | None], DwellingOutcome] = {}
    for row in outcomes:
        if row.property_id == property_id:
            latest[(row.dwelling_id, row.occupant)] = row
    return latest


def concern_key(row: DwellingOutcome) -> str:
    """How a ``fits_profile`` outcome is named in a response: ``dwelling:<id>``, or
    ``dwelling:<id>/<occupant>`` for an occupant of shared accommodation."""
    return f"dwelling:{row.dwelling_id}" + (f"/{row.occupant}" if row.occupant else "")


def dwelling_concerns(case: Case, property_id: str) -> list[str]:
    """The ``fits_profile`` outcomes in force on ``property_id``'s set: concerns the lead
    agency answers before Part C (3.11). A dwelling removed from the set by hand keeps
    its concern: removing it does not answer it."""
    outcomes, _ = records(case)
    return sorted(concern_key(row) for row in latest_outcomes(outcomes, property_id).values()
                  if row.outcome == "fits_profile")


def _status(member: Member, latest: Mapping[tuple[str, str | None], DwellingOutcome]
            ) -> tuple[list[str], list[str]]:
    """(no outcome, nobody home) labels of one member."""
    if not member.shared:
        row = latest.get((member.dwelling_id, None))
        if row is None:
            return [member.dwelling_id], []
        return [], [member.dwelling_id] if row.outcome == "nobody_home" else []
    seen = {k[1]: r for k, r in latest.items() if k[0] == member.dwelling_id and k[1]}
    if member.occupants:
        wanted = [str(k) for k in range(1, member.occupants + 1)]
        none = [f"{member.dwelling_id} occupant {k}" for k in wanted if k not in seen]
        away = [f"{member.dwelling_id} occupant {k}" for k in wanted
                if k in seen and seen[k].outcome == "nobody_home"]
        return none, away
    if not seen:
        return [f"{member.dwelling_id} (each occupant; their number is not known)"], []
    return [], [f"{member.dwelling_id} occupant {k}" for k, r in seen.items()
                if r.outcome == "nobody_home"]


def dwelling_gaps(case: Case, prop: CaseProperty) -> list[str]:
    """What the dwellings of ``prop``'s set still need before Part C, in words: a set
    that could not be worked out (and has no dwelling added by hand), dwellings with no
    outcome, and dwellings where nobody was home (to revisit)."""
    if prop.snapshot is None:
        return []
    outcomes, changes = records(case)
    view = current_set(prop, changes)
    pid = prop.property_id
    gaps: list[str] = []
    if view.error and not view.members:
        gaps.append(f"the minimum set of {pid} could not be worked out ({view.error}); "
                    "add its dwellings by hand (geo-era case member --add)")
    latest = latest_outcomes(outcomes, pid)
    none: list[str] = []
    away: list[str] = []
    for member in view.members:
        missing, revisit = _status(member, latest)
        none += missing
        away += revisit
    if none:
        gaps.append(f"dwellings of the minimum set of {pid} with no outcome (geo-era case "
                    f"dwelling): {', '.join(none)}")
    if away:
        gaps.append(f"dwellings of the minimum set of {pid} where nobody was home: revisit "
                    f"{', '.join(away)}")
    return gaps


def _outcome_record(row: DwellingOutcome) -> dict[str, Any]:
    return {"property_id": row.property_id, "dwelling_id": row.dwelling_id,
            "occupant": row.occupant, "outcome": row.outcome, "notes": row.notes,
            "seen_on": row.seen_on.isoformat(), "children": row.children,
            "adult_at_risk": row.adult_at_risk, "agency": row.agency,
            "recorded_by": row.recorded_by, "recorded_at": row.recorded_at.isoformat()}


def _change_record(row: SetChange) -> dict[str, Any]:
    return {"property_id": row.property_id, "change": row.change,
            "dwelling_id": row.dwelling_id, "metres": row.metres, "rings": row.rings,
            "reason": row.reason, "agency": row.agency, "recorded_by": row.recorded_by,
            "recorded_at": row.recorded_at.isoformat()}


def _known(member: Member, current: Sequence[DwellingOutcome]) -> dict[str, Any]:
    """The household as known now: the records, unless the latest visits established it
    (``known_from``: ``visit``); ``None`` still unknown."""
    known: dict[str, Any] = {
        "children": member.household.get("children_in_household"),
        "adult_at_risk": member.household.get("adult_at_risk_in_household"),
        "known_from": "records"}
    for key in ("children", "adult_at_risk"):
        seen = [getattr(r, key) for r in current if getattr(r, key) is not None]
        if seen:
            known[key] = any(seen)
            known["known_from"] = "visit"
    return known


def _member_view(member: Member, latest: Mapping[tuple[str, str | None], DwellingOutcome]
                 ) -> dict[str, Any]:
    current = [r for k, r in latest.items() if k[0] == member.dwelling_id]
    missing, revisit = _status(member, latest)
    state = ("no outcome" if missing else "revisit" if revisit else
             "fits profile" if any(r.outcome == "fits_profile" for r in current)
             else "does not fit")
    return {"dwelling_id": member.dwelling_id, "address": member.address,
            "source": member.source, "reason": member.reason, "shared": member.shared,
            "occupants": member.occupants, "state": state,
            "outcomes": [_outcome_record(r) for r in current],
            "household": _known(member, current)}


def sets_document(case: Case) -> dict[str, Any]:
    """The case document's parts on the minimum sets: every outcome and change recorded
    (``dwellings``, ``set_changes``) and, per candidate, the set as it stands with each
    dwelling's outcome and its household as known now (``minimum_sets``)."""
    outcomes, changes = records(case)
    sets = []
    for prop in case.properties:
        view = current_set(prop, changes)
        latest = latest_outcomes(outcomes, prop.property_id)
        extension = view.extension
        snap_ext = ((prop.snapshot or {}).get("minimum_set") or {}).get("extension") or {}
        sets.append({
            "property_id": prop.property_id, "error": view.error,
            "members": [_member_view(m, latest) for m in view.members],
            "removed": [_change_record(c) for c in view.removed],
            "extension": None if extension is None else {
                **_change_record(extension),
                "assessed": bool(snap_ext) and snap_ext.get("metres") == extension.metres
                and snap_ext.get("rings") == extension.rings}})
    return {"dwellings": [_outcome_record(r) for r in outcomes],
            "set_changes": [_change_record(c) for c in changes], "minimum_sets": sets}
