"""Imports of the national products as they come (issue 22): OS MasterMap Topography
Layer buildings, Registers of Scotland INSPIRE polygons as plots, the Scottish
Government's school locations as sites.

A whole-country OpenStreetMap PBF extract (``format osm``) is streamed into buildings,
sites and streets (:func:`geo_era.data.osm.stream.stream_pbf_isolated`) instead of going
through osmnx, which holds the file: the command line's path for Scotland's extract.

Each is administrators only (the ``import`` endpoint), audited as an import (one
``collection`` entry of record type ``import`` naming the files, committed only with
the import) and all or nothing: the product is mapped onto the data contract first
(every problem of the file raised together), then the one layer it feeds changes in one
step through the import's own checks (:func:`geo_era.data.imports.import_files`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_era.data import inspire, mastermap, schools
from geo_era.data.imports import ImportReport, import_files
from geo_era.data.products import read_product
from geo_era.data.sandbox import ImportLimits
from geo_era.db.store import session_scope
from geo_era.errors import DataError, Problem, file_label
from geo_era.services.answers.data import ProductImport
from geo_era.services.context import Services
from geo_era.services.data import MAX_IMPORT_FILES
from geo_era.services.policy import Caller

#: The products ``geo-era import --format`` takes, and the layer each feeds.
PRODUCTS: dict[str, str] = {"mastermap": "buildings", "inspire": "plots",
                            "schools": "sites"}


def import_product_uploads(services: Services, caller: Caller, *,
                           staged: Callable[[], AbstractContextManager[list[Path]]],
                           count: int, product: str) -> ProductImport:
    """Import uploaded files of a national product (the API's ``/imports`` with
    ``format=mastermap|inspire|schools``) as :func:`import_product` does. The caller is
    admitted before anything of the upload is written to disk."""
    services.gate.admit("import", caller)
    if not 1 <= count <= MAX_IMPORT_FILES:
        raise DataError(f"upload between 1 and {MAX_IMPORT_FILES} files")
    with staged() as files:
        return import_product(services, caller, files=files, product=product)


def import_product(services: Services, caller: Caller, *, files: Sequence[Path],
                   product: str) -> ProductImport:
    """Import a national product's ``files`` into the layer it feeds (:data:`PRODUCTS`).

    Raises
    ------
    DataError
        An unknown product, a file not of the product, or nothing to take.
    ImportRefusedError
        Every problem of the files (file, feature or row, the product's field); nothing
        was changed and nothing recorded.
    """
    if product not in PRODUCTS:
        raise DataError(f"unknown format {product!r}; use one of {', '.join(PRODUCTS)}")
    admitted = services.gate.admit("import", caller)
    if not files:
        raise DataError(f"name the {product} file(s) to import")
    limits = ImportLimits.of(services.settings)
    layer = PRODUCTS[product]
    frame, features, left_out, notices = _mapped(services, product, files, limits)
    # the sites layer written holds the other sites too: the schools taken are those read
    taken = features if product == "schools" else len(frame)
    if frame.empty:
        raise DataError(f"nothing of {', '.join(file_label(p) for p in files)} could be "
                        f"taken as {layer}; nothing was changed")
    with tempfile.TemporaryDirectory(prefix="geo_era-product-") as folder:
        staged = Path(folder) / f"{layer}.gpkg"
        frame.to_file(staged, layer=layer, driver="GPKG")
        with session_scope(services.engine) as session:
            admitted.actor.record(session, operation="collection", record_type="import",
                                  record_ids=[path.name for path in files])
            report: ImportReport = import_files([staged], store=services.layers,
                                                layer=layer)
    return ProductImport(
        data_version=report.data_version, rows=report.rows,
        sources={layer: [path.name for path in files]}, skipped=report.skipped,
        notices=notices + [str(n) for n in report.notices], product=product,
        features=features, taken=taken, left_out=[str(p) for p in left_out])


def import_osm(services: Services, caller: Caller, *, path: Path) -> ProductImport:
    """Stream an OpenStreetMap PBF extract (a whole country's) into the buildings, sites
    and streets layers, all or nothing, audited as an import (``geo-era import --format
    osm``). Its reading child runs within the import limits; ``GEO_ERA_IMPORT_MAX_ROWS``
    bounds each layer's rows, and Scotland's extract needs ``GEO_ERA_IMPORT_SECONDS`` of
    about 600 on two cores (``bench/osm_national.py``).

    Raises
    ------
    DataError
        The file is not a sorted, readable PBF, holds no buildings, sites or streets, or
        was over a limit; nothing was changed and nothing recorded.
    """
    from geo_era.data.osm.stream import stream_pbf_isolated  # noqa: PLC0415 (osmium)

    admitted = services.gate.admit("import", caller)
    limits = ImportLimits.of(services.settings)
    with tempfile.TemporaryDirectory(prefix="geo_era-osm-") as folder:
        streamed = stream_pbf_isolated(path, Path(folder), limits=limits)
        files = [f for layer in ("buildings", "sites", "streets")
                 for f in streamed.files.get(layer, [])]
        with session_scope(services.engine) as session:
            admitted.actor.record(session, operation="collection", record_type="import",
                                  record_ids=[path.name])
            report: ImportReport = import_files(files, store=services.layers)
    rows = sum(streamed.rows.values())
    return ProductImport(
        data_version=report.data_version, rows=report.rows,
        sources={layer: [path.name] for layer in report.rows}, skipped=report.skipped,
        notices=[str(n) for n in report.notices], product="osm", features=rows,
        taken=rows, left_out=[])


def _mapped(services: Services, product: str, files: Sequence[Path],
            limits: ImportLimits) -> tuple[gpd.GeoDataFrame, int, list[Problem], list[str]]:
    """The product's files as the contract layer: (layer, features read, left out,
    notices)."""
    if product == "schools":
        if len(files) != 1:
            raise DataError("give one school locations CSV")
        placed = schools.school_sites(files[0], max_rows=limits.max_rows)
        existing = services.layers.read("sites") if services.layers.has("sites") else None
        merged = schools.merged_sites(
            existing if isinstance(existing, gpd.GeoDataFrame) else None, placed)
        return merged, len(placed), [], []
    if product == "mastermap":
        return _buildings(files, limits)
    return _plots(services, files, limits)


def _buildings(files: Sequence[Path], limits: ImportLimits
               ) -> tuple[gpd.GeoDataFrame, int, list[Problem], list[str]]:
    parts: list[gpd.GeoDataFrame] = []
    features = 0
    notices: list[str] = []
    for path in files:
        read = mastermap.mastermap_buildings(
            read_product(path, layers=mastermap.LAYERS, limits=limits),
            file=file_label(path))
        features += read.features
        parts.append(read.buildings)
        notices.append(f"{file_label(path)}: {len(read.buildings):,} buildings of "
                       f"{read.features:,} TopographicArea features ({read.not_buildings:,} "
                       f"not buildings, {read.repeated:,} repeated across chunks)")
    merged = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                              crs=parts[0].crs)
    repeated = merged["building_id"].duplicated()
    if repeated.any():
        notices.append(f"{int(repeated.sum()):,} TOIDs in more than one file taken once "
                       "(from the first file)")
    return gpd.GeoDataFrame(merged[~repeated], geometry="geometry", crs=merged.crs), \
        features, [], notices


def _plots(services: Services, files: Sequence[Path], limits: ImportLimits
           ) -> tuple[gpd.GeoDataFrame, int, list[Problem], list[str]]:
    store = services.layers
    if not store.has("properties"):
        raise DataError("import the addresses (the properties layer) before the INSPIRE "
                        "polygons: each plot is joined to the addresses inside it")
    properties = store.read("properties", columns=["property_id", "building_id",
                                                   "geometry"])
    buildings = store.read("buildings", columns=["building_id", "geometry"]) \
        if store.has("buildings") else None
    assert isinstance(properties, gpd.GeoDataFrame)
    parts: list[gpd.GeoDataFrame] = []
    features = 0
    left_out: list[Problem] = []
    notices: list[str] = []
    for path in files:
        joined = inspire.inspire_plots(
            read_product(path, layers=inspire.LAYERS, limits=limits),
            properties=properties,
            buildings=buildings if isinstance(buildings, gpd.GeoDataFrame) else None,
            file=file_label(path))
        features += joined.features
        parts.append(joined.plots)
        left_out += joined.left_out
        notices.append(f"{file_label(path)}: {len(joined.plots):,} plots of "
                       f"{joined.features:,} parcels ({joined.repeated:,} repeated "
                       f"polygons taken once, {len(joined.left_out):,} left out)")
    merged = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                              crs=parts[0].crs)
    return merged, features, left_out, notices
