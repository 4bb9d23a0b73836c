"""Finding cases: every case of a subject, or every case a property is a candidate in,
that an actor may see (open and closed, most recent first).

A case the actor may not see (another council's, one their agency takes no part in) is
left out as if it did not exist. Each search leaves one audit entry: a consultation
naming what was searched for and every case found, in the transaction that reads them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import selectinload

from geo_era.casework.cases import case_summary, visible
from geo_era.db.store import Case, CaseProperty, session_scope
from geo_era.security.audit import Actor

__all__ = ["cases_at_property", "cases_of_subject"]


def cases_of_subject(engine: Engine, subject_id: str, *, actor: Actor,
                     today: dt.date | None = None) -> list[dict[str, Any]]:
    """The cases of ``subject_id`` that ``actor`` may see, newest first, as the case
    list shows them; audited as a consultation of the subject (record type
    ``subject``) naming the subject and each case found. Needs the justification."""
    actor.require_justification("a subject's cases")
    query = select(Case).where(Case.subject_id == subject_id)
    return _found(engine, query, actor, ("subject", subject_id), today)


def cases_at_property(engine: Engine, property_id: str, *, actor: Actor,
                      today: dt.date | None = None) -> list[dict[str, Any]]:
    """The cases with ``property_id`` among their candidates that ``actor`` may see,
    newest first; audited as a consultation (record type ``case``) naming the property
    and each case found. Needs the justification (the cases name their subjects)."""
    actor.require_justification("the cases of a property")
    query = select(Case).where(Case.id.in_(
        select(CaseProperty.case_id).where(CaseProperty.property_id == property_id)))
    return _found(engine, query, actor, ("case", property_id), today)


def _found(engine: Engine, query: Select[Case], actor: Actor,
           searched: tuple[str, str], today: dt.date | None) -> list[dict[str, Any]]:
    """The cases ``query`` selects that ``actor`` may see, newest first; one audit entry
    of ``searched`` (record type, what was searched for) and the cases found."""
    record_type, what = searched
    with session_scope(engine) as session:
        cases = [c for c in session.scalars(query.order_by(Case.id.desc()).options(
            selectinload(Case.agencies), selectinload(Case.properties))).all()
            if visible(c, actor)]
        actor.record(session, operation="consultation", record_type=record_type,
                     record_ids=[what, *(c.reference for c in cases)])
        return [case_summary(c, today=today) for c in cases]
