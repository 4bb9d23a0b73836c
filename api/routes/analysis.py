"""Routes for the spatial work: sites near a property, the minimum set, and a subject
checked against a candidate property."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from pydantic import Field

from geo_era.services import analysis
from geo_era.services.answers.analysis import (
    CheckFlags,
    CheckResult,
    MinimumSetAnswer,
    MinimumSetWithoutHouseholds,
    SitesNear,
)

from ..deps import PREFIX, Answer, App, Who, answered_on_the_loop, caller_of
from ..schemas import JUSTIFICATION, Id, Strict, long_text

router = APIRouter(prefix=PREFIX)


class SitesNearRequest(Strict):
    property_id: str = Id
    radius_m: float = Field(default=400.0, gt=0, le=5_000, description="metres")


class ParametersRequest(Strict):
    property_id: str = Id
    extend_metres: float | None = Field(default=None, gt=0, le=5_000)
    justification: str | None = Field(
        default=None, min_length=10, max_length=1_000, pattern=long_text(10),
        description="Why the households of the set are consulted (DPA 2018 s62); without "
                    "it the set comes without what is known of its households. Audited.")


class CheckRequest(Strict):
    subject_id: str = Id
    property_id: str = Id
    justification: str = JUSTIFICATION


@router.post("/proximity/sites-near", tags=["proximity"], response_model=SitesNear)
async def sites_near_route(body: SitesNearRequest, identity: Who, app: App) -> Answer:
    """Sites within a radius of a property: straight-line and walking distances (m)."""
    return Answer(await answered_on_the_loop(partial(
        analysis.sites_near, app, caller_of(identity), property_id=body.property_id,
        radius_m=body.radius_m)))


@router.post("/parameters", tags=["parameters"],
             response_model=MinimumSetAnswer | MinimumSetWithoutHouseholds)
async def parameters_route(body: ParametersRequest, identity: Who, app: App) -> Answer:
    """The NASSO 3.9 minimum set of a property; what is known of its households only for
    the Responsible Authorities, with a justification. Audited."""
    return Answer(await answered_on_the_loop(partial(
        analysis.minimum_set, app, caller_of(identity), property_id=body.property_id,
        extend_metres=body.extend_metres, justification=body.justification)))


@router.post("/check", tags=["parameters"], response_model=CheckResult | CheckFlags)
def check_route(body: CheckRequest, identity: Who, app: App) -> Answer:
    """A subject against a candidate property: zones, conditions, households. A Link
    Officer gets only whether the allocation is sensitive. Audited, with the
    justification."""
    return Answer(analysis.check(app, caller_of(identity), subject_id=body.subject_id,
                                 property_id=body.property_id,
                                 justification=body.justification))
