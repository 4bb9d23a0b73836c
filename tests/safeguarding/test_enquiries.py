"""Enquiries and concerns (issue 20, item 1; NASSO 5.4, 5.2): where each is passed on,
who sees it, the confirmation given to the person raising it, the Responsible
Authorities' link to a subject and outcome, and bad input refused with nothing written;
on SQLite and PostgreSQL. R73, R94, R95, R96, R97.

The expected routes and wording are written here from NASSO 5.4 and 5.2, not read from
the code under test."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select

from geo_era import clock
from geo_era.analysis.areas import council_of
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import Enquiry, EnquiryLink, WeedingRecord, open_store, session_scope
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.safeguarding.enquiries import (
    Raised,
    confirm_enquiry,
    link_subject,
    list_enquiries,
    record_enquiry,
    record_outcome,
    routing,
    show_enquiry,
    weed_enquiries,
)
from geo_era.security.audit import Actor, AuditEntry
from tests.conftest import import_demo
from tests.migrations import migrate

LANDLORD = "Rowanlea Housing Association"
OTHER_LANDLORD = "FICTIONAL Other Housing Association"
SUMMARY = "FICTIONAL: a tenant says a neighbour watches the play park"


@pytest.fixture(scope="module")
def store(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> LayerStore:
    return import_demo(demo_files, tmp_path_factory.mktemp("enquiries") / "home")


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


@dataclasses.dataclass(frozen=True)
class Town:
    council: str
    property_id: str
    subject_id: str
    home: str


@pytest.fixture(scope="module")
def town(store: LayerStore) -> Town:
    props = store.read_attributes("properties", ["property_id"])
    property_id = str(props["property_id"].iloc[0])
    council = council_of(store, property_id)
    assert council is not None
    subjects = store.read_attributes("subjects", ["subject_id", "current_property_id"])
    housed = subjects.dropna(subset=["current_property_id"]).iloc[0]
    return Town(council, property_id, str(housed["subject_id"]),
                str(housed["current_property_id"]))


def link_officer(organisation: str = LANDLORD) -> Actor:
    return Actor("link.fictional", "rsl_link_officer", organisation)


def solo(council: str) -> Actor:
    return Actor("solo.fictional", "solo", council, "enquiries under test", council)


def police() -> Actor:
    return Actor("omu.fictional", "omu_analyst", "FICTIONAL Police Scotland",
                 "enquiries under test")


def concern(town: Town, **extra: Any) -> Raised:
    fields: dict[str, Any] = {"kind": "concern", "channel": "phone", "raised_by": "tenant",
                              "summary": SUMMARY, "received_on": clock.today(),
                              "property_id": town.property_id}
    return Raised(**(fields | extra))


def audit_entries(engine: Engine) -> list[AuditEntry]:
    with session_scope(engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def count(engine: Engine) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        return (int(session.scalar(select(func.count()).select_from(Enquiry)) or 0),
                int(session.scalar(select(func.count()).select_from(EnquiryLink)) or 0),
                int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0))


# Where each enquiry goes, worked from NASSO 5.4 and 5.2 by hand.
ROUTED = [
    ({"kind": "concern"}, ["police"]),
    ({"kind": "concern", "risk_to_children": True}, ["police", "social_work"]),
    ({"kind": "general_enquiry"}, ["policies"]),
    ({"kind": "general_enquiry", "unresolved": True}, ["responsible_authorities",
                                                        "policies"]),
    ({"kind": "general_enquiry", "risk_to_children": True}, ["social_work", "policies"]),
    ({"kind": "housing_enquiry"}, ["solo"]),
    ({"kind": "housing_enquiry", "also_to": ("police",)}, ["police", "solo"]),
    ({"kind": "general_enquiry", "raised_by": "media"}, ["responsible_authorities",
                                                         "policies"]),
    ({"kind": "concern", "media_incident": True}, ["police", "responsible_authorities"]),
]


@pytest.mark.parametrize(("extra", "expected"), ROUTED)
def test_r94_each_enquiry_is_passed_where_nasso_says(extra: dict[str, Any],
                                                     expected: list[str]) -> None:
    """R94: a concern is reported to the police; where there may be a risk to children,
    to social work services; a general enquiry is answered with the published policies
    and, when they do not resolve it, taken to the Responsible Authorities (5.4)."""
    raised = Raised(**({"kind": "concern", "channel": "email", "raised_by": "public",
                        "summary": SUMMARY, "received_on": clock.today(), "area": "FICTIONAL"}
                       | extra))
    assert routing(raised) == expected


def test_r73_a_link_officers_housing_enquiry_goes_to_the_councils_solo(
        engine: Engine, store: LayerStore, town: Town) -> None:
    """R73: the SOLO is "the initial point of contact for housing enquiries relating to
    sex offenders" (5.2): a housing enquiry a Link Officer receives is passed to the
    SOLO (a disclosure naming the SOLO in the audit trail) and is in the list of the
    SOLO of the council where the property lies, not another council's SOLO."""
    done = record_enquiry(store, engine, concern(town, kind="housing_enquiry",
                                                 raised_by="elected_member"),
                          actor=link_officer())
    assert done["routed_to"] == ["solo"]
    assert done["council"] == town.council
    assert done["organisation"] == LANDLORD
    assert "Sex Offender Liaison Officer" in done["refer_to"][0]
    last = audit_entries(engine)[-1]
    assert (last.operation, last.recipients, last.record_ids) == (
        "disclosure", ["solo"], [done["enquiry_id"]])
    mine = list_enquiries(engine, actor=solo(town.council), full=True)
    assert [(r["enquiry_id"], r["routed_to"]) for r in mine] == [(done["enquiry_id"],
                                                                  ["solo"])]
    assert list_enquiries(engine, actor=solo("FICTIONAL Other Council"), full=True) == []


