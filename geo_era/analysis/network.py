"""Walking distances on the street network, beside straight-line distances.

A school 300 m away across a railway can be a 2 km walk. This module builds a walking
graph from the ``streets`` layer (which the OSM import fills by osmnx's walk rules) in
EPSG:27700, keeps its largest connected component, and answers:

- for every node and every site category, the walking distance to the nearest site of
  that category (one multi-source Dijkstra per category with ``scipy.sparse.csgraph``,
  from a virtual source joined to each site's access points), and the route to it;
- for one property, the walking distance to each site near it (a bounded Dijkstra from
  the two ends of the street it stands on).

Graph nodes are the end points of street lines (to 1 cm), never points where lines
cross: a bridge over a railway is not a junction. Points are *snapped* to the nearest
street edge, and the straight off-network distance is added to the walk. A point site
has one access point; a polygon site (school grounds, park) is reached at its boundary,
from every street edge within ``ACCESS_RADIUS_M`` of it and the nearest edge.

A property or site more than ``MAX_SNAP_M`` from any street is *off network*; a site
with no route within the search limit is *unreachable*. Both are said, never returned
as infinity.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
import shapely.ops
from scipy import sparse
from scipy.sparse import csgraph

from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.errors import DataError
from geo_era.geometry.index import no_sites

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: End points closer than this (metres) are one node.
NODE_PRECISION_M = 0.01
#: A point further than this from every street is off the network (metres).
MAX_SNAP_M = 250.0
#: A polygon site can be entered from every street edge this close to it (metres).
ACCESS_RADIUS_M = 25.0
#: A walk at least this many times the straight line, and ...
BARRIER_RATIO = 2.0
#: ... at least this much longer (metres), is flagged: something (a railway, a river,
#: a motorway) stands between the two.
BARRIER_EXCESS_M = 200.0
#: Bump this when the cached arrays change meaning.
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Snap:
    """Where points join the network: ``edge[k]`` (-1 when off network), the distance
    ``along`` that edge from its ``u`` end, and the straight ``offset`` to it (metres)."""

    edge: IntArray
    along: FloatArray
    offset: FloatArray


@dataclass(frozen=True)
class Access:
    """Access points of sites: ``site[k]`` (row in the sites frame) joins the network on
    ``edge[k]`` at ``along[k]`` metres from its ``u`` end, ``offset[k]`` metres away."""

    site: IntArray
    edge: IntArray
    along: FloatArray
    offset: FloatArray
    #: the point of the site reached (a point site, or the nearest point of a polygon's
    #: boundary to that edge), (k, 2)
    target: FloatArray
    #: positions of the access points ordered by edge (stable), to find those on a given
    #: edge by binary search; derived, not passed
    by_edge: IntArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_edge",
                           np.argsort(self.edge, kind="stable").astype(np.int64))

    def on_edges(self, edges: IntArray) -> tuple[IntArray, IntArray]:
        """Every (query, access point) pair with the access point on the query's edge:
        ``edges[q] == edge[k]``; queries in order, each one's access points in order."""
        edges = np.asarray(edges, dtype=np.int64)
        sorted_edge = self.edge[self.by_edge]
        lo = np.searchsorted(sorted_edge, edges, side="left")
        counts = np.searchsorted(sorted_edge, edges, side="right") - lo
        query = np.repeat(np.arange(len(edges), dtype=np.int64), counts)
        step = np.arange(len(query), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts,
                                                                 counts)
        return query, self.by_edge[np.repeat(lo, counts) + step]


def _entry_sites(distance: FloatArray, predecessor: IntArray, entry_site: IntArray
                 ) -> npt.NDArray[np.int32]:
    """The site at the end of every node's shortest path (-1 where none is reachable):
    follow predecessors, by pointer jumping (vectorised), to the node the virtual source
    joins. 32-bit, as it is kept per node and category."""
    n = len(distance)
    parent = np.where((predecessor >= 0) & (predecessor < n), predecessor, np.arange(n))
    for _ in range(64):
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            break
        parent = nxt
    site = entry_site[parent].astype(np.int32)
    site[~np.isfinite(distance)] = -1
    return site


