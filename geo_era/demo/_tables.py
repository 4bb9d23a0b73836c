"""Column tables with integer cross-references, for the demo-town generator.

The generator builds a town as a few tables of numpy columns (sides of blocks, buildings,
plots, numbered frontages, closes, dwellings and adjacency pairs) that refer to each
other by row position. :class:`Tables` concatenates, filters and reorders them while
keeping every reference right, so each step can stay vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
AnyArray = npt.NDArray[Any]

#: (table, column) -> the table whose row positions the column holds (-1 = none).
REFS: dict[tuple[str, str], str] = {
    ("bldg", "side"): "side",
    ("plot", "side"): "side",
    ("plot", "dw"): "dw",
    ("plot", "bldg"): "bldg",
    ("unit", "side"): "side",
    ("close", "side"): "side",
    ("dw", "side"): "side",
    ("dw", "bldg"): "bldg",
    ("dw", "unit"): "unit",
    ("dw", "plot"): "plot",
    ("dw", "close"): "close",
    ("adj", "i"): "dw",
    ("adj", "j"): "dw",
}

TABLES: tuple[str, ...] = ("side", "bldg", "plot", "unit", "close", "dw", "adj")


def or_none(values: AnyArray, keep: BoolArray) -> AnyArray:
    """An object array of ``values`` where ``keep`` is true and None elsewhere."""
    out = np.empty(len(keep), dtype=object)
    out[keep] = np.broadcast_to(np.asarray(values, dtype=object), (len(keep),))[keep]
    return out


def ragged(counts: IntArray) -> tuple[IntArray, IntArray]:
    """Expand per-owner counts into (owner, position within owner) for every item.

    Parameters
    ----------
    counts
        Number of items of each owner (non-negative).

    Returns
    -------
    The owner index of every item and its 0-based position among its owner's items.
    """
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(starts, counts)
    return owner, pos


@dataclass
class Tables:
    """Named tables of equal-length numpy columns that refer to each other by row."""

    data: dict[str, dict[str, AnyArray]] = field(
        default_factory=lambda: {name: {} for name in TABLES})

    def length(self, table: str) -> int:
        """Number of rows of ``table`` (0 when it has no columns)."""
        columns = self.data[table]
        return len(next(iter(columns.values()))) if columns else 0

    def col(self, table: str, column: str) -> AnyArray:
        """One column."""
        return self.data[table][column]

    def set(self, table: str, **columns: AnyArray) -> None:
        """Add or replace columns of ``table`` (all of one length)."""
        self.data[table].update({k: np.asarray(v) for k, v in columns.items()})

    @staticmethod
    def concat(parts: list[Tables]) -> Tables:
        """Stack tables, offsetting every reference by the rows that precede it."""
        out = Tables()
        offsets = {name: 0 for name in TABLES}
        pieces: dict[str, dict[str, list[AnyArray]]] = {name: {} for name in TABLES}
        for part in parts:
            for name in TABLES:
                for column, values in part.data[name].items():
                    target = REFS.get((name, column))
                    shifted = values if target is None else np.where(
                        values >= 0, values + offsets[target], -1)
                    pieces[name].setdefault(column, []).append(shifted)
            for name in TABLES:
                offsets[name] += part.length(name)
        for name in TABLES:
            out.data[name] = {c: np.concatenate(v) for c, v in pieces[name].items()}
        return out

    def take(self, table: str, rows: IntArray) -> None:
        """Keep ``rows`` of ``table`` in that order and remap references to it.

        References to dropped rows become -1. Rows of other tables are unchanged.
        """
        n = self.length(table)
        new_index = np.full(n, -1, dtype=np.int64)
        new_index[rows] = np.arange(len(rows), dtype=np.int64)
        self.data[table] = {c: v[rows] for c, v in self.data[table].items()}
        for (name, column), target in REFS.items():
            if target == table and column in self.data[name]:
                values = self.data[name][column]
                self.data[name][column] = np.where(values >= 0, new_index[values], -1)
