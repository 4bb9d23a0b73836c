"""Commands for live voids (NASSO 5.3, 3.12): publish a landlord's voids and mark them
let, live at once in screening and allocation checks; list the live voids. Thin
adapters over :mod:`geo_era.services.live_voids`, run as the operator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo_era.cli._common import BY, JUSTIFY, _echo_row_errors, app, caller, echo_answer, services
from geo_era.errors import DataError
from geo_era.housing.live_voids import AVAILABLE, LET
from geo_era.services import live_voids
from geo_era.services.answers.live_voids import LiveVoids, VoidChanges

live_app = typer.Typer(help="Live voids: publish a landlord's voids, mark them let, list "
                            "them (NASSO 5.3, 3.12).", no_args_is_help=True)
app.add_typer(live_app, name="voids")

IDS = typer.Argument(help="Property ids (the properties layer's property_id).",
                     show_default=False)
FROM = typer.Option("--from", help="A CSV or GeoPackage list of voids with a property_id "
                                   "column, instead of ids.")
LANDLORD = typer.Option("--landlord", help="Act for this landlord (the properties "
                                           "layer's landlord): its stock only, as its "
                                           "Link Officer would.")


def _listed(ids: list[str] | None, source: Path | None) -> list[str] | Path:
    if bool(ids) == (source is not None):
        raise DataError("give the property ids, or --from a list of them, not both")
    return source if source is not None else list(ids or [])


def _echo(answer: VoidChanges, as_json: bool) -> None:
    if as_json:
        echo_answer(answer)
        return
    for void in answer.recorded:
        flags = "; ".join(f for f in (void.flag, void.approved_flag) if f) or "no flag"
        typer.echo(f"{void.reference} {void.property_id:<14} {void.status}: {flags}")
    typer.echo(f"{len(answer.recorded)} recorded {answer.status}, "
               f"{len(answer.row_errors)} bad rows")
    _echo_row_errors([e.model_dump() for e in answer.row_errors])


@live_app.command("publish")
def publish_command(ids: Annotated[list[str] | None, IDS] = None,
                    source: Annotated[Path | None, FROM] = None,
                    landlord: Annotated[str | None, LANDLORD] = None,
                    justification: Annotated[str, JUSTIFY] = "",
                    by: Annotated[str | None, BY] = None,
                    as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Publish voids (one, several, or a --from list): live at once in screening and
    allocation checks; each that needs a sensitive allocation is flagged. Audited."""
    _echo(live_voids.change(services(), caller(by), status=AVAILABLE,
                            voids=_listed(ids, source), justification=justification,
                            landlord=landlord), as_json)


@live_app.command("let")
def let_command(ids: Annotated[list[str] | None, IDS] = None,
                source: Annotated[Path | None, FROM] = None,
                landlord: Annotated[str | None, LANDLORD] = None,
                justification: Annotated[str, JUSTIFY] = "",
                by: Annotated[str | None, BY] = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Mark voids let: no longer screened or checked. Audited."""
    _echo(live_voids.change(services(), caller(by), status=LET, voids=_listed(ids, source),
                            justification=justification, landlord=landlord), as_json)


@live_app.command("live")
def live_command(flagged_only: Annotated[bool, typer.Option(
                     "--flagged-only", help="Only voids that need a sensitive allocation "
                                            "or were approved as manageable.")] = False,
                 published_only: Annotated[bool, typer.Option(
                     "--published-only", help="Only voids published through geo_era.")
                 ] = False,
                 justification: Annotated[str, JUSTIFY] = "",
                 by: Annotated[str | None, BY] = None,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The live voids now, who published each and why any needs a sensitive allocation
    (NASSO 5.3, 3.12). Audited."""
    answer = live_voids.list_live(services(), caller(by), justification=justification,
                                  flagged_only=flagged_only, published_only=published_only)
    if as_json or not isinstance(answer, LiveVoids):
        echo_answer(answer)
        return
    for void in answer.voids:
        typer.echo(f"{void.reference or '(imported)'} {void.property_id:<14} "
                   f"{void.address} [{void.landlord or '-'}; {void.council or '-'}]"
                   f"{': ' + void.flag if void.flag else ''}")
        for reason in void.sensitive_because:
            typer.echo(f"      {reason.message}")
    typer.echo(f"{answer.counts['shown']:,} of {answer.counts['live']:,} live voids shown")
