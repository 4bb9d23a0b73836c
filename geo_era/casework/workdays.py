"""Clear working days and ERA deadlines (NASSO 3.5).

A working day is a weekday that is not a Scottish public holiday: the ``holidays``
package's UK calendar for the Scotland subdivision, which includes 2 January, Good
Friday, the first Monday in August, St Andrew's Day and the substitute days when a
holiday falls at a weekend (but not Easter Monday, which is not a bank holiday in
Scotland). Councils' local holidays are not national and are not counted.

"N clear working days after notification" is read as: the day of notification does not
count; the deadline is the end of the N-th working day after it.

=====================  ==========  ===========  ========
ERA type (NASSO 3.5)   SOLO        others       overall
=====================  ==========  ===========  ========
initial_new            2           5            7
initial_resident       2           10           12
annual_review          21          21           21
=====================  ==========  ===========  ========

3.5 can be read two ways for the SOLO/others split (``GEO_ERA_DEADLINE_READING``):
``from_notification`` (the default) counts both from notification; ``after_solo`` counts
the others' days after the SOLO's deadline (so for an initial case the others' deadline
is the overall one: 2 + 5 = 7, 2 + 10 = 12). An annual review has no split ("by all"):
both readings give 21 clear working days from the renewal date to everyone.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from geo_era.errors import DataError

CASE_TYPES = ("initial_new", "initial_resident", "annual_review")
#: The readings of 3.5's SOLO/others split (see the module's docstring).
DEADLINE_READINGS = ("from_notification", "after_solo")

#: Working days allowed, by case type: (SOLO, other agencies, overall).
TIMESCALES: dict[str, tuple[int, int, int]] = {
    "initial_new": (2, 5, 7),
    "initial_resident": (2, 10, 12),
    "annual_review": (21, 21, 21),
}


@lru_cache(maxsize=64)
def scottish_holidays(year: int) -> frozenset[dt.date]:
    """Scottish public holidays of a year, substitute days included."""
    return frozenset(holidays.country_holidays("GB", subdiv="SCT", years=[year]).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in scottish_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise DataError(f"a number of working days cannot be negative; got {days}")
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if before)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for k in range(1, (end - start).days + 1)
               if is_working_day(start + dt.timedelta(days=k)))


def deadlines(case_type: str, notified: dt.date,
              reading: str = "from_notification") -> dict[str, dt.date]:
    """Due dates ``{"solo": ..., "others": ..., "overall": ...}`` for a case, the
    others' counted from notification or, with ``reading="after_solo"``, after the
    SOLO's deadline (never for an annual review, which has no split)."""
    if case_type not in TIMESCALES:
        raise DataError(f"unknown ERA type {case_type!r}; use one of {', '.join(CASE_TYPES)}")
    if reading not in DEADLINE_READINGS:
        raise DataError(f"unknown deadline reading {reading!r}; use one of "
                        f"{', '.join(DEADLINE_READINGS)}")
    solo, others, overall = TIMESCALES[case_type]
    solo_due = add_working_days(notified, solo)
    split = reading == "after_solo" and case_type != "annual_review"
    return {"solo": solo_due,
            "others": add_working_days(solo_due if split else notified, others),
            "overall": add_working_days(notified, overall)}
