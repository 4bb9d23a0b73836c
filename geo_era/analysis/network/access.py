"""Where points and sites join the walking graph: snapped points (:class:`Snap`) and
site access points (:class:`Access`), in metres along and off street edges
(EPSG:27700)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: A point further than this from every street is off the network (metres).
MAX_SNAP_M = 250.0
#: A polygon site can be entered from every street edge this close to it (metres).
ACCESS_RADIUS_M = 25.0


@dataclass(frozen=True)
class Snap:
    """Where points join the network: ``edge[k]`` (-1 when off network), the distance
    ``along`` that edge from its ``u`` end, and the straight ``offset`` to it (metres)."""

    edge: IntArray
    along: FloatArray
    offset: FloatArray


@dataclass(frozen=True)
class Access:
    """Access points of sites: ``site[k]`` (row in the sites frame) joins the network on
    ``edge[k]`` at ``along[k]`` metres from its ``u`` end, ``offset[k]`` metres away."""

    site: IntArray
    edge: IntArray
    along: FloatArray
    offset: FloatArray
    #: the point of the site reached (a point site, or the nearest point of a polygon's
    #: boundary to that edge), (k, 2)
    target: FloatArray
    #: positions of the access points ordered by edge (stable), to find those on a given
    #: edge by binary search; derived, not passed
    by_edge: IntArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_edge",
                           np.argsort(self.edge, kind="stable").astype(np.int64))

    def on_edges(self, edges: IntArray) -> tuple[IntArray, IntArray]:
        """Every (query, access point) pair with the access point on the query's edge:
        ``edges[q] == edge[k]``; queries in order, each one's access points in order."""
        edges = np.asarray(edges, dtype=np.int64)
        sorted_edge = self.edge[self.by_edge]
        lo = np.searchsorted(sorted_edge, edges, side="left")
        counts = np.searchsorted(sorted_edge, edges, side="right") - lo
        query = np.repeat(np.arange(len(edges), dtype=np.int64), counts)
        step = np.arange(len(query), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts,
                                                                 counts)
        return query, self.by_edge[np.repeat(lo, counts) + step]

    def of_sites(self, rows: IntArray) -> Access:
        """The access points of the sites ``rows`` (each site's in order), found by
        binary search rather than a pass over every access point."""
        by_site = self.__dict__.get("_by_site")
        if by_site is None:
            by_site = np.argsort(self.site, kind="stable").astype(np.int64)
            object.__setattr__(self, "_by_site", by_site)
        sorted_site = self.site[by_site]
        rows = np.asarray(rows, dtype=np.int64)
        lo = np.searchsorted(sorted_site, rows, side="left")
        counts = np.searchsorted(sorted_site, rows, side="right") - lo
        step = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(counts) - counts, counts)
        chosen = by_site[np.repeat(lo, counts) + step]
        return Access(self.site[chosen], self.edge[chosen], self.along[chosen],
                      self.offset[chosen], self.target[chosen])

    def subset(self, chosen: npt.NDArray[np.bool_]) -> Access:
        """The access points where ``chosen`` is true."""
        return Access(self.site[chosen], self.edge[chosen], self.along[chosen],
                      self.offset[chosen], self.target[chosen])

