"""The site and void indexes against brute-force computation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.errors import DataError
from geo_era.geometry.index import SiteIndex, VoidIndex

X0, Y0 = 300_000.0, 700_000.0


def random_sites(rng: np.random.Generator, n_points: int, n_polys: int) -> gpd.GeoDataFrame:
    pts = shapely.points(rng.uniform(X0, X0 + 3000, (n_points, 2)) + [0, Y0 - X0])
    corners = rng.uniform(X0, X0 + 3000, (n_polys, 2)) + [0, Y0 - X0]
    sizes = rng.uniform(20, 200, (n_polys, 2))
    polys = shapely.box(corners[:, 0], corners[:, 1], corners[:, 0] + sizes[:, 0],
                        corners[:, 1] + sizes[:, 1])
    geoms = np.concatenate([pts, polys])
    rng.shuffle(geoms)
    cats = rng.choice(SITE_CATEGORIES, len(geoms))
    return gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(len(geoms))],
                             "category": cats, "name": ""}, geometry=geoms, crs=27700)


def brute_force_within(xy: np.ndarray, sites: gpd.GeoDataFrame,
                       radius: float) -> set[tuple[int, int]]:
    points = shapely.points(xy)
    d = shapely.distance(points[:, None], sites.geometry.to_numpy()[None, :])
    q, s = np.nonzero(d <= radius)
    return set(zip(q.tolist(), s.tolist(), strict=True))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_within_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sites = random_sites(rng, 300, 60)
    xy = rng.uniform(X0 - 200, X0 + 3200, (400, 2)) + [0, Y0 - X0]
    index = SiteIndex(sites)
    pairs = index.within(xy, 250.0)
    assert set(zip(pairs.query.tolist(), pairs.site.tolist(), strict=True)) == \
        brute_force_within(xy, sites, 250.0)
    exact = shapely.distance(shapely.points(xy[pairs.query]),
                             sites.geometry.to_numpy()[pairs.site])
    np.testing.assert_allclose(pairs.distance, exact, atol=1e-9)
    # sorted by query then distance
    order = np.lexsort((pairs.distance, pairs.query))
    assert np.array_equal(order, np.arange(len(pairs)))


def test_within_on_two_threads_equals_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch large enough for the two-thread path finds the same pairs and distances
    as the one-thread path (and as brute force)."""
    import geo_era.geometry.index as index_module

    rng = np.random.default_rng(7)
    sites = random_sites(rng, 300, 60)
    xy = rng.uniform(X0 - 200, X0 + 3200, (3_000, 2)) + [0, Y0 - X0]
    index = SiteIndex(sites)
    monkeypatch.setattr(index_module, "PARALLEL_MIN_QUERIES", 10**9)
    one = index.within(xy, 250.0)
    monkeypatch.setattr(index_module, "PARALLEL_MIN_QUERIES", 1)
    two = index.within(xy, 250.0)
    assert np.array_equal(one.query, two.query) and np.array_equal(one.site, two.site)
    np.testing.assert_array_equal(one.distance, two.distance)
    assert set(zip(two.query.tolist(), two.site.tolist(), strict=True)) == \
        brute_force_within(xy, sites, 250.0)


def test_polygon_measured_to_boundary_not_centroid() -> None:
    park = box(X0, Y0, X0 + 600, Y0 + 600)  # centroid 300 m in from each side
    sites = gpd.GeoDataFrame({"site_id": ["PARK"], "category": ["play_park"], "name": ["P"]},
                             geometry=[park], crs=27700)
    index = SiteIndex(sites)
    # 350 m east of the park's edge: 650 m from the centroid, within 400 of the boundary
    outside = [[X0 + 950, Y0 + 300]]
    inside = [[X0 + 100, Y0 + 100]]
    pairs = index.within(outside + inside, 400)
    assert pairs.query.tolist() == [0, 1]
    assert pairs.distance.tolist() == pytest.approx([350.0, 0.0])
    assert Point(outside[0]).distance(park.centroid) > 400


