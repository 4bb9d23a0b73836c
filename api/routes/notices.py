"""Routes for landlord notifications (NASSO 5.3): a Link Officer tells the SOLO about a
tenancy; the Responsible Authorities receive it, link it to a subject and open a review
(3.4) from it. References and subject ids travel in POST bodies, never in URLs."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import Field

from geo_era.housing.notifications import MAX_DETAILS, MAX_REFERENCE
from geo_era.services import notices
from geo_era.services.answers.notices import Kind, Notice, NoticeSent

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, PLAIN_TEXT, Id, Strict, long_text

router = APIRouter(prefix=PREFIX)

Reference = Field(min_length=1, max_length=16, pattern=r"^(?i:LN-)?[0-9]{1,9}$",
                  description="a notification reference like LN-000042")
Optional = Field(default=None, max_length=1_000, pattern=PLAIN_TEXT)


class RecordNotice(Strict):
    property_id: str = Id
    kind: Kind
    occurred_on: dt.date = Field(description="when it happened (a proposed move or a "
                                             "possession hearing: when it will)")
    details: str = Field(min_length=10, max_length=MAX_DETAILS, pattern=long_text(10))
    landlord_reference: str = Field(min_length=1, max_length=MAX_REFERENCE,
                                    pattern=PLAIN_TEXT,
                                    description="your own tenancy or application "
                                                "reference")


class Sent(Strict):
    justification: str | None = Optional


class Listed(Strict):
    justification: str = JUSTIFICATION


class ShowNotice(Strict):
    reference: str = Reference
    justification: str = JUSTIFICATION


class LinkNotice(Strict):
    reference: str = Reference
    subject_id: str = Id
    note: str | None = Field(default=None, max_length=MAX_DETAILS, pattern=PLAIN_TEXT,
                             description="the Responsible Authorities' note; never "
                                         "shown to the landlord")
    justification: str | None = Optional


class ReviewNotice(Strict):
    reference: str = Reference
    justification: str | None = Optional


@router.post("/notices/record", tags=["notices"], response_model=NoticeSent)
def record_route(body: RecordNotice, identity: Who, app: App) -> NoticeSent:
    """Tell the SOLO of a proposed move, a direct application, a tenancy issue or
    dispute, a complaint, possession proceedings or other information about a tenancy
    your organisation manages (NASSO 5.3)."""
    return notices.record(app, caller_of(identity), property_id=body.property_id,
                          kind=body.kind, occurred_on=body.occurred_on,
                          details=body.details, landlord_reference=body.landlord_reference)


@router.post("/notices/sent", tags=["notices"], response_model=list[NoticeSent])
def sent_route(body: Sent, identity: Who, app: App) -> list[NoticeSent]:
    """Your organisation's notifications and what became of them: sent, received by
    the SOLO, acted on."""
    return notices.sent(app, caller_of(identity), justification=body.justification)


@router.post("/notices/list", tags=["notices"], response_model=list[Notice])
def list_route(body: Listed, identity: Who, app: App) -> list[Notice]:
    """Notifications from landlords, new and unlinked first (NASSO 5.3)."""
    return notices.list_notices(app, caller_of(identity), justification=body.justification)


@router.post("/notices/show", tags=["notices"], response_model=Notice)
def show_route(body: ShowNotice, identity: Who, app: App) -> Notice:
    """One notification in full; the SOLO's, police's or coordinator's first reading is
    its receipt."""
    return notices.show(app, caller_of(identity), reference=body.reference,
                        justification=body.justification)


@router.post("/notices/link", tags=["notices"], response_model=Notice)
def link_route(body: LinkNotice, identity: Who, app: App) -> Notice:
    """Link a notification to the subject it concerns."""
    return notices.link(app, caller_of(identity), reference=body.reference,
                        subject_id=body.subject_id, note=body.note,
                        justification=body.justification)


@router.post("/notices/review", tags=["notices"], response_model=Notice)
def review_route(body: ReviewNotice, identity: Who, app: App) -> Notice:
    """Open a review (NASSO 3.4) of the linked subject's current home from the
    notification."""
    return notices.open_review(app, caller_of(identity), reference=body.reference,
                               justification=body.justification)
