"""Reading a national product's GML or GeoPackage file, untrusted, in a child process.

The Ordnance Survey and Registers of Scotland products come as GML (or, for OS MasterMap
Topography Layer, also as GeoPackage). They are read with GDAL (pyogrio) as any other
import is (:mod:`geo_era.data.sandbox`): in a child process within the import limits, no
network, GDAL holding only the one driver the file needs. GML is read without its
application schema (GDAL infers the fields; nothing is fetched; no ``.gfs`` file is
written beside the input) and every attribute is read as text (``GML_FIELDTYPES``), so
that identifiers keep their leading zeros.

The child writes the layer as GeoParquet with the product's own field names; the parent
maps it onto the data contract (:mod:`geo_era.data.mastermap`, :mod:`geo_era.data.inspire`).
"""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from geo_era.data.sandbox import ImportLimits, IsolationError, run_isolated
from geo_era.data.sniff import Kind, mismatch
from geo_era.errors import DataError, file_label

#: The child's task: read one layer of a product file.
PRODUCT_TASK = "geo_era.data.products:product_task"
#: GDAL's GML reader: infer fields without the schema, read them as text, write no
#: ``.gfs`` beside the file, fetch nothing.
GML_OPTIONS = {"GML_FIELDTYPES": "ALWAYS_STRING", "GML_SKIP_RESOLVE_ELEMS": "ALL",
               "GML_DOWNLOAD_WFS_SCHEMA": "NO"}
#: How much of a file is looked at to tell GML from GeoPackage, and for a DOCTYPE.
HEAD_BYTES = 64 * 1024
_OUT = "product.parquet"


def _head(path: Path) -> tuple[bytes, bool]:
    """The first bytes of ``path`` (of its content when gzip-compressed, as OS supplies
    GML chunks: ``.gz``), and whether it is compressed."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head.startswith(b"\x1f\x8b"):
        return head, False
    try:
        with gzip.open(path, "rb") as unpacked:
            return unpacked.read(HEAD_BYTES), True
    except (OSError, EOFError):
        raise DataError(f"'{file_label(path)}' is a damaged gzip file; download it "
                        "again") from None


def driver_of(path: Path) -> tuple[str, bool]:
    """The GDAL driver of a product file, by its contents: GeoPackage (SQLite) or GML
    (plain or gzip-compressed); and whether it is compressed. A GML file with a document
    type (which could declare entities that expand without bound or name other files)
    is refused: the products publish none."""
    head, compressed = _head(path)
    if head.startswith(b"SQLite format 3\x00") and not compressed:
        wrong = mismatch(path, Kind.GEOPACKAGE)  # a virtual table, a trigger calling OGR
        if wrong:
            raise DataError(f"'{file_label(path)}' {wrong}")
        return "GPKG", False
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") and b"gml" in head:
        if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
            raise DataError(f"'{file_label(path)}' declares a document type (DOCTYPE or "
                            "ENTITY), which the products never do; give the file as "
                            "published")
        return "GML", compressed
    raise DataError(f"'{file_label(path)}' is neither GML (plain or .gz) nor a "
                    "GeoPackage; give the product's file as published")


def read_product(path: Path, *, layers: Sequence[str], limits: ImportLimits | None
                 ) -> gpd.GeoDataFrame:
    """The first of ``layers`` (matched case-insensitively) found in ``path``, with the
    product's own field names, read in a child process within ``limits`` (``None``: in
    this process, for tests of the mapping only).

    Raises
    ------
    DataError
        The file is not GML or GeoPackage, holds none of ``layers``, or could not be
        read within the limits.
    """
    driver, compressed = driver_of(path)
    job = {"file": str(path.absolute()), "layers": list(layers), "gzip": compressed,
           "max_rows": limits.max_rows if limits else 50_000_000, "driver": driver}
    if limits is None:
        answer = _read(job)
        frame = answer.pop("frame")
        _raise_for(answer, path)
        assert isinstance(frame, gpd.GeoDataFrame)
        return frame
    try:
        with run_isolated(PRODUCT_TASK, job, limits=limits, gdal_drivers=[driver]) as (
                answer, folder):
            _raise_for(answer, path)
            out = folder / _OUT
            return gpd.read_parquet(out)
    except IsolationError as exc:
        raise DataError(f"'{file_label(path)}': {exc.message}") from None


def _raise_for(answer: Mapping[str, Any], path: Path) -> None:
    if answer.get("error"):
        raise DataError(f"'{file_label(path)}' {answer['error']}")


def _read(job: Mapping[str, Any]) -> dict[str, Any]:
    """Read the wanted layer of the job's file (in the child, or in this process)."""
    source = Path(str(job["file"]))
    with tempfile.TemporaryDirectory(prefix="geo_era-product-") as folder:
        # GDAL's GML reader keeps a .gfs file beside what it opens: open a link in a
        # private folder, never the file where the user keeps it
        name = "product.gml" if job["driver"] == "GML" else "product.gpkg"
        path = Path(folder) / (name + (".gz" if job.get("gzip") else ""))
        path.symlink_to(source.absolute())
        return _read_layer(path, job)


def _read_layer(path: Path, job: Mapping[str, Any]) -> dict[str, Any]:
    import pyogrio  # noqa: PLC0415

    wanted = [str(name).lower() for name in job["layers"]]
    options = GML_OPTIONS if job["driver"] == "GML" else {}
    pyogrio.set_gdal_config_options(options)
    try:
        present = [str(row[0]) for row in pyogrio.list_layers(path)]
        found = next((name for want in wanted for name in present if name.lower() == want),
                     None)
        if found is None:
            return {"error": f"holds no layer {' or '.join(job['layers'])} (its layers: "
                             f"{', '.join(present[:8]) or 'none'}); give the product's "
                             "file as published", "frame": None}
        info = pyogrio.read_info(path, layer=found)
        if int(info["features"]) > int(job["max_rows"]):
            return {"error": f"has more than {int(job['max_rows']):,} features "
                             "(GEO_ERA_IMPORT_MAX_ROWS)", "frame": None}
        frame = pyogrio.read_dataframe(path, layer=found)
    finally:
        pyogrio.set_gdal_config_options(dict.fromkeys(options))
    frame.columns = [str(c) for c in frame.columns]
    for column in frame.columns:
        if column != frame.geometry.name and frame[column].dtype == object:
            frame[column] = frame[column].map(_text)
    return {"error": None, "frame": frame, "layer": found}


def product_task(job: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    """In the child: read the layer and write it as GeoParquet into ``folder``."""
    try:
        answer = _read(job)
    except Exception as exc:
        return {"error": f"could not be read ({type(exc).__name__}); check the file is "
                         "complete and in the format the product publishes"}
    frame = answer.pop("frame")
    if frame is not None:
        frame.to_parquet(folder / _OUT)
    return answer


def _text(value: object) -> object:
    """A GML list field (``theme``, ``descriptiveGroup`` may repeat) as ``a|b``; other
    values as they are."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return "|".join(str(v) for v in value)
    return value
