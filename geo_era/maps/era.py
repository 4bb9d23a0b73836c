"""The ERA map an OMU analyst reads (Folium/Leaflet): a candidate property, its minimum
set coloured by check status, the sites around it by category with straight-line and
walking distances, the walking route to the nearest of each category, distance rings,
and, only for roles allowed to see them, the subject's exclusion zones.

Self-contained by default. A tile server asked for map tiles learns which street is
being examined, which for an offender's candidate address is a leak, and many police
networks reach no public server at all. So the background is drawn from the loaded
layers (buildings, streets, data zones), Leaflet's JavaScript and CSS come from the
installed ``xstatic-leaflet`` package (inlined in a standalone file, or served by
geo_era for its pages), the fullscreen and measuring controls are geo_era's own
(``static/controls.js``), and a public tile layer is added only when an administrator
sets ``GEO_ERA_MAP_TILES`` (:mod:`geo_era.maps.assets`). Geometry is held in EPSG:27700
(metres) and drawn in EPSG:4326.
"""

from __future__ import annotations

import html
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_era.contract.schema import BNG, SITE_CATEGORIES
from geo_era.data.layer_store import LayerStore
from geo_era.maps.assets import Assets, Controls, GeoJsonTooltip, new_map
from geo_era.maps.features import collection, point_wgs84, reference_layers, split
from geo_era.maps.layers import (
    CATEGORY_COLOURS,
    MARGIN_M,
    background,
    bounds,
    site_layers,
    zone_layer,
)
from geo_era.workspace import PropertyTable, Snapshot, Workspace

#: Rings drawn around the candidate (metres).
RINGS_M = (100.0, 200.0, 400.0)
STATUS_COLOURS = {"concern": "#d62728", "unknown": "#ff9800", "clear": "#2ca02c",
                  "not checked": "#607d8b"}
STATUS_MEANING = {
    "concern": "a household that fits the victim profile",
    "unknown": "no household record for the victim profile: check it",
    "clear": "no household known to fit the victim profile",
    "not checked": "no subject given: households not checked",
}


def member_status(check: dict[str, Any] | None, member_ids: list[str]) -> dict[str, str]:
    """Each minimum-set property's check status from a subject check document
    (:meth:`geo_era.analysis.subject_check.CheckResult.to_dict`): ``concern``, ``unknown``,
    ``clear``; ``not checked`` without a check."""
    if check is None:
        return dict.fromkeys(member_ids, "not checked")
    status = dict.fromkeys(member_ids, "clear")
    for finding in check.get("warnings", []) + check.get("conflicts", []):
        kind = {"victim_profile_household": "concern",
                "victim_profile_unknown": "unknown"}.get(finding.get("kind", ""))
        if kind is None:
            continue
        for pid in finding.get("properties", []):
            if pid in status and status[pid] != "concern":
                status[pid] = kind
    return status


def era_map(workspace: Workspace, property_id: str, *, subject_id: str | None = None,
            show_zones: bool = False, radius_m: float = 400.0,
            assets: Assets | None = None, tiles: str | None = None,
            tiles_attribution: str = "", with_minimum_set: bool = True) -> folium.Map:
    """The ERA map of one candidate property (and, with ``subject_id``, the check of that
    subject against it). ``show_zones`` draws the subject's exclusion zones: pass it
    only for roles allowed to see them. ``with_minimum_set=False`` leaves the minimum
    set out (the sites around the property only, as a Link Officer may see them)."""
    assets = assets or Assets()
    store = workspace.store
    near = workspace.sites_near(property_id, radius_m)
    minimum = (workspace.minimum_set(property_id).to_dict() if with_minimum_set
               else {"properties": []})
    check = workspace.check(subject_id, property_id).to_dict() if subject_id else None

    snapshot = workspace.snapshot()
    table = snapshot.properties
    x, y = table.xy[table.row(property_id)]
    centre = shapely.Point(x, y)
    reach = max(*RINGS_M, radius_m) + MARGIN_M
    area = centre.buffer(reach)
    lon, lat = point_wgs84(x, y)

    fmap = new_map([lat, lon], assets, tiles, tiles_attribution)
    background(fmap, store, area)

    circles = [centre.buffer(r, quad_segs=32).exterior.coords for r in RINGS_M]
    rings = pd.DataFrame({"ring": [f"{r:.0f} m" for r in RINGS_M],
                          "geometry": [shapely.LineString(c) for c in circles]})
    folium.GeoJson(collection(rings), name="distance rings",
                   style_function=lambda _f: {"color": "#333", "weight": 1, "dashArray": "4 4",
                                              "fill": False},
                   tooltip=GeoJsonTooltip(fields=["ring"], labels=False)).add_to(fmap)

    _sites(fmap, store, near, area)
    _routes(fmap, workspace, centre)
    member_ids = [str(p["property_id"]) for p in minimum["properties"]]
    status = member_status(check, member_ids)
    _members(fmap, table, member_ids, status)
    if show_zones and subject_id:
        zone_layer(fmap, _zones_of(snapshot, subject_id), ["zone_id"])

    folium.CircleMarker([lat, lon], radius=9, color="#000", weight=3,
                        fill=True, fill_color="#ffeb3b", fill_opacity=1,
                        tooltip=html.escape(f"candidate: {near['address']}"),
                        ).add_to(folium.FeatureGroup(name="candidate").add_to(fmap))
    legend = ([{"label": "candidate", "colour": "#ffeb3b"}]
              + [{"label": f"minimum set: {s} ({STATUS_MEANING[s]})", "colour": c}
                 for s, c in STATUS_COLOURS.items() if s in status.values()]
              + [{"label": c.replace("_", " "), "colour": CATEGORY_COLOURS[c]}
                 for c in SITE_CATEGORIES if any(s["category"] == c for s in near["sites"])])
    fmap.add_child(Controls(legend))
    folium.LayerControl(collapsed=True).add_to(fmap)  # opened on demand: not over the data
    fmap.fit_bounds(bounds(area))
    return fmap


