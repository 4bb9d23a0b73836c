"""Sites-near and the minimum set are answered on the server's event loop, not a thread
of its pool (issue 23, item 5), and still never leave before their audit entry is
stored (the audit trail of DPA 2018 s62; R80, R89 in REQUIREMENTS.md).

The independent answers: the thread that ran the service (the event loop's, or not),
the audit writer held back by the test itself, and the entries read from the store."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from geo_era_api.app import PREFIX, create_app
from sqlalchemy import Engine, select

import geo_era.security.audit as audit_module
from geo_era.db.store import open_store, session_scope
from geo_era.security.audit import AuditEntry
from geo_era.security.users import add_user, issue_api_key
from geo_era.settings import Settings
from geo_era.workspace import Workspace
from tests.conftest import import_demo

PASSWORD = "a long fictional passphrase"


@pytest.fixture(scope="module")
def prepared(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[Path, Engine, dict[str, str], str]]:
    home = tmp_path_factory.mktemp("loop") / "home"
    store = import_demo(demo_files, home)
    property_id = str(store.read_attributes("properties", ["property_id"])
                      ["property_id"].iloc[0])
    engine = open_store(home)
    keys = {}
    for role, org in (("omu_analyst", "FICTIONAL Police Scotland OMU"),
                      ("rsl_link_officer", "FICTIONAL Housing Association")):
        add_user(engine, f"user.{role}", role=role, organisation=org, password=PASSWORD)
        keys[role] = issue_api_key(engine, f"user.{role}", name="tests")
    yield home, engine, keys, property_id
    engine.dispose()


def _entries(engine: Engine, actor: str) -> list[AuditEntry]:
    with session_scope(engine) as session:
        found = session.scalars(select(AuditEntry).where(AuditEntry.actor == actor)
                                .order_by(AuditEntry.seq)).all()
        session.expunge_all()
        return list(found)


def _threads_of_the_service(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """The thread of each call of the workspace's sites-near and minimum set."""
    seen: list[threading.Thread] = []
    for name in ("sites_near", "minimum_set"):
        real = getattr(Workspace, name)

        def spy(self: Workspace, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            seen.append(threading.current_thread())
            return _real(self, *args, **kwargs)
        monkeypatch.setattr(Workspace, name, spy)
    return seen


CALLS = {
    "sites-near answered": ("omu_analyst", "/proximity/sites-near", {}, 200, "sites_near"),
    "minimum set answered": ("omu_analyst", "/parameters", {}, 200, "minimum_set"),
    "minimum set refused": ("rsl_link_officer", "/parameters", {}, 403, "parameters"),
}


@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
def test_the_answer_leaves_after_its_entry_and_the_loop_is_free_meanwhile(
        prepared: tuple[Path, Engine, dict[str, str], str], call: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    home, engine, keys, property_id = prepared
    role, path, extra, code, record_type = CALLS[call]
    app = create_app(Settings(home=home), engine=engine)
    app.state.services.workspace.refresh()  # loaded, as the server's start loads it
    threads = _threads_of_the_service(monkeypatch)
    real, held, release = audit_module._chain, threading.Event(), threading.Event()

    def held_back(connection: Any, entries: list[dict[str, Any]]) -> Any:
        held.set()
        release.wait(10)
        return real(connection, entries)
    monkeypatch.setattr(audit_module, "_chain", held_back)
    before = len(_entries(engine, f"user.{role}"))

    async def scenario() -> tuple[httpx.Response, threading.Thread, bool, int]:
        loop_thread = threading.current_thread()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://geo-era") as c:
            task = asyncio.create_task(c.post(
                f"{PREFIX}{path}", json={"property_id": property_id, **extra},
                headers={"X-API-Key": keys[role]}))
            assert await asyncio.to_thread(held.wait, 10)  # its entry is being written
            await asyncio.sleep(0.3)
            left_early = task.done()
            # the loop answers another request meanwhile
            me = await asyncio.wait_for(c.get(f"{PREFIX}/me",
                                              headers={"X-API-Key": keys[role]}), 10)
            release.set()
            return await asyncio.wait_for(task, 10), loop_thread, left_early, me.status_code

    try:
        response, loop_thread, left_early, me = asyncio.run(scenario())
    finally:
        release.set()
    assert not left_early, "the answer left before its audit entry was stored"
    assert me == 200
    assert response.status_code == code, response.text
    if code == 200:
        assert response.json()["property_id"] == property_id
        assert threads == [loop_thread]  # no thread of the pool
    entries = _entries(engine, f"user.{role}")[before:]
    assert [(e.record_type, e.record_ids, e.outcome) for e in entries] == [
        (record_type, [property_id], "allowed" if code == 200 else "denied")]


def test_a_failed_audit_commit_answers_a_plain_error_and_no_sites(
        prepared: tuple[Path, Engine, dict[str, str], str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    home, engine, keys, property_id = prepared
    app = create_app(Settings(home=home), engine=engine)
    app.state.services.workspace.refresh()

    def failing(connection: Any, entries: list[dict[str, Any]]) -> Any:
        raise RuntimeError("the disk is full (FICTIONAL)")
    monkeypatch.setattr(audit_module, "_chain", failing)

    async def scenario() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://geo-era") as c:
            return await c.post(f"{PREFIX}/proximity/sites-near",
                                json={"property_id": property_id},
                                headers={"X-API-Key": keys["omu_analyst"]})

    response = asyncio.run(scenario())
    assert response.status_code == 500
    assert set(response.json()) == {"detail"}
    assert property_id not in response.text and "disk" not in response.text


def test_a_call_that_would_wait_for_the_first_load_is_answered_from_a_thread(
        prepared: tuple[Path, Engine, dict[str, str], str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the layers are loaded (or while a reload is awaited) the call is made
    again in the thread pool: the event loop never waits for a load."""
    home, engine, keys, property_id = prepared
    app = create_app(Settings(home=home), engine=engine)  # nothing loaded yet
    threads = _threads_of_the_service(monkeypatch)
    loaded_on: list[threading.Thread] = []
    real_reload = Workspace._reload

    def reload(self: Workspace, *args: Any, **kwargs: Any) -> Any:
        loaded_on.append(threading.current_thread())
        return real_reload(self, *args, **kwargs)
    monkeypatch.setattr(Workspace, "_reload", reload)

    async def scenario() -> tuple[list[httpx.Response], threading.Thread]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://geo-era") as c:
            answers = [await c.post(f"{PREFIX}/proximity/sites-near",
                                    json={"property_id": property_id},
                                    headers={"X-API-Key": keys["omu_analyst"]})
                       for _ in range(2)]
        return answers, threading.current_thread()

    (first, second), loop_thread = asyncio.run(scenario())
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert len(loaded_on) == 1 and loaded_on[0] is not loop_thread
    # the first asked on the loop, then again in a thread; the second on the loop
    assert threads[0] is loop_thread and threads[1] is not loop_thread
    assert threads[2:] == [loop_thread]
