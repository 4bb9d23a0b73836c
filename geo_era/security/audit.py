"""The audit trail the Data Protection Act 2018 (Part 3, s62) requires.

Every collection, alteration, consultation, disclosure, combination or erasure of
personal data is logged with who (user, role, organisation), when (UTC), what (record
type and ids), to whom (recipients of a disclosure) and why (the justification, which
consulting a sensitive record requires). Denied requests are logged too.

The log is append-only and hash-chained: each entry's hash is an HMAC-SHA256, under the
store's audit key (``GEO_ERA_AUDIT_KEY``, :mod:`geo_era.db.audit_key`), of the previous
entry's hash and the entry's canonical content, so ``verify`` detects an entry edited,
deleted or moved, and someone who can write the database but does not hold the key
cannot recompute a chain that verifies. Deleting entries from the end and fixing the
head row needs no key: a head exported elsewhere (:func:`head`, ``geo-era audit head``)
and given back to ``verify`` detects it, and detects any rewrite up to that head even
by someone holding the key. Appends are serialised by updating a single head row in
the same transaction (a row lock on PostgreSQL, the write lock on SQLite), so the
chain never forks, and an entry is written in the transaction of the data it records:
both or neither. Consultations that record no other data are appended in batches by
:class:`ConsultationLog`, each request waiting for its entry's commit.

A chain written before geo_era keyed it carries plain SHA-256 hashes: ``verify``
reports those entries, and :func:`rekey` (``geo-era audit rekey``), run once and
knowingly by the operator, keys them and is itself audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from pydantic import SecretBytes
from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.expression import Executable

from geo_era.db.audit_key import audit_key
from geo_era.db.store import Base, session_scope, utcnow
from geo_era.errors import DataError, WorkflowRefusedError

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


def _message(prev_hash: str, content: dict[str, Any]) -> bytes:
    """What an entry's hash covers: the previous hash, then the canonical JSON of its
    content (keys sorted, no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (prev_hash + canonical).encode("utf-8")


def _digest(key: SecretBytes, prev_hash: str, content: dict[str, Any]) -> str:
    """An entry's hash: HMAC-SHA256 under the store's audit key, in hex."""
    return hmac.new(key.get_secret_value(), _message(prev_hash, content),
                    hashlib.sha256).hexdigest()


def _unkeyed_digest(prev_hash: str, content: dict[str, Any]) -> str:
    """The plain SHA-256 hash entries carried before the chain was keyed: recognised,
    never accepted, by :func:`verify`; keyed by :func:`rekey`."""
    return hashlib.sha256(_message(prev_hash, content)).hexdigest()


def _content(entry: AuditEntry | SimpleNamespace) -> dict[str, Any]:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)
    return {"seq": entry.seq, "at": at.astimezone(dt.UTC).isoformat(), "actor": entry.actor,
            "role": entry.role, "organisation": entry.organisation,
            "operation": entry.operation, "record_type": entry.record_type,
            "record_ids": list(entry.record_ids), "recipients": entry.recipients,
            "justification": entry.justification, "outcome": entry.outcome}


def _statements() -> tuple[Executable, Executable, Executable, Executable]:
    """The statements of an append, built once from the tables' columns (each append
    only binds values; SQLAlchemy reuses their compiled forms): lock the head row (an
    update of it, taken first: a row lock on PostgreSQL, the write lock on SQLite), read
    it, insert the entries, move the head."""
    head, entries = cast(Table, AuditHead.__table__), cast(Table, AuditEntry.__table__)
    one = head.c.id == 1
    return (update(head).where(one).values(last_seq=head.c.last_seq),
            select(head.c.last_seq, head.c.last_hash).where(one),
            insert(entries),
            update(head).where(one).values(last_seq=bindparam("new_seq"),
                                           last_hash=bindparam("new_hash")))


_LOCK_HEAD, _READ_HEAD, _INSERT_ENTRIES, _MOVE_HEAD = _statements()


def _lock_head(connection: Connection | Session) -> tuple[int, str]:
    """The head row's last sequence number and hash, read under the append lock."""
    connection.execute(_LOCK_HEAD)
    head = connection.execute(_READ_HEAD).first()
    if head is None:
        raise DataError("the audit log has no head row; the case store was not migrated "
                        "(it is created by migration 0003)")
    return int(head.last_seq), str(head.last_hash)


def _chain(connection: Connection | Session, entries: Sequence[dict[str, Any]]
           ) -> list[dict[str, Any]]:
    """Chain entries (checked fields) onto the log in ``connection``'s transaction,
    under one lock of the head row: each entry's row (sequence number, time, hashes),
    inserted, and the head moved to the last."""
    seq, prev = _lock_head(connection)
    key = audit_key(connection.get_bind() if isinstance(connection, Session) else connection)
    rows = []
    for fields in entries:
        row = {**fields, "seq": seq + 1, "at": utcnow(), "prev_hash": prev}
        row["hash"] = _digest(key, prev, _content(SimpleNamespace(**row)))
        seq, prev = row["seq"], row["hash"]
        rows.append(row)
    connection.execute(_INSERT_ENTRIES, rows)
    connection.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev})
    return rows


