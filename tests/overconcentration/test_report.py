"""The annual over-concentration report: its tables and areas of concern on a small
grid worked by hand, the published version's disclosure control attacked from its own
CSV files, the files written whole, and the command line with its audit entry."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from shapely.geometry import box
from sqlalchemy import select
from typer.testing import CliRunner

from geo_era.db.store import open_store
from geo_era.errors import DataError, NotFoundError
from geo_era.overconcentration.choropleth import choropleth_png
from geo_era.overconcentration.classes import NOT_PUBLISHED, lq_classes
from geo_era.overconcentration.disclosure import MARKER
from geo_era.overconcentration.document import write_report
from geo_era.overconcentration.loading import report_from_store
from geo_era.overconcentration.report import (
    INTERNAL_MARKING,
    PUBLISHED_MARKING,
    Report,
    build_report,
)
from geo_era.security.audit import AuditEntry
from tests.conftest import import_demo, officer, require_shared_data
from tests.overconcentration.test_disclosure import THRESHOLD, attack, witnessed_unpinned

X0, Y0 = 320_000.0, 670_000.0
SIDE = 6


def town(counts_now: list[int], counts_before: list[int] | None = None, *,
         households: int = 400) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """A council of SIDE x SIDE square data zones of 1 km (row by row from the
    south-west), each with 1,000 residents and ``households`` households, and FICTIONAL
    placements: ``counts_now[k]`` current in zone k since 2025-06-01, and
    ``counts_before[k]`` that ran from 2020 to 2025-12-31 (current on 31 March 2021 to
    2025, not 2026)."""
    cells = [box(X0 + i * 1_000, Y0 + j * 1_000, X0 + (i + 1) * 1_000, Y0 + (j + 1) * 1_000)
             for j in range(SIDE) for i in range(SIDE)]
    n = len(cells)
    zones = gpd.GeoDataFrame({
        "area_id": [f"S01{k:06d}" for k in range(n)], "area_type": ["data_zone"] * n,
        "name": [f"Glen {k // 2:02d} - {k % 2 + 1:02d}" for k in range(n)],
        "population": [1_000] * n, "households": [households] * n,
        "parent_id": ["S12000099"] * n}, geometry=cells, crs=27700)
    council = gpd.GeoDataFrame({
        "area_id": ["S12000099", "S12000098"], "area_type": ["council", "council"],
        "name": ["Glenmore", "Elsewhere"], "population": [1_000 * n, None],
        "households": [households * n, None], "parent_id": [None, None]},
        geometry=[box(X0, Y0, X0 + SIDE * 1_000, Y0 + SIDE * 1_000),
                  box(X0 - 5_000, Y0, X0, Y0 + 5_000)], crs=27700)
    areas = pd.concat([council, zones], ignore_index=True)
    rows = []
    for label, counts, start, end in (("N", counts_now, "2025-06-01", None),
                                      ("B", counts_before or [0] * n, "2020-01-01",
                                       "2025-12-31")):
        for zone, m in enumerate(counts):
            for q in range(m):
                x = X0 + (zone % SIDE) * 1_000 + 100 + q * 3
                y = Y0 + (zone // SIDE) * 1_000 + (300 if label == "N" else 600)
                rows.append((f"P{label}{zone}-{q}", x, y, start, end))
    ids, xs, ys, starts, ends = zip(*rows, strict=True)
    properties = gpd.GeoDataFrame({"property_id": list(ids)},
                                  geometry=gpd.points_from_xy(xs, ys), crs=27700)
    placements = pd.DataFrame({
        "subject_id": [f"FICTIONAL-{p}" for p in ids], "property_id": list(ids),
        "start_date": list(starts), "end_date": list(ends), "placing_authority": None,
        "consent_recorded": pd.array([None] * len(ids), dtype="boolean")})
    return areas, properties, placements


def planted() -> list[int]:
    """Counts with a cluster in the north-east corner (zones 28, 29, 34, 35 and their
    neighbours) and ones elsewhere."""
    counts = [0] * SIDE * SIDE
    for zone, m in {28: 9, 29: 12, 34: 14, 35: 11, 22: 6, 23: 5, 27: 4, 33: 5,
                    0: 1, 7: 2, 14: 1, 19: 1}.items():
        counts[zone] = m
    return counts


def test_tables_worked_by_hand() -> None:
    now = planted()
    before = [1] * SIDE * SIDE
    areas, properties, placements = town(now, before)
    report = build_report(areas, properties, placements, authority="glenmore",
                          year=2026, history=2, permutations=199)
    assert report.authority == "Glenmore" and report.marking == INTERNAL_MARKING
    assert report.years == [2024, 2025, 2026]
    total = sum(now)  # 71 in 36,000 residents, 14,400 households
    years = report.authority_table
    assert years["count"].tolist() == [36, 36, total]
    assert years.loc[2026, "change"] == total - 36
    assert years.loc[2026, "rate_per_100k"] == pytest.approx(round(total / 36_000 * 1e5, 1))
    assert years.loc[2026, "rate_per_1k_households"] == pytest.approx(
        round(total / 14_400 * 1e3, 2))
    zones = report.level("data_zone").table
    z34 = zones.loc["S01000034"]
    assert (z34["count_2025"], z34["count_2026"], z34["change"]) == (1, 14, 13)
    assert z34["rate_per_100k"] == 1_400.0  # 14 per 1,000 residents
    assert z34["rate_per_1k_households"] == 35.0  # 14 per 400 households
    assert z34["location_quotient"] == pytest.approx(round(14 / (total / 36), 2))
    assert z34["lq_class"] == "twice the authority's rate or more"
    assert zones.loc["S01000001", "lq_class"] == "none housed"
    assert zones["hot_spot"].loc[["S01000028", "S01000029", "S01000034",
                                  "S01000035"]].eq("hot").all()


def test_a_cluster_of_hot_spots_is_one_area_of_concern_in_plain_words() -> None:
    areas, properties, placements = town(planted())
    report = build_report(areas, properties, placements, authority="Glenmore",
                          year=2026, permutations=199)
    assert len(report.concerns) == 1
    concern = report.concerns[0]
    assert {"S01000028", "S01000029", "S01000034", "S01000035"} <= set(concern.area_ids)
    # neighbourhood names, not codes: "Glen 14 - 01" and "Glen 14 - 02" are Glen 14
    assert "Glen 14" in concern.label and "S010" not in concern.label
    members = [int(a[-2:]) for a in concern.area_ids]
    assert concern.count == sum(planted()[k] for k in members)
    assert concern.rate_per_1k_households == pytest.approx(
        concern.count / (400 * len(members)) * 1_000)
    assert concern.times_authority == pytest.approx(
        concern.rate_per_1k_households / (sum(planted()) / 14_400 * 1_000))
    text = " ".join(report.narrative)
    assert "On 31 March 2026, 71 people managed under MAPPA were housed in Glenmore" in text
    assert "in 1 cluster with more placements than chance" in text


def test_location_quotient_classes() -> None:
    lq = np.array([0.0, 0.2, 0.5, 1.0, 1.49, 1.5, 2.0, 7.0, np.nan, 1.0])
    suppressed = np.array([False] * 9 + [True])
    population = np.array([100.0] * 8 + [0.0, 100.0])
    assert lq_classes(lq, suppressed, population).tolist() == [
        "none housed", "under half the authority's rate", "half to 1 times",
        "1 to 1.5 times", "1 to 1.5 times", "1.5 to 2 times",
        "twice the authority's rate or more", "twice the authority's rate or more",
        "no population recorded", NOT_PUBLISHED]


def published_files(tmp_path: Path, **kwargs: object) -> tuple[Path, object]:
    areas, properties, placements = town(planted(), [3] * SIDE * SIDE)
    placements.loc[0, ["placing_authority", "consent_recorded"]] = ["Elsewhere", False]
    report = build_report(areas, properties, placements, authority="Glenmore",
                          year=2026, published=True, permutations=199, **kwargs)
    out = tmp_path / "published"
    write_report(report, out)
    return out, report


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)


def test_published_counts_are_suppressed_under_10_and_rounded_to_5(tmp_path: Path) -> None:
    out, _report = published_files(tmp_path)
    zones = read_table(out / "data_zone.csv")
    years = [c for c in zones.columns if c.startswith("count_")] + ["count"]
    values = zones[years].to_numpy().ravel()
    shown = np.array([int(v) for v in values if v != MARKER])
    assert len(shown) and (shown >= 10).all() and (shown % 5 == 0).all()
    assert (values == MARKER).sum() > 0
    authority = read_table(out / "authority.csv")
    totals = [int(v) for v in authority["count"] if v != MARKER]
    assert totals and all(t % 5 == 0 and t >= 10 for t in totals)
    # rates are worked from the published counts: no exact count can be read back
    z = zones.set_index("area_id").loc["S01000034"]
    assert z["count"] == "15" and float(z["rate_per_100k"]) == 1_500.0
    assert not {"gi_z", "gi_p", "hot_spot"} & set(zones.columns)


def test_no_suppressed_count_can_be_recovered_from_the_published_files(
        tmp_path: Path) -> None:
    """The attacker has only the published CSVs: each year's data-zone counts and the
    authority's total, each known to within 2 (rounding to 5). Every suppressed count
    keeps a range of at least 10 values."""
    out, _report = published_files(tmp_path)
    zones = read_table(out / "data_zone.csv").set_index("area_id")
    authority = read_table(out / "authority.csv").set_index("year")
    attacked = 0
    for year in (2022, 2023, 2024, 2025, 2026):
        column = zones[f"count_{year}"].replace(MARKER, np.nan).astype(float)
        total = authority.loc[str(year), "count"]
        grand = None if total == MARKER else int(total)
        cells = column.astype("Int64").to_frame(str(year))
        a = attack(cells, cells[str(year)], pd.Series([grand], index=[str(year)],
                                                      dtype="Int64"), grand)
        unpinned = witnessed_unpinned(a)
        for variable in a.suppressed[~unpinned]:
            low, high = a.exact_range(variable)
            assert high - low >= THRESHOLD, (year, a.labels[variable])
        attacked += len(a.suppressed)
    assert attacked > 100


def test_the_published_report_names_nobody(tmp_path: Path) -> None:
    out, report = published_files(tmp_path)
    assert report.marking == PUBLISHED_MARKING and report.without_consent is None
    assert not (out / "out_of_area_without_consent.csv").exists()
    for path in out.iterdir():
        text = path.read_bytes()
        assert b"FICTIONAL-P" not in text and b"PN0-0" not in text, path.name
    concerns = read_table(out / "areas_of_concern.csv")
    assert list(concerns.columns) == ["label", "areas", "names"]  # names, no figures
    assert len(concerns) == 1
    assert (out / "report.html").stat().st_mode & 0o777 == 0o644


def test_the_internal_report_is_marked_and_lists_placements_without_consent(
        tmp_path: Path) -> None:
    areas, properties, placements = town(planted())
    placements.loc[3, ["placing_authority", "consent_recorded"]] = ["Elsewhere", False]
    report = build_report(areas, properties, placements, authority="Glenmore",
                          year=2026, permutations=199)
    written = write_report(report, tmp_path / "internal")
    names = sorted(p.name for p in written)
    assert names == ["areas_of_concern.csv", "authority.csv", "data_zone.csv",
                     "out_of_area.csv", "out_of_area_without_consent.csv", "report.gpkg",
                     "report.html", "report.pdf"]
    lacking = read_table(tmp_path / "internal" / "out_of_area_without_consent.csv")
    assert lacking["subject_id"].tolist() == [placements.loc[3, "subject_id"]]
    flows = read_table(tmp_path / "internal" / "out_of_area.csv")
    assert flows.to_dict("records") == [
        {"other authority": "Elsewhere", "into Glenmore": "1", "placed by Glenmore": "0"},
        {"other authority": "Total", "into Glenmore": "1", "placed by Glenmore": "0"}]
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o600
        if path.suffix == ".csv":
            assert path.read_text().startswith(f"# {INTERNAL_MARKING}. Glenmore")
    html = (tmp_path / "internal" / "report.html").read_text()
    assert INTERNAL_MARKING in html and "FICTIONAL" in html
    pdf = (tmp_path / "internal" / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")


def test_a_published_report_over_an_internal_one_removes_the_consent_list(
        tmp_path: Path) -> None:
    areas, properties, placements = town(planted())
    placements.loc[3, ["placing_authority", "consent_recorded"]] = ["Elsewhere", False]
    internal = build_report(areas, properties, placements, authority="Glenmore",
                            year=2026, permutations=99)
    out = tmp_path / "report"
    write_report(internal, out)
    (out / "notes.csv").write_text("mine,not the report's\n")
    published = build_report(areas, properties, placements, authority="Glenmore",
                             year=2026, permutations=99, published=True)
    write_report(published, out)
    assert not (out / "out_of_area_without_consent.csv").exists()
    assert (out / "notes.csv").exists()  # not a report's file: left alone
    assert PUBLISHED_MARKING.split(" ")[0] in (out / "authority.csv").read_text()


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    areas, properties, placements = town(planted())
    report = build_report(areas, properties, placements, authority="Glenmore",
                          year=2026, permutations=99)
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(DataError, match="is a file"):
        write_report(report, blocked)

    def broken(_html: str) -> bytes:
        raise RuntimeError("renderer failed")

    monkeypatch.setattr("geo_era.overconcentration.document.pdf_from_html", broken)
    with pytest.raises(RuntimeError):
        write_report(report, tmp_path / "new")
    assert not (tmp_path / "new").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["file"]  # no staging left behind


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"authority": "Atlantis"}, NotFoundError,
     "authority 'Atlantis' is not in the areas layer; councils loaded: Elsewhere, Glenmore"),
    ({"authority": "Glenmore", "level": "ward"}, NotFoundError,
     "Glenmore has no 'ward' areas"),
    ({"authority": "Elsewhere"}, DataError, "no ward or data zone lies in Elsewhere"),
    ({"authority": "Glenmore", "year": 1066}, DataError, "year 1066 is out of range"),
])
def test_bad_requests_are_refused_with_the_fix(kwargs: dict[str, object],
                                               error: type[Exception], message: str) -> None:
    areas, properties, placements = town(planted())
    arguments: dict[str, object] = {"year": 2026, **kwargs}
    with pytest.raises(error, match=re.escape(message)):
        build_report(areas, properties, placements, **arguments)  # type: ignore[arg-type]


def test_the_static_map_draws_every_area() -> None:
    areas, properties, placements = town(planted())
    report = build_report(areas, properties, placements, authority="Glenmore",
                          year=2026, permutations=99)
    png, drawn = choropleth_png(report.level("data_zone"), title="t", hot_spots=True)
    assert png.startswith(b"\x89PNG") and drawn == SIDE * SIDE


def test_council_staff_get_their_own_council_only(tmp_path: Path) -> None:
    from geo_era.data.imports import import_files
    from geo_era.data.layer_store import LayerStore
    from geo_era.errors import OutOfScopeError

    areas, properties, placements = town(planted())
    properties["address"] = "FICTIONAL " + properties["property_id"]
    source = tmp_path / "source"
    source.mkdir()
    areas.to_parquet(source / "areas.parquet")
    properties.to_parquet(source / "properties.parquet")
    placements.drop(columns=["consent_recorded", "placing_authority"]).to_csv(
        source / "placements.csv", index=False)
    pd.DataFrame({"subject_id": placements["subject_id"]}).to_csv(
        source / "subjects.csv", index=False)
    store = LayerStore(tmp_path / "home")
    import_files(sorted(source.iterdir()), store=store)
    engine = open_store(tmp_path / "home", None)
    solo = officer("solo", role="solo", organisation="Elsewhere", scope="Elsewhere")
    with pytest.raises(OutOfScopeError, match="not yours to report on"):
        report_from_store(store, engine, authority="Glenmore", year=2026, actor=solo,
                          published=True)
    own = officer("solo", role="solo", organisation="Glenmore", scope="Glenmore")
    report = report_from_store(store, engine, authority="Glenmore", year=2026, actor=own,
                               published=True)
    assert report.authority == "Glenmore" and report.published


def test_the_command_writes_the_report_and_audits_it(demo_files: list[Path],
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from geo_era.cli import app

    home = tmp_path / "home"
    import_demo(demo_files, home)
    monkeypatch.setenv("GEO_ERA_HOME", str(home))
    runner = CliRunner()
    base = ["report", "overconcentration", "--authority", "Inverallan Council",
            "--year", "2026", "--out", str(tmp_path / "r")]
    refused = runner.invoke(app, base)
    assert refused.exit_code != 0 and not (tmp_path / "r").exists()
    assert "needs a justification" in str(refused.exception)
    done = runner.invoke(app, [*base, "--justification", "annual MAPPA figures 2026"])
    assert done.exit_code == 0, done.output
    assert "OFFICIAL-SENSITIVE: over-concentration report of Inverallan Council" in done.output
    assert {p.name for p in (tmp_path / "r").iterdir()} >= {
        "report.html", "report.pdf", "authority.csv", "data_zone.csv"}
    published = runner.invoke(app, ["report", "overconcentration", "--authority",
                                    "Inverallan Council", "--year", "2026", "--publish",
                                    "--out", str(tmp_path / "p")])
    assert published.exit_code == 0, published.output
    engine = open_store(home, None)
    with engine.connect() as connection:
        entries = connection.execute(select(AuditEntry.operation, AuditEntry.record_type,
                                            AuditEntry.record_ids)).all()
    reports = [e for e in entries if e.record_type == "placements"]
    assert [(e.operation, e.record_ids[0]) for e in reports] == [
        ("combination", "over-concentration Inverallan Council 2026 internal"),
        ("combination", "over-concentration Inverallan Council 2026 published")]
    # the internal report names the subjects placed without consent, and says so
    lacking = read_table(tmp_path / "r" / "out_of_area_without_consent.csv")
    assert sorted(reports[0].record_ids[1:]) == sorted(set(lacking["subject_id"]))
    assert json.dumps(reports[1].record_ids).count("FICTIONAL") == 0


# --- the real Edinburgh data zones, with FICTIONAL placements --------------------------


def edinburgh_report(home: Path, *, published: bool = False) -> Report:
    """The report of the City of Edinburgh on 31 March 2026 from a store holding the
    597 real data zones and FICTIONAL placements."""
    from geo_era.data.layer_store import LayerStore
    from geo_era.demo.edinburgh import SOURCE_FILES, import_edinburgh

    data = require_shared_data(*SOURCE_FILES)
    store = LayerStore(home)
    if not store.has("areas"):
        import_edinburgh(data, store)
    return report_from_store(store, open_store(home, None), authority="City of Edinburgh",
                             year=2026, actor=officer(), published=published)


def map_area_ids(html: str) -> set[str]:
    """The data zone codes in the Folium map's GeoJSON of a report (the map is the
    document inside the report's iframe)."""
    frame = re.search(r'<iframe class="map[^"]*"[^>]*srcdoc="([^"]*)"', html)
    assert frame is not None, "the report has no map"
    document = unescape(frame.group(1))
    features = re.findall(r'"area_id":\s*"(S01\d{6})"', document)
    return set(features)


