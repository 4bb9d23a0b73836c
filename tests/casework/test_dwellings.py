"""Physical checks (NASSO 3.8) and the minimum set (3.9) per candidate property: the nine
3.8 items, an outcome for every dwelling of the set (per occupant for shared
accommodation), a household that fits the victim profile answered by the lead agency,
the risk-based extension stored with its reason and shown in the ERA document, and
dwellings added or removed by hand. On SQLite and PostgreSQL. REQUIREMENTS.md rows: R32,
R33, R34, R35 (the nine items), R41 (occupants), R42 (by hand), R43 (extension), R44
(dwelling outcomes), R48 (responses).

The expected answers are written out by hand: NASSO 3.8's list, small sets drawn in the
tests, and for the demo town the ring of neighbours worked out from the generator's own
ground truth (``DemoTown.truth``), not from the minimum-set engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from sqlalchemy import Engine, select

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import (
    PHYSICAL_ITEMS,
    approve,
    database_checklist,
    open_case,
    record_agreement,
    record_check,
    record_response,
    show_case,
)
from geo_era.casework.dwellings import (
    change_member,
    extend_set,
    reassess_property,
    record_dwelling,
)
from geo_era.casework.reviews import weed
from geo_era.db.store import DwellingOutcome, SetChange, open_store, session_scope
from geo_era.demo.demotown import build_demo_town
from geo_era.documents.era_document import (
    era_document_html,
    era_document_pdf,
    field_sheet_html,
)
from geo_era.errors import DataError, WorkflowRefusedError
from geo_era.workspace import Workspace
from tests.conftest import import_demo, officer, python_path
from tests.migrations import migrate

TODAY = dt.date(2026, 12, 10)
NOTIFIED = dt.date(2026, 12, 1)
SEEN = dt.date(2026, 12, 3)
SUBJECT = "FICTIONAL-S000001"
#: NASSO 3.8, written out by hand: the signs of the victim profile ("children's toys/
#: equipment within gardens, children's curtains ... any other significant evidence"),
#: then "Play Parks; Community Centres; Churches; Shops; Schools/Nurseries; Sheltered
#: housing developments; CCTV Location; Licensed Premises".
NASSO_3_8 = ["victim_profile", "play_park", "community_centre", "place_of_worship", "shop",
             "school_nursery", "sheltered_housing", "cctv", "licensed_premises"]


def neighbour(pid: str, **extra: Any) -> dict[str, Any]:
    return {"property_id": pid, "address": f"FICTIONAL {pid}, 1 Close Road",
            "reasons": ["same_close"], "reason": "in the same close (common stair)",
            "household": {"children_in_household": None,
                          "adult_at_risk_in_household": None, "occupants": None,
                          "is_void": False}, **extra}


def close_of_two(subject: str, pid: str) -> dict[str, Any]:
    """A tenement flat whose close holds two other flats, N1 and N2."""
    return {"property_id": pid, "minimum_set": {
        "property_id": pid, "property_type": "tenement_flat",
        "properties": [neighbour("N1"), neighbour("N2")]}}


def shared_house(occupants: int | None) -> Any:
    def assess(subject: str, pid: str) -> dict[str, Any]:
        own = neighbour(pid, reasons=["all_occupants"])
        return {"property_id": pid, "minimum_set": {
            "property_id": pid, "property_type": "shared", "occupants": occupants,
            "properties": [own]}}
    return assess


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


def new(engine: Engine, assess: Any = close_of_two) -> str:
    case = open_case(engine, subject_id=SUBJECT, property_ids=["P1"],
                     case_type="initial_new", notified=NOTIFIED, on_licence_or_order=False,
                     today=TODAY, assess=assess, actor=officer())
    return str(case["case_id"])


def ready(engine: Engine, case: str, pid: str = "P1") -> None:
    """Every 3.8 and 3.7 check of ``pid`` clear and every agency agreeing."""
    for item in PHYSICAL_ITEMS:
        record_check(engine, case, agency="police_scotland", kind="physical", item=item,
                     outcome="clear", property_id=pid, actor=officer())
    for agency in ("police_scotland", "solo"):
        for item in database_checklist(agency, None):
            record_check(engine, case, agency=agency, kind="database", item=item,
                         outcome="clear", property_id=pid, actor=officer())
        record_agreement(engine, case, agency=agency, agrees=True, actor=officer())


def seen(engine: Engine, case: str, dwelling: str, outcome: str = "does_not_fit",
         **kw: Any) -> dict[str, Any]:
    return record_dwelling(engine, case, agency="police_scotland", dwelling_id=dwelling,
                           outcome=outcome, seen_on=SEEN, actor=officer("pc"), today=TODAY,
                           **kw)


def part_c(engine: Engine, case: str, pid: str = "P1") -> dict[str, Any]:
    return approve(engine, case, agency="police_scotland", property_id=pid, manageable=True,
                   conclusion="FICTIONAL: manageable", reasons="FICTIONAL: checked",
                   actor=officer("ds"))


def refusal(engine: Engine, case: str, pid: str = "P1") -> str:
    with pytest.raises(WorkflowRefusedError) as refused:
        part_c(engine, case, pid)
    return str(refused.value)


def test_the_nine_physical_items_of_nasso_3_8(engine: Engine) -> None:
    """R5, R32, R34, R35: the information that must be checked: a physical check has
    NASSO's nine items (schools and nurseries one item, as 3.8 lists them); the old
    separate codes are refused for new records with the valid list, and records made
    with them before still count when both are in."""
    assert list(PHYSICAL_ITEMS) == NASSO_3_8
    case = new(engine, lambda s, p: {"property_id": p})
    with pytest.raises(DataError, match="unknown physical check 'school'; use one of "
                                        + ", ".join(NASSO_3_8)):
        record_check(engine, case, agency="solo", kind="physical", item="school",
                     outcome="clear", actor=officer())
    ready(engine, case)
    assert part_c(engine, case)["status"] == "approved"


def test_approval_waits_for_every_dwelling_and_revisits(engine: Engine) -> None:
    """R44: approval is refused while a dwelling of the set has no outcome, and while
    nobody was home at one (a revisit); allowed once each household is known."""
    case = new(engine)
    ready(engine, case)
    assert ("dwellings of the minimum set of P1 with no outcome (geo-era case dwelling): "
            "N1, N2") in refusal(engine, case)
    seen(engine, case, "N1")
    seen(engine, case, "N2", "nobody_home", notes="FICTIONAL: no answer at 10:00")
    message = refusal(engine, case)
    assert "with no outcome" not in message
    assert "dwellings of the minimum set of P1 where nobody was home: revisit N2" in message
    document = seen(engine, case, "N2", children=False, adult_at_risk=False)
    members = {m["dwelling_id"]: m for m in document["minimum_sets"][0]["members"]}
    assert members["N2"]["state"] == "does not fit"
    # the unknown household is known now, from the visit
    assert members["N2"]["household"] == {"children": False, "adult_at_risk": False,
                                          "known_from": "visit"}
    assert members["N1"]["household"]["known_from"] == "records"
    assert [d["outcome"] for d in document["dwellings"]] == ["does_not_fit", "nobody_home",
                                                            "does_not_fit"]
    done = part_c(engine, case)
    assert done["status"] == "approved"


def test_a_household_that_fits_the_profile_needs_the_lead_agencys_response(
        engine: Engine) -> None:
    """R33, R44, R48: a household that fits the victim profile is a concern: it needs
    notes, and Part C waits for the lead agency's written response to it."""
    case = new(engine)
    ready(engine, case)
    with pytest.raises(DataError, match="notes saying what was seen"):
        seen(engine, case, "N1", "fits_profile")
    seen(engine, case, "N1", "fits_profile", children=True,
         notes="FICTIONAL: a child's bike and school bag at the door")
    seen(engine, case, "N2")
    assert ("concern dwelling:N1 on P1 has no response from the lead agency (geo-era case "
            "respond --to dwelling:N1)") in refusal(engine, case)
    with pytest.raises(WorkflowRefusedError, match="only the lead agency"):
        record_response(engine, case, agency="solo", property_id="P1", to="dwelling:N1",
                        response="x", actor=officer())
    record_response(engine, case, agency="police_scotland", property_id="P1",
                    to="dwelling:N1", actor=officer("ds"),
                    response="FICTIONAL: the family moves out on 1 January; licence bars "
                             "contact")
    done = part_c(engine, case)
    member = done["minimum_sets"][0]["members"][0]
    assert (member["state"], member["household"]["children"]) == ("fits profile", True)


