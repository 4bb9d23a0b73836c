"""The HTTP API's front door: authentication, 401 everywhere without a token, login
limits, security headers, safe errors; in-process and on a real uvicorn (127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from geo_era_api.app import PREFIX, PUBLIC, create_app
from sqlalchemy import update

from geo_era.db.store import open_store, session_scope
from geo_era.errors import ConfigurationError
from geo_era.security.sessions import SignInSession
from geo_era.security.users import add_user, issue_api_key
from geo_era.settings import Settings, load_settings
from tests.conftest import enrol_totp, served, sign_in_form

PASSWORD = "a long fictional passphrase"
SECRETS: dict[str, str] = {}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(home=tmp_path, login_attempts=3)
    engine = open_store(tmp_path)
    add_user(engine, "omu.analyst", role="omu_analyst", organisation="Police Scotland",
             password=PASSWORD)
    SECRETS["omu.analyst"] = enrol_totp(engine, tmp_path, "omu.analyst")
    with TestClient(create_app(settings, engine=engine)) as test_client:
        yield test_client
    engine.dispose()


def sign_in(client: TestClient, username: str = "omu.analyst",
            password: str = PASSWORD) -> httpx.Response:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    form = sign_in_form(engine, username, password, SECRETS.get(username, "A" * 32))
    return client.post(f"{PREFIX}/auth/token", data=form)


def test_health_is_public_and_has_security_headers(client: TestClient) -> None:
    response = client.get(f"{PREFIX}/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_every_other_path_needs_a_token(client: TestClient) -> None:
    paths = {r.path for r in client.app.routes if isinstance(r, APIRoute)}  # type: ignore[attr-defined]
    paths |= {f"{PREFIX}/openapi.json", f"{PREFIX}/docs", f"{PREFIX}/no-such-thing"}
    assert paths >= PUBLIC
    for path in sorted(paths - PUBLIC):
        for method in ("GET", "POST"):
            response = client.request(method, path)
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.headers["cache-control"] == "no-store"


def test_sign_in_and_use_the_token(client: TestClient) -> None:
    token = sign_in(client).json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 15 * 60
    me = client.get(f"{PREFIX}/me", headers={"Authorization": f"Bearer "
                                                              f"{token['access_token']}"})
    assert me.json() == {"username": "omu.analyst", "role": "omu_analyst",
                         "organisation": "Police Scotland"}
    schema = client.get(f"{PREFIX}/openapi.json",
                        headers={"Authorization": f"Bearer {token['access_token']}"})
    assert schema.status_code == 200 and "/api/v1/me" in schema.json()["paths"]


def test_wrong_password_expired_and_forged_tokens(client: TestClient) -> None:
    wrong = sign_in(client, password="not the passphrase")
    assert wrong.status_code == 401 and wrong.json() == {"detail": "wrong username or password"}
    unknown = sign_in(client, username="nobody")
    assert unknown.json() == wrong.json()  # never says which was wrong
    token = sign_in(client).json()["access_token"]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with session_scope(engine) as session:  # the session's idle end passes
        session.execute(update(SignInSession).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    response = client.get(f"{PREFIX}/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    for forged in (token[:-4] + "AAAA", "ges_" + "A" * 43,
                   "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvbXUuYW5hbHlzdCJ9.x"):
        response = client.get(f"{PREFIX}/me", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401 and response.json() == {
            "detail": "the token is not valid; sign in again"}


def test_failed_logins_are_limited(client: TestClient) -> None:
    for _ in range(3):
        assert sign_in(client, password="guess").status_code == 401
    blocked = sign_in(client)  # even the right password, for now
    assert blocked.status_code == 429
    assert "too many failed sign-ins" in blocked.json()["detail"]


def test_api_keys_for_service_accounts(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    add_user(engine, "batch.service", role="mappa_coordinator", organisation="MAPPA Unit",
             password="unused service passphrase")
    key = issue_api_key(engine, "batch.service", name="nightly")
    me = client.get(f"{PREFIX}/me", headers={"X-API-Key": key})
    assert me.json()["username"] == "batch.service"
    assert client.get(f"{PREFIX}/me", headers={"X-API-Key": "gea_wrong"}).status_code == 401


def test_oversized_bodies_are_refused(client: TestClient) -> None:
    response = client.post(f"{PREFIX}/auth/token", content=b"x" * (6 * 1024 * 1024),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_production_refuses_unsafe_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("GEO_ERA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GEO_ERA_ENVIRONMENT", "production")
    with pytest.raises(ConfigurationError, match="GEO_ERA_SECRET_KEY must be set"):
        load_settings()
    monkeypatch.setenv("GEO_ERA_SECRET_KEY", "short")
    with pytest.raises(ConfigurationError, match="GEO_ERA_SECRET_KEY must be set"):
        load_settings()
    monkeypatch.setenv("GEO_ERA_SECRET_KEY", "k" * 40)
    with pytest.raises(ConfigurationError, match="GEO_ERA_AUDIT_KEY must be set"):
        load_settings()
    monkeypatch.setenv("GEO_ERA_AUDIT_KEY", "a" * 40)
    assert load_settings().environment == "production"


def test_real_server_on_loopback(tmp_path: Path) -> None:
    engine = open_store(tmp_path)
    add_user(engine, "solo.fife", role="solo", organisation="Fife Council", password=PASSWORD)
    secret = enrol_totp(engine, tmp_path, "solo.fife")
    with served(tmp_path) as base:
        assert httpx.get(f"{base}/me", timeout=5).status_code == 401
        token = httpx.post(f"{base}/auth/token", timeout=5,
                           data=sign_in_form(engine, "solo.fife", PASSWORD, secret))
        me = httpx.get(f"{base}/me", timeout=5, headers={
            "Authorization": f"Bearer {token.json()['access_token']}"})
        assert me.json()["organisation"] == "Fife Council"
        assert "server" not in me.headers
    engine.dispose()
