"""Every council's over-concentration report at once (``geo-era report
overconcentration --authority all``): one subdirectory each, each report built and
audited as one is built alone."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from geo_era.data.layer_store import LayerStore
from geo_era.errors import GeoEraError
from geo_era.overconcentration.document import write_report
from geo_era.overconcentration.loading import councils, report_from_store
from geo_era.overconcentration.report import HISTORY
from geo_era.overconcentration.statistics import PERMUTATIONS
from geo_era.security.audit import Actor


def folder_name(council: str) -> str:
    """The subdirectory a council's report is written into: 'City of Edinburgh' ->
    'City-of-Edinburgh'."""
    return re.sub(r"[^A-Za-z0-9]+", "-", council).strip("-")


@dataclass
class Written:
    """What a run over every council wrote: each council's directory, and the councils
    skipped with why."""

    folders: dict[str, Path] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def write_every_council(store: LayerStore, engine: Engine, out: Path, *, actor: Actor,
                        year: int, published: bool, level: str | None = None,
                        history: int = HISTORY, seed: int = 0,
                        permutations: int = PERMUTATIONS,
                        progress: Callable[[int], None] | None = None,
                        on_start: Callable[[int], None] | None = None) -> Written:
    """Every council's report written into ``out/<council>/`` (:func:`folder_name`),
    each built and audited as :func:`report_from_store` builds one. A council whose
    report cannot be built (no areas inside it, ...) is skipped with the reason.
    ``on_start`` is told how many councils there are; ``progress`` is called after
    each."""
    if not published:
        actor.require_justification("the internal over-concentration reports")
    names = councils(store, scope=actor.scope)
    if on_start is not None:
        on_start(len(names))
    done = Written()
    for council in names:
        try:
            report = report_from_store(store, engine, authority=council, year=year,
                                       actor=actor, published=published, level=level,
                                       history=history, seed=seed,
                                       permutations=permutations)
        except GeoEraError as exc:
            done.skipped.append(f"{council}: {exc}")
        else:
            folder = out / folder_name(council)
            write_report(report, folder)
            done.folders[council] = folder
        if progress is not None:
            progress(1)
    return done