@pytest.mark.shared_data
def test_the_edinburgh_report_renders_as_html_and_pdf_with_all_597_data_zones(
        tmp_path: Path) -> None:
    report = edinburgh_report(tmp_path / "home")
    zones = report.level("data_zone")
    assert len(zones.table) == 597 and zones.table.index.str.startswith("S01").all()
    assert report.authority_table.loc[2026, "population"] == 476_626
    assert report.authority_table.loc[2026, "households"] == 223_051
    assert int(report.authority_table.loc[2026, "count"]) == int(zones.table["count"].sum())
    written = write_report(report, tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert map_area_ids(html) == set(zones.table.index)  # every one of the 597 on the map
    png, drawn = choropleth_png(zones, title="Edinburgh", hot_spots=True)
    assert drawn == 597 and len(png) > 50_000
    assert "City of Edinburgh" in html and INTERNAL_MARKING in html
    assert report.concerns and report.concerns[0].label in html
    pdf = (tmp_path / "out" / "report.pdf").read_bytes()
    document = pdfium.PdfDocument(pdf)
    pages = len(document)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(pages))
    assert pages > 5 and "Over-concentration of MAPPA placements" in text
    assert text.count(INTERNAL_MARKING) >= 2 * pages  # the top and foot of every page
    assert all(code in text for code in zones.table.index)  # the annex lists all 597
    images = [o for o in document[0].get_objects()] + [
        o for i in range(1, 4) for o in document[i].get_objects()]
    assert any(o.type == pdfium_raw.FPDF_PAGEOBJ_IMAGE for o in images)  # the PNG map
    assert {p.name for p in written} >= {"report.html", "report.pdf", "data_zone.csv"}
    csv = read_table(tmp_path / "out" / "data_zone.csv")
    assert len(csv) == 597


