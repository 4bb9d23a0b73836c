"""Time extensions for complex cases (NASSO 3.5, R22): "some cases may be complex and
require more in depth research".

An extension moves the case's overall deadline, or one agency's, to a later working day,
with the reason, who granted it and when. Nothing moves silently: every extension is
kept (from which date to which), the case document shows the original due date, each
extension and the current deadline, and ``overdue`` is judged against the current one.

Who may grant one: the lead agency of the case, or the MAPPA coordinator. 3.2 makes the
Responsible Authority the lead agency "in all cases" and 3.11 has the lead agency sign
off the decision, so the pace of the ERA is the lead agency's to set; the MAPPA
coordinator runs the MAPPA arrangements the ERA serves (MAPPA guidance, 3.1) and may
allow the time too. An agency never extends its own deadline: it asks the lead agency.
An agency's deadline never passes the case's (the case is extended first).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from geo_era.casework.cases import _agency, _audit, _load, _open, case_document
from geo_era.casework.workdays import add_working_days, is_working_day
from geo_era.db.store import DeadlineExtension, session_scope
from geo_era.errors import DataError, WorkflowRefusedError
from geo_era.security.audit import Actor

#: Who grants an extension besides the case's lead agency.
COORDINATOR = "mappa_coordinator"
#: The shortest reason accepted, characters: a reason says why the case is complex.
MIN_REASON = 10


def _new_due(current: dt.date, to: dt.date | None, working_days: int | None) -> dt.date:
    """The extended deadline: the date given, or ``working_days`` clear working days
    after the current deadline; a later working day than ``current``."""
    if (to is None) == (working_days is None):
        raise DataError("give either the new deadline (--to YYYY-MM-DD) or the number of "
                        "working days to add (--working-days N), not both")
    if working_days is not None:
        if not 1 <= working_days <= 60:
            raise DataError(f"an extension adds 1 to 60 working days; got {working_days}")
        return add_working_days(current, working_days)
    assert to is not None
    if to <= current:
        raise WorkflowRefusedError(f"the deadline is already {current.isoformat()}; an "
                                   f"extension sets a later one, not {to.isoformat()}")
    if not is_working_day(to):
        raise DataError(f"{to.isoformat()} is not a working day (a weekend or a Scottish "
                        f"public holiday); the next one is "
                        f"{add_working_days(to, 1).isoformat()}")
    return to


def extend_deadline(engine: Engine, case_id: str | int, *, granted_as: str, reason: str,
                    actor: Actor, agency: str | None = None, to: dt.date | None = None,
                    working_days: int | None = None,
                    today: dt.date | None = None) -> dict[str, Any]:
    """Extend the deadline of an open case (``agency`` None) or of one agency taking
    part, to ``to`` or by ``working_days`` clear working days after the current
    deadline, for ``reason``; granted by the lead agency or the MAPPA coordinator
    (``granted_as``). Returns the case document.

    Raises
    ------
    DataError
        Neither or both of ``to`` and ``working_days``; a date that is not a working
        day; a reason shorter than :data:`MIN_REASON` characters.
    WorkflowRefusedError
        The case is closed; ``granted_as`` is not the lead agency or the coordinator; the
        new deadline is not later; an agency's would pass the case's.
    """
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise DataError("say why the case needs more time (--reason, at least "
                        f"{MIN_REASON} characters): what makes it complex (NASSO 3.5)")
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _open(case)
        if granted_as not in (case.lead_agency, COORDINATOR):
            raise WorkflowRefusedError(
                f"only the lead agency ({case.lead_agency}) or the MAPPA coordinator may "
                f"extend a deadline of case {case.reference}; {granted_as} may ask them")
        if agency is None:
            previous = case.due_on
            case.due_on = _new_due(previous, to, working_days)
            new = case.due_on
        else:
            row = _agency(case, agency)
            previous = row.due_on
            new = _new_due(previous, to, working_days)
            if new > case.due_on:
                raise WorkflowRefusedError(
                    f"{agency}'s deadline cannot pass the case's ({case.due_on.isoformat()}); "
                    f"extend the case first (without --agency)")
            row.due_on = new
        session.add(DeadlineExtension(case_id=case.id, agency=agency, previous_due=previous,
                                      new_due=new, reason=text, granted_as=granted_as,
                                      recorded_by=actor.username))
        session.flush()
        _audit(session, actor, case, "alteration")
        return case_document(case, today=today)
