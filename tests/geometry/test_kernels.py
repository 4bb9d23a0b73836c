"""The compiled proximity kernels behind SiteIndex, against shapely (GEOS) brute force.

Sites here are what real layers hold beyond the boxes of the other tests: non-convex
school grounds, parks with a pond cut out (holes), multipart sites, points on top of each
other, and queries inside holes, on edges, outside the sites' extent and far away.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

import geo_era.geometry.index as index_module
from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.geometry.index import SiteIndex

X0, Y0 = 320_000.0, 660_000.0


def star(rng: np.random.Generator, cx: float, cy: float, r: float, n: int) -> Polygon:
    """A non-convex polygon: n points at random radii around (cx, cy)."""
    angles = (np.arange(n) + rng.uniform(0, 0.9, n)) * (2 * np.pi / n)  # gaps < pi
    radii = rng.uniform(0.3 * r, r, n)
    return Polygon(np.c_[cx + radii * np.cos(angles), cy + radii * np.sin(angles)])


def awkward_sites(rng: np.random.Generator, n_points: int, n_polys: int,
                  span: float = 4000.0) -> gpd.GeoDataFrame:
    geoms: list[object] = []
    centres = rng.uniform(0, span, (n_polys, 2)) + [X0, Y0]
    for i, (cx, cy) in enumerate(centres):
        size = rng.uniform(20, 250)
        kind = i % 4
        if kind == 0:
            geoms.append(star(rng, cx, cy, size, int(rng.integers(5, 30))))
        elif kind == 1:  # a park with a pond
            geoms.append(box(cx - size, cy - size, cx + size, cy + size).difference(
                Point(cx, cy).buffer(size / 2)))
        elif kind == 2:  # two parts
            geoms.append(MultiPolygon([box(cx, cy, cx + size, cy + size / 2),
                                       box(cx + 2 * size, cy, cx + 3 * size, cy + size)]))
        else:
            geoms.append(box(cx, cy, cx + size, cy + size))
    points = rng.uniform(0, span, (n_points, 2)) + [X0, Y0]
    points[: n_points // 10] = points[n_points // 10: 2 * (n_points // 10)]  # stacked
    geoms.extend(shapely.points(points))
    order = rng.permutation(len(geoms))
    geometry = np.array(geoms, dtype=object)[order]
    assert shapely.is_valid(geometry).all()
    return gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(len(geoms))],
                             "category": rng.choice(SITE_CATEGORIES, len(geoms)),
                             "name": ""}, geometry=geometry, crs=27700)


def queries(rng: np.random.Generator, sites: gpd.GeoDataFrame, n: int,
            span: float = 4000.0) -> np.ndarray:
    """Random points over and around the sites, some on polygon vertices and edges, in
    holes and at point sites."""
    xy = rng.uniform(-300, span + 300, (n, 2)) + [X0, Y0]
    polys = sites.geometry[sites.geom_type != "Point"].to_numpy()
    vertices = shapely.get_coordinates(shapely.get_exterior_ring(
        shapely.get_geometry(polys, 0)))
    xy[: n // 20] = vertices[rng.integers(0, len(vertices), n // 20)]
    holes = shapely.get_interior_ring(shapely.get_geometry(polys, 0), 0)
    holes = holes[~shapely.is_missing(holes)]
    inside_holes = shapely.get_coordinates(shapely.centroid(shapely.polygons(holes)))
    xy[n // 20: n // 10] = inside_holes[rng.integers(0, len(holes), n // 10 - n // 20)]
    points = shapely.get_coordinates(sites.geometry[sites.geom_type == "Point"].to_numpy())
    xy[n // 10: n // 10 + n // 20] = points[rng.integers(0, len(points), n // 20)]
    return xy


def brute(xy: np.ndarray, sites: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(shapely.distance(shapely.points(xy)[:, None],
                                       sites.geometry.to_numpy()[None, :]))


def brute_nearest(d: np.ndarray, sites: gpd.GeoDataFrame, bound: float = np.inf
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The nearest site of each category (lowest position among equals) by brute force."""
    cats = sites["category"].to_numpy()
    site = np.full((len(d), len(SITE_CATEGORIES)), -1)
    dist = np.full((len(d), len(SITE_CATEGORIES)), np.inf)
    for col, category in enumerate(SITE_CATEGORIES):
        masked = np.where((cats == category)[None, :] & (d <= bound), d, np.inf)
        best = masked.min(axis=1)
        has = np.isfinite(best)
        dist[:, col] = best
        site[has, col] = np.argmax(masked[has] == best[has, None], axis=1)
    return site, dist


