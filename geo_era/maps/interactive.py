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
sets ``GEO_ERA_MAP_TILES``. Geometry is held in EPSG:27700 (metres) and drawn in
EPSG:4326.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xstatic.pkg.leaflet as xstatic_leaflet
from branca.element import Element, MacroElement
from jinja2 import Template

from geo_era.contract.schema import BNG, SITE_CATEGORIES
from geo_era.housing.screening import Screening
from geo_era.overconcentration.report import (
    CLASS_COLOURS,
    HOT_SPOT_EDGE,
    NOT_PUBLISHED,
    LevelTable,
    Report,
    class_legend,
    shown_count,
    shown_number,
)
from geo_era.workspace import Workspace

WGS84 = "EPSG:4326"
#: Rings drawn around the candidate (metres).
RINGS_M = (100.0, 200.0, 400.0)
#: How far beyond the largest ring the background is drawn (metres).
MARGIN_M = 150.0
#: Most buildings drawn in the background; a larger area gets streets and data zones only.
BACKGROUND_MAX_BUILDINGS = 20_000
LEAFLET_DIR = Path(xstatic_leaflet.BASE_DIR)
STATIC_DIR = Path(__file__).parent / "static"

CATEGORY_COLOURS = {
    "school": "#d62728", "nursery": "#e377c2", "play_park": "#ff7f0e",
    "community_centre": "#8c564b", "place_of_worship": "#9467bd", "shop": "#7f7f7f",
    "licensed_premises": "#bcbd22", "sheltered_housing": "#17becf", "cctv": "#1f77b4",
}
STATUS_COLOURS = {"concern": "#d62728", "unknown": "#ff9800", "clear": "#2ca02c",
                  "not checked": "#607d8b"}
ZONE_COLOUR = "#b71c1c"
STATUS_MEANING = {
    "concern": "a household that fits the victim profile",
    "unknown": "no household record for the victim profile: check it",
    "clear": "no household known to fit the victim profile",
    "not checked": "no subject given: households not checked",
}


@dataclass(frozen=True)
class Assets:
    """Where the map's Leaflet files come from: inlined (a standalone file) or URLs on
    geo_era's own server (its pages)."""

    inline: bool = True
    base_url: str = "/static"

    def scripts(self) -> str:
        files = [LEAFLET_DIR / "leaflet.js", STATIC_DIR / "controls.js"]
        if self.inline:
            return "\n".join(f"<script>{f.read_text(encoding='utf-8')}</script>" for f in files)
        return "\n".join(f'<script src="{self.base_url}/{u}"></script>'
                         for u in ("leaflet/leaflet.js", "geo_era/controls.js"))

    def styles(self) -> str:
        files = [LEAFLET_DIR / "leaflet.css", STATIC_DIR / "controls.css"]
        if self.inline:
            return "\n".join(f"<style>{f.read_text(encoding='utf-8')}</style>" for f in files)
        return "\n".join(f'<link rel="stylesheet" href="{self.base_url}/{u}">'
                         for u in ("leaflet/leaflet.css", "geo_era/controls.css"))


