"""The ViSOR activity-log extract of a decided case (NASSO 3.3, 3.11), as every door asks
for it: the text to paste, a PDF, or a file.

Making it is a *disclosure* of the case's decision to ViSOR: the caller is admitted to
``case_visor_extract`` (:data:`geo_era.security.access.MATRIX`: the police OMU, who keep
the activity log, and criminal justice social work for their own council), the
justification is required, and the core writes the one ``disclosure`` audit entry
naming the recipient in the transaction that reads the case
(:func:`geo_era.reporting.visor.visor_extract`). A case outside a council officer's
council reads as "not found", the refusal audited (:meth:`Gate.in_scope`); a case not
decided, or with no record of where the full ERA is held, is refused and nothing is
recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geo_era.casework.cases import parse_case_id
from geo_era.casework.retention import register_written
from geo_era.reporting import visor as core
from geo_era.security.audit import Actor
from geo_era.services.answers.casework import EraHeld
from geo_era.services.answers.visor import VisorExtract
from geo_era.services.context import Services
from geo_era.services.policy import Caller

__all__ = ["ENDPOINT", "VisorPdf", "visor_extract", "visor_extract_pdf",
           "write_visor_extract"]

#: The matrix entry of the extract.
ENDPOINT = "case_visor_extract"


def _made(services: Services, caller: Caller, case_id: str,
          justification: str | None) -> core.VisorExtract:
    """The extract, the caller admitted and the disclosure audited by the core."""
    admitted = services.gate.admit(ENDPOINT, caller, justification=justification,
                                   record_ids=[case_id])
    with services.gate.in_scope(caller):
        return core.visor_extract(services.layers, services.engine, case_id,
                                  actor=admitted.actor)


def visor_extract(services: Services, caller: Caller, *, case_id: str,
                  justification: str | None) -> VisorExtract:
    """The extract's text and what it holds.

    Raises
    ------
    ForbiddenError
        The caller's role may not make it (the refusal is audited).
    NotFoundError
        No such case, or one outside the caller's council (audited).
    WorkflowRefusedError
        The case is not decided, or where the full ERA is held is not recorded.
    DataError
        No justification.
    """
    extract = _made(services, caller, case_id, justification)
    held = extract.held
    return VisorExtract(
        case_id=extract.case_id, marking=extract.marking, fictional=extract.fictional,
        parts=list(extract.parts), recipient=core.RECIPIENT, text=extract.text,
        held=EraHeld(system=held.system, reference=held.reference, agency=held.agency,
                     recorded_by=held.recorded_by, recorded_at=held.recorded_at))


@dataclass(frozen=True)
class VisorPdf:
    """The extract as PDF, and the name to save it under."""

    filename: str
    content: bytes


def visor_extract_pdf(services: Services, caller: Caller, *, case_id: str,
                      justification: str | None) -> VisorPdf:
    """The extract as PDF; admitted and audited as :func:`visor_extract`."""
    extract = _made(services, caller, case_id, justification)
    return VisorPdf(f"{extract.case_id}-ViSOR.pdf", core.visor_pdf(extract))


def write_visor_extract(services: Services, caller: Caller, *, case_id: str, out: Path,
                        justification: str | None) -> int:
    """Write the extract to ``out`` (``.txt`` or ``.pdf``, checked before the case is
    read), whole or not at all, owner-only (0600), registered with its case so that
    weeding the case removes it; the bytes written. Admitted and audited as
    :func:`visor_extract`."""
    core.extract_format(out)
    extract = _made(services, caller, case_id, justification)
    size = core.write_extract(extract, out)
    register_written(services.engine, kind="visor_extract", paths=[out],
                     actor=Actor(caller.username, caller.role, caller.organisation),
                     case_id=parse_case_id(case_id))
    return size
