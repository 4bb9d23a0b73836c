"""Benchmark: live voids at national scale (NASSO 5.3, 3.12). A Link Officer publishes
one void (or marks one let) and the allocation check is asked about it again, as the
running service does it (:mod:`geo_era.services.live_voids`: the void event written
with its audit entry, the ``VoidIndex`` updated in place, the allocation check from the
neighbourhoods cached for the data version), against today's way: the properties layer
imported again with that one ``is_void`` changed, the layers loaded again, and the
allocation check made from nothing.

Data: the national store of ``bench/national.py`` (about 2.6 million addresses; built
by it first when ``--home`` has none). The case store is a fresh SQLite file.

Timed, each in a fresh process:

1. **live**: the service loaded (timed apart: load, the void index built, every
   housed subject's neighbourhoods built for the cache); then ``--repeat`` times, for a property
   in a housed subject's minimum set (which must be flagged) and for one anywhere
   else: publish + the allocation check of that void, then let + the check. Goal:
   median under 50 ms for each.
2. **re-import** (today's way, once): the properties layer written with the changed
   ``is_void`` (not timed), then imported, loaded and checked. The answer for the void
   must equal the live one.

Writes ``--json`` (default ``bench/out/voids.json``) for ``bench/results.py``.

    python bench/voids.py [--home bench/out/national] [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import run_step, write_json

from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.housing.live_voids import AVAILABLE, LET
from geo_era.services import Caller, Services, housing, live_voids
from geo_era.settings import Settings

GOAL_MS = 50.0
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
WHY = "FICTIONAL: benchmark of live voids"
OMU = Caller("bench.omu", "omu_analyst", "FICTIONAL Police OMU")


def fresh_services(home: Path, cases: Path) -> Services:
    """The services over ``home`` with an empty SQLite case store at ``cases``."""
    cases.unlink(missing_ok=True)
    return Services(Settings(home=home, database_url=f"sqlite:///{cases}"))


def check_of(services: Services, pid: str) -> dict[str, Any]:
    """The allocation check of one void, as the Responsible Authorities see it."""
    answer = housing.allocation_check(services, OMU, justification=WHY, voids=[pid])
    document: dict[str, Any] = answer.model_dump(mode="json")["voids"][0]
    return document


def candidates(services: Services, count: int) -> dict[str, list[tuple[str, str]]]:
    """(property id, landlord) of ``count`` properties in a housed subject's minimum set
    and ``count`` others, none a void now, each with a landlord."""
    snap = services.workspace.snapshot()
    state = services.live_voids
    _, hoods = state.allocations.get(snap, services.engine)
    live = state.live_mask(snap)
    rng = np.random.default_rng(0)
    near = np.unique(hoods.member)
    near = near[~live[near]]
    near = near[[bool(state.landlord(int(r))) for r in near]]
    anywhere = rng.choice(snap.properties.size, size=count * 20, replace=False)
    anywhere = np.setdiff1d(anywhere[~live[anywhere]], np.unique(hoods.member))
    anywhere = anywhere[[bool(state.landlord(int(r))) for r in anywhere]]

    def pick(rows: np.ndarray) -> list[tuple[str, str]]:
        chosen = rng.choice(rows, size=min(count, len(rows)), replace=False)
        return [(str(snap.properties.ids[r]), state.landlord(int(r))) for r in chosen]

    return {"near": pick(near), "elsewhere": pick(anywhere)}


def step_live(home: Path, repeat: int) -> dict[str, Any]:
    services = fresh_services(home, OUT / "voids-cases.db")
    started = time.perf_counter()
    snap = services.workspace.snapshot()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    services.live_voids.sync(snap, services.engine, services.layers)
    index_s = time.perf_counter() - started
    started = time.perf_counter()  # every housed subject's neighbourhoods, once
    services.live_voids.allocations.get(snap, services.engine)
    first_check_s = time.perf_counter() - started
    picked = candidates(services, repeat)
    out: dict[str, Any] = {"load_s": load_s, "index_s": index_s,
                           "first_check_s": first_check_s,
                           "live_voids": len(services.live_voids.void_list(snap))}
    flagged_ok = True
    answers: dict[str, Any] = {}
    for kind, chosen in picked.items():
        publish_ms, let_ms = [], []
        for pid, landlord in chosen:
            link = Caller("bench.link", "rsl_link_officer", landlord)
            started = time.perf_counter()
            done = live_voids.change(services, link, status=AVAILABLE, voids=[pid],
                                     justification=WHY)
            checked = check_of(services, pid)
            publish_ms.append((time.perf_counter() - started) * 1000)
            flagged_ok &= len(done.recorded) == 1 and (
                checked["sensitive_allocation"] is (kind == "near")
                or kind == "elsewhere")
            answers.setdefault(kind, (pid, checked))
            started = time.perf_counter()
            live_voids.change(services, link, status=LET, voids=[pid], justification=WHY)
            check_of(services, pid)
            let_ms.append((time.perf_counter() - started) * 1000)
            flagged_ok &= not services.live_voids.is_live(pid)
        out[kind] = {"count": len(chosen), "publish_check_ms": publish_ms,
                     "let_check_ms": let_ms,
                     "publish_check_median_ms": statistics.median(publish_ms),
                     "let_check_median_ms": statistics.median(let_ms)}
    out["flagged_as_expected"] = flagged_ok
    out["rebuilds"] = services.live_voids.rebuilds
    out["neighbourhood_builds"] = services.live_voids.allocations.builds
    out["answer"] = {"property_id": answers["near"][0], "check": answers["near"][1]}
    services.engine.dispose()
    return out


def step_reimport(home: Path, pid: str) -> dict[str, Any]:
    """Today's way: the properties layer imported again with ``pid`` void, reloaded,
    checked from nothing (on a copy of the store)."""
    copy = OUT / "voids-reimport"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(home, copy)
    source = OUT / "voids-reimport-source"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    props = LayerStore(copy).read("properties")
    props.loc[props["property_id"] == pid, "is_void"] = True
    props.to_parquet(source / "properties.parquet")
    del props
    started = time.perf_counter()
    import_files([source / "properties.parquet"], store=LayerStore(copy))
    import_s = time.perf_counter() - started
    services = fresh_services(copy, OUT / "voids-reimport-cases.db")
    services.workspace.snapshot()
    load_s = time.perf_counter() - started - import_s
    checked = check_of(services, pid)
    total_s = time.perf_counter() - started
    services.engine.dispose()
    shutil.rmtree(copy, ignore_errors=True)
    shutil.rmtree(source, ignore_errors=True)
    return {"import_s": import_s, "load_s": load_s,
            "check_s": total_s - import_s - load_s, "total_s": total_s, "check": checked}


def in_child(args: list[str]) -> dict[str, Any]:
    return run_step(__file__, args)

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=OUT / "national")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path, default=OUT / "voids.json")
    parser.add_argument("--step", choices=["live", "reimport"], help=argparse.SUPPRESS)
    parser.add_argument("--pid", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "live":
        print(json.dumps(step_live(args.home, args.repeat), default=str))
        return 0
    if args.step == "reimport":
        print(json.dumps(step_reimport(args.home, args.pid), default=str))
        return 0
    if not (args.home / "catalog.json").exists():
        print("no national store: building it with bench/national.py ...", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "national.py"), "--home",
                        str(args.home)], check=True, cwd=ROOT)
    live = in_child(["--step", "live", "--home", str(args.home), "--repeat",
                     str(args.repeat)])
    pid = live["answer"]["property_id"]
    redone = in_child(["--step", "reimport", "--home", str(args.home), "--pid", pid])
    identical = live["answer"]["check"] == redone["check"]
    near, elsewhere = live["near"], live["elsewhere"]
    worst = max(near["publish_check_median_ms"], near["let_check_median_ms"],
                elsewhere["publish_check_median_ms"], elsewhere["let_check_median_ms"])
    rows = [
        {"task": "publish one void + its allocation check (near a housed subject)",
         "method": "live: void event, VoidIndex in place, cached neighbourhoods",
         "seconds": near["publish_check_median_ms"] / 1000, "identical": identical,
         "note": f"{near['publish_check_median_ms']:.1f} ms, median of {near['count']}"},
        {"task": "let one void + its allocation check (near a housed subject)",
         "method": "live", "seconds": near["let_check_median_ms"] / 1000, "identical": "",
         "note": f"{near['let_check_median_ms']:.1f} ms, median of {near['count']}"},
        {"task": "publish one void + its allocation check (elsewhere)", "method": "live",
         "seconds": elsewhere["publish_check_median_ms"] / 1000, "identical": "",
         "note": f"{elsewhere['publish_check_median_ms']:.1f} ms, median of "
                 f"{elsewhere['count']}"},
        {"task": "let one void + its allocation check (elsewhere)", "method": "live",
         "seconds": elsewhere["let_check_median_ms"] / 1000, "identical": "",
         "note": f"{elsewhere['let_check_median_ms']:.1f} ms, median of "
                 f"{elsewhere['count']}"},
        {"task": "publish one void + its allocation check (near a housed subject)",
         "method": "today: re-import of the properties layer, reload, check",
         "seconds": redone["total_s"], "identical": None,
         "note": f"import {redone['import_s']:.1f} s, load {redone['load_s']:.1f} s, "
                 f"check {redone['check_s']:.1f} s"},
    ]
    figures = {
        "name": "voids",
        "data": {"live voids": live["live_voids"]},
        "rows": rows,
        "ratios": {"reimport_vs_live": redone["total_s"] * 1000
                   / near["publish_check_median_ms"]},
        "setup": {"load_s": live["load_s"], "index_s": live["index_s"],
                  "first_check_s": live["first_check_s"]},
        "goal_ms": GOAL_MS, "worst_median_ms": worst, "identical": identical,
        "flagged_as_expected": live["flagged_as_expected"],
        "index_rebuilds": live["rebuilds"],
        "neighbourhood_builds": live["neighbourhood_builds"], "live": live,
        "reimport": {k: v for k, v in redone.items() if k != "check"},
    }
    write_json(args.json, "voids", figures)
    print(f"service loaded in {live['load_s']:.1f} s; void index {live['index_s']:.2f} s; "
          f"neighbourhoods of every home cached in {live['first_check_s']:.1f} s")
    for kind in ("near", "elsewhere"):
        f = live[kind]
        print(f"{kind}: publish + check median {f['publish_check_median_ms']:.1f} ms, "
              f"let + check median {f['let_check_median_ms']:.1f} ms ({f['count']} each)")
    print(f"today's way (re-import + reload + check): {redone['total_s']:.1f} s "
          f"(import {redone['import_s']:.1f}, load {redone['load_s']:.1f}, check "
          f"{redone['check_s']:.1f}); same answer: {'yes' if identical else 'NO'}")
    ok = (worst < GOAL_MS and identical and live["flagged_as_expected"]
          and live["rebuilds"] == 1 and live["neighbourhood_builds"] == 1)
    print(f"goal: under {GOAL_MS:g} ms: worst median {worst:.1f} ms: "
          f"{'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
