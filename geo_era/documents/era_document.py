"""The ERA document of a case (NASSO 3.2-3.11, the Annex 1 form's Parts A-D) and the
one-page physical-check field sheet (NASSO 3.8), as self-contained HTML and as PDF.

The ERA document shows:

- a header: case reference and type, lead agency, authority, the notification and due
  dates with each agency's deadline and agreement (3.5, 3.6, 3.11), the versions of
  the reference data used;
- **Part A** (subject and risk summary: MAPPA category and level, risk level, victim
  profile, conditions, from the ``subjects`` layer) only for readers with need to know;
  otherwise one line saying it is withheld. Without Part A, Part B also withholds the
  details of the subject check (they name conditions and the victim profile) and gives
  only how many conflicts and warnings there are;
- **Part B** (property and environment): for each candidate, its address and type, a
  static map (:mod:`geo_era.maps.static_map`), the NASSO 3.9 minimum set with the households'
  facts, the sites within the assessment radius with straight-line and walking
  distances, the nearest site of each category, the subject check, and for the case the
  database and physical checks recorded (3.7, 3.8) and restrictions on future
  allocations (3.12);
- **Part C** (approval) and **Part D** (decision where agencies disagree), or what is
  still missing.

Every page is marked OFFICIAL-SENSITIVE; demo data (subject ids starting ``FICTIONAL``)
are marked FICTIONAL. Subjects appear only by their pseudonymous id, and only in Part A.
Distances are metres, measured in EPSG:27700 (British National Grid) as the case's
assessment snapshot recorded them: what was decided on, whatever has been imported
since. The map and the properties' facts come from the current reference data, and the
document says so when its version differs from the assessment's.

Reading the case goes through :func:`geo_era.casework.cases.case_for_document`: it needs the
actor's justification and writes exactly one audit entry (a consultation) per document.
The HTML makes no external request (styles inline, the map a ``data:`` URI), and the
PDF renderer is allowed to fetch nothing but ``data:`` URIs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy import Engine

from geo_era._io import PRIVATE, write_bytes
from geo_era.casework.cases import Checklists, case_for_document
from geo_era.data.layer_store import LayerStore
from geo_era.documents._era_views import (
    MARKING,
    PART_A,
    PART_A_WITHHELD,
    PART_B,
    PART_C,
    PART_D,
    document_context,
    field_sheet_context,
    metres,
    when,
    words,
)
from geo_era.errors import DataError
from geo_era.security.audit import Actor

if TYPE_CHECKING:
    from weasyprint.document import Document

__all__ = ["MARKING", "PART_A", "PART_A_WITHHELD", "PART_B", "PART_C", "PART_D",
           "document_format", "era_document_html", "era_document_pdf", "field_sheet_html",
           "field_sheet_pdf", "pdf_from_html", "write_document"]


def template_environment(**filters: Callable[..., object]) -> Environment:
    """The Jinja2 environment of geo_era's documents (``templates/era``: autoescaped,
    strict about undefined names) with ``filters`` added."""
    env = Environment(loader=PackageLoader("geo_era.documents", "templates/era"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(filters)
    return env


@cache
def _templates() -> Environment:
    return template_environment(metres=metres, when=when, words=words)


# --- public ------------------------------------------------------------------------


def era_document_html(store: LayerStore, engine: Engine, case_id: str, *, actor: Actor,
                      part_a: bool, checklists: Checklists | None = None) -> str:
    """The ERA document of a case as one self-contained HTML page.

    Parameters
    ----------
    store
        The reference layers (the map, the candidates' facts and, with ``part_a``, the
        ``subjects`` layer).
    engine
        The case store.
    case_id
        ``ERA-000042`` or ``42``.
    actor
        Who reads the case and why: it needs a justification, and the document writes
        one audit entry (a consultation). A confined actor sees only their authority's
        cases (others are "not found").
    part_a
        Include Part A (the subject's risk summary) and the details of the subject
        check: only for readers with need to know.
    checklists
        The council's 3.7 checklists (``GEO_ERA_DATABASE_CHECKS``) that what is still
        missing for approval is read against; NASSO's lists where a council names none.

    Raises
    ------
    DataError
        The actor gave no justification.
    NotFoundError
        No such case, or not one the actor may see.
    """
    case = case_for_document(engine, case_id, actor=actor, checklists=checklists)
    context = document_context(store, case, actor=actor, part_a=part_a)
    return _templates().get_template("document.html").render(**context)


def field_sheet_html(store: LayerStore, engine: Engine, case_id: str, property_id: str, *,
                     actor: Actor) -> str:
    """The physical-check field sheet (NASSO 3.8) of one candidate property of a case.

    One A4 page for the officer at the address: the address and property type; what to
    look for (every site category, with the nearest on record by straight line and on
    foot, and the signs of the victim profile) as tick boxes with room for notes; the
    minimum set's addresses (NASSO 3.9) to look at; and the map. It names neither the
    subject nor their conditions. Reading the case needs a justification and writes one
    audit entry (a consultation); ``property_id`` must be a candidate of the case.

    This is the sheet as designed; for paper use :func:`field_sheet_pdf`, which tightens
    the layout of a long minimum set until it fits one page.
    """
    return _field_sheet_html(store, engine, case_id, property_id, actor=actor)[0]


def _field_sheet_html(store: LayerStore, engine: Engine, case_id: str, property_id: str, *,
                      actor: Actor) -> tuple[str, dict[str, Any]]:
    case = case_for_document(engine, case_id, actor=actor, property_id=property_id)
    context = field_sheet_context(store, case, property_id, actor=actor)
    return _render_field_sheet(context, density=0), context


def _render_field_sheet(context: Mapping[str, Any], *, density: int) -> str:
    """The field sheet at a density: 0 as designed, 1 tighter, 2 tightest (the set's
    list in four columns, smaller type)."""
    return _templates().get_template("field_sheet.html").render(**context, density=density)


def _rendered(html: str) -> Document:
    """WeasyPrint's laid-out document of self-contained HTML, fetching nothing but
    ``data:`` URIs: a stray link to the network or a file stops the rendering instead
    of leaking a request."""
    from weasyprint import HTML  # noqa: PLC0415  (heavy: only when a PDF is asked for)
    from weasyprint.urls import URLFetcher  # noqa: PLC0415

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document: Document = HTML(string=html, url_fetcher=fetcher).render()
    return document


def pdf_from_html(html: str) -> bytes:
    """Render self-contained HTML to PDF (A4, as its ``@page`` rules say) with
    WeasyPrint; only ``data:`` URIs are fetched."""
    pdf: bytes = _rendered(html).write_pdf()
    return pdf


def _page_count(html: str) -> tuple[int, bytes]:
    document = _rendered(html)
    pdf: bytes = document.write_pdf()
    return len(document.pages), pdf


def era_document_pdf(store: LayerStore, engine: Engine, case_id: str, *, actor: Actor,
                     part_a: bool, checklists: Checklists | None = None) -> bytes:
    """The ERA document as PDF (A4, numbered pages, OFFICIAL-SENSITIVE on each), from
    the same HTML as :func:`era_document_html`; one audit entry."""
    return pdf_from_html(era_document_html(store, engine, case_id, actor=actor,
                                           part_a=part_a, checklists=checklists))


def field_sheet_pdf(store: LayerStore, engine: Engine, case_id: str, property_id: str, *,
                    actor: Actor) -> bytes:
    """The field sheet as a one-page A4 PDF; one audit entry.

    A long minimum set is laid out tighter until the sheet fits on one page.

    Raises
    ------
    DataError
        The sheet does not fit on one page even at its tightest (a minimum set of
        hundreds of dwellings): print the ERA document's Part B instead.
    """
    html, context = _field_sheet_html(store, engine, case_id, property_id, actor=actor)
    for density in (0, 1, 2):
        if density:
            html = _render_field_sheet(context, density=density)
        pages, pdf = _page_count(html)
        if pages == 1:
            return pdf
    members = len(context["p"].get("minimum_set", {}).get("members", []))
    raise DataError(f"the field sheet of {property_id} does not fit on one A4 page "
                    f"({members} dwellings in its minimum set); use the ERA document's "
                    "Part B (geo-era era-document) as the list to check")


#: The formats a document is written in, by file suffix.
FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


def document_format(path: Path) -> str:
    """``pdf`` or ``html`` from a file name; a clear refusal for any other suffix."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(f"cannot write {path.name!r}: ERA documents are written as PDF or "
                        "HTML; name the file with .pdf or .html")
    return fmt


def write_document(store: LayerStore, engine: Engine, case_id: str, out: Path, *,
                   actor: Actor, part_a: bool, field_sheet: str | None = None,
                   checklists: Checklists | None = None) -> int:
    """Write the ERA document (or, with ``field_sheet`` = a property id, that property's
    field sheet) to ``out``, PDF or HTML by its suffix; returns the bytes written.

    The suffix is checked before the case is read. The file is written whole or not at
    all (:func:`geo_era._io.write_bytes`), readable and writable by its owner only
    (0600, :data:`geo_era._io.PRIVATE`): an ERA document is OFFICIAL-SENSITIVE and names
    the subject. On any error ``out`` is left as it was.
    """
    fmt = document_format(out)
    content: str | bytes
    if field_sheet is None:
        content = (era_document_pdf if fmt == "pdf" else era_document_html)(
            store, engine, case_id, actor=actor, part_a=part_a, checklists=checklists)
    else:
        content = (field_sheet_pdf if fmt == "pdf" else field_sheet_html)(
            store, engine, case_id, field_sheet, actor=actor)
    data = content.encode("utf-8") if isinstance(content, str) else content
    write_bytes(out, data, mode=PRIVATE)
    return len(data)
