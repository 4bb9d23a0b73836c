"""Commands for the spatial questions: sites near, proximity, minimum set, check, map."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from geo_era.cli._common import (
    BY,
    JUSTIFY,
    _actor,
    _echo_json,
    _record_consultation,
    _settings,
    _store,
    app,
)
from geo_era.data.layer_store import LayerStore


@app.command("sites-near")
def sites_near_command(
    property_id: Annotated[str, typer.Argument(help="The candidate property's id.")],
    radius: Annotated[float | None, typer.Option(
        help="Search radius in metres (default GEO_ERA_DEFAULT_RADIUS_M, 400).",
        min=0, max=20_000)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Sensitive sites within RADIUS metres of a property, nearest first."""
    from geo_era.analysis.proximity import sites_near

    settings = _settings()
    radius_m = settings.default_radius_m if radius is None else radius
    document = sites_near(LayerStore(settings.home), property_id, radius_m)
    if as_json:
        _echo_json(document)
        return
    typer.echo(f"{document['address']} ({property_id}): {len(document['sites'])} sites "
               f"within {radius_m:g} m")
    for site in document["sites"]:
        walk = (f"walk {site['walk_m']:>7.0f} m" if site.get("walk_m") is not None
                else f"walk {site.get('walk_status', 'n/a')}")
        flag = "  BARRIER" if site.get("walk_flag") == "barrier" else ""
        typer.echo(f"  {site['distance_m']:>8.1f} m  {walk:<16} {site['category']:<18} "
                   f"{site['name'] or site['site_id']}{flag}")


@app.command("proximity")
def proximity_command(
    out: Annotated[Path, typer.Option(help="Where to write the table (.csv or .parquet).")],
    radius: Annotated[float | None, typer.Option(
        help="Radius in metres for the counts (default 400).", min=0, max=20_000)] = None,
    dask: Annotated[bool, typer.Option(
        "--dask", help="Run on a Dask cluster: GEO_ERA_DASK_SCHEDULER's, or a local one "
                       "of --workers processes. Same table as without.")] = False,
    workers: Annotated[int, typer.Option(
        help="Worker processes of the local Dask cluster.", min=1, max=64)] = 2,
) -> None:
    """For every property: sites of each category within RADIUS, and the nearest of each."""
    import geopandas as gpd

    from geo_era.analysis.proximity import proximity_table
    from geo_era.geometry.index import SiteIndex

    settings = _settings()
    radius_m = settings.default_radius_m if radius is None else radius
    store = LayerStore(settings.home)
    started = time.perf_counter()
    properties = store.read("properties", columns=["property_id", "geometry"])
    sites = store.read("sites")
    assert isinstance(properties, gpd.GeoDataFrame) and isinstance(sites, gpd.GeoDataFrame)
    if dask:
        from geo_era.analysis.distributed import proximity_table_dask

        table = proximity_table_dask(sites, properties, radius_m,
                                     scheduler=settings.dask_scheduler, workers=workers)
    else:
        table = proximity_table(SiteIndex(sites), properties, radius_m)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if out.suffix.lower() == ".parquet":
        table.to_parquet(tmp, index=False)
    else:
        table.to_csv(tmp, index=False, float_format="%.2f")
    tmp.replace(out)
    elapsed = time.perf_counter() - started
    within = table[[c for c in table.columns if c.endswith("_within")]]
    typer.echo(f"{len(table):,} properties, {len(sites):,} sites: {int(within.to_numpy().sum()):,} "
               f"property-site pairs within {radius_m:g} m, in {elapsed:.2f} s -> {out}")
    close_to_school = int((table["school_nearest_m"] <= radius_m).sum())
    typer.echo(f"{close_to_school:,} properties have a school within {radius_m:g} m")


@app.command("parameters")
def parameters_command(
    property_id: Annotated[str, typer.Argument(help="The candidate property's id.")],
    extend_metres: Annotated[float | None, typer.Option(
        help="Extend the set: every dwelling within this many metres.", min=0,
        max=5_000)] = None,
    extend_rings: Annotated[int | None, typer.Option(
        help="Extend the set: this many further rings of neighbours.", min=1,
        max=5)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The NASSO 3.9 minimum set of dwellings to check for a property, and why."""
    from geo_era.analysis.minimum_set import minimum_parameter_set

    result = minimum_parameter_set(_store(), property_id, extend_metres=extend_metres,
                                   extend_rings=extend_rings)
    document = result.to_dict()
    if as_json:
        _echo_json(document)
        return
    derived = " (derived)" if result.property_type_derived else ""
    typer.echo(f"{result.address} ({property_id}): {result.property_type}{derived}")
    typer.echo(f"NASSO 3.9, {result.rule_applies_to}: {result.rule_text}")
    if result.plots_estimated:
        typer.echo("gardens: ESTIMATED from buildings and streets (no plots layer)")
    if result.property_type == "shared":
        typer.echo(f"occupants to check: {document.get('occupants') or 'unknown'}")
    for member in document["properties"]:
        typer.echo(f"  {member['property_id']:<14} {member['address']:<45} {member['reason']}")
    if result.extension is not None:
        typer.echo(f"extension ({result.extension['by']}):")
        for member in result.extension["properties"]:
            typer.echo(f"  {member['property_id']:<14} {member['address']}")


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
    from geo_era.analysis.subject_check import check_subject_property

    actor = _actor(by, justification)
    actor.require_justification("a subject's record")
    result = check_subject_property(_store(), subject_id, property_id,
                                    zone_warning_m=zone_warning_m)
    _record_consultation(actor, "subject", [subject_id, property_id])
    document = result.to_dict(need_to_know=not flags_only)
    if as_json:
        _echo_json(document)
        return
    if flags_only:
        typer.echo(document["flag"] or "no sensitive-allocation flag")
        return
    typer.echo(f"{len(result.conflicts)} conflict(s), {len(result.warnings)} warning(s)")
    for finding in result.conflicts:
        typer.echo(f"  CONFLICT {finding.message}")
    for finding in result.warnings:
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
    from geo_era.maps.assets import write_map
    from geo_era.maps.era import era_map
    from geo_era.workspace import Workspace

    if out.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter("the map is written as HTML: name the file *.html",
                                 param_hint="--out")
    actor = _actor(by, justification)
    if subject_id:
        actor.require_justification("a subject's record")
    settings = _settings()
    fmap = era_map(Workspace(_store()), property_id, subject_id=subject_id,
                   show_zones=subject_id is not None, radius_m=radius_m,
                   tiles=settings.map_tiles, tiles_attribution=settings.map_tiles_attribution)
    if subject_id:
        _record_consultation(actor, "subject", [subject_id, property_id])
    write_map(fmap, out)
    typer.echo(f"wrote {out}")
