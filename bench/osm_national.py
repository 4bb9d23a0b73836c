"""Benchmark: a whole-Scotland OpenStreetMap PBF streamed into the three OSM layers.

Scotland's OSM extract is about 300 MB of PBF, some 35 million nodes and 4 million ways.
This builds a FICTIONAL PBF of that order (``--scale 1``: 35.2 million nodes, about 4
million ways) with ``osmium.SimpleWriter`` (from OPL text): a grid of blocks south-west of
Glasgow, each with a corner junction and two residential or footway streets of 10 nodes,
17 buildings of 8 nodes with FICTIONAL addresses (``addr:*``), one scrub polygon of 22
nodes, one orphan node and, now and then, a site (a pub node, a school or a shop building)
or a church mapped as a multipolygon relation; every object with a FICTIONAL editing
history. Then it imports the file with :func:`geo_era.data.osm.stream.stream_pbf_layers`
in a fresh process, which reads its own peak resident memory (``VmHWM``) at the end, and
checks the row counts against what the grid holds (worked out here, independently of the
importer).

``--scale 0.02`` is a smoke test of 2 % (704,000 nodes, 3 MB, a minute or two). The stream
also runs on ``--compare`` (a tenth) of the file, so the figures show how memory grows with
it, and today's path (:func:`layers_from_osm`: the PBF converted to XML, read by osmnx) runs
beside the stream on a ``--baseline`` file (0.5 %). Last, the whole file is imported as an
administrator imports it, ``geo-era import --format osm`` into a fresh store: the stream in
the import's child process, then the store's import of the three layers (which, like every
import, holds the layers to validate them).

Writes ``--json`` (default ``bench/out/osm_national.json``) for ``bench/results.py``.

    python bench/osm_national.py [--scale 1] [--compare 0.1] [--baseline 0.005]
        [--index sparse_file_array] [--keep DIR] [--steps all|small|full]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import osmium

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, peak_mb, write_json

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


def _escape(text: str) -> str:
    """A tag key or value, user name or role in OPL (``%<hex>%`` for its reserved signs)."""
    for sign in "% ,=@":
        text = text.replace(sign, f"%{ord(sign):x}%")
    return text


def _tags(tags: dict[str, str]) -> str:
    return ",".join(f"{_escape(k)}={_escape(v)}" for k, v in tags.items())


#: FICTIONAL mappers and edit times the objects draw from (made once).
_MAPPERS = [f"i{n} u{_escape(f'FICTIONAL mapper {n}')}" for n in range(1, 2001)]
_TIMES = [f"t{EPOCH + dt.timedelta(seconds=n * 104_729):%Y-%m-%dT%H:%M:%SZ}"
          for n in range(4096)]


def _meta(osm_id: int) -> str:
    """FICTIONAL editing history (version, changeset, time, mapper), as a real extract
    carries: most of its bytes."""
    spread = osm_id * 2_654_435_761
    return (f"v{1 + osm_id % 9} dV c{40_000_000 + spread % 9_000_000} "
            f"{_TIMES[spread % len(_TIMES)]} {_MAPPERS[spread % len(_MAPPERS)]}")


def _jitter(osm_id: int) -> float:
    """A node's offset from its place in the grid, up to about a metre, in degrees."""
    return (osm_id * 2_654_435_761 % 20_001 - 10_000) * 1e-9


def _node(osm_id: int, location: tuple[float, float], tags: dict[str, str] | None = None
          ) -> str:
    """One node as an OPL line."""
    lon, lat = location
    return (f"n{osm_id} {_meta(osm_id)} T{_tags(tags or {})} "
            f"x{lon + _jitter(osm_id):.7f} y{lat + _jitter(osm_id + 1):.7f}\n")


def _way(osm_id: int, refs: list[int], tags: dict[str, str]) -> str:
    """One way as an OPL line."""
    return f"w{osm_id} {_meta(osm_id)} T{_tags(tags)} N{','.join(f'n{r}' for r in refs)}\n"


def _block_nodes(grid: Grid, block: int) -> list[str]:
    """The block's nodes in id order (see the module docstring), as OPL lines."""
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
    assert len(nodes) == NODES_PER_BLOCK
    return nodes


