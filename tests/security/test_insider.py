"""The patient insider (issue 17): a housing association's Link Officer with a valid
account uses every call the matrix allows them, and tries every one it does not, to find
the home of each housed FICTIONAL subject of the demo town and where each
victim-exclusion zone lies.

Two checks, each independent of the code's own tables:

- **The attack, as the penetration test ran it.** Probe every property of the town
  through the allocation check (the recorded home was flagged as such), take the
  minimum set of each flagged property (``/parameters`` narrowed the flag to a close),
  and attribute a region to a subject with ``/check``. Every subject's candidate set
  starts as the whole town and is narrowed only by what an answer gives; it ends as the
  whole town for every subject.
- **Non-interference.** The same attack against a second town, the same but for every
  housed subject living somewhere else (chosen at random, away from the landlord's own
  voids) and every exclusion zone moved 1.5 km, gets byte-for-byte the same answers: the
  answers carry nothing of where subjects live or where zones are. (A sensitive-allocation
  flag on the landlord's own void does depend on who lives next to it: NASSO 3.12 asks
  for exactly that, "contact the SOLO", and nothing more.)

And every call the insider made, allowed or refused, is in the audit trail. (``/me``, the
caller's own role and organisation, is the one call not recorded; the attack makes none.)
REQUIREMENTS.md: R60, R61, R95, R98, R103, R104, R107, R125.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient
from geo_era_api.app import PREFIX, create_app
from sqlalchemy import Engine, select

from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import record_restriction
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store, session_scope
from geo_era.demo.home import demo_council, demo_landlord
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from geo_era.settings import Settings
from tests.conftest import import_demo, officer

PASSWORD = "a long fictional passphrase"
WHY = "sensitive-allocation check of our voids before letting"
INSIDER = "link.insider"
#: Property ids per allocation check (the limit a Link Officer's check may list).
BATCH = 500


@dataclass
class Town:
    """One imported demo town with the insider's account and a case restriction on one
    of the landlord's voids (so that there is a flag to work from)."""

    client: TestClient
    engine: Engine
    store: LayerStore
    landlord: str
    headers: dict[str, str] = field(default_factory=dict)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        response = self.client.post(f"{PREFIX}{path}", json=body, headers=self.headers)
        return response.status_code, response.json()


def _own_voids(store: LayerStore, landlord: str) -> list[str]:
    stock = store.read_attributes("properties", ["property_id", "landlord", "is_void"])
    mine = stock["is_void"].fillna(False).astype(bool) & (stock["landlord"] == landlord)
    return sorted(stock.loc[mine, "property_id"].astype(str))


def _near_own_voids(town_files: list[Path], home: Path) -> tuple[set[str], str, str]:
    """Every property in a minimum set of the landlord's voids, or in their buildings
    (where a subject would make a void sensitive), and the landlord and council."""
    from geo_era.services import Services

    store = import_demo(town_files, home)
    council = demo_council(store)
    landlord = demo_landlord(store, council)
    services = Services(Settings(home=home), open_store(home))
    near: set[str] = set()
    props = store.read_attributes("properties", ["property_id", "building_id"])
    for void in _own_voids(store, landlord):
        members = services.workspace.minimum_set(void).to_dict()["properties"]
        near |= {str(m["property_id"]) for m in members} | {void}
        building = props.loc[props["property_id"] == void, "building_id"]
        near |= set(props.loc[props["building_id"].isin(building.dropna()),
                              "property_id"].astype(str))
    return near, landlord, council


