"""Check a candidate property against a subject: victim-exclusion zones, order and licence
conditions, and the households of its minimum set against the victim profile.

A *conflict* rules the property out as it stands (inside an exclusion zone, a condition
broken); a *warning* needs a person's judgement (near a zone, a household in the set
that fits the victim profile, a condition geo_era cannot evaluate). Every finding names
its evidence: the zone, site, area or household, and the distance in metres
(EPSG:27700).

Findings keep restricted detail (a zone's id, reason and geometry; offence-related
conditions) apart from the plain flag, so :meth:`CheckResult.to_dict` can produce the
flag-only view for roles without need to know. The engine makes the separation; the
service (:func:`geo_era.services.analysis.check`) decides who gets which view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_era.analysis.minimum_set import ParameterEngine
from geo_era.contract.conditions import (
    NoResidenceInArea,
    NoResidenceSameBuildingAsChildren,
    NoResidenceWithin,
    parse_conditions,
)
from geo_era.errors import DataError, NotFoundError
from geo_era.geometry.index import SiteIndex

#: A candidate this close to (but outside) one of the subject's exclusion zones is a
#: warning, in metres.
DEFAULT_ZONE_WARNING_M = 500.0

#: Victim profile words and the household column that can show them.
PROFILE_COLUMNS = {"children": "children_in_household",
                   "adults_at_risk": "adult_at_risk_in_household"}

FLAG_ONLY = "sensitive: this property needs a decision by the lead agency; contact the SOLO"


@dataclass(frozen=True)
class Finding:
    """One conflict or warning: ``evidence`` is shown to roles with need to know,
    ``restricted`` (zone geometry, reasons) only with the restricted view."""

    kind: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    restricted: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, *, need_to_know: bool) -> dict[str, Any]:
        if not need_to_know:
            return {"kind": "sensitive", "flag": FLAG_ONLY}
        return {"kind": self.kind, "message": self.message, **self.evidence,
                **self.restricted}


@dataclass
class CheckResult:
    subject_id: str
    property_id: str
    conflicts: list[Finding]
    warnings: list[Finding]
    data_version: dict[str, int] = field(default_factory=dict)

    def to_dict(self, *, need_to_know: bool = True) -> dict[str, Any]:
        """JSON-ready. ``need_to_know=False`` gives yes/no flags only: no subject, zone,
        condition or household detail."""
        if not need_to_know:
            return {"property_id": self.property_id,
                    "sensitive_allocation": bool(self.conflicts or self.warnings),
                    "flag": FLAG_ONLY if (self.conflicts or self.warnings) else None}
        return {"subject_id": self.subject_id, "property_id": self.property_id,
                "conflicts": [f.to_dict(need_to_know=True) for f in self.conflicts],
                "warnings": [f.to_dict(need_to_know=True) for f in self.warnings],
                "data_version": self.data_version}


def _zone_geometry(zones: gpd.GeoDataFrame) -> np.ndarray:
    geoms: np.ndarray = zones.geometry.to_numpy()
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad |= ~bad & ~shapely.is_valid(geoms)
    if bad.any():
        ids = ", ".join(repr(str(z)) for z in zones["zone_id"].to_numpy()[bad])
        raise DataError(f"exclusion zone {ids} has an empty or invalid geometry and cannot be "
                        "checked; repair and re-import the exclusion_zones layer")
    return geoms


def _per_point(n: int) -> list[list[Finding]]:
    return [[] for _ in range(n)]


@dataclass
class Findings:
    """Conflicts and warnings for many candidate points at once: ``conflicts[k]`` and
    ``warnings[k]`` for point ``k``, and ``notes``, the warnings that are the same for
    every point (a condition geo_era cannot evaluate)."""

    conflicts: list[list[Finding]]
    warnings: list[list[Finding]]
    notes: list[Finding] = field(default_factory=list)


def zone_findings(xy: np.ndarray, zones: gpd.GeoDataFrame, *, warning_m: float) -> Findings:
    """Conflicts (inside) and warnings (within ``warning_m`` metres) for points
    (``(n, 2)``, EPSG:27700) against one subject's zones: one vectorised distance per
    zone."""
    out = Findings(_per_point(len(xy)), _per_point(len(xy)))
    if not len(zones) or not len(xy):
        return out
    geoms = _zone_geometry(zones)
    points = shapely.points(np.asarray(xy, dtype=float))
    reasons = zones["reason"] if "reason" in zones.columns else pd.Series([None] * len(zones))
    for zone_id, reason, geom in zip(zones["zone_id"].astype(str), reasons, geoms,
                                     strict=True):
        shapely.prepare(geom)
        distance = shapely.distance(geom, points)
        restricted = {"zone_reason": None if pd.isna(reason) else str(reason),
                      "zone_geometry": json.loads(shapely.to_geojson(geom))}
        for k in np.flatnonzero(distance <= warning_m):
            d = float(distance[k])
            if d == 0:
                out.conflicts[k].append(Finding(
                    "exclusion_zone", "the property is inside the subject's victim-exclusion "
                    "zone", {"zone_id": zone_id, "distance_m": 0.0}, restricted))
            else:
                out.warnings[k].append(Finding(
                    "exclusion_zone_nearby", f"the property is {d:.0f} m from the subject's "
                    "victim-exclusion zone", {"zone_id": zone_id, "distance_m": round(d, 2)},
                    restricted))
    return out


def check_zones(point: shapely.Point, zones: gpd.GeoDataFrame, *,
                warning_m: float) -> tuple[list[Finding], list[Finding]]:
    """Conflicts (inside) and warnings (within ``warning_m`` metres) for a subject's zones."""
    found = zone_findings(np.array([[point.x, point.y]]), zones, warning_m=warning_m)
    return found.conflicts[0], found.warnings[0]


