"""Single sign-on with OpenID Connect (issue 17, "Sign-in an organisation would accept")
against a real identity provider: ``oidc-provider`` (tests/oidc/server.mjs, Node) on
127.0.0.1, with FICTIONAL accounts and groups. REQUIREMENTS.md: authentication and need
to know (R103, R104), the audit trail of every access and refusal (R125).

By HTTP (FastAPI's TestClient for geo_era, httpx driving the provider's own login and
consent forms): a person signed in through their organisation gets a geo_era session
whose /api/v1/me shows the role and organisation their group gives, with the purpose of
the session kept. Each attack is reproduced with real tokens from the provider and
refused, and each refusal is in the audit trail: an ID token issued to another client
(wrong audience), an expired ID token, a person in no mapped group or in groups that
disagree, a disabled user, a forged or replayed state, a code issued to another client,
and an ID token whose payload or signature was altered. In Chromium: "Sign in with your
organisation", the provider's forms, and geo_era's pages signed in with the mapped role.

The provider needs Node and ``npm ci --prefix tests/oidc`` (``.ci/oidc.sh``); without
them these tests skip with the reason, and fail when ``CI`` is set.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from fastapi.testclient import TestClient
from geo_era_api.app import create_app
from geo_era_api.deps import PREFIX
from sqlalchemy import Engine, select, update

from geo_era.db.store import open_store, session_scope
from geo_era.errors import ConfigurationError, DataError
from geo_era.security.audit import AuditEntry
from geo_era.security.oidc import Pending, SignInRefusedError
from geo_era.security.users import User, add_user
from geo_era.services import sso
from geo_era.settings import Settings, load_settings
from tests.conftest import REPO, form_token, free_port, served

PROVIDER_DIR = REPO / "tests" / "oidc"
PURPOSE = "ERA for new accommodation, MAPPA meeting"
GEO_ERA = "geo-era"
SLOW = "geo-era-slow"
ROTA = "fictional-rota-app"
ROTA_CALLBACK = "http://127.0.0.1:9/rota/callback"
GROUPS = {
    "FICTIONAL-OMU-Analysts": {"role": "omu_analyst",
                               "organisation": "FICTIONAL Police Scotland OMU"},
    "FICTIONAL-Glen-Housing-Link-Officers": {"role": "rsl_link_officer",
                                             "organisation": "FICTIONAL Glen Housing"},
}
#: The subject identifiers of the provider's FICTIONAL accounts (tests/oidc/server.mjs).
SUBS = {"alice": "FICTIONAL-7f3a91", "bob": "FICTIONAL-2c8d40", "carol": "FICTIONAL-9e1b77",
        "dave": "FICTIONAL-45aa02", "erin": "FICTIONAL-b0c3d5"}


def node() -> str:
    """Node and the provider's packages; skip without them (fail under CI, which
    installs them with .ci/oidc.sh)."""
    found = shutil.which("node")
    missing = ("Node (node) is not installed" if found is None else
               "tests/oidc/node_modules is missing"
               if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir() else None)
    if missing:
        reason = (f"no OpenID Connect provider to test against: {missing}; run "
                  "'bash .ci/oidc.sh' (npm ci --prefix tests/oidc)")
        if os.environ.get("CI"):
            pytest.fail(f"CI must test single sign-on: {reason}")
        pytest.skip(reason)
    assert found is not None
    return found


@dataclass
class Provider:
    issuer: str
    password: str
    secrets: dict[str, str]

    def metadata(self) -> dict[str, Any]:
        found: dict[str, Any] = httpx.get(
            f"{self.issuer}/.well-known/openid-configuration").json()
        return found


@contextmanager
def provider(clients: list[dict[str, Any]]) -> Iterator[Provider]:
    """oidc-provider on a free port of 127.0.0.1 with ``clients`` registered (each given
    a random secret), until its discovery document answers."""
    port = free_port()
    password = secrets.token_urlsafe(18)
    made = {c["client_id"]: secrets.token_urlsafe(24) for c in clients}
    registered = [{**c, "client_secret": made[c["client_id"]]} for c in clients]
    env = {"PATH": os.environ.get("PATH", ""), "OIDC_PORT": str(port),
           "OIDC_PASSWORD": password, "OIDC_CLIENTS": json.dumps(registered)}
    issuer = f"http://127.0.0.1:{port}"
    with subprocess.Popen([node(), "server.mjs"], cwd=PROVIDER_DIR, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as server:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{issuer}/.well-known/openid-configuration",
                                 timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.1)
            yield Provider(issuer, password, made)
        finally:
            server.terminate()
            server.wait(timeout=10)


@dataclass
class Site:
    idp: Provider
    client: TestClient
    engine: Engine
    settings: Settings
    #: the port geo_era is served on for the browser test
    browser_port: int


def oidc_settings(idp: Provider, client_id: str, base: str, **more: Any) -> dict[str, Any]:
    return {"oidc_issuer": idp.issuer, "oidc_client_id": client_id,
            "oidc_client_secret": idp.secrets[client_id], "oidc_redirect_base": base,
            "oidc_scopes": "openid profile groups", "oidc_groups": GROUPS, **more}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    browser_port = free_port()
    callbacks = ["http://testserver/login/oidc/callback",
                 f"http://127.0.0.1:{browser_port}/login/oidc/callback"]
    with provider([
        {"client_id": GEO_ERA, "redirect_uris": callbacks},
        # its ID tokens live one second and reach geo_era 2.5 seconds after issue
        {"client_id": SLOW, "redirect_uris": callbacks[:1], "id_token_ttl": 1,
         "token_delay_ms": 2500},
        {"client_id": ROTA, "redirect_uris": [ROTA_CALLBACK]},
    ]) as idp:
        home = tmp_path_factory.mktemp("oidc") / "home"
        engine = open_store(home)
        settings = Settings(home=home, **oidc_settings(idp, GEO_ERA, "http://testserver"))
        client = TestClient(create_app(settings, engine=engine), raise_server_exceptions=False)
        yield Site(idp, client, engine, settings, browser_port)
        engine.dispose()


# --- driving the provider's login and consent forms by HTTP ------------------------------

def at_provider(url: str, issuer: str, username: str, password: str, *,
                deny: bool = False) -> str:
    """Follow the provider from its authorization URL ``url``: sign in as ``username``,
    allow (or deny) the client, and return the URL it sends the browser back to."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        answer = browser.get(url)
        for _ in range(12):
            if answer.status_code in (302, 303):
                target = urljoin(str(answer.url), answer.headers["location"])
                if not target.startswith(issuer):
                    return target
                answer = browser.get(target)
                continue
            assert answer.status_code == 200, answer.text
            forms = re.findall(r'<form method="post" action="([^"]+)"', answer.text)
            if "/login" in forms[0]:
                answer = browser.post(urljoin(issuer, forms[0]),
                                      data={"username": username, "password": password})
            else:
                answer = browser.post(urljoin(issuer, forms[1 if deny else 0]))
    raise AssertionError("the provider never sent the browser back")