def test_r97_a_landlords_concern_reaches_the_responsible_authorities(
        engine: Engine, store: LayerStore, town: Town) -> None:
    """R97 (67: agencies, social housing providers included, can and do share
    information): a concern a landlord's Link Officer records is in the police's list
    at once, with what was raised; the police record the outcome and the subject it
    concerns, which the landlord never sees."""
    done = record_enquiry(store, engine, concern(town, risk_to_children=True),
                          actor=link_officer())
    ref = done["enquiry_id"]
    assert done["routed_to"] == ["police", "social_work"]
    listed = list_enquiries(engine, actor=police(), full=True)
    assert [(r["enquiry_id"], r["outcome"], r["linked"]) for r in listed] == [(ref, None, 0)]
    assert show_enquiry(engine, ref, actor=police(), full=True)["summary"] == SUMMARY
    link_subject(engine, ref, town.subject_id, actor=police(),
                 known_subjects=frozenset({town.subject_id}), note="FICTIONAL: known to OMU")
    full = record_outcome(engine, ref, outcome="investigated", actor=police(),
                          notes="FICTIONAL: visited, advice given")
    assert [link["subject_id"] for link in full["links"]] == [town.subject_id]
    assert (full["outcome"], full["outcome_notes"]) == ("investigated",
                                                        "FICTIONAL: visited, advice given")
    theirs = show_enquiry(engine, ref, actor=link_officer(), full=False)
    assert {"links", "outcome", "outcome_notes", "outcome_by", "landlord"}.isdisjoint(theirs)
    assert town.subject_id not in repr(theirs)
    entries = audit_entries(engine)
    assert [(e.operation, e.record_ids) for e in entries[-3:-1]] == [
        ("combination", [ref, town.subject_id]), ("alteration", [ref])]


def test_r95_the_confirmation_says_only_that_it_was_passed_on(
        engine: Engine, store: LayerStore, town: Town) -> None:
    """R95: "details about who sex offenders are, or where they are housed, are not
    divulged at any time. The SOLO or Link Officer should only confirm that they have
    passed on the concerns" (5.4): the words given hold the reference and the fixed
    wording, none of what was recorded (the property, the area, the text, the reply
    reference, the subject linked); given once, by the organisation that received it,
    as a disclosure to the person raising it."""
    raised = concern(town, area="FICTIONAL Kirkton Court", contact_reference="call back 7Q7Q")
    ref = record_enquiry(store, engine, raised, actor=link_officer())["enquiry_id"]
    link_subject(engine, ref, town.subject_id, actor=police(), known_subjects=None)
    with pytest.raises(WorkflowRefusedError, match="theirs to give"):
        confirm_enquiry(engine, ref, actor=solo(town.council))
    given = confirm_enquiry(engine, ref, actor=link_officer())
    assert given["confirmation"] == (
        f"Thank you for raising this with us (our reference {ref}). We have passed your "
        "concern on to the appropriate agency for investigation. We cannot tell you who "
        "anyone is or where anyone lives, or what the agency does about it.")
    for recorded in (town.property_id, "Kirkton", "7Q7Q", "neighbour", town.subject_id,
                     town.home):
        assert recorded not in given["confirmation"]
    last = audit_entries(engine)[-1]
    assert (last.operation, last.recipients) == ("disclosure",
                                                 ["the person raising it (tenant)"])
    with pytest.raises(WorkflowRefusedError, match="already confirmed"):
        confirm_enquiry(engine, ref, actor=link_officer())
    general = record_enquiry(store, engine, concern(town, kind="general_enquiry"),
                             actor=link_officer())["enquiry_id"]
    words = confirm_enquiry(engine, general, actor=link_officer())["confirmation"]
    assert "published policies" in words and general in words
    assert town.property_id not in words


