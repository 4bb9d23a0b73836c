"""The route of the audit trail, for auditors (DPA 2018 s62)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from api.deps import PREFIX, App, Who
from api.schemas import JUSTIFICATION, Strict
from geo_era.security import audit

router = APIRouter(prefix=PREFIX)


class AuditExport(Strict):
    justification: str = JUSTIFICATION
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    after_seq: int = Field(default=0, ge=0)
    limit: int = Field(default=1_000, ge=1, le=audit.EXPORT_LIMIT)


@router.post("/audit/export", tags=["audit"])
def audit_export_route(body: AuditExport, identity: Who, app: App) -> dict[str, Any]:
    """Audit entries oldest first, with the verification of the whole chain."""
    caller = app.admit("audit_export", identity, justification=body.justification)
    return audit.export(app.engine, actor=caller.actor, since=body.since, until=body.until,
                        after_seq=body.after_seq, limit=body.limit)
