"""The national proximity batch job on a Dask cluster.

:func:`proximity_table_dask` returns exactly what the single-process job
:func:`geo_era.analysis.proximity.proximity_table` returns for ``SiteIndex(sites)`` (the same rows
in the same order, the same columns and dtypes, the same values to the bit), with the
properties spread over the workers of a Dask cluster: by default a local one of
single-threaded worker *processes* (:func:`local_client`), or a real one given by its
scheduler address or an open client.

Coordinates are EPSG:27700 (British National Grid) metres, as everywhere in geo_era;
radii and distances are metres. The properties are point address locations; the sites
are points and polygons (distances to a polygon's boundary, 0 inside).

What is partitioned
    The **properties** (about 2.6 million nationally). They are put in Hilbert-curve
    order of their address points (geopandas' ``hilbert_distance``) and cut into
    ``partitions`` runs of nearly equal length (:func:`default_partitions`: 26 of
    100,000 nationally), so that each partition is a compact patch of the country. That
    also makes the work cheaper: the same 2.6 million properties in 12 to 208 Hilbert
    partitions take 17.0-17.7 s of CPU in one process, against 20.8 s in one batch in
    input order. Only plain columns travel to the workers (``property_id``, and ``x``,
    ``y`` as float64), scattered from this process straight to them; each worker makes
    the partition's point geometries itself (:func:`dask_geopandas.points_from_xy`), and
    :meth:`dask_geopandas.GeoDataFrame.map_partitions` runs ``proximity_table`` on each
    partition. (Pickling 2.6 million shapely points costs about 8 s of serialisation;
    the arrays, well under one.) Each partial table is fetched as soon as it is done and
    its rows written to their places in the input order while the others run.

How partition edges are handled
    They need no handling: the **sites** (about 50,000) are not partitioned. One
    :class:`~geo_era.geometry.index.SiteIndex` over *all* the sites is built here and broadcast to
    every worker (``client.scatter(..., broadcast=True)``) once per call; every task on a
    worker uses that worker's one copy. A property next to a partition edge therefore sees
    every site within the radius on the other side of it, and the unbounded nearest site
    of each category, however far off, is searched among all sites: correct by
    construction. The alternative, giving each partition only the sites within its
    bounds grown by a halo, needs a fallback for a nearest site beyond the halo (a rural
    property's nearest sheltered housing may be tens of kilometres away), for a saving
    that does not exist at this size: the index over 50,000 sites builds in 0.04 s and
    serialises to 7 MB, so building it once per worker instead of broadcasting it would save
    nothing measurable either.

Each distance is computed by the same code from the same coordinates as in one process,
and a property's result does not depend on which others share its batch: hence
identical tables, not merely close ones (``tests/test_distributed.py`` checks, including
sites across partition edges and at exactly the radius).

Speed (``python bench/dask_scale.py``: 2.6 million properties, 50,000 sites, 400 m, on
2 cores): about 19 s in one process or on one worker, 12 s on two workers; see the
bench's JSON for the figures of a run. On a real cluster, start the workers with
``MALLOC_TRIM_THRESHOLD_`` unset and one thread each (see :data:`LOCAL_WORKER_CONFIG`
and :func:`_worker_mode` for why).
"""

# distributed ships py.typed but leaves Client, LocalCluster and their methods unannotated.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dask
import dask.dataframe as dd
import dask_geopandas
import distributed
import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

import geo_era.geometry.index
from geo_era.analysis.proximity import proximity_table
from geo_era.errors import DataError
from geo_era.geometry.index import SiteIndex

IntArray = npt.NDArray[np.int64]

#: Default partition size cap (properties per partition). Partitions are made at least
#: :data:`PARTITIONS_PER_WORKER` per worker thread, for balance between patches of
#: different density, and no bigger than this, to bound each task's memory and let the
#: tables come back while others are computed. The queries hardly depend on the size
#: between 12,500 and 220,000 properties (bench/dask_scale.py data: 2.6 million
#: properties in 12 to 208 Hilbert partitions, 17.0-17.7 s of CPU in one process), but
#: each task has a fixed cost on a worker: 300 partitions of 8,700 took 40% more CPU.
MAX_PARTITION_ROWS = 100_000
PARTITIONS_PER_WORKER = 4

#: The loggers a local cluster quietens (their INFO lines report each worker starting
#: and stopping).
_QUIET_LOGGERS = ("distributed", "distributed.scheduler", "distributed.nanny",
                  "distributed.worker", "distributed.core", "distributed.http.proxy")


