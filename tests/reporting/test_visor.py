"""The ViSOR activity-log extract of a decided ERA (NASSO 3.3, 3.11; R7, R17, R132 in
REQUIREMENTS.md), on the demo town, on SQLite and on PostgreSQL.

Two cases are taken through the core as users take them, each written full of Part A and
Part B text that must never reach ViSOR (distinctive check notes, responses to the
subject check naming the victim's zone, a restriction on a neighbour, dwelling visits,
an agency's comments about the households next door, a victim-exclusion zone's reason,
the minimum set's addresses): one approved at Part C, one decided by a case conference
at Part D. The extract must hold Parts C/D, the date, decision, lead agency, reasons and
where the full ERA is held and by whom; and none of that Part A/B text, in the text and
in the PDF's extracted text.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import shapely
from sqlalchemy import Engine, func, select

from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import (
    PHYSICAL_ITEMS,
    approve,
    conflict_key,
    database_checklist,
    decide,
    record_agreement,
    record_check,
    record_response,
    record_restriction,
    show_case,
)
from geo_era.casework.out_of_area import record_era_held
from geo_era.casework.zones import add_exclusion_zone
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store, session_scope
from geo_era.documents.era_document import PART_C, PART_D
from geo_era.errors import DataError, NotFoundError, OutOfScopeError, WorkflowRefusedError
from geo_era.reporting.visor import (
    RECIPIENT,
    WIDTH,
    visor_extract,
    visor_pdf,
    write_extract,
)
from geo_era.security.audit import AuditEntry
from tests.conftest import fresh_postgres_database, import_demo, officer
from tests.dwelling_visits import visit_every_dwelling

NOTIFIED = dt.date(2026, 11, 26)
TODAY = dt.date(2026, 12, 1)
MADE = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)
WHY = "ERA decision to the ViSOR activity log"

# Part C / D: what the extract must carry (no word of it names a household)
C_CONCLUSION = "FICTIONAL: manageable, the flat may be offered with weekly visits"
C_REASONS = ("FICTIONAL: Part C reasons, the close is quiet and the police visit weekly; "
             "the landlord agreed a sensitive letting of the flat across the landing")
C_ADJUSTMENTS = "FICTIONAL: OMU home visits raised to weekly for three months"
D_CONCLUSION = "FICTIONAL: not manageable, the house is not to be offered"
D_REASONS = "FICTIONAL: Part D reasons, the conference found the route to town unmanaged"
CONFERENCE = dt.date(2026, 11, 30)

# Part A / B: what it must never carry
CHECK_NOTE = "FICTIONAL-CHECKNOTE-Q7: intelligence on the neighbour's visitors"
RESPONSE = "FICTIONAL-RESPONSE-K2: the victim's zone lies 300 m east of the flat"
RESTRICTION = "FICTIONAL-RESTRICT-M4: no allocation to a household with children"
COMMENTS = "FICTIONAL-COMMENT-P9: two families with young children next door"
ZONE_REASON = "FICTIONAL-ZONE-R3: the victim's workplace"
VISIT_NOTE = "FICTIONAL: no sign of the victim profile"  # tests/dwelling_visits.py
FORBIDDEN = (CHECK_NOTE, RESPONSE, RESTRICTION, COMMENTS, ZONE_REASON, VISIT_NOTE,
             "FICTIONAL-CHECKNOTE", "FICTIONAL-RESPONSE", "FICTIONAL-RESTRICT",
             "FICTIONAL-COMMENT", "FICTIONAL-ZONE", "victim profile", "child", "occupant",
             "adults at risk", "minimum set", "MAPPA", "condition", "exclusion", "zone",
             "Part A —", "Part B —")


@dataclass(frozen=True)
class World:
    store: LayerStore
    engine: Engine
    subject_id: str
    victim_profile: str
    conditions: str
    flat: str
    house: str
    approved: str  # Part C on the flat
    conference: str  # Part D on the house
    waiting: str  # open, nothing decided
    unheld: str  # decided, where the full ERA is held not recorded
    neighbours: dict[str, list[str]]  # each case's minimum-set addresses


@pytest.fixture(scope="module")
def town(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[Path, LayerStore]:
    home = tmp_path_factory.mktemp("visor") / "home"
    return home, import_demo(demo_files, home)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, town: tuple[Path, LayerStore]
             ) -> Iterator[str | None]:
    """The case store on each backend (SQLite in the home; a fresh PostgreSQL database)."""
    if request.param == "sqlite":
        yield None
        return
    with fresh_postgres_database() as url:
        yield url


def _ready(engine: Engine, case_id: str, property_id: str) -> None:
    """Every 3.8 and 3.7 check of a candidate, with distinctive notes; every dwelling of
    its minimum set visited."""
    for item in PHYSICAL_ITEMS:
        record_check(engine, case_id, agency="police_scotland", kind="physical", item=item,
                     outcome="clear", notes=CHECK_NOTE, actor=officer("omu"),
                     property_id=property_id)
    for agency in ("police_scotland", "solo"):
        for item in database_checklist(agency, None):
            record_check(engine, case_id, agency=agency, kind="database", item=item,
                         outcome="clear", notes=CHECK_NOTE, actor=officer(),
                         property_id=property_id)
    visit_every_dwelling(engine, case_id, property_id)


def _neighbours(engine: Engine, case_id: str) -> list[str]:
    case = show_case(engine, case_id, actor=officer())
    return [str(m["address"]) for s in case["minimum_sets"] for m in s["members"]
            if m.get("address")]


@pytest.fixture(scope="module")
def world(town: tuple[Path, LayerStore], database: str | None) -> Iterator[World]:
    home, store = town
    engine = open_store(home, database)
    subjects = store.read("subjects")
    chosen = subjects[~subjects["on_licence_or_order"].fillna(False).astype(bool)
                      & subjects["victim_profile"].notna()
                      & subjects["conditions"].fillna("[]").astype(str).ne("[]")]
    row = chosen.iloc[0]
    subject_id = str(row["subject_id"])
    props = store.read("properties")
    kind = props["property_type"].astype(str)
    flat = str(props.loc[kind == "tenement_flat", "property_id"].iloc[0])
    house = str(props.loc[kind == "semi_detached", "property_id"].iloc[0])
    if not store.has("exclusion_zones") or ZONE_REASON not in set(
            store.read_attributes("exclusion_zones", ["reason"])["reason"].dropna()):
        point = props.loc[props["property_id"] == house, "geometry"].iloc[0]
        add_exclusion_zone(store, engine, subject_id=subject_id,
                           geometry=shapely.geometry.mapping(point.buffer(40.0)),
                           crs="EPSG:27700", reason=ZONE_REASON, actor=officer())

    def new(pid: str) -> str:
        return str(open_assessed_case(store, engine, subject_id=subject_id,
                                      property_ids=[pid], case_type="initial_new",
                                      notified=NOTIFIED, actor=officer(),
                                      today=TODAY)["case_id"])

    approved = new(flat)
    _ready(engine, approved, flat)
    for agency in ("police_scotland", "solo"):
        record_agreement(engine, approved, agency=agency, agrees=True, actor=officer())
    snapshot = show_case(engine, approved, actor=officer())["assessments"][0]["snapshot"]
    for finding in snapshot.get("check", {}).get("conflicts", []):
        record_response(engine, approved, agency="police_scotland", property_id=flat,
                        to=conflict_key(finding), response=RESPONSE, actor=officer("ds"))
    approve(engine, approved, agency="police_scotland", property_id=flat, manageable=True,
            conclusion=C_CONCLUSION, reasons=C_REASONS, adjustments=C_ADJUSTMENTS,
            actor=officer("ds.lead"))
    member = snapshot["minimum_set"]["properties"][0]["property_id"]
    record_restriction(engine, approved, property_id=str(member), restriction=RESTRICTION,
                       actor=officer())
    record_era_held(engine, approved, agency="solo", system="FICTIONAL old EDRMS",
                    reference="OLD/0001", actor=officer("clerk.old"))
    record_era_held(engine, approved, agency="police_scotland",
                    system="FICTIONAL Police Scotland iVPD", reference="ERA/2026/0042",
                    actor=officer("omu.records"))

    conference = new(house)
    _ready(engine, conference, house)
    record_agreement(engine, conference, agency="police_scotland", agrees=True,
                     actor=officer())
    record_agreement(engine, conference, agency="solo", agrees=False, actor=officer(),
                     comments=COMMENTS)
    decide(engine, conference, agency="police_scotland", property_id=house,
           manageable=False, conclusion=D_CONCLUSION, reasons=D_REASONS,
           conference_on=CONFERENCE, actor=officer("chair"))
    record_era_held(engine, conference, agency="solo", system="FICTIONAL council EDRMS",
                    reference="HR/ERA/0077", actor=officer("solo.records"))

    waiting = new(house)
    unheld = new(house)
    record_agreement(engine, unheld, agency="solo", agrees=False, actor=officer(),
                     comments=COMMENTS)
    decide(engine, unheld, agency="police_scotland", property_id=house, manageable=False,
           conclusion=D_CONCLUSION, reasons=D_REASONS, conference_on=CONFERENCE,
           actor=officer("chair"))
    yield World(store, engine, subject_id, str(row["victim_profile"]), str(row["conditions"]),
                flat, house, approved, conference, waiting, unheld,
                {approved: _neighbours(engine, approved),
                 conference: _neighbours(engine, conference)})
    engine.dispose()


def flat_text(value: str) -> str:
    return " ".join(value.split())


def address_of(world: World, property_id: str) -> str:
    props = world.store.read_attributes("properties", ["property_id", "address"])
    return str(props.loc[props["property_id"] == property_id, "address"].iloc[0])


def assert_nothing_of_parts_a_and_b(world: World, case_id: str, decided: str,
                                    content: str) -> None:
    """None of the Part A/B strings, the subject's id and Part A facts, nor any minimum
    set address (once the decided property's own address is taken out)."""
    flat = flat_text(content)
    for forbidden in FORBIDDEN:
        assert forbidden.casefold() not in flat.casefold(), forbidden
    assert world.subject_id not in flat
    for word in world.victim_profile.split(","):
        assert word.strip().replace("_", " ") not in flat.replace("_", " ")
    assert "no_residence" not in flat and world.conditions not in flat
    rest = flat.replace(flat_text(address_of(world, decided)), "")
    neighbours = world.neighbours[case_id]
    assert neighbours, "the test needs a minimum set to look for"
    for address in neighbours:
        assert flat_text(address) not in rest, address


def audit_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def last_entry(engine: Engine) -> AuditEntry:
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        session.expunge(entry)
        return entry


def extract(world: World, case_id: str, **kw: Any) -> Any:
    return visor_extract(world.store, world.engine, case_id,
                         actor=officer("omu.visor", justification=WHY), now=MADE, **kw)


def test_part_c_extract_holds_the_approval_and_where_the_era_is_held(world: World) -> None:
    """R7, R17: Part C with its date, decision, lead agency, conclusion, reasons and
    adjustments; Part D not applicable; the latest holding record and who made it."""
    before = audit_count(world.engine)
    result = extract(world, world.approved)
    content = result.text
    lines = content.splitlines()
    assert lines[0] == lines[-1] == "OFFICIAL-SENSITIVE"
    assert lines[1].startswith("FICTIONAL")  # the demo town's subjects are FICTIONAL-
    assert all(len(line) <= WIDTH for line in lines)
    flat = flat_text(content)
    address = flat_text(address_of(world, world.flat))
    for wanted in (f"Case reference: {world.approved}", PART_C, PART_D,
                   f"Property: {address} ({world.flat})",
                   "Decision: MANAGEABLE: the property may be offered",
                   f"Conclusion: {C_CONCLUSION}", f"Reasons: {C_REASONS}",
                   f"Monitoring and supervision adjustments: {C_ADJUSTMENTS}",
                   "Lead agency: Police Scotland",
                   "Approved by: ds.lead for Police Scotland (lead agency)",
                   "Not applicable: no agency disagrees.",
                   "System: FICTIONAL Police Scotland iVPD", "Reference: ERA/2026/0042",
                   "Held by: Police Scotland", "Recorded by: omu.records",
                   "Extract made: 2026-12-04 09:30 UTC by omu.visor"):
        assert flat_text(wanted) in flat, wanted
    # the decision's date, as the ERA document prints it
    approved_on = result.decisions[0].recorded_at
    assert dt.datetime.fromisoformat(approved_on).astimezone(dt.UTC).strftime(
        "Date: %Y-%m-%d %H:%M UTC") in flat
    assert "OLD/0001" not in flat and "old EDRMS" not in flat  # the latest holding only
    assert result.parts == ("C",)
    assert_nothing_of_parts_a_and_b(world, world.approved, world.flat, content)
    # one disclosure to ViSOR, naming the case and subject, with the reason
    assert audit_count(world.engine) == before + 1
    entry = last_entry(world.engine)
    assert (entry.operation, entry.record_type, entry.outcome) == (
        "disclosure", "case", "allowed")
    assert entry.record_ids == [world.approved, world.subject_id]
    assert entry.recipients == [RECIPIENT] and entry.justification == WHY


def test_part_d_extract_holds_the_conference_decision(world: World) -> None:
    """R7: where the agencies disagreed, Part C says so in the document's words and Part
    D carries the conference's date, decision and reasons, and which agencies disagreed
    (by name: their comments speak of the households and stay out)."""
    content = extract(world, world.conference).text
    flat = flat_text(content)
    for wanted in ("No Part C approval: the agencies did not agree, and the case "
                   "conference decided (Part D).",
                   f"Property: {flat_text(address_of(world, world.house))} ({world.house})",
                   "Decision: NOT MANAGEABLE", "Case conference: Mon 30 Nov 2026",
                   f"Conclusion: {D_CONCLUSION}", f"Reasons: {D_REASONS}",
                   "Recorded by: chair for Police Scotland (lead agency)",
                   "Agencies that disagreed: Council housing (SOLO)",
                   "System: FICTIONAL council EDRMS", "Reference: HR/ERA/0077",
                   "Held by: Council housing (SOLO)"):
        assert flat_text(wanted) in flat, wanted
    assert C_REASONS not in flat
    assert_nothing_of_parts_a_and_b(world, world.conference, world.house, content)


def test_the_pdf_holds_the_same_and_nothing_of_parts_a_and_b(world: World) -> None:
    """R7, R132: the PDF's extracted text carries Part C and the holding, marked, and
    none of the Part A/B strings."""
    result = extract(world, world.approved)
    pdf = visor_pdf(result)
    document = pdfium.PdfDocument(pdf)
    content = " ".join(document[i].get_textpage().get_text_range()
                       for i in range(len(document)))
    flat = flat_text(content)
    assert len(document) == 1
    for wanted in ("OFFICIAL-SENSITIVE", "FICTIONAL", world.approved, C_CONCLUSION,
                   C_REASONS, "FICTIONAL Police Scotland iVPD", "ERA/2026/0042"):
        assert flat_text(wanted) in flat, wanted
    assert_nothing_of_parts_a_and_b(world, world.approved, world.flat, content)


def test_a_case_not_decided_is_refused_and_nothing_recorded(world: World) -> None:
    """R7: only a decided case has a Part C or D to record; the refusal says how to
    decide, and writes no audit entry."""
    before = audit_count(world.engine)
    with pytest.raises(WorkflowRefusedError, match=r"not decided.*geo-era case approve"):
        extract(world, world.waiting)
    assert audit_count(world.engine) == before


def test_without_where_the_era_is_held_it_is_refused(world: World) -> None:
    """NASSO 3.3: the entry includes where the full ERA is held; with none recorded the
    extract is refused, saying how to record it, and nothing is recorded."""
    before = audit_count(world.engine)
    with pytest.raises(WorkflowRefusedError, match=f"geo-era case held {world.unheld}"):
        extract(world, world.unheld)
    assert audit_count(world.engine) == before


def test_a_justification_is_needed_and_a_council_sees_only_its_own(world: World) -> None:
    """R104: a disclosure needs its reason; an actor confined to another council reads
    the case as not found (the services audit that refusal)."""
    with pytest.raises(DataError, match="justification"):
        visor_extract(world.store, world.engine, world.approved,
                      actor=officer(justification=None))
    with pytest.raises(OutOfScopeError) as refused:
        visor_extract(world.store, world.engine, world.approved,
                      actor=officer(scope="FICTIONAL Other Council", role="cjsw"))
    assert world.subject_id not in str(refused.value)
    with pytest.raises(NotFoundError, match="not found"):
        extract(world, "ERA-999999")


def test_the_extract_is_written_whole_and_owner_only(world: World, tmp_path: Path) -> None:
    """R7: text or PDF by the suffix, 0600; the text file is the text exactly."""
    result = extract(world, world.approved)
    text_file, pdf_file = tmp_path / "visor.txt", tmp_path / "visor.PDF"
    assert write_extract(result, text_file) == len(result.text.encode("utf-8"))
    assert text_file.read_text(encoding="utf-8") == result.text
    write_extract(result, pdf_file)
    assert pdf_file.read_bytes().startswith(b"%PDF")
    for path in (text_file, pdf_file):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(DataError, match=r"\.txt or \.pdf"):
        write_extract(result, tmp_path / "visor.docx")
    assert not (tmp_path / "visor.docx").exists()
