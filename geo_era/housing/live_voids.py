"""Live voids (NASSO 5.3, 3.12): a landlord's Link Officer publishes the voids of their
own stock as they become available and marks them let, and screening and allocation
checks see the change at once, without a re-import of the properties layer.

Each change is a :class:`~geo_era.db.store.VoidEvent` in the case store (the property,
``available`` or ``let``, when, by whom, for which landlord). The voids now are the
properties layer's ``is_void`` with every event applied over it, the latest event of a
property winning, held in a :class:`~geo_era.geometry.index.VoidIndex` that is updated
in place: :meth:`LiveVoids.sync` applies the events recorded since it last looked (by
any worker of the service, or the command line), and builds the index again only when
the data version changes (an import: the events still apply over the new layer). A
restart builds it from the store.

A Link Officer publishes and lets only properties whose ``landlord`` (the properties
layer's column, case and spaces aside) is their organisation; any other id, known or
not, is the same row error (:data:`NOT_YOURS`), so a list tells nothing of which ids
exist or whose they are. When a published void needs a sensitive allocation (the
allocation check's rules, :mod:`geo_era.housing.allocations`), its landlord is told the
flag alone; when a candidate of a case that is one of its voids has been approved as
manageable (Part C, or Part D after a case conference) and nobody has moved in, the flag
:data:`APPROVED_FLAG` (R86), never for whom.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from geo_era.data.layer_store import LayerStore
from geo_era.db.store import Decision, PlacementMove, VoidEvent, session_scope
from geo_era.errors import DataError
from geo_era.geometry.index import VoidIndex
from geo_era.geometry.lookup import positions
from geo_era.housing.allocations import NeighbourhoodCache
from geo_era.housing.void_lists import ID_COLUMN, STORE_SOURCE, RowError, VoidList
from geo_era.workspace import Snapshot

IntArray = npt.NDArray[np.int64]

AVAILABLE = "available"
LET = "let"
STATUSES = (AVAILABLE, LET)
#: What a landlord's Link Officer is told of a void approved as manageable for someone
#: (R86): that much, never who or why.
APPROVED_FLAG = "approved as manageable for an applicant — contact the SOLO"
#: What every id a Link Officer may not publish or let reads as (one text for all).
NOT_YOURS = ("not a property of {}'s stock in geo_era: a Link Officer publishes and "
             "lets their own organisation's voids only; check the id, or ask the SOLO")
#: Most voids one request may publish or let.
MAX_EVENTS = 5_000


def reference(event_id: int) -> str:
    """The readable reference of a void event (``VOID-000042``)."""
    return f"VOID-{event_id:06d}"


@dataclass(frozen=True)
class Event:
    """One recorded void event (a detached copy of the row)."""

    id: int
    property_id: str
    status: str
    landlord: str
    recorded_by: str
    recorded_at: dt.datetime

    @property
    def reference(self) -> str:
        return reference(self.id)


def events_since(engine: Engine, after: int = 0) -> list[Event]:
    """Every event recorded after the one with id ``after``, in the order recorded."""
    with session_scope(engine) as session:
        rows = session.scalars(select(VoidEvent).where(VoidEvent.id > after)
                               .order_by(VoidEvent.id)).all()
        return [Event(r.id, r.property_id, r.status, r.landlord, r.recorded_by,
                      r.recorded_at) for r in rows]


def _folded(name: object) -> str:
    return str(name).strip().casefold() if isinstance(name, str) else ""


class LiveVoids:
    """The voids as they are now, for one service: the properties layer's ``is_void``
    with the recorded events applied over it, in a :class:`VoidIndex` updated in place
    (see the module's docstring). Safe to share between threads. It also keeps the
    allocation check's :class:`NeighbourhoodCache`, so that checking one void just
    published costs a look-up, not every housed subject's minimum set again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._table: object = None
        self._last = 0
        self._index = VoidIndex()
        self._latest: dict[str, Event] = {}
        #: each property's landlord (by row) as a code into ``_names`` (-1: none), the
        #: names as the layer writes them and folded (case and spaces aside)
        self._landlord: IntArray = np.empty(0, dtype=np.int64)
        self._names: list[str] = []
        self._folded: list[str] = []
        self.allocations = NeighbourhoodCache()
        #: how many times the index was built whole (the tests hold it to one per data
        #: version; every other change is made in place)
        self.rebuilds = 0

    def sync(self, snap: Snapshot, engine: Engine, store: LayerStore) -> None:
        """Bring the index up to date with ``snap``'s data and the events recorded in
        ``engine``: in place when the data version is the one indexed, whole again when
        it has changed (or on first use)."""
        with self._lock:
            if self._version != snap.data_version or self._table is not snap.properties:
                self._rebuild(snap, engine, store)
            else:
                self._apply(snap, events_since(engine, self._last))

    def _rebuild(self, snap: Snapshot, engine: Engine, store: LayerStore) -> None:
        flags = snap.engine.household("is_void")
        mask = (pd.Series(flags, dtype="boolean").fillna(False).to_numpy(bool)
                if flags is not None else np.zeros(snap.properties.size, dtype=bool))
        rows = np.flatnonzero(mask)
        self._index = VoidIndex([str(p) for p in snap.properties.ids[rows]],
                                snap.properties.xy[rows])
        stock = store.read_attributes("properties", ["property_id", "landlord"])
        self._landlord = np.full(snap.properties.size, -1, dtype=np.int64)
        self._names, self._folded = [], []
        if "landlord" in stock.columns:
            at = positions(stock["property_id"].astype(str), snap.properties.ids)
            keep = at >= 0
            codes, names = pd.factorize(stock["landlord"].astype("string").str.strip())
            self._landlord[at[keep]] = codes[keep]
            self._names = [str(n) for n in names]
            self._folded = [_folded(n) for n in self._names]
        self._latest, self._last = {}, 0
        self._apply(snap, events_since(engine, 0))
        self._version, self._table = snap.data_version, snap.properties
        self.rebuilds += 1

    def _apply(self, snap: Snapshot, events: list[Event]) -> None:
        rows = snap.properties.rows_by_id
        for event in events:
            self._latest[event.property_id] = event
            self._last = max(self._last, event.id)
            row = rows.get(event.property_id)
            if row is None:  # no longer in the properties layer
                continue
            live = event.property_id in self._index
            if event.status == AVAILABLE and not live:
                x, y = snap.properties.xy[row]
                self._index.add(event.property_id, float(x), float(y))
            elif event.status == LET and live:
                self._index.remove(event.property_id)

    def written(self, snap: Snapshot, engine: Engine, store: LayerStore,
                events: list[Event]) -> None:
        """Apply ``events`` this process has just written: in place without reading
        them back when they follow the last event applied with no gap (nobody else
        wrote in between); otherwise as :meth:`sync` does."""
        with self._lock:
            ids = [e.id for e in events]
            follows = (self._version == snap.data_version and self._table is snap.properties
                       and ids == list(range(self._last + 1, self._last + 1 + len(ids))))
            if follows:
                self._apply(snap, events)
                return
        self.sync(snap, engine, store)

    # --- reading (after :meth:`sync`) ---------------------------------------------------

    def void_list(self, snap: Snapshot) -> VoidList:
        """Every void now, as rows of ``snap``'s properties layer in layer order: what
        :func:`~geo_era.housing.void_lists.store_voids` gives after a re-import with
        the same ``is_void``."""
        with self._lock:
            ids = self._index.ids()
        rows = np.sort(positions(pd.Series(ids, dtype=object), snap.properties.ids))
        return VoidList(rows[rows >= 0].astype(np.int64), (), STORE_SOURCE)

    def is_live(self, property_id: str) -> bool:
        with self._lock:
            return property_id in self._index

    def live_mask(self, snap: Snapshot) -> npt.NDArray[np.bool_]:
        """Whether each property of ``snap`` (by row) is a void now."""
        mask = np.zeros(snap.properties.size, dtype=bool)
        mask[self.void_list(snap).rows] = True
        return mask

    def latest(self, property_id: str) -> Event | None:
        """The latest event of a property (None: none recorded)."""
        with self._lock:
            return self._latest.get(property_id)

    def owned(self, rows: IntArray, organisation: str) -> npt.NDArray[np.bool_]:
        """Whether the properties at ``rows`` are ``organisation``'s stock (the layer's
        ``landlord``, case and spaces aside)."""
        wanted = _folded(organisation)
        with self._lock:
            codes = [k for k, name in enumerate(self._folded) if name and name == wanted]
            return np.isin(self._landlord[rows], codes)

    def landlord(self, row: int) -> str:
        """The landlord of the property at ``row`` as the layer names it ("" if
        none)."""
        with self._lock:
            code = int(self._landlord[row])
            return self._names[code] if code >= 0 else ""

    def within(self, x: float, y: float, radius_m: float) -> list[tuple[str, float]]:
        """Live voids within ``radius_m`` metres of (x, y), nearest first."""
        with self._lock:
            return self._index.within(x, y, radius_m)


@dataclass(frozen=True)
class Change:
    """What a request may change: the good rows (the properties of ``rows``, in list
    order) and the row errors of the rest."""

    rows: IntArray
    errors: tuple[RowError, ...]


def changes(snap: Snapshot, live: LiveVoids, listed: VoidList, status: str, *,
            organisation: str | None) -> Change:
    """The rows of ``listed`` that may become ``status``: a Link Officer's
    (``organisation``) own stock only, every other id the same :data:`NOT_YOURS` error;
    a void already live is not published again, nor a property that is not a void
    let. ``organisation`` None: any landlord's (the operator)."""
    if status not in STATUSES:
        raise DataError(f"unknown void status {status!r}; use {' or '.join(STATUSES)}")
    if len(listed.rows) + len(listed.errors) > MAX_EVENTS:
        raise DataError(f"at most {MAX_EVENTS:,} voids may be published or let at once; "
                        "split the list")
    numbers = _numbers(listed)
    errors = [e for e in listed.errors if not (organisation is not None and e.unknown)]
    misses = ([(e.row, e.value) for e in listed.errors if e.unknown]
              if organisation is not None else [])
    keep: list[int] = []
    mine = (live.owned(listed.rows, organisation) if organisation is not None
            else np.ones(len(listed.rows), dtype=bool))
    for k, row in enumerate(listed.rows.tolist()):
        pid = str(snap.properties.ids[row])
        if not mine[k]:
            misses.append((int(numbers[k]), pid))
        elif status == AVAILABLE and live.is_live(pid):
            errors.append(RowError(int(numbers[k]), ID_COLUMN, pid,
                                   "already a live void; mark it let first if it was let "
                                   "and has become void again"))
        elif status == LET and not live.is_live(pid):
            errors.append(RowError(int(numbers[k]), ID_COLUMN, pid,
                                   "not a live void, so it cannot be let; publish it first"))
        else:
            keep.append(row)
    errors += [RowError(row, ID_COLUMN, value, NOT_YOURS.format(organisation))
               for row, value in misses]
    return Change(np.array(keep, dtype=np.int64),
                  tuple(sorted(errors, key=lambda e: e.row)))


def _numbers(listed: VoidList) -> IntArray:
    """The list row number of each good row (the numbers the errors do not take)."""
    total = len(listed.rows) + len(listed.errors)
    numbers: IntArray = np.setdiff1d(np.arange(1, total + 1, dtype=np.int64),
                                     np.array([e.row for e in listed.errors], dtype=np.int64))
    return numbers


def record(session: Session, snap: Snapshot, live: LiveVoids, rows: IntArray, status: str,
           *, by: str) -> list[VoidEvent]:
    """Add an event of ``status`` for each property at ``rows`` in ``session``'s
    transaction (the caller commits it with its audit entry, then calls
    :meth:`LiveVoids.sync`). Each event names the property's landlord."""
    events = [VoidEvent(property_id=str(snap.properties.ids[row]), status=status,
                        landlord=live.landlord(int(row)) or "unknown", recorded_by=by)
              for row in rows.tolist()]
    session.add_all(events)
    session.flush()
    return events


def approved_voids(engine: Engine, property_ids: list[str]) -> set[str]:
    """:func:`approved_in` in a session of its own."""
    with session_scope(engine) as session:
        return approved_in(session, property_ids)


def approved_in(session: Session, property_ids: list[str]) -> set[str]:
    """Which of ``property_ids`` are candidates approved as manageable (the latest
    Part C or Part D decision of a case on it, a case whose subject has not yet been
    recorded moving in, :mod:`geo_era.casework.placements`): the properties whose
    landlord is told :data:`APPROVED_FLAG` (R86)."""
    wanted = sorted(set(property_ids))
    latest: dict[tuple[int, str], bool] = {}
    moved = set(session.scalars(select(PlacementMove.case_id)
                                .where(PlacementMove.case_id.is_not(None))))
    for start in range(0, len(wanted), 1_000):
        query = (select(Decision.case_id, Decision.property_id, Decision.manageable)
                 .where(Decision.property_id.in_(wanted[start:start + 1_000]))
                 .order_by(Decision.id))
        for case_id, pid, manageable in session.execute(query).all():
            latest[(case_id, pid)] = bool(manageable)
    return {pid for (case_id, pid), ok in latest.items() if ok and case_id not in moved}
