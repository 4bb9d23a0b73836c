"""OpenStreetMap extract → the contract layers ``buildings``, ``sites`` and ``streets``, offline.

:func:`layers_from_osm` reads an OSM XML (``.osm``, ``.osm.xml``, ``.xml``) or PBF (``.pbf``,
``.osm.pbf``) extract that is already on disk and returns the three layers of
``DATA-CONTRACT.md`` in British National Grid (EPSG:27700). Nothing touches the network: only
osmnx's *file* readers are called (``osmnx.features_from_xml``, ``osmnx.graph_from_xml``), and
while they run osmnx's service URLs point at an unroutable local address with the HTTP cache
off, so a mistaken download would fail at once instead of reaching Overpass or Nominatim.

How each format is read
-----------------------
**XML** goes straight to osmnx. **PBF** is first converted to a temporary OSM XML file with
pyosmium (every node with its id, location and tags, every way with its node references and
tags, every relation with its members), then runs through exactly the same XML code. One code
path means one set of rules and one set of tests. The cost: the XML is about 13 times the size
of the PBF on disk (Aberdeen: 45 KB PBF → 610 KB XML, in a temporary directory removed
afterwards), the conversion takes time linear in the file (milliseconds for a city centre), and
osmnx then holds the whole extract in memory as Python objects. That is fine for a town or a city
(tens of MB of PBF); for a country-size file, clip the area first, e.g.
``osmium extract -b <minlon>,<minlat>,<maxlon>,<maxlat> scotland.osm.pbf -o area.osm.pbf``.

buildings
---------
Every closed way and every multipolygon relation tagged ``building=*`` (except ``building=no``,
which OSM uses to say "not a building"), as a Polygon or MultiPolygon. Nodes tagged
``building`` are not footprints and are left out, as are unclosed ways.

- ``building_id``: ``osm-way-<id>`` or ``osm-relation-<id>``
- ``levels``: ``building:levels`` when it is a whole number ("4", "4.0"); missing otherwise
  ("3.5", "4;5", "ground" or no tag)
- ``building_type``: the ``building`` value (``yes``, ``apartments``, ``church`` …)

sites
-----
Tags map to the nine contract categories (:data:`geo_era.contract.schema.SITE_CATEGORIES`):

=====================  ========================================================================
category               OSM tags
=====================  ========================================================================
school                 ``amenity=school``
nursery                ``amenity=kindergarten``, ``amenity=childcare``
play_park              ``leisure=playground``
community_centre       ``amenity=community_centre``
place_of_worship       ``amenity=place_of_worship``
shop                   ``shop=*`` except ``shop=alcohol`` (licensed) and ``shop=no`` /
                       ``shop=vacant`` (an empty unit is not a shop)
licensed_premises      ``amenity=pub``, ``amenity=bar``, ``amenity=nightclub``, ``shop=alcohol``
sheltered_housing      ``amenity=social_facility`` with ``social_facility=assisted_living`` or
                       ``social_facility:for=senior``; ``social_facility=sheltered_housing``;
                       ``residential=sheltered_housing``
cctv                   ``man_made=surveillance``
=====================  ========================================================================

Nothing else becomes a site: not universities, colleges, restaurants, cafés, fast food,
casinos, strip clubs or cinemas. Values are compared case-insensitively and a semicolon list
(``amenity=bar;restaurant``) matches when any of its parts does. A feature that matches two
categories gets the first in :data:`SITE_PRIORITY`: children's sites first, then homes of adults
at risk, then places where people gather, licensed premises before shops (``shop=alcohol`` and a
pub that also tags ``shop=*`` are licensed premises), CCTV last.

- ``site_id``: ``osm-node-<id>``, ``osm-way-<id>`` or ``osm-relation-<id>``
- ``category``, ``name`` (OSM ``name``, empty when there is none)
- ``osm_tag``: the tag that decided the category, e.g. ``amenity=pub`` or ``shop=books``

Nodes stay points; closed ways and multipolygon relations stay polygons, because distances are
measured to a site's boundary. An unclosed way (a line) cannot be a site and is left out. A
place mapped twice in OSM (a node for the pub and a polygon for its building, both tagged) gives
two sites, as OSM has them.

streets
-------
The walking network. Ways are kept by osmnx's own ``"walk"`` network filter
(``osmnx._overpass._get_network_filter("walk")`` with the default ``access`` rule), copied in
:data:`WALK_EXCLUDE`: a way needs a ``highway`` tag, and is dropped when a tag below *contains*
one of the words (Overpass ``!~`` is a regular-expression search, so ``motor`` also drops
``motorway_link``):

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

Projection and errors
---------------------
Every layer is projected from WGS84 with ``GeoDataFrame.to_crs`` and its coordinates are checked
to be finite. A file that is missing, is not OSM XML or PBF, cannot be parsed, or holds no
buildings, no sites and no walkable streets raises :class:`geo_era.errors.DataError` naming the
file and what to do. An extract with some of the layers returns the others as empty frames with
the right columns and CRS.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pandas as pd
import shapely
from osmnx._errors import GraphSimplificationError, InsufficientResponseError
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo_era.contract.schema import BNG, SITE_CATEGORIES, WGS84
from geo_era.errors import DataError

__all__ = [
    "BUILDING_COLUMNS",
    "SITE_COLUMNS",
    "SITE_PRIORITY",
    "STREET_COLUMNS",
    "WALK_EXCLUDE",
    "is_walkable",
    "layers_from_osm",
    "site_category",
    "walking_graph",
]

logger = logging.getLogger(__name__)

XML_SUFFIXES = (".osm", ".xml")
PBF_SUFFIXES = (".pbf",)

#: Output columns (before ``geometry``) and their dtypes, in order.
BUILDING_COLUMNS: dict[str, str] = {"building_id": "object", "levels": "Int64",
                                    "building_type": "object"}
SITE_COLUMNS: dict[str, str] = {"site_id": "object", "category": "object", "name": "object",
                                "osm_tag": "object"}
STREET_COLUMNS: dict[str, str] = {"street_id": "object", "name": "object", "highway": "object",
                                  "length_m": "float64"}

#: Which category wins when one OSM feature matches two (see the module docstring).
SITE_PRIORITY: tuple[str, ...] = (
    "school",
    "nursery",
    "play_park",
    "sheltered_housing",
    "community_centre",
    "place_of_worship",
    "licensed_premises",
    "shop",
    "cctv",
)

if sorted(SITE_PRIORITY) != sorted(SITE_CATEGORIES):  # pragma: no cover - schema drift
    raise ImportError("geo_era.data.osm.SITE_PRIORITY must order exactly schema.SITE_CATEGORIES")

#: ``(key, value) → category`` for the plain one-tag rules.
_TAG_RULES: dict[tuple[str, str], str] = {
    ("amenity", "school"): "school",
    ("amenity", "kindergarten"): "nursery",
    ("amenity", "childcare"): "nursery",
    ("leisure", "playground"): "play_park",
    ("amenity", "community_centre"): "community_centre",
    ("amenity", "place_of_worship"): "place_of_worship",
    ("amenity", "pub"): "licensed_premises",
    ("amenity", "bar"): "licensed_premises",
    ("amenity", "nightclub"): "licensed_premises",
    ("shop", "alcohol"): "licensed_premises",
    ("social_facility", "sheltered_housing"): "sheltered_housing",
    ("residential", "sheltered_housing"): "sheltered_housing",
    ("man_made", "surveillance"): "cctv",
}
#: ``shop`` values that do not make a shop.
_NOT_A_SHOP = frozenset({"no", "vacant", "alcohol"})

#: The OSM keys a site or building can be recognised by (osmnx keeps features with any of them).
_FEATURE_KEYS = ("building", "amenity", "shop", "leisure", "man_made", "social_facility",
                 "social_facility:for", "residential")

#: osmnx's "walk" filter: ``(key, regex)`` pairs; a ``highway=*`` way is dropped when one of its
#: tags matches (regular-expression search, as Overpass ``!~`` does). Kept identical to
#: ``osmnx._overpass._get_network_filter("walk")`` with ``settings.default_access``; the tests
#: compare the two.
WALK_EXCLUDE: tuple[tuple[str, str], ...] = (
    ("area", "yes"),
    ("access", "private"),
    ("highway", "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|"
                "proposed|raceway|razed|rest_area|services"),
    ("foot", "no"),
    ("service", "private"),
    ("sidewalk", "separate"),
    ("sidewalk:both", "separate"),
    ("sidewalk:left", "separate"),
    ("sidewalk:right", "separate"),
)
_WALK_EXCLUDE_RE = tuple((key, re.compile(pattern)) for key, pattern in WALK_EXCLUDE)

#: osmnx settings pinned while it runs: no HTTP cache, no logs, service URLs unroutable, so that
#: a download can never happen by mistake; and the tags and CRS this module relies on.
_OFFLINE = "http://127.0.0.1:9/geo-era-offline"
_OSMNX_SETTINGS: dict[str, Any] = {
    "use_cache": False,
    "cache_only_mode": False,
    "log_console": False,
    "log_file": False,
    "overpass_url": _OFFLINE,
    "nominatim_url": _OFFLINE,
    "elevation_url_template": _OFFLINE,
    "doh_url_template": None,
    "requests_timeout": 1,
    "default_crs": "epsg:4326",
    "all_oneway": False,
    "useful_tags_node": ["highway", "ref"],
    "useful_tags_way": ["access", "area", "bridge", "est_width", "highway", "junction", "landuse",
                        "lanes", "maxspeed", "name", "oneway", "ref", "service", "tunnel",
                        "width"],
}
_OSMNX_LOCK = threading.Lock()


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def layers_from_osm(path: Path) -> dict[str, gpd.GeoDataFrame]:
    """Read an OSM extract and return its contract layers.

    Parameters
    ----------
    path
        An OSM XML (``.osm``, ``.osm.xml``, ``.xml``) or PBF (``.pbf``, ``.osm.pbf``) file.

    Returns
    -------
    dict[str, geopandas.GeoDataFrame]
        ``{"buildings": ..., "sites": ..., "streets": ...}``, each in EPSG:27700 with the
        columns of :data:`BUILDING_COLUMNS`, :data:`SITE_COLUMNS` and :data:`STREET_COLUMNS`
        then ``geometry``. A layer the extract does not hold is an empty frame with those
        columns.

    Raises
    ------
    DataError
        The file is missing, is not an OSM XML or PBF file, cannot be parsed, or holds no
        buildings, sites or walkable streets.
    """
    path = Path(path)
    started = time.perf_counter()
    with _as_xml(path) as (xml_path, tmp):
        layers = _layers_from_xml(xml_path, tmp, shown=path)
    if all(len(frame) == 0 for frame in layers.values()):
        raise DataError(
            f"OSM file '{path}' holds no buildings, sites or walkable streets; check that the "
            f"extract covers the area and was exported with its tags"
        )
    logger.info(
        "read %s: %d buildings, %d sites, %d street segments in %.2f s", path,
        len(layers["buildings"]), len(layers["sites"]), len(layers["streets"]),
        time.perf_counter() - started,
    )
    return layers


def site_category(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """Map one OSM feature's tags to a site category.

    Parameters
    ----------
    tags
        The feature's OSM tags.

    Returns
    -------
    tuple[str, str] or None
        ``(category, osm_tag)``, e.g. ``("licensed_premises", "amenity=pub")``, for the
        highest-priority match (:data:`SITE_PRIORITY`); ``None`` when no rule matches.
    """
    matches: dict[str, str] = {}
    for key, raw in tags.items():
        for value in _values(raw):
            category = _TAG_RULES.get((key, value.lower()))
            if category is not None:
                matches.setdefault(category, f"{key}={value}")
            if key == "shop" and value.lower() not in _NOT_A_SHOP:
                matches.setdefault("shop", f"shop={value}")
    if "social_facility" in {v.lower() for v in _values(tags.get("amenity"))}:
        for key, wanted in (("social_facility", "assisted_living"),
                            ("social_facility:for", "senior")):
            for value in _values(tags.get(key)):
                if value.lower() == wanted:
                    matches.setdefault("sheltered_housing", f"{key}={value}")
    for category in SITE_PRIORITY:
        if category in matches:
            return category, matches[category]
    return None


def is_walkable(tags: Mapping[str, str]) -> bool:
    """Whether a way belongs to the walking network (osmnx's ``"walk"`` filter).

    Parameters
    ----------
    tags
        The way's OSM tags.

    Returns
    -------
    bool
        True when the way has a ``highway`` tag and no tag in :data:`WALK_EXCLUDE` matches.
    """
    if "highway" not in tags:
        return False
    return not any(
        key in tags and pattern.search(tags[key]) for key, pattern in _WALK_EXCLUDE_RE
    )


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------


def _values(raw: object) -> list[str]:
    """Split an OSM tag value on ``;`` into its stripped, non-empty parts."""
    if not isinstance(raw, str):
        return []
    return [part.strip() for part in raw.split(";") if part.strip()]


@contextmanager
def _as_xml(path: Path) -> Iterator[tuple[Path, Path]]:
    """Check ``path`` and yield ``(OSM XML file, temporary directory)``; PBF is converted."""
    if not path.is_file():
        raise DataError(
            f"OSM file '{path}' does not exist or is not a file; check the path to the "
            f"OpenStreetMap extract (.osm, .osm.xml or .osm.pbf)"
        )
    suffix = path.suffix.lower()
    if suffix not in PBF_SUFFIXES + XML_SUFFIXES:
        raise DataError(
            f"'{path}' is not an OpenStreetMap file: the name must end in .osm, .osm.xml "
            f"or .osm.pbf; export the area as OSM XML or PBF"
        )
    with tempfile.TemporaryDirectory(prefix="geo_era_osm_") as name:
        tmp = Path(name)
        if suffix in PBF_SUFFIXES:
            xml_path = tmp / "extract.osm"
            _pbf_to_xml(path, xml_path)
            yield xml_path, tmp
        else:
            yield path, tmp


def _pbf_to_xml(pbf: Path, xml_path: Path) -> None:
    """Copy every node, way and relation of a PBF file into an OSM XML file with pyosmium."""
    try:
        with osmium.SimpleWriter(str(xml_path)) as writer:
            for obj in osmium.FileProcessor(str(pbf)):
                writer.add(obj)
    except RuntimeError as exc:  # libosmium reports bad input as RuntimeError
        raise DataError(
            f"OSM file '{pbf}' is not a readable OSM PBF file ({exc}); check that it is an "
            f"OpenStreetMap .osm.pbf extract and was not truncated"
        ) from None


def _layers_from_xml(xml_path: Path, tmp: Path, shown: Path) -> dict[str, gpd.GeoDataFrame]:
    """Build the three layers from an OSM XML file; ``shown`` is the name used in errors."""
    walk = _scan_xml(xml_path, shown)
    with _offline_osmnx():
        features = _read_features(xml_path, shown)
        streets = _read_streets(xml_path, walk, tmp / "walk.osm", shown)
    buildings = _buildings(features)
    sites = _sites(features)
    streets_bng = _to_bng(streets, shown, "streets")
    streets_bng["length_m"] = streets_bng.geometry.length.astype("float64")
    return {
        "buildings": _to_bng(buildings, shown, "buildings"),
        "sites": _to_bng(sites, shown, "sites"),
        "streets": streets_bng,
    }


class _WalkScan:
    """What the first pass over an XML file learnt: walkable ways and the nodes present."""

    def __init__(self) -> None:
        self.ways: list[tuple[str, list[int], dict[str, str]]] = []
        self.node_ids: set[int] = set()


def _iterparse(file: BinaryIO, shown: Path) -> Iterator[tuple[str, ET.Element]]:
    """Yield ``(event, element)`` from ``ET.iterparse`` turning parse errors into DataError."""
    try:
        yield from ET.iterparse(file, events=("start", "end"))
    except ET.ParseError as exc:
        raise DataError(
            f"OSM file '{shown}' is not valid XML ({exc}); check that it is an OpenStreetMap "
            f"XML export and was not truncated"
        ) from None


def _scan_xml(xml_path: Path, shown: Path) -> _WalkScan:
    """Check that the file is OSM XML and collect its walkable ways and node ids."""
    scan = _WalkScan()
    root: ET.Element | None = None
    with xml_path.open("rb") as file:
        for event, elem in _iterparse(file, shown):
            if root is None:
                root = elem
                if elem.tag != "osm":
                    raise DataError(
                        f"'{shown}' is XML but not an OpenStreetMap file (its root element is "
                        f"<{elem.tag}>, not <osm>); export the area as OSM XML or PBF"
                    )
                continue
            if event != "end" or elem.tag not in {"node", "way", "relation"}:
                continue
            try:
                if elem.tag == "node":
                    scan.node_ids.add(int(elem.attrib["id"]))
                elif elem.tag == "way":
                    tags = {t.attrib["k"]: t.attrib["v"] for t in elem.iter("tag")}
                    if is_walkable(tags):
                        refs = [int(nd.attrib["ref"]) for nd in elem.iter("nd")]
                        scan.ways.append((elem.attrib["id"], refs, tags))
            except (KeyError, ValueError):
                raise DataError(
                    f"OSM file '{shown}' has a <{elem.tag}> without a valid id, ref, k or v "
                    f"attribute; it is not a valid OSM XML file, export the area again"
                ) from None
            root.clear()  # keep memory flat: drop elements already read
    if root is None:
        raise DataError(f"OSM file '{shown}' is empty; export the area again")
    return scan


def _longest_present_run(refs: list[int], present: set[int]) -> list[int]:
    """The longest run of consecutive node refs that are present in the file."""
    best: list[int] = []
    run: list[int] = []
    for ref in [*refs, None]:
        if ref is not None and ref in present:
            run.append(ref)
            continue
        if len(run) > len(best):
            best = run
        run = []
    return best


def _write_walk_xml(xml_path: Path, scan: _WalkScan, out: Path, shown: Path) -> int:
    """Write the walkable ways and the nodes they use to ``out``; return how many ways."""
    ways: list[tuple[str, list[int], dict[str, str]]] = []
    for way_id, refs, tags in scan.ways:
        kept = refs if all(r in scan.node_ids for r in refs) else _longest_present_run(
            refs, scan.node_ids)
        if len(set(kept)) >= 2:
            ways.append((way_id, kept, tags))
    if not ways:
        return 0
    needed = {ref for _, refs, _ in ways for ref in refs}
    with out.open("wb") as sink, xml_path.open("rb") as file:
        sink.write(b"<?xml version='1.0' encoding='UTF-8'?>\n"
                   b'<osm version="0.6" generator="geo_era walk filter">\n')
        root: ET.Element | None = None
        for event, elem in _iterparse(file, shown):
            if root is None:
                root = elem
                continue
            if event == "end" and elem.tag in {"node", "way", "relation"}:
                if elem.tag == "node" and int(elem.attrib["id"]) in needed:
                    elem.tail = "\n"
                    sink.write(ET.tostring(elem, encoding="utf-8", xml_declaration=False))
                root.clear()
        for way_id, refs, tags in ways:
            way = ET.Element("way", {"id": way_id})
            for ref in refs:
                ET.SubElement(way, "nd", {"ref": str(ref)})
            for key, value in tags.items():
                ET.SubElement(way, "tag", {"k": key, "v": value})
            way.tail = "\n"
            sink.write(ET.tostring(way, encoding="utf-8", xml_declaration=False))
        sink.write(b"</osm>\n")
    return len(ways)


@contextmanager
def _offline_osmnx() -> Iterator[None]:
    """Pin osmnx's settings to :data:`_OSMNX_SETTINGS` for the block, then restore them."""
    with _OSMNX_LOCK:
        saved = {name: getattr(ox.settings, name) for name in _OSMNX_SETTINGS}
        try:
            for name, value in _OSMNX_SETTINGS.items():
                setattr(ox.settings, name, value)
            yield
        finally:
            for name, value in saved.items():
                setattr(ox.settings, name, value)


def _read_features(xml_path: Path, shown: Path) -> gpd.GeoDataFrame:
    """Every feature with a building or site key, from ``osmnx.features_from_xml``."""
    try:
        features = ox.features_from_xml(xml_path, tags=dict.fromkeys(_FEATURE_KEYS, True))
    except InsufficientResponseError:  # no feature carries any of the keys
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84))
    except (ET.ParseError, UnicodeDecodeError) as exc:
        raise DataError(
            f"OSM file '{shown}' could not be read as UTF-8 OSM XML ({exc}); save the extract "
            f"as UTF-8 OSM XML or PBF"
        ) from None
    return features


