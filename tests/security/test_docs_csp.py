"""The API documentation page (issue 17, finding 8: ``/api/v1/docs`` was blank under the
Content-Security-Policy, which refused Swagger UI's scripts from a content delivery
network and its inline start-up script).

Swagger UI is now served by geo_era itself, under a policy of its own that allows
scripts and styles from geo_era only and no inline script; every other answer keeps the
strict default. Checked with the headers (TestClient) and in Chromium against a real
``geo-era serve``: the operations are listed, no policy is violated, and no request
leaves 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from geo_era_api.app import PREFIX, SECURITY_HEADERS, create_app

from geo_era.db.store import open_store
from geo_era.security.users import add_user
from geo_era.settings import Settings
from tests.api.test_browser import chromium
from tests.conftest import enrol_totp, served, sign_in_form

PASSWORD = "a long fictional passphrase"


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in
            (part.split() for part in policy.split(";") if part.strip())}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    engine = open_store(tmp_path)
    add_user(engine, "user.auditor", role="auditor", organisation="FICTIONAL Audit",
             password=PASSWORD)
    secret = enrol_totp(engine, tmp_path, "user.auditor")
    with TestClient(create_app(Settings(home=tmp_path), engine=engine)) as test_client:
        token = test_client.post(f"{PREFIX}/auth/token", data=sign_in_form(
            engine, "user.auditor", PASSWORD, secret)).json()["access_token"]
        yield test_client, {"Authorization": f"Bearer {token}"}
    engine.dispose()


def test_the_docs_page_allows_only_its_own_scripts(
        client: tuple[TestClient, dict[str, str]]) -> None:
    test_client, auth = client
    assert test_client.get(f"{PREFIX}/docs").status_code == 401  # behind sign-in
    page = test_client.get(f"{PREFIX}/docs", headers=auth)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    policy = _directives(page.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert not any("unsafe" in v for values in policy.values() for v in values)
    # no inline script, and every asset from geo_era itself
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, flags=re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip()
                           for attrs, body in scripts)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/static/") for a in assets)
    for asset in assets:
        served_asset = test_client.get(asset)
        assert served_asset.status_code == 200, asset
        assert served_asset.headers["content-security-policy"] == \
            SECURITY_HEADERS["Content-Security-Policy"]


def test_every_other_answer_keeps_the_strict_policy(
        client: tuple[TestClient, dict[str, str]]) -> None:
    test_client, auth = client
    strict = SECURITY_HEADERS["Content-Security-Policy"]
    for path in (f"{PREFIX}/health", f"{PREFIX}/me", f"{PREFIX}/openapi.json"):
        assert test_client.get(path, headers=auth).headers["content-security-policy"] == strict
    # the OAuth2 redirect page (an inline script the password flow never uses) is gone
    assert test_client.get("/docs/oauth2-redirect").status_code == 404


def test_the_docs_page_renders_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    engine = open_store(tmp_path)
    add_user(engine, "user.auditor", role="auditor", organisation="FICTIONAL Audit",
             password=PASSWORD)
    secret = enrol_totp(engine, tmp_path, "user.auditor")
    engine.dispose()
    with served(tmp_path) as base, sync_playwright() as playwright:
        token = httpx.post(f"{base}/auth/token", timeout=10, data=sign_in_form(
            engine, "user.auditor", PASSWORD, secret)).json()["access_token"]
        browser = playwright.chromium.launch(executable_path=executable, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {token}"})
        page = context.new_page()
        console: list[tuple[str, str]] = []
        requests: list[str] = []
        page.on("console", lambda m: console.append((m.type, m.text)))
        page.on("request", lambda r: requests.append(r.url))
        page.add_init_script("window.violations = []; document.addEventListener("
                             "'securitypolicyviolation', e => window.violations.push("
                             "e.violatedDirective + ' ' + e.blockedURI));")
        page.goto(f"{base}/docs")
        health = page.locator(".opblock-summary-path", has_text=f"{PREFIX}/health")
        health.first.wait_for(timeout=30_000)
        assert page.locator(".opblock").count() >= 10  # every operation listed
        health.first.click()  # an operation opens, and can be tried (same origin)
        page.get_by_role("button", name="Try it out").click()
        page.get_by_role("button", name="Execute").click()
        page.locator(".live-responses-table .response-col_status",
                     has_text="200").first.wait_for(timeout=15_000)
        page.wait_for_load_state("networkidle")
        violations: list[Any] = page.evaluate("window.violations")
        browser.close()
    assert violations == []
    assert [text for kind, text in console
            if kind == "error" or "Content Security Policy" in text] == []
    assert {urlsplit(u).hostname for u in requests} == {"127.0.0.1"}
    assert f"{base}/openapi.json" in requests
