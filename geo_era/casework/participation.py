"""The partner agencies of a case (NASSO 3.6): who takes part, why, and what each sees.

Three rules live here, applied by :mod:`geo_era.casework.cases` and the services:

* **Who takes part.** The lead agency (3.2), police, the council's SOLO, CJSW for a subject
  on a licence or order, the agencies named on opening and, when the subject's victim
  profile includes children, Children & Families social work and Education (the Dorset
  MAPPA procedures, sections 13 and 17: Children's Services and the nominated Education
  representative take part where there are implications for children). Each agency entry
  says why it was added (``added_because``).
* **Whose cases a partner agency sees** (:func:`takes_part`): the cases its agency takes
  part in and, for a Link Officer taking part, those with a candidate property of their
  own organisation. Any other reads as "not found", as another council's case does.
* **What it sees of them** (:func:`case_view`): the case with the parts its need to know
  leaves out removed, as :data:`geo_era.security.access.CASE_VIEWS` states.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from geo_era.db.store import Case
from geo_era.security.access import CASE_VIEWS, CaseView
from geo_era.security.audit import Actor

#: Why each agency takes part, as the case document says it (``added_because``).
LEAD = "lead agency (NASSO 3.2)"
RESPONSIBLE = "Responsible Authority (NASSO 3.2)"
SOLO = "the council's Sex Offender Liaison Officer (NASSO 3.5, 3.6)"
NAMED = "named when the case was opened (NASSO 3.6)"
CHILDREN = ("the subject's victim profile includes children (Dorset MAPPA procedures "
            "sections 13 and 17)")
#: The agencies a victim profile including children brings into a case.
CHILDREN_AGENCIES = ("childrens_services", "education")
#: What a withheld text reads as in a partner agency's view of a case.
WITHHELD = "withheld: not needed for this agency's part of the ERA (need to know)"
#: Evidence of a subject-check finding that speaks of the neighbouring households.
HOUSEHOLD_EVIDENCE = frozenset({"households_with_children", "households_unknown",
                                "properties", "building_id", "household", "occupants"})


def profile_includes_children(profile: object) -> bool:
    """Whether a ``victim_profile`` (comma-separated words, DATA-CONTRACT) names
    ``children``; an empty or missing profile does not."""
    if not isinstance(profile, str):
        return False
    return "children" in {w.strip().lower() for w in profile.split(",")}


def involved_agencies(lead: str, *, on_licence_or_order: bool, named: Iterable[str],
                      children: bool) -> dict[str, str]:
    """The agencies of a new case, each with why it takes part, in order: the lead,
    the other Responsible Authority's police (never CJSW unless on a licence or order),
    the SOLO, those ``named``, and, with ``children``, Children & Families and
    Education."""
    involved = {lead: LEAD}
    for agency in ("police_scotland", "cjsw", "solo"):
        if agency == "cjsw" and not on_licence_or_order:
            continue
        involved.setdefault(agency, SOLO if agency == "solo" else RESPONSIBLE)
    for agency in named:
        involved.setdefault(agency, NAMED)
    if children:
        for agency in CHILDREN_AGENCIES:
            if involved.get(agency) == NAMED:
                involved[agency] = f"{NAMED}; {CHILDREN}"
            involved.setdefault(agency, CHILDREN)
    return involved


def takes_part(case: Case, actor: Actor) -> bool:
    """Whether ``actor``'s agency takes part in ``case``: always for a role that is not a
    partner agency's; else its agency is among the case's and, for a Link Officer, a
    candidate is among ``actor.properties`` (none while those are unknown)."""
    view = CASE_VIEWS.get(actor.role)
    if view is None:
        return True
    if view.agency not in {a.agency for a in case.agencies}:
        return False
    if view.landlord_only:
        own = actor.properties or frozenset()
        return any(p.property_id in own for p in case.properties)
    return True


def view_of(role: str) -> CaseView | None:
    """The partner agency view of ``role``; ``None`` for a role that sees cases whole."""
    return CASE_VIEWS.get(role)


def _without_households(snapshot: dict[str, Any]) -> None:
    snapshot.pop("minimum_set", None)
    check = snapshot.get("check")
    if isinstance(check, dict):
        for part in ("conflicts", "warnings"):
            findings = check.get(part)
            if isinstance(findings, list):
                check[part] = [f for f in findings if not (
                    isinstance(f, dict) and HOUSEHOLD_EVIDENCE & set(f))]


def _hide_households(doc: dict[str, Any], own: str) -> None:
    for assessment in doc.get("assessments", []):
        if isinstance(assessment.get("snapshot"), dict):
            _without_households(assessment["snapshot"])
    doc["restrictions"] = []
    # each set's members, the visits to them and the changes made to the set by hand
    # are what is known of the neighbours' households (NASSO 3.8, 3.9)
    for part in ("minimum_sets", "dwellings", "set_changes"):
        if part in doc:
            doc[part] = []
    doc["responses"] = [r for r in doc.get("responses", [])
                        if not str(r.get("to", "")).startswith("dwelling:")]
    for check in doc.get("checks", []):
        if check["agency"] != own and check.get("notes"):
            check["notes"] = WITHHELD
    for agency in doc.get("agencies", []):
        if agency["agency"] != own and agency.get("comments"):
            agency["comments"] = WITHHELD


def _hide_subject_record(doc: dict[str, Any]) -> None:
    doc["subject_id"] = WITHHELD
    for assessment in doc.get("assessments", []):
        if isinstance(assessment.get("snapshot"), dict):
            assessment["snapshot"].pop("check", None)
            assessment["snapshot"].pop("subject_record", None)
    doc["responses"] = []
    # the 3.13 record's plan and discussions speak of managing the subject's risk
    if doc.get("out_of_area_record") is not None:
        doc["out_of_area_record"] = None
    if doc.get("moves_in"):
        doc["moves_in"] = []
    for decision in doc.get("decisions", []):
        decision["conclusion"] = decision["reasons"] = WITHHELD
        decision["adjustments"] = None
    doc.pop("missing_for_approval", None)


def _only_candidates(doc: dict[str, Any], own: frozenset[str]) -> None:
    """Keep what concerns the candidates among ``own`` (a Link Officer's homes)."""
    if isinstance(doc.get("properties"), list):
        doc["properties"] = [p for p in doc["properties"] if p in own]
    for part in ("assessments", "checks", "decisions", "minimum_sets", "dwellings",
                 "set_changes", "responses"):
        if isinstance(doc.get(part), list):
            doc[part] = [row for row in doc[part] if row.get("property_id") in own]


def case_view(document: Mapping[str, Any], role: str,
              properties: frozenset[str] | None = None) -> dict[str, Any]:
    """A case document (or a case list entry) as ``role`` may see it: whole for a role
    that is not a partner agency's; otherwise without what :data:`CASE_VIEWS` leaves
    out (the neighbours' households; the subject's record) and, for a Link Officer,
    without the candidates that are not among ``properties`` (their organisation's)."""
    doc = copy.deepcopy(dict(document))
    view = CASE_VIEWS.get(role)
    if view is None:
        return doc
    if not view.households:
        _hide_households(doc, view.agency)
    if not view.subject_record:
        _hide_subject_record(doc)
    if view.landlord_only:
        _only_candidates(doc, properties or frozenset())
    return doc
