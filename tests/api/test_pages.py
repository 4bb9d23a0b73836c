"""The void screening and sensitive-allocation pages without a browser (FastAPI's
TestClient): an uploaded list with bad rows, refusals shown on the form (never a 500),
need to know, and the audit trail. The browser tests (:mod:`tests.api.test_browser`) drive
the same pages in Chromium."""

from __future__ import annotations

import html
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
from geo_era.casework.cases import record_restriction
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store, session_scope
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from geo_era.settings import Settings
from tests.conftest import enrol_totp, form_token, import_demo, officer, sign_in_pages

PASSWORD = "a long fictional passphrase"
PURPOSE = "ERA for new accommodation, MAPPA meeting"
FLAG = "sensitive allocation required — contact the SOLO"
#: The Link Officer's housing association: a landlord with voids in the demo town.
LANDLORD = "Rowanlea Housing Association"


@dataclass
class Site:
    clients: dict[str, TestClient]
    engine: Engine
    store: LayerStore
    #: a void in the store, a subject with an exclusion zone, a housed subject's home
    void: str
    subject: str
    home: str
    subjects: list[str]
    #: one of the Link Officer's own voids, under a case's restriction
    own_void: str = ""


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("pages") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    users = {"omu": ("omu_analyst", "FICTIONAL Police OMU"), "solo": ("solo", council),
             "link": ("rsl_link_officer", LANDLORD),
             "nopurpose": ("omu_analyst", "FICTIONAL Police OMU")}
    for username, (role, organisation) in users.items():
        add_user(engine, username, role=role, organisation=organisation, password=PASSWORD)
    app = create_app(Settings(home=home, login_attempts=50), engine=engine)
    clients = {}
    for username, (role, _organisation) in users.items():
        client = TestClient(app, raise_server_exceptions=False)  # a fault answers 500
        purpose = "" if username == "nopurpose" else PURPOSE
        if role == "rsl_link_officer":  # sees no subject data: password only
            signed = client.post("/login", follow_redirects=False, data={**form_token(client),
                "username": username, "password": PASSWORD, "purpose": purpose})
            assert signed.status_code == 303, signed.text
        else:
            sign_in_pages(client, engine, username, PASSWORD,
                          enrol_totp(engine, home, username), purpose=purpose)
        clients[username] = client
    props = store.read_attributes("properties", ["property_id", "is_void", "landlord"])
    subjects = store.read("subjects")
    zoned = set(store.read("exclusion_zones")["subject_id"].astype(str))
    own = str(props.loc[props["is_void"].fillna(False).astype(bool)
                        & (props["landlord"] == LANDLORD), "property_id"].iloc[0])
    case = open_assessed_case(store, engine, subject_id=sorted(zoned)[0],
                              property_ids=[own], case_type="initial_new",
                              notified=clock.today(), assess_now=False, actor=officer())
    record_restriction(engine, str(case["case_id"]), property_id=own,
                       restriction="no household with children", actor=officer())
    yield Site(clients, engine, store, own_void=own,
               void=str(props.loc[props["is_void"].fillna(False).astype(bool),
                                  "property_id"].iloc[0]),
               subject=sorted(zoned)[0],
               home=str(subjects["current_property_id"].dropna().iloc[0]),
               subjects=subjects["subject_id"].astype(str).tolist())
    engine.dispose()


def alert(page: str) -> str:
    found = re.search(r'role="alert">(.*?)</p>', page, re.S)
    return found.group(1) if found else ""


def csv(*ids: str) -> tuple[str, bytes, str]:
    """An upload: a CSV of property ids (a second column keeps an empty id a row)."""
    rows = "".join(f"{i},x\n" for i in ids)
    return ("voids.csv", f"property_id,note\n{rows}".encode(), "text/csv")


