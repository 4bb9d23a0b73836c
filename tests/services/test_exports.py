"""The analyses as styled GeoPackages (``--out FILE.gpkg``; R131): proximity, minimum
sets and screenings on the hand-built street of tests/housing/test_screening.py, whose
answers are worked there by hand; each file read back with GDAL's ogrinfo and with
sqlite3 (independent of the pyogrio that wrote it), its style table checked, the audit
entries the same as the command's without ``--out``."""

from __future__ import annotations

import contextlib
import math
import sqlite3
import stat
from pathlib import Path

import pandas as pd
import pytest

from geo_era.db.store import open_store
from geo_era.documents.analysis_styles import SEVERAL
from geo_era.workspace import Workspace
from tests.documents.test_layer_styles import colours, qgis_layer, renderer, styles_of
from tests.housing.test_screening import BOUND, WHY, X0, Y0, cli, street  # noqa: F401
from tests.overconcentration.test_report import ogrinfo
from tests.services.parity import audit_entries


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return list(db.execute(sql).fetchall())


def audit_trail(home: Path) -> list[tuple[str, str | None, list[str] | None]]:
    return [(e.operation, e.record_type, e.record_ids)
            for e in audit_entries(open_store(home, None))]


def test_proximity_as_a_styled_geopackage(street: Workspace, tmp_path: Path) -> None:  # noqa: F811
    """R131: ``geo-era proximity --out FILE.gpkg``: one point per property (7) at the
    property's own point, the same figures as the CSV, the 3 sites by category; the
    properties graduated by the distance to the nearest school in bands of the radius
    (C is 101.98 m from the school: sqrt(20^2 + 100^2), worked by hand), 0644."""
    home = Path(street.store.home)
    gpkg, csv = tmp_path / "near.gpkg", tmp_path / "near.csv"
    for out in (gpkg, csv):
        done = cli("proximity", "--radius", "100", "--out", str(out), home=home)
        assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(gpkg.stat().st_mode) == 0o644
    assert "Feature Count: 7" in ogrinfo("-so", str(gpkg), "proximity")
    assert "Feature Count: 3" in ogrinfo("-so", str(gpkg), "sites")
    c = ogrinfo("-q", "-where", "property_id = 'C'", str(gpkg), "proximity")
    assert f"POINT ({X0 + 190:.0f} {Y0 + 100:.0f})" in c
    nearest = rows(gpkg, "SELECT school_nearest_m FROM proximity WHERE property_id = 'C'")
    assert abs(float(str(nearest[0][0])) - math.hypot(20, 100)) < 0.01
    table = pd.read_csv(csv).set_index("property_id").sort_index()
    got = pd.DataFrame(rows(gpkg, "SELECT property_id, school_within, shop_within, "
                                  "cctv_nearest_m FROM proximity ORDER BY property_id"),
                       columns=["property_id", "school_within", "shop_within",
                                "cctv_nearest_m"]).set_index("property_id")
    pd.testing.assert_frame_equal(got, table[got.columns], check_dtype=False, atol=0.01)
    styles = styles_of(gpkg)
    assert sorted(styles) == ["proximity", "sites"]
    graded = renderer(styles["proximity"])
    assert graded.get("type") == "graduatedSymbol"
    assert graded.get("attr") == "school_nearest_m"
    assert [(float(r.get("lower", "")), float(r.get("upper", "")))
            for r in graded.iter("range")][:3] == [(0, 50), (50, 100), (100, 200)]
    sites = renderer(styles["sites"])
    assert sites.get("attr") == "category"
    assert {"school", "licensed_premises", "cctv"} <= {
        c.get("value") for c in sites.iter("category")}
    # QGIS draws C (101.98 m) in the third band, A (220 m, worked by hand) in the last
    drawn = qgis_layer(gpkg, "proximity", "property_id")["drawn"]
    assert drawn["C"] == "#fcae91" and drawn["A"] == "#fee5d9"
    assert sorted(str(r[0]) for r in rows(gpkg, "SELECT category FROM sites")) == [
        "cctv", "licensed_premises", "school"]


