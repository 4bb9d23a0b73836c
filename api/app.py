"""The geo_era HTTP API (FastAPI): a thin adapter over the core, under ``/api/v1``.

Routes parse the request, establish who is asking, call the core and serialise the
answer. Every path except the token endpoint and the health check needs a bearer token
(or, for service accounts, an ``X-API-Key``); without one the answer is 401. Errors from
the core become 4xx answers with their safe message; anything else is a 500 with no
detail, logged without personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from api.access import MATRIX, strip_denied
from api.security import LoginLimiter, TokenError, Tokens
from geo_era import __version__
from geo_era.audit import append
from geo_era.catalog import LayerStore
from geo_era.constraints import check_subject_property
from geo_era.errors import DataError, GeoEraError, NotFoundError, WorkflowRefusedError
from geo_era.parameters import minimum_parameter_set
from geo_era.proximity import sites_near
from geo_era.settings import Settings, load_settings
from geo_era.store import open_store, session_scope
from geo_era.users import Identity, authenticate, identity_for_key

log = logging.getLogger("geo_era.api")

PREFIX = "/api/v1"
PUBLIC = {f"{PREFIX}/health", f"{PREFIX}/auth/token"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}
#: Largest request body accepted (bytes); larger ones get 413.
MAX_BODY_BYTES = 5 * 1024 * 1024

class SitesNearRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    property_id: str = Field(min_length=1, max_length=64)
    radius_m: float = Field(default=400.0, gt=0, le=5_000, description="metres")


class ParametersRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    property_id: str = Field(min_length=1, max_length=64)
    extend_metres: float | None = Field(default=None, gt=0, le=5_000)


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_id: str = Field(min_length=1, max_length=64)
    property_id: str = Field(min_length=1, max_length=64)
    justification: str = Field(min_length=10, max_length=1_000,
                               description="Why this subject's record is consulted "
                                           "(DPA 2018 s62).")


oauth2 = OAuth2PasswordBearer(tokenUrl=f"{PREFIX}/auth/token", auto_error=False)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The API application over one ``GEO_ERA_HOME`` and case store."""
    settings = settings or load_settings()
    engine = engine or open_store(settings.home, settings.database_url)
    tokens = Tokens(settings)
    limiter = LoginLimiter(settings.login_attempts)
    app = FastAPI(title="geo_era", version=__version__,
                  description="Environmental risk assessment of housing under MAPPA "
                              "(NASSO). Need-to-know access; every access to sensitive "
                              "records is audited.",
                  openapi_url=f"{PREFIX}/openapi.json", docs_url=f"{PREFIX}/docs",
                  redoc_url=None)
    app.state.settings, app.state.engine, app.state.tokens = settings, engine, tokens

    @app.middleware("http")
    async def headers_and_limits(request: Request,
                                 call_next: Callable[[Request], Awaitable[Response]]
                                 ) -> Response:
        length = request.headers.get("content-length")
        path = request.url.path
        response: Response
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            response = JSONResponse(
                {"detail": f"request body too large; at most {MAX_BODY_BYTES:,} bytes"},
                status_code=status.HTTP_413_CONTENT_TOO_LARGE)
        elif path.startswith(PREFIX) and path not in PUBLIC:
            try:
                request.state.identity = authenticate_request(request)
            except HTTPException as exc:
                response = JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                        headers={"WWW-Authenticate": "Bearer"})
            else:
                response = await call_next(request)
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if request.url.path.startswith(PREFIX):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response

    @app.exception_handler(GeoEraError)
    async def core_error(_request: Request, exc: GeoEraError) -> JSONResponse:
        code = (status.HTTP_404_NOT_FOUND if isinstance(exc, NotFoundError) else
                status.HTTP_409_CONFLICT if isinstance(exc, WorkflowRefusedError) else
                status.HTTP_422_UNPROCESSABLE_CONTENT if isinstance(exc, DataError) else
                status.HTTP_400_BAD_REQUEST)
        return JSONResponse({"detail": str(exc)}, status_code=code)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"where": ".".join(str(p) for p in e.get("loc", ())),
                     "problem": e.get("msg", "invalid")} for e in exc.errors()]
        return JSONResponse({"detail": "the request is not valid", "problems": problems},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(Exception)
    async def internal(_request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error: %s", type(exc).__name__)
        return JSONResponse({"detail": "internal error; it has been logged"},
                            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)

    @app.get(f"{PREFIX}/health", tags=["service"])
    def health() -> dict[str, str]:
        """Liveness: no data, no authentication."""
        return {"status": "ok", "version": __version__}

    @app.post(f"{PREFIX}/auth/token", tags=["auth"])
    def token(request: Request,
              form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, Any]:
        """OAuth2 password flow: a short-lived bearer token for a user."""
        client = request.client.host if request.client else "unknown"
        if limiter.blocked(form.username, client):
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                                "too many failed sign-ins; wait 15 minutes")
        identity = authenticate(engine, form.username, form.password)
        if identity is None:
            limiter.failed(form.username, client)
            raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                                "wrong username or password",
                                headers={"WWW-Authenticate": "Bearer"})
        limiter.succeeded(form.username)
        return {"access_token": tokens.issue(identity), "token_type": "bearer",
                "expires_in": tokens.minutes * 60}

    layers = LayerStore(settings.home)
    app.state.layers = layers

    def allowed(name: str, identity: Identity, *, record_ids: list[str] | None = None) -> bool:
        """Enforce the matrix; an audited endpoint logs a denial in the audit trail.
        Returns whether the caller gets the restricted view."""
        rule = MATRIX[name]
        if identity.role not in rule.allowed:
            if rule.audited:
                with session_scope(engine) as session:
                    append(session, actor=identity.username, role=identity.role,
                           organisation=identity.organisation, operation="consultation",
                           record_type=name, record_ids=record_ids or [], outcome="denied")
            log.warning("denied: role %s on %s", identity.role, name)
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"the {identity.role} role may not use this")
        return identity.role in rule.restricted_view

    @app.post(f"{PREFIX}/proximity/sites-near", tags=["proximity"])
    def sites_near_route(body: SitesNearRequest,
                         identity: Annotated[Identity, Depends(current_identity)]
                         ) -> dict[str, Any]:
        """Sites within a radius of a property: straight-line and walking distances."""
        allowed("sites_near", identity)
        return sites_near(layers, body.property_id, body.radius_m)

    @app.post(f"{PREFIX}/parameters", tags=["parameters"])
    def parameters_route(body: ParametersRequest,
                         identity: Annotated[Identity, Depends(current_identity)]
                         ) -> dict[str, Any]:
        """The NASSO 3.9 minimum set of a property (household facts for case roles)."""
        restricted = allowed("parameters", identity)
        document = minimum_parameter_set(layers, body.property_id,
                                         extend_metres=body.extend_metres).to_dict()
        return strip_denied(document) if restricted else document  # type: ignore[return-value]

    @app.post(f"{PREFIX}/check", tags=["parameters"])
    def check_route(body: CheckRequest,
                    identity: Annotated[Identity, Depends(current_identity)]
                    ) -> dict[str, Any]:
        """A subject against a candidate property: zones, conditions, households.
        Consulting a subject's record is audited with its justification."""
        restricted = allowed("check", identity,
                             record_ids=[body.subject_id, body.property_id])
        result = check_subject_property(layers, body.subject_id, body.property_id)
        document = result.to_dict(need_to_know=not restricted)
        with session_scope(engine) as session:
            append(session, actor=identity.username, role=identity.role,
                   organisation=identity.organisation, operation="consultation",
                   record_type="subject", record_ids=[body.subject_id, body.property_id],
                   justification=body.justification)
        return document

    @app.get(f"{PREFIX}/me", tags=["auth"])
    def me(identity: Annotated[Identity, Depends(current_identity)]) -> dict[str, str]:
        """Who the token belongs to: username, role and organisation."""
        return {"username": identity.username, "role": identity.role,
                "organisation": identity.organisation}

    return app


def authenticate_request(request: Request) -> Identity:
    """The caller's identity from a bearer token or an API key; 401 otherwise. Run once
    per request, by the middleware, for every path but the public ones."""
    app = request.app
    key = request.headers.get("x-api-key")
    if key:
        identity = identity_for_key(app.state.engine, key)
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


def current_identity(request: Request,
                     _bearer: Annotated[str | None, Depends(oauth2)]) -> Identity:
    """The identity the middleware established (declares the bearer scheme in OpenAPI)."""
    identity = getattr(request.state, "identity", None)
    if not isinstance(identity, Identity):  # a route outside the middleware's reach
        identity = authenticate_request(request)
    return identity
