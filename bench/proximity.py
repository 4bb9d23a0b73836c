"""Benchmark: proximity of properties to sensitive sites, geo_era against naive geopandas.

Data: N properties and M sites (90% points, 10% polygons such as school grounds and
parks, 20-200 m across) clustered in 300 Gaussian "towns" over Scotland's extent in
EPSG:27700, nine categories. Radius 400 m.

Timed, in one run, on the same data:

1. "all sites within R of every property"
   - geo_era ``SiteIndex.within`` (index build included);
   - naive geopandas: buffer every property by R, ``sjoin`` intersects (the baseline);
   - shapely ``STRtree.query(predicate="dwithin")`` over all sites: exact, the oracle.
   geo_era's pair set must be identical to the exact oracle. The naive buffer is a
   polygon inscribed in the circle, so it misses pairs near the edge of the radius: the
   bench checks that naive pairs are a subset, and that every pair it misses lies in the
   band between the buffer's inner radius and R, and reports how many.
2. "nearest site per category within R" (what an ERA reports for its search radius)
   - geo_era ``SiteIndex.nearest(max_distance_m=R)``;
   - naive geopandas: buffer + ``sjoin``, distance of every pair, minimum per property and
     category (the baseline). Where they differ, geo_era's nearest must lie in the band
     the naive buffer misses.
3. "nearest site per category", unbounded
   - geo_era ``SiteIndex.nearest``;
   - geopandas ``sjoin_nearest`` per category (its best tool for this; a stronger
     baseline than buffer + sjoin, which cannot answer an unbounded nearest).
   Distances must agree to 1e-6 m for every property and category.

geo_era's compiled kernels are loaded before the clock starts (``warm_up``, as a server
does at start); building its index is inside every geo_era time.

Prints times and the ratio baseline / geo_era; exits non-zero if a check fails.

    python bench/proximity.py                       # 1,000,000 properties, 50,000 sites
    python bench/proximity.py --properties 20000 --sites 2000
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from common import measured, write_json

from geo_era.contract.schema import SCOTLAND_BNG_BOUNDS, SITE_CATEGORIES
from geo_era.geometry.index import SiteIndex, warm_up

QUAD_SEGS = 16  # geopandas' default buffer resolution


def make_data(n_props: int, n_sites: int, seed: int) -> tuple[np.ndarray, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = SCOTLAND_BNG_BOUNDS
    centres = rng.uniform([minx + 50_000, miny + 50_000], [maxx - 50_000, maxy - 50_000],
                          size=(300, 2))
    spread = rng.uniform(1_000, 4_000, 300)

    def clustered(n: int) -> np.ndarray:
        town = rng.integers(0, 300, n)
        return centres[town] + rng.normal(0, 1, (n, 2)) * spread[town, None]

    props = clustered(n_props)
    n_polys = n_sites // 10
    site_xy = clustered(n_sites)
    sizes = rng.uniform(20, 200, (n_polys, 2))
    polys = shapely.box(site_xy[:n_polys, 0], site_xy[:n_polys, 1],
                        site_xy[:n_polys, 0] + sizes[:, 0], site_xy[:n_polys, 1] + sizes[:, 1])
    points = shapely.points(site_xy[n_polys:])
    geoms = np.concatenate([polys, points])
    sites = gpd.GeoDataFrame({
        "site_id": [f"S{i:06d}" for i in range(n_sites)],
        "category": rng.choice(np.array(SITE_CATEGORIES, dtype=object), n_sites),
        "name": "",
    }, geometry=geoms, crs=27700)
    return props, sites



def ours_within(props: np.ndarray, sites: gpd.GeoDataFrame, radius: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pairs = SiteIndex(sites).within(props, radius)
    return pairs.query, pairs.site, pairs.distance


def naive_within(props_gdf: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, radius: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    buffered = props_gdf.copy()
    buffered["geometry"] = props_gdf.buffer(radius, quad_segs=QUAD_SEGS)
    joined = gpd.sjoin(buffered, sites[["geometry"]], predicate="intersects")
    return joined.index.to_numpy(), joined["index_right"].to_numpy()


def exact_within(props: np.ndarray, sites: gpd.GeoDataFrame, radius: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    tree = shapely.STRtree(sites.geometry.to_numpy())
    q, s = tree.query(shapely.points(props), predicate="dwithin", distance=radius)
    return q, s


def ours_nearest(props: np.ndarray, sites: gpd.GeoDataFrame,
                 radius: float | None = None) -> np.ndarray:
    return SiteIndex(sites).nearest(props, max_distance_m=radius).distance


def naive_nearest_within(props_gdf: gpd.GeoDataFrame, sites: gpd.GeoDataFrame,
                         radius: float) -> np.ndarray:
    buffered = props_gdf.copy()
    buffered["geometry"] = props_gdf.buffer(radius, quad_segs=QUAD_SEGS)
    joined = gpd.sjoin(buffered, sites[["geometry", "category"]], predicate="intersects")
    site_geoms = sites.geometry.loc[joined["index_right"]].reset_index(drop=True)
    prop_geoms = props_gdf.geometry.loc[joined.index].reset_index(drop=True)
    joined["d"] = prop_geoms.distance(site_geoms).to_numpy()
    best = joined.groupby([joined.index, "category"])["d"].min()
    out = np.full((len(props_gdf), len(SITE_CATEGORIES)), np.inf)
    cols = pd.Categorical(best.index.get_level_values(1), categories=SITE_CATEGORIES).codes
    out[best.index.get_level_values(0).to_numpy(), cols] = best.to_numpy()
    return out


def naive_nearest(props_gdf: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> np.ndarray:
    out = np.full((len(props_gdf), len(SITE_CATEGORIES)), np.inf)
    for col, category in enumerate(SITE_CATEGORIES):
        subset = sites.loc[sites["category"] == category, ["geometry"]]
        joined = gpd.sjoin_nearest(props_gdf, subset, distance_col="d")
        best = joined.groupby(level=0)["d"].min()
        out[best.index.to_numpy(), col] = best.to_numpy()
    return out


def pair_keys(q: np.ndarray, s: np.ndarray, n_sites: int) -> np.ndarray:
    return np.unique(q.astype(np.int64) * n_sites + s.astype(np.int64))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--radius", type=float, default=400.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    props, sites = make_data(args.properties, args.sites, args.seed)
    warm_up()  # the kernels compiled (or loaded from numba's cache), as a server does
    props_gdf = gpd.GeoDataFrame(geometry=shapely.points(props), crs=27700)
    print(f"{len(props):,} properties, {len(sites):,} sites "
          f"({int((shapely.get_type_id(sites.geometry.to_numpy()) != 0).sum()):,} polygons), "
          f"radius {args.radius:g} m")
    failures: list[str] = []

    (oq, os_, _), t_ours, m_ours = measured(ours_within, props, sites, args.radius)
    (eq, es), t_exact, m_exact = measured(exact_within, props, sites, args.radius)
    (nq, ns), t_naive, m_naive = measured(naive_within, props_gdf, sites, args.radius)
    ours_keys = pair_keys(oq, os_, len(sites))
    exact_keys = pair_keys(eq, es, len(sites))
    naive_keys = pair_keys(nq, ns, len(sites))
    identical = np.array_equal(ours_keys, exact_keys)
    if not identical:
        failures.append(f"within: geo_era has {len(ours_keys):,} pairs, exact oracle "
                        f"{len(exact_keys):,}")
    missed = np.setdiff1d(exact_keys, naive_keys)
    extra = np.setdiff1d(naive_keys, exact_keys)
    inner = args.radius * math.cos(math.pi / (4 * QUAD_SEGS))
    if len(missed):
        mq, ms = missed // len(sites), missed % len(sites)
        md = shapely.distance(shapely.points(props[mq]), sites.geometry.to_numpy()[ms])
        if not ((md >= inner - 1e-6) & (md <= args.radius + 1e-6)).all():
            failures.append("within: the naive buffer missed pairs outside its edge band")
    if len(extra):
        failures.append(f"within: naive found {len(extra)} pairs beyond the radius")

    print("\nall sites within radius of every property")
    print(f"  geo_era SiteIndex.within   {t_ours:8.2f} s  {len(ours_keys):>10,} pairs "
          f"({'identical to' if identical else 'DIFFERENT from'} the exact oracle)")
    print(f"  shapely STRtree dwithin    {t_exact:8.2f} s  {len(exact_keys):>10,} pairs "
          f"(exact oracle)  ratio {t_exact / t_ours:5.1f}x")
    print(f"  naive buffer + sjoin       {t_naive:8.2f} s  {len(naive_keys):>10,} pairs "
          f"(misses {len(missed):,} pairs {inner:.1f}-{args.radius:g} m away)  "
          f"ratio {t_naive / t_ours:5.1f}x")

    ours_bounded, t_ours_b, m_ours_b = measured(ours_nearest, props, sites, args.radius)
    naive_bounded, t_naive_b, m_naive_b = measured(naive_nearest_within, props_gdf, sites,
                                                   args.radius)
    differ = ~np.isclose(ours_bounded, naive_bounded, atol=1e-6, rtol=0) & ~(
        np.isinf(ours_bounded) & np.isinf(naive_bounded))
    explained = differ & (ours_bounded >= inner - 1e-6) & (ours_bounded <= args.radius + 1e-6)
    if (differ & ~explained).any():
        failures.append(f"nearest within R: {int((differ & ~explained).sum())} values differ "
                        "from the naive method outside its edge band")
    print(f"\nnearest site per category within {args.radius:g} m")
    print(f"  geo_era nearest(max_distance_m) {t_ours_b:8.2f} s  ({int(differ.sum()):,} of "
          f"{differ.size:,} values differ from naive, all in its {inner:.1f}-{args.radius:g} m "
          "missed band)" if not (differ & ~explained).any() else
          f"  geo_era nearest(max_distance_m) {t_ours_b:8.2f} s  (UNEXPLAINED differences)")
    print(f"  naive buffer + sjoin + min      {t_naive_b:8.2f} s  ratio "
          f"{t_naive_b / t_ours_b:5.1f}x")

    ours_near, t_ours_n, m_ours_n = measured(ours_nearest, props, sites)
    naive_near, t_naive_n, m_naive_n = measured(naive_nearest, props_gdf, sites)
    agree = np.allclose(ours_near, naive_near, atol=1e-6, rtol=0)
    if not agree:
        worst = float(np.nanmax(np.abs(ours_near - naive_near)))
        failures.append(f"nearest: distances differ by up to {worst} m")
    print("\nnearest site per category, unbounded (9 categories)")
    print(f"  geo_era SiteIndex.nearest  {t_ours_n:8.2f} s  "
          f"({'equal to' if agree else 'DIFFERENT from'} sjoin_nearest to 1e-6 m)")
    print(f"  geopandas sjoin_nearest    {t_naive_n:8.2f} s  ratio {t_naive_n / t_ours_n:5.1f}x")

    figures: dict[str, Any] = {
        "properties": len(props), "sites": len(sites), "radius_m": args.radius,
        "within": {"geo_era_s": t_ours, "strtree_dwithin_s": t_exact, "naive_s": t_naive,
                   "pairs": len(ours_keys), "naive_missed": len(missed),
                   "identical_to_exact": bool(identical), "ratio_naive": t_naive / t_ours},
        "nearest_within": {"geo_era_s": t_ours_b, "naive_s": t_naive_b,
                           "differ_in_band": int(differ.sum()),
                           "ratio_naive": t_naive_b / t_ours_b},
        "nearest": {"geo_era_s": t_ours_n, "sjoin_nearest_s": t_naive_n, "agree": bool(agree),
                    "ratio_sjoin_nearest": t_naive_n / t_ours_n},
    }
    task_within = "all sites within the radius of every property"
    task_bounded = "nearest site of each category within the radius"
    task_nearest = "nearest site of each category"
    figures["rows"] = [
        {"task": task_within, "method": "geo_era SiteIndex.within", "seconds": t_ours,
         "peak_growth_mb": m_ours, "identical": bool(identical)},
        {"task": task_within, "method": "naive geopandas: buffer + sjoin",
         "seconds": t_naive, "peak_growth_mb": m_naive, "identical": False,
         "note": f"misses {len(missed):,} pairs in its {inner:.1f}-{args.radius:g} m band"},
        {"task": task_within, "method": "shapely STRtree dwithin (exact oracle)",
         "seconds": t_exact, "peak_growth_mb": m_exact, "identical": True},
        {"task": task_bounded, "method": "geo_era nearest(max_distance_m)",
         "seconds": t_ours_b, "peak_growth_mb": m_ours_b, "identical": True},
        {"task": task_bounded, "method": "naive geopandas: buffer + sjoin + min",
         "seconds": t_naive_b, "peak_growth_mb": m_naive_b,
         "identical": not (differ & ~explained).any(),
         "note": f"{int(differ.sum()):,} values differ, all in the naive buffer's band"},
        {"task": task_nearest, "method": "geo_era SiteIndex.nearest", "seconds": t_ours_n,
         "peak_growth_mb": m_ours_n, "identical": bool(agree)},
        {"task": task_nearest, "method": "geopandas sjoin_nearest per category",
         "seconds": t_naive_n, "peak_growth_mb": m_naive_n, "identical": bool(agree)},
    ]
    figures["ratios"] = {"within_naive": t_naive / t_ours,
                         "nearest_within_naive": t_naive_b / t_ours_b,
                         "nearest_sjoin_nearest": t_naive_n / t_ours_n}
    figures["ok"] = not failures
    write_json(args.json, "proximity", figures)
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        return 1
    print("\nresults checked: identical pair sets, equal nearest distances")
    return 0


if __name__ == "__main__":
    sys.exit(main())
