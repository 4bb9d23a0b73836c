"""Compiled proximity kernels (numba) over grids of cells, in EPSG:27700 metres.

A :class:`Grid` buckets positions (sites, or query points) in square cells of ``cell``
metres: a point in its cell, a polygon in every cell its bounding box covers. Cells are
numbered ``row * width + column``; each cell's entries are one run of ``entries``, and the
cells of one grid row inside a window are one contiguous run of entries. A grid keeps the start
of every cell, at most MAX_CELLS of them: a wide extent gets larger cells.

Each kernel loops over a slice ``[lo, hi)`` of its driving positions, releases the GIL and
makes no Python object per pair, so the caller spreads a batch over the cores with
threads (numba's own parallel loops are not safe under a server's request threads).

Distances are GEOS's: point to point ``sqrt(dx*dx + dy*dy)``; point to polygon 0 inside
(or on) it, else the least distance to a segment of its rings by GEOS's
``Distance::pointToSegment``. Inside is decided by counting ring crossings (even-odd,
what a valid polygon with holes or a valid multipolygon needs); within about 1e-9 m of an
edge it may disagree with GEOS's robust test, where both distances are below that.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: The kernels: compiled once and cached on disk, releasing the GIL. Each reads the
#: fields of its Grid and Shapes into locals first (reading them in the loops costs
#: three times as much), and its helpers are inlined.
jit_kernel = numba.njit(cache=True, nogil=True)
_inline = numba.njit(cache=True, nogil=True, inline="always")

#: A grid has at most this many cells (8 bytes each): a larger extent gets larger cells.
MAX_CELLS = 1 << 22


class Grid(NamedTuple):
    """Positions bucketed in cells (see the module's docstring)."""

    cell: float
    x0: float
    y0: float
    width: int
    height: int
    starts: IntArray  # each cell's first entry, then the number of entries
    # each entry, in cell order: its site, the site's point (a point site's), polygon
    # (-1 for a point) and category code, its cell's column; kept beside each other so
    # that a search reads them in sequence
    entries: IntArray
    xy: FloatArray
    poly: IntArray
    code: IntArray
    cols: IntArray
    first: IntArray  # (n, 2): each polygon's first column and row


class Shapes(NamedTuple):
    """The polygon sites as flat arrays: polygon ``k`` has bounding box ``bounds[k]`` and
    rings ``rings[k]:rings[k + 1]`` (every part's shell and holes), ring r's closed run of
    coordinates ``ring_xy[coords[r]:coords[r + 1]]``."""

    bounds: FloatArray
    rings: IntArray
    coords: IntArray
    ring_xy: FloatArray


def grid_cell(cell: float, low: FloatArray, high: FloatArray) -> float:
    """``cell``, or larger if the extent from ``low`` to ``high`` needs more than
    MAX_CELLS of it."""
    span = np.maximum(high - low, 0.0)
    cell = max(cell, float(np.sqrt(span[0] * span[1] / MAX_CELLS)))
    while (span[0] // cell + 1) * (span[1] // cell + 1) > MAX_CELLS:
        cell *= 1.25
    return cell


def build_grid(cell: float, low: FloatArray, high: FloatArray, cols: IntArray,
               rows: IntArray, sites: IntArray, site_facts: tuple[FloatArray, IntArray,
                                                                  IntArray],
               first: IntArray) -> Grid:
    """A grid of ``sites`` placed at cells (``cols``, ``rows``) of a ``cell`` (see
    :func:`grid_cell`) from ``low`` to ``high``; entries in cell then site order.
    ``site_facts`` are each site's point, polygon and category code."""
    width, height = (np.floor((high - low) / cell).astype(np.int64) + 1).tolist()
    keys = rows * width + cols
    order = np.lexsort((sites, keys))
    keys, sites = keys[order], sites[order].astype(np.int64)
    starts = np.zeros(width * height + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=width * height), out=starts[1:])
    xy, poly, code = site_facts
    return Grid(float(cell), float(low[0]), float(low[1]), int(width), int(height), starts,
                sites, np.ascontiguousarray(xy[sites]), poly[sites], code[sites],
                (keys % width).astype(np.int64), first)


@_inline
def _cell_of(v: float, origin: float, cell: float) -> int:
    return int(math.floor((v - origin) / cell))


@_inline
def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float,
                      by: float) -> float:
    """GEOS's ``Distance::pointToSegment``, operation for operation."""
    if ax == bx and ay == by:
        return math.sqrt((px - ax) * (px - ax) + (py - ay) * (py - ay))
    len2 = (bx - ax) * (bx - ax) + (by - ay) * (by - ay)
    r = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2
    if r <= 0.0:
        return math.sqrt((px - ax) * (px - ax) + (py - ay) * (py - ay))
    if r >= 1.0:
        return math.sqrt((px - bx) * (px - bx) + (py - by) * (py - by))
    s = ((ay - py) * (bx - ax) - (ax - px) * (by - ay)) / len2
    return abs(s) * math.sqrt(len2)


