"""Reviews (NASSO 3.3) and review triggers (3.4) as pages (issue 19, items 1 and 3): the
due list read with the purpose of the session and audited; a waiver recorded only after
its confirmation step, keeping the reasons on the way back; the triggers run only on
request, listed by subject with what to do; every other role refused."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from geo_era import clock
from geo_era.casework.reviews import review_criteria
from geo_era.casework.reviews import review_triggers as core_triggers
from geo_era.casework.triggers import KINDS
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import Case, Decision, ReviewWaiver, session_scope
from geo_era.workspace import Workspace
from tests.api.casepages import PURPOSE, CaseSite, case_site, error_beside, post
from tests.conftest import officer

REASONS = ("Moved to a care home with 24-hour staff; reviewed at the MAPPA meeting "
           "of 3 May, FICTIONAL")


def complete_an_era(site: CaseSite, days_ago: int = 500) -> str:
    """A housed subject meeting a 3.3 criterion whose last completed ERA (a Part C
    decision at their home) was ``days_ago`` days ago: due an annual review, overdue.
    Returns the subject id."""
    subjects = LayerStore(site.home).read("subjects")
    met = review_criteria(subjects)
    housed = subjects[subjects["current_property_id"].notna()]
    row = next(r for _, r in housed.iterrows() if met[str(r["subject_id"])])
    decided = clock.today() - dt.timedelta(days=days_ago)
    at = dt.datetime.combine(decided, dt.time(12), tzinfo=dt.UTC)
    with session_scope(site.engine) as session:
        case = Case(subject_id=str(row["subject_id"]), case_type="initial_resident",
                    lead_agency="police_scotland", notified_on=decided, due_on=decided,
                    status="approved", closed_at=at)
        session.add(case)
        session.flush()
        session.add(Decision(case_id=case.id, part="C",
                             property_id=str(row["current_property_id"]), manageable=True,
                             conclusion="manageable", reasons="checked, FICTIONAL",
                             recorded_by="x", agency="police_scotland", recorded_at=at))
    return str(row["subject_id"])


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[CaseSite]:
    built = case_site(demo_files, tmp_path_factory.mktemp("reviews") / "home")
    built.subject_id = complete_an_era(built)
    yield built
    built.engine.dispose()


def waivers(site: CaseSite) -> list[tuple[str, str, str]]:
    with session_scope(site.engine) as session:
        return [(w.subject_id, w.justification, w.recorded_by)
                for w in session.scalars(select(ReviewWaiver).order_by(ReviewWaiver.id))]


def listed(page: str) -> list[tuple[str, str]]:
    """The due list's (subject, status) rows, in order."""
    table = re.search(r'<table class="ds_table reviews-due">(.*?)</table>', page, re.S)
    assert table is not None, page[:3000]
    return [(s, re.sub(r"<[^>]+>", "", st).strip()) for s, st in re.findall(
        r"<tr[^>]*>\s*<td>([^<]+)</td>\s*<td>(.*?)</td>", table.group(1), re.S)]


def test_the_due_list_page(demo_files: list[Path], tmp_path: Path,
                           database_url: str) -> None:
    """The MAPPA coordinator's list: the subject whose last ERA was 500 days ago is
    overdue and first (R9, R10), every subject with no completed ERA needs one (R8);
    one audit entry, a consultation of the subjects listed with the session's purpose;
    a waiver form for the overdue review only; the start page's count links here.
    SQLite and PostgreSQL."""
    site = case_site(demo_files, tmp_path / "home", database_url)
    due = complete_an_era(site)
    everyone = LayerStore(site.home).read("subjects")["subject_id"].astype(str).tolist()
    mappa = site.client("mappa_coordinator")
    before = len(site.audit())
    page = mappa.get("/reviews")
    assert page.status_code == 200, page.text[:2000]
    rows = listed(page.text)
    assert rows[0] == (due, "overdue")
    assert sorted(rows[1:]) == sorted((s, "ERA required") for s in everyone if s != due)
    added = site.audit(before)
    assert [(e.operation, e.record_type, sorted(e.record_ids), e.justification)
            for e in added] == [("consultation", "subject", sorted(everyone), PURPOSE)]
    assert page.text.count('action="/reviews/waive"') == 1
    assert f'name="subject_id" value="{due}"' in page.text
    start = mappa.get("/").text
    assert re.search(r'<a href="/reviews"><span class="geo-count">\d+</span>', start)
    assert 'href="/reviews/triggers"' in start
    site.engine.dispose()


