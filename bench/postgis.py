"""Benchmark: proximity of properties to sensitive sites, geo_era against PostGIS.

Same data as ``bench/proximity.py`` (its ``make_data``): N properties and M sites (90%
points, 10% polygons 20-200 m across) clustered in 300 towns over Scotland's extent, in
EPSG:27700 metres, nine categories; radius R = 400 m. Wall-clock times
(``time.perf_counter``), in one run:

1. "all sites within R of every property", as (property row, site row) pairs
   - geo_era ``SiteIndex.within`` (index build included);
   - PostGIS: ``props JOIN sites ON ST_DWithin(p.geom, s.geom, R)``, with a GiST index on
     both tables and ``ANALYZE``, in the plan the planner picks (here: parallel, one index
     scan of the sites per property); the pairs come back as numpy arrays through a
     binary ``COPY (query) TO STDOUT``. Loading (COPY of the points and sites into
     unlogged tables, GiST builds, ANALYZE) is timed apart from the query;
   - PostGIS tuned by hand: ``CLUSTER props USING`` its GiST index (timed, counted as
     load), and the join driven from the sites (``sites CROSS JOIN LATERAL (SELECT ...
     FROM props WHERE ST_DWithin ... OFFSET 0)``): one index scan of the properties per
     site, reading few pages once the properties are in spatial order.
   The headline ratios PostGIS/geo_era take PostGIS's fastest form, on the query alone
   (its best case: data already loaded and indexed) and with the load; every form's ratio
   is reported too. The pair sets must be identical (sorted int64 keys
   ``property * n_sites + site``).
2. "nearest site per category within R" and "nearest site per category" (unbounded)
   - geo_era ``SiteIndex.nearest`` (with and without ``max_distance_m``, index build
     included);
   - PostGIS KNN: per category, ``CROSS JOIN LATERAL (SELECT s.id, ST_Distance(...) FROM
     sites s WHERE s.category = '...' [AND ST_DWithin(s.geom, p.geom, R)] ORDER BY s.geom
     <-> p.geom LIMIT 1)``, with a partial GiST index per category (the literal category
     lets the planner use it). With PostGIS >= 2.2 on PostgreSQL >= 9.5 ``<->`` on
     geometry is the exact distance (index KNN with a recheck), so the ORDER BY gives the
     true nearest, polygons included; the bench checks this on a triangle and reports it.
   - for the bounded task also PostGIS's set-based form: the tuned ST_DWithin join, then
     ``DISTINCT ON (property, category)`` ordered by ``ST_Distance``, site id; the
     ``nearest_within`` ratio takes the faster of the two.
   PostgreSQL 15 runs the LATERAL ... LIMIT 1 in the leader only (no parallel workers,
   even with parallel costs set to 0); the KNN runs on the clustered properties.
   Distances must agree to 1e-6 m for every property and category; site ids must agree
   except where another site is equally near (a tie, checked by measuring both).
   KNN over all N properties x 9 categories can be slow: a pilot of 1,000 properties
   estimates it, and when the estimate exceeds ``--knn-budget`` seconds the KNN runs on a
   random sample of ``--knn-sample`` properties and the ratio is per property (said in the
   output). geo_era always runs on all N.
3. Memory: geo_era runs first, in a fresh ``spawn`` child process; its peak RSS per task
   is the child's VmHWM (reset between tasks through ``/proc/self/clear_refs``), with the
   RSS of the data alone reported as the baseline. For PostgreSQL: ``shared_buffers``,
   ``work_mem`` and the peak RSS (VmHWM) of the connection's backend plus its parallel
   workers, read from ``/proc`` (so only when the server runs on this machine and the
   bench may read its processes, e.g. as root). VmHWM counts the shared buffers a
   process touched, so the sum over backend and workers overstates the total.

geo_era's compiled kernels are loaded before the clock starts (``warm_up``, as a server
does at start), as PostGIS's functions are loaded in the server before its queries.

The server: ``--url``, else ``$BENCH_POSTGRES_URL``, else ``$TEST_POSTGRES_URL``, else the
server ``.ci/postgres.sh`` starts (``geo_era_test@127.0.0.1:5432``); SQLAlchemy URLs
(``postgresql+psycopg://``) are accepted. The bench drops and creates its own database
``geo_era_bench`` on it (and drops it at the end unless ``--keep``). Parallel query runs at
the server's default ``max_parallel_workers_per_gather``; ``work_mem`` is raised to 256MB.

Prints a table (method, seconds, ratio PostGIS/geo_era, identical) and writes ``--json``
(default ``bench/out/postgis.json``). Exit 1 if any result differs, 2 without a server.

    python bench/postgis.py                         # 1,000,000 properties, 50,000 sites
    python bench/postgis.py --properties 20000 --sites 2000
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import psycopg
import shapely
from common import write_json
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proximity import make_data

from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.geometry.index import SiteIndex, warm_up

BENCH_DB = "geo_era_bench"
CI_URL = "postgresql://geo_era_test:geo_era_test@127.0.0.1:5432/postgres"
HOW_TO_GET_A_SERVER = (
    "no PostgreSQL/PostGIS server reachable. Start one on 127.0.0.1 with\n"
    "    sudo bash .ci/postgres.sh\n"
    "(installs postgresql-15-postgis-3 from Debian if missing, starts cluster 15/main), or\n"
    "pass --url / set BENCH_POSTGRES_URL to a server where this user may CREATE DATABASE.")
WORK_MEM = "256MB"
MAINTENANCE_WORK_MEM = "1GB"
PILOT = 1_000
TOL = 1e-6
DEFAULT_JSON = Path(__file__).resolve().parent / "out" / "postgis.json"


# ---------------------------------------------------------------------------- memory


def _status_kb(pid: int | str, key: str) -> int | None:
    """A ``kB`` (or plain integer) field of ``/proc/<pid>/status``; None if unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _reset_peak(pid: int | str) -> bool:
    """Reset a process's VmHWM to its current RSS (Linux >= 4.0); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _mb(kb: int | None) -> float | None:
    return None if kb is None else kb / 1024


@dataclass
class ServerPeak:
    """Peak RSS (MB) of one PostgreSQL backend and of its parallel workers during a task."""

    backend_mb: float | None = None
    workers_mb: float | None = None

    @property
    def total_mb(self) -> float | None:
        if self.backend_mb is None:
            return None
        return self.backend_mb + (self.workers_mb or 0.0)


class ServerMemory:
    """Reads a backend's VmHWM and polls its parallel workers' VmHWM from ``/proc``.

    Parallel workers are children of the postmaster whose title is ``parallel worker for
    PID <backend>``; they exit with their query, so a thread polls them every 50 ms and
    keeps the largest sum of the workers alive at once.
    """

    def __init__(self, backend_pid: int) -> None:
        self.pid = backend_pid
        self.readable = _status_kb(backend_pid, "VmHWM") is not None
        self.postmaster = _status_kb(backend_pid, "PPid") if self.readable else None

    def _workers(self) -> list[int]:
        assert self.postmaster is not None
        children = Path(f"/proc/{self.postmaster}/task/{self.postmaster}/children")
        try:
            pids = [int(p) for p in children.read_text().split()]
        except OSError:
            pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        tag = f"parallel worker for PID {self.pid}".encode()
        found = []
        for pid in pids:
            try:
                if tag in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                continue
        return found

    @contextmanager
    def track(self) -> Iterator[ServerPeak]:
        peak = ServerPeak()
        if not self.readable:
            yield peak
            return
        reset = _reset_peak(self.pid)
        stop = threading.Event()
        best = [0]

        def poll() -> None:
            while not stop.wait(0.05):
                total = sum(_status_kb(pid, "VmHWM") or 0 for pid in self._workers())
                best[0] = max(best[0], total)

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield peak
        finally:
            stop.set()
            thread.join()
            peak.backend_mb = _mb(_status_kb(self.pid, "VmHWM")) if reset else None
            peak.workers_mb = best[0] / 1024


# ---------------------------------------------------------------------- geo_era side


def sample_rows(n_props: int, size: int, seed: int) -> np.ndarray:
    """The properties the KNN sample uses: ``size`` distinct rows, sorted, reproducible."""
    rng = np.random.default_rng([seed, 20_000])
    return np.sort(rng.choice(n_props, size=min(size, n_props), replace=False))


def pair_keys(q: np.ndarray, s: np.ndarray, n_sites: int) -> np.ndarray:
    return np.unique(q.astype(np.int64) * n_sites + s.astype(np.int64))


def run_geo_era(n_props: int, n_sites: int, seed: int, radius: float, *, sample_size: int,
                out_dir: str) -> dict[str, Any]:
    """geo_era's timings, in a fresh process: results saved as ``.npy`` in ``out_dir``,
    times (s) and peak RSS (MB, VmHWM reset before each task) returned."""
    props, sites = make_data(n_props, n_sites, seed)
    warm_up()  # the kernels compiled (or loaded from numba's cache), as a server does
    sample = sample_rows(n_props, sample_size, seed)
    out = Path(out_dir)
    figures: dict[str, Any] = {"baseline_rss_mb": _mb(_status_kb("self", "VmRSS")),
                               "peak_reset": _reset_peak("self")}

    def task(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        _reset_peak("self")
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        figures[f"{name}_s"] = time.perf_counter() - start
        figures[f"{name}_peak_rss_mb"] = _mb(_status_kb("self", "VmHWM"))
        return result

    def within() -> tuple[np.ndarray, np.ndarray]:
        pairs = SiteIndex(sites).within(props, radius)
        return pairs.query, pairs.site

    def nearest(points: np.ndarray, bound: float | None) -> tuple[np.ndarray, np.ndarray]:
        found = SiteIndex(sites).nearest(points, max_distance_m=bound)
        return found.site, found.distance

    q, s = task("within", within)
    np.save(out / "within_keys.npy", pair_keys(q, s, n_sites))
    del q, s
    site, dist = task("nearest_within", nearest, props, radius)
    np.save(out / "nearest_within_site.npy", site)
    np.save(out / "nearest_within_dist.npy", dist)
    del site, dist
    site, dist = task("nearest", nearest, props, None)
    np.save(out / "nearest_site.npy", site)
    np.save(out / "nearest_dist.npy", dist)
    del site, dist
    # The same calls on the KNN sample alone, for reference when PostGIS runs on it.
    task("nearest_within_sample", nearest, props[sample], radius)
    task("nearest_sample", nearest, props[sample], None)
    figures["peak_rss_mb"] = max(v for k, v in figures.items()
                                 if k.endswith("_peak_rss_mb") and v is not None)
    return figures


# ----------------------------------------------------------------------- PostGIS side


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as a libpq one."""
    scheme, rest = url.split("://", 1) if "://" in url else ("postgresql", url)
    return f"{scheme.split('+', 1)[0]}://{rest}"


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def server_urls(explicit: str | None) -> list[tuple[str, str]]:
    """(where from, libpq URL) candidates, in order of precedence."""
    if explicit:
        return [("--url", libpq_url(explicit))]
    found = [(name, libpq_url(os.environ[name]))
             for name in ("BENCH_POSTGRES_URL", "TEST_POSTGRES_URL") if os.environ.get(name)]
    return found or [(".ci/postgres.sh default", CI_URL)]


