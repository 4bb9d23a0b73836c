"""Single sign-on pages (OpenID Connect, authorization code with PKCE): a thin adapter
over :mod:`geo_era.services.sso`.

``/login/oidc`` (GET, or POST from the sign-in form with the purpose of the session)
sends the browser to the identity provider, keeping the pending sign-in (state, nonce,
PKCE verifier, purpose; signed, ten minutes) in an HttpOnly cookie for
``/login/oidc`` only. It is SameSite=Lax, not Strict: the provider's redirect back is a
cross-site navigation, on which a Strict cookie would not be sent. The callback checks
it, signs the person in exactly as a password sign-in does
(:func:`~geo_era_api.routes.pages.start_session`) and removes it, whatever the outcome.
A refusal shows the sign-in page with a generic message (the reason is in the audit
trail), never a 500.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from geo_era.errors import GeoEraError
from geo_era.security.oidc import PENDING_S, SignInRefusedError
from geo_era.services import sso

from .. import forms
from .pages import login_page_for, start_session

PENDING_COOKIE = "geo_era_oidc"
PATH = "/login/oidc"
router = APIRouter(include_in_schema=False)


def _production(request: Request) -> bool:
    return bool(request.app.state.services.settings.environment == "production")


def _begin(request: Request, purpose: str | None) -> Response:
    try:
        url, sealed = sso.begin(request.app.state.services, purpose=purpose)
    except SignInRefusedError as exc:
        return login_page_for(request, str(exc),
                              status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    except GeoEraError as exc:
        return login_page_for(request, str(exc),
                              status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    response = RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(PENDING_COOKIE, sealed, max_age=PENDING_S, path=PATH, httponly=True,
                        samesite="lax", secure=_production(request))
    return response


@router.get(PATH, response_class=HTMLResponse)
def oidc_start(request: Request) -> Response:
    """Send the browser to the identity provider to sign in."""
    return _begin(request, None)


@router.post(PATH, response_class=HTMLResponse, dependencies=[Depends(forms.check_form)])
def oidc_start_with_purpose(request: Request,
                            purpose: Annotated[str, Form(max_length=1_000)] = "") -> Response:
    """The sign-in form's "Sign in with your organisation": as GET, keeping the purpose
    of the session (DPA 2018 s62) for the session to come."""
    return _begin(request, purpose)


@router.get(f"{PATH}/callback", response_class=HTMLResponse)
def oidc_callback(request: Request) -> Response:
    """Where the identity provider sends the browser back: finish the sign-in."""
    params = dict(request.query_params)
    if len(request.query_params.multi_items()) != len(params):
        params = {}  # a repeated parameter: refused like a missing state
    try:
        signed = sso.complete(request.app.state.services,
                              sealed=request.cookies.get(PENDING_COOKIE), params=params)
    except SignInRefusedError as exc:
        code = (status.HTTP_503_SERVICE_UNAVAILABLE if exc.reason == "unavailable"
                else status.HTTP_401_UNAUTHORIZED)
        response: Response = login_page_for(request, str(exc), status_code=code)
    except GeoEraError as exc:
        response = login_page_for(request, str(exc), status_code=status.HTTP_404_NOT_FOUND)
    else:
        response = start_session(request, signed.identity, signed.purpose)
    response.delete_cookie(PENDING_COOKIE, path=PATH, httponly=True, samesite="lax",
                           secure=_production(request))
    return response
