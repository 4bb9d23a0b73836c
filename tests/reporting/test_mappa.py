"""The annual MAPPA figures worked by hand on a small FICTIONAL set (R128-R131).

Three councils in two MAPPA areas (North: Alpha and Beta; South: Gamma), nine subjects,
eight imported placements and three moves recorded in the case store (an ERA move
out of area without consent, a temporary placement, a move after a granted transfer).
Every expected number below is read off the set as described here, not from the code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sqlalchemy import Engine

from geo_era.casework.placements import placements_now
from geo_era.db.store import PlacementMove, TransferRequest, open_store, session_scope
from geo_era.errors import ConfigurationError, DataError, NotFoundError
from geo_era.reporting.mappa import (
    MANAGED_COLUMNS,
    Figures,
    MappaReport,
    Scope,
    build_mappa_report,
    period,
    store_records,
)
from geo_era.reporting.mappa_areas import DEFAULT_AREAS
from geo_era.reporting.mappa_document import write_mappa_report
from geo_era.settings import load_settings, mappa_area_table

AREAS = {"Alpha Council": "North", "Beta Council": "North", "Gamma Council": "South"}
TODAY = dt.date(2026, 12, 6)
YEAR = 2026


def councils() -> gpd.GeoDataFrame:
    """Three 1 km squares side by side: Alpha (x 0-1000), Beta, Gamma."""
    return gpd.GeoDataFrame({
        "area_id": ["C1", "C2", "C3"], "area_type": ["council"] * 3,
        "name": ["Alpha Council", "Beta Council", "Gamma Council"],
        "population": [50_000, 20_000, 40_000]},
        geometry=[shapely.box(x, 0, x + 1000, 1000) for x in (0, 1000, 2000)],
        crs="EPSG:27700")


def properties() -> gpd.GeoDataFrame:
    rows = [("FICTIONAL-A1", 100, "Alpha Council"), ("FICTIONAL-A2", 200, "Hearth HA"),
            ("FICTIONAL-A3", 300, None), ("FICTIONAL-A4", 400, "Hearth HA"),
            ("FICTIONAL-B1", 1100, "Beta Council"), ("FICTIONAL-B2", 1200, None),
            ("FICTIONAL-G1", 2100, "Hearth HA"), ("FICTIONAL-G2", 2200, "Gamma Council"),
            ("FICTIONAL-G3", 2300, None)]
    return gpd.GeoDataFrame({"property_id": [r[0] for r in rows],
                             "landlord": pd.array([r[2] for r in rows], dtype="string")},
                            geometry=[shapely.Point(r[1], 500) for r in rows],
                            crs="EPSG:27700")


def subjects() -> pd.DataFrame:
    rows = [  # subject, category, level, registered_on
        ("FICTIONAL-S1", 1, 1, "2025-06-01"), ("FICTIONAL-S2", 1, 2, "2020-01-01"),
        ("FICTIONAL-S3", 2, 1, None), ("FICTIONAL-S4", 3, 3, "2026-03-31"),
        ("FICTIONAL-S5", 1, 1, "2025-03-31"), ("FICTIONAL-S6", None, 1, "2025-04-01"),
        ("FICTIONAL-S7", 1, 1, "2024-01-01"), ("FICTIONAL-S8", 2, 2, "2019-05-05")]
    # FICTIONAL-S9 is placed but not in the subjects layer
    return pd.DataFrame({"subject_id": [r[0] for r in rows],
                         "mappa_category": pd.array([r[1] for r in rows], dtype="Int64"),
                         "mappa_level": pd.array([r[2] for r in rows], dtype="Int64"),
                         "registered_on": pd.to_datetime(pd.Series([r[3] for r in rows]))})


def imported() -> pd.DataFrame:
    rows = [  # subject, property, start, end, placing authority, consent
        ("FICTIONAL-S2", "FICTIONAL-A2", "2018-05-01", None, None, None),
        ("FICTIONAL-S3", "FICTIONAL-A3", "2024-01-01", None, None, None),
        ("FICTIONAL-S5", "FICTIONAL-B1", "2025-05-10", None, "Gamma Council", True),
        ("FICTIONAL-S7", "FICTIONAL-B2", "2023-01-01", "2026-03-31", None, None),
        ("FICTIONAL-S8", "FICTIONAL-G1", "2022-02-02", None, None, None),
        ("FICTIONAL-S9", "FICTIONAL-G3", "2025-12-01", None, "Alpha Council", False),
        ("FICTIONAL-S4", "FICTIONAL-A4", "2020-01-01", None, None, None),
        ("FICTIONAL-S6", "FICTIONAL-G2", "2021-01-01", None, None, None)]
    return pd.DataFrame({
        "subject_id": [r[0] for r in rows], "property_id": [r[1] for r in rows],
        "start_date": pd.to_datetime([r[2] for r in rows]),
        "end_date": pd.to_datetime(pd.Series([r[3] for r in rows])),
        "placing_authority": pd.array([r[4] for r in rows], dtype="string"),
        "consent_recorded": pd.array([r[5] for r in rows], dtype="boolean")})


def _move(subject: str, prop: str, on: str, *, kind: str | None = None,
          placing: str | None = None, consent: bool | None = None,
          ends: str | None = None) -> PlacementMove:
    return PlacementMove(
        subject_id=subject, property_id=prop, moved_in_on=dt.date.fromisoformat(on),
        case_reference="ERA-000001" if kind is None else "HLP-000001",
        part="C" if kind is None else "T", authority=None, placing_authority=placing,
        consent_recorded=consent, recorded_by="fictional.officer", kind=kind,
        ends_on=None if ends is None else dt.date.fromisoformat(ends))


def _transfer(subject: str, decision: str, decided: str) -> TransferRequest:
    return TransferRequest(
        kind="subject", authority="Gamma Council", subject_id=subject, requested_on=
        dt.date(2025, 9, 1), grounds="FICTIONAL", urgent=False, decision=decision,
        decided_on=dt.date.fromisoformat(decided), recorded_as="solo",
        recorded_org="Gamma Council", recorded_by="fictional.solo")


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """The case store with the recorded moves and transfer requests of the set."""
    engine = open_store(tmp_path, database_url)
    with session_scope(engine) as session:
        session.add_all([
            # S1 housed after an ERA decision, placed by Beta without consent
            _move("FICTIONAL-S1", "FICTIONAL-A1", "2025-07-01", placing="Beta Council",
                  consent=False),
            # S4 to temporary accommodation, planned to end after 31 March
            _move("FICTIONAL-S4", "FICTIONAL-B2", "2025-09-01", kind="temporary",
                  ends="2026-06-30"),
            # S6 moves after a granted transfer (placed by its own council: not out of
            # area)
            _move("FICTIONAL-S6", "FICTIONAL-G1", "2025-11-15",
                  placing="Gamma Council")])
        session.add_all([_transfer("FICTIONAL-S6", "granted", "2025-10-01"),
                         _transfer("FICTIONAL-S2", "granted", "2026-04-15"),
                         _transfer("FICTIONAL-S3", "refused", "2025-10-01")])
    yield engine
    engine.dispose()


def figures(engine: Engine) -> Figures:
    moves, transfers = store_records(engine)
    placements = placements_now(imported(), engine)
    assert placements is not None
    return Figures(councils=councils(), properties=properties(), subjects=subjects(),
                   placements=placements,
                   moves=moves, transfers=transfers)


def report(engine: Engine, scope: Scope, *, published: bool = False) -> MappaReport:
    return build_mappa_report(figures(engine), scope=scope, year=YEAR, published=published,
                              area_table=AREAS, today=TODAY)


def rows(report: MappaReport, stem: str) -> dict[str, dict[str, object]]:
    frame = report.tables[stem].set_index(report.unit)
    return {str(k): {c: v for c, v in row.items() if v != 0}
            for k, row in frame.to_dict("index").items()}


def test_the_reporting_year_runs_from_1_april_to_31_march() -> None:
    """R129: 'reporting period 1 April 2018 to 31 March 2019'."""
    assert period(2019) == (dt.date(2018, 4, 1), dt.date(2019, 3, 31))


def test_people_managed_by_category_and_level_worked_by_hand(engine: Engine) -> None:
    """R128, R131: on 31 March 2026 Alpha manages S1 (1/1), S2 (1/2), S3 (2/1); Beta S5
    (1/1) and S4 (3/3, in temporary accommodation since its move out of Alpha); Gamma
    S8 (2/2), S9 (not in the subjects layer) and S6 (no category). S7's placement ended
    on 31 March itself: not managed."""
    r = report(engine, Scope("area", "North"))
    assert rows(r, "people_managed") == {
        "Alpha Council": {"category_1_level_1": 1, "category_1_level_2": 1,
                          "category_2_level_1": 1, "Total": 3},
        "Beta Council": {"category_1_level_1": 1, "category_3_level_3": 1, "Total": 2},
        "Total": {"category_1_level_1": 2, "category_1_level_2": 1,
                  "category_2_level_1": 1, "category_3_level_3": 1, "Total": 5}}
    gamma = report(engine, Scope("council", "gamma council"))
    assert gamma.scope == Scope("council", "Gamma Council")
    assert rows(gamma, "people_managed") == {"Gamma Council": {
        "category_2_level_2": 1, "category_or_level_not_recorded": 2, "Total": 3}}
    assert list(gamma.tables["people_managed"].columns) == ["council", *MANAGED_COLUMNS,
                                                             "Total"]


def test_new_registrations_and_dates_not_recorded_worked_by_hand(engine: Engine) -> None:
    """R131: registered in the year (1 April 2025 - 31 March 2026, both days counted):
    S1 (Alpha, category 1), S4 on 31 March 2026 (Beta, category 3), S6 on 1 April 2025
    (Gamma, category not recorded); S5 registered on 31 March 2025 is not new. No date:
    S3 (Alpha) and S9 (Gamma), never guessed."""
    r = report(engine, Scope("scotland"))
    assert r.unit == "mappa_area"
    assert rows(r, "registrations") == {
        "North": {"category_1": 1, "category_3": 1, "Total": 2},
        "South": {"category_not_recorded": 1, "Total": 1},
        "Total": {"category_1": 1, "category_3": 1, "category_not_recorded": 1, "Total": 3}}
    assert rows(r, "registration_date_not_recorded") == {
        "North": {"registration_date_not_recorded": 1},
        "South": {"registration_date_not_recorded": 1},
        "Total": {"registration_date_not_recorded": 2}}


def test_people_housed_by_tenure_and_route_worked_by_hand(engine: Engine) -> None:
    """R131: moves in the year: S1 into Alpha's council flat after an ERA decision
    (council, void); S5 imported into Beta's council flat (council, route not
    recorded); S4 into temporary accommodation with no landlord (private, temporary);
    S6 into a housing association home after its transfer was granted (housing
    association, transfer); S9 imported into a home with no landlord (private,
    private). S2's transfer was granted after the year and S3's refused: nothing."""
    r = report(engine, Scope("scotland"))
    assert rows(r, "housed") == {
        "North": {"council_void": 1, "council_not_recorded": 1, "private_temporary": 1,
                  "Total": 3},
        "South": {"housing_association_transfer": 1, "private_private": 1, "Total": 2},
        "Total": {"council_void": 1, "council_not_recorded": 1, "private_temporary": 1,
                  "housing_association_transfer": 1, "private_private": 1, "Total": 5}}


def test_out_of_area_placements_with_and_without_consent_worked_by_hand(
        engine: Engine) -> None:
    """R131, NASSO 3.13: S1 placed in Alpha by Beta without consent (a recorded move),
    S5 in Beta by Gamma with consent, S9 in Gamma by Alpha without; S6's move names its
    own council as placing: not out of area."""
    north = report(engine, Scope("area", "north"))
    assert rows(north, "out_of_area") == {
        "Alpha Council": {"without_consent": 1, "Total": 1},
        "Beta Council": {"with_consent": 1, "Total": 1},
        "Total": {"with_consent": 1, "without_consent": 1, "Total": 2}}
    assert rows(report(engine, Scope("council", "Gamma Council")), "out_of_area") == {
        "Gamma Council": {"without_consent": 1, "Total": 1}}


def test_rates_per_100000_worked_by_hand(engine: Engine) -> None:
    """R131: people managed per 100,000 residents: Alpha 3 in 50,000 (6.0), Beta 2 in
    20,000 (10.0), North 5 in 70,000 (7.1), South 3 in 40,000 (7.5), Scotland 8 in
    110,000 (7.3)."""
    north = report(engine, Scope("area", "North")).tables["rates"].set_index("council")
    assert north["rate_per_100k"].to_dict() == {"Alpha Council": 6.0, "Beta Council": 10.0,
                                                "Total": 7.1}
    assert north["population"].to_dict() == {"Alpha Council": 50_000,
                                             "Beta Council": 20_000, "Total": 70_000}
    scotland = report(engine, Scope("scotland")).tables["rates"].set_index("mappa_area")
    assert scotland["rate_per_100k"].to_dict() == {"North": 7.1, "South": 7.5, "Total": 7.3}
    assert scotland["people_managed"].to_dict() == {"North": 5, "South": 3, "Total": 8}


def test_the_published_version_of_a_small_set_suppresses_every_count(
        engine: Engine) -> None:
    """R131 with the over-concentration report's disclosure control: every count of the
    set is under 10, so nothing is published but the structure, and no rate."""
    r = report(engine, Scope("area", "North"), published=True)
    assert r.marking.startswith("OFFICIAL — FOR PUBLICATION")
    for stem in ("people_managed", "registrations", "housed", "out_of_area"):
        frame = r.tables[stem].set_index("council")
        assert (frame == "[c]").all().all(), stem
    assert r.tables["rates"]["rate_per_100k"].isna().all()


def test_unknown_council_or_area_and_years_out_of_range_are_refused(
        engine: Engine) -> None:
    """Bad input is refused with the names known and how to fix it."""
    with pytest.raises(NotFoundError, match="Alpha Council, Beta Council, Gamma Council"):
        report(engine, Scope("council", "Delta Council"))
    with pytest.raises(NotFoundError, match="MAPPA areas: North, South"):
        report(engine, Scope("area", "East"))
    for year in (1999, 2101):
        with pytest.raises(DataError, match="out of range"):
            build_mappa_report(figures(engine), scope=Scope("scotland"), year=year,
                               published=False, area_table=AREAS, today=TODAY)
    with pytest.raises(DataError, match="has not ended"):
        build_mappa_report(figures(engine), scope=Scope("scotland"), year=2027,
                           published=False, area_table=AREAS, today=TODAY)


def test_a_council_no_area_lists_is_an_area_of_its_own(engine: Engine) -> None:
    """R130: with Scotland's default table none of the FICTIONAL councils is listed:
    each is reported as an area of its own, and the report says so."""
    r = build_mappa_report(figures(engine), scope=Scope("scotland"), year=YEAR,
                           published=False, today=TODAY)
    assert list(r.tables["people_managed"]["mappa_area"]) == [
        "Alpha Council", "Beta Council", "Gamma Council", "Total"]
    assert len(r.notes) == 3 and "GEO_ERA_MAPPA_AREAS" in r.notes[0]


def test_the_default_table_has_scotlands_32_councils_in_10_areas() -> None:
    """R130: 'the 10 MAPPA areas'."""
    assert len(DEFAULT_AREAS) == 32 and len(set(DEFAULT_AREAS.values())) == 10
    assert DEFAULT_AREAS["City of Edinburgh"] == "Lothian and Borders"
    assert DEFAULT_AREAS["Na h-Eileanan Siar"] == "Highland and Islands"


def test_the_mappa_areas_setting_reads_a_csv_and_refuses_a_bad_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GEO_ERA_MAPPA_AREAS: council,mappa_area; a bad file is a clear configuration
    error naming the line, never its contents."""
    good = tmp_path / "areas.csv"
    good.write_text("council,mappa_area\nAlpha Council,North\nGamma Council,South\n")
    monkeypatch.setenv("GEO_ERA_MAPPA_AREAS", str(good))
    assert mappa_area_table(load_settings()) == {"Alpha Council": "North",
                                                 "Gamma Council": "South"}
    bad = {"name,area\nAlpha,North\n": "header council,mappa_area",
           "council,mappa_area\nAlpha,\n": "line 2",
           "council,mappa_area\nAlpha,North\nalpha council,South\n": "line 3",
           "council,mappa_area\n": "lists no council"}
    for text, said in bad.items():
        good.write_text(text)
        with pytest.raises(ConfigurationError, match=said):
            load_settings()
    monkeypatch.setenv("GEO_ERA_MAPPA_AREAS", str(tmp_path / "missing.csv"))
    with pytest.raises(ConfigurationError, match="no such file"):
        load_settings()


