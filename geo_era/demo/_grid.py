"""Where a town's blocks go: the grid of ``CELL_W`` x ``CELL_H`` metre cells in
EPSG:27700, denser blocks towards the centre, the railway along the middle of one row
of blocks (only blocks with street-facing sides or open land there), and each side's
street and garden depth (:class:`Grid`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from geo_era.demo import _layout as lay
from geo_era.demo._layout import B_CIVIC, B_MS, B_OPEN, B_PARK, B_SCHOOL, B_SIDES, B_TEN
from geo_era.demo._tables import AnyArray, BoolArray, FloatArray, IntArray, Tables


@dataclass(frozen=True)
class Grid:
    """Where the blocks are: the grid of cells, each block's cell, the railway row, and
    each side's block, street (north or south) and back-garden depth (metres)."""

    kinds: IntArray
    rows: int
    cols: int
    rail_row: int
    bcol: IntArray
    brow: IntArray
    xs: IntArray
    ys: IntArray
    bx0: IntArray
    by0: IntArray
    by1: IntArray
    rail: BoolArray
    s_blk: IntArray
    s_north: BoolArray
    s_back: FloatArray

    def rects(self, side: IntArray, u0: IntArray, u1: IntArray, v0: IntArray,
              v1: IntArray) -> AnyArray:
        """Boxes given in side coordinates (``u`` along the street, ``v`` back from it;
        ``v1 < 0``: to the back of the garden) in EPSG:27700."""
        v1 = np.where(v1 < 0, self.s_back[side], v1)
        b = self.s_blk[side]
        north = self.s_north[side]
        y_lo = np.where(north, self.by1[b] - v1, self.by0[b] + v0)
        y_hi = np.where(north, self.by1[b] - v0, self.by0[b] + v1)
        boxes: AnyArray = shapely.box(self.bx0[b] + u0, y_lo, self.bx0[b] + u1, y_hi)
        return boxes


def place_town(rng: np.random.Generator, t: Tables, kinds_res: IntArray, target: int,
          centre: tuple[float, float]) -> Grid:
    """Add schools, parks, civic blocks and open land to the residential blocks and
    place them all on the grid around ``centre``, with the railway row."""
    side_block = t.col("side", "block")
    dwellings = np.bincount(side_block[t.col("dw", "side")], minlength=len(kinds_res))
    n_school = max(1, math.ceil(target / 2500))
    n_park = max(1, round(target / 1500))
    n_civic = max(1, round(target / 4000))
    specials = np.array([B_SCHOOL] * n_school + [B_PARK] * n_park + [B_CIVIC] * n_civic)
    n_blocks = len(kinds_res) + len(specials)
    cols = max(2, round(math.sqrt(n_blocks / (lay.CELL_W / lay.CELL_H))))
    rows = max(3, math.ceil(n_blocks / cols))
    # the railway row takes only blocks with street-facing sides or open land
    while np.isin(kinds_res, [B_SIDES, B_TEN]).sum() + rows * cols - n_blocks < cols:
        rows += 1
    kinds = np.concatenate([kinds_res, specials,
                            np.full(rows * cols - n_blocks, B_OPEN)]).astype(np.int64)
    dwellings = np.concatenate([dwellings, np.zeros(len(kinds) - len(dwellings),
                                                    dtype=np.int64)])
    rail_row = int(np.clip(rows // 2 + rng.integers(-1, 2), 1, rows - 2))
    bcol, brow = _place(rng, kinds, dwellings, rows=rows, cols=cols, rail_row=rail_row)
    x0 = round(centre[0] - cols * lay.CELL_W / 2)
    y0 = round(centre[1] - rows * lay.CELL_H / 2)
    xs = x0 + lay.CELL_W * np.arange(cols + 1)
    ys = y0 + lay.CELL_H * np.arange(rows + 1)
    bx0 = xs[bcol] + lay.MARGIN
    by0 = ys[brow] + lay.MARGIN
    rail = brow == rail_row
    return Grid(kinds=kinds, rows=rows, cols=cols, rail_row=rail_row, bcol=bcol, brow=brow,
                 xs=xs, ys=ys, bx0=bx0, by0=by0, by1=by0 + lay.FULL_D, rail=rail,
                 s_blk=side_block, s_north=t.col("side", "side") == 1,
                 s_back=np.where(rail[side_block], lay.RAIL_BACK_D, lay.BACK_D))


def _place(rng: np.random.Generator, kinds: IntArray, dwellings: IntArray, *, rows: int,
           cols: int, rail_row: int) -> tuple[IntArray, IntArray]:
    """Assign blocks to grid cells: denser blocks nearer the centre; only blocks with
    street-facing sides (or open land) in the railway row. Returns (col, row) per block."""
    n = len(kinds)
    res = np.isin(kinds, [B_SIDES, B_TEN, B_MS])
    score = np.zeros(n)
    score[res] = dwellings[res] * np.exp(rng.normal(0.0, 0.35, int(res.sum())))
    ref = np.sort(score[res])
    for kind, lo, hi in ((B_SCHOOL, 0.3, 0.7), (B_PARK, 0.1, 0.9), (B_CIVIC, 0.7, 0.95)):
        sel = kinds == kind
        q = rng.uniform(lo, hi, int(sel.sum()))
        score[sel] = ref[np.minimum((q * len(ref)).astype(np.int64), len(ref) - 1)]
    score[kinds == B_OPEN] = -1.0
    priority = np.argsort(-score, kind="stable")
    grid_c, grid_r = np.meshgrid(np.arange(cols), np.arange(rows))
    cc, rr = grid_c.ravel(), grid_r.ravel()
    dist = np.hypot((cc + 0.5 - cols / 2) * lay.CELL_W, (rr + 0.5 - rows / 2) * lay.CELL_H)
    cell_order = np.argsort(dist + rng.normal(0.0, 60.0, len(dist)), kind="stable")
    allowed_rail = np.isin(kinds, [B_SIDES, B_TEN, B_OPEN])
    used = np.zeros(n, dtype=bool)
    col = np.zeros(n, dtype=np.int64)
    row = np.zeros(n, dtype=np.int64)
    rail_left = int((rr == rail_row).sum())
    allowed_left = int(allowed_rail.sum())
    pointer = 0
    for cell in cell_order:
        rail_cell = rr[cell] == rail_row
        # keep enough allowed blocks back for the railway cells still to fill
        need_other = not rail_cell and allowed_left <= rail_left
        while used[priority[pointer]]:
            pointer += 1
        k = pointer
        while used[priority[k]] or (rail_cell and not allowed_rail[priority[k]]) or (
                need_other and allowed_rail[priority[k]]):
            k += 1
        block = priority[k]
        used[block] = True
        allowed_left -= int(allowed_rail[block])
        rail_left -= int(rail_cell)
        col[block], row[block] = cc[cell], rr[cell]
    return col, row
