"""Sensitive allocations (NASSO 3.12): does letting this void need care because of
someone already housed nearby?

A void needs a sensitive allocation when, for a subject housed now (``subjects.
current_property_id``, or a current row of ``placements``, both following the moves
recorded in the case store: :mod:`geo_era.casework.placements`):

- it is in the NASSO 3.9 minimum set of the subject's home (the neighbours an ERA had
  to check, who would now be new neighbours);
- it is in the same building as the home of a subject whose conditions forbid living in
  a building with children;
- a case recorded a restriction on its allocation (``geo-era case restrict``);
- or it is itself recorded as a subject's current home (the record needs updating).

A landlord is told only "sensitive allocation required - contact the SOLO" (3.12: enough
to allocate safely, never who or why), and a restriction's wording only where the
Responsible Authorities decided to disclose it to them (added by the services,
:mod:`geo_era.services.disclosures`); roles with need to know get the reasons. A
subject's recorded home is never flagged to a landlord as such: that flag would be the
subject's address. (It tells the Responsible Authorities that a record needs updating.)

The minimum sets of every housed subject's home are computed in one batch
(:meth:`~geo_era.analysis.minimum_set.ParameterEngine.member_pairs`) and joined to the voids by row
position: no per-subject loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from geo_era.casework.placements import with_moves
from geo_era.contract.conditions import NoResidenceSameBuildingAsChildren, parse_conditions
from geo_era.db.store import Case, PlacementMove, Restriction, session_scope
from geo_era.errors import NotFoundError
from geo_era.geometry.lookup import positions
from geo_era.housing.void_lists import VoidList
from geo_era.security.audit import Actor
from geo_era.workspace import Snapshot

IntArray = npt.NDArray[np.int64]

FLAG = "sensitive allocation required — contact the SOLO"
#: Voids checked per batch (the progress bar moves per batch).
CHUNK = 5_000


@dataclass(frozen=True)
class RecordedRestriction:
    """A restriction a case recorded on a property's future allocation."""

    case_id: str
    subject_id: str
    property_id: str
    restriction: str


@dataclass(frozen=True)
class Housed:
    """Subjects housed now: ``subject_id[k]`` lives at row ``home[k]`` of the properties
    layer. ``unplaced`` counts recorded homes that are not in the layer."""

    subject_id: npt.NDArray[np.object_]
    home: IntArray
    unplaced: int


def _not_ended(placements: pd.DataFrame) -> pd.Series:
    """Which placements have not ended today: no end date, or one still to come (a
    temporary-accommodation placement with its planned end)."""
    if "end_date" not in placements.columns:
        return pd.Series(True, index=placements.index)
    end = pd.to_datetime(placements["end_date"], errors="coerce")
    return end.isna() | (end > pd.Timestamp.today().normalize())


def housed_subjects(snap: Snapshot) -> Housed:
    """Every (subject, home) pair known now: ``current_property_id`` of ``subjects``
    and the placements not ended today (no end date, or a later one); each pair
    once."""
    frames: list[pd.DataFrame] = []
    try:
        subjects: pd.DataFrame | None = snap.subjects
    except NotFoundError:
        subjects = None
    if subjects is not None and "current_property_id" in subjects.columns:
        frames.append(pd.DataFrame({"subject_id": subjects["subject_id"].astype(str),
                                    "property_id": subjects["current_property_id"]}))
    placements = snap.placements
    if placements is not None and len(placements):
        current = _not_ended(placements)
        frames.append(pd.DataFrame({
            "subject_id": placements["subject_id"].astype(str)[current],
            "property_id": placements["property_id"][current]}))
    if not frames:
        return Housed(np.empty(0, dtype=object), np.empty(0, dtype=np.int64), 0)
    pairs = pd.concat(frames, ignore_index=True).dropna()
    pairs["property_id"] = pairs["property_id"].astype(str).str.strip()
    pairs = pairs[pairs["property_id"] != ""].drop_duplicates()
    home = positions(pairs["property_id"], snap.engine.properties["property_id"])
    placed = home >= 0
    return Housed(pairs["subject_id"].to_numpy(dtype=object)[placed], home[placed],
                  int((~placed).sum()))


def _building_children_subjects(snap: Snapshot, housed: Housed) -> npt.NDArray[np.bool_]:
    """Which housed subjects may not live in a building with children."""
    try:
        subjects = snap.subjects
    except NotFoundError:
        return np.zeros(len(housed.subject_id), dtype=bool)
    if "conditions" not in subjects.columns:
        return np.zeros(len(housed.subject_id), dtype=bool)
    text = subjects["conditions"].astype("string").fillna("")
    maybe = text.str.contains("no_residence_same_building_as_children", regex=False)
    bound = {str(s) for s, c in zip(subjects["subject_id"][maybe], text[maybe], strict=True)
             if any(isinstance(x, NoResidenceSameBuildingAsChildren)
                    for x in parse_conditions(c))}
    return np.isin(housed.subject_id, list(bound))


