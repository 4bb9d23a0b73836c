"""Staff-safety markers (NASSO 69-70, 5.3) as every door uses them.

The Responsible Authorities (``marker_add``, ``marker_review``, ``marker_list`` in
:data:`geo_era.security.access.MATRIX`; council staff for their own council) record a
marker on a property or a tenancy, review it and list it whole. Housing staff (a Link
Officer, the landlord's case officer) and contractor firms (``marker_shared``) read the
current markers of their landlord's properties, or those shared with their firm, as
:class:`~geo_era.services.answers.markers.SharedMarker`: the view is chosen here, by
role, never in an adapter. The core (:mod:`geo_era.safeguarding.markers`) writes the one
audit entry of each call in the transaction of what it reads or writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from geo_era.analysis.areas import council_of
from geo_era.errors import DataError, NotFoundError
from geo_era.safeguarding import markers as core
from geo_era.security.access import CONTRACTOR, HOUSING, OPERATOR
from geo_era.services.answers.markers import Marker, SharedMarker
from geo_era.services.context import Services
from geo_era.services.policy import Caller, plain_text

__all__ = ["add_marker", "list_markers", "markers_due", "review_marker", "shared_markers"]


def _addresses(services: Services, property_ids: set[str]) -> dict[str, str]:
    """The addresses of the named properties, from the properties layer."""
    if not property_ids or not services.layers.has("properties"):
        return {}
    stock = services.layers.read_attributes("properties", ["property_id", "address"])
    if "address" not in stock.columns:
        return {}
    stock = stock[stock["property_id"].astype(str).isin(property_ids)]
    return {str(p): str(a) for p, a in zip(stock["property_id"], stock["address"],
                                           strict=True) if pd.notna(a)}


def _facts(services: Services, property_id: str) -> core.PropertyFacts:
    """The landlord, council and address of a property of the properties layer."""
    if not services.layers.has("properties"):
        raise NotFoundError("no properties layer is loaded; import one first")
    stock = services.layers.read_attributes("properties",
                                            ["property_id", "landlord", "address"])
    row = stock[stock["property_id"].astype(str) == property_id]
    if row.empty:
        raise NotFoundError(f"property_id {property_id[:40]!r} not found in layer "
                            "'properties'; check the id or the import")
    landlord = row["landlord"].iloc[0] if "landlord" in row.columns else None
    return core.PropertyFacts(
        property_id, landlord=str(landlord).strip() if pd.notna(landlord) else None,
        authority=council_of(services.layers, property_id),
        address=str(row["address"].iloc[0]))


def _full(services: Services, documents: list[dict[str, object]]) -> list[Marker]:
    addresses = _addresses(services, {str(d["property_id"]) for d in documents})
    return [Marker.model_validate({**d, "address": addresses.get(str(d["property_id"]))})
            for d in documents]


def add_marker(services: Services, caller: Caller, *, property_id: str,
               instructions: Sequence[str], practical_text: str | None = None,
               review_on: dt.date, expires_on: dt.date, owner: str | None = None,
               firms: Sequence[str] = (), tenancy_reference: str | None = None,
               subject_id: str | None = None, reason: str | None = None,
               justification: str | None = None, today: dt.date | None = None) -> Marker:
    """Record a staff-safety marker on ``property_id`` (and the tenancy named): the
    instructions, a practical text (shown outside the Responsible Authorities once
    another RA officer has reviewed it), its owner (the caller by default), review and
    expiry dates, the contractor firms it is shared with, and optionally the subject it
    concerns with the Responsible Authorities' reason. The landlord and council come
    from the properties and areas layers. One audit ``collection``."""
    admitted = services.gate.admit("marker_add", caller, justification=justification,
                                   record_ids=[property_id])
    texts = {what: plain_text(value, what) for what, value in (
        ("practical instruction", practical_text), ("reason", reason),
        ("tenancy reference", tenancy_reference), ("subject id", subject_id))}
    chosen = plain_text(owner, "owner") or caller.username
    facts = _facts(services, property_id.strip())
    document = core.add_marker(
        services.engine, facts, instructions=instructions,
        practical_text=texts["practical instruction"], owner=chosen,
        review_on=review_on, expires_on=expires_on, actor=admitted.actor,
        firms=[plain_text(f, "contractor firm") or "" for f in firms],
        tenancy_reference=texts["tenancy reference"], subject_id=texts["subject id"],
        reason=texts["reason"], today=today)
    return _full(services, [document])[0]


def review_marker(services: Services, caller: Caller, *, marker_id: str,
                  approve_text: bool = False, review_on: dt.date | None = None,
                  expires_on: dt.date | None = None, owner: str | None = None,
                  justification: str | None = None, today: dt.date | None = None
                  ) -> Marker:
    """Review a marker: approve its practical text (an RA officer other than its
    writer), set its next review date, its expiry (today ends it) or its owner. A marker
    of another council reads as one that does not exist (audited as denied). One audit
    ``alteration``."""
    admitted = services.gate.admit("marker_review", caller, justification=justification,
                                   record_ids=[marker_id])
    with services.gate.in_scope(caller):
        document = core.review_marker(services.engine, marker_id, actor=admitted.actor,
                                      approve_text=approve_text, review_on=review_on,
                                      expires_on=expires_on,
                                      owner=plain_text(owner, "owner"), today=today)
    return _full(services, [document])[0]


def list_markers(services: Services, caller: Caller, *, justification: str | None,
                 property_id: str | None = None, include_expired: bool = False,
                 today: dt.date | None = None) -> list[Marker]:
    """The markers in full (council staff: their council's), of one property when
    named, expired ones too with ``include_expired``. They name subjects: the
    justification is required; one audit ``consultation``."""
    admitted = services.gate.admit("marker_list", caller, justification=justification)
    admitted.require_justification("the staff-safety markers")
    documents = core.list_markers(services.engine, actor=admitted.actor,
                                  property_id=plain_text(property_id, "property id"),
                                  include_expired=include_expired, today=today)
    return _full(services, documents)


def markers_due(services: Services, caller: Caller, *, justification: str | None,
                today: dt.date | None = None) -> list[Marker]:
    """The caller's own markers on or past their review date (not expired), earliest
    first: the owner's start page list (admitted as ``marker_list``)."""
    admitted = services.gate.admit("marker_list", caller, justification=justification)
    admitted.require_justification("the staff-safety markers due a review")
    return _full(services, core.due_for_review(services.engine, actor=admitted.actor,
                                               today=today))


def shared_markers(services: Services, caller: Caller, *, property_id: str | None = None,
                   justification: str | None = None, today: dt.date | None = None,
                   landlord: str | None = None, firm: str | None = None
                   ) -> list[SharedMarker]:
    """The current staff-safety markers a housing officer or a contractor may see: on
    the properties whose landlord is the caller's organisation (housing staff), or
    shared with the caller's firm (a contractor); of one property when named. A property
    with no marker, another landlord's, or one whose marker is not shared with the
    firm, all read alike: an empty list. One audit ``consultation``.

    The local operator sees what ``landlord``'s staff or ``firm`` would (one of them);
    for anyone else those are ignored: the caller's own organisation decides."""
    admitted = services.gate.admit("marker_shared", caller, justification=justification,
                                   record_ids=[property_id] if property_id else [])
    asked = plain_text(property_id, "property id")
    if asked is not None and len(asked) > 64:
        raise DataError("a property id is at most 64 characters")
    if caller.role != OPERATOR:
        landlord = caller.organisation if caller.role in HOUSING else None
        firm = caller.organisation if caller.role in CONTRACTOR else None
    documents = core.shared_markers(services.engine, actor=admitted.actor,
                                    property_id=asked, today=today, landlord=landlord,
                                    firm=firm)
    addresses = _addresses(services, {str(d["property_id"]) for d in documents})
    return [SharedMarker.model_validate({**d, "address": addresses.get(str(d["property_id"]))})
            for d in documents]
