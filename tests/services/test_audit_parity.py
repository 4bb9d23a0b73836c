"""The command line and the API leave the same audit entry for the same operation
(the audit trail of DPA 2018 s62; R104, R107, R125 and R126 in REQUIREMENTS.md): every
audited operation of the matrix is run once through ``geo-era`` and once through the API, each
in a copy of the same prepared home, and the two new entries are equal apart from who
made them and when."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import create_app
from geo_era_api.deps import PREFIX
from typer.testing import CliRunner

from geo_era.cli import app as cli_app
from geo_era.security.access import MATRIX
from geo_era.security.users import ROLES, add_user
from geo_era.settings import Settings
from tests.conftest import enrol_totp, import_demo, sign_in_form
from tests.services import (
    parity_analysis,
    parity_casework,
    parity_child_protection,
    parity_disclosures,
    parity_enquiries,
    parity_homelessness,
    parity_housing,
    parity_mappa,
    parity_markers,
    parity_notices,
    parity_performance,
)
from tests.services.parity import (
    PASSWORD,
    Home,
    Parity,
    audit_count,
    audit_entries,
    compared,
)

OPERATIONS: list[Parity] = [*parity_analysis.PARITY, *parity_casework.PARITY,
                            *parity_housing.PARITY, *parity_enquiries.PARITY,
                            *parity_disclosures.PARITY, *parity_child_protection.PARITY,
                            *parity_notices.PARITY, *parity_markers.PARITY,
                            *parity_homelessness.PARITY, *parity_mappa.PARITY,
                            *parity_performance.PARITY]


@pytest.fixture(scope="module")
def template(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Home]:
    path = tmp_path_factory.mktemp("parity") / "home"
    store = import_demo(demo_files, path)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    subjects = store.read("subjects")
    props = store.read("properties")
    subject_id = str(subjects.loc[~subjects["on_licence_or_order"].fillna(False).astype(bool),
                                  "subject_id"].iloc[0])
    property_id = str(props.loc[props["property_type"] == "tenement_flat",
                                "property_id"].iloc[0])
    housed = str(subjects["current_property_id"].dropna().astype(str).iloc[0])
    home = Home(path, council, subject_id, property_id, housed)
    engine = home.engine()
    for role in ROLES:
        add_user(engine, f"user.{role}", role=role,
                 organisation=council if role in ("solo", "cjsw", "admin",
                                                  "childrens_social_work")
                 else parity_housing.LANDLORD if role == "rsl_link_officer"
                 else f"FICTIONAL {role} unit", password=PASSWORD)
        # every user signs in with a second factor (the Link Officer too, once enrolled)
        home.notes[f"totp:user.{role}"] = enrol_totp(engine, path, f"user.{role}")
    engine.dispose()
    yield home


def test_every_audited_operation_is_covered() -> None:
    audited = {name for name, rule in MATRIX.items() if rule.audited}
    assert {p.operation for p in OPERATIONS} == audited


def _run_cli(home: Home, args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_ERA_HOME", str(home.path))
    result = CliRunner().invoke(cli_app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output


def _sign_in(home: Home, role: str) -> str:
    """Sign ``user.<role>`` in over the API (password and second factor, the code's use
    audited): the bearer token."""
    engine = home.engine()
    username = f"user.{role}"
    with TestClient(create_app(Settings(home=home.path, login_attempts=50),
                               engine=engine)) as client:
        response = client.post(f"{PREFIX}/auth/token", data=sign_in_form(
            engine, username, PASSWORD, home.notes[f"totp:{username}"]))
    engine.dispose()
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _run_api(home: Home, parity: Parity, token: str) -> None:
    call = parity.api(home)
    engine = home.engine()
    with TestClient(create_app(Settings(home=home.path, login_attempts=50),
                               engine=engine)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        if call.files is not None:
            handles = [(name, (path.name, path.read_bytes())) for name, path in call.files]
            response = client.post(f"{PREFIX}{call.path}", files=handles, data=call.data,
                                   headers=headers)
        else:
            response = client.post(f"{PREFIX}{call.path}", json=call.json, headers=headers)
    engine.dispose()
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("parity", OPERATIONS, ids=[p.id for p in OPERATIONS])
def test_cli_and_api_leave_the_same_audit_entry(template: Home, parity: Parity,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    homes = [template.copy(tmp_path / "cli"), template.copy(tmp_path / "api")]
    counts, tokens = [], []
    for home in homes:
        if parity.prepare is not None:
            parity.prepare(home)
        # the same sign-in in both homes, so that both trails hold the same entries
        # before the call (an audit export names the range it returns)
        tokens.append(_sign_in(home, parity.role))
        engine = home.engine()
        counts.append(audit_count(engine))
        engine.dispose()
    _run_cli(homes[0], parity.cli(homes[0]), monkeypatch)
    _run_api(homes[1], parity, tokens[1])
    entries = []
    for home, before in zip(homes, counts, strict=True):
        engine = home.engine()
        new = audit_entries(engine)[before:]
        engine.dispose()
        assert len(new) == parity.entries, \
            f"{len(new)} audit entries for one {parity.operation}"
        entries.append(new)
    for cli_entry, api_entry in zip(*entries, strict=True):
        assert cli_entry.role == "operator" and api_entry.role == parity.role
        assert compared(cli_entry) == compared(api_entry)
