"""Routes for voids: screening every void (or a list) for one subject (NASSO 5.2, 5.3),
and which voids need a sensitive allocation (3.12).

Each route calls one service (:mod:`geo_era.services.housing`), which the pages call
too, so a list uploaded on a page and one posted here are treated alike. Council staff
screen and see reasons for their own council's voids only; a Link Officer learns only
which voids need a sensitive allocation (:class:`~geo_era.services.answers.housing.
AllocationFlags`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from geo_era.housing.void_lists import MAX_ROWS
from geo_era.services import housing
from geo_era.services.answers.housing import AllocationCheck, AllocationFlags, VoidScreening

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, Id, Strict

router = APIRouter(prefix=PREFIX)

#: A listed id as sent: any text up to 64 characters, so that a bad one is reported for
#: its row rather than refusing the whole list.
ListedId = Annotated[str, Field(max_length=64)]
PropertyIds = Field(default=None, max_length=MAX_ROWS,
                    description="The candidate properties (ids in the properties layer); "
                                "default: every void in the store. A bad id is reported "
                                "under row_errors with its position; the rest are used.")


class ScreenRequest(Strict):
    subject_id: str = Id
    property_ids: list[ListedId] | None = PropertyIds
    top: int | None = Field(default=None, ge=1, le=MAX_ROWS,
                            description="Show only the first N voids of the list.")
    justification: str = JUSTIFICATION


class AllocationRequest(Strict):
    property_ids: list[ListedId] | None = PropertyIds
    justification: str = JUSTIFICATION


@router.post("/voids/screen", tags=["voids"], response_model=VoidScreening)
def screen_route(body: ScreenRequest, identity: Who, app: App) -> VoidScreening:
    """Every void (or the listed properties) screened for a subject: hard conflicts
    rule a void out with the reason; the rest ranked by a manageability score whose
    factors and weights are shown. Audited, with the justification."""
    return housing.screen(app, caller_of(identity), subject_id=body.subject_id,
                          justification=body.justification, voids=body.property_ids,
                          top=body.top)


@router.post("/voids/allocation-check", tags=["voids"],
             response_model=AllocationCheck | AllocationFlags)
def allocation_check_route(body: AllocationRequest, identity: Who, app: App
                           ) -> AllocationCheck | AllocationFlags:
    """Which voids need a sensitive allocation because of someone housed nearby (3.12).
    A Link Officer gets the flag only ("sensitive allocation required - contact the
    SOLO"). Audited, with the justification."""
    return housing.allocation_check(app, caller_of(identity),
                                    justification=body.justification,
                                    voids=body.property_ids)
