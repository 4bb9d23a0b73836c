"""Commands for disclosure decisions and Keeping Children Safe applications (NASSO 3.12,
68, 71; the Dorset MAPPA procedure §18): thin adapters over
:mod:`geo_era.services.disclosures`, run as the local operator, who names the authority
a decision is made under."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from geo_era.cli._common import BY, JUSTIFY, _date, app, caller, echo_answer, services
from geo_era.safeguarding.disclosures import (
    KCS_OUTCOMES,
    KCS_RELATIONSHIPS,
    PURPOSES,
    RECIPIENT_TYPES,
    DecisionRequest,
    KcsRequest,
)
from geo_era.services import disclosures

disclosure_app = typer.Typer(
    help="Disclosure decisions (NASSO 68, 71; Dorset §18) and Keeping Children Safe "
         "applications.", no_args_is_help=True)
app.add_typer(disclosure_app, name="disclosure")

NOTE = typer.Option("--justification", help="Why (optional; kept in the audit trail).")


def _day(value: str | None, option: str) -> dt.date | None:
    return _date(value, option) if value else None


@disclosure_app.command("decide")
def decide_command(
    recipient_type: Annotated[str, typer.Option(
        "--to", help=f"The recipient: {', '.join(RECIPIENT_TYPES)}.")],
    recipient: Annotated[str, typer.Option(
        "--recipient", help="The recipient's name or organisation (a landlord as the "
                            "properties layer names it).")],
    authority: Annotated[str, typer.Option(
        help="police (principal discretion) or social_work (child protection only, "
             "NASSO 71).")],
    disclose: Annotated[bool, typer.Option(
        "--disclose/--do-not-disclose", help="The decision.")],
    purpose: Annotated[str, typer.Option(help=f"{', '.join(PURPOSES)}.")] = "disclosure",
    subject_id: Annotated[str | None, typer.Option("--subject")] = None,
    case_id: Annotated[str | None, typer.Option("--case")] = None,
    council: Annotated[str | None, typer.Option(
        help="The council the record belongs to (default the case's).")] = None,
    content: Annotated[str | None, typer.Option(help="What is to be disclosed.")] = None,
    reasons: Annotated[str | None, typer.Option(
        help="Why (required for a decision not to disclose).")] = None,
    child_protection: Annotated[bool, typer.Option(
        "--child-protection", help="A case of child protection.")] = False,
    meeting_level: Annotated[int | None, typer.Option(
        "--meeting-level", min=2, max=3, help="The Level 2 or 3 MAPPA meeting.")] = None,
    meeting_on: Annotated[str | None, typer.Option(
        "--meeting-on", help="Its date, YYYY-MM-DD.")] = None,
    minutes: Annotated[str | None, typer.Option(
        help="The reference of its minutes.")] = None,
    discloser: Annotated[str | None, typer.Option(
        help="Who will make the disclosure.")] = None,
    disclose_at: Annotated[str | None, typer.Option("--where")] = None,
    disclose_on: Annotated[str | None, typer.Option(
        "--when", help="When it will be made, YYYY-MM-DD.")] = None,
    advice: Annotated[str | None, typer.Option(
        help="The advice on how the information is to be used and where the recipient "
             "may seek support (required to disclose).")] = None,
    restriction_id: Annotated[int | None, typer.Option(
        "--restriction", min=1, help="The allocation restriction whose wording goes "
                                     "to its landlord (purpose restriction_wording).")]
        = None,
    decided_on: Annotated[str | None, typer.Option(
        "--decided-on", help="YYYY-MM-DD (default today).")] = None,
    justification: Annotated[str | None, NOTE] = None,
    by: Annotated[str | None, BY] = None,
) -> None:
    """Record a decision to disclose, or not to disclose, about a subject."""
    request = DecisionRequest(
        recipient_type=recipient_type, recipient=recipient, disclose=disclose,
        purpose=purpose, subject_id=subject_id, case_id=case_id, council=council,
        content=content, reasons=reasons, child_protection=child_protection,
        meeting_level=meeting_level, meeting_on=_day(meeting_on, "--meeting-on"),
        minutes_reference=minutes, discloser=discloser, disclose_at=disclose_at,
        disclose_on=_day(disclose_on, "--when"), advice=advice,
        restriction_id=restriction_id, decided_on=_day(decided_on, "--decided-on"))
    echo_answer(disclosures.decide(services(), caller(by), request, authority=authority,
                                   justification=justification))


@disclosure_app.command("made")
def made_command(reference: str,
                 made_on: Annotated[str, typer.Option("--on", help="YYYY-MM-DD.")],
                 made_by: Annotated[str | None, typer.Option(
                     "--made-by", help="Who made it (default: --by).")] = None,
                 justification: Annotated[str | None, NOTE] = None,
                 by: Annotated[str | None, BY] = None) -> None:
    """Record that a disclosure decided was made (an audit disclosure naming its
    recipient)."""
    echo_answer(disclosures.made(services(), caller(by), reference=reference,
                                 made_on=_date(made_on, "--on"), made_by=made_by,
                                 justification=justification))


@disclosure_app.command("list")
def list_command(justification: Annotated[str, JUSTIFY] = "",
                 subject_id: Annotated[str | None, typer.Option("--subject")] = None,
                 by: Annotated[str | None, BY] = None) -> None:
    """Disclosure decisions and Keeping Children Safe applications, newest first."""
    echo_answer(disclosures.listing(services(), caller(by), justification=justification,
                                    subject_id=subject_id))


@disclosure_app.command("kcs")
def kcs_command(
    received_on: Annotated[str, typer.Option("--received", help="YYYY-MM-DD.")],
    online: Annotated[bool, typer.Option("--online/--not-online")],
    relationship: Annotated[str, typer.Option(
        help=f"The applicant's relationship to the child: "
             f"{', '.join(KCS_RELATIONSHIPS)}.")],
    council: Annotated[str, typer.Option(help="The council area.")],
    subject_id: Annotated[str | None, typer.Option(
        "--subject", help="The subject it concerns, if the named person is one.")] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    justification: Annotated[str | None, NOTE] = None,
    by: Annotated[str | None, BY] = None,
) -> None:
    """Record a Keeping Children Safe application as received."""
    echo_answer(disclosures.receive_kcs(
        services(), caller(by), KcsRequest(
            received_on=_date(received_on, "--received"), online=online,
            relationship=relationship, council=council, subject_id=subject_id,
            notes=notes), justification=justification))


@disclosure_app.command("kcs-outcome")
def kcs_outcome_command(
    reference: str,
    outcome: Annotated[str, typer.Option(help=f"{', '.join(KCS_OUTCOMES)}.")],
    outcome_on: Annotated[str, typer.Option("--on", help="YYYY-MM-DD.")],
    notes: Annotated[str | None, typer.Option()] = None,
    justification: Annotated[str | None, NOTE] = None,
    by: Annotated[str | None, BY] = None,
) -> None:
    """Record a Keeping Children Safe application's outcome and its date."""
    echo_answer(disclosures.record_kcs_outcome(
        services(), caller(by), reference=reference, outcome=outcome,
        outcome_on=_date(outcome_on, "--on"), notes=notes, justification=justification))
