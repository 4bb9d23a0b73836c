"""Shared fixtures.

``shared_data`` locates the open data in ``../shared/data`` beside the repository. When it
is absent (a user's fresh clone) tests that need it skip with the reason; under CI
(``CI`` set) they fail instead, because CI always has it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from geo_era import clock
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


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server (its URL), dropped after."""
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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty case database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cases.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


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


def copy_home(source: Path, to: Path) -> None:
    """Copy the home ``source`` to ``to`` while its case store may still be open: SQLite
    files through SQLite's backup API (one consistent snapshot, the log included), the
    rest file by file. A plain copy of the files races the store's checkpoint thread,
    whose last close folds the ``-wal`` and ``-shm`` files into the database and removes
    them between the copy's listing and its reads."""
    import shutil
    import sqlite3

    databases = [p for p in source.iterdir() if p.suffix == ".db"]
    shutil.copytree(source, to, ignore=shutil.ignore_patterns(
        *(f"{p.name}*" for p in databases)))
    for path in databases:
        (to / path.name).touch(mode=0o600)  # never readable by others meanwhile
        with (closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as src,
              closing(sqlite3.connect(to / path.name)) as dst):
            src.backup(dst)
        os.chmod(to / path.name, path.stat().st_mode & 0o777)


def iso_today() -> str:
    """Today in Scotland (:func:`geo_era.clock.today`) as the forms and the CLI take it.
    Read when a test runs, never when a module is imported: a run that passes midnight
    must not record yesterday against a decision dated today."""
    return clock.today().isoformat()


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


def enrol_totp(engine: Engine, home: Path, username: str, secret: str | None = None) -> str:
    """Enrol ``username``'s second factor (TOTP) at once, sealed with the key of
    ``home`` (what a server over ``home`` uses): the secret, for :func:`totp_code`."""
    from geo_era.db.store import session_scope
    from geo_era.security import second_factor
    from geo_era.security.keys import SecretBox
    from geo_era.security.users import find_user
    from geo_era.settings import Settings

    box = SecretBox.for_settings(Settings(home=home), "totp")
    with session_scope(engine) as session:
        return second_factor.enrol(session, box, find_user(session, username).id, secret)


def totp_code(engine: Engine, username: str, secret: str) -> str:
    """A code ``username`` has not used yet (a code works once): the current step's, or
    the next step's (accepted for clock drift) when the current one was used; waits for
    the next step when both were."""
    import time

    import pyotp
    from sqlalchemy import select

    from geo_era.db.store import session_scope
    from geo_era.security.second_factor import SecondFactor
    from geo_era.security.users import User

    with session_scope(engine) as session:
        last = session.scalar(select(SecondFactor.last_step).join(
            User, User.id == SecondFactor.user_id).where(User.username == username))
    totp = pyotp.TOTP(secret)
    step = max(totp.timecode(time.time()), (last if last is not None else -1) + 1)
    while step > totp.timecode(time.time()) + 1:
        time.sleep(0.5)
    return totp.generate_otp(step)


def sign_in_form(engine: Engine, username: str, password: str, secret: str) -> dict[str, str]:
    """The token endpoint's form (OAuth2 password flow) with a fresh second-factor code."""
    return {"username": username, "password": password,
            "otp": totp_code(engine, username, secret)}


def form_token(client: Any) -> dict[str, str]:
    """The CSRF field the pages' forms carry for ``client``'s session (or, before sign-in,
    its pre-session cookie), read from the sign-in page as a browser would see it:
    ``{"csrf_token": ...}`` to add to a form's data."""
    import re

    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return {"csrf_token": found.group(1)}


def sign_in_pages(client: Any, engine: Engine, username: str, password: str, secret: str,
                  *, purpose: str = "") -> Any:
    """Sign a TestClient in on the pages: the password step, then the code step; the
    last answer (303 to the start page, /)."""
    first = client.post("/login", follow_redirects=False, data={**form_token(client),
        "username": username, "password": password, "purpose": purpose})
    assert first.status_code == 303 and first.headers["location"] == "/login/code", \
        first.text
    done = client.post("/login/code", follow_redirects=False,
                       data={**form_token(client), "code": totp_code(engine, username, secret)})
    assert done.status_code == 303 and done.headers["location"] == "/", done.text
    return done
