"""Regression tests for the findings of the penetration test (issue 17): each reproduces
the attack against the API (or the store) and shows it now fails.
REQUIREMENTS.md: need to know (R103, R104, R125), the receiving authority's consent (R65,
R66), what a landlord may be told (R60, R61).

Here: neighbours' household facts read without audit (finding 3), council scope
side-stepped through the receiving authority (finding 4), case changes answering with the
whole case (finding 5),
files at rest readable by other local users (finding 7, the home, the case database and
the layers), and the smaller ones of finding 8 (control characters in justifications,
non-ASCII case ids, restrictions on properties that do not exist) and of finding 6
(passwords of spaces, a short signing key in development). The other findings have
files of their own here: imports (1, test_import_attacks.py), the insider and the
reference matrix (2, test_insider.py, test_reference_matrix.py), sign-in (6,
test_sign_in.py, test_second_factor_browser.py), the keyed audit chain, the graph cache
and the docs page's policy (8, test_audit_chain.py, test_graph_cache.py,
test_docs_csp.py).
"""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import create_app
from geo_era_api.deps import PREFIX
from sqlalchemy import Engine, select

from geo_era import clock
from geo_era.db.store import open_store, session_scope
from geo_era.errors import ConfigurationError, DataError
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from geo_era.settings import Settings, load_settings
from tests.conftest import enrol_totp, import_demo, sign_in_form

PASSWORD = "a long fictional passphrase"
WHY = "ERA for a candidate property, MAPPA meeting"
OTHER = "FICTIONAL Other Council"
YESTERDAY = (clock.today() - dt.timedelta(days=1)).isoformat()


