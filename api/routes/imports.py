"""The route of imports of layers, for administrators: all or nothing."""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile

from geo_era.errors import DataError, quote
from geo_era.services import data, products
from geo_era.services.answers.data import CareServicesImport, ImportReport, ProductImport

from ..deps import PREFIX, App, Who, caller_of

log = logging.getLogger(__name__)
router = APIRouter(prefix=PREFIX)

def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", base)[:128].lstrip(".")
    if not cleaned:
        raise DataError(f"file name {quote(name)} is not usable; name it after its layer")
    return cleaned


@contextmanager
def _staged(files: list[UploadFile]) -> Iterator[list[Path]]:
    """The uploads as files in a private temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="geo_era-upload-") as folder:
        paths = []
        for upload in files:
            path = Path(folder) / _safe_name(upload.filename or "upload")
            with path.open("wb") as out:
                while chunk := upload.file.read(1 << 20):
                    out.write(chunk)
            paths.append(path)
        yield paths


@router.post("/imports", tags=["imports"],
             response_model=CareServicesImport | ProductImport | ImportReport)
def import_route(*, identity: Who, app: App,
                 files: Annotated[list[UploadFile], File(description="GeoPackage, "
                                  "GeoJSON, GeoParquet, Shapefile parts, CSV or OSM; "
                                  "for care_inspectorate, the datastore CSV first, then "
                                  "the postcode files")],
                 layer: Annotated[str | None, Form(max_length=32)] = None,
                 crs: Annotated[str | None, Form(max_length=64)] = None,
                 source: Annotated[Literal["layers", "care_inspectorate", "mastermap",
                                           "inspire", "schools"], Form(
                     alias="format",
                     description="layers: geo_era's own layers (the data contract); "
                                 "care_inspectorate: the Care Inspectorate's datastore "
                                 "CSV as sites, placed by postcode from Code-Point Open "
                                 "or the ONS Postcode Directory; mastermap: OS "
                                 "MasterMap Topography Layer GML or GeoPackage as "
                                 "buildings by TOID; inspire: Registers of Scotland "
                                 "INSPIRE polygons GML as plots; schools: the school "
                                 "locations CSV as sites")] = "layers",
                 ) -> CareServicesImport | ProductImport | ImportReport:
    """Import layers, all or nothing: every problem is listed with its file, layer, row
    and column, and nothing changes unless everything is right. With
    ``format=care_inspectorate``, the Care Inspectorate's registered services become
    sites (childminders and day care of children ``nursery``, care homes ``care_home``),
    replacing those of an earlier such import, and every row that cannot be placed is
    listed with its row number. With ``format=mastermap``, ``inspire`` or ``schools``,
    a national product's files feed the buildings, plots or sites
    (:mod:`geo_era.services.products`). Administrators only; audited."""
    report: CareServicesImport | ProductImport | ImportReport
    if source in products.PRODUCTS:
        report = products.import_product_uploads(app, caller_of(identity),
                                                 staged=lambda: _staged(files),
                                                 count=len(files), product=source)
    elif source == "care_inspectorate":
        report = data.import_care_uploads(app, caller_of(identity),
                                          staged=lambda: _staged(files), count=len(files))
    else:
        report = data.import_uploads(app, caller_of(identity), staged=lambda: _staged(files),
                                     count=len(files), crs=crs, layer=layer)
    # this worker serves the new data from the next request on; the others load it in
    # the background while they answer from what they hold
    try:
        app.workspace.refresh()
    except Exception as exc:  # the import stands; the next calls load it again
        log.warning("workspace not reloaded after an import: %s", type(exc).__name__)
    return report