def test_the_files_are_written_whole_and_marked(engine: Engine, tmp_path: Path) -> None:
    """report.html, report.pdf and one CSV per table, each CSV marked; internal files
    owner-only."""
    r = report(engine, Scope("area", "North"))
    written = write_mappa_report(r, tmp_path / "out")
    names = sorted(p.name for p in written)
    assert names == sorted(["report.html", "report.pdf", "report.gpkg", "people_managed.csv",
                            "registrations.csv", "registration_date_not_recorded.csv",
                            "housed.csv", "out_of_area.csv", "rates.csv"])
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o600
        if path.suffix == ".csv":
            first = path.read_text(encoding="utf-8").splitlines()[0]
            assert first.startswith("# OFFICIAL-SENSITIVE.") and "FICTIONAL data." in first
    assert (tmp_path / "out" / "report.pdf").read_bytes().startswith(b"%PDF")


def test_the_demo_subjects_carry_a_registration_date_the_importer_keeps(
        demo_files: list[Path], tmp_path: Path) -> None:
    """R131: the demo town's FICTIONAL subjects have ``registered_on`` (a few without:
    'not recorded'); importing them keeps it as a date."""
    from tests.conftest import import_demo

    store = import_demo(demo_files, tmp_path / "home")
    frame = store.read_attributes("subjects", ["subject_id", "registered_on"])
    dates = pd.to_datetime(frame["registered_on"])
    assert dates.notna().sum() >= 4 and dates.isna().any()
    assert dates.max() <= pd.Timestamp("2025-03-31")
    assert frame["subject_id"].str.startswith("FICTIONAL").all()