def _block_ways(grid: Grid, block: int) -> list[str]:
    """The block's ways in id order, as OPL lines."""
    base = block * NODES_PER_BLOCK + 1
    way = block * WAYS_PER_BLOCK + 1
    i, j = grid.cell(block)
    ways = []
    if grid.has_east(block):
        refs = [base, *range(base + 1, base + 9), (block + 1) * NODES_PER_BLOCK + 1]
        ways.append(_way(way, refs, {"highway": "residential", "name": f"FICTIONAL Row {j}"}))
    if grid.has_north(block):
        refs = [base, *range(base + 9, base + 17), (block + grid.side) * NODES_PER_BLOCK + 1]
        highway = "footway" if i % 4 == 3 else "residential"
        ways.append(_way(way + 1, refs, {"highway": highway, "name": f"FICTIONAL Street {i}"}))
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
        ways.append(_way(way + 2 + b, [*refs, refs[0]], tags))
    scrub = first + 8 * BUILDINGS_PER_BLOCK
    refs = list(range(scrub, scrub + 22))
    ways.append(_way(way + 19, [*refs, refs[0]], {"natural": "scrub"}))
    return ways


def build_pbf(path: Path, scale: float) -> dict[str, Any]:
    """Write the FICTIONAL PBF; its size, counts and the seconds it took. The objects are
    written as OPL text (a temporary file beside it) that libosmium turns into PBF:
    four times faster than one pyosmium object each."""
    grid = Grid(max(4, round(NATIONAL_BLOCKS * scale)))
    started = time.perf_counter()
    nodes = ways = relations = 0
    opl = path.with_name(path.name + ".opl")
    with opl.open("w", encoding="utf-8") as out:
        for block in range(grid.blocks):
            lines = _block_nodes(grid, block)
            out.writelines(lines)
            nodes += len(lines)
        for block in range(grid.blocks):
            lines = _block_ways(grid, block)
            out.writelines(lines)
            ways += len(lines)
        for block in range(0, grid.blocks, CHURCH_EVERY):
            outer = block * WAYS_PER_BLOCK + 1 + 2 + BUILDINGS_PER_BLOCK - 1
            relation = block // CHURCH_EVERY + 1
            tags = {"type": "multipolygon", "building": "church",
                    "amenity": "place_of_worship", "name": f"FICTIONAL Kirk {block}"}
            out.write(f"r{relation} {_meta(relation)} T{_tags(tags)} Mw{outer}@outer\n")
            relations += 1
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    try:
        osmium.apply(str(opl), writer)
    finally:
        writer.close()
        opl.unlink()
    return {"blocks": grid.blocks, "nodes": nodes, "ways": ways, "relations": relations,
            "mb": path.stat().st_size / 1e6, "build_s": time.perf_counter() - started,
            "expected": grid.expected()}


def import_once(pbf: Path, index: str, method: str) -> dict[str, Any]:
    """In this process: the three layers of ``pbf`` by ``method`` (``stream``:
    :func:`stream_pbf_layers` into a temporary folder; ``osmnx``: today's
    :func:`layers_from_osm`); seconds, peak resident memory, rows."""
    from geo_era.data.osm import layers_from_osm  # noqa: PLC0415
    from geo_era.data.osm.stream import stream_pbf_layers  # noqa: PLC0415

    if method == "import":
        return command_once(pbf)
    with tempfile.TemporaryDirectory(prefix="osm-national-") as tmp:
        started = time.perf_counter()
        if method == "stream":
            rows = stream_pbf_layers(pbf, Path(tmp), index=index).rows
        else:
            rows = {name: len(frame) for name, frame in layers_from_osm(pbf).items()}
        seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"seconds": seconds, "peak_rss_mb": peak_mb(), "rows": rows,
            "cpu_s": usage.ru_utime + usage.ru_stime}


def command_once(pbf: Path) -> dict[str, Any]:
    """``geo-era import --format osm`` on ``pbf`` into a fresh store, as an administrator
    runs it (the stream in the import's child, then the store's import of the three
    layers); seconds, the peak of its largest process (the command or its child), rows."""
    with tempfile.TemporaryDirectory(prefix="osm-national-import-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_ERA_")}
        env |= {"GEO_ERA_HOME": str(Path(tmp) / "home"), "GEO_ERA_IMPORT_SECONDS": "1800"}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "geo_era.cli", "import", "--format",
                               "osm", str(pbf), "--json"], capture_output=True, text=True,
                              check=False, env=env)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"geo-era import --format osm failed: {done.stderr[-2000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024,
            "rows": json.loads(done.stdout)["rows"], "cpu_s": usage.ru_utime + usage.ru_stime}


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