@dataclass(frozen=True)
class Plan:
    """How the properties are split: ``order`` lists the input rows in Hilbert order,
    and partition ``p`` holds ``order[starts[p]:starts[p + 1]]``."""

    order: IntArray
    starts: IntArray

    @property
    def npartitions(self) -> int:
        return len(self.starts) - 1

    def labels(self) -> IntArray:
        """The partition of each input row (in input order)."""
        label = np.empty(len(self.order), dtype=np.int64)
        sizes = np.diff(self.starts)
        label[self.order] = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
        return label


def _xy(properties: gpd.GeoDataFrame) -> npt.NDArray[np.float64]:
    xy: npt.NDArray[np.float64] = shapely.get_coordinates(properties.geometry.to_numpy())
    if len(xy) != len(properties):
        raise DataError("properties must be one point each (address locations, EPSG:27700); "
                        f"got {len(xy):,} coordinates for {len(properties):,} rows")
    return xy


def hilbert_order(points: gpd.GeoSeries) -> IntArray:
    """The positions of ``points`` (EPSG:27700) in Hilbert-curve order over their bounds
    (geopandas' level-16 curve, a 65,536 x 65,536 grid). Points in the same cell (flats at
    one address point) come in no particular order: the order is only ever undone."""
    if not len(points):
        return np.empty(0, dtype=np.int64)
    distance = points.hilbert_distance().to_numpy()
    order: IntArray = np.argsort(distance).astype(np.int64)
    return order


def default_partitions(n_properties: int, worker_threads: int) -> int:
    """At least :data:`PARTITIONS_PER_WORKER` per worker thread and at most
    :data:`MAX_PARTITION_ROWS` properties each, rounded up to a whole number per thread
    (so that no thread waits for another's last partition), never more than the
    properties."""
    threads = max(worker_threads, 1)
    wanted = max(PARTITIONS_PER_WORKER * threads, math.ceil(n_properties / MAX_PARTITION_ROWS))
    wanted = math.ceil(wanted / threads) * threads
    return max(1, min(wanted, n_properties))


def spatial_frame(properties: gpd.GeoDataFrame, partitions: int,
                  client: distributed.Client) -> tuple[dask_geopandas.GeoDataFrame, Plan]:
    """The properties as a dask-geopandas frame of ``partitions`` (at most one per
    property) nearly equal runs of the Hilbert order, and the plan of the cut.

    Each partition has columns ``property_id``, ``x``, ``y`` and a point geometry made on
    the worker from ``x``, ``y``; its index is the row's position in Hilbert order. The
    plain columns are scattered to the workers straight from this process (not embedded
    in the task graph, which would send them through the scheduler).
    """
    if partitions < 1:
        raise DataError(f"partitions must be at least 1; got {partitions}")
    if not len(properties):
        raise DataError("no properties to partition")
    xy = _xy(properties)
    order = hilbert_order(properties.geometry)
    xy = xy[order]
    # The ids keep their dtype (a Series is not re-inferred), as proximity_table sees them.
    frame = pd.DataFrame({"property_id": properties["property_id"].take(order)
                          .reset_index(drop=True), "x": xy[:, 0], "y": xy[:, 1]})
    count = min(partitions, len(frame))
    starts = (np.arange(count + 1, dtype=np.int64) * len(frame)) // count
    pieces = [frame.iloc[a:b] for a, b in itertools.pairwise(starts)]
    futures = client.scatter(pieces, hash=False, direct=_direct(client))
    divisions = (*(int(a) for a in starts[:-1]), len(frame) - 1)
    plain = dd.from_delayed(futures, meta=frame.iloc[:0], divisions=divisions,
                            verify_meta=False)
    geometry = dask_geopandas.points_from_xy(plain, x="x", y="y", crs=properties.crs)
    spatial: dask_geopandas.GeoDataFrame = dask_geopandas.from_dask_dataframe(
        plain, geometry=geometry)
    return spatial, Plan(order, starts)


def _partition_table(part: gpd.GeoDataFrame, index: SiteIndex, radius_m: float
                     ) -> pd.DataFrame:
    """The single-process job on one partition (runs on a worker), on one core and with
    Python's cyclic garbage collector paused (:func:`_worker_mode`)."""
    with _worker_mode():
        return proximity_table(index, part, radius_m)


_mode_lock = threading.Lock()
_mode_users = 0
_mode_saved: tuple[bool, int] = (True, geo_era.geometry.index.PARALLEL_MIN_QUERIES)


