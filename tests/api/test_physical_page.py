"""The physical check page (NASSO 3.8, issue 19 item 3) in Debian's Chromium against a
real ``geo-era serve``: on a tablet's width and printed as the field sheet, and saved by
its labels. Skips without Chromium; fails under CI."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from geo_era.db.store import Check, session_scope
from tests.api.test_browser import browser, sign_in, site  # noqa: F401 (fixtures)


def test_physical_check_on_a_tablet_and_on_paper(browser: Any,  # noqa: F811
                                                 site: dict[str, Any]  # noqa: F811
                                                 ) -> None:
    """R32, R35, R44: the physical check page in Chromium at a tablet's width (768 px): one
    column with no sideways scrolling, every outcome's touch target at least 44 px
    high, driven by the fields' labels; printed, it is the field sheet: no header,
    navigation or save button, the items kept."""
    page, _ = sign_in(browser, site, "solo")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases",
                                                            exact=True).click()
    page.get_by_role("button", name=f"Open {site['case']['case_id']}").click()
    page.get_by_role("button", name="Record the physical check of").click()
    page.get_by_role("heading", name="Physical check of").wait_for(timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    heights = page.locator(".geo-physical .ds_radio__label").evaluate_all(
        "labels => labels.map(l => l.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44, min(heights)
    concern = page.get_by_role("group", name="Play parks").get_by_label("Concern")
    box = concern.bounding_box()
    assert box is not None
    page.emulate_media(media="print")
    assert not page.locator("header").first.is_visible()
    assert not page.get_by_role("button", name="Save the physical check").is_visible()
    assert page.get_by_role("group", name="Play parks").is_visible()
    page.emulate_media(media="screen")
    page.get_by_label("Notes: play parks").fill("FICTIONAL: a play park behind the flats")
    # the design system's radio is drawn by its label, which takes the tap
    page.get_by_role("group", name="Play parks").get_by_text("Concern", exact=True).click()
    assert concern.is_checked()
    page.get_by_role("button", name="Save the physical check").click()
    page.get_by_text("The physical check was recorded.").wait_for(timeout=10_000)
    with session_scope(site["engine"]) as session:
        held = [(c.item, c.outcome, c.notes, c.agency) for c in session.scalars(
            select(Check).where(Check.kind == "physical"))]
    assert held == [("play_park", "concern", "FICTIONAL: a play park behind the flats",
                     "solo")]
    page.close()
