"""Need-to-know over the HTTP API: every endpoint x role as the matrix says, nothing a
Link Officer may not see, council staff confined to their council's cases, exactly one
audit entry for each sensitive request, and nothing written by a failed one."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from geo_era_api.app import PREFIX, create_app
from sqlalchemy import Engine, func, select

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import parse_case_id
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import CaseProperty, VoidEvent, open_store, session_scope
from geo_era.safeguarding.enquiries import Raised, record_enquiry
from geo_era.security.access import MATRIX, SECOND_FACTOR_ROLES, matrix_markdown
from geo_era.security.audit import Actor, AuditEntry, verify
from geo_era.security.users import ROLES, add_user
from geo_era.settings import Settings
from tests.conftest import (
    LINK_OFFICER_NEVER_SEES,
    REPO,
    enrol_totp,
    import_demo,
    iso_today,
    officer,
    sign_in_form,
)
from tests.security.reference import PARTNERS, REFERENCE

PASSWORD = "a long fictional passphrase"
WHY = "ERA for a candidate property, MAPPA meeting"
#: The Link Officer's housing association: a landlord with voids in the demo town.
LANDLORD = "Rowanlea Housing Association"
#: The partner agencies of NASSO 3.6 (tests/security/reference.py), which see only the
#: cases their agency takes part in: every test case names them all.
PARTNER_AGENCIES = [p.agency for p in PARTNERS.values()]


@dataclass
class World:
    client: TestClient
    engine: Engine
    store: LayerStore
    tokens: dict[str, str]
    council: str
    subject_id: str
    property_id: str
    tmp: Path
    #: the home of a housed subject, a property that needs a sensitive allocation
    home: str = ""

    def landlord_of(self, property_id: str) -> str:
        props = self.store.read_attributes("properties", ["property_id", "landlord"])
        return str(props.loc[props["property_id"] == property_id, "landlord"].iloc[0])

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def new_case(self, **kw: Any) -> str:
        """A fresh open case in the council (made through the core, unassessed)."""
        args: dict[str, Any] = {"subject_id": self.subject_id,
                                "property_ids": [self.property_id],
                                "case_type": "initial_new",
                                "notified": clock.today() - dt.timedelta(days=1),
                                "assess_now": False, "actor": officer(),
                                "agencies": ["cjsw", *PARTNER_AGENCIES]}
        args.update(kw)
        return str(open_assessed_case(self.store, self.engine, **args)["case_id"])

    def audit_count(self) -> int:
        with session_scope(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    def last_entry(self) -> AuditEntry:
        with session_scope(self.engine) as session:
            entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())
                                    ).first()
            assert entry is not None
            return entry


@pytest.fixture(scope="module")
def world(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("api")
    home = tmp / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    subjects = store.read("subjects")
    props = store.read("properties")
    property_id = str(props.loc[props["property_type"] == "tenement_flat",
                                "property_id"].iloc[0])
    # the Link Officer taking part acts for the landlord of the test cases' candidate
    landlord = props.loc[props["property_id"] == property_id, "landlord"].iloc[0]
    assert isinstance(landlord, str) and landlord
    organisations = {"solo": council, "cjsw": council, "admin": council,
                     "rsl_link_officer": LANDLORD, "education_officer": council,
                     "childrens_social_work": council, "adult_protection_officer": council,
                     "rsl_case_officer": landlord}
    for role in ROLES:
        add_user(engine, f"user.{role}", role=role,
                 organisation=organisations.get(role, f"FICTIONAL {role} unit"),
                 password=PASSWORD)
    add_user(engine, "other.solo", role="solo", organisation="FICTIONAL Other Council",
             password=PASSWORD)
    usernames = [*(f"user.{r}" for r in ROLES), "other.solo"]
    # every role that sees subject data signs in with its second factor (the default)
    secrets = {u: enrol_totp(engine, home, u) for u in usernames
               if u.split(".", 1)[1] in SECOND_FACTOR_ROLES}
    subject_id = str(subjects.loc[~subjects["on_licence_or_order"].fillna(False).astype(bool),
                                  "subject_id"].iloc[0])
    with TestClient(create_app(Settings(home=home, login_attempts=50),
                               engine=engine)) as client:
        tokens = {}
        for username in usernames:
            form = (sign_in_form(engine, username, PASSWORD, secrets[username])
                    if username in secrets else {"username": username, "password": PASSWORD})
            response = client.post(f"{PREFIX}/auth/token", data=form)
            assert response.status_code == 200, response.text
            tokens[username.removeprefix("user.")] = response.json()["access_token"]
        homes = subjects["current_property_id"].dropna().astype(str)
        yield World(client, engine, store, tokens, council, subject_id, property_id, tmp,
                    home=str(homes.iloc[0]))
    engine.dispose()


def zone_near(world: World, metres: float = 50.0) -> dict[str, Any]:
    props = world.store.read("properties")
    point = props.loc[props["property_id"] == world.property_id, "geometry"].iloc[0]
    return shapely.geometry.mapping(point.buffer(metres, quad_segs=4))


def sites_upload(world: World) -> Path:
    path = world.tmp / "sites.geojson"
    if not path.exists():
        sites = world.store.read("sites")
        assert isinstance(sites, gpd.GeoDataFrame)
        sites.to_file(path, driver="GeoJSON")
    return path


#: A request ready to send: method, path under the prefix, and httpx arguments.
Prepared = tuple[str, str, dict[str, Any]]
#: For each endpoint: how to call it well (the request a permitted caller would make),
#: prepared before it is sent so that setting it up is not counted as its effect.
Call = Callable[[World], Prepared]


def _post(path: str, body: Callable[[World], dict[str, Any]]) -> Call:
    return lambda world: ("POST", path, {"json": body(world)})


def _import(world: World) -> Prepared:
    content = sites_upload(world).read_bytes()
    return ("POST", "/imports",
            {"files": [("files", ("sites.geojson", content, "application/geo+json"))]})


def send(world: World, role: str, prepared: Prepared) -> httpx.Response:
    method, path, kwargs = prepared
    return world.client.request(method, f"{PREFIX}{path}", headers=world.headers(role),
                                **kwargs)


def call(world: World, role: str, endpoint: str) -> httpx.Response:
    return send(world, role, call_for(world, endpoint, role))


def call_for(world: World, endpoint: str, role: str) -> Prepared:
    """The request ``role`` would make: a partner agency checks an item of its own 3.7
    list (its agency's first), the others the physical check of CALLS."""
    if endpoint == "case_check" and role in PARTNERS:
        from geo_era.settings import NASSO_DATABASE_CHECKS

        item = next(iter(NASSO_DATABASE_CHECKS[PARTNERS[role].agency]))
        return ("POST", "/cases/check", {"json": {
            "case_id": world.new_case(), "kind": "database", "item": item,
            "outcome": "clear"}})
    if endpoint == "transfer_request" and role in ("omu_analyst", "rsl_link_officer"):
        return ("POST", "/transfers/request", {"json": _transfer_by(world, role)})
    if endpoint == "notice_show" and role == "cjsw":  # as the lead agency of a case
        subjects = world.store.read_attributes("subjects", ["subject_id",
                                                            "on_licence_or_order"])
        licensed = str(subjects.loc[subjects["on_licence_or_order"].fillna(False).astype(
            bool), "subject_id"].iloc[0])
        world.new_case(subject_id=licensed)
        return ("POST", "/notices/show", {"json": {
            "reference": _notice(world, subject_id=licensed), "justification": WHY}})
    if endpoint == "notice_record" and role == "rsl_link_officer":  # their own homes
        return ("POST", "/notices/record",
                {"json": _notice_body(_landlord_home(world, LANDLORD))})
    if endpoint in ENQUIRY_CALLS:
        return ENQUIRY_CALLS[endpoint](world, role)
    return CALLS[endpoint](world)


def new_enquiry(w: World, role: str, **extra: Any) -> str:
    """A fresh concern about the test property (made through the core), received by
    ``role``'s own organisation when it is a SOLO or a landlord's staff (what they may
    see and confirm), otherwise by the Link Officer's landlord in the council."""
    receivers = {"rsl_link_officer": LANDLORD, "solo": w.council,
                 "rsl_case_officer": w.landlord_of(w.property_id)}
    by = role if role in receivers else "rsl_link_officer"
    actor = Actor(f"user.{by}", by, receivers[by], scope=w.council if by == "solo" else None)
    raised = Raised(**{"kind": "concern", "channel": "phone", "raised_by": "tenant",
                       "summary": "FICTIONAL: a tenant worried about a neighbour",
                       "received_on": clock.today(), "property_id": w.property_id, **extra})
    return str(record_enquiry(w.store, w.engine, raised, actor=actor)["enquiry_id"])


#: The enquiry endpoints, made for the role calling (an enquiry its organisation may see).
ENQUIRY_CALLS: dict[str, Callable[..., Prepared]] = {
    "enquiry_record": lambda w, role: ("POST", "/enquiries/record", {"json": {
        "kind": "concern", "channel": "phone", "raised_by": "tenant",
        "summary": "FICTIONAL: children approached near the play park",
        "property_id": w.property_id, "risk_to_children": True}}),
    "enquiry_list": lambda w, role: ("POST", "/enquiries/list", {"json": {
        "justification": WHY}}),
    "enquiry_show": lambda w, role: ("POST", "/enquiries/show", {"json": {
        "enquiry_id": new_enquiry(w, role), "justification": WHY}}),
    "enquiry_confirm": lambda w, role: ("POST", "/enquiries/confirm", {"json": {
        "enquiry_id": new_enquiry(w, role)}}),
    "enquiry_link": lambda w, role: ("POST", "/enquiries/link", {"json": {
        "enquiry_id": new_enquiry(w, role), "subject_id": w.subject_id,
        "justification": WHY}}),
    "enquiry_outcome": lambda w, role: ("POST", "/enquiries/outcome", {"json": {
        "enquiry_id": new_enquiry(w, role), "outcome": "investigated",
        "notes": "FICTIONAL: police visited; no offence disclosed", "justification": WHY}}),
}


def _notice_body(property_id: str) -> dict[str, Any]:
    return {"property_id": property_id, "kind": "possession",
            "occurred_on": iso_today(), "landlord_reference": "FICTIONAL/T/0042",
            "details": "FICTIONAL: notice of proceedings for possession served today"}


def _landlord_home(w: World, landlord: str) -> str:
    """A property of ``landlord`` (the properties layer's ``landlord``)."""
    props = w.store.read_attributes("properties", ["property_id", "landlord"])
    return str(props.loc[props["landlord"] == landlord, "property_id"].iloc[0])


def _housed_subject(w: World) -> str:
    subjects = w.store.read_attributes("subjects", ["subject_id", "current_property_id"])
    return str(subjects.loc[subjects["current_property_id"] == w.home,
                            "subject_id"].iloc[0])


def _notice(w: World, *, subject_id: str | None = None) -> str:
    """A fresh landlord notification about the test property (made through the core),
    linked to ``subject_id`` when given."""
    from geo_era.housing import notifications

    props = w.store.read_attributes("properties", ["property_id", "landlord"])
    landlord = str(props.loc[props["property_id"] == w.property_id, "landlord"].iloc[0])
    body = _notice_body(w.property_id)
    made = notifications.record_notice(
        w.engine, property_id=w.property_id, landlord=landlord, authority=w.council,
        kind=body["kind"], occurred_on=clock.today(), details=body["details"],
        landlord_reference=body["landlord_reference"], actor=officer())
    if subject_id is not None:
        notifications.link(w.engine, made["reference"], subject_id=subject_id, note=None,
                           actor=officer())
    return str(made["reference"])


def _transfer_by(w: World, role: str) -> dict[str, Any]:
    """The police's own request (Dorset s19), or a Link Officer's record of a
    neighbouring tenant's application about a tenancy of their own landlord's."""
    common = {"grounds": "FICTIONAL: threats after a disclosure",
              "requested_on": iso_today()}
    if role == "omu_analyst":
        return {**common, "kind": "police", "subject_id": w.subject_id,
                "tenant_agrees": True, "authority": w.council}
    props = w.store.read_attributes("properties", ["property_id", "landlord"])
    own = props.loc[props["landlord"] == LANDLORD, "property_id"].astype(str)
    return {**common, "kind": "neighbour", "property_id": own.iloc[0],
            "specific_risk": "previous_victim"}


#: A property nobody's zone or condition rules out for the world's subject, far from
#: the zone the matrix test adds (the temporary accommodation of ``homeless_place``).
_TEMPORARY: dict[str, str] = {}


def _temporary_home(w: World) -> str:
    if "pid" not in _TEMPORARY:
        from geo_era.workspace import Workspace

        workspace = Workspace(w.store)
        props = w.store.read("properties")
        here = props.loc[props["property_id"] == w.property_id, "geometry"].iloc[0]
        far = props.assign(d=props.geometry.distance(here)).sort_values(
            "d", ascending=False)
        _TEMPORARY["pid"] = next(
            str(p) for p in far["property_id"]
            if not workspace.check(w.subject_id, str(p)).conflicts)
    return _TEMPORARY["pid"]


def _presentation(w: World) -> str:
    from geo_era.housing.homelessness import record_presentation

    return str(record_presentation(
        w.engine, subject_id=w.subject_id, authority=w.council, presented_on=clock.today(),
        duty="unintentionally_homeless", reasons="FICTIONAL: released with no home",
        actor=officer())["reference"])


def _pending_transfer(w: World) -> str:
    from geo_era.housing.transfers import request_transfer

    return str(request_transfer(
        w.engine, kind="tenant", authority=w.council, subject_id=w.subject_id,
        grounds="FICTIONAL: windows broken after a disclosure", requested_on=clock.today(),
        at_risk_after_disclosure=True, actor=officer())["reference"])
def fresh_void(world: World) -> str:
    """A property of the Link Officer's landlord that is not a void now."""
    from geo_era.housing.live_voids import LiveVoids

    services = world.client.app.state.services  # type: ignore[attr-defined]
    snap = services.workspace.snapshot()
    state: LiveVoids = services.live_voids
    state.sync(snap, services.engine, services.layers)
    rows = np.flatnonzero(state.owned(np.arange(snap.properties.size), LANDLORD)
                          & ~state.live_mask(snap))
    return str(snap.properties.ids[rows[0]])


def published_void(world: World) -> str:
    """A property of the Link Officer's landlord just published (by the operator)."""
    from geo_era.housing.live_voids import AVAILABLE
    from geo_era.services import live_voids
    from geo_era.services.policy import Caller

    pid = fresh_void(world)
    live_voids.change(world.client.app.state.services,  # type: ignore[attr-defined]
                      Caller.operator("setup"), status=AVAILABLE, voids=[pid],
                      justification=WHY)
    return pid


def _case(**extra: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"case_id": w.new_case(), **extra}


def _assessed_case(w: World) -> dict[str, Any]:
    """A fresh assessed case and a dwelling of its candidate's minimum set."""
    case = w.new_case(assess_now=True)
    with session_scope(w.engine) as session:
        snapshot = session.scalars(select(CaseProperty.snapshot).where(
            CaseProperty.case_id == parse_case_id(case))).one()
    assert snapshot is not None
    member = snapshot["minimum_set"]["properties"][0]
    return {"case_id": case, "dwelling_id": member["property_id"]}


def _decided_case(w: World) -> dict[str, Any]:
    """A fresh case decided at Part D (the council disagreed) with where the full ERA is
    held recorded, made through the core: what a ViSOR extract needs (NASSO 3.3)."""
    from geo_era.casework.cases import decide, record_agreement
    from geo_era.casework.out_of_area import record_era_held

    case = w.new_case()
    record_agreement(w.engine, case, agency="solo", agrees=False, actor=officer(),
                     comments="FICTIONAL: a nursery next door")
    decide(w.engine, case, agency="police_scotland", property_id=w.property_id,
           manageable=False, conclusion="FICTIONAL: not manageable",
           reasons="FICTIONAL: the conference's reasons", conference_on=clock.today(),
           actor=officer())
    record_era_held(w.engine, case, agency="police_scotland", system="FICTIONAL iVPD",
                    reference="ERA/0042", actor=officer())
    return {"case_id": case, "justification": WHY}


def new_disclosure(w: World) -> str:
    """A decision to disclose, recorded through the core by the council's Children &
    Families social work (so every role allowed may record it made)."""
    from geo_era.casework.cases import visible
    from geo_era.safeguarding.disclosures import DecisionRequest, record_decision
    from geo_era.security.audit import Actor

    actor = Actor("cf.setup", "childrens_social_work", w.council, scope=w.council)
    return str(record_decision(w.engine, DecisionRequest(
        recipient_type="parent", recipient="FICTIONAL parent of a pupil", disclose=True,
        subject_id=w.subject_id, content="FICTIONAL: contact with the child",
        advice="FICTIONAL: keep to the family", discloser="FICTIONAL social worker",
        child_protection=True), actor=actor, authority="social_work", visible=visible,
        landlord_of=lambda _p: None)["reference"])


def new_application(w: World) -> str:
    """A Keeping Children Safe application, recorded through the core by police."""
    from geo_era.safeguarding.disclosures import KcsRequest, record_kcs
    from geo_era.security.audit import Actor

    return str(record_kcs(w.engine, KcsRequest(
        received_on=clock.today(), online=False, relationship="carer", council=w.council),
        actor=Actor("omu.setup", "omu_analyst", "FICTIONAL OMU"))["reference"])
def _marker(w: World) -> str:
    """A fresh staff-safety marker on the test property, made through the core."""
    from geo_era.safeguarding.markers import PropertyFacts, add_marker

    facts = PropertyFacts(w.property_id, landlord=None, authority=w.council)
    return str(add_marker(w.engine, facts, instructions=["office_only"],
                          practical_text=None, owner="user.omu_analyst",
                          review_on=clock.today(), expires_on=clock.today() + dt.timedelta(days=90),
                          actor=officer())["marker_id"])


CALLS: dict[str, Call] = {
    "me": lambda w: ("GET", "/me", {}),
    "sites_near": _post("/proximity/sites-near",
                        lambda w: {"property_id": w.property_id, "radius_m": 300}),
    "parameters": _post("/parameters", lambda w: {"property_id": w.property_id,
                                                  "justification": WHY}),
    "check": _post("/check", lambda w: {"subject_id": w.subject_id,
                                        "property_id": w.property_id,
                                        "justification": WHY}),
    "case_open": _post("/cases/open", lambda w: {
        "subject_id": w.subject_id, "property_ids": [w.property_id],
        "notified": (clock.today() - dt.timedelta(days=1)).isoformat()}),
    "case_list": _post("/cases/list", lambda w: {"justification": WHY}),
    "case_show": _post("/cases/show", _case(justification=WHY)),
    "case_assess": _post("/cases/assess", lambda w: {"case_id": w.new_case(),
                                                     "property_id": w.property_id}),
    "case_check": _post("/cases/check", _case(kind="physical", item="school_nursery",
                                              outcome="clear")),
    "case_respond": _post("/cases/respond", lambda w: {
        "case_id": w.new_case(), "property_id": w.property_id, "to": "visor",
        "response": "FICTIONAL: the police will visit weekly"}),
    "case_agree": _post("/cases/agree", _case(agrees=True)),
    "case_approve": _post("/cases/approve", lambda w: {
        "case_id": w.new_case(), "property_id": w.property_id, "manageable": True,
        "conclusion": "manageable", "reasons": "no conflicts"}),
    "case_decide": _post("/cases/decide", lambda w: {
        "case_id": w.new_case(), "property_id": w.property_id, "manageable": True,
        "conclusion": "manageable", "reasons": "conference view",
        "conference_on": iso_today()}),
    "case_consent": _post("/cases/consent", lambda w: {"case_id": w.new_case(
        placing_authority="FICTIONAL Other Council", receiving_authority=w.council)}),
    "case_restrict": _post("/cases/restrict", _case(property_id="DT-0000002",
                                                    restriction="no children under 16")),
    "case_extend": _post("/cases/extend", _case(
        working_days=2, reason="FICTIONAL: three closes in the minimum set")),
    "case_out_of_area": _post("/cases/out-of-area", lambda w: {"case_id": w.new_case(
        placing_authority="FICTIONAL Other Council", receiving_authority=w.council),
        "ground": "no_manageable_housing"}),
    "case_plan": _post("/cases/plan", lambda w: {"case_id": w.new_case(
        placing_authority="FICTIONAL Other Council", receiving_authority=w.council),
        "plan": "FICTIONAL: weekly OMU visits for three months"}),
    "case_discussion": _post("/cases/discussion", lambda w: {"case_id": w.new_case(
        placing_authority="FICTIONAL Other Council", receiving_authority=w.council),
        "held_on": iso_today(), "participants": "FICTIONAL: both SOLOs",
        "agreed": "FICTIONAL: the placement is accepted"}),
    "case_held": _post("/cases/held", _case(system="FICTIONAL council EDRMS",
                                            reference="HR/ERA/0042")),
    "case_visor_extract": _post("/cases/visor-extract", _decided_case),
    "case_dwelling": _post("/cases/dwelling", lambda w: {
        **_assessed_case(w), "outcome": "does_not_fit", "seen_on": iso_today()}),
    "case_extend_set": _post("/cases/extend-set", lambda w: {
        "case_id": w.new_case(assess_now=True), "rings": 1,
        "reason": "FICTIONAL: high risk to children; toys seen two doors along"}),
    "case_member": _post("/cases/member", lambda w: {
        "case_id": w.new_case(assess_now=True), "dwelling_id": "DT-0000002",
        "action": "add", "reason": "FICTIONAL: overlooks the close's back green"}),
    "zone_add": _post("/zones/add", lambda w: {
        "subject_id": w.subject_id, "geometry": zone_near(w), "crs": "EPSG:27700",
        "reason": "FICTIONAL victim's workplace"}),
    "zone_show": _post("/zones/show", lambda w: {"subject_id": w.subject_id,
                                                 "justification": WHY}),
    "reviews_due": _post("/reviews/due", lambda w: {"justification": WHY}),
    "reviews_waive": _post("/reviews/waive", lambda w: {
        "subject_id": w.subject_id,
        "reasons": "FICTIONAL: in hospital under a compulsion order all year"}),
    "audit_export": _post("/audit/export", lambda w: {"justification": WHY, "limit": 5}),
    "import": _import,
    "screen": _post("/voids/screen", lambda w: {"subject_id": w.subject_id,
                                                "justification": WHY}),
    "overconcentration": _post("/reports/overconcentration", lambda w: {
        "authority": w.council, "year": 2026, "justification": WHY}),
    "report_geopackage": _post("/reports/overconcentration/geopackage",
                                          lambda w: {"authority": w.council, "year": 2026,
                                                     "justification": WHY}),
    "report_placements": _post("/reports/overconcentration/placements",
                                          lambda w: {"authority": w.council, "year": 2026,
                                                     "justification": WHY}),
    "allocation_check": _post("/voids/allocation-check", lambda w: {
        "property_ids": [w.property_id, w.home, "DT-NOT-THERE"], "justification": WHY}),
    "case_move_in": _post("/cases/move-in", _case(property_id="DT-0000002",
                                                  moved_in_on=iso_today())),
    "review_triggers": _post("/reviews/triggers", lambda w: {"justification": WHY}),
    "report_mappa": _post("/reports/mappa", lambda w: {
        "authority": w.council, "year": 2026, "justification": WHY}),
    "report_performance": _post("/reports/performance", lambda w: {
        "year": 2026, "authority": w.council, "justification": WHY}),
    "ogc_features": lambda w: ("GET", "/ogc/collections/properties/items",
                               {"params": {"limit": 5}}),
    "ogc_results": lambda w: ("GET", "/ogc/collections/proximity/items",
                              {"params": {"limit": 5}}),
    **{name: functools.partial(made, role="omu_analyst")
       for name, made in ENQUIRY_CALLS.items()},
    "cp_referral_add": _post("/child-protection/referrals/add", lambda w: {
        "subject_id": w.subject_id, "authority": w.council,
        "referred_on": iso_today(), "justification": WHY,
        "reason": "FICTIONAL: seen waiting outside a primary school"}),
    "cp_referral_outcome": _post("/child-protection/referrals/outcome", lambda w: {
        "reference": referral_of(w), "outcome": "ird", "outcome_on": iso_today(),
        "om_attended": True, "justification": WHY}),
    "cp_referral_list": _post("/child-protection/referrals", lambda w: {
        "justification": WHY}),
    "cp_checks_add": _post("/child-protection/checks/add", lambda w: {
        "subject_id": w.subject_id, "notified_on": iso_today(),
        "checked_on": iso_today(), "database_checked": True,
        "findings": "FICTIONAL: no child known to the service at the address",
        "concerns": False, "justification": WHY}),
    "cp_notice_add": _post("/child-protection/notices/add", lambda w: {
        "case_id": w.new_case(), "ground": "lives_near_school",
        "school": "FICTIONAL Primary School", "contact": "FICTIONAL Education lead",
        "notified_on": iso_today(), "justification": WHY,
        "said": "FICTIONAL: lives 200 m from the school gates"}),
    "cp_notice_list": _post("/child-protection/notices", lambda w: {
        "justification": WHY}),
    "disclosure_decide": _post("/disclosures/decide", lambda w: {
        "subject_id": w.subject_id, "council": w.council, "recipient_type": "school",
        "recipient": "FICTIONAL Inverallan Primary School", "disclose": True,
        "content": "FICTIONAL: a risk to children at the school gate",
        "advice": "FICTIONAL: head teacher only; support from the council's Education "
                  "service", "discloser": "FICTIONAL DS Grant, OMU",
        "child_protection": True, "meeting_level": 2, "meeting_on": iso_today()}),
    "disclosure_made": _post("/disclosures/made", lambda w: {
        "reference": new_disclosure(w), "made_on": iso_today()}),
    "disclosure_list": _post("/disclosures/list", lambda w: {"justification": WHY}),
    "disclosure_kcs": _post("/disclosures/kcs", lambda w: {
        "received_on": iso_today(), "online": True, "relationship": "parent",
        "council": w.council, "subject_id": w.subject_id}),
    "disclosure_kcs_outcome": _post("/disclosures/kcs/outcome", lambda w: {
        "reference": new_application(w), "outcome": "no_disclosure",
        "outcome_on": iso_today()}),
    "notice_record": _post("/notices/record", lambda w: _notice_body(w.property_id)),
    "notice_sent": _post("/notices/sent", lambda w: {}),
    "notice_list": _post("/notices/list", lambda w: {"justification": WHY}),
    "notice_show": _post("/notices/show", lambda w: {"reference": _notice(w),
                                                     "justification": WHY}),
    "notice_link": _post("/notices/link", lambda w: {"reference": _notice(w),
                                                     "subject_id": w.subject_id}),
    "notice_review": _post("/notices/review", lambda w: {"reference": _notice(
        w, subject_id=_housed_subject(w))}),
    "marker_add": _post("/markers/add", lambda w: {
        "property_id": w.property_id, "instructions": ["visit_in_pairs"],
        "review_on": (clock.today() + dt.timedelta(days=30)).isoformat(),
        "expires_on": (clock.today() + dt.timedelta(days=90)).isoformat(),
        "firms": ["FICTIONAL contractor unit"], "subject_id": w.subject_id,
        "reason": "FICTIONAL: threatened a housing officer"}),
    "marker_review": _post("/markers/review", lambda w: {
        "marker_id": _marker(w), "review_on": (clock.today() + dt.timedelta(days=60)).isoformat()}),
    "marker_list": _post("/markers/list", lambda w: {"justification": WHY}),
    "marker_shared": _post("/markers/shared", lambda w: {"property_id": w.property_id}),
    "homeless_present": _post("/homeless/present", lambda w: {
        "subject_id": w.subject_id, "presented_on": iso_today(),
        "duty": "unintentionally_homeless", "authority": w.council,
        "reasons": "FICTIONAL: released from prison with no home",
        "local_connection": "none"}),
    "homeless_place": _post("/homeless/place", lambda w: {
        "presentation": _presentation(w), "property_id": _temporary_home(w),
        "starts_on": iso_today(), "justification": WHY}),
    "homeless_advise": _post("/homeless/advise", lambda w: {
        "subject_id": w.subject_id, "given_on": iso_today(), "authority": w.council,
        "options": ["social_rented", "supported_accommodation"],
        "advice": "FICTIONAL: apply to the housing list; supported flat meanwhile",
        "services": ["addictions"]}),
    "homeless_show": _post("/homeless/show", lambda w: {"subject_id": w.subject_id,
                                                        "justification": WHY}),
    "transfer_request": _post("/transfers/request", lambda w: {
        "kind": "tenant", "subject_id": w.subject_id, "authority": w.council,
        "grounds": "FICTIONAL: windows broken after a disclosure",
        "requested_on": iso_today(), "at_risk_after_disclosure": True}),
    "transfer_decide": _post("/transfers/decide", lambda w: {
        "reference": _pending_transfer(w), "decision": "refused",
        "reasons": "FICTIONAL: the police are managing the risk in place"}),
    "transfer_list": _post("/transfers/list", lambda w: {"justification": WHY}),
    "void_publish": _post("/voids/publish", lambda w: {
        "property_ids": [fresh_void(w), "DT-NOT-THERE"], "justification": WHY}),
    "void_let": _post("/voids/let", lambda w: {
        "property_ids": [published_void(w)], "justification": WHY}),
    "void_live": _post("/voids/live", lambda w: {"justification": WHY}),
}


def referral_of(world: World) -> str:
    """A fresh referral of the world's subject in its council, made through the core."""
    from geo_era.safeguarding.child_protection import record_referral

    return str(record_referral(
        world.engine, subject_id=world.subject_id, case_id=None, authority=world.council,
        referred_on=clock.today(), reason="FICTIONAL: a risk to a named child", to_whom=None,
        agency="police_scotland", actor=officer())["reference"])


#: Audited calls that write more than one entry: opening a review from a landlord's
#: notification opens a case (its own collection) and marks the notification.
AUDIT_ENTRIES = {"notice_review": 2}
#: Permitted calls that may be refused by the workflow (409) rather than the matrix:
#: approving an unready case, a Part D with no disagreement; an extension by an agency
#: that is not the lead; the placing council's reason and plan asked of the receiving
#: council's staff (the demo's council is where the property lies); a move in with no
#: decision.
WORKFLOW_REFUSALS = {"case_approve", "case_decide", "case_respond", "case_extend",
                     "case_out_of_area", "case_plan", "case_move_in"}


def keys_in(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


#: The routes of OGC API - Features under ``/api/v1/ogc``.
OGC_ROUTES = ("", "/conformance", "/collections", "/collections/{collection_id}",
              "/collections/{collection_id}/items",
              "/collections/{collection_id}/items/{feature_id}")


def test_every_endpoint_is_in_the_matrix(world: World) -> None:
    """No route escapes the matrix, and the matrix names no route that is not there."""
    schema = world.client.app.openapi()  # type: ignore[attr-defined]
    routes = {path for path in schema["paths"] if path.startswith(PREFIX)}
    # reached without a session: the health check, signing in, and signing out (which
    # ends the session of whatever token it is given, if any)
    public = {f"{PREFIX}/health", f"{PREFIX}/auth/token", f"{PREFIX}/auth/logout"}
    # OGC API - Features is one protocol of six routes (landing page, conformance,
    # collections, a collection, its items, an item) admitted per collection by two
    # entries: the reference layers (ogc_features) and assessment results (ogc_results)
    ogc = {r for r in routes if r.startswith(f"{PREFIX}/ogc")}
    assert ogc == {f"{PREFIX}/ogc{p}" for p in OGC_ROUTES}
    ogc_entries = {name for name in MATRIX if name.startswith("ogc_")}
    assert ogc_entries == {"ogc_features", "ogc_results"}
    assert len(routes - public - ogc) == len(MATRIX) - len(ogc_entries)
    assert len(MATRIX) == len(CALLS)
    assert set(CALLS) == set(MATRIX)


def test_readme_prints_the_matrix() -> None:
    assert matrix_markdown() in (REPO / "README.md").read_text(encoding="utf-8")


def answer_of(response: httpx.Response) -> Any:
    """A JSON answer's body; a file (a GeoPackage, a PDF) has no keys to check (its
    bytes are searched for the subject instead)."""
    kind = response.headers.get("content-type", "")
    return response.json() if kind.startswith("application/json") else {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(REFERENCE))
def test_matrix(world: World, endpoint: str, role: str) -> None:
    """Each endpoint by each role, held to the reference written by hand from NASSO
    (tests/security/reference.py), not to the table the code enforces."""
    rule = REFERENCE[endpoint]
    prepared = call_for(world, endpoint, role)
    before = world.audit_count()
    response = send(world, role, prepared)
    written = world.audit_count() - before
    if rule.allows(role):
        ok = {200, 409} if endpoint in WORKFLOW_REFUSALS else {200}
        assert response.status_code in ok, response.text
        if rule.restricted(role) or role == "rsl_link_officer":
            leaked = keys_in(answer_of(response)) & LINK_OFFICER_NEVER_SEES
            assert leaked == set(), f"{role} saw {leaked} on {endpoint}"
            assert world.subject_id.encode() not in response.content
        if role == "rsl_case_officer":  # a Link Officer taking part: the property only
            leaked = keys_in(response.json()) & (LINK_OFFICER_NEVER_SEES - {"subject_id"})
            assert leaked == set(), f"{role} saw {leaked} on {endpoint}"
            assert world.subject_id not in response.text
        if rule.audited and response.status_code == 200:
            assert written == AUDIT_ENTRIES.get(endpoint, 1), \
                f"{endpoint} by {role} wrote {written} audit entries"
            entry = world.last_entry()
            assert (entry.actor, entry.role, entry.outcome) == (f"user.{role}", role,
                                                                "allowed")
        elif not rule.audited:
            assert written == 0
    else:
        assert response.status_code == 403, response.text
        assert world.subject_id not in response.text
        assert written == (1 if rule.audited else 0)
        if rule.audited:
            assert world.last_entry().outcome == "denied"


def test_a_link_officer_gets_no_minimum_set_and_no_check(world: World) -> None:
    """Issue 17, finding 2: with a flag, a void's minimum set would narrow a housed
    subject's home to a close; a check answers for any subject and property."""
    assert "household" in call(world, "omu_analyst", "parameters").json()["properties"][0]
    for endpoint in ("parameters", "check"):
        before = world.audit_count()
        refused = call(world, "rsl_link_officer", endpoint)
        assert refused.status_code == 403
        assert world.audit_count() == before + 1
        assert world.last_entry().outcome == "denied"


def test_council_staff_see_only_their_councils_cases(world: World) -> None:
    case = world.new_case()
    mine = world.client.post(f"{PREFIX}/cases/show", headers=world.headers("solo"),
                             json={"case_id": case, "justification": WHY})
    assert mine.status_code == 200 and mine.json()["authority"] == world.council
    before = world.audit_count()
    theirs = world.client.post(f"{PREFIX}/cases/show", headers=world.headers("other.solo"),
                               json={"case_id": case, "justification": WHY})
    assert theirs.status_code == 404  # reads exactly as a case that does not exist
    assert theirs.json()["detail"] == f"case {case!r} not found; list cases with " \
                                      "'geo-era case list'"
    assert world.audit_count() == before + 1
    denied = world.last_entry()
    assert (denied.actor, denied.outcome, denied.record_ids) == ("other.solo", "denied",
                                                                 [case])
    listed = world.client.post(f"{PREFIX}/cases/list", headers=world.headers("other.solo"),
                               json={"justification": WHY}).json()
    assert case not in [c["case_id"] for c in listed]
    assert case in [c["case_id"] for c in world.client.post(
        f"{PREFIX}/cases/list", headers=world.headers("omu_analyst"),
        json={"justification": WHY}).json()]
    # nor may they act on it, or open a case in another council
    acted = world.client.post(f"{PREFIX}/cases/agree", headers=world.headers("other.solo"),
                              json={"case_id": case, "agrees": True})
    assert acted.status_code == 404
    opened = world.client.post(f"{PREFIX}/cases/open", headers=world.headers("other.solo"),
                               json={"subject_id": world.subject_id,
                                     "property_ids": [world.property_id],
                                     "notified": iso_today()})
    assert opened.status_code == 409
    assert "you may open cases only for FICTIONAL Other Council" in opened.text


def test_each_caller_records_for_their_own_agency(world: World) -> None:
    case = world.new_case()
    done = world.client.post(f"{PREFIX}/cases/agree", headers=world.headers("solo"),
                             json={"case_id": case, "agrees": False, "justification": WHY,
                                   "comments": "a nursery opened next door"}).json()
    solo = next(a for a in done["agencies"] if a["agency"] == "solo")
    assert (solo["agrees"], solo["recorded_by"]) == (False, "user.solo")
    police = next(a for a in done["agencies"] if a["agency"] == "police_scotland")
    assert police["agrees"] is None
    refused = world.client.post(f"{PREFIX}/cases/approve", headers=world.headers("solo"),
                                json={"case_id": case, "property_id": world.property_id,
                                      "manageable": True, "conclusion": "x", "reasons": "y"})
    assert refused.status_code == 409 and "only the lead agency" in refused.text


def test_whole_workflow_over_the_api(world: World) -> None:
    """Open, assess, check, agree and approve through the API, all audited, chain
    intact."""
    def post(role: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = world.client.post(f"{PREFIX}/cases/{path}", headers=world.headers(role),
                                     json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    before = world.audit_count()
    case = post("omu_analyst", "open", {"subject_id": world.subject_id,
                                        "property_ids": [world.property_id],
                                        "notified": iso_today(),
                                        "justification": WHY})
    ref = case["case_id"]
    assert case["assessments"][0]["snapshot"]["proximity"]["property_id"] == \
        world.property_id
    from geo_era.casework.cases import PHYSICAL_ITEMS, conflict_key, database_checklist

    for item in PHYSICAL_ITEMS:
        post("omu_analyst", "check", {"case_id": ref, "kind": "physical", "item": item,
                                      "outcome": "clear"})
    for role, agency in (("omu_analyst", "police_scotland"), ("solo", "solo")):
        for code in database_checklist(agency, None):
            post(role, "check", {"case_id": ref, "kind": "database", "item": code,
                                 "outcome": "clear"})
        post(role, "agree", {"case_id": ref, "agrees": True})
    # every dwelling of the minimum set visited (R44)
    visits = 0
    for member in case["minimum_sets"][0]["members"]:
        for occupant in ([str(k) for k in range(1, (member["occupants"] or 1) + 1)]
                         if member["shared"] else [None]):
            post("omu_analyst", "dwelling", {
                "case_id": ref, "dwelling_id": member["dwelling_id"], "occupant": occupant,
                "outcome": "does_not_fit", "seen_on": iso_today()})
            visits += 1
    # the home's hard conflicts (inside the subject's zones, a condition) are answered
    conflicts = case["assessments"][0]["snapshot"]["check"]["conflicts"]
    assert conflicts
    for finding in conflicts:
        post("omu_analyst", "respond", {"case_id": ref, "property_id": world.property_id,
                                        "to": conflict_key(finding),
                                        "response": "FICTIONAL: answered at MAPPA"})
    done = post("omu_analyst", "approve", {"case_id": ref, "property_id": world.property_id,
                                           "manageable": True, "conclusion": "manageable",
                                           "reasons": "no conflicts found"})
    assert done["status"] == "approved"
    database = len(database_checklist("police_scotland", None)) + len(
        database_checklist("solo", None))
    assert world.audit_count() - before == (1 + len(PHYSICAL_ITEMS) + database + 2
                                            + visits + len(conflicts) + 1)
    assert verify(world.engine).intact


def test_a_failed_request_writes_nothing(world: World) -> None:
    case = world.new_case()
    shown = world.client.post(f"{PREFIX}/cases/show", headers=world.headers("omu_analyst"),
                              json={"case_id": case, "justification": WHY}).json()
    before, version = world.audit_count(), world.store.data_version
    failures = [
        ("/cases/approve", {"case_id": case, "property_id": world.property_id,
                            "manageable": True, "conclusion": "x", "reasons": "y"}, 409),
        ("/cases/check", {"case_id": case, "kind": "physical", "item": "casino",
                          "outcome": "clear"}, 422),
        ("/cases/show", {"case_id": case}, 422),  # no justification
        ("/cases/show", {"case_id": case, "justification": "because"}, 422),  # too short
        ("/cases/assess", {"case_id": case, "property_id": "NOWHERE"}, 409),
        ("/zones/add", {"subject_id": world.subject_id, "geometry": zone_near(world),
                        "crs": None}, 422),
        ("/zones/add", {"subject_id": "FICTIONAL-NOBODY", "geometry": zone_near(world),
                        "crs": "EPSG:27700"}, 404),
        ("/cases/open", {"subject_id": world.subject_id, "property_ids": ["NOWHERE"],
                         "notified": iso_today()}, 404),
    ]
    for path, body, status in failures:
        response = world.client.post(f"{PREFIX}{path}", headers=world.headers("omu_analyst"),
                                     json=body)
        assert response.status_code == status, (path, response.text)
        assert "Traceback" not in response.text
    assert world.audit_count() == before
    assert world.store.data_version == version
    again = world.client.post(f"{PREFIX}/cases/show", headers=world.headers("omu_analyst"),
                              json={"case_id": case, "justification": WHY}).json()
    assert again == shown


def _square(x: float, y: float, size: float) -> list[list[list[float]]]:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


BAD_GEOMETRY = {
    "empty": ({"type": "Polygon", "coordinates": []}, "EPSG:27700",
              "body.geometry.Polygon.coordinates\",\"problem\":\"List should have at least 1"),
    "self-intersecting": ({"type": "Polygon", "coordinates": [[
        [394000, 806000], [394100, 806100], [394100, 806000], [394000, 806100],
        [394000, 806000]]]}, "EPSG:27700", "Self-intersection"),
    "not finite": ({"type": "Polygon", "coordinates": [[
        [394000, 806000], [float("nan"), 806000], [394100, 806100], [394000, 806000]]]},
        "EPSG:27700", "not finite numbers"),
    "swapped axes": ({"type": "Polygon", "coordinates": [[
        [57.15, -2.10], [57.15, -2.09], [57.16, -2.09], [57.15, -2.10]]]}, "EPSG:4326",
        "would be inside with the coordinates swapped"),
    "outside Scotland": ({"type": "Polygon", "coordinates": _square(530000, 180000, 50)},
                         "EPSG:27700", "lies outside Scotland"),
    "missing CRS": ({"type": "Polygon", "coordinates": _square(394000, 806000, 50)}, None,
                    "no CRS"),
    "wrong CRS": ({"type": "Polygon", "coordinates": _square(394000, 806000, 50)},
                  "EPSG:4326", "check the CRS"),
    "unknown CRS": ({"type": "Polygon", "coordinates": _square(394000, 806000, 50)},
                    "EPSG:99999", "is not recognised"),
    "wrong type": ({"type": "Point", "coordinates": [394000, 806000]}, "EPSG:27700",
                   "Input tag 'Point' found using 'type' does not match any of the expected "
                   "tags: 'Polygon', 'MultiPolygon'"),
    "not GeoJSON": ({"type": "Blob", "coordinates": [1]}, "EPSG:27700", "Input tag 'Blob'"),
    "oversized": ({"type": "Polygon", "coordinates": [[
        [394000 + 100 * math.cos(a / 3000), 806000 + 100 * math.sin(a / 3000)]
        for a in range(20_000)] + [[394100, 806000]]]}, "EPSG:27700",
        "at most 10000 items"),
}


@pytest.mark.parametrize("case", list(BAD_GEOMETRY))
def test_bad_geometry_is_refused_with_the_reason(world: World, case: str) -> None:
    geometry, crs, message = BAD_GEOMETRY[case]
    before, version = world.audit_count(), world.store.data_version
    content = json.dumps({"subject_id": world.subject_id, "geometry": geometry, "crs": crs})
    response = world.client.post(f"{PREFIX}/zones/add", content=content, headers={
        **world.headers("omu_analyst"), "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert message in response.text
    assert "Traceback" not in response.text and "File \"" not in response.text
    assert (world.audit_count(), world.store.data_version) == (before, version)


def test_a_good_zone_is_stored_in_metres_and_read_back(world: World) -> None:
    lonlat = world.store.read("properties").to_crs(4326)
    point = lonlat.loc[lonlat["property_id"] == world.property_id, "geometry"].iloc[0]
    ring = shapely.geometry.mapping(point.buffer(0.0008, quad_segs=4))
    added = world.client.post(f"{PREFIX}/zones/add", headers=world.headers("omu_analyst"),
                              json={"subject_id": world.subject_id, "geometry": ring,
                                    "crs": "EPSG:4326"})
    assert added.status_code == 200, added.text
    zone = added.json()
    assert zone["crs"] == "EPSG:27700" and 4_000 < zone["area_m2"] < 30_000
    shown = world.client.post(f"{PREFIX}/zones/show", headers=world.headers("solo"),
                              json={"subject_id": world.subject_id,
                                    "justification": WHY}).json()
    assert zone["zone_id"] in [f["id"] for f in shown["features"]]
    x, _y = shown["features"][-1]["geometry"]["coordinates"][0][0]
    assert 100_000 < x < 700_000  # British National Grid metres, not degrees


def test_bad_import_changes_nothing_and_is_explained(world: World) -> None:
    before, version = world.audit_count(), world.store.data_version
    for bad, where, problem in [
        ("site_id,category,lon,lat\nS1,school,-2.1,57.15\nS2,casino,-2.1,57.15\n",
         "file 'sites.csv', layer 'sites', row 2, column 'category'", "unknown category"),
        ("site_id,category,lon,lat\nS1,school,57.15,-2.1\n",
         "file 'sites.csv', layer 'sites', row 1, column 'lon'", "coordinates swapped"),
    ]:
        response = world.client.post(f"{PREFIX}/imports", headers=world.headers("admin"),
                                     files=[("files", ("sites.csv", bad.encode(),
                                                       "text/csv"))])
        assert response.status_code == 422, response.text
        problems = response.json()["problems"]
        assert [p["where"] for p in problems] == [where]
        assert problem in problems[0]["problem"]
    assert (world.audit_count(), world.store.data_version) == (before, version)


def test_audit_export_for_auditors(world: World) -> None:
    # the trail this test reads is its own: at least four entries (audited checks), not
    # whatever the tests before it happened to leave
    while world.audit_count() < 4:
        assert call(world, "solo", "check").status_code == 200
    exported = world.client.post(f"{PREFIX}/audit/export", headers=world.headers("auditor"),
                                 json={"justification": WHY, "limit": 3}).json()
    assert exported["verification"]["intact"]
    assert [e["seq"] for e in exported["entries"]] == [1, 2, 3]
    assert exported["more"] is True
    assert {"actor", "role", "organisation", "operation", "record_ids", "justification",
            "at", "hash", "prev_hash"} <= set(exported["entries"][0])
    entry = world.last_entry()
    assert (entry.actor, entry.record_type, entry.record_ids) == ("user.auditor",
                                                                  "audit_log", ["1-3"])


def test_bad_requests_get_safe_answers(world: World) -> None:
    headers = world.headers("omu_analyst")
    unknown = world.client.post(f"{PREFIX}/parameters", headers=headers,
                                json={"property_id": "NOWHERE"})
    assert unknown.status_code == 404
    assert "not found in layer 'properties'" in unknown.json()["detail"]
    extra = world.client.post(f"{PREFIX}/proximity/sites-near", headers=headers,
                              json={"property_id": "X", "radius_m": 300, "sql": "drop"})
    assert extra.status_code == 422 and extra.json()["detail"] == "the request is not valid"
    huge = world.client.post(f"{PREFIX}/proximity/sites-near", headers=headers,
                             json={"property_id": "X", "radius_m": 1e9})
    assert huge.status_code == 422
    assert "Traceback" not in unknown.text + extra.text + huge.text


def test_no_personal_data_in_application_logs(world: World, caplog: pytest.LogCaptureFixture,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Allowed, denied, failed and crashing requests leave roles, endpoints and error
    classes in the logs: never a subject, a property, a case or a justification."""
    case = world.new_case()
    secret = f"{world.subject_id} lives at {world.property_id}"

    def crash(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(secret)

    with caplog.at_level("DEBUG"):
        for role in ("omu_analyst", "rsl_link_officer", "auditor", "other.solo"):
            for endpoint in ("check", "case_show", "zone_show"):
                call(world, role, endpoint)
        world.client.post(f"{PREFIX}/cases/show", headers=world.headers("other.solo"),
                          json={"case_id": case, "justification": WHY})
        monkeypatch.setattr("geo_era.casework.cases.case_document", crash)
        as_served = TestClient(world.client.app, raise_server_exceptions=False)
        crashed = as_served.post(f"{PREFIX}/cases/show", headers=world.headers("omu_analyst"),
                                 json={"case_id": case, "justification": WHY})
    assert crashed.status_code == 500
    assert crashed.json() == {"detail": "internal error; it has been logged"}
    assert crashed.headers["Cache-Control"] == "no-store"
    assert crashed.headers["X-Content-Type-Options"] == "nosniff"
    assert "internal error: RuntimeError" in caplog.text
    assert "denied: role auditor on check" in caplog.text
    for personal in (world.subject_id, world.property_id, case, WHY, secret):
        assert personal not in caplog.text


def own_voids(world: World, landlord: str = LANDLORD) -> list[str]:
    stock = world.store.read_attributes("properties", ["property_id", "landlord", "is_void"])
    mine = stock["is_void"].fillna(False).astype(bool) & (stock["landlord"] == landlord)
    return sorted(stock.loc[mine, "property_id"].astype(str))


def test_landlords_learn_only_that_an_allocation_is_sensitive(world: World) -> None:
    """A void under a restriction, and a subject's home, need a sensitive allocation. A
    Link Officer asks about their own organisation's voids only: told to contact the
    SOLO and nothing more; any other id (a subject's home, another landlord's void, an id
    that does not exist) reads alike. Police see why; a SOLO sees why for their own
    council's voids only (another council's SOLO gets the flag alone)."""
    void, plain = own_voids(world)[:2]
    stock = world.store.read_attributes("properties", ["property_id", "landlord", "is_void"])
    theirs = str(stock.loc[stock["is_void"].fillna(False).astype(bool)
                           & (stock["landlord"] != LANDLORD), "property_id"].iloc[0])
    case = world.new_case()
    restricted = world.client.post(f"{PREFIX}/cases/restrict",
                                   headers=world.headers("omu_analyst"),
                                   json={"case_id": case, "property_id": void,
                                         "restriction": "no household with children"})
    assert restricted.status_code == 200, restricted.text
    body = {"property_ids": [void, world.home, "DT-NOT-THERE", "", theirs, plain],
            "justification": WHY}

    def check(role: str) -> dict[str, Any]:
        response = world.client.post(f"{PREFIX}/voids/allocation-check",
                                     headers=world.headers(role), json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    link = check("rsl_link_officer")
    assert link["voids"] == [
        {"property_id": void, "address": link["voids"][0]["address"],
         "sensitive_allocation": True,
         "flag": "sensitive allocation required — contact the SOLO"},
        {"property_id": plain, "address": link["voids"][1]["address"],
         "sensitive_allocation": False, "flag": None}]
    errors = {e["row"]: e for e in link["row_errors"]}
    assert sorted(errors) == [2, 3, 4, 5]
    assert errors[4]["problem"].startswith("property_id is empty")
    alike = {errors[row]["problem"] for row in (2, 3, 5)}  # home, unknown, another's
    assert alike == {f"not a void of {LANDLORD}'s stock in geo_era: a Link Officer checks "
                     "their own organisation's voids only; check the id, or ask the SOLO"}
    subject_ids = set(world.store.read("subjects")["subject_id"].astype(str))
    link_text = json.dumps(link)
    assert not any(s in link_text for s in subject_ids) and case not in link_text
    assert keys_in(link) & LINK_OFFICER_NEVER_SEES == set()
    assert "housed_subjects" not in link["counts"]
    entry = world.last_entry()
    assert (entry.operation, entry.recipients) == ("disclosure", [LANDLORD])
    police = {v["property_id"]: v for v in check("omu_analyst")["voids"]}
    assert [r["kind"] for r in police[world.home]["sensitive_because"]] == ["recorded_home"]
    assert police[world.home]["sensitive_because"][0]["subject_id"] in subject_ids
    assert [r["kind"] for r in police[void]["sensitive_because"]] == ["restriction"]
    assert "sensitive_because" in check("solo")["voids"][0]
    other = check("other.solo")["voids"][0]
    assert other["sensitive_allocation"] and "sensitive_because" not in other


def test_screening_over_the_api(world: World) -> None:
    """Every void of the store, ranked; a listed id that is wrong is a row error; a
    SOLO of another council may not screen this council's voids."""
    def screen(role: str, **extra: Any) -> dict[str, Any]:
        response = world.client.post(
            f"{PREFIX}/voids/screen", headers=world.headers(role),
            json={"subject_id": world.subject_id, "justification": WHY, **extra})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    everything = screen("omu_analyst")
    voids = world.store.read_attributes("properties", ["property_id", "is_void"])
    # the voids of the layer, with the latest published or let event of each property
    # over it (other tests of this module publish and let voids: NASSO 5.3)
    now = dict(zip(voids["property_id"].astype(str),
                   voids["is_void"].fillna(False).astype(bool), strict=True))
    with session_scope(world.engine) as session:
        for event in session.scalars(select(VoidEvent).order_by(VoidEvent.id)):
            now[event.property_id] = event.status == "available"
    assert everything["counts"]["screened"] == sum(now.values())
    ranks = [v["rank"] for v in everything["voids"] if not v["ruled_out"]]
    assert ranks == list(range(1, len(ranks) + 1))
    assert screen("solo")["counts"]["screened"] == everything["counts"]["screened"]
    listed = screen("omu_analyst", property_ids=[world.property_id, "NOPE"], top=1)
    assert [v["property_id"] for v in listed["voids"]] == [world.property_id]
    assert listed["row_errors"][0]["value"] == "NOPE"
    assert screen("other.solo")["counts"]["screened"] == 0
    outside = screen("other.solo", property_ids=[world.property_id])
    assert outside["voids"] == []
    assert "outside FICTIONAL Other Council" in outside["row_errors"][0]["problem"]
    bad = world.client.post(f"{PREFIX}/voids/screen", headers=world.headers("omu_analyst"),
                            json={"subject_id": "FICTIONAL-S999999", "justification": WHY})
    assert bad.status_code == 404 and "no such subject" in bad.text  # issue 17, finding 2
    assert "rows" not in bad.text and world.last_entry().outcome == "denied"


def test_an_nhs_user_acts_for_the_nhs_over_the_api(world: World) -> None:
    """R3, R28, R47 over HTTP: the NHS liaison officer (signed in with a second factor)
    records the NHS's check and agreement on a case the NHS takes part in; a police item
    is refused with the NHS's valid list, and a case the NHS is not in reads as not
    found (audited)."""
    def post(path: str, body: dict[str, Any]) -> httpx.Response:
        return world.client.post(f"{PREFIX}/cases/{path}",
                                 headers=world.headers("nhs_liaison"), json=body)

    case = world.new_case()
    checked = post("check", {"case_id": case, "kind": "database", "item": "case_management",
                             "outcome": "clear", "justification": WHY})
    assert checked.status_code == 200, checked.text
    assert [(c["agency"], c["item"], c["recorded_by"]) for c in checked.json()["checks"]] \
        == [("nhs", "case_management", "user.nhs_liaison")]
    agreed = post("agree", {"case_id": case, "agrees": True, "justification": WHY}).json()
    nhs = next(a for a in agreed["agencies"] if a["agency"] == "nhs")
    assert (nhs["agrees"], nhs["added_because"]) == (True, "named when the case was opened "
                                                           "(NASSO 3.6)")
    police = post("check", {"case_id": case, "kind": "database", "item": "visor",
                            "outcome": "clear"})
    assert police.status_code == 422
    assert "'visor' is not a database check of nhs; use one of case_management" in \
        police.text
    elsewhere = world.new_case(agencies=["cjsw"])
    before = world.audit_count()
    hidden = post("show", {"case_id": elsewhere, "justification": WHY})
    assert hidden.status_code == 404 and world.subject_id not in hidden.text
    assert world.audit_count() == before + 1 and world.last_entry().outcome == "denied"


def test_childrens_social_work_reads_its_disclosures_without_the_subject(world: World
                                                                         ) -> None:
    """R100 (NASSO 71): Children & Families social work records a child-protection
    disclosure decision and reads it back over the API, with no subject or case in
    either answer; the police read the same decision with its subject; social work is
    refused any other decision with the reason (409)."""
    body = call_for(world, "disclosure_decide", "childrens_social_work")[2]["json"]
    recorded = world.client.post(f"{PREFIX}/disclosures/decide",
                                 headers=world.headers("childrens_social_work"), json=body)
    assert recorded.status_code == 200, recorded.text
    listed = world.client.post(f"{PREFIX}/disclosures/list",
                               headers=world.headers("childrens_social_work"),
                               json={"justification": WHY})
    for answer in (recorded, listed):
        assert {"subject_id", "case_id"} & keys_in(answer.json()) == set()
        assert world.subject_id not in answer.text
    assert "applications" not in listed.json()
    reference = recorded.json()["reference"]
    police = world.client.post(f"{PREFIX}/disclosures/list",
                               headers=world.headers("omu_analyst"),
                               json={"justification": WHY}).json()
    assert {d["reference"]: d["subject_id"] for d in police["decisions"]}[reference] == \
        world.subject_id
    refused = world.client.post(f"{PREFIX}/disclosures/decide",
                                headers=world.headers("cjsw"),
                                json={**body, "child_protection": False})
    assert refused.status_code == 409
    assert "only in a case of child protection (NASSO 71)" in refused.json()["detail"]
def test_a_link_officers_transfer_record_names_no_subject(world: World) -> None:
    """R118 (Dorset s19) over the API: a Link Officer records a neighbouring tenant's
    application about their own tenancy (another landlord's reads as not found, audited
    as denied); the SOLO links it to the subject and grants it on a specific-risk limb
    with reasons; the Link Officer's list then holds the decision and nothing of the
    subject or the reasons (absent from the JSON), while the SOLO's holds them."""
    body = _transfer_by(world, "rsl_link_officer")
    props = world.store.read_attributes("properties", ["property_id", "landlord"])
    other = str(props.loc[props["landlord"] != LANDLORD, "property_id"].iloc[0])
    before = world.audit_count()
    theirs = world.client.post(f"{PREFIX}/transfers/request",
                               headers=world.headers("rsl_link_officer"),
                               json={**body, "property_id": other})
    assert theirs.status_code == 404 and world.audit_count() == before + 1
    assert world.last_entry().outcome == "denied"
    missing = world.client.post(f"{PREFIX}/transfers/request",
                                headers=world.headers("rsl_link_officer"),
                                json={**body, "property_id": "DT-NOT-THERE"})
    assert missing.status_code == 404 and world.audit_count() == before + 2
    assert missing.json()["detail"] == theirs.json()["detail"].replace(other,
                                                                       "DT-NOT-THERE")
    named = world.client.post(f"{PREFIX}/transfers/request",
                              headers=world.headers("rsl_link_officer"),
                              json={**body, "subject_id": world.subject_id})
    assert named.status_code == 409 and "names no subject" in named.text
    made = world.client.post(f"{PREFIX}/transfers/request",
                             headers=world.headers("rsl_link_officer"), json=body)
    assert made.status_code == 200, made.text
    reference = made.json()["reference"]
    assert made.json()["view"] == "own_record"
    reasons = "FICTIONAL: a previous victim of the subject, confirmed by the OMU"
    decided = world.client.post(f"{PREFIX}/transfers/decide", headers=world.headers("solo"),
                                json={"reference": reference, "decision": "granted",
                                      "subject_id": world.subject_id,
                                      "specific_risk": "previous_victim",
                                      "reasons": reasons})
    assert decided.status_code == 200, decided.text
    assert (decided.json()["specific_risk"], decided.json()["subject_id"]) == (
        "previous_victim", world.subject_id)
    mine = world.client.post(f"{PREFIX}/transfers/list",
                             headers=world.headers("rsl_link_officer"), json={}).json()
    record = next(t for t in mine if t["reference"] == reference)
    assert record["decision"] == "granted"
    assert {"subject_id", "grounds", "decision_reasons", "specific_risk",
            "shared"}.isdisjoint(record)
    listed = json.dumps(mine)
    assert world.subject_id not in listed and "previous victim" not in listed
    solo = world.client.post(f"{PREFIX}/transfers/list", headers=world.headers("solo"),
                             json={"justification": WHY}).json()
    full = next(t for t in solo if t["reference"] == reference)
    assert (full["subject_id"], full["decision_reasons"]) == (world.subject_id, reasons)
    # another council's SOLO: the transfer reads as not there, audited as denied
    before = world.audit_count()
    again = world.client.post(f"{PREFIX}/transfers/decide",
                              headers=world.headers("other.solo"),
                              json={"reference": reference, "decision": "refused",
                                    "reasons": "FICTIONAL: not ours to decide"})
    assert again.status_code == 404 and world.audit_count() == before + 1
    assert world.last_entry().outcome == "denied"
