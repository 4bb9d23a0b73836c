"""ERA cases: the NASSO 3.3-3.11 workflow over the case store.

A case is opened on notification with its type, its lead agency (Police Scotland, or
Criminal Justice Social Work when the subject is on a licence or order, 3.2), the
agencies involved (3.6) and their deadlines in clear working days (3.5). Agencies record
their database checks (3.7) and the physical checks (3.8), then each records whether it
agrees (3.11). The lead agency approves (Part C) only when every agency agrees, every
required check is recorded and the property has been assessed; where agencies disagree,
a case conference decides and the lead agency records it as Part D.

Every refusal says what is missing and who may act. Each step is one transaction, and
each writes its audit entry (DPA 2018 s62) in that same transaction: who acted, as whom,
on which case and subject, and why. An actor confined to an authority (a council's
SOLO) sees and changes only that authority's cases; any other case is "not found" to
them, and the refusal is itself audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from geo_era import clock
from geo_era.casework.case_records import case_records, deadline_record, missing_out_of_area
from geo_era.casework.minimum_sets import dwelling_concerns, dwelling_gaps, sets_document
from geo_era.casework.participation import involved_agencies, takes_part
from geo_era.casework.workdays import CASE_TYPES, deadlines
from geo_era.db.store import (
    Case,
    CaseAgency,
    CaseProperty,
    CaseResponse,
    Check,
    Decision,
    Restriction,
    session_scope,
    utcnow,
)
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.security.audit import Actor
from geo_era.settings import NASSO_DATABASE_CHECKS

LEAD_AGENCIES = ("police_scotland", "cjsw")
AGENCIES = ("police_scotland", "cjsw", "solo", "rsl", "nhs", "sps", "education",
            "childrens_services", "adult_protection", "support_organisation")
CHECK_KINDS = ("database", "physical")
OUTCOMES = ("clear", "concern", "not_applicable")
#: What a physical check must cover (NASSO 3.8), its nine items in NASSO's order: the
#: signs of the victim profile (toys in gardens, children's curtains...), then "Play
#: Parks; Community Centres; Churches; Shops; Schools/Nurseries; Sheltered housing
#: developments; CCTV Location; Licensed Premises".
PHYSICAL_ITEMS = ("victim_profile", "play_park", "community_centre", "place_of_worship",
                  "shop", "school_nursery", "sheltered_housing", "cctv",
                  "licensed_premises")
#: Physical check codes recorded before "Schools/Nurseries" was one item: kept as
#: recorded (a concern on one still needs its response); both together count for it.
LEGACY_PHYSICAL = {"school": "school_nursery", "nursery": "school_nursery"}

#: Assesses a case property: returns the snapshot stored in the case.
Assessor = Callable[[str, str], dict[str, Any]]

#: Per council, which 3.7 database checks each agency records (``GEO_ERA_DATABASE_CHECKS``):
#: council -> agency -> item codes. A council or agency not named keeps NASSO's list.
Checklists = Mapping[str, Mapping[str, Sequence[str]]]


def database_checklist(agency: str, authority: str | None,
                       checklists: Checklists | None = None) -> tuple[str, ...]:
    """The 3.7 database check item codes ``agency`` records on a case of ``authority``:
    the council's own list when configured, else NASSO's; empty for an agency with no
    list."""
    own = (checklists or {}).get(authority or "", {}).get(agency)
    if own:
        return tuple(own)
    return tuple(NASSO_DATABASE_CHECKS.get(agency, {}))


def check_label(agency: str, item: str) -> str:
    """The readable name of a database check item (its code for a local system)."""
    return NASSO_DATABASE_CHECKS.get(agency, {}).get(item, item.replace("_", " "))


def _choice(value: str, choices: Sequence[str], what: str) -> str:
    if value not in choices:
        raise DataError(f"unknown {what} {value!r}; use one of {', '.join(choices)}")
    return value


def _load(session: Session, case_id: str | int, actor: Actor) -> Case:
    """The case, if it exists and ``actor`` may see it; "not found" alike otherwise."""
    number = parse_case_id(case_id)
    case = session.scalar(select(Case).where(Case.id == number).options(
        selectinload(Case.properties), selectinload(Case.agencies),
        selectinload(Case.checks), selectinload(Case.decisions),
        selectinload(Case.restrictions), selectinload(Case.responses)))
    message = f"case {case_id!r} not found; list cases with 'geo-era case list'"
    if case is None:
        raise NotFoundError(message)
    if not visible(case, actor):
        raise OutOfScopeError(message, record_type="case", record_ids=[case.reference])
    return case


def visible(case: Case, actor: Actor) -> bool:
    """Whether ``actor`` may see ``case``: unconfined, or confined to an authority that
    the case belongs to, places from or places into; and, for a partner agency, one its
    agency takes part in (:func:`~geo_era.casework.participation.takes_part`)."""
    return (actor.scope is None or actor.scope in (
        case.authority, case.placing_authority, case.receiving_authority)) \
        and takes_part(case, actor)


def _audit(session: Session, actor: Actor, case: Case, operation: str) -> None:
    actor.record(session, operation=operation, record_type="case",
                 record_ids=[case.reference, case.subject_id])


def parse_case_id(case_id: str | int) -> int:
    """``ERA-000042``, ``42`` or 42 -> 42."""
    text = str(case_id).strip().upper().removeprefix("ERA-")
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise DataError(f"case id {case_id!r} is not a case reference like ERA-000042")
    return int(text)


def _open(case: Case) -> None:
    if case.status != "open":
        raise WorkflowRefusedError(f"case {case.reference} is {case.status}; nothing more can be "
                              "recorded on it")


def open_case(engine: Engine, *, subject_id: str, property_ids: Sequence[str],
              case_type: str, notified: dt.date, on_licence_or_order: bool,
              agencies: Sequence[str] = (), today: dt.date | None = None,
              assess: Assessor | None = None, placing_authority: str | None = None,
              receiving_authority: str | None = None, authority: str | None = None,
              children: bool = False, reading: str = "from_notification",
              actor: Actor) -> dict[str, Any]:
    """Open a case (NASSO 3.2-3.6) and, with ``assess``, snapshot each property.

    With ``children`` (the subject's victim profile includes children), Children &
    Families and Education take part too; each agency's entry says why it takes part.

    ``authority`` is the council the candidate property lies in (the receiving
    authority of an out-of-area placement); a confined actor may open cases only for
    their own authority.

    With a placing and a different receiving authority the case is an out-of-area
    placement (3.13): it cannot be approved until the receiving authority's consent is
    recorded (:func:`record_consent`), with the rest 3.13 asks
    (:func:`geo_era.casework.case_records.missing_out_of_area`).

    ``reading`` is how 3.5's SOLO/others split is read
    (:func:`geo_era.casework.workdays.deadlines`, ``GEO_ERA_DEADLINE_READING``).
    """
    if bool(placing_authority) != bool(receiving_authority):
        raise DataError("an out-of-area placement names both the placing and the receiving "
                        "authority")
    _choice(case_type, CASE_TYPES, "ERA type")
    today = today or clock.today()
    if notified > today and case_type != "annual_review":
        raise DataError(f"notification date {notified.isoformat()} is in the future; only "
                        "an annual review may be opened ahead of its renewal date")
    if not property_ids:
        raise DataError("a case needs at least one candidate property")
    if receiving_authority and authority and receiving_authority != authority:
        raise WorkflowRefusedError(f"the receiving authority is {authority}, where the "
                                   f"property lies, not {receiving_authority}")
    authority = authority or receiving_authority or actor.scope
    if actor.scope is not None and actor.scope not in (authority, placing_authority):
        raise WorkflowRefusedError(f"you may open cases only for {actor.scope}; this "
                                   f"property is in {authority or 'an unknown authority'}")
    lead = "cjsw" if on_licence_or_order else "police_scotland"
    involved = involved_agencies(
        lead, on_licence_or_order=on_licence_or_order, children=children,
        named=[_choice(agency, AGENCIES, "agency") for agency in agencies])
    due = deadlines(case_type, notified, reading)
    snapshots = {pid: assess(subject_id, pid) for pid in property_ids} if assess else {}
    with session_scope(engine) as session:
        case = Case(subject_id=subject_id, case_type=case_type, lead_agency=lead,
                    notified_on=notified, due_on=due["overall"], status="open",
                    placing_authority=placing_authority,
                    receiving_authority=receiving_authority, authority=authority)
        for pid in dict.fromkeys(property_ids):
            case.properties.append(CaseProperty(
                property_id=pid, snapshot=snapshots.get(pid),
                assessed_at=utcnow() if pid in snapshots else None))
        for agency, why in involved.items():
            case.agencies.append(CaseAgency(
                agency=agency, due_on=due["solo"] if agency == "solo" else due["others"],
                added_because=why))
        session.add(case)
        session.flush()
        _audit(session, actor, case, "collection")
        return case_document(case, today=today)


def assess_property(engine: Engine, case_id: str | int, property_id: str,
                    assess: Assessor, *, actor: Actor) -> dict[str, Any]:
    """(Re)run the assessment of one of an open case's properties and store it: the
    subject's record combined with the property's surroundings."""
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        prop = _case_property(case, property_id)
        prop.snapshot = assess(case.subject_id, property_id)
        prop.assessed_at = utcnow()
        _audit(session, actor, case, "combination")
        return case_document(case)


def _case_property(case: Case, property_id: str) -> CaseProperty:
    for prop in case.properties:
        if prop.property_id == property_id:
            return prop
    have = ", ".join(p.property_id for p in case.properties)
    raise WorkflowRefusedError(f"property {property_id!r} is not a candidate in case "
                          f"{case.reference} (candidates: {have})")


def _agency(case: Case, agency: str) -> CaseAgency:
    for row in case.agencies:
        if row.agency == agency:
            return row
    have = ", ".join(a.agency for a in case.agencies)
    raise WorkflowRefusedError(f"{agency} is not taking part in case {case.reference} "
                          f"(agencies: {have})")


def _check_property(case: Case, property_id: str | None, actor: Actor) -> str:
    """The candidate a check belongs to: the one named, or the case's only candidate.
    The refusal lists only the candidates ``actor`` may see (a Link Officer's own)."""
    if property_id is not None:
        return _case_property(case, property_id).property_id
    if len(case.properties) == 1:
        return case.properties[0].property_id
    have = ", ".join(p.property_id for p in case.properties
                     if actor.properties is None or p.property_id in actor.properties)
    raise WorkflowRefusedError(f"case {case.reference} has several candidate properties; "
                               f"name the one checked (--property): {have}")


def _check_item(case: Case, agency: str, kind: str, item: str,
                checklists: Checklists | None) -> str:
    if kind == "physical":
        return _choice(item, PHYSICAL_ITEMS, "physical check")
    valid = database_checklist(agency, case.authority, checklists)
    if not valid:
        raise WorkflowRefusedError(f"no 3.7 database checklist is configured for {agency}; "
                                   "set GEO_ERA_DATABASE_CHECKS for this council")
    if item not in valid:
        listed = ", ".join(f"{code} ({check_label(agency, code)})" for code in valid)
        raise DataError(f"{item!r} is not a database check of {agency}; use one of "
                        f"{listed}")
    return item


def check_outcome(outcome: str, notes: str | None) -> str:
    """Refuse an unknown check outcome, or a concern or not-applicable one without
    ``notes``; answers the outcome."""
    _choice(outcome, OUTCOMES, "outcome")
    if outcome != "clear" and not (notes and notes.strip()):
        raise DataError(f"a {outcome.replace('_', ' ')} outcome needs notes (--notes): "
                        + ("what the concern is" if outcome == "concern"
                           else "why the check does not apply"))
    return outcome


def record_check(engine: Engine, case_id: str | int, *, agency: str, kind: str, item: str,
                 outcome: str, actor: Actor, notes: str | None = None,
                 property_id: str | None = None,
                 checklists: Checklists | None = None) -> dict[str, Any]:
    """Record a database check (3.7, an item of ``agency``'s checklist) or a physical
    check (3.8) of one candidate property and its outcome: ``clear``, ``concern`` (with
    ``notes`` saying what) or ``not_applicable`` (with ``notes`` giving the reason).

    ``property_id`` may be left out only on a case with one candidate; a later record of
    the same check replaces the earlier for approval, both are kept.
    """
    _choice(kind, CHECK_KINDS, "check kind")
    check_outcome(outcome, notes)
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        _agency(case, agency)
        pid = _check_property(case, property_id, actor)
        code = _check_item(case, agency, kind, item.strip(), checklists)
        case.checks.append(Check(agency=agency, kind=kind, item=code, outcome=outcome,
                                 notes=notes, recorded_by=actor.username, property_id=pid))
        session.flush()
        _audit(session, actor, case, "alteration")
        return case_document(case)


def _current_checks(case: Case, property_id: str) -> dict[tuple[str, str, str], Check]:
    """The latest record of each (agency, kind, item) check of one property."""
    latest: dict[tuple[str, str, str], Check] = {}
    for check in case.checks:
        if check.property_id == property_id:
            latest[(check.agency, check.kind, check.item)] = check
    return latest


def conflict_key(finding: Mapping[str, Any]) -> str:
    """How a hard conflict of an assessment is named in a response: ``zone:<zone_id>``,
    ``condition:<number>``, else its kind."""
    if finding.get("zone_id") is not None:
        return f"zone:{finding['zone_id']}"
    if finding.get("condition") is not None:
        return f"condition:{finding['condition']}"
    return str(finding.get("kind", "conflict"))


def _conflicts(prop: CaseProperty) -> dict[str, str]:
    """The hard conflicts of a property's current assessment: key -> message."""
    check = (prop.snapshot or {}).get("check") or {}
    return {conflict_key(f): str(f.get("message", f.get("kind", "")))
            for f in check.get("conflicts") or [] if isinstance(f, dict)}


def _answerable(case: Case, property_id: str) -> tuple[list[str], dict[str, str]]:
    """The concerns (item codes) and hard conflicts (key -> message) of a property that
    need the lead agency's written response."""
    concerns = sorted({c.item for c in _current_checks(case, property_id).values()
                       if c.outcome == "concern"} | set(dwelling_concerns(case, property_id)))
    return concerns, _conflicts(_case_property(case, property_id))


def record_response(engine: Engine, case_id: str | int, *, agency: str, property_id: str,
                    to: str, response: str, actor: Actor) -> dict[str, Any]:
    """The lead agency's written response to a concern (a check's item code) or a hard
    conflict (``zone:<id>``, ``condition:<n>``) of one candidate property (3.11)."""
    if not response.strip():
        raise DataError("write the response (--response)")
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        _require_lead(case, agency, "responds to concerns and conflicts")
        concerns, conflicts = _answerable(case, property_id)
        if to not in concerns and to not in conflicts:
            have = ", ".join([*concerns, *conflicts]) or "none"
            raise WorkflowRefusedError(f"{to!r} is not a concern or conflict of property "
                                       f"{property_id} in case {case.reference}; those to "
                                       f"answer: {have}")
        case.responses.append(CaseResponse(property_id=property_id, target=to,
                                           response=response.strip(), agency=agency,
                                           recorded_by=actor.username))
        session.flush()
        _audit(session, actor, case, "alteration")
        return case_document(case)


def record_agreement(engine: Engine, case_id: str | int, *, agency: str, agrees: bool,
                     actor: Actor, comments: str | None = None) -> dict[str, Any]:
    """An agency records whether it agrees the ERA (3.11)."""
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        row = _agency(case, agency)
        if not agrees and not (comments and comments.strip()):
            raise WorkflowRefusedError(f"{agency} disagrees: record its concerns (--comments) so "
                                  "the case conference can consider them")
        row.agrees, row.comments, row.recorded_by, row.recorded_at = (
            agrees, comments, actor.username, utcnow())
        _audit(session, actor, case, "alteration")
        return case_document(case)


def missing_for_approval(case: Case, property_id: str,
                         checklists: Checklists | None = None) -> list[str]:
    """What stops Part C approval of one property, in words; empty when nothing does:
    its assessment, each missing physical (3.8) and database (3.7) check of that
    property, each dwelling of its minimum set with no outcome or only "nobody home"
    (3.9, :func:`~geo_era.casework.minimum_sets.dwelling_gaps`), each concern (a
    household that fits the victim profile among them) and hard conflict without the
    lead agency's response, and each agency's agreement. Case-wide checks recorded
    before checks were per property count for no property."""
    missing: list[str] = []
    prop = _case_property(case, property_id)
    if prop.snapshot is None:
        missing.append(f"property {property_id} has not been assessed (geo-era case assess)")
    current = _current_checks(case, property_id)
    done_physical = {item for (_, kind, item) in current if kind == "physical"}
    if set(LEGACY_PHYSICAL) <= done_physical:
        done_physical.add("school_nursery")
    physical = [i for i in PHYSICAL_ITEMS if i not in done_physical]
    if physical:
        missing.append(f"physical checks missing for {property_id}: {', '.join(physical)}")
    for row in case.agencies:
        wanted = database_checklist(row.agency, case.authority, checklists)
        gaps = [i for i in wanted if (row.agency, "database", i) not in current]
        if gaps:
            missing.append(f"database checks missing from {row.agency} for {property_id}: "
                           f"{', '.join(gaps)}")
    missing += dwelling_gaps(case, prop)
    answered = {r.target for r in case.responses if r.property_id == property_id}
    concerns, conflicts = _answerable(case, property_id)
    missing += [f"concern {item} on {property_id} has no response from the lead agency "
                f"(geo-era case respond --to {item})" for item in concerns
                if item not in answered]
    missing += [f"conflict {key} on {property_id} ({text}) has no response from the lead "
                f"agency (geo-era case respond --to {key})"
                for key, text in conflicts.items() if key not in answered]
    silent = [a.agency for a in case.agencies if a.agrees is None]
    if silent:
        missing.append(f"no agreement recorded from {', '.join(silent)}")
    return missing


def approve(engine: Engine, case_id: str | int, *, agency: str, property_id: str,
            manageable: bool, conclusion: str, reasons: str, actor: Actor,
            adjustments: str | None = None,
            checklists: Checklists | None = None) -> dict[str, Any]:
    """Part C: the lead agency's approval of one property with its conclusion and
    reasons (3.11), refused while anything :func:`missing_for_approval` names is
    missing; ``adjustments`` are the monitoring and supervision adjustments of a
    "manageable with conditions" decision."""
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        _require_lead(case, agency, f"can approve case {case.reference} (Part C)")
        against = [a.agency for a in case.agencies if a.agrees is False]
        if against:
            raise WorkflowRefusedError(
                f"cannot approve case {case.reference}: {', '.join(against)} "
                f"{'does' if len(against) == 1 else 'do'} not agree; hold a case conference "
                "and record its decision as Part D (geo-era case decide)")
        placement = missing_out_of_area(case)
        if placement:
            raise WorkflowRefusedError(
                f"cannot approve case {case.reference}: it places the subject from "
                f"{case.placing_authority} in {case.receiving_authority} (NASSO 3.13) "
                "and lacks " + "; ".join(placement))
        missing = missing_for_approval(case, property_id, checklists)
        if missing:
            raise WorkflowRefusedError(f"cannot approve case {case.reference}: "
                                  + "; ".join(missing))
        _require_text(conclusion=conclusion, reasons=reasons)
        case.decisions.append(Decision(part="C", property_id=property_id,
                                       manageable=manageable, conclusion=conclusion,
                                       reasons=reasons, recorded_by=actor.username, agency=agency,
                                       adjustments=(adjustments or "").strip() or None))
        case.status = "approved" if manageable else "not_approved"
        case.closed_at = utcnow()
        session.flush()
        _audit(session, actor, case, "alteration")
        return case_document(case)


def decide(engine: Engine, case_id: str | int, *, agency: str, property_id: str,
           manageable: bool, conclusion: str, reasons: str, conference_on: dt.date,
           actor: Actor) -> dict[str, Any]:
    """Part D: the decision of a case conference where agencies disagreed (3.11)."""
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        _require_lead(case, agency, f"records the Part D decision of case {case.reference}")
        if not any(a.agrees is False for a in case.agencies):
            raise WorkflowRefusedError(f"Part D is for cases where agencies disagree; no agency "
                                  f"disagrees in case {case.reference}, so approve it "
                                  "(Part C) once the checks and agreements are complete")
        if conference_on < case.notified_on:
            raise WorkflowRefusedError("the case conference cannot be before the notification")
        _case_property(case, property_id)
        placement = missing_out_of_area(case) if manageable else []
        if placement:  # 3.13: "under no circumstances" without them, Part D included
            raise WorkflowRefusedError(
                f"cannot decide case {case.reference} manageable: it places the subject from "
                f"{case.placing_authority} in {case.receiving_authority} (NASSO 3.13) "
                "and lacks " + "; ".join(placement))
        _require_text(conclusion=conclusion, reasons=reasons)
        case.decisions.append(Decision(part="D", property_id=property_id,
                                       manageable=manageable, conclusion=conclusion,
                                       reasons=reasons, conference_on=conference_on,
                                       recorded_by=actor.username, agency=agency))
        case.status = "decided"
        case.closed_at = utcnow()
        session.flush()
        _audit(session, actor, case, "alteration")
        return case_document(case)


def _out_of_area(case: Case) -> bool:
    return bool(case.placing_authority and case.receiving_authority
                and case.placing_authority != case.receiving_authority)


def record_consent(engine: Engine, case_id: str | int, *, authority: str,
                   actor: Actor) -> dict[str, Any]:
    """The receiving authority's consent to an out-of-area placement (3.13)."""
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        if not _out_of_area(case):
            raise WorkflowRefusedError(f"case {case.reference} is not an out-of-area "
                                       "placement; no consent is needed")
        if authority != case.receiving_authority:
            raise WorkflowRefusedError(f"only the receiving authority "
                                       f"({case.receiving_authority}) can consent; "
                                       f"{authority} is not it")
        case.consent_recorded_by, case.consent_recorded_at = actor.username, utcnow()
        _audit(session, actor, case, "alteration")
        return case_document(case)


def record_restriction(engine: Engine, case_id: str | int, *, property_id: str,
                       restriction: str, actor: Actor) -> dict[str, Any]:
    """A restriction the ERA identifies on future allocations of a neighbouring
    property (3.12): the landlord will be told a sensitive allocation is needed."""
    if not restriction.strip():
        raise DataError("say what the restriction is, e.g. 'no allocation to a household "
                        "with children under 16'")
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        if case.status not in ("open", "approved", "decided"):
            raise WorkflowRefusedError(f"case {case.reference} is {case.status}; "
                                       "restrictions follow a property found manageable")
        case.restrictions.append(Restriction(property_id=property_id,
                                             restriction=restriction.strip(),
                                             recorded_by=actor.username))
        session.flush()
        _audit(session, actor, case, "alteration")
        return case_document(case)


def _require_lead(case: Case, agency: str, does: str) -> None:
    """Refuse unless ``agency`` is the case's lead agency (3.2, 3.11): "only the lead
    agency (...) ``does``; AGENCY is not the lead"."""
    if agency != case.lead_agency:
        raise WorkflowRefusedError(f"only the lead agency ({case.lead_agency}) {does}; "
                                   f"{agency} is not the lead")


def _require_text(**fields: str) -> None:
    empty = [name for name, value in fields.items() if not value or not value.strip()]
    if empty:
        raise WorkflowRefusedError(f"record the {' and the '.join(empty)} (NASSO 3.11 asks the "
                              "lead agency to record its conclusion and reasons)")


def _consult(engine: Engine, case_id: str | int, actor: Actor,
             build: Callable[[Case], dict[str, Any]]) -> dict[str, Any]:
    """Read one case for ``actor``: a justification is needed, and the reading is audited
    as one consultation in the transaction that builds the answer."""
    actor.require_justification("a case")
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        document = build(case)
        _audit(session, actor, case, "consultation")
        return document


def show_case(engine: Engine, case_id: str | int, *, actor: Actor,
              today: dt.date | None = None) -> dict[str, Any]:
    """The whole case; consulting it needs a justification and is audited."""
    return _consult(engine, case_id, actor, lambda case: case_document(case, today=today))


def case_for_document(engine: Engine, case_id: str | int, *, actor: Actor,
                      property_id: str | None = None, today: dt.date | None = None,
                      checklists: Checklists | None = None) -> dict[str, Any]:
    """The whole case for a document made from it (the ERA document, a field sheet):
    :func:`case_document` plus, under ``missing_for_approval``, what still stops Part C
    approval for each candidate property (:func:`missing_for_approval`, against the
    council's ``checklists``, ``GEO_ERA_DATABASE_CHECKS``).

    Like :func:`show_case`, consulting it needs a justification and is audited as one
    consultation. With ``property_id``, that property must be one of the case's
    candidates; otherwise the request is refused and nothing is recorded.
    """
    def build(case: Case) -> dict[str, Any]:
        if property_id is not None:
            _case_property(case, property_id)
        document = case_document(case, today=today)
        document["missing_for_approval"] = {
            p.property_id: missing_for_approval(case, p.property_id, checklists)
            for p in case.properties}
        return document

    return _consult(engine, case_id, actor, build)


def list_cases(engine: Engine, *, actor: Actor, overdue: bool = False,
               due_within: int | None = None, today: dt.date | None = None
               ) -> list[dict[str, Any]]:
    """The cases in hand the actor may see (all, overdue, or due within N calendar
    days), earliest due first: open ones, and those decided manageable whose subject has
    not yet moved in (``awaiting_move_in``: the move in is the case's last step, 3.11).
    The list names subjects: it needs a justification and is audited as one
    consultation of every case listed."""
    actor.require_justification("the case list")
    today = today or clock.today()
    awaiting = and_(Case.status.in_(("approved", "decided")),
                    Case.decisions.any(Decision.manageable.is_(True)),
                    ~Case.moves.any())
    with session_scope(engine) as session:
        query = select(Case).where(or_(Case.status == "open", awaiting)).order_by(
            Case.due_on, Case.id)
        if actor.scope is not None:
            query = query.where(or_(Case.authority == actor.scope,
                                    Case.placing_authority == actor.scope,
                                    Case.receiving_authority == actor.scope))
        if overdue:
            query = query.where(Case.due_on < today)
        if due_within is not None:
            query = query.where(Case.due_on >= today,
                                Case.due_on <= today + dt.timedelta(days=due_within))
        cases = [c for c in session.scalars(query.options(
            selectinload(Case.agencies), selectinload(Case.properties),
            selectinload(Case.decisions), selectinload(Case.moves))).all()
            if takes_part(c, actor)]
        actor.record(session, operation="consultation", record_type="case",
                     record_ids=[c.reference for c in cases])
        return [case_summary(c, today=today) for c in cases]


def case_summary(case: Case, *, today: dt.date | None = None) -> dict[str, Any]:
    today = today or clock.today()
    return {"case_id": case.reference, "subject_id": case.subject_id,
            "case_type": case.case_type, "lead_agency": case.lead_agency,
            "authority": case.authority,
            "status": case.status, "notified": case.notified_on.isoformat(),
            "due": case.due_on.isoformat(), **deadline_record(case),
            "overdue": case.status == "open" and case.due_on < today,
            "awaiting_move_in": case.status in ("approved", "decided") and any(
                d.manageable for d in case.decisions) and not case.moves,
            "properties": [p.property_id for p in case.properties],
            "out_of_area": ({"placing_authority": case.placing_authority,
                             "receiving_authority": case.receiving_authority,
                             "consent_recorded": case.consent_recorded_at is not None}
                            if _out_of_area(case) else None)}


def case_document(case: Case, *, today: dt.date | None = None) -> dict[str, Any]:
    """The whole case as a JSON-ready document (dates ISO 8601)."""
    today = today or clock.today()
    doc = case_summary(case, today=today)
    doc["agencies"] = [
        {"agency": a.agency, "added_because": a.added_because, "due": a.due_on.isoformat(),
         "overdue": case.status == "open" and a.agrees is None and a.due_on < today,
         "agrees": a.agrees, "comments": a.comments, "recorded_by": a.recorded_by,
         "recorded_at": a.recorded_at.isoformat() if a.recorded_at else None}
        for a in case.agencies]
    doc["checks"] = [{"agency": c.agency, "property_id": c.property_id, "kind": c.kind,
                      "item": c.item,
                      "outcome": c.outcome, "notes": c.notes, "recorded_by": c.recorded_by,
                      "recorded_at": c.recorded_at.isoformat()} for c in case.checks]
    doc["assessments"] = [{"property_id": p.property_id,
                           "assessed_at": p.assessed_at.isoformat() if p.assessed_at else None,
                           "snapshot": p.snapshot} for p in case.properties]
    doc["restrictions"] = [{"restriction_id": r.id, "property_id": r.property_id,
                            "restriction": r.restriction,
                            "recorded_by": r.recorded_by,
                            "recorded_at": r.recorded_at.isoformat()}
                           for r in case.restrictions]
    doc["responses"] = [{"property_id": r.property_id, "to": r.target,
                         "response": r.response, "agency": r.agency,
                         "recorded_by": r.recorded_by,
                         "recorded_at": r.recorded_at.isoformat()} for r in case.responses]
    doc["decisions"] = [{"part": d.part, "property_id": d.property_id,
                         "manageable": d.manageable, "conclusion": d.conclusion,
                         "adjustments": d.adjustments,
                         "reasons": d.reasons, "agency": d.agency,
                         "conference_on": d.conference_on.isoformat() if d.conference_on
                         else None, "recorded_by": d.recorded_by,
                         "recorded_at": d.recorded_at.isoformat()} for d in case.decisions]
    doc.update(case_records(case))
    doc.update(sets_document(case))
    return doc
