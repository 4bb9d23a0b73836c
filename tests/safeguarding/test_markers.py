"""Staff-safety markers in the core (NASSO 69-70, 5.3; REQUIREMENTS.md R93, R99), on
SQLite and PostgreSQL.

Every date below is worked by hand from the calendar: a marker recorded on Mon 2 March
2026 with its review on Wed 1 April 2026 and its expiry on Mon 1 June 2026 is current
from 2 March to 31 March, due a review (still shown to housing staff and contractors)
from 1 April to 31 May, and expired (shown to the Responsible Authorities only) from
1 June.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from geo_era.db.store import MarkerFirm, StaffSafetyMarker, open_store, session_scope
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.safeguarding import markers as core
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from tests.conftest import officer

RECORDED = dt.date(2026, 3, 2)
REVIEW = dt.date(2026, 4, 1)
EXPIRES = dt.date(2026, 6, 1)
COUNCIL = "FICTIONAL Inverallan Council"
LANDLORD = "FICTIONAL Glen Housing"
FIRM = "FICTIONAL Allan Repairs Ltd"
PASSWORD = "a long fictional passphrase"
OMU = officer("omu.one", role="omu_analyst", organisation="FICTIONAL Police OMU")
SOLO = officer("solo.one", role="solo", organisation=COUNCIL, scope=COUNCIL)
FACTS = core.PropertyFacts("P-100", landlord=LANDLORD, authority=COUNCIL)
#: What housing staff and contractors must never be told (NASSO 69-71).
NEVER_SHARED = {"subject_id", "reason", "owner", "recorded_by", "text_reviewed_by",
                "last_reviewed_by", "firms", "landlord"}


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    add_user(engine, "omu.one", role="omu_analyst", organisation="FICTIONAL Police OMU",
             password=PASSWORD)
    add_user(engine, "solo.one", role="solo", organisation=COUNCIL, password=PASSWORD)
    add_user(engine, "solo.other", role="solo", organisation="FICTIONAL Other Council",
             password=PASSWORD)
    add_user(engine, "link.one", role="rsl_link_officer", organisation=LANDLORD,
             password=PASSWORD)
    yield engine
    engine.dispose()


def _add(engine: Engine, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "instructions": ["visit_in_pairs", "access_through_solo"],
        "practical_text": "FICTIONAL: call the SOLO before every repair visit",
        "owner": "omu.one", "review_on": REVIEW, "expires_on": EXPIRES, "actor": OMU,
        "firms": [FIRM], "subject_id": "SUBJ-FICTIONAL-1",
        "reason": "FICTIONAL: convicted of assaulting a housing officer",
        "today": RECORDED}
    facts = kw.pop("facts", FACTS)
    args.update(kw)
    return core.add_marker(engine, facts, **args)


def _shared(engine: Engine, today: dt.date, **kw: Any) -> list[dict[str, Any]]:
    return core.shared_markers(engine, actor=officer("link.one", role="rsl_link_officer",
                                                     organisation=LANDLORD),
                               today=today, **kw)


def test_expiry_and_review_dates_worked_by_hand(engine: Engine) -> None:
    """R99: a marker is shown to the landlord and the firm while current, listed for its
    owner from its review date, and hidden outside the Responsible Authorities from its
    expiry date, but kept for them."""
    marker = _add(engine)
    ref = marker["marker_id"]
    assert marker["status"] == "current" and ref.startswith("SSM-")
    owner = officer("omu.one", role="omu_analyst")
    # 31 March: the day before the review date
    day = dt.date(2026, 3, 31)
    assert [m["status"] for m in _shared(engine, day, landlord=LANDLORD)] == ["current"]
    assert core.due_for_review(engine, actor=owner, today=day) == []
    # 1 April: the review date; still shown, and on the owner's list
    day = dt.date(2026, 4, 1)
    assert [m["status"] for m in _shared(engine, day, firm=FIRM.upper())] == ["review_due"]
    assert [m["marker_id"] for m in core.due_for_review(engine, actor=owner, today=day)
            ] == [ref]
    # ... but not on another officer's list
    assert core.due_for_review(engine, actor=SOLO, today=day) == []
    # 31 May: the last day shown
    assert len(_shared(engine, dt.date(2026, 5, 31), landlord=f"  {LANDLORD.lower()} ")) == 1
    # 1 June: expired; gone for housing and contractors and from the due list, kept for
    # the Responsible Authorities
    day = dt.date(2026, 6, 1)
    assert _shared(engine, day, landlord=LANDLORD) == []
    assert _shared(engine, day, firm=FIRM) == []
    assert core.due_for_review(engine, actor=owner, today=day) == []
    assert core.list_markers(engine, actor=OMU, today=day) == []
    kept = core.list_markers(engine, actor=OMU, today=day, include_expired=True)
    assert [(m["marker_id"], m["status"], m["subject_id"]) for m in kept] == [
        (ref, "expired", "SUBJ-FICTIONAL-1")]


def test_a_review_moves_the_dates_and_ends_a_marker(engine: Engine) -> None:
    """R99: the owner's review on 1 April sets the next review to 1 May (off the list
    until then); a review on 10 April setting the expiry to that day ends it at once."""
    ref = _add(engine)["marker_id"]
    owner = officer("omu.one", role="omu_analyst")
    day = dt.date(2026, 4, 1)
    done = core.review_marker(engine, ref, actor=owner, review_on=dt.date(2026, 5, 1),
                              today=day)
    assert (done["review_on"], done["status"], done["last_reviewed_by"]) == (
        dt.date(2026, 5, 1), "current", "omu.one")
    assert core.due_for_review(engine, actor=owner, today=dt.date(2026, 4, 30)) == []
    assert len(core.due_for_review(engine, actor=owner, today=dt.date(2026, 5, 1))) == 1
    ended = core.review_marker(engine, ref, actor=owner, expires_on=dt.date(2026, 4, 10),
                               review_on=dt.date(2026, 4, 10), today=dt.date(2026, 4, 10))
    assert ended["status"] == "expired"
    assert _shared(engine, dt.date(2026, 4, 10), landlord=LANDLORD) == []
    with pytest.raises(DataError, match="after the expiry date"):
        core.review_marker(engine, ref, actor=owner, review_on=dt.date(2026, 7, 1),
                           today=dt.date(2026, 4, 10))


def test_the_practical_text_waits_for_another_officers_review(engine: Engine) -> None:
    """R93: the free text is the Responsible Authorities' own words: housing staff and
    contractors see it only once an RA officer other than its writer has reviewed it,
    and who reviewed it and when is kept."""
    ref = _add(engine)["marker_id"]
    before = _shared(engine, RECORDED, landlord=LANDLORD)[0]
    assert before["practical_text"] is None
    assert [i["code"] for i in before["instructions"]] == ["visit_in_pairs",
                                                           "access_through_solo"]
    with pytest.raises(WorkflowRefusedError, match="you wrote it"):
        core.review_marker(engine, ref, actor=OMU, approve_text=True, today=RECORDED)
    done = core.review_marker(engine, ref, actor=SOLO, approve_text=True, today=RECORDED)
    assert done["text_reviewed_by"] == "solo.one" and done["text_reviewed_at"] is not None
    after = _shared(engine, RECORDED, landlord=LANDLORD)[0]
    assert after["practical_text"] == "FICTIONAL: call the SOLO before every repair visit"
    assert set(after) & NEVER_SHARED == set()
    assert "SUBJ-FICTIONAL-1" not in repr(after) and "assault" not in repr(after)
    with pytest.raises(WorkflowRefusedError, match="already"):
        core.review_marker(engine, ref, actor=officer("x", role="cjsw"), approve_text=True,
                           today=RECORDED)


def test_a_firm_sees_only_markers_shared_with_it(engine: Engine) -> None:
    """R99: a contractor lists only the markers shared with its firm; a landlord only
    its own homes'; asking about a property reads the same whether it has a marker they
    may not see or none."""
    _add(engine)
    _add(engine, facts=core.PropertyFacts("P-200", landlord="FICTIONAL Other HA",
                                          authority=COUNCIL), firms=["FICTIONAL Other Ltd"])
    firm = officer("ctr", role="contractor", organisation=FIRM)
    mine = core.shared_markers(engine, actor=firm, firm=FIRM, today=RECORDED)
    assert [m["property_id"] for m in mine] == ["P-100"]
    assert mine[0]["tenancy_reference"] is None
    hidden = core.shared_markers(engine, actor=firm, firm=FIRM, property_id="P-200",
                                 today=RECORDED)
    absent = core.shared_markers(engine, actor=firm, firm=FIRM, property_id="P-999",
                                 today=RECORDED)
    assert hidden == absent == []
    assert [m["property_id"] for m in _shared(engine, RECORDED, landlord="FICTIONAL Other HA")
            ] == ["P-200"]
    with session_scope(engine) as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())
                                       .limit(3)))
    assert all("SUBJ-FICTIONAL-1" not in e.record_ids for e in entries)
    assert entries[1].record_ids == ["P-999"] and entries[2].record_ids == ["P-200"]


def test_council_staff_keep_to_their_council(engine: Engine) -> None:
    """R99: a SOLO records markers only in their own council and cannot see another's
    (it reads as a marker that does not exist)."""
    ref = _add(engine)["marker_id"]
    other = officer("solo.other", role="solo", organisation="FICTIONAL Other Council",
                    scope="FICTIONAL Other Council")
    with pytest.raises(WorkflowRefusedError, match="only on properties in"):
        _add(engine, actor=other, owner="solo.other")
    with pytest.raises(OutOfScopeError) as refused:
        core.review_marker(engine, ref, actor=other, review_on=REVIEW, today=RECORDED)
    with pytest.raises(NotFoundError) as missing:
        core.review_marker(engine, "SSM-999999", actor=other, review_on=REVIEW,
                           today=RECORDED)
    assert str(refused.value) == str(missing.value).replace("SSM-999999", ref)
    assert core.list_markers(engine, actor=other, today=RECORDED) == []
    assert len(core.list_markers(engine, actor=SOLO, today=RECORDED)) == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"instructions": [], "practical_text": " "}, "at least one instruction"),
    ({"instructions": ["bring_a_dog"]}, "unknown instruction"),
    ({"review_on": dt.date(2026, 3, 1)}, "in the past"),
    ({"expires_on": RECORDED}, "not after today"),
    ({"review_on": dt.date(2026, 7, 1)}, "after the expiry date"),
    ({"expires_on": dt.date(2030, 1, 1)}, "more than"),
    ({"owner": "link.one"}, "not an active Responsible Authority officer"),
    ({"owner": "nobody"}, "not an active Responsible Authority officer"),
    ({"owner": "solo.other"}, "works for another council"),
    ({"practical_text": "x" * 1_001}, "at most 1,000"),
    ({"firms": [f"FICTIONAL firm {i}" for i in range(21)]}, "at most 20"),
])
def test_bad_input_is_refused_and_nothing_written(engine: Engine, change: dict[str, Any],
                                                  message: str) -> None:
    with pytest.raises(DataError, match=message):
        _add(engine, **change)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(StaffSafetyMarker)) == 0
        assert session.scalar(select(func.count()).select_from(MarkerFirm)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_migration_0013_matches_the_models_and_goes_down(engine: Engine) -> None:
    """Migration 0013 makes exactly the markers' tables of the models (columns, types,
    nullability, indexes, as Alembic's comparison reads them) and takes them away
    again."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    from geo_era.db.store import Base
    from tests.migrations import migrate

    tables = {"staff_safety_markers", "staff_safety_marker_firms"}
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    ours = [d for d in diffs if tables & set(repr(d).split("'"))]
    assert ours == []
    migrate(engine, "0010", down=True)
    assert tables & set(inspect(engine).get_table_names()) == set()
    migrate(engine, "head")
    assert tables <= set(inspect(engine).get_table_names())


