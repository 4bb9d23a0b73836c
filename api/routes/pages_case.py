"""The case page and the steps of an ERA recorded on it (NASSO 3.2-3.13), for every
agency: one page per case, its forms shown only to the roles that may take them.

A case reference and a candidate travel in form bodies, never in URLs. Every step is a
POST form (checked by :func:`geo_era_api.forms.check_form`) that calls one service of
:mod:`geo_era.services` with the purpose given at sign-in as its justification; the
service admits, records the step's one audit entry and answers with the case as it is
after, which the page then shows (no second reading of the case). A refusal of the core
shows the case page again with the core's words beside the field it concerns
(:class:`FormState`: which form, what was typed, the message, the field's id) and the
form keeping what was typed; nothing is written.

Other modules of casework pages build on this one: :func:`case_step` runs a step,
:func:`show` draws the case page, :class:`FormState` carries a form's state back into
it; their partial templates are included by ``case.html``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from geo_era.errors import ForbiddenError, GeoEraError, NotFoundError
from geo_era.maps.assets import Assets
from geo_era.maps.era import era_map, member_status
from geo_era.security.access import ROLE_AGENCY
from geo_era.security.users import Identity
from geo_era.services import Admitted, casework, documents, records
from geo_era.services.context import Services
from geo_era.services.policy import Caller

from .. import forms
from .pages import (
    _admit,
    _no_map,
    _page,
    _refused,
    _sees_whole_case,
    _services,
    _with_nonce,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
CaseId = Annotated[str, Form(max_length=16)]
PropertyId = Annotated[str, Form(max_length=64)]


#: What a module of casework forms adds to the case page's context: called with the
#: request, the admitted caller, the case (as the caller's view of it) and the candidate
#: shown; answers names to add (e.g. the caller's checklist of that candidate). A module
#: appends its provider when imported (:func:`provides`).
Provider = Callable[[Request, Admitted, dict[str, Any], str], dict[str, Any]]
PROVIDERS: list[Provider] = []


def provides(provider: Provider) -> Provider:
    """Register ``provider`` (a decorator): its names join every case page's context."""
    PROVIDERS.append(provider)
    return provider


@dataclass(frozen=True)
class FormState:
    """A form of the case page coming back to it: ``name`` (the form, e.g.
    ``"agreement"``), ``values`` (what was typed, by field name, shown again),
    ``message`` (the core's refusal, in its words) and ``field`` (the id of the field
    it concerns, which the error summary links to and the field is described by)."""

    name: str
    values: Mapping[str, str] = field(default_factory=dict)
    message: str | None = None
    field: str | None = None

    def typed(self, name: str, default: str = "") -> str:
        """What was typed into field ``name`` (``default`` when nothing)."""
        return self.values.get(name, default)


def show(request: Request, caller: Admitted, identity: Identity, case: dict[str, Any],
         property_id: str = "", *, notice: str | None = None,
         form: FormState | None = None, status_code: int = 200) -> HTMLResponse:
    """The case page of ``case`` (as the caller's view of it), its map and minimum set of
    the candidate ``property_id`` (else the first assessed candidate); ``notice`` says
    what was just recorded; ``form`` brings a refused form back with what was typed."""
    services = _services(request)
    assessed = next((a for a in case["assessments"] if a["property_id"] == property_id),
                    None) or next((a for a in case["assessments"] if a["snapshot"]),
                                  case["assessments"][0])
    property_id = assessed["property_id"]
    snapshot = assessed["snapshot"] or {}
    members = snapshot.get("minimum_set", {}).get("properties", [])
    check = snapshot.get("check")
    status_of = member_status(check if check and "error" not in check else None,
                              [m["property_id"] for m in members])
    nonce = secrets.token_urlsafe(16)
    whole = _sees_whole_case(caller.caller.role)
    try:
        if not whole:
            raise ForbiddenError("no map: it draws the minimum set and the subject's check, "
                                 "which are not part of this agency's view of the case")
        fmap = era_map(services.workspace, property_id, subject_id=case["subject_id"],
                       show_zones=records.may_see_zones(caller.caller),
                       assets=Assets(inline=False), tiles=services.settings.map_tiles,
                       tiles_attribution=services.settings.map_tiles_attribution)
        map_html = _with_nonce(fmap.get_root().render(), nonce)
    except GeoEraError as exc:
        map_html = _no_map(exc)
    extra: dict[str, Any] = {}
    for provider in PROVIDERS:
        extra.update(provider(request, caller, case, property_id))
    return _page(request, "case.html", {
        **extra, "who": identity, "case": case, "members": members, "status": status_of,
        "whole": whole, "candidates": candidates(case), "assessed": assessed,
        "agency": ROLE_AGENCY.get(caller.caller.role),
        "prop": {"property_id": property_id,
                 "address": (snapshot.get("proximity") or {}).get("address", property_id)},
        "map_html": map_html, "notice": notice, "form": form or FormState(""),
        "message": form.message if form else None,
        "error_field": form.field if form else None}, nonce=nonce, status_code=status_code)


