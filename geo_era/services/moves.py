"""From decision to home (NASSO 3.11, 3.13) as every door uses it: recording that a
subject moved in after a manageable Part C or Part D decision.

The service admits the caller (``case_move_in`` in
:data:`geo_era.security.access.MATRIX`: the agencies' case workers, council staff on
their own council's cases) and calls the core
(:func:`geo_era.casework.placements.record_move_in`), which writes the move and its
audit entry in one transaction. From then on the allocation check, the review triggers,
the due list and the over-concentration report follow the move without an import.
"""

from __future__ import annotations

import datetime as dt

from geo_era.casework import placements as core
from geo_era.services.answers.casework import CaseAck, MovedIn
from geo_era.services.context import Services
from geo_era.services.policy import Caller

__all__ = ["record_move_in"]


def record_move_in(services: Services, caller: Caller, *, case_id: str, property_id: str,
                   moved_in_on: dt.date, justification: str | None = None,
                   today: dt.date | None = None) -> MovedIn | CaseAck:
    """Record that the case's subject moved in to ``property_id`` on ``moved_in_on``.

    With a justification the answer is the move (it names the subject and their new
    address); without one, an acknowledgement that names nothing of the case, as for
    every other change to a case.

    Raises
    ------
    WorkflowRefusedError
        No manageable Part C or Part D decision of the case on that property (or it is
        not a candidate), a date before the decision or in the future, or a move
        already recorded.
    NotFoundError
        An unknown case, or one outside the caller's council (audited as ``denied``).
    """
    admitted = services.gate.admit("case_move_in", caller, justification=justification,
                                   record_ids=[case_id])
    with services.gate.in_scope(caller):
        moved = core.record_move_in(services.engine, case_id, property_id=property_id,
                                    moved_in_on=moved_in_on, actor=admitted.actor,
                                    today=today)
    if admitted.actor.justification is not None:
        return MovedIn.model_validate(moved)
    return CaseAck(case_id=moved["case_id"], recorded=admitted.operation,
                   status=moved["status"], due=moved["due"])
