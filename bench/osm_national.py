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

``--scale 0.02`` is a smoke test of 2 % (about 700,000 nodes, a few seconds). Each import is
run twice, at ``--scale`` and at half of it, so the figures show how memory grows with the
file.

Writes ``--json`` (default ``bench/out/osm_national.json``) for ``bench/results.py``.

    python bench/osm_national.py [--scale 1] [--index sparse_file_array] [--keep DIR]
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


def _meta(osm_id: int) -> dict[str, Any]:
    """FICTIONAL editing history, as a real extract carries (most of its bytes)."""
    uid = osm_id * 7919 % 50_000 + 1
    return {"version": 1 + osm_id % 9, "changeset": 40_000_000 + osm_id * 31 % 90_000_000,
            "timestamp": EPOCH + dt.timedelta(seconds=osm_id * 104_729 % 500_000_000),
            "uid": uid, "user": f"FICTIONAL mapper {uid}"}


def _jitter(osm_id: int) -> float:
    """A node's offset from its place in the grid, up to about a metre, in degrees."""
    return (osm_id * 2_654_435_761 % 20_001 - 10_000) * 1e-9


def _node(osm_id: int, location: tuple[float, float], tags: dict[str, str] | None = None
          ) -> Node:
    lon, lat = location
    return Node(id=osm_id, location=(lon + _jitter(osm_id), lat + _jitter(osm_id + 1)),
                tags=tags or {}, **_meta(osm_id))


def _block_nodes(grid: Grid, block: int) -> list[Node]:
    """The block's nodes in id order (see the module docstring)."""
    base = block * NODES_PER_BLOCK + 1
    lon, lat = _corner(grid, block)
    nodes = [_node(base, (lon, lat))]
    nodes += [_node(base + k, (lon + k * DLON / 9, lat)) for k in range(1, 9)]
    nodes += [_node(base + 8 + k, (lon, lat + k * DLAT / 9)) for k in range(1, 9)]
    first = base + 17
    for b in range(BUILDINGS_PER_BLOCK):
        x0 = lon + DLON * (0.1 + 0.8 * b / BUILDINGS_PER_BLOCK)
        x1 = x0 + DLON * 0.8 / BUILDINGS_PER_BLOCK * 0.8
        y0, y1 = lat + DLAT * 0.15, lat + DLAT * 0.35
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        ring = [(x0, y0), (xm, y0), (x1, y0), (x1, ym), (x1, y1), (xm, y1), (x0, y1), (x0, ym)]
        nodes += [_node(first + 8 * b + k, p) for k, p in enumerate(ring)]
    scrub = first + 8 * BUILDINGS_PER_BLOCK
    for k in range(22):
        angle = 2 * math.pi * k / 22
        nodes.append(_node(scrub + k, (lon + DLON * (0.5 + 0.3 * math.cos(angle)),
                                       lat + DLAT * (0.7 + 0.2 * math.sin(angle)))))
    tags = {"amenity": "pub", "name": f"FICTIONAL Arms {block}"} if block % SITE_EVERY == 0 else {}
    nodes.append(_node(scrub + 22, (lon + DLON * 0.9, lat + DLAT * 0.9), tags))
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
        ways.append(Way(id=way, nodes=refs, **_meta(way), tags={"highway": "residential",
                                                  "name": f"FICTIONAL Row {j}"}))
    if grid.has_north(block):
        refs = [base, *range(base + 9, base + 17), (block + grid.side) * NODES_PER_BLOCK + 1]
        highway = "footway" if i % 4 == 3 else "residential"
        ways.append(Way(id=way + 1, nodes=refs, **_meta(way + 1), tags={"highway": highway,
                                                      "name": f"FICTIONAL Street {i}"}))
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
        ways.append(Way(id=way + 2 + b, nodes=[*refs, refs[0]], tags=tags, **_meta(way + 2 + b)))
    scrub = first + 8 * BUILDINGS_PER_BLOCK
    refs = list(range(scrub, scrub + 22))
    ways.append(Way(id=way + 19, nodes=[*refs, refs[0]], tags={"natural": "scrub"},
                    **_meta(way + 19)))
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


def import_once(pbf: Path, index: str) -> dict[str, Any]:
    """In this process: stream the file into a temporary folder; time, peak, rows."""
    from geo_era.data.osm.stream import stream_pbf_layers  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="osm-national-") as tmp:
        started = time.perf_counter()
        result = stream_pbf_layers(pbf, Path(tmp), index=index)
        seconds = time.perf_counter() - started
        streets = result.read()["streets"] if result.rows["streets"] < 100_000 else None
    return {"seconds": seconds, "peak_rss_mb": peak_mb(), "rows": result.rows,
            "street_names": None if streets is None else int(streets["name"].nunique())}


def import_fresh(pbf: Path, index: str) -> dict[str, Any]:
    """:func:`import_once` in a fresh Python process (its own peak memory)."""
    out = subprocess.run([sys.executable, __file__, "--import-only", str(pbf), "--index",
                          index], capture_output=True, text=True, check=True)
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def run(scale: float, index: str, folder: Path) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    files: dict[str, Any] = {}
    for label, size in (("half", scale / 2), ("full", scale)):
        pbf = folder / f"scotland-{label}.osm.pbf"
        built = build_pbf(pbf, size)
        files[label] = built
        got = import_fresh(pbf, index)
        expected = built["expected"]
        same = got["rows"] == expected
        rows.append({"task": f"stream {built['mb']:,.0f} MB PBF ({built['nodes']:,} nodes, "
                             f"{built['ways']:,} ways)",
                     "method": f"stream_pbf_layers, {index}", "seconds": got["seconds"],
                     "peak_rss_mb": got["peak_rss_mb"], "identical": same,
                     "note": ", ".join(f"{k} {v:,}" for k, v in got["rows"].items())
                     + f"; file built in {built['build_s']:.0f} s"})
    growth = rows[1]["peak_rss_mb"] / rows[0]["peak_rss_mb"]
    return {"data": {"scale": scale, "index": index, "nodes": files["full"]["nodes"],
                     "ways": files["full"]["ways"], "pbf_mb": round(files["full"]["mb"], 1)},
            "rows": rows, "files": files, "peak_growth_full_vs_half": growth}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--index", default="sparse_file_array")
    parser.add_argument("--keep", type=Path, help="folder for the PBF files (kept)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--import-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_only:
        print(json.dumps(import_once(args.import_only, args.index)))
        return 0
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        figures = run(args.scale, args.index, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="osm-national-") as tmp:
            figures = run(args.scale, args.index, Path(tmp))
    target = write_json(args.json, "osm_national", figures)
    for row in figures["rows"]:
        print(f"{row['task']}: {row['seconds']:.1f} s, peak {row['peak_rss_mb']:,.0f} MB, "
              f"counts as expected: {row['identical']} ({row['note']})")
    print(f"peak at full / half size: {figures['peak_growth_full_vs_half']:.2f}; "
          f"figures in {target}")
    return 0 if all(row["identical"] for row in figures["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
