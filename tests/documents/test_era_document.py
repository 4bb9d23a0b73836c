"""The ERA document (Parts A-D) and the physical-check field sheet, on the demo town.

Cases are made through the core as users make them (open and assess, checks,
agreements, then Part C or Part D); documents are rendered to PDF and read back with
pypdfium2: page images for "not blank", page text for the headings and addresses.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from sqlalchemy import Engine, func, select

from geo_era import cli, clock
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
    show_case,
)
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store, session_scope
from geo_era.documents._era_views import field_sheet_context
from geo_era.documents.era_document import (
    PART_A,
    PART_A_WITHHELD,
    PART_B,
    PART_C,
    PART_D,
    era_document_html,
    era_document_pdf,
    field_sheet_html,
    field_sheet_pdf,
    write_document,
)
from geo_era.errors import DataError, NotFoundError, WorkflowRefusedError
from geo_era.maps.static_map import MapLayers, MapRequest, property_map_png
from geo_era.security.audit import AuditEntry
from tests.conftest import import_demo, officer, python_path
from tests.dwelling_visits import visit_every_dwelling

NOTIFIED = dt.date(2026, 11, 26)
TODAY = dt.date(2026, 12, 1)
HEADINGS = (PART_A, PART_B, PART_C, PART_D)


@dataclass(frozen=True)
class World:
    home: Path
    store: LayerStore
    engine: Engine
    subject_id: str
    tenement: str  # a tenement flat whose close holds other flats
    house: str  # a semi-detached house
    approved: str  # case: Part C on the tenement flat
    conference: str  # case: agencies disagreed, Part D
    waiting: str  # case: open, nothing recorded yet
    documents: dict[str, dict[str, Any]]


RESPONSE = "FICTIONAL: the subject's licence bars contact; weekly police visits"
ADJUSTMENTS = "FICTIONAL: supervision raised to weekly home visits"


def open_assessed_snapshot(engine: Engine, case_id: str, property_id: str
                           ) -> dict[str, Any]:
    """The stored assessment of one candidate of a case."""
    case = show_case(engine, case_id, actor=officer())
    return next(a["snapshot"] for a in case["assessments"]
                if a["property_id"] == property_id) or {}


def _ready(engine: Engine, case_id: str, agencies: list[str], property_id: str) -> None:
    """Every 3.8 and 3.7 check of one candidate, all clear."""
    for item in PHYSICAL_ITEMS:
        record_check(engine, case_id, agency=agencies[0], kind="physical", item=item,
                     outcome="clear", actor=officer("omu"), property_id=property_id)
    for agency in agencies:
        for item in database_checklist(agency, None):
            record_check(engine, case_id, agency=agency, kind="database", item=item,
                         outcome="clear", notes="FICTIONAL: nothing of note",
                         actor=officer(), property_id=property_id)


@pytest.fixture(scope="module")
def world(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("era-document") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    subjects = store.read("subjects")
    chosen = subjects[~subjects["on_licence_or_order"].fillna(False).astype(bool)
                      & subjects["victim_profile"].notna()
                      & subjects["conditions"].fillna("[]").astype(str).ne("[]")]
    subject_id = str(chosen["subject_id"].iloc[0])
    props = store.read_attributes("properties", ["property_id", "property_type"])
    kind = props["property_type"].astype(str)
    tenement = str(props.loc[kind == "tenement_flat", "property_id"].iloc[0])
    house = str(props.loc[kind == "semi_detached", "property_id"].iloc[0])
    agencies = ["police_scotland", "solo"]

    def new(*pids: str) -> dict[str, Any]:
        return open_assessed_case(store, engine, subject_id=subject_id, property_ids=pids,
                                  case_type="initial_new", notified=NOTIFIED,
                                  actor=officer(), today=TODAY)

    approved = new(tenement, house)["case_id"]
    _ready(engine, approved, agencies, tenement)
    visit_every_dwelling(engine, approved, tenement)
    for agency in agencies:
        record_agreement(engine, approved, agency=agency, agrees=True, actor=officer())
    snap = open_assessed_snapshot(engine, approved, tenement)
    for finding in snap.get("check", {}).get("conflicts", []):
        record_response(engine, approved, agency="police_scotland", property_id=tenement,
                        to=conflict_key(finding), actor=officer("ds"),
                        response=RESPONSE)
    documents = {approved: approve(
        engine, approved, agency="police_scotland", property_id=tenement, manageable=True,
        conclusion="FICTIONAL: manageable with weekly visits",
        reasons="FICTIONAL: no household in the close fits the risk", actor=officer("ds"),
        adjustments=ADJUSTMENTS)}

    conference = new(house)["case_id"]
    _ready(engine, conference, agencies, house)
    record_agreement(engine, conference, agency="police_scotland", agrees=True,
                     actor=officer())
    record_agreement(engine, conference, agency="solo", agrees=False, actor=officer(),
                     comments="FICTIONAL: families with young children next door")
    documents[conference] = decide(
        engine, conference, agency="police_scotland", property_id=house, manageable=False,
        conclusion="FICTIONAL: not manageable", reasons="FICTIONAL: children next door",
        conference_on=dt.date(2026, 11, 30), actor=officer("chair"))

    waiting = new(house)["case_id"]
    yield World(home, store, engine, subject_id, tenement, house, approved, conference,
                waiting, documents)
    engine.dispose()


def audit_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@contextmanager
def one_consultation(world: World, case_id: str) -> Iterator[None]:
    """The block writes exactly one audit entry: a consultation of ``case_id``."""
    before = audit_count(world.engine)
    yield
    assert audit_count(world.engine) == before + 1
    with session_scope(world.engine) as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None
        assert last.operation == "consultation" and last.record_type == "case"
        assert last.record_ids == [case_id, world.subject_id]
        assert last.justification == "ERA case work under test"


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text, whitespace collapsed (table cells wrap addresses)."""
    document = pdfium.PdfDocument(pdf)
    return [" ".join(document[i].get_textpage().get_text_range().split())
            for i in range(len(document))]


