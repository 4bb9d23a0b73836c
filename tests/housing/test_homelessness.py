"""Homelessness, temporary accommodation, transfers and housing-options advice (issue 20,
item 6; Dorset MAPPA procedure s19; NASSO 5.2, 3.13), through the services as council
staff would use them, on SQLite and PostgreSQL.

Expected answers come from another door or are worked by hand: the conflict a temporary
placement is refused for is the one the subject check (``Workspace.check``) finds there;
the neighbour flagged after a temporary placement is a void of the home's minimum set
from ``Workspace.minimum_set``; the area counted is the one whose polygon covers the
home. R77, R81, R117, R118, R119, R120."""

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
from geo_era.casework.cases import open_case
from geo_era.casework.placements import placements_now, recorded_moves
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import (
    HomelessPresentation,
    HousingAdvice,
    PlacementMove,
    TransferRequest,
    open_store,
    session_scope,
)
from geo_era.errors import DataError, NotFoundError, WorkflowRefusedError
from geo_era.housing.allocations import allocation_check
from geo_era.housing.void_lists import from_ids
from geo_era.overconcentration.statistics import count_by_area, current_on
from geo_era.security.audit import AuditEntry
from geo_era.services import homelessness as svc
from geo_era.services.answers.homelessness import Transfer, TransferReceived
from geo_era.services.context import Services
from geo_era.services.policy import Caller
from geo_era.settings import Settings
from geo_era.workspace import Workspace
from tests.casework.test_move_in import _new_home
from tests.conftest import import_demo, officer

WHY = "FICTIONAL: temporary accommodation on release, MAPPA meeting"
#: the demo's subject with a condition a home can break: no residence within 200 m of a
#: school
CONDITIONED = "FICTIONAL-S000003"
ELSEWHERE = "FICTIONAL Elsewhere Council"


@pytest.fixture(scope="module")
def demo(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> LayerStore:
    return import_demo(demo_files, tmp_path_factory.mktemp("homeless") / "home")


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def services(demo: LayerStore, engine: Engine) -> Services:
    return Services(Settings(home=demo.home), engine=engine)


def council_of(demo: LayerStore) -> str:
    areas = demo.read_attributes("areas", ["area_type", "name"])
    return str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])


def solo(demo: LayerStore, council: str | None = None) -> Caller:
    return Caller("user.solo", "solo", council or council_of(demo))


def count(engine: Engine, model: type[Any]) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def last_entry(engine: Engine) -> AuditEntry:
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        return entry


def presentation(services: Services, demo: LayerStore, subject: str, **kw: Any) -> str:
    args: dict[str, Any] = {"subject_id": subject, "presented_on": clock.today(),
                            "duty": "unintentionally_homeless",
                            "reasons": "FICTIONAL: released from prison with no home"}
    args.update(kw)
    return svc.present(services, solo(demo), **args).reference


def test_r120_the_duty_stands_and_a_bail_hostel_is_no_local_connection(
        services: Services, demo: LayerStore, engine: Engine) -> None:
    """R120 (Dorset s19): a bail hostel is refused as the local connection, given as the
    basis or as the residence, with the reason, and nothing is written; no local
    connection at all is accepted; intentionality is never found on imprisonment alone;
    every record says the duty is not negated by the offence."""
    for basis, note in (("bail_hostel", None), ("residence", "FICTIONAL Bail Hostel, Mill St")):
        with pytest.raises(DataError, match="bail hostel does not create a local connection"):
            presentation(services, demo, CONDITIONED, local_connection=basis,
                         local_connection_note=note)
    with pytest.raises(DataError, match="not turned down as intentionally homeless solely"):
        presentation(services, demo, CONDITIONED, duty="intentionally_homeless",
                     intentional_grounds="imprisonment")
    assert count(engine, HomelessPresentation) == 0
    done = svc.present(services, solo(demo), subject_id=CONDITIONED, presented_on=clock.today(),
                       duty="intentionally_homeless", intentional_grounds="tenancy_conduct",
                       reasons="FICTIONAL: evicted for arrears before the sentence",
                       local_connection="none")
    assert (done.local_connection, done.temporary_accommodation_owed) == ("none", True)
    assert done.reference == "HLP-000001" and done.authority == council_of(demo)
    assert any("not negated by the nature of the offence" in r for r in done.rules)
    assert any("bail hostel does not create one" in r for r in done.rules)
    entry = last_entry(engine)
    assert (entry.operation, entry.record_ids) == ("collection", ["HLP-000001", CONDITIONED])
    # a council officer records for their own council only
    with pytest.raises(WorkflowRefusedError, match="only for"):
        presentation(services, demo, CONDITIONED, authority=ELSEWHERE)


