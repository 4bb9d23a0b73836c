"""Shortest walks on a :class:`~geo_era.analysis.network.graph.WalkGraph` (metres):

- from every node to the nearest site of each category: one Dijkstra from a virtual
  source per category, joined to both ends of each of its sites' access edges;
- from snapped points to every node (bounded) and on to access points;
- from snapped points to the nearest site of each category;

and :func:`walk_flag`, which says when a walk is so much longer than the straight line
that something (a railway, a river, a motorway) stands between the two.

One call of ``scipy.sparse.csgraph.dijkstra`` runs every category's search, in the
calling thread. scipy holds the GIL while it searches, so threads would not run two
searches at once, and a process pool costs more to start than the searches take
(``bench/network.py``, ``bench/RESULTS.md``): there is no parallel path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse import csgraph

from geo_era.analysis.network.access import Access, FloatArray, IntArray, Snap
from geo_era.contract.schema import SITE_CATEGORIES

if TYPE_CHECKING:
    from geo_era.analysis.network.graph import WalkGraph

#: A walk at least this many times the straight line, and ...
BARRIER_RATIO = 2.0
#: ... at least this much longer (metres), is flagged: something (a railway, a river,
#: a motorway) stands between the two.
BARRIER_EXCESS_M = 200.0


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


def _source_edges(graph: WalkGraph, access: Access, mask: npt.NDArray[np.bool_]
                  ) -> tuple[IntArray, FloatArray, IntArray]:
    """For one group of access points: the nodes a virtual source joins (both ends of
    each access edge), the shortest join to each (metres) and the site it reaches."""
    e, a, o, s = (access.edge[mask], access.along[mask], access.offset[mask],
                  access.site[mask])
    node = np.r_[graph.u[e], graph.v[e]]
    weight = np.r_[o + a, o + graph.length[e] - a]
    site = np.r_[s, s]
    order = np.lexsort((site, weight, node))
    node, weight, site = node[order], weight[order], site[order]
    first = np.r_[True, node[1:] != node[:-1]]
    return node[first], weight[first], site[first]


def with_sources(graph: WalkGraph, access: Access, groups: list[npt.NDArray[np.bool_]]
                 ) -> tuple[sparse.csr_matrix, list[IntArray]]:
    """The graph plus one virtual source per group (nodes ``n``, ``n + 1``, ...), each
    joined to both ends of its group's access edges; and, per group and node, the site
    whose access gives that join. Sources have no incoming edges, so no path runs
    through one."""
    n = graph.n_nodes
    coo = graph.matrix.tocoo()
    rows, cols, data = [coo.row], [coo.col], [coo.data]
    entries: list[IntArray] = []
    for g, mask in enumerate(groups):
        node, weight, site = _source_edges(graph, access, mask)
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


def dijkstra(matrix: sparse.csr_matrix, sources: IntArray) -> tuple[FloatArray, IntArray]:
    """Single-source Dijkstra from each of ``sources`` (rows: distance, predecessor), in
    one call on the calling thread."""
    dist, pred = csgraph.dijkstra(matrix, directed=True, indices=sources,
                                  return_predecessors=True)
    return dist, pred.astype(np.int64)


def category_distances(graph: WalkGraph, sites: gpd.GeoDataFrame, access: Access,
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
    matrix, entries = with_sources(graph, access, groups)
    n = graph.n_nodes
    dist, pred = dijkstra(matrix, np.arange(n, n + len(wanted)))
    out: dict[str, CategoryDistances] = {}
    for g, category in enumerate(wanted):
        p = pred[g, :n].astype(np.int64)
        p[p >= n] = n  # joined directly to its category's source
        out[category] = CategoryDistances(dist[g, :n], p, entries[g])
    return out


#: Slack on the straight-line disc a bounded search explores, against rounding.
_DISC_SLACK_M = 1e-6


def _disc(graph: WalkGraph, ends: IntArray, limit_m: float) -> IntArray:
    """The nodes (ascending) of one disc holding every node within ``limit_m`` of either
    end of a street: centred between them, its radius grown by half their distance."""
    a, b = graph.node_xy[ends[0]], graph.node_xy[ends[-1]]
    half = float(np.hypot(*(b - a))) / 2
    return graph.nodes_within((a + b) / 2, limit_m + half + _DISC_SLACK_M)


def near_point(graph: WalkGraph, snap: Snap, limit_m: float
               ) -> tuple[IntArray, FloatArray]:
    """For one point on the network (a one-point ``snap``): the nodes of the disc that
    holds every node within ``limit_m`` metres of its street's ends in a straight line
    (ascending), and the walking distance to each (``inf`` beyond ``limit_m``).

    An edge is never shorter than the straight line between its nodes, so a walk of at
    most ``limit_m`` never leaves that disc: the distances equal :func:`from_points`'s
    search of the whole graph with the same limit, at a cost that depends on the limit,
    not on the graph."""
    e = int(snap.edge[0])
    ends = np.unique(np.array([graph.u[e], graph.v[e]], dtype=np.int64))
    near = _disc(graph, ends, limit_m)
    d_end = csgraph.dijkstra(graph.matrix[near][:, near], directed=False,
                             indices=np.searchsorted(near, ends), limit=limit_m)
    row = {int(node): k for k, node in enumerate(ends)}
    to_u = snap.offset[0] + snap.along[0] + d_end[row[int(graph.u[e])]]
    to_v = snap.offset[0] + (graph.length[e] - snap.along[0]) + d_end[row[int(graph.v[e])]]
    dist: FloatArray = np.minimum(to_u, to_v)
    return near, dist


def to_access_near(graph: WalkGraph, snap: Snap, nodes: IntArray, node_dist: FloatArray,
                   access: Access) -> FloatArray:
    """:func:`to_access` for one point from :func:`near_point`'s nodes and distances (a
    node not among them is beyond the limit)."""
    def at(ids: IntArray) -> FloatArray:
        if not len(nodes):
            return np.full(len(ids), np.inf)
        pos = np.minimum(np.searchsorted(nodes, ids), len(nodes) - 1)
        found: FloatArray = np.where(nodes[pos] == ids, node_dist[pos], np.inf)
        return found

    e = access.edge
    via_u = at(graph.u[e]) + access.along
    via_v = at(graph.v[e]) + (graph.length[e] - access.along)
    walk = np.minimum(via_u, via_v) + access.offset
    direct = snap.offset[0] + np.abs(snap.along[0] - access.along) + access.offset
    result: FloatArray = np.where(e == snap.edge[0], np.minimum(walk, direct), walk)
    return result


def from_points(graph: WalkGraph, snap: Snap, *, limit_m: float = np.inf) -> FloatArray:
    """Walking distance from each snapped point to every node, (points x nodes);
    ``inf`` beyond ``limit_m`` or for a point off the network. This searches the whole
    graph; one point's search within a limit is :func:`near_point`."""
    out = np.full((len(snap.edge), graph.n_nodes), np.inf)
    on = np.flatnonzero(snap.edge >= 0)
    if not len(on):
        return out
    e = snap.edge[on]
    ends = np.unique(np.r_[graph.u[e], graph.v[e]])
    d_end = csgraph.dijkstra(graph.matrix, directed=False, indices=ends, limit=limit_m)
    row = {int(node): k for k, node in enumerate(ends)}
    for k, p in enumerate(on):
        to_u = snap.offset[p] + snap.along[p] + d_end[row[int(graph.u[e[k]])]]
        to_v = snap.offset[p] + (graph.length[e[k]] - snap.along[p]) + \
            d_end[row[int(graph.v[e[k]])]]
        out[p] = np.minimum(to_u, to_v)
    return out