def assert_not_blank(pdf: bytes, page: int = 0) -> None:
    image = pdfium.PdfDocument(pdf)[page].render(scale=1).to_numpy()[..., :3]
    ink = (image < 240).any(axis=-1).mean()
    colours = len(np.unique(image.reshape(-1, 3), axis=0))
    assert ink > 0.05, f"page {page + 1} is nearly blank ({ink:.1%} ink)"
    assert colours > 10


def set_addresses(document: dict[str, Any], property_id: str) -> list[str]:
    snapshot = next(a["snapshot"] for a in document["assessments"]
                    if a["property_id"] == property_id)
    return [m["address"] for m in snapshot["minimum_set"]["properties"]]


def test_document_pdf_has_every_part_and_the_minimum_sets(world: World) -> None:
    with one_consultation(world, world.approved):
        pdf = era_document_pdf(world.store, world.engine, world.approved, actor=officer(),
                               part_a=True)
    assert pdf.startswith(b"%PDF")
    assert_not_blank(pdf, 0)
    pages = pdf_pages(pdf)
    text = " ".join(pages)
    for heading in HEADINGS:
        assert heading in text
    document = world.documents[world.approved]
    for pid in (world.tenement, world.house):
        addresses = set_addresses(document, pid)
        assert addresses, f"the demo's {pid} has an empty minimum set"
        for address in addresses:
            assert " ".join(address.split()) in text, address
    assert all("OFFICIAL-SENSITIVE" in page for page in pages)  # every page marked
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert "FICTIONAL" in pages[0]
    assert world.subject_id in text  # Part A, for readers with need to know
    assert "MAPPA category" in text
    assert "FICTIONAL: manageable with weekly visits" in text  # Part C
    assert "Not applicable: no agency disagrees" in text  # Part D


def test_part_a_is_withheld_without_need_to_know(world: World) -> None:
    with one_consultation(world, world.approved):
        html = era_document_html(world.store, world.engine, world.approved,
                                 actor=officer(), part_a=False)
    assert PART_A in html and PART_A_WITHHELD.replace("'", "&#39;") in html
    subject = world.store.read("subjects")
    row = subject[subject["subject_id"] == world.subject_id].iloc[0]
    for secret in (world.subject_id, "MAPPA category", "Risk level", "No residence",
                   "condition 1", "fit the victim profile", "Conditions (SOPO",
                   str(row["victim_profile"]).replace("_", " ")):
        assert secret not in html, secret
    assert "Details are withheld with Part A" in html
    assert "conflict(s)" in html  # the check is counted, not described
    assert RESPONSE.replace("'", "&#39;") not in html
    assert "concern(s) or conflict(s) here; details are withheld with Part A" in html


