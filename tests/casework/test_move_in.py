"""From decision to home (issue 18, item 5; NASSO 3.3, 3.11, 3.13): a move in is
recorded only after a manageable Part C or Part D decision on that property, on a day
not before the decision nor in the future; the placements every reader uses then follow
it without an import: the allocation check flags the new home's neighbours, the
over-concentration counts and the out-of-area counts move, and the due list sees the new
address. R8, R13, R68.

The expected answers are worked by hand (the overlay of placements) or by another door
(the minimum set of the new home from ``Workspace.minimum_set``, the area of the new home
from the areas' polygons), never from the code under test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely
from sqlalchemy import Engine, func, select

from geo_era import clock
from geo_era.casework.cases import (
    approve,
    decide,
    open_case,
    record_agreement,
    show_case,
)
from geo_era.casework.placements import (
    current_homes,
    current_placements,
    placements_now,
    record_move_in,
)
from geo_era.casework.reviews import reviews_due
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import PlacementMove, open_store, session_scope
from geo_era.errors import NotFoundError, WorkflowRefusedError
from geo_era.housing.allocations import allocation_check
from geo_era.housing.void_lists import from_ids
from geo_era.overconcentration.statistics import count_by_area, current_on, out_of_area
from geo_era.security.audit import AuditEntry
from geo_era.workspace import Workspace
from tests.casework.test_checks_per_property import agree, check_all, clean, part_c
from tests.conftest import import_demo, iso_today, officer
from tests.dwelling_visits import visit_every_dwelling

SUBJECT = "FICTIONAL-S1"


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


def new(engine: Engine, pids: list[str], **kw: Any) -> str:
    case = open_case(engine, subject_id=kw.pop("subject_id", SUBJECT), property_ids=pids,
                     case_type="initial_new", notified=clock.today(), on_licence_or_order=False,
                     today=clock.today(), assess=kw.pop("assess", clean), actor=officer(), **kw)
    return str(case["case_id"])


def approved(engine: Engine, pids: list[str], pid: str, **kw: Any) -> str:
    """A case approved at Part C on ``pid`` (manageable unless told)."""
    case = new(engine, pids, **kw)
    check_all(engine, case, pid)
    visit_every_dwelling(engine, case, pid)
    agree(engine, case)
    part_c(engine, case, pid)
    return case


def moves(engine: Engine) -> list[tuple[str, str, dt.date]]:
    with session_scope(engine) as session:
        return [(m.subject_id, m.property_id, m.moved_in_on) for m in session.scalars(
            select(PlacementMove).order_by(PlacementMove.id))]


def test_a_move_in_is_refused_before_a_decision_and_for_a_non_candidate(
        engine: Engine) -> None:
    """R8: no decision, no move (whatever the date); a property that is not a candidate
    is refused with the candidates; nothing is written."""
    case = new(engine, ["P1", "P2"])
    with pytest.raises(WorkflowRefusedError, match="no Part C or Part D decision on P1"):
        record_move_in(engine, case, property_id="P1", moved_in_on=clock.today(), actor=officer())
    with pytest.raises(WorkflowRefusedError, match=r"not a candidate .*candidates: P1, P2"):
        record_move_in(engine, case, property_id="P9", moved_in_on=clock.today(), actor=officer())
    with pytest.raises(WorkflowRefusedError, match="no Part C or Part D decision on P1"):
        record_move_in(engine, case, property_id="P1", actor=officer(),
                       moved_in_on=clock.today() + dt.timedelta(days=1))
    with pytest.raises(NotFoundError):
        record_move_in(engine, "ERA-000999", property_id="P1", moved_in_on=clock.today(),
                       actor=officer())
    assert moves(engine) == []


def test_a_move_in_is_refused_after_a_not_manageable_decision(engine: Engine) -> None:
    """R8: Part C finding the property not manageable allows no move there."""
    case = new(engine, ["P1"])
    check_all(engine, case, "P1")
    agree(engine, case)
    approve(engine, case, agency="police_scotland", property_id="P1", manageable=False,
            conclusion="FICTIONAL: not manageable", reasons="FICTIONAL: school opposite",
            actor=officer("ds"))
    with pytest.raises(WorkflowRefusedError, match="found P1 not manageable"):
        record_move_in(engine, case, property_id="P1", moved_in_on=clock.today(), actor=officer())
    assert moves(engine) == []


def test_a_move_in_after_part_c_is_recorded_once_and_audited(engine: Engine) -> None:
    """R8: after Part C approves P2, the move in to P2 is recorded, shown on the case and
    audited as one collection naming the case and the subject; a date in the future or before the
    decision, the other
    candidate (no decision on it) and a second move on the same case are refused."""
    case = approved(engine, ["P1", "P2"], "P2")
    with pytest.raises(WorkflowRefusedError, match="is in the future"):
        record_move_in(engine, case, property_id="P2", actor=officer(),
                       moved_in_on=clock.today() + dt.timedelta(days=1))
    with pytest.raises(WorkflowRefusedError, match="before the Part C decision"):
        record_move_in(engine, case, property_id="P2", actor=officer(),
                       moved_in_on=clock.today() - dt.timedelta(days=1))
    with pytest.raises(WorkflowRefusedError, match="no Part C or Part D decision on P1"):
        record_move_in(engine, case, property_id="P1", moved_in_on=clock.today(), actor=officer())
    moved = record_move_in(engine, case, property_id="P2", moved_in_on=clock.today(),
                           actor=officer("solo-1"))
    assert (moved["case_id"], moved["subject_id"], moved["property_id"], moved["part"],
            moved["out_of_area"]) == (case, SUBJECT, "P2", "C", None)
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        assert (entry.actor, entry.operation, entry.record_type, entry.record_ids) == (
            "solo-1", "collection", "case", [case, SUBJECT])
    with pytest.raises(WorkflowRefusedError, match="already records a move in to P2"):
        record_move_in(engine, case, property_id="P2", moved_in_on=clock.today(), actor=officer())
    assert moves(engine) == [(SUBJECT, "P2", clock.today())]
    shown = show_case(engine, case, actor=officer())["moves_in"]
    assert [(m["property_id"], m["moved_in_on"], m["part"], m["recorded_by"])
            for m in shown] == [("P2", iso_today(), "C", "solo-1")]


def test_a_move_in_after_part_d(engine: Engine) -> None:
    """R8: a case conference's Part D decision that the property is manageable allows
    the move too."""
    case = new(engine, ["P1"])
    record_agreement(engine, case, agency="police_scotland", agrees=True, actor=officer())
    record_agreement(engine, case, agency="solo", agrees=False, comments="FICTIONAL",
                     actor=officer())
    decide(engine, case, agency="police_scotland", property_id="P1", manageable=True,
           conclusion="FICTIONAL: manageable", reasons="FICTIONAL: conference",
           conference_on=clock.today(), actor=officer())
    assert record_move_in(engine, case, property_id="P1", moved_in_on=clock.today(),
                          actor=officer())["part"] == "D"


def test_a_council_officer_cannot_move_in_on_another_councils_case(engine: Engine) -> None:
    """R8: a case outside a SOLO's council reads as not found, and nothing is written."""
    case = approved(engine, ["P1"], "P1", authority="FICTIONAL Council A")
    with pytest.raises(NotFoundError):
        record_move_in(engine, case, property_id="P1", moved_in_on=clock.today(),
                       actor=officer(scope="FICTIONAL Council B", role="solo"))
    assert moves(engine) == []


