"""The pages checked by axe-core (from the npm registry, .ci/axe.sh) in Debian's Chromium
against a real ``geo-era serve``: no serious or critical violation of WCAG 2.x A/AA
rules on any page a role uses (issue 19, item 7), including a form refused with its
error summary. Skips without axe-core or Chromium; fails under CI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_browser import browser, sign_in, site  # noqa: F401 (fixtures)

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
    """Sign-in, the start page, the case list, a case, void screening (its form, a
    refusal, a result), finding a property and a property's page, sensitive
    allocations, the over-concentration report, and the page of a refused form."""
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
    page.goto(f"{site['base']}/property/{home}")
    found["property"] = serious(page)
    page.goto(f"{site['base']}/reports")
    found["report form"] = serious(page)
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show the report").click()
    page.wait_for_load_state("networkidle")
    found["report"] = serious(page)
    page.close()
    link, _ = sign_in(browser, site, "link")
    found["start (Link Officer)"] = serious(link)
    link.goto(f"{site['base']}/allocations")
    found["sensitive allocations"] = serious(link)
    link.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_second_factor_pages_have_no_serious_violation(browser: Any,  # noqa: F811
                                                       site: dict[str, Any]  # noqa: F811
                                                       ) -> None:
    """The code page and the enrolment page of the second factor (R39), each as shown
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
        page.close()
    assert {name: v for name, v in found.items() if v} == {}