def test_checks_responses_and_adjustments_per_property(world: World) -> None:
    """R32, R48, R57: the document shows each candidate's checks under it, the lead agency's
    written responses to its conflicts, and Part C's monitoring adjustments (3.11)."""
    with one_consultation(world, world.approved):
        html = era_document_html(world.store, world.engine, world.approved,
                                 actor=officer(), part_a=True)
    tenement = html.index(f"({world.tenement}): database checks (NASSO 3.7)")
    house = html.index(f"({world.house}): database checks (NASSO 3.7)")
    between = html[tenement:house]
    assert "ViSOR" in between and "council tax" in between  # the tenement's checks
    assert "No database check recorded yet." in html[house:]  # none for the house
    assert RESPONSE.replace("'", "&#39;") in between
    assert f"Monitoring and supervision adjustments:</strong> {ADJUSTMENTS}" in html


def test_each_dwelling_of_the_set_shows_its_visit(world: World) -> None:
    """R34, R44: the document lists, under the tenement, every dwelling of its close with
    what the visit found (the outcome and notes with Part A; withheld without); the
    house, not visited, says so for each of its dwellings; the physical checks use 3.8's
    nine items (Schools/Nurseries one item)."""
    with one_consultation(world, world.approved):
        html = era_document_html(world.store, world.engine, world.approved,
                                 actor=officer(), part_a=True)
    members = set_addresses(world.documents[world.approved], world.tenement)
    tenement = html.index("Candidate 1:")
    house = html.index("Candidate 2:")
    part_b = html[tenement:house]
    seen = "does not fit the victim profile (seen "
    assert part_b.count(seen) == len(members) > 0
    assert "FICTIONAL: no sign of the victim profile" in part_b
    assert seen not in html[house:] and "no visit recorded" in html[house:]
    assert "Schools/Nurseries" in html and "Signs of the victim profile" in html
    withheld = era_document_html(world.store, world.engine, world.approved,
                                 actor=officer(), part_a=False)
    assert withheld.count("visited (the outcome is withheld with Part A)") == len(members)
    assert "no sign of the victim profile" not in withheld


def test_part_d_and_a_case_not_yet_approved(world: World) -> None:
    with one_consultation(world, world.conference):
        html = era_document_html(world.store, world.engine, world.conference,
                                 actor=officer(), part_a=True)
    assert "Case conference:</strong> Mon 30 Nov 2026" in html
    assert "FICTIONAL: not manageable" in html
    assert "FICTIONAL: families with young children next door" in html
    assert "No Part C approval" in html

    with one_consultation(world, world.waiting):
        html = era_document_html(world.store, world.engine, world.waiting,
                                 actor=officer(), part_a=True)
    assert "Not yet approved." in html
    assert f"physical checks missing for {world.house}: victim_profile" in html
    assert "no agreement recorded from police_scotland, solo" in html
    assert "Not applicable: no agency disagrees" in html


def test_a_case_not_yet_assessed_still_renders(world: World) -> None:
    case = open_assessed_case(world.store, world.engine, subject_id=world.subject_id,
                              property_ids=[world.house], case_type="annual_review",
                              notified=NOTIFIED, actor=officer(), today=TODAY,
                              assess_now=False)["case_id"]
    html = era_document_html(world.store, world.engine, case, actor=officer(), part_a=True)
    assert "not yet assessed (geo-era case assess)" in html
    assert f"property {world.house} has not been assessed" in html  # Part C: what is missing
    sheet = field_sheet_html(world.store, world.engine, case, world.house, actor=officer())
    assert "has not been assessed: run 'geo-era case assess' first" in sheet


def test_html_is_self_contained(world: World) -> None:
    html = era_document_html(world.store, world.engine, world.approved, actor=officer(),
                             part_a=True)
    assert "http://" not in html and "https://" not in html
    sources = html.split('src="')[1:]
    assert len(sources) == 2  # one map per candidate
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<style>" in html and "<link" not in html and "<script" not in html