@dataclass
class AllocationCheck:
    """Per void (in list order): whether its allocation is sensitive, and why."""

    property_ids: list[str]
    addresses: list[str]
    reasons: list[list[dict[str, Any]]]
    row_errors: list[dict[str, Any]]
    housed: int
    unplaced_homes: int
    data_version: int
    source: str

    @property
    def sensitive(self) -> list[bool]:
        return [bool(r) for r in self.reasons]

    def without(self, kind: str) -> AllocationCheck:
        """The same check with every reason of ``kind`` left out (a void flagged only
        for it is then not sensitive)."""
        kept = [[r for r in rs if r["kind"] != kind] for rs in self.reasons]
        return replace(self, reasons=kept)

    def subjects_involved(self) -> list[str]:
        """Subjects whose records made any void sensitive (for the audit trail)."""
        return sorted({r["subject_id"] for rs in self.reasons for r in rs})

    def to_dict(self, *, reveal: bool | Sequence[bool] = True) -> dict[str, Any]:
        """JSON-ready. ``reveal`` says, for all voids or per void, whether the reasons
        may be given; where not, the void carries only the flag."""
        show = [reveal] * len(self.reasons) if isinstance(reveal, bool) else list(reveal)
        voids = []
        for pid, address, reasons, full in zip(self.property_ids, self.addresses,
                                               self.reasons, show, strict=True):
            item: dict[str, Any] = {"property_id": pid, "address": address,
                                    "sensitive_allocation": bool(reasons),
                                    "flag": FLAG if reasons else None}
            if full:
                item["sensitive_because"] = reasons
            voids.append(item)
        document: dict[str, Any] = {
            "source": self.source, "data_version": self.data_version,
            "counts": {"checked": len(voids),
                       "sensitive": sum(bool(r) for r in self.reasons),
                       "row_errors": len(self.row_errors)},
            "row_errors": self.row_errors, "voids": voids}
        if any(show):
            document["counts"]["housed_subjects"] = self.housed
            document["counts"]["homes_not_in_properties"] = self.unplaced_homes
        return document


@dataclass(frozen=True)
class _Neighbourhoods:
    """What makes a property sensitive, indexed by property row: the minimum-set members
    of every home (``member`` sorted, ``who`` the housed position), the homes
    (``home_order`` sorts ``housed.home``), the buildings of subjects who may not live
    with children (``bound_code`` sorted, ``bound_who``), and recorded restrictions."""

    pids: npt.NDArray[np.object_]
    housed: Housed
    member: IntArray
    who: IntArray
    home_order: IntArray
    codes: IntArray
    bound_code: IntArray
    bound_who: IntArray
    restrictions: dict[str, list[RecordedRestriction]]
    #: how many distinct subjects are housed
    housed_count: int = 0

    @classmethod
    def build(cls, snap: Snapshot, restrictions: Iterable[RecordedRestriction]
              ) -> _Neighbourhoods:
        housed = housed_subjects(snap)
        engine = snap.engine
        home_order = np.argsort(housed.home, kind="stable").astype(np.int64)
        homes_sorted = housed.home[home_order]
        # the minimum sets of every home at once, then each home's pairs repeated for
        # every subject living there (a home can house two)
        i, j = engine.member_pairs(housed.home)
        lo = np.searchsorted(homes_sorted, i, side="left")
        repeat = (np.searchsorted(homes_sorted, i, side="right") - lo).astype(np.int64)
        member = np.repeat(j, repeat)
        who = home_order[np.repeat(lo, repeat) + _ranges(repeat)]
        by_member = np.argsort(member, kind="stable")
        codes = engine.building_codes
        bound = np.flatnonzero(_building_children_subjects(snap, housed))
        bound_code = codes[housed.home[bound]]
        by_code = np.argsort(bound_code, kind="stable")
        by_property: dict[str, list[RecordedRestriction]] = {}
        for r in restrictions:
            by_property.setdefault(r.property_id, []).append(r)
        return cls(engine.properties["property_id"].astype(str).to_numpy(dtype=object),
                   housed, member[by_member], who[by_member], home_order, codes,
                   bound_code[by_code], bound[by_code], by_property,
                   len(np.unique(housed.subject_id)))

    def with_restrictions(self, restrictions: Iterable[RecordedRestriction]
                          ) -> _Neighbourhoods:
        """The same neighbourhoods with ``restrictions`` in place of the recorded ones."""
        by_property: dict[str, list[RecordedRestriction]] = {}
        for r in restrictions:
            by_property.setdefault(r.property_id, []).append(r)
        return replace(self, restrictions=by_property)

    def reasons(self, rows: IntArray) -> list[list[dict[str, Any]]]:
        """Why each property at ``rows`` needs a sensitive allocation (empty: it does
        not)."""
        pids, housed = self.pids, self.housed
        out: list[list[dict[str, Any]]] = [[] for _ in range(len(rows))]
        q, k = _hits(housed.home[self.home_order], self.home_order, rows)
        for qi, ki in zip(q.tolist(), k.tolist(), strict=True):
            out[qi].append({"kind": "recorded_home",
                            "subject_id": str(housed.subject_id[ki]),
                            "home_property_id": str(pids[rows[qi]]),
                            "message": "recorded as the current home of a subject: update "
                                       "the record if they have moved out"})
        q, k = _hits(self.member, self.who, rows)
        for qi, ki in zip(q.tolist(), k.tolist(), strict=True):
            home = str(pids[housed.home[ki]])
            out[qi].append({"kind": "minimum_set", "subject_id": str(housed.subject_id[ki]),
                            "home_property_id": home,
                            "message": f"in the NASSO 3.9 minimum set of a subject's home "
                                       f"({home})"})
        code = self.codes[rows]
        q, k = _hits(self.bound_code, self.bound_who, np.where(code >= 0, code, -2))
        for qi, ki in zip(q.tolist(), k.tolist(), strict=True):
            home = str(pids[housed.home[ki]])
            if home == str(pids[rows[qi]]):
                continue  # the home itself is reported as such
            out[qi].append({"kind": "building_without_children",
                            "subject_id": str(housed.subject_id[ki]),
                            "home_property_id": home,
                            "message": "in the same building as the home of a subject who "
                                       f"may not live in a building with children ({home}): "
                                       "do not allocate to a household with children"})
        for qi, pid in enumerate(pids[rows].tolist()):
            for r in self.restrictions.get(str(pid), ()):
                out[qi].append({"kind": "restriction", "subject_id": r.subject_id,
                                "case_id": r.case_id, "restriction": r.restriction,
                                "message": f"restriction recorded in case {r.case_id}: "
                                           f"{r.restriction}"})
        return out


