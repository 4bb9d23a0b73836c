"""A partner agency of NASSO 3.6 on the pages (FastAPI's TestClient): the NHS liaison
officer signs in with a second factor, lists and opens the cases the NHS takes part in,
and sees neither the minimum set's households, nor the map, nor the ERA document; the
case says why each agency takes part. REQUIREMENTS.md: R3, R24, R28."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import create_app

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.db.store import open_store
from geo_era.security.users import add_user
from geo_era.settings import Settings
from tests.conftest import enrol_totp, form_token, import_demo, officer, sign_in_pages

PASSWORD = "a long fictional passphrase"
PURPOSE = "ERA for new accommodation, MAPPA meeting"


@dataclass
class Site:
    clients: dict[str, TestClient]
    nhs_case: str
    other_case: str


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("agency-pages") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    subjects = store.read_attributes("subjects", ["subject_id", "victim_profile"])
    with_children = subjects["victim_profile"].fillna("").str.contains("children")
    subject = str(subjects.loc[with_children, "subject_id"].iloc[0])
    props = store.read_attributes("properties", ["property_id", "property_type"])
    flat = str(props.loc[props["property_type"] == "tenement_flat", "property_id"].iloc[0])

    def case(agencies: list[str]) -> str:
        return str(open_assessed_case(store, engine, subject_id=subject, property_ids=[flat],
                                      case_type="initial_new", notified=clock.today(),
                                      agencies=agencies, actor=officer())["case_id"])

    nhs_case, other_case = case(["nhs"]), case([])
    app = create_app(Settings(home=home, login_attempts=50), engine=engine)
    clients = {}
    for username, role, organisation in (("omu", "omu_analyst", "FICTIONAL Police OMU"),
                                         ("nhs", "nhs_liaison", "FICTIONAL NHS Inverallan")):
        add_user(engine, username, role=role, organisation=organisation, password=PASSWORD)
        client = TestClient(app, raise_server_exceptions=False)
        sign_in_pages(client, engine, username, PASSWORD, enrol_totp(engine, home, username),
                      purpose=PURPOSE)
        clients[username] = client
    yield Site(clients, nhs_case, other_case)
    engine.dispose()


def test_an_nhs_user_sees_the_nhs_cases_without_the_neighbours(site: Site) -> None:
    """R28: the NHS's page of a case names the agencies and why each takes part
    (Children & Families and Education for a victim profile with children, R24), and
    shows no minimum set, no map and no document buttons; the police see all three."""
    nhs, omu = site.clients["nhs"], site.clients["omu"]
    listed = nhs.get("/cases")
    assert listed.status_code == 200
    assert site.nhs_case in listed.text and site.other_case not in listed.text
    page = nhs.post("/case", data={**form_token(nhs), "case_id": site.nhs_case})
    assert page.status_code == 200, page.text
    assert "victim profile includes children" in page.text
    assert "Minimum set (NASSO 3.9)" not in page.text and "<iframe" not in page.text
    assert "Download the ERA document" not in page.text
    whole = omu.post("/case", data={**form_token(omu), "case_id": site.nhs_case}).text
    assert "Minimum set (NASSO 3.9)" in whole and "<iframe" in whole
    document = nhs.post("/case/document", data={**form_token(nhs), "case_id": site.nhs_case})
    assert document.status_code == 422  # the pages show a refusal on the page
    assert "does not get the ERA document" in document.text
    hidden = nhs.post("/case", data={**form_token(nhs), "case_id": site.other_case})
    assert hidden.status_code == 404 and "not found" in hidden.text
