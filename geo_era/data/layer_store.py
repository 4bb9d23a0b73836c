"""The layer store under ``GEO_ERA_HOME``: validated layers, versioned, replaced atomically.

Layout::

    GEO_ERA_HOME/
      catalog.json                 the single commit point: which file holds each layer
      layers/<name>.v<N>.parquet   reference layers (GeoParquet, EPSG:27700)
      restricted/<name>.v<N>.parquet  sensitive layers (directory 0700, files 0600)
      .lock                        serialises writers

An import writes every new layer file under a new versioned name, fsyncs it, then
replaces ``catalog.json`` with one ``os.replace``. A reader that opens the catalog sees
either the whole import or none of it; a crash part-way leaves only unreferenced files,
which the next import removes. Each import increments the store's ``data_version`` and
records, per layer, the version it was last replaced in, its row count, content hash
and source files, so analyses can say which reference data they used.

GeoParquet was chosen over GeoPackage for the store by measurement: see
``bench/storage.py`` and the README.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from geo_era._io import PRIVATE, atomic_path, private_dir, staged_bytes, write_bytes
from geo_era.contract.schema import LAYERS
from geo_era.errors import DataError, NotFoundError
from geo_era.pacing import give_way, in_background

CATALOG = "catalog.json"
FORMAT = 1


@dataclass(frozen=True)
class LayerVersion:
    """What the catalog records of one stored layer."""

    name: str
    path: str
    version: int
    rows: int
    sha256: str
    sources: tuple[str, ...]
    imported_at: str
    sensitive: bool


#: What :meth:`LayerStore.stamp` compares: device, inode, size and modification time
#: (ns) of ``catalog.json``.
CatalogStamp = tuple[int, int, int, int]


def _stamp(st: os.stat_result) -> CatalogStamp:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _layer_version(name: str, entry: Mapping[str, Any]) -> LayerVersion:
    return LayerVersion(name=name, path=entry["path"], version=int(entry["version"]),
                        rows=int(entry["rows"]), sha256=entry["sha256"],
                        sources=tuple(entry["sources"]), imported_at=entry["imported_at"],
                        sensitive=bool(entry["sensitive"]))


@dataclass(frozen=True)
class CatalogSnapshot:
    """One reading of the catalog: the data version and every layer's entry, with the
    stamp of the file read (None when the store is empty)."""

    data_version: int
    layers: Mapping[str, LayerVersion]
    stamp: CatalogStamp | None

    def versions(self, *names: str) -> dict[str, int]:
        """``{name: version}`` for the named layers that the snapshot holds."""
        return {name: self.layers[name].version for name in names if name in self.layers}


def _catalog_bytes(catalog: Mapping[str, Any]) -> bytes:
    return json.dumps(catalog, indent=1, sort_keys=True).encode("utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: A little-endian 2D WKB point: byte order, geometry type, x, y.
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


#: Geometries decoded per call when a layer is read: a call holds the interpreter lock
#: (GEOS decoding), so a server's reload, reading a national layer in a thread while
#: requests are answered, gives way to them between calls (about 50 ms each:
#: :mod:`geo_era.pacing`) rather than stopping them for a second (issue 23).
WKB_CHUNK = 100_000


def _arrow_threads() -> bool:
    """Whether Arrow may decode on its own pool of threads: not in a background reload
    (:func:`geo_era.pacing.in_background`), where that pool would take the cores from
    the requests being answered."""
    return not in_background()


def read_geoparquet(path: Path) -> gpd.GeoDataFrame:
    """A GeoParquet file as geopandas reads it (the same frame, its geometry column
    where it was, its CRS), its geometries decoded :data:`WKB_CHUNK` at a time."""
    threads = _arrow_threads()
    table = pq.read_table(path, use_threads=threads)
    meta = json.loads((table.schema.metadata or {}).get(b"geo", b"{}"))
    name = meta.get("primary_column")
    if name is None or meta["columns"][name].get("encoding", "WKB").upper() != "WKB":
        return gpd.read_parquet(path)  # not one geo_era wrote: geopandas says what is wrong
    column = table.column(name)
    wkb = np.concatenate([chunk.to_numpy(zero_copy_only=False)
                          for chunk in column.chunks]) if column.num_chunks else \
        np.empty(0, dtype=object)
    parts = []
    for lo in range(0, len(wkb), WKB_CHUNK):
        give_way()
        parts.append(shapely.from_wkb(wkb[lo:lo + WKB_CHUNK]))
    geoms = np.concatenate(parts) if parts else np.empty(0, dtype=object)
    frame = table.drop_columns([name]).to_pandas(use_threads=threads)
    frame.insert(table.column_names.index(name), name, gpd.GeoSeries(geoms, index=frame.index))
    crs = meta["columns"][name].get("crs", "OGC:CRS84")
    return gpd.GeoDataFrame(frame, geometry=name, crs=crs)


def wkb_point_xy(column: pa.ChunkedArray) -> npt.NDArray[np.float64]:
    """The ``(n, 2)`` coordinates of a column of WKB points, read straight from the
    Arrow buffer when every value is a little-endian 2D point (what geo_era writes),
    else through shapely."""
    chunks = []
    for part in column.chunks:
        chunk = part.storage if isinstance(part, pa.ExtensionArray) else part
        offsets_type = "<i8" if pa.types.is_large_binary(chunk.type) else "<i4"
        _validity, offsets_buffer, data = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=offsets_type)[
            chunk.offset:chunk.offset + len(chunk) + 1]
        fast = (chunk.null_count == 0 and len(chunk) > 0
                and bool((np.diff(offsets) == _WKB_POINT.itemsize).all()))
        if fast:
            points = np.frombuffer(data, dtype=_WKB_POINT, count=len(chunk),
                                   offset=int(offsets[0]))
            fast = bool((points["order"] == 1).all() and (points["type"] == 1).all())
        if fast:
            chunks.append(np.column_stack([points["x"], points["y"]]))
        else:
            geoms = shapely.from_wkb(np.asarray(chunk.to_pylist(), dtype=object))
            chunks.append(shapely.get_coordinates(geoms).reshape(-1, 2))
    if not chunks:
        return np.empty((0, 2))
    return np.concatenate(chunks).astype(np.float64, copy=False)


class LayerStore:
    """Validated layers under one ``GEO_ERA_HOME`` directory."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)

    # --- reading -----------------------------------------------------------------------

    def _catalog(self) -> dict[str, Any]:
        return self._read_catalog()[0]

    def _read_catalog(self) -> tuple[dict[str, Any], CatalogStamp | None]:
        """The parsed catalog and the stamp of the very file it was read from (None when
        there is no catalog yet): one open, so the two always belong together."""
        path = self.home / CATALOG
        try:
            fh = path.open("rb")
        except FileNotFoundError:
            return {"format": FORMAT, "data_version": 0, "layers": {}, "history": []}, None
        with fh:
            stamp = _stamp(os.fstat(fh.fileno()))
            text = fh.read()
        try:
            catalog: dict[str, Any] = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise DataError(f"the layer catalog {path} is damaged; restore it from backup or "
                            "re-import the layers into an empty GEO_ERA_HOME") from None
        return catalog, stamp

    def stamp(self) -> CatalogStamp | None:
        """A cheap fingerprint of ``catalog.json`` (one ``stat``, no reading): it changes
        whenever an import commits, because every import swaps in a new file. None when
        there is no catalog yet."""
        try:
            return _stamp(os.stat(self.home / CATALOG))
        except FileNotFoundError:
            return None

    def snapshot(self) -> CatalogSnapshot:
        """Every layer's recorded version, from one reading of the catalog.

        Read layers through :meth:`read_entry` with the snapshot's entries to get exactly
        the files it names, whatever imports commit meanwhile (a file an import has since
        removed raises ``FileNotFoundError``: take a new snapshot and read again).
        """
        catalog, stamp = self._read_catalog()
        layers = {name: _layer_version(name, entry)
                  for name, entry in catalog["layers"].items()}
        return CatalogSnapshot(data_version=int(catalog["data_version"]), layers=layers,
                               stamp=stamp)

    @property
    def data_version(self) -> int:
        """Incremented by every import; 0 for an empty store."""
        return int(self._catalog()["data_version"])

    def layer_names(self) -> list[str]:
        return sorted(self._catalog()["layers"])

    def has(self, name: str) -> bool:
        return name in self._catalog()["layers"]

    def version(self, name: str) -> LayerVersion:
        entry = self._catalog()["layers"].get(name)
        if entry is None:
            raise NotFoundError(self.missing_message(name))
        return _layer_version(name, entry)

    def missing_message(self, name: str, present: list[str] | None = None) -> str:
        """What to say of a layer that has not been imported (``present``: the layers
        there are, when already known)."""
        have = ", ".join(self.layer_names() if present is None else sorted(present)) or "none"
        return (f"layer '{name}' has not been imported into {self.home} (layers present: "
                f"{have}); run 'geo-era import' with a file holding it, or 'geo-era demo-data'")

    def read(self, name: str, *, columns: list[str] | None = None) -> pd.DataFrame:
        """Read a stored layer: a GeoDataFrame in EPSG:27700, or a DataFrame without geometry."""
        return self.read_entry(self.version(name), columns=columns)

    def read_entry(self, entry: LayerVersion, *, columns: list[str] | None = None
                   ) -> pd.DataFrame:
        """Read the file one catalog entry names (see :meth:`snapshot`)."""
        path = self.home / entry.path
        frame: pd.DataFrame
        if LAYERS[entry.name].geometry.value == "none":
            frame = pd.read_parquet(path, columns=columns, use_threads=_arrow_threads())
        elif columns is None:
            frame = read_geoparquet(path)
        else:
            threads = _arrow_threads()
            frame = gpd.read_parquet(path, columns=columns, use_threads=threads,
                                     to_pandas_kwargs={"use_threads": threads})
        return frame

    def read_points_xy(self, entry: LayerVersion) -> pd.DataFrame:
        """A point layer's attributes with its coordinates as float columns ``x`` and
        ``y`` (EPSG:27700, metres) instead of a geometry column: no geometry object per
        row (2.6 million points as shapely objects hold ~650 MB; as two columns, 42 MB)."""
        path = self.home / entry.path
        threads = _arrow_threads()
        table = pq.read_table(path, use_threads=threads)
        names = [n for n in table.column_names if n != "geometry"]
        frame: pd.DataFrame = table.select(names).to_pandas(use_threads=threads)
        xy = wkb_point_xy(table.column("geometry"))
        frame["x"] = xy[:, 0]
        frame["y"] = xy[:, 1]
        return frame

    def read_attributes(self, name: str, columns: list[str]) -> pd.DataFrame:
        """Read only the named attribute columns that the stored layer has (no geometry)."""
        path = self.home / self.version(name).path
        present = set(pq.read_schema(path).names)
        frame: pd.DataFrame = pd.read_parquet(path, columns=[c for c in columns if c in present])
        return frame

    def history(self) -> list[dict[str, Any]]:
        return list(self._catalog()["history"])

    # --- writing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        private_dir(self.home)
        fd = os.open(self.home / ".lock", os.O_CREAT | os.O_WRONLY | os.O_APPEND, PRIVATE)
        with os.fdopen(fd, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def replace(self, layers: Mapping[str, pd.DataFrame], *,
                sources: Mapping[str, list[str]],
                publish: Callable[[], AbstractContextManager[object]] | None = None) -> int:
        """Replace the named layers in one atomic step; return the new data version.

        Layers not named keep their current files. Either every named layer is replaced
        or, if anything fails before the catalog is swapped, none is. ``publish`` (say,
        the import's audit entry in a transaction of the case store) is entered just
        before the swap and left just after it: what it does is held only for that
        moment, not while the files are written, and if it fails nothing is replaced.
        """
        with self._locked():
            catalog = self._catalog()
            new_version = int(catalog["data_version"]) + 1
            now = datetime.now(UTC).isoformat(timespec="seconds")
            written: list[Path] = []
            try:
                entries: dict[str, dict[str, Any]] = {}
                for name, frame in layers.items():
                    final = self._write_layer(name, frame, new_version)
                    written.append(final)
                    entries[name] = {
                        "path": str(final.relative_to(self.home)),
                        "version": new_version,
                        "rows": len(frame),
                        "sha256": _sha256(final),
                        "sources": list(sources.get(name, [])),
                        "imported_at": now,
                        "sensitive": LAYERS[name].sensitive,
                    }
                catalog["layers"].update(entries)
                catalog["data_version"] = new_version
                catalog["history"].append({
                    "data_version": new_version,
                    "imported_at": now,
                    "layers": {n: e["rows"] for n, e in entries.items()},
                    "sources": sorted({s for n in entries for s in sources.get(n, [])}),
                })
                # the catalog written and flushed first: ``publish`` is held for the
                # rename only (an import's audit entry holds the audit chain's lock, which
                # a server's audited reads wait for; a flush of the disk can take 0.1 s)
                with staged_bytes(self.home / CATALOG, _catalog_bytes(catalog),
                                  mode=PRIVATE) as place, \
                        publish() if publish is not None else contextlib.nullcontext():
                    place()
            except BaseException:
                for path in written:
                    path.unlink(missing_ok=True)
                raise
            self._remove_unreferenced(catalog)
            return new_version

    def _write_layer(self, name: str, frame: pd.DataFrame, version: int) -> Path:
        """Write one layer's file for ``version`` whole (:func:`geo_era._io.atomic_path`):
        a sensitive layer into ``restricted/``, any other into ``layers/``; every folder
        0700 and every file 0600 (the reference layers hold household facts too).
        Returns the file's path."""
        sensitive = LAYERS[name].sensitive
        folder = private_dir(self.home / ("restricted" if sensitive else "layers"))
        final = folder / f"{name}.v{version}.parquet"
        with atomic_path(final, mode=PRIVATE) as tmp:
            frame.to_parquet(tmp, index=False)
        return final

    def _write_catalog(self, catalog: dict[str, Any]) -> None:
        write_bytes(self.home / CATALOG, _catalog_bytes(catalog), mode=PRIVATE)

    def _remove_unreferenced(self, catalog: dict[str, Any]) -> None:
        referenced = {self.home / e["path"] for e in catalog["layers"].values()}
        for folder in (self.home / "layers", self.home / "restricted"):
            if not folder.exists():
                continue
            for path in folder.iterdir():
                if path not in referenced:
                    path.unlink(missing_ok=True)
