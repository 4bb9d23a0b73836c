"""The ERA document shows an out-of-area placement's consent, reason, plan and the
councils' discussion (NASSO 3.13; REQUIREMENTS.md R65-R68), each deadline extension with
the original due date (3.5, R22) and where the full ERA is held (3.3, 3.11, R49); and
weeding removes the documents written from a weeded case, with the weeding log, while
keeping every other case's files and any file changed since geo_era wrote it (R49).

On the demo town; documents are written as users write them (the services behind
``geo-era era-document``), and checked independently: files on disk, rows in the store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from geo_era import clock
from geo_era.analysis.areas import council_of
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import (
    approve,
    conflict_key,
    parse_case_id,
    record_agreement,
    record_consent,
    record_response,
)
from geo_era.casework.extensions import extend_deadline
from geo_era.casework.out_of_area import (
    record_discussion,
    record_era_held,
    record_plan,
    record_reason,
)
from geo_era.casework.retention import register_written, weed_files
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import (
    Case,
    WeedingRecord,
    WrittenFile,
    open_store,
    session_scope,
)
from geo_era.documents.era_document import era_document_html
from geo_era.security.audit import AuditEntry
from geo_era.services import records, reports
from geo_era.services.context import Services
from geo_era.services.documents import write_era_document
from geo_era.services.policy import Caller
from geo_era.settings import Settings
from tests.conftest import import_demo, officer
from tests.documents.test_era_document import _ready, open_assessed_snapshot
from tests.dwelling_visits import visit_every_dwelling

NOTIFIED = clock.today() - dt.timedelta(days=3)
PLACING = "FICTIONAL Other Council"
PLAN = "FICTIONAL: OMU home visits weekly for three months"
AGREED = "FICTIONAL: the receiving council accepts the placement"
WHY = "FICTIONAL: ERA documents under test"


@dataclass(frozen=True)
class World:
    home: Path
    store: LayerStore
    engine: Engine
    subject_id: str
    house: str
    council: str


@pytest.fixture(scope="module")
def world(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    home = tmp_path_factory.mktemp("case-records") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    subjects = store.read_attributes("subjects", ["subject_id", "on_licence_or_order"])
    subject_id = str(subjects.loc[~subjects["on_licence_or_order"].fillna(False)
                                  .astype(bool), "subject_id"].iloc[0])
    props = store.read_attributes("properties", ["property_id", "property_type"])
    house = str(props.loc[props["property_type"].astype(str) == "semi_detached",
                          "property_id"].iloc[0])
    council = council_of(store, house)
    assert council is not None
    yield World(home, store, engine, subject_id, house, council)
    engine.dispose()


@pytest.fixture
def alone(world: World, tmp_path: Path) -> Iterator[World]:
    """The module's world with a case store of its own: a weeding sees only the cases
    and files of its own test."""
    engine = open_store(tmp_path / "own-store")
    yield dataclasses.replace(world, engine=engine)
    engine.dispose()


def new_case(world: World, **kw: str) -> str:
    return str(open_assessed_case(world.store, world.engine, subject_id=world.subject_id,
                                  property_ids=[world.house], case_type="initial_new",
                                  notified=NOTIFIED, actor=officer(), **kw)["case_id"])


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_era_document_shows_the_placement_extensions_and_where_held(
        world: World) -> None:
    """R65-R68: consent, reason, plan and discussion in the document, each with who;
    R22: the original due date, the extension and its reason; R49: where it is held.
    Until they are recorded, Part C's list names each missing piece."""
    case = new_case(world, placing_authority=PLACING, receiving_authority=world.council)
    before = text_of(era_document_html(world.store, world.engine, case, actor=officer(),
                                       part_a=True))
    for missing in (f"the receiving authority ({world.council}) has not recorded its consent",
                    f"{PLACING} has not recorded why the subject is placed out of area",
                    f"{PLACING} has not recorded a plan to manage the risk",
                    f"no discussion between {PLACING} and {world.council} is recorded",
                    "Full ERA held not recorded"):
        assert missing in before, missing
    record_consent(world.engine, case, authority=world.council, actor=officer("recv.solo"))
    record_reason(world.engine, case, authority=PLACING, ground="no_manageable_housing",
                  details="FICTIONAL: no void in the placing council fits the conditions",
                  actor=officer("placing.solo"))
    record_plan(world.engine, case, authority=PLACING, plan=PLAN,
                actor=officer("placing.solo"))
    record_discussion(world.engine, case, authority=world.council, held_on=NOTIFIED,
                      participants="FICTIONAL: both councils' SOLOs", agreed=AGREED,
                      actor=officer("recv.solo"))
    doc = extend_deadline(world.engine, case, granted_as="police_scotland", working_days=3,
                          reason="FICTIONAL: the minimum set spans three closes",
                          actor=officer("ds"))
    record_era_held(world.engine, case, agency="solo", system="FICTIONAL council EDRMS",
                    reference="HR/ERA/0042", actor=officer("recv.solo"))
    after = text_of(era_document_html(world.store, world.engine, case, actor=officer(),
                                      part_a=True))
    original = dt.date.fromisoformat(doc["original_due"]).strftime("%a %d %b %Y")
    due = dt.date.fromisoformat(doc["due"]).strftime("%a %d %b %Y")
    for shown in (f"Out-of-area placement (NASSO 3.13): {PLACING} into {world.council}",
                  "recorded by recv.solo",
                  "manageable housing is not available in the placing authority's area: "
                  "FICTIONAL: no void in the placing council fits the conditions",
                  PLAN, AGREED, "FICTIONAL: both councils' SOLOs",
                  f"Originally due {original}",
                  f"the case: {original} to {due}, granted by",
                  "FICTIONAL: the minimum set spans three closes",
                  "FICTIONAL council EDRMS, reference HR/ERA/0042"):
        assert shown in after, shown
    assert "has not recorded" not in after


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_weeding_removes_a_weeded_cases_documents_and_keeps_the_rest(
        alone: World, tmp_path: Path) -> None:
    """R49: documents written from a case go when the case is weeded; another case's
    stay; a file changed since it was written is left and reported; the weeding log
    and the audit trail say how many, never which files; report files go by age."""
    services = Services(Settings(home=alone.home, retention_cases_days=30,
                                 retention_reports_days=90), alone.engine)
    operator = Caller.operator("ops")
    closed, still_open = new_case(alone), new_case(alone)
    agencies = ["police_scotland", "solo"]
    _ready(alone.engine, closed, agencies, alone.house)
    for agency in agencies:
        record_agreement(alone.engine, closed, agency=agency, agrees=True, actor=officer())
    snapshot = open_assessed_snapshot(alone.engine, closed, alone.house)
    for finding in snapshot.get("check", {}).get("conflicts", []):
        record_response(alone.engine, closed, agency="police_scotland",
                        property_id=alone.house, to=conflict_key(finding),
                        response="FICTIONAL: answered", actor=officer("ds"))
    visit_every_dwelling(alone.engine, closed, alone.house)
    approve(alone.engine, closed, agency="police_scotland", property_id=alone.house,
            manageable=True, conclusion="FICTIONAL", reasons="FICTIONAL", actor=officer())
    out = tmp_path / "documents"
    written = {
        "closed.pdf": (closed, None), "closed-sheet.html": (closed, alone.house),
        "closed-edited.html": (closed, None), "open.html": (still_open, None)}
    for name, (case, sheet) in written.items():
        write_era_document(services, operator, case_id=case, out=out / name,
                           justification=WHY, field_sheet=sheet)
    (out / "closed-edited.html").write_text("a local edit: no longer what geo_era wrote",
                                            encoding="utf-8")
    report = tmp_path / "report.csv"
    report.write_text("# FICTIONAL report table\n", encoding="utf-8")
    register_written(alone.engine, kind="report", paths=[report], actor=officer())
    open_digest = digest(out / "open.html")

    with session_scope(alone.engine) as session:  # the module's other tests weed too
        before = session.scalar(select(func.max(AuditEntry.seq))) or 0
    later = clock.today() + dt.timedelta(days=31)
    lines = records.weed(services, operator, today=later)
    by_type = {line.record_type: (line.weeded, line.left) for line in lines}
    assert by_type["cases"][0] >= 1 and by_type["documents"] == (2, 1)
    assert by_type["reports"] == (0, 0)  # 31 days old at most, kept 90
    assert not (out / "closed.pdf").exists() and not (out / "closed-sheet.html").exists()
    assert (out / "closed-edited.html").read_text(encoding="utf-8").startswith("a local")
    assert digest(out / "open.html") == open_digest
    assert report.exists()
    with session_scope(alone.engine) as session:
        log = [(r.record_type, r.count) for r in session.scalars(
            select(WeedingRecord).order_by(WeedingRecord.id))][-4:]
        assert log[2:] == [("documents", 2), ("reports", 0)]
        erased = session.scalars(select(AuditEntry).where(
            AuditEntry.operation == "erasure", AuditEntry.record_type == "documents",
            AuditEntry.seq > before)).all()
        assert [e.record_ids for e in erased] == [[closed]]
        assert str(out) not in repr([(e.record_ids, e.justification) for e in erased])
        kept = {Path(p).name for p in session.scalars(select(WrittenFile.path))
                if Path(p).is_relative_to(tmp_path)}  # not the module's other tests
        assert kept == {"closed-edited.html", "open.html", "report.csv"}

    # the report file goes once past its own retention; the edited file is left again
    lines = records.weed(services, operator, today=clock.today() + dt.timedelta(days=91))
    by_type = {line.record_type: (line.weeded, line.left) for line in lines}
    assert by_type["reports"] == (1, 0) and by_type["documents"] == (0, 1)
    assert not report.exists() and (out / "open.html").exists()