def test_shared_accommodation_needs_each_occupant(engine: Engine) -> None:
    """R41: "all occupants must be checked": one outcome per occupant, 1 to n when the
    assessment knows n; a label each when it does not."""
    case = new(engine, shared_house(3))
    ready(engine, case)
    with pytest.raises(DataError, match=r"shared accommodation: all occupants must be "
                                        r"checked \(NASSO 3.9\); name the occupant "
                                        r"\(--occupant, 1 to 3\)"):
        seen(engine, case, "P1")
    with pytest.raises(DataError, match="use 1 to 3"):
        seen(engine, case, "P1", occupant="4")
    seen(engine, case, "P1", occupant="1")
    seen(engine, case, "P1", occupant="2", outcome="nobody_home")
    message = refusal(engine, case)
    assert "with no outcome (geo-era case dwelling): P1 occupant 3" in message
    assert "nobody was home: revisit P1 occupant 2" in message
    seen(engine, case, "P1", occupant="2")
    seen(engine, case, "P1", occupant="3")
    assert part_c(engine, case)["status"] == "approved"

    unknown = new(engine, shared_house(None))
    ready(engine, unknown)
    assert "P1 (each occupant; their number is not known)" in refusal(engine, unknown)
    with pytest.raises(DataError, match="occupant label"):
        seen(engine, unknown, "P1", occupant="room 2!")
    seen(engine, unknown, "P1", occupant="room-1")
    assert part_c(engine, unknown)["status"] == "approved"


