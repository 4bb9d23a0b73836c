"""A workspace: the layers of one ``GEO_ERA_HOME`` loaded once, with their indexes built,
answering many questions (the HTTP API's per-request work) in milliseconds.

It is the only door to the spatial questions (sites near a property, its minimum set, a
subject checked against it, the assessment a case keeps, and the snapshot batch jobs
use) for the command line, the API, batch jobs and documents alike. It keeps the layers
read and their indexes built, and calls the cores
(:func:`~geo_era.analysis.proximity.sites_near_document`,
:meth:`~geo_era.analysis.minimum_set.ParameterEngine.minimum_set`,
:func:`~geo_era.analysis.subject_check.check_property`) with the objects it keeps.

What it keeps, and the layers each is built from:

==================  ===========================================================
part                layers
==================  ===========================================================
properties          properties (the id -> row lookup, address points)
sites               sites (:class:`~geo_era.geometry.index.SiteIndex`)
graph               streets (:class:`~geo_era.analysis.network.WalkGraph`)
network             streets, sites (:class:`~geo_era.analysis.network.WalkNetwork`)
engine              properties, buildings, plots; streets when there are no plots
                    (:class:`~geo_era.analysis.minimum_set.ParameterEngine`)
subjects, zones,    subjects, exclusion_zones, areas, placements
areas, placements
==================  ===========================================================

Freshness: every call compares the stamp of ``catalog.json`` (one ``stat``: an import
always swaps in a new file) with the one it loaded. When it differs, the call reads the
catalog and rebuilds just the parts whose layers changed version; the rest are kept.

Threads: the parts one answer uses all come from one catalog snapshot, published whole
once built and never changed afterwards, so any number of threads can query at once.
A reload is built under a lock, one at a time, and published whole: no call ever sees a
part-built state. Calls already under way finish on the snapshot they started with.

Reloading without stalling (``background=True``, the server's workspace): after an
import, a call for reference data (:meth:`Workspace.sites_near`,
:meth:`Workspace.minimum_set`, :meth:`Workspace.walk_network`) starts the reload in a
thread of its own and is answered at once from the snapshot already loaded, each answer
naming the data version it used; the new snapshot is swapped in when it is built. A call
about a subject (:meth:`Workspace.check`, :meth:`Workspace.assess`,
:meth:`Workspace.snapshot`, :meth:`Workspace.refresh`) waits for the catalog as it is now:
an exclusion zone or a condition just imported is never missed. Without ``background``
(the command line), every call waits for the catalog as it is now.

Distances are metres; coordinates EPSG:27700.
"""

from __future__ import annotations

import copy
import gc
import json
import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn, TypeVar

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.extensions import ExtensionArray

from geo_era import pacing
from geo_era.analysis.minimum_set import MinimumSet, ParameterEngine, point_xy
from geo_era.analysis.network import WalkGraph, WalkNetwork, walk_graph_for
from geo_era.analysis.proximity import sites_near_document
from geo_era.analysis.subject_check import (
    DEFAULT_ZONE_WARNING_M,
    CheckResult,
    check_property,
    no_zones,
    subject_not_found,
)
from geo_era.data.layer_store import CatalogSnapshot, LayerStore
from geo_era.errors import DataError, GeoEraError, NotFoundError
from geo_era.geometry.adjacency import Groups
from geo_era.geometry.index import SiteIndex, no_sites
from geo_era.pacing import give_way

T = TypeVar("T")
log = logging.getLogger(__name__)

#: A part's key: the version of each layer it was built from (None: layer absent).
PartKey = tuple[tuple[str, int | None], ...]

#: How many times a reload starts again when an import removes a file it was reading.
RELOAD_ATTEMPTS = 3


@dataclass(frozen=True)
class _Failure:
    """A part that cannot be built from the layers as they stand: the error its plain
    function raises, raised afresh (a new exception object, so that threads never share
    one) on every use."""

    error: Exception

    def raise_(self) -> NoReturn:
        kind = type(self.error)
        try:
            fresh = (kind(str(self.error)) if isinstance(self.error, GeoEraError)
                     else copy.copy(self.error))
        except Exception:  # an exception type that cannot be remade: raise the original
            fresh = self.error
        raise fresh from None


