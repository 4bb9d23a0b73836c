"""Answers of OGC API - Features (:mod:`geo_era.services.features`): the documents of
OGC API - Features Part 1 (landing page, conformance, collections) with the field names
the standard gives them (camelCase, as aliases)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from geo_era.services.answers._base import Answer


class Link(Answer):
    href: str
    rel: str = Field(description="self, next, data, conformance, service-desc, items, ...")
    type: str = Field(description="the media type of what it links to")
    title: str


class Landing(Answer):
    title: str
    description: str
    links: list[Link]


class Conformance(Answer):
    conforms_to: list[str] = Field(alias="conformsTo",
                                   description="the conformance classes implemented")


class SpatialExtent(Answer):
    bbox: list[list[float]] = Field(description="[minx, miny, maxx, maxy] in crs")
    crs: str


class Extent(Answer):
    spatial: SpatialExtent


class CollectionInfo(Answer):
    id: str
    title: str
    description: str
    item_type: Literal["feature"] = Field(alias="itemType")
    crs: list[str] = Field(description="the CRSs its features may be asked in (URIs)")
    storage_crs: str = Field(alias="storageCrs")
    extent: Extent
    links: list[Link]


class Collections(Answer):
    links: list[Link]
    collections: list[CollectionInfo]


class Feature(Answer):
    """A GeoJSON feature (RFC 7946): its id, geometry and the collection's attributes."""

    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any] | None
    properties: dict[str, Any]
    links: list[Link] | None = None


class FeatureCollection(Answer):
    """A page of features (``application/geo+json``)."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
    number_matched: int = Field(alias="numberMatched",
                                description="features in the bbox, on every page")
    number_returned: int = Field(alias="numberReturned")
    links: list[Link] = Field(description="self, and next while more remain")
