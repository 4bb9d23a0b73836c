"""Ground-truth relations of the demo town, from the generator's layout indices.

Nothing here looks at output geometry: garden neighbours come from the plots' column and
level numbers within a block side and from the plots' integer extents along the block's
back line; close and floor groups come from the generator's close numbers. Tests compare
these relations with independent geometric checks of the written layers.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from geo_era.demo._tables import BoolArray, IntArray, ragged

_COL_STRIDE = 10_000  # more columns than any block side holds
_BLOCK_STRIDE = 1_000  # more metres than any block side is long

# plot levels within a side's column: the whole depth, the front part, the back part
FULL, FRONT, BACK = 0, 1, 2
#: (level of a plot, level of a plot in the next column) whose boundaries overlap
_NEXT_COLUMN = ((FULL, FULL), (FULL, FRONT), (FULL, BACK), (FRONT, FULL), (FRONT, FRONT),
                (BACK, FULL), (BACK, BACK))


def garden_pairs(side: IntArray, *, col: IntArray, level: IntArray, u0: IntArray,
                 u1: IntArray, block: IntArray, north: BoolArray,
                 rail: BoolArray) -> tuple[IntArray, IntArray]:
    """Pairs of own garden plots whose boundaries share a line of positive length.

    The plots of a block side are columns along the street (``col``), each either one
    plot running from the front line to the back line (``FULL``) or split into a front
    and a back plot at one depth common to the whole side. So two plots of a side border
    each other when they are the front and back of one column, or sit in neighbouring
    columns at overlapping depths (front-back across columns only meet at a corner). Plots
    reaching the back line border the plots of the block's other side reaching it, where
    their extents along the street (integer metres ``u0``-``u1``) overlap, unless a
    railway runs along the back line (``rail``).

    Parameters
    ----------
    side, col, level, u0, u1
        Per plot: its block side (a town-wide id), its column within the side, its level
        (``FULL``, ``FRONT``, ``BACK``) and its extent along the street in metres.
    block, north, rail
        Per plot: its block, whether its side faces north, whether a railway runs
        along its block's back line.

    Returns
    -------
    ``(i, j)`` positions into the plot arrays, each pair in both directions.
    """
    n = len(side)
    idx = np.arange(n, dtype=np.int64)
    key = (side * _COL_STRIDE + col) * 3 + level
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]

    def lookup(wanted: IntArray) -> IntArray:
        if n == 0:
            return np.full(len(wanted), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(sorted_key, wanted), n - 1)
        return np.where(sorted_key[pos] == wanted, order[pos], -1)

    out_i: list[IntArray] = []
    out_j: list[IntArray] = []
    front = idx[level == FRONT]
    match = lookup((side[front] * _COL_STRIDE + col[front]) * 3 + BACK)
    out_i.append(front[match >= 0])
    out_j.append(match[match >= 0])
    for mine, theirs in _NEXT_COLUMN:
        a = idx[level == mine]
        match = lookup((side[a] * _COL_STRIDE + col[a] + 1) * 3 + theirs)
        out_i.append(a[match >= 0])
        out_j.append(match[match >= 0])
    back_i, back_j = _back_line_pairs(idx[(level != FRONT) & ~rail], u0=u0, u1=u1,
                                      block=block, north=north)
    out_i.append(back_i)
    out_j.append(back_j)
    i = np.concatenate(out_i)
    j = np.concatenate(out_j)
    return np.concatenate([i, j]), np.concatenate([j, i])


def _back_line_pairs(back: IntArray, *, u0: IntArray, u1: IntArray, block: IntArray,
                     north: BoolArray) -> tuple[IntArray, IntArray]:
    """(south-side plot, north-side plot) pairs among the plots ``back`` reaching their
    block's back line, where their extents along the street overlap."""
    south_side = back[~north[back]]
    north_side = back[north[back]]
    nb = north_side[np.argsort(block[north_side] * _BLOCK_STRIDE + u0[north_side],
                               kind="stable")]
    nb0 = block[nb] * _BLOCK_STRIDE + u0[nb]
    nb1 = block[nb] * _BLOCK_STRIDE + u1[nb]
    lo = np.searchsorted(nb1, block[south_side] * _BLOCK_STRIDE + u0[south_side], "right")
    hi = np.searchsorted(nb0, block[south_side] * _BLOCK_STRIDE + u1[south_side], "left")
    owner, pos = ragged(np.maximum(hi - lo, 0))
    return south_side[owner], nb[lo[owner] + pos]


def group_pairs(key: IntArray) -> tuple[IntArray, IntArray]:
    """All ordered pairs of distinct rows sharing a key (rows with a negative key skipped).

    Returns
    -------
    ``(i, j)`` row positions, every pair in both directions.
    """
    rows = np.flatnonzero(key >= 0)
    order = rows[np.argsort(key[rows], kind="stable")]
    k = key[order]
    if len(k) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    start_of = np.repeat(starts, sizes)
    pos = np.arange(len(k)) - start_of
    owner, m = ragged(np.repeat(sizes, sizes) - 1)
    partner = m + (m >= pos[owner])
    return order[owner], order[start_of[owner] + partner]


def list_array(n: int, i: IntArray, j: IntArray,
               ids: pa.Array | pa.ChunkedArray) -> pa.LargeListArray:
    """One list per row ``0..n-1`` of the ids of its partners ``j`` (deduplicated, sorted).

    Parameters
    ----------
    n
        Number of rows.
    i, j
        Pairs of row positions: row ``i`` lists ``ids[j]``.
    ids
        The id of every row (a pyarrow string array, possibly chunked, of length ``n``).
    """
    key = np.sort(i.astype(np.int64) * n + j.astype(np.int64))
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
    ii, jj = np.divmod(key, n)
    offsets = np.searchsorted(ii, np.arange(n + 1)).astype(np.int64)
    values = ids.take(pa.array(jj))
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pa.LargeListArray.from_arrays(pa.array(offsets), values)
