"""The route of the audit trail, for auditors (DPA 2018 s62)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import Field

from geo_era.services import admin
from geo_era.services.answers.admin import AuditExport

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, Strict

router = APIRouter(prefix=PREFIX)


class AuditExportRequest(Strict):
    justification: str = JUSTIFICATION
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    after_seq: int = Field(default=0, ge=0)
    limit: int = Field(default=admin.DEFAULT_LIMIT, ge=1, le=admin.EXPORT_LIMIT)


@router.post("/audit/export", tags=["audit"], response_model=AuditExport)
def audit_export_route(body: AuditExportRequest, identity: Who, app: App) -> AuditExport:
    """Audit entries oldest first, with the verification of the whole chain."""
    return admin.audit_export(app, caller_of(identity), justification=body.justification,
                              since=body.since, until=body.until,
                              after_seq=body.after_seq, limit=body.limit)