def candidates(case: dict[str, Any]) -> list[dict[str, str]]:
    """The candidates of a case for its switcher: id and address (the address its
    assessment recorded, else the id)."""
    return [{"property_id": a["property_id"],
             "address": ((a.get("snapshot") or {}).get("proximity") or {}).get(
                 "address", a["property_id"])} for a in case["assessments"]]


def _read(request: Request, caller: Admitted, case_id: str) -> dict[str, Any]:
    """The case as the caller may see it, read (and audited) with the session's purpose."""
    return casework.show_case(_services(request), caller.caller, case_id=case_id,
                              justification=caller.actor.justification
                              ).model_dump(mode="json")


#: A step of the ERA as a page runs it: the services, the caller and the session's
#: purpose (the justification) in; the service's answer (the case after the change) out.
Step = Callable[[Services, Caller, str | None], BaseModel]


def case_step(request: Request, endpoint: str, *, case_id: str, property_id: str,
              form: FormState, run: Step, notice: str,
              field_of: Callable[[GeoEraError], str | None] | None = None) -> Response:
    """Run one step of a case for the signed-in caller admitted to ``endpoint`` and
    show the case page: after the change with ``notice``, or, when the core refuses
    (nothing written), with ``form`` again, the core's words beside the field
    ``field_of(refusal)`` names (else ``form.field``). A case the caller may not see is
    refused as "not found" like the case page."""
    admitted = _admit(request, endpoint)
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        answer = run(_services(request), caller.caller, caller.actor.justification)
    except NotFoundError as exc:
        return _refused(request, identity, exc)
    except GeoEraError as exc:
        state = FormState(form.name, form.values, str(exc),
                          (field_of(exc) if field_of else None) or form.field)
        try:
            case = _read(request, caller, case_id)
        except GeoEraError as unreadable:
            return _refused(request, identity, unreadable)
        code = 403 if isinstance(exc, ForbiddenError) else 422
        return show(request, caller, identity, case, property_id, form=state,
                    status_code=code)
    case = answer.model_dump(mode="json")
    if "assessments" not in case:  # an acknowledgement: no purpose, no case shown
        return _refused(request, identity, NotFoundError(
            "recorded; give the purpose of your session at sign-in to see the case"))
    return show(request, caller, identity, case, property_id, notice=notice)


@router.post("/case", response_class=HTMLResponse)
def case_page(request: Request, case_id: CaseId, property_id: PropertyId = "") -> Response:
    """One case; its map and minimum set are of the candidate ``property_id`` (the
    switcher's choice), else of the first assessed candidate."""
    admitted = _admit(request, "case_show")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        case = _read(request, caller, case_id)
    except GeoEraError as exc:
        return _refused(request, identity, exc)
    return show(request, caller, identity, case, property_id)


@router.post("/case/document")
def case_document_pdf(request: Request, case_id: CaseId,
                      field_sheet: Annotated[str | None, Form(max_length=64)] = None
                      ) -> Response:
    """The ERA document (Parts A-D) as PDF, or one candidate's physical-check field
    sheet; reading the case is audited like the page."""
    admitted = _admit(request, "case_show")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    services = _services(request)
    why = caller.actor.justification
    try:
        if field_sheet:
            pdf = documents.field_sheet_pdf(services, caller.caller, case_id=case_id,
                                            property_id=field_sheet, justification=why)
        else:
            pdf = documents.era_document_pdf(services, caller.caller, case_id=case_id,
                                             justification=why)
    except GeoEraError as exc:
        return _refused(request, identity, exc)
    name = f"{case_id}-{'field-sheet' if field_sheet else 'ERA'}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
