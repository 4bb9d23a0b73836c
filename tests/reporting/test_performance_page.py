"""The ERA performance page (R126, R131; R17): the figures worked by hand shown for the
session's purpose (one audited combination), council staff offered and given their own
council only, the PDF downloaded, refusals shown on the form, other roles refused."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import create_app
from sqlalchemy import Engine

from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store
from geo_era.security.users import add_user
from geo_era.settings import Settings
from tests.conftest import enrol_totp, form_token, sign_in_pages
from tests.reporting.case_set import (
    ABERMORAY,
    BALDOUR,
    REVIEW_MONTHS,
    build_case_set,
    subjects_layer,
)
from tests.services.parity import audit_entries

PASSWORD = "a long fictional passphrase"
PURPOSE = "MAPPA strategic oversight group, quarterly ERA performance"


@dataclass
class Site:
    clients: dict[str, TestClient]
    engine: Engine


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("performance-page") / "home"
    engine = open_store(home)
    build_case_set(engine)
    LayerStore(home).replace({"subjects": subjects_layer()},
                             sources={"subjects": ["FICTIONAL test subjects"]})
    app = create_app(Settings(home=home, login_attempts=50, review_months=REVIEW_MONTHS),
                     engine=engine)
    users = {"coordinator": ("mappa_coordinator", "FICTIONAL MAPPA unit"),
             "solo": ("solo", ABERMORAY), "nhs": ("nhs_liaison", "FICTIONAL NHS")}
    clients = {}
    for username, (role, organisation) in users.items():
        add_user(engine, username, role=role, organisation=organisation, password=PASSWORD)
        client = TestClient(app, raise_server_exceptions=False)  # a fault answers 500
        sign_in_pages(client, engine, username, PASSWORD, enrol_totp(engine, home, username),
                      purpose=PURPOSE)
        clients[username] = client
    yield Site(clients, engine)
    engine.dispose()


def cells(page: str, title: str) -> list[list[str]]:
    """The body cells of the table under the heading ``title``."""
    section = page.split(f"<h3>{title}</h3>", 1)[1].split("</table>", 1)[0]
    return [[html.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)
            if "<td>" in row]


def test_the_coordinator_sees_every_councils_figures(site: Site) -> None:
    """R126, R131: the form offers all councils and the last year ended; the report shows
    the figures worked by hand (tests/reporting/case_set.py), marked, audited once with
    the session's purpose; the PDF downloads."""
    client = site.clients["coordinator"]
    form = client.get("/reports/performance")
    assert form.status_code == 200 and 'href="/reports/performance"' in form.text
    assert '<option value="all" selected>All councils</option>' in form.text
    before = len(audit_entries(site.engine))
    page = client.post("/reports/performance", data={**form_token(client), "year": "2026",
                                                     "council": "all"})
    assert page.status_code == 200, page.text
    assert "OFFICIAL-SENSITIVE" in page.text and "1 April 2025 to 31 March 2026" in page.text
    assert cells(page.text, "ERAs completed within the timescale, by type") == [
        ["initial_new", "7", "2", "1", "1", "1", "7.5", "7.9"],
        ["initial_resident", "12", "2", "2", "0", "0", "11.5", "11.9"],
        ["annual_review", "21", "1", "1", "0", "0", "21.0", "21.0"]]
    assert cells(page.text, "Annual reviews due in the year (3.3, 3.5), by council") == [
        [ABERMORAY, "2", "0", "1", "1", "0"], [BALDOUR, "1", "1", "0", "0", "0"]]
    assert "FICTIONAL-S" not in page.text
    added = audit_entries(site.engine)[before:]
    assert [(e.operation, e.record_ids, e.justification) for e in added] == [
        ("combination", ["ERA performance all councils 2026"], PURPOSE)]
    pdf = client.post("/reports/performance/pdf", data={**form_token(client),
                                                        "year": "2026", "council": "all"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == \
        'attachment; filename="era-performance-2026.pdf"'


def test_the_solo_gets_their_own_council(site: Site) -> None:
    """R17: the SOLO is offered their own council only and gets its figures; asking for
    another council is refused as not found, on the form."""
    client = site.clients["solo"]
    form = client.get("/reports/performance")
    assert re.findall(r"<option[^>]*>([^<]+)</option>", form.text) == [ABERMORAY]
    page = client.post("/reports/performance", data={**form_token(client), "year": "2026",
                                                     "council": ABERMORAY})
    assert page.status_code == 200
    assert cells(page.text, "ERAs completed within the timescale, by council") == [
        [ABERMORAY, "initial_new", "7", "2", "1", "1", "1", "7.5", "7.9"]]
    other = client.post("/reports/performance", data={**form_token(client), "year": "2026",
                                                      "council": BALDOUR})
    assert other.status_code == 404 and "own council" in html.unescape(other.text)
    assert "<h3>" not in other.text


@pytest.mark.parametrize(("year", "says"), [
    ("twenty", "four digits"), ("1999", "from 2000 to")])
def test_a_bad_year_is_refused_on_the_form(site: Site, year: str, says: str) -> None:
    """R131: a year that is not four digits, or not a reporting year, is refused on the
    form (422), the year typed kept."""
    client = site.clients["coordinator"]
    page = client.post("/reports/performance", data={**form_token(client), "year": year,
                                                     "council": "all"})
    assert page.status_code == 422 and says in html.unescape(page.text)
    assert f'value="{year}"' in page.text


def test_a_partner_agency_is_refused(site: Site) -> None:
    """R17: the NHS liaison officer has no link and is refused the page."""
    client = site.clients["nhs"]
    assert 'href="/reports/performance"' not in client.get("/").text
    assert client.get("/reports/performance").status_code == 403
    refused = client.post("/reports/performance", data={**form_token(client),
                                                        "year": "2026", "council": "all"})
    assert refused.status_code == 403 and "<h3>" not in refused.text
