"""Single sign-on with the organisation's identity provider (OpenID Connect, authorization
code with PKCE; :mod:`geo_era.security.oidc`): start a sign-in, and finish it into a
geo_era identity.

Every finished sign-in, allowed or refused, is one audit entry (operation
``collection``, record type ``sign_in``): allowed ones name the person (``oidc:...``)
with the role and organisation their groups gave, recorded in the transaction that
made or updated their user; refused ones are ``denied``, with record ids ``["oidc",
<reason>]`` (``state``, ``audience``, ``expired``, ``signature``, ``group``,
``disabled``, ...), the person's username when the ID token was valid and ``unknown``
otherwise. Neither the tokens nor any claim's value are logged or recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo_era.db.store import session_scope
from geo_era.errors import DataError
from geo_era.security.audit import Actor
from geo_era.security.oidc import (
    MAX_SEALED,
    OidcClient,
    Pending,
    SignInRefusedError,
    username_for,
)
from geo_era.security.users import Identity, provision_external
from geo_era.services.context import Services
from geo_era.services.policy import plain_text

log = logging.getLogger("geo_era.services")
RECORD_TYPE = "sign_in"


@dataclass(frozen=True)
class SignedIn:
    """A person signed in by the identity provider, and the purpose of their session."""

    identity: Identity
    purpose: str | None


def _client(services: Services) -> OidcClient:
    client = services.oidc
    if client is None:
        raise DataError("single sign-on is not configured here; sign in with a username "
                        "and password, or ask the operator to set GEO_ERA_OIDC_ISSUER")
    return client


def begin(services: Services, *, purpose: str | None = None) -> tuple[str, str]:
    """Start a sign-in: the provider's URL to send the browser to, and the sealed
    pending sign-in (state, nonce, PKCE verifier, purpose) to keep in that browser for
    :data:`geo_era.security.oidc.PENDING_S` seconds.

    Raises
    ------
    DataError
        When single sign-on is not configured, or the purpose holds a control character
        or is too long to keep in a cookie.
    SignInRefusedError
        When the provider cannot be reached (``unavailable``); not audited, as nobody
        has signed in yet.
    """
    client = _client(services)
    url, pending = client.begin(plain_text(purpose, "purpose of the session"))
    sealed = pending.seal(client.config.seal_key)
    if len(sealed) > MAX_SEALED:
        raise DataError("the purpose of the session is too long to carry through your "
                        "organisation's sign-in; shorten it (a few hundred characters at "
                        "most)")
    return url, sealed


def complete(services: Services, *, sealed: str | None,
             params: Mapping[str, str]) -> SignedIn:
    """Finish a sign-in from the provider's callback ``params`` and the browser's sealed
    pending sign-in: check the state, exchange the code, then :func:`finish`.

    Raises
    ------
    SignInRefusedError
        With its ``reason``; audited as ``denied``.
    """
    client = _client(services)
    try:
        pending = Pending.unseal(sealed, client.config.seal_key)
        tokens = client.exchange(pending, params)
    except SignInRefusedError as refused:
        _denied(services, refused)
        raise
    return finish(services, pending, tokens)


def finish(services: Services, pending: Pending, tokens: Mapping[str, Any]) -> SignedIn:
    """Validate the provider's ``tokens`` for ``pending`` (the ID token's signature,
    issuer, audience, times and nonce), map the person's groups to one role and
    organisation, make or update their user, and audit the sign-in.

    Raises
    ------
    SignInRefusedError
        With its ``reason``; audited as ``denied``. A disabled user stays refused.
    """
    client = _client(services)
    try:
        access = tokens.get("access_token")
        access = access if isinstance(access, str) else None
        claims = client.validate(str(tokens.get("id_token", "")), nonce=pending.nonce,
                                 access_token=access)
        username = username_for(client.config.issuer, str(claims["sub"]))
        try:
            grant = client.grant_for(client.groups(claims, access))
        except SignInRefusedError as refused:
            refused.username = username
            raise
        with session_scope(services.engine) as session:
            identity = provision_external(session, username, role=grant.role,
                                          organisation=grant.organisation)
            if identity is None:
                raise SignInRefusedError("disabled", username=username)
            Actor(identity.username, identity.role, identity.organisation).record(
                session, operation="collection", record_type=RECORD_TYPE,
                record_ids=["oidc"])
    except SignInRefusedError as refused:
        _denied(services, refused)
        raise
    log.info("single sign-on: role %s signed in", identity.role)
    return SignedIn(identity, pending.purpose)


def _denied(services: Services, refused: SignInRefusedError) -> None:
    """Audit a refused sign-in (no token, no claim's value)."""
    log.warning("single sign-on refused: %s", refused.reason)
    with session_scope(services.engine) as session:
        Actor(refused.username or "unknown", "none", "none").record(
            session, operation="collection", record_type=RECORD_TYPE,
            record_ids=["oidc", refused.reason], outcome="denied")
