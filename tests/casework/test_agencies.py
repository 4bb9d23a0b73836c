"""Every agency of NASSO 3.6 takes part in an ERA case (issue 18, item 1), through the
services on the demo town, on SQLite and PostgreSQL: each partner agency records only its
own checks and agreement, on the cases its agency takes part in, and sees of them what its
need to know allows; Children & Families and Education join a case whose subject's victim
profile includes children; approval waits for every agency taking part.

REQUIREMENTS.md: R3, R24, R27, R28, R31, R47.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from geo_era import clock
from geo_era.casework.cases import PHYSICAL_ITEMS, conflict_key, record_agreement, show_case
from geo_era.db.store import make_engine, open_store
from geo_era.errors import DataError, ForbiddenError, NotFoundError, WorkflowRefusedError
from geo_era.security.audit import Actor
from geo_era.services import Caller, Services, casework, documents
from geo_era.services.answers.casework import CaseRecord
from geo_era.settings import NASSO_DATABASE_CHECKS, Settings
from tests.conftest import import_demo, officer
from tests.dwelling_visits import visit_every_dwelling
from tests.migrations import migrate
from tests.services.parity import WHY, audit_count, audit_entries

OMU = Caller("user.omu", "omu_analyst", "FICTIONAL Police OMU")
NHS = Caller("user.nhs", "nhs_liaison", "FICTIONAL NHS Inverallan")
#: What is known of the neighbours (the minimum set's households), by key, as a case
#: document carries it.
HOUSEHOLD_KEYS = {"minimum_set", "household", "children_in_household",
                  "adult_at_risk_in_household", "occupants", "households_with_children",
                  "households_unknown"}
#: What of the subject's record a Link Officer never sees.
SUBJECT_KEYS = {"conditions", "victim_profile", "zone_id", "conflicts", "warnings",
                "offence"}


@pytest.fixture(scope="module")
def town(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("agencies") / "home"
    import_demo(demo_files, home)
    return home


@pytest.fixture
def services(town: Path, database_url: str) -> Iterator[Services]:
    """The demo town's layers over a fresh, empty case store on each backend."""
    svc = Services(Settings(home=town, database_url=database_url))
    yield svc
    svc.engine.dispose()


def keys_in(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


def council(services: Services) -> str:
    areas = services.layers.read_attributes("areas", ["area_type", "name"])
    return str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])


def subject(services: Services, *, children: bool) -> str:
    """A subject not on a licence (police lead) whose victim profile names children, or
    names something and not children."""
    subjects = services.layers.read_attributes(
        "subjects", ["subject_id", "victim_profile", "on_licence_or_order"])
    words = subjects["victim_profile"].fillna("").str.split(",").map(
        lambda ws: {w.strip() for w in ws if w.strip()})
    free = ~subjects["on_licence_or_order"].fillna(False).astype(bool)
    match = free & words.map(lambda ws: bool(ws) and (("children" in ws) == children))
    return str(subjects.loc[match, "subject_id"].iloc[0])


def flat(services: Services) -> str:
    props = services.layers.read_attributes("properties", ["property_id", "property_type"])
    return str(props.loc[props["property_type"] == "tenement_flat", "property_id"].iloc[0])


def open_case(services: Services, *, agencies: list[str], children: bool = False,
              pid: str | None = None, assess: bool = False) -> CaseRecord:
    opened = casework.open_case(services, OMU, subject_id=subject(services,
                                                                  children=children),
                                property_ids=[pid or flat(services)], notified=clock.today(),
                                agencies=agencies, assess=assess, justification=WHY)
    assert isinstance(opened, CaseRecord)
    return opened


def agency_row(case: CaseRecord, agency: str) -> Any:
    return next(a for a in case.agencies if a.agency == agency)


