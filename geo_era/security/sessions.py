"""Server-side sessions: what an API bearer token or a page's cookie stands for.

A session token is an opaque random string (256 bits); the store keeps only its SHA-256
digest, with who signed in, the purpose they gave (a web session's stated reason for
consulting records, DPA 2018 s62), its stage, and when it was made, last used and ends.
Every request looks its token up (one query on the unique digest, joined to the user),
so that:

- signing out deletes the session and its token is refused from the next request;
- a disabled user (``geo-era user disable``) is refused at once, whatever they hold;
- a change of role or organisation applies at once (the identity is the user's row);
- nothing in a token can be forged or guessed offline: it carries no claims and no
  signature whose key could be found from it.

A session ends after ``token_minutes`` without a request (idle) and ``session_hours``
after sign-in (absolute). Its last use is written at most once a minute, so a busy
session costs one read per request and one write a minute. A session part-way through
sign-in (password right, second factor still to give or to enrol) has a stage other
than :data:`ACTIVE` and is accepted only by the sign-in steps, for
:data:`PENDING_MINUTES`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo_era.db.store import Base, session_scope, utcnow
from geo_era.errors import SignInError
from geo_era.security.users import Identity, User

#: A signed-in session.
ACTIVE = "active"
#: Password right; the second-factor code is still to be given.
SECOND_FACTOR = "second_factor"
#: Password right; a second factor must be enrolled first.
ENROL = "enrol"
STAGES = (ACTIVE, SECOND_FACTOR, ENROL)
#: How long a session part-way through sign-in lasts, minutes.
PENDING_MINUTES = 10
#: Its last use is written at most this often, seconds.
TOUCH_EVERY_S = 60
PREFIX = "ges_"
log = logging.getLogger("geo_era.security")


class SignInSession(Base):
    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: SHA-256 of the token, hex: the token itself is never stored
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: the local account, when there is one (a session from single sign-on may have none)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str | None] = mapped_column(Text, nullable=True)
    stage: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: when it ends if unused (moves on with use, never past ``ends_at``)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: when it ends however busy
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class Lifetime:
    """How long sessions last: ``idle`` without a request, ``absolute`` after sign-in."""

    idle: dt.timedelta
    absolute: dt.timedelta

    @classmethod
    def of(cls, token_minutes: int, session_hours: int) -> Lifetime:
        return cls(dt.timedelta(minutes=token_minutes), dt.timedelta(hours=session_hours))


PENDING = Lifetime(dt.timedelta(minutes=PENDING_MINUTES), dt.timedelta(minutes=PENDING_MINUTES))


@dataclass(frozen=True)
class Resolved:
    """A valid session: who, why, its stage, and the local account's id (if any)."""

    identity: Identity
    purpose: str | None
    stage: str
    user_id: int | None
    session_id: int
    #: its last use, when due to be written and left to the caller (``resolve``'s
    #: ``write_last_use=False``): a write, which may wait for the store's lock
    last_use: Callable[[], None] | None = None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive UTC times; PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def issue(engine: Engine, identity: Identity, *, lifetime: Lifetime,
          purpose: str | None = None, stage: str = ACTIVE) -> str:
    """A new session for ``identity`` (its local account's, when there is one): the
    token, shown once. Refused (:class:`SignInError`) for a disabled account. Sessions
    that have ended are cleared out on the way."""
    if stage not in STAGES:
        raise ValueError(f"unknown session stage {stage!r}")
    token = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    with session_scope(engine) as session:
        session.execute(delete(SignInSession).where(
            (SignInSession.ends_at < now) | (SignInSession.expires_at < now)))
        user = session.scalar(select(User).where(User.username == identity.username))
        if user is not None and not user.active:
            raise SignInError("this account is disabled; ask your administrator")
        session.add(SignInSession(
            digest=digest(token), user_id=user.id if user is not None else None,
            username=identity.username, role=identity.role,
            organisation=identity.organisation, purpose=purpose, stage=stage,
            created_at=now, last_seen_at=now,
            expires_at=min(now + lifetime.idle, now + lifetime.absolute),
            ends_at=now + lifetime.absolute))
    return token


def _lookup() -> Select[Any]:
    """The one query of a request: a session by its digest (unique index), with its
    user's state. Built once, from the tables' columns, so each request only binds the
    digest (SQLAlchemy reuses the compiled statement as it is)."""
    table, users = SignInSession.__table__.c, User.__table__.c
    return (select(table.id, table.user_id, table.username, table.role, table.organisation,
                   table.purpose, table.stage, table.last_seen_at, table.expires_at,
                   table.ends_at, users.active, users.role.label("user_role"),
                   users.organisation.label("user_org"))
            .select_from(SignInSession.__table__.outerjoin(
                User.__table__, users.id == table.user_id))
            .where(table.digest == bindparam("digest")))


