"""Landlord notifications (NASSO 5.3) through the services on the demo town, on SQLite
and PostgreSQL: a Link Officer tells the SOLO about their own tenancy only, the SOLO
receives it, links it to a subject and opens a review (3.4) from it, and the landlord
learns its status and nothing of the subject, the case or the note.

REQUIREMENTS.md: R87, R91, R97.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from geo_era import clock
from geo_era.db.store import Case, LandlordNotification, session_scope
from geo_era.errors import DataError, ForbiddenError, NotFoundError, WorkflowRefusedError
from geo_era.services import Caller, Services, casework, notices
from geo_era.services.answers.notices import NoticeSent
from geo_era.settings import Settings
from tests.conftest import import_demo
from tests.services.parity import WHY, audit_count, audit_entries

#: The demo town's housing association with homes to let.
LANDLORD = "Rowanlea Housing Association"
LINK = Caller("user.link", "rsl_link_officer", LANDLORD)
OMU = Caller("user.omu", "omu_analyst", "FICTIONAL Police OMU")
DETAILS = "FICTIONAL: proceedings for possession raised at the sheriff court"


@pytest.fixture(scope="module")
def town(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("notices") / "home"
    import_demo(demo_files, home)
    return home


@pytest.fixture
def services(town: Path, database_url: str) -> Iterator[Services]:
    svc = Services(Settings(home=town, database_url=database_url))
    yield svc
    svc.engine.dispose()


def council(services: Services) -> str:
    areas = services.layers.read_attributes("areas", ["area_type", "name"])
    return str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])


def homes_of(services: Services, landlord: str) -> list[str]:
    props = services.layers.read_attributes("properties", ["property_id", "landlord"])
    return props.loc[props["landlord"] == landlord, "property_id"].astype(str).tolist()


def housed(services: Services, *, on_licence: bool) -> tuple[str, str]:
    """A subject with a current home, on licence (CJSW leads) or not: (id, home)."""
    subjects = services.layers.read_attributes(
        "subjects", ["subject_id", "current_property_id", "on_licence_or_order"])
    rows = subjects[subjects["current_property_id"].notna() & (
        subjects["on_licence_or_order"].fillna(False).astype(bool) == on_licence)]
    return str(rows["subject_id"].iloc[0]), str(rows["current_property_id"].iloc[0])


def tell(services: Services, caller: Caller = LINK, **kw: object) -> NoticeSent:
    args: dict[str, object] = {
        "property_id": homes_of(services, LANDLORD)[0], "kind": "possession",
        "occurred_on": clock.today(), "details": DETAILS, "landlord_reference": "RHA/T/0042"}
    args.update(kw)
    return notices.record(services, caller, **args)  # type: ignore[arg-type]


def stored(services: Services) -> int:
    with session_scope(services.engine) as session:
        return int(session.scalar(select(func.count()).select_from(LandlordNotification))
                   or 0)


def test_a_landlord_tells_only_about_its_own_homes(services: Services) -> None:
    """R91 (5.3: the RSL's Link Officer, about the RSL's tenancies): another landlord's
    home and an id nobody holds are refused in the same words, each refusal audited as
    denied, nothing written; the case officer of the same landlord may tell too."""
    other = homes_of(services, "Auchenvorrie Housing Association")[0]
    messages = []
    for pid in (other, "DT-NOT-THERE"):
        before = audit_count(services.engine)
        with pytest.raises(NotFoundError) as refused:
            tell(services, property_id=pid)
        messages.append(str(refused.value).replace(pid, "X"))
        entry = audit_entries(services.engine)[before:]
        assert [(e.outcome, e.record_type, e.record_ids) for e in entry] == [
            ("denied", "property", [pid])]
    assert messages[0] == messages[1]
    assert "Auchenvorrie" not in messages[0]
    assert stored(services) == 0
    case_officer = Caller("user.rslc", "rsl_case_officer", f" {LANDLORD.lower()} ")
    made = tell(services, case_officer, kind="direct_application")
    assert made.landlord == LANDLORD and made.status == "sent to the SOLO"
    with pytest.raises(ForbiddenError):
        tell(services, Caller("user.nhs", "nhs_liaison", "FICTIONAL NHS"))


def test_bad_input_names_the_field_and_writes_nothing(services: Services) -> None:
    """R91: a control character in the details, or a date ahead for a complaint, is
    refused with what to fix; nothing is stored."""
    with pytest.raises(DataError, match="details contains a control character"):
        tell(services, details="FICTIONAL: \u202eevil text here")
    with pytest.raises(DataError, match="give the date it happened"):
        tell(services, kind="tenancy_complaint", occurred_on=clock.today() + dt.timedelta(days=3))
    assert stored(services) == 0


def test_the_solo_links_a_notification_and_opens_a_review(services: Services) -> None:
    """R91, R97 (5.3, 3.4): the Link Officer's notification of possession proceedings
    reaches the SOLO of the council, flagged as a home that may no longer be manageable
    (R87); the SOLO's reading is its receipt; linking it writes one combination entry;
    opening a review writes the case's collection (its justification naming the
    notification) and the notification's alteration, and a case appears at the
    subject's current home; its lead agency (CJSW, the subject being on licence) then
    sees the notification. The Link Officer's views hold no subject id, no case, no
    note."""
    place = council(services)
    solo = Caller("user.solo", "solo", place)
    cjsw = Caller("user.cjsw", "cjsw", place)
    subject, home = housed(services, on_licence=True)
    ref = tell(services).reference
    inbox = notices.list_notices(services, solo, justification=WHY)
    assert [(n.reference, n.state, n.may_be_unmanageable) for n in inbox] == [
        (ref, "new", True)]
    assert notices.list_notices(services, cjsw, justification=WHY) == []
    with pytest.raises(DataError, match="needs a justification"):
        notices.list_notices(services, solo, justification=None)
    assert notices.show(services, solo, reference=ref, justification=WHY).state == \
        "received"
    assert [n.status for n in notices.sent(services, LINK)] == ["received by the SOLO"]

    before = audit_count(services.engine)
    linked = notices.link(services, solo, reference=ref, subject_id=subject,
                          note="FICTIONAL: known to the OMU")
    assert (linked.subject_id, linked.state) == (subject, "linked")
    assert [(e.operation, e.record_type, e.record_ids, e.actor)
            for e in audit_entries(services.engine)[before:]] == [
        ("combination", "landlord_notification", [ref, subject], "user.solo")]

    before = audit_count(services.engine)
    reviewed = notices.open_review(services, solo, reference=ref, justification=WHY,
                                   today=clock.today())
    case_id = reviewed.case_id
    assert case_id is not None and reviewed.state == f"review opened: {case_id}"
    written = audit_entries(services.engine)[before:]
    assert [(e.operation, e.record_type, e.record_ids, e.actor) for e in written] == [
        ("collection", "case", [case_id, subject], "user.solo"),
        ("alteration", "landlord_notification", [ref, case_id], "user.solo")]
    assert written[0].justification == \
        f"review (NASSO 3.4) from landlord notification {ref}: {WHY}"
    case = casework.show_case(services, OMU, case_id=case_id, justification=WHY)
    assert (case.subject_id, case.properties, case.case_type, case.lead_agency) == (
        subject, [home], "annual_review", "cjsw")
    with session_scope(services.engine) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
    assert [n.reference for n in notices.list_notices(services, cjsw,
                                                      justification=WHY)] == [ref]
    with pytest.raises(WorkflowRefusedError, match=f"already: {case_id}"):
        notices.open_review(services, solo, reference=ref)

    mine = notices.sent(services, LINK)
    assert [n.status for n in mine] == ["acted on"]
    dumped = str([n.model_dump(mode="json") for n in mine])
    for secret in (subject, case_id, "known to the OMU", home):
        assert secret not in dumped
    assert not {"subject_id", "case_id", "note", "state"} & set(mine[0].model_dump())


def test_another_councils_solo_sees_nothing_of_it(services: Services) -> None:
    """R91: the notification goes to the SOLO of the council the home lies in; to another
    council's SOLO it reads as one that does not exist (audited as denied)."""
    ref = tell(services).reference
    other = Caller("other.solo", "solo", "FICTIONAL Other Council")
    assert notices.list_notices(services, other, justification=WHY) == []
    messages = []
    for asked in (ref, "LN-000999"):
        before = audit_count(services.engine)
        with pytest.raises(NotFoundError) as hidden:
            notices.show(services, other, reference=asked, justification=WHY)
        messages.append(str(hidden.value).replace(asked, "X"))
        assert [(e.outcome, e.record_ids) for e in audit_entries(services.engine)[
            before:]] == [("denied", [asked])]
    assert messages[0] == messages[1]
    with pytest.raises(NotFoundError):
        notices.link(services, other, reference=ref, subject_id=housed(
            services, on_licence=False)[0])


def test_a_review_needs_a_linked_subject_with_a_home(services: Services) -> None:
    """R91: a review is opened for the linked subject at their current home: without a
    link, or for a subject with no home recorded, it is refused and no case opened; an
    unknown subject is not linked (audited as denied)."""
    ref = tell(services).reference
    with pytest.raises(WorkflowRefusedError, match="to a subject before opening"):
        notices.open_review(services, OMU, reference=ref)
    with pytest.raises(NotFoundError, match="no such subject"):
        notices.link(services, OMU, reference=ref, subject_id="FICTIONAL-S999999")
    assert audit_entries(services.engine)[-1].outcome == "denied"
    subjects = services.layers.read_attributes("subjects", ["subject_id",
                                                            "current_property_id"])
    homeless = str(subjects.loc[subjects["current_property_id"].isna(),
                                "subject_id"].iloc[0])
    notices.link(services, OMU, reference=ref, subject_id=homeless)
    with pytest.raises(WorkflowRefusedError, match="has no current home recorded"):
        notices.open_review(services, OMU, reference=ref)
    with session_scope(services.engine) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
