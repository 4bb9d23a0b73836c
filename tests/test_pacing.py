"""Background builds give way to requests being answered (issue 23, item 2: a server
reloading national layers kept answering within 250 ms only when its reload let the
requests in flight go first)."""

from __future__ import annotations

import threading
import time
import weakref

import numpy as np
import pandas as pd
import pytest

from geo_era import pacing
from geo_era.pacing import IN_FLIGHT, MAX_WAIT_S, background, give_way
from geo_era.workspace import PropertyTable


def _timed(step_s: float) -> float:
    """How long give_way takes after a step of ``step_s`` seconds."""
    time.sleep(step_s)
    started = time.perf_counter()
    give_way()
    return time.perf_counter() - started


def test_outside_background_work_nothing_waits_even_with_requests_in_flight() -> None:
    IN_FLIGHT.enter()
    try:
        assert _timed(0.05) < 0.05
    finally:
        IN_FLIGHT.leave()
    assert not IN_FLIGHT.busy


def test_background_work_waits_for_requests_as_long_as_its_last_step_took_at_most() -> None:
    IN_FLIGHT.enter()
    try:
        with background():
            assert 0.05 <= _timed(0.05) < 0.05 + 0.5
            assert MAX_WAIT_S <= _timed(0.3) < MAX_WAIT_S + 0.5  # never longer than this
        assert _timed(0.05) < 0.05  # the block is over: background no more
    finally:
        IN_FLIGHT.leave()


def test_background_work_goes_on_as_soon_as_no_request_is_in_flight() -> None:
    with background():
        assert _timed(0.3) < pacing.POLL_S + 0.05  # nobody is waiting
        time.sleep(0.3)  # a long step; then a request comes, answered 30 ms later
        IN_FLIGHT.enter()
        done = threading.Timer(0.03, IN_FLIGHT.leave)
        done.start()
        started = time.perf_counter()
        give_way()
        waited = time.perf_counter() - started
        done.join()
        assert 0.02 <= waited < MAX_WAIT_S
    assert not IN_FLIGHT.busy


def test_a_request_waiting_for_the_background_work_does_not_hold_it_back() -> None:
    IN_FLIGHT.enter()  # one request, which waits for the reload to finish
    try:
        with IN_FLIGHT.waiting():
            assert not IN_FLIGHT.busy
            with background():
                assert _timed(0.3) < pacing.POLL_S + 0.05
            IN_FLIGHT.enter()  # another request, being answered meanwhile
            try:
                assert IN_FLIGHT.busy
            finally:
                IN_FLIGHT.leave()
        assert IN_FLIGHT.busy
    finally:
        IN_FLIGHT.leave()
    assert not IN_FLIGHT.busy


def _table(rows: int) -> PropertyTable:
    return PropertyTable(pd.DataFrame({
        "property_id": [f"FICTIONAL-{i}" for i in range(rows)],
        "address": [f"{i} Fictional Street" for i in range(rows)],
        "x": np.arange(rows, dtype=float), "y": np.zeros(rows)}))


def test_release_takes_apart_what_nothing_else_holds_giving_way_between_pieces(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A replaced property table (2.6 million ids nationally: 0.09 s freed in one call)
    is let go of attribute by attribute, its id array 100,000 ids a step."""
    steps: list[int] = []
    monkeypatch.setattr(pacing, "give_way", lambda: steps.append(1))
    table = _table(250_000)
    gone = weakref.ref(table)
    held: list[object] = [table]
    del table
    pacing.release(held)
    assert held == [] and gone() is None
    # 5 attributes, each after a step, the id array in 3 steps of 100,000, and the end
    assert len(steps) >= 5 + 3


def test_release_leaves_whole_what_someone_else_still_holds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[int] = []
    monkeypatch.setattr(pacing, "give_way", lambda: steps.append(1))
    table = _table(1_000)
    ids = table.ids  # a request still answering from its ids, say
    rows = table.rows_by_id
    gone = weakref.ref(table)
    held: list[object] = [table]
    del table
    pacing.release(held)
    assert gone() is None  # the table itself was taken apart and freed
    assert ids.tolist() == [f"FICTIONAL-{i}" for i in range(1_000)]  # not emptied
    assert rows["FICTIONAL-999"] == 999
    shared = _table(1_000)
    pacing.release([shared])
    assert shared.row("FICTIONAL-7") == 7  # the caller kept a reference: untouched
    assert shared.ids[999] == "FICTIONAL-999"
