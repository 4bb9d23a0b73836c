"""geo_era: geospatial environmental risk assessment for housing under MAPPA in Scotland.

The core is framework-free: every analysis takes and returns plain Python objects,
pandas/GeoPandas frames or typed records. All measurements are in metres in British
National Grid (EPSG:27700).
"""

from __future__ import annotations

__version__ = "0.1.0"
