"""Commands for annual reviews (3.3), review triggers (3.4) and weeding: thin adapters
over :mod:`geo_era.services.records`."""

from __future__ import annotations

import sys
from typing import Annotated, Never

import typer

from geo_era.cli._common import BY, JUSTIFY, PROGRESS, app, caller, echo_answer, services
from geo_era.services import records

reviews_app = typer.Typer(help="Annual reviews (NASSO 3.3) and review triggers (3.4).",
                          no_args_is_help=True)


app.add_typer(reviews_app, name="reviews")


@reviews_app.command("due")
def reviews_due_command(justification: Annotated[str, JUSTIFY] = "",
                        by: Annotated[str | None, BY] = None,
                        within: Annotated[int, typer.Option(
                            "--within", min=0, max=3_660, metavar="DAYS",
                            help="Also list reviews whose renewal date falls within DAYS "
                                 "days from today.")] = 0,
                        as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Annual reviews falling due (NASSO 3.3, 3.5): each subject's renewal date and the
    deadline 21 clear working days after it; and subjects needing an ERA (none completed,
    or a change of address since)."""
    due = records.reviews_due(services(), caller(by), justification=justification,
                              within_days=within)
    if as_json:
        echo_answer([*due])
        return
    for entry in due:
        when = ("" if entry.renewal_date is None or entry.due is None else
                f" renewal {entry.renewal_date.isoformat()}, due by {entry.due.isoformat()}")
        typer.echo(f"{entry.subject_id}: {entry.status}{when}: {entry.why}")
    typer.echo(f"{len(due)} subject(s) listed")


@reviews_app.command("waive")
def reviews_waive(
    subject_id: str,
    justification: Annotated[str, typer.Option(help="Why no review is needed (in full).")],
    by: Annotated[str | None, BY] = None,
) -> None:
    """Record the reasons for not doing an annual review (3.3)."""
    echo_answer(records.waive_review(services(), caller(by), subject_id=subject_id,
                                     reasons=justification))


@reviews_app.command("triggers")
def reviews_triggers(as_json: Annotated[bool, typer.Option("--json")] = False,
                     radius_m: Annotated[float, typer.Option(
                         help="Assessment radius, metres.", min=1, max=5_000)] = 400.0,
                     progress: Annotated[bool | None, PROGRESS] = None,
                     justification: Annotated[str, JUSTIFY] = "",
                     by: Annotated[str | None, BY] = None) -> None:
    """Review triggers by subject (3.4): every housed subject's home refreshed (sites
    within the radius, the minimum set and its households, hard conflicts, the
    subject's conditions and zones) and compared with its last assessment. Each
    trigger names the subject, the home and its kind: conflict_at_home,
    never_assessed, environment, household or subject_record."""
    from tqdm import tqdm

    bars: list[tqdm[Never]] = []

    def advance(done: int, total: int) -> None:
        if not bars:  # shown when asked, or by default on a terminal for a long run
            bars.append(tqdm(total=total, unit=" subjects", desc="ERA refresh",
                             file=sys.stderr, disable=(None if total > 2_000 else True)
                             if progress is None else not progress))
        bars[0].update(done - bars[0].n)

    try:
        run = records.review_triggers(services(), caller(by), radius_m=radius_m,
                                      justification=justification, progress=advance)
    finally:
        for bar in bars:
            bar.close()
    if as_json:
        echo_answer([*run.triggers])
        return
    for entry in run.triggers:
        typer.echo(f"{entry.subject_id} at {entry.property_id} [{entry.kind}]: "
                   + "; ".join(entry.changes))
    typer.echo(f"{run.subjects_to_review} subject(s) to review; {run.housed:,} housed "
               f"subjects' homes refreshed, {run.assessed_before:,} with an earlier "
               f"assessment, {run.with_conflicts:,} with a hard conflict at home")


@app.command("weed")
def weed_command(by: Annotated[str | None, BY] = None,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Delete closed cases and waivers past retention, with the ERA documents and field
    sheets written from those cases and the report files past retention; record counts,
    not content."""
    report = records.weed(services(), caller(by))
    if as_json:
        echo_answer([*report])
        return
    for line in report:
        if line.record_type == "documents":
            what = "document file(s) of the cases weeded"
        elif line.record_type == "reports":
            what = f"report file(s) written before {line.cutoff.isoformat()}"
        else:
            what = f"{line.record_type} closed or recorded before {line.cutoff.isoformat()}"
        left = (f" ({line.left} changed since written, left in place)" if line.left
                else "")
        typer.echo(f"weeded {line.weeded} {what}{left}")
