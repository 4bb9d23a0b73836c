"""One way to write a file: whole or not at all, with an explicit mode.

Every file geo_era writes goes through :func:`atomic_path` (or :func:`write_bytes` /
:func:`write_text`): the content is written to a temporary file beside the target,
flushed to disk, given its mode and renamed over the target, so a reader sees either the
old file or the new one, never half of one. Anything that can hold a subject's or a
victim's data (maps drawn with zones, ERA documents, internal reports, exports, the
case store's neighbours) is written :data:`PRIVATE` (0600); reference data and
published material :data:`SHARED` (0644).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

#: Owner read/write only: anything that can hold a subject's or a victim's data.
PRIVATE = 0o600
#: Owner read/write, others read: published reports, files written outside
#: ``GEO_ERA_HOME`` that hold no one's data.
SHARED = 0o644
#: Owner only: ``GEO_ERA_HOME`` and the folders in it.
PRIVATE_DIR = 0o700


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _temporary_beside(target: Path, mode: int) -> Path:
    """An empty temporary file in ``target``'s folder (so a rename is atomic), named
    after the target with a ``.tmp`` suffix a reader of the folder can recognise, with
    ``mode`` already applied (never world-readable in between)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _flush(tmp: Path, mode: int) -> None:
    with tmp.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.chmod(tmp, mode)  # a writer that replaced the file may have reset it


@contextlib.contextmanager
def atomic_path(target: Path | str, *, mode: int) -> Iterator[Path]:
    """A temporary path beside ``target`` to write to; on leaving the block without an
    error it is flushed, given ``mode`` and renamed over ``target``. On an error it is
    removed and ``target`` is untouched."""
    target = Path(target)
    tmp = _temporary_beside(target, mode)
    try:
        yield tmp
        _flush(tmp, mode)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


@contextlib.contextmanager
def staged_bytes(target: Path | str, data: bytes, *, mode: int
                 ) -> Iterator[Callable[[], None]]:
    """``data`` written and flushed to disk beside ``target`` now; the block is given
    the call that puts it in place (a rename, and the folder flushed), to make at the
    moment it chooses: so whatever must happen together with the replacement (an audit
    entry's transaction) is held for the rename only, not for the writing. Leaving the
    block without the call, or with an error, removes the file and leaves ``target``
    untouched."""
    target = Path(target)
    tmp = _temporary_beside(target, mode)
    placed = False

    def place() -> None:
        nonlocal placed
        tmp.replace(target)
        placed = True
        _fsync_dir(target.parent)

    try:
        tmp.write_bytes(data)
        _flush(tmp, mode)
        yield place
    finally:
        if not placed:
            tmp.unlink(missing_ok=True)


def write_bytes(target: Path | str, data: bytes, *, mode: int) -> Path:
    """Write ``data`` to ``target`` whole, with ``mode``; the target's path."""
    with atomic_path(target, mode=mode) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: Path | str, text: str, *, mode: int) -> Path:
    """Write ``text`` (UTF-8) to ``target`` whole, with ``mode``; the target's path."""
    return write_bytes(target, text.encode("utf-8"), mode=mode)


def private_dir(folder: Path | str) -> Path:
    """``folder`` made to exist (with its parents) and owner-only (0700): where
    ``GEO_ERA_HOME`` and anything holding subjects' data live."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) != PRIVATE_DIR:
        os.chmod(folder, PRIVATE_DIR)
    return folder


def private_file(path: Path | str) -> Path:
    """``path`` made to exist (empty when new) and owner-only (0600), with whatever
    companions a database keeps beside it (``-wal``, ``-shm``, ``-journal``): SQLite
    gives those the mode of the database file."""
    path = Path(path)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE))
    for each in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        if each.exists() and stat.S_IMODE(each.stat().st_mode) != PRIVATE:
            os.chmod(each, PRIVATE)
    return path