def check_allocations(snap: Snapshot, voids: VoidList, *,
                      restrictions: Iterable[RecordedRestriction] = (),
                      progress: Callable[[int], None] | None = None,
                      chunk: int = CHUNK,
                      neighbourhoods: _Neighbourhoods | None = None) -> AllocationCheck:
    """Which of ``voids`` need a sensitive allocation, and why (the pure core).
    ``neighbourhoods``: those of ``snap`` already built (:class:`NeighbourhoodCache`),
    given ``restrictions`` here."""
    index = (_Neighbourhoods.build(snap, restrictions) if neighbourhoods is None
             else neighbourhoods.with_restrictions(restrictions))
    reasons: list[list[dict[str, Any]]] = []
    for start in range(0, len(voids.rows), chunk):
        rows = voids.rows[start:start + chunk]
        reasons.extend(index.reasons(rows))
        if progress is not None:
            progress(len(rows))
    return AllocationCheck(
        property_ids=[str(p) for p in index.pids[voids.rows]],
        addresses=_addresses(snap, voids.rows),
        reasons=reasons, row_errors=[e.to_dict() for e in voids.errors],
        housed=index.housed_count,
        unplaced_homes=index.housed.unplaced, data_version=snap.data_version,
        source=voids.source)


def _addresses(snap: Snapshot, rows: IntArray) -> list[str]:
    """The addresses at ``rows``: one by one for a few (taking from the whole Arrow
    column costs tens of milliseconds at national scale), in one take for many."""
    if len(rows) <= 64:
        return [str(snap.properties.address[int(r)]) for r in rows]
    return [str(a) for a in snap.properties.address[rows]]


