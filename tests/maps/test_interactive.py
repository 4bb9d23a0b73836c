"""The ERA map and the void screening map: self-contained (no host but geo_era), their
layers, and need to know."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import folium
import pytest

from geo_era.data.layer_store import LayerStore
from geo_era.housing.screening import Screening, screen
from geo_era.housing.void_lists import store_voids
from geo_era.maps.era import STATUS_COLOURS, era_map, member_status
from geo_era.maps.layers import CATEGORY_COLOURS
from geo_era.maps.screening import screening_map
from geo_era.workspace import Workspace
from tests.conftest import import_demo

#: Attributes and CSS that make a browser fetch something.
FETCHES = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")


@pytest.fixture(scope="module")
def workspace(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Workspace]:
    yield Workspace(import_demo(demo_files, tmp_path_factory.mktemp("maps") / "home"))


def housed(store: LayerStore) -> tuple[str, str]:
    """A housed subject with an exclusion zone, and their home."""
    subjects = store.read("subjects")
    zoned = set(store.read("exclusion_zones")["subject_id"].astype(str))
    row = subjects[subjects["current_property_id"].notna()
                   & subjects["subject_id"].isin(zoned)].iloc[0]
    return str(row["subject_id"]), str(row["current_property_id"])


def fetched(html: str) -> set[str]:
    """Everything the page would fetch (src/href attributes and CSS url())."""
    found = {a or b for a, b in FETCHES.findall(html)}
    return {u for u in found if not u.startswith(("data:", "#", "javascript:"))}


def test_standalone_map_fetches_nothing(workspace: Workspace, tmp_path: Path) -> None:
    subject, home = housed(workspace.store)
    html = era_map(workspace, home, subject_id=subject, show_zones=True).get_root().render()
    outside = {u for u in fetched(html) if re.match(r"(?i)(https?:)?//", u)}
    assert outside <= {"https://leafletjs.com"}  # the attribution's link, never loaded
    assert not [u for u in fetched(html) if re.search(r"jsdelivr|cloudflare|jquery|bootstrap",
                                                    u)]
    assert "L.map(" in html and "geoEra.measure(" in html and "geoEra.fullscreen(" in html


def test_map_layers_and_need_to_know(workspace: Workspace) -> None:
    subject, home = housed(workspace.store)
    full = era_map(workspace, home, subject_id=subject, show_zones=True).get_root().render()
    for layer in ("background (loaded layers)", "distance rings", "minimum set (",
                  "walking route to the nearest of each category", "candidate",
                  "exclusion zones ("):
        assert layer in full, layer
    assert "control_scale" in full or "L.control.scale" in full
    without = era_map(workspace, home, subject_id=subject, show_zones=False
                      ).get_root().render()
    assert "exclusion zones (" not in without
    zones = workspace.store.read("exclusion_zones")
    zone_id = str(zones[zones["subject_id"] == subject]["zone_id"].iloc[0])
    assert zone_id in full and zone_id not in without


def test_member_status_from_the_check() -> None:
    check = {"warnings": [
        {"kind": "victim_profile_household", "properties": ["A"]},
        {"kind": "victim_profile_unknown", "properties": ["A", "B"]}], "conflicts": []}
    assert member_status(check, ["A", "B", "C"]) == {"A": "concern", "B": "unknown",
                                                     "C": "clear"}
    assert member_status(None, ["A"]) == {"A": "not checked"}
    assert set(STATUS_COLOURS) == {"concern", "unknown", "clear", "not checked"}


def test_cli_writes_a_standalone_file(workspace: Workspace, tmp_path: Path) -> None:
    subject, home = housed(workspace.store)
    env = {"GEO_ERA_HOME": str(workspace.store.home), "PATH": "/usr/bin:/bin"}
    out = tmp_path / "era.html"
    run = [sys.executable, "-m", "geo_era.cli", "map", home, "--subject", subject,
           "--out", str(out)]
    refused = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120,
                             check=False)
    assert refused.returncode == 2 and "needs a justification" in refused.stderr
    assert not out.exists()
    done = subprocess.run([*run, "--justification", "ERA map for the MAPPA meeting"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    assert len(html) > 100_000  # Leaflet is inlined
    assert not {u for u in fetched(html) if re.match(r"(?i)(https?:)?//", u)} - {
        "https://leafletjs.com"}


@pytest.fixture(scope="module")
def screened(workspace: Workspace) -> Screening:
    """A subject with an exclusion zone screened against every void: some voids ranked,
    some ruled out."""
    snap = workspace.snapshot()
    zoned = sorted(set(workspace.store.read("exclusion_zones")["subject_id"].astype(str)))
    for subject in zoned:
        result = screen(snap, subject, store_voids(snap))
        if result.ranked and len(result.ranked) < len(result.voids):
            return result
    pytest.fail("the demo town has no zoned subject with both ranked and ruled-out voids")


def layers(fmap: folium.Map) -> dict[str, list[dict[str, Any]]]:
    """Each named layer of a map, with the GeoJSON features drawn in it."""
    return {child.layer_name: [f for g in child._children.values()
                               if isinstance(g, folium.GeoJson) for f in g.data["features"]]
            for child in fmap._children.values() if isinstance(child, folium.FeatureGroup)}


def test_screening_map_draws_every_void(workspace: Workspace, screened: Screening) -> None:
    fmap = screening_map(workspace, screened, show_zones=False)
    drawn = layers(fmap)
    ranked, out = len(screened.ranked), len(screened.voids) - len(screened.ranked)
    manageable = drawn[f"manageable voids, ranked ({ranked})"]
    ruled_out = drawn[f"ruled-out voids ({out})"]
    assert len(manageable) + len(ruled_out) == len(screened.voids)  # one marker per void
    assert sorted(f["properties"]["property"] for f in manageable + ruled_out) == \
        sorted(v["property_id"] for v in screened.voids)
    best = screened.ranked[0]
    label = f"#1 — score {best['score']:.1f} — {best['address']}"
    assert label in [f["properties"]["label"] for f in manageable]
    first_out = next(v for v in screened.voids if v["ruled_out"])
    popup = next(f["properties"] for f in ruled_out
                 if f["properties"]["property"] == first_out["property_id"])
    assert popup["why"].split("<br>")[0] == html.escape(first_out["reasons"][0]["message"])
    for layer in ("background (loaded layers)", "school (", "nursery (", "play park ("):
        assert any(name.startswith(layer) for name in drawn), layer
    # fitted to the voids: every marker inside the fitted bounds
    (south, west), (north, east) = next(
        c.bounds for c in fmap._children.values() if isinstance(c, folium.FitBounds))
    for feature in manageable + ruled_out:
        lon, lat = feature["geometry"]["coordinates"]
        assert south <= lat <= north and west <= lon <= east
    top = layers(screening_map(workspace, screened, show_zones=False, top=3))
    assert sum(len(v) for k, v in top.items() if "voids" in k) == 3


def test_screening_map_zones_only_when_allowed(workspace: Workspace,
                                               screened: Screening) -> None:
    zone_id = screened.zones[0]["zone_id"]
    shown = screening_map(workspace, screened, show_zones=True)
    assert f"exclusion zones ({len(screened.zones)})" in layers(shown)
    hidden = screening_map(workspace, screened, show_zones=False)
    assert not [k for k in layers(hidden) if k.startswith("exclusion zones")]
    assert zone_id in shown.get_root().render()
    assert zone_id not in hidden.get_root().render()


def test_screening_map_fetches_nothing(workspace: Workspace, screened: Screening) -> None:
    page = screening_map(workspace, screened, show_zones=True).get_root().render()
    outside = {u for u in fetched(page) if re.match(r"(?i)(https?:)?//", u)}
    assert outside <= {"https://leafletjs.com"}  # the attribution's link, never loaded
    assert "L.map(" in page and "geoEra.legend(" in page and "geoEra.measure(" in page


def _without_bbox(collection: dict[str, Any]) -> dict[str, Any]:
    return {"type": collection["type"], "features": [
        {k: v for k, v in f.items() if k != "bbox"} for f in collection["features"]]}


@pytest.mark.parametrize("layer", ["areas", "streets", "buildings", "sites", "properties",
                                   "exclusion_zones"])
def test_features_as_geopandas_writes_them(workspace: Workspace, layer: str) -> None:
    """The maps' GeoJSON (:func:`geo_era.maps.features.collection`) is what geopandas
    writes for the same rows in EPSG:4326 (ids, properties, missing values, coordinates
    to the last digit), the bounding boxes apart, which Leaflet does not read (R26)."""
    import json

    import geopandas as gpd

    from geo_era.maps.features import collection

    frame = workspace.store.read(layer).iloc[::-3]  # a subset, out of order: ids are
    assert isinstance(frame, gpd.GeoDataFrame)  # the index, not positions
    reference = json.loads(json.dumps(frame.to_crs("EPSG:4326").__geo_interface__))
    assert collection(frame) == _without_bbox(reference)


def test_reference_layers_follow_a_new_import(demo_files: list[Path], tmp_path: Path) -> None:
    """A map's cached reference layers are those of the layer's current version: a new
    import is drawn at once."""
    import geopandas as gpd

    from geo_era.data.imports import import_files
    from geo_era.maps.features import reference_layers

    store = import_demo(demo_files, tmp_path / "home")
    assert len(reference_layers(store)["sites"]) == len(store.read("sites"))
    fewer = store.read("sites").iloc[:5]
    assert isinstance(fewer, gpd.GeoDataFrame)
    path = tmp_path / "sites.gpkg"
    fewer.to_file(path, layer="sites")
    import_files([path], store=store)
    assert len(reference_layers(store)["sites"]) == 5


def test_text_in_the_data_is_never_run_as_a_template(workspace: Workspace) -> None:
    """A name holding template syntax is drawn as it is written, not evaluated on the
    server (branca compiled each rendered layer as a Jinja template)."""
    fmap = folium.Map(tiles=None)
    folium.GeoJson({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "{{ 7 * 7 }} Oak Road {% if 1 %}"},
        "geometry": {"type": "Point", "coordinates": [-4.1, 55.85]}}]},
        tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(fmap)
    from geo_era.maps import assets  # noqa: F401  (the renderer geo_era's maps use)

    page = fmap.get_root().render()
    assert "{{ 7 * 7 }} Oak Road {% if 1 %}" in page and "49 Oak Road" not in page


def test_the_era_map_draws_what_geopandas_draws(workspace: Workspace) -> None:
    """The background and the sites of an ERA map, feature for feature, against the same
    layers clipped and reprojected by geopandas (how the maps were drawn before they
    were made fast): nothing lost, nothing added (R26)."""
    import json

    import geopandas as gpd
    import shapely

    from geo_era.maps.era import RINGS_M
    from geo_era.maps.layers import MARGIN_M

    subject, home = housed(workspace.store)
    fmap = era_map(workspace, home, subject_id=subject, show_zones=True)
    drawn = layers(fmap)
    store = workspace.store
    table = workspace.snapshot().properties
    area = shapely.Point(*table.xy[table.row(home)]).buffer(max(*RINGS_M, 400.0) + MARGIN_M)

    def reference(name: str, columns: list[str], keep: Any = None) -> list[dict[str, Any]]:
        frame = store.read(name)
        assert isinstance(frame, gpd.GeoDataFrame)
        frame = frame.iloc[frame.sindex.query(area, predicate="intersects")]
        if keep is not None:
            frame = frame[keep(frame)]
        written = json.loads(json.dumps(frame[[*columns, "geometry"]].to_crs(
            "EPSG:4326").__geo_interface__))
        return [{k: v for k, v in f.items() if k != "bbox"} for f in written["features"]]

    background = drawn["background (loaded layers)"]
    expected = (reference("areas", ["area_id"],
                          lambda f: f["area_type"].astype(str) == "data_zone")
                + reference("streets", []) + reference("buildings", ["building_id"]))
    assert background == expected and len(background) > 100
    near = {s["site_id"]: s for s in workspace.sites_near(home, 400.0)["sites"]}
    sites = [f for name, features in drawn.items()
             if name.split(" (")[0].replace(" ", "_") in CATEGORY_COLOURS for f in features]
    assert sorted(f["properties"]["site_id"] for f in sites) == sorted(near)
    every = store.read("sites").set_index("site_id")
    assert isinstance(every, gpd.GeoDataFrame)
    every = every.to_crs("EPSG:4326")
    for feature in sites:
        point = every.loc[feature["properties"]["site_id"], "geometry"]
        assert feature["geometry"]["coordinates"] == [point.x, point.y]
