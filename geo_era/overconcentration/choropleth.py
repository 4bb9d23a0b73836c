"""The choropleths of the over-concentration report: each area of one level filled by
its location-quotient class (:mod:`geo_era.overconcentration.classes`), the areas whose
counts are not published grey-hatched, and, in the internal report, the Gi* hot spots
outlined. Interactive (Folium, for the HTML report and the page) or static (a
matplotlib PNG, for the PDF). Areas are held in EPSG:27700 (metres).
"""

from __future__ import annotations

import io

import folium
import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from geo_era.maps.assets import Assets, Controls, new_map
from geo_era.maps.layers import WGS84, bounds
from geo_era.maps.static_map import north_arrow, scale_bar
from geo_era.overconcentration.classes import (
    CLASS_COLOURS,
    HOT_SPOT_EDGE,
    NOT_PUBLISHED,
    class_legend,
    shown_count,
    shown_number,
)
from geo_era.overconcentration.report import LevelTable, Report

#: Simplification of area outlines for the web map (metres, topology kept).
WEB_TOLERANCE_M = 5.0


def overconcentration_map(report: Report, level: LevelTable, *, assets: Assets | None = None,
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
        crs=level.areas.crs).to_crs(WGS84)
    outline = level.areas.geometry.union_all()
    centre = gpd.GeoSeries([outline.centroid], crs=level.areas.crs).to_crs(WGS84)[0]
    fmap = new_map([centre.y, centre.x], assets, tiles, tiles_attribution)
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
    fmap.add_child(Controls(class_legend(level, hot_spots=not report.published)))
    fmap.fit_bounds(bounds(outline))
    return fmap


def choropleth_png(level: LevelTable, *, title: str, hot_spots: bool,
                   dpi: int = 150) -> tuple[bytes, int]:
    """The static choropleth of one level (EPSG:27700) as PNG bytes, and how many areas
    it drew (every area of the level, each filled by its class)."""
    fig = Figure(figsize=(7.2, 6.4), layout="constrained")
    ax = fig.add_subplot()
    areas = level.areas.assign(lq_class=level.table["lq_class"].to_numpy())
    drawn = 0
    for label, colour in CLASS_COLOURS.items():
        chosen = areas[areas["lq_class"] == label]
        if not len(chosen):
            continue
        chosen.plot(ax=ax, color=colour, edgecolor="#7a7a7a", linewidth=0.25,
                    hatch="////" if label == NOT_PUBLISHED else None)
        drawn += len(chosen)
    handles = [Patch(facecolor=colour, edgecolor="#7a7a7a",
                     hatch="////" if label == NOT_PUBLISHED else None, label=label)
               for label, colour in CLASS_COLOURS.items()
               if (areas["lq_class"] == label).any()]
    if hot_spots and level.hot.hot.any():
        areas[level.hot.hot].boundary.plot(ax=ax, color=HOT_SPOT_EDGE, linewidth=1.4)
        handles.append(Patch(facecolor="none", edgecolor=HOT_SPOT_EDGE, linewidth=1.4,
                             label="Gi* hot spot"))
    bounds = tuple(float(v) for v in areas.total_bounds)
    ax.set_aspect("equal")
    ax.set_axis_off()
    scale_bar(ax, bounds, 7)  # type: ignore[arg-type]
    north_arrow(ax, 7)
    ax.set_title(title, fontsize=9)
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=6.5,
               frameon=False, title="Rate per resident against the authority's",
               title_fontsize=7)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white",
                metadata={"Software": None})
    return buffer.getvalue(), drawn