@pytest.mark.parametrize("seed", [0, 3])
def test_nearest_per_category_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sites = random_sites(rng, 200, 40)
    sites = sites[sites["category"] != "cctv"].reset_index(drop=True)  # one category empty
    xy = rng.uniform(X0, X0 + 3000, (300, 2)) + [0, Y0 - X0]
    nearest = SiteIndex(sites).nearest(xy)
    d = shapely.distance(shapely.points(xy)[:, None], sites.geometry.to_numpy()[None, :])
    for col, category in enumerate(nearest.categories):
        in_cat = (sites["category"] == category).to_numpy()
        if not in_cat.any():
            assert (nearest.site[:, col] == -1).all()
            assert np.isinf(nearest.distance[:, col]).all()
            continue
        best = np.where(in_cat[None, :], d, np.inf).min(axis=1)
        np.testing.assert_allclose(nearest.distance[:, col], best, atol=1e-9)
        chosen = d[np.arange(len(xy)), nearest.site[:, col]]
        np.testing.assert_allclose(chosen, best, atol=1e-9)
        assert (sites["category"].to_numpy()[nearest.site[:, col]] == category).all()


def test_bad_queries_get_clear_errors() -> None:
    index = SiteIndex(random_sites(np.random.default_rng(0), 5, 1))
    with pytest.raises(DataError, match=r"must be an \(n, 2\) array"):
        index.within([1.0, 2.0], 100)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="finite x, y"):
        index.within([[np.nan, 1.0]], 100)
    with pytest.raises(DataError, match="radius must be a finite number"):
        index.within([[X0, Y0]], -1)
    with pytest.raises(DataError, match="unknown site category pubs"):
        index.nearest([[X0, Y0]], categories=["pubs"])


def test_empty_index_and_empty_query() -> None:
    empty = gpd.GeoDataFrame({"site_id": [], "category": [], "name": []},
                             geometry=gpd.GeoSeries([], crs=27700))
    index = SiteIndex(empty)
    assert len(index.within([[X0, Y0]], 500)) == 0
    assert index.nearest([[X0, Y0]]).site.tolist() == [[-1] * len(SITE_CATEGORIES)]
    full = SiteIndex(random_sites(np.random.default_rng(0), 5, 2))
    assert len(full.within(np.empty((0, 2)), 500)) == 0


def test_void_index_updates_in_place() -> None:
    ids = [f"V{i}" for i in range(5)]
    xy = [[X0 + 100 * i, Y0] for i in range(5)]
    voids = VoidIndex(ids, xy)
    assert voids.within(X0, Y0, 150) == [("V0", 0.0), ("V1", 100.0)]
    voids.remove("V1")  # let
    voids.add("V9", X0 + 50, Y0)  # newly void
    assert voids.within(X0, Y0, 150) == [("V0", 0.0), ("V9", 50.0)]
    assert voids.nearest(X0 + 390, Y0, k=2) == [("V4", 10.0), ("V3", 90.0)]
    assert len(voids) == 5 and "V1" not in voids and "V9" in voids
    with pytest.raises(DataError, match="'V1' is not in the void index"):
        voids.remove("V1")
    with pytest.raises(DataError, match="'V0' is already in the void index"):
        voids.add("V0", X0, Y0)


@pytest.mark.parametrize("seed", [0, 5])
def test_nearest_within_a_bound_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sites = random_sites(rng, 150, 40)
    xy = rng.uniform(X0 - 500, X0 + 3500, (300, 2)) + [0, Y0 - X0]
    bound = 180.0
    nearest = SiteIndex(sites).nearest(xy, max_distance_m=bound)
    d = shapely.distance(shapely.points(xy)[:, None], sites.geometry.to_numpy()[None, :])
    for col, category in enumerate(nearest.categories):
        in_cat = (sites["category"] == category).to_numpy()
        best = np.where(in_cat[None, :] & (d <= bound), d, np.inf).min(axis=1)
        np.testing.assert_allclose(nearest.distance[:, col], best, atol=1e-9)
        assert ((nearest.site[:, col] == -1) == np.isinf(best)).all()


def test_nearest_bound_includes_a_site_exactly_at_the_bound() -> None:
    sites = gpd.GeoDataFrame({"site_id": ["A", "B"], "category": ["school", "school"],
                              "name": ""}, geometry=[Point(X0 + 400, Y0),
                                                     box(X0, Y0 + 400, X0 + 10, Y0 + 410)],
                             crs=27700)
    nearest = SiteIndex(sites).nearest([[X0, Y0], [X0 - 5, Y0 - 1]], categories=["school"],
                                       max_distance_m=400)
    assert nearest.distance[:, 0].tolist() == [400.0, np.inf]
    assert nearest.site[:, 0].tolist() == [0, -1]
    with pytest.raises(DataError, match="max_distance_m must be a finite number"):
        SiteIndex(sites).nearest([[X0, Y0]], max_distance_m=-1)
