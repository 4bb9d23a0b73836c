"""A national OSM PBF (all of Scotland) → ``buildings``, ``sites`` and ``streets``, streamed.

:func:`stream_pbf_layers` reads an ``.osm.pbf`` extract with pyosmium 4
(``osmium.FileProcessor``) and writes the three layers of :func:`layers_from_osm
<geo_era.data.osm.layers.layers_from_osm>` as GeoParquet files of at most ``chunk_rows`` rows
each, in British National Grid, by the same rules (:mod:`~geo_era.data.osm.tags`,
:mod:`~geo_era.data.osm.features`, :mod:`~geo_era.data.osm.streets`). No XML is written and
neither osmnx nor networkx holds the file.

How it reads
------------
libosmium (C++) reads the file twice: once for the multipolygon relations, once for everything.
Every node's location goes into a native location index (:data:`INDEX`) and only objects with
a key of :data:`~geo_era.data.osm.tags.FEATURE_KEYS` or ``highway`` reach Python
(``osmium.filter.KeyFilter``): untagged nodes, which are most of a country's file, never do.
Closed ways and multipolygon relations become areas in libosmium
(``FileProcessor.with_areas``) and their polygons come back as WKB.

- A building is an area tagged ``building`` (not ``building=no``); a site is a node or an area
  whose tags give a category (:func:`~geo_era.data.osm.tags.site_category`). Both go to a
  buffer that is projected and written every ``chunk_rows`` rows.
- A walkable way (:func:`~geo_era.data.osm.tags.is_walkable`) keeps its node ids and
  coordinates in flat arrays (the longest run of nodes present in the file, as today). After
  the pass the walking network is simplified as osmnx's ``simplify_graph`` does (a node is an
  end of a street segment when it is a dead end, a junction, a self-loop, has only incoming or
  only outgoing one-way edges, or joins a one-way to a two-way way: osmnx's rules 1-3) and made
  undirected, one row per segment, written in chunks.

Memory bound
------------
Resident memory does not hold the file, its XML or a graph of it. It is the sum of

- the location index: with ``"sparse_file_array"`` (the default) 16 bytes per node in a
  temporary file that the kernel maps and may page out; with ``"flex_mem"`` the same in RAM;
- the walking network: 8 bytes per node reference and 16 per coordinate of the walkable ways
  (in ``array`` buffers, not Python objects), plus a name and highway string per walkable way
  and a small tuple per street piece while segments are joined: Scotland's roughly 1 million
  walkable ways need a few hundred MB;
- one chunk of each layer (``chunk_rows`` rows, 20,000 by default: tens of MB while it is
  projected and written);
- the multipolygon relations' member ways, held by libosmium until each area is assembled;
- libosmium's read-ahead: queues of decoded blocks, at most 20 each by default
  (``OSMIUM_MAX_INPUT_QUEUE_SIZE``, ``OSMIUM_MAX_OSMDATA_QUEUE_SIZE``).

So it grows with the nodes (16 bytes each, in file pages the kernel may write back and drop)
and with the walking network, not with the buildings, the sites or the rest of the file.
Measured by ``bench/osm_national.py`` on a FICTIONAL PBF of Scotland's size (149 MB, 35.2
million nodes, 4 million ways, 3.4 million buildings): 239 s on a shared 2-core machine, peak
1.13 GB resident, of which about 0.6 GB were the index's file pages; a tenth of that file
peaks at 0.50 GB. Today's path (:func:`layers_from_osm`) takes 0.68 GB for 0.5 % of it.

Differences from the osmnx path (:func:`layers_from_osm` on XML)
----------------------------------------------------------------
A polygon libosmium cannot assemble (a self-intersecting ring) is left out, where osmnx repairs
it with ``make_valid``; an isolated closed footway with no junction stays one edge per pair of
nodes, as osmnx leaves it; parallel street segments between the same two ends are numbered
(``street_id``'s last part) in the order their first way appears in the file.
"""

