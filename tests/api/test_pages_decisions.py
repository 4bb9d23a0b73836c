"""The lead agency's decision on the case page and what follows it (issue 19, items 3
and 5; NASSO 3.5, 3.11-3.13): responses to concerns and conflicts, Part C and Part D
each confirmed before they are recorded, an out-of-area placement's consent, reason,
plan and discussions, restrictions, the move in, where the ERA is held, an extension.

Each step is posted as the browser posts it (the form token), answered with the case
page; the record is read back from the core, and the audit entries each step writes are
counted and named. A refusal stands beside its field in the core's words, the typed
values kept, nothing written. The case is brought to Part C with the core directly
(checks, dwelling outcomes, agreements), not through other pages.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import create_app

from geo_era import clock
from geo_era.casework import approval_view
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import (
    PHYSICAL_ITEMS,
    approve,
    case_for_document,
    database_checklist,
    record_agreement,
    record_check,
    record_response,
    show_case,
)
from geo_era.casework.dwellings import record_dwelling
from geo_era.db.store import open_store
from geo_era.security.users import add_user
from geo_era.settings import Settings
from tests.api.casepages import PASSWORD, PURPOSE, CaseSite, case_site, error_beside, post
from tests.api.test_browser import browser, site  # noqa: F401 (fixtures)
from tests.api.test_browser import sign_in as browser_sign_in
from tests.conftest import enrol_totp, import_demo, iso_today, officer, sign_in_pages
from tests.dwelling_visits import visit_every_dwelling

CONCLUSION = "FICTIONAL: manageable with monthly visits by the SOLO"
REASONS = "FICTIONAL: every check done; the play park conflict answered"
#: The council placing a subject out of area into the case's council.
PLACING = "FICTIONAL Placing Council"


def doc(ground: CaseSite) -> dict[str, Any]:
    """The case as the core holds it (read as the local operator)."""
    return show_case(ground.engine, ground.case_id, actor=officer())


def ready(ground: CaseSite, pid: str, *, concern: bool = True) -> None:
    """Every check of ``pid`` (all clear, but the police's ViSOR check a concern when
    ``concern``), every dwelling of its set visited, every agency agreeing; without
    ``concern``, each hard conflict of its assessment answered too (nothing left)."""
    case = doc(ground)
    for item in PHYSICAL_ITEMS:
        record_check(ground.engine, ground.case_id, agency="solo", kind="physical", item=item,
                     outcome="clear", property_id=pid, actor=officer("solo"))
    for row in case["agencies"]:
        for item in database_checklist(row["agency"], case["authority"]):
            worry = concern and (row["agency"], item) == ("police_scotland", "visor")
            record_check(ground.engine, ground.case_id, agency=row["agency"], kind="database",
                         item=item, outcome="concern" if worry else "clear",
                         notes="FICTIONAL: a note on ViSOR" if worry else None,
                         property_id=pid, actor=officer(row["agency"]))
    visit_every_dwelling(ground.engine, ground.case_id, pid)
    for row in case["agencies"]:
        record_agreement(ground.engine, ground.case_id, agency=row["agency"], agrees=True,
                         actor=officer(row["agency"]))
    if not concern:
        for to in approval_view.answerable(case, pid)[1]:
            record_response(ground.engine, ground.case_id, agency=case["lead_agency"],
                            property_id=pid, to=to, response="FICTIONAL: considered",
                            actor=officer("ds"))


def fields(ground: CaseSite, pid: str) -> dict[str, str]:
    return {"case_id": ground.case_id, "property_id": pid}


def entries(ground: CaseSite, since: int) -> list[tuple[str, str, str, list[str]]]:
    """The audit entries after the ``since``-th: who, what, its outcome, which case."""
    return [(e.actor, e.operation, e.outcome, e.record_ids) for e in ground.audit(since)]


def ids(ground: CaseSite) -> list[str]:
    """What an audit entry of a step on the case names: the case and its subject."""
    return [ground.case_id, ground.subject_id]


def count(ground: CaseSite) -> int:
    return len(ground.audit())


def text_of(page: str) -> str:
    """A page's visible text, its tags removed and spaces folded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def without_commands(lines: list[str]) -> list[str]:
    """The core's words without the command it names to fix each gap."""
    return [re.sub(r" \(geo-era [^)]*\)", "", line) for line in lines]


