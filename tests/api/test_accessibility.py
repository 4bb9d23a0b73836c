"""The pages checked by axe-core (from the npm registry, .ci/axe.sh) in Debian's Chromium
against a real ``geo-era serve``: no serious or critical violation of WCAG 2.x A/AA
rules on any page a role uses (issue 19, item 7), including a form refused with its
error summary. Skips without axe-core or Chromium; fails under CI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from geo_era import clock
from geo_era.security.users import add_user
from tests.api.test_browser import PASSWORD, browser, sign_in, site  # noqa: F401 (fixtures)
from tests.api.test_pages_decisions import PLACING, out_of_area_site
from tests.conftest import enrol_totp, served

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: the rules run: WCAG 2.0, 2.1 and 2.2, levels A and AA
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_source() -> str:
    if not AXE.exists():
        reason = "no axe-core: run 'bash .ci/axe.sh' (npm ci --prefix tests/api/axe)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the accessibility check: {reason}")
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def serious(page: Any) -> list[str]:
    """The serious and critical violations axe finds on ``page`` as it is now: each
    rule with the elements it concerns. axe is evaluated through the browser's debugging
    protocol, which the page's Content-Security-Policy does not govern; the page's own
    policy stays as it is."""
    page.wait_for_load_state("networkidle")
    page.evaluate(axe_source())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                           " resultTypes: ['violations']})", TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_every_page_has_no_serious_violation(browser: Any, site: dict[str, Any]  # noqa: F811
                                             ) -> None:
    """Sign-in, the start page, the case list, a case with its agency's forms (and its
    checklist refused; as the lead agency with its decision forms, Part C's confirmation
    and its refusal beside the field), the physical check page (and refused), void
    screening (its form, a refusal, a result), finding a property and a property's page,
    sensitive allocations, the over-concentration report, the page of a refused form,
    and the pages of :func:`casework_pages` and :func:`enquiry_pages`."""
    found: dict[str, list[str]] = {}
    anonymous = browser.new_page()
    anonymous.goto(f"{site['base']}/login")
    found["sign-in"] = serious(anonymous)
    anonymous.close()
    page, _ = sign_in(browser, site, "solo")
    found["start"] = serious(page)
    page.goto(f"{site['base']}/cases")
    found["cases"] = serious(page)
    page.get_by_role("button", name=f"Open {site['case']['case_id']}").click()
    found["case"] = serious(page)
    page.get_by_role("button", name="Save the database checks").click()
    page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["case, checklist refused"] = serious(page)
    page.get_by_role("button", name="Record the physical check of").click()
    page.get_by_role("heading", name="Physical check of").wait_for(timeout=10_000)
    found["physical check"] = serious(page)
    page.get_by_role("button", name="Save the physical check").click()
    page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["physical check refused"] = serious(page)
    page.goto(f"{site['base']}/voids")
    found["void screening"] = serious(page)
    page.get_by_label("Subject id").fill("FICTIONAL-NOT-THERE")
    page.get_by_role("button", name="Screen voids").click()
    page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["void screening refused"] = serious(page)
    page.get_by_label("Subject id").fill(site["case"]["subject_id"])
    page.get_by_label("Show the first N voids (optional)").fill("5")
    page.get_by_role("button", name="Screen voids").click()
    page.get_by_role("heading", name="Voids screened for").wait_for(timeout=15_000)
    found["void screening result"] = serious(page)
    page.goto(f"{site['base']}/find")
    found["find"] = serious(page)
    home = site["case"]["properties"][0]
    page.get_by_role("combobox", name="Address or property id").fill(home)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=site["addresses"][home]).click()
    page.get_by_role("heading", name=site["addresses"][home]).wait_for(timeout=15_000)
    found["property"] = serious(page)
    page.goto(f"{site['base']}/reports")
    found["report form"] = serious(page)
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show the report").click()
    page.wait_for_load_state("networkidle")
    found["report"] = serious(page)
    page.close()
    lead, _ = sign_in(browser, site, "omu")  # the lead agency: the decision forms
    lead.goto(f"{site['base']}/cases")
    lead.get_by_role("button", name=f"Open {site['case']['case_id']}").click()
    lead.get_by_role("button", name="Check the Part C decision").wait_for()
    found["case (lead agency's forms)"] = serious(lead)
    lead.get_by_text("Yes, manageable").click()
    lead.get_by_label("Conclusion").fill("FICTIONAL: manageable")
    lead.get_by_label("Reasons").fill("FICTIONAL: checked")
    lead.get_by_role("button", name="Check the Part C decision").click()
    lead.get_by_role("button", name="Confirm and record").wait_for()
    found["Part C confirmation"] = serious(lead)
    lead.get_by_role("button", name="Confirm and record").click()
    lead.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["Part C refused"] = serious(lead)
    lead.close()
    link, _ = sign_in(browser, site, "link")
    found["start (Link Officer)"] = serious(link)
    link.goto(f"{site['base']}/allocations")
    found["sensitive allocations"] = serious(link)
    link.evaluate("""() => {  // a form without its token: refused, in plain words
        const form = document.createElement("form");
        form.method = "post"; form.action = "/allocations";
        document.body.appendChild(form); form.submit(); }""")
    link.get_by_text("This form was not accepted").wait_for(timeout=10_000)
    found["refused form"] = serious(link)
    link.goto(f"{site['base']}/live-voids")
    found["live voids (Link Officer)"] = serious(link)
    link.get_by_role("button", name="Publish").click()
    link.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["live voids, publish refused"] = serious(link)
    link.close()
    docs, _ = sign_in(browser, site, "omu")  # the API documentation, signed in
    docs.goto(f"{site['base']}/api/v1/docs")
    docs.locator(".opblock").first.wait_for(timeout=15_000)
    found["API documentation"] = serious(docs)
    docs.close()
    found.update(casework_pages(browser, site))
    found.update(enquiry_pages(browser, site))
    assert {name: v for name, v in found.items() if v} == {}


def enquiry_pages(browser: Any, site: dict[str, Any]) -> dict[str, list[str]]:  # noqa: F811
    """Enquiries and concerns (NASSO 5.4): a Link Officer's record form, refused beside
    a field, recorded, confirmed, and their list; the police's list, an enquiry with its
    link and outcome forms, and their start page with a media incident."""
    found: dict[str, list[str]] = {}
    link, _ = sign_in(browser, site, "link")
    link.goto(f"{site['base']}/enquiries/new")
    found["record an enquiry"] = serious(link)
    link.get_by_label("What was raised").fill("short")
    link.get_by_role("button", name="Record and pass it on").click()
    link.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["record an enquiry refused"] = serious(link)
    link.get_by_label("What was raised").fill("FICTIONAL: a story in the local paper")
    link.get_by_label("Property id").fill(site["case"]["properties"][0])
    link.get_by_text("A tenant is involved in an incident reported in the media").click()
    link.get_by_role("button", name="Record and pass it on").click()
    link.get_by_text("recorded and passed on").first.wait_for(timeout=10_000)
    found["enquiry recorded"] = serious(link)
    link.get_by_role("button", name="Record the confirmation and show the words").click()
    link.get_by_text("Confirmation recorded").first.wait_for(timeout=10_000)
    found["enquiry confirmed"] = serious(link)
    link.goto(f"{site['base']}/enquiries")
    found["enquiries (Link Officer)"] = serious(link)
    link.close()
    omu, _ = sign_in(browser, site, "omu")
    found["start (media incident)"] = serious(omu)
    omu.goto(f"{site['base']}/enquiries")
    found["enquiries (police)"] = serious(omu)
    omu.get_by_role("button", name="Open ENQ-").first.click()
    omu.get_by_role("button", name="Record the outcome").wait_for(timeout=10_000)
    found["enquiry (police)"] = serious(omu)
    omu.close()
    return found


def casework_pages(browser: Any, site: dict[str, Any]) -> dict[str, list[str]]:  # noqa: F811
    """Opening a case (the form, two candidates picked by the type-ahead, a refusal),
    the reviews due, the review triggers (form and result), and a waiver's steps."""
    found: dict[str, list[str]] = {}
    page, _ = sign_in(browser, site, "omu")
    page.goto(f"{site['base']}/cases/new")
    found["open a case"] = serious(page)
    box = page.get_by_role("combobox", name="Find a candidate by address")
    for text in ("Alder Place", "Rowan"):
        box.fill(text)
        option = page.get_by_role("listbox", name="Matching properties").get_by_role(
            "option").first
        option.wait_for(timeout=10_000)
        option.click()
    found["open a case, two picked"] = serious(page)
    page.get_by_label("Subject id").fill("FICTIONAL-NOT-THERE")
    page.get_by_role("button", name="Open the case").click()
    page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["open a case refused"] = serious(page)
    page.goto(f"{site['base']}/live-voids")
    found["live voids"] = serious(page)
    page.goto(f"{site['base']}/reviews")
    found["reviews due"] = serious(page)
    page.goto(f"{site['base']}/reviews/triggers")
    found["review triggers"] = serious(page)
    page.get_by_role("button", name="Look for review triggers").click()
    page.get_by_role("heading", name="to consider for review").wait_for(timeout=60_000)
    found["review triggers run"] = serious(page)
    page.close()
    engine = site["engine"]
    if "mappa" not in site["secrets"]:
        add_user(engine, "mappa", role="mappa_coordinator",
                 organisation="FICTIONAL MAPPA Unit", password=PASSWORD)
        site["secrets"]["mappa"] = enrol_totp(engine, site["home_dir"], "mappa")
    mappa, _ = sign_in(browser, site, "mappa")
    mappa.goto(f"{site['base']}/reviews")
    subject = site["subjects"][0]
    mappa.evaluate("""subject => {  // the waiver form of a subject, whether or not due
        const form = document.createElement("form");
        form.method = "post"; form.action = "/reviews/waive";
        form.innerHTML = '<input name="subject_id"><textarea name="reasons"></textarea>';
        form.appendChild(document.querySelector("input[name=csrf_token]").cloneNode());
        form.subject_id.value = subject; form.reasons.value = "too short";
        document.body.appendChild(form); form.submit(); }""", subject)
    mappa.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["waiver refused"] = serious(mappa)
    mappa.get_by_label(f"Reasons for not reviewing {subject}").fill(
        "Moved to a care home with 24-hour staff, FICTIONAL")
    mappa.get_by_role("button", name="Continue").click()
    mappa.get_by_role("heading", name="Check the reasons").wait_for(timeout=10_000)
    found["waiver confirmation"] = serious(mappa)
    mappa.close()
    return found


