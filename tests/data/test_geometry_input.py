"""Geometry typed or sent by a user is held to the import rules, with the reason."""

from __future__ import annotations

import math
from typing import Any

import pytest
import shapely

from geo_era.data.geometry_input import parse_geometry
from geo_era.errors import ImportRefusedError

SQUARE = [[[394000, 806000], [394100, 806000], [394100, 806100], [394000, 806100],
           [394000, 806000]]]


def refusal(geometry: dict[str, Any], crs: str | None, layer: str = "exclusion_zones"
            ) -> str:
    with pytest.raises(ImportRefusedError) as caught:
        parse_geometry(geometry, crs, layer=layer, where="zone.geometry")
    assert [p.column for p in caught.value.problems] == ["zone.geometry"]
    return caught.value.problems[0].message


def test_a_good_polygon_comes_back_in_metres() -> None:
    zone = parse_geometry({"type": "Polygon", "coordinates": SQUARE}, "EPSG:27700",
                          layer="exclusion_zones")
    assert zone.area == pytest.approx(10_000)
    lonlat = parse_geometry({"type": "Point", "coordinates": [-2.1, 57.15]}, "EPSG:4326",
                            layer="properties")
    assert 390_000 < lonlat.x < 400_000 and 800_000 < lonlat.y < 810_000


@pytest.mark.parametrize(("geometry", "crs", "layer", "message"), [
    ({"type": "Polygon", "coordinates": []}, "EPSG:27700", "exclusion_zones",
     "empty geometry; every feature needs a location"),
    ({"type": "Point", "coordinates": [394000, 806000]}, "EPSG:27700", "exclusion_zones",
     "geometry is a Point; layer 'exclusion_zones' needs Polygon or MultiPolygon"),
    ({"type": "Blob"}, "EPSG:27700", "exclusion_zones", "not a GeoJSON geometry"),
    ({"type": "Polygon", "coordinates": [[[394000, 806000], [394100, 806100],
                                          [394100, 806000], [394000, 806100],
                                          [394000, 806000]]]}, "EPSG:27700",
     "exclusion_zones", "invalid geometry (Self-intersection"),
    ({"type": "Point", "coordinates": [math.inf, 806000]}, "EPSG:27700", "properties",
     "coordinates are not finite numbers"),
    ({"type": "Point", "coordinates": [57.15, -2.1]}, "EPSG:4326", "properties",
     "but would be inside with the coordinates swapped"),
    ({"type": "Point", "coordinates": [-0.12, 51.5]}, "EPSG:4326", "properties",
     "lies outside Scotland"),
    ({"type": "Point", "coordinates": [394000, 806000]}, None, "properties",
     "no CRS: say which coordinate reference system"),
    ({"type": "Point", "coordinates": [394000, 806000]}, "EPSG:99999", "properties",
     "CRS 'EPSG:99999' is not recognised"),
    ({"type": "LineString", "coordinates": [[394000 + i, 806000] for i in range(10_001)]},
     "EPSG:27700", "exclusion_zones", "the geometry has 10,001 vertices; at most 10,000"),
])
def test_bad_geometry_names_the_problem(geometry: dict[str, Any], crs: str | None,
                                        layer: str, message: str) -> None:
    assert message in refusal(geometry, crs, layer)


def test_multipolygons_are_zones_too() -> None:
    zone = parse_geometry(shapely.geometry.mapping(shapely.MultiPolygon([
        shapely.box(394000, 806000, 394050, 806050),
        shapely.box(394200, 806000, 394250, 806050)])), "EPSG:27700",
        layer="exclusion_zones")
    assert zone.geom_type == "MultiPolygon" and zone.area == pytest.approx(5_000)
