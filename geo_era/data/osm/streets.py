"""The ``streets`` layer: the walking network osmnx builds from the walkable ways.

Ways are kept by osmnx's own ``"walk"`` network filter
(``osmnx._overpass._get_network_filter("walk")`` with the default ``access`` rule), copied
in :data:`~geo_era.data.osm.tags.WALK_EXCLUDE`: a way needs a ``highway`` tag, and is
dropped when a tag below *contains* one of the words (Overpass ``!~`` is a
regular-expression search, so ``motor`` also drops ``motorway_link``):

- ``highway``: abandoned, bus_guideway, construction, cycleway, motor, no, planned, platform,
  proposed, raceway, razed, rest_area, services (trunk roads stay: osmnx walks along them)
- ``area``: yes; ``access``: private; ``foot``: no; ``service``: private
- ``sidewalk``, ``sidewalk:both``, ``sidewalk:left``, ``sidewalk:right``: separate (the
  pavement is mapped as its own footway, which is kept instead)

The kept ways and their nodes go to a temporary XML file, because ``graph_from_xml`` makes a
graph of *every* way in a file, buildings included. The graph is built with
``graph_from_xml(simplify=True, retain_all=True)`` (osmnx's default ``bidirectional=False``; the
layer is undirected anyway) and turned into one row per street segment: a two-way street that
osmnx holds as two directed edges is one row.

- ``street_id``: ``osm-<u>-<v>-<key>``, the osmnx node ids with the smaller first and the
  parallel-edge key, stable for the same extract (synthetic negative node ids give ids such as
  ``osm--12-40-0``)
- ``name``, ``highway``: strings; a segment merged from several ways joins its distinct values,
  sorted, with ``;`` (``footway;steps``); ``name`` is empty when unnamed
- ``length_m``: the segment's length in British National Grid, like every other distance in
  geo_era. BNG's scale factor in Scotland is about 0.9996, so this is within about 0.04 % of the
  length on the ground. osmnx's own edge ``length`` is not used: it is a great-circle distance
  on a sphere, which at Aberdeen's latitude is up to 0.3 % short for east-west segments.

A walkable way that references nodes missing from the file (an extract clipped without complete
ways) keeps its longest run of nodes that are present.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
from osmnx._errors import GraphSimplificationError, InsufficientResponseError

from geo_era.contract.schema import WGS84
from geo_era.data.osm.reading import WalkScan, as_xml, offline_osmnx, scan_xml, write_walk_xml


def read_streets(xml_path: Path, scan: WalkScan, out: Path, shown: Path) -> gpd.GeoDataFrame:
    """The undirected walking network of the file as one LineString per street segment."""
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84))
    if write_walk_xml(xml_path, scan, out, shown) == 0:
        return empty
    try:
        graph = ox.graph_from_xml(out, simplify=True, retain_all=True)
    except (InsufficientResponseError, GraphSimplificationError):
        return empty
    if graph.number_of_edges() == 0:
        return empty
    undirected = ox.convert.to_undirected(graph)
    rows: list[dict[str, object]] = []
    for u, v, key, data in undirected.edges(keys=True, data=True):
        low, high = sorted((int(u), int(v)))
        rows.append({
            "street_id": f"osm-{low}-{high}-{key}",
            "name": _joined(data.get("name")),
            "highway": _joined(data.get("highway")),
            "length_m": np.nan,  # measured in BNG after projection
            "geometry": data["geometry"],
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def walking_graph(path: Path) -> nx.MultiDiGraph:
    """The osmnx walking graph of an OSM XML file, as :func:`layers_from_osm` builds it.

    Parameters
    ----------
    path
        An OSM XML or PBF file, as for :func:`layers_from_osm`.

    Returns
    -------
    networkx.MultiDiGraph
        ``graph_from_xml(simplify=True, retain_all=True)`` of the walkable ways, unprojected;
        empty when the file has none.
    """
    path = Path(path)
    shown = Path(path.name)
    with as_xml(path) as (xml_path, tmp):
        scan = scan_xml(xml_path, shown)
        out = tmp / "walk.osm"
        if write_walk_xml(xml_path, scan, out, shown) == 0:
            return nx.MultiDiGraph()
        with offline_osmnx():
            graph: nx.MultiDiGraph = ox.graph_from_xml(out, simplify=True, retain_all=True)
        return graph


def _joined(value: object) -> str:
    """An osmnx edge attribute as a string: lists joined by ``;``, missing as empty."""
    if isinstance(value, list):
        # osmnx merges the values of a simplified edge through a set: sort them so that the
        # output does not depend on the hash seed
        return ";".join(sorted({v for v in value if isinstance(v, str) and v}))
    if isinstance(value, str):
        return value
    return ""
