"""Routes for the minimum set's work on a case (NASSO 3.8, 3.9): the outcome of a visit
to each dwelling of a candidate's set, the risk-based extension of the set, and dwellings
added or removed by hand.

Case ids travel in request bodies, never in URLs. Each route calls one service
(:mod:`geo_era.services.dwellings`), which admits the caller, records for the caller's
own agency, confines council staff to their council's cases, and has the step audited in
the transaction of the change.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from geo_era.casework.dwellings import MAX_EXTEND_METRES, MAX_EXTEND_RINGS
from geo_era.casework.minimum_sets import DWELLING_OUTCOMES
from geo_era.services import dwellings
from geo_era.services.answers.casework import CaseAck, CaseRecord

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import Id
from .casework import Change, PropertyId, Text

router = APIRouter(prefix=f"{PREFIX}/cases", tags=["cases"])

Candidate = Field(default=None, description="The candidate property whose set it is; "
                                            "needed when the case has several")


class RecordDwelling(Change):
    """What a visit found at one dwelling of a candidate's minimum set."""

    property_id: PropertyId | None = Candidate
    dwelling_id: str = Id
    outcome: Literal[DWELLING_OUTCOMES]  # type: ignore[valid-type]
    seen_on: dt.date = Field(description="the day of the visit")
    occupant: str | None = Field(
        default=None, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$",
        description="shared accommodation: which occupant (1..n, or a label)")
    notes: str | None = Field(default=None, max_length=4_000,
                              description="what was seen; required for fits_profile")
    children: bool | None = Field(default=None, description="children in the household, "
                                                            "as the visit established")
    adult_at_risk: bool | None = Field(default=None,
                                       description="an adult at risk in the household")


class _Extend(Change):
    property_id: PropertyId | None = Candidate
    reason: str = Text


class ExtendByMetres(_Extend):
    """An extension of a candidate's set by a distance."""

    metres: float = Field(gt=0, le=MAX_EXTEND_METRES,
                          description="straight-line metres, EPSG:27700")


class ExtendByRings(_Extend):
    """An extension of a candidate's set by rings of neighbours."""

    rings: int = Field(ge=1, le=MAX_EXTEND_RINGS,
                       description="rings of neighbours beyond the set")


#: By metres or by rings, one of the two (a body with both matches neither).
ExtendSet = ExtendByMetres | ExtendByRings


class ChangeMember(Change):
    """A dwelling added to or removed from a candidate's set by hand."""

    property_id: PropertyId | None = Candidate
    dwelling_id: str = Id
    action: Literal["add", "remove"]
    reason: str = Text


@router.post("/dwelling", response_model=CaseRecord | CaseAck)
def dwelling_route(body: RecordDwelling, identity: Who, app: App) -> CaseRecord | CaseAck:
    """Record what a visit found at a dwelling of a candidate's minimum set (3.8, 3.9):
    fits_profile (a concern the lead agency answers), does_not_fit or nobody_home."""
    return dwellings.record_dwelling(
        app, caller_of(identity), case_id=body.case_id, property_id=body.property_id,
        dwelling_id=body.dwelling_id, outcome=body.outcome, seen_on=body.seen_on,
        occupant=body.occupant, notes=body.notes, children=body.children,
        adult_at_risk=body.adult_at_risk, justification=body.justification)


@router.post("/extend-set", response_model=CaseRecord | CaseAck)
def extend_route(body: ExtendSet, identity: Who, app: App) -> CaseRecord | CaseAck:
    """Extend a candidate's minimum set by risk, with the reason (3.9), and re-assess
    the candidate with the extension."""
    metres = body.metres if isinstance(body, ExtendByMetres) else None
    rings = body.rings if isinstance(body, ExtendByRings) else None
    return dwellings.extend_set(app, caller_of(identity), case_id=body.case_id,
                                property_id=body.property_id, metres=metres, rings=rings,
                                reason=body.reason, justification=body.justification)


@router.post("/member", response_model=CaseRecord | CaseAck)
def member_route(body: ChangeMember, identity: Who, app: App) -> CaseRecord | CaseAck:
    """Add a dwelling to a candidate's minimum set by hand, or remove one, with the
    reason (3.9)."""
    return dwellings.change_member(app, caller_of(identity), case_id=body.case_id,
                                   property_id=body.property_id,
                                   dwelling_id=body.dwelling_id, add=body.action == "add",
                                   reason=body.reason, justification=body.justification)
