"""FICTIONAL AddressBase Plus and Premium CSV files for tests, placed on buildings of the
demo town (scale 1, seed 0): one close of 8 tenement flats, a tower (multi-storey
flats), a block of 4 cottage flats and a shared house (an HMO), each address point the
demo's own, with their flats under one parent UPRN per building; and records AddressBase
holds that are not dwellings (the parent property shells, a lock-up garage, a shop, a
demolished house), which the import drops.

The Plus file follows the product's 77-field layout (with its header row, or without as
OS supplies it); the Premium file its record types 10, 15, 21, 23, 24, 28, 32 and 99
(:mod:`geo_era.data.addressbase`). UPRNs 9060... and postcodes IV99 are FICTIONAL.

    python -m tests.data.make_addressbase OUT_DIR
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo_era.data.addressbase import PLUS_FIELDS, PREMIUM_FIELDS
from geo_era.demo.demotown import DemoTown, build_demo_town

UPRN_BASE = 906_000_000_000
PARENT_BASE = 906_100_000_000
POSTCODE = "IV99 1AB"
_ADDRESS = re.compile(r"^(?:(?P<sub>.+?),? )?(?P<number>\d+[A-Z]?) (?P<street>[^,]+), "
                      r"(?P<town>[^,]+)$")


@dataclass
class Chosen:
    """The demo dwellings written, and each one's UPRN."""

    property_ids: list[str]
    kind: dict[str, str]  # property id -> tenement / tower / cottage / shared
    uprn: dict[str, str]  # property id -> UPRN

    def demo_id(self) -> dict[str, str]:
        return {u: p for p, u in self.uprn.items()}


def choose(town: DemoTown) -> Chosen:
    """The dwellings of one 8-flat tenement close, the smallest tower, the first cottage
    block and the first shared house of the demo town."""
    truth = town.truth
    tenement = truth[truth["property_type"] == "tenement_flat"]
    sizes = tenement.groupby("close_key").size()
    close = sizes.index[sizes == 8][0]
    picks = {"tenement": tenement.index[tenement["close_key"] == close]}
    towers = truth[truth["property_type"] == "multi_storey_flat"]
    smallest = towers.groupby("building_id").size().idxmin()
    picks["tower"] = towers.index[towers["building_id"] == smallest]
    cottages = truth[truth["property_type"] == "cottage_flat"]
    picks["cottage"] = cottages.index[cottages["building_id"] == cottages["building_id"].iloc[0]]
    shared = truth[truth["property_type"] == "shared"]
    picks["shared"] = shared.index[:1]
    ids: list[str] = []
    kind: dict[str, str] = {}
    for name, rows in picks.items():
        for pid in truth.loc[rows, "property_id"].astype(str):
            ids.append(pid)
            kind[pid] = name
    return Chosen(ids, kind, {pid: str(UPRN_BASE + k + 1) for k, pid in enumerate(ids)})


def _records(town: DemoTown, chosen: Chosen) -> list[dict[str, str]]:
    """One dict of AddressBase Plus fields per record: the dwellings, their parents and
    the records that are not dwellings."""
    props = town.layers["properties"].set_index("property_id")
    truth = town.truth.set_index("property_id")
    parents: dict[str, str] = {}
    out = []
    for pid in chosen.property_ids:
        found = _ADDRESS.match(str(props.loc[pid, "address"]))
        assert found, props.loc[pid, "address"]
        point = props.loc[pid, "geometry"]
        kind = chosen.kind[pid]
        building = str(truth.loc[pid, "building_id"])
        parent = ""
        if kind != "shared":
            parent = parents.setdefault(building, str(PARENT_BASE + len(parents) + 1))
        out.append({
            "UPRN": chosen.uprn[pid], "CLASS": "RH03" if kind == "shared" else "RD06",
            "PARENT_UPRN": parent, "X_COORDINATE": f"{point.x:.2f}",
            "Y_COORDINATE": f"{point.y:.2f}",
            "SUB_BUILDING_NAME": (found["sub"] or "").upper(),
            "BUILDING_NUMBER": found["number"], "THOROUGHFARE": found["street"].upper(),
            "POST_TOWN": found["town"].upper(), "POSTCODE": POSTCODE,
            # the shared house's TOID is its building's id (as a MasterMap import names
            # buildings); the others' TOIDs are in no buildings layer held
            "OS_TOPO_TOID": building if kind == "shared" else f"osgb5{pid[-7:]}"})
    first = out[0]
    for building, parent in parents.items():
        shell = dict(first, UPRN=parent, CLASS="PP", PARENT_UPRN="", SUB_BUILDING_NAME="",
                     OS_TOPO_TOID=f"osgb6{building[-7:]}")
        out.append(shell)
    extra = [("906200000001", "RG02", "1"), ("906200000002", "CR01", "2"),
             ("906200000003", "RD04", "4")]
    for uprn, code, state in extra:
        out.append(dict(first, UPRN=uprn, CLASS=code, PARENT_UPRN="", STATE=state,
                        SUB_BUILDING_NAME="", BUILDING_NUMBER="1", OS_TOPO_TOID=""))
    for record in out:
        record.setdefault("STATE", "2")
        record.update(CHANGE_TYPE="I", COUNTRY="S", LOGICAL_STATUS="1",
                      LOCAL_CUSTODIAN_CODE="9000")
    return out


