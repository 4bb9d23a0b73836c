"""Benchmark: a national-size OS AddressBase Plus CSV (about 2.6 million records,
FICTIONAL) imported as the properties layer, beside the import of the same dwellings
from geo_era's own contract file.

The file is made from the national synthetic data set (``geo-era demo-data --scale
national``): each demo address as an AddressBase Plus record in the product's 77-field
layout, without a header row as OS supplies it (UPRN, class from the demo's property
type, a parent UPRN per building of flats, the address split into sub-building name,
number, thoroughfare and post town, X/Y), with a parent property shell (class ``PP``)
per building of flats and a lock-up garage (``RG02``) per 50 dwellings, which the import
drops. Each step runs in a fresh process whose peak resident memory (``VmHWM``) is read
at its end, with the peak of the import's own reading child (the import sandbox):

1. **write**: the data set generated; the AddressBase CSV written in chunks; the demo's
   buildings and streets imported into two stores, and its properties kept as the
   contract's ``properties.parquet``.
2. **addressbase**: ``import --format addressbase`` of the CSV through the services (an
   audited import; read in chunks, then validated, buildings, floors, closes derived).
   The time and peak of the chunked reading alone are reported apart.
3. **contract**: the import of the same dwellings from ``properties.parquet`` (the
   demo's own contract file) into the other store, as ``geo-era import`` does it.

Writes ``--json`` (default ``bench/out/national_import.json``).

    python bench/national_import.py [--rows 2600000] [--out bench/out/national_import]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from common import run_step, write_json
from pyproj import Transformer

from geo_era.contract.schema import BNG
from geo_era.data.addressbase import PLUS_FIELDS, read_addressbase
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.data.sandbox import ImportLimits
from geo_era.demo.demotown import NATIONAL_SCALE, NATIONAL_TOWNS, build_demo_town, write_demo_town
from geo_era.services import Caller, Services
from geo_era.services import data as data_services
from geo_era.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
#: Addresses of the national data set at NATIONAL_SCALE.
NATIONAL_ADDRESSES = 2_592_233
#: The import's memory limit for its reading child, MiB (GEO_ERA_IMPORT_MEMORY_MB).
IMPORT_MEMORY_MB = 12_288
#: Bounded memory: the import's peak (its process or its reading child) at most this
#: many times the contract import's of the same dwellings: the chunked reading of the
#: CSV's 77 fields adds little to what validating and deriving the layer takes.
GOAL_RATIO = 1.25
#: Issue 23: the national AddressBase import within a minute and 4 GB (peak resident
#: memory of the import's process or its reading child).
GOAL_SECONDS = 60.0
GOAL_GB = 4.0
CHUNK = 250_000
UPRN_BASE = 906_000_000_000
_ADDRESS = (r"^(?:(?P<sub>.+?),? )?(?P<number>\d+[A-Z]?) (?P<street>[^,]+), "
            r"(?P<town>[^,]+)$")
CLASSES = {"tenement_flat": "RD06", "multi_storey_flat": "RD06", "cottage_flat": "RD06",
           "terraced": "RD04", "semi_detached": "RD03", "detached": "RD02", "shared": "RH03"}


def _status(field: str) -> float:
    text = Path("/proc/self/status").read_text(encoding="ascii")
    found = re.search(rf"{field}:\s+(\d+) kB", text)
    return int(found.group(1)) / 1024 / 1024 if found else float("nan")


def peak_gb() -> float:
    """This process's peak resident memory (VmHWM), GB."""
    return _status("VmHWM")


