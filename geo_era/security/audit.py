"""The audit trail the Data Protection Act 2018 (Part 3, s62) requires.

Every collection, alteration, consultation, disclosure, combination or erasure of
personal data is logged with who (user, role, organisation), when (UTC), what (record
type and ids), to whom (recipients of a disclosure) and why (the justification, which
consulting a sensitive record requires). Denied requests are logged too.

The log is append-only and hash-chained: each entry's hash covers its content and the
previous entry's hash, so ``verify`` detects an entry edited, deleted or moved. Appends
are serialised by updating a single head row in the same transaction (a row lock on
PostgreSQL, the write lock on SQLite), so the chain never forks, and an entry is
written in the transaction of the data it records: both or neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo_era.db.store import Base, session_scope, utcnow
from geo_era.errors import DataError

#: Shortest justification accepted for consulting a sensitive record (characters).
MIN_JUSTIFICATION = 10

OPERATIONS = ("collection", "alteration", "consultation", "disclosure", "combination",
              "erasure")
OUTCOMES = ("allowed", "denied")
GENESIS = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str] = mapped_column(String(128))
    operation: Mapped[str] = mapped_column(String(16))
    record_type: Mapped[str] = mapped_column(String(32))
    record_ids: Mapped[list[str]] = mapped_column(JSON)
    recipients: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    justification: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome: Mapped[str] = mapped_column(String(8))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last sequence number and hash (the append lock)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


def _digest(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _content(entry: AuditEntry) -> dict[str, Any]:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)
    return {"seq": entry.seq, "at": at.astimezone(dt.UTC).isoformat(), "actor": entry.actor,
            "role": entry.role, "organisation": entry.organisation,
            "operation": entry.operation, "record_type": entry.record_type,
            "record_ids": list(entry.record_ids), "recipients": entry.recipients,
            "justification": entry.justification, "outcome": entry.outcome}


def append(session: Session, *, actor: str, role: str, organisation: str, operation: str,
           record_type: str, record_ids: list[str], justification: str | None = None,
           recipients: list[str] | None = None, outcome: str = "allowed") -> AuditEntry:
    """Add an entry in ``session``'s transaction (committed with the data it records)."""
    if operation not in OPERATIONS:
        raise DataError(f"unknown audit operation {operation!r}; use one of "
                        f"{', '.join(OPERATIONS)}")
    if outcome not in OUTCOMES:
        raise DataError(f"unknown audit outcome {outcome!r}")
    if operation == "disclosure" and not recipients:
        raise DataError("a disclosure must name its recipients")
    # take the append lock first, then read the head under it
    session.execute(update(AuditHead).where(AuditHead.id == 1)
                    .values(last_seq=AuditHead.last_seq))
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is None:
        raise DataError("the audit log has no head row; the case store was not migrated "
                        "(it is created by migration 0003)")
    entry = AuditEntry(seq=head.last_seq + 1, at=utcnow(), actor=actor, role=role,
                       organisation=organisation, operation=operation,
                       record_type=record_type, record_ids=[str(r) for r in record_ids],
                       recipients=recipients, justification=justification, outcome=outcome,
                       prev_hash=head.last_hash, hash="")
    entry.hash = _digest(entry.prev_hash, _content(entry))
    session.add(entry)
    head.last_seq, head.last_hash = entry.seq, entry.hash
    session.flush()
    return entry


@dataclass(frozen=True)
class Actor:
    """Who acts on personal data, as whom, and why: what every audited core function
    takes and records (DPA 2018 s62).

    ``scope`` confines the actor to one authority's cases (a council's SOLO or social
    worker sees only that council's cases); ``None`` means no confinement (police, the
    MAPPA coordinator, a local operator at the command line).
    """

    username: str
    role: str
    organisation: str
    justification: str | None = None
    scope: str | None = None

    def require_justification(self, what: str) -> str:
        """The justification, or a refusal saying that consulting ``what`` needs one."""
        text = (self.justification or "").strip()
        if len(text) < MIN_JUSTIFICATION:
            raise DataError(f"consulting {what} needs a justification of at least "
                            f"{MIN_JUSTIFICATION} characters saying why (DPA 2018 s62), "
                            "e.g. 'ERA for new accommodation, case conference 3 May'")
        return text

    def record(self, session: Session, *, operation: str, record_type: str,
               record_ids: list[str], recipients: list[str] | None = None,
               outcome: str = "allowed") -> AuditEntry:
        """Append this actor's entry in ``session``'s transaction."""
        return append(session, actor=self.username, role=self.role,
                      organisation=self.organisation, operation=operation,
                      record_type=record_type, record_ids=record_ids,
                      justification=(self.justification or "").strip() or None,
                      recipients=recipients, outcome=outcome)


@dataclass(frozen=True)
class Verification:
    entries: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(engine: Engine) -> Verification:
    """Check the whole chain; every problem names the entry and what is wrong with it."""
    problems: list[str] = []
    with session_scope(engine) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        head = session.get(AuditHead, 1)
        expected_prev = GENESIS
        expected_seq = 1
        for entry in entries:
            if entry.seq != expected_seq:
                problems.append(f"entries {expected_seq}-{entry.seq - 1} are missing "
                                "(deleted)" if entry.seq > expected_seq else
                                f"entry {entry.seq} is out of sequence")
            if entry.prev_hash != expected_prev:
                problems.append(f"entry {entry.seq} does not follow the entry before it "
                                "(an entry was deleted, inserted or moved)")
            if _digest(entry.prev_hash, _content(entry)) != entry.hash:
                problems.append(f"entry {entry.seq} was altered: its content does not match "
                                "its hash")
            expected_prev = entry.hash
            expected_seq = entry.seq + 1
        last_seq = entries[-1].seq if entries else 0
        if head is not None and (head.last_seq != last_seq or head.last_hash != expected_prev):
            problems.append(f"the chain ends at entry {last_seq} but was last written at "
                            f"entry {head.last_seq} (entries removed from the end)")
        return Verification(len(entries), problems)


#: Most entries one export returns; page with ``after_seq``.
EXPORT_LIMIT = 10_000


def export(engine: Engine, *, actor: Actor, since: dt.datetime | None = None,
           until: dt.datetime | None = None, after_seq: int = 0,
           limit: int = EXPORT_LIMIT) -> dict[str, Any]:
    """Audit entries (oldest first) with the chain's verification, for an auditor.

    The trail names subjects and justifications, so reading it is itself a
    consultation: it needs a justification and is recorded, after the entries it
    returns (an export never contains its own entry).
    """
    actor.require_justification("the audit trail")
    if not 1 <= limit <= EXPORT_LIMIT:
        raise DataError(f"limit must be between 1 and {EXPORT_LIMIT:,}")
    checked = verify(engine)
    with session_scope(engine) as session:
        query = select(AuditEntry).where(AuditEntry.seq > after_seq)
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if until is not None:
            query = query.where(AuditEntry.at < until)
        rows = session.scalars(query.order_by(AuditEntry.seq).limit(limit)).all()
        entries = [{**_content(e), "prev_hash": e.prev_hash, "hash": e.hash} for e in rows]
        actor.record(session, operation="consultation", record_type="audit_log",
                     record_ids=[f"{entries[0]['seq']}-{entries[-1]['seq']}"]
                     if entries else [])
    return {"verification": {"entries": checked.entries, "intact": checked.intact,
                             "problems": checked.problems},
            "entries": entries, "more": len(entries) == limit}
