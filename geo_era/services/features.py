"""OGC API - Features (Part 1 core, GeoJSON; Part 2 coordinate reference systems) over
geo_era's layers, for GIS clients such as QGIS and GDAL's OAPIF driver.

Collections: the reference layers (``properties`` without what is known of households,
``buildings``, ``sites``, ``streets``, ``areas``), admitted as ``ogc_features``; and an
assessment result as a layer, ``proximity`` (each property with how many sites of each
NASSO 3.8 category lie within the default radius and how far the nearest of each is),
admitted as ``ogc_results`` (the Responsible Authorities and the coordinator only).
Neither holds sensitive records, so reads are not audited (one consultation per page
would also bury the trail: a GIS asks for a page per pan and zoom). The restricted
layers (subjects, exclusion zones, placements) are never collections, and neither are a
property's ``occupants``, ``children_in_household`` or ``adult_at_risk_in_household``
(:data:`NEVER_SERVED`): a column is served only when the contract names it.

Coordinates: stored in EPSG:27700 (metres). Features are served in CRS84 (longitude,
latitude; the default of Part 1) or, with ``crs``, in EPSG:27700; ``bbox`` is read in
CRS84 or in the CRS ``bbox-crs`` names. A bbox is a rectangle in its own CRS: it is
densified (a vertex every :data:`DENSIFY_M` metres' worth of its edge) and projected
into EPSG:27700, and a feature is in it when its stored geometry intersects that shape.

Cost, measured on 1,000,000 synthetic points (``properties``): the first read of a
layer and its spatial index 6-14 s and the frame held (once per layer version, per
worker, beside the workspace's own copy); then a bbox of 288 points as a GeoJSON page in
about 100 ms (projecting the bbox ~0 ms once its transformer is made, the index query
1 ms).

Departures from Part 1, deliberate: an invalid parameter is answered 422 with the
parameter named, as every invalid request to geo_era's API is, and a parameter the API
does not define is ignored (Part 1's /req/core/query-param-invalid and -unknown ask for
400); only JSON and GeoJSON are served (no HTML conformance class). GDAL's OAPIF driver
and QGIS depend on neither.

Why written here rather than served by pygeoapi (measured 6 December 2026): pygeoapi
0.21.0 would add 18 packages to the environment (Flask, rasterio, pygeofilter, tinydb,
dateparser, ...; ``pip install --dry-run pygeoapi``); its Starlette application is built
once from a static YAML configuration of collections that every caller of the mount
sees alike, and a provider's ``query()`` is given the query (offset, limit, bbox, ...)
but not who is asking. Need to know here is per role and per collection (a
``proximity`` result for the Responsible Authorities only), which pygeoapi can apply
only by wrapping every route of its mount in a second gate that parses its paths (what
fastgeoapi does with Open Policy Agent). The part of the protocol geo_era needs (six GET
routes, JSON documents, the parameters above) is small; the layers, bounds, projection
and GeoJSON come from geopandas, shapely and pyproj. GDAL's OAPIF driver and QGIS's
OAPIF provider read it (tests/api/test_ogc.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer

from geo_era.analysis.proximity import proximity_table
from geo_era.contract.schema import LAYERS
from geo_era.errors import DataError, NotFoundError
from geo_era.geometry.index import SiteIndex
from geo_era.security.access import MATRIX
from geo_era.services.context import Services
from geo_era.services.policy import Caller

#: The properties' columns that hold what is known of a household: never served.
NEVER_SERVED = frozenset({"occupants", "children_in_household",
                          "adult_at_risk_in_household"})
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
BNG = "http://www.opengis.net/def/crs/EPSG/0/27700"
#: The CRS each may be asked for, by its URI, with pyproj's name for it.
CRS_NAMES = {CRS84: "OGC:CRS84", BNG: "EPSG:27700"}
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
#: Features per page when ``limit`` is not given, and the most a page holds (a larger
#: ``limit`` is served as this, as Part 1 requires).
DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
#: Spacing (metres in EPSG:27700, or its equivalent in degrees) of the vertices a bbox
#: is densified with before projecting it.
DENSIFY_M = 50.0


@dataclass(frozen=True)
class Collection:
    """One collection: the layer it serves, what it is, and who may read it."""

    id: str
    title: str
    description: str
    #: the matrix entry (:data:`geo_era.security.access.MATRIX`) that admits a reader
    operation: str


COLLECTIONS: dict[str, Collection] = {c.id: c for c in (
    Collection("properties", "Properties",
               "Dwellings (points): address, building, close, floor, type, landlord, "
               "void; never what is known of the households", "ogc_features"),
    Collection("buildings", "Buildings", "Building footprints (polygons)", "ogc_features"),
    Collection("sites", "Sites", "Sensitive sites of NASSO 3.8 (schools, nurseries, play "
               "parks, ...), points or polygons", "ogc_features"),
    Collection("streets", "Streets", "The street and path network (lines)", "ogc_features"),
    Collection("areas", "Areas", "Councils, data zones and other areas (polygons)",
               "ogc_features"),
    Collection("proximity", "Proximity of properties to sites",
               "Each property (point) with the number of sites of each category within "
               "the default radius and the distance (m) to the nearest of each: an "
               "assessment of every property against NASSO 3.8's sites", "ogc_results"),
)}
# Every collection holds reference data or what is derived from it alone, so no read is
# audited. A collection of sensitive records (a case's candidates, a screening, a
# minimum set with its households) would need its reads audited, and the same read from
# the command line for the audit parity the tests hold every audited operation to.
assert not any(MATRIX[c.operation].audited for c in COLLECTIONS.values())


@dataclass(frozen=True)
class Query:
    """What an items request asks for: ``bbox`` (four numbers in ``bbox_crs``), a page
    (``limit`` features from ``offset``), and the CRS of the answer (URIs)."""

    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: str = CRS84
    crs: str = CRS84
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """A ``bbox`` parameter (``minx,miny,maxx,maxy``) as four numbers; a clear error for
    anything else."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise DataError("bbox must be four numbers 'minx,miny,maxx,maxy' (longitude, "
                        "latitude in CRS84, or as bbox-crs says)")
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise DataError("bbox must be 'minx,miny,maxx,maxy' with minx <= maxx and "
                        "miny <= maxy")
    return minx, miny, maxx, maxy


