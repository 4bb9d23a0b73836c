"""The minimum set's work on a case (NASSO 3.8, 3.9) as every door uses it: record what a
visit found at a dwelling of a candidate's set, extend the set by risk, and add or remove
a dwelling by hand, each with its reason.

Like :mod:`geo_era.services.casework`: each service admits the caller for its step
(:data:`geo_era.security.access.MATRIX`), confines council staff to their council's
cases, and calls the core (:mod:`geo_era.casework.dwellings`) with the admitted actor,
which writes the step's audit entry in the transaction of the change. A case worker
records for their own agency; the local operator names it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geo_era.casework import dwellings as core
from geo_era.services.casework import Changed, _agency, _step
from geo_era.services.context import Services
from geo_era.services.policy import Admitted, Caller

__all__ = ["change_member", "extend_set", "record_dwelling"]


def extending_assessor(services: Services) -> core.ExtendingAssessor:
    """The workspace's assessment (kept loaded), with an extension of the set."""
    def assess(subject_id: str, property_id: str, metres: float | None,
               rings: int | None) -> dict[str, Any]:
        return services.workspace.assess(subject_id, property_id, extend_metres=metres,
                                         extend_rings=rings)
    return assess


def record_dwelling(services: Services, caller: Caller, *, case_id: str, dwelling_id: str,
                    outcome: str, seen_on: dt.date, property_id: str | None = None,
                    occupant: str | None = None, notes: str | None = None,
                    children: bool | None = None, adult_at_risk: bool | None = None,
                    agency: str | None = None, justification: str | None = None,
                    today: dt.date | None = None) -> Changed:
    """Record what a visit found at one dwelling of a candidate's minimum set (3.8, 3.9;
    R44): ``fits_profile`` (with notes; a concern the lead agency answers),
    ``does_not_fit`` or ``nobody_home`` (revisit); per occupant for shared
    accommodation (R41). Recorded as one alteration.

    Raises
    ------
    DataError
        An unknown outcome, a visit in the future, ``fits_profile`` without notes, or a
        missing or unknown occupant.
    WorkflowRefusedError
        The dwelling is not in the set (the message lists the set), or no
        ``property_id`` on a case with several candidates.
    """
    return _step(services, caller, "case_dwelling", case_id, justification=justification,
                 change=lambda admitted: core.record_dwelling(
                     services.engine, case_id, agency=_agency(admitted, agency),
                     property_id=property_id, dwelling_id=dwelling_id, outcome=outcome,
                     seen_on=seen_on, occupant=occupant, notes=notes, children=children,
                     adult_at_risk=adult_at_risk, actor=admitted.actor, today=today))


def extend_set(services: Services, caller: Caller, *, case_id: str, reason: str,
               property_id: str | None = None, metres: float | None = None,
               rings: int | None = None, agency: str | None = None,
               justification: str | None = None) -> Changed:
    """Extend a candidate's minimum set by ``metres`` (straight line, EPSG:27700) or
    ``rings`` of neighbours for the reason given (3.9; R43), and re-assess the candidate
    with it through the workspace. Recorded as one alteration."""
    return _step(services, caller, "case_extend_set", case_id, justification=justification,
                 change=lambda admitted: core.extend_set(
                     services.engine, case_id, agency=_agency(admitted, agency),
                     property_id=property_id, metres=metres, rings=rings, reason=reason,
                     assess=extending_assessor(services), actor=admitted.actor))


def change_member(services: Services, caller: Caller, *, case_id: str, dwelling_id: str,
                  add: bool, reason: str, property_id: str | None = None,
                  agency: str | None = None, justification: str | None = None) -> Changed:
    """Add a dwelling to a candidate's minimum set by hand, or remove one, for the
    reason given (3.9 "case-by-case"; R42). A dwelling added must be a property of the
    reference layers. Recorded as one alteration."""
    def change(admitted: Admitted) -> dict[str, Any]:
        if add and services.layers.has("properties"):  # a dwelling added is a real one
            services.workspace.snapshot().properties.row(dwelling_id)
        return core.change_member(services.engine, case_id,
                                  agency=_agency(admitted, agency), property_id=property_id,
                                  dwelling_id=dwelling_id, add=add, reason=reason,
                                  actor=admitted.actor)

    return _step(services, caller, "case_member", case_id, justification=justification,
                 change=change)
