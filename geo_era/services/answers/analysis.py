"""Answers to the spatial questions: sites near a property, its NASSO 3.9 minimum set,
a subject checked against it, the ERA map and the proximity table.

Distances are metres, coordinates EPSG:27700. A field shown as optional with no default
(``MISSING``) is left out of the answer when the core's record does not carry it (a
walking note for a reachable site, the occupants of a property that is not shared):
the JSON keeps the shape it has always had.

The restricted variants (:class:`MinimumSetWithoutHouseholds` for a caller who gives no
justification, :class:`CheckFlags`) are separate models that declare none of the fields
they withhold: no household facts, no occupants, no subject, conflict or warning.
"""

from __future__ import annotations

from pydantic import MISSING, JsonValue

from geo_era.services.answers._base import Answer

# --- sites near a property ---------------------------------------------------------------


class Site(Answer):
    """A site within the radius: straight-line distance (m) and, on a street network,
    the walk to it (m) and whether it is reachable."""

    site_id: str
    category: str
    name: str | None
    distance_m: float
    walk_m: float | None
    walk_status: str
    #: why a site is unreachable
    walk_note: str | MISSING = MISSING
    #: ``"barrier"`` when the walk is much longer than the straight line
    walk_flag: str | MISSING | None = MISSING


class NearestSite(Answer):
    """The nearest site of one category by straight line (m)."""

    site_id: str
    name: str | None
    distance_m: float


class NearestWalk(Answer):
    """The nearest site of one category on foot (m), or why none is reachable."""

    site_id: str | MISSING = MISSING
    name: str | MISSING | None = MISSING
    walk_m: float | MISSING = MISSING
    walk_status: str
    walk_note: str | MISSING = MISSING


class WalkingNetwork(Answer):
    """The street network the walks were measured on."""

    status: str
    nodes: int
    edges: int
    length_km: float
    nodes_outside_largest_component: int
    #: how far the walks to the sites in range were searched (metres on foot): only the
    #: streets within this distance of the property were explored; a site further on
    #: foot is "unreachable" with this limit in its note
    walk_limit_m: float | None = None


class SitesNear(Answer):
    """Every sensitive site within ``radius_m`` metres of a property, nearest first,
    with the nearest of each category by straight line and on foot."""

    property_id: str
    address: str
    radius_m: float
    crs: str
    measured: str
    #: the version of each layer the answer was worked out from
    data_version: dict[str, int]
    #: the network (or a sentence saying none is loaded)
    walking_network: WalkingNetwork | str
    sites: list[Site]
    nearest: dict[str, NearestSite]
    nearest_walk: dict[str, NearestWalk]


# --- the minimum set (NASSO 3.9) ---------------------------------------------------------


class Rule(Answer):
    """The NASSO 3.9 rule that makes the set."""

    source: str
    applies_to: str
    text: str


class Household(Answer):
    """What the data says of one household (None: no record)."""

    children_in_household: bool | None
    adult_at_risk_in_household: bool | None
    occupants: int | None
    is_void: bool | None


class MemberForLandlord(Answer):
    """A dwelling of the minimum set and why it is in it: property facts only."""

    property_id: str
    address: str
    reasons: list[str]
    reason: str


class Member(MemberForLandlord):
    """A dwelling of the minimum set, with what is known of its household."""

    household: Household


class ExtensionMemberForLandlord(Answer):
    """A dwelling of an extension of the set: its distance (m) or ring of neighbours."""

    property_id: str
    address: str
    distance_m: float | MISSING = MISSING
    ring: int | MISSING = MISSING


class ExtensionMember(Answer):
    """A dwelling of an extension of the set, with what is known of its household."""

    property_id: str
    address: str
    distance_m: float | MISSING = MISSING
    household: Household
    ring: int | MISSING = MISSING


class ExtensionForLandlord(Answer):
    """The set extended by distance (``metres``) or by rings of neighbours."""

    by: str
    metres: float | MISSING = MISSING
    rings: int | MISSING = MISSING
    properties: list[ExtensionMemberForLandlord]


class Extension(Answer):
    """The set extended by distance (``metres``) or by rings of neighbours."""

    by: str
    metres: float | MISSING = MISSING
    rings: int | MISSING = MISSING
    properties: list[ExtensionMember]


class MinimumSetAnswer(Answer):
    """A property's NASSO 3.9 minimum set, for the Responsible Authorities: each
    dwelling with why it is in the set and what is known of its household."""

    property_id: str
    address: str
    property_type: str
    property_type_derived: bool
    rule: Rule
    plots_estimated: bool
    properties: list[Member]
    data_version: dict[str, int]
    #: shared accommodation: how many occupants to check (None: unknown)
    occupants: int | MISSING | None = MISSING
    occupants_note: str | MISSING = MISSING
    extension: Extension | MISSING = MISSING


class MinimumSetWithoutHouseholds(Answer):
    """A property's NASSO 3.9 minimum set without a justification: the dwellings and why
    each is in the set; nothing of their households."""

    property_id: str
    address: str
    property_type: str
    property_type_derived: bool
    rule: Rule
    plots_estimated: bool
    properties: list[MemberForLandlord]
    data_version: dict[str, int]
    occupants_note: str | MISSING = MISSING
    extension: ExtensionForLandlord | MISSING = MISSING


# --- a subject checked against a property ------------------------------------------------


class Finding(Answer):
    """A conflict or a warning, with its evidence: the zone, condition, site, area,
    building or households it rests on, and the distance in metres."""

    kind: str
    message: str
    condition: int | MISSING = MISSING
    condition_type: str | MISSING = MISSING
    zone_id: str | MISSING = MISSING
    site_id: str | MISSING = MISSING
    site_name: str | MISSING = MISSING
    category: str | MISSING = MISSING
    area_id: str | MISSING = MISSING
    building_id: str | MISSING = MISSING
    distance_m: float | MISSING = MISSING
    limit_m: float | MISSING = MISSING
    zone_reason: str | MISSING | None = MISSING
    #: the exclusion zone as GeoJSON (EPSG:27700)
    zone_geometry: dict[str, JsonValue] | MISSING = MISSING
    households_with_children: list[str] | MISSING = MISSING
    households_unknown: list[str] | MISSING = MISSING
    victim_profile: str | MISSING = MISSING
    properties: list[str] | MISSING = MISSING


class CheckResult(Answer):
    """A candidate property checked for a subject, for the Responsible Authorities:
    every conflict (rules the property out) and warning (needs judgement)."""

    subject_id: str
    property_id: str
    conflicts: list[Finding]
    warnings: list[Finding]
    data_version: dict[str, int]


class CheckFlags(Answer):
    """A candidate property checked for a subject, as a landlord may be told: whether
    the allocation is sensitive, and whom to ask."""

    property_id: str
    sensitive_allocation: bool
    flag: str | None


# --- files written -----------------------------------------------------------------------


class MapWritten(Answer):
    """An ERA map written as one standalone HTML file."""

    path: str
    #: the file's mode: 0600 when it shows a subject's check or zones
    private: bool


class ProximityTable(Answer):
    """The proximity table written for every property (``geo-era proximity``)."""

    path: str
    radius_m: float
    properties: int
    sites: int
    #: property-site pairs within ``radius_m``
    pairs_within: int
    #: properties with a school within ``radius_m``
    school_within: int
    seconds: float