def callback_of(site: Site, username: str, *, client: TestClient | None = None,
                deny: bool = False) -> tuple[str, str]:
    """Start a sign-in at geo_era (with the purpose), go through the provider as
    ``username``: the callback path with its query, and the pending-sign-in cookie."""
    client = client or site.client
    started = client.post("/login/oidc", data={**form_token(client),
                                               "purpose": PURPOSE}, follow_redirects=False)
    assert started.status_code == 303, started.text
    back = at_provider(started.headers["location"], site.idp.issuer, username,
                       site.idp.password, deny=deny)
    parts = urlsplit(back)
    assert parts.path == "/login/oidc/callback"
    return f"{parts.path}?{parts.query}", client.cookies["geo_era_oidc"]


def sign_in(site: Site, username: str) -> tuple[TestClient, httpx.Response]:
    """A fresh browser signing in through the provider; the callback's answer."""
    client = TestClient(site.client.app, raise_server_exceptions=False)
    path, _ = callback_of(site, username, client=client)
    return client, client.get(path, follow_redirects=False)


def sign_ins(engine: Engine, after: int) -> list[AuditEntry]:
    with session_scope(engine) as session:
        found = session.scalars(select(AuditEntry).where(
            AuditEntry.seq > after, AuditEntry.record_type == "sign_in")
            .order_by(AuditEntry.seq)).all()
        session.expunge_all()
        return list(found)