@dataclass(frozen=True)
class _Part:
    key: PartKey
    value: object
    failure: _Failure | None = None


#: Ids added to the table's index per step: a step holds the interpreter lock, and a
#: server builds the table of a national re-import in a thread while it answers, giving
#: way to requests between steps (:mod:`geo_era.pacing`): at most about 40 ms a step.
ROWS_PER_STEP = 50_000


class RowsById(Mapping[str, int]):
    """The row of each property id: a read-only mapping, filled a step at a time.

    One dict of 2.6 million ids doubles its table in one call as it grows past 1.4
    million: 100-115 ms holding the interpreter lock, a stop in every answer of a
    server reloading in the background. So the ids are held in :data:`SHARDS` dicts by
    their hash, and filled one dict after another: a step grows one dict (of about
    40,000 ids nationally), never all of them at once. A lookup costs one hash, which a
    string caches."""

    #: Dicts the ids are spread over (a power of two: the shard is ``hash & (SHARDS - 1)``).
    SHARDS = 64

    def __init__(self, ids: npt.NDArray[np.object_]) -> None:
        """The row of each of ``ids`` (strings; a repeated id: its last row)."""
        mask = self.SHARDS - 1
        shard = np.empty(len(ids), dtype=np.uint8)
        for lo in range(0, len(ids), ROWS_PER_STEP):
            give_way()
            part = ids[lo:lo + ROWS_PER_STEP]
            shard[lo:lo + len(part)] = np.fromiter(map(hash, part), dtype=np.int64,
                                                   count=len(part)) & mask
        order = np.argsort(shard, kind="stable")  # numpy sorts without the lock
        bounds = np.zeros(self.SHARDS + 1, dtype=np.int64)  # each shard's rows in order
        np.cumsum(np.bincount(shard, minlength=self.SHARDS), out=bounds[1:])
        self._shards: list[dict[str, int]] = [{} for _ in range(self.SHARDS)]
        for k, table in enumerate(self._shards):
            for lo in range(int(bounds[k]), int(bounds[k + 1]), ROWS_PER_STEP):
                give_way()
                rows = order[lo:min(lo + ROWS_PER_STEP, int(bounds[k + 1]))]
                table.update(zip(ids[rows].tolist(), rows.tolist(), strict=True))
        self._size = sum(len(table) for table in self._shards)

    def __getitem__(self, key: str) -> int:
        return self._shards[hash(key) & (self.SHARDS - 1)][key]

    def get(self, key: str, default: int | None = None) -> int | None:  # type: ignore[override]
        """The row of ``key``, or ``default`` (Mapping's, without its exception)."""
        return self._shards[hash(key) & (self.SHARDS - 1)].get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._shards[hash(key) & (self.SHARDS - 1)]

    def __iter__(self) -> Iterator[str]:
        for table in self._shards:
            yield from table

    def __len__(self) -> int:
        return self._size


class PropertyTable:
    """The properties layer by id: row, address and address point (EPSG:27700).

    The workspace reads the layer with its coordinates as columns ``x`` and ``y``
    (:meth:`LayerStore.read_points_xy`), not as geometry objects."""

    def __init__(self, properties: pd.DataFrame) -> None:
        column = properties["property_id"].astype(str)
        ids = np.empty(len(column), dtype=object)
        for lo in range(0, len(ids), ROWS_PER_STEP):  # a step at a time: see ROWS_PER_STEP
            give_way()
            ids[lo:lo + ROWS_PER_STEP] = column.iloc[lo:lo + ROWS_PER_STEP].to_numpy(
                dtype=object)
        self._row = RowsById(ids)
        #: the property ids by row (Python strings, shared with the parameter engine)
        self.ids: npt.NDArray[np.object_] = ids
        self.size = len(ids)
        #: addresses by row, Arrow-backed (indexable by a row or an array of rows)
        self.address: ExtensionArray = properties["address"].astype(str).array
        self.xy: npt.NDArray[np.float64] = point_xy(properties)

    @property
    def rows_by_id(self) -> Mapping[str, int]:
        """The row of every property id (shared, not to be changed)."""
        return self._row

    def row(self, property_id: str) -> int:
        """Row of a property; :class:`NotFoundError` (as the plain functions say) if it
        is unknown."""
        row = self._row.get(property_id) if isinstance(property_id, str) else None
        if row is None:
            raise NotFoundError(
                f"property_id {property_id!r} not found in layer 'properties' "
                f"({self.size:,} rows); check the id or the import")
        return row


