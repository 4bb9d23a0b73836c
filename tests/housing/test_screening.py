"""Void screening and the sensitive-allocation check, on a hand-built street whose right
answers are worked out below, and on the demo town against the one-at-a-time check.

The hand-built street (EPSG:27700, metres from (300000, 700000)): a U-shaped road, west
side x = 0 and east side x = 200 from y = 0 to 1000, joined across the top. A school
stands 10 m east of the east side's bottom end, at (210, 0), so a void on the west side
is 220 m from it in a straight line but 2,220 m on foot (up, across and down).

=====  ===========  ==========================================================
void   point        what is near it
=====  ===========  ==========================================================
A      (-10, 0)     the school 2,220 m on foot; CCTV 190 m away (the only void
                    within 400 m of it)
B      (190, 500)   the school 520 m on foot; licensed premises 40 m away
C      (190, 100)   the school 120 m on foot (102 m straight)
D      (190, 300)   the school 320 m on foot; licensed premises 204 m away; a
                    semi-detached house whose other half (E) has children
T1     (-10, 600)   a tenement flat whose close holds a household with children
=====  ===========  ==========================================================
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.errors import DataError
from geo_era.housing.allocations import FLAG, RecordedRestriction, check_allocations
from geo_era.housing.screening import screen
from geo_era.housing.void_lists import from_ids, read_void_list, store_voids
from geo_era.settings import ScreeningSettings, ScreeningWeights
from geo_era.workspace import Snapshot, Workspace
from tests.conftest import import_demo

X0, Y0 = 300_000.0, 700_000.0
RANKER = "FICTIONAL-S000101"  # victim profile children,women; no conditions or zones
BOUND = "FICTIONAL-S000102"   # every kind of hard conflict
WHY = "screening voids for new accommodation"


def at(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def square(x: float, y: float, half: float) -> shapely.Polygon:
    return box(X0 + x - half, Y0 + y - half, X0 + x + half, Y0 + y + half)


def write_street(folder: Path) -> list[Path]:
    """The hand-built street's layers as files to import."""
    folder.mkdir(parents=True, exist_ok=True)
    crs = 27700
    homes = {  # id: (x, y, building, type, floor, void, children)
        "A": (-10, 0, "BA", "detached", 0, True, False),
        "B": (190, 500, "BB", "detached", 0, True, False),
        "C": (190, 100, "BC", "detached", 0, True, False),
        "D": (190, 300, "BD", "semi_detached", 0, True, False),
        "E": (190, 310, "BE", "semi_detached", 0, False, True),
        "T1": (-10, 598, "BT", "tenement_flat", 0, True, False),
        "T2": (-10, 602, "BT", "tenement_flat", 1, False, True),
    }
    properties = gpd.GeoDataFrame({
        "property_id": list(homes),
        "address": [f"{k} Test Road, Testville" if not k.startswith("T") else
                    f"{'GF1' if k == 'T1' else '1F1'} 7 Test Road, Testville" for k in homes],
        "building_id": [v[2] for v in homes.values()],
        "property_type": [v[3] for v in homes.values()],
        "floor": [v[4] for v in homes.values()],
        "close_id": [("7 Test Road" if v[3] == "tenement_flat" else None)
                     for v in homes.values()],
        "is_void": [v[5] for v in homes.values()],
        "children_in_household": [v[6] for v in homes.values()],
    }, geometry=[at(v[0], v[1]) for v in homes.values()], crs=crs)
    buildings = gpd.GeoDataFrame({
        "building_id": ["BA", "BB", "BC", "BD", "BE", "BT"]},
        geometry=[square(-10, 0, 5), square(190, 500, 5), square(190, 100, 5),
                  box(X0 + 185, Y0 + 295, X0 + 195, Y0 + 305),
                  box(X0 + 185, Y0 + 305, X0 + 195, Y0 + 315), square(-10, 600, 6)],
        crs=crs)
    plots = gpd.GeoDataFrame({
        "plot_id": ["PA", "PB", "PC", "PD", "PE"],
        "property_id": ["A", "B", "C", "D", "E"]},
        geometry=[square(-10, 0, 9), square(190, 500, 9), square(190, 100, 9),
                  box(X0 + 181, Y0 + 291, X0 + 199, Y0 + 305),
                  box(X0 + 181, Y0 + 305, X0 + 199, Y0 + 319)], crs=crs)
    sites = gpd.GeoDataFrame({
        "site_id": ["SCH", "PUB", "CAM"], "category": ["school", "licensed_premises", "cctv"],
        "name": ["Test Primary School", "The Test Arms", "Camera 1"]},
        geometry=[at(210, 0), at(230, 500), at(-200, 0)], crs=crs)
    streets = gpd.GeoDataFrame({"name": ["West Side", "Top Road", "East Side"]}, geometry=[
        LineString([(X0, Y0), (X0, Y0 + 1000)]),
        LineString([(X0, Y0 + 1000), (X0 + 200, Y0 + 1000)]),
        LineString([(X0 + 200, Y0 + 1000), (X0 + 200, Y0)])], crs=crs)
    areas = gpd.GeoDataFrame({"area_id": ["S01999999"], "area_type": ["data_zone"],
                              "name": ["Test Zone"]},
                             geometry=[box(X0 + 150, Y0 + 450, X0 + 250, Y0 + 550)], crs=crs)
    subjects = pd.DataFrame({
        "subject_id": [RANKER, BOUND],
        "victim_profile": ["children,women", "children"],
        "conditions": ["[]", json.dumps([
            {"type": "no_residence_within", "category": "school", "metres": 150},
            {"type": "no_residence_in_area", "area_id": "S01999999"},
            {"type": "no_residence_same_building_as_children"}])],
        "current_property_id": ["", "E"]})
    zones = gpd.GeoDataFrame({"zone_id": ["FICTIONAL-Z000102"], "subject_id": [BOUND],
                              "reason": ["FICTIONAL: victim's home area"]},
                             geometry=[square(-10, 0, 40)], crs=crs)
    files = []
    for name, frame in (("properties", properties), ("buildings", buildings),
                        ("plots", plots), ("sites", sites), ("streets", streets),
                        ("areas", areas), ("exclusion_zones", zones)):
        path = folder / f"{name}.gpkg"
        frame.to_file(path, layer=name, driver="GPKG")
        files.append(path)
    subjects.to_csv(folder / "subjects.csv", index=False)
    return [*files, folder / "subjects.csv"]