def to_access(graph: WalkGraph, snap: Snap, node_dist: FloatArray, access: Access
              ) -> FloatArray:
    """Walking distance from each snapped point to each access point (points x
    accesses), given ``node_dist`` from :func:`from_points`; includes walking along a
    shared edge without passing a node."""
    e = access.edge
    via_u = node_dist[:, graph.u[e]] + access.along[None, :]
    via_v = node_dist[:, graph.v[e]] + (graph.length[e] - access.along)[None, :]
    walk = np.minimum(via_u, via_v) + access.offset[None, :]
    same = snap.edge[:, None] == e[None, :]
    direct = (snap.offset[:, None] + np.abs(snap.along[:, None] - access.along[None, :])
              + access.offset[None, :])
    result: FloatArray = np.where(same & (snap.edge[:, None] >= 0),
                                  np.minimum(walk, direct), walk)
    return result


@dataclass(frozen=True)
class _SameEdge:
    """Sites reachable from a point along the point's own edge, without passing a node:
    point ``point[k]`` reaches ``site[k]`` (of ``category[k]``) in ``direct[k]`` metres."""

    point: IntArray
    direct: FloatArray
    site: IntArray
    category: npt.NDArray[np.object_]

    @classmethod
    def of(cls, snap: Snap, access: Access, cats: npt.NDArray[np.object_]) -> _SameEdge:
        on_rows = np.flatnonzero(snap.edge >= 0)
        q, k = access.on_edges(snap.edge[on_rows])
        point = on_rows[q]
        direct = (snap.offset[point] + np.abs(snap.along[point] - access.along[k])
                  + access.offset[k])
        return cls(point, direct, access.site[k], cats[access.site[k]])

    def improve(self, category: str, best: FloatArray, site: IntArray) -> None:
        """Lower ``best`` (and set ``site``) in place where a site of ``category`` on a
        point's own edge is nearer than the walk through the nodes."""
        mine = self.category == category
        if not mine.any():
            return
        p, direct, site_same = self.point[mine], self.direct[mine], self.site[mine]
        order = np.lexsort((direct, p))
        p, direct, site_same = p[order], direct[order], site_same[order]
        first = np.r_[True, p[1:] != p[:-1]]
        p, direct, site_same = p[first], direct[first], site_same[first]
        better = direct < best[p]
        best[p[better]] = direct[better]
        site[p[better]] = site_same[better]


