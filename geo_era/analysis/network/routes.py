"""The route a walk follows (EPSG:27700), from a point to the nearest site of a category:
the first leg along the point's own street, the streets of the shortest path, and the
last leg to the site's access point."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely
import shapely.ops

from geo_era.analysis.network.access import Access
from geo_era.analysis.network.distances import CategoryDistances

if TYPE_CHECKING:
    from geo_era.analysis.network.graph import WalkGraph


def route(graph: WalkGraph, xy: Sequence[float], cd: CategoryDistances, access: Access
          ) -> tuple[shapely.LineString, int] | None:
    """The walking route (EPSG:27700) from a point to the nearest site of a category,
    and that site's row; None when the point is off the network or nothing is
    reachable."""
    snap = graph.snap([xy])
    if snap.edge[0] < 0:
        return None
    e = int(snap.edge[0])
    via_u = snap.along[0] + cd.distance[graph.u[e]]
    via_v = graph.length[e] - snap.along[0] + cd.distance[graph.v[e]]
    node = int(graph.u[e] if via_u <= via_v else graph.v[e])
    if not np.isfinite(cd.distance[node]):
        return None
    first_leg = shapely.ops.substring(graph.geoms[e], float(snap.along[0]),
                                      0.0 if node == graph.u[e] else float(graph.length[e]))
    coords: list[list[float]] = [list(xy), *shapely.get_coordinates(first_leg).tolist()]
    node = _follow_path(graph, cd, node, coords)
    site = int(cd.entry_site[node])
    _last_leg(graph, access, site, node, coords)
    return shapely.LineString(coords), site


def _follow_path(graph: WalkGraph, cd: CategoryDistances, node: int,
                 coords: list[list[float]]) -> int:
    """Append the streets of the shortest path from ``node`` to ``coords``; return the
    node where the path meets the virtual source (the site's access)."""
    n = graph.n_nodes
    while True:
        nxt = int(cd.predecessor[node])
        if nxt < 0 or nxt >= n:
            return node
        edge = graph.edge_between(node, nxt)
        line = shapely.get_coordinates(graph.geoms[edge])
        coords.extend((line if graph.u[edge] == node else line[::-1]).tolist())
        node = nxt


def _last_leg(graph: WalkGraph, access: Access, site: int, node: int,
              coords: list[list[float]]) -> None:
    """Append the leg from ``node`` along the best access edge of ``site`` to the site."""
    mine = np.flatnonzero((access.site == site)
                          & ((graph.u[access.edge] == node) | (graph.v[access.edge] == node)))
    if not len(mine):
        return
    at_u = graph.u[access.edge[mine]] == node
    weight = access.offset[mine] + np.where(
        at_u, access.along[mine], graph.length[access.edge[mine]] - access.along[mine])
    k = int(mine[int(np.argmin(weight))])
    edge = int(access.edge[k])
    end = 0.0 if graph.u[edge] == node else float(graph.length[edge])
    leg = shapely.ops.substring(graph.geoms[edge], end, float(access.along[k]))
    coords.extend(shapely.get_coordinates(leg).tolist())
    coords.append(access.target[k].tolist())
