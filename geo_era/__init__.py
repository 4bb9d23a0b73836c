"""geo_era: geospatial environmental risk assessment for housing under MAPPA in Scotland.

The core is framework-free: every analysis takes and returns plain Python objects,
pandas/GeoPandas frames or typed records. All measurements are in metres in British
National Grid (EPSG:27700).

A small public API is importable from the package itself, loaded on first use (so
``import geo_era`` stays cheap): :class:`LayerStore` and :func:`import_files` (the
layers under ``GEO_ERA_HOME``), :class:`Workspace` (the spatial questions),
:class:`Settings`, and the errors :class:`GeoEraError`, :class:`DataError`,
:class:`NotFoundError` and :class:`ImportRefusedError`. Everything else is imported
from its subpackage (``geo_era.analysis``, ``geo_era.casework``, ...).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: Each public name and the module it lives in.
_PUBLIC = {
    "LayerStore": "geo_era.data.layer_store",
    "import_files": "geo_era.data.imports",
    "ImportReport": "geo_era.data.imports",
    "Workspace": "geo_era.workspace",
    "Settings": "geo_era.settings",
    "GeoEraError": "geo_era.errors",
    "DataError": "geo_era.errors",
    "NotFoundError": "geo_era.errors",
    "ImportRefusedError": "geo_era.errors",
}

__all__ = ["DataError", "GeoEraError", "ImportRefusedError", "ImportReport", "LayerStore",
           "NotFoundError", "Settings", "Workspace", "__version__", "import_files"]

if TYPE_CHECKING:
    from geo_era.data.imports import ImportReport, import_files
    from geo_era.data.layer_store import LayerStore
    from geo_era.errors import DataError, GeoEraError, ImportRefusedError, NotFoundError
    from geo_era.settings import Settings
    from geo_era.workspace import Workspace


def __getattr__(name: str) -> object:
    """Load a public name from its module on first use."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'geo_era' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
