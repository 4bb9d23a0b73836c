"""Answers of the live-voids services (NASSO 5.3, 3.12): what a landlord's Link Officer
is told of the voids they publish or let (:class:`PublishedVoid`: the flags, never who
or why, and no field that could hold either), and what the Responsible Authorities see
of the live voids (:class:`LiveVoid`, with the reasons a void needs a sensitive
allocation).
"""

from __future__ import annotations

from pydantic import Field

from geo_era.services.answers._base import Answer
from geo_era.services.answers.housing import RowError, SensitiveBecause


class PublishedVoid(Answer):
    """A void as its landlord sees it: the event recorded (or the latest), and the
    flags alone."""

    reference: str | None = Field(description="the event's reference (VOID-000042); "
                                              "None for a void of the imported layer")
    property_id: str
    address: str
    status: str = Field(description="available or let")
    recorded_at: str | None
    recorded_by: str | None
    sensitive_allocation: bool
    flag: str | None = Field(description="'sensitive allocation required — contact the "
                                         "SOLO' when it needs one")
    approved_flag: str | None = Field(description="'approved as manageable for an "
                                                  "applicant — contact the SOLO' (R86)")


class VoidChanges(Answer):
    """What a publish or let request recorded, and its bad rows."""

    status: str
    recorded: list[PublishedVoid]
    row_errors: list[RowError]


class LandlordVoids(Answer):
    """A Link Officer's own live voids, flags only."""

    data_version: int
    voids: list[PublishedVoid]


class LiveVoid(Answer):
    """A live void as the Responsible Authorities see it: who published it and when,
    and why it needs a sensitive allocation."""

    reference: str | None
    property_id: str
    address: str
    landlord: str | None
    council: str | None
    recorded_at: str | None
    recorded_by: str | None
    sensitive_allocation: bool
    flag: str | None
    approved_as_manageable: bool
    sensitive_because: list[SensitiveBecause]


class LiveVoids(Answer):
    """The live voids now (council staff: of their own council)."""

    data_version: int
    counts: dict[str, int]
    voids: list[LiveVoid]
