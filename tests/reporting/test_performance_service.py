"""The ERA performance report through the services and the API (R126, R131; R17 need to
know): the figures worked by hand come back as JSON, council staff get their own council
only (another reads as not found, the refusal audited), one audit entry per report, and
bad input answers a clear refusal, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import PREFIX, create_app
from sqlalchemy import Engine, select

from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store, session_scope
from geo_era.security.access import SECOND_FACTOR_ROLES
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from geo_era.settings import Settings
from tests.conftest import enrol_totp, sign_in_form
from tests.reporting.case_set import (
    ABERMORAY,
    BALDOUR,
    EXPECTED_ABERMORAY,
    EXPECTED_ALL,
    REVIEW_MONTHS,
    build_case_set,
    subjects_layer,
)

PASSWORD = "a long fictional passphrase"
WHY = "MAPPA strategic oversight group, quarterly ERA performance"
ROLES = {"omu_analyst": "FICTIONAL Police Scotland OMU", "solo": ABERMORAY,
         "cjsw": BALDOUR, "mappa_coordinator": "FICTIONAL MAPPA unit",
         "auditor": "FICTIONAL audit unit", "nhs_liaison": "FICTIONAL NHS",
         "rsl_link_officer": "FICTIONAL Housing", "admin": ABERMORAY}


@dataclass
class Site:
    client: TestClient
    engine: Engine
    tokens: dict[str, str]

    def ask(self, role: str, **body: Any) -> Any:
        return self.client.post(f"{PREFIX}/reports/performance",
                                headers={"Authorization": f"Bearer {self.tokens[role]}"},
                                json={"justification": WHY, **body})

    def entries(self) -> list[AuditEntry]:
        with session_scope(self.engine) as session:
            rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
            session.expunge_all()
            return rows


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("performance") / "home"
    engine = open_store(home)
    build_case_set(engine)
    LayerStore(home).replace({"subjects": subjects_layer()},
                             sources={"subjects": ["FICTIONAL test subjects"]})
    tokens = {}
    with TestClient(create_app(Settings(home=home, login_attempts=50,
                                        review_months=REVIEW_MONTHS),
                               engine=engine)) as client:
        for role, organisation in ROLES.items():
            add_user(engine, f"user.{role}", role=role, organisation=organisation,
                     password=PASSWORD)
            form = ({"username": f"user.{role}", "password": PASSWORD}
                    if role not in SECOND_FACTOR_ROLES else
                    sign_in_form(engine, f"user.{role}", PASSWORD,
                                 enrol_totp(engine, home, f"user.{role}")))
            response = client.post(f"{PREFIX}/auth/token", data=form)
            assert response.status_code == 200, response.text
            tokens[role] = response.json()["access_token"]
        yield Site(client, engine, tokens)
    engine.dispose()


def _tables(answer: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The answer's tables as the core's (a timeliness row declares both grouping
    columns; the one not grouped on is null; the waivers' meanings left aside)."""
    def kept(stem: str, key: str, value: object) -> bool:
        if stem.startswith("timeliness") and key in ("lead_agency", "council"):
            return value is not None
        return not (stem == "waivers" and key == "meaning")

    return {stem: [{k: v for k, v in r.items() if kept(stem, k, v)} for r in rows]
            for stem, rows in answer["tables"].items() if rows is not None}


@pytest.mark.parametrize("role", ["omu_analyst", "mappa_coordinator", "auditor"])
def test_the_figures_worked_by_hand_over_the_api(site: Site, role: str) -> None:
    """R126, R131: police, the coordinator and auditors get every council's figures, as
    worked by hand (the subjects layer and the review periods read from the site);
    one audit entry, a combination naming the report and no subject."""
    before = len(site.entries())
    answer = site.ask(role, year=2026)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert _tables(body) == EXPECTED_ALL
    assert (body["marking"], body["fictional"], body["start"], body["end"],
            body["authority"]) == ("OFFICIAL-SENSITIVE", True, "2025-04-01", "2026-03-31",
                                   None)
    assert "FICTIONAL-S" not in answer.text
    [entry] = site.entries()[before:]
    assert (entry.actor, entry.operation, entry.record_type, entry.record_ids,
            entry.justification, entry.outcome) == (
        f"user.{role}", "combination", "case", ["ERA performance all councils 2026"], WHY,
        "allowed")


def test_council_staff_get_their_own_council_only(site: Site) -> None:
    """R17, R126: the SOLO of Abermoray gets Abermoray's figures whether or not they name
    it; asking for Baldour reads as not found and the refusal is audited; CJSW of Baldour
    gets Baldour's."""
    for body in ({"year": 2026}, {"year": 2026, "authority": ABERMORAY.lower()}):
        answer = site.ask("solo", **body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["authority"] == ABERMORAY
        assert _tables(answer.json()) == EXPECTED_ABERMORAY
    before = len(site.entries())
    refused = site.ask("solo", year=2026, authority=BALDOUR)
    assert refused.status_code == 404
    assert "own council" in refused.json()["detail"]
    [denied] = site.entries()[before:]
    assert (denied.actor, denied.outcome, denied.record_ids) == (
        "user.solo", "denied", [f"ERA performance {BALDOUR} 2026"])
    theirs = site.ask("cjsw", year=2026)
    assert theirs.status_code == 200 and theirs.json()["authority"] == BALDOUR
    assert [r["case_type"] for r in theirs.json()["tables"]["timeliness_by_council"]] == [
        "annual_review", "initial_resident"]


@pytest.mark.parametrize("role", ["rsl_link_officer", "nhs_liaison", "admin"])
def test_others_are_refused_and_the_refusal_audited(site: Site, role: str) -> None:
    """R17: a landlord's Link Officer, a partner agency and the administrator are
    refused (403), the refusal audited, nothing of the figures in the answer."""
    before = len(site.entries())
    refused = site.ask(role, year=2026)
    assert refused.status_code == 403
    assert "timeliness" not in refused.text
    [denied] = site.entries()[before:]
    assert (denied.role, denied.outcome) == (role, "denied")


@pytest.mark.parametrize(("body", "status", "says"), [
    ({"year": 1999}, 422, "from 2000 to"),
    ({"year": 2100}, 422, "the year in which it ends on 31 March"),
    ({"year": 1989}, 422, "greater than or equal to 1990"),
    ({"year": 2026, "authority": "Atlantis"}, 422, "no council called 'Atlantis' is known"),
    ({"year": 2026, "justification": ""}, 422, "justification"),
    ({"year": "last"}, 422, "valid integer"),
    ({"year": 2026, "council": ABERMORAY}, 422, "council"),
])
def test_bad_input_is_refused_clearly(site: Site, body: dict[str, Any], status: int,
                                      says: str) -> None:
    """R131: a year outside 2000 to the current one, an unknown council, no
    justification, a wrong type or an unknown field: a clear refusal naming what is
    wrong, never a 500; no figures."""
    answer = site.ask("omu_analyst", **body)
    assert answer.status_code == status, answer.text
    assert says in answer.text
    assert "timeliness" not in answer.text
