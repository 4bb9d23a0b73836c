"""Restricted records as every door uses them: victim-exclusion zones, annual reviews
(NASSO 3.3), review triggers (3.4) and weeding under the retention policy.

Each service admits the caller (:data:`geo_era.security.access.MATRIX`), requires the
justification where records are consulted, and calls the core with the admitted actor:
the core writes the one audit entry in the transaction of what it reads or changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from geo_era.casework import reviews as core_reviews
from geo_era.casework import zones as core_zones
from geo_era.casework.retention import weed_files
from geo_era.errors import ForbiddenError
from geo_era.housing import notifications as core_notices
from geo_era.safeguarding.enquiries import weed_enquiries
from geo_era.safeguarding.markers import weed_markers
from geo_era.security.access import MATRIX, OPERATOR
from geo_era.security.audit import Actor
from geo_era.services.answers.records import (
    ReviewDue,
    ReviewWaived,
    SubjectZones,
    TriggerRun,
    Weeded,
    ZoneAdded,
)
from geo_era.services.context import Services
from geo_era.services.policy import Caller

__all__ = ["add_zone", "check_waiver", "may_see_zones", "review_triggers", "reviews_due",
           "show_zones", "waive_review", "weed"]


def may_see_zones(caller: Caller) -> bool:
    """Whether the caller's role may see exclusion zones (``zone_show`` in the matrix):
    what decides whether a map drawn for them shows zones."""
    return caller.role == OPERATOR or caller.role in MATRIX["zone_show"].allowed


def add_zone(services: Services, caller: Caller, *, subject_id: str,
             geometry: Mapping[str, object], crs: str | None, reason: str | None = None,
             justification: str | None = None) -> ZoneAdded:
    """Record a victim-exclusion zone for a subject.

    ``geometry`` is a GeoJSON Polygon or MultiPolygon in ``crs`` (required, e.g.
    EPSG:27700 or EPSG:4326), held to the import rules and stored in EPSG:27700; the
    answer gives its area in square metres. Recorded as one collection, committed with
    the layer.
    """
    admitted = services.gate.admit("zone_add", caller, justification=justification,
                                   record_ids=[subject_id])
    return ZoneAdded.model_validate(core_zones.add_exclusion_zone(
        services.layers, services.engine, subject_id=subject_id, geometry=geometry,
        crs=crs, reason=reason, actor=admitted.actor))


def show_zones(services: Services, caller: Caller, *, subject_id: str,
               justification: str | None) -> SubjectZones:
    """A subject's exclusion zones as a GeoJSON FeatureCollection in EPSG:27700 (metres).
    Consulting them needs the justification and is recorded as one consultation."""
    admitted = services.gate.admit("zone_show", caller, justification=justification,
                                   record_ids=[subject_id])
    admitted.require_justification("a subject's exclusion zones")
    return SubjectZones.model_validate(core_zones.zones_of(
        services.layers, services.engine, subject_id, actor=admitted.actor))


def reviews_due(services: Services, caller: Caller, *, justification: str | None,
                within_days: int = 0, today: dt.date | None = None) -> list[ReviewDue]:
    """The due list (NASSO 3.3, 3.5): annual reviews whose renewal date is past or
    within ``within_days`` days, each with its renewal date and its deadline 21 clear
    working days after it, and the subjects needing an ERA (none completed, or a change
    of address since). Review periods by risk come from ``GEO_ERA_REVIEW_MONTHS``.
    Consulting the subjects' records needs the justification; one consultation of the
    subjects listed is recorded."""
    admitted = services.gate.admit("reviews_due", caller, justification=justification)
    admitted.require_justification("the subjects due a review")
    due = core_reviews.reviews_due(services.layers.read("subjects"), services.engine,
                                   actor=admitted.actor, today=today,
                                   within_days=within_days,
                                   review_months=services.settings.review_months)
    return [ReviewDue.model_validate(d) for d in due]


def check_waiver(reasons: str) -> str:
    """The reasons for not reviewing as they would be recorded, or the refusal
    :func:`waive_review` would give (too short): for a confirmation step before
    recording. Reads and writes nothing."""
    return core_reviews.waiver_reasons(reasons)


def waive_review(services: Services, caller: Caller, *, subject_id: str, reasons: str,
                 today: dt.date | None = None,
                 justification: str | None = None) -> ReviewWaived:
    """Record the Responsible Authorities' reasons for not reviewing a subject (3.3), in
    full (at least 20 characters); recorded as one collection (with ``justification``,
    e.g. the purpose of a session, in its audit entry)."""
    admitted = services.gate.admit("reviews_waive", caller, justification=justification,
                                   record_ids=[subject_id])
    return ReviewWaived.model_validate(core_reviews.waive_review(
        services.engine, subject_id, justification=reasons, actor=admitted.actor,
        today=today))


def review_triggers(services: Services, caller: Caller, *, radius_m: float = 400.0,
                    justification: str | None = None,
                    progress: Callable[[int, int], object] | None = None) -> TriggerRun:
    """Every housed subject's home refreshed (sites within ``radius_m`` metres, the
    minimum set and its households, hard conflicts, the subject's conditions and
    zones) and compared with its last assessment: the review triggers by subject and
    kind (3.4; :mod:`geo_era.casework.triggers`). Homes follow the moves recorded in
    the case store.

    ``review_triggers`` in the matrix (police and the MAPPA coordinator, as for the due
    list). The list names subjects and their homes: it needs the justification (a
    scheduled run gives one too) and is recorded as one consultation of the subjects
    it names. ``progress`` is called with the subjects done and the number of
    subjects.
    """
    admitted = services.gate.admit("review_triggers", caller, justification=justification)
    admitted.require_justification("the subjects' homes and review triggers")
    refresh = core_reviews.review_triggers(services.workspace, services.engine,
                                           actor=admitted.actor, radius_m=radius_m,
                                           progress=progress)
    return TriggerRun.model_validate({**refresh.summary(), "triggers": refresh.triggers})


def weed(services: Services, caller: Caller, *, today: dt.date | None = None
         ) -> list[Weeded]:
    """Delete closed cases, ended recorded placements, review waivers, closed enquiries
    (NASSO 5.4), landlords' notifications (5.3) and expired staff-safety markers (69-70)
    past retention (``GEO_ERA_RETENTION_*`` settings, days), then the files written from
    the cases weeded (ERA documents, field sheets: ``documents``) and the report files
    past their own retention (``reports``) (:func:`geo_era.casework.retention.weed_files`);
    the counts are kept, not the content, and each kind of record erased is recorded as
    one erasure.

    Raises
    ------
    ForbiddenError
        The caller is not the local operator: weeding is run on the server.
    """
    if caller.role != OPERATOR:
        raise ForbiddenError(f"the {caller.role} role may not weed records; weeding is "
                             "run by the operator on the server (geo-era weed)")
    actor = Actor(caller.username, caller.role, caller.organisation)
    settings = services.settings
    report = core_reviews.weed(services.engine,
                               retention_days={
                                   "cases": settings.retention_cases_days,
                                   "placements": settings.retention_placements_days,
                                   "waivers": settings.retention_waivers_days,
                                   "homelessness": settings.retention_homelessness_days},
                               actor=actor, today=today)
    report.append(weed_enquiries(services.engine,
                                 retention_days=settings.retention_enquiries_days,
                                 actor=actor, today=today))
    report.append(core_notices.weed(services.engine,
                                    retention_days=settings.retention_notifications_days,
                                    actor=actor, today=today))
    report.append(weed_markers(services.engine, retention_days=settings.retention_markers_days,
                               actor=actor, today=today))
    report += weed_files(services.engine, cases_days=settings.retention_cases_days,
                         reports_days=settings.retention_reports_days, actor=actor,
                         today=today)
    return [Weeded.model_validate(line) for line in report]
