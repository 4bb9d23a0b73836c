"""Need-to-know over the HTTP API: every endpoint x role as the matrix says, nothing a
Link Officer may not see, and the audit trail of consulting a subject's record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.access import DENIED_FIELDS, MATRIX
from api.app import PREFIX, create_app
from geo_era.audit import AuditEntry, verify
from geo_era.settings import Settings
from geo_era.store import open_store, session_scope
from geo_era.users import ROLES, add_user
from tests.conftest import import_demo

PASSWORD = "a long fictional passphrase"


@pytest.fixture(scope="module")
def api(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[tuple[TestClient, dict[str, str], dict[str, Any]]]:
    home = tmp_path_factory.mktemp("api") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    for role in ROLES:
        add_user(engine, f"user.{role}", role=role, organisation="FICTIONAL Council",
                 password=PASSWORD)
    subjects = store.read("subjects")
    props = store.read("properties")
    ids = {"subject_id": str(subjects["subject_id"].iloc[1]),
           "property_id": str(props[props["property_type"] == "tenement_flat"]
                              ["property_id"].iloc[0])}
    with TestClient(create_app(Settings(home=home, login_attempts=50),
                               engine=engine)) as client:
        tokens = {}
        for role in ROLES:
            response = client.post(f"{PREFIX}/auth/token",
                                   data={"username": f"user.{role}", "password": PASSWORD})
            tokens[role] = response.json()["access_token"]
        yield client, tokens, ids
    engine.dispose()


def call(client: TestClient, token: str, endpoint: str, ids: dict[str, Any]
         ) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if endpoint == "me":
        return client.get(f"{PREFIX}/me", headers=headers)
    if endpoint == "sites_near":
        return client.post(f"{PREFIX}/proximity/sites-near", headers=headers,
                           json={"property_id": ids["property_id"], "radius_m": 300})
    if endpoint == "parameters":
        return client.post(f"{PREFIX}/parameters", headers=headers,
                           json={"property_id": ids["property_id"]})
    return client.post(f"{PREFIX}/check", headers=headers,
                       json={**ids, "justification": "ERA for a candidate property"})


def keys_in(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_matrix(api: tuple[TestClient, dict[str, str], dict[str, Any]], endpoint: str,
                role: str) -> None:
    client, tokens, ids = api
    response = call(client, tokens[role], endpoint, ids)
    rule = MATRIX[endpoint]
    if role in rule.allowed:
        assert response.status_code == 200, response.text
        if role in rule.restricted_view:
            leaked = keys_in(response.json()) & DENIED_FIELDS
            assert leaked == set(), f"{role} saw {leaked} on {endpoint}"
            assert ids["subject_id"] not in response.text
    else:
        assert response.status_code == 403
        assert ids["subject_id"] not in response.text


def test_restricted_views_keep_what_landlords_need(
        api: tuple[TestClient, dict[str, str], dict[str, Any]]) -> None:
    client, tokens, ids = api
    link = call(client, tokens["rsl_link_officer"], "parameters", ids).json()
    full = call(client, tokens["omu_analyst"], "parameters", ids).json()
    assert [p["property_id"] for p in link["properties"]] == \
        [p["property_id"] for p in full["properties"]]
    assert "household" in full["properties"][0]
    flags = call(client, tokens["rsl_link_officer"], "check", ids).json()
    assert set(flags) == {"property_id", "sensitive_allocation", "flag"}


def test_each_consultation_is_audited_once(
        api: tuple[TestClient, dict[str, str], dict[str, Any]]) -> None:
    client, tokens, ids = api
    engine = client.app.state.engine  # type: ignore[attr-defined]

    def entries() -> list[AuditEntry]:
        with session_scope(engine) as session:
            return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))

    before = len(entries())
    assert call(client, tokens["solo"], "check", ids).status_code == 200
    after = entries()
    assert len(after) == before + 1
    entry = after[-1]
    assert (entry.actor, entry.role, entry.organisation, entry.operation, entry.outcome) == (
        "user.solo", "solo", "FICTIONAL Council", "consultation", "allowed")
    assert entry.record_ids == [ids["subject_id"], ids["property_id"]]
    assert entry.justification == "ERA for a candidate property"
    assert call(client, tokens["auditor"], "check", ids).status_code == 403
    denied = entries()[-1]
    assert (denied.actor, denied.outcome) == ("user.auditor", "denied")
    missing = client.post(f"{PREFIX}/check", headers={
        "Authorization": f"Bearer {tokens['solo']}"}, json=ids)
    assert missing.status_code == 422
    assert "justification" in missing.text
    assert len(entries()) == before + 2  # a refused request writes nothing
    assert verify(engine).intact


def test_bad_requests_get_safe_answers(
        api: tuple[TestClient, dict[str, str], dict[str, Any]]) -> None:
    client, tokens, _ = api
    headers = {"Authorization": f"Bearer {tokens['omu_analyst']}"}
    unknown = client.post(f"{PREFIX}/parameters", headers=headers,
                          json={"property_id": "NOWHERE"})
    assert unknown.status_code == 404
    assert "not found in layer 'properties'" in unknown.json()["detail"]
    extra = client.post(f"{PREFIX}/proximity/sites-near", headers=headers,
                        json={"property_id": "X", "radius_m": 300, "sql": "drop"})
    assert extra.status_code == 422 and extra.json()["detail"] == "the request is not valid"
    huge = client.post(f"{PREFIX}/proximity/sites-near", headers=headers,
                       json={"property_id": "X", "radius_m": 1e9})
    assert huge.status_code == 422
    assert "Traceback" not in unknown.text + extra.text + huge.text
