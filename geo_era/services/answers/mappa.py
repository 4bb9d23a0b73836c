"""Answers of the annual MAPPA figures (NASSO 1.0; R128-R131): the internal version
(exact counts) and the version for publication (disclosure control: a count is a whole
number or ``[c]`` where suppressed), and what the command line wrote.

Each table is a list of rows, one per unit (a council, or a MAPPA area in Scotland's
report) and a ``Total`` row where there is more than one unit; each row's ``Total`` is
its row's total where the table has more than one column. No row names a subject.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ConfigDict, Field

from geo_era.services.answers._base import Answer

#: A count: a whole number, or ``[c]`` where a published count is suppressed.
Count = int | Literal["[c]"]


class _Row(Answer):
    model_config = ConfigDict(extra="ignore", frozen=True, serialize_by_alias=True,
                              validate_by_name=True, validate_by_alias=True)

    council: str | None = Field(default=None, description="The council (or Total).")
    mappa_area: str | None = Field(default=None,
                                   description="The MAPPA area (or Total), in Scotland's.")
    total: Count | None = Field(default=None, alias="Total",
                                description="The row's total, where it has columns.")


class PeopleManagedRow(_Row):
    """People managed on 31 March by MAPPA category (1-3) and level (1-3)."""

    category_1_level_1: Count
    category_1_level_2: Count
    category_1_level_3: Count
    category_2_level_1: Count
    category_2_level_2: Count
    category_2_level_3: Count
    category_3_level_1: Count
    category_3_level_2: Count
    category_3_level_3: Count
    category_or_level_not_recorded: Count


class RegistrationsRow(_Row):
    """New registrations in the year, by category."""

    category_1: Count
    category_2: Count
    category_3: Count
    category_not_recorded: Count


class DateNotRecordedRow(_Row):
    """People managed with no registration date recorded."""

    registration_date_not_recorded: Count


class HousedRow(_Row):
    """Moves into a home in the year, by tenure and route."""

    council_void: Count
    council_temporary: Count
    council_transfer: Count
    council_not_recorded: Count
    housing_association_void: Count
    housing_association_temporary: Count
    housing_association_transfer: Count
    housing_association_not_recorded: Count
    private_temporary: Count
    private_transfer: Count
    private_private: Count


class OutOfAreaRow(_Row):
    """Out-of-area placements agreed in the year, with and without consent recorded."""

    with_consent: Count
    without_consent: Count


class RateRow(_Row):
    """People managed per 100,000 residents (None where unknown or suppressed)."""

    population: int | None
    people_managed: Count
    rate_per_100k: float | None


class MappaTables(Answer):
    people_managed: list[PeopleManagedRow]
    registrations: list[RegistrationsRow]
    registration_date_not_recorded: list[DateNotRecordedRow]
    housed: list[HousedRow]
    out_of_area: list[OutOfAreaRow]
    rates: list[RateRow]


class _MappaReport(Answer):
    marking: str
    scope: Literal["council", "area", "scotland"]
    name: str = Field(description="The council, the MAPPA area, or Scotland.")
    year: int = Field(description="The year the reporting period ends (31 March).")
    period_start: dt.date
    period_end: dt.date
    fictional: bool
    unit: Literal["council", "mappa_area"]
    notes: list[str]
    tables: MappaTables


class InternalMappaReport(_MappaReport):
    """The internal figures (OFFICIAL-SENSITIVE): exact counts."""

    published: Literal[False]


class PublishedMappaReport(_MappaReport):
    """The figures for publication (disclosure control applied); the only version a
    landlord's Link Officer gets."""

    published: Literal[True]


class MappaWritten(Answer):
    """The figures written as files: ``report.html``, ``report.pdf`` and the CSVs."""

    marking: str
    scope: str
    name: str
    year: int
    out: str
    files: list[str]


class MappaChoices(Answer):
    """What the figures' form offers the caller: the councils (council staff: their
    own), the MAPPA areas and Scotland (not for council staff), the latest year whose
    reporting period has ended, and whether only the version for publication."""

    councils: list[str]
    areas: list[str]
    scotland: bool
    latest_year: int
    published_only: bool
