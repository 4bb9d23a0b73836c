"""The NASSO 3.9 minimum-parameter engine against the demo town's ground truth, an
independent contiguity computation (libpysal), and hand-made edge cases."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from geo_era.analysis.gardens import GARDEN_RULE, garden_neighbour_pairs, gardens_from_plots
from geo_era.analysis.minimum_set import ParameterEngine, member_sets
from geo_era.contract.schema import PROPERTY_TYPES
from geo_era.data.dwellings import derive_dwelling_columns
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.demo.demotown import DemoTown, build_demo_town
from geo_era.errors import DataError, ImportRefusedError, NotFoundError
from geo_era.geometry.adjacency import BorderRule, bordering_pairs
from geo_era.workspace import Workspace
from tests.conftest import import_demo

TOWNS = {"scale1-seed0": (1.0, 0), "scale3-seed5": (3.0, 5)}
_cache: dict[str, tuple[DemoTown, ParameterEngine, dict[str, set[str]]]] = {}


def town(name: str) -> tuple[DemoTown, ParameterEngine, dict[str, set[str]]]:
    """A demo town, an engine over it (types derived as on import), and every set."""
    if name not in _cache:
        scale, seed = TOWNS[name]
        demo = build_demo_town(scale=scale, seed=seed)
        props, _ = derive_dwelling_columns(demo.layers["properties"], demo.layers["buildings"])
        engine = ParameterEngine(props, demo.layers["buildings"], plots=demo.layers["plots"])
        _cache[name] = (demo, engine, member_sets(engine.all_minimum_sets()))
    return _cache[name]


@pytest.mark.parametrize("ptype", PROPERTY_TYPES)
@pytest.mark.parametrize("name", list(TOWNS))
def test_every_set_equals_ground_truth(name: str, ptype: str) -> None:
    demo, engine, sets = town(name)
    truth = demo.truth[demo.truth["property_type"] == ptype]
    assert len(truth), f"the demo town has no {ptype}"
    wrong = [pid for pid, expected in zip(truth["property_id"], truth["minimum_set"],
                                          strict=True)
             if sets.get(pid, set()) != {str(m) for m in expected}]
    assert wrong == [], f"{len(wrong)} of {len(truth)} {ptype} sets differ, e.g. {wrong[:3]}"
    derived = engine.properties.set_index("property_id").loc[truth["property_id"]]
    assert (derived["property_type"] == ptype).all()
    assert derived["property_type_derived"].all()


def test_single_property_equals_batch() -> None:
    demo, engine, sets = town("scale1-seed0")
    sample = demo.truth.groupby("property_type").head(3)["property_id"]
    for pid in sample:
        result = engine.minimum_set(pid)
        expected = sets.get(pid, set())
        if result.property_type == "shared":
            assert result.member_ids == [pid]  # the property itself: all its occupants
            assert result.occupants is not None and result.occupants >= 3
        else:
            assert set(result.member_ids) == expected


def test_gardens_agree_with_libpysal_contiguity() -> None:
    """libpysal's strict rook contiguity (shared boundary of positive length, by geometric
    intersection) of the same plots is an independent oracle for garden borders."""
    from libpysal.graph import Graph
    from libpysal.weights import Rook

    demo, engine, _ = town("scale1-seed0")
    plots = demo.layers["plots"]
    own = plots[plots["property_id"].notna()].reset_index(drop=True)
    pid = own["property_id"].astype(str).to_numpy()
    adjacency = Graph.build_contiguity(own, rook=True, strict=True).adjacency.reset_index()
    adjacency = adjacency[adjacency["weight"] > 0]
    strict = set(zip(pid[adjacency["focal"]], pid[adjacency["neighbor"]], strict=True))
    i, j = garden_neighbour_pairs(gardens_from_plots(plots, engine.properties))
    ours = set(zip(engine._pid[i], engine._pid[j], strict=True))
    assert ours == strict
    assert len(ours) > 1000
    # vertex-matching rook misses fences that meet mid-edge (T-junctions), never adds any
    weights = Rook.from_dataframe(own, use_index=False, silence_warnings=True)
    vertex_rook = {(pid[i], pid[j]) for i, nb in weights.neighbors.items() for j in nb}
    assert vertex_rook < ours


def test_rules_quote_nasso_and_reasons_are_given() -> None:
    _, engine, _ = town("scale1-seed0")
    props = engine.properties
    tenement = props[props["property_type"] == "tenement_flat"]["property_id"].iloc[0]
    doc = engine.minimum_set(tenement).to_dict()
    assert doc["rule"] == {"source": "NASSO 3.9", "applies_to": "Tenement properties",
                           "text": "All properties within the same tenement close as the "
                                   "address being reviewed."}
    assert doc["property_type_derived"] is True
    assert all(m["reasons"] == ["same_close"] for m in doc["properties"])
    assert set(doc["properties"][0]["household"]) == {
        "children_in_household", "adult_at_risk_in_household", "occupants", "is_void"}
    semi = props[props["property_type"] == "semi_detached"]["property_id"].iloc[0]
    reasons = {r for m in engine.minimum_set(semi).to_dict()["properties"]
               for r in m["reasons"]}
    assert "shared_wall" in reasons and "garden_border" in reasons


def test_cottage_flat_neighbours_exclude_the_diagonal() -> None:
    demo, engine, _ = town("scale1-seed0")
    truth = demo.truth.set_index("property_id")
    lower = truth[(truth["property_type"] == "cottage_flat") & (truth["floor"] == 0)].index[0]
    result = engine.minimum_set(lower)
    block = truth.index[truth["building_id"] == truth.loc[lower, "building_id"]]
    reasons = dict(zip(result.members["property_id"], result.members["reasons"], strict=True))
    in_block = {p: reasons[p] for p in block if p in reasons}
    assert len(in_block) == 2  # the flat above and the flat beside, not the diagonal one
    assert sorted(r for rs in in_block.values() for r in rs
                  if r.startswith("flat_")) == ["flat_above_or_below", "flat_beside"]


# --- extension ---------------------------------------------------------------------------


def test_extension_by_distance_is_kept_apart() -> None:
    _, engine, _ = town("scale1-seed0")
    pid = engine.properties[engine.properties["property_type"] == "detached"]["property_id"].iloc[0]
    result = engine.minimum_set(pid, extend_metres=60)
    assert result.extension is not None and result.extension["by"] == "distance"
    extended = [p["property_id"] for p in result.extension["properties"]]
    assert extended and not set(extended) & set(result.member_ids)
    assert pid not in extended
    distances = [p["distance_m"] for p in result.extension["properties"]]
    assert distances == sorted(distances) and max(distances) <= 60
    xy = shapely.get_coordinates(engine.properties.geometry.to_numpy())
    row = engine.position(pid)
    within = np.hypot(*(xy - xy[row]).T) <= 60
    expected = set(engine._pid[within]) - set(result.member_ids) - {pid}
    assert set(extended) == expected


def test_extension_by_rings() -> None:
    _, engine, sets = town("scale1-seed0")
    pid = engine.properties[engine.properties["property_type"] == "terraced"]["property_id"].iloc[5]
    result = engine.minimum_set(pid, extend_rings=1)
    assert result.extension is not None
    ring2 = {p["property_id"] for p in result.extension["properties"]}
    expected = set().union(*(sets.get(m, set()) for m in result.member_ids)) \
        - set(result.member_ids) - {pid}
    assert ring2 == expected
    assert {p["ring"] for p in result.extension["properties"]} == {2}
    with pytest.raises(DataError, match="by metres or by rings, not both"):
        engine.minimum_set(pid, extend_metres=10, extend_rings=1)
    with pytest.raises(DataError, match="1 to 5 rings"):
        engine.minimum_set(pid, extend_rings=9)


# --- tolerance to real plot data -----------------------------------------------------------


def test_slivers_and_gaps_are_tolerated_corners_are_not() -> None:
    demo, _, _ = town("scale1-seed0")
    plots = demo.layers["plots"]
    own = plots[plots["property_id"].notna()].geometry.to_numpy()
    exact = bordering_pairs(own, GARDEN_RULE)
    rng = np.random.default_rng(0)
    # gaps: every plot shrunk by up to 12 cm; slivers: grown by up to 5 cm
    shrunk = shapely.buffer(own, -rng.uniform(0.02, 0.12, len(own)), join_style="mitre")
    grown = shapely.buffer(own, rng.uniform(0.01, 0.05, len(own)), join_style="mitre")
    for noisy in (shrunk, grown):
        got = bordering_pairs(noisy, GARDEN_RULE)
        assert set(zip(got.a, got.b, strict=True)) == set(zip(exact.a, exact.b, strict=True))


@pytest.mark.parametrize(("second", "borders"), [
    (box(10, 0, 20, 10), True),            # a shared 10 m fence
    (box(10.2, 0, 20, 10), True),          # a 20 cm gap along 10 m
    (box(10, 9, 20, 19), True),            # a 1 m shared stretch
    (box(10, 10, 20, 20), False),          # touching at one corner point
    (box(10.1, 10.1, 20, 20), False),      # near a corner, with a gap
    (box(11, 0, 20, 10), False),           # a 1 m lane between them
])
def test_border_rule_cases(second: shapely.Polygon, borders: bool) -> None:
    geoms = np.array([box(0, 0, 10, 10), second])
    assert (len(bordering_pairs(geoms, GARDEN_RULE)) == 1) is borders


def test_border_rule_refuses_a_gap_that_would_join_corners() -> None:
    with pytest.raises(DataError, match="a corner would count as a border"):
        BorderRule(gap_m=1.0, min_border_m=1.0)


# --- from the store: derived types, estimated plots, bad input --------------------------


@pytest.fixture(scope="module")
def demo_store(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
               ) -> LayerStore:
    return import_demo(demo_files, tmp_path_factory.mktemp("params") / "home")


def test_given_property_type_is_kept_and_not_marked_derived(demo_store: LayerStore,
                                                            tmp_path: Path) -> None:
    props = demo_store.read("properties")
    semi = props[props["property_type"] == "semi_detached"]["property_id"].iloc[0]
    given = props.drop(columns=[c for c in props.columns if c.endswith("_derived")])
    given = given.drop(columns=["property_type"]).assign(
        property_type=np.where(given["property_id"] == semi, "detached", None))
    store = LayerStore(tmp_path / "home")
    for name in ("buildings", "plots"):
        demo_store.read(name).to_parquet(tmp_path / f"{name}.parquet")
    given.to_parquet(tmp_path / "properties.parquet")
    import_files([tmp_path / "buildings.parquet", tmp_path / "properties.parquet",
                  tmp_path / "plots.parquet"], store=store)
    result = Workspace(store).minimum_set(semi)
    assert result.property_type == "detached" and not result.property_type_derived
    other = props[props["property_type"] == "tenement_flat"]["property_id"].iloc[0]
    assert Workspace(store).minimum_set(other).property_type_derived


def test_estimated_plots_are_said_to_be_estimated(demo_store: LayerStore,
                                                  tmp_path: Path) -> None:
    store = LayerStore(tmp_path / "home")
    names = ("buildings", "properties", "streets")
    for name in names:
        frame = demo_store.read(name)
        if name == "properties":
            frame = frame.drop(columns=[c for c in frame.columns if c.endswith("_derived")])
        frame.to_parquet(tmp_path / f"{name}.parquet")
    import_files([tmp_path / f"{n}.parquet" for n in names], store=store)
    props = store.read("properties")
    semis = props[props["property_type"] == "semi_detached"]["property_id"]
    doc = Workspace(store).minimum_set(str(semis.iloc[0])).to_dict()
    assert doc["plots_estimated"] is True
    reasons = {r for m in doc["properties"] for r in m["reasons"]}
    assert {"shared_wall", "garden_border"} <= reasons
    flat = props[props["property_type"] == "tenement_flat"]["property_id"].iloc[0]
    assert Workspace(store).minimum_set(str(flat)).to_dict()["plots_estimated"] is False


def test_unknown_property(demo_store: LayerStore) -> None:
    with pytest.raises(NotFoundError, match=r"property_id 'NOPE' not found in layer "
                                            r"'properties' \(2,007 rows\)"):
        Workspace(demo_store).minimum_set("NOPE")


def test_property_with_no_building(demo_store: LayerStore, tmp_path: Path) -> None:
    store = LayerStore(tmp_path / "home")
    demo_store.read("buildings").to_parquet(tmp_path / "buildings.parquet")
    field = gpd.GeoDataFrame({"property_id": ["LONE"], "address": ["1 Field Lane, Inverallan"]},
                             geometry=[Point(265_000, 663_000)], crs=27700)
    field.to_parquet(tmp_path / "properties.parquet")
    report = import_files([tmp_path / "buildings.parquet", tmp_path / "properties.parquet"],
                          store=store)
    assert any("lies in no building footprint" in str(n) for n in report.notices)
    with pytest.raises(DataError, match="property 'LONE' has no building"):
        Workspace(store).minimum_set("LONE")


def test_overlapping_plots_are_refused(demo_store: LayerStore, tmp_path: Path) -> None:
    plots = demo_store.read("plots")
    first = plots.geometry.iloc[0]
    plots.loc[plots.index[1], "geometry"] = shapely.buffer(first, -1.0)  # inside plot 1
    plots.to_parquet(tmp_path / "plots.parquet")
    with pytest.raises(ImportRefusedError) as info:
        import_files([tmp_path / "plots.parquet"], store=demo_store)
    problem = str(info.value.problems[0])
    assert problem.startswith("file 'plots.parquet', layer 'plots', row 1, column 'geometry': "
                              f"overlaps plot_id '{plots['plot_id'].iloc[1]}' (row 2) by ")
    assert problem.endswith("m²; each piece of ground belongs to one plot: correct the "
                            "boundaries")


def test_plot_slivers_are_not_overlaps(demo_store: LayerStore, tmp_path: Path) -> None:
    plots = demo_store.read("plots")
    plots["geometry"] = shapely.buffer(plots.geometry.to_numpy(), 0.02, join_style="mitre")
    plots.to_parquet(tmp_path / "plots.parquet")
    store = LayerStore(tmp_path / "home")
    for name in ("buildings", "properties"):
        frame = demo_store.read(name)
        frame.to_parquet(tmp_path / f"{name}.parquet")
    import_files([tmp_path / f"{n}.parquet" for n in ("buildings", "properties", "plots")],
                 store=store)
    assert store.version("plots").rows == len(plots)


def test_cli_parameters_json(demo_store: LayerStore) -> None:
    import json
    import subprocess
    import sys

    props = demo_store.read("properties")
    pid = str(props[props["property_type"] == "multi_storey_flat"]["property_id"].iloc[0])
    env = {"GEO_ERA_HOME": str(demo_store.home), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "geo_era.cli", "parameters", pid,
                           "--extend-metres", "30", "--json"], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["property_type"] == "multi_storey_flat"
    assert doc["rule"]["applies_to"] == "Multi-storey properties"
    assert all(m["reasons"] == ["same_floor"] for m in doc["properties"])
    assert len(doc["properties"]) >= 3
    assert doc["extension"]["by"] == "distance"
    floor = props.set_index("property_id")["floor"]
    assert {floor[m["property_id"]] for m in doc["properties"]} == {floor[pid]}
    assert pd.Series([m["property_id"] for m in doc["properties"]]).is_unique
