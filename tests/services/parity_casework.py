"""Audited operations of the casework services (cases, zones, reviews), for the
audit-parity test.

Each ``prepare`` makes the state the step needs through the core, with the same steps in
each copy of the home, so that both copies hold the same case under the same reference
(kept in ``home.notes["case"]``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shapely

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import (
    PHYSICAL_ITEMS,
    approve,
    conflict_key,
    database_checklist,
    record_agreement,
    record_check,
    record_response,
    show_case,
)
from geo_era.casework.cases import open_case as open_case_core
from tests.conftest import iso_today, officer
from tests.dwelling_visits import visit_every_dwelling
from tests.services.parity import WHY, ApiCall, Home, Parity

#: The Responsible Authorities' reasons for not reviewing (NASSO 3.3), in full.
REASONS = "FICTIONAL: in hospital under a compulsion order all year"
OTHER_COUNCIL = "FICTIONAL Other Council"


def _open(home: Home, *, assess: bool = False, **kw: Any) -> str:
    """Open a case on the home's subject and property through the core; its reference
    is left in ``home.notes["case"]``."""
    engine = home.engine()
    try:
        case = open_assessed_case(
            home.store, engine, subject_id=home.subject_id, property_ids=[home.property_id],
            case_type="initial_new", notified=clock.today() - dt.timedelta(days=1),
            agencies=["cjsw"], assess_now=assess, actor=officer(), **kw)
    finally:
        engine.dispose()
    home.notes["case"] = str(case["case_id"])
    return home.notes["case"]


def open_case(home: Home) -> None:
    _open(home)


def ready_case(home: Home) -> None:
    """An assessed case with every check and agreement in: ready for Part C."""
    case = _open(home, assess=True)
    engine = home.engine()
    try:
        for item in PHYSICAL_ITEMS:
            record_check(engine, case, agency="police_scotland", kind="physical", item=item,
                         outcome="clear", actor=officer())
        for agency in ("police_scotland", "cjsw", "solo"):
            for code in database_checklist(agency, None):
                record_check(engine, case, agency=agency, kind="database", item=code,
                             outcome="clear", actor=officer())
            record_agreement(engine, case, agency=agency, agrees=True, actor=officer())
        snapshot = show_case(engine, case, actor=officer())["assessments"][0]["snapshot"]
        visit_every_dwelling(engine, case, home.property_id)
        for finding in snapshot["check"]["conflicts"]:  # the lead agency answers each
            record_response(engine, case, agency="police_scotland",
                            property_id=home.property_id, to=conflict_key(finding),
                            response="FICTIONAL: answered at MAPPA", actor=officer())
    finally:
        engine.dispose()


def approved_case(home: Home) -> None:
    """A case approved at Part C on the home's property: for the move in."""
    ready_case(home)
    engine = home.engine()
    try:
        approve(engine, home.notes["case"], agency="police_scotland",
                property_id=home.property_id, manageable=True, conclusion="manageable",
                reasons="FICTIONAL: checked", actor=officer())
    finally:
        engine.dispose()
def assessed_case(home: Home) -> None:
    """An assessed case; the first dwelling of its minimum set is left in
    ``home.notes["dwelling"]``."""
    case = _open(home, assess=True)
    engine = home.engine()
    try:
        snapshot = show_case(engine, case, actor=officer())["assessments"][0]["snapshot"]
    finally:
        engine.dispose()
    home.notes["dwelling"] = str(snapshot["minimum_set"]["properties"][0]["property_id"])


def concern_case(home: Home) -> None:
    """A case where the police recorded a concern on ViSOR: for the lead's response."""
    case = _open(home)
    engine = home.engine()
    try:
        record_check(engine, case, agency="police_scotland", kind="database", item="visor",
                     outcome="concern", notes="FICTIONAL: intelligence", actor=officer())
    finally:
        engine.dispose()


def disputed_case(home: Home) -> None:
    """A case where the council disagrees: for Part D."""
    case = _open(home)
    engine = home.engine()
    try:
        record_agreement(engine, case, agency="solo", agrees=False, actor=officer(),
                         comments="FICTIONAL: a nursery opened next door")
    finally:
        engine.dispose()