from __future__ import annotations

import itertools
import logging
import re
import tempfile
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import osmium
import osmium.filter
import pandas as pd
import shapely

from geo_era.contract.schema import WGS84
from geo_era.data.osm.features import _levels
from geo_era.data.osm.frames import BUILDING_COLUMNS, SITE_COLUMNS, STREET_COLUMNS, to_bng
from geo_era.data.osm.reading import PBF_SUFFIXES
from geo_era.data.osm.tags import FEATURE_KEYS, is_walkable, site_category
from geo_era.data.sandbox import ImportLimits, IsolationError, run_isolated
from geo_era.data.sniff import Kind, mismatch
from geo_era.errors import DataError

logger = logging.getLogger(__name__)

#: The node location index (``osmium.index.create_map``): on disk, mapped by the kernel.
INDEX = "sparse_file_array"

#: Rows of one layer held before they are projected and written.
CHUNK_ROWS = 20_000

#: The child's task (:mod:`geo_era.data.sandbox`): stream one PBF file into parts.
STREAM_TASK = "geo_era.data.osm.stream:stream_task"
#: A part's name as the child writes it; nothing else is read back from its folder.
_PART = re.compile(r"(buildings|sites|streets)-\d{5,}\.parquet")

#: The ``oneway`` values osmnx reads as one-way, and those that also reverse the way
#: (``osmnx.graph._create_graph``).
ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})

#: The keys a site is recognised by (every feature key but ``building``).
_SITE_KEYS = tuple(key for key in FEATURE_KEYS if key != "building")

_COLUMNS = {"buildings": BUILDING_COLUMNS, "sites": SITE_COLUMNS, "streets": STREET_COLUMNS}


@dataclass
class StreamedLayers:
    """The GeoParquet files :func:`stream_pbf_layers` wrote, by layer, and their rows."""

    files: dict[str, list[Path]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def read(self) -> dict[str, gpd.GeoDataFrame]:
        """Every layer as one GeoDataFrame (EPSG:27700, the contract columns); this holds
        the layers in memory, the streaming does not."""
        out = {}
        for layer, files in self.files.items():
            frames = [gpd.read_parquet(f) for f in files]
            if frames:
                frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True),
                                         geometry="geometry", crs=frames[0].crs)
            else:
                frame = to_bng(gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84)),
                               Path(), layer)
            for name, dtype in _COLUMNS[layer].items():  # Parquet gives text back as str
                frame[name] = frame[name].astype(dtype)
            out[layer] = frame
        return out