def last_seq(engine: Engine) -> int:
    with session_scope(engine) as session:
        return max(session.scalars(select(AuditEntry.seq)).all(), default=0)


def refused(site: Site, answer: httpx.Response, after: int, reason: str,
            actor: str = "unknown") -> None:
    """The sign-in was refused with a clear message and no session, and audited as
    denied with ``reason``."""
    assert answer.status_code in (400, 401), answer.text
    assert "geo_era_session" not in answer.cookies
    assert 'role="alert"' in answer.text and "Traceback" not in answer.text
    entries = sign_ins(site.engine, after)
    assert [(e.actor, e.outcome, e.record_ids) for e in entries] == [
        (actor, "denied", ["oidc", reason])]


def username(login: str) -> str:
    return f"oidc:127.0.0.1:{SUBS[login]}"


# --- the way in ---------------------------------------------------------------------

def test_sign_in_through_the_provider_gives_the_mapped_role(site: Site) -> None:
    before = last_seq(site.engine)
    client, answer = sign_in(site, "alice")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    token = client.cookies["geo_era_session"]
    me = client.get(f"{PREFIX}/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"username": username("alice"), "role": "omu_analyst",
                  "organisation": "FICTIONAL Police Scotland OMU"}
    # the pending sign-in is gone, the person is a user with no password
    assert "geo_era_oidc=" in answer.headers["set-cookie"] and "Max-Age=0" in \
        answer.headers["set-cookie"]
    with session_scope(site.engine) as session:
        user = session.scalar(select(User).where(User.username == username("alice")))
        assert user is not None and user.password_hash is None and user.active
    entries = sign_ins(site.engine, before)
    assert [(e.actor, e.role, e.organisation, e.outcome, e.record_ids) for e in entries] == [
        (username("alice"), "omu_analyst", "FICTIONAL Police Scotland OMU", "allowed",
         ["oidc"])]
    # the purpose given before leaving for the provider is the session's justification
    seq = last_seq(site.engine)
    assert client.get("/cases").status_code == 200
    with session_scope(site.engine) as session:
        read = session.scalars(select(AuditEntry).where(AuditEntry.seq > seq)).all()
        assert [e.justification for e in read if e.record_type == "case"] == [PURPOSE]


