"""Proximity on the demo town against brute force, and the import's derivations against
the generator's ground truth (which geo_era itself never reads)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo_era.analysis.proximity import nearest_sites, proximity_table, sites_within
from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.demo.demotown import build_demo_town, write_demo_town
from geo_era.geometry.index import SiteIndex
from geo_era.workspace import Workspace

RADIUS = 400.0


@pytest.fixture(scope="module", params=[(1.0, 0), (2.0, 7)], ids=["scale1-seed0", "scale2-seed7"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[LayerStore, pd.DataFrame]:
    scale, seed = request.param
    town = build_demo_town(scale=scale, seed=seed)
    folder = tmp_path_factory.mktemp("demo")
    files = write_demo_town(town, folder / "source")
    store = LayerStore(folder / "home")
    import_files(files, store=store)
    return store, town.truth


def brute_force_distances(store: LayerStore) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame,
                                                      np.ndarray]:
    props = store.read("properties")
    sites = store.read("sites")
    d = shapely.distance(props.geometry.to_numpy()[:, None], sites.geometry.to_numpy()[None, :])
    return props, sites, d


def test_sites_within_equals_brute_force(demo: tuple[LayerStore, pd.DataFrame]) -> None:
    store, _ = demo
    props, sites, d = brute_force_distances(store)
    got = sites_within(SiteIndex(sites), props, RADIUS)
    q, s = np.nonzero(d <= RADIUS)
    expected = pd.DataFrame({"property_id": props["property_id"].to_numpy()[q],
                             "site_id": sites["site_id"].to_numpy()[s], "distance_m": d[q, s]})
    merged = got.merge(expected, on=["property_id", "site_id"], how="outer", indicator=True,
                       suffixes=("", "_brute"))
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    np.testing.assert_allclose(merged["distance_m"], merged["distance_m_brute"], atol=1e-6)
    assert len(got) > 1000  # the town is dense enough for this to mean something


def test_polygon_boundary_in_range_centroid_not(demo: tuple[LayerStore, pd.DataFrame]) -> None:
    store, _ = demo
    props, sites, d = brute_force_distances(store)
    polygonal = (shapely.get_type_id(sites.geometry.to_numpy()) != 0)
    centroid_d = shapely.distance(props.geometry.to_numpy()[:, None],
                                  shapely.centroid(sites.geometry.to_numpy())[None, :])
    q, s = np.nonzero((d <= RADIUS) & (centroid_d > RADIUS) & polygonal[None, :])
    assert len(q), "the demo town must hold a polygon site near a property's radius edge"
    found = sites_within(SiteIndex(sites), props.iloc[[q[0]]], RADIUS)
    assert sites["site_id"].iloc[s[0]] in set(found["site_id"])


def test_nearest_per_category_equals_brute_force(demo: tuple[LayerStore, pd.DataFrame]) -> None:
    store, _ = demo
    props, sites, d = brute_force_distances(store)
    got = nearest_sites(SiteIndex(sites), props)
    for category in SITE_CATEGORIES:
        in_cat = (sites["category"] == category).to_numpy()
        sub = got[got["category"] == category]
        if not in_cat.any():
            assert sub.empty
            continue
        best = np.where(in_cat[None, :], d, np.inf).min(axis=1)
        np.testing.assert_allclose(sub["distance_m"].to_numpy(), best, atol=1e-6)


def test_proximity_table_counts(demo: tuple[LayerStore, pd.DataFrame]) -> None:
    store, _ = demo
    props, sites, d = brute_force_distances(store)
    table = proximity_table(SiteIndex(sites), props, RADIUS)
    for category in ("school", "play_park", "licensed_premises"):
        in_cat = (sites["category"] == category).to_numpy()
        expected = ((d <= RADIUS) & in_cat[None, :]).sum(axis=1)
        assert table[f"{category}_within"].tolist() == expected.tolist()


def test_sites_near_document(demo: tuple[LayerStore, pd.DataFrame]) -> None:
    store, _ = demo
    pid = str(store.read("properties")["property_id"].iloc[0])
    doc = Workspace(store).sites_near(pid, RADIUS)
    assert doc["property_id"] == pid and doc["crs"] == "EPSG:27700"
    assert all(s["distance_m"] <= RADIUS for s in doc["sites"])
    assert doc["data_version"] == {"properties": 1, "sites": 1, "streets": 1}
    assert doc["walking_network"]["status"] == "on_network"


def test_derived_columns_match_ground_truth(demo: tuple[LayerStore, pd.DataFrame]) -> None:
    store, truth = demo
    props = store.read("properties").set_index("property_id")
    truth = truth.set_index("property_id").loc[props.index]
    # building by point-in-footprint
    assert (props["building_id"] == truth["building_id"]).all()
    flats = truth["property_type"].isin(["tenement_flat", "multi_storey_flat", "cottage_flat"])
    # every flat's floor comes from its address alone
    assert props.loc[flats, "floor"].notna().all()
    assert (props.loc[flats, "floor"].astype(int) == truth.loc[flats, "floor"]).all()
    # closes: the derived close ids partition the flats exactly as the truth does
    stair = truth["property_type"].isin(["tenement_flat", "multi_storey_flat"])
    pairs = pd.DataFrame({"derived": props.loc[stair, "close_id"],
                          "truth": truth.loc[stair, "close_key"]})
    assert pairs["derived"].notna().all()
    assert (pairs.groupby("derived")["truth"].nunique() == 1).all()
    assert (pairs.groupby("truth")["derived"].nunique() == 1).all()


def test_import_reports_no_unparsed_demo_addresses(tmp_path: Path) -> None:
    town = build_demo_town(scale=1.0, seed=3)
    files = write_demo_town(town, tmp_path / "source")
    report = import_files(files, store=LayerStore(tmp_path / "home"))
    assert [str(n) for n in report.notices if n.column in ("address", "floor")] == []


def test_void_index_from_the_demo_town(demo: tuple[LayerStore, pd.DataFrame]) -> None:
    from geo_era.geometry.index import VoidIndex

    store, _ = demo
    props = store.read("properties")
    voids = VoidIndex.from_properties(props)
    is_void = props["is_void"].fillna(False).astype(bool)
    assert len(voids) == int(is_void.sum()) > 0
    let = str(props.loc[is_void, "property_id"].iloc[0])
    x, y = shapely.get_coordinates(props.loc[is_void].geometry.iloc[:1].to_numpy())[0]
    assert voids.within(x, y, 0.0)[0] == (let, 0.0)
    voids.remove(let)
    assert let not in voids and all(pid != let for pid, _ in voids.within(x, y, 500))
