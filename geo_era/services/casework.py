"""ERA cases (NASSO 3.2-3.13) as every door uses them: open, list, read, assess, record
checks and agreements, approve (Part C), decide (Part D), consent (3.13) and restrict
(3.12).

Each service admits the caller for its step (:data:`geo_era.security.access.MATRIX`),
requires the justification where a case is read, and calls the casework core
(:mod:`geo_era.casework.cases`) with the admitted actor: the core writes the step's one
audit entry in the transaction of the change. Council staff are confined to their
council's cases by the actor's scope; a case outside it reads as "not found", and the
refusal is audited by :meth:`geo_era.services.policy.Gate.in_scope`. A case worker records
for their own agency
(:data:`~geo_era.security.access.ROLE_AGENCY`); the local operator names the agency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from geo_era.casework import cases as core
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.dwellings import reassess_property
from geo_era.errors import DataError, WorkflowRefusedError
from geo_era.security.access import OPERATOR
from geo_era.services.answers.casework import CaseAck, CaseRecord, CaseSummary
from geo_era.services.context import Services
from geo_era.services.policy import Admitted, Caller

__all__ = ["approve", "assess_case", "decide", "list_cases", "open_case",
           "record_agreement", "record_check", "record_consent", "record_response",
           "record_restriction", "show_case"]


def _agency(admitted: Admitted, given: str | None) -> str:
    """The agency the caller records for: their role's; the local operator names it."""
    if admitted.caller.role == OPERATOR:
        if not given:
            raise DataError("name the agency that records this (--agency)")
        return given
    own = admitted.agency
    if given is not None and given != own:
        raise WorkflowRefusedError(f"you record for {own}, not for {given}")
    return own


#: What a change to a case answers: the whole case with a justification, else an
#: acknowledgement (:func:`_answer`).
Changed = CaseRecord | CaseAck


def _answer(admitted: Admitted, document: dict[str, Any]) -> Changed:
    """The case after a change, when the caller gave a justification (reading the case is
    a consultation, DPA 2018 s62, recorded with the change's audit entry); otherwise an
    acknowledgement that names nothing of the case (issue 17, finding 5)."""
    if admitted.actor.justification is not None:
        return CaseRecord.model_validate(document)
    return CaseAck(case_id=document["case_id"], recorded=admitted.operation,
                   status=document["status"], due=document["due"])


def _step(services: Services, caller: Caller, operation: str, case_id: str, *,
          justification: str | None,
          change: Callable[[Admitted], dict[str, Any]]) -> Changed:
    """Admit ``caller`` to ``operation`` on ``case_id`` and run ``change`` (a core step
    that records its audit entry with the admitted actor); the case as it is after, or
    an acknowledgement (:func:`_answer`)."""
    admitted = services.gate.admit(operation, caller, justification=justification,
                                   record_ids=[case_id])
    with services.gate.in_scope(caller):
        return _answer(admitted, change(admitted))


def open_case(services: Services, caller: Caller, *, subject_id: str,
              property_ids: Sequence[str], notified: dt.date,
              case_type: str = "initial_new", agencies: Sequence[str] = (),
              assess: bool = True, authority: str | None = None,
              placing_authority: str | None = None,
              receiving_authority: str | None = None,
              justification: str | None = None, today: dt.date | None = None
              ) -> Changed:
    """Open an ERA case (NASSO 3.2-3.6) and assess each candidate property.

    The lead agency follows from the subject's licence or order, the council from where
    the first property lies (unless ``authority`` names it), the deadlines are clear
    working days from ``notified``. With ``assess``, each property is assessed by the
    workspace (sites within 400 m, straight line and on foot, EPSG:27700; the minimum
    set; the subject check). Recorded as one collection.

    Raises
    ------
    NotFoundError
        The subject or a property is unknown (nothing is written).
    WorkflowRefusedError
        Council staff opening a case for another council.
    """
    admitted = services.gate.admit("case_open", caller, justification=justification,
                                   record_ids=[subject_id])
    document = open_assessed_case(
        services.layers, services.engine, subject_id=subject_id,
        property_ids=list(property_ids), case_type=case_type, notified=notified,
        agencies=agencies, assess_now=assess, authority=authority,
        placing_authority=placing_authority, receiving_authority=receiving_authority,
        assessor=services.workspace.assess, actor=admitted.actor, today=today)
    return _answer(admitted, document)


def list_cases(services: Services, caller: Caller, *, justification: str | None,
               overdue: bool = False, due_within: int | None = None,
               today: dt.date | None = None) -> list[CaseSummary]:
    """Open cases the caller may see (all, overdue, or due within ``due_within``
    calendar days), earliest due first. The list names subjects: it needs the
    justification and is recorded as one consultation of every case listed."""
    admitted = services.gate.admit("case_list", caller, justification=justification)
    admitted.require_justification("the case list")
    found = core.list_cases(services.engine, actor=admitted.actor, overdue=overdue,
                            due_within=due_within, today=today)
    return [CaseSummary.model_validate(c) for c in found]


def show_case(services: Services, caller: Caller, *, case_id: str,
              justification: str | None, today: dt.date | None = None) -> CaseRecord:
    """One case in full; reading it needs the justification and is recorded as one
    consultation."""
    admitted = services.gate.admit("case_show", caller, justification=justification,
                                   record_ids=[case_id])
    admitted.require_justification("a case")
    with services.gate.in_scope(caller):
        return CaseRecord.model_validate(
            core.show_case(services.engine, case_id, actor=admitted.actor, today=today))


