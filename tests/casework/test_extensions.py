"""Time extensions for complex cases (NASSO 3.5, REQUIREMENTS.md R22) and the reading of
3.5's SOLO/others split (R21), on SQLite and PostgreSQL.

Every date below is worked by hand from the calendar, not from geo_era's
``add_working_days``. Scottish public holidays around Christmas 2026: Fri 25 Dec
(Christmas Day), Sat 26 Dec (Boxing Day) observed Mon 28 Dec, Fri 1 Jan 2027 (New
Year's Day), Sat 2 Jan observed Mon 4 Jan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select

from geo_era.casework.cases import approve, list_cases, open_case, show_case
from geo_era.casework.extensions import extend_deadline
from geo_era.casework.workdays import deadlines
from geo_era.db.store import DeadlineExtension, open_store, session_scope
from geo_era.errors import DataError, WorkflowRefusedError
from geo_era.services import casework as services_casework
from geo_era.services.answers.casework import CaseRecord
from geo_era.services.context import Services
from geo_era.services.policy import Caller
from geo_era.settings import Settings
from tests.casework.test_cases import make_ready
from tests.conftest import officer
from tests.migrations import migrate

D = dt.date
#: Mon 14 Dec 2026. Working days after it: Tue 15 (1), Wed 16 (2), Thu 17 (3), Fri 18
#: (4), Mon 21 (5), Tue 22 (6), Wed 23 (7), Thu 24 (8), [Fri 25, Mon 28 holidays] Tue 29
#: (9), Wed 30 (10), Thu 31 (11), [Fri 1, Mon 4 holidays] Tue 5 Jan (12).
NOTIFIED = D(2026, 12, 14)
REASON = "FICTIONAL: three candidate closes, each needs a door-to-door minimum set"


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


def new(engine: Engine, *, case_type: str = "initial_new",
        reading: str = "from_notification") -> dict[str, Any]:
    return open_case(engine, subject_id="FICTIONAL-S000042", property_ids=["P1"],
                     case_type=case_type, notified=NOTIFIED, on_licence_or_order=False,
                     today=D(2026, 12, 15), reading=reading,
                     assess=lambda s, p: {"property_id": p}, actor=officer())


def dues(doc: dict[str, Any]) -> dict[str, str]:
    return {"overall": doc["due"], **{a["agency"]: a["due"] for a in doc["agencies"]}}


def test_the_two_readings_of_the_solo_others_split(engine: Engine) -> None:
    """R21/R22: from notification (the default), SOLO 2 (Wed 16 Dec), others 5 (Mon 21
    Dec), overall 7 (Wed 23 Dec). After the SOLO's: others 5 working days after Wed 16
    Dec: Thu 17, Fri 18, Mon 21, Tue 22, Wed 23 -> Wed 23 Dec. Already resident: SOLO 2
    (Wed 16), others 10 from notification -> Wed 30 Dec (across Christmas); after the
    SOLO's, 10 after Wed 16 Dec: 17, 18, 21, 22, 23, 24, 29, 30, 31, Tue 5 Jan 2027."""
    assert dues(new(engine)) == {"overall": "2026-12-23", "police_scotland": "2026-12-21",
                                 "solo": "2026-12-16"}
    assert dues(new(engine, reading="after_solo")) == {
        "overall": "2026-12-23", "police_scotland": "2026-12-23", "solo": "2026-12-16"}
    assert dues(new(engine, case_type="initial_resident")) == {
        "overall": "2027-01-05", "police_scotland": "2026-12-30", "solo": "2026-12-16"}
    assert dues(new(engine, case_type="initial_resident", reading="after_solo")) == {
        "overall": "2027-01-05", "police_scotland": "2027-01-05", "solo": "2026-12-16"}
    # an annual review has no split ("by all"): 21 from the renewal under both readings
    assert deadlines("annual_review", NOTIFIED, "after_solo") == deadlines(
        "annual_review", NOTIFIED)
    with pytest.raises(DataError, match="unknown deadline reading 'solo_first'; use one of "
                                        "from_notification, after_solo"):
        new(engine, reading="solo_first")


