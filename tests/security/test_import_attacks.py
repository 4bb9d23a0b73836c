"""Regression tests for finding 1 of issue 17 (admin imports read server files and make
outbound requests; small uploads exhaust memory) and the import part of finding 8 (import
errors showed temporary paths): each attack is made against the real API (an
administrator's upload) or the real command line, and shown to fail safely.
REQUIREMENTS.md: information held securely and shared on a need-to-know, confidential basis
(R80, R104, R125): an import may not become a way to read the server's files, the case
database, or to send requests.

The attacks: an OGR VRT disguised as GeoJSON, CSV, GeoPackage, Shapefile or GeoParquet
that reads a local secret file or the case database, by the import or as an uploaded
list of voids; a GeoPackage holding a virtual table over a secret file; a VRT or a
GeoJSON ``link`` CRS that fetches a URL (a real listening socket on 127.0.0.1 must see
no connection); a 3 KB Parquet file that decompresses to 6 GB; a tiny Parquet file
declaring millions of rows; a 2 KB OSM PBF holding 60,000 nodes; a reader that spins or
connects out from inside the child; error messages that quoted temporary paths and whole
hostile values.
"""

from __future__ import annotations

import os
import resource
import select
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import geopandas as gpd
import numpy as np
import osmium
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import create_app
from geo_era_api.deps import PREFIX
from shapely.geometry import Point
from sqlalchemy import Engine, func
from sqlalchemy import select as sql_select

from geo_era.data.layer_store import LayerStore
from geo_era.data.sandbox import ImportLimits, IsolationError, run_isolated
from geo_era.db.store import open_store, session_scope
from geo_era.errors import DataError
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from geo_era.services.housing import Upload, listed_voids
from geo_era.settings import Settings
from geo_era.workspace import Workspace
from tests.conftest import enrol_totp, import_demo, sign_in_form
from tests.data.test_imports import sites_frame
from tests.security import isolation_probe

PASSWORD = "a long fictional passphrase"
SECRET = "SECRET-daemon:x:1:1:FICTIONAL"
#: The limits the site runs with: small enough for the attacks to hit quickly.
LIMITS = ImportLimits(memory_mb=1024, seconds=60, max_rows=1_000_000)
PROBE = "tests.security.isolation_probe"


@dataclass
class Site:
    client: TestClient
    engine: Engine
    home: Path
    store: LayerStore
    headers: dict[str, str]

    def upload(self, *files: tuple[str, bytes]) -> tuple[int, dict[str, object], str]:
        """Import ``files`` as an administrator: status, JSON answer, raw text."""
        response = self.client.post(f"{PREFIX}/imports", headers=self.headers,
                                    files=[("files", (name, data, "application/octet-stream"))
                                           for name, data in files])
        return response.status_code, response.json(), response.text

    def state(self) -> tuple[int, int]:
        """The data version and the number of audit entries."""
        with session_scope(self.engine) as session:
            entries = session.scalar(sql_select(func.count()).select_from(AuditEntry))
        return self.store.data_version, int(entries or 0)


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("imports") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    add_user(engine, "admin", role="admin", organisation="FICTIONAL OMU", password=PASSWORD)
    secret = enrol_totp(engine, home, "admin")
    settings = Settings(home=home, login_attempts=50, import_memory_mb=LIMITS.memory_mb,
                        import_seconds=LIMITS.seconds, import_max_rows=LIMITS.max_rows)
    with TestClient(create_app(settings, engine=engine)) as client:
        token = client.post(f"{PREFIX}/auth/token", data=sign_in_form(
            engine, "admin", PASSWORD, secret)).json()["access_token"]
        yield Site(client, engine, home, store, {"Authorization": f"Bearer {token}"})
    engine.dispose()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file on the server that no import may read: a CSV shaped like a sites layer."""
    path = tmp_path / "secret.csv"
    path.write_text(f"site_id,category,name\nS1,{SECRET},{SECRET}\n", encoding="utf-8")
    return path


def vrt(source: str, layer: str = "secret") -> bytes:
    """An OGR VRT whose one layer, ``sites``, is read from ``source``."""
    return (f'<OGRVRTDataSource><OGRVRTLayer name="sites"><SrcDataSource>{source}'
            f"</SrcDataSource><SrcLayer>{layer}</SrcLayer></OGRVRTLayer>"
            "</OGRVRTDataSource>").encode()


class Listener:
    """A real TCP listener on 127.0.0.1 that counts the connections made to it (closing
    each at once)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.sock], [], [], 0.05)
            if ready:
                connection, _ = self.sock.accept()
                self.connections += 1
                connection.close()

    def counted(self, at_least: int) -> int:
        """The connections counted, once there are ``at_least`` (or after 5 s)."""
        deadline = time.monotonic() + 5
        while self.connections < at_least and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.connections

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        time.sleep(0.2)  # a late connection attempt would still be counted
        self._stop.set()
        self._thread.join()
        self.sock.close()


