"""Tests for geo_era.data.osm: OSM XML/PBF extract → buildings, sites and streets, offline."""

from __future__ import annotations

import re
import socket
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pytest
import shapely

from geo_era.contract.schema import BNG, SITE_CATEGORIES
from geo_era.data.osm import (
    BUILDING_COLUMNS,
    SITE_COLUMNS,
    SITE_PRIORITY,
    STREET_COLUMNS,
    WALK_EXCLUDE,
    is_walkable,
    layers_from_osm,
    site_category,
    walking_graph,
)
from geo_era.errors import DataError
from tests.conftest import require_shared_data

# ---------------------------------------------------------------------------------------------
# shared open data: ../shared/data next to the repository
# ---------------------------------------------------------------------------------------------

ABERDEEN_NAME = "aberdeen_city_centre_2016.osm"


@pytest.fixture(scope="module")
def aberdeen_osm() -> Path:
    return require_shared_data(ABERDEEN_NAME) / ABERDEEN_NAME


@pytest.fixture(scope="module")
def aberdeen(aberdeen_osm: Path) -> dict[str, gpd.GeoDataFrame]:
    return layers_from_osm(aberdeen_osm)


@pytest.fixture(scope="module")
def aberdeen_pbf(aberdeen_osm: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pbf = tmp_path_factory.mktemp("pbf") / "aberdeen.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(aberdeen_osm)):
            writer.add(obj)
    return pbf


def test_missing_shared_data_skips_without_ci(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"nothing\.osm missing"):
        require_shared_data("nothing.osm", folder=tmp_path)
    with pytest.raises(pytest.skip.Exception, match="is absent"):
        require_shared_data(folder=tmp_path / "no-such-folder")


def test_missing_shared_data_fails_under_ci(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must have the shared data"):
        require_shared_data("nothing.osm", folder=tmp_path)


# ---------------------------------------------------------------------------------------------
# a small hand-made extract (near Aberdeen) that exercises every rule
# ---------------------------------------------------------------------------------------------

LAT0, LON0 = 57.1450, -2.1000
D = 0.0002  # about 12 m of longitude, 22 m of latitude


def _node(nid: int, dx: float, dy: float, **tags: str) -> str:
    tag_xml = "".join(f'<tag k="{k.replace("__", ":")}" v="{v}"/>' for k, v in tags.items())
    return (f'<node id="{nid}" version="1" lat="{LAT0 + dy * D:.7f}" '
            f'lon="{LON0 + dx * D:.7f}">{tag_xml}</node>')


def _way(wid: int, refs: list[int], tags: dict[str, str]) -> str:
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{wid}" version="1">{nds}{tag_xml}</way>'


def _osm(*elements: str) -> str:
    body = "\n".join(elements)
    return f"<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n{body}\n</osm>\n"


def _square(first_id: int, dx: float, dy: float) -> list[str]:
    corners = [(0, 0), (1, 0), (1, 1), (0, 1)]
    return [_node(first_id + i, dx + cx, dy + cy) for i, (cx, cy) in enumerate(corners)]


def _closed(first_id: int) -> list[int]:
    return [first_id, first_id + 1, first_id + 2, first_id + 3, first_id]


SMALL_OSM = _osm(
    # buildings: a house with 2 levels, a block with "3.5" levels, building=no, a church
    # multipolygon relation and a building node (not a footprint)
    *_square(1, 0, 0), _way(10, _closed(1), {"building": "house", "building:levels": "2"}),
    *_square(5, 3, 0), _way(11, _closed(5), {"building": "yes", "building:levels": "3.5"}),
    *_square(13, 6, 0), _way(12, _closed(13), {"building": "no"}),
    *_square(17, 9, 0), _way(20, _closed(17), {}),
    '<relation id="60" version="1"><member type="way" ref="20" role="outer"/>'
    '<tag k="type" v="multipolygon"/><tag k="building" v="church"/>'
    '<tag k="amenity" v="place_of_worship"/><tag k="name" v="St Test"/></relation>',
    _node(43, 12, 0, building="yes"),
    # sites: a pub, a restaurant (no site), an off-licence, a playground area, an unclosed
    # school way (a line cannot be a site), a sheltered-housing node, a CCTV camera
    _node(40, 0, 5, amenity="pub", name="The Test Inn"),
    _node(41, 1, 5, amenity="restaurant", name="Not A Site"),
    _node(42, 2, 5, shop="alcohol"),
    *_square(51, 4, 5), _way(50, _closed(51), {"leisure": "playground"}),
    _node(56, 7, 5), _node(57, 8, 5), _way(55, [56, 57], {"amenity": "school"}),
    _node(44, 9, 5, amenity="social_facility", social_facility="assisted_living"),
    _node(45, 10, 5, man_made="surveillance"),
    # streets: 21-22-23 footway, 23-24 one-way residential, 23-27 footway (23 is a junction);
    # excluded: motorway 24-25, foot=no 25-26, access=private 26-28, sidewalk=separate 28-29;
    # way 37 references node 999 that is not in the file (an extract clipped mid-way)
    _node(21, 0, 10), _node(22, 1, 10), _node(23, 2, 10), _node(24, 3, 10), _node(27, 2, 12),
    _node(25, 4, 10), _node(26, 5, 10), _node(28, 6, 10), _node(29, 7, 10),
    _node(70, 0, 14), _node(71, 1, 14),
    _way(30, [21, 22, 23], {"highway": "footway", "name": "Back Wynd"}),
    _way(31, [23, 24], {"highway": "residential", "oneway": "yes", "name": "Oak Road"}),
    _way(36, [23, 27], {"highway": "footway"}),
    _way(32, [24, 25], {"highway": "motorway"}),
    _way(33, [25, 26], {"highway": "footway", "foot": "no"}),
    _way(34, [26, 28], {"highway": "service", "access": "private"}),
    _way(35, [28, 29], {"highway": "primary", "sidewalk": "separate"}),
    _way(37, [70, 71, 999], {"highway": "path"}),
)


@pytest.fixture
def small_osm(tmp_path: Path) -> Path:
    path = tmp_path / "small.osm"
    path.write_text(SMALL_OSM, encoding="utf-8")
    return path


@pytest.fixture
def small(small_osm: Path) -> dict[str, gpd.GeoDataFrame]:
    return layers_from_osm(small_osm)


def _check_contract(layers: dict[str, gpd.GeoDataFrame]) -> None:
    expected = {"buildings": BUILDING_COLUMNS, "sites": SITE_COLUMNS, "streets": STREET_COLUMNS}
    assert set(layers) == set(expected)
    for name, columns in expected.items():
        frame = layers[name]
        assert isinstance(frame, gpd.GeoDataFrame)
        assert list(frame.columns) == [*columns, "geometry"], name
        assert frame.crs is not None and frame.crs.equals(BNG), name
        assert {str(t) for t in frame.dtypes.drop("geometry")} == {
            str(t) for t in columns.values()}, name
        coords = shapely.get_coordinates(frame.geometry.to_numpy())
        assert np.isfinite(coords).all(), name


def test_small_extract_layers_follow_the_contract(small: dict[str, gpd.GeoDataFrame]) -> None:
    _check_contract(small)


def test_small_extract_buildings(small: dict[str, gpd.GeoDataFrame]) -> None:
    buildings = small["buildings"].set_index("building_id")
    # building=no, the building node and the untagged member way are not buildings
    assert sorted(buildings.index) == ["osm-relation-60", "osm-way-10", "osm-way-11"]
    assert buildings.loc["osm-way-10", "levels"] == 2
    assert buildings["levels"].isna()["osm-way-11"]  # "3.5" is not a whole number of storeys
    assert buildings.loc["osm-relation-60", "building_type"] == "church"
    assert set(buildings.geom_type) <= {"Polygon", "MultiPolygon"}
    # a roughly 12 m x 22 m square
    assert 150 < buildings.loc["osm-way-10"].geometry.area < 400


def test_small_extract_sites(small: dict[str, gpd.GeoDataFrame]) -> None:
    sites = small["sites"].set_index("site_id")
    assert sites["category"].to_dict() == {
        "osm-node-40": "licensed_premises",
        "osm-node-42": "licensed_premises",
        "osm-node-44": "sheltered_housing",
        "osm-node-45": "cctv",
        "osm-relation-60": "place_of_worship",
        "osm-way-50": "play_park",
    }
    assert sites.loc["osm-node-40", "name"] == "The Test Inn"
    assert sites.loc["osm-node-42", "name"] == ""
    assert sites.loc["osm-node-42", "osm_tag"] == "shop=alcohol"
    assert sites.loc["osm-node-40"].geometry.geom_type == "Point"
    assert sites.loc["osm-way-50"].geometry.geom_type == "Polygon"
    assert sites.loc["osm-relation-60"].geometry.geom_type in {"Polygon", "MultiPolygon"}
    assert set(sites["category"]) <= set(SITE_CATEGORIES)


def test_small_extract_streets_are_the_undirected_walking_network(
        small: dict[str, gpd.GeoDataFrame]) -> None:
    streets = small["streets"]
    assert set(streets.geom_type) == {"LineString"}
    assert streets["street_id"].is_unique
    by_id = streets.set_index("street_id")
    # one row per segment, both for the two-way footways and the one-way road; motorway,
    # foot=no, access=private and sidewalk=separate ways are not walkable
    assert sorted(by_id.index) == ["osm-21-23-0", "osm-23-24-0", "osm-23-27-0", "osm-70-71-0"]
    assert by_id.loc["osm-21-23-0", "name"] == "Back Wynd"
    assert by_id.loc["osm-21-23-0", "highway"] == "footway"
    assert by_id.loc["osm-23-24-0", "highway"] == "residential"
    assert by_id.loc["osm-23-27-0", "name"] == ""
    # length_m is the BNG length of the geometry (osmnx's spherical length is up to 0.3 %
    # short at this latitude)
    assert np.allclose(by_id["length_m"], by_id.geometry.length)
    assert (by_id["length_m"] > 10).all()


def test_osmnx_settings_are_restored(small_osm: Path) -> None:
    before = (ox.settings.overpass_url, ox.settings.use_cache, ox.settings.useful_tags_way)
    layers_from_osm(small_osm)
    assert (ox.settings.overpass_url, ox.settings.use_cache,
            ox.settings.useful_tags_way) == before


def test_nothing_touches_the_network(small_osm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("geo_era.data.osm tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    layers = layers_from_osm(small_osm)
    assert len(layers["streets"]) > 0


def test_extract_with_only_sites_returns_empty_other_layers(tmp_path: Path) -> None:
    path = tmp_path / "pub.osm.xml"
    path.write_text(_osm(_node(1, 0, 0, amenity="pub", name="Lonely Arms")), encoding="utf-8")
    layers = layers_from_osm(path)
    _check_contract(layers)
    assert len(layers["sites"]) == 1
    assert len(layers["buildings"]) == 0
    assert len(layers["streets"]) == 0


def test_extract_with_only_streets(tmp_path: Path) -> None:
    path = tmp_path / "lane.osm"
    path.write_text(_osm(_node(1, 0, 0), _node(2, 1, 0), _node(3, 2, 1),
                         _way(5, [1, 2, 3], {"highway": "path"})), encoding="utf-8")
    layers = layers_from_osm(path)
    _check_contract(layers)
    assert (len(layers["buildings"]), len(layers["sites"]), len(layers["streets"])) == (0, 0, 1)


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.osm"
    with pytest.raises(DataError, match=r"nowhere\.osm' does not exist"):
        layers_from_osm(missing)


def test_garbage_xml(tmp_path: Path) -> None:
    path = tmp_path / "garbage.osm"
    path.write_text("this is <not xml at all", encoding="utf-8")
    with pytest.raises(DataError, match=r"garbage\.osm' is not valid XML") as info:
        layers_from_osm(path)
    assert "Traceback" not in str(info.value)
    assert info.value.__cause__ is None


def test_truncated_xml(tmp_path: Path) -> None:
    path = tmp_path / "truncated.osm"
    path.write_text(SMALL_OSM[: len(SMALL_OSM) // 2], encoding="utf-8")
    with pytest.raises(DataError, match="not valid XML"):
        layers_from_osm(path)


def test_xml_not_in_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.osm"
    text = _osm(_node(1, 0, 0, amenity="cafe", name="Caf\u00e9 Dun\u00e9 \u00e0 la carte"))
    path.write_bytes(text.replace("UTF-8", "ISO-8859-1").encode("latin-1"))
    with pytest.raises(DataError, match=r"latin1\.osm' could not be read as UTF-8"):
        layers_from_osm(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.osm"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.osm"):
        layers_from_osm(path)


def test_xml_that_is_not_osm(tmp_path: Path) -> None:
    path = tmp_path / "map.xml"
    path.write_text('<?xml version="1.0"?><kml><Placemark/></kml>', encoding="utf-8")
    with pytest.raises(DataError, match=r"not an OpenStreetMap file .*<kml>"):
        layers_from_osm(path)


def test_wrong_extension(tmp_path: Path) -> None:
    path = tmp_path / "data.geojson"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(DataError, match=r"must end in \.osm, \.osm\.xml or \.osm\.pbf"):
        layers_from_osm(path)


def test_garbage_pbf(tmp_path: Path) -> None:
    path = tmp_path / "garbage.osm.pbf"
    path.write_bytes(b"definitely not protocol buffers")
    with pytest.raises(DataError, match=r"garbage\.osm\.pbf' is not a readable OSM PBF file"):
        layers_from_osm(path)


def test_only_untagged_nodes(tmp_path: Path) -> None:
    path = tmp_path / "bare.osm"
    path.write_text(_osm(_node(1, 0, 0), _node(2, 1, 1)), encoding="utf-8")
    with pytest.raises(DataError, match="holds no buildings, sites or walkable streets"):
        layers_from_osm(path)


# ---------------------------------------------------------------------------------------------
# tag rules
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"amenity": "school"}, ("school", "amenity=school")),
        ({"amenity": "kindergarten"}, ("nursery", "amenity=kindergarten")),
        ({"amenity": "childcare"}, ("nursery", "amenity=childcare")),
        ({"leisure": "playground"}, ("play_park", "leisure=playground")),
        ({"amenity": "community_centre"}, ("community_centre", "amenity=community_centre")),
        ({"amenity": "place_of_worship"}, ("place_of_worship", "amenity=place_of_worship")),
        ({"shop": "convenience"}, ("shop", "shop=convenience")),
        ({"shop": "Golf"}, ("shop", "shop=Golf")),
        ({"shop": "alcohol"}, ("licensed_premises", "shop=alcohol")),
        ({"amenity": "pub"}, ("licensed_premises", "amenity=pub")),
        ({"amenity": "bar"}, ("licensed_premises", "amenity=bar")),
        ({"amenity": "nightclub"}, ("licensed_premises", "amenity=nightclub")),
        ({"amenity": "social_facility", "social_facility": "assisted_living"},
         ("sheltered_housing", "social_facility=assisted_living")),
        # a care home for older people is a care home first (Care Inspectorate's
        # "Care Home Service"), before sheltered housing
        ({"amenity": "social_facility", "social_facility": "nursing_home",
          "social_facility:for": "senior"}, ("care_home", "social_facility=nursing_home")),
        ({"amenity": "social_facility", "social_facility:for": "senior"},
         ("sheltered_housing", "social_facility:for=senior")),
        ({"amenity": "social_facility", "social_facility:for": "disabled;senior"},
         ("sheltered_housing", "social_facility:for=senior")),
        ({"social_facility": "sheltered_housing"},
         ("sheltered_housing", "social_facility=sheltered_housing")),
        ({"landuse": "residential", "residential": "sheltered_housing"},
         ("sheltered_housing", "residential=sheltered_housing")),
        ({"man_made": "surveillance"}, ("cctv", "man_made=surveillance")),
        ({"amenity": "bar;restaurant"}, ("licensed_premises", "amenity=bar")),
        # priority: licensed premises before shop, children's sites before everything
        ({"amenity": "pub", "shop": "convenience"}, ("licensed_premises", "amenity=pub")),
        ({"amenity": "school", "man_made": "surveillance"}, ("school", "amenity=school")),
        ({"amenity": "community_centre", "leisure": "playground"},
         ("play_park", "leisure=playground")),
    ],
)
def test_site_category(tags: dict[str, str], expected: tuple[str, str]) -> None:
    assert site_category(tags) == expected


@pytest.mark.parametrize(
    "tags",
    [
        {"amenity": "university"},
        {"amenity": "college"},
        {"amenity": "restaurant"},
        {"amenity": "cafe"},
        {"amenity": "fast_food"},
        {"amenity": "stripclub"},
        {"amenity": "parking"},
        {"shop": "vacant"},
        {"shop": "no"},
        {"building": "yes"},
        {"social_facility:for": "senior"},  # not a social facility
        {"amenity": "social_facility", "social_facility": "food_bank"},
        {"man_made": "tower"},
        {},
    ],
)
def test_not_a_site(tags: dict[str, str]) -> None:
    assert site_category(tags) is None


def test_site_priority_orders_every_category() -> None:
    assert sorted(SITE_PRIORITY) == sorted(SITE_CATEGORIES)


def test_walk_filter_is_osmnx_walk_filter() -> None:
    # osmnx's own Overpass filter for network_type="walk": ["highway"] then ["key"!~"regex"]
    overpass = ox._overpass._get_network_filter("walk")
    clauses = re.findall(r'\["([^"]+)"(?:!~"([^"]*)")?\]', overpass)
    assert "".join(f'["{k}"!~"{v}"]' if v else f'["{k}"]' for k, v in clauses) == overpass
    assert clauses[0] == ("highway", "")
    assert tuple(clauses[1:]) == WALK_EXCLUDE


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "trunk"}, True),  # osmnx walks along trunk roads
        ({"highway": "service", "service": "alley"}, True),
        ({"highway": "steps"}, True),
        ({"building": "yes"}, False),
        ({"highway": "motorway"}, False),
        ({"highway": "motorway_link"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "construction"}, False),
        ({"highway": "proposed"}, False),
        ({"highway": "platform"}, False),
        ({"highway": "footway", "foot": "no"}, False),
        ({"highway": "service", "access": "private"}, False),
        ({"highway": "service", "service": "private"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "primary", "sidewalk": "separate"}, False),
        ({"highway": "primary", "sidewalk:left": "separate"}, False),
    ],
)
def test_is_walkable(tags: dict[str, str], walkable: bool) -> None:
    assert is_walkable(tags) is walkable


