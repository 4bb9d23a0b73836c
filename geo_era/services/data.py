"""The layers as services: importing them (audited), listing them; and who is asking,
and whether the service is up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from geo_era import __version__
from geo_era.contract.schema import LAYERS
from geo_era.data.imports import import_files
from geo_era.data.sandbox import ImportLimits
from geo_era.db.store import session_scope
from geo_era.errors import DataError
from geo_era.services.answers.data import Health, ImportReport, LayerInfo, Layers, Me
from geo_era.services.context import Services
from geo_era.services.policy import Caller

#: A Shapefile's companions: imported with their ``.shp``, never read on their own.
SIDECARS = frozenset({".shx", ".dbf", ".prj", ".cpg"})


#: Most files one import may name (with a Shapefile's companions).
MAX_IMPORT_FILES = 8


def import_uploads(services: Services, caller: Caller, *,
                   staged: Callable[[], AbstractContextManager[list[Path]]], count: int,
                   crs: str | None = None, layer: str | None = None) -> ImportReport:
    """Import uploaded files (the API's ``/imports``) as :func:`import_layers` does.

    The caller is admitted before anything of the upload is looked at or written to
    disk: ``staged`` (which writes the ``count`` uploads to a private temporary folder
    and removes it afterwards) runs only for an administrator.
    """
    services.gate.admit("import", caller)
    if not 1 <= count <= MAX_IMPORT_FILES:
        raise DataError(f"upload between 1 and {MAX_IMPORT_FILES} files")
    if layer is not None and layer not in LAYERS:
        raise DataError(f"unknown layer {layer!r}; use one of {', '.join(LAYERS)}")
    with staged() as files:
        return import_layers(services, caller, files=files, crs=crs, layer=layer)


def import_layers(services: Services, caller: Caller, *, files: Sequence[Path],
                  crs: str | None = None, layer: str | None = None) -> ImportReport:
    """Import every geo_era layer in ``files`` into ``GEO_ERA_HOME``, all or nothing.

    Only an administrator (or the operator) may import. The import is audited: one
    ``collection`` entry of record type ``import`` naming the files, written first in a
    transaction that commits only if the import succeeds, so a refused import leaves
    neither layers nor an entry behind. Shapefile companions (``.shx``, ``.dbf``,
    ``.prj``, ``.cpg``) are named in the entry and read with their ``.shp``. The files
    come from outside geo_era, so they are read in a child process within the import
    limits of the settings (:mod:`geo_era.data.sandbox`).

    Parameters
    ----------
    files
        GeoPackage, GeoJSON, GeoParquet, Shapefile parts, CSV or OSM files.
    crs
        CRS of coordinates that come without one, e.g. ``EPSG:27700``.
    layer
        Layer name for a single-layer file not named after its layer.

    Raises
    ------
    ImportRefusedError
        Every problem in every file; nothing was changed and nothing recorded.
    """
    admitted = services.gate.admit("import", caller)
    readable = [path for path in files if path.suffix.lower() not in SIDECARS]
    with session_scope(services.engine) as session:
        admitted.actor.record(session, operation="collection", record_type="import",
                              record_ids=[path.name for path in files])
        report = import_files(readable, store=services.layers, crs=crs, layer=layer,
                              limits=ImportLimits.of(services.settings))
    return ImportReport(data_version=report.data_version, rows=report.rows,
                        sources=report.sources, skipped=report.skipped,
                        notices=[str(notice) for notice in report.notices])


def layers(services: Services, caller: Caller) -> Layers:
    """The layers in ``GEO_ERA_HOME``: version, rows, sources and import time of each.

    Metadata only (no record is read), so open to every caller and not audited.
    """
    del caller  # every caller may list the layers
    store = services.layers
    versions = [store.version(name) for name in store.layer_names()]
    return Layers(data_version=store.data_version, layers={
        v.name: LayerInfo(version=v.version, rows=v.rows, sources=list(v.sources),
                          imported_at=v.imported_at) for v in versions})


def me(services: Services, caller: Caller) -> Me:
    """Who is asking: their username, role and organisation."""
    services.gate.admit("me", caller)
    return Me(username=caller.username, role=caller.role, organisation=caller.organisation)


def health() -> Health:
    """Liveness: no data, no caller."""
    return Health(status="ok", version=__version__)
