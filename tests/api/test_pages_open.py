"""Opening an ERA case in the browser (issue 19, item 3): the form at ``/cases/new`` opens
exactly the case the core opens from the same answers (subject, candidates picked and
typed, type, notification date, agencies, council), with exactly one audit entry; each
refusal of the core stands beside its field with everything typed kept and nothing
written; only the roles of ``case_open`` see the button and may post the form."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.workdays import add_working_days
from geo_era.db.store import Case, session_scope
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from tests.api.casepages import (
    PASSWORD,
    PURPOSE,
    CaseSite,
    case_site,
    error_beside,
    post,
)
from tests.api.test_browser import browser, hosts, sign_in  # noqa: F401 (a fixture)
from tests.api.test_browser import site as served_site  # noqa: F401 (a fixture)
from tests.conftest import enrol_totp, iso_today, officer, sign_in_pages

OTHER_COUNCIL = "FICTIONAL Glenmore Council"


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[CaseSite]:
    built = case_site(demo_files, tmp_path_factory.mktemp("open") / "home")
    yield built
    built.engine.dispose()


def voids(site: CaseSite) -> list[str]:
    """Void flats other than the ground case's candidates."""
    from geo_era.data.layer_store import LayerStore

    props = LayerStore(site.home).read_attributes("properties", ["property_id", "is_void"])
    found = props.loc[props["is_void"].fillna(False).astype(bool), "property_id"].astype(str)
    return [p for p in found if p not in site.candidates]


def subject_facts(site: CaseSite, subject: str) -> tuple[bool, bool]:
    """(on a licence or order, victim profile with children), read from the layer."""
    from geo_era.data.layer_store import LayerStore

    subjects = LayerStore(site.home).read_attributes(
        "subjects", ["subject_id", "on_licence_or_order", "victim_profile"])
    row = subjects[subjects["subject_id"].astype(str) == subject].iloc[0]
    return (bool(row["on_licence_or_order"]) if row["on_licence_or_order"] is not None
            and str(row["on_licence_or_order"]) != "<NA>" else False,
            "children" in str(row["victim_profile"]).lower())


def read_case(engine: Engine, case_id: str) -> dict[str, Any]:
    """What the store holds of a case (its references aside)."""
    with session_scope(engine) as session:
        case = session.get(Case, int(case_id.removeprefix("ERA-")))
        assert case is not None
        return {"subject_id": case.subject_id, "case_type": case.case_type,
                "lead": case.lead_agency, "notified": case.notified_on, "due": case.due_on,
                "authority": case.authority, "placing": case.placing_authority,
                "receiving": case.receiving_authority, "status": case.status,
                "properties": [(p.property_id, p.snapshot is not None)
                               for p in case.properties],
                "agencies": sorted((a.agency, a.due_on, a.added_because)
                                   for a in case.agencies)}


