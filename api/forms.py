"""Safe forms: every state-changing page form (POST) carries a token bound to the
browser's session and comes from geo_era's own origin (cross-site request forgery).

How a page module uses it (``routes/pages.py`` and any other module of pages):

- its router checks every POST: ``APIRouter(dependencies=[Depends(check_form)])`` (or
  ``dependencies=[Depends(check_form)]`` on one route). The check runs before the
  route, so a refused form changes nothing; the answer is the page
  :func:`~geo_era_api.routes.pages.form_refused` draws (403, in plain words);
- its templates extend ``base.html`` through ``routes.pages.templates`` and put
  ``{{ csrf_field() }}`` inside every ``<form method="post">``;
- it answers with :func:`~geo_era_api.routes.pages.page`, which also keeps the cookie a
  form before sign-in is bound to (:func:`keep_cookie`).

The token is an HMAC (key derived from the secret key, purpose ``"form"``) of the
session cookie, so it changes with every session and cannot be made without the
HttpOnly cookie; before sign-in (the sign-in form itself) it is bound the same way to a
random pre-session cookie (:data:`FORM_COOKIE`, HttpOnly, SameSite=Strict). A POST is
refused unless its ``csrf_token`` field is the token of the cookies it came with, and,
when the browser says where it comes from (``Origin``, else ``Referer``), that is this
server's own origin. SameSite=Strict cookies are kept as a further layer, not relied on.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from geo_era.security.keys import derive, mac
from geo_era.settings import Settings

#: The form field that carries the token.
FIELD = "csrf_token"
#: The session cookie (a signed-in session, or one part-way through sign-in).
SESSION_COOKIE = "geo_era_session"
#: The random cookie a form before sign-in is bound to.
FORM_COOKIE = "geo_era_form"


class FormRefusedError(Exception):
    """A POST that did not come from one of this browser session's own pages: its
    ``reason`` is safe to show (it says nothing of the session or its token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _key(request: Request) -> bytes:
    """The key tokens are made with (derived once per application)."""
    state = request.app.state
    key: bytes | None = getattr(state, "form_key", None)
    if key is None:
        key = state.form_key = derive(_settings(request), "form")
    return key


def _settings(request: Request) -> Settings:
    found: Settings = request.app.state.services.settings
    return found


def _binding(request: Request) -> str | None:
    """What the token is bound to: the session cookie, else the pre-session cookie
    (one made for this answer when the browser has none yet)."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return f"session|{session}"
    pre = request.cookies.get(FORM_COOKIE) or getattr(request.state, "new_form_cookie", None)
    return f"pre|{pre}" if pre else None


def token(request: Request) -> str:
    """The token the forms of this answer carry (a pre-session cookie is made when
    needed; :func:`keep_cookie` sets it on the answer)."""
    binding = _binding(request)
    if binding is None:
        request.state.new_form_cookie = secrets.token_urlsafe(32)
        binding = f"pre|{request.state.new_form_cookie}"
    return mac(_key(request), binding)


def field(request: Request) -> Markup:
    """The hidden input carrying the token (the templates' ``csrf_field()``)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, escape(token(request)))


def keep_cookie(request: Request, response: Response) -> Response:
    """Set the pre-session cookie a page's forms were bound to, if one was made."""
    made = getattr(request.state, "new_form_cookie", None)
    if made:
        response.set_cookie(FORM_COOKIE, made, httponly=True, samesite="strict", path="/",
                            secure=_settings(request).environment == "production")
    return response


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def _check_origin(request: Request) -> None:
    """Refuse a POST whose Origin (or, lacking it, Referer) is another site."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if not referer:
            return
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin.lower() != _own_origin(request):
        raise FormRefusedError("the form was sent from another web site, not from a "
                               "geo_era page")


async def check_form(request: Request) -> None:
    """The dependency of every page POST: refuse (:class:`FormRefusedError`) a form
    from another origin or without this session's token, before anything is done."""
    if request.method != "POST":
        return
    _check_origin(request)
    sent = (await request.form()).get(FIELD)
    binding = _binding(request)
    if not isinstance(sent, str) or binding is None or not secrets.compare_digest(
            sent.encode(), mac(_key(request), binding).encode()):
        raise FormRefusedError("the form's security token is missing or out of date "
                               "(the page was opened before you signed in or out, or "
                               "did not come from geo_era)")