def _breaking_home(workspace: Workspace) -> tuple[str, str]:
    """A property where the subject check finds the subject's school-distance condition
    broken, and its message."""
    for pid in workspace.store.read_attributes("properties", ["property_id"])[
            "property_id"].astype(str):
        conflicts = workspace.check(CONDITIONED, pid).conflicts
        if [c.kind for c in conflicts] == ["no_residence_within"]:
            return pid, conflicts[0].message
    raise AssertionError("no property breaks the demo subject's condition")


def test_a_temporary_placement_breaking_a_condition_is_refused_with_the_reason(
        services: Services, demo: LayerStore, engine: Engine) -> None:
    """Issue 20 Done-when, R121: temporary accommodation is screened for the subject as
    a void is; one that breaks a condition is refused with the reason the subject check
    gives, nothing is placed, and the consultation is audited. No accommodation is
    owed to someone found not homeless."""
    pid, message = _breaking_home(Workspace(demo))
    ref = presentation(services, demo, CONDITIONED)
    before = count(engine, AuditEntry)
    with pytest.raises(WorkflowRefusedError) as refused:
        svc.place(services, solo(demo), presentation=ref, property_id=pid,
                  starts_on=clock.today(), justification=WHY)
    assert "refused, as a void would be" in str(refused.value)
    assert message in str(refused.value)
    assert count(engine, PlacementMove) == 0
    assert count(engine, AuditEntry) == before + 1
    entry = last_entry(engine)
    assert (entry.operation, entry.record_type) == ("consultation", "subject")
    other = presentation(services, demo, CONDITIONED, duty="not_homeless")
    with pytest.raises(WorkflowRefusedError, match="no temporary accommodation is owed"):
        svc.place(services, solo(demo), presentation=other, property_id=pid,
                  starts_on=clock.today(), justification=WHY)
    # another council's officer: the presentation reads as not there, audited as denied
    with pytest.raises(NotFoundError, match="not found"):
        svc.place(services, solo(demo, ELSEWHERE), presentation=ref, property_id=pid,
                  starts_on=clock.today(), justification=WHY)
    assert last_entry(engine).outcome == "denied"


