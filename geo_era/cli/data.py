"""Commands for the layers: import, list, the FICTIONAL demo data and demo users."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer

from geo_era.cli._common import BY, app, caller, echo_answer, services
from geo_era.services import data
from geo_era.services.answers.data import ImportReport
from geo_era.services.context import Services
from geo_era.services.products import PRODUCTS, import_osm, import_product

#: How much lower than normal an import runs (a nice(2) increment) with ``--priority
#: low``: a server on the same machine keeps its share of the two cores while a national
#: import runs (its answers took up to 330 ms during one at equal priority, issue 23); on a
#: machine with nothing else to do an import is as fast.
IMPORT_NICENESS = 10


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="Files to import, all layers in each.")],
    crs: Annotated[str | None, typer.Option(
        help="CRS of coordinates that come without one, e.g. EPSG:27700.")] = None,
    layer: Annotated[str | None, typer.Option(
        help="Layer name for a single-layer file not named after its layer.")] = None,
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
    file_format: Annotated[str, typer.Option(
        "--format", help="contract (geo_era's own layers, the default), or a national "
                         "product as supplied: addressbase (OS AddressBase Plus or "
                         "Premium CSV: properties), mastermap (OS MasterMap Topography "
                         "Layer GML or GeoPackage: buildings by TOID), inspire (Registers "
                         "of Scotland INSPIRE polygons GML: plots), schools (school "
                         "locations CSV: sites), osm (a whole-country OpenStreetMap "
                         ".osm.pbf, streamed: buildings, sites, streets).")] = "contract",
    priority: Annotated[str, typer.Option(
        help="CPU priority: low (the default: a server on this machine keeps answering "
             "while the import runs; alone, it is as fast) or normal.")] = "low",
) -> None:
    """Import every geo_era layer in FILES into GEO_ERA_HOME, all or nothing. The import
    is recorded in the audit trail.

    \b
    --format addressbase: the dwellings of one AddressBase Plus or Premium CSV file become
    the properties layer (UPRN as property id, address in Scottish form, type from the
    class); other records (garages, shops, care homes...) are dropped and counted.
    --format mastermap|inspire|schools: buildings, plots or sites from those products.
    --format osm: one OpenStreetMap .osm.pbf (Scotland's extract) streamed into buildings,
    sites and streets without holding the file (a small extract imports as it is).
    """
    _set_priority(priority)
    chosen = file_format.strip().lower()
    if chosen in PRODUCTS:
        _import_product(files, chosen, by=by, as_json=as_json)
        return
    if chosen in ("addressbase", "osm"):
        if len(files) != 1:
            raise typer.BadParameter(f"give one {chosen} file", param_hint="FILES")
        (_import_addressbase if chosen == "addressbase" else _import_osm)(
            files[0], by=by, as_json=as_json)
        return
    if chosen != "contract":
        raise typer.BadParameter(
            f"{file_format!r}: give contract, addressbase, osm, " + ", ".join(PRODUCTS),
            param_hint="--format")
    svc = services()
    report = data.import_layers(svc, caller(by), files=files, crs=crs, layer=layer)
    if as_json:
        echo_answer(report)
        return
    for name, rows in sorted(report.rows.items()):
        typer.echo(f"imported {name}: {rows:,} rows")
    for line in report.skipped:
        typer.echo(f"skipped {line}")
    _echo_end(report, svc)


def _set_priority(priority: str) -> None:
    """Lower this process's CPU priority (and its workers') for ``low``."""
    chosen = priority.strip().lower()
    if chosen not in ("low", "normal"):
        raise typer.BadParameter(f"{priority!r}: give low or normal", param_hint="--priority")
    if chosen == "low":
        os.nice(IMPORT_NICENESS)


def _echo_end(report: ImportReport, svc: Services) -> None:
    """An import's notices and the data version it made."""
    if report.notices:
        typer.echo(f"{len(report.notices)} notice(s) about derived values:")
        for notice in report.notices:
            typer.echo(f"  - {notice}")
    typer.echo(f"data version {report.data_version} in {svc.layers.home}")