def _moved_town(files: list[Path], out: Path, avoid: set[str]) -> list[Path]:
    """The demo town's files with every housed subject's home (and current placement)
    moved to another occupied property away from ``avoid``, and every exclusion zone
    moved 1.5 km east."""
    out.mkdir(parents=True)
    rng = np.random.default_rng(17)
    props = pd.read_parquet(next(f for f in files if f.name == "properties.parquet"),
                            columns=["property_id", "is_void"])
    occupied = props.loc[~props["is_void"].fillna(False).astype(bool), "property_id"]
    choices = sorted(set(occupied.astype(str)) - avoid)
    written: list[Path] = []
    for source in files:
        target = out / source.name
        if source.name == "subjects.csv":
            frame = pd.read_csv(source, dtype=str, keep_default_na=False)
            housed = frame["current_property_id"] != ""
            frame.loc[housed, "current_property_id"] = rng.choice(choices, int(housed.sum()),
                                                                  replace=False)
            frame.to_csv(target, index=False)
        elif source.name == "placements.csv":
            frame = pd.read_csv(source, dtype=str, keep_default_na=False)
            if len(frame):
                frame["property_id"] = rng.choice(choices, len(frame), replace=False)
            frame.to_csv(target, index=False)
        elif source.name == "exclusion_zones.parquet":
            zones = gpd.read_parquet(source)
            zones["geometry"] = shapely.transform(zones.geometry.to_numpy(),
                                                  lambda xy: xy + np.array([1_500.0, 0.0]))
            zones.to_parquet(target)
        else:
            target.write_bytes(source.read_bytes())
        written.append(target)
    return written


def _town(files: list[Path], home: Path, landlord: str) -> tuple[LayerStore, Engine]:
    store = import_demo(files, home)
    engine = open_store(home)
    add_user(engine, INSIDER, role="rsl_link_officer", organisation=landlord,
             password=PASSWORD)
    subjects = store.read("subjects")
    subject = str(subjects["subject_id"].iloc[0])
    first = _own_voids(store, landlord)[0]
    case = open_assessed_case(store, engine, subject_id=subject, property_ids=[first],
                              case_type="initial_new", notified=dt.date(2026, 11, 2),
                              assess_now=False, actor=officer(), today=dt.date(2026, 11, 3))
    record_restriction(engine, str(case["case_id"]), property_id=first,
                       restriction="no household with children", actor=officer())
    return store, engine


@dataclass
class Attack:
    """What the insider asked and was told, in order, and what they concluded."""

    transcript: list[tuple[str, int, Any]] = field(default_factory=list)
    candidates: dict[str, set[str]] = field(default_factory=dict)
    zones_located: int = 0