@_inline
def _distance(px: float, py: float, e: int, exy: FloatArray, epoly: IntArray,
              bounds: FloatArray, rings: IntArray, coords: IntArray, ring_xy: FloatArray,
              limit: float) -> float:
    """Distance to the site of grid entry ``e`` (see :class:`Grid`, :class:`Shapes`);
    ``inf`` for a polygon whose box is beyond ``limit``. A polygon's is 0 inside, else to
    its nearest edge."""
    k = epoly[e]
    if k < 0:
        dx = px - exy[e, 0]
        dy = py - exy[e, 1]
        return math.sqrt(dx * dx + dy * dy)
    gx = max(bounds[k, 0] - px, px - bounds[k, 2], 0.0)
    gy = max(bounds[k, 1] - py, py - bounds[k, 3], 0.0)
    if math.sqrt(gx * gx + gy * gy) > limit:
        return math.inf
    inside = False
    best = math.inf
    for r in range(rings[k], rings[k + 1]):
        for i in range(coords[r], coords[r + 1] - 1):
            ax, ay = ring_xy[i, 0], ring_xy[i, 1]
            bx, by = ring_xy[i + 1, 0], ring_xy[i + 1, 1]
            if (ay > py) != (by > py) and px < (bx - ax) * (py - ay) / (by - ay) + ax:
                inside = not inside
            d = _segment_distance(px, py, ax, ay, bx, by)
            best = min(best, d)
    if inside:
        return 0.0
    return best


@_inline
def _block(px: float, py: float, x0: float, y0: float, cell: float, width: int,
           height: int) -> int:
    cx = min(max(_cell_of(px, x0, cell), 0), width - 1)
    cy = min(max(_cell_of(py, y0, cell), 0), height - 1)
    return cy * width + cx


@jit_kernel
def cell_order(qxy: FloatArray, g: Grid, coarsen: int) -> tuple[IntArray, FloatArray]:
    """The queries in order of their block of ``coarsen`` x ``coarsen`` cells of ``g`` (one
    outside the grid goes with the nearest border block), by a counting sort, and their
    points in that order: neighbours then search the same cells in turn, and arrays are
    read and written in sequence."""
    x0, y0, cell = g.x0, g.y0, g.cell * coarsen
    width, height = (g.width - 1) // coarsen + 1, (g.height - 1) // coarsen + 1
    n = qxy.shape[0]
    starts = np.zeros(width * height + 1, dtype=np.int64)
    for q in range(n):
        starts[_block(qxy[q, 0], qxy[q, 1], x0, y0, cell, width, height) + 1] += 1
    for c in range(width * height):
        starts[c + 1] += starts[c]
    order = np.empty(n, dtype=np.int64)
    sorted_xy = np.empty((n, 2), dtype=np.float64)
    for q in range(n):
        key = _block(qxy[q, 0], qxy[q, 1], x0, y0, cell, width, height)
        at = starts[key]
        order[at] = q
        sorted_xy[at, 0] = qxy[q, 0]
        sorted_xy[at, 1] = qxy[q, 1]
        starts[key] += 1
    return order, sorted_xy


@_inline
def _insert(start: int, n: int, s: int, d: float, out_site: IntArray,
            out_dist: FloatArray) -> None:
    """Put (s, d) in the sorted run ``out[start:start + n]`` by (distance, site)."""
    i = start + n
    while i > start and (out_dist[i - 1] > d or (out_dist[i - 1] == d and
                                                 out_site[i - 1] > s)):
        out_dist[i] = out_dist[i - 1]
        out_site[i] = out_site[i - 1]
        i -= 1
    out_dist[i] = d
    out_site[i] = s