def test_an_extension_across_christmas_keeps_the_original(engine: Engine) -> None:
    """R22: the case is due Wed 23 Dec; 5 more working days: Thu 24 (1), [Fri 25, Sat,
    Sun, Mon 28 substitute Boxing Day], Tue 29 (2), Wed 30 (3), Thu 31 (4), [Fri 1 Jan,
    Sat, Sun, Mon 4 substitute 2 Jan], Tue 5 Jan 2027 (5). The original due date and the
    extension stay on the case and in the list; overdue is judged on the current date."""
    ref = new(engine)["case_id"]
    christmas_eve = D(2026, 12, 24)
    listed = list_cases(engine, actor=officer(), overdue=True, today=christmas_eve)
    assert [c["case_id"] for c in listed] == [ref]  # due 23 Dec, not extended: overdue
    doc = extend_deadline(engine, ref, granted_as="police_scotland", reason=REASON,
                          working_days=5, actor=officer("DS FICTIONAL"), today=christmas_eve)
    assert (doc["due"], doc["original_due"], doc["overdue"]) == ("2027-01-05", "2026-12-23",
                                                                 False)
    [ext] = doc["extensions"]
    assert (ext["agency"], ext["previous_due"], ext["new_due"], ext["reason"],
            ext["granted_as"], ext["recorded_by"]) == (
        None, "2026-12-23", "2027-01-05", REASON, "police_scotland", "DS FICTIONAL")
    assert list_cases(engine, actor=officer(), overdue=True, today=christmas_eve) == []
    [summary] = list_cases(engine, actor=officer(), today=christmas_eve)
    assert (summary["due"], summary["original_due"], len(summary["extensions"])) == (
        "2027-01-05", "2026-12-23", 1)
    # overdue again once the extended date has passed (Wed 6 Jan)
    assert [c["case_id"] for c in list_cases(engine, actor=officer(), overdue=True,
                                             today=D(2027, 1, 6))] == [ref]
    # a second extension, to a date: both kept, the original still the first's "from"
    doc = extend_deadline(engine, ref, granted_as="mappa_coordinator", to=D(2027, 1, 8),
                          reason="FICTIONAL: the landlord's void inspection moved",
                          actor=officer("MAPPA coordinator"), today=christmas_eve)
    assert doc["original_due"] == "2026-12-23" and doc["due"] == "2027-01-08"
    assert [(e["previous_due"], e["new_due"], e["granted_as"]) for e in doc["extensions"]] \
        == [("2026-12-23", "2027-01-05", "police_scotland"),
            ("2027-01-05", "2027-01-08", "mappa_coordinator")]
    with session_scope(engine) as session:  # independently: the rows in the store
        rows = session.execute(select(DeadlineExtension.previous_due,
                                      DeadlineExtension.new_due)
                               .order_by(DeadlineExtension.id)).all()
    assert [tuple(r) for r in rows] == [(D(2026, 12, 23), D(2027, 1, 5)),
                                        (D(2027, 1, 5), D(2027, 1, 8))]


def test_an_agency_extension(engine: Engine) -> None:
    """R22: police are due Mon 21 Dec; an agency's deadline never passes the case's
    (Wed 23 Dec), and never lands on a holiday (Mon 28 Dec is Boxing Day observed)."""
    ref = new(engine)["case_id"]
    kw: dict[str, Any] = {"granted_as": "police_scotland", "reason": REASON,
                          "agency": "police_scotland", "actor": officer()}
    with pytest.raises(WorkflowRefusedError, match=r"police_scotland's deadline cannot pass "
                                                   r"the case's \(2026-12-23\); extend the "
                                                   r"case first"):
        extend_deadline(engine, ref, to=D(2026, 12, 24), **kw)
    extend_deadline(engine, ref, granted_as="police_scotland", reason=REASON,
                    to=D(2026, 12, 31), actor=officer())
    with pytest.raises(DataError, match=r"2026-12-28 is not a working day .*the next one "
                                        r"is 2026-12-29"):
        extend_deadline(engine, ref, to=D(2026, 12, 28), **kw)
    doc = extend_deadline(engine, ref, to=D(2026, 12, 24), **kw)
    police = next(a for a in doc["agencies"] if a["agency"] == "police_scotland")
    assert police["due"] == "2026-12-24"
    assert doc["agency_deadlines"]["police_scotland"]["original_due"] == "2026-12-21"
    assert doc["due"] == "2026-12-31" and doc["original_due"] == "2026-12-23"
    # the agency's extension is not one of the case's
    assert [e["agency"] for e in doc["extensions"]] == [None]


