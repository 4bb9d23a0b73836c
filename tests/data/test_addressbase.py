"""OS AddressBase Plus and Premium imported as the properties layer (issue 22, items 1
and 2; REQUIREMENTS.md R116): FICTIONAL files in each product's layout placed on the demo
town's buildings (:mod:`tests.data.make_addressbase`: one close of 8 tenement flats, a
tower, a block of 4 cottage flats, a shared house) give exactly the dwellings, types,
floors, closes and buildings of the demo's ground truth, and the minimum sets computed
after the import equal the ground truth's for the same dwellings; records that are not
dwellings are dropped and counted; bad input is refused naming the file, the record, the
product's field and its position, and nothing is changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from geo_era.analysis.minimum_set import ParameterEngine, member_sets
from geo_era.data.addressbase import read_addressbase, sniff_product
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.data.sandbox import ImportLimits
from geo_era.demo.demotown import build_demo_town
from geo_era.errors import DataError, ImportRefusedError
from geo_era.services import Caller, Services
from geo_era.services import data as data_services
from geo_era.settings import Settings
from tests.cli.test_cli import geo_era
from tests.data.make_addressbase import Chosen, records_frame, write_fixtures, write_plus
from tests.services.parity import audit_entries

OPERATOR = Caller.operator("admin.fictional")
#: The fixtures' dwellings by type, worked from the buildings chosen: one close of 8
#: tenement flats, the smallest tower (54 flats), a block of 4 cottage flats, 1 HMO.
TYPES = {"cottage_flat": 4, "multi_storey_flat": 54, "shared": 1, "tenement_flat": 8}
#: Records written that are not dwellings: the 3 parent property shells (class PP), a
#: lock-up garage (RG02), a shop (CR01) and a demolished house (STATE 4).
DROPPED = {"CR01": 1, "PP": 3, "RG02": 1, "state 4": 1}


@pytest.fixture(scope="module")
def town() -> Any:
    return build_demo_town(scale=1.0, seed=0)


@pytest.fixture
def fixtures(tmp_path: Path, town: Any) -> tuple[dict[str, Path], Chosen]:
    return write_fixtures(tmp_path / "addressbase", town)


def _lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line)


@pytest.mark.parametrize("kind", ["plus", "plus_no_header", "premium"])
def test_each_product_gives_the_dwellings_and_drops_the_rest(
        fixtures: tuple[dict[str, Path], Chosen], kind: str) -> None:
    """Each file: 67 dwellings by type as worked out above, every other record dropped
    and counted by class, UPRNs as property ids, addresses in Scottish form (Royal Mail
    capitals in title case, the flat position as given; the shared house's Premium
    address from its LPI and street descriptor, as it has no delivery point)."""
    files, chosen = fixtures
    read = read_addressbase(files[kind])
    assert read.product == ("premium" if kind == "premium" else "plus")
    assert sniff_product(files[kind]) == read.product
    assert read.records == _lines(files[kind]) - (1 if kind == "plus" else 0)
    assert read.by_type() == TYPES
    assert read.dropped == DROPPED
    props = read.properties
    assert props.crs is not None and props.crs.to_epsg() == 27700
    assert sorted(props["property_id"]) == sorted(chosen.uprn.values())
    by_uprn = props.set_index("property_id")["address"]
    assert by_uprn["906000000001"] == "PF1, 101 Whinfield Grove, Inverallan, IV99 1AB"
    assert by_uprn["906000000009"] == "FLAT 0/1, 10 Broomhill Heights, Inverallan, IV99 1AB"
    assert by_uprn["906000000063"] == "Lower Flat, 1 Thistle Row, Inverallan, IV99 1AB"
    assert by_uprn["906000000067"] == "5 Foxglove Gardens, Inverallan, IV99 1AB"


def _import_home(tmp_path: Path, demo_files: list[Path]) -> Path:
    """A home holding the demo town's buildings and streets (no properties yet)."""
    home = tmp_path / "home"
    import_files([p for p in demo_files if p.stem in {"buildings", "streets"}],
                 store=LayerStore(home))
    return home


