"""Live voids services (NASSO 5.3, 3.12): a landlord's Link Officer publishes their own
voids (one, or a list) and marks them let; screening and allocation checks see the
change at once (:mod:`geo_era.housing.live_voids`); the Responsible Authorities list
the live voids with the reasons any needs a sensitive allocation (R88), and a SOLO sees
the flagged ones on their start page.

Need to know: a Link Officer acts on, and is told of, their own organisation's stock
only, and is told the flags alone (:class:`~geo_era.services.answers.live_voids.
PublishedVoid`); council staff see their own council's live voids. Each call is one
audit entry, in the transaction of what it writes: a publish or let is an
``alteration`` of the void events that also discloses the flags to the landlord (the
subjects whose records flagged a void are named in the entry, for the auditors), a
listing a ``consultation`` (or, for a landlord, a ``disclosure`` of the flags).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from geo_era.analysis.areas import area_names_at
from geo_era.data.sandbox import ImportLimits
from geo_era.db.store import session_scope
from geo_era.errors import ForbiddenError
from geo_era.housing import live_voids as core
from geo_era.housing.allocations import FLAG, AllocationCheck, check_cached
from geo_era.housing.live_voids import APPROVED_FLAG, Event, LiveVoids
from geo_era.housing.void_lists import VoidList
from geo_era.security.access import OPERATOR
from geo_era.services.answers.live_voids import (
    LandlordVoids,
    LiveVoid,
    PublishedVoid,
    VoidChanges,
)
from geo_era.services.answers.live_voids import LiveVoids as LiveVoidsAnswer
from geo_era.services.context import Services
from geo_era.services.housing import Voids, listed_voids
from geo_era.services.policy import Admitted, Caller
from geo_era.workspace import Snapshot

WHY_FLAGS = "housed subjects' records"


def live(services: Services, snap: Snapshot) -> LiveVoids:
    """The service's live voids, brought up to date with ``snap`` and the store."""
    state = services.live_voids
    state.sync(snap, services.engine, services.layers)
    return state


def _check(services: Services, snap: Snapshot, rows: np.ndarray, *,
           for_landlord: bool) -> AllocationCheck:
    """The allocation check of the voids at ``rows`` (cached neighbourhoods)."""
    result = check_cached(snap, services.engine,
                          VoidList(np.asarray(rows, dtype=np.int64), (), "live voids"),
                          cache=services.live_voids.allocations)
    return result.without("recorded_home") if for_landlord else result


def _published(snap: Snapshot, row: int, event: Event | None, status: str, *,
               reasons: list[dict[str, Any]], approved: bool) -> PublishedVoid:
    return PublishedVoid(
        reference=event.reference if event else None,
        property_id=str(snap.properties.ids[row]), address=str(snap.properties.address[row]),
        status=status, recorded_at=event.recorded_at.isoformat() if event else None,
        recorded_by=event.recorded_by if event else None,
        sensitive_allocation=bool(reasons), flag=FLAG if reasons else None,
        approved_flag=APPROVED_FLAG if approved else None)


def change(services: Services, caller: Caller, *, status: str, voids: Voids,
           justification: str | None, landlord: str | None = None) -> VoidChanges:
    """Publish (``available``) or let (``let``) the listed voids: ids (the API), a file
    (the command line) or an upload (the pages), read as the void lists are. A Link
    Officer acts on their own organisation's stock only (any other id is the same row
    error). Bad rows are row errors; the others are all recorded, with one audit entry,
    and are live in screening and allocation checks at once. The answer gives each
    published void's flags (sensitive allocation; approved as manageable, R86), never
    who or why.

    ``landlord``: the operator at the command line acting for that landlord (its stock
    only, as its Link Officer would); refused to anyone else."""
    endpoint = "void_publish" if status == core.AVAILABLE else "void_let"
    admitted = services.gate.admit(endpoint, caller, justification=justification)
    admitted.require_justification(WHY_FLAGS)
    snap = services.workspace.snapshot()
    state = live(services, snap)
    listed = listed_voids(snap, voids if voids is not None else [],
                          limits=ImportLimits.of(services.settings))
    if landlord is not None and caller.role != OPERATOR:
        raise ForbiddenError("only the operator at the command line acts for a landlord")
    organisation = caller.organisation if admitted.restricted else landlord
    todo = core.changes(snap, state, listed, status, organisation=organisation)
    errors = [e.to_dict() for e in todo.errors]
    rows = todo.rows
    checked = _check(services, snap, rows, for_landlord=True) if status == core.AVAILABLE \
        else None
    pids = [str(p) for p in snap.properties.ids[rows]]
    with session_scope(services.engine) as session:
        approved = core.approved_in(session, pids) if status == core.AVAILABLE else set()
        written = core.record(session, snap, state, rows, status, by=caller.username)
        events = [Event(e.id, e.property_id, e.status, e.landlord, e.recorded_by,
                        e.recorded_at) for e in written]
        _audit(admitted, session, events, checked,
               recipient=organisation or caller.organisation)
    state.written(snap, services.engine, services.layers, events)
    recorded = [_published(snap, int(row), event, status,
                           reasons=checked.reasons[k] if checked is not None else [],
                           approved=event.property_id in approved)
                for k, (row, event) in enumerate(zip(rows.tolist(), events, strict=True))]
    return VoidChanges.model_validate({"status": status, "recorded": recorded,
                                       "row_errors": errors})