@pytest.fixture
def both(demo_files: list[Path], tmp_path: Path, database_url: str) -> CaseSite:
    """The ground of :func:`tests.api.casepages.case_site`, on SQLite and PostgreSQL."""
    return case_site(demo_files, tmp_path / "home", database_url)


@pytest.fixture
def lite(demo_files: list[Path], tmp_path: Path) -> CaseSite:
    """The same ground on SQLite alone (steps whose storage the core's tests cover on
    both backends)."""
    return case_site(demo_files, tmp_path / "home")


def test_part_c_waits_for_each_response_then_is_confirmed_and_recorded(
        both: CaseSite) -> None:
    """R47, R48, R52, R55: the candidate's concern (ViSOR) and hard conflict (SOPO
    condition 1) are listed with a response form for the lead agency only; what still
    stops approval is listed as the core has it; Part C confirmed while a concern is
    unanswered is refused beside the form's first field, typed values kept, nothing
    written (only the page's reading audited); each response recorded through the page
    (one alteration each); then Part C confirmed is recorded (one alteration) and read
    back from the core. The confirmation page alone records nothing."""
    pid = both.candidates[0]
    ready(both, pid)
    omu, cjsw = both.client("omu_analyst"), both.client("cjsw")
    page = post(omu, "/case", fields(both, pid)).text
    assert 'id="respond-visor-response"' in page
    assert 'id="respond-condition-1-response"' in page and 'id="part-c-manageable"' in page
    held = doc(both)
    core = case_for_document(both.engine, both.case_id, actor=officer())
    assert approval_view.missing(held, pid) == without_commands(
        core["missing_for_approval"][pid])
    assert [line.split(" on ")[0] for line in approval_view.missing(held, pid)] == [
        "concern visor", "conflict condition:1"]
    assert "concern visor on" in text_of(page) and "What still stops approval" in page
    other = post(cjsw, "/case", fields(both, pid)).text  # not the lead agency
    assert "respond-visor-response" not in other and "part-c-manageable" not in other

    address = held["assessments"][0]["snapshot"]["proximity"]["address"]
    assert f'name="address" value="{html.escape(address)}"' in page
    typed = {**fields(both, pid), "manageable": "yes", "conclusion": CONCLUSION,
             "reasons": REASONS, "adjustments": "FICTIONAL: weekly home visits"}
    before = count(both)
    confirm = post(omu, "/case/part-c", {**typed, "address": address})
    assert confirm.status_code == 200
    assert f"{html.escape(address)} ({pid})" in confirm.text
    assert "Confirm and record" in confirm.text and "Go back and change" in confirm.text
    assert f'value="{html.escape(CONCLUSION)}"' in confirm.text and pid in confirm.text
    assert count(both) == before  # the confirmation reads and records nothing

    refused = post(omu, "/case/part-c", {**typed, "step": "confirmed"})
    assert refused.status_code == 422
    beside = error_beside(refused.text, "part-c-manageable")
    assert beside is not None and "concern visor on" in html.unescape(beside)
    assert f">{html.escape(CONCLUSION)}</textarea>" in refused.text
    assert re.search(r'id="part-c-manageable" name="manageable" value="yes" checked',
                     refused.text)
    assert entries(both, before) == [("omu_analyst", "consultation", "allowed", ids(both))]
    assert doc(both)["decisions"] == []

    before = count(both)
    empty = post(omu, "/case/respond", {**fields(both, pid), "to": "visor", "response": " "})
    assert empty.status_code == 422
    assert "write the response" in (error_beside(empty.text, "respond-visor-response") or "")
    assert [op for _, op, _, _ in entries(both, before)] == ["consultation"]
    for to in ("visor", "condition:1"):
        before = count(both)
        done = post(omu, "/case/respond", {**fields(both, pid), "to": to,
                                           "response": f"FICTIONAL: {to} considered"})
        assert done.status_code == 200 and f"Your response to {to} is recorded" in done.text
        assert entries(both, before) == [("omu_analyst", "alteration", "allowed", ids(both))]
    answered = {r["to"]: r["response"] for r in doc(both)["responses"]}
    assert answered == {"visor": "FICTIONAL: visor considered",
                        "condition:1": "FICTIONAL: condition:1 considered"}

    before = count(both)
    recorded = post(omu, "/case/part-c", {**typed, "step": "confirmed"})
    assert recorded.status_code == 200 and "Part C is recorded" in recorded.text
    assert entries(both, before) == [("omu_analyst", "alteration", "allowed", ids(both))]
    after = doc(both)
    assert after["status"] == "approved"
    assert [(d["part"], d["property_id"], d["manageable"], d["conclusion"], d["reasons"],
             d["adjustments"], d["agency"]) for d in after["decisions"]] == [
        ("C", pid, True, CONCLUSION, REASONS, "FICTIONAL: weekly home visits",
         "police_scotland")]


