"""Reading a stored layer (:mod:`geo_era.data.layer_store`)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
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
