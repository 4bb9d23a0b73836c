"""The geo_era HTTP API (FastAPI): a thin adapter over the services, under ``/api/v1``.

Routes parse the request, establish who is asking, call one service
(:mod:`geo_era.services`) and return its typed answer, the response model each route
declares. Every path except the token endpoint, sign-out and the health check needs a
bearer token (or, for service accounts, an ``X-API-Key``); without one the answer is 401.
A token stands for a server-side session (:mod:`.security`), looked up on every request.
Errors from the core become 4xx answers with their safe message; anything else is a 500
with no detail, logged without personal data.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Form, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo_era import __version__
from geo_era.analysis.network.kernels import warm_up as warm_up_walks
from geo_era.db.store import open_store
from geo_era.errors import (
    DataError,
    ForbiddenError,
    GeoEraError,
    ImportRefusedError,
    LimitExceededError,
    NotFoundError,
    Problem,
    SignInError,
    TooManyAttemptsError,
    WorkflowRefusedError,
)
from geo_era.geometry.index import warm_up
from geo_era.maps.assets import LEAFLET_DIR, STATIC_DIR
from geo_era.pacing import IN_FLIGHT
from geo_era.services import data, signin
from geo_era.services.answers.data import Health, Me, SignedOut, Token
from geo_era.settings import Settings, load_settings

from . import forms
from .deps import (
    ERRORS,
    PREFIX,
    AppServices,
    ErrorOut,
    Who,
    authenticate_request,
    caller_of,
    log,
    oauth2,
)
from .routes import (
    analysis,
    audit,
    casework,
    child_protection,
    disclosures,
    docs,
    dwellings,
    enquiries,
    homelessness,
    imports,
    live_voids,
    markers,
    notices,
    ogc,
    pages,
    pages_case,
    pages_checks,
    pages_child_protection,
    pages_decisions,
    pages_disclosures,
    pages_enquiries,
    pages_find,
    pages_homeless,
    pages_live_voids,
    pages_mappa,
    pages_markers,
    pages_notices,
    pages_open,
    pages_performance,
    pages_reviews,
    pages_visor,
    records,
    reports,
    sso,
    visor,
    voids,
)
from .security import ClientAddress, TokenError, Tokens

PUBLIC = {f"{PREFIX}/health", f"{PREFIX}/auth/token", f"{PREFIX}/auth/logout"}
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


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The API application over one ``GEO_ERA_HOME`` and case store."""
    settings = settings or load_settings()
    engine = engine or open_store(settings.home, settings.database_url,
                                  audit_key=settings.audit_key)
    app = FastAPI(title="geo_era", version=__version__,
                  description="Environmental risk assessment of housing under MAPPA "
                              "(NASSO). Need-to-know access; every access to sensitive "
                              "records is audited.",
                  openapi_url=f"{PREFIX}/openapi.json", docs_url=None, redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None, responses=ERRORS)
    services = AppServices(settings, engine,
                           background_reload=settings.reload_in_background)
    _ = services.oidc  # single sign-on's settings checked now, not at the first sign-in
    app.state.settings, app.state.engine = settings, engine
    app.state.tokens = Tokens(settings, engine)
    app.state.client_address = ClientAddress(settings.trusted_proxies)
    app.state.services = services
    app.router.lifespan_context = _lifespan(services)
    app.add_middleware(Gate)
    _handle_errors(app, services)
    _service_routes(app, services)
    for router in (analysis.router, casework.router, child_protection.router,
                   disclosures.router, dwellings.router, records.router, enquiries.router,
                   imports.router, audit.router, voids.router, reports.router, notices.router,
                   markers.router, live_voids.router,
                   pages.router, pages_case.router, pages_checks.router, pages_decisions.router,
                   pages_child_protection.router,
                   pages_disclosures.router,
                   pages_enquiries.router,
                   pages_notices.router,
                   pages_find.router, pages_open.router, pages_reviews.router, sso.router,
                   pages_markers.router, docs.router, homelessness.router,
                   pages_homeless.router, pages_live_voids.router, visor.router,
                   pages_visor.router, pages_mappa.router,
                   pages_performance.router, ogc.router):
        app.include_router(router)
    app.add_exception_handler(forms.FormRefusedError, pages.form_refused)
    app.mount("/static/leaflet", StaticFiles(directory=LEAFLET_DIR), name="leaflet")
    app.mount("/static/geo_era", StaticFiles(directory=STATIC_DIR), name="geo_era_static")
    app.mount(docs.SWAGGER_URL, StaticFiles(directory=docs.SWAGGER_DIR), name="swagger_ui")
    app.mount(docs.OWN_URL, StaticFiles(directory=docs.OWN_DIR), name="api_static")
    return app


