"""The words and figures of an ERA document and a field sheet, from a case document
and the reference layers (private to :mod:`geo_era.documents.era_document`).

Everything here turns the JSON-ready case (:func:`geo_era.casework.cases.case_for_document`)
and the current reference layers into the plain dicts the Jinja2 templates under
``templates/era/`` render: NASSO vocabulary in words, distances in metres (EPSG:27700),
Part A facts only when asked for, and the subject check reduced to counts and a flag
without Part A.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geo_era.analysis.subject_check import FLAG_ONLY
from geo_era.casework.cases import LEGACY_PHYSICAL, PHYSICAL_ITEMS, check_label
from geo_era.casework.workdays import TIMESCALES
from geo_era.contract.conditions import (
    NoResidenceInArea,
    NoResidenceSameBuildingAsChildren,
    NoResidenceWithin,
    parse_conditions,
)
from geo_era.contract.schema import BNG, SITE_CATEGORIES
from geo_era.data.layer_store import LayerStore
from geo_era.errors import DataError, GeoEraError
from geo_era.maps.static_map import SITE_STYLE, MapLayers, MapRequest, property_map_png
from geo_era.security.audit import Actor

PART_A = "Part A — Subject and risk summary"
PART_B = "Part B — Property and environment"
PART_C = "Part C — Approval"
PART_D = "Part D — Decision where agencies disagree"
#: The protective marking on every page.
MARKING = "OFFICIAL-SENSITIVE"
#: Subject ids of demo data start with this; such documents are marked FICTIONAL.
FICTIONAL = "FICTIONAL"
PART_A_WITHHELD = ("Part A is withheld on a need-to-know basis (NASSO 77): this copy does "
                   "not show the subject's risk summary, victim profile or conditions.")

CASE_TYPES = {
    "initial_new": "Initial: new accommodation sought or change of address",
    "initial_resident": "Initial: already resident, new accommodation not sought",
    "annual_review": "Annual review",
}
AGENCIES = {
    "police_scotland": "Police Scotland", "cjsw": "Criminal Justice Social Work",
    "solo": "Council housing (SOLO)", "rsl": "Registered social landlord (Link Officer)",
    "nhs": "NHS", "sps": "Scottish Prison Service", "education": "Council education",
    "childrens_services": "Children and Families Social Work",
    "adult_protection": "Adult Protection",
}
PROPERTY_TYPES = {
    "multi_storey_flat": "multi-storey flat", "tenement_flat": "tenement flat",
    "cottage_flat": "cottage flat", "terraced": "terraced house",
    "semi_detached": "semi-detached house", "detached": "detached house",
    "shared": "shared accommodation",
}
#: The nine physical check items of NASSO 3.8 in words, and the codes recorded before
#: "Schools/Nurseries" was one item.
PHYSICAL_WORDS = {
    "victim_profile": "Signs of the victim profile", "play_park": "Play parks",
    "community_centre": "Community centres", "place_of_worship": "Churches",
    "shop": "Shops", "school_nursery": "Schools/Nurseries",
    "sheltered_housing": "Sheltered housing developments", "cctv": "CCTV locations",
    "licensed_premises": "Licensed premises",
    "school": "Schools (recorded before Schools/Nurseries was one item)",
    "nursery": "Nurseries (recorded before Schools/Nurseries was one item)",
}
assert set(PHYSICAL_WORDS) == {*PHYSICAL_ITEMS, *LEGACY_PHYSICAL}
#: The field sheet's rows for the eight kinds of place NASSO 3.8 lists, in its order, and
#: registered care homes after sheltered housing: each row's label and the site
#: categories it covers.
FIELD_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Play parks", ("play_park",)), ("Community centres", ("community_centre",)),
    ("Places of worship (churches)", ("place_of_worship",)), ("Shops", ("shop",)),
    ("Schools/Nurseries", ("school", "nursery")),
    ("Sheltered housing developments", ("sheltered_housing",)),
    ("Care homes (not in NASSO 3.8's list)", ("care_home",)),
    ("CCTV locations", ("cctv",)), ("Licensed premises", ("licensed_premises",)))
assert {c for _, cs in FIELD_ROWS for c in cs} == set(SITE_CATEGORIES)
#: A visit's outcome at a dwelling of the minimum set, in words.
DWELLING_WORDS = {"fits_profile": "FITS THE VICTIM PROFILE",
                  "does_not_fit": "does not fit the victim profile",
                  "nobody_home": "nobody home: revisit"}
#: Signs of the victim profile an officer looks for at and round the address (NASSO 3.8);
#: the first list always, the others when the subject's victim profile names them.
VICTIM_SIGNS: dict[str, tuple[str, ...]] = {
    "always": ("Children's toys or play equipment in gardens",
               "Children's curtains or accessories at windows",
               "Any other significant evidence of a person fitting the victim profile"),
    "children": ("Prams, buggies, bikes, scooters or school bags at doors and in closes",),
    "adults_at_risk": ("Signs of care or support: key safes, carers' visits, mobility aids, "
                       "ramps",),
    "elderly": ("Signs of older residents: grab rails, community alarms, mobility aids",),
}
OUTCOMES = {"clear": "clear", "concern": "CONCERN", "not_applicable": "not applicable"}
#: The map's size in the document and on the field sheet (width, height in millimetres).
DOCUMENT_MAP_MM = (180.0, 112.0)
FIELD_MAP_MM = (190.0, 84.0)


def metres(value: float | None) -> str:
    """``373.15`` -> ``373 m``; None -> a dash."""
    return "—" if value is None else f"{float(value):,.0f} m"


def when(value: str | None) -> str:
    """An ISO date or UTC timestamp for people: ``2026-12-03 14:05 UTC``."""
    if not value:
        return "—"
    if len(value) == 10:
        return dt.date.fromisoformat(value).strftime("%a %d %b %Y")
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def words(value: object) -> str:
    """``adults_at_risk`` -> ``adults at risk``; ``None`` -> a dash."""
    return "—" if value is None else str(value).replace("_", " ")


def _agency(code: str) -> str:
    return AGENCIES.get(code, words(code))


def _fictional(subject_id: str) -> bool:
    return subject_id.upper().startswith(FICTIONAL)


def _data_uri_png(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# --- reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reference:
    """What the document reads from the reference layers (current versions)."""

    layers: MapLayers | None
    facts: dict[str, dict[str, Any]]
    data_version: int
    note: str | None


_FACT_COLUMNS = ["property_id", "address", "property_type", "property_type_derived",
                 "landlord", "is_void", "floor"]


def _reference(store: LayerStore, property_ids: Sequence[str]) -> _Reference:
    """The map layers and the candidates' facts; a note instead when a layer is missing."""
    if not store.has("properties"):
        return _Reference(None, {}, store.data_version,
                          store.missing_message("properties") + "; no map is drawn")
    facts_frame = store.read_attributes("properties", _FACT_COLUMNS)
    ids = facts_frame["property_id"].astype("string")
    chosen = facts_frame[ids.isin(list(property_ids)).fillna(False).to_numpy(dtype=bool)]
    facts = {str(row["property_id"]): {str(k): (None if pd.isna(v) else v)
                                       for k, v in row.items()}
             for row in chosen.to_dict(orient="records")}
    return _Reference(MapLayers.from_store(store), facts, store.data_version, None)