_LOOKUP = _lookup()


def _read(engine: Engine, token_digest: str) -> Row[Any] | None:
    with engine.connect() as connection:
        return connection.execute(_LOOKUP, {"digest": token_digest}).first()


class KeptReader:
    """The session reads of one thread (a server worker's event loop, which reads the
    session of every request) on one connection kept open, instead of a connection
    taken from the pool and given back each time (SQLAlchemy's checkout, reset and
    check-in): a session read took 156 µs through the pool, 110 µs on a kept connection
    (issue 23, item 5).

    Each read ends its transaction (a rollback), so no snapshot is kept between two
    reads: a session ended or an account disabled by any process is refused at the very
    next request, as before. Another thread reads as before, on a pooled connection. A
    read that fails on the kept connection (the database restarted, say) drops it and
    reads once more on a fresh one. :meth:`close` at the server's end."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._owner = threading.get_ident()
        self._connection: Connection | None = None
        self._closed = False

    def read(self, token_digest: str) -> Row[Any] | None:
        if self._closed or threading.get_ident() != self._owner:
            return _read(self._engine, token_digest)
        if self._connection is None:
            self._connection = self._engine.connect()
        try:
            row = self._connection.execute(_LOOKUP, {"digest": token_digest}).first()
            self._connection.rollback()
        except DBAPIError:
            self._drop()
            return _read(self._engine, token_digest)
        return row

    def close(self) -> None:
        self._closed = True
        self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except DBAPIError:  # already broken: nothing left to give back
                pass


def resolve(engine: Engine, token: str, *, lifetime: Lifetime,
            stages: tuple[str, ...] = (ACTIVE,), write_last_use: bool = True,
            kept: KeptReader | None = None) -> Resolved:
    """The session ``token`` stands for, if it is valid now and in one of ``stages``;
    :class:`SignInError` otherwise (unknown, signed out, expired, or its user disabled).
    One indexed query (on ``kept``'s connection when given); its last use is written at
    most once a minute, here or, with ``write_last_use=False``, by the caller calling
    the answer's ``last_use``."""
    if not token.startswith(PREFIX) or len(token) > 100:
        raise SignInError("the token is not valid; sign in again")
    now = utcnow()
    token_digest = digest(token)
    row = kept.read(token_digest) if kept is not None else _read(engine, token_digest)
    if row is None:
        raise SignInError("the token is not valid; sign in again")
    if now >= _aware(row.expires_at) or now >= _aware(row.ends_at):
        raise SignInError("the session has expired; sign in again")
    if row.user_id is not None and not row.active:
        raise SignInError("this account is disabled; ask your administrator")
    if row.stage not in stages:
        raise SignInError("sign-in is not finished; give the second-factor code first")
    last_use = None
    if (now - _aware(row.last_seen_at)).total_seconds() >= TOUCH_EVERY_S:
        last_use = partial(_touch, engine, row.id, now, min(
            now + (lifetime if row.stage == ACTIVE else PENDING).idle, _aware(row.ends_at)))
        if write_last_use:
            last_use()
            last_use = None
    identity = (Identity(row.username, row.user_role, row.user_org)
                if row.user_id is not None
                else Identity(row.username, row.role, row.organisation))
    return Resolved(identity, row.purpose, row.stage, row.user_id, row.id, last_use)


def _touch(engine: Engine, session_id: int, now: dt.datetime, expires: dt.datetime) -> None:
    """Write a session's last use and move its idle end on, in a transaction of its own
    (begun with the write, so SQLite takes its lock waiting rather than failing). A
    write lost to a busy store is harmless: the next request a minute on tries again."""
    try:
        with session_scope(engine) as session:
            session.execute(update(SignInSession).where(SignInSession.id == session_id)
                            .values(last_seen_at=now, expires_at=expires))
    except OperationalError:
        log.warning("a session's last use was not written (the store was busy)")


def revoke(engine: Engine, token: str) -> bool:
    """End the session of ``token`` (signing out); whether there was one."""
    with session_scope(engine) as session:
        done = session.execute(delete(SignInSession)
                               .where(SignInSession.digest == digest(token)))
        return bool(getattr(done, "rowcount", 0))


def revoke_user(session: Session, user_id: int) -> int:
    """End every session of one account (it was disabled, or its second factor reset),
    in ``session``'s transaction; how many."""
    done = session.execute(delete(SignInSession).where(SignInSession.user_id == user_id))
    return int(getattr(done, "rowcount", 0))
