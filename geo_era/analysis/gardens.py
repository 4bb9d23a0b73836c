"""Gardens (plots) and which dwellings' gardens border which (NASSO 3.9).

Plots come from the ``plots`` layer when there is one: a plot with a ``property_id`` is
that dwelling's own garden; a plot with only a ``building_id`` belongs to the dwelling
of a single-dwelling building, and is otherwise a shared back green or grounds, which
does not make anyone's garden "border" another's.

Without a ``plots`` layer, plots are *estimated*: each street block (an enclosure of the
``streets`` network) is tessellated around its buildings (momepy's enclosed
tessellation), and each building's cell stands for the gardens of its dwellings. Every
result built on estimated plots says so.

Distances and tolerances are metres in EPSG:27700.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo_era.errors import DataError
from geo_era.geometry.adjacency import BorderRule, Groups, bordering_pairs, cross_pairs
from geo_era.geometry.lookup import positions
from geo_era.geometry.tiled import TiledTree

IntArray = npt.NDArray[np.int64]

#: Gardens border when their boundaries run within 0.3 m of each other for at least
#: 0.9 m: fences a few centimetres apart still border, a touch at one corner does not.
GARDEN_RULE = BorderRule(gap_m=0.3, min_border_m=0.9)

#: How far past the buildings the tessellation's outer limit reaches (metres).
TESSELLATION_MARGIN_M = 100.0


@dataclass(frozen=True)
class Gardens:
    """Plots with their owners: ``owner_plot[k]`` is a plot position in ``geoms`` and
    ``owner_property[k]`` a position in the properties frame that owns it."""

    geoms: npt.NDArray[np.object_]
    owner_plot: IntArray
    owner_property: IntArray
    estimated: bool
    #: derived: the owners of each plot (positions in ``owner_plot``), and a spatial
    #: index over ``geoms`` (in tiles), so the gardens of a few properties are found
    #: without a scan
    by_plot: Groups = field(init=False, repr=False, compare=False)
    tree: TiledTree = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_plot", Groups(self.owner_plot))
        object.__setattr__(self, "tree", TiledTree(self.geoms))


def gardens_from_plots(plots: gpd.GeoDataFrame, properties: pd.DataFrame) -> Gardens:
    """Own gardens from a ``plots`` layer (see the module docstring)."""
    owner = positions(plots["property_id"], properties["property_id"]) \
        if "property_id" in plots.columns else np.full(len(plots), -1, dtype=np.int64)
    if "building_id" in plots.columns:
        building = properties["building_id"].astype("string")
        codes, uniques = pd.factorize(building, use_na_sentinel=True)
        dwellings = np.bincount(codes[codes >= 0], minlength=len(uniques))
        single = (codes >= 0) & (dwellings[np.maximum(codes, 0)] == 1)
        sole_row = np.full(len(uniques), -1, dtype=np.int64)
        sole_row[codes[single]] = np.flatnonzero(single)
        code = positions(plots["building_id"], pd.Series(uniques))
        via_building = np.where(code >= 0, sole_row[np.maximum(code, 0)], -1)
        fill = (owner < 0) & (via_building >= 0)
        owner[fill] = via_building[fill]
    has_owner = owner >= 0
    return Gardens(plots.geometry.to_numpy(), np.flatnonzero(has_owner).astype(np.int64),
                   owner[has_owner], estimated=False)


def estimated_gardens(properties: pd.DataFrame, buildings: gpd.GeoDataFrame,
                      streets: gpd.GeoDataFrame | None, *,
                      building_ids: npt.NDArray[np.object_] | None = None) -> Gardens:
    """Gardens estimated by tessellating street blocks around the buildings.

    ``building_ids`` limits the work to the street blocks holding those buildings (and
    so their neighbours in the same block); None tessellates everything.
    """
    import momepy  # noqa: PLC0415  (heavy; only needed without a plots layer)

    if not len(buildings):
        raise DataError("plots cannot be estimated: no buildings are loaded")
    footprints = buildings.geometry.to_numpy()
    hull = shapely.convex_hull(shapely.union_all(footprints))
    limit = gpd.GeoSeries([shapely.buffer(hull, TESSELLATION_MARGIN_M)], crs=buildings.crs)
    if streets is not None and len(streets):
        enclosures = momepy.enclosures(streets.geometry, limit=limit)
    else:
        enclosures = gpd.GeoDataFrame({"eID": [0]}, geometry=limit)
    chosen = buildings.reset_index(drop=True)
    if building_ids is not None:
        wanted = chosen["building_id"].astype(str).isin([str(b) for b in building_ids])
        tree = shapely.STRtree(enclosures.geometry.to_numpy())
        hit = np.unique(tree.query(footprints[wanted.to_numpy()], predicate="intersects")[1])
        enclosures = enclosures.iloc[hit]
        tree = shapely.STRtree(footprints)
        inside = np.unique(tree.query(enclosures.geometry.to_numpy(), predicate="intersects")[1])
        chosen = chosen.iloc[inside]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # momepy warns about its own internals
        cells = momepy.enclosed_tessellation(chosen.geometry, enclosures.geometry, n_jobs=1)
    cells = cells[cells.index >= 0]
    cell_building = chosen["building_id"].astype("string").to_numpy()[
        chosen.index.get_indexer(cells.index)]
    # each cell belongs to every dwelling of its building
    building = properties["building_id"].astype("string").to_numpy()
    frame = pd.DataFrame({"building": building, "prop": np.arange(len(properties))})
    cell_frame = pd.DataFrame({"building": cell_building, "plot": np.arange(len(cells))})
    owners = cell_frame.merge(frame.dropna(), on="building")
    return Gardens(cells.geometry.to_numpy(), owners["plot"].to_numpy(dtype=np.int64),
                   owners["prop"].to_numpy(dtype=np.int64), estimated=True)


def garden_neighbour_pairs(gardens: Gardens, rule: BorderRule = GARDEN_RULE, *,
                           among: npt.NDArray[np.bool_] | None = None) -> tuple[IntArray,
                                                                                IntArray]:
    """Property pairs ``(i, j)``, both directions, whose own gardens border.

    ``among`` (a mask over properties) limits the work to those properties' gardens.
    """
    plot_mask = None
    if among is not None:
        plot_mask = np.zeros(len(gardens.geoms), dtype=bool)
        plot_mask[gardens.owner_plot[among[gardens.owner_property]]] = True
    borders = bordering_pairs(gardens.geoms, rule, among=plot_mask, tree=gardens.tree)
    # every owner of one plot with every owner of the other, both ways round
    pos_i, pos_j = cross_pairs(gardens.by_plot, np.r_[borders.a, borders.b],
                               gardens.by_plot, np.r_[borders.b, borders.a])
    i = gardens.owner_property[pos_i].astype(np.int64)
    j = gardens.owner_property[pos_j].astype(np.int64)
    keep = i != j
    return i[keep], j[keep]
