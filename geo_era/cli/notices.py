"""Commands for landlord notifications (NASSO 5.3): thin adapters over
:mod:`geo_era.services.notices`, run as the local operator."""

from __future__ import annotations

from typing import Annotated

import typer

from geo_era.cli._common import BY, JUSTIFY, _date, app, caller, echo_answer, services
from geo_era.housing.notifications import KINDS
from geo_era.services import notices
from geo_era.services.answers.notices import Notice, NoticeSent

notices_app = typer.Typer(help="Notifications from landlords to the SOLO (NASSO 5.3): "
                               "record, list, link to a subject, open a review (3.4).",
                          no_args_is_help=True)


app.add_typer(notices_app, name="notices")

JSON = typer.Option("--json", help="Print the answer as the API's JSON.")
#: Why a change is made: optional, kept in the audit trail.
NOTE = typer.Option("--justification", help="Why (optional for changes); recorded in the "
                                            "audit trail.")


def _line(notice: NoticeSent) -> str:
    warn = "  MAY NO LONGER BE MANAGEABLE" if notice.may_be_unmanageable else ""
    state = notice.state if isinstance(notice, Notice) else notice.status
    about = (f"  subject {notice.subject_id}" if isinstance(notice, Notice)
             and notice.subject_id else "")
    return (f"{notice.reference}  {notice.occurred_on.isoformat()}  {notice.kind}  "
            f"{notice.property_id} ({notice.landlord}, {notice.landlord_reference})  "
            f"{state}{about}{warn}")


def _print(found: NoticeSent | list[Notice] | list[NoticeSent], as_json: bool) -> None:
    if as_json:
        echo_answer(found if isinstance(found, NoticeSent) else list(found))
        return
    listed = found if isinstance(found, list) else [found]
    for notice in listed:
        typer.echo(_line(notice))
        if not isinstance(found, list):
            typer.echo(f"  {notice.details}")
            if isinstance(notice, Notice) and notice.note:
                typer.echo(f"  note: {notice.note}")
    if isinstance(found, list):
        typer.echo(f"{len(found)} notification(s)")


@notices_app.command("record")
def record_command(
    property_id: str,
    kind: Annotated[str, typer.Option(help=f"One of {', '.join(KINDS)}.")],
    date: Annotated[str, typer.Option(help="When it happened, YYYY-MM-DD (a proposed "
                                           "move or a possession hearing: when it will).")],
    details: Annotated[str, typer.Option(help="What happened, at least 10 characters.")],
    reference: Annotated[str, typer.Option(help="The landlord's own tenancy or "
                                                "application reference.")],
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Tell the SOLO about a tenancy (5.3): a proposed move, a direct application, a
    tenancy issue or dispute, a complaint, possession proceedings, other information."""
    _print(notices.record(services(), caller(by), property_id=property_id, kind=kind,
                          occurred_on=_date(date, "--date"), details=details,
                          landlord_reference=reference), as_json)


@notices_app.command("sent")
def sent_command(landlord: Annotated[str, typer.Option(help="The landlord, as the "
                                                            "properties layer names it.")],
                 by: Annotated[str | None, BY] = None,
                 as_json: Annotated[bool, JSON] = False) -> None:
    """A landlord's notifications and their status, as the landlord is told it."""
    _print(notices.sent(services(), caller(by), landlord=landlord), as_json)


@notices_app.command("list")
def list_command(justification: Annotated[str, JUSTIFY] = "",
                 by: Annotated[str | None, BY] = None,
                 as_json: Annotated[bool, JSON] = False) -> None:
    """Notifications from landlords, new and unlinked first, with the subject each is
    linked to."""
    _print(notices.list_notices(services(), caller(by), justification=justification),
           as_json)


@notices_app.command("show")
def show_command(reference: str, justification: Annotated[str, JUSTIFY] = "",
                 by: Annotated[str | None, BY] = None,
                 as_json: Annotated[bool, JSON] = False) -> None:
    """One notification in full."""
    _print(notices.show(services(), caller(by), reference=reference,
                        justification=justification), as_json)


@notices_app.command("link")
def link_command(reference: str, subject_id: str,
                 note: Annotated[str | None, typer.Option(
                     help="The Responsible Authorities' note (never shown to the "
                          "landlord).")] = None,
                 justification: Annotated[str | None, NOTE] = None,
                 by: Annotated[str | None, BY] = None,
                 as_json: Annotated[bool, JSON] = False) -> None:
    """Link a notification to the subject it concerns."""
    _print(notices.link(services(), caller(by), reference=reference,
                        subject_id=subject_id, note=note, justification=justification),
           as_json)


@notices_app.command("review")
def review_command(reference: str, justification: Annotated[str | None, NOTE] = None,
                   by: Annotated[str | None, BY] = None,
                   as_json: Annotated[bool, JSON] = False) -> None:
    """Open a review (3.4) of the linked subject's current home from a notification:
    an annual-review ERA case, the notification's reference recorded as why."""
    done = notices.open_review(services(), caller(by), reference=reference,
                               justification=justification)
    if as_json:
        echo_answer(done)
        return
    typer.echo(f"{done.reference}: {done.state}")
