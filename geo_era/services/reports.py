"""Report services: the annual over-concentration report of one authority (NASSO 5.2,
3.13), or of every council, internal or for publication, as JSON, as files, or for the
pages.

Police, the MAPPA coordinator and council staff may have the internal version (exact
figures, the placements without consent by subject id) with a justification, or the
version for publication; council staff only for their own council. A landlord's Link
Officer always gets the version for publication, whatever was asked. Building a report
is one audit entry (a *combination* of the placements, written by the core).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from geo_era import clock
from geo_era.casework.retention import register_written
from geo_era.errors import DataError
from geo_era.maps.assets import Assets
from geo_era.overconcentration.batch import write_every_council
from geo_era.overconcentration.choropleth import overconcentration_map
from geo_era.overconcentration.document import report_geopackage, report_pdf, write_report
from geo_era.overconcentration.loading import councils, report_from_store
from geo_era.overconcentration.report import HISTORY, Report
from geo_era.overconcentration.statistics import PERMUTATIONS
from geo_era.security.audit import Actor
from geo_era.services.answers.reports import (
    InternalReport,
    PublishedReport,
    ReportChoices,
    ReportsWritten,
    ReportWritten,
)
from geo_era.services.context import Services
from geo_era.services.housing import Progress
from geo_era.services.policy import Admitted, Caller


def _report_file(path: Path) -> bool:
    """A file a report writes (:func:`~geo_era.overconcentration.document.write_report`):
    registered for weeding (``GEO_ERA_RETENTION_REPORTS_DAYS``)."""
    return path.is_file() and (path.name in ("report.html", "report.pdf", "report.gpkg")
                               or path.suffix == ".csv")


@dataclass(frozen=True)
class Asked:
    """Which report is asked for: the authority (a council's name or area id), the year
    of the 31 March snapshot, the version, the level a published report shows (default
    the finest), the earlier years shown, and Gi*'s seed and permutations."""

    authority: str
    year: int
    publish: bool = False
    level: str | None = None
    history: int = HISTORY
    seed: int = 0
    permutations: int = PERMUTATIONS
    #: the internal report with the current placements as points (the OMU's:
    #: ``report_placements`` in the matrix)
    with_placements: bool = False


def _admit(services: Services, caller: Caller, record: str | None,
           justification: str | None, *, operation: str = "overconcentration"
           ) -> Admitted:
    """The caller admitted to the reports; a refusal is audited naming ``record``."""
    return services.gate.admit(operation, caller, justification=justification,
                               record_ids=[] if record is None else
                               [f"over-concentration {record}"])


def _built(services: Services, caller: Caller, asked: Asked,
           justification: str | None, *, operation: str = "overconcentration") -> Report:
    """The report as the caller may have it (a Link Officer: published), audited by
    the core; an internal report needs the justification. With the placements as
    points the caller is admitted to ``report_placements`` instead."""
    if asked.with_placements:
        operation = "report_placements"
    admitted = _admit(services, caller, f"{asked.authority} {asked.year}", justification,
                      operation=operation)
    if asked.with_placements and (asked.publish or admitted.restricted):
        raise DataError("placements as points are never published: ask for the internal "
                        "report to have them")
    with services.gate.in_scope(caller):
        return report_from_store(services.layers, services.engine,
                                 authority=asked.authority, year=asked.year,
                                 actor=admitted.actor,
                                 published=asked.publish or admitted.restricted,
                                 level=asked.level, history=asked.history, seed=asked.seed,
                                 permutations=asked.permutations,
                                 with_placements=asked.with_placements)


def overconcentration_report(services: Services, caller: Caller, asked: Asked, *,
                             justification: str | None
                             ) -> InternalReport | PublishedReport:
    """The over-concentration report of one authority as at 31 March of the year:
    counts, rates (per 100,000 residents, per 1,000 households) and location quotients
    per area and year, Gi* areas of concern, out-of-area placements.

    Parameters
    ----------
    asked
        The authority, year, version and level (:class:`Asked`).
    justification
        Why (DPA 2018 s62); required for the internal version, which names subjects.

    Returns
    -------
    InternalReport | PublishedReport
        The internal report (exact), or the one for publication (disclosure control;
        always for a Link Officer).

    Raises
    ------
    ForbiddenError
        When the caller's role may not have the report (the refusal is audited).
    NotFoundError, DataError
        When council staff ask for another council's report (it reads as not found,
        and the refusal is audited),
        For an unknown authority, level or year, or missing layers.
    """
    report = _built(services, caller, asked, justification)
    model = PublishedReport if report.published else InternalReport
    return model.model_validate(report.to_dict())


def write_overconcentration_report(services: Services, caller: Caller, asked: Asked, *,
                                   out: Path, justification: str | None) -> ReportWritten:
    """The report written into the directory ``out``: ``report.html`` (the interactive
    map), ``report.pdf`` (the static map) and one CSV per table, all or nothing, 0600
    when internal (:func:`~geo_era.overconcentration.document.write_report`). Admitted
    and audited as :func:`overconcentration_report`."""
    report = _built(services, caller, asked, justification)
    written = write_report(report, out)
    register_written(services.engine, kind="report", paths=list(written),
                     actor=Actor(caller.username, caller.role, caller.organisation))
    return ReportWritten(marking=report.marking, authority=report.authority,
                         year=report.year, out=str(out), files=[p.name for p in written],
                         narrative=report.narrative)


def overconcentration_reports_all(services: Services, caller: Caller, *, out: Path,
                                  year: int, publish: bool, justification: str | None,
                                  level: str | None = None, history: int = HISTORY,
                                  seed: int = 0, permutations: int = PERMUTATIONS,
                                  progress: Progress | None = None) -> ReportsWritten:
    """Every council's report (council staff: their own) written into ``out/<council>/``
    as :func:`write_overconcentration_report` writes one; a council whose report cannot
    be built is skipped, with the reason. One audit entry per report written."""
    admitted = _admit(services, caller, f"all {year}", justification)
    written = write_every_council(
        services.layers, services.engine, out, actor=admitted.actor, year=year,
        published=publish or admitted.restricted, level=level, history=history, seed=seed,
        permutations=permutations, on_start=None if progress is None else progress.start,
        progress=None if progress is None else progress.advance)
    register_written(services.engine, kind="report", actor=admitted.actor,
                     paths=[f for folder in written.folders.values()
                            for f in sorted(Path(folder).iterdir()) if _report_file(f)])
    return ReportsWritten(year=year, out=str(out),
                          written={k: str(v) for k, v in written.folders.items()},
                          skipped=written.skipped)


def report_choices(services: Services, caller: Caller, *,
                   today: dt.date | None = None) -> ReportChoices:
    """What a report form offers the caller: the councils of the areas layer (council
    staff: their own), the latest 31 March passed, and whether the caller gets only the
    version for publication. Reads no personal data: not audited."""
    admitted = _admit(services, caller, None, None)
    names = councils(services.layers, scope=admitted.actor.scope) \
        if services.layers.has("areas") else []
    today = today or clock.today()
    latest = today.year if (today.month, today.day) >= (3, 31) else today.year - 1
    return ReportChoices(councils=names, latest_year=latest,
                         published_only=admitted.restricted)


@dataclass(frozen=True)
class ReportView:
    """A report for a page: the report as the caller may have it, and its interactive
    choropleth (the finest level) as a rendered Folium document."""

    report: Report
    map_document: str


def overconcentration_view(services: Services, caller: Caller, asked: Asked, *,
                           justification: str | None,
                           assets: Assets | None = None) -> ReportView:
    """The report and its map (tiles as configured), for a page. Admitted and audited
    as :func:`overconcentration_report`."""
    report = _built(services, caller, asked, justification)
    settings = services.settings
    fmap = overconcentration_map(report, report.levels[-1], assets=assets,
                                 tiles=settings.map_tiles,
                                 tiles_attribution=settings.map_tiles_attribution)
    return ReportView(report, fmap.get_root().render())


@dataclass(frozen=True)
class ReportPdf:
    """A report as PDF (A4, marked on every page; the map a static PNG), and the name
    to save it under."""

    filename: str
    content: bytes


def overconcentration_pdf(services: Services, caller: Caller, asked: Asked, *,
                          justification: str | None) -> ReportPdf:
    """The report as PDF. Admitted and audited as :func:`overconcentration_report`."""
    report = _built(services, caller, asked, justification)
    name = (f"overconcentration-{report.year}-"
            f"{'published' if report.published else 'internal'}.pdf")
    return ReportPdf(name, report_pdf(report))


@dataclass(frozen=True)
class ReportGeoPackage:
    """A report's tables as one GeoPackage (areas with their figures as polygons in
    EPSG:27700, the tables with no place as attribute tables; the placements as points
    when asked), the name to save it under, and its marking."""

    filename: str
    marking: str
    content: bytes


def overconcentration_geopackage(services: Services, caller: Caller, asked: Asked, *,
                                 justification: str | None) -> ReportGeoPackage:
    """The report's tables as a GeoPackage for an analyst's GIS: as the caller may
    have the report (a Link Officer: published). With ``asked.with_placements`` the
    internal report with the current placements as points, for the OMU only
    (``report_placements``); the audit entry then names every subject among
    them. Admitted and audited as :func:`overconcentration_report`.

    Raises
    ------
    ForbiddenError
        When the caller's role may not have it (the refusal is audited).
    DataError
        When placements are asked of a report for publication.
    """
    operation = "report_geopackage"
    report = _built(services, caller, asked, justification, operation=operation)
    kind = "internal" if not report.published else "published"
    extra = "-placements" if report.placements is not None else ""
    return ReportGeoPackage(f"overconcentration-{report.year}-{kind}{extra}.gpkg",
                            report.marking, report_geopackage(report))
