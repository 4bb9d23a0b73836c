"""OpenStreetMap extract → the contract layers ``buildings``, ``sites`` and ``streets``, offline.

:func:`layers_from_osm` reads an OSM XML (``.osm``, ``.osm.xml``, ``.xml``) or PBF (``.pbf``,
``.osm.pbf``) extract that is already on disk and returns the three layers of
``DATA-CONTRACT.md`` in British National Grid (EPSG:27700). Nothing touches the network: only
osmnx's *file* readers are called (``osmnx.features_from_xml``, ``osmnx.graph_from_xml``), and
while they run osmnx's service URLs point at an unroutable local address with the HTTP cache
off, so a mistaken download would fail at once instead of reaching Overpass or Nominatim.

Modules: :mod:`~geo_era.data.osm.layers` (:func:`layers_from_osm`),
:mod:`~geo_era.data.osm.reading` (the file, PBF to XML, osmnx offline),
:mod:`~geo_era.data.osm.tags` (site categories, walkable ways),
:mod:`~geo_era.data.osm.features` (buildings and sites),
:mod:`~geo_era.data.osm.streets` (the walking network),
:mod:`~geo_era.data.osm.frames` (columns, projection) and
:mod:`~geo_era.data.osm.stream` (:func:`stream_pbf_layers`: a national PBF, all of Scotland,
streamed with pyosmium into the same layers in bounded memory, written in chunks).

Projection and errors
---------------------
Every layer is projected from WGS84 with ``GeoDataFrame.to_crs`` and its coordinates are checked
to be finite. A file that is missing, is not OSM XML or PBF, cannot be parsed, or holds no
buildings, no sites and no walkable streets raises :class:`geo_era.errors.DataError` naming the
file and what to do. An extract with some of the layers returns the others as empty frames with
the right columns and CRS.
"""

from geo_era.data.osm.frames import BUILDING_COLUMNS, SITE_COLUMNS, STREET_COLUMNS
from geo_era.data.osm.layers import layers_from_osm
from geo_era.data.osm.stream import StreamedLayers, stream_pbf_layers
from geo_era.data.osm.streets import walking_graph
from geo_era.data.osm.tags import SITE_PRIORITY, WALK_EXCLUDE, is_walkable, site_category

__all__ = [
    "BUILDING_COLUMNS",
    "SITE_COLUMNS",
    "SITE_PRIORITY",
    "STREET_COLUMNS",
    "WALK_EXCLUDE",
    "StreamedLayers",
    "is_walkable",
    "layers_from_osm",
    "site_category",
    "stream_pbf_layers",
    "walking_graph",
]