@pytest.mark.parametrize("kind", ["plus", "premium"])
def test_imported_dwellings_and_minimum_sets_equal_the_demo_truth(
        tmp_path: Path, demo_files: list[Path], town: Any, *,
        fixtures: tuple[dict[str, Path], Chosen], kind: str, database_url: str) -> None:
    """R116, issue 22 item 2: after the import (audited, on SQLite and PostgreSQL) each
    dwelling's building (the footprint its point lies in; the shared house's by its TOID,
    which the buildings layer holds), floor, property type and close equal the demo's
    ground truth (a house's floor is left empty, as for the demo's own import); the 8
    tenement flats share one close, the cottage flats have one each; and every dwelling's
    minimum set equals the truth's within the dwellings imported."""
    files, chosen = fixtures
    home = _import_home(tmp_path, demo_files)
    services = Services(Settings(home=home, database_url=database_url))
    report = data_services.import_addressbase(services, OPERATOR, path=files[kind])
    assert report.rows == {"properties": 67}
    assert report.dwellings == TYPES and report.dropped == DROPPED
    assert [e.record_type for e in audit_entries(services.engine)] == ["import"]
    props = services.layers.read("properties")
    assert isinstance(props, gpd.GeoDataFrame)
    demo_of = chosen.demo_id()
    props["demo_id"] = props["property_id"].map(demo_of)
    truth = town.truth.set_index("property_id").loc[props["demo_id"]]
    assert list(props["building_id"]) == list(truth["building_id"])
    # the shared house's building named by its TOID; the flats' found by footprint
    assert list(props["building_id_derived"]) == list(props["property_type"] != "shared")
    assert not props["property_type_derived"].any()  # every type from the class
    flats = (props["property_type"] != "shared").to_numpy()
    assert list(props.loc[flats, "floor"].astype(int)) == list(truth.loc[flats, "floor"])
    assert props.loc[~flats, "floor"].isna().all()  # a house's address names no floor
    assert list(props["property_type"]) == list(truth["property_type"])
    same_close = props.groupby("close_id")["demo_id"].agg(frozenset)
    truth_close = truth.reset_index().groupby("close_key")["property_id"].agg(frozenset)
    assert set(same_close) == set(truth_close)
    tenement = props[props["property_type"] == "tenement_flat"]
    assert tenement["close_id"].nunique() == 1 and len(tenement) == 8

    engine = ParameterEngine.from_store(services.layers)
    found = member_sets(engine.all_minimum_sets())
    imported = set(demo_of.values())
    for uprn, pid in demo_of.items():
        expected = {str(m) for m in truth.loc[pid, "minimum_set"]} & imported
        assert {demo_of[m] for m in found.get(uprn, set())} == expected, pid
    services.engine.dispose()