@dataclass(frozen=True)
class CategoryDistances:
    """Walking distance (m) from each node to the nearest site of one category, the
    predecessor of each node on that path (``-1`` at the start, ``n`` the virtual source),
    and, for nodes joined directly to the source, which site they reach.

    ``node_site``, derived, is the site at the end of each node's path (-1 when none)."""

    distance: FloatArray
    predecessor: IntArray
    entry_site: IntArray
    node_site: npt.NDArray[np.int32] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "node_site",
                           _entry_sites(self.distance, self.predecessor, self.entry_site))


class WalkGraph:
    """An undirected walking graph in EPSG:27700: nodes, edges with their geometry, and
    a symmetric CSR matrix of edge lengths (metres)."""

    def __init__(self, node_xy: FloatArray, u: IntArray, v: IntArray,
                 geoms: npt.NDArray[np.object_], *, dropped_nodes: int = 0,
                 source_key: str = "") -> None:
        self.node_xy = node_xy
        self.u = u
        self.v = v
        self.geoms = geoms
        self.length = shapely.length(geoms)
        self.dropped_nodes = dropped_nodes
        self.source_key = source_key
        n = len(node_xy)
        # one entry per node pair: the shortest of any parallel edges
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        order = np.lexsort((self.length, hi, lo))
        first = np.r_[True, (lo[order][1:] != lo[order][:-1]) | (hi[order][1:] != hi[order][:-1])]
        keep = order[first]
        self.matrix = sparse.csr_matrix(
            (np.r_[self.length[keep], self.length[keep]],
             (np.r_[u[keep], v[keep]], np.r_[v[keep], u[keep]])), shape=(n, n))
        self._pair_edge = {(int(a), int(b)): int(e) for a, b, e in
                           zip(lo[keep], hi[keep], keep, strict=True)}
        self._tree = shapely.STRtree(geoms)

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.u)

    # --- building ----------------------------------------------------------------------

    @classmethod
    def from_streets(cls, streets: gpd.GeoDataFrame, *, source_key: str = "") -> WalkGraph:
        """The walking graph of a ``streets`` layer (lines, EPSG:27700), largest connected
        component only."""
        if streets.crs is not None and streets.crs.to_epsg() != 27700:
            streets = streets.to_crs(27700)
        lines = shapely.get_parts(streets.geometry.to_numpy())
        lines = lines[(shapely.get_type_id(lines) == 1) & ~shapely.is_empty(lines)]
        lines = lines[shapely.length(lines) > 0]
        if not len(lines):
            raise DataError("the street network is empty: the 'streets' layer holds no "
                            "lines; import streets (or an OpenStreetMap extract) first")
        ends = np.vstack([shapely.get_coordinates(shapely.get_point(lines, 0)),
                          shapely.get_coordinates(shapely.get_point(lines, -1))])
        keys = np.round(ends / NODE_PRECISION_M).astype(np.int64)
        unique, node_of = np.unique(keys, axis=0, return_inverse=True)
        node_of = node_of.ravel()
        u, v = node_of[: len(lines)], node_of[len(lines):]
        loop = u == v
        lines, u, v = lines[~loop], u[~loop], v[~loop]
        if not len(lines):
            raise DataError("the street network is empty: every street line is a loop with "
                            "no other end")
        n = len(unique)
        graph = sparse.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        _, label = csgraph.connected_components(graph, directed=False)
        sizes = np.bincount(label)
        largest = int(np.argmax(sizes))
        keep_node = label == largest
        new_id = np.cumsum(keep_node) - 1
        keep_edge = keep_node[u]
        exact = np.zeros((n, 2))  # a node at its first line end's exact coordinates
        exact[node_of] = ends
        node_xy = exact[keep_node]
        return cls(node_xy, new_id[u[keep_edge]].astype(np.int64),
                   new_id[v[keep_edge]].astype(np.int64), lines[keep_edge],
                   dropped_nodes=int(n - keep_node.sum()), source_key=source_key)

    @classmethod
    def from_osm(cls, path: Path) -> WalkGraph:
        """The walking graph of an OpenStreetMap extract (.osm or .pbf), by osmnx's walk
        rules (see :mod:`geo_era.data.osm`)."""
        from geo_era.data.osm import layers_from_osm  # noqa: PLC0415  (osmnx is slow to import)

        return cls.from_streets(layers_from_osm(Path(path))["streets"],
                                source_key=f"osm:{Path(path).name}")

    # --- snapping ----------------------------------------------------------------------

    def snap(self, xy: Any) -> Snap:
        """Snap points, an (n, 2) array-like of x, y in EPSG:27700, to their nearest
        street edge."""
        pts = shapely.points(np.asarray(xy, dtype=float).reshape(-1, 2))
        qi, ei = self._tree.query_nearest(pts, all_matches=False)
        edge = np.full(len(pts), -1, dtype=np.int64)
        edge[qi] = ei
        offset = shapely.distance(pts, self.geoms[np.maximum(edge, 0)])
        along = shapely.line_locate_point(self.geoms[np.maximum(edge, 0)], pts)
        off = offset > MAX_SNAP_M
        edge[off] = -1
        return Snap(edge, along, offset)

    def site_access(self, sites: gpd.GeoDataFrame) -> Access:
        """Access points of every site: point sites at their nearest edge; polygon sites
        at their boundary, from each edge within ``ACCESS_RADIUS_M`` and the nearest."""
        geoms = sites.geometry.to_numpy()
        qi, ei = self._tree.query_nearest(geoms, all_matches=False)
        polys = np.flatnonzero(shapely.get_type_id(geoms) != 0)
        pi, pe = self._tree.query(geoms[polys], predicate="dwithin", distance=ACCESS_RADIUS_M)
        site = np.r_[qi, polys[pi]].astype(np.int64)
        edge = np.r_[ei, pe].astype(np.int64)
        pairs = np.unique(np.column_stack([site, edge]), axis=0)
        site, edge = pairs[:, 0], pairs[:, 1]
        nearest = shapely.shortest_line(self.geoms[edge], geoms[site])
        on_edge = shapely.get_point(nearest, 0)
        along = shapely.line_locate_point(self.geoms[edge], on_edge)
        offset = shapely.length(nearest)
        target = shapely.get_coordinates(shapely.get_point(nearest, -1))
        ok = offset <= MAX_SNAP_M
        return Access(site[ok], edge[ok], along[ok], offset[ok], target[ok])

    # --- shortest paths ----------------------------------------------------------------

    def _with_sources(self, access: Access, groups: list[npt.NDArray[np.bool_]]
                      ) -> tuple[sparse.csr_matrix, list[IntArray]]:
        """The graph plus one virtual source per group (nodes ``n``, ``n + 1``, ...), each
        joined to both ends of its group's access edges; and, per group and node, the site
        whose access gives that join. Sources have no incoming edges, so no path runs
        through one."""
        n = self.n_nodes
        coo = self.matrix.tocoo()
        rows, cols, data = [coo.row], [coo.col], [coo.data]
        entries: list[IntArray] = []
        for g, mask in enumerate(groups):
            e, a, o, s = (access.edge[mask], access.along[mask], access.offset[mask],
                          access.site[mask])
            node = np.r_[self.u[e], self.v[e]]
            weight = np.r_[o + a, o + self.length[e] - a]
            site = np.r_[s, s]
            order = np.lexsort((site, weight, node))
            node, weight, site = node[order], weight[order], site[order]
            first = np.r_[True, node[1:] != node[:-1]]
            node, weight, site = node[first], weight[first], site[first]
            entry = np.full(n, -1, dtype=np.int64)
            entry[node] = site
            entries.append(entry)
            rows.append(np.full(len(node), n + g))
            cols.append(node)
            data.append(weight)
        size = n + len(groups)
        matrix = sparse.csr_matrix((np.concatenate(data),
                                    (np.concatenate(rows), np.concatenate(cols))),
                                   shape=(size, size))
        return matrix, entries

    def category_distances(self, sites: gpd.GeoDataFrame, access: Access,
                           categories: Iterable[str] = SITE_CATEGORIES
                           ) -> dict[str, CategoryDistances]:
        """For each category with reachable sites: walking distance from every node to
        the nearest site of that category. One Dijkstra call, one virtual source per
        category."""
        cats = sites["category"].to_numpy(dtype=object)
        wanted = [c for c in categories if (cats[access.site] == c).any()]
        if not wanted:
            return {}
        groups = [cats[access.site] == c for c in wanted]
        matrix, entries = self._with_sources(access, groups)
        n = self.n_nodes
        dist, pred = _dijkstra(matrix, np.arange(n, n + len(wanted)))
        out: dict[str, CategoryDistances] = {}
        for g, category in enumerate(wanted):
            p = pred[g, :n].astype(np.int64)
            p[p >= n] = n  # joined directly to its category's source
            out[category] = CategoryDistances(dist[g, :n], p, entries[g])
        return out

    def from_points(self, snap: Snap, *, limit_m: float = np.inf) -> FloatArray:
        """Walking distance from each snapped point to every node, (points x nodes);
        ``inf`` beyond ``limit_m`` or for a point off the network."""
        out = np.full((len(snap.edge), self.n_nodes), np.inf)
        on = np.flatnonzero(snap.edge >= 0)
        if not len(on):
            return out
        e = snap.edge[on]
        ends = np.unique(np.r_[self.u[e], self.v[e]])
        d_end = csgraph.dijkstra(self.matrix, directed=False, indices=ends, limit=limit_m)
        row = {int(node): k for k, node in enumerate(ends)}
        for k, p in enumerate(on):
            to_u = snap.offset[p] + snap.along[p] + d_end[row[int(self.u[e[k]])]]
            to_v = snap.offset[p] + (self.length[e[k]] - snap.along[p]) + \
                d_end[row[int(self.v[e[k]])]]
            out[p] = np.minimum(to_u, to_v)
        return out

    def to_access(self, snap: Snap, node_dist: FloatArray, access: Access) -> FloatArray:
        """Walking distance from each snapped point to each access point (points x
        accesses), given ``node_dist`` from :meth:`from_points`; includes walking along a
        shared edge without passing a node."""
        e = access.edge
        via_u = node_dist[:, self.u[e]] + access.along[None, :]
        via_v = node_dist[:, self.v[e]] + (self.length[e] - access.along)[None, :]
        walk = np.minimum(via_u, via_v) + access.offset[None, :]
        same = snap.edge[:, None] == e[None, :]
        direct = (snap.offset[:, None] + np.abs(snap.along[:, None] - access.along[None, :])
                  + access.offset[None, :])
        result: FloatArray = np.where(same & (snap.edge[:, None] >= 0),
                                      np.minimum(walk, direct), walk)
        return result

    def nearest_by_category(self, snap: Snap, per_category: dict[str, CategoryDistances],
                            access: Access, sites: gpd.GeoDataFrame
                            ) -> dict[str, tuple[FloatArray, IntArray]]:
        """Walking distance from each snapped point to the nearest site of each category,
        and which site (row; -1 when unreachable or off network)."""
        out: dict[str, tuple[FloatArray, IntArray]] = {}
        cats = sites["category"].to_numpy(dtype=object)
        on = snap.edge >= 0
        e = np.maximum(snap.edge, 0)
        # a site on the same edge as a point can be reached without passing a node: the
        # access points on each point's edge, every category at once
        on_rows = np.flatnonzero(on)
        q, k = access.on_edges(snap.edge[on_rows])
        p_same = on_rows[q]
        direct_same = (snap.offset[p_same] + np.abs(snap.along[p_same] - access.along[k])
                       + access.offset[k])
        site_same_all = access.site[k]
        cat_same = cats[site_same_all]
        for category, cd in per_category.items():
            via_u = snap.offset + snap.along + cd.distance[self.u[e]]
            via_v = snap.offset + (self.length[e] - snap.along) + cd.distance[self.v[e]]
            best = np.minimum(via_u, via_v)
            start = np.where(via_u <= via_v, self.u[e], self.v[e])
            site = self._trace_entry(cd, start)
            mine = cat_same == category
            if mine.any():
                p, direct, site_same = p_same[mine], direct_same[mine], site_same_all[mine]
                order = np.lexsort((direct, p))
                p, direct, site_same = p[order], direct[order], site_same[order]
                first = np.r_[True, p[1:] != p[:-1]]
                p, direct, site_same = p[first], direct[first], site_same[first]
                better = direct < best[p]
                best[p[better]] = direct[better]
                site[p[better]] = site_same[better]
            best[~on] = np.inf
            site[~on | ~np.isfinite(best)] = -1
            out[category] = (best, site)
        return out

    def _trace_entry(self, cd: CategoryDistances, start: IntArray) -> IntArray:
        """The site at the end of each start node's shortest path (-1 when none)."""
        site: IntArray = cd.node_site[start].astype(np.int64)
        return site

    def route(self, xy: Sequence[float], cd: CategoryDistances, access: Access
              ) -> tuple[shapely.LineString, int] | None:
        """The walking route (EPSG:27700) from a point to the nearest site of a category,
        and that site's row; None when the point is off the network or nothing is
        reachable."""
        snap = self.snap([xy])
        if snap.edge[0] < 0:
            return None
        e = int(snap.edge[0])
        via_u = snap.along[0] + cd.distance[self.u[e]]
        via_v = self.length[e] - snap.along[0] + cd.distance[self.v[e]]
        node = int(self.u[e] if via_u <= via_v else self.v[e])
        if not np.isfinite(cd.distance[node]):
            return None
        first_leg = shapely.ops.substring(self.geoms[e], float(snap.along[0]),
                                          0.0 if node == self.u[e] else float(self.length[e]))
        coords: list[list[float]] = [list(xy), *shapely.get_coordinates(first_leg).tolist()]
        n = self.n_nodes
        while True:
            nxt = int(cd.predecessor[node])
            if nxt < 0 or nxt >= n:
                break
            edge = self._pair_edge[(min(node, nxt), max(node, nxt))]
            line = shapely.get_coordinates(self.geoms[edge])
            coords.extend((line if self.u[edge] == node else line[::-1]).tolist())
            node = nxt
        site = int(cd.entry_site[node])
        mine = np.flatnonzero((access.site == site)
                              & ((self.u[access.edge] == node) | (self.v[access.edge] == node)))
        if len(mine):
            at_u = self.u[access.edge[mine]] == node
            weight = access.offset[mine] + np.where(
                at_u, access.along[mine], self.length[access.edge[mine]] - access.along[mine])
            k = int(mine[int(np.argmin(weight))])
            edge = int(access.edge[k])
            end = 0.0 if self.u[edge] == node else float(self.length[edge])
            leg = shapely.ops.substring(self.geoms[edge], end, float(access.along[k]))
            coords.extend(shapely.get_coordinates(leg).tolist())
            coords.append(access.target[k].tolist())
        return shapely.LineString(coords), site


