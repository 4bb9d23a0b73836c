"""The ViSOR activity-log extract of a decided ERA (NASSO 3.3, 3.11; R7, R17, R132).

NASSO 3.3: "The full ERA should not be recorded on ViSOR; Police Scotland Offender
Management Units will record only Parts C (approval) and where relevant, Part D
(decision where partners cannot agree) of the completed ERA form to an Activity Log on
ViSOR. They will also include details of where the full ERA document is held." 3.11
repeats it: "The full ERA with housing complement and housing agency data should not be
recorded on ViSOR", and has the lead agency "fully record their conclusion and reasons".

What the extract holds, and why
-------------------------------
- **The case**: its reference, type (initial or annual review) and lead agency: the
  head of the form, needed to tie the activity-log entry to the ERA it comes from.
- **Part C** as the ERA document words it (:mod:`geo_era.documents.era_document`): for
  each decision, the property decided on (its address and id: Part C *is* the decision
  about that property, and the registered address is ViSOR's own record), manageable or
  not, the conclusion, the reasons, the monitoring and supervision adjustments of a
  "manageable with conditions" decision, who approved it for which (lead) agency, and
  when. Where the case went to a conference, Part C says so in the document's words.
- **Part D** where relevant: the same, with the date of the case conference and which
  agencies disagreed (by name). Their written comments are not copied: they are the
  agencies' views of the assessment (Part B: the neighbourhood, the households) and may
  name household facts; the lead agency's reasons are the record 3.11 asks for.
- **Where the full ERA is held** and by whom (the latest
  :class:`~geo_era.db.store.EraHolding`: system, reference, the agency holding it, who
  recorded it and when). 3.3 makes it part of the entry, so without one the extract is
  refused with how to record it (``geo-era case held``), never made without it.

What it never holds: anything of Part A (the subject's id, risk summary, MAPPA
category and level, victim profile, conditions, exclusion zones) or of Part B (the
candidates' surroundings, the minimum set's addresses and households: children,
occupants, adults at risk, what visits found; the database and physical checks and
their notes; the subject check and the lead agency's responses to it; restrictions on
neighbours' allocations), nor the other candidates, nor the move in. The extract is
built from the decisions and the holding record alone, so nothing else can leak in;
the tests assert each kind of Part A/B text absent.

Producing it is a disclosure to ViSOR (DPA 2018 s62): it needs a justification and
writes one audit entry, a ``disclosure`` of the case naming the recipient
(:data:`RECIPIENT`), in the transaction that reads the case. A case the actor may not
see reads as "not found" (:class:`~geo_era.errors.OutOfScopeError`, audited by the
services); a case not yet decided, or with no holding recorded, is refused
(:class:`~geo_era.errors.WorkflowRefusedError`) and nothing is recorded.

The text is plain, at most :data:`WIDTH` characters a line, headed and footed with the
marking (OFFICIAL-SENSITIVE; FICTIONAL when the subject's id says it is demo data), ready
to paste into the activity log; the PDF is the same text on one A4 page (or more for
long reasons), rendered by WeasyPrint.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment
from sqlalchemy import Engine

from geo_era._io import PRIVATE, write_bytes
from geo_era.casework.case_records import held_record
from geo_era.casework.cases import _load
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import Case, Decision, session_scope
from geo_era.documents._era_views import (
    AGENCIES,
    CASE_TYPES,
    FICTIONAL,
    MARKING,
    PART_C,
    PART_D,
    when,
)
from geo_era.documents.era_document import pdf_from_html, template_environment
from geo_era.errors import DataError, WorkflowRefusedError
from geo_era.security.audit import Actor

__all__ = ["RECIPIENT", "WIDTH", "VisorExtract", "extract_format", "visor_extract",
           "visor_pdf", "write_extract"]

#: Whom producing the extract discloses the decision to (the audit entry's recipient).
RECIPIENT = "ViSOR activity log (NASSO 3.3)"
#: The longest line of the text, in characters: pastes into a fixed-width field.
WIDTH = 78
#: The formats the extract is written in, by file suffix.
FORMATS = {".txt": "text", ".pdf": "pdf"}
FICTIONAL_LINE = "FICTIONAL: demo data, no real person, property or victim"


@dataclass(frozen=True)
class Holding:
    """Where the full ERA is held (NASSO 3.3, 3.11), as recorded last: the system, its
    reference there, the agency holding it (its code, e.g. ``police_scotland``), who
    recorded it and when (ISO 8601)."""

    system: str
    reference: str
    agency: str
    recorded_by: str
    recorded_at: str


@dataclass(frozen=True)
class DecisionEntry:
    """One decision of Part C or Part D, in the ERA document's terms."""

    part: str
    property_id: str
    address: str
    manageable: bool
    conclusion: str
    reasons: str
    adjustments: str | None
    conference_on: str | None
    agency: str
    recorded_by: str
    recorded_at: str


