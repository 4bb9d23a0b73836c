"""The Arrow string-key helpers of the national load and import (issue 23 item 1) equal
pandas' own answers: codes as :func:`pandas.factorize`, positions as ``Index.get_indexer``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from geo_era.geometry.lookup import codes, positions

VALUES = ["12 Oak Road", None, "3 Elm Street", "12 Oak Road", "", "Flat 2/1, 9 Ash Row",
          "3 Elm Street", None, "caf\u00e9 row"]


@pytest.mark.parametrize("kind", ["arrow", "python", "object", "index"])
def test_codes_equal_pandas_factorize(kind: str) -> None:
    values = {"arrow": pd.Series(VALUES, dtype="string[pyarrow]"),
              "python": pd.Series(VALUES, dtype="string[python]"),
              "object": np.array(VALUES, dtype=object),
              "index": pd.Index(VALUES, dtype=object)}[kind]
    want, uniques = pd.factorize(np.array(VALUES, dtype=object), use_na_sentinel=True)
    got, distinct = codes(values)
    assert got.dtype == np.int64
    assert got.tolist() == want.tolist()
    assert distinct == len(uniques) == 5


def test_a_series_with_a_large_text_index_is_read_by_its_values() -> None:
    series = pd.Series(VALUES * 3, index=pd.Index([f"k{i}" for i in range(27)]),
                       dtype="string[pyarrow]")
    assert codes(series)[0].tolist() == pd.factorize(series)[0].tolist()


def test_a_column_in_pieces_is_coded_as_one() -> None:
    """A column read in chunks is an Arrow array in pieces: its codes run across them."""
    pieces = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(
        [["12 Oak Road", "3 Elm Street"], ["3 Elm Street", None, "12 Oak Road"]])))
    found, distinct = codes(pieces)
    assert found.tolist() == [0, 1, 1, -1, 0] and distinct == 2
    assert positions(pieces, pd.Index(["3 Elm Street"])).tolist() == [-1, 0, 0, -1, -1]


def test_positions_equal_get_indexer() -> None:
    among = pd.Index(["3 Elm Street", "12 Oak Road", "", "caf\u00e9 row"], dtype=object)
    got = positions(pd.Series(VALUES, dtype="string[pyarrow]"), among)
    want = among.get_indexer(pd.Index(VALUES, dtype=object))
    want[pd.isna(np.array(VALUES, dtype=object))] = -1  # missing is nowhere
    assert got.tolist() == want.tolist()
    assert got.tolist() == [1, -1, 0, 1, 2, -1, 0, -1, 3]
    assert positions(np.array([], dtype=object), among).tolist() == []