@pytest.fixture(params=["one at a time", "in cell order on two threads"])
def batch_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways a batch is searched: as given on one thread, and (as a large batch is)
    sorted by grid cell and spread over threads."""
    if request.param != "one at a time":
        monkeypatch.setattr(index_module, "ORDER_MIN_QUERIES", 1)
        monkeypatch.setattr(index_module, "PARALLEL_MIN_QUERIES", 1)
    else:
        monkeypatch.setattr(index_module, "ORDER_MIN_QUERIES", 10**9)
        monkeypatch.setattr(index_module, "PARALLEL_MIN_QUERIES", 10**9)
    return str(request.param)


@pytest.mark.parametrize("seed", [0, 1])
def test_within_on_awkward_polygons_equals_geos(seed: int, batch_path: str) -> None:
    rng = np.random.default_rng(seed)
    sites = awkward_sites(rng, 300, 120)
    xy = queries(rng, sites, 600)
    d = brute(xy, sites)
    for radius in (0.0, 60.0, 333.0):
        pairs = SiteIndex(sites).within(xy, radius)
        q, s = np.nonzero(d <= radius)
        assert len(pairs) == len(q)  # each pair once, though a polygon spans cells
        assert set(zip(pairs.query.tolist(), pairs.site.tolist(), strict=True)) == \
            set(zip(q.tolist(), s.tolist(), strict=True))
        # GEOS's own distances, to the bit
        np.testing.assert_array_equal(pairs.distance, d[pairs.query, pairs.site])
        order = np.lexsort((pairs.site, pairs.distance, pairs.query))
        assert np.array_equal(order, np.arange(len(pairs)))


@pytest.mark.parametrize("seed", [2, 3])
@pytest.mark.parametrize("occupancy", [0.5, index_module.NEAREST_OCCUPANCY])
def test_nearest_on_awkward_polygons_equals_geos(seed: int, occupancy: float, batch_path: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Small cells (many rings to search, many queries settling on a ring's edge) and
    the usual ones."""
    monkeypatch.setattr(index_module, "NEAREST_OCCUPANCY", occupancy)
    rng = np.random.default_rng(seed)
    sites = awkward_sites(rng, 200, 80)
    xy = queries(rng, sites, 500)
    d = brute(xy, sites)
    index = SiteIndex(sites)
    for bound in (None, 150.0):
        found = index.nearest(xy, max_distance_m=bound)
        site, dist = brute_nearest(d, sites, np.inf if bound is None else bound)
        np.testing.assert_array_equal(found.distance, dist)
        np.testing.assert_array_equal(found.site, site)