def children_peak_gb() -> float:
    """The largest peak resident memory of this process's finished children, GB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024


def plus_records(town: Any) -> pd.DataFrame:
    """The demo town's dwellings, their parents and garages as AddressBase Plus records
    (the fields used; the rest empty)."""
    props, truth = town.layers["properties"], town.truth
    parts = props["address"].astype(str).str.extract(_ADDRESS)
    n = len(props)
    kind = truth["property_type"].astype(str).to_numpy()
    flat = np.isin(kind, ["tenement_flat", "multi_storey_flat", "cottage_flat"])
    building = truth["building_id"].astype(str).to_numpy()
    codes, buildings = pd.factorize(pd.Series(building[flat]))
    parent = np.full(n, "", dtype=object)
    parent_base = UPRN_BASE + 10_000_000
    parent[flat] = (parent_base + codes + 1).astype(str)
    x, y = props.geometry.x.to_numpy(), props.geometry.y.to_numpy()
    dwellings = pd.DataFrame({
        "UPRN": (UPRN_BASE + np.arange(1, n + 1)).astype(str), "CHANGE_TYPE": "I",
        "STATE": "2", "CLASS": pd.Series(kind).map(CLASSES).to_numpy(), "PARENT_UPRN": parent,
        "X_COORDINATE": np.round(x, 2).astype(str), "Y_COORDINATE": np.round(y, 2).astype(str),
        "SUB_BUILDING_NAME": parts["sub"].fillna("").str.upper().to_numpy(),
        "BUILDING_NUMBER": parts["number"].fillna("").to_numpy(),
        "THOROUGHFARE": parts["street"].fillna("").str.upper().to_numpy(),
        "POST_TOWN": parts["town"].fillna("").str.upper().to_numpy(), "COUNTRY": "S"})
    _fill(dwellings, x, y)
    first_of = pd.Series(np.flatnonzero(flat)).groupby(codes).first().to_numpy()
    shells = dwellings.iloc[first_of].assign(
        UPRN=(parent_base + np.arange(1, len(buildings) + 1)).astype(str), CLASS="PP",
        PARENT_UPRN="", SUB_BUILDING_NAME="")
    garages = dwellings.iloc[::50].assign(
        UPRN=(UPRN_BASE + 20_000_000 + np.arange(len(dwellings.iloc[::50]))).astype(str),
        CLASS="RG02", PARENT_UPRN="", SUB_BUILDING_NAME="")
    return pd.concat([dwellings, shells, garages], ignore_index=True)


def _fill(records: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> None:
    """The other fields a real AddressBase Plus record carries (dates, codes, latitude and
    longitude, cross references, the LPI's copy of the address), so that the file is of
    a real one's size (about 400 bytes a record)."""
    lon, lat = Transformer.from_crs(BNG, "EPSG:4326", always_xy=True).transform(x, y)
    uprn = records["UPRN"]
    records["UDPRN"] = (uprn.astype("int64") - UPRN_BASE + 50_000_000).astype(str)
    records["LATITUDE"] = np.round(lat, 7).astype(str)
    records["LONGITUDE"] = np.round(lon, 7).astype(str)
    for name in ("STATE_DATE", "LA_START_DATE", "LAST_UPDATE_DATE", "ENTRY_DATE",
                 "RM_START_DATE"):
        records[name] = "2008-04-01"
    records["RPC"], records["LOCAL_CUSTODIAN_CODE"] = "1", "9000"
    records["SAO_TEXT"] = records["SUB_BUILDING_NAME"]
    records["PAO_START_NUMBER"] = records["BUILDING_NUMBER"]
    records["USRN"] = (pd.factorize(records["THOROUGHFARE"])[0] + 48_000_000).astype(str)
    records["USRN_MATCH_INDICATOR"], records["OFFICIAL_FLAG"] = "1", "Y"
    records["OS_ADDRESS_TOID"] = "osgb100000" + uprn.str[-10:]
    records["OS_TOPO_TOID"] = "osgb500000" + uprn.str[-10:]
    records["OS_ADDRESS_TOID_VERSION"] = records["OS_TOPO_TOID_VERSION"] = "5"
    records["STREET_DESCRIPTION"] = records["THOROUGHFARE"].str.title()
    records["TOWN_NAME"] = records["POST_TOWN"].str.title()
    records["ADMINISTRATIVE_AREA"] = "FICTIONAL COUNCIL"
    records["POSTCODE"] = records["POSTCODE_LOCATOR"] = "IV99 1AB"
    records["POSTCODE_TYPE"], records["DELIVERY_POINT_SUFFIX"] = "S", "1A"
    records["ADDRESSBASE_POSTAL"], records["MULTI_OCC_COUNT"] = "D", "0"
    records["WARD_CODE"] = "S13002999"


def write_plus(records: pd.DataFrame, path: Path) -> None:
    """The records in AddressBase Plus's 77-field layout, no header, in chunks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        for start in range(0, len(records), CHUNK):
            chunk = records.iloc[start:start + CHUNK].reindex(columns=list(PLUS_FIELDS),
                                                              fill_value="")
            chunk.to_csv(stream, header=False, index=False)


def step_write(out: Path, rows: int) -> dict[str, Any]:
    started = time.perf_counter()
    fraction = rows / NATIONAL_ADDRESSES
    town = build_demo_town(scale=NATIONAL_SCALE * fraction, seed=0,
                           towns=max(1, round(NATIONAL_TOWNS * fraction)))
    built = time.perf_counter() - started
    records = plus_records(town)
    csv_path = out / "source" / "AB_PLUS_FICTIONAL.csv"
    write_plus(records, csv_path)
    files = write_demo_town(town, out / "source" / "contract")
    base = [p for p in files if p.stem in {"buildings", "streets"}]
    for name in ("abp-home", "contract-home"):
        import_files(base, store=LayerStore(out / name))
    return {"build_s": built, "write_s": time.perf_counter() - started - built,
            "records": len(records), "dwellings": len(town.layers["properties"]),
            "csv_gb": csv_path.stat().st_size / 1e9, "peak_gb": peak_gb()}


def _services(home: Path) -> Services:
    return Services(Settings(home=home, import_memory_mb=IMPORT_MEMORY_MB,
                             import_seconds=3600))


def step_read(out: Path) -> dict[str, Any]:
    """The chunked read of the CSV alone (with the parse of its addresses), in a process
    of its own so that its peak is not counted in the import's."""
    started = time.perf_counter()
    read_addressbase(out / "source" / "AB_PLUS_FICTIONAL.csv", product="plus")
    return {"read_s": time.perf_counter() - started, "read_peak_gb": peak_gb()}


def step_addressbase(out: Path) -> dict[str, Any]:
    csv_path = out / "source" / "AB_PLUS_FICTIONAL.csv"
    services = _services(out / "abp-home")
    started = time.perf_counter()
    report = data_services.import_addressbase(services, Caller.operator("bench.fictional"),
                                              path=csv_path)
    return {"import_s": time.perf_counter() - started, "peak_gb": peak_gb(),
            "child_peak_gb": children_peak_gb(), "rows": report.rows,
            "dwellings": report.dwellings, "dropped": report.dropped,
            "records": report.records}


def step_contract(out: Path) -> dict[str, Any]:
    services = _services(out / "contract-home")
    started = time.perf_counter()
    report = import_files([out / "source" / "contract" / "properties.parquet"],
                          store=services.layers, limits=ImportLimits.of(services.settings))
    return {"import_s": time.perf_counter() - started, "peak_gb": peak_gb(),
            "child_peak_gb": children_peak_gb(), "rows": report.rows}


def in_child(step: str, out: Path, rows: int) -> dict[str, Any]:
    return run_step(__file__, ["--step", step, "--out", str(out), "--rows", str(rows)])

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_600_000,
                        help="about how many addresses (the national data set: 2.6 million)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "national_import")
    parser.add_argument("--json", type=Path,
                        default=ROOT / "bench" / "out" / "national_import.json")
    parser.add_argument("--step", choices=["write", "read", "addressbase", "contract"],
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        steps = {"write": lambda: step_write(args.out, args.rows),
                 "read": lambda: step_read(args.out),
                 "addressbase": lambda: step_addressbase(args.out),
                 "contract": lambda: step_contract(args.out)}
        print(json.dumps(steps[args.step](), default=str))
        return 0
    if args.out.exists():
        shutil.rmtree(args.out)
    figures = {"write": in_child("write", args.out, args.rows)}
    w = figures["write"]
    print(f"wrote {w['records']:,} AddressBase Plus records ({w['csv_gb']:.2f} GB; "
          f"{w['dwellings']:,} dwellings) in {w['build_s'] + w['write_s']:.0f} s", flush=True)
    figures["addressbase"] = {**in_child("read", args.out, args.rows),
                              **in_child("addressbase", args.out, args.rows)}
    a = figures["addressbase"]
    print(f"AddressBase import: {a['import_s']:.1f} s, peak {a['peak_gb']:.2f} GB (reading "
          f"child {a['child_peak_gb']:.2f} GB); chunked read alone {a['read_s']:.1f} s, peak "
          f"{a['read_peak_gb']:.2f} GB; {a['rows']}; dropped {a['dropped']}", flush=True)
    figures["contract"] = in_child("contract", args.out, args.rows)
    c = figures["contract"]
    print(f"contract import of the same dwellings: {c['import_s']:.1f} s, peak "
          f"{c['peak_gb']:.2f} GB (reading child {c['child_peak_gb']:.2f} GB); {c['rows']}")
    write_json(args.json, "national_import", {"rows_asked": args.rows,
                                              "goal_ratio": GOAL_RATIO,
                                              "goal_seconds": GOAL_SECONDS,
                                              "goal_gb": GOAL_GB, **figures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
