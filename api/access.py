"""Need-to-know: which roles may call which endpoint, and which fields each role sees.

This table is the single statement of the access rules: routes enforce it, the tests
enumerate it, and the docs print it. A housing association's Link Officer
(``rsl_link_officer``) sees property facts and yes/no flags only: never subject ids,
offences, victim profiles, conditions, exclusion zones, or what is known of the
households around a property.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo_era.users import ROLES


@dataclass(frozen=True)
class Access:
    """Who may call an endpoint, and who gets only the restricted view of it."""

    allowed: frozenset[str]
    restricted_view: frozenset[str] = frozenset()
    #: a sensitive endpoint: each call is audited and needs a justification
    audited: bool = False


ALL = frozenset(ROLES)
CASEWORK = frozenset({"omu_analyst", "cjsw", "solo", "mappa_coordinator", "admin"})

MATRIX: dict[str, Access] = {
    "me": Access(ALL),
    "sites_near": Access(ALL - {"auditor"}),
    "parameters": Access(CASEWORK | {"rsl_link_officer"},
                         restricted_view=frozenset({"rsl_link_officer"})),
    "check": Access(CASEWORK | {"rsl_link_officer"},
                    restricted_view=frozenset({"rsl_link_officer"}), audited=True),
}

#: Fields a restricted view never carries, at any depth of a response.
DENIED_FIELDS = frozenset({
    "subject_id", "conditions", "victim_profile", "zone_id", "zone_geometry", "zone_reason",
    "children_in_household", "adult_at_risk_in_household", "household", "conflicts",
    "warnings", "offence", "occupants",
})


def strip_denied(value: object) -> object:
    """A copy of a JSON-like value without any :data:`DENIED_FIELDS` keys."""
    if isinstance(value, dict):
        return {k: strip_denied(v) for k, v in value.items() if k not in DENIED_FIELDS}
    if isinstance(value, list):
        return [strip_denied(v) for v in value]
    return value
