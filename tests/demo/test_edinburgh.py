"""FICTIONAL placements on the real City of Edinburgh data zones (geo_era.demo.edinburgh).

The areas are checked against the open data files themselves, the FICTIONAL properties
and placements against independent point-in-polygon tests and the over-concentration
functions the annual report uses (count_by_area, out_of_area).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import shapely

from geo_era.contract.schema import BNG, LAYERS
from geo_era.data.layer_store import LayerStore
from geo_era.demo.edinburgh import (
    EDINBURGH,
    EDINBURGH_CODE,
    NEIGHBOUR_CODES,
    NEIGHBOURS,
    SOURCE_FILES,
    build_edinburgh,
    import_edinburgh,
    write_edinburgh,
)
from geo_era.errors import ConfigurationError, DataError
from geo_era.overconcentration.statistics import (
    areas_of,
    as_at,
    count_by_area,
    current_on,
    locate,
    out_of_area,
)
from tests.conftest import require_shared_data

pytestmark = pytest.mark.shared_data

Layers = dict[str, gpd.GeoDataFrame | pd.DataFrame]
YEARS = list(range(2021, 2027))
REFERENCE = dt.date(2026, 3, 31)
SUBJECTS = 480


@pytest.fixture(scope="module")
def data() -> Path:
    return require_shared_data(*SOURCE_FILES)


@pytest.fixture(scope="module")
def layers(data: Path) -> Layers:
    return build_edinburgh(data, seed=0)


@pytest.fixture(scope="module")
def source_zones(data: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(data / "edinburgh_datazones_2011_population.geojson").to_crs(BNG)


@pytest.fixture(scope="module")
def zones(layers: Layers) -> gpd.GeoDataFrame:
    return areas_of(layers["areas"], "data_zone", within=EDINBURGH)


@pytest.fixture(scope="module")
def councils(layers: Layers) -> gpd.GeoDataFrame:
    return areas_of(layers["areas"], "council")


# --- areas ------------------------------------------------------------------------------

def test_data_zones_are_the_real_ones_with_their_2011_figures(
        layers: Layers, zones: gpd.GeoDataFrame, source_zones: gpd.GeoDataFrame) -> None:
    areas = layers["areas"]
    assert areas.crs.to_epsg() == 27700
    assert len(zones) == 597
    assert set(zones["parent_id"]) == {EDINBURGH_CODE}
    by_code = source_zones.set_index("DataZone")
    assert set(zones["area_id"]) == set(by_code.index)
    assert zones["name"].tolist() == by_code.loc[zones["area_id"], "Name"].tolist()
    assert zones["population"].tolist() == by_code.loc[zones["area_id"], "TotPop2011"].tolist()
    assert zones["households"].tolist() == by_code.loc[zones["area_id"], "HHCnt2011"].tolist()
    assert int(zones["population"].sum()) == 476_626
    assert int(zones["households"].sum()) == 223_051
    # same shapes as the source, reprojected to British National Grid
    source = by_code.loc[zones["area_id"]].geometry.to_numpy()
    assert shapely.equals_exact(zones.geometry.to_numpy(), source, tolerance=0.01).all()


def test_council_rows_edinburgh_with_totals_and_its_neighbours(layers: Layers,
                                                               councils: gpd.GeoDataFrame
                                                               ) -> None:
    areas = layers["areas"]
    assert len(areas) == 597 + 1 + len(NEIGHBOURS)
    assert areas["area_id"].is_unique
    assert councils["name"].tolist() == [EDINBURGH, *NEIGHBOURS]
    assert councils["area_id"].tolist() == [EDINBURGH_CODE,
                                            *(NEIGHBOUR_CODES[n] for n in NEIGHBOURS)]
    edinburgh = councils.iloc[0]
    assert edinburgh["area_id"] == EDINBURGH_CODE
    assert (edinburgh["population"], edinburgh["households"]) == (476_626, 223_051)
    assert councils["population"].iloc[1:].isna().all()
    # the council polygon is the council file's: about 273 km2 (Forth foreshore included)
    assert 260e6 < edinburgh.geometry.area < 290e6
    assert councils.geometry.iloc[1:].intersection(edinburgh.geometry).area.max() < 1e6


# --- properties -------------------------------------------------------------------------

def _stem(zone_name: str) -> str:
    base = re.sub(r" - \d+$", "", zone_name)
    return re.split(r",| and |\(", base)[0].strip()


def test_each_property_lies_in_the_data_zone_or_neighbour_town_its_address_names(
        layers: Layers, zones: gpd.GeoDataFrame, councils: gpd.GeoDataFrame) -> None:
    properties = layers["properties"]
    assert properties.crs.to_epsg() == 27700
    assert properties["property_id"].is_unique
    assert properties["property_id"].str.fullmatch(r"ED-\d{6}").all()
    assert properties["address"].str.startswith("FICTIONAL ").all()
    assert properties["address"].is_unique
    xy = shapely.get_coordinates(properties.geometry.to_numpy())
    zone = locate(xy, zones)
    council = locate(xy, councils)
    # no point on a boundary or in two zones: each inside exactly one area of its kind
    tree = shapely.STRtree(zones.geometry.to_numpy())
    hits = np.bincount(tree.query(properties.geometry.to_numpy(), predicate="within")[0],
                       minlength=len(properties))
    inside = zone >= 0
    assert (hits[inside] == 1).all()
    assert (council[inside] == 0).all()
    names = zones["name"].to_numpy()[zone[inside]]
    addresses = properties["address"].to_numpy()[inside]
    assert all(_stem(n) in a and a.endswith(", Edinburgh")
               for n, a in zip(names, addresses, strict=True))
    # the others lie in a neighbouring council, outside Edinburgh
    away = ~inside
    assert 10 <= away.sum() <= 20
    assert (council[away] >= 1).all()
    assert not properties["address"][away].str.endswith(", Edinburgh").any()


def test_placements_concentrate_where_social_housing_is(
        data: Path, layers: Layers, zones: gpd.GeoDataFrame) -> None:
    tenure = pd.read_csv(data / "scotland_census2011_household_tenure_by_datazone2011.csv",
                         encoding="utf-8-sig").set_index("DataZone")
    counts = count_by_area(layers["placements"], layers["properties"], zones, YEARS).counts
    total = counts.sum(axis=1).to_numpy(float)
    social = tenure.loc[zones["area_id"], "SclRent_2011"].to_numpy(float)
    assert np.corrcoef(total, social)[0, 1] > 0.6
    few = social < np.quantile(social, 0.25)
    many = social > np.quantile(social, 0.75)
    assert total[many].mean() > 5 * total[few].mean()


# --- subjects and placements ------------------------------------------------------------

def test_every_subject_and_placement_is_fictional(layers: Layers) -> None:
    subjects, placements = layers["subjects"], layers["placements"]
    assert subjects["subject_id"].str.fullmatch(r"FICTIONAL-E\d{5}").all()
    assert subjects["subject_id"].is_unique
    assert subjects["fictional"].all()
    assert placements["fictional"].all()
    assert placements["subject_id"].str.startswith("FICTIONAL-").all()
    assert set(placements["subject_id"]) == set(subjects["subject_id"])
    assert set(placements["property_id"]) <= set(layers["properties"]["property_id"])
    assert set(subjects.columns) - {"fictional"} <= set(LAYERS["subjects"].column_names)
    assert set(placements.columns) - {"fictional"} <= set(LAYERS["placements"].column_names)


def test_dates_span_six_years_and_a_subjects_placements_follow_each_other(
        layers: Layers) -> None:
    placements = layers["placements"]
    start = pd.to_datetime(placements["start_date"])
    end = pd.to_datetime(placements["end_date"])
    assert start.min() >= pd.Timestamp("2020-03-31")
    assert start.max() <= pd.Timestamp(REFERENCE)
    assert (end.dropna() <= pd.Timestamp(REFERENCE)).all()
    assert (end.isna() | (end > start)).all()
    frame = pd.DataFrame({"subject": placements["subject_id"], "start": start, "end": end})
    frame = frame.sort_values(["subject", "start"])
    following = frame["subject"].eq(frame["subject"].shift())
    # back to back: a tenancy starts the day the previous one ends
    assert (frame["start"][following] == frame["end"].shift()[following]).all()
    # one current placement per housed subject, and that is their current property
    now = placements[current_on(placements, REFERENCE)]
    assert now["subject_id"].is_unique
    housed = layers["subjects"].dropna(subset=["current_property_id"])
    assert dict(zip(housed["subject_id"], housed["current_property_id"], strict=True)) == \
        dict(zip(now["subject_id"], now["property_id"], strict=True))


def test_current_placements_in_edinburgh_match_subjects_and_change_by_year(
        layers: Layers, zones: gpd.GeoDataFrame) -> None:
    counts = count_by_area(layers["placements"], layers["properties"], zones, YEARS).counts
    totals = counts.sum()
    assert abs(int(totals[2026]) - SUBJECTS) <= 0.1 * SUBJECTS
    assert (totals > 0.8 * SUBJECTS).all()
    assert totals.nunique() > 1
    for earlier, later in itertools.pairwise(YEARS):
        assert not counts[earlier].equals(counts[later])
    # before the record starts nothing is current
    none_yet = count_by_area(layers["placements"], layers["properties"], zones, [2019])
    assert int(none_yet.counts[2019].sum()) == 0


def test_out_of_area_placements_both_ways_some_without_consent(
        layers: Layers, councils: gpd.GeoDataFrame) -> None:
    placements = layers["placements"]
    found = out_of_area(placements, layers["properties"], councils, as_at(2026))
    counts = found.counts
    into = counts[EDINBURGH].drop(EDINBURGH, errors="ignore")
    assert set(into.index) <= set(NEIGHBOURS)
    assert into.sum() >= 10
    out_of = counts.loc[EDINBURGH].drop(EDINBURGH, errors="ignore")
    assert out_of.sum() >= 2
    lacking = found.without_consent
    assert (lacking["receiving_authority"] == EDINBURGH).sum() >= 2
    assert (lacking["placing_authority"] == EDINBURGH).sum() >= 1
    assert len(lacking) < into.sum() + out_of.sum()
    # about 5% of Edinburgh's current placements were made by a neighbour
    assert 0.03 * SUBJECTS <= into.sum() <= 0.08 * SUBJECTS
    # Edinburgh's own placements at home have no placing authority
    authority = placements["placing_authority"]
    assert set(authority.dropna()) <= {EDINBURGH, *NEIGHBOURS}
    assert authority.isna().mean() > 0.9
    assert placements["consent_recorded"].isna().eq(authority.isna()).all()
    assert (authority == EDINBURGH).sum() >= 10


# --- determinism ------------------------------------------------------------------------

def test_same_seed_identical_other_seed_different(data: Path, layers: Layers) -> None:
    again = build_edinburgh(data, seed=0)
    for name, frame in layers.items():
        pdt.assert_frame_equal(frame, again[name])
    other = build_edinburgh(data, seed=1)
    pdt.assert_frame_equal(layers["areas"], other["areas"])
    assert not layers["placements"].equals(other["placements"])
    assert not layers["properties"].geometry.equals(other["properties"].geometry)


def test_subjects_sets_the_caseload(data: Path, zones: gpd.GeoDataFrame) -> None:
    small = build_edinburgh(data, seed=3, subjects=60, reference_date=dt.date(2025, 3, 31))
    counts = count_by_area(small["placements"], small["properties"], zones, [2025]).counts
    assert int(counts[2025].sum()) == 60
    assert pd.to_datetime(small["placements"]["start_date"]).min() >= pd.Timestamp(
        "2019-03-31")


@pytest.mark.parametrize(("kwargs", "words"), [({"seed": -1}, "seed"),
                                              ({"subjects": 5}, "subjects")])
def test_bad_settings_are_refused(data: Path, kwargs: dict[str, int], words: str) -> None:
    with pytest.raises(ConfigurationError, match=words):
        build_edinburgh(data, **kwargs)  # type: ignore[arg-type]


# --- writing and importing --------------------------------------------------------------

def test_write_gives_contract_files_in_layer_order(layers: Layers, tmp_path: Path) -> None:
    files = write_edinburgh(layers, tmp_path / "out")
    assert [f.name for f in files] == ["properties.parquet", "areas.parquet", "subjects.csv",
                                       "placements.csv"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f.name for f in files)
    areas = gpd.read_parquet(files[1])
    assert areas.crs.to_epsg() == 27700
    assert len(areas) == len(layers["areas"])
    placements = pd.read_csv(files[3])
    assert len(placements) == len(layers["placements"])


def test_import_into_a_layer_store(data: Path, layers: Layers, tmp_path: Path) -> None:
    store = LayerStore(tmp_path / "store")
    report = import_edinburgh(data, store)
    assert report.rows == {name: len(frame) for name, frame in layers.items()}
    assert (store.home / "edinburgh-source" / "placements.csv").is_file()
    areas = store.read("areas")
    assert len(areas) >= 598
    assert areas.crs.to_epsg() == 27700
    assert (areas["parent_id"] == EDINBURGH_CODE).sum() == 597
    assert len(store.read("placements")) == len(layers["placements"])


# --- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("missing", SOURCE_FILES)
def test_a_missing_file_is_named(data: Path, tmp_path: Path, missing: str) -> None:
    for name in SOURCE_FILES:
        if name != missing:
            shutil.copy(data / name, tmp_path / name)
    with pytest.raises(DataError, match=re.escape(missing)) as caught:
        build_edinburgh(tmp_path)
    assert "shared/data" in str(caught.value)
    assert "SOURCES.md" in str(caught.value)


def test_a_file_without_the_needed_columns_is_named(data: Path, tmp_path: Path) -> None:
    for name in SOURCE_FILES:
        shutil.copy(data / name, tmp_path / name)
    name = "scotland_census2011_household_tenure_by_datazone2011.csv"
    (tmp_path / name).write_text("DataZone,All_HH_2011\nS01008417,100\n", encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(name)):
        build_edinburgh(tmp_path)


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no-such-dir") as caught:
        build_edinburgh(tmp_path / "no-such-dir")
    assert "shared/data" in str(caught.value)