def test_field_sheet_is_one_page(world: World) -> None:
    with one_consultation(world, world.approved):
        pdf = field_sheet_pdf(world.store, world.engine, world.approved, world.tenement,
                              actor=officer())
    pages = pdf_pages(pdf)
    assert len(pages) == 1
    assert_not_blank(pdf, 0)
    for address in set_addresses(world.documents[world.approved], world.tenement):
        assert " ".join(address.split()) in pages[0], address
    for item in ("Play parks", "Community centres", "Places of worship", "Shops", "Schools",
                 "Nurseries", "Sheltered housing", "CCTV", "Licensed premises",
                 "Children's toys", "Children's curtains"):
        assert item in pages[0], item
    assert world.subject_id not in pages[0]
    assert "No residence" not in pages[0]


@pytest.mark.parametrize(("dwellings", "fits"), [(60, True), (400, False)])
def test_a_long_minimum_set_is_tightened_to_one_page(
        world: World, monkeypatch: pytest.MonkeyPatch, dwellings: int, fits: bool) -> None:
    import geo_era.documents.era_document as era

    def long_set(*args: Any, **kwargs: Any) -> dict[str, Any]:
        context = field_sheet_context(*args, **kwargs)
        context["p"]["minimum_set"]["members"] = [
            {"property_id": f"X{k}", "address": f"Flat {k}, 1 Long Road, Inverallan"}
            for k in range(1, dwellings + 1)]
        return context

    monkeypatch.setattr(era, "field_sheet_context", long_set)
    if not fits:
        with pytest.raises(DataError, match=rf"does not fit on one A4 page \({dwellings} "
                                            r"dwellings in its minimum set\); use the ERA "
                                            r"document's Part B"):
            field_sheet_pdf(world.store, world.engine, world.approved, world.tenement,
                            actor=officer())
        return
    pages = pdf_pages(field_sheet_pdf(world.store, world.engine, world.approved,
                                      world.tenement, actor=officer()))
    assert len(pages) == 1
    assert all(f"Flat {k}, 1 Long Road" in pages[0] for k in range(1, dwellings + 1))


def test_field_sheet_refuses_a_property_not_in_the_case(world: World) -> None:
    before = audit_count(world.engine)
    with pytest.raises(WorkflowRefusedError, match=f"property 'NOT-A-CANDIDATE' is not a "
                                                   f"candidate in case {world.approved}"):
        field_sheet_html(world.store, world.engine, world.approved, "NOT-A-CANDIDATE",
                         actor=officer())
    assert audit_count(world.engine) == before  # refused: nothing consulted, nothing recorded


def test_reading_needs_a_justification_and_a_visible_case(world: World) -> None:
    before = audit_count(world.engine)
    with pytest.raises(DataError, match="needs a justification"):
        era_document_html(world.store, world.engine, world.approved,
                          actor=officer(justification=None), part_a=True)
    with pytest.raises(NotFoundError, match="case 'ERA-999999' not found"):
        era_document_html(world.store, world.engine, "ERA-999999", actor=officer(),
                          part_a=True)
    with pytest.raises(NotFoundError, match="not found"):  # another council's officer
        era_document_html(world.store, world.engine, world.approved,
                          actor=officer(scope="FICTIONAL Other Council"), part_a=True)
    assert audit_count(world.engine) == before


def test_map_png_is_drawn(world: World) -> None:
    document = world.documents[world.approved]
    snapshot = document["assessments"][0]["snapshot"]
    png = property_map_png(MapLayers.from_store(world.store), MapRequest(
        world.tenement, minimum_set_ids=[m["property_id"] for m in
                                         snapshot["minimum_set"]["properties"]],
        site_ids=[s["site_id"] for s in snapshot["proximity"]["sites"]],
        size_mm=(120, 80), dpi=100))
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    height, width = image.shape[:2]  # 120 x 80 mm at 100 dpi
    assert abs(width - 120 / 25.4 * 100) < 1.5 and abs(height - 80 / 25.4 * 100) < 1.5
    assert (image < 240).any(axis=-1).mean() > 0.1
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 20
    with pytest.raises(NotFoundError, match="property_id 'NOPE' not found"):
        property_map_png(MapLayers.from_store(world.store), MapRequest("NOPE"))


