"""Finding things: a property by address or id (type-ahead), a subject's cases, and
what a property page shows (sites near it, its minimum set, its cases, its map).

A property search answers with reference data only (ids and addresses, never who lives
there), to the roles that may ask for sites near a property (admitted as ``sites_near``);
it is not audited, being reference data, but a refusal is, and each property then looked
at is (:func:`~geo_era.services.analysis.sites_near`). The addresses are parsed once per
snapshot of the properties layer (:class:`~geo_era.data.address_search.AddressIndex`),
not on every keystroke.

A subject search is the Responsible Authorities' only, admitted as a ``check`` (a subject's
record is consulted): it needs the justification and is audited, naming the subject and
each case found (a refusal too); council staff find only their own council's cases.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from geo_era.casework import finding as core
from geo_era.casework.participation import case_view
from geo_era.data.address_search import MAX_QUERY, AddressIndex
from geo_era.errors import DataError, NotFoundError
from geo_era.maps.assets import Assets
from geo_era.security.access import MATRIX, OPERATOR
from geo_era.services.analysis import minimum_set, sites_near
from geo_era.services.answers.analysis import (
    MinimumSetAnswer,
    MinimumSetWithoutHouseholds,
    SitesNear,
)
from geo_era.services.answers.casework import CaseSummary
from geo_era.services.answers.finding import PropertyFound, PropertyMatches, SubjectCases
from geo_era.services.context import Services
from geo_era.services.policy import Caller, plain_text
from geo_era.workspace import PropertyTable

__all__ = ["PropertyView", "address_index", "find_properties", "find_subject",
           "property_map", "property_view"]

#: Most matches a search gives.
MAX_MATCHES = 50
_lock = threading.Lock()
#: The index of each properties table (one per snapshot of the layer; dropped with it).
_indexes: weakref.WeakKeyDictionary[PropertyTable, AddressIndex] = (
    weakref.WeakKeyDictionary())


def address_index(services: Services) -> AddressIndex:
    """The address index of the properties layer as the workspace serves it now, built
    on first use after each change of the layer."""
    table = services.workspace.snapshot().properties
    with _lock:
        index = _indexes.get(table)
        if index is None:
            index = AddressIndex(list(table.ids), [str(a) for a in table.address])
            _indexes[table] = index
    return index


def find_properties(services: Services, caller: Caller, *, text: str,
                    limit: int = 10) -> PropertyMatches:
    """The properties ``text`` names (an address in any Scottish flat notation, its
    start, or a property id), best first, at most ``limit`` (1-50).

    Returns
    -------
    PropertyMatches
        Ids and addresses only; ``total`` counts every match.
    """
    services.gate.admit("sites_near", caller)
    query = plain_text(text, "search") or ""
    if len(query) > MAX_QUERY:
        raise DataError(f"the search is {len(query)} characters long; give at most "
                        f"{MAX_QUERY} (an address or a property id)")
    if not 1 <= limit <= MAX_MATCHES:
        raise DataError(f"limit must be from 1 to {MAX_MATCHES}")
    found, total = address_index(services).search(query, limit=limit)
    return PropertyMatches(query=" ".join(query.split()), total=total, properties=[
        PropertyFound(property_id=m.property_id, address=m.address) for m in found])


def find_subject(services: Services, caller: Caller, *, subject_id: str,
                 justification: str | None) -> SubjectCases:
    """The cases of one subject that the caller may see, newest first.

    Needs ``justification``; audited (a consultation of record type ``subject`` naming
    the subject and each case found), as is a refusal. A subject neither in the subjects
    layer nor in any case the caller may see reads as "not found".
    """
    wanted = plain_text(subject_id, "subject id") or ""
    admitted = services.gate.admit("check", caller, justification=justification,
                                   record_ids=[wanted] if wanted else [])
    admitted.require_justification("a subject's cases")
    if not wanted or len(wanted) > 64:
        raise DataError("give the subject id (at most 64 characters), e.g. "
                        "FICTIONAL-S000001")
    found = core.cases_of_subject(services.engine, wanted, actor=admitted.actor)
    known = _in_subjects_layer(services, wanted)
    if not found and not known:
        raise NotFoundError(f"no subject {wanted!r} in the subjects layer or in a case "
                            "you may see; check the id")
    return SubjectCases(subject_id=wanted, in_subjects_layer=known, cases=[
        CaseSummary.model_validate(case_view(c, caller.role)) for c in found])


def _in_subjects_layer(services: Services, subject_id: str) -> bool:
    if not services.layers.has("subjects"):
        return False
    ids = services.layers.read_attributes("subjects", ["subject_id"])["subject_id"]
    return bool((ids.astype(str) == subject_id).any())


@dataclass(frozen=True)
class PropertyView:
    """What a property page shows the caller: the sites near it, and, for the roles
    that may see them, its minimum set (with its households only with a justification)
    and the cases it is a candidate in (only with a justification)."""

    sites: SitesNear
    minimum_set: MinimumSetAnswer | MinimumSetWithoutHouseholds | None
    cases: list[CaseSummary] | None


def _sees_minimum_sets(caller: Caller) -> bool:
    return caller.role in MATRIX["parameters"].allowed or caller.role == OPERATOR


def property_view(services: Services, caller: Caller, *, property_id: str,
                  justification: str | None) -> PropertyView:
    """One property as the caller may see it.

    Every role that may ask for sites near a property gets them (audited as
    :func:`~geo_era.services.analysis.sites_near`); a role that may see minimum sets
    (``parameters``) gets the set too, its households only with a justification, and,
    with a justification, the cases the property is a candidate in that it may see
    (audited). A Link Officer gets the sites only.
    """
    sites = sites_near(services, caller, property_id=property_id)
    members = cases = None
    if _sees_minimum_sets(caller):
        members = minimum_set(services, caller, property_id=property_id,
                              justification=justification)
        if justification:
            admitted = services.gate.admit("case_list", caller, justification=justification)
            cases = [CaseSummary.model_validate(case_view(c, caller.role)) for c in
                     core.cases_at_property(services.engine, property_id,
                                            actor=admitted.actor)]
    return PropertyView(sites, members, cases)


def property_map(services: Services, caller: Caller, *, property_id: str,
                 assets: Assets | None = None) -> str:
    """The map of one property (HTML): the sites within the radius with straight-line
    and walking distances and the walking routes, and, for a role that may see minimum
    sets, the dwellings of its set (addresses only: no household, no subject). Audited
    as :func:`~geo_era.services.analysis.sites_near` is (the map shows the same)."""
    from geo_era.maps.era import era_map  # noqa: PLC0415  (folium: slow to import)

    admitted = services.gate.admit("sites_near", caller, record_ids=[property_id])
    settings = services.settings
    fmap = era_map(services.workspace, property_id,
                   with_minimum_set=_sees_minimum_sets(caller),
                   assets=assets or Assets(inline=False), tiles=settings.map_tiles,
                   tiles_attribution=settings.map_tiles_attribution,
                   radius_m=settings.default_radius_m)
    document: str = fmap.get_root().render()
    services.gate.consulted(admitted, "sites_near", [property_id])
    return document