def check_crs(uri: str, parameter: str) -> str:
    """A CRS URI this service offers, or a clear error naming the ones it does."""
    if uri not in CRS_NAMES:
        raise DataError(f"{parameter} must be one of {', '.join(CRS_NAMES)}")
    return uri


def readable(services: Services, caller: Caller) -> list[Collection]:
    """The collections ``caller``'s role may read (at least one is needed to use the
    service: otherwise it is refused as ``ogc_features`` is)."""
    found = [c for c in COLLECTIONS.values()
             if caller.role in MATRIX[c.operation].allowed or caller.role == "operator"]
    if not found:
        services.gate.admit("ogc_features", caller)
    return found


def landing(services: Services, caller: Caller, base: str) -> dict[str, Any]:
    """The landing page: links to the API definition, conformance and collections."""
    readable(services, caller)
    return {"title": "geo_era", "description": "OGC API - Features over geo_era's "
            "reference layers and assessment results, need to know applied",
            "links": [
                _link(base, "self", "application/json", "this document"),
                _link(_api_of(base), "service-desc",
                      "application/vnd.oai.openapi+json;version=3.0", "the API definition"),
                _link(f"{base}/conformance", "conformance", "application/json",
                      "conformance classes"),
                _link(f"{base}/collections", "data", "application/json", "collections"),
            ]}


def conformance(services: Services, caller: Caller) -> dict[str, Any]:
    """The conformance classes implemented."""
    readable(services, caller)
    return {"conformsTo": list(CONFORMANCE)}


def collections(services: Services, caller: Caller, base: str) -> dict[str, Any]:
    """The collections ``caller`` may read, of the layers imported."""
    present = set(services.layers.layer_names())
    shown = [_describe(services, c, base) for c in readable(services, caller)
             if _layer_of(c) in present]
    return {"links": [_link(f"{base}/collections", "self", "application/json",
                            "this document")],
            "collections": shown}


def collection(services: Services, caller: Caller, base: str, collection_id: str
               ) -> dict[str, Any]:
    """One collection's description."""
    found = _admit(services, caller, collection_id)
    return _describe(services, found, base)