def _checked(*, actor: str, role: str, organisation: str, operation: str,
             record_type: str, record_ids: list[str], justification: str | None = None,
             recipients: list[str] | None = None, outcome: str = "allowed"
             ) -> dict[str, Any]:
    """An entry's fields, refused here when they could not be recorded."""
    if operation not in OPERATIONS:
        raise DataError(f"unknown audit operation {operation!r}; use one of "
                        f"{', '.join(OPERATIONS)}")
    if outcome not in OUTCOMES:
        raise DataError(f"unknown audit outcome {outcome!r}")
    if operation == "disclosure" and not recipients:
        raise DataError("a disclosure must name its recipients")
    return {"actor": actor, "role": role, "organisation": organisation,
            "operation": operation, "record_type": record_type,
            "record_ids": [str(r) for r in record_ids], "recipients": recipients,
            "justification": justification, "outcome": outcome}


def append(session: Session, *, actor: str, role: str, organisation: str, operation: str,
           record_type: str, record_ids: list[str], justification: str | None = None,
           recipients: list[str] | None = None, outcome: str = "allowed") -> AuditEntry:
    """Add an entry in ``session``'s transaction (committed with the data it records)."""
    [row] = _chain(session, [_checked(
        actor=actor, role=role, organisation=organisation, operation=operation,
        record_type=record_type, record_ids=record_ids, justification=justification,
        recipients=recipients, outcome=outcome)])
    return AuditEntry(**row)


#: The commits a caller waits on itself (:func:`commits_awaited_by_caller`).
_AWAITED_BY_CALLER: ContextVar[list[Future[None]] | None] = ContextVar(
    "geo_era_audit_awaited_by_caller", default=None)


@contextmanager
def commits_awaited_by_caller(pending: list[Future[None]]) -> Iterator[None]:
    """In the block, :meth:`ConsultationLog.record` returns once its entry is queued and
    adds the entry's commit to ``pending``; the caller must wait on every one of them
    (their result raises what the commit raised) before anything it answers leaves.

    For a server's event loop (``asyncio.wrap_future``), which must not block on a
    commit: the request waits for its entry without a thread waiting for it."""
    token = _AWAITED_BY_CALLER.set(pending)
    try:
        yield
    finally:
        _AWAITED_BY_CALLER.reset(token)


