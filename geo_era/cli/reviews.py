"""Commands for annual reviews (3.3), review triggers (3.4) and weeding."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from geo_era.cli._common import (
    BY,
    JUSTIFY,
    PROGRESS,
    _actor,
    _cases,
    _echo_json,
    _settings,
    _store,
    app,
)

reviews_app = typer.Typer(help="Annual reviews (NASSO 3.3) and review triggers (3.4).",
                          no_args_is_help=True)


app.add_typer(reviews_app, name="reviews")


@reviews_app.command("due")
def reviews_due_command(justification: Annotated[str, JUSTIFY] = "",
                        by: Annotated[str | None, BY] = None,
                        as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Subjects needing an annual review, with the NASSO 3.3 criteria they meet."""
    from geo_era.casework.reviews import reviews_due

    due = reviews_due(_store().read("subjects"), _cases(), actor=_actor(by, justification))
    if as_json:
        _echo_json(due)
        return
    for entry in due:
        typer.echo(f"{entry['subject_id']}: {entry['why']}")
    typer.echo(f"{len(due)} annual review(s) due")


@reviews_app.command("waive")
def reviews_waive(
    subject_id: str,
    justification: Annotated[str, typer.Option(help="Why no review is needed (in full).")],
    by: Annotated[str | None, BY] = None,
) -> None:
    """Record the reasons for not doing an annual review (3.3)."""
    from geo_era.casework.reviews import waive_review

    _echo_json(waive_review(_cases(), subject_id, justification=justification, actor=_actor(by)))


@reviews_app.command("triggers")
def reviews_triggers(as_json: Annotated[bool, typer.Option("--json")] = False,
                     radius_m: Annotated[float, typer.Option(
                         help="Assessment radius, metres.", min=1, max=5_000)] = 400.0,
                     progress: Annotated[bool | None, PROGRESS] = None) -> None:
    """Every housed subject's home refreshed (sites within the radius, minimum set,
    hard conflicts) and compared with its last assessment: the subjects whose
    surroundings changed (3.4)."""
    from tqdm import tqdm

    from geo_era.casework.refresh import refresh_homes
    from geo_era.errors import NotFoundError
    from geo_era.workspace import Workspace

    store = _store()
    if not store.has("subjects"):
        raise NotFoundError("no subjects layer is loaded; import subjects to find reviews")
    snap = Workspace(store).snapshot()
    total = len(snap.subjects)
    with tqdm(total=total, unit=" subjects", desc="ERA refresh", file=sys.stderr,
              disable=(None if total > 2_000 else True) if progress is None
              else not progress) as bar:
        refresh = refresh_homes(snap, _cases(), radius_m=radius_m,
                                progress=lambda done: bar.update(min(done, total) - bar.n))
    found = refresh.triggers
    if as_json:
        _echo_json(found)
        return
    for entry in found:
        typer.echo(f"{entry['subject_id']} at {entry['property_id']}: "
                   + "; ".join(entry["changes"]))
    summary = refresh.summary()
    typer.echo(f"{len(found)} subject(s) to review; {summary['housed']:,} housed subjects' "
               f"homes refreshed, {summary['assessed_before']:,} with an earlier "
               f"assessment, {summary['with_conflicts']:,} with a hard conflict at home")


@app.command("weed")
def weed_command(by: Annotated[str | None, BY] = None,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Delete closed cases and waivers past retention; record counts, not content."""
    from geo_era.casework.reviews import weed

    settings = _settings()
    report = weed(_cases(), retention_days={"cases": settings.retention_cases_days,
                                            "waivers": settings.retention_waivers_days},
                  actor=_actor(by))
    if as_json:
        _echo_json(report)
        return
    for line in report:
        typer.echo(f"weeded {line['weeded']} {line['record_type']} closed or recorded "
                   f"before {line['cutoff']}")