def _read_streets(xml_path: Path, scan: _WalkScan, out: Path, shown: Path) -> gpd.GeoDataFrame:
    """The undirected walking network of the file as one LineString per street segment."""
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84))
    if _write_walk_xml(xml_path, scan, out, shown) == 0:
        return empty
    try:
        graph = ox.graph_from_xml(out, simplify=True, retain_all=True)
    except (InsufficientResponseError, GraphSimplificationError):
        return empty
    if graph.number_of_edges() == 0:
        return empty
    undirected = ox.convert.to_undirected(graph)
    rows: list[dict[str, Any]] = []
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
    with _as_xml(path) as (xml_path, tmp):
        scan = _scan_xml(xml_path, path)
        out = tmp / "walk.osm"
        if _write_walk_xml(xml_path, scan, out, path) == 0:
            return nx.MultiDiGraph()
        with _offline_osmnx():
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


# ---------------------------------------------------------------------------------------------
# building the layers
# ---------------------------------------------------------------------------------------------


def _tag_records(features: gpd.GeoDataFrame) -> list[tuple[str, int, dict[str, str],
                                                          BaseGeometry]]:
    """``(element, id, tags, geometry)`` for every feature, tags without missing values."""
    if len(features) == 0:
        return []
    columns = [c for c in features.columns if c != "geometry"]
    records = []
    values = features[columns].to_numpy(dtype=object)
    for (element, osm_id), row, geom in zip(features.index, values, features.geometry,
                                            strict=True):
        tags = {c: v for c, v in zip(columns, row, strict=True) if isinstance(v, str)}
        records.append((str(element), int(osm_id), tags, geom))
    return records


