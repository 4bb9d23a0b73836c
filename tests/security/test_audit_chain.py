"""Issue 17, finding 8: the audit chain had no key.

Each entry's hash was SHA-256 over the previous hash and the entry's content, so anyone
who could write the database could edit an entry, recompute the chain and have
``geo-era audit verify`` call it intact; and deleting the newest entries and fixing the
head row needed no computation at all. These tests play that insider against the case
store (on SQLite and PostgreSQL, with nothing but a database connection), check the
hashes against an HMAC computed here, independently of geo_era, and show that:

- an edit recomputed with plain SHA-256 (as the old code hashed) or with a wrong key is
  found, naming the entry (DPA 2018 s62; R104, R126 in REQUIREMENTS.md);
- a truncated tail with the head row fixed is found against a head exported earlier,
  and so is a chain rewritten with the right key up to that head;
- the development key is made once and kept 0600 in ``GEO_ERA_HOME``, so separate
  processes (the command line, the server) key and verify alike;
- production without ``GEO_ERA_AUDIT_KEY`` refuses to start, and no key ever appears in
  an error or an output;
- a chain written before the key is reported, and keyed once, knowingly and audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text

from geo_era.db.audit_key import DEVELOPMENT_KEY_FILE
from geo_era.db.store import database_url, open_store, session_scope
from geo_era.errors import ConfigurationError
from geo_era.security.audit import append, verify
from geo_era.security.users import add_user
from geo_era.settings import Settings, load_settings
from tests.conftest import enrol_totp, free_port, python_path, sign_in_form

GENESIS = "0" * 64
PASSWORD = "a long fictional passphrase"
WHY = "FICTIONAL: quarterly audit of the trail"
#: A configured key, as an operator would set GEO_ERA_AUDIT_KEY.
CONFIGURED_KEY = "FICTIONAL-audit-key-0123456789abcdefghijklmnop"

Digest = Callable[[str, bytes], str]


# -- an independent reading of the chain: what the stored hashes must be --------------

def _canonical(row: dict[str, Any]) -> bytes:
    """An entry's content as the chain covers it: canonical JSON (keys sorted, no
    spaces, UTF-8) of the fields below, the time in ISO 8601 UTC."""
    at = row["at"]
    at = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)

    def loaded(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    content = {"seq": row["seq"], "at": at.astimezone(dt.UTC).isoformat(),
               "actor": row["actor"], "role": row["role"],
               "organisation": row["organisation"], "operation": row["operation"],
               "record_type": row["record_type"], "record_ids": loaded(row["record_ids"]),
               "recipients": loaded(row["recipients"]),
               "justification": row["justification"], "outcome": row["outcome"]}
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def keyed(key: str) -> Digest:
    """HMAC-SHA256 under ``key`` of the previous hash and the canonical content."""
    return lambda prev, content: hmac.new(key.encode("utf-8"), prev.encode("utf-8") + content,
                                          hashlib.sha256).hexdigest()


def unkeyed(prev: str, content: bytes) -> str:
    """What the old code stored: plain SHA-256 of the previous hash and the content."""
    return hashlib.sha256(prev.encode("utf-8") + content).hexdigest()


def rows(url: str) -> list[dict[str, Any]]:
    """The audit log as stored, read with a plain connection (no geo_era)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        found = [dict(r) for r in connection.execute(
            text("SELECT * FROM audit_log ORDER BY seq")).mappings()]
    engine.dispose()
    return found


def rechain(url: str, digest: Digest, *, start: int) -> None:
    """What an insider with write access to the database does after an edit: recompute
    every hash from entry ``start`` on with ``digest``, and the head row to match."""
    stored = rows(url)
    prev = GENESIS if start == 1 else stored[start - 2]["hash"]
    engine = create_engine(url)
    with engine.begin() as connection:
        for row in stored[start - 1:]:
            prev_hash, prev = prev, digest(prev, _canonical(row))
            connection.execute(text("UPDATE audit_log SET prev_hash = :p, hash = :h "
                                    "WHERE seq = :s"),
                               {"p": prev_hash, "h": prev, "s": row["seq"]})
        connection.execute(text("UPDATE audit_head SET last_seq = :s, last_hash = :h "
                                "WHERE id = 1"), {"s": stored[-1]["seq"], "h": prev})
    engine.dispose()