def row(built: dict[str, Any], got: dict[str, Any], method: str, label: str
        ) -> dict[str, Any]:
    """A RESULTS.md row; ``identical``: the rows are those the grid holds."""
    return {"file": label, "task": f"{built['mb']:,.1f} MB PBF: {built['nodes']:,} nodes, "
                    f"{built['ways']:,} ways (scale {built['scale']:g})",
            "method": method, "seconds": got["seconds"], "peak_rss_mb": got["peak_rss_mb"],
            "identical": got["rows"] == built["expected"],
            "cpu_s": got.get("cpu_s"),
            "note": ", ".join(f"{k} {v:,}" for k, v in got["rows"].items())
            + (f"; {got['cpu_s']:.0f} CPU s (the process, imports included)"
               if got.get("cpu_s") else "")
            + f"; file written in {built['build_s']:.0f} s"}


def _done(target: Path | None, data: dict[str, Any]) -> dict[str, Any]:
    """The figures of an earlier run of the same scale and index (for ``--only-full``)."""
    path = target or OUT / "osm_national.json"
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if {k: found["data"].get(k) for k in data} != data or "part" not in found["files"]:
        raise SystemExit(f"{path} holds no earlier run at this scale and index")
    return found


def run(scale: float, index: str, folder: Path, *, compare: float, baseline: float,
        target: Path | None, steps: str = "all") -> dict[str, Any]:
    """The baseline (today's path and the stream on a small file), then the stream on a
    ``compare`` fraction of the national file and on the whole of it; the figures so far
    are written to ``target`` after each step. ``steps``: ``all``, ``small`` (all but the
    whole file) or ``full`` (the whole file, the others' rows kept from ``target``)."""
    rows: list[dict[str, Any]] = []
    files: dict[str, Any] = {}
    data = {"scale": scale, "index": index}
    if steps == "full":
        done = _done(target, data)
        rows = [r for r in done["rows"] if r["file"] != "full"]
        files = {k: v for k, v in done["files"].items() if k != "full"}
    elif baseline > 0:
        pbf, built = built_pbf(folder, "baseline", baseline)
        files["baseline"] = built
        rows.append(row(built, import_fresh(pbf, index, "osmnx"),
                        "today's path: layers_from_osm (PBF to XML, osmnx)", "baseline"))
        rows.append(row(built, import_fresh(pbf, index), f"stream_pbf_layers, {index}",
                        "baseline"))
        write_json(target, "osm_national", {"data": data, "rows": rows, "files": files})
    sizes = {"all": (("part", scale * compare), ("full", scale)),
             "small": (("part", scale * compare),), "full": (("full", scale),)}[steps]
    for label, size in sizes:
        pbf, built = built_pbf(folder, label, size)
        files[label] = built
        rows.append(row(built, import_fresh(pbf, index), f"stream_pbf_layers, {index}",
                        label))
        print(f"{rows[-1]['task']}: {rows[-1]['seconds']:.1f} s, "
              f"peak {rows[-1]['peak_rss_mb']:,.0f} MB", flush=True)
        write_json(target, "osm_national", {"data": data, "rows": rows, "files": files})
    if steps == "small":
        return {"data": data, "rows": rows, "files": files}
    part, full = rows[-2], rows[-1]
    pbf, built = built_pbf(folder, "full", scale)
    rows.append(row(built, import_fresh(pbf, index, "import"),
                    "geo-era import --format osm (the stream in the import's child, then "
                    "the store's import of the layers)", "full"))
    print(f"the import command: {rows[-1]['seconds']:.1f} s, "
          f"peak {rows[-1]['peak_rss_mb']:,.0f} MB", flush=True)
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
    parser.add_argument("--steps", choices=("all", "small", "full"), default="all",
                        help="small: all but the whole file; full: the whole file only, "
                             "the other rows kept from the last run's --json")
    parser.add_argument("--import-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--method", default="stream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_only:
        print(json.dumps(import_once(args.import_only, args.index, args.method)))
        return 0
    options = {"compare": args.compare, "baseline": args.baseline, "target": args.json,
               "steps": args.steps}
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
    if "peak_full_vs_part" in figures:
        print(f"peak of the whole file / peak of {args.compare:g} of it: "
              f"{figures['peak_full_vs_part']:.2f} for {figures['nodes_full_vs_part']:.1f}x "
              f"the nodes")
    print(f"figures in {target}")
    return 0 if all(line["identical"] for line in figures["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