class _LayerWriter:
    """Rows of one layer (WGS84, geometry as WKB) written as GeoParquet parts in BNG."""

    def __init__(self, folder: Path, layer: str, *, shown: Path, chunk_rows: int,
                 max_rows: int | None, result: StreamedLayers) -> None:
        self.folder, self.layer, self.shown = folder, layer, shown
        self.chunk_rows, self.max_rows, self.result = chunk_rows, max_rows, result
        self.columns = _COLUMNS[layer]
        self.rows: list[tuple[object, ...]] = []
        self.geoms: list[object] = []
        result.files[layer] = []
        result.rows[layer] = 0

    def add(self, values: tuple[object, ...], geometry: object) -> None:
        """One row: the values of the layer's columns in order, and its geometry (WKB, hex or bytes,
        or a shapely geometry) in WGS84."""
        self.rows.append(values)
        self.geoms.append(geometry)
        if len(self.rows) >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        """Project the buffered rows to BNG and write them as the next part."""
        if not self.rows:
            return
        total = self.result.rows[self.layer] + len(self.rows)
        if self.max_rows is not None and total > self.max_rows:
            raise DataError(
                f"OSM file '{self.shown}' holds more than {self.max_rows:,} {self.layer}, the "
                "most one import reads (GEO_ERA_IMPORT_MAX_ROWS); clip the area first, e.g. "
                "osmium extract -b <minlon>,<minlat>,<maxlon>,<maxlat>")
        geoms = np.array(self.geoms, dtype=object)
        is_wkb = np.array([isinstance(g, bytes | str) for g in self.geoms])
        if is_wkb.any():
            geoms[is_wkb] = shapely.from_wkb(geoms[is_wkb])
        # a one-part MultiPolygon from libosmium is a Polygon, as osmnx gives it
        single = ((shapely.get_type_id(geoms) == shapely.GeometryType.MULTIPOLYGON)
                  & (shapely.get_num_geometries(geoms) == 1))
        geoms[single] = shapely.get_geometry(geoms[single], 0)
        kept = ~shapely.is_empty(geoms)
        rows = [row for row, keep in zip(self.rows, kept, strict=True) if keep]
        data = {name: pd.Series([r[i] for r in rows], dtype=dtype)
                for i, (name, dtype) in enumerate(self.columns.items())}
        geoms = geoms[kept]
        frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)
        projected = to_bng(frame, self.shown, self.layer)
        if self.layer == "streets":
            projected["length_m"] = projected.geometry.length.astype("float64")
        part = self.folder / f"{self.layer}-{len(self.result.files[self.layer]):05d}.parquet"
        projected.to_parquet(part)
        self.result.files[self.layer].append(part)
        self.result.rows[self.layer] = total
        self.rows, self.geoms = [], []


@dataclass
class _Walk:
    """The walkable ways: node ids and coordinates flat, one entry per way beside them."""

    refs: array[int] = field(default_factory=lambda: array("q"))
    lons: array[float] = field(default_factory=lambda: array("d"))
    lats: array[float] = field(default_factory=lambda: array("d"))
    starts: array[int] = field(default_factory=lambda: array("q", [0]))
    oneway: array[int] = field(default_factory=lambda: array("b"))
    way_ids: array[int] = field(default_factory=lambda: array("q"))
    names: list[str] = field(default_factory=list)
    highways: list[str] = field(default_factory=list)

    def add(self, way: osmium.osm.Way, tags: dict[str, str]) -> None:
        """Keep a walkable way's longest run of nodes present in the file (two or more
        distinct nodes), reversed when osmnx reverses it."""
        run: list[tuple[int, float, float]] = []
        best: list[tuple[int, float, float]] = []
        for node in way.nodes:
            location = node.location
            if location.valid():
                run.append((node.ref, location.lon, location.lat))
                continue
            if len(run) > len(best):
                best = run
            run = []
        if len(run) > len(best):
            best = run
        if len({ref for ref, _, _ in best}) < 2:
            return
        one_way = tags.get("oneway") in ONEWAY_VALUES or tags.get("junction") == "roundabout"
        if one_way and tags.get("oneway") in REVERSED_VALUES:
            best.reverse()
        for ref, lon, lat in best:
            self.refs.append(ref)
            self.lons.append(lon)
            self.lats.append(lat)
        self.starts.append(len(self.refs))
        self.oneway.append(1 if one_way else 0)
        self.way_ids.append(way.id)
        self.names.append(tags.get("name", ""))
        self.highways.append(tags.get("highway", ""))


