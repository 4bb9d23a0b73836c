"""Typed answers of the staff-safety markers (NASSO 69-70, 5.3).

:class:`Marker` is the Responsible Authorities' view (the subject linked, their reason,
the owner, who recorded and reviewed it). :class:`SharedMarker` is what housing staff
and contractors get: a different model, so that a field they may not see does not exist
in their answer (the property, the instructions, the reviewed practical text, the dates
and whom to contact; never the subject, the reason, the offence or who asked).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from geo_era.services.answers._base import Answer

Status = Literal["current", "review_due", "expired"]
STATUS_HELP = ("current: shown to housing and contractors; review_due: on or past its "
               "review date, still shown; expired: on or past its expiry date, shown to "
               "the Responsible Authorities only")


class Instruction(Answer):
    """One instruction of a marker: its code and the words staff see (NASSO 70)."""

    code: Literal["visit_in_pairs", "office_only", "access_through_solo"]
    text: str


class Marker(Answer):
    """A staff-safety marker as the Responsible Authorities see it."""

    marker_id: str = Field(description="SSM-000042")
    property_id: str
    address: str | None = None
    tenancy_reference: str | None
    landlord: str | None
    authority: str | None = Field(description="the council the property lies in")
    instructions: list[Instruction]
    practical_text: str | None
    text_reviewed_by: str | None = Field(
        description="the RA officer who approved the practical text for housing staff "
                    "and contractors; until then they are not shown it")
    text_reviewed_at: dt.datetime | None
    subject_id: str | None
    reason: str | None
    owner: str = Field(description="the RA officer responsible for the marker")
    review_on: dt.date
    expires_on: dt.date = Field(description="from this day the marker is expired")
    status: Status = Field(description=STATUS_HELP)
    firms: list[str] = Field(description="the contractor firms it is shared with")
    last_reviewed_by: str | None
    last_reviewed_at: dt.datetime | None
    recorded_by: str
    recorded_at: dt.datetime
    contact: str


class SharedMarker(Answer):
    """A staff-safety marker as housing staff and a contractor see it (NASSO 69-70):
    how to visit safely, never why."""

    marker_id: str = Field(description="SSM-000042")
    property_id: str
    address: str | None = None
    tenancy_reference: str | None = Field(
        default=None, description="the landlord's own tenancy reference (housing staff)")
    instructions: list[Instruction]
    practical_text: str | None = Field(
        description="the practical instruction, once a Responsible Authority officer "
                    "has reviewed it")
    review_on: dt.date
    expires_on: dt.date
    status: Literal["current", "review_due"] = Field(description=STATUS_HELP)
    contact: str = Field(description="whom to contact before any visit or repair")
