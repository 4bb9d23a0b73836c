"""Authentication for the HTTP API and the pages: server-side sessions behind opaque
bearer tokens and cookies (:mod:`geo_era.security.sessions`), API keys for service
accounts, and the client address the failed sign-in counter counts by.

A token is a random string standing for a row of the case store's ``sessions`` table
(only its digest is stored): signing out deletes the row, a disabled user is refused at
the next request, and a token carries nothing that could be forged or guessed offline.
Other code issues a session with ``request.app.state.tokens.issue(identity,
purpose=...)`` once the user has been authenticated (password and second factor, or an
identity provider).
"""

from __future__ import annotations

import ipaddress
from functools import cached_property

from sqlalchemy import Engine
from starlette.requests import HTTPConnection

from geo_era.errors import SignInError
from geo_era.security import sessions
from geo_era.security.sessions import ACTIVE, PENDING, Lifetime, Resolved
from geo_era.security.users import Identity
from geo_era.settings import Settings


class TokenError(Exception):
    """A token that is missing, unknown, signed out, expired, or whose user is
    disabled."""


class Tokens:
    """Sessions, as the API and the pages use them: issue one, find who a token
    stands for (and why), end one."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._engine = engine
        #: idle lifetime of a session, minutes (what the token endpoint's
        #: ``expires_in`` says)
        self.minutes = settings.token_minutes
        self.lifetime = Lifetime.of(settings.token_minutes, settings.session_hours)
        self._kept: sessions.KeptReader | None = None

    def keep_reading(self) -> None:
        """Read sessions on a connection kept for this thread (the server's event loop,
        from its start; :class:`~geo_era.security.sessions.KeptReader`) until
        :meth:`stop_reading`. Other threads read as before."""
        self.stop_reading()
        self._kept = sessions.KeptReader(self._engine)

    def stop_reading(self) -> None:
        """Give the kept connection back (the server's end)."""
        kept, self._kept = self._kept, None
        if kept is not None:
            kept.close()

    def issue(self, identity: Identity, *, purpose: str | None = None) -> str:
        """A session for an authenticated ``identity``; ``purpose`` (a web session's
        stated reason for consulting records, DPA 2018 s62) is kept with it. Refused
        (:class:`TokenError`) for a disabled account."""
        try:
            return sessions.issue(self._engine, identity, lifetime=self.lifetime,
                                  purpose=purpose)
        except SignInError as exc:
            raise TokenError(str(exc)) from None

    def pending(self, identity: Identity, *, stage: str, purpose: str | None = None) -> str:
        """A session part-way through sign-in (its second factor still to give or to
        enrol), accepted only by the sign-in steps, for a few minutes."""
        try:
            return sessions.issue(self._engine, identity, lifetime=PENDING,
                                  purpose=purpose, stage=stage)
        except SignInError as exc:
            raise TokenError(str(exc)) from None

    def session(self, token: str, *, stages: tuple[str, ...] = (ACTIVE,),
                write_last_use: bool = True) -> Resolved:
        """The valid session ``token`` stands for (one query); :class:`TokenError`
        otherwise, with a message safe to show. With ``write_last_use=False`` the
        session's last use, when due, is left to the caller (``Resolved.last_use``)."""
        try:
            return sessions.resolve(self._engine, token, lifetime=self.lifetime,
                                    stages=stages, write_last_use=write_last_use,
                                    kept=self._kept)
        except SignInError as exc:
            raise TokenError(str(exc)) from None

    def identity(self, token: str) -> Identity:
        """Who a signed-in session's token stands for."""
        return self.session(token).identity

    def purpose(self, token: str) -> str | None:
        """The purpose a signed-in session was opened with."""
        return self.session(token).purpose

    def revoke(self, token: str) -> bool:
        """End the session of ``token`` (signing out); whether there was one."""
        return sessions.revoke(self._engine, token)


class ClientAddress:
    """The client address of a request: the socket's peer, unless the peer is one of
    ``GEO_ERA_TRUSTED_PROXIES``; then the right-most address of X-Forwarded-For that is
    not a trusted proxy (the left-most ones are whatever the client chose to send)."""

    def __init__(self, trusted: tuple[str, ...]) -> None:
        self._trusted = trusted

    @cached_property
    def networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(t, strict=False) for t in self._trusted)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, request: HTTPConnection) -> str:
        peer = request.client.host if request.client else "unknown"
        if not self.networks or not self._is_trusted(peer):
            return peer
        hops = [h.strip() for v in request.headers.getlist("x-forwarded-for")
                for h in v.split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop[:64]
        return peer