def _polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """The polygonal part of a geometry (osmnx's ``make_valid`` can give a collection)."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    if isinstance(geom, LineString) and geom.is_closed and len(geom.coords) >= 4:
        ring = Polygon(geom.coords)
        return ring if ring.is_valid and not ring.is_empty else None
    if geom.geom_type == "GeometryCollection":
        parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon | MultiPolygon)]
        if parts:
            merged = shapely.union_all(parts)
            if isinstance(merged, Polygon | MultiPolygon) and not merged.is_empty:
                return merged
    return None


def _levels(raw: str | None) -> int | None:
    """``building:levels`` as a whole number of storeys, or None when it is not one."""
    if raw is None:
        return None
    try:
        number = float(raw.strip())
    except ValueError:
        return None
    if not np.isfinite(number) or number < 0 or number != int(number):
        return None
    return int(number)


def _buildings(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The ``buildings`` layer (WGS84) from the osmnx features."""
    rows = []
    for element, osm_id, tags, geom in _tag_records(features):
        building = tags.get("building")
        if element == "node" or building is None or building.strip().lower() == "no":
            continue
        polygon = _polygonal(geom) if not isinstance(geom, LineString) else None
        if polygon is None:
            logger.debug("building %s %s is not a closed area; left out", element, osm_id)
            continue
        rows.append({"building_id": f"osm-{element}-{osm_id}",
                     "levels": _levels(tags.get("building:levels")),
                     "building_type": building, "geometry": polygon})
    return _frame(rows, BUILDING_COLUMNS, WGS84)