def test_what_stops_approval_is_the_cores_list(lite: CaseSite) -> None:
    """R44, R47, R48: what the Part C form lists as still stopping approval, worked out
    from the case the page holds, is the core's own list (less the command each line
    names) at every stage: nothing recorded; a dwelling where nobody was home; a
    dwelling fitting the victim profile (a concern to answer); all done but that
    response; and nothing once it is answered."""
    pid = lite.candidates[0]

    def same() -> list[str]:
        core = case_for_document(lite.engine, lite.case_id, actor=officer())
        ours = approval_view.missing(doc(lite), pid)
        assert ours == without_commands(core["missing_for_approval"][pid])
        return ours

    assert len(same()) >= 5
    ready(lite, pid, concern=False)
    assert same() == []
    first, second = (m["dwelling_id"] for m in doc(lite)["minimum_sets"][0]["members"][:2])
    for dwelling, outcome in ((first, "nobody_home"), (second, "fits_profile")):
        record_dwelling(lite.engine, lite.case_id, agency="police_scotland",
                        property_id=pid, dwelling_id=dwelling, outcome=outcome,
                        seen_on=clock.today(), notes="FICTIONAL: a visit",
                        actor=officer("omu"))
    assert [line.split(":")[0] for line in same()] == [
        f"dwellings of the minimum set of {pid} where nobody was home",
        "concern dwelling"]
    record_dwelling(lite.engine, lite.case_id, agency="police_scotland", property_id=pid,
                    dwelling_id=first, outcome="does_not_fit", seen_on=clock.today(),
                    notes="FICTIONAL: revisited", actor=officer("omu"))
    assert same() == [f"concern dwelling:{second} on {pid} has no response from the "
                      "lead agency"]
    record_response(lite.engine, lite.case_id, agency="police_scotland", property_id=pid,
                    to=f"dwelling:{second}", response="FICTIONAL: considered",
                    actor=officer("ds"))
    assert same() == []


