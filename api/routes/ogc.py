"""OGC API - Features (Part 1 core and GeoJSON, Part 2 CRS) under ``/api/v1/ogc``, for
QGIS and GDAL: behind the same sign-in (a bearer token or an API key) and matrix as the
rest of the API (:mod:`geo_era.services.features` says what is served and why it is
written here)."""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from geo_era.services import features
from geo_era.services.answers.features import (
    CollectionInfo,
    Collections,
    Conformance,
    Feature,
    FeatureCollection,
    Landing,
)

from ..deps import PREFIX, App, Who, caller_of

router = APIRouter(prefix=f"{PREFIX}/ogc", tags=["ogc api features"])

GEOJSON = "application/geo+json"
#: A CRS this service offers, by its URI.
CrsUri = Literal["http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                 "http://www.opengis.net/def/crs/EPSG/0/27700"]
assert set(typing.get_args(CrsUri)) == set(features.CRS_NAMES)
#: The default CRS (Part 1): longitude, latitude.
DEFAULT_CRS: CrsUri = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
assert DEFAULT_CRS == features.CRS84
CrsParam = Annotated[CrsUri, Query(description="the CRS of the answer")]
_NUMBER = r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?\s*"
#: Four numbers, comma-separated.
BBOX = f"^{_NUMBER}(,{_NUMBER}){{3}}$"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + f"{PREFIX}/ogc"


def _geojson(found: tuple[dict[str, Any], str]) -> JSONResponse:
    document, crs = found
    return JSONResponse(document, media_type=GEOJSON, headers={"Content-Crs": f"<{crs}>"})


@router.get("", summary="Landing page", response_model=Landing)
def landing_route(request: Request, identity: Who, app: App) -> Landing:
    """Links to the API definition, the conformance classes and the collections."""
    return Landing.model_validate(features.landing(app, caller_of(identity),
                                                   _base(request)))


@router.get("/conformance", summary="Conformance classes", response_model=Conformance)
def conformance_route(identity: Who, app: App) -> Conformance:
    """Core, GeoJSON, OpenAPI 3.0 and CRS (Part 2)."""
    return Conformance.model_validate(features.conformance(app, caller_of(identity)))


@router.get("/collections", summary="Collections", response_model=Collections)
def collections_route(request: Request, identity: Who, app: App) -> Collections:
    """The collections the caller's role may read, of the layers imported."""
    return Collections.model_validate(features.collections(app, caller_of(identity),
                                                           _base(request)))


@router.get("/collections/{collection_id}", summary="A collection",
            response_model=CollectionInfo)
def collection_route(request: Request, collection_id: str, identity: Who, app: App
                     ) -> CollectionInfo:
    """One collection: its extent (CRS84) and the CRSs it is served in."""
    return CollectionInfo.model_validate(features.collection(
        app, caller_of(identity), _base(request), collection_id))


@router.get("/collections/{collection_id}/items", summary="Features",
            response_class=JSONResponse,
            responses={200: {"model": FeatureCollection, "content": {GEOJSON: {}},
                             "description": "a GeoJSON feature collection"}})
def items_route(request: Request, collection_id: str, *, identity: Who, app: App,
                bbox: Annotated[str | None, Query(
                    pattern=BBOX, max_length=200,
                    description="minx,miny,maxx,maxy in bbox-crs (default CRS84: "
                                "longitude, latitude)")] = None,
                bbox_crs: Annotated[CrsUri, Query(alias="bbox-crs",
                                                  description="the CRS of bbox")] = DEFAULT_CRS,
                crs: CrsParam = DEFAULT_CRS,
                limit: Annotated[int, Query(ge=1, description=(
                    f"features per page (at most {features.MAX_LIMIT:,}; more is "
                    "served as that)"))] = features.DEFAULT_LIMIT,
                offset: Annotated[int, Query(ge=0, description="features to skip")] = 0,
                ) -> JSONResponse:
    """A page of the collection's features within bbox, with a ``next`` link while more
    remain (Content-Crs names the CRS of the coordinates). Served as geopandas writes
    it (the columns served are chosen by :func:`geo_era.services.features._served`)."""
    query = features.Query(bbox=features.parse_bbox(bbox),
                           bbox_crs=features.check_crs(bbox_crs, "bbox-crs"),
                           crs=features.check_crs(crs, "crs"), limit=limit, offset=offset)
    return _geojson(features.items(app, caller_of(identity), _base(request), collection_id,
                                   query))


@router.get("/collections/{collection_id}/items/{feature_id}", summary="A feature",
            response_class=JSONResponse,
            responses={200: {"model": Feature, "content": {GEOJSON: {}},
                             "description": "a GeoJSON feature"}})
def item_route(request: Request, collection_id: str, feature_id: str, *,
               identity: Who, app: App, crs: CrsParam = DEFAULT_CRS) -> JSONResponse:
    """One feature by its id."""
    return _geojson(features.item(app, caller_of(identity), _base(request), collection_id,
                                  feature_id, crs=features.check_crs(crs, "crs")))