def test_the_role_follows_the_groups_at_each_sign_in(site: Site) -> None:
    client, answer = sign_in(site, "bob")
    assert answer.status_code == 303
    with session_scope(site.engine) as session:  # changed in geo_era, not at the provider
        session.execute(update(User).where(User.username == username("bob"))
                        .values(role="mappa_coordinator", organisation="FICTIONAL Other"))
    client, answer = sign_in(site, "bob")
    token = client.cookies["geo_era_session"]
    me = client.get(f"{PREFIX}/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["role"], me["organisation"]) == ("rsl_link_officer", "FICTIONAL Glen Housing")


def test_the_authorization_request_uses_pkce_s256_state_and_nonce(site: Site) -> None:
    started = site.client.get("/login/oidc", follow_redirects=False)
    query = parse_qs(urlsplit(started.headers["location"]).query)
    cookie = site.client.cookies["geo_era_oidc"]
    pending = json.loads(base64.urlsafe_b64decode(cookie.split(".")[1] + "=="))
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(pending["verifier"].encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [challenge]
    assert query["state"] == [pending["state"]] and query["nonce"] == [pending["nonce"]]
    assert "verifier" not in started.headers["location"]
    assert query["client_id"] == [GEO_ERA] and query["response_type"] == ["code"]
    header = started.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=lax" in header and "Path=/login/oidc" in header


# --- refusals, each audited -------------------------------------------------------------

def test_a_person_in_no_mapped_group_is_refused(site: Site) -> None:
    before = last_seq(site.engine)
    _, answer = sign_in(site, "carol")
    refused(site, answer, before, "group", actor=username("carol"))
    assert "not allowed to use geo_era" in answer.text
    with session_scope(site.engine) as session:
        assert session.scalar(select(User).where(User.username == username("carol"))) is None


def test_groups_giving_different_roles_are_refused(site: Site) -> None:
    before = last_seq(site.engine)
    _, answer = sign_in(site, "dave")
    refused(site, answer, before, "group", actor=username("dave"))


def test_a_disabled_user_stays_refused(site: Site) -> None:
    _, answer = sign_in(site, "erin")
    assert answer.status_code == 303
    with session_scope(site.engine) as session:
        session.execute(update(User).where(User.username == username("erin"))
                        .values(active=False))
    before = last_seq(site.engine)
    _, answer = sign_in(site, "erin")
    refused(site, answer, before, "disabled", actor=username("erin"))
    with session_scope(site.engine) as session:
        user = session.scalar(select(User).where(User.username == username("erin")))
        assert user is not None and not user.active


def test_a_forged_state_is_refused(site: Site) -> None:
    client = TestClient(site.client.app, raise_server_exceptions=False)
    path, _ = callback_of(site, "alice", client=client)
    before = last_seq(site.engine)
    forged = re.sub(r"state=[^&]+", "state=" + secrets.token_urlsafe(32), path)
    answer = client.get(forged, follow_redirects=False)
    refused(site, answer, before, "state")


def test_a_callback_without_the_browsers_pending_sign_in_is_refused(site: Site) -> None:
    """Login CSRF: an attacker's own callback URL opened in another person's browser."""
    path, _ = callback_of(site, "alice")
    victim = TestClient(site.client.app, raise_server_exceptions=False)
    before = last_seq(site.engine)
    refused(site, victim.get(path, follow_redirects=False), before, "state")


def test_a_replayed_callback_is_refused(site: Site) -> None:
    client = TestClient(site.client.app, raise_server_exceptions=False)
    path, pending = callback_of(site, "alice", client=client)
    assert client.get(path, follow_redirects=False).status_code == 303
    replay = TestClient(site.client.app, raise_server_exceptions=False)
    replay.cookies.set("geo_era_oidc", pending, path="/login/oidc")
    before = last_seq(site.engine)
    refused(site, replay.get(path, follow_redirects=False), before, "state")


def test_a_denied_consent_is_refused(site: Site) -> None:
    client = TestClient(site.client.app, raise_server_exceptions=False)
    path, _ = callback_of(site, "alice", client=client, deny=True)
    assert "error=access_denied" in path
    before = last_seq(site.engine)
    refused(site, client.get(path, follow_redirects=False), before, "provider_error")


def rota_flow(site: Site, login: str, *, nonce: str) -> tuple[str, str]:
    """Another registered client (a FICTIONAL rota app) signing ``login`` in: its code,
    and its PKCE verifier."""
    verifier = secrets.token_urlsafe(48)
    with OAuth2Client(ROTA, site.idp.secrets[ROTA], scope="openid profile groups",
                      redirect_uri=ROTA_CALLBACK, code_challenge_method="S256") as rota:
        url, _ = rota.create_authorization_url(site.idp.metadata()["authorization_endpoint"],
                                               code_verifier=verifier, nonce=nonce)
    back = at_provider(url, site.idp.issuer, login, site.idp.password)
    return parse_qs(urlsplit(back).query)["code"][0], verifier


def test_a_code_issued_to_another_client_is_refused(site: Site) -> None:
    """Code injection: a code the provider issued to another application, put in
    geo_era's callback with a genuine state, is refused by the provider at the
    exchange (it was not issued to geo_era)."""
    client = TestClient(site.client.app, raise_server_exceptions=False)
    path, _ = callback_of(site, "alice", client=client)
    code, _ = rota_flow(site, "alice", nonce=secrets.token_urlsafe(16))
    before = last_seq(site.engine)
    injected = re.sub(r"code=[^&]+", f"code={code}", path)
    refused(site, client.get(injected, follow_redirects=False), before, "exchange")


def test_an_id_token_issued_to_another_client_is_refused(site: Site) -> None:
    """Wrong audience: a real ID token, signed by the provider and unexpired, but issued
    to another registered client, is presented to geo_era as its sign-in."""
    nonce = secrets.token_urlsafe(16)
    code, verifier = rota_flow(site, "alice", nonce=nonce)
    with OAuth2Client(ROTA, site.idp.secrets[ROTA], redirect_uri=ROTA_CALLBACK) as rota:
        tokens = rota.fetch_token(site.idp.metadata()["token_endpoint"], code=code,
                                  code_verifier=verifier, grant_type="authorization_code")
    claims = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[1] + "=="))
    assert claims["aud"] == ROTA and claims["iss"] == site.idp.issuer  # real, only not ours
    services = site.client.app.state.services
    pending = Pending("any", nonce, verifier, None, int(time.time()) + 60)
    before = last_seq(site.engine)
    with pytest.raises(SignInRefusedError) as caught:
        sso.finish(services, pending, tokens)
    assert caught.value.reason == "audience"
    assert [(e.outcome, e.record_ids) for e in sign_ins(site.engine, before)] == [
        ("denied", ["oidc", "audience"])]