@dataclass(frozen=True)
class _Keyed:
    """A layer frame and the row positions of each value of one id column."""

    frame: pd.DataFrame
    positions: Mapping[str, npt.NDArray[np.int64]]

    @classmethod
    def of(cls, frame: pd.DataFrame, column: str) -> _Keyed:
        frame = frame.reset_index(drop=True)
        codes, values = pd.factorize(frame[column].astype(str))
        groups = Groups(codes)
        bounds = np.searchsorted(groups.sorted_keys, np.arange(len(values) + 1))
        positions = {str(value): groups.order[bounds[k]:bounds[k + 1]]
                     for k, value in enumerate(values)}
        _warm_columns(frame)
        return cls(frame, positions)


def _warm_columns(frame: pd.DataFrame) -> None:
    """Build pandas' lazily made column lookup now, before threads share the frame."""
    for column in frame.columns:
        frame.columns.get_loc(column)


@dataclass(frozen=True)
class Snapshot:
    """The built parts of one catalog snapshot, for batch work over many properties
    (void screening, allocation checks): every part from the same data. Read only."""

    data_version: int
    versions: dict[str, int]
    properties: PropertyTable
    engine: ParameterEngine
    sites: SiteIndex
    network: WalkNetwork | None
    areas: gpd.GeoDataFrame | None
    placements: pd.DataFrame | None
    _subjects: _Keyed | None
    _zones: _Keyed | None
    _missing_subjects: str

    @property
    def subjects(self) -> pd.DataFrame:
        """The subjects layer; :class:`NotFoundError` when none is loaded."""
        if self._subjects is None:
            raise NotFoundError(self._missing_subjects)
        return self._subjects.frame

    def subject(self, subject_id: str) -> pd.Series:
        """One subject's row; the plain functions' error when unknown."""
        frame = self.subjects
        assert self._subjects is not None
        rows = self._subjects.positions.get(subject_id) if isinstance(subject_id, str) \
            else None
        if rows is None:
            raise subject_not_found(subject_id, len(frame))
        return frame.iloc[int(rows[0])]

    @property
    def zones(self) -> gpd.GeoDataFrame | None:
        """Every subject's exclusion zones (EPSG:27700); None when none are loaded."""
        if self._zones is None:
            return None
        frame = self._zones.frame
        assert isinstance(frame, gpd.GeoDataFrame)
        return frame

    def zones_of(self, subject_id: str) -> gpd.GeoDataFrame:
        """A subject's exclusion zones (EPSG:27700), empty when none."""
        if self._zones is None:
            return no_zones()
        zones = self._zones.frame.iloc[self._zones.positions.get(
            subject_id, np.empty(0, dtype=np.int64))]
        assert isinstance(zones, gpd.GeoDataFrame)
        return zones

    def with_records(self, *, placements: pd.DataFrame | None,
                     subjects: pd.DataFrame | None = None) -> Snapshot:
        """This snapshot with ``placements`` (and, when given, ``subjects``) in place of
        the layers': the layers with the case store's recorded moves overlaid
        (:func:`geo_era.casework.placements.with_moves`). Everything else is shared."""
        keyed = self._subjects if subjects is None else _Keyed.of(subjects, "subject_id")
        return replace(self, placements=placements, _subjects=keyed)


