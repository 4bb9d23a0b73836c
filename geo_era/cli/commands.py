"""The ``geo-era`` command line: a thin adapter over the core.

Each command parses its arguments, calls one core function and prints the answer.
Errors geo_era knows about are printed as their message (exit code 2); anything else is
an internal fault, reported without a traceback (exit code 1) unless ``--debug``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from geo_era.data.layer_store import LayerStore
from geo_era.errors import GeoEraError
from geo_era.settings import Settings, load_settings

app = typer.Typer(
    name="geo-era",
    help="Environmental risk assessment of housing under MAPPA (NASSO). Data in "
         "GEO_ERA_HOME (default data/store); distances in metres, EPSG:27700.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

log = logging.getLogger("geo_era")
_state: dict[str, Any] = {"debug": False}


BY = typer.Option(help="Who records this (default: your login name).")
JUSTIFY = typer.Option("--justification", help="Why you consult these records (DPA 2018 "
                                              "s62); recorded in the audit trail.")


def _actor(by: str | None = None, justification: str | None = None) -> Any:
    """The local operator at the command line, as the audit trail records them: their
    login (or --by), role 'operator', organisation 'local', unconfined."""
    from geo_era.security.audit import Actor

    return Actor(by or getpass.getuser(), "operator", "local", justification)


def _settings() -> Settings:
    return load_settings()


def _store() -> LayerStore:
    return LayerStore(_settings().home)


def _echo_json(document: object) -> None:
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))


@app.callback()
def _main(debug: Annotated[bool, typer.Option(
        "--debug", help="Show internal tracebacks (for developers).")] = False) -> None:
    _state["debug"] = debug


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="Files to import, all layers in each.")],
    crs: Annotated[str | None, typer.Option(
        help="CRS of coordinates that come without one, e.g. EPSG:27700.")] = None,
    layer: Annotated[str | None, typer.Option(
        help="Layer name for a single-layer file not named after its layer.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Import every geo_era layer in FILES into GEO_ERA_HOME, all or nothing."""
    from geo_era.data.imports import import_files

    store = _store()
    report = import_files(files, store=store, crs=crs, layer=layer)
    if as_json:
        _echo_json({
            "data_version": report.data_version, "rows": report.rows,
            "sources": report.sources, "skipped": report.skipped,
            "notices": [str(n) for n in report.notices],
        })
        return
    for name, rows in sorted(report.rows.items()):
        typer.echo(f"imported {name}: {rows:,} rows")
    for line in report.skipped:
        typer.echo(f"skipped {line}")
    if report.notices:
        typer.echo(f"{len(report.notices)} notice(s) about derived values:")
        for notice in report.notices:
            typer.echo(f"  - {notice}")
    typer.echo(f"data version {report.data_version} in {store.home}")


