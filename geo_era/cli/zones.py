"""Commands for victim-exclusion zones: record one, consult a subject's zones (thin
adapters over :mod:`geo_era.services.records`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from geo_era.cli._common import BY, JUSTIFY, app, caller, echo_answer, services
from geo_era.errors import DataError
from geo_era.services import records

zone_app = typer.Typer(help="Victim-exclusion zones (restricted; every use is audited).",
                       no_args_is_help=True)


app.add_typer(zone_app, name="zone")


def _geometry(path: Path) -> dict[str, object]:
    """The one geometry of a GeoJSON file: a Polygon or MultiPolygon, a Feature, or a
    FeatureCollection of one Feature."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path.name}: not a GeoJSON file that can be read ({exc})") from None
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features") or []
        if len(features) != 1:
            raise DataError(f"{path.name}: give one zone per file ({len(features)} features "
                            "found)")
        document = features[0]
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = document.get("geometry")
    if not isinstance(document, dict):
        raise DataError(f"{path.name}: no geometry found; give a GeoJSON Polygon or "
                        "MultiPolygon")
    return document


@zone_app.command("add")
def zone_add(
    subject_id: Annotated[str, typer.Argument(help="The subject's pseudonymous id.")],
    geojson: Annotated[Path, typer.Option(
        "--geojson", help="A GeoJSON file: a Polygon or MultiPolygon (or one Feature).")],
    crs: Annotated[str | None, typer.Option(
        help="CRS of the coordinates, e.g. EPSG:27700 or EPSG:4326 (longitude, "
             "latitude); required.")] = None,
    reason: Annotated[str | None, typer.Option(
        help="Why the zone exists (restricted, like the zone).")] = None,
    justification: Annotated[str, typer.Option(
        "--justification", help="Why (optional); recorded in the audit trail.")] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a victim-exclusion zone for a subject, checked like an import and stored
    in EPSG:27700."""
    added = records.add_zone(services(), caller(by), subject_id=subject_id,
                             geometry=_geometry(geojson), crs=crs, reason=reason,
                             justification=justification)
    if as_json:
        echo_answer(added)
        return
    typer.echo(f"recorded exclusion zone {added.zone_id} for {added.subject_id} "
               f"({added.area_m2:,.1f} m², {added.crs})")


@zone_app.command("show")
def zone_show(
    subject_id: Annotated[str, typer.Argument(help="The subject's pseudonymous id.")],
    justification: Annotated[str, JUSTIFY] = "",
    by: Annotated[str | None, BY] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the zones as GeoJSON (EPSG:27700, metres).")] = False,
) -> None:
    """A subject's exclusion zones; consulting them needs --justification and is
    audited."""
    zones = records.show_zones(services(), caller(by), subject_id=subject_id,
                               justification=justification)
    if as_json:
        echo_answer(zones)
        return
    for feature in zones.features:
        typer.echo(f"{feature.id}: {feature.properties.reason or 'no reason recorded'}")
    typer.echo(f"{len(zones.features)} exclusion zone(s) for {zones.subject_id}")
