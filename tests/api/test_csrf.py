"""Safe forms (issue 19, item 5): every page form that changes or reads records is a
POST carrying a token bound to the browser's session, sent from geo_era's own origin.
Each form is posted without its token, with another session's token, and from another
origin: refused (403, in plain words, never a 500), and nothing changes (no audit entry,
no session made or ended); with its token from the same origin it works (R-numbers:
the audit of every consultation, R83-R86, and need to know rest on it)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from geo_era_api import forms
from geo_era_api.app import create_app
from sqlalchemy import Engine, func, select

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store, session_scope
from geo_era.safeguarding.enquiries import Raised, record_enquiry
from geo_era.security.audit import Actor, AuditEntry
from geo_era.security.sessions import SignInSession
from geo_era.security.users import add_user
from geo_era.settings import Settings
from geo_era.workspace import Workspace
from tests.conftest import (
    enrol_totp,
    form_token,
    import_demo,
    iso_today,
    officer,
    sign_in_pages,
    totp_code,
)

PASSWORD = "a long fictional passphrase"
PURPOSE = "ERA for new accommodation, MAPPA meeting"
OWN = "http://testserver"
#: A housing association of the demo town, whose Link Officer tells the SOLO (5.3).
LANDLORD = "Rowanlea Housing Association"
OTHER = "https://attacker.example"


@dataclass
class Site:
    app: Any
    engine: Engine
    home: Path
    subject: str
    authority: str
    case_id: str
    candidate: str


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("csrf") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    for username, role, org in (("omu", "omu_analyst", "FICTIONAL Police OMU"),
                                ("other", "omu_analyst", "FICTIONAL Police OMU"),
                                ("fresh", "omu_analyst", "FICTIONAL Police OMU"),
                                ("mappa", "mappa_coordinator", "FICTIONAL MAPPA Unit"),
                                ("solo", "solo", council),
                                ("link", "rsl_link_officer", LANDLORD),
                                ("ctr", "contractor", "FICTIONAL Allan Repairs Ltd")):
        add_user(engine, username, role=role, organisation=org, password=PASSWORD)
    app = create_app(Settings(home=home, login_attempts=50), engine=engine)
    subject = str(store.read("subjects")["subject_id"].iloc[0])
    props = store.read_attributes("properties", ["property_id", "is_void"])
    void = str(props.loc[props["is_void"].fillna(False).astype(bool), "property_id"].iloc[0])
    case = open_assessed_case(store, engine, subject_id=subject, property_ids=[void],
                              case_type="initial_new", notified=clock.today(),
                              assess_now=True, actor=officer())
    yield Site(app, engine, home, subject, council, str(case["case_id"]), void)
    engine.dispose()


def signed_in(site: Site, username: str) -> TestClient:
    client = TestClient(site.app, raise_server_exceptions=False)
    sign_in_pages(client, site.engine, username, PASSWORD,
                  enrol_totp(site.engine, site.home, username), purpose=PURPOSE)
    return client


def counts(engine: Engine) -> tuple[int, int]:
    """Audit entries and sessions in the store: what a refused form must not change."""
    with session_scope(engine) as session:
        return (session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
                session.scalar(select(func.count()).select_from(SignInSession)) or 0)


def refused(answer: Any) -> None:
    """A refusal in plain words: 403, the page says nothing was changed, no traceback."""
    assert answer.status_code == 403, answer.text
    assert "Form not accepted" in answer.text and "Nothing was changed" in answer.text
    assert "Traceback" not in answer.text and "csrf_token" not in answer.text.split(
        "</header>")[-1]


def attempts(client: TestClient, path: str, data: dict[str, str],
             files: dict[str, Any] | None, thief: TestClient) -> Iterator[Any]:
    """The forged posts of one form: no token; another session's token; the right
    token from another origin (Origin; Referer only; the opaque origin ``null``)."""
    yield client.post(path, data=data, files=files, follow_redirects=False)
    yield client.post(path, data={**data, **form_token(thief)}, files=files,
                      follow_redirects=False)
    good = {**data, **form_token(client)}
    yield client.post(path, data=good, files=files, headers={"Origin": OTHER},
                      follow_redirects=False)
    yield client.post(path, data=good, files=files, follow_redirects=False,
                      headers={"Referer": f"{OTHER}/cases"})
    yield client.post(path, data=good, files=files, headers={"Origin": "null"},
                      follow_redirects=False)


def test_every_page_form_of_a_session_needs_its_token_and_origin(site: Site) -> None:
    """Each signed-in form (a case, its PDF and field sheet, an agency's checklist,
    agreement and physical check, re-assessing, extending and changing a set, the decision
    forms and what follows them on the case page, the confirmation of Part C and Part D,
    void screening, sensitive allocations, the report and its PDF, opening a case, the
    review triggers, a review's waiver, an enquiry's forms, a landlord's notification and
    the SOLO's reading, link and review of it, the homelessness and transfer forms,
    sign-out): forged, refused with nothing audited and the session kept; with its token,
    from geo_era, it works."""
    omu, thief, solo = signed_in(site, "omu"), signed_in(site, "other"), signed_in(site, "solo")
    link = signed_in(site, "link")
    layers = LayerStore(site.home)
    props = layers.read_attributes("properties", ["property_id", "landlord"])
    their_home = str(props.loc[props["landlord"] == LANDLORD, "property_id"].iloc[0])
    subjects = layers.read_attributes("subjects", ["subject_id", "current_property_id"])
    housed = str(subjects.loc[subjects["current_property_id"].notna(), "subject_id"].iloc[0])
    case = site.case_id
    assert f'value="{case}"' in omu.get("/cases").text
    voids = ("voids.csv", b"property_id\nnot-a-property\n", "text/csv")
    shown = {"case_id": case, "property_id": site.candidate}
    sheet = omu.post("/case/physical", data={**shown, **form_token(omu)}).text
    dwelling = re.findall(r'name="dwelling_id-0" value="([^"]+)"', sheet)[0]
    on_case = {"case_id": case, "property_id": site.candidate}
    decision = {"manageable": "yes", "conclusion": "FICTIONAL", "reasons": "FICTIONAL"}
    enquiry = record_enquiry(LayerStore(site.home), site.engine, Raised(
        kind="concern", channel="phone", raised_by="tenant", received_on=clock.today(),
        summary="FICTIONAL: a tenant's concern", property_id=site.candidate),
        actor=Actor("solo", "solo", site.authority, scope=site.authority))["enquiry_id"]
    today = iso_today()
    conflicted = bool(Workspace(LayerStore(site.home)).check(site.subject,
                                                            site.candidate).conflicts)
    page_forms: list[tuple[TestClient, str, dict[str, str], dict[str, Any] | None, int]] = [
        (omu, "/case", {"case_id": case}, None, 200),
        (omu, "/case/document", {"case_id": case}, None, 200),
        (omu, "/case/document", {"case_id": case, "field_sheet": site.candidate}, None, 200),
        (omu, "/case/checklist", {**shown, "outcome-visor": "clear", "notes-visor": ""},
         None, 200),
        (omu, "/case/agreement", {**shown, "agrees": "agree", "comments": ""}, None, 200),
        (omu, "/case/physical", shown, None, 200),
        (omu, "/case/physical/save", {**shown, "seen_on": iso_today(),
                                      "outcome-cctv": "clear", "notes-cctv": ""}, None, 200),
        (omu, "/case/assess", shown, None, 200),
        (omu, "/case/extend-set", {**shown, "metres": "30", "reason": "FICTIONAL risk"},
         None, 200),
        (omu, "/case/member", {**shown, "dwelling_id": dwelling, "change": "remove",
                               "reason": "FICTIONAL: a wall between"}, None, 200),
        (omu, "/voids", {"subject_id": site.subject, "top": "3"}, None, 200),
        (omu, "/allocations", {}, {"void_list": voids}, 200),
        (solo, "/reports", {"authority": site.authority, "year": "2026"}, None, 200),
        (solo, "/reports/pdf", {"authority": site.authority, "year": "2026"}, None, 200),
        (solo, "/reports/gpkg", {"authority": site.authority, "year": "2026"}, None, 200),
        (omu, "/cases/new", {"subject_id": site.subject, "property_text": site.candidate,
                             "case_type": "initial_new",
                             "notified": iso_today()}, None, 200),
        (omu, "/reviews/triggers", {"radius_m": "400"}, None, 200),
        # the decision forms of the case page (each refused by the core here, or
        # recorded): a refusal shows the case page again, its reading audited
        (omu, "/case/respond", {**on_case, "to": "visor", "response": "FICTIONAL"}, None,
         422),
        (omu, "/case/part-c", {**on_case, **decision, "step": "confirmed"}, None, 422),
        (omu, "/case/part-c", {**on_case, **decision, "step": "back"}, None, 200),
        (omu, "/case/part-d", {**on_case, **decision, "conference_on": "2026-12-01",
                               "step": "confirmed"}, None, 422),
        (solo, "/case/consent", {**on_case, "confirm": "yes"}, None, 422),
        (solo, "/case/out-of-area", {**on_case, "ground": "other", "details": "x"}, None,
         422),
        (solo, "/case/plan", {**on_case, "plan": "FICTIONAL"}, None, 422),
        (solo, "/case/discussion", {**on_case, "held_on": "2026-12-01",
                                    "participants": "a", "agreed": "b"}, None, 422),
        (omu, "/case/restrict", {**on_case, "neighbour": site.candidate,
                                 "restriction": "FICTIONAL"}, None, 200),
        (omu, "/case/move-in", {**on_case, "moved_in_on": "2026-12-01"}, None, 422),
        (omu, "/case/held", {**on_case, "system": "FICTIONAL", "reference": "R1"}, None,
         200),
        # the ViSOR extract (3.3): refused here, the case not decided (the page again)
        (omu, "/case/visor-extract", {**on_case, "justification": "FICTIONAL: to ViSOR",
                                      "format": "text"}, None, 422),
        (omu, "/case/extend", {**on_case, "working_days": "1",
                               "reason": "FICTIONAL: records awaited"}, None, 200),
        # enquiries and concerns (NASSO 5.4): recorded, opened, confirmed, linked, closed
        (solo, "/enquiries/new", {"kind": "concern", "channel": "phone",
                                  "raised_by": "tenant", "property_id": site.candidate,
                                  "summary": "FICTIONAL: a tenant's concern"}, None, 200),
        (omu, "/enquiry", {"enquiry_id": enquiry}, None, 200),
        (solo, "/enquiry/confirm", {"enquiry_id": enquiry}, None, 200),
        (omu, "/enquiry/link", {"enquiry_id": enquiry, "subject_id": site.subject}, None,
         200),
        (omu, "/enquiry/outcome", {"enquiry_id": enquiry, "outcome": "investigated"},
         None, 200),
        # child protection links (Dorset §4, §13, §17): a referral, then its outcome; the
        # initial checks are Children & Families' (the police are refused, audited); a
        # notice to Education
        (omu, "/child-protection/referral", {
            "subject_id": site.subject, "authority": site.authority,
            "referred_on": iso_today(),
            "reason": "FICTIONAL: a risk to a named child"}, None, 200),
        (omu, "/child-protection/outcome", {
            "reference": "CPL-000001", "outcome": "ird",
            "outcome_on": iso_today(), "om_attended": "yes"}, None, 200),
        (omu, "/child-protection/checks", {
            "subject_id": site.subject, "notified_on": iso_today(),
            "checked_on": iso_today(), "database_checked": "yes",
            "findings": "FICTIONAL: nobody known", "concerns": "no"}, None, 403),
        (omu, "/child-protection/notice", {
            "case_id": case, "ground": "lives_near_school", "school": "FICTIONAL Primary",
            "contact": "FICTIONAL Education lead",
            "notified_on": iso_today(),
            "said": "FICTIONAL: lives by the school gates"}, None, 200),
        # disclosure decisions and Keeping Children Safe applications (issue 20)
        (omu, "/disclosures/decide", {
            "subject_id": site.subject, "council": site.authority,
            "recipient_type": "school", "recipient": "FICTIONAL school",
            "disclose": "yes", "content": "FICTIONAL", "advice": "FICTIONAL advice",
            "discloser": "FICTIONAL DS Grant", "child_protection": "no"}, None, 200),
        (omu, "/disclosures/made", {"reference": "DIS-000001",
                                    "made_on": iso_today()}, None, 200),
        (omu, "/disclosures/kcs", {"received_on": iso_today(),
                                   "online": "yes", "relationship": "parent",
                                   "council": site.authority}, None, 200),
        (omu, "/disclosures/kcs/outcome", {
            "reference": "KCS-000001", "outcome": "no_disclosure",
            "outcome_on": iso_today()}, None, 200),
        # a landlord's notification to the SOLO (5.3): sent, read, linked, reviewed
        (link, "/notices/new", {"property_id": their_home, "kind": "possession",
                                "occurred_on": iso_today(),
                                "details": "FICTIONAL: proceedings for possession",
                                "landlord_reference": "RHA/T/1"}, None, 200),
        (omu, "/notice", {"reference": "LN-000001"}, None, 200),
        (omu, "/notices/link", {"reference": "LN-000001", "subject_id": housed,
                                "note": ""}, None, 200),
        (omu, "/notices/review", {"reference": "LN-000001"}, None, 200),
        # staff-safety markers (69-70): recorded, reviewed, and read by a contractor
        (omu, "/markers/new", {"property_id": site.candidate, "instructions": "office_only",
                               "review_on": iso_today(),
                               "expires_on": (clock.today() + dt.timedelta(days=30)
                                              ).isoformat()}, None, 200),
        (omu, "/markers/review", {"marker_id": "SSM-000001",
                                  "review_on": iso_today()}, None, 200),
        (signed_in(site, "ctr"), "/safety", {"property_id": site.candidate}, None, 200),
        # homelessness, temporary accommodation, advice and transfers (issue 20, item 6)
        (solo, "/homeless/present", {
            "subject_id": site.subject, "presented_on": today,
            "duty": "inquiries_pending", "local_connection": "none",
            "reasons": "FICTIONAL: released with no home"},
         None, 200),
        (solo, "/homeless/place", {"presentation": "HLP-000001",
                                   "property_id": site.candidate, "starts_on": today},
         None, 409 if conflicted else 200),
        (solo, "/homeless/advise", {"subject_id": site.subject, "given_on": today,
                                    "options": "social_rented",
                                    "advice": "FICTIONAL: apply to the list"}, None, 200),
        (solo, "/homeless/show", {"subject_id": site.subject}, None, 200),
        (solo, "/transfers/request", {
            "kind": "tenant", "subject_id": site.subject, "requested_on": today,
            "at_risk_after_disclosure": "yes",
            "grounds": "FICTIONAL: threats after a disclosure"}, None, 200),
        (solo, "/transfers/decide", {"reference": "TRF-000001", "decision": "refused",
                                     "reasons": "FICTIONAL: managed in place"}, None, 200),
    ]
    for client, path, data, files, expected in page_forms:
        before = counts(site.engine)
        for answer in attempts(client, path, data, files, thief):
            refused(answer)
        assert counts(site.engine) == before, f"a refused {path} changed the store"
        done = client.post(path, data={**data, **form_token(client)}, files=files,
                           headers={"Origin": OWN, "Referer": f"{OWN}/cases"})
        assert done.status_code == expected, (path, done.text[:500])
        assert counts(site.engine)[0] > before[0], f"{path} with its token was not audited"
    # the waiver of a review (the MAPPA coordinator's): forged, nothing recorded; with
    # its token and confirmed, recorded (R12)
    mappa = signed_in(site, "mappa")
    waiver = {"subject_id": site.subject, "confirmed": "yes",
              "reasons": "moved to a care home with 24-hour staff, FICTIONAL"}
    before = counts(site.engine)
    for answer in attempts(mappa, "/reviews/waive", waiver, None, thief):
        refused(answer)
    assert counts(site.engine) == before, "a refused waiver changed the store"
    done = mappa.post("/reviews/waive", data={**waiver, **form_token(mappa)},
                      headers={"Origin": OWN})
    assert done.status_code == 200 and "recorded" in done.text, done.text[:500]
    assert counts(site.engine)[0] == before[0] + 1
    # the confirmation of Part C and Part D: forged, refused; with its token it is shown,
    # and (reading and recording nothing) changes nothing either way
    for path in ("/case/part-c", "/case/part-d"):
        before = counts(site.engine)
        for answer in attempts(omu, path, {**on_case, **decision}, None, thief):
            refused(answer)
        shown = omu.post(path, data={**on_case, **decision, **form_token(omu)})
        assert shown.status_code == 200 and "Confirm and record" in shown.text
        assert counts(site.engine) == before
    # sign-out: forged, the session goes on; with the token it ends
    before = counts(site.engine)
    for answer in attempts(omu, "/logout", {}, None, thief):
        refused(answer)
    assert counts(site.engine) == before
    assert omu.get("/cases", follow_redirects=False).status_code == 200
    out = omu.post("/logout", data=form_token(omu), follow_redirects=False)
    assert out.status_code == 303 and counts(site.engine)[1] == before[1] - 1
    assert omu.get("/cases", follow_redirects=False).headers["location"] == "/login"


def test_the_sign_in_forms_need_a_pre_session_token(site: Site) -> None:
    """The password, second-factor and enrolment steps and single sign-on's start, each
    forged: no session is made or moved on, no sign-in is audited; with the token of
    this browser (its pre-session cookie, then its part-way session) they work. A token
    of another browser is refused."""
    browser = TestClient(site.app, raise_server_exceptions=False)
    other = TestClient(site.app, raise_server_exceptions=False)
    secret = enrol_totp(site.engine, site.home, "omu")
    password = {"username": "omu", "password": PASSWORD, "purpose": PURPOSE}
    before = counts(site.engine)
    for answer in attempts(browser, "/login", password, None, other):
        refused(answer)
        assert "geo_era_session" not in answer.cookies
    refused(browser.post("/login/oidc", data={"purpose": PURPOSE}, follow_redirects=False))
    assert counts(site.engine) == before
    first = browser.post("/login", data={**password, **form_token(browser)},
                         follow_redirects=False)
    assert first.headers["location"] == "/login/code"
    pending = counts(site.engine)
    assert pending[1] == before[1] + 1
    code = {"code": totp_code(site.engine, "omu", secret)}
    for answer in attempts(browser, "/login/code", code, None, other):
        refused(answer)
    assert counts(site.engine) == pending  # the code is not used up, no session made
    done = browser.post("/login/code", data={**code, **form_token(browser)},
                        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/", done.text
    # enrolment (a user with no second factor yet)
    fresh = TestClient(site.app, raise_server_exceptions=False)
    step = fresh.post("/login", data={"username": "fresh", "password": PASSWORD,
                                      **form_token(fresh)}, follow_redirects=False)
    assert step.headers["location"] == "/login/enrol"
    assert fresh.get("/login/enrol").status_code == 200
    now = counts(site.engine)
    for answer in attempts(fresh, "/login/enrol", {"code": "000000"}, None, other):
        refused(answer)
    assert counts(site.engine) == now
    wrong = fresh.post("/login/enrol", data={"code": "000000", **form_token(fresh)})
    assert wrong.status_code == 401  # reached the check: the code was wrong
    started = other.post("/login/oidc", data={"purpose": PURPOSE, **form_token(other)},
                         follow_redirects=False)
    assert started.status_code != 403  # no provider configured: refused by sign-on itself


def _calls(dependant: Any) -> set[Any]:
    found = {dependant.call}
    for child in dependant.dependencies:
        found |= _calls(child)
    return found


def _routes(app: Any) -> Iterator[tuple[str, APIRoute, set[Any]]]:
    """Each route of ``app``: its full path, the route, the dependencies it runs (its
    router's too)."""
    for entry in app.routes:
        router = getattr(entry, "original_router", None)  # an included router
        if router is None:
            if isinstance(entry, APIRoute):
                yield entry.path, entry, _calls(entry.dependant)
            continue
        prefix = getattr(getattr(entry, "include_context", None), "prefix", "") or ""
        shared = {d.dependency for d in router.dependencies}
        for route in router.routes:
            if isinstance(route, APIRoute):
                yield prefix + route.path, route, _calls(route.dependant) | shared


def test_page_routes_check_forms_and_take_no_query(site: Site) -> None:
    """Every POST route outside the API (pages, single sign-on, and any page module
    added later) depends on :func:`forms.check_form`; and no page route reads query
    parameters (nothing sensitive, such as a subject id or a justification, in a URL)."""
    pages = [(path, r, calls) for path, r, calls in _routes(site.app)
             if not path.startswith("/api/")]
    posts = [(path, calls) for path, r, calls in pages if "POST" in r.methods]
    assert {path for path, _ in posts} >= {
        "/login", "/login/code", "/login/enrol", "/logout", "/case", "/case/document",
        "/case/checklist", "/case/agreement", "/case/physical", "/case/physical/save",
        "/case/assess", "/case/extend-set", "/case/member",
        "/voids", "/allocations", "/reports", "/reports/pdf", "/reports/gpkg",
        "/login/oidc", "/cases/new",
        "/reports/performance", "/reports/performance/pdf",
        "/reviews/waive", "/reviews/triggers",
        "/case/respond", "/case/part-c", "/case/part-d", "/case/consent", "/case/out-of-area",
        "/case/plan", "/case/discussion", "/case/restrict", "/case/move-in", "/case/held",
        "/case/visor-extract",
        "/case/extend", "/child-protection/referral", "/child-protection/outcome",
        "/child-protection/checks", "/child-protection/notice", "/disclosures/decide",
        "/disclosures/made", "/disclosures/kcs", "/disclosures/kcs/outcome",
        "/markers/new", "/markers/review", "/safety", "/live-voids/publish",
        "/live-voids/let"}
    assert [path for path, calls in posts if forms.check_form not in calls] == []
    assert [(path, [q.name for q in r.dependant.query_params]) for path, r, _ in pages
            if r.dependant.query_params] == []
