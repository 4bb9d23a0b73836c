"""Typed answers of the landlord notifications (NASSO 5.3): the landlord's view (what
they told and its status) and the Responsible Authorities' (the whole record, with the
subject it is linked to and the review opened from it). A field of the second is
absent from the first, not emptied."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from geo_era.services.answers._base import Answer

Kind = Literal["proposed_move", "direct_application", "tenancy_dispute",
               "tenancy_complaint", "possession", "other_information"]


class NoticeSent(Answer):
    """A notification as its landlord's Link Officers see it: never the subject, the
    review or the Responsible Authorities' note."""

    reference: str = Field(description="LN-000042")
    property_id: str
    landlord: str
    kind: Kind
    kind_label: str
    occurred_on: dt.date
    details: str
    landlord_reference: str = Field(description="the landlord's own tenancy or "
                                                "application reference")
    recorded_by: str
    recorded_at: dt.datetime
    may_be_unmanageable: bool = Field(description="a dispute or possession proceedings: "
                                                  "the tenancy may no longer be "
                                                  "manageable (5.3)")
    status: Literal["sent to the SOLO", "received by the SOLO",
                    "received by the Responsible Authorities", "acted on"]


class Notice(NoticeSent):
    """A notification as the Responsible Authorities see it."""

    authority: str | None = Field(description="the council the property lies in")
    state: str = Field(description="new, received, linked, or 'review opened: "
                                   "ERA-000042'")
    received_by: str | None
    received_at: dt.datetime | None
    subject_id: str | None
    linked_by: str | None
    linked_at: dt.datetime | None
    note: str | None
    case_id: str | None = Field(description="the review opened from it (3.4)")
    review_opened_by: str | None
    review_opened_at: dt.datetime | None
