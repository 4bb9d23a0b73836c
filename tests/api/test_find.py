"""The finding pages without a browser (FastAPI's TestClient, a real store): the address
type-ahead and its plain form, subject search (the Responsible Authorities only,
audited), case search (another council's case reads as one that does not exist), the
property page by role (a Link Officer never sees households or cases), and the case
page's candidate switcher. The browser test is in :mod:`tests.api.test_browser`."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import create_app
from sqlalchemy import Engine, select

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.db.store import open_store, session_scope
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from geo_era.settings import Settings
from tests.conftest import enrol_totp, form_token, import_demo, officer, sign_in_pages

PASSWORD = "a long fictional passphrase"
PURPOSE = "ERA for new accommodation, MAPPA meeting"
LANDLORD = "Rowanlea Housing Association"


@dataclass
class World:
    clients: dict[str, TestClient]
    engine: Engine
    subject: str
    #: the case's two candidates (the subject's home and a void), and their addresses
    candidates: list[str]
    addresses: dict[str, str]
    case_id: str


@pytest.fixture(scope="module")
def world(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    home = tmp_path_factory.mktemp("find") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    users = {"omu": ("omu_analyst", "FICTIONAL Police OMU"), "solo": ("solo", council),
             "elsewhere": ("solo", "FICTIONAL Other Council"),
             "link": ("rsl_link_officer", LANDLORD),
             "nhs": ("nhs_liaison", "FICTIONAL NHS Inverallan"),
             "nopurpose": ("omu_analyst", "FICTIONAL Police OMU")}
    for username, (role, organisation) in users.items():
        add_user(engine, username, role=role, organisation=organisation, password=PASSWORD)
    app = create_app(Settings(home=home, login_attempts=50), engine=engine)
    clients = {}
    for username, (role, _organisation) in users.items():
        client = TestClient(app, raise_server_exceptions=False)  # a fault answers 500
        purpose = "" if username == "nopurpose" else PURPOSE
        if role == "rsl_link_officer":
            signed = client.post("/login", follow_redirects=False, data={
                "username": username, "password": PASSWORD, "purpose": purpose,
                **form_token(client)})
            assert signed.status_code == 303, signed.text
        else:
            sign_in_pages(client, engine, username, PASSWORD,
                          enrol_totp(engine, home, username), purpose=purpose)
        clients[username] = client
    subjects = store.read("subjects")
    row = subjects[subjects["current_property_id"].notna()].iloc[0]
    props = store.read_attributes("properties", ["property_id", "address", "is_void"])
    void = str(props.loc[props["is_void"].fillna(False).astype(bool), "property_id"].iloc[0])
    candidates = [str(row["current_property_id"]), void]
    case = open_assessed_case(store, engine, subject_id=str(row["subject_id"]),
                              property_ids=candidates, case_type="initial_new",
                              notified=clock.today(), actor=officer())
    addresses = dict(zip(props["property_id"].astype(str), props["address"].astype(str),
                         strict=True))
    yield World(clients, engine, str(row["subject_id"]), candidates,
                {c: addresses[c] for c in candidates}, str(case["case_id"]))
    engine.dispose()


def last_entry(engine: Engine) -> AuditEntry:
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        return entry


def entries(engine: Engine) -> list[AuditEntry]:
    """The whole audit trail, oldest first."""
    with session_scope(engine) as session:
        found = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        session.expunge_all()
        return found


def alert(page: str) -> str:
    found = re.search(r'role="alert">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def post(client: Any, path: str, data: dict[str, str]) -> Any:
    """A page form posted as a browser posts it: with its token."""
    return client.post(path, data={**data, **form_token(client)})


def test_type_ahead_finds_an_address_in_another_notation(world: World) -> None:
    """R39, R40: the JSON the page's script asks for; ids and addresses only."""
    omu = world.clients["omu"]
    home = world.candidates[0]
    address = world.addresses[home]
    answer = post(omu, "/find/properties", {"q": address.upper()})
    assert answer.status_code == 200
    body = answer.json()
    assert body["properties"][0] == {"property_id": home, "address": address}
    assert set(body) == {"query", "total", "properties"}
    assert all(set(p) == {"property_id", "address"} for p in body["properties"])
    by_id = post(omu, "/find/properties", {"q": home.lower()}).json()
    assert by_id["properties"][0]["property_id"] == home
    signed_out = TestClient(omu.app)  # type: ignore[arg-type]
    assert post(signed_out, "/find/properties", {"q": "oak"}).status_code == 401
    # what is typed never stands in a URL: the type-ahead is a POST with the form token
    assert omu.get("/find/properties").status_code == 405
    assert omu.post("/find/properties", data={"q": "oak"}).status_code == 403
    refused = post(world.clients["nhs"], "/find/properties", {"q": "oak"})
    assert refused.status_code == 403


def test_the_plain_form_lists_matches_without_javascript(world: World) -> None:
    omu = world.clients["omu"]
    home = world.candidates[0]
    page = post(omu, "/find", {"q": world.addresses[home]})
    assert page.status_code == 200
    # each match opens by a POST of its id (never a URL naming the property)
    assert re.search(rf'<form method="post" action="/property" class="inline">.*?'
                     rf'name="property_id" value="{home}"', page.text)
    assert "/property/" not in page.text
    too_long = post(omu, "/find", {"q": "x" * 300})
    assert too_long.status_code == 422 and "at most 200" in alert(too_long.text)