@jit_kernel
def within_run(qxy: FloatArray, lo: int, hi: int, radius: float, g: Grid, sh: Shapes
               ) -> tuple[IntArray, IntArray, FloatArray]:
    """The sites within ``radius`` of the points ``qxy[lo:hi]``: how many for each, then
    (site, distance) of each one's, in (distance, site) order, one point after another
    (in arrays that may be longer than the pairs).

    A polygon is in every cell of its box; it is taken in the first of them inside the
    query's window, so once."""
    x0, y0, cell, width, height = g.x0, g.y0, g.cell, g.width, g.height
    starts, entries, cols, first = g.starts, g.entries, g.cols, g.first
    exy, epoly = g.xy, g.poly
    bounds, rings, coords, ring_xy = sh.bounds, sh.rings, sh.coords, sh.ring_xy
    found = np.zeros(hi - lo, dtype=np.int64)
    out_site = np.empty(max(2 * (hi - lo), 16), dtype=np.int64)
    out_dist = np.empty(len(out_site), dtype=np.float64)
    at = 0
    for i in range(lo, hi):
        px, py = qxy[i, 0], qxy[i, 1]
        wx0 = max(_cell_of(px - radius, x0, cell), 0)
        wx1 = min(_cell_of(px + radius, x0, cell), width - 1)
        wy0 = max(_cell_of(py - radius, y0, cell), 0)
        wy1 = min(_cell_of(py + radius, y0, cell), height - 1)
        start = at
        for cy in range(wy0, wy1 + 1):
            if wx0 > wx1:
                break
            for e in range(starts[cy * width + wx0], starts[cy * width + wx1 + 1]):
                k = epoly[e]
                if k >= 0 and (cols[e] != max(first[k, 0], wx0) or
                               cy != max(first[k, 1], wy0)):
                    continue
                d = _distance(px, py, e, exy, epoly, bounds, rings, coords, ring_xy, radius)
                if d <= radius:
                    s = entries[e]
                    if at == len(out_site):
                        out_site = np.concatenate((out_site, np.empty_like(out_site)))
                        out_dist = np.concatenate((out_dist, np.empty_like(out_dist)))
                    _insert(start, at - start, s, d, out_site, out_dist)
                    at += 1
        found[i - lo] = at - start
    return found, out_site, out_dist


@jit_kernel
def query_starts(order: IntArray, found: IntArray) -> IntArray:
    """Where each query's pairs start when in query order, ``found[i]`` pairs having
    been found for query ``order[i]``."""
    n = len(order)
    starts = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        starts[order[i] + 1] = found[i]
    for q in range(n):
        starts[q + 1] += starts[q]
    return starts


@jit_kernel
def move_pairs(lo: int, order: IntArray, found: IntArray, site: IntArray, dist: FloatArray,
               starts: IntArray, out_query: IntArray, out_site: IntArray,
               out_dist: FloatArray) -> None:
    """The pairs :func:`within_run` found from query ``order[lo]`` on (``found``, ``site``,
    ``dist``) moved to their places in query order (see :func:`query_starts`)."""
    a = 0
    for i in range(len(found)):
        q = order[lo + i]
        b = starts[q]
        for k in range(found[i]):
            out_query[b + k] = q
            out_site[b + k] = site[a + k]
            out_dist[b + k] = dist[a + k]
        a += found[i]


