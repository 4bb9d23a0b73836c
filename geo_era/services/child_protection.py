"""Child protection links as every door uses them (the Dorset MAPPA procedure §4, §13,
§17; R111, R115, R116): a referral to child protection and its outcome, Children &
Families' initial checks, and the notice to the council's nominated Education contact.

Each service admits the caller (``cp_*`` in :data:`geo_era.security.access.MATRIX`),
checks that the subject is known, and calls the core
(:mod:`geo_era.safeguarding.child_protection`) with the admitted actor: the core writes
the record and its one audit entry in one transaction. A record outside the caller's
council reads as "not found", and the refusal is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geo_era.errors import DataError, NotFoundError, WorkflowRefusedError
from geo_era.safeguarding import child_protection as core
from geo_era.security.access import OPERATOR, ROLE_AGENCY
from geo_era.services.answers.child_protection import (
    ChildProtectionAck,
    EducationNotice,
    InitialChecks,
    Referral,
)
from geo_era.services.context import Services
from geo_era.services.policy import Admitted, Caller, plain_text

__all__ = ["add_education_notice", "add_initial_checks", "add_referral", "list_notices",
           "list_referrals", "record_outcome"]

#: What a record of each kind is answered as.
_MODELS: dict[str, type[Referral] | type[InitialChecks] | type[EducationNotice]] = {
    "referral": Referral, "initial_checks": InitialChecks,
    "education_notice": EducationNotice}


def _agency(admitted: Admitted, given: str | None) -> str:
    """The agency the caller records for: their role's (the MAPPA coordinator's, as
    ``mappa_coordinator``); the local operator names it."""
    if admitted.caller.role == OPERATOR:
        if not given:
            raise DataError("name the agency that records this (--agency)")
        if given not in ROLE_AGENCY.values():
            raise DataError(f"unknown agency {given!r}; use one of "
                            f"{', '.join(sorted(set(ROLE_AGENCY.values())))}")
        return given
    # the MAPPA coordinator records for no agency of a case: as the coordinator
    own = ROLE_AGENCY.get(admitted.caller.role, admitted.caller.role)
    if given is not None and given != own:
        raise WorkflowRefusedError(f"you record for {own}, not for {given}")
    return own


def _known(services: Services, subject_id: str | None) -> None:
    """Refuse a subject not in the subjects layer (when there is one)."""
    if not subject_id or not services.layers.has("subjects"):
        return
    subjects = services.layers.read_attributes("subjects", ["subject_id"])
    if not (subjects["subject_id"].astype(str) == subject_id).any():
        raise NotFoundError(f"subject {subject_id!r} not found in layer 'subjects'")


def _view(record: dict[str, Any]) -> Referral | InitialChecks | EducationNotice:
    """A core record as its kind's answer (the core's generic columns named as each kind
    means them)."""
    kind = record["kind"]
    named = dict(record)
    if kind == "initial_checks":
        named.update(notified_on=record["referred_on"], checked_on=record["outcome_on"],
                     findings=record["reason"])
    elif kind == "education_notice":
        named.update(contact=record["to_whom"], notified_on=record["referred_on"],
                     said=record["reason"])
    return _MODELS[kind].model_validate(named)


def _answer(admitted: Admitted, record: dict[str, Any]
            ) -> Referral | InitialChecks | EducationNotice | ChildProtectionAck:
    """The record with a justification; without one, an acknowledgement naming nothing
    of the subject or the case (as for every change to a case)."""
    if admitted.actor.justification is not None:
        return _view(record)
    return ChildProtectionAck(reference=record["reference"], kind=record["kind"],
                              recorded=admitted.operation)


def add_referral(services: Services, caller: Caller, *, referred_on: dt.date,
                 reason: str, subject_id: str | None = None, case_id: str | None = None,
                 authority: str | None = None, to_whom: str | None = None,
                 agency: str | None = None, justification: str | None = None,
                 today: dt.date | None = None) -> Referral | ChildProtectionAck:
    """Record a referral to child protection on a subject or on a case (§4; R111).

    Raises
    ------
    NotFoundError
        An unknown subject, or a case unknown or outside the caller's council (audited
        as ``denied``).
    DataError
        A date in the future, a reason under 10 characters, no council.
    """
    admitted = services.gate.admit("cp_referral_add", caller, justification=justification,
                                   record_ids=[r for r in (subject_id, case_id) if r])
    _known(services, subject_id)
    with services.gate.in_scope(caller):
        record = core.record_referral(
            services.engine, subject_id=subject_id, case_id=case_id, authority=authority,
            referred_on=referred_on, reason=plain_text(reason, "reason") or "",
            to_whom=plain_text(to_whom, "team referred to"),
            agency=_agency(admitted, agency),
            actor=admitted.actor, today=today)
    answer = _answer(admitted, record)
    assert isinstance(answer, Referral | ChildProtectionAck)
    return answer


def record_outcome(services: Services, caller: Caller, *, reference: str, outcome: str,
                   outcome_on: dt.date, om_attended: bool | None = None,
                   justification: str | None = None, today: dt.date | None = None
                   ) -> Referral | ChildProtectionAck:
    """Record what came of a referral: an IRD, an investigation, a planning meeting
    (case conference) or no further action, its date, and whether the Offender Manager
    attended (§4; R111)."""
    admitted = services.gate.admit("cp_referral_outcome", caller,
                                   justification=justification, record_ids=[reference])
    with services.gate.in_scope(caller):
        record = core.record_outcome(services.engine, reference, outcome=outcome,
                                     outcome_on=outcome_on, om_attended=om_attended,
                                     actor=admitted.actor, today=today)
    answer = _answer(admitted, record)
    assert isinstance(answer, Referral | ChildProtectionAck)
    return answer


def add_initial_checks(services: Services, caller: Caller, *, subject_id: str,
                       notified_on: dt.date, checked_on: dt.date, database_checked: bool,
                       findings: str, concerns: bool, authority: str | None = None,
                       agency: str | None = None, justification: str | None = None,
                       today: dt.date | None = None
                       ) -> InitialChecks | ChildProtectionAck:
    """Record Children & Families' initial checks on a registered subject they were
    notified of (§13; R115)."""
    admitted = services.gate.admit("cp_checks_add", caller, justification=justification,
                                   record_ids=[subject_id])
    _known(services, subject_id)
    record = core.record_initial_checks(
        services.engine, subject_id=subject_id, authority=authority,
        notified_on=notified_on, checked_on=checked_on, database_checked=database_checked,
        findings=plain_text(findings, "findings") or "", concerns=concerns,
        agency=_agency(admitted, agency), actor=admitted.actor, today=today)
    answer = _answer(admitted, record)
    assert isinstance(answer, InitialChecks | ChildProtectionAck)
    return answer


def add_education_notice(services: Services, caller: Caller, *, ground: str, school: str,
                         contact: str, notified_on: dt.date, said: str,
                         subject_id: str | None = None, case_id: str | None = None,
                         authority: str | None = None, agency: str | None = None,
                         justification: str | None = None, today: dt.date | None = None
                         ) -> EducationNotice | ChildProtectionAck:
    """Record the notice to the council's nominated Education contact that a subject
    lives or loiters near a school (§17; R116)."""
    admitted = services.gate.admit("cp_notice_add", caller, justification=justification,
                                   record_ids=[r for r in (subject_id, case_id) if r])
    _known(services, subject_id)
    with services.gate.in_scope(caller):
        record = core.record_education_notice(
            services.engine, subject_id=subject_id, case_id=case_id, authority=authority,
            ground=ground, school=plain_text(school, "school") or "",
            contact=plain_text(contact, "contact") or "", notified_on=notified_on,
            said=plain_text(said, "notice") or "", agency=_agency(admitted, agency),
            actor=admitted.actor, today=today)
    answer = _answer(admitted, record)
    assert isinstance(answer, EducationNotice | ChildProtectionAck)
    return answer


def list_referrals(services: Services, caller: Caller, *, justification: str | None,
                   subject_id: str | None = None) -> list[Referral | InitialChecks]:
    """Referrals to child protection and Children & Families' initial checks the caller
    may see (their council's, or all), newest first; they name subjects, so reading them
    needs the justification and is recorded as one consultation."""
    admitted = services.gate.admit("cp_referral_list", caller,
                                   justification=justification)
    admitted.require_justification("child protection referrals")
    found = core.list_records(services.engine, kinds=("referral", "initial_checks"),
                              actor=admitted.actor, subject_id=subject_id)
    out = [_view(r) for r in found]
    return [r for r in out if isinstance(r, Referral | InitialChecks)]


def list_notices(services: Services, caller: Caller, *, justification: str | None,
                 subject_id: str | None = None) -> list[EducationNotice]:
    """Notices to Education the caller may see (their council's, or all), newest first;
    reading them needs the justification and is recorded as one consultation."""
    admitted = services.gate.admit("cp_notice_list", caller, justification=justification)
    admitted.require_justification("notices to Education")
    found = core.list_records(services.engine, kinds=("education_notice",),
                              actor=admitted.actor, subject_id=subject_id)
    return [EducationNotice.model_validate(_view(r).model_dump()) for r in found]
