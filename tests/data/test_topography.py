"""The national products as they come (issue 22): OS MasterMap Topography Layer
buildings (GML and GeoPackage) joined to the addresses by TOID, Registers of Scotland
INSPIRE polygons as plots, the school locations CSV as sites, from the FICTIONAL
fixtures of :mod:`tests.data.topography_fixtures` (a tenement, a tower, a row of three
cottage-flat blocks, a shared house and a pair of semis of the demo town). The counts
are worked by hand from the fixtures; the minimum sets are the demo town's ground truth
for the same dwellings. REQUIREMENTS.md: R109 (imports all or nothing, every problem named), R116
(schools and nurseries as sites), NASSO 3.9 minimum sets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geo_era.analysis.minimum_set import ParameterEngine, member_sets
from geo_era.data.mastermap import LAYERS as AREAS
from geo_era.data.mastermap import mastermap_buildings, normal_toid
from geo_era.data.products import read_product
from geo_era.data.schools import school_sites
from geo_era.errors import DataError, ImportRefusedError
from geo_era.services import Caller, Services, data
from geo_era.services.products import import_product
from geo_era.settings import Settings
from tests.data.topography_fixtures import Selection, select, write_fixtures

OPERATOR = Caller.operator("tester")
#: FICTIONAL TOIDs of the eight buildings, in the order of the fixtures' KINDS.
TOIDS = [f"osgb100000000000000{k}" for k in range(1, 9)]


@pytest.fixture(scope="module")
def selection() -> Selection:
    return select()


@pytest.fixture(scope="module")
def files(selection: Selection, tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, Path]:
    return write_fixtures(tmp_path_factory.mktemp("topography"), selection)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    found = Services(Settings(home=tmp_path / "home"))
    yield found
    found.engine.dispose()


def test_toids_normalised() -> None:
    assert normal_toid("osgb0001000002085437860") == "osgb1000002085437860"
    assert normal_toid("1000002085437860") == "osgb1000002085437860"
    assert normal_toid("OSGB1000002085437860") == "osgb1000002085437860"
    assert normal_toid("not-a-toid") is None


def test_mastermap_gml_buildings(files: dict[str, Path]) -> None:
    """11 TopographicArea features: 8 buildings, a road and a garden, and the tower
    repeated as in a neighbouring chunk (taken once); the TopographicLine is another
    layer. GML has no heights: no levels."""
    read = mastermap_buildings(read_product(files["mastermap_gml"], layers=AREAS,
                                            limits=None), file="mastermap.gml")
    assert (read.features, read.not_buildings, read.repeated) == (11, 2, 1)
    assert list(read.buildings["building_id"]) == TOIDS
    assert read.buildings["levels"].isna().all()


def test_mastermap_gpkg_buildings_with_heights(files: dict[str, Path],
                                               selection: Selection) -> None:
    """The GeoPackage supply: 10 features, 8 buildings (one TOID zero-padded), levels from
    relh2 (levels x 3 m + 0.5 m in the fixture) equal to the demo's storeys."""
    read = mastermap_buildings(read_product(files["mastermap_gpkg"], layers=AREAS,
                                            limits=None), file="mastermap.gpkg")
    assert (read.features, read.not_buildings, read.repeated) == (10, 2, 0)
    assert list(read.buildings["building_id"]) == TOIDS
    assert list(read.buildings["levels"]) == [5, 9, 2, 2, 2, 2, 2, 2]
    assert list(read.buildings["levels"]) == list(selection.buildings["levels"])


def test_schools_as_sites(files: dict[str, Path]) -> None:
    sites = school_sites(files["schools"])
    assert list(sites["site_id"]) == ["SCH-5000001P", "SCH-5000001S", "SCH-5000002SP",
                                      "SCH-5000003P"]
    assert list(sites["category"]) == ["school", "school", "school", "nursery"]
    assert sites.crs is not None and sites.crs.to_epsg() == 27700


def test_school_types() -> None:
    from geo_era.data.schools import _category

    assert [_category(t) for t in ("Primary", "Secondary", "Special", "Nursery",
                                   "Early Learning and Childcare", "ELC",
                                   "Primary (with nursery class)", "All-through")] == [
        "school", "school", "school", "nursery", "nursery", "nursery", "school", "school"]


def _import_all(services: Services, files: dict[str, Path], buildings: str) -> None:
    import_product(services, OPERATOR, files=[files[buildings]], product="mastermap")
    data.import_layers(services, OPERATOR, files=[files["properties"]])