@pytest.mark.shared_data
def test_the_published_edinburgh_report_resists_recovery(tmp_path: Path) -> None:
    report = edinburgh_report(tmp_path / "home", published=True)
    write_report(report, tmp_path / "out")
    zones = read_table(tmp_path / "out" / "data_zone.csv")
    counts = zones[[c for c in zones.columns if c.startswith("count")]].to_numpy().ravel()
    shown = [int(v) for v in counts if v != MARKER]
    assert all(v >= 10 and v % 5 == 0 for v in shown)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert len(map_area_ids(html)) == 597
    assert "FICTIONAL-E" not in html and "ED-0" not in html
    authority = read_table(tmp_path / "out" / "authority.csv")
    assert all(int(v) % 5 == 0 for v in authority["count"] if v != MARKER)


def test_the_command_writes_every_councils_report(demo_files: list[Path], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from geo_era.cli import app

    import_demo(demo_files, tmp_path / "home")
    monkeypatch.setenv("GEO_ERA_HOME", str(tmp_path / "home"))
    done = CliRunner().invoke(app, ["report", "overconcentration", "--authority", "all",
                                    "--year", "2026", "--publish", "--out",
                                    str(tmp_path / "all")])
    assert done.exit_code == 0, done.output
    assert "1 over-concentration report(s) for 31 March 2026" in done.output
    written = tmp_path / "all" / "Inverallan-Council"
    assert (written / "report.pdf").exists() and (written / "data_zone.csv").exists()


def test_a_published_area_at_twenty_times_the_authoritys_rate_reads_so(
        tmp_path: Path) -> None:
    """R131, NASSO 5.2: a published location quotient compares an area with the whole
    authority (its published total over its population), not with the published areas
    alone. Zone 0 houses 45 of Glenmore's 80 (the other 35 zones one each, all
    suppressed). Worked by hand from the published figures: zone 0's rate is 45 per
    1,000 residents, the authority's 80 per 36,000, so its quotient is
    (45 / 1,000) / (80 / 36,000) = 20.25, "twice the authority's rate or more" in the
    table, on the map and in the narrative. (Against the published areas alone, zone 0
    would be compared with itself: 1.0, "1 to 1.5 times".)"""
    now = [45] + [1] * (SIDE * SIDE - 1)
    areas, properties, placements = town(now)
    report = build_report(areas, properties, placements, authority="Glenmore",
                          year=2026, published=True, permutations=199)
    out = tmp_path / "published"
    write_report(report, out)
    zones = read_table(out / "data_zone.csv").set_index("area_id")
    zone = zones.loc["S01000000"]
    assert zone["count"] == "45" and float(zone["rate_per_100k"]) == 4_500.0
    assert float(zone["location_quotient"]) == 20.25
    assert zone["lq_class"] == "twice the authority's rate or more"
    others = zones.drop(index="S01000000")
    assert (others["count"] == MARKER).all() and (others["lq_class"] == NOT_PUBLISHED).all()
    authority = read_table(out / "authority.csv").set_index("year")
    assert authority.loc["2026", "count"] == "80"
    assert float(authority.loc["2026", "rate_per_100k"]) == round(80 / 36_000 * 1e5, 1)
    # the map classes zone 0 as the table does, and says so in its tooltip
    html = (out / "report.html").read_text(encoding="utf-8")
    frame = re.search(r'<iframe class="map[^"]*"[^>]*srcdoc="([^"]*)"', html)
    assert frame is not None
    features = re.findall(r'\{[^{}]*"area_id":\s*"S01000000"[^{}]*\}', unescape(frame.group(1)))
    assert features and all("twice the authority" in f for f in features)
    legend = unescape(html)
    assert "twice the authority's rate or more (1)" in legend
    assert "1 to 1.5 times (" not in legend
    # the narrative agrees with the table
    text = " ".join(report.narrative)
    assert "1 had twice the authority's rate or more" in text
    # an area of concern, when one is named, is where the table says the rate is high
    for concern in report.concerns:
        assert "S01000000" in concern.area_ids


def ogrinfo(*args: str) -> str:
    """GDAL's own reader of a GeoPackage (Debian's gdal-bin; `.ci/gdal.sh` installs it):
    independent of the pyogrio that wrote it."""
    tool = shutil.which("ogrinfo")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("ogrinfo (Debian gdal-bin) is missing: bash .ci/gdal.sh installs it")
        pytest.skip("ogrinfo (Debian gdal-bin) is not installed: bash .ci/gdal.sh")
    done = subprocess.run([tool, *args], capture_output=True, text=True, check=True,
                          timeout=120)
    return done.stdout


def test_the_published_geopackage_opens_with_gdal_and_lists_its_layers(
        tmp_path: Path) -> None:
    """R131: the report's tables as a GeoPackage that opens in QGIS: GDAL lists the
    data-zone layer with its fields and its 36 features (polygons, British National
    Grid), the tables with no place as attribute layers, each described with the
    marking; a suppressed count is NULL, never a number."""
    out, report = published_files(tmp_path)
    gpkg = out / "report.gpkg"
    listing = ogrinfo("-q", str(gpkg))
    for layer in ("about", "authority", "data_zone (Multi Polygon)",
                  "areas_of_concern", "out_of_area"):
        assert layer in listing or layer.replace(" (Multi Polygon)", " (Polygon)") in listing
    assert "out_of_area_without_consent" not in listing and "placements" not in listing
    zones = ogrinfo("-so", str(gpkg), "data_zone")
    assert "Feature Count: 36" in zones and "British National Grid" in zones
    for field in ("area_id: String", "count_2026: Integer", "location_quotient: Real",
                  "lq_class: String", "population: Integer"):
        assert field in zones, field
    assert f"DESCRIPTION={PUBLISHED_MARKING}" in zones
    one = ogrinfo("-q", "-where", "area_id = 'S01000000'", str(gpkg), "data_zone")
    assert "count_2026 (Integer) = (null)" in one or "count_2026 (Integer64) = (null)" in one
    csv = read_table(out / "data_zone.csv").set_index("area_id")
    assert csv.loc["S01000000", "count_2026"] == MARKER  # the same cell, suppressed
    assert report.placements is None


def test_the_internal_geopackage_can_hold_the_placements_as_points(tmp_path: Path) -> None:
    """The OMU's internal report with the placements as points: one point per current
    placement in Glenmore (71, as worked in test_tables_worked_by_hand), each with its
    subject and the data zone it lies in; never in a report for publication."""
    areas, properties, placements = town(planted(), [1] * SIDE * SIDE)
    report = build_report(areas, properties, placements, authority="Glenmore", year=2026,
                          permutations=99, with_placements=True)
    assert report.placements is not None and len(report.placements) == sum(planted())
    write_report(report, tmp_path / "internal")
    points = ogrinfo("-so", str(tmp_path / "internal" / "report.gpkg"), "placements")
    assert "Geometry: Point" in points and f"Feature Count: {sum(planted())}" in points
    assert "subject_id: String" in points and f"DESCRIPTION={INTERNAL_MARKING}" in points
    zone = ogrinfo("-q", "-where", "area_id = 'S01000034'",
                   str(tmp_path / "internal" / "report.gpkg"), "placements")
    assert zone.count("OGRFeature(placements)") == planted()[34]
    with pytest.raises(DataError, match="never published"):
        build_report(areas, properties, placements, authority="Glenmore", year=2026,
                     published=True, with_placements=True)


def test_the_command_exports_the_placements_as_points_for_the_omu(
        demo_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The OMU's internal report with the placements as points: report.gpkg holds a
    point layer with one feature per subject the audit entry names (and no more);
    asked with --publish, it is refused and nothing is written."""
    from geo_era.cli import app

    home = tmp_path / "home"
    import_demo(demo_files, home)
    monkeypatch.setenv("GEO_ERA_HOME", str(home))
    runner = CliRunner()
    base = ["report", "overconcentration", "--authority", "Inverallan Council",
            "--year", "2026", "--with-placements", "--justification", "OMU mapping 2026"]
    refused = runner.invoke(app, [*base, "--publish", "--out", str(tmp_path / "p")])
    assert refused.exit_code != 0 and not (tmp_path / "p").exists()
    assert "never published" in str(refused.exception)
    done = runner.invoke(app, [*base, "--out", str(tmp_path / "r")])
    assert done.exit_code == 0, done.output
    gpkg = tmp_path / "r" / "report.gpkg"
    assert oct(gpkg.stat().st_mode & 0o777) == "0o600"
    found = gpd.read_file(gpkg, layer="placements")
    assert len(found) > 0 and found.crs.to_epsg() == 27700
    engine = open_store(home, None)
    with engine.connect() as connection:
        entry = connection.execute(select(AuditEntry.operation, AuditEntry.record_ids)
                                   .where(AuditEntry.record_type == "placements")).one()
    assert entry.operation == "combination"
    assert entry.record_ids[0] == ("over-concentration Inverallan Council 2026 internal "
                                   "with placements as points")
    assert set(entry.record_ids[1:]) >= set(found["subject_id"])