@pytest.mark.parametrize(("kw", "error", "message"), [
    ({"granted_as": "solo"}, WorkflowRefusedError,
     r"only the lead agency \(police_scotland\) or the MAPPA coordinator may extend"),
    ({"reason": "busy"}, DataError, "say why the case needs more time"),
    ({"to": D(2026, 12, 22), "working_days": None}, WorkflowRefusedError,
     "the deadline is already 2026-12-23; an extension sets a later one"),
    ({"working_days": None}, DataError, "give either the new deadline"),
    ({"to": D(2027, 1, 5)}, DataError, "give either the new deadline"),
])
def test_refusals(engine: Engine, kw: dict[str, Any], error: type[Exception],
                  message: str) -> None:
    """R22: who may grant (the lead agency or the MAPPA coordinator, never the agency
    itself), and an extension always has a reason and a later date."""
    ref = new(engine)["case_id"]
    args: dict[str, Any] = {"granted_as": "police_scotland", "reason": REASON,
                            "working_days": 2, "actor": officer()}
    args.update(kw)
    with pytest.raises(error, match=message):
        extend_deadline(engine, ref, **args)
    assert show_case(engine, ref, actor=officer())["extensions"] == []


def test_a_closed_case_is_not_extended(engine: Engine) -> None:
    ref = new(engine)["case_id"]
    make_ready(engine, ref, ["police_scotland", "solo"])
    approve(engine, ref, agency="police_scotland", property_id="P1", manageable=True,
            conclusion="FICTIONAL", reasons="FICTIONAL", actor=officer())
    with pytest.raises(WorkflowRefusedError, match="is approved; nothing more"):
        extend_deadline(engine, ref, granted_as="police_scotland", reason=REASON,
                        working_days=1, actor=officer())


def test_the_coordinator_and_the_lead_grant_through_the_services(
        tmp_path: Path, engine: Engine) -> None:
    """R22 through the services: the MAPPA coordinator grants as such; a SOLO may not
    grant (it asks the lead agency); the setting GEO_ERA_DEADLINE_READING reaches new
    cases."""
    settings = Settings(home=tmp_path / "home", deadline_reading="after_solo")
    services = Services(settings, engine)
    omu = Caller("omu.fictional", "omu_analyst", "Police Scotland")
    why = "FICTIONAL: ERA case work under test"
    opened = services_casework.open_case(services, omu, subject_id="FICTIONAL-S1",
                                         property_ids=["P1"], notified=NOTIFIED,
                                         assess=False, justification=why,
                                         authority="FICTIONAL Council",
                                         today=D(2026, 12, 15))
    assert isinstance(opened, CaseRecord)
    assert {a.agency: a.due for a in opened.agencies} == {
        "police_scotland": D(2026, 12, 23), "solo": D(2026, 12, 16)}  # after the SOLO's
    ref = opened.case_id
    coordinator = Caller("mappa.fictional", "mappa_coordinator", "MAPPA Unit")
    done = services_casework.extend_deadline(services, coordinator, case_id=ref,
                                             reason=REASON, working_days=5,
                                             justification=why)
    assert isinstance(done, CaseRecord)
    assert (done.due, done.original_due) == (D(2027, 1, 5), D(2026, 12, 23))
    assert done.extensions[0].granted_as == "mappa_coordinator"
    solo = Caller("solo.fictional", "solo", "FICTIONAL Council")
    with pytest.raises(WorkflowRefusedError, match=r"only the lead agency \(police_scotland\)"
                                                   r" or the MAPPA coordinator"):
        services_casework.extend_deadline(services, solo, case_id=ref, reason=REASON,
                                          working_days=1)


def test_the_migration_goes_down_and_up_again(tmp_path: Path, database_url: str) -> None:
    """R22, R49, R65-R68: migration 0010's tables (extensions, out-of-area records,
    holdings, written files) are dropped by its downgrade and made again by upgrade, on
    both backends, and a case made before them shows no extension and its 3.5 date."""
    engine = open_store(tmp_path, database_url)
    ref = new(engine)["case_id"]
    tables = {"deadline_extensions", "out_of_area_records", "era_holdings", "written_files"}
    migrate(engine, "0006", down=True)
    assert tables.isdisjoint(inspect(engine).get_table_names())
    migrate(engine, "head")
    assert tables <= set(inspect(engine).get_table_names())
    doc = show_case(engine, ref, actor=officer())
    assert (doc["due"], doc["original_due"], doc["extensions"]) == ("2026-12-23",
                                                                    "2026-12-23", [])
    engine.dispose()
