"""The static map of an ERA document and a physical-check field sheet (NASSO 3.8, 3.9).

One PNG per candidate property, drawn with matplotlib from the reference layers: no
basemap tiles, no network. Two panels share one legend:

- **the surroundings**: streets, building footprints, the sites a physical check covers
  (NASSO 3.8) within the assessment radius, by category, and distance rings (100, 200
  and 400 m, and the radius itself when larger) round the candidate property;
- **the minimum set** (NASSO 3.9) close up: footprints, gardens (``plots`` layer, when
  there is one), the candidate and the dwellings to check, highlighted.

Coordinates are British National Grid (EPSG:27700) metres, so the axes are drawn 1:1
and the scale bars measure metres; north is grid north (within a degree or two of true
north across Scotland). Nothing about the subject is drawn: no exclusion zone, no
subject's home. Every layer is drawn with one vectorised ``GeoSeries.plot`` call per
style (per category for sites), never a loop over geometries.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from geo_era.contract.schema import BNG, SITE_CATEGORIES
from geo_era.data.layer_store import LayerStore
from geo_era.errors import NotFoundError

#: Distance rings round the candidate property, metres (the radius is added if larger).
RINGS_M: tuple[float, ...] = (100.0, 200.0, 400.0)

#: How each category of site is drawn: (label, colour, marker).
SITE_STYLE: dict[str, tuple[str, str, str]] = {
    "school": ("School", "#1f77b4", "s"),
    "nursery": ("Nursery", "#17becf", "D"),
    "play_park": ("Play park", "#2ca02c", "^"),
    "community_centre": ("Community centre", "#9467bd", "p"),
    "place_of_worship": ("Place of worship", "#8c564b", "P"),
    "shop": ("Shop", "#e377c2", "o"),
    "licensed_premises": ("Licensed premises", "#bcbd22", "v"),
    "sheltered_housing": ("Sheltered housing", "#7f7f7f", "h"),
    "cctv": ("CCTV", "#111111", "X"),
    "care_home": ("Care home", "#ff7f0e", "H"),
}
assert set(SITE_STYLE) == set(SITE_CATEGORIES)

CANDIDATE_COLOUR = "#d7191c"
SET_COLOUR = "#f46d43"
SET_FILL = "#fdae61"
RING_COLOUR = "#2b83ba"
_MM_PER_INCH = 25.4


@dataclass(frozen=True)
class MapLayers:
    """The reference layers a map draws (EPSG:27700), read once for several maps.

    ``properties`` needs ``property_id`` and ``geometry`` (``building_id`` when there is
    one); any other layer may be None when it has not been imported.
    """

    properties: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame | None = None
    streets: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None
    plots: gpd.GeoDataFrame | None = None
    data_version: int = 0

    @classmethod
    def from_store(cls, store: LayerStore) -> MapLayers:
        """Read the layers a map needs from ``store`` (only the columns it draws)."""
        if not store.has("properties"):
            raise NotFoundError(store.missing_message("properties"))

        def read(name: str, columns: list[str]) -> gpd.GeoDataFrame | None:
            if not store.has(name):
                return None
            frame = store.read(name, columns=columns)
            assert isinstance(frame, gpd.GeoDataFrame)
            return frame

        properties = read("properties", ["property_id", "building_id", "geometry"])
        assert properties is not None
        return cls(properties=properties,
                   buildings=read("buildings", ["building_id", "geometry"]),
                   streets=read("streets", ["geometry"]),
                   sites=read("sites", ["site_id", "category", "geometry"]),
                   plots=read("plots", ["geometry"]),
                   data_version=store.data_version)


@dataclass(frozen=True)
class MapRequest:
    """What to draw round one candidate property.

    ``site_ids``: the sites to draw (those the assessment found within the radius);
    None draws every site within ``radius_m`` of the property in the current layer.
    ``size_mm``: the PNG's width and height in millimetres at ``dpi``.
    """

    property_id: str
    minimum_set_ids: Sequence[str] = ()
    site_ids: Sequence[str] | None = None
    radius_m: float = 400.0
    size_mm: tuple[float, float] = (180.0, 112.0)
    dpi: int = 200
    font_pt: float = 7.0


def _window(gdf: gpd.GeoDataFrame | None, bounds: tuple[float, float, float, float]
            ) -> gpd.GeoDataFrame | None:
    """The rows of ``gdf`` whose geometry meets the box (spatial index, one query)."""
    if gdf is None or not len(gdf):
        return None
    rows = gdf.sindex.query(shapely.box(*bounds), predicate="intersects")
    return gdf.iloc[np.sort(rows)] if len(rows) else None


def scale_bar(ax: Axes, bounds: tuple[float, float, float, float], font_pt: float) -> None:
    """A bar of a round number of metres in the lower left corner."""
    xmin, ymin, xmax, ymax = bounds
    width = xmax - xmin
    target = width / 4
    length = max(v for v in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000)
                 if v <= max(target, 5))
    x0, y0 = xmin + 0.05 * width, ymin + 0.06 * (ymax - ymin)
    ax.add_patch(Rectangle((x0 - 0.02 * width, y0 - 0.03 * (ymax - ymin)),
                           length + 0.04 * width, 0.11 * (ymax - ymin),
                           facecolor="white", edgecolor="none", alpha=0.85, zorder=20))
    ax.plot([x0, x0 + length / 2], [y0, y0], color="black", linewidth=3,
            solid_capstyle="butt", zorder=21)
    ax.plot([x0 + length / 2, x0 + length], [y0, y0], color="#888888", linewidth=3,
            solid_capstyle="butt", zorder=21)
    ax.text(x0 + length / 2, y0 + 0.02 * (ymax - ymin), f"{length:g} m", ha="center",
            va="bottom", fontsize=font_pt, zorder=22)


def north_arrow(ax: Axes, font_pt: float) -> None:
    ax.annotate("N", xy=(0.94, 0.96), xytext=(0.94, 0.84), xycoords="axes fraction",
                textcoords="axes fraction", ha="center", va="center", fontsize=font_pt + 1,
                fontweight="bold", zorder=22,
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2})


def _draw_base(ax: Axes, layers: MapLayers, bounds: tuple[float, float, float, float],
               set_buildings: pd.Index, candidate_building: str | None, *,
               gardens: bool) -> None:
    """Gardens, streets and footprints within ``bounds``; the minimum set's footprints
    filled, the candidate's outlined."""
    if gardens:
        plots = _window(layers.plots, bounds)
        if plots is not None:
            plots.plot(ax=ax, facecolor="#f3f9ef", edgecolor="#a6c99a", linewidth=0.4,
                       zorder=1)
    streets = _window(layers.streets, bounds)
    if streets is not None:
        streets.plot(ax=ax, color="#9e9e9e", linewidth=1.4, zorder=2)
    buildings = _window(layers.buildings, bounds)
    if buildings is not None:
        ids = buildings["building_id"].astype("string")
        in_set = ids.isin(set_buildings).to_numpy(dtype=bool)
        buildings[~in_set].plot(ax=ax, facecolor="#dcdcdc", edgecolor="#a8a8a8",
                                linewidth=0.3, zorder=3)
        if in_set.any():
            buildings[in_set].plot(ax=ax, facecolor=SET_FILL, edgecolor=SET_COLOUR,
                                   linewidth=0.6, zorder=4)
        if candidate_building is not None:
            own = buildings[ids.eq(candidate_building).fillna(False).to_numpy(dtype=bool)]
            if len(own):
                own.plot(ax=ax, facecolor="none", edgecolor=CANDIDATE_COLOUR, linewidth=1.2,
                         zorder=5)


