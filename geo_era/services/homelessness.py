"""Homelessness, temporary accommodation, transfers and housing-options advice (Dorset
MAPPA procedure s19; NASSO 5.2, 3.13) as every door uses them.

Each service admits the caller (``homeless_*`` and ``transfer_*`` in
:data:`geo_era.security.access.MATRIX`), applies their council scope and calls the core
(:mod:`geo_era.housing.homelessness`, :mod:`geo_era.housing.transfers`), which writes
the record and its one audit entry in the same transaction. A temporary placement is
screened here for the subject by the void screening itself
(:func:`geo_era.housing.screening.screen` over the one property, the caller's council
only), so a placement is refused for exactly the reasons a void would be.

A landlord's Link Officer records a neighbouring tenant's application about a tenancy of
their own organisation's (the properties layer's ``landlord``), names no subject, and
reads back only their own organisation's records without the subject or the reasons.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import TypeAdapter

from geo_era.analysis.areas import area_names_at
from geo_era.errors import DataError, NotFoundError, WorkflowRefusedError
from geo_era.housing import homelessness as core
from geo_era.housing import transfers as core_transfers
from geo_era.housing.screening import screen as screen_voids
from geo_era.housing.void_lists import from_ids, within_council
from geo_era.services.answers.homelessness import (
    Advice,
    AnyTransfer,
    Presentation,
    SubjectHomelessness,
    TemporaryPlaced,
    Transfer,
    TransferRecord,
)
from geo_era.services.context import Services
from geo_era.services.housing import _known_subject
from geo_era.services.policy import Admitted, Caller, plain_text

__all__ = ["advise", "decide_transfer", "list_transfers", "place", "present",
           "request_transfer", "show"]

_TRANSFERS: TypeAdapter[list[AnyTransfer]] = TypeAdapter(list[AnyTransfer])


def _authority(admitted: Admitted, authority: str | None) -> str:
    """The council a record is for: given, or the council officer's own."""
    council = (authority or "").strip() or admitted.actor.scope
    if not council:
        raise DataError("authority: name the council the record is for")
    return council


def _subject(services: Services, caller: Caller, subject_id: str) -> None:
    """A subject of the subjects layer, or "not found" (audited as denied)."""
    _known_subject(services, caller, services.workspace.snapshot(), subject_id)


def present(services: Services, caller: Caller, *, subject_id: str, presented_on: dt.date,
            duty: str, reasons: str, authority: str | None = None,
            local_connection: str = "none", local_connection_note: str | None = None,
            intentional_grounds: str | None = None, justification: str | None = None,
            today: dt.date | None = None) -> Presentation:
    """Record a subject's homeless presentation and the duty owed
    (:func:`geo_era.housing.homelessness.record_presentation`); council staff for
    their own council (the default ``authority``)."""
    admitted = services.gate.admit("homeless_present", caller, justification=justification,
                                   record_ids=[subject_id])
    council = _authority(admitted, authority)
    _subject(services, caller, subject_id)
    return Presentation.model_validate(core.record_presentation(
        services.engine, subject_id=subject_id, authority=council,
        presented_on=presented_on, duty=duty,
        reasons=plain_text(reasons, "reasons") or "",
        local_connection_basis=local_connection,
        local_connection_note=plain_text(local_connection_note, "local connection note"),
        intentional_grounds=intentional_grounds, actor=admitted.actor, today=today))


def place(services: Services, caller: Caller, *, presentation: str, property_id: str,
          starts_on: dt.date, ends_on: dt.date | None = None,
          justification: str | None, today: dt.date | None = None) -> TemporaryPlaced:
    """Place a presentation's subject in temporary accommodation at ``property_id``,
    screened for the subject exactly as a void is (council staff: a property of their
    own council). A placement that breaks a condition or lies in an exclusion zone is
    refused (:class:`WorkflowRefusedError`) with the screening's reasons and nothing is
    placed. Consulting the subject's conditions needs the justification.

    Raises
    ------
    NotFoundError
        An unknown presentation, or another council's (audited as ``denied``); a
        property not in the caller's council.
    WorkflowRefusedError
        No temporary accommodation owed, a later move already recorded, or the
        screening rules the property out.
    """
    admitted = services.gate.admit("homeless_place", caller, justification=justification,
                                   record_ids=[presentation])
    admitted.require_justification("a subject's conditions and exclusion zones")
    snap = services.workspace.snapshot()
    scope = admitted.actor.scope

    def screen_one(subject_id: str, pid: str) -> dict[str, Any] | None:
        listed = from_ids(snap, [pid])
        if scope is not None:
            listed = within_council(snap, listed, scope)
        if not len(listed):
            return None
        result = screen_voids(snap, subject_id, listed, config=services.settings.screening)
        return result.voids[0]

    with services.gate.in_scope(caller):
        placed = core.place_temporary(services.engine, presentation,
                                      property_id=property_id, starts_on=starts_on,
                                      ends_on=ends_on, screen=screen_one,
                                      actor=admitted.actor, today=today)
    return TemporaryPlaced.model_validate(placed)


def advise(services: Services, caller: Caller, *, subject_id: str, given_on: dt.date,
           options: list[str], advice: str, services_liaised: list[str],
           authority: str | None = None, justification: str | None = None,
           today: dt.date | None = None) -> Advice:
    """Record the housing-options advice given to a subject and the services liaised
    with (NASSO 5.2; :func:`geo_era.housing.homelessness.record_advice`)."""
    admitted = services.gate.admit("homeless_advise", caller, justification=justification,
                                   record_ids=[subject_id])
    council = _authority(admitted, authority)
    _subject(services, caller, subject_id)
    return Advice.model_validate(core.record_advice(
        services.engine, subject_id=subject_id, authority=council, given_on=given_on,
        options=options, advice=plain_text(advice, "advice") or "",
        services=services_liaised, actor=admitted.actor, today=today))


