"""The cached workspace: the same answers as a workspace built from scratch on the demo
town, a re-import picked up on the next call (rebuilding only what changed), and
consistent answers from threads while it reloads."""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import json
import os
import sys
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo_era.analysis.minimum_set import MinimumSet, ParameterEngine
from geo_era.analysis.subject_check import CheckResult
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.errors import DataError, NotFoundError
from geo_era.pacing import IN_FLIGHT
from geo_era.workspace import PropertyTable, Workspace
from tests.conftest import import_demo


@functools.cache
def _built(home: Path, data_version: int) -> Workspace:
    """A workspace of its own over ``home``, built from nothing for this data version."""
    return Workspace(LayerStore(home))


def reference(store: LayerStore) -> Workspace:
    """The plain answer: a separate workspace built from scratch for the store's data as
    it is now (the one-shot functions that rebuilt the layers per call are gone)."""
    return _built(store.home, store.data_version)


def sites_near(store: LayerStore, property_id: str, radius_m: float) -> dict[str, Any]:
    return reference(store).sites_near(property_id, radius_m)


def minimum_parameter_set(store: LayerStore, property_id: str, **extend: Any) -> MinimumSet:
    return reference(store).minimum_set(property_id, **extend)


def check_subject_property(store: LayerStore, subject_id: str, property_id: str
                           ) -> CheckResult:
    return reference(store).check(subject_id, property_id)


