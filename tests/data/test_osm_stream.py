"""Tests for geo_era.data.osm.stream: a national OSM PBF streamed into the three layers.

The independent answer is today's path, :func:`layers_from_osm` (the PBF converted to XML and
read by osmnx), on the same file; and, for the synthetic national grid of
``bench/osm_national.py``, counts worked out from the grid alone. R-numbers: the OSM import of
buildings, sites and streets (DATA-CONTRACT.md, layers ``buildings``, ``sites``, ``streets``).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from osmium.osm.mutable import Node, Relation, Way

from bench.osm_national import Grid, build_pbf
from geo_era.data.osm import BUILDING_COLUMNS, SITE_COLUMNS, STREET_COLUMNS, layers_from_osm
from geo_era.data.osm.stream import StreamedLayers, stream_pbf_layers
from geo_era.errors import DataError
from tests.conftest import require_shared_data
from tests.data.test_osm import ABERDEEN_NAME, SMALL_OSM, _check_contract

ROOT = Path(__file__).resolve().parents[2]


def sorted_pbf(source: Path, pbf: Path, *, renumber: bool = False) -> Path:
    """Copy an OSM file into a PBF sorted by type and id, as real extracts are; with
    ``renumber`` negative ids (an editor's unsaved objects) become positive."""
    def fix(osm_id: int) -> int:
        return abs(osm_id) if renumber else osm_id

    nodes: list[Node] = []
    ways: list[Way] = []
    relations: list[Relation] = []
    for obj in osmium.FileProcessor(str(source)):
        tags = dict(obj.tags)
        if obj.is_node():
            nodes.append(Node(id=fix(obj.id), version=1, tags=tags,
                              location=(obj.location.lon, obj.location.lat)))
        elif obj.is_way():
            ways.append(Way(id=fix(obj.id), version=1, tags=tags,
                            nodes=[fix(n.ref) for n in obj.nodes]))
        else:
            relations.append(Relation(id=fix(obj.id), version=1, tags=tags, members=[
                (m.type, fix(m.ref), m.role) for m in obj.members]))
    with osmium.SimpleWriter(str(pbf)) as writer:
        for group in (nodes, ways, relations):
            for item in sorted(group, key=lambda o: o.id):
                writer.add(item)
    return pbf


def streamed(pbf: Path, folder: Path, **options: int) -> dict[str, gpd.GeoDataFrame]:
    folder.mkdir(exist_ok=True)
    return stream_pbf_layers(pbf, folder, **options).read()  # type: ignore[arg-type]


def _same_rows(reference: gpd.GeoDataFrame, got: gpd.GeoDataFrame, key: str) -> None:
    """Same ids, same values, same geometry (within a micrometre)."""
    a = reference.sort_values(key).reset_index(drop=True)
    b = got.sort_values(key).reset_index(drop=True)
    assert list(b[key]) == list(a[key])
    for column in a.columns.drop("geometry"):
        if a[column].dtype == "float64":
            assert np.allclose(a[column], b[column], rtol=1e-12, atol=1e-6), column
        else:
            assert a[column].equals(b[column]), column
    assert shapely.equals_exact(a.geometry.normalize().to_numpy(),
                                b.geometry.normalize().to_numpy(), tolerance=1e-6).all()


def _streets_by_ends(streets: gpd.GeoDataFrame) -> dict[str, list[tuple[str, str, str]]]:
    """Segments grouped by their two end nodes, each as (name, highway, rounded line):
    parallel segments between the same ends are told apart by geometry, not by their key."""
    groups: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for sid, name, highway, geom in zip(streets["street_id"], streets["name"],
                                        streets["highway"], streets.geometry, strict=True):
        ends = sid.rsplit("-", 1)[0]
        line = shapely.set_precision(geom.normalize(), 1e-6).wkt
        groups[ends].append((name, highway, line))
    return {ends: sorted(rows) for ends, rows in groups.items()}


def assert_same_layers(reference: dict[str, gpd.GeoDataFrame],
                       got: dict[str, gpd.GeoDataFrame]) -> None:
    _check_contract(got)
    _same_rows(reference["buildings"], got["buildings"], "building_id")
    _same_rows(reference["sites"], got["sites"], "site_id")
    assert sorted(got["streets"]["street_id"]) == sorted(reference["streets"]["street_id"])
    assert _streets_by_ends(got["streets"]) == _streets_by_ends(reference["streets"])
    assert np.allclose(np.sort(got["streets"]["length_m"]),
                       np.sort(reference["streets"]["length_m"]), rtol=1e-12)


@pytest.fixture
def small_pbf(tmp_path: Path) -> Path:
    source = tmp_path / "small.osm"
    source.write_text(SMALL_OSM, encoding="utf-8")
    return sorted_pbf(source, tmp_path / "small.osm.pbf")


def test_small_extract_streams_to_the_layers_of_todays_path(small_pbf: Path,
                                                             tmp_path: Path) -> None:
    """Every rule of the hand-made extract (tests/data/test_osm.py) gives the same rows
    streamed as through osmnx: buildings, sites, the walking network."""
    reference = layers_from_osm(small_pbf)
    got = streamed(small_pbf, tmp_path / "out")
    assert_same_layers(reference, got)
    assert sorted(got["buildings"]["building_id"]) == ["osm-relation-60", "osm-way-10",
                                                       "osm-way-11"]
    assert len(got["sites"]) == 6
    assert sorted(got["streets"]["street_id"]) == ["osm-21-23-0", "osm-23-24-0",
                                                   "osm-23-27-0", "osm-70-71-0"]


def test_layers_are_written_in_chunks(small_pbf: Path, tmp_path: Path) -> None:
    result = stream_pbf_layers(small_pbf, tmp_path, chunk_rows=2)
    assert result.rows == {"buildings": 3, "sites": 6, "streets": 4}
    assert {layer: len(files) for layer, files in result.files.items()} == {
        "buildings": 2, "sites": 3, "streets": 2}
    for files in result.files.values():
        assert all(len(gpd.read_parquet(f)) <= 2 for f in files)
    assert_same_layers(streamed(small_pbf, tmp_path / "whole"), result.read())


def test_an_empty_layer_has_the_contract_columns(tmp_path: Path) -> None:
    pbf = tmp_path / "pub.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        writer.add_node(Node(id=1, location=(-2.1, 57.15), tags={"amenity": "pub"}))
    layers = streamed(pbf, tmp_path / "out")
    _check_contract(layers)
    assert (len(layers["buildings"]), len(layers["sites"]), len(layers["streets"])) == (0, 1, 0)
    assert list(layers["buildings"].columns) == [*BUILDING_COLUMNS, "geometry"]
    assert list(layers["sites"].columns) == [*SITE_COLUMNS, "geometry"]
    assert list(layers["streets"].columns) == [*STREET_COLUMNS, "geometry"]


@pytest.mark.shared_data
def test_aberdeen_streams_to_the_layers_of_todays_path(tmp_path: Path) -> None:
    """The real Aberdeen city-centre extract (its editor's negative ids made positive):
    346 buildings, 94 sites and 637 street segments, the same rows as through osmnx."""
    source = require_shared_data(ABERDEEN_NAME) / ABERDEEN_NAME
    pbf = sorted_pbf(source, tmp_path / "aberdeen.osm.pbf", renumber=True)
    reference = layers_from_osm(pbf)
    got = streamed(pbf, tmp_path / "out")
    assert {k: len(v) for k, v in got.items()} == {"buildings": 346, "sites": 94,
                                                   "streets": 637}
    assert_same_layers(reference, got)


def test_the_synthetic_national_grid_gives_the_counts_it_holds(tmp_path: Path) -> None:
    """bench/osm_national.py's FICTIONAL grid at 0.1 %: buildings, sites (pub nodes,
    school and shop buildings, church relations) and street segments as counted from the
    grid (two streets meeting at a corner with no third are one segment)."""
    pbf = tmp_path / "grid.osm.pbf"
    built = build_pbf(pbf, 0.001)
    grid = Grid(built["blocks"])
    # 200 blocks of 17 buildings; sites: 10 pubs (every 20th block), 4 schools (every
    # 997th building), 67 shops (every 50th building but the school 0), 2 church relations
    assert grid.expected() == {"buildings": 3400, "sites": 83, "streets": 366}
    result = stream_pbf_layers(pbf, tmp_path, chunk_rows=1000)
    assert result.rows == grid.expected()
    assert len(result.files["buildings"]) == 4
    sites = result.read()["sites"]
    assert sites["category"].value_counts().to_dict() == {
        "shop": 67, "licensed_premises": 10, "school": 4, "place_of_worship": 2}


def _peak_mb(pbf: Path, folder: Path) -> float:
    """Peak resident memory (MB) of a fresh process streaming ``pbf``."""
    code = ("import sys, json, re; from pathlib import Path; "
            "from geo_era.data.osm.stream import stream_pbf_layers; "
            "stream_pbf_layers(Path(sys.argv[1]), Path(sys.argv[2]), chunk_rows=2000); "
            "s = Path('/proc/self/status').read_text(); "
            "print(json.dumps(int(re.search(r'VmHWM:\\s+(\\d+)', s).group(1)) / 1024))")
    folder.mkdir()
    # libosmium reads ahead into queues of decoded blocks (up to 20 by default) that a
    # small file never fills; queues of 2 let both files reach their bound
    queues = {f"OSMIUM_MAX_{name}_QUEUE_SIZE": "2" for name in ("INPUT", "OSMDATA", "WORK")}
    out = subprocess.run([sys.executable, "-c", code, str(pbf), str(folder)], cwd=ROOT,
                         env={**os.environ, **queues}, capture_output=True, text=True,
                         check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
def test_memory_does_not_grow_with_the_buildings(tmp_path: Path) -> None:
    """A file 4 times larger (704,000 nodes, 68,000 buildings against 176,000 and 17,000)
    streams within 20 MB of the smaller one's peak: 528,000 more nodes cost 16 bytes each
    in the location index (8.4 MB), and the buildings are written in chunks of 2,000, never
    held (holding 51,000 more polygons, as the osmnx path does, costs about 75 MB)."""
    small, large = tmp_path / "small.osm.pbf", tmp_path / "large.osm.pbf"
    build_pbf(small, 0.005)
    build_pbf(large, 0.02)
    low = _peak_mb(small, tmp_path / "a")
    high = _peak_mb(large, tmp_path / "b")
    assert high - low < 20, (low, high)
    assert math.isfinite(low)


# --- bad input ------------------------------------------------------------------------


def test_unsorted_file_is_refused_with_how_to_sort_it(tmp_path: Path) -> None:
    pbf = tmp_path / "unsorted.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for node in (1, 2):
            writer.add_node(Node(id=node, location=(-2.1 + node * 1e-4, 57.15)))
        writer.add_way(Way(id=9, nodes=[1, 2], tags={"highway": "path"}))
        writer.add_way(Way(id=3, nodes=[2, 1], tags={"highway": "path"}))
    with pytest.raises(DataError, match=r"'unsorted\.osm\.pbf' is not sorted .* osmium sort"):
        stream_pbf_layers(pbf, tmp_path)


def test_negative_ids_are_refused(tmp_path: Path) -> None:
    pbf = tmp_path / "edited.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        writer.add_node(Node(id=-5, location=(-2.1, 57.15), tags={"amenity": "pub"}))
    with pytest.raises(DataError, match=r"node with a negative id \(-5\).*osmium renumber"):
        stream_pbf_layers(pbf, tmp_path)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("garbage.osm.pbf", b"definitely not protocol buffers", "is not"),
    ("town.osm", b"<osm/>", r"must end in \.osm\.pbf"),
])
def test_a_file_that_is_not_pbf_is_refused(tmp_path: Path, name: str, content: bytes,
                                           message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as info:
        stream_pbf_layers(path, tmp_path)
    assert str(tmp_path) not in str(info.value)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"'nowhere\.osm\.pbf' does not exist"):
        stream_pbf_layers(tmp_path / "nowhere.osm.pbf", tmp_path)


