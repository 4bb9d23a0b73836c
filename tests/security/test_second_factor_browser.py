"""The second factor and sign-out in a real browser (Debian's headless Chromium driven by
Playwright) against a real ``geo-era serve`` on 127.0.0.1 (issue 17, finding 6, and the
second factor of local accounts; R89, R104): enrolment from the secret the page shows,
the code computed here with pyotp as an authenticator app would; recovery codes that
work once; a wrong code refused; and after sign-out, neither the back button nor the old
cookie opens a page again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from geo_era.db.store import open_store, session_scope
from geo_era.security import second_factor
from geo_era.security.users import add_user, find_user
from tests.api.test_browser import chromium
from tests.conftest import enrol_totp, served, totp_code

PASSWORD = "a long fictional passphrase"
PURPOSE = "ERA for new accommodation, MAPPA meeting"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("second-factor") / "home"
    engine = open_store(home)
    add_user(engine, "fresh.omu", role="omu_analyst", organisation="FICTIONAL Police OMU",
             password=PASSWORD)
    add_user(engine, "omu", role="omu_analyst", organisation="FICTIONAL Police OMU",
             password=PASSWORD)
    secret = enrol_totp(engine, home, "omu")
    with session_scope(engine) as session:
        codes = second_factor.new_recovery_codes(session, find_user(session, "omu").id)
    with served(home) as base:
        yield {"base": base.removesuffix("/api/v1"), "engine": engine, "secret": secret,
               "codes": codes}
    engine.dispose()


@pytest.fixture(scope="module")
def browser(site: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        yield launched
        launched.close()


def password_step(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Purpose of this session").fill(PURPOSE)
    page.get_by_role("button", name="Sign in").click()


def test_enrol_sign_in_and_sign_out(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context()
    page = context.new_page()
    password_step(page, site["base"], "fresh.omu")
    page.wait_for_url("**/login/enrol")
    assert page.get_by_role("heading", name="Set up your second factor").is_visible()
    secret = page.locator("#secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    uri = page.locator("#otpauth").get_attribute("href")
    assert uri == f"otpauth://totp/geo_era:fresh.omu?secret={secret}&issuer=geo_era"
    assert page.locator("figure.qr svg").count() == 1
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for(timeout=10_000)
    codes = page.locator("ol.recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    page.get_by_role("link", name="Continue").click()
    page.get_by_role("heading", name="Your work").wait_for(timeout=10_000)
    kept = context.cookies()
    assert any(c["name"] == "geo_era_session" and c["httpOnly"] for c in kept)
    # sign out: the back button, and the old cookie in another browser, give the
    # sign-in page, never the start page or the cases again
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.go_back()
    page.wait_for_load_state()
    assert page.url.endswith("/login"), page.url
    assert page.get_by_role("heading", name="Sign in").is_visible()
    assert page.get_by_role("heading", name="Your work").count() == 0
    stolen = browser.new_context()
    stolen.add_cookies([c for c in kept if c["name"] == "geo_era_session"])
    other = stolen.new_page()
    other.goto(f"{site['base']}/cases")
    assert other.url.endswith("/login")
    assert other.get_by_role("heading", name="Sign in").is_visible()
    stolen.close()
    context.close()


def test_a_wrong_code_then_the_right_one(browser: Any, site: dict[str, Any]) -> None:
    page = browser.new_page()
    password_step(page, site["base"], "omu")
    page.wait_for_url("**/login/code")
    right = totp_code(site["engine"], "omu", site["secret"])
    page.get_by_label("Code").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()
    assert "Wrong or already used second-factor code" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("heading", name="Second factor").is_visible()
    page.get_by_label("Code").fill(right)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Your work").wait_for(timeout=10_000)
    page.close()


def test_a_recovery_code_works_once(browser: Any, site: dict[str, Any]) -> None:
    code = site["codes"][0]
    for attempt in range(2):
        context = browser.new_context()
        page = context.new_page()
        password_step(page, site["base"], "omu")
        page.wait_for_url("**/login/code")
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Continue").click()
        if attempt == 0:
            page.get_by_role("heading", name="Your work").wait_for(timeout=10_000)
        else:  # used up
            assert page.get_by_role("heading", name="Second factor").is_visible()
            assert "Wrong or already used" in page.get_by_role("alert").inner_text()
        context.close()


def test_no_page_asks_any_other_host(browser: Any, site: dict[str, Any],
                                     tmp_path: Path) -> None:
    """The enrolment page draws its QR code itself: nothing is fetched from elsewhere
    (a QR service would learn the secret)."""
    add_user(site["engine"], "other.omu", role="omu_analyst", organisation="FICTIONAL",
             password=PASSWORD)
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    password_step(page, site["base"], "other.omu")
    page.wait_for_url("**/login/enrol")
    page.wait_for_load_state("networkidle")
    assert all(u.startswith(site["base"]) for u in requests), requests
    page.screenshot(path=str(tmp_path / "enrol.png"))
    page.close()