def test_the_out_of_area_forms_have_no_serious_violation(
        browser: Any, demo_files: list[Path], tmp_path: Path) -> None:  # noqa: F811
    """The case page of an out-of-area placement (NASSO 3.13) as the receiving council
    (its consent, with the consent refused beside its box) and as the placing council
    (its reason, plan and discussion forms)."""
    home = tmp_path / "home"
    ground = out_of_area_site(demo_files, home, None)
    add_user(ground.engine, "solo", role="solo", organisation=ground.authority,
             password=PASSWORD)
    add_user(ground.engine, "placing", role="solo", organisation=PLACING, password=PASSWORD)
    secrets = {user: enrol_totp(ground.engine, home, user) for user in ("solo", "placing")}
    found: dict[str, list[str]] = {}
    with served(home) as api:
        where = {"base": api.removesuffix("/api/v1"), "secrets": secrets,
                 "engine": ground.engine}
        for user in ("solo", "placing"):
            page, _ = sign_in(browser, where, user)
            page.goto(f"{where['base']}/cases")
            page.get_by_role("button", name=f"Open {ground.case_id}").click()
            page.get_by_role("heading", name="Out-of-area placement (NASSO 3.13)").wait_for()
            found[f"out-of-area case ({user})"] = serious(page)
            if user == "solo":
                page.get_by_role("button", name="Record the consent").click()
                page.get_by_role("heading", name="There is a problem").wait_for()
                found["consent refused"] = serious(page)
            page.close()
    ground.engine.dispose()
    assert {name: v for name, v in found.items() if v} == {}


