"""The web pages (server-rendered, Jinja2): sign in, the case list with deadlines, a
case page with its map, the households of the minimum set, checks, agreements and Parts
C and D; void screening for one subject (a ranked table and a map, NASSO 5.2, 5.3); and
the sensitive-allocation check of voids (3.12) that a landlord's Link Officer uses.

Pages hold what the caller's API responses would hold and no more: the same matrix
(:mod:`geo_era.security.access`) admits them, the
same core functions read the records (audited, with
the purpose given at sign-in as the justification), and the map draws exclusion zones
only for roles allowed to see them. A session is a server-side session like the API's
(its opaque token in an HttpOnly, SameSite=Strict cookie), ended by signing out. Sign-in
is the password, then, for roles that need one, the second factor's code, or its
enrolment (the secret shown once, then recovery codes shown once). Case references travel in form
bodies, never in URLs; a list of voids is uploaded in a multipart form body. Scripts run
only with the page's nonce (Content-Security-Policy); the map is drawn by Leaflet served
from geo_era itself.

Signing in leads to the start page (``/``, :func:`geo_era.services.start.start_view`).
Every POST here is a form checked by :func:`geo_era_api.forms.check_form` (a CSRF token
bound to the session, and the Origin) before the route runs. The look is the Scottish
Government Design System's (``base.html``; its files vendored in ``static/sgds`` by
``make sgds``).

Another module of pages uses the same foundation: ``APIRouter(include_in_schema=False,
dependencies=[Depends(forms.check_form)])``; templates drawn with :data:`templates`
extending ``base.html`` with ``{{ csrf_field() }}`` in every POST form; answers made by
:func:`page` (the CSP, the pre-session cookie); the signed-in caller from
:func:`admit_page`; a refusal of the core shown with ``message`` and ``error_field`` (the
id of the field it concerns).
"""

from __future__ import annotations

import dataclasses
import html
import re
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from geo_era.documents.geopackage import MEDIA_TYPE as GEOPACKAGE
from geo_era.errors import (
    DataError,
    ForbiddenError,
    GeoEraError,
    NotFoundError,
    SignInError,
    TooManyAttemptsError,
)
from geo_era.housing.screening import FACTORS, LABELS
from geo_era.housing.void_lists import MAX_ROWS
from geo_era.maps.assets import Assets
from geo_era.overconcentration.document import report_body
from geo_era.security.sessions import ENROL, SECOND_FACTOR, Resolved
from geo_era.security.users import Identity
from geo_era.services import Admitted as Caller
from geo_era.services import casework, housing, reports, signin, start
from geo_era.services.answers.reports import ReportChoices
from geo_era.services.housing import Upload

from .. import forms
from ..deps import AppServices as Services
from ..deps import caller_of, log
from ..security import TokenError

COOKIE = forms.SESSION_COOKIE
#: A browser the user signed in from (see :func:`geo_era.services.signin.device_cookie`).
DEVICE_COOKIE = "geo_era_device"
#: How long a device cookie is kept, days.
DEVICE_DAYS = 90
templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")
templates.env.globals["csrf_field"] = pass_context(
    lambda context: forms.field(context["request"]))
templates.env.globals["yesno"] = lambda v: {True: "yes", False: "no"}.get(v, "unknown")
#: Every POST of these pages is a form checked by :func:`forms.check_form`.
router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
#: An optional list of voids uploaded with a form (CSV or GeoPackage).
VoidFile = Annotated[UploadFile | None, File(description="CSV or GeoPackage of voids")]


def _services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def page(request: Request, name: str, context: dict[str, Any], *, nonce: str | None = None,
         status_code: int = 200, form_action: str = "'self'") -> HTMLResponse:
    """The template ``name`` drawn with ``context`` (``who``: the signed-in identity or
    ``None``; ``message``: a refusal to show), under the pages' Content-Security-Policy
    (scripts only with ``nonce``; forms only to ``form_action``), keeping the cookie its
    forms' tokens were bound to (:func:`forms.keep_cookie`)."""
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    forms.keep_cookie(request, response)
    scripts = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; "
        f"form-action {form_action}; base-uri 'none'")
    # a page's own requests say where they come from (its forms' Origin is checked,
    # :func:`forms.check_form`); another site is never told (the default is no-referrer)
    response.headers["Referrer-Policy"] = "same-origin"
    return response


