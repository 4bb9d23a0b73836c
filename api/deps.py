"""What every route depends on: the services of the app, who is asking, and the gate
that applies the need-to-know matrix (:mod:`geo_era.security.access`) and audits refusals."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from api.security import TokenError
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import session_scope
from geo_era.security.access import MATRIX, ROLE_AGENCY, SCOPED_ROLES
from geo_era.security.audit import Actor
from geo_era.security.users import Identity, identity_for_key
from geo_era.settings import Settings
from geo_era.workspace import Workspace

log = logging.getLogger("geo_era.api")

PREFIX = "/api/v1"
oauth2 = OAuth2PasswordBearer(tokenUrl=f"{PREFIX}/auth/token", auto_error=False)


class ProblemOut(BaseModel):
    where: str = Field(description="the field, or file/layer/row/column, at fault")
    problem: str


class ErrorOut(BaseModel):
    """Every error answer: a message safe to show, and each problem when there are
    several. Never a traceback or internal detail."""

    detail: str
    problems: list[ProblemOut] | None = None


#: The error answers every route may give, documented in the OpenAPI schema.
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": description} for code, description in {
        401: "not signed in, or the token has expired",
        403: "the caller's role may not use this (refusals of audited endpoints are "
             "audited)",
        404: "no such record, or not one the caller may see",
        409: "the ERA workflow does not allow this now; the message says what is missing",
        413: "request body too large",
        422: "the request is not valid; each problem is named",
        429: "too many failed sign-ins",
        500: "internal error (logged without personal data)",
    }.items()}


@dataclass(frozen=True)
class Caller:
    """An admitted request: who, as which actor for the audit trail, and whether they
    get the restricted (Link Officer) view."""

    identity: Identity
    actor: Actor
    restricted: bool

    @property
    def agency(self) -> str:
        """The agency this caller records for in a case."""
        agency = ROLE_AGENCY.get(self.identity.role)
        if agency is None:  # the matrix admits only agency roles to agency steps
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"the {self.identity.role} role records for no agency")
        return agency


class Services:
    """The app's long-lived parts: settings, the case store, the layer store, and the
    workspace that keeps the layers loaded and indexed between requests (fresh against
    every import)."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.layers = LayerStore(settings.home)
        self.workspace = Workspace(self.layers)

    def admit(self, endpoint: str, identity: Identity, *, justification: str | None = None,
              record_ids: list[str] | None = None) -> Caller:
        """Apply the matrix to ``identity`` for ``endpoint``: a :class:`Caller`, or 403.
        A refused call to an audited endpoint leaves a ``denied`` audit entry."""
        rule = MATRIX[endpoint]
        actor = Actor(identity.username, identity.role, identity.organisation,
                      justification,
                      identity.organisation if identity.role in SCOPED_ROLES else None)
        if identity.role not in rule.allowed:
            if rule.audited:
                self.record_denied(actor, endpoint, record_ids or [])
            log.warning("denied: role %s on %s", identity.role, endpoint)
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"the {identity.role} role may not use this")
        return Caller(identity, actor, identity.role in rule.restricted_view)

    def record_denied(self, actor: Actor, record_type: str, record_ids: list[str]) -> None:
        with session_scope(self.engine) as session:
            actor.record(session, operation="consultation", record_type=record_type,
                         record_ids=record_ids, outcome="denied")


def authenticate_request(request: Request) -> Identity:
    """The caller's identity from a bearer token or an API key; 401 otherwise. Run once
    per request, by the middleware, for every path but the public ones."""
    app = request.app
    key = request.headers.get("x-api-key")
    if key:
        identity = identity_for_key(app.state.services.engine, key)
        if identity is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the API key is not valid")
        return identity
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not bearer:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in: a bearer token is needed")
    try:
        identity = app.state.tokens.identity(bearer.strip())
    except TokenError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    assert isinstance(identity, Identity)
    return identity


async def current_identity(request: Request,
                           _bearer: Annotated[str | None, Depends(oauth2)]) -> Identity:
    """The identity the middleware established (declares the bearer scheme in OpenAPI)."""
    identity = getattr(request.state, "identity", None)
    if not isinstance(identity, Identity):  # a route outside the middleware's reach
        identity = authenticate_request(request)
    return identity


async def services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


Who = Annotated[Identity, Depends(current_identity)]
App = Annotated[Services, Depends(services)]