def test_the_visor_extract_has_no_serious_violation(
        browser: Any, demo_files: list[Path], tmp_path: Path) -> None:  # noqa: F811
    """The ViSOR extract on a decided case's page (NASSO 3.3) as the police: the form,
    refused beside its justification, and the extract shown in its <pre> to copy."""

    from geo_era.casework.cases import decide, record_agreement
    from geo_era.casework.out_of_area import record_era_held
    from tests.api.casepages import case_site
    from tests.conftest import officer

    home = tmp_path / "home"
    ground = case_site(demo_files, home, candidates=1)
    record_agreement(ground.engine, ground.case_id, agency="solo", agrees=False,
                     actor=officer(), comments="FICTIONAL: a nursery next door")
    decide(ground.engine, ground.case_id, agency="police_scotland",
           property_id=ground.candidates[0], manageable=True,
           conclusion="FICTIONAL: manageable", reasons="FICTIONAL: weekly visits",
           conference_on=clock.today(), actor=officer())
    record_era_held(ground.engine, ground.case_id, agency="police_scotland",
                    system="FICTIONAL iVPD", reference="ERA/0001", actor=officer())
    add_user(ground.engine, "omu", role="omu_analyst", organisation="FICTIONAL Police OMU",
             password=PASSWORD)
    secrets = {"omu": enrol_totp(ground.engine, home, "omu")}
    found: dict[str, list[str]] = {}
    with served(home) as api:
        where = {"base": api.removesuffix("/api/v1"), "secrets": secrets,
                 "engine": ground.engine}
        page, _ = sign_in(browser, where, "omu")
        page.goto(f"{where['base']}/cases")
        page.get_by_role("button", name=f"Open {ground.case_id}").click()
        page.get_by_role("heading", name="ViSOR extract (NASSO 3.3)").wait_for()
        found["case with the ViSOR form"] = serious(page)
        page.get_by_role("button", name="Show the ViSOR extract to copy").click()
        page.get_by_role("heading", name="There is a problem").wait_for()
        found["ViSOR extract refused"] = serious(page)
        page.get_by_label("Why it goes to ViSOR now").fill("FICTIONAL: Part D to ViSOR")
        page.get_by_role("button", name="Show the ViSOR extract to copy").click()
        page.locator("pre#visor-text").wait_for()
        found["ViSOR extract shown"] = serious(page)
        page.close()
    ground.engine.dispose()
    assert {name: v for name, v in found.items() if v} == {}


