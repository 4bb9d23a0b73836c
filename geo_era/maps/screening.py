"""The screening map (NASSO 5.2, 5.3): the voids screened for one subject on one map,
each manageable void coloured by its score band with its rank, score and address, the
ruled-out ones in a grey layer of their own with their reasons, the schools, nurseries
and play parks around them and, only for roles allowed to see them, the subject's
exclusion zones. Self-contained like every geo_era map (:mod:`geo_era.maps.assets`).
Positions EPSG:27700 (metres), drawn in EPSG:4326.
"""

from __future__ import annotations

import html
import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_era.contract.schema import BNG
from geo_era.housing.screening import Screening
from geo_era.maps.assets import Assets, Controls, GeoJsonPopup, GeoJsonTooltip, new_map
from geo_era.maps.features import collection, point_wgs84, reference_layers, split
from geo_era.maps.layers import (
    CATEGORY_COLOURS,
    MARGIN_M,
    ZONE_COLOUR,
    background,
    bounds,
    clip,
    site_layers,
    zone_layer,
)
from geo_era.workspace import Workspace

#: Score bands of the screening map (lowest score of the band, colour): green for the
#: most manageable voids, amber for the least.
SCORE_BANDS = ((75.0, "#1a9850"), (50.0, "#91cf60"), (25.0, "#fdd835"), (0.0, "#ff9800"))


RULED_OUT_COLOUR = "#757575"


#: The site categories a screening map draws (those whose walking distance is scored).
SCREENING_SITE_CATEGORIES = ("school", "nursery", "play_park")


def screening_map(workspace: Workspace, screening: Screening, *, show_zones: bool,
                  top: int | None = None, assets: Assets | None = None,
                  tiles: str | None = None, tiles_attribution: str = "") -> folium.Map:
    """The voids of a :class:`~geo_era.housing.screening.Screening` on one map: each manageable
    void coloured by its score band, with its rank, score and address in the tooltip;
    the ruled-out ones in a grey layer of their own, their reasons in the popup; the
    schools, nurseries and play parks around them; and, with ``show_zones`` (only for
    roles allowed to see them), the subject's exclusion zones. ``top`` draws the first
    ``top`` voids of the list, as :meth:`Screening.to_dict` shows them. Positions are
    the voids' address points (EPSG:27700), drawn in EPSG:4326; the map is fitted to
    the voids with a margin of :data:`MARGIN_M` metres."""
    assets = assets or Assets()
    store = workspace.store
    count = len(screening.voids) if top is None else min(top, len(screening.voids))
    documents = screening.voids[:count]
    xy = screening.xy[:count]
    zones = _screening_zones(screening) if show_zones else None
    if len(xy):
        minx, miny = xy.min(axis=0)
        maxx, maxy = xy.max(axis=0)
    elif zones is not None and len(zones):
        minx, miny, maxx, maxy = zones.total_bounds
    else:  # no void to show (every row of a list was bad): the whole stock
        every = workspace.snapshot().properties.xy
        minx, miny = every.min(axis=0)
        maxx, maxy = every.max(axis=0)
    area = shapely.box(minx, miny, maxx, maxy).buffer(MARGIN_M, join_style="mitre")
    middle = area.centroid
    lon, lat = point_wgs84(middle.x, middle.y)

    fmap = new_map([lat, lon], assets, tiles, tiles_attribution)
    background(fmap, store, area)
    categories: set[str] = set()
    reference = reference_layers(store)
    if "sites" in reference:
        sites = clip(reference["sites"], area)
        sites = sites[sites["category"].isin(SCREENING_SITE_CATEGORIES)]
        site_layers(fmap, sites, ["name"], [""])
        categories = set(sites["category"])
    if zones is not None:
        zone_layer(fmap, zones, ["zone_id", "reason"])
    voids = gpd.GeoDataFrame(pd.DataFrame(
        documents, columns=["property_id", "address", "ruled_out", "rank", "score",
                            "reasons"]), geometry=shapely.points(xy), crs=BNG)
    _screened_voids(fmap, voids)

    highs = (100.0, *(low for low, _ in SCORE_BANDS[:-1]))
    legend = ([{"label": f"score {low:g}-{high:g}", "colour": colour}
               for (low, colour), high in zip(SCORE_BANDS, highs, strict=True)]
              + [{"label": "ruled out (reasons in the popup)", "colour": RULED_OUT_COLOUR}]
              + ([{"label": "exclusion zone", "colour": ZONE_COLOUR}]
                 if zones is not None and len(zones) else [])
              + [{"label": c.replace("_", " "), "colour": CATEGORY_COLOURS[c]}
                 for c in SCREENING_SITE_CATEGORIES if c in categories])
    fmap.add_child(Controls(legend))
    folium.LayerControl(collapsed=True).add_to(fmap)  # opened on demand: not over the data
    fmap.fit_bounds(bounds(area))
    return fmap