def assess_case(services: Services, caller: Caller, *, case_id: str, property_id: str,
                justification: str | None = None) -> Changed:
    """(Re)assess a candidate property of an open case from the current reference data
    (the workspace's assessment), keeping the extension of its minimum set in force
    (3.9); recorded as one combination."""
    def assess(subject_id: str, pid: str, metres: float | None,
               rings: int | None) -> dict[str, Any]:
        return services.workspace.assess(subject_id, pid, extend_metres=metres,
                                         extend_rings=rings)

    return _step(services, caller, "case_assess", case_id, justification=justification,
                 change=lambda admitted: reassess_property(
                     services.engine, case_id, property_id, assess, actor=admitted.actor))


def record_check(services: Services, caller: Caller, *, case_id: str, kind: str,
                 item: str, outcome: str, notes: str | None = None,
                 agency: str | None = None, property_id: str | None = None,
                 justification: str | None = None) -> Changed:
    """Record a database check (3.7, an item of the agency's checklist for the case's
    council, ``GEO_ERA_DATABASE_CHECKS``) or a physical check (3.8) of one candidate
    property for the caller's agency; recorded as one alteration.

    Raises
    ------
    DataError
        An unknown item (the message lists the agency's valid ones), or a concern or
        not-applicable outcome without notes.
    WorkflowRefusedError
        No ``property_id`` on a case with several candidates (the message lists them),
        or a property that is not a candidate.
    """
    return _step(services, caller, "case_check", case_id, justification=justification,
                 change=lambda admitted: core.record_check(
                     services.engine, case_id, agency=_agency(admitted, agency), kind=kind,
                     item=item, outcome=outcome, notes=notes, actor=admitted.actor,
                     property_id=property_id,
                     checklists=services.settings.database_checks))


def record_response(services: Services, caller: Caller, *, case_id: str, property_id: str,
                    to: str, response: str, agency: str | None = None,
                    justification: str | None = None) -> Changed:
    """The lead agency's written response to a concern (a check's item code) or a hard
    conflict (``zone:<id>``, ``condition:<n>``) of one candidate property (3.11);
    recorded as one alteration."""
    return _step(services, caller, "case_respond", case_id, justification=justification,
                 change=lambda admitted: core.record_response(
                     services.engine, case_id, agency=_agency(admitted, agency),
                     property_id=property_id, to=to, response=response,
                     actor=admitted.actor))


def record_agreement(services: Services, caller: Caller, *, case_id: str, agrees: bool,
                     comments: str | None = None, agency: str | None = None,
                     justification: str | None = None) -> Changed:
    """Record whether the caller's agency agrees the ERA (3.11)."""
    return _step(services, caller, "case_agree", case_id, justification=justification,
                 change=lambda admitted: core.record_agreement(
                     services.engine, case_id, agency=_agency(admitted, agency),
                     agrees=agrees, comments=comments, actor=admitted.actor))


def approve(services: Services, caller: Caller, *, case_id: str, property_id: str,
            manageable: bool, conclusion: str, reasons: str, agency: str | None = None,
            adjustments: str | None = None, justification: str | None = None) -> Changed:
    """Part C: the lead agency's approval, once every check and agreement is in (3.11).

    Raises
    ------
    WorkflowRefusedError
        The caller's agency is not the lead, an agency disagrees, a consent, check,
        agreement or assessment of that property is missing, or a concern or hard
        conflict of it has no response (the message names each).
    """
    return _step(services, caller, "case_approve", case_id, justification=justification,
                 change=lambda admitted: core.approve(
                     services.engine, case_id, agency=_agency(admitted, agency),
                     property_id=property_id, manageable=manageable, conclusion=conclusion,
                     reasons=reasons, actor=admitted.actor, adjustments=adjustments,
                     checklists=services.settings.database_checks))


def decide(services: Services, caller: Caller, *, case_id: str, property_id: str,
           manageable: bool, conclusion: str, reasons: str, conference_on: dt.date,
           agency: str | None = None, justification: str | None = None) -> Changed:
    """Part D: a case conference's decision where agencies disagree (3.11), recorded
    by the lead agency."""
    return _step(services, caller, "case_decide", case_id, justification=justification,
                 change=lambda admitted: core.decide(
                     services.engine, case_id, agency=_agency(admitted, agency),
                     property_id=property_id, manageable=manageable, conclusion=conclusion,
                     reasons=reasons, conference_on=conference_on, actor=admitted.actor))


def record_consent(services: Services, caller: Caller, *, case_id: str,
                   authority: str | None = None, justification: str | None = None
                   ) -> Changed:
    """The receiving council's consent to an out-of-area placement (3.13): council
    staff consent for their own council; the local operator names the council."""
    def consent(admitted: Admitted) -> dict[str, Any]:
        council = caller.scope or authority
        if not council:
            raise DataError("name the receiving authority that consents (--authority)")
        if authority is not None and authority != council:
            raise WorkflowRefusedError(f"you may consent only for {council}")
        return core.record_consent(services.engine, case_id, authority=council,
                                   actor=admitted.actor)

    return _step(services, caller, "case_consent", case_id, justification=justification,
                 change=consent)


def record_restriction(services: Services, caller: Caller, *, case_id: str,
                       property_id: str, restriction: str,
                       justification: str | None = None) -> Changed:
    """A restriction on future allocations of a neighbouring property (3.12): the
    landlord will be told a sensitive allocation is needed."""
    def change(admitted: Admitted) -> dict[str, Any]:
        if services.layers.has("properties"):  # a restriction names a real property
            services.workspace.snapshot().properties.row(property_id)
        return core.record_restriction(services.engine, case_id, property_id=property_id,
                                       restriction=restriction, actor=admitted.actor)

    return _step(services, caller, "case_restrict", case_id, justification=justification,
                 change=change)
