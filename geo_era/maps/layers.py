"""The layers interactive maps share: the background drawn from the loaded layers
(buildings, streets, data zones), sites by category, a subject's exclusion zones, and
the conversions between the store's EPSG:27700 (metres) and Leaflet's EPSG:4326."""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import shapely

from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.data.layer_store import LayerStore
from geo_era.maps import features
from geo_era.maps.assets import GeoJsonTooltip
from geo_era.maps.features import bounds_wgs84, collection, in_area, reference_layers, split

WGS84 = features.WGS84

#: How far beyond what a map shows its background is drawn (metres).
MARGIN_M = 150.0
#: Most buildings drawn in the background; a larger area gets streets and data zones only.
BACKGROUND_MAX_BUILDINGS = 20_000

CATEGORY_COLOURS = {
    "school": "#d62728", "nursery": "#e377c2", "play_park": "#ff7f0e",
    "community_centre": "#8c564b", "place_of_worship": "#9467bd", "shop": "#7f7f7f",
    "licensed_premises": "#bcbd22", "sheltered_housing": "#17becf", "cctv": "#1f77b4",
    "care_home": "#2ca02c",
}
ZONE_COLOUR = "#b71c1c"


def wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4326, as Leaflet draws it."""
    return frame.to_crs(WGS84)


#: The rows of a frame that intersect an area (same CRS), by its spatial index.
clip = in_area


def bounds(area: shapely.Geometry) -> list[list[float]]:
    """The [[south, west], [north, east]] of ``area`` (EPSG:27700) in EPSG:4326, for
    ``fit_bounds``."""
    return bounds_wgs84(area)


def background(fmap: folium.Map, store: LayerStore, area: shapely.Geometry) -> None:
    """Buildings, streets and data zones from the loaded layers: the basemap. Over a
    large area (more than :data:`BACKGROUND_MAX_BUILDINGS` buildings) the buildings are
    left out, keeping the page light."""
    group = folium.FeatureGroup(name="background (loaded layers)").add_to(fmap)
    layers = reference_layers(store)
    if "areas" in layers:
        areas = clip(layers["areas"], area)
        zones = areas[areas["area_type"].astype(str) == "data_zone"]
        if len(zones):
            folium.GeoJson(collection(zones, ["area_id"]), style_function=lambda _f: {
                "color": "#9e9e9e", "weight": 1, "fillColor": "#fafafa", "fillOpacity": 0.3},
            ).add_to(group)
    if "streets" in layers:
        streets = clip(layers["streets"], area)
        if len(streets):
            folium.GeoJson(collection(streets, []), style_function=lambda _f: {
                "color": "#bdbdbd", "weight": 4}).add_to(group)
    if "buildings" in layers:
        buildings = clip(layers["buildings"], area)
        if 0 < len(buildings) <= BACKGROUND_MAX_BUILDINGS:
            folium.GeoJson(collection(buildings, ["building_id"]), style_function=lambda _f: {
                "color": "#8d8d8d", "weight": 0.5, "fillColor": "#d7d7d7",
                "fillOpacity": 0.9}).add_to(group)


def site_layers(fmap: folium.Map, sites: gpd.GeoDataFrame, fields: list[str],
                aliases: list[str]) -> None:
    """One layer per category of ``sites`` (EPSG:27700, with ``category`` and ``name``),
    each site with ``fields`` in its tooltip."""
    sites = sites.assign(name=sites["name"].fillna("").astype(str).replace("", "(unnamed)")
                         .map(html.escape))
    by_category = split(collection(sites, ["site_id", *fields]),
                        sites["category"].astype(str).tolist())
    for category in SITE_CATEGORIES:
        chosen = by_category.get(category)
        if chosen is None:
            continue
        colour = CATEGORY_COLOURS[category]
        group = folium.FeatureGroup(
            name=f"{category.replace('_', ' ')} ({len(chosen['features'])})")
        folium.GeoJson(
            chosen,
            marker=folium.CircleMarker(radius=7, color="#fff", weight=2, fill=True,
                                       fill_color=colour, fill_opacity=0.95),
            style_function=lambda _f, c=colour: {"color": c, "weight": 2, "fillColor": c,
                                                 "fillOpacity": 0.25},
            tooltip=GeoJsonTooltip(fields=fields, aliases=aliases),
        ).add_to(group)
        group.add_to(fmap)


def zone_layer(fmap: folium.Map, zones: gpd.GeoDataFrame, fields: list[str]) -> None:
    """One subject's exclusion zones (EPSG:27700), ``fields`` in the tooltip. Draw them
    only for roles allowed to see them."""
    if zones.empty:
        return
    group = folium.FeatureGroup(name=f"exclusion zones ({len(zones)})")
    folium.GeoJson(collection(zones, fields), style_function=lambda _f: {
        "color": ZONE_COLOUR, "weight": 2, "fillColor": "#e53935", "fillOpacity": 0.2},
        tooltip=GeoJsonTooltip(fields=fields, labels=False)).add_to(group)
    group.add_to(fmap)