def _audit(admitted: Admitted, session: Session, events: list[Event],
           checked: AllocationCheck | None, *, recipient: str) -> None:
    """The one audit entry of a publish or let: the events written, and (for a
    publish) the subjects whose records flagged a void, disclosed as flags to the
    landlord (``recipient``)."""
    ids = [e.reference for e in events]
    subjects = checked.subjects_involved() if checked is not None else []
    admitted.actor.record(session, operation="disclosure" if subjects else "alteration",
                          record_type="void_event", record_ids=ids + subjects,
                          recipients=[recipient] if subjects else None)


@dataclass(frozen=True)
class _Listing:
    snap: Snapshot
    state: LiveVoids
    rows: np.ndarray
    checked: AllocationCheck
    approved: set[str]


def _listing(services: Services, admitted: Admitted, *, published_only: bool) -> _Listing:
    """The live voids the caller may see: a Link Officer's own stock's; council
    staff's own council's; everyone else's all. ``published_only``: those with a
    recorded event (published through geo_era, not imported)."""
    snap = services.workspace.snapshot()
    state = live(services, snap)
    rows = state.void_list(snap).rows
    if admitted.restricted:
        rows = rows[state.owned(rows, admitted.caller.organisation)]
    scope = admitted.actor.scope
    if scope is not None:
        names = (area_names_at(snap.areas, snap.properties.xy[rows], "council")
                 if snap.areas is not None else np.full(len(rows), None, dtype=object))
        rows = rows[names == scope]
    if published_only:
        rows = rows[[state.latest(str(p)) is not None for p in snap.properties.ids[rows]]] \
            if len(rows) else rows
    checked = _check(services, snap, rows, for_landlord=admitted.restricted)
    approved = core.approved_voids(services.engine,
                                   [str(p) for p in snap.properties.ids[rows]])
    return _Listing(snap, state, rows, checked, approved)


def list_live(services: Services, caller: Caller, *, justification: str | None,
              flagged_only: bool = False, published_only: bool = False
              ) -> LiveVoidsAnswer | LandlordVoids:
    """The live voids now (R88): for the Responsible Authorities with who published
    each, its council and why it needs a sensitive allocation (council staff: their own
    council's); for a Link Officer, their own stock's with the flags alone.
    ``flagged_only``: only those that need a sensitive allocation or were approved as
    manageable; ``published_only``: only those published through geo_era. One audit
    entry (a consultation of the subjects whose records flagged a void; for a Link
    Officer, a disclosure of the flags to their organisation)."""
    admitted = services.gate.admit("void_live", caller, justification=justification)
    admitted.require_justification(WHY_FLAGS)
    got = _listing(services, admitted, published_only=published_only)
    snap, checked = got.snap, got.checked
    keep = [k for k in range(len(got.rows))
            if not flagged_only or checked.reasons[k]
            or str(snap.properties.ids[got.rows[k]]) in got.approved]
    with session_scope(services.engine) as session:
        restricted = admitted.restricted
        admitted.actor.record(session, operation="disclosure" if restricted else
                              "consultation", record_type="live_voids",
                              record_ids=checked.subjects_involved(),
                              recipients=[caller.organisation] if restricted else None)
    if admitted.restricted:
        return LandlordVoids(data_version=snap.data_version, voids=[
            _published(snap, int(got.rows[k]), got.state.latest(str(snap.properties.ids[
                got.rows[k]])), core.AVAILABLE, reasons=checked.reasons[k],
                approved=str(snap.properties.ids[got.rows[k]]) in got.approved)
            for k in keep])
    return _full(services, got, keep)


def _full(services: Services, got: _Listing, keep: list[int]) -> LiveVoidsAnswer:
    snap, checked = got.snap, got.checked
    rows = got.rows[keep] if keep else np.empty(0, dtype=np.int64)
    councils = (area_names_at(snap.areas, snap.properties.xy[rows], "council")
                if snap.areas is not None and len(rows) else [None] * len(rows))
    out: list[LiveVoid] = []
    for n, k in enumerate(keep):
        pid = str(snap.properties.ids[got.rows[k]])
        event = got.state.latest(pid)
        reasons = checked.reasons[k]
        out.append(LiveVoid.model_validate({
            "reference": event.reference if event else None, "property_id": pid,
            "address": str(snap.properties.address[got.rows[k]]),
            "landlord": event.landlord if event else None,
            "council": None if councils[n] is None else str(councils[n]),
            "recorded_at": event.recorded_at.isoformat() if event else None,
            "recorded_by": event.recorded_by if event else None,
            "sensitive_allocation": bool(reasons), "flag": FLAG if reasons else None,
            "approved_as_manageable": pid in got.approved,
            "sensitive_because": reasons}))
    return LiveVoidsAnswer(data_version=snap.data_version,
                           counts={"live": len(got.rows), "shown": len(out),
                                   "sensitive": sum(v.sensitive_allocation for v in out)},
                           voids=out)