def test_the_placements_overlay_worked_by_hand() -> None:
    """R68: the imported placements overlaid with recorded moves, worked by hand.

    S1 lives at A since 2020 (imported, open) and moves to C on 1 December 2026: A ends
    that day, C is open. S2 has no move: untouched (an open and an ended row). S3 moved
    to D on 1 January 2025 (recorded), then the import brings E from 1 January 2026:
    D ends then and E is current. S4 has only a recorded move, to F."""
    day = pd.Timestamp
    imported = pd.DataFrame({
        "subject_id": ["S1", "S2", "S2", "S3"],
        "property_id": ["A", "B", "B0", "E"],
        "start_date": [day("2020-01-01"), day("2021-01-01"), day("2019-01-01"),
                       day("2026-01-01")],
        "end_date": [pd.NaT, pd.NaT, day("2021-01-01"), pd.NaT],
        "placing_authority": [None, "Other", None, None],
        "consent_recorded": pd.array([None, True, None, None], dtype="boolean"),
        "fictional": ["True"] * 4})
    recorded = pd.DataFrame({
        "subject_id": ["S3", "S1", "S4"], "property_id": ["D", "C", "F"],
        "start_date": [day("2025-01-01"), day("2026-12-01"), day("2026-06-01")],
        "end_date": pd.Series([pd.NaT] * 3, dtype="datetime64[us]"),
        "placing_authority": pd.array([None, None, "Away"], dtype="string"),
        "consent_recorded": pd.array([None, None, False], dtype="boolean")})
    now = current_placements(imported, recorded)
    assert now is not None
    rows = {(r.subject_id, r.property_id): (r.start_date, r.end_date)
            for r in now.itertuples()}
    assert len(now) == 7
    assert rows[("S1", "A")] == (day("2020-01-01"), day("2026-12-01"))
    assert rows[("S1", "C")][0] == day("2026-12-01") and pd.isna(rows[("S1", "C")][1])
    assert pd.isna(rows[("S2", "B")][1]) and rows[("S2", "B0")][1] == day("2021-01-01")
    assert rows[("S3", "D")] == (day("2025-01-01"), day("2026-01-01"))
    assert pd.isna(rows[("S3", "E")][1]) and pd.isna(rows[("S4", "F")][1])
    assert now.loc[now["property_id"] == "F", "placing_authority"].tolist() == ["Away"]
    # applied twice, nothing is added
    again = current_placements(now, recorded)
    assert again is not None and len(again) == 7
    # current on 15 December 2026: A no longer, C yes; D no longer, E yes
    on = dict(zip(now["property_id"], current_on(now, dt.date(2026, 12, 15)), strict=True))
    assert on == {"A": False, "B": True, "B0": False, "E": True, "D": False, "C": True,
                  "F": True}
    subjects = pd.DataFrame({"subject_id": ["S1", "S2", "S3", "S4", "S5"],
                             "current_property_id": ["A", "B", "D", None, "G"]})
    homes = current_homes(subjects, now, recorded)
    assert homes["current_property_id"].tolist() == ["C", "B", "E", "F", "G"]
    # no imported layer: the recorded moves alone
    alone = current_placements(None, recorded)
    assert alone is not None and sorted(alone["property_id"]) == ["C", "D", "F"]


