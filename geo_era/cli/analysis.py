"""Commands for the spatial questions: sites near, proximity, minimum set, check, map."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo_era.cli._common import (
    BY,
    JUSTIFY,
    OUT_GPKG,
    app,
    caller,
    check_gpkg,
    echo_answer,
    services,
)
from geo_era.services import analysis, exports
from geo_era.services.answers.analysis import (
    CheckResult,
    Extension,
    ExtensionForLandlord,
    MinimumSetAnswer,
    MinimumSetWithoutHouseholds,
    SitesNear,
)


@app.command("sites-near")
def sites_near_command(
    property_id: Annotated[str, typer.Argument(help="The candidate property's id.")],
    radius: Annotated[float | None, typer.Option(
        help="Search radius in metres (default GEO_ERA_DEFAULT_RADIUS_M, 400).",
        min=0, max=20_000)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Sensitive sites within RADIUS metres of a property, nearest first."""
    answer = analysis.sites_near(services(), caller(), property_id=property_id,
                                 radius_m=radius)
    if as_json:
        echo_answer(answer)
        return
    _echo_sites(answer)


def _echo_sites(answer: SitesNear) -> None:
    typer.echo(f"{answer.address} ({answer.property_id}): {len(answer.sites)} sites "
               f"within {answer.radius_m:g} m")
    for site in answer.sites:
        walk = (f"walk {site.walk_m:>7.0f} m" if site.walk_m is not None
                else f"walk {site.walk_status}")
        flag = "  BARRIER" if site.walk_flag == "barrier" else ""
        typer.echo(f"  {site.distance_m:>8.1f} m  {walk:<16} {site.category:<18} "
                   f"{site.name or site.site_id}{flag}")


@app.command("proximity")
def proximity_command(
    out: Annotated[Path, typer.Option(help="Where to write the table (.csv, .parquet, or "
                                           ".gpkg: a GeoPackage that opens styled in "
                                           "QGIS).")],
    radius: Annotated[float | None, typer.Option(
        help="Radius in metres for the counts (default 400).", min=0, max=20_000)] = None,
    dask: Annotated[bool, typer.Option(
        "--dask", help="Run on a Dask cluster: GEO_ERA_DASK_SCHEDULER's, or a local one "
                       "of --workers processes. Same table as without.")] = False,
    workers: Annotated[int, typer.Option(
        help="Worker processes of the local Dask cluster.", min=1, max=64)] = 2,
) -> None:
    """For every property: sites of each category within RADIUS, and the nearest of each."""
    done = analysis.proximity_table(services(), caller(), out=out, radius_m=radius,
                                    dask=dask, workers=workers)
    typer.echo(f"{done.properties:,} properties, {done.sites:,} sites: "
               f"{done.pairs_within:,} property-site pairs within {done.radius_m:g} m, in "
               f"{done.seconds:.2f} s -> {out}")
    typer.echo(f"{done.school_within:,} properties have a school within "
               f"{done.radius_m:g} m")


@app.command("parameters")
def parameters_command(
    property_id: Annotated[str, typer.Argument(help="The candidate property's id.")],
    extend_metres: Annotated[float | None, typer.Option(
        help="Extend the set: every dwelling within this many metres.", min=0,
        max=5_000)] = None,
    extend_rings: Annotated[int | None, typer.Option(
        help="Extend the set: this many further rings of neighbours.", min=1,
        max=5)] = None,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    out: Annotated[Path | None, OUT_GPKG] = None,
) -> None:
    """The NASSO 3.9 minimum set of dwellings to check for a property, and why. What is
    known of their households is shown with --justification (audited)."""
    check_gpkg(out)
    context = services()
    answer = analysis.minimum_set(context, caller(by), property_id=property_id,
                                  extend_metres=extend_metres, extend_rings=extend_rings,
                                  justification=justification or None)
    if out is not None:
        typer.echo(f"wrote {exports.write_minimum_set(context, out, answer)}")
        return
    if as_json:
        echo_answer(answer)
        return
    _echo_minimum_set(answer)


def _echo_minimum_set(answer: MinimumSetAnswer | MinimumSetWithoutHouseholds) -> None:
    derived = " (derived)" if answer.property_type_derived else ""
    typer.echo(f"{answer.address} ({answer.property_id}): {answer.property_type}{derived}")
    typer.echo(f"NASSO 3.9, {answer.rule.applies_to}: {answer.rule.text}")
    if answer.plots_estimated:
        typer.echo("gardens: ESTIMATED from buildings and streets (no plots layer)")
    if answer.property_type == "shared" and isinstance(answer, MinimumSetAnswer):
        occupants = answer.occupants if isinstance(answer.occupants, int) else None
        typer.echo(f"occupants to check: {occupants or 'unknown'}")
    for member in answer.properties:
        typer.echo(f"  {member.property_id:<14} {member.address:<45} {member.reason}")
    if isinstance(answer.extension, Extension | ExtensionForLandlord):
        typer.echo(f"extension ({answer.extension.by}):")
        for extra in answer.extension.properties:
            typer.echo(f"  {extra.property_id:<14} {extra.address}")


@app.command("check")
def check_command(
    subject_id: Annotated[str, typer.Argument(help="The subject's pseudonymous id.")],
    property_id: Annotated[str, typer.Argument(help="The candidate property's id.")],
    zone_warning_m: Annotated[float, typer.Option(
        help="Warn when the property is within this many metres of an exclusion zone.",
        min=0, max=20_000)] = 500.0,
    flags_only: Annotated[bool, typer.Option(
        "--flags-only", help="Only yes/no flags, as a landlord may be told.")] = False,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Check a candidate property for a subject: exclusion zones, conditions, households.
    Consulting the subject's record needs --justification and is audited."""
    answer = analysis.check(services(), caller(by), subject_id=subject_id,
                            property_id=property_id, justification=justification,
                            zone_warning_m=zone_warning_m, flags_only=flags_only)
    if as_json:
        echo_answer(answer)
        return
    if not isinstance(answer, CheckResult):
        typer.echo(answer.flag or "no sensitive-allocation flag")
        return
    typer.echo(f"{len(answer.conflicts)} conflict(s), {len(answer.warnings)} warning(s)")
    for finding in answer.conflicts:
        typer.echo(f"  CONFLICT {finding.message}")
    for finding in answer.warnings:
        typer.echo(f"  warning  {finding.message}")


@app.command("map")
def map_command(
    property_id: Annotated[str, typer.Argument(help="The candidate property's id.")],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    subject_id: Annotated[str | None, typer.Option(
        "--subject", help="Check this subject: colour the minimum set, draw the "
                          "exclusion zones.")] = None,
    radius_m: Annotated[float, typer.Option(help="Sites within this many metres.", min=1,
                                            max=5_000)] = 400.0,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
) -> None:
    """Write the ERA map of a property as one standalone HTML file: Leaflet inlined, the
    background drawn from the loaded layers, no request to any other host."""
    if out.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter("the map is written as HTML: name the file *.html",
                                 param_hint="--out")
    done = analysis.era_map(services(), caller(by), property_id=property_id, out=out,
                            subject_id=subject_id, radius_m=radius_m,
                            justification=justification)
    typer.echo(f"wrote {done.path}")
