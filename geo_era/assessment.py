"""The assessment a case keeps: what was around a candidate property when it was
assessed, from which reference data (NASSO 3.8-3.10).

The snapshot holds the sites near the property (straight-line and walking distances),
its minimum parameter set with the households to check, and the subject's conflicts and
warnings, with the version of every reference layer used, so that a signed decision
never changes when the reference data is re-imported.
"""

from __future__ import annotations

from typing import Any

from geo_era.catalog import LayerStore
from geo_era.errors import DataError, NotFoundError
from geo_era.parameters import minimum_parameter_set
from geo_era.proximity import sites_near


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
        from geo_era.constraints import check_subject_property  # noqa: PLC0415

        try:
            snapshot["check"] = check_subject_property(store, subject_id,
                                                       property_id).to_dict()
        except NotFoundError as exc:
            snapshot["check"] = {"error": str(exc)}
    else:
        snapshot["check"] = {"error": "no subjects layer is loaded: conditions and "
                                      "exclusion zones were not checked"}
    return snapshot
