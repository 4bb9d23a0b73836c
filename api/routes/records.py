"""Routes for restricted records: victim-exclusion zones, annual reviews and review
triggers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import Field

from geo_era.data.geometry_input import MAX_VERTICES
from geo_era.services import records
from geo_era.services.answers.records import (
    ReviewDue,
    ReviewWaived,
    SubjectZones,
    TriggerRun,
    ZoneAdded,
)

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, PLAIN_TEXT, Id, Strict, long_text

router = APIRouter(prefix=PREFIX)


Position = Annotated[list[float], Field(min_length=2, max_length=3,
                                         description="x, y (and z, ignored)")]
Ring = Annotated[list[Position], Field(min_length=4, max_length=MAX_VERTICES,
                                       description="a closed ring: first = last")]


class PolygonIn(Strict):
    type: Literal["Polygon"]
    coordinates: list[Ring] = Field(min_length=1, max_length=1_000,
                                    description="exterior ring, then any holes, in the "
                                                "CRS given")


class MultiPolygonIn(Strict):
    type: Literal["MultiPolygon"]
    coordinates: list[list[Ring]] = Field(min_length=1, max_length=1_000)


Geometry = Annotated[PolygonIn | MultiPolygonIn, Field(discriminator="type")]


class AddZone(Strict):
    subject_id: str = Id
    geometry: Geometry
    crs: str | None = Field(default=None, max_length=64,
                            description="CRS of the coordinates, e.g. EPSG:27700 or "
                                        "EPSG:4326 (longitude/latitude); required")
    reason: str | None = Field(default=None, max_length=1_000)
    justification: str | None = Field(default=None, max_length=1_000, pattern=PLAIN_TEXT)


class SubjectRef(Strict):
    subject_id: str = Id
    justification: str = JUSTIFICATION


class Justified(Strict):
    justification: str = JUSTIFICATION


class DueList(Justified):
    within_days: int = Field(default=0, ge=0, le=3_660,
                             description="Also list reviews whose renewal date falls "
                                         "within this many days from today")


class Triggers(Justified):
    radius_m: float = Field(default=400.0, ge=1, le=5_000,
                            description="The assessment radius, metres (EPSG:27700)")


class Waive(Strict):
    subject_id: str = Id
    reasons: str = Field(min_length=20, max_length=4_000, pattern=long_text(20),
                         description="The Responsible Authorities' reasons (NASSO 3.3)")


@router.post("/zones/add", tags=["zones"], response_model=ZoneAdded)
def add_zone_route(body: AddZone, identity: Who, app: App) -> ZoneAdded:
    """Record a victim-exclusion zone for a subject (checked like an import; stored in
    EPSG:27700)."""
    return records.add_zone(app, caller_of(identity), subject_id=body.subject_id,
                            geometry=body.geometry.model_dump(), crs=body.crs,
                            reason=body.reason, justification=body.justification)


@router.post("/zones/show", tags=["zones"], response_model=SubjectZones)
def show_zones_route(body: SubjectRef, identity: Who, app: App) -> SubjectZones:
    """A subject's exclusion zones as GeoJSON in EPSG:27700."""
    return records.show_zones(app, caller_of(identity), subject_id=body.subject_id,
                              justification=body.justification)


@router.post("/reviews/due", tags=["reviews"], response_model=list[ReviewDue])
def reviews_due_route(body: DueList, identity: Who, app: App) -> list[ReviewDue]:
    """Annual reviews falling due (NASSO 3.3, 3.5), each with its renewal date and the
    deadline 21 clear working days after it, and the subjects needing an ERA."""
    return records.reviews_due(app, caller_of(identity), justification=body.justification,
                               within_days=body.within_days)


@router.post("/reviews/waive", tags=["reviews"], response_model=ReviewWaived)
def waive_route(body: Waive, identity: Who, app: App) -> ReviewWaived:
    """Record why a subject needs no annual review (NASSO 3.3)."""
    return records.waive_review(app, caller_of(identity), subject_id=body.subject_id,
                                reasons=body.reasons)


@router.post("/reviews/triggers", tags=["reviews"], response_model=TriggerRun)
def triggers_route(body: Triggers, identity: Who, app: App) -> TriggerRun:
    """Review triggers by subject (NASSO 3.4): every hard conflict at a housed
    subject's home now, homes never assessed, changes in the surroundings or the
    neighbouring households of the minimum set since the last assessment, and new
    conditions or exclusion zones. The justification travels in the body, never in
    the URL."""
    return records.review_triggers(app, caller_of(identity), radius_m=body.radius_m,
                                   justification=body.justification)
