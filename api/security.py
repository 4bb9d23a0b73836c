"""Authentication for the HTTP API: signed short-lived bearer tokens (OAuth2 password
flow), API keys for service accounts, and a limit on failed logins.

Tokens are HS256 JWTs carrying only the username, role and organisation; nothing about
subjects or cases. The limiter counts failures per username and per client address in
a sliding 15-minute window, in memory (one process; a shared store is needed behind a
load balancer).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections import defaultdict, deque

import jwt

from geo_era.security.users import Identity
from geo_era.settings import Settings

ALGORITHM = "HS256"
WINDOW_S = 15 * 60


class TokenError(Exception):
    """A token that is missing, malformed, expired or not ours."""


class Tokens:
    def __init__(self, settings: Settings) -> None:
        key = settings.secret_key.get_secret_value() if settings.secret_key else None
        self._key = key or secrets.token_urlsafe(48)  # development: one per process
        self.minutes = settings.token_minutes

    def issue(self, identity: Identity, *, purpose: str | None = None) -> str:
        """A token for ``identity``; ``purpose`` (a web session's stated reason for
        consulting records, DPA 2018 s62) travels signed with it."""
        now = dt.datetime.now(dt.UTC)
        claims: dict[str, object] = {"sub": identity.username, "role": identity.role,
                                     "org": identity.organisation, "iat": now,
                                     "exp": now + dt.timedelta(minutes=self.minutes),
                                     "jti": secrets.token_hex(8)}
        if purpose:
            claims["why"] = purpose
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def purpose(self, token: str) -> str | None:
        """The purpose a (valid) token was issued with."""
        claims = jwt.decode(token, self._key, algorithms=[ALGORITHM])
        why = claims.get("why")
        return str(why) if why else None

    def identity(self, token: str) -> Identity:
        try:
            claims = jwt.decode(token, self._key, algorithms=[ALGORITHM],
                                options={"require": ["exp", "sub", "role", "org"]})
        except jwt.ExpiredSignatureError:
            raise TokenError("the token has expired; sign in again") from None
        except jwt.PyJWTError:
            raise TokenError("the token is not valid") from None
        return Identity(str(claims["sub"]), str(claims["role"]), str(claims["org"]))


class LoginLimiter:
    """Refuses logins after too many failures for a username or a client address."""

    def __init__(self, attempts: int) -> None:
        self.attempts = attempts
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > WINDOW_S:
            times.popleft()
        return times

    def blocked(self, username: str, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.attempts
                       for k in (f"user:{username}", f"ip:{client}"))

    def failed(self, username: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"user:{username}", f"ip:{client}"):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username}", None)