def _attack(town: Town, guesses: list[str]) -> Attack:
    """The penetration test's attack, every channel tried. ``guesses`` are subject ids
    an insider would try (the demo's id pattern)."""
    attack = Attack()

    def ask(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        status, answer = town.post(path, body)
        attack.transcript.append((path, status, answer))
        return status, answer

    everyone = sorted(town.store.read_attributes("properties", ["property_id"])
                      ["property_id"].astype(str))
    for subject in guesses:
        attack.candidates[subject] = set(everyone)
    # 1. the landlord's own voids, then every property of the town, batch by batch,
    #    until the probing limit stops it
    flagged: set[str] = set()
    _, own = ask("/voids/allocation-check", {"justification": WHY})
    flagged |= {v["property_id"] for v in own["voids"] if v["sensitive_allocation"]}
    for start in range(0, len(everyone), BATCH):
        status, answer = ask("/voids/allocation-check", {
            "property_ids": everyone[start:start + BATCH], "justification": WHY})
        if status == 429:
            break
        flagged |= {v["property_id"] for v in answer["voids"] if v["sensitive_allocation"]}
    for _ in range(30):  # and on, until the limit
        status, _ = ask("/voids/allocation-check", {"justification": WHY})
        if status == 429:
            break
    # 2. narrow each flag to a region with the minimum set, the sites around it
    regions: dict[str, set[str]] = {}
    for pid in sorted(flagged):
        ask("/proximity/sites-near", {"property_id": pid, "radius_m": 400})
        status, answer = ask("/parameters", {"property_id": pid, "justification": WHY})
        if status == 200:
            regions[pid] = {pid} | {m["property_id"] for m in answer["properties"]}
    # 3. attribute a region to a subject with the check; learn zones
    for subject in guesses:
        for pid in sorted(flagged):
            status, answer = ask("/check", {"subject_id": subject, "property_id": pid,
                                            "justification": WHY})
            if status == 200 and pid in regions:
                attack.candidates[subject] &= regions[pid]
        status, answer = ask("/zones/show", {"subject_id": subject, "justification": WHY})
        if status == 200:
            attack.zones_located += len(answer.get("zones", []))
        ask("/voids/screen", {"subject_id": subject, "justification": WHY})
    ask("/cases/list", {"justification": WHY})
    ask("/reports/overconcentration", {"authority": demo_council(town.store),
                                       "year": 2026, "justification": WHY})
    return attack


@pytest.fixture(scope="module")
def attacks(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[tuple[Attack, Town], tuple[Attack, Town], set[str]]:
    base = tmp_path_factory.mktemp("insider")
    near, landlord, _council = _near_own_voids(demo_files, base / "survey")
    moved = _moved_town(demo_files, base / "moved-files", near)
    guesses = [f"FICTIONAL-S{n:06d}" for n in range(1, 8)]
    done = []
    for name, files in (("real", demo_files), ("moved", moved)):
        store, engine = _town(files, base / name, landlord)
        with TestClient(create_app(Settings(home=base / name), engine=engine)) as client:
            town = Town(client, engine, store, landlord)
            token = client.post(f"{PREFIX}/auth/token", data={"username": INSIDER,
                                                             "password": PASSWORD})
            town.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            done.append((_attack(town, guesses), town))
    return done[0], done[1], near


def test_no_subject_is_located_and_no_zone_found(
        attacks: tuple[tuple[Attack, Town], tuple[Attack, Town], set[str]]) -> None:
    (attack, town), _, _ = attacks
    everyone = set(town.store.read_attributes("properties", ["property_id"])
                   ["property_id"].astype(str))
    subjects = town.store.read("subjects")
    housed = subjects.loc[subjects["current_property_id"].notna(), "subject_id"].astype(str)
    assert len(housed) >= 4
    for subject in housed:
        assert attack.candidates[subject] == everyone, subject
    assert attack.zones_located == 0
    statuses = {path: set() for path, _, _ in attack.transcript}
    for path, status, _ in attack.transcript:
        statuses[path].add(status)
    assert statuses["/parameters"] == {403} and statuses["/check"] == {403}
    assert statuses["/zones/show"] == {403} and statuses["/voids/screen"] == {403}
    assert 429 in statuses["/voids/allocation-check"]  # the probing limit
    # the one flag is the restriction on the landlord's own void, told as "contact the
    # SOLO"; no answer names a subject, a home or a zone
    text = json.dumps([answer for _, _, answer in attack.transcript])
    assert not any(s in text for s in subjects["subject_id"].astype(str))
    homes = set(subjects["current_property_id"].dropna().astype(str))
    told = {v["property_id"] for path, status, answer in attack.transcript
            if path == "/voids/allocation-check" and status == 200
            for v in answer["voids"]}
    assert told == set(_own_voids(town.store, town.landlord))
    assert not told & homes


def test_the_answers_do_not_depend_on_where_subjects_live_or_zones_lie(
        attacks: tuple[tuple[Attack, Town], tuple[Attack, Town], set[str]]) -> None:
    (real, real_town), (moved, moved_town), near = attacks
    real_homes = set(real_town.store.read("subjects")["current_property_id"].dropna())
    moved_homes = set(moved_town.store.read("subjects")["current_property_id"].dropna())
    assert real_homes and not real_homes & moved_homes and not moved_homes & near
    assert len(real.transcript) == len(moved.transcript)
    for (path, status, answer), (_, status_b, answer_b) in zip(
            real.transcript, moved.transcript, strict=True):
        assert (path, status, answer) == (path, status_b, answer_b)


def test_every_call_of_the_insider_is_in_the_audit_trail(
        attacks: tuple[tuple[Attack, Town], tuple[Attack, Town], set[str]]) -> None:
    (attack, town), _, _ = attacks
    with session_scope(town.engine) as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.actor == INSIDER)
                                  .order_by(AuditEntry.seq)).all()
        mine = [(e.record_type, e.outcome, e.operation) for e in entries]
    assert len(mine) == len(attack.transcript)
    allowed = [path for path, status, _ in attack.transcript if status == 200]
    assert sum(outcome == "allowed" for _, outcome, _ in mine) == len(allowed)
    disclosures = [m for m in mine if m[2] == "disclosure"]
    assert disclosures and all(m[0] == "allocation_check" for m in disclosures)
