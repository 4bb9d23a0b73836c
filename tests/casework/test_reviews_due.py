"""Reviews that fall due correctly (NASSO 3.3, 3.5; issue 18 item 6): renewal dates from
the last completed ERA of any type, the deadline 21 clear working days after the renewal
date, waivers, ERA required on a new registration or a change of address, review periods
shortened by risk, and annual reviews opened ahead of their renewal date.

Every date below is worked by hand from the calendar and the Scottish bank holidays
(25 and 26 December, 1 and 2 January, and the substitute Monday when one falls at a
weekend), never computed with the code under test. R8, R10."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from geo_era.casework.cases import open_case
from geo_era.casework.reviews import reviews_due, waive_review
from geo_era.db.store import Case, Decision, open_store, session_scope
from geo_era.errors import ConfigurationError, DataError
from geo_era.security.audit import AuditEntry
from geo_era.settings import load_settings
from tests.casework.test_reviews import close_a_case
from tests.conftest import officer

#: A Tuesday, just after New Year.
TODAY = dt.date(2027, 1, 5)
REASONS = "reviewed at the MAPPA level 2 meeting; placement stable, no change in risk"


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


def decided(engine: Engine, subject_id: str, property_id: str, on: dt.date, *,
            case_type: str = "annual_review", part: str = "C") -> str:
    """A completed ERA: a closed case of ``case_type`` with a Part C (or D) decision
    recorded on ``on`` (as if decided then); its reference."""
    at = dt.datetime.combine(on, dt.time(14, 30), tzinfo=dt.UTC)
    with session_scope(engine) as session:
        case = Case(subject_id=subject_id, case_type=case_type, lead_agency="police_scotland",
                    notified_on=on - dt.timedelta(days=20), due_on=on, status="approved",
                    closed_at=at)
        session.add(case)
        session.flush()
        session.add(Decision(case_id=case.id, part=part, property_id=property_id,
                             manageable=True, conclusion="manageable", reasons="checked",
                             recorded_by="FICTIONAL officer", agency="police_scotland",
                             recorded_at=at))
        session.flush()
        return case.reference


def subjects(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def due_list(engine: Engine, frame: pd.DataFrame, **kw: Any) -> dict[str, dict[str, Any]]:
    return {d["subject_id"]: d for d in reviews_due(frame, engine, actor=officer(),
                                                    today=TODAY, **kw)}


def test_assessed_ten_days_ago_not_due_thirteen_months_ago_due_across_christmas(
        engine: Engine) -> None:
    """R10: the renewal date is a year after the last completed ERA of any type, and the
    review is due 21 clear working days after it; nobody assessed within the year is
    listed, whatever the look-ahead.

    OLD, assessed (Part C, an initial ERA) on Friday 5 December 2025: renewal Saturday
    5 December 2026. Working days after it: 7-11 Dec (5), 14-18 (10), 21-24 (14; 25 Dec
    is Christmas), 28 Dec is the substitute for Boxing Day (Saturday 26), 29-31 Dec (17),
    1 Jan is a holiday, 4 Jan the substitute for Saturday 2 Jan, 5-8 Jan (21): due Friday
    8 January 2027, not yet past on 5 January, so "due".

    LATE, assessed (Part D) on 1 October 2025: renewal Thursday 1 October 2026; 2 Oct
    (1), 5-9 (6), 12-16 (11), 19-23 (16), 26-30 (21): due Friday 30 October 2026,
    past, so "overdue".

    RECENT, assessed on 26 December 2026 (ten days ago): not listed."""
    old = decided(engine, "OLD", "P1", dt.date(2025, 12, 5), case_type="initial_new")
    decided(engine, "LATE", "P2", dt.date(2025, 10, 1), part="D")
    decided(engine, "RECENT", "P3", dt.date(2025, 12, 1))  # an earlier ERA ...
    decided(engine, "RECENT", "P3", dt.date(2026, 12, 26))  # ... and the last one
    decided(engine, "LOW", "P4", dt.date(2025, 12, 5))  # no 3.3 criterion: no review
    frame = subjects(
        {"subject_id": "OLD", "mappa_level": 2, "current_property_id": "P1"},
        {"subject_id": "LATE", "mappa_level": 3, "current_property_id": "P2"},
        {"subject_id": "RECENT", "mappa_level": 2, "current_property_id": "P3"},
        {"subject_id": "LOW", "mappa_level": 1, "risk_level": "low",
         "current_property_id": "P4"})
    due = due_list(engine, frame)
    assert list(due) == ["LATE", "OLD"]  # overdue first
    assert due["OLD"]["status"] == "due"
    assert due["OLD"]["renewal_date"] == dt.date(2026, 12, 5)
    assert due["OLD"]["due"] == dt.date(2027, 1, 8)
    assert due["OLD"]["last_era"] == {"case_id": old, "decided_on": dt.date(2025, 12, 5),
                                      "property_id": "P1"}
    assert due["LATE"]["status"] == "overdue"
    assert (due["LATE"]["renewal_date"], due["LATE"]["due"]) == (
        dt.date(2026, 10, 1), dt.date(2026, 10, 30))
    assert "RECENT" not in due_list(engine, frame, within_days=300)
    # the consultation names exactly the subjects listed
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None and entry.operation == "consultation"
        assert sorted(entry.record_ids) == ["LATE", "OLD"]


def test_just_approved_through_part_c_is_not_due(engine: Engine) -> None:
    """R10: a case approved at Part C today is the subject's last completed ERA: they are
    not due, even looking a month ahead."""
    close_a_case(engine, "FICTIONAL-S1")  # approved on P1 today
    frame = subjects({"subject_id": "FICTIONAL-S1", "mappa_level": 2,
                      "current_property_id": "P1"})
    assert reviews_due(frame, engine, actor=officer(), within_days=30) == []


def test_a_waiver_moves_the_renewal_on_a_year(engine: Engine) -> None:
    """R10, R12: a waiver recorded in the year before the renewal date waives that review
    (renewal 5 December 2026 becomes 5 December 2027); one recorded after it, late, sets
    the renewal a year after the waiver (1 October 2026 renewal, waived 2 November 2026:
    renewal 2 November 2027). 21 working days after Tuesday 2 November 2027: 3-5 Nov (3),
    8-12 (8), 15-19 (13), 22-26 (18), 29 Nov (19), 30 Nov is St Andrew's Day, 1-2 Dec
    (21): due Thursday 2 December 2027."""
    decided(engine, "OLD", "P1", dt.date(2025, 12, 5))
    decided(engine, "LATE", "P2", dt.date(2025, 10, 1))
    frame = subjects({"subject_id": "OLD", "mappa_level": 2, "current_property_id": "P1"},
                     {"subject_id": "LATE", "mappa_level": 2, "current_property_id": "P2"})
    assert set(due_list(engine, frame)) == {"OLD", "LATE"}
    waive_review(engine, "OLD", justification=REASONS, actor=officer("chair"),
                 today=dt.date(2026, 11, 20))
    waive_review(engine, "LATE", justification=REASONS, actor=officer("chair"),
                 today=dt.date(2026, 11, 2))
    assert due_list(engine, frame) == {}
    ahead = due_list(engine, frame, within_days=366)
    assert ahead["OLD"]["renewal_date"] == dt.date(2027, 12, 5)
    assert ahead["OLD"]["waived"] == 1
    assert (ahead["LATE"]["renewal_date"], ahead["LATE"]["due"]) == (
        dt.date(2027, 11, 2), dt.date(2027, 12, 2))
    assert all(d["status"] == "due" for d in ahead.values())


def test_new_registration_and_change_of_address_need_an_era(engine: Engine) -> None:
    """R8: an ERA on initial registration and any change of address. A subject with no
    completed ERA, and one living at a property other than their last completed ERA's,
    are listed as era_required (whatever the 3.3 criteria); one still at their ERA's
    property, or not housed, is not."""
    reference = decided(engine, "MOVED", "P1", dt.date(2026, 11, 1))
    decided(engine, "STAYED", "P1", dt.date(2026, 11, 1))
    decided(engine, "UNHOUSED", "P1", dt.date(2026, 11, 1))
    frame = subjects(
        {"subject_id": "NEW", "mappa_level": 1, "risk_level": "low",
         "current_property_id": None},
        {"subject_id": "MOVED", "mappa_level": 1, "risk_level": "low",
         "current_property_id": "P9"},
        {"subject_id": "STAYED", "mappa_level": 2, "current_property_id": "P1"},
        {"subject_id": "UNHOUSED", "mappa_level": 2, "current_property_id": None})
    due = due_list(engine, frame)
    assert sorted(due) == ["MOVED", "NEW"]
    assert {d["status"] for d in due.values()} == {"era_required"}
    assert due["NEW"]["last_era"] is None and due["NEW"]["renewal_date"] is None
    assert due["MOVED"]["why"] == (f"living at P9, not at P1 where the last completed ERA "
                                   f"({reference}) placed them: a change of address needs "
                                   "an ERA")


def test_very_high_risk_reviewed_every_six_months(engine: Engine) -> None:
    """R10: a shorter period by risk. With {"very_high": 6}, a very-high-risk subject
    assessed on 5 July 2026 falls due on 5 January 2027 (today); 21 working days after
    Tuesday 5 January: 6-8 Jan (3), 11-15 (8), 18-22 (13), 25-29 (18), 1-3 Feb (21):
    Wednesday 3 February 2027. With the default 12 months they are not due; the
    shortest period that applies wins (mappa_1: 9 is longer than very_high: 6)."""
    decided(engine, "VH", "P1", dt.date(2026, 7, 5))
    frame = subjects({"subject_id": "VH", "mappa_level": 1, "risk_level": "very_high",
                      "current_property_id": "P1"})
    assert due_list(engine, frame) == {}
    due = due_list(engine, frame, review_months={"very_high": 6, "mappa_1": 9})
    assert (due["VH"]["renewal_date"], due["VH"]["due"], due["VH"]["period_months"]) == (
        dt.date(2027, 1, 5), dt.date(2027, 2, 3), 6)
    with pytest.raises(DataError, match="the look-ahead is a number of days"):
        due_list(engine, frame, within_days=-1)


def test_review_months_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """R10: GEO_ERA_REVIEW_MONTHS is JSON by risk or MAPPA level; anything else is
    refused with the valid keys, and periods are 1 to 12 months."""
    monkeypatch.setenv("GEO_ERA_REVIEW_MONTHS", '{"very_high": 6, "mappa_3": 9}')
    assert load_settings().review_months == {"very_high": 6, "mappa_3": 9}
    monkeypatch.setenv("GEO_ERA_REVIEW_MONTHS", '{"extreme": 6}')
    with pytest.raises(ConfigurationError, match="'extreme' in GEO_ERA_REVIEW_MONTHS is "
                                                 "neither a risk level nor a MAPPA level"):
        load_settings()
    monkeypatch.setenv("GEO_ERA_REVIEW_MONTHS", '{"high": 13}')
    with pytest.raises(ConfigurationError, match="a review period is 1 to 12 months"):
        load_settings()
    monkeypatch.delenv("GEO_ERA_REVIEW_MONTHS")
    assert load_settings().review_months == {}


def test_annual_review_opened_ahead_of_renewal(engine: Engine) -> None:
    """R10: an annual-review case may be opened ahead of its renewal date (notified in
    the future, its deadline 21 working days after: 5 December 2026 gives 8 January
    2027, as above); an initial ERA may not. The open review shows on the due list."""
    opened = open_case(engine, subject_id="OLD", property_ids=["P1"],
                       case_type="annual_review", notified=dt.date(2026, 12, 5),
                       on_licence_or_order=False, today=dt.date(2026, 11, 20),
                       actor=officer())
    assert opened["due"] == "2027-01-08"
    with pytest.raises(DataError, match="only an annual review may be opened ahead"):
        open_case(engine, subject_id="NEW", property_ids=["P1"], case_type="initial_new",
                  notified=dt.date(2026, 12, 5), on_licence_or_order=False,
                  today=dt.date(2026, 11, 20), actor=officer())
    decided(engine, "OLD", "P1", dt.date(2025, 12, 5))
    frame = subjects({"subject_id": "OLD", "mappa_level": 2, "current_property_id": "P1"})
    assert due_list(engine, frame)["OLD"]["open_case"] == opened["case_id"]
