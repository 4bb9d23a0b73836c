"""Benchmark: the national proximity job, single process against Dask with 1 and 2 workers.

Data: ``bench/proximity.make_data`` (N properties and M sites, 90% points and 10%
polygons, clustered in 300 towns over Scotland, EPSG:27700, nine categories); radius R.
Defaults are national scale: 2,600,000 properties, 50,000 sites, 400 m.

Timed, in one run, on the same data:

1. ``proximity_table(SiteIndex(sites), properties, R)`` in this process (index build
   included);
2. ``geo_era.analysis.distributed.proximity_table_dask`` on a local cluster of 1 worker process;
3. the same on a local cluster of 2 worker processes (one thread each).

Both clusters are started, and warmed up with a 1,000-property job (the workers import
geo_era), before any timed call; that start-up is reported apart (``startup_seconds``)
because a national run pays it once. A timed Dask call includes everything else: index
build, Hilbert partitioning, sending the partitions and the index, the work, fetching the
tables and restoring the input order (``steps_seconds`` splits it, as seen from this
process). The three methods take turns, ``--repeat`` rounds of them, so that a burst of
other work on the machine falls on all three alike; each method's best round is
reported, and every round with the 1-minute load average before it. Every Dask table
must be identical to the single-process one (``pandas.testing.assert_frame_equal``,
exact); exits non-zero if one is not.

    python bench/dask_scale.py                               # national scale
    python bench/dask_scale.py --properties 200000 --sites 5000 --json /tmp/dask.json
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import distributed
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from common import write_json
from proximity import make_data

from geo_era.analysis.distributed import default_partitions, local_client, proximity_table_dask
from geo_era.analysis.proximity import proximity_table
from geo_era.geometry.index import SiteIndex

OUT = Path(__file__).resolve().parent / "out" / "dask.json"
METHODS = ("single_process", "dask_1_worker", "dask_2_workers")


def properties_frame(xy: np.ndarray) -> gpd.GeoDataFrame:
    ids = np.char.add("P", np.char.zfill(np.arange(len(xy)).astype(str), 7)).astype(object)
    return gpd.GeoDataFrame({"property_id": ids}, geometry=shapely.points(xy), crs=27700)


def identical(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError as exc:
        print(f"    DIFFERENT: {str(exc).splitlines()[0]}")
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=2_600_000)
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--radius", type=float, default=400.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--partitions", type=int, default=None,
                        help="spatial partitions (default: geo_era's choice per cluster)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of the three methods; each method's best is reported")
    parser.add_argument("--json", type=Path, default=OUT, help=f"figures (default {OUT})")
    args = parser.parse_args()

    xy, sites = make_data(args.properties, args.sites, args.seed)
    props = properties_frame(xy)
    del xy
    print(f"{len(props):,} properties, {len(sites):,} sites, radius {args.radius:g} m; "
          f"{os.cpu_count()} cores", flush=True)

    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
    startup: dict[str, float] = {}
    partitions: dict[str, int] = {}
    expected: pd.DataFrame | None = None
    ok = True
    with contextlib.ExitStack() as stack:
        clients: dict[str, distributed.Client] = {}
        for method, workers in (("dask_1_worker", 1), ("dask_2_workers", 2)):
            t0 = time.perf_counter()
            client = stack.enter_context(local_client(workers))
            proximity_table_dask(sites, props.iloc[:1_000], args.radius, client=client)
            startup[method] = time.perf_counter() - t0
            clients[method] = client
            partitions[method] = args.partitions or default_partitions(
                len(props), sum(client.nthreads().values()))
        for round_ in range(args.repeat):
            for method in METHODS:
                load = os.getloadavg()[0]
                steps: dict[str, float] = {}
                t0 = time.perf_counter()
                if method == "single_process":
                    table = proximity_table(SiteIndex(sites), props, args.radius)
                else:
                    table = proximity_table_dask(sites, props, args.radius,
                                                 client=clients[method],
                                                 partitions=args.partitions, timings=steps)
                seconds = time.perf_counter() - t0
                if expected is None:
                    expected = table
                same = table is expected or identical(expected, table)
                ok &= same
                runs[method].append({"seconds": seconds, "load_before": load,
                                     "identical": same, "steps_seconds": steps})
                print(f"  round {round_ + 1}  {method:<15} {seconds:7.2f} s  (load {load:.1f}"
                      + "".join(f", {k} {v:.2f}" for k, v in steps.items()) + ")"
                      + ("" if same else "  DIFFERENT"), flush=True)
                del table

    assert expected is not None
    best = {m: min(runs[m], key=lambda r: r["seconds"]) for m in METHODS}
    rows = []
    for method in METHODS:
        row: dict[str, Any] = {"method": method, "seconds": best[method]["seconds"],
                               "identical": all(r["identical"] for r in runs[method]),
                               "all_seconds": [r["seconds"] for r in runs[method]],
                               "load_before": [r["load_before"] for r in runs[method]]}
        if method != "single_process":
            row.update(workers=1 if method == "dask_1_worker" else 2,
                       partitions=partitions[method], startup_seconds=startup[method],
                       steps_seconds=best[method]["steps_seconds"])
        rows.append(row)
    seconds = {row["method"]: row["seconds"] for row in rows}
    ratios = {"two_vs_one_worker": seconds["dask_1_worker"] / seconds["dask_2_workers"],
              "two_workers_vs_single_process":
                  seconds["single_process"] / seconds["dask_2_workers"],
              "one_worker_vs_single_process":
                  seconds["single_process"] / seconds["dask_1_worker"]}
    figures = {
        "name": "dask",
        "data": {"properties": len(props), "sites": len(sites), "radius_m": args.radius,
                 "seed": args.seed, "cores": os.cpu_count(),
                 "pairs_within": int(expected.filter(like="_within").to_numpy().sum()),
                 "versions": {p: version(p) for p in ("dask", "distributed", "dask-geopandas",
                                                      "pandas", "geopandas", "shapely",
                                                      "scipy", "numpy")}},
        "rows": rows,
        "ratios": ratios,
    }
    print()
    for row in rows:
        extra = (f"  ({row['partitions']} partitions, start-up {row['startup_seconds']:.1f} s "
                 "apart)" if "partitions" in row else "")
        print(f"{row['method']:<16} {row['seconds']:7.2f} s best of "
              f"{len(row['all_seconds'])}  {'identical' if row['identical'] else 'DIFFERENT'}"
              f"{extra}")
    print(f"speed-up 2 workers vs 1 worker:       {ratios['two_vs_one_worker']:.2f}x")
    print(f"speed-up 2 workers vs single process: "
          f"{ratios['two_workers_vs_single_process']:.2f}x")
    write_json(args.json, "dask", figures)
    print(f"-> {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
