"""Answers of the report services: the annual over-concentration report of one authority
(NASSO 5.2, 3.13), internal or for publication, and what the command line wrote.

The two versions are two models. :class:`InternalReport` has the exact figures, the
Gi* statistics of every area and the placements without the receiving authority's
consent (they name subjects). :class:`PublishedReport`, the only one a landlord's Link
Officer gets, has the figures after disclosure control and declares none of those: no
Gi* column, no figures of an area of concern, no consent list.

A table's counts are whole numbers, or ``[c]`` where a published count is suppressed;
rates and quotients are ``null`` where unknown. A table whose columns are named by its
data (a count per year, ``count_2026``; the flows into and out of the authority, ``into
<authority>``) admits only the columns its pattern names.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import ConfigDict, Field, model_validator

from geo_era.services.answers._base import Answer

Number = int | float
#: A count as published: a whole number, or the suppression marker ``[c]``.
Count = int | str
#: The name of a level's table (an area type of the areas layer, e.g. ``data_zone``):
#: never the name of one of the report's other tables.
LEVEL = r"(?!(authority|out_of_area|areas_of_concern)(_|$))[a-z][a-z0-9_]*"


class _Columns(Answer):
    """A table row: its declared columns, and the columns its data names, admitted only
    when they match :attr:`named` (any other column is left out)."""

    model_config = ConfigDict(extra="allow", frozen=True, serialize_by_alias=True,
                              validate_by_name=True, validate_by_alias=True)
    #: the pattern of the columns the data names (none by default)
    named: ClassVar[re.Pattern[str] | None] = None

    @model_validator(mode="before")
    @classmethod
    def _declared_or_named(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        declared = {f.alias or name for name, f in cls.model_fields.items()} \
            | set(cls.model_fields)
        return {k: v for k, v in data.items() if k in declared or (
            cls.named is not None and isinstance(k, str) and cls.named.fullmatch(k))}


class AuthorityRow(Answer):
    """The authority in one year (31 March): placements, the change on the year before
    (empty in the first year), residents and households, and the rates."""

    year: int
    as_at: str
    count: Count
    change: Count | None
    population: Number | None
    households: Number | None
    rate_per_100k: Number | None
    rate_per_1k_households: Number | None


class PublishedAreaRow(_Columns):
    """One area of a level: the counts per year (``count_<year>``), the change on the
    year before, the rates, the location quotient and the map class."""

    __pydantic_extra__: dict[str, Count | None] = Field(init=False)
    named: ClassVar[re.Pattern[str] | None] = re.compile(r"count_\d{4}")

    area_id: str
    name: str
    population: Number | None
    households: Number | None
    count: Count
    change: Count | None
    rate_per_100k: Number | None
    rate_per_1k_households: Number | None
    location_quotient: Number | None
    lq_class: str


class InternalAreaRow(PublishedAreaRow):
    """An area of the internal report: with its Gi* z-score, p-value and hot (cold)
    spot."""

    gi_z: Number | None
    gi_p: Number | None
    hot_spot: str


class PublishedConcern(Answer):
    """An area of concern as published: named, with how many areas it spans, no
    figures."""

    label: str
    areas: int
    names: str


class InternalConcern(PublishedConcern):
    count: int
    rate_per_1k_households: Number | None
    times_authority: Number | None
    change: int | None


class FlowRow(_Columns):
    """Placements between the authority and one other (or the total): ``into
    <authority>`` by the other, ``placed by <authority>`` into the other."""

    __pydantic_extra__: dict[str, Count | None] = Field(init=False)
    named: ClassVar[re.Pattern[str] | None] = re.compile(r"(into|placed by) .+")

    other_authority: str = Field(alias="other authority")


class WithoutConsentRow(Answer):
    """An out-of-area placement with no recorded consent of the receiving authority
    (NASSO 3.13): internal only."""

    subject_id: str
    property_id: str
    placing_authority: str | None
    receiving_authority: str | None
    start_date: str


class PublishedTables(_Columns):
    """The published tables: the authority's, the one level shown (by its name, e.g.
    ``data_zone``) and the out-of-area placements."""

    __pydantic_extra__: dict[str, list[PublishedAreaRow]] = Field(init=False)
    named: ClassVar[re.Pattern[str] | None] = re.compile(LEVEL)

    authority: list[AuthorityRow]
    out_of_area: list[FlowRow]


class InternalTables(_Columns):
    """The internal tables: the authority's, every level (by its name, e.g. ``ward``,
    ``data_zone``), the out-of-area placements and those without consent."""

    __pydantic_extra__: dict[str, list[InternalAreaRow]] = Field(init=False)
    named: ClassVar[re.Pattern[str] | None] = re.compile(LEVEL)

    authority: list[AuthorityRow]
    out_of_area: list[FlowRow]
    out_of_area_without_consent: list[WithoutConsentRow]


class GiStar(Answer):
    permutations: int
    seed: int
    #: the authority's rate per 1,000 households in the report's year, as printed
    authority_rate_per_1k_households: str


class _Report(Answer):
    marking: str
    authority: str
    as_at: str = Field(description="31 March of the report's year (ISO date)")
    years: list[int]
    published: bool
    fictional: bool
    data_version: int | None
    narrative: list[str]
    gi_star: GiStar


class InternalReport(_Report):
    """The internal report (OFFICIAL-SENSITIVE): exact figures, Gi* of every area, the
    placements without consent by subject."""

    areas_of_concern: list[InternalConcern]
    tables: InternalTables


class PublishedReport(_Report):
    """The report for publication: disclosure control applied, nobody named."""

    areas_of_concern: list[PublishedConcern]
    tables: PublishedTables


class ReportWritten(Answer):
    """One authority's report written as files: ``report.html``, ``report.pdf`` and the
    CSV tables."""

    marking: str
    authority: str
    year: int
    out: str
    files: list[str]
    narrative: list[str]


class ReportsWritten(Answer):
    """Every council's report written, each into a directory of its own; the councils
    skipped, with why."""

    year: int
    out: str
    written: dict[str, str]
    skipped: list[str]


class ReportChoices(Answer):
    """What a report form offers: the councils the caller may report on, the year of
    the latest 31 March passed, and whether the caller gets only the version for
    publication."""

    councils: list[str]
    latest_year: int
    published_only: bool