@app.command("layers")
def layers_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the layers in GEO_ERA_HOME with their versions and sources."""
    store = _store()
    rows = [store.version(name) for name in store.layer_names()]
    if as_json:
        _echo_json({"data_version": store.data_version,
                    "layers": {v.name: {"version": v.version, "rows": v.rows,
                                        "sources": list(v.sources),
                                        "imported_at": v.imported_at} for v in rows}})
        return
    if not rows:
        typer.echo(f"no layers in {store.home}; run 'geo-era import' or 'geo-era demo-data'")
        return
    for v in rows:
        typer.echo(f"{v.name:<16} v{v.version:<4} {v.rows:>10,} rows  {', '.join(v.sources)}")


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


def _record_consultation(actor: Any, record_type: str, record_ids: list[str]) -> None:
    from geo_era.db.store import session_scope

    with session_scope(_cases()) as session:
        actor.record(session, operation="consultation", record_type=record_type,
                     record_ids=record_ids)


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
    from geo_era.maps.interactive import era_map, write_map
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


VOIDS = typer.Option("--voids", help="A CSV or GeoPackage list of candidate properties "
                                     "with a property_id column (default: every void in "
                                     "the store). Bad rows are reported; the rest are used.")
PROGRESS = typer.Option("--progress/--no-progress",
                        help="Show a progress bar on stderr (default: on a terminal, for "
                             "long runs).")


def _void_list(snap: Any, voids: Path | None) -> Any:
    from geo_era.housing.void_lists import read_void_list, store_voids

    return store_voids(snap) if voids is None else read_void_list(snap, voids)


def _progress_bar(total: int, show: bool | None, what: str) -> Any:
    """A tqdm bar on stderr: shown when asked, or by default on a terminal for more
    than one batch."""
    from tqdm import tqdm

    from geo_era.housing.screening import CHUNK

    disable: bool | None = (None if total > CHUNK else True) if show is None else not show
    return tqdm(total=total, unit=" voids", desc=what, file=sys.stderr, disable=disable)


def _echo_row_errors(errors: list[dict[str, Any]]) -> None:
    for error in errors:
        typer.echo(f"  row {error['row']} ({error['column']} {error['value']!r}): "
                   f"{error['problem']}", err=True)


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


@app.command("demo-data")
def demo_data_command(
    scale: Annotated[str, typer.Option(
        help="Size: about 2,000 addresses per unit of scale (0.1 to 1500), or "
             "'national': about 2.6 million addresses in 32 councils.")] = "1",
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same town.")] = 0,
    out: Annotated[Path | None, typer.Option(
        help="Only write the contract files here (do not import).")] = None,
    edinburgh: Annotated[Path | None, typer.Option(
        help="Instead of the demo town: FICTIONAL placements on the real City of "
             "Edinburgh data zones (2011 population and households), from the open data "
             "in this folder (e.g. ../shared/data).")] = None,
) -> None:
    """Build the FICTIONAL demo town and import it into GEO_ERA_HOME (or write it to --out)."""
    from geo_era.data.imports import import_files
    from geo_era.demo.demotown import build_demo_town, write_demo_town

    started = time.perf_counter()
    size, towns = _scale(scale)
    if edinburgh is not None:
        from geo_era.demo.edinburgh import build_edinburgh, import_edinburgh, write_edinburgh

        if out is not None:
            files = write_edinburgh(build_edinburgh(edinburgh, seed=seed), out)
            typer.echo(f"wrote {len(files)} layer files to {out}")
            return
        store = _store()
        report = import_edinburgh(edinburgh, store, seed=seed)
        counts = ", ".join(f"{name} {rows:,}" for name, rows in sorted(report.rows.items()))
        typer.echo(f"City of Edinburgh data zones with FICTIONAL placements (seed {seed}) "
                   f"imported into {store.home}: {counts}; data version "
                   f"{report.data_version}; {time.perf_counter() - started:.1f} s")
        return
    town = build_demo_town(scale=size, seed=seed, towns=towns)
    if out is not None:
        files = write_demo_town(town, out)
        typer.echo(f"wrote {len(files)} layer files to {out} "
                   f"({len(town.layers['properties']):,} addresses) in "
                   f"{time.perf_counter() - started:.1f} s")
        return
    store = _store()
    source = store.home / "demo-source"
    files = write_demo_town(town, source)
    report = import_files(files, store=store)
    counts = ", ".join(f"{name} {rows:,}" for name, rows in sorted(report.rows.items()))
    typer.echo(f"demo town (scale {scale}, seed {seed}, FICTIONAL) imported into "
               f"{store.home}: {counts}; data version {report.data_version}; "
               f"{time.perf_counter() - started:.1f} s")
    if report.notices:
        typer.echo(f"{len(report.notices)} notice(s) about derived values, e.g. "
                   f"{report.notices[0]}")


def _scale(text: str) -> tuple[float, int | None]:
    """``--scale``: a number from 0.1 to 1500, or ``national``."""
    from geo_era.demo.demotown import NATIONAL_SCALE, NATIONAL_TOWNS

    if text.strip().lower() == "national":
        return NATIONAL_SCALE, NATIONAL_TOWNS
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.1 <= value <= 1500:
        raise typer.BadParameter(f"{text!r}: give a number from 0.1 to 1500, or 'national'",
                                 param_hint="--scale")
    return value, None


case_app = typer.Typer(help="ERA cases: deadlines, checks, agreements, Parts C and D.",
                       no_args_is_help=True)
app.add_typer(case_app, name="case")


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD",
                                 param_hint=option) from None


def _cases() -> Any:
    from geo_era.db.store import open_store

    settings = _settings()
    return open_store(settings.home, settings.database_url)


def _print_case(document: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _echo_json(document)
        return
    typer.echo(f"{document['case_id']}  {document['case_type']}  subject "
               f"{document['subject_id']}  lead {document['lead_agency']}  "
               f"{document['status']}  due {document['due']}"
               f"{'  OVERDUE' if document['overdue'] else ''}")
    for agency in document.get("agencies", []):
        state = {True: "agrees", False: "DISAGREES", None: "no agreement yet"}[agency["agrees"]]
        typer.echo(f"  {agency['agency']:<16} due {agency['due']}  {state}")
    for decision in document.get("decisions", []):
        typer.echo(f"  Part {decision['part']}: {decision['conclusion']}")




@case_app.command("new")
def case_new(
    subject_id: Annotated[str, typer.Argument(help="The subject's pseudonymous id.")],
    property_ids: Annotated[list[str], typer.Argument(help="Candidate property ids.")],
    case_type: Annotated[str, typer.Option(
        "--type", help="initial_new, initial_resident or annual_review.")] = "initial_new",
    notified: Annotated[str, typer.Option(
        help="Notification (or renewal) date, YYYY-MM-DD.")] = "",
    agency: Annotated[list[str] | None, typer.Option(
        help="A further agency taking part (repeatable).")] = None,
    assess: Annotated[bool, typer.Option(
        help="Assess each property now from the reference layers.")] = True,
    authority: Annotated[str | None, typer.Option(
        help="The council the case belongs to (default: the one the first property is "
             "in, from the areas layer).")] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the case as JSON.")] = False,
) -> None:
    """Open an ERA case and print it with each agency's due date."""
    from geo_era.casework.assessment import open_assessed_case

    notified_on = _date(notified, "--notified") if notified else dt.date.today()
    document = open_assessed_case(_store(), _cases(), subject_id=subject_id,
                                  property_ids=property_ids, case_type=case_type,
                                  notified=notified_on, agencies=agency or (),
                                  assess_now=assess, authority=authority, actor=_actor(by))
    _print_case(document, as_json)


