"""Victim-exclusion zones: recording one for a subject, and consulting a subject's zones.

A zone is personal data about a victim as much as about the subject: recording one is a
*collection*, reading them a *consultation* that needs a justification, and each is
audited (DPA 2018 s62). The geometry is held to the import rules
(:mod:`geo_era.data.geometry_input`) and stored in EPSG:27700 in the restricted
``exclusion_zones`` layer, by the same atomic replacement as an import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Engine

from geo_era.contract.schema import BNG
from geo_era.data.geometry_input import parse_geometry
from geo_era.data.layer_store import LayerStore
from geo_era.data.readers import RawLayer
from geo_era.data.validation import validate_layer
from geo_era.db.store import session_scope
from geo_era.errors import NotFoundError
from geo_era.security.audit import Actor


def _require_subject(store: LayerStore, subject_id: str) -> None:
    if not store.has("subjects"):
        raise NotFoundError("no subjects layer is loaded; import subjects first")
    ids = store.read_attributes("subjects", ["subject_id"])["subject_id"].astype(str)
    if subject_id not in set(ids):
        raise NotFoundError(f"subject {subject_id!r} not found in layer 'subjects'")


#: The ids this module gives zones: ``Z-`` and a number, one more than the highest so far.
ZONE_ID = re.compile(r"^Z-(\d{6,})$")


def next_zone_id(existing: Iterable[object]) -> str:
    """The id of the next zone recorded, after ``existing`` ids: ``Z-000001``, then
    ``Z-000002``... (ids of another form, such as imported ones, are skipped).

    The id follows from the zones already recorded, so the same record made in two
    copies of a store gets the same id, whichever door it came through."""
    numbers = [int(m.group(1)) for m in (ZONE_ID.match(str(z)) for z in existing) if m]
    return f"Z-{max(numbers, default=0) + 1:06d}"


def add_exclusion_zone(store: LayerStore, engine: Engine, *, subject_id: str,
                       geometry: Mapping[str, Any], crs: str | None, reason: str | None,
                       actor: Actor) -> dict[str, Any]:
    """Record a victim-exclusion zone for ``subject_id``; returns its id and area (m²).

    The layer is rewritten atomically and the audit entry committed with it: if the
    entry cannot be written, the transaction fails before the layer is swapped.
    """
    zone = parse_geometry(geometry, crs, layer="exclusion_zones", where="geometry")
    _require_subject(store, subject_id)
    current = store.read("exclusion_zones") if store.has("exclusion_zones") else None
    zone_id = next_zone_id([] if current is None else current["zone_id"])
    row = gpd.GeoDataFrame({"zone_id": [zone_id], "subject_id": [subject_id],
                            "reason": [(reason or "").strip() or None]},
                           geometry=[zone], crs=BNG)
    frame = row if current is None else gpd.GeoDataFrame(
        pd.concat([current, row], ignore_index=True), geometry="geometry", crs=BNG)
    checked = validate_layer(RawLayer(file="exclusion zone", layer="exclusion_zones",
                                      frame=frame))
    with session_scope(engine) as session:
        actor.record(session, operation="collection", record_type="exclusion_zone",
                     record_ids=[zone_id, subject_id])
        sources = (list(store.version("exclusion_zones").sources)
                   if store.has("exclusion_zones") else [])
        store.replace({"exclusion_zones": checked},
                      sources={"exclusion_zones": [*sources, f"recorded by {actor.username}"]})
    return {"zone_id": zone_id, "subject_id": subject_id,
            "area_m2": round(float(shapely.area(zone)), 1), "crs": "EPSG:27700"}


def zones_of(store: LayerStore, engine: Engine, subject_id: str, *, actor: Actor
             ) -> dict[str, Any]:
    """A subject's exclusion zones as a GeoJSON FeatureCollection in EPSG:27700 (metres).
    Consulting them needs a justification and is audited."""
    actor.require_justification("a subject's exclusion zones")
    _require_subject(store, subject_id)
    if store.has("exclusion_zones"):
        zones = store.read("exclusion_zones")
        assert isinstance(zones, gpd.GeoDataFrame)
        mine = zones[zones["subject_id"].astype(str) == subject_id]
    else:
        mine = gpd.GeoDataFrame({"zone_id": [], "reason": []}, geometry=[], crs=BNG)
    features = [{"type": "Feature", "id": str(zone_id),
                 "properties": {"zone_id": str(zone_id),
                                "reason": None if pd.isna(reason) else str(reason)},
                 "geometry": shapely.geometry.mapping(geom)}
                for zone_id, reason, geom in zip(mine["zone_id"], mine["reason"],
                                                 mine.geometry, strict=True)]
    with session_scope(engine) as session:
        actor.record(session, operation="consultation", record_type="exclusion_zone",
                     record_ids=[subject_id, *(f["id"] for f in features)])
    return {"type": "FeatureCollection", "subject_id": subject_id, "crs": "EPSG:27700",
            "features": features}
