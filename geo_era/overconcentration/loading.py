"""The over-concentration report from the layers of a store, audited, and the councils
a store can report on."""

from __future__ import annotations

from sqlalchemy import Engine

from geo_era.casework.placements import placements_now
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import session_scope
from geo_era.errors import NotFoundError, OutOfScopeError
from geo_era.overconcentration.report import HISTORY, Report, authority_row, build_report
from geo_era.overconcentration.statistics import PERMUTATIONS
from geo_era.security.audit import Actor

#: What an internal report's justification is asked for.
INTERNAL_WHAT = ("the internal over-concentration report (it names subjects placed "
                 "without consent)")


def report_from_store(store: LayerStore, engine: Engine, *, authority: str, year: int,
                      actor: Actor, published: bool = False, level: str | None = None,
                      history: int = HISTORY, seed: int = 0,
                      permutations: int = PERMUTATIONS, with_placements: bool = False
                      ) -> Report:
    """The report from the layers of one catalog snapshot (``areas``, ``properties``,
    ``placements``), audited. The placements follow the moves recorded in the case
    store, with their out-of-area consent
    (:func:`geo_era.casework.placements.placements_now`).

    Placements are personal data: building the report is recorded as one *combination*
    entry of the ``placements`` (with the subjects an internal report names for lack of
    consent), in the audit trail of ``engine``. An internal report names subjects and
    needs the actor's justification; an actor confined to one council (``scope``) gets
    only that council's report. ``with_placements`` (internal only) adds the current
    placements as points; the entry then names every subject among them.
    """
    if not published:
        actor.require_justification(INTERNAL_WHAT)
    snapshot = store.snapshot()
    for name in ("areas", "properties"):
        if name not in snapshot.layers:
            raise NotFoundError(store.missing_message(name, list(snapshot.layers)))
    placements = placements_now(store.read_entry(snapshot.layers["placements"])
                                if "placements" in snapshot.layers else None, engine)
    if placements is None:
        raise NotFoundError(store.missing_message("placements", list(snapshot.layers)))
    areas = store.read_entry(snapshot.layers["areas"])
    council = authority_row(areas, authority)
    if actor.scope is not None and actor.scope.casefold() not in (
            str(council["name"]).casefold(), str(council["area_id"]).casefold()):
        raise OutOfScopeError(f"authority {authority!r} is not in the areas layer, or not "
                              "yours to report on", record_type="placements",
                              record_ids=[f"over-concentration {authority} {year}"])
    properties = store.read_entry(snapshot.layers["properties"],
                                  columns=["property_id", "geometry"])
    report = build_report(areas, properties, placements, authority=authority, year=year,
                          published=published, level=level, history=history, seed=seed,
                          permutations=permutations, data_version=snapshot.data_version,
                          with_placements=with_placements)
    named = set() if report.without_consent is None else set(
        report.without_consent["subject_id"].astype(str))
    if report.placements is not None:
        named |= set(report.placements["subject_id"].astype(str))
    with session_scope(engine) as session:
        actor.record(session, operation="combination", record_type="placements",
                     record_ids=[f"over-concentration {report.authority} {year} "
                                 f"{'published' if published else 'internal'}"
                                 f"{' with placements as points' if with_placements else ''}",
                                 *sorted(named)])
    return report


def councils(store: LayerStore, *, scope: str | None = None) -> list[str]:
    """The councils of the areas layer by name, sorted; with ``scope``, only that
    council. Raises :class:`NotFoundError` when there is no areas layer."""
    areas = store.read_attributes("areas", ["area_type", "name"])
    names = sorted(areas.loc[areas["area_type"] == "council", "name"].dropna()
                   .astype(str).unique())
    return names if scope is None else [n for n in names if n.casefold() == scope.casefold()]