def _subject_facts(store: LayerStore, subject_id: str) -> dict[str, Any]:
    """Part A: the subject's record from the ``subjects`` layer, in words."""
    if not store.has("subjects"):
        return {"missing": store.missing_message("subjects")}
    subjects = store.read_attributes("subjects", [
        "subject_id", "mappa_category", "mappa_level", "risk_level", "victim_profile",
        "conditions", "on_licence_or_order"])
    match = subjects[subjects["subject_id"].astype(str) == subject_id]
    if match.empty:
        return {"missing": f"subject {subject_id!r} is not in layer 'subjects' "
                           f"({len(subjects):,} rows, data version {store.data_version}); "
                           "check the import"}
    row = {k: (None if pd.isna(v) else v) for k, v in match.iloc[0].to_dict().items()}
    profile = [p.strip() for p in str(row.get("victim_profile") or "").split(",") if p.strip()]
    try:
        conditions = _conditions_in_words(row.get("conditions"), store)
    except DataError as exc:
        conditions = [f"the recorded conditions cannot be read ({exc}); check them by hand"]
    licence = row.get("on_licence_or_order")
    return {"missing": None, "mappa_category": row.get("mappa_category"),
            "mappa_level": row.get("mappa_level"), "risk_level": row.get("risk_level"),
            "victim_profile": [words(p) for p in profile],
            "on_licence_or_order": None if licence is None else bool(licence),
            "conditions": conditions}