def _import_osm(path: Path, *, by: str | None, as_json: bool) -> None:
    """``import --format osm``: a national OSM PBF streamed into three layers."""
    svc = services()
    report = import_osm(svc, caller(by), path=path)
    if as_json:
        echo_answer(report)
        return
    for name, rows in sorted(report.rows.items()):
        typer.echo(f"imported {name}: {rows:,} rows (streamed from {path.name})")
    _echo_end(report, svc)


def _import_addressbase(path: Path, *, by: str | None, as_json: bool) -> None:
    """``import --format addressbase``: one AddressBase file as the properties layer."""
    svc = services()
    report = data.import_addressbase(svc, caller(by), path=path)
    if as_json:
        echo_answer(report)
        return
    kinds = ", ".join(f"{n:,} {kind}" for kind, n in report.dwellings.items())
    typer.echo(f"AddressBase {report.product}: {report.records:,} records; imported "
               f"properties: {report.rows.get('properties', 0):,} rows ({kinds})")
    if report.dropped:
        typer.echo("dropped (not dwellings, or gone or planned): " + ", ".join(
            f"{kind} {n:,}" for kind, n in report.dropped.items()))
    _echo_end(report, svc)


def _import_product(files: list[Path], product: str, *, by: str | None,
                    as_json: bool) -> None:
    """``geo-era import --format mastermap|inspire|schools FILE...``."""
    svc = services()
    report = import_product(svc, caller(by), files=files, product=product)
    if as_json:
        echo_answer(report)
        return
    for line in report.notices:
        typer.echo(line)
    for name, rows in sorted(report.rows.items()):
        typer.echo(f"imported {name}: {rows:,} rows ({report.taken:,} taken from "
                   f"{report.features:,} features of {product})")
    if report.left_out:
        typer.echo(f"{len(report.left_out):,} feature(s) left out:")
        for line in report.left_out[:50]:
            typer.echo(f"  - {line}")
    typer.echo(f"data version {report.data_version} in {svc.layers.home}")


