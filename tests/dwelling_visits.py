"""A shared step for tests that take a demo case to Part C: every dwelling of a
candidate's minimum set visited (NASSO 3.8, 3.9), as approval now needs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from geo_era import clock
from geo_era.casework.cases import show_case
from geo_era.casework.dwellings import record_dwelling
from tests.conftest import officer


def visit_every_dwelling(engine: Engine, case_id: str, property_id: str, *,
                         agency: str = "police_scotland",
                         seen_on: dt.date | None = None) -> int:
    """Record ``does_not_fit`` for every dwelling (and occupant) of ``property_id``'s set
    as it stands on the case; the number of outcomes recorded."""
    case = show_case(engine, case_id, actor=officer())
    current = next(s for s in case["minimum_sets"] if s["property_id"] == property_id)
    recorded = 0
    for member in current["members"]:
        occupants: list[str | None] = [None]
        if member["shared"]:
            occupants = [str(k) for k in range(1, (member["occupants"] or 1) + 1)]
        for occupant in occupants:
            record_dwelling(engine, case_id, agency=agency, property_id=property_id,
                            dwelling_id=member["dwelling_id"], occupant=occupant,
                            outcome="does_not_fit", seen_on=seen_on or clock.today(),
                            notes="FICTIONAL: no sign of the victim profile",
                            actor=officer("omu"))
            recorded += 1
    return recorded