@dataclass(frozen=True)
class VisorExtract:
    """The extract of one decided case: Parts C and D, where the full ERA is held, and
    the plain text made of them (:attr:`text`)."""

    case_id: str
    case_type: str
    lead_agency: str
    fictional: bool
    decisions: tuple[DecisionEntry, ...]
    disagreed: tuple[str, ...]
    held: Holding
    made_at: str
    made_by: str
    marking: str = MARKING

    @property
    def parts(self) -> tuple[str, ...]:
        """The parts the case has: ``("C",)``, ``("D",)`` or both."""
        return tuple(sorted({d.part for d in self.decisions}))

    @property
    def text(self) -> str:
        """The extract as plain text, ready to paste (:func:`extract_text`)."""
        return extract_text(self)


# --- reading ------------------------------------------------------------------------


def _agency(code: str) -> str:
    return AGENCIES.get(code, code.replace("_", " "))


def _addresses(store: LayerStore | None, property_ids: Sequence[str]) -> dict[str, str]:
    """The decided properties' addresses from the ``properties`` layer, as the ERA
    document's Part C shows them; none when the layer is missing (the id stands)."""
    if store is None or not store.has("properties") or not property_ids:
        return {}
    facts = store.read_attributes("properties", ["property_id", "address"])
    ids = facts["property_id"].astype("string")
    chosen = facts[ids.isin(list(property_ids)).fillna(False).to_numpy(dtype=bool)]
    return {str(p): str(a) for p, a in zip(chosen["property_id"], chosen["address"],
                                           strict=True) if isinstance(a, str) and a}


def _entry(decision: Decision, addresses: Mapping[str, str]) -> DecisionEntry:
    return DecisionEntry(
        part=decision.part, property_id=decision.property_id,
        address=addresses.get(decision.property_id, decision.property_id),
        manageable=decision.manageable, conclusion=decision.conclusion,
        reasons=decision.reasons, adjustments=decision.adjustments,
        conference_on=decision.conference_on.isoformat() if decision.conference_on else None,
        agency=_agency(decision.agency), recorded_by=decision.recorded_by,
        recorded_at=decision.recorded_at.isoformat())


def _decided(case: Case) -> None:
    """Refuse a case with no Part C or Part D decision yet, saying what is needed."""
    if case.decisions:
        return
    raise WorkflowRefusedError(
        f"case {case.reference} is not decided ({case.status.replace('_', ' ')}): a ViSOR "
        "extract holds Part C or Part D (NASSO 3.3), so it can be made once the lead "
        "agency has approved (geo-era case approve) or recorded a case conference's "
        "decision (geo-era case decide)")


def _holding(case: Case) -> Holding:
    """The latest record of where the full ERA is held, or a refusal saying how to
    record one: 3.3 puts it in every ViSOR entry."""
    record = held_record(case)
    if record is None:
        raise WorkflowRefusedError(
            f"case {case.reference} has no record of where the full ERA is held, which "
            "NASSO 3.3 puts in the ViSOR entry: record it first with 'geo-era case held "
            f"{case.reference} --system SYSTEM --reference REF' (or the case page's "
            "'Where the full ERA is held' form), then make the extract")
    return Holding(system=record["system"], reference=record["reference"],
                   agency=record["agency"], recorded_by=record["recorded_by"],
                   recorded_at=record["recorded_at"])


def visor_extract(store: LayerStore | None, engine: Engine, case_id: str | int, *,
                  actor: Actor, now: dt.datetime | None = None) -> VisorExtract:
    """The ViSOR activity-log extract of a decided case; one audited disclosure.

    Parameters
    ----------
    store
        The reference layers, for the decided property's address (the ``properties``
        layer, as the ERA document's Part C); ``None`` or no layer: its id stands.
    engine
        The case store.
    case_id
        ``ERA-000042`` or ``42``.
    actor
        Who makes it and why: a justification is needed, and one ``disclosure`` audit
        entry of the case naming :data:`RECIPIENT` is written. A confined actor sees
        only their council's cases.
    now
        When it is made (UTC; default now), printed at its foot.

    Raises
    ------
    DataError
        No justification, or a malformed case id.
    NotFoundError
        No such case; :class:`~geo_era.errors.OutOfScopeError` for one the actor may
        not see (the services audit that refusal and answer "not found").
    WorkflowRefusedError
        The case is not decided, or where the full ERA is held is not recorded; nothing
        is recorded.
    """
    actor.require_justification("a case's decision for ViSOR")
    made = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        _decided(case)
        held = _holding(case)
        addresses = _addresses(store, sorted({d.property_id for d in case.decisions}))
        extract = VisorExtract(
            case_id=case.reference,
            case_type=CASE_TYPES.get(case.case_type, case.case_type.replace("_", " ")),
            lead_agency=_agency(case.lead_agency),
            fictional=case.subject_id.upper().startswith(FICTIONAL),
            decisions=tuple(_entry(d, addresses) for d in
                            sorted(case.decisions, key=lambda d: (d.part, d.id))),
            disagreed=tuple(_agency(a.agency) for a in case.agencies if a.agrees is False),
            held=held, made_at=made.isoformat(),
            made_by=f"{actor.username} ({actor.role}, {actor.organisation})")
        actor.record(session, operation="disclosure", record_type="case",
                     record_ids=[case.reference, case.subject_id], recipients=[RECIPIENT])
        return extract


