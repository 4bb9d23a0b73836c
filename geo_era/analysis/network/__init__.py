"""Walking distances on the street network, beside straight-line distances.

A school 300 m away across a railway can be a 2 km walk. This package builds a walking
graph from the ``streets`` layer (which the OSM import fills by osmnx's walk rules) in
EPSG:27700, keeps its largest connected component, and answers:

- for every node and every site category, the walking distance to the nearest site of
  that category (one multi-source Dijkstra per category with ``scipy.sparse.csgraph``,
  from a virtual source joined to each site's access points), and the route to it;
- for one property, the walking distance to each site near it (a bounded Dijkstra from
  the two ends of the street it stands on).

Graph nodes are the end points of street lines (to 1 cm), never points where lines
cross: a bridge over a railway is not a junction. Points are *snapped* to the nearest
street edge, and the straight off-network distance is added to the walk. A point site
has one access point; a polygon site (school grounds, park) is reached at its boundary,
from every street edge within ``ACCESS_RADIUS_M`` of it and the nearest edge.

A property or site more than ``MAX_SNAP_M`` from any street is *off network*; a site
with no route within the search limit is *unreachable*. Both are said, never returned
as infinity.

Modules, one job each:

- :mod:`~geo_era.analysis.network.graph`: the graph, snapping and site access points;
- :mod:`~geo_era.analysis.network.distances`: shortest walks (Dijkstra, per category
  and from points) and the barrier flag;
- :mod:`~geo_era.analysis.network.routes`: the route a walk follows;
- :mod:`~geo_era.analysis.network.cache`: the graph cached under ``GEO_ERA_HOME/cache``
  (plain arrays, no Python objects read back);
- :mod:`~geo_era.analysis.network.walks`: :class:`WalkNetwork`, the graph with a
  store's sites, answering walks to sites.
"""

from geo_era.analysis.network.access import (
    ACCESS_RADIUS_M,
    MAX_SNAP_M,
    Access,
    FloatArray,
    IntArray,
    Snap,
)
from geo_era.analysis.network.cache import (
    CACHE_FORMAT,
    cache_key,
    load_graph,
    save_graph,
    walk_graph_for,
)
from geo_era.analysis.network.distances import (
    BARRIER_EXCESS_M,
    BARRIER_RATIO,
    CategoryDistances,
    walk_flag,
)
from geo_era.analysis.network.graph import NODE_PRECISION_M, WalkGraph
from geo_era.analysis.network.walks import WalkNetwork, describe, walk_network_for

__all__ = [
    "ACCESS_RADIUS_M",
    "BARRIER_EXCESS_M",
    "BARRIER_RATIO",
    "CACHE_FORMAT",
    "MAX_SNAP_M",
    "NODE_PRECISION_M",
    "Access",
    "CategoryDistances",
    "FloatArray",
    "IntArray",
    "Snap",
    "WalkGraph",
    "WalkNetwork",
    "cache_key",
    "describe",
    "load_graph",
    "save_graph",
    "walk_flag",
    "walk_graph_for",
    "walk_network_for",
]
