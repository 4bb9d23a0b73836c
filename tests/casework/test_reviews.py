"""Annual reviews (3.3), review triggers (3.4), weeding, future allocations (3.12) and
out-of-area placements (3.13)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sqlalchemy import Engine, func, select

from geo_era import clock
from geo_era.casework.cases import (
    PHYSICAL_ITEMS,
    approve,
    conflict_key,
    database_checklist,
    open_case,
    record_consent,
    record_restriction,
    show_case,
)
from geo_era.casework.out_of_area import record_discussion, record_plan, record_reason
from geo_era.casework.reviews import (
    review_criteria,
    review_triggers,
    reviews_due,
    waive_review,
    weed,
)
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import (
    Case,
    CaseAgency,
    Check,
    Decision,
    WeedingRecord,
    open_store,
    session_scope,
)
from geo_era.errors import DataError, NotFoundError, WorkflowRefusedError
from geo_era.workspace import Workspace
from tests.casework.test_cases import make_ready
from tests.conftest import import_demo, officer

TODAY = dt.date(2026, 12, 10)


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


SUBJECTS = pd.DataFrame([
    {"subject_id": "L2", "mappa_level": 2},
    {"subject_id": "L3", "mappa_level": 3},
    {"subject_id": "L1-HIGH", "mappa_level": 1, "risk_level": "high"},
    {"subject_id": "L1-VERY", "mappa_level": 1, "risk_level": "very_high"},
    {"subject_id": "L1-LOW", "mappa_level": 1, "risk_level": "low"},
    {"subject_id": "SOPO", "mappa_level": 1, "risk_level": "low", "sopo_or_rsho": True},
    {"subject_id": "CHILD", "contact_offence_against": "children"},
    {"subject_id": "ADULT", "contact_offence_against": "adults_at_risk,women"},
    {"subject_id": "WOMEN", "contact_offence_against": "women"},
    {"subject_id": "FLAG", "review_flagged": True},
])


@pytest.mark.parametrize(("subject", "criteria"), [
    ("L2", ["mappa_level_2_or_3"]),
    ("L3", ["mappa_level_2_or_3"]),
    ("L1-HIGH", ["level_1_high_risk"]),
    ("L1-VERY", ["level_1_high_risk"]),
    ("L1-LOW", []),
    ("SOPO", ["sopo_or_rsho"]),
    ("CHILD", ["contact_offence"]),
    ("ADULT", ["contact_offence"]),
    ("WOMEN", []),
    ("FLAG", ["flagged"]),
])
def test_each_annual_review_criterion(subject: str, criteria: list[str]) -> None:
    assert review_criteria(SUBJECTS)[subject] == criteria


def test_reviews_due_skip_reviewed_and_waived(engine: Engine) -> None:
    """R9, R10, R12: of the subjects whose last completed ERA (a Part C decision) was
    400 days ago, those meeting a 3.3 criterion are due; one assessed 30 days ago is
    not, nor is one whose review was waived; and a waiver needs its reasons in full."""
    for subject in SUBJECTS["subject_id"]:
        decided_on = TODAY - dt.timedelta(days=30 if subject == "L2" else 400)
        with session_scope(engine) as session:
            at = dt.datetime.combine(decided_on, dt.time(12), tzinfo=dt.UTC)
            case = Case(subject_id=subject, case_type="initial_resident",
                        lead_agency="police_scotland", notified_on=decided_on,
                        due_on=decided_on, status="approved", closed_at=at)
            session.add(case)
            session.flush()
            session.add(Decision(case_id=case.id, part="C", property_id="P1",
                                 manageable=True, conclusion="manageable", reasons="checked",
                                 recorded_by="x", agency="police_scotland", recorded_at=at))
    waive_review(engine, "FLAG", justification="moved to a care home with 24-hour staff; "
                 "reviewed at MAPPA meeting", actor=officer("chair"), today=TODAY)
    due = {d["subject_id"]: d for d in reviews_due(SUBJECTS, engine, actor=officer(), today=TODAY)}
    assert set(due) == {"L3", "L1-HIGH", "L1-VERY", "SOPO", "CHILD", "ADULT"}
    assert due["SOPO"]["why"] == "subject to a SOPO or RSHO"
    with pytest.raises(DataError, match="record the reasons in full"):
        waive_review(engine, "L2", justification="not needed", actor=officer("x"), today=TODAY)


@pytest.fixture(scope="module")
def demo(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[LayerStore, list[Path]]:
    return import_demo(demo_files, tmp_path_factory.mktemp("reviews") / "home"), demo_files


def test_review_trigger_after_a_new_play_park(demo: tuple[LayerStore, list[Path]],
                                              tmp_path: Path) -> None:
    store = import_demo(demo[1], tmp_path / "home")
    engine = open_store(tmp_path)
    subjects = store.read("subjects")
    housed = subjects[subjects["current_property_id"].notna()].iloc[0]
    subject_id, home = str(housed["subject_id"]), str(housed["current_property_id"])
    open_case(engine, subject_id=subject_id, property_ids=[home], case_type="annual_review",
              notified=TODAY, on_licence_or_order=False, today=TODAY,
              assess=Workspace(store).assess,
              actor=officer())
    changed = ("environment", "household", "subject_record")
    assert [t for t in review_triggers(Workspace(store), engine, actor=officer()).triggers
            if t["kind"] in changed] == []  # nothing changed yet
    point = store.read("properties").set_index("property_id").geometry[home]
    sites = store.read("sites")
    park = gpd.GeoDataFrame({"site_id": ["NEW-PARK"], "category": ["play_park"],
                             "name": ["Jubilee Play Park"]},
                            geometry=[shapely.buffer(shapely.Point(point.x + 150, point.y), 10,
                                                     cap_style="square")], crs=27700)
    pd.concat([sites, park], ignore_index=True).to_parquet(tmp_path / "sites.parquet")
    import_files([tmp_path / "sites.parquet"], store=store)
    found = [t for t in review_triggers(Workspace(store), engine, actor=officer()).triggers
             if t["kind"] in changed]
    assert [(f["subject_id"], f["property_id"], f["kind"]) for f in found] == [
        (subject_id, home, "environment")]
    assert found[0]["changes"] == ["new play_park Jubilee Play Park 140 m away"]
    engine.dispose()


def test_review_triggers_need_subjects(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no subjects layer"):
        review_triggers(Workspace(LayerStore(tmp_path / "empty")), open_store(tmp_path),
                        actor=officer())


def close_a_case(engine: Engine, subject: str) -> str:
    case = open_case(engine, subject_id=subject, property_ids=["P1"], case_type="initial_new",
                     notified=TODAY, on_licence_or_order=False, today=TODAY,
                     assess=lambda s, p: {"property_id": p},
                     actor=officer())["case_id"]
    make_ready(engine, case, ["police_scotland", "solo"])
    approve(engine, case, agency="police_scotland", property_id="P1", manageable=True,
            conclusion="manageable", reasons="checked", actor=officer("x"))
    return str(case)


def test_weeding(engine: Engine) -> None:
    closed = close_a_case(engine, "FICTIONAL-S1")
    still_open = open_case(engine, subject_id="FICTIONAL-S2", property_ids=["P2"],
                           case_type="initial_new", notified=TODAY, on_licence_or_order=False,
                           today=TODAY,
                           actor=officer())["case_id"]
    waive_review(engine, "FICTIONAL-S3", justification="long justification recorded here "
                 "for the test", actor=officer("x"), today=TODAY - dt.timedelta(days=800))
    # nothing is old enough yet
    report = weed(engine, retention_days={"cases": 365, "waivers": 365},
                  actor=officer(), today=TODAY)
    assert [r["weeded"] for r in report] == [0, 1]
    # a year on, the closed case goes with all its record; the open one stays
    later = TODAY + dt.timedelta(days=400)
    report = weed(engine, retention_days={"cases": 365, "waivers": 365},
                  actor=officer(), today=later)
    assert [(r["record_type"], r["weeded"]) for r in report] == [("cases", 1), ("waivers", 0)]
    with pytest.raises(NotFoundError):
        show_case(engine, closed, actor=officer())
    assert show_case(engine, still_open, actor=officer(), today=later)["status"] == "open"
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Check)) == 0
        assert session.scalar(select(func.count()).select_from(CaseAgency)) == 2
        log = session.scalars(select(WeedingRecord).order_by(WeedingRecord.id)).all()
        assert [(r.record_type, r.count) for r in log] == [
            ("cases", 0), ("waivers", 1), ("cases", 1), ("waivers", 0)]
        assert session.scalar(select(func.count()).select_from(Case)) == 1
    with pytest.raises(DataError, match="no retention rule for subjects"):
        weed(engine, retention_days={"subjects": 10}, actor=officer(), today=TODAY)


def test_out_of_area_needs_consent(engine: Engine) -> None:
    case = open_case(engine, subject_id="FICTIONAL-S9", property_ids=["P1"],
                     case_type="initial_new", notified=TODAY, on_licence_or_order=False,
                     today=TODAY, assess=lambda s, p: {"property_id": p},
                     placing_authority="Fife", receiving_authority="Angus",
                     actor=officer())["case_id"]
    make_ready(engine, case, ["police_scotland", "solo"])
    kw = {"agency": "police_scotland", "property_id": "P1", "manageable": True,
          "conclusion": "ok", "reasons": "ok", "actor": officer("x")}
    with pytest.raises(WorkflowRefusedError, match=r"places the subject from Fife in Angus "
                                                   r"\(NASSO 3.13\) and lacks the receiving "
                                                   r"authority's \(Angus\) consent"):
        approve(engine, case, **kw)  # type: ignore[arg-type]
    with pytest.raises(WorkflowRefusedError, match="only the receiving authority"):
        record_consent(engine, case, authority="Fife", actor=officer("x"))
    record_consent(engine, case, authority="Angus", actor=officer("Angus SOLO"))
    # the rest 3.13 asks (tests/casework/test_out_of_area.py tests each)
    record_reason(engine, case, authority="Fife", ground="no_manageable_housing",
                  details=None, actor=officer("Fife SOLO"))
    record_plan(engine, case, authority="Fife", actor=officer("Fife SOLO"),
                plan="FICTIONAL: weekly home visits by the OMU for the first three months")
    record_discussion(engine, case, authority="Angus", held_on=TODAY, today=TODAY,
                      participants="Fife and Angus SOLOs", actor=officer("Angus SOLO"),
                      agreed="FICTIONAL: Angus accepts the placement")
    done = approve(engine, case, **kw)  # type: ignore[arg-type]
    assert done["out_of_area"] == {"placing_authority": "Fife", "receiving_authority": "Angus",
                                   "consent_recorded": True}
    with pytest.raises(DataError, match="names both the placing and the receiving"):
        open_case(engine, subject_id="S", property_ids=["P1"], case_type="initial_new",
                  notified=TODAY, on_licence_or_order=False, today=TODAY,
                  placing_authority="Fife",
                  actor=officer())


def test_restrictions_on_future_allocations(engine: Engine) -> None:
    case = open_case(engine, subject_id="FICTIONAL-S7", property_ids=["P1"],
                     case_type="initial_new", notified=TODAY, on_licence_or_order=False,
                     today=TODAY,
                     actor=officer())["case_id"]
    doc = record_restriction(engine, case, property_id="P5", actor=officer("SOLO"),
                             restriction="no allocation to a household with children")
    assert doc["restrictions"][0]["property_id"] == "P5"
    with pytest.raises(DataError, match="say what the restriction is"):
        record_restriction(engine, case, property_id="P5", restriction=" ", actor=officer("x"))


def test_cli_case_workflow_reviews_and_weed(demo: tuple[LayerStore, list[Path]],
                                            tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    store, _ = demo
    env = {"GEO_ERA_HOME": str(store.home), "PATH": "/usr/bin:/bin",
           "GEO_ERA_DATABASE_URL": f"sqlite:///{tmp_path / 'cases.db'}"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "geo_era.cli", *args],
                              capture_output=True, text=True, env=env, timeout=300,
                              check=False)

    subject = str(store.read("subjects")["subject_id"].iloc[1])
    pid = str(store.read("properties")["property_id"].iloc[0])
    new = run("case", "new", subject, pid, "--notified", "2026-11-02", "--justification",
              "ERA for a new address, MAPPA meeting", "--json")
    assert new.returncode == 0, new.stderr
    case = json.loads(new.stdout)
    assert case["assessments"][0]["snapshot"]["proximity"]["property_id"] == pid
    assert case["authority"] == "Inverallan Council"  # where the property lies
    unjustified = run("case", "list", "--json")
    assert unjustified.returncode == 2
    assert "consulting the case list needs a justification" in unjustified.stderr
    why = ("--justification", "overdue ERA cases for the weekly MAPPA meeting")
    overdue = json.loads(run("case", "list", "--overdue", *why, "--json").stdout)
    assert [c["case_id"] for c in overdue] == [case["case_id"]]
    lead = case["lead_agency"]
    refused = run("case", "approve", case["case_id"], "--property", pid, "--agency", lead,
                  "--conclusion", "ok", "--reasons", "ok")
    assert refused.returncode == 2 and "cannot approve case" in refused.stderr
    for item in PHYSICAL_ITEMS:
        assert run("case", "check", case["case_id"], "--agency", "solo", "--kind",
                   "physical", "--item", item, "--outcome", "clear").returncode == 0
    for agency in [a["agency"] for a in case["agencies"]]:
        for code in database_checklist(agency, None):
            assert run("case", "check", case["case_id"], "--agency", agency, "--kind",
                       "database", "--item", code, "--outcome", "clear").returncode == 0
        assert run("case", "agree", case["case_id"], "--agency", agency).returncode == 0
    visits = 0  # R44: every dwelling of the minimum set visited, each occupant if shared
    for member in case["minimum_sets"][0]["members"]:
        occupants = ([["--occupant", str(k)] for k in range(1, (member["occupants"] or 1) + 1)]
                     if member["shared"] else [[]])
        for occupant in occupants:
            seen = run("case", "dwelling", case["case_id"], member["dwelling_id"],
                       "--agency", "solo", "--outcome", "does_not_fit", "--seen",
                       "2026-11-05", *occupant)
            assert seen.returncode == 0, seen.stderr
            visits += 1
    for finding in case["assessments"][0]["snapshot"]["check"]["conflicts"]:
        answered = run("case", "respond", case["case_id"], "--property", pid, "--agency",
                       lead, "--to", conflict_key(finding), "--response",
                       "FICTIONAL: answered at the MAPPA meeting")
        assert answered.returncode == 0, answered.stderr
    done = run("case", "approve", case["case_id"], "--property", pid, "--agency", lead,
               "--conclusion", "manageable", "--reasons", "checked", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "approved"
    due = run("reviews", "due", "--within", "30", *why, "--json")
    assert due.returncode == 0, due.stderr
    # R8: the subject approved at pid lives elsewhere (a change of address since the
    # ERA); the others have no completed ERA: each needs an ERA
    listed = {d["subject_id"]: d for d in json.loads(due.stdout)}
    subjects = store.read("subjects")
    home = subjects.set_index("subject_id")["current_property_id"][subject]
    assert home != pid
    assert set(listed) == set(subjects["subject_id"])
    assert {d["status"] for d in listed.values()} == {"era_required"}
    assert listed[subject]["last_era"]["property_id"] == pid
    assert listed[subject]["renewal_date"] is None
    refused = run("reviews", "due", "--within", "-1", *why)
    assert refused.returncode == 2 and "--within" in refused.stderr
    # R8: once the move in to pid is recorded, the address follows it without an import
    # and the change of address is no longer listed
    today = clock.today()
    future = run("case", "move-in", case["case_id"], "--property", pid, "--date",
                 (today + dt.timedelta(days=1)).isoformat())
    assert future.returncode == 2 and "is in the future" in future.stderr
    moved = run("case", "move-in", case["case_id"], "--property", pid, "--date",
                today.isoformat(), *why)
    assert moved.returncode == 0, moved.stderr
    assert f"{subject} moved in to {pid} on {today.isoformat()} (Part C)" in moved.stdout
    after = {d["subject_id"]: d for d in json.loads(
        run("reviews", "due", "--within", "30", *why, "--json").stdout)}
    assert subject not in after
    weeded = json.loads(run("weed", "--json").stdout)
    assert [w["record_type"] for w in weeded] == ["cases", "homelessness", "placements",
                                                 "waivers", "enquiries", "notifications",
                                                 "markers", "documents", "reports"]
    # every step above is in the audit trail, which is intact
    verified = json.loads(run("audit", "verify", "--json").stdout)
    assert verified["intact"]
    agencies = [a["agency"] for a in case["agencies"]]
    database = sum(len(database_checklist(agency, None)) for agency in agencies)
    conflicts = case["assessments"][0]["snapshot"]["check"]["conflicts"]
    assert verified["entries"] == (1 + 1 + len(PHYSICAL_ITEMS) + database + len(agencies)
                                   + visits + len(conflicts) + 2 + 2)