def _conditions_in_words(text: object, store: LayerStore) -> list[str]:
    conditions = parse_conditions(None if text is None else str(text))
    names: dict[str, str] = {}
    if any(isinstance(c, NoResidenceInArea) for c in conditions) and store.has("areas"):
        areas = store.read_attributes("areas", ["area_id", "name"]).dropna()
        names = dict(zip(areas["area_id"].astype(str), areas["name"].astype(str), strict=True))
    out: list[str] = []
    for condition in conditions:
        if isinstance(condition, NoResidenceWithin):
            out.append(f"No residence within {condition.metres:,.0f} m of a "
                       f"{SITE_STYLE[condition.category][0].lower()}")
        elif isinstance(condition, NoResidenceInArea):
            name = names.get(condition.area_id)
            out.append(f"No residence in area {condition.area_id}"
                       + (f" ({name})" if name else ""))
        elif isinstance(condition, NoResidenceSameBuildingAsChildren):
            out.append("No residence in the same building as a household with children")
        else:
            extra = {k: v for k, v in condition.model_dump().items() if k != "type"}
            out.append(f"{words(condition.type)}"
                       + (f" {json.dumps(extra, ensure_ascii=False)}" if extra else "")
                       + " (not evaluated by geo_era: check it by hand)")
    return out


# --- building the context ----------------------------------------------------------