def stream_pbf_layers(path: Path, folder: Path, *, chunk_rows: int = CHUNK_ROWS,
                      index: str = INDEX, max_rows: int | None = None) -> StreamedLayers:
    """Stream an OSM PBF file into GeoParquet parts of the three layers.

    Parameters
    ----------
    path
        An ``.osm.pbf`` file (checked to be PBF by its content).
    folder
        Where the parts go: ``buildings-00000.parquet``, ``sites-…``, ``streets-…``, each of
        at most ``chunk_rows`` rows in EPSG:27700 with the contract columns then
        ``geometry``.
    chunk_rows
        Rows held per layer before they are written.
    index
        The node location index of ``osmium.index.create_map`` (see the module docstring
        for its memory); a file-backed index keeps its file in a temporary folder.
    max_rows
        Most rows of one layer; a file with more is refused. ``None``: no limit.

    Returns
    -------
    StreamedLayers
        The files written by layer and their row counts.

    Raises
    ------
    DataError
        The file is missing, not PBF, unreadable, over ``max_rows``, or holds no buildings,
        sites or walkable streets. Messages name the file by its own name only.
    """
    path = Path(path)
    shown = Path(path.name)
    _check(path)
    started = time.perf_counter()
    result = StreamedLayers()
    writers = {layer: _LayerWriter(folder, layer, shown=shown, chunk_rows=chunk_rows,
                                   max_rows=max_rows, result=result)
               for layer in _COLUMNS}
    try:
        _stream(path, shown, writers, index)
    except DataError:  # bad input leaves nothing behind
        for part in (f for files in result.files.values() for f in files):
            part.unlink(missing_ok=True)
        raise
    if not any(result.rows.values()):
        raise DataError(
            f"OSM file '{shown}' holds no buildings, sites or walkable streets; check that the "
            f"extract covers the area and was exported with its tags")
    logger.info("streamed %s: %d buildings, %d sites, %d street segments in %.2f s", shown,
                result.rows["buildings"], result.rows["sites"], result.rows["streets"],
                time.perf_counter() - started)
    return result


def stream_pbf_isolated(path: Path, into: Path, *, limits: ImportLimits) -> StreamedLayers:
    """:func:`stream_pbf_layers` on an untrusted file, in the import's child process
    (no network, within ``limits``: memory, seconds, rows of a layer); the parts it wrote
    are read back and written as one GeoParquet file per layer in ``into``
    (``buildings.parquet``...): the ``geo-era import --format osm`` path.

    ``limits.max_rows`` bounds each layer's rows (not the file's elements, as the osmnx
    path's does): the stream does not hold the elements.

    Raises
    ------
    DataError
        As :func:`stream_pbf_layers`, or the child ran out of memory or time.
    """
    path = Path(path)
    _check(path)
    job = {"file": str(path.absolute()), "max_rows": limits.max_rows}
    try:
        with run_isolated(STREAM_TASK, job, limits=limits) as (answer, folder):
            if answer.get("error"):
                raise DataError(str(answer["error"])[:2000])
            parts = folder / "parts"
            streamed = StreamedLayers()
            for layer in _COLUMNS:
                names = [str(n) for n in answer["files"].get(layer, [])]
                if any(_PART.fullmatch(n) is None or not n.startswith(layer)
                       for n in names):
                    raise DataError(f"OSM file '{path.name}' could not be read: the reader "
                                    "gave back an unexpected part")
                streamed.files[layer] = [parts / n for n in names]
                streamed.rows[layer] = int(answer["rows"].get(layer, 0))
            return _read_back(streamed, into)
    except IsolationError as exc:
        raise DataError(f"OSM file '{path.name}' {exc.message}") from None


def _read_back(streamed: StreamedLayers, folder: Path) -> StreamedLayers:
    """The parts as one GeoParquet file per layer in ``folder`` (they outlive the child's
    folder); the layers' rows as streamed."""
    out = StreamedLayers(rows=dict(streamed.rows))
    for layer, frame in streamed.read().items():
        target = folder / f"{layer}.parquet"
        frame.to_parquet(target)
        out.files[layer] = [target]
    return out


