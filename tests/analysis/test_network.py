"""Walking distances against networkx Dijkstra on the same streets, on the demo town and
on the real Aberdeen extract; unreachable and empty cases; barriers; routes; cache."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo_era.analysis.network import MAX_SNAP_M, WalkGraph, WalkNetwork, walk_network_for
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.demo.demotown import build_demo_town
from geo_era.errors import DataError
from geo_era.workspace import Workspace
from tests.conftest import import_demo, require_shared_data


def oracle(graph: WalkGraph, points: np.ndarray, network: WalkNetwork, *,
           from_sites: bool = True) -> nx.DiGraph:
    """An independent networkx graph: each street split at every snapped point and site
    access point (streets walkable both ways), points and sites joined to their cuts by
    their straight offsets. A walk may not cross a site's grounds, so sites are only
    ends: with ``from_sites`` each category node leads to its sites, which lead out to
    the streets, which lead in to the points; otherwise points lead out and sites in."""
    snap = graph.snap(points)
    access = network.access
    cuts: dict[int, list[tuple[float, tuple[str, int]]]] = {}
    for k, (edge, along) in enumerate(zip(snap.edge, snap.along, strict=True)):
        if edge >= 0:
            cuts.setdefault(int(edge), []).append((float(along), ("p", k)))
    for k, (edge, along) in enumerate(zip(access.edge, access.along, strict=True)):
        cuts.setdefault(int(edge), []).append((float(along), ("a", k)))
    g = nx.DiGraph()

    def street(a: object, b: object, w: float) -> None:
        for x, y in ((a, b), (b, a)):
            if not g.has_edge(x, y) or g[x][y]["weight"] > w:
                g.add_edge(x, y, weight=w)

    for e in range(graph.n_edges):
        here = sorted((a, i) for i, (a, _) in enumerate(cuts.get(e, [])))
        stops: list[tuple[float, object]] = [(0.0, int(graph.u[e]))]
        stops += [(a, ("cut", e, i)) for a, i in here]
        stops.append((float(graph.length[e]), int(graph.v[e])))
        for (a0, n0), (a1, n1) in itertools.pairwise(stops):
            street(n0, n1, a1 - a0)
        for i, (_, (kind, k)) in enumerate(cuts.get(e, [])):
            cut = ("cut", e, i)
            if kind == "p":
                point = ("point", k)
                w = float(snap.offset[k])
                g.add_edge(*((cut, point) if from_sites else (point, cut)), weight=w)
            else:
                site = ("site", int(access.site[k]))
                w = float(access.offset[k])
                g.add_edge(*((site, cut) if from_sites else (cut, site)), weight=w)
    categories = network.sites["category"].to_numpy()
    for site in np.unique(access.site):
        g.add_edge(("category", categories[site]), ("site", int(site)), weight=0.0)
    return g


@pytest.fixture(scope="module")
def demo() -> tuple[WalkNetwork, gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]:
    town = build_demo_town(scale=1.0, seed=0)
    graph = WalkGraph.from_streets(town.layers["streets"])
    return WalkNetwork.build(graph, town.layers["sites"]), town.layers["properties"], \
        town.extras


def compare_with_networkx(network: WalkNetwork, points: np.ndarray) -> int:
    """Assert nearest-by-category walking distances equal networkx's to 0.01 m; return
    how many values were compared."""
    graph = network.graph
    g = oracle(graph, points, network)
    snap = graph.snap(points)
    ours = graph.nearest_by_category(snap, network.table, network.access)
    compared = 0
    for category, (walk, site) in ours.items():
        expected = nx.single_source_dijkstra_path_length(g, ("category", category),
                                                         weight="weight")
        for k in range(len(points)):
            want = expected.get(("point", k), np.inf)
            assert walk[k] == pytest.approx(want, abs=0.01), (category, k)
            if np.isfinite(want):
                assert network.sites["category"].iloc[site[k]] == category
            compared += 1
    return compared


def test_demo_town_equals_networkx(demo: tuple[WalkNetwork, gpd.GeoDataFrame,
                                               dict[str, gpd.GeoDataFrame]]) -> None:
    network, props, _ = demo
    xy = shapely.get_coordinates(props.geometry.to_numpy())[::7]
    assert compare_with_networkx(network, xy) > 2000


def test_per_site_walks_equal_networkx(demo: tuple[WalkNetwork, gpd.GeoDataFrame,
                                                   dict[str, gpd.GeoDataFrame]]) -> None:
    network, props, _ = demo
    xy = shapely.get_coordinates(props.geometry.to_numpy())[[0, 333, 1200]]
    g = oracle(network.graph, xy, network, from_sites=False)
    rows = np.arange(len(network.sites))
    for k, point in enumerate(xy):
        walks, status = network.walks_to_sites(point, rows, limit_m=50_000)
        assert status == "on_network"
        expected = nx.single_source_dijkstra_path_length(g, ("point", k), weight="weight")
        for row in rows:
            assert walks[row] == pytest.approx(expected[("site", int(row))], abs=0.01)


def test_a_bounded_walk_search_touches_only_nodes_within_reach_and_equals_the_whole_graphs(
        ) -> None:
    """Issue 23, items 3 and 5: a search with a walking limit touches only the nodes
    within that limit (its compiled Dijkstra), leaves its scratch as it found it, and
    every distance equals scipy's Dijkstra over the whole graph with the same limit (the
    independent answer), exactly; per site, it equals networkx's within the limit."""
    from scipy.sparse import csgraph

    from geo_era.analysis.network import distances, kernels

    town = build_demo_town(scale=10.0, seed=0)  # 485 nodes over 2.5 km
    network = WalkNetwork.build(WalkGraph.from_streets(town.layers["streets"]),
                                town.layers["sites"])
    props = town.layers["properties"]
    graph = network.graph
    indptr, indices, weights = graph.csr
    xy = shapely.get_coordinates(props.geometry.to_numpy())[::997]
    rng = np.random.default_rng(5)
    searched = 0
    for point, limit in zip(xy, rng.choice([0.0, 150.0, 400.0, 900.0, 2_400.0], len(xy)),
                            strict=True):
        snap = graph.snap([point])
        if snap.edge[0] < 0:
            continue
        e = int(snap.edge[0])
        whole = csgraph.dijkstra(graph.matrix, directed=False,
                                 indices=[graph.u[e], graph.v[e]], limit=float(limit))
        with graph.scratch.borrow() as scratch:
            count = kernels._bounded_search(indptr, indices, weights, int(graph.u[e]),
                                            float(limit), scratch.distance, scratch.touched)
            touched = np.sort(scratch.touched[:count])
            assert np.array_equal(touched, np.flatnonzero(np.isfinite(whole[0])))
            assert np.array_equal(scratch.distance[touched], whole[0][touched])
            scratch.distance[touched] = np.inf
        if limit <= 400:
            assert count < graph.n_nodes / 4  # a part of the graph, not all
        near = distances.near_access(graph, snap, network.access, float(limit))
        expected = graph.to_access(snap, graph.from_points(snap, limit_m=float(limit)),
                                   network.access)[0]
        assert np.array_equal(near, expected)
        with graph.scratch.borrow() as scratch:  # reset where it was touched
            assert np.isinf(scratch.distance).all()
        searched += 1
    assert searched >= 10
    # per site, the bounded walks equal the whole graph's for any list of sites
    # (repeated, or with no access point), exactly
    for point, limit in zip(xy, rng.choice([150.0, 400.0, 2_400.0], len(xy)), strict=True):
        snap = graph.snap([point])
        if snap.edge[0] < 0:
            continue
        rows = rng.integers(0, len(network.sites), 40)
        rows[:3] = rows[0]
        walks, status = network.walks_from(snap, rows, limit_m=float(limit))
        whole = graph.to_access(snap, graph.from_points(snap, limit_m=np.inf),
                                network.access)[0]
        best = np.full(len(network.sites), np.inf)
        np.minimum.at(best, network.access.site, whole)
        want = np.where(best[rows] > limit, np.inf, best[rows])
        assert status == "on_network" and np.array_equal(walks, want)
    # per site: within the limit as networkx says, beyond it unreachable
    point = xy[3]
    g = oracle(graph, point.reshape(1, 2), network, from_sites=False)
    want = nx.single_source_dijkstra_path_length(g, ("point", 0), weight="weight")
    rows = np.arange(len(network.sites))
    walks, _ = network.walks_to_sites(point, rows, limit_m=600.0)
    for site in rows:
        expected_walk = want.get(("site", int(site)), np.inf)
        if expected_walk <= 600.0 - 0.01:
            assert walks[site] == pytest.approx(expected_walk, abs=0.01)
        elif expected_walk > 600.0 + 0.01:
            assert walks[site] == np.inf


