"""Compiled walking searches (numba) on a graph's CSR arrays (lengths in metres).

:func:`walks_via_ends` answers one point's walks to given access points by two Dijkstra
searches bounded by a limit, one from each end of the point's street: what
``scipy.sparse.csgraph.dijkstra(matrix, indices=ends, limit=limit)`` gives, bit for bit
(a node's distance is the least of ``distance[neighbour] + length`` over its neighbours,
whatever order the search relaxes them in), at a cost that depends on the nodes within
the limit, not on the graph: no sub-matrix is cut and nothing of size n is made per call.

The searches write into a :class:`Scratch` (one distance per node, ``inf`` between
searches) borrowed from the graph's pool; each search resets only the nodes it touched.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from geo_era.geometry.kernels import jit_kernel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Scratch arrays a graph keeps between searches: more threads searching at once borrow
#: new ones, dropped afterwards.
SCRATCH_KEPT = 4


class Scratch(NamedTuple):
    """Per-search working memory: ``distance`` (``inf`` on every node between searches)
    and the nodes a search touched, to reset them."""

    distance: FloatArray
    touched: IntArray


class ScratchPool:
    """Scratch arrays for a graph of ``n`` nodes, lent one per search and thread."""

    def __init__(self, n: int) -> None:
        self._n = n
        self._free: list[Scratch] = []
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self) -> Iterator[Scratch]:
        with self._lock:
            scratch = self._free.pop() if self._free else None
        if scratch is None:
            scratch = Scratch(np.full(self._n, np.inf), np.empty(self._n, dtype=np.int64))
        try:
            yield scratch
        finally:
            with self._lock:
                if len(self._free) < SCRATCH_KEPT:
                    self._free.append(scratch)


@jit_kernel
def _bounded_search(indptr: IntArray, indices: IntArray, weights: FloatArray,
                    source: int, limit: float, distance: FloatArray,
                    touched: IntArray) -> int:
    """Dijkstra from ``source``: every node's distance, where at most ``limit``, written
    into ``distance`` (``inf`` everywhere on entry); the nodes written are
    ``touched[:count]``, count returned."""
    distance[source] = 0.0
    touched[0] = source
    count = 1
    heap: list[tuple[float, int]] = [(0.0, source)]
    while heap:
        d, node = heapq.heappop(heap)
        if d > distance[node]:
            continue  # an older entry: the node was reached shorter since
        for j in range(indptr[node], indptr[node + 1]):
            other = indices[j]
            nd = d + weights[j]
            if nd <= limit and nd < distance[other]:
                if distance[other] == np.inf:
                    touched[count] = other
                    count += 1
                distance[other] = nd
                heapq.heappush(heap, (nd, other))
    return count


@jit_kernel
def walks_via_ends(indptr: IntArray, indices: IntArray, weights: FloatArray,
                   scratch_distance: FloatArray, touched: IntArray,
                   ends: IntArray, start: FloatArray, limit: float,
                   nodes: IntArray, out: FloatArray) -> None:
    """For each of ``nodes``, the least of ``start[e] + walk(ends[e], node)`` over the
    ends (``inf`` where no walk of at most ``limit`` reaches it), written to ``out``:
    one bounded search from each end, the scratch reset after each."""
    out[:] = np.inf
    for e in range(len(ends)):
        count = _bounded_search(indptr, indices, weights, ends[e], limit,
                                scratch_distance, touched)
        s = start[e]
        for k in range(len(nodes)):
            out[k] = min(out[k], s + scratch_distance[nodes[k]])
        for t in range(count):
            scratch_distance[touched[t]] = np.inf


def warm_up() -> None:
    """Compile the walking searches (or load them from numba's cache on disk) now: a
    server calls this at start so that its first request does not wait for them."""
    indptr = np.array([0, 1, 2], dtype=np.int64)
    indices = np.array([1, 0], dtype=np.int64)
    weights = np.array([1.0, 1.0])
    pool = ScratchPool(2)
    with pool.borrow() as scratch:
        walks_via_ends(indptr, indices, weights, scratch.distance, scratch.touched,
                       np.array([0, 1], dtype=np.int64), np.array([0.5, 0.5]), 10.0,
                       np.array([0, 1], dtype=np.int64), np.empty(2))