#: Graphs at least this large run their per-category Dijkstras on two processes.
PARALLEL_MIN_NODES = 20_000


def _dijkstra(matrix: sparse.csr_matrix, sources: IntArray) -> tuple[FloatArray, IntArray]:
    """Single-source Dijkstra from each of ``sources`` (rows: distance, predecessor).

    scipy holds the GIL while it searches, so on a large graph half the sources run in a
    forked child that writes into shared memory: about 1.5x faster on two cores
    (``bench/network.py``). Forking is done only where it is safe: a POSIX system and no
    other thread running (a thread holding a lock at fork time could deadlock the child).
    If the child fails, its half is computed here; the results are the same either way.
    """
    k, size = len(sources), matrix.shape[0]
    if (k < 2 or size < PARALLEL_MIN_NODES or not hasattr(os, "fork")
            or threading.active_count() != 1):
        dist, pred = csgraph.dijkstra(matrix, directed=True, indices=sources,
                                      return_predecessors=True)
        return dist, pred.astype(np.int64)
    split = k // 2
    shared = mmap.mmap(-1, k * size * 16)
    dist = np.frombuffer(shared, dtype=np.float64, count=k * size).reshape(k, size)
    pred = np.frombuffer(shared, dtype=np.int64, count=k * size,
                         offset=k * size * 8).reshape(k, size)
    child = os.fork()
    if child == 0:  # pragma: no cover  (runs in the child; checked by its exit status)
        code = 1
        try:
            d, p = csgraph.dijkstra(matrix, directed=True, indices=sources[split:],
                                    return_predecessors=True)
            dist[split:] = d
            pred[split:] = p
            code = 0
        finally:
            os._exit(code)
    d, p = csgraph.dijkstra(matrix, directed=True, indices=sources[:split],
                            return_predecessors=True)
    dist[:split] = d
    pred[:split] = p
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        d, p = csgraph.dijkstra(matrix, directed=True, indices=sources[split:],
                                return_predecessors=True)
        dist[split:] = d
        pred[split:] = p
    return dist.copy(), pred.copy()