def write_plus(records: list[dict[str, str]], path: Path, *, header: bool = True) -> Path:
    """An AddressBase Plus CSV of the records (77 fields; the header row when asked)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        if header:
            writer.writerow(PLUS_FIELDS)
        for record in records:
            writer.writerow([record.get(name, "") for name in PLUS_FIELDS])
    return path


def write_premium(records: list[dict[str, str]], path: Path) -> Path:
    """An AddressBase Premium CSV of the records: a header (10), one street descriptor
    (15) per street, and per record its BLPU (21), TOPO cross reference (23), LPI (24),
    delivery point (28) and classification (32); a trailer (99). The shop has no DPA, so
    its address comes from its LPI and street."""
    path.parent.mkdir(parents=True, exist_ok=True)
    streets = {street: str(7_000_000 + k) for k, street in
               enumerate(sorted({r["THOROUGHFARE"] for r in records}))}

    def row(record_id: str, **values: str) -> list[str]:
        return [values.get(name, "") for name in PREMIUM_FIELDS[record_id]] if \
            record_id in PREMIUM_FIELDS else [record_id, *values.values()]

    lines: list[list[str]] = [["10", "FICTIONAL", "9000", "2026-12-01", "1", "2026-12-01",
                               "00:00:00", "2.0", "F"]]
    for street, usrn in streets.items():
        lines.append(row("15", RECORD_IDENTIFIER="15", CHANGE_TYPE="I", USRN=usrn,
                         STREET_DESCRIPTION=street.title(), TOWN_NAME="Inverallan",
                         LANGUAGE="ENG"))
    for r in records:
        common = {"CHANGE_TYPE": "I", "UPRN": r["UPRN"]}
        lines.append(row("21", RECORD_IDENTIFIER="21", LOGICAL_STATUS="1",
                         BLPU_STATE=r["STATE"], PARENT_UPRN=r["PARENT_UPRN"],
                         X_COORDINATE=r["X_COORDINATE"], Y_COORDINATE=r["Y_COORDINATE"],
                         POSTCODE_LOCATOR=POSTCODE, **common))
        if r["OS_TOPO_TOID"]:
            lines.append(row("23", RECORD_IDENTIFIER="23", CROSS_REFERENCE=r["OS_TOPO_TOID"],
                             SOURCE="7666MT", **common))
        lines.append(row("24", RECORD_IDENTIFIER="24", LANGUAGE="ENG", LOGICAL_STATUS="1",
                         SAO_TEXT=r["SUB_BUILDING_NAME"], PAO_START_NUMBER=r["BUILDING_NUMBER"],
                         USRN=streets[r["THOROUGHFARE"]], **common))
        if r["CLASS"] not in {"CR01", "RH03"}:
            lines.append(row("28", RECORD_IDENTIFIER="28",
                             SUB_BUILDING_NAME=r["SUB_BUILDING_NAME"],
                             BUILDING_NUMBER=r["BUILDING_NUMBER"],
                             THOROUGHFARE=r["THOROUGHFARE"], POST_TOWN=r["POST_TOWN"],
                             POSTCODE=POSTCODE, **common))
        lines.append(row("32", RECORD_IDENTIFIER="32", CLASSIFICATION_CODE=r["CLASS"],
                         CLASS_SCHEME="AddressBase Premium Classification Scheme",
                         SCHEME_VERSION="1.0", **common))
    lines.append(["99", "0", str(len(lines) + 1), "2026-12-01", "00:00:00"])
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(lines)
    return path


def write_fixtures(out: Path, town: DemoTown | None = None) -> tuple[dict[str, Path], Chosen]:
    """The Plus (with and without its header) and Premium files, and what they hold."""
    town = town or build_demo_town(scale=1.0, seed=0)
    chosen = choose(town)
    records = _records(town, chosen)
    files = {"plus": write_plus(records, out / "addressbase_plus.csv"),
             "plus_no_header": write_plus(records, out / "AB_PLUS_9000.csv", header=False),
             "premium": write_premium(records, out / "addressbase_premium.csv")}
    return files, chosen


def records_frame(path: Path) -> pd.DataFrame:
    """A written Plus file read back (tests alter it to make bad input)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


if __name__ == "__main__":
    written, _ = write_fixtures(Path(sys.argv[1]))
    print("\n".join(str(p) for p in written.values()))
