"""What every route depends on: the services of the app, who is asking, and the gate
that applies the need-to-know matrix (:mod:`geo_era.security.access`) and audits refusals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from geo_era.pacing import WouldWaitError, without_waiting
from geo_era.security.audit import commits_awaited_by_caller
from geo_era.security.users import Identity, identity_for_key
from geo_era.services import Caller, Services

from .forms import SESSION_COOKIE
from .security import TokenError, Tokens

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
        401: "not signed in, or the session has ended (signed out, expired, or the "
             "account disabled)",
        403: "the caller's role may not use this (refusals of audited endpoints are "
             "audited)",
        404: "no such record, or not one the caller may see",
        409: "the ERA workflow does not allow this now; the message says what is missing",
        413: "request body too large",
        422: "the request is not valid; each problem is named",
        429: "too many failed sign-ins, or too many checks in a short time",
        500: "internal error (logged without personal data)",
    }.items()}


class Answer(Response):
    """A service's typed answer written as JSON (by alias, as FastAPI writes a
    ``response_model``) without FastAPI's second validation of it: the services build
    their answers by validating them, and the route still declares its
    ``response_model`` for the OpenAPI schema. For the endpoints called most often
    (issue 23, item 5: the second validation was a tenth of a sites-near request)."""

    media_type = "application/json"

    def __init__(self, answer: BaseModel) -> None:
        super().__init__(answer.model_dump_json(by_alias=True))


T = TypeVar("T")


async def answered_on_the_loop(call: Callable[[], T]) -> T:
    """``call``, a service call answered from the workspace loaded (milliseconds of
    work), run on the event loop instead of a thread of the pool; its audit entries
    awaited before anything is answered, its refusals and errors included.

    Under load a thread per request cost more than the answer: the hop to the thread
    and back, and the thread then waiting for its entry's commit, left the interpreter
    lock passed between some forty threads (issue 23, item 5). Here nothing waits on a
    thread. A call that would wait for a reload or the first load
    (:class:`~geo_era.pacing.WouldWaitError`) is made again in the thread pool, where
    waiting holds up no other request."""
    pending: list[Future[None]] = []
    again = False
    try:
        with without_waiting(), commits_awaited_by_caller(pending):
            answer = call()
    except WouldWaitError:
        again = True
    finally:  # an answer, a refusal or an error leaves once its entries are stored
        for done in pending:
            await asyncio.wrap_future(done)
    return await run_in_threadpool(call) if again else answer


def caller_of(identity: Identity) -> Caller:
    """The services' caller for a signed-in identity."""
    return Caller(identity.username, identity.role, identity.organisation)


class AppServices(Services):
    """The services of the app (:class:`geo_era.services.Services`), held for its life:
    the workspace keeps the layers loaded and indexed between requests."""


#: What a browser signed in on the pages may read of the API with its session cookie
#: (HttpOnly, SameSite=Strict): the documentation page and the schema it draws, both
#: read only. Every other path of the API needs a bearer token or an API key, so no page
#: of another site can make a signed-in browser act on the API.
DOCUMENTATION = frozenset({f"{PREFIX}/docs", f"{PREFIX}/openapi.json"})


def authenticate_request(request: Request) -> tuple[Identity, Callable[[], None] | None]:
    """The caller's identity from a bearer token or an API key (or, for a GET of the
    :data:`DOCUMENTATION`, the signed-in session of the pages); 401 otherwise. Run once
    per request, by the middleware, for every path but the public ones.

    One indexed read of the store; no write. The session's last use, when due (at most
    once a minute), is given back to write: a write may wait for the store's lock."""
    app = request.app
    cookie = request.cookies.get(SESSION_COOKIE)  # the pages' session (forms.py)
    if cookie and request.method == "GET" and request.url.path in DOCUMENTATION \
            and "authorization" not in request.headers and "x-api-key" not in request.headers:
        return _session(app.state.tokens, cookie)
    key = request.headers.get("x-api-key")
    if key:
        identity = identity_for_key(app.state.services.engine, key)
        if identity is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the API key is not valid")
        return identity, None
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not bearer:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in: a bearer token is needed")
    return _session(app.state.tokens, bearer.strip())


def _session(tokens: Tokens, token: str) -> tuple[Identity, Callable[[], None] | None]:
    try:
        found = tokens.session(token, write_last_use=False)
    except TokenError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    assert isinstance(found.identity, Identity)
    return found.identity, found.last_use


async def current_identity(request: Request,
                           _bearer: Annotated[str | None, Depends(oauth2)]) -> Identity:
    """The identity the middleware established (declares the bearer scheme in OpenAPI)."""
    established = getattr(request.state, "identity", None)
    if isinstance(established, Identity):
        return established
    # a route outside the middleware's reach
    identity, last_use = await run_in_threadpool(authenticate_request, request)
    if last_use is not None:
        await run_in_threadpool(last_use)
    return identity


async def services(request: Request) -> AppServices:
    found = request.app.state.services
    assert isinstance(found, AppServices)
    return found


Who = Annotated[Identity, Depends(current_identity)]
App = Annotated[AppServices, Depends(services)]
