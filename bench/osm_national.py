"""Benchmark: a whole-Scotland OpenStreetMap PBF streamed into the three OSM layers.

Scotland's OSM extract is about 300 MB of PBF, some 35 million nodes and 4 million ways.
This builds a FICTIONAL PBF of that order (``--scale 1``: 35.2 million nodes, about 4
million ways) with ``osmium.SimpleWriter``: a grid of blocks south-west of Glasgow, each with
a corner junction and two residential or footway streets of 10 nodes, 17 buildings of 8
nodes with FICTIONAL addresses (``addr:*``), one scrub polygon of 22 nodes, one orphan node
and, now and then, a site (a pub node, a school or a shop building) or a church mapped as a
multipolygon relation. Then it imports the file with
:func:`geo_era.data.osm.stream.stream_pbf_layers` in a fresh process, which reads its own
peak resident memory (``VmHWM``) at the end, and checks the row counts against what the
grid holds (worked out here, independently of the importer).

``--scale 0.02`` is a smoke test of 2 % (704,000 nodes, 5 MB, under a minute). The stream
also runs on ``--compare`` (a tenth) of the file, so the figures show how memory grows with
it, and today's path (:func:`layers_from_osm`: the PBF converted to XML, read by osmnx) runs
beside the stream on a ``--baseline`` file (0.5 %).

Writes ``--json`` (default ``bench/out/osm_national.json``) for ``bench/results.py``.

    python bench/osm_national.py [--scale 1] [--compare 0.25] [--baseline 0.01]
        [--index sparse_file_array] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import osmium
from osmium.osm.mutable import Node, Relation, Way

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import peak_mb, write_json

#: Blocks at ``--scale 1``: 176 nodes and about 20 ways each.
NATIONAL_BLOCKS = 200_000
NODES_PER_BLOCK = 176
WAYS_PER_BLOCK = 20
BUILDINGS_PER_BLOCK = 17
#: South-west corner of the grid and a block's size in degrees (about 90 m x 100 m).
LON0, LAT0 = -4.9, 55.3
DLON, DLAT = 0.0015, 0.0009
#: Every ``SITE_EVERY``-th block has a pub node; every ``SCHOOL_EVERY``-th building is a
#: school, every ``SHOP_EVERY``-th a shop; every ``CHURCH_EVERY``-th block a church relation.
SITE_EVERY = 20
SCHOOL_EVERY = 997
SHOP_EVERY = 50
CHURCH_EVERY = 100
EPOCH = dt.datetime(2008, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Grid:
    """The grid of ``blocks`` blocks, ``side`` to a row."""

    blocks: int

    @property
    def side(self) -> int:
        return math.ceil(math.sqrt(self.blocks))

    def cell(self, block: int) -> tuple[int, int]:
        return block % self.side, block // self.side

    def has_east(self, block: int) -> bool:
        """Whether the block's southern street runs to the next corner east."""
        i, _ = self.cell(block)
        return i + 1 < self.side and block + 1 < self.blocks

    def has_north(self, block: int) -> bool:
        """Whether the block's western street runs to the next corner north."""
        return block + self.side < self.blocks

    def expected(self) -> dict[str, int]:
        """The rows the three layers must have, worked out from the grid alone."""
        buildings = self.blocks * BUILDINGS_PER_BLOCK
        churches = len(range(0, self.blocks, CHURCH_EVERY))
        pubs = len(range(0, self.blocks, SITE_EVERY))
        site_buildings = sum(1 for n in range(buildings)
                             if _site_building(n) is not None and not _church(n))
        ways = sum(self.has_east(b) + self.has_north(b) for b in range(self.blocks))
        # two ways meeting at a corner with no third are one street segment
        bends = sum(self.degree(b) == 2 for b in range(self.blocks))
        return {"buildings": buildings, "sites": pubs + site_buildings + churches,
                "streets": ways - bends}

    def degree(self, block: int) -> int:
        """How many streets meet at the block's corner."""
        i, j = self.cell(block)
        return (self.has_east(block) + self.has_north(block)
                + (i > 0 and self.has_east(block - 1))
                + (j > 0 and self.has_north(block - self.side)))


def _church(building: int) -> bool:
    """Whether building number ``building`` is the outer way of a church relation."""
    block, index = divmod(building, BUILDINGS_PER_BLOCK)
    return index == BUILDINGS_PER_BLOCK - 1 and block % CHURCH_EVERY == 0


