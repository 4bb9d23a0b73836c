"""Checking a candidate property for a subject: exclusion zones, order and licence
conditions, victim-profile households, and the flag-only view."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon

from geo_era.analysis.subject_check import FLAG_ONLY, check_zones
from geo_era.contract.conditions import parse_conditions
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.errors import DataError, ImportRefusedError, NotFoundError
from geo_era.workspace import Workspace
from tests.conftest import import_demo

SUBJECT = "FICTIONAL-S900001"


@pytest.fixture(scope="module")
def store(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> LayerStore:
    return import_demo(demo_files, tmp_path_factory.mktemp("constraints") / "home")


def candidate(store: LayerStore, ptype: str = "tenement_flat", n: int = 0) -> pd.Series:
    props = store.read("properties")
    return props[props["property_type"] == ptype].iloc[n]


def with_subject(store: LayerStore, tmp_path: Path, *, conditions: list[dict[str, object]],
                 victim_profile: str = "", zones: list[Polygon] | None = None) -> LayerStore:
    """A copy of the store with one FICTIONAL subject and its zones imported."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    home = tmp_path / "home"
    for name in store.layer_names():
        frame = store.read(name)
        frame = frame.drop(columns=[c for c in frame.columns if c.endswith("_derived")])
        frame.to_parquet(tmp_path / f"{name}.parquet")
    subjects = pd.DataFrame({"subject_id": [SUBJECT], "mappa_level": [2],
                             "risk_level": ["high"], "victim_profile": [victim_profile],
                             "conditions": [json.dumps(conditions)]})
    subjects.to_csv(tmp_path / "subjects.csv", index=False)
    zones = zones or []
    gpd.GeoDataFrame({"zone_id": [f"FICTIONAL-Z9{k:05d}" for k in range(len(zones))],
                      "subject_id": [SUBJECT] * len(zones),
                      "reason": ["FICTIONAL: victim's home area"] * len(zones)},
                     geometry=gpd.GeoSeries(zones, crs=27700)).to_parquet(
        tmp_path / "exclusion_zones.parquet")
    files = [tmp_path / f"{n}.parquet" for n in store.layer_names()
             if n not in ("subjects", "exclusion_zones", "placements")]
    import_files([*files, tmp_path / "subjects.csv", tmp_path / "exclusion_zones.parquet"],
                 store=LayerStore(home))
    return LayerStore(home)


def test_no_conditions_no_zones_no_findings(store: LayerStore, tmp_path: Path) -> None:
    home = with_subject(store, tmp_path, conditions=[])
    result = Workspace(home).check(SUBJECT, str(candidate(store)["property_id"]))
    doc = result.to_dict()
    assert doc["conflicts"] == [] and doc["warnings"] == []


def test_inside_a_zone_is_a_conflict_nearby_is_a_warning(store: LayerStore,
                                                         tmp_path: Path) -> None:
    prop = candidate(store)
    p = prop.geometry
    inside = shapely.buffer(p, 50)
    nearby = shapely.buffer(Point(p.x + 400, p.y), 100)   # edge 300 m away
    far = shapely.buffer(Point(p.x + 3000, p.y), 100)
    home = with_subject(store, tmp_path, conditions=[], zones=[inside, nearby, far])
    result = Workspace(home).check(SUBJECT, str(prop["property_id"]),
                                    zone_warning_m=500)
    assert [(f.kind, f.evidence["zone_id"]) for f in result.conflicts] == [
        ("exclusion_zone", "FICTIONAL-Z900000")]
    assert [(f.kind, f.evidence["zone_id"]) for f in result.warnings] == [
        ("exclusion_zone_nearby", "FICTIONAL-Z900001")]
    assert result.warnings[0].evidence["distance_m"] == pytest.approx(300, abs=0.5)
    full = result.to_dict()
    assert full["conflicts"][0]["zone_geometry"]["type"] == "Polygon"
    assert full["conflicts"][0]["zone_reason"] == "FICTIONAL: victim's home area"
    # the flag-only view: a yes/no flag, nothing about the subject, zone or reasons
    flags = result.to_dict(need_to_know=False)
    assert flags == {"property_id": str(prop["property_id"]), "sensitive_allocation": True,
                     "flag": FLAG_ONLY}
    text = json.dumps(flags)
    for secret in (SUBJECT, "FICTIONAL-Z", "zone", "victim", "coordinates"):
        assert secret not in text


