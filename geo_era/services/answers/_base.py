"""The base of every answer model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    """An answer: an allow-list of fields (anything else in the core's record is left
    out, never passed through), immutable once made."""

    model_config = ConfigDict(extra="ignore", frozen=True)
