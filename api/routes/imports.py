"""The route of imports of layers, for administrators: all or nothing."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from api.deps import PREFIX, App, Who
from geo_era.contract.schema import LAYERS
from geo_era.data.imports import import_files
from geo_era.db.store import session_scope
from geo_era.errors import DataError

router = APIRouter(prefix=PREFIX)

#: Most files, and most bytes in all, one import may upload.
MAX_IMPORT_FILES = 8


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
