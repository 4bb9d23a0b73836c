"""The Dask path of the proximity job against the single-process one: exactly equal
tables (rows, order, columns, dtypes, values), including properties whose sites lie in
another spatial partition and categories with no site at all.

One local cluster of two worker processes serves the module (starting one takes a few
seconds)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import distributed
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geo_era.geometry.index
from geo_era.analysis.distributed import (
    _worker_mode,
    default_partitions,
    local_client,
    proximity_table_dask,
    spatial_frame,
)
from geo_era.analysis.proximity import proximity_table
from geo_era.contract.schema import SCOTLAND_BNG_BOUNDS, SITE_CATEGORIES
from geo_era.geometry.index import SiteIndex

RADIUS = 400.0


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with local_client(2) as c:
        yield c


def clustered(n_props: int, n_sites: int, seed: int) -> tuple[gpd.GeoDataFrame,
                                                               gpd.GeoDataFrame]:
    """As bench/proximity.make_data: towns over Scotland, 10% polygon sites (EPSG:27700)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = SCOTLAND_BNG_BOUNDS
    centres = rng.uniform([minx + 50_000, miny + 50_000], [maxx - 50_000, maxy - 50_000],
                          size=(12, 2))
    spread = rng.uniform(500, 2_000, 12)

    def points(n: int) -> np.ndarray:
        town = rng.integers(0, 12, n)
        return centres[town] + rng.normal(0, 1, (n, 2)) * spread[town, None]

    props = gpd.GeoDataFrame({"property_id": [f"P{i:05d}" for i in range(n_props)]},
                             geometry=shapely.points(points(n_props)), crs=27700)
    xy = points(n_sites)
    n_polys = n_sites // 10
    size = rng.uniform(20, 200, (n_polys, 2))
    polys = shapely.box(xy[:n_polys, 0], xy[:n_polys, 1], xy[:n_polys, 0] + size[:, 0],
                        xy[:n_polys, 1] + size[:, 1])
    sites = gpd.GeoDataFrame({
        "site_id": [f"S{i:04d}" for i in range(n_sites)],
        "category": rng.choice(np.array(SITE_CATEGORIES, dtype=object), n_sites),
        "name": "",
    }, geometry=np.concatenate([polys, shapely.points(xy[n_polys:])]), crs=27700)
    return props, sites


def expected(sites: gpd.GeoDataFrame, props: gpd.GeoDataFrame) -> pd.DataFrame:
    return proximity_table(SiteIndex(sites), props, RADIUS)


def test_clustered_data_equal(client: distributed.Client) -> None:
    props, sites = clustered(3_000, 300, seed=3)
    props = props.sample(frac=1.0, random_state=1)  # input order not spatial, index shuffled
    want = expected(sites, props)
    got = proximity_table_dask(sites, props, RADIUS, client=client, partitions=8)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert want.filter(like="_within").to_numpy().sum() > 100  # the radius finds sites

    # The partitions are spatial, and many properties have sites in range, or their
    # nearest site, in another one (a site "belongs" to the partition of the property
    # nearest to it).
    frame, plan = spatial_frame(props, 8, client)
    labels = plan.labels()
    points = props.geometry.to_numpy()
    site_geoms = sites.geometry.to_numpy()
    site_home = labels[shapely.STRtree(points).nearest(site_geoms)]
    q, s = shapely.STRtree(site_geoms).query(points, predicate="dwithin", distance=RADIUS)
    assert (labels[q] != site_home[s]).sum() > 50
    nearest = shapely.STRtree(site_geoms).nearest(points)
    assert (labels != site_home[nearest]).sum() > 50
    assert frame.npartitions == 8
    assert sorted(frame.map_partitions(len).compute().tolist()) == [375] * 8


