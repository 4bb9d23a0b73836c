"""Long builds that give way to requests.

A server's workspace reloads after an import in a thread beside the ones answering
requests (:class:`~geo_era.workspace.Workspace` with ``background=True``). Every call it
makes into numpy, pandas, Arrow or GEOS holds the interpreter lock until it returns, and a
request, which takes and gives back the lock many times (each socket read, each GEOS
call, each wait for its audit entry), waited for one such call each time: answers took
1.5-2 s during a national reload, though no single call held the lock for half a second.

So the long builds are cut into steps (a layer's geometries decoded 100,000 at a time,
the id table filled 50,000 ids a step, an index built a tile at a time), and the cores
call :func:`give_way` between two steps. In a thread marked as background work
(:func:`background`), while requests are being answered (:data:`IN_FLIGHT`, counted by
the server's gate), it waits for them, for at most as long as the step before took (and
:data:`MAX_WAIT_S`): a request waits for the step under way at most, and the build still
gets half the time under constant load. Anywhere else (the command line, batch jobs, a
reload a caller waits for) it returns at once.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

#: The longest a background step waits for requests (seconds).
MAX_WAIT_S = 0.1
#: How often a waiting step looks again (seconds).
POLL_S = 0.002


class InFlight:
    """How many requests are being answered now, by any thread of this process, and how
    many of them wait for the background work itself (a call that needs the data being
    reloaded): those do not hold it back, or it would only take longer to finish."""

    def __init__(self) -> None:
        self._count = 0
        self._waiting = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            self._count += 1

    def leave(self) -> None:
        with self._lock:
            self._count -= 1

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Around a wait for the background work to finish."""
        with self._lock:
            self._waiting += 1
        try:
            yield
        finally:
            with self._lock:
                self._waiting -= 1

    @property
    def busy(self) -> bool:
        """Whether requests are being answered that do not wait for background work."""
        return self._count - self._waiting > 0


class WouldWaitError(Exception):
    """Raised instead of waiting for background work (a reload under way, or the first
    load) by a caller that said it must not wait (:func:`without_waiting`): it asks
    again where waiting is harmless. Not a :class:`~geo_era.errors.GeoEraError`: it is
    never an answer."""


_NO_WAITING: ContextVar[bool] = ContextVar("geo_era_no_waiting", default=False)


@contextmanager
def without_waiting() -> Iterator[None]:
    """In the block, a step that would wait for background work raises
    :class:`WouldWaitError` (see :func:`may_wait`). For a server's event loop, which
    answers a call from the data loaded but must never be held by a reload."""
    token = _NO_WAITING.set(True)
    try:
        yield
    finally:
        _NO_WAITING.reset(token)


def may_wait() -> None:
    """Before waiting for background work: :class:`WouldWaitError` inside
    :func:`without_waiting`, nothing elsewhere."""
    if _NO_WAITING.get():
        raise WouldWaitError


#: The requests of this process (a server process answers one set of requests).
IN_FLIGHT = InFlight()

_thread = threading.local()


@contextmanager
def background() -> Iterator[None]:
    """Mark what this thread does in the block as background work (see the module)."""
    _thread.since = time.perf_counter()
    _thread.on = True
    try:
        yield
    finally:
        _thread.on = False


def in_background() -> bool:
    """Whether this thread is doing background work now (:func:`background`).

    A background reload reads its Parquet files on this thread alone (Arrow's
    ``use_threads=False``): Arrow's own pool, free of the interpreter lock, would
    otherwise take both cores of a small server from the requests at the moment the
    reload starts, just as the import that caused it exits (issue 23)."""
    return bool(getattr(_thread, "on", False))


def give_way() -> None:
    """Between two steps of a long build: in background work, let the requests being
    answered go first (see the module); elsewhere, nothing."""
    if not in_background():
        return
    step = time.perf_counter() - _thread.since
    time.sleep(POLL_S)  # threads waiting for the lock (a request arriving) run first
    deadline = time.perf_counter() + min(step, MAX_WAIT_S)
    while IN_FLIGHT.busy and time.perf_counter() < deadline:
        time.sleep(POLL_S)
    _thread.since = time.perf_counter()


#: Elements of an object array let go per step by :func:`release`.
RELEASE_STEP = 100_000


def release(held: list[object], *, depth: int = 2) -> None:
    """Let go of the one object in ``held`` (taken out of it) a piece at a time, giving
    way between pieces (:func:`give_way`), where it would otherwise go in one call.

    Freeing a replaced national state by reference counts frees millions of objects in
    the one call that drops it: 0.13 s for the minimum-set engine and 0.09 s for the
    property table, holding the interpreter lock. Here an object that nothing else
    refers to (its reference count shows the caller's hand-over only) is taken apart
    first: a geo_era object attribute by attribute (each released so, ``depth`` levels
    down) and an object array of one dimension :data:`RELEASE_STEP` elements at a time.
    Anything still referred to elsewhere is only let go of (it stays whole for those
    who hold it), and so is anything else (a frame, a dict): it goes in one call.
    """
    value = held.pop()
    # 2: ``value`` and getrefcount's argument: nothing else refers to it
    if depth > 0 and sys.getrefcount(value) <= 2:
        if isinstance(value, np.ndarray) and value.dtype == object and value.ndim == 1:
            for lo in range(0, len(value), RELEASE_STEP):
                give_way()
                value[lo:lo + RELEASE_STEP] = None
        elif type(value).__module__.startswith("geo_era.") and hasattr(value, "__dict__"):
            attributes = vars(value)
            for name in list(attributes):
                give_way()
                release([attributes.pop(name)], depth=depth - 1)
    give_way()
    del value
