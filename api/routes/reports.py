"""Routes for reports: the annual over-concentration report of one authority (NASSO
5.2, 3.13), and the ERA performance of a reporting year (R126, R131).

Police, the MAPPA coordinator and council staff get the internal version (exact
figures, the placements without consent by subject id) with a justification, or the
version for publication; council staff only for their own council. A landlord's Link
Officer gets only the version for publication. The route calls one service
(:func:`geo_era.services.reports.overconcentration_report`); the page calls its
siblings.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import Field, model_validator

from geo_era.documents.geopackage import MEDIA_TYPE
from geo_era.reporting.mappa import FIRST_YEAR, LAST_YEAR, Scope
from geo_era.services import mappa, performance, reports
from geo_era.services.answers.mappa import InternalMappaReport, PublishedMappaReport
from geo_era.services.answers.performance import PerformanceReport
from geo_era.services.answers.reports import InternalReport, PublishedReport

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, Strict

router = APIRouter(prefix=PREFIX)

Name = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")]


class OverconcentrationRequest(Strict):
    authority: Name = Field(description="The council, by name or area id, e.g. "
                                        "'City of Edinburgh'.")
    year: int = Field(ge=1990, le=2100, description="The year of the 31 March snapshot.")
    publish: bool = Field(default=False, description="The version for publication "
                          "(disclosure control). A Link Officer always gets it.")
    level: str | None = Field(default=None, max_length=32, pattern=r"^[a-z_]+$",
                              description="The level a published report shows "
                                          "(default: the finest, data_zone).")
    justification: str = JUSTIFICATION


@router.post("/reports/overconcentration", tags=["reports"],
             response_model=InternalReport | PublishedReport)
def overconcentration_route(body: OverconcentrationRequest, identity: Who, app: App
                            ) -> InternalReport | PublishedReport:
    """The annual over-concentration report of one authority as at 31 March: counts,
    rates and location quotients per area and year, Gi* areas of concern, out-of-area
    placements. Internal (exact, with a justification) or for publication (disclosure
    control). Audited."""
    asked = reports.Asked(body.authority, body.year, publish=body.publish,
                          level=body.level)
    return reports.overconcentration_report(app, caller_of(identity), asked,
                                            justification=body.justification)


class PlacementsRequest(Strict):
    authority: Name = Field(description="The council, by name or area id.")
    year: int = Field(ge=1990, le=2100, description="The year of the 31 March snapshot.")
    justification: str = JUSTIFICATION


def _geopackage(package: reports.ReportGeoPackage) -> Response:
    return Response(package.content, media_type=MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{package.filename}"',
        "X-Protective-Marking": package.marking.replace("\u2014", "-")})


GPKG: dict[int | str, dict[str, Any]] = {200: {"content": {MEDIA_TYPE: {}},
              "description": "A GeoPackage (OGC 12-128r18), EPSG:27700."}}


@router.post("/reports/overconcentration/geopackage", tags=["reports"],
             response_class=Response, responses=GPKG)
def overconcentration_geopackage_route(body: OverconcentrationRequest, identity: Who, app: App
                                       ) -> Response:
    """The over-concentration report's tables as one GeoPackage for GIS: each level's
    areas with their figures (polygons, EPSG:27700; suppressed counts NULL), the areas
    of concern, the tables with no place. Internal (with a justification) or for
    publication; a Link Officer always gets the published one. Audited."""
    asked = reports.Asked(body.authority, body.year, publish=body.publish,
                          level=body.level)
    return _geopackage(reports.overconcentration_geopackage(
        app, caller_of(identity), asked, justification=body.justification))


@router.post("/reports/overconcentration/placements", tags=["reports"],
             response_class=Response, responses=GPKG)
def overconcentration_placements_route(body: PlacementsRequest, identity: Who, app: App
                                       ) -> Response:
    """The internal over-concentration report as a GeoPackage with the placements
    current on 31 March as points (subject, property, start, data zone), for the OMU's
    analysts. Needs a justification; the audit entry names every subject in it."""
    asked = reports.Asked(body.authority, body.year, with_placements=True)
    return _geopackage(reports.overconcentration_geopackage(
        app, caller_of(identity), asked, justification=body.justification))


class MappaRequest(Strict):
    authority: Name | None = Field(default=None, description="One council, by its name "
                                   "in the areas layer, e.g. 'Fife'.")
    area: Name | None = Field(default=None, description="One MAPPA area (a group of "
                              "councils), e.g. 'Lothian and Borders'.")
    scotland: bool = Field(default=False, description="Scotland: the MAPPA areas.")
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="The year the reporting "
                      "period ends: 2026 is 1 April 2025 to 31 March 2026.")
    publish: bool = Field(default=False, description="The version for publication "
                          "(disclosure control). A Link Officer always gets it.")
    justification: str = JUSTIFICATION

    @model_validator(mode="after")
    def _one_scope(self) -> MappaRequest:
        given = [n for n, v in (("authority", self.authority), ("area", self.area),
                                ("scotland", self.scotland or None)) if v]
        if len(given) != 1:
            raise ValueError("give exactly one of authority, area or scotland (true)"
                             + (f"; got {', '.join(given)}" if given else ""))
        return self

    def scope(self) -> Scope:
        if self.authority is not None:
            return Scope("council", self.authority)
        if self.area is not None:
            return Scope("area", self.area)
        return Scope("scotland")


@router.post("/reports/mappa", tags=["reports"],
             response_model=InternalMappaReport | PublishedMappaReport)
def mappa_route(body: MappaRequest, identity: Who, app: App
                ) -> InternalMappaReport | PublishedMappaReport:
    """The annual MAPPA figures (1 April - 31 March) of a council, a MAPPA area or
    Scotland: people managed by category and level, new registrations, people housed
    by tenure and route, out-of-area placements agreed with and without consent, rates
    per 100,000. Internal (exact, with a justification) or for publication (disclosure
    control; always for a Link Officer). Audited."""
    asked = mappa.MappaAsked(body.scope(), body.year, publish=body.publish)
    return mappa.mappa_report(app, caller_of(identity), asked,
                              justification=body.justification)


class PerformanceRequest(Strict):
    year: int = Field(ge=1990, le=2100, description="The reporting year, by the year in "
                      "which it ends on 31 March: 2026 is 1 April 2025 to 31 March 2026.")
    authority: Name | None = Field(default=None, description="The council, by name as "
                                   "the areas layer spells it; leave out for all councils "
                                   "(council staff always get their own).")
    justification: str = JUSTIFICATION


@router.post("/reports/performance", tags=["reports"], response_model=PerformanceReport)
def performance_route(body: PerformanceRequest, identity: Who, app: App
                      ) -> PerformanceReport:
    """ERA performance over a reporting year (1 April to 31 March), for one council or
    all: ERAs completed within 7, 12 and 21 clear working days by type, lead agency and
    council; time to each agency's agreement; extensions; annual reviews due, done,
    waived and overdue; landlord notifications acted on. Internal (OFFICIAL-SENSITIVE),
    counts only. Audited."""
    return performance.performance_report(
        app, caller_of(identity),
        performance.AskedPerformance(body.year, body.authority),
        justification=body.justification)