def test_an_accepted_temporary_placement_counts_like_any_placement(
        services: Services, demo: LayerStore, engine: Engine) -> None:
    """Issue 20 item 6: an accepted temporary placement is written to the placement
    history with its start and planned end; the allocation check flags the home's
    neighbour (a void of its minimum set, from ``Workspace.minimum_set``) naming the
    subject; the over-concentration count of the area whose polygon covers the home
    rises by one on 31 March next, and the subject's imported placement ends."""
    workspace = Workspace(demo)
    subjects = demo.read("subjects")
    housed = subjects[subjects["current_property_id"].notna()]
    subject = str(housed["subject_id"].iloc[0])
    home, void = _new_home(workspace, subject)
    assert void in workspace.minimum_set(home).member_ids
    voids = from_ids(workspace.snapshot(), [void])

    def flags() -> list[dict[str, Any]]:
        return allocation_check(workspace.snapshot(), engine, voids, actor=officer(),
                                restricted=False).reasons[0]

    assert flags() == []
    year = clock.today().year + 1
    ends = dt.date(year, 4, 30)
    ref = presentation(services, demo, subject)
    placed = svc.place(services, solo(demo), presentation=ref, property_id=home,
                       starts_on=clock.today(), ends_on=ends, justification=WHY)
    assert (placed.reference, placed.presentation, placed.property_id, placed.ends_on) == (
        "TA-000001", ref, home, ends)
    assert placed.screening.score is not None
    with session_scope(engine) as session:
        move = session.scalars(select(PlacementMove)).one()
        assert (move.kind, move.part, move.case_reference, move.case_id) == (
            "temporary", "T", ref, None)
    assert [(r["kind"], r["subject_id"]) for r in flags()] == [("minimum_set", subject)]
    moves = recorded_moves(engine)
    assert moves["end_date"].dt.date.tolist() == [ends]

    now = placements_now(demo.read("placements"), engine)
    assert now is not None
    mine = now[now["subject_id"].astype(str) == subject]
    assert mine[current_on(mine, clock.today())]["property_id"].astype(str).tolist() == [home]
    areas = demo.read("areas")
    props = demo.read("properties")
    finest = areas[areas["area_type"] == areas["area_type"].iloc[-1]].reset_index(drop=True)
    points = props.set_index("property_id").geometry
    inside = [str(a) for a, g in zip(finest["area_id"], finest.geometry, strict=True)
              if shapely.covers(g, points[home])]
    old = demo.read("placements")
    had = old[(old["subject_id"].astype(str) == subject) & old["end_date"].isna()]
    old_areas = [str(a) for a, g in zip(finest["area_id"], finest.geometry, strict=True)
                 for pid in had["property_id"].astype(str) if shapely.covers(g, points[pid])]
    before = count_by_area(old, props, finest, [year]).counts[year]
    after = count_by_area(now, props, finest, [year]).counts[year]
    expected = before.copy()
    expected[inside[0]] += 1
    for area in old_areas:
        expected[area] -= 1
    assert after.to_dict() == expected.to_dict()
    # the subject's record shows it under its presentation
    shown = svc.show(services, solo(demo), subject_id=subject, justification=WHY)
    assert [p.reference for p in shown.presentations[0].temporary_placements] == [
        "TA-000001"]


def test_r77_housing_options_advice_and_services_liaised_with(
        services: Services, demo: LayerStore, engine: Engine) -> None:
    """R77 (NASSO 5.2): the options discussed, the advice and the services liaised with
    are recorded, each with its words; an unknown option is refused and nothing
    written; the subject's record shows it to the council."""
    with pytest.raises(DataError, match="options: unknown value"):
        svc.advise(services, solo(demo), subject_id=CONDITIONED, given_on=clock.today(),
                   options=["a castle"], advice="FICTIONAL: apply to the list",
                   services_liaised=[])
    assert count(engine, HousingAdvice) == 0
    done = svc.advise(services, solo(demo), subject_id=CONDITIONED, given_on=clock.today(),
                      options=["social_rented", "supported_accommodation"],
                      advice="FICTIONAL: apply to the list; a supported flat meanwhile",
                      services_liaised=["addictions", "tenancy_support"])
    assert [o.label for o in done.options] == ["a council or housing association tenancy",
                                              "supported accommodation"]
    assert [s.code for s in done.services] == ["addictions", "tenancy_support"]
    shown = svc.show(services, solo(demo), subject_id=CONDITIONED, justification=WHY)
    assert [a.reference for a in shown.advice] == ["HOA-000001"]
    # another council sees none of it
    theirs = svc.show(services, solo(demo, ELSEWHERE), subject_id=CONDITIONED,
                      justification=WHY)
    assert (theirs.advice, theirs.presentations, theirs.transfers) == ([], [], [])


def _request(services: Services, demo: LayerStore, kind: str, **kw: Any) -> Transfer:
    answer = svc.request_transfer(services, solo(demo), kind=kind, requested_on=clock.today(),
                                  grounds=kw.pop("grounds", "FICTIONAL: threats at the door"),
                                  **kw)
    assert isinstance(answer, Transfer)
    return answer


def _decide(services: Services, demo: LayerStore, ref: str, **kw: Any) -> Transfer:
    return svc.decide_transfer(services, solo(demo), reference=ref,
                               reasons=kw.pop("reasons", "FICTIONAL: on the panel's advice"),
                               **kw)