def test_r96_media_enquiries_are_flagged_and_go_to_the_media_contact(
        engine: Engine, store: LayerStore, town: Town) -> None:
    """R96: all media enquiries are referred to the Responsible Authorities' media point
    of contact, and an incident reported in the media involving a tenant is liaised
    about (5.4): both are flagged as media incidents and passed to the Responsible
    Authorities; the media-only list holds those two and nothing else."""
    press = record_enquiry(store, engine, concern(town, kind="general_enquiry",
                                                  raised_by="media", channel="email"),
                           actor=solo(town.council))
    tenant = record_enquiry(store, engine, concern(town, media_incident=True),
                            actor=link_officer())
    quiet = record_enquiry(store, engine, concern(town), actor=link_officer())
    assert (press["media_incident"], tenant["media_incident"], quiet["media_incident"]) == (
        True, True, False)
    assert "responsible_authorities" in press["routed_to"]
    assert "responsible_authorities" in tenant["routed_to"]
    assert "media point of contact" in " ".join(press["refer_to"])
    flagged = list_enquiries(engine, actor=police(), full=True, media_only=True)
    assert {r["enquiry_id"] for r in flagged} == {press["enquiry_id"], tenant["enquiry_id"]}


def test_each_sees_only_their_own(engine: Engine, store: LayerStore, town: Town) -> None:
    """5.4, 68-71: a landlord's staff see only their own organisation's enquiries
    (another landlord's reads exactly as one that does not exist); council staff their
    council's; the police all."""
    ours = record_enquiry(store, engine, concern(town), actor=link_officer())["enquiry_id"]
    theirs = record_enquiry(store, engine, concern(town),
                            actor=link_officer(OTHER_LANDLORD))["enquiry_id"]
    assert [r["enquiry_id"] for r in list_enquiries(engine, actor=link_officer(),
                                                    full=False)] == [ours]
    with pytest.raises(OutOfScopeError) as hidden:
        show_enquiry(engine, theirs, actor=link_officer(), full=False)
    with pytest.raises(NotFoundError) as missing:
        show_enquiry(engine, "ENQ-999999", actor=link_officer(), full=False)
    assert str(hidden.value).replace(theirs, "X") == str(missing.value).replace(
        "ENQ-999999", "X")
    assert {r["enquiry_id"] for r in list_enquiries(engine, actor=solo(town.council),
                                                    full=True)} == {ours, theirs}
    other = solo("FICTIONAL Other Council")
    assert list_enquiries(engine, actor=other, full=True) == []
    with pytest.raises(OutOfScopeError):
        record_outcome(engine, ours, outcome="advice_given", notes=None, actor=other)
    assert len(list_enquiries(engine, actor=police(), full=True)) == 2


BAD = [
    ({"kind": "rumour"}, "kind 'rumour' is not one of"),
    ({"channel": "pigeon"}, "channel"),
    ({"raised_by": "Mrs FICTIONAL Smith"}, "raised_by"),
    ({"summary": "short"}, "summary: say what was raised"),
    ({"received_on": clock.today() + dt.timedelta(days=1)}, "received_on is in the future"),
    ({"property_id": None}, "property_id or area"),
    ({"property_id": "DT-NOT-THERE"}, "is not in the properties layer"),
    ({"property_id": None, "area": "FICTIONAL estate"}, "council: name the council"),
    ({"property_id": None, "area": "FICTIONAL estate", "council": "Atlantis"},
     "is not a council area"),
    ({"unresolved": True}, "unresolved applies to a general enquiry only"),
    ({"also_to": ("the newspaper",)}, "also_to"),
]


@pytest.mark.parametrize(("extra", "message"), BAD)
def test_bad_input_is_refused_with_the_field_and_writes_nothing(
        engine: Engine, store: LayerStore, town: Town, extra: dict[str, Any],
        message: str) -> None:
    """Standards: each refusal names the field and how to put it right; nothing is
    written, not even an audit entry."""
    before = count(engine)
    with pytest.raises((DataError, NotFoundError), match=message):
        record_enquiry(store, engine, concern(town, **extra), actor=link_officer())
    assert count(engine) == before