def test_part_c_for_another_agency_is_refused_and_go_back_keeps_the_form(
        lite: CaseSite) -> None:
    """R52: CJSW (not the lead here) confirming Part C is refused in the core's words
    ("only the lead agency"), nothing written; "Go back and change" shows the case page
    with the form as typed (a reading of the case, audited as one)."""
    pid = lite.candidates[0]
    ready(lite, pid, concern=False)
    typed = {**fields(lite, pid), "manageable": "no", "conclusion": CONCLUSION,
             "reasons": REASONS}
    cjsw, omu = lite.client("cjsw"), lite.client("omu_analyst")
    before = count(lite)
    refused = post(cjsw, "/case/part-c", {**typed, "step": "confirmed"})
    assert refused.status_code == 422
    assert "only the lead agency (police_scotland)" in (
        error_beside(refused.text, "part-c-manageable") or "")
    assert [op for _, op, _, _ in entries(lite, before)] == ["consultation"]
    assert doc(lite)["decisions"] == []
    before = count(lite)
    back = post(omu, "/case/part-c", {**typed, "step": "back"})
    assert back.status_code == 200 and "There is a problem" not in back.text
    assert f">{html.escape(REASONS)}</textarea>" in back.text
    assert re.search(r'id="part-c-manageable-2" name="manageable" value="no" checked',
                     back.text)
    assert entries(lite, before) == [("omu_analyst", "consultation", "allowed", ids(lite))]
    assert doc(lite)["decisions"] == []
    # no conclusion: the core's words beside that field, the rest kept
    bare = post(omu, "/case/part-c", {**typed, "conclusion": " ", "step": "confirmed"})
    assert bare.status_code == 422
    assert "record the conclusion" in (error_beside(bare.text, "part-c-conclusion") or "")
    assert f">{html.escape(REASONS)}</textarea>" in bare.text
    # a manageable decision confirmed with nothing chosen: beside the choice
    unchosen = post(omu, "/case/part-c", {**typed, "manageable": "", "step": "confirmed"})
    assert "choose yes or no" in (error_beside(unchosen.text, "part-c-manageable") or "")


def test_part_d_after_a_disagreement(lite: CaseSite) -> None:
    """R51, R52: once an agency disagrees, the lead agency records the case
    conference's decision as Part D: confirmed first (nothing recorded), a date that is
    no date refused beside it, then recorded (one alteration) and read back."""
    pid = lite.candidates[0]
    ready(lite, pid, concern=False)
    record_agreement(lite.engine, lite.case_id, agency="nhs", agrees=False,
                     comments="FICTIONAL: a clinic nearby", actor=officer("nhs"))
    omu = lite.client("omu_analyst")
    page = post(omu, "/case", fields(lite, pid)).text
    assert 'id="part-d-conference_on"' in page and "nhs does not agree" in page
    assert 'id="part-c-manageable"' not in page  # no approval while an agency disagrees
    typed = {**fields(lite, pid), "conference_on": "last Tuesday", "manageable": "yes",
             "conclusion": CONCLUSION, "reasons": REASONS}
    before = count(lite)
    confirm = post(omu, "/case/part-d", typed)
    assert "Confirm the Part D decision" in confirm.text and count(lite) == before
    bad = post(omu, "/case/part-d", {**typed, "step": "confirmed"})
    assert bad.status_code == 422
    assert "'last Tuesday' is not one" in html.unescape(
        error_beside(bad.text, "part-d-conference_on") or "")
    assert 'value="last Tuesday"' in bad.text and doc(lite)["decisions"] == []
    held_on = iso_today()
    before = count(lite)
    done = post(omu, "/case/part-d", {**typed, "conference_on": held_on,
                                      "step": "confirmed"})
    assert done.status_code == 200 and "Part D is recorded" in done.text
    assert entries(lite, before) == [("omu_analyst", "alteration", "allowed", ids(lite))]
    after = doc(lite)
    assert after["status"] == "decided"
    assert [(d["part"], d["conference_on"], d["manageable"], d["conclusion"])
            for d in after["decisions"]] == [("D", held_on, True, CONCLUSION)]


def out_of_area_site(demo_files: list[Path], home: Path,
                     database_url: str | None) -> CaseSite:
    """The demo town with a case placing a subject from :data:`PLACING` into the
    council of its one candidate (the receiving council)."""
    store = import_demo(demo_files, home)
    engine = open_store(home, database_url)
    areas = store.read_attributes("areas", ["area_type", "name"])
    receiving = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    subjects = store.read_attributes("subjects", ["subject_id", "victim_profile"])
    subjects = subjects[subjects["victim_profile"].fillna("").str.contains("children")]
    props = store.read_attributes("properties", ["property_id", "is_void"])
    void = str(props.loc[props["is_void"].fillna(False).astype(bool), "property_id"].iloc[0])
    case = open_assessed_case(store, engine, subject_id=str(subjects["subject_id"].iloc[0]),
                              property_ids=[void], case_type="initial_new",
                              notified=clock.today(), agencies=["cjsw"],
                              placing_authority=PLACING, receiving_authority=receiving,
                              actor=officer())
    app = create_app(Settings(home=home, database_url=database_url, login_attempts=50),
                     engine=engine)
    return CaseSite(app, engine, home, str(case["case_id"]),
                    str(subjects["subject_id"].iloc[0]), [void], receiving)