# ---------------------------------------------------------------------------------------------
# the real Aberdeen extract (shared/data/SOURCES.md section 1c)
# ---------------------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_aberdeen_contract(aberdeen: dict[str, gpd.GeoDataFrame]) -> None:
    _check_contract(aberdeen)


@pytest.mark.shared_data
def test_aberdeen_sites(aberdeen: dict[str, gpd.GeoDataFrame]) -> None:
    sites = aberdeen["sites"]
    counts = Counter(sites["category"])
    # SOURCES.md says "about 48 licensed premises": that is the POI nodes alone (pub 38 +
    # bar 8 + nightclub 2). The extract also has two pubs mapped as building polygons, so the
    # tag mapping gives pub 40 + bar 8 + nightclub 2 = 50 (no shop=alcohol).
    assert Counter(sites.loc[sites["category"] == "licensed_premises", "osm_tag"]) == {
        "amenity=pub": 40, "amenity=bar": 8, "amenity=nightclub": 2}
    assert counts["licensed_premises"] == 50
    assert counts["place_of_worship"] == 8  # 4 nodes and 4 polygons, no node inside a polygon
    assert counts["shop"] == 35
    assert counts["school"] == 1
    for absent in ("nursery", "play_park", "community_centre", "sheltered_housing", "cctv"):
        assert counts[absent] == 0, absent
    assert len(sites) == 94
    assert sites["site_id"].is_unique
    assert set(sites.loc[sites["site_id"].str.startswith("osm-node-")].geom_type) == {"Point"}
    assert set(sites.loc[sites["site_id"].str.startswith("osm-way-")].geom_type) <= {
        "Polygon", "MultiPolygon"}
    # not sites: restaurants, cafes, fast food, the university, strip clubs
    assert not sites["osm_tag"].str.contains("restaurant|cafe|university|stripclub").any()


