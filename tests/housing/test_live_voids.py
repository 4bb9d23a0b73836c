"""Live voids (issue 20, item 7; NASSO 5.3, 3.12): a Link Officer publishes their own
voids and marks them let; screening and allocation checks see it within one request,
without a re-import; the answers equal those of a full re-import with the same
``is_void``; a Link Officer is told flags only; a SOLO sees their own council's live
voids (R88) and a Link Officer an approval as manageable, flag only (R86). On SQLite and
PostgreSQL.

Expected answers come from other doors: the minimum set of a subject's home from
``Workspace.minimum_set``, the voids after a real re-import of the properties layer with
``is_void`` edited by hand, the events read straight from the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from sqlalchemy import func, select

from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import VoidEvent, session_scope
from geo_era.errors import ForbiddenError
from geo_era.housing.allocations import FLAG
from geo_era.housing.live_voids import APPROVED_FLAG, AVAILABLE, LET, LiveVoids
from geo_era.security.audit import AuditEntry
from geo_era.services import Caller, Services, housing, live_voids
from geo_era.services.answers.live_voids import LandlordVoids, VoidChanges
from geo_era.services.answers.live_voids import LiveVoids as LiveVoidsAnswer
from geo_era.settings import Settings
from tests.casework.test_move_in import approved
from tests.conftest import LINK_OFFICER_NEVER_SEES, import_demo
from tests.services.test_housing_services import declared

WHY = "FICTIONAL: voids for MAPPA housing under test"
OMU = Caller("omu", "omu_analyst", "FICTIONAL Police OMU")


@pytest.fixture(scope="module")
def home(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("live-voids") / "home"
    import_demo(demo_files, home)
    return home


@pytest.fixture
def services(home: Path, database_url: str) -> Iterator[Services]:
    """The demo town's layers and a fresh, empty case store on each backend."""
    found = Services(Settings(home=home, database_url=database_url))
    yield found
    found.engine.dispose()


def council_of(services: Services) -> str:
    areas = services.layers.read_attributes("areas", ["area_type", "name"])
    return str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])


def stock(services: Services) -> gpd.GeoDataFrame:
    props = services.layers.read("properties")
    assert isinstance(props, gpd.GeoDataFrame)
    return props


def near_home(services: Services) -> tuple[str, str, str]:
    """A housed subject's home, a property in its NASSO 3.9 minimum set (by
    ``Workspace.minimum_set``) that is not a void and has a landlord, and that landlord."""
    props = stock(services).set_index("property_id")
    subjects = services.layers.read_attributes("subjects", ["current_property_id"])
    for home in subjects["current_property_id"].dropna().astype(str):
        members = services.workspace.minimum_set(home).members
        for pid in members["property_id"].astype(str):
            if pid == home or pid not in props.index:
                continue
            landlord = props.at[pid, "landlord"]
            if isinstance(landlord, str) and landlord and not bool(props.at[pid, "is_void"]):
                return home, pid, landlord
    raise AssertionError("the demo town has a housed subject with a neighbour to let")


def far_property(services: Services, landlord: str) -> str:
    """A property of ``landlord``, not a void, over 400 m from every housed subject's
    home (no minimum set or building reaches that far)."""
    props = stock(services)
    subjects = services.layers.read_attributes("subjects", ["current_property_id"])
    homes = props[props["property_id"].isin(subjects["current_property_id"].dropna())]
    theirs = props[(props["landlord"] == landlord) & ~props["is_void"].fillna(False)
                   .astype(bool)]
    gap = np.min(np.hypot(theirs.geometry.x.to_numpy()[:, None]
                          - homes.geometry.x.to_numpy()[None, :],
                          theirs.geometry.y.to_numpy()[:, None]
                          - homes.geometry.y.to_numpy()[None, :]), axis=1)
    return str(theirs["property_id"].to_numpy()[np.argmax(gap)])


def link(landlord: str) -> Caller:
    return Caller("link", "rsl_link_officer", landlord)


def voids_of(answer: Any) -> dict[str, Any]:
    return {v["property_id"]: v for v in answer.model_dump(mode="json")["voids"]}


def events(services: Services) -> list[tuple[str, str, str, str]]:
    with session_scope(services.engine) as session:
        return [(e.property_id, e.status, e.landlord, e.recorded_by) for e in
                session.scalars(select(VoidEvent).order_by(VoidEvent.id))]


