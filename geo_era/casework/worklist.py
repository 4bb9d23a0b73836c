"""What an agency still has to record on open cases (a start page's "waiting for your
agency"): for each case it takes part in, each candidate whose 3.7 database checks from
it are incomplete, and its agreement or disagreement (3.11) while it has not said.

It reads cases already listed to the caller (and audited as consulted then: see
:func:`geo_era.casework.cases.list_cases`); it names nothing the list did not.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select
from sqlalchemy.orm import selectinload

from geo_era.casework.cases import Checklists, database_checklist
from geo_era.db.store import Case, session_scope


def _case_ids(references: Sequence[str]) -> list[int]:
    """The store ids of case references such as ``ERA-000042`` (others are ignored)."""
    ids = []
    for reference in references:
        prefix, _, number = reference.partition("-")
        if prefix == "ERA" and number.isdigit():
            ids.append(int(number))
    return ids


def waiting_for(engine: Engine, agency: str, references: Sequence[str], *,
                checklists: Checklists | None = None) -> dict[str, list[str]]:
    """For each case of ``references`` that ``agency`` takes part in and has work left
    on: what is left, in words ("3.7 database checks for DT-0000064: 2 of 5 to
    record", "agreement or disagreement (3.11)"; for the lead agency of a case decided
    manageable, the move in). Cases with nothing left are absent."""
    ids = _case_ids(references)
    if not ids:
        return {}
    waiting: dict[str, list[str]] = {}
    with session_scope(engine) as session:
        cases = session.scalars(select(Case).where(Case.id.in_(ids))
                                .options(selectinload(Case.agencies),
                                         selectinload(Case.checks),
                                         selectinload(Case.properties),
                                         selectinload(Case.decisions),
                                         selectinload(Case.moves))).all()
        for case in cases:
            part = next((a for a in case.agencies if a.agency == agency), None)
            if part is None:
                continue
            if case.status != "open":  # decided: the lead agency records the move in
                if agency == case.lead_agency and not case.moves and any(
                        d.manageable for d in case.decisions):
                    waiting[case.reference] = ["the move in, when the subject moves (3.11)"]
                continue
            left = _checks_left(case, agency, checklists)
            if part.agrees is None:
                left.append("agreement or disagreement (3.11)")
            if left:
                waiting[case.reference] = left
    return waiting


def _checks_left(case: Case, agency: str, checklists: Checklists | None) -> list[str]:
    wanted = database_checklist(agency, case.authority, checklists)
    if not wanted:
        return []
    left = []
    for prop in case.properties:
        done = {c.item for c in case.checks if c.agency == agency and c.kind == "database"
                and c.property_id == prop.property_id}
        missing = [item for item in wanted if item not in done]
        if missing:
            left.append(f"3.7 database checks for {prop.property_id}: {len(missing)} of "
                        f"{len(wanted)} to record")
    return left