@pytest.fixture(scope="module")
def store(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> LayerStore:
    return import_demo(demo_files, tmp_path_factory.mktemp("workspace") / "home")


@pytest.fixture(scope="module")
def workspace(store: LayerStore) -> Workspace:
    return Workspace(store)


def sample(store: LayerStore, per_type: int = 4) -> list[str]:
    """A few properties of every type, and a few more spread over the town."""
    props = store.read("properties")
    chosen = props.groupby("property_type", observed=True).head(per_type)["property_id"]
    spread = props["property_id"].iloc[::97]
    return sorted({str(p) for p in [*chosen, *spread]})


def outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """What a call gives: its result, or its error's type and message."""
    try:
        return "ok", fn(*args, **kwargs)
    except Exception as exc:
        return type(exc).__name__, str(exc)


def same(a: Any, b: Any) -> bool:
    """Equal, and equal as JSON too (key order included)."""
    return bool(a == b) and json.dumps(a) == json.dumps(b)


def test_sites_near_equals_plain(store: LayerStore, workspace: Workspace) -> None:
    for pid in sample(store):
        for radius in (400.0, 150.0):
            want = sites_near(store, pid, radius)
            got = workspace.sites_near(pid, radius)
            assert same(got, want), (pid, radius)
    assert any(s["walk_status"] == "reachable"
               for s in workspace.sites_near(sample(store)[0], 400.0)["sites"])


def test_minimum_set_equals_plain(store: LayerStore, workspace: Workspace) -> None:
    pids = sample(store)
    for pid in pids:
        want = outcome(lambda p: minimum_parameter_set(store, p).to_dict(), pid)
        got = outcome(lambda p: workspace.minimum_set(p).to_dict(), pid)
        assert got[0] == "ok" and same(got, want), pid
    for pid in pids[::3]:
        assert same(workspace.minimum_set(pid, extend_metres=60.0).to_dict(),
                    minimum_parameter_set(store, pid, extend_metres=60.0).to_dict())
        assert same(workspace.minimum_set(pid, extend_rings=2).to_dict(),
                    minimum_parameter_set(store, pid, extend_rings=2).to_dict())
    members = workspace.minimum_set(pids[0]).members
    assert members.equals(minimum_parameter_set(store, pids[0]).members)


def test_check_equals_plain(store: LayerStore, workspace: Workspace) -> None:
    subjects = [str(s) for s in store.read("subjects")["subject_id"]]
    findings = 0
    for subject in subjects:
        for pid in sample(store, per_type=2):
            want = check_subject_property(store, subject, pid)
            got = workspace.check(subject, pid)
            assert same(got.to_dict(), want.to_dict()), (subject, pid)
            assert same(got.to_dict(need_to_know=False), want.to_dict(need_to_know=False))
            findings += len(got.conflicts) + len(got.warnings)
    assert findings, "the demo subjects must give some conflicts or warnings"


def plain_assess(store: LayerStore, subject_id: str, property_id: str,
                 radius_m: float = 400.0) -> dict[str, Any]:
    """The assessment snapshot made from the plain functions, as the store-based
    ``assess`` (removed in issue 16: the workspace alone assembles it) made it."""
    snapshot: dict[str, Any] = {
        "radius_m": radius_m, "data_version": store.data_version,
        "layers": {name: store.version(name).version for name in store.layer_names()},
        "proximity": sites_near(store, property_id, radius_m)}
    try:
        snapshot["minimum_set"] = minimum_parameter_set(store, property_id).to_dict()
    except DataError as exc:
        snapshot["minimum_set"] = {"error": str(exc)}
    try:
        snapshot["check"] = check_subject_property(store, subject_id, property_id).to_dict()
    except NotFoundError as exc:
        snapshot["check"] = {"error": str(exc)}
        return snapshot
    # what the assessment keeps of the subject's own record (NASSO 3.4: to tell a new
    # condition or zone later): their zone ids sorted, their conditions as sorted JSON
    text = store.read("subjects").set_index("subject_id")["conditions"].get(subject_id)
    zones = store.read("exclusion_zones")
    snapshot["subject_record"] = {
        "zone_ids": sorted(zones.loc[zones["subject_id"] == subject_id, "zone_id"]
                           .astype(str)),
        "conditions": [json.dumps(c, sort_keys=True) for c in json.loads(text)]
        if isinstance(text, str) and text.strip() else []}
    return snapshot


def test_assess_equals_plain(store: LayerStore, workspace: Workspace) -> None:
    subject = str(store.read("subjects")["subject_id"].iloc[-1])
    for pid in sample(store, per_type=1)[:6]:
        assert same(workspace.assess(subject, pid), plain_assess(store, subject, pid)), pid


def test_errors_equal_plain(store: LayerStore, workspace: Workspace) -> None:
    pid = sample(store)[0]
    subject = str(store.read("subjects")["subject_id"].iloc[0])
    pairs = [
        (lambda: sites_near(store, "NOPE", 400.0), lambda: workspace.sites_near("NOPE", 400.0)),
        (lambda: sites_near(store, pid, -1.0), lambda: workspace.sites_near(pid, -1.0)),
        (lambda: minimum_parameter_set(store, "NOPE"), lambda: workspace.minimum_set("NOPE")),
        (lambda: minimum_parameter_set(store, pid, extend_metres=9e9),
         lambda: workspace.minimum_set(pid, extend_metres=9e9)),
        (lambda: check_subject_property(store, "NOPE", pid),
         lambda: workspace.check("NOPE", pid)),
        (lambda: check_subject_property(store, subject, "NOPE"),
         lambda: workspace.check(subject, "NOPE")),
    ]
    for plain, cached in pairs:
        want, got = outcome(plain), outcome(cached)
        assert want[0] != "ok" and got == want


def test_missing_layers_give_the_plain_errors(store: LayerStore, tmp_path: Path) -> None:
    """A store with properties and buildings only: no sites, streets, subjects."""
    for name in ("buildings", "properties"):
        frame = store.read(name)
        frame.drop(columns=[c for c in frame.columns if c.endswith("_derived")]).to_parquet(
            tmp_path / f"{name}.parquet")
    small = LayerStore(tmp_path / "home")
    import_files([tmp_path / "buildings.parquet", tmp_path / "properties.parquet"], store=small)
    workspace = Workspace(small)
    pid = sample(store)[0]
    want = outcome(sites_near, small, pid, 400.0)
    assert want[0] == "NotFoundError" and "layer 'sites'" in want[1]
    assert outcome(workspace.sites_near, pid, 400.0) == want
    assert outcome(workspace.check, "FICTIONAL-S000001", pid) == \
        outcome(check_subject_property, small, "FICTIONAL-S000001", pid)
    assert same(workspace.minimum_set(pid).to_dict(),
                minimum_parameter_set(small, pid).to_dict())
    empty = Workspace(LayerStore(tmp_path / "empty"))
    assert empty.data_version == 0
    with pytest.raises(NotFoundError, match="layer 'properties' has not been imported"):
        empty.sites_near(pid, 400.0)


def with_extra_site(store: LayerStore, folder: Path, pid: str, n: int) -> Path:
    """A sites file: the store's sites plus ``n`` FICTIONAL schools at property ``pid``."""
    folder.mkdir(parents=True, exist_ok=True)
    sites = store.read("sites")
    props = store.read("properties")
    point = props.geometry[props["property_id"] == pid].iloc[0]
    extra = gpd.GeoDataFrame(
        {"site_id": [f"FICTIONAL-NEW-{k}" for k in range(n)], "category": ["school"] * n,
         "name": [f"FICTIONAL New School {k}" for k in range(n)]},
        geometry=[Point(point.x + 5 * (k + 1), point.y) for k in range(n)], crs=27700)
    frame = pd.concat([sites[["site_id", "category", "name", "geometry"]], extra],
                      ignore_index=True)
    path = folder / "sites.parquet"
    gpd.GeoDataFrame(frame, geometry="geometry", crs=27700).to_parquet(path)
    return path


def test_reimport_is_picked_up_and_only_what_changed_is_rebuilt(
        demo_files: list[Path], tmp_path: Path) -> None:
    store = import_demo(demo_files, tmp_path / "home")
    workspace = Workspace(store)
    pid = sample(store)[0]
    before = workspace.sites_near(pid, 400.0)
    engine_before = workspace.minimum_set(pid).to_dict()
    assert not any(s["site_id"].startswith("FICTIONAL-NEW") for s in before["sites"])
    parts = workspace.describe()["parts"]
    assert all(p["builds"] == 1 for p in parts.values())

    reads: list[str] = []
    original = store.read_entry
    store.read_entry = lambda entry, **kw: reads.append(entry.name) or original(entry, **kw)
    for _ in range(50):  # unchanged: a stat per call, nothing read
        workspace.sites_near(pid, 400.0)
    assert reads == []

    version = import_files([with_extra_site(store, tmp_path / "v2", pid, 1)],
                           store=store).data_version
    reads.clear()  # the import reads what it checks against
    after = workspace.sites_near(pid, 400.0)  # the very next call
    assert reads == ["sites"]  # the new sites layer only: properties, streets kept
    store.read_entry = original
    assert after["data_version"]["sites"] == version
    assert after["sites"][0]["site_id"] == "FICTIONAL-NEW-0"
    assert same(after, sites_near(store, pid, 400.0))
    described = workspace.describe()
    assert described["data_version"] == version
    builds = {name: p["builds"] for name, p in described["parts"].items()}
    assert builds["sites"] == builds["network"] == 2
    assert builds["engine"] == builds["graph"] == builds["properties"] == 1
    assert same(workspace.minimum_set(pid).to_dict(), engine_before)

    os.utime(store.home / "catalog.json")  # touched, not changed: nothing rebuilt
    workspace.sites_near(pid, 400.0)
    assert {n: p["builds"] for n, p in workspace.describe()["parts"].items()} == builds


def test_threads_get_consistent_answers_during_reloads(demo_files: list[Path],
                                                       tmp_path: Path) -> None:
    """Threads query while sites are re-imported; every answer must be exactly the plain
    answer for the sites version it reports, and no call that starts after an import
    has committed may answer from older data."""
    store = import_demo(demo_files, tmp_path / "home")
    pid = sample(store)[0]
    files = {n: with_extra_site(store, tmp_path / f"variant{n}", pid, n) for n in (1, 2)}
    # the plain answers for each variant, from stores of their own
    expected: dict[int, dict[str, Any]] = {}
    for n, path in files.items():
        ref = import_demo(demo_files, tmp_path / f"ref{n}")
        import_files([path], store=ref)
        doc = sites_near(ref, pid, 400.0)
        doc.pop("data_version")
        expected[n] = doc
    original = sites_near(store, pid, 400.0)
    original.pop("data_version")
    expected[0] = original

    workspace = Workspace(store)
    variant_of = {store.version("sites").version: 0}
    committed: list[tuple[float, int]] = []  # (time an import returned, its sites version)
    answers: list[tuple[float, dict[str, Any]]] = []
    sets: list[list[str]] = []
    stop = threading.Event()
    lock = threading.Lock()

    def query() -> None:
        while not stop.is_set():
            started = time.monotonic()
            doc = workspace.sites_near(pid, 400.0)
            members = workspace.minimum_set(pid).member_ids
            with lock:
                answers.append((started, doc))
                sets.append(members)

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(query) for _ in range(6)]
        try:
            for round_ in range(6):
                n = 1 + round_ % 2
                version = import_files([files[n]], store=store).data_version
                with lock:
                    variant_of[version] = n
                    committed.append((time.monotonic(), version))
                time.sleep(0.15)
        finally:
            stop.set()
        for future in futures:
            future.result()  # re-raises any error from a thread

    assert len(answers) > 50
    versions_seen = set()
    for started, doc in answers:
        version = doc.pop("data_version")["sites"]
        versions_seen.add(version)
        assert doc == expected[variant_of[version]], version
        newest = max((v for t, v in committed if t < started), default=0)
        assert version >= newest, "an answer came from data older than a committed import"
    assert len(versions_seen) >= 3
    assert all(s == sets[0] for s in sets)  # the minimum set does not depend on sites