def test_members_added_and_removed_by_hand(engine: Engine) -> None:
    """R42: a dwelling added by hand with its reason needs an outcome; one removed with
    its reason no longer does; both are kept and shown, and a visit to a dwelling not in
    the set is refused naming the set."""
    case = new(engine)
    ready(engine, case)
    with pytest.raises(WorkflowRefusedError, match=r"dwelling 'N9' is not in the minimum "
                                                   r"set of P1 .* \(its dwellings: N1, N2\)"):
        seen(engine, case, "N9")
    with pytest.raises(DataError, match="give the reason"):
        change_member(engine, case, agency="solo", property_id=None, dwelling_id="N9",
                      add=True, reason=" ", actor=officer())
    with pytest.raises(WorkflowRefusedError, match="N1 is already in the set of P1"):
        change_member(engine, case, agency="solo", property_id=None, dwelling_id="N1",
                      add=True, reason="FICTIONAL", actor=officer())
    change_member(engine, case, agency="solo", property_id=None, dwelling_id="N9", add=True,
                  reason="FICTIONAL: its garden overlooks the back green", actor=officer())
    document = change_member(engine, case, agency="police_scotland", property_id="P1",
                             dwelling_id="N2", add=False, actor=officer(),
                             reason="FICTIONAL: a shop unit, nobody lives there")
    current = document["minimum_sets"][0]
    assert [(m["dwelling_id"], m["source"]) for m in current["members"]] == [
        ("N1", "minimum"), ("N9", "added")]
    assert current["members"][1]["reason"] == ("added by hand: FICTIONAL: its garden "
                                               "overlooks the back green")
    assert [(r["dwelling_id"], r["reason"]) for r in current["removed"]] == [
        ("N2", "FICTIONAL: a shop unit, nobody lives there")]
    assert ("with no outcome (geo-era case dwelling): N1, N9") in refusal(engine, case)
    with pytest.raises(WorkflowRefusedError, match="N2 is not in the set of P1"):
        change_member(engine, case, agency="solo", property_id="P1", dwelling_id="N2",
                      add=False, reason="again", actor=officer())
    seen(engine, case, "N1")
    seen(engine, case, "N9")
    assert part_c(engine, case)["status"] == "approved"


