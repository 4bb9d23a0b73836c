"""Benchmark: the NASSO minimum parameter set of every property of a large demo town.

Builds the demo town (scale 500: about 1,000,000 addresses), derives building, floor,
close and property type as the importer does, then times
``ParameterEngine.all_minimum_sets()`` (walls, cottage blocks and gardens from the
plots layer) and checks every property's set against the generator's ground truth.
Goal: under 60 s for the minimum sets on this 2-core machine.

    python bench/parameters.py [--scale 500] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from geo_era.analysis.minimum_set import ParameterEngine
from geo_era.data.dwellings import derive_dwelling_columns
from geo_era.demo.demotown import build_demo_town

GOAL_S = 60.0


def truth_pairs(truth: pd.DataFrame) -> pd.DataFrame:
    exploded = truth[["property_id", "minimum_set"]].explode("minimum_set").dropna()
    return pd.DataFrame({"property_id": exploded["property_id"].astype(str).to_numpy(),
                         "member_id": exploded["minimum_set"].astype(str).to_numpy()})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=500.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    started = time.perf_counter()
    town = build_demo_town(scale=args.scale, seed=args.seed)
    built = time.perf_counter() - started
    props = town.layers["properties"]
    started = time.perf_counter()
    derived, _ = derive_dwelling_columns(props, town.layers["buildings"])
    t_derive = time.perf_counter() - started
    print(f"demo town scale {args.scale:g}: {len(props):,} addresses, "
          f"{len(town.layers['buildings']):,} buildings, {len(town.layers['plots']):,} plots "
          f"(built in {built:.1f} s)")
    print(f"  derive building, floor, close and type   {t_derive:7.2f} s")

    started = time.perf_counter()
    engine = ParameterEngine(derived, town.layers["buildings"], plots=town.layers["plots"])
    long_form = engine.all_minimum_sets()
    t_sets = time.perf_counter() - started
    got = long_form[["property_id", "member_id"]].drop_duplicates()
    print(f"  minimum sets of every property           {t_sets:7.2f} s  "
          f"({len(got):,} property-member pairs)")

    expected = truth_pairs(town.truth)
    merged = got.merge(expected, how="outer", indicator=True)
    wrong = merged[merged["_merge"] != "both"]
    types = town.truth.set_index("property_id")["property_type"]
    type_ok = (derived.set_index("property_id")["property_type"].reindex(types.index)
               == types)
    per_type = pd.DataFrame({
        "properties": types.value_counts(),
        "sets_equal_truth": types[~types.index.isin(wrong["property_id"])].value_counts(),
    }).fillna(0).astype(int)
    print("\n  per property type (sets equal to the generator's ground truth):")
    for name, row in per_type.iterrows():
        print(f"    {name:<18} {row['sets_equal_truth']:>9,} / {row['properties']:,}")
    failures = []
    if len(wrong):
        failures.append(f"{wrong['property_id'].nunique():,} properties' sets differ from truth")
    if not type_ok.all():
        failures.append(f"{int((~type_ok).sum()):,} derived property types differ")
    verdict = "met" if t_sets < GOAL_S else "NOT met"
    print(f"\n  derived property types equal to truth: {int(np.sum(type_ok)):,} / {len(type_ok):,}")
    print(f"  goal: minimum sets under {GOAL_S:g} s -> {verdict} ({t_sets:.1f} s)")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("results checked: every set equals the ground truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
