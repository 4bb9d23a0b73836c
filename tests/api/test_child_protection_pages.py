"""Child protection links on the pages (the Dorset MAPPA procedure §4, §13, §17) as each
role: the police record a referral (a refusal beside its field, nothing written) and a
notice to Education; Children & Families see their council's referrals, record what
came of one and their initial checks; Education see the notices and nothing of the
referrals; other agencies neither page. R111, R115, R116."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.casepages import CaseSite, case_site, error_beside, post
from tests.conftest import iso_today

REASON = "FICTIONAL: a risk to the child of the new partner of the subject"


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[CaseSite]:
    ground = case_site(demo_files, tmp_path_factory.mktemp("cp") / "home")
    yield ground
    ground.engine.dispose()


def test_r111_referral_recorded_on_the_page_then_its_outcome(site: CaseSite) -> None:
    """R111: the police record a referral on the case (a date in the future refused
    beside its field, nothing written); Children & Families see it and record the
    child protection planning meeting the Offender Manager attended."""
    police = site.client("omu_analyst")
    assert 'href="/child-protection"' in police.get("/").text
    since = len(site.audit())
    bad = post(police, "/child-protection/referral", {
        "case_id": site.case_id, "referred_on": "2999-01-01", "reason": REASON})
    assert bad.status_code == 422
    assert "in the future" in (error_beside(bad.text, "referral-referred_on") or "")
    assert REASON in bad.text  # what was typed comes back
    assert [e.operation for e in site.audit(since)] == ["consultation"]
    done = post(police, "/child-protection/referral", {
        "case_id": site.case_id, "referred_on": iso_today(), "reason": REASON})
    assert done.status_code == 200, done.text[:500]
    # the other tests here write child protection records of their own, in any order
    found = re.search(r"(CPL-\d{6}) recorded\.", done.text)
    assert found and site.subject_id in done.text
    reference = found.group(1)
    assert [e.operation for e in site.audit(since + 1)][:1] == ["disclosure"]

    children = site.client("childrens_social_work")
    page = children.get("/child-protection")
    assert page.status_code == 200 and REASON in page.text
    assert 'action="/child-protection/outcome"' in page.text
    assert 'action="/child-protection/referral"' not in page.text
    recorded = post(children, "/child-protection/outcome", {
        "reference": reference, "outcome": "planning_meeting", "outcome_on": iso_today(),
        "om_attended": "yes"})
    assert recorded.status_code == 200, recorded.text[:500]
    assert "child protection planning meeting (case conference)" in recorded.text
    assert "Offender Manager attended" in recorded.text


def test_r115_initial_checks_by_children_and_families(site: CaseSite) -> None:
    """R115: Children & Families record their initial checks on a registered subject
    (findings too short: refused beside the box); the police may not."""
    children = site.client("childrens_social_work")
    short = post(children, "/child-protection/checks", {
        "subject_id": site.subject_id, "notified_on": iso_today(), "checked_on": iso_today(),
        "database_checked": "yes", "findings": "none", "concerns": "no"})
    assert short.status_code == 422
    assert "at least 10 characters" in (error_beside(short.text, "checks-findings") or "")
    done = post(children, "/child-protection/checks", {
        "subject_id": site.subject_id, "notified_on": iso_today(), "checked_on": iso_today(),
        "database_checked": "yes", "concerns": "yes",
        "findings": "FICTIONAL: a child known to the service two doors along"})
    assert done.status_code == 200, done.text[:500]
    assert "initial checks" in done.text and "concerns identified" in done.text
    police = site.client("omu_analyst")
    assert 'action="/child-protection/checks"' not in police.get("/child-protection").text


def test_r116_notice_to_education_seen_by_education_only(site: CaseSite) -> None:
    """R116: the police record a notice to the nominated Education contact; the
    Education officer of the council reads it and cannot open the referrals page; an
    NHS liaison officer opens neither."""
    police = site.client("omu_analyst")
    done = post(police, "/child-protection/notice", {
        "case_id": site.case_id, "ground": "lives_near_school",
        "school": "FICTIONAL Kirkton Primary", "contact": "FICTIONAL J. Reid",
        "notified_on": iso_today(), "said": "FICTIONAL: lives 200 m from the school gates"})
    assert done.status_code == 200, done.text[:500]
    education = site.client("education_officer")
    start = education.get("/").text
    assert 'href="/child-protection/notices"' in start
    assert 'href="/child-protection"' not in start
    notices = education.get("/child-protection/notices")
    assert notices.status_code == 200
    assert "FICTIONAL Kirkton Primary" in notices.text and "living near the school" in notices.text
    assert REASON not in notices.text
    assert 'action="/child-protection/notice"' not in notices.text
    assert education.get("/child-protection").status_code == 403
    nhs = site.client("nhs_liaison")
    for path in ("/child-protection", "/child-protection/notices"):
        refused = nhs.get(path)
        assert refused.status_code == 403 and site.subject_id not in refused.text
