"""The Care Inspectorate import through the services and the command line (the import
endpoint: administrators and the operator, audited, all or nothing): the registered
services join the sites held, a second import replaces them, every row left out is
listed with its row number, and a refused import changes nothing. FICTIONAL fixtures
(:mod:`tests.data.care_inspectorate_fixtures`); expectations worked by hand in
:mod:`tests.data.test_care_inspectorate`. REQUIREMENTS.md: R116."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo_era.errors import DataError, ForbiddenError
from geo_era.services import Caller, Services
from geo_era.services import data as data_services
from geo_era.settings import Settings
from tests.cli.test_cli import geo_era
from tests.data.care_inspectorate_fixtures import write_fixtures
from tests.data.test_care_inspectorate import LEFT_OUT, PLACED
from tests.data.test_imports import buildings_frame, properties_frame, sites_frame, write_gpkg
from tests.services.parity import audit_entries

OPERATOR = Caller.operator("admin.fictional")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    town = write_gpkg(tmp_path / "town.gpkg", buildings=buildings_frame(),
                      properties=properties_frame(), sites=sites_frame())
    home = tmp_path / "home"
    data_services.import_layers(Services(Settings(home=home)), OPERATOR, files=[town])
    return home


def test_care_services_join_the_sites_and_replace_their_own(home: Path,
                                                             tmp_path: Path) -> None:
    """The three services placed join the sites held (none lost); a second import
    replaces them rather than adding them again; each is one audited import."""
    fixtures = write_fixtures(tmp_path / "fixtures")
    services = Services(Settings(home=home))
    held = services.layers.read("sites")
    report = data_services.import_care_services(
        services, OPERATOR, datastore=fixtures["datastore"],
        postcode_files=[fixtures["code_point"]])
    assert (report.placed, report.datastore_rows, report.left_out) == (
        {"care_home": 1, "nursery": 2}, 10, LEFT_OUT)
    assert report.rows == {"sites": len(held) + 3}
    sites = services.layers.read("sites")
    care = sites[sites["site_id"].str.startswith("CI-")].sort_values("site_id")
    assert [(r.site_id, r.category, r.name, r.geometry.x, r.geometry.y)
            for r in care.itertuples()] == PLACED
    assert sorted(sites.loc[~sites["site_id"].str.startswith("CI-"), "site_id"]) == \
        sorted(held["site_id"])
    again = data_services.import_care_services(
        services, OPERATOR, datastore=fixtures["datastore"],
        postcode_files=[fixtures["onspd"]])
    assert again.rows == {"sites": len(held) + 3}
    assert again.data_version == report.data_version + 1
    imports = [e for e in audit_entries(services.engine) if e.record_type == "import"]
    assert [e.record_ids for e in imports[-2:]] == [
        ["MDSF_data_31 October 2026.csv", "zz.csv"],
        ["MDSF_data_31 October 2026.csv", "ONSPD_NOV_2026_UK.csv"]]


def test_refused_imports_change_nothing(home: Path, tmp_path: Path) -> None:
    """Only an administrator (or the operator) imports, and a refusal is audited; a
    file where nothing can be placed changes nothing."""
    fixtures = write_fixtures(tmp_path / "fixtures")
    services = Services(Settings(home=home))
    version = services.layers.data_version
    with pytest.raises(ForbiddenError):
        data_services.import_care_services(
            services, Caller("solo.fictional", "solo", "FICTIONAL Council"),
            datastore=fixtures["datastore"], postcode_files=[fixtures["code_point"]])
    assert audit_entries(services.engine)[-1].outcome == "denied"
    empty = tmp_path / "empty.csv"
    empty.write_text("ZZ8 8ZZ,10,325000,673000,S92000003,,,,,\n", encoding="ascii")
    with pytest.raises(DataError, match=r"no service of .* could be placed \(10 row"):
        data_services.import_care_services(services, OPERATOR,
                                           datastore=fixtures["datastore"],
                                           postcode_files=[empty])
    assert services.layers.data_version == version


def test_import_care_services_command(home: Path, tmp_path: Path) -> None:
    """The command prints what was placed and each row left out with its number."""
    fixtures = write_fixtures(tmp_path / "fixtures")
    done = geo_era("import-care-services", str(fixtures["datastore"]), "--postcodes",
                   str(fixtures["code_point"]), home=home)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("placed 1 care_home, 2 nursery of 10 datastore rows")
    assert lines[1] == "7 row(s) left out, not placed:"
    assert lines[2:9] == [f"  - {line}" for line in LEFT_OUT]
    as_json = geo_era("import-care-services", str(fixtures["datastore"]), "--postcodes",
                      str(fixtures["onspd_old"]), "--json", home=home)
    assert json.loads(as_json.stdout)["placed"] == {"care_home": 1, "nursery": 2}
    bad = geo_era("import-care-services", str(fixtures["code_point"]), "--postcodes",
                  str(fixtures["code_point"]), home=home)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "is not a Care Inspectorate datastore CSV" in bad.stderr