def _lifespan(services: AppServices) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Load the layers before the first request rather than during it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await run_in_threadpool(services.workspace.refresh)
        except GeoEraError as exc:
            log.warning("layers not loaded at start: %s", type(exc).__name__)
        await run_in_threadpool(warm_up)  # the proximity kernels, compiled or cached
        await run_in_threadpool(warm_up_walks)  # and the walking searches
        # What is loaded now (modules, layers, indexes, the walking network) lives as
        # long as the server: set it aside from the cyclic garbage collector, whose full
        # collections otherwise walk all of it (100-250 ms here) every few pages drawn.
        gc.collect()
        gc.freeze()
        tokens: Tokens = app.state.tokens
        tokens.keep_reading()  # here, on the event loop, which reads every session
        try:
            yield
        finally:
            tokens.stop_reading()

    return lifespan


def _handle_errors(app: FastAPI, services: AppServices) -> None:
    """Errors of the core as 4xx answers with their safe message; invalid requests as
    422 with each problem named."""

    @app.exception_handler(GeoEraError)
    def core_error(request: Request, exc: GeoEraError) -> JSONResponse:
        code = _status(exc)
        if isinstance(exc, ImportRefusedError):
            return JSONResponse({
                "detail": f"refused, nothing was changed ({len(exc.problems)} problem"
                          f"{'' if len(exc.problems) == 1 else 's'})",
                "problems": [{"where": _where(p), "problem": p.message}
                             for p in exc.problems]}, status_code=code)
        return JSONResponse({"detail": str(exc)}, status_code=code)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"where": ".".join(str(p) for p in e.get("loc", ())),
                     "problem": e.get("msg", "invalid")} for e in exc.errors()]
        return JSONResponse({"detail": "the request is not valid", "problems": problems},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _status(exc: GeoEraError) -> int:
    """The HTTP status of an error of the core."""
    if isinstance(exc, NotFoundError):
        return status.HTTP_404_NOT_FOUND
    if isinstance(exc, ForbiddenError):
        return status.HTTP_403_FORBIDDEN
    if isinstance(exc, LimitExceededError):
        return status.HTTP_429_TOO_MANY_REQUESTS
    if isinstance(exc, WorkflowRefusedError):
        return status.HTTP_409_CONFLICT
    if isinstance(exc, DataError | ImportRefusedError):
        return status.HTTP_422_UNPROCESSABLE_CONTENT
    if isinstance(exc, TooManyAttemptsError):
        return status.HTTP_429_TOO_MANY_REQUESTS
    if isinstance(exc, SignInError):
        return status.HTTP_401_UNAUTHORIZED
    return status.HTTP_400_BAD_REQUEST


def _service_routes(app: FastAPI, services: AppServices) -> None:
    """The service's own routes: health, sign-in, and who the token belongs to."""

    @app.get(f"{PREFIX}/health", tags=["service"], response_model=Health)
    def health() -> Health:
        """Liveness: no data, no authentication."""
        return data.health()

    @app.post(f"{PREFIX}/auth/token", tags=["auth"], response_model=Token, responses={
        401: {"model": ErrorOut, "description": SIGN_IN_REFUSED},
        429: {"model": ErrorOut, "description": "too many failed sign-ins for this user or "
                                                "from this address in 15 minutes"}})
    def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
              otp: Annotated[str | None, Form(
                  max_length=64, description="The second factor: the current 6-digit "
                  "code of the user's authenticator app (TOTP), or one of their unused "
                  "recovery codes. Needed for every role that may see subject data.")]
              = None) -> Token:
        """OAuth2 password flow, with the second factor in the form field ``otp``: a
        bearer token for a server-side session (it ends after ``expires_in`` seconds
        without a request, at sign-out, or when the user is disabled)."""
        return _sign_in(request, services, form.username, form.password, otp)

    @app.post(f"{PREFIX}/auth/logout", tags=["auth"], response_model=SignedOut)
    def logout(request: Request,
               _bearer: Annotated[str | None, Depends(oauth2)]) -> SignedOut:
        """Sign out: the session of the bearer token ends, and the token is refused
        from now on. Answers 200 whether or not the token was still valid (as OAuth 2.0
        token revocation, RFC 7009)."""
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        ended = (scheme.lower() == "bearer" and bool(bearer.strip())
                 and request.app.state.tokens.revoke(bearer.strip()))
        return SignedOut(ended=ended)

    @app.get(f"{PREFIX}/me", tags=["auth"], response_model=Me)
    def me(identity: Who) -> Me:
        """Who the token belongs to: username, role and organisation."""
        return data.me(services, caller_of(identity))


