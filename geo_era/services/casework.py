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

A partner agency of NASSO 3.6 (NHS, SPS, Education, Children & Families, Adult
Protection, a support worker, a Link Officer taking part) sees only the cases its agency
takes part in (a Link Officer, only those with a candidate of their organisation's) and
of those only what :data:`~geo_era.security.access.CASE_VIEWS` allows
(:func:`geo_era.casework.participation.case_view`, applied here to every case answer);
an agency that sees nothing of the neighbours records no physical check (3.8).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from geo_era.casework import cases as core
from geo_era.casework import extensions, out_of_area
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.dwellings import reassess_property
from geo_era.casework.participation import case_view
from geo_era.errors import DataError, WorkflowRefusedError
from geo_era.security.access import CASE_VIEWS, OPERATOR
from geo_era.services.answers.casework import CaseAck, CaseRecord, CaseSummary
from geo_era.services.context import Services
from geo_era.services.policy import Admitted, Caller

__all__ = ["approve", "assess_case", "decide", "extend_deadline", "list_cases",
           "open_case", "record_agreement", "record_check", "record_consent",
           "record_discussion", "record_era_held", "record_out_of_area_reason",
           "record_plan", "record_response", "record_restriction", "show_case"]


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
    a consultation, DPA 2018 s62, recorded with the change's audit entry), as the
    caller's need to know allows; otherwise an acknowledgement that names nothing of the
    case (issue 17, finding 5)."""
    if admitted.actor.justification is not None:
        return CaseRecord.model_validate(case_view(document, admitted.caller.role,
                                                   admitted.actor.properties))
    return CaseAck(case_id=document["case_id"], recorded=admitted.operation,
                   status=document["status"], due=document["due"])


def _landlords_homes(services: Services, organisation: str) -> frozenset[str]:
    """The property ids whose landlord (the properties layer's ``landlord``) is
    ``organisation``, case and spaces aside: the homes a Link Officer taking part in
    cases acts for (the landlord column the void lists use)."""
    if not services.layers.has("properties"):
        return frozenset()
    stock = services.layers.read_attributes("properties", ["property_id", "landlord"])
    if "landlord" not in stock.columns:
        return frozenset()
    names = stock["landlord"].astype("string").str.strip().str.casefold()
    mine = (names == organisation.strip().casefold()).fillna(False).to_numpy(bool)
    return frozenset(stock["property_id"].astype(str)[mine])


def _admit(services: Services, caller: Caller, operation: str, *,
           justification: str | None, record_ids: Sequence[str] = ()) -> Admitted:
    """Admit ``caller`` to a case ``operation``; a Link Officer taking part is confined
    to cases with a candidate among their organisation's homes."""
    admitted = services.gate.admit(operation, caller, justification=justification,
                                   record_ids=record_ids)
    view = CASE_VIEWS.get(caller.role)
    if view is None or not view.landlord_only:
        return admitted
    actor = dataclasses.replace(admitted.actor, properties=_landlords_homes(
        services, caller.organisation))
    return dataclasses.replace(admitted, actor=actor)


def _step(services: Services, caller: Caller, operation: str, case_id: str, *,
          justification: str | None,
          change: Callable[[Admitted], dict[str, Any]]) -> Changed:
    """Admit ``caller`` to ``operation`` on ``case_id`` and run ``change`` (a core step
    that records its audit entry with the admitted actor); the case as it is after, or
    an acknowledgement (:func:`_answer`)."""
    admitted = _admit(services, caller, operation, justification=justification,
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
        assessor=services.workspace.assess, actor=admitted.actor, today=today,
        reading=services.settings.deadline_reading)
    return _answer(admitted, document)


def list_cases(services: Services, caller: Caller, *, justification: str | None,
               overdue: bool = False, due_within: int | None = None,
               today: dt.date | None = None) -> list[CaseSummary]:
    """Open cases the caller may see (all, overdue, or due within ``due_within``
    calendar days), earliest due first. The list names subjects: it needs the
    justification and is recorded as one consultation of every case listed."""
    admitted = _admit(services, caller, "case_list", justification=justification)
    admitted.require_justification("the case list")
    found = core.list_cases(services.engine, actor=admitted.actor, overdue=overdue,
                            due_within=due_within, today=today)
    return [CaseSummary.model_validate(case_view(c, caller.role, admitted.actor.properties))
            for c in found]


def show_case(services: Services, caller: Caller, *, case_id: str,
              justification: str | None, today: dt.date | None = None) -> CaseRecord:
    """One case in full; reading it needs the justification and is recorded as one
    consultation."""
    admitted = _admit(services, caller, "case_show", justification=justification,
                      record_ids=[case_id])
    admitted.require_justification("a case")
    with services.gate.in_scope(caller):
        return CaseRecord.model_validate(case_view(
            core.show_case(services.engine, case_id, actor=admitted.actor, today=today),
            caller.role, admitted.actor.properties))


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
    view = CASE_VIEWS.get(caller.role)
    if kind == "physical" and view is not None and not view.surroundings:
        raise WorkflowRefusedError(
            f"{view.agency} records no physical check (3.8): those look at the neighbours "
            "for signs of the victim profile, which the police, CJSW, the SOLO or the "
            "council's Children & Families, Education or Adult Protection record; record "
            f"{view.agency}'s database checks (--kind database)")
    def check(admitted: Admitted) -> dict[str, Any]:
        own = admitted.actor.properties
        if view is not None and view.landlord_only and property_id is not None \
                and property_id not in (own or frozenset()):
            raise WorkflowRefusedError(f"property {property_id!r} is not one of your "
                                       "organisation's candidates in this case; a Link "
                                       "Officer records checks of their own homes only")
        return core.record_check(
            services.engine, case_id, agency=_agency(admitted, agency), kind=kind,
            item=item, outcome=outcome, notes=notes, actor=admitted.actor,
            property_id=property_id, checklists=services.settings.database_checks)

    return _step(services, caller, "case_check", case_id, justification=justification,
                 change=check)


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


def _council(caller: Caller, authority: str | None) -> str:
    """The council the caller records for: council staff their own; the local operator
    names it."""
    council = caller.scope or authority
    if not council:
        raise DataError("name the council that records this (--authority)")
    if authority is not None and authority != council:
        raise WorkflowRefusedError(f"you may record only for {council}")
    return council


def record_out_of_area_reason(services: Services, caller: Caller, *, case_id: str,
                              ground: str, details: str | None = None,
                              authority: str | None = None,
                              justification: str | None = None) -> Changed:
    """The placing council's reason for placing out of area (NASSO 3.13, R65): one of
    3.13's grounds (:data:`geo_era.casework.case_records.GROUNDS`) with details."""
    return _step(services, caller, "case_out_of_area", case_id,
                 justification=justification,
                 change=lambda admitted: out_of_area.record_reason(
                     services.engine, case_id, authority=_council(caller, authority),
                     ground=ground, details=details, actor=admitted.actor))


def record_plan(services: Services, caller: Caller, *, case_id: str, plan: str,
                authority: str | None = None, justification: str | None = None) -> Changed:
    """The placing council's plan to manage the risk of an out-of-area placement
    (NASSO 3.13, R46, R67)."""
    return _step(services, caller, "case_plan", case_id, justification=justification,
                 change=lambda admitted: out_of_area.record_plan(
                     services.engine, case_id, authority=_council(caller, authority),
                     plan=plan, actor=admitted.actor))


def record_discussion(services: Services, caller: Caller, *, case_id: str,
                      held_on: dt.date, participants: str, agreed: str,
                      authority: str | None = None, justification: str | None = None,
                      today: dt.date | None = None) -> Changed:
    """A discussion between the placing and receiving councils of an out-of-area
    placement and what they agreed (NASSO 3.13, R68); recorded by either council."""
    return _step(services, caller, "case_discussion", case_id,
                 justification=justification,
                 change=lambda admitted: out_of_area.record_discussion(
                     services.engine, case_id, authority=_council(caller, authority),
                     held_on=held_on, participants=participants, agreed=agreed,
                     actor=admitted.actor, today=today))


def record_era_held(services: Services, caller: Caller, *, case_id: str, system: str,
                    reference: str, agency: str | None = None,
                    justification: str | None = None) -> Changed:
    """Where the full ERA is held (NASSO 3.3, 3.11): the system and its reference there,
    recorded by an agency of the case."""
    return _step(services, caller, "case_held", case_id, justification=justification,
                 change=lambda admitted: out_of_area.record_era_held(
                     services.engine, case_id, agency=_agency(admitted, agency),
                     system=system, reference=reference, actor=admitted.actor))


def _grantor(admitted: Admitted, given: str | None) -> str:
    """Who grants an extension: the MAPPA coordinator as such, a case worker as their
    agency (the core accepts only the lead agency), the local operator as named."""
    if admitted.caller.role == extensions.COORDINATOR:
        if given not in (None, extensions.COORDINATOR):
            raise WorkflowRefusedError(f"you grant as {extensions.COORDINATOR}, not {given}")
        return extensions.COORDINATOR
    return _agency(admitted, given)


def extend_deadline(services: Services, caller: Caller, *, case_id: str, reason: str,
                    agency: str | None = None, to: dt.date | None = None,
                    working_days: int | None = None, granted_as: str | None = None,
                    justification: str | None = None,
                    today: dt.date | None = None) -> Changed:
    """Extend a complex case's deadline, or one agency's (``agency``), to ``to`` or by
    ``working_days`` clear working days, with the reason (NASSO 3.5, R22); granted by the
    lead agency or the MAPPA coordinator. The original deadline and each extension are
    kept and shown.

    Raises
    ------
    WorkflowRefusedError
        The caller is neither the lead agency nor the coordinator, the date is not
        later, or an agency's deadline would pass the case's.
    """
    return _step(services, caller, "case_extend", case_id, justification=justification,
                 change=lambda admitted: extensions.extend_deadline(
                     services.engine, case_id, granted_as=_grantor(admitted, granted_as),
                     reason=reason, actor=admitted.actor, agency=agency, to=to,
                     working_days=working_days, today=today))