def _site_building(building: int) -> str | None:
    if building % SCHOOL_EVERY == 0:
        return "school"
    if building % SHOP_EVERY == 0:
        return "shop"
    return None


def _corner(grid: Grid, block: int) -> tuple[float, float]:
    i, j = grid.cell(block)
    return LON0 + i * DLON, LAT0 + j * DLAT


def _meta(seed: int) -> dict[str, Any]:
    """FICTIONAL editing history, as a real extract carries (most of its bytes): one
    mapper's changeset per block's nodes and per way."""
    uid = seed * 7919 % 50_000 + 1
    return {"changeset": 40_000_000 + seed * 31 % 90_000_000,
            "timestamp": EPOCH + dt.timedelta(seconds=seed * 104_729 % 500_000_000),
            "uid": uid, "user": f"FICTIONAL mapper {uid}"}


def _jitter(osm_id: int) -> float:
    """A node's offset from its place in the grid, up to about a metre, in degrees."""
    return (osm_id * 2_654_435_761 % 20_001 - 10_000) * 1e-9


def _node(osm_id: int, location: tuple[float, float], meta: dict[str, Any],
          tags: dict[str, str] | None = None) -> Node:
    lon, lat = location
    spread = osm_id * 2_654_435_761
    mapper = spread % len(_MAPPERS)
    return Node(id=osm_id, location=(lon + _jitter(osm_id), lat + _jitter(osm_id + 1)),
                tags=tags or {}, version=1 + osm_id % 9, uid=mapper + 1, user=_MAPPERS[mapper],
                changeset=meta["changeset"] + spread % 997,
                timestamp=_TIMES[spread % len(_TIMES)])


#: FICTIONAL mappers and edit times the nodes draw from (made once: a datetime per node
#: would double the time the file takes to write).
_MAPPERS = [f"FICTIONAL mapper {n}" for n in range(1, 2001)]
_TIMES = [EPOCH + dt.timedelta(seconds=n * 104_729) for n in range(4096)]


def _block_nodes(grid: Grid, block: int) -> list[Node]:
    """The block's nodes in id order (see the module docstring)."""
    base = block * NODES_PER_BLOCK + 1
    lon, lat = _corner(grid, block)
    meta = _meta(block)
    nodes = [_node(base, (lon, lat), meta)]
    nodes += [_node(base + k, (lon + k * DLON / 9, lat), meta) for k in range(1, 9)]
    nodes += [_node(base + 8 + k, (lon, lat + k * DLAT / 9), meta) for k in range(1, 9)]
    first = base + 17
    for b in range(BUILDINGS_PER_BLOCK):
        x0 = lon + DLON * (0.1 + 0.8 * b / BUILDINGS_PER_BLOCK)
        x1 = x0 + DLON * 0.8 / BUILDINGS_PER_BLOCK * 0.8
        y0, y1 = lat + DLAT * 0.15, lat + DLAT * 0.35
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        ring = [(x0, y0), (xm, y0), (x1, y0), (x1, ym), (x1, y1), (xm, y1), (x0, y1), (x0, ym)]
        nodes += [_node(first + 8 * b + k, p, meta) for k, p in enumerate(ring)]
    scrub = first + 8 * BUILDINGS_PER_BLOCK
    for k in range(22):
        angle = 2 * math.pi * k / 22
        nodes.append(_node(scrub + k, (lon + DLON * (0.5 + 0.3 * math.cos(angle)),
                                       lat + DLAT * (0.7 + 0.2 * math.sin(angle))), meta))
    tags = {"amenity": "pub", "name": f"FICTIONAL Arms {block}"} if block % SITE_EVERY == 0 else {}
    nodes.append(_node(scrub + 22, (lon + DLON * 0.9, lat + DLAT * 0.9), meta, tags))
    assert nodes[-1].id == base + NODES_PER_BLOCK - 1
    return nodes


