"""Disclosure decisions as pages (issue 20, item 4): Children & Families refused a
decision outside child protection with the reason beside the field and nothing
written, then recording one and reading it back without the subject; the police giving
a landlord a restriction's wording, which its Link Officer then sees on the allocations
page for that void alone; Keeping Children Safe applications; other roles refused.
REQUIREMENTS.md: R98, R100, R112."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from geo_era.casework.cases import record_restriction
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import DisclosureDecision, Restriction, session_scope
from tests.api.casepages import CaseSite, case_site, error_beside, post
from tests.conftest import iso_today, officer

LANDLORD = "Rowanlea Housing Association"


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[CaseSite]:
    built = case_site(demo_files, tmp_path_factory.mktemp("disclosures") / "home")
    yield built
    built.engine.dispose()


def decisions(site: CaseSite) -> int:
    with session_scope(site.engine) as session:
        return int(session.scalar(select(func.count()).select_from(DisclosureDecision))
                   or 0)


def decision_form(site: CaseSite, **fields: str) -> dict[str, str]:
    return {"purpose": "disclosure", "subject_id": site.subject_id,
            "council": site.authority, "recipient_type": "parent",
            "recipient": "FICTIONAL a pupil's mother", "disclose": "yes",
            "content": "FICTIONAL: contact with the child at the after-school club",
            "advice": "FICTIONAL: to keep the child away from the club; support from "
                      "Children & Families", "discloser": "FICTIONAL social worker",
            "disclose_at": "the family home", "disclose_on": iso_today(),
            "child_protection": "no", "meeting_level": "2", "meeting_on": iso_today(),
            **fields}


def test_social_work_is_refused_beside_the_field_then_reads_back_its_own(
        site: CaseSite) -> None:
    """R100 (NASSO 71) and R112: a decision by Children & Families outside a case of
    child protection is refused beside that question, with what was typed kept and
    nothing written; in a case of child protection it is recorded, and the list shows
    it without the subject."""
    cf = site.client("childrens_social_work")
    assert cf.get("/disclosures").status_code == 200
    before, entries = decisions(site), len(site.audit())
    refused = post(cf, "/disclosures/decide", decision_form(site))
    assert refused.status_code == 409
    beside = error_beside(refused.text, "decide-child_protection")
    assert beside is not None and "only in a case of child protection (NASSO 71)" in \
        html.unescape(beside)
    assert "the after-school club" in refused.text  # what was typed is kept
    assert decisions(site) == before and len(site.audit()) == entries
    done = post(cf, "/disclosures/decide", decision_form(site, child_protection="yes"))
    assert done.status_code == 200, done.text
    assert "Recorded DIS-" in done.text and "to disclose to FICTIONAL a pupil" in \
        html.unescape(done.text)
    listed = cf.get("/disclosures")
    assert "FICTIONAL a pupil&#39;s mother" in listed.text
    assert "Level 2" in listed.text and "social work, child protection" in listed.text
    assert site.subject_id not in listed.text and site.subject_id not in done.text
    # the police see the subject
    assert site.subject_id in site.client("omu_analyst").get("/disclosures").text


def test_a_landlord_sees_the_wording_disclosed_for_that_void_only(site: CaseSite) -> None:
    """R98 with 3.12 (issue 20, "Done when"): the police record on the page a decision to
    give the landlord a restriction's wording, then that it was made (an audit
    disclosure naming the landlord); the landlord's Link Officer sees the wording for
    that void on the allocations page and not for its other restricted void."""
    stock = LayerStore(site.home).read_attributes(
        "properties", ["property_id", "landlord", "is_void"])
    ours = sorted(stock.loc[stock["is_void"].fillna(False).astype(bool)
                            & (stock["landlord"] == LANDLORD), "property_id"].astype(str))
    shown, hidden = ours[0], ours[1]
    for pid in (shown, hidden):
        record_restriction(site.engine, site.case_id, property_id=pid,
                           restriction=f"FICTIONAL: no children under 16 at {pid}",
                           actor=officer())
    with session_scope(site.engine) as session:
        restriction = session.scalars(select(Restriction.id).where(
            Restriction.property_id == shown)).one()
    omu = site.client("omu_analyst")
    done = post(omu, "/disclosures/decide", decision_form(
        site, purpose="restriction_wording", subject_id="", recipient_type="landlord",
        recipient=LANDLORD, content="", restriction_id=str(restriction),
        advice="FICTIONAL: for the allocations team only", discloser="FICTIONAL SOLO"))
    assert done.status_code == 200, done.text
    reference = html.unescape(done.text).split("Recorded ", 1)[1].split(":", 1)[0]
    since = len(site.audit())
    made = post(omu, "/disclosures/made", {"reference": reference, "made_on": iso_today()})
    assert made.status_code == 200 and f"{reference} was disclosed" in made.text
    assert [(e.operation, e.recipients) for e in site.audit(since)] == [
        ("disclosure", [LANDLORD])]
    link = site.client("rsl_link_officer")
    listed = ("voids.csv", f"property_id\n{shown}\n{hidden}\n".encode(), "text/csv")
    from tests.conftest import form_token
    page = link.post("/allocations", data=form_token(link), files={"void_list": listed})
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert f"disclosed to you ({reference}): FICTIONAL: no children under 16 at {shown}" \
        in text
    assert f"under 16 at {hidden}" not in text
    assert site.subject_id not in page.text


def test_keeping_children_safe_and_refusals(site: CaseSite) -> None:
    """R134: the police record an application and its outcome; a bad date is refused
    beside its field; roles outside the matrix are refused the page."""
    omu = site.client("omu_analyst")
    bad = post(omu, "/disclosures/kcs", {"received_on": "", "online": "yes",
                                         "relationship": "parent",
                                         "council": site.authority})
    assert bad.status_code == 422
    assert error_beside(bad.text, "kcs-received_on") is not None
    done = post(omu, "/disclosures/kcs", {"received_on": iso_today(), "online": "no",
                                          "relationship": "guardian",
                                          "council": site.authority})
    assert done.status_code == 200 and "Recorded KCS-" in done.text
    reference = done.text.split("Recorded ", 1)[1].split(",", 1)[0]
    outcome = post(omu, "/disclosures/kcs/outcome", {
        "reference": reference, "outcome": "not_a_registered_offender",
        "outcome_on": iso_today()})
    assert outcome.status_code == 200 and "not a registered offender" in outcome.text
    listed = " ".join(omu.get("/disclosures").text.split())
    assert "Not a registered offender" in listed
    assert "1 received, 0 online; 0 disclosures made" in listed
    for role in ("rsl_link_officer", "education_officer", "nhs_liaison", "auditor"):
        assert site.client(role).get("/disclosures").status_code == 403
    cf = site.client("childrens_social_work")
    assert post(cf, "/disclosures/kcs", {"received_on": iso_today(), "online": "yes",
                                         "relationship": "parent",
                                         "council": site.authority}).status_code == 403
    assert 'href="/disclosures"' not in site.client("rsl_link_officer").get("/").text