def nearest_by_category(graph: WalkGraph, snap: Snap,
                        per_category: dict[str, CategoryDistances], access: Access,
                        sites: gpd.GeoDataFrame) -> dict[str, tuple[FloatArray, IntArray]]:
    """Walking distance from each snapped point to the nearest site of each category,
    and which site (row; -1 when unreachable or off network)."""
    out: dict[str, tuple[FloatArray, IntArray]] = {}
    on = snap.edge >= 0
    e = np.maximum(snap.edge, 0)
    # a site on the same edge as a point can be reached without passing a node: the
    # access points on each point's edge, every category at once
    same_edge = _SameEdge.of(snap, access, sites["category"].to_numpy(dtype=object))
    for category, cd in per_category.items():
        via_u = snap.offset + snap.along + cd.distance[graph.u[e]]
        via_v = snap.offset + (graph.length[e] - snap.along) + cd.distance[graph.v[e]]
        best = np.minimum(via_u, via_v)
        start = np.where(via_u <= via_v, graph.u[e], graph.v[e])
        site: IntArray = cd.node_site[start].astype(np.int64)
        same_edge.improve(category, best, site)
        best[~on] = np.inf
        site[~on | ~np.isfinite(best)] = -1
        out[category] = (best, site)
    return out


def walk_flag(straight_m: float, walk_m: float) -> str | None:
    """"barrier" when the walk is at least ``BARRIER_RATIO`` times the straight line and
    ``BARRIER_EXCESS_M`` longer; None otherwise."""
    if not np.isfinite(walk_m):
        return None
    excess = walk_m - straight_m
    if excess >= BARRIER_EXCESS_M and walk_m >= BARRIER_RATIO * max(straight_m, 1.0):
        return "barrier"
    return None