def test_second_factor_pages_have_no_serious_violation(browser: Any,  # noqa: F811
                                                       site: dict[str, Any]  # noqa: F811
                                                       ) -> None:
    """The code page and the enrolment page of the second factor, each as shown
    and with a wrong code refused (the error summary linking to the field, the field
    described by its error)."""
    from geo_era.security.users import add_user
    from tests.api.test_browser import PASSWORD, PURPOSE

    found: dict[str, list[str]] = {}
    add_user(site["engine"], "enrolling", role="omu_analyst",
             organisation="FICTIONAL Police OMU", password=PASSWORD)
    for username, step, title in (("omu", "code", "Second factor"),
                                  ("enrolling", "enrol", "Set up your second factor")):
        page = browser.new_page()
        page.goto(f"{site['base']}/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Purpose of this session").fill(PURPOSE)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"**/login/{step}")
        page.get_by_role("heading", name=title).wait_for(timeout=10_000)
        found[step] = serious(page)
        page.locator("#code").fill("000000")
        page.locator("#code").press("Enter")
        page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
        assert page.locator('#error-summary a[href="#code"]').count() == 1
        described = page.locator("#code").get_attribute("aria-describedby") or ""
        assert "code-error" in described.split()
        assert page.locator("#code-error").inner_text().strip()
        found[f"{step} refused"] = serious(page)
        if step == "enrol":  # a right code: the recovery codes, shown once
            import pyotp

            secret = page.locator("#secret").inner_text().replace(" ", "")
            page.locator("#code").fill(pyotp.TOTP(secret).now())
            page.locator("#code").press("Enter")
            page.get_by_role("heading", name="recovery codes", exact=False).wait_for(
                timeout=10_000)
            found["recovery codes"] = serious(page)
        page.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_the_child_protection_pages_have_no_serious_violation(
        browser: Any, site: dict[str, Any]) -> None:  # noqa: F811
    """The child protection pages (Dorset MAPPA procedure §4, §17) as the police: the
    referrals page with its forms, a referral refused beside its field, then recorded
    with the outcome form shown, and the notices to Education with its form."""
    found: dict[str, list[str]] = {}
    page, _ = sign_in(browser, site, "omu")
    page.goto(f"{site['base']}/child-protection")
    found["child protection referrals"] = serious(page)
    page.get_by_role("button", name="Record the referral").click()
    page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["referral refused"] = serious(page)
    page.get_by_label("Case (optional)").fill(site["case"]["case_id"])
    page.get_by_label("Why: the risk to an identified child").fill(
        "FICTIONAL: seen waiting outside a primary school")
    page.get_by_role("button", name="Record the referral").click()
    page.get_by_role("heading", name="Record what came of a referral").wait_for(
        timeout=10_000)
    found["referral recorded, outcome form"] = serious(page)
    page.goto(f"{site['base']}/child-protection/notices")
    found["notices to Education"] = serious(page)
