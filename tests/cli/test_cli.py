"""The geo-era command line, run as a user runs it: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from sqlalchemy import select

from geo_era.db.store import open_store, session_scope
from geo_era.security.users import User
from tests.data.test_imports import (
    X0,
    Y0,
    buildings_frame,
    properties_frame,
    sites_frame,
    write_gpkg,
)
from tests.services.parity import audit_entries


def geo_era(*args: str, home: Path, env: dict[str, str] | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GEO_ERA_")}
    environ["GEO_ERA_HOME"] = str(home)
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "geo_era.cli", *args], capture_output=True,
                          text=True, env=environ, timeout=300, check=False, input=stdin)


@pytest.fixture
def town(tmp_path: Path) -> Path:
    return write_gpkg(tmp_path / "town.gpkg", buildings=buildings_frame(),
                      properties=properties_frame(), sites=sites_frame())


def test_import_then_sites_near_json(tmp_path: Path, town: Path) -> None:
    home = tmp_path / "home"
    done = geo_era("import", str(town), home=home)
    assert done.returncode == 0, done.stderr
    assert "imported properties: 10 rows" in done.stdout
    assert "data version 1" in done.stdout

    near = geo_era("sites-near", "P9", "--radius", "400", "--json", home=home)
    assert near.returncode == 0, near.stderr
    doc = json.loads(near.stdout)
    assert doc["property_id"] == "P9" and doc["radius_m"] == 400
    by_id = {s["site_id"]: s for s in doc["sites"]}
    assert set(by_id) == {"S1", "S2"}
    assert by_id["S1"]["category"] == "school" and by_id["S1"]["name"] == "Oak Primary"
    # P9 at (X0+66, Y0+6); the school grounds' nearest corner is (X0+100, Y0+100)
    assert by_id["S1"]["distance_m"] == pytest.approx(((100 - 66) ** 2 + 94 ** 2) ** 0.5,
                                                     abs=0.01)
    assert [s["distance_m"] for s in doc["sites"]] == sorted(s["distance_m"]
                                                             for s in doc["sites"])
    assert doc["nearest"]["school"]["site_id"] == "S1"

    narrow = geo_era("sites-near", "P9", "--radius", "50", "--json", home=home)
    assert [s["site_id"] for s in json.loads(narrow.stdout)["sites"]] == ["S2"]


def test_bad_import_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "sites.csv"
    bad.write_text("site_id,category,lon,lat\nS1,pubs,-3.19,55.95\n")
    done = geo_era("import", str(bad), home=tmp_path / "home")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: import refused, nothing was changed (1 problem):")
    assert "row 1, column 'category': unknown category 'pubs'" in done.stderr
    assert not (tmp_path / "home" / "catalog.json").exists()


def test_an_import_runs_at_low_cpu_priority_unless_told_otherwise(tmp_path: Path,
                                                                  town: Path) -> None:
    """(issue 23) A server on the same machine keeps its share of the cores while an
    import runs: the import process lowers its own priority by 10, unless asked not to.
    Read in the import's own process, as it exits."""
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "sitecustomize.py").write_text(
        "import atexit, os\n"
        "atexit.register(lambda: open(os.environ['NICENESS_OUT'], 'a')"
        ".write(f'{os.nice(0)}\\n'))\n")
    path = os.pathsep.join([str(probe), *filter(None, [os.environ.get("PYTHONPATH")])])
    now = os.nice(0)
    for args, expected in (((), min(now + 10, 19)), (("--priority", "normal"), now)):
        out = tmp_path / f"niceness-{len(args)}"
        done = geo_era("import", str(town), *args, home=tmp_path / f"home-{len(args)}",
                       env={"PYTHONPATH": path, "NICENESS_OUT": str(out)})
        assert done.returncode == 0, done.stderr
        assert "imported properties: 10 rows" in done.stdout
        assert int(out.read_text().split()[-1]) == expected
    bad = geo_era("import", str(town), "--priority", "urgent", home=tmp_path / "home-bad")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "'urgent': give low or normal" in bad.stderr
    assert not (tmp_path / "home-bad" / "catalog.json").exists()


def test_unknown_property_and_missing_layers(tmp_path: Path, town: Path) -> None:
    home = tmp_path / "home"
    empty = geo_era("sites-near", "P1", home=home)
    assert empty.returncode == 2
    assert "layer 'properties' has not been imported" in empty.stderr
    geo_era("import", str(town), home=home)
    unknown = geo_era("sites-near", "NOPE", "--json", home=home)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        "error: property_id 'NOPE' not found in layer 'properties' (10 rows); check the id "
        "or the import")


def test_unknown_setting_is_refused(tmp_path: Path) -> None:
    done = geo_era("layers", home=tmp_path, env={"GEO_ERA_HOEM": "/tmp/x"})
    assert done.returncode == 2
    assert "unknown setting(s) GEO_ERA_HOEM" in done.stderr


def test_bad_radius_is_a_usage_error(tmp_path: Path, town: Path) -> None:
    done = geo_era("sites-near", "P1", "--radius", "-5", home=tmp_path / "home")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "Invalid value for '--radius'" in done.stderr
    assert "greater than or equal to 0" in done.stderr


