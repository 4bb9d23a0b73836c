"""Reading an OSM file: the file checked, PBF converted to XML, the XML scanned for
walkable ways, the walking ways written to an XML file of their own, and osmnx run
offline.

How each format is read
-----------------------
**XML** goes straight to osmnx. **PBF** is first converted to a temporary OSM XML file with
pyosmium (every node with its id, location and tags, every way with its node references and
tags, every relation with its members), then runs through exactly the same XML code. One code
path means one set of rules and one set of tests. The cost: the XML is about 13 times the size
of the PBF on disk (Aberdeen: 45 KB PBF → 610 KB XML, in a temporary directory removed
afterwards), the conversion takes time linear in the file (milliseconds for a city centre), and
osmnx then holds the whole extract in memory as Python objects. That is fine for a town or a city
(tens of MB of PBF); a country-size file (all of Scotland) is streamed instead by
:func:`geo_era.data.osm.stream.stream_pbf_layers`, which writes the same layers without XML or
osmnx in bounded memory, or clipped first, e.g.
``osmium extract -b <minlon>,<minlat>,<maxlon>,<maxlat> scotland.osm.pbf -o area.osm.pbf``.
"""

from __future__ import annotations

import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import osmium
import osmnx as ox

from geo_era.data.osm.tags import is_walkable
from geo_era.data.sniff import Kind, mismatch
from geo_era.errors import DataError

XML_SUFFIXES = (".osm", ".xml")

PBF_SUFFIXES = (".pbf",)

#: osmnx settings pinned while it runs: no HTTP cache, no logs, service URLs unroutable, so that
#: a download can never happen by mistake; and the tags and CRS this module relies on.
_OFFLINE = "http://127.0.0.1:9/geo-era-offline"

_OSMNX_SETTINGS: dict[str, object] = {
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


@contextmanager
def as_xml(path: Path, *, max_elements: int | None = None) -> Iterator[tuple[Path, Path]]:
    """Check ``path`` and yield ``(OSM XML file, temporary directory)``; PBF is converted.

    The content must be what the name says (:func:`geo_era.data.sniff.mismatch`: XML
    without a DOCTYPE, or PBF starting with an OSMHeader block); a PBF file with more
    than ``max_elements`` nodes, ways and relations is refused while it is converted.
    Messages name the file by its own name only.
    """
    if not path.is_file():
        raise DataError(
            f"OSM file '{path.name}' does not exist or is not a file; check the path to the "
            f"OpenStreetMap extract (.osm, .osm.xml or .osm.pbf)"
        )
    suffix = path.suffix.lower()
    if suffix not in PBF_SUFFIXES + XML_SUFFIXES:
        raise DataError(
            f"'{path.name}' is not an OpenStreetMap file: the name must end in .osm, .osm.xml "
            f"or .osm.pbf; export the area as OSM XML or PBF"
        )
    problem = mismatch(path, Kind.OSM_PBF if suffix in PBF_SUFFIXES else Kind.OSM_XML)
    if problem is not None:
        raise DataError(f"OSM file '{path.name}' {problem}")
    with tempfile.TemporaryDirectory(prefix="geo_era_osm_") as name:
        tmp = Path(name)
        if suffix in PBF_SUFFIXES:
            xml_path = tmp / "extract.osm"
            _pbf_to_xml(path, xml_path, max_elements=max_elements)
            yield xml_path, tmp
        else:
            yield path, tmp


def _pbf_to_xml(pbf: Path, xml_path: Path, *, max_elements: int | None) -> None:
    """Copy every node, way and relation of a PBF file into an OSM XML file with pyosmium,
    refusing the file once it has held more than ``max_elements`` of them."""
    try:
        with osmium.SimpleWriter(str(xml_path)) as writer:
            for count, obj in enumerate(osmium.FileProcessor(str(pbf)), start=1):
                if max_elements is not None and count > max_elements:
                    raise DataError(too_many_elements(pbf.name, max_elements))
                writer.add(obj)
    except RuntimeError:  # libosmium reports bad input as RuntimeError (naming the path)
        raise DataError(
            f"OSM file '{pbf.name}' is not a readable OSM PBF file; check that it is an "
            f"OpenStreetMap .osm.pbf extract and was not truncated"
        ) from None


def too_many_elements(name: str, max_elements: int) -> str:
    """The message for an OSM file with more than ``max_elements`` elements."""
    return (f"OSM file '{name}' holds more than {max_elements:,} nodes, ways and relations, "
            "the most one import reads (GEO_ERA_IMPORT_MAX_ROWS); clip the area first, e.g. "
            "osmium extract -b <minlon>,<minlat>,<maxlon>,<maxlat>, or stream a whole "
            "country's .osm.pbf with geo-era import --format osm")


class WalkScan:
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


def scan_xml(xml_path: Path, shown: Path, *, max_elements: int | None = None) -> WalkScan:
    """Check that the file is OSM XML and collect its walkable ways and node ids; refuse
    it when it holds more than ``max_elements`` nodes, ways and relations."""
    scan = WalkScan()
    root: ET.Element | None = None
    elements = 0
    with xml_path.open("rb") as file:
        for event, elem in _iterparse(file, shown):
            if event == "start" and elem.tag in {"node", "way", "relation"}:
                elements += 1
                if max_elements is not None and elements > max_elements:
                    raise DataError(too_many_elements(shown.name, max_elements))
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


def write_walk_xml(xml_path: Path, scan: WalkScan, out: Path, shown: Path) -> int:
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
def offline_osmnx() -> Iterator[None]:
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
