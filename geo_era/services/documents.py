"""The documents made from a case, as every door asks for them: the ERA document
(Parts A-D; OFFICIAL-SENSITIVE) and one candidate's physical-check field sheet (NASSO
3.8).

Reading the case for a document is reading the case: the caller is admitted as for
``case_show``, the justification is required, and the document's one consultation is
recorded by the core in the transaction that reads the case. Everyone who may read a
case has need to know of Part A (the subject's risk summary), so every copy includes it.
"""

from __future__ import annotations

from pathlib import Path

from geo_era.casework.cases import parse_case_id
from geo_era.casework.retention import register_written
from geo_era.documents import era_document as core
from geo_era.errors import ForbiddenError
from geo_era.security.access import CASE_VIEWS
from geo_era.services.context import Services
from geo_era.services.policy import Admitted, Caller

__all__ = ["era_document_pdf", "field_sheet_pdf", "write_era_document"]

#: Every case reader has need to know of Part A (NASSO 77).
PART_A = True


def _admit(services: Services, caller: Caller, case_id: str,
           justification: str | None) -> Admitted:
    """Admit ``caller`` as for ``case_show``. A partner agency whose need to know leaves
    part of a case out (:data:`~geo_era.security.access.CASE_VIEWS`: the NHS, SPS, a
    support worker, a Link Officer) is refused the documents, which print the case whole
    (Part A, the minimum set, the subject check); the refusal is audited."""
    view = CASE_VIEWS.get(caller.role)
    if view is not None and not (view.households and view.subject_record):
        services.gate.denied(caller, "case", [case_id])
        raise ForbiddenError(f"the {caller.role} role does not get the ERA document or "
                             "field sheet, which show the whole case; read your agency's "
                             "part of it with 'case show'")
    admitted = services.gate.admit("case_show", caller, justification=justification,
                                   record_ids=[case_id])
    admitted.require_justification("a case")
    return admitted


def write_era_document(services: Services, caller: Caller, *, case_id: str, out: Path,
                       justification: str | None, field_sheet: str | None = None) -> int:
    """Write a case's ERA document (or, with ``field_sheet`` = a candidate property id,
    its field sheet) to ``out``: PDF or HTML by the suffix, checked before the case is
    read; written whole or not at all, owner-only (0600). The file is registered with its
    case, so that weeding the case removes it (:mod:`geo_era.casework.retention`).
    Returns the bytes written.

    Raises
    ------
    DataError
        A suffix other than .pdf or .html; no justification.
    NotFoundError
        No such case, or not one the caller may see (that refusal is audited).
    WorkflowRefusedError
        ``field_sheet`` is not a candidate of the case (nothing is recorded).
    """
    core.document_format(out)  # refuse a bad suffix before reading anything
    admitted = _admit(services, caller, case_id, justification)
    with services.gate.in_scope(caller):
        size = core.write_document(services.layers, services.engine, case_id, out,
                                   actor=admitted.actor, part_a=PART_A,
                                   field_sheet=field_sheet,
                                   checklists=services.settings.database_checks)
    register_written(services.engine, kind="field_sheet" if field_sheet else "era_document",
                     paths=[out], actor=admitted.actor, case_id=parse_case_id(case_id))
    return size


def era_document_pdf(services: Services, caller: Caller, *, case_id: str,
                     justification: str | None) -> bytes:
    """The ERA document of a case as PDF (A4, OFFICIAL-SENSITIVE on every page)."""
    admitted = _admit(services, caller, case_id, justification)
    with services.gate.in_scope(caller):
        return core.era_document_pdf(services.layers, services.engine, case_id,
                                     actor=admitted.actor, part_a=PART_A,
                                     checklists=services.settings.database_checks)


def field_sheet_pdf(services: Services, caller: Caller, *, case_id: str,
                    property_id: str, justification: str | None) -> bytes:
    """One candidate property's physical-check field sheet as a one-page A4 PDF."""
    admitted = _admit(services, caller, case_id, justification)
    with services.gate.in_scope(caller):
        return core.field_sheet_pdf(services.layers, services.engine, case_id,
                                    property_id, actor=admitted.actor)