def test_unbounded_nearest_far_from_the_sites_falls_back_exactly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Queries whose ring search does not settle (far from every site, or a rare
    category) are answered by the per-category search, exactly, keeping what the rings
    found."""
    rng = np.random.default_rng(4)
    sites = awkward_sites(rng, 150, 40)
    far = rng.uniform(-60_000, 60_000, (200, 2)) + [X0, Y0]  # mostly far outside
    near = queries(rng, sites, 200)
    xy = np.concatenate([far, near])
    site, dist = brute_nearest(brute(xy, sites), sites)
    for rings in (0, 1, index_module.NEAREST_RINGS):
        monkeypatch.setattr(index_module, "NEAREST_RINGS", rings)
        found = SiteIndex(sites).nearest(xy)
        np.testing.assert_array_equal(found.site, site)
        np.testing.assert_allclose(found.distance, dist, rtol=0, atol=1e-9)


def test_ties_go_to_the_lower_site_position(batch_path: str) -> None:
    """Two sites of a category equally near: the lower row wins, in every search."""
    geoms = [Point(X0 + 100, Y0), box(X0 - 150, Y0 - 50, X0 - 100, Y0 + 50),
             Point(X0 + 100, Y0), Point(X0, Y0 + 100)]
    sites = gpd.GeoDataFrame({"site_id": list("ABCD"), "category": ["school"] * 4,
                              "name": ""}, geometry=geoms, crs=27700)
    index = SiteIndex(sites)
    for bound in (None, 100.0):
        found = index.nearest([[X0, Y0]], categories=["school"], max_distance_m=bound)
        assert found.site.tolist() == [[0]] and found.distance.tolist() == [[100.0]]
    pairs = index.within([[X0, Y0]], 100.0)
    assert pairs.site.tolist() == [0, 1, 2, 3]
    assert pairs.distance.tolist() == [100.0] * 4


def test_one_site_and_queries_outside_its_grid(batch_path: str) -> None:
    sites = gpd.GeoDataFrame({"site_id": ["P"], "category": ["play_park"], "name": ""},
                             geometry=[box(X0, Y0, X0 + 40, Y0 + 30)], crs=27700)
    xy = np.array([[X0 + 20, Y0 + 15], [X0 - 300, Y0 + 15], [X0 + 20, Y0 + 630],
                   [X0 + 5000, Y0 - 5000]])
    d = brute(xy, sites)[:, 0]
    pairs = SiteIndex(sites).within(xy, 600.0)
    assert pairs.query.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(pairs.distance, d[:3])
    found = SiteIndex(sites).nearest(xy, categories=["play_park"])
    np.testing.assert_array_equal(found.distance[:, 0], d)
    assert found.site[:, 0].tolist() == [0, 0, 0, 0]


def test_ring_search_settles_only_when_nothing_nearer_can_remain(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Dense sites and small cells: queries settle in the ring search itself (not the
    fallback), after several rings; every answer is the brute-force one."""
    monkeypatch.setattr(index_module, "NEAREST_OCCUPANCY", 0.5)
    rng = np.random.default_rng(9)
    sites = awkward_sites(rng, 2000, 60, span=1000.0)
    xy = queries(rng, sites, 2000, span=1000.0)
    index = SiteIndex(sites)
    found = index.nearest(xy)
    site, dist = brute_nearest(brute(xy, sites), sites)
    np.testing.assert_array_equal(found.distance, dist)
    np.testing.assert_array_equal(found.site, site)
    # the rings, not the fallback, answered most queries, over more than one ring
    cell = index._cell_for_nearest()
    assert np.median(dist.max(axis=1)) > 2 * cell
    monkeypatch.setattr(index_module, "NEAREST_RINGS", 0)
    calls: list[int] = []
    monkeypatch.setattr(SiteIndex, "_nearest_far",
                        lambda self, xy, *args: calls.append(len(xy)))
    index.nearest(xy)
    assert calls == [len(xy)]  # with no ring to spare every query falls back


def test_queries_of_any_memory_layout_use_the_compiled_kernels() -> None:
    """A column slice or a read-only array is searched by the kernels already compiled:
    another layout would be compiled again, stalling the request that brought it."""
    from geo_era.geometry import kernels

    rng = np.random.default_rng(11)
    sites = awkward_sites(rng, 50, 10)
    index = SiteIndex(sites)
    xy = queries(rng, sites, 40)
    index.within(xy, 200.0)
    index.nearest(xy)
    index.nearest(xy, max_distance_m=200.0)
    compiled = {name: len(getattr(kernels, name).signatures)
                for name in ("within_run", "nearest_window", "nearest_rings")}
    wide = np.c_[xy[:, 0], np.zeros(len(xy)), xy[:, 1]]
    strided = wide[:, ::2]
    frozen = xy.copy()
    frozen.flags.writeable = False
    fortran = np.asfortranarray(xy)
    for points in (strided, frozen, fortran, xy[0].reshape(1, 2)):
        expected = index.within(xy[: len(points)], 200.0)
        got = index.within(points, 200.0)
        assert np.array_equal(got.site, expected.site)
        index.nearest(points)
        index.nearest(points, max_distance_m=200.0)
    assert compiled == {name: len(getattr(kernels, name).signatures) for name in compiled}


def test_a_caller_asking_for_many_radii_keeps_few_grids() -> None:
    """Every radius maps to one of a few cell sizes, and only the last few grids are
    kept: many radii (an API caller's choice) cannot grow memory without bound."""
    rng = np.random.default_rng(12)
    sites = awkward_sites(rng, 100, 20)
    index = SiteIndex(sites)
    xy = queries(rng, sites, 100)
    d = brute(xy, sites)
    for radius in np.linspace(1.0, 5000.0, 60):
        pairs = index.within(xy, float(radius))
        assert len(pairs) == int((d <= radius).sum())
        assert len(index._grids) <= index_module.GRIDS_KEPT
    cells = {SiteIndex._cell_for(float(r)) for r in np.linspace(0.1, 5000.0, 10_000)}
    assert len(cells) <= 8