def test_the_geopackage_outlines_each_row_and_opens_with_gdal(engine: Engine,
                                                              tmp_path: Path) -> None:
    """R130, R131: report.gpkg holds every table as a layer GDAL opens, one feature per
    row of the CSV (the North area's two councils and its Total), each outlined by its
    council (the Total by the area), with the counts of the table worked by hand above
    as numbers."""
    from tests.overconcentration.test_report import ogrinfo

    r = report(engine, Scope("area", "North"))
    write_mappa_report(r, tmp_path / "out")
    gpkg = str(tmp_path / "out" / "report.gpkg")
    listing = ogrinfo("-q", gpkg)
    for stem in r.tables:
        assert stem in listing
    managed = ogrinfo("-so", gpkg, "people_managed")
    assert "Feature Count: 3" in managed and "British National Grid" in managed
    assert "council: String" in managed and "category_1_level_1: Integer" in managed
    assert "DESCRIPTION=OFFICIAL-SENSITIVE" in managed
    from tests.documents.test_layer_styles import renderer, styles_of

    styles = styles_of(Path(gpkg))  # every table outlined in QGIS, unfilled
    assert sorted(styles) == sorted(r.tables)
    assert {renderer(row).get("type") for row in styles.values()} == {"singleSymbol"}
    found = gpd.read_file(gpkg, layer="people_managed").set_index("council")
    assert found.loc["Alpha Council", "Total"] == 3 and found.loc["Total", "Total"] == 5
    alpha = figures(engine).councils.set_index("name").geometry["Alpha Council"]
    assert found.geometry["Alpha Council"].equals(alpha)
    assert found.geometry["Total"].area == pytest.approx(
        found.geometry["Alpha Council"].area + found.geometry["Beta Council"].area)
