"""What a file really is, checked from its content before any reader opens it.

A file's name says which format it should be (:func:`kind_of`); :func:`mismatch` then
checks the bytes against that format, and a file whose content is something else (a
``sites.geojson`` that is really an OGR VRT pointing at a file on the server, a
``sites.gpkg`` that is the case database) is refused before GDAL, pyarrow, pandas or
libosmium sees it. Each format is then read by its own reader only
(:data:`GDAL_DRIVERS`). The checks read a few kilobytes, except two scans that stream the
whole file: a GeoJSON file's ``crs`` members (a ``link`` CRS makes GDAL fetch a URL) and a
GeoPackage's schema (a virtual table other than the spatial index can read other files).

The checks, by format:

- GeoPackage: a SQLite 3 database whose application id is ``GPKG`` (or ``GP10``/``GP11``
  of GeoPackage 1.0/1.1), with no virtual table but the R*Tree spatial index;
- GeoJSON: a JSON object with ``"type": "FeatureCollection"`` near its start, and no CRS
  given by ``link`` or ``url``;
- GeoParquet: ``PAR1`` at both ends (not encrypted);
- Shapefile: the ``.shp`` (and ``.shx``) file code 9994 and version 1000, a dBASE
  ``.dbf``, a plain-text ``.prj`` and ``.cpg``;
- CSV: UTF-8 text without NUL bytes that is not markup (``<...``);
- OSM XML: XML (``<?xml`` or ``<osm``) with no DOCTYPE (so no entities);
- OSM PBF: a first blob whose header says ``OSMHeader``.

Messages name no path: the caller puts the file's own name before them.
"""

from __future__ import annotations

import json
import re
import sqlite3
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote as url_quote


class Kind(StrEnum):
    """A format geo_era reads; the value is how messages name it."""

    GEOPACKAGE = "GeoPackage"
    GEOJSON = "GeoJSON"
    PARQUET = "GeoParquet"
    SHAPEFILE = "Shapefile"
    CSV = "CSV"
    OSM_XML = "OSM XML"
    OSM_PBF = "OSM PBF"


#: The format each file name suffix stands for.
SUFFIXES: dict[str, Kind] = {
    ".gpkg": Kind.GEOPACKAGE, ".geojson": Kind.GEOJSON, ".json": Kind.GEOJSON,
    ".parquet": Kind.PARQUET, ".geoparquet": Kind.PARQUET, ".shp": Kind.SHAPEFILE,
    ".csv": Kind.CSV, ".osm": Kind.OSM_XML, ".xml": Kind.OSM_XML, ".pbf": Kind.OSM_PBF,
}

#: The one GDAL driver that reads each format read through GDAL (the others are read by
#: pyarrow, pandas and libosmium); no other driver is needed to read an import.
GDAL_DRIVERS: dict[Kind, str] = {
    Kind.GEOPACKAGE: "GPKG", Kind.GEOJSON: "GeoJSON", Kind.SHAPEFILE: "ESRI Shapefile",
}

#: A Shapefile's companions that geo_era reads with it.
SHAPEFILE_COMPANIONS = (".shx", ".dbf", ".prj", ".cpg")

#: How much of a file the header checks read.
HEAD_BYTES = 64 * 1024

_SQLITE_MAGIC = b"SQLite format 3\x00"
#: "GPKG", "GP10", "GP11": the application ids of GeoPackage 1.2+, 1.0 and 1.1.
_GPKG_APPLICATION_IDS = frozenset({0x47504B47, 0x47503130, 0x47503131})
_VIRTUAL_TABLE = re.compile(r"CREATE\s+VIRTUAL\s+TABLE", re.IGNORECASE)
_RTREE = re.compile(r"USING\s+rtree\s*\(", re.IGNORECASE)

#: dBASE version bytes a Shapefile's .dbf starts with.
_DBF_VERSIONS = frozenset({0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83,
                           0x8B, 0x8E, 0xCB, 0xE5, 0xF5, 0xFB})

#: A ``crs`` member of a GeoJSON object, however its letters are escaped (GDAL matches
#: member names without regard to case).
_CRS_MEMBER = re.compile(rb'"(?:c|\\u00[46]3)(?:r|\\u00[57]2)(?:s|\\u00[57]3)"\s{0,64}:',
                         re.IGNORECASE)
_FEATURE_COLLECTION = re.compile(rb'"type"\s{0,64}:\s{0,64}"FeatureCollection"')
#: How much of the file after a ``crs`` member is read to decode its value.
_CRS_WINDOW = 64 * 1024
_SCAN_BLOCK = 8 * 1024 * 1024
_GEOJSON_HEAD = 1024 * 1024