def test_no_residence_within(store: LayerStore, tmp_path: Path) -> None:
    prop = candidate(store)
    sites = store.read("sites")
    d = shapely.distance(prop.geometry, sites.geometry.to_numpy())
    schools = (sites["category"] == "school").to_numpy()
    nearest_school = float(d[schools].min())
    limit = nearest_school + 1.0
    home = with_subject(store, tmp_path, conditions=[
        {"type": "no_residence_within", "category": "school", "metres": limit}])
    result = Workspace(home).check(SUBJECT, str(prop["property_id"]))
    expected = sorted(sites["site_id"][schools & (d <= limit)])
    assert sorted(f.evidence["site_id"] for f in result.conflicts) == expected
    finding = result.conflicts[0]
    assert finding.kind == "no_residence_within"
    assert finding.evidence["distance_m"] == pytest.approx(nearest_school, abs=0.01)
    assert finding.evidence["limit_m"] == limit
    # just outside the limit: no conflict
    home2 = with_subject(store, tmp_path / "b", conditions=[
        {"type": "no_residence_within", "category": "school", "metres": nearest_school - 1}])
    assert Workspace(home2).check(SUBJECT, str(prop["property_id"])).conflicts == []


def test_no_residence_in_area(store: LayerStore, tmp_path: Path) -> None:
    prop = candidate(store)
    areas = store.read("areas")
    zones = areas[areas["area_type"] == "data_zone"]
    inside = zones[shapely.covers(zones.geometry.to_numpy(), prop.geometry)]["area_id"].iloc[0]
    other = zones[~shapely.covers(zones.geometry.to_numpy(), prop.geometry)]["area_id"].iloc[0]
    home = with_subject(store, tmp_path, conditions=[
        {"type": "no_residence_in_area", "area_id": inside},
        {"type": "no_residence_in_area", "area_id": other},
        {"type": "no_residence_in_area", "area_id": "DZ-NOWHERE"}])
    result = Workspace(home).check(SUBJECT, str(prop["property_id"]))
    assert [(f.kind, f.evidence["area_id"]) for f in result.conflicts] == [
        ("no_residence_in_area", inside)]
    unevaluated = [f for f in result.warnings if f.kind == "condition_not_evaluated"]
    assert [f.evidence["area_id"] for f in unevaluated] == ["DZ-NOWHERE"]
    assert "cannot be checked" in unevaluated[0].message


def test_no_residence_same_building_as_children(store: LayerStore, tmp_path: Path) -> None:
    props = store.read("properties")
    flats = props[props["property_type"] == "tenement_flat"]
    children = flats["children_in_household"].fillna(False).astype(bool)
    per_building = children.groupby(flats["building_id"]).sum()
    busy = per_building[per_building > 0].index[0]
    quiet = per_building[per_building == 0].index[0] if (per_building == 0).any() else None
    home = with_subject(store, tmp_path, conditions=[
        {"type": "no_residence_same_building_as_children"}])
    in_busy = flats[(flats["building_id"] == busy) & ~children]["property_id"].iloc[0]
    result = Workspace(home).check(SUBJECT, str(in_busy))
    assert [f.kind for f in result.conflicts] == ["no_residence_same_building_as_children"]
    expected = sorted(flats[(flats["building_id"] == busy) & children]["property_id"])
    assert result.conflicts[0].evidence["households_with_children"] == expected
    if quiet is not None:
        calm = flats[flats["building_id"] == quiet]["property_id"].iloc[0]
        assert Workspace(home).check(SUBJECT, str(calm)).conflicts == []


def test_unknown_condition_types_are_warned_not_passed(store: LayerStore,
                                                       tmp_path: Path) -> None:
    home = with_subject(store, tmp_path, conditions=[{"type": "no_unsupervised_contact"}])
    result = Workspace(home).check(SUBJECT, str(candidate(store)["property_id"]))
    assert [f.kind for f in result.warnings] == ["condition_not_evaluated"]
    assert "no_unsupervised_contact" in result.warnings[0].message