def test_r117_a_tenant_at_risk_after_disclosure_and_a_police_request(
        services: Services, demo: LayerStore) -> None:
    """R117 (Dorset s19): a tenant at risk of violence after disclosure asks for an
    urgent transfer; a transfer the police ask for after a risk assessment is urgent
    and is granted only once the tenant agrees."""
    own = _request(services, demo, "tenant", subject_id=CONDITIONED,
                   at_risk_after_disclosure=True)
    assert (own.kind, own.urgent, own.decision) == ("tenant", True, "pending")
    with pytest.raises(DataError, match="at_risk_after_disclosure"):
        _request(services, demo, "tenant", subject_id=CONDITIONED)
    police = svc.request_transfer(services, Caller("user.omu", "omu_analyst", "FICTIONAL"),
                                  kind="police", subject_id=CONDITIONED,
                                  authority=council_of(demo), requested_on=clock.today(),
                                  grounds="FICTIONAL: risk assessment after a disclosure",
                                  tenant_agrees=False)
    assert isinstance(police, Transfer) and police.urgent
    with pytest.raises(WorkflowRefusedError, match="only if the tenant agrees"):
        _decide(services, demo, police.reference, decision="granted")
    granted = _decide(services, demo, police.reference, decision="granted",
                      tenant_agrees=True)
    assert (granted.decision, granted.tenant_agrees, granted.decided_on) == (
        "granted", True, clock.today())
    with pytest.raises(WorkflowRefusedError, match="decided once"):
        _decide(services, demo, police.reference, decision="refused")
    # the police record their own requests only
    with pytest.raises(WorkflowRefusedError, match="their own transfer requests"):
        svc.request_transfer(services, Caller("user.omu", "omu_analyst", "FICTIONAL"),
                             kind="tenant", subject_id=CONDITIONED,
                             authority=council_of(demo), requested_on=clock.today(),
                             grounds="FICTIONAL: not the police's to record",
                             at_risk_after_disclosure=True)


def test_r118_a_neighbours_transfer_needs_a_specific_risk(
        services: Services, demo: LayerStore, engine: Engine) -> None:
    """R118 (Dorset s19): a neighbouring tenant's urgent transfer is not granted on a
    general risk to the community; it is granted on a limb of the specific-risk test,
    which the record names (here: an elderly woman sharing communal facilities with a
    man convicted of assaulting an elderly woman)."""
    general = _request(services, demo, "neighbour", specific_risk="general",
                       authority=council_of(demo))
    assert general.subject_id is None and not general.urgent
    with pytest.raises(WorkflowRefusedError, match="general risk to the local community"):
        _decide(services, demo, general.reference, decision="granted")
    with session_scope(engine) as session:
        assert session.get(TransferRequest, 1).decision == "pending"  # type: ignore[union-attr]
    refused = _decide(services, demo, general.reference, decision="refused",
                      reasons="FICTIONAL: no specific risk to this household")
    assert refused.decision == "refused"
    elderly = _request(services, demo, "neighbour", authority=council_of(demo),
                       grounds="FICTIONAL: shares the stair and drying green")
    done = _decide(services, demo, elderly.reference, decision="granted",
                   subject_id=CONDITIONED, specific_risk="location_and_offence",
                   reasons="FICTIONAL: an elderly woman sharing communal facilities")
    assert (done.specific_risk, done.subject_id) == ("location_and_offence", CONDITIONED)
    assert done.specific_risk_label is not None
    assert "elderly woman sharing communal facilities" in done.specific_risk_label


def test_r119_an_offenders_family_harassed(services: Services, demo: LayerStore) -> None:
    """R119 (Dorset s19): a family harassed after disclosure is given practical
    assistance (here a mutual exchange made more urgent), recorded with the request;
    a family request names the assistance."""
    with pytest.raises(DataError, match="assistance"):
        _request(services, demo, "family", subject_id=CONDITIONED)
    family = _request(services, demo, "family", subject_id=CONDITIONED,
                      assistance="mutual_exchange_priority",
                      grounds="FICTIONAL: the offender's mother's windows broken")
    assert (family.assistance, family.assistance_label) == (
        "mutual_exchange_priority", "a mutual exchange made more urgent")
    done = _decide(services, demo, family.reference, decision="granted")
    assert done.decision == "granted"