def _sites(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The ``sites`` layer (WGS84) from the osmnx features."""
    rows = []
    for element, osm_id, tags, geom in _tag_records(features):
        match = site_category(tags)
        if match is None:
            continue
        site_geom: BaseGeometry | None = geom if element == "node" else _polygonal(geom)
        if site_geom is None or site_geom.is_empty:
            logger.debug("site %s %s is not a point or closed area; left out", element, osm_id)
            continue
        category, osm_tag = match
        rows.append({"site_id": f"osm-{element}-{osm_id}", "category": category,
                     "name": tags.get("name", ""), "osm_tag": osm_tag, "geometry": site_geom})
    return _frame(rows, SITE_COLUMNS, WGS84)


def _frame(rows: list[dict[str, Any]], columns: Mapping[str, str], crs: str) -> gpd.GeoDataFrame:
    """A GeoDataFrame with exactly ``columns`` (typed) then ``geometry``, possibly empty."""
    data = {name: pd.Series([r[name] for r in rows], dtype=dtype)
            for name, dtype in columns.items()}
    geometry = gpd.GeoSeries([r["geometry"] for r in rows], crs=crs)
    return gpd.GeoDataFrame(data, geometry=geometry, crs=crs)


def _to_bng(frame: gpd.GeoDataFrame, shown: Path, layer: str) -> gpd.GeoDataFrame:
    """Project a layer to EPSG:27700 with the contract columns, checking coordinates."""
    columns = {"buildings": BUILDING_COLUMNS, "sites": SITE_COLUMNS,
               "streets": STREET_COLUMNS}[layer]
    if len(frame) == 0 or not set(columns) <= set(frame.columns):
        return _frame([], columns, BNG)
    projected = frame.to_crs(BNG)
    coords = shapely.get_coordinates(projected.geometry.to_numpy())
    if not np.isfinite(coords).all():
        raise DataError(
            f"OSM file '{shown}': layer '{layer}' has coordinates that cannot be projected to "
            f"British National Grid (EPSG:27700); check that the extract is OSM data for Great "
            f"Britain with valid latitudes and longitudes"
        )
    out = projected[[*columns, "geometry"]].reset_index(drop=True)
    for name, dtype in columns.items():
        out[name] = out[name].astype(dtype)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=BNG)
