"""Disclosure decisions through the services, on the demo town: who may record and
read them, what each sees, and the restriction wording a landlord's Link Officer is
given in their allocation check for one property and no other (issue 20, "Done when").
REQUIREMENTS.md: R98, R100, R112."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from geo_era import clock
from geo_era.casework.cases import open_case, record_restriction
from geo_era.db.store import Restriction, session_scope
from geo_era.errors import ForbiddenError, NotFoundError, WorkflowRefusedError
from geo_era.safeguarding.disclosures import DecisionRequest
from geo_era.services import Caller, Services, disclosures, housing
from geo_era.services.answers.disclosures import DecisionRecord, OwnDecision, OwnListing
from geo_era.services.answers.housing import AllocationFlags
from geo_era.settings import Settings
from tests.conftest import LINK_OFFICER_NEVER_SEES, import_demo, officer
from tests.services.parity import WHY, audit_count, audit_entries

LANDLORD = "Rowanlea Housing Association"
OMU = Caller("omu", "omu_analyst", "FICTIONAL Police OMU")


@pytest.fixture(scope="module")
def services(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Services]:
    home = tmp_path_factory.mktemp("disclosures") / "home"
    import_demo(demo_files, home)
    found = Services(Settings(home=home))
    yield found
    found.engine.dispose()


def council_of(services: Services) -> str:
    areas = services.layers.read_attributes("areas", ["area_type", "name"])
    return str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])


def voids_by_landlord(services: Services) -> dict[str, list[str]]:
    stock = services.layers.read_attributes("properties",
                                            ["property_id", "landlord", "is_void"])
    stock = stock[stock["is_void"].fillna(False).astype(bool) & stock["landlord"].notna()]
    return {str(k): sorted(g["property_id"].astype(str)) for k, g in
            stock.groupby("landlord")}


def subject_of(services: Services) -> str:
    return str(services.layers.read("subjects")["subject_id"].iloc[0])


def restrictions_on(services: Services, property_ids: list[str]) -> dict[str, int]:
    """A case restricting the allocation of each of ``property_ids`` (3.12); the
    restrictions' ids by property."""
    case = open_case(services.engine, subject_id=subject_of(services),
                     property_ids=["FICTIONAL-CANDIDATE"], case_type="initial_new",
                     notified=clock.today(), on_licence_or_order=False,
                     authority=council_of(services), actor=officer())
    for pid in property_ids:
        record_restriction(services.engine, case["case_id"], property_id=pid,
                           restriction=f"FICTIONAL: no household with children under 16 "
                                       f"at {pid}", actor=officer())
    with session_scope(services.engine) as session:
        return {r.property_id: r.id for r in session.scalars(
            select(Restriction).where(Restriction.case_id == int(
                str(case["case_id"]).removeprefix("ERA-"))))}


def test_a_landlord_sees_a_restrictions_wording_for_that_property_only(
        services: Services) -> None:
    """Issue 20 "Done when", R98 with NASSO 3.12: the police decide to give a named
    landlord the wording of a restriction on one of its voids and record it made (an
    audit disclosure naming the landlord); that landlord's Link Officer then sees the
    wording for that void in the allocation check, not for its other restricted void,
    and another landlord's Link Officer sees no wording at all."""
    by_landlord = voids_by_landlord(services)
    ours = by_landlord[LANDLORD]
    other_landlord = next(k for k in by_landlord if k != LANDLORD)
    theirs = by_landlord[other_landlord]
    restricted, also_restricted, their_void = ours[0], ours[1], theirs[0]
    ids = restrictions_on(services, [restricted, also_restricted, their_void])
    decided = disclosures.decide(services, OMU, DecisionRequest(
        purpose="restriction_wording", recipient_type="landlord", recipient=LANDLORD,
        disclose=True, restriction_id=ids[restricted],
        advice="FICTIONAL: for the allocations team only, to let this flat safely; ask "
               "the SOLO for anything more", discloser="FICTIONAL SOLO, by geo_era"),
        justification=WHY)
    assert isinstance(decided, DecisionRecord)
    assert (decided.property_id, decided.status) == (restricted, "to disclose")
    link = Caller("link", "rsl_link_officer", LANDLORD)
    before_made = housing.allocation_check(services, link, justification=WHY,
                                           voids=[restricted])
    assert isinstance(before_made, AllocationFlags)
    assert before_made.voids[0].disclosed is None  # decided, not yet made
    before = audit_count(services.engine)
    disclosures.made(services, OMU, reference=decided.reference, made_on=clock.today())
    made = audit_entries(services.engine)[before:]
    assert [(e.operation, e.record_type, e.record_ids, e.recipients) for e in made] == [
        ("disclosure", "disclosure_decision", [decided.reference, decided.subject_id],
         [LANDLORD])]

    told = housing.allocation_check(services, link, justification=WHY,
                                    voids=[restricted, also_restricted])
    assert isinstance(told, AllocationFlags)
    by_void = {v.property_id: v for v in told.voids}
    assert [v.sensitive_allocation for v in told.voids] == [True, True]
    wording = f"FICTIONAL: no household with children under 16 at {restricted}"
    assert [(d.reference, d.wording) for d in by_void[restricted].disclosed or []] == [
        (decided.reference, wording)]
    assert by_void[also_restricted].disclosed is None
    text = told.model_dump_json()
    assert also_restricted not in text.replace(f'"property_id":"{also_restricted}"', "")
    assert decided.subject_id not in text
    assert set(told.model_dump()["voids"][0]) & LINK_OFFICER_NEVER_SEES == set()

    elsewhere = Caller("link2", "rsl_link_officer", other_landlord)
    seen = housing.allocation_check(services, elsewhere, justification=WHY,
                                    voids=[their_void, restricted])
    assert isinstance(seen, AllocationFlags)
    assert [(v.property_id, v.sensitive_allocation, v.disclosed) for v in seen.voids] == [
        (their_void, True, None)]
    assert "no household with children" not in seen.model_dump_json()
    # the wording goes only to the landlord of the property it restricts
    with pytest.raises(WorkflowRefusedError, match=f"whose landlord is {LANDLORD}"):
        disclosures.decide(services, OMU, DecisionRequest(
            purpose="restriction_wording", recipient_type="landlord",
            recipient=other_landlord, disclose=True, restriction_id=ids[restricted],
            advice="FICTIONAL", discloser="FICTIONAL"))


