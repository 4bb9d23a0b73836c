"""Proximity of properties to the sites a physical check covers (NASSO 3.8).

Distances are straight-line metres in EPSG:27700, from the property's address point to
a point site or to the nearest point of a polygon site's boundary (0 inside it). Every
function has a batch form over many properties; single-property answers are the batch
form with one row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo_era._io import SHARED, atomic_path
from geo_era.analysis.network import WalkNetwork, walk_flag
from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.data.layer_store import LayerStore
from geo_era.errors import NotFoundError
from geo_era.geometry.index import Pairs, SiteIndex


def _xy(properties: gpd.GeoDataFrame) -> np.ndarray:
    xy: np.ndarray = shapely.get_coordinates(properties.geometry.to_numpy())
    return xy


def sites_within(index: SiteIndex, properties: gpd.GeoDataFrame, radius_m: float, *,
                 categories: Iterable[str] | None = None) -> pd.DataFrame:
    """Every site within ``radius_m`` metres of each property.

    Returns
    -------
    DataFrame with columns ``property_id``, ``site_id``, ``category``, ``name``,
    ``distance_m``; sorted by property (input order), then distance.
    """
    return _pairs_frame(index, properties, index.within(_xy(properties), radius_m),
                        categories=categories)


def _pairs_frame(index: SiteIndex, properties: gpd.GeoDataFrame, pairs: Pairs, *,
                 categories: Iterable[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({
        "property_id": properties["property_id"].to_numpy(dtype=object)[pairs.query],
        "site_id": index.site_ids[pairs.site],
        "category": index.categories[pairs.site],
        "name": index.names[pairs.site],
        "distance_m": pairs.distance,
    })
    if categories is not None:
        frame = frame[frame["category"].isin(list(categories))].reset_index(drop=True)
    return frame


def nearest_sites(index: SiteIndex, properties: gpd.GeoDataFrame, *,
                  categories: Iterable[str] = SITE_CATEGORIES) -> pd.DataFrame:
    """The nearest site of each category to each property (long form).

    Returns
    -------
    DataFrame with ``property_id``, ``category``, ``site_id``, ``name``, ``distance_m``;
    a category with no site at all is left out.
    """
    nearest = index.nearest(_xy(properties), categories=categories)
    n, k = nearest.site.shape
    site = nearest.site.ravel()
    found = site >= 0
    frame = pd.DataFrame({
        "property_id": np.repeat(properties["property_id"].to_numpy(dtype=object), k),
        "category": np.tile(np.array(nearest.categories, dtype=object), n),
        "site_id": index.site_ids[np.maximum(site, 0)],
        "name": index.names[np.maximum(site, 0)],
        "distance_m": nearest.distance.ravel(),
    })
    return frame[found].reset_index(drop=True)


def proximity_table(index: SiteIndex, properties: gpd.GeoDataFrame, radius_m: float
                    ) -> pd.DataFrame:
    """One row per property: how many sites of each category lie within ``radius_m``
    and how far the nearest of each is (metres; NaN where the category has no site).

    This is the batch job behind ``geo-era proximity``.
    """
    xy = _xy(properties)
    pairs = index.within(xy, radius_m)
    nearest = index.nearest(xy)
    table = pd.DataFrame({"property_id": properties["property_id"].to_numpy(dtype=object)})
    cat_codes = pd.Categorical(index.categories[pairs.site], categories=SITE_CATEGORIES).codes
    counts = np.zeros((len(properties), len(SITE_CATEGORIES)), dtype=np.int64)
    np.add.at(counts, (pairs.query, cat_codes), 1)
    for col, category in enumerate(SITE_CATEGORIES):
        table[f"{category}_within"] = counts[:, col]
    for col, category in enumerate(nearest.categories):
        d = nearest.distance[:, col]
        table[f"{category}_nearest_m"] = np.where(np.isfinite(d), d, np.nan)
    return table


def write_proximity_table(table: pd.DataFrame, out: Path) -> Path:
    """Write a :func:`proximity_table` whole: Parquet when ``out`` ends ``.parquet``,
    otherwise CSV with distances to the centimetre. Mode 0644: it holds reference data
    only (counts and distances to sites), nothing of a subject or a household."""
    with atomic_path(out, mode=SHARED) as tmp:
        if out.suffix.lower() == ".parquet":
            table.to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False, float_format="%.2f")
    return out


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """JSON-ready rows; distances rounded to the centimetre."""
    rows = [{str(k): v for k, v in row.items()}
            for row in frame[columns].to_dict(orient="records")]
    for row in rows:
        row["distance_m"] = round(float(row["distance_m"]), 2)
    return rows


def find_properties(store: LayerStore, property_ids: Sequence[str]) -> gpd.GeoDataFrame:
    """The named properties, in the order given; a clear error for an unknown id."""
    properties = store.read("properties")
    assert isinstance(properties, gpd.GeoDataFrame)
    by_id = properties.set_index("property_id", drop=False)
    missing = [pid for pid in property_ids if pid not in by_id.index]
    if missing:
        raise NotFoundError(
            f"property_id {missing[0]!r} not found in layer 'properties' "
            f"({len(properties):,} rows); check the id or the import")
    return by_id.loc[list(property_ids)].reset_index(drop=True)


MEASURED = ("straight line from the address point to a point site, or to the boundary of a "
            "polygon site; walking along the street network from the nearest street to the "
            "site's nearest access point")


def sites_near_document(index: SiteIndex, network: WalkNetwork | None, *, property_id: str,
                        address: str, xy: npt.ArrayLike, radius_m: float,
                        data_version: dict[str, int]) -> dict[str, Any]:
    """The sites-near document of one property at ``xy`` (EPSG:27700 metres), from a
    built site index and walking network (None: no street network loaded): what
    :meth:`geo_era.workspace.Workspace.sites_near` answers.

    The document names the property, the radius, the reference-data version used, each
    site in range (nearest first, by straight line) with its straight-line and walking
    distance, and the nearest site of each category by straight line and on foot.
    Walking distances need a ``streets`` layer; without one each site says so.

    ``network`` must be built over the same sites frame as ``index`` (site rows are
    shared); ``data_version`` is reported as given.
    """
    point = np.asarray(xy, dtype=np.float64).reshape(1, 2)
    pairs = index.within(point, radius_m)
    records = [{"site_id": index.site_ids[site], "category": index.categories[site],
                "name": index.names[site], "distance_m": round(float(d), 2)}
               for site, d in zip(pairs.site.tolist(), pairs.distance.tolist(), strict=True)]
    walking = _walking(network, point[0], pairs.site, pairs.distance, radius_m)
    for record, walk in zip(records, walking["sites"], strict=True):
        record.update(walk)
    nearest = index.nearest(point)
    nearest_doc: dict[str, Any] = {}
    for category, site, d in zip(nearest.categories, nearest.site[0].tolist(),
                                 nearest.distance[0].tolist(), strict=True):
        if site >= 0:
            nearest_doc[category] = {"site_id": index.site_ids[site],
                                     "name": index.names[site],
                                     "distance_m": round(float(d), 2)}
    return {
        "property_id": property_id,
        "address": address,
        "radius_m": radius_m,
        "crs": "EPSG:27700",
        "measured": MEASURED,
        "data_version": dict(data_version),
        "walking_network": walking["status"],
        "sites": records,
        "nearest": nearest_doc,
        "nearest_walk": walking["nearest"],
    }


def _walking(network: WalkNetwork | None, xy: np.ndarray, site_rows: np.ndarray,
             straight: np.ndarray, radius_m: float) -> dict[str, Any]:
    """Walking distances from one point to the given sites, and to the nearest site of
    each category; every site says whether it is reachable."""
    if network is None:
        return {"status": "no street network loaded",
                "sites": [{"walk_m": None, "walk_status": "no_street_network"}
                          for _ in site_rows], "nearest": {}}
    limit = max(4 * radius_m, radius_m + 2_000)
    snap = network.graph.snap([xy])
    walks, status = network.walks_from(snap, site_rows, limit_m=limit)
    out: list[dict[str, Any]] = []
    for walk, line in zip(walks.tolist(), straight.tolist(), strict=True):
        if status == "off_network":
            out.append({"walk_m": None, "walk_status": "property_off_network"})
        elif not np.isfinite(walk):
            out.append({"walk_m": None, "walk_status": "unreachable",
                        "walk_note": f"no walking route within {limit:,.0f} m"})
        else:
            out.append({"walk_m": round(walk, 2), "walk_status": "reachable",
                        "walk_flag": walk_flag(line, walk)})
    nearest: dict[str, Any] = {}
    by_category = network.graph.nearest_by_category(snap, network.table, network.access)
    for category in SITE_CATEGORIES:
        if category not in by_category:
            if category in network.categories_present:
                nearest[category] = {"walk_status": "unreachable",
                                     "walk_note": "no site of this category is near a street"}
            continue
        walk, site = by_category[category]
        if site[0] < 0:
            nearest[category] = {"walk_status": "unreachable"}
            continue
        row = int(site[0])
        nearest[category] = {"site_id": str(network.site_ids[row]),
                             "name": str(network.site_names[row]),
                             "walk_m": round(float(walk[0]), 2), "walk_status": "reachable"}
    return {"status": {"status": "on_network" if status == "on_network" else
                       "property_off_network", **network.info, "walk_limit_m": limit},
            "sites": out,
            "nearest": nearest}