def _sites(fmap: folium.Map, store: LayerStore, near: dict[str, Any],
           area: shapely.Geometry) -> None:
    """Sites in range by category, each with its straight-line and walking distance."""
    found = pd.DataFrame(near["sites"])
    if found.empty:
        return
    sites = reference_layers(store)["sites"]
    sites = sites[sites["site_id"].isin(found["site_id"])][["site_id", "geometry"]]
    sites = sites.merge(found, on="site_id")
    sites["walk"] = np.where(sites["walk_m"].notna(),
                             sites["walk_m"].map(lambda m: f"{m:,.0f} m" if pd.notna(m) else ""),
                             sites["walk_status"].str.replace("_", " "))
    sites["straight"] = sites["distance_m"].map(lambda m: f"{m:,.0f} m")
    site_layers(fmap, gpd.GeoDataFrame(sites, geometry="geometry", crs=BNG),
                 ["name", "straight", "walk"], ["", "straight line", "walking"])


def _routes(fmap: folium.Map, workspace: Workspace, centre: shapely.Point) -> None:
    """The walking route to the nearest site of each category."""
    network = workspace.walk_network()
    if network is None:
        return
    xy = (centre.x, centre.y)
    rows: list[dict[str, Any]] = []
    for category in SITE_CATEGORIES:
        distances = network.per_category.get(category)
        if distances is None:
            continue
        found = network.graph.route(xy, distances, network.access)
        if found is None:
            continue
        line, site = found
        rows.append({"category": category, "site": str(network.site_names[site]
                                                      or network.site_ids[site]),
                     "walk": f"{line.length:,.0f} m", "geometry": line})
    if not rows:
        return
    group = folium.FeatureGroup(name="walking route to the nearest of each category")
    folium.GeoJson(collection(pd.DataFrame(rows)), style_function=lambda f: {
        "color": CATEGORY_COLOURS[f["properties"]["category"]], "weight": 3,
        "opacity": 0.8}, tooltip=GeoJsonTooltip(
            fields=["category", "site", "walk"], aliases=["nearest", "", "on foot"]),
    ).add_to(group)
    group.add_to(fmap)


def _members(fmap: folium.Map, table: PropertyTable, member_ids: list[str],
             status: dict[str, str]) -> None:
    """The minimum set, coloured by check status (in the properties layer's order)."""
    rows = np.sort(np.array([r for r in map(table.rows_by_id.get, member_ids)
                             if r is not None], dtype=np.int64))
    if not len(rows):
        return
    ids = table.ids[rows]
    members = pd.DataFrame({"address": np.asarray(table.address[rows], dtype=object),
                            "status": [status[str(p)] for p in ids],
                            "geometry": shapely.points(table.xy[rows])}, index=rows)
    by_status = split(collection(members), members["status"].tolist())
    group = folium.FeatureGroup(name=f"minimum set ({len(members)})")
    for state, colour in STATUS_COLOURS.items():
        chosen = by_status.get(state)
        if chosen is None:
            continue
        folium.GeoJson(
            chosen,
            marker=folium.CircleMarker(radius=6, color="#000", weight=1, fill=True,
                                       fill_color=colour, fill_opacity=0.9),
            tooltip=GeoJsonTooltip(fields=["address", "status"], labels=False),
        ).add_to(group)
    group.add_to(fmap)


def _zones_of(snapshot: Snapshot, subject_id: str) -> gpd.GeoDataFrame:
    """A subject's exclusion zones as the layer orders them (read per request from the
    workspace's snapshot: never cached for a map)."""
    zones = snapshot.zones
    if zones is None:
        return snapshot.zones_of(subject_id)
    chosen = zones[zones["subject_id"].astype(str) == subject_id]
    assert isinstance(chosen, gpd.GeoDataFrame)
    return chosen
