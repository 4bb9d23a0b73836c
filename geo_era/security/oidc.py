"""Single sign-on with OpenID Connect: the authorization code flow with PKCE (S256).

geo_era is a confidential client of one identity provider (``GEO_ERA_OIDC_*`` settings).
A sign-in goes:

1. :meth:`OidcClient.begin` makes a fresh ``state``, ``nonce`` and PKCE ``code_verifier``
   and the provider's authorization URL (with the S256 ``code_challenge``). The three
   secrets travel only in a short-lived, signed :class:`Pending` that the pages keep in an
   HttpOnly cookie of the browser that started the sign-in.
2. :meth:`OidcClient.exchange` checks the callback (``state`` equal to the pending one, in
   constant time, used once; the ``iss`` parameter, RFC 9207, when sent; no ``error``) and
   exchanges the code at the token endpoint with the ``code_verifier`` and the client's
   credentials (``client_secret_basic``, or ``client_secret_post`` when the provider
   offers only that).
3. :meth:`OidcClient.validate` checks the ID token: its signature with a key of the
   provider's JWKS (asymmetric algorithms only), ``iss`` equal to the issuer, ``aud``
   holding geo_era's client id (``azp`` equal to it when there are several audiences),
   ``exp``, ``iat`` and ``nbf`` within ``GEO_ERA_OIDC_LEEWAY_S``, the pending ``nonce`` and
   the access token's ``at_hash`` (authlib's :class:`~authlib.oidc.core.CodeIDToken`).
4. :meth:`OidcClient.grant_for` maps the groups claim (of the ID token, or else of the
   userinfo answer, whose ``sub`` must be the ID token's) to one role and organisation:
   a user in no mapped group, or in mapped groups that give different roles or
   organisations, is refused. The identity provider's administrators must put each
   person in groups that say one thing.

The username of a signed-in person is ``oidc:<issuer host>:<sub>``: the provider's
stable subject identifier, namespaced by the provider, never the ``preferred_username``
(which a provider may reassign) and never a local username (local usernames may not
start with ``oidc:``; :func:`geo_era.security.users.add_user`). When that does not fit in
64 characters it is ``oidc:`` and the first 40 hex digits of the SHA-256 of the issuer
and ``sub``.

Every refusal is a :class:`SignInRefusedError` with a short ``reason`` code (for the audit
trail and the log, never a claim's value) and a message safe to show the person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2
import jwt as pyjwt
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from geo_era.errors import ConfigurationError, GeoEraError
from geo_era.security.users import EXTERNAL_PREFIX, ROLES
from geo_era.settings import Settings, is_loopback

#: Where the provider sends the browser back to, under ``GEO_ERA_OIDC_REDIRECT_BASE``.
CALLBACK_PATH = "/login/oidc/callback"
#: Seconds a started sign-in may take at the provider.
PENDING_S = 10 * 60
#: Seconds the provider's discovery document and keys are kept before they are read again.
METADATA_S = 60 * 60
#: Longest sealed pending sign-in (bytes): with its cookie's attributes, within the
#: 4,096 bytes every browser keeps of a cookie.
MAX_SEALED = 3_800
#: Seconds any request to the provider may take.
TIMEOUT_S = 10.0
#: Signature algorithms accepted for ID tokens: asymmetric only (a token "signed" with
#: the client secret, or not at all, is refused).
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
                       "ES384", "ES512", "EdDSA", "Ed25519")

#: What the person is told for each reason a sign-in is refused: clear, generic, and the
#: same whatever the detail (which is in the audit trail).
MESSAGES = {
    "state": "The sign-in was not started here, took too long or was already used; "
             "start again.",
    "provider_error": "Your organisation's sign-in did not complete; start again.",
    "unavailable": "Your organisation's sign-in service cannot be reached; try again "
                   "later.",
    "group": "Your organisation's account is not allowed to use geo_era, or not in one "
             "role; ask your administrator.",
    "disabled": "This account is disabled; ask your administrator.",
}
#: What the person is told when the provider's answer fails a check (a token that is
#: expired, for another client, badly signed, ...).
REFUSED = "Your organisation's sign-in could not be verified; start again, or ask your " \
          "administrator."


class SignInRefusedError(GeoEraError):
    """A single sign-on refused; ``reason`` is a short code for the audit trail (e.g.
    ``audience``, ``expired``, ``signature``, ``state``, ``group``), ``username`` the
    person's geo_era username when the ID token was valid."""

    def __init__(self, reason: str, *, username: str | None = None) -> None:
        super().__init__(MESSAGES.get(reason, REFUSED))
        self.reason = reason
        self.username = username


