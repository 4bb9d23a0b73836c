"""Import files into the layer store: read, validate, derive, check references, commit.

The whole import is one unit: every file is read and every layer validated before
anything is written, problems from all files are reported together, and the store is
changed by a single atomic catalog swap (:class:`~geo_era.data.layer_store.LayerStore`). Bad
input therefore never leaves half an import behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_era.contract.schema import LAYERS
from geo_era.data.dwellings import derive_dwelling_columns
from geo_era.data.layer_store import LayerStore
from geo_era.data.readers import RawLayer
from geo_era.data.sandbox import ImportLimits, read_files
from geo_era.data.validation import REFERENCES, check_references, validate_layer
from geo_era.errors import ImportRefusedError, Problem, file_label, quote


@dataclass
class ImportReport:
    """What an import changed."""

    data_version: int
    rows: dict[str, int]
    sources: dict[str, list[str]]
    skipped: list[str] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)


def import_files(paths: Sequence[Path], *, store: LayerStore, crs: str | None = None,
                 layer: str | None = None, limits: ImportLimits | None = None,
                 known_addresses: pd.DataFrame | None = None,
                 publish: Callable[[], AbstractContextManager[object]] | None = None
                 ) -> ImportReport:
    """Import every contract layer in ``paths`` into ``store``, all or nothing.

    Parameters
    ----------
    paths
        Files to import (GeoPackage, GeoJSON, GeoParquet, Shapefile, CSV, OSM).
    store
        The layer store under ``GEO_ERA_HOME``.
    crs
        CRS for coordinates that come without one (CSV ``x``/``y``, a Shapefile with no
        ``.prj``).
    layer
        Layer name for a single-layer file whose name is not a layer name.
    limits
        Read the files in a child process within these limits
        (:mod:`geo_era.data.sandbox`): for every file from outside geo_era (an upload, a
        file named on the command line). ``None`` reads them in this process, for files
        geo_era wrote itself (the demo town).
    publish
        Entered around the new layers' publication only (:meth:`LayerStore.replace`):
        the import's audit entry, say, held for that moment rather than the import.

    Raises
    ------
    ImportRefusedError
        Every problem found in every file; the store is unchanged.
    """
    raws, problems = read_files([Path(p) for p in paths], crs=crs, layer=layer, limits=limits)
    return import_raw_layers(raws, store=store, problems=problems,
                             known_addresses=known_addresses,
                             named=paths, publish=publish)


def import_raw_layers(raws: list[RawLayer], *, store: LayerStore,
                  problems: list[Problem] | None = None,
                  known_addresses: pd.DataFrame | None = None,
                  named: Sequence[Path] = (),
                  publish: Callable[[], AbstractContextManager[object]] | None = None
                  ) -> ImportReport:
    """Import layers already read (:func:`import_files` after reading its files; an
    importer of a national product with the layer it made), all or nothing, through
    the same validation, derivation and checks. ``problems`` are those met reading;
    ``named`` the files the layers came from, for the message when none is a layer.
    The list ``raws`` is emptied: each layer's frame is let go once validated.
    ``publish`` as for :func:`import_files`."""
    problems = list(problems or [])
    by_layer, skipped = _by_layer(raws, problems)
    raws.clear()
    imported = set(by_layer)
    changed: dict[str, tuple[str, pd.DataFrame]] = {}
    for name in list(by_layer):
        raw = by_layer.pop(name)  # each file's frames let go once validated
        try:
            changed[name] = (raw.file, validate_layer(raw))
        except ImportRefusedError as exc:
            problems.extend(exc.problems)
        del raw
    if problems:
        raise ImportRefusedError(problems)
    if not changed:
        raise ImportRefusedError([Problem(
            "no geo_era layers found in " + ", ".join(file_label(p) for p in named)
            + f"; layers are named {', '.join(LAYERS)}")])

    current = _state_after(changed, store)
    notices = _derive_properties(changed, current, store, known_addresses)
    problems = check_references(changed, current)
    if problems:
        raise ImportRefusedError(problems)

    sources = {name: [file] for name, (file, _) in changed.items()}
    if "properties" in changed and "properties" not in imported:
        sources["properties"] = list(store.version("properties").sources)
    version = store.replace({name: frame for name, (_, frame) in changed.items()},
                            sources=sources, publish=publish)
    return ImportReport(data_version=version,
                        rows={name: len(frame) for name, (_, frame) in changed.items()},
                        sources=sources, skipped=skipped, notices=notices)


def _by_layer(raws: list[RawLayer], problems: list[Problem]
              ) -> tuple[dict[str, RawLayer], list[str]]:
    """The layers read, by contract layer name, and what was skipped (a GeoPackage's
    layers that are not geo_era's); a layer found in two files is a problem (added to
    ``problems``)."""
    skipped: list[str] = []
    by_layer: dict[str, RawLayer] = {}
    for raw in raws:
        name = raw.layer.strip().lower()
        if name not in LAYERS and raw.file.lower().endswith(".gpkg"):
            skipped.append(f"{raw.file}: layer {quote(raw.layer)} is not a geo_era layer; "
                           "skipped")
            continue
        if name in by_layer:
            problems.append(Problem(
                f"layer {quote(name)} is in both '{by_layer[name].file}' and '{raw.file}'; import "
                "one of them, or merge them first", file=raw.file, layer=raw.layer))
            continue
        by_layer[name] = raw
    return by_layer, skipped


def _derive_properties(changed: dict[str, tuple[str, pd.DataFrame]],
                       current: dict[str, pd.DataFrame], store: LayerStore,
                       known_addresses: pd.DataFrame | None = None) -> list[Problem]:
    """Derive the dwelling columns of the properties again when the properties or the
    buildings change (in ``changed`` and ``current``, in place); the notices."""
    if "properties" not in current or ("properties" not in changed
                                       and "buildings" not in changed):
        return []
    file = changed["properties"][0] if "properties" in changed else "(stored layer)"
    properties = current["properties"]
    if "properties" not in changed:
        properties = store.read("properties")
    buildings = current.get("buildings")
    if buildings is not None and "buildings" not in changed:
        buildings = store.read("buildings", columns=["building_id", "levels", "geometry"])
    assert isinstance(properties, gpd.GeoDataFrame)
    derived, notices = derive_dwelling_columns(
        properties, buildings if isinstance(buildings, gpd.GeoDataFrame) else None,
        file=file, known_addresses=known_addresses, copy="properties" not in changed)
    changed["properties"] = (file, derived)
    current["properties"] = derived
    return notices


def _state_after(changed: dict[str, tuple[str, pd.DataFrame]],
                 store: LayerStore) -> dict[str, pd.DataFrame]:
    """The layers as they will be after the import: imported ones over stored ones.

    Stored layers are read only for the id columns the reference checks need.
    """
    state: dict[str, pd.DataFrame] = {name: frame for name, (_, frame) in changed.items()}
    wanted: dict[str, set[str]] = {}
    for (layer, column), (target, target_id) in REFERENCES.items():
        if layer in changed or target in changed:
            wanted.setdefault(layer, set()).add(column)
            wanted.setdefault(target, set()).add(target_id)
    if "buildings" in changed:
        wanted.setdefault("properties", set())
    for name, columns in wanted.items():
        if name in state or not store.has(name):
            continue
        state[name] = store.read_attributes(name, sorted(columns))
    return state
