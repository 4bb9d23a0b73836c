"""Disclosure decisions and Keeping Children Safe applications in the core, on SQLite
and PostgreSQL (NASSO 3.12, 68, 71; Dorset MAPPA procedure §6, §8, §18; MAPPA annual
report 9.0). REQUIREMENTS.md: R98, R100, R112, R134."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select

from geo_era.casework.cases import open_case, record_restriction, visible
from geo_era.db.store import DisclosureDecision, KcsApplication, open_store, session_scope
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.safeguarding.disclosures import (
    SOCIAL_WORK_ONLY_FOR_CHILD_PROTECTION,
    DecisionRequest,
    KcsRequest,
    disclosed_wording,
    listing,
    record_decision,
    record_kcs,
    record_kcs_outcome,
    record_made,
)
from geo_era.security.audit import Actor, AuditEntry, verify
from tests.migrations import migrate

TODAY = dt.date(2026, 12, 4)
COUNCIL = "FICTIONAL Inverallan Council"
SUBJECT = "FICTIONAL-S-001"
POLICE = Actor("ds.grant", "omu_analyst", "FICTIONAL Police OMU", "MAPPA L2 meeting")
CJSW = Actor("sw.reid", "cjsw", COUNCIL, "child protection case conference",
             scope=COUNCIL)
CF = Actor("cf.bell", "childrens_social_work", COUNCIL, None, scope=COUNCIL)
LANDLORDS = {"P2": "FICTIONAL Rowanlea HA", "P3": "FICTIONAL Rowanlea HA",
             "P4": "FICTIONAL Glenmore HA"}


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


def audit(engine: Engine) -> list[AuditEntry]:
    with session_scope(engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def count(engine: Engine, model: type[Any]) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def decide(engine: Engine, actor: Actor = POLICE, authority: str = "police",
           **fields: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "recipient_type": "school", "recipient": "FICTIONAL Inverallan Primary School",
        "disclose": True, "subject_id": SUBJECT, "council": COUNCIL,
        "content": "FICTIONAL: the subject's conviction for offences against children",
        "advice": "FICTIONAL: for the head teacher only, to keep pupils safe at the gate; "
                  "support from the council's Education child protection officer",
        "discloser": "FICTIONAL DS Grant, OMU", "disclose_at": "the school",
        "disclose_on": TODAY, "meeting_level": 2, "meeting_on": TODAY,
        "minutes_reference": "FICTIONAL MAPPA/L2/2026/117", "decided_on": TODAY}
    args.update(fields)
    return record_decision(engine, DecisionRequest(**args), actor=actor,
                           authority=authority, visible=visible,
                           landlord_of=LANDLORDS.get, today=TODAY)


def test_a_meetings_decision_to_disclose_records_all_dorset_asks(engine: Engine) -> None:
    """R112 (Dorset §6, §8, §18): who receives it, what, who will make it, where and
    when, the Level 2/3 meeting whose minutes record it, the advice on how the
    information is to be used; once made, an audit disclosure naming the recipient."""
    decided = decide(engine)
    assert decided == {
        "reference": "DIS-000001", "purpose": "disclosure", "subject_id": SUBJECT,
        "case_id": None, "council": COUNCIL, "recipient_type": "school",
        "recipient": "FICTIONAL Inverallan Primary School", "disclose": True,
        "content": "FICTIONAL: the subject's conviction for offences against children",
        "reasons": None, "authority": "police", "child_protection": False,
        "meeting_level": 2, "meeting_on": "2026-12-04",
        "minutes_reference": "FICTIONAL MAPPA/L2/2026/117",
        "discloser": "FICTIONAL DS Grant, OMU", "disclose_at": "the school",
        "disclose_on": "2026-12-04",
        "advice": "FICTIONAL: for the head teacher only, to keep pupils safe at the gate; "
                  "support from the council's Education child protection officer",
        "restriction_id": None, "property_id": None, "decided_on": "2026-12-04",
        "decided_by": "ds.grant", "agency": "omu_analyst",
        "recorded_at": decided["recorded_at"], "made_on": None, "made_by": None,
        "status": "to disclose"}
    made = record_made(engine, "DIS-000001", made_on=TODAY, made_by="FICTIONAL DS Grant",
                       actor=POLICE, today=TODAY)
    assert (made["status"], made["made_on"], made["made_by"]) == (
        "disclosed", "2026-12-04", "FICTIONAL DS Grant")
    entries = audit(engine)
    assert [(e.operation, e.record_type, e.record_ids, e.recipients) for e in entries] == [
        ("collection", "disclosure_decision", ["DIS-000001", SUBJECT], None),
        ("disclosure", "disclosure_decision", ["DIS-000001", SUBJECT],
         ["FICTIONAL Inverallan Primary School"])]
    assert verify(engine).intact
    with pytest.raises(WorkflowRefusedError, match="recorded as made on 2026-12-04"):
        record_made(engine, "DIS-000001", made_on=TODAY, made_by=None, actor=POLICE,
                    today=TODAY)


def test_social_work_is_refused_a_disclosure_outside_child_protection(engine: Engine
                                                                      ) -> None:
    """R100 (NASSO 71): the police have the principal discretion; social work may
    decide on disclosure only in a case of child protection. Refused with the reason,
    nothing written; the police may decide the same; social work in child protection
    may too."""
    for actor in (CJSW, CF):
        with pytest.raises(WorkflowRefusedError) as refused:
            decide(engine, actor, "social_work", child_protection=False)
        assert str(refused.value) == SOCIAL_WORK_ONLY_FOR_CHILD_PROTECTION
        assert "only in a case of child protection (NASSO 71)" in str(refused.value)
    assert count(engine, DisclosureDecision) == 0 and audit(engine) == []
    assert decide(engine, POLICE, "police", child_protection=False)["authority"] == "police"
    done = decide(engine, CJSW, "social_work", child_protection=True)
    assert (done["authority"], done["child_protection"], done["agency"]) == (
        "social_work", True, "cjsw")


def test_need_to_know_is_decided_and_recorded_either_way(engine: Engine) -> None:
    """R98 (NASSO 68): whether a risk is passed on to a named landlord's Link Officer is
    the Responsible Authorities' decision case by case, recorded when they decide not
    to share (with why) as when they share."""
    kept = decide(engine, purpose="need_to_know", recipient_type="landlord",
                  recipient="FICTIONAL Rowanlea HA", disclose=False, content=None,
                  advice=None, discloser=None,
                  reasons="FICTIONAL: no risk to housing staff; the landlord cannot "
                          "contribute to managing the risk (68)")
    shared = decide(engine, purpose="need_to_know", recipient_type="landlord",
                    recipient="FICTIONAL Glenmore HA",
                    content="FICTIONAL: visit in pairs; risk to lone female staff")
    assert (kept["status"], kept["disclose"], kept["reasons"][:34]) == (
        "not to disclose", False, "FICTIONAL: no risk to housing staf")
    assert (shared["status"], shared["recipient"]) == ("to disclose", "FICTIONAL Glenmore HA")
    with pytest.raises(DataError, match="set the recipient type to landlord"):
        decide(engine, purpose="need_to_know", recipient_type="school")
    with pytest.raises(DataError, match="give the reasons"):
        decide(engine, purpose="need_to_know", recipient_type="landlord", disclose=False)
    with pytest.raises(WorkflowRefusedError, match="decision not to disclose"):
        record_made(engine, kept["reference"], made_on=TODAY, made_by=None, actor=POLICE,
                    today=TODAY)


@pytest.mark.parametrize(("fields", "message"), [
    ({"advice": " "}, "give the advice"),
    ({"content": None}, "what information is to be disclosed"),
    ({"discloser": None}, "who will make the disclosure"),
    ({"meeting_level": 1}, "a Level 2 or 3 meeting"),
    ({"meeting_on": None}, r"level \(2 or 3\) and its date together"),
    ({"decided_on": TODAY + dt.timedelta(days=1)}, "is in the future"),
    ({"recipient": "  "}, "name the recipient"),
    ({"recipient_type": "neighbour"}, "unknown recipient type 'neighbour'"),
    ({"subject_id": None}, "name the subject"),
    ({"council": None}, "name the council"),
])
def test_bad_decisions_say_what_to_fix_and_write_nothing(engine: Engine,
                                                         fields: dict[str, Any],
                                                         message: str) -> None:
    with pytest.raises(DataError, match=message):
        decide(engine, **fields)
    assert count(engine, DisclosureDecision) == 0 and audit(engine) == []


def _case_with_restrictions(engine: Engine) -> tuple[str, int, int]:
    case = open_case(engine, subject_id=SUBJECT, property_ids=["P1"],
                     case_type="initial_new", notified=TODAY, on_licence_or_order=False,
                     authority=COUNCIL, children=True, actor=POLICE, today=TODAY)
    for pid in ("P2", "P3"):
        record_restriction(engine, case["case_id"], property_id=pid,
                           restriction=f"FICTIONAL: no household with children ({pid})",
                           actor=POLICE)
    with session_scope(engine) as session:
        from geo_era.db.store import Restriction
        ids = list(session.scalars(select(Restriction.id).order_by(Restriction.id)))
    return str(case["case_id"]), ids[0], ids[1]


def test_restriction_wording_reaches_its_landlord_for_that_property_only(
        engine: Engine) -> None:
    """R98 with NASSO 3.12: a decision to give a named landlord a restriction's wording
    lets that landlord, and no other, see it for that property, and no other, once the
    disclosure is made; it is refused for a landlord that does not own the property."""
    case_id, on_p2, _on_p3 = _case_with_restrictions(engine)
    with pytest.raises(WorkflowRefusedError, match="whose landlord is FICTIONAL Rowanlea"):
        decide(engine, purpose="restriction_wording", recipient_type="landlord",
               recipient="FICTIONAL Glenmore HA", restriction_id=on_p2)
    decided = decide(engine, purpose="restriction_wording", recipient_type="landlord",
                     recipient="FICTIONAL Rowanlea HA", restriction_id=on_p2,
                     content=None, subject_id=None)
    assert (decided["case_id"], decided["property_id"], decided["content"]) == (
        case_id, "P2", "FICTIONAL: no household with children (P2)")
    everywhere = ["P1", "P2", "P3", "P4"]
    assert disclosed_wording(engine, "FICTIONAL Rowanlea HA", everywhere) == {}
    record_made(engine, decided["reference"], made_on=TODAY, made_by=None, actor=POLICE,
                today=TODAY)
    told = disclosed_wording(engine, "FICTIONAL Rowanlea HA", everywhere)
    assert {p: [(w.reference, w.wording) for w in ws] for p, ws in told.items()} == {
        "P2": [(decided["reference"], "FICTIONAL: no household with children (P2)")]}
    assert disclosed_wording(engine, "FICTIONAL Glenmore HA", everywhere) == {}
    assert audit(engine)[-1].recipients == ["FICTIONAL Rowanlea HA"]


def test_records_are_confined_to_the_council_and_social_work_to_its_own(
        engine: Engine) -> None:
    """Council staff see their own council's decisions; Children & Families its own
    records only; another council's reads as not found."""
    police = decide(engine)
    own = decide(engine, CF, "social_work", child_protection=True)
    other = Actor("sw.other", "cjsw", "FICTIONAL Other Council", scope="FICTIONAL Other "
                  "Council")
    assert [d["reference"] for d in listing(engine, actor=CJSW)["decisions"]] == [
        own["reference"], police["reference"]]
    assert [d["reference"] for d in listing(engine, actor=CF)["decisions"]] == [
        own["reference"]]
    assert listing(engine, actor=other)["decisions"] == []
    with pytest.raises(OutOfScopeError):
        record_made(engine, police["reference"], made_on=TODAY, made_by=None, actor=CF,
                    today=TODAY)
    with pytest.raises(NotFoundError, match="not found"):
        record_made(engine, "DIS-000099", made_on=TODAY, made_by=None, actor=POLICE,
                    today=TODAY)
    with pytest.raises(WorkflowRefusedError, match="you may record only for"):
        decide(engine, CJSW, "social_work", child_protection=True,
               council="FICTIONAL Other Council")


