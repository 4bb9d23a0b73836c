"""Enquiries and concerns (issue 20, item 1; NASSO 5.4, 5.2) over the API, the pages and
the command line: a Link Officer's concern passed on and confirmed without a subject id
or a subject's address anywhere the Link Officer or the person raising it sees, while
the police link it to a subject and see that link; media incidents on the Responsible
Authorities' start page; the pages for exactly the roles the matrix names; a refusal
beside its field with nothing written. R73, R94, R95, R96, R97."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import PREFIX
from sqlalchemy import func, select

from geo_era.data.layer_store import LayerStore
from geo_era.db.store import Enquiry, session_scope
from geo_era.security.users import add_user
from geo_era.services.answers.enquiries import EnquiryAsRaised, EnquiryRaisedLine
from tests.api.casepages import PASSWORD, CaseSite, case_site, error_beside, post
from tests.cli.test_cli import geo_era
from tests.conftest import LINK_OFFICER_NEVER_SEES, enrol_totp, sign_in_form

LANDLORD = "Rowanlea Housing Association"
WHY = "concern passed on by a landlord, MAPPA meeting"
NOTES = "FICTIONAL: OMU visited the subject and gave words of advice"


@dataclass
class Town:
    site: CaseSite
    api: TestClient
    tokens: dict[str, str]
    #: a housed subject, their home and its address: what nobody outside the
    #: Responsible Authorities may learn from an enquiry
    subject_id: str
    home_id: str
    address: str
    #: a property near nobody in particular, that concerns are raised about
    property_id: str

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def call(self, role: str, path: str, body: dict[str, Any]) -> Any:
        return self.api.post(f"{PREFIX}/enquiries/{path}", json=body, headers=self.as_(role))

    def secrets(self) -> tuple[str, ...]:
        return (self.subject_id, self.home_id, self.address, NOTES)


@pytest.fixture(scope="module")
def town(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Town]:
    site = case_site(demo_files, tmp_path_factory.mktemp("enquiries") / "home")
    store = LayerStore(site.home)
    subjects = store.read_attributes("subjects", ["subject_id", "current_property_id"])
    housed = subjects.dropna(subset=["current_property_id"]).iloc[0]
    home_id = str(housed["current_property_id"])
    props = store.read_attributes("properties", ["property_id", "address"])
    address = str(props.loc[props["property_id"] == home_id, "address"].iloc[0])
    elsewhere = str(props.loc[props["property_id"] != home_id, "property_id"].iloc[-1])
    api = TestClient(site.app)
    tokens = {}
    add_user(site.engine, "api.link", role="rsl_link_officer", organisation=LANDLORD,
             password=PASSWORD)
    tokens["link"] = api.post(f"{PREFIX}/auth/token", data={
        "username": "api.link", "password": PASSWORD}).json()["access_token"]
    add_user(site.engine, "api.omu", role="omu_analyst", organisation="FICTIONAL Police",
             password=PASSWORD)
    secret = enrol_totp(site.engine, site.home, "api.omu")
    tokens["omu"] = api.post(f"{PREFIX}/auth/token", data=sign_in_form(
        site.engine, "api.omu", PASSWORD, secret)).json()["access_token"]
    yield Town(site, api, tokens, str(housed["subject_id"]), home_id, address, elsewhere)
    site.engine.dispose()


def enquiries_stored(town: Town) -> int:
    with session_scope(town.site.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Enquiry)) or 0)


def reference_on(page: str) -> str:
    found = re.search(r"(ENQ-\d{6}) recorded and passed on", page)
    assert found is not None, page
    return found.group(1)


def test_r95_a_link_officers_concern_passed_on_and_confirmed_names_nobody(
        town: Town) -> None:
    """R95 (issue 20, done when): a Link Officer's concern is recorded on the pages,
    passed to the police and social work, and confirmed; the police link it to a housed
    subject and record the outcome, and see the link (JSON and page). Nothing the Link
    Officer sees (the API's JSON, the pages, the list), nothing the command line prints
    and nothing in the words for the person raising it holds the subject's id, their
    home's id or address, or the police's notes."""
    link = town.site.client("rsl_link_officer")
    recorded = post(link, "/enquiries/new", {
        "kind": "concern", "channel": "in_person", "raised_by": "tenant",
        "summary": "FICTIONAL: a man was seen photographing children at the bus stop",
        "area": "FICTIONAL Kirkton bus stop", "property_id": town.property_id,
        "risk_to_children": "yes"})
    assert recorded.status_code == 200, recorded.text
    ref = reference_on(recorded.text)
    assert "Police Scotland, for investigation" in recorded.text
    assert "social work services: there may be a risk to children" in recorded.text
    confirmed = post(link, "/enquiry/confirm", {"enquiry_id": ref})
    assert confirmed.status_code == 200, confirmed.text
    words = re.search(r'class="geo-reasons confirmation-text">(.*?)</blockquote>',
                      confirmed.text, re.S)
    assert words is not None
    assert words.group(1) == (
        f"Thank you for raising this with us (our reference {ref}). We have passed your "
        "concern on to the appropriate agency for investigation. We cannot tell you who "
        "anyone is or where anyone lives, or what the agency does about it.")
    # the police link it to the subject and close it; they see the link
    linked = town.call("omu", "link", {"enquiry_id": ref, "subject_id": town.subject_id,
                                       "justification": WHY})
    assert linked.status_code == 200, linked.text
    closed = town.call("omu", "outcome", {"enquiry_id": ref, "outcome": "action_taken",
                                          "notes": NOTES, "justification": WHY})
    assert [x["subject_id"] for x in closed.json()["links"]] == [town.subject_id]
    police_page = post(town.site.client("omu_analyst"), "/enquiry", {"enquiry_id": ref})
    assert town.subject_id in police_page.text and NOTES in police_page.text
    # everything the Link Officer sees afterwards, and the command line's output
    seen = {
        "json show": town.call("link", "show", {"enquiry_id": ref}),
        "json list": town.call("link", "list", {}),
        "page": post(link, "/enquiry", {"enquiry_id": ref}),
        "list page": link.get("/enquiries"),
        "start page": link.get("/"),
    }
    for name, answer in seen.items():
        assert answer.status_code == 200, (name, answer.text)
        for secret in town.secrets():
            assert secret not in answer.text, (name, secret)
    shown = seen["json show"].json()
    assert set(shown) == set(EnquiryAsRaised.model_fields)
    assert shown["confirmation"] == words.group(1)
    assert not set(shown) & LINK_OFFICER_NEVER_SEES
    assert all(set(r) == set(EnquiryRaisedLine.model_fields)
               for r in seen["json list"].json())
    printed = geo_era("enquiry", "list", home=town.site.home)
    assert printed.returncode == 0, printed.stderr
    assert f"{ref} " in printed.stdout and "1 linked" in printed.stdout
    for secret in town.secrets():
        assert secret not in printed.stdout
        assert secret not in words.group(1)


def test_r73_a_housing_enquiry_reaches_the_solo_of_its_council(town: Town) -> None:
    """R73: a housing enquiry a Link Officer records over the API is passed to the SOLO,
    who finds it in their list of enquiries and opens it (with what was raised)."""
    done = town.call("link", "record", {
        "kind": "housing_enquiry", "channel": "email", "raised_by": "staff",
        "summary": "FICTIONAL: an applicant disclosed a sex offence conviction",
        "property_id": town.property_id})
    assert done.status_code == 200, done.text
    ref = done.json()["enquiry_id"]
    assert done.json()["routed_to"] == ["solo"]
    solo = town.site.client("solo")
    listed = solo.get("/enquiries")
    assert ref in listed.text
    opened = post(solo, "/enquiry", {"enquiry_id": ref})
    assert "an applicant disclosed" in opened.text
    assert "Sex Offender Liaison Officer" in opened.text


def test_r96_media_incidents_are_on_the_responsible_authorities_start_page(
        town: Town) -> None:
    """R96: an enquiry from the media, or about a tenant in an incident reported in the
    media, is flagged and listed on the police's start page until its outcome is
    recorded; the Link Officer's start page links to their enquiries instead."""
    done = town.call("link", "record", {
        "kind": "concern", "channel": "phone", "raised_by": "tenant",
        "summary": "FICTIONAL: the local paper named a tenant in a story",
        "property_id": town.property_id, "media_incident": True})
    ref = done.json()["enquiry_id"]
    assert done.json()["media_incident"] is True
    assert "responsible_authorities" in done.json()["routed_to"]
    start = town.site.client("omu_analyst").get("/")
    media = re.search(r'<table class="ds_table start-media">(.*?)</table>', start.text, re.S)
    assert media is not None and ref in media.group(1)
    town.call("omu", "outcome", {"enquiry_id": ref, "outcome": "advice_given",
                                 "justification": WHY})
    again = town.site.client("omu_analyst").get("/")
    assert ref not in again.text
    link_start = town.site.client("rsl_link_officer").get("/")
    assert 'href="/enquiries"' in link_start.text and "start-media" not in link_start.text


def test_r97_a_landlord_sees_only_its_own_enquiries(town: Town) -> None:
    """R97 (67: housing providers share information with the agencies, who share back
    only what they need): another landlord's enquiry reads exactly like one that does
    not exist, over the API and the pages, and the refusal is audited; the police see
    both."""
    add_user(town.site.engine, "api.other", role="rsl_link_officer",
             organisation="FICTIONAL Other Housing Association", password=PASSWORD)
    other = town.api.post(f"{PREFIX}/auth/token", data={
        "username": "api.other", "password": PASSWORD}).json()["access_token"]
    done = town.api.post(f"{PREFIX}/enquiries/record", headers={
        "Authorization": f"Bearer {other}"}, json={
        "kind": "general_enquiry", "channel": "letter", "raised_by": "elected_member",
        "summary": "FICTIONAL: asks what the policy on housing offenders is",
        "property_id": town.property_id})
    ref = done.json()["enquiry_id"]
    before = len(town.site.audit())
    hidden = town.call("link", "show", {"enquiry_id": ref})
    missing = town.call("link", "show", {"enquiry_id": "ENQ-999999"})
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json()["detail"].replace(ref, "X") == missing.json()["detail"].replace(
        "ENQ-999999", "X")
    assert [(e.outcome, e.record_ids) for e in town.site.audit(before)][:1] == [
        ("denied", [ref])]
    page = post(town.site.client("rsl_link_officer"), "/enquiry", {"enquiry_id": ref})
    assert page.status_code == 404 and "asks what the policy" not in page.text
    assert ref in town.call("omu", "list", {"justification": WHY}).text


@pytest.mark.parametrize(("role", "path", "code"), [
    ("rsl_link_officer", "/enquiries/new", 200), ("solo", "/enquiries/new", 200),
    ("omu_analyst", "/enquiries/new", 403), ("cjsw", "/enquiries", 200),
    ("nhs_liaison", "/enquiries", 403), ("auditor", "/enquiries", 403),
    ("education_officer", "/enquiries", 403), ("mappa_coordinator", "/enquiries", 200),
])
def test_the_pages_for_exactly_the_roles_of_the_matrix(town: Town, role: str, path: str,
                                                       code: int) -> None:
    """The record form for those who receive enquiries (the SOLO, a Link Officer), the
    list for them and the Responsible Authorities; the navigation links it for them."""
    page = town.site.client(role).get(path)
    assert page.status_code == code, page.text
    listed = role in ("rsl_link_officer", "solo", "cjsw", "omu_analyst", "mappa_coordinator")
    assert ('href="/enquiries"' in page.text) == listed


@pytest.mark.parametrize(("typed", "field", "words"), [
    ({"summary": "short"}, "enquiry-summary", "summary: say what was raised"),
    ({"property_id": "DT-NOT-THERE"}, "enquiry-property_id", "not in the properties layer"),
    ({"property_id": "", "area": "FICTIONAL estate"}, "enquiry-council",
     "council: name the council"),
    ({"received_on": "31/12/2026"}, "enquiry-received_on", "write YYYY-MM-DD"),
    ({"kind": "gossip"}, "enquiry-kind", "kind &#39;gossip&#39; is not one of"),
])
def test_a_refusal_stands_beside_its_field_and_nothing_is_written(
        town: Town, typed: dict[str, str], field: str, words: str) -> None:
    """Standards: the field and how to fix it, what was typed kept, nothing written."""
    before = enquiries_stored(town)
    form = {"kind": "concern", "channel": "phone", "raised_by": "public",
            "summary": "FICTIONAL: a neighbour is worried about a visitor",
            "property_id": town.property_id} | typed
    page = post(town.site.client("rsl_link_officer"), "/enquiries/new", form)
    assert page.status_code == 422, page.text
    beside = error_beside(page.text, field)
    assert beside is not None and words in beside, page.text
    assert "a neighbour is worried" in page.text or typed.get("summary") == "short"
    assert enquiries_stored(town) == before


def test_a_police_link_to_an_unknown_subject_is_refused_on_the_page(town: Town) -> None:
    """An unknown subject id is refused beside the field; the enquiry is unchanged."""
    ref = town.call("link", "record", {
        "kind": "concern", "channel": "phone", "raised_by": "public",
        "summary": "FICTIONAL: a neighbour is worried about a visitor",
        "property_id": town.property_id}).json()["enquiry_id"]
    page = post(town.site.client("omu_analyst"), "/enquiry/link",
                {"enquiry_id": ref, "subject_id": "FICTIONAL-NOBODY"})
    assert page.status_code == 404
    beside = error_beside(page.text, "link-subject_id")
    assert beside is not None and "not in the subjects layer" in beside
    shown = town.call("omu", "show", {"enquiry_id": ref, "justification": WHY}).json()
    assert shown["links"] == []
    assert json.dumps(shown).count("FICTIONAL-NOBODY") == 0
