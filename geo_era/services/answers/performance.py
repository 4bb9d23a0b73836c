"""Answers of the ERA performance service (R126, R131): the tables of one reporting year
for one council or all, OFFICIAL-SENSITIVE, as counts and working days; no subject or
case is named. Working days are ``null`` where nothing was measured."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from geo_era.services.answers._base import Answer

Days = float | None


class Timeliness(Answer):
    """ERAs of one type completed in the year (of one lead agency or council where the
    table says so): within the timescale (clear working days), late, late but decided by
    an extended deadline, and the median and 90th percentile of the working days."""

    lead_agency: str | None = None
    council: str | None = None
    case_type: str
    timescale_days: int
    completed: int
    within: int
    late: int
    late_extended: int
    median_days: Days
    p90_days: Days


class Outstanding(Answer):
    """ERAs of one type notified and not completed at the end of the year (or today):
    how many, and how many past their deadline in force."""

    case_type: str
    timescale_days: int
    not_completed: int
    overdue: int


class Agreements(Answer):
    """One agency's agreements recorded in the year (3.11), in working days from the
    case's notification; on time by the agency's deadline in force."""

    agency: str
    recorded: int
    agreed: int
    disagreed: int
    on_time: int
    late: int
    median_days: Days
    p90_days: Days


class Extensions(Answer):
    """Deadline extensions granted in the year (3.5): whose deadline (``case`` or an
    agency), who granted them, how many, on how many cases, the working days added."""

    deadline: str
    granted_as: str
    extensions: int
    cases: int
    median_days_added: Days


class Reviews(Answer):
    """Annual reviews falling due in the year in one council (3.3, 3.5), by outcome as at
    the end of the year (or today)."""

    council: str
    due: int
    done_on_time: int
    done_late: int
    overdue: int
    not_yet_due: int


class Waivers(Answer):
    """Reviews waived in the year (3.3), by the criterion the subject meets."""

    criterion: str
    meaning: str
    waivers: int


class Triggers(Answer):
    """Landlord notifications (5.3) of one kind recorded in the year, received, acted on
    (linked to a subject or a review opened from them) and with a review opened."""

    kind: str
    raised: int
    received: int
    acted_on: int
    review_opened: int


class PerformanceTables(Answer):
    """The report's tables (the CSV files' stems); ``reviews`` is absent when no
    subjects layer is loaded (the notes say so)."""

    timeliness: list[Timeliness]
    timeliness_by_agency: list[Timeliness]
    timeliness_by_council: list[Timeliness]
    outstanding: list[Outstanding]
    agreements: list[Agreements]
    extensions: list[Extensions]
    reviews: list[Reviews] | None = None
    waivers: list[Waivers]
    triggers: list[Triggers]


class PerformanceReport(Answer):
    """The ERA performance of one reporting year (1 April to 31 March)."""

    marking: str = Field(description="OFFICIAL-SENSITIVE: internal, never published")
    fictional: bool
    year: int = Field(description="the year the reporting year ends on 31 March")
    start: dt.date
    end: dt.date
    as_at: dt.date = Field(description="the end of the year, or today if earlier")
    authority: str | None = Field(description="the council; null for all councils")
    tables: PerformanceTables
    notes: list[str] = Field(description="what is measured, and what cannot be")


class PerformanceWritten(Answer):
    """The report's files written into ``out``."""

    marking: str
    year: int
    authority: str | None
    out: str
    files: list[str]