# --- the text -----------------------------------------------------------------------


def _field(label: str, value: str) -> list[str]:
    """``Label: value`` wrapped at :data:`WIDTH`, continuation lines indented."""
    return textwrap.wrap(f"{label}: {' '.join(value.split())}", WIDTH,
                         subsequent_indent="  ", break_long_words=True,
                         break_on_hyphens=False) or [f"{label}:"]


def _heading(title: str) -> list[str]:
    return ["", title, "-" * min(len(title), WIDTH)]


def _part_c(extract: VisorExtract) -> list[str]:
    lines = _heading(PART_C)
    approvals = [d for d in extract.decisions if d.part == "C"]
    if not approvals:
        return [*lines, *textwrap.wrap("No Part C approval: the agencies did not agree, "
                                       "and the case conference decided (Part D).", WIDTH)]
    for d in approvals:
        lines += [*_field("Property", f"{d.address} ({d.property_id})"),
                  *_field("Decision", "MANAGEABLE: the property may be offered"
                          if d.manageable else "NOT MANAGEABLE"),
                  *_field("Date", when(d.recorded_at)),
                  *_field("Conclusion", d.conclusion), *_field("Reasons", d.reasons)]
        if d.adjustments:
            lines += _field("Monitoring and supervision adjustments", d.adjustments)
        lines += _field("Approved by", f"{d.recorded_by} for {d.agency} (lead agency), "
                                       f"{when(d.recorded_at)}")
    return lines


def _part_d(extract: VisorExtract) -> list[str]:
    lines = _heading(PART_D)
    conferences = [d for d in extract.decisions if d.part == "D"]
    if not conferences:
        return [*lines, "Not applicable: no agency disagrees."]
    for d in conferences:
        lines += [*_field("Property", f"{d.address} ({d.property_id})"),
                  *_field("Decision", "MANAGEABLE" if d.manageable else "NOT MANAGEABLE"),
                  *_field("Case conference", when(d.conference_on)),
                  *_field("Conclusion", d.conclusion), *_field("Reasons", d.reasons)]
        if d.adjustments:
            lines += _field("Monitoring and supervision adjustments", d.adjustments)
        lines += _field("Recorded by", f"{d.recorded_by} for {d.agency} (lead agency), "
                                       f"{when(d.recorded_at)}")
    if extract.disagreed:
        lines += _field("Agencies that disagreed", ", ".join(extract.disagreed))
    return lines


def extract_text(extract: VisorExtract) -> str:
    """The extract as plain text: lines of at most :data:`WIDTH` characters, the marking
    first and last, ending with a newline."""
    held = extract.held
    lines = [extract.marking, *([FICTIONAL_LINE] if extract.fictional else []),
             f"ViSOR activity log: ERA decision, {extract.case_id}",
             *_field("Source", "geo_era; Parts C and D of the ERA only, with where the "
                               "full ERA is held (NASSO 3.3, 3.11)"),
             "",
             *_field("Case reference", extract.case_id),
             *_field("Case type", extract.case_type),
             *_field("Lead agency", extract.lead_agency),
             *_part_c(extract), *_part_d(extract),
             *_heading("Full ERA held"),
             *_field("System", held.system), *_field("Reference", held.reference),
             *_field("Held by", _agency(held.agency)),
             *_field("Recorded by", f"{held.recorded_by}, {when(held.recorded_at)}"),
             "",
             *_field("Not recorded on ViSOR", "Parts A and B of the ERA (the subject's "
                     "risk summary; the property's surroundings, checks and households)"),
             *_field("Extract made", f"{when(extract.made_at)} by {extract.made_by}"),
             extract.marking]
    return "\n".join(lines) + "\n"


# --- the PDF and files --------------------------------------------------------------


@cache
def _templates() -> Environment:
    return template_environment()


def visor_pdf(extract: VisorExtract) -> bytes:
    """The extract as PDF: its text as it pastes (fixed width), the marking at the head
    and foot of every page."""
    html = _templates().get_template("visor_extract.html").render(
        x=extract, text=extract.text, generated=when(extract.made_at))
    return pdf_from_html(html)


def extract_format(path: Path) -> str:
    """``text`` or ``pdf`` from a file name; a clear refusal for any other suffix."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(f"cannot write {path.name!r}: a ViSOR extract is written as plain "
                        "text or PDF; name the file with .txt or .pdf (or leave out --out "
                        "to print the text)")
    return fmt


def write_extract(extract: VisorExtract, out: Path) -> int:
    """Write the extract to ``out``, text or PDF by its suffix, whole or not at all,
    owner-only (0600: it is OFFICIAL-SENSITIVE); the bytes written."""
    data = (visor_pdf(extract) if extract_format(out) == "pdf"
            else extract.text.encode("utf-8"))
    write_bytes(out, data, mode=PRIVATE)
    return len(data)