class ConsultationLog:
    """Entries that record no other data (a consultation: a read) appended to one
    store's log in batches, each caller waiting until its own entry is committed.

    Every audited read ends in an append that locks the chain's head row: one
    transaction per request makes concurrent requests queue for that lock (on SQLite,
    waiting in the driver's growing back-off sleeps: seconds at the 95th percentile under
    load). Here one writer thread takes what the request threads have queued, chains it
    in one transaction and commits it once (a group commit); each request thread waits
    for its entry's commit, so no answer leaves before its audit entry is stored, and a
    batch that fails fails every request in it (all or none of a batch is written).
    """

    #: Most entries one transaction appends.
    BATCH = 256

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: list[tuple[dict[str, Any], Future[None]]] = []
        self._ready = threading.Condition()
        self._writer: threading.Thread | None = None

    def record(self, actor: Actor, *, record_type: str, record_ids: list[str],
               outcome: str = "allowed") -> None:
        """Append ``actor``'s consultation of ``record_ids``; return once committed
        (or, in :func:`commits_awaited_by_caller`, once queued). Raises what the commit
        raised."""
        fields = _checked(actor=actor.username, role=actor.role,
                          organisation=actor.organisation, operation="consultation",
                          record_type=record_type, record_ids=record_ids,
                          justification=(actor.justification or "").strip() or None,
                          outcome=outcome)
        done: Future[None] = Future()
        with self._ready:
            self._queue.append((fields, done))
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write, name="audit-writer",
                                                daemon=True)
                self._writer.start()
            self._ready.notify()
        pending = _AWAITED_BY_CALLER.get()
        if pending is not None:
            pending.append(done)  # the caller waits (commits_awaited_by_caller)
            return
        done.result()

    def _write(self) -> None:
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                batch = self._queue[:self.BATCH]
                del self._queue[:self.BATCH]
            try:
                with self._engine.begin() as connection:
                    _chain(connection, [fields for fields, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    done.set_exception(exc)
            else:
                for _, done in batch:
                    done.set_result(None)


@dataclass(frozen=True)
class Actor:
    """Who acts on personal data, as whom, and why: what every audited core function
    takes and records (DPA 2018 s62).

    ``scope`` confines the actor to one authority's cases (a council's SOLO or social
    worker sees only that council's cases); ``None`` means no confinement (police, the
    MAPPA coordinator, a local operator at the command line).

    A partner agency's case worker (NASSO 3.6, by ``role``:
    :data:`geo_era.security.access.CASE_VIEWS`) is confined further to the cases their
    agency takes part in; a Link Officer taking part, to cases with a candidate among
    ``properties`` (their organisation's homes), and to none while it is ``None``.
    """

    username: str
    role: str
    organisation: str
    justification: str | None = None
    scope: str | None = None
    properties: frozenset[str] | None = None

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


#: An exported head's hash: 64 lower-case hexadecimal digits.
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Head:
    """The chain's last entry as exported elsewhere: its sequence number and hash (0 and
    :data:`GENESIS` for an empty chain). Kept outside geo_era's host, it lets
    :func:`verify` detect entries removed from the end, or the chain up to it
    rewritten."""

    seq: int
    hash: str

    def __post_init__(self) -> None:
        if self.seq < 0:
            raise DataError("an audit head's seq is a sequence number, 0 or more")
        if not _HASH.fullmatch(self.hash):
            raise DataError("an audit head's hash is 64 lower-case hexadecimal digits")


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found: how many entries, each problem, and the chain's head
    (given only when the chain is intact: a head is exported only from a sound chain)."""

    entries: int
    problems: list[str]
    head: Head | None = None

    @property
    def intact(self) -> bool:
        return not self.problems


def _spans(seqs: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of ``seqs`` (ascending) as (first, last)."""
    runs: list[tuple[int, int]] = []
    for seq in seqs:
        if runs and runs[-1][1] == seq - 1:
            runs[-1] = (runs[-1][0], seq)
        else:
            runs.append((seq, seq))
    return runs


def _altered(seqs: list[int], unkeyed: list[int]) -> list[str]:
    """Problems for entries whose hash is not their keyed hash, a run at a time."""
    problems = [f"entry {a} was altered: its content does not match its hash" if a == b
                else f"entries {a}-{b} were altered: their content does not match their "
                     "hashes" for a, b in _spans(seqs)]
    if unkeyed:
        spans = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in _spans(unkeyed))
        problems.append(
            f"entries {spans} carry hashes made without the audit key: the chain was "
            "recomputed by someone without the key, or written before geo_era keyed it "
            "(for a store that predates the key, see 'geo-era audit rekey')")
    return problems


def _walk(key: SecretBytes, entries: Sequence[AuditEntry]) -> tuple[list[str], str]:
    """Problems of sequence, links and hashes along ``entries``, and the last hash."""
    problems: list[str] = []
    altered: list[int] = []
    unkeyed: list[int] = []
    expected_prev, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            problems.append(f"entries {expected_seq}-{entry.seq - 1} are missing "
                            "(deleted)" if entry.seq > expected_seq else
                            f"entry {entry.seq} is out of sequence")
        if entry.prev_hash != expected_prev:
            problems.append(f"entry {entry.seq} does not follow the entry before it "
                            "(an entry was deleted, inserted or moved)")
        content = _content(entry)
        if not hmac.compare_digest(_digest(key, entry.prev_hash, content), entry.hash):
            altered.append(entry.seq)
            if _unkeyed_digest(entry.prev_hash, content) == entry.hash:
                unkeyed.append(entry.seq)
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    return problems + _altered(altered, unkeyed), expected_prev


def _against(exported: Head, hashes: dict[int, str], last_seq: int) -> list[str]:
    """Problems of the chain against a head exported earlier."""
    if exported.seq > last_seq:
        return [f"the chain ends at entry {last_seq} but a head exported earlier records "
                f"entry {exported.seq} (entries removed from the end)"]
    found = GENESIS if exported.seq == 0 else hashes.get(exported.seq)
    if found is None:
        return [f"entry {exported.seq}, the exported head, is missing (deleted)"]
    if not hmac.compare_digest(found, exported.hash):
        return [f"entry {exported.seq} is not the exported head: the chain up to it was "
                "rewritten"]
    return []


def verify(engine: Engine, exported: Head | None = None) -> Verification:
    """Check the whole chain under the store's audit key, and against ``exported`` (a
    head exported earlier) when given; every problem names the entry and what is wrong
    with it."""
    key = audit_key(engine)
    with session_scope(engine) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        head = session.get(AuditHead, 1)
        problems, last_hash = _walk(key, entries)
        last_seq = entries[-1].seq if entries else 0
        if head is not None and (head.last_seq != last_seq or head.last_hash != last_hash):
            problems.append(f"the chain ends at entry {last_seq} but was last written at "
                            f"entry {head.last_seq} (entries removed from the end)")
        if exported is not None:
            problems += _against(exported, {e.seq: e.hash for e in entries}, last_seq)
        return Verification(len(entries), problems,
                            None if problems else Head(last_seq, last_hash))


def verification_document(checked: Verification) -> dict[str, Any]:
    """A verification as plain data: entries, intact, problems and the head (seq and
    hash) or ``None``."""
    return {"entries": checked.entries, "intact": checked.intact,
            "problems": checked.problems,
            "head": None if checked.head is None else {"seq": checked.head.seq,
                                                       "hash": checked.head.hash}}


def head(engine: Engine) -> Head:
    """The chain's head to export elsewhere, from a chain that verifies.

    Raises
    ------
    WorkflowRefusedError
        When the chain is not intact: exporting its head would vouch for it.
    """
    checked = verify(engine)
    if checked.head is None:
        raise WorkflowRefusedError(
            f"the audit chain is not intact ({len(checked.problems)} problem"
            f"{'' if len(checked.problems) == 1 else 's'}); no head is exported from it: "
            "run 'geo-era audit verify'")
    return checked.head


def _unkeyed_prefix(key: SecretBytes, entries: Sequence[AuditEntry],
                    head: AuditHead) -> int:
    """How many entries, from the first, carry unkeyed hashes, in a chain otherwise
    sound: every entry in sequence and linked, unkeyed ones only before keyed ones, and
    the head row at its end. Anything else is refused: re-keying it would vouch for a
    chain that may have been rewritten."""
    prefix, prev = 0, GENESIS
    for position, entry in enumerate(entries, start=1):
        content = _content(entry)
        keyed = hmac.compare_digest(_digest(key, entry.prev_hash, content), entry.hash)
        unkeyed = not keyed and prefix == position - 1 and \
            _unkeyed_digest(entry.prev_hash, content) == entry.hash
        if entry.seq != position or entry.prev_hash != prev or not (keyed or unkeyed):
            raise WorkflowRefusedError(
                f"the audit chain is not sound at entry {entry.seq}; nothing was re-keyed "
                "(run 'geo-era audit verify')")
        prefix += int(unkeyed)
        prev = entry.hash
    if head.last_seq != len(entries) or head.last_hash != prev:
        raise WorkflowRefusedError("the audit chain's end does not match its head row "
                                   "(entries removed from the end); nothing was re-keyed")
    return prefix


def rekey(engine: Engine, *, actor: Actor) -> int:
    """Key a chain written before geo_era keyed it: recompute every entry's hash under
    the store's audit key, in one transaction with the entry recording it (an
    ``alteration`` of the ``audit_log`` naming the entries re-keyed, with the actor's
    justification). The number of entries that carried unkeyed hashes.

    Only a chain whose unkeyed entries are all at its start, linked and in sequence, is
    re-keyed: it vouches for a trail that no key protected, so the operator runs it
    once, knowingly, after upgrading, and exports a new head after it.

    Raises
    ------
    DataError
        Without a justification.
    WorkflowRefusedError
        When the chain is not sound, or already keyed throughout.
    """
    actor.require_justification("re-keying the audit trail")
    key = audit_key(engine)
    with session_scope(engine) as session:
        _lock_head(session)
        head_row = session.get(AuditHead, 1, populate_existing=True)
        assert head_row is not None  # _lock_head refuses a store without one
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        unkeyed = _unkeyed_prefix(key, entries, head_row)
        if unkeyed == 0:
            raise WorkflowRefusedError("every audit entry is keyed already; nothing to "
                                       "re-key")
        prev = GENESIS
        for entry in entries:
            entry.prev_hash = prev
            entry.hash = prev = _digest(key, prev, _content(entry))
        head_row.last_hash = prev
        session.flush()
        actor.record(session, operation="alteration", record_type="audit_log",
                     record_ids=[f"1-{unkeyed}"])
    return unkeyed


#: Most entries one export returns; page with ``after_seq``.
EXPORT_LIMIT = 10_000


def export(engine: Engine, *, actor: Actor, since: dt.datetime | None = None,
           until: dt.datetime | None = None, after_seq: int = 0,
           limit: int = EXPORT_LIMIT, exported: Head | None = None) -> dict[str, Any]:
    """Audit entries (oldest first) with the chain's verification (against ``exported``,
    a head exported earlier, when given), for an auditor.

    The trail names subjects and justifications, so reading it is itself a
    consultation: it needs a justification and is recorded, after the entries it
    returns (an export never contains its own entry).
    """
    actor.require_justification("the audit trail")
    if not 1 <= limit <= EXPORT_LIMIT:
        raise DataError(f"limit must be between 1 and {EXPORT_LIMIT:,}")
    checked = verify(engine, exported)
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
    return {"verification": verification_document(checked),
            "entries": entries, "more": len(entries) == limit}