def visor_case(home: Home) -> None:
    """A case decided at Part D with where the full ERA is held: for the ViSOR extract
    (NASSO 3.3)."""
    from geo_era.casework.cases import decide
    from geo_era.casework.out_of_area import record_era_held

    disputed_case(home)
    engine = home.engine()
    try:
        decide(engine, home.notes["case"], agency="police_scotland",
               property_id=home.property_id, manageable=False,
               conclusion="FICTIONAL: not manageable", reasons="FICTIONAL: the nursery",
               conference_on=clock.today(), actor=officer())
        record_era_held(engine, home.notes["case"], agency="police_scotland",
                        system="FICTIONAL iVPD", reference="ERA/0042", actor=officer())
    finally:
        engine.dispose()


def out_of_area_case(home: Home) -> None:
    """A placement from another council into the home's council (3.13)."""
    _open(home, placing_authority=OTHER_COUNCIL, receiving_authority=home.council)


def placing_case(home: Home) -> None:
    """A placement from the home's council into another (3.13): the placing council's
    staff record the reason and the plan. Opened through the core without the layers'
    check of where the property lies, which would make the home's council the receiving
    one."""
    engine = home.engine()
    try:
        case = open_case_core(engine, subject_id=home.subject_id,
                              property_ids=[home.property_id], case_type="initial_new",
                              notified=clock.today() - dt.timedelta(days=1),
                              on_licence_or_order=False, placing_authority=home.council,
                              receiving_authority=OTHER_COUNCIL, actor=officer())
    finally:
        engine.dispose()
    home.notes["case"] = str(case["case_id"])


def zone_file(home: Home) -> None:
    """A GeoJSON polygon 50 m round the home's property, in EPSG:27700."""
    props = home.store.read("properties")
    point = props.loc[props["property_id"] == home.property_id, "geometry"].iloc[0]
    path = home.path / "zone.geojson"
    path.write_text(json.dumps(shapely.geometry.mapping(point.buffer(50.0, quad_segs=4))),
                    encoding="utf-8")
    home.notes["zone"] = str(path)


def _zone(home: Home) -> dict[str, Any]:
    geometry: dict[str, Any] = json.loads(Path(home.notes["zone"]).read_text(encoding="utf-8"))
    return geometry


def _property(home: Home) -> str:
    return home.property_id


def _today(_: Home) -> str:
    """Today, read when the call is made (a run may pass midnight after import)."""
    return iso_today()


def _case_call(path: str, **body: Any) -> Callable[[Home], ApiCall]:
    """A request on the prepared case (``body`` values that are functions are given the
    home), with the justification."""
    return lambda h: ApiCall(path, {"case_id": h.notes["case"],
                                    **{k: v(h) if callable(v) else v for k, v in body.items()},
                                    "justification": WHY})


ZONE_REASON = "FICTIONAL victim's workplace"
EXTENSION = "FICTIONAL: three closes in the minimum set"
PLAN = "FICTIONAL: weekly OMU visits for three months"
AGREED = "FICTIONAL: the placement is accepted"