def test_a_solo_records_only_their_own_councils(engine: Engine, store: LayerStore,
                                               town: Town) -> None:
    """Council staff are confined to their council (5.2): another council's SOLO is told
    to pass it to the right one; with no property, the SOLO's council is the one."""
    with pytest.raises(DataError, match="not your council"):
        record_enquiry(store, engine, concern(town), actor=solo("FICTIONAL Other Council"))
    done = record_enquiry(store, engine, concern(town, property_id=None, area="FICTIONAL"),
                          actor=solo(town.council))
    assert (done["council"], done["organisation"]) == (town.council, town.council)


def test_links_and_outcomes_are_checked(engine: Engine, store: LayerStore,
                                        town: Town) -> None:
    """An unknown subject, a second link to the same one, an unknown outcome and a date
    before the enquiry are refused and change nothing."""
    ref = record_enquiry(store, engine, concern(town), actor=link_officer())["enquiry_id"]
    known = frozenset({town.subject_id})
    before = count(engine)
    with pytest.raises(NotFoundError, match="not in the subjects layer"):
        link_subject(engine, ref, "FICTIONAL-NOBODY", actor=police(), known_subjects=known)
    with pytest.raises(DataError, match="outcome 'sorted' is not one of"):
        record_outcome(engine, ref, outcome="sorted", notes=None, actor=police())
    with pytest.raises(DataError, match="before enquiry"):
        record_outcome(engine, ref, outcome="investigated", notes=None, actor=police(),
                       decided_on=clock.today() - dt.timedelta(days=3), today=clock.today())
    with pytest.raises(DataError, match="not an enquiry reference"):
        show_enquiry(engine, "ERA-000001", actor=police(), full=True)
    assert count(engine) == before
    link_subject(engine, ref, town.subject_id, actor=police(), known_subjects=known)
    with pytest.raises(WorkflowRefusedError, match="already linked"):
        link_subject(engine, ref, town.subject_id, actor=police(), known_subjects=known)


def test_the_migration_goes_down_and_up_again(tmp_path: Path, database_url: str,
                                              store: LayerStore, town: Town) -> None:
    """Migration 0011's tables are dropped by its downgrade and made again by its
    upgrade, on both backends."""
    engine = open_store(tmp_path, database_url)
    record_enquiry(store, engine, concern(town), actor=link_officer())
    tables = {"enquiries", "enquiry_links"}
    migrate(engine, "0010", down=True)
    assert tables.isdisjoint(inspect(engine).get_table_names())
    migrate(engine, "head")
    assert tables <= set(inspect(engine).get_table_names())
    assert list_enquiries(engine, actor=police(), full=True) == []
    engine.dispose()


def test_closed_enquiries_are_weeded_after_retention(engine: Engine, store: LayerStore,
                                                     town: Town) -> None:
    """R49's retention policy for enquiries: one closed by its outcome 11 days ago and a
    general enquiry answered with the policies alone, confirmed 11 days ago, go with 10
    days' retention (with their link), an open one and one closed 9 days ago stay; one
    erasure names the two; the weeding log keeps the count."""
    today = clock.today()
    long_ago = today - dt.timedelta(days=11)
    old = concern(town, received_on=today - dt.timedelta(days=20))
    closed = record_enquiry(store, engine, old, actor=link_officer())["enquiry_id"]
    link_subject(engine, closed, town.subject_id, actor=police(), known_subjects=None)
    record_outcome(engine, closed, outcome="investigated", notes=None, actor=police(),
                   decided_on=long_ago)
    answered = record_enquiry(store, engine, dataclasses.replace(old, kind="general_enquiry"),
                              actor=link_officer())["enquiry_id"]
    confirm_enquiry(engine, answered, actor=link_officer(), given_on=long_ago)
    recent = record_enquiry(store, engine, old, actor=link_officer())["enquiry_id"]
    record_outcome(engine, recent, outcome="advice_given", notes=None, actor=police(),
                   decided_on=today - dt.timedelta(days=9))
    still_open = record_enquiry(store, engine, old, actor=link_officer())["enquiry_id"]
    confirm_enquiry(engine, still_open, actor=link_officer(), given_on=long_ago)
    done = weed_enquiries(engine, retention_days=10, actor=police(), today=today)
    assert (done["weeded"], done["cutoff"]) == (2, (today - dt.timedelta(days=10)).isoformat())
    left = {r["enquiry_id"] for r in list_enquiries(engine, actor=police(), full=True)}
    assert left == {recent, still_open}
    assert count(engine)[1] == 0  # the link went with its enquiry
    erasure = [e for e in audit_entries(engine) if e.operation == "erasure"]
    assert [sorted(e.record_ids) for e in erasure] == [sorted([closed, answered])]
    with session_scope(engine) as session:
        logged = session.scalars(select(WeedingRecord).where(
            WeedingRecord.record_type == "enquiries")).one()
        assert (logged.count, logged.retention_days) == (2, 10)
