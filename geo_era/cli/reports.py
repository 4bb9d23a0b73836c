"""Commands for reports to local authorities and the Responsible Authorities (the
over-concentration report; ERA performance)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from geo_era.cli._common import BY, JUSTIFY, app, caller, services
from geo_era.cli.housing import Bar

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
    with_placements: Annotated[bool, typer.Option(
        "--with-placements", help="Add the placements current on 31 March as points to "
                                  "report.gpkg (internal only; the OMU's; the audit "
                                  "entry names every subject among them).")] = False,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
) -> None:
    """The annual over-concentration report of one authority (NASSO 5.2, 3.13): counts,
    rates and location quotients per area, Gi* clusters, out-of-area placements, as
    report.html, report.pdf, one CSV per table and report.gpkg (every table as a
    GeoPackage layer, areas as polygons in EPSG:27700, for QGIS).

    The internal version names subjects placed without consent: it needs
    --justification. Building either version is audited. Files are written whole or
    not at all.
    """
    from geo_era.services import reports

    started = time.perf_counter()
    if authority.strip().lower() == "all":
        if with_placements:
            raise typer.BadParameter("--with-placements is for one council's report: "
                                     "give --authority NAME")
        bar = Bar(lambda total: tqdm(total=total, unit=" councils",
                                     desc="over-concentration", file=sys.stderr,
                                     disable=None))
        with bar:
            every = reports.overconcentration_reports_all(
                services(), caller(by), out=out, year=year, publish=publish,
                justification=justification, level=level, history=history, seed=seed,
                progress=bar)
        typer.echo(f"{len(every.written)} over-concentration report(s) for 31 March "
                   f"{year} written to {out} in {time.perf_counter() - started:.1f} s")
        for note in every.skipped:
            typer.echo(f"  skipped {note}")
        return
    asked = reports.Asked(authority, year, publish=publish, level=level, history=history,
                          seed=seed, with_placements=with_placements)
    written = reports.write_overconcentration_report(services(), caller(by), asked, out=out,
                                                     justification=justification)
    typer.echo(f"{written.marking}: over-concentration report of {written.authority}, 31 "
               f"March {year}, written to {out} ({', '.join(written.files)}) "
               f"in {time.perf_counter() - started:.1f} s")
    for paragraph in written.narrative:
        typer.echo(f"  {paragraph}")


@report_app.command("mappa")
def report_mappa(
    year: Annotated[int, typer.Option(
        help="The year the reporting period ends: 2026 is 1 April 2025 to 31 March 2026.",
        min=2000, max=2100)],
    out: Annotated[Path, typer.Option(
        help="Directory to write report.html, report.pdf and the CSV tables into.")],
    authority: Annotated[str | None, typer.Option(
        help="One council, by its name in the areas layer, e.g. 'Fife'.")] = None,
    area: Annotated[str | None, typer.Option(
        help="One MAPPA area (a group of councils; GEO_ERA_MAPPA_AREAS), e.g. "
             "'Lothian and Borders': its councils with the area's total.")] = None,
    scotland: Annotated[bool, typer.Option(
        "--scotland", help="Scotland: the MAPPA areas with Scotland's total.")] = False,
    publish: Annotated[bool, typer.Option(
        "--publish", help="The version for publication: disclosure control (under 10 "
                          "suppressed, base-5 rounding, complementary suppression, the "
                          "levels protected together). Without it: the internal "
                          "OFFICIAL-SENSITIVE version, exact.")] = False,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
) -> None:
    """The annual MAPPA figures (NASSO 1.0) of a council, a MAPPA area or Scotland, for
    the reporting year 1 April YEAR-1 to 31 March YEAR: people managed by category and
    level, new registrations, people housed by tenure and route, out-of-area placements
    agreed with and without consent, rates per 100,000.

    Give exactly one of --authority, --area or --scotland. The internal version needs
    --justification. Building either version is audited. Files are written whole or not
    at all.
    """
    from geo_era.reporting.mappa import Scope
    from geo_era.services import mappa

    given = [(kind, value) for kind, value in (
        ("council", authority), ("area", area), ("scotland", "Scotland" if scotland
                                                 else None)) if value is not None]
    if len(given) != 1:
        raise typer.BadParameter("give exactly one of --authority NAME, --area NAME or "
                                 "--scotland", param_hint="--authority/--area/--scotland")
    kind, name = given[0]
    scope = Scope("council", name) if kind == "council" else Scope(
        "area", name) if kind == "area" else Scope("scotland")
    started = time.perf_counter()
    written = mappa.write_mappa(services(), caller(by), mappa.MappaAsked(
        scope, year, publish=publish), out=out, justification=justification)
    typer.echo(f"{written.marking}: MAPPA figures of {written.name}, 1 April {year - 1} to "
               f"31 March {year}, written to {out} ({', '.join(written.files)}) in "
               f"{time.perf_counter() - started:.1f} s")


@report_app.command("performance")
def report_performance(
    year: Annotated[int, typer.Option(
        help="The reporting year, by the year in which it ends: 2026 is 1 April 2025 to "
             "31 March 2026.", min=1990, max=2100)],
    out: Annotated[Path, typer.Option(
        help="Directory to write report.html, report.pdf and the CSV tables into.")],
    authority: Annotated[str | None, typer.Option(
        help="The council, by name as the areas layer spells it, e.g. 'City of "
             "Edinburgh'; all councils when left out.")] = None,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
) -> None:
    """ERA performance over a reporting year, 1 April to 31 March (R126, R131): ERAs
    completed within 7, 12 and 21 clear working days by type, lead agency and council;
    time to each agency's agreement; extensions; annual reviews due, done, waived and
    overdue; landlord notifications raised and acted on.

    Internal (OFFICIAL-SENSITIVE): counts only, no subject named; needs
    --justification and is audited. Files are written whole or not at all, readable
    by their owner only.
    """
    from geo_era.services import performance

    started = time.perf_counter()
    written = performance.write_performance_report(
        services(), caller(by), performance.AskedPerformance(year, authority), out=out,
        justification=justification)
    typer.echo(f"{written.marking}: ERA performance of {written.authority or 'all councils'}"
               f", 1 April {year - 1} to 31 March {year}, written to {out} "
               f"({', '.join(written.files)}) in {time.perf_counter() - started:.1f} s")
