"""Commands for ERA cases (NASSO 3.2-3.13): thin adapters over
:mod:`geo_era.services.casework`."""

from __future__ import annotations

from typing import Annotated

import typer

from geo_era import clock
from geo_era.cli._common import BY, JUSTIFY, _date, app, caller, echo_answer, services
from geo_era.services import casework, dwellings, moves
from geo_era.services.answers.casework import CaseAck, CaseRecord, CaseSummary

case_app = typer.Typer(help="ERA cases: deadlines, checks, agreements, Parts C and D.",
                       no_args_is_help=True)


app.add_typer(case_app, name="case")

#: Why a change is made: optional, kept in the audit trail.
NOTE = typer.Option("--justification", help="Why (optional for changes); recorded in the "
                                            "audit trail.")


def _print_case(document: CaseSummary | CaseAck, as_json: bool) -> None:
    if as_json:
        echo_answer(document)
        return
    if isinstance(document, CaseAck):
        typer.echo(f"{document.case_id}  {document.recorded} recorded  {document.status}  "
                   f"due {document.due.isoformat()}  (give --justification to print the "
                   "case)")
        return
    extended = (f" (extended {len(document.extensions)}x from "
                f"{document.original_due.isoformat()})" if document.extensions else "")
    typer.echo(f"{document.case_id}  {document.case_type}  subject "
               f"{document.subject_id}  lead {document.lead_agency}  "
               f"{document.status}  due {document.due.isoformat()}{extended}"
               f"{'  OVERDUE' if document.overdue else ''}")
    if not isinstance(document, CaseRecord):
        return
    for extension in document.extensions:
        typer.echo(f"  extended {extension.previous_due.isoformat()} -> "
                   f"{extension.new_due.isoformat()} by {extension.granted_as}: "
                   f"{extension.reason}")
    for agency in document.agencies:
        state = {True: "agrees", False: "DISAGREES", None: "no agreement yet"}[agency.agrees]
        moved = document.agency_deadlines.get(agency.agency)
        was = f" (originally {moved.original_due.isoformat()})" if moved else ""
        why = f"  ({agency.added_because})" if agency.added_because else ""
        typer.echo(f"  {agency.agency:<20} due {agency.due.isoformat()}{was}  {state}{why}")
    _print_placement(document)
    if document.era_held is not None:
        typer.echo(f"  full ERA held in {document.era_held.system}, "
                   f"{document.era_held.reference}")
    for move in document.moves_in:
        typer.echo(f"  moved in to {move.property_id} on {move.moved_in_on.isoformat()} "
                   f"(after Part {move.part})")


def _print_placement(document: CaseRecord) -> None:
    """The out-of-area placement's record (3.13), if the case is one."""
    record = document.out_of_area_record
    if record is None:
        return
    typer.echo(f"  out of area: {record.placing_authority} -> {record.receiving_authority}; "
               f"consent {'recorded' if record.consent else 'MISSING'}; reason "
               f"{record.reason.ground if record.reason else 'MISSING'}; risk plan "
               f"{'recorded' if record.plan else 'MISSING'}; "
               f"{len(record.discussions)} discussion(s) recorded")
    for decision in document.decisions:
        typer.echo(f"  Part {decision.part}: {decision.conclusion}")


