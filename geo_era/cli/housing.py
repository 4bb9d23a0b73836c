"""Commands for housing: void screening (5.2, 5.3) and the allocation check (3.12)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Annotated, Protocol

import typer

from geo_era.cli._common import (
    BY,
    JUSTIFY,
    OUT_GPKG,
    PROGRESS,
    VOIDS,
    _echo_row_errors,
    _progress_bar,
    app,
    caller,
    check_gpkg,
    echo_answer,
    services,
)


class _Shown(Protocol):
    """A progress bar as shown (tqdm's)."""

    def update(self, n: int) -> object: ...

    def close(self) -> None: ...


class Bar:
    """A progress bar (tqdm, on stderr) made once the run says how long it is."""

    def __init__(self, make: Callable[[int], _Shown]) -> None:
        self._make = make
        self._bar: _Shown | None = None

    def start(self, total: int) -> None:
        self._bar = self._make(total)

    def advance(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done)

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.close()


def _voids_bar(show: bool | None, what: str) -> Bar:
    """The bar of a run over voids: shown when asked, or by default on a terminal for
    more than one batch."""
    return Bar(lambda total: _progress_bar(total, show, what))


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
    out: Annotated[Path | None, OUT_GPKG] = None,
) -> None:
    """Screen every void (or the --voids list) for a subject: hard conflicts rule a void
    out, with the reason; the rest are ranked by a manageability score whose factors
    and weights (GEO_ERA_SCREENING) are shown. Manageable voids first. Consulting the
    subject's record needs --justification and is audited."""
    from geo_era.services import exports, housing

    check_gpkg(out)
    context = services()
    with _voids_bar(progress, "screening") as bar:
        result = housing.screen(context, caller(by), subject_id=subject_id,
                                justification=justification, voids=voids, top=top,
                                progress=bar)
    if out is not None:
        typer.echo(f"wrote {exports.write_screening(context, out, result)}")
        return
    if as_json:
        echo_answer(result)
        return
    counts = result.counts
    typer.echo(f"{counts.screened:,} voids screened for {subject_id} ({result.source}): "
               f"{counts.ranked:,} ranked, {counts.ruled_out:,} ruled out, "
               f"{counts.row_errors:,} bad rows")
    _echo_row_errors([e.model_dump() for e in result.row_errors])
    for note in result.notes:
        typer.echo(f"  note: {note.message}")
    for void in result.voids:
        if void.ruled_out:
            typer.echo(f"     -   ruled out  {void.property_id:<14} {void.address}: "
                       f"{'; '.join(r.message for r in void.reasons)}")
        else:
            typer.echo(f"  {void.rank:>4}  {void.score:>5.1f}      "
                       f"{void.property_id:<14} {void.address}")


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
    from geo_era.services import housing
    from geo_era.services.answers.housing import CheckedVoid

    with _voids_bar(progress, "checking") as bar:
        result = housing.allocation_check(services(), caller(by),
                                          justification=justification, voids=voids,
                                          flags_only=flags_only, progress=bar)
    if as_json:
        echo_answer(result)
        return
    counts = result.counts
    typer.echo(f"{counts.checked:,} voids checked ({result.source}): "
               f"{counts.sensitive:,} need a sensitive allocation, "
               f"{counts.row_errors:,} bad rows")
    _echo_row_errors([e.model_dump() for e in result.row_errors])
    for void in result.voids:
        if not void.sensitive_allocation:
            continue
        typer.echo(f"  {void.property_id:<14} {void.address}: {void.flag}")
        for reason in (void.sensitive_because or []) if isinstance(void, CheckedVoid) \
                else []:
            typer.echo(f"      {reason.message}")