@dataclass
class Site:
    client: TestClient
    engine: Engine
    home: Path
    council: str
    subject_id: str
    property_id: str
    secrets: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def post(self, user: str, path: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
        token = self.tokens.get(user)
        if token is None:  # signed in once (a second-factor code works once)
            token = self.tokens[user] = self.client.post(f"{PREFIX}/auth/token", data=(
                sign_in_form(self.engine, user, PASSWORD, self.secrets[user])
                if user in self.secrets else {"username": user, "password": PASSWORD})
            ).json()["access_token"]
        response = self.client.post(f"{PREFIX}{path}", json=body,
                                    headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.json()


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("insider") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    add_user(engine, "here.solo", role="solo", organisation=council, password=PASSWORD)
    add_user(engine, "other.solo", role="solo", organisation=OTHER, password=PASSWORD)
    add_user(engine, "omu", role="omu_analyst", organisation="FICTIONAL OMU",
             password=PASSWORD)
    add_user(engine, "link", role="rsl_link_officer", organisation="FICTIONAL Homes",
             password=PASSWORD)
    subjects = store.read("subjects")
    subject_id = str(subjects["subject_id"].iloc[0])
    property_id = str(store.read_attributes("properties", ["property_id"])
                      ["property_id"].iloc[0])
    secrets = {user: enrol_totp(engine, home, user) for user in ("here.solo", "other.solo",
                                                                  "omu")}
    with TestClient(create_app(Settings(home=home, login_attempts=50), engine=engine)) as c:
        yield Site(c, engine, home, council, subject_id, property_id, secrets)
    engine.dispose()


def _open(site: Site, user: str, **authorities: str) -> tuple[int, dict[str, object]]:
    return site.post(user, "/cases/open", {
        "subject_id": site.subject_id, "property_ids": [site.property_id],
        "notified": YESTERDAY, **authorities})


def test_council_staff_cannot_claim_another_councils_property(site: Site) -> None:
    """Finding 4: a SOLO of another council named their own council as the receiving
    authority of a property in this one, and so could see and consent to the case."""
    code, answer = _open(site, "other.solo", placing_authority=site.council,
                         receiving_authority=OTHER)
    assert code == 409, answer
    assert f"is {site.council}, where the property lies" in str(answer["detail"])


def test_placing_council_cannot_give_the_receiving_councils_consent(site: Site) -> None:
    """Finding 4: placing from their own council is allowed, but the consent belongs to
    the council where the property lies."""
    code, answer = _open(site, "other.solo", placing_authority=OTHER,
                         receiving_authority=site.council)
    assert code == 200, answer
    case_id = answer["case_id"]
    code, answer = site.post("other.solo", "/cases/consent", {"case_id": case_id})
    assert code == 409 and "only the receiving authority" in str(answer["detail"])
    code, answer = site.post("here.solo", "/cases/consent", {"case_id": case_id})
    assert code == 200, answer


def test_the_home_and_everything_in_it_are_owner_only(site: Site) -> None:
    """Finding 7: the case database and its WAL, the layers and the catalog were 0644."""
    assert stat.S_IMODE(site.home.stat().st_mode) == 0o700
    files = [p for p in site.home.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert "geo_era.db" in names and "geo_era.db-wal" in names
    assert any(p.parent.name == "layers" for p in files)
    loose = {str(p.relative_to(site.home)): oct(stat.S_IMODE(p.stat().st_mode))
             for p in files if stat.S_IMODE(p.stat().st_mode) & 0o077}
    assert loose == {}


def test_an_existing_home_is_closed_when_opened(tmp_path: Path) -> None:
    home = tmp_path / "old-home"
    home.mkdir(mode=0o755)
    (home / "geo_era.db").touch(mode=0o644)
    open_store(home).dispose()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "geo_era.db").stat().st_mode) == 0o600


@pytest.mark.parametrize("bad", ["\x1b[2J\x1b[Hall clear, nothing to see here",
                                 "ERA for a property\x00 hidden",
                                 "ERA for a property \u202e reversed text"])
def test_control_characters_never_reach_the_audit_trail(site: Site, bad: str) -> None:
    """Finding 8: ANSI escapes and control characters were stored in justifications,
    to rewrite an auditor's terminal."""
    code, answer = site.post("omu", "/check", {"subject_id": site.subject_id,
                                               "property_id": site.property_id,
                                               "justification": bad})
    assert code == 422, answer
    with session_scope(site.engine) as session:
        stored = session.scalars(select(AuditEntry.justification)).all()
    assert not any(text and any(c in text for c in "\x1b\x00\u202e") for text in stored)


def test_case_ids_are_ascii_digits(site: Site) -> None:
    """Finding 8: Arabic-Indic digits were read as a case number."""
    code, _ = site.post("omu", "/cases/show", {"case_id": "ERA-\u0661\u0662",
                                               "justification": WHY})
    assert code == 422
    from geo_era.casework.cases import parse_case_id

    with pytest.raises(DataError, match="not a case reference"):
        parse_case_id("\u0661\u0662")


def test_a_restriction_names_a_real_property(site: Site) -> None:
    """Finding 8: a restriction on a property that does not exist was recorded."""
    code, answer = _open(site, "omu")
    assert code == 200, answer
    code, answer = site.post("omu", "/cases/restrict", {
        "case_id": answer["case_id"], "property_id": "NO-SUCH-PROPERTY",
        "restriction": "no children under 16"})
    assert code == 404 and "not found in layer 'properties'" in str(answer["detail"])


@pytest.mark.parametrize("password", [" " * 12, " " * 20, "a" * 16, "abab" * 4])
def test_passwords_of_spaces_or_one_character_are_refused(site: Site, password: str) -> None:
    """Finding 6: a password of twelve spaces was accepted."""
    with pytest.raises(DataError, match="too short or too simple"):
        add_user(site.engine, "weak.user", role="auditor", organisation="FICTIONAL",
                 password=password)


def test_a_short_signing_key_is_refused_in_development(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    """Finding 6: with several workers in development a 3-character key signed the
    tokens, and was found offline from one token."""
    monkeypatch.setenv("GEO_ERA_HOME", str(tmp_path))
    monkeypatch.setenv("GEO_ERA_SECRET_KEY", "abc")
    with pytest.raises(ConfigurationError, match="at least 32 random characters"):
        load_settings()


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _last_entry(site: Site) -> AuditEntry:
    with session_scope(site.engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        session.expunge(entry)
        return entry


def test_neighbours_households_need_a_justification_and_are_audited(site: Site) -> None:
    """Finding 3: /parameters gave whether each neighbouring household has children or
    an adult at risk, with no justification and no audit entry."""
    household = {"household", "children_in_household", "adult_at_risk_in_household",
                 "occupants"}
    code, plain = site.post("omu", "/parameters", {"property_id": site.property_id})
    assert code == 200 and plain["properties"]
    assert _keys(plain) & household == set()
    entry = _last_entry(site)
    assert (entry.record_type, entry.record_ids, entry.justification) == (
        "minimum_set", [site.property_id], None)
    code, full = site.post("omu", "/parameters", {"property_id": site.property_id,
                                                  "justification": WHY})
    assert code == 200 and "household" in _keys(full)
    entry = _last_entry(site)
    assert (entry.record_type, entry.record_ids, entry.justification, entry.actor) == (
        "household", [site.property_id], WHY, "omu")


def test_a_link_officer_cannot_ask_by_subject(site: Site) -> None:
    """Finding 2: /check answered a Link Officer for any subject and property, a yes/no
    oracle for where a subject's zones and conditions bite."""
    code, answer = site.post("link", "/check", {"subject_id": site.subject_id,
                                                "property_id": site.property_id,
                                                "justification": WHY})
    assert code == 403 and site.subject_id not in str(answer)
    entry = _last_entry(site)
    assert (entry.actor, entry.outcome, entry.record_ids) == (
        "link", "denied", [site.subject_id, site.property_id])


def test_unknown_ids_read_alike_and_are_audited(site: Site) -> None:
    """Finding 2: an unknown subject id got a 404 naming the layer and its row count,
    and was not audited: a way to confirm which subject ids exist."""
    answers = []
    for subject, prop in ((site.subject_id, "NO-SUCH-PROPERTY"),
                          ("FICTIONAL-S999999", site.property_id)):
        code, answer = site.post("omu", "/check", {"subject_id": subject,
                                                   "property_id": prop,
                                                   "justification": WHY})
        assert code == 404
        answers.append(answer)
        entry = _last_entry(site)
        assert (entry.outcome, entry.record_ids) == ("denied", [subject, prop])
    assert answers[0] == answers[1]
    assert "rows" not in str(answers[0]) and "layer" not in str(answers[0])


def test_screening_an_unknown_subject_reads_like_any_miss(site: Site) -> None:
    """Finding 2: screening answered an unknown subject id naming the subjects layer and
    its row count, without an audit entry."""
    code, answer = site.post("omu", "/voids/screen", {"subject_id": "FICTIONAL-S999999",
                                                      "justification": WHY})
    assert code == 404 and "rows" not in str(answer) and "layer" not in str(answer)
    entry = _last_entry(site)
    assert (entry.outcome, entry.record_ids) == ("denied", ["FICTIONAL-S999999"])


ACK = {"case_id", "recorded", "status", "due", "note"}


def test_case_changes_without_a_justification_answer_with_an_acknowledgement(
        site: Site) -> None:
    """Finding 5: open, assess, check, agree and restrict answered with the whole case
    (subject, conflicts, households) and no justification. Now they acknowledge only;
    the whole case comes with a justification, as reading it would."""
    status, opened = site.post("omu", "/cases/open", {
        "subject_id": site.subject_id, "property_ids": [site.property_id],
        "notified": YESTERDAY})
    assert status == 200, opened
    assert set(opened) == ACK and opened["recorded"] == "case_open"
    case = str(opened["case_id"])
    steps = [("/cases/assess", {"property_id": site.property_id}),
             ("/cases/check", {"kind": "database", "item": "visor", "outcome": "clear"}),
             ("/cases/agree", {"agrees": True}),
             ("/cases/restrict", {"property_id": site.property_id,
                                  "restriction": "no household with children"})]
    for path, body in steps:
        status, answer = site.post("omu", path, {"case_id": case, **body})
        assert status == 200, (path, answer)
        assert set(answer) == ACK, path
        assert site.subject_id not in str(answer)
    status, whole = site.post("omu", "/cases/agree", {"case_id": case, "agrees": True,
                                                      "justification": WHY})
    assert status == 200 and whole["subject_id"] == site.subject_id
    assert {"agencies", "assessments", "restrictions"} <= set(whole)
