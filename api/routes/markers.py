"""Routes for staff-safety markers (NASSO 69-70, 5.3): recorded, reviewed and read whole
by the Responsible Authorities; read as instructions only by housing staff and the
contractor firms a marker is shared with. Subjects and reasons travel in request
bodies, never in URLs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import Field

from geo_era.safeguarding.markers import MAX_FIRMS, MAX_REASON, MAX_TENANCY, MAX_TEXT
from geo_era.services import markers
from geo_era.services.answers.markers import Marker, SharedMarker

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, PLAIN_TEXT, Id, Strict

router = APIRouter(prefix=PREFIX)

Code = Literal["visit_in_pairs", "office_only", "access_through_solo"]
MarkerId = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9-]+$",
                 description="SSM-000042")
Firm = Annotated[str, Field(min_length=1, max_length=128, pattern=PLAIN_TEXT)]
Optional = Field(default=None, max_length=1_000, pattern=PLAIN_TEXT)


class AddMarker(Strict):
    property_id: str = Id
    tenancy_reference: str | None = Field(default=None, max_length=MAX_TENANCY,
                                          pattern=PLAIN_TEXT)
    instructions: list[Code] = Field(default_factory=list, max_length=3)
    practical_text: str | None = Field(
        default=None, max_length=MAX_TEXT, pattern=PLAIN_TEXT,
        description="a practical instruction for staff; shown outside the Responsible "
                    "Authorities once another RA officer has reviewed it")
    review_on: dt.date
    expires_on: dt.date = Field(description="from this day the marker is expired")
    owner: str | None = Field(default=None, max_length=64, pattern=PLAIN_TEXT,
                              description="the RA officer responsible (default: you)")
    firms: list[Firm] = Field(default_factory=list, max_length=MAX_FIRMS,
                              description="contractor firms it is shared with")
    subject_id: str | None = Field(default=None, min_length=1, max_length=64,
                                   pattern=r"^[A-Za-z0-9_.:/-]+$")
    reason: str | None = Field(default=None, max_length=MAX_REASON, pattern=PLAIN_TEXT,
                               description="the Responsible Authorities' reason")
    justification: str | None = Optional


class ReviewMarker(Strict):
    marker_id: str = MarkerId
    approve_text: bool = False
    review_on: dt.date | None = None
    expires_on: dt.date | None = None
    owner: str | None = Field(default=None, max_length=64, pattern=PLAIN_TEXT)
    justification: str | None = Optional


class ListMarkers(Strict):
    justification: str = JUSTIFICATION
    property_id: str | None = Field(default=None, min_length=1, max_length=64,
                                    pattern=r"^[A-Za-z0-9_.:/-]+$")
    include_expired: bool = False
    due_for_me: bool = Field(default=False, description="only my markers due a review")


class SharedQuery(Strict):
    property_id: str | None = Field(default=None, min_length=1, max_length=64,
                                    pattern=r"^[A-Za-z0-9_.:/-]+$")


@router.post("/markers/add", tags=["markers"], response_model=Marker)
def add_marker_route(body: AddMarker, identity: Who, app: App) -> Marker:
    """Record a staff-safety marker on a property or tenancy (NASSO 69-70)."""
    return markers.add_marker(
        app, caller_of(identity), property_id=body.property_id,
        instructions=body.instructions, practical_text=body.practical_text,
        review_on=body.review_on, expires_on=body.expires_on, owner=body.owner,
        firms=body.firms, tenancy_reference=body.tenancy_reference,
        subject_id=body.subject_id, reason=body.reason, justification=body.justification)


@router.post("/markers/review", tags=["markers"], response_model=Marker)
def review_marker_route(body: ReviewMarker, identity: Who, app: App) -> Marker:
    """Review a marker: approve its practical text, set its next review date, expiry
    or owner."""
    return markers.review_marker(
        app, caller_of(identity), marker_id=body.marker_id, approve_text=body.approve_text,
        review_on=body.review_on, expires_on=body.expires_on, owner=body.owner,
        justification=body.justification)


@router.post("/markers/list", tags=["markers"], response_model=list[Marker])
def list_markers_route(body: ListMarkers, identity: Who, app: App) -> list[Marker]:
    """The staff-safety markers in full (council staff: their council's), or only my
    own due a review."""
    if body.due_for_me:
        return markers.markers_due(app, caller_of(identity),
                                   justification=body.justification)
    return markers.list_markers(app, caller_of(identity), justification=body.justification,
                                property_id=body.property_id,
                                include_expired=body.include_expired)


@router.post("/markers/shared", tags=["markers"], response_model=list[SharedMarker])
def shared_markers_route(body: SharedQuery, identity: Who, app: App) -> list[SharedMarker]:
    """The current staff-safety instructions on my landlord's homes, or shared with my
    firm; of one property when named (a property with none reads as one I may not
    see)."""
    return markers.shared_markers(app, caller_of(identity), property_id=body.property_id)