#: The 401 answers of the token endpoint, for the OpenAPI document.
SIGN_IN_REFUSED = ("'wrong username or password'; 'second factor needed: ...' when the "
                   "account must give a code (form field 'otp') and none was sent, or "
                   "must enrol one first on the sign-in page; a wrong or already used "
                   "code")


def _sign_in(request: Request, services: AppServices, username: str, password: str,
             otp: str | None) -> Token:
    """A token for a user whose password (and second factor, when their role needs
    one) is right; 401 otherwise, 429 after too many failures (the shared counter)."""
    tokens: Tokens = request.app.state.tokens
    client = signin.Client(request.app.state.client_address(request))
    try:
        identity = signin.sign_in(services, username=username, password=password,
                                  code=otp, client=client)
        token = tokens.issue(identity)
    except TooManyAttemptsError as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc)) from None
    except (SignInError, TokenError) as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc),
                            headers={"WWW-Authenticate": "Bearer"}) from None
    return Token(access_token=token, token_type="bearer", expires_in=tokens.minutes * 60)


def _where(problem: Problem) -> str:
    """Where a problem is: "file 'sites.csv', layer 'sites', row 2, column 'lat'" for an
    upload, the field (e.g. "geometry") for a request body."""
    if problem.file is None and problem.layer is None and problem.row is None:
        return problem.column or ""
    return str(problem).removesuffix(f": {problem.message}")


#: The answer to a fault: no detail, nothing of the request echoed.
INTERNAL_ERROR = JSONResponse({"detail": "internal error; it has been logged"},
                              status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)


class Gate:
    """The door every request passes (plain ASGI, so it costs next to nothing): refuses
    bodies over :data:`MAX_BODY_BYTES` (413) or of unstated length (411), establishes
    who is asking for every path under the prefix but the public ones (401 otherwise),
    answers a fault with a bare 500 (logged by class only), and puts the security headers,
    and ``Cache-Control: no-store`` everywhere but on static files, on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # counted while answered: a reload in the background gives way (geo_era.pacing)
        IN_FLIGHT.enter()
        try:
            await self._answer(scope, receive, send)
        finally:
            IN_FLIGHT.leave()

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)  # a page may set its own policy
                if not path.startswith("/static/"):
                    headers["Cache-Control"] = "no-store"
                    headers["Pragma"] = "no-cache"
            await send(message)

        refusal = self._refusal(scope)
        if refusal is None and path.startswith(PREFIX) and path not in PUBLIC:
            request = Request(scope)
            # One indexed read (the session or the key), here on the event loop: handing
            # it to a thread cost more than the read (a thread hop per request, with the
            # GIL passed back and forth: GET /me 651 -> 1,244 requests/s on one worker,
            # issue 23). Its write (a session's last use, once a minute at most) may wait
            # for the store's lock, so it goes to a thread.
            try:
                identity, last_use = authenticate_request(request)
                if last_use is not None:
                    await run_in_threadpool(last_use)
            except HTTPException as exc:
                refusal = JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                       headers={"WWW-Authenticate": "Bearer"})
            else:
                scope.setdefault("state", {})["identity"] = identity
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # a fault: answered here, so with the same headers
            log.error("internal error: %s", type(exc).__name__)
            if started:
                raise
            await INTERNAL_ERROR(scope, receive, send_with_headers)

    @staticmethod
    def _refusal(scope: Scope) -> JSONResponse | None:
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse(
                {"detail": f"request body too large; at most {MAX_BODY_BYTES:,} bytes"},
                status_code=status.HTTP_413_CONTENT_TOO_LARGE)
        if length is None and "chunked" in headers.get("transfer-encoding", "").lower():
            return JSONResponse({"detail": "send the body with a Content-Length"},
                                status_code=status.HTTP_411_LENGTH_REQUIRED)
        return None