def _draw_sites(ax: Axes, sites: gpd.GeoDataFrame, marker_size: float) -> list[str]:
    """Sites by category: polygons (grounds, parks) filled, every site marked at a point
    inside it. Returns the categories drawn, in legend order."""
    drawn: list[str] = []
    if not len(sites):
        return drawn
    polygonal = sites.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy(dtype=bool)
    marks = gpd.GeoSeries(sites.geometry.representative_point(), crs=sites.crs)
    category = sites["category"].astype("string")
    for name in SITE_CATEGORIES:
        chosen = category.eq(name).fillna(False).to_numpy(dtype=bool)
        if not chosen.any():
            continue
        _label, colour, marker = SITE_STYLE[name]
        if (chosen & polygonal).any():
            sites[chosen & polygonal].plot(ax=ax, facecolor=colour, alpha=0.3,
                                           edgecolor=colour, linewidth=0.8, zorder=6)
        marks[chosen].plot(ax=ax, color=colour, marker=marker, markersize=marker_size,
                           edgecolor="white", linewidth=0.5, zorder=7)
        drawn.append(name)
    return drawn


def _set_extent(ax: Axes, bounds: tuple[float, float, float, float], font_pt: float) -> None:
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"E {bounds[0]:,.0f}-{bounds[2]:,.0f} m (EPSG:27700)", fontsize=font_pt - 1,
                  labelpad=2, color="#444444")
    ax.set_ylabel(f"N {bounds[1]:,.0f}-{bounds[3]:,.0f} m", fontsize=font_pt - 1, labelpad=2,
                  color="#444444")


