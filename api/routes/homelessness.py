"""Routes for homelessness, temporary accommodation, housing-options advice and transfer
requests (Dorset MAPPA procedure s19; NASSO 5.2, 3.13).

Subjects, properties and references travel in request bodies, never in URLs. Each route
calls one service (:mod:`geo_era.services.homelessness`), which admits the caller and has
the record audited in the transaction of the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from geo_era.housing.homelessness import CONNECTIONS, DUTIES, INTENTIONAL_GROUNDS, OPTIONS
from geo_era.housing.homelessness import SERVICES as LIAISED
from geo_era.housing.transfers import ASSISTANCE, DECISIONS, KINDS, SPECIFIC_RISKS
from geo_era.services import homelessness
from geo_era.services.answers.homelessness import (
    Advice,
    AnyTransfer,
    Presentation,
    SubjectHomelessness,
    TemporaryPlaced,
    Transfer,
    TransferRecord,
)

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, PLAIN_TEXT, TEXT_PATTERN, Id, Strict, long_text

router = APIRouter(prefix=PREFIX, tags=["homelessness"])

Authority = Field(default=None, min_length=2, max_length=128, pattern=TEXT_PATTERN,
                  description="The council (council staff: their own, the default)")
NOTE = Field(default=None, max_length=1_000, pattern=PLAIN_TEXT,
             description="Why (optional for records; kept in the audit trail)")
Reasons = Field(min_length=10, max_length=4_000, pattern=long_text(10))
Presentation_ = Field(min_length=1, max_length=16, pattern=r"^(HLP-)?[0-9]{1,9}$",
                      description="A presentation reference such as HLP-000042")
TransferRef = Field(min_length=1, max_length=16, pattern=r"^(TRF-)?[0-9]{1,9}$",
                    description="A transfer reference such as TRF-000042")
CaseId = Field(default=None, min_length=1, max_length=16, pattern=r"^(ERA-)?[0-9]{1,9}$",
               description="The out-of-area ERA case of a move to another council (3.13)")


class Present(Strict):
    subject_id: str = Id
    presented_on: dt.date
    duty: Literal[tuple(DUTIES)]  # type: ignore[valid-type]
    reasons: str = Reasons
    authority: str | None = Authority
    local_connection: Literal[(*CONNECTIONS, "bail_hostel")] = Field(  # type: ignore[valid-type]
        default="none", description="'none' is as good as any: no local connection is "
                                    "insisted upon; a bail hostel is refused (Dorset s19)")
    local_connection_note: str | None = Field(default=None, max_length=1_000,
                                              pattern=PLAIN_TEXT)
    intentional_grounds: Literal[(*INTENTIONAL_GROUNDS, "imprisonment")] | None = None  # type: ignore[valid-type]
    justification: str | None = NOTE


class Place(Strict):
    presentation: str = Presentation_
    property_id: str = Id
    starts_on: dt.date
    ends_on: dt.date | None = Field(default=None, description="The planned end")
    justification: str = JUSTIFICATION


class Advise(Strict):
    subject_id: str = Id
    given_on: dt.date
    options: list[Literal[tuple(OPTIONS)]] = Field(min_length=1, max_length=len(OPTIONS))  # type: ignore[valid-type]
    advice: str = Reasons
    services: list[Literal[tuple(LIAISED)]] = Field(default=[], max_length=len(LIAISED))  # type: ignore[valid-type]
    authority: str | None = Authority
    justification: str | None = NOTE


class SubjectRef(Strict):
    subject_id: str = Id
    justification: str = JUSTIFICATION


class RequestTransfer(Strict):
    kind: Literal[tuple(KINDS)]  # type: ignore[valid-type]
    grounds: str = Reasons
    requested_on: dt.date
    authority: str | None = Authority
    subject_id: str | None = Field(default=None, min_length=1, max_length=64,
                                   pattern=r"^[A-Za-z0-9_.:/-]+$")
    property_id: str | None = Field(default=None, min_length=1, max_length=64,
                                    pattern=r"^[A-Za-z0-9_.:/-]+$",
                                    description="The tenancy's property")
    at_risk_after_disclosure: bool | None = None
    tenant_agrees: bool | None = None
    specific_risk: Literal[tuple(SPECIFIC_RISKS)] | None = None  # type: ignore[valid-type]
    assistance: Literal[tuple(ASSISTANCE)] | None = None  # type: ignore[valid-type]
    justification: str | None = NOTE


class DecideTransfer(Strict):
    reference: str = TransferRef
    decision: Literal[DECISIONS]  # type: ignore[valid-type]
    reasons: str = Reasons
    subject_id: str | None = Field(default=None, min_length=1, max_length=64,
                                   pattern=r"^[A-Za-z0-9_.:/-]+$")
    specific_risk: Literal[tuple(SPECIFIC_RISKS)] | None = None  # type: ignore[valid-type]
    tenant_agrees: bool | None = None
    receiving_authority: str | None = Authority
    shared: str | None = Field(default=None, max_length=4_000, pattern=PLAIN_TEXT,
                               description="What is shared with the receiving council: "
                                           "restrictions, the plan (R81)")
    case_id: str | None = CaseId
    justification: str | None = NOTE


class Justified(Strict):
    justification: str | None = NOTE


@router.post("/homeless/present", response_model=Presentation)
def present_route(body: Present, identity: Who, app: App) -> Presentation:
    """A subject's homeless presentation and the duty owed (Dorset s19)."""
    return homelessness.present(
        app, caller_of(identity), subject_id=body.subject_id,
        presented_on=body.presented_on, duty=body.duty, reasons=body.reasons,
        authority=body.authority, local_connection=body.local_connection,
        local_connection_note=body.local_connection_note,
        intentional_grounds=body.intentional_grounds, justification=body.justification)


