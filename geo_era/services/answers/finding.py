"""The answers of finding things: properties by address or id, a subject's cases."""

from __future__ import annotations

from pydantic import Field

from geo_era.services.answers._base import Answer
from geo_era.services.answers.casework import CaseSummary


class PropertyFound(Answer):
    """One property a search found: reference data only (never who lives there)."""

    property_id: str
    address: str


class PropertyMatches(Answer):
    """The properties a query names, best first."""

    query: str = Field(description="the query as read (spaces collapsed)")
    total: int = Field(description="how many properties match in all")
    properties: list[PropertyFound] = Field(description="the first matches, best first")


class SubjectCases(Answer):
    """A subject's cases that the caller may see, newest first."""

    subject_id: str
    in_subjects_layer: bool = Field(description="the subject is in the subjects layer")
    cases: list[CaseSummary]
