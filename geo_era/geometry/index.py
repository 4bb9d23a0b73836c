"""Spatial indexes over the sites and voids, in EPSG:27700 metres.

:class:`SiteIndex` is static, built once per sites layer version:

- point sites go in a k-d tree (scipy ``cKDTree``): exact Euclidean distances, and
  several times faster than an R-tree for points (see ``CALIBRATION.md`` and
  ``bench/proximity.py``);
- polygon sites (school grounds, parks) go in a shapely ``STRtree`` and are measured to
  their boundary, 0 inside, never to their centroid.

:class:`VoidIndex` is dynamic: an ``rtree`` index to which voids are added and from
which let properties are removed in place, without a rebuild.

All queries take arrays of query points ``(n, 2)`` in EPSG:27700 and return flat numpy
arrays, so that a batch of a million properties is one call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import rtree
import shapely
from scipy.spatial import cKDTree

from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.errors import DataError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Pairs:
    """Query-site pairs: ``query[k]`` is within ``distance[k]`` metres of ``site[k]``.

    Sorted by query, then distance, then site position.
    """

    query: IntArray
    site: IntArray
    distance: FloatArray

    def __len__(self) -> int:
        return len(self.query)


@dataclass(frozen=True)
class Nearest:
    """For each query and category: the nearest site position (-1 if the category has
    no site) and its distance in metres (``inf`` when there is none).

    ``site`` and ``distance`` have shape ``(n_queries, n_categories)``, columns in the
    order of ``categories``.
    """

    categories: tuple[str, ...]
    site: IntArray
    distance: FloatArray


def no_sites() -> gpd.GeoDataFrame:
    """An empty sites layer (EPSG:27700): what is indexed when none is loaded."""
    return gpd.GeoDataFrame({"site_id": [], "category": [], "name": []},
                            geometry=gpd.GeoSeries([], crs=27700))


def _as_xy(points: FloatArray | Sequence[Sequence[float]]) -> FloatArray:
    xy = np.asarray(points, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise DataError(f"query points must be an (n, 2) array of x, y in EPSG:27700; got "
                        f"shape {xy.shape}")
    if not np.isfinite(xy).all():
        raise DataError("query points must have finite x, y coordinates")
    return xy


def _sorted_pairs(query: IntArray, site: IntArray, distance: FloatArray) -> Pairs:
    order = np.lexsort((site, distance, query))
    return Pairs(query[order].astype(np.int64), site[order].astype(np.int64),
                 distance[order].astype(np.float64))


#: Share of queries (by best point-site distance) whose polygon candidates are found in
#: reverse, from the polygons; the rest search forward from the query. Tuned by
#: bench/proximity.py.
REVERSE_QUANTILE = 0.95

#: Queries of at least this many points run on every core (scipy's ``workers=-1``
#: starts threads on each call, which costs more than it saves for a few points and
#: competes with a server's request threads).
PARALLEL_MIN_QUERIES = 10_000


def _workers(n: int) -> int:
    return -1 if n >= PARALLEL_MIN_QUERIES else 1


def _flatten(lists: np.ndarray) -> tuple[IntArray, IntArray]:
    """(owner, value) pairs from an object array of lists, as flat int64 arrays."""
    lengths = np.fromiter((len(v) for v in lists), dtype=np.int64, count=len(lists))
    owner = np.repeat(np.arange(len(lists), dtype=np.int64), lengths)
    values = (np.concatenate([np.asarray(v, dtype=np.int64) for v in lists if len(v)])
              if lengths.sum() else np.empty(0, dtype=np.int64))
    return owner, values


class SiteIndex:
    """Index over a sites layer (points and polygons, EPSG:27700).

    Site positions returned by queries are row positions in the frame it was built from.
    """

    def __init__(self, sites: gpd.GeoDataFrame) -> None:
        geoms = sites.geometry.to_numpy()
        self.size = len(sites)
        self.site_ids = sites["site_id"].to_numpy(dtype=object)
        self.categories = sites["category"].to_numpy(dtype=object)
        self.names = (sites["name"].astype("string").fillna("").to_numpy(dtype=object)
                      if "name" in sites.columns else np.full(len(sites), "", dtype=object))
        is_point = shapely.get_type_id(geoms) == 0
        self._point_rows = np.flatnonzero(is_point).astype(np.int64)
        self._poly_rows = np.flatnonzero(~is_point).astype(np.int64)
        self._point_xy = shapely.get_coordinates(geoms[self._point_rows])
        self._poly_geoms = geoms[self._poly_rows]
        shapely.prepare(self._poly_geoms)
        self._point_tree = cKDTree(self._point_xy) if len(self._point_rows) else None
        # Each polygon as a disc around its bounding-box centre that contains it.
        bounds = shapely.bounds(self._poly_geoms).reshape(-1, 4)
        self._poly_bounds = bounds
        self._poly_centre = (bounds[:, :2] + bounds[:, 2:]) / 2
        self._poly_reach = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / 2
        self._by_category: dict[str, tuple[IntArray, cKDTree | None, IntArray]] = {}
        self._centre_trees: dict[str, tuple[cKDTree, IntArray, float]] = {}
        point_cats = self.categories[self._point_rows]
        poly_cats = self.categories[self._poly_rows]
        for category in SITE_CATEGORIES:
            pts = np.flatnonzero(point_cats == category).astype(np.int64)
            polys = np.flatnonzero(poly_cats == category).astype(np.int64)
            self._by_category[category] = (
                pts, cKDTree(self._point_xy[pts]) if len(pts) else None, polys)
            if len(polys):
                self._centre_trees[category] = (cKDTree(self._poly_centre[polys]), polys,
                                                float(self._poly_reach[polys].max()))

    @staticmethod
    def _query_tree(xy: FloatArray) -> cKDTree:
        # An unbalanced tree builds about twice as fast and queries as fast here.
        return cKDTree(xy, balanced_tree=False, compact_nodes=False)

    def _polygon_candidates(self, tree: cKDTree, xy: FloatArray, polys: IntArray,
                            radius: float) -> tuple[IntArray, IntArray, FloatArray]:
        """Query points within ``radius`` of each polygon in ``polys`` (positions in
        ``_poly_geoms``), exactly: (query, polygon position, distance to boundary)."""
        lists = tree.query_ball_point(self._poly_centre[polys],
                                      radius + self._poly_reach[polys], return_sorted=False)
        owner, q = _flatten(lists)
        j = polys[owner]
        d = shapely.distance(shapely.points(xy[q]), self._poly_geoms[j])
        keep = d <= radius
        return q[keep], j[keep], d[keep]

    def within(self, points: FloatArray | Sequence[Sequence[float]], radius_m: float, *,
               sort: bool = True) -> Pairs:
        """Every site within ``radius_m`` metres of every query point (distance <= radius).

        Point sites: Euclidean distance between points, by one sparse distance join of a
        k-d tree over the query points with the sites' k-d tree. Polygon sites: distance
        to the polygon's boundary, 0 for a point inside it, measured exactly for the query
        points that lie within reach of each polygon. ``sort=False`` skips ordering the
        pairs (a batch that groups them itself saves the time).
        """
        xy = _as_xy(points)
        if not radius_m >= 0 or not np.isfinite(radius_m):
            raise DataError(f"radius must be a finite number of metres >= 0; got {radius_m}")
        found = self._within_parts(xy, self._query_tree(xy), radius_m) if len(xy) else []
        if not found:
            empty_i = np.empty(0, dtype=np.int64)
            return Pairs(empty_i, empty_i, np.empty(0, dtype=np.float64))
        q_all, s_all, d_all = (np.concatenate([f[0] for f in found]),
                               np.concatenate([f[1] for f in found]),
                               np.concatenate([f[2] for f in found]))
        if not sort:
            return Pairs(q_all, s_all, d_all)
        return _sorted_pairs(q_all, s_all, d_all)

    def _within_parts(self, xy: FloatArray, tree: cKDTree, radius_m: float
                      ) -> list[tuple[IntArray, IntArray, FloatArray]]:
        """:meth:`within`'s pairs (query, site row, distance) in parts: point sites, and
        polygon sites (in two halves when the work is spread over the cores)."""
        parallel = len(xy) >= PARALLEL_MIN_QUERIES
        jobs: list[Callable[[], tuple[IntArray, IntArray, FloatArray]]] = []
        if self._point_tree is not None:
            jobs.append(partial(self._point_pairs, tree, xy, radius_m))
        if len(self._poly_rows):
            for polys in np.array_split(np.arange(len(self._poly_rows)),
                                        2 if parallel else 1):
                jobs.append(partial(self._polygon_pairs, tree, xy, polys, radius_m))
        if parallel and len(jobs) > 1:
            # point sites and polygon sites on two threads (scipy and shapely release the
            # GIL for the heavy parts): 1,000,000 properties x 50,000 sites about 40%
            # faster on this 2-core machine; the pairs are the same
            with ThreadPoolExecutor(2) as pool:
                return list(pool.map(lambda job: job(), jobs))
        return [job() for job in jobs]

    def _point_pairs(self, tree: cKDTree, xy: FloatArray, radius_m: float
                     ) -> tuple[IntArray, IntArray, FloatArray]:
        """Point sites within ``radius_m`` of the query points (``tree`` over ``xy``)."""
        assert self._point_tree is not None
        # the sites' tree drives the join: about 40% faster than the other way round
        matrix = self._point_tree.sparse_distance_matrix(tree, radius_m,
                                                         output_type="ndarray")
        q = matrix["j"].astype(np.int64)
        s = matrix["i"].astype(np.int64)
        d = np.hypot(xy[q, 0] - self._point_xy[s, 0], xy[q, 1] - self._point_xy[s, 1])
        keep = d <= radius_m
        return q[keep], self._point_rows[s[keep]], d[keep]

    def _polygon_pairs(self, tree: cKDTree, xy: FloatArray, polys: IntArray, radius_m: float
                       ) -> tuple[IntArray, IntArray, FloatArray]:
        """Polygon sites ``polys`` within ``radius_m`` of the query points."""
        q, j, d = self._polygon_candidates(tree, xy, polys, radius_m)
        return q, self._poly_rows[j], d

    def nearest(self, points: FloatArray | Sequence[Sequence[float]], *,
                categories: Iterable[str] = SITE_CATEGORIES,
                max_distance_m: float | None = None) -> Nearest:
        """The nearest site of each category to each query point, and its distance (m).

        With ``max_distance_m``, only sites within that distance count (as an ERA's search
        radius does): a category with none in range gives -1 and ``inf``. The bound makes
        the search much cheaper.

        Point sites come from a k-d tree per category; polygon sites are measured to their
        boundary (see ``_nearest_polygon``). Where a polygon and another site are equally
        near, the lower site position wins. Queries run in Morton (Z-curve) order, which
        keeps tree searches cache-friendly; results come back in the caller's order.
        """
        xy = _as_xy(points)
        cats = tuple(categories)
        unknown = [c for c in cats if c not in self._by_category]
        if unknown:
            raise DataError(f"unknown site categor{'y' if len(unknown) == 1 else 'ies'} "
                            f"{', '.join(unknown)}; use {', '.join(SITE_CATEGORIES)}")
        if max_distance_m is not None and not (np.isfinite(max_distance_m)
                                               and max_distance_m >= 0):
            raise DataError(f"max_distance_m must be a finite number of metres >= 0; got "
                            f"{max_distance_m}")
        site = np.full((len(xy), len(cats)), -1, dtype=np.int64)
        dist = np.full((len(xy), len(cats)), np.inf)
        if not len(xy):
            return Nearest(cats, site, dist)
        if max_distance_m is not None:
            return self._nearest_within(xy, cats, max_distance_m)
        order = _morton_order(xy)
        xy = xy[order]
        tree: cKDTree | None = None
        for col, category in enumerate(cats):
            pts, kd, polys = self._by_category[category]
            if kd is not None:
                d, j = kd.query(xy, k=1, workers=_workers(len(xy)))
                site[:, col] = self._point_rows[pts[j]]
                dist[:, col] = d
            if len(polys):
                if tree is None:
                    tree = self._query_tree(xy)
                best_site, best_dist = site[:, col].copy(), dist[:, col].copy()
                self._nearest_polygon(xy, tree, category, best_site, best_dist)
                site[:, col], dist[:, col] = best_site, best_dist
        unsorted_site = np.empty_like(site)
        unsorted_dist = np.empty_like(dist)
        unsorted_site[order] = site
        unsorted_dist[order] = dist
        return Nearest(cats, unsorted_site, unsorted_dist)

    def _nearest_within(self, xy: FloatArray, cats: tuple[str, ...],
                        max_distance_m: float) -> Nearest:
        """Nearest per category among the sites within ``max_distance_m``: one ``within``
        join, then a minimum per query and category (ties: the lower site position)."""
        k = len(cats)
        pairs = self.within(xy, max_distance_m, sort=False)
        col_of = {category: col for col, category in enumerate(cats)}
        site_col = np.array([col_of.get(c, -1) for c in self.categories], dtype=np.int64)
        col = site_col[pairs.site] if len(pairs) else np.empty(0, dtype=np.int64)
        wanted = col >= 0
        key = pairs.query[wanted] * k + col[wanted]
        d = pairs.distance[wanted]
        s = pairs.site[wanted]
        best = np.full(len(xy) * k, np.inf)
        np.minimum.at(best, key, d)
        at_best = d == best[key]
        first = np.full(len(xy) * k, self.size, dtype=np.int64)
        np.minimum.at(first, key[at_best], s[at_best])
        site = np.where(first < self.size, first, -1).reshape(len(xy), k)
        return Nearest(cats, site, best.reshape(len(xy), k))

    def _box_gap(self, xy: FloatArray, polys: IntArray) -> FloatArray:
        """Distance from each point to its polygon's bounding box: a lower bound on the
        distance to the polygon (0 inside the box)."""
        b = self._poly_bounds[polys]
        dx = np.maximum(np.maximum(b[:, 0] - xy[:, 0], xy[:, 0] - b[:, 2]), 0.0)
        dy = np.maximum(np.maximum(b[:, 1] - xy[:, 1], xy[:, 1] - b[:, 3]), 0.0)
        gap: FloatArray = np.hypot(dx, dy)
        return gap

    def _nearest_polygon(self, xy: FloatArray, tree: cKDTree, category: str,
                         site: IntArray, dist: FloatArray) -> None:
        """Improve ``site``/``dist`` (in place) with the category's polygon sites, exactly.

        A polygon's bounding box is a lower bound on its distance, so a polygon can beat a
        query's best point-site distance ``b`` only if its box is within ``b``; the box
        lies in a disc of radius ``reach`` around its centre, which the searches use.
        Candidates are found two ways and then measured exactly to the boundary (0 inside):

        - most queries (``b`` up to ``T``, the 95th percentile of ``b``): in reverse, one
          ball query per polygon on the k-d tree of the query points, radius
          ``reach + T``;
        - the rest (far from any point site, or none): forward, from a k-d tree of the
          category's polygon centres, within ``bound + R`` where ``bound`` also counts the
          polygon of the nearest centre and ``R`` is the largest reach.
        """
        centre_kd, polys, max_reach = self._centre_trees[category]
        finite = np.isfinite(dist)
        limit = float(np.quantile(dist[finite], REVERSE_QUANTILE)) if finite.any() else -1.0
        near = dist <= limit
        parts_q: list[IntArray] = []
        parts_j: list[IntArray] = []
        if near.any():
            lists = tree.query_ball_point(self._poly_centre[polys],
                                          self._poly_reach[polys] + limit, return_sorted=False)
            owner, q = _flatten(lists)
            j = polys[owner]
            keep = near[q]
            q, j = q[keep], j[keep]
            keep = self._box_gap(xy[q], j) <= dist[q]
            parts_q.append(q[keep])
            parts_j.append(j[keep])
        far = np.flatnonzero(~near)
        if len(far):
            d_centre, c = centre_kd.query(xy[far], k=1, workers=_workers(len(far)))
            bound = np.minimum(dist[far], d_centre + self._poly_reach[polys[c]])
            lists = centre_kd.query_ball_point(xy[far], bound + max_reach, return_sorted=False)
            owner, k = _flatten(lists)
            q, j = far[owner], polys[k]
            keep = self._box_gap(xy[q], j) <= bound[owner]
            parts_q.append(q[keep])
            parts_j.append(j[keep])
        q = np.concatenate(parts_q) if parts_q else np.empty(0, dtype=np.int64)
        j = np.concatenate(parts_j) if parts_j else np.empty(0, dtype=np.int64)
        if not len(q):
            return
        d = shapely.distance(shapely.points(xy[q]), self._poly_geoms[j])
        rows = self._poly_rows[j]
        order = np.lexsort((rows, d, q))
        q, rows, d = q[order], rows[order], d[order]
        first = np.r_[True, q[1:] != q[:-1]]
        q, rows, d = q[first], rows[first], d[first]
        better = (d < dist[q]) | ((d == dist[q]) & (rows < site[q]))
        site[q[better]] = rows[better]
        dist[q[better]] = d[better]


def _spread_bits(v: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Interleave zeros between the low 16 bits of each value (for Morton codes)."""
    v = (v | (v << np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    v = (v | (v << np.uint64(2))) & np.uint64(0x3333333333333333)
    v = (v | (v << np.uint64(1))) & np.uint64(0x5555555555555555)
    return v


def _morton_order(xy: FloatArray) -> IntArray:
    """A permutation putting points in Z-curve order on a 65,536 x 65,536 grid."""
    low = xy.min(axis=0)
    span = float(np.ptp(xy, axis=0).max()) or 1.0
    cells = ((xy - low) * (65_535.0 / span)).astype(np.uint64)
    code = _spread_bits(cells[:, 0]) | (_spread_bits(cells[:, 1]) << np.uint64(1))
    order: IntArray = np.argsort(code, kind="stable").astype(np.int64)
    return order


class VoidIndex:
    """A dynamic R-tree (``rtree``) of void properties, updated in place.

    Voids become available and are let every day; adding or removing one is an
    O(log n) update instead of a rebuild.
    """

    def __init__(self, property_ids: Sequence[str] = (),
                 xy: FloatArray | Sequence[Sequence[float]] = ()) -> None:
        coords = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if len(coords) != len(property_ids):
            raise DataError("VoidIndex needs one x, y per property id")
        self._xy: dict[str, tuple[float, float]] = {}
        self._key: dict[str, int] = {}
        self._pid: dict[int, str] = {}
        self._next = 0
        entries = []
        for pid, (x, y) in zip(property_ids, coords, strict=True):
            key = self._register(str(pid), float(x), float(y))
            entries.append((key, (x, y, x, y), None))
        self._tree = rtree.index.Index(entries) if entries else rtree.index.Index()

    @classmethod
    def from_properties(cls, properties: gpd.GeoDataFrame) -> VoidIndex:
        """The voids (``is_void`` true) of a properties layer (points, EPSG:27700)."""
        if "is_void" not in properties.columns:
            return cls()
        voids = properties[properties["is_void"].fillna(False).astype(bool).to_numpy()]
        return cls(voids["property_id"].astype(str).tolist(),
                   shapely.get_coordinates(voids.geometry.to_numpy()))

    def _register(self, pid: str, x: float, y: float) -> int:
        if pid in self._key:
            raise DataError(f"property {pid!r} is already in the void index")
        if not (np.isfinite(x) and np.isfinite(y)):
            raise DataError(f"property {pid!r} has no finite location")
        key = self._next
        self._next += 1
        self._key[pid], self._pid[key], self._xy[pid] = key, pid, (x, y)
        return key

    def __len__(self) -> int:
        return len(self._key)

    def __contains__(self, pid: object) -> bool:
        return pid in self._key

    def ids(self) -> list[str]:
        """The property ids of every void in the index (in no particular order)."""
        return list(self._key)

    def add(self, pid: str, x: float, y: float) -> None:
        """A property has become void (EPSG:27700 metres)."""
        key = self._register(pid, x, y)
        self._tree.insert(key, (x, y, x, y))

    def remove(self, pid: str) -> None:
        """A void has been let or withdrawn."""
        key = self._key.pop(pid, None)
        if key is None:
            raise DataError(f"property {pid!r} is not in the void index")
        x, y = self._xy.pop(pid)
        del self._pid[key]
        self._tree.delete(key, (x, y, x, y))

    def within(self, x: float, y: float, radius_m: float) -> list[tuple[str, float]]:
        """Voids within ``radius_m`` metres of (x, y), nearest first: (property_id, metres)."""
        keys = list(self._tree.intersection((x - radius_m, y - radius_m,
                                             x + radius_m, y + radius_m)))
        found = []
        for key in keys:
            pid = self._pid[key]
            vx, vy = self._xy[pid]
            d = float(np.hypot(vx - x, vy - y))
            if d <= radius_m:
                found.append((pid, d))
        return sorted(found, key=lambda item: (item[1], item[0]))

    def nearest(self, x: float, y: float, k: int = 1) -> list[tuple[str, float]]:
        """The ``k`` nearest voids to (x, y): (property_id, metres), nearest first."""
        keys = list(self._tree.nearest((x, y, x, y), num_results=k))
        found = [(self._pid[key], float(np.hypot(self._xy[self._pid[key]][0] - x,
                                                  self._xy[self._pid[key]][1] - y)))
                 for key in keys]
        return sorted(found, key=lambda item: (item[1], item[0]))[:k]