def audit_count(services: Services) -> int:
    with session_scope(services.engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_a_published_void_near_a_housed_subject_is_flagged_within_one_request(
        services: Services) -> None:
    """NASSO 3.12, R61, R88: publish a neighbour of a housed subject's home, then one
    allocation check of every void sees it as needing a sensitive allocation, in the
    home's minimum set; the Link Officer is told the flag alone."""
    home, pid, landlord = near_home(services)
    before = voids_of(housing.allocation_check(services, OMU, justification=WHY))
    assert pid not in before
    published = live_voids.change(services, link(landlord), status=AVAILABLE, voids=[pid],
                                  justification=WHY)
    assert [(v.property_id, v.status, v.sensitive_allocation, v.flag)
            for v in published.recorded] == [(pid, AVAILABLE, True, FLAG)]
    assert published.recorded[0].reference == "VOID-000001"
    text = published.model_dump_json()
    assert home not in text and "minimum" not in text
    after = voids_of(housing.allocation_check(services, OMU, justification=WHY))
    assert after[pid]["sensitive_allocation"] is True
    assert {(r["kind"], r["home_property_id"]) for r in after[pid]["sensitive_because"]} \
        >= {("minimum_set", home)}
    assert set(after) == set(before) | {pid}
    # the Link Officer's own check of every void sees it too, flag only
    flags = housing.allocation_check(services, link(landlord), justification=WHY)
    mine = voids_of(flags)
    assert mine[pid]["flag"] == FLAG and "sensitive_because" not in mine[pid]
    assert events(services) == [(pid, AVAILABLE, landlord, "link")]


def test_a_void_far_from_everyone_is_not_flagged(services: Services) -> None:
    """3.12: only a void near a housed subject needs care."""
    _, _, landlord = near_home(services)
    pid = far_property(services, landlord)
    published = live_voids.change(services, link(landlord), status=AVAILABLE, voids=[pid],
                                  justification=WHY)
    assert [(v.property_id, v.sensitive_allocation, v.flag) for v in published.recorded] \
        == [(pid, False, None)]
    assert voids_of(housing.allocation_check(services, OMU, justification=WHY))[pid][
        "sensitive_allocation"] is False


def test_letting_removes_a_void_from_screening(services: Services) -> None:
    """5.3: a void let is screened no more, nor checked; nor is a void of the imported
    layer that its landlord marks let; publishing it again brings it back."""
    _, pid, landlord = near_home(services)
    subject = str(services.layers.read_attributes("subjects", ["subject_id"])[
        "subject_id"].iloc[0])

    def screened() -> set[str]:
        answer = housing.screen(services, OMU, subject_id=subject, justification=WHY)
        return {v.property_id for v in answer.voids}

    props = stock(services)
    layer_void = str(props.loc[(props["landlord"] == landlord)
                               & props["is_void"].fillna(False).astype(bool),
                               "property_id"].iloc[0])
    assert layer_void in screened()
    live_voids.change(services, link(landlord), status=AVAILABLE, voids=[pid],
                      justification=WHY)
    assert pid in screened()
    let = live_voids.change(services, link(landlord), status=LET,
                            voids=[pid, layer_void], justification=WHY)
    assert [v.property_id for v in let.recorded] == [pid, layer_void]
    assert let.row_errors == []
    now = screened()
    assert pid not in now and layer_void not in now
    assert pid not in voids_of(housing.allocation_check(services, OMU, justification=WHY))
    again = live_voids.change(services, link(landlord), status=AVAILABLE,
                              voids=[layer_void], justification=WHY)
    assert again.recorded[0].status == AVAILABLE and layer_void in screened()
    # the index changed in place: built once for this data version
    assert services.live_voids.rebuilds == 1


def test_a_link_officer_acts_on_their_own_stock_only(services: Services) -> None:
    """5.3, 5.4: another landlord's property and an id geo_era lacks read alike, and
    nothing is recorded for them; a repeat and a let of a non-void are row errors; the
    good row is recorded, with one audit entry."""
    _, pid, landlord = near_home(services)
    props = stock(services)
    other = str(props.loc[props["landlord"].notna() & (props["landlord"] != landlord),
                          "property_id"].iloc[0])
    before = audit_count(services)
    answer = live_voids.change(services, link(landlord), status=AVAILABLE,
                               voids=[other, pid, "DT-NOT-THERE", pid], justification=WHY)
    assert [v.property_id for v in answer.recorded] == [pid]
    problems = {e.row: e.problem for e in answer.row_errors}
    assert problems[1] == problems[3]
    assert landlord in problems[1] and "own organisation's voids only" in problems[1]
    assert "listed again" in problems[4]
    assert audit_count(services) == before + 1
    assert [e[0] for e in events(services)] == [pid]
    again = live_voids.change(services, link(landlord), status=AVAILABLE, voids=[pid],
                              justification=WHY)
    assert again.recorded == [] and "already a live void" in again.row_errors[0].problem
    let = live_voids.change(services, link(landlord), status=LET,
                            voids=[far_property(services, landlord)], justification=WHY)
    assert let.recorded == [] and "not a live void" in let.row_errors[0].problem
    assert len(events(services)) == 1


def test_no_justification_no_change_and_other_roles_refused(services: Services) -> None:
    """DPA 2018 s62: a publish needs the justification; a role the matrix does not name
    is refused, audited; nothing is recorded."""
    _, pid, landlord = near_home(services)
    with pytest.raises(Exception, match="justification"):
        live_voids.change(services, link(landlord), status=AVAILABLE, voids=[pid],
                          justification=None)
    before = audit_count(services)
    with pytest.raises(ForbiddenError):
        live_voids.change(services, Caller("s", "solo", council_of(services)),
                          status=AVAILABLE, voids=[pid], justification=WHY)
    assert audit_count(services) == before + 1
    assert events(services) == []


def test_flag_only_answers_declare_nothing_a_link_officer_may_not_see() -> None:
    """5.4, 68: the Link Officer's answers have no field for who or why."""
    for model in (VoidChanges, LandlordVoids):
        assert declared(model) & LINK_OFFICER_NEVER_SEES == set()
    assert "sensitive_because" in declared(LiveVoidsAnswer)


def test_the_solo_sees_their_councils_live_voids_when_screening(services: Services) -> None:
    """R88: a void a Link Officer publishes is in the SOLO's list of live voids (own
    council) with who published it and why it needs a sensitive allocation, and in the
    voids the SOLO screens; another council's SOLO sees neither."""
    home, pid, landlord = near_home(services)
    council = council_of(services)
    solo = Caller("solo", "solo", council)
    live_voids.change(services, link(landlord), status=AVAILABLE, voids=[pid],
                      justification=WHY)
    seen = live_voids.list_live(services, solo, justification=WHY, flagged_only=True,
                                published_only=True)
    assert isinstance(seen, LiveVoidsAnswer)
    [void] = [v for v in seen.voids if v.property_id == pid]
    assert (void.reference, void.landlord, void.council, void.recorded_by) == (
        "VOID-000001", landlord, council, "link")
    assert any(r.kind == "minimum_set" and r.home_property_id == home
               for r in void.sensitive_because)
    assert [v.property_id for v in seen.voids] == [pid]  # the only one published
    subject = str(services.layers.read_attributes("subjects", ["subject_id"])[
        "subject_id"].iloc[0])
    screened = housing.screen(services, solo, subject_id=subject, justification=WHY)
    assert pid in {v.property_id for v in screened.voids}
    other = Caller("other", "solo", "FICTIONAL Other Council")
    theirs = live_voids.list_live(services, other, justification=WHY)
    assert isinstance(theirs, LiveVoidsAnswer) and theirs.voids == []
    assert housing.screen(services, other, subject_id=subject,
                          justification=WHY).voids == []


def test_a_link_officer_sees_an_approval_as_manageable_as_a_flag(services: Services) -> None:
    """R86: when Part C approves a candidate that is a landlord's void as manageable,
    its Link Officer sees "approved as manageable for an applicant — contact the SOLO"
    on that void, and nothing of whom; another landlord sees nothing of it."""
    _, _, landlord = near_home(services)
    pid = far_property(services, landlord)
    live_voids.change(services, link(landlord), status=AVAILABLE, voids=[pid],
                      justification=WHY)
    mine = live_voids.list_live(services, link(landlord), justification=WHY)
    assert isinstance(mine, LandlordVoids)
    assert {v.property_id: v.approved_flag for v in mine.voids}[pid] is None
    case = approved(services.engine, [pid], pid)
    mine = live_voids.list_live(services, link(landlord), justification=WHY,
                                flagged_only=True)
    assert isinstance(mine, LandlordVoids)
    assert [(v.property_id, v.approved_flag, v.flag) for v in mine.voids] == [
        (pid, APPROVED_FLAG, None)]
    text = mine.model_dump_json()
    assert "FICTIONAL-S1" not in text and case not in text
    assert set(mine.model_dump()["voids"][0]) & LINK_OFFICER_NEVER_SEES == set()
    elsewhere = live_voids.list_live(services, link("FICTIONAL Other Homes"),
                                     justification=WHY)
    assert isinstance(elsewhere, LandlordVoids) and elsewhere.voids == []


def _reimported(demo_files: list[Path], tmp: Path, is_void: dict[str, bool]) -> Services:
    """A new home with the demo town, its properties layer imported again with
    ``is_void`` set by hand for the properties named: today's way (R88)."""
    home = tmp / "reimported"
    import_demo(demo_files, home)
    props = gpd.read_parquet(next(f for f in demo_files if f.name == "properties.parquet"))
    for pid, flag in is_void.items():
        props.loc[props["property_id"] == pid, "is_void"] = flag
    folder = tmp / "edited"
    folder.mkdir()
    props.to_parquet(folder / "properties.parquet")
    import_files([folder / "properties.parquet"], store=LayerStore(home))
    return Services(Settings(home=home))


def test_live_voids_answer_as_a_reimport_would(services: Services, demo_files: list[Path],
                                               tmp_path: Path) -> None:
    """5.3, 3.12: publishing a neighbour of a housed subject and letting a void of the
    layer answers the allocation check and screening exactly as re-importing the
    properties layer with that ``is_void`` does (a different store, built by hand)."""
    _, pid, landlord = near_home(services)
    props = stock(services)
    gone = str(props.loc[(props["landlord"] == landlord)
                         & props["is_void"].fillna(False).astype(bool), "property_id"].iloc[0])
    live_voids.change(services, link(landlord), status=AVAILABLE, voids=[pid],
                      justification=WHY)
    live_voids.change(services, link(landlord), status=LET, voids=[gone], justification=WHY)
    other = _reimported(demo_files, tmp_path, {pid: True, gone: False})
    try:
        live = housing.allocation_check(services, OMU, justification=WHY).model_dump()
        redone = housing.allocation_check(other, OMU, justification=WHY).model_dump()
        assert live["voids"] == redone["voids"] and live["counts"] == redone["counts"]
        subject = str(services.layers.read_attributes("subjects", ["subject_id"])[
            "subject_id"].iloc[0])
        a = housing.screen(services, OMU, subject_id=subject, justification=WHY).model_dump()
        b = housing.screen(other, OMU, subject_id=subject, justification=WHY).model_dump()
        assert a["voids"] == b["voids"] and a["counts"] == b["counts"]
    finally:
        other.engine.dispose()


def test_events_outlive_an_import_and_a_restart(services: Services, home: Path,
                                                database_url: str) -> None:
    """5.3: after an import (a new data version) the published and let events still
    apply; a service started afresh builds the same voids from the store."""
    _, pid, landlord = near_home(services)
    live_voids.change(services, link(landlord), status=AVAILABLE, voids=[pid],
                      justification=WHY)
    snap = services.workspace.snapshot()
    first = services.live_voids.void_list(snap).rows.tolist()
    restarted = Services(Settings(home=home, database_url=database_url))
    try:
        state = LiveVoids()
        again = restarted.workspace.snapshot()
        state.sync(again, restarted.engine, restarted.layers)
        assert state.void_list(again).rows.tolist() == first
        assert state.is_live(pid)
    finally:
        restarted.engine.dispose()
    # an import of the sites (any import moves the data version) rebuilds the index once,
    # with the events over the new data
    sites = services.layers.read("sites")
    assert isinstance(sites, gpd.GeoDataFrame)
    folder = home.parent / f"sites-{abs(hash(database_url))}"
    folder.mkdir(exist_ok=True)
    sites.to_parquet(folder / "sites.parquet")
    import_files([folder / "sites.parquet"], store=services.layers)
    after = services.workspace.snapshot()
    assert after.data_version != snap.data_version
    assert voids_of(housing.allocation_check(services, OMU, justification=WHY))[pid][
        "sensitive_allocation"] is True
    assert services.live_voids.rebuilds == 2
    assert services.live_voids.void_list(after).rows.tolist() == first


def test_one_check_does_not_recompute_every_home(services: Services) -> None:
    """Issue 20: checking one void again costs a look-up of the cached neighbourhoods
    (built once per data version and recorded moves)."""
    _, pid, landlord = near_home(services)
    for _ in range(3):
        housing.allocation_check(services, OMU, justification=WHY, voids=[pid])
    live_voids.change(services, link(landlord), status=AVAILABLE, voids=[pid],
                      justification=WHY)
    assert services.live_voids.allocations.builds == 1
