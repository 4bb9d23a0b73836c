"""What stands between a candidate property and the lead agency's Part C approval (NASSO
3.11, 3.13), read from a case document the caller already holds (the answer of reading
the case, :func:`geo_era.casework.cases.case_document`): nothing is read from the store,
so nothing more is consulted or audited than that reading.

The rules are those of :func:`geo_era.casework.cases.missing_for_approval` and
:func:`geo_era.casework.cases.approve` (its assessment, the physical and database checks
of the property, each dwelling's outcome, a response to each concern and hard conflict,
each agency's agreement, what an out-of-area placement must record), worked out from the
document's records; the core's own refusal stays the authority when Part C is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geo_era.casework.cases import (
    LEGACY_PHYSICAL,
    PHYSICAL_ITEMS,
    Checklists,
    conflict_key,
    database_checklist,
)

__all__ = ["answerable", "missing", "responses"]

Document = Mapping[str, Any]


def _current_checks(doc: Document, property_id: str) -> dict[tuple[str, str, str],
                                                              Mapping[str, Any]]:
    """The latest record of each (agency, kind, item) check of one property."""
    latest: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for check in doc.get("checks") or []:
        if check.get("property_id") == property_id:
            latest[(check["agency"], check["kind"], check["item"])] = check
    return latest


def _snapshot(doc: Document, property_id: str) -> Mapping[str, Any] | None:
    found = next((a for a in doc.get("assessments") or []
                  if a.get("property_id") == property_id), None)
    return None if found is None else found.get("snapshot")


def answerable(doc: Document, property_id: str) -> tuple[list[str], dict[str, str]]:
    """The concerns of one candidate (the item code of each check in force with the
    outcome concern; ``dwelling:<id>[/<occupant>]`` for each dwelling found to fit the
    victim profile) and its hard conflicts (``zone:<id>``, ``condition:<n>`` -> the
    assessment's words), each needing the lead agency's written response (3.11)."""
    concerns = {c["item"] for c in _current_checks(doc, property_id).values()
                if c.get("outcome") == "concern"}
    seen: dict[tuple[str, str | None], Mapping[str, Any]] = {}
    for row in doc.get("dwellings") or []:
        if row.get("property_id") == property_id:
            seen[(row["dwelling_id"], row.get("occupant"))] = row
    concerns |= {f"dwelling:{d}" + (f"/{o}" if o else "")
                 for (d, o), row in seen.items() if row.get("outcome") == "fits_profile"}
    check = (_snapshot(doc, property_id) or {}).get("check") or {}
    conflicts = {conflict_key(f): str(f.get("message", f.get("kind", "")))
                 for f in check.get("conflicts") or [] if isinstance(f, dict)}
    return sorted(concerns), conflicts


def responses(doc: Document, property_id: str) -> dict[str, Mapping[str, Any]]:
    """The lead agency's latest response to each concern or conflict of one candidate,
    by what it answers."""
    return {r["to"]: r for r in doc.get("responses") or []
            if r.get("property_id") == property_id}


def _checks_missing(doc: Document, property_id: str,
                    checklists: Checklists | None) -> list[str]:
    current = _current_checks(doc, property_id)
    done = {item for (_, kind, item) in current if kind == "physical"}
    if set(LEGACY_PHYSICAL) <= done:
        done.add("school_nursery")
    missing = []
    physical = [i for i in PHYSICAL_ITEMS if i not in done]
    if physical:
        missing.append(f"physical checks missing for {property_id}: {', '.join(physical)}")
    for row in doc.get("agencies") or []:
        wanted = database_checklist(row["agency"], doc.get("authority"), checklists)
        gaps = [i for i in wanted if (row["agency"], "database", i) not in current]
        if gaps:
            missing.append(f"database checks missing from {row['agency']} for "
                           f"{property_id}: {', '.join(gaps)}")
    return missing


def _member_gaps(member: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(no outcome, nobody home) labels of one dwelling of the set: the dwelling, or
    for shared accommodation (R41) each occupant ``1``..``n`` (at least one when their
    number is not known), from the outcomes in force the document gives it."""
    dwelling = member["dwelling_id"]
    latest = {o.get("occupant"): o for o in member.get("outcomes") or []}
    if not member.get("shared"):
        row = latest.get(None)
        if row is None:
            return [dwelling], []
        return [], [dwelling] if row.get("outcome") == "nobody_home" else []
    seen = {k: r for k, r in latest.items() if k}
    if member.get("occupants"):
        wanted = [str(k) for k in range(1, int(member["occupants"]) + 1)]
        return ([f"{dwelling} occupant {k}" for k in wanted if k not in seen],
                [f"{dwelling} occupant {k}" for k in wanted
                 if k in seen and seen[k].get("outcome") == "nobody_home"])
    if not seen:
        return [f"{dwelling} (each occupant; their number is not known)"], []
    return [], [f"{dwelling} occupant {k}" for k, r in seen.items()
                if r.get("outcome") == "nobody_home"]


def _dwellings_missing(doc: Document, property_id: str) -> list[str]:
    if _snapshot(doc, property_id) is None:
        return []
    found = next((s for s in doc.get("minimum_sets") or []
                  if s.get("property_id") == property_id), None)
    if found is None:
        return []
    members = found.get("members") or []
    gaps = []
    if found.get("error") and not members:
        gaps.append(f"the minimum set of {property_id} could not be worked out "
                    f"({found['error']}); add its dwellings by hand")
    none: list[str] = []
    away: list[str] = []
    for member in members:
        missing, revisit = _member_gaps(member)
        none += missing
        away += revisit
    if none:
        gaps.append(f"dwellings of the minimum set of {property_id} with no outcome: "
                    f"{', '.join(none)}")
    if away:
        gaps.append(f"dwellings of the minimum set of {property_id} where nobody was "
                    f"home: revisit {', '.join(away)}")
    return gaps


def _out_of_area_missing(doc: Document) -> list[str]:
    record = doc.get("out_of_area_record")
    if not record:
        return []
    placing, receiving = record.get("placing_authority"), record.get("receiving_authority")
    missing = []
    if not record.get("consent"):
        missing.append(f"the receiving authority's ({receiving}) consent to placing the "
                       f"subject from {placing}")
    if not record.get("reason"):
        missing.append(f"the reason for placing out of area, recorded by {placing}")
    if not record.get("plan"):
        missing.append(f"a risk management plan for the placement, recorded by {placing}")
    if not record.get("discussions"):
        missing.append(f"a record of the discussion between {placing} and {receiving} "
                       "and what they agreed")
    return missing


def missing(doc: Document, property_id: str,
            checklists: Checklists | None = None) -> list[str]:
    """What still stops Part C approval of ``property_id``, in words (empty when
    nothing does): an agency that disagrees (then Part D, not Part C), what an
    out-of-area placement lacks, the assessment, each missing check, dwelling outcome,
    response and agreement (against the council's ``checklists``)."""
    gaps = [f"{a['agency']} does not agree: hold a case conference and record its "
            "decision as Part D" for a in doc.get("agencies") or [] if a.get("agrees") is False]
    gaps += _out_of_area_missing(doc)
    if _snapshot(doc, property_id) is None:
        gaps.append(f"property {property_id} has not been assessed")
    gaps += _checks_missing(doc, property_id, checklists)
    gaps += _dwellings_missing(doc, property_id)
    answered = responses(doc, property_id)
    concerns, conflicts = answerable(doc, property_id)
    gaps += [f"concern {item} on {property_id} has no response from the lead agency"
             for item in concerns if item not in answered]
    gaps += [f"conflict {key} on {property_id} ({text}) has no response from the lead "
             "agency" for key, text in conflicts.items() if key not in answered]
    silent = [a["agency"] for a in doc.get("agencies") or [] if a.get("agrees") is None]
    if silent:
        gaps.append(f"no agreement recorded from {', '.join(silent)}")
    return gaps