_page = page


def form_refused(request: Request, exc: Exception) -> Response:
    """A page POST refused by :func:`forms.check_form` (403): what happened, in plain
    words, and that nothing was changed; the form is not acted on."""
    reason = exc.reason if isinstance(exc, forms.FormRefusedError) else "it was not valid"
    found = _signed_in(request)
    return _page(request, "refused.html", {
        "who": found[0] if found else None,
        "message": f"This form was not accepted: {reason}. Nothing was changed."},
        status_code=403)


def login_page_for(request: Request, message: str | None = None, *,
                   status_code: int = 200) -> HTMLResponse:
    """The sign-in page, with "Sign in with your organisation" when single sign-on is
    configured (its form may then lead to the identity provider: the policy's
    form-action allows the provider's origin)."""
    oidc = _services(request).oidc
    sources = "'self'"
    if oidc is not None:
        sources += " " + " ".join(sorted(oidc.origins()))
    return _page(request, "login.html", {"who": None, "message": message,
                                         "oidc": oidc is not None},
                 status_code=status_code, form_action=sources)


def start_session(request: Request, identity: Identity, purpose: str | None) -> Response:
    """Sign ``identity`` in (a password and second factor given, or the identity
    provider's answer checked): a new server-side session with the purpose of the
    session, as :func:`_complete` makes it."""
    return _complete(request, identity, purpose)


def _refused(request: Request, identity: Identity, exc: GeoEraError) -> HTMLResponse:
    """A page saying why the core refused (its message is safe to show)."""
    code = 404 if isinstance(exc, NotFoundError) else 422
    return _page(request, "base.html", {"who": identity, "message": str(exc)},
                 status_code=code)


def _signed_in(request: Request) -> tuple[Identity, str | None] | None:
    """Who the session cookie stands for, and the purpose they gave; ``None`` when there
    is no signed-in session (none, signed out, expired, part-way, or a disabled user)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        found = request.app.state.tokens.session(token)
    except TokenError:
        return None
    return found.identity, found.purpose


def _admit(request: Request, endpoint: str) -> tuple[Caller, Identity] | Response:
    """The signed-in caller admitted to ``endpoint`` by the matrix, or the answer to give
    instead (back to sign-in; a refusal page)."""
    found = _signed_in(request)
    if found is None:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    identity, purpose = found
    try:
        caller = _services(request).gate.admit(endpoint, caller_of(identity),
                                               justification=purpose)
    except ForbiddenError:
        return _page(request, "base.html", {"who": identity, "message":
                     f"The {identity.role} role may not see this page."}, status_code=403)
    return caller, identity


#: The signed-in caller admitted to an endpoint, or the answer to give instead (for
#: other modules of pages).
admit_page = _admit


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    """The start page (where signing in leads): my open cases, overdue first, with
    their deadlines; what my agency has still to record on them; the subjects due a
    review or needing an ERA (3.3) for the roles that may see them; and entry points to
    the role's other work. Read through :func:`geo_era.services.start.start_view`,
    audited with the purpose of the session."""
    found = _signed_in(request)
    if found is None:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    identity = found[0]
    if not _may(identity, "case_list"):  # e.g. a Link Officer: entry points only
        return _page(request, "start.html", {"who": identity, "view": None})
    admitted = _admit(request, "case_list")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        view = start.start_view(_services(request), caller.caller,
                                justification=caller.actor.justification)
    except GeoEraError as exc:
        return _page(request, "start.html", {"who": identity, "view": None,
                                             "message": str(exc)},
                     status_code=404 if isinstance(exc, NotFoundError) else 422)
    return _page(request, "start.html", {"who": identity, "view": view})


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return login_page_for(request)


def _client(request: Request) -> signin.Client:
    """Where a sign-in comes from: the client address and the device cookie."""
    return signin.Client(request.app.state.client_address(request),
                         request.cookies.get(DEVICE_COOKIE))


#: The sign-in steps asking for a code, their one field's id ``code``.
CODE_STEPS = frozenset({"login_code.html", "enrol.html"})


def _refusal(request: Request, template: str, exc: GeoEraError,
             context: dict[str, Any] | None = None) -> HTMLResponse:
    """A sign-in step refused: 429 after too many failures, 401 for a wrong password or
    code, 422 for anything else the core refused (its message is safe to show)."""
    code = (429 if isinstance(exc, TooManyAttemptsError) else
            401 if isinstance(exc, SignInError) else 422)
    message = str(exc)
    message = message[:1].upper() + message[1:] + "."
    if template == "login.html" and not context:
        return login_page_for(request, message, status_code=code)
    field = "code" if template in CODE_STEPS else None  # the summary links to the field
    return _page(request, template, {"who": None, **(context or {}), "message": message,
                                     "error_field": field}, status_code=code)


def _with_session(response: Response, request: Request, token: str) -> Response:
    """``response`` setting the session cookie: HttpOnly, SameSite=Strict, for the
    browser's session (the server ends it when idle or at its absolute end)."""
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=_services(request).settings.environment == "production")
    return response