def cases(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


def audit_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def opened_id(page: str) -> str:
    found = re.search(r"Case (ERA-\d+) opened", page)
    assert found is not None, page[:2000]
    return found.group(1)


def test_opening_through_the_page_is_the_core_opening(demo_files: list[Path],
                                                      tmp_path: Path,
                                                      database_url: str) -> None:
    """The analyst picks one candidate (as the type-ahead posts it) and types another;
    the case read back is the core's from the same answers: subject, both candidates
    assessed in that order, type, notification date and its 7 clear working days (R18,
    R21), the lead agency by the licence (R4), police, the SOLO, the further agencies
    and, for victims who are children, Children and Families and Education (R3), the
    council; one audit entry, a collection of the new case and its subject with the
    session's purpose
    (R2, R8). SQLite and PostgreSQL."""
    site = case_site(demo_files, tmp_path / "home", database_url)
    omu = site.client("omu_analyst")
    form = omu.get("/cases/new")
    assert form.status_code == 200 and 'id="open-property_search"' in form.text
    first, second = voids(site)[:2]
    notified = clock.today() - dt.timedelta(days=1)
    before = len(site.audit())
    page = post(omu, "/cases/new", {
        "subject_id": site.subject_id, "property_ids": [first],
        "property_address": ["picked by address"], "property_text": f"{second}\n",
        "case_type": "initial_new", "notified": notified.isoformat(),
        "agencies": ["nhs", "rsl"]})
    assert page.status_code == 200, page.text[:2000]
    case_id = opened_id(page.text)
    assert f"{case_id}: initial new" in page.text  # the case page
    added = site.audit(before)
    assert [(e.operation, e.record_type, e.record_ids, e.justification, e.outcome,
             e.actor) for e in added] == [
        ("collection", "case", [case_id, site.subject_id], PURPOSE, "allowed",
         "omu_analyst")]
    got = read_case(site.engine, case_id)
    on_licence, children = subject_facts(site, site.subject_id)
    lead = "cjsw" if on_licence else "police_scotland"
    expected_agencies = {lead, "police_scotland", "solo", "nhs", "rsl"}
    if on_licence:
        expected_agencies.add("cjsw")
    if children:
        expected_agencies |= {"childrens_services", "education"}
    assert got["subject_id"] == site.subject_id and got["case_type"] == "initial_new"
    assert got["notified"] == notified and got["lead"] == lead
    assert got["due"] == add_working_days(notified, 7)
    assert got["properties"] == [(first, True), (second, True)]
    assert {a for a, _, _ in got["agencies"]} == expected_agencies
    assert got["authority"] == site.authority and got["placing"] is None
    # the core, from the same answers, opens the same case
    core = open_assessed_case(site_store(site), site.engine, subject_id=site.subject_id,
                              property_ids=[first, second], case_type="initial_new",
                              notified=notified, agencies=["nhs", "rsl"],
                              actor=officer(), assess_now=True)
    assert read_case(site.engine, str(core["case_id"])) == got
    site.engine.dispose()


def site_store(site: CaseSite) -> Any:
    from geo_era.data.layer_store import LayerStore

    return LayerStore(site.home)


def test_an_out_of_area_case(site: CaseSite) -> None:
    """A council placing a subject in Inverallan: the placing and receiving councils are
    recorded (R65, R68 rest on them), the receiving one where the property lies."""
    omu = site.client("omu_analyst")
    home = voids(site)[2]
    page = post(omu, "/cases/new", {
        "subject_id": site.subject_id, "property_text": home, "case_type": "initial_new",
        "notified": iso_today(), "placing_authority": OTHER_COUNCIL,
        "receiving_authority": site.authority})
    assert page.status_code == 200, page.text[:2000]
    got = read_case(site.engine, opened_id(page.text))
    assert (got["placing"], got["receiving"], got["authority"]) == (
        OTHER_COUNCIL, site.authority, site.authority)
    assert "Out-of-area placement (NASSO 3.13)" in page.text


def council_officer(site: CaseSite) -> TestClient:
    """A SOLO of another council, signed in with a purpose."""
    name = "solo_elsewhere"
    add_user(site.engine, name, role="solo", organisation=OTHER_COUNCIL, password=PASSWORD)
    client = TestClient(site.app, raise_server_exceptions=False)
    sign_in_pages(client, site.engine, name, PASSWORD,
                  enrol_totp(site.engine, site.home, name), purpose=PURPOSE)
    return client


REFUSALS = [
    # (what is changed in the good form, the field, words of the refusal)
    ({"subject_id": "FICTIONAL-S999999"}, "open-subject_id", "not found"),
    ({"subject_id": "  "}, "open-subject_id", "give the subject id"),
    ({"property_text": "DT-9999999"}, "open-property_ids", "not found in layer"),
    ({"property_text": "not an id!"}, "open-property_ids", "is not a property id"),
    ({"notified": "2026-02-31"}, "open-notified", "is not a date"),
    ({"notified": (clock.today() + dt.timedelta(days=30)).isoformat()},
     "open-notified", "is in the future"),
    ({"case_type": "weekly"}, "open-case_type", "unknown ERA type"),
    ({"agencies": ["nhs", "the_press"]}, "open-agencies", "agency"),
    ({"placing_authority": OTHER_COUNCIL}, "open-placing_authority",
     "names both the placing and the receiving"),
    ({"placing_authority": OTHER_COUNCIL, "receiving_authority": OTHER_COUNCIL},
     "open-receiving_authority", "where the property lies"),
]


@pytest.mark.parametrize(("change", "field", "words"), REFUSALS,
                         ids=[r[1] + "-" + str(i) for i, r in enumerate(REFUSALS)])
def test_each_refusal_stands_beside_its_field(site: CaseSite, change: dict[str, Any],
                                              field: str, words: str) -> None:
    """Refused beside the field it concerns, in the core's words; the form keeps the
    subject, the picked candidate (with its address), the typed ids, the type, the date
    and the agencies ticked; no case and no audit entry is written (R2, R3, R18)."""
    omu = site.client("omu_analyst")
    picked, typed = voids(site)[3:5]
    good = {"subject_id": site.subject_id, "property_ids": [picked],
            "property_address": ["99 Picked Road, Inverallan"], "property_text": typed,
            "case_type": "initial_resident", "notified": iso_today(),
            "agencies": ["nhs"]}
    sent = {**good, **change}
    before = (cases(site.engine), audit_count(site.engine))
    page = post(omu, "/cases/new", sent)
    assert page.status_code in (404, 422), page.text[:1000]
    assert "Traceback" not in page.text
    beside = error_beside(page.text, field)
    assert beside is not None and words in beside, (field, beside)
    assert (cases(site.engine), audit_count(site.engine)) == before
    # everything typed is kept
    assert f'name="property_ids" value="{picked}"' in page.text
    assert "99 Picked Road, Inverallan" in page.text
    typed_back = re.search(r'id="open-property_ids"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert typed_back is not None and typed_back.group(1) == sent["property_text"]
    assert re.search(r'value="nhs" checked', page.text)
    if sent["subject_id"].strip():
        assert f'value="{sent["subject_id"]}"' in page.text
    assert f'value="{sent["notified"]}"' in page.text


def test_a_council_may_not_open_a_case_for_another(site: CaseSite) -> None:
    """A SOLO of another council opening on an Inverallan property: refused beside the
    candidates in the core's words, nothing written (R3; council staff act for their
    own council)."""
    elsewhere = council_officer(site)
    before = (cases(site.engine), audit_count(site.engine))
    page = post(elsewhere, "/cases/new", {
        "subject_id": site.subject_id, "property_text": voids(site)[5],
        "case_type": "initial_new", "notified": iso_today()})
    assert page.status_code == 422, page.text[:1000]
    beside = error_beside(page.text, "open-property_ids")
    assert beside is not None and f"only for {OTHER_COUNCIL}" in beside
    assert (cases(site.engine), audit_count(site.engine)) == before


@pytest.mark.parametrize("role", ["omu_analyst", "solo", "cjsw", "mappa_coordinator"])
def test_the_roles_of_case_open_see_the_button(site: CaseSite, role: str) -> None:
    """The start page and the case list offer "Open a case" to the roles of the matrix's
    ``case_open``, and the form opens for them (R3)."""
    client = site.client(role)
    for path in ("/", "/cases"):
        assert 'href="/cases/new">Open a case</a>' in client.get(path).text, (role, path)
    assert client.get("/cases/new").status_code == 200


@pytest.mark.parametrize("role", ["nhs_liaison", "childrens_social_work", "auditor",
                                  "rsl_link_officer"])
def test_other_roles_see_no_button_and_are_refused(site: CaseSite, role: str) -> None:
    """Partner agencies, the auditor and a Link Officer: no button; the form and its
    POST are refused (403), the POST writes no case, only the refusal's audit entry."""
    client = site.client(role)
    for path in ("/", "/cases"):
        answer = client.get(path)
        assert "/cases/new" not in answer.text, (role, path)
    assert client.get("/cases/new").status_code == 403
    before = (cases(site.engine), len(site.audit()))
    refused = post(client, "/cases/new", {
        "subject_id": site.subject_id, "property_text": voids(site)[0],
        "case_type": "initial_new", "notified": iso_today()})
    assert refused.status_code == 403 and "Traceback" not in refused.text
    assert cases(site.engine) == before[0]
    added = site.audit(before[1])
    assert [(e.operation, e.outcome, e.actor) for e in added] == [
        ("consultation", "denied", role)]


def test_the_triggers_prefill_the_form_and_write_nothing(site: CaseSite) -> None:
    """"Open a case for ..." from the review triggers shows the form filled in (subject,
    home, type, today's date) and opens nothing (R13)."""
    omu = site.client("omu_analyst")
    before = (cases(site.engine), audit_count(site.engine))
    page = post(omu, "/cases/new", {"prefill": "yes", "subject_id": site.subject_id,
                                    "property_text": "DT-0000855",
                                    "case_type": "annual_review"})
    assert page.status_code == 200
    assert f'value="{site.subject_id}"' in page.text and ">DT-0000855</textarea>" in page.text
    assert 'value="annual_review" selected' in page.text
    assert f'value="{iso_today()}"' in page.text
    assert (cases(site.engine), audit_count(site.engine)) == before


def test_the_type_ahead_picks_several_candidates(browser: Any,  # noqa: F811
                                                 served_site: dict[str, Any],  # noqa: F811
                                                 ) -> None:
    """In Chromium: two candidates picked by address (one by mouse, one by keyboard
    alone), one removed again, an id typed; the case opens with the one left picked and
    the one typed, in that order (R2); Enter in the search box never sends the form."""
    site = served_site
    page, requests = sign_in(browser, site, "omu")
    page.get_by_role("link", name="Open a case").first.click()
    page.get_by_role("heading", name="Open an ERA case").wait_for()
    box = page.get_by_role("combobox", name="Find a candidate by address")
    options = page.get_by_role("listbox", name="Matching properties").get_by_role("option")
    box.fill("Alder Place")
    options.first.wait_for(timeout=10_000)
    first = options.first.get_attribute("data-property-id")
    options.first.click()
    box.fill("Rowan")
    options.first.wait_for(timeout=10_000)
    second = options.first.get_attribute("data-property-id")
    box.press("ArrowDown")
    box.press("Enter")
    picked = page.locator("#open-picked input[name=property_ids]")
    assert [picked.nth(i).get_attribute("value") for i in range(picked.count())] == [
        first, second]
    box.press("Enter")  # nothing active: the form is not sent
    assert page.get_by_role("heading", name="Open an ERA case").is_visible()
    page.locator("#open-picked li").first.get_by_role("button", name="Remove").click()
    assert picked.count() == 1
    typed = site["void"] if site["void"] not in (first, second) else site["own_void"]
    page.get_by_label("Or type property ids").fill(typed)
    page.get_by_label("Subject id").fill(site["subjects"][1])
    page.get_by_role("button", name="Open the case").click()
    notice = page.locator("#notice")
    notice.wait_for(timeout=30_000)
    found = re.search(r"Case (ERA-\d+) opened", notice.inner_text())
    assert found is not None
    got = read_case(site["engine"], found.group(1))
    assert [p for p, _ in got["properties"]] == [second, typed]
    assert hosts(requests) == {"127.0.0.1"}
    page.close()