def admin_url(url: str) -> str:
    database = urlsplit(url).path.lstrip("/")
    return with_database(url, "postgres") if database in ("", BENCH_DB) else url


def connect_server(explicit: str | None) -> tuple[str, str] | None:
    """The first reachable server: (where from, URL of its admin database)."""
    for source, url in server_urls(explicit):
        try:
            with psycopg.connect(admin_url(url), connect_timeout=5) as conn:
                conn.execute("SELECT 1")
            return source, url
        except psycopg.Error as exc:
            print(f"  {source}: {urlsplit(url).hostname}:{urlsplit(url).port}: "
                  f"{str(exc).strip().splitlines()[0]}", file=sys.stderr)
    return None


def create_bench_database(url: str) -> psycopg.Connection[Any]:
    """Drop and create ``geo_era_bench`` with PostGIS; a connection to it."""
    with psycopg.connect(admin_url(url), autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(BENCH_DB)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))
    conn = psycopg.connect(with_database(url, BENCH_DB), autocommit=True, connect_timeout=5)
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return conn


def drop_bench_database(url: str) -> None:
    with psycopg.connect(admin_url(url), autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(BENCH_DB)))


def setting(conn: psycopg.Connection[Any], name: str) -> str:
    row = conn.execute("SELECT current_setting(%s)", (name,)).fetchone()
    assert row is not None
    return str(row[0])


