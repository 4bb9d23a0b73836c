"""The batch refresh of every housed subject's home equals the one-at-a-time answers:
the sites within the radius (``sites_near``), the minimum set (``minimum_set``) and the
hard conflicts (``Workspace.check``), on the demo town with a zone and a condition
placed on purpose at some homes."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo_era.analysis.proximity import sites_near_document
from geo_era.casework.refresh import refresh_homes
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.workspace import Workspace
from tests.conftest import import_demo


def test_the_batch_refresh_equals_the_one_at_a_time_answers(demo_files: list[Path],
                                                            tmp_path: Path) -> None:
    store = import_demo(demo_files, tmp_path / "home")
    subjects = store.read("subjects")
    housed = subjects[subjects["current_property_id"].notna()].reset_index(drop=True)
    assert len(housed) >= 3
    # a zone around the first subject's home, a no-residence-within condition broken
    # by the second's
    props = store.read("properties").set_index("property_id")
    first, second = housed.iloc[0], housed.iloc[1]
    home = props.geometry[str(first["current_property_id"])]
    zones = store.read("exclusion_zones")
    zones = pd.concat([zones, gpd.GeoDataFrame(
        {"zone_id": ["Z-HOME"], "subject_id": [first["subject_id"]],
         "reason": ["FICTIONAL victim nearby"]},
        geometry=[shapely.buffer(home, 30)], crs=27700)], ignore_index=True)
    subjects.loc[subjects["subject_id"] == second["subject_id"], "conditions"] = json.dumps(
        [{"type": "no_residence_within", "category": "shop", "metres": 5_000}])
    zones.to_parquet(tmp_path / "exclusion_zones.parquet")
    subjects.to_csv(tmp_path / "subjects.csv", index=False)
    import_files([tmp_path / "exclusion_zones.parquet", tmp_path / "subjects.csv"],
                 store=LayerStore(tmp_path / "home"))

    workspace = Workspace(store)
    snap = workspace.snapshot()
    refresh = refresh_homes(snap, None, radius_m=400.0)
    assert len(refresh.home) >= len(housed)
    for k, (subject_id, property_id) in enumerate(zip(refresh.subject_id,
                                                      refresh.property_id, strict=True)):
        row = snap.properties.row(property_id)
        one = sites_near_document(snap.sites, None, property_id=property_id, address="",
                                  xy=snap.properties.xy[row], radius_m=400.0,
                                  data_version={})
        assert refresh.sites[k] == [s["site_id"] for s in one["sites"]]
        assert sorted(refresh.members[k]) == sorted(
            snap.engine.minimum_set(property_id).member_ids)
        check = workspace.check(subject_id, property_id)
        assert len(refresh.conflicts[k]) == len(check.conflicts), (
            subject_id, refresh.conflicts[k], check.conflicts)
        conditions = [c.message for c in check.conflicts if c.kind != "exclusion_zone"]
        assert [c for c in refresh.conflicts[k] if c.startswith("condition")] == conditions
    by_subject = dict(zip(refresh.subject_id, refresh.conflicts, strict=True))
    assert "the home is inside the subject's exclusion zone Z-HOME" in by_subject[
        first["subject_id"]]
    assert by_subject[second["subject_id"]]  # the shop condition is broken at home
    assert refresh.summary()["with_conflicts"] >= 2


def test_the_command_refreshes_every_home_with_a_progress_bar(
        demo_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from geo_era.cli import app

    import_demo(demo_files, tmp_path / "home")
    monkeypatch.setenv("GEO_ERA_HOME", str(tmp_path / "home"))
    done = CliRunner().invoke(app, ["reviews", "triggers", "--progress",
                                    "--justification", "ERA refresh under test"])
    assert done.exit_code == 0, done.output
    # nothing assessed yet: each housed subject is to review, never assessed (R13)
    never = {line.split(" at ")[0] for line in done.output.splitlines()
             if "[never_assessed]: no assessment of this home is recorded" in line}
    assert never and f"{len(never)} subject(s) to review" in done.output
    assert "housed subjects' homes refreshed, 0 with an earlier assessment" in done.output
    assert "ERA refresh" in done.output  # the bar (stderr, mixed into the output here)
