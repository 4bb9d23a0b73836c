"""The ViSOR extract on the case page (NASSO 3.3, 3.11): for the roles that keep ViSOR's
activity log, a form on a decided case that shows Part C (and Part D), with where the
full ERA is held, as plain text to copy, or gives it as PDF.

The form carries its own justification (making the extract is a disclosure to ViSOR,
audited with the reason typed here, not the session's purpose). The case reference
travels in the form body. The text is shown on the case page, which is read again as
every case page is (its consultation audited with the session's purpose); a refusal of
the core (not decided, where the full ERA is held not recorded, no justification)
comes back beside the form's justification, nothing recorded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from geo_era.errors import ForbiddenError, GeoEraError, NotFoundError
from geo_era.services import Admitted, visor

from .. import forms
from .pages import _admit, _refused, _services
from .pages_case import CaseId, FormState, PropertyId, _read, provides, show

router = APIRouter(include_in_schema=False, dependencies=[Depends(forms.check_form)])
#: The form's name and the id of its justification field (``visor-justification``).
FORM = "visor"
FIELD = f"{FORM}-justification"


@provides
def visor_context(request: Request, caller: Admitted, case: dict[str, Any],
                  property_id: str) -> dict[str, Any]:
    """The extract just made for this case page (set by :func:`visor_extract`), if any."""
    return {"visor": getattr(request.state, "visor_extract", None)}


@router.post("/case/visor-extract", response_class=HTMLResponse)
def visor_extract(request: Request, case_id: CaseId, property_id: PropertyId = "",
                  justification: Annotated[str, Form(max_length=1_000)] = "",
                  format: Annotated[Literal["text", "pdf"], Form()] = "text",
                  ) -> Response:
    """The ViSOR extract of a decided case: shown on the case page to copy, or as PDF."""
    admitted = _admit(request, "case_visor_extract")
    if isinstance(admitted, Response):
        return admitted
    caller, identity = admitted
    services = _services(request)
    try:
        if format == "pdf":
            pdf = visor.visor_extract_pdf(services, caller.caller, case_id=case_id,
                                          justification=justification)
            return Response(pdf.content, media_type="application/pdf", headers={
                "Content-Disposition": f'attachment; filename="{pdf.filename}"'})
        extract = visor.visor_extract(services, caller.caller, case_id=case_id,
                                      justification=justification)
    except NotFoundError as exc:
        return _refused(request, identity, exc)
    except GeoEraError as exc:
        state = FormState(FORM, {"justification": justification}, str(exc), FIELD)
        try:
            case = _read(request, caller, case_id)
        except GeoEraError as unreadable:
            return _refused(request, identity, unreadable)
        return show(request, caller, identity, case, property_id, form=state,
                    status_code=403 if isinstance(exc, ForbiddenError) else 422)
    try:
        case = _read(request, caller, case_id)
    except GeoEraError as exc:
        return _refused(request, identity, exc)
    request.state.visor_extract = extract.model_dump(mode="json")
    return show(request, caller, identity, case, property_id,
                notice="The ViSOR extract is below, ready to copy; making it is recorded "
                       "in the audit trail as a disclosure to ViSOR.")