def placing_solo(ground: CaseSite) -> TestClient:
    """The SOLO of the placing council, signed in with a purpose."""
    add_user(ground.engine, "placing.solo", role="solo", organisation=PLACING,
             password=PASSWORD)
    client = TestClient(ground.app, raise_server_exceptions=False)
    sign_in_pages(client, ground.engine, "placing.solo", PASSWORD,
                  enrol_totp(ground.engine, ground.home, "placing.solo"), purpose=PURPOSE)
    return client


def test_an_out_of_area_placement_is_recorded_by_each_council(
        demo_files: list[Path], tmp_path: Path, database_url: str) -> None:
    """R65-R68: the receiving council consents (the box must be ticked), the placing
    council records its reason (a ground of 3.13 with details) and plan, either records
    a discussion; each one alteration, read back from the core. The receiving council
    sees no reason or plan form, the placing council no consent form, and the police
    none of them; a consent by the placing council is refused by the core; Part C lists
    what the placement lacks until all are in."""
    ground = out_of_area_site(demo_files, tmp_path / "home", database_url)
    pid = ground.candidates[0]
    receiving, placing = ground.client("solo"), placing_solo(ground)
    omu = ground.client("omu_analyst")
    ready(ground, pid, concern=False)
    lacks = approval_view.missing(doc(ground), pid)
    assert [line.split(" ")[1] for line in lacks[:4]] == [
        "receiving", "reason", "risk", "record"]
    mine = post(receiving, "/case", fields(ground, pid)).text
    assert 'id="consent-confirm"' in mine and 'id="discussion-held_on"' in mine
    assert 'id="out-of-area-ground"' not in mine and 'id="plan-plan"' not in mine
    theirs = post(placing, "/case", fields(ground, pid)).text
    assert 'id="out-of-area-ground"' in theirs and 'id="plan-plan"' in theirs
    assert 'id="consent-confirm"' not in theirs
    police = post(omu, "/case", fields(ground, pid)).text
    assert "consent-confirm" not in police and "out-of-area-ground" not in police

    before = count(ground)
    unticked = post(receiving, "/case/consent", fields(ground, pid))
    assert unticked.status_code == 422
    assert "tick the box" in (error_beside(unticked.text, "consent-confirm") or "")
    forged = post(placing, "/case/consent", {**fields(ground, pid), "confirm": "yes"})
    assert forged.status_code == 422
    assert "only the receiving authority" in (error_beside(forged.text, "consent-confirm")
                                              or "")
    assert [op for _, op, _, _ in entries(ground, before)] == ["consultation"] * 2
    assert doc(ground)["out_of_area_record"]["consent"] is None

    steps = [
        (receiving, "/case/consent", {"confirm": "yes"}, "solo"),
        (placing, "/case/out-of-area", {"ground": "risk_in_placing_area",
                                        "details": "FICTIONAL: a victim lives nearby"},
         "placing.solo"),
        (placing, "/case/plan", {"plan": "FICTIONAL: weekly joint visits"}, "placing.solo"),
        (receiving, "/case/discussion", {"held_on": iso_today(),
                                         "participants": "FICTIONAL: both SOLOs",
                                         "agreed": "FICTIONAL: the placement goes ahead"},
         "solo"),
    ]
    for client, path, data, who in steps:
        before = count(ground)
        done = post(client, path, {**fields(ground, pid), **data})
        assert done.status_code == 200, (path, done.text[-800:])
        assert entries(ground, before) == [(who, "alteration", "allowed", ids(ground))]
    record = doc(ground)["out_of_area_record"]
    assert record["consent"]["recorded_by"] == "solo"
    assert (record["reason"]["ground"], record["reason"]["details"], record["reason"][
        "authority"]) == ("risk_in_placing_area", "FICTIONAL: a victim lives nearby", PLACING)
    assert record["plan"]["plan"] == "FICTIONAL: weekly joint visits"
    assert [(d["participants"], d["agreed"]) for d in record["discussions"]] == [
        ("FICTIONAL: both SOLOs", "FICTIONAL: the placement goes ahead")]
    assert approval_view.missing(doc(ground), pid) == []
    recorded = post(omu, "/case/part-c", {**fields(ground, pid), "manageable": "yes",
                                          "conclusion": CONCLUSION, "reasons": REASONS,
                                          "step": "confirmed"})
    assert recorded.status_code == 200 and doc(ground)["status"] == "approved"


