"""A server worker's event loop reads every request's session on one connection kept
open (issue 23, item 5) and still refuses a session ended or an account disabled by any
other process at the very next request (R80: access by need to know, withdrawn at once).

The independent answers: the pool's own count of checkouts, sessions ended and accounts
disabled through a second engine (another worker), and a connection broken under the
reader."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import create_app
from geo_era_api.deps import PREFIX
from sqlalchemy import Engine, event, text, update

from geo_era.db.store import make_engine, open_store, session_scope
from geo_era.errors import SignInError
from geo_era.security import sessions
from geo_era.security.sessions import KeptReader, Lifetime
from geo_era.security.users import Identity, User, add_user
from geo_era.settings import Settings
from tests.conftest import enrol_totp, sign_in_form

PASSWORD = "a long fictional passphrase"
LIFETIME = Lifetime.of(30, 8)
ANALYST = Identity("omu.analyst", "omu_analyst", "FICTIONAL Police Scotland OMU")


def _checkouts(engine: Engine) -> list[int]:
    taken: list[int] = []
    event.listen(engine, "checkout", lambda *_: taken.append(1))
    return taken


def _break(engine: Engine, reader: KeptReader) -> None:
    """Break the reader's connection as a restarted database server would."""
    if engine.dialect.name == "sqlite":
        kept = reader._connection
        assert kept is not None
        kept.connection.dbapi_connection.close()  # type: ignore[union-attr]
        return
    with engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid()"))


def test_one_kept_connection_reads_and_an_ended_session_is_refused_at_once(
        database_url: str, tmp_path: Path) -> None:
    engine = open_store(tmp_path, database_url)
    other = make_engine(database_url)  # another worker's
    try:
        add_user(engine, ANALYST.username, role=ANALYST.role,
                 organisation=ANALYST.organisation, password=PASSWORD)
        kept_token = sessions.issue(engine, ANALYST, lifetime=LIFETIME)
        second = sessions.issue(engine, ANALYST, lifetime=LIFETIME)
        taken = _checkouts(engine)
        reader = KeptReader(engine)
        for _ in range(5):
            found = sessions.resolve(engine, kept_token, lifetime=LIFETIME, kept=reader)
            assert found.identity == ANALYST
        assert len(taken) == 1  # one connection for the five reads

        # another thread reads on a pooled connection of its own, never the kept one
        seen: list[object] = []
        worker = threading.Thread(target=lambda: seen.append(sessions.resolve(
            engine, second, lifetime=LIFETIME, kept=reader).identity))
        worker.start()
        worker.join()
        assert seen == [ANALYST] and len(taken) == 2

        # signed out by another worker: refused at the next read
        assert sessions.revoke(other, kept_token)
        with pytest.raises(SignInError, match="not valid"):
            sessions.resolve(engine, kept_token, lifetime=LIFETIME, kept=reader)
        # the account disabled by another worker: refused at the next read
        assert sessions.resolve(engine, second, lifetime=LIFETIME, kept=reader)
        with session_scope(other) as session:
            session.execute(update(User).where(User.username == ANALYST.username)
                            .values(active=False))
        with pytest.raises(SignInError, match="disabled"):
            sessions.resolve(engine, second, lifetime=LIFETIME, kept=reader)
        with session_scope(other) as session:
            session.execute(update(User).where(User.username == ANALYST.username)
                            .values(active=True))

        # the kept connection broken (the database restarted): read again on a new one
        _break(engine, reader)
        assert sessions.resolve(engine, second, lifetime=LIFETIME,
                                kept=reader).identity == ANALYST
        assert sessions.resolve(engine, second, lifetime=LIFETIME,
                                kept=reader).identity == ANALYST
        reader.close()
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        # closed: reads as before, on pooled connections
        assert sessions.resolve(engine, second, lifetime=LIFETIME,
                                kept=reader).identity == ANALYST
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        other.dispose()
        engine.dispose()


def test_the_server_reads_sessions_on_its_kept_connection_until_it_stops(
        tmp_path: Path) -> None:
    engine = open_store(tmp_path)
    add_user(engine, ANALYST.username, role=ANALYST.role,
             organisation=ANALYST.organisation, password=PASSWORD)
    secret = enrol_totp(engine, tmp_path, ANALYST.username)
    try:
        with TestClient(create_app(Settings(home=tmp_path), engine=engine)) as client:
            token = client.post(f"{PREFIX}/auth/token", data=sign_in_form(
                engine, ANALYST.username, PASSWORD, secret)).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            taken = _checkouts(engine)
            for _ in range(10):
                assert client.get(f"{PREFIX}/me", headers=headers).status_code == 200
            assert len(taken) <= 1  # the first read may open the kept connection
            assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
            sessions.revoke(engine, token)  # signed out elsewhere
            refused = client.get(f"{PREFIX}/me", headers=headers)
            assert refused.status_code == 401
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]  # given back
    finally:
        engine.dispose()
