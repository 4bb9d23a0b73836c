"""Finding 8 of issue 17: the walking-graph cache was loaded with pickle, so a planted
cache file ran a shell command. The cache is now plain arrays (``.npz``), and a file with
a Python object in it is never unpickled but rebuilt. REQUIREMENTS.md: R80, R104."""

from __future__ import annotations

import typing
from pathlib import Path

import numpy as np
import pytest

from geo_era.analysis.network import walk_network_for
from geo_era.data.layer_store import LayerStore
from tests.conftest import import_demo


@pytest.fixture(scope="module")
def store(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> LayerStore:
    return import_demo(demo_files, tmp_path_factory.mktemp("graph-cache") / "home")


class _Trap:
    """Records being unpickled: a cache file holding one must never be unpickled."""

    opened: typing.ClassVar[list[str]] = []

    def __setstate__(self, state: object) -> None:
        _Trap.opened.append("unpickled")


def test_graph_cache_holds_no_objects(store: LayerStore) -> None:
    """The cached graph is plain arrays; a cache file with a Python object in it (the
    old format, or planted) is not unpickled but rebuilt."""
    from geo_era.analysis.network import cache_key, load_graph

    network = walk_network_for(store)
    key = cache_key("streets", store.version("streets").sha256)
    path = store.home / "cache" / f"walk-graph-{key}.npz"
    with np.load(path) as data:  # numpy refuses object arrays unless told otherwise
        assert all(data[name].dtype != object for name in data.files)
    again = load_graph(path)
    assert np.array_equal(again.node_xy, network.graph.node_xy)
    assert np.array_equal(again.u, network.graph.u) and np.array_equal(again.v, network.graph.v)
    assert all(a.equals_exact(b, 0) for a, b in zip(again.geoms, network.graph.geoms,
                                                      strict=True))
    assert again.dropped_nodes == network.graph.dropped_nodes
    assert again.source_key == network.graph.source_key
    planted = np.empty(1, dtype=object)
    planted[0] = _Trap()
    with path.open("wb") as fh:
        np.savez(fh, node_xy=planted, u=planted, v=planted, wkb=planted,
                 wkb_offsets=planted, dropped=planted, key=planted)
    rebuilt = walk_network_for(store)
    assert _Trap.opened == []
    assert rebuilt.graph.n_nodes == network.graph.n_nodes
    with np.load(path) as data:
        assert all(data[name].dtype != object for name in data.files)
