"""Whole ERA cases driven through the pages only, in Debian's Chromium against a real
``geo-era serve`` on 127.0.0.1 (issue 19's "Done when"): notification to move-in with
Part C, the Part D path where an agency disagrees, and one case by keyboard alone.

Each user signs in with a password, a second factor and the purpose of the session;
every request each page makes is recorded and any to another host than 127.0.0.1 is
aborted and fails the test. The audit entries each test adds are compared with a list
written by hand from the steps taken (one entry per case read, one per step recorded).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, func, select

from geo_era import clock
from geo_era.casework.cases import database_checklist
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store, session_scope
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user
from tests.api.test_browser import chromium
from tests.conftest import enrol_totp, import_demo, iso_today, served, totp_code

PASSWORD = "a long fictional passphrase"
PURPOSE = "ERA for new accommodation, MAPPA meeting"
#: The subject: FICTIONAL, on a licence (so Criminal Justice Social Work leads and
#: records Part C) and with no children in the victim profile (so no Children &
#: Families or Education take part).
SUBJECT = "FICTIONAL-S000005"
#: The users (username -> role, organisation; ``None`` is the candidates' council).
USERS: dict[str, tuple[str, str | None]] = {
    "omu": ("omu_analyst", "FICTIONAL Police OMU"),
    "solo": ("solo", None),
    "cjsw": ("cjsw", None),
    "nhs": ("nhs_liaison", "FICTIONAL NHS Inverallan"),
}
#: The agency each user records for (NASSO 3.6).
AGENCY = {"omu": "police_scotland", "solo": "solo", "cjsw": "cjsw", "nhs": "nhs"}
#: Candidates of the demo town (scale 1, seed 0): void properties of one council outside
#: the subject's exclusion zone, each with a minimum set of a few dwellings; the test
#: asserts that the case page shows them as such.
APPROVED, OTHER, THIRD = "DT-0000064", "DT-0000227", "DT-0000281"
CONCERN = "FICTIONAL: a health-service contact lives two streets away"
RESPONSE = "FICTIONAL: contact moved out of the area; confirmed with NHS on a call"


@dataclass
class Site:
    """The served demo town: its pages' base URL, engine, the users' TOTP secrets and
    each property's address."""

    base: str
    engine: Engine
    secrets: dict[str, str]
    addresses: dict[str, str]
    council: str
    requests: list[str] = field(default_factory=list)

    def audit_count(self) -> int:
        with session_scope(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    def audit(self, since: int) -> list[tuple[str, str, str, str]]:
        """(actor, operation, record_type, outcome) of the entries after the
        ``since``-th, oldest first."""
        with session_scope(self.engine) as session:
            rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)
                                   .offset(since)).all()
            return [(r.actor, r.operation, r.record_type, r.outcome) for r in rows]

    def purposes(self, since: int) -> set[str | None]:
        """The justifications of the case and subject entries after the ``since``-th."""
        with session_scope(self.engine) as session:
            return set(session.scalars(
                select(AuditEntry.justification).where(
                    AuditEntry.seq > since, AuditEntry.record_type.in_(("case", "subject")))))


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("whole-case") / "home"
    store: LayerStore = import_demo(demo_files, home)
    engine = open_store(home)
    props = store.read_attributes("properties", ["property_id", "address"])
    addresses = dict(zip(props["property_id"].astype(str), props["address"].astype(str),
                         strict=True))
    council = "Inverallan Council"
    for name, (role, organisation) in USERS.items():
        add_user(engine, name, role=role, organisation=organisation or council,
                 password=PASSWORD)
    secrets = {name: enrol_totp(engine, home, name) for name in USERS}
    with served(home) as api:
        yield Site(api.removesuffix("/api/v1"), engine, secrets, addresses, council)
    engine.dispose()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        yield launched
        launched.close()