@pytest.mark.parametrize("buildings", ["mastermap_gml", "mastermap_gpkg"])
def test_products_give_the_demo_minimum_sets(services: Services, files: dict[str, Path],
                                             selection: Selection, buildings: str) -> None:
    """Buildings by TOID, the addresses (building_id = TOID), the INSPIRE plots: every
    dwelling's minimum set equals the demo town's ground truth among these dwellings
    (NASSO 3.9; the cottage flats' sets include the flats whose gardens border theirs)."""
    _import_all(services, files, buildings)
    report = import_product(services, OPERATOR, files=[files["inspire"]],
                            product="inspire")
    # 19 parcels: the 17 plots of these buildings (15 of one dwelling: 12 cottage flats,
    # the shared house and the two semis; 2 grounds of a building), a cottage flat's
    # polygon again (taken once) and one with nothing inside (left out, listed)
    assert (report.features, report.taken, report.rows) == (19, 17, {"plots": 17})
    assert len(report.left_out) == 1 and "no address or building inside" in \
        report.left_out[0] and "row 19" in report.left_out[0]
    plots = services.layers.read("plots")
    assert int(plots["property_id"].notna().sum()) == 15
    engine = ParameterEngine.from_store(services.layers)
    sets = member_sets(engine.all_minimum_sets())
    chosen = set(selection.properties["property_id"].astype(str))
    truth = selection.town.truth[selection.town.truth["property_id"].isin(chosen)]
    assert len(truth) == 129  # 60 tenement, 54 tower, 12 cottage flats, 1 shared, 2 semis
    assert set(truth["property_type"]) == {"tenement_flat", "multi_storey_flat",
                                           "cottage_flat", "shared", "semi_detached"}
    wrong = [pid for pid, expected in zip(truth["property_id"], truth["minimum_set"],
                                          strict=True)
             if sets.get(str(pid), set()) != {str(m) for m in expected} & chosen]
    assert wrong == []
    for kind in ("cottage_flat", "semi_detached"):  # their gardens do count
        houses = truth[truth["property_type"] == kind]
        assert any(set(map(str, row.garden_neighbours)) & chosen
                   for row in houses.itertuples())


def test_schools_replace_only_their_sites(services: Services, files: dict[str, Path]
                                          ) -> None:
    first = import_product(services, OPERATOR, files=[files["schools"]], product="schools")
    again = import_product(services, OPERATOR, files=[files["schools"]], product="schools")
    assert first.rows == again.rows == {"sites": 4}


def test_bad_toid_names_file_feature_and_field(services: Services, files: dict[str, Path],
                                               tmp_path: Path) -> None:
    bad = tmp_path / "chunk.gml"
    text = files["mastermap_gml"].read_text(encoding="utf-8")
    bad.write_text(text.replace('fid="osgb1000000000000003"', 'fid="FICTIONAL-3"', 1),
                   encoding="utf-8")
    with pytest.raises(ImportRefusedError) as caught:
        import_product(services, OPERATOR, files=[bad], product="mastermap")
    problem = caught.value.problems[0]
    assert (problem.file, problem.layer, problem.row, problem.column) == (
        "chunk.gml", "TopographicArea", 3, "fid")
    assert "'FICTIONAL-3' is not an OS TOID" in problem.message
    assert not services.layers.has("buildings")


def test_bad_school_row_names_row_and_column(services: Services, files: dict[str, Path],
                                             tmp_path: Path) -> None:
    bad = tmp_path / "schools.csv"
    lines = files["schools"].read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[5] = "east"
    lines[2] = ",".join(cells)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRefusedError) as caught:
        import_product(services, OPERATOR, files=[bad], product="schools")
    assert [str(p) for p in caught.value.problems] == [
        "file 'schools.csv', row 2, column 'Easting': 'east' is not a British National "
        "Grid easting in Scotland (metres, EPSG:27700)"]
    assert not services.layers.has("sites")


def test_inspire_needs_addresses_and_ids(services: Services, files: dict[str, Path],
                                         tmp_path: Path) -> None:
    with pytest.raises(DataError, match="import the addresses"):
        import_product(services, OPERATOR, files=[files["inspire"]], product="inspire")
    _import_all(services, files, "mastermap_gpkg")
    bad = tmp_path / "county.gml"
    text = files["inspire"].read_text(encoding="utf-8")
    bad.write_text(text.replace("<base:localId>0900000002</base:localId>",
                                "<base:localId>0900000001</base:localId>", 1),
                   encoding="utf-8")
    with pytest.raises(ImportRefusedError) as caught:
        import_product(services, OPERATOR, files=[bad], product="inspire")
    problem = caught.value.problems[0]
    assert (problem.file, problem.layer, problem.row, problem.column) == (
        "county.gml", "CadastralParcel", 2, "localId")
    assert not services.layers.has("plots")