def _block_ways(grid: Grid, block: int) -> list[Way]:
    """The block's ways in id order."""
    base = block * NODES_PER_BLOCK + 1
    way = block * WAYS_PER_BLOCK + 1
    i, j = grid.cell(block)
    ways = []
    if grid.has_east(block):
        refs = [base, *range(base + 1, base + 9), (block + 1) * NODES_PER_BLOCK + 1]
        ways.append(Way(id=way, nodes=refs, version=1 + way % 9, **_meta(way),
                        tags={"highway": "residential", "name": f"FICTIONAL Row {j}"}))
    if grid.has_north(block):
        refs = [base, *range(base + 9, base + 17), (block + grid.side) * NODES_PER_BLOCK + 1]
        highway = "footway" if i % 4 == 3 else "residential"
        ways.append(Way(id=way + 1, nodes=refs, version=1 + (way + 1) % 9, **_meta(way + 1),
                        tags={"highway": highway, "name": f"FICTIONAL Street {i}"}))
    first = base + 17
    for b in range(BUILDINGS_PER_BLOCK):
        number = block * BUILDINGS_PER_BLOCK + b
        refs = [first + 8 * b + k for k in range(8)]
        tags = {} if _church(number) else {
            "building": ("house", "apartments", "yes")[number % 3],
            "building:levels": str(1 + number % 4), "addr:housenumber": str(b + 1),
            "addr:street": f"FICTIONAL Row {j}", "addr:postcode": "ZZ99 9ZZ",
            "note": "FICTIONAL"}
        site = _site_building(number)
        if site == "school" and tags:
            tags["amenity"] = "school"
        elif site == "shop" and tags:
            tags["shop"] = "convenience"
        ways.append(Way(id=way + 2 + b, nodes=[*refs, refs[0]], tags=tags, version=1 + b % 9,
                        **_meta(way + 2 + b)))
    scrub = first + 8 * BUILDINGS_PER_BLOCK
    refs = list(range(scrub, scrub + 22))
    ways.append(Way(id=way + 19, nodes=[*refs, refs[0]], tags={"natural": "scrub"},
                    version=2, **_meta(way + 19)))
    return ways


def build_pbf(path: Path, scale: float) -> dict[str, Any]:
    """Write the FICTIONAL PBF; its size, counts and the seconds it took."""
    grid = Grid(max(4, round(NATIONAL_BLOCKS * scale)))
    started = time.perf_counter()
    nodes = ways = 0
    path.unlink(missing_ok=True)
    with osmium.SimpleWriter(str(path)) as writer:
        for block in range(grid.blocks):
            for node in _block_nodes(grid, block):
                writer.add_node(node)
                nodes += 1
        for block in range(grid.blocks):
            for way in _block_ways(grid, block):
                writer.add_way(way)
                ways += 1
        relations = 0
        for block in range(0, grid.blocks, CHURCH_EVERY):
            outer = block * WAYS_PER_BLOCK + 1 + 2 + BUILDINGS_PER_BLOCK - 1
            writer.add_relation(Relation(
                id=block // CHURCH_EVERY + 1, members=[("w", outer, "outer")],
                tags={"type": "multipolygon", "building": "church",
                      "amenity": "place_of_worship", "name": f"FICTIONAL Kirk {block}"}))
            relations += 1
    return {"blocks": grid.blocks, "nodes": nodes, "ways": ways, "relations": relations,
            "mb": path.stat().st_size / 1e6, "build_s": time.perf_counter() - started,
            "expected": grid.expected()}


def import_once(pbf: Path, index: str, method: str) -> dict[str, Any]:
    """In this process: the three layers of ``pbf`` by ``method`` (``stream``:
    :func:`stream_pbf_layers` into a temporary folder; ``osmnx``: today's
    :func:`layers_from_osm`); seconds, peak resident memory, rows."""
    from geo_era.data.osm import layers_from_osm  # noqa: PLC0415
    from geo_era.data.osm.stream import stream_pbf_layers  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="osm-national-") as tmp:
        started = time.perf_counter()
        if method == "stream":
            rows = stream_pbf_layers(pbf, Path(tmp), index=index).rows
        else:
            rows = {name: len(frame) for name, frame in layers_from_osm(pbf).items()}
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss_mb": peak_mb(), "rows": rows}


def import_fresh(pbf: Path, index: str, method: str = "stream") -> dict[str, Any]:
    """:func:`import_once` in a fresh Python process (its own peak memory)."""
    out = subprocess.run([sys.executable, __file__, "--import-only", str(pbf), "--index",
                          index, "--method", method], capture_output=True, text=True,
                         check=True)
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def built_pbf(folder: Path, label: str, scale: float) -> tuple[Path, dict[str, Any]]:
    """The PBF of ``scale`` in ``folder``, built unless a kept one of that scale is there."""
    pbf = folder / f"scotland-{label}.osm.pbf"
    sidecar = pbf.with_suffix(".json")
    if pbf.exists() and sidecar.exists():
        known: dict[str, Any] = json.loads(sidecar.read_text(encoding="utf-8"))
        if known.get("scale") == scale:
            return pbf, known
    built = {"scale": scale, **build_pbf(pbf, scale)}
    sidecar.write_text(json.dumps(built), encoding="utf-8")
    return pbf, built