def test_victim_profile_against_households(store: LayerStore, tmp_path: Path) -> None:
    props = store.read("properties")
    flats = props[props["property_type"] == "tenement_flat"]
    children = flats["children_in_household"].fillna(False).astype(bool)
    close_with = flats[children]["close_id"].iloc[0]
    pid = flats[(flats["close_id"] == close_with) & ~children]["property_id"].iloc[0]
    home = with_subject(store, tmp_path, conditions=[], victim_profile="children,women")
    result = Workspace(home).check(SUBJECT, str(pid))
    kinds = {f.kind: f for f in result.warnings}
    assert set(kinds) == {"victim_profile_household", "victim_profile_unchecked"}
    expected = sorted(flats[(flats["close_id"] == close_with) & children]["property_id"])
    assert kinds["victim_profile_household"].evidence["properties"] == expected
    assert kinds["victim_profile_unchecked"].evidence["victim_profile"] == "women"


def test_bad_conditions_are_refused_on_import(store: LayerStore, tmp_path: Path) -> None:
    with pytest.raises(ImportRefusedError) as info:
        with_subject(store, tmp_path, conditions=[
            {"type": "no_residence_within", "category": "pubs", "metres": 100}])
    assert str(info.value.problems[0]).startswith(
        "file 'subjects.csv', layer 'subjects', row 1, column 'conditions': condition 1 "
        "(no_residence_within): category: Input should be 'school'")
    with pytest.raises(DataError, match=r"condition 2 \(no_residence_within\): metres: "):
        parse_conditions('[{"type": "no_residence_same_building_as_children"}, '
                         '{"type": "no_residence_within", "category": "school", "metres": -5}]')


def test_invalid_zone_geometry_is_a_clear_error() -> None:
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    zones = gpd.GeoDataFrame({"zone_id": ["FICTIONAL-Z1"], "subject_id": [SUBJECT]},
                             geometry=[bowtie], crs=27700)
    with pytest.raises(DataError, match="exclusion zone 'FICTIONAL-Z1' has an empty or "
                                        "invalid geometry"):
        check_zones(Point(5, 1), zones, warning_m=100)


def test_unknown_subject_and_property(store: LayerStore, tmp_path: Path) -> None:
    home = with_subject(store, tmp_path, conditions=[])
    with pytest.raises(NotFoundError, match="subject_id 'NOBODY' not found"):
        Workspace(home).check("NOBODY", str(candidate(store)["property_id"]))
    with pytest.raises(NotFoundError, match="property_id 'NOWHERE' not found"):
        Workspace(home).check(SUBJECT, "NOWHERE")


def test_cli_check_json(store: LayerStore, tmp_path: Path) -> None:
    prop = candidate(store)
    home = with_subject(store, tmp_path, conditions=[
        {"type": "no_residence_within", "category": "shop", "metres": 5000}],
        zones=[shapely.buffer(prop.geometry, 20)])
    env = {"GEO_ERA_HOME": str(home.home), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "geo_era.cli", "check", SUBJECT, str(prop["property_id"])]
    refused = subprocess.run([*run, "--json"], capture_output=True, text=True, env=env,
                             timeout=120, check=False)
    assert refused.returncode == 2 and "needs a justification" in refused.stderr
    run += ["--justification", "ERA for a candidate property"]
    done = subprocess.run([*run, "--json"], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert isinstance(doc["conflicts"], list) and isinstance(doc["warnings"], list)
    kinds = [c["kind"] for c in doc["conflicts"]]
    assert kinds[0] == "exclusion_zone" and doc["conflicts"][0]["zone_id"]
    assert all(c["site_id"] for c in doc["conflicts"][1:])
    flags = subprocess.run([*run, "--flags-only", "--json"], capture_output=True, text=True,
                           env=env, timeout=120, check=False)
    assert json.loads(flags.stdout)["sensitive_allocation"] is True
    assert "zone" not in flags.stdout and SUBJECT not in flags.stdout
    assert np.all([c.get("distance_m", 0) >= 0 for c in doc["conflicts"]])