def test_a_file_without_any_layer_is_refused(tmp_path: Path) -> None:
    pbf = tmp_path / "bare.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        writer.add_node(Node(id=1, location=(-2.1, 57.15)))
    with pytest.raises(DataError, match="holds no buildings, sites or walkable streets"):
        stream_pbf_layers(pbf, tmp_path)


def test_more_rows_than_the_limit_are_refused_and_nothing_is_left(small_pbf: Path,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DataError, match=r"holds more than 5 sites.*GEO_ERA_IMPORT_MAX_ROWS"):
        stream_pbf_layers(small_pbf, out, max_rows=5, chunk_rows=1)
    assert list(out.iterdir()) == []  # the buildings' parts written before are removed


def test_streamed_layers_read_back_empty(tmp_path: Path) -> None:
    layers = StreamedLayers(files={"buildings": [], "sites": [], "streets": []}).read()
    _check_contract(layers)


# --- geo-era import --format osm: the stream as an import -------------------------------


def test_the_streamed_import_gives_the_layers_of_todays_import(small_pbf: Path,
                                                               tmp_path: Path,
                                                               database_url: str) -> None:
    """``import_osm`` streams the file in the import's child and imports the three layers
    all at once, audited: the layers equal those of today's osmnx path on the same file
    (the independent answer), the audit names the file (R109)."""
    from geo_era.services.context import Services
    from geo_era.services.policy import Caller
    from geo_era.services.products import import_osm
    from geo_era.settings import Settings
    from tests.services.parity import audit_entries

    svc = Services(Settings(home=tmp_path / "home", database_url=database_url))
    try:
        admin = Caller("user.admin", "admin", "FICTIONAL Council")
        report = import_osm(svc, admin, path=small_pbf)
        reference = layers_from_osm(small_pbf)
        assert report.rows == {layer: len(frame) for layer, frame in reference.items()}
        assert (report.product, report.features, report.taken) == ("osm", 13, 13)
        for layer, key in (("buildings", "building_id"), ("sites", "site_id"),
                           ("streets", "street_id")):
            stored = svc.layers.read(layer)
            assert isinstance(stored, gpd.GeoDataFrame)
            want = reference[layer].set_index(key).sort_index()
            got = stored.set_index(key).sort_index()
            assert list(got.index) == list(want.index), layer
            assert shapely.equals_exact(got.geometry.normalize().to_numpy(),
                                        want.geometry.normalize().to_numpy(),
                                        tolerance=1e-6).all(), layer
        assert [(e.actor, e.operation, e.record_type, e.record_ids)
                for e in audit_entries(svc.engine)] == [
            ("user.admin", "collection", "import", ["small.osm.pbf"])]
    finally:
        svc.engine.dispose()