@jit_kernel
def nearest_window(qxy: FloatArray, order: IntArray, lo: int, hi: int, radius: float,
                   g: Grid, sh: Shapes, columns: IntArray, out_site: IntArray,
                   out_dist: FloatArray) -> None:
    """For the points ``qxy[lo:hi]``: the nearest site of each asked category within
    ``radius`` (ties: the lower site position), in rows ``order[lo:hi]`` of the answer.
    ``columns[code]`` is the answer's column for a category code (-1: not asked)."""
    x0, y0, cell, width, height = g.x0, g.y0, g.cell, g.width, g.height
    starts, entries, exy, epoly, ecode = g.starts, g.entries, g.xy, g.poly, g.code
    bounds, rings, coords, ring_xy = sh.bounds, sh.rings, sh.coords, sh.ring_xy
    best_site = np.empty((1, out_site.shape[1]), dtype=np.int64)
    best_dist = np.empty((1, out_site.shape[1]), dtype=np.float64)
    q = 0
    for i in range(lo, hi):
        best_site[:] = -1
        best_dist[:] = math.inf
        px, py = qxy[i, 0], qxy[i, 1]
        wx0 = max(_cell_of(px - radius, x0, cell), 0)
        wx1 = min(_cell_of(px + radius, x0, cell), width - 1)
        wy0 = max(_cell_of(py - radius, y0, cell), 0)
        wy1 = min(_cell_of(py + radius, y0, cell), height - 1)
        for cy in range(wy0, wy1 + 1):
            if wx0 > wx1:
                break
            for e in range(starts[cy * width + wx0], starts[cy * width + wx1 + 1]):
                col = columns[ecode[e]]
                if col < 0:
                    continue
                best = best_dist[q, col]
                d = _distance(px, py, e, exy, epoly, bounds, rings, coords, ring_xy,
                              min(radius, best))
                s = entries[e]
                if d <= radius and (d < best or (d == best and s < best_site[q, col])):
                    best_dist[q, col] = d
                    best_site[q, col] = s
        out_site[order[i]] = best_site[0]
        out_dist[order[i]] = best_dist[0]


# ------------------------------------------------------------ the unbounded nearest
#
# nearest_rings repeats nearest_window's update of the bests for each entry: an inlined
# helper taking the arrays made both kernels about 45% slower (bench/proximity.py data).


@jit_kernel
def nearest_rings(qxy: FloatArray, order: IntArray, lo: int, hi: int, max_ring: int,
                  g: Grid, sh: Shapes, columns: IntArray, present: BoolArray,
                  out_site: IntArray, out_dist: FloatArray, settled: BoolArray) -> None:
    """The nearest site of each asked category, unbounded, for the points ``qxy[lo:hi]``
    (rows ``order[lo:hi]`` of the answer) that settle within ``max_ring`` rings of cells
    around their own.

    Rings of cells are searched outwards. After ring r no unsearched site is nearer than
    the edge of the searched square; once that is beyond the best distance of every
    ``present`` column, the query is settled. ``settled[q]`` stays False for a query that
    needs a wider search (its bests are then partial, but true upper bounds).
    """
    x0, y0, cell, width, height = g.x0, g.y0, g.cell, g.width, g.height
    starts, entries, exy, epoly, ecode = g.starts, g.entries, g.xy, g.poly, g.code
    bounds, rings, coords, ring_xy = sh.bounds, sh.rings, sh.coords, sh.ring_xy
    best_site = np.empty((1, out_site.shape[1]), dtype=np.int64)
    best_dist = np.empty((1, out_site.shape[1]), dtype=np.float64)
    q = 0
    for i in range(lo, hi):
        best_site[:] = -1
        best_dist[:] = math.inf
        px, py = qxy[i, 0], qxy[i, 1]
        ix = _cell_of(px, x0, cell)
        iy = _cell_of(py, y0, cell)
        for r in range(max_ring + 1):
            for cy in range(max(iy - r, 0), min(iy + r, height - 1) + 1):
                edge = cy == iy - r or cy == iy + r
                # the ring's cells in this row: all of an edge row, else its two ends
                for part in range(1 if edge else 2):
                    c0 = ix - r if edge or part == 0 else ix + r
                    c1 = ix + r if edge or part == 1 else ix - r
                    c0, c1 = max(c0, 0), min(c1, width - 1)
                    if c0 > c1:
                        continue
                    for e in range(starts[cy * width + c0], starts[cy * width + c1 + 1]):
                        col = columns[ecode[e]]
                        if col < 0:
                            continue
                        best = best_dist[q, col]
                        d = _distance(px, py, e, exy, epoly, bounds, rings, coords,
                                      ring_xy, best)
                        s = entries[e]
                        if d < best or (d == best and s < best_site[q, col]):
                            best_dist[q, col] = d
                            best_site[q, col] = s
            reach = min(px - (x0 + (ix - r) * cell), x0 + (ix + r + 1) * cell - px,
                        py - (y0 + (iy - r) * cell), y0 + (iy + r + 1) * cell - py)
            worst = 0.0
            for col in range(len(present)):
                if present[col] and best_dist[q, col] > worst:
                    worst = best_dist[q, col]
            if reach > worst:
                settled[order[i]] = True
                break
        out_site[order[i]] = best_site[0]
        out_dist[order[i]] = best_dist[0]
