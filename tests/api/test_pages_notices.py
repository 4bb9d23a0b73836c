"""Landlord notifications (NASSO 5.3) in the pages, over the demo town: a Link Officer
tells the SOLO and follows its status; the SOLO finds it on the start page, reads it,
links it to a subject and opens a review (3.4) from it; every other role is refused.
The Link Officer's pages hold no subject id, case or note.

REQUIREMENTS.md: R87, R91, R97.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo_era.data.layer_store import LayerStore
from tests.api.casepages import ROLES, CaseSite, case_site, error_beside, post
from tests.conftest import iso_today

LANDLORD = "Rowanlea Housing Association"
#: The roles that see the notifications from landlords (notice_list), and the landlord's.
AUTHORITIES = {"omu_analyst", "solo", "cjsw", "mappa_coordinator"}
HOUSING = {"rsl_link_officer", "rsl_case_officer"}


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[CaseSite]:
    found = case_site(demo_files, tmp_path_factory.mktemp("notices") / "home")
    yield found
    found.engine.dispose()


def their_home(site: CaseSite) -> str:
    props = LayerStore(site.home).read_attributes("properties", ["property_id", "landlord"])
    return str(props.loc[props["landlord"] == LANDLORD, "property_id"].iloc[0])


def housed(site: CaseSite) -> tuple[str, str]:
    subjects = LayerStore(site.home).read_attributes("subjects", ["subject_id",
                                                                  "current_property_id"])
    row = subjects.loc[subjects["current_property_id"].notna()].iloc[0]
    return str(row["subject_id"]), str(row["current_property_id"])


def form(**changes: str) -> dict[str, str]:
    return {"property_id": "", "kind": "possession", "occurred_on": iso_today(),
            "details": "FICTIONAL: proceedings for possession raised at the sheriff court",
            "landlord_reference": "RHA/T/0042", **changes}


def sent_rows(page: str) -> list[list[str]]:
    found = re.search(r'<table class="ds_table notices-sent">(.*?)</table>', page, re.S)
    assert found is not None, "no table of notifications sent"
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row,
                                                                   re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)]
    return [row for row in rows if row]


@pytest.fixture
def own_site(demo_files: list[Path], tmp_path: Path) -> Iterator[CaseSite]:
    """A site of its own: the other tests here send notifications of their own, and
    this one starts from none, in whatever order the tests run."""
    found = case_site(demo_files, tmp_path / "home")
    yield found
    found.engine.dispose()


def test_a_notification_from_the_link_officer_to_a_review(own_site: CaseSite) -> None:
    """R91, R97, R87: the Link Officer's form refuses a missing detail beside its field
    (nothing written) and another landlord's home as one that does not exist; sent, it
    shows "sent to the SOLO"; the SOLO's start page lists it, new, flagged "may no longer
    be manageable"; the SOLO reads it (received), links it (one combination entry) and
    opens a review (the case's collection and the notification's alteration), and the
    case is in the case list; the Link Officer then reads "acted on" and nothing of the
    subject, the case or the note."""
    site = own_site
    link, solo = site.client("rsl_link_officer"), site.client("solo")
    home = their_home(site)
    empty = link.get("/notices")
    assert empty.status_code == 200 and "No notifications sent yet" in empty.text
    before = len(site.audit())
    bad = post(link, "/notices/new", form(property_id=home, details="  "))
    assert bad.status_code == 422
    assert "the details is needed" in (error_beside(bad.text, "notice-details") or "")
    assert 'value="RHA/T/0042"' in bad.text  # what was typed comes back
    other = post(link, "/notices/new", form(property_id="DT-NOT-THERE"))
    assert other.status_code == 404
    assert "is not one of Rowanlea Housing Association&#39;s homes" in (
        error_beside(other.text, "notice-property_id") or "")
    assert [e.record_type for e in site.audit(before) if e.operation == "collection"] == []

    done = post(link, "/notices/new", form(property_id=home))
    assert done.status_code == 200, done.text
    ref = re.search(r"(LN-\d{6}) sent to the SOLO", done.text)
    assert ref is not None
    reference = ref.group(1)
    assert sent_rows(done.text)[0][0] == reference
    assert sent_rows(done.text)[0][-1] == "sent to the SOLO"

    start = solo.get("/")
    table = re.search(r'<table class="ds_table start-notices">(.*?)</table>', start.text,
                      re.S)
    assert table is not None and reference in table.group(1)
    assert "may no longer be manageable" in table.group(1)
    assert "<strong class=\"ds_tag\">new</strong>" in table.group(1)
    shown = post(solo, "/notice", {"reference": reference})
    assert shown.status_code == 200 and "The tenancy may no longer be manageable" in \
        shown.text
    assert sent_rows(link.get("/notices").text)[0][-1] == "received by the SOLO"

    subject, subject_home = housed(site)
    before = len(site.audit())
    linked = post(solo, "/notices/link", {"reference": reference, "subject_id": subject,
                                          "note": "FICTIONAL: the OMU knows the tenant"})
    assert linked.status_code == 200 and f"{reference} linked to {subject}" in linked.text
    assert [(e.operation, e.record_type, e.record_ids, e.actor)
            for e in site.audit(before)] == [
        ("combination", "landlord_notification", [reference, subject], "solo")]
    before = len(site.audit())
    reviewed = post(solo, "/notices/review", {"reference": reference})
    assert reviewed.status_code == 200, reviewed.text
    case = re.search(r"Review opened: (ERA-\d{6})", reviewed.text)
    assert case is not None
    case_id = case.group(1)
    written = site.audit(before)
    assert [(e.operation, e.record_type, e.record_ids) for e in written] == [
        ("collection", "case", [case_id, subject]),
        ("alteration", "landlord_notification", [reference, case_id])]
    assert written[0].justification is not None
    assert written[0].justification.startswith(
        f"review (NASSO 3.4) from landlord notification {reference}: ")
    assert case_id in site.client("omu_analyst").get("/cases").text

    mine = link.get("/notices").text
    assert sent_rows(mine)[0][-1] == "acted on"
    for secret in (subject, case_id, "the OMU knows", subject_home, "ERA-"):
        assert secret not in mine, secret
    assert subject not in link.get("/").text


def test_each_role_gets_the_pages_the_matrix_gives(site: CaseSite) -> None:
    """R91: the notifications page is the landlord's own (with the form) for its staff,
    the inbox for the Responsible Authorities, refused to everyone else; the link and
    review forms only to those who may link (not CJSW, which reads them as a lead
    agency)."""
    for role in ROLES:
        client = site.client(role)
        page = client.get("/notices")
        if role in HOUSING:
            assert page.status_code == 200 and 'action="/notices/new"' in page.text, role
            assert ">Notifications</a>" in client.get("/").text, role
        elif role in AUTHORITIES:
            assert page.status_code == 200 and "Notifications from landlords" in \
                page.text, role
            assert 'action="/notices/new"' not in page.text, role
        else:
            assert page.status_code == 403, role
            assert ">Notifications</a>" not in client.get("/").text, role
        refused = post(client, "/notices/new", form(property_id=their_home(site)))
        assert (refused.status_code == 403) == (role not in HOUSING), role
        read = post(client, "/notice", {"reference": "LN-000001"})
        assert (read.status_code == 403) == (role not in AUTHORITIES), role
        linked = post(client, "/notices/link", {"reference": "LN-999999",
                                                "subject_id": "FICTIONAL-S000001"})
        may_link = role in {"omu_analyst", "solo", "mappa_coordinator"}
        assert (linked.status_code == 403) == (not may_link), role
        assert "Traceback" not in linked.text
