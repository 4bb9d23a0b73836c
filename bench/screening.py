"""Benchmark: void screening for one subject, and the sensitive-allocation check of every
void against every housed subject.

Data: the demo town at ``--scale`` (50: about 100,000 addresses, with its buildings,
plots, sites and streets), dwelling columns derived as the importer does. ``--voids``
properties are marked void and ``--housed`` other properties are the homes of FICTIONAL
housed subjects (with 500 recorded restrictions on voids). The subject screened has a
victim-exclusion zone, ``no_residence_within`` 500 m of a school, ``no_residence_in_area``,
``no_residence_same_building_as_children`` and the victim profile ``children,women``, so
every hard conflict and every factor is computed.

Timed in one run, on a loaded snapshot (the workspace a server keeps; its load is timed
apart):

- ``screen``: every void for the subject (hard conflicts, walking distances, minimum
  sets, score, rank). Goal <= 2 s for 10,000 voids.
- ``check_allocations``: every void against every housed subject's home, minimum set
  and conditions, and the restrictions. Goal <= 10 s for 10,000 voids x 6,000 subjects.
- Baseline: the one-at-a-time way (``Workspace.check`` per void, what a SOLO does
  today), timed on ``--sample`` voids and scaled up; screening must find the same
  conflicts for them.

    python bench/screening.py [--scale 50] [--voids 10000] [--housed 6000] [--sample 300]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from common import write_json

from geo_era.analysis.minimum_set import ParameterEngine
from geo_era.analysis.network import WalkGraph, WalkNetwork
from geo_era.analysis.subject_check import check_property
from geo_era.data.dwellings import derive_dwelling_columns
from geo_era.demo.demotown import build_demo_town
from geo_era.geometry.index import SiteIndex
from geo_era.housing.allocations import RecordedRestriction, check_allocations
from geo_era.housing.screening import screen
from geo_era.housing.void_lists import VoidList
from geo_era.workspace import PropertyTable, Snapshot, _Keyed

GOAL_SCREEN_S = 2.0
GOAL_ALLOCATIONS_S = 10.0
SUBJECT = "FICTIONAL-S999999"


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=50.0)
    parser.add_argument("--voids", type=int, default=10_000)
    parser.add_argument("--housed", type=int, default=6_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="write the figures to this file")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    town, t_town = timed(build_demo_town, scale=args.scale, seed=args.seed)
    layers = town.layers
    props, _ = derive_dwelling_columns(layers["properties"], layers["buildings"])
    props = props.reset_index(drop=True)
    n = len(props)
    if args.voids + args.housed > n:
        print(f"the town has {n:,} addresses: too few for {args.voids:,} voids and "
              f"{args.housed:,} homes; raise --scale")
        return 2
    chosen = rng.permutation(n)
    void_rows = np.sort(chosen[:args.voids]).astype(np.int64)
    home_rows = chosen[args.voids:args.voids + args.housed]
    props["is_void"] = pd.array(np.isin(np.arange(n), void_rows), dtype="boolean")
    props.loc[void_rows, "children_in_household"] = False
    ids = props["property_id"].astype(str).to_numpy(dtype=object)

    # the subject screened, and the housed subjects
    xy_all = shapely.get_coordinates(props.geometry.to_numpy())
    centre = xy_all.mean(axis=0)
    areas = layers["areas"]
    data_zone = areas[areas["area_type"] == "data_zone"].iloc[0]
    conditions = [{"type": "no_residence_within", "category": "school", "metres": 500},
                  {"type": "no_residence_in_area", "area_id": str(data_zone["area_id"])},
                  {"type": "no_residence_same_building_as_children"}]
    housed_ids = [f"FICTIONAL-H{k:06d}" for k in range(args.housed)]
    subjects = pd.DataFrame({
        "subject_id": [SUBJECT, *housed_ids],
        "victim_profile": ["children,women", *(["children"] * args.housed)],
        "conditions": [json.dumps(conditions),
                       *np.where(rng.random(args.housed) < 0.1,
                                 json.dumps([{"type": "no_residence_same_building_as_"
                                                      "children"}]), "[]")],
        "current_property_id": [None, *ids[home_rows]]})
    zones = gpd.GeoDataFrame({"zone_id": ["FICTIONAL-Z1"], "subject_id": [SUBJECT],
                              "reason": ["FICTIONAL: victim's home area"]},
                             geometry=[shapely.Point(centre).buffer(600)], crs=27700)
    restricted = rng.choice(void_rows, size=min(500, len(void_rows)), replace=False)
    restrictions = [RecordedRestriction(f"ERA-{k:06d}", housed_ids[k % args.housed],
                                        str(ids[r]), "FICTIONAL: no children under 16")
                    for k, r in enumerate(restricted)]

    started = time.perf_counter()
    sites = layers["sites"].reset_index(drop=True)
    engine = ParameterEngine(props, layers["buildings"], plots=layers["plots"]).prepare()
    network = WalkNetwork.build(WalkGraph.from_streets(layers["streets"]), sites)
    snap = Snapshot(data_version=1, versions={}, properties=PropertyTable(props),
                    engine=engine, sites=SiteIndex(sites), network=network, areas=areas,
                    placements=None, _subjects=_Keyed.of(subjects, "subject_id"),
                    _zones=_Keyed.of(zones, "subject_id"), _missing_subjects="")
    t_load = time.perf_counter() - started
    voids = VoidList(void_rows, (), "bench")

    screening, t_screen = timed(screen, snap, SUBJECT, voids)
    allocations, t_alloc = timed(check_allocations, snap, voids, restrictions=restrictions)

    sample = rng.choice(void_rows, size=min(args.sample, len(void_rows)), replace=False)
    subject_row = snap.subject(SUBJECT)
    subject_zones = snap.zones_of(SUBJECT)
    started = time.perf_counter()
    one_by_one = {str(ids[r]): check_property(
        subject=subject_row, property_id=str(ids[r]), engine=engine, sites=snap.sites,
        zones=subject_zones, areas=areas) for r in sample}
    t_sample = time.perf_counter() - started
    t_baseline = t_sample / len(sample) * len(void_rows)

    by_id = {v["property_id"]: v for v in screening.voids}
    wrong = [pid for pid, result in one_by_one.items()
             if [(f.kind, f.message) for f in result.conflicts]
             != [(r["kind"], r["message"]) for r in by_id[pid]["reasons"]]]
    sensitive = sum(allocations.sensitive)
    walked = sum("on foot" in v["factors"]["school"]["note"] for v in screening.voids)
    counts = screening.to_dict()["counts"]
    print(f"demo town scale {args.scale:g}: {n:,} addresses, {len(sites):,} sites, "
          f"{network.graph.n_nodes:,} walking nodes (built in {t_town:.1f} s)")
    print(f"  load: engine, site index, walking network   {t_load:7.2f} s")
    print(f"  screen {len(void_rows):,} voids for one subject       {t_screen:7.2f} s  "
          f"({counts['ranked']:,} ranked, {counts['ruled_out']:,} ruled out; "
          f"{walked:,} measured on foot)")
    print(f"  baseline: check one void at a time          {t_baseline:7.2f} s  "
          f"(x{t_baseline / t_screen:.0f}; {len(sample)} timed, scaled)")
    print(f"  allocation check: {len(void_rows):,} voids x {args.housed:,} housed "
          f"{t_alloc:7.2f} s  ({sensitive:,} sensitive)")
    met_screen = t_screen <= GOAL_SCREEN_S
    met_alloc = t_alloc <= GOAL_ALLOCATIONS_S
    print(f"  goals: screening <= {GOAL_SCREEN_S:g} s -> {'met' if met_screen else 'NOT met'};"
          f" allocation check <= {GOAL_ALLOCATIONS_S:g} s -> "
          f"{'met' if met_alloc else 'NOT met'}")
    if args.json:
        write_json(Path(args.json), "screening", {
            "addresses": n, "voids": len(void_rows), "housed": args.housed,
            "load_s": t_load, "screen_s": t_screen, "baseline_s": t_baseline,
            "allocations_s": t_alloc, "sensitive": sensitive, "ranked": counts["ranked"],
            "ruled_out": counts["ruled_out"], "walked": walked,
            "goals_s": {"screen": GOAL_SCREEN_S, "allocations": GOAL_ALLOCATIONS_S}})
    if wrong:
        print(f"FAILED: {len(wrong)} sampled voids' conflicts differ from the one-at-a-time "
              f"check, e.g. {wrong[0]}")
        return 1
    print(f"results checked: {len(sample)} sampled voids' conflicts equal the one-at-a-time "
          "check")
    return 0  # a goal not met is reported by bench/results.py


if __name__ == "__main__":
    sys.exit(main())