def test_social_work_refused_outside_child_protection_with_the_reason(
        services: Services) -> None:
    """R100 (NASSO 71): CJSW and Children & Families may decide on disclosure only in a
    case of child protection; the refusal says so and writes nothing. In one, Children
    & Families records it and reads back its own decision without the subject."""
    council = council_of(services)
    subject = subject_of(services)
    request = DecisionRequest(recipient_type="employer", recipient="FICTIONAL employer",
                              disclose=True, subject_id=subject, content="FICTIONAL",
                              advice="FICTIONAL: for the manager only",
                              discloser="FICTIONAL social worker")
    for role in ("cjsw", "childrens_social_work"):
        caller = Caller(f"sw.{role}", role, council)
        before = audit_count(services.engine)
        with pytest.raises(WorkflowRefusedError,
                           match=r"only in a case of child protection \(NASSO 71\)"):
            disclosures.decide(services, caller, request)
        assert audit_count(services.engine) == before
    cf = Caller("cf", "childrens_social_work", council)
    own = disclosures.decide(services, cf, DecisionRequest(
        recipient_type="parent", recipient="FICTIONAL a pupil's mother", disclose=True,
        subject_id=subject, child_protection=True,
        content="FICTIONAL: contact with the child through the after-school club",
        advice="FICTIONAL: to keep the child away from the club; support from the "
               "council's Children & Families team", discloser="FICTIONAL social worker"))
    assert type(own) is OwnDecision and own.authority == "social_work"
    assert subject not in own.model_dump_json()
    listed = disclosures.listing(services, cf, justification=WHY)
    assert isinstance(listed, OwnListing)
    assert [d.reference for d in listed.decisions] == [own.reference]
    assert subject not in listed.model_dump_json()


def test_need_to_know_decided_case_by_case(services: Services) -> None:
    """R98 (NASSO 68): the Responsible Authorities decide, for a named landlord, not to
    pass a risk on to its Link Officer, and record why; the record is theirs to read,
    never the landlord's, and only the deciders may record it."""
    subject = subject_of(services)
    kept = disclosures.decide(services, OMU, DecisionRequest(
        purpose="need_to_know", recipient_type="landlord", recipient=LANDLORD,
        disclose=False, subject_id=subject, council=council_of(services),
        reasons="FICTIONAL: no risk to housing staff; the landlord cannot contribute"),
        justification=WHY)
    assert isinstance(kept, DecisionRecord) and kept.status == "not to disclose"
    solo = Caller("solo", "solo", council_of(services))
    listed = disclosures.listing(services, solo, justification=WHY, subject_id=subject)
    assert kept.reference in [d.reference for d in listed.decisions]
    for role in ("solo", "rsl_link_officer", "contractor", "education_officer"):
        before = audit_count(services.engine)
        with pytest.raises(ForbiddenError):
            disclosures.decide(services, Caller(role, role, LANDLORD), DecisionRequest(
                purpose="need_to_know", recipient_type="landlord", recipient=LANDLORD,
                disclose=False, subject_id=subject, reasons="FICTIONAL"))
        assert audit_entries(services.engine)[before:][0].outcome == "denied"
    with pytest.raises(ForbiddenError):
        disclosures.listing(services, Caller("l", "rsl_link_officer", LANDLORD),
                            justification=WHY)


def test_an_unknown_subject_reads_as_any_miss(services: Services) -> None:
    before = audit_count(services.engine)
    with pytest.raises(NotFoundError, match="no such subject"):
        disclosures.decide(services, OMU, DecisionRequest(
            recipient_type="school", recipient="FICTIONAL school", disclose=False,
            subject_id="NO-SUCH-SUBJECT", council="FICTIONAL", reasons="FICTIONAL"))
    entries = audit_entries(services.engine)[before:]
    assert [(e.outcome, e.record_ids) for e in entries] == [("denied", ["NO-SUCH-SUBJECT"])]
