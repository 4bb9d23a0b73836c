"""The ERA performance report (REQUIREMENTS.md R126, R131): figures worked by hand on a
small FICTIONAL case set (:mod:`tests.reporting.case_set`) equal the report's tables, on
SQLite and PostgreSQL; its files are written whole and marked; bad input is refused
clearly."""

from __future__ import annotations

import dataclasses
import stat
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy import Engine

from geo_era.db.store import open_store
from geo_era.errors import DataError
from geo_era.reporting.performance import TITLES, performance, reporting_year
from geo_era.reporting.performance_files import write_performance
from tests.reporting.case_set import (
    ABERMORAY,
    BALDOUR,
    EXPECTED_ABERMORAY,
    EXPECTED_ALL,
    REVIEW_MONTHS,
    TODAY,
    D,
    build_case_set,
    rows,
    subjects_layer,
)


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    build_case_set(engine)
    yield engine
    engine.dispose()


def _without_meaning(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["meaning"]) if "meaning" in table else table


def test_figures_worked_by_hand_for_all_councils(engine: Engine) -> None:
    """R126, R131: every table of the report for all councils, year 2025/26, equals the
    figures worked by hand from the case set (completed within 7/12/21 clear working
    days by type, lead agency and council; agreements by agency; extensions; reviews due,
    done, overdue and waived; landlord notifications raised and acted on)."""
    report = performance(engine, year=2026, subjects=subjects_layer(),
                         review_months=REVIEW_MONTHS, today=TODAY)
    assert list(report.tables) == list(TITLES)
    for stem, expected in EXPECTED_ALL.items():
        assert rows(_without_meaning(report.tables[stem])) == expected, stem
    assert (report.period.start, report.period.end, report.period.as_at) == (
        D(2025, 4, 1), D(2026, 3, 31), D(2026, 3, 31))
    assert report.fictional and report.marking == "OFFICIAL-SENSITIVE"
    for table in report.tables.values():  # working days as floats, never truncated
        for column in table.columns:
            if column.startswith(("median_", "p90_")):
                assert table[column].dtype == float, column
    text = " ".join(report.notes)
    assert "cannot be measured" in text and "free text" in text


def test_figures_for_one_council(engine: Engine) -> None:
    """R126: one council's report holds its own cases, reviews, waivers and
    notifications only (the name matched whatever its case)."""
    report = performance(engine, year=2026, authority=ABERMORAY.upper(),
                         subjects=subjects_layer(), review_months=REVIEW_MONTHS,
                         today=TODAY)
    assert report.authority == ABERMORAY
    for stem, expected in EXPECTED_ABERMORAY.items():
        assert rows(_without_meaning(report.tables[stem])) == expected, stem


def test_without_a_subjects_layer_the_reviews_are_not_estimated(engine: Engine) -> None:
    """R131: with no subjects layer the reviews due are left out and the notes say why;
    every waiver counts as of an unknown criterion."""
    report = performance(engine, year=2026, today=TODAY)
    assert "reviews" not in report.tables
    assert any("No subjects layer" in note for note in report.notes)
    waivers = dict(zip(report.tables["waivers"]["criterion"],
                       report.tables["waivers"]["waivers"], strict=True))
    assert (waivers["unknown"], waivers["all"], waivers["mappa_level_2_or_3"]) == (2, 2, 0)


def test_the_next_year_counts_the_case_decided_on_1_april(engine: Engine) -> None:
    """R131: C5, decided Wed 1 April 2026, belongs to 2026/27 (notified Mon 2 Mar: 3-31
    March are 21 working days, 1 April the 22nd: late); as at 1 May 2026."""
    report = performance(engine, year=2027, today=TODAY)
    review = report.tables["timeliness"].set_index("case_type").loc["annual_review"]
    assert (review["completed"], review["within"], review["late"],
            review["median_days"]) == (1, 0, 1, 22.0)
    # as at 1 May 2026 only C6 (due 1 Jul 2025) is not completed, and overdue
    waiting = report.tables["outstanding"].set_index("case_type")
    assert waiting[["not_completed", "overdue"]].to_dict("index") == {
        "initial_new": {"not_completed": 0, "overdue": 0},
        "initial_resident": {"not_completed": 0, "overdue": 0},
        "annual_review": {"not_completed": 1, "overdue": 1}}
    assert report.period.as_at == TODAY


def test_files_written_whole_private_and_marked(engine: Engine, tmp_path: Path) -> None:
    """R126: report.html, report.pdf and one CSV per table, each 0600 and marked
    OFFICIAL-SENSITIVE (FICTIONAL data), the CSV's figures those of the table."""
    report = performance(engine, year=2026, subjects=subjects_layer(),
                         review_months=REVIEW_MONTHS, today=TODAY)
    out = tmp_path / "out"
    written = write_performance(report, out)
    assert sorted(p.name for p in written) == sorted(
        ["report.html", "report.pdf", "report.gpkg", *(f"{s}.csv" for s in TITLES)])
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    first = (out / "timeliness.csv").read_text().splitlines()[0]
    assert first == ("# OFFICIAL-SENSITIVE. ERA performance, all councils, 1 April 2025 "
                     "to 31 March 2026. FICTIONAL data.")
    table = pd.read_csv(out / "agreements.csv", comment="#")
    assert table.to_dict("records") == EXPECTED_ALL["agreements"]
    html = (out / "report.html").read_text()
    assert "OFFICIAL-SENSITIVE" in html and "1 April 2025 to 31 March 2026" in html
    assert "FICTIONAL-S" not in html  # no subject named
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")