def subject_record(subject: pd.Series, zone_ids: Sequence[object]) -> dict[str, Any]:
    """What an assessment keeps of the subject's own circumstances, to tell later what is
    new (NASSO 3.4): the ids of their exclusion zones (sorted) and their conditions, each
    as canonical JSON text (keys sorted; an unreadable value kept as its text)."""
    text = subject.get("conditions")
    conditions: list[str] = []
    if isinstance(text, str) and text.strip():
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = [text.strip()]
        items = parsed if isinstance(parsed, list) else [parsed]
        conditions = [item if isinstance(item, str) else json.dumps(item, sort_keys=True)
                      for item in items]
    return {"zone_ids": sorted(str(z) for z in zone_ids), "conditions": conditions}


#: How long a replaced state waits for the requests still answering from it (seconds)
#: before it is taken apart (:func:`_let_go`); after that the last of them frees it.
LET_GO_WAIT_S = 5.0


def _let_go(held: list[_State]) -> None:
    """Free the replaced state in ``held`` a piece at a time (:func:`pacing.release`),
    once no request answers from it any more: its parts and frames that the new state
    does not share are millions of objects, which freed in one call held the
    interpreter lock for 0.2 s while requests waited."""
    old = held.pop()
    deadline = time.monotonic() + LET_GO_WAIT_S
    while sys.getrefcount(old) > 2:  # requests answering from it hold it
        if time.monotonic() > deadline:
            return
        time.sleep(0.01)
    for name in list(old.parts):  # what the new state shares stays whole (release)
        pacing.release([old.parts.pop(name).value])
    for key in list(old.frames):
        pacing.release([old.frames.pop(key)])


class _State:
    """Everything served from one catalog snapshot. Never changed once published."""

    def __init__(self, store: LayerStore, snapshot: CatalogSnapshot,
                 parts: dict[str, _Part], frames: dict[tuple[str, int], pd.DataFrame]) -> None:
        self.store = store
        self.snapshot = snapshot
        self.parts = parts
        self.frames = frames

    def get(self, name: str) -> object:
        """A built part; the error it could not be built with, raised afresh."""
        part = self.parts[name]
        if part.failure is not None:
            part.failure.raise_()
        return part.value

    def get_as(self, name: str, kind: type[T]) -> T:
        """A built part that must be a ``kind`` (see :meth:`get`)."""
        value = self.get(name)
        assert isinstance(value, kind), (name, type(value))
        return value

    def get_optional(self, name: str, kind: type[T]) -> T | None:
        """A built part that is a ``kind`` or None (see :meth:`get`)."""
        value = self.get(name)
        assert value is None or isinstance(value, kind), (name, type(value))
        return value

    def require(self, layer: str) -> None:
        """The plain functions' :class:`NotFoundError` for a layer the snapshot lacks."""
        if layer not in self.snapshot.layers:
            raise NotFoundError(_missing(self.store, self.snapshot, layer))


def _missing(store: LayerStore, snapshot: CatalogSnapshot, layer: str) -> str:
    return store.missing_message(layer, list(snapshot.layers))