def test_layers_and_proximity_batch(tmp_path: Path, town: Path) -> None:
    home = tmp_path / "home"
    geo_era("import", str(town), home=home)
    listing = json.loads(geo_era("layers", "--json", home=home).stdout)
    assert listing["data_version"] == 1
    assert listing["layers"]["sites"]["rows"] == 2
    out = tmp_path / "prox.csv"
    done = geo_era("proximity", "--radius", "90", "--out", str(out), home=home)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out).set_index("property_id")
    assert len(table) == 10
    assert table.loc["P9", "shop_within"] == 1  # the shop is 33 m from P9
    assert table.loc["P9", "school_within"] == 0
    assert pd.isna(table.loc["P9", "cctv_nearest_m"])  # no CCTV in this town
    # the same table from a local Dask cluster of two worker processes
    on_dask = tmp_path / "prox-dask.csv"
    done = geo_era("proximity", "--radius", "90", "--out", str(on_dask), "--dask",
                   home=home)
    assert done.returncode == 0, done.stderr
    assert on_dask.read_bytes() == out.read_bytes()
    refused = geo_era("proximity", "--out", str(on_dask), "--dask", home=home,
                      env={"GEO_ERA_DASK_SCHEDULER": "not an address"})
    assert refused.returncode == 2 and "dask_scheduler" in refused.stderr


def test_import_is_audited_and_a_refused_one_is_not(tmp_path: Path, town: Path) -> None:
    """``geo-era import`` leaves the entry the API's import leaves: a ``collection`` of
    record type ``import`` naming the files, only when the import succeeds."""
    home = tmp_path / "home"
    bad = tmp_path / "sites.csv"
    bad.write_text("site_id,category,lon,lat\nS1,pubs,-3.19,55.95\n")
    assert geo_era("import", str(bad), home=home).returncode == 2
    done = geo_era("import", str(town), "--by", "FICTIONAL.admin", home=home)
    assert done.returncode == 0, done.stderr
    engine = open_store(home)
    entries = audit_entries(engine)
    engine.dispose()
    assert [(e.actor, e.role, e.operation, e.record_type, e.record_ids, e.outcome)
            for e in entries] == [("FICTIONAL.admin", "operator", "collection", "import",
                                   ["town.gpkg"], "allowed")]


def test_demo_users_belong_to_the_council_of_the_areas_layer(tmp_path: Path,
                                                            town: Path) -> None:
    home = tmp_path / "home"
    areas = gpd.GeoDataFrame(
        {"area_id": ["C1"], "area_type": ["council"], "name": ["FICTIONAL Glenmuir Council"]},
        geometry=[box(X0 - 500, Y0 - 500, X0 + 500, Y0 + 500)], crs="EPSG:27700")
    write_gpkg(town, areas=areas)
    assert geo_era("import", str(town), home=home).returncode == 0
    done = geo_era("demo-users", home=home)
    assert done.returncode == 0, done.stderr
    assert "demo.solo" in done.stdout
    engine = open_store(home)
    with session_scope(engine) as session:
        organisations = dict(session.execute(select(User.username, User.organisation)).all())
    engine.dispose()
    assert organisations["demo.solo"] == organisations["demo.admin"] == \
        "FICTIONAL Glenmuir Council"
    assert organisations["demo.omu_analyst"] == "FICTIONAL Police Scotland OMU"
    # partner agencies of NASSO 3.6 (R24): the council's own officers in its council
    assert organisations["demo.education_officer"] == \
        organisations["demo.childrens_social_work"] == "FICTIONAL Glenmuir Council"
    assert organisations["demo.nhs_liaison"] == "FICTIONAL NHS Inverallan Health Board"
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()
            if line.strip().startswith("demo.")}
    # they read cases, which name subjects: each is given a second-factor secret
    assert rows["demo.nhs_liaison"][1] != "-" and rows["demo.rsl_case_officer"][1] != "-"
    assert rows["demo.rsl_link_officer"][1] == "-"


def test_user_add_gives_a_partner_agency_role(tmp_path: Path) -> None:
    """R3, R24: an administrator adds an NHS liaison officer with ``user add --role
    nhs_liaison``; an unknown role is refused with the list of roles."""
    home = tmp_path / "home"
    added = geo_era("user", "add", "nhs.lead", "--role", "nhs_liaison", "--org",
                    "FICTIONAL NHS Inverallan", home=home,
                    stdin="a long fictional passphrase\n")
    assert added.returncode == 0, added.stderr
    assert "added nhs.lead (nhs_liaison, FICTIONAL NHS Inverallan)" in added.stdout
    bad = geo_era("user", "add", "nhs.other", "--role", "nhs", "--org", "FICTIONAL NHS",
                  home=home, stdin="a long fictional passphrase\n")
    assert bad.returncode != 0
    assert "unknown role 'nhs'" in bad.stderr and "nhs_liaison" in bad.stderr


def test_layers_text_and_an_empty_home(tmp_path: Path, town: Path) -> None:
    home = tmp_path / "home"
    empty = geo_era("layers", home=home)
    assert empty.returncode == 0 and empty.stdout.startswith("no layers in ")
    geo_era("import", str(town), home=home)
    listing = geo_era("layers", home=home).stdout.splitlines()
    assert [line.split()[0] for line in listing] == ["buildings", "properties", "sites"]
    assert "town.gpkg" in listing[0]