def items(services: Services, caller: Caller, base: str, collection_id: str,
          query: Query) -> tuple[dict[str, Any], str]:
    """A page of a collection's features within ``query.bbox``, as a GeoJSON feature
    collection in ``query.crs``, with the CRS URI to state in ``Content-Crs``."""
    found = _admit(services, caller, collection_id)
    frame = _frame(services, found)
    if query.bbox is not None:
        shape = _bbox_shape(query.bbox, query.bbox_crs)
        frame = frame.iloc[[] if shape.is_empty else sorted(
            frame.sindex.query(shape, predicate="intersects"))]
    limit = min(query.limit, MAX_LIMIT)
    page = frame.iloc[query.offset:query.offset + limit]
    self_url = f"{base}/collections/{found.id}/items"
    links = [_link(self_url + _params(query, query.offset, limit), "self",
                   "application/geo+json", "this page")]
    if query.offset + limit < len(frame):
        links.append(_link(self_url + _params(query, query.offset + limit, limit),
                           "next", "application/geo+json", "the next page"))
    document = _geojson(page, query.crs)
    document.update({"numberMatched": len(frame), "numberReturned": len(page),
                     "links": links})
    return document, query.crs


def item(services: Services, caller: Caller, base: str, collection_id: str,
         feature_id: str, *, crs: str = CRS84) -> tuple[dict[str, Any], str]:
    """One feature by its id, in ``crs``."""
    found = _admit(services, caller, collection_id)
    frame = _frame(services, found)
    match = frame[frame["_fid"] == feature_id]
    if match.empty:
        raise NotFoundError(f"collection {collection_id!r} has no feature {feature_id!r}")
    feature: dict[str, Any] = _geojson(match, crs)["features"][0]
    url = f"{base}/collections/{found.id}/items/{feature_id}"
    feature["links"] = [_link(url, "self", "application/geo+json", "this feature"),
                        _link(f"{base}/collections/{found.id}", "collection",
                              "application/json", found.title)]
    return feature, crs


# --- helpers ---------------------------------------------------------------------------

def _admit(services: Services, caller: Caller, collection_id: str) -> Collection:
    """The collection asked for, once the caller's role is admitted to it."""
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise NotFoundError(f"no collection {collection_id!r}; the collections are "
                            f"{', '.join(COLLECTIONS)}")
    services.gate.admit(found.operation, caller)
    return found


def _layer_of(found: Collection) -> str:
    return "properties" if found.id == "proximity" else found.id


def _describe(services: Services, found: Collection, base: str) -> dict[str, Any]:
    url = f"{base}/collections/{found.id}"
    frame = _frame(services, found)
    minx, miny, maxx, maxy = (_TO_CRS84.transform_bounds(*frame.total_bounds)
                              if len(frame) else (-180.0, -90.0, 180.0, 90.0))
    return {
        "id": found.id, "title": found.title, "description": found.description,
        "itemType": "feature",
        "crs": list(CRS_NAMES), "storageCrs": BNG,
        "extent": {"spatial": {"bbox": [[float(minx), float(miny), float(maxx),
                                         float(maxy)]], "crs": CRS84}},
        "links": [
            _link(url, "self", "application/json", found.title),
            _link(f"{url}/items", "items", "application/geo+json", "its features"),
        ],
    }


def _frame(services: Services, found: Collection) -> gpd.GeoDataFrame:
    """The collection's features (EPSG:27700), with their ids as the column ``_fid``."""
    layer = _layer_of(found)
    entry = services.layers.version(layer)
    path = services.layers.home / entry.path
    if found.id == "proximity":
        sites = services.layers.home / services.layers.version("sites").path
        return _proximity(_Stored.of(path), _Stored.of(sites),
                          services.settings.default_radius_m)
    return _layer(layer, _Stored.of(path))


@dataclass(frozen=True)
class _Stored:
    """A layer's file as the cache knows it: its path (which names the layer's version)
    and its modification time (a file restored in its place is read anew)."""

    path: Path
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> _Stored:
        return cls(path, path.stat().st_mtime_ns)


#: EPSG:27700 to CRS84 (longitude, latitude), for extents.
_TO_CRS84 = Transformer.from_crs("EPSG:27700", "OGC:CRS84", always_xy=True)


#: one of each reference collection is kept (an import's new file replaces its entry)
@lru_cache(maxsize=5)
def _layer(layer: str, stored: _Stored) -> gpd.GeoDataFrame:
    """A stored layer as served (its file names its version: a new import reads anew)."""
    frame = gpd.read_parquet(stored.path)
    frame = frame[[c for c in frame.columns if _served(layer, c)]]
    id_column = LAYERS[layer].id_column
    ids = frame[id_column].astype(str) if id_column else pd.Series(
        [str(i) for i in range(len(frame))], index=frame.index)
    frame.insert(0, "_fid", ids.to_numpy(dtype=object))
    return frame.reset_index(drop=True)