def _complete(request: Request, identity: Identity, purpose: str | None) -> Response:
    """Signed in: a new session, and a device cookie for this browser (so that others'
    failed sign-ins never lock the user out of it); on to the start page."""
    try:
        token = request.app.state.tokens.issue(identity, purpose=purpose)
    except TokenError as exc:  # disabled in the meantime
        return _refusal(request, "login.html", SignInError(str(exc)))
    response = _with_session(RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER),
                             request, token)
    response.set_cookie(DEVICE_COOKIE, signin.device_cookie(_services(request).settings,
                                                            identity.username),
                        httponly=True, samesite="strict", path="/login",
                        max_age=DEVICE_DAYS * 86_400,
                        secure=_services(request).settings.environment == "production")
    return response


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=1_000)],
          purpose: Annotated[str, Form(max_length=1_000)] = "") -> Response:
    """The password step: on to the code (or to enrolling a second factor) when the
    account must give one, else signed in."""
    try:
        account = signin.check_password(_services(request), username=username,
                                        password=password, client=_client(request))
    except SignInError as exc:
        if not isinstance(exc, TooManyAttemptsError):
            exc = SignInError("wrong username or password")
        return _refusal(request, "login.html", exc)
    why = purpose.strip() or None
    if not account.required:
        return _complete(request, account.identity, why)
    stage = SECOND_FACTOR if account.second_factor == "enrolled" else ENROL
    try:
        token = request.app.state.tokens.pending(account.identity, stage=stage, purpose=why)
    except TokenError as exc:  # disabled in the meantime
        return _refusal(request, "login.html", SignInError(str(exc)))
    step = "/login/code" if stage == SECOND_FACTOR else "/login/enrol"
    return _with_session(RedirectResponse(step, status_code=status.HTTP_303_SEE_OTHER),
                         request, token)


