"""The Care Inspectorate import (Dorset MAPPA procedure §13-§17): registered services
placed as sites by postcode, from Code-Point Open or the ONS Postcode Directory, against
expectations worked by hand from the FICTIONAL fixtures
(:mod:`tests.data.care_inspectorate_fixtures`), every row that cannot be placed reported
with its row number, never guessed. REQUIREMENTS.md: R116 (the schools and nurseries
near a subject, and where children are cared for), R109."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from geo_era.data.care_inspectorate import care_sites, read_postcodes
from geo_era.errors import DataError
from tests.data.care_inspectorate_fixtures import write_fixtures

FILE = "file 'MDSF_data_31 October 2026.csv'"
#: Rows 1-10 of the fixture datastore, worked by hand: the three placed ...
PLACED = [
    ("CI-CS0000000001", "nursery", "FICTIONAL Wee Acorns Nursery", 325100.0, 673100.0),
    ("CI-CS0000000003", "care_home", "FICTIONAL Cèilidh House (care home: Older People)",
     325200.0, 673200.0),
    ("CI-CS0000000007", "nursery", "Childminder CS0000000007", 325300.0, 673050.0),
]
#: ... and the seven left out, each with its row and why.
LEFT_OUT = [
    f"{FILE}, row 2, column 'Service_Postcode': no postcode (the Care Inspectorate does "
    "not publish childminders' addresses); add the postcode to place it",
    f"{FILE}, row 4, column 'CareService': service type 'Support Service' not taken: "
    "geo_era takes Care Home Service, Child Minding, Day Care of Children",
    f"{FILE}, row 5, column 'Service_Postcode': postcode 'ZZ9 9ZZ' is not in the "
    "postcode file",
    f"{FILE}, row 6, column 'Service_Postcode': postcode 'ZZ1 1AD' has no grid reference "
    "in the postcode file",
    f"{FILE}, row 7, column 'CSNumber': CSNumber CS0000000001 repeats row 1",
    f"{FILE}, row 9, column 'Service_Postcode': postcode 'NOT A PC' is not a UK postcode",
    f"{FILE}, row 10, column 'ServiceStatus': service is not active (ServiceStatus "
    "'Cancelled')",
]


@pytest.fixture
def fixtures(tmp_path: Path) -> dict[str, Path]:
    return write_fixtures(tmp_path / "fixtures")


def placed(sites: gpd.GeoDataFrame) -> list[tuple[str, str, str, float, float]]:
    return [(r.site_id, r.category, r.name, r.geometry.x, r.geometry.y)
            for r in sites.itertuples()]


@pytest.mark.parametrize("postcodes", ["code_point", "onspd", "onspd_old"])
def test_services_placed_and_every_row_left_out_reported(fixtures: dict[str, Path],
                                                         postcodes: str) -> None:
    """Day care and a childminder (by registration number, never their own name) become
    nursery sites, a care home a care_home site with its client group; the rest are left
    out with their row numbers, whichever postcode file places them."""
    found = care_sites(fixtures["datastore"], [fixtures[postcodes]])
    assert placed(found.sites) == PLACED
    assert found.sites.crs == "EPSG:27700"
    assert [str(p) for p in found.left_out] == LEFT_OUT
    assert (found.rows, found.by_category()) == (10, {"care_home": 1, "nursery": 2})


def test_postcode_files_keep_only_the_postcodes_wanted(fixtures: dict[str, Path]) -> None:
    """Code-Point Open (no header; quality 90: no coordinates) and the ONSPD (grid
    indicator 9: none) read alike; postcodes compare without spaces or case."""
    wanted = {"ZZ11AA", "ZZ11AD", "ZZ99ZZ"}
    for key in ("code_point", "onspd", "onspd_old"):
        assert read_postcodes([fixtures[key]], wanted) == {
            "ZZ11AA": (325100.0, 673100.0), "ZZ11AD": None}, key


def test_not_a_datastore_or_a_postcode_file(fixtures: dict[str, Path],
                                            tmp_path: Path) -> None:
    """A file lacking the datastore's columns, or a postcode file of neither kind: a
    clear refusal naming what is missing."""
    wrong = tmp_path / "services.csv"
    wrong.write_text("CSNumber,Name,Postcode\nCS1,FICTIONAL,ZZ1 1AA\n", encoding="utf-8")
    with pytest.raises(DataError, match="no column CareService, Subtype, ServiceName, "
                                        "Service_Postcode"):
        care_sites(wrong, [fixtures["code_point"]])
    odd = tmp_path / "postcodes.csv"
    odd.write_text("code,lat,lon\nZZ1 1AA,55.9,-3.2\n", encoding="utf-8")
    with pytest.raises(DataError, match="neither Code-Point Open"):
        care_sites(fixtures["datastore"], [odd])