def test_a_link_officer_may_not_search_subjects_and_is_audited(world: World) -> None:
    """R104, R98: a subject's cases are the Responsible Authorities'; the refusal is
    recorded, naming the subject asked for."""
    page = post(world.clients["link"], "/find/subject", {"subject_id": world.subject})
    assert page.status_code == 403
    assert world.subject not in page.text.replace(f'value="{world.subject}"', "")
    entry = last_entry(world.engine)
    assert (entry.actor, entry.outcome, entry.record_ids) == ("link", "denied",
                                                              [world.subject])


def test_subject_search_lists_the_cases_and_is_audited(world: World) -> None:
    """R104: the purpose of the session is the justification; the entry names the
    subject and each case found."""
    page = post(world.clients["omu"], "/find/subject", {"subject_id": world.subject})
    assert page.status_code == 200, alert(page.text)
    assert world.case_id in page.text
    entry = last_entry(world.engine)
    assert (entry.actor, entry.operation, entry.record_type, entry.justification,
            entry.record_ids) == ("omu", "consultation", "subject", PURPOSE,
                                  [world.subject, world.case_id])
    # another council's officer: the subject is known, none of its cases is theirs
    other = post(world.clients["elsewhere"], "/find/subject", {"subject_id": world.subject})
    assert other.status_code == 200 and world.case_id not in other.text
    assert "No case of this subject that you may see" in other.text
    unknown = post(world.clients["omu"], "/find/subject", {"subject_id": "FICTIONAL-NOBODY"})
    assert unknown.status_code == 404 and "check the id" in alert(unknown.text)
    nopurpose = post(world.clients["nopurpose"], "/find/subject", {"subject_id": world.subject})
    assert nopurpose.status_code in (403, 422) and world.case_id not in nopurpose.text


def test_a_case_outside_the_callers_scope_reads_as_not_found(world: World) -> None:
    """R104: the case search answers another council's case exactly as a reference
    that does not exist, and records the refusal."""
    elsewhere = world.clients["elsewhere"]
    theirs = post(elsewhere, "/case", {"case_id": world.case_id})
    missing = post(elsewhere, "/case", {"case_id": "ERA-999999"})
    assert theirs.status_code == missing.status_code == 404
    assert alert(theirs.text).replace(world.case_id, "X") == \
        alert(missing.text).replace("ERA-999999", "X")
    entry = last_entry(world.engine)  # the refusal of the case that exists
    assert entry is not None
    with session_scope(world.engine) as session:
        denied = session.scalars(select(AuditEntry).where(
            AuditEntry.actor == "elsewhere", AuditEntry.outcome == "denied")).all()
        assert any(world.case_id in e.record_ids for e in denied)


def test_the_property_page_by_role(world: World) -> None:
    """R26, R98, R104: sites and a map for every role that may ask for them; the
    minimum set's households and the property's cases only for the Responsible
    Authorities, households only with the purpose of the session; a Link Officer
    never sees a household, a case or a subject."""
    home = world.candidates[0]

    def open_page(who: str, pid: str = home) -> Any:
        return post(world.clients[who], "/property", {"property_id": pid})

    omu = open_page("omu")
    assert omu.status_code == 200, alert(omu.text)
    assert "Sites within" in omu.text and 'class="map"' in omu.text
    assert "Minimum set (NASSO 3.9)" in omu.text and "Adult at risk" in omu.text
    assert world.case_id in omu.text and world.subject in omu.text
    # the map, drawn in the page's own frame (its scripts with the page's nonce): the
    # minimum set's dwellings for the analyst only
    assert "minimum set (" in html.unescape(omu.text)
    nopurpose = open_page("nopurpose")
    assert nopurpose.status_code == 200
    assert "Minimum set (NASSO 3.9)" in nopurpose.text
    assert "Adult at risk" not in nopurpose.text and world.case_id not in nopurpose.text
    before = len(entries(world.engine))
    link = open_page("link")
    assert link.status_code == 200, alert(link.text)
    assert "Sites within" in link.text and 'class="map"' in link.text
    shown = html.unescape(link.text)
    assert "L.map(" in shown and "distance rings" in shown
    for hidden in ("Minimum set", "Children", "Adult at risk", "household", world.case_id,
                   world.subject, "minimum set ("):
        assert hidden not in shown, hidden
    # the page and its map, each audited as sites near the property, and the property's
    # staff-safety instructions read for the landlord's Link Officer (none here)
    assert "No staff-safety instructions for this property." in link.text
    assert [(e.actor, e.record_type, e.record_ids) for e in entries(world.engine)[before:]] \
        == [("link", "sites_near", [home])] * 2 + [("link", "staff_safety_marker", [home])]
    assert open_page("nhs").status_code == 403
    # the old addresses naming a property answer nothing
    assert world.clients["omu"].get(f"/property/{home}").status_code in (404, 405)
    missing = open_page("omu", "DT-NOT-THERE")
    assert missing.status_code == 404 and "not found" in alert(missing.text)


def test_the_case_page_switches_between_candidates(world: World) -> None:
    """R26: a case with two candidates shows one, and a button for each."""
    omu = world.clients["omu"]
    first = post(omu, "/case", {"case_id": world.case_id})
    assert first.status_code == 200, alert(first.text)
    for pid in world.candidates:
        assert f'name="property_id" value="{pid}"' in first.text
    second = world.candidates[1]
    switched = post(omu, "/case", {"case_id": world.case_id, "property_id": second})
    assert switched.status_code == 200
    current = re.search(r'value="([^"]+)"\s+aria-current="true"', switched.text)
    assert current is not None and current.group(1) == second
    assert f"Map of {html.escape(world.addresses[second])}" in switched.text