def geo_era_tokens(site: Site, login: str) -> tuple[Pending, dict[str, Any]]:
    """geo_era's own tokens for ``login``, straight from the provider."""
    client = site.client.app.state.services.oidc
    url, pending = client.begin(PURPOSE)
    back = at_provider(url, site.idp.issuer, login, site.idp.password)
    params = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    return pending, client.exchange(pending, params)


def test_an_altered_id_token_is_refused(site: Site) -> None:
    """An ID token with its payload changed to name another person (the signature
    kept), or with its signature altered, is refused; the genuine one is accepted."""
    services = site.client.app.state.services
    pending, tokens = geo_era_tokens(site, "carol")
    header, payload, signature = tokens["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = SUBS["alice"]
    other = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    for forged in (f"{header}.{other}.{signature}", f"{header}.{payload}.{flipped}"):
        before = last_seq(site.engine)
        with pytest.raises(SignInRefusedError) as caught:
            sso.finish(services, pending, {**tokens, "id_token": forged})
        assert caught.value.reason == "signature"
        assert [(e.actor, e.record_ids) for e in sign_ins(site.engine, before)] == [
            ("unknown", ["oidc", "signature"])]
    with pytest.raises(SignInRefusedError) as caught:  # the genuine token: carol's group
        sso.finish(services, pending, tokens)
    assert caught.value.reason == "group"


def test_an_expired_id_token_is_refused(site: Site) -> None:
    """The provider's ID tokens for this client live one second and reach geo_era 2.5
    seconds after issue (a slow network): geo_era, allowing no clock skew, refuses them
    as expired. The same token checked at its time of issue passes."""
    settings = Settings(home=site.settings.home, oidc_leeway_s=0,
                        **oidc_settings(site.idp, SLOW, "http://testserver"))
    app = create_app(settings, engine=site.engine)
    client = TestClient(app, raise_server_exceptions=False)
    path, _ = callback_of(site, "alice", client=client)
    before = last_seq(site.engine)
    answer = client.get(path, follow_redirects=False)
    refused(site, answer, before, "expired")
    # the same kind of token, real, with the time of the check moved
    oidc = app.state.services.oidc
    url, pending = oidc.begin()
    back = at_provider(url, site.idp.issuer, "alice", site.idp.password)
    tokens = oidc.exchange(pending, {k: v[0] for k, v in parse_qs(urlsplit(back).query)
                                     .items()})
    issued = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[1] + "=="))
    assert issued["exp"] - issued["iat"] == 1
    assert oidc.validate(tokens["id_token"], nonce=pending.nonce,
                         now=issued["iat"])["sub"] == SUBS["alice"]
    with pytest.raises(SignInRefusedError) as caught:
        oidc.validate(tokens["id_token"], nonce=pending.nonce)
    assert caught.value.reason == "expired"


