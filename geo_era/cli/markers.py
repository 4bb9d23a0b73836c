"""Commands for staff-safety markers (NASSO 69-70, 5.3): thin adapters over
:mod:`geo_era.services.markers`, run as the local operator."""

from __future__ import annotations

from typing import Annotated

import typer

from geo_era.cli._common import BY, JUSTIFY, _date, app, caller, echo_answer, services
from geo_era.services import markers
from geo_era.services.answers.markers import Marker, SharedMarker

marker_app = typer.Typer(help="Staff-safety markers on properties and tenancies (NASSO "
                              "69-70): visit in pairs, office only, access through the "
                              "SOLO.", no_args_is_help=True)
app.add_typer(marker_app, name="marker")

JSON = typer.Option("--json", help="Print the JSON document the API would send.")
DATE = "YYYY-MM-DD"
NOTE = typer.Option("--justification", help="Why (optional for records); recorded in "
                                            "the audit trail as the API records it.")


def _line(marker: Marker | SharedMarker) -> str:
    codes = ", ".join(i.code for i in marker.instructions) or "practical text only"
    return (f"{marker.marker_id} {marker.property_id} [{marker.status}] {codes}; review "
            f"{marker.review_on.isoformat()}, expires {marker.expires_on.isoformat()}")


@marker_app.command("add")
def marker_add(
    property_id: str,
    review: Annotated[str, typer.Option("--review", metavar=DATE,
                                        help="The review date.")],
    expires: Annotated[str, typer.Option("--expires", metavar=DATE,
                                         help="The expiry date: from this day the "
                                              "marker is shown to nobody outside the "
                                              "Responsible Authorities.")],
    owner: Annotated[str, typer.Option(help="The RA officer responsible (a username).")],
    instruction: Annotated[list[str] | None, typer.Option(
        "--instruction", help="visit_in_pairs, office_only or access_through_solo "
                              "(repeat for more).")] = None,
    text: Annotated[str | None, typer.Option(
        help="A practical instruction; shown outside the Responsible Authorities once "
             "another RA officer has reviewed it.")] = None,
    firm: Annotated[list[str] | None, typer.Option(
        "--firm", help="A contractor firm it is shared with (repeat for more).")] = None,
    tenancy: Annotated[str | None, typer.Option(help="The landlord's tenancy "
                                                     "reference.")] = None,
    subject: Annotated[str | None, typer.Option(help="The subject it concerns "
                                                     "(Responsible Authorities only).")
                       ] = None,
    reason: Annotated[str | None, typer.Option(help="The Responsible Authorities' "
                                                    "reason (theirs only).")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Record a staff-safety marker on a property (and a tenancy)."""
    done = markers.add_marker(
        services(), caller(by), property_id=property_id, instructions=instruction or [],
        practical_text=text, review_on=_date(review, "--review"),
        expires_on=_date(expires, "--expires"), owner=owner, firms=firm or [],
        tenancy_reference=tenancy, subject_id=subject, reason=reason,
        justification=justification or None)
    if as_json:
        echo_answer(done)
        return
    typer.echo(f"recorded {_line(done)}")
    if done.practical_text:
        typer.echo("the practical text waits for another RA officer's review "
                   f"(geo-era marker review {done.marker_id} --approve-text)")


@marker_app.command("review")
def marker_review(
    marker_id: str,
    approve_text: Annotated[bool, typer.Option(
        "--approve-text", help="Approve the practical text for housing staff and "
                               "contractors.")] = False,
    review: Annotated[str | None, typer.Option("--review", metavar=DATE,
                                               help="The next review date.")] = None,
    expires: Annotated[str | None, typer.Option(
        "--expires", metavar=DATE, help="A new expiry date (today ends it).")] = None,
    owner: Annotated[str | None, typer.Option(help="A new owner (a username).")] = None,
    justification: Annotated[str, NOTE] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Review a marker: approve its practical text, or set its next review date, its
    expiry or its owner."""
    done = markers.review_marker(
        services(), caller(by), marker_id=marker_id, approve_text=approve_text,
        review_on=_date(review, "--review") if review else None,
        expires_on=_date(expires, "--expires") if expires else None, owner=owner,
        justification=justification or None)
    if as_json:
        echo_answer(done)
        return
    typer.echo(f"reviewed {_line(done)}")


@marker_app.command("list")
def marker_list(
    justification: Annotated[str, JUSTIFY] = "",
    property_id: Annotated[str | None, typer.Option("--property")] = None,
    expired: Annotated[bool, typer.Option("--expired",
                                          help="Include expired markers.")] = False,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """The staff-safety markers in full, with the subject and reason."""
    found = markers.list_markers(services(), caller(by), justification=justification,
                                 property_id=property_id, include_expired=expired)
    if as_json:
        echo_answer([*found])
        return
    for marker in found:
        typer.echo(f"{_line(marker)}; owner {marker.owner}"
                   + (f"; subject {marker.subject_id}" if marker.subject_id else ""))
    typer.echo(f"{len(found)} marker(s) listed")


@marker_app.command("shared")
def marker_shared(
    landlord: Annotated[str | None, typer.Option(
        help="Show what this landlord's housing staff see.")] = None,
    firm: Annotated[str | None, typer.Option(
        help="Show what this contractor firm sees.")] = None,
    property_id: Annotated[str | None, typer.Option("--property")] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """What a landlord's housing staff or a contractor firm are shown: the current
    instructions, never the subject, offence or reason."""
    found = markers.shared_markers(services(), caller(by), property_id=property_id,
                                   landlord=landlord, firm=firm)
    if as_json:
        echo_answer([*found])
        return
    for marker in found:
        typer.echo(_line(marker))
        for line in marker.instructions:
            typer.echo(f"  {line.text}")
        if marker.practical_text:
            typer.echo(f"  {marker.practical_text}")
        typer.echo(f"  {marker.contact}")
    typer.echo(f"{len(found)} marker(s) shown")