@pytest.mark.shared_data
def test_aberdeen_buildings(aberdeen: dict[str, gpd.GeoDataFrame]) -> None:
    buildings = aberdeen["buildings"]
    # osmnx finds 348 features tagged building=*: 346 closed ways (SOURCES.md 1a: "Buildings:
    # 346") and 2 nodes, which are not footprints.
    assert len(buildings) == 346
    assert buildings["building_id"].is_unique
    assert buildings["building_id"].str.fullmatch(r"osm-way-\d+").all()
    assert set(buildings.geom_type) <= {"Polygon", "MultiPolygon"}
    assert (buildings["building_type"] == "yes").sum() == 334
    assert buildings["levels"].notna().sum() == 27
    assert buildings["levels"].max() == 11


@pytest.mark.shared_data
def test_aberdeen_streets(aberdeen: dict[str, gpd.GeoDataFrame]) -> None:
    streets = aberdeen["streets"]
    assert len(streets) > 0
    assert set(streets.geom_type) == {"LineString"}
    assert streets["street_id"].is_unique
    assert streets.crs is not None and streets.crs.equals(BNG)
    # Aberdeen city centre in British National Grid
    minx, miny, maxx, maxy = streets.total_bounds
    assert 393_000 < minx < maxx < 395_500
    assert 805_000 < miny < maxy < 807_000
    assert set(streets["highway"].str.split(";").explode()) <= {
        "unclassified", "service", "primary", "footway", "tertiary", "secondary",
        "residential", "path", "steps", "pedestrian"}
    # undirected: no segment twice (same end nodes and same geometry in either direction)
    keys = {(sid.rsplit("-", 1)[0], geom.normalize().wkb)
            for sid, geom in zip(streets["street_id"], streets.geometry, strict=True)}
    assert len(keys) == len(streets)
    assert (streets["length_m"] > 0).all()


