"""Commands for reports to local authorities."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from geo_era.cli._common import BY, JUSTIFY, _actor, _cases, _store, app
from geo_era.errors import GeoEraError

report_app = typer.Typer(help="Reports for local authorities.", no_args_is_help=True)


app.add_typer(report_app, name="report")


@report_app.command("overconcentration")
def report_overconcentration(
    authority: Annotated[str, typer.Option(
        help="The council, by name or area id as in the areas layer, e.g. "
             "'City of Edinburgh'; 'all' for every council with wards or data zones "
             "(one subdirectory of --out each).")],
    year: Annotated[int, typer.Option(help="The year of the 31 March snapshot.",
                                      min=1990, max=2100)],
    out: Annotated[Path, typer.Option(
        help="Directory to write report.html, report.pdf and the CSV tables into.")],
    publish: Annotated[bool, typer.Option(
        "--publish", help="The version for publication: disclosure control (under 10 "
                          "suppressed, base-5 rounding, complementary suppression), no "
                          "names. Without it: the internal OFFICIAL-SENSITIVE version.")
    ] = False,
    level: Annotated[str | None, typer.Option(
        help="The level of areas a published report shows (default: the finest, "
             "data_zone).")] = None,
    history: Annotated[int, typer.Option(help="Earlier years shown.", min=0, max=20)] = 4,
    seed: Annotated[int, typer.Option(help="Seed of the Gi* permutations.")] = 0,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
) -> None:
    """The annual over-concentration report of one authority (NASSO 5.2, 3.13): counts,
    rates and location quotients per area, Gi* clusters, out-of-area placements.

    The internal version names subjects placed without consent: it needs
    --justification. Building either version is audited. Files are written whole or
    not at all.
    """
    from geo_era.overconcentration.document import write_report
    from geo_era.overconcentration.report import report_from_store

    started = time.perf_counter()
    if authority.strip().lower() == "all":
        _all_reports(out, year=year, publish=publish, level=level, history=history,
                     seed=seed, actor=_actor(by, justification))
        return
    report = report_from_store(_store(), _cases(), authority=authority, year=year,
                               actor=_actor(by, justification), published=publish,
                               level=level, history=history, seed=seed)
    written = write_report(report, out)
    typer.echo(f"{report.marking}: over-concentration report of {report.authority}, 31 "
               f"March {year}, written to {out} ({', '.join(p.name for p in written)}) "
               f"in {time.perf_counter() - started:.1f} s")
    for paragraph in report.narrative:
        typer.echo(f"  {paragraph}")


def _all_reports(out: Path, *, year: int, publish: bool, level: str | None, history: int,
                 seed: int, actor: Any) -> None:
    """Every council's report into ``out/<council>/``, with a progress bar."""
    import re

    from tqdm import tqdm

    from geo_era.overconcentration.document import write_report
    from geo_era.overconcentration.report import report_from_store

    store, engine = _store(), _cases()
    if not publish:
        actor.require_justification("the internal over-concentration reports")
    areas = store.read_attributes("areas", ["area_type", "name", "parent_id"])
    councils = sorted(areas.loc[areas["area_type"] == "council", "name"].dropna()
                      .astype(str).unique())
    started = time.perf_counter()
    done, skipped = 0, []
    for council in tqdm(councils, unit=" councils", desc="over-concentration",
                        file=sys.stderr, disable=None):
        try:
            report = report_from_store(store, engine, authority=council, year=year,
                                       actor=actor, published=publish, level=level,
                                       history=history, seed=seed)
        except GeoEraError as exc:
            skipped.append(f"{council}: {exc}")
            continue
        write_report(report, out / re.sub(r"[^A-Za-z0-9]+", "-", council).strip("-"))
        done += 1
    typer.echo(f"{done} over-concentration report(s) for 31 March {year} written to {out} "
               f"in {time.perf_counter() - started:.1f} s")
    for note in skipped:
        typer.echo(f"  skipped {note}")