def stream_task(job: dict[str, object], folder: Path) -> dict[str, object]:
    """In the child: stream the job's file into ``folder/parts``; the parts by layer, or
    the error that refused the file."""
    path = Path(str(job["file"]))
    max_rows = job.get("max_rows")
    (folder / "parts").mkdir()
    try:
        result = stream_pbf_layers(path, folder / "parts",
                                   max_rows=int(max_rows) if isinstance(max_rows, int)
                                   else None)
    except DataError as exc:
        return {"error": str(exc)}
    except MemoryError:
        return {"error": f"OSM file '{path.name}' could not be read within the import's "
                         "memory (GEO_ERA_IMPORT_MEMORY_MB); clip the area, or raise it"}
    except Exception as exc:
        return {"error": f"OSM file '{path.name}' could not be read ({type(exc).__name__}); "
                         "check that it is a complete OpenStreetMap .osm.pbf extract"}
    return {"files": {layer: [p.name for p in files] for layer, files in result.files.items()},
            "rows": result.rows}


def _stream(path: Path, shown: Path, writers: dict[str, _LayerWriter], index: str) -> None:
    """Read the file and write every layer's parts."""
    walk = _Walk()
    with tempfile.TemporaryDirectory(prefix="geo_era_osm_index_") as tmp:
        storage = _location_index(index, Path(tmp))
        try:
            _read(path, storage, writers, walk)
        except RuntimeError as exc:  # libosmium reports bad input as RuntimeError
            if "out of order" in str(exc):
                raise DataError(
                    f"OSM file '{shown}' is not sorted (nodes, then ways, then relations, each "
                    f"by id), which a streamed import needs; sort it with "
                    f"osmium sort {shown} -o sorted.osm.pbf") from None
            raise DataError(
                f"OSM file '{shown}' is not a readable OSM PBF file; check that it is an "
                f"OpenStreetMap .osm.pbf extract and was not truncated") from None
        del storage
    writers["buildings"].flush()
    writers["sites"].flush()
    for values, geometry in _segments(walk):
        writers["streets"].add(values, geometry)
    writers["streets"].flush()


def _check(path: Path) -> None:
    """The file exists, is named and made as PBF."""
    if not path.is_file():
        raise DataError(
            f"OSM file '{path.name}' does not exist or is not a file; check the path to the "
            f"OpenStreetMap extract (.osm.pbf)")
    if path.suffix.lower() not in PBF_SUFFIXES:
        raise DataError(f"'{path.name}' is not an OpenStreetMap PBF file: the name must end "
                        f"in .osm.pbf; convert the extract with osmium cat")
    problem = mismatch(path, Kind.OSM_PBF)
    if problem is not None:
        raise DataError(f"OSM file '{path.name}' {problem}")


def _location_index(index: str, tmp: Path) -> osmium.index.LocationTable:
    """A node location index; a file-backed one in a file of ``tmp``."""
    if index in {"sparse_file_array", "dense_file_array"}:
        return osmium.index.create_map(f"{index},{tmp / 'locations.idx'}")
    return osmium.index.create_map(index)


def _read(path: Path, storage: osmium.index.LocationTable,
          writers: dict[str, _LayerWriter], walk: _Walk) -> None:
    """The one streaming pass (two reads in libosmium, for the relations first)."""
    factory = osmium.geom.WKBFactory()
    processor = (osmium.FileProcessor(str(path))
                 .with_locations(storage)  # type: ignore[arg-type]  # a LocationTable is taken
                 .with_areas(osmium.filter.KeyFilter(*FEATURE_KEYS))
                 .with_filter(osmium.filter.KeyFilter(*FEATURE_KEYS, "highway")))
    for obj in processor:
        if isinstance(obj, osmium.osm.Area):
            _area(obj, factory, writers)
            continue
        if isinstance(obj, osmium.osm.Way | osmium.osm.Node) and obj.id < 0:
            _negative(path, obj)
        if isinstance(obj, osmium.osm.Way):
            if "highway" in obj.tags:
                tags = dict(obj.tags)
                if is_walkable(tags):
                    walk.add(obj, tags)
        elif isinstance(obj, osmium.osm.Node) and any(key in obj.tags for key in _SITE_KEYS):
            tags = dict(obj.tags)
            match = site_category(tags)
            if match is not None:
                writers["sites"].add((f"osm-node-{obj.id}", match[0], tags.get("name", ""),
                                      match[1]), factory.create_point(obj))