@pytest.mark.shared_data
def test_aberdeen_walking_graph_matches_sources(aberdeen_osm: Path,
                                                aberdeen: dict[str, gpd.GeoDataFrame]) -> None:
    graph = walking_graph(aberdeen_osm)
    largest = graph.subgraph(max(nx.weakly_connected_components(graph), key=len))
    # SOURCES.md 1c: largest connected component, simplified: 456 nodes, 1,024 edges, 58.2 km
    assert largest.number_of_nodes() == 456
    assert largest.number_of_edges() == 1024
    km = sum(d["length"] for _, _, d in largest.edges(data=True)) / 1000
    assert km == pytest.approx(58.2, abs=0.05)
    # the streets layer is that graph (all components) made undirected
    assert len(aberdeen["streets"]) == ox.convert.to_undirected(graph).number_of_edges()


@pytest.mark.shared_data
def test_aberdeen_pbf_matches_xml(aberdeen_pbf: Path,
                                  aberdeen: dict[str, gpd.GeoDataFrame]) -> None:
    from_pbf = layers_from_osm(aberdeen_pbf)
    _check_contract(from_pbf)
    for layer, columns in (("sites", ["site_id", "category"]),
                           ("buildings", ["building_id", "levels", "building_type"])):
        xml_rows = aberdeen[layer][columns].sort_values(columns[0]).reset_index(drop=True)
        pbf_rows = from_pbf[layer][columns].sort_values(columns[0]).reset_index(drop=True)
        assert pbf_rows.equals(xml_rows), layer
    assert len(from_pbf["streets"]) == len(aberdeen["streets"])
    assert sorted(from_pbf["streets"]["street_id"]) == sorted(aberdeen["streets"]["street_id"])
