"""The walking graph: nodes, edges and their lengths from a ``streets`` layer, where
points and sites join it (snapping, access points).

Graph nodes are the end points of street lines (to ``NODE_PRECISION_M``), never points
where lines cross. Coordinates are EPSG:27700, lengths metres. The shortest-path
questions are answered in :mod:`~geo_era.analysis.network.distances` and
:mod:`~geo_era.analysis.network.routes`; :class:`WalkGraph` keeps them as methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from geo_era.analysis.network import distances, routes
from geo_era.analysis.network.access import (
    ACCESS_RADIUS_M,
    MAX_SNAP_M,
    Access,
    FloatArray,
    IntArray,
    Snap,
)
from geo_era.analysis.network.distances import CategoryDistances, CategoryTable
from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.errors import DataError

if TYPE_CHECKING:
    from geo_era.analysis.network.kernels import ScratchPool

#: End points closer than this (metres) are one node.
NODE_PRECISION_M = 0.01


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

    @property
    def csr(self) -> tuple[IntArray, IntArray, FloatArray]:
        """The matrix's CSR arrays (row starts, columns, lengths in metres), for the
        compiled searches: made once, 64-bit and contiguous."""
        found: tuple[IntArray, IntArray, FloatArray] | None = self.__dict__.get("_csr")
        if found is None:
            m = self.matrix
            found = self.__dict__["_csr"] = (
                np.ascontiguousarray(m.indptr, dtype=np.int64),
                np.ascontiguousarray(m.indices, dtype=np.int64),
                np.ascontiguousarray(m.data, dtype=np.float64))
        return found

    @property
    def scratch(self) -> ScratchPool:
        """Working memory of the compiled searches, one per search running at once."""
        pool: ScratchPool | None = self.__dict__.get("_scratch")
        if pool is None:
            from geo_era.analysis.network.kernels import ScratchPool as Pool  # noqa: PLC0415

            pool = self.__dict__.setdefault("_scratch", Pool(self.n_nodes))
        return pool

    def edge_between(self, a: int, b: int) -> int:
        """The (shortest) edge joining nodes ``a`` and ``b``."""
        return self._pair_edge[(min(a, b), max(a, b))]

    # --- building ----------------------------------------------------------------------

    @classmethod
    def from_streets(cls, streets: gpd.GeoDataFrame, *, source_key: str = "") -> WalkGraph:
        """The walking graph of a ``streets`` layer (lines, EPSG:27700), largest connected
        component only."""
        if streets.crs is not None and streets.crs.to_epsg() != 27700:
            streets = streets.to_crs(27700)
        lines = _street_lines(streets)
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
        keep_node = _largest_component(n, u, v)
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

    def snap(self, xy: npt.ArrayLike) -> Snap:
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

    # --- shortest paths (computed in .distances and .routes) ---------------------------

    def category_table(self, sites: gpd.GeoDataFrame, access: Access,
                       categories: Iterable[str] = SITE_CATEGORIES) -> CategoryTable:
        """For each category with reachable sites: walking distance from every node to
        the nearest site of that category, stacked (:func:`.distances.category_table`)."""
        return distances.category_table(self, sites, access, categories)

    def category_distances(self, sites: gpd.GeoDataFrame, access: Access,
                           categories: Iterable[str] = SITE_CATEGORIES
                           ) -> dict[str, CategoryDistances]:
        """:meth:`category_table`'s distances of each category."""
        return self.category_table(sites, access, categories).per_category

    def from_points(self, snap: Snap, *, limit_m: float = np.inf) -> FloatArray:
        """Walking distance from each snapped point to every node, (points x nodes);
        ``inf`` beyond ``limit_m`` or for a point off the network."""
        return distances.from_points(self, snap, limit_m=limit_m)

    def to_access(self, snap: Snap, node_dist: FloatArray, access: Access) -> FloatArray:
        """Walking distance from each snapped point to each access point (points x
        accesses), given ``node_dist`` from :meth:`from_points`."""
        return distances.to_access(self, snap, node_dist, access)

    def nearest_by_category(self, snap: Snap, table: CategoryTable, access: Access,
                            categories: Iterable[str] | None = None
                            ) -> dict[str, tuple[FloatArray, IntArray]]:
        """Walking distance from each snapped point to the nearest site of each category
        of ``table`` (or of ``categories``), and which site (row; -1 when unreachable or
        off network): :func:`.distances.nearest_by_category`."""
        return distances.nearest_by_category(self, snap, table, access, categories)

    def route(self, xy: Sequence[float], cd: CategoryDistances, access: Access
              ) -> tuple[shapely.LineString, int] | None:
        """The walking route (EPSG:27700) from a point to the nearest site of a category,
        and that site's row; None when the point is off the network or nothing is
        reachable (:func:`.routes.route`)."""
        return routes.route(self, xy, cd, access)


def _street_lines(streets: gpd.GeoDataFrame) -> npt.NDArray[np.object_]:
    """The non-empty lines of a streets layer, multi-lines taken apart."""
    lines: npt.NDArray[np.object_] = shapely.get_parts(streets.geometry.to_numpy())
    lines = lines[(shapely.get_type_id(lines) == 1) & ~shapely.is_empty(lines)]
    lines = lines[shapely.length(lines) > 0]
    if not len(lines):
        raise DataError("the street network is empty: the 'streets' layer holds no "
                        "lines; import streets (or an OpenStreetMap extract) first")
    return lines


def _largest_component(n: int, u: IntArray, v: IntArray) -> npt.NDArray[np.bool_]:
    """Which of ``n`` nodes belong to the largest connected component of edges u-v."""
    graph = sparse.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, label = csgraph.connected_components(graph, directed=False)
    keep: npt.NDArray[np.bool_] = label == int(np.argmax(np.bincount(label)))
    return keep