def test_the_disclosure_pages_have_no_serious_violation(browser: Any,  # noqa: F811
                                                         site: dict[str, Any]  # noqa: F811
                                                         ) -> None:
    """The disclosures page (issue 20, item 4) as the police see it (the list and every
    form), and a decision refused with its error summary beside the field."""
    found: dict[str, list[str]] = {}
    page, _ = sign_in(browser, site, "omu")
    page.goto(f"{site['base']}/disclosures")
    found["disclosures"] = serious(page)
    page.get_by_label("Do not disclose").check(force=True)  # the label covers the radio
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["disclosure decision refused"] = serious(page)
    page.close()
def test_the_notification_pages_have_no_serious_violation(browser: Any,  # noqa: F811
                                                          site: dict[str, Any]  # noqa: F811
                                                          ) -> None:
    """Landlord notifications (NASSO 5.3, R91), driven in Chromium: the Link Officer's
    page with its form, the form refused (details too short) and sent; the SOLO's start
    page listing it, the inbox, the notification (flagged as a home that may no longer be
    manageable, R87), the link refused beside its field and made, and the review
    opened."""
    found: dict[str, list[str]] = {}
    link, _ = sign_in(browser, site, "link")
    link.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Notifications").click()
    link.get_by_role("heading", name="Notifications to the SOLO (NASSO 5.3)").wait_for()
    found["notifications (Link Officer)"] = serious(link)
    link.get_by_label("Property").fill(site["own_void"])
    link.get_by_text("Potential legal action or proceedings for possession",
                     exact=True).click()
    link.get_by_label("Your reference").fill("RHA/T/0042")
    link.get_by_label("Details").fill("too short")
    link.get_by_role("button", name="Send to the SOLO").click()
    link.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["notification refused"] = serious(link)
    link.get_by_label("Details").fill("FICTIONAL: proceedings for possession raised")
    link.get_by_role("button", name="Send to the SOLO").click()
    link.get_by_text("sent to the SOLO", exact=False).first.wait_for(timeout=10_000)
    found["notification sent"] = serious(link)
    reference = link.locator("table.notices-sent td").first.inner_text().strip()
    link.close()
    solo, _ = sign_in(browser, site, "solo")
    solo.get_by_role("heading", name="Notifications from landlords (NASSO 5.3)").wait_for()
    found["start (notifications from landlords)"] = serious(solo)
    solo.goto(f"{site['base']}/notices")
    found["notifications from landlords"] = serious(solo)
    solo.get_by_role("button", name=f"Open {reference}").click()
    solo.get_by_text("The tenancy may no longer be manageable").wait_for(timeout=10_000)
    found["notification"] = serious(solo)
    solo.get_by_label("Subject id").fill("FICTIONAL-NOT-THERE")
    solo.get_by_role("button", name="Link").click()
    solo.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["link refused"] = serious(solo)
    solo.get_by_label("Subject id").fill(site["case"]["subject_id"])
    solo.get_by_role("button", name="Link").click()
    solo.get_by_text(f"{reference} linked to").wait_for(timeout=10_000)
    found["notification linked"] = serious(solo)
    solo.get_by_role("button", name="Open a review").click()
    solo.get_by_text("Review opened: ERA-").wait_for(timeout=30_000)
    found["review opened"] = serious(solo)
    solo.close()