def test_a_failed_write_leaves_nothing(world: World, tmp_path: Path) -> None:
    out = tmp_path / "era.pdf"
    with pytest.raises(NotFoundError):
        write_document(world.store, world.engine, "ERA-999999", out, actor=officer(),
                       part_a=True)
    with pytest.raises(DataError, match=r"cannot write 'era.docx': ERA documents are "
                                        r"written as PDF or HTML"):
        write_document(world.store, world.engine, world.approved, tmp_path / "era.docx",
                       actor=officer(), part_a=True)
    assert list(tmp_path.iterdir()) == []


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
            *args: str) -> tuple[int, str, str]:
    """``geo-era ARGS`` in this process, through the entry point (exit codes included)."""
    monkeypatch.setattr(sys, "argv", ["geo-era", *args])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    captured = capsys.readouterr()
    return int(stop.value.code or 0), captured.out, captured.err


def test_cli_writes_pdf_and_html_and_refuses_docx(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    why = "FICTIONAL: ERA for the case conference"
    # as a user runs it: a real process
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_ERA_")}
    env.update(GEO_ERA_HOME=str(world.home), PYTHONPATH=python_path())
    pdf = tmp_path / "out" / "era.pdf"
    done = subprocess.run([sys.executable, "-m", "geo_era.cli", "era-document",
                           world.approved, "--out", str(pdf), "--justification", why],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert f"to {pdf}" in done.stdout
    text = " ".join(pdf_pages(pdf.read_bytes()))
    assert PART_A in text and world.subject_id in text  # Part A at the command line
    assert pdf.stat().st_mode & 0o077 == 0  # OFFICIAL-SENSITIVE: owner only

    monkeypatch.setenv("GEO_ERA_HOME", str(world.home))
    html = tmp_path / "sheet.html"
    code, out, err = run_cli(monkeypatch, capsys, "era-document", world.approved, "--out",
                             str(html), "--field-sheet", world.house, "--justification", why)
    assert code == 0, err
    assert out.startswith(f"wrote the field sheet of {world.house} in case {world.approved}")
    assert "Physical check field sheet" in html.read_text(encoding="utf-8")

    document = tmp_path / "era.html"
    code, out, err = run_cli(monkeypatch, capsys, "era-document", world.approved, "--out",
                             str(document), "--justification", why)
    assert code == 0, err
    assert all(h in document.read_text(encoding="utf-8") for h in HEADINGS)

    code, _, err = run_cli(monkeypatch, capsys, "era-document", world.approved, "--out",
                           str(tmp_path / "era.docx"), "--justification", why)
    assert code == 2
    assert err.strip() == ("error: cannot write 'era.docx': ERA documents are written as "
                           "PDF or HTML; name the file with .pdf or .html")
    code, _, err = run_cli(monkeypatch, capsys, "era-document", world.approved, "--out",
                           str(tmp_path / "again.html"))
    assert code == 2 and "needs a justification" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["era.html", "out", "sheet.html"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["era.pdf"]


def test_the_move_in_is_in_the_document(world: World) -> None:
    """The subject's move in after the decision is part of the ERA document (R6, R7, R8):
    the property, its address and the day, recorded by whom; a case without one says
    so."""
    from geo_era.casework.placements import record_move_in

    moved_on = clock.today()
    record_move_in(world.engine, world.approved, property_id=world.tenement,
                   moved_in_on=moved_on, actor=officer("omu"))
    with one_consultation(world, world.approved):
        html = era_document_html(world.store, world.engine, world.approved,
                                 actor=officer(), part_a=True)
    address = next(a for a in world.documents[world.approved]["assessments"]
                   if a["property_id"] == world.tenement)["snapshot"]["proximity"]["address"]
    said = " ".join(html.split())
    assert (f"moved in to <strong>{address}</strong> ({world.tenement}) on "
            f"{moved_on.strftime('%a %d %b %Y')}, after the Part C decision") in said
    assert "(recorded by omu," in said
    with one_consultation(world, world.conference):
        html = era_document_html(world.store, world.engine, world.conference,
                                 actor=officer(), part_a=True)
    assert "No move in recorded." in html