def test_routes_measure_the_walk(demo: tuple[WalkNetwork, gpd.GeoDataFrame,
                                             dict[str, gpd.GeoDataFrame]]) -> None:
    network, props, _ = demo
    xy = shapely.get_coordinates(props.geometry.to_numpy())
    snap = network.graph.snap(xy)
    walks = network.graph.nearest_by_category(snap, network.table, network.access)
    for k in range(0, len(xy), 151):
        for category in ("school", "play_park"):
            found = network.graph.route(xy[k], network.per_category[category], network.access)
            assert found is not None
            line, site = found
            walk, nearest = walks[category]
            if site == nearest[k]:
                assert line.length == pytest.approx(walk[k], abs=0.01)
            assert line.coords[0] == pytest.approx(tuple(xy[k]))


def test_railway_is_a_barrier(demo: tuple[WalkNetwork, gpd.GeoDataFrame,
                                          dict[str, gpd.GeoDataFrame]]) -> None:
    from geo_era.analysis.network import walk_flag

    network, props, extras = demo
    railway = shapely.union_all(extras["railways"].geometry.to_numpy())
    xy = shapely.get_coordinates(props.geometry.to_numpy())
    rows = np.arange(len(network.sites))
    flagged = crossing = 0
    for k in range(0, len(xy), 11):
        walks, _ = network.walks_to_sites(xy[k], rows, limit_m=50_000)
        straight = shapely.distance(Point(xy[k]), network.sites.geometry.to_numpy())
        for row in np.flatnonzero(straight < 400):
            if walk_flag(float(straight[row]), float(walks[row])) == "barrier":
                flagged += 1
                line = shapely.shortest_line(Point(xy[k]), network.sites.geometry.iloc[row])
                crossing += bool(line.intersects(railway))
    assert flagged > 0
    assert crossing / flagged > 0.5  # most barrier flags are the railway


