"""Benchmark: walking distance from every node to the nearest site of each category.

Graph: a street grid of about 100,000 nodes (80 m blocks with junctions jittered by a
few metres, 10% of links removed, largest component kept) in EPSG:27700, built into
geo_era's ``WalkGraph``; 500 sites on street junctions in nine categories (on nodes, so
that every method measures the same thing: pandana snaps sites to nodes).

Timed in one run, on the same graph:

- geo_era: one ``scipy.sparse.csgraph`` Dijkstra per category from a virtual source
  (``WalkGraph.category_distances``), access points included;
- networkx ``multi_source_dijkstra_path_length`` per category;
- pandana 0.8 ``nearest_pois`` per category with a 3,000 m search (its contraction
  hierarchy preprocessing timed separately).

Distances must agree: geo_era equal to networkx to 0.01 m everywhere, and to pandana to
0.5 m wherever pandana finds a site within its 3,000 m search (pandana stores float32).

    python bench/network.py [--side 316] [--sites 500]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from common import measured, write_json

from geo_era.analysis.network import WalkGraph
from geo_era.contract.schema import SITE_CATEGORIES

BLOCK_M = 80.0
PANDANA_MAXDIST = 3_000.0


def grid_streets(side: int, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x0, y0 = 300_000.0, 700_000.0
    starts, ends = [], []
    for di, dj in ((1, 0), (0, 1)):
        a = (ii[: side - di, : side - dj].ravel(), jj[: side - di, : side - dj].ravel())
        starts.append(np.column_stack(a))
        ends.append(np.column_stack((a[0] + di, a[1] + dj)))
    # junctions jittered by a few metres: real blocks are not all one length, and equal
    # lengths make shortest paths tie everywhere
    jitter = rng.normal(0.0, 6.0, (side, side, 2))
    s_idx, e_idx = np.vstack(starts), np.vstack(ends)
    s = s_idx * BLOCK_M + jitter[s_idx[:, 0], s_idx[:, 1]] + [x0, y0]
    e = e_idx * BLOCK_M + jitter[e_idx[:, 0], e_idx[:, 1]] + [x0, y0]
    keep = rng.random(len(s)) >= 0.10
    lines = shapely.linestrings(np.stack([s[keep], e[keep]], axis=1))
    return gpd.GeoDataFrame({"name": np.full(len(lines), "")}, geometry=lines, crs=27700)



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=316, help="grid side (nodes)")
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-pandana", action="store_true")
    parser.add_argument("--json", type=Path, help="where to write the figures "
                                                  "(default bench/out/network.json)")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []

    streets = grid_streets(args.side, args.seed)
    graph, t_build, _ = measured(WalkGraph.from_streets, streets)
    rng = np.random.default_rng(args.seed + 1)
    site_nodes = rng.choice(graph.n_nodes, args.sites, replace=False)
    categories = np.array(SITE_CATEGORIES, dtype=object)[np.arange(args.sites) % 9]
    sites = gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(args.sites)],
                              "category": categories, "name": ""},
                             geometry=shapely.points(graph.node_xy[site_nodes]), crs=27700)
    print(f"walking graph: {graph.n_nodes:,} nodes, {graph.n_edges:,} edges "
          f"(built in {t_build:.2f} s); {args.sites} sites in 9 categories")

    def ours() -> np.ndarray:
        access = graph.site_access(sites)
        per = graph.category_distances(sites, access)
        return np.column_stack([per[c].distance for c in SITE_CATEGORIES])

    ours_d, t_ours, m_ours = measured(ours)
    rows.append({"task": "walking distance to the nearest site of each category, every "
                 "node", "method": "geo_era (scipy.sparse.csgraph Dijkstra)",
                 "seconds": t_ours, "peak_growth_mb": m_ours, "identical": True})

    g = nx.Graph()
    g.add_weighted_edges_from(zip(graph.u.tolist(), graph.v.tolist(),
                                  graph.length.tolist(), strict=True))

    def networkx_all() -> np.ndarray:
        out = np.full((graph.n_nodes, 9), np.inf)
        for col, category in enumerate(SITE_CATEGORIES):
            sources = set(site_nodes[categories == category].tolist())
            lengths = nx.multi_source_dijkstra_path_length(g, sources, weight="weight")
            nodes = np.fromiter(lengths.keys(), dtype=np.int64)
            out[nodes, col] = np.fromiter(lengths.values(), dtype=float)
        return out

    nx_d, t_nx, m_nx = measured(networkx_all)
    failures = []
    nx_diff = float(np.nanmax(np.abs(np.where(np.isfinite(nx_d), ours_d - nx_d, 0))))
    if nx_diff > 0.01 or not np.array_equal(np.isfinite(nx_d), np.isfinite(ours_d)):
        failures.append(f"networkx differs by up to {nx_diff} m")
    rows.append({"task": rows[0]["task"], "method": "networkx multi_source_dijkstra",
                 "seconds": t_nx, "peak_growth_mb": m_nx, "identical": nx_diff <= 0.01,
                 "note": f"max difference {nx_diff:.4f} m"})
    print("\nnearest site of each category from every node")
    print(f"  geo_era csgraph            {t_ours:8.2f} s")
    print(f"  networkx multi-source      {t_nx:8.2f} s  ratio {t_nx / t_ours:6.1f}x  "
          f"(max difference {nx_diff:.4f} m)")

    if not args.no_pandana:
        import pandana  # noqa: PLC0415  (optional: --no-pandana runs without it)

        nodes = pd.DataFrame(graph.node_xy, columns=["x", "y"])
        edges = pd.DataFrame({"from": graph.u, "to": graph.v, "weight": graph.length})
        net, t_prep, m_prep = measured(pandana.Network, nodes["x"], nodes["y"], edges["from"],
                            edges["to"], edges[["weight"]], twoway=True)

        def pandana_all() -> np.ndarray:
            out = np.full((graph.n_nodes, 9), np.inf)
            for col, category in enumerate(SITE_CATEGORIES):
                chosen = sites[sites["category"] == category]
                xy = shapely.get_coordinates(chosen.geometry.to_numpy())
                net.set_pois(category, PANDANA_MAXDIST, 1, pd.Series(xy[:, 0]),
                             pd.Series(xy[:, 1]))
                found = net.nearest_pois(PANDANA_MAXDIST, category, num_pois=1)
                values = found[1].to_numpy(dtype=float)
                out[found.index.to_numpy(), col] = np.where(values < PANDANA_MAXDIST,
                                                            values, np.inf)
            return out

        pd_d, t_pd, m_pd = measured(pandana_all)
        both = np.isfinite(pd_d)
        pd_diff = float(np.max(np.abs(ours_d[both] - pd_d[both]))) if both.any() else 0.0
        if pd_diff > 0.5:
            failures.append(f"pandana differs by up to {pd_diff} m")
        print(f"  pandana nearest_pois       {t_pd:8.2f} s  ratio {t_pd / t_ours:6.1f}x  "
              f"(3,000 m search; max difference {pd_diff:.3f} m over {int(both.sum()):,} "
              "values)")
        print(f"  pandana preprocessing      {t_prep:8.2f} s  (contraction hierarchies, "
              "once per graph)")
        rows.append({"task": rows[0]["task"], "method": "pandana nearest_pois (3,000 m)",
                     "seconds": t_pd, "peak_growth_mb": m_pd, "identical": pd_diff <= 0.5,
                     "note": f"plus {t_prep:.2f} s preprocessing ({m_prep:.0f} MB); max "
                             f"difference {pd_diff:.3f} m (float32)"})
    ratios = {"networkx_vs_geo_era": t_nx / t_ours}
    if not args.no_pandana:
        ratios["pandana_vs_geo_era"] = t_pd / t_ours
        ratios["pandana_with_preprocessing_vs_geo_era"] = (t_pd + t_prep) / t_ours
    write_json(args.json, "network", {
        "data": {"nodes": graph.n_nodes, "edges": graph.n_edges, "sites": args.sites},
        "rows": rows, "ratios": ratios, "ok": not failures})
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("results checked: distances agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