class Workspace:
    """The layers of one :class:`~geo_era.data.layer_store.LayerStore`, loaded and indexed once,
    kept fresh against its catalog; safe to share between threads.

    A workspace built from nothing for the same data gives the same answers (the tests
    hold a cached one against a fresh one, across re-imports and threads).

    Nothing is read until the first call (or :meth:`refresh`).
    """

    def __init__(self, store: LayerStore, *, background: bool = False) -> None:
        self._store = store
        self._background = background
        self._lock = threading.Lock()  # held while a state is built: one at a time
        self._count_lock = threading.Lock()
        self._state: _State | None = None
        self._builds: Counter[str] = Counter()
        self._failed_stamp: object = None
        self._no_sites = SiteIndex(no_sites())

    @property
    def store(self) -> LayerStore:
        return self._store

    # --- freshness ---------------------------------------------------------------------

    def _current(self, *, wait: bool = True) -> _State:
        """The state for the catalog as it is now, reloading first if it changed; with
        ``wait=False`` on a background workspace, the state loaded already while the
        reload is built in a thread (:meth:`_reload_in_background`)."""
        state = self._state
        stamp = self._store.stamp()
        if state is not None and state.snapshot.stamp == stamp:
            return state
        if not wait and self._background and state is not None:
            self._reload_in_background(stamp)
            return state
        pacing.may_wait()  # an event loop asks again from a thread (WouldWaitError)
        with pacing.IN_FLIGHT.waiting():  # for a reload under way: it need not give way
            self._lock.acquire()
        try:
            state = self._state  # another thread may have reloaded meanwhile
            if state is not None and state.snapshot.stamp == self._store.stamp():
                return state
            state = self._reload(state)
            self._publish(state)
            return state
        finally:
            self._lock.release()

    def _reload_in_background(self, stamp: object) -> None:
        """Build the state of the catalog in a thread of its own and swap it in, unless a
        build is under way or this catalog's build has failed already (then the calls
        that wait build it, and raise its error)."""
        if stamp == self._failed_stamp or not self._lock.acquire(blocking=False):
            return

        def build() -> None:
            replaced: list[_State] = []
            try:
                state = self._state
                if state is None or state.snapshot.stamp != self._store.stamp():
                    with pacing.background():  # requests being answered go first
                        built = self._reload(state)
                    self._publish(built)
                    if state is not None:
                        replaced.append(state)
                    state = None
            except Exception as exc:  # the waiting calls meet it again and report it
                self._failed_stamp = stamp
                log.warning("workspace reload failed (%s); answers stay on data version "
                            "%s", type(exc).__name__,
                            self._state.snapshot.data_version if self._state else None)
            finally:
                self._lock.release()
            if replaced:  # after the lock: the next reload need not wait for this
                with pacing.background():
                    _let_go(replaced)

        threading.Thread(target=build, name="geo_era-workspace-reload", daemon=True).start()

    def _publish(self, state: _State) -> None:
        """Answer from ``state`` from now on. A background workspace (a server's) then
        moves every object alive into the collector's permanent generation
        (:func:`gc.freeze`): the national layers are millions of objects the cycle
        collector tracks (2.4 million shapely polygons), and each full collection walked
        them all, holding the interpreter lock for 150-300 ms while requests waited. A
        state dropped later is still freed, by reference counts: it holds no cycles
        (tested)."""
        self._state = state
        if self._background:
            gc.freeze()

    def reloading(self) -> bool:
        """Whether a new state is being built now."""
        return self._lock.locked()

    def refresh(self) -> int:
        """Check the catalog now and load whatever changed; return the data version now
        served (0 for an empty store)."""
        return self._current().snapshot.data_version

    @property
    def data_version(self) -> int:
        """The store's data version that answers now come from."""
        return self.refresh()

    def describe(self) -> dict[str, Any]:
        """What is loaded: the data version, and for each part the layer versions it was
        built from (None: layer absent), whether it could be built, and how many times it
        has been built by this workspace."""
        state = self._current(wait=False)
        with self._count_lock:
            builds = dict(self._builds)
        return {"data_version": state.snapshot.data_version,
                "parts": {name: {"layers": dict(part.key),
                                 "available": part.failure is None,
                                 "builds": builds.get(name, 0)}
                          for name, part in state.parts.items()}}

    def _reload(self, old: _State | None) -> _State:
        """Build the state of the current catalog, keeping every part of ``old`` whose
        layers have not changed. An import that commits meanwhile may remove a file being
        read: then start again from the newer catalog."""
        for attempt in range(RELOAD_ATTEMPTS):
            snapshot = self._store.snapshot()
            try:
                builder = _Builder(self._store, snapshot, old)
                built = builder.build()
                with self._count_lock:
                    self._builds.update(builder.builds)
                return built
            except FileNotFoundError:
                if attempt == RELOAD_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # --- questions ---------------------------------------------------------------------

    def sites_near(self, property_id: str, radius_m: float) -> dict[str, Any]:
        """Every site within ``radius_m`` metres of a property, straight line and on
        foot: the document of :func:`geo_era.analysis.proximity.sites_near_document`.
        On a background workspace, from the data loaded while a reload is built."""
        return self._reference(lambda state: self._sites_near(state, property_id, radius_m))

    def minimum_set(self, property_id: str, *, extend_metres: float | None = None,
                    extend_rings: int | None = None) -> MinimumSet:
        """A property's NASSO 3.9 minimum set, optionally extended by ``extend_metres``
        metres or ``extend_rings`` rings of neighbours (distances in metres, EPSG:27700).
        On a background workspace, from the data loaded while a reload is built."""
        return self._reference(lambda state: self._minimum_set(
            state, property_id, extend_metres=extend_metres, extend_rings=extend_rings))

    def _reference(self, answer: Callable[[_State], T]) -> T:
        """``answer`` on the state loaded (not waiting for a reload); a property the
        loaded data lacks may be new in the catalog: then asked again of the catalog as
        it is now."""
        state = self._current(wait=False)
        try:
            return answer(state)
        except NotFoundError:
            if state.snapshot.stamp == self._store.stamp():
                raise
            return answer(self._current())

    def check(self, subject_id: str, property_id: str, *,
              zone_warning_m: float = DEFAULT_ZONE_WARNING_M) -> CheckResult:
        """A candidate property against a subject's zones, conditions and victim profile
        (:func:`geo_era.analysis.subject_check.check_property`)."""
        return self._check(self._current(), subject_id, property_id,
                           zone_warning_m=zone_warning_m)

    def assess(self, subject_id: str, property_id: str, *,
               radius_m: float = 400.0, extend_metres: float | None = None,
               extend_rings: int | None = None) -> dict[str, Any]:
        """The snapshot a case keeps of one candidate property: sites within
        ``radius_m`` metres, the minimum set (extended by ``extend_metres`` metres or
        ``extend_rings`` rings of neighbours when given, NASSO 3.9) and the subject's
        check, with the version of every layer used, every part from one catalog
        snapshot."""
        state = self._current()
        snapshot = state.snapshot
        document: dict[str, Any] = {
            "radius_m": radius_m,
            "data_version": snapshot.data_version,
            "layers": {name: snapshot.layers[name].version for name in sorted(snapshot.layers)},
            "proximity": self._sites_near(state, property_id, radius_m),
        }
        try:
            document["minimum_set"] = self._minimum_set(
                state, property_id, extend_metres=extend_metres,
                extend_rings=extend_rings).to_dict()
        except DataError as exc:
            document["minimum_set"] = {"error": str(exc)}
        if "subjects" in snapshot.layers:
            try:
                document["check"] = self._check(state, subject_id, property_id).to_dict()
                document["subject_record"] = self._subject_record(state, subject_id)
            except NotFoundError as exc:
                document["check"] = {"error": str(exc)}
        else:
            document["check"] = {"error": "no subjects layer is loaded: conditions and "
                                          "exclusion zones were not checked"}
        return document

    def snapshot(self) -> Snapshot:
        """Everything built from the catalog as it is now, in one consistent
        :class:`Snapshot`: for batch jobs. Needs properties and buildings (the minimum
        sets); sites, streets, subjects, zones, areas and placements are optional."""
        state = self._current()
        state.require("properties")
        index = state.get_optional("sites", SiteIndex)
        return Snapshot(
            data_version=state.snapshot.data_version,
            versions={name: entry.version for name, entry in state.snapshot.layers.items()},
            properties=state.get_as("properties", PropertyTable),
            engine=state.get_as("engine", ParameterEngine),
            sites=self._no_sites if index is None else index,
            network=state.get_optional("network", WalkNetwork),
            areas=state.get_optional("areas", gpd.GeoDataFrame),
            placements=state.get_optional("placements", pd.DataFrame),
            _subjects=state.get_optional("subjects", _Keyed),
            _zones=state.get_optional("zones", _Keyed),
            _missing_subjects=_missing(self._store, state.snapshot, "subjects"))

    def walk_network(self) -> WalkNetwork | None:
        """The walking network answers now come from (None without a street network):
        for drawing routes."""
        network = self._current(wait=False).get_optional("network", WalkNetwork)
        return network

    # --- on one state ------------------------------------------------------------------

    def _sites_near(self, state: _State, property_id: str, radius_m: float
                    ) -> dict[str, Any]:
        properties = state.get_as("properties", PropertyTable)
        row = properties.row(property_id)
        state.require("sites")
        index = state.get_as("sites", SiteIndex)
        network = state.get_optional("network", WalkNetwork)
        return sites_near_document(
            index, network, property_id=property_id, address=str(properties.address[row]),
            xy=properties.xy[row], radius_m=radius_m,
            data_version=state.snapshot.versions("properties", "sites", "streets"))

    def _minimum_set(self, state: _State, property_id: str, *,
                     extend_metres: float | None = None,
                     extend_rings: int | None = None) -> MinimumSet:
        engine = state.get_as("engine", ParameterEngine)
        return engine.minimum_set(property_id, extend_metres=extend_metres,
                                  extend_rings=extend_rings)

    def _subject_record(self, state: _State, subject_id: str) -> dict[str, Any]:
        subjects = state.get_as("subjects", _Keyed)
        subject = subjects.frame.iloc[int(subjects.positions[subject_id][0])]
        zones_part = state.get_optional("zones", _Keyed)
        zone_ids = [] if zones_part is None else zones_part.frame["zone_id"].iloc[
            zones_part.positions.get(subject_id, np.empty(0, dtype=np.int64))].tolist()
        return subject_record(subject, zone_ids)

    def _check(self, state: _State, subject_id: str, property_id: str, *,
               zone_warning_m: float = DEFAULT_ZONE_WARNING_M) -> CheckResult:
        state.require("subjects")
        subjects = state.get_as("subjects", _Keyed)
        rows = subjects.positions.get(subject_id) if isinstance(subject_id, str) else None
        if rows is None:
            raise subject_not_found(subject_id, len(subjects.frame))
        subject = subjects.frame.iloc[int(rows[0])]
        zones_part = state.get_optional("zones", _Keyed)
        if zones_part is None:
            zones = no_zones()
        else:
            zones = zones_part.frame.iloc[zones_part.positions.get(
                subject_id, np.empty(0, dtype=np.int64))]
        areas = state.get_optional("areas", gpd.GeoDataFrame)
        engine = state.get_as("engine", ParameterEngine)
        index = state.get_optional("sites", SiteIndex)
        assert isinstance(zones, gpd.GeoDataFrame)
        return check_property(subject=subject, property_id=property_id, engine=engine,
                              sites=self._no_sites if index is None else index,
                              zones=zones, areas=areas,
                              zone_warning_m=zone_warning_m)


