"""Review triggers by subject (issue 18, item 6; NASSO 3.3, 3.4): every hard conflict at
a housed subject's home now, housed subjects never assessed, a neighbouring household of
the minimum set now with children, and a new condition or exclusion zone; each names the
subject and the kind; over the API for police and the MAPPA coordinator, with a
justification, audited. R8, R13.

The demo town is changed on purpose after an assessment (a condition, a zone, a
household), and the expected triggers are worked out from that change: the condition's
number, the zone's id, the neighbour's id, the distance to a site measured here with
shapely from the layers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sqlalchemy import Engine, select

from geo_era import clock
from geo_era.casework.cases import open_case
from geo_era.casework.reviews import review_triggers, reviews_due
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store, session_scope
from geo_era.security.audit import AuditEntry
from geo_era.workspace import Workspace
from tests.conftest import import_demo, officer

CHANGED = ("environment", "household", "subject_record")
WHY = "review triggers for the MAPPA review meeting"


@dataclass
class Town:
    """The demo town in a home of its own, a case store, and one housed subject
    assessed at their home (with no hard conflict there)."""

    store: LayerStore
    engine: Engine
    tmp: Path
    subject_id: str
    home: str

    def triggers(self, subject_id: str | None = None) -> list[dict[str, Any]]:
        found = review_triggers(Workspace(self.store), self.engine, actor=officer()).triggers
        wanted = subject_id or self.subject_id
        return [t for t in found if t["subject_id"] == wanted]

    def reimport(self, name: str, frame: pd.DataFrame) -> None:
        path = self.tmp / (f"{name}.csv" if not isinstance(frame, gpd.GeoDataFrame)
                           else f"{name}.parquet")
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_parquet(path)
        else:
            frame.to_csv(path, index=False)
        import_files([path], store=self.store)


def _housed_without_conflict(store: LayerStore) -> tuple[str, str]:
    workspace = Workspace(store)
    subjects = store.read("subjects")
    for row in subjects[subjects["current_property_id"].notna()].itertuples():
        subject, home = str(row.subject_id), str(row.current_property_id)
        if not workspace.check(subject, home).conflicts:
            return subject, home
    raise AssertionError("every housed demo subject has a conflict at home")


@pytest.fixture
def town(demo_files: list[Path], tmp_path: Path, database_url: str) -> Iterator[Town]:
    store = import_demo(demo_files, tmp_path / "home")
    engine = open_store(tmp_path, database_url)
    subject, home = _housed_without_conflict(store)
    open_case(engine, subject_id=subject, property_ids=[home], case_type="annual_review",
              notified=clock.today(), on_licence_or_order=False, today=clock.today(),
              assess=Workspace(store).assess, actor=officer())
    yield Town(store, engine, tmp_path, subject, home)
    engine.dispose()


def kinds(found: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {t["kind"]: t["changes"] for t in found}


def test_triggers_list_a_subject_whose_home_now_breaks_a_new_condition(town: Town) -> None:
    """R13 (Done-when of item 6): after the assessment a condition is added that the
    home breaks (no residence within 400 m of a kind of site that is 400 m or less away,
    measured here); the triggers name the subject with the conflict at home and the new
    condition, numbered after the existing ones."""
    assert [t for t in town.triggers() if t["kind"] in CHANGED] == []
    assert "conflict_at_home" not in kinds(town.triggers())
    point = town.store.read("properties").set_index("property_id").geometry[town.home]
    sites = town.store.read("sites")
    distance = shapely.distance(sites.geometry.to_numpy(), point)
    nearest = sites.iloc[int(distance.argmin())]
    assert distance.min() <= 400
    subjects = town.store.read("subjects")
    row = subjects["subject_id"].astype(str) == town.subject_id
    text = subjects.loc[row, "conditions"].iloc[0]
    conditions = json.loads(text) if isinstance(text, str) and text.strip() else []
    new = {"type": "no_residence_within", "category": str(nearest["category"]),
           "metres": 400}
    subjects.loc[row, "conditions"] = json.dumps([*conditions, new])
    town.reimport("subjects", subjects)

    found = kinds(town.triggers())
    number = len(conditions) + 1
    assert any(c.startswith(f"condition {number}: no residence within 400 m of a "
                            f"{nearest['category']}") for c in found["conflict_at_home"])
    assert found["subject_record"] == [
        f"new condition {number}: {json.dumps(new, sort_keys=True)}"]
    assert "never_assessed" not in found


def test_a_new_exclusion_zone_over_the_home(town: Town) -> None:
    """R13: a victim-exclusion zone recorded after the assessment round the home is a
    conflict at home now and a new zone."""
    point = town.store.read("properties").set_index("property_id").geometry[town.home]
    zones = town.store.read("exclusion_zones")
    zones = pd.concat([zones, gpd.GeoDataFrame(
        {"zone_id": ["Z-NEW"], "subject_id": [town.subject_id],
         "reason": ["FICTIONAL victim's new address"]},
        geometry=[shapely.buffer(point, 30)], crs=27700)], ignore_index=True)
    town.reimport("exclusion_zones", zones)
    found = kinds(town.triggers())
    assert found["conflict_at_home"] == [
        "the home is inside the subject's exclusion zone Z-NEW"]
    assert found["subject_record"] == ["new exclusion zone Z-NEW"]


def test_a_neighbouring_household_now_with_children(town: Town) -> None:
    """R13 (a): a dwelling of the home's minimum set recorded with children after the
    assessment is a household trigger naming that dwelling; nothing else changed."""
    members = Workspace(town.store).minimum_set(town.home).member_ids
    props = town.store.read("properties")
    children = props.set_index("property_id")["children_in_household"].astype("boolean")
    neighbour = next(m for m in members if pd.isna(children.get(m)) or not children.get(m))
    props.loc[props["property_id"] == neighbour, "children_in_household"] = True
    town.reimport("properties", props)
    found = kinds(town.triggers())
    assert found["household"] == [f"children now recorded in the household at {neighbour}"]
    assert "environment" not in found and "subject_record" not in found


def test_housed_subjects_never_assessed_are_listed(town: Town) -> None:
    """R8, R13 (c): every other housed subject (no case in the store) is listed as
    never assessed at their home; the one assessed is not."""
    subjects = town.store.read("subjects")
    others = subjects[subjects["current_property_id"].notna()
                      & (subjects["subject_id"].astype(str) != town.subject_id)]
    assert len(others)
    run = review_triggers(Workspace(town.store), town.engine, actor=officer())
    never = {(t["subject_id"], t["property_id"]) for t in run.triggers
             if t["kind"] == "never_assessed"}
    for row in others.itertuples():
        assert (str(row.subject_id), str(row.current_property_id)) in never
    assert town.subject_id not in {s for s, _ in never}
    # the consultation names every subject listed, once
    with session_scope(town.engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None and entry.operation == "consultation"
        assert sorted(entry.record_ids) == sorted({t["subject_id"] for t in run.triggers})


def test_an_assessment_without_the_subjects_record_compares_conflicts(
        demo_files: list[Path], tmp_path: Path, database_url: str) -> None:
    """R13 (e): an assessment kept before assessments recorded the subject's zones and
    conditions: a hard conflict now that it did not find is listed as new."""
    store = import_demo(demo_files, tmp_path / "home")
    engine = open_store(tmp_path, database_url)
    subject, home = _housed_without_conflict(store)
    workspace = Workspace(store)

    def older(s: str, p: str) -> dict[str, Any]:
        document = workspace.assess(s, p)
        document.pop("subject_record")
        return document

    open_case(engine, subject_id=subject, property_ids=[home], case_type="annual_review",
              notified=clock.today(), on_licence_or_order=False, today=clock.today(), assess=older,
              actor=officer())
    point = store.read("properties").set_index("property_id").geometry[home]
    zones = pd.concat([store.read("exclusion_zones"), gpd.GeoDataFrame(
        {"zone_id": ["Z-LATER"], "subject_id": [subject], "reason": ["FICTIONAL"]},
        geometry=[shapely.buffer(point, 30)], crs=27700)], ignore_index=True)
    zones.to_parquet(tmp_path / "exclusion_zones.parquet")
    import_files([tmp_path / "exclusion_zones.parquet"], store=store)
    found = {t["kind"]: t["changes"] for t in review_triggers(
        Workspace(store), engine, actor=officer()).triggers if t["subject_id"] == subject}
    assert found["subject_record"] == [
        "the home is inside the subject's exclusion zone Z-LATER (not found by the last "
        "assessment)"]
    engine.dispose()


def test_a_new_registration_without_an_era_is_era_required_with_its_date(
        town: Town) -> None:
    """R8: a subject registered on 30 November 2026 (the optional ``registered_on`` of
    the subjects layer, imported as the contract's dates are) with no completed ERA is
    listed as "ERA required", with the registration date; a subject with no date is
    listed as before."""
    subjects = town.store.read("subjects")
    new = pd.DataFrame({"subject_id": ["FICTIONAL-NEW-1"], "mappa_level": [1],
                        "risk_level": ["low"], "registered_on": ["2026-11-30"]})
    town.reimport("subjects", pd.concat([subjects, new], ignore_index=True))
    due = {d["subject_id"]: d for d in reviews_due(town.store.read("subjects"), town.engine,
                                                   actor=officer())}
    entry = due["FICTIONAL-NEW-1"]
    assert (entry["status"], entry["registered_on"]) == ("era_required",
                                                          dt.date(2026, 11, 30))
    assert entry["why"] == ("registered on 2026-11-30 with no completed ERA (an ERA is "
                            "needed on initial registration)")
    undated = subjects["registered_on"].isna() if "registered_on" in subjects.columns \
        else pd.Series(True, index=subjects.index)
    other = next(s for s in subjects.loc[undated, "subject_id"].astype(str)
                 if s != town.subject_id)
    assert due[other]["why"] == "no completed ERA (a new registration needs one)"


def test_the_triggers_follow_a_recorded_move(town: Town) -> None:
    """R13, R8: once a move in is recorded after Part C, the refresh looks at the new
    home, which the case assessed: the subject is not listed at the old home, nor as
    never assessed at the new one."""
    from geo_era.casework.placements import record_move_in
    from tests.casework.test_checks_per_property import agree, check_all, part_c
    from tests.casework.test_move_in import _new_home
    from tests.dwelling_visits import visit_every_dwelling

    workspace = Workspace(town.store)
    new_home, _void = _new_home(workspace, town.subject_id)
    case = str(open_case(town.engine, subject_id=town.subject_id, property_ids=[new_home],
                         case_type="initial_new", notified=clock.today(),
                         on_licence_or_order=False, today=clock.today(),
                         assess=workspace.assess, actor=officer())["case_id"])
    check_all(town.engine, case, new_home)
    visit_every_dwelling(town.engine, case, new_home)
    agree(town.engine, case)
    part_c(town.engine, case, new_home)
    placements = town.store.read("placements")
    was_placed = set(placements.loc[placements["subject_id"].astype(str) == town.subject_id,
                                    "property_id"].astype(str))
    record_move_in(town.engine, case, property_id=new_home, moved_in_on=clock.today(),
                   actor=officer())
    run = review_triggers(Workspace(town.store), town.engine, actor=officer())
    homes = {p for s, p in zip(run.subject_id, run.property_id, strict=True)
             if s == town.subject_id}
    assert homes == {new_home}, (homes, was_placed)
    mine = [t for t in run.triggers if t["subject_id"] == town.subject_id]
    assert {t["property_id"] for t in mine} <= {new_home}
    assert "never_assessed" not in {t["kind"] for t in mine}
