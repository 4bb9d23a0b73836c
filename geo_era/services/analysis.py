"""The spatial questions as services: sites near a property, its minimum set, a subject
checked against it, the ERA map and the proximity table of every property.

Distances are metres, coordinates EPSG:27700. Every answer comes from
:class:`~geo_era.workspace.Workspace` (``services.workspace``); consulting a subject's
record (a check, a map of one) needs a justification and leaves one audit entry.
"""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_era._io import PRIVATE, SHARED, write_text
from geo_era.analysis.proximity import proximity_table as _proximity_table
from geo_era.analysis.proximity import write_proximity_table
from geo_era.analysis.subject_check import DEFAULT_ZONE_WARNING_M
from geo_era.db.store import session_scope
from geo_era.errors import ForbiddenError, NotFoundError
from geo_era.geometry.index import SiteIndex
from geo_era.services.answers.analysis import (
    CheckFlags,
    CheckResult,
    MapWritten,
    MinimumSetAnswer,
    MinimumSetWithoutHouseholds,
    ProximityTable,
    SitesNear,
)
from geo_era.services.context import Services
from geo_era.services.exports import is_geopackage, write_proximity
from geo_era.services.policy import Admitted, Caller

#: What a check or a map of a subject consults, for the refusal without a justification.
SUBJECT_RECORD = "a subject's record"


def sites_near(services: Services, caller: Caller, *, property_id: str,
               radius_m: float | None = None) -> SitesNear:
    """Every sensitive site within ``radius_m`` metres of a property, nearest first.

    Parameters
    ----------
    services, caller
        The services of this ``GEO_ERA_HOME`` and who is asking.
    property_id
        The candidate property.
    radius_m
        Search radius in metres (default ``GEO_ERA_DEFAULT_RADIUS_M``).

    Returns
    -------
    SitesNear
        Straight-line distances (m, EPSG:27700) and, on a street network, walking ones.

    Sites are reference data, but which properties are looked at says where someone is
    being housed: every call is recorded (a ``consultation`` of record type
    ``sites_near`` naming the property), so that probing is visible to auditors.
    """
    admitted = services.gate.admit("sites_near", caller, record_ids=[property_id])
    radius = services.settings.default_radius_m if radius_m is None else radius_m
    answer = SitesNear.model_validate(services.workspace.sites_near(property_id, radius))
    services.gate.consulted(admitted, "sites_near", [property_id])
    return answer


#: What the households of a minimum set are, for the justification's refusal.
HOUSEHOLDS = "the households of a minimum set (third parties' personal data)"


def minimum_set(services: Services, caller: Caller, *, property_id: str,
                extend_metres: float | None = None, extend_rings: int | None = None,
                justification: str | None = None
                ) -> MinimumSetAnswer | MinimumSetWithoutHouseholds:
    """A property's NASSO 3.9 minimum set, optionally extended.

    What is known of each neighbouring household (children, an adult at risk, the
    occupants of a shared house) is third parties' personal data: the Responsible
    Authorities get it only with a ``justification``, and the consultation is audited
    (record type ``household``). Without one the answer is the set without those facts,
    and the call is still recorded (record type ``minimum_set``) so that probing many
    properties is visible to auditors. A Link Officer gets no minimum set at all: with
    a sensitive-allocation flag it would narrow a subject's home to a close.

    Parameters
    ----------
    property_id
        The candidate property.
    extend_metres, extend_rings
        Extend the set by every dwelling within this many metres, or by this many
        further rings of neighbours (not both).
    justification
        Why the households are consulted (DPA 2018 s62), at least 10 characters.

    Returns
    -------
    MinimumSetAnswer or MinimumSetWithoutHouseholds
        The set with each household's facts, or, without a justification, the
        dwellings and reasons only (no household facts, no occupants).
    """
    admitted = services.gate.admit("parameters", caller, justification=justification,
                                   record_ids=[property_id])
    households = admitted.actor.justification is not None
    if households:
        admitted.require_justification(HOUSEHOLDS)
    document = services.workspace.minimum_set(
        property_id, extend_metres=extend_metres, extend_rings=extend_rings).to_dict()
    services.gate.consulted(admitted, "household" if households else "minimum_set",
                            [property_id])
    if households:
        return MinimumSetAnswer.model_validate(document)
    return MinimumSetWithoutHouseholds.model_validate(document)


#: What an unknown subject or property reads as in a check (the same for both).
NO_SUCH_SUBJECT_OR_PROPERTY = ("no such subject and property, or not ones you may see; "
                               "check the ids")


