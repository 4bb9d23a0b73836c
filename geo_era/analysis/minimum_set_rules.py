"""The NASSO 3.9 minimum parameters as text and the answer they give: the rule for each
property type (:data:`NASSO_RULES`), why each dwelling is in a set (:data:`REASONS`), and
one property's set (:class:`MinimumSet`) with its JSON-ready records. The sets are worked
out by :class:`geo_era.analysis.minimum_set.ParameterEngine`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

NASSO_RULES: dict[str, tuple[str, str]] = {
    "multi_storey_flat": (
        "Multi-storey properties",
        "All the properties on the same floor as the address being reviewed."),
    "tenement_flat": (
        "Tenement properties",
        "All properties within the same tenement close as the address being reviewed."),
    "shared": ("Shared accommodation", "All occupants must be checked."),
}
ADJACENCY_RULE = (
    "Cottage flats, semi-detached and detached properties",
    "This will be determined on a case-by-case basis but should include all adjacent "
    "properties and may include properties where the garden boundaries border each other.")
ADJACENCY_TYPES = ("cottage_flat", "semi_detached", "detached", "terraced")
for _type in ADJACENCY_TYPES:
    NASSO_RULES[_type] = ADJACENCY_RULE

REASONS: dict[str, str] = {
    "same_floor": "on the same floor of the same building",
    "same_close": "in the same close (common stair)",
    "shared_wall": "shares a wall",
    "flat_above_or_below": "the flat directly above or below",
    "flat_beside": "the flat beside it on the same floor",
    "garden_border": "its garden borders this property's garden",
    "all_occupants": "the shared property itself: every occupant must be checked",
}


#: A set's dwellings as columns (row k of each is dwelling k): ``property_id``,
#: ``address``, each of :data:`HOUSEHOLD_COLUMNS` the data has, and what else the set
#: gives (``reasons``, ``distance_m``, ``ring``).
Members = dict[str, np.ndarray]


@dataclass
class MinimumSet:
    """One property's minimum parameter set, with why each dwelling is in it."""

    property_id: str
    address: str
    property_type: str
    property_type_derived: bool
    rule_applies_to: str
    rule_text: str
    columns: Members
    occupants: int | None
    plots_estimated: bool
    extension: dict[str, Any] | None = None
    data_version: dict[str, int] = field(default_factory=dict)

    @cached_property
    def members(self) -> pd.DataFrame:
        """The dwellings, one row each, every household column there (NA when the data
        has none)."""
        return members_frame(self.columns)

    @property
    def member_ids(self) -> list[str]:
        return [str(p) for p in self.columns["property_id"].tolist()]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document (no sensitive fields: property facts only)."""
        doc: dict[str, Any] = {
            "property_id": self.property_id,
            "address": self.address,
            "property_type": self.property_type,
            "property_type_derived": self.property_type_derived,
            "rule": {"source": "NASSO 3.9", "applies_to": self.rule_applies_to,
                     "text": self.rule_text},
            "plots_estimated": self.plots_estimated,
            "properties": member_records(self.columns),
            "data_version": self.data_version,
        }
        if self.property_type == "shared":
            doc["occupants"] = self.occupants
            doc["occupants_note"] = ("all occupants must be checked" if self.occupants
                                     else "number of occupants unknown: establish it on site")
        if self.extension is not None:
            doc["extension"] = self.extension
        return doc


HOUSEHOLD_COLUMNS = ("children_in_household", "adult_at_risk_in_household", "occupants",
                     "is_void")


def members_frame(columns: Members) -> pd.DataFrame:
    """Dwellings' columns as a frame, each of :data:`HOUSEHOLD_COLUMNS` there (NA when
    the data has none)."""
    n = len(columns["property_id"])
    data: dict[str, Any] = {"property_id": columns["property_id"],
                            "address": columns["address"]}
    for column in HOUSEHOLD_COLUMNS:
        data[column] = columns.get(column, pd.NA)
    data.update({c: v for c, v in columns.items() if c not in data})
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def member_records(columns: Members) -> list[dict[str, Any]]:
    """Dwellings' columns as JSON-ready records (no pandas frame: a set is a few rows,
    and building a frame for them cost more than the set itself)."""
    values = {c: v.tolist() for c, v in columns.items()}
    out = []
    for k in range(len(values["property_id"])):
        record: dict[str, Any] = {"property_id": values["property_id"][k],
                                  "address": values["address"][k]}
        if "reasons" in values:
            record["reasons"] = list(values["reasons"][k])
            record["reason"] = "; ".join(REASONS[r] for r in values["reasons"][k])
        if "distance_m" in values:
            record["distance_m"] = round(float(values["distance_m"][k]), 2)
        household = {}
        for c in HOUSEHOLD_COLUMNS:
            value = values[c][k] if c in values else None
            household[c] = (None if value is None or pd.isna(value) else
                            (int(value) if c == "occupants" else bool(value)))
        record["household"] = household
        out.append(record)
    return out
