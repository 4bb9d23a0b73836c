"""SQLite's write-ahead log checkpointed by a thread of its own, not inside a commit.

In WAL mode SQLite copies the log back into the database file (a checkpoint) inside
whichever commit takes the log past 1,000 pages: that commit then also waits for the copy
and for an fsync of the database file. The case store's busiest writer is the audit
trail's group commit (:class:`geo_era.security.audit.ConsultationLog`), and every answer
waits for its entry's commit; so one answer in some hundreds waited for a checkpoint as
well, for 100-340 ms while a national import was writing to the same disk.

:func:`checkpoint_in_background` turns the automatic checkpoint off on an engine's
connections and runs the same PASSIVE checkpoint (it never waits for readers or
writers, and never blocks them) from a thread of its own, at most once a second while
commits come in. The thread starts at a commit and ends once no commit has come for
:data:`IDLE_S`; so the log stays as short as before and an idle process keeps no thread.
Durability is unchanged: a commit is durable once its log frames are fsynced
(``synchronous=FULL``), whether or not they have been checkpointed yet.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)

#: Seconds between two checkpoints while commits come in: the commits of one second
#: share one checkpoint.
INTERVAL_S = 1.0
#: Seconds without a commit after which the checkpoint thread ends.
IDLE_S = 10.0


class Checkpointer:
    """Checkpoints one SQLite database file's log after commits, from its own thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._dirty = threading.Event()
        self._thread: threading.Thread | None = None

    def committed(self, *_: object) -> None:
        """Note a commit (an engine's ``commit`` event): a checkpoint follows within
        :data:`INTERVAL_S`."""
        with self._lock:
            self._dirty.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wal-checkpoint",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        try:
            # mode=rw: never creates the file (a store removed meanwhile stays removed)
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw",
                                         uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            log.warning("WAL checkpoint of the case store failed: %s", exc)
            with self._lock:
                self._thread = None
            return
        try:
            connection.execute("PRAGMA synchronous=FULL")  # fsync as the commits do
            connection.execute("PRAGMA busy_timeout=10000")
            while self._waited():
                time.sleep(INTERVAL_S)  # the commits of this second share a checkpoint
                self._dirty.clear()
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # the next commit tries again
                    log.warning("WAL checkpoint of the case store failed: %s", exc)
        finally:
            connection.close()

    def _waited(self) -> bool:
        """Wait for a commit: True once one has come, False (and the thread ends) when
        none came for :data:`IDLE_S`."""
        while not self._dirty.wait(IDLE_S):
            with self._lock:  # from here a commit starts a new thread
                if not self._dirty.is_set():
                    self._thread = None
                    return False
        return True


def checkpoint_in_background(engine: Engine, path: Path) -> Checkpointer:
    """Move ``engine``'s WAL checkpoints (SQLite, file ``path``) to a thread of their
    own: its connections no longer checkpoint when they commit."""
    checkpointer = Checkpointer(path)

    @event.listens_for(engine, "connect")
    def _no_automatic_checkpoint(dbapi_connection: DBAPIConnection,
                                 _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    event.listen(engine, "commit", checkpointer.committed)
    return checkpointer
