"""Import to the data contract: formats, CRS, derivation, and every kind of bad input.

Each bad-input test asserts the exact message a user sees and that the store is left
exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.errors import ImportRefusedError

# A small Edinburgh-like street in British National Grid (metres).
X0, Y0 = 325_000.0, 673_000.0


def buildings_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"building_id": ["B1", "B2"], "levels": [4, 2], "building_type": ["", ""]},
        geometry=[box(X0, Y0, X0 + 40, Y0 + 12), box(X0 + 60, Y0, X0 + 72, Y0 + 10)],
        crs="EPSG:27700",
    )


def properties_frame() -> gpd.GeoDataFrame:
    addresses = [f"{pos} 12 Oak Road, Testtown" for pos in
                 ("GF1", "GF2", "1F1", "1F2", "2F1", "2F2", "3F1", "3F2")]
    addresses += ["Flat 2/1, 14 Oak Road, Testtown", "20 Oak Road, Testtown"]
    xs = [X0 + 5 + i for i in range(8)] + [X0 + 30, X0 + 66]
    return gpd.GeoDataFrame(
        {"property_id": [f"P{i}" for i in range(10)], "address": addresses,
         "building_id": [None] * 8 + ["B1", "B2"],
         "is_void": ["no"] * 9 + ["yes"]},
        geometry=[Point(x, Y0 + 6) for x in xs], crs="EPSG:27700",
    )


def sites_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"site_id": ["S1", "S2"], "category": ["school", "shop"], "name": ["Oak Primary", ""]},
        geometry=[box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 180), Point(X0 + 50, Y0 - 20)],
        crs="EPSG:27700",
    )


def write_gpkg(path: Path, **layers: gpd.GeoDataFrame) -> Path:
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG")
    return path


def store_fingerprint(home: Path) -> dict[str, str]:
    """Every file under the store and its hash: to show nothing changed."""
    if not home.exists():
        return {}
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.rglob("*")) if p.is_file() and p.name != ".lock"}


@pytest.fixture
def store(tmp_path: Path) -> LayerStore:
    return LayerStore(tmp_path / "home")


@pytest.fixture
def loaded(store: LayerStore, tmp_path: Path) -> LayerStore:
    """A store holding buildings, properties and sites (data version 1)."""
    gpkg = write_gpkg(tmp_path / "town.gpkg", buildings=buildings_frame(),
                      properties=properties_frame(), sites=sites_frame())
    import_files([gpkg], store=store)
    return store


def refused(store: LayerStore, files: list[Path], **kwargs: str) -> list[str]:
    """Run an import that must fail; check the store is untouched; return the messages."""
    before = store_fingerprint(store.home)
    with pytest.raises(ImportRefusedError) as info:
        import_files(files, store=store, **kwargs)
    assert store_fingerprint(store.home) == before, "a refused import changed the store"
    assert str(info.value).startswith("import refused, nothing was changed")
    return [str(p) for p in info.value.problems]


# --- good imports ----------------------------------------------------------------------


def test_geopackage_imports_all_layers_and_derives(loaded: LayerStore) -> None:
    assert loaded.layer_names() == ["buildings", "properties", "sites"]
    assert loaded.data_version == 1
    props = loaded.read("properties").set_index("property_id")
    assert props.crs.to_epsg() == 27700
    # building by point-in-footprint, floor and close from the address
    assert props.loc["P3", "building_id"] == "B1"
    assert bool(props.loc["P3", "building_id_derived"])
    assert not bool(props.loc["P8", "building_id_derived"])
    assert props.loc[["P0", "P2", "P4", "P7"], "floor"].tolist() == [0, 1, 2, 3]
    assert props.loc["P8", "floor"] == 2
    assert pd.isna(props.loc["P9", "floor"])  # a house: the address gives no floor
    assert set(props.loc[[f"P{i}" for i in range(8)], "close_id"]) == {"12 Oak Road, Testtown"}
    assert props.loc["P8", "close_id"] == "14 Oak Road, Testtown"
    assert props["is_void"].tolist() == [False] * 9 + [True]


def test_reimport_replaces_layer_and_records_version(loaded: LayerStore, tmp_path: Path) -> None:
    sites = sites_frame().iloc[:1]
    path = tmp_path / "sites.geojson"
    sites.to_crs(4326).to_file(path, driver="GeoJSON")
    report = import_files([path], store=loaded)
    assert report.data_version == 2
    assert loaded.version("sites").version == 2
    assert loaded.version("properties").version == 1
    assert loaded.version("sites").sources == ("sites.geojson",)
    assert len(loaded.read("sites")) == 1
    # only the current files remain
    files = sorted(p.name for p in (loaded.home / "layers").iterdir())
    assert files == ["buildings.v1.parquet", "properties.v1.parquet", "sites.v2.parquet"]
    assert [h["data_version"] for h in loaded.history()] == [1, 2]


@pytest.mark.parametrize("fmt", ["geojson", "shp", "parquet", "gpkg"])
def test_formats_and_any_crs(store: LayerStore, tmp_path: Path, fmt: str) -> None:
    expected = sites_frame()
    if fmt == "shp":  # a Shapefile holds one geometry type
        expected = expected.iloc[[1]].reset_index(drop=True)
    sites = expected.to_crs("EPSG:4326" if fmt == "geojson" else "EPSG:3857")
    path = tmp_path / f"sites.{fmt}"
    if fmt == "parquet":
        sites.to_parquet(path)
    else:
        sites.to_file(path)
    import_files([path], store=store)
    back = store.read("sites")
    assert back.crs.to_epsg() == 27700
    assert np.allclose(shapely.get_coordinates(back.geometry.to_numpy()),
                       shapely.get_coordinates(expected.geometry.to_numpy()), atol=0.01)


def test_csv_lon_lat_and_x_y_with_crs(store: LayerStore, tmp_path: Path) -> None:
    lonlat = tmp_path / "sites.csv"
    lonlat.write_text("site_id,category,name,lon,lat\nS1,shop,Corner shop,-3.19,55.95\n")
    import_files([lonlat], store=store)
    xy = tmp_path / "nurseries.csv"
    xy.write_text("site_id,category,x,y\nN1,nursery,325100,673200\n")
    import_files([xy], store=store, layer="sites", crs="EPSG:27700")
    assert store.read("sites")["site_id"].tolist() == ["N1"]


def test_attribute_layers_are_restricted(loaded: LayerStore, tmp_path: Path) -> None:
    path = tmp_path / "subjects.csv"
    path.write_text("subject_id,mappa_level,risk_level,conditions,current_property_id\n"
                    'FICTIONAL-S1,2,high,"[{""type"": ""no_residence_in_area"", '
                    '""area_id"": ""A1""}]",P3\n')
    import_files([path], store=loaded)
    entry = loaded.version("subjects")
    assert entry.sensitive and entry.path.startswith("restricted/")
    mode = stat.S_IMODE((loaded.home / entry.path).stat().st_mode)
    assert mode == 0o600
    subjects = loaded.read("subjects")
    assert json.loads(subjects["conditions"].iloc[0])[0]["type"] == "no_residence_in_area"


def test_buildings_reimport_rederives_properties(loaded: LayerStore, tmp_path: Path) -> None:
    split = gpd.GeoDataFrame(  # B1 split in two: the derived building ids follow
        {"building_id": ["B3", "B1", "B2"], "levels": [4, 4, 2]},
        geometry=[box(X0, Y0, X0 + 20, Y0 + 12), box(X0 + 20, Y0, X0 + 40, Y0 + 12),
                  box(X0 + 60, Y0, X0 + 72, Y0 + 10)], crs=27700)
    path = write_gpkg(tmp_path / "b.gpkg", buildings=split)
    import_files([path], store=loaded)
    props = loaded.read("properties").set_index("property_id")
    assert props.loc["P0", "building_id"] == "B3"
    assert props.loc["P8", "building_id"] == "B1"
    # a building_id given in the data is the user's, never re-derived
    assert props.loc["P9", "building_id"] == "B2"


def test_unparsed_addresses_are_reported_not_guessed(store: LayerStore, tmp_path: Path) -> None:
    props = properties_frame()
    props.loc[0, "address"] = "Flat 3, 12 Oak Road, Testtown"
    path = write_gpkg(tmp_path / "t.gpkg", buildings=buildings_frame(), properties=props)
    report = import_files([path], store=store)
    floors = store.read("properties").set_index("property_id")["floor"]
    assert pd.isna(floors["P0"])
    assert any(n.row == 1 and n.column == "address" for n in report.notices)


# --- bad input: one test per case, exact message, nothing written ----------------------


def test_missing_required_column(loaded: LayerStore, tmp_path: Path) -> None:
    path = write_gpkg(tmp_path / "p.gpkg", properties=properties_frame().drop(columns="address"))
    assert refused(loaded, [path]) == [
        "file 'p.gpkg', layer 'properties', column 'address': missing required column "
        "'address'; the 'properties' layer needs property_id, address"]


def test_duplicate_ids(loaded: LayerStore, tmp_path: Path) -> None:
    props = properties_frame()
    props.loc[6, "property_id"] = "P2"
    path = write_gpkg(tmp_path / "p.gpkg", properties=props)
    assert refused(loaded, [path]) == [
        "file 'p.gpkg', layer 'properties', row 7, column 'property_id': property_id 'P2' is "
        "used again (first at row 3); ids must be unique"]


def test_invalid_geometry(loaded: LayerStore, tmp_path: Path) -> None:
    bad = buildings_frame()
    bowtie = Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    bad.loc[1, "geometry"] = bowtie
    path = write_gpkg(tmp_path / "b.gpkg", buildings=bad)
    assert refused(loaded, [path]) == [
        "file 'b.gpkg', layer 'buildings', row 2, column 'geometry': invalid geometry "
        "(Self-intersection[325005 673005]); repair it in your GIS (e.g. 'Fix geometries' "
        "or make_valid) and import again"]


def test_empty_and_missing_geometry(loaded: LayerStore, tmp_path: Path) -> None:
    sites = sites_frame()
    sites.loc[0, "geometry"] = Polygon()
    sites.loc[1, "geometry"] = None
    path = tmp_path / "sites.parquet"
    sites.to_parquet(path)
    assert refused(loaded, [path]) == [
        "file 'sites.parquet', layer 'sites', row 2, column 'geometry': no geometry; every "
        "feature needs a location",
        "file 'sites.parquet', layer 'sites', row 1, column 'geometry': empty geometry; every "
        "feature needs a location"]


def test_non_finite_coordinates_in_csv(loaded: LayerStore, tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("site_id,category,lon,lat\nS1,shop,-3.19,55.95\nS2,shop,inf,55.9\n"
                    "S3,shop,-3.2,NaN\nS4,shop,,55.9\n")
    assert refused(loaded, [path]) == [
        "file 'sites.csv', layer 'sites', row 2, column 'lon': coordinate 'inf' is not a "
        "finite number; give a decimal number (no NaN, inf or blank)",
        "file 'sites.csv', layer 'sites', row 4, column 'lon': coordinate '' is not a finite "
        "number; give a decimal number (no NaN, inf or blank)",
        "file 'sites.csv', layer 'sites', row 3, column 'lat': coordinate 'NaN' is not a "
        "finite number; give a decimal number (no NaN, inf or blank)"]


def test_non_finite_coordinates_in_geometry(loaded: LayerStore, tmp_path: Path) -> None:
    sites = sites_frame()
    sites.loc[1, "geometry"] = Point(np.inf, Y0)
    path = tmp_path / "sites.parquet"
    sites.to_parquet(path)
    assert refused(loaded, [path]) == [
        "file 'sites.parquet', layer 'sites', row 2, column 'geometry': coordinates are not "
        "finite numbers (NaN or infinity); correct the feature's coordinates"]


def test_no_crs(loaded: LayerStore, tmp_path: Path) -> None:
    path = tmp_path / "sites.shp"
    sites_frame().iloc[[1]].to_file(path)
    path.with_suffix(".prj").unlink()
    message = ("file 'sites.shp', layer 'sites', column 'geometry': no CRS: the file does not "
               "say which coordinate reference system it uses; add one (e.g. a .prj beside a "
               "Shapefile) or pass --crs (e.g. --crs EPSG:27700 for British National Grid)")
    assert refused(loaded, [path]) == [message]
    csv = tmp_path / "sites.csv"
    csv.write_text("site_id,category,x,y\nS1,shop,325000,673000\n")
    assert refused(loaded, [csv]) == [
        "file 'sites.csv', layer 'sites': coordinates in columns 'x'/'y' have no CRS; pass "
        "--crs with the CRS they are in (e.g. --crs EPSG:27700 for British National Grid), "
        "or name the columns lon/lat (EPSG:4326) or easting/northing (EPSG:27700)"]
    # given the CRS, the same files import
    import_files([path], store=loaded, crs="EPSG:27700")


def test_lat_lon_swapped(loaded: LayerStore, tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("site_id,category,lon,lat\nS1,shop,55.95,-3.19\n")
    assert refused(loaded, [path]) == [
        "file 'sites.csv', layer 'sites', row 1, column 'lon': lies outside Scotland (55.95, "
        "-3.19 in EPSG:4326) but would be inside with the coordinates swapped; swap the 'lon' "
        "and 'lat' columns"]


def test_swapped_axes_in_a_projected_file(loaded: LayerStore, tmp_path: Path) -> None:
    sites = sites_frame()
    sites["geometry"] = shapely.transform(sites.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    path = tmp_path / "sites.gpkg"
    sites.to_file(path, layer="sites")
    problems = refused(loaded, [path])
    assert problems[0] == (
        "file 'sites.gpkg', layer 'sites', row 1, column 'geometry': lies outside Scotland "
        "(673100, 325200 in EPSG:27700) but would be inside with the coordinates swapped; its "
        "x/y axes are exchanged: swap them in your GIS")


def test_outside_scotland(loaded: LayerStore, tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("site_id,category,lon,lat\nS1,shop,-0.1276,51.5072\n")  # London
    assert refused(loaded, [path]) == [
        "file 'sites.csv', layer 'sites', row 1, column 'lon': lies outside Scotland (-0.1276, "
        "51.5072 in EPSG:4326); check the CRS the file declares (geo_era holds Scottish data "
        "only)"]


def test_unknown_site_category(loaded: LayerStore, tmp_path: Path) -> None:
    sites = sites_frame()
    sites.loc[1, "category"] = "schools"
    sites.loc[0, "category"] = "pub"
    path = write_gpkg(tmp_path / "s.gpkg", sites=sites)
    choices = ("school, nursery, play_park, community_centre, place_of_worship, shop, "
               "licensed_premises, sheltered_housing, cctv, care_home")
    assert refused(loaded, [path]) == [
        f"file 's.gpkg', layer 'sites', row 1, column 'category': unknown category 'pub'; use "
        f"one of {choices}",
        f"file 's.gpkg', layer 'sites', row 2, column 'category': unknown category 'schools' "
        f"(did you mean 'school'?); use one of {choices}"]


def test_property_pointing_at_missing_building(loaded: LayerStore, tmp_path: Path) -> None:
    props = properties_frame()
    props.loc[9, "building_id"] = "B9"
    path = write_gpkg(tmp_path / "p.gpkg", properties=props)
    assert refused(loaded, [path]) == [
        "file 'p.gpkg', layer 'properties', row 10, column 'building_id': building_id 'B9' is "
        "not in layer 'buildings' (2 rows); import it or correct the building_id"]


def test_buildings_reimport_that_orphans_properties_is_refused(loaded: LayerStore,
                                                              tmp_path: Path) -> None:
    path = write_gpkg(tmp_path / "b.gpkg", buildings=buildings_frame().iloc[:1])
    assert refused(loaded, [path]) == [
        "file '(stored layer)', layer 'properties', row 10, column 'building_id': building_id "
        "'B2' is not in layer 'buildings' (1 rows); import it or correct the building_id"]


def test_references_need_the_target_layer(store: LayerStore, tmp_path: Path) -> None:
    props = properties_frame()
    path = write_gpkg(tmp_path / "p.gpkg", properties=props)
    problems = refused(store, [path])
    assert problems == [
        "file 'p.gpkg', layer 'properties', column 'building_id': names buildings in column "
        "'building_id' but no 'buildings' layer has been imported; import buildings first or "
        "in the same command"]


@pytest.mark.parametrize(("column", "value", "message"), [
    ("is_void", "maybe", "'maybe' is not a yes/no value; use true/false, yes/no or 1/0"),
    ("floor", "2.5", "'2.5' is not a whole number"),
    ("floor", "second", "'second' is not a whole number"),
    ("property_type", "bungalow", "unknown property_type 'bungalow'; use one of "
     "multi_storey_flat, tenement_flat, cottage_flat, terraced, semi_detached, detached, "
     "shared"),
    ("address", "", "required value is empty"),
])
def test_bad_values(loaded: LayerStore, tmp_path: Path, column: str, value: str,
                    message: str) -> None:
    path = tmp_path / "properties.csv"
    if column == "address":
        path.write_text("property_id,address,easting,northing\nP1,,325005,673006\n")
    else:
        path.write_text(f"property_id,address,{column},easting,northing\n"
                        f"P1,1 Oak Road,{value},325005,673006\n")
    assert refused(loaded, [path]) == [
        f"file 'properties.csv', layer 'properties', row 1, column '{column}': {message}"]


def test_wrong_geometry_type(loaded: LayerStore, tmp_path: Path) -> None:
    props = properties_frame()
    props.loc[0, "geometry"] = box(X0, Y0, X0 + 1, Y0 + 1)
    path = write_gpkg(tmp_path / "p.gpkg", properties=props)
    assert refused(loaded, [path]) == [
        "file 'p.gpkg', layer 'properties', row 1, column 'geometry': geometry is a Polygon; "
        "layer 'properties' needs Point"]


def test_unknown_layer_and_unreadable_file(loaded: LayerStore, tmp_path: Path) -> None:
    odd = tmp_path / "stuff.csv"
    odd.write_text("a,b\n1,2\n")
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a geopackage")
    problems = refused(loaded, [odd, broken, tmp_path / "nowhere.gpkg"])
    assert problems[0].startswith("file 'broken.gpkg': is not GeoPackage (a GeoPackage is a "
                                  "SQLite database); ")
    assert problems[1] == "file 'nowhere.gpkg': file not found; check the path"
    assert problems[2].startswith("file 'stuff.csv', layer 'stuff': 'stuff' is not a geo_era "
                                  "layer; name the file or layer after one of properties, ")


def test_problems_from_several_files_are_reported_together(loaded: LayerStore,
                                                          tmp_path: Path) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text("site_id,category,lon,lat\nS1,pubs,-3.19,55.95\n")
    props = properties_frame().drop(columns="address")
    gpkg = write_gpkg(tmp_path / "p.gpkg", properties=props)
    problems = refused(loaded, [sites, gpkg])
    assert len(problems) == 2
    assert "unknown category 'pubs'" in problems[0]
    assert "missing required column 'address'" in problems[1]


def test_failure_while_writing_leaves_previous_data(loaded: LayerStore, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    gpkg = write_gpkg(tmp_path / "again.gpkg", buildings=buildings_frame(),
                      properties=properties_frame(), sites=sites_frame())
    before = store_fingerprint(loaded.home)
    calls = {"n": 0}
    original = gpd.GeoDataFrame.to_parquet

    def failing(self: gpd.GeoDataFrame, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        import_files([gpkg], store=loaded)
    assert store_fingerprint(loaded.home) == before
    assert loaded.data_version == 1


def test_aberdeen_osm_through_the_import_pipeline(store: LayerStore) -> None:
    from tests.conftest import require_shared_data

    name = "aberdeen_city_centre_2016.osm"
    path = require_shared_data(name) / name
    report = import_files([path], store=store)
    assert report.rows == {"buildings": 346, "sites": 94, "streets": 637}
    sites = store.read("sites")
    counts = sites["category"].value_counts().to_dict()
    assert counts == {"licensed_premises": 50, "shop": 35, "place_of_worship": 8, "school": 1}
    assert sites.crs.to_epsg() == 27700
    assert store.version("sites").sources == (name,)


def test_store_files_are_written_whole_with_their_mode(loaded: LayerStore) -> None:
    """Reference layers and the catalog are 0644, no temporary file is left behind."""
    for name in loaded.layer_names():
        entry = loaded.version(name)
        mode = stat.S_IMODE((loaded.home / entry.path).stat().st_mode)
        assert mode == 0o600, name  # issue 17, finding 7: everything in the home 0600
    assert stat.S_IMODE((loaded.home / "catalog.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(loaded.home.stat().st_mode) == 0o700
    assert not [p for p in loaded.home.rglob("*") if p.name.endswith(".tmp")]