def test_the_extension_is_stored_with_its_reason_and_kept_on_reassessment(
        engine: Engine) -> None:
    """R43: the extension (metres or rings, one of the two, within the engine's limits)
    is stored on the candidate with its reason, who and when; the candidate is
    re-assessed with it, so the dwellings it adds need outcomes; a re-assessment keeps
    it."""
    asked: list[tuple[float | None, int | None]] = []

    def assess(subject: str, pid: str, metres: float | None, rings: int | None
               ) -> dict[str, Any]:
        asked.append((metres, rings))
        snapshot = close_of_two(subject, pid)
        if rings:
            snapshot["minimum_set"]["extension"] = {
                "by": "rings", "rings": rings,
                "properties": [{**neighbour("R1"), "ring": 2}]}
        return snapshot

    case = new(engine)
    ready(engine, case)
    seen(engine, case, "N1")
    seen(engine, case, "N2")
    reason = "FICTIONAL: high risk to children; toys seen in a garden two doors along"
    for metres, rings, message in ((None, None, "one of the two"),
                                   (10.0, 1, "one of the two"),
                                   (0.0, None, "more than 0 and at most 5,000 metres"),
                                   (None, 6, "1 to 5 rings")):
        with pytest.raises(DataError, match=message):
            extend_set(engine, case, agency="police_scotland", property_id="P1",
                       metres=metres, rings=rings, reason=reason, assess=assess,
                       actor=officer())
    with pytest.raises(DataError, match="reason for extending"):
        extend_set(engine, case, agency="police_scotland", property_id="P1", rings=1,
                   reason="", assess=assess, actor=officer())
    assert asked == []
    document = extend_set(engine, case, agency="police_scotland", property_id="P1", rings=1,
                          reason=reason, assess=assess, actor=officer("ds"))
    assert asked == [(None, 1)]
    extension = document["minimum_sets"][0]["extension"]
    assert (extension["rings"], extension["metres"], extension["reason"],
            extension["recorded_by"], extension["assessed"]) == (1, None, reason, "ds", True)
    assert [m["dwelling_id"] for m in document["minimum_sets"][0]["members"]] == [
        "N1", "N2", "R1"]
    assert "with no outcome (geo-era case dwelling): R1" in refusal(engine, case)
    again = reassess_property(engine, case, "P1", assess, actor=officer())
    assert asked[-1] == (None, 1)
    assert again["assessments"][0]["snapshot"]["minimum_set"]["extension"]["rings"] == 1
    seen(engine, case, "R1")
    assert part_c(engine, case)["status"] == "approved"


def test_closed_cases_take_nothing_more_and_weeding_removes_it_all(engine: Engine) -> None:
    """R44, R43: nothing is recorded on a closed case; weeding a closed case removes its
    dwelling outcomes and set changes with it."""
    case = new(engine)
    ready(engine, case)
    seen(engine, case, "N1")
    seen(engine, case, "N2")
    change_member(engine, case, agency="solo", property_id="P1", dwelling_id="N9",
                  add=True, reason="FICTIONAL", actor=officer())
    seen(engine, case, "N9")
    part_c(engine, case)
    with pytest.raises(WorkflowRefusedError, match="is approved; nothing more"):
        seen(engine, case, "N1")
    weed(engine, retention_days={"cases": 0}, actor=officer(),
         today=clock.today() + dt.timedelta(days=1))
    with session_scope(engine) as session:
        assert session.scalars(select(DwellingOutcome)).all() == []
        assert session.scalars(select(SetChange)).all() == []


# --- the demo town: the engine, the workspace and the ERA document -------------------------