# --- the demo town: the Done-when of item 5 ------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> LayerStore:
    return import_demo(demo_files, tmp_path_factory.mktemp("move-in") / "home")


def _new_home(workspace: Workspace, subject_id: str) -> tuple[str, str]:
    """A property nobody is housed at or next to, with no hard conflict for the
    subject, and a void of its minimum set (from ``Workspace.minimum_set``) that no
    housed subject's minimum set holds now: (home, void)."""
    snap = workspace.snapshot()
    props = workspace.store.read("properties")
    subjects = workspace.store.read("subjects")
    placements = workspace.store.read("placements")
    homes = set(subjects["current_property_id"].dropna().astype(str)) | set(
        placements["property_id"].astype(str))
    near_homes = homes | {m for h in homes for m in workspace.minimum_set(h).member_ids}
    voids = set(props.loc[props["is_void"].astype("boolean").fillna(False),
                          "property_id"].astype(str))
    for pid in props["property_id"].astype(str):
        if pid in near_homes or pid in voids:
            continue
        members = set(workspace.minimum_set(pid).member_ids)
        free = sorted((members & voids) - near_homes)
        if free and not workspace.check(subject_id, pid).conflicts:
            snap.properties.row(pid)
            return pid, free[0]
    raise AssertionError("the demo town has no void next to a free property")


def test_moving_in_updates_the_placements_and_the_allocation_check(
        demo: LayerStore, engine: Engine) -> None:
    """R68, R8 (Done-when of item 5): after Part C and the recorded move in, with no
    import, the allocation check flags the new home's neighbour (a void of its minimum
    set) naming the subject; the current placements hold the new home and end the old
    one; the over-concentration count of the new home's area rises by one on 31 March
    next; the due list sees the new address (no change of address without an ERA)."""
    workspace = Workspace(demo)
    subjects = demo.read("subjects")
    housed = subjects[subjects["current_property_id"].notna()]
    subject = str(housed["subject_id"].iloc[0])
    old_home = str(housed["current_property_id"].iloc[0])
    home, void = _new_home(workspace, subject)
    snap = workspace.snapshot()
    voids = from_ids(snap, [void])

    def flags() -> list[dict[str, Any]]:
        return allocation_check(workspace.snapshot(), engine, voids, actor=officer(),
                                restricted=False).reasons[0]

    assert flags() == []  # no one housed near it yet
    case = approved(engine, [home], home, subject_id=subject, assess=workspace.assess)
    assert flags() == []  # a decision alone moves nobody
    record_move_in(engine, case, property_id=home, moved_in_on=clock.today(), actor=officer())

    reasons = flags()
    assert [(r["kind"], r["subject_id"]) for r in reasons] == [("minimum_set", subject)]
    now = placements_now(demo.read("placements"), engine)
    assert now is not None
    mine = now[now["subject_id"].astype(str) == subject]
    current = mine[current_on(mine, clock.today())]
    assert current["property_id"].astype(str).tolist() == [home]
    assert old_home not in current["property_id"].astype(str).tolist()

    # over-concentration: the new home's area counts one more on 31 March next
    areas = demo.read("areas")
    props = demo.read("properties")
    point = props.set_index("property_id").geometry[home]
    finest = areas[areas["area_type"] == areas["area_type"].iloc[-1]].reset_index(drop=True)
    inside = [str(a) for a, g in zip(finest["area_id"], finest.geometry, strict=True)
              if shapely.covers(g, point)]
    assert len(inside) == 1
    year = clock.today().year + 1
    before = count_by_area(demo.read("placements"), props, finest, [year]).counts[year]
    after = count_by_area(now, props, finest, [year]).counts[year]
    old_rows = demo.read("placements")
    had = old_rows[(old_rows["subject_id"].astype(str) == subject)
                   & old_rows["end_date"].isna()]
    old_areas = [str(a) for a, g in zip(finest["area_id"], finest.geometry, strict=True)
                 for pid in had["property_id"].astype(str)
                 if shapely.covers(g, props.set_index("property_id").geometry[pid])]
    expected = before.copy()
    expected[inside[0]] += 1
    for area in old_areas:
        expected[area] -= 1
    assert after.to_dict() == expected.to_dict()

    # the due list: the subject lives where the last completed ERA placed them
    due = {d["subject_id"]: d for d in reviews_due(subjects, engine, actor=officer())}
    assert subject not in due or "change of address" not in due[subject]["why"]