_HOW_TO_FIX = ("export the layer again in the format its name says, or give the file the "
               "name of its real format")


def kind_of(path: Path) -> Kind | None:
    """The format ``path``'s name says it is (``.osm.pbf`` is PBF), or ``None``."""
    return SUFFIXES.get(path.suffix.lower())


def mismatch(path: Path, kind: Kind) -> str | None:
    """Why the content of ``path`` is not ``kind`` (a sentence to follow the file's name,
    e.g. "is XML, not GeoJSON; ..."), or ``None`` when it is."""
    head = _head(path, HEAD_BYTES)
    if not head.strip():
        return "is empty; export it again"
    check = _CHECKS[kind]
    return check(path, head)


def _head(path: Path, size: int) -> bytes:
    with path.open("rb") as file:
        return file.read(size)


def _markup(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


#: What each format starts with, to say when a file does not.
_EXPECTED: dict[Kind, str] = {
    Kind.GEOPACKAGE: "a GeoPackage is a SQLite database",
    Kind.GEOJSON: 'GeoJSON is a JSON object: {"type": "FeatureCollection", ...}',
    Kind.PARQUET: "a Parquet file starts and ends with PAR1",
    Kind.SHAPEFILE: "a Shapefile's .shp starts with the file code 9994",
    Kind.CSV: "CSV is plain text",
}


def _what_it_is(head: bytes) -> str | None:
    """A few words on what a mismatched file looks like, if it is something known."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"<OGRVRTDataSource" in head or b"<VRTDataset" in head:
        return "a GDAL virtual format file (VRT), which points at other files"
    if text.startswith(b"<"):
        return "XML"
    if head.startswith(_SQLITE_MAGIC):
        return "a SQLite database"
    if text.startswith((b"{", b"[")):
        return "JSON"
    if head.startswith(b"PAR1"):
        return "Parquet"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    return None


def _not(head: bytes, kind: Kind) -> str:
    what = _what_it_is(head)
    found = f"is {what}, not {kind.value}" if what else f"is not {kind.value} ({_EXPECTED[kind]})"
    return f"{found}; {_HOW_TO_FIX}"


# --- GeoPackage ------------------------------------------------------------------------


def _geopackage(path: Path, head: bytes) -> str | None:
    if not head.startswith(_SQLITE_MAGIC) or len(head) < 100:
        return _not(head, Kind.GEOPACKAGE)
    if int.from_bytes(head[68:72], "big") not in _GPKG_APPLICATION_IDS:
        return ("is a SQLite database but not a GeoPackage (its application id is not "
                "GPKG); export the layers as a GeoPackage")
    try:
        schema = _sqlite_schema(path)
    except sqlite3.Error:
        return "is a damaged GeoPackage (its schema cannot be read); export it again"
    for name, sql in schema:
        if _VIRTUAL_TABLE.search(sql) and not _RTREE.search(sql):
            return (f"holds a virtual table ({name[:40]!r}), which can read other files; "
                    "export the layers into a new GeoPackage")
    return None


def _sqlite_schema(path: Path) -> list[tuple[str, str]]:
    """``(name, sql)`` of every object in a SQLite file's schema, read without changing
    the file, its journal or its WAL, and without running anything the schema holds."""
    uri = f"file:{url_quote(str(path.resolve()))}?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True)
    try:
        connection.execute("PRAGMA trusted_schema = OFF")
        rows = connection.execute("SELECT name, sql FROM sqlite_master").fetchall()
    finally:
        connection.close()
    return [(str(name), str(sql or "")) for name, sql in rows]


# --- GeoJSON ---------------------------------------------------------------------------


def _geojson(path: Path, head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return _not(head, Kind.GEOJSON)
    if not _FEATURE_COLLECTION.search(_head(path, _GEOJSON_HEAD)):
        return ('is not a GeoJSON FeatureCollection (no "type": "FeatureCollection" near its '
                'start); export the layer as GeoJSON')
    if _linked_crs(path):
        return ("gives its CRS as a link to fetch, which geo_era never follows; give the CRS "
                'by name (e.g. "crs": {"type": "name", "properties": {"name": '
                '"EPSG:27700"}}) or use longitude/latitude (EPSG:4326)')
    return None


def _linked_crs(path: Path) -> bool:
    """Whether any ``crs`` member of the file is a ``link``/``url`` CRS (or cannot be
    decoded), streaming the file in blocks."""
    carried = b""
    with path.open("rb") as file:
        while True:
            block = file.read(_SCAN_BLOCK)
            data = carried + block
            settled = len(data) if not block else max(len(data) - _CRS_WINDOW, 0)
            for match in _CRS_MEMBER.finditer(data):
                if match.start() >= settled:
                    break
                if _is_link(data[match.end():match.end() + _CRS_WINDOW]):
                    return True
            if not block:
                return False
            carried = data[settled:]


def _is_link(window: bytes) -> bool:
    """Whether the JSON value at the start of ``window`` is a CRS object GDAL would fetch
    (type ``link`` or ``url``); an object too long or malformed to decode counts too."""
    text = window.decode("utf-8", errors="replace").lstrip()
    if not text.startswith("{"):
        return False  # a string or number named crs (e.g. a property) fetches nothing
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return True
    kinds = [v for k, v in value.items() if k.lower() == "type"]
    return any(not isinstance(kind, str) or kind.strip().lower().startswith(("link", "url"))
               for kind in kinds)


# --- GeoParquet, Shapefile, CSV ----------------------------------------------------------


def _parquet(path: Path, head: bytes) -> str | None:
    if not head.startswith(b"PAR1"):
        return _not(head, Kind.PARQUET)
    with path.open("rb") as file:
        file.seek(-4, 2)
        tail = file.read(4)
    if tail != b"PAR1":
        return ("is not a complete Parquet file (or is encrypted): it does not end with "
                "PAR1; export it again")
    return None


def _shapefile(path: Path, head: bytes) -> str | None:
    if _shape_header(head, ".shp") is not None:
        return _not(head, Kind.SHAPEFILE)
    for suffix in SHAPEFILE_COMPANIONS:
        companion = _companion(path, suffix)
        if companion is None:
            continue
        problem = _companion_mismatch(_head(companion, HEAD_BYTES), suffix)
        if problem is not None:
            return f"has a {suffix} companion that {problem}"
    return None


def _shape_header(head: bytes, suffix: str) -> str | None:
    if (len(head) < 100 or int.from_bytes(head[0:4], "big") != 9994
            or int.from_bytes(head[28:32], "little") != 1000):
        return f"is not a Shapefile {suffix} (no file code 9994, version 1000); export it again"
    return None


def _companion(path: Path, suffix: str) -> Path | None:
    """The companion file beside a ``.shp`` (``.dbf`` or ``.DBF``), if any."""
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def _companion_mismatch(head: bytes, suffix: str) -> str | None:
    if suffix == ".shx":
        return _shape_header(head, suffix)
    if suffix == ".dbf":
        if len(head) < 32 or head[0] not in _DBF_VERSIONS:
            return "is not a dBASE table; export the Shapefile again"
        return None
    if b"\x00" in head or _markup(head):
        return "is not plain text; export the Shapefile again"
    return None


def _csv(path: Path, head: bytes) -> str | None:
    del path
    if _what_it_is(head) is not None:
        return _not(head, Kind.CSV)
    if b"\x00" in head:
        return "is binary, not CSV text; save it as CSV (UTF-8)"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the head
            return "is not UTF-8 text; save it as CSV (UTF-8)"
    return None


# --- OpenStreetMap ---------------------------------------------------------------------


def _osm_xml(path: Path, head: bytes) -> str | None:
    del path
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"<"):
        return ("is not valid XML (it does not begin with '<'); check that it is an "
                "OpenStreetMap XML export and was not truncated")
    prolog = text.split(b"<osm", 1)[0]
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        return ("declares a DOCTYPE, which OpenStreetMap XML never has (entities could "
                "make the reader fetch or expand other content); export the area again")
    return None


def _osm_pbf(path: Path, head: bytes) -> str | None:
    del path
    size = int.from_bytes(head[:4], "big")
    header = head[4:4 + size]
    if not 0 < size <= HEAD_BYTES - 4 or not header.startswith(b"\x0a\x09OSMHeader"):
        return ("is not a readable OSM PBF file (it does not begin with an OSMHeader "
                "block); check that it is an OpenStreetMap .osm.pbf extract and was not "
                "truncated")
    return None


_CHECKS = {
    Kind.GEOPACKAGE: _geopackage, Kind.GEOJSON: _geojson, Kind.PARQUET: _parquet,
    Kind.SHAPEFILE: _shapefile, Kind.CSV: _csv, Kind.OSM_XML: _osm_xml,
    Kind.OSM_PBF: _osm_pbf,
}
