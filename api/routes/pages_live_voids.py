"""Live voids as pages (NASSO 5.3, 3.12), for the roles the matrix admits to
``void_live``, ``void_publish`` and ``void_let``.

- ``/live-voids``: the live voids now, read with the purpose given at sign-in (one
  audited read, :func:`geo_era.services.live_voids.list_live`): the Responsible
  Authorities with who published each and why any needs a sensitive allocation (council
  staff: their own council's); a landlord's Link Officer their own organisation's, the
  flags alone, with the form to publish a void (one id, or a CSV or GeoPackage list) and
  a "mark let" button on each.
- ``/live-voids/publish`` and ``/live-voids/let``: record the change
  (:func:`geo_era.services.live_voids.change`), live at once in screening and allocation
  checks, and show the page again with what was recorded and its flags; a refusal
  stands beside the field, nothing written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era.errors import DataError, ForbiddenError, GeoEraError, NotFoundError
from geo_era.housing.live_voids import AVAILABLE, LET
from geo_era.security.users import Identity
from geo_era.services import live_voids
from geo_era.services.housing import Voids
from geo_era.services.policy import Admitted

from .. import forms
from .pages import VoidFile, _admit, _page, _services, _uploaded
from .pages_case import FormState

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
PropertyId = Annotated[str, Form(max_length=64)]


def _code(exc: GeoEraError) -> int:
    return (403 if isinstance(exc, ForbiddenError) else
            404 if isinstance(exc, NotFoundError) else 422)


def _show(request: Request, caller: Admitted, identity: Identity, *,
          done: dict[str, Any] | None = None, form: FormState | None = None,
          status_code: int = 200) -> HTMLResponse:
    """The live-voids page: the caller's view of the live voids, and what was just
    recorded (``done``) or refused (``form``)."""
    context: dict[str, Any] = {"who": identity, "done": done, "form": form or FormState(""),
                               "error_field": form.field if form else None,
                               "message": form.message if form else None}
    try:
        found = live_voids.list_live(_services(request), caller.caller,
                                     justification=caller.actor.justification)
    except GeoEraError as exc:
        context.update(voids=None, message=str(exc))
        return _page(request, "live_voids.html", context, status_code=_code(exc))
    context["landlord"] = caller.restricted
    context["voids"] = found.model_dump(mode="json")["voids"]
    return _page(request, "live_voids.html", context, status_code=status_code)


@router.get("/live-voids", response_class=HTMLResponse)
def live_voids_page(request: Request) -> Response:
    """The live voids as the caller may see them (audited with the session's
    purpose)."""
    admitted = _admit(request, "void_live")
    if isinstance(admitted, Response):
        return admitted
    return _show(request, *admitted)


def _change(request: Request, endpoint: str, status: str, *, formname: str, voids: Voids,
            typed: dict[str, str]) -> Response:
    admitted = _admit(request, endpoint)
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    try:
        done = live_voids.change(_services(request), caller.caller, status=status,
                                 voids=voids, justification=caller.actor.justification)
    except GeoEraError as exc:
        field = f"{formname}-property_id"
        return _show(request, caller, identity, status_code=_code(exc),
                     form=FormState(formname, typed, str(exc), field))
    return _show(request, caller, identity, done=done.model_dump(mode="json"))


@router.post("/live-voids/publish", response_class=HTMLResponse)
def publish_page(request: Request, property_id: PropertyId = "",
                 void_list: VoidFile = None) -> Response:
    """Publish one void (its id) or a list (an uploaded CSV or GeoPackage)."""
    typed = {"property_id": property_id}
    try:
        upload = _uploaded(void_list)
        if bool(property_id.strip()) == (upload is not None):
            raise DataError("give a property id, or choose a list of voids, not both")
    except DataError as exc:
        admitted = _admit(request, "void_publish")
        if isinstance(admitted, Response):
            return admitted
        return _show(request, *admitted, status_code=422, form=FormState(
            "publish", typed, str(exc), "publish-property_id"))
    voids: Voids = upload if upload is not None else [property_id.strip()]
    return _change(request, "void_publish", AVAILABLE, formname="publish", voids=voids,
                   typed=typed)


@router.post("/live-voids/let", response_class=HTMLResponse)
def let_page(request: Request, property_id: PropertyId = "") -> Response:
    """Mark one void let."""
    return _change(request, "void_let", LET, formname="let", voids=[property_id.strip()],
                   typed={"property_id": property_id})