def test_a_failed_write_leaves_nothing(engine: Engine, tmp_path: Path) -> None:
    """R126: --out naming a file is refused and nothing is written beside it; a report
    whose PDF cannot be made writes no file at all (not the HTML or CSVs before it)."""
    report = performance(engine, year=2026, today=TODAY)
    folder = tmp_path / "reports"
    folder.mkdir()
    target = folder / "a-file"
    target.write_text("kept")
    with pytest.raises(DataError, match="is a file"):
        write_performance(report, target)
    assert [p.name for p in folder.iterdir()] == ["a-file"]
    assert target.read_text() == "kept"
    broken = dataclasses.replace(report, tables={**report.tables, "../escape": pd.DataFrame()})
    with pytest.raises(KeyError):  # no title for the table: fails while building
        write_performance(broken, folder / "out")
    assert not (folder / "out").exists() and not (tmp_path / "escape.csv").exists()


@pytest.mark.parametrize(("year", "message"), [
    (1999, "from 2000 to 2027"), (2028, "from 2000 to 2027")])
def test_a_year_outside_the_range_is_refused(year: int, message: str) -> None:
    """R131: a year before 2000 or not yet started is refused, saying which may be
    asked for (on 1 May 2026 the current year ends 31 March 2027)."""
    with pytest.raises(DataError, match=message):
        reporting_year(year, today=TODAY)
    assert reporting_year(2026, today=D(2026, 3, 31)).as_at == D(2026, 3, 31)
    with pytest.raises(DataError, match="from 2000 to 2026"):
        reporting_year(2027, today=D(2026, 3, 31))


def test_an_unknown_council_is_refused(engine: Engine) -> None:
    """R131: a council known neither to the areas layer nor to any case is refused,
    saying how to name one."""
    with pytest.raises(DataError, match="no council called 'Atlantis' is known"):
        performance(engine, year=2026, authority="Atlantis", today=TODAY)
    known = performance(engine, year=2026, authority="Nowhere Council",
                        councils=["Nowhere Council"], today=TODAY)
    assert int(known.tables["timeliness"]["completed"].sum()) == 0


def test_the_geopackage_outlines_the_tables_by_council(engine: Engine,
                                                       tmp_path: Path) -> None:
    """R126, R131: report.gpkg, opened with GDAL's ogrinfo: every table a layer, the
    table by council outlined by the councils' polygons (matched by name whatever its
    case), with the rows worked by hand (three), the others attribute tables."""
    from shapely.geometry import box

    from tests.overconcentration.test_report import ogrinfo

    report = performance(engine, year=2026, subjects=subjects_layer(),
                         review_months=REVIEW_MONTHS, today=TODAY)
    councils = gpd.GeoDataFrame(
        {"name": [ABERMORAY.upper(), BALDOUR]},
        geometry=[box(300_000, 700_000, 310_000, 710_000),
                  box(310_000, 700_000, 320_000, 710_000)], crs=27700)
    write_performance(report, tmp_path / "out", councils)
    gpkg = str(tmp_path / "out" / "report.gpkg")
    listing = ogrinfo("-q", gpkg)
    for stem in TITLES:
        assert stem in listing, stem
    by_council = ogrinfo("-so", gpkg, "timeliness_by_council")
    rows = len(EXPECTED_ALL["timeliness_by_council"])
    assert f"Feature Count: {rows}" in by_council and "Geometry: Polygon" in by_council
    assert "Extent: (300000.000000, 700000.000000) - (320000.000000, 710000.000000)" \
        in by_council
    assert "DESCRIPTION=OFFICIAL-SENSITIVE" in by_council
    assert "Geometry: None" in ogrinfo("-so", gpkg, "timeliness")
    # the layer opens in QGIS as outlines (councils and their total overlap)
    from tests.documents.test_layer_styles import renderer, styles_of

    styles = styles_of(Path(gpkg))
    spatial = [line.split(": ", 1)[1].split(" (")[0] for line in listing.splitlines()
               if line.endswith("(Polygon)") or line.endswith("(Multi Polygon)")]
    assert "timeliness_by_council" in spatial and sorted(styles) == sorted(spatial)
    outline = renderer(styles["timeliness_by_council"])
    assert outline.get("type") == "singleSymbol"
    assert {p.get("k"): p.get("v") for p in outline.iter("prop")}["style"] == "no"
    found = gpd.read_file(gpkg, layer="timeliness_by_council")
    assert found[["council", "completed", "within"]].to_dict("records") == [
        {k: row[k] for k in ("council", "completed", "within")}
        for row in EXPECTED_ALL["timeliness_by_council"]]
