"""Commands for homelessness, temporary accommodation, housing-options advice and
transfer requests (Dorset MAPPA procedure s19; NASSO 5.2, 3.13): thin adapters over
:mod:`geo_era.services.homelessness`, run as the local operator."""

from __future__ import annotations

from typing import Annotated

import typer

from geo_era.cli._common import BY, JUSTIFY, _date, app, caller, echo_answer, services
from geo_era.housing.homelessness import CONNECTIONS, DUTIES, OPTIONS, SERVICES
from geo_era.housing.transfers import ASSISTANCE, KINDS, SPECIFIC_RISKS
from geo_era.services import homelessness
from geo_era.services.answers.homelessness import (
    Transfer,
    TransferReceived,
    TransferRecord,
)

homeless_app = typer.Typer(help="Homeless presentations, temporary accommodation and "
                                "housing-options advice (Dorset s19, NASSO 5.2).",
                           no_args_is_help=True)
transfer_app = typer.Typer(help="Transfer requests and their decisions (Dorset s19, "
                                "NASSO 5.2, 3.13).", no_args_is_help=True)
app.add_typer(homeless_app, name="homeless")
app.add_typer(transfer_app, name="transfer")

NOTE = typer.Option("--justification", help="Why (optional for records); recorded in "
                                            "the audit trail.")
COUNCIL = typer.Option("--authority", help="The council the record is for.")
JSON = typer.Option("--json", help="Print the answer as the API's JSON.")


def _codes(codes: dict[str, object]) -> str:
    return ", ".join(codes)


