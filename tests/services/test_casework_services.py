"""The casework services on the demo town: who records for which agency, council scope
(a case outside it reads as not found, and the refusal is audited by the service),
exactly one audit entry per call, zones recorded and read back from the command line,
review triggers audited, weeding only by the operator, ERA documents owner-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from sqlalchemy import Engine
from typer.testing import CliRunner

from geo_era import clock
from geo_era.cli import app as cli_app
from geo_era.errors import DataError, ForbiddenError, NotFoundError, WorkflowRefusedError
from geo_era.security.audit import AuditEntry
from geo_era.services import Caller, Services, casework, documents, records
from geo_era.services.answers.casework import CaseRecord
from geo_era.settings import Settings
from tests.conftest import import_demo
from tests.services.parity import WHY, audit_count, audit_entries

OMU = Caller("user.omu", "omu_analyst", "FICTIONAL Police OMU")
OPERATOR = Caller.operator("operator")


@pytest.fixture
def services(demo_files: list[Path], tmp_path: Path) -> Services:
    import_demo(demo_files, tmp_path / "home")
    return Services(Settings(home=tmp_path / "home"))


def subject_and_property(services: Services) -> tuple[str, str]:
    subjects = services.layers.read("subjects")
    subject = subjects.loc[~subjects["on_licence_or_order"].fillna(False).astype(bool),
                           "subject_id"].iloc[0]
    props = services.layers.read_attributes("properties", ["property_id"])
    return str(subject), str(props["property_id"].iloc[0])


def council(services: Services) -> str:
    areas = services.layers.read_attributes("areas", ["area_type", "name"])
    return str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])


def new_case(services: Services) -> str:
    subject, pid = subject_and_property(services)
    return casework.open_case(services, OMU, subject_id=subject, property_ids=[pid],
                              notified=clock.today(), assess=False).case_id


def last(engine: Engine) -> AuditEntry:
    return audit_entries(engine)[-1]


def test_each_step_is_one_audit_entry_by_the_caller(services: Services) -> None:
    before = audit_count(services.engine)
    case = new_case(services)
    shown = casework.show_case(services, OMU, case_id=case, justification=WHY)
    assert audit_count(services.engine) == before + 2
    entry = last(services.engine)
    assert (entry.actor, entry.role, entry.operation, entry.justification) == (
        "user.omu", "omu_analyst", "consultation", WHY)
    assert entry.record_ids == [case, shown.subject_id]
    done = casework.record_check(services, OMU, case_id=case, kind="database",
                                 item="visor", outcome="clear", justification=WHY)
    assert isinstance(done, CaseRecord)
    assert done.checks[-1].agency == "police_scotland"  # the caller's own agency
    assert audit_count(services.engine) == before + 3


def test_who_records_for_which_agency(services: Services) -> None:
    case = new_case(services)
    before = audit_count(services.engine)
    with pytest.raises(WorkflowRefusedError, match="you record for police_scotland, not "
                                                   "for solo"):
        casework.record_agreement(services, OMU, case_id=case, agrees=True, agency="solo")
    with pytest.raises(DataError, match="name the agency"):
        casework.record_agreement(services, OPERATOR, case_id=case, agrees=True)
    assert audit_count(services.engine) == before
    done = casework.record_agreement(services, OPERATOR, case_id=case, agrees=True,
                                     agency="solo", justification=WHY)
    assert isinstance(done, CaseRecord)
    assert next(a for a in done.agencies if a.agency == "solo").agrees is True


def test_another_councils_case_reads_as_not_found_and_is_audited(services: Services
                                                                  ) -> None:
    case = new_case(services)
    mine = Caller("user.solo", "solo", council(services))
    assert casework.show_case(services, mine, case_id=case, justification=WHY).case_id == case
    other = Caller("other.solo", "solo", "FICTIONAL Other Council")
    before = audit_count(services.engine)
    for step in (lambda: casework.show_case(services, other, case_id=case,
                                            justification=WHY),
                 lambda: documents.era_document_pdf(services, other, case_id=case,
                                                    justification=WHY)):
        with pytest.raises(NotFoundError, match=f"case {case!r} not found") as refused:
            step()
        assert type(refused.value) is NotFoundError  # nothing says it exists
        entry = last(services.engine)
        assert (entry.actor, entry.outcome, entry.record_ids) == ("other.solo", "denied",
                                                                  [case])
    assert audit_count(services.engine) == before + 2
    assert [c.case_id for c in casework.list_cases(services, other, justification=WHY)
            ] == []


def test_consent_is_given_for_the_callers_own_council(services: Services) -> None:
    subject, pid = subject_and_property(services)
    home = council(services)
    case = casework.open_case(services, OMU, subject_id=subject, property_ids=[pid],
                              notified=clock.today(), assess=False,
                              placing_authority="FICTIONAL Other Council",
                              receiving_authority=home).case_id
    solo = Caller("user.solo", "solo", home)
    with pytest.raises(WorkflowRefusedError, match=f"you may consent only for {home}"):
        casework.record_consent(services, solo, case_id=case, authority="Elsewhere")
    done = casework.record_consent(services, solo, case_id=case, justification=WHY)
    assert isinstance(done, CaseRecord)
    assert done.out_of_area is not None and done.out_of_area.consent_recorded


def test_zones_from_the_command_line(services: Services, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    subject, pid = subject_and_property(services)
    props = services.layers.read("properties")
    point = props.loc[props["property_id"] == pid, "geometry"].iloc[0]
    zone = tmp_path / "zone.geojson"
    zone.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": shapely.geometry.mapping(point.buffer(40.0, quad_segs=4))}]}))
    monkeypatch.setenv("GEO_ERA_HOME", str(services.settings.home))
    runner = CliRunner()

    def run(*args: str) -> str:
        done = runner.invoke(cli_app, list(args), catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return done.output

    added = [json.loads(run("zone", "add", subject, "--geojson", str(zone), "--crs",
                            "EPSG:27700", "--reason", "FICTIONAL workplace", "--json"))
             for _ in range(2)]
    assert [a["zone_id"] for a in added] == ["Z-000001", "Z-000002"]
    assert added[0]["crs"] == "EPSG:27700" and 4_000 < added[0]["area_m2"] < 5_100
    shown = json.loads(run("zone", "show", subject, "--justification", WHY, "--json"))
    assert shown["type"] == "FeatureCollection" and shown["crs"] == "EPSG:27700"
    ids = [f["id"] for f in shown["features"]]
    assert ids[-2:] == ["Z-000001", "Z-000002"]
    x, _y = shown["features"][-1]["geometry"]["coordinates"][0][0]
    assert 100_000 < x < 700_000  # British National Grid metres
    assert "Z-000002: FICTIONAL workplace" in run("zone", "show", subject,
                                                  "--justification", WHY)
    refused = runner.invoke(cli_app, ["zone", "show", subject])
    assert refused.exit_code != 0
    assert "needs a justification" in str(refused.exception)
    two = tmp_path / "two.geojson"
    two.write_text(json.dumps({"type": "FeatureCollection", "features": [{}, {}]}))
    with pytest.raises(DataError, match=r"give one zone per file \(2 features found\)"):
        runner.invoke(cli_app, ["zone", "add", subject, "--geojson", str(two)],
                      catch_exceptions=False)


def test_review_triggers_are_one_consultation(services: Services) -> None:
    before = audit_count(services.engine)
    run = records.review_triggers(services, OMU, justification=WHY)
    # nothing assessed yet: every housed subject is listed as never assessed, and no
    # change since an assessment can be (R13)
    assert run.housed > 0
    assert {t.kind for t in run.triggers} <= {"never_assessed", "conflict_at_home"}
    assert run.subjects_to_review == len({t.subject_id for t in run.triggers
                                          if t.kind == "never_assessed"})
    assert audit_count(services.engine) == before + 1
    entry = last(services.engine)
    assert (entry.operation, entry.record_type, entry.justification) == (
        "consultation", "subject", WHY)
    with pytest.raises(ForbiddenError):
        records.review_triggers(services, Caller("x", "rsl_link_officer", "FICTIONAL RSL"))
    with pytest.raises(DataError, match="needs a justification"):
        records.review_triggers(services, OMU)


def test_weeding_is_for_the_operator(services: Services) -> None:
    with pytest.raises(ForbiddenError, match="weeding is run by the operator"):
        records.weed(services, OMU)
    assert [w.record_type for w in records.weed(services, OPERATOR)] == [
        "cases", "homelessness", "placements", "waivers", "enquiries", "notifications",
        "markers", "documents", "reports"]


def test_era_document_is_owner_only(services: Services, tmp_path: Path) -> None:
    case = new_case(services)
    out = tmp_path / "era.html"
    before = audit_count(services.engine)
    size = documents.write_era_document(services, OPERATOR, case_id=case, out=out,
                                        justification=WHY)
    assert size == out.stat().st_size and out.stat().st_mode & 0o777 == 0o600
    assert audit_count(services.engine) == before + 1
    with pytest.raises(DataError, match="needs a justification"):
        documents.write_era_document(services, OPERATOR, case_id=case,
                                     out=tmp_path / "again.html", justification=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["era.html", "home"]
