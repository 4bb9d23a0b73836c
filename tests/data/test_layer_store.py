"""Reading a stored layer (:mod:`geo_era.data.layer_store`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from pandas.testing import assert_frame_equal

from geo_era.data import layer_store
from geo_era.data.layer_store import read_geoparquet


def test_a_layer_read_in_steps_equals_geopandas_reading_it_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23, item 2: geometries are decoded a step at a time (a server's reload lets
    requests run between steps); the frame is geopandas's own, exactly: the geometries,
    empty and missing ones too, every other column, the geometry column where it was,
    the CRS."""
    rng = np.random.default_rng(3)
    n = 2_503
    geoms = shapely.points(rng.uniform(0, 1e5, (n, 2))).astype(object)
    geoms[::7] = shapely.box(0, 0, 10, 10)
    geoms[5] = None
    geoms[11] = shapely.Polygon()
    frame = gpd.GeoDataFrame({"site_id": [f"S{k}" for k in range(n)],
                              "geometry": geoms, "rank": np.arange(n)},
                             geometry="geometry", crs=27700)
    path = tmp_path / "sites.parquet"
    frame.to_parquet(path, index=False)
    monkeypatch.setattr(layer_store, "WKB_CHUNK", 1_000)  # three steps
    ours = read_geoparquet(path)
    theirs = gpd.read_parquet(path)
    assert_frame_equal(ours, theirs, check_exact=True)
    assert list(ours.columns) == ["site_id", "geometry", "rank"]
    assert ours.crs == theirs.crs == frame.crs
    assert ours.geometry.isna().sum() == 1 and ours.geometry.is_empty.sum() == 1
    assert shapely.equals_exact(ours.geometry.values[~ours.geometry.isna()],
                                frame.geometry.values[~frame.geometry.isna()], 0).all()


def test_a_background_reload_reads_its_layers_without_arrows_thread_pool(
        demo_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23, item 2: in background work (a server's reload) every way a layer is read
    asks Arrow to decode on the calling thread alone (its pool would take both cores
    from the requests as the reload starts); anywhere else Arrow's pool decodes. The
    frames are the same either way."""
    from geo_era import pacing
    from tests.conftest import import_demo

    store = import_demo(demo_files, tmp_path / "home")
    asked: list[bool] = []  # per read: whether Arrow was let use its pool
    read_table, read_geo = pq.read_table, gpd.read_parquet

    def spy(*args: object, **kwargs: Any) -> pa.Table:  # geo_era's and pandas's reads
        asked.append(bool(kwargs.get("use_threads", True)))
        return read_table(*args, **kwargs)

    def spy_geo(*args: object, **kwargs: Any) -> gpd.GeoDataFrame:  # geopandas's
        asked.append(bool(kwargs.get("use_threads", True))
                     and bool(kwargs.get("to_pandas_kwargs", {}).get("use_threads", True)))
        return read_geo(*args, **kwargs)

    monkeypatch.setattr(pq, "read_table", spy)
    monkeypatch.setattr(gpd, "read_parquet", spy_geo)

    def every_read() -> list[pd.DataFrame]:
        return [store.read("sites"),                                # geometries decoded in steps
                store.read("sites", columns=["site_id", "geometry"]),  # geopandas
                store.read_entry(store.version("subjects")),        # no geometry: pandas
                store.read_points_xy(store.version("properties"))]  # coordinates from WKB

    foreground = every_read()
    assert asked == [True] * 4
    asked.clear()
    with pacing.background():
        behind = every_read()
    assert asked == [False] * 4
    for ours, theirs in zip(behind, foreground, strict=True):
        assert_frame_equal(ours, theirs, check_exact=True)
