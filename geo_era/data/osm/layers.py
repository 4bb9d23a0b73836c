"""The three layers of an OSM extract, read in one go."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import geopandas as gpd

from geo_era.data.osm.features import buildings_layer, read_features, sites_layer
from geo_era.data.osm.frames import to_bng
from geo_era.data.osm.reading import as_xml, offline_osmnx, scan_xml
from geo_era.data.osm.streets import read_streets
from geo_era.errors import DataError

logger = logging.getLogger(__name__)


def layers_from_osm(path: Path, *, max_elements: int | None = None
                    ) -> dict[str, gpd.GeoDataFrame]:
    """Read an OSM extract and return its contract layers.

    Parameters
    ----------
    path
        An OSM XML (``.osm``, ``.osm.xml``, ``.xml``) or PBF (``.pbf``, ``.osm.pbf``) file.
    max_elements
        Most nodes, ways and relations the file may hold; one with more is refused
        before osmnx reads it. ``None``: no limit.

    Returns
    -------
    dict[str, geopandas.GeoDataFrame]
        ``{"buildings": ..., "sites": ..., "streets": ...}``, each in EPSG:27700 with the
        columns of :data:`BUILDING_COLUMNS`, :data:`SITE_COLUMNS` and :data:`STREET_COLUMNS`
        then ``geometry``. A layer the extract does not hold is an empty frame with those
        columns.

    Raises
    ------
    DataError
        The file is missing, is not an OSM XML or PBF file, cannot be parsed, holds more
        than ``max_elements`` elements, or holds no buildings, sites or walkable streets.
        Messages name the file by its own name only.
    """
    path = Path(path)
    shown = Path(path.name)
    started = time.perf_counter()
    with as_xml(path, max_elements=max_elements) as (xml_path, tmp):
        layers = _layers_from_xml(xml_path, tmp, shown=shown, max_elements=max_elements)
    if all(len(frame) == 0 for frame in layers.values()):
        raise DataError(
            f"OSM file '{shown}' holds no buildings, sites or walkable streets; check that the "
            f"extract covers the area and was exported with its tags"
        )
    logger.info(
        "read %s: %d buildings, %d sites, %d street segments in %.2f s", shown,
        len(layers["buildings"]), len(layers["sites"]), len(layers["streets"]),
        time.perf_counter() - started,
    )
    return layers


def _layers_from_xml(xml_path: Path, tmp: Path, shown: Path, max_elements: int | None
                     ) -> dict[str, gpd.GeoDataFrame]:
    """Build the three layers from an OSM XML file; ``shown`` is the name used in errors."""
    walk = scan_xml(xml_path, shown, max_elements=max_elements)
    with offline_osmnx():
        features = read_features(xml_path, shown)
        streets = read_streets(xml_path, walk, tmp / "walk.osm", shown)
    buildings = buildings_layer(features)
    sites = sites_layer(features)
    streets_bng = to_bng(streets, shown, "streets")
    streets_bng["length_m"] = streets_bng.geometry.length.astype("float64")
    return {
        "buildings": to_bng(buildings, shown, "buildings"),
        "sites": to_bng(sites, shown, "sites"),
        "streets": streets_bng,
    }