def _served(layer: str, column: str) -> bool:
    """Whether a stored column is served: the geometry and the contract's columns (with
    the flags saying which were derived at import), never :data:`NEVER_SERVED`; a column
    the contract does not name is not served (what it holds is not known here)."""
    base = column.removesuffix("_derived")
    return column == "geometry" or (base in LAYERS[layer].column_names
                                    and base not in NEVER_SERVED)


@lru_cache(maxsize=1)
def _proximity(properties: _Stored, sites: _Stored, radius_m: float) -> gpd.GeoDataFrame:
    """Each property's point with its row of the proximity table
    (:func:`geo_era.analysis.proximity.proximity_table`, distances in metres)."""
    points = gpd.read_parquet(properties.path, columns=["property_id", "geometry"])
    table = proximity_table(SiteIndex(gpd.read_parquet(sites.path)), points, radius_m)
    table["radius_m"] = radius_m
    frame = gpd.GeoDataFrame(table, geometry=points.geometry.to_numpy(), crs=points.crs)
    frame.insert(0, "_fid", frame["property_id"].astype(str).to_numpy(dtype=object))
    return frame


def _bbox_shape(bbox: tuple[float, float, float, float], bbox_crs: str) -> shapely.Geometry:
    """The bbox as a shape in EPSG:27700: clipped to where EPSG:27700 is defined,
    densified in its own CRS, then projected (empty when it lies outside)."""
    box = shapely.box(*bbox)
    if CRS_NAMES[bbox_crs] == "EPSG:27700":
        return box
    to_bng, area = _to_bng(bbox_crs)
    # only the part of the bbox where EPSG:27700 is defined projects into it (a bbox of
    # the whole world would otherwise project to infinities)
    box = shapely.intersection(box, area)
    if box.is_empty:
        return box
    step = DENSIFY_M / 111_000.0  # about 50 m of latitude, in degrees
    dense = shapely.segmentize(box, step)
    return shapely.transform(dense, lambda xy: _xy_array(to_bng.transform(
        xy[:, 0], xy[:, 1])))


@lru_cache(maxsize=len(CRS_NAMES))
def _to_bng(crs: str) -> tuple[Transformer, shapely.Geometry]:
    """The projection from ``crs`` (a CRS84-like CRS of degrees) into EPSG:27700, and
    where EPSG:27700 is defined (its area of use, in degrees): made once (a few hundred
    milliseconds each)."""
    area = CRS.from_epsg(27700).area_of_use
    assert area is not None
    return (Transformer.from_crs(CRS.from_user_input(CRS_NAMES[crs]), "EPSG:27700",
                                 always_xy=True), shapely.box(*area.bounds))


def _xy_array(xy: tuple[Any, Any]) -> NDArray[np.float64]:
    """Projected coordinates as the (n, 2) array :func:`shapely.transform` wants."""
    return np.column_stack(xy).astype(np.float64)


def _geojson(frame: gpd.GeoDataFrame, crs: str) -> dict[str, Any]:
    """Features as GeoJSON in ``crs``: the id as ``id``, the other columns as
    properties."""
    ids = [str(i) for i in frame["_fid"]]
    shown = frame.drop(columns=["_fid"]).to_crs(CRS_NAMES[crs])
    document: dict[str, Any] = shown.to_geo_dict(na="null", drop_id=True)
    for feature, fid in zip(document["features"], ids, strict=True):
        feature["id"] = fid
    return document


def _params(query: Query, offset: int, limit: int) -> str:
    parts = [f"limit={limit}", f"offset={offset}"]
    if query.bbox is not None:
        parts.append("bbox=" + ",".join(repr(v) for v in query.bbox))
        if query.bbox_crs != CRS84:
            parts.append(f"bbox-crs={query.bbox_crs}")
    if query.crs != CRS84:
        parts.append(f"crs={query.crs}")
    return "?" + "&".join(parts)


def _api_of(base: str) -> str:
    return base.rsplit("/ogc", 1)[0] + "/openapi.json"


def _link(href: str, rel: str, kind: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": kind, "title": title}