def test_a_long_lived_id_token_past_its_expiry_is_refused(site: Site) -> None:
    pending, tokens = geo_era_tokens(site, "alice")
    oidc = site.client.app.state.services.oidc
    issued = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[1] + "=="))
    late = issued["exp"] + site.settings.oidc_leeway_s
    assert oidc.validate(tokens["id_token"], nonce=pending.nonce, now=late - 1)
    with pytest.raises(SignInRefusedError) as caught:
        oidc.validate(tokens["id_token"], nonce=pending.nonce, now=late)
    assert caught.value.reason == "expired"
    with pytest.raises(SignInRefusedError) as caught:  # another sign-in's nonce
        oidc.validate(tokens["id_token"], nonce=secrets.token_urlsafe(16))
    assert caught.value.reason == "nonce"


# --- configuration and the sign-in page ------------------------------------------------

def test_the_sign_in_page_offers_the_organisation_only_when_configured(
        site: Site, tmp_path: Path) -> None:
    page = site.client.get("/login")
    assert "Sign in with your organisation" in page.text
    assert f"form-action 'self' {site.idp.issuer}" in page.headers["content-security-policy"]
    plain = TestClient(create_app(Settings(home=tmp_path / "home"),
                                  engine=site.engine), raise_server_exceptions=False)
    assert "Sign in with your organisation" not in plain.get("/login").text
    answer = plain.get("/login/oidc", follow_redirects=False)
    assert answer.status_code == 422 and "not configured" in answer.text


def test_settings_are_checked(tmp_path: Path) -> None:
    """Checked when geo_era starts, without asking the provider anything."""
    idp = Provider("http://127.0.0.1:9", "unused", {GEO_ERA: "a FICTIONAL client secret"})
    base = oidc_settings(idp, GEO_ERA, "http://testserver")
    wrong_role = {**base, "oidc_groups": {"FICTIONAL-Staff": {
        "role": "superuser", "organisation": "FICTIONAL"}}}
    with pytest.raises(ConfigurationError, match="unknown role"):
        create_app(Settings(home=tmp_path / "home", **wrong_role))
    assert create_app(Settings(home=tmp_path / "home", **base)).state.services.oidc
    for change, problem in [
            ({"oidc_issuer": "http://login.example.org"}, "must use https"),
            ({"oidc_client_secret": None}, "GEO_ERA_OIDC_CLIENT_SECRET"),
            ({"oidc_groups": {}}, "GEO_ERA_OIDC_GROUPS"),
            ({"oidc_scopes": "profile groups"}, "must include openid"),
            ({"oidc_issuer": None}, "GEO_ERA_OIDC_ISSUER is not")]:
        with pytest.raises(ConfigurationError, match=problem):
            load_settings(home=tmp_path, **{**base, **change})
    with pytest.raises(ConfigurationError, match="must use https"):
        load_settings(home=tmp_path, environment="production", secret_key="k" * 40, **base)


def test_a_group_gives_a_partner_agency_role(tmp_path: Path) -> None:
    """R3, R24: an identity provider's group gives a partner agency's role (here the
    NHS liaison officer's) as it gives any other: the agency is the role."""
    from geo_era.security.oidc import Grant, OidcClient, OidcConfig

    idp = Provider("http://127.0.0.1:9", "unused", {GEO_ERA: "a FICTIONAL client secret"})
    base = oidc_settings(idp, GEO_ERA, "http://testserver")
    nhs = {**base, "oidc_groups": {"FICTIONAL NHS MAPPA leads": {
        "role": "nhs_liaison", "organisation": "FICTIONAL NHS Inverallan"}}}
    config = OidcConfig.from_settings(Settings(home=tmp_path / "home", **nhs))
    assert config is not None
    assert OidcClient(config).grant_for(["FICTIONAL NHS MAPPA leads", "other"]) == Grant(
        "nhs_liaison", "FICTIONAL NHS Inverallan")


