"""The failed sign-in counter: one, in the case store, shared by every worker and every
server over the same store, and race-free.

Each attempt is counted *before* its password or code is checked: :func:`reserve` takes
the store's sign-in lock (the one row of ``sign_in_lock``, updated first: a row lock on
PostgreSQL, the write lock on SQLite), counts the failures of each key in the last
:data:`WINDOW` (sliding), and either refuses or records the attempt, then commits. A
right password or code then :func:`release`\\ s its reservation; a wrong one leaves it
counted. Twenty concurrent tries therefore let at most ``limit`` through to the check,
never twenty.

The keys (chosen by the sign-in service) are the client address, and either the
username or, for a browser the user signed in from before (its device cookie), that
device: failures from elsewhere never lock a user out of the browser they use, while a
spray from one address is stopped by the address's own limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import DateTime, Engine, Index, Integer, String, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from geo_era.db.store import Base, session_scope, utcnow
from geo_era.errors import DataError

#: The sliding window failures are counted over.
WINDOW = dt.timedelta(minutes=15)


class SignInAttempt(Base):
    """One attempt against one key: a failure, or an attempt being checked."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class SignInLock(Base):
    """One row, updated first by every reservation: serialises them."""

    __tablename__ = "sign_in_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taken: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class Limit:
    """At most ``most`` failures for ``key`` in :data:`WINDOW`."""

    key: str
    most: int


@dataclass(frozen=True)
class Reservation:
    """The attempts recorded for one sign-in step, one per key."""

    ids: tuple[int, ...]


def reserve(engine: Engine, limits: Sequence[Limit]) -> Reservation | None:
    """Record one attempt against every key of ``limits``, or ``None`` (nothing recorded)
    when any key already has its ``most`` failures in the window."""
    now = utcnow()
    since = now - WINDOW
    keys = [limit.key[:200] for limit in limits]
    with session_scope(engine) as session:
        taken = session.execute(update(SignInLock).where(SignInLock.id == 1)
                                .values(taken=SignInLock.taken + 1))
        if not getattr(taken, "rowcount", 0):
            raise DataError("the sign-in lock row is missing; the case store was not "
                            "migrated (it is made by migration 0005)")
        session.execute(delete(SignInAttempt).where(SignInAttempt.at < since))
        counts = dict(session.execute(
            select(SignInAttempt.key, func.count()).where(SignInAttempt.key.in_(keys),
                                                         SignInAttempt.at >= since)
            .group_by(SignInAttempt.key)).all())
        if any(counts.get(key, 0) >= limit.most for key, limit in zip(keys, limits,
                                                                       strict=True)):
            return None
        rows = [SignInAttempt(key=key, at=now) for key in keys]
        session.add_all(rows)
        session.flush()
        return Reservation(tuple(row.id for row in rows))


def release(engine: Engine, reservation: Reservation) -> None:
    """The attempts of ``reservation`` succeeded: they are not failures."""
    with session_scope(engine) as session:
        session.execute(delete(SignInAttempt).where(SignInAttempt.id.in_(reservation.ids)))


def failures(engine: Engine, key: str) -> int:
    """Failures (and attempts being checked) for ``key`` in the window now."""
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(SignInAttempt).where(
            SignInAttempt.key == key, SignInAttempt.at >= utcnow() - WINDOW)) or 0)