def edge_case() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Two estates 400 m apart, west and east, that the Hilbert cut puts in different
    partitions, and sites that belong to the other one's area.

    - the only school lies beyond the east estate: every west property's nearest school is
      well outside the radius, in the east partition;
    - a nursery point and a play park polygon stand in the gap, within 400 m of houses on
      both sides;
    - a shop is exactly 400 m (a 240-320-400 triangle) east of the west estate's
      north-east house, on the east side of the cut; a second 400.001 m off an east house;
    - sheltered housing, CCTV and the other categories have no site anywhere.
    """
    gx, gy = np.meshgrid(np.arange(0, 200, 20.0), np.arange(0, 400, 20.0))
    west = np.column_stack([gx.ravel() + 300_000, gy.ravel() + 700_000])
    east = west + [600.0, 0.0]
    xy = np.concatenate([west, east])
    props = gpd.GeoDataFrame({"property_id": [f"W{i:03d}" for i in range(len(west))]
                              + [f"E{i:03d}" for i in range(len(east))]},
                             geometry=shapely.points(xy), crs=27700)
    ne = west[np.lexsort((west[:, 0], west[:, 1]))[-1]]  # (300180, 700380)
    sites = gpd.GeoDataFrame({
        "site_id": ["school", "nursery", "park", "shop-at-radius", "shop-just-out"],
        "category": ["school", "nursery", "play_park", "shop", "shop"],
        "name": ["East Academy", "Gap Nursery", "Gap Park", "Corner Shop", "Far Shop"],
    }, geometry=[
        shapely.Point(302_000, 700_200),
        shapely.Point(300_390, 700_100),
        shapely.box(300_330, 700_250, 300_470, 700_300),
        shapely.Point(ne[0] + 240, ne[1] + 320),
        shapely.Point(300_000 + 600 + 180, 700_000 - 400.001),
    ], crs=27700)
    return props, sites


def test_sites_across_partition_edges_equal(client: distributed.Client) -> None:
    props, sites = edge_case()
    want = expected(sites, props)
    got = proximity_table_dask(sites, props, RADIUS, client=client, partitions=4)
    pd.testing.assert_frame_equal(got, want, check_exact=True)

    # The cut really separates the estates (two partitions each, none shared).
    _, plan = spatial_frame(props, 4, client)
    labels = plan.labels()
    is_west = props["property_id"].str.startswith("W").to_numpy()
    assert len(set(labels[is_west])) == 2 and len(set(labels[~is_west])) == 2
    assert not set(labels[is_west]) & set(labels[~is_west])

    # The case means what it says: sites in range across the gap, the exact-radius shop
    # counted, the school far off, absent categories NaN with zero counts.
    west, east = want[is_west], want[~is_west]
    assert (west["nursery_within"] > 0).any() and (east["nursery_within"] > 0).any()
    assert (west["play_park_within"] > 0).any() and (east["play_park_within"] > 0).any()
    corner = want.set_index("property_id").loc["W199"]
    assert corner["shop_within"] == 1 and corner["shop_nearest_m"] == RADIUS
    assert want.set_index("property_id").loc["E009", "shop_nearest_m"] > RADIUS
    assert (west["school_within"] == 0).all()
    assert west["school_nearest_m"].between(1_600, 2_100).all()
    for category in ("sheltered_housing", "cctv", "licensed_premises"):
        assert (want[f"{category}_within"] == 0).all()
        assert want[f"{category}_nearest_m"].isna().all()


def test_property_with_no_site_of_any_category(client: distributed.Client) -> None:
    props, sites = edge_case()
    far = gpd.GeoDataFrame({"property_id": ["LONE"]},
                           geometry=[shapely.Point(100_000, 900_000)], crs=27700)
    props = pd.concat([far, props, far.assign(property_id="LONE2")], ignore_index=True)
    only_schools = sites[sites["category"] == "school"].reset_index(drop=True)
    for site_frame in (sites, only_schools):
        want = expected(site_frame, props)
        got = proximity_table_dask(site_frame, props, RADIUS, client=client, partitions=5)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert pd.isna(want.loc[0, "nursery_nearest_m"]) and want.loc[0, "school_within"] == 0


def test_scheduler_address_and_empty_input(client: distributed.Client) -> None:
    props, sites = edge_case()
    got = proximity_table_dask(sites, props, RADIUS, scheduler=client.scheduler.address)
    pd.testing.assert_frame_equal(got, expected(sites, props), check_exact=True)
    empty = props.iloc[:0]
    pd.testing.assert_frame_equal(proximity_table_dask(sites, empty, RADIUS, client=client),
                                  expected(sites, empty), check_exact=True)


def test_own_local_cluster() -> None:
    props, sites = clustered(400, 60, seed=5)
    got = proximity_table_dask(sites, props, RADIUS, workers=1, partitions=3)
    pd.testing.assert_frame_equal(got, expected(sites, props), check_exact=True)


def parallel_min_queries() -> int:
    return geo_era.geometry.index.PARALLEL_MIN_QUERIES


def test_worker_mode_is_restored_by_the_last_task_out() -> None:
    threshold = parallel_min_queries()
    assert gc.isenabled()
    with _worker_mode():
        with _worker_mode():  # a second task on the same worker
            assert not gc.isenabled()
            assert parallel_min_queries() == sys.maxsize  # one core per task
        assert not gc.isenabled()  # the first is still running
    assert gc.isenabled()
    assert parallel_min_queries() == threshold


def test_default_partitions() -> None:
    assert default_partitions(2_600_000, 1) == 26  # 100,000 each at most
    assert default_partitions(2_600_000, 3) == 27  # a whole number per worker thread
    assert default_partitions(3_000, 2) == 8  # four per worker thread at least
    assert default_partitions(5, 2) == 5  # never an empty one
