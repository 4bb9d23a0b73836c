"""Retention of the files geo_era writes outside its store (NASSO 3.11, R49: "have a
weeding and retention policy to ensure accurate and current retention of data").

An ERA document or a field sheet names the subject and their candidate homes; a report
may name subjects placed without consent. Each file written is registered
(:func:`register_written`) with the case it was made from, where it was written and a
SHA-256 digest of what was written. Weeding (:func:`weed_files`) removes:

- ``documents``: every registered file of a case that no longer exists (weeded with its
  case by :func:`geo_era.casework.reviews.weed`);
- ``reports``: every registered report file written before the reports' cutoff.

A file changed since it was written (another digest, or no longer a regular file) is
left in place and counted as ``left``: geo_era deletes only what it wrote. A file
already gone counts as weeded. Its registration goes with it. The weeding log records
counts, never paths or names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, exists, select

from geo_era import clock
from geo_era.db.store import Case, WeedingRecord, WrittenFile, session_scope
from geo_era.errors import DataError
from geo_era.security.audit import Actor

#: What a written file is, by kind: ``documents`` follow their case, ``reports`` age.
CASE_KINDS = ("era_document", "field_sheet", "visor_extract")
REPORT_KINDS = ("report",)


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def register_written(engine: Engine, *, kind: str, paths: list[Path], actor: Actor,
                     case_id: int | None = None) -> None:
    """Register files just written (``kind`` an ERA document, field sheet or ViSOR
    extract of ``case_id``, or a report with no case) so that weeding removes them in time."""
    if kind not in CASE_KINDS + REPORT_KINDS:
        raise DataError(f"unknown kind of written file {kind!r}")
    if (case_id is None) != (kind in REPORT_KINDS):
        raise DataError("an ERA document or field sheet belongs to a case; a report to none")
    with session_scope(engine) as session:
        for path in paths:
            full = path.resolve()
            session.add(WrittenFile(case_id=case_id, kind=kind, path=str(full),
                                    sha256=_digest(full), size=full.stat().st_size,
                                    written_by=actor.username))


def _remove(row: WrittenFile) -> str:
    """Remove a registered file: ``removed``, ``gone`` (already), or ``changed`` (left:
    not what geo_era wrote)."""
    path = Path(row.path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        return "gone"
    if not stat.S_ISREG(info.st_mode) or info.st_size != row.size or _digest(path) != row.sha256:
        return "changed"
    os.unlink(path)
    return "removed"


def weed_files(engine: Engine, *, cases_days: int, reports_days: int, actor: Actor,
               today: dt.date | None = None) -> list[dict[str, Any]]:
    """Remove the written files whose case is gone (``documents``) and the report files
    older than ``reports_days`` days (``reports``); one weeding-log line and, when
    anything went, one audited erasure per kind. Returns a line per kind: ``weeded``
    (removed, or already gone), ``left`` (changed since written, kept), the retention
    in days and the cutoff (the cases' for documents)."""
    today = today or clock.today()
    if reports_days < 0 or cases_days < 0:
        raise DataError("retention cannot be negative")
    report = []
    with session_scope(engine) as session:
        orphaned = select(WrittenFile).where(
            WrittenFile.case_id.is_not(None),
            ~exists().where(Case.id == WrittenFile.case_id))
        reports_cutoff = today - dt.timedelta(days=reports_days)
        aged = select(WrittenFile).where(
            WrittenFile.case_id.is_(None),
            WrittenFile.written_at < dt.datetime.combine(reports_cutoff, dt.time(),
                                                         tzinfo=dt.UTC))
        for record_type, query, days, cutoff in (
                ("documents", orphaned, cases_days, today - dt.timedelta(days=cases_days)),
                ("reports", aged, reports_days, reports_cutoff)):
            rows = list(session.scalars(query.order_by(WrittenFile.id)))
            outcomes = {row.id: _remove(row) for row in rows}
            weeded = [row for row in rows if outcomes[row.id] != "changed"]
            for row in weeded:
                session.delete(row)
            if weeded:
                actor.record(session, operation="erasure", record_type=record_type,
                             record_ids=sorted({f"ERA-{r.case_id:06d}" if r.case_id
                                                else f"report-file-{r.id}" for r in weeded}))
            session.add(WeedingRecord(record_type=record_type, count=len(weeded),
                                      retention_days=days, cutoff=cutoff))
            report.append({"record_type": record_type, "weeded": len(weeded),
                           "left": len(rows) - len(weeded), "retention_days": days,
                           "cutoff": cutoff.isoformat()})
    return report