def test_a_waiver_needs_its_confirmation(site: CaseSite) -> None:
    """The first POST shows what will be recorded and writes nothing; going back keeps
    the reasons; reasons too short are refused beside them; with ``confirmed=yes`` the
    waiver is recorded with one audit entry (a collection of the subject, with the
    session's purpose), and the subject leaves the due list (R12, R10)."""
    mappa = site.client("mappa_coordinator")
    subject = site.subject_id
    before = (waivers(site), len(site.audit()))
    check = post(mappa, "/reviews/waive", {"subject_id": subject, "reasons": REASONS})
    assert check.status_code == 200, check.text[:2000]
    assert "Check the reasons before they are recorded" in check.text
    assert REASONS in check.text and 'name="confirmed" value="yes"' in check.text
    back = post(mappa, "/reviews/waive", {"subject_id": subject, "reasons": REASONS,
                                          "back": "yes"})
    assert back.status_code == 200
    assert re.search(r'id="waive-reasons"[^>]*>' + re.escape(REASONS) + "</textarea>",
                     back.text)
    short = post(mappa, "/reviews/waive", {"subject_id": subject, "reasons": "not needed"})
    assert short.status_code == 422
    beside = error_beside(short.text, "waive-reasons")
    assert beside is not None and "record the reasons in full" in beside
    assert ">not needed</textarea>" in short.text
    assert (waivers(site), len(site.audit())) == before  # nothing written yet
    done = post(mappa, "/reviews/waive", {"subject_id": subject, "reasons": REASONS,
                                          "confirmed": "yes"})
    assert done.status_code == 200, done.text[:2000]
    assert f"Reasons for not reviewing {subject} recorded" in done.text
    assert waivers(site) == [*before[0], (subject, REASONS, "mappa_coordinator")]
    added = site.audit(before[1])
    assert [(e.operation, e.record_type, e.record_ids, e.justification, e.actor)
            for e in added] == [("collection", "subject", [subject], PURPOSE,
                                 "mappa_coordinator")]
    assert subject not in [s for s, _ in listed(mappa.get("/reviews").text)]


def test_other_roles_and_the_reviews(site: CaseSite) -> None:
    """The analyst sees the list (no waiver form, its POST refused, nothing recorded);
    council staff and partner agencies are refused the list, the triggers and the
    waiver; the navigation offers Reviews only to the roles that may see it."""
    omu = site.client("omu_analyst")
    page = omu.get("/reviews")
    assert page.status_code == 200 and 'action="/reviews/waive"' not in page.text
    assert ">Reviews</a>" in page.text  # the navigation
    before = waivers(site)
    assert post(omu, "/reviews/waive", {"subject_id": site.subject_id, "reasons": REASONS,
                                        "confirmed": "yes"}).status_code == 403
    assert waivers(site) == before
    for role in ("solo", "cjsw", "nhs_liaison", "rsl_link_officer"):
        client = site.client(role)
        assert ">Reviews</a>" not in client.get("/").text, role
        for path in ("/reviews", "/reviews/triggers"):
            answer = client.get(path)
            assert answer.status_code == 403 and "Traceback" not in answer.text, (role, path)
        count = len(site.audit())
        assert post(client, "/reviews/triggers", {}).status_code == 403
        assert [(e.outcome, e.actor) for e in site.audit(count)] == [("denied", role)]
        assert post(client, "/reviews/waive", {"subject_id": site.subject_id,
                                               "reasons": REASONS,
                                               "confirmed": "yes"}).status_code == 403
    assert waivers(site) == before


def test_the_triggers_run_on_request(site: CaseSite) -> None:
    """Nothing runs or is audited on GET; the POST runs the triggers with the session's
    purpose (one consultation of the subjects named) and lists each trigger the core
    finds, by subject, with what to do (R13); a radius that is not one is refused
    beside its field, nothing run."""
    omu = site.client("omu_analyst")
    before = len(site.audit())
    form = omu.get("/reviews/triggers")
    assert form.status_code == 200 and 'id="triggers-radius_m"' in form.text
    assert "to consider for review" not in form.text and len(site.audit()) == before
    bad = post(omu, "/reviews/triggers", {"radius_m": "far"})
    assert bad.status_code == 422
    assert "from 50 to 2000" in (error_beside(bad.text, "triggers-radius_m") or "")
    assert len(site.audit()) == before
    page = post(omu, "/reviews/triggers", {"radius_m": "400"})
    assert page.status_code == 200, page.text[:2000]
    added = site.audit(before)
    expected = core_triggers(Workspace(LayerStore(site.home)), site.engine,
                             actor=officer(), radius_m=400.0).triggers
    subjects = list(dict.fromkeys(t["subject_id"] for t in expected))
    assert subjects, "the demo town's housed subjects, never assessed, are triggers"
    assert [(e.operation, e.record_type, e.record_ids, e.justification) for e in added] \
        == [("consultation", "subject", subjects, PURPOSE)]
    assert f"{len(subjects)} subject" in page.text
    for subject in subjects:
        section = re.search(rf'<h3 id="trigger-\d+">{re.escape(subject)}</h3>(.*?)</section>',
                            page.text, re.S)
        assert section is not None, subject
        shown = re.findall(r'<td><form method="post" action="/property".*?'
                           r'<button type="submit" class="link">([^<]+)</button></form></td>'
                           r'\s*<td>([^<]+)</td>',
                           section.group(1))
        assert [(p, html.unescape(k)) for p, k in shown] == [
            (t["property_id"], KINDS[t["kind"]]) for t in expected
                         if t["subject_id"] == subject]
        assert "Open a case for " + subject in section.group(1)