def configure(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Session settings for the bench (not handicapping PostGIS), and what the server has."""
    row = conn.execute("SELECT reset_val FROM pg_settings "
                       "WHERE name = 'max_parallel_workers_per_gather'").fetchone()
    assert row is not None
    conn.execute(sql.SQL("SET max_parallel_workers_per_gather = {}").format(
        sql.Literal(int(row[0]))))
    conn.execute(sql.SQL("SET work_mem = {}").format(sql.Literal(WORK_MEM)))
    conn.execute(sql.SQL("SET maintenance_work_mem = {}").format(
        sql.Literal(MAINTENANCE_WORK_MEM)))
    versions = conn.execute("SELECT version(), postgis_lib_version(), "
                            "postgis_geos_version()").fetchone()
    assert versions is not None
    # Is <-> the exact distance? A point 7.07 m from a triangle's edge but inside its box.
    exact = conn.execute(
        "SELECT 'SRID=27700;POLYGON((0 0,10 10,10 0,0 0))'::geometry "
        "<-> 'SRID=27700;POINT(0 10)'::geometry").fetchone()
    assert exact is not None
    return {
        "postgres": str(versions[0]).split(" on ")[0], "postgis": versions[1],
        "geos": versions[2],
        "knn_operator_exact": bool(abs(float(exact[0]) - 50 ** 0.5) < 1e-9),
        **{name: setting(conn, name) for name in (
            "shared_buffers", "work_mem", "maintenance_work_mem",
            "max_parallel_workers_per_gather", "max_parallel_workers", "jit",
            "effective_cache_size")},
    }


_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def binary_copy_header() -> bytes:
    return _SIGNATURE + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")


def copy_out(conn: psycopg.Connection[Any], query: sql.Composable,
             kinds: Sequence[str]) -> list[np.ndarray]:
    """Run ``query`` as ``COPY (query) TO STDOUT (FORMAT binary)``; its columns as numpy
    arrays. ``kinds`` are the columns' big-endian numpy dtypes (``>i4``, ``>f8``); the
    columns must be fixed-width and never NULL."""
    chunks: list[bytes] = []
    with conn.cursor() as cur, cur.copy(
            sql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(query)) as copy:
        chunks.extend(bytes(block) for block in copy)
    buf = b"".join(chunks)
    if not buf.startswith(_SIGNATURE):
        raise RuntimeError("not a binary COPY stream")
    start = 19 + int.from_bytes(buf[15:19], "big")
    fields: list[tuple[str, str]] = [("n", ">i2")]
    for k, kind in enumerate(kinds):
        fields += [(f"len{k}", ">i4"), (f"v{k}", kind)]
    rows = np.frombuffer(buf, dtype=np.dtype(fields), offset=start,
                         count=(len(buf) - start - 2) // np.dtype(fields).itemsize)
    if len(rows) and (not (rows["n"] == len(kinds)).all() or any(
            not (rows[f"len{k}"] == np.dtype(kind).itemsize).all()
            for k, kind in enumerate(kinds))):
        raise RuntimeError("unexpected NULL or variable-width column in a binary COPY")
    return [rows[f"v{k}"].astype(np.dtype(kind).newbyteorder("="))
            for k, kind in enumerate(kinds)]


def load(conn: psycopg.Connection[Any], props: np.ndarray, sites: gpd.GeoDataFrame
         ) -> dict[str, float]:
    """COPY the data into unlogged tables, build the GiST indexes and ANALYZE; times."""
    times: dict[str, float] = {}
    start = time.perf_counter()
    conn.execute("CREATE UNLOGGED TABLE props (id integer NOT NULL, "
                 "geom geometry(Point, 27700) NOT NULL)")
    conn.execute("CREATE UNLOGGED TABLE sites (id integer NOT NULL, category text NOT NULL, "
                 "geom geometry(Geometry, 27700) NOT NULL)")
    # Points: one binary COPY built with numpy (id, EWKB with SRID), no per-row Python.
    wkb = shapely.to_wkb(shapely.set_srid(shapely.points(props), 27700), byte_order=1,
                         include_srid=True)
    row = np.dtype([("n", ">i2"), ("l0", ">i4"), ("id", ">i4"), ("l1", ">i4"), ("g", "V25")])
    rows = np.empty(len(props), dtype=row)
    rows["n"], rows["l0"], rows["id"], rows["l1"] = 2, 4, np.arange(len(props)), 25
    if len(props):
        rows["g"] = np.frombuffer(b"".join(wkb), dtype="V25")
    with conn.cursor() as cur, cur.copy("COPY props (id, geom) FROM STDIN (FORMAT binary)"
                                        ) as copy:
        copy.write(binary_copy_header() + rows.tobytes() + (-1).to_bytes(2, "big", signed=True))
    # Sites (points and polygons): text COPY of hex EWKB.
    hexes = shapely.to_wkb(shapely.set_srid(sites.geometry.to_numpy(), 27700), hex=True,
                           include_srid=True)
    text = "".join(f"{i}\t{c}\t{h}\n" for i, (c, h) in enumerate(
        zip(sites["category"].to_numpy(), hexes, strict=True)))
    with conn.cursor() as cur, cur.copy("COPY sites (id, category, geom) FROM STDIN") as copy:
        copy.write(text)
    times["copy_s"] = time.perf_counter() - start
    start = time.perf_counter()
    conn.execute("CREATE INDEX props_geom ON props USING gist (geom)")
    conn.execute("CREATE INDEX sites_geom ON sites USING gist (geom)")
    times["gist_s"] = time.perf_counter() - start
    start = time.perf_counter()
    conn.execute("ANALYZE props")
    conn.execute("ANALYZE sites")
    times["analyze_s"] = time.perf_counter() - start
    start = time.perf_counter()
    for col, category in enumerate(SITE_CATEGORIES):
        conn.execute(sql.SQL("CREATE INDEX {} ON sites USING gist (geom) WHERE category = {}"
                             ).format(sql.Identifier(f"sites_geom_{col}"),
                                      sql.Literal(category)))
    times["category_gist_s"] = time.perf_counter() - start
    return times


def make_subset(conn: psycopg.Connection[Any], name: str, rows: np.ndarray) -> None:
    """A table ``name`` with the given property rows (untimed set-up for the KNN)."""
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
    conn.execute(sql.SQL("CREATE UNLOGGED TABLE {} AS SELECT p.* FROM props p "
                         "JOIN unnest(%s::integer[]) AS k(id) USING (id)").format(
        sql.Identifier(name)), (rows.astype(int).tolist(),))
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(name)))


def within_query(radius: float, *, tuned: bool = False) -> sql.Composed:
    """The pairs within ``radius``: the plain join (the planner's choice of plan), or
    ``tuned``: driven from the sites, one index scan of the properties per site (the
    ``OFFSET 0`` keeps the planner from flattening it back into the join)."""
    if tuned:
        return sql.SQL("SELECT x.id, s.id FROM sites s CROSS JOIN LATERAL (SELECT p.id "
                       "FROM props p WHERE ST_DWithin(p.geom, s.geom, {}) OFFSET 0) x"
                       ).format(sql.Literal(radius))
    return sql.SQL("SELECT p.id, s.id FROM props p JOIN sites s "
                   "ON ST_DWithin(p.geom, s.geom, {})").format(sql.Literal(radius))


def knn_query(table: str, category: str, radius: float | None) -> sql.Composed:
    bound = (sql.SQL(" AND ST_DWithin(s.geom, p.geom, {})").format(sql.Literal(radius))
             if radius is not None else sql.SQL(""))
    return sql.SQL(
        "SELECT p.id, n.id, n.d FROM {} p CROSS JOIN LATERAL ("
        "SELECT s.id, ST_Distance(s.geom, p.geom) AS d FROM sites s "
        "WHERE s.category = {}{} ORDER BY s.geom <-> p.geom LIMIT 1) n").format(
        sql.Identifier(table), sql.Literal(category), bound)


def distinct_on_query(radius: float) -> sql.Composed:
    """Nearest per category within ``radius`` as a set: the tuned within join with the
    distances, the first per (property, category) by distance then site id."""
    cases = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN {}").format(sql.Literal(c), sql.Literal(k))
        for k, c in enumerate(SITE_CATEGORIES))
    return sql.SQL(
        "SELECT DISTINCT ON (x.id, s.category) x.id, CASE s.category {} END, s.id, x.d "
        "FROM sites s CROSS JOIN LATERAL (SELECT p.id, ST_Distance(p.geom, s.geom) AS d "
        "FROM props p WHERE ST_DWithin(p.geom, s.geom, {}) OFFSET 0) x "
        "ORDER BY x.id, s.category, x.d, s.id").format(cases, sql.Literal(radius))


def knn(conn: psycopg.Connection[Any], table: str, n_props: int, radius: float | None
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PostGIS KNN per category over ``table``: (property rows, site (n, 9), distance)."""
    site = np.full((n_props, len(SITE_CATEGORIES)), -1, dtype=np.int64)
    dist = np.full((n_props, len(SITE_CATEGORIES)), np.inf)
    seen = np.zeros(n_props, dtype=bool)
    for col, category in enumerate(SITE_CATEGORIES):
        p, s, d = copy_out(conn, knn_query(table, category, radius), (">i4", ">i4", ">f8"))
        site[p, col], dist[p, col], seen[p] = s, d, True
    return np.flatnonzero(seen), site, dist


def plan_summary(conn: psycopg.Connection[Any], query: sql.Composable) -> str:
    """The plan's nodes (type, index), outermost first, and the parallel workers planned."""
    row = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) {}").format(query)).fetchone()
    assert row is not None
    plan = row[0][0]["Plan"]
    nodes: list[str] = []
    workers = 0

    def walk(node: dict[str, Any]) -> None:
        nonlocal workers
        workers = max(workers, int(node.get("Workers Planned", 0)))
        label = node["Node Type"]
        if "Index Name" in node:
            label += f" {node['Index Name']}"
        elif "Relation Name" in node:
            label += f" {node['Relation Name']}"
        nodes.append(label)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return f"{' > '.join(nodes)}; {workers} parallel workers planned"


# ---------------------------------------------------------------------------- checks


@dataclass
class Check:
    """Agreement of PostGIS's nearest (per property and category) with geo_era's."""

    identical: bool
    values: int
    dist_differ: int = 0
    worst_m: float = 0.0
    site_differ: int = 0
    ties: int = 0
    notes: list[str] = field(default_factory=list)


def compare_nearest(rows: np.ndarray, ours: tuple[np.ndarray, np.ndarray],
                    pg: tuple[np.ndarray, np.ndarray], *, props: np.ndarray,
                    sites: gpd.GeoDataFrame) -> Check:
    """Distances to 1e-6 m everywhere; site ids where PostGIS's site is not tied with
    geo_era's (both measured from the property with shapely). ``ours`` and ``pg`` are
    (site, distance) arrays of shape (n_properties, n_categories); ``rows`` the
    properties compared."""
    ours_site, ours_dist = ours
    pg_site, pg_dist = pg
    od, ps, pd_ = ours_dist[rows], pg_site[rows], pg_dist[rows]
    os_ = ours_site[rows]
    both_inf = np.isinf(od) & np.isinf(pd_)
    with np.errstate(invalid="ignore"):  # inf - inf where neither has a site: equal
        diff = np.where(both_inf, 0.0, np.abs(od - pd_))
    bad = ~(diff <= TOL)
    check = Check(identical=not bad.any(), values=int(od.size), dist_differ=int(bad.sum()),
                  worst_m=float(np.nanmax(np.where(np.isnan(diff), np.inf, diff)))
                  if diff.size else 0.0)
    other = (os_ != ps) & ~bad & (ps >= 0) & (os_ >= 0)
    check.site_differ = int(other.sum())
    if other.any():
        r, _ = np.nonzero(other)
        geoms = sites.geometry.to_numpy()
        point = shapely.points(props[rows[r]])
        d_ours = shapely.distance(point, geoms[os_[other]])
        d_pg = shapely.distance(point, geoms[ps[other]])
        tie = np.abs(d_ours - d_pg) <= TOL
        check.ties = int(tie.sum())
        if not tie.all():
            check.identical = False
            check.notes.append(f"{int((~tie).sum())} different sites not tied")
    return check


# ---------------------------------------------------------------------------- report


@dataclass
class Row:
    task: str
    method: str
    seconds: float
    peak_rss_mb: float | None = None
    identical: bool | None = None
    ratio: float | None = None
    note: str = ""
    properties: int | None = None


def show(rows: list[Row]) -> None:
    print(f"\n{'task':<11} {'method':<56} {'seconds':>8} {'peak MB':>8} "
          f"{'PostGIS/geo_era':>15} {'identical':>9}")
    for r in rows:
        peak = f"{r.peak_rss_mb:8.0f}" if r.peak_rss_mb is not None else f"{'-':>8}"
        ratio = f"{r.ratio:14.1f}x" if r.ratio is not None else f"{'':>15}"
        same = {True: "yes", False: "NO", None: ""}[r.identical]
        print(f"{r.task:<11} {r.method:<56} {r.seconds:8.2f} {peak} {ratio} {same:>9}")
        if r.note:
            print(f"{'':<12}  {r.note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--radius", type=float, default=400.0, help="metres")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--url", help="PostgreSQL URL (libpq or SQLAlchemy form); the bench "
                        f"creates its own database {BENCH_DB} there")
    parser.add_argument("--knn-sample", type=int, default=20_000,
                        help="properties for PostGIS KNN when all of them would take longer "
                        "than --knn-budget (0: always all)")
    parser.add_argument("--knn-budget", type=float, default=300.0,
                        help="seconds the PostGIS KNN on all properties may take, estimated "
                        "from a pilot, before the sample is used instead")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--keep", action="store_true",
                        help=f"keep the {BENCH_DB} database afterwards")
    args = parser.parse_args()
    n, m, radius = args.properties, args.sites, args.radius

    server = connect_server(args.url)
    if server is None:
        print(f"\n{HOW_TO_GET_A_SERVER}", file=sys.stderr)
        return 2
    source, url = server
    print(f"{n:,} properties, {m:,} sites ({m // 10:,} polygons), radius {radius:g} m, "
          f"EPSG:27700; PostgreSQL from {source} ({urlsplit(url).hostname}:"
          f"{urlsplit(url).port or 5432}, database {BENCH_DB}); {os.cpu_count()} cores")

    # 1. geo_era, first, in a fresh process (its peak RSS is its own).
    with tempfile.TemporaryDirectory() as tmp:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            ours = pool.apply(run_geo_era, (n, m, args.seed, radius),
                              {"sample_size": args.knn_sample, "out_dir": tmp})
        folder = Path(tmp)
        ours_keys = np.load(folder / "within_keys.npy")
        ours_near = {name: (np.load(folder / f"{name}_site.npy"),
                            np.load(folder / f"{name}_dist.npy"))
                     for name in ("nearest_within", "nearest")}
    print(f"geo_era done (child process, data alone {ours['baseline_rss_mb']:.0f} MB RSS)")

    # 2. PostGIS on the same data.
    props, sites = make_data(n, m, args.seed)
    n_polys = int((shapely.get_type_id(sites.geometry.to_numpy()) != 0).sum())
    try:
        conn = create_bench_database(url)
    except psycopg.Error as exc:
        print(f"cannot create database {BENCH_DB} with PostGIS: {str(exc).strip()}\n\n"
              f"{HOW_TO_GET_A_SERVER}", file=sys.stderr)
        return 2
    failures: list[str] = []
    rows: list[Row] = []
    try:
        info = configure(conn)
        backend = conn.info.backend_pid
        memory = ServerMemory(backend)
        print(f"{info['postgres']}, PostGIS {info['postgis']} (GEOS {info['geos']}); "
              f"shared_buffers {info['shared_buffers']}, work_mem {info['work_mem']}, "
              f"max_parallel_workers_per_gather {info['max_parallel_workers_per_gather']} "
              f"(server default), jit {info['jit']}; <-> on geometry is "
              f"{'the exact distance' if info['knn_operator_exact'] else 'a BOX distance'}")

        with memory.track() as load_mem:
            load_t = load(conn, props, sites)
        t_load = load_t["copy_s"] + load_t["gist_s"] + load_t["analyze_s"]

        # --- within: the plain join; then CLUSTER props and the sites-driven form
        t_ours = ours["within_s"]
        rows.append(Row("within", "geo_era SiteIndex.within", t_ours,
                        ours["within_peak_rss_mb"], None, None, "", n))
        rows.append(Row("within", "PostGIS load: COPY + 2 GiST + ANALYZE", t_load,
                        load_mem.total_mb, None, None,
                        f"COPY {load_t['copy_s']:.2f} s, GiST {load_t['gist_s']:.2f} s, "
                        f"ANALYZE {load_t['analyze_s']:.2f} s (+ "
                        f"{load_t['category_gist_s']:.2f} s for the 9 partial GiST indexes "
                        "the KNN uses, not counted)"))
        within_t: dict[str, float] = {}
        for tuned in (False, True):
            if tuned:
                with memory.track() as cluster_mem:
                    start = time.perf_counter()
                    conn.execute("CLUSTER props USING props_geom")
                    conn.execute("ANALYZE props")
                    t_cluster = time.perf_counter() - start
                rows.append(Row("within", "PostGIS tuned: CLUSTER props USING GiST", t_cluster,
                                cluster_mem.total_mb, None, None,
                                "rewrites the properties in the index's spatial order "
                                "(and rebuilds its indexes), then ANALYZE"))
            query = within_query(radius, tuned=tuned)
            plan = plan_summary(conn, query)
            with memory.track() as within_mem:
                start = time.perf_counter()
                pq, ps = copy_out(conn, query, (">i4", ">i4"))
                t_within = time.perf_counter() - start
            pg_keys = pair_keys(pq, ps, m)
            same = np.array_equal(pg_keys, ours_keys)
            note = f"{len(pg_keys):,} pairs"
            if not same:
                only_pg = np.setdiff1d(pg_keys, ours_keys)
                only_ours = np.setdiff1d(ours_keys, pg_keys)
                extra = np.concatenate([only_pg, only_ours])
                d = shapely.distance(shapely.points(props[extra // m]),
                                     sites.geometry.to_numpy()[extra % m])
                note = (f"PostGIS {len(pg_keys):,} pairs, geo_era {len(ours_keys):,}: "
                        f"{len(only_pg)} only in PostGIS, {len(only_ours)} only in geo_era, "
                        f"at {d.min():.9f}-{d.max():.9f} m")
                failures.append(f"within{' (tuned)' if tuned else ''}: {note}")
            rows[0].note = f"{len(ours_keys):,} pairs (the reference)"
            loaded = t_load + (t_cluster if tuned else 0.0)
            key = "tuned" if tuned else "join"
            within_t[key], within_t[f"{key}_with_load"] = t_within, loaded + t_within
            method = ("PostGIS tuned, sites-driven LATERAL" if tuned
                      else "PostGIS ST_DWithin join, planner's plan")
            rows += [
                Row("within", f"{method}: query", t_within, within_mem.total_mb, same,
                    t_within / t_ours, f"{note}; plan: {plan}", n),
                Row("within", f"{method}: + load{' + CLUSTER' if tuned else ''}",
                    loaded + t_within, None, same, (loaded + t_within) / t_ours),
            ]

        # --- nearest, bounded and unbounded
        pilot = sample_rows(n, PILOT, args.seed + 1)
        sample = sample_rows(n, args.knn_sample, args.seed)
        make_subset(conn, "props_pilot", pilot)
        ratios: dict[str, float] = {
            "within_query": min(within_t["join"], within_t["tuned"]) / t_ours,
            "within_with_load": min(within_t["join_with_load"],
                                    within_t["tuned_with_load"]) / t_ours,
            "within_query_join": within_t["join"] / t_ours,
            "within_query_tuned": within_t["tuned"] / t_ours,
            "within_with_load_join": within_t["join_with_load"] / t_ours,
            "within_with_load_tuned": within_t["tuned_with_load"] / t_ours,
        }
        for name, bound in (("nearest_within", radius), ("nearest", None)):
            label = "nearest ≤R" if bound is not None else "nearest"
            start = time.perf_counter()
            knn(conn, "props_pilot", n, bound)
            estimate = (time.perf_counter() - start) * n / len(pilot)
            use_sample = 0 < args.knn_sample < n and estimate > args.knn_budget
            table = "props_sample" if use_sample else "props"
            if use_sample:
                make_subset(conn, "props_sample", sample)
            plan = plan_summary(conn, knn_query(table, SITE_CATEGORIES[0], bound))
            with memory.track() as knn_mem:
                start = time.perf_counter()
                done, pg_site, pg_dist = knn(conn, table, n, bound)
                t_pg = time.perf_counter() - start
            expected = sample if use_sample else np.arange(n)
            check = compare_nearest(expected, ours_near[name], (pg_site, pg_dist),
                                    props=props, sites=sites)
            t_ours = ours[f"{name}_s"]
            per_prop = (t_pg / len(expected)) / (t_ours / n)
            ratios[f"{name}_knn"] = per_prop
            ratios[name] = per_prop
            note = (f"{check.values:,} values; {check.site_differ} other sites, "
                    f"{check.ties} of them tied; max |Δd| {check.worst_m:.2e} m")
            if use_sample:
                note += (f"; SAMPLE of {len(expected):,} properties (all {n:,} estimated at "
                         f"{estimate:,.0f} s from a {len(pilot):,}-property pilot): "
                         "ratio per property; full run extrapolates to "
                         f"{t_pg * n / len(expected):,.0f} s")
            note += f"; plan per category: {plan}"
            if not check.identical:
                failures.append(f"{name}: {check.dist_differ} distances differ (worst "
                                f"{check.worst_m:.3g} m); {'; '.join(check.notes)}")
            if not np.array_equal(done, np.unique(expected)) and bound is None:
                failures.append(f"{name}: PostGIS answered {len(done):,} properties")
            rows += [
                Row(label, f"geo_era SiteIndex.nearest{'(max_distance_m)' if bound else ''}",
                    t_ours, ours[f"{name}_peak_rss_mb"], None, None,
                    (f"the reference; on the {len(sample):,}-property sample alone: "
                     f"{ours[f'{name}_sample_s']:.3f} s") if use_sample else "the reference",
                    n),
                Row(label, "PostGIS KNN <-> LATERAL x 9 categories", t_pg, knn_mem.total_mb,
                    check.identical, per_prop, note, len(expected)),
            ]
            if bound is not None:
                query = distinct_on_query(radius)
                with memory.track() as join_mem:
                    start = time.perf_counter()
                    p, c, s, d = copy_out(conn, query, (">i4", ">i4", ">i4", ">f8"))
                    t_join = time.perf_counter() - start
                j_site = np.full((n, len(SITE_CATEGORIES)), -1, dtype=np.int64)
                j_dist = np.full((n, len(SITE_CATEGORIES)), np.inf)
                j_site[p, c], j_dist[p, c] = s, d
                jcheck = compare_nearest(np.arange(n), ours_near[name], (j_site, j_dist),
                                         props=props, sites=sites)
                exact_sites = bool(np.array_equal(j_site, ours_near[name][0]))
                if not jcheck.identical:
                    failures.append(f"{name} (join): {jcheck.dist_differ} distances differ")
                ratios["nearest_within_join"] = t_join / t_ours
                ratios[name] = min(per_prop, t_join / t_ours)
                rows.append(Row(
                    label, "PostGIS ST_DWithin join + DISTINCT ON", t_join, join_mem.total_mb,
                    jcheck.identical, t_join / t_ours,
                    f"{jcheck.values:,} values; ties broken by site id as geo_era: "
                    f"{'same sites everywhere' if exact_sites else 'sites differ'}; plan: "
                    f"{plan_summary(conn, query)}", n))
        conn.execute("SELECT 1")
        backend_total = _mb(_status_kb(backend, "VmHWM"))
    finally:
        conn.close()
        if not args.keep:
            drop_bench_database(url)

    show(rows)
    print(f"\ngeo_era child process: data alone {ours['baseline_rss_mb']:.0f} MB RSS, peak "
          f"per task as shown (VmHWM, reset before each task), at most "
          f"{ours['peak_rss_mb']:.0f} MB. PostgreSQL peak: backend + parallel workers "
          "VmHWM per task (includes shared buffers touched)"
          + ("" if memory.readable else ": not readable from /proc (remote server?)"))
    print("ratios PostGIS/geo_era: " + ", ".join(f"{k} {v:.1f}x" for k, v in ratios.items()))

    report = {
        "name": "postgis",
        "data": {"properties": n, "sites": m, "polygons": n_polys, "radius_m": radius,
                 "seed": args.seed, "categories": len(SITE_CATEGORIES), "crs": "EPSG:27700",
                 "cores": os.cpu_count(), "knn_sample": args.knn_sample,
                 "knn_budget_s": args.knn_budget},
        "postgres": {**info, "session_work_mem": WORK_MEM,
                     "session_maintenance_work_mem": MAINTENANCE_WORK_MEM,
                     "tables": "UNLOGGED", "load": load_t,
                     "backend_peak_rss_mb_whole_run": backend_total},
        "geo_era": {k: v for k, v in ours.items() if k.endswith(("_mb", "_s", "_reset"))},
        "rows": [{"task": r.task, "method": r.method, "seconds": r.seconds,
                  "peak_rss_mb": r.peak_rss_mb, "identical": r.identical,
                  "ratio_postgis_geo_era": r.ratio, "properties": r.properties,
                  "note": r.note} for r in rows],
        "ratios": ratios,
        "failures": failures,
    }
    write_json(args.json, "postgis", report)
    print(f"figures written to {args.json}")
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        return 1
    print("\nresults checked: identical pair sets, equal nearest distances (1e-6 m), same "
          "sites except ties")
    return 0


if __name__ == "__main__":
    sys.exit(main())