def assert_refused(site: Site, before: tuple[int, int], code: int, text: str,
                   *hidden: str) -> None:
    """A 422, nothing changed (no layer, no audit entry) and none of ``hidden`` in the
    answer."""
    assert code == 422, text
    assert site.state() == before
    for value in hidden:
        assert value not in text


# --- what must still work ----------------------------------------------------------------


@pytest.mark.parametrize("driver", ["GeoJSON", "ESRI Shapefile", "GPKG"])
def test_real_files_of_every_gdal_format_still_import(site: Site, tmp_path: Path,
                                                      driver: str) -> None:
    """The child reads each GDAL format with that format's driver alone: a real file of
    each still imports (the content checks and the sandbox refuse only what they must)."""
    sites = sites_frame()
    sites["geometry"] = sites.geometry.representative_point()  # one type, for a Shapefile
    folder = tmp_path / "export"
    folder.mkdir()
    suffix = {"GeoJSON": ".geojson", "ESRI Shapefile": ".shp", "GPKG": ".gpkg"}[driver]
    pyogrio.write_dataframe(sites, folder / f"sites{suffix}", driver=driver, layer="sites")
    files = [(path.name, path.read_bytes()) for path in sorted(folder.iterdir())]
    version, entries = site.state()
    code, answer, text = site.upload(*files)
    assert code == 200, text
    assert answer["rows"] == {"sites": len(sites)}
    assert site.state() == (version + 1, entries + 1)


# --- reading files on the server ---------------------------------------------------------


@pytest.mark.parametrize("name", ["sites.geojson", "sites.json", "sites.csv", "sites.gpkg",
                                  "sites.shp", "sites.parquet"])
def test_a_vrt_disguised_as_a_layer_cannot_read_a_server_file(site: Site, secret: Path,
                                                              name: str) -> None:
    """Finding 1: an OGR VRT named like a layer file made GDAL read any file the server
    could reach and echo it back ("unknown category 'daemon:x:1:1:...'")."""
    attack = vrt(f"CSV:{secret}")
    disguised = secret.parent / "sites.geojson"
    disguised.write_bytes(attack)
    # the attack is real: GDAL left to itself reads the secret through the disguise
    assert SECRET in pyogrio.read_dataframe(disguised).to_string()
    before = site.state()
    code, answer, text = site.upload((name, attack))
    assert_refused(site, before, code, text, SECRET, "daemon", str(secret.parent))
    [problem] = answer["problems"]  # type: ignore[misc]
    assert problem["where"] == f"file '{name}'"
    assert "GDAL virtual format file (VRT)" in problem["problem"]


def test_a_vrt_cannot_read_the_case_database(site: Site, tmp_path: Path) -> None:
    """Finding 1: through the SQLite driver a VRT read the users table (password hashes)."""
    attack = vrt(str(site.home / "geo_era.db"), layer="users")
    disguised = tmp_path / "sites.geojson"
    disguised.write_bytes(attack)
    assert "$argon2" in pyogrio.read_dataframe(disguised).to_string()  # the attack is real
    before = site.state()
    code, _answer, text = site.upload(("sites.geojson", attack))
    assert_refused(site, before, code, text, "$argon2", "geo_era.db")


def test_a_geopackage_with_a_virtual_table_over_a_secret_is_refused(site: Site, secret: Path,
                                                                    tmp_path: Path) -> None:
    """Finding 1: a GeoPackage whose ``sites`` table is a virtual table reading a file."""
    path = tmp_path / "sites.gpkg"
    areas = gpd.GeoDataFrame({"area_id": ["A"]}, geometry=[Point(-3.2, 55.95)], crs=4326)
    pyogrio.write_dataframe(areas, path, layer="areas")
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA writable_schema = ON")
        connection.execute(
            "INSERT INTO sqlite_master(type, name, tbl_name, rootpage, sql) "
            "VALUES ('table', 'sites', 'sites', 0, ?)",
            (f"CREATE VIRTUAL TABLE sites USING VirtualOGR('{secret}')",))
        connection.execute("INSERT INTO gpkg_contents(table_name, data_type, identifier) "
                           "VALUES ('sites', 'attributes', 'sites')")
    before = site.state()
    code, answer, text = site.upload(("sites.gpkg", path.read_bytes()))
    assert_refused(site, before, code, text, SECRET, str(tmp_path))
    assert "holds a virtual table ('sites')" in str(answer["problems"])