def _negative(path: Path, obj: osmium.osm.Node | osmium.osm.Way) -> None:
    """Refuse an object with a negative id (the location index holds none)."""
    kind = "node" if isinstance(obj, osmium.osm.Node) else "way"
    raise DataError(
        f"OSM file '{path.name}' holds a {kind} with a negative id ({obj.id}), as an editor "
        f"gives objects not yet uploaded, which a streamed import cannot place; renumber "
        f"them with osmium renumber")


def _area(area: osmium.osm.Area, factory: osmium.geom.WKBFactory,
          writers: dict[str, _LayerWriter]) -> None:
    """A closed way or multipolygon relation: a building, a site, both or neither."""
    osm_tags = area.tags
    building = osm_tags.get("building")
    is_building = building is not None and building.strip().lower() != "no"
    tags: dict[str, str] | None = None
    match = None
    if any(key in osm_tags for key in _SITE_KEYS):
        tags = dict(osm_tags)
        match = site_category(tags)
    if not is_building and match is None:
        return
    try:
        wkb = factory.create_multipolygon(area)
    except RuntimeError:  # an area libosmium could not assemble
        return
    element = "way" if area.from_way() else "relation"
    osm_id = area.orig_id()
    if is_building:
        writers["buildings"].add((f"osm-{element}-{osm_id}",
                                  _levels(osm_tags.get("building:levels")), building), wkb)
    if match is not None:
        writers["sites"].add((f"osm-{element}-{osm_id}", match[0],
                              osm_tags.get("name", ""), match[1]), wkb)


# --- the walking network -------------------------------------------------------------------


