"""The ViSOR extract through every door (NASSO 3.3, 3.11; R7, R17, R104, R132 in
REQUIREMENTS.md): the API (text as JSON, and PDF), the command line run as a user runs
it, and the case page's form, on the demo town with a case decided at Part D.

The extract's content is tested in tests/reporting/test_visor.py; here, that each door
gives the same extract to exactly the roles that may have it, writes one ``disclosure``
audit entry naming ViSOR, refuses a case not decided (409) and answers a case of
another council exactly as one that does not exist (404, the refusal audited).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import PREFIX
from sqlalchemy import select

from geo_era import clock
from geo_era.casework.cases import decide, open_case, record_agreement
from geo_era.casework.out_of_area import record_era_held
from geo_era.db.store import WrittenFile, session_scope
from geo_era.reporting.visor import RECIPIENT
from geo_era.security.users import add_user
from tests.api.casepages import PASSWORD, CaseSite, case_site, post
from tests.cli.test_cli import geo_era
from tests.conftest import enrol_totp, officer, sign_in_form

WHY = "ERA decided at conference: Part D to the ViSOR activity log"
REASONS = "FICTIONAL: the conference found the route to the town centre unmanaged"
COMMENTS = "FICTIONAL-COMMENT-V5: a family with young children upstairs"
OTHER_COUNCIL = "FICTIONAL Other Council"


@dataclass
class World:
    site: CaseSite
    decided: str
    waiting: str
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def world(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    site = case_site(demo_files, tmp_path_factory.mktemp("visor-doors") / "home")
    engine, case = site.engine, site.case_id
    record_agreement(engine, case, agency="solo", agrees=False, actor=officer(),
                     comments=COMMENTS)
    decide(engine, case, agency="police_scotland", property_id=site.candidates[0],
           manageable=False, conclusion="FICTIONAL: not manageable", reasons=REASONS,
           conference_on=clock.today(), actor=officer("chair"))
    record_era_held(engine, case, agency="police_scotland", system="FICTIONAL iVPD",
                    reference="ERA/2026/0099", actor=officer("omu.records"))
    waiting = str(open_case(engine, subject_id=site.subject_id,
                            property_ids=[site.candidates[1]], case_type="initial_new",
                            notified=clock.today(), on_licence_or_order=False,
                            authority=site.authority, actor=officer())["case_id"])
    users = {"api.omu": ("omu_analyst", "FICTIONAL Police OMU"),
             "api.cjsw": ("cjsw", site.authority), "api.solo": ("solo", site.authority),
             "api.other": ("cjsw", OTHER_COUNCIL)}
    tokens = {}
    with TestClient(site.app) as client:
        for name, (role, organisation) in users.items():
            add_user(engine, name, role=role, organisation=organisation, password=PASSWORD)
            secret = enrol_totp(engine, site.home, name)
            answer = client.post(f"{PREFIX}/auth/token",
                                 data=sign_in_form(engine, name, PASSWORD, secret))
            assert answer.status_code == 200, answer.text
            tokens[name] = answer.json()["access_token"]
    yield World(site, case, waiting, tokens)
    engine.dispose()


def ask(world: World, user: str, **body: Any) -> Any:
    with TestClient(world.site.app, raise_server_exceptions=False) as client:
        return client.post(f"{PREFIX}/cases/visor-extract",
                           headers={"Authorization": f"Bearer {world.tokens[user]}"},
                           json={"justification": WHY, **body})


def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    return " ".join(" ".join(document[i].get_textpage().get_text_range().split())
                    for i in range(len(document)))


def test_the_api_gives_the_text_and_the_pdf_each_one_disclosure(world: World) -> None:
    """R7, R104: as JSON with its text, and as PDF; each one audited disclosure naming
    ViSOR, with the reason given."""
    site = world.site
    for user, fmt in (("api.omu", "text"), ("api.cjsw", "pdf")):
        since = len(site.audit())
        answer = ask(world, user, case_id=world.decided, format=fmt)
        assert answer.status_code == 200, answer.text
        if fmt == "text":
            body = answer.json()
            assert body["parts"] == ["D"] and body["recipient"] == RECIPIENT
            assert body["held"]["system"] == "FICTIONAL iVPD"
            text = " ".join(body["text"].split())
        else:
            assert answer.headers["content-type"] == "application/pdf"
            assert answer.content.startswith(b"%PDF")
            text = pdf_text(answer.content)
        assert REASONS in text and "ERA/2026/0099" in text and "OFFICIAL-SENSITIVE" in text
        assert COMMENTS not in text and site.subject_id not in text
        new = site.audit(since)
        assert [(e.actor, e.operation, e.record_type, e.recipients, e.justification)
                for e in new] == [(user, "disclosure", "case", [RECIPIENT], WHY)]
        assert new[0].record_ids == [world.decided, site.subject_id]


def test_the_api_refuses_clearly_and_leaks_nothing(world: World) -> None:
    """R7: a case not decided is refused (409) with what is needed, nothing recorded; a
    case of another council reads exactly as one that does not exist (404), the refusal
    audited; the SOLO is refused (403, audited); a bad format never reaches the core."""
    site = world.site
    since = len(site.audit())
    waiting = ask(world, "api.omu", case_id=world.waiting)
    assert waiting.status_code == 409 and "not decided" in waiting.text
    assert site.audit(since) == []
    other = ask(world, "api.other", case_id=world.decided)
    missing = ask(world, "api.other", case_id="ERA-999999")
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"].replace(world.decided, "X") == \
        missing.json()["detail"].replace("ERA-999999", "X")
    assert site.subject_id not in other.text
    denied = site.audit(since)
    assert [(e.actor, e.outcome, e.record_ids) for e in denied] == [
        ("api.other", "denied", [world.decided])]
    since = len(site.audit())
    solo = ask(world, "api.solo", case_id=world.decided)
    assert solo.status_code == 403 and site.subject_id not in solo.text
    assert [(e.actor, e.outcome) for e in site.audit(since)] == [("api.solo", "denied")]
    bad = ask(world, "api.omu", case_id=world.decided, format="docx")
    assert bad.status_code == 422
    assert ask(world, "api.omu", case_id=world.decided, justification="").status_code == 422


def test_the_command_line_prints_or_writes_it_owner_only(world: World,
                                                         tmp_path: Path) -> None:
    """R7, R104: ``geo-era case visor-extract`` prints the text, or writes .txt/.pdf
    whole and 0600 (registered for weeding with its case); an unknown suffix is refused
    before the case is read; no justification, refused. One disclosure each."""
    site = world.site
    since = len(site.audit())
    printed = geo_era("case", "visor-extract", world.decided, "--justification", WHY,
                      home=site.home)
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert lines[0] == lines[-1] == "OFFICIAL-SENSITIVE"
    assert REASONS in " ".join(printed.stdout.split())
    text_file, pdf_file = tmp_path / "visor.txt", tmp_path / "visor.pdf"
    for out in (text_file, pdf_file):
        done = geo_era("case", "visor-extract", world.decided, "--out", str(out),
                       "--justification", WHY, home=site.home)
        assert done.returncode == 0, done.stderr
        assert f"to {out}" in done.stdout
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    written = text_file.read_text(encoding="utf-8").splitlines()
    made = [i for i, line in enumerate(lines) if line.startswith("Extract made:")]
    assert [x for i, x in enumerate(written) if i not in made] == \
        [x for i, x in enumerate(lines) if i not in made]
    assert REASONS in pdf_text(pdf_file.read_bytes())
    assert [e.operation for e in site.audit(since)] == ["disclosure"] * 3
    with session_scope(site.engine) as session:
        kinds = session.scalars(select(WrittenFile.path).where(
            WrittenFile.kind == "visor_extract")).all()
    assert {str(text_file.resolve()), str(pdf_file.resolve())} <= set(kinds)
    since = len(site.audit())
    wrong = geo_era("case", "visor-extract", world.decided, "--out",
                    str(tmp_path / "visor.docx"), "--justification", WHY, home=site.home)
    assert wrong.returncode != 0 and ".txt or .pdf" in wrong.stderr
    assert "Traceback" not in wrong.stderr and not (tmp_path / "visor.docx").exists()
    unjustified = geo_era("case", "visor-extract", world.decided, home=site.home)
    assert unjustified.returncode != 0 and "justification" in unjustified.stderr
    assert site.audit(since) == []


def test_the_case_page_shows_the_extract_to_copy_and_the_pdf(world: World) -> None:
    """R7: on a decided case the police and CJSW see the form; the text comes back in a
    <pre> with a copy hint and its reason audited as a disclosure; the PDF too; roles
    without ViSOR (SOLO, coordinator, NHS) see no form and are refused if they post."""
    site = world.site
    omu = site.client("omu_analyst")
    page = post(omu, "/case", {"case_id": world.decided}).text
    assert "ViSOR extract (NASSO 3.3)" in page and 'action="/case/visor-extract"' in page
    for role in ("solo", "mappa_coordinator", "nhs_liaison"):
        other = post(site.client(role), "/case", {"case_id": world.decided})
        assert 'action="/case/visor-extract"' not in other.text, role
    assert 'action="/case/visor-extract"' not in post(
        omu, "/case", {"case_id": world.waiting}).text  # nothing decided yet
    since = len(site.audit())
    shown = post(omu, "/case/visor-extract", {"case_id": world.decided,
                                              "justification": WHY, "format": "text"})
    assert shown.status_code == 200
    assert '<pre class="visor-extract" id="visor-text"' in shown.text
    assert "Select all of the text below and copy it" in shown.text
    assert REASONS in shown.text and "ERA/2026/0099" in shown.text
    assert [(e.operation, e.justification) for e in site.audit(since)
            if e.operation == "disclosure"] == [("disclosure", WHY)]
    pdf = post(site.client("cjsw"), "/case/visor-extract",
               {"case_id": world.decided, "justification": WHY, "format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    assert REASONS in pdf_text(pdf.content)
    since = len(site.audit())
    refused = post(omu, "/case/visor-extract", {"case_id": world.decided,
                                                "justification": "", "format": "text"})
    assert refused.status_code == 422 and 'id="visor-justification-error"' in refused.text
    assert [e.operation for e in site.audit(since)] == ["consultation"]  # the page again
    undecided = post(omu, "/case/visor-extract", {"case_id": world.waiting,
                                                  "justification": WHY})
    assert undecided.status_code == 422 and "not decided" in undecided.text
    solo = post(site.client("solo"), "/case/visor-extract",
                {"case_id": world.decided, "justification": WHY})
    assert solo.status_code == 403 and "<pre" not in solo.text