class _Builder:
    """Builds one :class:`_State`, reusing the parts and frames of the previous one
    whose layer versions are unchanged, counting the parts it builds. Runs under the
    workspace's lock."""

    def __init__(self, store: LayerStore, snapshot: CatalogSnapshot, old: _State | None
                 ) -> None:
        self.store = store
        self.snapshot = snapshot
        self.old = old
        self.builds: Counter[str] = Counter()
        self.parts: dict[str, _Part] = {}
        self.frames: dict[tuple[str, int], pd.DataFrame] = {}

    # --- layers --------------------------------------------------------------------------

    def has(self, name: str) -> bool:
        return name in self.snapshot.layers

    def load(self, name: str) -> pd.DataFrame:
        """The layer at the snapshot's version; the plain functions' error if absent."""
        entry = self.snapshot.layers.get(name)
        if entry is None:
            raise NotFoundError(_missing(self.store, self.snapshot, name))
        key = (name, entry.version)
        if key not in self.frames:
            old = self.old.frames.get(key) if self.old is not None else None
            self.frames[key] = old if old is not None else (
                self.store.read_points_xy(entry) if name == "properties"
                else self.store.read_entry(entry))
        return self.frames[key]

    def load_if(self, name: str) -> pd.DataFrame | None:
        return self.load(name) if self.has(name) else None

    # --- parts ---------------------------------------------------------------------------

    def part(self, name: str, layers: tuple[str, ...], make: Callable[[], T]) -> None:
        """Keep part ``name`` from the old state if ``layers`` have the same versions;
        otherwise build it with ``make``. An error is kept, to raise on use (as the plain
        function would), except a vanished file, which restarts the reload."""
        key: PartKey = tuple((layer, self.snapshot.layers[layer].version if self.has(layer)
                              else None) for layer in layers)
        old = self.old.parts.get(name) if self.old is not None else None
        if old is not None and old.key == key:
            self.parts[name] = old
            # the frames it was built from stay loaded, for the parts built after it
            for layer, version in key:
                if version is not None and self.old is not None and \
                        (layer, version) in self.old.frames:
                    self.frames.setdefault((layer, version), self.old.frames[(layer, version)])
            return
        self.builds[name] += 1
        give_way()
        try:
            self.parts[name] = _Part(key, make())
        except FileNotFoundError:
            raise
        except Exception as exc:
            self.parts[name] = _Part(key, None, _Failure(exc))

    def value(self, name: str, kind: type[T]) -> T | None:
        """A part built already, a ``kind`` or None; the error it could not be built
        with, raised afresh."""
        part = self.parts[name]
        if part.failure is not None:
            part.failure.raise_()
        value = part.value
        assert value is None or isinstance(value, kind), (name, type(value))
        return value

    def build(self) -> _State:
        self.part("properties", ("properties",),
                  lambda: PropertyTable(self.load("properties")))
        self.part("sites", ("sites",), self._site_index)
        self.part("graph", ("streets",), self._graph)
        self.part("network", ("streets", "sites"), self._network)
        engine_layers = ("properties", "buildings", "plots") + (
            () if self.has("plots") else ("streets",))
        self.part("engine", engine_layers, self._engine)
        self.part("subjects", ("subjects",), lambda: (
            _Keyed.of(self.load("subjects"), "subject_id") if self.has("subjects") else None))
        self.part("zones", ("exclusion_zones",), lambda: (
            _Keyed.of(self.load("exclusion_zones"), "subject_id")
            if self.has("exclusion_zones") else None))
        self.part("areas", ("areas",), self._areas)
        self.part("placements", ("placements",), lambda: self.load_if("placements"))
        keep = {(name, entry.version) for name, entry in self.snapshot.layers.items()}
        frames = {key: frame for key, frame in self.frames.items() if key in keep}
        return _State(self.store, self.snapshot, self.parts, frames)

    def _sites_frame(self) -> gpd.GeoDataFrame:
        sites = self.load("sites") if self.has("sites") else no_sites()
        assert isinstance(sites, gpd.GeoDataFrame)
        return sites.reset_index(drop=True)

    def _site_index(self) -> SiteIndex | None:
        return SiteIndex(self._sites_frame()) if self.has("sites") else None

    def _graph(self) -> WalkGraph | None:
        if not self.has("streets"):
            return None
        return walk_graph_for(self.store, self.snapshot.layers["streets"])

    def _network(self) -> WalkNetwork | None:
        graph = self.value("graph", WalkGraph)
        if graph is None:
            return None
        return WalkNetwork.build(graph, self._sites_frame())

    def _engine(self) -> ParameterEngine:
        properties = self.load("properties")
        buildings = self.load("buildings")
        plots = self.load_if("plots")
        streets = self.load_if("streets") if plots is None else None
        table = self.value("properties", PropertyTable)
        assert table is not None
        return ParameterEngine(properties, buildings, plots=plots, streets=streets,
                               data_version=self.snapshot.versions(
                                   "properties", "buildings", "plots"),
                               row_of=table.rows_by_id, ids=table.ids).prepare()

    def _areas(self) -> gpd.GeoDataFrame | None:
        areas = self.load_if("areas")
        if not isinstance(areas, gpd.GeoDataFrame):
            return None
        _warm_columns(areas)
        return areas