def test_r81_a_move_to_another_council_is_shared_with_it(
        services: Services, demo: LayerStore, engine: Engine) -> None:
    """R81 (NASSO 5.2, 3.13): a transfer to another council is granted with what the
    placing council shares and the out-of-area case placing the subject there; the
    receiving council's SOLO then sees the transfer (the decision and what was shared,
    not the grounds), the decision is audited as a disclosure to that council, and a
    case between other councils is refused."""
    here = council_of(demo)
    pid = str(demo.read_attributes("properties", ["property_id"])["property_id"].iloc[0])
    case = open_case(engine, subject_id=CONDITIONED, property_ids=[pid],
                     case_type="initial_new", notified=clock.today(), on_licence_or_order=False,
                     placing_authority=here, receiving_authority=ELSEWHERE,
                     authority=ELSEWHERE, today=clock.today(), actor=officer())["case_id"]
    wrong = open_case(engine, subject_id=CONDITIONED, property_ids=[pid],
                      case_type="initial_new", notified=clock.today(), on_licence_or_order=False,
                      placing_authority=ELSEWHERE, receiving_authority=here,
                      authority=here, today=clock.today(), actor=officer())["case_id"]
    request = _request(services, demo, "tenant", subject_id=CONDITIONED,
                       at_risk_after_disclosure=True,
                       grounds="FICTIONAL: named on social media, car set alight")
    shared = "FICTIONAL: no residence within 200 m of a school; weekly OMU visits"
    with pytest.raises(WorkflowRefusedError, match="not an out-of-area case"):
        _decide(services, demo, request.reference, decision="granted",
                receiving_authority=ELSEWHERE, shared=shared, case_id=wrong)
    with pytest.raises(DataError, match="shared"):
        _decide(services, demo, request.reference, decision="granted",
                receiving_authority=ELSEWHERE, case_id=case)
    done = _decide(services, demo, request.reference, decision="granted",
                   receiving_authority=ELSEWHERE, shared=shared, case_id=case)
    assert (done.receiving_authority, done.case_reference, done.consent_recorded) == (
        ELSEWHERE, case, False)
    entry = last_entry(engine)
    assert (entry.operation, entry.recipients) == ("disclosure", [ELSEWHERE])
    seen = svc.list_transfers(services, solo(demo, ELSEWHERE), justification=WHY)
    assert len(seen) == 1 and isinstance(seen[0], TransferReceived)
    received = seen[0].model_dump()
    assert (received["subject_id"], received["shared"], received["decision"]) == (
        CONDITIONED, shared, "granted")
    assert "grounds" not in received and "decision_reasons" not in received
    assert "car set alight" not in str(received)
    # the subject's record, read by the receiving council, holds the same view
    shown = svc.show(services, solo(demo, ELSEWHERE), subject_id=CONDITIONED,
                     justification=WHY)
    assert [t.view for t in shown.transfers] == ["receiving"]


def test_the_migration_adds_and_removes_the_records(tmp_path: Path,
                                                     database_url: str) -> None:
    """Migration 0016 down to 0010 removes the homelessness and transfer tables and the
    temporary marks of placement moves; back up, they are there and a move recorded
    before reads as settled (kind empty, no end)."""
    from sqlalchemy import inspect

    from tests.migrations import migrate

    engine = open_store(tmp_path, database_url)
    tables = {"homeless_presentations", "housing_advice", "transfer_requests"}
    migrate(engine, "0010", down=True)
    assert tables.isdisjoint(inspect(engine).get_table_names())
    assert {"kind", "ends_on"}.isdisjoint(
        c["name"] for c in inspect(engine).get_columns("placement_moves"))
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO placement_moves (subject_id, property_id, moved_in_on, "
            "case_reference, part, recorded_by, recorded_at) VALUES ('FICTIONAL-S1', "
            "'P1', '2026-11-20', 'ERA-000001', 'C', 'officer', '2026-11-20 10:00:00')")
    migrate(engine, "head")
    assert tables <= set(inspect(engine).get_table_names())
    with session_scope(engine) as session:
        move = session.scalars(select(PlacementMove)).one()
        assert (move.kind, move.ends_on, move.property_id) == (None, None, "P1")
    engine.dispose()


