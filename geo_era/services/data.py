"""The layers as services: importing them (audited), listing them; and who is asking,
and whether the service is up."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import geopandas as gpd

from geo_era import __version__
from geo_era.contract.schema import LAYERS
from geo_era.data.addressbase import read_addressbase
from geo_era.data.care_inspectorate import care_sites, merged_sites
from geo_era.data.imports import import_files, import_raw_layers
from geo_era.data.readers import RawLayer
from geo_era.data.sandbox import ImportLimits
from geo_era.db.store import session_scope
from geo_era.errors import DataError
from geo_era.services.answers.data import (
    AddressBaseImport,
    CareServicesImport,
    Health,
    ImportReport,
    LayerInfo,
    Layers,
    Me,
)
from geo_era.services.context import Services
from geo_era.services.policy import Admitted, Caller

#: A Shapefile's companions: imported with their ``.shp``, never read on their own.
SIDECARS = frozenset({".shx", ".dbf", ".prj", ".cpg"})


#: Most files one import may name (with a Shapefile's companions).
MAX_IMPORT_FILES = 8


def _recorded(services: Services, admitted: Admitted, record_ids: list[str]
              ) -> Callable[[], AbstractContextManager[object]]:
    """An import's audit entry, written in a transaction of the case store held only
    while the new layers are published (the catalog swapped), not while the import
    reads, checks and writes them: the audit chain's lock held for that long kept every
    audited read of a running server waiting (seconds, then failing) during a national
    re-import (issue 23). If the entry cannot be written, nothing is published; an
    import refused records nothing."""
    @contextmanager
    def publish() -> Iterator[None]:
        with session_scope(services.engine) as session:
            admitted.actor.record(session, operation="collection", record_type="import",
                                  record_ids=record_ids)
            yield

    return publish


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
    report = import_files(readable, store=services.layers, crs=crs, layer=layer,
                          limits=ImportLimits.of(services.settings),
                          publish=_recorded(services, admitted,
                                            [path.name for path in files]))
    return ImportReport(data_version=report.data_version, rows=report.rows,
                        sources=report.sources, skipped=report.skipped,
                        notices=[str(notice) for notice in report.notices])


def import_care_uploads(services: Services, caller: Caller, *,
                        staged: Callable[[], AbstractContextManager[list[Path]]],
                        count: int) -> CareServicesImport:
    """Import uploaded files (the API's ``/imports`` with ``format=care_inspectorate``)
    as :func:`import_care_services` does: the first file is the Care Inspectorate
    datastore, the others the postcode files. The caller is admitted before anything of
    the upload is written to disk."""
    services.gate.admit("import", caller)
    if not 2 <= count <= MAX_IMPORT_FILES:
        raise DataError(f"upload the Care Inspectorate datastore CSV first, then 1 to "
                        f"{MAX_IMPORT_FILES - 1} postcode files (Code-Point Open or the "
                        "ONS Postcode Directory)")
    with staged() as files:
        return import_care_services(services, caller, datastore=files[0],
                                    postcode_files=files[1:])


def import_care_services(services: Services, caller: Caller, *, datastore: Path,
                         postcode_files: Sequence[Path]) -> CareServicesImport:
    """Import the Care Inspectorate's registered services (its datastore CSV) as sites,
    placed by postcode from Code-Point Open or the ONS Postcode Directory
    (:mod:`geo_era.data.care_inspectorate`): childminders and day care of children as
    ``nursery`` sites, care homes as ``care_home`` sites, replacing those of an earlier
    such import and keeping every other site.

    Administrators only (the ``import`` endpoint), audited as an import, all or nothing:
    the sites layer changes in one step, through the import's own checks. Rows that
    cannot be placed are never guessed: each is left out and listed with its row number.

    Raises
    ------
    DataError
        The datastore lacks a column, a postcode file is of neither kind, or no row
        could be placed (nothing is changed).
    ImportRefusedError
        The sites layer, with the services placed, breaks the import rules (nothing is
        changed).
    """
    admitted = services.gate.admit("import", caller)
    placed = care_sites(datastore, postcode_files,
                        max_rows=services.settings.import_max_rows)
    if placed.sites.empty:
        raise DataError(f"no service of {datastore.name} could be placed "
                        f"({len(placed.left_out)} row(s) left out"
                        + (f", the first: {placed.left_out[0]}" if placed.left_out else "")
                        + "); nothing was changed")
    existing = services.layers.read("sites") if services.layers.has("sites") else None
    sites = merged_sites(existing if isinstance(existing, gpd.GeoDataFrame) else None,
                         placed.sites)
    with tempfile.TemporaryDirectory(prefix="geo_era-care-") as folder:
        staged = Path(folder) / "sites.gpkg"
        sites.to_file(staged, layer="sites", driver="GPKG")
        report = import_files([staged], store=services.layers, layer="sites",
                              limits=ImportLimits.of(services.settings),
                              publish=_recorded(services, admitted, [
                                  datastore.name, *(p.name for p in postcode_files)]))
    return CareServicesImport(
        data_version=report.data_version, rows=report.rows,
        sources={"sites": [datastore.name]}, skipped=report.skipped,
        notices=[str(notice) for notice in report.notices],
        datastore_rows=placed.rows, placed=placed.by_category(),
        left_out=[str(problem) for problem in placed.left_out])


def import_addressbase(services: Services, caller: Caller, *, path: Path,
                       product: str | None = None) -> AddressBaseImport:
    """Import the dwellings of an OS AddressBase Plus or Premium CSV file as the properties
    layer (:mod:`geo_era.data.addressbase`): the UPRN as property id, the address in
    Scottish form, the type from the class; floors, closes and buildings then derived as
    for any properties layer.

    Administrators only (the ``import`` endpoint), audited as an import, all or nothing:
    the properties layer is replaced in one step, through the import's own checks.

    Raises
    ------
    DataError
        The file is not AddressBase or holds no dwelling (nothing is changed).
    ImportRefusedError
        A record is wrong, or the layer breaks the import rules (nothing is changed).
    """
    admitted = services.gate.admit("import", caller)
    store = services.layers
    building_ids = (store.read_attributes("buildings", ["building_id"])["building_id"]
                    if store.has("buildings") else None)
    read = read_addressbase(path, building_ids=building_ids,
                            product="premium" if product == "premium" else
                            "plus" if product == "plus" else None,
                            max_rows=services.settings.import_max_rows)
    dwellings, facts = read.by_type(), read.addresses
    layer = [RawLayer(file=path.name, layer="properties", frame=read.properties)]
    read.properties = read.properties.iloc[:0]  # the import lets go of it once validated
    # the layer geo_era made from the file goes straight to the import's checks, with
    # the facts of its addresses rather than parsing them again
    report = import_raw_layers(layer, store=store, known_addresses=facts,
                               publish=_recorded(services, admitted, [path.name]))
    return AddressBaseImport(
        data_version=report.data_version, rows=report.rows,
        sources={"properties": [path.name]}, skipped=report.skipped,
        notices=[str(notice) for notice in report.notices], product=read.product,
        records=read.records, dwellings=dwellings, dropped=read.dropped)


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
