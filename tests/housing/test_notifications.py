"""Landlord notifications (NASSO 5.3), the core (:mod:`geo_era.housing.notifications`)
on SQLite and PostgreSQL: what is recorded and refused, who sees which, the status the
landlord is told, the link to a subject and the review, each with its one audit entry.

REQUIREMENTS.md: R87, R91, R97.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select

from geo_era import clock
from geo_era.casework.cases import open_case
from geo_era.db.store import LandlordNotification, open_store, session_scope
from geo_era.errors import DataError, OutOfScopeError, WorkflowRefusedError
from geo_era.housing import notifications as core
from geo_era.security.audit import Actor, AuditEntry
from tests.conftest import officer
from tests.migrations import migrate

TODAY = dt.date(2026, 12, 7)
COUNCIL = "FICTIONAL Inverallan Council"
OTHER = "FICTIONAL Other Council"
LANDLORD = "FICTIONAL Rowanlea Housing Association"
LINK = Actor("user.link", "rsl_link_officer", LANDLORD)
SOLO = Actor("user.solo", "solo", COUNCIL, "FICTIONAL: notifications received",
             scope=COUNCIL)
OTHER_SOLO = Actor("other.solo", "solo", OTHER, "FICTIONAL: notifications received",
                   scope=OTHER)
OMU = Actor("user.omu", "omu_analyst", "FICTIONAL Police OMU", "FICTIONAL: MAPPA review")
CJSW = Actor("user.cjsw", "cjsw", COUNCIL, "FICTIONAL: case work", scope=COUNCIL)
#: What the landlord's view never holds (5.4, 68-71).
NEVER_TO_THE_LANDLORD = {"subject_id", "note", "case_id", "linked_by", "linked_at",
                         "review_opened_by", "review_opened_at", "state", "authority",
                         "received_by"}


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


def tell(engine: Engine, *, kind: str = "possession", property_id: str = "P1",
         authority: str | None = COUNCIL, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "property_id": property_id, "landlord": LANDLORD, "authority": authority,
        "kind": kind, "occurred_on": TODAY, "landlord_reference": "FICTIONAL/T/0042",
        "details": "FICTIONAL: notice of proceedings for possession served",
        "actor": LINK, "today": TODAY}
    args.update(kw)
    return core.record_notice(engine, **args)


def entries(engine: Engine, since: int = 0) -> list[AuditEntry]:
    with session_scope(engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.seq > since)
                                    .order_by(AuditEntry.seq)))


def last_seq(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.max(AuditEntry.seq))) or 0)


def count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(LandlordNotification))
                   or 0)


def test_a_link_officer_tells_the_solo_and_follows_its_status(engine: Engine) -> None:
    """R91 (5.3: "keep the SOLO advised of any proposed house moves ... applications for
    housing made directly to the RSL ... tenancy issues or disputes and potential legal
    action/or proceedings for possession/tenancy complaints"): each kind is recorded with
    its date, details and the landlord's reference, one collection each; the landlord is
    told "sent", then "received by the SOLO" once the SOLO reads it, then "acted on"
    once linked, and never what it was linked to."""
    made = [tell(engine, kind=kind) for kind in core.KINDS]
    assert [m["reference"] for m in made] == [f"LN-{n:06d}" for n in range(1, 7)]
    assert [m["kind_label"] for m in made] == [
        "a proposed house move", "a direct application for housing",
        "a tenancy issue or dispute", "a tenancy complaint",
        "potential legal action or proceedings for possession",
        "other information that has come to light"]
    audit = entries(engine)
    assert [(e.operation, e.record_type, e.record_ids, e.actor) for e in audit] == [
        ("collection", "landlord_notification", [m["reference"]], "user.link")
        for m in made]
    first = made[0]["reference"]
    assert core.landlord_notices(engine, LANDLORD, actor=LINK)[-1]["status"] == \
        "sent to the SOLO"
    core.show_notice(engine, first, actor=SOLO, receive=True)
    core.show_notice(engine, first, actor=OMU, receive=True)  # the first reading counts
    mine = {n["reference"]: n for n in core.landlord_notices(
        engine, f"  {LANDLORD.upper()} ", actor=LINK)}
    assert mine[first]["status"] == "received by the SOLO"
    core.link(engine, first, subject_id="FICTIONAL-S000042", note="FICTIONAL: RA note",
              actor=SOLO)
    listed = core.landlord_notices(engine, LANDLORD, actor=LINK)
    assert {n["reference"]: n["status"] for n in listed}[first] == "acted on"
    for notice in listed:
        assert NEVER_TO_THE_LANDLORD.isdisjoint(notice)
        assert "FICTIONAL-S000042" not in str(notice) and "RA note" not in str(notice)
    assert core.landlord_notices(engine, "FICTIONAL Another Landlord", actor=LINK) == []


def test_possession_and_disputes_are_where_a_home_may_no_longer_be_manageable(
        engine: Engine) -> None:
    """R87 (5.3: "clear arrangements ... to deal with situations where a property is no
    longer manageable"): proceedings for possession and tenancy disputes are flagged as
    such to the SOLO and to the landlord alike; a complaint or a move is not."""
    flagged = {kind: tell(engine, kind=kind)["may_be_unmanageable"] for kind in core.KINDS}
    assert flagged == {"proposed_move": False, "direct_application": False,
                       "tenancy_dispute": True, "tenancy_complaint": False,
                       "possession": True, "other_information": False}
    seen = core.authority_notices(engine, actor=SOLO)
    assert {n["kind"] for n in seen if n["may_be_unmanageable"]} == {"tenancy_dispute",
                                                                      "possession"}


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "eviction"}, "unknown kind of notification 'eviction'; use one of "
                           "proposed_move, direct_application"),
    ({"kind": "tenancy_complaint", "occurred_on": TODAY + dt.timedelta(days=1)},
     "is in the future; give the date it happened"),
    ({"kind": "possession", "occurred_on": TODAY + dt.timedelta(days=367)},
     "only a proposed move or possession proceedings may have a date ahead, up to a year"),
    ({"occurred_on": dt.date(1999, 12, 31)}, "is before 2000-01-01"),
    ({"details": "  short  "}, "the details is needed: at least 10 characters"),
    ({"details": "x" * 4_001}, "keep it to 4000"),
    ({"landlord_reference": "  "}, "the landlord's tenancy or application reference is "
                                   "needed"),
    ({"landlord_reference": "T/1\nT/2"}, "is one line"),
])
def test_bad_input_is_refused_with_the_field_and_nothing_written(
        engine: Engine, change: dict[str, Any], message: str) -> None:
    """R91: a notification missing what 5.3 asks (what, when, the details, the
    landlord's reference) is refused saying which and how to put it right."""
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tell(engine, **change)
    assert count(engine) == 0 and entries(engine) == []


def test_a_move_or_a_hearing_may_lie_ahead(engine: Engine) -> None:
    ahead = TODAY + dt.timedelta(days=366)
    assert tell(engine, kind="proposed_move", occurred_on=ahead)["occurred_on"] == ahead


def test_who_sees_which_notification(engine: Engine) -> None:
    """R91, R97: the SOLO of the council the home lies in receives it, another council's
    SOLO does not (it reads as one that does not exist); police see them all; criminal
    justice social work only once the linked subject has an open case it leads. New and
    unlinked first, the latest first within each."""
    ours = [tell(engine)["reference"] for _ in range(3)]
    theirs = tell(engine, authority=OTHER)["reference"]
    core.link(engine, ours[2], subject_id="FICTIONAL-S000007", note=None, actor=OMU)
    assert [n["reference"] for n in core.authority_notices(engine, actor=SOLO)] == [
        ours[1], ours[0], ours[2]]
    assert [n["reference"] for n in core.authority_notices(engine, actor=OTHER_SOLO)] == [
        theirs]
    assert [n["reference"] for n in core.authority_notices(engine, actor=OMU)] == [
        theirs, ours[1], ours[0], ours[2]]
    with pytest.raises(OutOfScopeError) as hidden:
        core.show_notice(engine, theirs, actor=SOLO)
    with pytest.raises(OutOfScopeError) as missing:
        core.show_notice(engine, "LN-000999", actor=SOLO)
    assert str(hidden.value).replace(theirs, "X") == str(missing.value).replace(
        "LN-000999", "X")
    assert core.authority_notices(engine, actor=CJSW, lead_agency="cjsw") == []
    open_case(engine, subject_id="FICTIONAL-S000007", property_ids=["P1"],
              case_type="annual_review", notified=TODAY, on_licence_or_order=True,
              authority=COUNCIL, actor=officer(), today=TODAY)
    led = core.authority_notices(engine, actor=CJSW, lead_agency="cjsw")
    assert [n["reference"] for n in led] == [ours[2]]
    assert led[0]["subject_id"] == "FICTIONAL-S000007"


def test_linking_and_the_review_are_audited_once_each(engine: Engine) -> None:
    """R91, R97: a link is one combination naming the notification and the subject; the
    review's mark one alteration naming the notification and the case; a link cannot
    change once a review is opened, nor a second review be recorded."""
    ref = tell(engine)["reference"]
    with pytest.raises(WorkflowRefusedError, match="link LN-000001 to a subject before"):
        core.review_subject(engine, ref, actor=SOLO)
    since = last_seq(engine)
    linked = core.link(engine, ref, subject_id="FICTIONAL-S000042", note=None, actor=SOLO)
    assert (linked["state"], linked["received_by"]) == ("linked", "user.solo")
    assert core.review_subject(engine, ref, actor=SOLO) == "FICTIONAL-S000042"
    case = open_case(engine, subject_id="FICTIONAL-S000042", property_ids=["P1"],
                     case_type="annual_review", notified=TODAY, on_licence_or_order=False,
                     authority=COUNCIL, actor=officer(), today=TODAY)
    number = int(case["case_id"].removeprefix("ERA-"))
    marked = core.mark_review(engine, ref, case_id=number, case_reference=case["case_id"],
                              actor=SOLO)
    assert marked["state"] == f"review opened: {case['case_id']}"
    assert marked["case_id"] == case["case_id"]
    audit = [(e.operation, e.record_type, e.record_ids, e.actor)
             for e in entries(engine, since)]
    assert audit == [
        ("combination", "landlord_notification", [ref, "FICTIONAL-S000042"], "user.solo"),
        ("collection", "case", [case["case_id"], "FICTIONAL-S000042"], "officer"),
        ("alteration", "landlord_notification", [ref, case["case_id"]], "user.solo")]
    with pytest.raises(WorkflowRefusedError, match="review was opened from LN-000001"):
        core.mark_review(engine, ref, case_id=number, case_reference=case["case_id"],
                         actor=SOLO)
    with pytest.raises(WorkflowRefusedError, match="can no longer be changed"):
        core.link(engine, ref, subject_id="FICTIONAL-S000043", note=None, actor=SOLO)
    with pytest.raises(WorkflowRefusedError, match="already: ERA-000001"):
        core.review_subject(engine, ref, actor=SOLO)


def test_references_are_parsed_or_refused() -> None:
    assert core.parse_reference("ln-000042") == core.parse_reference(42) == 42
    for bad in ("ERA-000042", "LN-", "LN-0x2a", "LN-1234567890"):
        with pytest.raises(DataError, match="not a notification reference"):
            core.parse_reference(bad)


def test_the_migration_goes_down_and_up_again(tmp_path: Path, database_url: str) -> None:
    """Migration 0012's table is dropped by its downgrade and made again by upgrade, on
    both backends."""
    engine = open_store(tmp_path, database_url)
    tell(engine)
    migrate(engine, "0010", down=True)
    assert "landlord_notifications" not in inspect(engine).get_table_names()
    migrate(engine, "head")
    assert "landlord_notifications" in inspect(engine).get_table_names()
    assert tell(engine)["reference"] == "LN-000001"
    engine.dispose()


def test_weeding_keeps_a_notification_whose_review_is_open(engine: Engine) -> None:
    """R91 (DPA 2018: kept no longer than needed): past retention, a notification goes,
    with one erasure entry naming it and the count logged; one whose review is still
    open stays until the case closes."""
    gone, kept = tell(engine)["reference"], tell(engine)["reference"]
    core.link(engine, kept, subject_id="FICTIONAL-S000042", note=None, actor=SOLO)
    case = open_case(engine, subject_id="FICTIONAL-S000042", property_ids=["P1"],
                     case_type="annual_review", notified=TODAY, on_licence_or_order=False,
                     authority=COUNCIL, actor=officer(), today=TODAY)
    core.mark_review(engine, kept, case_id=1, case_reference=case["case_id"], actor=SOLO)
    since = last_seq(engine)
    later = clock.today() + dt.timedelta(days=11)
    assert core.weed(engine, retention_days=30, actor=officer(), today=later)["weeded"] == 0
    line = core.weed(engine, retention_days=10, actor=officer(), today=later)
    assert (line["record_type"], line["weeded"]) == ("notifications", 1)
    assert [(e.operation, e.record_type, e.record_ids) for e in entries(engine, since)] == [
        ("erasure", "notifications", [gone])]
    assert [n["reference"] for n in core.authority_notices(engine, actor=OMU)] == [kept]
    with pytest.raises(DataError, match="cannot be negative"):
        core.weed(engine, retention_days=-1, actor=officer())
