"""Out-of-area placements (NASSO 3.13, R65-R68) beyond the receiving council's consent,
and where the full ERA is held (3.3, 3.11).

"Under no circumstances should a sex offender be placed in another local authority's
area under MAPPA without the knowledge and consent of that authority and without a plan
in place to manage any associated risk", and the records "will need to show that ...
proper discussion between the relevant local authorities has taken place and agreement
has been reached". So Part C of an out-of-area case also needs (see
:func:`geo_era.casework.case_records.missing_out_of_area`):

- the reason for placing out of area, one of 3.13's grounds (:data:`GROUNDS`), recorded
  by the placing council, whose responsibility the arrangements are ("The
  responsibility for making the necessary arrangements for this lies with the placing
  local authority");
- the plan to manage the associated risk (R46, R67), recorded by the placing council
  for the same reason; a later plan replaces it, the earlier is kept;
- each discussion between the councils (when, who took part, what was agreed),
  recorded by either council: both took part.

Where the full ERA is held is recorded by any agency of the case (3.11: "agree locally
who retains the completed ERA"; 3.3: ViSOR keeps only Parts C and D and "where the full
ERA document is held").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from geo_era import clock
from geo_era.casework.case_records import GROUNDS
from geo_era.casework.cases import _agency, _audit, _load, _open, _out_of_area, case_document
from geo_era.db.store import Case, EraHolding, OutOfAreaRecord, session_scope
from geo_era.errors import DataError, WorkflowRefusedError
from geo_era.security.audit import Actor

__all__ = ["GROUNDS", "record_discussion", "record_era_held", "record_plan",
           "record_reason"]


def _text(value: str | None, what: str, *, least: int = 1) -> str:
    text = (value or "").strip()
    if len(text) < least:
        raise DataError(f"write {what}" + (f" (at least {least} characters)" if least > 1
                                           else ""))
    return text


def _placement(case: Case) -> None:
    if not _out_of_area(case):
        raise WorkflowRefusedError(f"case {case.reference} is not an out-of-area "
                                   "placement (it names no placing and receiving authority)")


def _as_council(case: Case, authority: str, allowed: tuple[str | None, ...],
                what: str) -> None:
    if authority not in allowed:
        whose = " or ".join(a for a in allowed if a)
        raise WorkflowRefusedError(f"{what} of case {case.reference} is recorded by {whose}; "
                                   f"{authority} is not it")


def _record(engine: Engine, case_id: str | int, actor: Actor, *, authority: str,
            placing_only: bool, what: str, row: OutOfAreaRecord) -> dict[str, Any]:
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        _placement(case)
        councils = ((case.placing_authority,) if placing_only
                    else (case.placing_authority, case.receiving_authority))
        _as_council(case, authority, councils, what)
        row.case_id, row.authority, row.recorded_by = case.id, authority, actor.username
        session.add(row)
        session.flush()
        _audit(session, actor, case, "alteration")
        return case_document(case)


def record_reason(engine: Engine, case_id: str | int, *, authority: str, ground: str,
                  details: str | None, actor: Actor) -> dict[str, Any]:
    """The placing council's reason for placing out of area (3.13): ``ground`` one of
    :data:`GROUNDS`, with ``details`` (required for ``other``)."""
    if ground not in GROUNDS:
        raise DataError(f"unknown ground {ground!r}; use one of "
                        + ", ".join(f"{k} ({v})" for k, v in GROUNDS.items()))
    text = (details or "").strip()
    if ground == "other":
        text = _text(details, "the reason (--details) for a ground of 'other'", least=10)
    return _record(engine, case_id, actor, authority=authority, placing_only=True,
                   what="the reason for placing out of area",
                   row=OutOfAreaRecord(part="reason", ground=ground, text=text))


def record_plan(engine: Engine, case_id: str | int, *, authority: str, plan: str,
                actor: Actor) -> dict[str, Any]:
    """The placing council's plan to manage the risk of the placement (3.13, R46, R67);
    a later plan replaces the current one, which is kept."""
    text = _text(plan, "the risk management plan (--plan)", least=20)
    return _record(engine, case_id, actor, authority=authority, placing_only=True,
                   what="the risk management plan",
                   row=OutOfAreaRecord(part="plan", text=text))


def record_discussion(engine: Engine, case_id: str | int, *, authority: str,
                      held_on: dt.date, participants: str, agreed: str, actor: Actor,
                      today: dt.date | None = None) -> dict[str, Any]:
    """A discussion between the placing and receiving councils (3.13, R68): the date,
    who took part, and what was agreed; recorded by either council."""
    today = today or clock.today()
    if held_on > today:
        raise DataError(f"the discussion is recorded once held; {held_on.isoformat()} is "
                        "in the future")
    who = _text(participants, "who took part (--participants)", least=3)
    what = _text(agreed, "what was agreed (--agreed)", least=10)
    return _record(engine, case_id, actor, authority=authority, placing_only=False,
                   what="a discussion between the councils",
                   row=OutOfAreaRecord(part="discussion", text=what, held_on=held_on,
                                       participants=who))


def record_era_held(engine: Engine, case_id: str | int, *, agency: str, system: str,
                    reference: str, actor: Actor) -> dict[str, Any]:
    """Where the full ERA of a case is held (3.3, 3.11): the system (e.g. "council
    EDRMS") and its reference there, recorded by an agency taking part; a later record
    replaces it, the earlier is kept. Open or closed cases alike: the ERA may be filed
    after the decision."""
    where = _text(system, "the system the full ERA is held in (--system)", least=2)
    ref = _text(reference, "its reference there (--reference)")
    if len(where) > 128 or len(ref) > 256:
        raise DataError("the system is at most 128 characters and the reference 256")
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _agency(case, agency)
        session.add(EraHolding(case_id=case.id, system=where, reference=ref, agency=agency,
                               recorded_by=actor.username))
        session.flush()
        _audit(session, actor, case, "alteration")
        return case_document(case)