@dataclass(frozen=True)
class _Scene:
    """What one property's map draws, worked out before drawing: the candidate's
    address point, its minimum set's dwellings and buildings, the rings, the sites in
    range, and the two panels' extents (EPSG:27700 metres)."""

    x: float
    y: float
    members: gpd.GeoDataFrame
    candidate_building: str | None
    set_buildings: pd.Index
    radius: float
    rings: npt.NDArray[np.float64]
    wide: tuple[float, float, float, float]
    close: tuple[float, float, float, float]
    sites: gpd.GeoDataFrame | None

    @classmethod
    def of(cls, layers: MapLayers, request: MapRequest) -> _Scene:
        props = layers.properties
        pid = props["property_id"].astype("string")
        own = props[pid.eq(request.property_id).fillna(False).to_numpy(dtype=bool)]
        if not len(own):
            raise NotFoundError(f"property_id {request.property_id!r} not found in layer "
                                f"'properties' ({len(props):,} rows); check the id or the "
                                "import")
        point = own.geometry.iloc[0]
        x, y = float(point.x), float(point.y)
        members = props[pid.isin(list(request.minimum_set_ids)).fillna(False)
                        .to_numpy(dtype=bool)]
        candidate_building: str | None = None
        set_buildings = pd.Index([], dtype="string")
        if "building_id" in props.columns:
            value = own["building_id"].iloc[0]
            candidate_building = None if pd.isna(value) else str(value)
            set_buildings = pd.Index(members["building_id"].dropna().astype("string")
                                     .unique())
        radius = float(request.radius_m)
        rings = np.array(sorted({r for r in RINGS_M if r <= radius} | {radius}), dtype=float)
        pad = radius * 1.06
        wide = (x - pad, y - pad, x + pad, y + pad)
        sites = _sites_in_range(layers, request, wide, point)
        close = _close_up(layers, x, y, members, set_buildings=set_buildings,
                          candidate_building=candidate_building)
        return cls(x, y, members, candidate_building, set_buildings, radius, rings, wide,
                   close, sites)


def _sites_in_range(layers: MapLayers, request: MapRequest,
                    wide: tuple[float, float, float, float], point: shapely.Point
                    ) -> gpd.GeoDataFrame | None:
    """The sites to draw: those the request names, or every one within its radius."""
    sites = _window(layers.sites, wide)
    if sites is None:
        return None
    if request.site_ids is not None:
        keep = sites["site_id"].astype("string").isin(list(request.site_ids))
    else:
        keep = pd.Series(sites.geometry.dwithin(point, float(request.radius_m)),
                         index=sites.index)
    return sites[keep.fillna(False).to_numpy(dtype=bool)]


def _close_up(layers: MapLayers, x: float, y: float, members: gpd.GeoDataFrame, *,
              set_buildings: pd.Index, candidate_building: str | None
              ) -> tuple[float, float, float, float]:
    """The close-up's extent: the candidate, the set and their footprints, 20 m round
    them, square."""
    focus = [np.array([shapely.Point(x, y).buffer(15.0)], dtype=object),
             members.geometry.to_numpy()]
    if layers.buildings is not None and candidate_building is not None:
        fb = layers.buildings["building_id"].astype("string")
        wanted = fb.isin([*set_buildings.tolist(), candidate_building]).fillna(False)
        focus.append(layers.buildings.geometry[wanted.to_numpy(dtype=bool)].to_numpy())
    fx0, fy0, fx1, fy1 = shapely.total_bounds(np.concatenate(focus))
    half = max(fx1 - fx0, fy1 - fy0) / 2 + 20.0
    cx, cy = (fx0 + fx1) / 2, (fy0 + fy1) / 2
    return (cx - half, cy - half, cx + half, cy + half)


