"""The annual MAPPA figures (NASSO 1.0; R128-R131) of a council, a MAPPA area or
Scotland, for the reporting year 1 April - 31 March: as JSON or as files.

Police, social work, the SOLO and the MAPPA coordinator may have the internal figures
(exact, OFFICIAL-SENSITIVE) with a justification, or the version for publication;
council staff only their own council's. A landlord's Link Officer always gets the
version for publication, whatever was asked. Building the figures is one audit entry
(a *combination* of the subjects and placements, written by the core); a refusal is
audited naming what was asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from geo_era import clock
from geo_era.casework.retention import register_written
from geo_era.overconcentration.loading import councils
from geo_era.reporting.mappa import MappaReport, Scope, areas_of_councils
from geo_era.reporting.mappa_document import write_mappa_report
from geo_era.reporting.mappa_loading import mappa_from_store
from geo_era.security.audit import Actor
from geo_era.services.answers.mappa import (
    InternalMappaReport,
    MappaChoices,
    MappaWritten,
    PublishedMappaReport,
)
from geo_era.services.context import Services
from geo_era.services.policy import Caller
from geo_era.settings import mappa_area_table


@dataclass(frozen=True)
class MappaAsked:
    """Which figures are asked for: the scope (a council, a MAPPA area or Scotland),
    the year the reporting period ends (31 March), and the version."""

    scope: Scope
    year: int
    publish: bool = False


def _built(services: Services, caller: Caller, asked: MappaAsked,
           justification: str | None) -> MappaReport:
    """The figures as the caller may have them (a Link Officer: published), audited by
    the core; the internal version needs the justification."""
    admitted = services.gate.admit(
        "report_mappa", caller, justification=justification,
        record_ids=[f"MAPPA figures {asked.scope.kind} {asked.scope.name} {asked.year}"])
    with services.gate.in_scope(caller):
        return mappa_from_store(services.layers, services.engine, scope=asked.scope,
                                year=asked.year, actor=admitted.actor,
                                published=asked.publish or admitted.restricted,
                                area_table=mappa_area_table(services.settings))


def mappa_report(services: Services, caller: Caller, asked: MappaAsked, *,
                 justification: str | None
                 ) -> InternalMappaReport | PublishedMappaReport:
    """The annual MAPPA figures: people managed on 31 March by category and level, new
    registrations, people housed by tenure and route, out-of-area placements agreed
    with and without consent, rates per 100,000.

    Raises
    ------
    ForbiddenError
        When the caller's role may not have them (the refusal is audited).
    NotFoundError
        For an unknown council or MAPPA area (naming the known ones), missing layers,
        or council staff asking for anything but their own council (it reads as not
        found, and the refusal is audited).
    DataError
        For a year out of range or not yet ended.
    """
    report = _built(services, caller, asked, justification)
    model = PublishedMappaReport if report.published else InternalMappaReport
    return model.model_validate(report.to_dict())


def write_mappa(services: Services, caller: Caller, asked: MappaAsked, *, out: Path,
                justification: str | None) -> MappaWritten:
    """The figures written into ``out``: ``report.html``, ``report.pdf`` and one CSV per
    table, all or none, owner-only when internal. Admitted and audited as
    :func:`mappa_report`; the files are registered for weeding."""
    report = _built(services, caller, asked, justification)
    written = write_mappa_report(report, out)
    register_written(services.engine, kind="report", paths=list(written),
                     actor=Actor(caller.username, caller.role, caller.organisation))
    return MappaWritten(marking=report.marking, scope=report.scope.kind,
                        name=report.scope.name, year=report.year, out=str(out),
                        files=[p.name for p in written])


def mappa_view(services: Services, caller: Caller, asked: MappaAsked, *,
               justification: str | None) -> MappaReport:
    """The figures for a page, as the caller may have them. Admitted and audited as
    :func:`mappa_report`."""
    return _built(services, caller, asked, justification)


def mappa_choices(services: Services, caller: Caller, *,
                  today: dt.date | None = None) -> MappaChoices:
    """What the form offers the caller (:class:`MappaChoices`). Reads no personal data:
    not audited."""
    admitted = services.gate.admit("report_mappa", caller)
    scope = admitted.actor.scope
    names = councils(services.layers, scope=scope) if services.layers.has("areas") else []
    area_of, _unlisted = areas_of_councils(
        councils(services.layers) if services.layers.has("areas") else [],
        mappa_area_table(services.settings))
    today = today or clock.today()
    latest = today.year if (today.month, today.day) > (3, 31) else today.year - 1
    return MappaChoices(councils=names, areas=[] if scope else sorted(set(area_of.values())),
                        scotland=scope is None, latest_year=latest,
                        published_only=admitted.restricted)
