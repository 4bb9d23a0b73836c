"""Landlord notifications (NASSO 5.3) as every door uses them: a Link Officer tells the
SOLO of a proposed move, a direct application, a tenancy dispute or complaint, possession
proceedings or other information about a tenancy they manage; the Responsible
Authorities receive it, link it to a subject and open a review (3.4) from it.

Need to know, applied here (the core, :mod:`geo_era.housing.notifications`, writes the
one audit entry of each step):

- ``notice_record`` and ``notice_sent`` (the landlord's staff): only about a property
  whose landlord (the properties layer's ``landlord``) is the caller's organisation; any
  other property, known or not, reads the same (:data:`NOT_YOURS`) and the refusal is
  audited. Their answer (:class:`NoticeSent`) has no field for the subject, the review or
  a note of the Responsible Authorities.
- ``notice_list`` and ``notice_show`` (the Responsible Authorities): the SOLO sees the
  notifications about homes in their council, the police and the MAPPA coordinator all;
  criminal justice social work, those whose linked subject has an open case it leads
  (its council's). Their answer (:class:`Notice`) names the subject, so reading it needs
  the justification. A notification out of reach reads as one that does not exist.
- ``notice_link`` and ``notice_review`` (the SOLO, police, the coordinator): the link to
  a subject, and a review opened through the casework services
  (:func:`geo_era.services.casework.open_case`, its own ``case_open`` admission and
  audit entry) at the subject's current home, the notification's reference recorded as
  why (the case's audit entry), then the notification marked with the case.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from geo_era import clock
from geo_era.analysis.areas import council_of
from geo_era.casework.cases import parse_case_id
from geo_era.casework.placements import subjects_now
from geo_era.errors import DataError, NotFoundError, WorkflowRefusedError
from geo_era.housing import notifications as core
from geo_era.security.access import MATRIX, OPERATOR, ROLE_AGENCY
from geo_era.services import casework
from geo_era.services.answers.notices import Notice, NoticeSent
from geo_era.services.context import Services
from geo_era.services.housing import NO_SUCH_SUBJECT
from geo_era.services.policy import Admitted, Caller, plain_text

__all__ = ["KINDS", "NOT_YOURS", "link", "list_notices", "open_review", "record",
           "sent", "show"]

KINDS = core.KINDS
#: What any property a landlord may not tell about reads as: one of another landlord's
#: and one that does not exist alike.
NOT_YOURS = ("property {pid!r} is not one of {org}'s homes as the properties layer "
             "lists them; check the id on your tenancy record")
#: Longest justification kept with the review's audit entry, characters.
MAX_WHY = 900


def _landlord(services: Services, admitted: Admitted, property_id: str) -> str:
    """The landlord of ``property_id`` as the properties layer names it, when the caller
    may tell about it: their organisation's (the local operator: any landlord's)."""
    caller = admitted.caller
    org = caller.organisation
    if not services.layers.has("properties"):
        raise DataError("no properties layer is imported; ask the administrator to "
                        "import the properties with their landlord")
    stock = services.layers.read_attributes("properties", ["property_id", "landlord"])
    named = stock["landlord"] if "landlord" in stock.columns else pd.Series(dtype="string")
    row = named[stock["property_id"].astype(str) == property_id] if len(named) else named
    landlord = str(row.iloc[0]).strip() if len(row) and pd.notna(row.iloc[0]) else ""
    mine = caller.role == OPERATOR or landlord.casefold() == org.strip().casefold()
    if not landlord or not mine:
        services.gate.denied(caller, "property", [property_id])
        raise NotFoundError(NOT_YOURS.format(pid=property_id, org=org))
    return landlord


def record(services: Services, caller: Caller, *, property_id: str, kind: str,
           occurred_on: dt.date, details: str, landlord_reference: str,
           justification: str | None = None, today: dt.date | None = None) -> NoticeSent:
    """Tell the SOLO about a tenancy the caller's organisation manages (5.3): one of
    :data:`KINDS`, the date it happened (a proposed move or a possession hearing may lie
    up to a year ahead), the details and the landlord's own reference. Recorded as one
    collection; the answer is the landlord's view.

    Raises
    ------
    NotFoundError
        A property that is not the caller's organisation's (the same whether it exists
        elsewhere or not; audited as ``denied``).
    DataError
        A field missing or wrong, saying which and how to put it right (nothing is
        written).
    """
    admitted = services.gate.admit("notice_record", caller, justification=justification,
                                   record_ids=[property_id])
    pid = property_id.strip()
    text = plain_text(details, "details") or ""
    reference = plain_text(landlord_reference, "landlord's reference") or ""
    core.check_notice(kind=kind, occurred_on=occurred_on, details=text,
                      landlord_reference=reference, today=today)
    landlord = _landlord(services, admitted, pid)
    notice = core.record_notice(
        services.engine, property_id=pid, landlord=landlord,
        authority=council_of(services.layers, pid), kind=kind, occurred_on=occurred_on,
        details=text, landlord_reference=reference, actor=admitted.actor, today=today)
    return NoticeSent.model_validate(notice)


def sent(services: Services, caller: Caller, *, justification: str | None = None,
         landlord: str | None = None) -> list[NoticeSent]:
    """The caller's organisation's notifications (the local operator names the
    ``landlord``), the latest first, each with its status (sent to the SOLO, received,
    acted on) as the landlord is told it; recorded as one consultation."""
    admitted = services.gate.admit("notice_sent", caller, justification=justification)
    own = caller.organisation
    if caller.role == OPERATOR:
        if not (landlord or "").strip():
            raise DataError("name the landlord whose notifications to list (--landlord)")
        own = str(landlord)
    elif landlord is not None and landlord.strip().casefold() != own.strip().casefold():
        raise DataError(f"you see {own}'s notifications only; leave the landlord out")
    found = core.landlord_notices(services.engine, own, actor=admitted.actor)
    return [NoticeSent.model_validate(n) for n in found]


def _lead_agency(caller: Caller) -> str | None:
    """The agency a caller sees notifications through as a case's lead agency: ``None``
    for those who see them all (or their council's)."""
    if caller.role == OPERATOR or caller.role in MATRIX["notice_link"].allowed:
        return None
    return ROLE_AGENCY.get(caller.role)


def list_notices(services: Services, caller: Caller, *, justification: str | None
                 ) -> list[Notice]:
    """The notifications from landlords the caller may see, new and unlinked first. The
    list names the subjects linked: it needs the justification and is recorded as one
    consultation of the notifications (and subjects) listed."""
    admitted = services.gate.admit("notice_list", caller, justification=justification)
    admitted.require_justification("the notifications from landlords")
    found = core.authority_notices(services.engine, actor=admitted.actor,
                                   lead_agency=_lead_agency(caller))
    return [Notice.model_validate(n) for n in found]


def show(services: Services, caller: Caller, *, reference: str,
         justification: str | None) -> Notice:
    """One notification in full; its first reading by the SOLO, the police or the
    coordinator is recorded as its receipt (the landlord is told). Needs the
    justification; recorded as one consultation."""
    admitted = services.gate.admit("notice_show", caller, justification=justification,
                                   record_ids=[reference])
    admitted.require_justification("a notification from a landlord")
    lead = _lead_agency(caller)
    with services.gate.in_scope(caller):
        return Notice.model_validate(core.show_notice(
            services.engine, reference, actor=admitted.actor, lead_agency=lead,
            receive=caller.role in MATRIX["notice_link"].allowed))


def link(services: Services, caller: Caller, *, reference: str, subject_id: str,
         note: str | None = None, justification: str | None = None) -> Notice:
    """Link a notification to the subject it concerns, with an optional note the
    landlord never sees; recorded as one combination. An unknown subject reads as any
    other (audited as ``denied``)."""
    admitted = services.gate.admit("notice_link", caller, justification=justification,
                                   record_ids=[reference])
    subject = subject_id.strip()
    text = plain_text(note, "note")
    try:
        services.workspace.snapshot().subject(subject)
    except NotFoundError:
        services.gate.denied(caller, "subject", [subject])
        raise NotFoundError(NO_SUCH_SUBJECT) from None
    with services.gate.in_scope(caller):
        return Notice.model_validate(core.link(services.engine, reference,
                                               subject_id=subject, note=text,
                                               actor=admitted.actor))


def _home(services: Services, subject_id: str) -> str:
    """The subject's current home: the subjects layer's, following the moves recorded."""
    imported = (services.layers.read("placements") if services.layers.has("placements")
                else None)
    subjects = subjects_now(services.layers.read("subjects"), services.engine, imported)
    rows = subjects.loc[subjects["subject_id"].astype(str) == subject_id]
    home = rows["current_property_id"].iloc[0] if len(rows) and \
        "current_property_id" in rows.columns else None
    if home is None or pd.isna(home) or not str(home).strip():
        raise WorkflowRefusedError(f"{subject_id} has no current home recorded; open a "
                                   "case for them with the property (Open a case)")
    return str(home)


def open_review(services: Services, caller: Caller, *, reference: str,
                justification: str | None = None, today: dt.date | None = None) -> Notice:
    """Open a review (3.4) from a linked notification: an annual-review ERA case of the
    linked subject at their current home, opened through
    :func:`geo_era.services.casework.open_case` (its ``case_open`` admission and its
    audit entry, whose justification names the notification: why the case was opened),
    then the notification marked "review opened: ERA-xxxxxx" (one alteration).

    Raises
    ------
    WorkflowRefusedError
        Not linked yet, a review opened from it already, a subject with no home, or a
        home outside the SOLO's council.
    """
    admitted = services.gate.admit("notice_review", caller, justification=justification,
                                   record_ids=[reference])
    with services.gate.in_scope(caller):
        subject = core.review_subject(services.engine, reference, actor=admitted.actor)
    ref = f"LN-{core.parse_reference(reference):06d}"
    why = f"review (NASSO 3.4) from landlord notification {ref}"
    if admitted.actor.justification:
        why += f": {admitted.actor.justification[:MAX_WHY]}"
    today = today or clock.today()
    opened = casework.open_case(services, caller, subject_id=subject,
                                property_ids=[_home(services, subject)], notified=today,
                                case_type="annual_review", justification=why, today=today)
    case_id = parse_case_id(opened.case_id)
    with services.gate.in_scope(caller):
        return Notice.model_validate(core.mark_review(
            services.engine, reference, case_id=case_id,
            case_reference=f"ERA-{case_id:06d}", actor=admitted.actor))
