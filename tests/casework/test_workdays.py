"""Clear working days across Scottish holidays, substitute days included (NASSO 3.5)."""

from __future__ import annotations

import datetime as dt

import pytest

from geo_era.casework.workdays import (
    add_working_days,
    deadlines,
    is_working_day,
    working_days_between,
)
from geo_era.errors import DataError

D = dt.date


@pytest.mark.parametrize(("day", "working"), [
    (D(2026, 11, 30), False),   # St Andrew's Day, a Monday
    (D(2027, 11, 30), False),   # St Andrew's Day, a Tuesday
    (D(2025, 12, 1), False),    # St Andrew's Day 2025 fell on a Sunday: substitute Monday
    (D(2026, 12, 28), False),   # Boxing Day on a Saturday: substitute Monday
    (D(2027, 1, 4), False),     # 2 January on a Saturday: substitute Monday
    (D(2027, 3, 26), False),    # Good Friday
    (D(2027, 3, 29), True),     # Easter Monday is not a holiday in Scotland
    (D(2026, 8, 3), False),     # Summer bank holiday, first Monday in August (Scotland)
    (D(2026, 8, 31), True),     # the English late summer holiday is a Scottish working day
    (D(2026, 11, 21), False),   # a Saturday
    (D(2026, 11, 23), True),
])
def test_working_days(day: dt.date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(("case_type", "notified", "solo", "others", "overall"), [
    # St Andrew's Day (Mon 30 Nov 2026) is skipped
    ("initial_new", D(2026, 11, 26), D(2026, 12, 1), D(2026, 12, 4), D(2026, 12, 8)),
    # Christmas and New Year 2026/27: 25, 28 Dec (Boxing Day substitute), 1 and 4 Jan
    # (2 January substitute) are holidays: 24, 29, 30, 31 Dec, 5, 6, 7 Jan
    ("initial_new", D(2026, 12, 23), D(2026, 12, 29), D(2027, 1, 5), D(2027, 1, 7)),
    ("initial_resident", D(2026, 12, 22), D(2026, 12, 24), D(2027, 1, 11),
     D(2027, 1, 13)),
    # Easter 2027: Good Friday 26 March off, Easter Monday 29 March on
    ("initial_new", D(2027, 3, 24), D(2027, 3, 29), D(2027, 4, 1), D(2027, 4, 5)),
    # a notification on a Saturday: counting starts on Monday
    ("initial_new", D(2026, 11, 21), D(2026, 11, 24), D(2026, 11, 27), D(2026, 12, 2)),
    ("annual_review", D(2026, 12, 1), D(2027, 1, 5), D(2027, 1, 5), D(2027, 1, 5)),
])
def test_deadlines(case_type: str, notified: dt.date, solo: dt.date, others: dt.date,
                   overall: dt.date) -> None:
    assert deadlines(case_type, notified) == {"solo": solo, "others": others,
                                              "overall": overall}


def test_counting_helpers() -> None:
    assert add_working_days(D(2026, 11, 27), 0) == D(2026, 11, 27)
    assert working_days_between(D(2026, 12, 23), D(2027, 1, 8)) == 8
    assert working_days_between(D(2027, 1, 8), D(2026, 12, 23)) == -8
    with pytest.raises(DataError, match="cannot be negative"):
        add_working_days(D(2026, 1, 1), -1)
    with pytest.raises(DataError, match="unknown ERA type 'initial'"):
        deadlines("initial", D(2026, 1, 1))
