"""FICTIONAL fixtures of the Care Inspectorate import, written by this script: a
datastore CSV with the real datastore's column names (``MDSF_data_<date>.csv``: CSNumber,
ServiceName, ServiceType, CareService, Subtype, ..., Service_Postcode, ...) in
Windows-1252 as published, and postcode files in the layouts of Code-Point Open (no
header row) and the ONS Postcode Directory (both generations of its column names).

Every service, name and postcode is FICTIONAL: the postcode area ``ZZ`` is not used in
the UK. The coordinates lie in central Scotland (EPSG:27700, metres).

Run ``python -m tests.data.care_inspectorate_fixtures FOLDER`` to write them to FOLDER.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

#: The datastore's columns, in the order the published file has them (a subset: those
#: geo_era reads and some it does not).
COLUMNS = ("CSNumber", "ServiceName", "ServiceType", "CareService", "Subtype",
           "ServiceProvider", "Address_line_1", "Service_town", "Service_Postcode",
           "Council_Area_Name", "ServiceStatus", "Client_group")
#: (CSNumber, ServiceName, CareService, Subtype, Service_Postcode, ServiceStatus)
SERVICES = (
    ("CS0000000001", "FICTIONAL Wee Acorns Nursery", "Day Care of Children",
     "Day Care of Children (under 3s)", "ZZ1 1AA", "Active"),
    ("CS0000000002", "FICTIONAL A. Person", "Child Minding", "Child Minding", "", "Active"),
    ("CS0000000003", "FICTIONAL Cèilidh House", "Care Home Service", "Older People",
     "zz1 1ab", "Active"),
    ("CS0000000004", "FICTIONAL Outreach", "Support Service", "Care at Home", "ZZ1 1AA",
     "Active"),
    ("CS0000000005", "FICTIONAL Rowan Lodge", "Care Home Service",
     "Children & Young People", "ZZ9 9ZZ", "Active"),
    ("CS0000000006", "FICTIONAL Little Steps", "Day Care of Children",
     "Day Care of Children (over 3s)", "ZZ1 1AD", "Active"),
    ("CS0000000001", "FICTIONAL Wee Acorns Nursery (again)", "Day Care of Children",
     "Day Care of Children (under 3s)", "ZZ1 1AA", "Active"),
    ("CS0000000007", "FICTIONAL B. Person", "Child Minding", "Child Minding", "ZZ11AE",
     "Active"),
    ("CS0000000008", "FICTIONAL Playhouse", "Day Care of Children",
     "Day Care of Children (over 3s)", "NOT A PC", "Active"),
    ("CS0000000009", "FICTIONAL Closed Nursery", "Day Care of Children",
     "Day Care of Children (under 3s)", "ZZ1 1AA", "Cancelled"),
)
#: Code-Point Open rows: postcode (7 characters, as Code-Point writes it), positional
#: quality, eastings, northings, country, NHS region, NHS health board, county, district,
#: ward. Quality 90: no coordinates.
CODE_POINT = (
    ("ZZ1 1AA", "10", "325100", "673100", "S92000003", "", "S08000024", "", "S12000036",
     "S13002929"),
    ("ZZ1 1AB", "10", "325200", "673200", "S92000003", "", "S08000024", "", "S12000036",
     "S13002929"),
    ("ZZ1 1AD", "90", "0", "0", "S92000003", "", "", "", "", ""),
    ("ZZ1 1AE", "20", "325300", "673050", "S92000003", "", "S08000024", "", "S12000036",
     "S13002929"),
    ("ZZ2 2BB", "10", "326000", "674000", "S92000003", "", "", "", "", ""),
)
#: The same places as the ONS Postcode Directory gives them, in its current column names
#: and in those before 2025 (``oseast1m``...); grid reference indicator 9: none.
ONSPD_HEADER = ("pcd7", "pcd8", "pcds", "dointr", "doterm", "usrtypind", "east1m",
                "north1m", "gridind")
ONSPD_OLD_HEADER = ("pcd", "pcd2", "pcds", "dointr", "doterm", "usertype", "oseast1m",
                    "osnrth1m", "osgrdind")


def _onspd_rows() -> list[tuple[str, ...]]:
    rows = []
    for code, quality, east, north, *_ in CODE_POINT:
        pcds = f"{code[:-3].strip()} {code[-3:]}"
        none = quality == "90"
        rows.append((code, f"{code[:-3]:<4} {code[-3:]}", pcds, "202401", "", "0",
                     "" if none else east, "" if none else north, "9" if none else "1"))
    return rows


def write_fixtures(folder: Path) -> dict[str, Path]:
    """Write the fixtures to ``folder``; their paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"datastore": folder / "MDSF_data_31 October 2026.csv",
             "code_point": folder / "zz.csv", "onspd": folder / "ONSPD_NOV_2026_UK.csv",
             "onspd_old": folder / "ONSPD_MAY_2024_UK.csv"}
    with paths["datastore"].open("w", encoding="cp1252", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for number, name, kind, subtype, postcode, status in SERVICES:
            writer.writerow((number, name, "Private", kind, subtype,
                             "FICTIONAL Care Ltd", "1 FICTIONAL Street", "FICTIONAL TOWN",
                             postcode, "FICTIONAL Council", status,
                             "Adults" if kind == "Care Home Service" else "Children"))
    with paths["code_point"].open("w", encoding="ascii", newline="") as out:
        csv.writer(out).writerows(CODE_POINT)
    for key, header in (("onspd", ONSPD_HEADER), ("onspd_old", ONSPD_OLD_HEADER)):
        with paths[key].open("w", encoding="ascii", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(_onspd_rows())
    return paths


if __name__ == "__main__":
    for name, path in write_fixtures(Path(sys.argv[1])).items():
        print(f"{name}: {path}")
