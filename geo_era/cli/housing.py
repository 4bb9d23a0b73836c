"""Commands for housing: void screening (5.2, 5.3) and the allocation check (3.12)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo_era.cli._common import (
    BY,
    JUSTIFY,
    PROGRESS,
    VOIDS,
    _actor,
    _cases,
    _echo_json,
    _echo_row_errors,
    _progress_bar,
    _record_consultation,
    _settings,
    _void_list,
    app,
)
from geo_era.data.layer_store import LayerStore


@app.command("screen")
def screen_command(
    subject_id: Annotated[str, typer.Argument(help="The subject's pseudonymous id.")],
    voids: Annotated[Path | None, VOIDS] = None,
    top: Annotated[int | None, typer.Option(help="Show only the first N voids.",
                                            min=1)] = None,
    progress: Annotated[bool | None, PROGRESS] = None,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Screen every void (or the --voids list) for a subject: hard conflicts rule a void
    out, with the reason; the rest are ranked by a manageability score whose factors
    and weights (GEO_ERA_SCREENING) are shown. Manageable voids first. Consulting the
    subject's record needs --justification and is audited."""
    from geo_era.housing.screening import screen
    from geo_era.workspace import Workspace

    actor = _actor(by, justification)
    actor.require_justification("a subject's record")
    settings = _settings()
    snap = Workspace(LayerStore(settings.home)).snapshot()
    listed = _void_list(snap, voids)
    with _progress_bar(len(listed), progress, "screening") as bar:
        result = screen(snap, subject_id, listed, config=settings.screening,
                        progress=bar.update)
    _record_consultation(actor, "subject", [subject_id])
    document = result.to_dict(top=top)
    if as_json:
        _echo_json(document)
        return
    counts = document["counts"]
    typer.echo(f"{counts['screened']:,} voids screened for {subject_id} ({result.source}): "
               f"{counts['ranked']:,} ranked, {counts['ruled_out']:,} ruled out, "
               f"{counts['row_errors']:,} bad rows")
    _echo_row_errors(document["row_errors"])
    for note in document["notes"]:
        typer.echo(f"  note: {note['message']}")
    for void in document["voids"]:
        if void["ruled_out"]:
            typer.echo(f"     -   ruled out  {void['property_id']:<14} {void['address']}: "
                       f"{'; '.join(r['message'] for r in void['reasons'])}")
        else:
            typer.echo(f"  {void['rank']:>4}  {void['score']:>5.1f}      "
                       f"{void['property_id']:<14} {void['address']}")


@app.command("allocation-check")
def allocation_check_command(
    voids: Annotated[Path | None, VOIDS] = None,
    flags_only: Annotated[bool, typer.Option(
        "--flags-only", help="Only the flags, as a landlord may be told (NASSO 3.12).")
    ] = False,
    progress: Annotated[bool | None, PROGRESS] = None,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Which voids (every void, or the --voids list) need a sensitive allocation because
    of someone housed nearby: in their home's minimum set, their building, or under a
    recorded restriction. Consulting housed subjects' records needs --justification and
    is audited."""
    from geo_era.housing.allocations import allocation_check
    from geo_era.workspace import Workspace

    actor = _actor(by, justification)
    settings = _settings()
    snap = Workspace(LayerStore(settings.home)).snapshot()
    listed = _void_list(snap, voids)
    with _progress_bar(len(listed), progress, "checking") as bar:
        result = allocation_check(snap, _cases(), listed, actor=actor,
                                  restricted=flags_only, progress=bar.update)
    document = result.to_dict(reveal=not flags_only)
    if as_json:
        _echo_json(document)
        return
    counts = document["counts"]
    typer.echo(f"{counts['checked']:,} voids checked ({result.source}): "
               f"{counts['sensitive']:,} need a sensitive allocation, "
               f"{counts['row_errors']:,} bad rows")
    _echo_row_errors(document["row_errors"])
    for void in document["voids"]:
        if not void["sensitive_allocation"]:
            continue
        typer.echo(f"  {void['property_id']:<14} {void['address']}: {void['flag']}")
        for reason in void.get("sensitive_because", []):
            typer.echo(f"      {reason['message']}")