def test_a_vrt_beside_a_shapefile_is_not_read(site: Site, secret: Path) -> None:
    """A ``.vrt`` uploaded with a Shapefile's parts is refused as a file type geo_era
    does not read; the ``.shp`` that is really a VRT is refused by its content."""
    before = site.state()
    code, answer, text = site.upload(("sites.vrt", vrt(f"CSV:{secret}")),
                                     ("sites.shp", vrt(f"CSV:{secret}")))
    assert_refused(site, before, code, text, SECRET)
    problems = {p["where"]: p["problem"] for p in answer["problems"]}  # type: ignore[union-attr]
    assert problems["file 'sites.vrt'"].startswith("unsupported file type '.vrt'")
    assert "not Shapefile" in problems["file 'sites.shp'"]


@pytest.mark.parametrize("name", ["voids.gpkg", "voids.csv"])
def test_an_uploaded_void_list_cannot_read_a_server_file(site: Site, secret: Path,
                                                         name: str) -> None:
    """An uploaded list of voids (the void screening and allocation pages) is read with
    the same content checks, a GeoPackage in the same child process: a VRT disguised as
    the list cannot make the server read a file and echo it as 'not in the properties
    layer'."""
    secret.write_text(f"property_id\n{SECRET}\n", encoding="utf-8")
    snap = Workspace(site.store).snapshot()
    with pytest.raises(DataError) as refused:
        listed_voids(snap, Upload(vrt(f"CSV:{secret}"), name), limits=LIMITS)
    message = str(refused.value)
    assert message.startswith(f"{name}: is a GDAL virtual format file (VRT)")
    assert SECRET not in message and str(secret.parent) not in message


# --- outbound requests -------------------------------------------------------------------


def test_a_vrt_pointing_at_a_url_makes_no_connection(site: Site) -> None:
    """Finding 1: a VRT whose source is ``/vsicurl/http://...`` made the server send an
    HTTP request."""
    with Listener() as listener:
        before = site.state()
        code, _answer, text = site.upload(
            ("sites.geojson", vrt(f"/vsicurl/http://127.0.0.1:{listener.port}/sites.csv")))
    assert_refused(site, before, code, text)
    assert listener.connections == 0


def test_a_geojson_crs_link_makes_no_connection(site: Site, tmp_path: Path) -> None:
    """GDAL fetches a GeoJSON ``"crs": {"type": "link", ...}`` from its URL."""
    with Listener() as listener:
        feature = ('{"type": "Feature", "properties": {"site_id": "S1", "category": '
                   '"school"}, "geometry": {"type": "Point", "coordinates": [-3.2, 55.95]}}')
        text = ('{"type": "FeatureCollection", "crs": {"type": "link", "properties": '
                f'{{"href": "http://127.0.0.1:{listener.port}/crs", "type": "proj4"}}}}, '
                f'"features": [{feature}]}}')
        path = tmp_path / "sites.geojson"
        path.write_text(text, encoding="utf-8")
        pyogrio.set_gdal_config_options({"GDAL_HTTP_TIMEOUT": "2"})
        try:  # the attack is real: GDAL left to itself fetches the URL
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pyogrio.read_dataframe(path)
        finally:
            pyogrio.set_gdal_config_options({"GDAL_HTTP_TIMEOUT": None})
        reached = listener.counted(1)
        before = site.state()
        code, answer, raw = site.upload(("sites.geojson", text.encode()))
        assert_refused(site, before, code, raw)
        assert listener.connections == reached >= 1
    assert "gives its CRS as a link to fetch" in str(answer["problems"])