def test_an_nhs_user_records_nhs_checks_and_agreement_not_police_ones(
        services: Services) -> None:
    """R3, R28, R47 (issue 18's done-when): the NHS liaison officer records the NHS's
    3.7 check and agreement; a police item, the police's agency, or a physical check
    (which looks at the neighbours) is refused with a message saying what they may do."""
    case = open_case(services, agencies=["nhs"]).case_id
    before = audit_count(services.engine)
    done = casework.record_check(services, NHS, case_id=case, kind="database",
                                 item="case_management", outcome="clear",
                                 justification=WHY)
    assert isinstance(done, CaseRecord)
    assert [(c.agency, c.item, c.recorded_by) for c in done.checks] == [
        ("nhs", "case_management", "user.nhs")]
    agreed = casework.record_agreement(services, NHS, case_id=case, agrees=True,
                                       justification=WHY)
    assert isinstance(agreed, CaseRecord)
    assert (agency_row(agreed, "nhs").agrees, agency_row(agreed, "nhs").recorded_by) == (
        True, "user.nhs")
    assert agency_row(agreed, "police_scotland").agrees is None
    assert [(e.actor, e.role, e.operation) for e in audit_entries(services.engine)[-2:]] \
        == [("user.nhs", "nhs_liaison", "alteration")] * 2
    assert audit_count(services.engine) == before + 2
    with pytest.raises(DataError, match=r"'visor' is not a database check of nhs; use one "
                                        r"of case_management \(NHS internal case"):
        casework.record_check(services, NHS, case_id=case, kind="database", item="visor",
                              outcome="clear")
    with pytest.raises(WorkflowRefusedError, match="you record for nhs, not for "
                                                   "police_scotland"):
        casework.record_check(services, NHS, case_id=case, kind="database", item="visor",
                              outcome="clear", agency="police_scotland")
    with pytest.raises(WorkflowRefusedError, match="nhs records no physical check"):
        casework.record_check(services, NHS, case_id=case, kind="physical", item="school",
                              outcome="clear")
    with pytest.raises(WorkflowRefusedError, match="you record for nhs, not for "
                                                   "police_scotland"):
        casework.record_agreement(services, NHS, case_id=case, agrees=True,
                                  agency="police_scotland")
    # only what was allowed was written
    shown = casework.show_case(services, OMU, case_id=case, justification=WHY)
    assert [(c.agency, c.item) for c in shown.checks] == [("nhs", "case_management")]


def test_an_nhs_users_case_view_has_no_household_facts(services: Services) -> None:
    """R28 (3.7: health checks "only in relation to the offender"): the NHS sees the case,
    its candidates' surroundings and the subject's check, but nothing of the neighbours:
    no minimum set, no finding about households, no restriction on a neighbour's letting,
    and not what other agencies wrote; Education, which checks exactly the neighbours'
    children (R27), sees the case whole for its council."""
    pid = flat(services)
    case = open_case(services, agencies=["nhs", "education"], children=True, pid=pid,
                     assess=True).case_id
    casework.record_check(services, OMU, case_id=case, kind="database", item="vpd",
                          outcome="concern", notes="FICTIONAL: a child next door on VPD")
    neighbour = "DT-0000002"
    casework.record_restriction(services, OMU, case_id=case, property_id=neighbour,
                                restriction="FICTIONAL: no household with children")
    whole = casework.show_case(services, OMU, case_id=case, justification=WHY)
    assert HOUSEHOLD_KEYS & keys_in(whole.model_dump()), "the police see the households"
    seen = casework.show_case(services, NHS, case_id=case, justification=WHY)
    dumped = seen.model_dump(mode="json")
    assert keys_in(dumped) & HOUSEHOLD_KEYS == set()
    assert seen.restrictions == [] and neighbour not in str(dumped)
    assert "child next door" not in str(dumped)
    snapshot = seen.assessments[0].snapshot or {}
    assert snapshot["proximity"] == (whole.assessments[0].snapshot or {})["proximity"]
    assert seen.subject_id == whole.subject_id  # the subject is the NHS's business
    check = snapshot["check"]
    assert isinstance(check, dict)
    for finding in [*check["conflicts"], *check["warnings"]]:  # type: ignore[misc]
        assert isinstance(finding, dict) and "households" not in str(finding)
    education = Caller("user.edu", "education_officer", council(services))
    assert casework.show_case(services, education, case_id=case,
                              justification=WHY).model_dump() == whole.model_dump()


def test_an_agency_user_cannot_see_a_case_their_agency_is_not_in(services: Services
                                                                 ) -> None:
    """R3: a case the NHS takes no part in reads to an NHS user exactly as a case that does
    not exist, for reading, listing and acting, and each refusal is audited; a council's
    Education officer sees only their own council's cases even where Education takes
    part."""
    theirs = open_case(services, agencies=["education"]).case_id
    mine = open_case(services, agencies=["nhs"]).case_id
    message = f"case {theirs!r} not found; list cases with 'geo-era case list'"
    before = audit_count(services.engine)
    with pytest.raises(NotFoundError) as refused:
        casework.show_case(services, NHS, case_id=theirs, justification=WHY)
    assert str(refused.value) == message
    with pytest.raises(NotFoundError) as absent:
        casework.show_case(services, NHS, case_id="ERA-999999", justification=WHY)
    assert str(absent.value) == message.replace(theirs, "ERA-999999")
    denied = audit_entries(services.engine)[before]
    assert (denied.actor, denied.outcome, denied.record_ids) == ("user.nhs", "denied",
                                                                 [theirs])
    with pytest.raises(NotFoundError):
        casework.record_agreement(services, NHS, case_id=theirs, agrees=True)
    listed = [c.case_id for c in casework.list_cases(services, NHS, justification=WHY)]
    assert listed == [mine]
    elsewhere = Caller("user.edu2", "education_officer", "FICTIONAL Other Council")
    with pytest.raises(NotFoundError):
        casework.show_case(services, elsewhere, case_id=theirs, justification=WHY)
    here = Caller("user.edu", "education_officer", council(services))
    assert casework.show_case(services, here, case_id=theirs,
                              justification=WHY).case_id == theirs