def check(services: Services, caller: Caller, *, subject_id: str, property_id: str,
          justification: str | None, zone_warning_m: float = DEFAULT_ZONE_WARNING_M,
          flags_only: bool = False) -> CheckResult | CheckFlags:
    """A candidate property checked for a subject: exclusion zones, order and licence
    conditions, and the households of its minimum set against the victim profile.

    Consulting the subject's record needs ``justification`` (DPA 2018 s62) and leaves
    one audit entry (a ``consultation`` of record type ``subject`` naming the subject
    and the property); a refusal leaves a ``denied`` one.

    Parameters
    ----------
    subject_id, property_id
        The subject and the candidate property.
    justification
        Why the record is consulted; at least 10 characters.
    zone_warning_m
        Warn when the property is within this many metres of an exclusion zone.
    flags_only
        Give only the yes/no flags, as a landlord may be told.

    Returns
    -------
    CheckResult or CheckFlags
        Every conflict and warning for the Responsible Authorities; the flags only for
        a Link Officer, or when ``flags_only`` is asked for.
    """
    record_ids = [subject_id, property_id]
    admitted = services.gate.admit("check", caller, justification=justification,
                                   record_ids=record_ids)
    admitted.require_justification(SUBJECT_RECORD)
    try:
        result = services.workspace.check(subject_id, property_id,
                                          zone_warning_m=zone_warning_m)
    except NotFoundError:
        # the same answer for an unknown subject and an unknown property, naming no
        # layer or count, and the failed look-up audited: no oracle for which ids exist
        services.gate.denied(caller, "subject", record_ids)
        raise NotFoundError(NO_SUCH_SUBJECT_OR_PROPERTY) from None
    services.gate.consulted(admitted, "subject", record_ids)
    if admitted.restricted or flags_only:
        return CheckFlags.model_validate(result.to_dict(need_to_know=False))
    return CheckResult.model_validate(result.to_dict())


def era_map(services: Services, caller: Caller, *, property_id: str, out: Path,
            subject_id: str | None = None, radius_m: float = 400.0,
            justification: str | None = None) -> MapWritten:
    """Write the ERA map of a property as one standalone HTML file (``geo-era map``).

    With ``subject_id`` the map colours the minimum set by the subject's check and
    draws their exclusion zones: admitted as a ``check``, it needs ``justification``,
    leaves one audit entry (as :func:`check` does) and is written 0600. Without one it
    shows the sites within ``radius_m`` metres and the minimum set, written 0644.

    Returns
    -------
    MapWritten
        Where the map was written, and whether it is private.
    """
    if subject_id is None:
        services.gate.admit("parameters", caller)
        html = _draw(services, property_id, None, radius_m)
        write_text(out, html, mode=SHARED)
        return MapWritten(path=str(out), private=False)
    record_ids = [subject_id, property_id]
    admitted = services.gate.admit("check", caller, justification=justification,
                                   record_ids=record_ids)
    _refuse_restricted(services, admitted, record_ids)
    admitted.require_justification(SUBJECT_RECORD)
    html = _draw(services, property_id, subject_id, radius_m)
    with session_scope(services.engine) as session:
        admitted.actor.record(session, operation="consultation", record_type="subject",
                              record_ids=record_ids)
        write_text(out, html, mode=PRIVATE)
    return MapWritten(path=str(out), private=True)


def _refuse_restricted(services: Services, admitted: Admitted, record_ids: list[str]) -> None:
    """A map of a subject's check shows household facts and zones: never in the
    restricted view."""
    if admitted.restricted:
        services.gate.denied(admitted.caller, "subject", record_ids)
        raise ForbiddenError(f"the {admitted.caller.role} role may not map a subject's "
                             "check")


def _draw(services: Services, property_id: str, subject_id: str | None,
          radius_m: float) -> str:
    """The map's HTML (Leaflet inlined, no request to any other host)."""
    from geo_era.maps.era import era_map as draw  # noqa: PLC0415  (folium: slow)

    settings = services.settings
    fmap = draw(services.workspace, property_id, subject_id=subject_id,
                show_zones=subject_id is not None, radius_m=radius_m, tiles=settings.map_tiles,
                tiles_attribution=settings.map_tiles_attribution)
    html: str = fmap.get_root().render()
    return html


def proximity_table(services: Services, caller: Caller, *, out: Path,
                    radius_m: float | None = None, dask: bool = False,
                    workers: int = 2) -> ProximityTable:
    """For every property, the sites of each category within ``radius_m`` metres and the
    nearest of each (``geo-era proximity``), written whole to ``out`` (``.parquet``; a
    styled GeoPackage of the properties' points and the sites, ``.gpkg``,
    :func:`geo_era.services.exports.proximity_geopackage`; or CSV with distances to the
    centimetre; 0644: reference data only).

    Parameters
    ----------
    out
        The table's file.
    radius_m
        Radius in metres for the counts (default ``GEO_ERA_DEFAULT_RADIUS_M``).
    dask
        Run on a Dask cluster (``GEO_ERA_DASK_SCHEDULER``'s, or a local one of
        ``workers`` processes): the same table.
    """
    services.gate.admit("sites_near", caller)
    settings = services.settings
    radius = settings.default_radius_m if radius_m is None else radius_m
    started = time.perf_counter()
    properties = services.layers.read("properties", columns=["property_id", "geometry"])
    sites = services.layers.read("sites")
    assert isinstance(properties, gpd.GeoDataFrame) and isinstance(sites, gpd.GeoDataFrame)
    if dask:
        from geo_era.analysis.distributed import proximity_table_dask  # noqa: PLC0415

        table = proximity_table_dask(sites, properties, radius,
                                     scheduler=settings.dask_scheduler, workers=workers)
    else:
        table = _proximity_table(SiteIndex(sites), properties, radius)
    if is_geopackage(out):
        write_proximity(out, table, properties, sites, radius)
    else:
        write_proximity_table(table, out)
    return ProximityTable(path=str(out), radius_m=radius, properties=len(table),
                          sites=len(sites), pairs_within=_pairs_within(table),
                          school_within=int((table["school_nearest_m"] <= radius).sum()),
                          seconds=time.perf_counter() - started)


def _pairs_within(table: pd.DataFrame) -> int:
    within = table[[c for c in table.columns if c.endswith("_within")]]
    return int(within.to_numpy().sum())