def test_walk_is_never_shorter_than_the_straight_line(
        demo: tuple[WalkNetwork, gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]) -> None:
    network, props, _ = demo
    xy = shapely.get_coordinates(props.geometry.to_numpy())[::50]
    rows = np.arange(len(network.sites))
    for point in xy:
        walks, _ = network.walks_to_sites(point, rows, limit_m=50_000)
        straight = shapely.distance(Point(point), network.sites.geometry.to_numpy())
        assert (walks + 1e-6 >= straight).all()


def test_aberdeen_equals_networkx() -> None:
    from geo_era.data.osm import layers_from_osm

    name = "aberdeen_city_centre_2016.osm"
    layers = layers_from_osm(require_shared_data(name) / name)
    graph = WalkGraph.from_streets(layers["streets"])
    assert graph.n_nodes == 456  # osmnx's largest component of the same walking network
    network = WalkNetwork.build(graph, layers["sites"])
    buildings = layers["buildings"].geometry.to_numpy()
    xy = shapely.get_coordinates(shapely.point_on_surface(buildings))[::3]
    assert compare_with_networkx(network, xy) > 400


def test_empty_graph_is_a_clear_error() -> None:
    empty = gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs=27700))
    with pytest.raises(DataError, match="the street network is empty"):
        WalkGraph.from_streets(empty)
    loops = gpd.GeoDataFrame({"name": ["ring"]}, geometry=[
        LineString([(300_000, 700_000), (300_010, 700_000), (300_000, 700_000)])], crs=27700)
    with pytest.raises(DataError, match="every street line is a loop"):
        WalkGraph.from_streets(loops)


