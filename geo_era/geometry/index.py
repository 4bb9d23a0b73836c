"""Spatial indexes over the sites and voids, in EPSG:27700 metres.

:class:`SiteIndex` is static, built once per sites layer version:

- point sites and polygon sites (school grounds, parks) are bucketed in a grid of cells
  and searched by compiled kernels (:mod:`geo_era.geometry.kernels`) on every core, with
  no Python object per pair: exact distances, polygons measured to their boundary, 0
  inside, never to their centroid (see ``bench/proximity.py`` and ``bench/postgis.py``
  for the figures against shapely's STRtree, geopandas and PostGIS).

:class:`VoidIndex` is dynamic: an ``rtree`` index to which voids are added and from
which let properties are removed in place, without a rebuild.

All queries take arrays of query points ``(n, 2)`` in EPSG:27700 and return flat numpy
arrays, so that a batch of a million properties is one call.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, TypeVar

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import rtree
import shapely
from scipy.spatial import cKDTree

from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.errors import DataError

# The kernels (and numba, 0.4 s to import) are imported where an index is first built or
# searched: a command that builds none does not wait for them.
if TYPE_CHECKING:
    from geo_era.geometry import kernels

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
T = TypeVar("T")


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
    # one memory layout for the kernels: each other layout (a column slice, a read-only
    # array) would be compiled again, a second's stall of the request that brings it
    contiguous: FloatArray = np.require(xy, requirements=["C", "W"])
    return contiguous


#: Queries of at least this many points run on every core, in slices on threads (which
#: cost more than they save for a few points, and would compete with a server's request
#: threads).
PARALLEL_MIN_QUERIES = 10_000
_CORES = max(1, os.cpu_count() or 1)

#: Queries of at least this many points are searched in order of their block of
#: ORDER_BLOCK x ORDER_BLOCK grid cells (a counting sort): neighbours then read the same
#: cells in turn and the kernels read their arrays in sequence, about 3 times faster on
#: a million properties in random order (bench/proximity.py).
ORDER_MIN_QUERIES = 10_000
ORDER_BLOCK = 4


def _workers(n: int) -> int:
    return -1 if n >= PARALLEL_MIN_QUERIES else 1


def _flatten(lists: np.ndarray) -> tuple[IntArray, IntArray]:
    """(owner, value) pairs from an object array of lists, as flat int64 arrays."""
    lengths = np.fromiter((len(v) for v in lists), dtype=np.int64, count=len(lists))
    owner = np.repeat(np.arange(len(lists), dtype=np.int64), lengths)
    values = (np.concatenate([np.asarray(v, dtype=np.int64) for v in lists if len(v)])
              if lengths.sum() else np.empty(0, dtype=np.int64))
    return owner, values


#: A grid cell for a search within a radius is between half of this share of the radius
#: and all of it (a power-of-two multiple of MIN_CELL_M, see SiteIndex._cell_for), never
#: under MIN_CELL_M: a query's window then spans at most 9 rows. Shares from a quarter to
#: the whole radius measured the same on bench/proximity.py's data.
CELL_PER_RADIUS = 0.5
MIN_CELL_M = 25.0

#: Grids kept per index (each up to kernels.MAX_CELLS cells): a caller asking for many
#: radii makes grids again rather than memory grow.
GRIDS_KEPT = 3

#: For the unbounded nearest: the sites' grid cell is the largest (25 m doubling) at
#: which a site's cell holds on average at most this many sites; queries not settled
#: within NEAREST_RINGS rings of cells fall back to a search per category.
NEAREST_OCCUPANCY = 16.0
NEAREST_RINGS = 8


class SiteIndex:
    """Index over a sites layer (points and polygons, EPSG:27700).

    Site positions returned by queries are row positions in the frame it was built from.
    Searches run in compiled kernels (:mod:`geo_era.geometry.kernels`) over grids of
    cells; the unbounded nearest falls back, for queries far from any site of a category,
    to a k-d tree of each category's point sites and of its polygons' centres.
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
        self._poly_geoms = geoms[self._poly_rows]
        bounds = np.ascontiguousarray(shapely.bounds(self._poly_geoms).reshape(-1, 4))
        self._poly_bounds = bounds
        self._poly_centre = (bounds[:, :2] + bounds[:, 2:]) / 2
        self._poly_reach = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / 2
        # where each site is: a point's coordinates, a polygon's box centre
        site_xy = np.zeros((self.size, 2))
        site_xy[self._point_rows] = shapely.get_coordinates(geoms[self._point_rows])
        site_xy[self._poly_rows] = self._poly_centre
        poly_of = np.full(self.size, -1, dtype=np.int64)
        poly_of[self._poly_rows] = np.arange(len(self._poly_rows))
        # each site's category as its position in SITE_CATEGORIES (one not there: after)
        code = pd.Categorical(self.categories, categories=SITE_CATEGORIES).codes
        self._present = frozenset(SITE_CATEGORIES[c] for c in np.unique(code) if c >= 0)
        code = np.where(code < 0, len(SITE_CATEGORIES), code).astype(np.int64)
        self._site_facts = (site_xy, poly_of, code)
        from geo_era.geometry import kernels  # noqa: PLC0415  (numba: when first used)
        self._shapes = kernels.Shapes(bounds, *_ragged_polygons(self._poly_geoms))
        self._grids: dict[float, kernels.Grid] = {}
        self._nearest_cell: float | None = None
        self._lock = threading.Lock()
        # the fallback of the unbounded nearest, made when first needed
        self._fallback: dict[str, tuple[IntArray, cKDTree | None,
                                        tuple[cKDTree, IntArray, float] | None]] = {}

    def __getstate__(self) -> dict[str, object]:
        """Pickled (to a Dask worker) without its lock and grids, which it remakes."""
        state = self.__dict__.copy()
        del state["_lock"]
        state["_grids"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------- grids

    def _grid(self, cell: float) -> kernels.Grid:
        """The sites in cells of ``cell`` metres (or larger, see ``kernels.grid_cell``):
        a point in its cell, a polygon in every cell of its box. The last GRIDS_KEPT
        grids are kept."""
        with self._lock:
            grid = self._grids.pop(cell, None)
            if grid is None:
                grid = self._build_grid(cell)
            self._grids[cell] = grid  # the most recent last
            while len(self._grids) > GRIDS_KEPT:
                del self._grids[next(iter(self._grids))]
        return grid

    @staticmethod
    def _cell_for(radius: float) -> float:
        """The grid cell for a search within ``radius``: MIN_CELL_M times a power of two,
        the largest not over ``radius * CELL_PER_RADIUS`` (so that any radius a caller
        asks for maps to one of a few grids)."""
        steps = int(np.floor(np.log2(max(radius * CELL_PER_RADIUS, MIN_CELL_M) / MIN_CELL_M)))
        return MIN_CELL_M * 2.0 ** min(steps, 40)

    def _build_grid(self, cell: float) -> kernels.Grid:
        points = self._site_facts[0][self._point_rows]
        boxes = self._poly_bounds
        low = np.min(np.concatenate([points, boxes[:, :2]]), axis=0)
        high = np.max(np.concatenate([points, boxes[:, 2:]]), axis=0)
        from geo_era.geometry import kernels  # noqa: PLC0415  (numba: when first used)
        cell = kernels.grid_cell(cell, low, high)
        point_cells = np.floor((points - low) / cell).astype(np.int64)
        first = np.floor((boxes[:, :2] - low) / cell).astype(np.int64)
        last = np.floor((boxes[:, 2:] - low) / cell).astype(np.int64)
        # every cell of each polygon's box
        ncol = last[:, 0] - first[:, 0] + 1
        per = ncol * (last[:, 1] - first[:, 1] + 1)
        owner = np.repeat(np.arange(len(boxes)), per)
        k = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
        cols = np.concatenate([point_cells[:, 0], first[owner, 0] + k % ncol[owner]])
        rows = np.concatenate([point_cells[:, 1], first[owner, 1] + k // ncol[owner]])
        values = np.concatenate([self._point_rows, self._poly_rows[owner]])
        return kernels.build_grid(cell, low, high, cols, rows, values, self._site_facts,
                                  np.ascontiguousarray(first))

    @staticmethod
    def _order(xy: FloatArray, g: kernels.Grid) -> tuple[FloatArray, IntArray]:
        """The queries' points in the order to search them, and that order. A large batch
        goes by grid cell: neighbours then search the same cells in turn and arrays are
        read in sequence, several times faster."""
        if len(xy) < ORDER_MIN_QUERIES:
            return xy, np.arange(len(xy), dtype=np.int64)
        from geo_era.geometry import kernels  # noqa: PLC0415  (numba: when first used)
        order, sorted_xy = kernels.cell_order(xy, g, ORDER_BLOCK)
        return sorted_xy, order

    def _cell_for_nearest(self) -> float:
        """The largest cell (25 m doubling) at which a site's cell holds on average at
        most NEAREST_OCCUPANCY sites."""
        if self._nearest_cell is None:
            xy = self._site_facts[0]
            low = xy.min(axis=0)
            cell = MIN_CELL_M
            while True:
                cells = np.floor((xy - low) / (cell * 2)).astype(np.int64)
                _, counts = np.unique(cells[:, 0] * (1 << 32) + cells[:, 1],
                                      return_counts=True)
                if float((counts * counts).sum()) / len(xy) > NEAREST_OCCUPANCY or \
                        len(counts) == 1:
                    break
                cell *= 2
            self._nearest_cell = cell
        return self._nearest_cell

    @staticmethod
    def _run(n: int, job: Callable[[int, int], T]) -> list[T]:
        """``job(lo, hi)`` over ``[0, n)``: in slices on every core for a large batch
        (the kernels release the GIL), else at once; the results in slice order."""
        if n < PARALLEL_MIN_QUERIES or _CORES == 1:
            return [job(0, n)]
        cuts = np.linspace(0, n, 8 * _CORES + 1).astype(np.int64).tolist()
        return _spread([partial(job, lo, hi) for lo, hi in itertools.pairwise(cuts)])

    # ------------------------------------------------------------------------ within

    def within(self, points: FloatArray | Sequence[Sequence[float]], radius_m: float
               ) -> Pairs:
        """Every site within ``radius_m`` metres of every query point (distance <= radius).

        Point sites: Euclidean distance between points. Polygon sites: distance to the
        polygon's boundary, 0 for a point inside it. Pairs come sorted by query, then
        distance, then site position.
        """
        xy = _as_xy(points)
        if not radius_m >= 0 or not np.isfinite(radius_m):
            raise DataError(f"radius must be a finite number of metres >= 0; got {radius_m}")
        radius = float(radius_m)
        empty_i = np.empty(0, dtype=np.int64)
        if not len(xy) or not self.size:
            return Pairs(empty_i, empty_i, np.empty(0, dtype=np.float64))
        from geo_era.geometry import kernels  # noqa: PLC0415  (numba: when first used)
        sh = self._shapes
        g = self._grid(self._cell_for(radius))
        xs, order = self._order(xy, g)
        parts = self._run(len(xy), lambda lo, hi: (lo, *kernels.within_run(
            xs, lo, hi, radius, g, sh)))
        found = np.concatenate([part[1] for part in parts])
        starts = kernels.query_starts(order, found)
        total = int(starts[-1])
        out = Pairs(np.empty(total, dtype=np.int64), np.empty(total, dtype=np.int64),
                    np.empty(total, dtype=np.float64))
        _spread([partial(kernels.move_pairs, lo, order, found, site, dist, starts,
                         out.query, out.site, out.distance)
                 for lo, found, site, dist in parts])
        return out

    # ----------------------------------------------------------------------- nearest

    def nearest(self, points: FloatArray | Sequence[Sequence[float]], *,
                categories: Iterable[str] = SITE_CATEGORIES,
                max_distance_m: float | None = None) -> Nearest:
        """The nearest site of each category to each query point, and its distance (m).

        With ``max_distance_m``, only sites within that distance count (as an ERA's search
        radius does): a category with none in range gives -1 and ``inf``. The bound makes
        the search much cheaper.

        All categories are searched in one pass over the sites near each query: within
        the bound, the sites within it; unbounded, rings of grid cells outwards until no
        unsearched site could be nearer. Polygon sites are measured to their boundary.
        Where two sites are equally near, the lower site position wins.
        """
        xy = _as_xy(points)
        cats = tuple(categories)
        unknown = [c for c in cats if c not in SITE_CATEGORIES]
        if unknown:
            raise DataError(f"unknown site categor{'y' if len(unknown) == 1 else 'ies'} "
                            f"{', '.join(unknown)}; use {', '.join(SITE_CATEGORIES)}")
        if max_distance_m is not None and not (np.isfinite(max_distance_m)
                                               and max_distance_m >= 0):
            raise DataError(f"max_distance_m must be a finite number of metres >= 0; got "
                            f"{max_distance_m}")
        if not len(xy) or not self.size:
            return Nearest(cats, np.full((len(xy), len(cats)), -1, dtype=np.int64),
                           np.full((len(xy), len(cats)), np.inf))
        # every row is written by the kernels
        site = np.empty((len(xy), len(cats)), dtype=np.int64)
        dist = np.empty((len(xy), len(cats)), dtype=np.float64)
        from geo_era.geometry import kernels  # noqa: PLC0415  (numba: when first used)
        sh = self._shapes
        # the answer's column of each category code (-1: not asked)
        columns = np.full(len(SITE_CATEGORIES) + 1, -1, dtype=np.int64)
        columns[[SITE_CATEGORIES.index(c) for c in cats]] = np.arange(len(cats))
        if max_distance_m is not None:
            bound = float(max_distance_m)
            g = self._grid(self._cell_for(bound))
            xs, order = self._order(xy, g)
            self._run(len(xy), lambda lo, hi: kernels.nearest_window(
                xs, order, lo, hi, bound, g, sh, columns, site, dist))
            return Nearest(cats, site, dist)
        g = self._grid(self._cell_for_nearest())
        present = np.array([c in self._present for c in cats], dtype=np.bool_)
        settled = np.zeros(len(xy), dtype=np.bool_)
        xs, order = self._order(xy, g)
        self._run(len(xy), lambda lo, hi: kernels.nearest_rings(
            xs, order, lo, hi, NEAREST_RINGS, g, sh, columns, present, site, dist, settled))
        far = np.flatnonzero(~settled)
        if len(far):
            self._nearest_far(xy[far], cats, site, dist, far)
        return Nearest(cats, site, dist)

    def _nearest_far(self, xy: FloatArray, cats: tuple[str, ...], site: IntArray,
                     dist: FloatArray, rows: IntArray) -> None:
        """The unbounded nearest for queries far from some category (``rows`` of
        ``site``/``dist``, whose partial bests are kept), by category: the nearest point
        site from its k-d tree, then its polygons exactly (see ``_nearest_polygon``)."""
        for col, category in enumerate(cats):
            best_site, best_dist = site[rows, col], dist[rows, col]
            pts, kd, centres = self._trees(category)
            if kd is not None:
                self._nearest_point(xy, kd, pts, best_site, best_dist)
            if centres is not None:
                self._nearest_polygon(xy, centres, best_site, best_dist)
            site[rows, col], dist[rows, col] = best_site, best_dist

    def _trees(self, category: str) -> tuple[IntArray, cKDTree | None,
                                             tuple[cKDTree, IntArray, float] | None]:
        """A category's point sites (positions among them) and their k-d tree, and a k-d
        tree of its polygons' centres with the polygons and their largest reach."""
        trees = self._fallback.get(category)
        if trees is None:
            pts = np.flatnonzero(self.categories[self._point_rows] == category)
            polys = np.flatnonzero(self.categories[self._poly_rows] == category)
            point_xy = self._site_facts[0][self._point_rows[pts]]
            trees = self._fallback[category] = (
                pts.astype(np.int64), cKDTree(point_xy) if len(pts) else None,
                (cKDTree(self._poly_centre[polys]), polys.astype(np.int64),
                 float(self._poly_reach[polys].max())) if len(polys) else None)
        return trees

    def _nearest_point(self, xy: FloatArray, kd: cKDTree, pts: IntArray, site: IntArray,
                       dist: FloatArray) -> None:
        """Improve ``site``/``dist`` (in place) with the nearest of the point sites
        ``pts`` (positions among the point sites; ``kd`` is their tree): the tree's
        nearest, then every point as near as it, measured as the kernels measure
        (GEOS's formula), so that of equally near sites the lower position wins."""
        d, _ = kd.query(xy, k=1, workers=_workers(len(xy)))
        lists = kd.query_ball_point(xy, d * (1 + 1e-9) + 1e-9, return_sorted=False)
        q, k = _flatten(lists)
        rows = self._point_rows[pts[k]]
        sxy = self._site_facts[0][rows]
        dx, dy = xy[q, 0] - sxy[:, 0], xy[q, 1] - sxy[:, 1]
        d = np.sqrt(dx * dx + dy * dy)
        order = np.lexsort((rows, d, q))
        q, rows, d = q[order], rows[order], d[order]
        first = np.r_[True, q[1:] != q[:-1]]
        q, rows, d = q[first], rows[first], d[first]
        better = (d < dist[q]) | ((d == dist[q]) & (rows < site[q]))
        site[q[better]], dist[q[better]] = rows[better], d[better]

    def _nearest_polygon(self, xy: FloatArray, centres: tuple[cKDTree, IntArray, float],
                         site: IntArray, dist: FloatArray) -> None:
        """Improve ``site``/``dist`` (in place) with the category's polygon sites, exactly.

        A polygon's bounding box is a lower bound on its distance and lies in a disc of
        radius ``reach`` around its centre. A query's bound is the lesser of its best so
        far and (the nearest centre + that polygon's reach); every polygon whose centre
        is within the bound + the largest reach is a candidate, kept when its box is
        within the bound, then measured exactly to the boundary (0 inside).
        """
        centre_kd, polys, max_reach = centres
        d_centre, c = centre_kd.query(xy, k=1, workers=_workers(len(xy)))
        bound = np.minimum(dist, d_centre + self._poly_reach[polys[c]])
        lists = centre_kd.query_ball_point(xy, bound + max_reach, return_sorted=False)
        owner, k = _flatten(lists)
        j = polys[k]
        keep = self._box_gap(xy[owner], j) <= bound[owner]
        q, j = owner[keep], j[keep]
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

    def _box_gap(self, xy: FloatArray, polys: IntArray) -> FloatArray:
        """Distance from each point to its polygon's bounding box: a lower bound on the
        distance to the polygon (0 inside the box)."""
        b = self._poly_bounds[polys]
        dx = np.maximum(np.maximum(b[:, 0] - xy[:, 0], xy[:, 0] - b[:, 2]), 0.0)
        dy = np.maximum(np.maximum(b[:, 1] - xy[:, 1], xy[:, 1] - b[:, 3]), 0.0)
        gap: FloatArray = np.hypot(dx, dy)
        return gap


def _spread(jobs: list[Callable[[], T]]) -> list[T]:
    """The jobs' results, the jobs run on every core (one alone in this thread)."""
    if len(jobs) == 1 or _CORES == 1:
        return [job() for job in jobs]
    with ThreadPoolExecutor(_CORES) as pool:
        return list(pool.map(lambda job: job(), jobs))


def _ragged_polygons(geoms: npt.NDArray[np.object_]) -> tuple[IntArray, IntArray, FloatArray]:
    """Polygons (and multipolygons) as flat arrays for the kernels: polygon k's rings are
    ``rings[k]:rings[k + 1]`` (every part's shell and holes), ring r's closed coordinate
    run is ``coords[r]:coords[r + 1]`` in the (n, 2) array of coordinates."""
    if not len(geoms):
        return (np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64),
                np.zeros((0, 2)))
    kind, xy, offsets = shapely.to_ragged_array(geoms)
    if kind == shapely.GeometryType.POLYGON:
        coords, rings = offsets
    else:  # multipolygons (polygons among them as one-part multipolygons)
        coords, part_rings, geom_parts = offsets
        rings = part_rings[geom_parts]
    return (np.asarray(rings, dtype=np.int64), np.asarray(coords, dtype=np.int64),
            np.ascontiguousarray(xy, dtype=np.float64))


def warm_up() -> None:
    """Compile the kernels (or load them from numba's cache on disk) now: a server calls
    this at start so that its first request does not wait for them."""
    square = shapely.box(0.0, 0.0, 10.0, 10.0)
    sites = gpd.GeoDataFrame({"site_id": ["A", "B"], "category": ["school", "school"],
                              "name": ""}, geometry=[shapely.Point(20.0, 0.0), square],
                             crs=27700)
    index = SiteIndex(sites)
    xy = np.zeros((max(ORDER_MIN_QUERIES, 1), 2))
    index.within(xy, 5.0)
    index.nearest(xy, max_distance_m=5.0)
    index.nearest(xy)


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
