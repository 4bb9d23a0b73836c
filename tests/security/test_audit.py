"""The hash-chained audit trail and users' credentials, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from geo_era.db.store import open_store, session_scope
from geo_era.errors import DataError
from geo_era.security.audit import append, verify
from geo_era.security.users import add_user, authenticate, identity_for_key, issue_api_key


@pytest.fixture
def engine(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    engine = open_store(tmp_path, database_url)
    yield engine
    engine.dispose()


def write(engine: Engine, n: int) -> None:
    for k in range(n):
        with session_scope(engine) as session:
            append(session, actor=f"analyst{k % 3}", role="omu_analyst",
                   organisation="Police Scotland", operation="consultation",
                   record_type="case", record_ids=[f"ERA-{k:06d}"],
                   justification="ERA physical check planning")


def test_intact_chain(engine: Engine) -> None:
    write(engine, 12)
    result = verify(engine)
    assert result.entries == 12 and result.intact


def tamper(engine: Engine, sql: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql))


def test_edited_entry_is_detected(engine: Engine) -> None:
    write(engine, 8)
    tamper(engine, "UPDATE audit_log SET actor = 'someone_else' WHERE seq = 5")
    assert verify(engine).problems == [
        "entry 5 was altered: its content does not match its hash"]


def test_deleted_entry_is_detected(engine: Engine) -> None:
    write(engine, 8)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 4")
    problems = verify(engine).problems
    assert "entries 4-4 are missing (deleted)" in problems
    assert "entry 5 does not follow the entry before it (an entry was deleted, inserted or " \
           "moved)" in problems


def test_reordered_entries_are_detected(engine: Engine) -> None:
    write(engine, 8)
    # swap the content (not the sequence numbers) of entries 3 and 6
    tamper(engine, "UPDATE audit_log SET seq = -3 WHERE seq = 3")
    tamper(engine, "UPDATE audit_log SET seq = 3 WHERE seq = 6")
    tamper(engine, "UPDATE audit_log SET seq = 6 WHERE seq = -3")
    problems = verify(engine).problems
    assert any(p.startswith("entry 3 ") for p in problems)
    assert any(p.startswith("entry 6 ") for p in problems)


def test_truncated_end_is_detected(engine: Engine) -> None:
    write(engine, 5)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 5")
    assert verify(engine).problems == [
        "the chain ends at entry 4 but was last written at entry 5 (entries removed from "
        "the end)"]


def test_concurrent_appends_keep_one_chain(engine: Engine) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            write(engine, 15)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = verify(engine)
    assert result.entries == 45 and result.intact


def test_entry_rolls_back_with_its_data(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        append(session, actor="a", role="solo", organisation="Fife Council",
               operation="alteration", record_type="case", record_ids=["ERA-000001"])
        raise RuntimeError("the data write failed")
    assert verify(engine).entries == 0


def test_bad_entries_are_refused(engine: Engine) -> None:
    with session_scope(engine) as session:
        with pytest.raises(DataError, match="unknown audit operation 'peek'"):
            append(session, actor="a", role="solo", organisation="o", operation="peek",
                   record_type="case", record_ids=[])
        with pytest.raises(DataError, match="a disclosure must name its recipients"):
            append(session, actor="a", role="solo", organisation="o",
                   operation="disclosure", record_type="case", record_ids=["x"])


def test_users_and_keys(engine: Engine) -> None:
    add_user(engine, "ds.example", role="omu_analyst", organisation="Police Scotland",
             password="correct horse battery staple")
    who = authenticate(engine, "ds.example", "correct horse battery staple")
    assert who is not None and who.role == "omu_analyst"
    assert authenticate(engine, "ds.example", "wrong password here") is None
    assert authenticate(engine, "nobody", "correct horse battery staple") is None
    with pytest.raises(DataError, match=r"user 'ds\.example' already exists"):
        add_user(engine, "ds.example", role="solo", organisation="x",
                 password="another long passphrase")
    with pytest.raises(DataError, match="unknown role 'boss'"):
        add_user(engine, "b", role="boss", organisation="x", password="long enough phrase")
    with pytest.raises(DataError, match="the password is too short"):
        add_user(engine, "c", role="solo", organisation="x", password="short")
    key = issue_api_key(engine, "ds.example", name="batch")
    assert identity_for_key(engine, key) == who
    assert identity_for_key(engine, key + "x") is None
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and "battery" not in stored


def test_cli_user_add_and_audit_verify(tmp_path: Path) -> None:
    env = {"GEO_ERA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "geo_era.cli", *args], input=stdin,
                              capture_output=True, text=True, env=env, timeout=120,
                              check=False)

    added = run("user", "add", "solo.fife", "--role", "solo", "--org", "Fife Council",
                stdin="a long and private passphrase\n")
    assert added.returncode == 0, added.stderr
    assert "private" not in added.stdout + added.stderr
    write(open_store(tmp_path), 3)
    assert run("audit", "verify").returncode == 0
    with open_store(tmp_path).begin() as connection:
        connection.execute(text("UPDATE audit_log SET justification = 'x' WHERE seq = 2"))
    broken = run("audit", "verify")
    assert broken.returncode == 3
    assert "entry 2 was altered" in broken.stdout


def test_demo_users_get_fresh_passphrases(tmp_path: Path) -> None:
    from geo_era.security.users import ROLES, demo_users

    engine = open_store(tmp_path)
    first = demo_users(engine)
    assert sorted(first) == sorted(f"demo.{r}" for r in ROLES)
    for username, password in first.items():
        who = authenticate(engine, username, password)
        assert who is not None
        # council staff belong to the demo town's (fictional) council, which confines them
        if who.role in ("solo", "cjsw", "admin", "education_officer",
                        "childrens_social_work", "adult_protection_officer"):
            assert who.organisation == "Inverallan Council"
        else:
            assert who.organisation.startswith("FICTIONAL")
    second = demo_users(engine)
    assert all(second[u] != first[u] for u in first)  # reset, not fixed
    assert authenticate(engine, "demo.solo", first["demo.solo"]) is None
    assert authenticate(engine, "demo.solo", second["demo.solo"]) is not None


def test_consultations_from_many_threads_are_committed_in_batches(engine: Engine) -> None:
    """The consultation log (the audited reads of every API request): 40 request threads
    at once each get back only once their entry is stored; the entries share commits
    (fewer transactions than entries) and form one intact chain."""
    from sqlalchemy import event, select

    from geo_era.security.audit import Actor, AuditEntry, ConsultationLog

    commits: list[int] = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    log = ConsultationLog(engine)
    stored_before_return: list[bool] = []
    errors: list[BaseException] = []
    start = threading.Barrier(40)

    def request(k: int) -> None:
        actor = Actor(f"analyst{k}", "omu_analyst", "FICTIONAL Police Scotland OMU")
        start.wait()
        try:
            for j in range(5):
                log.record(actor, record_type="sites_near", record_ids=[f"P{k:03d}-{j}"])
                with session_scope(engine) as session:  # it is there when record returns
                    stored_before_return.append(session.scalar(
                        select(AuditEntry.seq).where(AuditEntry.actor == f"analyst{k}")
                        .order_by(AuditEntry.seq.desc()).limit(1)) is not None)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=request, args=(k,)) for k in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and all(stored_before_return) and len(stored_before_return) == 200
    result = verify(engine)
    assert result.entries == 200 and result.intact
    with session_scope(engine) as session:
        ids = session.scalars(select(AuditEntry.record_ids)).all()
    assert sorted(i[0] for i in ids) == sorted(f"P{k:03d}-{j}" for k in range(40)
                                               for j in range(5))
    # the 200 entries took fewer commits than entries (the checks' reads commit too)
    assert len(commits) - 200 < 200


def test_a_failed_consultation_batch_fails_each_request_in_it_and_writes_none(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch whose transaction fails: every request waiting on it gets the error (its
    answer must not leave without its entry) and none of the batch is stored; the log
    goes on working for the next requests."""
    import geo_era.security.audit as audit_module
    from geo_era.security.audit import Actor, ConsultationLog

    real = audit_module._chain
    gate = threading.Event()

    def failing(session: object, entries: list[dict[str, object]]) -> object:
        gate.wait(5)  # let the whole wave queue into one batch
        result = real(session, entries)  # type: ignore[arg-type]
        if any(e["record_ids"] == ["BOOM"] for e in entries):
            raise OSError("disk full")
        return result

    monkeypatch.setattr(audit_module, "_chain", failing)
    log = ConsultationLog(engine)
    actor = Actor("analyst", "omu_analyst", "FICTIONAL Police Scotland OMU")
    outcomes: dict[str, str] = {}

    def request(pid: str) -> None:
        try:
            log.record(actor, record_type="sites_near", record_ids=[pid])
            outcomes[pid] = "stored"
        except OSError:
            outcomes[pid] = "failed"

    first = threading.Thread(target=request, args=("FIRST",))
    first.start()  # the writer takes it alone and waits at the gate
    time.sleep(0.2)
    wave = [threading.Thread(target=request, args=(pid,))
            for pid in ("A", "BOOM", "B", "C")]
    for t in wave:
        t.start()
    time.sleep(0.3)
    gate.set()
    for t in [first, *wave]:
        t.join(10)
    assert outcomes == {"FIRST": "stored", "A": "failed", "BOOM": "failed", "B": "failed",
                        "C": "failed"}
    log.record(actor, record_type="sites_near", record_ids=["AFTER"])
    result = verify(engine)
    assert result.entries == 2 and result.intact