def test_the_staff_safety_pages_have_no_serious_violation(
        browser: Any, site: dict[str, Any]) -> None:  # noqa: F811
    """The staff-safety markers (NASSO 69-70): the Responsible Authorities' page with its
    recording form (refused beside the review date, then recorded, with the marker's
    review form), and the Link Officer's page of how to visit, with a property looked
    up."""
    import datetime as dt

    found: dict[str, list[str]] = {}
    page, _ = sign_in(browser, site, "omu")
    page.goto(f"{site['base']}/markers")
    found["markers"] = serious(page)
    home = site["own_void"]  # a home of the Link Officer's landlord
    today = clock.today()
    page.get_by_label("Property id", exact=True).fill(home)
    page.locator("label[for=markernew-instructions]").click()  # SGDS: the label
    page.get_by_label("Review date", exact=True).fill(
        (today + dt.timedelta(days=40)).isoformat())
    page.get_by_label("Expiry date", exact=True).fill(
        (today + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Record the marker").click()
    page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["marker refused"] = serious(page)
    page.get_by_label("Review date", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Record the marker").click()
    page.get_by_text("Recorded SSM-").wait_for(timeout=10_000)
    found["marker recorded, with its review form"] = serious(page)
    page.close()
    link, _ = sign_in(browser, site, "link")
    link.goto(f"{site['base']}/safety")
    found["staff safety (Link Officer)"] = serious(link)
    link.get_by_label("Look up a property").fill(home)
    link.get_by_role("button", name="Look up").click()
    link.get_by_role("heading", name=f"Property {home}").wait_for(timeout=10_000)
    assert "Visit in pairs" in link.content()
    found["staff safety, a property looked up"] = serious(link)
def test_the_homelessness_pages_have_no_serious_violation(
        browser: Any, site: dict[str, Any]) -> None:  # noqa: F811
    """The homelessness page (its forms, a presentation refused beside its field, a
    subject's record after one is recorded) and the transfers page as the SOLO and as a
    Link Officer (issue 20, item 6)."""
    found: dict[str, list[str]] = {}
    page, _ = sign_in(browser, site, "solo")
    page.goto(f"{site['base']}/homeless")
    found["homelessness"] = serious(page)
    form = page.locator("form[action='/homeless/present']")
    form.get_by_label("Subject id").fill(site["subjects"][0])
    form.get_by_label("Reasons").fill("FICTIONAL: released with no home")
    form.get_by_label("Local connection", exact=True).select_option("residence")
    form.get_by_label("Where the connection is (optional)").fill("FICTIONAL bail hostel")
    form.get_by_role("button", name="Record the presentation").click()
    page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["homelessness, presentation refused"] = serious(page)
    form = page.locator("form[action='/homeless/present']")
    form.get_by_label("Where the connection is (optional)").fill("")
    form.get_by_label("Local connection", exact=True).select_option("none")
    form.get_by_role("button", name="Record the presentation").click()
    page.get_by_text("recorded: inquiries under way").wait_for(timeout=10_000)
    found["homelessness, a subject's record"] = serious(page)
    page.goto(f"{site['base']}/transfers")
    found["transfers"] = serious(page)
    page.close()
    link, _ = sign_in(browser, site, "link")
    link.goto(f"{site['base']}/transfers")
    found["transfers (Link Officer)"] = serious(link)
    link.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_the_mappa_figures_page_has_no_serious_violation(
        browser: Any, site: dict[str, Any]) -> None:  # noqa: F811
    """The MAPPA figures page (issue 21, item 2): its form, the internal figures of the
    SOLO's council, a year refused beside its field, and the published figures of
    Scotland as a Link Officer."""
    found: dict[str, list[str]] = {}
    page, _ = sign_in(browser, site, "solo")
    page.goto(f"{site['base']}/reports/mappa")
    found["MAPPA figures form"] = serious(page)
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show the figures").click()
    page.get_by_role("heading", name="People managed on 31 March").wait_for(timeout=15_000)
    found["MAPPA figures"] = serious(page)
    page.get_by_label("Year").fill("1900")
    page.get_by_role("button", name="Show the figures").click()
    page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["MAPPA figures refused"] = serious(page)
    page.close()
    link, _ = sign_in(browser, site, "link")
    link.goto(f"{site['base']}/reports/mappa")
    link.get_by_role("button", name="Show the figures").click()
    link.get_by_role("heading", name="People managed on 31 March").wait_for(timeout=15_000)
    found["MAPPA figures (Link Officer)"] = serious(link)
    link.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_the_era_performance_pages_have_no_serious_violation(
        browser: Any, site: dict[str, Any]) -> None:  # noqa: F811
    """R126, R131: the ERA performance form, a refused year and the report, as the SOLO."""
    page, _ = sign_in(browser, site, "solo")
    page.goto(f"{site['base']}/reports/performance")
    found = {"performance form": serious(page)}
    page.get_by_label("Reporting year").fill("1999")
    page.get_by_role("button", name="Show the report").click()
    page.get_by_role("heading", name="There is a problem").wait_for(timeout=10_000)
    found["performance refused"] = serious(page)
    page.get_by_label("Reporting year").fill("2026")
    page.get_by_role("button", name="Show the report").click()
    page.get_by_role("heading", name="Notes").wait_for(timeout=30_000)
    found["performance report"] = serious(page)
    page.close()
    assert {name: v for name, v in found.items() if v} == {}
