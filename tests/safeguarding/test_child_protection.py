"""Child protection links in the core (the Dorset MAPPA procedure §4, §13, §17), on
SQLite and PostgreSQL: a referral to child protection and what came of it (R111),
Children & Families' initial checks on a registered subject (R115), the notice to the
council's nominated Education contact (R116); each with its council, its audit entry and
nothing written by a refused call. Expected values are written out by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from geo_era.casework.cases import open_case
from geo_era.casework.reviews import weed
from geo_era.db.store import Case, ChildProtectionRecord, open_store, session_scope
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.safeguarding.child_protection import (
    list_records,
    record_education_notice,
    record_initial_checks,
    record_outcome,
    record_referral,
)
from geo_era.security.audit import AuditEntry, verify
from tests.conftest import officer

TODAY = dt.date(2026, 12, 4)
COUNCIL = "FICTIONAL Inverallan Council"
OTHER = "FICTIONAL Other Council"
SUBJECT = "FICTIONAL-S-0001"


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


def entries(engine: Engine) -> list[AuditEntry]:
    with session_scope(engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def stored(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(ChildProtectionRecord))
                   or 0)


def a_case(engine: Engine, authority: str = COUNCIL) -> str:
    case = open_case(engine, subject_id=SUBJECT, property_ids=["P1"],
                     case_type="initial_new", notified=dt.date(2026, 12, 1),
                     on_licence_or_order=False, today=TODAY, authority=authority,
                     children=True, actor=officer())
    return str(case["case_id"])


def referral(engine: Engine, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "subject_id": SUBJECT, "case_id": None, "authority": COUNCIL,
        "referred_on": dt.date(2026, 11, 30), "to_whom": None,
        "reason": "FICTIONAL: risk to the child of a new partner", "agency": "cjsw",
        "actor": officer(), "today": TODAY}
    args.update(kw)
    return record_referral(engine, **args)


def test_r111_referral_to_child_protection_with_outcome_and_om_attendance(
        engine: Engine) -> None:
    """R111 (Dorset §4): a risk to an identified child is referred to child protection
    (when, to whom, why), then what came of it is recorded (an IRD, later a child
    protection planning meeting the Offender Manager attended), each a single audit
    entry: the referral a disclosure to Children & Families of the council."""
    made = referral(engine)
    assert made["reference"] == "CPL-000001"
    assert (made["kind"], made["subject_id"], made["authority"], made["to_whom"],
            made["referred_on"], made["outcome"]) == (
        "referral", SUBJECT, COUNCIL, "Children & Families", dt.date(2026, 11, 30), None)
    first = entries(engine)[-1]
    assert (first.operation, first.record_type, first.record_ids, first.recipients) == (
        "disclosure", "child_protection", ["CPL-000001", SUBJECT],
        [f"Children & Families, {COUNCIL}"])
    ird = record_outcome(engine, "CPL-000001", outcome="ird",
                         outcome_on=dt.date(2026, 12, 1), om_attended=None,
                         actor=officer("cf.worker"), today=TODAY)
    assert (ird["outcome"], ird["outcome_label"], ird["outcome_on"]) == (
        "ird", "inter-agency referral discussion (IRD)", dt.date(2026, 12, 1))
    planned = record_outcome(engine, "cpl-1", outcome="planning_meeting",
                             outcome_on=dt.date(2026, 12, 3), om_attended=True,
                             actor=officer("cf.worker"), today=TODAY)
    assert (planned["outcome"], planned["outcome_on"], planned["om_attended"],
            planned["updated_by"]) == ("planning_meeting", dt.date(2026, 12, 3), True,
                                       "cf.worker")
    assert [e.operation for e in entries(engine)] == ["disclosure", "alteration",
                                                      "alteration"]
    assert verify(engine).intact


def test_a_referral_on_a_case_takes_its_subject_and_council(engine: Engine) -> None:
    """R111: recorded on a case, a referral belongs to the case's subject and council;
    another subject's case, or a council other than the case's, is refused."""
    case = a_case(engine)
    made = referral(engine, subject_id=None, authority=None, case_id=case)
    assert (made["case_id"], made["subject_id"], made["authority"]) == (
        case, SUBJECT, COUNCIL)
    with pytest.raises(WorkflowRefusedError, match="not of subject"):
        referral(engine, subject_id="FICTIONAL-S-0002", case_id=case)
    with pytest.raises(WorkflowRefusedError, match="belongs to"):
        referral(engine, authority=OTHER, case_id=case)
    assert stored(engine) == 1


def test_refused_input_writes_nothing(engine: Engine) -> None:
    """Bad dates, a short reason, an unknown outcome or no council: a clear refusal and
    nothing written, no audit entry."""
    with pytest.raises(DataError, match="in the future"):
        referral(engine, referred_on=dt.date(2026, 12, 5))
    with pytest.raises(DataError, match="at least 10 characters"):
        referral(engine, reason="risk")
    with pytest.raises(DataError, match="name the council"):
        referral(engine, authority=None)
    assert (stored(engine), entries(engine)) == (0, [])
    referral(engine)
    with pytest.raises(DataError, match="before 2026-11-30"):
        record_outcome(engine, "CPL-000001", outcome="ird",
                       outcome_on=dt.date(2026, 11, 29), om_attended=None,
                       actor=officer(), today=TODAY)
    with pytest.raises(DataError, match="unknown outcome 'closed'"):
        record_outcome(engine, "CPL-000001", outcome="closed", outcome_on=TODAY,
                       om_attended=None, actor=officer(), today=TODAY)
    with pytest.raises(DataError, match="like CPL-000042"):
        record_outcome(engine, "ERA-000001", outcome="ird", outcome_on=TODAY,
                       om_attended=None, actor=officer(), today=TODAY)
    assert len(entries(engine)) == 1


def test_r115_children_and_families_initial_checks_recorded(engine: Engine) -> None:
    """R115 (Dorset §13): notified of a registered subject, Children & Families make
    initial checks including their own database and record them, for their council
    (their own by default); one collection in the audit trail."""
    worker = officer("cf.worker", role="childrens_social_work", organisation=COUNCIL,
                     scope=COUNCIL)
    made = record_initial_checks(
        engine, subject_id=SUBJECT, authority=None, notified_on=dt.date(2026, 12, 1),
        checked_on=dt.date(2026, 12, 2), database_checked=True,
        findings="FICTIONAL: no child known at the address; sister's children known",
        concerns=True, agency="childrens_services", actor=worker, today=TODAY)
    assert (made["kind"], made["authority"], made["referred_on"], made["outcome_on"],
            made["database_checked"], made["concerns"], made["agency"]) == (
        "initial_checks", COUNCIL, dt.date(2026, 12, 1), dt.date(2026, 12, 2), True,
        True, "childrens_services")
    entry = entries(engine)[-1]
    assert (entry.operation, entry.actor, entry.record_ids) == (
        "collection", "cf.worker", [made["reference"], SUBJECT])
    with pytest.raises(WorkflowRefusedError, match=f"only for {COUNCIL}"):
        record_initial_checks(
            engine, subject_id=SUBJECT, authority=OTHER, notified_on=TODAY,
            checked_on=TODAY, database_checked=False, findings="FICTIONAL: not checked",
            concerns=False, agency="childrens_services", actor=worker, today=TODAY)
    with pytest.raises(DataError, match="before 2026-12-01"):
        record_initial_checks(
            engine, subject_id=SUBJECT, authority=None, notified_on=dt.date(2026, 12, 1),
            checked_on=dt.date(2026, 11, 30), database_checked=True,
            findings="FICTIONAL: checked before being told", concerns=False,
            agency="childrens_services", actor=worker, today=TODAY)
    assert stored(engine) == 1


def test_r116_notice_to_nominated_education_contact(engine: Engine) -> None:
    """R116 (Dorset §17): the nominated Education contact is told that a subject lives
    near a school: a disclosure naming that contact, on the case's council; an unknown
    ground is refused."""
    case = a_case(engine)
    made = record_education_notice(
        engine, subject_id=None, case_id=case, authority=None,
        ground="lives_near_school", school="FICTIONAL Kirkton Primary",
        contact="FICTIONAL J. Reid, Quality Improvement Officer",
        notified_on=dt.date(2026, 12, 3),
        said="FICTIONAL: lives 250 m from the school gates", agency="police_scotland",
        actor=officer(), today=TODAY)
    assert (made["kind"], made["case_id"], made["subject_id"], made["authority"],
            made["ground_label"], made["school"], made["to_whom"]) == (
        "education_notice", case, SUBJECT, COUNCIL, "living near the school",
        "FICTIONAL Kirkton Primary", "FICTIONAL J. Reid, Quality Improvement Officer")
    entry = entries(engine)[-1]
    assert (entry.operation, entry.recipients) == (
        "disclosure", [f"FICTIONAL J. Reid, Quality Improvement Officer (Education), "
                       f"{COUNCIL}"])
    with pytest.raises(DataError, match="unknown ground 'nearby'"):
        record_education_notice(
            engine, subject_id=SUBJECT, case_id=None, authority=COUNCIL, ground="nearby",
            school="FICTIONAL Kirkton Primary", contact="FICTIONAL J. Reid",
            notified_on=TODAY, said="FICTIONAL: seen at the gates", agency="cjsw",
            actor=officer(), today=TODAY)
    assert stored(engine) == 1


def test_lists_are_confined_to_the_council_and_kinds(engine: Engine) -> None:
    """A council officer lists only their council's records, of the kinds asked, newest
    first; another council's record reads as not found (and a case of another council
    too); the list is one consultation naming what it lists."""
    referral(engine, referred_on=dt.date(2026, 11, 28))
    referral(engine, authority=OTHER)
    referral(engine, referred_on=dt.date(2026, 12, 2))
    record_education_notice(
        engine, subject_id=SUBJECT, case_id=None, authority=COUNCIL,
        ground="loitering_near_school", school="FICTIONAL Kirkton Primary",
        contact="FICTIONAL J. Reid", notified_on=TODAY,
        said="FICTIONAL: seen at the gates twice", agency="cjsw", actor=officer(),
        today=TODAY)
    mine = officer("solo", role="solo", organisation=COUNCIL, scope=COUNCIL)
    listed = list_records(engine, kinds=("referral",), actor=mine)
    assert [r["reference"] for r in listed] == ["CPL-000003", "CPL-000001"]
    assert entries(engine)[-1].record_ids == ["CPL-000003", "CPL-000001", SUBJECT]
    notices = list_records(engine, kinds=("education_notice",), actor=mine)
    assert [r["reference"] for r in notices] == ["CPL-000004"]
    with pytest.raises(OutOfScopeError, match="not found"):
        record_outcome(engine, "CPL-000002", outcome="ird", outcome_on=TODAY,
                       om_attended=False, actor=mine, today=TODAY)
    case = a_case(engine, authority=OTHER)
    with pytest.raises(OutOfScopeError, match="not found"):
        referral(engine, case_id=case, authority=None, actor=mine)
    with pytest.raises(NotFoundError):
        record_outcome(engine, "CPL-000099", outcome="ird", outcome_on=TODAY,
                       om_attended=False, actor=mine, today=TODAY)


def test_weeded_with_the_case(engine: Engine) -> None:
    """A record made on a case is part of its record and is weeded with it; one made on
    the subject alone is not."""
    case = a_case(engine)
    referral(engine, case_id=case, subject_id=None, authority=None)
    referral(engine)
    with session_scope(engine) as session:
        row = session.get(Case, int(case.removeprefix("ERA-")))
        assert row is not None
        row.status = "closed"
        row.closed_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    weed(engine, retention_days={"cases": 365}, actor=officer(), today=TODAY)
    with session_scope(engine) as session:
        left = session.scalars(select(ChildProtectionRecord.id)).all()
    assert left == [2]