def test_the_child_process_itself_has_no_network() -> None:
    """Whatever a reader inside the import child tries, a socket or GDAL's ``/vsicurl/``,
    nothing leaves it; and its GDAL holds only the drivers asked for."""
    with Listener() as listener:
        # the probe's socket does reach the listener from this process
        assert isolation_probe.connect(listener.port) == "connected"
        reached = listener.counted(1)
        with run_isolated(f"{PROBE}:reach_out", {"port": listener.port}, limits=LIMITS,
                          gdal_drivers=["GeoJSON"]) as (answer, _folder):
            pass
        assert listener.connections == reached == 1
    assert answer["socket"] != "connected" and answer["vsicurl"] != "read"
    assert answer["network_isolated"] is True
    assert answer["gdal_drivers"] == ["GeoJSON"]


# --- exhausting memory and time --------------------------------------------------------------


def parquet_bomb(path: Path, *, rows: int, value_chars: int) -> None:
    """A Parquet file whose ``category`` column is one long string repeated ``rows``
    times: dictionary- and run-length-encoded it takes a few kilobytes, read it is
    ``rows * value_chars`` bytes. No Arrow schema is stored, so it is read as plain
    strings."""
    indices = pa.array(np.zeros(rows, dtype=np.int32))
    table = pa.table({
        "site_id": pa.DictionaryArray.from_arrays(indices, pa.array(["S1"])),
        "category": pa.DictionaryArray.from_arrays(indices, pa.array(["x" * value_chars]))})
    pq.write_table(table, path, use_dictionary=True, compression="zstd", store_schema=False)


def test_a_parquet_memory_bomb_is_refused_quickly(site: Site, tmp_path: Path) -> None:
    """Finding 1: a 437 KB Parquet file drove the server to 8 GB for 24 s. Here 3 KB
    that read into 6 GB: refused within the time limit, the server's own memory flat."""
    path = tmp_path / "sites.parquet"
    parquet_bomb(path, rows=600_000, value_chars=10_000)
    assert path.stat().st_size < 16_000
    schema = pq.read_schema(path)
    assert schema.field("category").type == pa.string()  # not a dictionary: materialised
    before = site.state()
    grown_from = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    code, answer, text = site.upload(("sites.parquet", path.read_bytes()))
    elapsed = time.perf_counter() - started
    assert_refused(site, before, code, text, "xxxxxxxxxx")
    assert elapsed < LIMITS.seconds
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - grown_from
    assert grown_kib < 200 * 1024, f"the server grew by {grown_kib // 1024} MB"
    [problem] = answer["problems"]  # type: ignore[misc]
    assert problem["where"] == "file 'sites.parquet'"
    assert "within 1,024 MB of memory" in problem["problem"]
    assert "GEO_ERA_IMPORT_MEMORY_MB" in problem["problem"]


def test_a_parquet_file_declaring_millions_of_rows_is_refused_unread(site: Site,
                                                                     tmp_path: Path) -> None:
    """A tiny file declaring more rows than a layer may hold is refused from its footer."""
    path = tmp_path / "sites.parquet"
    parquet_bomb(path, rows=LIMITS.max_rows + 1, value_chars=1)
    assert path.stat().st_size < 16_000
    before = site.state()
    code, answer, text = site.upload(("sites.parquet", path.read_bytes()))
    assert_refused(site, before, code, text)
    assert "has more than 1,000,000 rows" in str(answer["problems"])
    assert "GEO_ERA_IMPORT_MAX_ROWS" in str(answer["problems"])


def test_the_child_stops_at_its_memory_and_time_limits() -> None:
    """A reader that takes memory without end is refused at the limit; one that spins is
    stopped after the limit's seconds, wall clock."""
    with run_isolated(f"{PROBE}:allocate", {}, limits=LIMITS) as (answer, _folder):
        assert 0 < answer["refused_after_mb"] <= LIMITS.memory_mb
    started = time.perf_counter()
    with pytest.raises(IsolationError, match="took more than 3 s to read"), run_isolated(
            f"{PROBE}:spin", {}, limits=ImportLimits(memory_mb=1024, seconds=3,
                                                     max_rows=10)):
        pass
    assert time.perf_counter() - started < 10


# --- the command line ----------------------------------------------------------------------


#: Runs a command (``argv[2:]``) and writes the most memory (KiB) any of its processes
#: held to the file ``argv[1]``. Measured in this small process, not in pytest: a process
#: started from pytest records pytest's own peak as its first size (the memory it was
#: forked or vforked from), so pytest's size would be measured instead of the command's.
MEASURED = """
import pathlib, resource, subprocess, sys
code = subprocess.run(sys.argv[2:], check=False).returncode
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
pathlib.Path(sys.argv[1]).write_text(str(peak))
sys.exit(code)
"""


