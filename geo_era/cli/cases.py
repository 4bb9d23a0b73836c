"""Commands for ERA cases (NASSO 3.2-3.13)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from geo_era.cli._common import BY, JUSTIFY, _actor, _cases, _date, _echo_json, _store, app

case_app = typer.Typer(help="ERA cases: deadlines, checks, agreements, Parts C and D.",
                       no_args_is_help=True)


app.add_typer(case_app, name="case")


def _print_case(document: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _echo_json(document)
        return
    typer.echo(f"{document['case_id']}  {document['case_type']}  subject "
               f"{document['subject_id']}  lead {document['lead_agency']}  "
               f"{document['status']}  due {document['due']}"
               f"{'  OVERDUE' if document['overdue'] else ''}")
    for agency in document.get("agencies", []):
        state = {True: "agrees", False: "DISAGREES", None: "no agreement yet"}[agency["agrees"]]
        typer.echo(f"  {agency['agency']:<16} due {agency['due']}  {state}")
    for decision in document.get("decisions", []):
        typer.echo(f"  Part {decision['part']}: {decision['conclusion']}")


@case_app.command("new")
def case_new(
    subject_id: Annotated[str, typer.Argument(help="The subject's pseudonymous id.")],
    property_ids: Annotated[list[str], typer.Argument(help="Candidate property ids.")],
    case_type: Annotated[str, typer.Option(
        "--type", help="initial_new, initial_resident or annual_review.")] = "initial_new",
    notified: Annotated[str, typer.Option(
        help="Notification (or renewal) date, YYYY-MM-DD.")] = "",
    agency: Annotated[list[str] | None, typer.Option(
        help="A further agency taking part (repeatable).")] = None,
    assess: Annotated[bool, typer.Option(
        help="Assess each property now from the reference layers.")] = True,
    authority: Annotated[str | None, typer.Option(
        help="The council the case belongs to (default: the one the first property is "
             "in, from the areas layer).")] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the case as JSON.")] = False,
) -> None:
    """Open an ERA case and print it with each agency's due date."""
    from geo_era.casework.assessment import open_assessed_case

    notified_on = _date(notified, "--notified") if notified else dt.date.today()
    document = open_assessed_case(_store(), _cases(), subject_id=subject_id,
                                  property_ids=property_ids, case_type=case_type,
                                  notified=notified_on, agencies=agency or (),
                                  assess_now=assess, authority=authority, actor=_actor(by))
    _print_case(document, as_json)


@case_app.command("show")
def case_show(case_id: str, justification: Annotated[str, JUSTIFY] = "",
              by: Annotated[str | None, BY] = None,
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show a case: agencies and deadlines, checks, assessments, decisions."""
    from geo_era.casework.cases import show_case

    _print_case(show_case(_cases(), case_id, actor=_actor(by, justification)), as_json)


@case_app.command("assess")
def case_assess(case_id: str, property_id: str, by: Annotated[str | None, BY] = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """(Re)assess a candidate property of an open case from the current reference data."""
    from geo_era.casework.assessment import assess
    from geo_era.casework.cases import assess_property

    store = _store()
    document = assess_property(_cases(), case_id, property_id,
                               lambda subject, pid: assess(store, subject, pid),
                               actor=_actor(by))
    _print_case(document, as_json)


@case_app.command("check")
def case_check(
    case_id: str,
    agency: Annotated[str, typer.Option(help="The agency that checked.")],
    kind: Annotated[str, typer.Option(help="database (3.7) or physical (3.8).")],
    item: Annotated[str, typer.Option(help="System checked, or the site category.")],
    outcome: Annotated[str, typer.Option(help="clear, concern or not_applicable.")],
    notes: Annotated[str | None, typer.Option(help="What was found.")] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a database or physical check."""
    from geo_era.casework.cases import record_check

    _print_case(record_check(_cases(), case_id, agency=agency, kind=kind, item=item,
                             outcome=outcome, notes=notes, actor=_actor(by)),
                as_json)


@case_app.command("agree")
def case_agree(
    case_id: str,
    agency: Annotated[str, typer.Option(help="The agency recording its view.")],
    disagree: Annotated[bool, typer.Option("--disagree", help="The agency does not agree.")
                        ] = False,
    comments: Annotated[str | None, typer.Option(help="Comments or concerns.")] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record an agency's agreement (or disagreement) with the ERA."""
    from geo_era.casework.cases import record_agreement

    _print_case(record_agreement(_cases(), case_id, agency=agency, agrees=not disagree,
                                 comments=comments, actor=_actor(by)), as_json)


@case_app.command("approve")
def case_approve(
    case_id: str,
    property_id: Annotated[str, typer.Option("--property", help="The property decided on.")],
    agency: Annotated[str, typer.Option(help="The lead agency.")],
    conclusion: Annotated[str, typer.Option(help="The lead agency's conclusion.")],
    reasons: Annotated[str, typer.Option(help="The reasons for it.")],
    not_manageable: Annotated[bool, typer.Option(
        "--not-manageable", help="The property is not manageable.")] = False,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Part C: approval by the lead agency."""
    from geo_era.casework.cases import approve

    _print_case(approve(_cases(), case_id, agency=agency, property_id=property_id,
                        manageable=not not_manageable, conclusion=conclusion,
                        reasons=reasons, actor=_actor(by)), as_json)


@case_app.command("decide")
def case_decide(
    case_id: str,
    property_id: Annotated[str, typer.Option("--property", help="The property decided on.")],
    agency: Annotated[str, typer.Option(help="The lead agency.")],
    conference: Annotated[str, typer.Option(help="Date of the case conference.")],
    conclusion: Annotated[str, typer.Option(help="The decision.")],
    reasons: Annotated[str, typer.Option(help="The reasons for it.")],
    not_manageable: Annotated[bool, typer.Option("--not-manageable")] = False,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Part D: the decision of a case conference where agencies disagreed."""
    from geo_era.casework.cases import decide

    _print_case(decide(_cases(), case_id, agency=agency, property_id=property_id,
                       manageable=not not_manageable, conclusion=conclusion, reasons=reasons,
                       conference_on=_date(conference, "--conference"), actor=_actor(by)), as_json)


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
    from geo_era.casework.cases import list_cases

    cases = list_cases(_cases(), overdue=overdue, due_within=due_within,
                       actor=_actor(by, justification))
    if as_json:
        _echo_json(cases)
        return
    if not cases:
        typer.echo("no open cases" + (" overdue" if overdue else ""))
    for document in cases:
        _print_case(document, False)


@case_app.command("consent")
def case_consent(
    case_id: str,
    authority: Annotated[str, typer.Option(help="The receiving authority consenting.")],
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record the receiving authority's consent to an out-of-area placement (3.13)."""
    from geo_era.casework.cases import record_consent

    _print_case(record_consent(_cases(), case_id, authority=authority, actor=_actor(by)), as_json)


@case_app.command("restrict")
def case_restrict(
    case_id: str,
    property_id: Annotated[str, typer.Argument(help="The neighbouring property.")],
    restriction: Annotated[str, typer.Option(help="What future allocations must avoid.")],
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a restriction on future allocations of a neighbouring property (3.12)."""
    from geo_era.casework.cases import record_restriction

    _print_case(record_restriction(_cases(), case_id, property_id=property_id,
                                   restriction=restriction, actor=_actor(by)),
                as_json)