@app.command("import-care-services")
def import_care_services_command(
    datastore: Annotated[Path, typer.Argument(
        help="The Care Inspectorate datastore CSV (MDSF_data_<date>.csv) as published.")],
    postcodes: Annotated[list[Path], typer.Option(
        "--postcodes", help="A postcode file: Code-Point Open (its CSV files, one or "
                            "more) or the ONS Postcode Directory CSV. Repeat for several.")],
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Import the Care Inspectorate's registered services as sites, placed by postcode.

    \b
    The datastore's columns are read by name: CSNumber (the site id is CI-<CSNumber>),
    CareService (Day Care of Children and Child Minding become nursery sites, Care Home
    Service a care_home site; any other kind is left out), Subtype (kept in a care
    home's name), ServiceName (a childminder's site is named by registration number),
    Service_Postcode, and ServiceStatus if present (only Active services).
    \b
    Postcode files: Code-Point Open (no header row: postcode, positional quality,
    eastings, northings, ...; quality 90 has no coordinates) or the ONS Postcode
    Directory (pcds, east1m/north1m or oseast1m/osnrth1m, gridind/osgrdind; 9 has no
    grid reference).
    \b
    The sites of an earlier Care Inspectorate import are replaced, every other site
    kept; the sites layer changes all or nothing, and every row that cannot be placed
    (no or unknown postcode, a kind not taken, not active, a repeated CSNumber) is listed
    with its row number, never guessed. Recorded in the audit trail.
    """
    svc = services()
    report = data.import_care_services(svc, caller(by), datastore=datastore,
                                       postcode_files=postcodes)
    if as_json:
        echo_answer(report)
        return
    placed = ", ".join(f"{n:,} {category}" for category, n in report.placed.items())
    typer.echo(f"placed {placed} of {report.datastore_rows:,} datastore rows; "
               f"sites: {report.rows.get('sites', 0):,} rows")
    if report.left_out:
        typer.echo(f"{len(report.left_out):,} row(s) left out, not placed:")
        for line in report.left_out:
            typer.echo(f"  - {line}")
    typer.echo(f"data version {report.data_version} in {svc.layers.home}")


@app.command("layers")
def layers_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the layers in GEO_ERA_HOME with their versions and sources."""
    svc = services()
    answer = data.layers(svc, caller())
    if as_json:
        echo_answer(answer)
        return
    if not answer.layers:
        typer.echo(f"no layers in {svc.layers.home}; run 'geo-era import' or "
                   "'geo-era demo-data'")
        return
    for name, v in answer.layers.items():
        typer.echo(f"{name:<16} v{v.version:<4} {v.rows:>10,} rows  {', '.join(v.sources)}")


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
    from geo_era.demo.demotown import build_demo_town, write_demo_town
    from geo_era.demo.home import import_demo_town

    started = time.perf_counter()
    size, towns = _scale(scale)
    if edinburgh is not None:
        _demo_edinburgh(edinburgh, seed=seed, out=out, started=started)
        return
    town = build_demo_town(scale=size, seed=seed, towns=towns)
    if out is not None:
        files = write_demo_town(town, out)
        typer.echo(f"wrote {len(files)} layer files to {out} "
                   f"({len(town.layers['properties']):,} addresses) in "
                   f"{time.perf_counter() - started:.1f} s")
        return
    store = services().layers
    report = import_demo_town(town, store)
    counts = ", ".join(f"{name} {rows:,}" for name, rows in sorted(report.rows.items()))
    typer.echo(f"demo town (scale {scale}, seed {seed}, FICTIONAL) imported into "
               f"{store.home}: {counts}; data version {report.data_version}; "
               f"{time.perf_counter() - started:.1f} s")
    if report.notices:
        typer.echo(f"{len(report.notices)} notice(s) about derived values, e.g. "
                   f"{report.notices[0]}")


def _demo_edinburgh(folder: Path, *, seed: int, out: Path | None, started: float) -> None:
    """``demo-data --edinburgh``: FICTIONAL placements on the real data zones."""
    from geo_era.demo.edinburgh import build_edinburgh, import_edinburgh, write_edinburgh

    if out is not None:
        files = write_edinburgh(build_edinburgh(folder, seed=seed), out)
        typer.echo(f"wrote {len(files)} layer files to {out}")
        return
    store = services().layers
    report = import_edinburgh(folder, store, seed=seed)
    counts = ", ".join(f"{name} {rows:,}" for name, rows in sorted(report.rows.items()))
    typer.echo(f"City of Edinburgh data zones with FICTIONAL placements (seed {seed}) "
               f"imported into {store.home}: {counts}; data version "
               f"{report.data_version}; {time.perf_counter() - started:.1f} s")


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


@app.command("demo-users")
def demo_users_command() -> None:
    """Create (or reset) one FICTIONAL demo user per role and print their passphrases and,
    for roles that sign in with a second factor, their TOTP secrets."""
    from geo_era.demo.home import reset_demo_users

    svc = services()
    made = reset_demo_users(svc.layers, svc.engine, svc.settings)
    typer.echo("FICTIONAL demo users (new passphrases and second-factor secrets each run; "
               "for the demo only):")
    typer.echo(f"  {'user':<24} {'passphrase':<28} TOTP secret (add to an authenticator app)")
    for username, user in made.items():
        typer.echo(f"  {username:<24} {user.password:<28} {user.totp_secret or '-'}")
    if any(user.totp_secret for user in made.values()):
        typer.echo("A code for a secret: any authenticator app (a time-based key), or "
                   "'oathtool --totp -b SECRET', or\n  python -c \"import pyotp; "
                   "print(pyotp.TOTP('SECRET').now())\"")