def test_an_unreachable_provider_is_a_clear_refusal(site: Site, tmp_path: Path) -> None:
    """The provider down (nothing listens on its port): the sign-in page says so, with
    no 500; a callback arriving then is refused and audited."""
    gone = {**oidc_settings(site.idp, GEO_ERA, "http://testserver"),
            "oidc_issuer": f"http://127.0.0.1:{free_port()}"}
    client = TestClient(create_app(Settings(home=tmp_path / "home", **gone),
                                   engine=site.engine), raise_server_exceptions=False)
    answer = client.get("/login/oidc", follow_redirects=False)
    assert answer.status_code == 503 and "cannot be reached" in answer.text
    pending = Pending("s" * 43, "n" * 43, "v" * 86, None, int(time.time()) + 60)
    oidc = client.app.state.services.oidc
    client.cookies.set("geo_era_oidc", pending.seal(oidc.config.seal_key), path="/login/oidc")
    before = last_seq(site.engine)
    answer = client.get(f"/login/oidc/callback?code=abc&state={'s' * 43}",
                        follow_redirects=False)
    assert answer.status_code == 503 and "cannot be reached" in answer.text
    assert [(e.outcome, e.record_ids) for e in sign_ins(site.engine, before)] == [
        ("denied", ["oidc", "unavailable"])]


def test_a_purpose_too_long_for_the_cookie_is_refused_before_leaving(site: Site) -> None:
    answer = site.client.post("/login/oidc", data={**form_token(site.client),
                                                   "purpose": "é" * 1_000},
                              follow_redirects=False)
    assert answer.status_code == 422 and "too long" in answer.text
    assert "location" not in answer.headers


def test_a_local_user_cannot_take_an_external_name(tmp_path: Path) -> None:
    engine = open_store(tmp_path / "home")
    try:
        with pytest.raises(DataError, match="may not begin with 'oidc:'"):
            add_user(engine, username("alice"), role="admin", organisation="FICTIONAL",
                     password="a long fictional passphrase")
    finally:
        engine.dispose()


# --- in Chromium -----------------------------------------------------------------------

def test_sign_in_with_the_organisation_in_chromium(site: Site,
                                                   tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.api.test_browser import chromium

    base = f"http://127.0.0.1:{site.browser_port}"
    settings = {f"GEO_ERA_{k.upper()}": (json.dumps(v) if isinstance(v, dict) else str(v))
                for k, v in oidc_settings(site.idp, GEO_ERA, base).items()}
    home = tmp_path / "home"
    with served(home, settings=settings, port=site.browser_port), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        try:
            page = browser.new_page()
            page.goto(f"{base}/login")
            page.get_by_label("Purpose of this session").fill(PURPOSE)
            page.get_by_role("button", name="Sign in with your organisation").click()
            page.wait_for_url(f"{site.idp.issuer}/interaction/**")
            page.get_by_label("Username").fill("alice")
            page.get_by_label("Password").fill(site.idp.password)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("button", name="Allow").click()
            page.wait_for_url(f"{base}/")  # the start page
            assert page.get_by_role("heading", name="Your work").is_visible()
            assert page.locator(".who").inner_text() == (
                f"{username('alice')} (omu_analyst, FICTIONAL Police Scotland OMU)")
        finally:
            browser.close()
    engine = open_store(home)
    try:
        entries = sign_ins(engine, 0)
        assert [(e.actor, e.outcome) for e in entries] == [(username("alice"), "allowed")]
    finally:
        engine.dispose()
