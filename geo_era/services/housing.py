"""Housing services: void screening for one subject (NASSO 5.2, 5.3) and the
sensitive-allocation check of voids (3.12), for the command line, the API and the pages
alike.

Distances are metres and positions EPSG:27700; the spatial questions are answered by
the :class:`~geo_era.workspace.Workspace` of the services.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from sqlalchemy import func, select

from geo_era.analysis.areas import area_names_at
from geo_era.data.sandbox import ImportLimits
from geo_era.db.store import session_scope
from geo_era.errors import GeoEraError, LimitExceededError, NotFoundError
from geo_era.housing.allocations import allocation_check as check_allocations
from geo_era.housing.screening import Screening
from geo_era.housing.screening import screen as screen_voids
from geo_era.housing.void_lists import (
    VoidList,
    from_ids,
    read_void_list,
    store_voids,
    within_council,
    within_landlord,
)
from geo_era.maps.assets import Assets
from geo_era.maps.screening import screening_map
from geo_era.security.access import MATRIX, OPERATOR
from geo_era.security.audit import AuditEntry
from geo_era.services.answers.housing import AllocationCheck, AllocationFlags, VoidScreening
from geo_era.services.context import Services
from geo_era.services.disclosures import with_disclosed_wording
from geo_era.services.policy import Admitted, Caller
from geo_era.workspace import Snapshot

log = logging.getLogger("geo_era.services")


@dataclass(frozen=True)
class Upload:
    """A list of voids uploaded with a form: its bytes and its file name (the name says
    CSV or GeoPackage)."""

    data: bytes
    filename: str


#: The voids a request names: property ids (the API), a file on disk (the command
#: line), an uploaded file (the pages), or ``None`` for every void in the store.
Voids = Sequence[str] | Path | Upload | None


class Progress(Protocol):
    """Told how many items a long run has (``start``), then how many more are done
    after each batch (``advance``): a progress bar, for instance."""

    def start(self, total: int) -> None: ...

    def advance(self, done: int) -> None: ...


def listed_voids(snap: Snapshot, voids: Voids, *, limits: ImportLimits | None = None
                 ) -> VoidList:
    """The voids a request names, matched to the properties of ``snap``; a bad row is a
    row error, the rest are used. A file is read as an import is, within ``limits``."""
    if voids is None:
        return store_voids(snap)
    if isinstance(voids, Upload):
        return read_void_list(snap, voids.data, filename=voids.filename, limits=limits)
    if isinstance(voids, Path):
        return read_void_list(snap, voids, limits=limits)
    return from_ids(snap, list(voids))


#: What an unknown subject reads as (no layer named, no count of its rows).
NO_SUCH_SUBJECT = "no such subject, or not one you may see; check the id"


def _known_subject(services: Services, caller: Caller, snap: Snapshot,
                   subject_id: str) -> None:
    """Refuse an unknown subject id as any other miss reads, and audit the failed
    look-up as ``denied``: no oracle for which subject ids exist."""
    snap.subjects  # noqa: B018  (a missing subjects layer is said as such)
    try:
        snap.subject(subject_id)
    except NotFoundError:
        services.gate.denied(caller, "subject", [subject_id])
        raise NotFoundError(NO_SUCH_SUBJECT) from None


def _screened(services: Services, caller: Caller, *, subject_id: str,
              justification: str | None, voids: Voids,
              progress: Progress | None) -> tuple[Admitted, Screening]:
    """Admit, screen (council staff: their own council's voids only) and record the
    consultation of the subject's record."""
    admitted = services.gate.admit("screen", caller, justification=justification,
                                   record_ids=[subject_id])
    admitted.require_justification("a subject's record")
    snap = services.workspace.snapshot()
    _known_subject(services, caller, snap, subject_id)
    listed = _voids_now(services, snap, voids)
    scope = admitted.actor.scope
    if scope is not None:
        listed = within_council(snap, listed, scope)
    if progress is not None:
        progress.start(len(listed))
    result = screen_voids(snap, subject_id, listed, config=services.settings.screening,
                          progress=None if progress is None else progress.advance)
    services.gate.consulted(admitted, "subject", [subject_id])
    return admitted, result


def screen(services: Services, caller: Caller, *, subject_id: str,
           justification: str | None, voids: Voids = None, top: int | None = None,
           progress: Progress | None = None) -> VoidScreening:
    """Screen voids for one subject (NASSO 5.2, 5.3): hard conflicts rule a void out,
    with the reason; the rest are ranked by a manageability score whose factors
    (walking distances in metres, counts within ``nearby_m`` metres, EPSG:27700) and
    weights (``GEO_ERA_SCREENING``) are shown.

    Parameters
    ----------
    subject_id
        The subject to be housed (pseudonymous id of the ``subjects`` layer).
    justification
        Why the subject's record is consulted (DPA 2018 s62): required.
    voids
        The candidate properties (:data:`Voids`); default every void in the store.
        Council staff screen only their own council's voids (the others become row
        errors).
    top
        Keep the first ``top`` voids of the ranked list (the counts stay those of the
        whole screening).

    Raises
    ------
    ForbiddenError
        When the caller's role may not screen (the refusal is audited).
    DataError
        Without a justification, or for a list that cannot be read.
    NotFoundError
        For an unknown subject.

    The consultation of the subject's record is one audit entry.
    """
    _admitted, result = _screened(services, caller, subject_id=subject_id,
                                  justification=justification, voids=voids,
                                  progress=progress)
    return VoidScreening.model_validate(result.to_dict(top=top))


@dataclass(frozen=True)
class ScreeningView:
    """A screening and its map, for a page: the rendered map document (Folium), or why
    it could not be drawn."""

    answer: VoidScreening
    map_document: str | None
    map_problem: str | None


def screen_with_map(services: Services, caller: Caller, *, subject_id: str,
                    justification: str | None, voids: Voids = None, top: int | None = None,
                    assets: Assets | None = None) -> ScreeningView:
    """:func:`screen`, and the map of the voids shown (:func:`~geo_era.maps.screening.
    screening_map`, tiles as configured): the subject's exclusion zones are drawn only
    for roles allowed to see them. One audit entry, as for :func:`screen`."""
    admitted, result = _screened(services, caller, subject_id=subject_id,
                                 justification=justification, voids=voids, progress=None)
    answer = VoidScreening.model_validate(result.to_dict(top=top))
    settings = services.settings
    try:
        fmap = screening_map(services.workspace, result, show_zones=sees_zones(admitted),
                             top=top, assets=assets, tiles=settings.map_tiles,
                             tiles_attribution=settings.map_tiles_attribution)
    except GeoEraError as exc:
        log.warning("map not drawn: %s", type(exc).__name__)
        return ScreeningView(answer, None, str(exc))
    return ScreeningView(answer, fmap.get_root().render(), None)


def sees_zones(admitted: Admitted) -> bool:
    """Whether a map drawn for this caller may show a subject's exclusion zones (the
    roles that may read them, :data:`~geo_era.security.access.MATRIX` ``zone_show``)."""
    role = admitted.caller.role
    return role == OPERATOR or role in MATRIX["zone_show"].allowed


def _landlords_voids(services: Services, caller: Caller, snap: Snapshot,
                     voids: Voids) -> VoidList:
    """The voids a landlord's Link Officer asks about, kept to their own organisation's
    stock (every other id reads alike, :func:`within_landlord`), after the probing limit
    (:func:`_within_probing_limit`)."""
    _within_probing_limit(services, caller)
    most = services.settings.landlord_voids_per_check
    listed = _voids_now(services, snap, voids)
    if len(listed.rows) + len(listed.errors) > most:
        services.gate.denied(caller, "allocation_check", [])
        raise LimitExceededError(f"a check may list at most {most:,} voids; list your "
                                 "organisation's voids only")
    state = services.live_voids  # brought up to date by _voids_now
    live = state.void_list(snap).rows
    own = np.zeros(snap.properties.size, dtype=bool)
    own[live[state.owned(live, caller.organisation)]] = True
    return within_landlord(snap, listed, caller.organisation, own)


def _voids_now(services: Services, snap: Snapshot, voids: Voids) -> VoidList:
    """:func:`listed_voids`, the voids in the store being the live voids now: the
    properties layer's ``is_void`` with the published and let events over it
    (:mod:`geo_era.housing.live_voids`, NASSO 5.3)."""
    state = services.live_voids
    state.sync(snap, services.engine, services.layers)
    if voids is None:
        return state.void_list(snap)
    return listed_voids(snap, voids, limits=ImportLimits.of(services.settings))


def _within_probing_limit(services: Services, caller: Caller) -> None:
    """Refuse a Link Officer's check beyond ``landlord_checks_per_hour`` in the last
    hour (counted from the audit trail, so across every worker and door); the refusal
    is audited as ``denied``, where auditors see the probing."""
    limit = services.settings.landlord_checks_per_hour
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with session_scope(services.engine) as session:
        made = session.scalar(
            select(func.count()).select_from(AuditEntry)
            .where(AuditEntry.actor == caller.username,
                   AuditEntry.record_type == "allocation_check",
                   AuditEntry.outcome == "allowed", AuditEntry.at >= since)) or 0
    if made >= limit:
        services.gate.denied(caller, "allocation_check", [])
        log.warning("probing limit reached: role %s on allocation_check", caller.role)
        raise LimitExceededError(f"at most {limit} sensitive-allocation checks an hour; "
                                 "try again later, or ask the SOLO")


def allocation_check(services: Services, caller: Caller, *, justification: str | None,
                     voids: Voids = None, flags_only: bool = False,
                     progress: Progress | None = None
                     ) -> AllocationCheck | AllocationFlags:
    """Which voids need a sensitive allocation because of someone housed nearby (NASSO
    3.12): in the NASSO 3.9 minimum set of a housed subject's home, in their building,
    at their home, or under a restriction a case recorded.

    Roles with need to know get the reasons (council staff: for their own council's
    voids; another council's void carries the flag alone); a landlord's Link Officer,
    or anyone asking ``flags_only``, gets :class:`AllocationFlags`: the flag and nothing
    of who or why, never for a subject's recorded home as such; a Link Officer also gets,
    on a void, the wording of a restriction the Responsible Authorities decided to
    disclose to their landlord for that void, once recorded as made
    (:func:`geo_era.services.disclosures.with_disclosed_wording`). A Link Officer asks only
    about their own organisation's voids (the ``landlord`` of the properties layer; any
    other id, known or not, reads alike), at most ``landlord_voids_per_check`` at once
    and ``landlord_checks_per_hour`` times an hour (refusals audited; issue 17, finding
    2).

    Needs the justification (DPA 2018 s62). One audit entry, written by the core: a
    consultation of the subjects whose records flagged a void, or, for the flags, a
    disclosure to the caller's organisation.
    """
    admitted = services.gate.admit("allocation_check", caller, justification=justification)
    restricted = admitted.restricted or flags_only
    snap = services.workspace.snapshot()
    if admitted.restricted:
        admitted.require_justification("housed subjects' records")
        listed = _landlords_voids(services, caller, snap, voids)
    else:
        listed = _voids_now(services, snap, voids)
    if progress is not None:
        progress.start(len(listed))
    result = check_allocations(snap, services.engine, listed, actor=admitted.actor,
                               restricted=restricted, for_landlord=admitted.restricted,
                               progress=None if progress is None else progress.advance,
                               cache=services.live_voids.allocations)
    if restricted:
        flags = result.to_dict(reveal=False)
        if admitted.restricted:  # a landlord: the wordings disclosed to it (3.12)
            flags = with_disclosed_wording(services, caller.organisation, flags)
        return AllocationFlags.model_validate(flags)
    scope = admitted.actor.scope
    if scope is None:
        return AllocationCheck.model_validate(result.to_dict(reveal=True))
    councils = (area_names_at(snap.areas, snap.properties.xy[listed.rows], "council")
                if snap.areas is not None else [None] * len(listed.rows))
    return AllocationCheck.model_validate(
        result.to_dict(reveal=[name == scope for name in councils]))
