"""The pages for finding things: a property by address or id (a type-ahead over the
properties layer, and the same search as a plain form that works without JavaScript),
a subject's cases (the Responsible Authorities only, audited), a case by its reference;
and the property page (its map, the sites near it with straight-line and walking
distances, its minimum set and its cases, as the caller's role may see them).

The pages are thin: :mod:`geo_era.services.finding` admits, audits and answers.
Nothing looked for or looked at stands in a URL: an address typed, a property id (a
candidate looked up for a subject's ERA would tell a proxy's log where the subject may
live), a subject id and a case reference all travel in form bodies (POST, with the form
token); a property is opened by a small form (:file:`_property.html`).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from geo_era.errors import ForbiddenError, GeoEraError, NotFoundError
from geo_era.security.access import MATRIX
from geo_era.security.users import Identity
from geo_era.services import finding, markers

from .. import forms
from ..deps import caller_of
from .pages import _admit, _map_problem, _page, _services, _signed_in, _with_nonce

#: Every POST of these pages is a form checked by :func:`forms.check_form`; the searches
#: are POSTs, so what is searched for never stands in a URL, a history or a proxy's log.
router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
#: Matches the plain form lists (the type-ahead asks for fewer).
FORM_MATCHES = 50


def _code(exc: GeoEraError) -> int:
    return (status.HTTP_404_NOT_FOUND if isinstance(exc, NotFoundError) else
            status.HTTP_403_FORBIDDEN if isinstance(exc, ForbiddenError) else
            status.HTTP_422_UNPROCESSABLE_CONTENT)


def _find_page(request: Request, identity: Identity, context: dict[str, Any], *,
               status_code: int = 200) -> HTMLResponse:
    return _page(request, "find.html", {"who": identity, "q": "", "subject_id": "",
                                        **context}, status_code=status_code)


@router.get("/find", response_class=HTMLResponse)
def find_form(request: Request) -> Response:
    """The search page: an address or property id (type-ahead, or the plain form
    listing up to :data:`FORM_MATCHES`), a case reference, and, for the Responsible
    Authorities, a subject id."""
    return find_page(request)


@router.post("/find", response_class=HTMLResponse)
def find_page(request: Request, q: Annotated[str, Form(max_length=2_000)] = "") -> Response:
    """The properties matching ``q`` (the plain form without the type-ahead)."""
    admitted = _admit(request, "sites_near")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    if not q.strip():
        return _find_page(request, identity, {})
    try:
        found = finding.find_properties(_services(request), caller.caller, text=q,
                                        limit=FORM_MATCHES)
    except GeoEraError as exc:
        return _find_page(request, identity, {"q": q, "address_error": str(exc)},
                          status_code=_code(exc))
    return _find_page(request, identity, {"q": q, "found": found.model_dump()})


@router.post("/find/properties")
def find_properties_json(request: Request,
                         q: Annotated[str, Form(max_length=2_000)] = "",
                         limit: Annotated[int, Form(ge=1, le=20)] = 10) -> Response:
    """The type-ahead's answer (JSON): ``{"query", "total", "properties": [{"property_id",
    "address"}]}``; 401 without a signed-in session, 403 for a role that may not search,
    422 for a query that cannot be read."""
    found = _signed_in(request)
    if found is None:
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    identity, _purpose = found
    try:
        answer = finding.find_properties(_services(request), caller_of(identity),
                                         text=q, limit=limit)
    except GeoEraError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=_code(exc))
    return JSONResponse(answer.model_dump())


@router.post("/find/subject", response_class=HTMLResponse)
def find_subject(request: Request,
                 subject_id: Annotated[str, Form(max_length=64)] = "") -> Response:
    """A subject's cases the caller may see (the Responsible Authorities only), with the
    purpose given at sign-in as the justification; audited, a refusal too (the service
    admits the caller, so a role that may not search is refused and audited there)."""
    found = _signed_in(request)
    if found is None:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    identity, purpose = found
    try:
        answer = finding.find_subject(_services(request), caller_of(identity),
                                      subject_id=subject_id, justification=purpose)
    except GeoEraError as exc:
        return _find_page(request, identity, {"subject_id": subject_id,
                                              "subject_error": str(exc)},
                          status_code=_code(exc))
    return _find_page(request, identity, {"subject_id": subject_id,
                                          "subject": answer.model_dump(mode="json")})


@router.post("/property", response_class=HTMLResponse)
def property_page(request: Request,
                  property_id: Annotated[str, Form(max_length=64)]) -> Response:
    """One property, named in the form's body (a property looked at in the course of an
    ERA must not stand in a URL, a history or a proxy's log): its map, the sites within
    the radius (straight-line and walking distances), and, for the roles that may see
    them, its minimum set (households only with the purpose of the session) and the
    cases it is in. A Link Officer sees only the sites and their map, and the current
    staff-safety instructions of the property if it is their landlord's (NASSO 70)."""
    admitted = _admit(request, "sites_near")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    services = _services(request)
    try:
        view = finding.property_view(services, caller.caller, property_id=property_id,
                                     justification=caller.actor.justification)
    except GeoEraError as exc:
        return _find_page(request, identity, {"address_error": str(exc)},
                          status_code=_code(exc))
    nonce = secrets.token_urlsafe(16)
    try:
        map_html = _with_nonce(finding.property_map(services, caller.caller,
                                                    property_id=property_id), nonce)
    except GeoEraError as exc:
        map_html = _map_problem(str(exc))
    members = view.minimum_set.model_dump(mode="json") if view.minimum_set else None
    safety = None  # the landlord's staff: the property's current staff-safety markers
    if caller.caller.role in MATRIX["marker_shared"].allowed:
        safety = [m.model_dump(mode="json") for m in markers.shared_markers(
            services, caller.caller, property_id=view.sites.property_id,
            justification=caller.actor.justification)]
    return _page(request, "property.html", {
        "safety": safety,
        "who": identity, "sites": view.sites.model_dump(mode="json"),
        "members": members, "map_html": map_html,
        "households": members is not None and any("household" in m
                                                  for m in members["properties"]),
        "cases": ([c.model_dump(mode="json") for c in view.cases]
                  if view.cases is not None else None)}, nonce=nonce)
