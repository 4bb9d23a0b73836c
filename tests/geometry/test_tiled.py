"""The tiled STRtree answers as one shapely STRtree over all the geometries (issue 23,
item 2: a reload's index builds in short steps)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo_era.geometry.tiled import TiledTree


def _polygons(rng: np.random.Generator, n: int) -> np.ndarray:
    """Boxes and triangles over 2 km, a few metres across: many touch or overlap."""
    x = rng.uniform(0, 2000, n)
    y = rng.uniform(0, 2000, n)
    w = rng.uniform(1, 30, n)
    h = rng.uniform(1, 30, n)
    boxes = shapely.box(x, y, x + w, y + h)
    triangles = shapely.polygons(np.stack([np.c_[x, y], np.c_[x + w, y], np.c_[x, y + h],
                                           np.c_[x, y]], axis=1))
    return np.where(rng.random(n) < 0.5, boxes, triangles)


def _pairs(result: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(result[0].tolist(), result[1].tolist(), strict=True))


@pytest.mark.parametrize("tile_size", [1, 7, 100, 5000])
@pytest.mark.parametrize(("predicate", "distance"), [
    (None, None), ("intersects", None), ("contains", None), ("within", None),
    ("touches", None), ("dwithin", 0.3), ("dwithin", 25.0)])
def test_a_tiled_tree_finds_exactly_the_pairs_one_strtree_finds(
        tile_size: int, predicate: str | None, distance: float | None) -> None:
    rng = np.random.default_rng(23)
    geoms = _polygons(rng, 1500)
    # an empty and a missing geometry are indexed by neither and met by no query
    geoms[[10, 700]] = [shapely.Polygon(), None]
    box = shapely.bounds(geoms[:50])  # boxes against their east sides: they touch
    beside = shapely.box(box[:, 2], box[:, 1], box[:, 2] + 5, box[:, 3])
    queries = np.concatenate([_polygons(rng, 300), geoms[::5], beside,
                              [shapely.Polygon(), None, shapely.Point(1000, 1000)]])
    tiled = TiledTree(geoms, tile_size=tile_size)
    assert len(tiled) == 1500
    assert tiled.tiles == -(-1500 // tile_size)
    expected = shapely.STRtree(geoms).query(queries, predicate=predicate, distance=distance)
    got = tiled.query(queries, predicate=predicate, distance=distance)
    assert got.shape[0] == 2 and got.dtype == np.int64
    assert len(_pairs(got)) == got.shape[1]  # no pair twice
    assert _pairs(got) == _pairs(expected)
    assert len(expected[0]) > 0


def test_a_tiled_tree_of_nothing_or_of_empty_geometries_finds_nothing() -> None:
    query = np.array([shapely.box(0, 0, 10, 10)])
    for geoms in (np.array([], dtype=object),
                  np.array([shapely.Polygon(), None, shapely.Polygon()], dtype=object)):
        tiled = TiledTree(geoms, tile_size=2)
        assert tiled.query(query, predicate="intersects").shape == (2, 0)
        assert tiled.query(np.array([], dtype=object)).shape == (2, 0)


def test_a_tiled_tree_says_what_it_cannot_do() -> None:
    geoms = np.array([shapely.box(0, 0, 1, 1)])
    with pytest.raises(ValueError, match="tile_size must be at least 1"):
        TiledTree(geoms, tile_size=0)
    tiled = TiledTree(geoms)
    with pytest.raises(ValueError, match="needs a distance"):
        tiled.query(geoms, predicate="dwithin")
    with pytest.raises(ValueError, match="one-dimensional"):
        tiled.query(np.array([[geoms[0]]], dtype=object))