def new_page(browser: Any, site: Site) -> Any:
    """A page in a context of its own whose every request is recorded in
    ``site.requests``; one to any host but 127.0.0.1 is aborted (and recorded)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def only_local(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    context.route(re.compile(r"^https?://"), only_local)
    page = context.new_page()
    page.on("request", lambda r: site.requests.append(r.url))
    page.set_default_timeout(20_000)
    return page


def sign_in(browser: Any, site: Site, user: str) -> Any:
    """``user`` signed in (password, purpose, second factor) on the start page."""
    page = new_page(browser, site)
    page.goto(f"{site.base}/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Purpose of this session").fill(PURPOSE)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/code")
    page.get_by_label("Code").fill(totp_code(site.engine, user, site.secrets[user]))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Your work").wait_for()
    return page


def local_only(site: Site) -> None:
    """No request of any page left 127.0.0.1."""
    others = {u for u in site.requests
              if not u.startswith(("data:", "about:", "blob:"))
              and urlsplit(u).hostname != "127.0.0.1"}
    assert not others, sorted(others)


def choose(page: Any, radio_id: str) -> None:
    """Choose a radio button by its label (the design system's input sits under it)."""
    page.locator(f"label[for='{radio_id}']").click()


def pick(page: Any, typed: str, property_id: str) -> None:
    """Type ``typed`` into the open-case form's type-ahead and click the match that is
    ``property_id``."""
    box = page.get_by_role("combobox", name="Find a candidate by address")
    box.fill("")
    box.press_sequentially(typed, delay=15)
    option = page.get_by_role("listbox", name="Matching properties").locator(
        f"[role=option][data-property-id='{property_id}']")
    option.wait_for()
    option.click()


def open_case(page: Any, site: Site, candidates: list[str], *, agency: str = "NHS"
              ) -> str:
    """The analyst opens a case for :data:`SUBJECT` from the start page: each candidate
    typed and picked by its street address, ``agency`` ticked; its reference."""
    page.get_by_role("link", name="Open a case").first.click()
    page.get_by_role("heading", name="Open an ERA case").wait_for()
    page.get_by_label("Subject id").fill(SUBJECT)
    for pid in candidates:
        pick(page, site.addresses[pid].rsplit(",", 1)[0], pid)
    page.locator("label.ds_checkbox__label", has_text=agency).click()
    page.get_by_role("button", name="Open the case").click()
    notice = page.locator("#notice")
    notice.wait_for(timeout=60_000)
    found = re.search(r"Case (ERA-\d+) opened", notice.inner_text())
    assert found is not None
    return found.group(1)


def to_case(page: Any, site: Site, case_id: str, *, find: bool = False) -> None:
    """The case page from the list of open cases, or (``find``: a case decided is no
    longer an open one) by its reference on the find page."""
    if find:
        page.goto(f"{site.base}/find")
        page.get_by_label("Case reference").fill(case_id)
        page.get_by_role("button", name="Open the case").click()
    else:
        page.goto(f"{site.base}/cases")
        page.get_by_role("button", name=f"Open {case_id}").click()
    page.get_by_role("heading", name="Part C — Approval").wait_for()


def checklist(page: Any, agency: str, council: str, concern: str | None = None) -> None:
    """Record the agency's whole 3.7 checklist: every item clear, the first a concern
    with notes when ``concern`` is given."""
    items = database_checklist(agency, council, None)
    for n, item in enumerate(items):
        if n == 0 and concern:
            choose(page, f"checklist-outcome-{item}-2")
            page.locator(f"#checklist-notes-{item}").fill(concern)
        else:
            choose(page, f"checklist-outcome-{item}")
    page.get_by_role("button", name="Save the database checks").click()
    page.get_by_text("Your agency's database checks were recorded.").wait_for()


def agree(page: Any, agrees: bool = True, comments: str = "") -> None:
    choose(page, "agreement-agrees" if agrees else "agreement-agrees-2")
    if comments:
        page.locator("#agreement-comments").fill(comments)
    page.locator("#agreement-submit").click()
    page.get_by_text("Your agency's agreement was recorded.").wait_for()


def focused(page: Any, element_id: str) -> None:
    """Wait until the element ``element_id`` has the focus (fails after the timeout)."""
    page.wait_for_function("id => document.activeElement && document.activeElement.id "
                           "=== id", arg=element_id, timeout=10_000)


def pdf_text(path: str) -> str:
    """The text of every page of a PDF (pdfium), whitespace runs made one space."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(path)
    try:
        text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    # pdfium marks a hyphen where a line may break as U+FFFE
    return re.sub(r"\s+", " ", text.replace("\ufffe", "-"))


def download_era(page: Any) -> str:
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the ERA document (PDF)").click()
    path = str(download.value.path())
    assert Path(path).read_bytes().startswith(b"%PDF")
    return pdf_text(path)


# one entry of the audit trail: (actor, operation, record type, outcome)
def read(user: str) -> tuple[str, str, str, str]:
    """A case read by ``user`` (the case page, the physical check page, the PDF)."""
    return (user, "consultation", "case", "allowed")


def wrote(user: str, operation: str = "alteration") -> tuple[str, str, str, str]:
    """A step ``user`` recorded on a case."""
    return (user, operation, "case", "allowed")


def signed_in(user: str) -> list[tuple[str, str, str, str]]:
    """Signing in: the second factor read to check the code, then the start page's
    reads: the case list (one consultation of the cases listed) and, for the roles that
    may see them, the subjects due a review (the OMU analyst here), the open media
    incidents (5.4), the notifications from landlords (5.3) and the caller's staff-safety
    markers due a review (69-70) (the Responsible Authorities), and the council's live
    voids flagged for a sensitive allocation (the SOLO; 5.3, 3.12): one consultation
    each."""
    authorities = user in ("omu", "solo", "cjsw")
    return [(user, "consultation", "second_factor", "allowed"), read(user),
            *([(user, "consultation", "subject", "allowed")] if user == "omu" else []),
            *([(user, "consultation", kind, "allowed") for kind in (
                "enquiry", "landlord_notification", "staff_safety_marker")]
              if authorities else []),
            *([(user, "consultation", "live_voids", "allowed")] if user == "solo" else [])]


def listed_and_read(user: str) -> list[tuple[str, str, str, str]]:
    """The list of open cases (one consultation), then the case page (one more)."""
    return [read(user), read(user)]


def forms_of(page: Any) -> dict[str, int]:
    """How many of each casework form the case page shows."""
    buttons = {
        "checklist": page.get_by_role("button", name="Save the database checks"),
        "agreement": page.locator("#agreement-submit"),
        "physical": page.locator("#physical-open"),
        "respond": page.get_by_role("button", name=re.compile("^Record the response to")),
        "part_c": page.get_by_role("button", name="Check the Part C decision"),
        "part_d": page.get_by_role("button", name="Check the Part D decision"),
        "move_in": page.get_by_role("button", name="Record the move in"),
        "pdf": page.get_by_role("button", name="Download the ERA document (PDF)"),
    }
    return {name: locator.count() for name, locator in buttons.items()}


def test_the_whole_case_in_the_browser(browser: Any, site: Site) -> None:
    """Notification to move-in through the pages only (R2, R3, R4, R24, R26, R30, R32,
    R33, R44, R47, R48, R52, R104, R107):
    the analyst opens a case for a FICTIONAL subject with two candidates picked by
    address; the police, SOLO, CJSW (lead) and NHS each record their whole 3.7 checklist
    and agreement (NHS a concern); the analyst records the 3.8 physical check with every
    dwelling's outcome; Part C is refused beside its field while the concern is
    unanswered, typed values kept, nothing written; the lead answers and Part C is
    confirmed and recorded; the move-in is recorded; the ERA PDF holds it all. Each role
    sees only its forms; the audit trail gains exactly one entry per read and step; no
    request leaves 127.0.0.1."""
    site.requests.clear()
    start = site.audit_count()
    expected: list[tuple[str, str, str, str]] = []
    council = site.council
    omu = sign_in(browser, site, "omu")
    expected += signed_in("omu")
    case_id = open_case(omu, site, [APPROVED, OTHER])  # the form and type-ahead: no read
    expected.append(wrote("omu", "collection"))
    # the case page after opening shows the first candidate; the switcher has both
    switcher = omu.get_by_role("form", name="Candidate shown")
    assert switcher.get_by_role("button").all_inner_texts() == [
        site.addresses[APPROVED], site.addresses[OTHER]]
    assert omu.get_by_text("No concern or hard conflict recorded for this candidate"
                           ).count() == 1
    assert omu.get_by_text("Lead agency cjsw").count() == 1
    switcher.get_by_role("button", name=site.addresses[OTHER]).click()
    omu.get_by_role("heading", name=f"Map of {site.addresses[OTHER]}").wait_for()
    omu.get_by_role("form", name="Candidate shown").get_by_role(
        "button", name=site.addresses[APPROVED]).click()
    omu.get_by_role("heading", name=f"Map of {site.addresses[APPROVED]}").wait_for()
    expected += [read("omu"), read("omu")]
    shown = forms_of(omu)
    assert (shown["checklist"], shown["agreement"], shown["physical"], shown["pdf"]) == (
        1, 1, 1, 1)
    assert (shown["respond"], shown["part_c"], shown["part_d"], shown["move_in"]) == (
        0, 0, 0, 0)  # the police do not lead: CJSW does
    checklist(omu, "police_scotland", council)
    agree(omu)
    expected += [wrote("omu"), wrote("omu")]

    # the 3.8 physical check, every dwelling of the minimum set visited
    omu.locator("#physical-open").click()
    omu.get_by_role("button", name="Save the physical check").wait_for()
    expected.append(read("omu"))
    for item in ("victim_profile", "play_park", "community_centre", "place_of_worship",
                 "shop", "school_nursery", "sheltered_housing", "cctv",
                 "licensed_premises"):
        choose(omu, f"physical-outcome-{item}")
    dwellings = omu.locator("input[name^='dwelling_id-']").count()
    assert dwellings >= 2
    for n in range(dwellings):
        choose(omu, f"physical-dwelling-{n}-2")  # does not fit the victim profile
        omu.locator(f"#physical-dwelling_notes-{n}").fill("FICTIONAL: two adults, no one "
                                                          "of the profile")
    omu.get_by_role("button", name="Save the physical check").click()
    omu.get_by_text("The physical check was recorded.").wait_for()
    expected.append(wrote("omu"))
    omu.get_by_role("button", name="Back to the case").click()
    omu.get_by_role("heading", name="Part C — Approval").wait_for()
    expected.append(read("omu"))

    # the SOLO, CJSW (the lead) and NHS, each from the list of cases
    for user, concern in (("solo", None), ("cjsw", None), ("nhs", CONCERN)):
        page = sign_in(browser, site, user)
        expected += signed_in(user)
        # the start page offers opening a case to the roles that may (not NHS)
        assert (page.get_by_role("link", name="Open a case").count() > 0) == (
            user != "nhs"), user
        to_case(page, site, case_id)
        expected += listed_and_read(user)
        shown = forms_of(page)
        assert (shown["checklist"], shown["agreement"]) == (1, 1), user
        # the checklist and the agreement are the user's own agency's
        words = AGENCY[user].replace("_", " ")
        assert page.get_by_text(f"Record {words}'s checks of this candidate").count() == 1
        assert page.get_by_text(f"Does {words} agree the ERA?").count() == 1
        # Part C is the lead agency's (CJSW's) alone; no Part D without a disagreement,
        # no move in before a decision
        assert (shown["part_c"], shown["part_d"], shown["move_in"]) == (
            int(user == "cjsw"), 0, 0), user
        if user == "nhs":  # a partner agency: no households, map, physical check or PDF
            assert (shown["physical"], shown["pdf"], shown["respond"]) == (0, 0, 0)
            assert page.locator("iframe.map").count() == 0
        else:
            assert (shown["physical"], shown["pdf"]) == (1, 1), user
        checklist(page, AGENCY[user], council, concern)
        agree(page)
        expected += [wrote(user), wrote(user)]
        if user == "cjsw":
            cjsw = page
        else:
            page.context.close()

    # Part C by the lead: refused while NHS's concern has no response
    to_case(cjsw, site, case_id)
    expected += listed_and_read("cjsw")
    assert forms_of(cjsw)["part_c"] == 1
    item = database_checklist("nhs", council, None)[0]
    assert cjsw.locator("#part-c-missing").inner_text().count("has no response") == 1
    choose(cjsw, "part-c-manageable")
    conclusion = "FICTIONAL: manageable with the monitoring in place"
    reasons = "FICTIONAL: no household of the victim profile in the minimum set"
    cjsw.locator("#part-c-conclusion").fill(conclusion)
    cjsw.locator("#part-c-reasons").fill(reasons)
    cjsw.get_by_role("button", name="Check the Part C decision").click()
    cjsw.get_by_role("heading", name="Confirm the Part C decision").wait_for()
    assert conclusion in cjsw.locator("dl").inner_text()
    before = site.audit_count()
    cjsw.get_by_role("button", name="Confirm and record").click()
    summary = cjsw.locator("#error-summary")
    summary.wait_for()
    beside = cjsw.locator("#part-c-manageable-error").inner_text()
    assert f"concern {item} on {APPROVED} has no response from the lead agency" in beside
    assert beside in summary.inner_text()  # the same words, the core's
    focused(cjsw, "error-summary")  # the error summary takes the focus
    assert cjsw.locator("#part-c-conclusion").input_value() == conclusion  # kept
    assert cjsw.locator("#part-c-reasons").input_value() == reasons
    assert cjsw.locator("#part-c-manageable").is_checked()
    assert cjsw.get_by_text("Not yet approved.").count() == 1
    # nothing written: the refusal reads the case again to show it, and that is all
    assert site.audit(before) == [read("cjsw")]
    expected.append(read("cjsw"))

    # the lead answers the concern, then Part C is confirmed and recorded
    cjsw.get_by_label(f"Response to {item}").fill(RESPONSE)
    cjsw.get_by_role("button", name=f"Record the response to {item}").click()
    cjsw.get_by_text(f"Your response to {item} is recorded.").wait_for()
    expected.append(wrote("cjsw"))
    assert cjsw.locator("#part-c-missing").inner_text().startswith("Nothing stops")
    choose(cjsw, "part-c-manageable")
    cjsw.locator("#part-c-conclusion").fill(conclusion)
    cjsw.locator("#part-c-reasons").fill(reasons)
    cjsw.get_by_role("button", name="Check the Part C decision").click()
    cjsw.get_by_role("button", name="Confirm and record").click()
    cjsw.get_by_text("Part C is recorded.").wait_for()
    expected.append(wrote("cjsw"))
    assert cjsw.get_by_text("status approved").count() == 1
    assert forms_of(cjsw)["part_c"] == 0
    cjsw.context.close()

    # the analyst records the move in
    to_case(omu, site, case_id, find=True)
    expected.append(read("omu"))  # the find page itself reads nothing
    moved_on = iso_today()
    omu.locator("#move-in-moved_in_on").fill(moved_on)
    omu.get_by_role("button", name="Record the move in").click()
    omu.get_by_text("The move in is recorded.").wait_for()
    expected += [wrote("omu", "collection"), read("omu")]  # the move, then the case shown
    assert omu.get_by_text(f"Moved in: {APPROVED} on {moved_on}").count() == 1
    text = download_era(omu)
    expected.append(read("omu"))
    omu.context.close()

    for held in (SUBJECT, APPROVED, OTHER, site.addresses[OTHER], CONCERN, RESPONSE,
                 conclusion, reasons, "Approved by cjsw for Criminal Justice Social Work",
                 f"moved in to {site.addresses[APPROVED]} ({APPROVED}) on "
                 f"{clock.today().strftime('%a %d %b %Y')}, after the Part C decision"):
        assert held in text, held
    # the agencies' table: each agency, its deadline, "agrees", who recorded it
    for agency, user in (("Criminal Justice Social Work (lead)", "cjsw"),
                         ("Police Scotland", "omu"), ("Council housing (SOLO)", "solo"),
                         ("NHS", "nhs")):
        assert re.search(rf"{re.escape(agency)} \w{{3}} \d\d \w{{3}} \d{{4}} agrees "
                         rf"{user}, ", text), agency
    assert site.audit(start) == expected
    assert site.purposes(start) == {PURPOSE}  # the purpose given at sign-in
    local_only(site)


def test_the_part_d_path_in_the_browser(browser: Any, site: Site) -> None:
    """Where an agency disagrees (R47, R48, R51, R52, R6): the analyst opens a case with
    two candidates picked by address; NHS disagrees, with its comments; the lead agency
    (CJSW) is not offered Part C but Part D, records the case conference's decision
    through its confirmation step, and the case is decided; the ERA PDF holds Part D
    and the disagreement. The audit trail gains exactly the reads and steps taken."""
    site.requests.clear()
    start = site.audit_count()
    expected: list[tuple[str, str, str, str]] = []
    omu = sign_in(browser, site, "omu")
    expected += signed_in("omu")
    case_id = open_case(omu, site, [OTHER, THIRD])
    expected.append(wrote("omu", "collection"))
    omu.context.close()

    nhs = sign_in(browser, site, "nhs")
    expected += signed_in("nhs")
    to_case(nhs, site, case_id)
    expected += listed_and_read("nhs")
    against = "FICTIONAL: the subject's NHS contact lives in the same street"
    agree(nhs, False, against)
    expected.append(wrote("nhs"))
    nhs.context.close()

    cjsw = sign_in(browser, site, "cjsw")
    expected += signed_in("cjsw")
    to_case(cjsw, site, case_id)
    expected += listed_and_read("cjsw")
    shown = forms_of(cjsw)
    assert (shown["part_c"], shown["part_d"]) == (0, 1)  # Part C is not offered
    assert cjsw.get_by_text("An agency disagrees, so the case cannot be approved here"
                            ).count() == 1
    assert against in cjsw.locator("table", has_text="Taking part because").inner_text()
    held_on = iso_today()
    cjsw.locator("#part-d-conference_on").fill(held_on)
    choose(cjsw, "part-d-manageable-2")  # not manageable
    conclusion = "FICTIONAL: not manageable; look for another property"
    reasons = "FICTIONAL: the conference accepted NHS's concern"
    cjsw.locator("#part-d-conclusion").fill(conclusion)
    cjsw.locator("#part-d-reasons").fill(reasons)
    cjsw.get_by_role("button", name="Check the Part D decision").click()
    cjsw.get_by_role("heading", name="Confirm the Part D decision").wait_for()
    summary = cjsw.locator("dl").inner_text()
    assert held_on in summary and "No, not manageable" in summary and conclusion in summary
    cjsw.get_by_role("button", name="Confirm and record").click()
    cjsw.get_by_text("Part D is recorded.").wait_for()
    expected.append(wrote("cjsw"))
    assert cjsw.get_by_text("status decided").count() == 1
    assert (forms_of(cjsw)["part_d"], forms_of(cjsw)["move_in"]) == (0, 0)
    text = download_era(cjsw)
    expected.append(read("cjsw"))
    cjsw.context.close()
    for held in (SUBJECT, OTHER, THIRD, "Part D", conclusion, reasons, f"NHS: {against}",
                 clock.today().strftime("%a %d %b %Y"), "No move in recorded."):
        assert held in text, held
    assert site.audit(start) == expected
    local_only(site)


def focus_on(page: Any, target: Any, *, key: str = "Tab", most: int = 400) -> None:
    """Press ``key`` (Tab, or Shift+Tab) until ``target`` has the focus; fails if it
    never does within ``most`` presses (so it is reachable by keyboard)."""
    for _ in range(most):
        if target.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} is not reachable with {key}")


def keyboard_sign_in(browser: Any, site: Site, user: str) -> Any:
    page = new_page(browser, site)
    page.goto(f"{site.base}/login")
    focused(page, "username")  # the username field takes the focus by itself
    page.keyboard.type(user)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(PURPOSE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/login/code")
    focused(page, "code")
    page.keyboard.type(totp_code(site.engine, user, site.secrets[user]))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your work").wait_for()
    return page


def ready_but_cjsw(site: Site, case_id: str, property_id: str) -> None:
    """What the other agencies record, put in through the core (not the subject of this
    test): the police's and the SOLO's checklists and agreement, the physical check and
    every dwelling's outcome."""
    from geo_era.casework.cases import PHYSICAL_ITEMS, record_agreement, record_check
    from tests.conftest import officer
    from tests.dwelling_visits import visit_every_dwelling

    for item in PHYSICAL_ITEMS:
        record_check(site.engine, case_id, agency="police_scotland", kind="physical",
                     item=item, outcome="clear", actor=officer("omu"),
                     property_id=property_id)
    for agency in ("police_scotland", "solo"):
        for item in database_checklist(agency, site.council, None):
            record_check(site.engine, case_id, agency=agency, kind="database", item=item,
                         outcome="clear", actor=officer(), property_id=property_id)
        record_agreement(site.engine, case_id, agency=agency, agrees=True, actor=officer())
    visit_every_dwelling(site.engine, case_id, property_id)


def test_a_case_by_keyboard_alone(browser: Any, site: Site) -> None:
    """WCAG 2.2 AA 2.1.1 (keyboard) on the casework pages (R3, R47, R48, R52): the
    analyst opens a case with a candidate found in the type-ahead and picked with the
    arrow keys and Enter; the lead agency (CJSW) records its checklist, is refused Part C
    while its own agreement is missing (the error summary takes the focus and leads to
    the field), records its agreement and confirms Part C, all with Tab, Shift+Tab,
    Space, Enter, arrow keys and typing only: no click, no fill."""
    site.requests.clear()
    omu = keyboard_sign_in(browser, site, "omu")
    focus_on(omu, omu.get_by_role("link", name="Open a case").first)
    omu.keyboard.press("Enter")
    omu.get_by_role("heading", name="Open an ERA case").wait_for()
    focus_on(omu, omu.locator("#open-subject_id"))
    omu.keyboard.type(SUBJECT)
    omu.keyboard.press("Tab")  # on to the type-ahead
    box = omu.get_by_role("combobox", name="Find a candidate by address")
    assert box.evaluate("e => e === document.activeElement")
    omu.keyboard.type(site.addresses[OTHER].rsplit(",", 1)[0], delay=15)
    option = omu.get_by_role("listbox", name="Matching properties").get_by_role("option")
    option.first.wait_for()
    assert option.first.get_attribute("data-property-id") == OTHER
    omu.keyboard.press("ArrowDown")
    omu.keyboard.press("Enter")
    picked = omu.locator("#open-picked input[name=property_ids]")
    assert picked.count() == 1 and picked.first.get_attribute("value") == OTHER
    focus_on(omu, omu.get_by_role("button", name="Open the case"))
    omu.keyboard.press("Enter")
    notice = omu.locator("#notice")
    notice.wait_for(timeout=60_000)
    found = re.search(r"Case (ERA-\d+) opened", notice.inner_text())
    assert found is not None
    case_id = found.group(1)
    omu.context.close()
    ready_but_cjsw(site, case_id, OTHER)

    cjsw = keyboard_sign_in(browser, site, "cjsw")
    focus_on(cjsw, cjsw.get_by_role("button", name=f"Open {case_id}"))
    cjsw.keyboard.press("Enter")
    cjsw.get_by_role("heading", name="Part C — Approval").wait_for()
    item = database_checklist("cjsw", site.council, None)[0]
    radio = cjsw.locator(f"#checklist-outcome-{item}")  # Clear
    focus_on(cjsw, radio)
    cjsw.keyboard.press("Space")
    assert radio.is_checked()
    focus_on(cjsw, cjsw.get_by_role("button", name="Save the database checks"))
    cjsw.keyboard.press("Enter")
    cjsw.get_by_text("Your agency's database checks were recorded.").wait_for()

    # Part C before the lead's own agreement: refused, the error summary takes the focus
    manageable = cjsw.locator("#part-c-manageable")
    focus_on(cjsw, manageable)
    cjsw.keyboard.press("Space")
    cjsw.keyboard.press("Tab")  # the group of radios is one tab stop: on to the text
    conclusion = "FICTIONAL: manageable with weekly visits"
    reasons = "FICTIONAL: nothing of the victim profile near"
    assert cjsw.evaluate("document.activeElement.id") == "part-c-conclusion"
    cjsw.keyboard.type(conclusion)
    cjsw.keyboard.press("Tab")
    cjsw.keyboard.type(reasons)
    cjsw.keyboard.press("Shift+Tab")  # and back: the focus order follows the form
    assert cjsw.evaluate("document.activeElement.id") == "part-c-conclusion"
    focus_on(cjsw, cjsw.get_by_role("button", name="Check the Part C decision"))
    cjsw.keyboard.press("Enter")
    cjsw.get_by_role("heading", name="Confirm the Part C decision").wait_for()
    focus_on(cjsw, cjsw.get_by_role("button", name="Confirm and record"))
    cjsw.keyboard.press("Enter")
    focused(cjsw, "error-summary")
    assert "no agreement recorded from cjsw" in cjsw.locator("#error-summary").inner_text()
    cjsw.keyboard.press("Tab")  # the summary's link to the field
    link = cjsw.locator("#error-summary a")
    assert link.evaluate("e => e === document.activeElement")
    assert link.get_attribute("href") == "#part-c-manageable"
    cjsw.keyboard.press("Enter")  # follows it to the field
    focused(cjsw, "part-c-manageable")
    assert cjsw.locator("#part-c-conclusion").input_value() == conclusion  # kept

    # back up the page to the agreement: Shift+Tab enters a group of radios none of
    # which is chosen at its last ("Disagree"); the arrow up chooses "Agree"
    focus_on(cjsw, cjsw.locator("#agreement-agrees-2"), key="Shift+Tab")
    cjsw.keyboard.press("ArrowUp")
    assert cjsw.locator("#agreement-agrees").is_checked()
    assert not cjsw.locator("#agreement-agrees-2").is_checked()
    focus_on(cjsw, cjsw.locator("#agreement-submit"))
    cjsw.keyboard.press("Enter")
    cjsw.get_by_text("Your agency's agreement was recorded.").wait_for()
    assert cjsw.locator("#part-c-missing").inner_text().startswith("Nothing stops")

    focus_on(cjsw, cjsw.locator("#part-c-manageable"))
    cjsw.keyboard.press("Space")
    focus_on(cjsw, cjsw.locator("#part-c-conclusion"))
    cjsw.keyboard.type(conclusion)
    cjsw.keyboard.press("Tab")
    cjsw.keyboard.type(reasons)
    focus_on(cjsw, cjsw.get_by_role("button", name="Check the Part C decision"))
    cjsw.keyboard.press("Enter")
    confirm = cjsw.get_by_role("button", name="Confirm and record")
    confirm.wait_for()
    focus_on(cjsw, confirm)
    cjsw.keyboard.press("Enter")
    cjsw.get_by_text("Part C is recorded.").wait_for()
    assert cjsw.get_by_text("status approved").count() == 1
    assert conclusion in cjsw.get_by_role("heading", name="Part C — Approval").locator(
        "xpath=following-sibling::p[1]").inner_text()
    cjsw.context.close()
    local_only(site)
