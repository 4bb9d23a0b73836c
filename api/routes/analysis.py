"""Routes for the spatial work: sites near a property, the minimum set, and a subject
checked against a candidate property."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from api.deps import PREFIX, App, Who
from api.schemas import JUSTIFICATION, Id, Strict
from geo_era.db.store import session_scope
from geo_era.security.access import strip_denied

router = APIRouter(prefix=PREFIX)

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