def _pending(request: Request, stage: str) -> tuple[str, Resolved] | None:
    """The cookie's session part-way through sign-in at ``stage``, with its token."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return token, request.app.state.tokens.session(token, stages=(stage,))
    except TokenError:
        return None


def _account(request: Request, found: Resolved) -> signin.Account | None:
    if found.user_id is None:
        return None
    try:
        return signin.account_of(_services(request), found.user_id)
    except SignInError:
        return None


def _again() -> Response:
    """Back to the first step (no sign-in under way, or it lapsed)."""
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/login/code", response_class=HTMLResponse)
def code_page(request: Request) -> Response:
    if _pending(request, SECOND_FACTOR) is None:
        return _again()
    return _page(request, "login_code.html", {"who": None})


@router.post("/login/code", response_class=HTMLResponse)
def code_step(request: Request, code: Annotated[str, Form(max_length=64)]) -> Response:
    """The second-factor step: a current code, or an unused recovery code."""
    pending = _pending(request, SECOND_FACTOR)
    account = _account(request, pending[1]) if pending else None
    if pending is None or account is None:
        return _again()
    try:
        signin.check_code(_services(request), account, code, _client(request))
    except GeoEraError as exc:
        return _refusal(request, "login_code.html", exc)
    request.app.state.tokens.revoke(pending[0])
    return _complete(request, account.identity, pending[1].purpose)


@router.get("/login/enrol", response_class=HTMLResponse)
def enrol_page(request: Request) -> Response:
    """Enrolling a second factor: the secret shown once (text, ``otpauth://`` URI and a
    QR code drawn here), confirmed by a code from it."""
    pending = _pending(request, ENROL)
    account = _account(request, pending[1]) if pending else None
    if pending is None or account is None:
        return _again()
    try:
        return _page(request, "enrol.html", _enrolment(request, account))
    except GeoEraError as exc:
        return _refusal(request, "login.html", exc)


def _enrolment(request: Request, account: signin.Account) -> dict[str, Any]:
    import segno  # noqa: PLC0415 (only this page draws a QR code)

    enrolment = signin.begin_enrolment(_services(request), account)
    secret = " ".join(enrolment.secret[i:i + 4] for i in range(0, len(enrolment.secret), 4))
    return {"who": None, "username": account.identity.username, "secret": secret,
            "uri": enrolment.uri,
            "qr": segno.make(enrolment.uri, error="m").svg_inline(scale=4, dark="#000",
                                                                 light="#fff")}


@router.post("/login/enrol", response_class=HTMLResponse)
def enrol_step(request: Request, code: Annotated[str, Form(max_length=64)]) -> Response:
    """Confirm the new second factor with a code from it: signed in, and the recovery
    codes shown once."""
    pending = _pending(request, ENROL)
    account = _account(request, pending[1]) if pending else None
    if pending is None or account is None:
        return _again()
    try:
        codes = signin.confirm_enrolment(_services(request), account, code, _client(request))
    except SignInError as exc:
        return _refusal(request, "enrol.html", exc, _enrolment(request, account))
    except GeoEraError as exc:
        return _refusal(request, "login.html", exc)
    request.app.state.tokens.revoke(pending[0])
    signed_in = _complete(request, account.identity, pending[1].purpose)
    page = _page(request, "recovery_codes.html", {"who": account.identity, "codes": codes})
    for name, value in signed_in.headers.items():
        if name == "set-cookie":
            page.headers.append("set-cookie", value)
    return page


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request) -> Response:
    """Sign out: the session ends on the server (its cookie is refused from now on, in
    any browser that kept it) and the cookie is removed."""
    token = request.cookies.get(COOKIE)
    if token:
        request.app.state.tokens.revoke(token)
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/cases", response_class=HTMLResponse)
def case_list(request: Request) -> Response:
    admitted = _admit(request, "case_list")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        found = casework.list_cases(_services(request), caller.caller,
                                    justification=caller.actor.justification)
    except GeoEraError as exc:
        return _refused(request, identity, exc)
    return _page(request, "cases.html", {"who": identity, "cases": [
        c.model_dump(mode="json") for c in found]})


@router.get("/voids", response_class=HTMLResponse)
def voids_form(request: Request) -> Response:
    """The void screening form: a subject, optionally a list of voids, optionally top N."""
    admitted = _admit(request, "screen")
    if isinstance(admitted, Response):
        return admitted
    _caller, identity = admitted
    return _page(request, "voids.html", {"who": identity, "form": {}})


@router.post("/voids", response_class=HTMLResponse)
def voids_page(request: Request, subject_id: Annotated[str, Form(max_length=64)] = "",
               top: Annotated[str, Form(max_length=16)] = "",
               void_list: VoidFile = None) -> Response:
    """Every void (or the uploaded list) screened for one subject: counts, the list's bad
    rows, notes, the ranked table with each factor, and the map. A refusal (no such
    subject, a file that cannot be read) is shown on the form, the form kept filled."""
    admitted = _admit(request, "screen")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    form = {"subject_id": subject_id.strip(), "top": top.strip()}
    field = "subject_id"  # the field a refusal concerns (the error summary links to it)
    try:
        if not form["subject_id"]:
            raise DataError("give the subject id of the person to be housed, e.g. "
                            "FICTIONAL-S000001")
        field = "top"
        shown = _top(form["top"])
        field = "void_list"
        voids = _uploaded(void_list)
        field = "void_list" if voids is not None else "subject_id"
        view = housing.screen_with_map(
            _services(request), caller.caller, subject_id=form["subject_id"],
            justification=caller.actor.justification, voids=voids,
            top=shown, assets=Assets(inline=False))
    except GeoEraError as exc:
        if isinstance(exc, NotFoundError):
            field = "subject_id"  # no such subject (or not one the caller may see)
        return _page(request, "voids.html", {"who": identity, "form": form,
                                             "message": str(exc), "error_field": field},
                     status_code=404 if isinstance(exc, NotFoundError) else 422)
    nonce = secrets.token_urlsafe(16)
    map_html = (_with_nonce(view.map_document, nonce) if view.map_document is not None
                else _map_problem(view.map_problem or ""))
    return _page(request, "voids.html", {
        "who": identity, "form": form, "result": view.answer.model_dump(),
        "factors": [(f, LABELS.get(f, f.replace("_", " "))) for f in FACTORS],
        "map_html": map_html}, nonce=nonce)


@router.get("/allocations", response_class=HTMLResponse)
def allocations_form(request: Request) -> Response:
    """The sensitive-allocation check form: optionally a list of voids."""
    admitted = _admit(request, "allocation_check")
    if isinstance(admitted, Response):
        return admitted
    _caller, identity = admitted
    return _page(request, "allocations.html", {"who": identity})


@router.post("/allocations", response_class=HTMLResponse)
def allocations_page(request: Request, void_list: VoidFile = None) -> Response:
    """Which voids (every void, or the uploaded list) need a sensitive allocation, as
    the caller may see it: a Link Officer gets the flags and never the reasons."""
    admitted = _admit(request, "allocation_check")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        answer = housing.allocation_check(_services(request), caller.caller,
                                          justification=caller.actor.justification,
                                          voids=_uploaded(void_list))
    except GeoEraError as exc:
        return _page(request, "allocations.html", {"who": identity,
                                                   "message": str(exc)},
                     status_code=404 if isinstance(exc, NotFoundError) else 422)
    result = answer.model_dump()
    reasons = any("sensitive_because" in v for v in result["voids"])
    return _page(request, "allocations.html", {"who": identity, "result": result,
                                               "reasons": reasons})


@router.get("/reports", response_class=HTMLResponse)
def report_form(request: Request) -> Response:
    """The over-concentration report form: the authority, the year, which version."""
    admitted = _admit(request, "overconcentration")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    choices = reports.report_choices(_services(request), caller.caller)
    return _page(request, "report.html", _report_context(choices, identity, {}))


@router.post("/reports", response_class=HTMLResponse)
def report_page(request: Request, authority: Annotated[str, Form(max_length=128)] = "",
                year: Annotated[str, Form(max_length=8)] = "",
                publish: Annotated[str, Form(max_length=8)] = "") -> Response:
    """The report of one authority as at 31 March: narrative, the choropleth (Folium),
    the areas of concern and the tables. A Link Officer always gets the version for
    publication. A refusal is shown on the form, kept filled."""
    admitted = _admit(request, "overconcentration")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    services = _services(request)
    form: dict[str, Any] = {"authority": authority.strip(), "year": year.strip(),
                            "publish": bool(publish)}
    try:
        view = reports.overconcentration_view(
            services, caller.caller, _asked(authority, year, publish),
            justification=caller.actor.justification, assets=Assets(inline=False))
    except GeoEraError as exc:
        context = _report_context(reports.report_choices(services, caller.caller),
                                  identity, form)
        field = "authority" if isinstance(exc, NotFoundError) else "year"
        return _page(request, "report.html", {**context, "message": str(exc),
                                              "error_field": field},
                     status_code=404 if isinstance(exc, NotFoundError) else 422)
    nonce = secrets.token_urlsafe(16)
    body = report_body(view.report, map_html=_with_nonce(view.map_document, nonce))
    context = _report_context(reports.report_choices(services, caller.caller), identity,
                              form)
    return _page(request, "report.html", {**context, "report": view.report, "body": body},
                 nonce=nonce)


@router.post("/reports/pdf")
def report_pdf_download(request: Request,
                        authority: Annotated[str, Form(max_length=128)] = "",
                        year: Annotated[str, Form(max_length=8)] = "",
                        publish: Annotated[str, Form(max_length=8)] = "") -> Response:
    """The same report as PDF (the map a static PNG); built and audited like the page."""
    admitted = _admit(request, "overconcentration")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        pdf = reports.overconcentration_pdf(_services(request), caller.caller,
                                            _asked(authority, year, publish),
                                            justification=caller.actor.justification)
    except GeoEraError as exc:
        return _refused(request, identity, exc)
    return Response(pdf.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{pdf.filename}"'})


@router.post("/reports/gpkg")
def report_geopackage_download(request: Request,
                               authority: Annotated[str, Form(max_length=128)] = "",
                               year: Annotated[str, Form(max_length=8)] = "",
                               publish: Annotated[str, Form(max_length=8)] = "",
                               placements: Annotated[str, Form(max_length=8)] = ""
                               ) -> Response:
    """The same report's tables as a GeoPackage for GIS; with ``placements``, the
    internal report with the placements as points (the OMU's). Audited like the page."""
    admitted = _admit(request, "report_placements" if placements else "report_geopackage")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        asked = _asked(authority, year, publish)
        package = reports.overconcentration_geopackage(
            _services(request), caller.caller,
            dataclasses.replace(asked, with_placements=bool(placements)),
            justification=caller.actor.justification)
    except GeoEraError as exc:
        return _refused(request, identity, exc)
    return Response(package.content, media_type=GEOPACKAGE, headers={
        "Content-Disposition": f'attachment; filename="{package.filename}"'})


def _asked(authority: str, year: str, publish: str) -> reports.Asked:
    """The report a form asks for (a Link Officer gets the published one whatever it
    asks)."""
    return reports.Asked(authority.strip(), _year(year.strip()), publish=bool(publish))


def _year(text: str) -> int:
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise DataError("give the year of the 31 March snapshot as four digits, e.g. 2026")
    return int(text)


def _report_context(choices: ReportChoices, identity: Identity,
                    form: dict[str, Any]) -> dict[str, Any]:
    """The form's choices (the councils the caller may report on, the latest 31 March
    passed, whether only the published version), filled with what was asked."""
    councils = choices.councils
    return {"who": identity, "councils": councils, "latest_year": choices.latest_year,
            "published_only": choices.published_only,
            "form": {"authority": form.get("authority") or (councils[0] if councils
                                                               else ""),
                     "year": form.get("year") or str(choices.latest_year),
                     "publish": bool(form.get("publish")) or choices.published_only}}


#: Voids a page shows when no N is given: a council's whole stock would make a page too
#: long to use (the counts always cover every void screened).
PAGE_TOP = 250


def _top(text: str) -> int:
    """The "show the first N" field: empty for the first :data:`PAGE_TOP`."""
    if not text:
        return PAGE_TOP
    if not text.isdigit() or not 1 <= int(text) <= MAX_ROWS:
        raise DataError(f"show the first N voids: N is a whole number from 1 to "
                        f"{MAX_ROWS:,}; leave it empty to show the first {PAGE_TOP}")
    return int(text)


def _uploaded(upload: UploadFile | None) -> Upload | None:
    """The uploaded list's bytes and name; None when no file was chosen (every void in
    the store)."""
    if upload is None or not upload.filename:
        return None
    data = upload.file.read()
    if not data:
        raise DataError(f"{upload.filename}: the file is empty; choose the list of voids "
                        "again, or leave the file out to use every void in the store")
    return Upload(data, upload.filename)


def _map_problem(problem: str) -> str:
    return f"<p>The map could not be drawn: {html.escape(problem)}</p>"


def _no_map(exc: GeoEraError) -> str:
    log.warning("map not drawn: %s", type(exc).__name__)
    return _map_problem(str(exc))


def _sees_whole_case(role: str) -> bool:
    """Whether ``role`` sees cases whole (the map of a case draws its minimum set and
    the subject's check): not a partner agency whose view leaves part out."""
    from geo_era.security.access import CASE_VIEWS  # noqa: PLC0415

    view = CASE_VIEWS.get(role)
    return view is None or (view.households and view.subject_record)


def _zone_readers() -> frozenset[str]:
    from geo_era.security.access import MATRIX  # noqa: PLC0415

    return MATRIX["zone_show"].allowed


def _may(who: Identity | None, endpoint: str) -> bool:
    """Whether the signed-in user's role may use ``endpoint`` (for the navigation)."""
    from geo_era.security.access import MATRIX  # noqa: PLC0415

    return who is not None and who.role in MATRIX[endpoint].allowed


templates.env.globals["may"] = _may


def _with_nonce(document: str, nonce: str) -> str:
    """Give every script of a generated document the page's nonce."""
    return re.sub(r"<script(?=[\s>])", f'<script nonce="{nonce}"', document)