@dataclass(frozen=True)
class Grant:
    """The role and organisation the identity provider's groups give a person."""

    role: str
    organisation: str


@dataclass(frozen=True)
class OidcConfig:
    """Single sign-on's settings, checked (roles are geo_era's roles)."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: str
    groups_claim: str
    groups: Mapping[str, Grant]
    leeway_s: int
    #: signs the pending sign-ins kept in the browser
    seal_key: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        """The configuration, or None when single sign-on is off (no issuer).

        Raises
        ------
        ConfigurationError
            For a group mapped to a role geo_era does not have.
        """
        if not settings.oidc_issuer:
            return None
        unknown = sorted({g.role for g in settings.oidc_groups.values()} - set(ROLES))
        if unknown:
            raise ConfigurationError(f"GEO_ERA_OIDC_GROUPS maps to unknown role(s) "
                                     f"{', '.join(unknown)}; use {', '.join(ROLES)}")
        secret = settings.oidc_client_secret
        key = settings.secret_key.get_secret_value() if settings.secret_key else None
        return cls(
            issuer=settings.oidc_issuer, client_id=settings.oidc_client_id or "",
            client_secret=secret.get_secret_value() if secret else "",
            redirect_uri=(settings.oidc_redirect_base or "").rstrip("/") + CALLBACK_PATH,
            scopes=" ".join(settings.oidc_scopes.split()),
            groups_claim=settings.oidc_groups_claim,
            groups={name: Grant(g.role, g.organisation)
                    for name, g in settings.oidc_groups.items()},
            leeway_s=settings.oidc_leeway_s,
            seal_key=hmac.digest((key or secrets.token_urlsafe(48)).encode(),
                                 b"geo_era single sign-on: pending sign-ins", "sha256"))


@dataclass(frozen=True)
class Pending:
    """A sign-in started and not yet finished: what the callback must match, and the
    purpose of the session (DPA 2018 s62) the person gave before leaving for the
    provider."""

    state: str
    nonce: str
    code_verifier: str
    purpose: str | None
    expires: int

    def seal(self, key: bytes) -> str:
        """This pending sign-in, signed (HS256) for a cookie."""
        return pyjwt.encode({"state": self.state, "nonce": self.nonce,
                             "verifier": self.code_verifier, "why": self.purpose,
                             "exp": self.expires}, key, algorithm="HS256")

    @classmethod
    def unseal(cls, sealed: str | None, key: bytes) -> Pending:
        """The pending sign-in of a cookie; refused (``state``) when absent, altered or
        expired."""
        if not sealed:
            raise SignInRefusedError("state")
        try:
            data = pyjwt.decode(sealed, key, algorithms=["HS256"],
                                options={"require": ["exp"]})
            why = data.get("why")
            return cls(str(data["state"]), str(data["nonce"]), str(data["verifier"]),
                       str(why) if why else None, int(data["exp"]))
        except (pyjwt.PyJWTError, KeyError, TypeError, ValueError):
            raise SignInRefusedError("state") from None


def username_for(issuer: str, sub: str) -> str:
    """The geo_era username of the provider's subject ``sub`` (see the module's text)."""
    host = urlsplit(issuer).hostname or "provider"
    name = f"{EXTERNAL_PREFIX}{host}:{sub}"
    if len(name) <= 64 and sub.isprintable() and sub.strip() == sub and sub:
        return name
    return EXTERNAL_PREFIX + hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()[:40]


class OidcClient:
    """geo_era as a client of one OpenID Connect provider. Thread-safe; keeps the
    provider's discovery document and keys for :data:`METADATA_S`."""

    def __init__(self, config: OidcConfig, *,
                 transport: httpx2.BaseTransport | None = None) -> None:
        self.config = config
        self._transport = transport
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._read_at = 0.0
        self._used: dict[str, float] = {}

    def _http(self) -> httpx2.Client:
        return httpx2.Client(timeout=TIMEOUT_S, follow_redirects=False,
                             transport=self._transport)

    def _get(self, url: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        try:
            with self._http() as http:
                answer = http.get(url, headers=headers)
            answer.raise_for_status()
            found = answer.json()
        except (httpx2.HTTPError, ValueError):
            raise SignInRefusedError("unavailable") from None
        if not isinstance(found, dict):
            raise SignInRefusedError("unavailable")
        return found

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (checked: its issuer is ours exactly, its
        endpoints are https unless the issuer is this machine)."""
        with self._lock:
            if self._metadata is not None and time.monotonic() - self._read_at < METADATA_S:
                return self._metadata
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        found = self._get(url)
        if found.get("issuer") != self.config.issuer:
            raise SignInRefusedError("issuer")
        plain_ok = is_loopback(urlsplit(self.config.issuer).hostname)
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = found.get(name)
            if not isinstance(value, str) or not (
                    value.startswith("https://") or (plain_ok and value.startswith("http://"))):
                raise SignInRefusedError("unavailable")
        with self._lock:
            self._metadata, self._keys, self._read_at = found, None, time.monotonic()
        return found

    def key_set(self, *, fresh: bool = False) -> KeySet:
        """The provider's signing keys (read again when ``fresh``, e.g. for a key id not
        seen before: the provider rotated its keys)."""
        metadata = self.metadata()
        with self._lock:
            if self._keys is not None and not fresh:
                return self._keys
        try:
            keys = KeySet.import_key_set(self._get(metadata["jwks_uri"]))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError):
            raise SignInRefusedError("unavailable") from None
        with self._lock:
            self._keys = keys
        return keys

    def origins(self) -> set[str]:
        """The origins a browser is sent to to sign in: the issuer's, and the
        authorization endpoint's once the discovery document has been read."""
        found = {_origin(self.config.issuer)}
        with self._lock:
            if self._metadata is not None:
                found.add(_origin(str(self._metadata["authorization_endpoint"])))
        return found

    def _oauth(self) -> OAuth2Client:
        supported = self.metadata().get("token_endpoint_auth_methods_supported",
                                        ["client_secret_basic"])
        method = "client_secret_basic" if "client_secret_basic" in supported \
            else "client_secret_post"
        return OAuth2Client(self.config.client_id, self.config.client_secret,
                            token_endpoint_auth_method=method, scope=self.config.scopes,
                            redirect_uri=self.config.redirect_uri,
                            code_challenge_method="S256", timeout=TIMEOUT_S,
                            follow_redirects=False, transport=self._transport)

    def begin(self, purpose: str | None = None) -> tuple[str, Pending]:
        """The provider's authorization URL to send the browser to, and the pending
        sign-in to keep in it."""
        pending = Pending(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                          code_verifier=secrets.token_urlsafe(64), purpose=purpose,
                          expires=int(time.time()) + PENDING_S)
        with self._oauth() as oauth:
            url, _state = oauth.create_authorization_url(
                self.metadata()["authorization_endpoint"], state=pending.state,
                code_verifier=pending.code_verifier, nonce=pending.nonce)
        return str(url), pending

    def _use_state(self, state: str) -> None:
        """Refuse a state already used in this process (a replayed callback)."""
        now = time.time()
        digest = hashlib.sha256(state.encode()).hexdigest()
        with self._lock:
            self._used = {k: t for k, t in self._used.items() if t > now}
            if digest in self._used:
                raise SignInRefusedError("state")
            self._used[digest] = now + PENDING_S

    def exchange(self, pending: Pending, params: Mapping[str, str]) -> dict[str, Any]:
        """The provider's tokens for the callback's ``params`` (``code``, ``state``,
        ``iss``, or ``error``), checked against ``pending``."""
        state = params.get("state", "")
        if not state or not hmac.compare_digest(state.encode(), pending.state.encode()):
            raise SignInRefusedError("state")
        self._use_state(state)
        if params.get("error"):
            raise SignInRefusedError("provider_error")
        if "iss" in params and params["iss"] != self.config.issuer:
            raise SignInRefusedError("issuer")
        code = params.get("code", "")
        if not code or len(code) > 2_000:
            raise SignInRefusedError("provider_error")
        try:
            with self._oauth() as oauth:
                tokens = oauth.fetch_token(self.metadata()["token_endpoint"],
                                           grant_type="authorization_code", code=code,
                                           code_verifier=pending.code_verifier)
        except (OAuthError, AuthlibBaseError):  # the provider refused the code
            raise SignInRefusedError("exchange") from None
        except (httpx2.HTTPError, ValueError, TypeError):  # unreachable, or not an answer
            raise SignInRefusedError("unavailable") from None
        if not isinstance(tokens.get("id_token"), str):
            raise SignInRefusedError("exchange")
        return dict(tokens)

    def validate(self, id_token: str, *, nonce: str, access_token: str | None = None,
                 now: int | None = None) -> dict[str, Any]:
        """The claims of an ID token that passes every check (see the module's text);
        ``now`` (seconds since the epoch) is the time to check against, the clock's by
        default."""
        metadata = self.metadata()
        offered = metadata.get("id_token_signing_alg_values_supported", ["RS256"])
        registry = JWSRegistry(algorithms=[a for a in offered if a in ID_TOKEN_ALGORITHMS])
        try:
            try:
                token = jwt.decode(id_token, self.key_set(), registry=registry)
            except InvalidKeyIdError:
                token = jwt.decode(id_token, self.key_set(fresh=True), registry=registry)
            params: dict[str, Any] = {"nonce": nonce, "client_id": self.config.client_id}
            if access_token:
                params["access_token"] = access_token
            claims = CodeIDToken(token.claims, token.header, {
                "iss": {"essential": True, "values": [self.config.issuer]},
                "aud": {"essential": True, "values": [self.config.client_id]},
                "nonce": {"essential": True, "values": [nonce]},
                "sub": {"essential": True}}, params)
            claims.validate(now=now, leeway=self.config.leeway_s)
        except ExpiredTokenError:
            raise SignInRefusedError("expired") from None
        except BadSignatureError:
            raise SignInRefusedError("signature") from None
        except ClaimError as exc:
            raise SignInRefusedError(_CLAIM_REASONS.get(exc.claim, "token")) from None
        except JoseError:
            raise SignInRefusedError("token") from None
        except (ValueError, TypeError):  # not a JWT at all
            raise SignInRefusedError("token") from None
        return dict(claims)

    def userinfo(self, access_token: str, sub: str) -> dict[str, Any]:
        """The provider's userinfo answer for ``access_token``; refused unless its
        ``sub`` is the ID token's (OpenID Connect Core 5.3.2)."""
        endpoint = self.metadata().get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            return {}
        found = self._get(endpoint, headers={"Authorization": f"Bearer {access_token}"})
        if found.get("sub") != sub:
            raise SignInRefusedError("userinfo")
        return found

    def groups(self, claims: Mapping[str, Any], access_token: str | None) -> list[str]:
        """The person's groups: the groups claim of the ID token, or else of the userinfo
        answer."""
        value = claims.get(self.config.groups_claim)
        if value is None and access_token:
            value = self.userinfo(access_token, str(claims["sub"])).get(
                self.config.groups_claim)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [g for g in value if isinstance(g, str)]
        return []

    def grant_for(self, groups: list[str]) -> Grant:
        """The one role and organisation the mapped groups give; refused (``group``)
        for none, or for groups that give different ones."""
        grants = {self.config.groups[g] for g in groups if g in self.config.groups}
        if len(grants) != 1:
            raise SignInRefusedError("group")
        return grants.pop()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


#: The audit reason for a claim that fails its check.
_CLAIM_REASONS = {"aud": "audience", "azp": "audience", "iss": "issuer", "nonce": "nonce",
                  "exp": "expired", "iat": "time", "nbf": "time", "sub": "token",
                  "at_hash": "token"}
