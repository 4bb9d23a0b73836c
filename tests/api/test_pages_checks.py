"""The case page's forms with which an agency records its checks and agreement, and the
minimum-set work (issue 19, item 3): the agency's 3.7 database checklist of a candidate,
its agreement (3.11), the physical check page (3.8 with the minimum set's dwellings,
3.9), re-assessing, extending the set and adding or removing a dwelling; each against
what the core then holds, each refusal beside its field with nothing written, each
form only for the roles that may take it. On SQLite and PostgreSQL where the store is
involved."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from geo_era.db.store import Check, DwellingOutcome, SetChange, session_scope
from geo_era.security.audit import AuditEntry
from geo_era.settings import NASSO_DATABASE_CHECKS
from tests.api.casepages import CaseSite, case_site, error_beside, post

POLICE_ITEMS = list(NASSO_DATABASE_CHECKS["police_scotland"])
PHYSICAL = ["victim_profile", "play_park", "community_centre", "place_of_worship", "shop",
            "school_nursery", "sheltered_housing", "cctv", "licensed_premises"]


@pytest.fixture
def site(demo_files: list[Path], tmp_path: Path, database_url: str) -> Iterator[CaseSite]:
    """The demo town with one case of two assessed candidates, on both backends."""
    yield case_site(demo_files, tmp_path / "home", database_url)


@pytest.fixture(scope="module")
def lite(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[CaseSite]:
    """One SQLite case site shared by the tests that write only where they refuse."""
    ground = case_site(demo_files, tmp_path_factory.mktemp("lite") / "home")
    for role in ("omu_analyst", "nhs_liaison", "mappa_coordinator", "education_officer",
                 "childrens_social_work"):
        ground.client(role)  # signed in before any test counts the audit trail
    yield ground


def rows(site: CaseSite) -> dict[str, int]:
    """How many checks, dwelling outcomes and set changes the store holds."""
    with session_scope(site.engine) as session:
        return {name: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for name, model in (("checks", Check), ("dwellings", DwellingOutcome),
                                    ("set_changes", SetChange))}


def seen(site: CaseSite) -> int:
    return len(site.audit())


def operations(entries: list[AuditEntry]) -> list[tuple[str, str]]:
    return [(e.operation, e.outcome) for e in entries]


def case_page(site: CaseSite, role: str, candidate: int = 0) -> str:
    answer = post(site.client(role), "/case", {"case_id": site.case_id,
                                               "property_id": site.candidates[candidate]})
    assert answer.status_code == 200, answer.text[:300]
    return str(answer.text)


def checked(page: str, field_id: str) -> bool:
    """Whether the radio ``field_id`` is checked on ``page``."""
    found = re.search(rf'<input[^>]*id="{re.escape(field_id)}"[^>]*>', page)
    assert found is not None, f"no field {field_id}"
    return " checked" in found.group(0)


def textarea(page: str, field_id: str) -> str:
    found = re.search(rf'<textarea[^>]*id="{re.escape(field_id)}"[^>]*>(.*?)</textarea>',
                      page, re.S)
    assert found is not None, f"no text area {field_id}"
    return html.unescape(found.group(1))


def checklist_form(site: CaseSite, outcomes: dict[str, tuple[str, str]],
                   candidate: int = 0) -> dict[str, str]:
    """The police checklist as the browser posts it: every notes field, the outcome
    radios chosen."""
    data = {"case_id": site.case_id, "property_id": site.candidates[candidate]}
    for item in POLICE_ITEMS:
        outcome, notes = outcomes.get(item, ("", ""))
        data[f"notes-{item}"] = notes
        if outcome:
            data[f"outcome-{item}"] = outcome
    return data


def test_checklist_records_every_item_in_one_transaction(site: CaseSite) -> None:
    """R30, R31: the police records its whole 3.7 checklist of one candidate from
    the case page: each item with its outcome and notes is what the case then holds
    for that candidate (and not the other), with one audit alteration for the batch
    (the case shown after it is read in that same transaction); the page shows them again."""
    page = case_page(site, "omu_analyst")
    for item in POLICE_ITEMS:
        assert f'id="checklist-outcome-{item}"' in page and f'id="checklist-notes-{item}"' in page
    outcomes = {item: ("clear", "") for item in POLICE_ITEMS}
    outcomes["vpd"] = ("concern", "a FICTIONAL child protection marker next door")
    outcomes["mapping"] = ("not_applicable", "FICTIONAL: no mapping system here")
    before = seen(site)
    answer = post(site.client("omu_analyst"), "/case/checklist",
                  checklist_form(site, outcomes))
    assert answer.status_code == 200, answer.text[:500]
    assert "database checks were recorded" in answer.text
    with session_scope(site.engine) as session:
        held = {c.item: (c.outcome, c.notes or "", c.property_id, c.agency, c.kind)
                for c in session.scalars(select(Check))}
    assert held == {item: (o, n, site.candidates[0], "police_scotland", "database")
                    for item, (o, n) in outcomes.items()}
    new = site.audit(before)
    assert operations(new) == [("alteration", "allowed")]
    assert new[0].record_ids[0] == site.case_id
    assert checked(answer.text, "checklist-outcome-visor")
    assert checked(answer.text, "checklist-outcome-vpd-2")  # concern
    assert "child protection marker" in textarea(answer.text, "checklist-notes-vpd")
    # saved again unchanged: nothing new to record, refused, nothing written
    before, counts = seen(site), rows(site)
    again = post(site.client("omu_analyst"), "/case/checklist", checklist_form(site, outcomes))
    assert again.status_code == 422
    assert "nothing new to record" in (error_beside(again.text, "checklist-outcome-visor")
                                       or "")
    assert rows(site) == counts
    assert operations(site.audit(before)) == [("consultation", "allowed")]


def test_checklist_refusal_beside_the_item_keeps_every_typed_value(lite: CaseSite) -> None:
    """R30, R33: a concern without notes refuses the whole checklist: the core's words
    beside that item's notes, every item's typed outcome and notes kept, no check
    written and no alteration audited (only the consultation of showing the case)."""
    outcomes = {item: ("clear", "") for item in POLICE_ITEMS}
    outcomes["pnc"] = ("clear", "FICTIONAL: nothing on PNC")
    outcomes["sid"] = ("concern", "")
    before, counts = seen(lite), rows(lite)
    answer = post(lite.client("omu_analyst"), "/case/checklist",
                  checklist_form(lite, outcomes))
    assert answer.status_code == 422
    message = error_beside(answer.text, "checklist-notes-sid")
    assert message is not None and "concern outcome needs notes" in message
    assert message.startswith("SID")
    assert checked(answer.text, "checklist-outcome-sid-2")
    assert checked(answer.text, "checklist-outcome-visor")
    assert textarea(answer.text, "checklist-notes-pnc") == "FICTIONAL: nothing on PNC"
    assert rows(lite) == counts
    assert operations(lite.audit(before)) == [("consultation", "allowed")]


def test_checklist_only_the_callers_agency(lite: CaseSite) -> None:
    """R28, R31: the NHS sees its own checklist (its case management, the offender's
    record) and none of the police's items; the MAPPA coordinator, who records no check,
    sees no checklist and posting one is refused with nothing written."""
    nhs = case_page(lite, "nhs_liaison")
    assert 'id="checklist-outcome-case_management"' in nhs
    assert all(f'checklist-outcome-{item}"' not in nhs for item in POLICE_ITEMS)
    assert "Record the physical check" not in nhs
    coordinator = case_page(lite, "mappa_coordinator")
    assert 'action="/case/checklist"' not in coordinator
    assert 'action="/case/agreement"' not in coordinator
    before, counts = seen(lite), rows(lite)
    refused = post(lite.client("mappa_coordinator"), "/case/checklist",
                   checklist_form(lite, {"visor": ("clear", "")}))
    assert refused.status_code == 403
    assert rows(lite) == counts
    assert operations(lite.audit(before)) == [("consultation", "denied")]
    # the NHS posting its own item and a police item: not its checklist, so neither is
    # written (the valid one is rolled back with the batch)
    form = {"case_id": lite.case_id, "property_id": lite.candidates[0],
            "outcome-case_management": "clear", "notes-case_management": "",
            "outcome-visor": "clear", "notes-visor": ""}
    wrong = post(lite.client("nhs_liaison"), "/case/checklist", form)
    assert wrong.status_code == 422
    assert "is not a database check of nhs" in wrong.text
    assert rows(lite) == counts


def test_agreement_records_and_refuses_a_disagreement_without_comments(site: CaseSite
                                                                        ) -> None:
    """R47: an agency disagreeing must say why: refused beside the comments,
    the choice kept, nothing written; agreeing with comments is what the case holds,
    with one alteration audited."""
    nhs = site.client("nhs_liaison")
    form = {"case_id": site.case_id, "property_id": site.candidates[0]}
    before = seen(site)
    refused = post(nhs, "/case/agreement", {**form, "agrees": "disagree", "comments": " "})
    assert refused.status_code == 422
    assert "record its concerns" in (error_beside(refused.text, "agreement-comments") or "")
    assert checked(refused.text, "agreement-agrees-2")
    assert operations(site.audit(before)) == [("consultation", "allowed")]
    before = seen(site)
    done = post(nhs, "/case/agreement", {**form, "agrees": "agree",
                                         "comments": "FICTIONAL: no health concern"})
    assert done.status_code == 200, done.text[:300]
    assert operations(site.audit(before)) == [("alteration", "allowed")]
    mine = post(site.client("omu_analyst"), "/case", form).text
    assert re.search(r"<td>nhs</td>.*?<td>yes</td><td>FICTIONAL: no health concern</td>",
                     mine, re.S), "the agreement is not what the case shows"
    assert checked(done.text, "agreement-agrees")
    none = post(nhs, "/case/agreement", form)
    assert none.status_code == 422
    assert error_beside(none.text, "agreement-agrees") is not None


def physical_form(site: CaseSite, page: str, *, dwelling: str = "does_not_fit",
                  dwelling_notes: str = "") -> dict[str, str]:
    """The physical check as the browser posts it: every item clear, but the victim
    profile a concern with notes; every dwelling row with ``dwelling``."""
    data = {"case_id": site.case_id, "property_id": site.candidates[0],
            "seen_on": "2026-01-05"}
    for item in PHYSICAL:
        data[f"outcome-{item}"] = "clear"
        data[f"notes-{item}"] = ""
    data["outcome-victim_profile"] = "concern"
    data["notes-victim_profile"] = "FICTIONAL: a swing in the next garden"
    for n, did in enumerate(re.findall(r'name="dwelling_id-\d+" value="([^"]+)"', page)):
        data[f"dwelling_id-{n}"] = did
        data[f"dwelling-{n}"] = dwelling
        data[f"dwelling_notes-{n}"] = dwelling_notes
    return data


def physical_page(site: CaseSite, role: str) -> Any:
    return post(site.client(role), "/case/physical",
                {"case_id": site.case_id, "property_id": site.candidates[0]})


def test_physical_check_records_items_and_dwellings_together(site: CaseSite) -> None:
    """R32-R35, R44: the physical check page lists NASSO 3.8's nine items and
    each dwelling of the candidate's minimum set; saved, every item and every dwelling's
    outcome is what the store holds (the visit's date, the candidate), with one audit
    alteration for the batch; the page shows them again, with the field sheet beside."""
    page = physical_page(site, "omu_analyst")
    assert page.status_code == 200, page.text[:300]
    for item in PHYSICAL:
        assert f'id="physical-outcome-{item}"' in page.text
    members = re.findall(r'name="dwelling_id-\d+" value="([^"]+)"', page.text)
    assert members, "the candidate's minimum set is not on the page"
    assert 'name="field_sheet"' in page.text and "/static/api/checks.css" in page.text
    before, counts = seen(site), rows(site)
    done = post(site.client("omu_analyst"), "/case/physical/save",
                physical_form(site, page.text))
    assert done.status_code == 200, done.text[:500]
    assert "physical check was recorded" in done.text
    with session_scope(site.engine) as session:
        held = {c.item: (c.outcome, c.kind, c.property_id)
                for c in session.scalars(select(Check))}
        visits = {(d.dwelling_id, d.outcome, d.seen_on.isoformat(), d.property_id)
                  for d in session.scalars(select(DwellingOutcome))}
    assert held == {i: ("concern" if i == "victim_profile" else "clear", "physical",
                        site.candidates[0]) for i in PHYSICAL}
    assert visits == {(d, "does_not_fit", "2026-01-05", site.candidates[0])
                      for d in members}
    assert rows(site)["dwellings"] == counts["dwellings"] + len(members)
    assert operations(site.audit(before)) == [("alteration", "allowed")]
    assert checked(done.text, "physical-outcome-victim_profile-2")
    assert checked(done.text, "physical-dwelling-0-2")


def test_physical_refusal_beside_the_dwelling_writes_nothing(lite: CaseSite) -> None:
    """R33, R34, R44: a household that fits the victim profile needs notes: the whole
    physical check is refused beside the first dwelling's notes, every typed item kept,
    no check and no dwelling outcome written."""
    page = physical_page(lite, "omu_analyst").text
    before, counts = seen(lite), rows(lite)
    answer = post(lite.client("omu_analyst"), "/case/physical/save",
                  physical_form(lite, page, dwelling="fits_profile"))
    assert answer.status_code == 422
    assert "victim profile is a concern" in (
        error_beside(answer.text, "physical-dwelling_notes-0") or "")
    assert textarea(answer.text, "physical-notes-victim_profile") == \
        "FICTIONAL: a swing in the next garden"
    assert checked(answer.text, "physical-dwelling-0")
    assert rows(lite) == counts
    assert operations(lite.audit(before)) == [("consultation", "allowed")]
    future = physical_form(lite, page)
    future["seen_on"] = "2999-01-01"
    late = post(lite.client("omu_analyst"), "/case/physical/save", future)
    assert late.status_code == 422
    assert "in the future" in (error_beside(late.text, "physical-seen_on") or "")
    assert rows(lite) == counts


def test_physical_check_only_for_agencies_that_see_the_surroundings(lite: CaseSite) -> None:
    """R28, R32: the NHS (which sees nothing of the neighbours) has no physical-check
    button; its page and its save are refused with nothing written. Education, which
    sees the neighbours but records no dwelling outcome, gets the nine items only and
    records them; posting dwellings too is refused with nothing written."""
    assert 'action="/case/physical"' not in case_page(lite, "nhs_liaison")
    assert physical_page(lite, "nhs_liaison").status_code in (403, 422)
    page = physical_page(lite, "omu_analyst").text
    before, counts = seen(lite), rows(lite)
    refused = post(lite.client("nhs_liaison"), "/case/physical/save",
                   physical_form(lite, page))
    assert refused.status_code in (403, 422)
    assert "records no physical check" in refused.text
    assert rows(lite) == counts
    assert all(op == "consultation" for op, _ in operations(lite.audit(before)))
    education = physical_page(lite, "education_officer")
    assert education.status_code == 200, education.text[:300]
    assert 'id="physical-outcome-cctv"' in education.text
    assert "dwelling_id-0" not in education.text
    items_only = {k: v for k, v in physical_form(lite, page).items()
                  if not k.startswith("dwelling")}
    done = post(lite.client("education_officer"), "/case/physical/save", items_only)
    assert done.status_code == 200, done.text[:300]
    assert rows(lite)["checks"] == counts["checks"] + len(PHYSICAL)
    counts = rows(lite)
    with_dwellings = post(lite.client("education_officer"), "/case/physical/save",
                          physical_form(lite, page))
    assert with_dwellings.status_code == 403
    assert rows(lite) == counts


def test_extend_set_and_member_change_the_set(site: CaseSite) -> None:
    """R42, R43: extending the set needs its reason (refused beside it, typed
    distance kept, nothing written); with one, the extension is what the case holds and
    the candidate is re-assessed with it; a dwelling added by hand, then removed, is
    recorded with its reason; re-assessing is audited as one combination."""
    omu = site.client("omu_analyst")
    form = {"case_id": site.case_id, "property_id": site.candidates[0]}
    before, counts = seen(site), rows(site)
    refused = post(omu, "/case/extend-set", {**form, "metres": "60", "reason": ""})
    assert refused.status_code == 422
    assert "reason" in (error_beside(refused.text, "extend-set-reason") or "")
    assert 'value="60"' in refused.text
    assert rows(site) == counts
    both = post(omu, "/case/extend-set", {**form, "metres": "60", "rings": "2",
                                          "reason": "FICTIONAL risk"})
    assert error_beside(both.text, "extend-set-metres") is not None
    bad = post(omu, "/case/extend-set", {**form, "metres": "sixty", "reason": "x"})
    assert "number of metres" in (error_beside(bad.text, "extend-set-metres") or "")
    assert rows(site) == counts
    assert {op for op, _ in operations(site.audit(before))} == {"consultation"}
    before = seen(site)
    done = post(omu, "/case/extend-set", {**form, "metres": "60",
                                          "reason": "FICTIONAL: a play park seen nearby"})
    assert done.status_code == 200, done.text[:300]
    assert operations(site.audit(before)) == [("alteration", "allowed")]
    with session_scope(site.engine) as session:
        change = session.scalars(select(SetChange)).one()
    assert (change.change, change.metres, change.rings, change.reason) == (
        "extend", 60.0, None, "FICTIONAL: a play park seen nearby")
    other = site.candidates[1]
    before = seen(site)
    added = post(omu, "/case/member", {**form, "dwelling_id": other, "change": "add",
                                       "reason": "FICTIONAL: shares the back court"})
    assert added.status_code == 200, added.text[:300]
    missing = post(omu, "/case/member", {**form, "dwelling_id": other, "change": "add",
                                         "reason": ""})
    assert "reason" in (error_beside(missing.text, "member-reason") or "")
    removed = post(omu, "/case/member", {**form, "dwelling_id": other, "change": "remove",
                                         "reason": "FICTIONAL: a wall between"})
    assert removed.status_code == 200, removed.text[:300]
    with session_scope(site.engine) as session:
        hand = [(c.change, c.dwelling_id, c.reason) for c in session.scalars(
            select(SetChange).where(SetChange.change != "extend").order_by(SetChange.id))]
    assert hand == [("add", other, "FICTIONAL: shares the back court"),
                    ("remove", other, "FICTIONAL: a wall between")]
    assert [op for op, _ in operations(site.audit(before))] == [
        "alteration", "consultation", "alteration"]
    before = seen(site)
    again = post(omu, "/case/assess", form)
    assert again.status_code == 200 and "re-assessed" in again.text
    assert operations(site.audit(before)) == [("combination", "allowed")]


def test_set_forms_only_for_agency_staff(lite: CaseSite) -> None:
    """R42, R43: Children & Families (a partner) sees no re-assess, extend or member
    form, and posting them is refused with nothing written."""
    page = case_page(lite, "childrens_social_work")
    for action in ("/case/assess", "/case/extend-set", "/case/member"):
        assert f'action="{action}"' not in page
    assert 'action="/case/physical"' in page  # it sees the surroundings
    client = lite.client("childrens_social_work")
    form = {"case_id": lite.case_id, "property_id": lite.candidates[0]}
    before, counts = seen(lite), rows(lite)
    for path, data in (("/case/assess", form),
                       ("/case/extend-set", {**form, "metres": "60", "reason": "x"}),
                       ("/case/member", {**form, "dwelling_id": lite.candidates[1],
                                         "change": "add", "reason": "x"})):
        assert post(client, path, data).status_code == 403, path
    assert rows(lite) == counts
    assert operations(lite.audit(before)) == [("consultation", "denied")] * 3

