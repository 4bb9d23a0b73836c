"""The answer of the ViSOR activity-log extract (NASSO 3.3, 3.11): the text to paste, and
what it was made of that a caller may check (the parts, where the full ERA is held)."""

from __future__ import annotations

from pydantic import Field

from geo_era.services.answers._base import Answer
from geo_era.services.answers.casework import EraHeld


class VisorExtract(Answer):
    """A decided case's Parts C and D, with where the full ERA is held, as plain text
    for a ViSOR activity log; nothing of Parts A and B."""

    case_id: str = Field(description="The case reference, e.g. ERA-000042")
    marking: str = Field(description="The protective marking: OFFICIAL-SENSITIVE")
    fictional: bool = Field(description="Made from FICTIONAL (demo) data")
    parts: list[str] = Field(description="The parts of the ERA it holds: C, D or both")
    held: EraHeld = Field(description="Where the full ERA is held, and by whom (3.3)")
    recipient: str = Field(description="Whom producing it discloses to (the audit "
                                       "entry's recipient)")
    text: str = Field(description="The extract as plain text, lines of at most 78 "
                                  "characters, marked at its head and foot")
