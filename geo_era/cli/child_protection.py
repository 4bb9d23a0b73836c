"""Commands for child protection links (the Dorset MAPPA procedure §4, §13, §17): thin
adapters over :mod:`geo_era.services.child_protection`, run as the local operator."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from geo_era.cli._common import BY, JUSTIFY, app, caller, echo_answer, services
from geo_era.services import child_protection as cp
from geo_era.services.answers.child_protection import (
    ChildProtectionAck,
    EducationNotice,
    InitialChecks,
    Referral,
)

cp_app = typer.Typer(help="Child protection links (Dorset MAPPA procedure §4, §13, §17): "
                          "referrals and their outcomes, Children & Families' initial "
                          "checks, notices to Education.", no_args_is_help=True)
app.add_typer(cp_app, name="child-protection")

AGENCY = typer.Option("--agency", help="The agency that records this, e.g. "
                                       "police_scotland, cjsw, solo, childrens_services.")
COUNCIL = typer.Option("--authority", help="The council it belongs to (a case's when "
                                           "--case is given).")
CASE = typer.Option("--case", help="The case it is recorded on (ERA-000042).")
SUBJECT = typer.Option("--subject", help="The subject it concerns (or give --case).")
DATE = typer.Option(formats=["%Y-%m-%d"], help="A date, YYYY-MM-DD.")
OPTIONAL_JUSTIFY = typer.Option(
    "--justification", help="Why (DPA 2018 s62); with it the record is printed whole, "
                            "without it its reference only.")


def _show(answer: Referral | InitialChecks | EducationNotice | ChildProtectionAck,
          as_json: bool) -> None:
    if as_json:
        echo_answer(answer)
    elif isinstance(answer, ChildProtectionAck):
        typer.echo(f"{answer.reference}: {answer.kind} recorded")
    else:
        typer.echo(_line(answer))


def _line(record: Referral | InitialChecks | EducationNotice) -> str:
    head = f"{record.reference} [{record.kind}] {record.subject_id} ({record.authority})"
    if isinstance(record, Referral):
        done = (f"; outcome {record.outcome_label} on {record.outcome_on}"
                + ("" if record.om_attended is None else
                   f", Offender Manager {'attended' if record.om_attended else 'absent'}")
                if record.outcome else "; outcome awaited")
        return f"{head}: referred to {record.to_whom} on {record.referred_on}{done}"
    if isinstance(record, InitialChecks):
        concerns = "concerns" if record.concerns else "no concerns"
        return (f"{head}: notified {record.notified_on}, checked {record.checked_on}, "
                f"database {'checked' if record.database_checked else 'not checked'}, "
                f"{concerns}: {record.findings}")
    return (f"{head}: {record.contact} told on {record.notified_on} of "
            f"{record.ground_label} ({record.school})")


@cp_app.command("refer")
def refer_command(
    reason: Annotated[str, typer.Option(help="Why: the risk to an identified child.")],
    referred_on: Annotated[dt.datetime, typer.Option("--on", formats=["%Y-%m-%d"],
                                                     help="The date of the referral.")],
    subject: Annotated[str | None, SUBJECT] = None,
    case: Annotated[str | None, CASE] = None,
    authority: Annotated[str | None, COUNCIL] = None,
    to_whom: Annotated[str | None, typer.Option(
        "--to", help="The team referred to (default: Children & Families).")] = None,
    agency: Annotated[str | None, AGENCY] = None,
    justification: Annotated[str | None, OPTIONAL_JUSTIFY] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a referral to child protection on a subject or a case (§4)."""
    _show(cp.add_referral(services(), caller(by), subject_id=subject, case_id=case,
                          authority=authority, referred_on=referred_on.date(),
                          to_whom=to_whom, reason=reason, agency=agency,
                          justification=justification), as_json)