def test_after_the_decision_each_step_is_recorded_or_refused(lite: CaseSite) -> None:
    """R58 (a restriction on a neighbour, picked by its id), R49 (where the full ERA is
    held), 3.5 (an extension by the lead agency and by the MAPPA coordinator, with its
    reason; refused for CJSW, not the lead), the move in after a manageable Part C: each
    one alteration (the move a collection, then the case read to show it), read back;
    a role the matrix refuses (NHS) has no such form and is refused (a denied entry)."""
    pid = lite.candidates[0]
    omu, nhs = lite.client("omu_analyst"), lite.client("nhs_liaison")
    coordinator, cjsw = lite.client("mappa_coordinator"), lite.client("cjsw")
    neighbour = doc(lite)["minimum_sets"][0]["members"][0]["dwelling_id"]
    theirs = post(nhs, "/case", fields(lite, pid)).text
    for absent in ("restrict-address", "held-system", "extend-reason", "move-in-moved_in_on"):
        assert f'id="{absent}"' not in theirs
    assert 'id="extend-reason"' not in post(cjsw, "/case", fields(lite, pid)).text
    assert 'id="extend-reason"' in post(coordinator, "/case", fields(lite, pid)).text

    steps = [
        ("/case/restrict", {"address": "", "neighbour": neighbour,
                            "restriction": "FICTIONAL: no household with children"}),
        ("/case/held", {"system": "FICTIONAL ViSOR", "reference": "FICTIONAL-REF-1"}),
    ]
    for path, data in steps:
        before = count(lite)
        refused = post(nhs, path, {**fields(lite, pid), **data})
        assert refused.status_code == 403
        assert [(w, o) for w, _, o, _ in entries(lite, before)] == [("nhs_liaison", "denied")]
        before = count(lite)
        done = post(omu, path, {**fields(lite, pid), **data})
        assert done.status_code == 200, done.text[-600:]
        assert entries(lite, before) == [("omu_analyst", "alteration", "allowed", ids(lite))]
    after = doc(lite)
    assert [(r["property_id"], r["restriction"]) for r in after["restrictions"]] == [
        (neighbour, "FICTIONAL: no household with children")]
    assert (after["era_held"]["system"], after["era_held"]["reference"]) == (
        "FICTIONAL ViSOR", "FICTIONAL-REF-1")
    unpicked = post(omu, "/case/restrict", {**fields(lite, pid), "restriction": "x"})
    assert "choose the neighbouring property" in (
        error_beside(unpicked.text, "restrict-address") or "")

    due = dt.date.fromisoformat(after["due"])
    reason = "FICTIONAL: a second council's records are awaited"
    before = count(lite)
    refused = post(cjsw, "/case/extend", {**fields(lite, pid), "working_days": "2",
                                          "reason": reason})
    assert refused.status_code == 422
    assert "only the lead agency (police_scotland) or the MAPPA coordinator" in (
        error_beside(refused.text, "extend-agency") or "")
    assert [op for _, op, _, _ in entries(lite, before)] == ["consultation"]
    short = post(omu, "/case/extend", {**fields(lite, pid), "working_days": "2",
                                       "reason": "late"})
    assert "say why the case needs more time" in (error_beside(short.text, "extend-reason")
                                                   or "")
    assert re.search(r'id="extend-working_days" name="working_days"\s+value="2"', short.text)
    assert ">late</textarea>" in short.text
    for client, who in ((omu, "omu_analyst"), (coordinator, "mappa_coordinator")):
        before = count(lite)
        done = post(client, "/case/extend", {**fields(lite, pid), "working_days": "2",
                                             "reason": reason})
        assert done.status_code == 200 and "The deadline is extended" in done.text
        assert entries(lite, before) == [(who, "alteration", "allowed", ids(lite))]
    extended = doc(lite)
    assert extended["original_due"] == due.isoformat()
    assert [e["reason"] for e in extended["extensions"]] == [reason, reason]
    assert dt.date.fromisoformat(extended["due"]) > due

    ready(lite, pid, concern=False)
    approve(lite.engine, lite.case_id, agency="police_scotland", property_id=pid,
            manageable=True, conclusion=CONCLUSION, reasons=REASONS, actor=officer("ds"),
            )
    page = post(omu, "/case", fields(lite, pid)).text
    assert 'id="move-in-moved_in_on"' in page
    before = count(lite)
    assert post(nhs, "/case/move-in", {**fields(lite, pid), "moved_in_on": "2026-01-01"}
                ).status_code == 403
    assert [(w, o) for w, _, o, _ in entries(lite, before)] == [("nhs_liaison", "denied")]
    today = iso_today()
    before = count(lite)
    moved = post(omu, "/case/move-in", {**fields(lite, pid), "moved_in_on": today})
    assert moved.status_code == 200 and "The move in is recorded" in moved.text
    assert [(w, o) for w, o, _, _ in entries(lite, before)] == [
        ("omu_analyst", "collection"), ("omu_analyst", "consultation")]
    assert [(m["property_id"], m["moved_in_on"]) for m in doc(lite)["moves_in"]] == [
        (pid, today)]
    assert 'id="move-in-moved_in_on"' not in moved.text  # recorded once