@router.post("/homeless/place", response_model=TemporaryPlaced)
def place_route(body: Place, identity: Who, app: App) -> TemporaryPlaced:
    """Temporary accommodation, screened for the subject as a void is; refused with
    the reasons when it breaks a condition or lies in an exclusion zone."""
    return homelessness.place(app, caller_of(identity), presentation=body.presentation,
                              property_id=body.property_id, starts_on=body.starts_on,
                              ends_on=body.ends_on, justification=body.justification)


@router.post("/homeless/advise", response_model=Advice)
def advise_route(body: Advise, identity: Who, app: App) -> Advice:
    """Housing-options advice given to a subject and the services liaised with
    (NASSO 5.2)."""
    return homelessness.advise(app, caller_of(identity), subject_id=body.subject_id,
                               given_on=body.given_on, options=list(body.options),
                               advice=body.advice, services_liaised=list(body.services),
                               authority=body.authority, justification=body.justification)


@router.post("/homeless/show", response_model=SubjectHomelessness)
def show_route(body: SubjectRef, identity: Who, app: App) -> SubjectHomelessness:
    """A subject's presentations, temporary accommodation, advice and transfers."""
    return homelessness.show(app, caller_of(identity), subject_id=body.subject_id,
                             justification=body.justification)


@router.post("/transfers/request", response_model=Transfer | TransferRecord)
def request_route(body: RequestTransfer, identity: Who, app: App
                  ) -> Transfer | TransferRecord:
    """A transfer request: the tenant's, the police's, a neighbouring tenant's or an
    offender's family's (Dorset s19)."""
    return homelessness.request_transfer(
        app, caller_of(identity), kind=body.kind, grounds=body.grounds,
        requested_on=body.requested_on, authority=body.authority,
        subject_id=body.subject_id, property_id=body.property_id,
        at_risk_after_disclosure=body.at_risk_after_disclosure,
        tenant_agrees=body.tenant_agrees, specific_risk=body.specific_risk,
        assistance=body.assistance, justification=body.justification)


@router.post("/transfers/decide", response_model=Transfer)
def decide_route(body: DecideTransfer, identity: Who, app: App) -> Transfer:
    """A transfer's decision and reasons; a move to another council is shared with it
    (R81, NASSO 3.13)."""
    return homelessness.decide_transfer(
        app, caller_of(identity), reference=body.reference, decision=body.decision,
        reasons=body.reasons, subject_id=body.subject_id,
        specific_risk=body.specific_risk, tenant_agrees=body.tenant_agrees,
        receiving_authority=body.receiving_authority, shared=body.shared,
        case_id=body.case_id, justification=body.justification)


@router.post("/transfers/list", response_model=list[AnyTransfer])
def list_route(body: Justified, identity: Who, app: App) -> list[AnyTransfer]:
    """The transfer requests the caller may see (a Link Officer: their own records)."""
    return homelessness.list_transfers(app, caller_of(identity),
                                       justification=body.justification)