@cp_app.command("outcome")
def outcome_command(
    reference: str,
    outcome: Annotated[str, typer.Option(help="ird, investigation, planning_meeting or "
                                              "no_further_action.")],
    outcome_on: Annotated[dt.datetime, typer.Option("--on", formats=["%Y-%m-%d"],
                                                    help="The date of the outcome.")],
    om_attended: Annotated[bool | None, typer.Option(
        "--om-attended/--om-absent",
        help="Whether the Offender Manager attended.")] = None,
    justification: Annotated[str | None, OPTIONAL_JUSTIFY] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record what came of a referral (§4): an inter-agency referral discussion, a child
    protection investigation, a planning meeting (case conference) or no further
    action."""
    _show(cp.record_outcome(services(), caller(by), reference=reference, outcome=outcome,
                            outcome_on=outcome_on.date(), om_attended=om_attended,
                            justification=justification), as_json)


@cp_app.command("checks")
def checks_command(
    subject: str,
    notified_on: Annotated[dt.datetime, typer.Option(
        "--notified", formats=["%Y-%m-%d"], help="When Children & Families were told.")],
    checked_on: Annotated[dt.datetime, typer.Option(
        "--checked", formats=["%Y-%m-%d"], help="When the checks were made.")],
    findings: Annotated[str, typer.Option(help="What the checks found.")],
    database_checked: Annotated[bool, typer.Option(
        "--database/--no-database", help="Whether their database was checked.")] = True,
    concerns: Annotated[bool, typer.Option(
        "--concerns/--no-concerns", help="Whether concerns were identified.")] = False,
    authority: Annotated[str | None, COUNCIL] = None,
    agency: Annotated[str | None, AGENCY] = "childrens_services",
    justification: Annotated[str | None, OPTIONAL_JUSTIFY] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record Children & Families' initial checks on a registered subject (§13)."""
    _show(cp.add_initial_checks(
        services(), caller(by), subject_id=subject, authority=authority,
        notified_on=notified_on.date(), checked_on=checked_on.date(),
        database_checked=database_checked, findings=findings, concerns=concerns,
        agency=agency, justification=justification), as_json)


@cp_app.command("notify-education")
def notify_command(
    ground: Annotated[str, typer.Option(help="lives_near_school, loitering_near_school, "
                                             "connection_with_school or pupil_or_student.")],
    school: Annotated[str, typer.Option(help="The school concerned.")],
    contact: Annotated[str, typer.Option(help="The nominated Education contact told.")],
    notified_on: Annotated[dt.datetime, typer.Option("--on", formats=["%Y-%m-%d"],
                                                     help="When they were told.")],
    said: Annotated[str, typer.Option(help="What they were told.")],
    subject: Annotated[str | None, SUBJECT] = None,
    case: Annotated[str | None, CASE] = None,
    authority: Annotated[str | None, COUNCIL] = None,
    agency: Annotated[str | None, AGENCY] = None,
    justification: Annotated[str | None, OPTIONAL_JUSTIFY] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record the notice to the council's nominated Education contact that a subject
    lives or loiters near a school (§17)."""
    _show(cp.add_education_notice(
        services(), caller(by), subject_id=subject, case_id=case, authority=authority,
        ground=ground, school=school, contact=contact, notified_on=notified_on.date(),
        said=said, agency=agency, justification=justification), as_json)


@cp_app.command("list")
def list_command(
    justification: Annotated[str, JUSTIFY] = "",
    notices: Annotated[bool, typer.Option(
        "--notices", help="List the notices to Education instead of the referrals and "
                          "initial checks.")] = False,
    subject: Annotated[str | None, SUBJECT] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Referrals and Children & Families' initial checks (or, with --notices, the
    notices to Education), newest first."""
    found: list[Referral | InitialChecks] | list[EducationNotice] = (
        cp.list_notices(services(), caller(by), justification=justification,
                        subject_id=subject) if notices else
        cp.list_referrals(services(), caller(by), justification=justification,
                          subject_id=subject))
    if as_json:
        echo_answer([*found])
        return
    for record in found:
        typer.echo(_line(record))
    typer.echo(f"{len(found)} record(s) listed")