def test_a_screening_as_a_styled_geopackage(street: Workspace, tmp_path: Path) -> None:  # noqa: F811
    """R131: ``geo-era screen BOUND --out FILE.gpkg``: the 5 voids as points, D ranked
    1 and A, B, C, T1 ruled out with their reasons (as worked by hand in
    test_every_hard_conflict_rules_a_void_out_with_its_reason), styled by rule
    (ruled out / rank); owner-only; audited exactly as the same screening without
    --out; a file not named .gpkg is refused before anything is consulted."""
    home = Path(street.store.home)
    before = len(audit_trail(home))
    done = cli("screen", BOUND, "--justification", WHY, home=home)
    assert done.returncode == 0, done.stderr
    plain = audit_trail(home)[before:]
    out = tmp_path / "screen.gpkg"
    done = cli("screen", BOUND, "--justification", WHY, "--out", str(out), home=home)
    assert done.returncode == 0, done.stderr
    exported = audit_trail(home)[before + len(plain):]
    assert exported == plain and len(plain) == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "Feature Count: 5" in ogrinfo("-so", str(out), "voids")
    got = rows(out, "SELECT property_id, rank, ruled_out FROM voids ORDER BY property_id")
    assert got == [("A", None, 1), ("B", None, 1), ("C", None, 1), ("D", 1, 0),
                   ("T1", None, 1)]
    reason = rows(out, "SELECT reasons FROM voids WHERE property_id = 'C'")[0][0]
    assert "Test Primary School is 102 m away" in str(reason)
    d = ogrinfo("-q", "-where", "property_id = 'D'", str(out), "voids")
    assert f"POINT ({X0 + 190:.0f} {Y0 + 300:.0f})" in d
    style = renderer(styles_of(out)["voids"])
    assert style.get("type") == "RuleRenderer"
    assert [r.get("filter") for r in style.iter("rule")] == [
        '"ruled_out"', '"rank" <= 5', '"rank" <= 20', "ELSE"]
    assert "layer_styles (None)" in ogrinfo("-q", str(out))
    drawn = qgis_layer(out, "voids", "property_id")["drawn"]  # as QGIS draws them
    assert drawn == {"D": "#006d2c", "A": "#252525", "B": "#252525", "C": "#252525",
                     "T1": "#252525"}
    refused = cli("screen", BOUND, "--justification", WHY, "--out",
                  str(tmp_path / "screen.csv"), home=home)
    assert refused.returncode == 2 and "*.gpkg" in refused.stderr
    assert len(audit_trail(home)) == before + 2 * len(plain)
    assert not (tmp_path / "screen.csv").exists()


@pytest.mark.parametrize("justified", [False, True])
def test_a_minimum_set_as_a_styled_geopackage(street: Workspace, tmp_path: Path,  # noqa: F811
                                              justified: bool) -> None:
    """R131: ``geo-era parameters T1 --out FILE.gpkg``: the candidate T1 and its
    minimum set, T2 upstairs in the same close (NASSO 3.9, tenement), as points,
    categorised by the rule; the households' facts (T2 has children) only with a
    justification, as without --out; the same audit entry as without --out."""
    home = Path(street.store.home)
    extra = ["--justification", "checking the households for a placement"] if justified \
        else []
    before = len(audit_trail(home))
    assert cli("parameters", "T1", *extra, home=home).returncode == 0
    plain = audit_trail(home)[before:]
    out = tmp_path / "set.gpkg"
    done = cli("parameters", "T1", *extra, "--out", str(out), home=home)
    assert done.returncode == 0, done.stderr
    assert audit_trail(home)[before + len(plain):] == plain and len(plain) == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "Feature Count: 1" in ogrinfo("-so", str(out), "candidate")
    assert "Feature Count: 1" in ogrinfo("-so", str(out), "minimum_set")
    member = rows(out, "SELECT property_id, rule FROM minimum_set")
    assert member == [("T2", "same_close")]
    columns = {r[1] for r in rows(out, "PRAGMA table_info(minimum_set)")}
    assert ("children_in_household" in columns) is justified
    if justified:
        assert rows(out, "SELECT children_in_household FROM minimum_set") == [(1,)]
    t2 = ogrinfo("-q", str(out), "minimum_set")
    assert f"POINT ({X0 - 10:.0f} {Y0 + 602:.0f})" in t2
    styles = styles_of(out)
    assert sorted(styles) == ["candidate", "minimum_set"]
    by_rule = renderer(styles["minimum_set"])
    assert by_rule.get("type") == "categorizedSymbol" and by_rule.get("attr") == "rule"
    values = [c.get("value") for c in by_rule.iter("category")]
    assert "same_close" in values and values[-1] == SEVERAL and len(values) == 8
    assert len(set(colours(by_rule).values())) == 8


def test_an_extended_minimum_set_exports_its_extension(street: Workspace,  # noqa: F811
                                                       tmp_path: Path) -> None:
    """R131: A, a detached house alone on its plot, has an empty minimum set; extended
    by 250 m it gains C only (sqrt(200^2 + 100^2) = 223.61 m, worked by hand; D is
    360.6 m away): the file has an empty minimum_set layer (no style: nothing to
    draw, no geometry type), the extension's one point with its distance, styled."""
    out = tmp_path / "a.gpkg"
    done = cli("parameters", "A", "--extend-metres", "250", "--out", str(out),
               home=Path(street.store.home))
    assert done.returncode == 0, done.stderr
    assert "Feature Count: 0" in ogrinfo("-so", str(out), "minimum_set")
    assert "Feature Count: 1" in ogrinfo("-so", str(out), "extension")
    assert rows(out, "SELECT property_id, round(distance_m, 2) FROM extension") == [
        ("C", round(math.hypot(200, 100), 2))]
    assert sorted(styles_of(out)) == ["candidate", "extension"]