def test_an_out_of_area_move_counts_with_its_consent(demo: LayerStore,
                                                     engine: Engine) -> None:
    """R68: a move from an out-of-area case (3.13) counts into the receiving council
    from the placing one, with the consent recorded on the case: not on the list of
    placements without consent."""
    from geo_era.casework.cases import record_consent
    from geo_era.casework.out_of_area import record_discussion, record_plan, record_reason

    workspace = Workspace(demo)
    areas = demo.read("areas")
    councils = areas[areas["area_type"] == "council"].reset_index(drop=True)
    receiving = str(councils["name"].iloc[0])
    subject = "FICTIONAL-AWAY-1"
    home, _void = _new_home(workspace, str(demo.read("subjects")["subject_id"].iloc[0]))
    case = new(engine, [home], subject_id=subject, placing_authority="FICTIONAL Elsewhere",
               receiving_authority=receiving)
    check_all(engine, case, home)
    visit_every_dwelling(engine, case, home)
    agree(engine, case)
    record_consent(engine, case, authority=receiving, actor=officer())
    record_reason(engine, case, authority="FICTIONAL Elsewhere", ground="no_manageable_housing",
                  details=None,
                  actor=officer())
    record_plan(engine, case, authority="FICTIONAL Elsewhere",
                plan="FICTIONAL: weekly OMU visits", actor=officer())
    record_discussion(engine, case, authority=receiving, held_on=clock.today(),
                      participants="FICTIONAL: both SOLOs", agreed="FICTIONAL: accepted",
                      actor=officer())
    part_c(engine, case, home)
    moved = record_move_in(engine, case, property_id=home, moved_in_on=clock.today(),
                           actor=officer())
    assert moved["out_of_area"] == {"placing_authority": "FICTIONAL Elsewhere",
                                    "receiving_authority": receiving,
                                    "consent_recorded": True}
    now = placements_now(demo.read("placements"), engine)
    assert now is not None
    before = out_of_area(demo.read("placements"), demo.read("properties"), councils, clock.today())
    after = out_of_area(now, demo.read("properties"), councils, clock.today())
    assert after.counts.loc["FICTIONAL Elsewhere", receiving] == 1
    assert "FICTIONAL Elsewhere" not in before.counts.index
    assert subject not in set(after.without_consent["subject_id"])
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(PlacementMove)) == 1


def test_a_case_decided_manageable_stays_in_hand_until_the_move_in(engine: Engine) -> None:
    """R8: the move in is the last step of a case (3.11), so a case approved manageable
    stays on the case list, marked awaiting the move in, with the move in waiting for the
    lead agency; once the move is recorded it leaves the list. A case found not
    manageable leaves the list when it is decided: nobody moves in."""
    from geo_era.casework.cases import list_cases
    from geo_era.casework.worklist import waiting_for

    def listed() -> dict[str, bool]:
        return {c["case_id"]: c["awaiting_move_in"]
                for c in list_cases(engine, actor=officer(), today=clock.today())}

    home = approved(engine, ["P1", "P2"], "P1")
    refused = new(engine, ["P3"], subject_id="FICTIONAL-S2")
    check_all(engine, refused, "P3")
    visit_every_dwelling(engine, refused, "P3")
    agree(engine, refused)
    approve(engine, refused, agency="police_scotland", property_id="P3", manageable=False,
            conclusion="FICTIONAL: not manageable", reasons="FICTIONAL: a school opposite",
            actor=officer("ds"))
    assert listed() == {home: True}
    assert waiting_for(engine, "police_scotland", [home, refused]) == {
        home: ["the move in, when the subject moves (3.11)"]}
    assert waiting_for(engine, "solo", [home]) == {}
    record_move_in(engine, home, property_id="P1", moved_in_on=clock.today(), actor=officer())
    assert listed() == {}
    assert waiting_for(engine, "police_scotland", [home]) == {}
