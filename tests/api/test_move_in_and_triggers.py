"""Moving in and the review triggers over the HTTP API (issue 18, items 5 and 6): the move
in after Part C, by council staff on their own council's case, with an acknowledgement
without a justification and the move with one; then the allocation check over the API
flags the new home's neighbour. The triggers by subject for police and the MAPPA
coordinator, with a justification, one audit entry; refused (and audited) for council
staff. R8, R13, R68."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import PREFIX, create_app
from sqlalchemy import Engine, func, select

from geo_era import clock
from geo_era.casework.cases import open_case
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import PlacementMove, open_store, session_scope
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from geo_era.settings import Settings
from geo_era.workspace import Workspace
from tests.casework.test_checks_per_property import agree, check_all, part_c
from tests.casework.test_move_in import _new_home
from tests.conftest import enrol_totp, import_demo, iso_today, officer, sign_in_form
from tests.dwelling_visits import visit_every_dwelling

PASSWORD = "a long fictional passphrase"
WHY = "ERA follow-up for the MAPPA review meeting"
ROLES = ("omu_analyst", "solo", "mappa_coordinator")


@dataclass
class Api:
    client: TestClient
    engine: Engine
    store: LayerStore
    council: str
    tokens: dict[str, str]

    def post(self, role: str, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(f"{PREFIX}{path}", json=body,
                                headers={"Authorization": f"Bearer {self.tokens[role]}"})

    def audit(self) -> list[AuditEntry]:
        with session_scope(self.engine) as session:
            return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


@pytest.fixture(scope="module")
def api(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    home = tmp_path_factory.mktemp("api-move-in") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    secrets = {}
    for role in ROLES:
        add_user(engine, f"user.{role}", role=role, password=PASSWORD,
                 organisation=council if role == "solo" else f"FICTIONAL {role} unit")
        secrets[role] = enrol_totp(engine, home, f"user.{role}")
    with TestClient(create_app(Settings(home=home, login_attempts=50),
                               engine=engine)) as client:
        tokens = {}
        for role in ROLES:
            response = client.post(f"{PREFIX}/auth/token", data=sign_in_form(
                engine, f"user.{role}", PASSWORD, secrets[role]))
            assert response.status_code == 200, response.text
            tokens[role] = response.json()["access_token"]
        yield Api(client, engine, store, council, tokens)
    engine.dispose()


def approved_case(api: Api, subject: str, home: str) -> str:
    workspace = Workspace(api.store)
    case = str(open_case(api.engine, subject_id=subject, property_ids=[home],
                         case_type="initial_new", notified=clock.today(), on_licence_or_order=False,
                         today=clock.today(), assess=workspace.assess, authority=api.council,
                         actor=officer())["case_id"])
    check_all(api.engine, case, home)
    visit_every_dwelling(api.engine, case, home)
    agree(api.engine, case)
    part_c(api.engine, case, home)
    return case


def test_moving_in_over_the_api_reaches_the_allocation_check(api: Api) -> None:
    """R8, R68: a SOLO records the move in on their council's approved case; without a
    justification the answer names nothing of the case; the allocation check over the
    API then flags the void of the new home's minimum set naming the subject."""
    workspace = Workspace(api.store)
    subject = str(api.store.read("subjects")["subject_id"].iloc[0])
    home, void = _new_home(workspace, subject)
    check = {"property_ids": [void], "justification": WHY}
    before = api.post("omu_analyst", "/voids/allocation-check", check)
    assert before.status_code == 200, before.text
    assert before.json()["voids"][0]["sensitive_allocation"] is False
    case = approved_case(api, subject, home)
    refused = api.post("solo", "/cases/move-in", {
        "case_id": case, "property_id": home,
        "moved_in_on": "2026-01-01" if iso_today() > "2026-01-01" else "2025-01-01"})
    assert refused.status_code == 409 and "before the Part C decision" in refused.text
    done = api.post("solo", "/cases/move-in", {"case_id": case, "property_id": home,
                                               "moved_in_on": iso_today()})
    assert done.status_code == 200, done.text
    assert done.json()["recorded"] == "case_move_in" and subject not in done.text
    entry = api.audit()[-1]
    assert (entry.actor, entry.operation, entry.record_ids) == (
        "user.solo", "collection", [case, subject])
    after = api.post("omu_analyst", "/voids/allocation-check", check)
    reasons = after.json()["voids"][0]["sensitive_because"]
    assert [(r["kind"], r["subject_id"]) for r in reasons] == [("minimum_set", subject)]
    with session_scope(api.engine) as session:
        assert session.scalar(select(func.count()).select_from(PlacementMove).where(
            PlacementMove.case_reference == case)) == 1  # the module's other tests move too


def test_the_move_with_a_justification_and_a_bad_date(api: Api) -> None:
    """R8: with a justification the answer is the move; a date that is not a date is
    refused before anything is written."""
    workspace = Workspace(api.store)
    subjects = api.store.read("subjects")["subject_id"].astype(str).tolist()
    home, _void = _new_home(workspace, subjects[1])
    case = approved_case(api, subjects[1], home)
    count = len(api.audit())
    bad = api.post("solo", "/cases/move-in", {"case_id": case, "property_id": home,
                                              "moved_in_on": "31/12/2026"})
    assert bad.status_code == 422 and len(api.audit()) == count
    done = api.post("omu_analyst", "/cases/move-in", {
        "case_id": case, "property_id": home, "moved_in_on": iso_today(),
        "justification": WHY})
    assert done.status_code == 200, done.text
    assert {k: done.json()[k] for k in ("case_id", "subject_id", "property_id", "part",
                                        "out_of_area")} == {
        "case_id": case, "subject_id": subjects[1], "property_id": home, "part": "C",
        "out_of_area": None}


def test_triggers_over_the_api(api: Api) -> None:
    """R13 (d): police and the coordinator get the triggers by subject and kind, with a
    justification, recorded as one consultation of the subjects named; council staff
    are refused (audited); no justification is refused before anything runs."""
    count = len(api.audit())
    unjustified = api.post("omu_analyst", "/reviews/triggers", {})
    assert unjustified.status_code == 422 and len(api.audit()) == count
    refused = api.post("solo", "/reviews/triggers", {"justification": WHY})
    assert refused.status_code == 403
    assert [(e.actor, e.outcome) for e in api.audit()[count:]] == [("user.solo", "denied")]
    for role in ("omu_analyst", "mappa_coordinator"):
        answer = api.post(role, "/reviews/triggers", {"justification": WHY})
        assert answer.status_code == 200, answer.text
        run = answer.json()
        assert run["triggers"] and {t["kind"] for t in run["triggers"]} <= {
            "conflict_at_home", "never_assessed", "environment", "household",
            "subject_record"}
        assert run["subjects_to_review"] == len({t["subject_id"] for t in run["triggers"]})
        entry = api.audit()[-1]
        assert (entry.actor, entry.operation, entry.record_type, entry.justification) == (
            f"user.{role}", "consultation", "subject", WHY)
        assert sorted(entry.record_ids) == sorted({t["subject_id"] for t in run["triggers"]})