def _screening_zones(screening: Screening) -> gpd.GeoDataFrame:
    """The subject's exclusion zones as the screening used them (EPSG:27700)."""
    outlines = [json.dumps(z["zone_geometry"]) for z in screening.zones]
    return gpd.GeoDataFrame(
        {"zone_id": [html.escape(str(z["zone_id"])) for z in screening.zones],
         "reason": [html.escape(z["zone_reason"] or "(no reason recorded)")
                    for z in screening.zones]},
        geometry=shapely.from_geojson(np.array(outlines, dtype=object)) if outlines else [],
        crs=BNG)


def _screened_voids(fmap: folium.Map, voids: gpd.GeoDataFrame) -> None:
    """The manageable voids by score band, then the ruled-out ones, as two layers
    (``voids``: the screening documents' columns at their address points, EPSG:27700)."""
    voids = voids.assign(property=voids["property_id"].astype(str).map(html.escape),
                                 address=voids["address"].astype(str).map(html.escape))
    ruled_out = voids["ruled_out"].astype(bool).to_numpy()
    manageable = voids[~ruled_out]
    manageable = manageable.assign(
        label="#" + manageable["rank"].astype(int).astype(str) + " — score "
              + manageable["score"].astype(float).round(1).astype(str) + " — "
              + manageable["address"])
    lows = np.array([low for low, _ in SCORE_BANDS])
    band = np.argmax(manageable["score"].to_numpy(float)[:, None] >= lows[None, :], axis=1)
    by_band = split(collection(manageable, ["label", "property"]), band.tolist())
    group = folium.FeatureGroup(name=f"manageable voids, ranked ({len(manageable)})")
    for k, (_low, colour) in enumerate(SCORE_BANDS):
        chosen = by_band.get(k)
        if chosen is None:
            continue
        folium.GeoJson(
            chosen,
            marker=folium.CircleMarker(radius=8, color="#000", weight=1, fill=True,
                                       fill_color=colour, fill_opacity=0.95),
            tooltip=GeoJsonTooltip(fields=["label"], labels=False),
            popup=GeoJsonPopup(fields=["label", "property"],
                                      aliases=["", "property id"], localize=False),
        ).add_to(group)
    group.add_to(fmap)

    out = voids[ruled_out]
    out = out.assign(label="ruled out — " + out["address"], why=out["reasons"].map(
        lambda found: "<br>".join(html.escape(str(r.get("message") or r.get("kind")))
                                  for r in found)))
    group = folium.FeatureGroup(name=f"ruled-out voids ({len(out)})")
    if len(out):
        folium.GeoJson(
            collection(out, ["label", "property", "why"]),
            marker=folium.CircleMarker(radius=7, color=ZONE_COLOUR, weight=2, fill=True,
                                       fill_color=RULED_OUT_COLOUR, fill_opacity=0.9),
            tooltip=GeoJsonTooltip(fields=["label"], labels=False),
            popup=GeoJsonPopup(fields=["label", "property", "why"],
                                      aliases=["", "property id", "ruled out because"],
                                      localize=False),
        ).add_to(group)
    group.add_to(fmap)
