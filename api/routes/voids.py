"""Routes for voids: screening every void (or a list) for one subject (NASSO 5.2, 5.3),
and which voids need a sensitive allocation (3.12).

The pages (:mod:`api.routes.pages`) call the same two functions, :func:`run_screening` and
:func:`run_allocation_check`, so a list uploaded on a page and one posted here are
treated alike. Council staff screen and see reasons for their own council's voids only;
a Link Officer learns only which voids need a sensitive allocation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field

from api.deps import PREFIX, App, Who
from api.deps import AppServices as Services
from api.schemas import JUSTIFICATION, Id, Strict
from geo_era.analysis.areas import area_names_at
from geo_era.db.store import session_scope
from geo_era.housing.allocations import AllocationCheck, allocation_check
from geo_era.housing.screening import Screening, screen
from geo_era.housing.void_lists import (
    MAX_ROWS,
    VoidList,
    from_ids,
    read_void_list,
    store_voids,
    within_council,
)
from geo_era.security.access import strip_denied
from geo_era.services import Admitted as Caller
from geo_era.workspace import Snapshot

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


#: An uploaded list: its bytes and its file name (the name says CSV or GeoPackage).
Upload = tuple[bytes, str]


def listed_voids(snap: Snapshot, property_ids: list[str] | None = None,
                 upload: Upload | None = None) -> VoidList:
    """The voids a request names, matched to ``snap``: a list of ids, an uploaded file,
    or (neither) every void in the store."""
    if upload is not None:
        return read_void_list(snap, upload[0], filename=upload[1])
    return store_voids(snap) if property_ids is None else from_ids(snap, property_ids)


def voids_for(snap: Snapshot, caller: Caller, property_ids: list[str] | None = None,
              upload: Upload | None = None) -> VoidList:
    """:func:`listed_voids`, confined to the caller's council for council staff."""
    listed = listed_voids(snap, property_ids, upload)
    scope = caller.actor.scope
    return listed if scope is None else within_council(snap, listed, scope)


def run_screening(app: Services, caller: Caller, subject_id: str, *,
                  property_ids: list[str] | None = None,
                  upload: Upload | None = None) -> Screening:
    """Screen voids for a subject and record the consultation of the subject's record
    (with the caller's justification) in the audit trail. The list is read from the same
    snapshot of the layers that is screened."""
    caller.actor.require_justification("a subject's record")
    snap = app.workspace.snapshot()
    result = screen(snap, subject_id, voids_for(snap, caller, property_ids, upload),
                    config=app.settings.screening)
    with session_scope(app.engine) as session:
        caller.actor.record(session, operation="consultation", record_type="subject",
                            record_ids=[subject_id])
    return result


def run_allocation_check(app: Services, caller: Caller, *,
                         property_ids: list[str] | None = None,
                         upload: Upload | None = None) -> dict[str, Any]:
    """Which voids need a sensitive allocation, as the caller may see it: reasons for
    roles with need to know (council staff: for their own council's voids), the flag
    alone for a Link Officer. Audited by the core."""
    snap = app.workspace.snapshot()
    listed = listed_voids(snap, property_ids, upload)
    result: AllocationCheck = allocation_check(snap, app.engine, listed, actor=caller.actor,
                                               restricted=caller.restricted)
    if caller.restricted:
        return strip_denied(result.to_dict(reveal=False))  # type: ignore[return-value]
    scope = caller.actor.scope
    if scope is None:
        return result.to_dict(reveal=True)
    councils = (area_names_at(snap.areas, snap.properties.xy[listed.rows], "council")
                if snap.areas is not None else [None] * len(listed.rows))
    return result.to_dict(reveal=[name == scope for name in councils])


@router.post("/voids/screen", tags=["voids"])
def screen_route(body: ScreenRequest, identity: Who, app: App) -> dict[str, Any]:
    """Every void (or the listed properties) screened for a subject: hard conflicts
    rule a void out with the reason; the rest ranked by a manageability score whose
    factors and weights are shown. Audited, with the justification."""
    caller = app.admit("screen", identity, justification=body.justification,
                       record_ids=[body.subject_id])
    result = run_screening(app, caller, body.subject_id, property_ids=body.property_ids)
    return result.to_dict(top=body.top)


@router.post("/voids/allocation-check", tags=["voids"])
def allocation_check_route(body: AllocationRequest, identity: Who, app: App
                           ) -> dict[str, Any]:
    """Which voids need a sensitive allocation because of someone housed nearby (3.12).
    A Link Officer gets the flag only ("sensitive allocation required - contact the
    SOLO"). Audited, with the justification."""
    caller = app.admit("allocation_check", identity, justification=body.justification)
    return run_allocation_check(app, caller, property_ids=body.property_ids)