def _ranges(counts: IntArray) -> IntArray:
    """0..n-1 for each n in ``counts``, concatenated."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    out: IntArray = np.arange(total, dtype=np.int64) - starts
    return out


def _hits(sorted_keys: IntArray, values: IntArray, queries: IntArray
          ) -> tuple[IntArray, IntArray]:
    """Every (query position, value) with ``sorted_keys == queries[q]``."""
    lo = np.searchsorted(sorted_keys, queries, side="left")
    counts = (np.searchsorted(sorted_keys, queries, side="right") - lo).astype(np.int64)
    q = np.repeat(np.arange(len(queries), dtype=np.int64), counts)
    return q, values[np.repeat(lo, counts) + _ranges(counts)]


def recorded_restrictions(engine: Engine, property_ids: Sequence[str]
                          ) -> list[RecordedRestriction]:
    """The restrictions cases recorded on these properties (NASSO 3.12)."""
    with session_scope(engine) as session:
        return _restrictions(session, property_ids)


def _restrictions(session: Session, property_ids: Sequence[str]
                  ) -> list[RecordedRestriction]:
    wanted = sorted(set(property_ids))
    out: list[RecordedRestriction] = []
    for start in range(0, len(wanted), 1_000):  # bounded IN lists
        query = (select(Restriction, Case).join(Case, Restriction.case_id == Case.id)
                 .where(Restriction.property_id.in_(wanted[start:start + 1_000])))
        for restriction, case in session.execute(query).all():
            out.append(RecordedRestriction(case.reference, case.subject_id,
                                           restriction.property_id,
                                           restriction.restriction))
    return out


def moves_stamp(engine: Engine) -> tuple[int, int]:
    """How many moves the case store has recorded, and the last one's id: what says
    that the placements overlay (:func:`with_moves`) has changed."""
    with session_scope(engine) as session:
        return _moves_stamp(session)


def _moves_stamp(session: Session) -> tuple[int, int]:
    count, last = session.execute(select(func.count(), func.max(PlacementMove.id))).one()
    return int(count or 0), int(last or 0)


class NeighbourhoodCache:
    """The neighbourhoods of every housed subject's home (their minimum sets, the
    buildings of those who may not live with children), kept between checks: they
    depend only on the data version and the moves recorded in the case store, so a
    check of one void need not work out every home's minimum set again. Safe to share
    between threads; built again when either changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, int, tuple[int, int]] | None = None
        self._value: tuple[Snapshot, _Neighbourhoods] | None = None
        #: how many times the neighbourhoods were built (for the tests and benchmarks)
        self.builds = 0

    def get(self, snap: Snapshot, engine: Engine, stamp: tuple[int, int] | None = None
            ) -> tuple[Snapshot, _Neighbourhoods]:
        """``snap`` with the recorded moves (:func:`with_moves`) and its
        neighbourhoods, from the cache when neither has changed (``stamp``: the
        :func:`moves_stamp` just read, if the caller has it)."""
        key = (snap.data_version, id(snap.engine),
               moves_stamp(engine) if stamp is None else stamp)
        with self._lock:
            if self._key == key and self._value is not None \
                    and self._value[0].engine is snap.engine:
                return self._value
            moved = with_moves(snap, engine)
            value = (moved, _Neighbourhoods.build(moved, ()))
            self._key, self._value = key, value
            self.builds += 1
            return value


def allocation_check(snap: Snapshot, engine: Engine, voids: VoidList, *, actor: Actor,
                     restricted: bool, for_landlord: bool = False,
                     progress: Callable[[int], None] | None = None,
                     cache: NeighbourhoodCache | None = None) -> AllocationCheck:
    """Check ``voids`` for ``actor`` and record it in the audit trail: a consultation
    of the subjects whose records flagged a void, or, for the flags alone
    (``restricted``), a disclosure of them to the actor's organisation. Needs a
    justification. ``for_landlord``: a subject's recorded home is not flagged as such
    (to a landlord, that flag is the subject's address).

    Who is housed where follows the moves recorded in ``engine``
    (:func:`geo_era.casework.placements.with_moves`), not only the imported layers."""
    actor.require_justification("housed subjects' records")
    result = check_cached(snap, engine, voids, cache=cache, progress=progress)
    if for_landlord:
        result = result.without("recorded_home")
    with session_scope(engine) as session:
        actor.record(session, operation="disclosure" if restricted else "consultation",
                     record_type="allocation_check",
                     record_ids=result.subjects_involved(),
                     recipients=[actor.organisation] if restricted else None)
    return result


def check_cached(snap: Snapshot, engine: Engine, voids: VoidList, *,
                 cache: NeighbourhoodCache | None = None,
                 progress: Callable[[int], None] | None = None) -> AllocationCheck:
    """:func:`check_allocations` of ``voids`` with the moves and the restrictions
    recorded in ``engine``; the neighbourhoods from ``cache`` when given. No audit entry
    (the caller writes it)."""
    pids = [str(p) for p in snap.properties.ids[voids.rows]]
    with session_scope(engine) as session:  # one read of the store
        stamp = _moves_stamp(session)
        restrictions = _restrictions(session, pids)
    if cache is None:
        snap = with_moves(snap, engine)
        index = None
    else:
        snap, index = cache.get(snap, engine, stamp)
    return check_allocations(snap, voids, restrictions=restrictions, progress=progress,
                             neighbourhoods=index)