@pytest.fixture(scope="module")
def store(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> LayerStore:
    return import_demo(demo_files, tmp_path_factory.mktemp("network") / "home")


def test_unreachable_is_said_not_infinity(store: LayerStore, tmp_path: Path) -> None:
    streets = store.read("streets")
    props = store.read("properties")
    _, miny, maxx, maxy = streets.total_bounds
    lonely = (maxx + MAX_SNAP_M + 150, (miny + maxy) / 2)  # a site and a house past all streets
    home = LayerStore(tmp_path / "home")
    for name in ("buildings", "properties", "streets"):
        frame = store.read(name)
        frame = frame.drop(columns=[c for c in frame.columns if c.endswith("_derived")])
        if name == "properties":
            frame = gpd.GeoDataFrame(
                {"property_id": [*frame["property_id"][:5], "ISLAND"],
                 "address": [*frame["address"][:5], "1 Far Croft, Inverallan"]},
                geometry=[*frame.geometry[:5], Point(lonely[0] + 20, lonely[1])], crs=27700)
        frame.to_parquet(tmp_path / f"{name}.parquet")
    sites = gpd.GeoDataFrame({"site_id": ["NEAR", "FAR"], "category": ["school", "cctv"],
                              "name": ["", ""]},
                             geometry=[props.geometry.iloc[0], Point(lonely)], crs=27700)
    sites.to_parquet(tmp_path / "sites.parquet")
    import_files([tmp_path / f"{n}.parquet" for n in
                  ("buildings", "properties", "streets", "sites")], store=home)
    start = str(props["property_id"].iloc[0])
    doc = Workspace(home).sites_near(start, 5_000)
    by_id = {s["site_id"]: s for s in doc["sites"]}
    assert by_id["FAR"]["walk_m"] is None and by_id["FAR"]["walk_status"] == "unreachable"
    assert by_id["NEAR"]["walk_status"] == "reachable"
    assert doc["nearest_walk"]["cctv"]["walk_status"] == "unreachable"
    assert doc["nearest_walk"]["school"]["walk_status"] == "reachable"
    island = Workspace(home).sites_near("ISLAND", 5_000)
    assert {s["walk_status"] for s in island["sites"]} == {"property_off_network"}
    assert json.dumps(doc).count("Infinity") == 0


def test_graph_is_cached_by_streets_version(store: LayerStore, tmp_path: Path) -> None:
    walk_network_for(store)
    cached = sorted((store.home / "cache").glob("walk-graph-*.npz"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    again = walk_network_for(store)
    assert cached[0].stat().st_mtime_ns == stamp  # read, not rebuilt
    assert again.graph.n_nodes > 50


def test_cli_sites_near_has_walk_fields(store: LayerStore) -> None:
    pid = str(store.read("properties")["property_id"].iloc[10])
    env = {"GEO_ERA_HOME": str(store.home), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "geo_era.cli", "sites-near", pid, "--radius",
                           "400", "--json"], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["sites"]
    for site in doc["sites"]:
        walk_fields = [k for k in site if "walk" in k]
        assert "walk_m" in walk_fields and "walk_status" in walk_fields
        assert site["walk_status"] == "unreachable" or site["walk_m"] >= site["distance_m"]


def test_category_distances_one_search_in_this_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every category's search runs in one Dijkstra call on the calling thread (no fork,
    no child process, no pool: scipy holds the GIL and a pool costs more to start than
    the searches take, bench/network.py), and equals each category searched alone."""
    from geo_era.analysis.network import distances

    town = build_demo_town(scale=3.0, seed=2)
    graph = WalkGraph.from_streets(town.layers["streets"])
    access = graph.site_access(town.layers["sites"])
    calls: list[int] = []
    real_dijkstra = distances.csgraph.dijkstra

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(threading.get_ident())
        return real_dijkstra(*args, **kwargs)

    def no_fork() -> int:
        raise AssertionError("the walking network forked")

    monkeypatch.setattr(distances.csgraph, "dijkstra", counting)
    monkeypatch.setattr(os, "fork", no_fork)
    together = graph.category_distances(town.layers["sites"], access)
    assert calls == [threading.get_ident()]
    assert multiprocessing.active_children() == []
    assert len(together) >= 2
    for category, cd in together.items():
        alone = graph.category_distances(town.layers["sites"], access,
                                         categories=[category])[category]
        assert np.array_equal(cd.distance, alone.distance)
        assert np.array_equal(cd.predecessor, alone.predecessor)
        assert np.array_equal(cd.node_site, alone.node_site)
