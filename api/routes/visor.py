"""The ViSOR activity-log extract of a decided case (NASSO 3.3, 3.11): Parts C and D and
where the full ERA is held, as plain text (JSON) or as PDF.

The case id travels in the request body, never in the URL. The route calls one service
(:mod:`geo_era.services.visor`), which admits the caller to ``case_visor_extract`` and has
the extract's one ``disclosure`` audit entry written in the transaction that reads the
case.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field

from geo_era.services import visor
from geo_era.services.answers.visor import VisorExtract

from ..deps import PREFIX, App, Who, caller_of
from ..schemas import JUSTIFICATION, Strict

router = APIRouter(prefix=f"{PREFIX}/cases", tags=["cases"])


class VisorRequest(Strict):
    case_id: str = Field(min_length=1, max_length=16, pattern=r"^(ERA-)?[0-9]{1,9}$",
                         description="A decided case's reference, e.g. ERA-000042")
    format: Literal["text", "pdf"] = Field(
        default="text", description="text: the extract as JSON with its plain text; pdf: "
                                    "the extract as a PDF (application/pdf)")
    justification: str = JUSTIFICATION


@router.post("/visor-extract", response_model=VisorExtract, responses={
    200: {"content": {"application/pdf": {}},
          "description": "The extract: JSON with its text, or the PDF when format is pdf"}})
def visor_extract_route(body: VisorRequest, identity: Who, app: App
                        ) -> VisorExtract | Response:
    """The ViSOR activity-log extract of a decided case (Part C, Part D where relevant,
    where the full ERA is held; nothing of Parts A and B): an audited disclosure. A case
    not decided, or with no record of where the full ERA is held, is refused (409)."""
    caller = caller_of(identity)
    if body.format == "pdf":
        pdf = visor.visor_extract_pdf(app, caller, case_id=body.case_id,
                                      justification=body.justification)
        return Response(pdf.content, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{pdf.filename}"'})
    return visor.visor_extract(app, caller, case_id=body.case_id,
                               justification=body.justification)
