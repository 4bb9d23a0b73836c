"""The annual MAPPA figures from the layers of a store and the case store, audited
(NASSO 1.0; R128-R131)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine

from geo_era.casework.placements import placements_now
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import session_scope
from geo_era.errors import NotFoundError, OutOfScopeError
from geo_era.reporting.mappa import Figures, MappaReport, Scope, build_mappa_report, store_records
from geo_era.reporting.mappa_areas import council_key
from geo_era.security.audit import Actor

#: What an internal report's justification is asked for.
INTERNAL_WHAT = "the internal MAPPA figures (exact counts of the people managed)"


def _scope_allowed(actor: Actor, scope: Scope) -> None:
    """An actor confined to one council reports on that council only; anything else
    reads as not found (and the refusal is audited by the services)."""
    if actor.scope is None:
        return
    if scope.kind != "council" or council_key(scope.name) != council_key(actor.scope):
        raise OutOfScopeError(f"{scope.name!r} is not a council in the areas layer, or not "
                              "yours to report on", record_type="subjects",
                              record_ids=[f"MAPPA figures {scope.kind} {scope.name}"])


def figures_from_store(store: LayerStore, engine: Engine) -> Figures:
    """What the figures are worked from (:class:`Figures`): the layers of one catalog
    snapshot and the case store's moves and granted transfers."""
    snapshot = store.snapshot()
    for name in ("areas", "properties", "subjects"):
        if name not in snapshot.layers:
            raise NotFoundError(store.missing_message(name, list(snapshot.layers)))
    placements = placements_now(store.read_entry(snapshot.layers["placements"])
                                if "placements" in snapshot.layers else None, engine)
    if placements is None:
        raise NotFoundError(store.missing_message("placements", list(snapshot.layers)))
    areas = store.read_entry(snapshot.layers["areas"])
    councils = areas[areas["area_type"].astype(str) == "council"].reset_index(drop=True)
    properties = store.read_entry(snapshot.layers["properties"])
    keep = [c for c in ("property_id", "landlord", "geometry") if c in properties.columns]
    moves, transfers = store_records(engine)
    return Figures(councils=gpd.GeoDataFrame(councils), properties=gpd.GeoDataFrame(
        properties[keep]), subjects=pd.DataFrame(store.read_entry(snapshot.layers[
            "subjects"])), placements=placements, moves=moves, transfers=transfers)


def mappa_from_store(store: LayerStore, engine: Engine, *, scope: Scope, year: int,
                     actor: Actor, published: bool,
                     area_table: dict[str, str] | None = None,
                     today: dt.date | None = None) -> MappaReport:
    """The annual MAPPA figures of ``scope``, audited: one *combination* entry of the
    subjects and placements, naming the report (never a subject: the report names
    none). The internal version needs the actor's justification; an actor confined to
    one council (``scope``) gets only that council's figures."""
    if not published:
        actor.require_justification(INTERNAL_WHAT)
    _scope_allowed(actor, scope)
    report = build_mappa_report(figures_from_store(store, engine), scope=scope, year=year,
                                published=published, area_table=area_table, today=today)
    _scope_allowed(actor, report.scope)
    with session_scope(engine) as session:
        actor.record(session, operation="combination", record_type="subjects",
                     record_ids=[f"MAPPA figures {report.scope.kind} {report.scope.name} "
                                 f"{year} {'published' if published else 'internal'}"])
    return report