def cli(*args: str, home: Path, env: dict[str, str] | None = None
        ) -> tuple[int, str, float, int]:
    """``geo-era ARGS`` as a user runs it: exit code, output, seconds, and the most
    memory (KiB) the command or any process it started held."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GEO_ERA_")}
    environ.update({"GEO_ERA_HOME": str(home), **(env or {})})
    with tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "peak"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", MEASURED, str(peak), sys.executable,
                               "-m", "geo_era.cli", *args], env=environ, check=False,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seconds = time.perf_counter() - started
        return done.returncode, done.stdout, seconds, int(peak.read_text())


def test_the_command_line_refuses_a_disguised_vrt(tmp_path: Path, secret: Path) -> None:
    """``geo-era import`` reads files through the same checks and child process."""
    disguised = tmp_path / "sites.geojson"
    disguised.write_bytes(vrt(f"CSV:{secret}"))
    code, output, _seconds, _memory = cli("import", str(disguised), home=tmp_path / "home")
    assert code != 0
    assert SECRET not in output and "daemon" not in output
    assert "file 'sites.geojson': is a GDAL virtual format file (VRT)" in output
    assert not (tmp_path / "home" / "catalog.json").exists()


def test_the_command_line_refuses_a_memory_bomb_within_its_limit(tmp_path: Path) -> None:
    """The bomb through ``geo-era import``: refused, and neither the command nor its child
    ever held more than the memory limit."""
    path = tmp_path / "sites.parquet"
    parquet_bomb(path, rows=600_000, value_chars=10_000)
    code, output, seconds, memory_kib = cli(
        "import", str(path), home=tmp_path / "home",
        env={"GEO_ERA_IMPORT_MEMORY_MB": "1024", "GEO_ERA_IMPORT_SECONDS": "60"})
    assert code != 0, output
    assert "within 1,024 MB of memory" in output
    assert seconds < 60
    assert memory_kib < 1024 * 1024
    assert not (tmp_path / "home" / "catalog.json").exists()


def test_an_osm_pbf_with_too_many_elements_is_refused(tmp_path: Path) -> None:
    """Finding 1: a 26 KB ``.osm.pbf`` took 12 s and 670 MB. A 2 KB file of 60,000 nodes
    is refused at the element limit, before osmnx holds it."""
    path = tmp_path / "town.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for node in range(1, 60_001):
            writer.add_node(osmium.osm.mutable.Node(id=node, location=(-2.1, 57.15)))
    assert path.stat().st_size < 4_000
    code, output, _seconds, _memory = cli("import", str(path), home=tmp_path / "home",
                                          env={"GEO_ERA_IMPORT_MAX_ROWS": "50000"})
    assert code != 0, output
    assert "holds more than 50,000 nodes, ways and relations" in output
    assert str(tmp_path) not in output


# --- what errors show --------------------------------------------------------------------


def test_errors_name_no_server_path_and_quote_little(site: Site, tmp_path: Path) -> None:
    """Finding 8: a damaged file's error quoted GDAL's message with the upload's
    temporary path; a hostile value was echoed whole, control characters and all."""
    damaged = tmp_path / "sites.gpkg"  # a GeoPackage's header, none of its tables
    with sqlite3.connect(damaged) as connection:
        connection.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
        connection.execute("CREATE TABLE t (a)")
    hostile = "\x1b[31m" + "A" * 200 + "\nSECOND-LINE"
    csv = f'site_id,category,lon,lat\nS1,"{hostile}",-3.2,55.95\n'.encode()
    before = site.state()
    code, answer, text = site.upload(("sites.gpkg", damaged.read_bytes()),
                                     ("schools.osm.pbf", b"\x00" * 64), ("sites.csv", csv))
    assert_refused(site, before, code, text, "/tmp", "geo_era-", "\\u001b", "SECOND-LINE",
                   "A" * 41)
    problems = {p["where"]: p["problem"] for p in answer["problems"]}  # type: ignore[union-attr]
    assert problems["file 'sites.gpkg'"].startswith(
        "could not be read as GeoPackage (DataSourceError); check the file is complete")
    assert problems["file 'schools.osm.pbf'"].startswith("is not a readable OSM PBF file")
    assert problems["file 'sites.csv', layer 'sites', row 1, column 'category'"].startswith(
        "unknown category '[31m" + "A" * 35 + "…'")  # 40 characters, the ESC removed
