"""Staff-safety markers on the pages (NASSO 69-70, 5.3; REQUIREMENTS.md R93, R99): the
Responsible Authorities record and review them; the landlord's Link Officer and the
contractor named read how to visit, never why; another landlord's Link Officer and
another firm see nothing of them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from geo_era import clock
from geo_era.db.store import StaffSafetyMarker, session_scope
from tests.api.casepages import CaseSite, case_site, error_beside, post
from tests.conftest import iso_today

LANDLORD = "Rowanlea Housing Association"
REASON = "FICTIONAL: threatened a concierge with a knife"
TEXT = "FICTIONAL: the concierge opens the door; never go up alone"


@pytest.fixture
def site(demo_files: list[Path], home: Path) -> CaseSite:
    return case_site(demo_files, home)


def _rowanlea_home(site: CaseSite) -> str:
    from geo_era.data.layer_store import LayerStore

    props = LayerStore(site.home).read_attributes("properties", ["property_id", "landlord"])
    return str(props.loc[props["landlord"] == LANDLORD, "property_id"].iloc[0])


def _markers(site: CaseSite) -> int:
    with session_scope(site.engine) as session:
        return int(session.scalar(select(func.count()).select_from(StaffSafetyMarker)) or 0)


def _section(page: str) -> str:
    found = re.search(r"<h2>(.*?)</main>", page, re.S)
    assert found is not None
    return found.group(1)


def test_a_marker_on_the_pages_shown_to_the_landlord_and_firm_never_why(
        site: CaseSite) -> None:
    """R99, issue 20's "done when" in HTML: recorded by the police, its text approved
    by the MAPPA coordinator, the marker is shown to the landlord's Link Officer and the
    firm named with no subject id, offence or reason; another landlord's Link Officer
    and another firm see nothing of it, and asking for its property reads as asking
    for one with none."""
    home = _rowanlea_home(site)
    omu = site.client("omu_analyst")
    recorded = post(omu, "/markers/new", {
        "property_id": home, "instructions": ["visit_in_pairs", "office_only"],
        "practical_text": TEXT, "review_on": iso_today(),
        "expires_on": (clock.today() + dt.timedelta(days=60)).isoformat(),
        "firms": "FICTIONAL Allan Repairs Ltd\n", "subject_id": site.subject_id,
        "reason": REASON})
    assert recorded.status_code == 200, recorded.text
    ref = re.search(r"Recorded (SSM-\d{6})", recorded.text)
    assert ref is not None, recorded.text
    marker = ref.group(1)
    assert site.subject_id in recorded.text and REASON in recorded.text  # theirs
    # the writer cannot approve their own text; the coordinator can
    own = post(omu, "/markers/review", {"marker_id": marker, "approve_text": "yes"})
    assert own.status_code == 422 and "you wrote it" in own.text
    assert error_beside(own.text, f"review-{marker}-review_on") is not None
    approved = post(site.client("mappa_coordinator"), "/markers/review",
                    {"marker_id": marker, "approve_text": "yes"})
    assert approved.status_code == 200 and "approved by mappa_coordinator" in approved.text
    # the owner's start page lists it: its review date is today
    start = omu.get("/")
    assert marker in start.text and 'class="ds_table start-markers"' in start.text
    for role in ("rsl_link_officer", "contractor"):
        page = site.client(role).get("/safety")
        assert page.status_code == 200, page.text
        assert marker in page.text and TEXT in page.text
        assert "Visit in pairs" in page.text and "contact the SOLO" in page.text
        for secret in (site.subject_id, REASON, "knife", "omu_analyst",
                       "mappa_coordinator"):
            assert secret not in page.text, (role, secret)
        assert 'href="/safety"' in site.client(role).get("/").text
    for role in ("other_link", "other_contractor"):
        client = site.client(role)
        assert marker not in client.get("/safety").text
        asked = post(client, "/safety", {"property_id": home})
        absent = post(client, "/safety", {"property_id": "DT-NOT-THERE"})
        assert asked.status_code == absent.status_code == 200
        assert _section(asked.text).replace(home, "X") == \
            _section(absent.text).replace("DT-NOT-THERE", "X")
        assert marker not in asked.text
    # the landlord's Link Officer sees it on the property's page; another's does not
    own_page = post(site.client("rsl_link_officer"), "/property", {"property_id": home})
    assert own_page.status_code == 200 and TEXT in own_page.text
    assert site.subject_id not in own_page.text and REASON not in own_page.text
    other_page = post(site.client("other_link"), "/property", {"property_id": home})
    assert "No staff-safety instructions for this property." in other_page.text
    assert TEXT not in other_page.text
    # nobody else reads the markers page
    assert site.client("rsl_link_officer").get("/markers").status_code == 403
    assert site.client("contractor").get("/markers").status_code == 403


def test_a_refused_marker_keeps_what_was_typed_and_writes_nothing(site: CaseSite) -> None:
    """R93: a review date after the expiry is refused beside the review date, with what
    was typed kept; nothing written."""
    omu = site.client("omu_analyst")
    before = _markers(site)
    refused = post(omu, "/markers/new", {
        "property_id": _rowanlea_home(site), "instructions": ["office_only"],
        "review_on": (clock.today() + dt.timedelta(days=30)).isoformat(),
        "expires_on": (clock.today() + dt.timedelta(days=10)).isoformat(),
        "reason": "FICTIONAL typed reason"})
    assert refused.status_code == 422
    beside = error_beside(refused.text, "markernew-review_on")
    assert beside is not None and "after the expiry date" in beside
    assert "FICTIONAL typed reason" in refused.text
    assert 'value="office_only" checked' in refused.text  # the instruction ticked stays
    undated = post(omu, "/markers/new", {"property_id": "X", "review_on": "soon",
                                         "expires_on": ""})
    assert undated.status_code == 422
    assert "write YYYY-MM-DD" in (error_beside(undated.text, "markernew-review_on") or "")
    assert _markers(site) == before
