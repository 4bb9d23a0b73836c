"""Checks per candidate property (NASSO 3.7, 3.8), the 3.7 checklists per agency and
council, and Part C refused until every concern and hard conflict of the property has
the lead agency's written response (3.11). On SQLite and PostgreSQL. REQUIREMENTS.md rows:
R25, R26, R30 (the checklists), R31 (per council), R32 (checks per property), R33
(concerns), R45, R55 (zone and condition conflicts), R48 (responses), R57 (adjustments).

The checklists below are written out by hand from NASSO 3.7, independently of
:data:`geo_era.settings.NASSO_DATABASE_CHECKS`.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import (
    approve,
    open_case,
    record_agreement,
    record_check,
    record_response,
    show_case,
)
from geo_era.casework.zones import add_exclusion_zone
from geo_era.db.store import make_engine, open_store
from geo_era.errors import ConfigurationError, DataError, WorkflowRefusedError
from geo_era.security.users import add_user, issue_api_key
from geo_era.settings import Settings, load_settings
from tests.conftest import import_demo, officer
from tests.dwelling_visits import visit_every_dwelling
from tests.migrations import migrate

TODAY = dt.date(2026, 12, 10)
NOTIFIED = dt.date(2026, 12, 1)
SUBJECT = "FICTIONAL-S000001"
#: NASSO 3.7, police: ViSOR, STORM, CHS, PNC, SID, VPD, mapping, local knowledge, crime
#: recording.
POLICE = ["visor", "storm", "chs", "pnc", "sid", "vpd", "mapping", "local_knowledge",
          "crime_recording"]
#: NASSO 3.7, SOLO / housing.
SOLO = ["council_tax", "housing_benefit", "electoral_register", "housing_management",
        "private_landlord_registration", "care_inspectorate", "accommodation_information",
        "map"]
CJSW = ["case_management"]
#: NASSO 3.8's nine items, in its order: the signs of the victim profile, then "Play
#: Parks; Community Centres; Churches; Shops; Schools/Nurseries; Sheltered housing
#: developments; CCTV Location; Licensed Premises".
PHYSICAL = ["victim_profile", "play_park", "community_centre", "place_of_worship", "shop",
            "school_nursery", "sheltered_housing", "cctv", "licensed_premises"]
LISTS = {"police_scotland": POLICE, "solo": SOLO, "cjsw": CJSW}


def clean(subject: str, pid: str) -> dict[str, Any]:
    return {"property_id": pid, "subject": subject, "check": {"conflicts": []}}


def zoned(subject: str, pid: str) -> dict[str, Any]:
    """An assessment whose subject check found P1 inside exclusion zone Z-1."""
    conflicts = ([{"kind": "exclusion_zone", "zone_id": "Z-1", "distance_m": 0.0,
                   "message": "the property is inside the subject's victim-exclusion "
                              "zone"}] if pid == "P1" else [])
    return {"property_id": pid, "subject": subject, "check": {"conflicts": conflicts}}


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


def new(engine: Engine, pids: list[str] | None = None, assess: Any = clean,
        **kw: Any) -> str:
    case = open_case(engine, subject_id=SUBJECT, property_ids=pids or ["P1", "P2"],
                     case_type="initial_new", notified=NOTIFIED, on_licence_or_order=False,
                     today=TODAY, assess=assess, actor=officer(), **kw)
    return str(case["case_id"])


def check_all(engine: Engine, case: str, pid: str, **kw: Any) -> None:
    """Every 3.8 item and every 3.7 item of police and SOLO on ``pid``, all clear."""
    for item in PHYSICAL:
        record_check(engine, case, agency="solo", kind="physical", item=item,
                     outcome="clear", property_id=pid, actor=officer("solo"), **kw)
    for agency in ("police_scotland", "solo"):
        for item in LISTS[agency]:
            record_check(engine, case, agency=agency, kind="database", item=item,
                         outcome="clear", property_id=pid, actor=officer(agency), **kw)


def agree(engine: Engine, case: str) -> None:
    for agency in ("police_scotland", "solo"):
        record_agreement(engine, case, agency=agency, agrees=True, actor=officer(agency))


def part_c(engine: Engine, case: str, pid: str, **kw: Any) -> dict[str, Any]:
    return approve(engine, case, agency="police_scotland", property_id=pid, manageable=True,
                   conclusion="FICTIONAL: manageable", reasons="FICTIONAL: checked",
                   actor=officer("ds"), **kw)


def test_checks_of_one_candidate_do_not_satisfy_anothers_approval(engine: Engine) -> None:
    """R26, R30, R32: the checks of P1 leave every check of P2 missing, named one by
    one; P1 itself is approved."""
    case = new(engine)
    check_all(engine, case, "P1")
    agree(engine, case)
    with pytest.raises(WorkflowRefusedError) as refused:
        part_c(engine, case, "P2")
    message = str(refused.value)
    assert f"physical checks missing for P2: {', '.join(PHYSICAL)}" in message
    assert f"database checks missing from police_scotland for P2: {', '.join(POLICE)}" \
        in message
    assert f"database checks missing from solo for P2: {', '.join(SOLO)}" in message
    assert "P1" not in message
    done = part_c(engine, case, "P1")
    assert done["status"] == "approved"
    assert {c["property_id"] for c in done["checks"]} == {"P1"}
    assert len(done["checks"]) == len(PHYSICAL) + len(POLICE) + len(SOLO)


def test_one_missing_item_is_named(engine: Engine) -> None:
    """R5, R30: the information that must be checked is checked: a single item left out
    (police's crime recording) stops approval by name."""
    case = new(engine, ["P1"])
    for item in PHYSICAL:
        record_check(engine, case, agency="police_scotland", kind="physical", item=item,
                     outcome="clear", actor=officer())
    for agency, items in (("police_scotland", POLICE[:-1]), ("solo", SOLO)):
        for item in items:
            record_check(engine, case, agency=agency, kind="database", item=item,
                         outcome="clear", actor=officer())
    agree(engine, case)
    with pytest.raises(WorkflowRefusedError, match=r"cannot approve case ERA-\d+: database "
                       r"checks missing from police_scotland for P1: crime_recording$"):
        part_c(engine, case, "P1")


def test_a_check_names_its_property_when_there_are_several(engine: Engine) -> None:
    """R32: without a property on a case with several candidates the check is refused
    with the list of candidates; with one candidate it belongs to it; a property that
    is not a candidate is refused."""
    case = new(engine)
    with pytest.raises(WorkflowRefusedError, match=r"has several candidate properties; "
                       r"name the one checked \(--property\): P1, P2"):
        record_check(engine, case, agency="solo", kind="database", item="council_tax",
                     outcome="clear", actor=officer())
    with pytest.raises(WorkflowRefusedError, match=r"property 'P9' is not a candidate"):
        record_check(engine, case, agency="solo", kind="database", item="council_tax",
                     outcome="clear", property_id="P9", actor=officer())
    single = new(engine, ["P7"])
    done = record_check(engine, single, agency="solo", kind="database", item="map",
                        outcome="clear", actor=officer())
    assert done["checks"][0]["property_id"] == "P7"


def test_unknown_and_other_agencies_items_are_refused_with_the_valid_list(
        engine: Engine) -> None:
    """R26, R30, R33: an unknown 3.7 item, and council tax recorded by the police, are refused
    with the police's own list; a concern needs its notes, not applicable its reason."""
    case = new(engine, ["P1"])
    for item in ("records", "council_tax", "ViSOR"):
        with pytest.raises(DataError) as refused:
            record_check(engine, case, agency="police_scotland", kind="database", item=item,
                         outcome="clear", actor=officer())
        message = str(refused.value)
        assert f"{item!r} is not a database check of police_scotland" in message
        listed = message.split("use one of ")[1]
        assert [part.split(" (")[0] for part in listed.split(", ")] == POLICE, listed
    for outcome, why in (("concern", "what the concern is"),
                         ("not_applicable", "why the check does not apply")):
        with pytest.raises(DataError, match=why):
            record_check(engine, case, agency="solo", kind="database", item="map",
                         outcome=outcome, notes="  ", actor=officer())
    assert show_case(engine, case, actor=officer())["checks"] == []


def test_cjsw_checks_its_case_management_system(engine: Engine) -> None:
    """R25: CJSW's one 3.7 item is its case management system, Children & Families and
    Adult Protection included; SOLO's council tax is not CJSW's to record."""
    case = str(open_case(engine, subject_id=SUBJECT, property_ids=["P1"],
                         case_type="initial_resident", notified=NOTIFIED,
                         on_licence_or_order=True, today=TODAY, assess=clean,
                         actor=officer())["case_id"])
    with pytest.raises(DataError, match=r"'council_tax' is not a database check of cjsw; "
                       r"use one of case_management \(case management, including Children "
                       r"& Families and Adult Protection\)$"):
        record_check(engine, case, agency="cjsw", kind="database", item="council_tax",
                     outcome="clear", actor=officer())
    done = record_check(engine, case, agency="cjsw", kind="database", item=CJSW[0],
                        outcome="clear", actor=officer())
    assert [(c["agency"], c["item"]) for c in done["checks"]] == [("cjsw", "case_management")]


def test_a_concern_needs_the_lead_agencys_response(engine: Engine) -> None:
    """R33, R48, R57: a concern stops Part C, named, until the lead agency answers it in
    writing; another agency cannot answer; the adjustments are kept with Part C."""
    case = new(engine, ["P1"])
    check_all(engine, case, "P1")
    record_check(engine, case, agency="solo", kind="database", item="housing_benefit",
                 outcome="concern", notes="FICTIONAL: a claim names a child at the address",
                 actor=officer("solo"))
    agree(engine, case)
    with pytest.raises(WorkflowRefusedError, match=r"concern housing_benefit on P1 has no "
                       r"response from the lead agency"):
        part_c(engine, case, "P1")
    with pytest.raises(WorkflowRefusedError, match=r"only the lead agency \(police_scotland"
                       r"\) responds"):
        record_response(engine, case, agency="solo", property_id="P1",
                        to="housing_benefit", response="x", actor=officer("solo"))
    with pytest.raises(WorkflowRefusedError, match=r"'visor' is not a concern or conflict "
                       r"of property P1 .* those to answer: housing_benefit"):
        record_response(engine, case, agency="police_scotland", property_id="P1",
                        to="visor", response="x", actor=officer("ds"))
    record_response(engine, case, agency="police_scotland", property_id="P1",
                    to="housing_benefit", response="FICTIONAL: the claim is out of date; "
                    "the household moved in 2025", actor=officer("ds"))
    done = part_c(engine, case, "P1", adjustments="FICTIONAL: weekly home visits")
    assert done["status"] == "approved"
    assert done["responses"][0]["to"] == "housing_benefit"
    assert done["decisions"][0]["adjustments"] == "FICTIONAL: weekly home visits"


def test_a_hard_conflict_needs_the_lead_agencys_response(engine: Engine) -> None:
    """R45, R48: inside an exclusion zone (a hard conflict of the stored
    assessment) stops Part C until answered."""
    case = new(engine, assess=zoned)
    check_all(engine, case, "P1")
    agree(engine, case)
    with pytest.raises(WorkflowRefusedError, match=r"conflict zone:Z-1 on P1 \(the property "
                       r"is inside the subject's victim-exclusion zone\) has no response"):
        part_c(engine, case, "P1")
    record_response(engine, case, agency="police_scotland", property_id="P1", to="zone:Z-1",
                    response="FICTIONAL: the zone's victim has moved away; the zone is "
                    "being lifted", actor=officer("ds"))
    assert part_c(engine, case, "P1")["status"] == "approved"


def test_a_council_chooses_its_checklist(engine: Engine) -> None:
    """R26, R31: GEO_ERA_DATABASE_CHECKS narrows SOLO's list for one council: only its items
    are asked for, and others are refused."""
    settings = Settings(database_checks={"Inverallan Council": {"solo": ["council_tax",
                                                                        "map"]}})
    lists = settings.database_checks
    case = new(engine, ["P1"], authority="Inverallan Council")
    with pytest.raises(DataError, match=r"use one of council_tax \(council tax\), map "
                       r"\(map\)$"):
        record_check(engine, case, agency="solo", kind="database", item="housing_benefit",
                     outcome="clear", actor=officer(), checklists=lists)
    for item in PHYSICAL:
        record_check(engine, case, agency="solo", kind="physical", item=item,
                     outcome="clear", actor=officer(), checklists=lists)
    for item in POLICE:
        record_check(engine, case, agency="police_scotland", kind="database", item=item,
                     outcome="clear", actor=officer(), checklists=lists)
    record_check(engine, case, agency="solo", kind="database", item="council_tax",
                 outcome="clear", actor=officer(), checklists=lists)
    agree(engine, case)
    with pytest.raises(WorkflowRefusedError, match=r"database checks missing from solo "
                       r"for P1: map$"):
        part_c(engine, case, "P1", checklists=lists)
    record_check(engine, case, agency="solo", kind="database", item="map",
                 outcome="not_applicable", notes="FICTIONAL: no map system here",
                 actor=officer(), checklists=lists)
    assert part_c(engine, case, "P1", checklists=lists)["status"] == "approved"


@pytest.mark.parametrize(("value", "message"), [
    ({"Inverallan Council": {"nhs_board": ["x1"]}}, "unknown agency"),
    ({"Inverallan Council": {"solo": []}}, "name at least one database check"),
    ({"Inverallan Council": {"solo": ["Council Tax"]}}, "is not an item code"),
    ({"Inverallan Council": {"solo": ["map", "map"]}}, "an item is named twice"),
])
def test_the_checklist_setting_is_validated(value: dict[str, Any], message: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """R31: a bad GEO_ERA_DATABASE_CHECKS fails loudly at start, naming the council and
    agency."""
    monkeypatch.setenv("GEO_ERA_DATABASE_CHECKS", json.dumps(value))
    with pytest.raises(ConfigurationError, match=message):
        load_settings()


def test_migration_keeps_single_candidate_checks_and_leaves_others_case_wide(
        tmp_path: Path, database_url: str) -> None:
    """R32: existing checks go to the case's only candidate; on a case with several
    they stay case-wide and satisfy no property's approval."""
    engine = make_engine(database_url)
    migrate(engine, "0005")
    with engine.begin() as connection:
        for number, pids in ((1, ["A1"]), (2, ["B1", "B2"])):
            connection.execute(text(
                "INSERT INTO cases (id, subject_id, case_type, lead_agency, notified_on, "
                "due_on, status, created_at, updated_at) VALUES (:id, 'FICTIONAL-S1', "
                "'initial_new', 'police_scotland', '2026-12-01', '2026-12-10', 'open', "
                "'2026-12-01 10:00:00', '2026-12-01 10:00:00')"), {"id": number})
            for pid in pids:
                connection.execute(text("INSERT INTO case_properties (case_id, property_id) "
                                        "VALUES (:c, :p)"), {"c": number, "p": pid})
            connection.execute(text(
                "INSERT INTO checks (case_id, agency, kind, item, outcome, recorded_by, "
                "recorded_at) VALUES (:c, 'solo', 'physical', 'school', 'clear', 'x', "
                "'2026-12-01 10:00:00')"), {"c": number})
    engine.dispose()
    engine = open_store(tmp_path, database_url)
    try:
        one = show_case(engine, "ERA-000001", actor=officer())
        two = show_case(engine, "ERA-000002", actor=officer())
        assert [c["property_id"] for c in one["checks"]] == ["A1"]
        assert [c["property_id"] for c in two["checks"]] == [None]
        with pytest.raises(WorkflowRefusedError, match="physical checks missing for B1: "
                           "victim_profile, play_park"):
            approve(engine, "ERA-000002", agency="police_scotland", property_id="B1",
                    manageable=True, conclusion="x", reasons="y", actor=officer())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def demo_store(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo town with an exclusion zone drawn around one property of a subject who
    is not on a licence (police lead)."""
    home = tmp_path_factory.mktemp("checks-demo") / "home"
    store = import_demo(demo_files, home)
    subjects = store.read("subjects")
    subject = str(subjects.loc[~subjects["on_licence_or_order"].fillna(False)
                               .astype(bool), "subject_id"].iloc[0])
    props: gpd.GeoDataFrame = store.read("properties")
    inside, outside = str(props["property_id"].iloc[10]), str(props["property_id"].iloc[-10])
    point = props.geometry.iloc[10].centroid
    engine = open_store(home)
    zone = add_exclusion_zone(
        store, engine, subject_id=subject, crs="EPSG:27700",
        geometry=shapely.geometry.mapping(point.buffer(25.0)),
        reason="FICTIONAL: the victim's home", actor=officer())
    engine.dispose()
    return store, subject, inside, outside, zone["zone_id"]


def test_an_exclusion_zone_conflict_in_the_demo_town(demo_store: Any, engine: Engine
                                                     ) -> None:
    """R45, R48, R55: a candidate inside the subject's exclusion zone cannot be approved
    until the lead agency answers the conflict the assessment stored."""
    store, subject, inside, outside, zone_id = demo_store
    case = open_assessed_case(store, engine, subject_id=subject,
                              property_ids=[inside, outside], case_type="initial_new",
                              notified=NOTIFIED, actor=officer(), today=TODAY)["case_id"]
    check_all(engine, case, inside)
    agree(engine, case)
    with pytest.raises(WorkflowRefusedError) as refused:
        part_c(engine, case, inside)
    assert f"conflict zone:{zone_id} on {inside} (the property is inside the subject's " \
           "victim-exclusion zone) has no response" in str(refused.value)
    snapshot = next(a["snapshot"] for a in show_case(engine, case, actor=officer())
                    ["assessments"] if a["property_id"] == inside)
    keys = [f"zone:{f['zone_id']}" if f.get("zone_id") else f"condition:{f['condition']}"
            for f in snapshot["check"]["conflicts"]]
    assert f"zone:{zone_id}" in keys
    visit_every_dwelling(engine, case, inside)
    for key in keys:
        record_response(engine, case, agency="police_scotland", property_id=inside, to=key,
                        response="FICTIONAL: answered at the MAPPA meeting",
                        actor=officer("ds"))
    assert part_c(engine, case, inside)["status"] == "approved"


def test_command_line_and_api(demo_store: Any, tmp_path: Path) -> None:
    """R30, R32, R48: ``geo-era case check --property``, its refusals, ``case respond``
    and ``/api/v1/cases/check`` and ``/cases/respond`` with the agency's own list."""
    store, subject, inside, outside, _zone = demo_store
    env = {"GEO_ERA_HOME": str(store.home), "PATH": "/usr/bin:/bin",
           "GEO_ERA_DATABASE_URL": f"sqlite:///{tmp_path / 'cases.db'}"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "geo_era.cli", *args],
                              capture_output=True, text=True, env=env, timeout=300,
                              check=False)

    new_case = run("case", "new", subject, inside, outside, "--notified", "2026-12-01",
                   "--justification", "FICTIONAL ERA for the MAPPA meeting", "--json")
    assert new_case.returncode == 0, new_case.stderr
    case = json.loads(new_case.stdout)["case_id"]
    check = ("case", "check", case, "--agency", "police_scotland", "--kind", "database",
             "--outcome", "concern", "--notes", "FICTIONAL: intelligence on the address")
    no_property = run(*check, "--item", "visor")
    assert no_property.returncode == 2
    assert f"name the one checked (--property): {inside}, {outside}" in no_property.stderr
    wrong = run(*check, "--item", "council_tax", "--property", inside)
    assert wrong.returncode == 2
    assert f"use one of {POLICE[0]} (ViSOR), {POLICE[1]} (STORM)" in wrong.stderr
    assert run(*check, "--item", "visor", "--property", inside).returncode == 0
    answered = run("case", "respond", case, "--property", inside, "--to", "visor",
                   "--agency", "police_scotland", "--response", "FICTIONAL: old report",
                   "--justification", "FICTIONAL: the concern answered", "--json")
    assert answered.returncode == 0, answered.stderr
    assert json.loads(answered.stdout)["responses"][0]["to"] == "visor"

    from geo_era_api.app import create_app

    engine = open_store(store.home, env["GEO_ERA_DATABASE_URL"])
    add_user(engine, "omu.api", role="omu_analyst", organisation="FICTIONAL Police OMU",
             password="a long fictional passphrase")
    key = issue_api_key(engine, "omu.api", name="test")
    settings = Settings(home=store.home, database_url=env["GEO_ERA_DATABASE_URL"])
    try:
        with TestClient(create_app(settings, engine=engine)) as client:
            headers = {"X-API-Key": key}
            refused = client.post("/api/v1/cases/check", headers=headers, json={
                "case_id": case, "kind": "database", "item": "council_tax",
                "outcome": "clear", "property_id": outside})
            assert refused.status_code == 422
            assert "council_tax' is not a database check of police_scotland" in \
                refused.json()["detail"]
            unplaced = client.post("/api/v1/cases/check", headers=headers, json={
                "case_id": case, "kind": "database", "item": "pnc", "outcome": "clear"})
            assert unplaced.status_code == 409
            assert f"{inside}, {outside}" in unplaced.json()["detail"]
            done = client.post("/api/v1/cases/check", headers=headers, json={
                "case_id": case, "kind": "database", "item": "pnc", "outcome": "concern",
                "notes": "FICTIONAL: a warning marker", "property_id": outside,
                "justification": "FICTIONAL: PNC check"})
            assert done.status_code == 200, done.text
            assert done.json()["checks"][-1]["property_id"] == outside
            responded = client.post("/api/v1/cases/respond", headers=headers, json={
                "case_id": case, "property_id": outside, "to": "pnc",
                "response": "FICTIONAL: the marker is historic"})
            assert responded.status_code == 200, responded.text
            assert responded.json()["recorded"] == "case_respond"
    finally:
        engine.dispose()