@pytest.fixture(scope="module")
def demo(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo town imported, its ground truth, a subject and a terraced house."""
    home = tmp_path_factory.mktemp("dwellings-demo") / "home"
    store = import_demo(demo_files, home)
    truth = build_demo_town(scale=1.0, seed=0).truth  # as demo_files was written
    subjects = store.read("subjects")
    subject = str(subjects.loc[~subjects["on_licence_or_order"].fillna(False).astype(bool),
                               "subject_id"].iloc[0])
    terraced = str(truth.loc[truth["property_type"] == "terraced", "property_id"].iloc[5])
    return store, truth, subject, terraced


def test_extension_by_one_ring_in_the_demo_town_is_printed_in_the_era_document(
        demo: Any, engine: Engine) -> None:
    """R43, R44 (done when: "the extension stored and printed in the ERA document"): a
    terraced house's set extended by one ring holds exactly the neighbours of its
    neighbours that the demo town's ground truth gives (worked out here from the truth,
    not the engine); the ERA document and the field sheet print the extension with its
    reason, each dwelling's outcome and the lead agency's answer to a household that
    fits the victim profile (R48)."""
    store, truth, subject, pid = demo
    sets = {str(p): {str(m) for m in ms}
            for p, ms in zip(truth["property_id"], truth["minimum_set"], strict=True)}
    expected = set().union(*(sets[m] for m in sets[pid])) - sets[pid] - {pid}
    assert expected, "the chosen house has no second ring: pick another"
    workspace = Workspace(store)

    def assess(s: str, p: str, metres: float | None, rings: int | None) -> dict[str, Any]:
        return workspace.assess(s, p, extend_metres=metres, extend_rings=rings)

    case = open_assessed_case(store, engine, subject_id=subject, property_ids=[pid],
                              case_type="initial_new", notified=NOTIFIED, actor=officer(),
                              today=TODAY)["case_id"]
    reason = "FICTIONAL: MAPPA level 2, offends against children met in gardens next door"
    document = extend_set(engine, case, agency="police_scotland", property_id=pid, rings=1,
                          reason=reason, assess=assess, actor=officer("ds.extend"))
    members = document["minimum_sets"][0]["members"]
    assert {m["dwelling_id"] for m in members if m["source"] == "minimum"} == sets[pid]
    assert {m["dwelling_id"] for m in members if m["source"] == "extension"} == expected
    first = sorted(sets[pid])[0]
    record_dwelling(engine, case, agency="police_scotland", dwelling_id=first,
                    outcome="does_not_fit", seen_on=SEEN, today=TODAY, actor=officer("pc"),
                    notes="FICTIONAL: an older couple, no sign of children")

    second = sorted(sets[pid])[1]
    record_dwelling(engine, case, agency="police_scotland", dwelling_id=second,
                    outcome="fits_profile", seen_on=SEEN, today=TODAY, actor=officer("pc"),
                    notes="FICTIONAL: a pram at the door")
    record_response(engine, case, agency="police_scotland", property_id=pid,
                    to=f"dwelling:{second}", actor=officer("ds"),
                    response="FICTIONAL: the family is moving; weekly visits until then")

    html = era_document_html(store, engine, case, actor=officer(), part_a=True)
    address = next(m["address"] for m in members if m["dwelling_id"] == second)
    assert (f"household at {address} ({second}) fits the victim profile (dwelling:{second})"
            in html)
    assert "FICTIONAL: the family is moving; weekly visits until then" in html
    assert "Extended by the Responsible Authorities" in html
    assert "1 ring of neighbours beyond the minimum set" in html
    assert reason in html and "ds.extend" in html
    assert "does not fit the victim profile (seen Thu 03 Dec 2026 by pc" in html
    assert "an older couple, no sign of children" in html
    pdf = era_document_pdf(store, engine, case, actor=officer(), part_a=True)
    text = " ".join(" ".join(pdfium.PdfDocument(pdf)[i].get_textpage().get_text_range()
                             .split()) for i in range(len(pdfium.PdfDocument(pdf))))
    assert "Extended by the Responsible Authorities" in text
    assert " ".join(reason.split()) in text
    sheet = field_sheet_html(store, engine, case, pid, actor=officer())
    assert "Extended by the Responsible Authorities" in sheet and reason in sheet
    assert "[visited]" in sheet and "does not fit" not in sheet  # the profile: Part A
    withheld = era_document_html(store, engine, case, actor=officer(), part_a=False)
    assert "visited (the outcome is withheld with Part A)" in withheld
    assert "an older couple" not in withheld and "fit the victim profile" not in withheld
    assert "Schools/Nurseries" in sheet
    missing = show_case(engine, case, actor=officer())
    assert {m["dwelling_id"] for m in missing["minimum_sets"][0]["members"]
            if m["state"] == "no outcome"} == (sets[pid] | expected) - {first, second}


def test_migration_keeps_checks_recorded_as_school_and_nursery(tmp_path: Path,
                                                                database_url: str) -> None:
    """R32, R35: a store at 0006 with physical checks recorded as ``school`` and
    ``nursery`` upgrades with them as recorded; both together count for 3.8's
    Schools/Nurseries, one alone does not, and a concern on one still needs its
    response."""
    from sqlalchemy import text

    from geo_era.db.store import make_engine

    engine = make_engine(database_url)
    migrate(engine, "0006")
    with engine.begin() as connection:
        for number, items in ((1, [("school", "clear"), ("nursery", "concern")]),
                              (2, [("school", "clear")])):
            connection.execute(text(
                "INSERT INTO cases (id, subject_id, case_type, lead_agency, notified_on, "
                "due_on, status, created_at, updated_at) VALUES (:id, 'FICTIONAL-S1', "
                "'initial_new', 'police_scotland', '2026-12-01', '2026-12-10', 'open', "
                "'2026-12-01 10:00:00', '2026-12-01 10:00:00')"), {"id": number})
            connection.execute(text("INSERT INTO case_properties (case_id, property_id, "
                                    "snapshot) VALUES (:c, 'P1', '{}')"), {"c": number})
            connection.execute(text("INSERT INTO case_agencies (case_id, agency, due_on) "
                                    "VALUES (:c, 'police_scotland', '2026-12-08')"),
                               {"c": number})
            for item, outcome in items:
                connection.execute(text(
                    "INSERT INTO checks (case_id, agency, property_id, kind, item, outcome, "
                    "notes, recorded_by, recorded_at) VALUES (:c, 'solo', 'P1', 'physical', "
                    ":i, :o, 'FICTIONAL', 'x', '2026-12-01 10:00:00')"),
                    {"c": number, "i": item, "o": outcome})
    engine.dispose()
    engine = open_store(tmp_path, database_url)
    try:
        for case in ("ERA-000001", "ERA-000002"):
            for item in PHYSICAL_ITEMS:
                if item != "school_nursery":
                    record_check(engine, case, agency="police_scotland", kind="physical",
                                 item=item, outcome="clear", actor=officer())
        both = refusal(engine, "ERA-000001")
        assert "physical checks missing" not in both
        assert "concern nursery on P1 has no response" in both
        assert "physical checks missing for P1: school_nursery" in refusal(engine,
                                                                           "ERA-000002")
        items = [c["item"] for c in show_case(engine, "ERA-000001", actor=officer())["checks"]]
        assert items[:2] == ["school", "nursery"]
    finally:
        engine.dispose()


def test_over_the_api_and_the_command_line(demo: Any, tmp_path: Path) -> None:
    """R41-R44 over the doors: ``/api/v1/cases/dwelling``, ``/extend-set`` and ``/member``
    record for the caller's agency and refuse bad requests with the reason (a dwelling
    that is not a property, metres and rings together, a household that fits the
    profile without notes); ``geo-era case dwelling`` refuses a dwelling outside the set
    naming the set."""
    import subprocess
    import sys

    from fastapi.testclient import TestClient
    from geo_era_api.app import create_app

    from geo_era.security.users import add_user, issue_api_key
    from geo_era.settings import Settings

    store, truth, subject, pid = demo
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    engine = open_store(store.home, url)
    case = open_assessed_case(store, engine, subject_id=subject, property_ids=[pid],
                              case_type="initial_new", notified=NOTIFIED, actor=officer(),
                              today=TODAY)["case_id"]
    member = sorted(str(m) for m in truth.set_index("property_id").loc[pid, "minimum_set"])[0]
    add_user(engine, "omu.api", role="omu_analyst", organisation="FICTIONAL Police OMU",
             password="a long fictional passphrase")
    headers = {"X-API-Key": issue_api_key(engine, "omu.api", name="test")}
    try:
        with TestClient(create_app(Settings(home=store.home, database_url=url),
                                   engine=engine)) as client:
            def post(path: str, **body: Any) -> Any:
                return client.post(f"/api/v1/cases/{path}", headers=headers,
                                   json={"case_id": case, **body})

            unknown = post("member", dwelling_id="DT-NOT-THERE", action="add",
                           reason="FICTIONAL")
            assert unknown.status_code == 404
            assert "DT-NOT-THERE" in unknown.json()["detail"]
            both = post("extend-set", metres=50, rings=1, reason="FICTIONAL")
            assert both.status_code == 422
            bare = post("dwelling", dwelling_id=member, outcome="fits_profile",
                        seen_on=SEEN.isoformat())
            assert bare.status_code == 422
            assert "notes saying what was seen" in bare.json()["detail"]
            done = post("dwelling", dwelling_id=member, outcome="nobody_home",
                        seen_on=SEEN.isoformat(), justification="FICTIONAL: the visit")
            assert done.status_code == 200, done.text
            assert done.json()["dwellings"][0]["agency"] == "police_scotland"
            extended = post("extend-set", metres=40, reason="FICTIONAL: high risk")
            assert extended.status_code == 200, extended.text
            assert extended.json()["recorded"] == "case_extend_set"
    finally:
        engine.dispose()
    env = {"GEO_ERA_HOME": str(store.home), "PATH": "/usr/bin:/bin",
           "GEO_ERA_DATABASE_URL": url, "PYTHONPATH": python_path()}
    run = subprocess.run([sys.executable, "-m", "geo_era.cli", "case", "dwelling", case,
                          pid, "--agency", "police_scotland", "--outcome", "does_not_fit"],
                         capture_output=True, text=True, env=env, timeout=300, check=False)
    assert run.returncode == 2
    assert f"dwelling '{pid}' is not in the minimum set of {pid}" in run.stderr
    assert member in run.stderr and "Traceback" not in run.stderr