def sql(url: str, statement: str, **params: Any) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(statement), params)
    engine.dispose()


def chain_holds(url: str, digest: Digest, *, start: int = 1) -> bool:
    """Whether the stored chain is linked throughout and its hashes from entry ``start``
    on are ``digest``'s: what the old verify checked, with plain SHA-256."""
    prev = GENESIS
    for row in rows(url):
        if row["prev_hash"] != prev or (row["seq"] >= start and
                                        row["hash"] != digest(prev, _canonical(row))):
            return False
        prev = row["hash"]
    return True


def write(engine: Engine, n: int) -> None:
    for k in range(n):
        with session_scope(engine) as session:
            append(session, actor=f"analyst{k % 3}", role="omu_analyst",
                   organisation="FICTIONAL Police OMU", operation="consultation",
                   record_type="case", record_ids=[f"ERA-{k + 1:06d}"],
                   justification="FICTIONAL: ERA physical check planning")


def development_key(home: Path) -> str:
    return (home / DEVELOPMENT_KEY_FILE).read_text(encoding="utf-8").strip()


def cli(home: Path, *args: str, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    """``geo-era`` in a process of its own, with settings from GEO_ERA_HOME only."""
    base = {"GEO_ERA_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": python_path()}
    return subprocess.run([sys.executable, "-m", "geo_era.cli", *args], env=base | (env or {}),
                          capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Iterator[tuple[Engine, str, Path]]:
    """A case store (SQLite or PostgreSQL) with its home, keyed with the development
    key, and its URL for the insider's own connection."""
    engine = open_store(tmp_path, database_url)
    yield engine, database_url, tmp_path
    engine.dispose()


# -- the chain is an HMAC under the store's key --------------------------------------

def test_each_hash_is_an_hmac_under_the_development_key(
        store: tuple[Engine, str, Path]) -> None:
    engine, url, home = store
    write(engine, 5)
    key = development_key(home)
    assert len(key) >= 32
    assert stat.S_IMODE((home / DEVELOPMENT_KEY_FILE).stat().st_mode) == 0o600
    assert chain_holds(url, keyed(key))
    assert not chain_holds(url, unkeyed)
    assert verify(engine).intact


def test_a_configured_key_is_used_and_no_key_file_is_made(tmp_path: Path) -> None:
    engine = open_store(tmp_path, audit_key=SecretStr(CONFIGURED_KEY))
    write(engine, 3)
    url = str(engine.url)
    assert chain_holds(url, keyed(CONFIGURED_KEY)) and verify(engine).intact
    assert not (tmp_path / DEVELOPMENT_KEY_FILE).exists()
    engine.dispose()
    # the same store opened with another key does not verify: the key is what counts
    other = open_store(tmp_path)
    assert not verify(other).intact
    other.dispose()


# -- the insider's edit -------------------------------------------------------------

@pytest.mark.parametrize("how", ["sha256_as_the_old_code", "hmac_with_a_wrong_key"])
def test_an_edited_entry_with_a_recomputed_chain_is_found(
        store: tuple[Engine, str, Path], how: str) -> None:
    engine, url, _home = store
    write(engine, 8)
    sql(url, "UPDATE audit_log SET actor = 'someone_else', justification = 'FICTIONAL: "
             "nothing to see' WHERE seq = 5")
    digest = unkeyed if how.startswith("sha256") else keyed("a guessed key " * 4)
    rechain(url, digest, start=5)
    assert chain_holds(url, digest, start=5)  # sound under the insider's own hashing
    problems = verify(engine).problems
    assert problems[0] == ("entries 5-8 were altered: their content does not match their "
                           "hashes")
    assert any("carry hashes made without the audit key" in p
               for p in problems) == how.startswith("sha256")
    assert not any(p.startswith(("entry 4", "entries 1", "entries 4")) for p in problems)


def test_the_whole_chain_rehashed_as_the_old_code_did_is_found(
        store: tuple[Engine, str, Path]) -> None:
    engine, url, home = store
    write(engine, 6)
    sql(url, "UPDATE audit_log SET record_ids = '[\"ERA-999999\"]' WHERE seq = 2")
    rechain(url, unkeyed, start=1)
    assert chain_holds(url, unkeyed)  # what the old `audit verify` accepted
    result = verify(engine)
    assert not result.intact and result.head is None
    assert result.problems[0] == ("entries 1-6 were altered: their content does not match "
                                  "their hashes")
    broken = cli(home, "audit", "verify", env={"GEO_ERA_DATABASE_URL": url})
    assert broken.returncode == 3 and "6 entries: NOT INTACT" in broken.stdout
    assert development_key(home) not in broken.stdout + broken.stderr


# -- the truncated tail and the exported head ------------------------------------------

def test_a_truncated_tail_is_found_against_an_exported_head(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = open_store(home)
    write(engine, 6)
    engine.dispose()
    exported = cli(home, "audit", "head", "--out", str(tmp_path / "head.json"))
    assert exported.returncode == 0, exported.stderr
    head = json.loads((tmp_path / "head.json").read_text(encoding="utf-8"))
    assert head["seq"] == 6 and head["hash"] == rows(database_url(home, None))[-1]["hash"]
    engine = open_store(home)
    write(engine, 2)
    url = str(engine.url)
    # the insider deletes the newest entries and sets the head row to the new end
    kept = rows(url)[3]
    sql(url, "DELETE FROM audit_log WHERE seq > 4")
    sql(url, "UPDATE audit_head SET last_seq = 4, last_hash = :h WHERE id = 1",
        h=kept["hash"])
    assert verify(engine).intact  # the chain alone cannot tell: nothing to compare with
    checked = cli(home, "audit", "verify", "--head", str(tmp_path / "head.json"))
    assert checked.returncode == 3
    assert ("the chain ends at entry 4 but a head exported earlier records entry 6 "
            "(entries removed from the end)") in checked.stdout
    # new entries written past the exported seq do not hide it either
    write(engine, 3)
    again = cli(home, "audit", "verify", "--head", str(tmp_path / "head.json"), "--json")
    assert again.returncode == 3
    assert json.loads(again.stdout)["problems"] == [
        "entry 6 is not the exported head: the chain up to it was rewritten"]
    engine.dispose()


def test_a_rewrite_with_the_right_key_is_found_against_an_exported_head(
        store: tuple[Engine, str, Path]) -> None:
    """Whoever holds the key can recompute a chain that verifies; the head kept
    elsewhere still tells."""
    from geo_era.security.audit import Head, head

    engine, url, home = store
    write(engine, 5)
    kept = head(engine)
    sql(url, "UPDATE audit_log SET justification = 'FICTIONAL: rewritten' WHERE seq = 2")
    rechain(url, keyed(development_key(home)), start=2)
    assert verify(engine).intact
    assert verify(engine, kept).problems == [
        "entry 5 is not the exported head: the chain up to it was rewritten"]
    assert verify(engine, Head(0, GENESIS)).intact  # an empty chain's head always holds


def test_a_bad_head_file_is_refused_clearly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    open_store(home).dispose()
    for content, expected in [("not json", "not an exported audit head"),
                              ('{"seq": -1, "hash": "' + "a" * 64 + '"}', "seq"),
                              ('{"seq": 3, "hash": "xyz"}', "hash")]:
        path = tmp_path / "head.json"
        path.write_text(content, encoding="utf-8")
        refused = cli(home, "audit", "verify", "--head", str(path))
        assert refused.returncode == 2 and expected in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr and "xyz" not in refused.stderr


def test_no_head_is_exported_from_a_broken_chain(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = open_store(home)
    write(engine, 3)
    sql(str(engine.url), "UPDATE audit_log SET actor = 'x' WHERE seq = 2")
    engine.dispose()
    refused = cli(home, "audit", "head")
    assert refused.returncode == 3 and refused.stdout == ""
    assert "the audit chain is not intact (1 problem)" in refused.stderr


def test_the_api_export_gives_and_checks_the_head(tmp_path: Path) -> None:
    from geo_era_api.app import PREFIX, create_app

    engine = open_store(tmp_path)
    add_user(engine, "user.auditor", role="auditor", organisation="FICTIONAL Audit",
             password=PASSWORD)
    secret = enrol_totp(engine, tmp_path, "user.auditor")
    write(engine, 6)
    with TestClient(create_app(Settings(home=tmp_path), engine=engine)) as client:
        token = client.post(f"{PREFIX}/auth/token", data=sign_in_form(
            engine, "user.auditor", PASSWORD, secret)).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}

        def export(**extra: Any) -> Any:
            return client.post(f"{PREFIX}/audit/export", headers=auth,
                               json={"justification": WHY, "limit": 2, **extra})

        total = len(rows(str(engine.url)))  # the six, and the audited sign-in
        assert total >= 6
        first = export().json()["verification"]
        assert first["intact"] and first["head"]["seq"] == total
        assert first["head"]["hash"] == rows(str(engine.url))[total - 1]["hash"]
        url = str(engine.url)
        sql(url, "DELETE FROM audit_log WHERE seq > 3")
        sql(url, "UPDATE audit_head SET last_seq = 3, last_hash = :h WHERE id = 1",
            h=rows(url)[2]["hash"])
        checked = export(head=first["head"]).json()["verification"]
        assert not checked["intact"] and checked["head"] is None
        assert checked["problems"] == [
            f"the chain ends at entry 3 but a head exported earlier records entry {total} "
            "(entries removed from the end)"]
        bad = export(head={"seq": 3, "hash": "not a hash"})
        assert bad.status_code == 422 and "not a hash" not in bad.text
        # a sequence number is at most 2**53 - 1, which a JSON number holds exactly:
        # 2**53 is refused however a client compares it (as an integer or a float)
        hash_ = first["head"]["hash"]
        too_big = export(head={"seq": 2**53, "hash": hash_})
        assert too_big.status_code == 422
        assert too_big.json()["problems"][0]["where"] == "body.head.seq"
        assert export(head={"seq": 2**53 - 1, "hash": hash_}).status_code == 200
    engine.dispose()


# -- the development key across processes ----------------------------------------------

def test_a_chain_verifies_across_processes_with_the_development_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = open_store(home)
    write(engine, 4)
    engine.dispose()
    key = development_key(home)
    # another process appends (an export is an audited consultation), a third verifies
    exported = cli(home, "audit", "export", "--justification", WHY, "--out",
                   str(tmp_path / "export.json"))
    assert exported.returncode == 0, exported.stderr
    verified = cli(home, "audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    document = json.loads(verified.stdout)
    assert document["intact"] and document["entries"] == 5
    assert document["head"]["seq"] == 5
    assert chain_holds(database_url(home, None), keyed(key))
    assert development_key(home) == key  # made once, never replaced
    for output in (exported, verified):
        assert key not in output.stdout + output.stderr


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code = ("import sys; from pathlib import Path; from geo_era.db.audit_key import "
            "development_key; import hashlib; print(hashlib.sha256(development_key("
            "Path(sys.argv[1])).get_secret_value()).hexdigest())")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": python_path()}
    starts = [subprocess.Popen([sys.executable, "-c", code, str(home)], env=env,
                               stdout=subprocess.PIPE, text=True) for _ in range(4)]
    fingerprints = {p.communicate(timeout=60)[0].strip() for p in starts}
    assert len(fingerprints) == 1
    assert [p.name for p in home.iterdir()] == [DEVELOPMENT_KEY_FILE]  # no leftovers


# -- production needs a key, and no key is ever shown -----------------------------------

def _production(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    for name in [k for k in os.environ if k.startswith("GEO_ERA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GEO_ERA_ENVIRONMENT", "production")
    for name, value in settings.items():
        monkeypatch.setenv(f"GEO_ERA_{name.upper()}", value)


def test_production_without_an_audit_key_refuses_to_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo_era_api.app import create_app

    secret = "FICTIONAL-token-signing-key-0123456789abcdef"
    _production(monkeypatch, home=str(tmp_path), secret_key=secret)
    message = "GEO_ERA_AUDIT_KEY must be set to at least 32 random characters in production"
    with pytest.raises(ConfigurationError, match=message):
        create_app()
    started = cli(tmp_path, "serve", "--port", str(free_port()), env={
        "GEO_ERA_ENVIRONMENT": "production", "GEO_ERA_SECRET_KEY": secret})
    assert started.returncode == 2 and message in started.stderr
    assert secret not in started.stderr and "Traceback" not in started.stderr
    assert not (tmp_path / DEVELOPMENT_KEY_FILE).exists()
    monkeypatch.setenv("GEO_ERA_AUDIT_KEY", CONFIGURED_KEY)
    assert load_settings().audit_key is not None


@pytest.mark.parametrize(("audit_key", "expected"), [
    ("FICTIONAL-short-audit-key", "GEO_ERA_AUDIT_KEY must be set to at least 32 random "
                                  "characters"),
    ("FICTIONAL-token-signing-key-0123456789abcdef", "GEO_ERA_AUDIT_KEY must differ from "
                                                     "GEO_ERA_SECRET_KEY")])
def test_a_weak_audit_key_is_refused_without_showing_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, audit_key: str,
        expected: str) -> None:
    _production(monkeypatch, home=str(tmp_path), audit_key=audit_key,
                secret_key="FICTIONAL-token-signing-key-0123456789abcdef")
    with pytest.raises(ConfigurationError, match=expected) as refused:
        load_settings()
    assert audit_key not in str(refused.value) and "FICTIONAL" not in str(refused.value)


# -- a chain written before the key ------------------------------------------------------

def _pre_key_store(tmp_path: Path, n: int) -> tuple[Path, str]:
    """A home whose chain was written by the old code: plain SHA-256 hashes."""
    home = tmp_path / "home"
    engine = open_store(home)
    write(engine, n)
    url = str(engine.url)
    engine.dispose()
    rechain(url, unkeyed, start=1)
    return home, url


def test_a_chain_from_before_the_key_is_reported_then_rekeyed_once(tmp_path: Path) -> None:
    home, url = _pre_key_store(tmp_path, 4)
    before = cli(home, "audit", "verify")
    assert before.returncode == 3
    assert "entries 1-4 carry hashes made without the audit key" in before.stdout
    # after the upgrade the server goes on appending, keyed, on top of the old chain
    engine = open_store(home)
    write(engine, 2)
    engine.dispose()
    refused = cli(home, "audit", "rekey")
    assert refused.returncode == 2 and "needs a justification" in refused.stderr
    rekeyed = cli(home, "audit", "rekey", "--justification",
                  "FICTIONAL: upgrade to the keyed audit chain", "--by", "ops.lead")
    assert rekeyed.returncode == 0, rekeyed.stderr
    assert "4 entries re-keyed; the chain now ends at entry 7" in rekeyed.stdout
    assert chain_holds(url, keyed(development_key(home)))
    last = rows(url)[-1]
    assert (last["actor"], last["operation"], last["record_type"], last["record_ids"],
            last["justification"]) == ("ops.lead", "alteration", "audit_log", '["1-4"]',
                                       "FICTIONAL: upgrade to the keyed audit chain")
    assert cli(home, "audit", "verify").returncode == 0
    again = cli(home, "audit", "rekey", "--justification", "FICTIONAL: once more please")
    assert again.returncode == 2 and "keyed already; nothing to re-key" in again.stderr


@pytest.mark.parametrize("tamper", ["edited_old_entry", "unkeyed_after_keyed"])
def test_rekey_refuses_a_chain_that_is_not_sound(tmp_path: Path, tamper: str) -> None:
    home, url = _pre_key_store(tmp_path, 4)
    engine = open_store(home)
    write(engine, 2)
    engine.dispose()
    if tamper == "edited_old_entry":  # edited after it was written, not rehashed
        sql(url, "UPDATE audit_log SET actor = 'someone_else' WHERE seq = 2")
    else:  # an insider's SHA-256 rewrite of keyed entries must not be blessed
        rechain(url, keyed(development_key(home)), start=1)
        sql(url, "UPDATE audit_log SET justification = 'FICTIONAL: changed' WHERE seq = 5")
        rechain(url, unkeyed, start=5)
    stored = rows(url)
    refused = cli(home, "audit", "rekey", "--justification", "FICTIONAL: upgrade after all")
    assert refused.returncode == 2 and "nothing was re-keyed" in refused.stderr
    assert rows(url) == stored
