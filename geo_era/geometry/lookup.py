"""Positions of string keys in a column of unique keys, and codes of a column of strings,
by hashing in Arrow.

``pandas.Index.get_indexer`` on string keys converts both sides to Python objects
first: for 1.35 million plots against 2.6 million property ids (a national data set) it
takes about 13 s. ``pyarrow.compute.index_in`` hashes the Arrow buffers directly and
takes under 2 s for the same join (measured on this 2-core machine).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]


def _arrow_strings(values: object) -> pa.Array:
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    # the Series' array, not the Series: asking a Series with a large index of text for
    # ``__arrow_array__`` searches that index for the name
    array = pa.array(series.astype("string[pyarrow]").array)
    if isinstance(array, pa.ChunkedArray):  # a column read or built in pieces
        array = array.combine_chunks()
    return array.cast(pa.large_string()) if array.type != pa.large_string() else array


def positions(needles: object, keys: object) -> IntArray:
    """For each value of ``needles``, its position in ``keys`` (unique string keys), or
    -1 when it is absent or missing; like ``pd.Index(keys).get_indexer(needles)``."""
    haystack = _arrow_strings(keys)
    wanted = _arrow_strings(needles)
    if not len(wanted):
        return np.empty(0, dtype=np.int64)
    found = pc.index_in(wanted, value_set=haystack)
    out: IntArray = found.to_numpy(zero_copy_only=False).astype(float)
    return np.where(np.isnan(out), -1, out).astype(np.int64)


def codes(values: object) -> tuple[IntArray, int]:
    """Integer codes of ``values`` in order of first appearance, -1 where missing (as
    :func:`pandas.factorize`), and how many distinct values there are: Arrow's dictionary
    encoding, about ten times faster than pandas' factorize of Arrow strings (0.03 s
    against 0.3 s for 2.6 million on this machine)."""
    encoded = _arrow_strings(values).dictionary_encode()
    found = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return found.astype(np.int64), len(encoded.dictionary)