def test_the_streamed_import_refuses_an_analyst_and_bad_files_leaving_nothing(
        small_pbf: Path, tmp_path: Path) -> None:
    from geo_era.errors import ForbiddenError
    from geo_era.services.context import Services
    from geo_era.services.policy import Caller
    from geo_era.services.products import import_osm
    from geo_era.settings import Settings
    from tests.services.parity import audit_entries

    svc = Services(Settings(home=tmp_path / "home", import_max_rows=5))
    try:
        with pytest.raises(ForbiddenError):
            import_osm(svc, Caller("user.omu", "omu_analyst", "FICTIONAL Police OMU"),
                       path=small_pbf)
        admin = Caller("user.admin", "admin", "FICTIONAL Council")
        with pytest.raises(DataError, match=r"'small\.osm\.pbf' holds more than 5 sites"):
            import_osm(svc, admin, path=small_pbf)
        bare = tmp_path / "bare.osm.pbf"
        with osmium.SimpleWriter(str(bare)) as writer:
            writer.add_node(Node(id=1, location=(-2.1, 57.15)))
        with pytest.raises(DataError, match="holds no buildings, sites or walkable streets"):
            import_osm(svc, admin, path=bare)
        xml = tmp_path / "town.osm"
        xml.write_text(SMALL_OSM, encoding="utf-8")
        with pytest.raises(DataError, match=r"'town\.osm' is not an OpenStreetMap PBF file"):
            import_osm(svc, admin, path=xml)
        assert not any(svc.layers.has(layer) for layer in ("buildings", "sites", "streets"))
        assert [(e.actor, e.outcome) for e in audit_entries(svc.engine)] == [
            ("user.omu", "denied")]
    finally:
        svc.engine.dispose()


def test_geo_era_import_format_osm(small_pbf: Path, tmp_path: Path) -> None:
    """The command a user runs on Scotland's extract; a second file or an unknown format
    is refused with what to give."""
    from tests.cli.test_cli import geo_era

    home = tmp_path / "home"
    done = geo_era("import", "--format", "osm", str(small_pbf), home=home)
    assert done.returncode == 0, done.stderr
    assert "imported buildings: 3 rows (streamed from small.osm.pbf)" in done.stdout
    assert "imported sites: 6 rows" in done.stdout
    assert "imported streets: 4 rows" in done.stdout
    done = geo_era("import", "--format", "osm", str(small_pbf), str(small_pbf), home=home)
    assert done.returncode != 0 and "give one osm file" in done.stderr
    assert "Traceback" not in done.stderr
