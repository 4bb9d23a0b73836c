"""Which polygons border which: shared walls between footprints, shared garden boundaries.

Real footprints and plots do not tile exactly: digitised boundaries leave slivers and
gaps of a few centimetres to decimetres. Two polygons *border* here when the part of
one's boundary that lies within ``gap_m`` of the other stretches at least
``min_border_m`` (its extent: the diagonal of its bounding box). So:

- two gardens whose fences are 20 cm apart along 12 m still border;
- two gardens that meet at one corner point do not: near a corner the boundary within
  ``gap_m`` of the other spans only about ``gap_m * sqrt(2)``.

All measurements are metres in EPSG:27700. Candidate pairs come from one STRtree
``dwithin`` query; the border test is vectorised over the pairs.

:class:`Groups` turns "which positions share a key" (dwellings of one building, flats of
one close, owners of one plot) into binary searches over one sort, so that the pairs of
a few positions cost no scan of them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from geo_era.errors import DataError
from geo_era.geometry.tiled import TiledTree

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BorderRule:
    """How close and how long a shared boundary must be to count (metres)."""

    gap_m: float = 0.3
    min_border_m: float = 0.9

    def __post_init__(self) -> None:
        if not (0 <= self.gap_m < self.min_border_m / np.sqrt(2)):
            raise DataError(
                f"border rule needs 0 <= gap ({self.gap_m} m) < min_border / sqrt(2) "
                f"({self.min_border_m / np.sqrt(2):.2f} m), or a corner would count as a "
                "border")


@dataclass(frozen=True)
class Borders:
    """Pairs ``(a[k], b[k])`` of polygon positions that border, ``a < b``, with the
    extent of their shared boundary in metres."""

    a: IntArray
    b: IntArray
    extent_m: FloatArray

    def __len__(self) -> int:
        return len(self.a)


def steps(sizes: IntArray) -> IntArray:
    """0, 1, ..., sizes[0] - 1, 0, 1, ..., sizes[1] - 1, ...: the position of each element
    within its run, for runs of the given sizes."""
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    out: IntArray = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes,
                                                                  sizes)
    return out


class Groups:
    """Positions ``0..n-1`` grouped by an integer key (a key < 0: in no group), sorted
    once so that the members of any key are found by binary search.

    Members of a group are in position order. Read-only after construction, so one
    instance can serve many threads.
    """

    def __init__(self, keys: npt.ArrayLike) -> None:
        self.keys: IntArray = np.asarray(keys, dtype=np.int64)
        valid = np.flatnonzero(self.keys >= 0)
        self.order: IntArray = valid[np.argsort(self.keys[valid], kind="stable")].astype(
            np.int64)
        self.sorted_keys: IntArray = self.keys[self.order]

    def ranges(self, keys: npt.ArrayLike) -> tuple[IntArray, IntArray]:
        """For each key: where its members start in :attr:`order`, and how many there
        are (0 for a key with none)."""
        keys = np.asarray(keys, dtype=np.int64)
        lo = np.searchsorted(self.sorted_keys, keys, side="left").astype(np.int64)
        hi = np.searchsorted(self.sorted_keys, keys, side="right").astype(np.int64)
        return lo, hi - lo

    def pairs(self, among: npt.NDArray[np.bool_] | None = None) -> tuple[IntArray, IntArray]:
        """All ordered pairs ``(i, j)``, ``i != j``, of positions sharing a key, ``i`` in
        ``among`` (a mask; all when None): ``i`` by key then position, each ``i``'s ``j``
        in position order."""
        # :attr:`order` is by key then position already: keep the members of ``among``
        rows = self.order if among is None else self.order[among[self.order]]
        lo, size = self.ranges(self.keys[rows])
        i = np.repeat(rows, size)
        j = self.order[np.repeat(lo, size) + steps(size)]
        keep = i != j
        return i[keep], j[keep]


def cross_pairs(left: Groups, left_keys: npt.ArrayLike, right: Groups,
                right_keys: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    """For each ``k``: every member of ``left_keys[k]`` in ``left`` with every member of
    ``right_keys[k]`` in ``right``, as position pairs ``(i, j)``."""
    lo_a, n_a = left.ranges(left_keys)
    lo_b, n_b = right.ranges(right_keys)
    total = n_a * n_b
    link = np.repeat(np.arange(len(total), dtype=np.int64), total)
    t = steps(total)
    width = n_b[link]
    i = left.order[lo_a[link] + t // np.maximum(width, 1)]
    j = right.order[lo_b[link] + t % np.maximum(width, 1)]
    return i, j


def bordering_pairs(geoms: npt.NDArray[np.object_], rule: BorderRule = BorderRule(), *,
                    among: npt.NDArray[np.bool_] | None = None,
                    tree: shapely.STRtree | TiledTree | None = None) -> Borders:
    """Every pair of polygons in ``geoms`` that border under ``rule``.

    Parameters
    ----------
    geoms
        Polygons in EPSG:27700.
    rule
        Gap tolerance and minimum border extent.
    among
        Optional mask: only pairs with at least one polygon in the mask are tested
        (e.g. the plots of the properties being assessed).
    tree
        An index over exactly ``geoms`` (an STRtree or a :class:`TiledTree`), when one
        is kept (an STRtree is built here otherwise).
    """
    if len(geoms) == 0:
        empty = np.empty(0, dtype=np.int64)
        return Borders(empty, empty, np.empty(0, dtype=np.float64))
    if tree is None:
        tree = shapely.STRtree(geoms)
    queries = np.arange(len(geoms)) if among is None else np.flatnonzero(among)
    qi, qj = tree.query(geoms[queries], predicate="dwithin", distance=rule.gap_m)
    a, b = queries[qi].astype(np.int64), qj.astype(np.int64)
    a, b = np.minimum(a, b), np.maximum(a, b)
    keep = a != b
    pairs = np.unique(np.column_stack([a[keep], b[keep]]), axis=0)
    if not len(pairs):
        empty = np.empty(0, dtype=np.int64)
        return Borders(empty, empty, np.empty(0, dtype=np.float64))
    a, b = pairs[:, 0], pairs[:, 1]
    # The shared part lies inside both bounding boxes grown by the gap; where that overlap
    # is too small to hold a border (a corner touch), no geometry work is needed.
    ids = np.unique(np.r_[a, b])  # bounds of the polygons in pairs only, not of all
    box = shapely.bounds(geoms[ids]).reshape(-1, 4)
    box_a, box_b = box[np.searchsorted(ids, a)], box[np.searchsorted(ids, b)]
    lo = np.maximum(box_a[:, :2], box_b[:, :2]) - rule.gap_m
    hi = np.minimum(box_a[:, 2:], box_b[:, 2:]) + rule.gap_m
    room = np.hypot(*(hi - lo).T)
    keep = room >= rule.min_border_m
    a, b = a[keep], b[keep]
    # boundary and buffer once per polygon, not once per pair
    need_a, inv_a = np.unique(a, return_inverse=True)
    need_b, inv_b = np.unique(b, return_inverse=True)
    rings = shapely.boundary(geoms[need_a])[inv_a]
    near_b = shapely.buffer(geoms[need_b], rule.gap_m, quad_segs=2)[inv_b]
    shared = shapely.intersection(rings, near_b)
    # extent: the diagonal of the shared part's bounding box (0 when there is none)
    sb = shapely.bounds(shared)
    extent = np.nan_to_num(np.hypot(sb[:, 2] - sb[:, 0], sb[:, 3] - sb[:, 1]))
    keep = extent >= rule.min_border_m
    return Borders(a[keep], b[keep], extent[keep])


def overlapping_pairs(geoms: npt.NDArray[np.object_], *, max_sliver_width_m: float = 0.3
                      ) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs of polygons that overlap (or one holds the other), with the overlap area in
    m². An overlap no wider than ``max_sliver_width_m`` (a sliver from digitising two
    fences slightly differently) does not count, however long it is."""
    if len(geoms) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float64)
    tree = shapely.STRtree(geoms)
    parts = [tree.query(geoms, predicate=p) for p in ("overlaps", "contains", "within")]
    a = np.concatenate([p[0] for p in parts]).astype(np.int64)
    b = np.concatenate([p[1] for p in parts]).astype(np.int64)
    a, b = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(np.column_stack([a, b])[a != b], axis=0).reshape(-1, 2)
    a, b = pairs[:, 0], pairs[:, 1]
    overlap = shapely.intersection(geoms[a], geoms[b])
    wide = ~shapely.is_empty(shapely.buffer(overlap, -max_sliver_width_m / 2))
    return a[wide], b[wide], shapely.area(overlap[wide])
