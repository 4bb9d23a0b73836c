"""An agency's checks of one candidate recorded together (NASSO 3.7, 3.8, 3.9) as every
door uses them: the agency's whole 3.7 database checklist, or the physical check with
what the visit found at each dwelling of the minimum set.

Like :func:`geo_era.services.casework.record_check`: admitted to ``case_check`` (and,
for dwellings, ``case_dwelling``), council staff confined to their council's cases, a
Link Officer to their organisation's candidates, an agency that sees nothing of the
neighbours refused the physical check; the core (:mod:`geo_era.casework.checklists`)
writes ONE audit entry for the batch in its transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from geo_era.casework import checklists as core
from geo_era.errors import WorkflowRefusedError
from geo_era.security.access import CASE_VIEWS
from geo_era.services.casework import Changed, _agency, _step
from geo_era.services.context import Services
from geo_era.services.policy import Admitted, Caller

__all__ = ["record_checklist", "record_physical"]


def _own_home(caller: Caller, admitted: Admitted, property_id: str) -> None:
    """Refuse a Link Officer a candidate that is not their organisation's."""
    view = CASE_VIEWS.get(caller.role)
    if view is not None and view.landlord_only \
            and property_id not in (admitted.actor.properties or frozenset()):
        raise WorkflowRefusedError(f"property {property_id!r} is not one of your "
                                   "organisation's candidates in this case; a Link "
                                   "Officer records checks of their own homes only")


def record_checklist(services: Services, caller: Caller, *, case_id: str, property_id: str,
                     entries: Sequence[core.ItemEntry], agency: str | None = None,
                     justification: str | None = None) -> Changed:
    """Record the caller's agency's 3.7 database checklist of one candidate (its items
    for the case's council, ``GEO_ERA_DATABASE_CHECKS``) in one transaction, recorded as
    one alteration.

    Raises
    ------
    ItemRefusedError
        An item not of the agency's checklist, an unknown outcome, or a concern or
        not-applicable outcome without notes (the item named); nothing is written.
    """
    def change(admitted: Admitted) -> dict[str, Any]:
        _own_home(caller, admitted, property_id)
        return core.record_checklist(
            services.engine, case_id, agency=_agency(admitted, agency),
            property_id=property_id, entries=entries, actor=admitted.actor,
            checklists=services.settings.database_checks)

    return _step(services, caller, "case_check", case_id, justification=justification,
                 change=change)


def record_physical(services: Services, caller: Caller, *, case_id: str, property_id: str,
                    entries: Sequence[core.ItemEntry],
                    visits: Sequence[core.DwellingEntry], seen_on: dt.date,
                    agency: str | None = None, justification: str | None = None,
                    today: dt.date | None = None) -> Changed:
    """Record the physical check (3.8) of one candidate and what the visit found at
    dwellings of its minimum set (3.9) in one transaction, recorded as one alteration.
    Needs ``case_check`` and, with dwellings, ``case_dwelling``; an agency whose view
    leaves the neighbours or the subject out records none.

    Raises
    ------
    WorkflowRefusedError
        The caller's agency records no physical check.
    ItemRefusedError
        An item or dwelling refused (named); nothing is written.
    """
    view = CASE_VIEWS.get(caller.role)
    if view is not None and not view.surroundings:
        raise WorkflowRefusedError(
            f"{view.agency} records no physical check (3.8): those look at the neighbours "
            "for signs of the victim profile, which the police, CJSW, the SOLO or the "
            "council's Children & Families, Education or Adult Protection record")
    if visits:
        services.gate.admit("case_dwelling", caller, justification=justification,
                            record_ids=[case_id])

    def change(admitted: Admitted) -> dict[str, Any]:
        return core.record_physical(
            services.engine, case_id, agency=_agency(admitted, agency),
            property_id=property_id, entries=entries, visits=visits, seen_on=seen_on,
            actor=admitted.actor, today=today)

    return _step(services, caller, "case_check", case_id, justification=justification,
                 change=change)
