"""The NASSO 3.9 minimum parameters as text and the answer they give: the rule for each
property type (:data:`NASSO_RULES`), why each dwelling is in a set (:data:`REASONS`), and
one property's set (:class:`MinimumSet`) with its JSON-ready records. The sets are worked
out by :class:`geo_era.analysis.minimum_set.ParameterEngine`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class MinimumSet:
    """One property's minimum parameter set, with why each dwelling is in it."""

    property_id: str
    address: str
    property_type: str
    property_type_derived: bool
    rule_applies_to: str
    rule_text: str
    members: pd.DataFrame
    occupants: int | None
    plots_estimated: bool
    extension: dict[str, Any] | None = None
    data_version: dict[str, int] = field(default_factory=dict)

    @property
    def member_ids(self) -> list[str]:
        return [str(p) for p in self.members["property_id"]]

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
            "properties": member_records(self.members),
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


def member_records(members: pd.DataFrame) -> list[dict[str, Any]]:
    columns = {str(c): members[c].tolist() for c in members.columns}  # column-wise: fast
    out = []
    for k in range(len(members)):
        row = {c: values[k] for c, values in columns.items()}
        record: dict[str, Any] = {"property_id": row["property_id"], "address": row["address"]}
        if "reasons" in row:
            record["reasons"] = list(row["reasons"])
            record["reason"] = "; ".join(REASONS[r] for r in row["reasons"])
        if "distance_m" in row:
            record["distance_m"] = round(float(row["distance_m"]), 2)
        record["household"] = {c: (None if pd.isna(row.get(c)) else
                                    (int(row[c]) if c == "occupants" else bool(row[c])))
                               for c in HOUSEHOLD_COLUMNS}
        out.append(record)
    return out
