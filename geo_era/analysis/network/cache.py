"""The walking graph cached under ``GEO_ERA_HOME/cache``, keyed by the content of the
streets layer it was built from.

A cached graph is one ``.npz`` file of plain numeric arrays: node coordinates, edge ends,
the street geometry as WKB bytes (one byte array and its offsets), the count of nodes
outside the largest component and the cache key. It is read back with numpy's default
``np.load``, which refuses object arrays, so nothing read from ``GEO_ERA_HOME`` can run
code; a file that cannot be read as such is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import shapely
import shapely.errors

from geo_era._io import PRIVATE, atomic_path, private_dir
from geo_era.analysis.network.graph import WalkGraph
from geo_era.data.layer_store import LayerStore, LayerVersion
from geo_era.errors import DataError

#: Bump this when the cached arrays change meaning (2: geometry as WKB bytes and
#: offsets, no object arrays).
CACHE_FORMAT = 2

#: What reading a damaged, foreign or vanished cache file can raise: it is rebuilt.
_UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile,
               shapely.errors.ShapelyError)


def cache_key(*parts: str) -> str:
    """A short hash of the cache format and ``parts`` (e.g. the streets layer's hash)."""
    return hashlib.sha256(json.dumps([CACHE_FORMAT, *parts]).encode()).hexdigest()[:16]


def save_graph(graph: WalkGraph, path: Path) -> None:
    """Cache a graph (its arrays and WKB street geometry) atomically, owner-only like
    everything in ``GEO_ERA_HOME``; processes saving at once (several API workers)
    each write a file of their own first."""
    wkb = shapely.to_wkb(graph.geoms)
    sizes = np.fromiter((len(b) for b in wkb), dtype=np.int64, count=len(wkb))
    offsets = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    data = np.frombuffer(b"".join(wkb), dtype=np.uint8)
    private_dir(path.parent)
    with atomic_path(path, mode=PRIVATE) as tmp, tmp.open("wb") as fh:
        np.savez(fh, node_xy=np.asarray(graph.node_xy, dtype=np.float64),
                 u=np.asarray(graph.u, dtype=np.int64), v=np.asarray(graph.v, dtype=np.int64),
                 wkb=data, wkb_offsets=offsets,
                 dropped=np.array([graph.dropped_nodes], dtype=np.int64),
                 key=np.array([graph.source_key], dtype=np.str_))


def load_graph(path: Path) -> WalkGraph:
    """A graph cached by :func:`save_graph`. Object arrays are refused (numpy's default),
    so a file holding any raises ``ValueError``."""
    with np.load(path) as data:
        offsets = data["wkb_offsets"]
        buffer = data["wkb"].tobytes()
        wkb = np.array([buffer[a:b] for a, b in zip(offsets[:-1].tolist(),
                                                    offsets[1:].tolist(), strict=True)],
                       dtype=object)
        return WalkGraph(data["node_xy"], data["u"], data["v"], shapely.from_wkb(wkb),
                         dropped_nodes=int(data["dropped"][0]),
                         source_key=str(data["key"][0]))


def walk_graph_for(store: LayerStore, streets: LayerVersion | None = None) -> WalkGraph:
    """The walking graph of a :class:`LayerStore`'s streets layer (or of the catalog
    entry ``streets``, a :class:`~geo_era.data.layer_store.LayerVersion`), cached under
    ``GEO_ERA_HOME/cache`` keyed by the layer's content."""
    if streets is None:
        if not store.has("streets"):
            raise DataError("no street network is loaded: import a 'streets' layer or an "
                            "OpenStreetMap extract to measure walking distances")
        streets = store.version("streets")
    key = cache_key("streets", streets.sha256)
    path = Path(store.home) / "cache" / f"walk-graph-{key}.npz"
    graph: WalkGraph | None = None
    if path.exists():
        try:
            graph = load_graph(path)
        except _UNREADABLE:
            graph = None  # a damaged (or vanished) cache is rebuilt
    if graph is None:
        graph = WalkGraph.from_streets(store.read_entry(streets), source_key=key)
        save_graph(graph, path)
        # other graphs (older streets, older formats) go; another process's part-written
        # file is hidden (a leading dot) and not matched
        for old in path.parent.glob("walk-graph-*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    return graph
