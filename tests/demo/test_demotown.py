"""Tests for geo_era.demo.demotown: the seeded synthetic Scottish town.

The ground truth comes from the generator's own layout indices; these tests check it
against independent geometric computations on the written layers (shapely), and check
the layers against the data contract (geo_era.contract.schema).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import shapely

from geo_era.contract.schema import (
    BNG,
    LAYERS,
    PROPERTY_TYPES,
    SCOTLAND_BNG_BOUNDS,
    SITE_CATEGORIES,
    GeometryKind,
)
from geo_era.demo.demotown import DemoTown, build_demo_town, write_demo_town
from geo_era.errors import ConfigurationError

GEOM_TYPES = {
    GeometryKind.POINT: {"Point"},
    GeometryKind.POLYGON: {"Polygon"},
    GeometryKind.POINT_OR_POLYGON: {"Point", "Polygon"},
    GeometryKind.LINE: {"LineString"},
}


@pytest.fixture(scope="module")
def town() -> DemoTown:
    return build_demo_town(scale=1, seed=0)


@pytest.fixture(scope="module", params=[1, 7])
def other_town(request: pytest.FixtureRequest) -> DemoTown:
    return build_demo_town(scale=1, seed=request.param)


def _pairs(truth: pd.DataFrame, column: str) -> set[tuple[str, str]]:
    return {(p, q) for p, qs in zip(truth["property_id"], truth[column], strict=True)
            for q in qs}


# --- determinism and size ---------------------------------------------------------------

def test_same_seed_gives_identical_frames(town: DemoTown) -> None:
    again = build_demo_town(scale=1, seed=0)
    for name in LAYERS:
        pdt.assert_frame_equal(town.layers[name], again.layers[name])
    pdt.assert_frame_equal(town.truth, again.truth)
    for name, frame in town.extras.items():
        pdt.assert_frame_equal(frame, again.extras[name])


def test_another_seed_gives_different_frames(town: DemoTown) -> None:
    other = build_demo_town(scale=1, seed=1)
    for name in ("properties", "buildings", "plots", "streets", "sites", "subjects"):
        a, b = town.layers[name], other.layers[name]
        assert len(a) != len(b) or not a.equals(b), name


def test_scale_one_size_and_linear_growth(town: DemoTown) -> None:
    n1 = len(town.layers["properties"])
    assert 1_500 <= n1 <= 2_600
    n5 = len(build_demo_town(scale=5, seed=0).layers["properties"])
    assert 0.9 * 5 * 2_000 <= n5 <= 1.1 * 5 * 2_000
    assert 4.0 <= n5 / n1 <= 6.0


@pytest.mark.parametrize("scale", [0, -1, float("nan"), 1e6])
def test_bad_scale_is_refused(scale: float) -> None:
    with pytest.raises(ConfigurationError, match="scale"):
        build_demo_town(scale=scale)


def test_bad_seed_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="seed"):
        build_demo_town(seed=-3)


# --- the data contract --------------------------------------------------------------------

@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_follows_the_contract(town: DemoTown, name: str) -> None:
    spec = LAYERS[name]
    frame = town.layers[name]
    assert len(frame) > 0
    assert set(spec.required) <= set(frame.columns)
    for column in spec.required:
        assert frame[column].notna().all(), column
    if spec.id_column is not None:
        assert frame[spec.id_column].is_unique
    for column in spec.columns:
        if column.choices is not None and column.name in frame:
            assert set(frame[column.name].dropna()) <= set(column.choices), column.name
    if spec.geometry is GeometryKind.NONE:
        assert not isinstance(frame, gpd.GeoDataFrame)
        return
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs == BNG
    geom = frame.geometry.values
    assert set(shapely.get_type_id(geom)) <= {
        shapely.GeometryType.POINT, shapely.GeometryType.POLYGON,
        shapely.GeometryType.LINESTRING}
    assert set(frame.geom_type) <= GEOM_TYPES[spec.geometry]
    assert shapely.is_valid(geom).all()
    assert not shapely.is_empty(geom).any()
    minx, miny, maxx, maxy = SCOTLAND_BNG_BOUNDS
    b = shapely.bounds(geom)
    assert (b[:, 0] >= minx).all() and (b[:, 1] >= miny).all()
    assert (b[:, 2] <= maxx).all() and (b[:, 3] <= maxy).all()


def test_every_id_is_unique(town: DemoTown) -> None:
    assert town.layers["streets"]["street_id"].is_unique
    assert town.truth["property_id"].is_unique
    assert list(town.truth["property_id"]) == list(town.layers["properties"]["property_id"])


def test_properties_leave_derived_columns_to_geo_era(town: DemoTown) -> None:
    props = town.layers["properties"]
    assert not {"floor", "close_id", "property_type"} & set(props.columns)
    assert {"building_id", "landlord", "is_void", "occupants", "children_in_household",
            "adult_at_risk_in_household"} <= set(props.columns)
    for column in ("is_void", "children_in_household", "adult_at_risk_in_household"):
        assert props[column].dtype == bool
    missing = props["building_id"].isna().mean()
    assert 0.2 <= missing <= 0.4
    known = props["building_id"].notna()
    assert (props.loc[known, "building_id"] == town.truth.loc[known, "building_id"]).all()
    assert 0.005 <= props["is_void"].mean() <= 0.04
    assert props.loc[props["is_void"], "landlord"].notna().all()
    assert 0.18 <= props["children_in_household"].mean() <= 0.32
    assert 0.01 <= props["adult_at_risk_in_household"].mean() <= 0.06


def test_shared_houses_have_occupants_and_an_hmo_building(town: DemoTown) -> None:
    props, truth, buildings = (town.layers["properties"], town.truth,
                               town.layers["buildings"])
    shared = truth["property_type"] == "shared"
    assert shared.any()
    assert props.loc[shared, "occupants"].between(3, 8).all()
    assert props.loc[~shared, "occupants"].isna().all()
    hmo = set(buildings.loc[buildings["building_type"].notna(), "building_id"])
    assert set(buildings["building_type"].dropna()) == {"house_in_multiple_occupation"}
    assert hmo == set(truth.loc[shared, "building_id"])


def test_every_property_type_appears(town: DemoTown) -> None:
    assert set(town.truth["property_type"]) == set(PROPERTY_TYPES)


def test_property_points_lie_inside_their_true_footprint(other_town: DemoTown) -> None:
    props = other_town.layers["properties"]
    footprints = other_town.layers["buildings"].set_index("building_id").geometry
    shapes = footprints.loc[other_town.truth["building_id"]].values
    points = props.geometry.values
    assert shapely.contains_properly(shapes, points).all()
    assert (shapely.distance(points, shapely.boundary(shapes)) >= 0.5).all()


def test_plots_do_not_overlap_and_belong_to_one_owner(town: DemoTown) -> None:
    plots = town.layers["plots"]
    assert (plots["property_id"].notna() ^ plots["building_id"].notna()).all()
    geom = plots.geometry.values
    i, j = shapely.STRtree(geom).query(geom, predicate="intersects")
    keep = i < j
    overlap = shapely.area(shapely.intersection(geom[i[keep]], geom[j[keep]]))
    assert (overlap < 1e-6).all()
    # an own garden holds its property's footprint, and back greens their range
    own = plots[plots["property_id"].notna()]
    truth = town.truth.set_index("property_id")
    footprints = town.layers["buildings"].set_index("building_id").geometry
    fp = footprints.loc[truth.loc[own["property_id"], "building_id"]].values
    assert shapely.intersects(own.geometry.values, fp).all()
    shared = plots[plots["building_id"].notna()]
    assert shapely.contains(shared.geometry.values,
                            footprints.loc[shared["building_id"]].values).all()


def test_plots_tile_their_blocks_without_gaps(town: DemoTown) -> None:
    # the plots of a block side tile it exactly and the two sides meet at the back line,
    # so each block's plots merge into one 148 m x 88 m rectangle, or two 148 m x 38 m
    # strips where the railway runs along the block's middle
    merged = shapely.get_parts(shapely.union_all(town.layers["plots"].geometry.values))
    b = shapely.bounds(merged)
    width, height = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    assert np.allclose(shapely.area(merged), width * height)
    assert np.allclose(width, 148.0)
    assert set(np.round(height).astype(int)) == {88, 38}


# --- layout truth against geometry --------------------------------------------------------

def test_garden_truth_matches_plot_geometry(other_town: DemoTown) -> None:
    plots = other_town.layers["plots"]
    own = plots[plots["property_id"].notna()].reset_index(drop=True)
    geom = own.geometry.values
    i, j = shapely.STRtree(geom).query(geom, predicate="intersects")
    keep = i != j
    i, j = i[keep], j[keep]
    shared = shapely.intersection(geom[i], geom[j])
    border = shapely.length(shared) > 0.5
    pid = own["property_id"].to_numpy()
    geometric = set(zip(pid[i[border]], pid[j[border]], strict=True))
    assert geometric == _pairs(other_town.truth, "garden_neighbours")
    assert geometric  # there are gardens at all
    # corner-only contacts exist and are not counted
    corner = ~border & shapely.intersects(geom[i], geom[j])
    assert corner.any()


def test_shared_wall_truth_matches_footprint_touches(other_town: DemoTown) -> None:
    truth = other_town.truth
    buildings = other_town.layers["buildings"]
    geom = buildings.geometry.values
    i, j = shapely.STRtree(geom).query(geom, predicate="touches")
    bid = buildings["building_id"].to_numpy()
    touching: dict[str, set[str]] = defaultdict(set)
    for a, b in zip(bid[i], bid[j], strict=True):
        touching[a].add(b)
    props_in = truth.groupby("building_id")["property_id"].agg(list).to_dict()
    for row in truth.itertuples():
        if row.property_type in ("terraced", "semi_detached"):
            expected = {p for b in touching[row.building_id] for p in props_in[b]}
            assert set(row.adjacent) == expected, row.property_id
        if row.property_type == "detached":
            assert not touching[row.building_id]
            assert list(row.adjacent) == []
    kinds = truth.groupby("building_id")["property_type"].agg(set)
    semis = [b for b, k in kinds.items() if k & {"semi_detached"}]
    assert all(len(touching[b]) == 1 for b in semis)


def test_cottage_flats_adjoin_beside_and_above_not_diagonal(town: DemoTown) -> None:
    truth = town.truth
    cot = truth[truth["property_type"] == "cottage_flat"]
    assert len(cot) > 0 and len(cot) % 4 == 0
    by_id = truth.set_index("property_id")
    for row in cot.itertuples():
        adjacent = list(row.adjacent)
        assert len(adjacent) == 2
        others = by_id.loc[adjacent]
        assert (others["building_id"] == row.building_id).all()
        assert sorted(others["floor"]) == sorted([row.floor, 1 - row.floor])
        in_building = set(cot.loc[cot["building_id"] == row.building_id, "property_id"])
        assert len(in_building) == 4
        assert (in_building - {row.property_id} - set(adjacent)).isdisjoint(
            row.garden_neighbours)


def test_minimum_sets_follow_nasso_3_9(town: DemoTown) -> None:
    truth = town.truth
    by_close = truth.groupby("close_key")["property_id"].agg(set).to_dict()
    by_floor = truth.groupby(["building_id", "floor"])["property_id"].agg(set).to_dict()
    for row in truth.itertuples():
        got = set(row.minimum_set)
        assert row.property_id not in got
        if row.property_type == "tenement_flat":
            assert got == by_close[row.close_key] - {row.property_id}
        elif row.property_type == "multi_storey_flat":
            assert got == by_floor[(row.building_id, row.floor)] - {row.property_id}
        elif row.property_type == "shared":
            assert got == set()
        else:
            assert got == set(row.adjacent) | set(row.garden_neighbours)


def test_closes_and_floors(town: DemoTown) -> None:
    truth = town.truth
    buildings = town.layers["buildings"].set_index("building_id")
    levels = buildings.loc[truth["building_id"], "levels"].to_numpy()
    ptype = truth["property_type"].to_numpy()
    floor = truth["floor"].to_numpy()
    assert (floor[np.isin(ptype, ["terraced", "semi_detached", "detached", "shared"])]
            == 0).all()
    assert ((floor >= -1) & (floor < levels)).all()
    ms = ptype == "multi_storey_flat"
    assert ((levels[ms] >= 8) & (levels[ms] <= 20)).all()
    ten = ptype == "tenement_flat"
    assert ((levels[ten] >= 3) & (levels[ten] <= 5)).all()
    # every close is within one building; a range holds several closes, a tower one
    closes = truth[ten | ms].groupby("close_key")["building_id"].nunique()
    assert (closes == 1).all()
    per_building = truth[ten].groupby("building_id")["close_key"].nunique()
    assert per_building.between(2, 5).all()
    assert (truth[ms].groupby("building_id")["close_key"].nunique() == 1).all()
    # houses and cottage flats have their own close key
    own = truth[~(ten | ms)]
    assert own["close_key"].is_unique


def test_addresses_use_scottish_notation(town: DemoTown) -> None:
    truth = town.truth
    address = town.layers["properties"]["address"]
    assert address.is_unique
    ptype = truth["property_type"]
    ten = address[ptype == "tenement_flat"]
    assert ten.str.match(r"^(?:[0-9]F|GF|PF|MF|BF)\d ").any()
    assert ten.str.match(r"^Flat (?:\d+|G)/(?:\d|L|R), ").any()
    assert set(truth.loc[ptype == "tenement_flat", "address_style"]) == {"edinburgh",
                                                                         "glasgow"}
    assert address[ptype == "cottage_flat"].str.match(r"^(Lower|Upper) Flat, \d+ ").all()
    assert address[ptype.isin(["terraced", "semi_detached", "detached", "shared"])
                   ].str.match(r"^\d+ [A-Z]").all()
    assert address.str.endswith(", Inverallan").all()


def test_floors_and_closes_are_recoverable_from_addresses(town: DemoTown) -> None:
    addresses = pytest.importorskip("geo_era.data.addresses")
    parsed = addresses.parse_addresses(list(town.layers["properties"]["address"]))
    truth = town.truth
    assert (parsed["problems"] == "").all()
    flats = truth["property_type"].isin(["tenement_flat", "multi_storey_flat",
                                         "cottage_flat"]).to_numpy()
    assert (parsed.loc[flats, "floor"].astype(int).to_numpy()
            == truth.loc[flats, "floor"].to_numpy()).all()
    closes = truth["property_type"].isin(["tenement_flat", "multi_storey_flat"]).to_numpy()
    pairs = pd.DataFrame({"label": parsed.loc[closes, "close_label"].to_numpy(),
                          "key": truth.loc[closes, "close_key"].to_numpy()})
    assert (pairs.groupby("label")["key"].nunique() == 1).all()
    assert (pairs.groupby("key")["label"].nunique() == 1).all()


def test_house_numbers_odd_on_one_side_even_on_the_other(town: DemoTown) -> None:
    props = town.layers["properties"]
    houses = town.truth["property_type"].isin(["terraced", "semi_detached", "detached"])
    parts = props.loc[houses, "address"].str.extract(r"^(\d+) ([^,]+),")
    number = parts[0].astype(int)
    y = props.loc[houses].geometry.y
    streets = town.layers["streets"]
    checked = 0
    for name, group in number.groupby(parts[1]):
        line = streets.loc[streets["name"] == name].geometry
        if not (line.geom_type == "LineString").all() or len(group) < 2:
            continue
        ys = {round(g.coords[0][1]) for g in line}
        if len(ys) != 1:  # a vertical street: no houses face it
            continue
        street_y = ys.pop()
        north = y[group.index] > street_y
        assert (group[north] % 2 == 1).all() and (group[~north] % 2 == 0).all()
        checked += 1
    assert checked >= 5


# --- barriers, sites, areas ---------------------------------------------------------------

def test_railway_is_crossed_by_one_to_three_streets(other_town: DemoTown) -> None:
    railway = other_town.extras["railways"].geometry.iloc[0]
    streets = other_town.layers["streets"]
    crossing = streets[streets.geometry.intersects(railway)]
    assert 1 <= len(crossing) <= 3
    assert (crossing.geom_type == "LineString").all()
    # the other streets stop short of the railway with a gap
    rail_y = railway.coords[0][1]
    near = streets[streets.geometry.distance(railway) < 10]
    assert set(near["street_id"]) == set(crossing["street_id"])
    assert rail_y > 0


def test_sites_cover_every_category_and_schools_are_polygons(town: DemoTown) -> None:
    sites = town.layers["sites"]
    assert set(sites["category"]) == set(SITE_CATEGORIES)
    schools = sites[sites["category"] == "school"]
    assert (schools.geom_type == "Polygon").all()
    assert len(schools) >= len(town.layers["properties"]) / 3_000
    b = schools.geometry.bounds
    assert ((b.maxx - b.minx).between(95, 135) & (b.maxy - b.miny).between(75, 85)).all()
    parks = sites[sites["category"] == "play_park"]
    assert (parks.geom_type == "Polygon").all()


def test_a_property_is_near_a_polygon_boundary_but_far_from_its_centroid(
        other_town: DemoTown) -> None:
    sites = other_town.layers["sites"]
    polygons = sites[sites.geom_type == "Polygon"].geometry.values
    points = other_town.layers["properties"].geometry.values
    found = False
    for polygon in polygons:
        near = shapely.distance(points, polygon) <= 400
        far = shapely.distance(points, shapely.centroid(polygon)) > 400
        found = found or bool((near & far).any())
    assert found


def test_data_zones_group_whole_blocks(town: DemoTown) -> None:
    areas = town.layers["areas"]
    props = town.layers["properties"]
    council = areas[areas["area_type"] == "council"]
    zones = areas[areas["area_type"] == "data_zone"]
    assert len(council) == 1
    assert zones["area_id"].str.match(r"^DZ-DEMO-\d{4}$").all()
    assert (zones["parent_id"] == council["area_id"].iloc[0]).all()
    assert zones["households"].sum() == len(props)
    assert zones["households"].between(150, 700).all()
    assert 1.8 <= zones["population"].sum() / zones["households"].sum() <= 2.4
    joined = gpd.sjoin(props[["geometry"]], zones[["area_id", "geometry"]],
                       predicate="within")
    assert len(joined) == len(props)
    counts = joined["area_id"].value_counts().reindex(zones["area_id"]).to_numpy()
    assert (counts == zones["households"].to_numpy()).all()
    assert (joined["area_id"].to_numpy() == town.truth["data_zone"].to_numpy()).all()
    assert shapely.equals(shapely.union_all(zones.geometry.values),
                          council.geometry.iloc[0])
    # a data zone never splits a footprint
    buildings = town.layers["buildings"]
    inside = gpd.sjoin(buildings[["geometry"]], zones[["geometry"]], predicate="within")
    assert len(inside) == len(buildings)


def test_streets_have_names_and_walking_kinds(town: DemoTown) -> None:
    streets = town.layers["streets"]
    assert {"residential", "tertiary", "footway", "path"} <= set(streets["highway"])
    roads = streets[streets["highway"].isin(["residential", "tertiary", "service"])]
    assert roads["name"].notna().all()


# --- fictional sensitive layers -----------------------------------------------------------

def test_sensitive_rows_are_marked_fictional(town: DemoTown) -> None:
    subjects = town.layers["subjects"]
    zones = town.layers["exclusion_zones"]
    placements = town.layers["placements"]
    for frame in (subjects, zones, placements):
        assert frame["fictional"].dtype == bool and frame["fictional"].all()
        assert frame["subject_id"].str.startswith("FICTIONAL-").all()
    assert zones["zone_id"].str.startswith("FICTIONAL-").all()
    assert zones["reason"].str.startswith("FICTIONAL:").all()


def test_subjects_zones_and_placements_are_consistent(town: DemoTown) -> None:
    subjects = town.layers["subjects"]
    zones = town.layers["exclusion_zones"]
    placements = town.layers["placements"]
    props = set(town.layers["properties"]["property_id"])
    areas = set(town.layers["areas"]["area_id"])
    assert len(subjects) >= 5
    assert set(subjects["current_property_id"].dropna()) <= props
    assert subjects["current_property_id"].notna().mean() >= 0.5
    kinds = set()
    for text in subjects["conditions"]:
        for item in json.loads(text):
            kinds.add(item["type"])
            if item["type"] == "no_residence_within":
                assert item["category"] in SITE_CATEGORIES and item["metres"] > 0
            elif item["type"] == "no_residence_in_area":
                assert item["area_id"] in areas
    assert kinds <= {"no_residence_within", "no_residence_in_area",
                     "no_residence_same_building_as_children"}
    assert set(zones["subject_id"]) <= set(subjects["subject_id"])
    assert set(placements["property_id"]) <= props
    current = placements[placements["end_date"].isna()]
    housed = subjects.dropna(subset=["current_property_id"])
    assert dict(zip(current["subject_id"], current["property_id"], strict=True)) == dict(
        zip(housed["subject_id"], housed["current_property_id"], strict=True))
    past = placements.dropna(subset=["end_date"])
    assert (pd.to_datetime(past["start_date"]) < pd.to_datetime(past["end_date"])).all()
    out_of_area = placements["placing_authority"].notna()
    assert set(placements.loc[out_of_area, "consent_recorded"]) == {True, False}
    assert (placements.loc[out_of_area, "placing_authority"] != "Inverallan Council").all()
    assert placements.loc[~out_of_area, "consent_recorded"].isna().all()


def test_larger_scales_make_several_named_towns() -> None:
    big = build_demo_town(scale=51, seed=3)
    areas = big.layers["areas"]
    councils = areas[areas["area_type"] == "council"]
    assert len(councils) == 2
    assert councils["name"].is_unique
    assert not councils.geometry.iloc[0].intersects(councils.geometry.iloc[1])
    zones = areas[areas["area_type"] == "data_zone"]
    assert set(zones["parent_id"]) == set(councils["area_id"])
    localities = big.layers["properties"]["address"].str.rsplit(", ", n=1).str[1]
    assert localities.nunique() == 2
    assert (big.truth["town"].to_numpy() == localities.to_numpy()).all()
    assert len(big.extras["railways"]) == 2
    counts = localities.value_counts()
    assert (counts <= 60_000).all()


# --- writing ------------------------------------------------------------------------------

def test_write_round_trips(town: DemoTown, tmp_path: Path) -> None:
    written = write_demo_town(town, tmp_path / "demo")
    names = {p.name for p in written}
    assert names == {f"{n}.parquet" for n in ("properties", "buildings", "plots", "sites",
                                             "streets", "areas", "exclusion_zones")} | {
        "subjects.csv", "placements.csv"}
    for path in written:
        assert path.exists()
        if path.suffix == ".parquet":
            frame = gpd.read_parquet(path)
            assert frame.crs == BNG
            original = town.layers[path.stem]
            assert list(frame.columns) == list(original.columns)
            assert len(frame) == len(original)
            assert shapely.equals(frame.geometry.values, original.geometry.values).all()
        else:
            frame = pd.read_csv(path)
            assert len(frame) == len(town.layers[path.stem])
            assert frame["fictional"].all()
    truth = pd.read_parquet(tmp_path / "demo" / "ground_truth" / "ground_truth.parquet")
    assert [list(x) for x in truth["minimum_set"]] == [
        list(x) for x in town.truth["minimum_set"]]
    rail = gpd.read_parquet(tmp_path / "demo" / "extras" / "railways.parquet")
    assert rail.crs == BNG and (rail.geom_type == "LineString").all()
    assert not list((tmp_path / "demo").glob(".*.tmp"))


def test_towns_spread_a_scale_over_several_councils() -> None:
    from geo_era.demo.demotown import build_demo_town as build

    town = build(scale=3, seed=1, towns=3)
    areas = town.layers["areas"]
    councils = areas[areas["area_type"] == "council"]
    assert len(councils) == 3 and councils["name"].is_unique
    assert abs(len(town.layers["properties"]) - 6_000) < 200
    with pytest.raises(ConfigurationError, match="give 1 to 64 towns"):
        build(scale=3, seed=1, towns=99)


def test_the_command_takes_national_or_a_number(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from geo_era.cli import app
    from geo_era.cli.data import _scale
    from geo_era.demo.demotown import NATIONAL_SCALE, NATIONAL_TOWNS

    assert _scale("national") == (NATIONAL_SCALE, NATIONAL_TOWNS)
    assert _scale("2.5") == (2.5, None)
    result = CliRunner().invoke(app, ["demo-data", "--scale", "huge", "--out",
                                      str(tmp_path)])
    said = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and "from 0.1 to 1500, or 'national'" in said
    assert not list(tmp_path.iterdir())