@pytest.mark.parametrize("children", [True, False])
def test_children_in_the_victim_profile_bring_childrens_services_and_education(
        services: Services, children: bool) -> None:
    """R24 (Dorset MAPPA procedures 13, 17): a case whose subject's victim profile
    includes children gets Children & Families and Education on opening, each saying
    why, with the other agencies' deadline (3.5); one without children does not. The
    deadlines are worked by hand: notified Friday 18 December 2026, SOLO 2 working days
    (Tuesday 22nd), the others 5, past Christmas (Friday 25th) and the Boxing Day
    substitute (Monday 28th): Tuesday 29th."""
    opened = casework.open_case(
        services, OMU, subject_id=subject(services, children=children),
        property_ids=[flat(services)], notified=dt.date(2026, 12, 18), assess=False,
        justification=WHY, today=dt.date(2026, 12, 18))
    assert isinstance(opened, CaseRecord)
    why = {a.agency: (a.added_because, a.due) for a in opened.agencies}
    because = ("the subject's victim profile includes children (Dorset MAPPA procedures "
               "sections 13 and 17)")
    others = dt.date(2026, 12, 29)
    expected = {"police_scotland": ("lead agency (NASSO 3.2)", others),
                "solo": ("the council's Sex Offender Liaison Officer (NASSO 3.5, 3.6)",
                         dt.date(2026, 12, 22))}
    if children:
        expected |= {"childrens_services": (because, others), "education": (because, others)}
    assert why == expected


def landlords(services: Services) -> tuple[str, str, str]:
    """Two tenement flats of two different housing associations: (flat A, its landlord,
    flat B of another landlord)."""
    props = services.layers.read_attributes("properties", ["property_id", "landlord"])
    social = props[props["landlord"].notna()
                   & ~props["landlord"].astype(str).str.endswith("Council")]
    first = social.iloc[0]
    other = social[social["landlord"] != first["landlord"]].iloc[0]
    return str(first["property_id"]), str(first["landlord"]), str(other["property_id"])


def test_a_link_officer_taking_part_sees_only_their_organisations_candidates(
        services: Services) -> None:
    """R24, R26 (3.6: the RSL's Link Officer): a Link Officer taking part sees the cases
    whose candidate is their own organisation's home (the properties layer's landlord,
    as the void lists read it), and of them neither the subject nor the neighbours:
    no subject id, no subject check (offences, victim profile, zones, conditions), no
    minimum set; they record their housing checks and agreement, no physical check."""
    own, landlord, other = landlords(services)
    mine = open_case(services, agencies=["rsl"], pid=own, assess=True).case_id
    not_theirs = open_case(services, agencies=["rsl"], pid=other).case_id
    no_rsl = open_case(services, agencies=[], pid=own).case_id
    link = Caller("user.link", "rsl_case_officer", f"  {landlord.upper()} ")
    listed = casework.list_cases(services, link, justification=WHY)
    assert [c.case_id for c in listed] == [mine]
    whole = casework.show_case(services, OMU, case_id=mine, justification=WHY)
    assert listed[0].subject_id != whole.subject_id
    for case in (not_theirs, no_rsl):
        with pytest.raises(NotFoundError):
            casework.show_case(services, link, case_id=case, justification=WHY)
    seen = casework.show_case(services, link, case_id=mine, justification=WHY)
    dumped = seen.model_dump(mode="json")
    assert whole.subject_id not in str(dumped)
    assert keys_in(dumped) & (HOUSEHOLD_KEYS | SUBJECT_KEYS) == set()
    assert (seen.assessments[0].snapshot or {})["proximity"] == \
        (whole.assessments[0].snapshot or {})["proximity"]
    done = casework.record_check(services, link, case_id=mine, kind="database",
                                 item="tenancy_records", outcome="clear",
                                 justification=WHY)
    assert isinstance(done, CaseRecord) and done.checks[-1].agency == "rsl"
    with pytest.raises(WorkflowRefusedError, match="rsl records no physical check"):
        casework.record_check(services, link, case_id=mine, kind="physical",
                              item="school", outcome="clear")
    with pytest.raises(ForbiddenError, match="does not get the ERA document"):
        documents.era_document_pdf(services, link, case_id=mine, justification=WHY)
    # a case with another landlord's candidate too: they see and check their own only
    both = casework.open_case(services, OMU, subject_id=subject(services, children=False),
                              property_ids=[own, other], notified=clock.today(), agencies=["rsl"],
                              assess=True, justification=WHY)
    assert isinstance(both, CaseRecord)
    part = casework.show_case(services, link, case_id=both.case_id, justification=WHY)
    assert part.properties == [own]
    assert [a.property_id for a in part.assessments] == [own]
    with pytest.raises(WorkflowRefusedError, match="not one of your organisation's"):
        casework.record_check(services, link, case_id=both.case_id, kind="database",
                              item="tenancy_records", outcome="clear", property_id=other)
    with pytest.raises(WorkflowRefusedError, match="several candidate") as unnamed:
        casework.record_check(services, link, case_id=both.case_id, kind="database",
                              item="tenancy_records", outcome="clear")
    assert own in str(unnamed.value) and other not in str(unnamed.value)
    checked = casework.record_check(services, link, case_id=both.case_id, kind="database",
                                    item="tenancy_records", outcome="clear",
                                    property_id=own, justification=WHY)
    assert isinstance(checked, CaseRecord) and other not in str(checked.model_dump())


