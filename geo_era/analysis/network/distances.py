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
    and, for nodes joined directly to the source, which site they reach; ``node_site``
    is the site at the end of each node's path (-1 when none)."""

    distance: FloatArray
    predecessor: IntArray
    entry_site: IntArray
    node_site: npt.NDArray[np.int32] = field(repr=False, compare=False)


@dataclass(frozen=True)
class CategoryTable:
    """Every category's :class:`CategoryDistances`, stacked: row ``g`` of ``distance``
    (metres) and ``node_site`` is ``categories[g]``'s, and each category's
    ``per_category`` entry holds views of its rows. ``site_code`` gives each site (row of
    the sites frame) its category's row, -1 when that category is not here."""

    categories: tuple[str, ...]
    distance: FloatArray
    node_site: npt.NDArray[np.int32]
    site_code: IntArray
    per_category: dict[str, CategoryDistances]


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


def category_table(graph: WalkGraph, sites: gpd.GeoDataFrame, access: Access,
                   categories: Iterable[str] = SITE_CATEGORIES) -> CategoryTable:
    """For each category with reachable sites: walking distance from every node to
    the nearest site of that category, stacked (:class:`CategoryTable`). One Dijkstra
    call, one virtual source per category."""
    cats = sites["category"].to_numpy(dtype=object)
    wanted = [c for c in categories if (cats[access.site] == c).any()]
    n = graph.n_nodes
    site_code = np.full(len(cats), -1, dtype=np.int64)
    if not wanted:
        return CategoryTable((), np.empty((0, n)), np.empty((0, n), dtype=np.int32),
                             site_code, {})
    groups = [cats[access.site] == c for c in wanted]
    matrix, entries = with_sources(graph, access, groups)
    dist, pred = dijkstra(matrix, np.arange(n, n + len(wanted)))
    distance = dist[:, :n]
    node_site = np.empty((len(wanted), n), dtype=np.int32)
    per_category: dict[str, CategoryDistances] = {}
    for g, category in enumerate(wanted):
        p = pred[g, :n].astype(np.int64)
        p[p >= n] = n  # joined directly to its category's source
        node_site[g] = _entry_sites(distance[g], p, entries[g])
        per_category[category] = CategoryDistances(distance[g], p, entries[g], node_site[g])
        site_code[cats == category] = g
    return CategoryTable(tuple(wanted), distance, node_site, site_code, per_category)


def near_access(graph: WalkGraph, snap: Snap, access: Access, limit_m: float
                ) -> FloatArray:
    """Walking distance (m) from one point on the network (a one-point ``snap``) to each
    of ``access``'s points, ``inf`` where the walk through a node is beyond ``limit_m``
    (a walk along the point's own street is always given).

    Two searches bounded by ``limit_m``, one from each end of the point's street, in
    compiled code (:mod:`.kernels`): they touch only the nodes within the limit, so the
    cost depends on the limit, not on the graph, and the distances equal
    :func:`from_points`'s search of the whole graph with the same limit, bit for bit."""
    from geo_era.analysis.network import kernels  # noqa: PLC0415  (numba: on first search)

    e = int(snap.edge[0])
    ends = np.array([graph.u[e], graph.v[e]], dtype=np.int64)
    start = np.array([snap.offset[0] + snap.along[0],
                      snap.offset[0] + (graph.length[e] - snap.along[0])])
    nodes = np.r_[graph.u[access.edge], graph.v[access.edge]]
    node_dist = np.empty(len(nodes))
    indptr, indices, weights = graph.csr
    with graph.scratch.borrow() as scratch:
        kernels.walks_via_ends(indptr, indices, weights, scratch.distance, scratch.touched,
                               ends, start, float(limit_m), nodes, node_dist)
    m = len(access.edge)
    via_u = node_dist[:m] + access.along
    via_v = node_dist[m:] + (graph.length[access.edge] - access.along)
    walk = np.minimum(via_u, via_v) + access.offset
    direct = snap.offset[0] + np.abs(snap.along[0] - access.along) + access.offset
    result: FloatArray = np.where(access.edge == e, np.minimum(walk, direct), walk)
    return result


def from_points(graph: WalkGraph, snap: Snap, *, limit_m: float = np.inf) -> FloatArray:
    """Walking distance from each snapped point to every node, (points x nodes);
    ``inf`` beyond ``limit_m`` or for a point off the network. This searches the whole
    graph; one point's walks within a limit are :func:`near_access`."""
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


def nearest_by_category(graph: WalkGraph, snap: Snap, table: CategoryTable, access: Access,
                        categories: Iterable[str] | None = None
                        ) -> dict[str, tuple[FloatArray, IntArray]]:
    """Walking distance (m) from each snapped point to the nearest site of each category
    of ``table`` (or of those of ``categories`` it has), and which site (row; -1 when
    unreachable or off network); every category at once."""
    chosen = None if categories is None else set(categories)
    rows = np.array([g for g, c in enumerate(table.categories)
                     if chosen is None or c in chosen], dtype=np.int64)
    if not len(rows):
        return {}
    on = snap.edge >= 0
    e = np.maximum(snap.edge, 0)
    u, v = graph.u[e], graph.v[e]
    via_u = (snap.offset + snap.along)[None, :] + table.distance[np.ix_(rows, u)]
    via_v = (snap.offset + (graph.length[e] - snap.along))[None, :] + \
        table.distance[np.ix_(rows, v)]
    best: FloatArray = np.minimum(via_u, via_v)
    start = np.where(via_u <= via_v, u[None, :], v[None, :])
    site: IntArray = table.node_site[rows[:, None], start].astype(np.int64)
    # a site on the same edge as a point is reached without passing a node: the access
    # points on each point's edge, the nearest of each category
    on_rows = np.flatnonzero(on)
    q, k = access.on_edges(snap.edge[on_rows])
    local = np.full(len(table.categories), -1, dtype=np.int64)
    local[rows] = np.arange(len(rows))
    code = table.site_code[access.site[k]]
    row = np.where(code >= 0, local[code], -1)
    mine = row >= 0
    point, k, row = on_rows[q[mine]], k[mine], row[mine]
    direct = snap.offset[point] + np.abs(snap.along[point] - access.along[k]) + \
        access.offset[k]
    order = np.lexsort((direct, point, row))  # stable: the first of equals is kept
    point, k, row, direct = point[order], k[order], row[order], direct[order]
    first = np.ones(len(point), dtype=bool)
    first[1:] = (point[1:] != point[:-1]) | (row[1:] != row[:-1])
    point, k, row, direct = point[first], k[first], row[first], direct[first]
    better = direct < best[row, point]
    best[row[better], point[better]] = direct[better]
    site[row[better], point[better]] = access.site[k[better]]
    best[:, ~on] = np.inf
    site[(~on)[None, :] | ~np.isfinite(best)] = -1
    return {table.categories[g]: (best[i], site[i]) for i, g in enumerate(rows)}


def walk_flag(straight_m: float, walk_m: float) -> str | None:
    """"barrier" when the walk is at least ``BARRIER_RATIO`` times the straight line and
    ``BARRIER_EXCESS_M`` longer; None otherwise."""
    if not np.isfinite(walk_m):
        return None
    excess = walk_m - straight_m
    if excess >= BARRIER_EXCESS_M and walk_m >= BARRIER_RATIO * max(straight_m, 1.0):
        return "barrier"
    return None
