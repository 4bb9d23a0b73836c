"""Out-of-area placements (NASSO 3.13; REQUIREMENTS.md R46, R65, R66, R67, R68): Part C
needs the receiving council's consent, the placing council's reason and risk management
plan, and a record of the councils' discussion; each missing piece is named. Who records
each part, read from 3.13: the placing council the reason and the plan ("the
responsibility for making the necessary arrangements ... lies with the placing local
authority"), the receiving council its consent, either council the discussion. On SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from geo_era.casework.cases import (
    approve,
    decide,
    open_case,
    record_agreement,
    record_consent,
    show_case,
)
from geo_era.casework.out_of_area import (
    record_discussion,
    record_era_held,
    record_plan,
    record_reason,
)
from geo_era.db.store import EraHolding, OutOfAreaRecord, open_store, session_scope
from geo_era.errors import DataError, ForbiddenError, NotFoundError, WorkflowRefusedError
from geo_era.services import casework as services_casework
from geo_era.services.answers.casework import CaseAck, CaseRecord
from geo_era.services.context import Services
from geo_era.services.policy import Caller
from geo_era.settings import Settings
from tests.casework.test_cases import make_ready
from tests.conftest import officer

TODAY = dt.date(2026, 12, 10)
PLAN = "FICTIONAL: OMU home visits weekly for three months, then fortnightly"
AGREED = "FICTIONAL: Angus accepts the placement; Fife's OMU hands over by 1 Jan"
#: What each missing piece's refusal says (independent of the code's wording elsewhere).
CONSENT = "the receiving authority's (Angus) consent"
REASON = "the reason for placing out of area, recorded by Fife"
PLAN_MISSING = "a risk management plan for the placement, recorded by Fife"
DISCUSSION = "a record of the discussion between Fife and Angus"


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


def placement(engine: Engine) -> str:
    """A case placing the subject from Fife into Angus, every check and agreement in."""
    case = open_case(engine, subject_id="FICTIONAL-S000013", property_ids=["P1"],
                     case_type="initial_new", notified=TODAY, on_licence_or_order=False,
                     today=TODAY, assess=lambda s, p: {"property_id": p},
                     placing_authority="Fife", receiving_authority="Angus",
                     actor=officer())["case_id"]
    make_ready(engine, case, ["police_scotland", "solo"])
    return str(case)


def refusal(engine: Engine, case: str) -> str:
    with pytest.raises(WorkflowRefusedError) as refused:
        approve(engine, case, agency="police_scotland", property_id="P1", manageable=True,
                conclusion="FICTIONAL", reasons="FICTIONAL", actor=officer("DS"))
    return str(refused.value)


def named(message: str) -> list[str]:
    return [piece for piece in (CONSENT, REASON, PLAN_MISSING, DISCUSSION)
            if piece in message]


def test_approval_names_each_missing_piece_until_all_are_recorded(engine: Engine) -> None:
    """R65-R68 (and R46): refused naming all four; each recorded removes exactly its
    name; approved once all are in; the case shows every part with who and when."""
    case = placement(engine)
    message = refusal(engine, case)
    assert "places the subject from Fife in Angus (NASSO 3.13)" in message
    assert named(message) == [CONSENT, REASON, PLAN_MISSING, DISCUSSION]
    record_consent(engine, case, authority="Angus", actor=officer("angus.solo"))
    assert named(refusal(engine, case)) == [REASON, PLAN_MISSING, DISCUSSION]
    record_reason(engine, case, authority="Fife", ground="risk_in_placing_area",
                  details="FICTIONAL: the victims live in the placing area",
                  actor=officer("fife.solo"))
    assert named(refusal(engine, case)) == [PLAN_MISSING, DISCUSSION]
    record_plan(engine, case, authority="Fife", plan="FICTIONAL: first draft of the plan",
                actor=officer("fife.solo"))
    record_plan(engine, case, authority="Fife", plan=PLAN, actor=officer("fife.cjsw"))
    assert named(refusal(engine, case)) == [DISCUSSION]
    record_discussion(engine, case, authority="Angus", held_on=dt.date(2026, 12, 9),
                      participants="Fife SOLO, Angus SOLO, Fife OMU", agreed=AGREED,
                      actor=officer("angus.solo"), today=TODAY)
    done = approve(engine, case, agency="police_scotland", property_id="P1",
                   manageable=True, conclusion="FICTIONAL", reasons="FICTIONAL",
                   actor=officer("DS"))
    assert done["status"] == "approved"
    record = show_case(engine, case, actor=officer())["out_of_area_record"]
    assert record["consent"]["recorded_by"] == "angus.solo"
    assert (record["reason"]["ground"], record["reason"]["details"],
            record["reason"]["authority"]) == (
        "risk_in_placing_area", "FICTIONAL: the victims live in the placing area", "Fife")
    assert "at risk" in record["reason"]["ground_text"]
    assert (record["plan"]["plan"], record["plan"]["recorded_by"]) == (PLAN, "fife.cjsw")
    assert [p["plan"] for p in record["earlier_plans"]] == [
        "FICTIONAL: first draft of the plan"]
    assert [(d["held_on"], d["participants"], d["agreed"], d["authority"])
            for d in record["discussions"]] == [
        ("2026-12-09", "Fife SOLO, Angus SOLO, Fife OMU", AGREED, "Angus")]
    with session_scope(engine) as session:  # independently: what the store holds
        parts = session.scalars(select(OutOfAreaRecord.part).order_by(OutOfAreaRecord.id))
        assert list(parts) == ["reason", "plan", "plan", "discussion"]


def test_each_council_records_only_its_own_parts(engine: Engine) -> None:
    """R65: the reason and the plan are the placing council's; R68: either council
    records the discussion; a third council records nothing."""
    case = placement(engine)
    with pytest.raises(WorkflowRefusedError, match=r"the reason for placing out of area of "
                                                   r"case .* is recorded by Fife; Angus is "
                                                   r"not it"):
        record_reason(engine, case, authority="Angus", ground="no_manageable_housing",
                      details=None, actor=officer())
    with pytest.raises(WorkflowRefusedError, match=r"the risk management plan of case .* is "
                                                   r"recorded by Fife; Angus is not it"):
        record_plan(engine, case, authority="Angus", plan=PLAN, actor=officer())
    with pytest.raises(WorkflowRefusedError, match="recorded by Fife or Angus; Perth and "
                                                   "Kinross is not it"):
        record_discussion(engine, case, authority="Perth and Kinross", held_on=TODAY,
                          participants="Perth SOLO", agreed=AGREED, actor=officer(),
                          today=TODAY)
    for council in ("Fife", "Angus"):
        record_discussion(engine, case, authority=council, held_on=TODAY, today=TODAY,
                          participants=f"{council} SOLO", agreed=AGREED, actor=officer())
    assert len(show_case(engine, case, actor=officer())["out_of_area_record"]
               ["discussions"]) == 2


@pytest.mark.parametrize(("step", "error", "message"), [
    (lambda e, c: record_reason(e, c, authority="Fife", ground="cheaper", details=None,
                                actor=officer()),
     DataError, "unknown ground 'cheaper'; use one of no_manageable_housing .*, "
                "risk_in_placing_area .*, other"),
    (lambda e, c: record_reason(e, c, authority="Fife", ground="other", details=" ",
                                actor=officer()),
     DataError, "the reason .* for a ground of 'other'"),
    (lambda e, c: record_plan(e, c, authority="Fife", plan="visits", actor=officer()),
     DataError, "write the risk management plan"),
    (lambda e, c: record_discussion(e, c, authority="Fife", held_on=TODAY, today=TODAY,
                                    participants="Fife", agreed="", actor=officer()),
     DataError, "write what was agreed"),
    (lambda e, c: record_discussion(e, c, authority="Fife", held_on=dt.date(2026, 12, 11),
                                    today=TODAY, participants="Fife SOLO", agreed=AGREED,
                                    actor=officer()),
     DataError, "recorded once held; 2026-12-11 is in the future"),
])
def test_bad_records_are_refused_and_nothing_is_kept(
        engine: Engine, step: Any, error: type[Exception], message: str) -> None:
    """R65, R67, R68: a ground of 3.13 (or other, with details), a real plan, what was
    agreed and when; a refusal writes nothing."""
    case = placement(engine)
    with pytest.raises(error, match=message):
        step(engine, case)
    with session_scope(engine) as session:
        assert list(session.scalars(select(OutOfAreaRecord))) == []


def test_a_case_in_its_own_area_needs_none_of_it(engine: Engine) -> None:
    """R65: a case placing nobody out of area is approved without consent, reason, plan
    or discussion, and refuses them."""
    case = open_case(engine, subject_id="FICTIONAL-S000014", property_ids=["P1"],
                     case_type="initial_new", notified=TODAY, on_licence_or_order=False,
                     today=TODAY, assess=lambda s, p: {"property_id": p},
                     authority="Fife", actor=officer())["case_id"]
    with pytest.raises(WorkflowRefusedError, match="is not an out-of-area placement"):
        record_plan(engine, case, authority="Fife", plan=PLAN, actor=officer())
    make_ready(engine, case, ["police_scotland", "solo"])
    done = approve(engine, case, agency="police_scotland", property_id="P1",
                   manageable=True, conclusion="FICTIONAL", reasons="FICTIONAL",
                   actor=officer())
    assert done["out_of_area_record"] is None and done["status"] == "approved"


def test_where_the_full_era_is_held(engine: Engine) -> None:
    """R49 (3.3, 3.11): the system and reference where the full ERA is held, by an agency
    of the case, after the decision too; the latest is shown, earlier ones kept."""
    case = placement(engine)
    with pytest.raises(WorkflowRefusedError, match="cjsw is not taking part"):
        record_era_held(engine, case, agency="cjsw", system="council EDRMS",
                        reference="FICTIONAL/1", actor=officer())
    record_era_held(engine, case, agency="solo", system="Fife council EDRMS",
                    reference="FICTIONAL/HR/2026/0042", actor=officer("fife.solo"))
    doc = record_era_held(engine, case, agency="police_scotland", system="ViSOR",
                          reference="FICTIONAL activity log 77", actor=officer("omu"))
    assert (doc["era_held"]["system"], doc["era_held"]["reference"],
            doc["era_held"]["agency"]) == ("ViSOR", "FICTIONAL activity log 77",
                                           "police_scotland")
    with session_scope(engine) as session:
        assert session.scalar(select(EraHolding.reference).order_by(EraHolding.id)) == \
            "FICTIONAL/HR/2026/0042"


def test_council_staff_record_for_their_own_council_only(tmp_path: Path,
                                                         engine: Engine) -> None:
    """R65-R68 through the services, as the API calls them: the placing council's SOLO
    records the reason and the plan; the receiving council's may not; a third council's
    finds no case; police may not record a council's part at all (the matrix)."""
    services = Services(Settings(home=tmp_path / "home"), engine)
    case = placement(engine)
    fife = Caller("fife.solo", "solo", "Fife")
    angus = Caller("angus.solo", "solo", "Angus")
    why = "FICTIONAL: out-of-area placement under test"
    done = services_casework.record_out_of_area_reason(
        services, fife, case_id=case, ground="no_manageable_housing", details=None)
    assert isinstance(done, CaseAck) and done.recorded == "case_out_of_area"
    with pytest.raises(WorkflowRefusedError, match="recorded by Fife; Angus is not it"):
        services_casework.record_plan(services, angus, case_id=case, plan=PLAN)
    with pytest.raises(WorkflowRefusedError, match="you may record only for Angus"):
        services_casework.record_discussion(services, angus, case_id=case,
                                            held_on=TODAY, participants="both SOLOs",
                                            agreed=AGREED, authority="Fife", today=TODAY)
    record = services_casework.record_discussion(
        services, angus, case_id=case, held_on=TODAY, participants="both SOLOs",
        agreed=AGREED, justification=why, today=TODAY)
    assert isinstance(record, CaseRecord) and record.out_of_area_record is not None
    assert record.out_of_area_record.discussions[0].authority == "Angus"
    with pytest.raises(NotFoundError):
        services_casework.record_plan(services, Caller("perth.solo", "solo", "Perth"),
                                      case_id=case, plan=PLAN)
    with pytest.raises(ForbiddenError):
        services_casework.record_plan(services, Caller("omu", "omu_analyst", "Police"),
                                      case_id=case, plan=PLAN)


def test_a_case_conference_cannot_place_out_of_area_without_them(engine: Engine) -> None:
    """R66, R67: "under no circumstances" without consent and a plan, so a Part D
    finding the placement manageable is refused as Part C is; one finding it not
    manageable needs none of them."""
    case = placement(engine)
    record_agreement(engine, case, agency="solo", agrees=False, actor=officer(),
                     comments="FICTIONAL: the council objects")
    kw: dict[str, Any] = {"agency": "police_scotland", "property_id": "P1",
                          "conclusion": "FICTIONAL", "reasons": "FICTIONAL",
                          "conference_on": TODAY, "actor": officer("chair")}
    with pytest.raises(WorkflowRefusedError) as refused:
        decide(engine, case, manageable=True, **kw)
    assert "cannot decide case" in str(refused.value)
    assert named(str(refused.value)) == [CONSENT, REASON, PLAN_MISSING, DISCUSSION]
    assert decide(engine, case, manageable=False, **kw)["status"] == "decided"