def row(built: dict[str, Any], got: dict[str, Any], method: str) -> dict[str, Any]:
    """A RESULTS.md row; ``identical``: the rows are those the grid holds."""
    return {"task": f"{built['mb']:,.1f} MB PBF: {built['nodes']:,} nodes, "
                    f"{built['ways']:,} ways (scale {built['scale']:g})",
            "method": method, "seconds": got["seconds"], "peak_rss_mb": got["peak_rss_mb"],
            "identical": got["rows"] == built["expected"],
            "note": ", ".join(f"{k} {v:,}" for k, v in got["rows"].items())
            + f"; file written in {built['build_s']:.0f} s"}


def run(scale: float, index: str, folder: Path, *, compare: float, baseline: float,
        target: Path | None) -> dict[str, Any]:
    """The baseline (today's path and the stream on a small file), then the stream on a
    ``compare`` fraction of the national file and on the whole of it; the figures so far
    are written to ``target`` after each step."""
    rows: list[dict[str, Any]] = []
    files: dict[str, Any] = {}
    data = {"scale": scale, "index": index}
    if baseline > 0:
        pbf, built = built_pbf(folder, "baseline", baseline)
        files["baseline"] = built
        rows.append(row(built, import_fresh(pbf, index, "osmnx"),
                        "today's path: layers_from_osm (PBF to XML, osmnx)"))
        rows.append(row(built, import_fresh(pbf, index), f"stream_pbf_layers, {index}"))
        write_json(target, "osm_national", {"data": data, "rows": rows, "files": files})
    for label, size in (("part", scale * compare), ("full", scale)):
        pbf, built = built_pbf(folder, label, size)
        files[label] = built
        rows.append(row(built, import_fresh(pbf, index), f"stream_pbf_layers, {index}"))
        print(f"{rows[-1]['task']}: {rows[-1]['seconds']:.1f} s, "
              f"peak {rows[-1]['peak_rss_mb']:,.0f} MB", flush=True)
        write_json(target, "osm_national", {"data": data, "rows": rows, "files": files})
    part, full = rows[-2], rows[-1]
    data |= {"nodes": files["full"]["nodes"], "ways": files["full"]["ways"],
             "pbf_mb": round(files["full"]["mb"], 1)}
    return {"data": data,
            "rows": rows, "files": files,
            "peak_full_vs_part": full["peak_rss_mb"] / part["peak_rss_mb"],
            "nodes_full_vs_part": files["full"]["nodes"] / files["part"]["nodes"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = Scotland's size")
    parser.add_argument("--compare", type=float, default=0.1,
                        help="the fraction of --scale also streamed, to see memory growth")
    parser.add_argument("--baseline", type=float, default=0.005,
                        help="scale of the file also read by today's path (0: none)")
    parser.add_argument("--index", default="sparse_file_array")
    parser.add_argument("--keep", type=Path, help="folder for the PBF files (kept, reused)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--import-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--method", default="stream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_only:
        print(json.dumps(import_once(args.import_only, args.index, args.method)))
        return 0
    options = {"compare": args.compare, "baseline": args.baseline, "target": args.json}
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = run(args.scale, args.index, args.keep, **options)
    else:
        with tempfile.TemporaryDirectory(prefix="osm-national-") as tmp:
            figures = run(args.scale, args.index, Path(tmp), **options)
    target = write_json(args.json, "osm_national", figures)
    for line in figures["rows"]:
        print(f"{line['method']} on {line['task']}: {line['seconds']:.1f} s, peak "
              f"{line['peak_rss_mb']:,.0f} MB, rows as the grid holds: {line['identical']} "
              f"({line['note']})")
    print(f"peak of the whole file / peak of {args.compare:g} of it: "
          f"{figures['peak_full_vs_part']:.2f} for {figures['nodes_full_vs_part']:.1f}x the "
          f"nodes; figures in {target}")
    return 0 if all(line["identical"] for line in figures["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