@homeless_app.command("present")
def present_command(
    subject_id: str,
    authority: Annotated[str, COUNCIL],
    presented_on: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
    duty: Annotated[str, typer.Option(help=f"The duty owed: {_codes(DUTIES)}.")],
    reasons: Annotated[str, typer.Option(help="Why (at least 10 characters).")],
    local_connection: Annotated[str, typer.Option(
        help=f"{_codes(CONNECTIONS)}; 'none' is as good as any (Dorset s19), a bail "
             "hostel is none.")] = "none",
    connection_note: Annotated[str | None, typer.Option(
        help="Where the connection is, in words.")] = None,
    intentional_grounds: Annotated[str | None, typer.Option(
        help="For an intentional-homelessness decision: gave_up_accommodation, "
             "tenancy_conduct or other (never imprisonment alone).")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Record a subject's homeless presentation and the duty owed."""
    done = homelessness.present(
        services(), caller(by), subject_id=subject_id, authority=authority,
        presented_on=_date(presented_on, "--date"), duty=duty, reasons=reasons,
        local_connection=local_connection, local_connection_note=connection_note,
        intentional_grounds=intentional_grounds, justification=justification or None)
    if as_json:
        echo_answer(done)
        return
    typer.echo(f"{done.reference}  {done.subject_id} presented to {done.authority} on "
               f"{done.presented_on.isoformat()}: {done.decision}; duty: {done.duty_owed}")
    for rule in done.rules:
        typer.echo(f"  {rule}")


@homeless_app.command("place")
def place_command(
    presentation: str,
    property_id: Annotated[str, typer.Option("--property", help="The accommodation.")],
    starts_on: Annotated[str, typer.Option("--from", help="YYYY-MM-DD, not in the "
                                                          "future.")],
    ends_on: Annotated[str | None, typer.Option("--until", help="The planned end, "
                                                                "YYYY-MM-DD.")] = None,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Place a presentation's subject in temporary accommodation, screened as a void
    is: refused with the reasons when it breaks a condition or lies in a zone."""
    done = homelessness.place(
        services(), caller(by), presentation=presentation, property_id=property_id,
        starts_on=_date(starts_on, "--from"),
        ends_on=None if ends_on is None else _date(ends_on, "--until"),
        justification=justification)
    if as_json:
        echo_answer(done)
        return
    until = f" until {done.ends_on.isoformat()}" if done.ends_on else ""
    typer.echo(f"{done.reference}  {done.subject_id} in temporary accommodation at "
               f"{done.property_id} from {done.starts_on.isoformat()}{until} "
               f"(screening score {done.screening.score})")
    for warning in done.screening.warnings:
        typer.echo(f"  warning: {warning}")


@homeless_app.command("advise")
def advise_command(
    subject_id: str,
    authority: Annotated[str, COUNCIL],
    given_on: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
    options: Annotated[list[str], typer.Option("--option", help=f"{_codes(OPTIONS)} "
                                                                "(repeat).")],
    advice: Annotated[str, typer.Option(help="The advice given (at least 10 "
                                             "characters).")],
    liaised: Annotated[list[str] | None, typer.Option(
        "--service", help=f"A service liaised with: {_codes(SERVICES)} (repeat).")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Record the housing-options advice given to a subject and the services liaised
    with (NASSO 5.2)."""
    done = homelessness.advise(
        services(), caller(by), subject_id=subject_id, authority=authority,
        given_on=_date(given_on, "--date"), options=options, advice=advice,
        services_liaised=liaised or [], justification=justification or None)
    if as_json:
        echo_answer(done)
        return
    typer.echo(f"{done.reference}  advice to {done.subject_id} on "
               f"{done.given_on.isoformat()}: "
               + "; ".join(o.label for o in done.options)
               + (" (liaised with " + ", ".join(s.label for s in done.services) + ")"
                  if done.services else ""))


@homeless_app.command("show")
def show_command(subject_id: str, justification: Annotated[str, JUSTIFY] = "",
                 by: Annotated[str | None, BY] = None) -> None:
    """A subject's presentations, temporary accommodation, advice and transfers, as
    JSON."""
    echo_answer(homelessness.show(services(), caller(by), subject_id=subject_id,
                                  justification=justification))


def _print_transfer(done: Transfer | TransferReceived | TransferRecord) -> None:
    urgent = " urgent" if done.urgent else ""
    typer.echo(f"{done.reference}  {done.kind}{urgent} transfer, {done.authority}: "
               f"{done.decision}")


@transfer_app.command("request")
def request_command(
    kind: Annotated[str, typer.Option(help=f"{_codes(KINDS)}.")],
    requested_on: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
    grounds: Annotated[str, typer.Option(help="The grounds (at least 10 characters).")],
    authority: Annotated[str | None, COUNCIL] = None,
    subject_id: Annotated[str | None, typer.Option("--subject")] = None,
    property_id: Annotated[str | None, typer.Option("--property",
                                                    help="The tenancy's property.")] = None,
    at_risk: Annotated[bool | None, typer.Option(
        "--at-risk/--not-at-risk", help="The tenant is at risk of violence after "
                                        "disclosure (kind tenant).")] = None,
    tenant_agrees: Annotated[bool | None, typer.Option(
        "--tenant-agrees/--tenant-disagrees", help="Kind police.")] = None,
    specific_risk: Annotated[str | None, typer.Option(
        help=f"Kind neighbour: {_codes(SPECIFIC_RISKS)}.")] = None,
    assistance: Annotated[str | None, typer.Option(
        help=f"Kind family: {_codes(ASSISTANCE)}.")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Record a transfer request: the tenant's, the police's, a neighbouring tenant's
    or an offender's family's (Dorset s19)."""
    done = homelessness.request_transfer(
        services(), caller(by), kind=kind, grounds=grounds,
        requested_on=_date(requested_on, "--date"), authority=authority,
        subject_id=subject_id, property_id=property_id, at_risk_after_disclosure=at_risk,
        tenant_agrees=tenant_agrees, specific_risk=specific_risk, assistance=assistance,
        justification=justification or None)
    if as_json:
        echo_answer(done)
        return
    _print_transfer(done)


@transfer_app.command("decide")
def decide_command(
    reference: str,
    decision: Annotated[str, typer.Option(help="granted or refused.")],
    reasons: Annotated[str, typer.Option(help="Why (at least 10 characters).")],
    subject_id: Annotated[str | None, typer.Option(
        "--subject", help="The subject a neighbour's application concerns.")] = None,
    specific_risk: Annotated[str | None, typer.Option(
        help=f"Kind neighbour: {_codes(SPECIFIC_RISKS)}.")] = None,
    tenant_agrees: Annotated[bool | None, typer.Option(
        "--tenant-agrees/--tenant-disagrees")] = None,
    receiving: Annotated[str | None, typer.Option(
        "--to", help="The council a move to another area goes to.")] = None,
    shared: Annotated[str | None, typer.Option(
        help="What is shared with that council: restrictions, the plan.")] = None,
    case_id: Annotated[str | None, typer.Option(
        "--case", help="The out-of-area ERA case (NASSO 3.13).")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Decide a pending transfer request, with the reasons."""
    done = homelessness.decide_transfer(
        services(), caller(by), reference=reference, decision=decision, reasons=reasons,
        subject_id=subject_id, specific_risk=specific_risk, tenant_agrees=tenant_agrees,
        receiving_authority=receiving, shared=shared, case_id=case_id,
        justification=justification or None)
    if as_json:
        echo_answer(done)
        return
    _print_transfer(done)


@transfer_app.command("list")
def list_command(justification: Annotated[str, JUSTIFY] = "",
                 by: Annotated[str | None, BY] = None,
                 as_json: Annotated[bool, JSON] = False) -> None:
    """Every transfer request, oldest first."""
    rows = homelessness.list_transfers(services(), caller(by), justification=justification)
    if as_json:
        echo_answer([*rows])
        return
    for row in rows:
        _print_transfer(row)
    typer.echo(f"{len(rows)} transfer request(s)")
