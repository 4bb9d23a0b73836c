"""Disclosure decisions and Keeping Children Safe applications as every door uses them
(NASSO 3.12, 68, 71; the Dorset MAPPA procedure §6, §8, §18; the MAPPA annual report
9.0), over :mod:`geo_era.safeguarding.disclosures`.

Each service admits the caller (``disclosure_*`` in
:data:`geo_era.security.access.MATRIX`), applies their council (and, for Children &
Families social work, their own records only), and calls the core, which writes the
record and its one audit entry in one transaction. The Responsible Authorities see a
decision whole; Children & Families social work gets :class:`OwnDecision`, without the
subject or the case. A record the caller may not see reads exactly like one that does
not exist, and the refusal is audited.

The allocation check adds, for a landlord's Link Officer, the restriction wordings
disclosed to their landlord (:func:`with_disclosed_wording`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, TypeVar

from geo_era.casework.cases import visible
from geo_era.errors import NotFoundError
from geo_era.safeguarding import disclosures as core
from geo_era.safeguarding.disclosures import DecisionRequest, KcsRequest
from geo_era.security.access import OPERATOR, RESPONSIBLE_AUTHORITIES
from geo_era.services.answers.disclosures import (
    DecisionRecord,
    DisclosureListing,
    KcsRecord,
    OwnDecision,
    OwnListing,
)
from geo_era.services.context import Services
from geo_era.services.policy import Caller, plain_text

Request = TypeVar("Request", DecisionRequest, KcsRequest)

__all__ = ["decide", "listing", "made", "receive_kcs", "record_kcs_outcome",
           "with_disclosed_wording"]

#: What an unknown subject reads as (no oracle for which subject ids exist).
NO_SUCH_SUBJECT = "no such subject, or not one you may see; check the id"


def sees_subjects(caller: Caller) -> bool:
    """Whether the caller may see which subject a disclosure concerns: the Responsible
    Authorities, the MAPPA coordinator and the local operator only."""
    return caller.role == OPERATOR or caller.role in RESPONSIBLE_AUTHORITIES


def _plain(request: Request) -> Request:
    """``request`` with each text refused if it hides a control character
    (:func:`~geo_era.services.policy.plain_text`)."""
    texts: dict[str, Any] = {f.name: plain_text(value, f.name.replace("_", " "))
             for f in dataclasses.fields(request)
             if isinstance(value := getattr(request, f.name), str)}
    return dataclasses.replace(request, **texts)


def _view(caller: Caller, record: dict[str, Any]) -> DecisionRecord | OwnDecision:
    if sees_subjects(caller):
        return DecisionRecord.model_validate(record)
    return OwnDecision.model_validate(record)


def _known_subject(services: Services, caller: Caller, subject_id: str) -> None:
    """Refuse a subject id the subjects layer does not hold, as any miss reads, and
    audit the failed look-up as ``denied``."""
    if not services.layers.has("subjects"):
        return
    try:
        services.workspace.snapshot().subject(subject_id)
    except NotFoundError:
        services.gate.denied(caller, "subject", [subject_id])
        raise NotFoundError(NO_SUCH_SUBJECT) from None


def _landlord_of(services: Services) -> core.LandlordOf:
    """The landlord of a property, from the properties layer (``None`` when the layer or
    its ``landlord`` column is absent, or the property is not in it)."""
    if not services.layers.has("properties"):
        return lambda _pid: None
    stock = services.layers.read_attributes("properties", ["property_id", "landlord"])
    if "landlord" not in stock.columns:
        return lambda _pid: None
    known = {str(p): str(v) for p, v in zip(stock["property_id"], stock["landlord"],
                                            strict=True) if isinstance(v, str) and v}
    return known.get


def decide(services: Services, caller: Caller, request: DecisionRequest, *,
           authority: str | None = None, justification: str | None = None,
           today: dt.date | None = None) -> DecisionRecord | OwnDecision:
    """Record a decision to disclose, or not to disclose (R98, R100, R112). The authority
    is the caller's role's (police: OMU, the MAPPA coordinator; social work: CJSW,
    Children & Families, only in a case of child protection); the local operator names
    it. See :func:`geo_era.safeguarding.disclosures.record_decision` for the rules.

    Raises
    ------
    ForbiddenError
        A role that does not decide on disclosure (audited).
    WorkflowRefusedError
        Social work outside a case of child protection, with the reason.
    NotFoundError
        An unknown subject, case or restriction, or one outside the caller's reach
        (audited as ``denied``).
    """
    request = _plain(request)
    named = [x for x in (request.subject_id, request.case_id) if x]
    admitted = services.gate.admit("disclosure_decide", caller,
                                   justification=justification, record_ids=named)
    under = core.decision_authority(caller.role, authority)
    if request.subject_id and request.case_id is None \
            and request.purpose != "restriction_wording":
        _known_subject(services, caller, request.subject_id)
    with services.gate.in_scope(caller):
        record = core.record_decision(services.engine, request, actor=admitted.actor,
                                      authority=under, visible=visible,
                                      landlord_of=_landlord_of(services), today=today)
    return _view(caller, record)


def made(services: Services, caller: Caller, *, reference: str, made_on: dt.date,
         made_by: str | None = None, justification: str | None = None,
         today: dt.date | None = None) -> DecisionRecord | OwnDecision:
    """Record that a disclosure decided was made (by ``made_by``, default the caller, on
    ``made_on``): one audit ``disclosure`` entry naming its recipient. A restriction's
    wording disclosed to a landlord is from then on in that landlord's allocation check
    for that property."""
    admitted = services.gate.admit("disclosure_made", caller, justification=justification,
                                   record_ids=[reference])
    with services.gate.in_scope(caller):
        record = core.record_made(services.engine, reference, made_on=made_on,
                                  made_by=made_by, actor=admitted.actor, today=today)
    return _view(caller, record)


def listing(services: Services, caller: Caller, *, justification: str | None,
            subject_id: str | None = None) -> DisclosureListing | OwnListing:
    """The disclosure decisions the caller may see and, for the Responsible Authorities,
    the Keeping Children Safe applications (council staff: their own council's),
    newest first, optionally of one subject. Consulting them needs the justification;
    one consultation is recorded."""
    admitted = services.gate.admit("disclosure_list", caller, justification=justification,
                                   record_ids=[subject_id] if subject_id else [])
    admitted.require_justification("disclosure decisions")
    full = sees_subjects(caller)
    found = core.listing(services.engine, actor=admitted.actor,
                         subject_id=subject_id if full else None, applications=full)
    if full:
        return DisclosureListing.model_validate(found)
    return OwnListing.model_validate(found)


def receive_kcs(services: Services, caller: Caller, request: KcsRequest, *,
                justification: str | None = None,
                today: dt.date | None = None) -> KcsRecord:
    """Record a Keeping Children Safe application as received (R134): date, online or
    not, the applicant's relationship to the child, the council, and the subject it
    concerns when the named person is one."""
    request = _plain(request)
    admitted = services.gate.admit("disclosure_kcs", caller, justification=justification,
                                   record_ids=[request.subject_id] if request.subject_id
                                   else [])
    if request.subject_id:
        _known_subject(services, caller, request.subject_id)
    return KcsRecord.model_validate(core.record_kcs(services.engine, request,
                                                    actor=admitted.actor, today=today))


def record_kcs_outcome(services: Services, caller: Caller, *, reference: str,
                       outcome: str, outcome_on: dt.date, notes: str | None = None,
                       justification: str | None = None,
                       today: dt.date | None = None) -> KcsRecord:
    """Record a Keeping Children Safe application's outcome and its date; a disclosure
    made to the applicant is an audit ``disclosure`` naming them."""
    admitted = services.gate.admit("disclosure_kcs_outcome", caller,
                                   justification=justification, record_ids=[reference])
    with services.gate.in_scope(caller):
        return KcsRecord.model_validate(core.record_kcs_outcome(
            services.engine, reference, outcome=outcome, outcome_on=outcome_on,
            actor=admitted.actor, notes=notes, today=today))


def with_disclosed_wording(services: Services, landlord: str,
                           document: dict[str, Any]) -> dict[str, Any]:
    """An allocation check's flags (``to_dict(reveal=False)``) with, on each flagged void,
    the restriction wordings disclosed to ``landlord`` for that property (3.12): a
    decision to give that landlord the wording, recorded as made. Nothing for any other
    property."""
    flagged = [v["property_id"] for v in document["voids"] if v["sensitive_allocation"]]
    wording = core.disclosed_wording(services.engine, landlord, flagged)
    for void in document["voids"]:
        given = wording.get(void["property_id"])
        if given and void["sensitive_allocation"]:
            void["disclosed"] = [{"reference": w.reference, "wording": w.wording}
                                 for w in given]
    return document