@case_app.command("new")
def case_new(
    subject_id: Annotated[str, typer.Argument(help="The subject's pseudonymous id.")],
    property_ids: Annotated[list[str], typer.Argument(help="Candidate property ids.")],
    case_type: Annotated[str, typer.Option(
        "--type", help="initial_new, initial_resident or annual_review.")] = "initial_new",
    notified: Annotated[str, typer.Option(
        help="Notification (or renewal) date, YYYY-MM-DD; in the future "
             "only for an annual review opened ahead of its renewal.")] = "",
    agency: Annotated[list[str] | None, typer.Option(
        help="A further agency taking part (repeatable).")] = None,
    assess: Annotated[bool, typer.Option(
        help="Assess each property now from the reference layers.")] = True,
    authority: Annotated[str | None, typer.Option(
        help="The council the case belongs to (default: the one the first property is "
             "in, from the areas layer).")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the case as JSON.")] = False,
) -> None:
    """Open an ERA case and print it with each agency's due date."""
    notified_on = _date(notified, "--notified") if notified else clock.today()
    document = casework.open_case(services(), caller(by), subject_id=subject_id,
                                  property_ids=property_ids, case_type=case_type,
                                  notified=notified_on, agencies=agency or (),
                                  assess=assess, authority=authority,
                                  justification=justification)
    _print_case(document, as_json)


@case_app.command("show")
def case_show(case_id: str, justification: Annotated[str, JUSTIFY] = "",
              by: Annotated[str | None, BY] = None,
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show a case: agencies and deadlines, checks, assessments, decisions."""
    _print_case(casework.show_case(services(), caller(by), case_id=case_id,
                                   justification=justification), as_json)


@case_app.command("assess")
def case_assess(case_id: str, property_id: str,
                justification: Annotated[str, NOTE] = "",
                by: Annotated[str | None, BY] = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """(Re)assess a candidate property of an open case from the current reference data."""
    _print_case(casework.assess_case(services(), caller(by), case_id=case_id,
                                     property_id=property_id, justification=justification),
                as_json)


@case_app.command("check")
def case_check(
    case_id: str,
    agency: Annotated[str, typer.Option(help="The agency that checked.")],
    kind: Annotated[str, typer.Option(help="database (3.7) or physical (3.8).")],
    item: Annotated[str, typer.Option(
        help="The agency's 3.7 checklist item (e.g. visor, council_tax), or the site "
             "category (physical).")],
    outcome: Annotated[str, typer.Option(help="clear, concern or not_applicable.")],
    property_id: Annotated[str | None, typer.Option(
        "--property", help="The candidate property checked (needed when the case has "
                           "several).")] = None,
    notes: Annotated[str | None, typer.Option(
        help="What was found: required for a concern, the reason for not_applicable.")
    ] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a database (3.7) or physical (3.8) check of one candidate property."""
    _print_case(casework.record_check(services(), caller(by), case_id=case_id, agency=agency,
                                      kind=kind, item=item, outcome=outcome, notes=notes,
                                      property_id=property_id,
                                      justification=justification), as_json)


@case_app.command("respond")
def case_respond(
    case_id: str,
    property_id: Annotated[str, typer.Option("--property", help="The candidate property.")],
    to: Annotated[str, typer.Option(
        "--to", help="The concern's check item (e.g. visor) or the conflict (zone:<id>, "
                     "condition:<n>) answered.")],
    response: Annotated[str, typer.Option(help="The lead agency's written response.")],
    agency: Annotated[str | None, typer.Option(help="The lead agency.")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The lead agency's written response to a concern or a hard conflict (3.11)."""
    _print_case(casework.record_response(services(), caller(by), case_id=case_id,
                                         agency=agency, property_id=property_id, to=to,
                                         response=response, justification=justification),
                as_json)


@case_app.command("agree")
def case_agree(
    case_id: str,
    agency: Annotated[str, typer.Option(help="The agency recording its view.")],
    disagree: Annotated[bool, typer.Option("--disagree", help="The agency does not agree.")
                        ] = False,
    comments: Annotated[str | None, typer.Option(help="Comments or concerns.")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record an agency's agreement (or disagreement) with the ERA."""
    _print_case(casework.record_agreement(services(), caller(by), case_id=case_id,
                                          agency=agency, agrees=not disagree,
                                          comments=comments, justification=justification),
                as_json)


@case_app.command("approve")
def case_approve(
    case_id: str,
    property_id: Annotated[str, typer.Option("--property", help="The property decided on.")],
    agency: Annotated[str, typer.Option(help="The lead agency.")],
    conclusion: Annotated[str, typer.Option(help="The lead agency's conclusion.")],
    reasons: Annotated[str, typer.Option(help="The reasons for it.")],
    not_manageable: Annotated[bool, typer.Option(
        "--not-manageable", help="The property is not manageable.")] = False,
    adjustments: Annotated[str | None, typer.Option(
        help="Manageable with conditions: the monitoring and supervision adjustments "
             "(3.11).")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Part C: approval by the lead agency of one property; refused, naming each, while
    a check of it is missing or a concern or conflict of it is unanswered."""
    _print_case(casework.approve(services(), caller(by), case_id=case_id, agency=agency,
                                 property_id=property_id, manageable=not not_manageable,
                                 conclusion=conclusion, reasons=reasons,
                                 adjustments=adjustments,
                                 justification=justification), as_json)


@case_app.command("decide")
def case_decide(
    case_id: str,
    property_id: Annotated[str, typer.Option("--property", help="The property decided on.")],
    agency: Annotated[str, typer.Option(help="The lead agency.")],
    conference: Annotated[str, typer.Option(help="Date of the case conference.")],
    conclusion: Annotated[str, typer.Option(help="The decision.")],
    reasons: Annotated[str, typer.Option(help="The reasons for it.")],
    not_manageable: Annotated[bool, typer.Option("--not-manageable")] = False,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Part D: the decision of a case conference where agencies disagreed."""
    _print_case(casework.decide(services(), caller(by), case_id=case_id, agency=agency,
                                property_id=property_id, manageable=not not_manageable,
                                conclusion=conclusion, reasons=reasons,
                                conference_on=_date(conference, "--conference"),
                                justification=justification), as_json)


@case_app.command("list")
def case_list(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue cases.")] = False,
    due_within: Annotated[int | None, typer.Option(
        help="Only cases due within this many days.", min=0)] = None,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Open cases, earliest due first."""
    cases = casework.list_cases(services(), caller(by), overdue=overdue,
                                due_within=due_within, justification=justification)
    if as_json:
        echo_answer(list(cases))
        return
    if not cases:
        typer.echo("no open cases" + (" overdue" if overdue else ""))
    for document in cases:
        _print_case(document, False)


@case_app.command("consent")
def case_consent(
    case_id: str,
    authority: Annotated[str, typer.Option(help="The receiving authority consenting.")],
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record the receiving authority's consent to an out-of-area placement (3.13)."""
    _print_case(casework.record_consent(services(), caller(by), case_id=case_id,
                                        authority=authority, justification=justification),
                as_json)


@case_app.command("restrict")
def case_restrict(
    case_id: str,
    property_id: Annotated[str, typer.Argument(help="The neighbouring property.")],
    restriction: Annotated[str, typer.Option(help="What future allocations must avoid.")],
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a restriction on future allocations of a neighbouring property (3.12)."""
    _print_case(casework.record_restriction(services(), caller(by), case_id=case_id,
                                            property_id=property_id,
                                            restriction=restriction,
                                            justification=justification), as_json)


AUTHORITY = typer.Option(help="The council recording (the local operator names it; council "
                              "staff record for their own).")


@case_app.command("extend")
def case_extend(
    case_id: str,
    reason: Annotated[str, typer.Option(help="Why the case needs more time (3.5: complex "
                                             "cases).")],
    to: Annotated[str | None, typer.Option(help="The new deadline, YYYY-MM-DD (a working "
                                                "day).")] = None,
    working_days: Annotated[int | None, typer.Option(
        help="Clear working days added to the current deadline instead.", min=1, max=60)
    ] = None,
    agency: Annotated[str | None, typer.Option(
        help="Extend this agency's deadline (default: the case's).")] = None,
    granted_as: Annotated[str | None, typer.Option(
        "--as", help="Who grants it: the lead agency (police_scotland, cjsw) or "
                     "mappa_coordinator.")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Extend a complex case's deadline, or one agency's, with the reason (NASSO 3.5):
    granted by the lead agency or the MAPPA coordinator; the original deadline and each
    extension stay on the case."""
    _print_case(casework.extend_deadline(
        services(), caller(by), case_id=case_id, reason=reason, agency=agency,
        to=_date(to, "--to") if to else None, working_days=working_days,
        granted_as=granted_as, justification=justification), as_json)


@case_app.command("out-of-area")
def case_out_of_area(
    case_id: str,
    reason: Annotated[str, typer.Option(
        help="3.13's ground: no_manageable_housing, risk_in_placing_area or other.")],
    details: Annotated[str | None, typer.Option(
        help="The circumstances (required for 'other').")] = None,
    authority: Annotated[str | None, AUTHORITY] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The placing council's reason for placing the subject out of area (NASSO 3.13)."""
    _print_case(casework.record_out_of_area_reason(
        services(), caller(by), case_id=case_id, ground=reason, details=details,
        authority=authority, justification=justification), as_json)


@case_app.command("plan")
def case_plan(
    case_id: str,
    plan: Annotated[str, typer.Option(help="The plan to manage the placement's risk.")],
    authority: Annotated[str | None, AUTHORITY] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The placing council's risk management plan for an out-of-area placement (3.13);
    a later plan replaces it, the earlier is kept."""
    _print_case(casework.record_plan(services(), caller(by), case_id=case_id, plan=plan,
                                     authority=authority, justification=justification),
                as_json)


@case_app.command("discussion")
def case_discussion(
    case_id: str,
    held: Annotated[str, typer.Option(help="When the councils discussed it, YYYY-MM-DD.")],
    participants: Annotated[str, typer.Option(help="Who took part.")],
    agreed: Annotated[str, typer.Option(help="What was agreed.")],
    authority: Annotated[str | None, AUTHORITY] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A discussion between the placing and receiving councils and what they agreed
    (NASSO 3.13); either council records it."""
    _print_case(casework.record_discussion(
        services(), caller(by), case_id=case_id, held_on=_date(held, "--held"),
        participants=participants, agreed=agreed, authority=authority,
        justification=justification), as_json)


@case_app.command("held")
def case_held(
    case_id: str,
    system: Annotated[str, typer.Option(help="Where the full ERA is held, e.g. 'council "
                                             "EDRMS'.")],
    reference: Annotated[str, typer.Option(help="Its reference in that system.")],
    agency: Annotated[str | None, typer.Option(help="The agency recording it.")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record where the full ERA is held (NASSO 3.3, 3.11: ViSOR keeps Parts C and D
    only, and notes where the full ERA is)."""
    _print_case(casework.record_era_held(services(), caller(by), case_id=case_id,
                                         system=system, reference=reference, agency=agency,
                                         justification=justification), as_json)


@case_app.command("move-in")
def case_move_in(
    case_id: str,
    property_id: Annotated[str, typer.Option(
        "--property", help="The property the subject moved in to (decided manageable).")],
    moved_in_on: Annotated[str, typer.Option(
        "--date", help="The day the subject moved in, YYYY-MM-DD: not before the "
                       "decision, not in the future.")],
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record that the subject moved in after a manageable Part C or Part D decision:
    the placements and the subject's address follow it (NASSO 3.11, 3.13)."""
    moved = moves.record_move_in(services(), caller(by), case_id=case_id,
                                 property_id=property_id,
                                 moved_in_on=_date(moved_in_on, "--date"),
                                 justification=justification)
    if isinstance(moved, CaseAck):
        _print_case(moved, as_json)
        return
    if as_json:
        echo_answer(moved)
        return
    away = ("" if moved.out_of_area is None else
            f"  out of area from {moved.out_of_area.placing_authority}, consent "
            f"{'recorded' if moved.out_of_area.consent_recorded else 'NOT recorded'}")
    typer.echo(f"{moved.case_id}  {moved.subject_id} moved in to {moved.property_id} on "
               f"{moved.moved_in_on.isoformat()} (Part {moved.part}){away}")


#: The candidate property a minimum-set step is about.
CANDIDATE = typer.Option("--property", help="The candidate property whose set it is "
                                            "(needed when the case has several).")


@case_app.command("dwelling")
def case_dwelling(
    case_id: str,
    dwelling_id: Annotated[str, typer.Argument(help="The dwelling of the minimum set.")],
    outcome: Annotated[str, typer.Option(
        help="fits_profile (the household fits the victim profile), does_not_fit, or "
             "nobody_home (revisit).")],
    seen: Annotated[str, typer.Option(help="The day of the visit, YYYY-MM-DD.")] = "",
    property_id: Annotated[str | None, CANDIDATE] = None,
    occupant: Annotated[str | None, typer.Option(
        help="Shared accommodation: which occupant (1..n, or a label when their number "
             "is not known).")] = None,
    notes: Annotated[str | None, typer.Option(
        help="What was seen: required for fits_profile.")] = None,
    children: Annotated[bool | None, typer.Option(
        "--children/--no-children", help="The visit established children in the "
                                         "household, or none.")] = None,
    adult_at_risk: Annotated[bool | None, typer.Option(
        "--adult-at-risk/--no-adult-at-risk", help="The visit established an adult at "
                                                   "risk in the household, or none.")] = None,
    agency: Annotated[str | None, typer.Option(help="The agency that visited.")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record what a visit found at a dwelling of a candidate's minimum set (NASSO 3.8,
    3.9); a household that fits the victim profile needs the lead agency's response."""
    _print_case(dwellings.record_dwelling(
        services(), caller(by), case_id=case_id, property_id=property_id,
        dwelling_id=dwelling_id, outcome=outcome,
        seen_on=_date(seen, "--seen") if seen else clock.today(), occupant=occupant,
        notes=notes, children=children, adult_at_risk=adult_at_risk, agency=agency,
        justification=justification), as_json)


@case_app.command("extend-set")
def case_extend_set(
    case_id: str,
    reason: Annotated[str, typer.Option(
        help="Why: the risk the subject poses, what the physical checks found.")],
    metres: Annotated[float | None, typer.Option(
        help="Extend by this many metres (straight line).", min=0.0)] = None,
    rings: Annotated[int | None, typer.Option(
        help="Extend by this many rings of neighbours.", min=1)] = None,
    property_id: Annotated[str | None, CANDIDATE] = None,
    agency: Annotated[str | None, typer.Option(help="The agency extending it.")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Extend a candidate's minimum set by risk, with the reason (NASSO 3.9), and
    re-assess the candidate with it."""
    _print_case(dwellings.extend_set(services(), caller(by), case_id=case_id,
                                     property_id=property_id, metres=metres, rings=rings,
                                     reason=reason, agency=agency,
                                     justification=justification), as_json)


@case_app.command("member")
def case_member(
    case_id: str,
    dwelling_id: Annotated[str, typer.Argument(help="The dwelling added or removed.")],
    reason: Annotated[str, typer.Option(help="Why it is added or removed.")],
    remove: Annotated[bool, typer.Option(
        "--remove/--add", help="Remove the dwelling from the set (default: add it).")
    ] = False,
    property_id: Annotated[str | None, CANDIDATE] = None,
    agency: Annotated[str | None, typer.Option(help="The agency changing the set.")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a dwelling to a candidate's minimum set by hand, or remove one, with the
    reason (NASSO 3.9)."""
    _print_case(dwellings.change_member(services(), caller(by), case_id=case_id,
                                        property_id=property_id, dwelling_id=dwelling_id,
                                        add=not remove, reason=reason, agency=agency,
                                        justification=justification), as_json)
