"""Routes for restricted records and administration: victim-exclusion zones, annual
reviews, the audit trail (auditors) and imports of layers (administrators)."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import Field

from api.deps import PREFIX, App, Who
from api.schemas import JUSTIFICATION, TEXT_PATTERN, Id, Strict, long_text
from geo_era.casework.reviews import reviews_due, waive_review
from geo_era.casework.zones import add_exclusion_zone, zones_of
from geo_era.contract.schema import LAYERS
from geo_era.data.geometry_input import MAX_VERTICES
from geo_era.data.imports import import_files
from geo_era.db.store import session_scope
from geo_era.errors import DataError
from geo_era.security import audit

router = APIRouter(prefix=PREFIX)

#: Most files, and most bytes in all, one import may upload.
MAX_IMPORT_FILES = 8


Position = Annotated[list[float], Field(min_length=2, max_length=3,
                                         description="x, y (and z, ignored)")]
Ring = Annotated[list[Position], Field(min_length=4, max_length=MAX_VERTICES,
                                       description="a closed ring: first = last")]


class PolygonIn(Strict):
    type: Literal["Polygon"]
    coordinates: list[Ring] = Field(min_length=1, max_length=1_000,
                                    description="exterior ring, then any holes, in the "
                                                "CRS given")


class MultiPolygonIn(Strict):
    type: Literal["MultiPolygon"]
    coordinates: list[list[Ring]] = Field(min_length=1, max_length=1_000)


Geometry = Annotated[PolygonIn | MultiPolygonIn, Field(discriminator="type")]


class AddZone(Strict):
    subject_id: str = Id
    geometry: Geometry
    crs: str | None = Field(default=None, max_length=64,
                            description="CRS of the coordinates, e.g. EPSG:27700 or "
                                        "EPSG:4326 (longitude/latitude); required")
    reason: str | None = Field(default=None, max_length=1_000)
    justification: str | None = Field(default=None, max_length=1_000, pattern=TEXT_PATTERN)


class SubjectRef(Strict):
    subject_id: str = Id
    justification: str = JUSTIFICATION


class Justified(Strict):
    justification: str = JUSTIFICATION


class Waive(Strict):
    subject_id: str = Id
    reasons: str = Field(min_length=20, max_length=4_000, pattern=long_text(20),
                         description="The Responsible Authorities' reasons (NASSO 3.3)")


class AuditExport(Strict):
    justification: str = JUSTIFICATION
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    after_seq: int = Field(default=0, ge=0)
    limit: int = Field(default=1_000, ge=1, le=audit.EXPORT_LIMIT)


@router.post("/zones/add", tags=["zones"])
def add_zone_route(body: AddZone, identity: Who, app: App) -> dict[str, Any]:
    """Record a victim-exclusion zone for a subject (checked like an import; stored in
    EPSG:27700)."""
    caller = app.admit("zone_add", identity, justification=body.justification,
                       record_ids=[body.subject_id])
    return add_exclusion_zone(app.layers, app.engine, subject_id=body.subject_id,
                              geometry=body.geometry.model_dump(), crs=body.crs,
                              reason=body.reason, actor=caller.actor)


@router.post("/zones/show", tags=["zones"])
def show_zones_route(body: SubjectRef, identity: Who, app: App) -> dict[str, Any]:
    """A subject's exclusion zones as GeoJSON in EPSG:27700."""
    caller = app.admit("zone_show", identity, justification=body.justification,
                       record_ids=[body.subject_id])
    return zones_of(app.layers, app.engine, body.subject_id, actor=caller.actor)


@router.post("/reviews/due", tags=["reviews"])
def reviews_due_route(body: Justified, identity: Who, app: App) -> list[dict[str, Any]]:
    """Subjects due an annual review (NASSO 3.3), with the criteria they meet."""
    caller = app.admit("reviews_due", identity, justification=body.justification)
    return reviews_due(app.layers.read("subjects"), app.engine, actor=caller.actor)


@router.post("/reviews/waive", tags=["reviews"])
def waive_route(body: Waive, identity: Who, app: App) -> dict[str, Any]:
    """Record why a subject needs no annual review (NASSO 3.3)."""
    caller = app.admit("reviews_waive", identity, record_ids=[body.subject_id])
    return waive_review(app.engine, body.subject_id, justification=body.reasons,
                        actor=caller.actor)


@router.post("/audit/export", tags=["audit"])
def audit_export_route(body: AuditExport, identity: Who, app: App) -> dict[str, Any]:
    """Audit entries oldest first, with the verification of the whole chain."""
    caller = app.admit("audit_export", identity, justification=body.justification)
    return audit.export(app.engine, actor=caller.actor, since=body.since, until=body.until,
                        after_seq=body.after_seq, limit=body.limit)


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", base)[:128].lstrip(".")
    if not cleaned:
        raise DataError(f"file name {name!r} is not usable; name it after its layer")
    return cleaned


@router.post("/imports", tags=["imports"])
def import_route(identity: Who, app: App,
                 files: Annotated[list[UploadFile], File(description="GeoPackage, "
                                  "GeoJSON, GeoParquet, Shapefile parts, CSV or OSM")],
                 layer: Annotated[str | None, Form(max_length=32)] = None,
                 crs: Annotated[str | None, Form(max_length=64)] = None) -> dict[str, Any]:
    """Import layers, all or nothing: every problem is listed with its file, layer, row
    and column, and nothing changes unless everything is right."""
    caller = app.admit("import", identity)
    if not 1 <= len(files) <= MAX_IMPORT_FILES:
        raise DataError(f"upload between 1 and {MAX_IMPORT_FILES} files")
    if layer is not None and layer not in LAYERS:
        raise DataError(f"unknown layer {layer!r}; use one of {', '.join(LAYERS)}")
    with tempfile.TemporaryDirectory(prefix="geo_era-upload-") as folder:
        paths = []
        for upload in files:
            path = Path(folder) / _safe_name(upload.filename or "upload")
            with path.open("wb") as out:
                while chunk := upload.file.read(1 << 20):
                    out.write(chunk)
            paths.append(path)
        main = [p for p in paths if p.suffix.lower() not in (".shx", ".dbf", ".prj", ".cpg")]
        # the entry is written first and committed only if the import succeeds
        with session_scope(app.engine) as session:
            caller.actor.record(session, operation="collection", record_type="import",
                                record_ids=[p.name for p in paths])
            report = import_files(main, store=app.layers, crs=crs, layer=layer)
    return {"data_version": report.data_version, "rows": report.rows,
            "sources": report.sources, "skipped": report.skipped,
            "notices": [str(n) for n in report.notices]}
