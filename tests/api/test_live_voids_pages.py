"""Live voids on the pages (NASSO 5.3, 3.12; R86, R88): a Link Officer publishes a void
near a housed subject and sees the flag alone, then marks it let; the SOLO sees the new
flagged void on the start page with the reasons, and the live voids of the council;
refusals beside the field, nothing written; roles the matrix does not name refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from geo_era.data.layer_store import LayerStore
from geo_era.db.store import VoidEvent, session_scope
from geo_era.workspace import Workspace
from tests.api.casepages import CaseSite, case_site, error_beside, post

LANDLORD = "Rowanlea Housing Association"


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[CaseSite]:
    found = case_site(demo_files, tmp_path_factory.mktemp("live-voids") / "home")
    yield found
    found.engine.dispose()


def near_home(site: CaseSite) -> tuple[str, str, str]:
    """A housed subject, their home, and a property of the landlord's in its NASSO 3.9
    minimum set (by ``Workspace.minimum_set``) that is not a void."""
    store = LayerStore(site.home)
    props = store.read_attributes("properties", ["property_id", "landlord", "is_void"])
    free = set(props.loc[(props["landlord"].fillna("") == LANDLORD)
                         & ~props["is_void"].fillna(False).astype(bool), "property_id"])
    subjects = store.read_attributes("subjects", ["subject_id", "current_property_id"])
    workspace = Workspace(store)
    for subject, home in zip(subjects["subject_id"], subjects["current_property_id"],
                             strict=True):
        if not isinstance(home, str):
            continue
        for pid in workspace.minimum_set(home).members["property_id"]:
            if pid != home and pid in free:
                return str(subject), home, str(pid)
    raise AssertionError("the demo town has a landlord's neighbour of a housed subject")


def events(site: CaseSite) -> list[tuple[str, str]]:
    with session_scope(site.engine) as session:
        return [(e.property_id, e.status) for e in session.scalars(
            select(VoidEvent).order_by(VoidEvent.id))]


def test_a_link_officer_publishes_sees_the_flag_only_and_lets(site: CaseSite) -> None:
    """5.3, 3.12: the published void carries "sensitive allocation required — contact the
    SOLO", nothing of who or why; the SOLO's start page lists it with the reasons (R88);
    marked let, it leaves the live list."""
    subject, home, pid = near_home(site)
    link = site.client("rsl_link_officer")
    page = link.get("/live-voids")
    assert page.status_code == 200 and 'action="/live-voids/publish"' in page.text
    since = len(site.audit())
    done = post(link, "/live-voids/publish", {"property_id": pid})
    assert done.status_code == 200, done.text
    assert "sensitive allocation required — contact the SOLO" in done.text
    assert subject not in done.text and home not in done.text
    assert "minimum set" not in done.text
    written = site.audit(since)
    assert [(e.record_type, e.role) for e in written][:1] == [("void_event",
                                                               "rsl_link_officer")]
    assert events(site)[-1] == (pid, "available")
    start = site.client("solo").get("/")
    assert start.status_code == 200, start.text
    table = start.text.split('class="ds_table start-voids"')[1].split("</table>")[0]
    assert pid in table and subject in table and "minimum set" in table
    council = site.client("solo").get("/live-voids")
    assert pid in council.text and subject in council.text
    let = post(link, "/live-voids/let", {"property_id": pid})
    assert let.status_code == 200, let.text
    assert events(site)[-1] == (pid, "let")
    listed = let.text.split('class="ds_table live-voids"')
    assert len(listed) == 1 or pid not in listed[1].split("</table>")[0]


def test_a_bad_publish_is_refused_beside_the_field(site: CaseSite) -> None:
    """Nothing named, or both an id and a list: refused beside the field, nothing
    written; another landlord's id is a row error shown, nothing written."""
    link = site.client("rsl_link_officer")
    before = events(site)
    empty = post(link, "/live-voids/publish", {"property_id": " "})
    assert empty.status_code == 422
    assert "give a property id" in (error_beside(empty.text, "publish-property_id") or "")
    store = LayerStore(site.home)
    props = store.read_attributes("properties", ["property_id", "landlord"])
    other = str(props.loc[props["landlord"].fillna(LANDLORD) != LANDLORD,
                          "property_id"].iloc[0])
    theirs = post(link, "/live-voids/publish", {"property_id": other})
    assert theirs.status_code == 200
    assert "a Link Officer publishes and lets their own" in theirs.text
    assert events(site) == before
    assert "Traceback" not in empty.text + theirs.text


@pytest.mark.parametrize("role", ["nhs_liaison", "auditor"])
def test_roles_without_need_to_know_are_refused(site: CaseSite, role: str) -> None:
    page = site.client(role).get("/live-voids")
    assert page.status_code == 403
    assert post(site.client(role), "/live-voids/publish",
                {"property_id": site.candidates[0]}).status_code == 403