def test_expired_markers_are_weeded_after_retention(engine: Engine) -> None:
    """R99 with the retention policy: a marker expiring on 1 June 2026 kept 30 days is
    still there on 1 July (cutoff 1 June: not before it) and weeded on 2 July (cutoff
    2 June), with its firms, one erasure entry and a weeding-log count; a marker not
    yet expired stays whatever the retention."""
    from geo_era.db.store import WeedingRecord

    gone = _add(engine)["marker_id"]
    kept = _add(engine, expires_on=dt.date(2026, 9, 1))["marker_id"]
    first = core.weed_markers(engine, retention_days=30, actor=OMU,
                              today=dt.date(2026, 7, 1))
    assert (first["weeded"], first["cutoff"]) == (0, "2026-06-01")
    second = core.weed_markers(engine, retention_days=30, actor=OMU,
                               today=dt.date(2026, 7, 2))
    assert second["weeded"] == 1
    left = core.list_markers(engine, actor=OMU, include_expired=True,
                             today=dt.date(2026, 7, 2))
    assert [m["marker_id"] for m in left] == [kept]
    core.weed_markers(engine, retention_days=0, actor=OMU, today=dt.date(2026, 8, 31))
    assert len(core.list_markers(engine, actor=OMU, today=dt.date(2026, 8, 31))) == 1
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(MarkerFirm)) == 1
        erased = session.scalars(select(AuditEntry).where(
            AuditEntry.operation == "erasure")).all()
        assert [e.record_ids for e in erased] == [[gone]]
        counts = [r.count for r in session.scalars(
            select(WeedingRecord).where(WeedingRecord.record_type == "markers"))]
        assert counts == [0, 1, 0]