@contextmanager
def _worker_mode() -> Iterator[None]:
    """How a partition runs on a worker; process-wide, restored when the last task that
    entered it leaves.

    - One core: a Dask worker thread stands for one core (distributed likewise starts
      its workers with OpenMP and BLAS pinned to one thread), but
      :mod:`geo_era.geometry.index` runs scipy's k-d tree queries of 10,000 points or more on
      every core (``PARALLEL_MIN_QUERIES``), which would oversubscribe the cores that the
      other workers use.
    - No cyclic garbage collection: the job makes millions of short-lived shapely
      geometries (the partition's points, the index's candidate points), each tracked by
      the collector; in a worker process, which holds few long-lived objects, they set
      off thousands of collections, full ones included: a quarter of the CPU time (5.7 of
      21.6 s for 2.6 million properties, bench/dask_scale.py data). The job makes no
      reference cycles to collect.
    """
    global _mode_users, _mode_saved  # noqa: PLW0603
    with _mode_lock:
        if _mode_users == 0:
            _mode_saved = (gc.isenabled(), geo_era.geometry.index.PARALLEL_MIN_QUERIES)
            gc.disable()
            geo_era.geometry.index.PARALLEL_MIN_QUERIES = sys.maxsize
        _mode_users += 1
    try:
        yield
    finally:
        with _mode_lock:
            _mode_users -= 1
            if _mode_users == 0:
                enabled, geo_era.geometry.index.PARALLEL_MIN_QUERIES = _mode_saved
                if enabled:
                    gc.enable()


def proximity_table_dask(sites: gpd.GeoDataFrame, properties: gpd.GeoDataFrame,
                         radius_m: float, *, client: distributed.Client | None = None,
                         scheduler: str | None = None, workers: int = 2,
                         partitions: int | None = None,
                         timings: dict[str, float] | None = None) -> pd.DataFrame:
    """:func:`geo_era.analysis.proximity.proximity_table` of ``SiteIndex(sites)`` on a Dask cluster.

    Parameters
    ----------
    sites, properties
        The sites layer and the properties (``property_id`` and point geometry), both in
        EPSG:27700.
    radius_m
        Radius in metres for the counts.
    client
        An open client of the cluster to use (left open).
    scheduler
        Otherwise, the address of a running scheduler (``tcp://host:8786``); the client is
        opened and closed here. Its workers need geo_era installed.
    workers
        Otherwise, a local cluster of this many single-threaded worker processes is
        started and stopped within the call.
    partitions
        How many spatial partitions of the properties (default :func:`default_partitions`).
    timings
        If given, filled with the seconds each step took in this process: ``index`` (build
        the site index), ``partition`` (Hilbert order, cut, send the partitions and the
        index), ``compute`` (until every partial table is back here) and ``assemble``
        (concatenate, restore the input order).

    Returns
    -------
    The same DataFrame as ``proximity_table(SiteIndex(sites), properties, radius_m)``.
    """
    clock = _Clock(timings)
    index = SiteIndex(sites)
    clock.lap("index")
    if len(properties) == 0:
        return proximity_table(index, properties, radius_m)
    if client is not None:
        return _run(client, index, properties, radius_m, partitions=partitions, clock=clock)
    if scheduler is not None:
        with distributed.Client(scheduler) as remote:
            clock.lap("connect")
            return _run(remote, index, properties, radius_m, partitions=partitions, clock=clock)
    with local_client(workers) as local:
        clock.lap("start_cluster")
        return _run(local, index, properties, radius_m, partitions=partitions, clock=clock)


class _Clock:
    """Seconds per step, into a caller's dict (or nowhere)."""

    def __init__(self, into: dict[str, float] | None) -> None:
        self.into = into
        self.last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        if self.into is not None:
            self.into[step] = self.into.get(step, 0.0) + now - self.last
        self.last = now


def _run(client: distributed.Client, index: SiteIndex, properties: gpd.GeoDataFrame,
         radius_m: float, *, partitions: int | None, clock: _Clock) -> pd.DataFrame:
    if not (np.isfinite(radius_m) and radius_m >= 0):
        raise DataError(f"radius must be a finite number of metres >= 0; got {radius_m}")
    threads = sum(client.nthreads().values())
    count = partitions if partitions is not None else default_partitions(len(properties),
                                                                          threads)
    direct = _direct(client)
    frame, plan = spatial_frame(properties, count, client)
    # Typed by the first row, so that the meta has the dtypes of the real tables (an
    # empty object column would otherwise stand for a str one).
    meta = proximity_table(index, properties.iloc[:1], radius_m).iloc[:0]
    shared = client.scatter(index, broadcast=True, hash=False, direct=direct)
    clock.lap("partition")
    assembler = _Assembler(meta, plan)
    try:
        lazy = frame.map_partitions(_partition_table, shared, radius_m, meta=meta,
                                    enforce_metadata=False, align_dataframes=False)
        # One future per partition, each fetched straight from its worker as it is done
        # and put in place while the others run. (Computing the collection instead would
        # concatenate every partition on one worker first, and send that through.)
        futures = client.compute(lazy.to_delayed())
        partition_of = {future.key: p for p, future in enumerate(futures)}
        for future in distributed.as_completed(futures):
            assembler.add(partition_of[future.key], client.gather(future, direct=direct))
            future.release()
    finally:
        client.cancel([shared, *distributed.futures_of(frame)])
    clock.lap("compute")
    table = assembler.table()
    clock.lap("assemble")
    return table


