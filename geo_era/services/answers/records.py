"""Typed answers of the restricted-record services: victim-exclusion zones (GeoJSON in
EPSG:27700, metres), annual reviews (NASSO 3.3), review triggers (3.4) and weeding.

Only the Responsible Authorities and the MAPPA coordinator may see these, so each answer
has one model.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from geo_era.services.answers._base import Answer

BNG = Literal["EPSG:27700"]


class ZoneAdded(Answer):
    """A victim-exclusion zone just recorded: its id and area."""

    zone_id: str
    subject_id: str
    area_m2: float = Field(description="square metres")
    crs: BNG


class PolygonGeometry(Answer):
    type: Literal["Polygon"]
    coordinates: list[list[list[float]]] = Field(
        description="exterior ring, then any holes; x, y in metres (EPSG:27700)")


class MultiPolygonGeometry(Answer):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[list[float]]]] = Field(
        description="polygons of rings; x, y in metres (EPSG:27700)")


ZoneGeometry = Annotated[PolygonGeometry | MultiPolygonGeometry, Field(discriminator="type")]


class ZoneProperties(Answer):
    zone_id: str
    reason: str | None


class ZoneFeature(Answer):
    """One exclusion zone as a GeoJSON Feature."""

    type: Literal["Feature"]
    id: str
    properties: ZoneProperties
    geometry: ZoneGeometry


class SubjectZones(Answer):
    """A subject's exclusion zones: a GeoJSON FeatureCollection in EPSG:27700 (metres)."""

    type: Literal["FeatureCollection"]
    subject_id: str
    crs: BNG
    features: list[ZoneFeature]


class LastEra(Answer):
    """A subject's last completed ERA: the case, the date of its Part C or Part D
    decision, and the property decided on."""

    case_id: str
    decided_on: dt.date
    property_id: str


class ReviewDue(Answer):
    """A subject on the due list (NASSO 3.3, 3.5): an annual review falling due or
    overdue, or an ERA required (no completed ERA, or a change of address since it)."""

    subject_id: str
    status: Literal["overdue", "due", "era_required"] = Field(
        description="overdue: the 21-working-day deadline has passed; due: the renewal "
                    "date is past or within the look-ahead; era_required: no completed "
                    "ERA, or living at a property other than the last ERA's")
    criteria: list[str] = Field(description="mappa_level_2_or_3, level_1_high_risk, "
                                            "sopo_or_rsho, contact_offence, flagged")
    why: str
    last_era: LastEra | None
    renewal_date: dt.date | None = Field(
        description="The last completed ERA plus the review period, moved on by waivers; "
                    "none when an ERA is required")
    due: dt.date | None = Field(
        description="21 clear working days after the renewal date (Scottish bank "
                    "holidays and weekends do not count)")
    period_months: int | None = Field(description="The subject's review period, months")
    waived: int = Field(default=0, description="Waivers recorded since the last ERA")
    open_case: str | None = Field(description="An open annual-review case, if any")
    registered_on: dt.date | None = Field(
        default=None, description="The date of registration (subjects layer), if given")


class ReviewWaived(Answer):
    """The reasons for not reviewing, recorded (3.3)."""

    subject_id: str
    waived_on: dt.date
    by: str


class ReviewTrigger(Answer):
    """A review trigger (3.4): whose, at which home, of which kind, and what changed
    (:mod:`geo_era.casework.triggers`)."""

    subject_id: str
    property_id: str
    kind: Literal["conflict_at_home", "never_assessed", "environment", "household",
                  "subject_record"] = Field(
        description="conflict_at_home: a hard conflict at the home now; never_assessed: "
                    "no assessment of this home recorded; environment: sites or the "
                    "minimum set changed; household: a neighbouring household now with "
                    "children or an adult at risk; subject_record: a new condition or "
                    "exclusion zone")
    assessed_at: str | None = Field(description="the last assessment of this home, if any")
    changes: list[str]


class TriggerRun(Answer):
    """Every housed subject's home refreshed: the triggers, and how many homes were
    refreshed, assessed before, and with a hard conflict now."""

    triggers: list[ReviewTrigger]
    subjects_to_review: int = Field(description="subjects with at least one trigger")
    housed: int
    assessed_before: int
    with_conflicts: int
    radius_m: float = Field(description="the assessment radius, metres")


class Weeded(Answer):
    """One retention rule applied: how many records went, and the cutoff."""

    record_type: Literal["cases", "homelessness", "placements", "waivers", "enquiries",
                         "notifications", "markers", "documents", "reports"] = Field(
        description="cases, homeless presentations, advice and decided transfers "
                    "(homelessness), recorded placements, waivers, enquiries, landlords' "
                    "notifications and expired staff-safety markers in the store; "
                    "documents (ERA documents and field sheets written from the cases "
                    "weeded) and reports (report files past their retention) on disk")
    weeded: int
    left: int = Field(default=0, description="files changed since geo_era wrote them, "
                                             "left in place (documents, reports)")
    retention_days: int
    cutoff: dt.date
