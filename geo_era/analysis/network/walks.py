"""A store's walking network: the graph with the sites' access points and the walking
distance from every node to the nearest site of each category; built once, it answers
walks from a point to given sites (metres, EPSG:27700)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import numpy.typing as npt

from geo_era.analysis.network import distances
from geo_era.analysis.network.access import Access, FloatArray, IntArray, Snap
from geo_era.analysis.network.cache import walk_graph_for
from geo_era.analysis.network.distances import CategoryDistances, CategoryTable
from geo_era.analysis.network.graph import WalkGraph
from geo_era.data.layer_store import LayerStore
from geo_era.geometry.index import no_sites


def describe(graph: WalkGraph) -> dict[str, int | float]:
    """Nodes, edges, total length (km) and nodes left out of the largest component."""
    return {"nodes": graph.n_nodes, "edges": graph.n_edges,
            "length_km": round(float(graph.length.sum()) / 1000, 2),
            "nodes_outside_largest_component": graph.dropped_nodes}


@dataclass
class WalkNetwork:
    """The walking graph of a store's streets, with its sites' access points and the
    distance from every node to the nearest site of each category.

    Built once, it answers any number of queries, from any number of threads: queries
    only read it.
    """

    graph: WalkGraph
    sites: gpd.GeoDataFrame
    access: Access
    table: CategoryTable
    #: derived: each category's distances (views of ``table``), each site's id and name
    #: ("" when it has none), the categories that have a site, and :func:`describe` of
    #: the graph
    per_category: dict[str, CategoryDistances] = field(init=False, repr=False)
    site_ids: npt.NDArray[np.object_] = field(init=False, repr=False)
    site_names: npt.NDArray[np.object_] = field(init=False, repr=False)
    categories_present: frozenset[str] = field(init=False, repr=False)
    info: dict[str, int | float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sites = self.sites
        self.per_category = self.table.per_category
        self.site_ids = sites["site_id"].astype(str).to_numpy(dtype=object)
        self.site_names = (sites["name"].astype("string").fillna("").to_numpy(dtype=object)
                           if "name" in sites.columns
                           else np.full(len(sites), "", dtype=object))
        self.categories_present = frozenset(sites["category"].dropna().astype(str).unique())
        self.info = describe(self.graph)

    @classmethod
    def build(cls, graph: WalkGraph, sites: gpd.GeoDataFrame) -> WalkNetwork:
        sites = sites.reset_index(drop=True)
        access = graph.site_access(sites)
        return cls(graph, sites, access, graph.category_table(sites, access))

    def walks_to_sites(self, xy: Sequence[float] | FloatArray, site_rows: IntArray, *,
                       limit_m: float) -> tuple[FloatArray, str]:
        """Walking distance (m) from one point to each given site (``inf`` when not
        reachable within ``limit_m``) and the point's status: "on_network" or
        "off_network"."""
        point = np.asarray(xy, dtype=float).reshape(1, 2)
        return self.walks_from(self.graph.snap(point), site_rows, limit_m=limit_m)

    def walks_from(self, snap: Snap, site_rows: IntArray, *, limit_m: float
                   ) -> tuple[FloatArray, str]:
        """:meth:`walks_to_sites` for a point already snapped (a one-point ``snap``)."""
        site_rows = np.asarray(site_rows, dtype=np.int64)
        if snap.edge[0] < 0:
            return np.full(len(site_rows), np.inf), "off_network"
        wanted, inverse = np.unique(site_rows, return_inverse=True)
        sub = self.access.of_sites(wanted)
        if np.isfinite(limit_m):  # only the streets within reach (issue 23)
            walk = distances.near_access(self.graph, snap, sub, limit_m)
        else:
            walk = self.graph.to_access(snap, self.graph.from_points(snap), sub)[0]
        best = np.full(len(wanted), np.inf)
        np.minimum.at(best, np.searchsorted(wanted, sub.site), walk)
        out: FloatArray = best[inverse]
        out[out > limit_m] = np.inf
        return out, "on_network"


def walk_network_for(store: LayerStore) -> WalkNetwork:
    """The walking network of the streets and sites in a :class:`LayerStore`, with the
    graph cached under ``GEO_ERA_HOME/cache`` keyed by the streets layer's content."""
    graph = walk_graph_for(store)
    sites = store.read("sites") if store.has("sites") else no_sites()
    return WalkNetwork.build(graph, sites)
