"""Typed answers of the homelessness and transfer services (Dorset MAPPA procedure s19,
NASSO 5.2, 3.13).

A transfer has three views: ``full`` (the Responsible Authorities of the council it
belongs to, and the unconfined), ``receiving`` (the council a granted transfer moves the
subject into: the decision and what the placing council shared, R81) and ``own_record``
(a landlord's Link Officer's own record of a neighbour's application: no subject, no
reasons, no risk limb).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from geo_era.services.answers._base import Answer


class TemporaryPlacement(Answer):
    """A temporary-accommodation placement (a placement like any other)."""

    reference: str = Field(description="TA-000042")
    presentation: str = Field(description="the presentation it follows, HLP-000042")
    subject_id: str
    property_id: str
    authority: str | None
    starts_on: dt.date
    ends_on: dt.date | None = Field(description="planned end; none: until the next move")
    recorded_by: str
    recorded_at: str


class ScreeningSummary(Answer):
    """The property's screening for the subject, as a void's: its score (0-100) and
    the warnings (near an exclusion zone, a condition to watch)."""

    score: float | None
    warnings: list[str]


class TemporaryPlaced(TemporaryPlacement):
    """A temporary placement just recorded, with its screening."""

    screening: ScreeningSummary


class Presentation(Answer):
    """A homeless presentation and the duty owed (Housing (Scotland) Act 1987 Part II;
    Dorset s19)."""

    reference: str = Field(description="HLP-000042")
    subject_id: str
    authority: str
    presented_on: dt.date
    duty: str
    decision: str
    duty_owed: str
    temporary_accommodation_owed: bool
    reasons: str
    local_connection: str
    local_connection_note: str | None
    intentional_grounds: str | None
    rules: list[str] = Field(description="what Dorset s19 says of the duty")
    temporary_placements: list[TemporaryPlacement]
    recorded_by: str
    recorded_at: str


class Labelled(Answer):
    code: str
    label: str


class Advice(Answer):
    """Housing-options advice given to a subject and the services liaised with
    (NASSO 5.2)."""

    reference: str = Field(description="HOA-000042")
    subject_id: str
    authority: str
    given_on: dt.date
    options: list[Labelled]
    advice: str
    services: list[Labelled]
    recorded_by: str
    recorded_at: str


class Transfer(Answer):
    """A transfer request and its decision, whole."""

    view: Literal["full"] = "full"
    reference: str = Field(description="TRF-000042")
    kind: str
    kind_label: str
    authority: str
    subject_id: str | None
    property_id: str | None
    landlord: str | None
    requested_on: dt.date
    grounds: str
    urgent: bool
    at_risk_after_disclosure: bool | None
    tenant_agrees: bool | None
    specific_risk: str | None
    specific_risk_label: str | None
    assistance: str | None
    assistance_label: str | None
    receiving_authority: str | None
    decision: str
    decision_reasons: str | None
    shared: str | None = Field(description="what the placing council shares with the "
                                           "receiving council (restrictions, the plan)")
    case_reference: str | None = Field(description="the out-of-area ERA case (3.13)")
    consent_recorded: bool | None
    decided_by: str | None
    decided_on: dt.date | None
    recorded_by: str
    recorded_at: str


class TransferReceived(Answer):
    """A transfer granted into the caller's council (R81): who is coming, the decision
    and what the placing council shared, never the grounds or the neighbours'
    circumstances."""

    view: Literal["receiving"]
    reference: str
    kind: str
    authority: str = Field(description="the placing council")
    receiving_authority: str | None
    subject_id: str | None
    urgent: bool
    decision: str
    decided_on: dt.date | None
    shared: str | None
    case_reference: str | None
    consent_recorded: bool | None


class TransferRecord(Answer):
    """A Link Officer's own record of a neighbour's application: what they recorded
    and whether it was decided, nothing of the subject or the reasons."""

    view: Literal["own_record"]
    reference: str
    kind: str
    authority: str
    property_id: str | None
    requested_on: dt.date
    urgent: bool
    decision: str
    decided_on: dt.date | None


AnyTransfer = Annotated[Transfer | TransferReceived | TransferRecord,
                        Field(discriminator="view")]


class SubjectHomelessness(Answer):
    """What the caller may see of a subject's homelessness, advice and transfers."""

    subject_id: str
    presentations: list[Presentation]
    advice: list[Advice]
    transfers: list[Annotated[Transfer | TransferReceived, Field(discriminator="view")]]