def _complete(services: Services, case: CaseRecord, pid: str) -> None:
    """The Responsible Authorities' part: every physical check, police's and the SOLO's
    3.7 lists, their agreement, every dwelling of the set visited, a response to each
    hard conflict."""
    solo = Caller("user.solo", "solo", council(services))
    for item in PHYSICAL_ITEMS:
        casework.record_check(services, OMU, case_id=case.case_id, kind="physical",
                              item=item, outcome="clear")
    for caller, agency in ((OMU, "police_scotland"), (solo, "solo")):
        for item in NASSO_DATABASE_CHECKS[agency]:
            casework.record_check(services, caller, case_id=case.case_id, kind="database",
                                  item=item, outcome="clear")
        casework.record_agreement(services, caller, case_id=case.case_id, agrees=True)
    visit_every_dwelling(services.engine, case.case_id, pid)
    check: dict[str, Any] = (case.assessments[0].snapshot or {})["check"]  # type: ignore[assignment]
    for finding in check.get("conflicts", []):
        casework.record_response(services, OMU, case_id=case.case_id, property_id=pid,
                                 to=conflict_key(finding), response="FICTIONAL: answered")


def test_approval_waits_for_the_new_agencies_agreement_and_checklists(
        services: Services) -> None:
    """R31, R47: Part C is refused while an agency taking part (here the NHS and the
    Children & Families and Education added for a victim profile with children) has not
    recorded its 3.7 list and its agreement, naming each; allowed once they have."""
    pid = flat(services)
    case = open_case(services, agencies=["nhs"], children=True, pid=pid, assess=True)
    _complete(services, case, pid)

    def approve() -> object:
        return casework.approve(services, OMU, case_id=case.case_id, property_id=pid,
                                manageable=True, conclusion="FICTIONAL: manageable",
                                reasons="FICTIONAL: every agency agrees")

    with pytest.raises(WorkflowRefusedError) as refused:
        approve()
    text = str(refused.value)
    for agency, item in (("nhs", "case_management"), ("education", "seemis"),
                         ("childrens_services", "case_management")):
        assert f"database checks missing from {agency} for {pid}: {item}" in text
    assert "no agreement recorded from nhs, childrens_services, education" in text
    staff = {"nhs": NHS,
             "education": Caller("user.edu", "education_officer", council(services)),
             "childrens_services": Caller("user.cf", "childrens_social_work",
                                          council(services))}
    for agency, caller in staff.items():
        casework.record_check(services, caller, case_id=case.case_id, kind="database",
                              item=next(iter(NASSO_DATABASE_CHECKS[agency])),
                              outcome="clear")
    with pytest.raises(WorkflowRefusedError) as still:
        approve()
    assert str(still.value).endswith(
        "no agreement recorded from nhs, childrens_services, education")
    for caller in staff.values():
        casework.record_agreement(services, caller, case_id=case.case_id, agrees=True)
    assert approve().status == "approved"  # type: ignore[attr-defined]