def test_an_interrupted_weeding_finishes_next_time(alone: World, tmp_path: Path) -> None:
    """R49: the cases are weeded in one transaction and their files after it; if the
    files step never ran (a crash between the two), the next weeding removes them."""
    services = Services(Settings(home=alone.home), alone.engine)
    case = new_case(alone)
    out = tmp_path / "era.html"
    write_era_document(services, Caller.operator("ops"), case_id=case, out=out,
                       justification=WHY)
    with session_scope(alone.engine) as session:  # the case goes (as a weeding would)
        session.delete(session.get(Case, parse_case_id(case)))
    assert out.exists()
    [documents, _] = weed_files(alone.engine, cases_days=0, reports_days=0,
                                actor=officer("ops"))
    assert documents["weeded"] == 1
    assert not out.exists()


def test_a_written_report_is_registered_for_weeding(world: World, tmp_path: Path) -> None:
    """R49: the over-concentration report's files, written as `geo-era report
    overconcentration` writes them, are registered with their digests (no case), so
    that weeding removes them past GEO_ERA_RETENTION_REPORTS_DAYS."""
    services = Services(Settings(home=world.home), world.engine)
    out = tmp_path / "report"
    written = reports.write_overconcentration_report(
        services, Caller.operator("ops"),
        reports.Asked(world.council, 2026, publish=True, permutations=99), out=out,
        justification=WHY)
    with session_scope(world.engine) as session:
        rows = session.scalars(select(WrittenFile).where(
            WrittenFile.kind == "report", WrittenFile.path.startswith(str(out)))).all()
        registered = {Path(r.path).name: r.sha256 for r in rows}
        assert all(r.case_id is None for r in rows)
    assert set(registered) == set(written.files) and "report.pdf" in registered
    assert registered == {name: digest(out / name) for name in written.files}