def _map(reference: _Reference, property_id: str, snapshot: Mapping[str, Any] | None, *,
         size_mm: tuple[float, float], font_pt: float,
         current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The map of one candidate as a data URI, or the reason there is none; the set
    drawn is the set as it stands (``current``: extended, changed by hand) when given."""
    if reference.layers is None:
        return {"uri": None, "note": reference.note}
    members: list[str] = []
    site_ids: list[str] | None = None
    radius = 400.0
    if snapshot is not None:
        radius = float(snapshot.get("radius_m", radius))
        members = [m["property_id"] for m in snapshot.get("minimum_set", {}).get(
            "properties", [])]
        site_ids = [s["site_id"] for s in snapshot.get("proximity", {}).get("sites", [])]
    if current is not None:
        members = [str(m["dwelling_id"]) for m in current.get("members", [])]
    request = MapRequest(property_id, minimum_set_ids=members, site_ids=site_ids,
                         radius_m=radius, size_mm=size_mm, font_pt=font_pt)
    try:
        png = property_map_png(reference.layers, request)
    except GeoEraError as exc:
        return {"uri": None, "note": f"no map: {exc}"}
    return {"uri": _data_uri_png(png), "note": None, "radius_m": radius}


def _nearest(proximity: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The nearest site of each category by straight line and on foot."""
    rows = []
    straight = proximity.get("nearest", {})
    walking = proximity.get("nearest_walk", {})
    for category in SITE_CATEGORIES:
        line, walk = straight.get(category), walking.get(category, {})
        if line is None and not walk:
            continue
        rows.append({
            "category": category, "label": SITE_STYLE[category][0],
            "name": (line or {}).get("name") or (line or {}).get("site_id"),
            "distance_m": (line or {}).get("distance_m"),
            "walk_name": walk.get("name") or walk.get("site_id"),
            "walk_m": walk.get("walk_m"),
            "walk_note": None if walk.get("walk_m") is not None else words(
                walk.get("walk_status") or "no walking network"),
        })
    return rows


def _site_rows(proximity: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for site in proximity.get("sites", []):
        note = ""
        if site.get("walk_flag") == "barrier":
            note = "walk much longer than the straight line (a barrier between)"
        elif site.get("walk_m") is None:
            note = site.get("walk_note") or words(site.get("walk_status"))
        rows.append({"label": SITE_STYLE.get(site["category"], (site["category"],))[0],
                     "name": site.get("name") or site["site_id"],
                     "distance_m": site.get("distance_m"), "walk_m": site.get("walk_m"),
                     "note": note})
    return rows


def _walking_words(network: object) -> str:
    """The walking network an assessment used, in words."""
    if isinstance(network, Mapping):
        text = words(network.get("status"))
        if network.get("length_km") is not None:
            text += f", {network['length_km']:,} km of streets"
        return text
    return str(network or "not recorded")


def _check_view(check: Mapping[str, Any] | None, *, part_a: bool) -> dict[str, Any]:
    """The subject check: every finding with Part A, counts and the flag without it."""
    if check is None:
        return {"error": "not checked", "conflicts": [], "warnings": [], "withheld": False}
    if "error" in check:
        return {"error": check["error"], "conflicts": [], "warnings": [], "withheld": False}
    conflicts = [str(f["message"]) for f in check.get("conflicts", [])]
    warnings = [str(f["message"]) for f in check.get("warnings", [])]
    if part_a:
        return {"error": None, "conflicts": conflicts, "warnings": warnings,
                "withheld": False}
    return {"error": None, "conflicts": [], "warnings": [], "withheld": True,
            "counts": (len(conflicts), len(warnings)),
            "flag": FLAG_ONLY if conflicts or warnings else None}


def _floor(value: object) -> str | None:
    """0 -> ``ground``, -1 -> ``basement``, 2 -> ``2``; None when not known."""
    if value is None:
        return None
    number = int(str(value))
    return {0: "ground", -1: "basement"}.get(number, str(number))


def _household(member: Mapping[str, Any]) -> dict[str, str]:
    household = member.get("household") or {}

    def yes_no(key: str) -> str:
        value = household.get(key)
        return "unknown" if value is None else ("YES" if value else "no")

    occupants = household.get("occupants")
    return {"children": yes_no("children_in_household"),
            "adult_at_risk": yes_no("adult_at_risk_in_household"),
            "occupants": "—" if occupants is None else str(occupants),
            "void": yes_no("is_void")}


def _outcome_words(outcome: Mapping[str, Any], *, part_a: bool) -> str:
    """One visit's outcome: ``occupant 2: does not fit ... (seen Tue 01 Dec 2026 by x,
    police): notes``. Without Part A whether the household fits the victim profile, and
    the notes, are withheld: they tell the profile."""
    text = DWELLING_WORDS.get(outcome["outcome"], words(outcome["outcome"]))
    if not part_a and outcome["outcome"] != "nobody_home":
        text = "visited (the outcome is withheld with Part A)"
    if outcome.get("occupant"):
        text = f"occupant {outcome['occupant']}: {text}"
    text += (f" (seen {when(outcome['seen_on'])} by {outcome['recorded_by']}, "
             f"{_agency(outcome['agency'])})")
    return text + (f": {outcome['notes']}" if outcome.get("notes") and part_a else "")


def _member_row(member: Mapping[str, Any], recorded: Mapping[str, Any],
                facts: Mapping[str, Mapping[str, Any]], *, part_a: bool) -> dict[str, Any]:
    """A dwelling of the set as it stands: its household as known now (``seen`` when a
    visit established it) and each visit's outcome."""
    pid = str(member["dwelling_id"])
    row = {**_household(recorded), "property_id": pid,
           "address": member.get("address") or recorded.get("address")
           or (facts.get(pid) or {}).get("address") or pid,
           "reason": member.get("reason") or "", "source": member.get("source", "minimum"),
           "state": (member.get("state") if part_a or member.get("state") in (
               None, "no outcome", "revisit") else "visited"),
           "outcomes": [_outcome_words(o, part_a=part_a) for o in member.get("outcomes", [])]}
    known = member.get("household") or {}
    if known.get("known_from") == "visit":
        for key in ("children", "adult_at_risk"):
            if known.get(key) is not None:
                row[key] = ("YES" if known[key] else "no") + " (seen)"
    return row


def _extension_view(extension: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The extension in force in words: by how much, why, who and when."""
    if not extension:
        return None
    rings = extension.get("rings")
    how = (f"{rings} ring{'s' if rings != 1 else ''} of neighbours beyond the minimum set"
           if rings else f"{metres(extension.get('metres'))} around the property")
    return {"how": how, "reason": extension["reason"],
            "who": f"{extension['recorded_by']} ({_agency(extension['agency'])})",
            "recorded_at": extension["recorded_at"], "assessed": extension.get("assessed")}


def _minimum_set(snapshot: Mapping[str, Any], current: Mapping[str, Any] | None = None,
                 facts: Mapping[str, Mapping[str, Any]] | None = None, *,
                 part_a: bool = False) -> dict[str, Any]:
    """The set of the assessment, or (with ``current``, the case's ``minimum_sets``
    entry) the set as it stands: the extension and the dwellings added by hand, each
    dwelling's visits, the dwellings removed and the extension's reason."""
    doc = snapshot.get("minimum_set") or {}
    extension = doc.get("extension")
    removed = [{"property_id": r["dwelling_id"], "reason": r["reason"],
                "address": ((facts or {}).get(str(r["dwelling_id"])) or {}).get("address"),
                "who": r["recorded_by"], "recorded_at": r["recorded_at"]}
               for r in (current or {}).get("removed", [])]
    view: dict[str, Any] = {
        "error": doc.get("error"), "rule": doc.get("rule", {}),
        "plots_estimated": bool(doc.get("plots_estimated")),
        "occupants_note": doc.get("occupants_note"),
        "extension": [{"property_id": m["property_id"], "address": m["address"]}
                      for m in (extension or {}).get("properties", [])],
        "extension_by": (extension or {}).get("by"),
        "extension_record": _extension_view((current or {}).get("extension")),
        "removed": removed}
    recorded = {str(m["property_id"]): m for m in [
        *doc.get("properties", []), *(extension or {}).get("properties", [])]}
    if current is not None:
        view["members"] = [_member_row(m, recorded.get(str(m["dwelling_id"]), {}), facts or {},
                                       part_a=part_a) for m in current.get("members", [])]
    else:
        view["members"] = [{"property_id": m["property_id"], "address": m["address"],
                            "reason": m.get("reason") or "", "source": "minimum",
                            "state": None, "outcomes": [], **_household(m)}
                           for m in doc.get("properties", [])]
    if view["error"] and view["members"]:  # the set could not be worked out: by hand
        view["rule"] = {"applies_to": "Set by hand",
                        "text": f"the minimum set could not be worked out ({view['error']}); "
                                "its dwellings were added by hand"}
        view["error"] = None
    return view


def _property_view(reference: _Reference, assessment: Mapping[str, Any], *,
                   part_a: bool, map_mm: tuple[float, float], font_pt: float,
                   current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    pid = str(assessment["property_id"])
    snapshot = assessment.get("snapshot")
    fact = reference.facts.get(pid, {})
    address = fact.get("address")
    ptype = fact.get("property_type")
    derived = fact.get("property_type_derived")
    if snapshot:
        ms = snapshot.get("minimum_set") or {}
        address = ms.get("address") or snapshot.get("proximity", {}).get("address") or address
        ptype = ms.get("property_type") or ptype
        derived = ms.get("property_type_derived", derived)
    view: dict[str, Any] = {
        "property_id": pid, "address": address or f"(address unknown: {pid})",
        "type": PROPERTY_TYPES.get(str(ptype), words(ptype)) if ptype else "unknown",
        "type_derived": bool(derived), "landlord": fact.get("landlord"),
        "floor": _floor(fact.get("floor")),
        "void": fact.get("is_void"), "assessed_at": assessment.get("assessed_at"),
        "assessed": bool(snapshot),
        "map": _map(reference, pid, snapshot, size_mm=map_mm, font_pt=font_pt,
                    current=current),
    }
    if snapshot:
        proximity = snapshot.get("proximity", {})
        view.update(
            radius_m=snapshot.get("radius_m"), data_version=snapshot.get("data_version"),
            layers=snapshot.get("layers", {}), measured=proximity.get("measured"),
            walking=_walking_words(proximity.get("walking_network")),
            sites=_site_rows(proximity), nearest=_nearest(proximity),
            minimum_set=_minimum_set(snapshot, current, reference.facts, part_a=part_a),
            check=_check_view(snapshot.get("check"), part_a=part_a))
    return view


def _versions(case: Mapping[str, Any], reference: _Reference) -> dict[str, Any]:
    used: dict[int, dict[str, int]] = {}
    for assessment in case["assessments"]:
        snapshot = assessment.get("snapshot") or {}
        if "data_version" in snapshot:
            used[int(snapshot["data_version"])] = dict(snapshot.get("layers", {}))
    return {"assessed": [{"version": v, "layers": layers}
                         for v, layers in sorted(used.items())],
            "current": reference.data_version,
            "differs": any(v != reference.data_version for v in used)}


def _decision_view(decision: Mapping[str, Any], addresses: Mapping[str, str]
                   ) -> dict[str, Any]:
    return {**decision, "address": addresses.get(decision["property_id"],
                                                 decision["property_id"]),
            "agency_name": _agency(decision["agency"])}


def _placement_gaps(record: Mapping[str, Any] | None) -> list[str]:
    """What an out-of-area placement still lacks before Part C (NASSO 3.13)."""
    if not record:
        return []
    placing, receiving = record["placing_authority"], record["receiving_authority"]
    gaps = [text for present, text in (
        (record.get("consent"), f"the receiving authority ({receiving}) has not recorded its "
                                "consent to this out-of-area placement (NASSO 3.13)"),
        (record.get("reason"), f"{placing} has not recorded why the subject is placed out "
                               "of area (NASSO 3.13)"),
        (record.get("plan"), f"{placing} has not recorded a plan to manage the risk of the "
                             "placement (NASSO 3.13)"),
        (record.get("discussions"), f"no discussion between {placing} and {receiving} is "
                                    "recorded (NASSO 3.13)")) if not present]
    return gaps


def _approval(case: Mapping[str, Any], addresses: Mapping[str, str]) -> dict[str, Any]:
    """Parts C and D: the decisions, or what is missing and who must act."""
    part_c = [_decision_view(d, addresses) for d in case["decisions"] if d["part"] == "C"]
    part_d = [_decision_view(d, addresses) for d in case["decisions"] if d["part"] == "D"]
    against = [{"agency": _agency(a["agency"]), "comments": a["comments"]}
               for a in case["agencies"] if a["agrees"] is False]
    blockers: list[str] = []
    if not part_c and not part_d:
        if against:
            blockers.append(f"{', '.join(a['agency'] for a in against)} "
                            f"{'does' if len(against) == 1 else 'do'} not agree: a case "
                            "conference must decide, recorded as Part D (NASSO 3.11)")
        blockers += _placement_gaps(case.get("out_of_area_record"))
    missing = [{"address": addresses.get(pid, pid), "property_id": pid, "gaps": items}
               for pid, items in case.get("missing_for_approval", {}).items()]
    return {"part_c": part_c, "part_d": part_d, "against": against, "blockers": blockers,
            "missing": missing}


def _check_group(rows: list[dict[str, Any]]) -> dict[str, Any]:
    done = {c["item"] for c in rows if c["kind"] == "physical"}
    if set(LEGACY_PHYSICAL) <= done:
        done.add("school_nursery")
    return {"database": [r for r in rows if r["kind"] == "database"],
            "physical": [r for r in rows if r["kind"] == "physical"],
            "physical_missing": [PHYSICAL_WORDS[i] for i in PHYSICAL_ITEMS if i not in done]}


def _target_words(target: str, addresses: Mapping[str, str | None]) -> str:
    """What a response answers, in words: ``dwelling:<id>[/<occupant>]`` names the
    household of the minimum set found to fit the victim profile; other targets (a check
    item, ``zone:<id>``, ``condition:<n>``) as they are."""
    if not target.startswith("dwelling:"):
        return target
    dwelling, _, occupant = target.removeprefix("dwelling:").partition("/")
    where = addresses.get(dwelling)
    text = f"household at {where} ({dwelling})" if where else f"household at {dwelling}"
    return (f"{text}{f', occupant {occupant}' if occupant else ''} fits the victim profile"
            f" ({target})")


def _checks(case: Mapping[str, Any], addresses: Mapping[str, str], *, part_a: bool
            ) -> dict[str, Any]:
    """The checks (3.7, 3.8) and the lead agency's responses, per candidate property;
    checks recorded before checks were per property are listed apart as case-wide.
    Without ``part_a`` the responses are counted, not shown: they answer the subject's
    conditions and zones."""
    rows = [{**c, "agency_name": _agency(c["agency"]),
             "item_words": PHYSICAL_WORDS.get(c["item"], c["item"]) if c["kind"] == "physical"
             else check_label(c["agency"], c["item"]),
             "outcome_words": OUTCOMES.get(c["outcome"], c["outcome"])}
            for c in case["checks"]]
    dwellings = {str(m["dwelling_id"]): m.get("address") for current in
                 case.get("minimum_sets", []) for m in current.get("members", [])}
    groups = []
    for pid in case["properties"]:
        group = _check_group([r for r in rows if r.get("property_id") == pid])
        answered = [{**r, "to_words": _target_words(r["to"], dwellings)}
                    for r in case.get("responses", []) if r["property_id"] == pid]
        group.update(property_id=pid, address=addresses.get(pid, pid),
                     responses=answered if part_a else [], responses_withheld=(
                         0 if part_a else len(answered)))
        groups.append(group)
    case_wide = [r for r in rows if r.get("property_id") is None]
    return {"properties": groups, "case_wide": case_wide}


def _header(case: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    timescale = TIMESCALES.get(case["case_type"])
    moved = case.get("agency_deadlines") or {}
    agencies = [{**a, "name": _agency(a["agency"]), "lead": a["agency"] == case["lead_agency"],
                 "original_due": (moved.get(a["agency"]) or {}).get("original_due")}
                for a in case["agencies"]]
    extensions = [{**e, "who": words(e["granted_as"]) if e["granted_as"] ==
                   "mappa_coordinator" else _agency(e["granted_as"]),
                   "agency_name": _agency(e["agency"]) if e["agency"] else "the case"}
                  for e in [*case.get("extensions", []),
                            *(x for d in moved.values() for x in d["extensions"])]]
    return {
        "reference": case["case_id"], "status": words(case["status"]),
        "case_type": CASE_TYPES.get(case["case_type"], words(case["case_type"])),
        "timescale": (f"{timescale[2]} clear working days after notification (SOLO "
                      f"{timescale[0]}, other agencies {timescale[1]}; NASSO 3.5)"
                      if timescale else None),
        "lead": _agency(case["lead_agency"]), "authority": case.get("authority"),
        "out_of_area": case.get("out_of_area"), "notified": case["notified"],
        "due": case["due"], "overdue": case["overdue"], "agencies": agencies,
        "original_due": case.get("original_due", case["due"]), "extensions": extensions,
        "placement": case.get("out_of_area_record"), "era_held": case.get("era_held"),
        "fictional": _fictional(case["subject_id"]), "marking": MARKING,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "generated_by": f"{actor.username} ({actor.role}, {actor.organisation})",
        "crs": BNG,
    }


def _sets(case: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each candidate's set as it stands (the case's ``minimum_sets``), by property."""
    return {str(m["property_id"]): m for m in case.get("minimum_sets", [])}


def _added(sets: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The dwellings added to or removed from the sets by hand: their addresses come
    from the layers."""
    return [*(str(m["dwelling_id"]) for current in sets.values()
              for m in current.get("members", []) if m.get("source") == "added"),
            *(str(r["dwelling_id"]) for current in sets.values()
              for r in current.get("removed", []))]


def document_context(store: LayerStore, case: dict[str, Any], *, actor: Actor,
                      part_a: bool) -> dict[str, Any]:
    sets = _sets(case)
    reference = _reference(store, [*case["properties"], *_added(sets)])
    properties = [_property_view(reference, a, part_a=part_a, map_mm=DOCUMENT_MAP_MM,
                                 font_pt=7.0, current=sets.get(a["property_id"]))
                  for a in case["assessments"]]
    addresses = {p["property_id"]: p["address"] for p in properties}
    restrictions = [{**r, "address": addresses.get(r["property_id"], r["property_id"])}
                    for r in case["restrictions"]]
    moves_in = [{**m, "address": addresses.get(m["property_id"], m["property_id"])}
                for m in case.get("moves_in") or []]
    return {
        "h": _header(case, actor), "titles": {"a": PART_A, "b": PART_B, "c": PART_C,
                                              "d": PART_D},
        "part_a": ({"subject_id": case["subject_id"], **_subject_facts(store,
                                                                        case["subject_id"])}
                   if part_a else None),
        "withheld": PART_A_WITHHELD, "properties": properties,
        "checks": _checks(case, addresses, part_a=part_a), "restrictions": restrictions,
        "moves_in": moves_in,
        "approval": _approval(case, addresses), "versions": _versions(case, reference),
        "reference_note": reference.note,
    }


def field_sheet_context(store: LayerStore, case: dict[str, Any], property_id: str, *,
                         actor: Actor) -> dict[str, Any]:
    current = _sets(case).get(property_id)
    reference = _reference(store, [property_id, *_added({property_id: current or {}})])
    assessment = next(a for a in case["assessments"] if a["property_id"] == property_id)
    view = _property_view(reference, assessment, part_a=False, map_mm=FIELD_MAP_MM,
                          font_pt=7.5, current=current)
    nearest = {row["category"]: row for row in view.get("nearest", [])}
    within: dict[str, int] = {}
    for site in (assessment.get("snapshot") or {}).get("proximity", {}).get("sites", []):
        within[site["category"]] = within.get(site["category"], 0) + 1
    items = []
    for label, categories in FIELD_ROWS:
        found = [nearest[c] for c in categories if c in nearest]
        closest = min(found, key=lambda n: float("inf") if n.get("distance_m") is None
                      else float(n["distance_m"]), default=None)
        items.append({"label": label, "nearest": closest,
                      "within": sum(within.get(c, 0) for c in categories)})
    profile: list[str] = []
    if store.has("subjects"):
        subjects = store.read_attributes("subjects", ["subject_id", "victim_profile"])
        match = subjects[subjects["subject_id"].astype(str) == case["subject_id"]]
        if len(match) and not pd.isna(match["victim_profile"].iloc[0]):
            profile = [p.strip() for p in str(match["victim_profile"].iloc[0]).split(",")]
    signs = list(VICTIM_SIGNS["always"])
    for word in profile:
        signs += [s for s in VICTIM_SIGNS.get(word, ()) if s not in signs]
    return {"h": _header(case, actor), "p": view, "items": items, "signs": signs,
            "radius_m": view.get("radius_m")}