@pytest.fixture(scope="module")
def street(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    tmp = tmp_path_factory.mktemp("street")
    store = LayerStore(tmp / "home")
    import_files(write_street(tmp / "files"), store=store)
    return Workspace(store)


def voids_of(snap: Snapshot, *ids: str) -> Any:
    listed = from_ids(snap, list(ids))
    assert not listed.errors
    return listed


def by_id(result: Any) -> dict[str, dict[str, Any]]:
    return {v["property_id"]: v for v in result.voids}


def test_ranking_on_a_street_whose_order_is_known(street: Workspace) -> None:
    snap = street.snapshot()
    result = screen(snap, RANKER, voids_of(snap, "D", "C", "B", "A"))
    # worked by hand (module docstring; default weights 3, 2, 2, 3, 1, 1, 1 = 13):
    #   A: every factor 1                                            -> 100.0
    #   B: school 520/1000, pub nearby 1/2, no CCTV 0                 -> 10.06/13 = 77.4
    #   C: school 120/1000, no CCTV                                   ->  9.36/13 = 72.0
    #   D: school 320/1000, E with children 1/2, pub 1/2, no CCTV,
    #      set of 1 -> 1/(1 + 1/8)                                    ->  7.85/13 = 60.4
    assert [(v["property_id"], v["rank"], v["score"]) for v in result.voids] == [
        ("A", 1, 100.0), ("B", 2, 77.4), ("C", 3, 72.0), ("D", 4, 60.4)]
    voids = by_id(result)
    school = {k: v["factors"]["school"] for k, v in voids.items()}
    assert school["A"]["value"] == pytest.approx(2220, abs=0.5)  # on foot, round the U
    assert school["B"]["value"] == pytest.approx(520, abs=0.5)
    assert "on foot" in school["A"]["note"] and "Test Primary School" in school["A"]["note"]
    d = voids["D"]["factors"]
    assert (d["profile_households"]["value"], d["set_size"]["value"],
            d["licensed_premises"]["value"], d["cctv"]["value"]) == (1, 1, 1, 0)
    assert d["nursery"]["value"] is None and d["nursery"]["note"] == "no nursery in the data"
    assert all(f["applies"] for f in d.values())
    assert not any(v["ruled_out"] or v["reasons"] for v in result.voids)


def test_weights_come_from_configuration(street: Workspace) -> None:
    """With only CCTV counting, A (the one void with a camera near) leads and the others
    tie at 0, ordered by property id; every factor is still shown."""
    snap = street.snapshot()
    config = ScreeningSettings(weights=ScreeningWeights(
        school=0, nursery=0, play_park=0, profile_households=0, licensed_premises=0,
        set_size=0, cctv=1))
    result = screen(snap, RANKER, voids_of(snap, "D", "C", "B", "A"), config=config)
    assert [(v["property_id"], v["score"]) for v in result.voids] == [
        ("A", 100.0), ("B", 0.0), ("C", 0.0), ("D", 0.0)]
    assert set(result.voids[0]["factors"]) == {
        "school", "nursery", "play_park", "profile_households", "licensed_premises", "cctv",
        "set_size"}
    assert result.to_dict()["scoring"]["factors"]["school"] == {"weight": 0.0,
                                                                "applies": True}
    with pytest.raises(ValueError, match="at least one screening weight"):
        ScreeningWeights(school=0, nursery=0, play_park=0, profile_households=0,
                         licensed_premises=0, cctv=0, set_size=0)


def test_factors_that_do_not_fit_the_profile_do_not_count(street: Workspace) -> None:
    """Without 'women' the licensed premises do not count for B; with 'children' only,
    households in the set still do."""
    snap = street.snapshot()
    result = screen(snap, BOUND, voids_of(snap, "D"))
    factors = result.voids[0]["factors"]
    assert factors["licensed_premises"]["applies"] is False
    assert factors["profile_households"]["applies"] is True
    # weights 3+2+2+3+1+1 = 12: school .32, E's children 1/2, no CCTV, set 8/9
    assert result.voids[0]["score"] == pytest.approx(
        round(100 * (3 * .32 + 2 + 2 + 3 * .5 + 0 + 1 / (1 + 1 / 8)) / 12, 1))


def test_every_hard_conflict_rules_a_void_out_with_its_reason(street: Workspace) -> None:
    snap = street.snapshot()
    result = screen(snap, BOUND, store_voids(snap))
    voids = by_id(result)
    assert set(voids) == {"A", "B", "C", "D", "T1"}
    kinds = {pid: [r["kind"] for r in v["reasons"]] for pid, v in voids.items()}
    assert kinds == {"A": ["exclusion_zone"], "C": ["no_residence_within"],
                     "B": ["no_residence_in_area"],
                     "T1": ["no_residence_same_building_as_children"], "D": []}
    assert "Test Primary School is 102 m away" in voids["C"]["reasons"][0]["message"]
    assert "Test Zone" in voids["B"]["reasons"][0]["message"]
    assert voids["T1"]["reasons"][0]["households_with_children"] == ["T2"]
    assert voids["A"]["reasons"][0]["zone_id"] == "FICTIONAL-Z000102"
    # ruled-out voids follow the ranked one, unranked
    assert [(v["property_id"], v["rank"]) for v in result.voids] == [
        ("D", 1), ("A", None), ("B", None), ("C", None), ("T1", None)]
    document = result.to_dict()
    assert document["counts"] == {"screened": 5, "ranked": 1, "ruled_out": 4,
                                  "row_errors": 0, "shown": 5}
    # the zone's reason and outline are given once, not with every void
    assert document["zones"][0]["zone_reason"] == "FICTIONAL: victim's home area"
    assert "zone_geometry" not in json.dumps(document["voids"])
    # the same conflicts as checking each void on its own
    for pid, void in voids.items():
        alone = street.check(BOUND, pid)
        assert [(f.kind, f.message) for f in alone.conflicts] == \
            [(r["kind"], r["message"]) for r in void["reasons"]]


def test_a_list_with_bad_rows_still_screens_the_good_ones(street: Workspace,
                                                          tmp_path: Path) -> None:
    snap = street.snapshot()
    path = tmp_path / "voids.csv"
    path.write_text("property_id,address\nB,B Test Road\n,\nNOPE,somewhere\nB,again\n"
                    "D,D Test Road\n", encoding="utf-8")
    listed = read_void_list(snap, path)
    assert [(e.row, e.value) for e in listed.errors] == [(2, ""), (3, "NOPE"), (4, "B")]
    assert "not in the properties layer" in listed.errors[1].problem
    assert "listed again (first at row 1)" in listed.errors[2].problem
    result = screen(snap, RANKER, listed).to_dict()
    assert [v["property_id"] for v in result["voids"]] == ["B", "D"]
    assert [e["row"] for e in result["row_errors"]] == [2, 3, 4]
    # GeoPackage lists too (geometry ignored: the store's address point is used)
    gpkg = tmp_path / "voids.gpkg"
    gpd.GeoDataFrame({"property_id": ["C", "ZZZ"]}, geometry=[at(0, 0), at(0, 0)],
                     crs=27700).to_file(gpkg, layer="voids", driver="GPKG")
    listed = read_void_list(snap, gpkg)
    assert len(listed) == 1 and [e.value for e in listed.errors] == ["ZZZ"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("voids.txt", b"property_id\nA\n", "CSV (.csv) or GeoPackage (.gpkg)"),
    ("voids.csv", b"uprn\nA\n", "no 'property_id' or 'address' column (columns found: 'uprn')"),
    ("voids.csv", b"property_id\n", "the list has no rows"),
    ("voids.gpkg", b"not a geopackage", "is not GeoPackage (a GeoPackage is a SQLite database)"),
])
def test_an_unusable_list_is_refused_whole_with_the_fix(street: Workspace, name: str,
                                                        content: bytes, message: str) -> None:
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_void_list(street.snapshot(), content, filename=name)