class _Controls(MacroElement):
    """geo_era's fullscreen and measuring controls, and the legend."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        geoEra.fullscreen({{ this._parent.get_name() }});
        geoEra.measure({{ this._parent.get_name() }});
        geoEra.legend({{ this._parent.get_name() }}, {{ this.legend | tojson }});
        {% endmacro %}
    """)

    def __init__(self, legend: list[dict[str, str]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "GeoEraControls"
        self.legend = legend


def _wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(WGS84)


def _clip(frame: gpd.GeoDataFrame, area: shapely.Geometry) -> gpd.GeoDataFrame:
    return frame.iloc[frame.sindex.query(area, predicate="intersects")]


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
            tiles_attribution: str = "") -> folium.Map:
    """The ERA map of one candidate property (and, with ``subject_id``, the check of that
    subject against it). ``show_zones`` draws the subject's exclusion zones: pass it
    only for roles allowed to see them."""
    assets = assets or Assets()
    store = workspace.store
    near = workspace.sites_near(property_id, radius_m)
    minimum = workspace.minimum_set(property_id).to_dict()
    check = workspace.check(subject_id, property_id).to_dict() if subject_id else None

    properties = store.read("properties")
    assert isinstance(properties, gpd.GeoDataFrame)
    candidate = properties[properties["property_id"] == property_id]
    centre = candidate.geometry.iloc[0]
    reach = max(*RINGS_M, radius_m) + MARGIN_M
    area = centre.buffer(reach)
    centre_ll = _wgs84(candidate).geometry.iloc[0]

    fmap = _new_map([centre_ll.y, centre_ll.x], assets, tiles, tiles_attribution)
    _background(fmap, store, area)

    circles = [centre.buffer(r, quad_segs=32).exterior.coords for r in RINGS_M]
    rings = gpd.GeoDataFrame({"ring": [f"{r:.0f} m" for r in RINGS_M]},
                             geometry=[shapely.LineString(c) for c in circles], crs=BNG)
    folium.GeoJson(_wgs84(rings), name="distance rings",
                   style_function=lambda _f: {"color": "#333", "weight": 1, "dashArray": "4 4",
                                              "fill": False},
                   tooltip=folium.GeoJsonTooltip(fields=["ring"], labels=False)).add_to(fmap)

    _sites(fmap, store, near, area)
    _routes(fmap, workspace, centre)
    member_ids = [str(p["property_id"]) for p in minimum["properties"]]
    status = member_status(check, member_ids)
    _members(fmap, properties, member_ids, status)
    if show_zones and subject_id and store.has("exclusion_zones"):
        zones = store.read("exclusion_zones")
        _zones(fmap, zones[zones["subject_id"].astype(str) == subject_id], ["zone_id"])

    folium.CircleMarker([centre_ll.y, centre_ll.x], radius=9, color="#000", weight=3,
                        fill=True, fill_color="#ffeb3b", fill_opacity=1,
                        tooltip=html.escape(f"candidate: {near['address']}"),
                        ).add_to(folium.FeatureGroup(name="candidate").add_to(fmap))
    legend = ([{"label": "candidate", "colour": "#ffeb3b"}]
              + [{"label": f"minimum set: {s} ({STATUS_MEANING[s]})", "colour": c}
                 for s, c in STATUS_COLOURS.items() if s in status.values()]
              + [{"label": c.replace("_", " "), "colour": CATEGORY_COLOURS[c]}
                 for c in SITE_CATEGORIES if any(s["category"] == c for s in near["sites"])])
    fmap.add_child(_Controls(legend))
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds(_bounds(area))
    return fmap


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
    centre = gpd.GeoSeries([area.centroid], crs=BNG).to_crs(WGS84).iloc[0]

    fmap = _new_map([centre.y, centre.x], assets, tiles, tiles_attribution)
    _background(fmap, store, area)
    categories: set[str] = set()
    if store.has("sites"):
        sites = _clip(store.read("sites"), area)
        sites = sites[sites["category"].isin(SCREENING_SITE_CATEGORIES)]
        _site_layers(fmap, sites, ["name"], [""])
        categories = set(sites["category"])
    if zones is not None:
        _zones(fmap, zones, ["zone_id", "reason"])
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
    fmap.add_child(_Controls(legend))
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds(_bounds(area))
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
    voids = _wgs84(voids).assign(property=voids["property_id"].astype(str).map(html.escape),
                                 address=voids["address"].astype(str).map(html.escape))
    ruled_out = voids["ruled_out"].astype(bool).to_numpy()
    manageable = voids[~ruled_out]
    manageable = manageable.assign(
        label="#" + manageable["rank"].astype(int).astype(str) + " — score "
              + manageable["score"].astype(float).round(1).astype(str) + " — "
              + manageable["address"])
    lows = np.array([low for low, _ in SCORE_BANDS])
    band = np.argmax(manageable["score"].to_numpy(float)[:, None] >= lows[None, :], axis=1)
    group = folium.FeatureGroup(name=f"manageable voids, ranked ({len(manageable)})")
    for k, (_low, colour) in enumerate(SCORE_BANDS):
        chosen = manageable[band == k]
        if chosen.empty:
            continue
        folium.GeoJson(
            chosen[["label", "property", "geometry"]],
            marker=folium.CircleMarker(radius=8, color="#000", weight=1, fill=True,
                                       fill_color=colour, fill_opacity=0.95),
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
            popup=folium.GeoJsonPopup(fields=["label", "property"],
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
            out[["label", "property", "why", "geometry"]],
            marker=folium.CircleMarker(radius=7, color=ZONE_COLOUR, weight=2, fill=True,
                                       fill_color=RULED_OUT_COLOUR, fill_opacity=0.9),
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
            popup=folium.GeoJsonPopup(fields=["label", "property", "why"],
                                      aliases=["", "property id", "ruled out because"],
                                      localize=False),
        ).add_to(group)
    group.add_to(fmap)


def _new_map(location: list[float], assets: Assets, tiles: str | None,
             tiles_attribution: str) -> folium.Map:
    """An empty map using ``assets`` for Leaflet and geo_era's controls (no CDN), with a
    tile layer only when one is configured."""
    fmap = folium.Map(location=location, zoom_start=17, tiles=None, control_scale=True,
                      prefer_canvas=True)
    fmap.default_js, fmap.default_css = [], []
    root: Any = fmap.get_root()
    root.header.add_child(Element(assets.styles()), name="geo_era_styles")
    root.header.add_child(Element(assets.scripts()), name="geo_era_scripts")
    if tiles:
        folium.TileLayer(tiles=tiles, attr=tiles_attribution or "configured tiles",
                         name="tiles (configured)").add_to(fmap)
    return fmap


def _bounds(area: shapely.Geometry) -> list[list[float]]:
    minx, miny, maxx, maxy = gpd.GeoSeries([area], crs=BNG).to_crs(WGS84).total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def _background(fmap: folium.Map, store: Any, area: shapely.Geometry) -> None:
    """Buildings, streets and data zones from the loaded layers: the basemap. Over a
    large area (more than :data:`BACKGROUND_MAX_BUILDINGS` buildings) the buildings are
    left out, keeping the page light."""
    group = folium.FeatureGroup(name="background (loaded layers)").add_to(fmap)
    if store.has("areas"):
        areas = _clip(store.read("areas"), area)
        zones = areas[areas["area_type"].astype(str) == "data_zone"][["area_id", "geometry"]]
        if len(zones):
            folium.GeoJson(_wgs84(zones), style_function=lambda _f: {
                "color": "#9e9e9e", "weight": 1, "fillColor": "#fafafa", "fillOpacity": 0.3},
            ).add_to(group)
    if store.has("streets"):
        streets = _clip(store.read("streets"), area)[["geometry"]]
        if len(streets):
            folium.GeoJson(_wgs84(streets), style_function=lambda _f: {
                "color": "#bdbdbd", "weight": 4}).add_to(group)
    if store.has("buildings"):
        buildings = _clip(store.read("buildings"), area)[["building_id", "geometry"]]
        if 0 < len(buildings) <= BACKGROUND_MAX_BUILDINGS:
            folium.GeoJson(_wgs84(buildings), style_function=lambda _f: {
                "color": "#8d8d8d", "weight": 0.5, "fillColor": "#d7d7d7",
                "fillOpacity": 0.9}).add_to(group)


def _sites(fmap: folium.Map, store: Any, near: dict[str, Any],
           area: shapely.Geometry) -> None:
    """Sites in range by category, each with its straight-line and walking distance."""
    found = pd.DataFrame(near["sites"])
    if found.empty:
        return
    sites = store.read("sites")
    sites = sites[sites["site_id"].isin(found["site_id"])][["site_id", "geometry"]]
    sites = sites.merge(found, on="site_id")
    sites["walk"] = np.where(sites["walk_m"].notna(),
                             sites["walk_m"].map(lambda m: f"{m:,.0f} m" if pd.notna(m) else ""),
                             sites["walk_status"].str.replace("_", " "))
    sites["straight"] = sites["distance_m"].map(lambda m: f"{m:,.0f} m")
    _site_layers(fmap, gpd.GeoDataFrame(sites, geometry="geometry", crs=BNG),
                 ["name", "straight", "walk"], ["", "straight line", "walking"])


def _site_layers(fmap: folium.Map, sites: gpd.GeoDataFrame, fields: list[str],
                 aliases: list[str]) -> None:
    """One layer per category of ``sites`` (EPSG:27700, with ``category`` and ``name``),
    each site with ``fields`` in its tooltip."""
    sites = sites.assign(name=sites["name"].fillna("").astype(str).replace("", "(unnamed)")
                         .map(html.escape))
    sites = _wgs84(sites)
    for category in SITE_CATEGORIES:
        chosen = sites[sites["category"] == category]
        if chosen.empty:
            continue
        colour = CATEGORY_COLOURS[category]
        group = folium.FeatureGroup(name=f"{category.replace('_', ' ')} ({len(chosen)})")
        folium.GeoJson(
            chosen[["site_id", *fields, "geometry"]],
            marker=folium.CircleMarker(radius=7, color="#fff", weight=2, fill=True,
                                       fill_color=colour, fill_opacity=0.95),
            style_function=lambda _f, c=colour: {"color": c, "weight": 2, "fillColor": c,
                                                 "fillOpacity": 0.25},
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
        ).add_to(group)
        group.add_to(fmap)


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
    routes = _wgs84(gpd.GeoDataFrame(rows, geometry="geometry", crs=BNG))
    folium.GeoJson(routes, style_function=lambda f: {
        "color": CATEGORY_COLOURS[f["properties"]["category"]], "weight": 3,
        "opacity": 0.8}, tooltip=folium.GeoJsonTooltip(
            fields=["category", "site", "walk"], aliases=["nearest", "", "on foot"]),
    ).add_to(group)
    group.add_to(fmap)


def _members(fmap: folium.Map, properties: gpd.GeoDataFrame, member_ids: list[str],
             status: dict[str, str]) -> None:
    """The minimum set, coloured by check status."""
    if not member_ids:
        return
    members = properties[properties["property_id"].isin(member_ids)][
        ["property_id", "address", "geometry"]].copy()
    members["status"] = members["property_id"].map(status)
    group = folium.FeatureGroup(name=f"minimum set ({len(members)})")
    for state, colour in STATUS_COLOURS.items():
        chosen = members[members["status"] == state]
        if chosen.empty:
            continue
        folium.GeoJson(
            _wgs84(chosen[["address", "status", "geometry"]]),
            marker=folium.CircleMarker(radius=6, color="#000", weight=1, fill=True,
                                       fill_color=colour, fill_opacity=0.9),
            tooltip=folium.GeoJsonTooltip(fields=["address", "status"], labels=False),
        ).add_to(group)
    group.add_to(fmap)


def _zones(fmap: folium.Map, zones: gpd.GeoDataFrame, fields: list[str]) -> None:
    """One subject's exclusion zones (EPSG:27700), ``fields`` in the tooltip."""
    if zones.empty:
        return
    group = folium.FeatureGroup(name=f"exclusion zones ({len(zones)})")
    folium.GeoJson(_wgs84(zones[[*fields, "geometry"]]), style_function=lambda _f: {
        "color": ZONE_COLOUR, "weight": 2, "fillColor": "#e53935", "fillOpacity": 0.2},
        tooltip=folium.GeoJsonTooltip(fields=fields, labels=False)).add_to(group)
    group.add_to(fmap)


#: Simplification of area outlines for the web map (metres, topology kept).
WEB_TOLERANCE_M = 5.0

def overconcentration_map(report: Report, level: LevelTable, *, assets: Any = None,
                   tiles: str | None = None, tiles_attribution: str = "") -> folium.Map:
    """The interactive choropleth of one level (Folium): every area filled by its class,
    its name, count, rates and location quotient in the tooltip; internally the hot
    spots outlined. Drawn in EPSG:4326 from outlines simplified by
    :data:`WEB_TOLERANCE_M` metres."""
    assets = assets or Assets()
    table = level.table
    hot = level.hot.hot if not report.published else np.zeros(len(table), dtype=bool)
    shown = gpd.GeoDataFrame({
        "area_id": table.index.astype(str),
        "name": table["name"].astype(str).to_numpy(),
        "count": [shown_count(v) for v in table["count"]],
        "rate": [shown_number(v, 1) for v in table["rate_per_100k"]],
        "per_hh": [shown_number(v, 2) for v in table["rate_per_1k_households"]],
        "lq": [shown_number(v, 2) for v in table["location_quotient"]],
        "class": table["lq_class"].to_numpy(),
        "colour": table["lq_class"].map(CLASS_COLOURS).to_numpy(),
        "hot": np.where(hot, "Gi* hot spot", ""),
    }, geometry=level.areas.geometry.simplify(WEB_TOLERANCE_M).to_numpy(),
        crs=level.areas.crs).to_crs("EPSG:4326")
    outline = level.areas.geometry.union_all()
    centre = gpd.GeoSeries([outline.centroid], crs=level.areas.crs).to_crs("EPSG:4326")[0]
    fmap = _new_map([centre.y, centre.x], assets, tiles, tiles_attribution)
    group = folium.FeatureGroup(name=f"{level.plural} ({len(shown)})")
    folium.GeoJson(
        shown,
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"], "fillOpacity": 0.8,
            "color": HOT_SPOT_EDGE if f["properties"]["hot"] else "#6d6d6d",
            "weight": 2.5 if f["properties"]["hot"] else 0.5,
            "dashArray": "3" if f["properties"]["class"] == NOT_PUBLISHED else None},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "area_id", "count", "rate", "per_hh", "lq", "class", "hot"],
            aliases=["", "code", f"placements on 31 March {report.year}",
                     "per 100,000 residents", "per 1,000 households",
                     "location quotient", "", ""], localize=False),
    ).add_to(group)
    group.add_to(fmap)
    fmap.add_child(_Controls(class_legend(level, hot_spots=not report.published)))
    fmap.fit_bounds(_bounds(outline))
    return fmap


def write_map(fmap: folium.Map, path: Path) -> None:
    """Write a standalone HTML file, atomically (a temporary file renamed into place)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fmap.save(str(tmp))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)