def walk_flag(straight_m: float, walk_m: float) -> str | None:
    """"barrier" when the walk is at least ``BARRIER_RATIO`` times the straight line and
    ``BARRIER_EXCESS_M`` longer; None otherwise."""
    if not np.isfinite(walk_m):
        return None
    excess = walk_m - straight_m
    if excess >= BARRIER_EXCESS_M and walk_m >= BARRIER_RATIO * max(straight_m, 1.0):
        return "barrier"
    return None


def cache_key(*parts: str) -> str:
    return hashlib.sha256(json.dumps([CACHE_FORMAT, *parts]).encode()).hexdigest()[:16]


def save_graph(graph: WalkGraph, path: Path) -> None:
    """Cache a graph (its arrays and WKB street geometry) atomically; processes saving
    at once (several API workers) each write a file of their own first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp.npz")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, node_xy=graph.node_xy, u=graph.u, v=graph.v,
                     wkb=np.array(shapely.to_wkb(graph.geoms), dtype=object),
                     dropped=np.array([graph.dropped_nodes]), key=np.array([graph.source_key]))
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_graph(path: Path) -> WalkGraph:
    with np.load(path, allow_pickle=True) as data:
        return WalkGraph(data["node_xy"], data["u"], data["v"],
                         shapely.from_wkb(data["wkb"]), dropped_nodes=int(data["dropped"][0]),
                         source_key=str(data["key"][0]))


def describe(graph: WalkGraph) -> dict[str, Any]:
    return {"nodes": graph.n_nodes, "edges": graph.n_edges,
            "length_km": round(float(graph.length.sum()) / 1000, 2),
            "nodes_outside_largest_component": graph.dropped_nodes}


@dataclass
class WalkNetwork:
    """The walking graph of a store's streets, with its sites' access points and the
    distance from every node to the nearest site of each category.

    Built once, it answers any number of queries, from any number of threads: queries
    only read it.
    """

    graph: WalkGraph
    sites: gpd.GeoDataFrame
    access: Access
    per_category: dict[str, CategoryDistances]
    #: derived: each site's id and name ("" when it has none), the categories that have
    #: a site, and :func:`describe` of the graph
    site_ids: npt.NDArray[np.object_] = field(init=False, repr=False)
    site_names: npt.NDArray[np.object_] = field(init=False, repr=False)
    categories_present: frozenset[str] = field(init=False, repr=False)
    info: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sites = self.sites
        self.site_ids = sites["site_id"].astype(str).to_numpy(dtype=object)
        self.site_names = (sites["name"].astype("string").fillna("").to_numpy(dtype=object)
                           if "name" in sites.columns
                           else np.full(len(sites), "", dtype=object))
        self.categories_present = frozenset(sites["category"].dropna().astype(str).unique())
        self.info = describe(self.graph)

    @classmethod
    def build(cls, graph: WalkGraph, sites: gpd.GeoDataFrame) -> WalkNetwork:
        sites = sites.reset_index(drop=True)
        access = graph.site_access(sites)
        return cls(graph, sites, access, graph.category_distances(sites, access))

    def walks_to_sites(self, xy: Sequence[float] | FloatArray, site_rows: IntArray, *,
                       limit_m: float) -> tuple[FloatArray, str]:
        """Walking distance (m) from one point to each given site (``inf`` when not
        reachable within ``limit_m``) and the point's status: "on_network" or
        "off_network"."""
        return self.walks_from(self.graph.snap([xy]), site_rows, limit_m=limit_m)

    def walks_from(self, snap: Snap, site_rows: IntArray, *, limit_m: float
                   ) -> tuple[FloatArray, str]:
        """:meth:`walks_to_sites` for a point already snapped (a one-point ``snap``)."""
        site_rows = np.asarray(site_rows, dtype=np.int64)
        if snap.edge[0] < 0:
            return np.full(len(site_rows), np.inf), "off_network"
        node_dist = self.graph.from_points(snap, limit_m=limit_m)
        chosen = np.isin(self.access.site, site_rows)
        sub = Access(self.access.site[chosen], self.access.edge[chosen],
                     self.access.along[chosen], self.access.offset[chosen],
                     self.access.target[chosen])
        walk = self.graph.to_access(snap, node_dist, sub)[0]
        best = np.full(len(self.sites), np.inf)
        np.minimum.at(best, sub.site, walk)
        out: FloatArray = best[site_rows]
        out[out > limit_m] = np.inf
        return out, "on_network"


def walk_graph_for(store: Any, streets: Any = None) -> WalkGraph:
    """The walking graph of a :class:`LayerStore`'s streets layer (or of the catalog
    entry ``streets``, a :class:`~geo_era.data.layer_store.LayerVersion`), cached under
    ``GEO_ERA_HOME/cache`` keyed by the layer's content."""
    if streets is None:
        if not store.has("streets"):
            raise DataError("no street network is loaded: import a 'streets' layer or an "
                            "OpenStreetMap extract to measure walking distances")
        streets = store.version("streets")
    key = cache_key("streets", streets.sha256)
    path = Path(store.home) / "cache" / f"walk-graph-{key}.npz"
    graph: WalkGraph | None = None
    if path.exists():
        try:
            graph = load_graph(path)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            graph = None  # a damaged (or vanished) cache is rebuilt
    if graph is None:
        graph = WalkGraph.from_streets(store.read_entry(streets), source_key=key)
        save_graph(graph, path)
        for old in path.parent.glob("walk-graph-*.npz"):
            if old != path and ".tmp" not in old.name:  # not another process's part-write
                old.unlink(missing_ok=True)
    return graph


def walk_network_for(store: Any) -> WalkNetwork:
    """The walking network of the streets and sites in a :class:`LayerStore`, with the
    graph cached under ``GEO_ERA_HOME/cache`` keyed by the streets layer's content."""
    graph = walk_graph_for(store)
    sites = store.read("sites") if store.has("sites") else no_sites()
    return WalkNetwork.build(graph, sites)