def condition_findings(subject: pd.Series, rows: np.ndarray, xy: np.ndarray, *,
                       engine: ParameterEngine, sites: SiteIndex,
                       areas: gpd.GeoDataFrame | None) -> Findings:
    """A subject's order and licence conditions for the properties at ``rows`` (row
    positions in ``engine``; their address points ``xy``, EPSG:27700), in one batch per
    condition."""
    try:
        conditions = parse_conditions(subject.get("conditions"))
    except DataError as exc:
        raise DataError(f"subject {subject['subject_id']!r}: {exc}") from None
    out = Findings(_per_point(len(rows)), _per_point(len(rows)))
    for number, condition in enumerate(conditions, start=1):
        if isinstance(condition, NoResidenceWithin):
            _within(out, xy, condition, number, sites)
        elif isinstance(condition, NoResidenceInArea):
            _in_area(out, xy, condition, number, areas)
        elif isinstance(condition, NoResidenceSameBuildingAsChildren):
            _building_children(out, rows, number, engine)
        else:
            out.notes.append(Finding(
                "condition_not_evaluated",
                f"condition {number} ({condition.type}) is not evaluated by geo_era; check "
                "it by hand", {"condition": number, "condition_type": condition.type}))
    return out


def _within(out: Findings, xy: np.ndarray, condition: NoResidenceWithin, number: int,
            sites: SiteIndex) -> None:
    pairs = sites.within(xy, condition.metres)
    mine = sites.categories[pairs.site] == condition.category
    for k, site, d in zip(pairs.query[mine], pairs.site[mine], pairs.distance[mine],
                          strict=True):
        out.conflicts[k].append(Finding(
            "no_residence_within",
            f"condition {number}: no residence within {condition.metres:g} m of a "
            f"{condition.category}; {sites.names[site] or sites.site_ids[site]} is "
            f"{d:.0f} m away",
            {"condition": number, "site_id": str(sites.site_ids[site]),
             "site_name": str(sites.names[site]), "category": condition.category,
             "distance_m": round(float(d), 2), "limit_m": condition.metres}))


def _in_area(out: Findings, xy: np.ndarray, condition: NoResidenceInArea, number: int,
             areas: gpd.GeoDataFrame | None) -> None:
    match = None if areas is None else areas[areas["area_id"].astype(str) == condition.area_id]
    if match is None or not len(match):
        out.notes.append(Finding(
            "condition_not_evaluated",
            f"condition {number}: area {condition.area_id!r} is not in the areas layer, so "
            "'no residence in area' cannot be checked; import the area or check by hand",
            {"condition": number, "area_id": condition.area_id}))
        return
    area = shapely.union_all(match.geometry.to_numpy())
    shapely.prepare(area)
    inside = shapely.covers(area, shapely.points(np.asarray(xy, dtype=float)))
    name = match["name"].iloc[0] if "name" in match.columns else None
    label = f"{condition.area_id} ({name})" if name is not None and not pd.isna(name) \
        else condition.area_id
    for k in np.flatnonzero(inside):
        out.conflicts[k].append(Finding(
            "no_residence_in_area",
            f"condition {number}: no residence in area {label}; the property is in it",
            {"condition": number, "area_id": condition.area_id}))