def _draw_surroundings(ax: Axes, layers: MapLayers, scene: _Scene, font: float
                       ) -> list[str]:
    """The left panel: the assessment radius with its rings and sites; the categories
    of site drawn."""
    x, y, close = scene.x, scene.y, scene.close
    _draw_base(ax, layers, scene.wide, scene.set_buildings, scene.candidate_building,
               gardens=False)
    rings = scene.rings
    circles = gpd.GeoSeries(shapely.buffer(shapely.points(np.full(len(rings), x),
                                                          np.full(len(rings), y)),
                                           rings, quad_segs=32), crs=BNG)
    circles.boundary.plot(ax=ax, color=RING_COLOUR, linewidth=0.8, linestyle="--", zorder=8)
    for r in rings.tolist():  # labels only: one per ring
        ax.text(x, y + r, f"{r:g} m", color=RING_COLOUR, fontsize=font - 1, ha="center",
                va="bottom", zorder=9,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5})
    drawn = _draw_sites(ax, scene.sites, font * 5) if scene.sites is not None else []
    ax.add_patch(Rectangle((close[0], close[1]), close[2] - close[0], close[3] - close[1],
                           facecolor="none", edgecolor="black", linewidth=0.6, zorder=10))
    ax.scatter([x], [y], marker="*", s=font * 24, color=CANDIDATE_COLOUR,
               edgecolors="black", linewidths=0.5, zorder=12)
    _set_extent(ax, scene.wide, font)
    scale_bar(ax, scene.wide, font)
    north_arrow(ax, font)
    ax.set_title(f"Sites within {scene.radius:g} m (straight line)", fontsize=font + 1)
    return drawn


def _draw_minimum_set(ax: Axes, layers: MapLayers, scene: _Scene, font: float) -> None:
    """The right panel: the minimum set (NASSO 3.9) close up."""
    members, close = scene.members, scene.close
    _draw_base(ax, layers, close, scene.set_buildings, scene.candidate_building,
               gardens=True)
    if len(members):
        members.plot(ax=ax, color=SET_COLOUR, marker="o", markersize=font * 3,
                     edgecolor="black", linewidth=0.4, zorder=11)
    zoom_sites = _window(scene.sites, close) if scene.sites is not None else None
    if zoom_sites is not None:
        _draw_sites(ax, zoom_sites, font * 5)
    ax.scatter([scene.x], [scene.y], marker="*", s=font * 30, color=CANDIDATE_COLOUR,
               edgecolors="black", linewidths=0.5, zorder=12)
    _set_extent(ax, close, font)
    scale_bar(ax, close, font)
    ax.set_title(f"Minimum set (NASSO 3.9): {len(members)} dwelling"
                 f"{'' if len(members) == 1 else 's'}", fontsize=font + 1)


def _legend(fig: Figure, drawn: list[str], font: float) -> None:
    handles = [
        Line2D([], [], marker="*", color="none", markerfacecolor=CANDIDATE_COLOUR,
               markeredgecolor="black", markersize=font + 3, label="Candidate property"),
        Line2D([], [], marker="o", color="none", markerfacecolor=SET_COLOUR,
               markeredgecolor="black", markersize=font - 1, label="Minimum set dwelling"),
        Rectangle((0, 0), 1, 1, facecolor=SET_FILL, edgecolor=SET_COLOUR,
                  label="Minimum set building"),
        Line2D([], [], color=RING_COLOUR, linestyle="--", label="Distance ring"),
        Line2D([], [], color="#9e9e9e", linewidth=1.4, label="Street"),
    ]
    handles += [Line2D([], [], marker=SITE_STYLE[c][2], color="none",
                       markerfacecolor=SITE_STYLE[c][1], markeredgecolor="white",
                       markersize=font, label=SITE_STYLE[c][0]) for c in drawn]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=font - 0.5,
               frameon=False, handletextpad=0.4, columnspacing=1.2)


def property_map_png(layers: MapLayers, request: MapRequest) -> bytes:
    """A PNG map of one candidate property, its surroundings and its minimum set.

    The left panel spans the assessment radius (``request.radius_m`` metres round the
    property's address point) with distance rings; the right panel closes in on the
    minimum set's dwellings and footprints. Coordinates EPSG:27700 metres.

    Raises
    ------
    NotFoundError
        When ``request.property_id`` is not in the properties layer.
    """
    scene = _Scene.of(layers, request)
    width_in = request.size_mm[0] / _MM_PER_INCH
    height_in = request.size_mm[1] / _MM_PER_INCH
    fig = Figure(figsize=(width_in, height_in), dpi=request.dpi,
                 layout=ConstrainedLayoutEngine(w_pad=0.02, h_pad=0.02, wspace=0.03))
    font = request.font_pt
    main, zoom = fig.subplots(1, 2, width_ratios=(1.0, 0.62))
    drawn = _draw_surroundings(main, layers, scene, font)
    _draw_minimum_set(zoom, layers, scene, font)
    _legend(fig, drawn, font)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=request.dpi, facecolor="white",
                metadata={"Software": None})
    return buffer.getvalue()
