"""What a case records besides its checks and decisions, as the case document shows it:
its deadlines with every extension (NASSO 3.5, R22), what an out-of-area placement
needs besides consent (3.13, R65-R68), and where the full ERA is held (3.3, 3.11).

These are read from the case's own session (:func:`sqlalchemy.orm.object_session`), so
the case workflow (:mod:`geo_era.casework.cases`) shows them with one line and the steps
that record them (:mod:`geo_era.casework.extensions`, :mod:`geo_era.casework.out_of_area`)
stay apart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from geo_era.db.store import Case, DeadlineExtension, EraHolding, OutOfAreaRecord, PlacementMove

#: The grounds for placing out of area (NASSO 3.13), by code.
GROUNDS = {
    "no_manageable_housing": "manageable housing is not available in the placing "
                             "authority's area",
    "risk_in_placing_area": "the subject or others might be at risk if housed in the "
                            "placing authority's area",
    "other": "another exceptional reason (given in the details)",
}


def _session(case: Case) -> Session:
    session = object_session(case)
    if session is None:  # a case is only ever shown inside its transaction
        raise RuntimeError("a case's record is read inside its session")
    return session


def extensions_of(case: Case) -> list[DeadlineExtension]:
    """The case's deadline extensions, oldest first."""
    return list(_session(case).scalars(
        select(DeadlineExtension).where(DeadlineExtension.case_id == case.id)
        .order_by(DeadlineExtension.id)))


def _extension(row: DeadlineExtension) -> dict[str, Any]:
    return {"agency": row.agency, "previous_due": row.previous_due.isoformat(),
            "new_due": row.new_due.isoformat(), "reason": row.reason,
            "granted_as": row.granted_as, "recorded_by": row.recorded_by,
            "recorded_at": row.recorded_at.isoformat()}


def deadline_record(case: Case) -> dict[str, Any]:
    """The case list's view of its deadline: ``original_due`` (the date 3.5 gave when
    the case was opened) and ``extensions`` of the overall deadline; ``due`` stays the
    current one."""
    overall = [e for e in extensions_of(case) if e.agency is None]
    original = overall[0].previous_due if overall else case.due_on
    return {"original_due": original.isoformat(),
            "extensions": [_extension(e) for e in overall]}


def agency_deadlines(case: Case) -> dict[str, dict[str, Any]]:
    """Per agency with an extended deadline: its ``original_due`` and ``extensions``."""
    out: dict[str, dict[str, Any]] = {}
    for row in extensions_of(case):
        if row.agency is not None:
            entry = out.setdefault(row.agency, {"original_due": row.previous_due.isoformat(),
                                                "extensions": []})
            entry["extensions"].append(_extension(row))
    return out


def out_of_area_records(case: Case) -> list[OutOfAreaRecord]:
    return list(_session(case).scalars(
        select(OutOfAreaRecord).where(OutOfAreaRecord.case_id == case.id)
        .order_by(OutOfAreaRecord.id)))


def _latest(rows: list[OutOfAreaRecord], part: str) -> OutOfAreaRecord | None:
    found = [r for r in rows if r.part == part]
    return found[-1] if found else None


def out_of_area_record(case: Case) -> dict[str, Any] | None:
    """What the case records of an out-of-area placement (3.13): the receiving council's
    consent, the reason (the current one), the risk management plan (the current one;
    earlier versions under ``earlier_plans``) and every discussion between the councils;
    ``None`` when the case is not one."""
    if not (case.placing_authority and case.receiving_authority
            and case.placing_authority != case.receiving_authority):
        return None
    rows = out_of_area_records(case)
    reason, plan = _latest(rows, "reason"), _latest(rows, "plan")

    def who(row: OutOfAreaRecord) -> dict[str, Any]:
        return {"authority": row.authority, "recorded_by": row.recorded_by,
                "recorded_at": row.recorded_at.isoformat()}

    return {
        "placing_authority": case.placing_authority,
        "receiving_authority": case.receiving_authority,
        "consent": None if case.consent_recorded_at is None else {
            "authority": case.receiving_authority, "recorded_by": case.consent_recorded_by,
            "recorded_at": case.consent_recorded_at.isoformat()},
        "reason": None if reason is None else {
            "ground": reason.ground, "ground_text": GROUNDS.get(reason.ground or "", ""),
            "details": reason.text or None, **who(reason)},
        "plan": None if plan is None else {"plan": plan.text, **who(plan)},
        "earlier_plans": [{"plan": r.text, **who(r)} for r in rows
                          if r.part == "plan" and r is not plan],
        "discussions": [{"held_on": r.held_on.isoformat() if r.held_on else None,
                         "participants": r.participants, "agreed": r.text, **who(r)}
                        for r in rows if r.part == "discussion"],
    }


def missing_out_of_area(case: Case) -> list[str]:
    """What an out-of-area placement still lacks before Part C (3.13, R65-R68), each
    named with the command that records it; empty for any other case."""
    record = out_of_area_record(case)
    if record is None:
        return []
    placing, receiving = case.placing_authority, case.receiving_authority
    missing = []
    if record["consent"] is None:
        missing.append(f"the receiving authority's ({receiving}) consent to placing the "
                       f"subject from {placing} (geo-era case consent)")
    if record["reason"] is None:
        missing.append(f"the reason for placing out of area, recorded by {placing} "
                       "(geo-era case out-of-area --reason)")
    if record["plan"] is None:
        missing.append("a risk management plan for the placement, recorded by "
                       f"{placing} (geo-era case plan)")
    if not record["discussions"]:
        missing.append(f"a record of the discussion between {placing} and {receiving} "
                       "and what they agreed (geo-era case discussion)")
    return missing


def held_record(case: Case) -> dict[str, Any] | None:
    """Where the full ERA is held (3.3, 3.11): the latest record, or ``None``."""
    row = _session(case).scalars(
        select(EraHolding).where(EraHolding.case_id == case.id)
        .order_by(EraHolding.id.desc())).first()
    if row is None:
        return None
    return {"system": row.system, "reference": row.reference, "agency": row.agency,
            "recorded_by": row.recorded_by, "recorded_at": row.recorded_at.isoformat()}


def moves_in(case: Case) -> list[dict[str, Any]]:
    """The moves in recorded after the case's decision (NASSO 3.11, 3.13): the placement
    history it wrote (:mod:`geo_era.casework.placements`)."""
    return [{"property_id": m.property_id, "moved_in_on": m.moved_in_on.isoformat(),
             "part": m.part, "recorded_by": m.recorded_by,
             "recorded_at": m.recorded_at.isoformat()}
            for m in _session(case).scalars(select(PlacementMove).where(
                PlacementMove.case_id == case.id).order_by(PlacementMove.id))]


def case_records(case: Case) -> dict[str, Any]:
    """The case document's extra parts: ``out_of_area_record``, ``era_held``, per agency
    with an extended deadline ``agency_deadlines``, and the ``moves_in`` that followed
    its decision."""
    return {"out_of_area_record": out_of_area_record(case), "era_held": held_record(case),
            "agency_deadlines": agency_deadlines(case), "moves_in": moves_in(case)}
