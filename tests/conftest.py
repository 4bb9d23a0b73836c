"""Shared fixtures.

``shared_data`` locates the open data in ``../shared/data`` beside the repository. When it
is absent (a user's fresh clone) tests that need it skip with the reason; under CI
(``CI`` set) they fail instead, because CI always has it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from geo_era.data.layer_store import LayerStore
from geo_era.security.audit import Actor

REPO = Path(__file__).resolve().parents[1]

#: What a housing association's Link Officer may never be told, at any depth of an
#: answer (the need-to-know matrix, README "Need to know"): written here, independently
#: of the answer models, so that the tests check the models against it.
LINK_OFFICER_NEVER_SEES = frozenset({
    "subject_id", "conditions", "victim_profile", "zone_id", "zone_geometry", "zone_reason",
    "children_in_household", "adult_at_risk_in_household", "household", "conflicts",
    "warnings", "offence", "occupants", "sensitive_because", "home_property_id",
})
SHARED_DATA = REPO.parent / "shared" / "data"


def require_shared_data(*names: str, folder: Path = SHARED_DATA) -> Path:
    """Return ``folder`` (``../shared/data``); skip, or fail when ``CI`` is set, if it or a
    named file in it is absent."""
    missing = [n for n in names if not (folder / n).exists()]
    if not folder.is_dir() or missing:
        what = f"{folder} is absent" if not folder.is_dir() else (
            f"{', '.join(missing)} missing from {folder}")
        reason = (f"needs the open data beside the repository ({what}; see "
                  "shared/data/SOURCES.md)")
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the shared data: {reason}")
        pytest.skip(reason)
    return folder


@pytest.fixture
def shared_data() -> Path:
    return require_shared_data()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty GEO_ERA_HOME for one test."""
    path = tmp_path / "home"
    monkeypatch.setenv("GEO_ERA_HOME", str(path))
    yield path


def postgres_base_url() -> str:
    """The PostgreSQL server for the server-store tests (``.ci/postgres.sh`` starts one
    and sets ``TEST_POSTGRES_URL``); skip, or fail under CI, without one."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        reason = ("no PostgreSQL server: set TEST_POSTGRES_URL (run "
                  "'bash .ci/postgres.sh' as root to install and start one on 127.0.0.1)")
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the PostgreSQL store: {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty case database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cases.db'}"
        return
    from uuid import uuid4

    from sqlalchemy import create_engine, text

    base = postgres_base_url()
    name = f"geo_era_test_{uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The demo town (scale 1, seed 0) written to the data contract once per session;
    tests import it into homes of their own (:func:`import_demo`)."""
    from geo_era.demo.demotown import build_demo_town, write_demo_town

    town = build_demo_town(scale=1.0, seed=0)
    return write_demo_town(town, tmp_path_factory.mktemp("demo-source"))


def import_demo(files: list[Path], home: Path) -> LayerStore:
    """A layer store at ``home`` holding the demo town."""
    from geo_era.data.imports import import_files

    store = LayerStore(home)
    import_files(files, store=store)
    return store


def officer(name: str = "officer", *, justification: str | None = "ERA case work under test",
            scope: str | None = None, role: str = "operator",
            organisation: str = "local") -> Actor:
    """An actor for core calls in tests: who acts, and why (audited)."""
    return Actor(name, role, organisation, justification, scope)


def python_path() -> str:
    """PYTHONPATH for a child process: this checkout first, then whatever the caller had
    (so a checkout's own ``api`` package, put on the path by its runner, stays first)."""
    return os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(home: Path, *extra: str, settings: Mapping[str, str] | None = None,
           port: int | None = None) -> Iterator[str]:
    """A real ``geo-era serve`` (uvicorn) on 127.0.0.1 over ``home``: its API base URL
    while the block runs. Settings come only from ``GEO_ERA_HOME`` and ``settings``
    (``GEO_ERA_*`` variables); ``port`` is a free one unless given."""
    import subprocess
    import sys
    import time

    import httpx

    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_ERA_")}
    env.update(settings or {})
    env.update(GEO_ERA_HOME=str(home), PYTHONPATH=python_path())
    with subprocess.Popen([sys.executable, "-m", "geo_era.cli", "serve", "--port", str(port),
                           *extra], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE) as server:
        try:
            base = f"http://127.0.0.1:{port}/api/v1"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=20)
