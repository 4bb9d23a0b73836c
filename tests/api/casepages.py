"""The ground the casework pages' tests stand on: the demo town imported, an ERA case
opened for a FICTIONAL subject with two candidate properties (assessed), and a signed-in
TestClient per role (each with its second factor and a purpose of the session, council
staff in the case's council). :func:`post` sends a page form with its token as a
browser would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from geo_era_api.app import create_app
from sqlalchemy import Engine, select

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.db.store import open_store, session_scope
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from geo_era.settings import Settings
from tests.conftest import enrol_totp, form_token, import_demo, officer, sign_in_pages

PASSWORD = "a long fictional passphrase"
PURPOSE = "ERA for new accommodation, MAPPA meeting"
#: The role of each test user (the username), and its organisation; ``None`` stands for
#: the case's council (council staff are confined to it).
ROLES: dict[str, tuple[str, str | None]] = {
    "omu_analyst": ("omu_analyst", "FICTIONAL Police OMU"),
    "solo": ("solo", None),
    "cjsw": ("cjsw", None),
    "mappa_coordinator": ("mappa_coordinator", "FICTIONAL MAPPA Unit"),
    "nhs_liaison": ("nhs_liaison", "FICTIONAL NHS Inverallan"),
    "childrens_social_work": ("childrens_social_work", None),
    "education_officer": ("education_officer", None),
    "rsl_link_officer": ("rsl_link_officer", "Rowanlea Housing Association"),
    "rsl_case_officer": ("rsl_case_officer", "Rowanlea Housing Association"),
    "auditor": ("auditor", "FICTIONAL Audit Office"),
    "contractor": ("contractor", "FICTIONAL Allan Repairs Ltd"),
}
#: Test users of a role above under another name and organisation: name -> (role,
#: organisation).
OTHERS: dict[str, tuple[str, str]] = {
    "other_contractor": ("contractor", "FICTIONAL Other Repairs Ltd"),
    "other_link": ("rsl_link_officer", "FICTIONAL Other Housing Association"),
}


@dataclass
class CaseSite:
    """An app on the demo town with one open case (``case_id``) of two assessed
    candidates (``candidates``), its engine and home, and ``clients`` by role."""

    app: Any
    engine: Engine
    home: Path
    case_id: str
    subject_id: str
    candidates: list[str]
    authority: str
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, role: str) -> TestClient:
        """A TestClient signed in as the user of ``role`` (made on first use)."""
        if role not in self.clients:
            self.clients[role] = sign_in(self, role)
        return self.clients[role]

    def audit(self, since: int = 0) -> list[AuditEntry]:
        """The audit entries after the ``since``-th, oldest first."""
        with session_scope(self.engine) as session:
            rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
            session.expunge_all()
        return rows[since:]


def case_site(demo_files: list[Path], home: Path, database_url: str | None = None, *,
              agencies: tuple[str, ...] = ("cjsw", "nhs"), candidates: int = 2) -> CaseSite:
    """The demo town in ``home`` with one case opened by the police (the subject with
    children in their victim profile, so Children & Families and Education take part too)
    on ``candidates`` void flats of one council, assessed."""
    store = import_demo(demo_files, home)
    engine = open_store(home, database_url)
    subjects = store.read_attributes("subjects", ["subject_id", "victim_profile"])
    with_children = subjects["victim_profile"].fillna("").str.contains("children")
    subject = str(subjects.loc[with_children, "subject_id"].iloc[0])
    props = store.read_attributes("properties", ["property_id", "is_void"])
    voids = props.loc[props["is_void"].fillna(False).astype(bool), "property_id"].astype(str)
    case = open_assessed_case(store, engine, subject_id=subject,
                              property_ids=list(voids.iloc[:candidates]),
                              case_type="initial_new", notified=clock.today(),
                              agencies=list(agencies), actor=officer())
    app = create_app(Settings(home=home, database_url=database_url, login_attempts=50),
                     engine=engine)
    return CaseSite(app, engine, home, str(case["case_id"]), subject,
                    [str(a["property_id"]) for a in case["assessments"]],
                    str(case["authority"]))


def sign_in(site: CaseSite, role: str, *, purpose: str = PURPOSE) -> TestClient:
    """A new user of ``role`` (named after it), or one of :data:`OTHERS`, signed in on
    the pages with a purpose."""
    organisation: str | None
    if role in OTHERS:
        name, (role, organisation) = role, OTHERS[role]
    else:
        name, organisation = ROLES[role]
    add_user(site.engine, name, role=role, organisation=organisation or site.authority,
             password=PASSWORD)
    client = TestClient(site.app, raise_server_exceptions=False)  # a fault answers 500
    sign_in_pages(client, site.engine, name, PASSWORD, enrol_totp(site.engine, site.home, name),
                  purpose=purpose)
    return client


def post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    """A page form posted with its token, as the browser sends it."""
    return client.post(path, data={**form_token(client), **data})


def error_beside(page: str, field_id: str) -> str | None:
    """The refusal shown beside the field ``field_id`` (its error message element), or
    ``None``; asserts the error summary links to that field."""
    found = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    if found is None:
        return None
    assert f'href="#{field_id}"' in page, "the error summary does not link to the field"
    return found.group(1).strip()