def _direct(client: distributed.Client) -> bool:
    """Whether to send data to and fetch it from the workers directly rather than through
    the scheduler: as the client says, or else when the cluster runs from this process
    (a remote cluster's workers may be out of this machine's reach). Through the
    scheduler, fetching the national tables took 3.4 s more, for one worker."""
    said = client.direct_to_workers
    return bool(said) if said is not None else client.cluster is not None


class _Assembler:
    """The partial tables (rows in Hilbert order) put back in the input order.

    Numpy-typed columns (the counts and distances) are written straight to their rows of
    the full columns as each table arrives; other columns (the ids) are concatenated and
    reordered at the end. Values are copied, never converted: a partial table whose
    columns or dtypes differ from ``meta`` is an error.
    """

    def __init__(self, meta: pd.DataFrame, plan: Plan) -> None:
        self.plan = plan
        self.columns = list(meta.columns)
        self.dtypes = meta.dtypes
        n = len(plan.order)
        self.arrays = {name: np.empty(n, dtype=dtype) for name, dtype in meta.dtypes.items()
                       if isinstance(dtype, np.dtype) and dtype != np.dtype(object)}
        self.others = [name for name in self.columns if name not in self.arrays]
        self.tables: dict[int, dict[str, pd.Series]] = {}  # the other columns

    def add(self, partition: int, table: pd.DataFrame) -> None:
        rows = self.plan.order[self.plan.starts[partition]:self.plan.starts[partition + 1]]
        if len(table) != len(rows) or list(table.columns) != self.columns or not (
                table.dtypes == self.dtypes).all() or partition in self.tables:
            raise RuntimeError(f"partition {partition} came back unlike the others: "
                               f"{len(table):,} rows for {len(rows):,}, columns "
                               f"{dict(table.dtypes.astype(str))}")
        for name, column in self.arrays.items():
            column[rows] = table[name].to_numpy()
        self.tables[partition] = {name: table[name] for name in self.others}

    def table(self) -> pd.DataFrame:
        missing = sorted(set(range(self.plan.npartitions)) - set(self.tables))
        if missing:
            raise RuntimeError(f"partitions {missing} never came back")
        inverse = np.empty_like(self.plan.order)
        inverse[self.plan.order] = np.arange(len(self.plan.order), dtype=np.int64)
        columns: dict[str, object] = {}
        for name in self.columns:
            if name in self.arrays:
                columns[name] = self.arrays[name]
            else:
                hilbert = pd.concat([self.tables[p][name] for p in range(len(self.tables))],
                                    ignore_index=True)
                columns[name] = hilbert.take(inverse).reset_index(drop=True)
        return pd.DataFrame(columns, copy=False)


#: Dask settings for the worker processes of a local cluster. distributed starts each
#: worker with ``MALLOC_TRIM_THRESHOLD_=65536``, which also pins glibc's mmap threshold at
#: 128 KiB: every temporary array of the index queries is then mapped and unmapped
#: afresh, and its pages faulted in again: 4 s more CPU for the national job, 3.5 s of it
#: in the kernel (bench/dask_scale.py data, one worker). The per-worker statistical
#: profiler only feeds the dashboard, which is not started.
LOCAL_WORKER_CONFIG: dict[str, object] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}


@contextmanager
def local_client(workers: int = 2) -> Iterator[distributed.Client]:
    """A client of a local cluster of ``workers`` single-threaded worker processes, with
    no dashboard and distributed's INFO logging silenced; closed on exit.

    The workers run with :data:`LOCAL_WORKER_CONFIG`.
    """
    if workers < 1:
        raise DataError(f"workers must be at least 1; got {workers}")
    levels = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        with contextlib.ExitStack() as stack:
            with dask.config.set(LOCAL_WORKER_CONFIG):  # read as the workers start
                # No dashboard; the scheduler's bare HTTP server (health checks) still
                # starts, on 8787 by default, and warns when another cluster has that
                # port: give it a free one.
                cluster = stack.enter_context(distributed.LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True,
                    dashboard_address=None,
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.WARNING))
            yield stack.enter_context(distributed.Client(cluster))
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