def test_not_the_product(services: Services, files: dict[str, Path]) -> None:
    with pytest.raises(DataError, match=r"neither GML \(plain or \.gz\) nor a GeoPackage"):
        import_product(services, OPERATOR, files=[files["schools"]], product="mastermap")
    with pytest.raises(DataError, match="holds no layer TopographicArea"):
        import_product(services, OPERATOR, files=[files["inspire"]], product="mastermap")
    with pytest.raises(DataError, match="not the school locations table"):
        import_product(services, OPERATOR, files=[files["properties"]], product="schools")


def test_imports_audited_only_when_they_succeed(database_url: str, tmp_path: Path,
                                                files: dict[str, Path]) -> None:
    """One ``collection`` entry of type ``import`` naming the product's files, committed
    with the import; a refused import leaves no entry and no layer; an administrator
    may import, an analyst may not (R109; on SQLite and PostgreSQL)."""
    from geo_era.errors import ForbiddenError
    from tests.services.parity import audit_entries

    svc = Services(Settings(home=tmp_path / "home", database_url=database_url))
    try:
        bad = tmp_path / "bad.csv"
        bad.write_text("SchUID,SeedCode,SchoolName,SchoolType,Easting,Northing\n"
                       "1P,1,FICTIONAL School,Primary,1,1\n", encoding="utf-8")
        with pytest.raises(ImportRefusedError):
            import_product(svc, OPERATOR, files=[bad], product="schools")
        with pytest.raises(ForbiddenError):
            import_product(svc, Caller("user.omu", "omu_analyst", "FICTIONAL Police OMU"),
                           files=[files["schools"]], product="schools")
        # the refused import left nothing; the analyst's attempt is recorded as denied
        assert [(e.actor, e.outcome) for e in audit_entries(svc.engine)] == [
            ("user.omu", "denied")]
        admin = Caller("user.admin", "admin", "FICTIONAL Council")
        import_product(svc, admin, files=[files["mastermap_gml"]], product="mastermap")
        entries = [e for e in audit_entries(svc.engine) if e.outcome != "denied"]
        assert [(e.actor, e.operation, e.record_type, e.record_ids) for e in entries] == [
            ("user.admin", "collection", "import", ["mastermap.gml"])]
        assert not svc.layers.has("sites") and svc.layers.has("buildings")
    finally:
        svc.engine.dispose()


def test_gzipped_gml_chunk(services: Services, files: dict[str, Path], tmp_path: Path
                           ) -> None:
    """OS supplies GML chunks gzip-compressed: read as they come."""
    import gzip

    packed = tmp_path / "mastermap.gml.gz"
    packed.write_bytes(gzip.compress(files["mastermap_gml"].read_bytes()))
    report = import_product(services, OPERATOR, files=[packed], product="mastermap")
    assert (report.features, report.taken) == (11, 8)


def test_gml_with_a_doctype_is_refused(services: Services, tmp_path: Path) -> None:
    hostile = tmp_path / "chunk.gml"
    hostile.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n'
                       '<osgb:FeatureCollection xmlns:gml="http://www.opengis.net/gml">'
                       "&a;</osgb:FeatureCollection>\n", encoding="utf-8")
    with pytest.raises(DataError, match="declares a document type"):
        import_product(services, OPERATOR, files=[hostile], product="mastermap")


def test_cli_imports_each_product(files: dict[str, Path], tmp_path: Path) -> None:
    """``geo-era import --format ...``: the one command per product in the README."""
    from tests.cli.test_cli import geo_era

    home = tmp_path / "home"
    done = geo_era("import", "--format", "mastermap", str(files["mastermap_gpkg"]),
                   home=home)
    assert done.returncode == 0, done.stderr
    assert "imported buildings: 8 rows (8 taken from 10 features of mastermap)" in done.stdout
    done = geo_era("import", str(files["properties"]), home=home)
    assert done.returncode == 0, done.stderr
    done = geo_era("import", "--format", "inspire", str(files["inspire"]), home=home)
    assert done.returncode == 0, done.stderr
    assert "imported plots: 17 rows (17 taken from 19 features of inspire)" in done.stdout
    assert "1 feature(s) left out" in done.stdout
    done = geo_era("import", "--format", "schools", str(files["schools"]), home=home)
    assert "imported sites: 4 rows" in done.stdout
    done = geo_era("import", "--format", "abc", str(files["schools"]), home=home)
    assert done.returncode != 0 and "'abc': give contract, addressbase, osm" in done.stderr
    assert "Traceback" not in done.stderr
