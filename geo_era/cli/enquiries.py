"""Commands for enquiries and concerns (NASSO 5.4, 5.2): thin adapters over
:mod:`geo_era.services.enquiries`, run as the operator (audited like any caller).
Text raised (the summary, the reply reference, notes) is printed only by ``show`` and
only to the terminal; ``confirm`` prints the words to give the person raising it."""

from __future__ import annotations

from typing import Annotated

import typer

from geo_era.cli._common import BY, JUSTIFY, _date, app, caller, echo_answer, services
from geo_era.services import enquiries
from geo_era.services.answers.enquiries import EnquiryLine, EnquiryRaisedLine

enquiry_app = typer.Typer(help="Enquiries and concerns about people managed under MAPPA "
                               "(NASSO 5.4, 5.2).", no_args_is_help=True)
app.add_typer(enquiry_app, name="enquiry")

AS_JSON = typer.Option("--json", help="Print the answer as the API's JSON document.")


def _line(row: EnquiryLine | EnquiryRaisedLine) -> str:
    where = row.property_id or row.area or ""
    flags = "".join((" [media]" if row.media_incident else "",
                     " [children]" if row.risk_to_children else "",
                     "" if row.confirmed else " [not yet confirmed]"))
    outcome = ""
    if isinstance(row, EnquiryLine):
        outcome = (f"; outcome {row.outcome or 'not yet recorded'}"
                   f"{f', {row.linked} linked' if row.linked else ''}")
    return (f"{row.enquiry_id} {row.received_on.isoformat()} {row.kind} from "
            f"{row.raised_by} by {row.channel} about {where} ({row.council}): passed to "
            f"{', '.join(row.routed_to)}{outcome}{flags}")


@enquiry_app.command("record")
def record_command(
    kind: Annotated[str, typer.Argument(
        help="general_enquiry, housing_enquiry (relating to a sex offender: to the "
             "SOLO) or concern")],
    summary: Annotated[str, typer.Option(help="What was raised (what, not who).")],
    channel: Annotated[str, typer.Option(
        help="phone, email, letter, in_person, online or other")] = "phone",
    raised_by: Annotated[str, typer.Option(
        help="tenant, public, media, elected_member, staff or other")] = "public",
    property_id: Annotated[str | None, typer.Option("--property",
                                                    help="The property id.")] = None,
    area: Annotated[str | None, typer.Option(help="The area, when no property.")] = None,
    council: Annotated[str | None, typer.Option(
        help="The council whose area it is, when no property is named.")] = None,
    contact: Annotated[str | None, typer.Option(
        help="How to reply to the person raising it (a reference, optional).")] = None,
    received: Annotated[str, typer.Option(help="The day received, YYYY-MM-DD; "
                                               "default today.")] = "",
    children: Annotated[bool, typer.Option(
        "--children", help="There may be a risk to children (to social work).")] = False,
    media: Annotated[bool, typer.Option(
        "--media", help="A tenant is involved in an incident reported in the media.")
    ] = False,
    unresolved: Annotated[bool, typer.Option(
        "--unresolved", help="A general enquiry the published policies did not "
                             "resolve (to the Responsible Authorities).")] = False,
    also_to: Annotated[list[str] | None, typer.Option(
        "--also-to", help="Pass it also to: police, social_work, solo, "
                          "responsible_authorities.")] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, AS_JSON] = False,
) -> None:
    """Record an enquiry or concern and pass it on as NASSO 5.4 says."""
    raised = enquiries.raised(
        kind=kind, channel=channel, raised_by=raised_by, summary=summary,
        received_on=_date(received, "--received") if received else None,
        property_id=property_id, area=area, council=council, contact_reference=contact,
        risk_to_children=children, media_incident=media, unresolved=unresolved,
        also_to=tuple(also_to or ()))
    done = enquiries.record_enquiry(services(), caller(by), raised)
    if as_json:
        echo_answer(done)
        return
    typer.echo(f"{done.enquiry_id} recorded; pass it to:")
    for whom in done.refer_to:
        typer.echo(f"  {whom}")


@enquiry_app.command("list")
def list_command(media: Annotated[bool, typer.Option(
                     "--media", help="Media incidents only (5.4).")] = False,
                 open_only: Annotated[bool, typer.Option(
                     "--open", help="Only those with no outcome yet.")] = False,
                 by: Annotated[str | None, BY] = None,
                 as_json: Annotated[bool, AS_JSON] = False) -> None:
    """The enquiries, latest received first (no text raised)."""
    rows = enquiries.list_enquiries(services(), caller(by), media_only=media,
                                    open_only=open_only)
    if as_json:
        echo_answer([*rows])
        return
    for row in rows:
        typer.echo(_line(row))
    typer.echo(f"{len(rows)} enquiry(ies) listed")


@enquiry_app.command("show")
def show_command(enquiry_id: str, justification: Annotated[str, JUSTIFY] = "",
                 by: Annotated[str | None, BY] = None) -> None:
    """One enquiry in full, with its outcome and the subjects it concerns (needs the
    justification); printed as JSON."""
    echo_answer(enquiries.show_enquiry(services(), caller(by), enquiry_id=enquiry_id,
                                       justification=justification))


@enquiry_app.command("confirm")
def confirm_command(enquiry_id: str,
                    given: Annotated[str, typer.Option(
                        help="The day it was given, YYYY-MM-DD; default today.")] = "",
                    by: Annotated[str | None, BY] = None,
                    as_json: Annotated[bool, AS_JSON] = False) -> None:
    """Record that the person raising it was told it has been passed on, and print the
    words to tell them (never who anyone is or where they live)."""
    done = enquiries.confirm(services(), caller(by), enquiry_id=enquiry_id,
                             given_on=_date(given, "--given") if given else None)
    if as_json:
        echo_answer(done)
        return
    typer.echo(done.confirmation)


@enquiry_app.command("link")
def link_command(enquiry_id: str, subject_id: str,
                 justification: Annotated[str, JUSTIFY] = "",
                 note: Annotated[str | None, typer.Option(help="Why, optional.")] = None,
                 by: Annotated[str | None, BY] = None) -> None:
    """Record which subject an enquiry concerns (the Responsible Authorities' only)."""
    done = enquiries.link_subject(services(), caller(by), enquiry_id=enquiry_id,
                                  subject_id=subject_id, note=note,
                                  justification=justification)
    typer.echo(f"{done.enquiry_id} linked to {len(done.links)} subject(s)")


@enquiry_app.command("outcome")
def outcome_command(enquiry_id: str,
                    outcome: Annotated[str, typer.Argument(
                        help="no_further_action, advice_given, investigated, "
                             "action_taken or referred_on")],
                    notes: Annotated[str | None, typer.Option(help="Notes, optional.")] = None,
                    decided: Annotated[str, typer.Option(
                        help="The day of the outcome, YYYY-MM-DD; default today.")] = "",
                    justification: Annotated[str, JUSTIFY] = "",
                    by: Annotated[str | None, BY] = None) -> None:
    """Record the Responsible Authorities' outcome of an enquiry."""
    done = enquiries.record_outcome(
        services(), caller(by), enquiry_id=enquiry_id, outcome=outcome, notes=notes,
        decided_on=_date(decided, "--decided") if decided else None,
        justification=justification)
    typer.echo(f"{done.enquiry_id}: outcome {done.outcome} recorded")