def test_a_file_removed_while_loading_is_read_again(store: LayerStore,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """An import that commits during a reload removes the files it replaced: the reload
    starts again from the newer catalog instead of failing."""
    workspace = Workspace(LayerStore(store.home))
    calls: list[str] = []
    original = workspace.store.read_entry

    def vanishing(entry: Any, **kwargs: Any) -> Any:
        calls.append(entry.name)
        if len(calls) == 1:
            raise FileNotFoundError(entry.path)
        return original(entry, **kwargs)

    monkeypatch.setattr(workspace.store, "read_entry", vanishing)
    pid = sample(store)[0]
    assert same(workspace.sites_near(pid, 400.0), sites_near(store, pid, 400.0))
    assert calls.count(calls[0]) == 2  # read again


# --- reloading without stalling (issue 23, item 2) ---------------------------------------


def test_a_background_workspace_answers_from_the_loaded_data_while_it_reloads(
        demo_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an import, a reference call (sites-near, the minimum set) starts the reload
    in a thread and is answered at once from the data loaded, labelled with its version;
    a call about a subject waits for the new data; once built, the new data is swapped
    in and every answer equals a workspace built from nothing for it."""
    import geo_era.workspace as module

    store = import_demo(demo_files, tmp_path / "home")
    workspace = Workspace(store, background=True)
    pid = sample(store)[0]
    subject = str(store.read("subjects")["subject_id"].iloc[0])
    before = workspace.sites_near(pid, 400.0)
    old_sites = before["data_version"]["sites"]
    new_version = import_files([with_extra_site(store, tmp_path / "v2", pid, 1)],
                               store=store).data_version

    release = threading.Event()
    building = threading.Event()
    real_build = module._Builder.build

    def held(self: Any) -> Any:  # the background reload's build waits until released
        if threading.current_thread().name == "geo_era-workspace-reload":
            building.set()
            assert release.wait(30)
        return real_build(self)

    monkeypatch.setattr(module._Builder, "build", held)
    started = time.perf_counter()
    during = workspace.sites_near(pid, 400.0)
    assert time.perf_counter() - started < 5
    assert building.wait(10) and workspace.reloading()
    assert same(during, before) and during["data_version"]["sites"] == old_sites
    assert workspace.minimum_set(pid).to_dict() == reference(store).minimum_set(
        pid).to_dict()  # the engine's layers did not change
    assert workspace.describe()["data_version"] < new_version

    waited: list[Any] = []

    def check() -> None:  # a request, counted in flight as the server's gate counts it
        IN_FLIGHT.enter()
        try:
            waited.append(workspace.check(subject, pid).to_dict())
        finally:
            IN_FLIGHT.leave()

    checker = threading.Thread(target=check)
    checker.start()
    checker.join(0.5)
    assert checker.is_alive()  # about a subject: waits for the catalog as it is now
    # and, waiting for the reload, does not make the reload give way to it (pacing)
    assert not IN_FLIGHT.busy
    release.set()
    checker.join(30)
    assert waited == [reference(store).check(subject, pid).to_dict()]
    for _ in range(100):
        if not workspace.reloading():
            break
        time.sleep(0.05)
    after = workspace.sites_near(pid, 400.0)
    assert after["data_version"]["sites"] != old_sites
    assert after["sites"][0]["site_id"] == "FICTIONAL-NEW-0"
    assert same(after, sites_near(store, pid, 400.0))
    assert workspace.describe()["data_version"] == new_version


def test_a_property_new_in_the_catalog_is_answered_from_the_new_data(
        demo_files: list[Path], tmp_path: Path) -> None:
    """A property only the new data holds is not 'not found' while the reload is built:
    that call waits for the new data."""
    store = import_demo(demo_files, tmp_path / "home")
    workspace = Workspace(store, background=True)
    props = store.read("properties")
    pid = str(props["property_id"].iloc[0])
    workspace.sites_near(pid, 400.0)
    extra = props.iloc[[0]].copy()
    extra["property_id"] = "FICTIONAL-NEW-HOME"
    folder = tmp_path / "v2"
    folder.mkdir()
    frame = gpd.GeoDataFrame(pd.concat([props, extra], ignore_index=True),
                             geometry="geometry", crs=props.crs)
    frame.to_parquet(folder / "properties.parquet")
    import_files([folder / "properties.parquet"], store=store)
    doc = workspace.sites_near("FICTIONAL-NEW-HOME", 400.0)
    assert doc["property_id"] == "FICTIONAL-NEW-HOME"
    with pytest.raises(NotFoundError):
        workspace.sites_near("FICTIONAL-NOWHERE", 400.0)


def test_a_failed_background_reload_keeps_the_loaded_data_and_is_reported_to_waiting_calls(
        demo_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import geo_era.workspace as module

    store = import_demo(demo_files, tmp_path / "home")
    workspace = Workspace(store, background=True)
    pid = sample(store)[0]
    before = workspace.sites_near(pid, 400.0)
    import_files([with_extra_site(store, tmp_path / "v2", pid, 1)], store=store)

    def broken(self: Any) -> Any:
        raise MemoryError("FICTIONAL: out of memory while building")

    monkeypatch.setattr(module._Builder, "build", broken)
    assert same(workspace.sites_near(pid, 400.0), before)
    for _ in range(100):
        if not workspace.reloading():
            break
        time.sleep(0.05)
    assert same(workspace.sites_near(pid, 400.0), before)  # not started again and again
    with pytest.raises(MemoryError):
        workspace.refresh()  # a call that waits meets the error itself


def test_a_servers_workspace_frees_a_replaced_state_by_reference_counts_alone(
        demo_files: list[Path], tmp_path: Path) -> None:
    """(issue 23, item 2) A server's workspace moves what it has loaded out of the cycle
    collector's reach (``gc.freeze``: a full collection over national layers held the
    interpreter lock for 150-300 ms). So a state it replaces must hold no reference
    cycles, or every re-import would leak its layers: with the collector off, every
    part and frame of the old state is gone once the new one answers."""
    store = import_demo(demo_files, tmp_path / "home")
    workspace = Workspace(store, background=True)
    pid = sample(store)[0]
    workspace.minimum_set(pid)
    workspace.sites_near(pid, 400.0)
    state = workspace._state
    assert state is not None
    kept: dict[str, weakref.ref[Any]] = {}
    for name, part in state.parts.items():
        with contextlib.suppress(TypeError):  # None, dicts: nothing to follow
            kept[f"part {name}"] = weakref.ref(part.value)
    for (layer, _), frame in state.frames.items():
        kept[f"frame {layer}"] = weakref.ref(frame)
    assert {"part engine", "part sites", "part network", "part graph",
            "part properties", "frame properties", "frame buildings"} <= set(kept)
    del state, part, frame
    gc.disable()
    try:
        import_files(demo_files, store=store)  # every layer at a new version
        assert workspace.refresh() == store.data_version
        assert workspace.minimum_set(pid).to_dict() == reference(store).minimum_set(
            pid).to_dict()
        alive = sorted(name for name, ref in kept.items() if ref() is not None)
        assert alive == []
    finally:
        gc.enable()
        gc.unfreeze()  # this test process's objects back within the collector's reach


def test_a_background_reload_takes_the_replaced_state_apart_once_no_request_uses_it(
        demo_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """(issue 23, item 2) The state a background reload replaces is freed a piece at a
    time (pacing.release), not in the one call that drops it (0.2 s nationally, holding
    the interpreter lock); and only once no request answers from it: what a request
    still holds stays whole."""
    from geo_era import pacing

    store = import_demo(demo_files, tmp_path / "home")
    workspace = Workspace(store, background=True)
    pid = sample(store)[0]
    before = workspace.minimum_set(pid).to_dict()
    workspace.sites_near(pid, 400.0)
    state = workspace._state
    assert state is not None
    old_state = weakref.ref(state)
    old_table = weakref.ref(state.get_as("properties", PropertyTable))
    engine = state.get_as("engine", ParameterEngine)  # a request still answering from it
    attributes = set(vars(engine))
    del state
    released: list[str] = []
    real_release = pacing.release

    def spy(held: list[object], *, depth: int = 2) -> None:
        released.append(type(held[0]).__name__)
        real_release(held, depth=depth)

    monkeypatch.setattr(pacing, "release", spy)
    import_files(demo_files, store=store)  # every layer at a new version
    workspace.sites_near(pid, 400.0)  # answered from the old state; the reload starts
    for _ in range(600):
        if old_state() is None and not workspace.reloading():
            break
        time.sleep(0.05)
    assert old_state() is None and old_table() is None
    assert "PropertyTable" in released and "ParameterEngine" in released
    assert set(vars(engine)) == attributes  # held: left whole
    assert engine.minimum_set(pid).to_dict() == before


def test_the_rows_of_the_property_ids_are_a_dicts_and_filled_one_shard_a_step(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23, item 2: the property table's id index answers as one dict of the ids
    would (a repeated id: its last row; an unknown one: none), and is filled so that a
    step (between two ``give_way`` calls, where a background reload lets requests run)
    grows one of its dicts only: one dict of 2.6 million ids doubled its table in one
    step, a stop of 0.1 s for every answer."""
    import numpy as np

    from geo_era import workspace as module
    from geo_era.workspace import RowsById

    ids = np.array([f"P{k:06d}" for k in range(20_000)] + ["P000007", "P000011"], dtype=object)
    reference: dict[str, int] = {}
    for row, pid in enumerate(ids.tolist()):  # the independent answer: a dict, id by id
        reference[pid] = row
    sizes: list[list[int]] = []

    def record() -> None:  # each step's start: the size of every dict of the one filled
        filling = sys._getframe(1).f_locals.get("self")
        if isinstance(filling, RowsById) and hasattr(filling, "_shards"):
            sizes.append([len(table) for table in filling._shards])

    monkeypatch.setattr(module, "ROWS_PER_STEP", 700)
    monkeypatch.setattr(module, "give_way", record)
    rows = RowsById(ids)
    assert dict(rows) == reference and len(rows) == len(reference) == 20_000
    assert rows["P000007"] == 20_000 and rows.get("P000011") == 20_001
    assert rows.get("nowhere") is None and rows.get("nowhere", -1) == -1
    assert "P019999" in rows and "nowhere" not in rows
    with pytest.raises(KeyError):
        rows["nowhere"]
    sizes.append([len(table) for table in rows._shards])
    grown = [sum(a != b for a, b in zip(before, after, strict=True))
             for before, after in itertools.pairwise(sizes)]
    assert len(sizes) > RowsById.SHARDS and max(grown) == 1  # one dict a step
