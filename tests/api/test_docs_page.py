"""The API documentation page (/api/v1/docs) in a real browser (Debian's Chromium):
Swagger UI's files served by geo_era itself under the page's own strict policy, its
operations drawn from geo_era's schema, not one policy violation, and no request to any
host but geo_era (issue 19, item 8)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.test_browser import browser, hosts, sign_in, site

__all__ = ["browser", "site"]  # the browser tests' fixtures, used here

#: Every Content-Security-Policy violation the page reports, gathered in the page.
WATCH_VIOLATIONS = """() => { window.violations = [];
    document.addEventListener("securitypolicyviolation",
        e => window.violations.push(e.violatedDirective + " " + e.blockedURI)); }"""


def test_the_api_docs_page_draws_every_operation_under_its_policy(
        browser: Any, site: dict[str, Any]) -> None:
    """Signed in on the pages, the docs page loads Swagger UI from geo_era, draws
    one block per operation of the schema (the same schema a client reads), and the
    browser reports no violation of the page's policy and asks no other host."""
    page, requests = sign_in(browser, site, "omu")
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(f"({WATCH_VIOLATIONS})()")
    answer = page.goto(f"{site['base']}/api/v1/docs")
    assert answer is not None and answer.status == 200
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page.locator(".opblock").first.wait_for(timeout=20_000)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    schema = httpx.get(f"{site['base']}/api/v1/openapi.json", cookies=cookies,
                       timeout=30).json()
    operations = sum(1 for item in schema["paths"].values() for method in item
                     if method in {"get", "post", "put", "patch", "delete"})
    assert operations > 10
    # the session of the pages reads the documentation only: the API itself still wants
    # a bearer token (so no other site's page can act on it through a signed-in browser)
    me = httpx.get(f"{site['base']}/api/v1/me", cookies=cookies, timeout=30)
    assert me.status_code == 401
    assert httpx.get(f"{site['base']}/api/v1/docs", timeout=30).status_code == 401
    assert page.locator(".opblock").count() == operations
    assert page.evaluate("window.violations") == []
    assert not [m for m in console if "Content Security Policy" in m], console
    served = [u for u in requests if "/static/swagger-ui/" in u]
    assert any(u.endswith("swagger-ui-bundle.js") for u in served)
    assert any(u.endswith("swagger-ui.css") for u in served)
    assert hosts(requests) == {"127.0.0.1"}, sorted(set(requests))
    page.close()