def _endpoints(walk: _Walk) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Each node reference's node number (into the unique ids) and, per unique node,
    whether it ends street segments (osmnx's ``_is_endpoint`` rules 1-3 on the directed
    graph osmnx builds: a two-way way is an edge each way, a one-way way one edge)."""
    refs = np.frombuffer(walk.refs, dtype=np.int64)
    starts = np.frombuffer(walk.starts, dtype=np.int64)
    ids, node = np.unique(refs, return_inverse=True)
    last = np.zeros(len(refs), dtype=bool)
    last[starts[1:] - 1] = True
    u, v = node[:-1][~last[:-1]], node[1:][~last[:-1]]
    per_way = np.diff(starts) - 1
    one = np.repeat(np.frombuffer(walk.oneway, dtype=np.int8).astype(bool), per_way)
    count = len(ids)
    out_degree = np.bincount(u, minlength=count) + np.bincount(v[~one], minlength=count)
    in_degree = np.bincount(v, minlength=count) + np.bincount(u[~one], minlength=count)
    loops = np.zeros(count, dtype=bool)
    loops[u[u == v]] = True
    pairs = np.unique(np.stack([np.minimum(u, v), np.maximum(u, v)]), axis=1)
    pairs = pairs[:, pairs[0] != pairs[1]]
    neighbours = np.bincount(pairs[0], minlength=count) + np.bincount(pairs[1],
                                                                      minlength=count)
    degree = out_degree + in_degree
    ends = (loops | (out_degree == 0) | (in_degree == 0)
            | ~((neighbours == 2) & np.isin(degree, (2, 4))))
    return node, ends


def _pieces(walk: _Walk, node: npt.NDArray[np.int64], ends: npt.NDArray[np.bool_]
            ) -> list[tuple[int, int, int]]:
    """Every way cut at segment ends: ``(way, first, last)`` positions into the arrays."""
    starts = np.frombuffer(walk.starts, dtype=np.int64)
    cut = ends[node]
    pieces: list[tuple[int, int, int]] = []
    for way in range(len(starts) - 1):
        first, stop = int(starts[way]), int(starts[way + 1])
        inner = np.flatnonzero(cut[first + 1:stop - 1]) + first + 1
        bounds = [first, *inner.tolist(), stop - 1]
        pieces.extend((way, a, b) for a, b in itertools.pairwise(bounds))
    return pieces


def _segments(walk: _Walk) -> Iterator[tuple[tuple[object, ...], object]]:
    """``(values, LineString)`` of each undirected street segment, pieces joined through
    the nodes that end no segment."""
    if len(walk.names) == 0:
        return
    node, ends = _endpoints(walk)
    pieces = _pieces(walk, node, ends)
    at: dict[int, list[int]] = {}
    for number, (_, a, b) in enumerate(pieces):
        for position in (a, b):
            if not ends[node[position]]:
                at.setdefault(int(node[position]), []).append(number)
    used = np.zeros(len(pieces), dtype=bool)
    seen: dict[tuple[int, int], list[int]] = {}
    refs = np.frombuffer(walk.refs, dtype=np.int64)
    for number, (_, a, b) in enumerate(pieces):
        if used[number] or not (ends[node[a]] or ends[node[b]]):
            continue
        row = _row(walk, refs, _chain(number, pieces, node=node, ends=ends, at=at, used=used), seen)
        if row is not None:
            yield row
    for number, (way, a, b) in enumerate(pieces):  # loops with no end: one edge per pair
        if not used[number]:
            for position in range(a, b):
                row = _row(walk, refs, [(way, position, position + 1)], seen)
                if row is not None:
                    yield row


def _chain(number: int, pieces: list[tuple[int, int, int]], *, node: npt.NDArray[np.int64],
           ends: npt.NDArray[np.bool_], at: dict[int, list[int]],
           used: npt.NDArray[np.bool_]) -> list[tuple[int, int, int]]:
    """The pieces from an end through non-end nodes to the next end, oriented."""
    way, a, b = pieces[number]
    if not ends[node[a]]:
        a, b = b, a
    chain = [(way, a, b)]
    used[number] = True
    while not ends[node[b]]:
        joined = [n for n in at[int(node[b])] if not used[n]]
        if not joined:
            break
        number = joined[0]
        used[number] = True
        way, c, d = pieces[number]
        if node[c] != node[b]:
            c, d = d, c
        chain.append((way, c, d))
        b = d
    return chain


def _row(walk: _Walk, refs: npt.NDArray[np.int64], chain: list[tuple[int, int, int]],
         seen: dict[tuple[int, int], list[int]]) -> tuple[tuple[object, ...], object] | None:
    """A segment's values and geometry from its oriented pieces; None for a duplicate of
    one already given (same ends, same ways, same line in either direction), which osmnx's
    ``to_undirected`` drops too (a way that doubles back on itself).

    ``seen`` holds, per pair of ends, a hash of each segment given: parallel segments are
    numbered in that order."""
    lons: list[float] = []
    lats: list[float] = []
    for index, (_, a, b) in enumerate(chain):
        step = 1 if b >= a else -1
        positions = range(a, b + step, step)[1 if index else 0:]
        lons.extend(walk.lons[p] for p in positions)
        lats.extend(walk.lats[p] for p in positions)
    low, high = sorted((int(refs[chain[0][1]]), int(refs[chain[-1][2]])))
    points = list(zip(lons, lats, strict=True))
    ways = frozenset(walk.way_ids[way] for way, _, _ in chain)
    same = hash((ways, tuple(min(points, points[::-1]))))
    given = seen.setdefault((low, high), [])
    if same in given:
        return None
    key = len(given)
    given.append(same)
    names = sorted({walk.names[way] for way, _, _ in chain} - {""})
    highways = sorted({walk.highways[way] for way, _, _ in chain} - {""})
    values = (f"osm-{low}-{high}-{key}", ";".join(names), ";".join(highways), np.nan)
    return values, shapely.linestrings(lons, lats)