def entries(engine: Engine) -> list[AuditEntry]:
    with session_scope(engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def last_entry(engine: Engine) -> AuditEntry:
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        return entry


def test_screening_an_uploaded_list(site: Site) -> None:
    omu = site.clients["omu"]
    assert omu.get("/voids").status_code == 200
    page = omu.post("/voids", data={**form_token(omu), "subject_id": site.subject},
                    files={"void_list": csv(site.void, "DT-NOT-THERE", "")})
    assert page.status_code == 200, alert(page.text)
    text = page.text
    errors = re.search(r'<table class="ds_table row-errors">(.*?)</table>', text, re.S)
    assert errors is not None
    assert "<td>2</td><td>DT-NOT-THERE</td><td>not in the properties layer" in errors.group(1)
    assert "<td>3</td><td>(empty)</td><td>property_id is empty" in errors.group(1)
    screened = re.search(r'<table class="ds_table screened">(.*?)</table>', text, re.S)
    assert screened is not None and f"<td>{site.void}</td>" in screened.group(1)
    assert "<strong>1</strong> screened" in text
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"])
    assert nonce is not None  # the map's scripts (escaped into the iframe) carry it
    assert f'<script nonce="{nonce.group(1)}"' in html.unescape(text)
    assert "srcdoc=" in text and "ruled-out voids (" in text
    assert "exclusion zones (" in text  # an analyst may see the subject's zones
    entry = last_entry(site.engine)
    assert (entry.actor, entry.record_ids, entry.justification) == ("omu", [site.subject],
                                                                    PURPOSE)


def test_every_void_and_top_n(site: Site) -> None:
    every = site.clients["solo"].post("/voids", data={**form_token(site.clients["solo"]),
                                                      "subject_id": site.subject})
    assert every.status_code == 200, alert(every.text)
    assert "<strong>40</strong> screened" in every.text
    top = site.clients["solo"].post("/voids", data={**form_token(site.clients["solo"]),
                                                    "subject_id": site.subject, "top": "5"},
                                    files={"void_list": ("", b"", "application/octet-stream")})
    assert top.status_code == 200 and "the first 5 are shown" in top.text
    rows = re.search(r'<table class="ds_table screened">.*?<tbody>(.*?)</tbody>', top.text, re.S)
    assert rows is not None and rows.group(1).count("<tr") == 5


@pytest.mark.parametrize(("form", "upload", "code", "message", "field"), [
    ({"subject_id": "S"}, ("voids.txt", b"property_id\nA\n", "text/plain"), 422,
     "a list of voids is read from CSV (.csv) or GeoPackage (.gpkg)", "void_list"),
    ({"subject_id": "S"}, ("voids.csv", b"uprn\n1\n", "text/csv"), 422,
     "no &#39;property_id&#39; or &#39;address&#39; column (columns found: &#39;uprn&#39;)",
     "void_list"),
    ({"subject_id": "S"}, ("voids.gpkg", b"not a geopackage", "application/geopackage+sqlite3"),
     422, "is not GeoPackage (a GeoPackage is a SQLite database)", "void_list"),
    ({"subject_id": "S"}, ("voids.csv", b"", "text/csv"), 422, "the file is empty", "void_list"),
    ({"subject_id": "S", "top": "many"}, None, 422, "N is a whole number from 1 to", "top"),
    ({"subject_id": ""}, None, 422, "give the subject id", "subject_id"),
    # issue 17, finding 2: an unknown subject reads like any miss, the id not echoed
    ({"subject_id": "FICTIONAL-NOBODY"}, None, 404, "no such subject", "subject_id"),
], ids=["not-csv-or-gpkg", "no-id-column", "broken-gpkg", "empty-file", "bad-top",
        "no-subject", "unknown-subject"])
def test_refusals_are_shown_on_the_form(site: Site, form: dict[str, str],
                                        upload: tuple[str, bytes, str] | None, *,
                                        code: int, message: str, field: str) -> None:
    """A refusal is shown in the error summary (announced: role=alert) as a link to the
    field it concerns, and beside that field, marked invalid; the form keeps what was
    typed."""
    data = {k: (site.subject if v == "S" else v) for k, v in form.items()}
    page = site.clients["omu"].post("/voids", data={**form_token(site.clients["omu"]), **data},
                                    files={"void_list": upload} if upload else None)
    assert page.status_code == code, page.text[:500]
    assert message in alert(page.text)
    assert f'value="{data["subject_id"]}"' in page.text  # the form is kept
    assert f'value="{data.get("top", "")}"' in page.text
    assert "Traceback" not in page.text and "screened" not in page.text
    summary = re.search(r'<div class="ds_error-summary".*?</div>', page.text, re.S)
    assert summary is not None and f'href="#{field}"' in summary.group(0)
    beside = re.search(rf'<p class="ds_question__error-message" id="{field}-error">(.*?)</p>',
                       page.text, re.S)
    assert beside is not None and message in beside.group(1)
    marked = re.search(rf'<input [^>]*id="{field}"[^>]*>', page.text, re.S)
    assert marked is not None and f"{field}-error" in marked.group(0)


def test_a_session_without_purpose_is_asked_for_one(site: Site) -> None:
    page = site.clients["nopurpose"].post("/voids", data={**form_token(site.clients["nopurpose"]),
                                                          "subject_id": site.subject})
    assert page.status_code == 422 and "needs a justification" in alert(page.text)


def test_link_officer_gets_flags_only(site: Site) -> None:
    link = site.clients["link"]
    refused = link.get("/voids")
    assert refused.status_code == 403 and "may not see this page" in refused.text
    assert link.post("/voids", data={**form_token(link),
                                     "subject_id": site.subject}).status_code == 403
    assert last_entry(site.engine).outcome == "denied"
    form = link.get("/allocations")
    assert form.status_code == 200
    assert 'href="/allocations"' in form.text and 'href="/voids"' not in form.text
    assert 'href="/cases"' not in form.text
    page = link.post("/allocations", data=form_token(link),
                     files={"void_list": csv(site.own_void, site.home, "")})
    assert page.status_code == 200, alert(page.text)
    assert FLAG in page.text and "<th scope=\"col\">Why</th>" not in page.text
    assert "property_id is empty" in page.text
    # a subject's home is not the landlord's void: it reads as any other id (issue 17)
    assert f"not a void of {LANDLORD}" in html.unescape(page.text)
    for subject in site.subjects:
        assert subject not in page.text
    full = site.clients["omu"].post("/allocations", data=form_token(site.clients["omu"]),
                                    files={"void_list": csv(site.home)})
    assert full.status_code == 200 and "<th scope=\"col\">Why</th>" in full.text
    assert any(subject in full.text for subject in site.subjects)
    bad = link.post("/allocations", data=form_token(link),
                    files={"void_list": ("v.xlsx", b"x", "text/plain")})
    assert bad.status_code == 422 and "a list of voids is read from CSV" in alert(bad.text)


def test_pages_need_a_session(site: Site) -> None:
    anonymous = TestClient(site.clients["omu"].app)
    for path in ("/voids", "/allocations"):
        assert anonymous.post(path, data=form_token(anonymous),
                              follow_redirects=False).headers["location"] == "/login"
        assert anonymous.get(path, follow_redirects=False).status_code == 303


def test_the_over_concentration_report_page(site: Site) -> None:
    """The internal report for the SOLO's own council, with its map and the placements
    without consent; another council's is refused as not found; the PDF downloads."""
    solo = site.clients["solo"]
    form = solo.get("/reports")
    assert form.status_code == 200 and 'href="/reports"' in form.text
    council = re.search(r"<option selected>([^<]+)</option>", form.text)
    assert council is not None
    before = entries(site.engine)
    page = solo.post("/reports", data={**form_token(solo),
                                       "authority": council.group(1), "year": "2026"})
    assert page.status_code == 200, alert(page.text)
    assert "OFFICIAL-SENSITIVE" in page.text and "Areas of concern" in page.text
    assert "Without recorded consent of the receiving authority" in page.text
    assert 'iframe class="map screen-only"' in page.text
    script_nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"])
    assert script_nonce is not None
    assert f'nonce="{script_nonce.group(1)}"' in html.unescape(page.text)
    added = entries(site.engine)[len(before):]
    assert [(e.operation, e.record_type, e.justification) for e in added] == [
        ("combination", "placements", PURPOSE)]
    unknown = solo.post("/reports", data={**form_token(solo), "authority": "Craigfennick Council",
                                          "year": "2026"})
    assert unknown.status_code == 404
    assert "'Craigfennick Council' is not in the areas layer" in html.unescape(alert(unknown.text))
    bad = solo.post("/reports", data={**form_token(solo),
                                      "authority": council.group(1), "year": "twenty"})
    assert bad.status_code == 422 and "four digits" in alert(bad.text)
    pdf = solo.post("/reports/pdf", data={**form_token(solo),
                                          "authority": council.group(1), "year": "2026",
                                          "publish": "on"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "published" in pdf.headers["content-disposition"]


def test_a_link_officer_gets_the_published_report_only(site: Site) -> None:
    link = site.clients["link"]
    form = link.get("/reports")
    assert form.status_code == 200 and 'type="hidden" name="publish"' in form.text
    council = re.search(r"<option selected>([^<]+)</option>", form.text)
    assert council is not None
    page = link.post("/reports", data={**form_token(link),
                                       "authority": council.group(1), "year": "2026"})
    assert page.status_code == 200, alert(page.text)
    assert "FOR PUBLICATION" in page.text and "[c]" in page.text
    assert "Without recorded consent" not in page.text
    for subject in site.subjects:
        assert subject not in page.text


def test_the_report_page_offers_its_tables_for_gis(site: Site) -> None:
    """R131: the report page's GeoPackage downloads. The SOLO gets the internal tables
    (no placements button, and the placements refused: 403, audited); the OMU the
    placements as points too, one combination entry naming the subjects in them; a
    Link Officer the published tables only, with no subject in the file."""
    solo, omu, link = site.clients["solo"], site.clients["omu"], site.clients["link"]
    council = re.search(r"<option selected>([^<]+)</option>", solo.get("/reports").text)
    assert council is not None
    form = {"authority": council.group(1), "year": "2026"}
    page = solo.post("/reports", data={**form_token(solo), **form})
    assert 'action="/reports/gpkg"' in page.text and "placements as points" not in page.text
    tables = solo.post("/reports/gpkg", data={**form_token(solo), **form})
    assert tables.status_code == 200 and tables.content.startswith(b"SQLite format 3")
    assert tables.headers["content-type"] == "application/geopackage+sqlite3"
    before = entries(site.engine)
    refused = solo.post("/reports/gpkg", data={**form_token(solo), **form,
                                                "placements": "on"})
    assert refused.status_code == 403
    assert [e.outcome for e in entries(site.engine)[len(before):]] == ["denied"]
    assert "placements as points" in omu.post(
        "/reports", data={**form_token(omu), **form}).text
    before = entries(site.engine)
    points = omu.post("/reports/gpkg", data={**form_token(omu), **form, "placements": "on"})
    assert points.status_code == 200 and "placements" in points.headers["content-disposition"]
    added = entries(site.engine)[len(before):]
    assert [(e.operation, e.record_type) for e in added] == [("combination", "placements")]
    assert any(s.encode() in points.content for s in added[0].record_ids[1:])
    published = link.post("/reports/gpkg", data={**form_token(link), **form,
                                                 "placements": ""})
    assert published.status_code == 200 and "published" in \
        published.headers["content-disposition"]
    for subject in site.subjects:
        assert subject.encode() not in published.content