@pytest.mark.parametrize("kind", ["plus", "premium"])
def test_handing_on_the_parsed_addresses_stores_the_same_bytes(
        tmp_path: Path, demo_files: list[Path], fixtures: tuple[dict[str, Path], Chosen],
        kind: str) -> None:
    """Issue 23 item 1: the import hands the addresses it parsed to type the flats on to
    the derivation of floors and closes, and reads its own staged file in the process.
    The properties layer it stores is byte for byte the one stored by the import as it
    was: the same dwellings staged and imported through the sandbox, every address
    parsed again by the derivation."""
    files, _ = fixtures
    home = _import_home(tmp_path / "handed-on", demo_files)
    services = Services(Settings(home=home, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    data_services.import_addressbase(services, OPERATOR, path=files[kind])
    services.engine.dispose()

    store = LayerStore(_import_home(tmp_path / "parsed-again", demo_files))
    buildings = set(store.read_attributes("buildings", ["building_id"])["building_id"])
    read = read_addressbase(files[kind], building_ids=buildings)
    staged = tmp_path / "properties.parquet"
    read.properties.to_parquet(staged)
    import_files([staged], store=store, layer="properties",
                 limits=ImportLimits.of(Settings(home=tmp_path / "limits")))
    handed_on = LayerStore(home).version("properties")
    parsed_again = store.version("properties")
    assert handed_on.rows == parsed_again.rows == 67
    assert handed_on.sha256 == parsed_again.sha256


def _bad_copy(files: dict[str, Path], tmp_path: Path, **changes: tuple[int, str]) -> Path:
    frame = records_frame(files["plus"])
    for name, (row, value) in changes.items():
        frame.loc[row, name] = value
    path = tmp_path / "bad.csv"
    write_plus(frame.to_dict("records"), path)
    return path


def test_bad_records_name_the_file_record_and_field(
        tmp_path: Path, fixtures: tuple[dict[str, Path], Chosen]) -> None:
    """A coordinate that is not a number, one outside Great Britain, a UPRN that is not
    a number, a record with no class and a repeated UPRN: each named with the file, the
    record (the first after the header is 1), the product's field and its position."""
    files, _ = fixtures
    bad = _bad_copy(files, tmp_path, X_COORDINATE=(2, "26x758"), Y_COORDINATE=(4, "-5"),
                    UPRN=(6, "12AB"), CLASS=(7, ""))
    frame = records_frame(bad)
    frame.loc[9, "UPRN"] = frame.loc[8, "UPRN"]
    write_plus(frame.to_dict("records"), bad)
    with pytest.raises(ImportRefusedError) as refused:
        read_addressbase(bad)
    assert [str(p) for p in refused.value.problems] == [
        "file 'bad.csv', row 8, column 'CLASS': CLASS (field 6): no class; every "
        "AddressBase record has one (e.g. RD06); give the file as supplied",
        "file 'bad.csv', row 3, column 'X_COORDINATE': X_COORDINATE (field 8): '26x758' is "
        "not a number; every address has its easting and northing (EPSG:27700, metres)",
        "file 'bad.csv', row 5, column 'Y_COORDINATE': Y_COORDINATE (field 9): '-5' is "
        "outside Great Britain (0 to 1,300,000 m); AddressBase coordinates are British "
        "National Grid metres",
        "file 'bad.csv', row 7, column 'UPRN': UPRN (field 1): '12AB' is not a UPRN (a "
        "number of up to 12 digits)",
    ]
    fixed = _bad_copy(files, tmp_path)
    frame = records_frame(fixed)
    frame.loc[9, "UPRN"] = frame.loc[8, "UPRN"]
    write_plus(frame.to_dict("records"), fixed)
    with pytest.raises(ImportRefusedError) as repeated:
        read_addressbase(fixed)
    assert [str(p) for p in repeated.value.problems] == [
        "file 'bad.csv', row 10, column 'UPRN': UPRN: '906000000009' repeats the UPRN of "
        "record 9; a UPRN names one address"]


@pytest.mark.parametrize("kind", ["plus", "plus_no_header"])
def test_the_streamed_read_is_the_same_in_any_chunks_and_mends_bad_bytes(
        tmp_path: Path, fixtures: tuple[dict[str, Path], Chosen], kind: str) -> None:
    """Issue 23 item 1: a Plus file is read by Arrow's streaming reader in chunks of at
    most ``chunk_rows`` records. The layer is the same in chunks of 4 as whole, with the
    same record numbers in its errors; a byte that is not UTF-8 is replaced (U+FFFD),
    not a reason to refuse; a record with too many fields is refused, naming the file
    and the count, and quoting none of its values."""
    files, _ = fixtures
    whole = read_addressbase(files[kind])
    for rows in (4, 7):
        small = read_addressbase(files[kind], chunk_rows=rows)
        pd.testing.assert_frame_equal(small.properties, whole.properties)
        assert (small.records, small.dropped) == (whole.records, whole.dropped)

    lines = files[kind].read_bytes().split(b"\n")
    at = max(k for k, line in enumerate(lines)  # a flat's record: a dwelling's
             if b"WHINFIELD GROVE" in line.upper() and b"RD06" in line)
    assert at > 1  # not the line the product is told by
    mended = tmp_path / "latin1.csv"
    mended.write_bytes(b"\n".join([*lines[:at], lines[at].replace(b"WHINFIELD", b"WH\xcfNFIELD"),
                                    *lines[at + 1:]]))
    read = read_addressbase(mended, chunk_rows=4)
    assert read.properties["address"].str.contains("Wh\ufffdnfield Grove").sum() == 1
    assert len(read.properties) == len(whole.properties)

    extra = tmp_path / "extra.csv"
    secret = b"FICTIONAL-SECRET-VALUE"
    record = lines[at].rstrip(b"\r") + b"," + secret + lines[at][len(lines[at].rstrip(b"\r")):]
    extra.write_bytes(b"\n".join([*lines[:at], record, *lines[at + 1:]]))
    with pytest.raises(DataError) as refused:
        read_addressbase(extra, chunk_rows=4)
    message = str(refused.value)
    assert message.startswith("'extra.csv' is not AddressBase Plus CSV as published")
    assert "has 78 fields" in message and "77 fields a record" in message
    assert "SECRET" not in message


def test_change_only_updates_and_other_files_are_refused(
        tmp_path: Path, fixtures: tuple[dict[str, Path], Chosen]) -> None:
    """A change-only update (CHANGE_TYPE U or D) is refused (geo_era replaces the layer);
    a file that is neither product says what it is not; a Premium record with an unknown
    identifier is named."""
    files, _ = fixtures
    update = _bad_copy(files, tmp_path, CHANGE_TYPE=(0, "U"))
    with pytest.raises(ImportRefusedError) as refused:
        read_addressbase(update)
    assert str(refused.value.problems[0]) == (
        "file 'bad.csv', row 1, column 'CHANGE_TYPE': CHANGE_TYPE (field 3): 'U' this is a "
        "change-only update (CHANGE_TYPE U or D); geo_era replaces the whole properties "
        "layer, so import a full supply")
    other = tmp_path / "other.csv"
    other.write_text("name,x,y\nA,1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"'other\.csv' is neither AddressBase Plus"):
        read_addressbase(other)
    premium = tmp_path / "premium.csv"
    lines = files["premium"].read_text(encoding="utf-8").splitlines()
    premium.write_text("\n".join([lines[0], "27,I,0,1", *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(ImportRefusedError) as unknown:
        read_addressbase(premium)
    assert [str(p) for p in unknown.value.problems] == [
        "file 'premium.csv', row 2, column 'RECORD_IDENTIFIER': RECORD_IDENTIFIER (field "
        "1): '27' is not an AddressBase Premium record identifier (10, 11, 15, 21, 23, 24, "
        "28, 29, 30, 31, 32, 99)"]


def test_import_format_addressbase_command(tmp_path: Path, demo_files: list[Path],
                                           fixtures: tuple[dict[str, Path], Chosen]) -> None:
    """``geo-era import FILE --format addressbase`` prints the dwellings by type and the
    records dropped; a refused import changes nothing and shows no traceback."""
    files, _ = fixtures
    home = _import_home(tmp_path, demo_files)
    done = geo_era("import", str(files["plus_no_header"]), "--format", "addressbase",
                   home=home)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == ("AddressBase plus: 73 records; imported properties: 67 rows (4 "
                        "cottage_flat, 54 multi_storey_flat, 1 shared, 8 tenement_flat)")
    assert lines[1] == ("dropped (not dwellings, or gone or planned): CR01 1, PP 3, RG02 1, "
                        "state 4 1")
    as_json = json.loads(geo_era("import", str(files["premium"]), "--format", "addressbase",
                                 "--json", home=home).stdout)
    assert as_json["product"] == "premium" and as_json["dwellings"] == TYPES
    version = LayerStore(home).version("properties").version
    bad = _bad_copy(files, tmp_path, X_COORDINATE=(0, "east"))
    refused = geo_era("import", str(bad), "--format", "addressbase", home=home)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "row 1, column 'X_COORDINATE'" in refused.stderr
    assert LayerStore(home).version("properties").version == version
    assert pd.notna(version)
