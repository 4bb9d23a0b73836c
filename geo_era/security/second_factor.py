"""The second factor of local accounts: time-based one-time passwords (TOTP, RFC 6238,
via pyotp: SHA-1, 6 digits, 30-second steps, what every authenticator app reads) and
single-use recovery codes.

- The TOTP secret (160 random bits) is stored only sealed (AES-256-GCM under a key
  derived from ``GEO_ERA_SECRET_KEY`` or the home's key file, bound to its user:
  :mod:`geo_era.security.keys`); it is shown once, at enrolment, as an ``otpauth://``
  URI and as text.
- Enrolment is confirmed only by a valid code from the new secret; until then it is
  pending, and a pending secret is shown again (not replaced) if the page is reloaded.
- A code is accepted for the current step and one either side (clock drift), and only
  for a step later than the last one accepted: a code used once cannot be used again
  (the check and the write are one atomic UPDATE).
- :data:`RECOVERY_CODES` recovery codes of 80 random bits each are made at enrolment and
  shown once; the store keeps their SHA-256 digests (salted with the user's id), and
  each is used up by an atomic UPDATE when it is used.

Whether a user must give a second factor, and the audit entries of enrolment, use,
failure and reset, are the sign-in service's (:mod:`geo_era.services.signin`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from typing import Literal

import pyotp
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo_era.db.store import Base, utcnow
from geo_era.errors import DataError
from geo_era.security.keys import SealError, SecretBox

ISSUER = "geo_era"
RECOVERY_CODES = 10
#: Steps either side of now a code is accepted for (30 s each).
DRIFT_STEPS = 1
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1
_RECOVERY_LENGTH = 16  # 16 x 5 bits = 80 bits
Status = Literal["none", "pending", "enrolled"]
Method = Literal["totp", "recovery"]


class SecondFactor(Base):
    """A user's TOTP secret (sealed), whether enrolment was confirmed, and the last
    time step accepted (replay protection)."""

    __tablename__ = "second_factors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, autoincrement=False)
    sealed_secret: Mapped[str] = mapped_column(Text)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                             nullable=True)
    last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecoveryCode(Base):
    """One single-use recovery code, as a digest."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                        nullable=True)


def _context(user_id: int) -> str:
    return f"totp:{user_id}"


def _secret(box: SecretBox, row: SecondFactor) -> str:
    try:
        return box.open(row.sealed_secret, _context(row.user_id)).decode("ascii")
    except SealError:
        raise DataError("this account's second factor cannot be read (the secret key has "
                        "changed); ask an administrator to reset it (geo-era user "
                        "reset-2fa)") from None


def status(session: Session, user_id: int) -> Status:
    row = session.get(SecondFactor, user_id)
    if row is None:
        return "none"
    return "enrolled" if row.confirmed_at is not None else "pending"


def begin(session: Session, box: SecretBox, user_id: int) -> str:
    """The secret of a pending enrolment (made now, or the one already pending);
    refused when a second factor is already enrolled."""
    row = session.get(SecondFactor, user_id)
    if row is not None and row.confirmed_at is not None:
        raise DataError("a second factor is already enrolled for this account; an "
                        "administrator can reset it (geo-era user reset-2fa)")
    if row is not None:
        return _secret(box, row)
    secret = pyotp.random_base32(32)
    session.add(SecondFactor(user_id=user_id, sealed_secret=box.seal(
        secret.encode("ascii"), _context(user_id)), created_at=utcnow()))
    session.flush()
    return secret


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads (as a QR code or text)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step (within :data:`DRIFT_STEPS` of now) whose code is ``code``."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time() if at is None else at)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _take_step(session: Session, user_id: int, step: int) -> bool:
    """Record ``step`` as used, if it is later than the last used: atomically, so two
    requests with the same code cannot both succeed."""
    done = session.execute(
        update(SecondFactor).where(SecondFactor.user_id == user_id,
                                   (SecondFactor.last_step.is_(None))
                                   | (SecondFactor.last_step < step))
        .values(last_step=step))
    return bool(getattr(done, "rowcount", 0))


def _totp_code(code: str) -> str | None:
    digits = re.sub(r"\s", "", code)
    return digits if re.fullmatch(r"[0-9]{6}", digits) else None


def confirm(session: Session, box: SecretBox, user_id: int, code: str) -> list[str] | None:
    """Confirm a pending enrolment with a code from its secret: the new recovery codes
    (to show once), or ``None`` for a wrong code."""
    row = session.get(SecondFactor, user_id)
    if row is None or row.confirmed_at is not None:
        raise DataError("there is no second factor waiting to be confirmed; sign in again")
    digits = _totp_code(code)
    step = _matching_step(_secret(box, row), digits) if digits else None
    if step is None or not _take_step(session, user_id, step):
        return None
    row.confirmed_at = utcnow()
    return new_recovery_codes(session, user_id)


def enrol(session: Session, box: SecretBox, user_id: int, secret: str | None = None) -> str:
    """Enrol a second factor at once, without a confirming code (the FICTIONAL demo
    users, tests): the secret. Replaces any earlier one."""
    secret = secret or pyotp.random_base32(32)
    reset(session, user_id)
    session.add(SecondFactor(user_id=user_id, sealed_secret=box.seal(
        secret.encode("ascii"), _context(user_id)), confirmed_at=utcnow(),
        created_at=utcnow()))
    session.flush()
    return secret


def _recovery_digest(user_id: int, code: str) -> str:
    normal = re.sub(r"[\s-]", "", code).upper()
    return hashlib.sha256(f"{user_id}:{normal}".encode()).hexdigest()


def new_recovery_codes(session: Session, user_id: int) -> list[str]:
    """:data:`RECOVERY_CODES` new recovery codes (``XXXX-XXXX-XXXX-XXXX``) replacing
    any earlier ones: returned once, stored as digests."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
        session.add(RecoveryCode(user_id=user_id, digest=_recovery_digest(user_id, raw)))
    session.flush()
    return codes


def verify(session: Session, box: SecretBox, user_id: int, code: str) -> Method | None:
    """Check a code of an enrolled second factor: ``"totp"`` for a current code not
    used before, ``"recovery"`` for an unused recovery code (now used up), ``None``
    otherwise."""
    row = session.get(SecondFactor, user_id)
    if row is None or row.confirmed_at is None:
        return None
    digits = _totp_code(code)
    if digits is not None:
        step = _matching_step(_secret(box, row), digits)
        return "totp" if step is not None and _take_step(session, user_id, step) else None
    if len(re.sub(r"[\s-]", "", code)) != _RECOVERY_LENGTH:
        return None
    used = session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user_id,
                                   RecoveryCode.digest == _recovery_digest(user_id, code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()))
    return "recovery" if getattr(used, "rowcount", 0) else None


def recovery_codes_left(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0)


def reset(session: Session, user_id: int) -> bool:
    """Remove a user's second factor and recovery codes (they enrol again at their next
    sign-in); whether there was one."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    done = session.execute(delete(SecondFactor).where(SecondFactor.user_id == user_id))
    return bool(getattr(done, "rowcount", 0))