def test_audit_entries_name_the_case(lite: CaseSite) -> None:
    """R83: the entry a page step writes is the case's, with the session's purpose as
    its justification."""
    pid = lite.candidates[0]
    omu = lite.client("omu_analyst")
    before = count(lite)
    post(omu, "/case/held", {**fields(lite, pid), "system": "S", "reference": "R"})
    [entry] = lite.audit(before)
    assert (entry.record_type, entry.justification) == ("case", PURPOSE)


def test_a_restriction_names_the_property_picked_by_its_address(
        browser: Any, site: dict[str, Any]) -> None:  # noqa: F811
    """R58, in Chromium against a real server: the lead agency types a neighbour's
    address into the restriction form, picks it from the type-ahead (which puts its id
    into the form), writes the restriction and records it; the core holds it on the
    picked property."""
    wanted = site["void"]
    page, _ = browser_sign_in(browser, site, "omu")
    page.goto(f"{site['base']}/cases")
    page.get_by_role("button", name=f"Open {site['case']['case_id']}").click()
    page.get_by_label("Neighbouring property: address or property id").fill(
        site["addresses"][wanted])
    page.get_by_role("option").filter(has_text=wanted).first.click()
    assert page.locator("#restrict-neighbour").input_value() == wanted
    page.get_by_label("The restriction").fill("FICTIONAL: no household with children")
    page.get_by_role("button", name="Record the restriction").click()
    page.get_by_text("The restriction on the neighbouring property is recorded").wait_for()
    page.close()
    held = show_case(site["engine"], site["case"]["case_id"], actor=officer())
    assert (wanted, "FICTIONAL: no household with children") in [
        (r["property_id"], r["restriction"]) for r in held["restrictions"]]