def test_the_era_document_reads_the_councils_checklists(town: Path, database_url: str,
                                                        tmp_path: Path) -> None:
    """R31: what the ERA document says is still missing for approval follows the
    council's own 3.7 lists (GEO_ERA_DATABASE_CHECKS), not NASSO's defaults."""
    plain = Services(Settings(home=town, database_url=database_url))
    place = council(plain)
    local = Services(Settings(home=town, database_url=database_url,
                              database_checks={place: {"solo": ["council_tax"]}}),
                     engine=plain.engine)
    case = open_case(local, agencies=[]).case_id
    out = tmp_path / "era.html"
    documents.write_era_document(local, OMU, case_id=case, out=out, justification=WHY)
    text = out.read_text(encoding="utf-8")
    assert "database checks missing from solo" in text
    assert "council_tax" in text and "housing_benefit" not in text
    documents.write_era_document(plain, OMU, case_id=case, out=out, justification=WHY)
    assert "housing_benefit" in out.read_text(encoding="utf-8")
    plain.engine.dispose()


def test_migration_keeps_existing_agencies_without_a_reason(tmp_path: Path,
                                                            database_url: str) -> None:
    """R24: cases opened before agencies said why they take part keep their agencies,
    reading ``added_because`` as not recorded (None), and stay workable."""
    engine = make_engine(database_url)
    migrate(engine, "0006")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO cases (id, subject_id, case_type, lead_agency, notified_on, "
            "due_on, status, created_at, updated_at) VALUES (1, 'FICTIONAL-S1', "
            "'initial_new', 'police_scotland', '2026-12-01', '2026-12-10', 'open', "
            "'2026-12-01 10:00:00', '2026-12-01 10:00:00')"))
        connection.execute(text("INSERT INTO case_properties (case_id, property_id) "
                                "VALUES (1, 'A1')"))
        connection.execute(text("INSERT INTO case_agencies (case_id, agency, due_on) "
                                "VALUES (1, 'nhs', '2026-12-08')"))
    engine.dispose()
    engine = open_store(tmp_path, database_url)
    try:
        before = show_case(engine, "ERA-000001", actor=officer())
        assert [(a["agency"], a["added_because"]) for a in before["agencies"]] == [
            ("nhs", None)]
        nhs = Actor("user.nhs", "nhs_liaison", "FICTIONAL NHS", WHY)
        after = record_agreement(engine, "ERA-000001", agency="nhs", agrees=True, actor=nhs)
        assert after["agencies"][0]["agrees"] is True
    finally:
        engine.dispose()


#: NASSO 3.7's lists for the partner agencies, written here from the strategy's text:
#: role -> (agency, its default checklist item codes).
NASSO_LISTS = {
    "nhs_liaison": ("nhs", ["case_management"]),
    "sps_icm_coordinator": ("sps", ["prisoner_records", "prison_social_work"]),
    "education_officer": ("education", ["seemis"]),
    "childrens_social_work": ("childrens_services", ["case_management"]),
    "adult_protection_officer": ("adult_protection", ["case_management"]),
    "support_worker": ("support_organisation", ["support_records"]),
    "rsl_case_officer": ("rsl", ["housing_management", "tenancy_records"]),
}


def test_each_partner_agency_records_its_own_3_7_list(services: Services) -> None:
    """R25, R27, R28, R29, R31: each partner agency records the items of its NASSO 3.7
    list (Education SEEMIS; NHS its case management systems; SPS the prisoner records
    database and the prison-based social work file; Children & Families and Adult
    Protection their case management systems; a support organisation its records; a
    housing association its housing management system and tenancy records), and
    nothing else: another agency's item is refused with its own valid list."""
    own, landlord, _other = landlords(services)
    place = council(services)
    case = open_case(services, agencies=[a for a, _ in NASSO_LISTS.values()],
                     pid=own).case_id
    organisation = {"education_officer": place, "childrens_social_work": place,
                    "adult_protection_officer": place, "rsl_case_officer": landlord}
    for role, (agency, items) in NASSO_LISTS.items():
        caller = Caller(f"user.{role}", role, organisation.get(role, f"FICTIONAL {role}"))
        for item in items:
            done = casework.record_check(services, caller, case_id=case, kind="database",
                                         item=item, outcome="clear", justification=WHY)
            assert isinstance(done, CaseRecord)
            assert (done.checks[-1].agency, done.checks[-1].item) == (agency, item)
        with pytest.raises(DataError) as refused:
            casework.record_check(services, caller, case_id=case, kind="database",
                                  item="council_tax", outcome="clear")
        listed = str(refused.value).split("use one of ", 1)[1]
        assert [part.split(" (")[0] for part in listed.split(", ") if " (" in part] == \
            items, role
