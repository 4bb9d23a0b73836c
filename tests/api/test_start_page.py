"""The start page per role (issue 19, item 1), on SQLite and PostgreSQL: the analyst's
open cases with the overdue one first, what police still have to record on each (the
3.7 list of each candidate, the 3.11 agreement), the due list (3.3); a CJSW officer sees
no due list (the matrix); a Link Officer gets the allocation check's entry point and no
case; the page is audited as the case list and the due list are (R83-R86), and without
a purpose of the session it is refused in words, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import create_app
from sqlalchemy import Engine, select

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import record_agreement, record_check
from geo_era.db.store import open_store, session_scope
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from geo_era.settings import NASSO_DATABASE_CHECKS, Settings
from tests.conftest import enrol_totp, form_token, import_demo, officer, sign_in_pages

PASSWORD = "a long fictional passphrase"
PURPOSE = "ERA for new accommodation, MAPPA meeting"
POLICE_ITEMS = list(NASSO_DATABASE_CHECKS["police_scotland"])


@dataclass
class Site:
    app: object
    engine: Engine
    home: Path
    late: str  # an overdue case, nothing recorded by police
    fresh: str  # a case due later, police's 3.7 list and agreement recorded
    late_property: str


@pytest.fixture
def site(demo_files: list[Path], tmp_path: Path, database_url: str) -> Iterator[Site]:
    home = tmp_path / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home, database_url)
    for username, role, org in (("omu", "omu_analyst", "FICTIONAL Police OMU"),
                                ("nopurpose", "omu_analyst", "FICTIONAL Police OMU"),
                                ("link", "rsl_link_officer", "Rowanlea Housing Association")):
        add_user(engine, username, role=role, organisation=org, password=PASSWORD)
    subjects = store.read("subjects")["subject_id"].astype(str).tolist()
    props = store.read_attributes("properties", ["property_id", "is_void"])
    voids = props.loc[props["is_void"].fillna(False).astype(bool), "property_id"].astype(str)
    today = clock.today()
    fresh = open_assessed_case(store, engine, subject_id=subjects[1], property_ids=[voids.iloc[1]],
                               case_type="initial_new", notified=today, assess_now=False,
                               actor=officer(), agencies=["cjsw"])
    late = open_assessed_case(store, engine, subject_id=subjects[0],
                              property_ids=[voids.iloc[0]], case_type="initial_new",
                              notified=today - dt.timedelta(days=120), assess_now=False,
                              actor=officer())
    # council staff see their council's cases
    add_user(engine, "cjsw", role="cjsw", organisation=str(fresh["authority"]),
             password=PASSWORD)
    for item in POLICE_ITEMS:
        record_check(engine, str(fresh["case_id"]), agency="police_scotland", kind="database",
                     item=item, outcome="clear", property_id=voids.iloc[1], actor=officer())
    record_agreement(engine, str(fresh["case_id"]), agency="police_scotland", agrees=True,
                     actor=officer())
    app = create_app(Settings(home=home, database_url=database_url, login_attempts=50),
                     engine=engine)
    yield Site(app, engine, home, str(late["case_id"]), str(fresh["case_id"]),
               str(voids.iloc[0]))
    engine.dispose()


def client_for(site: Site, username: str, *, purpose: str = PURPOSE) -> TestClient:
    client = TestClient(site.app, raise_server_exceptions=False)  # a fault answers 500
    if username == "link":
        client.post("/login", data={**form_token(client), "username": username,
                                    "password": PASSWORD, "purpose": purpose})
    else:
        sign_in_pages(client, site.engine, username, PASSWORD,
                      enrol_totp(site.engine, site.home, username), purpose=purpose)
    return client


def entries(engine: Engine) -> list[AuditEntry]:
    with session_scope(engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def section(page: str, table: str) -> str:
    found = re.search(rf'<table class="ds_table {table}">(.*?)</table>', page, re.S)
    assert found is not None, f"no {table} table"
    return found.group(1)


def test_the_analysts_start_page(site: Site) -> None:
    """Overdue first; police's work left on the late case only, in words; the due list;
    audited as one consultation of both cases, one of the subjects due and one of the
    analyst's staff-safety markers due a review."""
    omu = client_for(site, "omu")
    before = len(entries(site.engine))
    page = omu.get("/")
    assert page.status_code == 200, page.text
    rows = re.findall(r'<td>(ERA-\d+)</td>', section(page.text, "start-cases"))
    assert rows == [site.late, site.fresh]  # overdue first
    assert 'class="overdue"' in section(page.text, "start-cases").split(site.fresh)[0]
    waiting = section(page.text, "start-waiting")
    assert site.fresh not in waiting
    assert (f"3.7 database checks for {site.late_property}: {len(POLICE_ITEMS)} of "
            f"{len(POLICE_ITEMS)} to record") in waiting
    assert "agreement or disagreement (3.11)" in waiting
    assert "Reviews due and ERA required (NASSO 3.3)" in page.text
    added = entries(site.engine)[before:]
    kinds = [(e.operation, e.record_type, e.justification, e.outcome) for e in added]
    assert ("consultation", "case", PURPOSE, "allowed") in kinds
    [listed] = [e for e in added if e.record_type == "case"]
    assert sorted(listed.record_ids) == sorted([site.late, site.fresh])
    # and the due list's, the open media incidents' (NASSO 5.4), the notifications from
    # landlords' (5.3), none here, and the analyst's own staff-safety markers due a
    # review (69-70)
    assert len(added) == 5 and added[1].record_type != "case"
    assert added[1].operation == "consultation" and added[1].justification == PURPOSE
    assert (added[2].operation, added[2].record_type) == ("consultation", "enquiry")
    assert "Media incidents (NASSO 5.4)" in page.text
    assert (added[3].operation, added[3].record_type, added[3].record_ids) == (
        "consultation", "landlord_notification", [])
    assert "Notifications from landlords (NASSO 5.3)" in page.text
    assert (added[4].record_type, added[4].justification) == ("staff_safety_marker",
                                                              PURPOSE)
    # counts link to their lists
    assert '<a href="/cases"><span class="geo-count">2</span>' in page.text
    assert '<a href="#waiting"><span class="geo-count">1</span>' in page.text


def test_start_pages_of_other_roles(site: Site) -> None:
    """CJSW: its council's cases, its own work left on the one it takes part in, no due
    list; a Link
    Officer: the allocation check, no case, nothing audited; no purpose: refused in
    words."""
    cjsw = client_for(site, "cjsw").get("/")
    assert cjsw.status_code == 200, cjsw.text
    assert "Reviews due" not in cjsw.text
    # council staff see their council's cases; CJSW takes part in the fresh one only
    assert re.findall(r'<td>(ERA-\d+)</td>', section(cjsw.text, "start-cases")) == [
        site.late, site.fresh]
    waiting = section(cjsw.text, "start-waiting")
    assert site.fresh in waiting and site.late not in waiting
    assert "agreement or disagreement (3.11)" in waiting
    officer_of_landlord = client_for(site, "link")
    before = len(entries(site.engine))
    link = officer_of_landlord.get("/")
    assert link.status_code == 200 and 'href="/allocations"' in link.text
    assert "ERA-" not in link.text and len(entries(site.engine)) == before
    refused = client_for(site, "nopurpose", purpose="").get("/")
    assert refused.status_code == 422 and "justification" in refused.text
    assert "Traceback" not in refused.text
    assert TestClient(site.app).get("/", follow_redirects=False).headers["location"] == "/login"
