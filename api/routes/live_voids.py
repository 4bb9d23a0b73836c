"""Routes for live voids (NASSO 5.3, 3.12): a landlord's Link Officer publishes their
own voids and marks them let, live at once in screening and allocation checks; the
Responsible Authorities list the live voids with the reasons any needs a sensitive
allocation (a Link Officer: their own, flags only).

Each route calls one service (:mod:`geo_era.services.live_voids`), which the command
line and the pages call too.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from geo_era.housing.live_voids import AVAILABLE, LET, MAX_EVENTS
from geo_era.services import live_voids
from geo_era.services.answers.live_voids import LandlordVoids, LiveVoids, VoidChanges

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, Strict
from .voids import ListedId

router = APIRouter(prefix=PREFIX)


class ChangeRequest(Strict):
    property_ids: list[ListedId] = Field(
        min_length=1, max_length=MAX_EVENTS,
        description="The properties (ids in the properties layer) of your own "
                    "organisation's stock; a bad id is reported under row_errors with "
                    "its position, the rest are recorded.")
    justification: str = JUSTIFICATION


class LiveRequest(Strict):
    flagged_only: bool = Field(default=False, description="Only the voids that need a "
                               "sensitive allocation or were approved as manageable.")
    published_only: bool = Field(default=False, description="Only the voids published "
                                 "through geo_era (not those of the imported layer).")
    justification: str = JUSTIFICATION


@router.post("/voids/publish", tags=["voids"], response_model=VoidChanges)
def publish_route(body: ChangeRequest, identity: Who, app: App) -> VoidChanges:
    """Publish your organisation's voids: live at once in screening and allocation
    checks. Each one that needs a sensitive allocation carries the flag ("sensitive
    allocation required — contact the SOLO"), never who or why. Audited."""
    return live_voids.change(app, caller_of(identity), status=AVAILABLE,
                             voids=body.property_ids, justification=body.justification)


@router.post("/voids/let", tags=["voids"], response_model=VoidChanges)
def let_route(body: ChangeRequest, identity: Who, app: App) -> VoidChanges:
    """Mark your organisation's voids let: no longer screened or checked. Audited."""
    return live_voids.change(app, caller_of(identity), status=LET,
                             voids=body.property_ids, justification=body.justification)


@router.post("/voids/live", tags=["voids"], response_model=LiveVoids | LandlordVoids)
def live_route(body: LiveRequest, identity: Who, app: App) -> LiveVoids | LandlordVoids:
    """The live voids now, with who published each and why any needs a sensitive
    allocation (council staff: their own council's). A Link Officer gets their own
    organisation's voids with the flags alone. Audited."""
    return live_voids.list_live(app, caller_of(identity), justification=body.justification,
                                flagged_only=body.flagged_only,
                                published_only=body.published_only)
