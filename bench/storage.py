"""Benchmark: the layer store's file format, GeoParquet against GeoPackage.

geo_era keeps every imported layer as one file per version under ``GEO_ERA_HOME``
(see ``geo_era/catalog.py``). This measures, for a properties-like layer of N points
with the contract's columns and a buildings-like layer of N/8 polygons, the time to
write and to read back each format, and the file sizes, in the same run. The store
uses GeoParquet; this bench is the measured reason.

    python bench/storage.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely


def make_layers(n: int, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform([250_000, 650_000], [350_000, 700_000], (n, 2))
    properties = gpd.GeoDataFrame({
        "property_id": [f"P{i:08d}" for i in range(n)],
        "address": [f"{i % 4}F{i % 3 + 1} {i % 200 + 1} Oak Road, Town{i % 50}" for i in range(n)],
        "building_id": [f"B{i // 8:07d}" for i in range(n)],
        "floor": (np.arange(n) % 5).astype(np.int64),
        "is_void": rng.random(n) < 0.02,
        "children_in_household": rng.random(n) < 0.25,
    }, geometry=shapely.points(xy), crs=27700)
    m = n // 8
    corners = rng.uniform([250_000, 650_000], [350_000, 700_000], (m, 2))
    buildings = gpd.GeoDataFrame({
        "building_id": [f"B{i:07d}" for i in range(m)],
        "levels": rng.integers(1, 20, m),
    }, geometry=shapely.box(corners[:, 0], corners[:, 1], corners[:, 0] + 20,
                            corners[:, 1] + 12), crs=27700)
    return {"properties": properties, "buildings": buildings}


def timed(fn, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    layers = make_layers(args.rows)
    print(f"layer store format: {args.rows:,} property points, {args.rows // 8:,} building "
          "polygons")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, frame in layers.items():
            pq = folder / f"{name}.parquet"
            gpkg = folder / f"{name}.gpkg"
            w_pq = timed(frame.to_parquet, pq, index=False)
            r_pq = timed(gpd.read_parquet, pq)
            w_gp = timed(pyogrio.write_dataframe, frame, gpkg, layer=name, use_arrow=True)
            r_gp = timed(pyogrio.read_dataframe, gpkg, use_arrow=True)
            print(f"\n{name}")
            print(f"  GeoParquet  write {w_pq:6.2f} s  read {r_pq:6.2f} s  "
                  f"{pq.stat().st_size / 1e6:7.1f} MB")
            print(f"  GeoPackage  write {w_gp:6.2f} s  read {r_gp:6.2f} s  "
                  f"{gpkg.stat().st_size / 1e6:7.1f} MB")
            print(f"  GeoParquet is {w_gp / w_pq:4.1f}x faster to write, "
                  f"{r_gp / r_pq:4.1f}x faster to read")


if __name__ == "__main__":
    main()
