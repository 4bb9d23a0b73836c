"""The ERA performance service (R126, R131; MAPPA guidance §10-11): the figures of one
reporting year for one council or all, as JSON or as files.

Who may have it (``report_performance`` in the matrix): police (OMU), the MAPPA
coordinator and auditors for any council or all; council staff (SOLO, criminal justice
social work) only for their own council, whatever they ask (another council reads as
not found, and the refusal is audited). Nobody else. The report names no subject, but it
is the Responsible Authorities' internal management information (OFFICIAL-SENSITIVE): it
needs a justification, and building it is one audit entry (a *combination* of the case
store's records), written here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from geo_era import clock
from geo_era.casework.retention import register_written
from geo_era.db.store import session_scope
from geo_era.errors import OutOfScopeError
from geo_era.overconcentration.loading import councils
from geo_era.reporting.performance import TITLES, Performance, performance
from geo_era.reporting.performance_files import performance_files, write_performance
from geo_era.services.answers.performance import PerformanceReport, PerformanceWritten
from geo_era.services.context import Services
from geo_era.services.policy import Admitted, Caller

__all__ = ["TITLES", "AskedPerformance", "PerformanceChoices", "performance_choices",
           "performance_pdf", "performance_report", "write_performance_report"]

ENDPOINT = "report_performance"
WHAT = "the ERA performance figures"


@dataclass(frozen=True)
class AskedPerformance:
    """Which report: the year it ends on 31 March, and the council (None: all councils,
    or the caller's own for council staff)."""

    year: int
    authority: str | None = None


def _label(asked: AskedPerformance) -> str:
    return f"ERA performance {asked.authority or 'all councils'} {asked.year}"


def _built(services: Services, caller: Caller, asked: AskedPerformance,
           justification: str | None, today: dt.date | None) -> tuple[Admitted, Performance]:
    """The report as the caller may have it, admitted, read and audited."""
    admitted = services.gate.admit(ENDPOINT, caller, justification=justification,
                                   record_ids=[_label(asked)])
    admitted.require_justification(WHAT)
    scope = admitted.actor.scope
    authority = asked.authority
    with services.gate.in_scope(caller):
        if scope is not None and authority is not None and \
                " ".join(authority.split()).casefold() != scope.casefold():
            raise OutOfScopeError(
                f"no council called {authority!r} is known to you; council staff have "
                "their own council's report", record_type="case",
                record_ids=[_label(asked)])
    layers = services.layers
    known = [*(councils(layers) if layers.has("areas") else []), *([scope] if scope else [])]
    report = performance(services.engine, year=asked.year, authority=scope or authority,
                         subjects=layers.read("subjects") if layers.has("subjects") else None,
                         review_months=services.settings.review_months, councils=known,
                         today=today)
    with session_scope(services.engine) as session:
        admitted.actor.record(session, operation="combination", record_type="case",
                              record_ids=[f"ERA performance {report.scope_label} "
                                          f"{report.period.year}"])
    return admitted, report


def _answer(report: Performance) -> PerformanceReport:
    return PerformanceReport.model_validate({
        "marking": report.marking, "fictional": report.fictional,
        "year": report.period.year, "start": report.period.start,
        "end": report.period.end, "as_at": report.period.as_at,
        "authority": report.authority, "notes": report.notes,
        "tables": {stem: [{str(k): _measured(v) for k, v in row.items()}
                          for row in table.to_dict("records")]
                   for stem, table in report.tables.items()}})


def _measured(value: object) -> object:
    """A cell as the answer gives it: NaN (nothing measured) as ``None``."""
    return None if isinstance(value, float) and math.isnan(value) else value


def performance_report(services: Services, caller: Caller, asked: AskedPerformance, *,
                       justification: str | None,
                       today: dt.date | None = None) -> PerformanceReport:
    """The ERA performance of the reporting year ending 31 March ``asked.year``
    (:func:`geo_era.reporting.performance.performance`).

    Raises
    ------
    ForbiddenError
        The caller's role may not have it (audited).
    NotFoundError
        Council staff asking for another council (audited as denied).
    DataError
        No justification; a year that is not a reporting year; an unknown council.
    """
    return _answer(_built(services, caller, asked, justification, today)[1])


def write_performance_report(services: Services, caller: Caller, asked: AskedPerformance,
                             *, out: Path, justification: str | None,
                             today: dt.date | None = None) -> PerformanceWritten:
    """The report written into the directory ``out``: ``report.html``, ``report.pdf`` and
    one CSV per table, all or none, readable by their owner only; registered for weeding
    as a report. Admitted and audited as :func:`performance_report`."""
    admitted, report = _built(services, caller, asked, justification, today)
    areas = services.layers.read("areas") if services.layers.has("areas") else None
    outlines = None if areas is None else areas[areas["area_type"].astype(str) == "council"]
    written = write_performance(report, out, outlines)
    register_written(services.engine, kind="report", paths=written, actor=admitted.actor)
    return PerformanceWritten(marking=report.marking, year=report.period.year,
                              authority=report.authority, out=str(out),
                              files=[p.name for p in written])


@dataclass(frozen=True)
class PerformanceChoices:
    """What the report's form offers the caller: the councils they may ask for (council
    staff: their own; others: the areas layer's, all councils being the default), the
    latest reporting year that has started, and whether all councils may be asked for."""

    councils: list[str]
    latest_year: int
    all_councils: bool


def performance_choices(services: Services, caller: Caller, *,
                        today: dt.date | None = None) -> PerformanceChoices:
    """The form's choices. Reads no personal data: not audited (a refused role's
    attempt is, by the gate)."""
    admitted = services.gate.admit(ENDPOINT, caller)
    scope = admitted.actor.scope
    today = today or clock.today()
    latest = today.year + 1 if today >= dt.date(today.year, 4, 1) else today.year
    if scope is not None:
        return PerformanceChoices([scope], latest, all_councils=False)
    names = councils(services.layers) if services.layers.has("areas") else []
    return PerformanceChoices(names, latest, all_councils=True)


def performance_pdf(services: Services, caller: Caller, asked: AskedPerformance, *,
                    justification: str | None) -> tuple[str, bytes]:
    """The report as PDF and the name to save it under. Admitted and audited as
    :func:`performance_report`."""
    _admitted, report = _built(services, caller, asked, justification, None)
    name = f"era-performance-{report.period.year}.pdf"
    return name, performance_files(report)["report.pdf"]