def test_keeping_children_safe_applications(engine: Engine) -> None:
    """R134 (MAPPA annual report 9.0): an application received (online or not, the
    applicant's relationship to the child), the subject it concerns, its outcome and
    date; a disclosure to the applicant is an audit disclosure naming them."""
    first = record_kcs(engine, KcsRequest(received_on=TODAY, online=True,
                                          relationship="parent", council=COUNCIL,
                                          subject_id=SUBJECT), actor=POLICE, today=TODAY)
    second = record_kcs(engine, KcsRequest(received_on=TODAY, online=False,
                                           relationship="guardian", council=COUNCIL),
                        actor=POLICE, today=TODAY)
    assert (first["reference"], first["online"], first["outcome"]) == (
        "KCS-000001", True, None)
    with pytest.raises(DataError, match="concerns a registered subject"):
        record_kcs_outcome(engine, "KCS-000001", outcome="not_a_registered_offender",
                           outcome_on=TODAY, actor=POLICE, today=TODAY)
    done = record_kcs_outcome(engine, "KCS-000001", outcome="disclosure_made",
                              outcome_on=TODAY, actor=POLICE, today=TODAY)
    record_kcs_outcome(engine, second["reference"], outcome="not_a_registered_offender",
                       outcome_on=TODAY, actor=POLICE, today=TODAY)
    assert (done["outcome"], done["outcome_on"]) == ("disclosure_made", "2026-12-04")
    with pytest.raises(WorkflowRefusedError, match="has its outcome"):
        record_kcs_outcome(engine, "KCS-000001", outcome="no_disclosure",
                           outcome_on=TODAY, actor=POLICE, today=TODAY)
    with pytest.raises(DataError, match="unknown relationship to the child"):
        record_kcs(engine, KcsRequest(received_on=TODAY, online=True,
                                      relationship="neighbour", council=COUNCIL),
                   actor=POLICE, today=TODAY)
    assert count(engine, KcsApplication) == 2
    record_kcs(engine, KcsRequest(received_on=TODAY, online=True, relationship="carer",
                                  council="FICTIONAL Other Council"), actor=POLICE,
               today=TODAY)
    # the annual report's figures (9.0), counted by hand: three received, two online,
    # one disclosure, one about a subject, one awaiting its outcome
    assert listing(engine, actor=POLICE)["kcs_summary"] == {
        "received": 3, "online": 2, "disclosures_made": 1, "concerning_subjects": 1,
        "awaiting_outcome": 1}
    assert listing(engine, actor=CJSW)["kcs_summary"]["received"] == 2  # own council
    entries = audit(engine)
    assert [(e.operation, e.record_ids, e.recipients) for e in entries][:4] == [
        ("collection", ["KCS-000001", SUBJECT], None),
        ("collection", ["KCS-000002"], None),
        ("disclosure", ["KCS-000001", SUBJECT], ["KCS-000001 applicant (parent)"]),
        ("alteration", ["KCS-000002"], None)]


def test_the_migration_goes_down_and_up_again(engine: Engine) -> None:
    """Migration 0014's tables are dropped by its downgrade (to 0010) and made again by
    its upgrade, on both backends; a case's restriction survives both."""
    case_id, on_p2, _ = _case_with_restrictions(engine)
    tables = {"disclosure_decisions", "kcs_applications"}
    migrate(engine, "0010", down=True)
    assert tables.isdisjoint(inspect(engine).get_table_names())
    migrate(engine, "head")
    assert tables <= set(inspect(engine).get_table_names())
    decided = decide(engine, purpose="restriction_wording", recipient_type="landlord",
                     recipient="FICTIONAL Rowanlea HA", restriction_id=on_p2,
                     subject_id=None)
    assert (decided["reference"], decided["case_id"]) == ("DIS-000001", case_id)