def show(services: Services, caller: Caller, *, subject_id: str,
         justification: str | None) -> SubjectHomelessness:
    """A subject's presentations (with temporary placements), advice and transfers as
    the caller may see them (council staff: their own council's, and transfers granted
    into it, as the receiving council sees them); one consultation."""
    admitted = services.gate.admit("homeless_show", caller, justification=justification,
                                   record_ids=[subject_id])
    admitted.require_justification("a subject's homelessness record")
    return SubjectHomelessness.model_validate(
        core.subject_file(services.engine, subject_id, admitted.actor))


def _tenancy(services: Services, property_id: str | None) -> tuple[str | None, str | None]:
    """The landlord and council of a tenancy's property (``None`` when not known)."""
    if not property_id:
        return None, None
    snap = services.workspace.snapshot()
    listed = from_ids(snap, [property_id])
    if not len(listed):
        raise NotFoundError(f"property {property_id!r} not found")
    stock = services.layers.read_attributes("properties", ["property_id", "landlord"])
    landlords = stock.set_index(stock["property_id"].astype(str)).get("landlord")
    landlord = None if landlords is None else landlords.get(property_id)
    council = (area_names_at(snap.areas, snap.properties.xy[listed.rows], "council")[0]
               if snap.areas is not None else None)
    return (str(landlord) if isinstance(landlord, str) and landlord else None,
            str(council) if council else None)


def request_transfer(services: Services, caller: Caller, *, kind: str, grounds: str,
                     requested_on: dt.date, authority: str | None = None,
                     subject_id: str | None = None, property_id: str | None = None,
                     at_risk_after_disclosure: bool | None = None,
                     tenant_agrees: bool | None = None, specific_risk: str | None = None,
                     assistance: str | None = None, justification: str | None = None,
                     today: dt.date | None = None) -> Transfer | TransferRecord:
    """Record a transfer request (:mod:`geo_era.housing.transfers`). The police record
    their own requests (``police``); a Link Officer a neighbouring tenant's
    (``neighbour``) about a tenancy of their organisation, naming no subject, and gets
    back their own record only. The council is the tenancy's (from its property) or,
    for council staff, their own."""
    admitted = services.gate.admit("transfer_request", caller,
                                   justification=justification,
                                   record_ids=[subject_id] if subject_id else [])
    if admitted.restricted:
        if kind != "neighbour" or subject_id:
            raise WorkflowRefusedError("a Link Officer records a neighbouring tenant's "
                                       "application (kind 'neighbour') and names no "
                                       "subject; the SOLO links it to one")
        try:  # another landlord's property reads as one that does not exist
            landlord, council = _tenancy(services, property_id)
        except NotFoundError:
            landlord = council = None
        if landlord is None or landlord != caller.organisation:
            services.gate.denied(caller, "property", [property_id or ""])
            raise NotFoundError(f"property {property_id!r} not found among your "
                                "organisation's tenancies")
    else:
        if caller.role == "omu_analyst" and kind != "police":
            raise WorkflowRefusedError("the police record their own transfer requests "
                                       "(kind 'police'); the council records the others")
        landlord, council = _tenancy(services, property_id)
    if subject_id:
        _subject(services, caller, subject_id)
    answer = core_transfers.request_transfer(
        services.engine, kind=kind, authority=_authority(admitted, authority or council),
        grounds=plain_text(grounds, "grounds") or "", requested_on=requested_on,
        subject_id=subject_id, property_id=property_id, landlord=landlord,
        at_risk_after_disclosure=at_risk_after_disclosure, tenant_agrees=tenant_agrees,
        specific_risk=specific_risk, assistance=assistance, actor=admitted.actor,
        today=today)
    if admitted.restricted:
        return TransferRecord.model_validate({**answer, "view": "own_record"})
    return Transfer.model_validate(answer)


def decide_transfer(services: Services, caller: Caller, *, reference: str, decision: str,
                    reasons: str, subject_id: str | None = None,
                    specific_risk: str | None = None, tenant_agrees: bool | None = None,
                    receiving_authority: str | None = None, shared: str | None = None,
                    case_id: str | None = None, justification: str | None = None,
                    today: dt.date | None = None) -> Transfer:
    """Decide a pending transfer request of the caller's council
    (:func:`geo_era.housing.transfers.decide_transfer`); a grant to another council is
    a disclosure to it (R81)."""
    admitted = services.gate.admit("transfer_decide", caller, justification=justification,
                                   record_ids=[reference])
    if subject_id:
        _subject(services, caller, subject_id)
    with services.gate.in_scope(caller):
        decided = core_transfers.decide_transfer(
            services.engine, reference, decision=decision,
            reasons=plain_text(reasons, "reasons") or "", subject_id=subject_id,
            specific_risk=specific_risk, tenant_agrees=tenant_agrees,
            receiving_authority=(receiving_authority or "").strip() or None,
            shared=plain_text(shared, "shared"), case_id=case_id, actor=admitted.actor,
            today=today)
    return Transfer.model_validate(decided)


def list_transfers(services: Services, caller: Caller, *,
                   justification: str | None = None) -> list[AnyTransfer]:
    """The transfer requests the caller may see: the Responsible Authorities all (council
    staff their own council's, and those granted into it, R81), with the justification;
    a Link Officer their own organisation's records, without the subject."""
    admitted = services.gate.admit("transfer_list", caller, justification=justification)
    if not admitted.restricted:
        admitted.require_justification("transfer requests naming subjects")
    rows = core_transfers.list_transfers(services.engine, admitted.actor,
                                         own_records=admitted.restricted)
    return _TRANSFERS.validate_python(rows)
