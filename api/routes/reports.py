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

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from geo_era.services import performance, reports
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
