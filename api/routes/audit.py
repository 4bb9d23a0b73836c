"""The route of the audit trail, for auditors (DPA 2018 s62)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import Field

from geo_era.services import admin
from geo_era.services.answers.admin import AuditExport, ChainHead

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, Strict

router = APIRouter(prefix=PREFIX)


class AuditHeadIn(Strict):
    """A head of the chain exported earlier (an export's ``verification.head``, or
    ``geo-era audit head``), kept away from geo_era's host."""

    #: at most 2**53 - 1, the largest integer a JSON number holds exactly: a bound that
    #: is itself inexact (2**62) lets a client comparing as floats accept 2**62 + 1
    seq: int = Field(ge=0, le=2**53 - 1, description="the exported entry's sequence number")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="the exported entry's hash")


class AuditExportRequest(Strict):
    justification: str = JUSTIFICATION
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    after_seq: int = Field(default=0, ge=0)
    limit: int = Field(default=admin.DEFAULT_LIMIT, ge=1, le=admin.EXPORT_LIMIT)
    head: AuditHeadIn | None = Field(
        default=None, description="Verify the chain against this head too: it must still "
                                  "hold that entry with that hash, and not end before it.")


@router.post("/audit/export", tags=["audit"], response_model=AuditExport)
def audit_export_route(body: AuditExportRequest, identity: Who, app: App) -> AuditExport:
    """Audit entries oldest first, with the verification of the whole chain (against a
    head exported earlier, when given) and, when intact, its head to keep elsewhere."""
    head = None if body.head is None else ChainHead(seq=body.head.seq, hash=body.head.hash)
    return admin.audit_export(app, caller_of(identity), justification=body.justification,
                              since=body.since, until=body.until,
                              after_seq=body.after_seq, limit=body.limit, head=head)
