"""Routes for reports: the annual over-concentration report of one authority (NASSO
5.2, 3.13).

Police, the MAPPA coordinator and council staff get the internal version (exact
figures, the placements without consent by subject id) with a justification, or the
version for publication; council staff only for their own council. A landlord's Link
Officer gets only the version for publication. The page (:mod:`api.routes.pages`) calls the
same :func:`run_report`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field

from api.deps import PREFIX, App, Who
from api.deps import AppServices as Services
from api.schemas import JUSTIFICATION, Strict
from geo_era.overconcentration.report import (
    HISTORY,
    Report,
    report_from_store,
    shown_number,
)
from geo_era.overconcentration.statistics import PERMUTATIONS
from geo_era.services import Admitted as Caller

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


def run_report(app: Services, caller: Caller, *, authority: str, year: int,
               publish: bool, level: str | None = None) -> Report:
    """The report as the caller may have it: a Link Officer (restricted view) gets the
    version for publication whatever was asked. Audited by the core."""
    return report_from_store(app.layers, app.engine, authority=authority, year=year,
                             actor=caller.actor, published=publish or caller.restricted,
                             level=level, history=HISTORY, permutations=PERMUTATIONS)


def report_document(report: Report) -> dict[str, Any]:
    """The report as JSON: marking, narrative, tables (suppressed counts ``[c]``)."""
    tables = {name: frame.astype(object).where(frame.notna(), None).to_dict("records")
              for name, frame in report.tables().items()}
    return {"marking": report.marking, "authority": report.authority,
            "as_at": report.as_at.isoformat(), "years": report.years,
            "published": report.published, "fictional": report.fictional,
            "data_version": report.data_version, "narrative": report.narrative,
            "areas_of_concern": tables.pop("areas_of_concern"), "tables": tables,
            "gi_star": {"permutations": report.permutations, "seed": report.seed,
                        "authority_rate_per_1k_households": shown_number(
                            report.authority_table["rate_per_1k_households"].iloc[-1], 2)}}


@router.post("/reports/overconcentration", tags=["reports"])
def overconcentration_route(body: OverconcentrationRequest, identity: Who, app: App
                            ) -> dict[str, Any]:
    """The annual over-concentration report of one authority as at 31 March: counts,
    rates and location quotients per area and year, Gi* areas of concern, out-of-area
    placements. Internal (exact, with a justification) or for publication (disclosure
    control). Audited."""
    caller = app.admit("overconcentration", identity, justification=body.justification,
                       record_ids=[f"over-concentration {body.authority} {body.year}"])
    report = run_report(app, caller, authority=body.authority, year=body.year,
                        publish=body.publish, level=body.level)
    return report_document(report)