@case_app.command("show")
def case_show(case_id: str, justification: Annotated[str, JUSTIFY] = "",
              by: Annotated[str | None, BY] = None,
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show a case: agencies and deadlines, checks, assessments, decisions."""
    from geo_era.casework.cases import show_case

    _print_case(show_case(_cases(), case_id, actor=_actor(by, justification)), as_json)


@case_app.command("assess")
def case_assess(case_id: str, property_id: str, by: Annotated[str | None, BY] = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """(Re)assess a candidate property of an open case from the current reference data."""
    from geo_era.casework.assessment import assess
    from geo_era.casework.cases import assess_property

    store = _store()
    document = assess_property(_cases(), case_id, property_id,
                               lambda subject, pid: assess(store, subject, pid),
                               actor=_actor(by))
    _print_case(document, as_json)


@case_app.command("check")
def case_check(
    case_id: str,
    agency: Annotated[str, typer.Option(help="The agency that checked.")],
    kind: Annotated[str, typer.Option(help="database (3.7) or physical (3.8).")],
    item: Annotated[str, typer.Option(help="System checked, or the site category.")],
    outcome: Annotated[str, typer.Option(help="clear, concern or not_applicable.")],
    notes: Annotated[str | None, typer.Option(help="What was found.")] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a database or physical check."""
    from geo_era.casework.cases import record_check

    _print_case(record_check(_cases(), case_id, agency=agency, kind=kind, item=item,
                             outcome=outcome, notes=notes, actor=_actor(by)),
                as_json)


@case_app.command("agree")
def case_agree(
    case_id: str,
    agency: Annotated[str, typer.Option(help="The agency recording its view.")],
    disagree: Annotated[bool, typer.Option("--disagree", help="The agency does not agree.")
                        ] = False,
    comments: Annotated[str | None, typer.Option(help="Comments or concerns.")] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record an agency's agreement (or disagreement) with the ERA."""
    from geo_era.casework.cases import record_agreement

    _print_case(record_agreement(_cases(), case_id, agency=agency, agrees=not disagree,
                                 comments=comments, actor=_actor(by)), as_json)


@case_app.command("approve")
def case_approve(
    case_id: str,
    property_id: Annotated[str, typer.Option("--property", help="The property decided on.")],
    agency: Annotated[str, typer.Option(help="The lead agency.")],
    conclusion: Annotated[str, typer.Option(help="The lead agency's conclusion.")],
    reasons: Annotated[str, typer.Option(help="The reasons for it.")],
    not_manageable: Annotated[bool, typer.Option(
        "--not-manageable", help="The property is not manageable.")] = False,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Part C: approval by the lead agency."""
    from geo_era.casework.cases import approve

    _print_case(approve(_cases(), case_id, agency=agency, property_id=property_id,
                        manageable=not not_manageable, conclusion=conclusion,
                        reasons=reasons, actor=_actor(by)), as_json)


@case_app.command("decide")
def case_decide(
    case_id: str,
    property_id: Annotated[str, typer.Option("--property", help="The property decided on.")],
    agency: Annotated[str, typer.Option(help="The lead agency.")],
    conference: Annotated[str, typer.Option(help="Date of the case conference.")],
    conclusion: Annotated[str, typer.Option(help="The decision.")],
    reasons: Annotated[str, typer.Option(help="The reasons for it.")],
    not_manageable: Annotated[bool, typer.Option("--not-manageable")] = False,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Part D: the decision of a case conference where agencies disagreed."""
    from geo_era.casework.cases import decide

    _print_case(decide(_cases(), case_id, agency=agency, property_id=property_id,
                       manageable=not not_manageable, conclusion=conclusion, reasons=reasons,
                       conference_on=_date(conference, "--conference"), actor=_actor(by)), as_json)


@case_app.command("list")
def case_list(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue cases.")] = False,
    due_within: Annotated[int | None, typer.Option(
        help="Only cases due within this many days.", min=0)] = None,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Open cases, earliest due first."""
    from geo_era.casework.cases import list_cases

    cases = list_cases(_cases(), overdue=overdue, due_within=due_within,
                       actor=_actor(by, justification))
    if as_json:
        _echo_json(cases)
        return
    if not cases:
        typer.echo("no open cases" + (" overdue" if overdue else ""))
    for document in cases:
        _print_case(document, False)


@case_app.command("consent")
def case_consent(
    case_id: str,
    authority: Annotated[str, typer.Option(help="The receiving authority consenting.")],
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record the receiving authority's consent to an out-of-area placement (3.13)."""
    from geo_era.casework.cases import record_consent

    _print_case(record_consent(_cases(), case_id, authority=authority, actor=_actor(by)), as_json)


@case_app.command("restrict")
def case_restrict(
    case_id: str,
    property_id: Annotated[str, typer.Argument(help="The neighbouring property.")],
    restriction: Annotated[str, typer.Option(help="What future allocations must avoid.")],
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a restriction on future allocations of a neighbouring property (3.12)."""
    from geo_era.casework.cases import record_restriction

    _print_case(record_restriction(_cases(), case_id, property_id=property_id,
                                   restriction=restriction, actor=_actor(by)),
                as_json)


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


user_app = typer.Typer(help="Users: roles and organisations (no default credentials).",
                       no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[str, typer.Option(help="omu_analyst, cjsw, solo, rsl_link_officer, "
                                           "mappa_coordinator, auditor or admin.")],
    org: Annotated[str, typer.Option(help="The user's organisation, e.g. a council.")],
) -> None:
    """Add a user; the password is read from standard input (asked twice on a terminal)."""
    from geo_era.security.users import add_user

    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise typer.BadParameter("the passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    identity = add_user(_cases(), name, role=role, organisation=org, password=password)
    typer.echo(f"added {identity.username} ({identity.role}, {identity.organisation})")


audit_app = typer.Typer(help="The audit trail (DPA 2018 s62).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check the audit chain; exit code 3 when an entry was edited, deleted or moved."""
    from geo_era.security.audit import verify

    result = verify(_cases())
    if as_json:
        _echo_json({"entries": result.entries, "intact": result.intact,
                    "problems": result.problems})
    else:
        for problem in result.problems:
            typer.echo(problem)
        typer.echo(f"{result.entries} entries: "
                   f"{'intact' if result.intact else 'NOT INTACT'}")
    if not result.intact:
        raise typer.Exit(3)


@app.command("demo-users")
def demo_users_command() -> None:
    """Create (or reset) one FICTIONAL demo user per role and print their passphrases."""
    from geo_era.security.users import DEMO_COUNCIL, demo_users

    store = _store()
    council = DEMO_COUNCIL
    if store.has("areas"):
        areas = store.read_attributes("areas", ["area_type", "name"])
        councils = areas.loc[areas["area_type"].astype(str) == "council", "name"].dropna()
        council = str(councils.iloc[0]) if len(councils) else council
    made = demo_users(_cases(), council=council)
    typer.echo("FICTIONAL demo users (new passphrases each run; for the demo only):")
    for username, password in made.items():
        typer.echo(f"  {username:<24} {password}")


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(
        help="Worker processes (one per core suits; each holds the layers in memory).",
        min=1, max=64)] = 1,
) -> None:
    """Serve the HTTP API (uvicorn) over GEO_ERA_HOME's data and case store.

    The access log is off: it would record who asked for what and when outside the
    audit trail.
    """
    import uvicorn

    settings = _settings()  # refuse bad settings before binding the port
    if workers > 1 and settings.environment != "production" and not settings.secret_key:
        raise typer.BadParameter("several workers must share a signing key: set "
                                 "GEO_ERA_SECRET_KEY (32+ characters)", param_hint="--workers")
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, server_header=False)


@app.command("era-document")
def era_document_command(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. ERA-000042.")],
    out: Annotated[Path, typer.Option(
        help="Where to write it: FILE.pdf or FILE.html (the suffix sets the format).")],
    field_sheet: Annotated[str | None, typer.Option(
        "--field-sheet", metavar="PROPERTY_ID",
        help="Write the one-page physical-check field sheet (NASSO 3.8) of this "
             "candidate property instead.")] = None,
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
) -> None:
    """Write a case's ERA document (Parts A-D, maps; OFFICIAL-SENSITIVE) or a field sheet.

    Part A is included: the local operator has need to know. Reading the case is
    audited and needs --justification. The file is written whole or not at all.
    """
    from geo_era.documents.era_document import document_format, write_document

    document_format(out)  # refuse a bad suffix before reading anything
    size = write_document(_store(), _cases(), case_id, out, part_a=True,
                          field_sheet=field_sheet, actor=_actor(by, justification))
    what = f"field sheet of {field_sheet} in" if field_sheet else "ERA document of"
    typer.echo(f"wrote the {what} case {case_id} to {out} ({size:,} bytes)")


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


def main() -> None:
    """Entry point: run the app, turning errors into messages and exit codes.

    Usage errors are typer's own (exit code 2, with the usage line). geo_era errors are
    printed as their message (exit code 2). Anything else is an internal fault: logged
    without detail (exit code 1) unless ``--debug``.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except GeoEraError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        if _state["debug"]:
            raise
        log.error("internal error (%s); rerun with --debug for details", type(exc).__name__)
        sys.exit(1)


