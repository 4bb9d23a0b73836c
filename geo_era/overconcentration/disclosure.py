"""Statistical disclosure control for published counts (MAPPA over-concentration tables).

Councils publish how many registered sex offenders are housed in each area (council, ward,
data zone), sometimes split by a handful of columns. A published table must never let a
reader work out where one person lives: neither by reading a small count, nor by
subtracting the published cells of a row or column from its published total.
:func:`publishable` turns a table of exact counts into a table that may be published, by
the usual method for frequency tables in official statistics: primary suppression of
small counts, complementary ("secondary") suppression so that a suppressed count cannot
be recovered by differencing, rounding, and an audit of what an attacker can still infer
(Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, on frequency tables and
the attacker's linear programme; the GSS/ONS guidance on disclosure control of tables).
Suppressed counts are shown as ``[c]``, the Analysis Function's shorthand for
"confidential" (*Using symbols and shorthand in tables*, 2022). The exact table stays
with the caller: nothing here stores it.

The table and its margins
-------------------------
The input is an ``R x C`` table of exact counts. Published with it are the row totals, the
column totals and the grand total, all computed from the exact counts. A one-column table
(counts per data zone with a council total) is the common case: its row totals are its
cells and its column total is the grand total, so :meth:`Published.to_frame` shows no
"Total" column (and a one-row table no "Total" row).

The method
----------
1. **Primary suppression.** Every count, cell or total, under ``threshold`` (10 by
   default, zero included) is suppressed.
2. **Rounding.** Every other count is rounded to the nearest multiple of ``base`` (5):
   12 -> 10, 13 -> 15, 18 -> 20. With an odd base an integer is never half-way; with an
   even base a half-way value goes up (``base`` 10: 15 -> 20). Totals are rounded from
   the exact counts, so published cells need not add up to a published total.
3. **Secondary (complementary) suppression.** Every row and every column of the table
   with its margins (a row's total counts as one of its cells; the totals row and the
   totals column are lines too) that has a suppressed entry must have at least two. In
   each line left with one, the smallest published entry is suppressed too (by exact
   count, then cells before totals, then position), and this is repeated until no line
   has exactly one.
4. **Audit.** The attacker knows every published value ``v`` only to within the rounding
   (the exact count is in ``[v - base // 2, v + (base - 1) // 2]``: ``[v - 2, v + 2]``
   for base 5), knows that it is at least ``threshold`` (the suppression rule is
   published), that every count is at least 0, and the additive structure: every row
   sums to its total, every column to its total, the totals to the grand total. Counts
   are relaxed to real numbers. For every suppressed entry the audit computes the least
   and the greatest exact value consistent with all of that. An entry is **protected**
   when ``max - min >= threshold``. If one is not, the smallest published entry of its
   row or its column (whichever pins it more narrowly on its own; the smaller entry on a
   tie) is suppressed as well, step 3 is run again, and the table is audited
   again, until every suppressed entry is protected (at worst everything is suppressed,
   and nothing can be inferred). The audit of the final table is returned with it.

   The attacker's problem is the linear programme: minimise (maximise) one entry subject
   to the line equations and the bounds. Its constraint matrix is the incidence matrix of
   a bipartite network, so its optimum is an integer and can be found by max-flow/min-cut
   instead of by solving a linear programme per entry. Write the table with its margins
   as an ``(R + 1) x (C + 1)`` array ``y`` with the row and column totals negated
   (``y = x`` for cells and the grand total, ``y = -total`` for row and column totals):
   every row and every column of ``y`` then sums to zero, so ``y`` is a circulation on the
   complete bipartite graph of its rows and columns. Starting from the exact table (a
   feasible point), the most an entry can rise is the maximum flow from its column to
   its row in the residual network without that entry's own edge, and the most it can
   fall is the maximum flow the other way. A cut of that network is a set ``S`` of
   columns plus, for each other row, the cheaper of its two sides, so the minimum cut is
   the least, over the ``2 ** (C + 1)`` sets of columns, of a sum of per-row minima: the
   audit enumerates column sets (or row sets, whichever side is smaller) and is exact.
   On a 597 x 3 table of mostly small counts (some 1,900 suppressed entries) one audit
   takes about 1 ms and all of :func:`publishable` about 10 ms, where
   ``scipy.optimize.linprog(method="highs")``, two programmes per suppressed entry, takes
   about 15 ms a programme, a minute in all, for the same ranges. When both sides are
   wider than :data:`MAX_CUT_SIDE`, the audit falls back to those programmes.

What is not covered: tables that share cells with other published tables (a ward table
and a data-zone table of the same council must be protected together), and differencing
between publications of different years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from geo_era.errors import DataError

__all__ = [
    "BASE",
    "MARKER",
    "MAX_CUT_SIDE",
    "THRESHOLD",
    "TOTAL",
    "Published",
    "publishable",
    "round_to_base",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Counts under this are suppressed in a published table.
THRESHOLD = 10
#: Published counts are rounded to a multiple of this.
BASE = 5
#: The label of the totals row and column.
TOTAL = "Total"
#: How :meth:`Published.to_frame` shows a suppressed entry ("confidential", the GSS
#: convention for symbols in tables).
MARKER = "[c]"
#: The audit enumerates the ``2 ** (side + 1)`` subsets of the shorter side of the table
#: (its rows or its columns, with the total); when both sides are longer than this it
#: solves linear programmes instead.
MAX_CUT_SIDE = 10
#: Suppressed entries audited together (bounds the memory of the cut enumeration).
_AUDIT_CHUNK = 512


@dataclass(frozen=True, eq=False)
class Published:
    """A table that may be published, with what was suppressed and the audit.

    ``cells`` has the input's index and columns and nullable integer (``Int64``) values:
    the rounded count, or ``pd.NA`` where suppressed; ``row_totals`` and
    ``column_totals`` likewise; ``grand_total`` is None when suppressed. ``suppressed``
    and ``primary`` are boolean frames of the cells (primary: under the threshold;
    suppressed: primary or secondary); suppressed totals are the missing totals.

    ``audit`` has one row per suppressed entry, cells and totals (in a one-column table
    the row totals, which are its cells, and the grand total, which is its column total,
    are not repeated; nor in a one-row table its column totals): ``row`` and ``column``
    (the labels, :data:`TOTAL` for a margin), ``kind`` (``cell``, ``row total``,
    ``column total``, ``grand total``), ``primary``,
    ``min`` and ``max`` (the least and greatest exact value consistent with everything
    published; ``max`` may be infinite) and ``protected`` (``max - min >= threshold``).
    It is for the caller's records and must not be published with the table.
    """

    cells: pd.DataFrame
    row_totals: pd.Series
    column_totals: pd.Series
    grand_total: int | None
    suppressed: pd.DataFrame
    primary: pd.DataFrame
    audit: pd.DataFrame
    threshold: int
    base: int

    def to_frame(self, marker: str = MARKER) -> pd.DataFrame:
        """The table as published: the cells with a :data:`TOTAL` column (row totals) and
        a :data:`TOTAL` row (column totals and the grand total), suppressed entries shown
        as ``marker``; ready for ``to_csv`` or ``to_html``. A one-column table has no
        :data:`TOTAL` column (its row totals are its cells), a one-row table no
        :data:`TOTAL` row."""
        rows, columns = self.cells.shape
        table = self.cells.astype(object)
        if columns > 1:
            table[TOTAL] = self.row_totals.astype(object)
        if rows > 1:
            margin = list(self.column_totals.astype(object))
            if columns > 1:
                margin.append(self.grand_total)
            total_row = pd.DataFrame([margin], index=[TOTAL], columns=table.columns,
                                     dtype=object)
            table = pd.concat([table, total_row])
            table.index.name = self.cells.index.name
        table.columns.name = self.cells.columns.name
        shown = table.map(lambda v: marker if v is None or v is pd.NA else int(v))
        return shown.astype(object)


def round_to_base(values: npt.ArrayLike, base: int = 5) -> IntArray:
    """Round non-negative integer counts to the nearest multiple of ``base``: with base 5,
    12 -> 10, 13 -> 15 (an integer is never half-way between multiples of an odd base;
    with an even base a half-way value goes up, 15 -> 20 for base 10). Returns an int64
    array of the input's shape (0-d for a scalar)."""
    _check_base(base)
    counts = _as_counts(np.asarray(values), "values")
    return ((counts + base // 2) // base) * base


def publishable(counts: pd.DataFrame, *, threshold: int = THRESHOLD, base: int = BASE,
                force: npt.ArrayLike | None = None, known: npt.ArrayLike | None = None
                ) -> Published:
    """The publishable version of a table of exact counts (see the module's docstring):
    counts and totals under ``threshold`` suppressed, complementary suppression until
    every suppressed entry is protected against an attacker who knows the table's
    structure and every published value to within its rounding to ``base``.

    ``counts`` is areas x categories (one column is fine) of non-negative integers with
    unique labels, none of them :data:`TOTAL`. Raises :class:`~geo_era.errors.DataError`
    for anything else, or a ``threshold`` or ``base`` under 1.

    ``force`` (booleans, ``(R + 1) x (C + 1)``: the table with its row totals as a last
    column and its column totals and grand total as a last row) suppresses entries
    whatever their count, before complementary suppression: for tables published
    together, where an entry one table suppresses must be suppressed in the others.
    ``known`` (same shape) marks entries another publication gives whenever they are
    at least ``threshold``: the audit assumes the attacker knows them (to within the
    rounding) even where this table suppresses them, and never suppresses them to
    protect another entry (it would protect nothing)."""
    exact = _validated(counts, threshold, base)
    rows, columns = exact.shape
    table = _with_margins(exact)
    published = round_to_base(table, base)
    primary = table < threshold
    # Attacker's bounds on each entry of the table with its margins.
    lower = np.where(primary, 0, np.maximum(published - base // 2, threshold)).astype(float)
    upper = (published + (base - 1) // 2).astype(float)
    # Order of preference for complementary suppression: smallest exact count, then
    # cells before totals, then row-major position (np.argmin takes the first).
    margin = np.zeros(table.shape, dtype=bool)
    margin[rows, :] = True
    margin[:, columns] = True
    key = table * 2 + margin

    suppressed = primary.copy()
    if force is not None:
        suppressed |= _mask(force, table.shape, "force")
    public = np.zeros(table.shape, dtype=bool) if known is None else (
        _mask(known, table.shape, "known") & ~primary)
    key = np.where(public, np.iinfo(np.int64).max, key)
    while True:
        _complete_lines(suppressed, key)
        sign, y, y_lower, y_upper = _circulation(table, suppressed & ~public, lower, upper)
        low, high = _ranges(sign, y, y_lower, y_upper, suppressed & ~public)
        weak = suppressed & ~public & (high - low < threshold)
        if not weak.any():
            break
        more = _reinforcements(weak, suppressed, key, y_lower, y_upper)
        if not more.any():  # cannot happen without known entries: with everything
            # suppressed nothing is weak
            raise DataError("the table cannot be protected: what other publications "
                            "give pins a count this one would suppress")
        suppressed |= more

    cells = _frame(published[:rows, :columns], suppressed[:rows, :columns], counts)
    row_totals = _series(published[:rows, columns], suppressed[:rows, columns],
                         counts.index)
    column_totals = _series(published[rows, :columns], suppressed[rows, :columns],
                            counts.columns)
    return Published(
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total=None if suppressed[rows, columns] else int(published[rows, columns]),
        suppressed=pd.DataFrame(suppressed[:rows, :columns], index=counts.index,
                                columns=counts.columns),
        primary=pd.DataFrame(primary[:rows, :columns], index=counts.index,
                             columns=counts.columns),
        audit=_audit_frame(counts, suppressed & ~public, primary, low=low, high=high,
                           threshold=threshold),
        threshold=threshold,
        base=base,
    )


# --- validation ----------------------------------------------------------------------


def _mask(values: npt.ArrayLike, shape: tuple[int, ...], what: str) -> BoolArray:
    """A boolean mask of the table with its margins."""
    mask = np.asarray(values, dtype=bool)
    if mask.shape != shape:
        raise DataError(f"{what} has the shape {mask.shape}; the table with its margins "
                        f"has {shape}")
    return mask


def _check_base(base: object) -> None:
    if isinstance(base, bool) or not isinstance(base, int | np.integer) or base < 1:
        raise DataError(f"the rounding base must be a whole number of at least 1, not "
                        f"{base!r}")


def _as_counts(values: np.ndarray, what: str) -> IntArray:
    """``values`` as int64, refusing anything but finite non-negative whole numbers."""
    if values.dtype == np.bool_ or not (np.issubdtype(values.dtype, np.integer)
                                        or np.issubdtype(values.dtype, np.floating)):
        raise DataError(f"{what} must be whole-number counts, not {values.dtype} values")
    if np.issubdtype(values.dtype, np.floating):
        if not np.isfinite(values).all():
            raise DataError(f"{what} contain a missing or infinite value; every count must "
                            "be a non-negative whole number")
        if (values != np.floor(values)).any():
            raise DataError(f"{what} contain a fraction; every count must be a whole number")
    if (values < 0).any():
        raise DataError(f"{what} contain a negative number; counts cannot be negative")
    return values.astype(np.int64)


def _validated(counts: object, threshold: object, base: object) -> IntArray:
    """The exact counts as an int64 array, or a DataError saying what is wrong."""
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or \
            threshold < 1:
        raise DataError(f"the suppression threshold must be a whole number of at least 1, "
                        f"not {threshold!r}")
    _check_base(base)
    if not isinstance(counts, pd.DataFrame):
        raise DataError(f"counts must be a pandas DataFrame (areas x categories), not "
                        f"{type(counts).__name__}")
    if counts.shape[0] == 0 or counts.shape[1] == 0:
        raise DataError(f"counts must have at least one row and one column, not "
                        f"{counts.shape[0]} x {counts.shape[1]}")
    for labels, what in ((counts.index, "row"), (counts.columns, "column")):
        duplicated = labels[labels.duplicated()]
        if len(duplicated):
            raise DataError(f"{what} labels must be unique; {duplicated[0]!r} appears more "
                            "than once")
        if TOTAL in set(labels):
            raise DataError(f"{TOTAL!r} cannot be a {what} label: it is the label of the "
                            "published totals")
    for column in counts.columns:
        series = counts[column]
        dtype = series.dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            raise DataError(f"column {column!r} holds {dtype} values; counts must be "
                            "non-negative whole numbers")
        bad = series.isna().to_numpy()
        problem = "is missing"
        if not bad.any():
            values = series.to_numpy(dtype=float)
            bad = ~np.isfinite(values) | (values != np.floor(values)) | (values < 0)
            problem = "is not a non-negative whole number"
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise DataError(f"the count in row {counts.index[first]!r}, column {column!r} "
                            f"{problem} ({int(bad.sum())} such count"
                            f"{'' if bad.sum() == 1 else 's'} in the column); every count "
                            "must be a non-negative whole number")
    return counts.to_numpy(dtype=np.int64)


# --- the method ----------------------------------------------------------------------


def _with_margins(exact: IntArray) -> IntArray:
    """``exact`` with its row totals as a last column, column totals and grand total as a
    last row."""
    rows, columns = exact.shape
    table = np.zeros((rows + 1, columns + 1), dtype=np.int64)
    table[:rows, :columns] = exact
    table[:rows, columns] = exact.sum(axis=1)
    table[rows, :columns] = exact.sum(axis=0)
    table[rows, columns] = exact.sum()
    return table


def _complete_lines(suppressed: BoolArray, key: IntArray) -> None:
    """Suppress (in place), in every line with exactly one suppressed entry, its published
    entry of least ``key``; repeat until no line has exactly one. Rows do not share
    entries with rows, nor columns with columns, so each pass handles every row (then
    every column) at once."""
    sentinel = np.iinfo(np.int64).max
    while True:
        changed = False
        for axis in (1, 0):
            masked = np.where(suppressed, sentinel, key)
            # a line whose other entries are all known elsewhere has nothing to offer
            single = (suppressed.sum(axis=axis) == 1) & (masked.min(axis=axis) < sentinel)
            if not single.any():
                continue
            choice = masked.argmin(axis=axis)
            lines = np.flatnonzero(single)
            if axis == 1:
                suppressed[lines, choice[lines]] = True
            else:
                suppressed[choice[lines], lines] = True
            changed = True
        if not changed:
            return


def _circulation(table: IntArray, suppressed: BoolArray, lower: FloatArray,
                 upper: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The table as a circulation (module docstring): ``sign`` (-1 on row and column
    totals), ``y = sign * table`` and the attacker's bounds on ``y`` (a suppressed count
    is only known to be at least 0)."""
    sign = -np.ones(table.shape)
    sign[:-1, :-1] = 1.0
    sign[-1, -1] = 1.0
    x_lower = np.where(suppressed, 0.0, lower)
    x_upper = np.where(suppressed, np.inf, upper)
    y_lower = np.where(sign > 0, x_lower, -x_upper)
    y_upper = np.where(sign > 0, x_upper, -x_lower)
    return sign, sign * table, y_lower, y_upper


def _line_width(y_lower: FloatArray, y_upper: FloatArray, position: int) -> float:
    """How wide the range of entry ``position`` of one line (a row or column of the
    circulation, summing to zero) is from that line alone."""
    others = np.arange(len(y_lower)) != position
    high = min(y_upper[position], -y_lower[others].sum())
    low = max(y_lower[position], -y_upper[others].sum())
    return float(high - low)


def _reinforcements(weak: BoolArray, suppressed: BoolArray, key: IntArray,
                    y_lower: FloatArray, y_upper: FloatArray) -> BoolArray:
    """More entries to suppress for unprotected entries. For each (row-major) whose row
    and column have had nothing added this round: the published entry of least ``key``
    in whichever of its row and column pins it more narrowly on its own (both on a tie),
    or in the whole table when its row and column have nothing published."""
    sentinel = np.iinfo(np.int64).max
    masked = np.where(suppressed, sentinel, key)
    added = np.zeros_like(suppressed)
    rows_done = np.zeros(suppressed.shape[0], dtype=bool)
    columns_done = np.zeros(suppressed.shape[1], dtype=bool)
    for a, b in zip(*np.nonzero(weak), strict=True):
        if rows_done[a] or columns_done[b]:
            continue
        in_row, in_column = masked[a, :], masked[:, b]
        row_width = _line_width(y_lower[a, :], y_upper[a, :], int(b))
        column_width = _line_width(y_lower[:, b], y_upper[:, b], int(a))
        use_row = in_row.min() < sentinel and (row_width <= column_width
                                               or in_column.min() == sentinel)
        use_column = in_column.min() < sentinel and (column_width <= row_width
                                                     or in_row.min() == sentinel)
        pick: tuple[int, int]
        if use_row and (not use_column or in_row.min() <= in_column.min()):
            pick = (int(a), int(in_row.argmin()))
        elif use_column:
            pick = (int(in_column.argmin()), int(b))
        else:
            flat = masked.argmin()
            if masked.flat[flat] == sentinel:
                continue  # nothing left to suppress; cannot happen (everything is safe)
            row, column = np.unravel_index(flat, masked.shape)
            pick = (int(row), int(column))
        added[pick] = True
        masked[pick] = sentinel
        rows_done[[a, pick[0]]] = True
        columns_done[[b, pick[1]]] = True
    return added


def _ranges(sign: FloatArray, y: FloatArray, y_lower: FloatArray, y_upper: FloatArray,
            suppressed: BoolArray) -> tuple[FloatArray, FloatArray]:
    """The least and greatest exact count of every suppressed entry (NaN elsewhere)
    consistent with the bounds and the line equations of the circulation; by minimum
    cuts, or by linear programmes for tables wide on both sides."""
    mask = suppressed
    transpose = y.shape[0] < y.shape[1]
    if transpose:  # enumerate subsets of the shorter side
        y, y_lower, y_upper, mask = y.T, y_lower.T, y_upper.T, mask.T
    if y.shape[1] <= MAX_CUT_SIDE + 1:
        y_min, y_max = _ranges_by_cuts(y, y_lower, y_upper, mask)
    else:
        y_min, y_max = _ranges_by_lp(y_lower, y_upper, mask)
    if transpose:
        y_min, y_max = y_min.T, y_max.T
    # + 0.0 turns the -0.0 of a negated zero into 0.0
    low = np.where(sign > 0, y_min, -y_max) + 0.0
    high = np.where(sign > 0, y_max, -y_min) + 0.0
    return low, high


def _subset_sums(values: FloatArray, members: FloatArray) -> FloatArray:
    """``out[a, s]`` = the sum of ``values[a, b]`` over the columns ``b`` in subset ``s``
    (``members`` is the subsets x columns 0/1 matrix); +inf entries give +inf sums."""
    infinite = np.isinf(values)
    finite = np.where(infinite, 0.0, values) @ members.T
    return np.where(infinite.astype(float) @ members.T > 0, np.inf, finite)


def _ranges_by_cuts(y: FloatArray, y_lower: FloatArray, y_upper: FloatArray,
                    mask: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Least and greatest feasible value of the masked entries of the circulation ``y``,
    by enumerating the minimum cuts over subsets of its columns (module docstring)."""
    n = y.shape[1]
    subsets = np.arange(2 ** n)
    members = ((subsets[:, None] >> np.arange(n)) & 1).astype(float)
    complement = subsets ^ (2 ** n - 1)
    forward = _subset_sums(y_upper - y, members)    # room to rise, row -> column
    backward = _subset_sums(y - y_lower, members)   # room to fall, column -> row
    # Each row's cheaper side of a cut whose column side is the subset.
    per_row = np.minimum(forward[:, complement], backward)
    row_infinite = np.isinf(per_row)
    finite_total = np.where(row_infinite, 0.0, per_row).sum(axis=0)
    infinite_count = row_infinite.sum(axis=0)

    y_min = np.full(y.shape, np.nan)
    y_max = np.full(y.shape, np.nan)
    entries_a, entries_b = np.nonzero(mask)
    for start in range(0, len(entries_a), _AUDIT_CHUNK):
        a = entries_a[start:start + _AUDIT_CHUNK]
        b = entries_b[start:start + _AUDIT_CHUNK]
        own = per_row[a]
        own_infinite = np.isinf(own)
        others = np.where(infinite_count[None, :] - own_infinite > 0, np.inf,
                          finite_total[None, :] - np.where(own_infinite, 0.0, own))
        bit = (1 << b)[:, None]
        holds = (subsets[None, :] & bit) != 0
        # Rise: flow from column b back to row a; the cut holds column b, not row a.
        rise = others + backward[a[:, None], subsets[None, :] & ~bit]
        rise = np.where(holds, rise, np.inf).min(axis=1)
        # Fall: flow from row a to column b; the cut holds row a, not column b.
        fall = others + forward[a[:, None], complement[None, :] & ~bit]
        fall = np.where(holds, np.inf, fall).min(axis=1)
        y_max[a, b] = np.minimum(y_upper[a, b], y[a, b] + rise)
        y_min[a, b] = np.maximum(y_lower[a, b], y[a, b] - fall)
    return y_min, y_max


def _ranges_by_lp(y_lower: FloatArray, y_upper: FloatArray, mask: BoolArray
                  ) -> tuple[FloatArray, FloatArray]:
    """Least and greatest feasible value of the masked entries of the circulation, by two
    ``linprog(method="highs")`` programmes per entry (about 15 ms each for 2,400
    variables): for tables too wide on both sides for :func:`_ranges_by_cuts`."""
    m, n = y_lower.shape
    index = np.arange(m * n).reshape(m, n)
    equations = sp.vstack([
        sp.csr_array((np.ones(m * n), (np.repeat(np.arange(m), n), index.ravel())),
                     shape=(m, m * n)),
        sp.csr_array((np.ones(m * n), (np.tile(np.arange(n), m), index.ravel())),
                     shape=(n, m * n)),
    ]).tocsr()
    bounds = [(None if np.isinf(lo) else lo, None if np.isinf(hi) else hi)
              for lo, hi in zip(y_lower.ravel().tolist(), y_upper.ravel().tolist(),
                                strict=True)]
    rhs = np.zeros(m + n)
    y_min = np.full((m, n), np.nan)
    y_max = np.full((m, n), np.nan)
    for a, b in zip(*np.nonzero(mask), strict=True):
        objective = np.zeros(m * n)
        objective[index[a, b]] = 1.0
        for direction, out in ((1.0, y_min), (-1.0, y_max)):
            result = linprog(direction * objective, A_eq=equations, b_eq=rhs,
                             bounds=bounds, method="highs")
            if result.status == 3:
                out[a, b] = -direction * np.inf
            elif result.status == 0:
                # The constraint matrix is totally unimodular: optima are whole numbers.
                out[a, b] = float(np.round(direction * result.fun))
            else:
                raise RuntimeError(f"disclosure audit: linprog failed ({result.message})")
    return y_min, y_max


# --- output --------------------------------------------------------------------------


def _frame(values: IntArray, suppressed: BoolArray, like: pd.DataFrame) -> pd.DataFrame:
    """Rounded counts as nullable integers, missing where suppressed."""
    frame = pd.DataFrame(values, index=like.index, columns=like.columns).astype("Int64")
    return frame.mask(suppressed)


def _nullable(values: IntArray, suppressed: BoolArray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(values.astype(np.int64), suppressed.copy())


def _series(values: IntArray, suppressed: BoolArray, index: pd.Index) -> pd.Series:
    return pd.Series(_nullable(values, suppressed), index=index, name=TOTAL)


def _audit_frame(counts: pd.DataFrame, suppressed: BoolArray, primary: BoolArray, *,
                 low: FloatArray, high: FloatArray, threshold: int) -> pd.DataFrame:
    """One row per suppressed entry, without the duplicated margins of a one-row or
    one-column table."""
    rows, columns = counts.shape
    keep = suppressed.copy()
    if columns == 1:
        keep[:, columns] = False
    if rows == 1:
        keep[rows, :] = False
    a, b = np.nonzero(keep)
    row_labels = np.array([*counts.index, TOTAL], dtype=object)
    column_labels = np.array([*counts.columns, TOTAL], dtype=object)
    kinds = np.array([["cell", "row total"], ["column total", "grand total"]])
    return pd.DataFrame({
        "row": row_labels[a],
        "column": column_labels[b],
        "kind": kinds[(a == rows).astype(int), (b == columns).astype(int)],
        "primary": primary[a, b],
        "min": low[a, b],
        "max": high[a, b],
        "protected": high[a, b] - low[a, b] >= threshold,
    })
