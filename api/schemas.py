"""What request bodies share: identifiers, the justification, free text, and the
refusal of unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from geo_era.services.policy import HIDDEN

Id = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:/-]+$")
#: A character that is neither a space nor a control character (what ``str.strip``
#: keeps, in a regular expression JSON Schema, Rust and Python read alike).
SOLID = rf"[^\s{HIDDEN}]"


def long_text(least: int) -> str:
    """A pattern for text with at least ``least`` characters between the first and the
    last solid ones."""
    return rf"^\s*{SOLID}[^{HIDDEN}]{{{least - 2},}}{SOLID}\s*$"


#: At least 10 characters between the first and last that are not spaces.
JUSTIFICATION = Field(min_length=10, max_length=1_000, pattern=long_text(10),
                      description="Why these records are consulted (DPA 2018 s62), at "
                                  "least 10 characters; kept in the audit trail.")
#: Free text that says something (not only spaces or control characters).
TEXT_PATTERN = SOLID
#: Free text that says something and hides nothing (:data:`HIDDEN`): what an optional
#: justification must be.
PLAIN_TEXT = rf"^[^{HIDDEN}]*{SOLID}[^{HIDDEN}]*$"


class Strict(BaseModel):
    """Request bodies: unknown fields are refused, so a typo is never silently ignored."""

    model_config = ConfigDict(extra="forbid")
