"""The finding services (:mod:`geo_era.services.finding`) on SQLite and PostgreSQL: a
subject's cases and a property's cases as each role may see them, every search and
refusal audited; the address index built once per snapshot of the properties layer
(R104: need to know and the audit trail; R39, R40: flat notation)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.db.store import session_scope
from geo_era.errors import ForbiddenError, NotFoundError
from geo_era.security.audit import AuditEntry
from geo_era.services import Caller, Services, finding
from geo_era.settings import Settings
from tests.conftest import import_demo, officer

WHY = "ERA for new accommodation, MAPPA meeting"


@pytest.fixture
def services(demo_files: list[Path], tmp_path: Path, database_url: str
             ) -> Iterator[Services]:
    import_demo(demo_files, tmp_path / "home")
    made = Services(Settings(home=tmp_path / "home", database_url=database_url))
    yield made
    made.engine.dispose()  # before the test database is dropped


def last(engine: Engine) -> AuditEntry:
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        return entry


def test_cases_found_by_subject_and_by_property_as_each_role_may(services: Services
                                                                 ) -> None:
    """R104: the analyst finds the case by its subject and by each candidate, each search
    one audit entry; another council's SOLO finds none; a Link Officer is refused, and
    the refusal is recorded."""
    subjects = services.layers.read_attributes("subjects", ["subject_id",
                                                            "current_property_id"])
    row = subjects[subjects["current_property_id"].notna()].iloc[0]
    subject, home = str(row["subject_id"]), str(row["current_property_id"])
    case = open_assessed_case(services.layers, services.engine, subject_id=subject,
                              property_ids=[home], case_type="initial_new",
                              notified=clock.today(), actor=officer())
    analyst = Caller("ana", "omu_analyst", "FICTIONAL Police OMU")
    found = finding.find_subject(services, analyst, subject_id=subject, justification=WHY)
    assert [c.case_id for c in found.cases] == [case["case_id"]] and found.in_subjects_layer
    entry = last(services.engine)
    assert (entry.actor, entry.record_type, entry.record_ids, entry.justification) == (
        "ana", "subject", [subject, case["case_id"]], WHY)
    view = finding.property_view(services, analyst, property_id=home, justification=WHY)
    assert view.cases is not None and [c.case_id for c in view.cases] == [case["case_id"]]
    assert view.minimum_set is not None
    entry = last(services.engine)
    assert (entry.record_type, entry.record_ids) == ("case", [home, case["case_id"]])

    other = Caller("sol", "solo", "FICTIONAL Other Council")
    assert finding.find_subject(services, other, subject_id=subject,
                                justification=WHY).cases == []
    with pytest.raises(NotFoundError):
        finding.find_subject(services, other, subject_id="FICTIONAL-NOBODY",
                             justification=WHY)
    link = Caller("lin", "rsl_link_officer", "FICTIONAL Housing")
    with pytest.raises(ForbiddenError):
        finding.find_subject(services, link, subject_id=subject, justification=WHY)
    entry = last(services.engine)
    assert (entry.actor, entry.outcome, entry.record_ids) == ("lin", "denied", [subject])
    seen = finding.property_view(services, link, property_id=home, justification=WHY)
    assert seen.minimum_set is None and seen.cases is None
    assert seen.sites.property_id == home


def test_the_index_is_built_once_per_snapshot(services: Services) -> None:
    """R39, R40: one parse of the addresses per snapshot of the properties layer; the
    search answers ids and addresses only."""
    caller = Caller("ana", "omu_analyst", "FICTIONAL Police OMU")
    first = finding.address_index(services)
    assert finding.address_index(services) is first
    layer = services.layers.read_attributes("properties", ["property_id", "address"])
    address = str(layer["address"].iloc[0])
    answer = finding.find_properties(services, caller, text=address.upper())
    assert answer.properties[0].property_id == str(layer["property_id"].iloc[0])
    assert set(answer.properties[0].model_dump()) == {"property_id", "address"}
    with pytest.raises(ForbiddenError):
        finding.find_properties(services, Caller("nhs", "nhs_liaison", "FICTIONAL NHS"),
                                text=address)
