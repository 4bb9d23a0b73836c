"""Routes for the spatial work: sites near a property, the minimum set, and a subject
checked against a candidate property."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import PREFIX, App, Who
from geo_era.db.store import session_scope
from geo_era.security.access import strip_denied

router = APIRouter(prefix=PREFIX)

Id = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:/-]+$")
#: A character that is neither a space nor a control character (what ``str.strip``
#: keeps, in a regular expression JSON Schema, Rust and Python read alike).
SOLID = r"[^\s\x00-\x1f\x7f-\x9f]"


def long_text(least: int) -> str:
    """A pattern for text with at least ``least`` characters between the first and the
    last solid ones."""
    return rf"^\s*{SOLID}[\s\S]{{{least - 2},}}{SOLID}\s*$"


#: At least 10 characters between the first and last that are not spaces.
JUSTIFICATION = Field(min_length=10, max_length=1_000, pattern=long_text(10),
                      description="Why these records are consulted (DPA 2018 s62), at "
                                  "least 10 characters; kept in the audit trail.")
#: Free text that says something (not only spaces or control characters).
TEXT_PATTERN = SOLID


class Strict(BaseModel):
    """Request bodies: unknown fields are refused, so a typo is never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class SitesNearRequest(Strict):
    property_id: str = Id
    radius_m: float = Field(default=400.0, gt=0, le=5_000, description="metres")


class ParametersRequest(Strict):
    property_id: str = Id
    extend_metres: float | None = Field(default=None, gt=0, le=5_000)


class CheckRequest(Strict):
    subject_id: str = Id
    property_id: str = Id
    justification: str = JUSTIFICATION


@router.post("/proximity/sites-near", tags=["proximity"])
def sites_near_route(body: SitesNearRequest, identity: Who, app: App) -> dict[str, Any]:
    """Sites within a radius of a property: straight-line and walking distances (m)."""
    app.admit("sites_near", identity)
    return app.workspace.sites_near(body.property_id, body.radius_m)


@router.post("/parameters", tags=["parameters"])
def parameters_route(body: ParametersRequest, identity: Who, app: App) -> dict[str, Any]:
    """The NASSO 3.9 minimum set of a property (household facts for case roles only)."""
    caller = app.admit("parameters", identity)
    document = app.workspace.minimum_set(body.property_id,
                                         extend_metres=body.extend_metres).to_dict()
    return strip_denied(document) if caller.restricted else document  # type: ignore[return-value]


@router.post("/check", tags=["parameters"])
def check_route(body: CheckRequest, identity: Who, app: App) -> dict[str, Any]:
    """A subject against a candidate property: zones, conditions, households. A Link
    Officer gets only whether the allocation is sensitive. Audited, with the
    justification."""
    caller = app.admit("check", identity, justification=body.justification,
                       record_ids=[body.subject_id, body.property_id])
    result = app.workspace.check(body.subject_id, body.property_id)
    with session_scope(app.engine) as session:
        caller.actor.record(session, operation="consultation", record_type="subject",
                            record_ids=[body.subject_id, body.property_id])
    return result.to_dict(need_to_know=not caller.restricted)
