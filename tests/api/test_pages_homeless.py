"""The homelessness and transfer pages (issue 20, item 6; Dorset MAPPA procedure s19;
NASSO 5.2): council staff record a presentation (a bail hostel refused beside the field,
nothing written: R120), place in temporary accommodation (a placement breaking the
subject's condition refused beside the property with the reason the subject check gives;
R121), record advice (R77) and decide transfers; a landlord's Link Officer records a
neighbouring tenant's application and sees back only their own record, no subject (R118);
roles the matrix refuses get a refusal page; every read and record is audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from geo_era.data.layer_store import LayerStore
from geo_era.db.store import HomelessPresentation, PlacementMove, session_scope
from geo_era.workspace import Workspace
from tests.api.casepages import CaseSite, case_site, error_beside, post
from tests.conftest import iso_today

SUBJECT = "FICTIONAL-S000003"  # no residence within 200 m of a school
LANDLORD = "Rowanlea Housing Association"


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[CaseSite]:
    made = case_site(demo_files, tmp_path_factory.mktemp("homeless-pages") / "home")
    yield made
    made.engine.dispose()


def _homes(site: CaseSite) -> tuple[str, str, str]:
    """A property breaking the subject's condition and the subject check's message for
    it, and one with no conflict (found through the subject check, another door)."""
    workspace = Workspace(LayerStore(site.home))
    pids = workspace.store.read_attributes("properties", ["property_id"])["property_id"]
    breaking = clean = message = ""
    for pid in pids.astype(str).iloc[:400]:
        conflicts = workspace.check(SUBJECT, pid).conflicts
        if not breaking and [c.kind for c in conflicts] == ["no_residence_within"]:
            breaking, message = pid, conflicts[0].message
        if not clean and not conflicts:
            clean = pid
    assert breaking and clean
    return breaking, message, clean


def presentations(site: CaseSite) -> int:
    with session_scope(site.engine) as session:
        return int(session.scalar(select(func.count()).select_from(HomelessPresentation))
                   or 0)


def test_council_staff_record_presentations_placements_and_advice(site: CaseSite) -> None:
    """R120, R121, R77 over the pages, as the SOLO of the council."""
    solo = site.client("solo")
    assert solo.get("/homeless").status_code == 200
    present = {"subject_id": SUBJECT, "presented_on": iso_today(),
               "duty": "unintentionally_homeless",
               "reasons": "FICTIONAL: released with no home", "local_connection": "residence",
               "local_connection_note": "FICTIONAL Bail Hostel, Mill Street"}
    before = len(site.audit())
    refused = post(solo, "/homeless/present", present)
    assert refused.status_code == 422
    beside = error_beside(refused.text, "present-local_connection")
    assert beside is not None and "bail hostel does not create a local connection" in beside
    assert presentations(site) == 0 and len(site.audit()) == before
    assert "FICTIONAL Bail Hostel, Mill Street" in refused.text  # what was typed, kept
    done = post(solo, "/homeless/present", {**present, "local_connection": "none",
                                             "local_connection_note": ""})
    assert done.status_code == 200, done.text[:500]
    assert "HLP-000001 recorded" in done.text and "not negated" in done.text

    breaking, message, clean = _homes(site)
    place = {"presentation": "HLP-000001", "starts_on": iso_today(), "ends_on": ""}
    broken = post(solo, "/homeless/place", {**place, "property_id": breaking})
    assert broken.status_code == 409
    beside = error_beside(broken.text, "place-property_id")
    assert beside is not None and message in beside.replace("&#39;", "'")
    with session_scope(site.engine) as session:
        assert session.scalar(select(func.count()).select_from(PlacementMove)) == 0
    placed = post(solo, "/homeless/place", {**place, "property_id": clean})
    assert placed.status_code == 200 and f"temporary accommodation at {clean}" in placed.text
    assert f"TA-000001 at {clean} from {iso_today()}" in placed.text

    advised = post(solo, "/homeless/advise", {
        "subject_id": SUBJECT, "given_on": iso_today(), "options": ["social_rented"],
        "advice": "FICTIONAL: apply to the housing list", "services": ["addictions"]})
    assert advised.status_code == 200 and "HOA-000001 recorded" in advised.text
    assert "Liaised with addiction services" in advised.text
    bad = post(solo, "/homeless/advise", {"subject_id": SUBJECT, "given_on": iso_today(),
                                          "advice": "FICTIONAL: apply to the list"})
    assert bad.status_code == 422 and error_beside(bad.text, "advise-options")

    # police read the record; a partner agency may not see the page
    shown = post(site.client("omu_analyst"), "/homeless/show", {"subject_id": SUBJECT})
    assert shown.status_code == 200 and "HLP-000001" in shown.text
    assert "Record a homeless presentation" not in shown.text
    assert site.client("nhs_liaison").get("/homeless").status_code == 403


def test_a_link_officer_records_a_neighbours_application_and_sees_no_subject(
        site: CaseSite) -> None:
    """R118 over the pages: the Link Officer records a neighbouring tenant's application
    about one of their tenancies; the SOLO links it to the subject and grants it on a
    specific risk; the Link Officer then sees it decided, and nothing of the subject or
    the reasons, in the page."""
    link = site.client("rsl_link_officer")
    props = LayerStore(site.home).read_attributes("properties", ["property_id", "landlord"])
    own = str(props.loc[props["landlord"] == LANDLORD, "property_id"].iloc[0])
    other = str(props.loc[props["landlord"] != LANDLORD, "property_id"].iloc[0])
    page = link.get("/transfers")
    assert page.status_code == 200 and "Property id of the tenancy" in page.text
    request = {"kind": "neighbour", "requested_on": iso_today(),
               "grounds": "FICTIONAL: the tenant was a victim of the man upstairs",
               "specific_risk": "previous_victim"}
    theirs = post(link, "/transfers/request", {**request, "property_id": other})
    assert theirs.status_code == 404 and error_beside(theirs.text, "request-property_id")
    done = post(link, "/transfers/request", {**request, "property_id": own})
    assert done.status_code == 200 and "recorded: neighbour transfer request" in done.text
    reference = done.text.split(" recorded: neighbour")[0].rsplit(">", 1)[-1].strip()
    assert reference.startswith("TRF-")

    solo = site.client("solo")
    listed = solo.get("/transfers")
    assert reference in listed.text and "Decide a transfer request" in listed.text
    general = post(solo, "/transfers/decide", {
        "reference": reference, "decision": "granted", "specific_risk": "general",
        "reasons": "FICTIONAL: a general worry on the street"})
    assert general.status_code == 409
    assert "not a specific risk" in (error_beside(general.text, "decide-specific_risk") or "")
    granted = post(solo, "/transfers/decide", {
        "reference": reference, "decision": "granted", "subject_id": site.subject_id,
        "specific_risk": "previous_victim",
        "reasons": "FICTIONAL: a previous victim of the subject, confirmed by OMU"})
    assert granted.status_code == 200 and f"{reference} granted" in granted.text

    seen = link.get("/transfers").text
    assert reference in seen and "granted" in seen
    for hidden in (site.subject_id, SUBJECT, "previous victim of the subject",
                   "confirmed by OMU", "Decide a transfer request"):
        assert hidden not in seen
    # a role with no part in transfers is refused the page
    assert site.client("auditor").get("/transfers").status_code == 403


def test_the_start_page_leads_to_homelessness_and_transfers(site: CaseSite) -> None:
    """The start page links the roles that have them to the pages (the navigation too);
    a partner agency gets neither."""
    solo = site.client("solo").get("/").text
    assert 'href="/homeless"' in solo and "transfer requests and their decisions" in solo
    link = site.client("rsl_link_officer").get("/").text
    assert 'href="/homeless"' not in link
    assert "Record a neighbouring tenant's application" in link
    nhs = site.client("nhs_liaison").get("/").text
    assert 'href="/homeless"' not in nhs and 'href="/transfers"' not in nhs