def _building_children(out: Findings, rows: np.ndarray, number: int,
                       engine: ParameterEngine) -> None:
    """Households with children (and with no record) in each property's building, by
    counting per building over the whole layer; ids are listed for the hits only."""
    codes = engine.building_codes
    children = engine.children_by_building
    pids = engine.property_ids
    for k, row in enumerate(np.asarray(rows, dtype=np.int64).tolist()):
        code = int(codes[row])
        if code < 0:
            out.warnings[k].append(Finding(
                "condition_not_evaluated",
                f"condition {number}: the property has no building, so 'no residence in "
                "the same building as children' cannot be checked", {"condition": number}))
            continue
        if children.yes_count[code] - children.yes[row] <= 0 and \
                children.unknown_count[code] - children.unknown[row] <= 0:
            continue  # the common case: nothing to list
        building = engine.building_id(code)
        same = engine.same_building(row)
        with_children = sorted(str(p) for p in pids[same[children.yes[same]]])
        unknown_ids = sorted(str(p) for p in pids[same[children.unknown[same]]])
        if with_children:
            out.conflicts[k].append(Finding(
                "no_residence_same_building_as_children",
                f"condition {number}: no residence in the same building as children; "
                f"{len(with_children)} household(s) with children live in building "
                f"{building}", {"condition": number, "building_id": str(building),
                                "households_with_children": with_children}))
        if unknown_ids:
            out.warnings[k].append(Finding(
                "condition_unverified",
                f"condition {number}: {len(unknown_ids)} household(s) in building "
                f"{building} have no record of children; check them",
                {"condition": number, "building_id": str(building),
                 "households_unknown": unknown_ids}))


def check_property(*, subject: pd.Series, property_id: str, engine: ParameterEngine,
                   sites: SiteIndex, zones: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None,
                   zone_warning_m: float = DEFAULT_ZONE_WARNING_M) -> CheckResult:
    """Check one candidate property for one subject (the pure core of ``geo-era check``):
    the batch checks of :func:`zone_findings` and :func:`condition_findings` for one
    point."""
    row = engine.position(property_id)
    xy = engine.xy[row:row + 1]
    zoned = zone_findings(xy, zones, warning_m=zone_warning_m)
    found = condition_findings(subject, np.array([row]), xy, engine=engine, sites=sites,
                               areas=areas)
    conflicts = zoned.conflicts[0] + found.conflicts[0]
    # notes and per-property warnings in condition order, after the zones'
    warnings = zoned.warnings[0] + sorted(found.warnings[0] + found.notes,
                                          key=lambda f: int(f.evidence["condition"]))
    warnings += _profile_households(engine, property_id, subject.get("victim_profile"))
    return CheckResult(str(subject["subject_id"]), property_id, conflicts, warnings,
                       dict(engine.data_version))


def _profile_households(engine: ParameterEngine, property_id: str,
                        profile: object) -> list[Finding]:
    """Warnings for households in the minimum set that fit the victim profile."""
    if profile is None or pd.isna(profile):  # type: ignore[call-overload]
        return []
    words = {w.strip().lower() for w in str(profile).split(",") if w.strip()}
    members = engine.minimum_set(property_id).members
    found: list[Finding] = []
    for word in sorted(words):
        column = PROFILE_COLUMNS.get(word)
        if column is None:
            found.append(Finding(
                "victim_profile_unchecked",
                f"the victim profile includes '{word}', which the data cannot show; look for "
                "it in the physical check (NASSO 3.8)", {"victim_profile": word}))
            continue
        if column not in members.columns or not len(members):
            continue
        flagged = members["property_id"][members[column].fillna(False).astype(bool)]
        unknown = members["property_id"][members[column].isna()]
        if len(flagged):
            found.append(Finding(
                "victim_profile_household",
                f"{len(flagged)} household(s) in the minimum set fit the victim profile "
                f"'{word}'", {"victim_profile": word,
                              "properties": sorted(str(p) for p in flagged)}))
        if len(unknown):
            found.append(Finding(
                "victim_profile_unknown",
                f"{len(unknown)} household(s) in the minimum set have no record for "
                f"'{word}'; check them", {"victim_profile": word,
                                          "properties": sorted(str(p) for p in unknown)}))
    return found


def subject_not_found(subject_id: str, rows: int) -> NotFoundError:
    """The error for a subject id that the subjects layer (``rows`` long) lacks."""
    return NotFoundError(f"subject_id {subject_id!r} not found in layer 'subjects' "
                         f"({rows:,} rows); check the id or the import")


def no_zones() -> gpd.GeoDataFrame:
    """An empty exclusion-zones layer (EPSG:27700)."""
    return gpd.GeoDataFrame({"zone_id": [], "subject_id": []},
                            geometry=gpd.GeoSeries([], crs=27700))