PARITY: list[Parity] = [
    Parity("case_open", "omu_analyst",
           cli=lambda h: ["case", "new", h.subject_id, h.property_id, "--notified", iso_today(),
                          "--justification", WHY, "--json"],
           api=lambda h: ApiCall("/cases/open", {"subject_id": h.subject_id,
                                                 "property_ids": [h.property_id],
                                                 "notified": iso_today(), "justification": WHY})),
    Parity("case_list", "mappa_coordinator", prepare=open_case,
           cli=lambda h: ["case", "list", "--justification", WHY, "--json"],
           api=lambda h: ApiCall("/cases/list", {"justification": WHY})),
    Parity("case_show", "solo", prepare=open_case,
           cli=lambda h: ["case", "show", h.notes["case"], "--justification", WHY, "--json"],
           api=_case_call("/cases/show")),
    Parity("case_assess", "omu_analyst", prepare=open_case,
           cli=lambda h: ["case", "assess", h.notes["case"], h.property_id,
                          "--justification", WHY, "--json"],
           api=_case_call("/cases/assess", property_id=_property)),
    Parity("case_check", "solo", prepare=open_case,
           cli=lambda h: ["case", "check", h.notes["case"], "--agency", "solo", "--kind",
                          "database", "--item", "council_tax", "--outcome", "clear",
                          "--justification", WHY, "--json"],
           api=_case_call("/cases/check", kind="database", item="council_tax",
                          outcome="clear")),
    Parity("case_agree", "cjsw", prepare=open_case,
           cli=lambda h: ["case", "agree", h.notes["case"], "--agency", "cjsw",
                          "--justification", WHY, "--json"],
           api=_case_call("/cases/agree", agrees=True)),
    Parity("case_respond", "omu_analyst", prepare=concern_case,
           cli=lambda h: ["case", "respond", h.notes["case"], "--property", h.property_id,
                          "--agency", "police_scotland", "--to", "visor", "--response",
                          "FICTIONAL: the report is historic", "--justification", WHY,
                          "--json"],
           api=_case_call("/cases/respond", property_id=_property, to="visor",
                          response="FICTIONAL: the report is historic")),
    Parity("case_approve", "omu_analyst", prepare=ready_case,
           cli=lambda h: ["case", "approve", h.notes["case"], "--property", h.property_id,
                          "--agency", "police_scotland", "--conclusion", "manageable",
                          "--reasons", "no conflicts found", "--justification", WHY,
                          "--json"],
           api=_case_call("/cases/approve", property_id=_property, manageable=True,
                          conclusion="manageable", reasons="no conflicts found")),
    Parity("case_decide", "omu_analyst", prepare=disputed_case,
           cli=lambda h: ["case", "decide", h.notes["case"], "--property", h.property_id,
                          "--agency", "police_scotland", "--conference", iso_today(),
                          "--conclusion", "not manageable", "--reasons", "the nursery",
                          "--not-manageable", "--justification", WHY, "--json"],
           api=_case_call("/cases/decide", property_id=_property, manageable=False,
                          conclusion="not manageable", reasons="the nursery",
                          conference_on=_today)),
    Parity("case_consent", "solo", prepare=out_of_area_case,
           cli=lambda h: ["case", "consent", h.notes["case"], "--authority", h.council,
                          "--justification", WHY, "--json"],
           api=_case_call("/cases/consent")),
    Parity("case_extend", "omu_analyst", prepare=open_case,
           cli=lambda h: ["case", "extend", h.notes["case"], "--reason", EXTENSION,
                          "--working-days", "2", "--as", "police_scotland",
                          "--justification", WHY, "--json"],
           api=_case_call("/cases/extend", working_days=2, reason=EXTENSION)),
    Parity("case_out_of_area", "solo", prepare=placing_case,
           cli=lambda h: ["case", "out-of-area", h.notes["case"], "--reason",
                          "no_manageable_housing", "--authority", h.council,
                          "--justification", WHY, "--json"],
           api=_case_call("/cases/out-of-area", ground="no_manageable_housing")),
    Parity("case_plan", "solo", prepare=placing_case,
           cli=lambda h: ["case", "plan", h.notes["case"], "--plan", PLAN, "--authority",
                          h.council, "--justification", WHY, "--json"],
           api=_case_call("/cases/plan", plan=PLAN)),
    Parity("case_discussion", "solo", prepare=out_of_area_case,
           cli=lambda h: ["case", "discussion", h.notes["case"], "--held", iso_today(),
                          "--participants", "FICTIONAL: both SOLOs", "--agreed", AGREED,
                          "--authority", h.council, "--justification", WHY, "--json"],
           api=_case_call("/cases/discussion", held_on=_today,
                          participants="FICTIONAL: both SOLOs", agreed=AGREED)),
    Parity("case_held", "omu_analyst", prepare=open_case,
           cli=lambda h: ["case", "held", h.notes["case"], "--system", "FICTIONAL EDRMS",
                          "--reference", "HR/ERA/0042", "--agency", "police_scotland",
                          "--justification", WHY, "--json"],
           api=_case_call("/cases/held", system="FICTIONAL EDRMS", reference="HR/ERA/0042")),
    Parity("case_visor_extract", "omu_analyst", prepare=visor_case,
           cli=lambda h: ["case", "visor-extract", h.notes["case"], "--justification", WHY],
           api=_case_call("/cases/visor-extract")),
    Parity("case_visor_extract", "cjsw", prepare=visor_case, variant="pdf",
           cli=lambda h: ["case", "visor-extract", h.notes["case"], "--out",
                          str(h.path / "visor.pdf"), "--justification", WHY],
           api=_case_call("/cases/visor-extract", format="pdf")),
    Parity("case_restrict", "omu_analyst", prepare=open_case,
           cli=lambda h: ["case", "restrict", h.notes["case"], "DT-0000002", "--restriction",
                          "no children under 16", "--justification", WHY, "--json"],
           api=_case_call("/cases/restrict", property_id="DT-0000002",
                          restriction="no children under 16")),
    Parity("case_dwelling", "solo", prepare=assessed_case,
           cli=lambda h: ["case", "dwelling", h.notes["case"], h.notes["dwelling"],
                          "--agency", "solo", "--outcome", "nobody_home", "--seen", iso_today(),
                          "--justification", WHY, "--json"],
           api=_case_call("/cases/dwelling", dwelling_id=lambda h: h.notes["dwelling"],
                          outcome="nobody_home", seen_on=_today)),
    Parity("case_extend_set", "omu_analyst", prepare=assessed_case,
           cli=lambda h: ["case", "extend-set", h.notes["case"], "--rings", "1", "--reason",
                          "FICTIONAL: high risk", "--agency", "police_scotland",
                          "--justification", WHY, "--json"],
           api=_case_call("/cases/extend-set", rings=1, reason="FICTIONAL: high risk")),
    Parity("case_member", "cjsw", prepare=assessed_case,
           cli=lambda h: ["case", "member", h.notes["case"], h.notes["dwelling"], "--remove",
                          "--agency", "cjsw", "--reason", "FICTIONAL: a shop, not a home",
                          "--justification", WHY, "--json"],
           api=_case_call("/cases/member", dwelling_id=lambda h: h.notes["dwelling"],
                          action="remove", reason="FICTIONAL: a shop, not a home")),
    Parity("zone_add", "mappa_coordinator", prepare=zone_file,
           cli=lambda h: ["zone", "add", h.subject_id, "--geojson", h.notes["zone"], "--crs",
                          "EPSG:27700", "--reason", ZONE_REASON, "--justification", WHY,
                          "--json"],
           api=lambda h: ApiCall("/zones/add", {"subject_id": h.subject_id,
                                                "geometry": _zone(h), "crs": "EPSG:27700",
                                                "reason": ZONE_REASON,
                                                "justification": WHY})),
    Parity("zone_show", "solo",
           cli=lambda h: ["zone", "show", h.subject_id, "--justification", WHY, "--json"],
           api=lambda h: ApiCall("/zones/show", {"subject_id": h.subject_id,
                                                 "justification": WHY})),
    Parity("reviews_due", "omu_analyst",
           cli=lambda h: ["reviews", "due", "--within", "30", "--justification", WHY,
                          "--json"],
           api=lambda h: ApiCall("/reviews/due", {"justification": WHY, "within_days": 30})),
    Parity("review_triggers", "omu_analyst",
           cli=lambda h: ["reviews", "triggers", "--justification", WHY, "--json"],
           api=lambda h: ApiCall("/reviews/triggers", {"justification": WHY})),
    Parity("case_move_in", "solo", prepare=approved_case,
           cli=lambda h: ["case", "move-in", h.notes["case"], "--property", h.property_id,
                          "--date", iso_today(), "--justification", WHY, "--json"],
           api=_case_call("/cases/move-in", property_id=_property, moved_in_on=_today)),
    Parity("reviews_waive", "mappa_coordinator",
           cli=lambda h: ["reviews", "waive", h.subject_id, "--justification", REASONS],
           api=lambda h: ApiCall("/reviews/waive", {"subject_id": h.subject_id,
                                                    "reasons": REASONS})),
]
