"""Transfer requests and their decisions (Dorset MAPPA procedure section 19; NASSO 5.2,
3.13).

Four kinds (:data:`KINDS`):

- ``tenant``: the subject's own application. "If an offender who is a tenant is
  considered to be at risk of violence following the disclosure of information, an
  urgent transfer should be considered if that is what the tenant wants": a request
  recorded as at risk after disclosure is urgent.
- ``police``: the police's request after a risk assessment; urgent. "Normally this
  could occur only if the tenant agrees": it is granted only with the tenant's
  agreement recorded.
- ``neighbour``: a neighbouring tenant's application, recorded by the SOLO or by the
  landlord's Link Officer (who names no subject and sees only their own records).
  "Tenants will not normally be granted an urgent transfer unless there is a specific
  risk to them": a grant names the limb of the specific-risk test that applies
  (:data:`SPECIFIC_RISKS`); a general risk to the community is refused as a ground.
- ``family``: an offender's family harassed after disclosure, and the practical
  assistance given (:data:`ASSISTANCE`).

A move to another council (R81, NASSO 5.2 "the transfer operates smoothly"; 3.13) is
granted with what the placing council shares with the receiving council (restrictions,
the plan) and the out-of-area ERA case that places the subject there, whose placing and
receiving councils must be these; the receiving council's staff then see the transfer
(:func:`transfer_view` ``receiving``), and the decision is a disclosure to that
council in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from geo_era import clock
from geo_era.casework.cases import parse_case_id
from geo_era.db.store import Case, TransferRequest, session_scope
from geo_era.errors import (
    DataError,
    NotFoundError,
    OutOfScopeError,
    WorkflowRefusedError,
    plain,
)
from geo_era.security.audit import Actor

KINDS = {
    "tenant": "the subject's own application as a tenant",
    "police": "the police's request after a risk assessment",
    "neighbour": "a neighbouring tenant's application",
    "family": "the offender's family, harassed after disclosure",
}
#: The specific-risk test of a neighbour's application (Dorset s19), by limb.
SPECIFIC_RISKS = {
    "previous_victim": "the tenant or a member of the household is a previous victim of "
                       "the offender",
    "particularly_vulnerable": "the tenant is particularly vulnerable (a previous victim "
                               "of a similar offence, a young care leaver, mental illness "
                               "or disability)",
    "location_and_offence": "the location of the tenancy and the nature of the offence "
                            "(e.g. an elderly woman sharing communal facilities with a "
                            "man convicted of assaulting an elderly woman)",
    "general": "a general risk to the local community, not a specific risk",
}
GENERAL_RISK = ("a general risk to the local community is not a specific risk (Dorset "
                "MAPPA procedure s19); a neighbour's transfer is granted only on a "
                "limb of the specific-risk test: " + ", ".join(
                    k for k in SPECIFIC_RISKS if k != "general"))
#: The practical assistance given to an offender's family (Dorset s19).
ASSISTANCE = {
    "support_advice": "support and advice",
    "mutual_exchange_priority": "a mutual exchange made more urgent",
    "move_to_another_area": "support to move to another area",
    "rehouse_as_homeless": "accepted as homeless and rehoused in another part of the "
                           "district",
}
DECISIONS = ("granted", "refused")


def parse_reference(reference: str, prefix: str) -> int:
    """``TRF-000042`` (or ``42``) -> 42, for the record type of ``prefix`` (``TRF``,
    ``HLP``)."""
    text = str(reference).strip().upper().removeprefix(f"{prefix}-")
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 9):
        raise DataError(f"{plain(reference, 40)!r} is not a reference like {prefix}-000042")
    return int(text)


def _text(value: str | None, field: str, *, least: int) -> str:
    text = (value or "").strip()
    if len(text) < least:
        raise DataError(f"{field}: write at least {least} characters")
    return text


def _kind_fields(kind: str, *, subject_id: str | None, at_risk: bool | None,
                 tenant_agrees: bool | None, specific_risk: str | None,
                 assistance: str | None) -> bool:
    """Check the fields ``kind`` needs; whether the request is urgent."""
    if kind not in KINDS:
        raise DataError(f"kind: unknown; use one of {', '.join(KINDS)}")
    if kind != "neighbour" and not subject_id:
        raise DataError("subject_id: name the subject the request concerns")
    if specific_risk is not None and (kind != "neighbour" or specific_risk
                                      not in SPECIFIC_RISKS):
        raise DataError("specific_risk: only a neighbour's application has one; use one "
                        f"of {', '.join(SPECIFIC_RISKS)}")
    if kind == "tenant":
        if at_risk is None:
            raise DataError("at_risk_after_disclosure: say whether the tenant is at risk "
                            "of violence after disclosure")
        return at_risk
    if kind == "police":
        if tenant_agrees is None:
            raise DataError("tenant_agrees: say whether the tenant agrees to the transfer")
        return True
    if kind == "family" and assistance not in ASSISTANCE:
        raise DataError(f"assistance: use one of {', '.join(ASSISTANCE)}")
    return False


def request_transfer(engine: Engine, *, kind: str, authority: str, grounds: str,
                     requested_on: dt.date, subject_id: str | None = None,
                     property_id: str | None = None, landlord: str | None = None,
                     at_risk_after_disclosure: bool | None = None,
                     tenant_agrees: bool | None = None, specific_risk: str | None = None,
                     assistance: str | None = None, actor: Actor,
                     today: dt.date | None = None) -> dict[str, Any]:
    """Record a transfer request of ``kind`` (:data:`KINDS`) for a tenancy in
    ``authority``, with its grounds (at least 10 characters) and the fields its kind
    needs; pending until decided. One collection in the audit trail; the answer is the
    request as :func:`transfer_document` gives it."""
    today = today or clock.today()
    if requested_on > today:
        raise DataError(f"requested_on: {requested_on.isoformat()} is in the future")
    urgent = _kind_fields(kind, subject_id=subject_id, at_risk=at_risk_after_disclosure,
                          tenant_agrees=tenant_agrees, specific_risk=specific_risk,
                          assistance=assistance)
    text = _text(grounds, "grounds", least=10)
    if actor.scope is not None and authority != actor.scope:
        raise WorkflowRefusedError(f"you may record transfers only for {actor.scope}")
    with session_scope(engine) as session:
        row = TransferRequest(
            kind=kind, authority=authority, subject_id=subject_id, property_id=property_id,
            landlord=landlord, requested_on=requested_on, grounds=text, urgent=urgent,
            at_risk_after_disclosure=at_risk_after_disclosure, tenant_agrees=tenant_agrees,
            specific_risk=specific_risk, assistance=assistance if kind == "family" else None,
            decision="pending", recorded_as=actor.role, recorded_org=actor.organisation,
            recorded_by=actor.username)
        session.add(row)
        session.flush()
        actor.record(session, operation="collection", record_type="transfer",
                     record_ids=[row.reference, *([subject_id] if subject_id else [])])
        return transfer_document(row)


def _load(session: Session, reference: str, actor: Actor) -> TransferRequest:
    """The request, if ``actor`` may decide it (council staff: their own council's);
    "not found" alike otherwise."""
    row = session.get(TransferRequest, parse_reference(reference, "TRF"))
    message = f"transfer {reference!r} not found"
    if row is None:
        raise NotFoundError(message)
    if actor.scope is not None and actor.scope != row.authority:
        raise OutOfScopeError(message, record_type="transfer", record_ids=[row.reference])
    return row


def _out_of_area_case(session: Session, row: TransferRequest, case_id: str | None,
                      receiving: str) -> str:
    """The reference of the out-of-area case placing the subject from ``row``'s council
    into ``receiving`` (3.13), checked."""
    if not case_id:
        raise DataError("case_id: a move to another council is made through an "
                        "out-of-area ERA case (NASSO 3.13); name it")
    case = session.get(Case, parse_case_id(case_id))
    if case is None or (case.placing_authority, case.receiving_authority,
                        case.subject_id) != (row.authority, receiving, row.subject_id):
        raise WorkflowRefusedError(
            f"case {case_id!r} is not an out-of-area case placing this subject from "
            f"{row.authority} into {receiving}")
    return case.reference


def decide_transfer(engine: Engine, reference: str, *, decision: str, reasons: str,
                    subject_id: str | None = None, specific_risk: str | None = None,
                    tenant_agrees: bool | None = None,
                    receiving_authority: str | None = None, shared: str | None = None,
                    case_id: str | None = None, actor: Actor,
                    today: dt.date | None = None) -> dict[str, Any]:
    """Decide a pending request: ``granted`` or ``refused`` with the reasons (at least
    10 characters). A neighbour's application may be linked to the subject it concerns
    (``subject_id``) and its specific-risk limb set; a grant needs a limb other than
    ``general`` (:data:`GENERAL_RISK`). A police request is granted only with the
    tenant's agreement. A grant to another council (``receiving_authority``) needs what
    is ``shared`` with it (at least 20 characters: restrictions, the plan) and the
    out-of-area case (``case_id``); it is audited as a disclosure to that council, any
    other decision as an alteration."""
    today = today or clock.today()
    if decision not in DECISIONS:
        raise DataError(f"decision: use one of {', '.join(DECISIONS)}")
    why = _text(reasons, "reasons", least=10)
    with session_scope(engine) as session:
        row = _load(session, reference, actor)
        if row.decision != "pending":
            raise WorkflowRefusedError(f"{row.reference} was {row.decision} on "
                                       f"{row.decided_on}; it is decided once")
        _decision_fields(row, decision, subject_id=subject_id, specific_risk=specific_risk,
                         tenant_agrees=tenant_agrees)
        recipients = None
        if receiving_authority and receiving_authority != row.authority:
            if decision != "granted":
                raise DataError("receiving_authority: only a granted transfer moves to "
                                "another council")
            row.shared = _text(shared, "shared", least=20)
            row.case_reference = _out_of_area_case(session, row, case_id,
                                                   receiving_authority)
            row.receiving_authority = receiving_authority
            recipients = [receiving_authority]
        row.decision, row.decision_reasons = decision, why
        row.decided_by, row.decided_on = actor.username, today
        session.flush()
        actor.record(session, operation="disclosure" if recipients else "alteration",
                     record_type="transfer", recipients=recipients,
                     record_ids=[row.reference, *([row.subject_id] if row.subject_id
                                                  else [])])
        return transfer_document(row, consent_of(session, [row]).get(
            row.case_reference or ""))


def _decision_fields(row: TransferRequest, decision: str, *, subject_id: str | None,
                     specific_risk: str | None, tenant_agrees: bool | None) -> None:
    if subject_id:
        if row.subject_id and row.subject_id != subject_id:
            raise WorkflowRefusedError(f"{row.reference} already concerns another subject")
        row.subject_id = subject_id
    if tenant_agrees is not None:
        row.tenant_agrees = tenant_agrees
    if specific_risk is not None:
        if row.kind != "neighbour" or specific_risk not in SPECIFIC_RISKS:
            raise DataError("specific_risk: only a neighbour's application has one; use "
                            f"one of {', '.join(SPECIFIC_RISKS)}")
        row.specific_risk = specific_risk
    if decision != "granted":
        return
    if row.kind == "neighbour" and row.specific_risk in (None, "general"):
        raise WorkflowRefusedError(GENERAL_RISK)
    if row.kind == "police" and not row.tenant_agrees:
        raise WorkflowRefusedError(
            "a transfer the police ask for is normally made only if the tenant agrees "
            "(Dorset MAPPA procedure s19); record the tenant's agreement (tenant_agrees)")


def visible_transfers(session: Session, actor: Actor, *, own_records: bool = False,
                      subject_id: str | None = None) -> list[TransferRequest]:
    """The requests ``actor`` may see, oldest first: everything, for the unconfined;
    council staff their own council's and those granted into it (R81); with
    ``own_records`` (a Link Officer) only those their organisation recorded."""
    query = select(TransferRequest)
    if own_records:
        query = query.where(TransferRequest.recorded_org == actor.organisation,
                            TransferRequest.recorded_as == actor.role)
    elif actor.scope is not None:
        query = query.where(or_(TransferRequest.authority == actor.scope,
                                TransferRequest.receiving_authority == actor.scope))
    if subject_id is not None:
        query = query.where(TransferRequest.subject_id == subject_id)
    return list(session.scalars(query.order_by(TransferRequest.id)))


def transfer_view(row: TransferRequest, actor: Actor) -> str:
    """How ``actor`` sees ``row``: ``full`` (its own council's, or unconfined),
    ``receiving`` (a council it is transferred into: what was shared) or
    ``own_record`` (asked for their own records, a Link Officer: no subject, no
    reasons; :func:`list_transfers`)."""
    if actor.scope is not None and actor.scope != row.authority:
        return "receiving"
    return "full"


def transfer_document(row: TransferRequest, consent: bool | None = None) -> dict[str, Any]:
    """A request as a JSON-ready document, with its words (the answer models of the
    services keep only what each view may see)."""
    return {"reference": row.reference, "kind": row.kind, "kind_label": KINDS[row.kind],
            "authority": row.authority, "subject_id": row.subject_id,
            "property_id": row.property_id, "landlord": row.landlord,
            "requested_on": row.requested_on, "grounds": row.grounds, "urgent": row.urgent,
            "at_risk_after_disclosure": row.at_risk_after_disclosure,
            "tenant_agrees": row.tenant_agrees, "specific_risk": row.specific_risk,
            "specific_risk_label": SPECIFIC_RISKS.get(row.specific_risk or ""),
            "assistance": row.assistance,
            "assistance_label": ASSISTANCE.get(row.assistance or ""),
            "receiving_authority": row.receiving_authority, "decision": row.decision,
            "decision_reasons": row.decision_reasons, "shared": row.shared,
            "case_reference": row.case_reference, "consent_recorded": consent,
            "decided_by": row.decided_by, "decided_on": row.decided_on,
            "recorded_by": row.recorded_by, "recorded_at": row.recorded_at.isoformat()}


def consent_of(session: Session, rows: list[TransferRequest]) -> dict[str, bool]:
    """Whether the receiving council's consent is recorded on each out-of-area case the
    ``rows`` name (3.13), by case reference; a weeded case is absent."""
    ids = [parse_case_id(r.case_reference) for r in rows if r.case_reference]
    if not ids:
        return {}
    return {c.reference: c.consent_recorded_at is not None
            for c in session.scalars(select(Case).where(Case.id.in_(ids)))}


def list_transfers(engine: Engine, actor: Actor, *, own_records: bool = False
                   ) -> list[dict[str, Any]]:
    """The requests ``actor`` may see (:func:`visible_transfers`), each as its document
    with how they see it (``view``, :func:`transfer_view`); one consultation in the audit
    trail naming them (and, but for a Link Officer, the subjects they concern)."""
    with session_scope(engine) as session:
        rows = visible_transfers(session, actor, own_records=own_records)
        consent = consent_of(session, rows)
        subjects = [] if own_records else sorted({r.subject_id for r in rows
                                                  if r.subject_id})
        actor.record(session, operation="consultation", record_type="transfer",
                     record_ids=[r.reference for r in rows] + subjects)
        return [{**transfer_document(r, consent.get(r.case_reference or "")),
                 "view": "own_record" if own_records else transfer_view(r, actor)}
                for r in rows]
