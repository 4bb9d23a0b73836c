"""The assessment a case keeps: what was around a candidate property when it was
assessed, from which reference data (NASSO 3.8-3.10).

The snapshot holds the sites near the property (straight-line and walking distances),
its minimum parameter set with the households to check, and the subject's conflicts and
warnings, with the version of every reference layer used, so that a signed decision
never changes when the reference data is re-imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from geo_era.analysis.areas import council_of
from geo_era.analysis.minimum_set import minimum_parameter_set
from geo_era.analysis.proximity import find_properties, sites_near
from geo_era.casework.cases import Assessor, open_case
from geo_era.data.layer_store import LayerStore
from geo_era.errors import DataError, NotFoundError
from geo_era.security.audit import Actor


def assess(store: LayerStore, subject_id: str, property_id: str, *,
           radius_m: float = 400.0) -> dict[str, Any]:
    """The snapshot of one candidate property for one subject (JSON-ready)."""
    snapshot: dict[str, Any] = {
        "radius_m": radius_m,
        "data_version": store.data_version,
        "layers": {name: store.version(name).version for name in store.layer_names()},
        "proximity": sites_near(store, property_id, radius_m),
    }
    try:
        snapshot["minimum_set"] = minimum_parameter_set(store, property_id).to_dict()
    except DataError as exc:
        snapshot["minimum_set"] = {"error": str(exc)}
    if store.has("subjects"):
        from geo_era.analysis.subject_check import check_subject_property  # noqa: PLC0415

        try:
            snapshot["check"] = check_subject_property(store, subject_id,
                                                       property_id).to_dict()
        except NotFoundError as exc:
            snapshot["check"] = {"error": str(exc)}
    else:
        snapshot["check"] = {"error": "no subjects layer is loaded: conditions and "
                                      "exclusion zones were not checked"}
    return snapshot


def open_assessed_case(store: LayerStore, engine: Engine, *, subject_id: str,
                       property_ids: Sequence[str], case_type: str, notified: dt.date,
                       actor: Actor, agencies: Sequence[str] = (), assess_now: bool = True,
                       authority: str | None = None, placing_authority: str | None = None,
                       receiving_authority: str | None = None,
                       assessor: Assessor | None = None,
                       today: dt.date | None = None) -> dict[str, Any]:
    """Open a case from what the layers say: the lead agency from the subject's licence
    or order (3.2), the council from where the first property lies, and (with
    ``assess_now``) a snapshot of each property, by ``assessor`` (a workspace's
    ``assess``) or by :func:`assess`. Unknown subjects and properties are refused before
    anything is written."""
    on_licence = False
    if store.has("subjects"):
        subjects = store.read_attributes("subjects", ["subject_id", "on_licence_or_order"])
        match = subjects[subjects["subject_id"].astype(str) == subject_id]
        if match.empty:
            raise NotFoundError(f"subject {subject_id!r} not found in layer 'subjects'")
        if "on_licence_or_order" in match.columns:
            on_licence = bool(match["on_licence_or_order"].fillna(False).iloc[0])
    if store.has("properties"):
        find_properties(store, list(property_ids))
    if authority is None and receiving_authority is None and property_ids:
        authority = council_of(store, property_ids[0]) if store.has("properties") else None
    run: Assessor | None = None
    if assess_now and store.has("properties") and store.has("sites"):
        run = assessor or (lambda subject, pid: assess(store, subject, pid))
    return open_case(engine, subject_id=subject_id, property_ids=property_ids,
                     case_type=case_type, notified=notified, on_licence_or_order=on_licence,
                     agencies=agencies, assess=run, authority=authority,
                     placing_authority=placing_authority,
                     receiving_authority=receiving_authority, actor=actor, today=today)