def test_sensitive_allocations_name_their_reasons(street: Workspace) -> None:
    """BOUND lives at E: its minimum set (D, its semi-detached other half) and its
    building need care; so does a void a case restricted, and E itself."""
    snap = street.snapshot()
    listed = from_ids(snap, ["A", "B", "C", "D", "E", "T1"])
    result = check_allocations(snap, listed, restrictions=[
        RecordedRestriction("ERA-000007", BOUND, "B", "no household with children")])
    document = result.to_dict()
    flagged = {v["property_id"]: [r["kind"] for r in v["sensitive_because"]]
               for v in document["voids"] if v["sensitive_allocation"]}
    assert flagged == {"B": ["restriction"], "D": ["minimum_set"], "E": ["recorded_home"]}
    assert document["counts"]["sensitive"] == 3
    assert all(v["flag"] == FLAG for v in document["voids"] if v["sensitive_allocation"])
    landlord = result.to_dict(reveal=False)
    text = json.dumps(landlord)
    assert BOUND not in text and "sensitive_because" not in text and "E Test" in text
    assert "housed_subjects" not in landlord["counts"]


def test_demo_town_screening_equals_checking_each_void(
        demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every subject of the demo town against every third property, in small batches:
    the conflicts are exactly those of ``Workspace.check`` one at a time."""
    workspace = Workspace(import_demo(demo_files, tmp_path_factory.mktemp("demo") / "home"))
    snap = workspace.snapshot()
    listed = from_ids(snap, list(snap.engine.property_ids[::3]))
    ruled_out = 0
    for subject_id in snap.subjects["subject_id"].astype(str):
        result = screen(snap, subject_id, listed, chunk=97)
        for void in result.voids:
            alone = workspace.check(subject_id, void["property_id"])
            assert [(f.kind, f.message) for f in alone.conflicts] == \
                [(r["kind"], r["message"]) for r in void["reasons"]]
            ruled_out += void["ruled_out"]
        scores = [v["score"] for v in result.voids if not v["ruled_out"]]
        assert scores == sorted(scores, reverse=True)
    assert ruled_out > 100  # the comparison covered many conflicts


def cli(*args: str, home: Path, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GEO_ERA_")}
    environ.update({"GEO_ERA_HOME": str(home), **(env or {})})
    return subprocess.run([sys.executable, "-m", "geo_era.cli", *args], capture_output=True,
                          text=True, env=environ, timeout=300, check=False)


def test_cli_screen_and_allocation_check(street: Workspace, tmp_path: Path) -> None:
    home = Path(street.store.home)
    done = cli("screen", RANKER, "--json", "--justification", WHY, home=home)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [v["property_id"] for v in document["voids"]][:1] == ["A"]
    assert [v["rank"] for v in document["voids"]] == [1, 2, 3, 4, 5]
    top = json.loads(cli("screen", RANKER, "--json", "--top", "2", "--justification", WHY,
                         home=home).stdout)
    assert len(top["voids"]) == 2 and top["counts"]["screened"] == 5
    weighted = cli("screen", RANKER, "--json", "--justification", WHY, home=home,
                   env={"GEO_ERA_SCREENING": '{"weights": {"school": 0, "nursery": 0, '
                        '"play_park": 0, "profile_households": 0, "licensed_premises": 0, '
                        '"set_size": 0}}'})
    assert json.loads(weighted.stdout)["voids"][0]["score"] == 100.0
    listed = tmp_path / "voids.csv"
    listed.write_text("property_id\nD\nNOPE\nE\n", encoding="utf-8")
    checked = cli("allocation-check", "--voids", str(listed), "--json", "--justification",
                  WHY, home=home)
    assert checked.returncode == 0, checked.stderr
    result = json.loads(checked.stdout)
    assert [v["sensitive_allocation"] for v in result["voids"]] == [True, True]
    assert result["row_errors"][0]["row"] == 2
    flags = cli("allocation-check", "--voids", str(listed), "--flags-only", "--json",
                "--justification", WHY, home=home)
    assert BOUND not in flags.stdout and "contact the SOLO" in flags.stdout
    refused = cli("screen", RANKER, home=home)
    assert refused.returncode == 2 and "needs a justification" in refused.stderr
    missing = cli("screen", RANKER, "--voids", str(tmp_path / "none.csv"),
                  "--justification", WHY, home=home)
    assert missing.returncode == 2 and "file not found" in missing.stderr
    assert "Traceback" not in missing.stderr + refused.stderr


def test_cli_shows_a_progress_bar_on_long_runs(demo_files: list[Path],
                                               tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = import_demo(demo_files, home)
    ids = store.read_attributes("properties", ["property_id"])["property_id"]
    assert len(ids) > 2_000  # more than one batch
    listed = tmp_path / "all.csv"
    pd.DataFrame({"property_id": ids}).to_csv(listed, index=False)
    done = cli("screen", "FICTIONAL-S000001", "--voids", str(listed), "--progress",
               "--top", "3", "--justification", WHY, home=home)
    assert done.returncode == 0, done.stderr
    assert f"{len(ids)}/{len(ids)}" in done.stderr and "screening" in done.stderr
    assert np.sum([line.startswith("     ") for line in done.stdout.splitlines()]) >= 1


def test_a_house_with_no_neighbours_has_an_empty_minimum_set(street: Workspace) -> None:
    """A detached house alone on its plot: nobody to check, said plainly (this used to
    fail while collecting the set's reasons)."""
    alone = street.minimum_set("A")
    assert alone.to_dict()["properties"] == [] and alone.rule_applies_to.startswith(
        "Cottage flats")
