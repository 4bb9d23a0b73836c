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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from geo_era.errors import DataError

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


def bordering_pairs(geoms: npt.NDArray[np.object_], rule: BorderRule = BorderRule(), *,
                    among: npt.NDArray[np.bool_] | None = None) -> Borders:
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
    """
    if len(geoms) == 0:
        empty = np.empty(0, dtype=np.int64)
        return Borders(empty, empty, np.empty(0, dtype=np.float64))
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
    box = shapely.bounds(geoms)
    lo = np.maximum(box[a, :2], box[b, :2]) - rule.gap_m
    hi = np.minimum(box[a, 2:], box[b, 2:]) + rule.gap_m
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