def test_weeding_removes_old_records_and_keeps_pending_transfers(engine: Engine) -> None:
    """R49-style retention of item 6's records: presentations, advice and decided
    transfers older than the cutoff are weeded with one erasure naming them; a pending
    transfer and newer records stay."""
    from geo_era.casework.reviews import weed
    from geo_era.housing.homelessness import record_advice, record_presentation
    from geo_era.housing.transfers import decide_transfer, request_transfer

    old, new = dt.date(2020, 1, 6), dt.date(2026, 11, 20)
    on = {"actor": officer(), "today": new}
    for day in (old, new):
        record_presentation(engine, subject_id=CONDITIONED, authority="FICTIONAL Council",
                            presented_on=day, duty="not_homeless",
                            reasons="FICTIONAL: has a tenancy", **on)
        record_advice(engine, subject_id=CONDITIONED, authority="FICTIONAL Council",
                      given_on=day, options=["stay_put"], advice="FICTIONAL: stay put",
                      services=[], **on)
    kept = request_transfer(engine, kind="tenant", authority="FICTIONAL Council",
                            subject_id=CONDITIONED, grounds="FICTIONAL: threats made",
                            requested_on=old, at_risk_after_disclosure=True, **on)
    gone = request_transfer(engine, kind="tenant", authority="FICTIONAL Council",
                            subject_id=CONDITIONED, grounds="FICTIONAL: threats made",
                            requested_on=old, at_risk_after_disclosure=True, **on)
    decide_transfer(engine, gone["reference"], decision="refused",
                    reasons="FICTIONAL: managed in place", actor=officer(), today=old)
    report = weed(engine, retention_days={"homelessness": 365}, actor=officer(), today=new)
    assert [(r["record_type"], r["weeded"]) for r in report] == [("homelessness", 3)]
    entry = last_entry(engine)
    assert (entry.operation, sorted(entry.record_ids)) == (
        "erasure", ["HLP-000001", "HOA-000001", gone["reference"]])
    with session_scope(engine) as session:
        assert [p.presented_on for p in session.scalars(select(HomelessPresentation))] == [new]
        assert [t.reference for t in session.scalars(select(TransferRequest))] == [
            kept["reference"]]


def test_temporary_accommodation_in_the_placements_overlay_worked_by_hand() -> None:
    """Issue 20 item 6, worked by hand: S1 lives at A (imported, open) and goes into
    temporary accommodation T on 1 March 2026, planned to end 30 June 2026; then moves
    to C on 1 May 2026 (before the planned end). A ends on 1 March, T on 1 May (not on
    30 June), C is open. S2's temporary placement U (1 March to 30 April 2026) keeps its
    end. Current on 15 March: T and U; on 15 May: C only; on 15 April, S2 is at U."""
    from geo_era.casework.placements import current_placements

    day = pd.Timestamp
    imported = pd.DataFrame({
        "subject_id": ["S1"], "property_id": ["A"], "start_date": [day("2020-01-01")],
        "end_date": pd.Series([pd.NaT], dtype="datetime64[us]"),
        "placing_authority": pd.array([None], dtype="string"),
        "consent_recorded": pd.array([None], dtype="boolean")})
    recorded = pd.DataFrame({
        "subject_id": ["S1", "S2", "S1"], "property_id": ["T", "U", "C"],
        "start_date": [day("2026-03-01"), day("2026-03-01"), day("2026-05-01")],
        "end_date": pd.Series([day("2026-06-30"), day("2026-04-30"), pd.NaT],
                              dtype="datetime64[us]"),
        "placing_authority": pd.array([None] * 3, dtype="string"),
        "consent_recorded": pd.array([None] * 3, dtype="boolean")})
    now = current_placements(imported, recorded)
    assert now is not None
    rows = {r.property_id: (r.start_date, r.end_date) for r in now.itertuples()}
    assert rows["A"] == (day("2020-01-01"), day("2026-03-01"))
    assert rows["T"] == (day("2026-03-01"), day("2026-05-01"))
    assert rows["U"] == (day("2026-03-01"), day("2026-04-30"))
    assert rows["C"][0] == day("2026-05-01") and pd.isna(rows["C"][1])
    for on, current in ((dt.date(2026, 3, 15), {"T", "U"}), (dt.date(2026, 5, 15), {"C"}),
                        (dt.date(2026, 4, 15), {"T", "U"})):
        assert set(now.loc[current_on(now, on), "property_id"]) == current, on
